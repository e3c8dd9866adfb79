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
``step_us`` into the simulator's share and the Python bridge's. Figures are medians over the
timed iterations, after a warm-up.
"""

from __future__ import annotations

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


def _percentiles(samples_ns: list[int]) -> dict[str, float]:
    us = np.asarray(samples_ns, dtype=float) / 1e3
    return {"median": float(np.median(us)), "p90": float(np.percentile(us, 90)),
            "mean": float(us.mean())}


def time_raw_rtt(transport: str, state_size: int, action: bytes, iterations: int,
                 warmup: int) -> dict[str, float]:
    sock = AgentSocket(transport)
    peer = subprocess.Popen([sys.executable, "-c", _PEER, sock.connect_address,
                             str(iterations + warmup + 1), str(state_size)])
    try:
        sock.recv(30.0, "waiting for the benchmark peer")
        samples = []
        for i in range(iterations + warmup):
            start = time.perf_counter_ns()
            sock.send(action)
            sock.recv(30.0, "waiting for the benchmark peer")
            if i >= warmup:
                samples.append(time.perf_counter_ns() - start)
        sock.send(action)
        peer.wait(30)
    finally:
        peer.kill()
        peer.wait()
        sock.close()
    return _percentiles(samples)


def time_env_step(transport: str, iterations: int, warmup: int
                  ) -> tuple[dict[str, float], dict[str, float], int]:
    """Times ``env.step``, then bare exchanges of pre-encoded bytes with the same
    simulator (no action check, no encoding or decoding): the second figure is the
    simulator's share, the difference the Python bridge's."""
    params = {**_TRIVIAL_STEP, "maxSteps": 2 * (iterations + warmup) + 10}
    env = ScenarioEnv("reference", params, endpoint=transport)
    try:
        env.reset(seed=1)
        action = np.array([10.0], dtype=np.float32)
        step = time_calls(lambda: env.step(action), iterations, warmup)
        state_size = _state_size(env, action)
        session = env._session
        assert session is not None
        encoded = messages.encode_action(action, env.action_space)

        def bare() -> None:
            session.socket.send(encoded)
            session.socket.recv(env.timeout_s, "waiting for the simulator")

        bare_exchange = time_calls(bare, iterations, warmup)
    finally:
        env.close()
    return step, bare_exchange, state_size


def time_calls(call: Any, iterations: int, warmup: int) -> dict[str, float]:
    """Median, p90 and mean (µs) of ``call()`` over ``iterations`` after ``warmup``."""
    samples = []
    for i in range(iterations + warmup):
        start = time.perf_counter_ns()
        call()
        if i >= warmup:
            samples.append(time.perf_counter_ns() - start)
    return _percentiles(samples)


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
        step, bare, state_size = time_env_step(transport, iterations, warmup)
        raw = time_raw_rtt(transport, state_size, action, iterations, warmup)
        results[transport] = {
            "raw_rtt_us": round(raw["median"], 2), "step_us": round(step["median"], 2),
            "overhead_ratio": round(step["median"] / raw["median"], 3),
            "sim_exchange_us": round(bare["median"], 2),
            "raw_rtt_us_p90": round(raw["p90"], 2), "step_us_p90": round(step["p90"], 2),
            "payload_bytes": {"state": state_size, "action": len(action)},
        }
    return {
        "benchmark": "bridge", "iterations": iterations, "warmup": warmup, **results,
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                    "python": sys.version.split()[0]},
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }

