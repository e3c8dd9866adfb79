"""Figures of the report: matplotlib (Agg), one PNG each, axes labelled with units."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402

from analysis import metrics  # noqa: E402
from analysis.schemas import PRBS_PER_RBG  # noqa: E402

DPI = 110
SLICE_COLOURS = {"embb": "C0", "urllc": "C1", "mmtc": "C2"}


def _save(fig: plt.Figure, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def slice_throughput(series: pd.DataFrame, step_s: float, path: Path, title: str) -> Path:
    """Throughput per slice over time (one line per slice, episodes in sequence)."""
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for key, group in series.groupby("slice", observed=True):
        group = group.sort_values(["episode", "step"])
        t = np.arange(1, len(group) + 1) * step_s * 1e3
        ax.plot(t, group["throughput_mbps"], label=str(key), marker=".",
                color=SLICE_COLOURS.get(str(key)))
    ax.set(xlabel="time since first step [ms]", ylabel="throughput [Mbit/s]", title=title)
    ax.legend(title="slice")
    ax.grid(alpha=0.3)
    return _save(fig, path)


def delay_cdf(delays: pd.DataFrame, path: Path, title: str) -> Path:
    """Empirical CDF of one-way delay per slice."""
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for key, group in delays.groupby("slice", observed=True):
        x, f = metrics.cdf(group["delay_ms"].to_numpy())
        ax.step(x, f, where="post", label=f"{key} ({len(x)} packets)",
                color=SLICE_COLOURS.get(str(key)))
    ax.set(xlabel="one-way delay [ms]", ylabel="CDF", ylim=(0, 1.02), title=title)
    ax.legend(title="slice")
    ax.grid(alpha=0.3)
    return _save(fig, path)


def allocation_heatmap(grid: np.ndarray, ue_slice: dict[int, str], path: Path,
                       title: str) -> Path:
    """PRB x step map of the UE that owned each RBG (colour per UE, grey unused)."""
    present = set(np.unique(grid).tolist())
    ues = sorted(u for u in ue_slice if u in present)  # the UEs served at this O-RU
    colours = ["#dddddd", *(f"C{i % 10}" for i in range(max(len(ues), 1)))]
    index = {ue: i + 1 for i, ue in enumerate(ues)}
    coded = np.vectorize(lambda u: index.get(int(u), 0))(grid) if grid.size else grid
    prb_rows = np.repeat(coded, PRBS_PER_RBG, axis=0)
    fig, ax = plt.subplots(figsize=(7, 4))
    if grid.size:
        ax.imshow(prb_rows, aspect="auto", origin="lower", interpolation="nearest",
                  cmap=ListedColormap(colours[: len(ues) + 1]), vmin=0, vmax=len(ues),
                  extent=(0.5, grid.shape[1] + 0.5, 0, prb_rows.shape[0]))
    else:  # ns-3's own schedulers decide: no allocation is traced
        ax.text(0.5, 0.5, "no allocation traced", ha="center", va="center",
                transform=ax.transAxes)
    handles = [plt.Rectangle((0, 0), 1, 1, color=colours[0], label="unused")]
    handles += [plt.Rectangle((0, 0), 1, 1, color=colours[index[u]],
                              label=f"UE {u} ({ue_slice[u]})") for u in ues]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=7)
    ax.set(xlabel="step (10 ms each by default)", ylabel="PRB index", title=title)
    return _save(fig, path)


def comparison_bars(summary: pd.DataFrame, metric: str, path: Path, unit: str) -> Path:
    """Mean of ``metric`` per agent over the aligned seeds, error bars = 95 % CI."""
    rows = summary[summary["metric"] == metric]
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.bar(rows["agent"].astype(str), rows["mean"], yerr=rows["ci_half_width"], capsize=6,
           color="#4c72b0", label="mean over seeds, 95 % CI")
    ax.set(xlabel="agent", ylabel=f"{metric} [{unit}]",
           title=f"{rows['scenario'].iloc[0]}, {int(rows['seeds'].max())} seeds")
    if len(rows) > 4:  # names side by side would run into each other
        ax.tick_params(axis="x", labelrotation=30)
        for label in ax.get_xticklabels():
            label.set_horizontalalignment("right")
    ax.legend()
    ax.grid(axis="y", alpha=0.3)
    return _save(fig, path)


def ergodic_percentiles(rates: dict[str, np.ndarray], path: Path) -> Path:
    """Percentile curves of the pairs' ergodic rates, one per agent."""
    fig, ax = plt.subplots(figsize=(6, 3.5))
    q = np.linspace(0, 100, 101)
    for label, values in rates.items():
        ax.plot(q, np.percentile(values, q), label=label)
    ax.set(xlabel="percentile of pairs [%]", ylabel="ergodic rate [bit/s/Hz]",
           title="ergodic rate per pair (mean over an episode's steps)")
    ax.legend(title="agent")
    ax.grid(alpha=0.3)
    return _save(fig, path)


def training_curves(curves: dict[str, pd.DataFrame], window: int, path: Path) -> Path:
    """Mean reward per block of ``window`` training steps, one line per training run,
    the band one standard deviation of the block's step rewards."""
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for label, curve in curves.items():
        line, = ax.plot(curve["step"], curve["mean_reward"], marker=".", label=label)
        ax.fill_between(curve["step"], curve["mean_reward"] - curve["std_reward"],
                        curve["mean_reward"] + curve["std_reward"], alpha=0.15,
                        color=line.get_color())
    ax.set(xlabel="training step", ylabel=f"reward (mean over {window} steps)",
           title="training reward")
    ax.legend()
    ax.grid(alpha=0.3)
    return _save(fig, path)
