"""``ran-gym bench bridge``: what the bridge adds on top of ZeroMQ itself.

In one run and for each transport (ipc, tcp) it times

- ``raw_rtt_us``: a bare ZeroMQ REQ/REP round trip between this process (REP) and a
  peer process (REQ), carrying exactly the bytes of a reference-scenario step: the
  peer sends an EnvStateMsg-sized frame, this side answers an EnvActMsg-sized frame;
- ``step_us``: a full ``env.step`` on the reference scenario with a trivial step
  (almost no traffic), i.e. action check, encoding, the round trip, ns-3 applying the
  action and simulating one step, decoding and the info dict;

and reports ``overhead_ratio = step_us / raw_rtt_us``. ``sim_exchange_us`` is a bare
exchange of pre-encoded bytes with the same simulator process, which splits
``step_us`` into the simulator's share and the Python bridge's. Figures are medians (and
p90, p99) over the timed iterations, after a warm-up. The three are timed interleaved,
in ``BLOCKS`` blocks taking turns, with the simulator and the peer both running, so that
a machine whose load changes during the run (a shared one) affects all three alike.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from typing import Any

import numpy as np

from bridge.envs import ScenarioEnv
from bridge.protocol import codec, messages
from bridge.protocol import schema as pb
from bridge.transport import AgentSocket

_PEER = """
import sys, zmq
address, count, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sock = zmq.Context.instance().socket(zmq.REQ)
sock.setsockopt(zmq.LINGER, 0)
sock.connect(address)
payload = bytes(size)
for _ in range(count):
    sock.send(payload)
    sock.recv()
"""
_TRIVIAL_STEP = {"offeredMbps": 0.001, "stepMs": 1.0}
BLOCKS = 200  # the three timed calls take turns in blocks of iterations / BLOCKS


def _percentiles(samples_ns: list[int]) -> dict[str, float]:
    us = np.asarray(samples_ns, dtype=float) / 1e3
    return {"median": float(np.median(us)), "p90": float(np.percentile(us, 90)),
            "p99": float(np.percentile(us, 99)), "mean": float(us.mean())}


class RawPeer:
    """A bare ZeroMQ REQ peer process; ``exchange()`` is one timed round trip."""

    def __init__(self, transport: str, state_size: int, action: bytes, count: int):
        self.action = action
        self.socket = AgentSocket(transport)
        self.process = subprocess.Popen([sys.executable, "-c", _PEER,
                                         self.socket.connect_address, str(count + 1),
                                         str(state_size)])
        try:
            self.socket.recv(30.0, "waiting for the benchmark peer")
        except BaseException:
            self.close()
            raise

    def exchange(self) -> None:
        self.socket.send(self.action)
        self.socket.recv(30.0, "waiting for the benchmark peer")

    def close(self) -> None:
        self.process.kill()
        self.process.wait()
        self.socket.close()


def time_calls(call: Any, iterations: int, warmup: int) -> dict[str, float]:
    """Median, p90, p99 and mean (µs) of ``call()`` over ``iterations`` after ``warmup``."""
    return _percentiles(sample_calls(call, iterations, warmup))


def sample_calls(call: Any, iterations: int, warmup: int) -> list[int]:
    """Durations (ns) of ``call()`` over ``iterations`` after ``warmup`` untimed calls."""
    samples = []
    for i in range(iterations + warmup):
        start = time.perf_counter_ns()
        call()
        if i >= warmup:
            samples.append(time.perf_counter_ns() - start)
    return samples


def pin(pid: int, cpu: int) -> None:
    """Every thread of process ``pid`` (ZeroMQ's I/O thread too) on ``cpu``."""
    for task in os.listdir(f"/proc/{pid}/task"):
        with contextlib.suppress(ProcessLookupError):  # a thread that just ended
            os.sched_setaffinity(int(task), {cpu})


def time_interleaved(calls: dict[str, Any], iterations: int, warmup: int,
                     blocks: int = BLOCKS) -> dict[str, dict[str, float]]:
    """Each call timed ``iterations`` times in ``blocks`` blocks, the calls taking turns
    block by block, so that a change in the machine's load hits all of them alike."""
    samples: dict[str, list[int]] = {name: [] for name in calls}
    for call in calls.values():
        sample_calls(call, 0, warmup)
    blocks = max(1, min(blocks, iterations))
    per_block = iterations // blocks  # blocks x per_block <= iterations: no call past them
    for _ in range(blocks):
        for name, call in calls.items():
            samples[name] += sample_calls(call, per_block, 0)
    return {name: _percentiles(s) for name, s in samples.items()}


def time_transport(transport: str, action: bytes, iterations: int, warmup: int
                   ) -> dict[str, Any]:
    """``env.step``, bare exchanges of pre-encoded bytes with the same simulator (no
    action check, no encoding or decoding: the simulator's share) and a bare ZeroMQ
    round trip with a Python peer, interleaved."""
    params = {**_TRIVIAL_STEP, "maxSteps": 3 * (iterations + warmup) + 10}
    env = ScenarioEnv("reference", params, endpoint=transport)
    peer = None
    cpus = os.sched_getaffinity(0)
    try:
        env.reset(seed=1)
        array = np.array([10.0], dtype=np.float32)
        state_size = _state_size(env, array)
        session = env._session
        assert session is not None
        encoded = messages.encode_action(array, env.action_space)

        def bare() -> None:
            session.socket.send(encoded)
            session.socket.recv(env.timeout_s, "waiting for the simulator")

        peer = RawPeer(transport, state_size, action, iterations + warmup)
        pinned = _pin_pairs(session.process.pid, peer.process.pid)
        timed = time_interleaved({"step": lambda: env.step(array), "bare": bare,
                                  "raw": peer.exchange}, iterations, warmup)
    finally:
        for task in os.listdir(f"/proc/{os.getpid()}/task"):  # this process unpinned
            with contextlib.suppress(ProcessLookupError):
                os.sched_setaffinity(int(task), cpus)
        if peer is not None:
            peer.close()
        env.close()
    return {**timed, "state_size": state_size, "pinned": pinned}


def _pin_pairs(sim_pid: int | None, peer_pid: int) -> bool:
    """With two or more CPUs: this process on one, the simulator and the raw peer on
    another, so that both round trips cross the same two CPUs (unpinned, the scheduler
    sometimes puts the two ends on one CPU, and a round trip then costs a context switch:
    the figures of one run were 20 or 110 µs by chance). Returns whether it pinned."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2 or sim_pid is None:
        return False
    try:
        for pid in (sim_pid, peer_pid):
            pin(pid, cpus[1])
        pin(os.getpid(), cpus[0])
    except OSError:  # not ours to pin (another user, a container, a process gone)
        return False
    return True


def _state_size(env: ScenarioEnv, action: np.ndarray) -> int:
    """Size of the EnvStateMsg the reference scenario sends (re-encoded, same fields)."""
    obs, _, _, _, info = env.step(action)
    info_text = json.dumps(info, separators=(",", ":"))
    msg = pb.EnvStateMsg(obsData=codec.data_to_proto(obs, env.observation_space),
                         reward=1.0, info=info_text)
    return len(msg.SerializeToString())


def bench_bridge(iterations: int = 2000, warmup: int = 200) -> dict[str, Any]:
    results: dict[str, Any] = {}
    action_space_probe = ScenarioEnv("reference", _TRIVIAL_STEP)
    try:
        action = messages.encode_action(np.array([10.0], np.float32),
                                        action_space_probe.action_space)
    finally:
        action_space_probe.close()
    for transport in ("ipc", "tcp"):
        timed = time_transport(transport, action, iterations, warmup)
        raw, step, bare = timed["raw"], timed["step"], timed["bare"]
        results[transport] = {
            "raw_rtt_us": round(raw["median"], 2), "step_us": round(step["median"], 2),
            "overhead_ratio": round(step["median"] / raw["median"], 3),
            "sim_exchange_us": round(bare["median"], 2),
            "raw_rtt_us_p90": round(raw["p90"], 2), "step_us_p90": round(step["p90"], 2),
            "sim_exchange_us_p90": round(bare["p90"], 2),
            "p90_ratio": round(step["p90"] / raw["p90"], 3),
            "raw_rtt_us_p99": round(raw["p99"], 2), "step_us_p99": round(step["p99"], 2),
            "payload_bytes": {"state": timed["state_size"], "action": len(action)},
            "pinned": timed["pinned"],
        }
    return {
        "benchmark": "bridge", "iterations": iterations, "warmup": warmup, **results,
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                    "python": sys.version.split()[0]},
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "load_average_1min": os.getloadavg()[0],
    }

