"""Every ran-gym program driven with actions encoded as ns3-gym's own Python client
encodes them (``Ns3ZmqBridge._pack_data`` in ns3-gym's ``ns3gym/ns3env.py``).

What that client does, and what :func:`client_data` below does the same way:
- It rebuilds every Box from the SpaceDescription with dtype ``np.int`` (INT),
  ``np.uint`` (UINT) or ``np.float`` (FLOAT and DOUBLE alike): int64, uint64, float64.
- A Box action goes out as shape ``[len(action)]`` (its ``extend`` takes no 2-D
  array, so a user hands it flat), with its dtype chosen by the *name* of the space's
  dtype: ``int*`` → INT in ``intData``, ``uint*`` → UINT in ``uintData``, ``float``,
  ``float32`` or ``float64`` → FLOAT in ``floatData``. A DOUBLE space therefore gets
  float32 values, in the FLOAT field.
- Discrete: ``DiscreteDataContainer(data=action)``. Dict: one element per key of the
  action, in the action's order, the key in ``name``.
- Tuple: element i is packed against sub-space i of the *top-level* action space; inside a
  Dict those are its keys (strings), which match no branch, so every element goes out as
  an empty DataContainer: that client cannot send a Tuple nested in a Dict.
- It answers every state with one EnvActMsg, and a game over with ``stopSimReq=true``.
"""

from __future__ import annotations

import subprocess
from typing import Any

import numpy as np
import pytest
import zmq
from gymnasium import spaces

from bridge.protocol import codec, messages
from bridge.protocol import schema as pb
from tests.conftest import program
from tests.test_codec import assert_same
from tests.test_hostile_agent import PROTOCOL_STATUS, TINY, act, hostile_session

ECHO_ALL = ("ran-gym-space-echo", ["--maxSteps=3"])
PROGRAMS = {
    "reference": ("ran-gym-reference", TINY["ran-gym-reference"]),
    "interference": ("ran-gym-interference", TINY["ran-gym-interference"]),
    "oran-slicing": ("ran-gym-oran-slicing", ["--nRus=2", "--nUes=4", "--maxSteps=3",
                                              "--warmupMs=20"]),
    "space-echo-opengym": ("ran-gym-space-echo", ["--layout=opengym", "--maxSteps=3"]),
}


def client_data(action: Any, space: Any, top: spaces.Space) -> Any:
    """``action`` packed as ns3-gym's client packs it for ``space`` (a sub-space of the
    top-level action space ``top``, or, where that client goes wrong, a string)."""
    out = pb.DataContainer()
    if isinstance(space, spaces.Discrete):
        out.type = pb.SPACE_TYPE["Discrete"]
        codec.pack_into(out.data, pb.DiscreteDataContainer(data=int(action)))
    elif isinstance(space, spaces.Box):
        flat = list(np.asarray(action).reshape(-1))  # the user's flat list
        name = client_dtype(space).name
        dtype, field = ("INT", "intData") if name.startswith("int") else (
            ("UINT", "uintData") if name.startswith("uint") else ("FLOAT", "floatData"))
        out.type = pb.SPACE_TYPE["Box"]
        codec.pack_into(out.data, pb.BoxDataContainer(dtype=pb.DTYPE[dtype], shape=[len(flat)],
                                                      **{field: flat}))
    elif isinstance(space, spaces.Tuple):
        out.type = pb.SPACE_TYPE["Tuple"]
        peers = list(top.spaces)  # a Dict's keys when the Tuple sits in one
        codec.pack_into(out.data, pb.TupleDataContainer(element=[
            client_data(a, s, top) for a, s in zip(action, peers, strict=False)]))
    elif isinstance(space, spaces.Dict):
        out.type = pb.SPACE_TYPE["Dict"]
        elements = []
        for key, value in action.items():
            element = client_data(value, space.spaces[key], top)
            element.name = key
            elements.append(element)
        codec.pack_into(out.data, pb.DictDataContainer(element=elements))
    return out  # anything else: an empty container, as that client sends


def client_dtype(box: spaces.Box) -> np.dtype:
    """The dtype ns3-gym's client gives ``box``: np.int, np.uint or np.float."""
    kind = np.dtype(box.dtype).kind
    return np.dtype({"i": np.int64, "u": np.uint64}.get(kind, np.float64))


def client_message(action: Any, space: spaces.Space) -> bytes:
    return pb.EnvActMsg(actData=client_data(action, space, space)).SerializeToString()


def native_message(action: Any, space: spaces.Space) -> bytes:
    return messages.encode_action(action, space)


def as_client_sends(action: Any, space: spaces.Space) -> Any:
    """``action`` with every Box rounded as it arrives from that client: FLOAT on the
    wire, so a float64 Box loses what float32 cannot hold."""
    if isinstance(space, spaces.Box):
        return np.asarray(action).astype(np.float32).astype(space.dtype)
    if isinstance(space, spaces.Dict):
        return {k: as_client_sends(action[k], s) for k, s in space.spaces.items()}
    if isinstance(space, spaces.Tuple):
        return tuple(as_client_sends(a, s) for a, s in zip(action, space.spaces, strict=True))
    return action


def play(name: str, args: list[str], encode, tmp_path, seed: int = 7):
    """Run ``name`` to its end, answering each state with a sampled action encoded by
    ``encode(action, space)``. Returns (exit status, [(action, state)], output)."""
    endpoint = f"ipc://{tmp_path}/client-{encode.__name__}.sock"
    sock = zmq.Context.instance().socket(zmq.REP)
    sock.setsockopt(zmq.LINGER, 0)
    sock.bind(endpoint)
    proc = subprocess.Popen([str(program(name)), *args, f"--simSeed={seed}",
                             f"--gymEndpoint={endpoint}", "--gymTimeout=5"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    trace: list[tuple[Any, messages.EnvState]] = []
    try:
        assert sock.poll(20_000), "the program never sent its SimInitMsg"
        init = messages.decode_sim_init(sock.recv())
        space = init.action_space
        space.seed(seed)
        sock.send(messages.INIT_ACK)
        action = None
        while sock.poll(20_000):
            state = messages.decode_env_state(sock.recv(), init.observation_space)
            trace.append((action, state))
            if state.game_over:
                sock.send(messages.STOP)
                break
            action = as_client_sends(space.sample(), space)
            sock.send(encode(action, space))
        output, _ = proc.communicate(timeout=30)
    finally:
        proc.kill()
        proc.wait()
        sock.close()
    return proc.returncode, trace, output.decode(errors="replace")


@pytest.mark.parametrize("scenario", sorted(PROGRAMS))
def test_ns3gym_encoded_actions_act_as_ran_gym_encoded_ones(scenario, tmp_path):
    """The same sampled actions, once as ns3-gym's client encodes them (flat, FLOAT) and
    once as ran-gym does (shaped, the space's dtype), give the same observations,
    rewards and infos: the flat values were put back in the space's shape and dtype."""
    name, args = PROGRAMS[scenario]
    status, client, output = play(name, args, client_message, tmp_path)
    assert status == 0, output
    native_status, native, native_output = play(name, args, native_message, tmp_path)
    assert native_status == 0, native_output
    assert len(client) == len(native) >= 4  # the first state, 3 steps
    for (action, state), (native_action, expected) in zip(client, native, strict=True):
        if action is not None:
            assert_same(action, native_action)
        assert_same(state.observation, expected.observation)
        assert (state.reward, state.info) == (expected.reward, expected.info)


def test_space_echo_gets_back_what_the_client_sent(tmp_path):
    """Every Box of the Dict layout comes back in the space's shape, the float64 values
    of the DOUBLE Box as the float32 values the client put on the wire. The Tuple nested
    in the Dict travels as ran-gym encodes it (that client cannot send one, see below)."""
    def encode(action: Any, space: spaces.Space) -> bytes:
        data = client_data(action, space, space)
        dict_data = codec.unpack(data.data, pb.DictDataContainer, "action")
        for element in dict_data.element:
            if element.name == "tuple":
                element.CopyFrom(codec.data_to_proto(action["tuple"], space["tuple"], "tuple"))
        codec.pack_into(data.data, dict_data)
        return pb.EnvActMsg(actData=data).SerializeToString()

    status, trace, output = play(*ECHO_ALL, encode, tmp_path)
    assert status == 0, output
    assert len(trace) == 4
    for action, echoed in trace[1:]:
        assert_same(echoed.observation, action)
    assert trace[1][0]["box_int"].shape == (2, 3)
    double = trace[1][0]["box_double"]
    assert double.dtype == np.float64 and (double == double.astype(np.float32)).all()


def test_the_clients_tuple_inside_a_dict_is_refused_by_name(tmp_path):
    status, output = hostile_session(
        "ran-gym-space-echo", lambda s: [client_message(s.sample(), s)], tmp_path)
    assert status == PROTOCOL_STATUS, output
    assert '["tuple"][0]' in output


def flat_box(dtype: str, values: list) -> Any:
    field = codec.WIRE_DTYPES[pb.DTYPE[dtype]][1]
    out = pb.DataContainer(type=pb.SPACE_TYPE["Box"])
    codec.pack_into(out.data, pb.BoxDataContainer(dtype=pb.DTYPE[dtype], shape=[len(values)],
                                                  **{field: values}))
    return out


def slicing_with(key: str, values: list, dtype: str = "INT"):
    """A client-encoded oran-slicing action whose ``key`` Box is ``values``."""
    def reply(space: spaces.Dict) -> list[bytes]:
        data = client_data(space.sample(), space, space)
        dict_data = codec.unpack(data.data, pb.DictDataContainer, "action")
        for element in dict_data.element:
            if element.name == key:
                element.CopyFrom(flat_box(dtype, values))
                element.name = key
        codec.pack_into(data.data, dict_data)
        return act(data)
    return reply


SLICING = "ran-gym-oran-slicing"  # TINY: 1 RU, 2 UEs, 17 RBGs
BAD: dict[str, tuple[str, Any, str]] = {
    "NaN": ("ran-gym-reference", lambda s: act(flat_box("FLOAT", [float("nan")])),
            "Box element 0 = nan is outside"),
    "above high": ("ran-gym-interference", lambda s: act(flat_box("FLOAT", [1e9, 1.0])),
                   "Box element 0 = 1e+09 is outside"),
    "one value short": ("ran-gym-interference", lambda s: act(flat_box("FLOAT", [1.0])),
                        "Box shape [1] is neither the space's [2] nor its flat length [2]"),
    "a flat length off by one": (SLICING, slicing_with("prb_owner", [0] * 16),
                                 "is neither the space's [1,17] nor its flat length [17]"),
    "a fraction for an int Box": (SLICING, slicing_with("prb_owner", [0.5] + [0.0] * 16, "FLOAT"),
                                  "Box element 0 = 0.5 is not a whole number"),
    "below low": (SLICING, slicing_with("association", [-1, 0]),
                  "Box element 0 = -1 is outside [0, 0]"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_values_in_the_clients_encoding_are_still_refused(case, tmp_path):
    name, reply, reason = BAD[case]
    status, output = hostile_session(name, reply, tmp_path)
    assert status == PROTOCOL_STATUS, output
    assert reason in output
