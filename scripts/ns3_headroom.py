"""How much reward lies above the demonstrator in ns-3, and does Diffusion-QL's critic find it?

O-RAN slicing, default scenario (3 O-RUs, 25 UEs), ns-3 itself as the judge:

``search``: per drop (one ``reset(seed)``), coordinate ascent in ns-3 on one static
share-form allocation (:mod:`bridge.slicing.shares`), starting from qos-greedy's
allocation of the first state (``--start ue-value --fit TABLE``: ue-value's). Each
candidate is scored by the mean reward of a whole ns-3 episode from ``reset(seed)`` over
its first ``--fit-steps`` steps; the rest of the episode (up to ``--steps``) is held
out: the search never sees it, so its reward there says whether what the search found is
the drop's and not that episode's traffic. Moves per UE: one RBG more and one fewer, and
its power level one or two below and one above. Beside it, on the same episode: the
start policy recomputed at every step (qos-greedy: the baseline of every table) and its
first allocation held (where the search starts); the records keep them under ``greedy``
and ``greedy_first`` whichever the start, and name it in ``start``. The ns-3 steps the
search spends per drop are counted.

``shifts``: whether the moves the search keeps (most lower one UE's power level) stand
for a rule that holds on every drop: qos-greedy recomputed at every step with every
served UE's power level shifted by a fixed number of levels per slice (eMBB, URLLC,
mMTC; clipped to the levels there are), each shift played on the same drops.

``centre``: whether the moves the search keeps from ue-value's allocation (most lower
the power of a UE far stronger at its O-RU than at any other) stand for a rule of the
state: a policy (ue-value or qos-greedy) with every cell-centre UE's power lowered, a
cell-centre UE being one whose strongest O-RU's gain is at least M dB above its
second-strongest's, by k levels (``--rules M:k ...``), each rule played on the same drops
beside the policy as it is. Near its O-RU such a UE's link is near LTE's highest MCS,
where more power buys it little, while what it radiates interferes with the other
O-RUs' UEs on the same RBGs.

``lowered``: who the search's kept power moves lowered (``--search DIR`` of its records):
per slice, the mean margin of the UE's strongest O-RU over its second-strongest and its
rate on one RBG under the link fit, in each drop's first state, for the UEs lowered and
for the others.

``candidates``: a Diffusion-QL checkpoint played in ns-3 with ``--candidates`` N
(best of N samples by min(Q1, Q2), the agent's decision rule), on the same seeds and
with the same decision seed for every N. If the critics rank one state's actions the way
ns-3's reward does, more candidates score more; if they prefer the samples they
overestimate, more candidates score less.

Results in docs/slicing-agents.md, "How much lies above the demonstrator in ns-3".
Use training seeds (no evaluation table uses 1-99); ``search`` runs its seeds
``--workers`` at a time, one simulator each, and skips a seed whose JSON is there.

    .venv/bin/python scripts/ns3_headroom.py search --seeds 1,2,3,4 --out DIR
    .venv/bin/python scripts/ns3_headroom.py search --seeds 1,2,3,4 --start ue-value \\
        --fit docs/results/slicing/after-attach-fix/checkpoints/ue-value.json --out DIR
    .venv/bin/python scripts/ns3_headroom.py shifts --seeds 1,2,3,4,5,6,7,8 --out DIR
    .venv/bin/python scripts/ns3_headroom.py centre --seeds 1,2,3,4,5,6,7,8 \\
        --policy ue-value --fit TABLE --rules 25:1 25:2 30:2 30:3 --out DIR
    .venv/bin/python scripts/ns3_headroom.py lowered --search DIR
    .venv/bin/python scripts/ns3_headroom.py candidates --seeds 1,2,3,4 \\
        --checkpoint docs/results/slicing/checkpoints/diffusion-ql.pt --out DIR
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from agents.baselines.slicing import QosGreedyAgent, slicing_config
from agents.ue_value import UeValueAgent
from bridge.slicing import greedy, shares
from bridge.slicing.allocation import Allocation, repair_power
from bridge.slicing.config import SlicingConfig
from bridge.slicing.layout import gains_from_observation
from bridge.slicing.solution import strongest_margin_db
from ran_gym.evaluation import make_env, play_episode


class Held:
    """A share-form allocation held for a whole episode, decoded under each step's gains
    (an agent for :func:`ran_gym.evaluation.play_episode`)."""

    def __init__(self, cfg: SlicingConfig, x: np.ndarray):
        self.cfg, self.x = cfg, x

    def predict(self, obs: Any, **_: Any) -> tuple[dict[str, np.ndarray], None]:
        gains = gains_from_observation(obs, self.cfg)
        return shares.decode(self.cfg, self.x, gains).to_native(), None


class Shifted(QosGreedyAgent):
    """qos-greedy with each UE's power level moved by ``shift`` [3] levels (per slice),
    then lowered where an O-RU's budget needs it (``repair_power``)."""

    def __init__(self, env: Any, shift: tuple[int, int, int]):
        super().__init__(env)
        self.shift = np.asarray(shift, dtype=np.int64)

    def allocate(self, gain_db: np.ndarray) -> Allocation:
        a = super().allocate(gain_db)
        moved = np.clip(a.power_level + self.shift[self.cfg.ue_slice], 0, self.cfg.n_levels - 1)
        return Allocation(a.association, a.prb_owner,
                          repair_power(self.cfg, a.association, a.prb_owner, moved))


class CentrePower:
    """``policy``'s allocation with its cell-centre UEs' power lowered: each UE whose
    strongest O-RU's gain is at least ``margin_db`` above its second-strongest's steps
    ``levels`` power levels down (to the lowest at most), then the levels are lowered
    where an O-RU's budget needs it (``repair_power``). ``levels`` 0: ``policy`` as it is."""

    def __init__(self, policy: Any, margin_db: float, levels: int):
        self.policy, self.cfg = policy, policy.cfg
        self.margin_db, self.levels = margin_db, levels

    def predict(self, obs: Any, **_: Any) -> tuple[dict[str, np.ndarray], None]:
        return self.allocate(gains_from_observation(obs, self.cfg)).to_native(), None

    def allocate(self, gain_db: np.ndarray) -> Allocation:
        a = self.policy.allocate(gain_db)
        if self.levels == 0 or self.cfg.n_rus < 2:  # no other O-RU to spare
            return a
        centre = strongest_margin_db(gain_db) >= self.margin_db
        lowered = np.where(centre, np.maximum(a.power_level - self.levels, 0), a.power_level)
        return Allocation(a.association, a.prb_owner,
                          repair_power(self.cfg, a.association, a.prb_owner, lowered))


def episode(env: Any, seed: int, steps: int, agent: Any) -> np.ndarray:
    """Rewards of ``agent``'s ``steps`` steps from ``reset(seed)``; an episode that ends
    before them is an error (``maxSteps`` too small)."""
    rewards = np.array([row["reward"] for row in play_episode(env, agent, seed, steps)])
    if len(rewards) < steps:
        raise RuntimeError(f"seed {seed}: the episode ended after {len(rewards)} steps, "
                           f"before the {steps} asked for (maxSteps)")
    return rewards


def search_seed(seed: int, fit_steps: int, steps: int, sweeps: int, out: Path,
                start: str = "qos-greedy", fit: str | None = None) -> dict[str, Any]:
    """The search on drop ``seed`` from ``start``'s allocation (ue-value: the table
    ``fit``); writes and returns its record."""
    env = make_env("oran-slicing", "qos-greedy", {"maxSteps": steps})
    try:
        cfg = slicing_config(env)
        policy = (UeValueAgent(env, checkpoint=fit) if start == "ue-value"
                  else QosGreedyAgent(env))
        u, r, n_levels = cfg.n_ues, cfg.n_rus, cfg.n_levels
        usable, centres = shares.usable_rbgs(cfg), shares.level_centres(n_levels)
        started, spent = time.time(), 0

        def held(x: np.ndarray, n: int) -> np.ndarray:
            nonlocal spent
            spent += n
            return episode(env, seed, n, Held(cfg, x))

        recomputed = episode(env, seed, steps, policy)
        first, _ = env.reset(seed=seed)
        x = shares.encode(cfg, policy.allocate(gains_from_observation(first, cfg)))
        static = held(x, steps)
        best, moves = float(static[:fit_steps].mean()), []
        for sweep in range(sweeps):
            for ue in range(u):
                rbgs = shares.claims(x[u * r + ue]) * usable
                level = int(shares.power_levels(x[u * r + u + ue], n_levels))
                tries = [("rbgs", u * r + ue, d, shares.share_of_rbgs(rbgs + d, usable))
                         for d in (-1, 1) if rbgs + d >= 0]
                tries += [("level", u * r + u + ue, d, centres[level + d])
                          for d in (-2, -1, 1) if 0 <= level + d < n_levels]
                for what, index, change, value in tries:
                    y = x.copy()
                    y[index] = value
                    score = float(held(y, fit_steps).mean())
                    if score > best + 1e-9:
                        best, x = score, y
                        moves.append({"sweep": sweep, "ue": ue, "slice": int(cfg.ue_slice[ue]),
                                      "what": what, "change": change, "fit_reward": score})
        found = held(x, steps)
        record = {
            "seed": seed, "start": start, "fit_steps": fit_steps, "steps": steps,
            "sweeps": sweeps,
            "ns3_steps_spent": spent, "wall_s": round(time.time() - started, 1),
            **{f"{name}_{part}": float(rewards[window].mean())
               for name, rewards in (("greedy", recomputed), ("greedy_first", static),
                                     ("search", found))
               for part, window in (("fit", slice(0, fit_steps)),
                                    ("held_out", slice(fit_steps, steps)),
                                    ("all", slice(0, steps)))},
            "moves": moves}
    finally:
        env.close()
    tmp = out / f".search-seed{seed}.json.tmp"
    tmp.write_text(json.dumps(record, indent=1))
    tmp.replace(out / f"search-seed{seed}.json")
    return record


def _search_job(job: tuple[int, int, int, int, str, str, str | None]) -> dict[str, Any]:
    seed, fit_steps, steps, sweeps, out, start, fit = job
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    return search_seed(seed, fit_steps, steps, sweeps, Path(out), start, fit)


def run_search(args: argparse.Namespace) -> None:
    if not 0 < args.fit_steps < args.steps:
        raise SystemExit(f"--fit-steps {args.fit_steps} must be in 1 .. --steps - 1 "
                         f"({args.steps - 1}): the rest of the episode is the held-out part")
    if (args.start == "ue-value") != (args.fit is not None):
        raise SystemExit("--fit TABLE (ue-value.json) goes with --start ue-value, and only "
                         "with it")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for done in sorted(out.glob("search-seed*.json")):  # records without a start: qos-greedy
        other = json.loads(done.read_text()).get("start", "qos-greedy")
        if other != args.start:
            raise SystemExit(f"{done} is a search from {other}'s allocation; give --out a "
                             f"directory of searches from {args.start}'s")
    todo = [(s, args.fit_steps, args.steps, args.sweeps, str(out), args.start, args.fit)
            for s in args.seeds if not (out / f"search-seed{s}.json").exists()]
    workers = max(1, min(args.workers, len(todo)))
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        for record in pool.imap_unordered(_search_job, todo):
            print(f"seed {record['seed']}: {args.start} {record['greedy_held_out']:.3f}, "
                  f"its first allocation held {record['greedy_first_held_out']:.3f}, "
                  f"search {record['search_held_out']:.3f} on the held-out steps "
                  f"({record['ns3_steps_spent']} ns-3 steps, {record['wall_s']:.0f} s)", flush=True)
    records = [json.loads((out / f"search-seed{s}.json").read_text()) for s in args.seeds]
    names = (("greedy", f"{args.start}, recomputed every step"),
             ("greedy_first", f"{args.start}'s first allocation, held"),
             ("search", "the search's allocation, held"))
    lines = ["| allocation | " + " | ".join(
                 f"seed {r['seed']} fit / held-out" for r in records) + " | mean held-out |",
             "|---|" + "---:|" * (len(records) + 1)]
    for key, label in names:
        cells = [f"{r[key + '_fit']:.3f} / {r[key + '_held_out']:.3f}" for r in records]
        mean = np.mean([r[key + "_held_out"] for r in records])
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {mean:.3f} |")
    lines.append("| ns-3 steps the search spent | " + " | ".join(
        str(r["ns3_steps_spent"]) for r in records) + " | |")
    (out / "search.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def run_candidates(args: argparse.Namespace) -> None:
    from agents.diffusion_ql import DiffusionQL
    from agents.registry import make_agent

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    env = make_env("oran-slicing", "diffusion-ql", {"maxSteps": args.steps})
    try:
        for n in args.candidates:
            agent = make_agent("diffusion-ql", env, seed=args.decision_seed,
                               checkpoint=args.checkpoint)
            assert isinstance(agent, DiffusionQL)
            agent.retune(candidates=n)
            for seed in args.seeds:
                rewards = episode(env, seed, args.steps, agent)
                rows.append({"agent": "diffusion-ql", "candidates": n, "seed": seed,
                             "mean_reward": float(rewards.mean())})
                print(rows[-1], flush=True)
    finally:
        env.close()
    env = make_env("oran-slicing", "qos-greedy", {"maxSteps": args.steps})
    try:
        for seed in args.seeds:
            rewards = episode(env, seed, args.steps, QosGreedyAgent(env))
            rows.append({"agent": "qos-greedy", "candidates": 0, "seed": seed,
                         "mean_reward": float(rewards.mean())})
    finally:
        env.close()
    greedy_mean = np.mean([r["mean_reward"] for r in rows if r["agent"] == "qos-greedy"])
    lines = ["| decision | " + " | ".join(f"seed {s}" for s in args.seeds)
             + " | mean | − qos-greedy |", "|---|" + "---:|" * (len(args.seeds) + 2)]
    for n in [*args.candidates, 0]:
        mine = [r["mean_reward"] for r in rows if r["candidates"] == n]
        label = ("qos-greedy" if n == 0 else "one sample (no choice)" if n == 1
                 else f"best of {n} samples by its critics")
        lines.append(f"| {label} | " + " | ".join(f"{v:.3f}" for v in mine)
                     + f" | {np.mean(mine):.3f} | {np.mean(mine) - greedy_mean:+.3f} |")
    tmp = out / ".candidates.json.tmp"
    tmp.write_text(json.dumps({"checkpoint": args.checkpoint, "steps": args.steps,
                               "decision_seed": args.decision_seed, "rows": rows}, indent=1))
    tmp.replace(out / "candidates.json")
    (out / "candidates.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def _shift_job(job: tuple[tuple[int, int, int], list[int], int]) -> dict[str, Any]:
    shift, seeds, steps = job
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    env = make_env("oran-slicing", "qos-greedy", {"maxSteps": steps})
    try:
        rewards = [float(episode(env, seed, steps, Shifted(env, shift)).mean()) for seed in seeds]
    finally:
        env.close()
    return {"shift": list(shift), "seeds": seeds, "mean_reward": rewards}


def run_shifts(args: argparse.Namespace) -> None:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    shifts = [(0, 0, 0), *[s for s in args.shifts if s != (0, 0, 0)]]
    jobs = [(shift, args.seeds, args.steps) for shift in shifts]
    with multiprocessing.get_context("spawn").Pool(max(1, min(args.workers, len(jobs)))) as pool:
        rows = pool.map(_shift_job, jobs)
    base = np.asarray(rows[0]["mean_reward"])
    lines = ["| power levels shifted (eMBB, URLLC, mMTC) | " + " | ".join(
                 f"seed {s}" for s in args.seeds) + " | mean | − qos-greedy | seeds above |",
             "|---|" + "---:|" * (len(args.seeds) + 3)]
    for row in rows:
        mine = np.asarray(row["mean_reward"])
        shifted = ", ".join(f"{v:+d}" for v in row["shift"])
        label = "none (qos-greedy)" if row is rows[0] else shifted
        lines.append(f"| {label} | " + " | ".join(f"{v:.3f}" for v in mine)
                     + f" | {mine.mean():.3f} | {mine.mean() - base.mean():+.3f} | "
                     + f"{int((mine > base + 1e-9).sum())} of {len(mine)} |")
    tmp = out / ".shifts.json.tmp"
    tmp.write_text(json.dumps({"steps": args.steps, "rows": rows}, indent=1))
    tmp.replace(out / "shifts.json")
    (out / "shifts.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def _centre_job(job: tuple[str, str | None, tuple[float, int], list[int], int]
                ) -> dict[str, Any]:
    policy, fit, (margin_db, levels), seeds, steps = job
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    env = make_env("oran-slicing", "qos-greedy", {"maxSteps": steps})
    try:
        base = UeValueAgent(env, checkpoint=fit) if policy == "ue-value" else QosGreedyAgent(env)
        agent = CentrePower(base, margin_db, levels)
        rewards = [float(episode(env, seed, steps, agent).mean()) for seed in seeds]
    finally:
        env.close()
    return {"margin_db": margin_db, "levels": levels, "seeds": seeds, "mean_reward": rewards}


def run_centre(args: argparse.Namespace) -> None:
    if (args.policy == "ue-value") != (args.fit is not None):
        raise SystemExit("--fit TABLE (ue-value.json) goes with --policy ue-value, and only "
                         "with it")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rules = [(0.0, 0), *[r for r in args.rules if r[1] != 0]]
    jobs = [(args.policy, args.fit, rule, args.seeds, args.steps) for rule in rules]
    with multiprocessing.get_context("spawn").Pool(max(1, min(args.workers, len(jobs)))) as pool:
        rows = pool.map(_centre_job, jobs)
    base = np.asarray(rows[0]["mean_reward"])
    lines = [f"| {args.policy}: cell-centre UEs' power | " + " | ".join(
                 f"seed {s}" for s in args.seeds) + f" | mean | − {args.policy} | seeds above |",
             "|---|" + "---:|" * (len(args.seeds) + 3)]
    for row in rows:
        mine = np.asarray(row["mean_reward"])
        label = ("as it is" if row is rows[0] else
                 f"{row['levels']} level{'s' * (row['levels'] > 1)} lower where "
                 f"≥ {row['margin_db']:g} dB above the second-strongest O-RU")
        lines.append(f"| {label} | " + " | ".join(f"{v:.3f}" for v in mine)
                     + f" | {mine.mean():.3f} | {mine.mean() - base.mean():+.3f} | "
                     + f"{int((mine > base + 1e-9).sum())} of {len(mine)} |")
    tmp = out / ".centre.json.tmp"
    tmp.write_text(json.dumps({"policy": args.policy, "fit": args.fit, "steps": args.steps,
                               "rows": rows}, indent=1))
    tmp.replace(out / "centre.json")
    (out / "centre.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def run_lowered(args: argparse.Namespace) -> None:
    search = Path(args.search)
    records = [json.loads(path.read_text()) for path in sorted(search.glob("search-seed*.json"))]
    if not records:
        raise SystemExit(f"no search-seed*.json in {search}: run `search --out {search}` first")
    env = make_env("oran-slicing", "qos-greedy", {"maxSteps": 5})
    rows = []
    try:
        cfg = slicing_config(env)
        for record in records:
            obs, _ = env.reset(seed=record["seed"])
            gains = gains_from_observation(obs, cfg)
            margin, rate = strongest_margin_db(gains), greedy.rate_per_rbg(cfg, gains)
            down = {m["ue"] for m in record["moves"] if m["what"] == "level" and m["change"] < 0}
            rows += [(int(cfg.ue_slice[ue]), ue in down, float(margin[ue]), float(rate[ue]))
                     for ue in range(cfg.n_ues)]
    finally:
        env.close()
    table = np.array(rows)
    lines = ["| slice | UEs lowered: count, margin (dB), rate (Mbit/s a RBG) | the others |",
             "|---|---|---|"]
    for index, name in enumerate(("eMBB", "URLLC", "mMTC")):
        cells = []
        for lowered in (True, False):
            part = table[(table[:, 0] == index) & (table[:, 1] == lowered)]
            cells.append(f"{len(part)}, {part[:, 2].mean():.1f}, {part[:, 3].mean():.2f}"
                         if len(part) else "0")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    seeds = ", ".join(str(r["seed"]) for r in records)
    lines.append(f"\nSeeds {seeds}: each drop's first state; a UE counts as lowered when a "
                 "kept move lowered its power level.")
    (search / "lowered.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def _rule(text: str) -> tuple[float, int]:
    try:
        margin, levels = text.split(":")
        rule = float(margin), int(levels)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"a rule is MARGIN_DB:LEVELS (e.g. 30:3), got {text!r}") from None
    if rule[1] < 0:
        raise argparse.ArgumentTypeError(f"LEVELS is how many levels lower, >= 0: {text!r}")
    return rule


def _shift(text: str) -> tuple[int, int, int]:
    values = tuple(int(v) for v in text.split(","))
    if len(values) != 3:
        raise argparse.ArgumentTypeError(f"a shift is three levels (eMBB,URLLC,mMTC), got {text!r}")
    return values


def _ints(text: str) -> list[int]:
    return [int(v) for v in text.split(",") if v]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    search = sub.add_parser("search", help="coordinate ascent on a static allocation in ns-3")
    search.add_argument("--seeds", type=_ints, default=[1, 2, 3, 4])
    search.add_argument("--fit-steps", type=int, default=25)
    search.add_argument("--steps", type=int, default=50)
    search.add_argument("--sweeps", type=int, default=2)
    search.add_argument("--start", choices=("qos-greedy", "ue-value"), default="qos-greedy")
    search.add_argument("--fit", help="ue-value's table (its ue-value.json), with --start "
                        "ue-value")
    search.add_argument("--workers", type=int, default=2)
    search.add_argument("--out", required=True)
    shift = sub.add_parser("shifts", help="qos-greedy with its power levels shifted per slice")
    shift.add_argument("--seeds", type=_ints, default=[1, 2, 3, 4, 5, 6, 7, 8])
    shift.add_argument("--shifts", type=_shift, nargs="+", default=[
        _shift(v) for v in ("-1,-1,-1", "-2,-2,-2", "-3,-3,-3", "-5,-5,-5", "-2,0,0",
                            "-4,0,0", "0,-2,0", "0,-4,0", "0,0,-2", "0,0,-4", "0,-3,-3")],
        help="each three levels, eMBB,URLLC,mMTC (the unshifted qos-greedy is always played)")
    shift.add_argument("--steps", type=int, default=50)
    shift.add_argument("--workers", type=int, default=2)
    shift.add_argument("--out", required=True)
    centre = sub.add_parser("centre", help="a policy with its cell-centre UEs' power lowered")
    centre.add_argument("--seeds", type=_ints, default=[1, 2, 3, 4, 5, 6, 7, 8])
    centre.add_argument("--policy", choices=("qos-greedy", "ue-value"), default="ue-value")
    centre.add_argument("--fit", help="ue-value's table (its ue-value.json), with --policy "
                        "ue-value")
    centre.add_argument("--rules", type=_rule, nargs="+", required=True,
                        help="each MARGIN_DB:LEVELS (the policy as it is is always played)")
    centre.add_argument("--steps", type=int, default=50)
    centre.add_argument("--workers", type=int, default=2)
    centre.add_argument("--out", required=True)
    low = sub.add_parser("lowered", help="who the search's kept power moves lowered")
    low.add_argument("--search", required=True, help="a `search --out` directory")
    cand = sub.add_parser("candidates", help="Diffusion-QL with best of N by its critics")
    cand.add_argument("--checkpoint", required=True)
    cand.add_argument("--seeds", type=_ints, default=[1, 2, 3, 4])
    cand.add_argument("--candidates", type=_ints, default=[1, 10, 40])
    cand.add_argument("--steps", type=int, default=50)
    cand.add_argument("--decision-seed", type=int, default=0)
    cand.add_argument("--out", required=True)
    args = parser.parse_args()
    {"search": run_search, "shifts": run_shifts, "centre": run_centre,
     "lowered": run_lowered, "candidates": run_candidates}[args.command](args)


if __name__ == "__main__":
    main()
