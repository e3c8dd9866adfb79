"""The report of one or more run directories: tables (CSV and Parquet), PNG figures and
one self-contained HTML page (figures embedded as base64)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import compare, figures, metrics, training
from analysis.html import Section
from analysis.html import page as html_page
from analysis.html import table as html_table
from analysis.rundir import RunTables, not_a_run_directory, read_paths, seed_row

COMPARED = {"mean_reward": "reward", "mean_cell_throughput_mbps": "Mbit/s",
            "mean_ergodic_rate_bps_hz": "bit/s/Hz"}


def build_report(paths: Sequence[str | Path], out: str | Path) -> Path:
    """Analyse ``paths`` into ``out``; returns the HTML report's path. The page leads
    with the agents compared (table with confidence intervals, bars), then the training
    curves, then each run. Inputs that are not run directories are named among the
    problems; when none is one, a ValueError naming each, and nothing written."""
    rejected = {Path(p): why for p in paths if (why := not_a_run_directory(p))}
    if len(rejected) == len(paths):
        raise ValueError("nothing to analyse: " + "; ".join(
            f"{p}: {why}" for p, why in rejected.items()))
    inputs = [Path(p) for p in paths if Path(p) not in rejected]
    out = Path(out)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    (out / "figures").mkdir(exist_ok=True)
    trainings = [p for p in inputs if training.is_training_dir(p)]
    runs = [unit for p in inputs if p not in trainings for unit in read_paths(p)]
    problems = [f"{p}: {why}" for p, why in rejected.items()]
    problems += [p for r in runs for p in r.problems]
    seeds = pd.DataFrame([seed_row(r) for r in runs])
    _write(seeds, out / "tables" / "seeds")
    sections = _comparison(seeds, out)
    if trainings:
        sections.append(_training_section(trainings, out, problems))
    if any("ergodic_rates" in r.tables for r in runs):
        png = ergodic_figure(runs, out / "figures" / "ergodic-rates.png")
        sections.append(Section("Ergodic rate per pair, pooled over seeds", [png]))
    sections += _runs(seeds, runs, inputs, out, problems)
    page = out / "report.html"
    page.write_text(html_page("ran-gym analysis", sections, problems))
    (out / "problems.txt").write_text("".join(p + "\n" for p in problems))
    return page


def _training_section(paths: list[Path], out: Path, problems: list[str]) -> Section:
    curves = {}
    for path in paths:
        try:
            curve = training.reward_curve(training.load_progress(path))
        except ValueError as error:
            problems.append(str(error))
            continue
        if curve.empty:
            problems.append(f"{path / training.PROGRESS}: fewer than half a block of "
                            f"{training.DEFAULT_WINDOW} steps, no training curve")
            continue
        label = training.training_label(path)
        curves[label] = curve
        _write(curve, out / "tables" / f"training-{path.name}")
    if not curves:
        return Section("Training", body="<p>no readable progress.csv</p>")
    png = figures.training_curves(curves, training.DEFAULT_WINDOW,
                                  out / "figures" / "training-reward.png")
    rows = "".join(f"<li>{html.escape(k)}: {int(c['step'].max())} steps, last block mean "
                   f"reward {c['mean_reward'].iloc[-1]:.4g}</li>" for k, c in curves.items())
    return Section("Training", [png], f"<ul>{rows}</ul>")


def _write(table: pd.DataFrame, stem: Path) -> None:
    table.to_csv(stem.with_suffix(".csv"), index=False)
    safe = table.copy()
    for column in safe.columns:
        if safe[column].dtype == object:
            safe[column] = safe[column].astype(str)
    safe.to_parquet(stem.with_suffix(".parquet"), index=False)


def _metrics(seeds: pd.DataFrame) -> list[str]:
    """The numeric headline columns of the seeds table (not its keys or step counts)."""
    keys = {"run", "scenario", "agent", "seed", "steps"}
    return [c for c in seeds.columns if c not in keys
            and pd.api.types.is_numeric_dtype(seeds[c]) and seeds[c].notna().any()]


def _comparison(seeds: pd.DataFrame, out: Path) -> list[Section]:
    """Per scenario: every agent's mean and 95 % CI over the seeds all agents share, as
    one table (a row per agent, ``mean ± half-width`` per metric) and bars."""
    metrics_ = _metrics(seeds) if "agent" in seeds else []
    if seeds.empty or not metrics_:
        return []
    parts = []
    for scenario, group in seeds.dropna(subset=["agent", "seed"]).groupby("scenario"):
        columns = [m for m in metrics_ if group[m].notna().any()]
        parts.append(compare.summarise(group, columns).assign(scenario=scenario))
    summary = pd.concat(parts, ignore_index=True)
    _write(summary, out / "tables" / "comparison")
    bars = summary[summary["metric"].isin(COMPARED)]
    pngs = [figures.comparison_bars(rows, m, out / "figures" / f"compare-{s}-{m}.png",
                                    COMPARED[m])
            for (s, m), rows in bars.groupby(["scenario", "metric"])]
    tables = "".join(f"<h3>{html.escape(str(s))}</h3>{html_table(_wide(rows))}"
                     for s, rows in summary.groupby("scenario"))
    return [Section("Agents compared: mean over the seeds every agent has, ± 95 % CI", pngs,
                    tables, body_first=True)]


def _wide(summary: pd.DataFrame) -> pd.DataFrame:
    """One row per agent: ``seeds``, then ``mean ± half-width`` for every metric."""
    rows = []
    for agent, group in summary.groupby("agent", sort=False):
        row: dict[str, object] = {"agent": agent, "seeds": int(group["seeds"].max())}
        for r in group.itertuples():
            row[str(r.metric)] = "" if pd.isna(r.mean) else f"{r.mean:.4g} ± {r.ci_half_width:.2g}"
        rows.append(row)
    return pd.DataFrame(rows)


def _runs(seeds: pd.DataFrame, runs: list[RunTables], inputs: list[Path], out: Path,
          problems: list[str]) -> list[Section]:
    """The inputs named once, one table per scenario (a row per agent and seed, the
    directory by its number), then each run's figures and tables."""
    number = {path: i + 1 for i, path in enumerate(inputs)}
    legend = "<ol>" + "".join(f"<li>{html.escape(str(p))}</li>" for p in inputs) + "</ol>"
    tables = ""
    if not seeds.empty:
        shown = seeds.assign(run=[f"#{number[r.path]}" for r in runs]).rename(
            columns={"run": "dir"})
        for scenario, rows in shown.groupby("scenario", sort=False):
            rows = rows.drop(columns="scenario").dropna(axis=1, how="all")
            tables += f"<h3>{html.escape(str(scenario))}</h3>{html_table(rows)}"
    sections = [Section("Runs: one row per agent and seed", body=legend + tables)]
    for i, run in enumerate(runs):
        for name, frame in run.tables.items():
            _write(frame, out / "tables" / f"run{i}-{name}")
        try:
            section = _run_section(i, run, out / "figures")
        except (KeyError, ValueError) as error:
            problems.append(f"{run.path}: figures not drawn ({error})")
            continue
        section.title += f" (#{number[run.path]})"
        sections.append(section)
    return sections


def _run_section(i: int, run: RunTables, fig_dir: Path) -> Section:
    t, pngs = run.tables, []
    step_s = float(run.config.get("params", {}).get("stepMs", 10)) / 1e3
    if "slice_throughput" in t:
        pngs.append(figures.slice_throughput(t["slice_throughput"], step_s,
                                             fig_dir / f"run{i}-slice-throughput.png",
                                             f"throughput per slice, {run.label}"))
    if "delays" in t and len(t["delays"]):
        pngs.append(figures.delay_cdf(t["delays"], fig_dir / f"run{i}-delay-cdf.png",
                                      f"one-way delay, {run.label}"))
    if "allocation" in t and "ue_steps" in t:
        first = t["allocation"][t["allocation"]["episode"] == t["allocation"]["episode"].min()]
        slices = t["ue_steps"].drop_duplicates("ue").set_index("ue")["slice"].astype(str)
        grid = metrics.allocation_grid(first, ru=0)
        pngs.append(figures.allocation_heatmap(grid, slices.to_dict(),
                                               fig_dir / f"run{i}-allocation-ru0.png",
                                               f"PRB allocation at O-RU 0, {run.label}"))
    text = "".join(f"<h4>{html.escape(n)}</h4>{html_table(t[n], rows=20)}" for n in
                   ("delay_percentiles", "loss", "jitter", "phy", "pdcp", "ergodic_rates",
                    "prb_utilisation")
                   if n in t)
    return Section(f"Run {i}: {run.label}", pngs, text, level=3)


def ergodic_figure(runs: Sequence[RunTables], path: Path) -> Path:
    """One percentile curve per agent, the pairs of all its seeds pooled."""
    rates: dict[str, list[np.ndarray]] = {}
    for r in runs:
        if "ergodic_rates" in r.tables:
            label = f"{r.config.get('agent', '?')}"
            rates.setdefault(label, []).append(
                r.tables["ergodic_rates"]["ergodic_rate_bps_hz"].to_numpy())
    return figures.ergodic_percentiles({k: np.concatenate(v) for k, v in rates.items()}, path)
