"""The report of one or more run directories: tables (CSV and Parquet), PNG figures and
one self-contained HTML page (figures embedded as base64)."""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import compare, figures, metrics, training
from analysis.rundir import RunTables, not_a_run_directory, read_paths, seed_row

COMPARED = {"mean_reward": "reward", "mean_cell_throughput_mbps": "Mbit/s",
            "mean_ergodic_rate_bps_hz": "bit/s/Hz"}


def build_report(paths: Sequence[str | Path], out: str | Path) -> Path:
    """Analyse ``paths`` into ``out``; returns the HTML report's path. Inputs that are
    not run directories are named among the problems; when none is one, a ValueError
    naming each, and nothing written."""
    rejected = {Path(p): why for p in paths if (why := not_a_run_directory(p))}
    if len(rejected) == len(paths):
        raise ValueError("nothing to analyse: " + "; ".join(
            f"{p}: {why}" for p, why in rejected.items()))
    paths = [p for p in paths if Path(p) not in rejected]
    out = Path(out)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    (out / "figures").mkdir(exist_ok=True)
    trainings = [Path(p) for p in paths if training.is_training_dir(p)]
    runs = [unit for p in paths if Path(p) not in trainings for unit in read_paths(p)]
    problems = [f"{p}: {why}" for p, why in rejected.items()]
    problems += [p for r in runs for p in r.problems]
    sections: list[tuple[str, list[Path], str]] = []
    if trainings:
        sections.append(_training_section(trainings, out, problems))
    seeds = pd.DataFrame([seed_row(r) for r in runs])
    _write(seeds, out / "tables" / "seeds")
    sections.append(("Runs (one row per agent and seed)", [], seeds.to_html(index=False)))
    sections += _comparison(seeds, out)
    if any("ergodic_rates" in r.tables for r in runs):
        png = ergodic_figure(runs, out / "figures" / "ergodic-rates.png")
        sections.append(("Ergodic rate per pair, pooled over seeds", [png], ""))
    for i, run in enumerate(runs):
        for name, table in run.tables.items():
            _write(table, out / "tables" / f"run{i}-{name}")
        try:
            sections.append(_run_section(i, run, out / "figures"))
        except (KeyError, ValueError) as error:
            problems.append(f"{run.path}: figures not drawn ({error})")
    page = out / "report.html"
    page.write_text(_html(sections, problems))
    (out / "problems.txt").write_text("".join(p + "\n" for p in problems))
    return page


def _training_section(paths: list[Path], out: Path, problems: list[str]
                      ) -> tuple[str, list[Path], str]:
    curves = {}
    for path in paths:
        try:
            curve = training.reward_curve(training.load_progress(path))
        except ValueError as error:
            problems.append(str(error))
            continue
        label = training.training_label(path)
        curves[label] = curve
        _write(curve, out / "tables" / f"training-{path.name}")
    if not curves:
        return "Training", [], "<p>no readable progress.csv</p>"
    png = figures.training_curves(curves, training.DEFAULT_WINDOW,
                                  out / "figures" / "training-reward.png")
    rows = "".join(f"<li>{html.escape(k)}: {int(c['step'].max())} steps, last block mean "
                   f"reward {c['mean_reward'].iloc[-1]:.4g}</li>" for k, c in curves.items())
    return "Training", [png], f"<ul>{rows}</ul>"


def _write(table: pd.DataFrame, stem: Path) -> None:
    table.to_csv(stem.with_suffix(".csv"), index=False)
    safe = table.copy()
    for column in safe.columns:
        if safe[column].dtype == object:
            safe[column] = safe[column].astype(str)
    safe.to_parquet(stem.with_suffix(".parquet"), index=False)


def _comparison(seeds: pd.DataFrame, out: Path) -> list[tuple[str, list[Path], str]]:
    present = [m for m in COMPARED if m in seeds.columns and seeds[m].notna().any()]
    if seeds.empty or "agent" not in seeds or not present:
        return []
    parts = []
    for scenario, group in seeds.dropna(subset=["agent", "seed"]).groupby("scenario"):
        columns = [m for m in present if group[m].notna().any()]
        parts.append(compare.summarise(group, columns).assign(scenario=scenario))
    summary = pd.concat(parts, ignore_index=True)
    _write(summary, out / "tables" / "comparison")
    pngs = [figures.comparison_bars(rows, m, out / "figures" / f"compare-{s}-{m}.png",
                                    COMPARED[m])
            for (s, m), rows in summary.groupby(["scenario", "metric"])]
    return [("Agents on identical seeds (95 % CI over seeds)", pngs,
             summary.to_html(index=False))]


def _run_section(i: int, run: RunTables, fig_dir: Path) -> tuple[str, list[Path], str]:
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
    text = "".join(f"<h3>{html.escape(n)}</h3>{_head(t[n])}" for n in
                   ("delay_percentiles", "loss", "jitter", "phy", "pdcp", "ergodic_rates",
                    "prb_utilisation")
                   if n in t)
    return f"Run {i}: {run.path} ({run.label})", pngs, text


def _head(table: pd.DataFrame, rows: int = 20) -> str:
    return table.head(rows).to_html(index=False, float_format=lambda x: f"{x:.4g}")


def _html(sections: list[tuple[str, list[Path], str]], problems: list[str]) -> str:
    body = ["<h1>ran-gym analysis</h1>"]
    if problems:
        body.append("<h2>Problems</h2><ul>" + "".join(
            f"<li>{html.escape(p)}</li>" for p in problems) + "</ul>")
    for title, pngs, text in sections:
        body.append(f"<h2>{html.escape(title)}</h2>")
        for png in pngs:
            data = base64.b64encode(png.read_bytes()).decode()
            body.append(f'<p><img alt="{png.name}" src="data:image/png;base64,{data}"></p>')
        body.append(text)
    style = "body{font-family:sans-serif;max-width:60em;margin:auto}td,th{padding:2px 6px}"
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>ran-gym analysis"
            f"</title><style>{style}</style></head><body>{''.join(body)}</body></html>\n")


def ergodic_figure(runs: Sequence[RunTables], path: Path) -> Path:
    """One percentile curve per agent, the pairs of all its seeds pooled."""
    rates: dict[str, list[np.ndarray]] = {}
    for r in runs:
        if "ergodic_rates" in r.tables:
            label = f"{r.config.get('agent', '?')}"
            rates.setdefault(label, []).append(
                r.tables["ergodic_rates"]["ergodic_rate_bps_hz"].to_numpy())
    return figures.ergodic_percentiles({k: np.concatenate(v) for k, v in rates.items()}, path)
