"""Stable-Baselines3's own DQN, behind ran-gym's agent interface.

Nothing of DQN is re-implemented here: this module picks its settings, trains it
against an env with a Discrete action space (for the slicing scenario, the catalogue
of slice-level RBG splits × power levels, bridge.slicing.CatalogueActionWrapper),
and saves/loads SB3's own checkpoint (policy, target network, optimiser; the replay
buffer beside it, so that a resumed run keeps its experience).
"""

from __future__ import annotations

import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
from stable_baselines3 import DQN
from stable_baselines3.common.logger import Logger
from stable_baselines3.common.utils import get_linear_fn
from stable_baselines3.common.vec_env import VecEnv

from agents.common.checkpoint import MANIFEST_SUFFIX, check_trusted, restoring, write_trusted
from agents.dqn.features import SymlogFlatten
from bridge.validate import COUNT, POSITIVE, Bounds, check_fields

UNIT = Bounds(0, 1)


@dataclass(frozen=True)
class DqnConfig:
    learning_rate: float = 1e-3
    """Adam learning rate."""
    buffer_size: int = 200_000
    """Replay capacity (Table I's)."""
    batch_size: int = 128
    """Mini-batch size (Table I's)."""
    gamma: float = 0.98
    """Discount factor (Table I's)."""
    learning_starts: int = 256
    """Steps collected before the first update."""
    train_freq: int = 1
    """Environment steps between updates."""
    target_update_interval: int = 500
    """Steps between target-network copies."""
    exploration_fraction: float = 0.3
    """Share of training over which ε falls from 1 to ``exploration_final_eps``."""
    exploration_final_eps: float = 0.05
    """Final ε of the ε-greedy exploration."""
    hidden: int = 128
    """Width of the Q network's hidden layers."""
    layers: int = 3
    """Hidden layers of the Q network."""

    def __post_init__(self) -> None:
        check_fields(self, {
            "learning_rate": POSITIVE, "buffer_size": COUNT, "batch_size": COUNT,
            "gamma": UNIT, "learning_starts": Bounds(0, integer=True), "train_freq": COUNT,
            "target_update_interval": COUNT, "exploration_fraction": UNIT,
            "exploration_final_eps": UNIT, "hidden": COUNT, "layers": COUNT,
        })


class DqnAgent:
    def __init__(self, env: gym.Env | VecEnv, config: DqnConfig | None = None, seed: int = 0,
                 device: str = "auto", model: DQN | None = None):
        if not isinstance(env.action_space, gym.spaces.Discrete):
            raise TypeError("DQN needs a Discrete action space (for oran-slicing: "
                            "bridge.slicing.CatalogueActionWrapper)")
        self.config = config or DqnConfig()
        c = self.config
        self.model = model or DQN(
            "MlpPolicy", env, learning_rate=c.learning_rate, buffer_size=c.buffer_size,
            batch_size=c.batch_size, gamma=c.gamma, learning_starts=c.learning_starts,
            train_freq=c.train_freq, target_update_interval=c.target_update_interval,
            exploration_fraction=c.exploration_fraction,
            exploration_final_eps=c.exploration_final_eps,
            policy_kwargs={"net_arch": [c.hidden] * c.layers,
                           "features_extractor_class": SymlogFlatten},
            seed=seed, device=device,
            verbose=0)

    def predict(self, observation: Any, state: Any = None, episode_start: Any = None,
                deterministic: bool = True) -> tuple[Any, Any]:
        action, next_state = self.model.predict(observation, state, episode_start,
                                                deterministic=deterministic)
        return int(action), next_state

    def learn(self, total_timesteps: int, resume: bool = False, callback: Any = None
              ) -> DqnAgent:
        """SB3's ``learn``; ``resume`` keeps the step counter (and so ε's schedule position
        relative to the new total)."""
        if not self.model._custom_logger:
            # SB3's default logger makes an empty /tmp/SB3-<date> folder at every learn();
            # this one keeps the values (callbacks read them) and writes nowhere
            self.model.set_logger(Logger(None, []))
        self.model.learn(total_timesteps, callback=callback, reset_num_timesteps=not resume)
        return self

    def fine_tune(self, seed: int) -> DqnAgent:
        """Go on from a loaded model in a new training: replay buffer and networks kept,
        ε held at its final value (no second exploration from 1), updates from the first
        step, the step counter and generators started again from ``seed``."""
        model = self.model
        model.exploration_initial_eps = model.exploration_final_eps
        model.exploration_schedule = get_linear_fn(model.exploration_final_eps,
                                                   model.exploration_final_eps, 1.0)
        model.learning_starts = 0
        model.num_timesteps = 0
        model.set_random_seed(seed)
        return self

    def save(self, path: str | Path) -> Path:
        """Write ``<path>.zip`` (SB3's policy, target network, optimiser, counters), its
        replay buffer ``<path>.replay.pkl`` and the digests of both in
        ``<path>.sha256.json``, each atomically (agents.common.checkpoint.write_trusted)."""
        path = Path(path).with_suffix("")
        write_trusted(path.with_suffix(MANIFEST_SUFFIX), {
            f"{path.name}.replay.pkl": self.model.save_replay_buffer,
            f"{path.name}.zip": self.model.save,
        }, suffixes={f"{path.name}.replay.pkl": ".pkl", f"{path.name}.zip": ".zip"})
        return path.with_suffix(".zip")

    @staticmethod
    def publish(path: str | Path, out: str | Path) -> Path:
        """Copy the checkpoint ``path`` (its zip, which its manifest must trust) to
        ``out`` with a manifest of its own, without the replay buffer: a file under any
        name that :meth:`load` takes, to evaluate the agent or fine-tune it afresh."""
        source = Path(path).with_suffix("")
        check_trusted(source.with_suffix(MANIFEST_SUFFIX), source.with_suffix(".zip"))
        out = Path(out).with_suffix("")
        out.parent.mkdir(parents=True, exist_ok=True)
        write_trusted(out.with_suffix(MANIFEST_SUFFIX), {
            f"{out.name}.zip": lambda staged: shutil.copyfile(source.with_suffix(".zip"), staged),
        }, suffixes={f"{out.name}.zip": ".zip"})
        return out.with_suffix(".zip")

    @classmethod
    def load(cls, path: str | Path, env: gym.Env | VecEnv, device: str = "auto") -> DqnAgent:
        """Load what :meth:`save` wrote. SB3's own format: a zip whose ``data`` entry is
        JSON with cloudpickled objects (schedules, spaces) and whose tensors are
        ``torch.load``-ed, and a pickled replay buffer: neither loads ``weights_only``,
        so unpickling can run code. Only files whose SHA-256 the manifest beside them
        records (files this run wrote) are loaded; others raise ValueError."""
        given, path = path, Path(path).with_suffix("")
        manifest = path.with_suffix(MANIFEST_SUFFIX)
        zip_path, replay = path.with_suffix(".zip"), path.with_suffix(".replay.pkl")
        if not (zip_path.is_file() and manifest.is_file()):
            raise ValueError(f"{given}: not a DQN checkpoint (expected {zip_path} and, beside "
                             f"it, {manifest.name}, as `ran-gym train --agent dqn` writes them)")
        with restoring(given, "DQN"):
            check_trusted(manifest, zip_path)
            model = DQN.load(zip_path, env=env, device=device)
            if replay.is_file():
                check_trusted(manifest, replay)
                model.load_replay_buffer(replay)
        return cls(env, model=model)

    def describe(self) -> dict[str, Any]:
        return asdict(self.config)
