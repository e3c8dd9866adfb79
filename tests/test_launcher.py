"""ran-gym-launcher: scenario programs started on request, behind the same env."""

from __future__ import annotations

import subprocess
import time

import numpy as np
import pytest

from bridge import SimulatorCrashed, SimulatorNotFound
from bridge.envs import ScenarioEnv
from bridge.errors import BridgeError
from bridge.remote import LauncherClient
from bridge.scenarios import find_program


@pytest.fixture()
def launcher(tmp_path, reference_program):
    endpoint = f"ipc://{tmp_path}/launcher.sock"
    proc = subprocess.Popen([str(find_program("ran-gym-launcher")), f"--endpoint={endpoint}",
                             f"--binDir={reference_program.parent}",
                             f"--logDir={tmp_path}/logs"], stderr=subprocess.PIPE)
    client = LauncherClient(endpoint, 5.0)
    for _ in range(100):
        try:
            client.ping()
            break
        except BridgeError:
            time.sleep(0.05)
    yield endpoint, tmp_path
    proc.terminate()
    assert proc.wait(10) == 0


def test_episode_through_the_launcher_equals_the_native_one(launcher):
    endpoint, shared = launcher
    remote = ScenarioEnv("reference", {"maxSteps": 10}, runtime=f"launcher:{endpoint}@{shared}",
                         run_dir=shared / "run")
    native = ScenarioEnv("reference", {"maxSteps": 10})
    try:
        def run(env):
            out = [env.reset(seed=9)[0].tolist()]
            for k in range(10):
                out.append(env.step(np.array([3.0 + k], np.float32))[0].tolist())
            return out

        assert run(remote) == run(native)
        assert remote.commands[-1].startswith(f"(launcher {endpoint}) ran-gym-reference")
    finally:
        remote.close()
        native.close()
    # The launcher's log of the episode (empty for a clean run) comes back.
    assert (shared / "run" / "sim-episode-0000.log").is_file()


def test_a_crash_comes_back_with_its_log(launcher):
    endpoint, shared = launcher
    env = ScenarioEnv("space-echo", {"crashAt": 1}, runtime=f"launcher:{endpoint}@{shared}")
    try:
        env.reset(seed=1)
        with pytest.raises(SimulatorCrashed) as failure:
            env.step(env.action_space.sample())
        assert failure.value.returncode not in (0, None)
        assert "crash" in failure.value.log_tail.lower()
    finally:
        env.close()


def test_the_launcher_runs_only_its_own_programs(launcher):
    endpoint, _ = launcher
    client = LauncherClient(endpoint, 5.0)
    with pytest.raises(SimulatorNotFound, match="no program 'sh'"):
        client.request("start", "sh", "-c", "true")
    with pytest.raises(BridgeError, match="plain name"):
        client.request("start", "/bin/sh")
    with pytest.raises(BridgeError, match="did not answer"):
        LauncherClient("ipc:///nonexistent/launcher.sock", 0.3).ping()
