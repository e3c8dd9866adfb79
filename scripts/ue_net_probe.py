"""Can a per-UE network of ns-3's outcomes choose RBG counts as well as ue-value's table,
or better? (docs/slicing-agents.md, "A network of the per-UE outcomes, maximised as
ue-value maximises its table").

    scripts/ue_net_probe.py --dataset D1,D2 --fit UE_VALUE.json --seeds 1,2,...,8 \
        --features drop|state|history --out DIR [--train-seeds 0,1,2 --epochs 150]

ue-value keeps a table of the mean outcome by slice, link-fit rate bin and RBG count,
and picks each O-RU's counts by an exact knapsack over it. Diffusion-QL's per-UE critics
foretell each UE's outcome better than that table, yet the same knapsack over their
values loses ("What the critics' values say about RBG counts"): they see the count as
one smooth input among many. This fits, on the same per-UE rows as the table (the UEs on
their strongest O-RU, :func:`agents.ue_value.ue_outcomes`), a network with one output
per count: a UE's value with 0, 1, ..., 16 RBGs, rising by a softplus step per RBG, so
that what one more RBG is worth is read off the network as off the table. Counts that no
slice's 30 rows reached are worth what the last reached one is, as the table's cells.
It then plays as ue-value does (every UE on its strongest O-RU, RBGs in blocks, top
power), with the counts from the same knapsack over the network's values, beside
ue-value on the same ns-3 episodes (50 steps, one per seed).

``--features drop``: what the table knows of a UE (slice, link-fit rate), and what it
does not: the SINR at nominal power and how many UEs of each slice share its O-RU.
``--features state``: those, and the observation's last-step fields: the UE's QoS flag,
throughput and delay, and its slice's queue. ``--features history``: those, and the RBGs
the UE held in that last step (the collection's previous action; the player's own), so
that a last outcome is read beside the count that gave it.

One network per ``--train-seeds`` seed (its weights and its 10 % held-out episodes), and
with more than one, a player on the mean of their values (``ue-net mean``).
DIR gets ``seeds.csv`` (every agent per seed, as ``ran-gym evaluate`` writes them),
``fit.csv`` (per network and epoch: training loss, and the held-out episodes' mean
squared error of the network and of the table on the same rows), ``counts.csv`` (per
network and slice, the share of UEs it gave fewer or more RBGs than ue-value would have,
on the states it met) and ``summary.md``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import torch
import torch.nn.functional as F
from torch import nn

from agents.baselines.slicing import slicing_config
from agents.common.nn import mlp
from agents.registry import make_agent
from agents.ue_value.agent import MIN_ROWS, UeValueTable, best_counts, rbgs_held
from analysis.compare import mean_ci
from bridge.slicing import greedy, shares
from bridge.slicing.config import SlicingConfig
from bridge.slicing.layout import gains_from_observation, observation_size, observation_slices
from ran_gym.commands.evaluate import parse_seeds, summarise
from ran_gym.dataset.collect import load
from ran_gym.evaluation import make_env, play_episode

SLICE_NAMES = ("eMBB", "URLLC", "mMTC")


def ue_features(cfg: SlicingConfig, obs: np.ndarray, kind: str,
                last: np.ndarray | None = None) -> np.ndarray:
    """[U, F] for one raw observation: the slice (one-hot), link-fit rate on one RBG,
    SINR at nominal power, and per slice the UEs sharing the UE's strongest O-RU; with
    ``state``, also its last QoS flag, throughput, delay and its slice's queue; with
    ``history``, those and the RBGs ``last`` [U] it held in the step they report (None:
    the episode's first step, whose observation reports the warm-up), and a flag for the
    first step."""
    u = cfg.n_ues
    gain_db = gains_from_observation(obs, cfg)
    gain = np.power(10.0, gain_db / 10.0)
    strongest = gain_db.argmax(axis=1)
    sinr_db = 10.0 * np.log10(gain.max(axis=1) / (cfg.prb_noise_w / cfg.prb_power_w
                                                   + gain.sum(axis=1) - gain.max(axis=1)))
    ue_slice = np.asarray(cfg.ue_slice)
    onehot = np.eye(3)[ue_slice]
    sharing = np.stack([(strongest[None, :] == strongest[:, None])
                        & (ue_slice[None, :] == s) for s in range(3)], 2).sum(axis=1) / 10.0
    columns = [onehot, greedy.rate_per_rbg(cfg, gain_db)[:, None] / 2.4,
               sinr_db[:, None] / 30.0, sharing]
    if kind in ("state", "history"):
        f = observation_slices(cfg)
        queues = np.asarray(obs[f["slice_queue_bytes"]], dtype=np.float64)[ue_slice]
        columns += [np.asarray(obs[f["qos_ok"]], dtype=np.float64)[:, None],
                    np.asarray(obs[f["throughput_mbps"]], dtype=np.float64)[:, None] / 10.0,
                    np.log1p(np.asarray(obs[f["delay_ms"]], dtype=np.float64))[:, None] / 3.0,
                    np.log1p(queues)[:, None] / 12.0]
    if kind == "history":
        first = last is None
        held = np.zeros(u) if last is None else np.asarray(last, dtype=np.float64)
        columns += [held[:, None] / 16.0, np.full((u, 1), float(first))]
    return np.concatenate(columns, 1).reshape(u, -1)


class CountValues(nn.Module):
    """A UE's value with 0 .. K − 1 RBGs from its features: the value with none, then a
    softplus step per RBG (never less with more)."""

    def __init__(self, n_features: int, k: int, hidden: int = 64):
        super().__init__()
        self.body = mlp([n_features, hidden, hidden, k], nn.SiLU)
        last = self.body[-1]
        assert isinstance(last, nn.Linear)
        with torch.no_grad():
            last.bias[1:] = -3.0  # steps start small: about 0.05 each

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.body(x)
        return torch.cat([out[..., :1], out[..., :1] + torch.cumsum(F.softplus(out[..., 1:]), -1)],
                         -1)


def rows_of(cfg: SlicingConfig, table: dict[str, Any], kind: str) -> dict[str, np.ndarray]:
    """Per-UE rows of collected transitions where the UE sat on its strongest O-RU:
    features, RBGs held, outcome (U · θ_rate · throughput + θ_const · QoS flag) and the
    transition's episode ``key``."""
    fields = observation_slices(cfg)
    feats, counts, outcome, episode, slices = [], [], [], [], []
    ue_slice = np.asarray(cfg.ue_slice)
    held = rbgs_held(cfg, np.asarray(table["association"]), np.asarray(table["prb_owner"]))
    held_at = {(key, step): held[i]
               for i, (key, step) in enumerate(zip(table["key"], table["step"], strict=True))}
    for i, obs in enumerate(table["obs"]):
        obs = np.asarray(obs, dtype=np.float64)
        nxt = np.asarray(table["next_obs"][i], dtype=np.float64)
        association = np.asarray(table["association"][i], dtype=np.int64)
        last = held_at.get((table["key"][i], table["step"][i] - 1))
        keep = association == gains_from_observation(obs, cfg).argmax(axis=1)
        feats.append(ue_features(cfg, obs, kind, last)[keep])
        counts.append(held[i][keep])
        value = (cfg.n_ues * cfg.theta_rate * nxt[fields["throughput_mbps"]]
                 + cfg.theta_const * (nxt[fields["qos_ok"]] > 0.5))
        outcome.append(value[keep])
        episode.append(np.full(keep.sum(), table["key"][i]))
        slices.append(ue_slice[keep])
    return {"x": np.concatenate(feats), "count": np.concatenate(counts),
            "y": np.concatenate(outcome), "episode": np.concatenate(episode),
            "slice": np.concatenate(slices)}


def fit_network(rows: dict[str, np.ndarray], k: int, epochs: int, seed: int,
                table_pred: np.ndarray) -> tuple[CountValues, pd.DataFrame]:
    """Train on 90 % of the episodes; the other 10 % give the held-out error beside the
    table's (``table_pred``, per row) on them. The table was fitted on every row, those
    included, so its error there is in-sample: the comparison favours it."""
    rng = np.random.default_rng(seed)
    episodes = np.unique(rows["episode"])
    held = np.isin(rows["episode"], rng.choice(episodes, max(1, len(episodes) // 10),
                                               replace=False))
    x = torch.as_tensor(rows["x"], dtype=torch.float32)
    c = torch.as_tensor(rows["count"], dtype=torch.int64)
    y = torch.as_tensor(rows["y"], dtype=torch.float32)
    torch.manual_seed(seed)
    net = CountValues(x.shape[1], k)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    train = np.flatnonzero(~held)
    test = torch.as_tensor(np.flatnonzero(held))
    log = []
    table_mse = float(np.mean((table_pred[held] - rows["y"][held]) ** 2))
    for epoch in range(epochs):
        order = torch.as_tensor(rng.permutation(train))
        losses = []
        for batch in order.split(1024):
            pred = net(x[batch]).gather(1, c[batch, None])[:, 0]
            loss = F.mse_loss(pred, y[batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        with torch.no_grad():
            held_mse = float(F.mse_loss(net(x[test]).gather(1, c[test, None])[:, 0], y[test]))
        log.append({"epoch": epoch + 1, "train_mse": np.mean(losses), "held_out_mse": held_mse,
                    "table_held_out_mse": table_mse})
    return net, pd.DataFrame(log)


class UeNetPlayer:
    """ue-value's allocation with the counts from the knapsack over the networks' values
    (their mean); keeps, per slice, how its counts differ from the table's on each state."""

    def __init__(self, nets: list[CountValues], cfg: SlicingConfig, kind: str,
                 reached: np.ndarray, table: UeValueTable):
        self.nets, self.cfg, self.kind, self.reached = nets, cfg, kind, reached
        self.table_values, self.table = table.values(cfg), table
        self.changes: list[np.ndarray] = []
        self.last: np.ndarray | None = None

    def values(self, obs: np.ndarray) -> np.ndarray:
        x = torch.as_tensor(ue_features(self.cfg, obs, self.kind, self.last),
                            dtype=torch.float32)
        with torch.no_grad():
            v = torch.stack([net(x) for net in self.nets]).mean(0).double().numpy()
        top = self.reached[np.asarray(self.cfg.ue_slice)]
        k = np.arange(v.shape[1])
        return np.where(k[None] > top[:, None], v[np.arange(len(v)), top][:, None], v)

    def predict(self, observation: Any, state: Any = None, episode_start: Any = None,
                deterministic: bool = True) -> tuple[dict[str, np.ndarray], None]:
        cfg = self.cfg
        if episode_start:
            self.last = None
        obs = np.asarray(observation, dtype=np.float64)
        gain_db = gains_from_observation(obs, cfg)
        association = gain_db.argmax(axis=1).astype(np.int64)
        values = self.values(obs)
        bins = self.table.rate_bin(greedy.rate_per_rbg(cfg, gain_db))
        table_values = self.table_values[np.asarray(cfg.ue_slice), bins]
        usable = shares.usable_rbgs(cfg)
        counts = np.zeros(cfg.n_ues, dtype=np.int64)
        theirs = np.zeros(cfg.n_ues, dtype=np.int64)
        for ru in range(cfg.n_rus):
            ues = np.flatnonzero(association == ru)
            if ues.size:
                counts[ues] = best_counts(values[ues], usable)
                theirs[ues] = best_counts(table_values[ues], usable)
        self.changes.append(counts - theirs)
        self.last = counts
        return greedy.block_allocation(cfg, association, counts).to_native(), None


def paired(diff: pd.Series) -> str:
    """Mean ± the 95 % Student-t half-width, and how many are above 0."""
    mean, half = mean_ci(diff.to_numpy())
    return f"{mean:+.4f} ± {half:.4f}, {int((diff > 0).sum())} of {len(diff)} above"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", required=True, help="collections, comma-separated")
    parser.add_argument("--fit", type=Path, required=True, help="ue-value's table")
    parser.add_argument("--seeds", required=True, help="ns-3 seeds to play (at least 2)")
    parser.add_argument("--features", choices=("drop", "state", "history"), default="drop")
    parser.add_argument("--epochs", type=int, default=150)
    parser.add_argument("--train-seeds", default="0", help="one network per seed")
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    if args.epochs < 1:
        parser.error(f"--epochs must be >= 1, got {args.epochs}")
    seeds = parse_seeds(args.seeds)
    train_seeds = parse_seeds(args.train_seeds)
    if len(seeds) < 2:
        parser.error("--seeds: give at least 2 seeds, for the paired interval")
    torch.set_num_threads(1)
    env = make_env("oran-slicing", "ue-value", {"maxSteps": str(args.steps)})
    played: list[dict[str, Any]] = []
    logs, counts, timing = [], [], []
    try:
        cfg = slicing_config(env)
        table = UeValueTable.load(args.fit)
        parts = [load(p.strip()) for p in args.dataset.split(",")]
        # an episode key unique across the collections (each numbers its own from 0)
        parts = [t.append_column("key", pa.array(np.asarray(t["episode"]) + d * 10**6))
                 for d, t in enumerate(parts)]
        data = pa.concat_tables(parts).to_pydict()
        if len(data["obs"][0]) != observation_size(cfg):
            raise ValueError(f"--dataset {args.dataset}: collected on another network than "
                             f"the default slicing scenario's ({cfg.n_ues} UEs, "
                             f"{cfg.n_rus} O-RUs)")
        rows = rows_of(cfg, data, args.features)
        k = shares.usable_rbgs(cfg) + 1
        seen = np.zeros((3, k), dtype=np.int64)
        np.add.at(seen, (rows["slice"], rows["count"]), 1)
        if not (seen >= MIN_ROWS).any(axis=1).all():
            raise ValueError(f"--dataset {args.dataset}: a slice has no RBG count with "
                             f"{MIN_ROWS} rows; collect more, with a policy that serves "
                             "every slice")
        reached = np.array([np.flatnonzero(seen[s] >= MIN_ROWS).max() for s in range(3)])
        print(f"{len(rows['y'])} per-UE rows of {len(data['obs'])} transitions; counts "
              f"reached (30+ rows) per slice: {reached.tolist()}")
        # the table's value of each row, on the network's scale
        rate = rows["x"][:, 3] * 2.4
        table_pred = cfg.n_ues * table.values(cfg)[rows["slice"], table.rate_bin(rate),
                                                   rows["count"]]
        ue_slice = np.asarray(cfg.ue_slice)
        players: list[tuple[str, Any]] = [
            ("ue-value", make_agent("ue-value", env, checkpoint=str(args.fit)))]
        nets: list[CountValues] = []
        for train_seed in train_seeds:
            began = time.perf_counter()
            net, log = fit_network(rows, k, args.epochs, train_seed, table_pred)
            timing.append(time.perf_counter() - began)
            logs.append(log.assign(train_seed=train_seed))
            print(f"network {train_seed}:", log.iloc[-1].round(4).to_dict())
            nets.append(net)
            players.append((f"ue-net {train_seed}",
                            UeNetPlayer([net], cfg, args.features, reached, table)))
        if len(nets) > 1:
            players.append(("ue-net mean", UeNetPlayer(nets, cfg, args.features, reached,
                                                         table)))
        for episode, seed in enumerate(seeds):
            for name, agent in players:
                played += [{"agent": name, "episode": episode, "seed": seed, **row}
                           for row in play_episode(env, agent, seed, args.steps)]
        for name, player in players[1:]:
            changes = np.stack(player.changes)
            counts += [{"network": name, "slice": label,
                        "fewer": (changes[:, ue_slice == s] < 0).mean(),
                        "more": (changes[:, ue_slice == s] > 0).mean(),
                        "mean_change": changes[:, ue_slice == s].mean()}
                       for s, label in enumerate(SLICE_NAMES)]
    finally:
        env.close()
    per_seed = summarise("oran-slicing", pd.DataFrame(played), by=("agent", "seed"))
    args.out.mkdir(parents=True, exist_ok=True)
    per_seed.to_csv(args.out / "seeds.csv", index=False)
    fits = pd.concat(logs)
    fits.to_csv(args.out / "fit.csv", index=False)
    pd.DataFrame(counts).to_csv(args.out / "counts.csv", index=False)
    wide = per_seed.pivot(index="seed", columns="agent", values="mean_reward")
    means = per_seed.groupby("agent", sort=False)[
        ["mean_reward", "throughput_mbps", "embb_qos_share", "urllc_qos_share",
         "mmtc_qos_share"]].mean()
    last = fits.groupby("train_seed").last()
    lines = [f"features {args.features}, {args.epochs} epochs, ns-3 seeds {args.seeds}, "
             f"{args.steps} steps; {len(rows['y'])} per-UE rows of {len(data['obs'])} "
             f"transitions", "",
             "| agent | held-out MSE (table's) | reward | − ue-value (paired, 95 %) | "
             "throughput | eMBB / URLLC / mMTC QoS | fit (s) |",
             "|---|---|---:|---|---:|---|---:|"]
    for name, row in means.iterrows():
        net_seed = (None if name in ("ue-value", "ue-net mean")
                    else int(str(name).split()[-1]))
        mse = ("" if net_seed is None else f"{last.loc[net_seed, 'held_out_mse']:.4f} "
               f"({last.loc[net_seed, 'table_held_out_mse']:.4f})")
        vs = "" if name == "ue-value" else paired(wide[name] - wide["ue-value"])
        fit_s = "" if net_seed is None else f"{timing[train_seeds.index(net_seed)]:.0f}"
        lines.append(f"| {name} | {mse} | {row['mean_reward']:.4f} | {vs} | "
                     f"{row['throughput_mbps']:.1f} | {row['embb_qos_share']:.3f} / "
                     f"{row['urllc_qos_share']:.3f} / {row['mmtc_qos_share']:.3f} | {fit_s} |")
    (args.out / "summary.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(pd.DataFrame(counts).round(3).to_string(index=False))


if __name__ == "__main__":
    main()
