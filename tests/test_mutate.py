"""The mutation-testing driver (scripts/mutate.py): which mutants it makes, what it
leaves alone, and that a mutant's tests see the mutated code."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "mutate.py"
_spec = importlib.util.spec_from_file_location("ran_gym_mutate", SCRIPT)
assert _spec is not None and _spec.loader is not None
mutate = importlib.util.module_from_spec(_spec)
sys.modules["ran_gym_mutate"] = mutate
_spec.loader.exec_module(mutate)

TOY = textwrap.dedent('''\
    """A docstring: never mutated."""
    from __future__ import annotations

    LIMIT = 3


    def clamp(x: int | float, ok: bool = True) -> float:
        """Another docstring."""
        if x > LIMIT and ok:
            raise ValueError(f"{x} over {LIMIT + 1}")
        total = 0
        total += x
        return max(-x, total)
    ''')


def keys(source: str) -> list[str]:
    return [m.key for m in mutate.mutants(source)]


def test_each_operator_makes_its_mutants() -> None:
    assert keys(TOY) == [
        "<module>: 3 -> 4",
        "clamp: True -> False",
        "clamp: x > LIMIT and ok -> x > LIMIT or ok",
        "clamp: x > LIMIT -> x >= LIMIT",
        "clamp: x > LIMIT -> x <= LIMIT",
        "clamp: raise ValueError(f'{x} over {LIMIT + 1}') -> pass",
        "clamp: 0 -> 1",
        "clamp: total += x -> total -= x",
        "clamp: total += x -> pass",
        "clamp: max -> min",
        "clamp: -x -> x",
    ]


def test_annotations_docstrings_fstrings_and_marked_lines_are_left_alone() -> None:
    # "int | float" (an annotation) and "LIMIT + 1" (inside an f-string) have no mutant.
    assert not any("|" in k or "LIMIT + 1 ->" in k for k in keys(TOY))
    marked = TOY.replace("total = 0", "total = 0  # pragma: no mutate")
    assert "clamp: 0 -> 1" not in keys(marked)
    assert len(keys(marked)) == len(keys(TOY)) - 1


def test_negative_numbers_mutate_as_a_whole_and_repeats_are_numbered() -> None:
    assert keys("a = -2\nb = -2\n") == ["<module>: -2 -> 2", "<module>: -2 -> -3",
                                        "<module>: -2 -> 2 (2)", "<module>: -2 -> -3 (2)"]


def run(source: str, index: int, *args: object) -> object:
    namespace: dict[str, object] = {}
    exec(compile(mutate.mutated_tree(source, index), "toy", "exec"), namespace)  # noqa: S102
    return namespace["clamp"](*args)  # type: ignore[operator]


def test_a_mutated_tree_behaves_as_its_key_says() -> None:
    by_key = {m.key: m.index for m in mutate.mutants(TOY)}
    assert run(TOY, by_key["clamp: total += x -> total -= x"], 2) == -2
    assert run(TOY, by_key["clamp: max -> min"], 2) == -2
    assert run(TOY, by_key["clamp: raise ValueError(f'{x} over {LIMIT + 1}') -> pass"],
               9) == 9
    with pytest.raises(ValueError, match="9 over 4"):
        run(TOY, by_key["clamp: max -> min"], 9)
    with pytest.raises(IndexError):
        mutate.mutated_tree(TOY, len(by_key))


def test_the_tests_of_a_mutant_see_the_mutant(tmp_path: Path) -> None:
    (tmp_path / "toy_module.py").write_text(TOY)
    (tmp_path / "test_toy_module.py").write_text(textwrap.dedent('''\
        from toy_module import clamp

        def test_clamp():
            assert clamp(2) == 2
        '''))
    tests = [str(tmp_path / "test_toy_module.py")]
    path = tmp_path / "toy_module.py"
    by_key = {m.key: m.index for m in mutate.mutants(TOY)}
    assert mutate._run("toy_module", path, -1, tests, 60) == "survived"
    assert mutate._run("toy_module", path, by_key["clamp: max -> min"], tests, 60) == "killed"
    # clamp(2) never reaches the raise: deleting it goes unnoticed by this test
    raise_key = "clamp: raise ValueError(f'{x} over {LIMIT + 1}') -> pass"
    assert mutate._run("toy_module", path, by_key[raise_key], tests, 60) == "survived"
