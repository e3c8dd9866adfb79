"""Sweeps: every cell of a grid (scenario parameters × agents × seeds) evaluated as a
Ray task into its own run directory, then gathered into one table and one report."""

from bridge.sweep.gather import gather, report
from bridge.sweep.grid import Cell, Grid, load_grid, parse_grid
from bridge.sweep.runner import SweepOutcome, run_sweep

__all__ = ["Cell", "Grid", "SweepOutcome", "gather", "load_grid", "parse_grid", "report",
           "run_sweep"]
