"""Training directories in the analysis: progress.csv into reward curves."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import training
from analysis.report import build_report


def test_reward_curve_by_hand():
    table = pd.DataFrame({"step": [1, 2, 3, 4, 5], "reward": [1.0, 2.0, 3.0, 4.0, 5.0]})
    curve = training.reward_curve(table, window=2)
    # blocks (1, 2) -> 1.5, (3, 4) -> 3.5, (5) -> 5: one step is half a window of 2
    assert curve["step"].tolist() == [2, 4, 5]
    assert curve["mean_reward"].tolist() == [1.5, 3.5, 5.0]
    assert curve["std_reward"].tolist() == [0.5, 0.5, 0.0]
    assert training.reward_curve(table, window=4)["mean_reward"].tolist() == [2.5]


@pytest.mark.parametrize("text,match", [
    ("", "unreadable"), ("step,loss\n1,0.5\n", "missing columns"),
    ("step,reward\n", "no steps"), ("step,reward\nx,1\n", "not whole numbers"),
])
def test_bad_progress_files_are_named(tmp_path, text, match):
    (tmp_path / "progress.csv").write_text(text)
    with pytest.raises(ValueError, match=match) as error:
        training.load_progress(tmp_path)
    assert "progress.csv" in str(error.value)


def test_report_draws_the_training_curve(tmp_path):
    run = tmp_path / "train"
    run.mkdir()
    rewards = np.linspace(0, 1, 300)
    (run / "progress.csv").write_text("step,reward,loss\n" + "".join(
        f"{i + 1},{r},\n" for i, r in enumerate(rewards)))
    (run / "config.json").write_text('{"agent": "dqn", "scenario": "oran-slicing"}')
    page = build_report([run], tmp_path / "report")
    assert "dqn (oran-slicing): 300 steps" in page.read_text()
    curve = (tmp_path / "report" / "tables" / "training-train.csv").read_text().splitlines()
    assert len(curve) == 1 + 3  # header + three blocks of 100 steps
    png = tmp_path / "report" / "figures" / "training-reward.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_training_shorter_than_half_a_block_is_named_not_drawn(tmp_path):
    short, long = tmp_path / "short", tmp_path / "long"
    for run, steps in ((short, 20), (long, 200)):
        run.mkdir()
        (run / "progress.csv").write_text("step,reward\n" + "".join(
            f"{i + 1},0.5\n" for i in range(steps)))
    page = build_report([short, long], tmp_path / "report").read_text()
    assert (tmp_path / "report" / "problems.txt").read_text() == (
        f"{short / 'progress.csv'}: fewer than half a block of 100 steps, no training curve\n")
    assert "long (?): 200 steps" in page and "short (?)" not in page
