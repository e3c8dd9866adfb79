"""Metrics and comparisons against values worked by hand on a small synthetic trace."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import compare, metrics, traces
from analysis.schemas import PACKETS


def synthetic_packets() -> pd.DataFrame:
    # UE 0 (embb): seq 0..2 sent, 0 and 2 received; UE 1 (urllc): seq 0, 1 sent and received.
    rows = [
        ("tx", 0.101, 0, "embb", 0, 1000, 0.0), ("tx", 0.102, 0, "embb", 1, 1000, 0.0),
        ("tx", 0.103, 0, "embb", 2, 1000, 0.0), ("tx", 0.101, 1, "urllc", 0, 200, 0.0),
        ("tx", 0.111, 1, "urllc", 1, 200, 0.0),
        ("rx", 0.105, 0, "embb", 0, 1000, 4.0), ("rx", 0.110, 0, "embb", 2, 1000, 7.0),
        ("rx", 0.104, 1, "urllc", 0, 200, 3.0), ("rx", 0.116, 1, "urllc", 1, 200, 5.0),
    ]
    frame = pd.DataFrame(rows, columns=list(PACKETS)).astype(PACKETS)
    return traces.with_payload(frame)


EDGES = np.array([0.10, 0.11, 0.12])  # steps 1 = (0.10, 0.11], 2 = (0.11, 0.12]


def test_payload_is_the_udp_payload_on_both_rows():
    p = synthetic_packets()
    assert p.loc[p["event"] == "tx", "payload_bytes"].tolist() == [1000, 1000, 1000, 200, 200]
    assert p.loc[p["event"] == "rx", "payload_bytes"].tolist() == [1000, 1000, 200, 200]


def test_step_of_counts_a_packet_at_the_step_end_in_that_step():
    assert metrics.step_of(np.array([0.1, 0.105, 0.11, 0.1100001, 0.12]), EDGES).tolist() == \
        [0, 1, 1, 2, 2]


def test_throughput_per_ue_and_slice():
    p = synthetic_packets()
    ue = metrics.throughput_series(p, EDGES).set_index(["step", "ue"])["throughput_mbps"]
    # UE 0, step 1: 2000 B (both rx at 0.105 and 0.110) * 8 / 0.01 s = 1.6 Mbit/s; step 2: 0.
    # UE 1, step 1: 200 B -> 0.16 Mbit/s; step 2: 200 B -> 0.16 Mbit/s.
    assert ue.to_dict() == pytest.approx({(1, 0): 1.6, (1, 1): 0.16, (2, 0): 0.0,
                                          (2, 1): 0.16})
    sl = metrics.throughput_series(p, EDGES, by="slice").set_index(["step", "slice"])
    assert sl.loc[(1, "embb"), "rx_bytes"] == 2000 and sl.loc[(2, "urllc"), "rx_bytes"] == 200


def test_delay_percentiles_cdf_loss_jitter():
    p = synthetic_packets()
    d = metrics.delay_percentiles(p, q=(50, 90)).set_index("slice")
    # embb delays [4, 7]: p50 = 5.5, p90 = 4 + 0.9 * 3 = 6.7, mean 5.5
    assert d.loc["embb", "p50_ms"] == pytest.approx(5.5)
    assert d.loc["embb", "p90_ms"] == pytest.approx(6.7)
    assert d.loc["urllc", "mean_ms"] == pytest.approx(4.0)
    x, f = metrics.cdf(np.array([7.0, 4.0, 5.0, 3.0]))
    assert x.tolist() == [3, 4, 5, 7] and f.tolist() == [0.25, 0.5, 0.75, 1.0]
    lost = metrics.loss(p).set_index("ue")
    assert lost.loc[0, "lost_packets"] == 1 and lost.loc[0, "loss_ratio"] == pytest.approx(1 / 3)
    assert lost.loc[1, "lost_packets"] == 0
    j = metrics.jitter(p).set_index("ue")
    # UE 0: |7 - 4| = 3 over one pair; UE 1: |5 - 3| = 2.
    assert j.loc[0, "jitter_sum_ms"] == 3 and j.loc[1, "jitter_mean_ms"] == 2


def test_jain_fairness():
    assert metrics.jain(np.array([1.0, 1.0, 1.0, 1.0])) == 1.0
    assert metrics.jain(np.array([4.0, 0.0, 0.0, 0.0])) == 0.25  # 16 / (4 * 16)
    assert metrics.jain(np.array([1.0, 3.0])) == pytest.approx(0.8)  # 16 / (2 * 10)


def test_qos_rule_and_satisfaction():
    steps = pd.DataFrame({
        "step": [0, 1, 1, 1, 2, 2, 2], "slice": ["embb", "embb", "urllc", "mmtc"] + ["embb",
                                                                                "urllc", "mmtc"],
        "throughput_mbps": [0, 11, 3, 0.1, 9, 3, 0.1], "delay_ms": [0, 3, 0.9, 2, 3, 1.5, 2],
        "rx_packets": [0, 5, 4, 1, 5, 4, 0], "rx_bytes": [0, 9, 9, 100, 9, 9, 0],
        "tx_bytes": [0, 9, 9, 100, 9, 9, 100]})
    ok = metrics.qos_ok(steps, 10, 2, 1)
    assert ok.tolist() == [False, True, True, True, False, False, False]
    share = metrics.qos_satisfaction(steps.assign(qos_ok=ok.astype(int))).set_index("slice")
    assert share["qos_satisfaction"].to_dict() == {"embb": 0.5, "mmtc": 0.5, "urllc": 0.5}


def test_prb_utilisation_and_grid():
    alloc = pd.DataFrame({"step": [1, 1, 1, 2], "ru": [0, 0, 0, 0], "rbg": [0, 1, 16, 0],
                          "applied_ue": [2, -1, 3, 1], "data_ttis": [10, 0, 5, 4]})
    u = metrics.prb_utilisation(alloc, step_ttis=10).set_index("step")["utilisation"]
    # step 1: 10 TTIs * 3 PRBs + 5 TTIs * 2 PRBs (RBG 16 = PRBs 48, 49) = 40 of 500.
    assert u[1] == pytest.approx(40 / 500) and u[2] == pytest.approx(12 / 500)
    assert metrics.allocation_grid(alloc, 0).tolist() == [[2, 1], [-1, -1], [3, -1]]


def test_ergodic_rates_skip_state_zero():
    trace = pd.DataFrame({"step": [0, 1, 2, 0, 1, 2], "pair": [0, 0, 0, 1, 1, 1],
                          "rate_bps_hz": [9.0, 1.0, 3.0, 9.0, 0.5, 0.5]})
    e = metrics.ergodic_rates(trace).set_index("pair")
    assert e["ergodic_rate_bps_hz"].tolist() == [2.0, 0.5] and e["steps"].tolist() == [2, 2]


def test_comparison_keeps_common_seeds_and_pairs_them():
    table = pd.DataFrame({"agent": ["a", "a", "a", "b", "b"], "seed": [0, 1, 2, 0, 1],
                          "reward": [1.0, 3.0, 100.0, 2.0, 5.0]})
    s = compare.summarise(table, ["reward"]).set_index("agent")
    # seed 2 only has agent a: left out. a: [1, 3] mean 2, sd sqrt(2); t(0.975, 1) = 12.706
    assert s.loc["a", "seeds"] == 2 and s.loc["a", "mean"] == 2.0
    assert s.loc["a", "ci_half_width"] == pytest.approx(12.7062 * np.sqrt(2) / np.sqrt(2), 1e-4)
    d = compare.paired_difference(table, "reward", baseline="a").set_index("agent")
    assert d.loc["b", "difference"] == 1.5 and d.loc["a", "difference"] == 0  # (1 + 2) / 2
    with pytest.raises(ValueError, match="baseline 'c'"):
        compare.paired_difference(table, "reward", baseline="c")


def test_bench_analysis_generates_and_parses_a_trace(tmp_path):
    from ran_gym.bench.analysis import bench_analysis

    result = bench_analysis(tmp_path, target_mb=1.0, chunk=20_000)
    # One chunk of 20 000 packets (tx + rx rows, ~35 B each) already passes 1 MB.
    assert result["rows"] == 2 * 20_000 and result["csv_bytes"] > 1e6
    for name in ("csv_summary", "csv_to_parquet", "parquet_summary"):
        assert result[name]["rows"] == result["rows"]
        assert result[name]["mb_per_s"] > 0 and result[name]["peak_rss_mib"] > 50
    assert 0 < result["parquet_bytes"] < result["csv_bytes"]
