"""Faults around ``ran-gym train``: a simulator killed in the middle of a training with
``--auto-restart`` (the training completes its steps and counts the restart), and
``--out`` locked against a second training (a killed training's lock is taken over)."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from agents.common.checkpoint import load_torch
from ran_gym.cli import main
from tests.conftest import TESTS_DIR, program

SLICING = ["--scenario", "oran-slicing", "--param", "n_ues=4", "--param", "n_rus=2",
           "--param", "maxSteps=400", "--device", "cpu"]


def children(parent: int, name: str) -> list[int]:
    """Live child processes of ``parent`` whose program is called ``name`` (read from
    the kernel's list of its children: a few files, not a scan of /proc)."""
    found = []
    for listing in Path(f"/proc/{parent}/task").glob("*/children"):
        for pid in listing.read_text().split():
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
                argv0 = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode()
            except (OSError, IndexError):
                continue
            if state != "Z" and Path(argv0).name == name:
                found.append(int(pid))
    return found


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def lines(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.is_file() else 0


def kill_simulator_after(progress: Path, steps: int, killed: list[int],
                         name: str = "ran-gym-oran-slicing") -> threading.Thread:
    """SIGKILL this process's simulator ``name`` once ``progress`` has ``steps`` more
    rows than now, past its header (from a thread; the training runs in the main one)."""
    target = max(lines(progress), 1) + steps

    def watch() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if lines(progress) >= target:
                pids = children(os.getpid(), name)
                if pids:
                    os.kill(pids[0], signal.SIGKILL)
                    killed.append(pids[0])
                    return
            time.sleep(0.01)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_a_simulator_killed_mid_training_is_restarted_and_counted(tmp_path):
    """Diffusion-QL on the real slicing program, 20 steps in 400-step episodes: the
    simulator SIGKILLed after step 6 ends that episode; the training starts a fresh
    simulator, completes its 20 steps (the failed step stores nothing) and records one
    restart in progress.csv, TensorBoard and summary.json."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    program("ran-gym-oran-slicing")
    killed: list[int] = []
    watcher = kill_simulator_after(tmp_path / "progress.csv", 6, killed)
    code = main(["train", "--agent", "diffusion-ql", *SLICING, "--out", str(tmp_path),
                 "--iterations", "20", "--auto-restart", "--log-every", "6"])
    watcher.join()
    assert code == 0 and len(killed) == 1
    progress = rows(tmp_path / "progress.csv")
    assert [int(r["step"]) for r in progress] == list(range(1, 21))
    restarts = [int(r["simulator_restarts"]) for r in progress]
    assert restarts[:6] == [0] * 6 and restarts[-1] == 1 and restarts == sorted(restarts)
    assert json.loads((tmp_path / "summary.json").read_text()) == {
        "steps": 20, "simulator_restarts": 1}
    state = load_torch(tmp_path / "diffusion-ql.pt")
    assert state["num_timesteps"] == 20 and state["replay"]["size"] == 20
    events = EventAccumulator(str(tmp_path / "tensorboard"))
    events.Reload()
    scalars = events.Scalars("train/simulator_restarts")
    assert (scalars[0].value, scalars[-1].step, scalars[-1].value) == (0, 20, 1)
    assert not (tmp_path / ".lock").exists()  # released at the end
    assert json.loads((tmp_path / "config.json").read_text())["auto_restart"] is True


REFERENCE = ["train", "--agent", "dqn", "--scenario", "reference", "--param",
             "maxSteps=100000", "--device", "cpu"]


def test_a_second_training_into_the_same_out_is_refused(tmp_path, capsys):
    """A DQN training runs in another process: a second one into its --out is refused,
    naming that process, with and without --resume. Once it is SIGKILLed its lock stays
    and the next training with --resume takes it over (and, with --auto-restart, goes on
    past its own simulator SIGKILLed after 4 of 60 steps); one without --resume is
    refused because --out holds the earlier training."""
    program("ran-gym-reference")
    out = tmp_path / "dqn"
    first = subprocess.Popen([sys.executable, "-m", "ran_gym.cli", *REFERENCE, "--out", str(out),
                              "--iterations", "1000000"], cwd=TESTS_DIR.parent,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not (out / "progress.csv").is_file() and first.poll() is None \
                and time.monotonic() < deadline:
            time.sleep(0.05)
        assert first.poll() is None, first.stderr.read() if first.stderr else ""
        for extra in ([], ["--resume"]):
            capsys.readouterr()
            assert main([*REFERENCE, "--out", str(out), "--iterations", "2", *extra]) == 2
            error = capsys.readouterr().err
            assert f"is in use by another run (process {first.pid} on " in error, error
        simulators = children(first.pid, "ran-gym-reference")
    finally:
        first.kill()
        first.wait()
    for pid in simulators:  # left by the killed training: end them now
        os.kill(pid, signal.SIGKILL)
    assert (out / ".lock").read_text().split()[0] == str(first.pid)  # left behind
    assert main([*REFERENCE, "--out", str(out), "--iterations", "2"]) == 2
    assert "holds an earlier training" in capsys.readouterr().err
    # DQN with --auto-restart: its simulator SIGKILLed after 4 steps of 60
    killed: list[int] = []
    watcher = kill_simulator_after(out / "progress.csv", 4, killed, "ran-gym-reference")
    assert main([*REFERENCE, "--out", str(out), "--iterations", "60", "--resume",
                 "--auto-restart", "--log-every", "4"]) == 0
    watcher.join()
    assert len(killed) == 1
    assert json.loads((out / "summary.json").read_text()) == {
        "steps": 60, "simulator_restarts": 1}
    assert rows(out / "progress.csv")[-1]["simulator_restarts"] == "1"
    assert not (out / ".lock").exists()
