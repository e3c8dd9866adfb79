"""A hostile simulator: connects like an ns-3 program and sends bytes that are not
valid messages. Used to check that the agent side fails cleanly.

usage: garbage_peer.py MODE --gymEndpoint=ADDRESS ...
MODE: garbage-init (garbage instead of SimInitMsg), garbage-state (a valid SimInitMsg,
then garbage instead of the first EnvStateMsg), wrong-shape (a state whose observation
has the wrong shape).
"""

import sys

import numpy as np
import zmq
from gymnasium import spaces

from bridge.protocol import codec
from bridge.protocol import schema as pb

mode = sys.argv[1]
endpoint = next(a.split("=", 1)[1] for a in sys.argv if a.startswith("--gymEndpoint="))
sock = zmq.Context.instance().socket(zmq.REQ)
sock.setsockopt(zmq.LINGER, 0)
sock.connect(endpoint)
GARBAGE = b"\xff\x00 this is not a protobuf message \x12\x99"
obs_space = spaces.Box(0, 1, (3,), np.float32)
init = pb.SimInitMsg(simProcessId=1, obsSpace=codec.space_to_proto(obs_space),
                     actSpace=codec.space_to_proto(spaces.Discrete(2)))
if mode == "garbage-init":
    sock.send(GARBAGE)
else:
    sock.send(init.SerializeToString())
    ack = pb.SimInitAck.FromString(sock.recv())
    if ack.stopSimReq:
        sys.exit(0)
    if mode == "garbage-state":
        sock.send(GARBAGE)
    else:
        wrong = codec.data_to_proto(np.zeros(2, np.float32), spaces.Box(0, 1, (2,), np.float32))
        sock.send(pb.EnvStateMsg(obsData=wrong).SerializeToString())
sock.poll(10_000)
