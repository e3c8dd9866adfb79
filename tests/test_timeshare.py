"""The on/off time-sharing bound (agents/baselines/timeshare.py), checked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from agents.baselines.timeshare import maxmin_share, subset_rates, timeshare_bound
from bridge.twins.interference import shannon_rates


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
