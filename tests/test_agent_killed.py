"""The agent killed outright (SIGKILL): its simulator leaves by its own timeout, and
bridge.janitor's watcher removes the ipc socket and the temporary run directory, then
exits; nothing is left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

from tests.conftest import TESTS_DIR
from tests.test_faults import wait_gone

REPO = TESTS_DIR.parent


def test_nothing_is_left_after_the_agent_is_killed(reference_program, tmp_path):
    scratch = tmp_path / "tmp"  # the agent's TMPDIR: where its socket and run dirs go
    scratch.mkdir()
    agent = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(REPO)!r})
        from bridge import janitor
        from bridge.envs import ScenarioEnv
        envs = [ScenarioEnv("reference", sim_timeout_s=1.5),
                ScenarioEnv("reference", endpoint="tcp", sim_timeout_s=1.5)]
        for env in envs:
            env.reset(seed=1)
        pids = [env._session.process.pid for env in envs]
        print(*pids, janitor.watcher_pid(), flush=True)
        time.sleep(600)
    """)
    proc = subprocess.Popen([sys.executable, "-c", agent], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "TMPDIR": str(scratch)})
    try:
        *simulators, watcher = map(int, proc.stdout.readline().split())
        assert len(list(scratch.iterdir())) == 3  # two run dirs, one ipc socket dir
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for pid in simulators:
            assert wait_gone(pid, 10) < 6  # by its own 1.5 s timeout
        wait_gone(watcher, 10)
    finally:
        proc.kill()
        proc.wait()
    assert list(scratch.iterdir()) == []
