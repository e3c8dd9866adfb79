"""Loading and summarising what runs leave in their run directories."""

from analysis.runs import load_run

__all__ = ["load_run"]
