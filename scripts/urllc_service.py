"""How two agents serve their URLLC UEs, step by step, on the same ns-3 episodes
(docs/slicing-agents.md, "Critics of more than one step, and the URLLC UEs left behind").

    scripts/urllc_service.py A_DIR[:AGENT] B_DIR[:AGENT] [--out FILE.md]

A_DIR and B_DIR are `ran-gym evaluate` outputs on the same seeds (their
``steps.parquet``: every step's ``info["ue"]``), each of one agent or naming the agent
to read (``runs/demo/compare:ue-value``). Printed as Markdown (and written to
``--out``):

- per slice and agent: the share of UE-steps meeting QoS, the RBG-TTIs that carried a
  UE's data in a step and its P_A level, the mean over the UE-steps;
- for the URLLC UEs, the same split by whether the UE met its QoS in the step before:
  how often a served UE keeps its QoS and a UE that missed it wins it back;
- the URLLC UEs whose share of steps meeting QoS differs by more than ``--gap`` (0.2)
  between the two agents, with each agent's mean RBG-TTIs and power level for that UE;
- the first ``--trace`` (12) steps under both agents of each ``--ue SEED:UE`` (the first
  such UE without it): RBG-TTIs, QoS flag, throughput, mean delay, backlog and power.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

URLLC = 1
SLICE_NAMES = ("eMBB", "URLLC", "mMTC")
FIELDS = ("slice", "qos_ok", "rbg_ttis", "power_level", "throughput_mbps", "delay_ms",
          "backlog_bytes")


def ue_steps(spec: str) -> tuple[str, pd.DataFrame]:
    """An agent's name and one row per (seed, step, UE) of its steps in an evaluation's
    ``steps.parquet`` (``DIR`` of one agent, or ``DIR:AGENT``)."""
    directory, _, agent = spec.partition(":")
    run = Path(directory)
    if not (run / "steps.parquet").is_file():
        raise ValueError(f"{run}: no steps.parquet (a `ran-gym evaluate` output is needed)")
    steps = pd.read_parquet(run / "steps.parquet", columns=["agent", "seed", "step", "info_ue"])
    agents = list(dict.fromkeys(steps["agent"]))
    if agent and agent not in agents:
        raise ValueError(f"{run}/steps.parquet: no agent {agent!r} (there: {', '.join(agents)})")
    if not agent and len(agents) > 1:
        raise ValueError(f"{run}/steps.parquet holds {', '.join(agents)}: name one, "
                         f"{run}:AGENT")
    steps = steps[steps["agent"] == agent] if agent else steps
    if steps.empty:
        raise ValueError(f"{run}/steps.parquet holds no step")
    rows = []
    for seed, step, ues in zip(steps["seed"], steps["step"], steps["info_ue"], strict=True):
        missing = [name for name in FIELDS if name not in ues]
        if missing:
            raise ValueError(f"{run}/steps.parquet: info['ue'] has no {', '.join(missing)} "
                             "(a slicing evaluation of the gym scheduler is needed)")
        for ue in range(len(ues["slice"])):
            rows.append((int(seed), int(step), ue, *(ues[name][ue] for name in FIELDS)))
    frame = pd.DataFrame(rows, columns=["seed", "step", "ue", *FIELDS])
    frame = frame.sort_values(["seed", "ue", "step"], ignore_index=True)
    frame["before"] = frame.groupby(["seed", "ue"])["qos_ok"].shift(1)
    return f"{run.name}:{agent}" if agent else run.name, frame


def markdown(frame: pd.DataFrame, digits: int = 3) -> str:
    frame = frame.round(digits)
    lines = ["| " + " | ".join(map(str, frame.columns)) + " |",
             "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def report(a: pd.DataFrame, b: pd.DataFrame, names: tuple[str, str], gap: float,
           trace: int, traced: list[tuple[int, int]]) -> str:
    if sorted(set(a["seed"])) != sorted(set(b["seed"])):
        raise ValueError(f"{names[0]} and {names[1]} played different seeds")
    both = pd.concat([a.assign(agent=names[0]), b.assign(agent=names[1])])
    per_slice = both.groupby(["slice", "agent"], sort=True).agg(
        ue_steps=("qos_ok", "size"), qos=("qos_ok", "mean"), rbg_ttis=("rbg_ttis", "mean"),
        power_level=("power_level", "mean")).reset_index()
    per_slice["slice"] = [SLICE_NAMES[s] for s in per_slice["slice"]]
    urllc = both[(both["slice"] == URLLC) & both["before"].notna()]
    kept = urllc.groupby(["before", "agent"]).agg(
        ue_steps=("qos_ok", "size"), qos=("qos_ok", "mean"), rbg_ttis=("rbg_ttis", "mean"),
        power_level=("power_level", "mean")).reset_index()
    kept["before"] = kept["before"].map({1.0: "met", 0.0: "missed"})
    kept = kept.rename(columns={"before": "QoS the step before"})
    by_ue = [frame[frame["slice"] == URLLC].groupby(["seed", "ue"]).agg(
        qos=("qos_ok", "mean"), rbg_ttis=("rbg_ttis", "mean"),
        power_level=("power_level", "mean")) for frame in (a, b)]
    paired = by_ue[0].merge(by_ue[1], left_index=True, right_index=True,
                            suffixes=(f" {names[0]}", f" {names[1]}"))
    differ = paired[(paired[f"qos {names[0]}"] - paired[f"qos {names[1]}"]).abs() > gap]
    out = [f"# URLLC service: {names[0]} and {names[1]}", "",
           "## Per slice (mean over UE-steps)", "", markdown(per_slice), "",
           "## URLLC UEs by their QoS the step before", "", markdown(kept), "",
           f"## URLLC UEs whose QoS share differs by more than {gap}", "",
           f"{len(differ)} of {len(paired)} URLLC UEs; {names[0]} − {names[1]} over all "
           f"of them: {paired[f'qos {names[0]}'].mean() - paired[f'qos {names[1]}'].mean():+.3f}",
           ""]
    if len(differ):
        out += [markdown(differ.reset_index()), ""]
    for seed, ue in traced or list(differ.index[:1]):
        if (seed, ue) not in paired.index:
            raise ValueError(f"--ue {seed}:{ue}: no URLLC UE {ue} on seed {seed}")
        rows = []
        for name, frame in zip(names, (a, b), strict=True):
            one = frame[(frame["seed"] == seed) & (frame["ue"] == ue)].head(trace)
            rows.append(one.assign(agent=name)[["agent", "step", "rbg_ttis", "qos_ok",
                                                "throughput_mbps", "delay_ms",
                                                "backlog_bytes", "power_level"]])
        out += [f"## Seed {seed}, UE {ue}: its first {trace} steps", "",
                markdown(pd.concat(rows), 2), ""]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("a", help="an evaluation directory, DIR or DIR:AGENT")
    parser.add_argument("b", help="another, of the same seeds")
    parser.add_argument("--gap", type=float, default=0.2)
    parser.add_argument("--trace", type=int, default=12)
    parser.add_argument("--ue", action="append", default=[], metavar="SEED:UE",
                        help="trace this URLLC UE (repeatable)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    traced = []
    for item in args.ue:
        seed, sep, ue = item.partition(":")
        if not sep or not seed.isdigit() or not ue.isdigit():
            parser.error(f"--ue {item!r}: expected SEED:UE, e.g. 3:15")
        traced.append((int(seed), int(ue)))
    try:
        (name_a, a), (name_b, b) = ue_steps(args.a), ue_steps(args.b)
        text = report(a, b, (name_a, name_b), args.gap, args.trace, traced)
    except ValueError as error:
        parser.error(str(error))
    print(text)
    if args.out:
        tmp = args.out.with_suffix(".tmp")
        tmp.write_text(text + "\n")
        tmp.replace(args.out)


if __name__ == "__main__":
    main()
