"""A well-behaved simulator in a few lines: connects like an ns-3 program and plays a
fixed script, so that tests can see what the agent side does with each message.

usage: scripted_peer.py MODE EPISODE RECORD --gymEndpoint=ADDRESS ... --simSeed=S
EPISODE: "probe" or the episode number (the env's ``{episode}``); RECORD: a file where
the peer appends, per run, its arguments at start and, when it ends by itself, every
answer it got (JSON lines with its pid); with ``--out=PATH``, the mode of PATH's
directory.
MODE: ``two-steps`` (observations [s, s, s] for steps s = 0, 1, 2, then a game over at
step 2 with the reason in ``--reason=``, GameOver or SimulationEnd; infos '{"step": s}'),
``empty-final`` (one step, then a final state whose Box has its shape but no values and
the info "the end"), ``other-spaces`` (the episode announces a Box of 4 values where the
probe announced 3).
"""

import json
import os
import sys

import numpy as np
import zmq
from gymnasium import spaces

from bridge.protocol import codec
from bridge.protocol import schema as pb

mode, episode, record = sys.argv[1], sys.argv[2], sys.argv[3]
flags = dict(a[2:].split("=", 1) for a in sys.argv[4:] if a.startswith("--") and "=" in a)
sock = zmq.Context.instance().socket(zmq.REQ)
sock.setsockopt(zmq.LINGER, 0)
sock.connect(flags["gymEndpoint"])
size = 4 if mode == "other-spaces" and episode != "probe" else 3
obs_space = spaces.Box(0, 10, (size,), np.float32)
answers: list[dict] = []


def log(**entry: object) -> None:
    with open(record, "a") as out:
        out.write(json.dumps({"pid": os.getpid(), **entry}) + "\n")


# The arguments first: the env may end the process (a probe's, at once) after its
# first message, so the answers are only written by a run the env lets finish.
out_dir = os.path.dirname(flags["out"]) if "out" in flags else None
log(episode=episode, argv=sys.argv[4:],
    out_dir_mode=os.stat(out_dir).st_mode & 0o7777 if out_dir else None)


def exchange(message: bytes, answer_class) -> object:  # noqa: ANN001
    sock.send(message)
    if not sock.poll(10_000):
        log(answers=answers)
        sys.exit(3)
    answer = answer_class.FromString(sock.recv())
    if answer_class is pb.SimInitAck:
        answers.append({"done": answer.done, "stop": answer.stopSimReq})
    else:
        answers.append({"stop": answer.stopSimReq,
                        "action": codec.data_from_proto(answer.actData)
                        if answer.HasField("actData") else None})
    return answer


def state(step: int, over: bool = False, values: bool = True, info: str = "") -> bytes:
    box = codec.data_to_proto(np.full(size, step, np.float32), obs_space)
    if not values:
        box = pb.DataContainer(type=pb.SPACE_TYPE["Box"])
        codec.pack_into(box.data, pb.BoxDataContainer(dtype=pb.DTYPE["FLOAT"], shape=[size]))
    reason = pb.REASON_GAME_OVER if flags.get("reason") == "GameOver" else pb.REASON_SIMULATION_END
    return pb.EnvStateMsg(obsData=box, reward=float(step), isGameOver=over, reason=reason,
                          info=info or json.dumps({"step": step})).SerializeToString()


init = pb.SimInitMsg(simProcessId=1, obsSpace=codec.space_to_proto(obs_space),
                     actSpace=codec.space_to_proto(spaces.Discrete(2)))
ack = exchange(init.SerializeToString(), pb.SimInitAck)
if not ack.stopSimReq:
    steps = 1 if mode == "empty-final" else 2
    for step in range(steps):
        if exchange(state(step), pb.EnvActMsg).stopSimReq:
            break
    else:
        final = state(steps, over=True, values=mode != "empty-final",
                      info="the end" if mode == "empty-final" else "")
        exchange(final, pb.EnvActMsg)  # the agent answers a final state only to stop
log(answers=answers)
