"""``ran-gym dataset --scenario oran-slicing``: labelled Python drops in Parquet."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from bridge.slicing import esa
from bridge.slicing.allocation import Allocation
from bridge.slicing.layout import gains_from_observation
from bridge.slicing.params import config_from_params
from bridge.slicing.twin import evaluate
from bridge.slicing.unified import decode
from ran_gym.cli import main

TINY_PARAMS = ["n_rus=2", "n_ues=3", "n_prbs=6", "rbg_size=2", "power_levels_db=-3,0,3",
               "embb_min_rate_mbps=4", "slice_shares=embb:0.34,urllc:0.33,mmtc:0.33",
               "source=python"]


def run_cli(tmp_path: Path, solver: str, n: int, params: list[str]) -> pd.DataFrame:
    out = tmp_path / f"{solver}.parquet"
    argv = ["dataset", "--scenario", "oran-slicing", "--solver", solver, "--n", str(n),
            "--seed", "5", "--out", str(out)]
    for p in params:
        argv += ["--param", p]
    assert main(argv) == 0
    return pd.read_parquet(out)


def test_esa_dataset_rows_are_optimal_and_consistent(tmp_path: Path) -> None:
    frame = run_cli(tmp_path, "esa", 3, TINY_PARAMS)
    cfg = config_from_params({p.split("=")[0]: p.split("=")[1] for p in TINY_PARAMS
                              if not p.startswith("source")})
    assert frame["seed"].tolist() == [5, 6, 7]
    assert set(frame["source"]) == {"python"} and frame["exact"].all()
    for row in frame.itertuples():
        gain_db = gains_from_observation(np.array(row.observation), cfg)
        np.testing.assert_allclose(np.array(row.gain_db).reshape(3, 2), gain_db)
        alloc = Allocation(np.array(row.association), np.array(row.prb_owner).reshape(2, 3),
                           np.array(row.power_level))
        # the labels reproduce the optimum, and the unified form decodes to the same map
        assert evaluate(cfg, gain_db, alloc).reward == pytest.approx(row.reward, abs=1e-12)
        assert row.reward == pytest.approx(esa.solve(cfg, gain_db).reward, abs=1e-12)
        again = decode(cfg, np.array(row.unified_action))
        assert np.array_equal(again.prb_owner, alloc.prb_owner)
    config = json.loads(pq.read_schema(tmp_path / "esa.parquet").metadata[b"ran_gym.config"])
    assert config["config"]["n_ues"] == 3 and config["solver"] == "esa"


def test_milp_dataset_matches_esa_on_the_same_drops(tmp_path: Path) -> None:
    with_esa = run_cli(tmp_path, "esa", 2, TINY_PARAMS)
    with_milp = run_cli(tmp_path, "milp", 2, TINY_PARAMS)
    np.testing.assert_allclose(with_milp["reward"], with_esa["reward"], atol=1e-9)
    assert with_milp["solver"].tolist() == ["milp-exact"] * 2


def test_bad_params_name_the_field() -> None:
    with pytest.raises(ValueError, match="unknown n_cells"):
        config_from_params({"n_cells": "3"})
    with pytest.raises(ValueError, match="n_ues"):
        config_from_params({"n_ues": "0"})
    with pytest.raises(ValueError, match="power_levels_db"):
        config_from_params({"power_levels_db": "a,b"})


def test_ns3_drops(tmp_path: Path) -> None:
    from bridge.scenarios import SCENARIOS
    from tests.conftest import program

    if "oran-slicing" not in SCENARIOS:
        pytest.skip("the oran-slicing scenario is not registered")
    program("ran-gym-oran-slicing")
    frame = run_cli(tmp_path, "milp", 1, ["n_rus=2", "n_ues=4", "source=ns3",
                                          "milp_mode=bounds"])
    row = frame.iloc[0]
    assert row["source"] == "ns3" and row["solver"] == "milp-bounds"
    assert len(row["observation"]) == 3 * 4 + 4 * 2 + 3
    gain_db = np.asarray(row["gain_db"])
    assert np.all((gain_db < -40) & (gain_db > -250))  # path loss of a real drop
    assert row["reward"] <= row["bound"] + 1e-9
