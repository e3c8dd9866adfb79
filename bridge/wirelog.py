"""Records the frames of a session as JSON lines, in the format of the wire vectors:
``{"dir", "type", "len", "hex", "text"}`` with ``text`` in protobuf text format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO

from google.protobuf import text_format

from bridge.protocol import schema as pb

SIM_TO_AGENT = "sim->py"
AGENT_TO_SIM = "py->sim"


class WireLog:
    def __init__(self, path: Path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[str] | None = open(path, "a", encoding="utf-8")  # noqa: SIM115

    def record(self, direction: str, message_type: str, payload: bytes) -> None:
        if self._file is None:
            return
        message = pb.message_class(message_type)()
        try:
            message.ParseFromString(payload)
            text = text_format.MessageToString(message, as_one_line=True, descriptor_pool=pb.POOL)
        except Exception as err:  # noqa: BLE001 - a log must not fail the session
            text = f"<undecodable: {err}>"
        line = {"dir": direction, "type": message_type, "len": len(payload),
                "hex": payload.hex(), "text": text}
        self._file.write(json.dumps(line) + "\n")
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
