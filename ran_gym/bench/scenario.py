"""``ran-gym bench scenario``: how fast a scenario program simulates, per scheduler.

For the O-RAN slicing scenario, on one drop (one seed) and in one run, it times the
same simulated interval four ways:

- ``gym_bridge``: GymFfMacScheduler, one ``env.step`` per 10 ms step, every step the
  same fixed allocation (each O-RU's RBGs dealt round-robin over its UEs, P_A 0 dB);
- ``pf_bridge``: ns-3's PfFfMacScheduler, one ``env.step`` per 10 ms step;
- ``gym_one_step`` / ``pf_one_step``: the same schedulers and interval in a single
  step, i.e. the simulator alone, without a bridge exchange per step.

Each figure is simulated seconds per wall second over the stepped interval (the
attach warm-up before the first state is not timed), the best of ``repeats`` runs,
the four variants taking turns so that a change in the machine's load hits all of
them. Beside wall time it reports CPU seconds over the same interval (the
simulator's, from /proc, plus this process's), which a busy machine disturbs less.
``dl_dcis_per_cell_tti`` is the mean number of downlink DCIs (transport blocks, each
decoded by the PHY's error model) per cell and TTI, from the eNB MACs.
``gym_overhead_vs_pf`` = gym_bridge / pf_one_step - 1, in wall and in CPU time: what
the agent's scheduler and the per-step bridge cost over running stock PF alone. Those
runs are not like for like: the fixed allocation serves every backlogged UE of a cell in
every TTI (about 6.5 DL DCIs per cell and TTI against PF's 1.0), and each transport
block costs the PHY its error model.

``like_for_like`` (``bench_fed_pf``) compares the schedulers on the same allocation:
stock PF on 1 ms steps (one TTI each) records, per TTI, the UEs it sent a DL DCI; the
gym scheduler then replays those decisions, one action per TTI, the RBGs of an O-RU
going to the UEs PF served. Both run through the bridge on 1 ms steps (the same
exchange per step) and take turns; ``same_dcis_share`` is the share of TTIs in which the
gym run sent DCIs to exactly the UEs PF did, ``gym_over_pf_cpu`` the CPU ratio - 1.
"""

from __future__ import annotations

import datetime
import os
import platform
import sys
import time
from collections.abc import Mapping
from typing import Any

import numpy as np

from bridge.envs import ScenarioEnv

RBGS = 17


def fixed_allocation(ru: np.ndarray, n_rus: int) -> dict[str, np.ndarray]:
    """Each O-RU's RBGs dealt round-robin over the UEs attached to it, P_A 0 dB."""
    owner = -np.ones((n_rus, RBGS), np.int32)
    for r in range(n_rus):
        mine = np.flatnonzero(ru == r)
        if len(mine):
            owner[r] = mine[np.arange(RBGS) % len(mine)]
    return {"association": ru.astype(np.int32), "prb_owner": owner,
            "power_level": np.full(ru.size, 4, np.int32)}


def descendants(pid: int) -> set[int]:
    """The live descendants of ``pid`` (none if it is gone)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            children = {int(c) for c in f.read().split()}
    except (FileNotFoundError, ProcessLookupError):
        return set()
    return children.union(*(descendants(c) for c in children))


def process_cpu_s(pid: int) -> float:
    """CPU seconds of a live process, to the nanosecond from the kernel's CPU-time clock of
    that process (clock id ``(~pid << 3) | 2``, Linux's per-process scheduler clock); where
    it cannot be read, user + system time from ``/proc/PID/stat``, which counts in clock
    ticks (10 ms: a short run of a small simulator can read 0)."""
    try:
        return time.clock_gettime((~pid << 3) | 2)
    except OSError:
        pass
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def time_run(params: Mapping[str, Any], steps: int, seed: int) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of simulator + this process, downlink DCIs sent) over
    ``steps`` steps after the reset (the episode has one more, untimed)."""
    env = ScenarioEnv("oran-slicing", {**params, "maxSteps": steps + 1}, timeout_s=600)
    try:
        _, info = env.reset(seed=seed)
        ru = np.asarray(info["ue"]["ru"])
        action = fixed_allocation(ru, int(env.params["nRus"]))
        assert env._session is not None
        pid = env._session.process.pid
        if pid is None:
            raise RuntimeError("the benchmark needs a native simulator process (/proc CPU time)")
        cpu, start = process_cpu_s(pid) + time.process_time(), time.perf_counter()
        dcis = 0
        for _ in range(steps):
            dcis += sum(env.step(action)[4]["ue"]["dl_dcis"])
        wall = time.perf_counter() - start
        return wall, process_cpu_s(pid) + time.process_time() - cpu, dcis
    finally:
        env.close()


def bench_oran_slicing(sim_seconds: float = 1.0, repeats: int = 1, seed: int = 1,
                       params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    base = dict(params or {})
    step_ms = float(base.get("stepMs", 10.0))
    steps = max(1, round(sim_seconds * 1000 / step_ms))
    simulated = steps * step_ms / 1000
    runs = {
        "gym_bridge": ({**base, "scheduler": "gym"}, steps),
        "pf_bridge": ({**base, "scheduler": "pf"}, steps),
        "gym_one_step": ({**base, "scheduler": "gym", "stepMs": simulated * 1000}, 1),
        "pf_one_step": ({**base, "scheduler": "pf", "stepMs": simulated * 1000}, 1),
    }
    best: dict[str, tuple[float, float]] = {}
    dcis: dict[str, int] = {}
    for _ in range(repeats):  # the variants take turns
        for name, (p, n) in runs.items():
            wall, cpu, dcis[name] = time_run(p, n, seed)
            old = best.get(name, (float("inf"), float("inf")))
            best[name] = (min(old[0], wall), min(old[1], cpu))
    ttis = simulated * 1000 * int(base.get("nRus", 3))
    like_for_like = bench_fed_pf(sim_seconds, repeats, seed, base)
    return {
        "benchmark": "scenario", "scenario": "oran-slicing", "seed": seed,
        "params": base, "simulated_s": simulated, "repeats": repeats,
        "wall_s": {k: round(w, 6) for k, (w, _) in best.items()},
        "cpu_s": {k: round(c, 6) for k, (_, c) in best.items()},
        "sim_s_per_wall_s": {k: round(simulated / w, 3) for k, (w, _) in best.items()},
        "sim_s_per_cpu_s": {k: round(simulated / c, 3) for k, (_, c) in best.items()},
        "dl_dcis_per_cell_tti": {k: round(v / ttis, 3) for k, v in dcis.items()},
        "gym_overhead_vs_pf": {
            "wall": round(best["gym_bridge"][0] / best["pf_one_step"][0] - 1, 3),
            "cpu": round(best["gym_bridge"][1] / best["pf_one_step"][1] - 1, 3),
        },
        "like_for_like": like_for_like,
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                    "python": sys.version.split()[0]},
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def pf_decisions(params: Mapping[str, Any], steps: int, seed: int
                 ) -> tuple[list[dict[str, np.ndarray]], float, np.ndarray]:
    """Stock PF on 1 ms steps (one TTI each): per TTI, every O-RU's RBGs given to the UEs
    that PF sent a downlink DCI, as a gym action (several UEs share the RBGs in turn);
    with the run's simulator + Python CPU seconds and its DCIs (step x UE)."""
    env = ScenarioEnv("oran-slicing", {**params, "scheduler": "pf", "stepMs": 1.0,
                                       "maxSteps": steps + 1}, timeout_s=600)
    actions: list[dict[str, np.ndarray]] = []
    try:
        _, info = env.reset(seed=seed)
        ru = np.asarray(info["ue"]["ru"])
        n_rus = int(env.params["nRus"])
        idle = fixed_allocation(ru, n_rus)
        assert env._session is not None and env._session.process.pid is not None
        pid = env._session.process.pid
        cpu = process_cpu_s(pid) + time.process_time()
        dcis = []
        for _ in range(steps):
            dcis.append(np.asarray(env.step(idle)[4]["ue"]["dl_dcis"]))
            actions.append(_served_allocation(ru, dcis[-1], n_rus, idle))
        return actions, process_cpu_s(pid) + time.process_time() - cpu, np.array(dcis)
    finally:
        env.close()


def _served_allocation(ru: np.ndarray, served: np.ndarray, n_rus: int,
                       idle: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    owner = -np.ones((n_rus, RBGS), np.int32)
    for r in range(n_rus):
        mine = np.flatnonzero((ru == r) & (served > 0))
        if len(mine):
            owner[r] = mine[np.arange(RBGS) % len(mine)]
    return {**idle, "prb_owner": owner}


def time_fed(params: Mapping[str, Any], actions: list[dict[str, np.ndarray]], seed: int
             ) -> tuple[float, np.ndarray]:
    """The gym scheduler on 1 ms steps replaying ``actions``: (simulator + Python CPU
    seconds, downlink DCIs step x UE)."""
    env = ScenarioEnv("oran-slicing", {**params, "scheduler": "gym", "stepMs": 1.0,
                                       "maxSteps": len(actions) + 1}, timeout_s=600)
    try:
        env.reset(seed=seed)
        assert env._session is not None and env._session.process.pid is not None
        pid = env._session.process.pid
        cpu = process_cpu_s(pid) + time.process_time()
        dcis = [env.step(a)[4]["ue"]["dl_dcis"] for a in actions]
        return process_cpu_s(pid) + time.process_time() - cpu, np.array(dcis)
    finally:
        env.close()


def bench_fed_pf(sim_seconds: float = 0.5, repeats: int = 1, seed: int = 1,
                 params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Like for like: stock PF and the gym scheduler fed PF's per-TTI decisions, both on
    1 ms steps through the bridge (the same per-step exchange), taking turns; CPU
    seconds (best of ``repeats``) and per downlink DCI."""
    base = dict(params or {})
    steps = max(1, round(sim_seconds * 1000))
    pf_cpu, gym_cpu = float("inf"), float("inf")
    pf_dcis = gym_dcis = np.zeros((0, 0))
    for _ in range(repeats):
        actions, cpu, pf_dcis = pf_decisions(base, steps, seed)
        pf_cpu = min(pf_cpu, cpu)
        cpu, gym_dcis = time_fed(base, actions, seed)
        gym_cpu = min(gym_cpu, cpu)
    ttis = steps * int(base.get("nRus", 3))
    pf_n, gym_n = int(pf_dcis.sum()), int(gym_dcis.sum())
    return {
        "steps_of_1ms": steps,
        "cpu_s": {"pf": round(pf_cpu, 4), "gym_fed_pf": round(gym_cpu, 4)},
        "dl_dcis_per_cell_tti": {"pf": round(pf_n / ttis, 3), "gym_fed_pf": round(gym_n / ttis, 3)},
        # TTIs in which the gym run sent DCIs to exactly the UEs PF did
        "same_dcis_share": round(float(np.mean(np.all(pf_dcis == gym_dcis, axis=1))), 4),
        "cpu_us_per_dci": {"pf": round(1e6 * pf_cpu / max(pf_n, 1), 1),
                           "gym_fed_pf": round(1e6 * gym_cpu / max(gym_n, 1), 1)},
        "gym_over_pf_cpu": round(gym_cpu / pf_cpu - 1, 4),
        "gym_over_pf_cpu_per_dci": round((gym_cpu / max(gym_n, 1))
                                         / (pf_cpu / max(pf_n, 1)) - 1, 4),
    }
