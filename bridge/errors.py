"""Errors the bridge raises; each message names what went wrong and where."""

from __future__ import annotations


class BridgeError(RuntimeError):
    """Base class of every error raised by the bridge."""


class ProtocolError(BridgeError):
    """A message from the simulator could not be decoded or breaks the protocol."""


class EndpointInUse(BridgeError):
    """The ZeroMQ endpoint asked for is already bound by another socket."""


class SimulatorNotFound(BridgeError):
    """The scenario program does not exist (the ns-3 programs were not built)."""


class SimulatorTimeout(BridgeError):
    """The simulator did not answer within the configured timeout."""


class SimulatorCrashed(BridgeError):
    """The simulator process exited while the agent was waiting for it.

    Carries the exit status, the last lines of its log and the exact command line,
    so that the failure can be reproduced by hand.
    """

    def __init__(self, what: str, returncode: int | None, log_tail: str, command: str):
        self.what = what
        self.returncode = returncode
        self.log_tail = log_tail
        self.command = command
        super().__init__(
            f"{what}: simulator exited with status {returncode}\n"
            f"--- last lines of its log ---\n{log_tail}\n"
            f"--- reproduce with ---\n{command}"
        )

    def __reduce__(self) -> tuple[type, tuple[str, int | None, str, str]]:
        """Pickled with its four fields (a worker process or Ray actor sends it back)."""
        return type(self), (self.what, self.returncode, self.log_tail, self.command)
