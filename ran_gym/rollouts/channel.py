"""The step channel: the one call per env step between the learner and its rollout actors,
over ZeroMQ rather than as a Ray task.

Ray places the actors, restarts them and carries every other call (resets, attributes,
whole behaviour-policy episodes); but a Ray task costs about 1.3 ms of CPU per call
across the learner, the actor and Ray's daemons, on a 10 ms env step that costs about
19 ms (docs/benchmarks.md). Here an action goes out and the step's result comes back
as one ZeroMQ message each way, in the bytes of :mod:`ran_gym.rollouts.wire`.

- The learner binds one ``ROUTER`` socket on a random port: on loopback for a local Ray,
  on its address towards the cluster otherwise (:func:`ran_gym.cluster.channel_host`).
- It is a CURVE server (encrypted, authenticated): the learner draws a fresh server key
  pair and one client key pair for its actors, and hands the actors the client keys and
  the server's public key through Ray (whose token already authenticates every caller).
  Its ZAP handler admits that one client key and refuses any other peer, logging the
  refusal and counting it (``refused``); a peer without CURVE cannot even begin the
  handshake.
- Each actor connects a ``DEALER`` whose identity names its index and its process
  incarnation, says hello, and serves steps in a thread of its own: ``[seq, action]``
  in, ``[seq, status, result]`` out. A restarted actor comes back under a new identity,
  so nothing sent to its predecessor can reach it.
"""

from __future__ import annotations

import dataclasses
import hmac
import logging
import os
import secrets
import struct
import threading
from collections.abc import Callable

import zmq
from zmq.auth.thread import ThreadAuthenticator

log = logging.getLogger(__name__)

HELLO = b"hello"
OK = b"ok"
ERROR = b"error"
_SEQ = struct.Struct("<Q")
POLL_MS = 100
"""How often an actor's serving thread looks whether it should stop."""
TERM_TIMEOUT_S = 5.0
"""How long closing a channel waits for its ZeroMQ context to end (see :func:`_end`)."""


@dataclasses.dataclass(frozen=True)
class Link:
    """What an actor needs to reach its learner: where, and the CURVE keys (Z85)."""

    endpoint: str
    server_public: bytes
    client_public: bytes
    client_secret: bytes = dataclasses.field(repr=False)


class LearnerChannel:
    """The learner's end: one ROUTER socket that every actor connects to."""

    def __init__(self, host: str):
        self.context = zmq.Context()
        server_public, server_secret = zmq.curve_keypair()
        client_public, client_secret = zmq.curve_keypair()
        self._client_public = client_public
        self.refused = 0
        """Peers refused for a wrong key since the channel opened."""
        self.auth = ThreadAuthenticator(self.context, log=log.getChild("auth"))
        self.auth.start()
        try:
            self.auth.configure_curve_callback("*", credentials_provider=self)
            self.socket = self.context.socket(zmq.ROUTER)
            self.socket.linger = 0
            self.socket.curve_server = True
            self.socket.curve_publickey = server_public
            self.socket.curve_secretkey = server_secret
            self.socket.router_mandatory = True  # a gone peer raises, not silently drops
            port = self.socket.bind_to_random_port(f"tcp://{host}")
        except BaseException:
            self.close()
            raise
        self.link = Link(f"tcp://{host}:{port}", server_public, client_public, client_secret)
        self.ready: set[bytes] = set()
        """Identities that said hello (their connection is up)."""

    def callback(self, domain: str, key: bytes) -> bool:
        """ZAP: admit only this learner's client key."""
        if hmac.compare_digest(key, self._client_public):
            return True
        self.refused += 1
        log.warning("rollout channel: refused a peer with an unknown CURVE key %s",
                    key.decode())
        return False

    def send(self, peer: bytes, seq: int, payload: bytes) -> bool:
        """Send to ``peer``; False when it is not connected (gone, or not yet there)."""
        try:
            self.socket.send_multipart([peer, _SEQ.pack(seq), payload], copy=False)
        except zmq.ZMQError as error:
            if error.errno == zmq.EHOSTUNREACH:
                return False
            raise
        return True

    def receive(self, timeout_ms: int) -> list[tuple[bytes, int, bytes, bytes]]:
        """The answers that arrive within ``timeout_ms`` (the first wait; then what is
        already there): (peer, seq, status, payload). Hellos only mark peers ready."""
        out: list[tuple[bytes, int, bytes, bytes]] = []
        if not self.socket.poll(timeout_ms):
            return out
        while True:
            try:
                frames = self.socket.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return out
            if len(frames) != 4:
                log.warning("rollout channel: a message of %d frames dropped", len(frames))
                continue
            peer, seq, status, payload = frames
            if status == HELLO:
                self.ready.add(peer)
            else:
                out.append((peer, _SEQ.unpack(seq)[0], status, payload))

    def close(self) -> None:
        if hasattr(self, "socket"):
            self.socket.close(0)
        self.auth.stop()
        _end(self.context, "the learner's rollout channel")


class ActorChannel:
    """An actor's end: serves ``handle(action bytes) -> result bytes`` in a thread."""

    def __init__(self, link: Link, index: int, handle: Callable[[bytes], bytes]):
        self.identity = f"{index}:{os.getpid()}:{secrets.token_hex(4)}".encode()
        self._handle = handle
        self._stop = threading.Event()
        self.context = zmq.Context()
        self.socket = self.context.socket(zmq.DEALER)
        self.socket.linger = 0
        self.socket.identity = self.identity
        self.socket.curve_serverkey = link.server_public
        self.socket.curve_publickey = link.client_public
        self.socket.curve_secretkey = link.client_secret
        self.socket.connect(link.endpoint)
        self.socket.send_multipart([_SEQ.pack(0), HELLO, b""])
        self._thread = threading.Thread(target=self._serve, name="rollout-channel",
                                        daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        socket = self.socket
        while not self._stop.is_set():
            if not socket.poll(POLL_MS):
                continue
            seq, payload = socket.recv_multipart()
            try:
                status, result = OK, self._handle(payload)
            except Exception as error:  # noqa: BLE001 - the learner raises it
                status, result = ERROR, f"{type(error).__name__}: {error}".encode()
            socket.send_multipart([seq, status, result])

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10 * POLL_MS / 1e3)
        if self._thread.is_alive():  # still in a step: its socket is not ours to close
            log.warning("rollout channel %s: the serving thread did not stop; its socket "
                        "is left to the process's exit", self.identity.decode())
            return
        self.socket.close(0)
        _end(self.context, f"rollout channel {self.identity.decode()}")


def _end(context: zmq.Context, what: str) -> None:
    """``context.term()``, waited for at most :data:`TERM_TIMEOUT_S`. Every socket of
    ours is closed with linger 0 before, so it ends at once; but once, in the test
    suite, the learner's term blocked for good after a failed test (its cause inside
    libzmq was not found). A context that does not end in time is left, with a
    warning, to the process's exit, rather than hanging whoever closes the channel."""
    ending = threading.Thread(target=context.term, name="zmq-term", daemon=True)
    ending.start()
    ending.join(TERM_TIMEOUT_S)
    if ending.is_alive():
        log.warning("%s: its ZeroMQ context did not end within %g s; left to the "
                    "process's exit", what, TERM_TIMEOUT_S)

