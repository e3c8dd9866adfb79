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
    csv_bytes = result["csv_bytes"]
    summary = result["csv_summary"]
    assert summary["mb_per_s"] == pytest.approx(csv_bytes / 1e6 / summary["wall_s"])
    # The Parquet pass is counted in the CSV's bytes too (CSV-equivalent MB/s).
    parquet = result["parquet_summary"]
    assert parquet["mb_per_s"] == pytest.approx(csv_bytes / 1e6 / parquet["wall_s"])
    assert parquet["mb_per_cpu_s"] == pytest.approx(csv_bytes / 1e6 / parquet["cpu_s"])
    again = bench_analysis(tmp_path / "again", target_mb=1.0, trace=tmp_path / "packets.csv")
    assert again["source"] == str(tmp_path / "packets.csv")
    assert again["rows"] == result["rows"] and again["csv_bytes"] == csv_bytes


def test_bench_writer_counts_the_rows_of_the_traced_runs(tmp_path):
    from ran_gym.bench.analysis import bench_writer

    result = bench_writer(tmp_path, steps=2, repeats=1)
    rows = len((tmp_path / "writer-0" / "packets.csv").read_text().splitlines()) - 1
    assert result["packet_rows"] == rows > 10
    assert set(result["sim_cpu_ms_per_step"]) == {"traced", "untraced"}
    assert all(v > 0 for v in result["sim_cpu_ms_per_step"].values())


def edge_packets() -> pd.DataFrame:
    # UE 0 (embb): rx at 0.05 (before the first edge), 0.1 (at it: step 1), 0.3 (step 2)
    # and 0.35 (after the last edge). UE 1 (urllc): seq 0 received once, seq 1 lost.
    # UE 2 (mmtc): one packet sent, none received. UE 3 (urllc): received, never sent.
    rows = [
        ("tx", 0.04, 0, "embb", 0, 100, 0.0), ("tx", 0.09, 0, "embb", 1, 100, 0.0),
        ("tx", 0.29, 0, "embb", 2, 100, 0.0), ("tx", 0.34, 0, "embb", 3, 100, 0.0),
        ("rx", 0.05, 0, "embb", 0, 100, 10.0), ("rx", 0.1, 0, "embb", 1, 100, 10.0),
        ("rx", 0.3, 0, "embb", 2, 100, 10.0), ("rx", 0.35, 0, "embb", 3, 100, 10.0),
        ("tx", 0.15, 1, "urllc", 0, 50, 0.0), ("tx", 0.16, 1, "urllc", 1, 50, 0.0),
        ("rx", 0.17, 1, "urllc", 0, 50, 20.0),
        ("tx", 0.2, 2, "mmtc", 0, 40, 0.0),
        ("rx", 0.2, 3, "urllc", 5, 30, 1.0), ("rx", 0.25, 3, "urllc", 6, 30, 2.0),
    ]
    return traces.with_payload(pd.DataFrame(rows, columns=list(PACKETS)).astype(PACKETS))


def test_throughput_counts_only_the_steps_between_the_edges_of_unequal_length():
    # Steps 1 = (0, 0.1] (0.1 s) and 2 = (0.1, 0.3] (0.2 s); rx at 0.05 and 0.1 are in
    # step 1, at 0.3 in step 2, at 0.35 in none.
    edges = np.array([0.0, 0.1, 0.3])
    p = edge_packets()
    t = metrics.throughput_series(p, edges).set_index(["step", "ue"])
    assert t["rx_bytes"].to_dict() == {(1, 0): 200, (1, 1): 0, (1, 2): 0, (1, 3): 0,
                                       (2, 0): 100, (2, 1): 50, (2, 2): 0, (2, 3): 60}
    # UE 0: 200 B * 8 / 0.1 s = 16 000 bit/s; 100 B * 8 / 0.2 s = 4 000 bit/s.
    assert t.loc[(1, 0), "throughput_mbps"] == pytest.approx(0.016, rel=1e-12)
    assert t.loc[(2, 0), "throughput_mbps"] == pytest.approx(0.004, rel=1e-12)
    assert t.loc[(2, 3), "throughput_mbps"] == pytest.approx(60 * 8 / 0.2 / 1e6, rel=1e-12)
    # Edges that start at 0.06 leave the rx at 0.05 before step 1.
    late = metrics.throughput_series(p, np.array([0.06, 0.1, 0.3]))
    assert late.set_index(["step", "ue"]).loc[(1, 0), "rx_bytes"] == 100


def test_default_percentiles_and_slices_without_a_received_packet():
    d = metrics.delay_percentiles(edge_packets())
    assert list(d.columns) == ["slice", "packets", "mean_ms", "p50_ms", "p90_ms", "p95_ms",
                               "p99_ms"]
    assert d["slice"].tolist() == ["embb", "urllc"]  # nothing of mMTC was received
    urllc = d.set_index("slice").loc["urllc"]
    # delays [1, 2, 20]: p50 = 2, p90 = 2 + 0.8 * 18 = 16.4, p95 = 18.2, p99 = 19.64
    assert urllc["packets"] == 3 and urllc["mean_ms"] == pytest.approx(23 / 3)
    assert [urllc[f"p{q}_ms"] for q in (50, 90, 95, 99)] == pytest.approx(
        [2.0, 16.4, 18.2, 19.64])


def test_cdf_of_one_and_of_no_value():
    x, f = metrics.cdf(np.array([3.0]))
    assert x.tolist() == [3.0] and f.tolist() == [1.0]
    x, f = metrics.cdf(np.array([]))
    assert len(x) == 0 and len(f) == 0


def test_loss_of_flows_with_nothing_received_or_nothing_sent():
    lost = metrics.loss(edge_packets()).set_index("ue")
    assert lost["tx_packets"].to_dict() == {0: 4, 1: 2, 2: 1, 3: 0}
    assert lost["rx_packets"].to_dict() == {0: 4, 1: 1, 2: 0, 3: 2}
    assert lost["lost_packets"].to_dict() == {0: 0, 1: 1, 2: 1, 3: -2}
    assert lost.loc[1, "loss_ratio"] == 0.5 and lost.loc[2, "loss_ratio"] == 1.0
    assert np.isnan(lost.loc[3, "loss_ratio"])  # no packet sent: no ratio
    by_slice = metrics.loss(edge_packets(), by="slice").set_index("slice")
    assert by_slice["lost_packets"].to_dict() == {"embb": 0, "mmtc": 1, "urllc": -1}


def test_jitter_of_a_single_received_packet_is_zero():
    j = metrics.jitter(edge_packets()).set_index("ue")
    assert j.loc[1, "jitter_sum_ms"] == 0.0 and j.loc[1, "jitter_mean_ms"] == 0.0
    assert j.loc[3, "jitter_sum_ms"] == 1.0 and j.loc[3, "jitter_mean_ms"] == 1.0
    assert 2 not in j.index  # UE 2 received nothing


def test_qos_thresholds_hold_at_equality():
    steps = pd.DataFrame({
        "slice": ["embb", "urllc", "urllc", "urllc", "urllc", "mmtc", "mmtc"],
        "throughput_mbps": [10.0, 2.0, 2.0, 1.9, 5.0, 0.0, 0.0],
        "delay_ms": [50.0, 1.0, 1.0, 0.5, 1.01, 0.0, 0.0],
        "rx_packets": [1, 1, 0, 3, 3, 0, 1],
        "rx_bytes": [1, 1, 0, 3, 3, 0, 99], "tx_bytes": [9, 9, 0, 3, 3, 0, 100]})
    ok = metrics.qos_ok(steps, embb_min_mbps=10, urllc_min_mbps=2, urllc_max_delay_ms=1)
    # eMBB at its minimum; URLLC at both bounds with one packet; URLLC with no packet;
    # URLLC under its rate with a good delay; URLLC over its delay; mMTC 0 of 0 bytes;
    # mMTC 99 of 100 bytes.
    assert ok.tolist() == [True, True, False, False, False, True, False]


def test_qos_satisfaction_leaves_out_slices_seen_only_before_the_first_action():
    steps = pd.DataFrame({"step": [0, 0, 1, 2], "slice": ["mmtc", "embb", "embb", "embb"],
                          "qos_ok": [1, 0, 1, 0]}).astype({"slice": "category"})
    share = metrics.qos_satisfaction(steps)
    assert share.to_dict("list") == {"slice": ["embb"], "qos_satisfaction": [0.5]}


def test_jain_of_zeros_and_of_a_denominator_of_one():
    assert metrics.jain(np.zeros(3)) == 1.0
    # [0.5, 0, 0, 0]: (0.5)^2 / (4 * 0.25) = 0.25, with a denominator of exactly 1.
    assert metrics.jain(np.array([0.5, 0.0, 0.0, 0.0])) == 0.25


def test_prb_utilisation_counts_no_prb_past_the_carrier():
    # 7 PRBs: RBG 0 = PRBs 0..2, RBG 2 = PRB 6 alone, RBG 3 = none.
    alloc = pd.DataFrame({"step": [1, 1, 1], "ru": [0, 0, 0], "rbg": [0, 2, 3],
                          "applied_ue": [0, 1, 2], "data_ttis": [4, 5, 6]})
    u = metrics.prb_utilisation(alloc, step_ttis=10, prbs=7)
    # (4 * 3 + 5 * 1 + 6 * 0) / (10 * 7) = 17 / 70
    assert u["prb_ttis"].tolist() == [17]
    assert u["utilisation"].tolist() == pytest.approx([17 / 70], rel=1e-12)


def test_loss_of_part_of_a_trace_names_only_the_slices_in_it():
    # The slice column keeps all three categories after a selection; loss reports the
    # slices that occur in the rows it is given.
    part = edge_packets()
    part = part[part["ue"] == 1]
    assert list(part["slice"].cat.categories) == ["embb", "mmtc", "urllc"]
    lost = metrics.loss(part, by="slice")
    assert lost.to_dict("list") == {"slice": ["urllc"], "tx_packets": [2], "rx_packets": [1],
                                    "lost_packets": [1], "loss_ratio": [0.5]}
