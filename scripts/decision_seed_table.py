"""The table of a probe script's Diffusion-QL runs (scripts/ns3_critics.sh,
scripts/ns3_demonstrator.sh): each run's mean reward per step on the development seeds
(OUT/dev-NAME-K, one evaluation per decision seed K) and the held-out ones
(OUT/held-NAME-K), as the mean over its decision seeds and their range; then the
agents that played each set once (OUT/dev-AGENT, OUT/held-AGENT; blank where not). With
``--paired X,Y``, a column per agent: each run's paired difference from it on the held-out
seeds (a seed's decision seeds averaged first), its 95 % Student-t interval over the
seeds and on how many seeds the run is above. Written to OUT/table.md and printed.

    decision_seed_table.py OUT [--columns A,B,...] [--agents X,Y] [--paired X,Y]
        [--held-seeds LABEL] RUN[:A:B:...] ...

``--held-seeds`` names the held-out seeds in the headers (default 300-309).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from analysis.compare import paired_difference


def mean(path: Path) -> float:
    """The mean reward per step of one `ran-gym evaluate` output, over its seeds."""
    return float(pd.read_csv(path / "seeds.csv")["mean_reward"].mean())


def cell(out: Path, name: str, kind: str) -> str:
    draws = sorted(out.glob(f"{kind}-{name}-[0-9]"))
    if not draws:
        return ""
    values = [mean(d) for d in draws]
    return (f"{sum(values) / len(values):.3f} ({min(values):.3f}-{max(values):.3f}), "
            f"{len(values)} decision seeds")


def paired(out: Path, name: str, agent: str) -> str:
    """NAME's paired difference from AGENT on the held-out seeds, blank where either
    did not play them."""
    draws = sorted(out.glob(f"held-{name}-[0-9]"))
    if not draws or not (out / f"held-{agent}").exists():
        return ""
    rows = pd.concat([pd.read_csv(d / "seeds.csv").assign(agent=name) for d in draws]
                     + [pd.read_csv(out / f"held-{agent}" / "seeds.csv").assign(agent=agent)])
    diff = paired_difference(rows, "mean_reward", agent).set_index("agent").loc[name]
    per_seed = rows.pivot_table(index="seed", columns="agent", values="mean_reward")
    above = int((per_seed[name] > per_seed[agent]).sum())
    return (f"{diff['difference']:+.3f} ± {diff['ci_half_width']:.3f}, "
            f"{above} of {len(per_seed)} above")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("runs", nargs="+", help="NAME, then the row's --columns, ':'-separated")
    parser.add_argument("--columns", default="", help="the runs' other columns, by name")
    parser.add_argument("--agents", default="qos-greedy", help="agents played once per set")
    parser.add_argument("--paired", default="",
                        help="agents to pair each run with on the held-out seeds")
    parser.add_argument("--held-seeds", default="300-309",
                        help="the held-out seeds, as the headers name them")
    args = parser.parse_args()
    columns = [c for c in args.columns.split(",") if c]
    pairs = [a for a in args.paired.split(",") if a]
    blank = ["" for _ in columns]
    held = args.held_seeds
    lines = ["| " + " | ".join(["run", *columns, "seeds 1-8", f"seeds {held}",
                                *(f"{held} − {a} (paired, 95 %)" for a in pairs)]) + " |",
             "|" + "---|" * (1 + len(columns)) + "---:|---:|" + "---:|" * len(pairs)]
    for run in args.runs:
        name, *values = run.split(":")
        if len(values) != len(columns):
            parser.error(f"run {run!r}: {len(columns)} values after its name expected")
        lines.append("| " + " | ".join([name, *values, cell(args.out, name, "dev"),
                                        cell(args.out, name, "held"),
                                        *(paired(args.out, name, a) for a in pairs)]) + " |")
    for agent in args.agents.split(","):
        played = [args.out / f"{kind}-{agent}" for kind in ("dev", "held")]
        lines.append("| " + " | ".join([agent, *blank, *(f"{mean(p):.3f}" if p.exists() else ""
                                                          for p in played),
                                                   *("" for _ in pairs)]) + " |")
    (args.out / "table.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
