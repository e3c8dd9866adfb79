"""The on/off time-sharing bound (agents/baselines/timeshare.py), checked by hand."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

from agents.baselines.timeshare import main as timeshare_main
from agents.baselines.timeshare import maxmin_share, subset_rates, timeshare_bound
from bridge.twins.interference import shannon_rates
from tests.conftest import program


def test_two_pairs_that_block_each_other_share_the_time_equally():
    # each alone: SINR 1e6 (capped LTE rate 3.5); together: SINR ~1, about 0.17 each
    snr = np.array([[1e6, 1e6], [1e6, 1e6]])
    subsets, rates = subset_rates(snr)
    assert subsets.tolist() == [[0, 1], [1, 0], [1, 1]]
    assert np.allclose(rates[0], [0, 3.5]) and np.allclose(rates[1], [3.5, 0])
    z, shares = maxmin_share(rates)
    assert z == pytest.approx(1.75, abs=1e-6)
    assert shares[:2] == pytest.approx([0.5, 0.5], abs=1e-6) and shares[2] == pytest.approx(0)


def test_pairs_that_do_not_interfere_reach_the_weaker_ones_full_power_rate():
    snr = np.array([[1e3, 0.0], [0.0, 10.0]])
    subsets, rates = subset_rates(snr, shannon_rates, fading_draws=256)
    assert np.allclose(rates[2], rates[0] + rates[1])  # no interference: rates add up
    z, shares = maxmin_share(rates)
    assert z == pytest.approx(rates[2][1], rel=1e-6)  # pair 1 is on all the time
    assert shares @ rates[:, 1] == pytest.approx(z, rel=1e-6)
    assert 1.0 < z < np.log2(11)  # Rayleigh fading: below the AWGN rate at SNR 10


def test_uneven_needs_give_the_weak_pair_more_time():
    snr = np.array([[1e6, 1e6], [1e6, 30.0]])  # pair 1 alone: SINR 30, LTE ~1.7 bit/s/Hz
    z, shares = maxmin_share(subset_rates(snr)[1])
    assert shares[0] > shares[1]  # [0, 1] = pair 1 alone gets the larger share
    assert 0 < z < 1.75


def test_too_many_pairs_is_refused():
    with pytest.raises(ValueError, match="N <= 12"):
        timeshare_bound(np.ones((13, 13)))


RECORDED = Path(__file__).parent.parent / "docs" / "results" / "interference"


@pytest.mark.filterwarnings("ignore:.*found in sys.modules:RuntimeWarning")  # run as a script
def test_the_command_reproduces_its_recorded_table(monkeypatch, capsys):
    # docs/results/interference/timeshare-1000.md is this command's output for 32
    # networks from seed 1000 (ns-3's drops, the defaults: LTE rates, 64 fading draws)
    program("ran-gym-interference")
    monkeypatch.setattr(sys, "argv", ["timeshare", "--seed", "1000", "--episodes", "2"])
    runpy.run_module("agents.baselines.timeshare", run_name="__main__")
    recorded = (RECORDED / "timeshare-1000.md").read_text().splitlines()
    assert capsys.readouterr().out.splitlines() == recorded[:4]


class FakeEnv:
    """Stands in for the interference scenario: network k has SNR matrix 10^(k mod 3)
    on the diagonal and 1 off it."""

    made: list[FakeEnv] = []

    def __init__(self, scenario: str, params: dict):
        self.scenario, self.params, self.seeds, self.closed = scenario, params, [], False
        FakeEnv.made.append(self)

    def reset(self, seed: int):
        self.seeds.append(seed)
        snr = np.ones((2, 2)) + np.eye(2) * (10.0 ** (seed % 3) - 1)
        return {"gains": np.log10(snr) / 4}, {}

    def close(self) -> None:
        self.closed = True


def test_the_command_runs_32_networks_by_default_and_closes_its_env(monkeypatch, capsys):
    # the results' command line (docs/results/interference/README.md) passes
    # --episodes 32, the default
    import bridge.envs

    FakeEnv.made.clear()
    monkeypatch.setattr(bridge.envs, "ScenarioEnv", FakeEnv)
    monkeypatch.setattr(sys, "argv", ["timeshare", "--seed", "7", "--rates", "shannon",
                                      "--param", "pairs=2"])
    timeshare_main()
    (env,) = FakeEnv.made
    assert (env.scenario, env.params, env.closed) == ("interference", {"pairs": "2"}, True)
    assert env.seeds == list(range(7, 39))
    rows = capsys.readouterr().out.splitlines()[2:]
    assert len(rows) == 32
    for k, row in enumerate(rows[:3]):
        snr = np.ones((2, 2)) + np.eye(2) * (10.0 ** ((7 + k) % 3) - 1)
        z = timeshare_bound(snr, shannon_rates)
        assert row == f"| {k} | {7 + k} | {z:.3f} | {'yes' if z >= 0.75 else 'no'} |"
    monkeypatch.setattr(sys, "argv", ["timeshare"])
    with pytest.raises(SystemExit):  # --seed is required
        timeshare_main()
