"""The DuckDB summary of a packet trace: hand-worked values, equality with a pandas
pass over the same trace (the loader the analysis used before), Parquet round trip,
and bad traces refused with the problem named (and no half-written Parquet file)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import stream, traces
from analysis.schemas import PACKETS

HEADER = "event,time_s,ue,slice,seq,size_bytes,delay_ms\n"
# step_s 0.1 from start 0.1: rx at 0.15 is step 1, at 0.2 (the edge) still step 1,
# at 0.2001 step 2 (ceil(1.001 - 1e-6)). Delays of 0.05 ms (the first bin's upper
# edge) fall in bin 1, 0.049 in bin 0, 2500 ms (past DELAY_MAX_MS) in the last bin.
TINY = HEADER + """tx,0.11,0,embb,0,1200,0
tx,0.12,1,urllc,0,200,0
rx,0.15,0,embb,0,1200,40
rx,0.2,1,urllc,0,200,0.05
tx,0.19,1,urllc,1,200,0
rx,0.2001,1,urllc,1,200,0.049
tx,0.3,2,mmtc,0,100,0
rx,3.0,2,mmtc,0,100,2500
"""


def write(tmp_path, text, name="packets.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_tiny_trace_by_hand(tmp_path):
    summary = stream.summarise_packets(write(tmp_path, TINY), step_s=0.1, start_s=0.1)
    assert summary.rows == 8
    per_ue = summary.per_ue.set_index(["event", "ue"])
    assert per_ue["count"].to_dict() == {("rx", 0): 1, ("rx", 1): 2, ("rx", 2): 1,
                                         ("tx", 0): 1, ("tx", 1): 2, ("tx", 2): 1}
    assert per_ue.loc[("tx", 1), "sum"] == 400 and per_ue.loc[("rx", 2), "sum"] == 100
    # 3.0 s is step ceil(2.9 / 0.1 - 1e-6) = 29.
    assert summary.per_step.set_index(["step", "slice"])["rx_bytes"].to_dict() == {
        (1, "embb"): 1200, (1, "urllc"): 200, (2, "urllc"): 200, (29, "mmtc"): 100}
    urllc = summary.delay_hist["urllc"]
    assert urllc[0] == 1 and urllc[1] == 1 and urllc.sum() == 2
    assert summary.delay_hist["embb"][800] == 1  # 40 ms / 0.05
    assert summary.delay_hist["mmtc"][-1] == 1 and len(urllc) == stream.DELAY_BINS
    assert summary.delay_percentile("embb", 50) == pytest.approx(40.05)


def pandas_summary(path, step_s, start_s):
    """The summary computed on the whole trace loaded by ``traces.load_packets``."""
    packets = traces.load_packets(path)
    per_ue = packets.groupby(["event", "ue"], observed=True)["payload_bytes"].agg(
        ["count", "sum"])
    rx = packets[packets["event"] == "rx"]
    step = np.ceil((rx["time_s"].to_numpy() - start_s) / step_s - 1e-6).astype(np.int64)
    per_step = rx.assign(step=step).groupby(["step", "slice"], observed=True)[
        "payload_bytes"].sum()
    index = np.minimum((rx["delay_ms"].to_numpy() / stream.DELAY_BIN_MS).astype(np.int64),
                       stream.DELAY_BINS - 1)
    hist = {str(name): np.bincount(index[where], minlength=stream.DELAY_BINS)
            for name, where in rx.groupby("slice", observed=True).indices.items()}
    return len(packets), per_ue, per_step, hist


def assert_same(summary, reference):
    rows, per_ue, per_step, hist = reference
    assert summary.rows == rows
    mine = summary.per_ue.set_index(["event", "ue"])[["count", "sum"]]
    assert {(str(e), int(u)): tuple(v) for (e, u), v in per_ue.iterrows()} == {
        (e, int(u)): tuple(v) for (e, u), v in mine.iterrows()}
    assert {(int(s), str(c)): int(v) for (s, c), v in per_step.items()} == \
        summary.per_step.set_index(["step", "slice"])["rx_bytes"].to_dict()
    assert hist.keys() == summary.delay_hist.keys()
    for name in hist:
        np.testing.assert_array_equal(summary.delay_hist[name], hist[name])


def test_generated_trace_equals_the_pandas_pass_on_one_and_two_threads(tmp_path):
    from ran_gym.bench.analysis import generate_packets

    path = tmp_path / "packets.csv"
    rows = generate_packets(path, 2_000_000, np.random.default_rng(3), chunk=15_000)
    reference = pandas_summary(path, 0.01, 0.1)
    assert reference[0] == rows > 50_000
    for threads in (1, 2):
        assert_same(stream.summarise_packets(path, 0.01, 0.1, threads=threads), reference)


def test_parquet_round_trip(tmp_path):
    csv = write(tmp_path, TINY)
    parquet = tmp_path / "packets.parquet"
    assert stream.packets_to_parquet(csv, parquet) == 8
    back = pd.read_parquet(parquet)
    assert list(back.columns) == list(PACKETS)
    pd.testing.assert_frame_equal(back.astype(PACKETS).reset_index(drop=True),
                                  traces.read_csv(csv, PACKETS), check_categorical=False)
    assert_same(stream.summarise_packets(parquet, 0.1, 0.1), pandas_summary(csv, 0.1, 0.1))


BAD = {
    "a slice outside the schema": (TINY.replace("urllc,1,200", "gold,1,200"),
                                   r"Line: 6.*column \"slice\""),
    "an empty field": (TINY.replace("0.3,2,mmtc", ",2,mmtc"), r"Line: 8.*column \"time_s\""),
    "a half-written last line": (TINY + "rx,3.1,2,mm", r"Line: 10"),
    "text in a number": (TINY.replace("1200,40", "1200,forty"), r"column \"delay_ms\""),
    # seq is not summarised, yet read and checked like every other field
    "text in seq": (TINY.replace("urllc,1,200", "urllc,one,200"), r"Line: 6.*column \"seq\""),
    "another header": (TINY.replace("delay_ms", "delay_s"), r"header .*delay_s"),
    "an event other than tx/rx": (TINY.replace("tx,0.3", "drop,0.3"), r"column \"event\""),
    "a negative delay": (TINY.replace("0.049", "-0.2"), "negative delay_ms"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_traces_are_refused_naming_the_problem(tmp_path, case):
    text, problem = BAD[case]
    path = write(tmp_path, text)
    with pytest.raises(traces.TraceError, match=rf"packets.csv: .*{problem}"):
        stream.summarise_packets(path, step_s=0.1, start_s=0.1)


@pytest.mark.parametrize("case", ["a half-written last line", "an empty field"])
def test_a_failed_conversion_leaves_no_parquet_file(tmp_path, case):
    path = write(tmp_path, BAD[case][0])
    with pytest.raises(traces.TraceError, match="packets.csv: "):
        stream.packets_to_parquet(path, tmp_path / "packets.parquet")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["packets.csv"]


def test_missing_and_empty_traces_are_named(tmp_path):
    with pytest.raises(traces.TraceError, match="nothing.csv: missing trace file"):
        stream.summarise_packets(tmp_path / "nothing.csv", step_s=0.1)
    with pytest.raises(traces.TraceError, match="packets.csv: empty trace file"):
        stream.summarise_packets(write(tmp_path, ""), step_s=0.1)
    with pytest.raises(traces.TraceError, match="x.parquet: not a packet trace"):
        stream.summarise_packets(write(tmp_path, "PAR1 garbage", "x.parquet"), step_s=0.1)
