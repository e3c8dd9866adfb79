"""Accuracy of predicted actions against reference (optimal) ones: Table II of paper A.

Every function takes ``pred`` and ``true`` as arrays [N, D] (N test samples, D entries
each) of normalised action vectors, entries in [0, 1]:

- ``mae``: mean absolute error over all N x D entries.
- ``r2``: coefficient of determination, variance-weighted over the D entries:
  1 - sum (true - pred)^2 / sum (true - mean_n true)^2, the mean taken per entry over
  the samples (scikit-learn's ``variance_weighted``); entries the test set never
  varies in add to the residual but not to the variance. NaN when nothing varies.
- ``cosine``: mean over samples of the cosine similarity of pred_n and true_n; a pair
  of zero vectors counts 1, one zero vector against a non-zero one 0.
- ``baep``: Binary Association Error Percentage, 100 x the share of binary entries
  (0/1: association one-hot and PRB/RBG assignment) where pred differs from true.
"""

from __future__ import annotations

import numpy as np


def _pair(pred: np.ndarray, true: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p = np.atleast_2d(np.asarray(pred, dtype=np.float64))
    t = np.atleast_2d(np.asarray(true, dtype=np.float64))
    if p.shape != t.shape or p.size == 0:
        raise ValueError(f"pred {p.shape} and true {t.shape} must be equal, non-empty [N, D]")
    return p, t


def mae(pred: np.ndarray, true: np.ndarray) -> float:
    p, t = _pair(pred, true)
    return float(np.abs(p - t).mean())


def r2(pred: np.ndarray, true: np.ndarray) -> float:
    p, t = _pair(pred, true)
    total = float(((t - t.mean(axis=0)) ** 2).sum())
    if total == 0.0:
        return float("nan")
    return 1.0 - float(((t - p) ** 2).sum()) / total


def cosine(pred: np.ndarray, true: np.ndarray) -> float:
    p, t = _pair(pred, true)
    norms = np.linalg.norm(p, axis=1) * np.linalg.norm(t, axis=1)
    both_zero = (np.linalg.norm(p, axis=1) == 0) & (np.linalg.norm(t, axis=1) == 0)
    dots = (p * t).sum(axis=1)
    values = np.where(norms > 0, dots / np.where(norms > 0, norms, 1.0),
                      np.where(both_zero, 1.0, 0.0))
    return float(values.mean())


def baep(pred_binary: np.ndarray, true_binary: np.ndarray) -> float:
    p, t = _pair(pred_binary, true_binary)
    if not (np.isin(p, (0, 1)).all() and np.isin(t, (0, 1)).all()):
        raise ValueError("baep: entries must be 0 or 1")
    return float(100.0 * (p != t).mean())


def accuracy_row(pred: np.ndarray, true: np.ndarray, pred_binary: np.ndarray,
                 true_binary: np.ndarray) -> dict[str, float]:
    """The four figures of one agent, named as Table II's columns."""
    return {"mae": mae(pred, true), "r2": r2(pred, true), "cosine": cosine(pred, true),
            "baep_pct": baep(pred_binary, true_binary)}
