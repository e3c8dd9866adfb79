"""Loaders and cross-checks on real ns-3 runs: bytes from the packet trace, FlowMonitor
and pcap agree; the traces' throughput is what the env reported to the agent."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from analysis_runs import interference_run, slicing_run

from analysis import captures, crosscheck, load_run, metrics, schemas, traces


@pytest.fixture(scope="module")
def slicing(tmp_path_factory):
    return slicing_run(tmp_path_factory.mktemp("slicing"))


@pytest.fixture(scope="module")
def episode(slicing):
    return slicing / "traces-episode-0000"


def test_loaders_give_the_documented_dtypes(episode):
    packets = traces.load_packets(episode / "packets.csv")
    assert packets.dtypes.astype(str).to_dict() == {
        **{k: v for k, v in schemas.PACKETS.items()}, "payload_bytes": "int64"}
    assert set(packets["event"].astype(str)) == {"tx", "rx"} and len(packets) > 100
    steps = traces.load_slicing_steps(episode / "steps.csv")
    assert steps["step"].tolist()[::4] == list(range(11))  # states 0..10, 4 UEs each
    alloc = traces.load_allocation(episode / "allocation.csv")
    assert len(alloc) == 10 * 2 * 17  # steps x O-RUs x RBGs
    for name in ("DlMacStats.txt", "DlRxPhyStats.txt", "DlRlcStats.txt", "DlPdcpStats.txt"):
        stats = traces.load_lte_stats(episode / name)
        assert stats.dtypes.astype(str).to_dict() == schemas.LTE_STATS[name]
        assert len(stats) > 0
    phy = traces.load_lte_stats(episode / "DlRxPhyStats.txt")
    assert phy["time"].min() > 0.1 and phy["time"].max() <= 0.2  # ms converted to s


def test_streamed_batches_add_up_to_the_whole_file(episode):
    whole = traces.read_csv(episode / "packets.csv", schemas.PACKETS)
    batches = list(traces.iter_csv(episode / "packets.csv", schemas.PACKETS, block_bytes=4096))
    assert len(batches) > 3
    assert sum(len(b) for b in batches) == len(whole)
    assert sum(int(b["size_bytes"].sum()) for b in batches) == int(whole["size_bytes"].sum())


def test_bytes_agree_across_packet_trace_flowmonitor_and_pcap(episode):
    packets = traces.load_packets(episode / "packets.csv")
    mine = crosscheck.trace_bytes(packets).set_index("ue")
    flows = crosscheck.flow_bytes(captures.load_flowmon(episode / "flowmon.xml")).set_index("ue")
    assert list(flows.index) == [0, 1, 2, 3]
    # Same thing counted: every packet at IP level, sent and received. Exact.
    for column in ("tx_packets", "tx_ip_bytes", "rx_packets", "rx_ip_bytes"):
        assert mine[column].tolist() == flows[column].tolist(), column
    frames = pd.concat([captures.load_pcap(p) for p in sorted(episode.glob("epc-*.pcap"))])
    per_file = crosscheck.pcap_bytes(frames)
    sgi = per_file[per_file["link"] == "sgi"]
    assert sgi["file"].nunique() == 2  # the SGi link, captured at both ends
    tunnels = per_file[per_file["link"] == "gtpu"]
    assert tunnels["file"].nunique() >= 4  # S5 at both ends, S1-U per eNB at both ends
    for _, row in per_file.iterrows():
        # Every EPC link carries each sent packet once: its IPv4 bytes are FlowMonitor's.
        assert row["user_ip_bytes"] == flows.loc[row["ue"], "tx_ip_bytes"], row["file"]
        assert row["frames"] == flows.loc[row["ue"], "tx_packets"]
        overhead = crosscheck.overhead_per_frame(row["link"]) * row["frames"]
        assert row["frame_bytes"] - row["user_ip_bytes"] == overhead
    # Every UE's traffic crosses the S1-U of exactly one eNB (no handover): 2 devices each.
    s1u = tunnels[~tunnels["file"].isin(_s5_files(tunnels))]
    assert (s1u.groupby("ue")["file"].nunique() == 2).all()


def test_pdcp_stats_count_the_same_packets_plus_their_header(episode):
    flows = crosscheck.flow_bytes(captures.load_flowmon(episode / "flowmon.xml"))
    pdcp = crosscheck.pdcp_bytes(traces.load_lte_stats(episode / "DlPdcpStats.txt"))
    # Epochs of one step from the warm-up on cover the whole episode: exact, per UE.
    pd.testing.assert_frame_equal(pdcp.reset_index(drop=True), flows, check_dtype=False)
    phy = crosscheck.phy_summary(traces.load_lte_stats(episode / "DlRxPhyStats.txt"))
    assert phy["cellId"].tolist() == [1, 2] and (phy["tbs"] > 10).all()
    assert ((phy["retx_share"] >= 0) & (phy["retx_share"] < 0.5)).all()


def _s5_files(tunnels: pd.DataFrame) -> list[str]:
    """The S5 link carries every UE; an S1-U only its eNB's."""
    ues = tunnels["ue"].nunique()
    counts = tunnels.groupby("file")["ue"].nunique()
    return counts.index[counts == ues].tolist()


def test_flowmonitor_jitter_is_the_packet_traces(episode):
    packets = traces.load_packets(episode / "packets.csv")
    mine = metrics.jitter(packets).set_index("ue")["jitter_sum_ms"]
    flows = captures.load_flowmon(episode / "flowmon.xml")
    flows = flows.assign(ue=flows["destination_port"] - crosscheck.BASE_PORT)
    flows = flows.set_index("ue").sort_index()
    # ns-3 prints delays to 6 significant digits in packets.csv: 1e-3 ms per packet.
    tolerance = 2e-3 * flows["rx_packets"]
    assert (np.abs(mine - flows["jitter_sum_s"] * 1e3) <= tolerance).all()


def test_trace_throughput_is_what_the_agent_saw(slicing, episode):
    run = load_run(slicing)
    u, r = 4, 2
    seen = run.steps[[f"obs_{u + u * r + i}" for i in range(u)]].to_numpy()  # Mbit/s
    steps = traces.load_slicing_steps(episode / "steps.csv")
    edges = np.unique(steps["time_s"].to_numpy())
    packets = traces.load_packets(episode / "packets.csv")
    series = metrics.throughput_series(packets, edges)
    from_packets = series.pivot(index="step", columns="ue", values="throughput_mbps")
    assert from_packets.shape == seen.shape == (10, 4)
    np.testing.assert_allclose(from_packets.to_numpy(), seen, rtol=1e-6, atol=1e-5)
    from_steps = steps[steps["step"] >= 1].pivot(index="step", columns="ue",
                                                 values="throughput_mbps")
    np.testing.assert_allclose(from_steps.to_numpy(), seen, rtol=1e-6, atol=1e-5)
    np.testing.assert_allclose(from_packets.sum(axis=1).to_numpy(),
                               run.steps["info_reward_rate_mbps"].to_numpy(), rtol=1e-5)
    assert seen.sum() > 1  # some traffic flowed


def test_interference_trace_rates_are_the_observed_rates(tmp_path):
    run_dir = interference_run(tmp_path)
    run = load_run(run_dir)
    n = 3
    for episode, group in run.steps.groupby("episode"):
        trace = traces.load_interference_steps(run_dir / f"trace-episode-{episode:04d}.csv")
        acted = trace[trace["step"] >= 1].pivot(index="step", columns="pair",
                                                values="rate_bps_hz")
        seen = group[[f"obs_{n * n + i}" for i in range(n)]].to_numpy()
        np.testing.assert_allclose(acted.to_numpy(), seen, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(acted.mean(axis=1).to_numpy(), group["reward"], rtol=1e-5)
        ergodic = metrics.ergodic_rates(trace)["ergodic_rate_bps_hz"].to_numpy()
        np.testing.assert_allclose(ergodic, seen.mean(axis=0), rtol=1e-6)


def test_streaming_summary_matches_the_in_memory_metrics(episode, tmp_path):
    from analysis import stream

    csv = episode / "packets.csv"
    parquet = tmp_path / "packets.parquet"
    rows = stream.packets_to_parquet(csv, parquet)
    packets = traces.load_packets(csv)
    assert rows == len(packets)
    # A Parquet file of many row groups, written the way pandas writes categories
    # (dictionary-encoded strings), summarises the same.
    grouped = tmp_path / "grouped.parquet"
    packets.drop(columns="payload_bytes").to_parquet(grouped, row_group_size=200)
    assert pq_row_groups(grouped) > 3
    steps = traces.load_slicing_steps(episode / "steps.csv")
    edges = np.unique(steps["time_s"].to_numpy())
    expected = metrics.throughput_series(packets, edges, by="slice")
    expected = expected[expected["rx_bytes"] > 0].set_index(["step", "slice"])["rx_bytes"]
    for source in (csv, parquet, grouped):
        summary = stream.summarise_packets(source, step_s=0.01, start_s=0.1)
        assert summary.rows == len(packets)
        got = summary.per_step[summary.per_step["step"] >= 1].set_index(["step", "slice"])
        assert got["rx_bytes"].astype("int64").to_dict() == expected.to_dict()
        sums = summary.per_ue.set_index(["event", "ue"])["sum"]
        assert sums.loc[("rx", 0)] == packets.query("event == 'rx' and ue == 0")[
            "payload_bytes"].sum()
        urllc = packets.query("event == 'rx' and slice == 'urllc'")["delay_ms"]
        p90 = summary.delay_percentile("urllc", 90)
        assert p90 - stream.DELAY_BIN_MS <= np.percentile(urllc, 90, method="inverted_cdf") <= p90


def pq_row_groups(path):
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).num_row_groups


def test_the_qos_rule_recomputed_is_the_programs(tmp_path):
    from ran_gym.run import RunConfig, run

    # 10 UEs: 4 eMBB, 4 URLLC, 2 mMTC; a URLLC delay bound that can hold (5 ms).
    run_dir = run(RunConfig(scenario="oran-slicing", agent="random", steps=10,
                            out=tmp_path / "qos", seed=2,
                            params={"nUes": 10, "nRus": 2, "maxSteps": 10,
                                    "urllcMaxDelayMs": 5}), progress=None)
    steps = traces.load_slicing_steps(run_dir / "traces-episode-0000" / "steps.csv")
    acted = steps[steps["step"] >= 1]
    assert set(acted["slice"].astype(str)) == {"embb", "urllc", "mmtc"}
    ok = metrics.qos_ok(acted, embb_min_mbps=10, urllc_min_mbps=2, urllc_max_delay_ms=5)
    assert ok.tolist() == acted["qos_ok"].astype(bool).tolist()
    share = metrics.qos_satisfaction(acted).set_index("slice")["qos_satisfaction"]
    reported = load_run(run_dir).steps["info_reward_constraint"].mean()
    # The reward's C is the share of UEs meeting QoS per step: its mean over steps is the
    # UE-weighted mean of the per-slice shares (4, 4 and 2 UEs).
    assert reported == pytest.approx(
        (4 * share["embb"] + 4 * share["urllc"] + 2 * share["mmtc"]) / 10, abs=1e-6)


def test_reference_trace_is_what_the_agent_saw(tmp_path):
    from ran_gym.run import RunConfig, run

    run_dir = run(RunConfig(scenario="reference", agent="random", steps=10,
                            out=tmp_path / "ref", seed=4, params={"maxSteps": 10}),
                  progress=None)
    trace = traces.load_reference_steps(run_dir / "trace-episode-0000.csv")
    acted = trace[trace["step"] >= 1]
    seen = load_run(run_dir).steps
    # obs_0: Mbit/s received in the step = rx_bytes * 8 / 10 ms.
    np.testing.assert_allclose(acted["rx_bytes"] * 8 / 0.01 / 1e6, seen["obs_0"], rtol=1e-6)
    np.testing.assert_allclose(acted["mean_delay_ms"], seen["obs_1"], rtol=1e-5)
