"""Diffusion-QL's networks for the slicing scenario's share action, one network shared
by the UEs (``DiffusionQLConfig.network = "per-ue"``).

The flat MLPs see the observation and the action as two long vectors: they must learn
25 times over what one UE's gains, queue and slice mean for that UE's association,
share and power. Here one small network φ embeds each UE (its observation fields, its
slice and, for the denoiser, its part of x_t; for the critic, its part of the action),
each O-RU pools the embeddings of its UEs, and one network ρ reads each UE's embedding
beside every O-RU's pool and its own O-RU's. The denoiser's ρ gives the UE's clean
action (its R association scores, share and power); the critic's a value per UE, the
mean of which is Q. Measured in the twin (docs/slicing-agents.md, "Per-UE networks"):
at the demo's budget Diffusion-QL with these networks reaches 93 % of the qos-greedy
demonstrator's reward where the flat MLPs reach 85 %, and its critics rank one state's
actions at Spearman 0.70 where the flat ones are at 0.13.

Inputs are as the agent's networks see them (symlog observations, actions in [-1, 1]);
the layout (:class:`UeLayout`) says where each UE's fields lie in both.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch import nn

from agents.common.nn import Mish, SinusoidalEmbedding, mlp
from agents.diffusion_ql.networks import NoiseFromClean
from bridge.slicing.config import LTE_PA_DB, SlicingConfig
from bridge.slicing.greedy import USABLE_RBGS
from bridge.slicing.layout import GAIN_OFFSET_DB, GAIN_SCALE_DB, observation_slices
from bridge.slicing.shares import share_size, usable_rbgs

SLICES = 3
"""eMBB, URLLC, mMTC: the slice queues' and the one-hot slice's size."""
ACT = nn.SiLU
"""The per-UE networks' activation: U times the MLPs' rows make element-wise work most of
an update, and SiLU is one fused kernel each way where Mish is several (an update at
width 128 took 325 ms with Mish, most of it in Mish)."""


@dataclass(frozen=True)
class UeLayout:
    """Where each UE's fields lie in the flat slicing observation and share action."""

    n_ues: int
    n_rus: int
    ue_slice: tuple[int, ...]
    """Each UE's slice (0 eMBB, 1 URLLC, 2 mMTC)."""
    qos_ok: int
    gain: int
    throughput: int
    delay: int
    queues: int
    """Start offsets of the observation's fields (bridge.slicing.layout)."""
    obs_dim: int
    action_dim: int
    theta_rate: float = 0.01
    theta_const: float = 1.0
    """The reward's weights of each UE's throughput (Mbit/s) and of the share of UEs whose
    QoS holds (bridge.slicing.config; checkpoints from before they were kept used the
    defaults)."""
    noise_db: float = -141.45
    """A PRB's noise power over its nominal transmit power (dB; the defaults'), for the
    critics' SINR input (:func:`action_sinr_db`)."""
    levels_db: tuple[float, ...] = LTE_PA_DB
    """The P_A power levels (dB), lowest first."""
    rbgs: int = USABLE_RBGS
    """The RBGs an O-RU splits among its UEs (``shares.usable_rbgs``), for the critics'
    values per RBG count."""

    @classmethod
    def of(cls, cfg: SlicingConfig) -> UeLayout:
        f = observation_slices(cfg)
        return cls(cfg.n_ues, cfg.n_rus, tuple(int(s) for s in cfg.ue_slice),
                   f["qos_ok"].start, f["gain_db_norm"].start, f["throughput_mbps"].start,
                   f["delay_ms"].start, f["slice_queue_bytes"].start,
                   f["slice_queue_bytes"].stop, share_size(cfg), cfg.theta_rate,
                   cfg.theta_const, 10.0 * math.log10(cfg.prb_noise_w / cfg.prb_power_w),
                   tuple(float(v) for v in cfg.power_levels_db), usable_rbgs(cfg))

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> UeLayout:
        tuples: dict[str, tuple[Any, ...]] = {
            k: tuple(values[k]) for k in ("ue_slice", "levels_db") if k in values}
        return cls(**{**values, **tuples})

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def check(self, obs_dim: int, action_dim: int) -> None:
        """A clear error where the spaces are not this layout's."""
        if (obs_dim, action_dim) != (self.obs_dim, self.action_dim):
            raise ValueError(
                f"per-UE networks: the layout of {self.n_ues} UEs and {self.n_rus} O-RUs "
                f"needs a {self.obs_dim}-value observation and a {self.action_dim}-value "
                f"share action, the spaces have {obs_dim} and {action_dim}")

    @property
    def ue_features(self) -> int:
        """Per-UE observation features: QoS flag, R gains, throughput, delay, the one-hot
        slice and the three slice queues."""
        return 1 + self.n_rus + 2 + 2 * SLICES

    @property
    def ue_action(self) -> int:
        """Per-UE action values: R association scores, share, power."""
        return self.n_rus + 2


def seen_features(layout: UeLayout, inputs: str) -> torch.Tensor:
    """[features]: 1 where a network sees the UE feature, 0 where it is hidden.
    ``all``: every feature; ``drop``: the gains and the slice only (DiffusionQLConfig.
    policy_inputs, critic_inputs). Hidden features are multiplied by 0, so the shapes,
    and a checkpoint's tensors, are those of ``all``."""
    if inputs == "all":
        return torch.ones(layout.ue_features)
    seen = torch.zeros(layout.ue_features)
    seen[1:1 + layout.n_rus] = 1.0  # the gains
    seen[3 + layout.n_rus:3 + layout.n_rus + SLICES] = 1.0  # the one-hot slice
    return seen


class PerUeNet(nn.Module):
    """φ, the O-RU pooling and ρ, shared by the denoiser and the critic: ``out`` values
    per UE from its ``layout.ue_features`` features and ``extra`` inputs of its own."""

    slice_onehot: torch.Tensor

    def __init__(self, layout: UeLayout, extra: int, hidden: int, layers: int, out: int):
        super().__init__()
        self.layout = layout
        self.register_buffer("slice_onehot", torch.eye(SLICES)[torch.as_tensor(
            layout.ue_slice)], persistent=False)
        depth = max(layers - 1, 1)  # φ and ρ: one hidden layer fewer each than the MLPs
        self.phi = nn.Sequential(mlp([layout.ue_features + extra, *[hidden] * depth], ACT), ACT())
        # ρ's first layer on [e_u, every O-RU's pool, u's O-RU's pool], in three blocks:
        # the pools' blocks are applied per O-RU (not per UE) and then spread to the UEs,
        # the same sum for U times fewer products.
        self.rho_ue = nn.Linear(hidden, hidden)
        self.rho_all = nn.Linear(layout.n_rus * hidden, hidden, bias=False)
        self.rho_own = nn.Linear(hidden, hidden, bias=False)
        self.rho = nn.Sequential(ACT(), mlp([*[hidden] * depth, out], ACT))

    def features(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """[B, U, features] of each UE's observation, and [B, U, R] its gains."""
        lay, b = self.layout, len(obs)
        u, r = lay.n_ues, lay.n_rus
        gains = obs[:, lay.gain:lay.gain + u * r].reshape(b, u, r)
        queues = obs[:, None, lay.queues:lay.queues + SLICES].expand(b, u, SLICES)
        return torch.cat([obs[:, lay.qos_ok:lay.qos_ok + u, None], gains,
                          obs[:, lay.throughput:lay.throughput + u, None],
                          obs[:, lay.delay:lay.delay + u, None],
                          self.slice_onehot.expand(b, u, SLICES), queues], 2), gains

    def per_ue_action(self, action: torch.Tensor) -> torch.Tensor:
        """[B, U, R + 2]: each UE's association scores, share and power."""
        u, r, b = self.layout.n_ues, self.layout.n_rus, len(action)
        return torch.cat([action[:, :u * r].reshape(b, u, r),
                          action[:, u * r:u * r + u, None], action[:, u * r + u:, None]], 2)

    def read(self, inputs: torch.Tensor, membership: torch.Tensor) -> torch.Tensor:
        """ρ of each UE: φ(inputs) [B, U, W] pooled per O-RU by ``membership`` [B, U, R]."""
        e = self.phi(inputs)
        pooled = torch.einsum("bur,buw->brw", membership, e) / self.layout.n_ues
        hidden = (self.rho_ue(e) + self.rho_all(pooled.flatten(1))[:, None]
                  + torch.einsum("bur,brw->buw", membership, self.rho_own(pooled)))
        return self.rho(hidden)


class PerUeDenoiser(NoiseFromClean):
    """x̂₀(x_t, t, s) per UE: φ of the UE's features, its part of x_t and the time
    embedding; each O-RU pools the UEs for which it is the strongest (by the observed
    gains: the association x_t proposes is still noise); ρ gives the UE's clean action
    through tanh. The noise it implies is returned (:class:`NoiseFromClean`).
    ``inputs``: the UE features φ sees (:func:`seen_features`)."""

    seen: torch.Tensor

    def __init__(self, layout: UeLayout, alphas_bar: torch.Tensor, hidden: int = 128,
                 layers: int = 3, time_dim: int = 16, inputs: str = "all"):
        super().__init__(alphas_bar)
        self.register_buffer("seen", seen_features(layout, inputs), persistent=False)
        self.time = nn.Sequential(SinusoidalEmbedding(time_dim), nn.Linear(time_dim, 2 * time_dim),
                                  Mish(), nn.Linear(2 * time_dim, time_dim))
        self.net = PerUeNet(layout, layout.ue_action + time_dim, hidden, layers, layout.ue_action)

    def clean(self, x: torch.Tensor, t: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        net, lay = self.net, self.net.layout
        features, gains = net.features(cond)
        features = features * self.seen
        b, u, r = len(x), lay.n_ues, lay.n_rus
        time = self.time(t)[:, None].expand(b, u, -1)
        strongest = (gains == gains.amax(2, keepdim=True)).to(x.dtype)
        out = torch.tanh(net.read(torch.cat([features, net.per_ue_action(x), time], 2),
                                  strongest))
        return torch.cat([out[..., :r].reshape(b, u * r), out[..., r], out[..., r + 1]], 1)


def rbg_fractions(layout: UeLayout, action: torch.Tensor) -> torch.Tensor:
    """The action [B, d] with each UE's share entry x replaced by the part of its O-RU's
    RBGs its claim wins, written as a share entry: 2 √f − 1, f = w / (the claims at its
    O-RU), w = ((x + 1) / 2)² (bridge.slicing.shares). The O-RU is soft, by the
    association scores (softmax of 4 × score), as the critic pools; the half-an-RBG floor
    and the rounding of :func:`bridge.slicing.shares.decode` are left out. Only the claims'
    ratios reach the allocation, and so only they reach a critic that sees this: raising
    one UE's claim lowers its O-RU's other UEs' parts. An action that claims all of each
    O-RU's RBGs (an encoded allocation, a demonstrator's) is its own image."""
    u, r, b = layout.n_ues, layout.n_rus, len(action)
    membership = torch.softmax(4.0 * action[:, :u * r].reshape(b, u, r), 2)
    claims = ((action[:, u * r:u * r + u] + 1.0) / 2.0) ** 2
    at_ru = torch.einsum("bur,bu->br", membership, claims)
    total = torch.einsum("bur,br->bu", membership, at_ru).clamp(min=1e-6)
    fraction = (claims / total).clamp(0.0, 1.0)
    return torch.cat([action[:, :u * r], 2.0 * torch.sqrt(fraction + 1e-8) - 1.0,
                      action[:, u * r + u:]], 1)


def rbg_parts(layout: UeLayout, action: torch.Tensor) -> torch.Tensor:
    """[B, U]: the part of its O-RU's RBGs each UE's claim wins, :func:`rbg_fractions`'s,
    read back from its share-entry form."""
    u, r = layout.n_ues, layout.n_rus
    return ((rbg_fractions(layout, action)[:, u * r:u * r + u] + 1.0) / 2.0) ** 2


SINR_SCALE_DB = 20.0
"""The critics see each UE's SINR in dB over this."""
SINR_SHARPNESS = 16.0
"""The SINR's soft O-RU: softmax of this × the association scores."""


def action_sinr_db(layout: UeLayout, gain_db: torch.Tensor, action: torch.Tensor
                   ) -> torch.Tensor:
    """[B, U]: each UE's SINR (dB) on its RBGs as the share action [B, d] sets it, from the
    gains [B, U, R] (dB): its O-RU's gain times its power level's factor, over the noise
    and each other O-RU's gain times that O-RU's mean power per RBG (its UEs' level
    factors weighted by the parts of its RBGs they win). Smooth in the whole action: the
    O-RU is soft by the association scores (softmax of :data:`SINR_SHARPNESS` × score),
    the parts are :func:`rbg_fractions`'s, and the level is the power entry's position
    among the level bins, its dB interpolated between the levels'. Where RBGs overlap
    is left out (each O-RU's power is spread over the carrier), as is the budget's
    repair. So lowering one UE's power lowers its own SINR and raises that of the other
    O-RUs' UEs, most where their gain to its O-RU is strongest."""
    u, r, b = layout.n_ues, layout.n_rus, len(action)
    fraction = rbg_parts(layout, action)
    # Sharper than the pools' softmax: at 4 × score a UE would leak 7e-4 of its own O-RU's
    # gain into its interference, capping a cell-centre UE's SINR near 32 dB.
    membership = torch.softmax(SINR_SHARPNESS * action[:, :u * r].reshape(b, u, r), 2)
    levels = torch.as_tensor(layout.levels_db, dtype=action.dtype, device=action.device)
    n = len(levels)
    position = ((action[:, u * r + u:] + 1.0) / 2.0 * n - 0.5).clamp(0.0, n - 1.0)
    low = position.floor().clamp(max=n - 2 if n > 1 else 0).long()
    high = (low + 1).clamp(max=n - 1)
    level_db = levels[low] + (position - low) * (levels[high] - levels[low])
    factor = torch.pow(10.0, level_db / 10.0)
    gain = torch.pow(10.0, gain_db / 10.0)
    ru_power = torch.einsum("bur,bu->br", membership, fraction * factor)
    signal = (membership * gain).sum(2) * factor
    interference = torch.einsum("bur,br->bu", (1.0 - membership) * gain, ru_power)
    noise = 10.0 ** (layout.noise_db / 10.0)
    return 10.0 * torch.log10(signal / (noise + interference))


COUNT_STEP_OFFSET = 3.0
"""A count's step is softplus(ρ's output − this): about 0.05 of value per RBG at the
start, where the plain softplus of a fresh layer's outputs would be 0.7, above what a
UE's whole part of the reward is."""


def value_at_count(out: torch.Tensor, count: torch.Tensor) -> torch.Tensor:
    """[B, U]: each UE's value at its (fractional) RBG ``count`` [B, U], from ``out``
    [B, U, 1 + n]: a base value and n steps, softplus(out − :data:`COUNT_STEP_OFFSET`),
    one per RBG. The value rises by step k as the count goes from k − 1 to k, linearly in
    between, so it is monotone and piecewise linear in the count; counts beyond n add
    nothing."""
    steps = nn.functional.softplus(out[..., 1:] - COUNT_STEP_OFFSET)
    k = torch.arange(steps.shape[-1], dtype=count.dtype, device=count.device)
    return out[..., 0] + (steps * (count[..., None] - k).clamp(0.0, 1.0)).sum(-1)


class PerUeCritic(nn.Module):
    """Two per-UE Q networks (clipped double Q-learning): φ of each UE's features and
    its action; each O-RU pools its UEs softly by the action's association scores
    (softmax of 4 × score over the O-RUs, near one-hot where one score leads); Q is the
    mean over the UEs of ρ. ``share``: what the networks see of the share entries, the
    claims as they are (``claim``) or the parts of each O-RU's RBGs they win
    (``fraction``, :func:`rbg_fractions`). ``sinr``: each UE also sees its SINR as the
    action sets it (:func:`action_sinr_db`), read from the gains of ``obs`` (symlog'd
    where ``symlog``), so that what one UE's power does to the other O-RUs' UEs reaches
    their values. ``counts``: ρ gives a value per RBG count (:func:`value_at_count`), read
    at the UE's part of its O-RU's RBGs times ``layout.rbgs``; the share entry is then
    hidden from φ."""

    seen: torch.Tensor

    def __init__(self, layout: UeLayout, hidden: int = 128, layers: int = 3,
                 share: str = "claim", inputs: str = "all", sinr: bool = False,
                 symlog: bool = True, counts: bool = False):
        super().__init__()
        extra = layout.ue_action + int(sinr)
        out = 1 + layout.rbgs if counts else 1
        self.q1 = PerUeNet(layout, extra, hidden, layers, out)
        self.q2 = PerUeNet(layout, extra, hidden, layers, out)
        self.share, self.sinr, self.symlog, self.counts = share, sinr, symlog, counts
        self.power_entry = True
        """False: each UE's power entry is hidden (0), so that with ``sinr`` power reaches
        the values only through the SINR (``DiffusionQLConfig.critic_power_entry``)."""
        self.register_buffer("seen", seen_features(layout, inputs), persistent=False)

    def see(self, inputs: str) -> None:
        """Which UE features the critics see from now on (:func:`seen_features`)."""
        self.seen.copy_(seen_features(self.q1.layout, inputs))

    def _inputs(self, obs: torch.Tensor, action: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """What both networks read: [B, U, inputs] per UE (its features, its SINR with
        ``sinr``, its part of the action as the critics see it) and [B, U, R] its soft
        O-RU membership; with ``counts``, [B, U] each UE's RBG count (None without)."""
        lay = self.q1.layout
        features, gains = self.q1.features(obs)
        inputs = [features * self.seen]
        if self.sinr:
            if self.symlog:  # the gains as the observation holds them, then in dB
                gains = torch.sign(gains) * torch.expm1(gains.abs())
            sinr = action_sinr_db(lay, gains * GAIN_SCALE_DB - GAIN_OFFSET_DB, action)
            inputs.append((sinr / SINR_SCALE_DB)[..., None])
        count = None
        if self.counts:
            count = rbg_parts(lay, action) * lay.rbgs
        elif self.share == "fraction":
            action = rbg_fractions(lay, action)
        per_ue = self.q1.per_ue_action(action)
        membership = torch.softmax(4.0 * per_ue[..., :lay.n_rus], 2)
        if not self.power_entry:
            per_ue = torch.cat([per_ue[..., :-1], torch.zeros_like(per_ue[..., -1:])], 2)
        if self.counts:  # the count is read from ρ's values, not seen
            r = lay.n_rus
            per_ue = torch.cat([per_ue[..., :r], torch.zeros_like(per_ue[..., r:r + 1]),
                                per_ue[..., r + 1:]], 2)
        return torch.cat([*inputs, per_ue], 2), membership, count

    def per_ue(self, obs: torch.Tensor, action: torch.Tensor
               ) -> tuple[torch.Tensor, torch.Tensor]:
        """Each critic's values per UE, [B, U] each (Q is their mean)."""
        inputs, membership, count = self._inputs(obs, action)
        out1, out2 = self.q1.read(inputs, membership), self.q2.read(inputs, membership)
        if count is None:
            return out1[..., 0], out2[..., 0]
        return value_at_count(out1, count), value_at_count(out2, count)

    def forward(self, obs: torch.Tensor, action: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        v1, v2 = self.per_ue(obs, action)
        return v1.mean(1), v2.mean(1)

    def q_min(self, obs: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        return torch.minimum(*self(obs, action))

    def ue_rewards(self, observations: torch.Tensor, rewards: torch.Tensor) -> torch.Tensor:
        """[B, U]: each UE's part of each transition's reward, read from the next
        ``observations`` (raw, not symlog): U · θ_rate · its throughput + θ_const · its
        QoS flag, so that their mean over the UEs is the reward less θ_bias; what the mean
        misses of ``rewards`` (θ_bias, float rounding) is added to every UE, so the mean is
        the reward exactly."""
        lay = self.q1.layout
        u = lay.n_ues
        throughput = observations[:, lay.throughput:lay.throughput + u]
        qos = (observations[:, lay.qos_ok:lay.qos_ok + u] > 0.5).to(observations.dtype)
        parts = u * lay.theta_rate * throughput + lay.theta_const * qos
        return parts + (rewards - parts.mean(1))[:, None]
