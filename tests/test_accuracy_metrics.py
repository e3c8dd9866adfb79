"""Table II's metrics against values worked by hand."""

import numpy as np
import pytest

from analysis.accuracy import accuracy_row, baep, cosine, mae, r2

PRED = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 1.0]])
TRUE = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])


def test_mae() -> None:
    # |errors| = 0, 0, 0.5, 0, 0, 1 -> 1.5 / 6
    assert mae(PRED, TRUE) == pytest.approx(0.25)


def test_r2_is_variance_weighted() -> None:
    # column means of TRUE: 0.5, 0.5, 0.5 -> total = 0.5 + 0.5 + 0.5 = 1.5
    # residuals 0.5^2 + 1^2 = 1.25 -> 1 - 1.25 / 1.5 = 1/6
    assert r2(PRED, TRUE) == pytest.approx(1.0 / 6.0)
    assert r2(TRUE, TRUE) == pytest.approx(1.0)
    assert np.isnan(r2(PRED, np.ones_like(PRED)))


def test_cosine() -> None:
    # row 0: 1.5 / (sqrt(1.25) sqrt(2)) = 0.948683; row 1: 1 / sqrt(2) = 0.707107
    assert cosine(PRED, TRUE) == pytest.approx((0.9486833 + 0.7071068) / 2, abs=1e-6)
    # zero against zero counts 1, zero against non-zero 0
    assert cosine(np.zeros((2, 2)), np.array([[0.0, 0.0], [1.0, 0.0]])) == pytest.approx(0.5)


def test_baep() -> None:
    pred = np.array([[1, 0, 1, 1], [0, 1, 0, 0]])
    true = np.array([[1, 0, 0, 1], [0, 1, 1, 1]])
    assert baep(pred, true) == pytest.approx(100 * 3 / 8)  # 3 of 8 entries differ
    with pytest.raises(ValueError, match="0 or 1"):
        baep(pred * 0.5, true)


def test_row_and_shapes() -> None:
    row = accuracy_row(PRED, TRUE, PRED > 0.5, TRUE > 0.5)
    assert set(row) == {"mae", "r2", "cosine", "baep_pct"}
    # thresholded: [[1, 0, 0], [0, 1, 1]] against [[1, 0, 1], [0, 1, 0]]: 2 of 6 differ
    assert row["baep_pct"] == pytest.approx(100 * 2 / 6)
    with pytest.raises(ValueError, match="equal"):
        mae(PRED, TRUE[:1])
