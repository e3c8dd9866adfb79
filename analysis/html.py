"""The report's HTML: one self-contained page (figures embedded as base64 PNG) laid out
to be read at 1 280 px without sideways scrolling: tables in a small font, headers that
break after each underscore, numbers to 4 significant digits, figures scaled to the page.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

STYLE = """
body{font-family:sans-serif;max-width:76em;margin:auto;padding:0 1em}
img{max-width:100%;height:auto}
.figures{display:flex;flex-wrap:wrap;gap:0.5em}
.figures img{max-width:calc(50% - 0.5em)}
table{border-collapse:collapse;font-size:0.85em;margin:0.5em 0;max-width:100%}
td,th{padding:2px 6px;border:1px solid #ccc;text-align:right;overflow-wrap:anywhere}
th{background:#f2f2f2}
td:first-child,th:first-child{text-align:left}
"""


@dataclass
class Section:
    """A heading, its figures and its HTML below them."""

    title: str
    figures: list[Path] = field(default_factory=list)
    body: str = ""
    level: int = 2
    body_first: bool = False
    """The HTML above the figures (a table the figures illustrate)."""


def table(frame: pd.DataFrame, rows: int | None = None) -> str:
    """``frame`` as an HTML table: headers that may break after underscores, floats to
    4 significant digits, at most ``rows`` rows."""
    shown = frame if rows is None else frame.head(rows)
    head = "".join(f"<th>{_breakable(str(c))}</th>" for c in shown.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>"
                   for row in shown.itertuples(index=False))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def page(title: str, sections: list[Section], problems: list[str]) -> str:
    """The whole page; ``problems`` (what could not be read) are counted at the top and
    listed at the end, so that the first section is the one a reader came for."""
    body = [f"<h1>{html.escape(title)}</h1>"]
    if problems:
        body.append(f"<p><a href='#problems'>{len(problems)} problem(s)</a> reading the "
                    "inputs, listed at the end.</p>")
    for section in sections:
        body.append(f"<h{section.level}>{html.escape(section.title)}</h{section.level}>")
        images = "".join(_image(png) for png in section.figures)
        parts = [section.body, f"<div class='figures'>{images}</div>" if images else ""]
        body += parts if section.body_first else parts[::-1]
    if problems:
        body.append("<h2 id='problems'>Problems</h2><ul>" + "".join(
            f"<li>{html.escape(p)}</li>" for p in problems) + "</ul>")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
            f"</title><style>{STYLE}</style></head><body>{''.join(body)}</body></html>\n")


def _image(png: Path) -> str:
    data = base64.b64encode(png.read_bytes()).decode()
    return f'<img alt="{html.escape(png.name)}" src="data:image/png;base64,{data}">'


def _breakable(text: str) -> str:
    return "_<wbr>".join(html.escape(part) for part in text.split("_"))


def _cell(value: object) -> str:
    if isinstance(value, float):
        return "" if pd.isna(value) else f"{value:.4g}"
    return str(value)
