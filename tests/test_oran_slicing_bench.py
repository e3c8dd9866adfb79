"""Smoke test of ``ran-gym bench scenario`` on a tiny O-RAN slicing network."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from ran_gym.bench.scenario import bench_oran_slicing, fixed_allocation
from tests.conftest import program


def test_fixed_allocation_deals_each_rus_rbgs_over_its_ues():
    ru = np.array([1, 0, 1, 1])
    action = fixed_allocation(ru, 3)
    assert action["prb_owner"][0].tolist() == [1] * 17
    assert action["prb_owner"][1, :4].tolist() == [0, 2, 3, 0]  # UEs 0, 2, 3 in turn
    assert action["prb_owner"][2].tolist() == [-1] * 17  # an RU without UEs
    assert action["association"].tolist() == [1, 0, 1, 1]


def test_bench_times_gym_and_pf_on_the_same_interval():
    program("ran-gym-oran-slicing")
    result = bench_oran_slicing(sim_seconds=0.05, params={"nRus": 2, "nUes": 4})
    variants = {"gym_bridge", "pf_bridge", "gym_one_step", "pf_one_step"}
    assert set(result["wall_s"]) == set(result["cpu_s"]) == variants
    assert result["simulated_s"] == 0.05
    for name in variants:
        # 50 ms of a 4-UE network: more than a millisecond, less than a minute of wall time
        assert 1e-3 < result["wall_s"][name] < 60
        expected = 0.05 / result["wall_s"][name]
        assert result["sim_s_per_wall_s"][name] == pytest.approx(expected, rel=0.02)
    assert set(result["gym_overhead_vs_pf"]) == {"wall", "cpu"}
    # the fixed allocation serves each backlogged UE every TTI: one DCI per eMBB UE
    # (UEs 0, 1) and cell at least; stock PF serves about one UE per cell and TTI
    assert result["dl_dcis_per_cell_tti"]["gym_bridge"] >= 0.9
    assert 0 < result["dl_dcis_per_cell_tti"]["pf_one_step"] <= 1.1
    # Like for like: the gym scheduler fed PF's per-TTI decisions sends the same DCIs.
    fed = result["like_for_like"]
    assert fed["steps_of_1ms"] == 50 and fed["same_dcis_share"] == 1.0
    assert fed["dl_dcis_per_cell_tti"]["gym_fed_pf"] == fed["dl_dcis_per_cell_tti"]["pf"] > 0
    assert fed["gym_over_pf_cpu"] == pytest.approx(
        fed["cpu_s"]["gym_fed_pf"] / fed["cpu_s"]["pf"] - 1, abs=2e-3)


def test_served_allocation_gives_an_rus_rbgs_to_the_ues_pf_served():
    from ran_gym.bench.scenario import _served_allocation

    ru = np.array([0, 0, 1, 1, 0])
    idle = fixed_allocation(ru, 2)
    action = _served_allocation(ru, np.array([0, 1, 0, 0, 1]), 2, idle)
    assert action["prb_owner"][0, :4].tolist() == [1, 4, 1, 4]  # UEs 1 and 4 in turn
    assert action["prb_owner"][1].tolist() == [-1] * 17  # PF served no UE of RU 1
    assert action["association"].tolist() == ru.tolist()


def test_bench_scenario_command_prints_the_figures():
    program("ran-gym-oran-slicing")
    result = subprocess.run(
        [sys.executable, "-m", "ran_gym.cli", "bench", "scenario", "--scenario", "oran-slicing",
         "--sim-seconds", "0.03", "--param", "nRus=2", "--param", "nUes=3"],
        capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["params"] == {"nRus": 2, "nUes": 3} and figures["simulated_s"] == 0.03
    assert figures["sim_s_per_wall_s"]["gym_bridge"] > 0
