"""``ran-gym bench agents``: decision latency and training speed of Diffusion-QL on the
default slicing scenario's sizes, its Table I setting and its defaults side by side.

- ``cpu`` / ``cuda``: the ``table-i`` preset (linear schedule at T = 20, 3 × 128 noise
  predictor, γ 0.98, the Q term through the reverse chain) on the 525-value unified
  action, the path this benchmark has always measured;
- ``default``: the defaults (VP at T = 5, x̂₀ denoiser of 256, γ 0.5, one-step Q term)
  on the 125-value share action Diffusion-QL acts in: its guided decision (best of 10
  by Q; on CPU through the NumPy path, whose layers take the library's one-pass Mish
  where it is built, in ``decision_numpy_mish_*`` the same with NumPy's Mish, and in
  ``decision_torch_*`` through the PyTorch sampler; the three take turns in blocks,
  so that a machine whose speed drifts moves them alike) and its updates per second, on
  the CPU with the networks' Mish through the library's pass where it is built (beside
  it in ``updates_per_s_torch_mish``, PyTorch's ops, the two taking turns in blocks)
  and in ``default_cuda`` on CUDA, graphed and eager;
- ``per_ue``: the ``per-ue`` preset (per-UE denoiser and critics, agents.diffusion_ql.per_ue)
  on the share action: its guided decision through PyTorch and its updates per second,
  with the Q term and without it (λ = 0, as ``make demo`` pre-trains), on the CPU.

Decisions of the ``table-i`` preset are timed at batch 1 (one state, one action):
T = 20 DDPM without guidance, DDIM with 5 steps, and the full guided decision (T = 20
DDPM with Q guidance, best of 10 candidates by Q), each through the PyTorch sampler
and, on CPU, through the NumPy decision path (agents.diffusion_ql.fast; keys
``*_fast_*``) and, where it is built, the same path with the compiled reverse loop
(agents.diffusion_ql.kernel; ``*_kernel_*``; guided decisions keep NumPy for the
guidance, with the library's Mish; ``*_fast_*`` runs with the library switched off) in
the same run. Wall and CPU-time medians after a warm-up (``*_cpu_ms``: this
thread's CPU time, the cost on one core even when other processes share it). Training:
gradient updates per second at batch 128. CPU with one intra-op thread (and CUDA too
when present).
"""

from __future__ import annotations

import datetime
import os
import platform
import sys
import time
from dataclasses import replace
from typing import Any

import numpy as np
import torch
from gymnasium import spaces

from agents.diffusion_ql import DiffusionQL, DiffusionQLConfig, kernel
from agents.diffusion_ql.config import preset


def _time(call: Any, iterations: int, warmup: int) -> dict[str, float]:
    """Median wall and CPU (this thread) milliseconds of ``call()``. On a loaded machine
    the wall time includes waiting for a core; the CPU time is the cost on one core."""
    return _time_alternating({"": call}, iterations, warmup, rounds=1)[""]


def _time_alternating(calls: dict[str, Any], iterations: int, warmup: int, rounds: int = 10
                      ) -> dict[str, dict[str, float]]:
    """:func:`_time` of each call, the calls taking turns in ``rounds`` blocks (each
    block ``warmup / rounds`` untimed calls, at least one, then its share of the timed
    ones), so that a machine whose speed drifts during the run (other tenants) moves all
    of them alike while each block runs with its own weights in the caches."""
    wall: dict[str, list[int]] = {k: [] for k in calls}
    cpu: dict[str, list[int]] = {k: [] for k in calls}
    rounds = max(1, min(rounds, iterations))
    for r in range(rounds):
        timed = iterations // rounds + (r < iterations % rounds)
        for key, call in calls.items():
            for i in range(max(1, warmup // rounds) + timed):
                w, c = time.perf_counter_ns(), time.thread_time_ns()
                call()
                if i >= max(1, warmup // rounds):
                    cpu[key].append(time.thread_time_ns() - c)
                    wall[key].append(time.perf_counter_ns() - w)
    return {k: {"wall": round(float(np.median(wall[k])) / 1e6, 4),
                "cpu": round(float(np.median(cpu[k])) / 1e6, 4)} for k in calls}


def _decisions(obs_space: spaces.Box, act_space: spaces.Box, device: str, iterations: int,
               warmup: int) -> dict[str, float]:
    """Each decision through the PyTorch sampler (``*_ms``, ``*_cpu_ms``) and, on CPU,
    through the NumPy path (``*_fast_*``) and the compiled loop (``*_kernel_*``) too,
    with the same weights."""
    base = preset("table-i")
    variants = {
        "ddpm_t20": replace(base, candidates=1, guidance=0.0),
        "ddim5": replace(base, candidates=1, decision_sampler="ddim", ddim_steps=5),
        "default_decision": base,
    }
    obs = obs_space.sample()
    out = {}
    paths = {"": (False, False)}
    if device == "cpu":
        paths["_fast"] = (True, False)
        if kernel.load() is not None:
            paths["_kernel"] = (True, True)
    for key, config in variants.items():
        for suffix, (fast, compiled) in paths.items():
            agent = DiffusionQL(obs_space, act_space, replace(config, fast_decisions=fast),
                                seed=0, device=device)
            with kernel.switched(compiled):
                timing = _time(lambda a=agent: a.predict(obs), iterations, warmup)
            out[f"{key}{suffix}_ms"] = timing["wall"]
            out[f"{key}{suffix}_cpu_ms"] = timing["cpu"]
    return out


def _updates_per_s(obs_space: spaces.Box, act_space: spaces.Box, device: str,
                   updates: int, cuda_graphs: bool = True,
                   config: DiffusionQLConfig | None = None, layout: Any = None) -> float:
    """Updates per second at batch 128 (``config``: the table-i preset unless given;
    ``layout``: the per-UE networks'); on CUDA with the update as a CUDA graph unless
    ``cuda_graphs`` is False (no effect on the CPU)."""
    config = replace(config or preset("table-i"), cuda_graphs=cuda_graphs)
    agent = _warm_learner(obs_space, act_space, config, device, layout)
    return round(updates / _seconds_of_updates(agent, updates), 2)


def _updates_per_s_mish(obs_space: spaces.Box, act_space: spaces.Box, updates: int,
                        config: DiffusionQLConfig, rounds: int = 4) -> tuple[float, float]:
    """CPU updates per second at batch 128 with the networks' Mish through the compiled
    pass and through PyTorch's ops (the library switched off), one agent taking turns in
    ``rounds`` blocks of each, so that a drift of the machine's speed moves both alike."""
    agent = _warm_learner(obs_space, act_space, config, "cpu")
    seconds = {True: 0.0, False: 0.0}
    for r in range(rounds):
        for compiled in (True, False):
            with kernel.switched(compiled):
                seconds[compiled] += _seconds_of_updates(
                    agent, updates // rounds + (r < updates % rounds))
    return (round(updates / max(seconds[True], 1e-9), 2),
            round(updates / max(seconds[False], 1e-9), 2))


def _warm_learner(obs_space: spaces.Box, act_space: spaces.Box, config: DiffusionQLConfig,
                  device: str, layout: Any = None) -> DiffusionQL:
    """An agent with 1024 random transitions in its replay, after one update (on CUDA
    also the graph's capture)."""
    agent = DiffusionQL(obs_space, act_space, config, seed=0, device=device, layout=layout)
    rng = np.random.default_rng(0)
    for _ in range(1024):
        agent.replay.add(obs_space.sample(), act_space.sample(), float(rng.normal()),
                         obs_space.sample(), False)
    agent.train_step(agent.replay.sample(128, agent.rng, agent.device))
    return agent


def _seconds_of_updates(agent: DiffusionQL, updates: int) -> float:
    start = time.perf_counter()
    for _ in range(updates):
        agent.train_step(agent.replay.sample(128, agent.rng, agent.device))
    if agent.device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


def _defaults(obs_space: spaces.Box, action_dim: int, iterations: int, warmup: int,
              updates: int, device: str = "cpu") -> dict[str, Any]:
    """The default setting on the share action: guided decision and updates (on CUDA
    with the update as a CUDA graph, and eagerly beside it in ``updates_per_s_eager``)."""
    act_space = spaces.Box(-1, 1, (action_dim,), np.float32)
    act_space.seed(0)
    agent = DiffusionQL(obs_space, act_space, DiffusionQLConfig(), seed=0, device=device)
    obs = obs_space.sample()
    calls = {"decision": lambda: agent.predict(obs)}
    if device == "cpu":  # the same decision through the PyTorch sampler, beside it
        torch_path = DiffusionQL(obs_space, act_space, DiffusionQLConfig(fast_decisions=False),
                                 seed=0, device=device)
        calls["decision_torch"] = lambda: torch_path.predict(obs)
        if kernel.load() is not None:  # and with NumPy's Mish, the library switched off
            with kernel.switched(False):
                numpy_mish = DiffusionQL(obs_space, act_space, DiffusionQLConfig(), seed=0,
                                         device=device)
                numpy_mish.predict(obs)  # its decider is built now, without the library
            calls["decision_numpy_mish"] = lambda: numpy_mish.predict(obs)
    out: dict[str, Any] = {"action_dim": action_dim}
    for key, timing in _time_alternating(calls, iterations, warmup).items():
        out |= {f"{key}_ms": timing["wall"], f"{key}_cpu_ms": timing["cpu"]}
    if device == "cpu" and kernel.load() is not None:
        out["updates_per_s"], out["updates_per_s_torch_mish"] = _updates_per_s_mish(
            obs_space, act_space, updates, DiffusionQLConfig())
    else:
        out["updates_per_s"] = _updates_per_s(obs_space, act_space, device, updates,
                                              config=DiffusionQLConfig())
    if device == "cuda":
        out["updates_per_s_eager"] = _updates_per_s(obs_space, act_space, device, updates,
                                                    cuda_graphs=False, config=DiffusionQLConfig())
    return out


def _per_ue(cfg: Any, iterations: int, warmup: int, updates: int) -> dict[str, Any]:
    """The ``per-ue`` preset on the share action (the demo's "Diffusion-QL +
    demonstrations"): its guided decision (PyTorch: the NumPy path mirrors the MLPs
    only) and its updates per second, with the Q term (λ = 1) and as the demo pre-trains
    (λ = 0: the Q term is not back-propagated)."""
    from agents.diffusion_ql.per_ue import UeLayout
    from bridge.slicing.layout import observation_space
    from bridge.slicing.shares import share_space

    obs_space, act_space = observation_space(cfg), share_space(cfg)
    obs_space.seed(0)
    act_space.seed(0)
    layout, config = UeLayout.of(cfg), preset("per-ue")
    agent = DiffusionQL(obs_space, act_space, config, seed=0, device="cpu", layout=layout)
    obs = obs_space.sample()
    timing = _time(lambda: agent.predict(obs), iterations, warmup)
    out: dict[str, Any] = {"decision_ms": timing["wall"], "decision_cpu_ms": timing["cpu"]}
    for key, q_weight in (("updates_per_s", 1.0), ("updates_per_s_bc_only", 0.0)):
        out[key] = _updates_per_s(obs_space, act_space, "cpu", updates,
                                  config=replace(config, q_weight=q_weight), layout=layout)
    return out


def bench_agents(iterations: int = 200, warmup: int = 20, updates: int = 20) -> dict[str, Any]:
    from bridge.slicing.config import SlicingConfig
    from bridge.slicing.layout import observation_size
    from bridge.slicing.shares import share_size
    from bridge.slicing.unified import unified_size

    cfg = SlicingConfig()
    obs_space = spaces.Box(-1, 1, (observation_size(cfg),), np.float32)
    act_space = spaces.Box(-1, 1, (unified_size(cfg),), np.float32)
    obs_space.seed(0)
    act_space.seed(0)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
        results = {
            device: {**_decisions(obs_space, act_space, device, iterations, warmup),
                     "updates_per_s": _updates_per_s(obs_space, act_space, device, updates)}
            for device in devices
        }
        if "cuda" in results:  # the same updates without the CUDA graph, in the same run
            results["cuda"]["updates_per_s_eager"] = _updates_per_s(
                obs_space, act_space, "cuda", updates, cuda_graphs=False)
        results["default"] = _defaults(obs_space, share_size(cfg), iterations, warmup, updates)
        results["per_ue"] = _per_ue(cfg, iterations, warmup, updates)
        if "cuda" in results:
            results["default_cuda"] = _defaults(obs_space, share_size(cfg), iterations, warmup,
                                                updates, "cuda")
    finally:
        torch.set_num_threads(threads)
    return {
        "benchmark": "agents", "obs_dim": obs_space.shape[0], "action_dim": act_space.shape[0],
        "iterations": iterations, "warmup": warmup, "updates": updates,
        "kernel": str(kernel.library_path()) if kernel.load() else None, **results,
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                    "python": sys.version.split()[0], "torch": torch.__version__,
                    "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None},
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
