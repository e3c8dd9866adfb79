"""The oran-slicing baselines and SS-VAE acting in ns-3 through one interface;
``ran-gym evaluate`` (same seeds, stock schedulers for ns3-pf/rr) and ``table2``."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from agents.baselines.slicing import EsaAgent, MaxSinrAgent, MilpAgent
from agents.ssvae import SsVaeAgent, SsVaeConfig
from bridge.slicing import esa
from bridge.slicing.config import SlicingConfig
from bridge.slicing.layout import observation_space
from bridge.slicing.params import config_for
from bridge.slicing.unified import unified_space
from ran_gym.cli import main
from ran_gym.evaluation import agent_params
from tests.conftest import program

AGENTS = ["max-sinr", "esa", "milp", "ns3-pf", "ns3-rr", "ss-vae", "twin-search"]
NET = ["--param", "nUes=3", "--param", "nRus=1", "--param", "maxSteps=1",
       "--param", "warmupMs=40"]


def test_max_sinr_splits_rbgs_and_fills_the_budget() -> None:
    cfg = SlicingConfig(n_ues=3, n_rus=2)
    env: Any = SimpleNamespace(cfg=cfg)  # all an agent reads of an env with a config
    agent = MaxSinrAgent(env)
    alloc = agent.allocate(np.array([[-80.0, -90.0], [-95.0, -85.0], [-70.0, -100.0]]))
    assert alloc.association.tolist() == [0, 1, 0]
    assert alloc.prb_owner[0].tolist() == [0, 2] * 8 + [0]  # UEs 0 and 2 in turn
    assert alloc.prb_owner[1].tolist() == [1] * 17
    # +3 dB on 50 PRBs is twice the budget: stepping down ends at 0 dB (level 4) for all,
    # 50 PRBs x 1.0 at each RU, exactly P_max
    assert alloc.power_level.tolist() == [4, 4, 4]


def test_esa_refuses_sizes_over_its_limit() -> None:
    with pytest.raises(ValueError, match="ESA_MAX_CANDIDATES"):
        EsaAgent(SimpleNamespace(cfg=SlicingConfig(n_ues=5, n_rus=2)))  # type: ignore[arg-type]


def test_milp_agent_reaches_the_esa_optimum_and_solves_again_only_when_gains_move() -> None:
    cfg = SlicingConfig(n_ues=3, n_rus=2, n_prbs=6, rbg_size=2,
                        power_levels_db=(-6.0, -3.0, 0.0))
    agent = MilpAgent(SimpleNamespace(cfg=cfg), link_model="shannon")  # type: ignore[arg-type]
    gains = np.array([[-80.0, -95.0], [-92.0, -84.0], [-88.0, -87.0]])
    agent.allocate(gains)
    assert agent.solution is not None and agent.solution.exact
    assert agent.solution.reward == pytest.approx(esa.solve(cfg, gains).reward)
    agent.allocate(gains + 0.5)  # within resolve_db = 1: the same solution
    assert agent.solves == 1
    moved = gains.copy()
    moved[2] = [-100.0, -80.0]
    agent.allocate(moved)
    assert agent.solves == 2
    assert agent.solution.reward == pytest.approx(esa.solve(cfg, moved).reward)
    lte = MilpAgent(SimpleNamespace(cfg=cfg))  # type: ignore[arg-type]
    assert lte.cfg.link_model == "tr36942"
    lte.allocate(gains)
    optimum = esa.solve(lte.cfg, gains).reward
    assert lte.solution is not None and lte.solution.reward == pytest.approx(optimum)
    assert optimum < esa.solve(cfg, gains).reward  # the LTE fit's rates are the lower
    for bad in ({"time_limit_s": 0.0}, {"resolve_db": -1.0}, {"link_model": "mcs"}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            MilpAgent(SimpleNamespace(cfg=cfg), **bad)  # type: ignore[arg-type]


def test_stock_scheduler_agents_pin_their_scheduler() -> None:
    assert agent_params("ns3-pf", {"nUes": 3}) == {"nUes": 3, "scheduler": "pf"}
    assert agent_params("max-sinr", {"scheduler": "rr"}) == {"scheduler": "rr"}
    with pytest.raises(ValueError, match="runs with scheduler=pf"):
        agent_params("ns3-pf", {"scheduler": "rr"})


def test_config_for_needs_the_programs_power_levels() -> None:
    from bridge.scenarios import get_scenario

    resolved = get_scenario("oran-slicing").resolve({"nUes": 3, "nRus": 1})
    cfg = config_for(resolved, {"power_levels_db": "-6,-4.77,-3"})
    assert (cfg.n_ues, cfg.n_rus, cfg.n_levels, cfg.fixed_association) == (3, 1, 3, True)
    with pytest.raises(ValueError, match="power_levels_db"):
        config_for(resolved, {"power_levels_db": "0,3"})


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    program("ran-gym-oran-slicing")
    root = tmp_path_factory.mktemp("compare")
    cfg = SlicingConfig(n_ues=3, n_rus=1)
    rng = np.random.default_rng(0)
    obs = rng.normal(size=(8, observation_space(cfg).shape[0])).astype(np.float32)
    vae = SsVaeAgent(observation_space(cfg), unified_space(cfg), SsVaeConfig(hidden=16))
    vae.fit(obs, rng.uniform(-1, 1, (8, unified_space(cfg).shape[0])), obs[:0], 3)
    checkpoint = vae.save(root / "ss-vae.pt")
    out = root / "out"
    assert main(["evaluate", "--scenario", "oran-slicing", "--agents", ",".join(AGENTS),
                 "--seeds", "1,2", "--steps", "1", *NET, "--checkpoint",
                 f"ss-vae={checkpoint}", "--out", str(out)]) == 0
    return out


def test_compare_has_one_row_per_agent_over_the_seeds(compared) -> None:
    table = pd.read_csv(compared / "table.csv")
    assert table["agent"].tolist() == AGENTS
    assert (table["seeds"] == 2).all()
    per_seed = pd.read_csv(compared / "seeds.csv")
    assert {a: sorted(g["seed"]) for a, g in per_seed.groupby("agent")} == \
        {a: [1, 2] for a in AGENTS}
    means = per_seed.groupby("agent")["embb_throughput_mbps"].mean()
    assert table.set_index("agent")["embb_throughput_mbps"].to_dict() == \
        pytest.approx(means.to_dict())
    assert "| max-sinr | 2 |" in (compared / "table.md").read_text()


def test_every_agent_met_the_same_traffic_and_pf_rr_ran_stock(compared) -> None:
    steps = pd.read_parquet(compared / "steps.parquet")
    scheduler = steps.groupby("agent")["info_scheduler"].agg(set).to_dict()
    assert scheduler == {"max-sinr": {"gym"}, "esa": {"gym"}, "milp": {"gym"}, "ns3-pf": {"pf"},
                         "ns3-rr": {"rr"}, "ss-vae": {"gym"}, "twin-search": {"gym"}}
    commands = (compared / "commands.txt").read_text()
    assert commands.count("--scheduler=pf") == 2 and commands.count("--scheduler=rr") == 2
    for _, row in steps.iterrows():  # the stock schedulers leave no gym RBG accounting
        stock = row["agent"] in ("ns3-pf", "ns3-rr")
        assert (np.asarray(row["info_ue"]["rbg_ttis"]) == -1).all() == stock
    max_sinr = steps[steps["agent"] == "max-sinr"]
    assert all((np.asarray(u["rbg_ttis"]) > 0).sum() >= 2 for u in max_sinr["info_ue"])
    for seed, part in steps.groupby("seed"):  # same seed: same bytes offered, every agent
        sent = {tuple(np.asarray(u["tx_bytes"]).tolist()) for u in part["info_ue"]}
        assert len(sent) == 1, (seed, sent)
    # the simulator seeds: the same pair for every agent, one per --seeds entry
    sim_seeds = [line.rsplit("--simSeed=", 1)[1].split()[0] for line in commands.splitlines()]
    assert len(sim_seeds) == 2 * len(AGENTS)
    assert sim_seeds == sim_seeds[:2] * len(AGENTS) and sim_seeds[0] != sim_seeds[1]


def test_table2_esa_against_itself_is_exact(tmp_path) -> None:
    program("ran-gym-oran-slicing")
    data = tmp_path / "esa.parquet"
    assert main(["dataset", "--scenario", "oran-slicing", "--solver", "esa", "--n", "2",
                 "--seed", "7", "--param", "n_ues=2", "--param", "n_rus=1", "--param",
                 "fixed_association=true", "--param", "power_levels_db=-6,-4.77,-3",
                 "--param", "source=python", "--out", str(data)]) == 0
    assert main(["table2", "--test", str(data), "--agents", "esa,max-sinr",
                 "--out", str(tmp_path / "t2")]) == 0
    table = pd.read_csv(tmp_path / "t2" / "table2.csv").set_index("agent")
    assert table.loc["esa", ["mae", "baep_pct", "baep_rbg_pct", "prb_share_mae"]].tolist() \
        == [0, 0, 0, 0]
    assert table.loc["esa", "cosine"] == pytest.approx(1.0)
    assert table.loc["esa", "reward_ratio"] == pytest.approx(1.0)
    assert table.loc["max-sinr", "reward_ratio"] <= 1.0 + 1e-9
    assert table.loc["max-sinr", "mae"] > 0


def test_analyze_reads_a_compare_directory_per_agent_and_seed(compared) -> None:
    from analysis.rundir import read_paths

    units = read_paths(compared)
    assert [(u.config["agent"], u.config["seed"]) for u in units] == \
        [(a, s) for a in AGENTS for s in (1, 2)]
    assert [u.traces for u in units] == [[k] for k in range(2 * len(AGENTS))]
    assert all(len(u.steps) == 1 and set(u.steps["seed"]) == {u.config["seed"]}
               for u in units if u.steps is not None)
