"""``Ns3Env``: any program that speaks the ns3-gym protocol, as a Gymnasium env.

Each ``reset`` starts a fresh simulator process with a seed drawn from the env's
``np_random`` (so ``reset(seed=s)`` gives the same trajectory every time), performs the
handshake and returns the first observation. ``step`` sends the action and returns the
next state. A game over is ``terminated``; the simulation running out of time is
``truncated``. Every wait has a timeout, and a simulator that dies, hangs or sends
garbage raises a clear error naming the scenario and the step; the env is then ready
for another ``reset``. With ``auto_restart`` such a failure instead ends the episode as
truncated (``info["simulator_failure"]`` says why, ``restarts`` counts them) and the next
``reset`` starts a fresh simulator with the next seed.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gymnasium as gym

from bridge import janitor
from bridge.actions import compile_validator
from bridge.errors import BridgeError, ProtocolError, SimulatorCrashed, SimulatorTimeout
from bridge.protocol import fastpath, messages
from bridge.runtime import NativeRuntime, make_runtime
from bridge.transport import AgentSocket
from bridge.wirelog import AGENT_TO_SIM, SIM_TO_AGENT, WireLog

# How a program takes its endpoint: ran-gym programs accept an explicit endpoint and a
# timeout; ns3-gym programs only a TCP port on localhost.
FLAGS_RAN_GYM = "ran-gym"
FLAGS_NS3_GYM = "ns3-gym"
INFO_TEXT_KEY = "ns3_info"
_EXIT_GRACE_S = 2.0
# What ``auto_restart`` absorbs: the simulator died, hung or sent garbage.
RESTARTABLE = (SimulatorCrashed, SimulatorTimeout, ProtocolError)
RESET_TRIES = 3  # simulators a reset starts, with successive seeds, before it gives up
FAILURE_KEY = "simulator_failure"
_JSON = json.JSONDecoder()


def decode_info(text: str) -> dict[str, Any]:
    """The info string as a dict: a JSON object as is, any other text under one key."""
    if not text:
        return {}
    try:
        value = _JSON.decode(text)  # json.loads without its per-call argument checks
    except ValueError:
        return {INFO_TEXT_KEY: text}
    return value if isinstance(value, dict) else {INFO_TEXT_KEY: text}


PROBE_DIR = ".probe"  # in the run directory: where the probe's own files go, then removed


def _info(state: messages.EnvState) -> dict[str, Any]:
    info = decode_info(state.info)
    if state.observation_missing:  # the zeros returned stand for "no values were sent"
        info["observation_missing"] = True
    return info


class _Session:
    """One simulator process and its socket, from handshake to stop."""

    def __init__(self, env: Ns3Env, sim_seed: int, log_path: Path, probe: bool = False):
        self.env, self.sim_seed, self.step, self.probe = env, sim_seed, 0, probe
        self.awaiting_action = False
        self.finished = False
        self.socket = AgentSocket(env.endpoint, allow_all_interfaces=env.allow_all_interfaces,
                                  directory=env.runtime.socket_dir)
        try:
            ipc_dir = None
            if not isinstance(env.runtime, NativeRuntime):
                ipc_dir = self.socket.share_with_other_users()
            self.process = env.runtime.start(env.program, self._arguments(), ipc_dir,
                                             env.run_dir, log_path)
        except BaseException:
            self.socket.close()
            raise

    def _arguments(self) -> list[str]:
        env = self.env
        if env.flags == FLAGS_NS3_GYM:
            if self.socket.port is None:
                raise ValueError("ns3-gym programs take a TCP port: use endpoint='tcp'")
            link = [f"--openGymPort={self.socket.port}"]
        else:
            link = [f"--gymEndpoint={self.socket.connect_address}"]
            if env.sim_timeout_s is not None:
                link.append(f"--gymTimeout={env.sim_timeout_s:g}")
        run_dir = env.run_dir / PROBE_DIR if self.probe else env.run_dir
        episode = "probe" if self.probe else f"{env._episode:04d}"
        args = [a.replace("{run_dir}", str(run_dir)).replace("{episode}", episode)
                for a in env.args]
        return [*args, *link, f"--simSeed={self.sim_seed}"]

    def receive(self, message_type: str, what: str) -> bytes:
        label = f"scenario {self.env.scenario!r}: {what}"
        payload = self.socket.recv(
            self.env.timeout_s, label, lambda: self.process.check_alive(label)
        )
        self.env._record(SIM_TO_AGENT, message_type, payload)
        return payload

    def send(self, message_type: str, payload: bytes) -> None:
        self.env._record(AGENT_TO_SIM, message_type, payload)
        self.socket.send(payload)
        self.awaiting_action = False

    def handshake(self, stop: bool = False) -> messages.SimInit:
        init = messages.decode_sim_init(self.receive("SimInitMsg", "waiting for SimInitMsg"))
        ack = messages.pb.SimInitAck(done=True, stopSimReq=stop).SerializeToString()
        self.send("SimInitAck", ack)
        return init

    def state(self, what: str) -> messages.EnvState:
        payload = self.receive("EnvStateMsg", what)
        self.awaiting_action = True
        env = self.env
        state = messages.decode_env_state(payload, env.observation_space, env._fast_observation,
                                          env._fast_state)
        self.finished = state.game_over
        return state

    def close(self) -> None:
        try:
            if self.awaiting_action and self.process.alive():
                self.send("EnvActMsg", messages.STOP)
                self.process.wait(_EXIT_GRACE_S)
        finally:
            self.process.close()
            self.socket.close()


class Ns3Env(gym.Env):
    """A Gymnasium env driving one ns3-gym-protocol program per episode."""

    metadata: dict[str, Any] = {"render_modes": []}

    def __init__(
        self,
        program: str | Path,
        args: Sequence[str] = (),
        *,
        scenario: str | None = None,
        flags: str = FLAGS_RAN_GYM,
        endpoint: str = "ipc",
        timeout_s: float = 60.0,
        sim_timeout_s: float | None = None,
        run_dir: str | Path | None = None,
        wire_log: str | Path | None = None,
        allow_all_interfaces: bool = False,
        runtime: Any = "native",
        auto_restart: bool = False,
    ):
        """
        Args:
            program: path of the scenario program.
            args: its arguments (the endpoint and seed flags are added by the env);
                ``{run_dir}`` and ``{episode}`` in them are replaced per episode (for
                the handshake that learns the spaces, by a scratch directory).
            scenario: name used in error messages (default: the program's file name).
            flags: ``"ran-gym"`` (``--gymEndpoint``, ``--gymTimeout``) or ``"ns3-gym"``
                (``--openGymPort``, TCP only) — how the program takes its endpoint.
            endpoint: ``"ipc"``, ``"tcp"``, ``"ipc://PATH"`` or ``"tcp://HOST:PORT"``.
            timeout_s: longest wait for any message from the simulator, in seconds.
            sim_timeout_s: the simulator's own wait for the agent (default: its own).
            run_dir: where simulator logs go (default: a temporary directory).
            wire_log: record every frame to this JSONL file.
            allow_all_interfaces: permit binding a TCP endpoint beyond loopback
                (0.0.0.0, ``*`` or a network address); refused by default.
            runtime: ``"native"`` (the program on this machine), ``"docker"`` (in the
                scenario image), ``"launcher:ENDPOINT[@SOCKET_DIR]"`` (started by a
                ran-gym-launcher), or a runtime object of :mod:`bridge.runtime`.
            auto_restart: a simulator that crashes, hangs past ``timeout_s`` or sends
                garbage ends its episode as truncated (reward 0, the last observation,
                ``info["simulator_failure"]``) instead of raising; ``reset`` tries up to
                ``RESET_TRIES`` fresh simulators. ``restarts`` counts these events.
        """
        if flags not in (FLAGS_RAN_GYM, FLAGS_NS3_GYM):
            raise ValueError(f"flags must be {FLAGS_RAN_GYM!r} or {FLAGS_NS3_GYM!r}, got {flags!r}")
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be > 0, got {timeout_s}")
        self.program, self.args = Path(program), [str(a) for a in args]
        self.scenario = scenario or self.program.name
        self.flags, self.endpoint, self.timeout_s = flags, endpoint, float(timeout_s)
        self.sim_timeout_s, self.allow_all_interfaces = sim_timeout_s, allow_all_interfaces
        self.runtime = make_runtime(runtime)
        self.runtime.check()
        self._own_run_dir = run_dir is None
        # absolute: the simulator may run in another directory, or in a container that
        # mounts it (Docker refuses a relative bind mount)
        self.run_dir = Path(run_dir or tempfile.mkdtemp(prefix="ran-gym-run-")).absolute()
        self._run_dir_cleanup = (janitor.register("path", self.run_dir)
                                 if self._own_run_dir else None)
        self._wire_log = WireLog(Path(wire_log)) if wire_log else None
        self._session: _Session | None = None
        self._episode = -1
        self._closed = False
        self.auto_restart = bool(auto_restart)
        self.restarts = 0  # simulator failures absorbed by auto_restart
        self._last_observation: Any = None
        self.commands: list[str] = []
        self._fast_observation: Any = None
        self._fast_state: Any = None
        self.observation_space, self.action_space = self._probe_spaces()
        self._check_action = compile_validator(self.action_space)
        self._encode_action = fastpath.compile_action_encoder(self.action_space)
        self._fast_observation = fastpath.compile_observation_decoder(self.observation_space)
        self._fast_state = fastpath.compile_state_decoder(self.observation_space)

    # -- Gymnasium API -------------------------------------------------------------

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        super().reset(seed=seed)
        sim_seed = (options or {}).get("sim_seed")
        if sim_seed is None:
            sim_seed = int(self.np_random.integers(1, 2**31 - 1))
        for attempt in range(RESET_TRIES if self.auto_restart else 1):
            if attempt:  # the failed simulator's seed is replaced by the next one
                sim_seed = int(self.np_random.integers(1, 2**31 - 1))
            try:
                state = self._start(int(sim_seed))
                break
            except RESTARTABLE:
                if not self.auto_restart or attempt + 1 == RESET_TRIES:
                    raise
                self.restarts += 1
        self._last_observation = state.observation
        return state.observation, _info(state)

    def _start(self, sim_seed: int) -> messages.EnvState:
        self._end_session()
        self._session = self._open_session(sim_seed)
        return self._guarded(lambda s: s.state("waiting for the first observation"))

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        session = self._session
        if session is None or not session.awaiting_action or session.finished:
            raise RuntimeError(
                f"scenario {self.scenario!r}: step() needs a running episode; call reset()"
            )
        payload = self._encode_action(self._check_action(action))

        def exchange(s: _Session) -> messages.EnvState:
            s.send("EnvActMsg", payload)
            s.step += 1
            return s.state(f"waiting for the state after step {s.step}")

        try:
            state = self._guarded(exchange)
        except RESTARTABLE as failure:
            if not self.auto_restart:
                raise
            self.restarts += 1  # the session is already ended; reset() starts a fresh one
            info = {FAILURE_KEY: type(failure).__name__, "simulator_error": str(failure)}
            return self._last_observation, 0.0, False, True, info
        terminated = state.game_over and state.game_over_reason == "GameOver"
        truncated = state.game_over and not terminated
        self._last_observation = state.observation
        return state.observation, state.reward, terminated, truncated, _info(state)

    def close(self) -> None:
        """Stop the simulator and release everything; safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        try:
            self._end_session()
        finally:
            if self._wire_log is not None:
                self._wire_log.close()
            if self._own_run_dir:
                shutil.rmtree(self.run_dir, ignore_errors=True)
            if self._run_dir_cleanup is not None:
                janitor.release(self._run_dir_cleanup)
        super().close()

    # -- details -------------------------------------------------------------------

    @property
    def sim_seed(self) -> int | None:
        """The seed passed to the simulator for the current episode."""
        return None if self._session is None else self._session.sim_seed

    def _probe_spaces(self) -> tuple[gym.Space, gym.Space]:
        """Learn the spaces from a handshake that asks the program to stop at once."""
        scratch = self.run_dir / PROBE_DIR
        scratch.mkdir(parents=True, exist_ok=True)
        scratch.chmod(0o777)  # a container's user may write there too; removed right after
        try:
            session = self._open_session(1, probe=True)
            try:
                init = session.handshake(stop=True)
            finally:
                session.close()
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        return init.observation_space, init.action_space

    def _open_session(self, sim_seed: int, probe: bool = False) -> _Session:
        if self._closed:
            raise RuntimeError(f"scenario {self.scenario!r}: the env is closed")
        self._episode += 0 if probe else 1
        log_name = "probe" if probe else f"episode-{self._episode:04d}"
        session = _Session(self, sim_seed, self.run_dir / f"sim-{log_name}.log", probe)
        if probe:
            return session
        self.commands.append(session.process.command_line)
        try:
            init = session.handshake()
            if (init.observation_space, init.action_space) != (
                    self.observation_space, self.action_space):
                raise ProtocolError(
                    f"scenario {self.scenario!r} announced other spaces than at start-up"
                )
        except BaseException:
            session.close()
            raise
        return session

    def _guarded(self, exchange: Any) -> messages.EnvState:
        """Run one exchange; on any failure end the session before re-raising."""
        assert self._session is not None
        try:
            return exchange(self._session)
        except (BridgeError, OSError, KeyboardInterrupt):
            self._end_session()
            raise

    def _end_session(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            session.close()

    def _record(self, direction: str, message_type: str, payload: bytes) -> None:
        if self._wire_log is not None:
            self._wire_log.record(direction, message_type, payload)

    def __del__(self) -> None:  # the launcher's finaliser also covers interpreter exit
        try:
            if not getattr(self, "_closed", True):
                self._end_session()
        except Exception:  # noqa: BLE001, S110 - nothing useful to do in a destructor
            pass

