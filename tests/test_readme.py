"""The README's commands as a user types them.

Every ``ran-gym`` line of its shell blocks parses with the real CLI (a line with ``...``
elides required options: its command and every option it names must exist); every
``make`` target, script and file it names exists; and the blocks' commands that take
under a minute run verbatim, in order, from a directory holding the checkout's ``.venv``
(the Docker example runs in tests/test_docker.py, which builds the images).
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from ran_gym.cli import build_parser
from tests.conftest import program

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
CHEAP = {  # a substring naming each README command that runs here, in README order
    "first": ".venv/bin/ran-gym scenarios ",
    "run": "--out runs/first",
    "esa": "--solver esa --n 10",
    "evaluate": "--out runs/compare",
    "analysis run": "--out runs/demo-slicing",
    "analysis evaluate": "--out runs/demo-eval",
    "analyze": "analyze runs/demo-slicing runs/demo-eval --out runs/demo-report",
}


def shell_lines(text: str) -> list[str]:
    """The command lines of the ``sh`` blocks, continuations joined (comment lines are
    not commands)."""
    lines: list[str] = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                lines.append(line.strip())
    return lines


def ran_gym_lines() -> list[str]:
    return [line for line in shell_lines(README.read_text())
            if line.startswith(".venv/bin/ran-gym ")]


def options_of(command: str) -> set[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return {o for action in sub.choices[command]._actions for o in action.option_strings}


@pytest.mark.parametrize("line", ran_gym_lines())
def test_every_ran_gym_line_parses(line):
    argv = shlex.split(line, comments=True)[1:]
    if "..." in argv:
        known = options_of(argv[0])
        named = {a.split("=")[0] for a in argv if a.startswith("--")}
        assert named <= known, f"{line}: no such option {sorted(named - known)}"
        return
    try:
        build_parser().parse_args(argv)
    except SystemExit:
        pytest.fail(f"the README's {line!r} does not parse")


def test_every_make_target_script_and_file_exists():
    makefile = (REPO / "Makefile").read_text()
    for line in shell_lines(README.read_text()):
        words = shlex.split(line, comments=True)
        if words[0] == "make":
            assert re.search(rf"^{words[1]}:", makefile, re.M), line
        elif words[0].startswith("scripts/"):
            assert (REPO / words[0]).is_file(), line
        for word in words:
            if word.startswith(("docker/", "examples/")):
                assert (REPO / word).is_file(), line


def test_the_cheap_commands_run_verbatim(tmp_path):
    program("ran-gym-oran-slicing")
    lines = shell_lines(README.read_text())
    chosen = []
    for name, marker in CHEAP.items():
        found = [line for line in lines if marker in line + " "]
        assert len(found) == 1, f"README: no single command with {marker!r} ({name})"
        chosen.append(found[0])
    assert chosen == [line for line in lines if line in chosen]  # README order
    (tmp_path / ".venv").symlink_to(Path(sys.executable).parent.parent)
    for line in chosen:
        result = subprocess.run(["bash", "-c", line], cwd=tmp_path, capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == 0, f"{line}\n{result.stderr[-2000:]}"
    assert (tmp_path / "esa.parquet").stat().st_size > 0
    assert (tmp_path / "runs/compare/table.md").read_text().count("\n") == 6  # 4 agents
    assert (tmp_path / "runs/demo-report/report.html").is_file()
    assert (tmp_path / "runs/demo-report/problems.txt").read_text() == ""
