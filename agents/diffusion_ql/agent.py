"""Diffusion-QL (Wang et al.; Algorithm 1 of the O-RAN slicing paper): a conditional
diffusion policy trained with a behaviour-cloning diffusion loss plus a normalised Q
term, twin critics with targets, and an EMA actor for targets and decisions."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any, NamedTuple

import gymnasium as gym
import numpy as np
import torch
from gymnasium.vector import VectorEnv
from torch import nn

from agents.common.checkpoint import load_torch, restoring, save_torch
from agents.common.diffusion import Diffusion
from agents.common.nn import EMA, resolve_device, soft_update
from agents.common.replay import Batch
from agents.diffusion_ql.buffers import new_buffer, refill, store, targets_dim, ue_parts
from agents.diffusion_ql.config import DiffusionQLConfig
from agents.diffusion_ql.fast import FastDecider
from agents.diffusion_ql.graphs import GraphedUpdate, set_capturable
from agents.diffusion_ql.networks import NoisePredictor, TwinCritic, X0Denoiser
from agents.diffusion_ql.per_ue import PerUeCritic, PerUeDenoiser, UeLayout

LOSSES = ("critic_loss", "bc_loss", "q_loss", "q_mean")
"""What :meth:`DiffusionQL.train_step` returns, in this order."""
EXPORTED = ("config", "seed", "layout", "ema_actor", "critic_target", "generator", "rng",
            "num_timesteps", "num_updates")
"""What :meth:`DiffusionQL.export` keeps of a checkpoint: what deciding needs."""
RETUNABLE = ("gamma", "tau", "lr_actor", "lr_critic", "q_weight", "critic_pessimism",
             "q_action", "critic_targets", "critic_horizon", "critic_share", "critic_inputs",
             "critic_power_entry", "demo_fraction",
             "batch_size", "learning_starts", "updates_per_step", "grad_norm", "ema_decay",
             "ema_start", "ema_every", "guidance", "decision_sampler", "ddim_steps", "candidates",
             "power_steps", "power_margin", "fast_decisions")
"""The :class:`DiffusionQLConfig` fields :meth:`DiffusionQL.retune` may change: none of
them shapes the networks (``critic_horizon`` refills the buffers with or without their
stored targets), and none changes what the networks see of a demonstrator's actions
(``critic_share``: claims and RBG fractions agree on them)."""


class UpdateDraws(NamedTuple):
    """The random numbers of one update (:meth:`DiffusionQL._draws`)."""

    next_noise: torch.Tensor  # (T, batch, action): sampling the target's next actions
    t: torch.Tensor  # (batch,): the BC loss's time steps
    bc_noise: torch.Tensor  # (batch, action): the BC loss's noise
    new_noise: torch.Tensor  # (T, batch, action): sampling the policy's actions for Q
    q1_first: torch.Tensor  # (): True when the Q term uses Q1 (normalised by |Q2|)


class DiffusionQL:
    """Acts in a flat Box observation space and a Box action space (scaled to [-1, 1]).
    ``layout``: where each UE's fields lie in both, for ``config.network = "per-ue"``
    (the slicing scenario's share action: ``UeLayout.of(env.cfg)``)."""

    def __init__(self, observation_space: gym.Space, action_space: gym.Space,
                 config: DiffusionQLConfig | None = None, seed: int = 0, device: str = "auto",
                 layout: UeLayout | None = None):
        if not isinstance(action_space, gym.spaces.Box) or not isinstance(
                observation_space, gym.spaces.Box):
            raise TypeError("Diffusion-QL needs Box observation and action spaces")
        self.config = config or DiffusionQLConfig()
        self.device = resolve_device(device)
        self._on_cpu = self.device.type == "cpu"
        self.obs_dim = int(np.prod(observation_space.shape))
        self.action_dim = int(np.prod(action_space.shape))
        self.action_space, self.seed = action_space, seed
        self._low = torch.as_tensor(action_space.low.ravel(), dtype=torch.float32)
        self._high = torch.as_tensor(action_space.high.ravel(), dtype=torch.float32)
        self._low_np = self._low.numpy()
        self._half_range = ((self._high - self._low) * 0.5).numpy()
        c = self.config
        self.layout = layout
        if c.network == "per-ue":
            if layout is None:
                raise ValueError("Diffusion-QL network 'per-ue' needs the scenario's UE "
                                 "layout (UeLayout.of(cfg) of the slicing scenario)")
            layout.check(self.obs_dim, self.action_dim)
        self.diffusion = Diffusion(c.diffusion).to(self.device)
        with torch.random.fork_rng(devices=[]):  # seeded initialisation, global RNG untouched
            torch.manual_seed(seed)
            actor, critic = self._networks(layout)
        self.actor, self.critic = actor.to(self.device), critic.to(self.device)
        self.ema_actor = copy.deepcopy(self.actor).requires_grad_(False)
        self.critic_target = copy.deepcopy(self.critic).requires_grad_(False)
        graphs = c.cuda_graphs and self.device.type == "cuda"
        self.actor_optimizer = torch.optim.Adam(self.actor.parameters(), lr=c.lr_actor,
                                                capturable=graphs)
        self.critic_optimizer = torch.optim.Adam(self.critic.parameters(), lr=c.lr_critic,
                                                 capturable=graphs)
        self.ema = EMA(c.ema_decay)
        self.generator = torch.Generator(device=self.device).manual_seed(seed)
        self.rng = np.random.default_rng(seed)
        self.replay, self.demos = new_buffer(self, c.buffer_size), new_buffer(self, c.buffer_size)
        self.num_timesteps = 0
        self.num_updates = 0
        self.evaluation_only = False
        """Loaded from an :meth:`export`: it decides, but has no optimiser states to train on."""
        self._fast: FastDecider | None = None
        self._fast_version = -1
        self._graphed: GraphedUpdate | None = GraphedUpdate(self) if graphs else None

    def _networks(self, layout: UeLayout | None
                  ) -> tuple[nn.Module, TwinCritic | PerUeCritic]:
        """The denoiser and the twin critics ``config`` asks for."""
        c, alphas_bar = self.config, self.diffusion.alphas_bar.cpu()
        critic_hidden = c.critic_hidden or c.hidden
        if c.network == "per-ue":
            assert layout is not None
            denoiser = PerUeDenoiser(layout, alphas_bar, c.hidden, c.layers,
                                     inputs=c.policy_inputs)  # first: the seeded weights
            critic = PerUeCritic(layout, critic_hidden, c.layers, c.critic_share, c.critic_inputs,
                                 c.critic_sinr, c.symlog_observations, c.critic_counts)
            critic.power_entry = c.critic_power_entry
            return denoiser, critic
        actor: nn.Module = (
            X0Denoiser(self.obs_dim, self.action_dim, alphas_bar, c.hidden, c.layers)
            if c.denoiser == "x0"
            else NoisePredictor(self.obs_dim, self.action_dim, c.hidden, c.layers))
        return actor, TwinCritic(self.obs_dim, self.action_dim, critic_hidden, c.layers)

    # -- acting ------------------------------------------------------------------

    def predict(self, observation: Any, state: Any = None, episode_start: Any = None,
                deterministic: bool = True) -> tuple[np.ndarray, None]:
        obs = self._inputs(np.asarray(observation, np.float32).reshape(1, -1))
        return self._to_env(self._decide(obs, deterministic)[0]), None

    def act(self, observations: Any, deterministic: bool = False) -> np.ndarray:
        """Env actions for a batch of observations (one row each), as a vector env takes."""
        obs = self._inputs(np.asarray(observations, np.float32).reshape(len(observations), -1))
        x = self._decide(obs, deterministic)
        return np.stack([self._to_env(row) for row in x])

    def _inputs(self, obs: np.ndarray) -> np.ndarray:
        """What the networks see of observations (``config.symlog_observations``)."""
        if not self.config.symlog_observations:
            return obs
        return (np.sign(obs) * np.log1p(np.abs(obs))).astype(np.float32)

    def _decide(self, obs: np.ndarray, deterministic: bool) -> np.ndarray:
        """Actions in [-1, 1] for each row of ``obs``: best of ``candidates`` samples.
        The PyTorch sampler and the NumPy one (``fast_decisions``, CPU) take the same
        noise from ``self.generator`` and return the same samples to float tolerance."""
        c = self.config
        n = c.candidates
        shape = (len(obs) * n, self.action_dim)
        ddim = c.decision_sampler == "ddim"
        noise = torch.randn(shape if ddim else (c.diffusion.steps, *shape), device=self.device,
                            generator=self.generator)
        if self._fast_enabled():
            x_np, q_np = self._decide_fast(obs, noise.numpy())  # obs: one row, n candidates
            x, q = torch.from_numpy(x_np), None if q_np is None else torch.from_numpy(q_np)
        else:
            with torch.no_grad():
                cond = torch.as_tensor(obs, device=self.device).repeat_interleave(n, 0)
                x, q = self._decide_torch(cond, noise)
        if n > 1 and q is not None:
            q = q.reshape(len(obs), n)
            if deterministic:
                choice = q.argmax(1)
            else:
                choice = torch.multinomial(torch.softmax(q, 1), 1, generator=self.generator)[:, 0]
            x = x.reshape(len(obs), n, -1)[torch.arange(len(obs)), choice]
        if c.power_steps:
            with torch.no_grad():
                x = self._lower_power(torch.as_tensor(obs, device=self.device), x)
        return x.cpu().numpy()

    def _lower_power(self, obs: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """``x`` [B, d] with the power entries its critics would lower
        (``config.power_steps``)."""
        c, layout = self.config, self.layout
        assert layout is not None
        b, u, k = len(x), layout.n_ues, c.power_steps
        n_levels = len(layout.levels_db)
        start = self.action_dim - u  # the power entries are the action's last U
        level = ((x[:, start:] + 1.0) / 2.0 * n_levels).floor().clamp(0, n_levels - 1)
        lower = level[:, :, None] - torch.arange(1, k + 1, device=x.device)  # [B, U, k]
        entry = -1.0 + (2.0 * lower.clamp(min=0) + 1.0) / n_levels
        tries = x[:, None, None].repeat(1, u, k, 1)  # [B, U, k, d]: one UE lowered each
        ues = torch.arange(u, device=x.device)
        tries[:, ues, :, start + ues] = entry.permute(1, 0, 2)
        q_min = self.critic_target.q_min
        q = q_min(torch.cat([obs, obs.repeat_interleave(u * k, 0)]),
                  torch.cat([x, tries.reshape(b * u * k, -1)]))
        base, tried = q[:b], q[b:].reshape(b, u, k)
        tried = torch.where(lower >= 0, tried, -torch.inf)  # no level below the lowest
        best, steps = tried.max(2)
        chosen = best > base[:, None] + c.power_margin
        lowered = x.clone()
        lowered[:, start:] = torch.where(chosen, entry.gather(2, steps[..., None])[..., 0],
                                         x[:, start:])
        keep = q_min(obs, lowered) > base
        return torch.where(keep[:, None], lowered, x)

    def _decide_torch(self, cond: torch.Tensor, noise: torch.Tensor
                      ) -> tuple[torch.Tensor, torch.Tensor | None]:
        c = self.config
        shape = (len(cond), self.action_dim)
        if c.decision_sampler == "ddim":
            x = self.diffusion.sample_ddim(self.ema_actor, cond, shape, c.ddim_steps,
                                           noise=noise)
        else:
            x = self.diffusion.sample_ddpm(self.ema_actor, cond, shape, guidance=self._q_gradient,
                                           guidance_scale=c.guidance, noise=noise)
        return x, self.critic_target.q_min(cond, x) if c.candidates > 1 else None

    def _decide_fast(self, cond: np.ndarray, noise: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray | None]:
        c = self.config
        fast = self._fast_decider()
        if c.decision_sampler == "ddim":
            x = fast.sample_ddim(cond, noise, c.ddim_steps)
        else:
            x = fast.sample_ddpm(cond, noise, c.guidance)
        return x, fast.q_min(cond, x)[0] if c.candidates > 1 else None

    def _fast_enabled(self) -> bool:
        """The NumPy path (either MLP denoiser) serves decisions on the CPU."""
        c = self.config
        return c.fast_decisions and c.network == "mlp" and self._on_cpu

    def _fast_decider(self) -> FastDecider:
        """The NumPy decision path, rebuilt when the networks it copies have changed."""
        if self._fast is None or self._fast_version != self.num_updates:
            assert isinstance(self.ema_actor, NoisePredictor | X0Denoiser)
            assert isinstance(self.critic_target, TwinCritic)
            self._fast = FastDecider(self.diffusion, self.ema_actor, self.critic_target,
                                     self.obs_dim, self.action_dim)
            self._fast_version = self.num_updates
        return self._fast

    def _q_gradient(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        """∇ₐ min(Q1, Q2)(s, a) at the current sample."""
        with torch.enable_grad():
            a = x.detach().requires_grad_(True)
            q = self.critic_target.q_min(cond, a).sum()
            return torch.autograd.grad(q, a)[0]

    def _to_env(self, x: np.ndarray) -> np.ndarray:
        action = np.clip(x, -1, 1) + 1
        action *= self._half_range
        action += self._low_np
        return action.reshape(self.action_space.shape).astype(self.action_space.dtype,
                                                              copy=False)

    def _from_env(self, action: Any) -> np.ndarray:
        a = np.asarray(action, np.float32).ravel()
        low, high = self._low.numpy(), self._high.numpy()
        return np.clip(2 * (a - low) / np.maximum(high - low, 1e-12) - 1, -1, 1)

    # -- learning ----------------------------------------------------------------

    def train_step(self, batch: Batch, bc_rows: int | None = None) -> dict[str, float]:
        """One update of the critics, the policy, the EMA actor and the target critics.
        Its randomness is drawn first (:meth:`_draws`); the rest (:meth:`_update`) is a
        fixed sequence of tensor operations, replayed as a CUDA graph on CUDA
        (``config.cuda_graphs``, agents.diffusion_ql.graphs) and run as it is elsewhere.
        ``bc_rows``: the BC term on the batch's first rows only (:meth:`sample_batch`)."""
        c = self.config
        draws = self._draws(len(batch.observations))
        if self._graphed is not None:
            losses = self._graphed.run(batch, draws, bc_rows)
        else:
            losses = self._update(batch, draws, bc_rows)
        self.num_updates += 1
        if self.num_updates < c.ema_start:
            self.ema_actor.load_state_dict(self.actor.state_dict())
        elif self.num_updates % c.ema_every == 0:
            self.ema.update(self.ema_actor, self.actor)
        return dict(zip(LOSSES, losses.tolist(), strict=True))

    def _draws(self, n: int) -> UpdateDraws:
        """Every random number one update of ``n`` transitions takes, in a fixed order."""
        steps, shape = self.diffusion.steps, (n, self.action_dim)
        g, device = self.generator, self.device
        return UpdateDraws(
            next_noise=torch.randn((steps, *shape), device=device, generator=g),
            t=torch.randint(0, steps, (n,), device=device, generator=g),
            bc_noise=torch.randn(shape, device=device, generator=g),
            new_noise=torch.randn((steps, *shape), device=device, generator=g),
            q1_first=torch.tensor(self.rng.random() < 0.5))

    def _update(self, batch: Batch, draws: UpdateDraws, bc_rows: int | None = None
                ) -> torch.Tensor:
        """The update given its random numbers: critics, policy and target critics step;
        returns [critic loss, BC loss, Q loss, mean Q] as one tensor."""
        c = self.config
        shape = (len(batch.observations), self.action_dim)
        with torch.no_grad():
            target = self._critic_targets(batch, draws, shape)
        q1, q2 = self._critic_values(batch)
        critic_loss = nn.functional.mse_loss(q1, target) + nn.functional.mse_loss(q2, target)
        if c.critic_pessimism > 0:
            critic_loss = critic_loss + c.critic_pessimism * self._pessimism(batch, draws, q1, q2)
        self._step(self.critic_optimizer, critic_loss, self.critic)

        n = bc_rows or shape[0]  # BC on the batch's first rows, its demonstrations, if any
        if c.q_action == "chain":
            bc_loss = self.diffusion.loss(self.actor, batch.actions[:n], batch.observations[:n],
                                          t=draws.t[:n], noise=draws.bc_noise[:n])
            new_a = self.diffusion.sample_ddpm(self.actor, batch.observations, shape,
                                               noise=draws.new_noise)
        else:  # one-step: x̂₀ of the BC term's noised action stands for a fresh sample
            x_t = self.diffusion.q_sample(batch.actions, draws.t, draws.bc_noise)
            eps = self.actor(x_t, draws.t, batch.observations)
            bc_loss = ((eps[:n] - draws.bc_noise[:n]) ** 2).mean()
            new_a = self.diffusion.predict_x0(x_t, draws.t, eps)
        # λ = 0 (pure cloning): Q of the new actions is reported, not back-propagated
        # (its gradient would be multiplied by 0), which spares the critics' backward.
        with torch.set_grad_enabled(c.q_weight > 0):
            q1_new, q2_new = self.critic(batch.observations, new_a)
            # One critic's Q, normalised by the other's detached |Q|; which one is a coin flip.
            q_loss = torch.where(
                draws.q1_first.to(self.device, non_blocking=True),
                -q1_new.mean() / q2_new.abs().mean().detach().clamp(min=1e-6),
                -q2_new.mean() / q1_new.abs().mean().detach().clamp(min=1e-6))
        actor_loss = bc_loss + c.q_weight * q_loss
        self._step(self.actor_optimizer, actor_loss, self.actor)
        soft_update(self.critic_target, self.critic, c.tau)
        return torch.stack([critic_loss, bc_loss, q_loss, q1.mean()]).detach()

    def _pessimism(self, batch: Batch, draws: UpdateDraws, q1: torch.Tensor, q2: torch.Tensor
                   ) -> torch.Tensor:
        """Both critics' mean Q of the policy's own actions (the x̂₀ the one-step Q term
        scores, here without gradients to the policy) less their mean Q of the batch's
        (``q1``, ``q2``): ``config.critic_pessimism``'s penalty."""
        with torch.no_grad():
            x_t = self.diffusion.q_sample(batch.actions, draws.t, draws.bc_noise)
            own = self.diffusion.predict_x0(x_t, draws.t,
                                            self.actor(x_t, draws.t, batch.observations))
        own1, own2 = self.critic(batch.observations, own)
        return own1.mean() - q1.mean() + own2.mean() - q2.mean()

    def _critic_values(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        """Both critics on the batch's actions: Q [B] each, or each UE's value [B, U]
        with ``critic_targets = "per-ue"``."""
        if isinstance(self.critic, PerUeCritic) and self.config.critic_targets == "per-ue":
            return self.critic.per_ue(batch.observations, batch.actions)
        return self.critic(batch.observations, batch.actions)

    def _critic_targets(self, batch: Batch, draws: UpdateDraws, shape: tuple[int, int]
                        ) -> torch.Tensor:
        """r + γ (1 − done) min(Q1', Q2') of the EMA actor's next action, per transition,
        or per UE (each UE's part of r and its next value) with ``critic_targets =
        "per-ue"``."""
        c, critic = self.config, self.critic_target
        per_ue = critic if isinstance(critic, PerUeCritic) and c.critic_targets == "per-ue" \
            else None
        target = batch.rewards
        if per_ue is not None:  # stored with the transitions, or read from the next obs
            target = batch.targets if batch.targets.shape[1] else ue_parts(
                self, batch.next_observations, batch.rewards)
        if c.gamma == 0:  # a bandit: no next action to sample
            return target
        next_a = self.diffusion.sample_ddpm(self.ema_actor, batch.next_observations, shape,
                                            noise=draws.next_noise)
        if per_ue is not None:
            n1, n2 = per_ue.per_ue(batch.next_observations, next_a)
            return target + c.gamma * (1 - batch.dones)[:, None] * torch.minimum(n1, n2)
        return target + c.gamma * (1 - batch.dones) * critic.q_min(batch.next_observations,
                                                                    next_a)

    def _step(self, optimizer: torch.optim.Optimizer, loss: torch.Tensor, net: nn.Module) -> None:
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if self.config.grad_norm > 0:
            nn.utils.clip_grad_norm_(net.parameters(), self.config.grad_norm)
        optimizer.step()

    def observe(self, obs: Any, action: Any, reward: float, next_obs: Any, terminated: bool
                ) -> dict[str, float]:
        """Store a transition and, once learning has started, update."""
        store(self, self.replay, ([obs], [action], [reward], [next_obs], [terminated]))
        self.num_timesteps += 1
        losses: dict[str, float] = {}
        if self.replay.size + self.demos.size > self.config.learning_starts:
            for _ in range(self.config.updates_per_step):
                losses = self.train_step(*self.sample_batch())
        return losses

    def add_demonstrations(self, observations: Any, actions: Any, rewards: Any,
                           next_observations: Any, terminated: Any, episodes: Any = None) -> int:
        """Store transitions of a demonstrator (rows, env units) apart from the agent's own;
        each mini-batch then draws ``config.demo_fraction`` of its rows from them.
        ``episodes``: each row's episode key, rows in step order (``critic_horizon``)."""
        return store(self, self.demos, (observations, actions, rewards, next_observations,
                                        terminated), episodes)

    def add_transitions(self, observations: Any, actions: Any, rewards: Any,
                        next_observations: Any, terminated: Any, episodes: Any = None) -> int:
        """Store transitions of other behaviour policies (rows, env units) in the replay,
        without counting them as the agent's own steps; ``episodes`` as above."""
        return store(self, self.replay, (observations, actions, rewards, next_observations,
                                         terminated), episodes)

    def start_again(self, seed: int) -> None:
        """Keep what was learnt (networks, optimisers, demonstrations) and start a new
        training: empty replay, step counter at 0, generators from ``seed``."""
        self.replay = new_buffer(self, self.config.buffer_size)
        self.num_timesteps = 0
        self.seed = seed
        self.reseed(seed)

    def drop_demonstrations(self) -> None:
        """Forget the demonstrations (e.g. a twin's, before learning from another
        collection's); the networks keep what they learnt from them."""
        self.demos = new_buffer(self, self.demos.capacity)

    def reseed(self, seed: int) -> None:
        """Draw what follows (decision samples, training's draws) from ``seed``; a loaded
        agent otherwise goes on from the generators its checkpoint saved."""
        self.generator.manual_seed(seed)
        self.rng = np.random.default_rng(seed)

    def retune(self, **changes: Any) -> None:
        """Change settings that do not shape the networks (:data:`RETUNABLE`: the loss
        weights, learning rates, batch, EMA and decision settings), e.g. for a training
        that starts from another's checkpoint; the rest is refused by name. The optimisers
        take the new learning rates, and a CUDA graph of the update is recorded again."""
        unknown = sorted(set(changes) - {f.name for f in dataclasses.fields(self.config)})
        if unknown:
            raise ValueError(f"Diffusion-QL: no setting {', '.join(unknown)}")
        fixed = sorted(set(changes) - set(RETUNABLE))
        if fixed:
            raise ValueError(f"Diffusion-QL: {', '.join(fixed)} cannot change after the "
                             f"networks are built (they shape them or what they see); "
                             f"what can: {', '.join(RETUNABLE)}")
        self.config = dataclasses.replace(self.config, **changes)  # validates the values
        c = self.config
        if targets_dim(self) != self.replay.targets_dim:  # critic_horizon: stored targets
            self.replay, self.demos = refill(self, self.replay), refill(self, self.demos)
        if isinstance(self.critic, PerUeCritic) and isinstance(self.critic_target, PerUeCritic):
            self.critic.share = self.critic_target.share = c.critic_share
            for critic in (self.critic, self.critic_target):
                critic.see(c.critic_inputs)
                critic.power_entry = c.critic_power_entry
        for optimizer, lr in ((self.actor_optimizer, c.lr_actor),
                              (self.critic_optimizer, c.lr_critic)):
            for group in optimizer.param_groups:
                group["lr"] = lr
        self.ema = EMA(c.ema_decay)
        if self._graphed is not None:  # the graph holds the old settings: record again
            self._graphed = GraphedUpdate(self)

    def sample_batch(self) -> tuple[Batch, int | None]:
        """A mini-batch and how many of its first rows are demonstrations (``train_step``'s
        ``bc_rows``): ``demo_fraction`` of the rows from the demonstrations, the rest from
        the agent's replay, when there are both (the BC term then clones the
        demonstrations alone, the critic and the Q term see every row); all from whichever
        holds transitions otherwise (None: the BC term sees every row)."""
        size = self.config.batch_size
        own, demos = self.replay.size, self.demos.size
        if not demos:
            return self.replay.sample(size, self.rng, self.device), None
        if not own:
            return self.demos.sample(size, self.rng, self.device), None
        n_demo = round(size * self.config.demo_fraction)
        parts = [buffer.sample(n, self.rng, self.device)
                 for buffer, n in ((self.demos, n_demo), (self.replay, size - n_demo)) if n]
        return Batch(*(torch.cat(fields) for fields in zip(*parts, strict=True))), n_demo or None

    def pretrain(self, updates: int, callback: Callable[[DiffusionQL, dict[str, float]], None]
                 | None = None) -> DiffusionQL:
        """``updates`` updates from the stored transitions alone (offline), e.g. a data set
        of demonstrations and other behaviour policies before acting online."""
        if self.replay.size + self.demos.size == 0:
            raise ValueError("pretrain: no transitions stored (add a data set first)")
        for _ in range(updates):
            losses = self.train_step(*self.sample_batch())
            if callback is not None:
                callback(self, losses)
        return self

    def learn(self, env: gym.Env | VectorEnv, total_timesteps: int, callback: Any = None,
              should_stop: Callable[[], bool] | None = None) -> DiffusionQL:
        """Collect with the current policy (stochastic choice) and learn for
        ``total_timesteps`` transitions; see :func:`agents.diffusion_ql.training.collect`."""
        from agents.diffusion_ql.training import collect

        collect(self, env, total_timesteps, callback, should_stop)
        return self

    # -- checkpoints ---------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        return {
            "config": asdict(self.config), "seed": self.seed,
            "actor": self.actor.state_dict(), "ema_actor": self.ema_actor.state_dict(),
            "critic": self.critic.state_dict(), "critic_target": self.critic_target.state_dict(),
            "actor_optimizer": self.actor_optimizer.state_dict(),
            "critic_optimizer": self.critic_optimizer.state_dict(),
            "generator": self.generator.get_state(), "rng": self.rng.bit_generator.state,
            "replay": self.replay.state_dict(), "demos": self.demos.state_dict(),
            "num_timesteps": self.num_timesteps, "num_updates": self.num_updates,
            "layout": None if self.layout is None else self.layout.as_dict(),
            "evaluation_only": self.evaluation_only,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.evaluation_only = bool(state.get("evaluation_only", False))
        names = ["actor", "ema_actor", "critic", "critic_target"]
        if self.evaluation_only:  # exported: the networks that act stand in for the others
            state = {**state, "actor": state["ema_actor"], "critic": state["critic_target"]}
        else:
            names += ["actor_optimizer", "critic_optimizer"]
        for name in names:
            getattr(self, name).load_state_dict(state[name])
        try:
            self.generator.set_state(state["generator"])
        except RuntimeError:  # saved on another kind of device (a CUDA state on the CPU, ...)
            self.generator.manual_seed(_seed_from(state["generator"]))
        self.rng.bit_generator.state = state["rng"]
        for name in ("replay", "demos"):  # absent from a slim checkpoint (:meth:`slim`)
            if name in state:
                getattr(self, name).load_state_dict(state[name])
        self.num_timesteps, self.num_updates = state["num_timesteps"], state["num_updates"]
        self._fast = None
        graphs = self._graphed is not None
        for optimizer in (self.actor_optimizer, self.critic_optimizer):
            set_capturable(optimizer, graphs, self.device)
        if graphs:  # the optimisers' state tensors are new: capture again
            self._graphed = GraphedUpdate(self)

    def save(self, path: str | Path) -> Path:
        """Write a complete checkpoint atomically (agents.common.checkpoint)."""
        return save_torch(self.state_dict(), path)

    @staticmethod
    def slim(path: str | Path, out: str | Path) -> Path:
        """Copy the checkpoint ``path`` to ``out`` without its replay and demonstrations:
        networks, optimisers and counters only (a few MB instead of tens), enough to
        evaluate the agent or fine-tune it on a fresh replay."""
        state = load_torch(path)
        for name in ("replay", "demos"):
            state.pop(name, None)
        return save_torch(state, out)

    @staticmethod
    def export(path: str | Path, out: str | Path) -> Path:
        """Copy the checkpoint ``path`` to ``out`` with only what deciding needs: the
        EMA actor and the target critics (the networks that act), the random state and
        the counters; no online networks, optimisers, replay or demonstrations. Loaded,
        it decides exactly as ``path`` does, at about a quarter of a slim checkpoint's
        size; training cannot go on from it (:attr:`evaluation_only`)."""
        state = load_torch(path, "Diffusion-QL", ("config", "seed", "ema_actor",
                                                  "critic_target"))
        kept = {name: state[name] for name in EXPORTED if name in state}
        return save_torch({**kept, "evaluation_only": True}, out)

    @classmethod
    def load(cls, path: str | Path, observation_space: gym.Space, action_space: gym.Space,
             device: str = "auto", cuda_graphs: bool | None = None) -> DiffusionQL:
        """Load a checkpoint written by :meth:`save` (``torch.load(weights_only=True)``);
        ``cuda_graphs`` replaces the checkpoint's setting where given."""
        state = load_torch(path, "Diffusion-QL", ("config", "seed", "ema_actor",
                                                  "critic_target"))
        with restoring(path, "Diffusion-QL"):
            config = _config_from_dict(state["config"])
            if cuda_graphs is not None:
                config = dataclasses.replace(config, cuda_graphs=cuda_graphs)
            layout = state.get("layout")
            agent = cls(observation_space, action_space, config, state["seed"], device,
                        None if layout is None else UeLayout.from_dict(layout))
            agent.load_state_dict(state)
        return agent


def _seed_from(generator_state: torch.Tensor) -> int:
    """A seed that follows from a generator state this device's generator cannot take: a
    checkpoint moved between CPU and CUDA goes on deterministically, if not as it would
    have on its own device."""
    digest = hashlib.sha256(generator_state.cpu().numpy().tobytes()).digest()
    return int.from_bytes(digest[:8], "little") >> 1


def _config_from_dict(values: dict[str, Any]) -> DiffusionQLConfig:
    from agents.common.diffusion import DiffusionConfig

    values = dict(values)
    values["diffusion"] = DiffusionConfig(**values["diffusion"])
    return DiffusionQLConfig(**values)
