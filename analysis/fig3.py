"""Fig. 3 of the O-RAN slicing paper from ``scripts/fig3.sh``'s runs: (a) Diffusion-QL's
reward per training episode in ns-3 or, for an agent trained offline, its diffusion loss
per offline update, (b) aggregate throughput against U, (c) against the O-RU
power, (d) per-slice throughput against the O-RU power, (e) against the slice power cap,
(f) against the external interference power. Every curve: mean over the seeds with a 95 % t interval
(:func:`analysis.sweep.curves`). ``paired.csv``: Diffusion-QL less every other agent,
seed by seed (:func:`paired_differences`).

The table is the sweeps' ``results.parquet`` files stacked, with a ``sweep`` column
naming the sweep directory: ``3b-*`` for panel b, ``3cd-*`` for c and d, ``3e-*`` for e,
``3f-*`` for f.

    python -m analysis.fig3 --runs runs/fig3 --out docs/results/fig3
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from analysis.figures import SLICE_COLOURS, _save  # noqa: E402
from analysis.sweep import curves  # noqa: E402

THROUGHPUT = "mean_reward_rate_mbps"
SLICES = ("embb", "urllc", "mmtc")
AGENT_COLOURS = {"diffusion-ql": "C3", "dqn": "C1", "ss-vae": "C5", "esa": "k", "milp": "k",
                 "max-sinr": "C0", "ns3-pf": "C2", "ns3-rr": "C4", "random": "C7"}


def episode_rewards(progress: pd.DataFrame, steps_per_episode: int) -> pd.DataFrame:
    """Mean reward of each complete training episode from a one-env ``progress.csv``
    (``step`` counts from 1; episode k holds steps k·n + 1 .. (k + 1)·n)."""
    if steps_per_episode < 1:
        raise ValueError(f"steps_per_episode must be >= 1, got {steps_per_episode}")
    frame = progress[["step", "reward"]].dropna()
    episode = (frame["step"].astype(int) - 1) // steps_per_episode
    grouped = frame.groupby(episode)["reward"].agg(["mean", "size"])
    grouped = grouped[grouped["size"] == steps_per_episode]
    return pd.DataFrame({"episode": grouped.index.astype(int) + 1,
                         "mean_reward": grouped["mean"].to_numpy()})


def panel(table: pd.DataFrame, prefix: str, x: str, metric: str,
          series: tuple[str, ...] = ()) -> pd.DataFrame:
    """``curves`` of ``metric`` against ``x`` over the sweeps named ``prefix*``."""
    rows = table[table["sweep"].str.startswith(prefix)]
    if rows.empty or metric not in rows.columns:
        return pd.DataFrame(columns=["agent", *series, x, "metric", "seeds", "mean",
                                     "ci_half_width"])
    return curves(rows.dropna(subset=[metric]), x, metric, series)


PAIRED = (("b", "3b", "nUes", ()), ("c", "3cd", "ruPowerDbm", ()),
          ("e", "3e", "embbMaxPaDb", ()), ("f", "3f", "extInterfDbm", ("ruPowerDbm",)))
"""The panels whose cells :func:`paired_differences` compares: name, sweep prefix, x and
the series beside x."""


def paired_differences(table: pd.DataFrame, prefix: str, x: str, metric: str,
                       series: tuple[str, ...] = (), reference: str = "diffusion-ql"
                       ) -> pd.DataFrame:
    """``reference`` less every other agent, seed by seed (the agents of one seed play
    the same drop, shadowing and traffic): per point and agent, the seeds both played,
    the mean, least and greatest difference and on how many seeds ``reference`` is
    above. Empty where ``reference`` played none of the sweeps."""
    columns = [*series, x, "agent", "metric", "seeds", "mean_difference",
               "min_difference", "max_difference", "reference_above"]
    rows = table[table["sweep"].str.startswith(prefix)]
    if rows.empty or metric not in rows.columns:
        return pd.DataFrame(columns=columns)
    keys = [*series, x, "seed"]
    rows = rows.dropna(subset=[metric])
    if rows.duplicated([*keys, "agent"]).any():
        raise ValueError(f"paired_differences: sweeps {prefix}* hold more than one cell of "
                         f"an agent at one point and seed")
    ours = rows[rows["agent"] == reference].set_index(keys)[metric]
    out = []
    for agent, theirs in rows[rows["agent"] != reference].groupby("agent"):
        both = pd.concat([ours.rename("ours"), theirs.set_index(keys)[metric].rename("theirs")],
                         axis=1, join="inner")
        difference = (both["ours"] - both["theirs"]).rename("d").reset_index()
        for point, d in difference.groupby([*series, x]):
            values = point if isinstance(point, tuple) else (point,)
            out.append({**dict(zip([*series, x], values, strict=True)), "agent": agent,
                        "metric": metric, "seeds": len(d), "mean_difference": d["d"].mean(),
                        "min_difference": d["d"].min(), "max_difference": d["d"].max(),
                        "reference_above": int((d["d"] > 0).sum())})
    return pd.DataFrame(out, columns=columns)


def _draw(ax: plt.Axes, data: pd.DataFrame, x: str, series: str | None = None,
          unit: str = "") -> None:
    styles = ["-", "--", ":", "-."]
    levels = sorted(data[series].unique()) if series else [None]
    for agent, group in data.groupby("agent", sort=True):
        for i, level in enumerate(levels):
            part = group if level is None else group[group[series] == level]
            if part.empty:
                continue
            part = part.sort_values(x)
            label = str(agent) if level is None else f"{agent}, {level:g}{unit}"
            ax.errorbar(part[x], part["mean"], yerr=part["ci_half_width"], marker="o",
                        ms=4, capsize=3, linestyle=styles[i % len(styles)], label=label,
                        color=AGENT_COLOURS.get(str(agent)))
    ax.grid(alpha=0.3)


def figure_a(progress: Mapping[int, pd.DataFrame], steps_per_episode: int,
             path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(6, 4))
    for i, (ues, frame) in enumerate(sorted(progress.items())):
        episodes = episode_rewards(frame, steps_per_episode)
        ax.plot(episodes["episode"], episodes["mean_reward"], color=f"C{i}", alpha=0.3, lw=0.8)
        smooth = episodes["mean_reward"].rolling(5, min_periods=1).mean()
        ax.plot(episodes["episode"], smooth, color=f"C{i}", lw=2, label=f"U = {ues}")
    ax.set(xlabel=f"training episode ({steps_per_episode} steps of 10 ms, a new drop each)",
           ylabel="mean reward per step (thin) and 5-episode mean",
           title="(a) Diffusion-QL training, ns-3")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return _save(fig, path)


def figure_a_offline(pretrain: Mapping[int, pd.DataFrame], path: Path) -> Path:
    """Panel (a) for agents trained offline (no ns-3 episodes): the diffusion (BC) loss on
    the demonstrations against the offline update, one curve per U."""
    fig, ax = plt.subplots(figsize=(6, 4))
    for i, (ues, frame) in enumerate(sorted(pretrain.items())):
        ax.plot(frame["update"], frame["bc_loss"], color=f"C{i}", alpha=0.3, lw=0.8)
        smooth = frame["bc_loss"].rolling(10, min_periods=1).mean()
        ax.plot(frame["update"], smooth, color=f"C{i}", lw=2, label=f"U = {ues}")
    ax.set(xlabel="offline update (batch 128)", ylabel="diffusion loss on the demonstrations",
           yscale="log", title="(a) Diffusion-QL + demonstrations, offline training")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize="small")
    return _save(fig, path)


def figure_xy(data: pd.DataFrame, x: str, xlabel: str, title: str, path: Path,
              series: str | None = None, unit: str = "") -> Path:
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    _draw(ax, data, x, series, unit)
    ax.set(xlabel=xlabel, ylabel="aggregate throughput [Mbit/s]", title=title)
    if data.empty:
        ax.text(0.5, 0.5, "not measured", ha="center", transform=ax.transAxes)
    else:
        ax.legend(fontsize="x-small", ncol=2)
    return _save(fig, path)


def figure_slices(table: pd.DataFrame, prefix: str, x: str, xlabel: str, letter: str,
                  path: Path) -> tuple[Path, pd.DataFrame]:
    fig, axes = plt.subplots(1, 3, figsize=(13, 4), sharex=True)
    frames = []
    for ax, name in zip(axes, SLICES, strict=True):
        data = panel(table, prefix, x, f"mean_slice_{name}_throughput_mbps")
        frames.append(data)
        _draw(ax, data, x)
        ax.set(xlabel=xlabel, ylabel=f"{name} throughput [Mbit/s]",
               title=f"({letter}) {name}, U = 25")
        ax.title.set_color(SLICE_COLOURS[name])
    axes[0].legend(fontsize="x-small")
    return _save(fig, path), pd.concat(frames, ignore_index=True)


def fig3_figures(table: pd.DataFrame, progress: Mapping[int, pd.DataFrame],
                 steps_per_episode: int, out: Path,
                 pretrain: Mapping[int, pd.DataFrame] | None = None) -> list[Path]:
    """Every panel as ``out``/fig3<panel>.png and their curves in ``out``/curves.csv;
    panel (a) from ``progress`` (ns-3 training) or else from ``pretrain`` (offline)."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    if progress:
        paths.append(figure_a(progress, steps_per_episode, out / "fig3a.png"))
    elif pretrain:
        paths.append(figure_a_offline(pretrain, out / "fig3a.png"))
    b = panel(table, "3b", "nUes", THROUGHPUT)
    c = panel(table, "3cd", "ruPowerDbm", THROUGHPUT)
    f = panel(table, "3f", "extInterfDbm", THROUGHPUT, ("ruPowerDbm",))
    paths.append(figure_xy(b, "nUes", "number of UEs U", "(b) 46 dBm", out / "fig3b.png"))
    paths.append(figure_xy(c, "ruPowerDbm", "O-RU power [dBm] (0.1 .. 0.7 W)", "(c) U = 25",
                           out / "fig3c.png"))
    d_path, d = figure_slices(table, "3cd", "ruPowerDbm", "O-RU power [dBm]", "d",
                              out / "fig3d.png")
    e_path, e = figure_slices(table, "3e", "embbMaxPaDb",
                              "slice power cap: highest P_A of every slice [dB]", "e",
                              out / "fig3e.png")
    paths += [d_path, e_path]
    paths.append(figure_xy(f, "extInterfDbm", "power of each external interferer [dBm]",
                           "(f) U = 20, 3 interferers at 1000 m", out / "fig3f.png",
                           series="ruPowerDbm", unit=" dBm"))
    for name, data in (("b", b), ("c", c), ("d", d), ("e", e), ("f", f)):
        data.insert(0, "panel", name)
    pd.concat([b, c, d, e, f], ignore_index=True).to_csv(out / "curves.csv", index=False)
    paired = [paired_differences(table, prefix, x, metric, series).assign(panel=name)
              for name, prefix, x, series in PAIRED for metric in (THROUGHPUT, "mean_reward")]
    differences = pd.concat(paired, ignore_index=True)
    first = ["panel", "metric", "agent", *dict.fromkeys(
        name for _, _, x, series in PAIRED for name in (*series, x))]
    differences[first + [c for c in differences.columns if c not in first]].to_csv(
        out / "paired.csv", index=False)
    return paths


def load(runs: Path) -> tuple[pd.DataFrame, dict[int, pd.DataFrame]]:
    """The stacked sweep tables and Diffusion-QL's training progress by U (see
    :func:`load_pretrain` for its offline updates)."""
    tables = [pd.read_parquet(p).assign(sweep=p.parent.name)
              for p in sorted((runs / "sweeps").glob("*/results.parquet"))]
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(
        columns=["sweep", "agent", "seed"])
    progress = {}
    for path in sorted((runs / "train").glob("diffusion-ql-u*/progress.csv")):
        progress[int(path.parent.name.rsplit("-u", 1)[1])] = pd.read_csv(path)
    return table, progress


def load_pretrain(runs: Path) -> dict[int, pd.DataFrame]:
    """Diffusion-QL's offline updates by U (``pretrain.csv``), where it had any."""
    return {int(path.parent.name.rsplit("-u", 1)[1]): pd.read_csv(path)
            for path in sorted((runs / "train").glob("diffusion-ql-u*/pretrain.csv"))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=Path, default=Path("runs/fig3"))
    parser.add_argument("--out", type=Path, default=Path("docs/results/fig3"))
    parser.add_argument("--steps-per-episode", type=int, default=20)
    args = parser.parse_args(argv)
    table, progress = load(args.runs)
    # Panel (a) needs training episodes in ns-3; an agent trained offline has none.
    progress = {u: p for u, p in progress.items() if len(p) >= 2 * args.steps_per_episode}
    args.out.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out / "cells.csv", index=False)
    for path in fig3_figures(table, progress, args.steps_per_episode, args.out,
                             load_pretrain(args.runs)):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
