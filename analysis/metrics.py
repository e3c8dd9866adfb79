"""Metrics of per-packet and per-step traces: pure functions of typed DataFrames.

Step k covers the interval (t(k-1), t(k)] of the step table's times: a packet received
exactly at t(k) counts in step k, as the scenario programs count it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.schemas import PRBS_PER_RBG

PERCENTILES = (50.0, 90.0, 95.0, 99.0)
LTE_PRBS = 50  # 10 MHz carrier of the oran-slicing scenario


def step_of(times: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Step index of each time: k with edges[k-1] < t <= edges[k] (0 before edges[0])."""
    return np.searchsorted(np.asarray(edges, dtype=float), np.asarray(times, dtype=float),
                           side="left")


def throughput_series(packets: pd.DataFrame, edges: np.ndarray, by: str = "ue"
                      ) -> pd.DataFrame:
    """Received Mbit/s per step and ``by`` key (``ue`` or ``slice``) from rx rows: columns
    step, ``by``, rx_bytes, throughput_mbps. Steps are the edges' intervals 1..K."""
    edges = np.asarray(edges, dtype=float)
    rx = packets[packets["event"] == "rx"]
    step = step_of(rx["time_s"].to_numpy(), edges)
    inside = (step >= 1) & (step < len(edges))
    frame = pd.DataFrame({"step": step[inside], by: rx[by].to_numpy()[inside],
                          "rx_bytes": rx["payload_bytes"].to_numpy()[inside]})
    sums = frame.groupby(["step", by], observed=True)["rx_bytes"].sum()
    keys = np.unique(packets[by].to_numpy())
    index = pd.MultiIndex.from_product([np.arange(1, len(edges)), keys], names=["step", by])
    sums = sums.reindex(index, fill_value=0).reset_index()
    length = np.diff(edges)[sums["step"].to_numpy() - 1]
    sums["throughput_mbps"] = sums["rx_bytes"] * 8.0 / length / 1e6
    return sums


def delay_percentiles(packets: pd.DataFrame, by: str = "slice",
                      q: Sequence[float] = PERCENTILES) -> pd.DataFrame:
    """One-way delay percentiles [ms] of received packets per ``by`` key (linear
    interpolation between order statistics), with the mean and the count."""
    rx = packets[packets["event"] == "rx"]
    rows = []
    for key, group in rx.groupby(by, observed=True):
        d = group["delay_ms"].to_numpy()
        rows.append({by: key, "packets": len(d), "mean_ms": float(d.mean()),
                     **{f"p{q_:g}_ms": float(np.percentile(d, q_)) for q_ in q}})
    return pd.DataFrame(rows)


def cdf(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Empirical CDF: sorted values and F = i / n at each."""
    x = np.sort(np.asarray(values, dtype=float))
    return x, np.arange(1, len(x) + 1) / max(len(x), 1)


def loss(packets: pd.DataFrame, by: str = "ue") -> pd.DataFrame:
    """Packets sent, received (distinct sequence numbers) and lost per ``by`` key."""
    tx = packets[packets["event"] == "tx"].groupby(by, observed=True)["seq"].nunique()
    rx = packets[packets["event"] == "rx"].groupby(by, observed=True)["seq"].nunique()
    frame = pd.DataFrame({"tx_packets": tx, "rx_packets": rx}).fillna(0).astype("int64")
    frame["lost_packets"] = frame["tx_packets"] - frame["rx_packets"]
    frame["loss_ratio"] = frame["lost_packets"] / frame["tx_packets"].where(
        frame["tx_packets"] > 0)
    return frame.reset_index()


def jitter(packets: pd.DataFrame) -> pd.DataFrame:
    """Per UE: the sum and mean of |delay_i - delay_(i-1)| over consecutive received
    packets in receive order [ms] (FlowMonitor's jitterSum; mean = sum / (rx - 1))."""
    rx = packets[packets["event"] == "rx"].sort_values(["ue", "time_s"], kind="stable")
    rows = []
    for ue, group in rx.groupby("ue"):
        d = np.abs(np.diff(group["delay_ms"].to_numpy()))
        rows.append({"ue": ue, "jitter_sum_ms": float(d.sum()),
                     "jitter_mean_ms": float(d.mean()) if len(d) else 0.0})
    return pd.DataFrame(rows)


def qos_ok(steps: pd.DataFrame, embb_min_mbps: float, urllc_min_mbps: float,
           urllc_max_delay_ms: float) -> np.ndarray:
    """The scenario's per-step QoS rule, recomputed from ``steps.csv`` columns: eMBB
    throughput >= min; URLLC throughput >= min and 0 < packets, mean delay <= max;
    mMTC bytes received >= bytes sent."""
    s = steps["slice"].astype(str).to_numpy()
    thr, delay = steps["throughput_mbps"].to_numpy(), steps["delay_ms"].to_numpy()
    embb = thr >= embb_min_mbps
    urllc = ((thr >= urllc_min_mbps) & (steps["rx_packets"].to_numpy() > 0)
             & (delay <= urllc_max_delay_ms))
    mmtc = steps["rx_bytes"].to_numpy() >= steps["tx_bytes"].to_numpy()
    return np.where(s == "embb", embb, np.where(s == "urllc", urllc, mmtc))


def qos_satisfaction(steps: pd.DataFrame) -> pd.DataFrame:
    """Share of UE-steps (steps >= 1) whose slice QoS held, per slice."""
    acted = steps[steps["step"] >= 1]
    share = acted.groupby("slice", observed=True)["qos_ok"].mean()
    return share.rename("qos_satisfaction").reset_index()


def jain(values: np.ndarray) -> float:
    """Jain's fairness index (sum x)^2 / (n sum x^2); 1 for all-zero input."""
    x = np.asarray(values, dtype=float)
    denominator = len(x) * float(np.sum(x * x))
    return 1.0 if denominator == 0 else float(np.sum(x) ** 2 / denominator)


def prb_utilisation(allocation: pd.DataFrame, step_ttis: int,
                    prbs: int = LTE_PRBS) -> pd.DataFrame:
    """Per step and O-RU: PRB-TTIs that carried data / (TTIs x PRBs). RBG r spans PRBs
    3r .. min(3r + 3, prbs) - 1."""
    rbg_prbs = np.clip(prbs - PRBS_PER_RBG * allocation["rbg"].to_numpy(), 0, PRBS_PER_RBG)
    used = allocation.assign(prb_ttis=allocation["data_ttis"].to_numpy() * rbg_prbs)
    per = used.groupby(["step", "ru"])["prb_ttis"].sum().reset_index()
    per["utilisation"] = per["prb_ttis"] / (step_ttis * prbs)
    return per


def allocation_grid(allocation: pd.DataFrame, ru: int, column: str = "applied_ue"
                    ) -> np.ndarray:
    """RBG x step matrix of ``column`` (a UE index, -1 unused) at one O-RU."""
    at = allocation[allocation["ru"] == ru]
    grid = at.pivot_table(index="rbg", columns="step", values=column, aggfunc="first")
    return grid.fillna(-1).to_numpy(dtype=int)


def ergodic_rates(trace: pd.DataFrame) -> pd.DataFrame:
    """Interference scenario: each pair's ergodic rate, the mean over the acted steps
    (step >= 1) of the rate it delivered [bit/s/Hz], with its number of steps."""
    acted = trace[trace["step"] >= 1]
    per = acted.groupby("pair")["rate_bps_hz"].agg(["mean", "count"]).reset_index()
    return per.rename(columns={"mean": "ergodic_rate_bps_hz", "count": "steps"})
