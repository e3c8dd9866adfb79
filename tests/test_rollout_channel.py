"""The rollout step channel (ran_gym.rollouts.channel) on its own: answers matched to their
step, an actor's error named, a gone peer told apart, and peers without the learner's
client key refused. The Ray rollout tests run it inside actors."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator

import pytest
import zmq
from zmq.utils.monitor import recv_monitor_message

from ran_gym.rollouts import channel
from ran_gym.rollouts.channel import ERROR, HELLO, OK, ActorChannel, LearnerChannel

LOOPBACK = "127.0.0.1"


@pytest.fixture
def learner() -> Iterator[LearnerChannel]:
    opened = LearnerChannel(LOOPBACK)
    yield opened
    opened.close()


def _until_ready(learner: LearnerChannel, peer: bytes, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while peer not in learner.ready:
        assert time.monotonic() < deadline, f"{peer!r} never said hello"
        assert learner.receive(50) == []


def _answers(learner: LearnerChannel, count: int, timeout_s: float = 10.0) -> list:
    out: list = []
    deadline = time.monotonic() + timeout_s
    while len(out) < count and time.monotonic() < deadline:
        out += learner.receive(50)
    return out


def _reverse_or_fail(payload: bytes) -> bytes:
    if payload == b"fail":
        raise ValueError("no such action")
    return payload[::-1]


def test_each_answer_comes_back_with_its_step_and_an_error_by_name(learner):
    actors = [ActorChannel(learner.link, i, _reverse_or_fail) for i in range(2)]
    try:
        a, b = (actor.identity for actor in actors)
        assert a.startswith(b"0:") and b.startswith(b"1:") and a != b
        for peer in (a, b):
            _until_ready(learner, peer)
        assert learner.send(a, 7, b"abc") and learner.send(b, 8, b"fail")
        answers = sorted(_answers(learner, 2))
        assert answers[0] == (a, 7, OK, b"cba")
        peer, seq, status, payload = answers[1]
        assert (peer, seq, status) == (b, 8, ERROR)
        assert payload.decode() == "ValueError: no such action"
        assert learner.refused == 0
    finally:
        for actor in actors:
            actor.close()


def test_a_gone_peer_is_told_apart_not_waited_for(learner):
    actor = ActorChannel(learner.link, 0, _reverse_or_fail)
    peer = actor.identity
    _until_ready(learner, peer)
    actor.close()
    deadline = time.monotonic() + 10
    while learner.send(peer, 1, b"x"):  # until the learner has seen the connection drop
        assert time.monotonic() < deadline, "a closed peer still counts as connected"
        time.sleep(0.05)
    assert not learner.send(b"0:never:there", 2, b"x")


def _intruder(learner: LearnerChannel, curve: bool) -> tuple[zmq.Socket, zmq.Socket]:
    """A DEALER that knows the learner's address (and, with ``curve``, its server key)
    but not the client key it hands its actors; and a monitor of its handshakes."""
    socket = learner.context.socket(zmq.DEALER)
    socket.linger = 0
    if curve:
        public, secret = zmq.curve_keypair()
        socket.curve_serverkey = learner.link.server_public
        socket.curve_publickey, socket.curve_secretkey = public, secret
    monitor = socket.get_monitor_socket(zmq.EVENT_HANDSHAKE_SUCCEEDED
                                        | zmq.EVENT_HANDSHAKE_FAILED_AUTH
                                        | zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL)
    socket.identity = b"0:intruder"
    socket.connect(learner.link.endpoint)
    socket.send_multipart([b"\0" * 8, HELLO, b""])
    socket.send_multipart([b"\1" + b"\0" * 7, OK, b"forged"])
    return socket, monitor


@pytest.mark.parametrize("curve", [True, False], ids=["wrong-key", "no-curve"])
def test_a_peer_without_the_learners_client_key_is_refused(learner, curve, caplog):
    caplog.set_level(logging.WARNING, logger="ran_gym.rollouts.channel")
    socket, monitor = _intruder(learner, curve)
    try:
        assert monitor.poll(10_000), "the intruder's handshake never ended"
        event = recv_monitor_message(monitor)["event"]
        expected = (zmq.EVENT_HANDSHAKE_FAILED_AUTH if curve
                    else zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL)
        assert event == expected
        assert learner.receive(500) == []  # nothing of it gets through
        assert b"0:intruder" not in learner.ready
        assert learner.refused == (1 if curve else 0)
        if curve:
            assert "refused a peer with an unknown CURVE key" in caplog.text
        actor = ActorChannel(learner.link, 0, _reverse_or_fail)  # the right key still works
        try:
            _until_ready(learner, actor.identity)
            assert learner.send(actor.identity, 3, b"ok")
            assert _answers(learner, 1) == [(actor.identity, 3, OK, b"ko")]
        finally:
            actor.close()
    finally:
        socket.disable_monitor()
        monitor.close(0)
        socket.close(0)


def test_closing_a_channel_never_hangs_on_its_context(monkeypatch, caplog):
    """A context whose term blocks (a socket of it still open) is waited for at most
    TERM_TIMEOUT_S, then left with a warning: closing a channel does not hang."""
    monkeypatch.setattr(channel, "TERM_TIMEOUT_S", 0.3)
    context = zmq.Context()
    left_open = context.socket(zmq.PUSH)  # term() waits for it for as long as it is open
    closer = threading.Thread(target=channel._end, args=(context, "a test context"),
                              daemon=True)
    with caplog.at_level(logging.WARNING, logger="ran_gym.rollouts.channel"):
        started = time.monotonic()
        closer.start()
        closer.join(10)
        assert not closer.is_alive(), "_end waited for a context that cannot end"
        assert 0.25 < time.monotonic() - started < 5
    assert "a test context: its ZeroMQ context did not end within 0.3 s" in caplog.text
    left_open.close(0)  # now the term left behind can end
    deadline = time.monotonic() + 10
    while not context.closed and time.monotonic() < deadline:
        time.sleep(0.05)
    assert context.closed
