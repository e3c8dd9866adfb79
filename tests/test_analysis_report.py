"""``ran-gym analyze``: the report of real runs of both scenarios, and of bad input."""

from __future__ import annotations

import base64
import io
import json
import shutil

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from analysis_runs import interference_run, slicing_run

from analysis import captures, traces
from analysis.report import build_report
from ran_gym.cli import main


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    return {"slicing": slicing_run(root),
            "interference": [interference_run(root, seed, agent)
                             for agent in ("random", "fp") for seed in (0, 1)]}


def test_analyze_writes_a_self_contained_report(runs, tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["analyze", str(runs["slicing"]), *map(str, runs["interference"]),
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"report: {out / 'report.html'}" in printed
    page = (out / "report.html").read_text()
    images = page.split('src="data:image/png;base64,')[1:]
    assert len(images) >= 7  # slice throughput, delay CDF, allocation, ergodic, 3 bars
    for encoded in images:
        pixels = plt.imread(io.BytesIO(base64.b64decode(encoded.split('"')[0])), format="png")
        assert pixels.shape[0] > 200 and pixels.shape[1] > 300
    seeds = pd.read_csv(out / "tables" / "seeds.csv")
    assert len(seeds) == 5  # one row per scenario, agent and seed
    assert seeds[["scenario", "agent", "seed"]].drop_duplicates().shape[0] == 5
    assert seeds.set_index(["agent", "seed"]).loc[("fp", 1), "mean_ergodic_rate_bps_hz"] > 0
    comparison = pd.read_parquet(out / "tables" / "comparison.parquet")
    rate = comparison[comparison["metric"] == "mean_ergodic_rate_bps_hz"].set_index("agent")
    assert rate["seeds"].tolist() == [2, 2] and set(rate["scenario"]) == {"interference"}
    reward = comparison[comparison["metric"] == "mean_reward"].set_index(["scenario", "agent"])
    assert reward.loc[("oran-slicing", "random"), "seeds"] == 1
    assert (out / "tables" / "run0-slice_throughput.parquet").is_file()
    assert (out / "problems.txt").read_text() == ""


def test_missing_and_corrupted_files_are_named_and_the_rest_is_reported(runs, tmp_path):
    run = tmp_path / "broken"
    shutil.copytree(runs["slicing"], run)
    episode = run / "traces-episode-0000"
    (episode / "allocation.csv").unlink()
    text = (episode / "packets.csv").read_text()
    (episode / "packets.csv").write_text(text[: len(text) // 2] + "rx,0.15,1,embb\n")
    page = build_report([run], tmp_path / "out").read_text()
    problems = (tmp_path / "out" / "problems.txt").read_text()
    assert f"{episode / 'allocation.csv'}: missing trace file" in problems
    assert f"{episode / 'packets.csv'}: not a trace of the expected format" in problems
    assert "allocation.csv" in page
    steps = pd.read_csv(tmp_path / "out" / "tables" / "run0-ue_steps.csv")
    assert len(steps) == 44  # steps.csv still read: 11 states x 4 UEs


def test_truncated_binary_traces_name_the_file(runs, tmp_path):
    episode = runs["slicing"] / "traces-episode-0000"
    pcap = tmp_path / "epc-0-3.pcap"
    pcap.write_bytes((episode / "epc-0-3.pcap").read_bytes()[:-30])
    with pytest.raises(traces.TraceError, match="epc-0-3.pcap: truncated pcap"):
        captures.load_pcap(pcap)
    (tmp_path / "garbage.pcap").write_bytes(b"not a capture at all")
    with pytest.raises(traces.TraceError, match="garbage.pcap: not a pcap"):
        captures.load_pcap(tmp_path / "garbage.pcap")
    xml = tmp_path / "flowmon.xml"
    xml.write_text((episode / "flowmon.xml").read_text()[:500])
    with pytest.raises(traces.TraceError, match="flowmon.xml: truncated or corrupted"):
        captures.load_flowmon(xml)
    stats = tmp_path / "DlMacStats.txt"
    stats.write_text((episode / "DlMacStats.txt").read_text()[:300] + "\n1.0\t2\n")
    with pytest.raises(traces.TraceError, match="DlMacStats.txt: truncated or corrupted"):
        traces.load_lte_stats(stats)
    (tmp_path / "DlRlcStats.txt").write_text("")
    with pytest.raises(traces.TraceError, match="DlRlcStats.txt: empty trace file"):
        traces.load_lte_stats(tmp_path / "DlRlcStats.txt")


def test_other_version_and_empty_runs(runs, tmp_path):
    old = tmp_path / "old"
    shutil.copytree(runs["interference"][0], old)
    config = json.loads((old / "config.json").read_text())
    del config["params"]
    (old / "config.json").write_text(json.dumps(config))
    (old / "steps.parquet").unlink()
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "config.json").write_text(json.dumps(
        {"scenario": "interference", "agent": "random", "seed": 3, "params": {}}))
    build_report([old, empty, runs["interference"][1]], tmp_path / "out")
    problems = (tmp_path / "out" / "problems.txt").read_text()
    assert f"{old / 'config.json'}: a run directory of another ran-gym version" in problems
    assert "missing ['steps.parquet']" in problems
    assert f"{empty}: no trace files" in problems
    seeds = pd.read_csv(tmp_path / "out" / "tables" / "seeds.csv")
    assert len(seeds) == 3
    # The old run's traces are still analysed; the good run is complete.
    assert seeds["mean_ergodic_rate_bps_hz"].notna().tolist() == [True, False, True]
    assert seeds["mean_reward"].notna().tolist() == [False, False, True]


def test_an_evaluate_directory_gives_one_row_per_agent_and_seed(tmp_path, capsys):
    out = tmp_path / "eval"
    assert main(["evaluate", "--scenario", "interference", "--agents", "random,fp",
                 "--episodes", "2", "--seeds", "5", "--param", "pairs=3",
                 "--param", "maxSteps=3", "--out", str(out)]) == 0
    steps = pd.read_parquet(out / "steps.parquet")
    report = tmp_path / "report"
    assert main(["analyze", str(out), "--out", str(report)]) == 0
    assert (report / "problems.txt").read_text() == ""
    seeds = pd.read_csv(report / "tables" / "seeds.csv").set_index(["agent", "seed"])
    assert sorted(seeds.index) == [("fp", 5), ("fp", 6), ("random", 5), ("random", 6)]
    for (agent, seed), row in seeds.iterrows():
        mine = steps[(steps["agent"] == agent) & (steps["episode"] == seed - 5)]
        # Each unit's traces are its own episode: the ergodic rates are the mean over its
        # steps of the rates the env reported.
        rates = np.mean(np.stack(mine["info_rates"].to_numpy()), axis=0)
        assert row["mean_ergodic_rate_bps_hz"] == pytest.approx(rates.mean(), rel=1e-6)
        assert row["mean_reward"] == pytest.approx(mine["reward"].mean())
    comparison = pd.read_csv(report / "tables" / "comparison.csv")
    assert set(comparison["seeds"]) == {2}


def test_a_corrupted_value_names_the_file(runs, tmp_path):
    source = runs["interference"][0] / "trace-episode-0000.csv"
    lines = source.read_text().splitlines()
    lines[2] = lines[2].replace(",", ",x", 1)  # a time that is not a number
    bad = tmp_path / "trace-episode-0000.csv"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(traces.TraceError, match="trace-episode-0000.csv: not a trace"):
        traces.load_interference_steps(bad)
    header_only = tmp_path / "steps.csv"
    header_only.write_text(lines[0] + "\n")  # an episode that ended before its first state
    assert traces.load_interference_steps(header_only).empty


def test_a_large_packet_trace_is_streamed_to_the_same_throughput(runs, tmp_path, monkeypatch):
    from analysis import rundir

    whole = rundir.read_run(runs["slicing"])
    monkeypatch.setattr(rundir, "LARGE_TRACE_BYTES", 1000)  # every trace counts as large
    streamed = rundir.read_run(runs["slicing"])
    assert any("summarised in one streaming pass" in p for p in streamed.problems)
    assert "jitter" not in streamed.tables and "jitter" in whole.tables
    a = whole.tables["slice_throughput"].set_index(["step", "slice"])["throughput_mbps"]
    b = streamed.tables["slice_throughput"].set_index(["step", "slice"])["throughput_mbps"]
    assert b.to_dict() == pytest.approx(a[a > 0].to_dict())
    # The streamed percentile is the upper edge of the histogram bin that holds the
    # packet at the percentile's rank (the inverted CDF): within one bin above it. (The
    # whole table's interpolated percentile can lie further off where the tail is sparse.)
    from analysis.stream import DELAY_BIN_MS
    delays = whole.tables["delays"]
    p90 = streamed.tables["delay_percentiles"].set_index("slice")["p90_ms"]
    assert len(p90) >= 2
    for name, edge in p90.items():
        at_rank = np.percentile(delays.loc[delays["slice"] == name, "delay_ms"], 90,
                                method="inverted_cdf")
        assert at_rank - 1e-9 <= edge <= at_rank + DELAY_BIN_MS + 1e-9


def test_allocation_map_without_a_traced_allocation_draws_a_notice(tmp_path):
    import warnings

    from analysis import figures

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a singular extent warns; an empty map must not
        empty = figures.allocation_heatmap(np.zeros((0, 0), int), {}, tmp_path / "e.png", "t")
        full = figures.allocation_heatmap(np.array([[0, 1], [1, -1]]), {0: "embb", 1: "urllc"},
                                          tmp_path / "f.png", "t")
    assert empty.stat().st_size > 0 and full.stat().st_size > 0
