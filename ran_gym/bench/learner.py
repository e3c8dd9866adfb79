"""``ran-gym bench learner``: N oran-slicing simulators feeding one Diffusion-QL learner,
with the learner on each device asked for (CPU, and CUDA where there is a GPU).

For each device and each N the trainer's own loop (:func:`agents.diffusion_ql.training.
collect`, the loop of ``ran-gym train --agent diffusion-ql --num-envs N``) runs against N
simulators under Gymnasium's AsyncVectorEnv. Learning starts at the first transition
(``learning_starts = 0``) so that every timed step carries its updates; ``warmup`` vector
steps run untimed first (the simulators' attach, the first kernels on the device), then
``steps`` vector steps are timed. Reported per (device, N):

- ``env_steps_per_s``: transitions stored per wall second (N per vector step) and
  ``updates_per_s``: learner updates per wall second (``updates_per_step`` per transition);
- where the wall time went, per vector step: ``simulators_ms`` (waiting for the N
  simulators' step), ``decide_ms`` (the agent choosing N actions) and ``learn_ms`` (storing
  the N transitions and their updates, the rest of the loop);
- ``update_ms``: ``learn_ms`` over the updates of one vector step.

Every (device, N) pair uses the same drop seed and agent seed; torch runs with
``torch_threads`` intra-op threads (1, as ``ran-gym train`` sets, unless asked); with
``cuda_graphs`` the CUDA learner replays each update as a CUDA graph.
"""

from __future__ import annotations

import datetime
import functools
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from gymnasium.vector import VectorEnv, VectorWrapper

from ran_gym.bench.scaling import _figure, machine


class _Stopwatch:
    """Wall seconds summed over the calls made through it."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return call(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - start


class _TimedSteps(VectorWrapper):
    """The vector env, with the wall time of its ``step`` and ``reset`` on ``watch``."""

    def __init__(self, env: VectorEnv) -> None:
        super().__init__(env)
        self.watch = _Stopwatch()

    def step(self, actions: Any) -> Any:
        return self.watch(self.env.step, actions)

    def reset(self, **kwargs: Any) -> Any:
        return self.watch(self.env.reset, **kwargs)


def time_learner(params: Mapping[str, Any], n: int, device: str, steps: int, warmup: int,
                 seed: int, cuda_graphs: bool = False) -> dict[str, float]:
    """One (device, N) measurement; see the module's docstring."""
    import torch

    from agents.diffusion_ql.agent import DiffusionQL
    from agents.diffusion_ql.config import DiffusionQLConfig
    from ran_gym.train.diffusion_ql import make_vector_env

    episode = {**params, "maxSteps": str(warmup + steps + 1)}
    envs = _TimedSteps(make_vector_env("oran-slicing", episode, n, timeout_s=600.0))
    try:
        agent = DiffusionQL(envs.single_observation_space, envs.single_action_space,
                            DiffusionQLConfig(learning_starts=0, cuda_graphs=cuda_graphs),
                            seed=seed, device=device)
        decide = _Stopwatch()
        agent.act = functools.partial(decide, agent.act)  # type: ignore[method-assign]
        if warmup:
            agent.learn(envs, warmup * n)
        sync = torch.cuda.synchronize if agent.device.type == "cuda" else (lambda: None)
        sync()
        envs.watch.seconds = decide.seconds = 0.0
        stored, updates = agent.num_timesteps, agent.num_updates
        start = time.perf_counter()
        agent.learn(envs, steps * n)
        sync()
        wall = time.perf_counter() - start
        stored, updates = agent.num_timesteps - stored, agent.num_updates - updates
        simulators, deciding = envs.watch.seconds, decide.seconds
    finally:
        envs.close()
    learning = wall - simulators - deciding
    return {"wall_s": wall, "env_steps_per_s": stored / wall, "updates_per_s": updates / wall,
            "simulators_ms": 1e3 * simulators / steps, "decide_ms": 1e3 * deciding / steps,
            "learn_ms": 1e3 * learning / steps,
            "update_ms": 1e3 * learning / updates if updates else float("nan")}


def resolve_devices(text: str | None) -> list[str]:
    """``"cpu,cuda"`` -> the list; None -> cpu, and cuda where torch sees a GPU. A device
    torch cannot use is refused before any simulator starts."""
    import torch

    if text is None:
        return ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    devices = [d.strip() for d in text.split(",") if d.strip()]
    if not devices:
        raise ValueError(f"--devices expects DEVICE,DEVICE,... (cpu, cuda), got {text!r}")
    for device in devices:
        if device not in ("cpu", "cuda"):
            raise ValueError(f"--devices: unknown device {device!r}; known: cpu, cuda")
        if device == "cuda" and not torch.cuda.is_available():
            raise ValueError("--devices cuda: torch sees no CUDA device on this machine")
    return devices


def bench_learner(num_envs: Sequence[int] = (1, 2, 4), devices: Sequence[str] = ("cpu",),
                  steps: int = 20, warmup: int = 3, seed: int = 1,
                  params: Mapping[str, Any] | None = None, torch_threads: int = 1,
                  cuda_graphs: bool = False) -> dict[str, Any]:
    import torch

    if steps < 1 or warmup < 0 or torch_threads < 1 or not num_envs or min(num_envs) < 1:
        raise ValueError("steps and torch_threads must be >= 1, warmup >= 0, num_envs a "
                         "list of N >= 1")
    if not devices:
        raise ValueError("devices must name at least one device")
    threads = torch.get_num_threads()
    torch.set_num_threads(torch_threads)
    try:
        results = {device: {str(n): {k: _figure(v) for k, v in
                                     time_learner(params or {}, n, device, steps, warmup,
                                                  seed, cuda_graphs).items()}
                            for n in num_envs}
                   for device in devices}
    finally:
        torch.set_num_threads(threads)
    gpu = torch.cuda.get_device_name(0) if "cuda" in devices else None
    return {
        "benchmark": "learner", "scenario": "oran-slicing", "agent": "diffusion-ql",
        "params": dict(params or {}), "seed": seed, "steps": steps, "warmup": warmup,
        "torch_threads": torch_threads, "torch": torch.__version__, "gpu": gpu,
        "cuda_graphs": cuda_graphs,
        "devices": results,
        "machine": machine(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }

