"""Run directories under faults: a full disk (a 1 MiB tmpfs), a read-only one, two runs
in one directory, a run killed outright. Clear errors; earlier results stay intact."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ran_gym.cli import main as cli
from ran_gym.rundir import LOCK_NAME, RunDirectory
from tests.conftest import TESTS_DIR

REPO = TESTS_DIR.parent


def snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def simulators_writing_to(out: Path) -> list[int]:
    """Processes whose command line names ``out`` (the trace flag of ``ran-gym run``)."""
    found = []
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if entry.name.isdigit() and str(out).encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
    return found


def tiny_run(out: Path, *extra: str) -> int:
    return cli(["run", "--scenario", "reference", "--steps", "6", "--param", "maxSteps=3",
                "--out", str(out), *extra])


@pytest.fixture()
def small_disk(tmp_path):
    """A 1 MiB tmpfs: a real file system that fills up (needs root to mount)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def fill(disk: Path) -> None:
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as err:
        assert err.errno == errno.ENOSPC
    finally:
        os.close(fd)


def test_disk_full_is_a_clear_error_and_earlier_results_stay(reference_program, small_disk,
                                                           capsys):
    earlier = small_disk / "earlier"
    assert tiny_run(earlier) == 0
    before = snapshot(earlier)
    assert "summary.json" in before
    resumed = RunDirectory(earlier, resume=True)  # its lock written while there is room
    fill(small_disk)
    try:
        capsys.readouterr()
        assert tiny_run(small_disk / "new") == 2
        message = capsys.readouterr().err
        assert "ran-gym: error: " in message and "No space left on device" in message, message
        assert not list((small_disk / "new").glob(".*"))  # no lock, no half-written file
        # Rewriting a file of the earlier run on the full disk: refused, the old one kept.
        with pytest.raises(OSError, match=r"cannot write .*summary.json: No space left"):
            resumed.write_json("summary.json", {"x": "y" * 100_000})
    finally:
        resumed.release()
    assert snapshot(earlier) == before


def test_read_only_run_directory_is_a_clear_error(reference_program, small_disk, capsys):
    earlier = small_disk / "earlier"
    assert tiny_run(earlier) == 0, capsys.readouterr().err
    before = snapshot(earlier)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    capsys.readouterr()
    assert tiny_run(earlier, "--overwrite") == 2
    assert "is not writable" in capsys.readouterr().err
    assert tiny_run(small_disk / "new") == 2
    assert "cannot create run directory" in capsys.readouterr().err
    assert snapshot(earlier) == before


def test_second_run_in_the_same_directory_is_refused(tmp_path):
    first = RunDirectory(tmp_path / "run")
    first.write_json("config.json", {"a": 1})
    try:
        for options in ({}, {"overwrite": True}, {"resume": True}):
            with pytest.raises(ValueError, match=rf"in use by another run \(process {os.getpid()}"):
                RunDirectory(tmp_path / "run", **options)
    finally:
        first.release()
    resumed = RunDirectory(tmp_path / "run", resume=True)  # its files stay
    assert json.loads((tmp_path / "run" / "config.json").read_text()) == {"a": 1}
    resumed.release()


def test_a_killed_run_leaves_a_lock_the_next_run_takes_over(reference_program, tmp_path,
                                                          capsys):
    out = tmp_path / "run"
    agent = subprocess.Popen(
        [sys.executable, "-m", "ran_gym.cli", "run", "--scenario", "reference", "--steps",
         "10000000", "--param", "maxSteps=1000000", "--out", str(out), "--timeout", "5"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not (out / "sim-episode-0000.log").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert (out / LOCK_NAME).read_text().split()[0] == str(agent.pid)
        assert tiny_run(out, "--overwrite") == 2  # the first run is still going
        assert f"in use by another run (process {agent.pid}" in capsys.readouterr().err
        agent.send_signal(signal.SIGKILL)
        agent.wait()
    finally:
        agent.kill()
        agent.wait()
    for pid in simulators_writing_to(out):  # else gone after its own 60 s timeout
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
    assert (out / LOCK_NAME).exists()  # SIGKILL: nothing could remove it
    (out / "config.json").touch()  # what a killed run has written so far
    # The lock's process is gone: the lock is taken over.
    assert tiny_run(out, "--overwrite") == 0, capsys.readouterr().err
    assert json.loads((out / "summary.json").read_text())["steps"] == 6
    assert not (out / LOCK_NAME).exists()
