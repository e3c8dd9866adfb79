"""``ue-value``: a per-UE value table fitted on ns-3's outcomes, maximised exactly per O-RU."""

from __future__ import annotations

import dataclasses
import itertools
import json
import re

import numpy as np
import pyarrow.parquet as pq
import pytest

from agents.ue_value import (
    RATE_EDGES,
    UeValueAgent,
    UeValueTable,
    allocation_rbgs,
    best_counts,
    fit,
    rate_bin,
    rbgs_held,
    ue_outcomes,
)
from bridge.slicing import greedy
from bridge.slicing.allocation import ru_power_use
from bridge.slicing.config import SlicingConfig
from bridge.slicing.layout import make_observation
from ran_gym.cli import main
from ran_gym.dataset.collect import load

CFG = SlicingConfig(n_ues=5, n_rus=2)
"""UEs 0, 1 eMBB, 2, 3 URLLC, 4 mMTC (the default shares at U = 5)."""


def _brute_force(values: np.ndarray, budget: int) -> float:
    n, k = values.shape
    return max(sum(values[i, c] for i, c in enumerate(counts))
               for counts in itertools.product(range(k), repeat=n) if sum(counts) <= budget)


def test_best_counts_is_the_exact_optimum_within_the_budget():
    rng = np.random.default_rng(3)
    for trial in range(30):
        n, k, budget = 1 + trial % 4, 2 + trial % 5, trial % 7
        values = rng.normal(size=(n, k))
        values[rng.random(values.shape) < 0.3] = 0.0  # ties too
        counts = best_counts(values, budget)
        assert counts.sum() <= budget and (counts >= 0).all() and (counts < k).all()
        assert values[np.arange(n), counts].sum() == pytest.approx(_brute_force(values, budget))
    # QoS is a step: one UE's value appears only at 3 RBGs; 4 RBGs for two such UEs
    step = np.array([[0, 0, 0, 1.0, 1.0], [0, 0, 0, 1.0, 1.0], [0, 0.3, 0.3, 0.3, 0.3]])
    assert best_counts(step, 4).tolist() in ([3, 0, 1], [0, 3, 1])
    assert best_counts(np.zeros((3, 4)), 5).tolist() == [0, 0, 0]  # nothing worth an RBG


def test_rbgs_held_counts_each_ues_usable_rbgs_at_its_own_o_ru():
    g = CFG.n_rbgs  # 17 at 10 MHz, the last not usable
    owner = np.full((2, CFG.n_rus, g), -1)
    owner[0, 0, :3] = 0          # UE 0: 3 RBGs at O-RU 0
    owner[0, 0, 3:5] = 2         # UE 2: 2 at O-RU 0 ...
    owner[0, 1, :4] = 2          # ... and 4 at O-RU 1, where it is not associated
    owner[0, 0, g - 1] = 0       # the unusable last RBG does not count
    owner[1, 1, 5:16] = 4        # transition 2: UE 4 holds 11 at O-RU 1
    association = np.array([[0, 1, 0, 1, 1], [0, 1, 0, 1, 1]])
    held = rbgs_held(CFG, association, owner.reshape(2, -1))
    assert held.tolist() == [[3, 0, 2, 0, 0], [0, 0, 0, 0, 11]]


def test_allocation_rbgs_gives_back_the_counts_of_block_allocations():
    association = np.array([0, 1, 0, 1, 1])
    counts = [np.array([3, 5, 13, 0, 11]), np.array([16, 0, 0, 16, 0])]
    allocations = [greedy.block_allocation(CFG, association, c) for c in counts]
    assert allocation_rbgs(CFG, allocations).tolist() == [c.tolist() for c in counts]


def _transition(gains, qos, throughput, owner, association=None):
    """(obs, next_obs, association, prb_owner) of one step of CFG."""
    association = gains.argmax(axis=1) if association is None else np.asarray(association)
    return (make_observation(CFG, gains), make_observation(CFG, gains, qos, throughput),
            association, np.asarray(owner).reshape(-1))


def _gains(rng):
    """UE u strongest at O-RU u mod 2, by 20 dB."""
    gains = rng.uniform(-110, -100, size=(5, 2))
    gains[np.arange(5), np.arange(5) % 2] += 20
    return gains


def test_the_fit_averages_each_ues_own_outcome_by_slice_rate_and_rbgs():
    rng = np.random.default_rng(0)
    rows, outcomes = [], []
    for i in range(6):
        owner = np.full((2, 17), -1)
        owner[0, :1 + i % 2] = 0        # eMBB UE 0 at O-RU 0: 1 or 2 RBGs
        owner[0, 8] = 2                 # URLLC UE 2 at O-RU 0: 1 RBG
        owner[0, 3:6] = 4               # mMTC UE 4 at O-RU 0: 3 RBGs ...
        owner[0, 16] = 4                # ... RBG 16 is never scheduled: not counted
        owner[1, 9] = 1                 # eMBB UE 1 at O-RU 1: 1 RBG
        owner[1, 10:12] = 3             # URLLC UE 3 at O-RU 1: 2 RBGs
        qos, thr = rng.random(5) < 0.5, rng.uniform(0, 12, 5)
        association = [0, 1, 0, 1, 1] if i == 5 else None  # UE 4 away from its strongest
        rows.append(_transition(_gains(rng), qos, thr, owner, association))
        outcomes.append((qos, thr))
    obs, nxt, assoc, owner = (np.stack(c) for c in zip(*rows, strict=True))
    table = fit(CFG, obs, nxt, assoc, owner, min_rows=1, rate_edges=(100.0,))  # one rate bin
    assert table.rows.shape == (3, 2, 17)
    assert table.rows.sum() == 6 * 5 - 1  # UE 4 away from its strongest O-RU is left out
    assert table.rows[0, 0, 1] == 3 + 6 and table.rows[0, 0, 2] == 3  # UE 0, and UE 1
    assert table.rows[1, 0, 1] == 6 and table.rows[1, 0, 2] == 6
    assert table.rows[2, 0, 3] == 5 and table.rows[2, 0, 4] == 0
    two = [outcomes[i] for i in (1, 3, 5)]  # eMBB with 2 RBGs: UE 0 in the odd steps
    assert table.throughput_mbps[0, 0, 2] == pytest.approx(np.mean([t[0] for _, t in two]))
    assert table.qos[0, 0, 2] == pytest.approx(np.mean([q[0] for q, _ in two]))
    urllc_two = [outcomes[i] for i in range(6)]  # UE 3's
    assert table.qos[1, 0, 2] == pytest.approx(np.mean([q[3] for q, _ in urllc_two]))
    assert np.isnan(table.qos[2, 0, 4])  # no mMTC row with 4 RBGs
    by_rate = fit(CFG, obs, nxt, assoc, owner, min_rows=1)  # default bins: by rate too
    assert by_rate.rows.sum() == table.rows.sum() and by_rate.rows.shape[1] == 10
    with pytest.raises(ValueError, match="no cell of mMTC UEs holding RBGs has 6 rows"):
        fit(CFG, obs, nxt, assoc, owner, min_rows=6, rate_edges=(100.0,))
    with pytest.raises(ValueError, match="min_rows must be >= 1, got 0"):
        fit(CFG, obs, nxt, assoc, owner, min_rows=0)
    with pytest.raises(ValueError, match="no transitions to fit"):
        fit(CFG, obs[:0], nxt[:0], assoc[:0], owner[:0])
    default_bins = rate_bin(RATE_EDGES, np.array([0.0, 0.39, 0.4, 1.0, 2.29, 2.3, 9.0]))
    assert default_bins.tolist() == [0, 0, 1, 4, 8, 9, 9]  # ten bins, lower edges inclusive


def _table(rows, thr, qos):
    return UeValueTable((1.0,), np.asarray(rows), np.asarray(thr, float), np.asarray(qos, float),
                        n_rbgs=17, min_rows=2)


def test_values_are_the_reward_share_and_fill_thin_cells_from_below_and_the_nearest_bin():
    shape = (3, 2, 17)
    rows, thr, qos = np.zeros(shape, int), np.full(shape, np.nan), np.full(shape, np.nan)
    rows[1, 0, [0, 2, 3, 5]] = [5, 4, 1, 9]  # URLLC, low rate: 3 RBGs is thin
    thr[1, 0, [0, 2, 3, 5]] = [0.0, 2.0, 9.0, 3.0]
    qos[1, 0, [0, 2, 3, 5]] = [0.0, 0.5, 1.0, 1.0]
    for s in (0, 2):  # the other slices seen in the high-rate bin only
        rows[s, 1, 4], thr[s, 1, 4], qos[s, 1, 4] = 3, 10.0, 1.0
    values = _table(rows, thr, qos).values(CFG)
    urllc = CFG.theta_rate * np.array([0, 0, 2, 2, 2, 3, 3]) \
        + CFG.theta_const * np.array([0, 0, 0.5, 0.5, 0.5, 1, 1]) / CFG.n_ues
    assert values[1, 0, :7] == pytest.approx(urllc)
    assert (values[1, 0, 7:] == values[1, 0, 5]).all()  # never guessed above what was seen
    assert (values[1, 1] == values[1, 0]).all()  # the unseen high-rate bin: the nearest one's
    high = CFG.theta_rate * 10 + CFG.theta_const / CFG.n_ues
    assert values[0, 0, 4] == pytest.approx(high) and values[0, 0, 3] == 0.0
    assert values[0, 1, 0] == 0.0 and not np.isnan(values).any()  # no row without RBGs
    other = dataclasses.replace(CFG, theta_const=3.0)  # the env's own reward weights
    assert _table(rows, thr, qos).values(other)[0, 1, 4] == pytest.approx(0.1 + 3.0 / 5)


def test_a_cell_counts_from_min_rows_and_an_unseen_bin_takes_the_nearest_seen_one():
    shape = (3, 4, 17)
    rows, thr, qos = np.zeros(shape, int), np.zeros(shape), np.zeros(shape)
    rows[:, 0, 1], qos[:, 0, 1] = 2, 1.0   # bin 0: seen with one RBG, exactly min_rows rows
    rows[:, 3, 2], qos[:, 3, 2] = 2, 0.5   # bin 3: seen with two RBGs
    table = UeValueTable((1.0, 2.0, 3.0), rows, thr, qos, n_rbgs=17, min_rows=2)
    values = table.values(CFG)
    one, half = CFG.theta_const / CFG.n_ues, CFG.theta_const * 0.5 / CFG.n_ues
    assert values[0, 0, 1] == pytest.approx(one)
    assert values[0, 1, 1] == pytest.approx(one)  # bin 1: nearest is bin 0
    assert values[0, 2, 2] == pytest.approx(half) and values[0, 2, 1] == 0.0  # bin 2: bin 3
    assert (values[:, :, 0] == 0.0).all()  # no row without RBGs anywhere: worth nothing


def test_a_table_round_trips_its_file_and_bad_files_are_refused_by_name(tmp_path):
    rng = np.random.default_rng(1)
    shape = (3, 10, 17)
    thr = np.where(rng.random(shape) < 0.5, rng.uniform(0, 10, shape), np.nan)
    table = UeValueTable(tuple(np.linspace(0.4, 2.3, 9)), rng.integers(0, 99, shape),
                         thr, rng.random(shape), n_rbgs=17)
    back = UeValueTable.load(table.save(tmp_path / "t.json"))
    assert (back.rows == table.rows).all() and back.rate_edges == table.rate_edges
    assert np.allclose(back.throughput_mbps, table.throughput_mbps, atol=1e-6, equal_nan=True)
    assert np.allclose(back.qos, table.qos, atol=1e-6) and back.min_rows == table.min_rows
    assert list(tmp_path.iterdir()) == [tmp_path / "t.json"]  # no temporary left
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(ValueError, match="cannot read the table .*bad.json"):
        UeValueTable.load(tmp_path / "bad.json")
    (tmp_path / "other.json").write_text(json.dumps({"format": "x"}))
    with pytest.raises(ValueError, match="other.json is not a ue-value table"):
        UeValueTable.load(tmp_path / "other.json")
    data = json.loads((tmp_path / "t.json").read_text())
    (tmp_path / "keyless.json").write_text(json.dumps({"format": data["format"]}))
    with pytest.raises(ValueError, match="keyless.json: a malformed table"):
        UeValueTable.load(tmp_path / "keyless.json")
    data["rows"] = data["rows"][:2]
    (tmp_path / "short.json").write_text(json.dumps(data))
    with pytest.raises(ValueError, match=r"not of shape \(3, 10, 17\)"):
        UeValueTable.load(tmp_path / "short.json")
    with pytest.raises(ValueError, match="fitted on a network of 17 RBGs, this one has 9"):
        table.values(dataclasses.replace(CFG, n_prbs=25))


class _Env:
    def __init__(self, cfg):
        self.cfg = cfg


def test_the_agent_gives_each_o_ru_the_counts_its_table_values_most(tmp_path):
    shape = (3, 10, 17)
    rows, thr, qos = np.full(shape, 50), np.zeros(shape), np.zeros(shape)
    qos[0, :, 6:] = 1.0   # eMBB meets QoS from 6 RBGs
    qos[1, :, 3:] = 1.0   # URLLC from 3
    qos[2, :, 1:] = 1.0   # mMTC from 1
    table = UeValueTable(tuple(np.linspace(0.4, 2.3, 9)), rows, thr, qos, n_rbgs=17)
    agent = UeValueAgent(_Env(SlicingConfig(n_ues=8, n_rus=3)),
                         checkpoint=str(table.save(tmp_path / "t.json")))
    cfg = agent.cfg  # UEs 0-2 eMBB, 3-5 URLLC, 6-7 mMTC
    gains = np.full((8, 3), -110.0)
    gains[:, 0] += 30  # every UE strongest at O-RU 0
    action, _ = agent.predict(make_observation(cfg, gains))
    owner = action["prb_owner"][0, :16]
    counts = np.bincount(owner[owner >= 0], minlength=8)
    # 16 RBGs: the 5 cheapest QoS flags (3 URLLC x 3, 2 mMTC x 1) use 11; one eMBB takes 6
    # that do not fit: the count of UEs served with QoS is the most 16 RBGs buy
    assert sorted(counts[3:6]) == [3, 3, 3] and list(counts[6:]) == [1, 1]
    assert counts[:3].sum() == 0 and (action["association"] == 0).all()
    alloc = greedy.block_allocation(cfg, action["association"].astype(np.int64), counts)
    assert (ru_power_use(cfg, alloc) <= cfg.n_prbs * (1 + 1e-9)).all()
    assert (action["power_level"] == alloc.power_level).all()
    gains[[0, 1, 2, 6], 1] += 60  # eMBB UEs 0-2 and mMTC UE 6 now strongest at O-RU 1
    action, _ = agent.predict(make_observation(cfg, gains))
    assert action["association"].tolist() == [1, 1, 1, 0, 0, 0, 1, 0]
    for ru, served in ((0, [0, 0, 0, 3, 3, 3, 0, 1]), (1, [6, 6, 0, 0, 0, 0, 1, 0])):
        owner = action["prb_owner"][ru, :16]
        assert sorted(np.bincount(owner[owner >= 0], minlength=8).tolist()) == sorted(served)
    with pytest.raises(ValueError, match="ue-value acts from a fitted table"):
        UeValueAgent(_Env(cfg))


NS3 = ["--scenario", "oran-slicing", "--param", "maxSteps=10"]


def test_fitted_on_ns3_transitions_it_plays_ns3_and_its_rows_add_up_to_the_reward(tmp_path,
                                                                                    capsys):
    data, fitted = tmp_path / "data", tmp_path / "fit"
    assert main(["collect", *NS3, "--policy", "qos-greedy,qos-greedy:noise=0.3",
                 "--steps", "40", "--seed", "7", "--out", str(data)]) == 0
    table = load(data).to_pydict()
    cfg = SlicingConfig()
    obs, nxt = np.asarray(table["obs"]), np.asarray(table["next_obs"])
    for i in range(len(obs)):  # the per-UE shares of ns-3's reward add up to it
        ues = ue_outcomes(cfg, obs[i:i + 1], nxt[i:i + 1],
                          np.asarray(table["association"][i:i + 1]),
                          np.asarray(table["prb_owner"][i:i + 1]))
        assert len(ues["qos"]) == cfg.n_ues  # every UE on its strongest O-RU
        share = cfg.theta_rate * ues["throughput_mbps"] + cfg.theta_const * ues["qos"] / cfg.n_ues
        assert share.sum() + cfg.theta_bias == pytest.approx(table["reward"][i], abs=1e-4)
    assert main(["train", *NS3, "--agent", "ue-value", "--dataset", str(data),
                 "--out", str(fitted)]) == 2  # 40 transitions: too few for 30 rows a cell
    # which slices fall short depends on the drops; the error names them
    assert re.search(r"no cell of (eMBB|URLLC|mMTC)(, (URLLC|mMTC))* UEs holding RBGs has "
                     r"30 rows", capsys.readouterr().err)
    assert main(["train", *NS3, "--agent", "ue-value", "--dataset", str(data),
                 "--agent-param", "min_rows=5", "--out", str(fitted)]) == 0
    assert main(["train", *NS3, "--agent", "ue-value", "--dataset", str(data),
                 "--agent-param", "min_rows=5", "--out", str(fitted)]) == 2
    assert "holds an earlier fit (ue-value.json); pass --overwrite" in capsys.readouterr().err
    fitted_table = UeValueTable.load(fitted / "ue-value.json")
    assert fitted_table.rows.sum() == 40 * cfg.n_ues
    csv_rows = (fitted / "table.csv").read_text().splitlines()
    assert len(csv_rows) == 1 + fitted_table.rows.size
    config = json.loads((fitted / "config.json").read_text())
    assert config["transitions"] == 40 and config["min_rows"] == fitted_table.min_rows == 5
    # a round of its own play (make demo's): fit, 20 steps in ns-3 from 2 simulators, fit again
    rounds = tmp_path / "round"
    round_args = ["train", *NS3, "--agent", "ue-value", "--dataset", str(data), "--agent-param",
                  "min_rows=5", "--iterations", "20", "--num-envs", "2", "--seed", "9",
                  "--out", str(rounds)]
    assert main(round_args) == 0
    assert (rounds / "first" / "ue-value.json").read_text() == \
        (fitted / "ue-value.json").read_text()  # the first table is the fit on --dataset
    own = load(rounds / "own").to_pydict()
    assert own["policy"][::10] == ["ue-value", "ue-value:noise=0.3"]
    assert own["seed"][::10] == [9, 10] and len(own["reward"]) == 20
    agent = UeValueAgent(_Env(cfg), checkpoint=str(fitted / "ue-value.json"))
    first, _ = agent.predict(np.asarray(own["obs"][0]))  # it played the first table
    assert own["prb_owner"][0] == first["prb_owner"].reshape(-1).tolist()
    progress = (rounds / "progress.csv").read_text().splitlines()
    assert progress[0] == "step,reward" and len(progress) == 21
    assert [float(line.split(",")[1]) for line in progress[1:]] == \
        pytest.approx(own["reward"])
    assert UeValueTable.load(rounds / "ue-value.json").rows.sum() == 60 * cfg.n_ues
    config = json.loads((rounds / "config.json").read_text())
    assert config["own_play"]["steps"] == 20 and config["transitions"] == 60
    assert main(round_args) == 2  # finished: replaced only with --overwrite
    capsys.readouterr()
    assert main([*round_args, "--overwrite"]) == 0
    assert len(load(rounds / "own")) == 20  # played again, not added to the earlier play
    (rounds / "ue-value.json").unlink()  # as if stopped before its last fit: play 10 more
    longer = [a if a != "20" else "30" for a in round_args]
    assert main(longer) == 2
    assert "pass --resume to continue it" in capsys.readouterr().err
    assert main([*longer, "--resume"]) == 0
    resumed = load(rounds / "own").to_pydict()
    # whole episodes, 2 at a time: 30 steps are 2 more 10-step episodes on 2 simulators
    assert len(resumed["reward"]) == 40 and resumed["reward"][:20] == own["reward"]
    out = tmp_path / "eval"
    assert main(["evaluate", *NS3, "--agents", "ue-value,qos-greedy", "--seeds", "5",
                 "--steps", "3", "--checkpoint", f"ue-value={fitted / 'ue-value.json'}",
                 "--out", str(out)]) == 0
    steps = pq.read_table(out / "steps.parquet").to_pandas()
    played = steps[steps.agent == "ue-value"]
    assert len(played) == 3 and np.isfinite(played.reward).all() and played.reward.min() > 0
    capsys.readouterr()


def test_fitting_refuses_what_it_cannot_learn_from(tmp_path, capsys):
    train = ["train", "--scenario", "oran-slicing", "--agent", "ue-value"]
    assert main([*train, "--out", str(tmp_path / "a")]) == 2
    assert "ue-value learns from the outcomes in a collection" in capsys.readouterr().err
    assert main([*train, "--dataset", str(tmp_path), "--iterations", "0",
                 "--out", str(tmp_path / "b")]) == 2
    assert "--iterations 0: the steps of its own play must be >= 1" in capsys.readouterr().err
    twin = tmp_path / "twin"
    assert main(["collect", "--scenario", "oran-slicing-twin", "--param", "maxSteps=2",
                 "--policy", "qos-greedy", "--steps", "2", "--out", str(twin)]) == 0
    assert main([*train, "--dataset", str(twin), "--out", str(tmp_path / "c")]) == 2
    assert "collected in oran-slicing-twin, not in --scenario oran-slicing" in \
        capsys.readouterr().err
    (tmp_path / "labels.parquet").write_bytes(b"")
    assert main([*train, "--dataset", str(tmp_path / "labels.parquet"),
                 "--out", str(tmp_path / "d")]) == 2
    assert "a label set's next observation repeats its first" in capsys.readouterr().err
    assert main(["train", "--scenario", "oran-slicing-twin", "--agent", "ue-value",
                 "--param", "nUes=10", "--dataset", str(twin), "--out", str(tmp_path / "e")]) == 2
    assert "collected on another network" in capsys.readouterr().err
    assert main([*train, "--dataset", str(twin), "--agent-param", "min_rows=0",
                 "--out", str(tmp_path / "g")]) == 2
    assert "ue-value takes min_rows=N, N >= 1" in capsys.readouterr().err
    assert main(["evaluate", "--scenario", "oran-slicing-twin", "--agents", "ue-value",
                 "--seeds", "1", "--steps", "1", "--out", str(tmp_path / "f")]) == 2
    assert "ue-value acts from a fitted table" in capsys.readouterr().err
