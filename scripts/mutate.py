#!/usr/bin/env python3
"""Mutation testing: does a module's test suite notice when its code is broken?

Each mutant is the module with one small change made to its syntax tree: an arithmetic
operator swapped (``+``/``-``, ``*``/``/``, ...), a comparison moved across its boundary
(``<`` to ``<=``) or negated (``<`` to ``>=``), ``and``/``or`` swapped, a ``not`` or unary
minus dropped, a number changed (n to n + 1), a boolean flipped, ``min``/``max``-style
names swapped, ``x += y`` turned into ``x -= y`` or dropped, a ``raise``, ``break``,
``continue``, ``assert`` or bare call deleted. Docstrings, annotations, f-strings (error
texts), imports and decorators are left alone, as are lines marked ``# pragma: no mutate``.

Every mutant runs the module's tests (``scripts/mutate.toml``) in a fresh interpreter
in which an import hook serves the mutated code for that one module; nothing on disk
changes. A mutant is *killed* when a test fails (or errors, or runs past the time
limit) and *survives* when every test passes. Survivors that cannot change behaviour
are listed in ``scripts/mutate.toml`` with the reason (*equivalent*); the others are
the report: the places where a broken implementation goes unnoticed.

    python scripts/mutate.py bridge/protocol/codec.py [more modules] [--jobs 2]

Hypothesis runs derandomised, so that a run is reproducible. Tests that start other
Python processes do not see the mutant: the tests named per module are in-process ones.
"""

from __future__ import annotations

import argparse
import ast
import copy
import importlib.abc
import importlib.util
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import CodeType

import tomllib

ROOT = Path(__file__).resolve().parent.parent
CONFIG = Path(__file__).with_name("mutate.toml")

BINOP_SWAPS: dict[type, list[type]] = {
    ast.Add: [ast.Sub], ast.Sub: [ast.Add], ast.Mult: [ast.Div], ast.Div: [ast.Mult],
    ast.FloorDiv: [ast.Div], ast.Mod: [ast.FloorDiv], ast.Pow: [ast.Mult],
    ast.LShift: [ast.RShift], ast.RShift: [ast.LShift], ast.BitOr: [ast.BitAnd],
    ast.BitAnd: [ast.BitOr], ast.BitXor: [ast.BitOr],
}
COMPARE_SWAPS: dict[type, list[type]] = {
    ast.Lt: [ast.LtE, ast.GtE], ast.LtE: [ast.Lt, ast.Gt], ast.Gt: [ast.GtE, ast.LtE],
    ast.GtE: [ast.Gt, ast.Lt], ast.Eq: [ast.NotEq], ast.NotEq: [ast.Eq],
    ast.Is: [ast.IsNot], ast.IsNot: [ast.Is], ast.In: [ast.NotIn], ast.NotIn: [ast.In],
}
NAME_SWAPS = {
    "min": "max", "max": "min", "minimum": "maximum", "maximum": "minimum",
    "argmin": "argmax", "argmax": "argmin", "amin": "amax", "amax": "amin",
    "nanmin": "nanmax", "nanmax": "nanmin", "any": "all", "all": "any",
    "floor": "ceil", "ceil": "floor",
}
NO_MUTATE = "pragma: no mutate"


# --- mutants ------------------------------------------------------------------------

@dataclass(frozen=True)
class Mutant:
    index: int
    line: int
    where: str
    """The enclosing function or class (``<module>`` at the top level)."""
    before: str
    after: str

    @property
    def key(self) -> str:
        """What ``scripts/mutate.toml`` names an equivalent mutant by (no line number, so
        that edits elsewhere in the file do not invalidate it)."""
        return f"{self.where}: {self.before} -> {self.after}"


def _operator_swaps(node: ast.BinOp | ast.AugAssign) -> list[ast.AST]:
    out: list[ast.AST] = []
    for op in BINOP_SWAPS.get(type(node.op), []):
        new = copy.copy(node)
        new.op = op()
        out.append(new)
    if isinstance(node, ast.AugAssign):
        out.append(ast.Pass())
    return out


def _comparison_swaps(node: ast.Compare) -> list[ast.AST]:
    out: list[ast.AST] = []
    for i, op in enumerate(node.ops):
        for swap in COMPARE_SWAPS.get(type(op), []):
            new = copy.copy(node)
            new.ops = [*node.ops[:i], swap(), *node.ops[i + 1:]]
            out.append(new)
    return out


def _constant_changes(node: ast.Constant) -> list[ast.AST]:
    if isinstance(node.value, bool):
        return [ast.Constant(not node.value)]
    if isinstance(node.value, (int, float)):
        return [ast.Constant(node.value + 1)]
    return []  # strings are names and messages: their mutants are noise


def _unary_drops(node: ast.UnaryOp) -> list[ast.AST]:
    if not isinstance(node.op, (ast.Not, ast.USub)):
        return []
    out: list[ast.AST] = [node.operand]
    number = node.operand.value if isinstance(node.operand, ast.Constant) else None
    if isinstance(node.op, ast.USub) and isinstance(number, (int, float)) and not isinstance(
            number, bool):  # -n: the sign dropped, or -(n + 1)
        out.append(ast.UnaryOp(ast.USub(), ast.Constant(number + 1)))
    return out


def _name_swaps(node: ast.Name | ast.Attribute) -> list[ast.AST]:
    if isinstance(node, ast.Name):
        if node.id in NAME_SWAPS and isinstance(node.ctx, ast.Load):
            return [ast.Name(NAME_SWAPS[node.id], ast.Load())]
        return []
    if node.attr not in NAME_SWAPS:
        return []
    new = copy.copy(node)
    new.attr = NAME_SWAPS[node.attr]
    return [new]


def _alternatives(node: ast.AST) -> list[ast.AST]:
    """The mutated copies of ``node`` (only ``node`` itself changes, not its children)."""
    if isinstance(node, (ast.BinOp, ast.AugAssign)):
        return _operator_swaps(node)
    if isinstance(node, ast.Compare):
        return _comparison_swaps(node)
    if isinstance(node, ast.BoolOp):
        new = copy.copy(node)
        new.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        return [new]
    if isinstance(node, ast.UnaryOp):
        return _unary_drops(node)
    if isinstance(node, ast.Constant):
        return _constant_changes(node)
    if isinstance(node, (ast.Name, ast.Attribute)):
        return _name_swaps(node)
    deletable = isinstance(node, (ast.Raise, ast.Break, ast.Continue, ast.Assert)) or (
        isinstance(node, ast.Expr) and isinstance(node.value, ast.Call))
    return [ast.Pass()] if deletable else []


SKIPPED_FIELDS = {"annotation", "returns", "decorator_list", "type_comment", "type_params"}
"""Fields never mutated: annotations (strings at run time here) and decorators."""


def _negative_number(node: ast.AST) -> bool:
    return (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)
            and isinstance(node.operand, ast.Constant)
            and isinstance(node.operand.value, (int, float))
            and not isinstance(node.operand.value, bool))


def _is_docstring(node: ast.AST) -> bool:
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str))


def _sites(tree: ast.Module, lines: list[str]
           ) -> Iterator[tuple[ast.AST, str, int | None, ast.AST, str]]:
    """(parent, field, index in the field's list, node, enclosing name), in source order."""
    def visit(node: ast.AST, where: str) -> Iterator[tuple[ast.AST, str, int | None,
                                                             ast.AST, str]]:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            where = node.name if where == "<module>" else f"{where}.{node.name}"
        for field, value in ast.iter_fields(node):
            if field in SKIPPED_FIELDS:
                continue
            children = value if isinstance(value, list) else [value]
            for i, child in enumerate(children):
                if not isinstance(child, ast.AST) or _is_docstring(child) or isinstance(
                        child, (ast.Import, ast.ImportFrom, ast.JoinedStr)):
                    continue
                line = getattr(child, "lineno", None)
                if line is not None and NO_MUTATE in lines[line - 1]:
                    continue
                yield node, field, i if isinstance(value, list) else None, child, where
                if not _negative_number(child):  # -n is mutated as a whole
                    yield from visit(child, where)
    yield from visit(tree, "<module>")


def _unparse(node: ast.AST) -> str:
    return " ".join(ast.unparse(node).split())


def mutants(source: str) -> list[Mutant]:
    """Every mutant of ``source``, numbered in source order. The same change made twice
    in one function gets " (2)", " (3)"... after its text, so that every key is unique."""
    tree = ast.parse(source)
    found: list[Mutant] = []
    seen: dict[str, int] = {}
    for _, _, _, node, where in _sites(tree, source.splitlines()):
        for alt in _alternatives(node):
            before = _unparse(node)
            if len(before) > 72:
                before = before[:70] + "..."
            after = "pass" if isinstance(alt, ast.Pass) else _unparse(alt)
            key = f"{where}: {before} -> {after}"
            seen[key] = seen.get(key, 0) + 1
            if seen[key] > 1:
                after = f"{after} ({seen[key]})"
            found.append(Mutant(len(found), getattr(node, "lineno", 0), where, before, after))
    return found


def mutated_tree(source: str, index: int) -> ast.Module:
    """``source`` with mutant ``index`` applied."""
    tree = ast.parse(source)
    count = 0
    for parent, field, i, node, _ in _sites(tree, source.splitlines()):
        alts = _alternatives(node)
        if index < count + len(alts):
            new = ast.copy_location(alts[index - count], node)
            if i is None:
                setattr(parent, field, new)
            else:
                getattr(parent, field)[i] = new
            return ast.fix_missing_locations(tree)
        count += len(alts)
    raise IndexError(f"no mutant {index} (the source has {count})")


# --- the child: one mutant under pytest ----------------------------------------------

class _MutantLoader(importlib.abc.Loader):
    def __init__(self, code: CodeType) -> None:
        self.code = code

    def create_module(self, spec):  # noqa: ANN001 - importlib's signature
        return None

    def exec_module(self, module) -> None:  # noqa: ANN001
        exec(self.code, module.__dict__)  # noqa: S102 - the point of the exercise


class _MutantFinder(importlib.abc.MetaPathFinder):
    def __init__(self, name: str, path: Path, code: CodeType) -> None:
        self.name, self.path, self.code = name, path, code

    def find_spec(self, fullname, path=None, target=None):  # noqa: ANN001
        if fullname != self.name:
            return None
        return importlib.util.spec_from_file_location(fullname, self.path,
                                                      loader=_MutantLoader(self.code))


def run_child(name: str, path: Path, index: int, pytest_args: list[str]) -> int:
    """Run pytest with mutant ``index`` (-1: none) of module ``name`` served at import."""
    if index >= 0:
        source = path.read_text()
        code = compile(mutated_tree(source, index), str(path), "exec")
        sys.meta_path.insert(0, _MutantFinder(name, path, code))
    from hypothesis import settings

    settings.register_profile("mutate", derandomize=True, database=None)
    settings.load_profile("mutate")
    import pytest

    return int(pytest.main(pytest_args))


# --- the parent: every mutant of every module -----------------------------------------

@dataclass(frozen=True)
class Outcome:
    mutant: Mutant
    status: str
    """killed, timeout, error (pytest could not even collect), survived, equivalent."""


def module_name(arg: str) -> str:
    if arg.endswith(".py"):
        return ".".join(Path(arg).with_suffix("").parts)
    return arg


def _child_command(name: str, path: Path, index: int, tests: list[str]) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--child", name, str(path),
            str(index), "--", "-x", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
            "--no-header", "-o", "addopts=", *tests]


def _run(name: str, path: Path, index: int, tests: list[str], timeout: float) -> str:
    env = {**os.environ, "OMP_NUM_THREADS": "1",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    try:
        rc = subprocess.run(_child_command(name, path, index, tests), cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            timeout=timeout).returncode
    except subprocess.TimeoutExpired:
        return "timeout"
    return {0: "survived", 1: "killed"}.get(rc, "error")


def test_module(arg: str, config: dict, jobs: int, tests: list[str] | None,
                only: list[int] | None) -> list[Outcome]:
    name = module_name(arg)
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise SystemExit(f"mutate: no module {name}")
    path = Path(spec.origin)
    entry = config.get("modules", {}).get(name, {})
    tests = tests or entry.get("tests")
    if not tests:
        raise SystemExit(f"mutate: no tests named for {name} in {CONFIG} (or pass --tests)")
    equivalent = {e["mutant"]: e["reason"] for e in entry.get("equivalent", [])}
    started = time.monotonic()
    if _run(name, path, -1, tests, timeout=600) != "survived":
        raise SystemExit(f"mutate: the tests of {name} fail without a mutant: {tests}")
    baseline = time.monotonic() - started
    timeout = 3 * baseline + 10
    found = mutants(path.read_text())
    if only is not None:
        found = [m for m in found if m.index in only]
    print(f"{name}: {len(found)} mutants, tests {' '.join(tests)} "
          f"({baseline:.1f} s a run, {jobs} at a time)", flush=True)

    def one(m: Mutant) -> Outcome:
        status = _run(name, path, m.index, tests, timeout)
        if status == "survived" and m.key in equivalent:
            status = "equivalent"
        if status != "killed":
            print(f"  {status:10s} #{m.index} line {m.line}: {m.key}", flush=True)
        return Outcome(m, status)

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        outcomes = list(pool.map(one, found))
    listed = {o.mutant.key for o in outcomes if o.status == "equivalent"}
    for key in sorted(set(equivalent) - listed):
        if only is None:
            print(f"  listed as equivalent but not a surviving mutant: {key}")
    return outcomes


def summary(name: str, outcomes: list[Outcome], seconds: float) -> dict:
    count = {s: sum(o.status == s for o in outcomes)
             for s in ("killed", "timeout", "error", "survived", "equivalent")}
    killed = count["killed"] + count["timeout"] + count["error"]
    scored = len(outcomes) - count["equivalent"]
    return {"module": name, "mutants": len(outcomes), "killed": killed,
            "equivalent": count["equivalent"], "survived": count["survived"],
            "score": killed / scored if scored else 1.0, "seconds": round(seconds),
            "survivors": [o.mutant.__dict__ | {"key": o.mutant.key}
                          for o in outcomes if o.status == "survived"]}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child":
        name, path, index = argv[1], Path(argv[2]), int(argv[3])
        return run_child(name, path, index, argv[5:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="+", help="modules, as paths or dotted names")
    parser.add_argument("--jobs", type=int, default=1, help="mutants run at a time")
    parser.add_argument("--tests", nargs="+", help="test files (default: scripts/mutate.toml)")
    parser.add_argument("--only", type=int, nargs="+", help="run these mutant numbers only")
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--report", type=Path, default=ROOT / "build" / "mutation",
                        help="folder for one JSON report per module")
    args = parser.parse_args(argv)
    config = tomllib.loads(CONFIG.read_text())
    if args.list:
        for arg in args.modules:
            spec = importlib.util.find_spec(module_name(arg))
            assert spec is not None and spec.origin is not None
            for m in mutants(Path(spec.origin).read_text()):
                print(f"#{m.index} line {m.line}: {m.key}")
        return 0
    worst = 1.0
    args.report.mkdir(parents=True, exist_ok=True)
    for arg in args.modules:
        started = time.monotonic()
        outcomes = test_module(arg, config, args.jobs, args.tests, args.only)
        report = summary(module_name(arg), outcomes, time.monotonic() - started)
        (args.report / f"{report['module']}.json").write_text(json.dumps(report, indent=1))
        print(f"{report['module']}: {report['mutants']} mutants, {report['killed']} killed, "
              f"{report['equivalent']} equivalent, {report['survived']} survived: "
              f"{100 * report['score']:.1f} % of the non-equivalent killed "
              f"({report['seconds']} s)", flush=True)
        worst = min(worst, report["score"])
    return 0 if worst >= 0.95 else 1


if __name__ == "__main__":
    sys.exit(main())
