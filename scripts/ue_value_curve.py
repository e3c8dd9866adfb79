"""ue-value's reward in ns-3 against the ns-3 transitions it was fitted on.

The collection is `make demo`'s (qos-greedy and qos-greedy:noise=0.3, 20-step episodes,
seed 2000000, 2 simulators), grown with ``--resume`` to each budget in turn, so the first
N transitions are the same at every budget and the demo's 2000 are one point of the
curve. At each budget ``ran-gym train --agent ue-value`` fits the table on the whole
collection and ``ran-gym evaluate`` plays it on the development seeds (1-8, on which
its settings were chosen) and three held-out sets (200-204, those of
docs/results/slicing/, 300-309 and 400-429), 50 steps each; qos-greedy plays the same episodes
once. ``curve.md`` gives each budget's mean per seed set and over the held-out sets
together, its paired difference from qos-greedy with a 95 % Student-t interval, and the
seeds above it.

Then rounds of its own play (``--rounds``, policy iteration as `make demo` runs its
first round): from the table fitted on the first ``--own-from`` transitions (the demo's
2000, collected again into ``DIR/data-N``), ``ran-gym train --agent ue-value
--iterations`` plays ``--own-steps`` ns-3 transitions (ue-value and
ue-value:noise=0.3, seed 3000000 + 100000 · (round − 1), 2 simulators) and fits the
table on everything so far, from which the next round plays. Each round's table is
evaluated on the same seeds; its rows are labelled ``N+M own``.

    .venv/bin/python scripts/ue_value_curve.py --out DIR

Writes ``DIR/data`` (the collection), ``DIR/fit-N/`` (each table), ``DIR/fit-own-R/``
(each round's training: its play in ``own/``, its table), ``DIR/eval-*/`` (each
evaluation), ``DIR/curve.csv`` (budget, seed set, seed, mean reward),
``DIR/curve.md`` and ``DIR/curve.png``. A stage whose output is there is skipped.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from analysis.compare import mean_ci

RAN_GYM = os.environ.get("RAN_GYM", str(Path(sys.executable).with_name("ran-gym")))
COLLECT = ["--scenario", "oran-slicing", "--param", "maxSteps=20", "--num-envs", "2", "--policy",
           "qos-greedy,qos-greedy:noise=0.3", "--seed", "2000000"]
OWN_SEED = 3_000_000
"""Round r of own play collects from seed OWN_SEED + 100000 (r - 1)."""
SEED_SETS = {"development (1-8)": [1, 2, 3, 4, 5, 6, 7, 8],
             "held out (200-204)": [200, 201, 202, 203, 204],
             "held out (300-309)": list(range(300, 310)),
             "held out (400-429)": list(range(400, 430))}


def run(*args: str, log: Path | None = None) -> None:
    with open(log, "w") if log else open(os.devnull, "w") as sink:
        subprocess.run([RAN_GYM, *args], check=True, stdout=sink, stderr=subprocess.STDOUT)


def evaluate(agent: str, out: Path, checkpoint: Path | None = None) -> None:
    if (out / "table.csv").exists():
        return
    seeds = ",".join(str(s) for group in SEED_SETS.values() for s in group)
    extra = ["--checkpoint", f"{agent}={checkpoint}"] if checkpoint else []
    run("evaluate", "--scenario", "oran-slicing", "--agents", agent, "--seeds", seeds,
        "--steps", "50", "--param", "maxSteps=50", *extra, "--out", str(out),
        log=out.with_suffix(".log"))


def per_seed(out: Path, budget: int | str) -> list[dict[str, object]]:
    steps = pd.read_parquet(out / "steps.parquet")
    means = steps.groupby("seed")["reward"].mean()
    return [{"budget": budget, "seeds": name, "seed": seed, "mean_reward": float(means[seed])}
            for name, group in SEED_SETS.items() for seed in group]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--budgets", default="250,500,1000,2000,4000",
                        help="ns-3 transitions to fit on, ascending (default: %(default)s)")
    parser.add_argument("--rounds", type=int, default=2,
                        help="rounds of ue-value's own play (default: %(default)s)")
    parser.add_argument("--own-from", type=int, default=2000,
                        help="the transitions of the first table that plays "
                             "(default: %(default)s, the demo's)")
    parser.add_argument("--own-steps", type=int, default=1000,
                        help="ns-3 transitions of own play per round (default: %(default)s, "
                             "the demo's)")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    budgets = [int(b) for b in args.budgets.split(",")]
    if budgets != sorted(budgets) or budgets[0] < 1:
        raise SystemExit(f"--budgets {args.budgets}: positive and ascending")
    if args.rounds < 0 or args.own_from < 1 or args.own_steps < 1:
        raise SystemExit("--rounds >= 0, --own-from and --own-steps >= 1")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.time()
    with ThreadPoolExecutor(max_workers=2) as pool:
        waiting = [pool.submit(evaluate, "qos-greedy", out / "eval-qos-greedy")]
        for budget in budgets:
            fit = out / f"fit-{budget}"
            if not (fit / "ue-value.json").exists():
                data = out / "data"
                resume = ["--resume"] if (data / "manifest.json").exists() else []
                run("collect", *COLLECT, "--steps", str(budget), "--out", str(data), *resume)
                run("train", "--scenario", "oran-slicing", "--agent", "ue-value", "--dataset",
                    str(data), "--out", str(fit), "--overwrite", log=out / f"fit-{budget}.log")
            print(f"{budget} transitions fitted ({time.time() - started:.0f} s)", flush=True)
            waiting.append(pool.submit(evaluate, "ue-value", out / f"eval-{budget}",
                                       fit / "ue-value.json"))
        labels = own_rounds(out, args.rounds, args.own_from, args.own_steps, pool, waiting)
        for job in waiting:
            job.result()
    rows = per_seed(out / "eval-qos-greedy", "qos-greedy")
    for budget in budgets:
        rows += per_seed(out / f"eval-{budget}", budget)
    for r, label in enumerate(labels, 1):
        rows += per_seed(out / f"eval-own-{r}", label)
    frame = pd.DataFrame(rows).astype({"budget": str})
    frame.to_csv(out / "curve.csv", index=False)
    greedy = frame[frame.budget == "qos-greedy"].set_index(["seeds", "seed"]).mean_reward
    held_out = [name for name in SEED_SETS if name.startswith("held out")]
    groups = [(name, [name]) for name in SEED_SETS] + [
        (f"held out, all {sum(len(SEED_SETS[n]) for n in held_out)}", held_out)]
    lines = ["| ns-3 transitions fitted on | seeds | mean reward | − qos-greedy (paired, 95 %) "
             "| seeds above qos-greedy |", "|---:|---|---:|---:|---:|"]
    for label in [*map(str, budgets), *labels]:
        mine = frame[frame.budget == label].set_index(["seeds", "seed"]).mean_reward
        for name, keep in groups:
            ours, theirs = mine[mine.index.get_level_values(0).isin(keep)], \
                greedy[greedy.index.get_level_values(0).isin(keep)]
            diff = (ours - theirs).to_numpy()
            _, half = mean_ci(diff)
            lines.append(f"| {label} | {name} | {ours.mean():.3f} | "
                         f"{diff.mean():+.3f} ± {half:.3f} | {int((diff > 0).sum())} of "
                         f"{len(diff)} |")
    lines += [f"| qos-greedy | {name} | "
              f"{greedy[greedy.index.get_level_values(0).isin(keep)].mean():.3f} | — | — |"
              for name, keep in groups]
    (out / "curve.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    plot(frame, budgets, labels, groups, out / "curve.png")
    print(f"done in {time.time() - started:.0f} s")


def own_rounds(out: Path, rounds: int, start: int, steps: int, pool: ThreadPoolExecutor,
               waiting: list) -> list[str]:
    """Each round of ue-value's own play (``ran-gym train --iterations``: a table on
    everything so far, its play, a table on both), evaluated in ``pool``; the labels."""
    if not rounds:
        return []
    base = out / f"data-{start}"  # the first `start` transitions of the curve's collection
    if not (base / "manifest.json").exists():
        run("collect", *COLLECT, "--steps", str(start), "--out", str(base))
    datasets, labels = [str(base)], []
    for r in range(1, rounds + 1):
        fit = out / f"fit-own-{r}"
        labels.append(f"{start}+{r * steps} own")
        if not (fit / "ue-value.json").exists():
            run("train", "--scenario", "oran-slicing", "--agent", "ue-value", "--dataset",
                ",".join(datasets), "--iterations", str(steps), "--num-envs", "2", "--param",
                "maxSteps=20", "--seed", str(OWN_SEED + 100_000 * (r - 1)), "--out", str(fit),
                "--overwrite", log=out / f"fit-own-{r}.log")
        print(f"round {r} of own play fitted", flush=True)
        datasets.append(str(fit / "own"))
        waiting.append(pool.submit(evaluate, "ue-value", out / f"eval-own-{r}",
                                   fit / "ue-value.json"))
    return labels


def plot(frame: pd.DataFrame, budgets: list[int], labels: list[str],
         groups: list[tuple[str, list[str]]], path: Path) -> None:
    """Mean reward against the budget for the development seeds and the held-out ones
    together, each beside qos-greedy's on the same seeds; the rounds of own play at their
    total ns-3 transitions."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    shown = [groups[0], groups[-1]]
    ticks = set(budgets)
    for (name, keep), colour in zip(shown, ("tab:blue", "tab:orange"), strict=True):
        sub = frame[frame.seeds.isin(keep)]
        means = [sub[sub.budget == str(b)].mean_reward.mean() for b in budgets]
        ax.plot(budgets, means, "o-", color=colour, label=f"ue-value, {name}")
        if labels:
            start = int(labels[0].split("+")[0])
            totals = [start] + [start + int(label.split("+")[1].split()[0]) for label in labels]
            ticks |= set(totals)
            own = [sub[sub.budget == str(start)].mean_reward.mean()] + [
                sub[sub.budget == label].mean_reward.mean() for label in labels]
            ax.plot(totals, own, "s:", color=colour,
                    label=f"ue-value, then rounds of its own play, {name}")
        ax.axhline(sub[sub.budget == "qos-greedy"].mean_reward.mean(), color=colour,
                   linestyle="--", label=f"qos-greedy, {name}")
    ax.set_xscale("log")
    ax.set_xticks(sorted(ticks), [str(b) for b in sorted(ticks)])
    ax.minorticks_off()
    ax.set_xlabel("ns-3 transitions fitted on (circles: qos-greedy's; squares: then its own)")
    ax.set_ylabel("mean reward per step, 50-step episodes")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


if __name__ == "__main__":
    main()
