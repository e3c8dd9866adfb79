"""``Ns3Env`` against a scripted simulator (tests/peers/scripted_peer.py): what it passes
to the program, what it answers, and what it makes of each state."""

from __future__ import annotations

import gc
import json
import shlex
import shutil
import stat
import sys
from pathlib import Path

import numpy as np
import pytest

import bridge.env
from bridge import ProtocolError, SimulatorNotFound
from bridge.env import Ns3Env
from bridge.runtime import NativeRuntime
from bridge.transport import AgentSocket
from tests.conftest import TESTS_DIR

PEER = TESTS_DIR / "peers" / "scripted_peer.py"
GARBAGE_PEER = TESTS_DIR / "peers" / "garbage_peer.py"


def scripted(tmp_path, mode: str, *extra: str, **kwargs) -> Ns3Env:
    return Ns3Env(sys.executable, [str(PEER), mode, "{episode}", str(tmp_path / "record.jsonl"),
                                   *extra], scenario="scripted", **kwargs)


def runs(tmp_path) -> list[dict]:
    """One entry per simulator run, in order: its arguments and, for a run that ended by
    itself, the answers it got."""
    merged: dict[int, dict] = {}
    for line in (tmp_path / "record.jsonl").read_text().splitlines():
        entry = json.loads(line)
        merged.setdefault(entry.pop("pid"), {}).update(entry)
    return list(merged.values())


def seeds_after(seed: int, count: int) -> list[int]:
    """The simulator seeds an env reset with ``seed`` draws (Gymnasium seeds np_random
    as default_rng(seed)), each an integer in [1, 2^31 - 1)."""
    rng = np.random.default_rng(seed)
    return [int(rng.integers(1, 2**31 - 1)) for _ in range(count)]


def flag(argv: list[str], name: str) -> str:
    return next(a.split("=", 1)[1] for a in argv if a.startswith(f"--{name}="))


def test_an_episode_as_the_simulator_sees_it(tmp_path):
    run_dir = tmp_path / "run"
    env = scripted(tmp_path, "two-steps", "--reason=GameOver", "--out={run_dir}/{episode}",
                   run_dir=run_dir, sim_timeout_s=1.5, wire_log=tmp_path / "wire.jsonl")
    try:
        obs, info = env.reset(seed=5)
        np.testing.assert_array_equal(obs, np.zeros(3, np.float32))
        assert info == {"step": 0}
        assert env.sim_seed == seeds_after(5, 1)[0]
        obs, reward, terminated, truncated, info = env.step(1)
        assert (obs.tolist(), reward, terminated, truncated, info) == (
            [1.0] * 3, 1.0, False, False, {"step": 1})
        obs, reward, terminated, truncated, info = env.step(0)
        assert (obs.tolist(), reward, terminated, truncated) == ([2.0] * 3, 2.0, True, False)
        with pytest.raises(RuntimeError, match="step\\(\\) needs a running episode"):
            env.step(0)  # after a game over: reset first
    finally:
        env.close()
    probe, episode = runs(tmp_path)
    # the probe learns the spaces and asks the program to stop at once, with seed 1 and
    # its own scratch directory
    first_ack = json.loads((tmp_path / "wire.jsonl").read_text().splitlines()[1])
    assert first_ack["type"] == "SimInitAck" and first_ack["text"] == "done: true stopSimReq: true"
    assert probe["episode"] == "probe"
    assert flag(probe["argv"], "simSeed") == "1"
    assert flag(probe["argv"], "out") == f"{run_dir}/.probe/probe"
    assert probe["out_dir_mode"] == 0o777  # a container's user may write there too
    # the episode: the endpoint, the program's own timeout, the seed and the run directory
    argv = episode["argv"]
    assert episode["episode"] == "0000" and flag(argv, "out") == f"{run_dir}/0000"
    assert flag(argv, "gymEndpoint").startswith("ipc://") and flag(argv, "gymTimeout") == "1.5"
    assert flag(argv, "simSeed") == str(seeds_after(5, 1)[0])
    assert [a["action"] for a in episode["answers"][1:]] == [1, 0, None]
    assert episode["answers"][0] == {"done": True, "stop": False}
    assert episode["answers"][-1]["stop"]  # the final state is answered with a stop
    assert env.commands == [shlex.join([sys.executable, str(PEER), "two-steps", "0000",
                                        str(tmp_path / "record.jsonl"), *argv])]
    assert not (run_dir / ".probe").exists()
    assert (run_dir / "sim-episode-0000.log").exists()  # a run_dir given is kept


def test_time_running_out_is_truncated_and_a_seed_can_be_given(tmp_path):
    env = scripted(tmp_path, "two-steps", "--reason=SimulationEnd")
    try:
        env.reset(options={"sim_seed": 42})
        assert env.sim_seed == 42
        env.step(1)
        *_, terminated, truncated, _ = env.step(1)
        assert (terminated, truncated) == (False, True)
        env.reset(seed=3)  # a new simulator, the first of seed 3's draws
        assert env.sim_seed == seeds_after(3, 1)[0]
        env.step(0)
    finally:
        env.close()
    first, second = (flag(r["argv"], "simSeed") for r in runs(tmp_path)[1:])
    assert (first, second) == ("42", str(seeds_after(3, 1)[0]))
    # each simulator got a stop: the first when the next reset ended its session after
    # its game over, the second when the env closed in the middle of its episode
    first_run, second_run = runs(tmp_path)[1:]
    assert first_run["answers"][-1] == second_run["answers"][-1] == {"stop": True,
                                                                      "action": None}
    assert len(first_run["answers"]) == 4 and len(second_run["answers"]) == 3


def test_a_final_box_without_values_is_zeros_flagged_in_info(tmp_path):
    env = scripted(tmp_path, "empty-final")
    try:
        env.reset(seed=1)
        obs, reward, terminated, truncated, info = env.step(1)
        np.testing.assert_array_equal(obs, np.zeros(3, np.float32))
        assert (reward, terminated, truncated) == (1.0, False, True)
        assert info == {"ns3_info": "the end", "observation_missing": True}
    finally:
        env.close()


def test_a_simulator_announcing_other_spaces_is_refused(tmp_path, monkeypatch):
    env = scripted(tmp_path, "other-spaces")
    calls: list[tuple] = []

    def register(kind: str, value: object) -> int:
        calls.append(("register", len(calls)))
        return len(calls) - 1

    monkeypatch.setattr(bridge.env.janitor, "register", register)
    monkeypatch.setattr(bridge.env.janitor, "release", lambda key: calls.append(("release", key)))
    try:
        assert env.observation_space.shape == (3,)
        with pytest.raises(ProtocolError, match="'scripted' announced other spaces than at "
                                                "start-up"):
            env.reset(seed=1)
        assert env._session is None
        # the refused session is closed at once: its socket and simulator released
        registered = {key for kind, key in calls if kind == "register"}
        assert registered and registered <= {key for kind, key in calls if kind == "release"}
    finally:
        env.close()
    assert [r["episode"] for r in runs(tmp_path)] == ["probe", "0000"]


def test_a_reset_tries_three_simulators_then_gives_up(tmp_path):
    # Every episode's simulator sends garbage: with auto_restart a reset starts three
    # (the README: "up to three"), each with the next seed, then raises.
    env = Ns3Env(sys.executable, [str(GARBAGE_PEER), "garbage-state"], scenario="garbage",
                 auto_restart=True)
    try:
        with pytest.raises(ProtocolError, match="EnvStateMsg"):
            env.reset(seed=5)
        assert env.restarts == 2 and env._session is None
        seeds = [flag(shlex.split(c), "simSeed") for c in env.commands]
        assert seeds == [str(s) for s in seeds_after(5, 3)]
    finally:
        env.close()


def test_the_wire_log_holds_every_frame_in_order(tmp_path):
    log = tmp_path / "wire.jsonl"
    env = scripted(tmp_path, "two-steps", wire_log=log)
    handle = env._wire_log._file
    try:
        env.reset(seed=1)
        env.step(1)
    finally:
        env.close()
    assert handle.closed
    frames = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(f["dir"], f["type"]) for f in frames] == [
        ("sim->py", "SimInitMsg"), ("py->sim", "SimInitAck"),  # the probe
        ("sim->py", "SimInitMsg"), ("py->sim", "SimInitAck"),
        ("sim->py", "EnvStateMsg"), ("py->sim", "EnvActMsg"),
        ("sim->py", "EnvStateMsg"), ("py->sim", "EnvActMsg")]  # the last: the stop at close
    assert "stopSimReq: true" in frames[1]["text"] and "stopSimReq: true" in frames[-1]["text"]


def test_an_own_run_directory_goes_with_the_env(tmp_path):
    env = scripted(tmp_path, "two-steps")
    run_dir = env.run_dir
    assert run_dir.is_dir() and run_dir.is_absolute()
    env.close()
    assert not run_dir.exists()
    env.close()  # twice is fine
    with pytest.raises(RuntimeError, match="'scripted': the env is closed"):
        env.reset(seed=1)


def test_a_native_simulators_socket_stays_private(tmp_path):
    env = scripted(tmp_path, "two-steps")
    try:
        env.reset(seed=1)
        path = Path(env._session.socket.bound[len("ipc://"):])
        # only a container's user needs the socket opened up (share_with_other_users
        # would make the directory 0o711 and the socket 0o666)
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert stat.S_IMODE(path.stat().st_mode) != 0o666
    finally:
        env.close()


def test_a_simulator_that_cannot_start_leaves_no_socket(tmp_path, monkeypatch):
    env = scripted(tmp_path, "two-steps")
    made: list[AgentSocket] = []

    class Recording(AgentSocket):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    class Refusing(NativeRuntime):
        def start(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            raise SimulatorNotFound("no program")

    monkeypatch.setattr(bridge.env, "AgentSocket", Recording)
    monkeypatch.setattr(env, "runtime", Refusing())
    try:
        with pytest.raises(SimulatorNotFound, match="no program"):
            env.reset(seed=1)
        assert len(made) == 1 and made[0]._socket.closed
        assert not Path(made[0].bound[len("ipc://"):]).parent.exists()
    finally:
        env.close()


def test_ns3gym_programs_need_a_tcp_endpoint(tmp_path):
    with pytest.raises(ValueError, match="ns3-gym programs take a TCP port: use endpoint='tcp'"):
        scripted(tmp_path, "two-steps", flags="ns3-gym")


def test_an_undecodable_init_is_not_answered_with_a_stop(tmp_path):
    # The simulator waits for a SimInitAck, not an action: the env just ends it.
    log = tmp_path / "wire.jsonl"
    with pytest.raises(ProtocolError, match="cannot decode SimInitMsg"):
        Ns3Env(sys.executable, [str(GARBAGE_PEER), "garbage-init"], scenario="garbage",
               wire_log=log)
    frames = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(f["dir"], f["type"]) for f in frames] == [("sim->py", "SimInitMsg")]


def test_close_lets_the_simulator_leave_by_itself(tmp_path):
    env = scripted(tmp_path, "two-steps")
    assert env.timeout_s == 60.0  # the default wait the README states
    try:
        env.reset(seed=1)
        process = env._session.process
    finally:
        env.close()
    assert process.returncode == 0  # it got its stop and exited, rather than being ended


@pytest.mark.parametrize("settings,match", [
    ({"flags": "ns3gym"}, "flags must be 'ran-gym' or 'ns3-gym', got 'ns3gym'"),
    ({"timeout_s": 0.0}, "timeout_s must be > 0, got 0.0"),
    ({"timeout_s": -1.0}, "timeout_s must be > 0, got -1.0")])
def test_bad_settings_are_refused_before_a_simulator_starts(tmp_path, settings, match):
    with pytest.raises(ValueError, match=match):
        scripted(tmp_path, "two-steps", **settings)
    assert not (tmp_path / "record.jsonl").exists()


def test_a_runtime_that_is_not_ready_is_refused_before_a_simulator_starts(tmp_path):
    class Unready(NativeRuntime):
        def check(self) -> None:
            raise SimulatorNotFound("no scenario image")

    with pytest.raises(SimulatorNotFound, match="no scenario image"):
        scripted(tmp_path, "two-steps", runtime=Unready())
    assert not (tmp_path / "record.jsonl").exists()


def test_an_own_run_directory_is_handed_to_the_janitor_and_back(tmp_path, monkeypatch):
    calls: list[tuple] = []

    def register(kind: str, value: object) -> int:
        calls.append(("register", kind, str(value)))
        return 500 + len(calls)

    monkeypatch.setattr(bridge.env.janitor, "register", register)
    monkeypatch.setattr(bridge.env.janitor, "release", lambda key: calls.append(("release", key)))
    env = scripted(tmp_path, "two-steps")
    entry = ("register", "path", str(env.run_dir))
    key = 501 + calls.index(entry)  # (the sockets register their files too)
    assert ("release", key) not in calls
    shutil.rmtree(env.run_dir)  # removed behind the env's back: close still succeeds
    env.close()
    assert ("release", key) in calls
    # everything registered (sockets, simulators, the probe's too) is released
    registered = {501 + i for i, call in enumerate(calls) if call[0] == "register"}
    assert registered <= {call[1] for call in calls if call[0] == "release"}
    calls.clear()
    given = scripted(tmp_path, "two-steps", run_dir=tmp_path / "mine")
    given.close()
    assert ("register", "path", str(tmp_path / "mine")) not in calls
    assert (tmp_path / "mine").is_dir()  # the caller's, kept


def test_a_probe_directory_left_by_a_killed_run_is_reused_and_removed(tmp_path):
    leftover = tmp_path / "run" / ".probe"
    leftover.mkdir(parents=True)
    (leftover / "trace.csv").write_text("from a run killed during its probe\n")
    env = scripted(tmp_path, "two-steps", run_dir=tmp_path / "run")
    env.close()
    assert not leftover.exists() and (tmp_path / "run").is_dir()


def test_an_env_dropped_without_close_ends_its_session(tmp_path):
    env = scripted(tmp_path, "two-steps")
    env.reset(seed=1)
    process = env._session.process
    socket_dir = Path(env._session.socket.bound[len("ipc://"):]).parent
    del env
    gc.collect()  # the session refers back to its env: a cycle
    assert not socket_dir.exists()  # the socket's private directory went with it
    assert not process.alive()
