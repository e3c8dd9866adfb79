"""Every checkpoint loader turns a file that is not its checkpoint (a text file, an
empty file, a truncated checkpoint, another agent's checkpoint, no file at all) into a
ValueError of one line that names the file and the kind of checkpoint expected; the CLI
prints that line alone and exits 2."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces

from agents.diffusion_ql import DiffusionQL, DiffusionQLConfig
from agents.dqn import DqnAgent, DqnConfig
from agents.gdm import load_policy
from agents.sapd.train import load_checkpoint
from agents.ssvae import SsVaeAgent, SsVaeConfig
from ran_gym.cli import main

AGENTS = Path(__file__).resolve().parent.parent / "agents"
OBS = spaces.Box(-1, 1, (3,), np.float32)
ACT = spaces.Box(-1, 1, (2,), np.float32)


class TinyDiscreteEnv(gym.Env):
    """Just spaces, for SB3's DQN to be built and saved against."""

    observation_space = OBS
    action_space = spaces.Discrete(3)


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory) -> dict[str, Path]:
    """A real checkpoint of every agent kind."""
    root = tmp_path_factory.mktemp("checkpoints")
    dql = DiffusionQL(OBS, ACT, DiffusionQLConfig(hidden=32, layers=2), seed=0, device="cpu")
    ssvae = SsVaeAgent(OBS, ACT, SsVaeConfig(hidden=16, latent=2, batch_size=8), seed=0)
    dqn = DqnAgent(TinyDiscreteEnv(), DqnConfig(buffer_size=64), device="cpu")
    return {
        "diffusion-ql": dql.save(root / "diffusion-ql.pt"),
        "ss-vae": ssvae.save(root / "ss-vae.pt"),
        "dqn": dqn.save(root / "dqn.zip"),
        "gdm": AGENTS / "gdm" / "pretrained" / "default.pt",
        "sapd": AGENTS / "sapd" / "pretrained" / "default.pt",
    }


LOADERS: dict[str, tuple[str, Callable[[Path], Any]]] = {
    "diffusion-ql": ("Diffusion-QL", lambda p: DiffusionQL.load(p, OBS, ACT, device="cpu")),
    "ss-vae": ("SS-VAE", SsVaeAgent.load),
    "dqn": ("DQN", lambda p: DqnAgent.load(p, TinyDiscreteEnv(), device="cpu")),
    "gdm": ("GDM", load_policy),
    "sapd": ("SA-PD", load_checkpoint),
}
OTHER_KIND = {"diffusion-ql": "ss-vae", "ss-vae": "diffusion-ql", "dqn": "diffusion-ql",
              "gdm": "sapd", "sapd": "gdm"}


def truncated(source: Path, tmp: Path) -> Path:
    """``source`` cut to half its length (a DQN checkpoint: its zip, manifest kept)."""
    out = tmp / source.name
    data = source.read_bytes()
    out.write_bytes(data[:len(data) // 2])
    if source.suffix == ".zip":
        manifest = source.with_suffix(".sha256.json")
        shutil.copy(manifest, tmp / manifest.name)
    return out


def bad_file(case: str, kind: str, checkpoints: dict[str, Path], tmp: Path) -> Path:
    if case == "text file":
        return Path("/etc/passwd")
    if case == "empty file":
        (tmp / "empty.pt").touch()
        return tmp / "empty.pt"
    if case == "truncated":
        return truncated(checkpoints[kind], tmp)
    if case == "another agent's":
        return checkpoints[OTHER_KIND[kind]]
    return tmp / "missing.pt"


def test_the_real_checkpoints_load(checkpoints):
    for kind, (_, load) in LOADERS.items():
        assert load(checkpoints[kind]) is not None, kind


@pytest.mark.parametrize("case", ["text file", "empty file", "truncated", "another agent's",
                                  "missing"])
@pytest.mark.parametrize("kind", sorted(LOADERS))
def test_a_wrong_file_is_one_line_naming_it(kind, case, checkpoints, tmp_path):
    expected, load = LOADERS[kind]
    path = bad_file(case, kind, checkpoints, tmp_path)
    with pytest.raises(ValueError) as caught:
        load(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    assert f" {expected} checkpoint" in message


def test_a_dqn_checkpoint_for_other_spaces_is_named(checkpoints):
    class OtherEnv(TinyDiscreteEnv):
        observation_space = spaces.Box(-1, 1, (5,), np.float32)

    with pytest.raises(ValueError, match=r"dqn.zip: does not load as a DQN checkpoint "
                                         r"\(Observation spaces do not match"):
        DqnAgent.load(checkpoints["dqn"], OtherEnv(), device="cpu")


def test_a_diffusion_ql_checkpoint_for_other_spaces_is_named(checkpoints):
    with pytest.raises(ValueError, match=r"diffusion-ql.pt: does not load as a Diffusion-QL "
                                         r"checkpoint \(.*size mismatch"):
        DiffusionQL.load(checkpoints["diffusion-ql"], spaces.Box(-1, 1, (4,), np.float32), ACT,
                         device="cpu")


def test_the_cli_prints_one_line_and_exits_2(capsys, tmp_path):
    status = main(["evaluate", "--scenario", "oran-slicing-twin", "--agents", "diffusion-ql",
                   "--checkpoint", "diffusion-ql=/etc/passwd", "--seeds", "0", "--steps", "1",
                   "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 2
    assert err == ("ran-gym: error: /etc/passwd: not a Diffusion-QL checkpoint (not a file "
                   "torch.load reads; IndexError: list index out of range)\n")


def test_evaluate_loads_every_checkpoint_before_any_agent_plays(capsys, tmp_path):
    """A bad checkpoint for the last agent stops the run before the first one's episodes
    (which, in ns-3, would be minutes lost)."""
    status = main(["evaluate", "--scenario", "oran-slicing-twin",
                   "--agents", "qos-greedy,diffusion-ql", "--checkpoint",
                   "diffusion-ql=/etc/passwd", "--seeds", "0,1", "--steps", "2",
                   "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 2
    assert "/etc/passwd: not a Diffusion-QL checkpoint" in err
    assert "episode" not in err  # qos-greedy played none
    assert not (tmp_path / "out" / "steps.parquet").exists()
