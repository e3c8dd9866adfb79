"""The report of a sweep: per metric, its mean over seeds (with a 95 % t interval)
against a swept parameter, one curve per agent and setting of the other swept
parameters; the table of every cell; one self-contained HTML page."""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from analysis.compare import mean_ci  # noqa: E402


def curves(table: pd.DataFrame, x: str, metric: str, series: Sequence[str] = ()
           ) -> pd.DataFrame:
    """One row per (agent, series values, x): seeds, mean, CI half-width of ``metric``."""
    keys = ["agent", *series, x]
    rows = []
    for key, group in table.groupby(keys, sort=True):
        mean, half = mean_ci(group[metric].to_numpy())
        rows.append({**dict(zip(keys, key, strict=True)), "metric": metric,
                     "seeds": int(group["seed"].nunique()), "mean": mean,
                     "ci_half_width": half})
    return pd.DataFrame(rows)


def curve_figure(data: pd.DataFrame, x: str, metric: str, series: Sequence[str],
                 path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(6, 4))
    for key, group in data.groupby(["agent", *series], sort=True):
        parts = key if isinstance(key, tuple) else (key,)
        named = [f"{n}={v}" for n, v in zip(series, parts[1:], strict=True)]
        label = ", ".join([str(parts[0]), *named])
        ax.errorbar(group[x], group["mean"], yerr=group["ci_half_width"], marker="o",
                    capsize=3, label=label)
    ax.set_xlabel(x)
    ax.set_ylabel(f"{metric} (mean over seeds, 95 % CI)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def sweep_report(table: pd.DataFrame, out: str | Path, x: str | None,
                 metrics: Sequence[str], series: Sequence[str] = ()) -> Path:
    """Write ``out``/report.html, curves.csv and one PNG per metric; returns the page."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "cells.csv", index=False)
    parts, problems = [], []
    if x is not None and not table.empty:
        frames = []
        for metric in metrics:
            if metric not in table.columns:
                problems.append(f"metric {metric!r} is not in the table")
                continue
            data = curves(table, x, metric, series)
            frames.append(data)
            png = curve_figure(data, x, metric, series, out / f"{metric}-vs-{x}.png")
            image = base64.b64encode(png.read_bytes()).decode()
            parts.append(f"<h2>{html.escape(metric)} against {html.escape(x)}</h2>"
                         f'<p><img alt="{png.name}" src="data:image/png;base64,{image}"></p>'
                         + data.to_html(index=False, float_format=lambda v: f"{v:.4g}"))
        if frames:
            pd.concat(frames, ignore_index=True).to_csv(out / "curves.csv", index=False)
    listed = "".join(f"<li>{html.escape(p)}</li>" for p in problems)
    body = (f"<h1>ran-gym sweep</h1>{'<ul>' + listed + '</ul>' if listed else ''}"
            + "".join(parts) + f"<h2>Cells ({len(table)})</h2>"
            + table.to_html(index=False, float_format=lambda v: f"{v:.4g}"))
    page = out / "report.html"
    page.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'><title>ran-gym sweep"
                    "</title><style>body{font-family:sans-serif;margin:1em}td,th{padding:2px"
                    f" 6px}}</style></head><body>{body}</body></html>\n")
    return page
