"""Diffusion-QL's settings; defaults are Table I of the paper and the reference code."""

from __future__ import annotations

from dataclasses import dataclass, field

from agents.common.diffusion import DiffusionConfig
from bridge.validate import COUNT, NON_NEGATIVE, POSITIVE, Bounds, check_choice, check_fields

WHOLE = Bounds(0, integer=True)  # a whole number >= 0


@dataclass(frozen=True)
class DiffusionQLConfig:
    diffusion: DiffusionConfig = field(default_factory=DiffusionConfig)
    """T, schedule and clamp of the action diffusion (Table I: T = 20, linear 1e-4 → 2e-2)."""
    hidden: int = 128
    """Width of every hidden layer (Table I: 3-layer MLP of 128)."""
    layers: int = 3
    """Hidden layers of the denoiser and of each critic."""
    gamma: float = 0.98
    """Discount factor γ."""
    tau: float = 0.005
    """Polyak rate ρ of the target critics."""
    lr_actor: float = 1e-4
    """Adam learning rate of the diffusion policy."""
    lr_critic: float = 3e-4
    """Adam learning rate of the critics."""
    q_weight: float = 1.0
    """λ: weight of the normalised Q term in the policy loss."""
    buffer_size: int = 200_000
    """Replay capacity."""
    batch_size: int = 128
    """Mini-batch size."""
    learning_starts: int = 256
    """Environment steps collected before the first update."""
    updates_per_step: int = 1
    """Gradient updates per environment step once learning has started."""
    grad_norm: float = 1.0
    """Gradient-norm clipping of both optimisers (0: none)."""
    ema_decay: float = 0.995
    """Decay of the EMA actor used for targets and decisions."""
    ema_start: int = 1000
    """Updates before the EMA actor starts following (it copies the actor until then)."""
    ema_every: int = 5
    """Updates between EMA steps."""
    guidance: float = 1.2
    """w: Q-gradient guidance of the decision sampler (Section III-A), 0 to disable."""
    decision_sampler: str = "ddpm"
    """ddpm (T steps, with guidance) or ddim (``ddim_steps`` steps, no guidance)."""
    ddim_steps: int = 5
    """k, DDIM steps for decisions when ``decision_sampler`` is ddim."""
    candidates: int = 10
    """Actions sampled per decision; the deterministic choice is the one of highest Q."""
    symlog_observations: bool = True
    """Feed the networks sign(x) log(1 + |x|) of each observation entry (stored so in the
    replay buffer too): the slicing observation mixes shares in [0, 1] with queue bytes
    near 1e5, and raw it drove the losses to 1e6 and the critic's Q far off scale."""
    fast_decisions: bool = True
    """Decide through the NumPy path (agents.diffusion_ql.fast) on CPU: the same samples as
    the PyTorch sampler to float tolerance, with the per-decision overheads hoisted."""
    cuda_graphs: bool = False
    """On CUDA, capture one update as a CUDA graph and replay it (agents.diffusion_ql.graphs):
    the same tensor operations, launched as one graph instead of some thousands of kernels
    (about 6.7x the updates per second on an H100, docs/benchmarks.md). Off by default
    until tests/test_diffusion_ql.py's CUDA test has run on a GPU."""

    def __post_init__(self) -> None:
        check_fields(self, {
            "hidden": COUNT, "layers": COUNT, "gamma": Bounds(0, 1),
            "tau": Bounds(0, 1, low_open=True), "lr_actor": POSITIVE, "lr_critic": POSITIVE,
            "q_weight": NON_NEGATIVE, "buffer_size": COUNT, "batch_size": COUNT,
            "learning_starts": WHOLE, "updates_per_step": WHOLE, "grad_norm": NON_NEGATIVE,
            "ema_decay": Bounds(0, 1), "ema_start": WHOLE, "ema_every": COUNT,
            "guidance": NON_NEGATIVE, "candidates": COUNT,
            "ddim_steps": Bounds(1, self.diffusion.steps, integer=True),
        })
        check_choice(self, "decision_sampler", ("ddpm", "ddim"))
        if self.gamma == 1:  # no discounting: the critic's targets would not converge
            raise ValueError("DiffusionQLConfig.gamma = 1 must be [0, 1)")
