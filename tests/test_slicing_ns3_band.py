"""The closed-form twin against ns-3 on the same drop and allocation: ns-3's measured
throughput stays below the twin's Shannon rate, and above a documented fraction of it
(LTE's MCS tables, HARQ and control overhead; docs/slicing-solvers.md measured 38–44 %
over served UEs at 3 RUs / 10 UEs)."""

from __future__ import annotations

import numpy as np
import pytest

from bridge.slicing.crosscheck import crosscheck
from tests.conftest import program

LOWER = 0.25  # fraction of the Shannon twin that ns-3 delivers at least (documented band)


@pytest.mark.parametrize("seed", [4, 5])
def test_ns3_throughput_lies_in_the_documented_band(seed):
    program("ran-gym-oran-slicing")
    rows = crosscheck(seed, n_rus=2, n_ues=6, steps=20, settle=8)
    served = rows["ns3"] > 0.1
    assert served.sum() >= 2, rows
    ratio = rows["ns3"][served].sum() / rows["shannon"][served].sum()
    assert LOWER < ratio < 1.0, (ratio, rows)
    # Shannon bounds every UE (5 % for the averaging of a bursty measurement).
    assert np.all(rows["ns3"] <= 1.05 * rows["shannon"] + 0.1), rows
