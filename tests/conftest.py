"""Shared test fixtures: paths, built programs, and a check that no simulator survives."""

from __future__ import annotations

import os
import signal
import uuid
from pathlib import Path

import pytest
import torch

from bridge.scenarios import find_program

TESTS_DIR = Path(__file__).resolve().parent
BIN_DIR = find_program("ran-gym-reference").parent  # where this checkout's programs are
WIRE_VECTORS = TESTS_DIR / "data" / "wire-vectors"
# Small networks beside an ns-3 process on 2 cores: one intra-op thread is both faster
# and immune to the stalls several threads suffer when the cores are busy.
torch.set_num_threads(1)
PROGRAMS = ("ran-gym-reference", "ran-gym-space-echo", "ran-gym-oran-slicing",
            "ran-gym-interference")
# Every process this test session starts inherits the mark, so the check below judges
# the session's own simulators only (not those of another session on the same checkout).
SESSION_MARK = f"RAN_GYM_TEST_SESSION={uuid.uuid4().hex}".encode()
os.environ["RAN_GYM_TEST_SESSION"] = SESSION_MARK.split(b"=", 1)[1].decode()


def sigint_as_in_a_terminal() -> None:
    """``preexec_fn`` for an agent process that a test interrupts with SIGINT: a run
    started in the background by a non-interactive shell (CI, nohup) inherits SIGINT
    ignored, and Python then never raises KeyboardInterrupt; a terminal's Ctrl-C does."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def program(name: str) -> Path:
    path = find_program(name)
    if not path.is_file():
        pytest.fail(f"{name} is not built ({path}); run `make build` first")
    return path


def running_simulators() -> list[tuple[int, str]]:
    """(pid, command) of every live process of this test session running one of this
    checkout's programs (another checkout's, session's or user's are not ours to judge)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv0 = (entry / "cmdline").read_bytes().split(b"\0")[0].decode()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state != "Z" and Path(argv0).name in PROGRAMS and Path(argv0).parent == BIN_DIR \
                and _marked(entry):
            found.append((int(entry.name), argv0))
    return found


def _marked(entry: Path) -> bool:
    try:
        return SESSION_MARK in (entry / "environ").read_bytes().split(b"\0")
    except OSError:
        return False


@pytest.fixture(scope="session", autouse=True)
def no_simulator_left_behind():
    before = {pid for pid, _ in running_simulators()}
    yield
    left = [(pid, cmd) for pid, cmd in running_simulators() if pid not in before]
    assert not left, f"ns-3 processes left running after the suite: {left}"


@pytest.fixture()
def reference_program() -> Path:
    return program("ran-gym-reference")


@pytest.fixture()
def echo_program() -> Path:
    return program("ran-gym-space-echo")


