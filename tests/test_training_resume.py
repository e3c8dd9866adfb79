"""Interruption and resume of ``ran-gym train``: exact resume on a deterministic toy
env, SIGTERM on the real ns-3 slicing scenario then --resume, the SIGINT/SIGTERM
handler, a SIGKILL that never leaves a torn checkpoint (``weights_only`` loads), SB3
DQN's digest-checked files, and --num-envs 2 for both trainers."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch

from agents.common.checkpoint import check_trusted, load_torch, write_trusted
from agents.common.diffusion import DiffusionConfig
from agents.common.training import StopOnSignal, TrainingLog
from agents.diffusion_ql import DiffusionQL, DiffusionQLConfig
from agents.dqn import DqnAgent, DqnConfig
from ran_gym.cli import main
from ran_gym.train.dqn import make_env as make_dqn_env
from tests.conftest import program

ROOT = Path(__file__).resolve().parents[1]
TINY = DiffusionQLConfig(diffusion=DiffusionConfig(steps=5, schedule="vp"), hidden=16, layers=2,
                         batch_size=16, learning_starts=10, candidates=2, ema_start=30,
                         ema_every=2, buffer_size=1000, guidance=0.0)


def pendulum() -> gym.Env:
    return gym.make("Pendulum-v1", max_episode_steps=15)


def tensors(agent: DiffusionQL) -> dict[str, torch.Tensor]:
    out = {}
    for name in ("actor", "ema_actor", "critic", "critic_target"):
        out.update({f"{name}.{k}": v for k, v in getattr(agent, name).state_dict().items()})
    for name in ("actor_optimizer", "critic_optimizer"):
        for i, s in getattr(agent, name).state_dict()["state"].items():
            out.update({f"{name}.{i}.{k}": v for k, v in s.items() if torch.is_tensor(v)})
    return out


def test_resume_at_an_episode_boundary_is_exact(tmp_path):
    """60 steps straight vs 30 + save + load in a fresh agent and env + 30: the same
    networks, optimiser moments, replay buffer and next decisions, bit for bit."""
    env = pendulum()
    straight = DiffusionQL(env.observation_space, env.action_space, TINY, seed=5, device="cpu")
    straight.learn(env, 60)

    first = DiffusionQL(env.observation_space, env.action_space, TINY, seed=5, device="cpu")
    first.learn(pendulum(), 30)  # 30 = two whole 15-step episodes
    path = first.save(tmp_path / "agent.pt")
    resumed = DiffusionQL.load(path, env.observation_space, env.action_space, device="cpu")
    resumed.learn(pendulum(), 30)

    assert (resumed.num_timesteps, resumed.num_updates) == (60, 60 - 10)
    a, b = tensors(straight), tensors(resumed)
    assert a.keys() == b.keys() and len(a) > 20
    for key in a:
        assert torch.equal(a[key], b[key]), key
    np.testing.assert_array_equal(straight.replay.observations[:60],
                                  resumed.replay.observations[:60])
    obs = np.array([0.3, -0.2, 0.5], np.float32)
    assert straight.act(np.stack([obs] * 3)).tolist() == resumed.act(np.stack([obs] * 3)).tolist()
    # a control: resuming without the checkpoint's RNG states does not give the same run
    other = DiffusionQL.load(path, env.observation_space, env.action_space, device="cpu")
    other.rng = np.random.default_rng(99)
    other.learn(pendulum(), 5)
    assert not torch.equal(tensors(other)["actor.net.0.weight"],
                           tensors(resumed_at(path, 5))["actor.net.0.weight"])


def resumed_at(path: Path, steps: int) -> DiffusionQL:
    env = pendulum()
    agent = DiffusionQL.load(path, env.observation_space, env.action_space, device="cpu")
    return agent.learn(env, steps)


SLICING = ["--scenario", "oran-slicing", "--param", "n_ues=4", "--param", "n_rus=2",
           "--param", "maxSteps=400", "--device", "cpu"]


def signal_when(path: Path, signum: int, timeout_s: float = 60) -> threading.Thread:
    """Send ``signum`` to this process once ``path`` exists (from a thread: the handler
    runs in the main thread, between two steps of the trainer running there)."""
    def wait_then_signal() -> None:
        deadline = time.monotonic() + timeout_s
        while not path.is_file() and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(os.getpid(), signum)

    thread = threading.Thread(target=wait_then_signal, daemon=True)
    thread.start()
    return thread


def test_sigterm_writes_the_checkpoint_and_resume_continues(tmp_path, capsys):
    """SIGTERM in the middle of a long run on the real slicing scenario: the trainer
    writes its checkpoint at a step boundary and returns 143 (128 + 15), after a
    periodic checkpoint, progress lines and TensorBoard events; --resume continues the
    step counter and the replay buffer from there."""
    program("ran-gym-oran-slicing")
    checkpoint = tmp_path / "diffusion-ql.pt"
    args = ["train", "--agent", "diffusion-ql", *SLICING, "--out", str(tmp_path)]
    sender = signal_when(checkpoint, signal.SIGTERM)
    code = main([*args, "--iterations", "100000", "--checkpoint-every", "5",
                 "--log-every", "5"])
    sender.join()
    output = capsys.readouterr()
    assert code == 128 + signal.SIGTERM, output
    assert "--resume continues" in output.out
    assert "SIGTERM: stopping" in output.err and "step 5/100000" in output.err
    assert "steps/s" in output.err and "ETA" in output.err
    state = load_torch(checkpoint)
    steps = state["num_timesteps"]
    rows = (tmp_path / "progress.csv").read_text().splitlines()
    assert steps >= 5 and rows[-1].split(",")[0] == str(steps)  # the last step taken
    assert state["replay"]["size"] == steps == len(rows) - 1
    assert any((tmp_path / "tensorboard").iterdir())

    assert main([*args, "--iterations", "3", "--resume"]) == 0
    again = load_torch(checkpoint)
    assert (again["num_timesteps"], again["replay"]["size"]) == (steps + 3, steps + 3)
    torch.testing.assert_close(again["replay"]["rewards"][:steps], state["replay"]["rewards"])


def test_first_signal_asks_to_stop_and_a_second_one_interrupts():
    before = signal.getsignal(signal.SIGINT)  # SIG_IGN when started in the background
    with StopOnSignal() as stop:
        assert not stop()
        os.kill(os.getpid(), signal.SIGINT)  # handled at once by the main thread
        assert stop() and stop.exit_code == 130
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGTERM)
    assert signal.getsignal(signal.SIGINT) is before  # restored


KILLED_WRITER = """
import sys
import torch
from agents.common.checkpoint import save_torch
state = {"replay": torch.arange(1_500_000, dtype=torch.float32), "num_timesteps": 0}
while True:
    state["num_timesteps"] += 1
    save_torch(state, sys.argv[1])
    print(state["num_timesteps"], flush=True)
"""


def test_sigkill_mid_write_leaves_the_last_complete_checkpoint(tmp_path):
    """A writer killed with SIGKILL while it rewrites a 6 MB checkpoint in a loop: the
    file on disk always loads (weights_only) and is one of the versions written."""
    path = tmp_path / "agent.pt"
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(path)], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None
        written = [int(writer.stdout.readline()) for _ in range(3)]
        time.sleep(0.05)
    finally:
        writer.kill()
        writer.wait()
    assert writer.returncode == -signal.SIGKILL
    state = load_torch(path)
    assert state["num_timesteps"] >= written[-1]
    assert torch.equal(state["replay"], torch.arange(1_500_000, dtype=torch.float32))


def test_dqn_loads_back_only_the_files_it_wrote(tmp_path):
    """SB3's zip and pickled replay buffer are loaded only when their SHA-256 is the one
    the run recorded; a replaced file is refused before anything is unpickled."""
    env = gym.make("CartPole-v1")
    config = DqnConfig(buffer_size=500, learning_starts=20, batch_size=8, hidden=8, layers=1)
    agent = DqnAgent(env, config, seed=1, device="cpu").learn(40)
    path = agent.save(tmp_path / "dqn")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "dqn.replay.pkl", "dqn.sha256.json", "dqn.zip"]  # no staged file left
    again = DqnAgent.load(path, env, device="cpu")
    assert again.model.num_timesteps == 40 and again.model.replay_buffer.size() == 40
    obs = np.array([0.01, 0.2, -0.03, -0.3], np.float32)
    assert again.predict(obs)[0] == agent.predict(obs)[0]

    other = DqnAgent(env, config, seed=2, device="cpu").learn(30)
    other.model.save_replay_buffer(tmp_path / "dqn.replay.pkl")  # not through save()
    with pytest.raises(ValueError, match="dqn.replay.pkl"):
        DqnAgent.load(path, env, device="cpu")
    (tmp_path / "dqn.sha256.json").unlink()
    with pytest.raises(ValueError, match=r"not a DQN checkpoint \(expected .*dqn.zip and, "
                                         r"beside it, dqn.sha256.json"):
        DqnAgent.load(path, env, device="cpu")


def test_a_failed_multi_file_write_keeps_the_previous_files_trusted(tmp_path):
    manifest = tmp_path / "m.sha256.json"
    write_trusted(manifest, {"a": lambda p: p.write_text("a1"), "b": lambda p: p.write_text("b1")})

    def broken(p: Path) -> None:
        raise OSError("disk full")

    with pytest.raises(OSError):
        write_trusted(manifest, {"a": lambda p: p.write_text("a2"), "b": broken})
    assert (tmp_path / "a").read_text() == "a1"  # nothing renamed before all were staged
    check_trusted(manifest, tmp_path / "a")
    check_trusted(manifest, tmp_path / "b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "m.sha256.json"]


@pytest.mark.parametrize("agent", ["diffusion-ql", "dqn"])
def test_num_envs_two_collects_from_two_simulators(tmp_path, agent):
    """--num-envs 2: two ns-3 processes step at once; every vector step stores two
    transitions (the step counter moves by 2 per progress row)."""
    program("ran-gym-oran-slicing")
    args = ["train", "--agent", agent, "--scenario", "oran-slicing", "--param", "n_ues=4",
            "--param", "n_rus=2", "--param", "maxSteps=3", "--device", "cpu",
            "--out", str(tmp_path), "--num-envs", "2", "--iterations", "8"]
    assert main(args) == 0
    rows = [line.split(",")[0] for line in (tmp_path / "progress.csv").read_text().splitlines()]
    assert rows == ["step", "2", "4", "6", "8"]
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["num_envs"] == 2
    if agent == "diffusion-ql":
        state = load_torch(tmp_path / "diffusion-ql.pt")
        assert state["num_timesteps"] == 8 and state["replay"]["size"] == 8
        rewards = state["replay"]["rewards"]
        assert not torch.equal(rewards[0::2], rewards[1::2])  # two different simulators
    else:
        env = make_dqn_env("oran-slicing", {"n_ues": "4", "n_rus": "2", "maxSteps": "3"})
        try:
            model = DqnAgent.load(tmp_path / "dqn.zip", env, device="cpu").model
        finally:
            env.close()
        assert model.num_timesteps == 8 and model.replay_buffer.size() * 2 == 8


def test_training_log_lines_csv_and_tensorboard(tmp_path):
    """Three sub-envs move the step counter by 3: a line each time a multiple of 5 is
    crossed, with the mean reward since the previous line (steps 3, 6 -> 4.5; 9, 12 ->
    10.5; 15 -> 15); every step in the CSV and in TensorBoard."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    stream = io.StringIO()
    log = TrainingLog(tmp_path, ["reward", "loss"], 15, every=5, stream=stream)
    for step in (3, 6, 9, 12, 15):
        log.record(step, {"reward": float(step), "loss": 0.5})
    log.close()
    lines = stream.getvalue().splitlines()
    assert [line.split("  ")[0] for line in lines] == [
        "step 6/15 (40%)", "step 12/15 (80%)", "step 15/15 (100%)"]
    assert [line.split("  ")[1] for line in lines] == ["reward 4.5", "reward 10.5", "reward 15"]
    rows = (tmp_path / "progress.csv").read_text().splitlines()
    assert rows[0] == "step,reward,loss" and rows[-1] == "15,15.0,0.5" and len(rows) == 6
    events = EventAccumulator(str(tmp_path / "tensorboard"))
    events.Reload()
    rewards = [(e.step, e.value) for e in events.Scalars("train/reward")]
    assert rewards == [(3, 3.0), (6, 6.0), (9, 9.0), (12, 12.0), (15, 15.0)]
