"""N simulators in one run: sub-env i of a vector env meets exactly what a single env
seeded with seed + i meets; ``ran-gym bench scaling`` and the generated benchmarks block."""

from __future__ import annotations

import copy
import io
import json
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from agents.baselines import RandomAgent
from bridge.vector import batch_actions, make_vector_env
from ran_gym.bench.markdown import render
from ran_gym.bench.scaling import ray_overhead
from ran_gym.bench.suites import BEGIN, END, num_envs, write_block
from ran_gym.cli import main
from tests.conftest import program

TINY = {"nRus": 1, "nUes": 3, "warmupMs": 20, "maxSteps": 3}
SEED, STEPS = 40, 3


def _trajectories(n: int, seed: int, agent_seeds: list[int]) -> list[list[tuple]]:
    """Per sub-env: (obs, reward, terminated, truncated) of each step, random actions
    from one RandomAgent per sub-env."""
    envs = make_vector_env("oran-slicing", TINY, n)
    try:
        obs, _ = envs.reset(seed=seed)
        # One space per agent: RandomAgent seeds the space it is given.
        agents = [RandomAgent(copy.deepcopy(envs.single_action_space), s) for s in agent_seeds]
        out: list[list[tuple]] = [[(obs[i].copy(),)] for i in range(n)]
        for _ in range(STEPS):
            actions = [a.predict(None)[0] for a in agents]
            obs, reward, terminated, truncated, _ = envs.step(batch_actions(envs, actions))
            for i in range(n):
                out[i].append((obs[i].copy(), float(reward[i]), bool(terminated[i]),
                               bool(truncated[i])))
    finally:
        envs.close()
    return out


def _same(a: list[tuple], b: list[tuple]) -> bool:
    return all(np.array_equal(x[0], y[0]) and x[1:] == y[1:] for x, y in zip(a, b, strict=True))


def test_two_simulators_give_the_single_env_trajectories():
    program("ran-gym-oran-slicing")
    pair = _trajectories(2, SEED, [7, 8])
    alone = [_trajectories(1, SEED + i, [7 + i])[0] for i in range(2)]
    assert _same(pair[0], alone[0]) and _same(pair[1], alone[1])
    assert not _same(pair[0], pair[1])  # different seeds: different drops and traffic
    assert pair[0][-1][3] and not pair[0][-1][2]  # maxSteps reached: truncated


def test_bench_scaling_command():
    program("ran-gym-oran-slicing")
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["bench", "scaling", "--num-envs", "1,2", "--steps", "3",
                     *(f"--param={k}={v}" for k, v in TINY.items() if k != "maxSteps")]) == 0
    result = json.loads(out.getvalue())
    one, two = result["num_envs"]["1"], result["num_envs"]["2"]
    assert one["speedup"] == 1.0 and one["steps_per_s"] > 0
    assert two["speedup"] == pytest.approx(two["steps_per_s"] / one["steps_per_s"], rel=1e-2)
    assert two["wall_s"] == pytest.approx(2 * 3 / two["steps_per_s"], rel=1e-2)
    assert result["bridge"]["sim_cpu_ms_per_step"] > 0 and result["bridge"]["step_ms"] > 0


def test_ray_overhead_is_judged_on_the_figures_it_shows():
    """Ray's per-step overhead against a plain step: the difference of the two N = 1 rows
    and its share of the plain step's CPU; the 10 % verdict agrees with the figures shown
    (four significant digits) where the unrounded ones fall on the other side of it."""
    best = {"ray": {1: {"steps_per_s": 40.0, "python_cpu_ms_per_step": 3.00004}},
            "local": {1: {"steps_per_s": 50.0, "python_cpu_ms_per_step": 2.0}}}
    bridge = {"sim_cpu_ms_per_step": 8.0, "bridge_cpu_ms_per_step": 2.00003, "step_ms": 20.0}
    o = ray_overhead(best, bridge)
    assert o["wall_ms_per_step"] == pytest.approx(5.0)  # 25 ms against 20 ms a step
    assert o["wall_share"] == pytest.approx(0.25)
    assert o["cpu_ms_per_step"] == 1.0 and o["plain_step_cpu_ms"] == 10.0
    assert o["cpu_share"] == pytest.approx(0.1)
    assert o["target_met"] is True  # 1.00004 > 0.1 × 10.00003 unrounded
    best["ray"][1]["python_cpu_ms_per_step"] = 3.2
    assert ray_overhead(best, bridge)["target_met"] is False


def test_num_envs_parsing():
    assert num_envs("1,2,4") == [1, 2, 4]
    for bad in ("", "0,2", "a"):
        with pytest.raises(ValueError, match="--num-envs"):
            num_envs(bad)


def test_generated_block_replaces_only_itself(tmp_path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\nhand-written\n")
    scaling: dict[str, Any] = {"num_envs": {"1": {"steps_per_s": 10.0, "speedup": 1.0,
                                  "sim_cpu_ms_per_step": 5.0, "python_cpu_ms_per_step": 1.0},
                            "2": {"steps_per_s": 18.0, "speedup": 1.8,
                                  "sim_cpu_ms_per_step": 5.0, "python_cpu_ms_per_step": 1.0}},
               "bridge": {"step_ms": 9.0, "sim_cpu_ms_per_step": 5.0,
                          "bridge_cpu_ms_per_step": 1.0, "vector_overhead_ms": 0.5},
               "steps": 3, "params": {}, "repeats": 1}
    results = {"command": "ran-gym bench all", "date": "d",
               "suites": {"scaling": scaling, "sweep": {"error": "boom"}}}
    write_block(doc, render(results, tmp_path / "r.json"))
    first = doc.read_text()
    assert first.startswith("# Benchmarks\n\nhand-written\n\n" + BEGIN)
    assert "| 2 | 18 | 1.8 |" in first and "met (1.80×)" in first and "Failed: `boom`" in first
    doc.write_text(first + "\n## Later, by hand\n")
    scaling["num_envs"]["2"]["speedup"] = 1.5
    write_block(doc, render(results, tmp_path / "r.json"))
    second = doc.read_text()
    assert second.count(BEGIN) == 1 and second.count(END) == 1
    assert "not met (1.50×)" in second and second.endswith("\n## Later, by hand\n")


def test_bench_learner_command():
    """N simulators feeding one Diffusion-QL learner: every timed transition is stored and
    learnt from (2 vector steps of N transitions, one update each), and each part of the
    wall time is measured."""
    program("ran-gym-oran-slicing")
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["bench", "learner", "--num-envs", "1,2", "--steps", "2",
                     "--warmup-steps", "1", "--devices", "cpu",
                     *(f"--param={k}={v}" for k, v in TINY.items() if k != "maxSteps")]) == 0
    result = json.loads(out.getvalue())
    assert list(result["devices"]) == ["cpu"] and result["torch_threads"] == 1
    for n in (1, 2):
        r = result["devices"]["cpu"][str(n)]
        # 2 vector steps of n transitions, one update each (updates_per_step = 1)
        assert r["env_steps_per_s"] == pytest.approx(2 * n / r["wall_s"], rel=1e-2)
        assert r["updates_per_s"] == pytest.approx(r["env_steps_per_s"], rel=1e-2)
        assert min(r["simulators_ms"], r["decide_ms"], r["learn_ms"]) > 0
        assert r["simulators_ms"] < 1e3 * r["wall_s"] / 2
        assert r["update_ms"] == pytest.approx(r["learn_ms"] / n, rel=1e-2)
    table = render({"command": "c", "date": "d", "suites": {"learner": result}}, Path("r.json"))
    assert "| cpu | 1 |" in table and "| cpu | 2 |" in table and "1 intra-op thread" in table


def test_learner_devices_are_checked_before_any_simulator():
    from ran_gym.bench.learner import resolve_devices

    assert resolve_devices("cpu") == ["cpu"]
    assert resolve_devices(None)[0] == "cpu"
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        resolve_devices("cpu,tpu")
    with pytest.raises(ValueError, match="--devices expects"):
        resolve_devices(" , ")
    import torch

    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA device"):
            resolve_devices("cuda")
