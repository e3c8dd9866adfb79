"""The scenario programs against a hostile agent: a raw REP socket that answers their
messages with crafted garbage. Each case must end the program with the protocol status
(4) and a "ran-gym:" line saying what was wrong; never a signal (segfault, abort)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable

import numpy as np
import pytest
import zmq
from gymnasium import spaces

from bridge.protocol import codec, messages
from bridge.protocol import schema as pb
from tests.conftest import program

PROTOCOL_STATUS = 4  # GYM_EXIT_PROTOCOL (ns3_scenarios/gym/gym-socket.h)
TINY = {
    "ran-gym-space-echo": ["--maxSteps=3"],
    "ran-gym-reference": ["--maxSteps=3"],
    "ran-gym-interference": ["--pairs=2", "--maxSteps=3", "--warmupMs=20"],
    "ran-gym-oran-slicing": ["--nRus=1", "--nUes=2", "--maxSteps=3", "--warmupMs=20"],
}
Reply = Callable[[spaces.Space], list[bytes]]  # action space -> the frames to answer


def hostile_session(name: str, reply: Reply, tmp_path, at_init: bool = False):
    """Run program ``name``; answer its SimInitMsg (``at_init``) or its first
    EnvStateMsg with ``reply``. Returns (exit status, output)."""
    endpoint = f"ipc://{tmp_path}/hostile.sock"
    sock = zmq.Context.instance().socket(zmq.REP)
    sock.setsockopt(zmq.LINGER, 0)
    sock.bind(endpoint)
    proc = subprocess.Popen([str(program(name)), *TINY[name], f"--gymEndpoint={endpoint}",
                             "--gymTimeout=2"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert sock.poll(20_000), "the program never sent its SimInitMsg"
        action_space = messages.decode_sim_init(sock.recv()).action_space
        if not at_init:
            sock.send(messages.INIT_ACK)
            assert sock.poll(20_000), "the program never sent its first state"
            sock.recv()
        sock.send_multipart(reply(action_space))
        output, _ = proc.communicate(timeout=30)
    finally:
        proc.kill()
        proc.wait()
        sock.close()
    return proc.returncode, output.decode(errors="replace")


def act(data: pb.DataContainer) -> list[bytes]:
    return [pb.EnvActMsg(actData=data).SerializeToString()]


def box(dtype: str, shape: list[int], values: list, field: str | None = None) -> pb.DataContainer:
    container = pb.DataContainer(type=pb.SPACE_TYPE["Box"])
    field = field or codec.WIRE_DTYPES[pb.DTYPE[dtype]][1]
    codec.pack_into(container.data, pb.BoxDataContainer(dtype=pb.DTYPE[dtype], shape=shape,
                                                        **{field: values}))
    return container


def nested(depth: int) -> pb.DataContainer:
    inner = box("FLOAT", [1], [1.0])
    for _ in range(depth):
        outer = pb.DataContainer(type=pb.SPACE_TYPE["Tuple"])
        codec.pack_into(outer.data, pb.TupleDataContainer(element=[inner]))
        inner = outer
    return inner


def wrong_url(space: spaces.Space) -> list[bytes]:
    data = codec.data_to_proto(space.sample(), space)
    data.data.type_url = "type.googleapis.com/evil.Payload"
    return act(data)


def filled(space: spaces.Space, value: float) -> list[bytes]:
    """An action of the right structure whose every Box element is ``value``; integer
    Boxes get the nearest int32 (NaN: the int32 minimum), Discrete ones n + 5."""
    def fill(s: spaces.Space) -> pb.DataContainer:
        if isinstance(s, spaces.Dict):
            out = pb.DataContainer(type=pb.SPACE_TYPE["Dict"])
            codec.pack_into(out.data, pb.DictDataContainer(element=[
                pb.DataContainer(type=fill(v).type, data=fill(v).data, name=k)
                for k, v in s.spaces.items()]))
            return out
        if isinstance(s, spaces.Tuple):
            out = pb.DataContainer(type=pb.SPACE_TYPE["Tuple"])
            codec.pack_into(out.data, pb.TupleDataContainer(element=[fill(v) for v in s]))
            return out
        if isinstance(s, spaces.Discrete):
            out = pb.DataContainer(type=pb.SPACE_TYPE["Discrete"])
            codec.pack_into(out.data, pb.DiscreteDataContainer(data=int(s.n) + 5))
            return out
        assert isinstance(s, spaces.Box)
        wire = {np.dtype(np.float32): "FLOAT", np.dtype(np.float64): "DOUBLE",
                np.dtype(np.int32): "INT", np.dtype(np.uint32): "UINT"}[np.dtype(s.dtype)]
        number = value
        if wire in ("INT", "UINT"):
            info = np.iinfo(s.dtype)
            number = info.min if np.isnan(value) else int(np.clip(value, info.min, info.max))
        return box(wire, list(s.shape), [number] * int(np.prod(s.shape)))

    return act(fill(space))


GARBAGE: dict[str, Reply] = {
    "random bytes": lambda s: [b"\xff\x00garbage\x12\x99" * 7],
    "truncated action": lambda s: [messages.encode_action(s.sample(), s)[:-3]],
    "another message": lambda s: [pb.SimInitMsg(simProcessId=7).SerializeToString()],
    "two frames": lambda s: [messages.encode_action(s.sample(), s), b"x"],
    "wrong type URL": wrong_url,
    "kind Discrete for the Box": lambda s: act(pb.DataContainer(
        type=pb.SPACE_TYPE["Discrete"], data=box("FLOAT", [1], [1.0]).data)),
    "huge shape": lambda s: act(box("FLOAT", [1 << 31, 1 << 31, 1 << 31], [1.0])),
    "shape/data mismatch": lambda s: act(box("FLOAT", [3], [1.0])),
    "data in another dtype": lambda s: act(box("FLOAT", [1], [1.0], field="doubleData")),
    "nesting 300 deep": lambda s: act(nested(300)),
}


@pytest.mark.parametrize("case", sorted(GARBAGE))
def test_garbage_after_the_handshake(case, tmp_path):
    status, output = hostile_session("ran-gym-reference", GARBAGE[case], tmp_path)
    assert status == PROTOCOL_STATUS, output
    assert "ran-gym:" in output


def test_garbage_instead_of_the_init_ack(tmp_path):
    ack_with_junk = pb.SimInitAck(done=True).SerializeToString() + b"\x78\x01"  # field 15
    status, output = hostile_session("ran-gym-space-echo", lambda s: [ack_with_junk], tmp_path,
                                     at_init=True)
    assert status == PROTOCOL_STATUS, output
    assert "SimInitAck" in output


@pytest.mark.parametrize("name", sorted(TINY))
@pytest.mark.parametrize("value", [float("nan"), float("inf"), 1e9, -1e9])
def test_out_of_range_actions_every_program(name, value, tmp_path):
    status, output = hostile_session(name, lambda s: filled(s, value), tmp_path)
    assert status == PROTOCOL_STATUS, output
    assert "ran-gym:" in output
