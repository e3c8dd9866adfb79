"""Which network structure ranks one state's actions, and clones the demonstrator?

Measured against the twin's own reward (O-RAN slicing, default drop). Diffusion-QL +
demonstrations picks, at each decision, the best of its candidates by min(Q1, Q2). That
can lift it above its demonstrator only if Q orders actions of one state the way the
reward does. This script asks exactly that, on drops of RanGym/OranSlicingTwin-v0 whose
seeds no collection or training uses (20000 on): at each state the demonstrator follows,
the candidates are qos-greedy's share action and perturbations of it (Gaussian noise S
on the share form, three per S), each stepped in a copy of the env (its one-step reward:
with gains fixed in an episode the reward depends mostly on the step's allocation). Per
state: Spearman's rank correlation of the model's values with those rewards, the
demonstrator's rank by each (0 = best), and the reward of the candidate the model puts
first, minus the demonstrator's.

The model, one of:

- ``--checkpoint PATH``: a Diffusion-QL checkpoint's target critics (min of Q1, Q2);
- ``--fit flat|per-ue --dataset DIR[,DIR]``: a one-step reward model fitted here on
  collected transitions (``ran-gym collect``), by mean squared error: ``flat``, an MLP of
  the symlog observation and the share action as Diffusion-QL's critic sees them;
  ``per-ue``, one network shared by the UEs (each UE's observation fields, slice and
  share action, with its O-RU's pooled context), averaged over the UEs.

``--clone flat|per-ue --dataset DIR[,DIR]`` asks the policy's question instead: a
deterministic network fitted by mean squared error to the demonstrator's share actions
(the rows of policy ``qos-greedy``), ``flat`` (an MLP of the symlog observation, as the
diffusion policy's denoiser sees it) or ``per-ue`` (one network shared by the UEs, with
each O-RU's pooled context, the strongest O-RU standing for the association), played in
the twin as ``--play`` plays (40 drops from seed 10000, 10 steps each) beside qos-greedy:
how close can each structure clone the demonstrator?

With ``--play CHECKPOINT`` the script also plays that Diffusion-QL agent in the twin
(``--play-drops`` drops from seed 10000, ``--play-steps`` steps each) three ways: the
best of its candidates by its own critics (as it acts), the best of them by the model,
and the best by the model of its candidates and the demonstrator's action; and
qos-greedy alone. Mean reward per step with 95 % intervals over the drops.

    .venv/bin/python scripts/slicing_structure.py \
        --checkpoint runs/demo/train-diffusion-ql/diffusion-ql.pt
    .venv/bin/python scripts/slicing_structure.py --fit per-ue --dataset runs/demo/data-twin
"""

from __future__ import annotations

import argparse
import copy
import json
import time
from collections.abc import Callable

import numpy as np
import torch
from scipy.stats import spearmanr
from torch import nn

from agents.diffusion_ql.agent import DiffusionQL
from bridge.slicing import greedy, shares
from bridge.slicing.allocation import Allocation
from bridge.slicing.config import SlicingConfig
from bridge.slicing.layout import observation_slices
from bridge.slicing.wrappers import ShareActionWrapper, make_wrapped_env
from ran_gym.dataset.collect import load

NOISE = (0.05, 0.1, 0.2, 0.3, 0.5)
PER_NOISE = 3
Model = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""(observations [N, D], share actions [N, d]) -> values [N]."""


def symlog(x: torch.Tensor) -> torch.Tensor:
    return torch.sign(x) * torch.log1p(x.abs())


class FlatReward(nn.Module):
    def __init__(self, obs_dim: int, action_dim: int, width: int):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(obs_dim + action_dim, width), nn.Mish(),
                                 nn.Linear(width, width), nn.Mish(),
                                 nn.Linear(width, width), nn.Mish(), nn.Linear(width, 1))

    def forward(self, obs: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([symlog(obs), action], 1))[:, 0]


class PerUeReward(nn.Module):
    """φ embeds each UE (its observation fields, slice, association scores, share, power
    and the slice queues); each O-RU pools its UEs' embeddings (soft association); ρ
    scores each UE from its embedding, every O-RU's pool and its own O-RU's; the value is
    the UEs' mean."""

    def __init__(self, cfg: SlicingConfig, width: int):
        super().__init__()
        self.cfg, self.fields = cfg, observation_slices(cfg)
        self.ue_slice: torch.Tensor
        self.register_buffer("ue_slice", torch.eye(3)[torch.as_tensor(cfg.ue_slice)])
        features = 1 + cfg.n_rus + 2 + 3 + cfg.n_rus + 2 + 3
        self.phi = nn.Sequential(nn.Linear(features, width), nn.Mish(),
                                 nn.Linear(width, width), nn.Mish())
        self.rho = nn.Sequential(nn.Linear((cfg.n_rus + 2) * width, width), nn.Mish(),
                                 nn.Linear(width, width), nn.Mish(), nn.Linear(width, 1))

    def forward(self, obs: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        u, r, f = self.cfg.n_ues, self.cfg.n_rus, self.fields
        o, b = symlog(obs), len(obs)
        assoc = action[:, :u * r].reshape(b, u, r)
        per_ue = [o[:, f["qos_ok"], None], o[:, f["gain_db_norm"]].reshape(b, u, r),
                  o[:, f["throughput_mbps"], None], o[:, f["delay_ms"], None],
                  self.ue_slice.expand(b, u, 3), assoc,
                  action[:, u * r:u * r + u, None], action[:, u * r + u:, None],
                  o[:, None, f["slice_queue_bytes"]].expand(b, u, 3)]
        e = self.phi(torch.cat(per_ue, 2))  # [B, U, W]
        weight = torch.softmax(4.0 * assoc, 2)  # [B, U, R]
        pooled = torch.einsum("bur,buw->brw", weight, e) / u  # [B, R, W]
        own = torch.einsum("bur,brw->buw", weight, pooled)
        context = pooled.reshape(b, 1, -1).expand(b, u, -1)
        return self.rho(torch.cat([e, context, own], 2)).mean(1)[:, 0]


class FlatPolicy(nn.Module):
    def __init__(self, obs_dim: int, action_dim: int, width: int):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(obs_dim, width), nn.Mish(),
                                 nn.Linear(width, width), nn.Mish(),
                                 nn.Linear(width, width), nn.Mish(),
                                 nn.Linear(width, action_dim), nn.Tanh())

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.net(symlog(obs))


class PerUePolicy(nn.Module):
    """φ embeds each UE from its observation fields, slice and the slice queues; each
    O-RU pools the embeddings of the UEs for which it is the strongest; ρ gives each UE
    its association scores, share and power from its embedding, every O-RU's pool and its
    own O-RU's."""

    def __init__(self, cfg: SlicingConfig, width: int):
        super().__init__()
        self.cfg, self.fields = cfg, observation_slices(cfg)
        self.ue_slice: torch.Tensor
        self.register_buffer("ue_slice", torch.eye(3)[torch.as_tensor(cfg.ue_slice)])
        features = 1 + cfg.n_rus + 2 + 3 + 3
        self.phi = nn.Sequential(nn.Linear(features, width), nn.Mish(),
                                 nn.Linear(width, width), nn.Mish())
        self.rho = nn.Sequential(nn.Linear((cfg.n_rus + 2) * width, width), nn.Mish(),
                                 nn.Linear(width, width), nn.Mish(),
                                 nn.Linear(width, cfg.n_rus + 2), nn.Tanh())

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        u, r, f = self.cfg.n_ues, self.cfg.n_rus, self.fields
        o, b = symlog(obs), len(obs)
        gains = obs[:, f["gain_db_norm"]].reshape(b, u, r)
        per_ue = [o[:, f["qos_ok"], None], o[:, f["gain_db_norm"]].reshape(b, u, r),
                  o[:, f["throughput_mbps"], None], o[:, f["delay_ms"], None],
                  self.ue_slice.expand(b, u, 3),
                  o[:, None, f["slice_queue_bytes"]].expand(b, u, 3)]
        e = self.phi(torch.cat(per_ue, 2))
        strongest = nn.functional.one_hot(gains.argmax(2), r).to(e.dtype)  # [B, U, R]
        pooled = torch.einsum("bur,buw->brw", strongest, e) / u
        own = torch.einsum("bur,brw->buw", strongest, pooled)
        out = self.rho(torch.cat([e, pooled.reshape(b, 1, -1).expand(b, u, -1), own], 2))
        return torch.cat([out[..., :r].reshape(b, u * r), out[..., r], out[..., r + 1]], 1)


def dataset(cfg: SlicingConfig, dirs: list[str], policy: str | None = None
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Observations, share actions and rewards of collected transitions (of ``policy``'s
    rows alone, if given)."""
    obs, actions, rewards = [], [], []
    for d in dirs:
        t = load(d).to_pydict()
        for i, reward in enumerate(t["reward"]):
            if policy is not None and t["policy"][i] != policy:
                continue
            alloc = Allocation.from_native({
                "association": np.asarray(t["association"][i]),
                "prb_owner": np.asarray(t["prb_owner"][i]).reshape(cfg.n_rus, -1),
                "power_level": np.asarray(t["power_level"][i])})
            obs.append(t["obs"][i])
            actions.append(shares.encode(cfg, alloc))
            rewards.append(reward)
    return (np.asarray(obs, np.float32), np.asarray(actions, np.float32),
            np.asarray(rewards, np.float32))


def fit(net: nn.Module, data: tuple[np.ndarray, ...], epochs: int, clone: bool = False
        ) -> dict[str, float]:
    """Fits ``net(obs, action)`` to the rewards, or (``clone``) ``net(obs)`` to the
    actions."""
    obs, actions, rewards = (torch.from_numpy(x) for x in data)
    optimizer = torch.optim.Adam(net.parameters(), 3e-4)
    start, loss_sum = time.perf_counter(), 0.0
    for _ in range(epochs):
        loss_sum = 0.0
        for rows in torch.randperm(len(obs)).split(256):
            if clone:
                loss = ((net(obs[rows]) - actions[rows]) ** 2).mean()
            else:
                loss = ((net(obs[rows], actions[rows]) - rewards[rows]) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(rows)
    return {"rows": len(obs), "epochs": epochs, "last_epoch_mse": loss_sum / len(obs),
            "fit_s": time.perf_counter() - start}


def demonstrator(env: ShareActionWrapper) -> np.ndarray:
    """qos-greedy's share action for the env's current gains."""
    return shares.encode(env.cfg, greedy.allocate(env.cfg, env.gains()))


def tiled(obs: np.ndarray, rows: int) -> np.ndarray:
    """One observation as ``rows`` identical rows (a model's batch of candidates)."""
    return np.repeat(np.asarray(obs, np.float32)[None], rows, 0)


def summary(rewards: dict[str, list[float]]) -> dict[str, object]:
    """Mean reward per step of each way, with its 95 % interval over the drops."""
    return {way: {"mean": float(np.mean(r)), "ci95": float(1.96 * np.std(r) / np.sqrt(len(r)))}
            for way, r in rewards.items()}


def checkpoint_model(path: str, env: ShareActionWrapper) -> Model:
    agent = DiffusionQL.load(path, env.observation_space, env.action_space, device="cpu")

    def value(obs: np.ndarray, actions: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            q = agent.critic_target.q_min(torch.from_numpy(agent._inputs(obs)),
                                          torch.from_numpy(actions))
        return q.numpy().reshape(-1)
    return value


def net_model(net: nn.Module) -> Model:
    def value(obs: np.ndarray, actions: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return net(torch.from_numpy(obs), torch.from_numpy(actions)).numpy()
    return value


def rank(env: ShareActionWrapper, model: Model, drops: int, steps: int, seed: int
         ) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    spearman, model_rank, reward_rank, pick_gain = [], [], [], []
    for drop in range(drops):
        obs, _ = env.reset(seed=20_000 + drop)
        for _ in range(steps):
            demo = demonstrator(env)
            candidates = np.stack([demo, *(np.clip(demo + rng.normal(0, s, demo.shape), -1, 1)
                                           for s in NOISE for _ in range(PER_NOISE))])
            rewards = np.array([float(copy.deepcopy(env).step(a)[1]) for a in candidates])
            values = model(tiled(obs, len(candidates)), candidates.astype(np.float32))
            spearman.append(spearmanr(values, rewards).statistic)
            model_rank.append(int((values > values[0]).sum()))
            reward_rank.append(int((rewards > rewards[0]).sum()))
            pick_gain.append(rewards[int(np.argmax(values))] - rewards[0])
            obs, *_ = env.step(demo)
    return {"states": len(spearman), "candidates": 1 + len(NOISE) * PER_NOISE,
            "spearman_mean": float(np.nanmean(spearman)),
            "spearman_median": float(np.nanmedian(spearman)),
            "demonstrator_rank_by_model": float(np.mean(model_rank)),
            "demonstrator_rank_by_reward": float(np.mean(reward_rank)),
            "model_pick_minus_demonstrator_reward": float(np.mean(pick_gain))}


def play(env: ShareActionWrapper, model: Model, path: str, drops: int, steps: int
         ) -> dict[str, object]:
    agent = DiffusionQL.load(path, env.observation_space, env.action_space, device="cpu")
    ways = ("own critics", "model", "model, demonstrator among them", "qos-greedy")
    rewards: dict[str, list[float]] = {way: [] for way in ways}
    demonstrator_picked = 0
    for drop in range(drops):
        for way in ways:
            obs, _ = env.reset(seed=10_000 + drop)
            episode = []
            for _ in range(steps):
                demo = demonstrator(env)
                action = demo
                if way != "qos-greedy":
                    c = agent.config
                    noise = torch.randn((c.diffusion.steps, c.candidates, agent.action_dim),
                                        generator=agent.generator)
                    own = agent._inputs(np.asarray(obs, np.float32).reshape(1, -1))
                    samples, q = agent._decide_fast(own, noise.numpy())
                    assert q is not None
                    action = samples[int(np.argmax(q))]
                    if way != "own critics":
                        options = samples if way == "model" else np.vstack([samples, demo])
                        values = model(tiled(obs, len(options)), options.astype(np.float32))
                        pick = int(np.argmax(values))
                        action = options[pick]
                        demonstrator_picked += pick == len(samples)
                obs, reward, *_ = env.step(np.clip(action, -1, 1))
                episode.append(float(reward))
            rewards[way].append(float(np.mean(episode)))
    out = summary(rewards)
    out["demonstrator_picked_share"] = demonstrator_picked / (drops * steps)
    return out


def play_clone(env: ShareActionWrapper, net: nn.Module, drops: int, steps: int
               ) -> dict[str, object]:
    rewards: dict[str, list[float]] = {"clone": [], "qos-greedy": []}
    for drop in range(drops):
        for way, episode in rewards.items():
            obs, _ = env.reset(seed=10_000 + drop)
            total = 0.0
            for _ in range(steps):
                if way == "qos-greedy":
                    action = demonstrator(env)
                else:
                    with torch.no_grad():
                        action = net(torch.from_numpy(np.asarray(obs, np.float32)[None]))[0]
                obs, reward, *_ = env.step(np.asarray(action))
                total += float(reward)
            episode.append(total / steps)
    return summary(rewards)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    model = parser.add_mutually_exclusive_group(required=True)
    model.add_argument("--checkpoint", help="a Diffusion-QL checkpoint (share action)")
    model.add_argument("--fit", choices=("flat", "per-ue"), help="fit a reward model here")
    model.add_argument("--clone", choices=("flat", "per-ue"),
                       help="fit a deterministic clone of the demonstrator here")
    parser.add_argument("--dataset", help="collections to fit on (comma-separated)")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--width", type=int, default=128)
    parser.add_argument("--drops", type=int, default=30)
    parser.add_argument("--steps", type=int, default=3, help="states per drop")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--play", help="a Diffusion-QL checkpoint to play with the model")
    parser.add_argument("--play-drops", type=int, default=40)
    parser.add_argument("--play-steps", type=int, default=10)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)  # the model's initial weights and its mini-batches
    env = make_wrapped_env({"maxSteps": str(args.steps + 1)}, ShareActionWrapper,
                           "oran-slicing-twin")
    assert isinstance(env, ShareActionWrapper)
    out: dict[str, object] = {"model": args.checkpoint or args.fit or f"clone {args.clone}"}
    player = make_wrapped_env({"maxSteps": str(args.play_steps)}, ShareActionWrapper,
                              "oran-slicing-twin")
    assert isinstance(player, ShareActionWrapper)
    if args.clone:
        if not args.dataset:
            parser.error("--clone needs --dataset")
        data = dataset(env.cfg, args.dataset.split(","), policy="qos-greedy")
        policy: nn.Module = (FlatPolicy(data[0].shape[1], data[1].shape[1], args.width)
                             if args.clone == "flat" else PerUePolicy(env.cfg, args.width))
        out["fit"] = fit(policy, data, args.epochs, clone=True)
        out["play"] = play_clone(player, policy, args.play_drops, args.play_steps)
        print(json.dumps(out, indent=1))
        return
    if args.checkpoint:
        value = checkpoint_model(args.checkpoint, env)
    else:
        if not args.dataset:
            parser.error("--fit needs --dataset")
        data = dataset(env.cfg, args.dataset.split(","))
        net: nn.Module = (FlatReward(data[0].shape[1], data[1].shape[1], args.width)
                          if args.fit == "flat" else PerUeReward(env.cfg, args.width))
        out["fit"] = fit(net, data, args.epochs)
        value = net_model(net)
    out.update(rank(env, value, args.drops, args.steps, args.seed))
    if args.play:
        out["play"] = play(player, value, args.play, args.play_drops, args.play_steps)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
