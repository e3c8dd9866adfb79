"""Sweeps: every cell of a grid (scenario parameters × agents × seeds) evaluated as a
Ray task into its own run directory, then gathered into one table and one report."""

from ran_gym.sweep.gather import gather, report
from ran_gym.sweep.grid import Cell, Grid, load_grid, parse_grid
from ran_gym.sweep.runner import SweepOutcome, run_sweep

__all__ = ["Cell", "Grid", "SweepOutcome", "gather", "load_grid", "parse_grid", "report",
           "run_sweep"]
