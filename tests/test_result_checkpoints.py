"""The checkpoints committed beside docs/results/slicing load with `ran-gym evaluate` (the
Diffusion-QL ones are slim: no replay, no demonstrations) and play ns-3 well above the
random allocation on a seed of the table, as the table says they do."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ran_gym.cli import main

RESULTS = Path(__file__).resolve().parent.parent / "docs" / "results" / "slicing"
CHECKPOINTS = RESULTS / "checkpoints"


def test_the_committed_checkpoints_play_ns3_above_random(tmp_path):
    out = tmp_path / "eval"
    code = main(["evaluate", "--scenario", "oran-slicing",
                 "--agents", "diffusion-ql,dqn,random", "--seeds", "200", "--steps", "15",
                 "--param", "maxSteps=15",
                 "--checkpoint", f"diffusion-ql={CHECKPOINTS / 'diffusion-ql.pt'}",
                 "--checkpoint", f"dqn={CHECKPOINTS / 'dqn.zip'}", "--out", str(out)])
    assert code == 0
    reward = pd.read_csv(out / "table.csv").set_index("agent").mean_reward
    # docs/results/slicing/table.csv, five seeds of 50 steps: 1.01, 0.58 against 0.29.
    assert reward["diffusion-ql"] > reward["random"] + 0.15
    assert reward["dqn"] > reward["random"] + 0.15


@pytest.mark.parametrize("name", ["diffusion-ql.pt", "diffusion-ql-table-i.pt",
                                  "diffusion-ql-long.pt", "flat-2026-12-05/diffusion-ql.pt",
                                  "flat-2026-12-05/diffusion-ql-long.pt"])
def test_the_committed_diffusion_ql_checkpoints_are_slim(name):
    import torch

    folder, _, name = name.rpartition("/")
    path = (RESULTS / folder / "checkpoints" if folder else CHECKPOINTS) / name
    state = torch.load(path, map_location="cpu", weights_only=True)
    assert "replay" not in state and "demos" not in state
    assert {"config", "actor", "critic"} <= set(state)


@pytest.mark.parametrize("ues", [5, 15, 20, 25, 35])
def test_the_fig3_checkpoints_are_slim_per_ue_agents_of_their_u(ues):
    """docs/results/fig3/checkpoints: Diffusion-QL's per-UE agent of each U (its layout
    says U UEs), without replay or demonstrations, and DQN's model beside it."""
    import torch

    folder = RESULTS.parent / "fig3" / "checkpoints"
    state = torch.load(folder / f"diffusion-ql-u{ues}.pt", map_location="cpu",
                       weights_only=True)
    assert "replay" not in state and "demos" not in state
    assert state["config"]["network"] == "per-ue" and state["layout"]["n_ues"] == ues
    assert (folder / f"dqn-u{ues}.zip").stat().st_size > 0
