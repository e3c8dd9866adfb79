"""The HTML report in a real browser: at 1 280 px it needs no sideways scrolling and
leads with the comparison of agents (scripts/check_report_width.py, headless Chromium).
Skipped where no Chromium is installed (Debian: ``apt-get install chromium``)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ran_gym.cli import main
from tests.conftest import program

CHECK = Path(__file__).resolve().parent.parent / "scripts" / "check_report_width.py"
pytestmark = pytest.mark.skipif(
    not any(shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")),
    reason="needs Chromium (apt-get install chromium)")


def check(page: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(CHECK), str(page), "--width", "1280", *extra],
                          capture_output=True, text=True, timeout=300)


def test_a_demo_like_report_reads_at_1280_px(tmp_path):
    """The demo's mix, smaller: agents on the default 25-UE slicing scenario over two
    seeds, a training, another scenario, all under long directory names."""
    program("ran-gym-oran-slicing")
    root = tmp_path / ("a-rather-long-directory-name-" * 4) / "runs"
    assert main(["evaluate", "--scenario", "oran-slicing", "--agents",
                 "qos-greedy,max-sinr,ns3-pf,random", "--seeds", "0,1", "--steps", "3",
                 "--param", "maxSteps=3", "--out", str(root / "compare")]) == 0
    assert main(["train", "--scenario", "oran-slicing-twin", "--agent", "dqn", "--iterations",
                 "60", "--param", "maxSteps=10", "--out", str(root / "train-dqn")]) == 0
    assert main(["evaluate", "--scenario", "interference", "--agents", "fp,random",
                 "--seeds", "0,1", "--param", "pairs=3", "--param", "maxSteps=3",
                 "--out", str(root / "interference")]) == 0
    report = root / "report"
    assert main(["analyze", str(root / "compare"), str(root / "train-dqn"),
                 str(root / "interference"), "--out", str(report)]) == 0
    result = check(report / "report.html", "--screenshot", str(tmp_path / "report.png"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "page 1280 px wide in a 1280 px window" in result.stdout
    assert "first section: Agents compared" in result.stdout
    assert (tmp_path / "report.png").stat().st_size > 10_000
    page = (report / "report.html").read_text()
    assert page.count(str(root / "compare")) == 1  # named once, not in every row
    assert page.index("Agents compared") < page.index("Training") < page.index("Runs:")


def test_the_check_fails_on_a_page_that_overflows(tmp_path):
    page = tmp_path / "wide.html"
    page.write_text("<!DOCTYPE html><html><body><h2>Runs</h2><table><tr>"
                    "<td style='min-width:1900px'>a wide cell</td></tr></table></body></html>")
    result = check(page)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "past the right edge: td right edge" in result.stdout
    assert "first section: Runs" in result.stdout
