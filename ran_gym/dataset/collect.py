"""``ran-gym collect``: behaviour policies roll out in the slicing scenario (ns-3 or its
twin) and every transition goes to Parquet.

A policy is an agent name (``qos-greedy``, ``max-sinr``,
``random``, ...), optionally with Gaussian noise on its share-form action
(``qos-greedy:noise=0.2``: the allocation encoded as per-UE claims and power,
bridge.slicing.shares, each value plus N(0, 0.2²), decoded again): near-demonstrator
actions that differ from it, which a critic needs to rank actions. ``:power-noise=S``
adds the noise to the power entries alone, so that the policy's association and RBGs
stay as they are and only the UEs' power levels vary (the budget repaired as
:func:`bridge.slicing.shares.decode` repairs it): what one UE's power does to the
others, apart from what its RBGs do. ``--policy A,B``
alternates the policies episode by episode; ``A+B`` alternates them step by step within
an episode (A at steps 1, 3, ..., B at 2, 4, ...; each row names the one that acted), so
that B acts in the states A's play leads to (B the demonstrator, A the agent that learns
from it: its demonstrations then cover the states it meets, and its own steps show the
outcomes of its actions). A policy may be an agent of another action form
(``diffusion-ql``, from its checkpoint), its action decoded as ``ran-gym evaluate``
decodes it. A policy that acts from a fit or checkpoint (``ue-value``, ``diffusion-ql``)
takes it from ``--checkpoint NAME=PATH``, recorded in the manifest with its SHA-256, so
that a resumed collection plays the same fit.

Episode i (0, 1, ...) has reset seed ``--seed`` + i and policy i mod P, so a collection
is the same whatever ``--num-envs``, however often it was resumed, and wherever its
episodes were played (``--rollouts ray``: in Ray actors, ran_gym.rollouts). Episodes are written
in parts (``part-NNNNN.parquet``, named by their first episode, about PART_ROWS rows of
whole episodes each, each written atomically);
``--resume`` counts the episodes already there and goes on. ``manifest.json`` holds the
command's settings and the column schema; a new collection writes it with its first
part, so a command that fails before any episode is stored (an unknown policy, a
policy without its fit, a simulator that cannot start) leaves no collection behind.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import gymnasium as gym
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

SCHEMA = pa.schema([
    ("episode", pa.int64()), ("step", pa.int32()), ("seed", pa.int64()),
    ("policy", pa.string()),
    ("obs", pa.list_(pa.float32())), ("next_obs", pa.list_(pa.float32())),
    ("association", pa.list_(pa.int32())), ("prb_owner", pa.list_(pa.int32())),
    ("power_level", pa.list_(pa.int32())),
    ("reward", pa.float32()), ("terminated", pa.bool_()), ("truncated", pa.bool_()),
    ("throughput_mbps", pa.float32()), ("qos_share", pa.float32()),
])
"""One row per transition. The action is the native one the env applied (flat
association [U], prb_owner [R·G] RU-major, power_level [U]), from which every action form
is derived; ``throughput_mbps`` and ``qos_share`` are the step's aggregate (from info)."""

PLAY_TRIES = 3
"""Attempts at an episode whose Ray actor dies (``--rollouts ray``)."""
PART = "part-{:05d}.parquet"
PART_ROWS = 2000
"""Rows gathered before a part is written (whole episodes; the last part may be smaller)."""


def steps_of(spec: str) -> list[str]:
    """The policies of an episode spec, in the order they take its steps: ``"A+B"`` ->
    ["A", "B"]; ``"A"`` -> ["A"]."""
    return [part.strip() for part in spec.split("+")]


class PolicySpec(NamedTuple):
    name: str
    noise: float
    """The standard deviation of the share-space noise (0: none)."""
    power_only: bool
    """The noise on the power entries alone (``:power-noise=S``)."""


def parse_policy(spec: str) -> PolicySpec:
    """``"name"``, ``"name:noise=S"`` or ``"name:power-noise=S"`` -> its
    :class:`PolicySpec`."""
    name, _, option = spec.partition(":")
    if not option:
        return PolicySpec(name, 0.0, False)
    key, _, value = option.partition("=")
    try:
        noise = float(value)
    except ValueError:
        noise = -1.0
    if key not in ("noise", "power-noise") or not noise >= 0:
        raise ValueError(f"--policy {spec!r}: expected NAME, NAME:noise=S or "
                         f"NAME:power-noise=S with S >= 0")
    return PolicySpec(name, noise, key == "power-noise")


class Behaviour:
    """A policy, with its optional share-space noise, acting in the native action."""

    def __init__(self, spec: str, env: gym.Env, seed: int, checkpoint: str | None = None):
        from agents.registry import make_agent
        from ran_gym.evaluation import ACTION_FORMS, action_wrapper

        self.spec = spec
        name, self.noise, self.power_only = parse_policy(spec)
        self.cfg = env.cfg  # type: ignore[attr-defined]
        form = ACTION_FORMS.get(name, "native")
        # An agent of another action form acts on a wrapper of the native env, which
        # decodes its actions (from the gains of the observation it is given).
        self.form = None if form == "native" else action_wrapper(form)(env, self.cfg)
        loaded = {} if checkpoint is None else {"checkpoint": checkpoint}
        self.agent = make_agent(name, self.form or env, seed=seed, **loaded)
        self.rng = np.random.default_rng(seed)

    def act(self, obs: np.ndarray) -> dict[str, np.ndarray]:
        action, _ = self.agent.predict(obs, deterministic=True)
        if self.form is not None:
            self.form.last_obs = np.asarray(obs)
            action = self.form.allocate(action).to_native()
        if not self.noise:
            return action
        from bridge.slicing import shares
        from bridge.slicing.allocation import Allocation
        from bridge.slicing.layout import gains_from_observation

        x = shares.encode(self.cfg, Allocation.from_native(action))
        noise = self.rng.normal(0.0, self.noise, x.shape)
        if self.power_only:
            noise[:len(x) - self.cfg.n_ues] = 0.0  # the power entries are the last U
        x = x + noise
        return shares.decode(self.cfg, x, gains_from_observation(obs, self.cfg)).to_native()


def collect_command(args: argparse.Namespace) -> Path:
    """Roll out ``--steps`` transitions (whole episodes) into the directory ``--out``."""
    from bridge.slicing.wrappers import SCENARIOS

    if args.scenario not in SCENARIOS:
        raise ValueError(f"collect: scenario {args.scenario!r}; known: {', '.join(SCENARIOS)}")
    policies = [p.strip() for p in args.policy.split(",") if p.strip()]
    if not policies:
        raise ValueError("--policy: give at least one policy")
    from agents.registry import AGENTS

    for spec in (step for episode in policies for step in steps_of(episode)):
        name = parse_policy(spec).name
        if name not in AGENTS:
            raise ValueError(f"--policy {spec!r}: unknown agent {name!r}; known: "
                             f"{', '.join(sorted(AGENTS))}")
    checkpoints = parse_checkpoints(args.checkpoint, policies)
    if getattr(args, "ray_address", None) and getattr(args, "rollouts", "local") != "ray":
        raise ValueError("--ray-address needs --rollouts ray")
    if args.steps < 1 or args.num_envs < 1:
        raise ValueError(f"--steps and --num-envs must be >= 1, got {args.steps}, "
                         f"{args.num_envs}")
    from bridge.scenarios import parse_params

    out = Path(args.out)
    params = parse_params(args.param)
    done, manifest = _start(out, args, policies, params, checkpoints)
    paths = {name: entry["path"] for name, entry in checkpoints.items()}
    with _players(args, params) as play:
        steps = int(sum(pq.read_metadata(p).num_rows for p in sorted(out.glob("part-*"))))
        episode, first, shown = done, done, 0.0
        pending: list[dict[str, Any]] = []
        while steps + len(pending) < args.steps:
            pending += play(range(episode, episode + args.num_envs), policies, args.seed,
                            paths)
            episode += args.num_envs
            if len(pending) >= PART_ROWS or steps + len(pending) >= args.steps:
                if manifest is not None:  # a new collection: its manifest with its first part
                    _write_manifest(out, manifest)
                    manifest = None
                _write_part(out, first, pending)
                steps, first, pending = steps + len(pending), episode, []
            if time.monotonic() - shown > 2 or not pending and steps >= args.steps:
                shown = time.monotonic()
                print(f"collect: {min(steps + len(pending), args.steps)}/{args.steps} "
                      f"steps, {episode} episodes", file=sys.stderr)
    return out


def parse_checkpoints(pairs: list[str], policies: list[str]) -> dict[str, dict[str, str]]:
    """``--checkpoint NAME=PATH`` pairs -> {NAME: {"path", "sha256"}}; NAME must be one of
    the policies' agents and PATH a file."""
    names = {parse_policy(step).name for spec in policies for step in steps_of(spec)}
    found: dict[str, dict[str, str]] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            raise ValueError(f"--checkpoint expects AGENT=PATH, got {pair!r}")
        if name not in names:
            raise ValueError(f"--checkpoint {pair!r}: {name!r} is not among --policy's agents "
                             f"({', '.join(sorted(names))})")
        path = Path(value).resolve()
        if not path.is_file():
            raise ValueError(f"--checkpoint {pair!r}: no file {path}")
        found[name] = {"path": str(path),
                       "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    return found


Play = Callable[[range, list[str], int, dict[str, str]], list[dict[str, Any]]]


@contextlib.contextmanager
def _players(args: argparse.Namespace, params: dict[str, str]) -> Iterator[Play]:
    """What plays a batch of episodes (one per env, rows in episode order): ``--num-envs``
    envs here, or (``--rollouts ray``) as many Ray actors, each playing its episode where
    it runs (the behaviour policies are fixed: nothing to send them but the episode)."""
    make = functools.partial(_env, args.scenario, params, args.runtime)
    if getattr(args, "rollouts", "local") == "ray":
        from ran_gym.cluster import ray_session
        from ran_gym.rollouts.vector import start_actors

        with ray_session(getattr(args, "ray_address", None),
                         max(args.num_envs, os.cpu_count() or 1)) as ray:
            actors = start_actors(make, args.num_envs)
            try:
                yield functools.partial(_remote_episodes, ray, actors)
            finally:
                for actor in actors:
                    ray.kill(actor, no_restart=True)
        return
    envs = [make() for _ in range(args.num_envs)]
    try:
        yield functools.partial(_episodes, envs)
    finally:
        for env in envs:
            env.close()


RESUMED = ("scenario", "policies", "seed", "params", "checkpoints")
"""The manifest's settings a resumed collection must share."""


def _start(out: Path, args: argparse.Namespace, policies: list[str], params: dict[str, str],
           checkpoints: dict[str, dict[str, str]]) -> tuple[int, dict[str, Any] | None]:
    """Episodes already collected in ``out``, and None; or, for a new collection, 0 and
    the manifest to write with its first part."""
    manifest = {"scenario": args.scenario, "policies": policies, "seed": args.seed,
                "params": params, "checkpoints": checkpoints,
                "columns": {f.name: str(f.type) for f in SCHEMA}}
    path = out / "manifest.json"
    if not path.exists():
        return 0, manifest
    if not args.resume:
        raise ValueError(f"--out {out} holds a collection; pass --resume to continue it")
    earlier = json.loads(path.read_text())
    same = {k: earlier.get(k, {} if k == "checkpoints" else None) for k in RESUMED}
    if same != {k: manifest[k] for k in same}:
        raise ValueError(f"--resume: {path} was collected with {same}, not with these "
                         "settings")
    parts = sorted(out.glob("part-*.parquet"))
    return int(sum(len(set(pq.read_table(p, columns=["episode"])["episode"].to_pylist()))
                   for p in parts)), None


def _write_manifest(out: Path, manifest: dict[str, Any]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "manifest.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest, indent=1))
    tmp.replace(path)


def _env(scenario: str, params: dict[str, str], runtime: str) -> gym.Env:
    from ran_gym.evaluation import make_env

    return make_env(scenario, "max-sinr", dict(params), runtime=runtime)  # native action


def _episodes(envs: list[gym.Env], episodes: range, policies: list[str], seed: int,
              checkpoints: dict[str, str]) -> list[dict[str, Any]]:
    """One whole episode per env, episode i in env i - first, the envs in parallel (one
    thread each: ns-3 runs in its own process, the thread waits on its socket); rows in
    episode order."""
    from concurrent.futures import ThreadPoolExecutor
    from itertools import repeat

    n = min(len(envs), len(episodes))
    with ThreadPoolExecutor(max_workers=n) as pool:
        done = pool.map(_episode, envs[:n], episodes[:n], repeat(policies), repeat(seed),
                        repeat(checkpoints))
        return [row for rows in done for row in rows]


def _remote_episodes(ray: Any, actors: list[Any], episodes: range, policies: list[str],
                     seed: int, checkpoints: dict[str, str]) -> list[dict[str, Any]]:
    """Episode i in actor i - first, the actors in parallel; an episode whose actor died
    is played again from its seed by the restarted actor (Ray retries it, and so does
    this loop, up to ``PLAY_TRIES`` times each): it is stored once, whole."""
    rows: dict[int, list[dict[str, Any]]] = {}
    todo = list(episodes[:len(actors)])
    for _ in range(PLAY_TRIES):
        refs = {e: actors[e - episodes[0]].play.options(max_task_retries=PLAY_TRIES).remote(
                    _episode, e, policies, seed, checkpoints) for e in todo}
        todo = []
        for e, ref in refs.items():
            try:
                rows[e] = ray.get(ref)[0]
            except ray.exceptions.RayActorError:
                todo.append(e)
        if not todo:
            return [row for e in sorted(rows) for row in rows[e]]
    raise RuntimeError(f"episodes {todo}: their rollout actors died {PLAY_TRIES} times")


def _episode(env: gym.Env, episode: int, policies: list[str], seed: int,
             checkpoints: dict[str, str]) -> list[dict[str, Any]]:
    turns = [Behaviour(spec, env, seed + episode, checkpoints.get(parse_policy(spec).name))
             for spec in steps_of(policies[episode % len(policies)])]
    obs, _ = env.reset(seed=seed + episode)
    rows: list[dict[str, Any]] = []
    ended = False
    while not ended:
        behaviour = turns[len(rows) % len(turns)]
        spec = behaviour.spec
        action = behaviour.act(obs)
        nxt, reward, terminated, truncated, info = env.step(action)
        rows.append({
            "episode": episode, "step": len(rows) + 1, "seed": seed + episode, "policy": spec,
            "obs": np.asarray(obs, np.float32), "next_obs": np.asarray(nxt, np.float32),
            **{k: np.asarray(action[k], np.int32).reshape(-1)
               for k in ("association", "prb_owner", "power_level")},
            "reward": float(reward), "terminated": bool(terminated),
            "truncated": bool(truncated),
            "throughput_mbps": float(info.get("reward_rate_mbps", np.nan)),
            "qos_share": float(info.get("reward_constraint", np.nan))})
        obs, ended = nxt, bool(terminated or truncated)
    return rows


def _write_part(out: Path, first_episode: int, rows: list[dict[str, Any]]) -> None:
    table = pa.Table.from_pylist(rows, schema=SCHEMA)
    path = out / PART.format(first_episode)
    tmp = path.with_suffix(".tmp")
    pq.write_table(table, tmp)
    tmp.replace(path)


LABEL_COLUMNS = ("drop", "seed", "solver", "observation", "association", "prb_owner",
                 "power_level", "reward", "sum_rate_mbps", "qos_share")
"""The columns of a label set (``ran-gym dataset``: an expert's allocation per drop) that
:func:`load` reads."""


def load(path: str | Path) -> pa.Table:
    """Every part of a collection directory, in episode order (checked against SCHEMA);
    or a label set's Parquet file, as one-step episodes whose policy is its solver."""
    root = Path(path)
    if root.is_file() and root.suffix == ".parquet":
        return _labels(root)
    parts = sorted(root.glob("part-*.parquet"))
    if not (root / "manifest.json").is_file() or not parts:
        raise ValueError(f"{root}: not a collection (no manifest.json and part-*.parquet; "
                         "made by ran-gym collect)")
    table = pa.concat_tables([pq.read_table(p) for p in parts])
    if not table.schema.equals(SCHEMA):
        raise ValueError(f"{root}: columns {table.schema.names} do not match the schema")
    return table


def _labels(path: Path) -> pa.Table:
    """A label set as transitions of SCHEMA: one step per drop, the expert's allocation
    on the drop's first observation, terminated there (next_obs repeats obs)."""
    table = pq.read_table(path)
    missing = [c for c in LABEL_COLUMNS if c not in table.schema.names]
    if missing:
        raise ValueError(f"{path}: neither a collection directory nor a label set of ran-gym "
                         f"dataset (no column {', '.join(missing)})")
    d = table.select(list(LABEL_COLUMNS)).to_pydict()
    n = table.num_rows
    return pa.Table.from_pydict({
        "episode": d["drop"], "step": [0] * n, "seed": d["seed"], "policy": d["solver"],
        "obs": d["observation"], "next_obs": d["observation"],
        "association": d["association"], "prb_owner": d["prb_owner"],
        "power_level": d["power_level"], "reward": d["reward"], "terminated": [True] * n,
        "truncated": [False] * n, "throughput_mbps": d["sum_rate_mbps"],
        "qos_share": d["qos_share"]}, schema=SCHEMA)
