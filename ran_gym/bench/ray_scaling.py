"""``ran-gym bench scaling --rollouts ray``: the same timed steps as the local vector env's,
with the N simulators in N Ray actors (ran_gym.rollouts), in two ways of deciding:

- ``ray``: decisions in the learner, as ``ran-gym train --rollouts ray`` runs: each
  vector step sends N actions out and gathers N results (one round trip per step);
- ``ray_actor_decisions``: each actor decides for itself (its own random agent) and
  steps its env ``steps`` times in one call: no round trip per step, which is what
  deciding in the actors (with the weights broadcast to them) would save at best.

CPU per env step counts this process, every Ray process below it (a local Ray: its
daemons and workers) and the actors' processes, less the simulators' own CPU.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import os
import time
from collections.abc import Mapping
from typing import Any

from agents.baselines import RandomAgent
from bridge.envs import ScenarioEnv
from bridge.vector import batch_actions
from ran_gym.bench.scenario import descendants, process_cpu_s
from ran_gym.rollouts.vector import RayVectorEnv


def _cpu(pids: set[int]) -> dict[int, float]:
    out = {}
    for pid in pids:
        with contextlib.suppress(FileNotFoundError, ProcessLookupError, OSError):
            out[pid] = process_cpu_s(pid)
    return out


class _CpuMeter:
    """CPU of this process, its descendants and ``roots`` (with theirs), split into the
    simulators' (``sims``) and the rest, between ``start`` and ``stop``."""

    def __init__(self, roots: set[int], sims: set[int]):
        self.roots, self.sims = roots, sims

    def _pids(self) -> set[int]:
        roots = {os.getpid(), *self.roots}
        return roots.union(*(descendants(p) for p in roots))

    def start(self) -> None:
        self.before = _cpu(self._pids())

    def stop(self) -> tuple[float, float]:
        after = _cpu(self._pids() | set(self.before))
        delta = {p: after[p] - self.before.get(p, 0.0) for p in after}
        sims = sum(v for p, v in delta.items() if p in self.sims)
        return sum(delta.values()) - sims, sims


def time_ray(params: Mapping[str, Any], n: int, steps: int, seed: int,
             actor_decisions: bool = False) -> dict[str, float]:
    """``steps`` vector steps of N actors after the reset, decisions in the learner (or,
    ``actor_decisions``, in each actor for all its steps at once)."""
    make = functools.partial(ScenarioEnv, "oran-slicing", {**params, "maxSteps": steps + 1},
                             timeout_s=600.0)
    envs = RayVectorEnv(make, n)
    try:
        envs.reset(seed=seed)
        pids = envs.pids()
        meter = _CpuMeter({a for a, _ in pids}, {s for _, s in pids if s is not None})
        space = envs.single_action_space
        meter.start()
        start = time.perf_counter()
        if actor_decisions:
            import ray

            ray.get([actor.play.remote(_random_steps, steps, seed + i)
                     for i, actor in enumerate(envs.actors)])
        else:
            agents = [RandomAgent(copy.deepcopy(space), seed + i) for i in range(n)]
            for _ in range(steps):
                envs.step(batch_actions(envs, [a.predict(None)[0] for a in agents]))
        wall = time.perf_counter() - start
        python, sims = meter.stop()
    finally:
        envs.close()
    env_steps = n * steps
    return {"wall_s": wall, "steps_per_s": env_steps / wall,
            "sim_cpu_ms_per_step": 1e3 * sims / env_steps,
            "python_cpu_ms_per_step": 1e3 * python / env_steps}


def _random_steps(env: Any, steps: int, seed: int) -> int:
    """In an actor: ``steps`` steps of a random agent of its own."""
    agent = RandomAgent(copy.deepcopy(env.action_space), seed)
    for _ in range(steps):
        env.step(agent.predict(None)[0])
    return steps
