"""Bad input and failures: each gets a clear error, nothing hangs, nothing is left over."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import zmq

from bridge import (
    EndpointInUse,
    ProtocolError,
    SimulatorCrashed,
    SimulatorNotFound,
    SimulatorTimeout,
)
from bridge.env import Ns3Env
from bridge.envs import ScenarioEnv
from bridge.transport import AgentSocket
from tests.conftest import TESTS_DIR, sigint_as_in_a_terminal

PEER = TESTS_DIR / "peers" / "garbage_peer.py"
REPO = TESTS_DIR.parent


def wait_gone(pid: int, timeout_s: float) -> float:
    """Seconds until process ``pid`` is gone (or a zombie); fails after ``timeout_s``."""
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return time.monotonic() - start
        if state == "Z":
            return time.monotonic() - start
        time.sleep(0.05)
    pytest.fail(f"process {pid} still running after {timeout_s} s")


def test_unknown_scenario_and_parameter():
    with pytest.raises(ValueError, match="unknown scenario 'nope'; known: .*reference"):
        ScenarioEnv("nope")
    with pytest.raises(ValueError, match="no parameter 'stepSize'"):
        ScenarioEnv("reference", {"stepSize": 3})
    with pytest.raises(ValueError, match=r"'maxSteps': 0 is outside \[1"):
        ScenarioEnv("reference", {"maxSteps": 0})
    with pytest.raises(ValueError, match="'stepMs': 'fast' is not a valid float"):
        ScenarioEnv("reference", {"stepMs": "fast"})


def test_missing_binary_says_how_to_build(tmp_path):
    with pytest.raises(SimulatorNotFound, match="make build"):
        Ns3Env(tmp_path / "not-built")


def test_bad_endpoints(reference_program, tmp_path):
    with pytest.raises(ValueError, match="all interfaces"):
        ScenarioEnv("reference", endpoint="tcp://0.0.0.0:*")
    with pytest.raises(ValueError, match="unknown endpoint"):
        ScenarioEnv("reference", endpoint="udp://x")


def test_tcp_endpoint_in_use(reference_program):
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    try:
        port = holder.getsockname()[1]
        with pytest.raises(EndpointInUse, match=f"tcp://127.0.0.1:{port} is in use"):
            ScenarioEnv("reference", endpoint=f"tcp://127.0.0.1:{port}")
    finally:
        holder.close()


def test_ipc_endpoint_in_use_and_stale_file(reference_program, tmp_path):
    path = tmp_path / "gym.sock"
    first = AgentSocket(f"ipc://{path}")
    try:
        with pytest.raises(EndpointInUse, match="in use"):
            ScenarioEnv("reference", endpoint=f"ipc://{path}")
    finally:
        first.close()
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(path))  # a socket file nobody listens on
    stale.close()
    env = ScenarioEnv("reference", {"maxSteps": 2}, endpoint=f"ipc://{path}")
    env.reset(seed=1)
    env.close()
    assert not path.exists()


def test_bad_box_actions_are_refused(reference_program):
    env = ScenarioEnv("reference", {"maxSteps": 5})
    try:
        env.reset(seed=1)
        for bad, match in [(np.array([5.0, 5.0]), "shape"), (np.array([np.nan]), "finite"),
                           (np.array([np.inf]), "finite"), (np.array(["x"]), "numbers"),
                           (np.array([50.0]), "outside"), (None, "numbers")]:
            with pytest.raises(ValueError, match=match):
                env.step(bad)
        assert env.step(np.array([5.0], np.float32))[0][4] == 5.0  # the episode goes on
    finally:
        env.close()


def test_simulator_killed_mid_step(reference_program):
    # Long, busy steps so that the kill lands while ns-3 is simulating.
    env = ScenarioEnv("reference", {"stepMs": 5000, "offeredMbps": 1000, "maxSteps": 5})
    try:
        env.reset(seed=1)
        process = env._session.process
        threading.Timer(0.3, os.kill, (process.pid, signal.SIGKILL)).start()
        started = time.monotonic()
        with pytest.raises(SimulatorCrashed) as failure:
            env.step(np.array([20.0], np.float32))
        assert time.monotonic() - started < 5
        assert failure.value.returncode == -signal.SIGKILL
        assert "scenario 'reference': waiting for the state after step 1" in str(failure.value)
        assert failure.value.command.startswith(str(reference_program))
        assert "--simSeed=" in failure.value.command
        env.reset(seed=2)  # the env recovers with a fresh simulator
        assert env.step(np.array([5.0], np.float32))[0].shape == (5,)
    finally:
        env.close()


def test_simulator_assert_is_reported_with_its_log(echo_program):
    env = ScenarioEnv("space-echo", {"crashAt": 2, "maxSteps": 5})
    try:
        env.reset(seed=1)
        env.step(env.action_space.sample())
        with pytest.raises(SimulatorCrashed) as failure:
            env.step(env.action_space.sample())
        assert failure.value.returncode != 0
        assert "crash" in failure.value.log_tail.lower()
    finally:
        env.close()


def test_hung_simulator_times_out(reference_program):
    env = ScenarioEnv("reference", {"maxSteps": 5}, timeout_s=1.0)
    try:
        env.reset(seed=1)
        process = env._session.process
        os.kill(process.pid, signal.SIGSTOP)
        started = time.monotonic()
        with pytest.raises(SimulatorTimeout, match=r"scenario 'reference'.*step 1"):
            env.step(np.array([5.0], np.float32))
        assert 0.9 < time.monotonic() - started < 3
        wait_gone(process.pid, 5)  # the stopped process was ended, not left behind
    finally:
        env.close()


def test_agent_killed_simulator_exits_by_itself(reference_program, tmp_path):
    agent = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(REPO)!r})
        from bridge.envs import ScenarioEnv
        env = ScenarioEnv("reference", sim_timeout_s=1.5, run_dir={str(tmp_path)!r})
        env.reset(seed=1)
        print(env._session.process.pid, flush=True)
        time.sleep(600)
    """)
    proc = subprocess.Popen([sys.executable, "-c", agent], stdout=subprocess.PIPE, text=True)
    try:
        sim_pid = int(proc.stdout.readline())
        proc.kill()
        proc.wait()
        waited = wait_gone(sim_pid, 10)
        assert waited < 6
    finally:
        proc.kill()
        proc.wait()
    log = (tmp_path / "sim-episode-0000.log").read_text()
    assert "ran-gym:" in log and "1.5" in log  # the program said why it left


@pytest.mark.parametrize("mode", ["garbage-init", "garbage-state", "wrong-shape"])
def test_garbage_from_the_simulator_is_a_protocol_error(mode):
    if mode == "garbage-init":
        with pytest.raises(ProtocolError, match="cannot decode SimInitMsg"):
            Ns3Env(sys.executable, [str(PEER), mode], scenario="garbage")
        return
    env = Ns3Env(sys.executable, [str(PEER), mode], scenario="garbage")
    try:
        with pytest.raises(ProtocolError, match="EnvStateMsg"):
            env.reset(seed=1)
    finally:
        env.close()


def _cpp_peer(program, tmp_path, reply: bytes | None, timeout_s: float = 30):
    """Run a scenario program against a raw REP socket answering ``reply`` to its init."""
    endpoint = f"ipc://{tmp_path}/raw.sock"
    sock = zmq.Context.instance().socket(zmq.REP)
    sock.setsockopt(zmq.LINGER, 0)
    sock.bind(endpoint)
    proc = subprocess.Popen([str(program), f"--gymEndpoint={endpoint}", "--gymTimeout=1"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert sock.poll(10_000), "the program never sent its SimInitMsg"
        sock.recv()
        if reply is not None:
            sock.send(reply)
        output, _ = proc.communicate(timeout=timeout_s)
    finally:
        proc.kill()
        proc.wait()
        sock.close()
    return proc.returncode, output.decode(errors="replace")


def test_cpp_side_survives_garbage(echo_program, tmp_path):
    status, output = _cpp_peer(echo_program, tmp_path, b"\xff\x00garbage\x12\x99")
    assert status == 4, output
    assert "ran-gym:" in output


def test_cpp_side_gives_up_on_a_silent_agent(echo_program, tmp_path):
    started = time.monotonic()
    status, output = _cpp_peer(echo_program, tmp_path, None)
    assert status == 3, output
    assert time.monotonic() - started < 5
    assert "ran-gym:" in output and "1" in output


def test_ctrl_c_in_the_agent_ends_its_simulator(reference_program, tmp_path):
    agent = textwrap.dedent(f"""
        import sys
        import numpy as np
        sys.path.insert(0, {str(REPO)!r})
        from bridge.envs import ScenarioEnv
        env = ScenarioEnv("reference", {{"maxSteps": 10_000_000}}, sim_timeout_s=60)
        env.reset(seed=1)
        print(env._session.process.pid, flush=True)
        while True:
            env.step(np.array([5.0], np.float32))
    """)
    proc = subprocess.Popen([sys.executable, "-c", agent], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=sigint_as_in_a_terminal)
    try:
        sim_pid = int(proc.stdout.readline())
        time.sleep(0.3)  # let it step
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
        assert "KeyboardInterrupt" in err
        assert wait_gone(sim_pid, 3) < 3  # ended by the agent, not by the 60 s timeout
    finally:
        proc.kill()
        proc.wait()
