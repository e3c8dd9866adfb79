"""Soak: one env through 1 000 tiny episodes (a fresh simulator each). File descriptors,
threads, child processes, socket directories and memory must stay flat."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import numpy as np

from bridge.envs import ScenarioEnv
from bridge.runtime import NativeRuntime

RESETS = 1000
WARM_UP = 30  # resets before the baseline: imports, ZeroMQ's threads, allocator pools
RSS_GROWTH_LIMIT = 24 << 20  # bytes


def usage() -> dict[str, int]:
    me = os.getpid()
    children = zombies = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me:
            children += 1
            zombies += fields[0] == "Z"
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text()
                  .splitlines())
    return {"fds": len(os.listdir("/proc/self/fd")), "threads": int(status["Threads"]),
            "python_threads": threading.active_count(), "children": children,
            "zombies": zombies, "rss": int(status["VmRSS"].split()[0]) * 1024}


def test_a_thousand_resets_leave_nothing_growing(echo_program, tmp_path):
    sockets = tmp_path / "sockets"
    sockets.mkdir()
    env = ScenarioEnv("space-echo", {"maxSteps": 1, "layout": "opengym"},
                      run_dir=tmp_path / "run", runtime=NativeRuntime(socket_dir=sockets))
    action = np.int64(1)
    try:
        env.reset(seed=0)
        for _ in range(WARM_UP):
            env.step(action)
            env.reset()
        before = usage()
        started, cpu = time.monotonic(), os.times()
        for _ in range(RESETS):
            _, _, terminated, truncated, _ = env.step(action)
            assert terminated or truncated  # maxSteps=1: every episode is one step long
            env.reset()
        elapsed = time.monotonic() - started
        spent = [b - a for a, b in zip(cpu, os.times(), strict=True)]
        after = usage()
        assert len(list(sockets.iterdir())) == 1  # the running episode's only
    finally:
        env.close()
    print(f"{RESETS} resets in {elapsed:.1f} s (CPU: agent {spent[0] + spent[1]:.1f} s, "
          f"simulators {spent[2] + spent[3]:.1f} s); before {before}; after {after}")
    assert after["fds"] <= before["fds"] + 2
    # Not equal: a thread that an earlier test in this process left to a library (a pool
    # winding down, a socket's reader) may exit meanwhile; a leaked thread per episode
    # would add 1000
    assert after["threads"] <= before["threads"]
    assert after["python_threads"] <= before["python_threads"]
    # No more children than before (the running simulator, bridge.janitor's watcher and
    # whatever an earlier test file in this worker process left running, e.g. a Ray node).
    assert after["children"] <= before["children"] and after["zombies"] == 0
    assert after["rss"] - before["rss"] < RSS_GROWTH_LIMIT
    assert not list(sockets.iterdir())
    assert len(list((tmp_path / "run").glob("sim-episode-*.log"))) == 1 + WARM_UP + RESETS
