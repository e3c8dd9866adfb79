"""analysis.fig3: training episodes from progress.csv, and the panels drawn from a
hand-made sweep table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.fig3 import episode_rewards, fig3_figures, paired_differences, panel


def test_episode_rewards_groups_whole_episodes_only():
    # steps 1..7 with 3 steps per episode: episodes {1,2,3}, {4,5,6}; step 7 is an
    # unfinished third episode and is dropped. Rewards 1,2,3 -> 2.0; 10,20,60 -> 30.0.
    progress = pd.DataFrame({"step": range(1, 8), "reward": [1, 2, 3, 10, 20, 60, 99],
                             "critic_loss": [None] * 7})
    out = episode_rewards(progress, 3)
    assert out["episode"].tolist() == [1, 2]
    assert out["mean_reward"].tolist() == [2.0, 30.0]
    with pytest.raises(ValueError, match="steps_per_episode"):
        episode_rewards(progress, 0)


def _table() -> pd.DataFrame:
    rows = []
    for seed, shift in ((0, -1.0), (1, 1.0)):
        for ues in (5, 10):
            rows.append({"sweep": "3b-baselines", "agent": "random", "seed": seed,
                         "nUes": ues, "mean_reward_rate_mbps": 2.0 * ues + shift})
        for dbm in (20.0, 28.45):
            rows.append({"sweep": "3cd-power-u25", "agent": "ns3-pf", "seed": seed,
                         "ruPowerDbm": dbm, "mean_reward_rate_mbps": dbm + shift,
                         **{f"mean_slice_{s}_throughput_mbps": 1.0 for s in
                            ("embb", "urllc", "mmtc")}})
        for cap in (-6.0, 3.0):
            rows.append({"sweep": "3e-slice-power-u25", "agent": "max-sinr", "seed": seed,
                         "embbMaxPaDb": cap, "mean_reward_rate_mbps": 30.0,
                         "mean_slice_embb_throughput_mbps": 10.0 + cap + shift,
                         "mean_slice_urllc_throughput_mbps": 5.0,
                         "mean_slice_mmtc_throughput_mbps": 0.1})
    return pd.DataFrame(rows)


def test_panel_keeps_its_sweep_and_averages_the_seeds(tmp_path: Path):
    table = _table()
    b = panel(table, "3b", "nUes", "mean_reward_rate_mbps")
    # U = 5: seeds give 9 and 11 -> mean 10; U = 10: 19 and 21 -> 20. The 3cd rows
    # (no nUes) must not leak in.
    assert b["nUes"].tolist() == [5, 10]
    assert b["mean"].tolist() == pytest.approx([10.0, 20.0])
    assert (b["ci_half_width"] > 0).all()
    assert panel(table, "3f", "extInterfDbm", "mean_reward_rate_mbps").empty
    paths = fig3_figures(table, {5: pd.DataFrame({"step": [1, 2], "reward": [0.1, 0.3]})},
                         2, tmp_path)
    assert [p.name for p in paths] == ["fig3a.png", "fig3b.png", "fig3c.png", "fig3d.png",
                                       "fig3e.png", "fig3f.png"]
    curves = pd.read_csv(tmp_path / "curves.csv")
    assert set(curves["panel"]) == {"b", "c", "d", "e"}
    e = curves[(curves["panel"] == "e") & (curves["metric"] == "mean_slice_embb_throughput_mbps")]
    assert e.sort_values("embbMaxPaDb")["mean"].tolist() == pytest.approx([4.0, 13.0])


def test_panel_a_falls_back_to_the_offline_updates(tmp_path: Path):
    pretrain = {25: pd.DataFrame({"update": [50, 100, 150], "bc_loss": [0.3, 0.1, 0.05]})}
    paths = fig3_figures(_table(), {}, 20, tmp_path, pretrain)
    assert paths[0].name == "fig3a.png" and paths[0].stat().st_size > 0
    assert [p.name for p in fig3_figures(_table(), {}, 20, tmp_path / "none")][0] == "fig3b.png"



def test_paired_differences_are_taken_seed_by_seed(tmp_path: Path):
    """Diffusion-QL less PF on the same seed: at U = 5, +3 and -1 (mean 1, above on one
    seed); at U = 10, +2 and +4. PF's seed 2 has no Diffusion-QL cell and is left out;
    the 3f rows pair within their own O-RU power."""
    rows = []
    for seed, ours, theirs in ((0, 13.0, 10.0), (1, 9.0, 10.0)):
        rows += [{"sweep": "3b-learned-u5", "agent": "diffusion-ql", "seed": seed, "nUes": 5,
                  "mean_reward_rate_mbps": ours, "mean_reward": 1.0},
                 {"sweep": "3b-baselines", "agent": "ns3-pf", "seed": seed, "nUes": 5,
                  "mean_reward_rate_mbps": theirs, "mean_reward": 0.5}]
    for seed, d in ((0, 2.0), (1, 4.0)):
        rows += [{"sweep": "3b-learned-u10", "agent": "diffusion-ql", "seed": seed,
                  "nUes": 10, "mean_reward_rate_mbps": 20.0 + d},
                 {"sweep": "3b-baselines", "agent": "ns3-pf", "seed": seed, "nUes": 10,
                  "mean_reward_rate_mbps": 20.0}]
    rows.append({"sweep": "3b-baselines", "agent": "ns3-pf", "seed": 2, "nUes": 5,
                 "mean_reward_rate_mbps": 99.0})
    for dbm, ours in ((30.0, 5.0), (46.0, 7.0)):
        rows += [{"sweep": "3f-interference-u20", "agent": agent, "seed": 0, "nUes": 20,
                  "ruPowerDbm": dbm, "extInterfDbm": 10.0, "mean_reward_rate_mbps": value}
                 for agent, value in (("diffusion-ql", ours), ("max-sinr", 4.0))]
    table = pd.DataFrame(rows)
    b = paired_differences(table, "3b", "nUes", "mean_reward_rate_mbps").set_index("nUes")
    assert b["seeds"].tolist() == [2, 2]
    assert b["mean_difference"].tolist() == pytest.approx([1.0, 3.0])
    assert b["min_difference"].tolist() == pytest.approx([-1.0, 2.0])
    assert b["max_difference"].tolist() == pytest.approx([3.0, 4.0])
    assert b["reference_above"].tolist() == [1, 2]
    f = paired_differences(table, "3f", "extInterfDbm", "mean_reward_rate_mbps",
                           ("ruPowerDbm",))
    assert f["ruPowerDbm"].tolist() == [30.0, 46.0]
    assert f["mean_difference"].tolist() == pytest.approx([1.0, 3.0])
    assert paired_differences(table, "3e", "embbMaxPaDb", "mean_reward_rate_mbps").empty
    with pytest.raises(ValueError, match="more than one cell"):
        paired_differences(pd.concat([table, table.iloc[:1]]), "3b", "nUes",
                           "mean_reward_rate_mbps")
    fig3_figures(table, {}, 20, tmp_path)
    written = pd.read_csv(tmp_path / "paired.csv")
    reward = written[(written["panel"] == "b") & (written["metric"] == "mean_reward")]
    assert reward["mean_difference"].tolist() == pytest.approx([0.5])
