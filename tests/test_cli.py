"""Smoke tests of every ran-gym command, run as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from analysis import load_run
from ran_gym.cli import main
from tests.conftest import TESTS_DIR, program

RESULT_CHECKPOINT = TESTS_DIR.parent / "docs" / "results" / "slicing" / "checkpoints" / \
    "diffusion-ql.pt"


def ran_gym(*args, check=True):
    result = subprocess.run([sys.executable, "-m", "ran_gym.cli", *args],
                            capture_output=True, text=True, timeout=300)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_help_lists_the_commands():
    out = ran_gym("--help").stdout
    for command in ("scenarios", "run", "bench", "dataset", "evaluate"):
        assert command in out


def test_help_lists_one_evaluation_command():
    listed = [line.split()[0] for line in ran_gym("--help").stdout.splitlines()
              if line.startswith("    ") and line.split()]
    assert "evaluate" in listed and "compare" not in listed


def test_the_former_compare_runs_evaluate_with_a_note(tmp_path):
    twin = ["--scenario", "oran-slicing-twin", "--agents", "random,max-sinr", "--seeds", "3,9",
            "--steps", "2", "--param", "n_ues=3", "--param", "n_rus=1"]
    old = ran_gym("compare", *twin, "--out", str(tmp_path / "old"))
    assert "`compare` is now `evaluate`" in old.stderr
    ran_gym("evaluate", *twin, "--out", str(tmp_path / "new"))
    for name in ("table.csv", "seeds.csv"):
        assert (tmp_path / "old" / name).read_text() == (tmp_path / "new" / name).read_text()
    table = (tmp_path / "new" / "table.csv").read_text().splitlines()
    assert table[0].startswith("agent,seeds,episodes,") and table[1].startswith("random,2,2,")


def test_evaluate_refuses_seeds_whose_episodes_overlap(tmp_path):
    result = ran_gym("evaluate", "--scenario", "oran-slicing-twin", "--agents", "random",
                     "--seeds", "0,1", "--episodes", "2", "--out", str(tmp_path / "x"),
                     check=False)
    assert result.returncode == 2
    assert result.stderr == ("ran-gym: error: --seeds 0,1 with --episodes 2: seeds 0 and 1 "
                             "would both play seed 1; keep the seeds at least 2 apart, or give "
                             "one seed\n")
    assert not (tmp_path / "x").exists()


def test_evaluate_agent_seed_sets_the_agents_own_randomness_alone(tmp_path):
    twin = ["--scenario", "oran-slicing-twin", "--agents", "random,max-sinr", "--seeds", "3,9",
            "--steps", "3", "--param", "n_ues=4", "--param", "n_rus=2"]

    def rewards(name: str, *more: str) -> pd.DataFrame:
        ran_gym("evaluate", *twin, *more, "--out", str(tmp_path / name))
        return pd.read_csv(tmp_path / name / "seeds.csv").set_index(["agent", "seed"])

    default, first, other = rewards("default"), rewards("first", "--agent-seed", "3"), \
        rewards("other", "--agent-seed", "4")
    assert default.equals(first)  # the default is the first of --seeds
    assert json.loads((tmp_path / "other" / "config.json").read_text())["agent_seed"] == 4
    # Another agent seed moves the random agent's figures, not the deterministic one's.
    assert not np.allclose(other.loc["random", "mean_reward"],
                           first.loc["random", "mean_reward"])
    assert other.loc["max-sinr"].equals(first.loc["max-sinr"])
    bad = ran_gym("evaluate", *twin, "--agent-seed", "-1", "--out", str(tmp_path / "bad"),
                  check=False)
    assert bad.returncode == 2 and "--agent-seed must be >= 0, got -1" in bad.stderr
    assert not (tmp_path / "bad").exists()


def test_evaluate_agent_seed_reseeds_a_loaded_diffusion_ql(tmp_path):
    """A Diffusion-QL checkpoint saves its generators: without --agent-seed the agent goes
    on from them (the figures recorded from it stay as they were); with it, its decision
    samples follow the seed."""
    twin = ["--scenario", "oran-slicing-twin", "--agents", "diffusion-ql", "--seeds", "3,9",
            "--steps", "2", "--checkpoint", f"diffusion-ql={RESULT_CHECKPOINT}"]

    def rewards(name: str, *more: str) -> pd.Series:  # each step's: its samples' in the twin
        ran_gym("evaluate", *twin, *more, "--out", str(tmp_path / name))
        return pd.read_parquet(tmp_path / name / "steps.parquet")["reward"]

    saved, again = rewards("saved"), rewards("again")
    seven, seven_again, eight = (rewards(name, "--agent-seed", str(s))
                                 for name, s in (("a", 7), ("b", 7), ("c", 8)))
    assert saved.equals(again) and seven.equals(seven_again)
    assert not seven.equals(eight) and not seven.equals(saved)


def test_scenarios_lists_parameters(reference_program):
    out = ran_gym("scenarios").stdout
    assert "reference" in out and "space-echo" in out
    assert "stepMs" in out and "built" in out


def test_run_writes_a_complete_run_directory(reference_program, tmp_path):
    out = tmp_path / "run"
    result = ran_gym("run", "--scenario", "reference", "--agent", "random", "--steps", "25",
                     "--out", str(out), "--seed", "3", "--param", "maxSteps=10")
    assert str(out) in result.stdout
    run = load_run(out)
    assert run.config["params"]["maxSteps"] == 10 and run.config["seed"] == 3
    assert len(run.steps) == 25
    assert run.steps["episode"].tolist() == [0] * 10 + [1] * 10 + [2] * 5
    assert run.steps["truncated"].sum() == 2
    assert len(run.seeds["episodes"]) == 3 == len(run.commands)
    assert all("--simSeed=" in c and "--maxSteps=10" in c for c in run.commands)
    # The ns-3 step trace and the env's table agree on what was received.
    trace = np.genfromtxt(out / "trace-episode-0000.csv", delimiter=",", names=True)
    episode0 = run.steps[run.steps["episode"] == 0]
    assert trace["rx_bytes"][-10:].tolist() == episode0["info_rx_bytes"].tolist()
    assert (out / "sim-episode-0000.log").is_file()
    assert not (out / ".lock").exists()
    # --overwrite replaces an earlier run whole: nothing of the old one is left.
    (out / "trace-episode-0009.csv").write_text("from an earlier, longer run")
    ran_gym("run", "--scenario", "reference", "--steps", "5", "--out", str(out), "--overwrite")
    assert not (out / "trace-episode-0009.csv").exists() and len(load_run(out).steps) == 5
    # Same seed, same run.
    again = tmp_path / "again"
    ran_gym("run", "--scenario", "reference", "--steps", "25", "--out", str(again),
            "--seed", "3", "--param", "maxSteps=10")
    assert load_run(again).steps["reward"].tolist() == run.steps["reward"].tolist()
    assert run.steps["reward"].nunique() > 5


def test_run_refuses_a_used_directory_and_bad_options(reference_program, tmp_path, capsys):
    (tmp_path / "old.txt").write_text("keep me")
    assert main(["run", "--scenario", "reference", "--out", str(tmp_path)]) == 2
    assert "not empty" in capsys.readouterr().err
    assert (tmp_path / "old.txt").read_text() == "keep me"
    assert main(["run", "--scenario", "reference", "--out", str(tmp_path), "--overwrite"]) == 2
    assert "does not hold a run" in capsys.readouterr().err
    assert (tmp_path / "old.txt").read_text() == "keep me"
    assert main(["run", "--scenario", "nope", "--out", str(tmp_path / "x")]) == 2
    assert "unknown scenario 'nope'" in capsys.readouterr().err
    assert main(["run", "--scenario", "reference", "--param", "rate",
                 "--out", str(tmp_path / "y")]) == 2
    assert "NAME=VALUE" in capsys.readouterr().err
    assert main(["run", "--scenario", "reference", "--agent", "oracle",
                 "--out", str(tmp_path / "z")]) == 2
    assert "unknown agent 'oracle'" in capsys.readouterr().err


def test_bench_bridge_reports_both_transports(reference_program):
    result = ran_gym("bench", "bridge", "--iterations", "50", "--warmup", "5")
    report = json.loads(result.stdout)
    for transport in ("ipc", "tcp"):
        figures = report[transport]
        assert figures["raw_rtt_us"] > 0 and figures["step_us"] > 0
        ratio = figures["step_us"] / figures["raw_rtt_us"]
        assert figures["overhead_ratio"] == pytest.approx(ratio, rel=1e-3)
        assert figures["p90_ratio"] == pytest.approx(
            figures["step_us_p90"] / figures["raw_rtt_us_p90"], rel=1e-3)


def test_bench_bridge_calls_take_turns_in_blocks():
    from ran_gym.bench.bridge import time_interleaved

    order: list[str] = []
    timed = time_interleaved({"a": lambda: order.append("a"), "b": lambda: order.append("b")},
                             iterations=6, warmup=1, blocks=3)
    # One warm-up call each, then three blocks of two calls each, a and b in turn.
    assert "".join(order) == "ab" + "aabb" * 3
    assert set(timed) == {"a", "b"} and all(t["median"] >= 0 for t in timed.values())
    order.clear()  # more blocks than iterations: as many calls as iterations, no more
    time_interleaved({"a": lambda: order.append("a")}, iterations=3, warmup=0, blocks=200)
    assert order == ["a"] * 3


def test_dataset_names_what_it_knows(capsys):
    assert main(["dataset", "--scenario", "reference", "--solver", "esa", "--out", "x"]) == 2
    assert "no data set for scenario 'reference' with 'esa'; known:" in capsys.readouterr().err


def test_run_flattens_structured_actions(echo_program, tmp_path):
    """space-echo acts in a Dict of every kind; every number gets its own column."""
    out = tmp_path / "run"
    ran_gym("run", "--scenario", "space-echo", "--steps", "3", "--out", str(out))
    steps = load_run(out).steps
    # discrete 7 (one-hot) + 6 + 4 + 3 + 2 + tuple (3 one-hot + 2) = 27 numbers
    assert sum(c.startswith("action_") for c in steps.columns) == 27
    assert steps.filter(like="action_").notna().all().all()


def test_run_with_pcap_traces_of_oran_slicing(tmp_path):
    """Flags that need the per-episode trace directory also work for the handshake that
    learns the spaces (its files go to a scratch directory that is removed)."""
    program("ran-gym-oran-slicing")
    out = tmp_path / "run"
    ran_gym("run", "--scenario", "oran-slicing", "--steps", "2", "--out", str(out),
            "--param", "nRus=2", "--param", "nUes=4", "--param", "maxSteps=2",
            "--param", "pcap=true")
    assert list((out / "traces-episode-0000").glob("*.pcap"))
    assert not (out / ".probe").exists()


def test_the_command_runs_numpy_blas_on_one_thread():
    """NumPy's BLAS is loaded before main() runs; main() still holds its pool to one thread
    (several spin against the simulators for the cores), unless the user set the count."""
    script = ("from threadpoolctl import threadpool_info; from ran_gym.cli import main; "
              "main(['scenarios']); print(sorted({p['num_threads'] for p in threadpool_info() "
              "if p['user_api'] == 'blas'}))")
    env = {k: v for k, v in os.environ.items()
           if k not in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    ran = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                         text=True, check=True, timeout=120)
    assert ran.stdout.strip().splitlines()[-1] == "[1]"
    user = subprocess.run([sys.executable, "-c", script], check=True, timeout=120, text=True,
                          env={**env, "OPENBLAS_NUM_THREADS": "2"}, capture_output=True)
    assert user.stdout.strip().splitlines()[-1] == "[2]"


def test_analyze_with_no_run_directory_fails_and_writes_nothing(tmp_path):
    not_a_dir = tmp_path / "notes.txt"
    not_a_dir.write_text("x")
    empty = tmp_path / "empty"
    empty.mkdir()
    result = ran_gym("analyze", "/nonexistent", str(not_a_dir), str(empty),
                     "--out", str(tmp_path / "X"), check=False)
    assert result.returncode == 2
    assert result.stderr == (
        f"ran-gym: error: nothing to analyse: /nonexistent: no such directory; {not_a_dir}: "
        f"not a directory; {empty}: not a run directory (none of config.json, steps.parquet, "
        "progress.csv in it)\n")
    assert result.stdout == "" and not (tmp_path / "X").exists()


def test_analyze_names_bad_inputs_and_reports_the_good_ones(reference_program, tmp_path):
    run = tmp_path / "run"
    ran_gym("run", "--scenario", "reference", "--steps", "5", "--out", str(run))
    result = ran_gym("analyze", str(run), "/nonexistent", "--out", str(tmp_path / "X"),
                     check=False)
    assert result.returncode == 1
    assert result.stderr == "ran-gym: error: /nonexistent: no such directory\n"
    assert (tmp_path / "X" / "problems.txt").read_text() == "/nonexistent: no such directory\n"
    page = (tmp_path / "X" / "report.html").read_text()
    assert "reference" in page and "random" in page


@pytest.mark.parametrize(("argv", "attribute", "expected"), [
    (["run", "--scenario", "reference", "--out", "runs/d"], "out", "{}/runs/d"),
    (["evaluate", "--scenario", "reference", "--agents", "a", "--out", "o",
      "--checkpoint", "dqn=ck/dqn.zip"], "checkpoint", ["dqn={}/ck/dqn.zip"]),
    (["train", "--scenario", "s", "--agent", "diffusion-ql", "--out", "o",
      "--dataset", "runs/a,runs/b"], "dataset", "{}/runs/a,{}/runs/b"),
    (["train", "--scenario", "s", "--agent", "dqn", "--out", "o", "--init", "x/dqn.zip"],
     "init", "{}/x/dqn.zip"),
    (["collect", "--scenario", "s", "--policy", "random", "--steps", "1", "--out", "runs/c",
      "--param", "traceDir=t", "--param", "nUes=3", "--param", "traceDir=none"],
     "param", ["traceDir={}/t", "nUes=3", "traceDir=none"]),
    (["analyze", "runs/a", "--out", "rep"], "runs", ["{}/runs/a"]),
    (["table2", "--test", "esa-test.parquet", "--out", "t2"], "test", "{}/esa-test.parquet"),
])
def test_relative_paths_are_made_absolute_when_parsed(argv, attribute, expected, tmp_path,
                                                      monkeypatch):
    from ran_gym.cli import build_parser

    monkeypatch.chdir(tmp_path)
    value = getattr(build_parser().parse_args(argv), attribute)
    if isinstance(expected, list):
        assert [str(v) for v in value] == [e.replace("{}", str(tmp_path)) for e in expected]
    else:
        assert str(value) == expected.replace("{}", str(tmp_path))


def test_the_former_evaluate_flags_name_the_same_episodes():
    """docs/results record `evaluate --seed S --episodes K`: argparse takes --seed for
    --seeds, and one seed with K episodes plays seeds S .. S + K - 1, as it did."""
    from ran_gym.cli import build_parser
    from ran_gym.commands.evaluate import episode_seeds, parse_seeds

    args = build_parser().parse_args(["evaluate", "--scenario", "interference", "--agents",
                                      "sapd", "--episodes", "3", "--seed", "7000", "--out", "o"])
    assert episode_seeds(parse_seeds(args.seeds), args.episodes) == [
        (7000, 7000), (7000, 7001), (7000, 7002)]
