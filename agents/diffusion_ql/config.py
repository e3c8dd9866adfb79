"""Diffusion-QL's settings.

The defaults are not Table I's where Table I is not sound for this action space
(docs/slicing-agents.md, "Diffusion-QL's defaults"): the linear 1e-4 → 2e-2 schedule
leaves ᾱ_T = 0.82 at T = 20, so sampling from N(0, 1) starts where training never was,
and a 128-wide noise predictor cannot carry a 525-value action. Defaults: the reference
code's VP schedule at T = 5 (ᾱ_T ≈ 0.006) and a denoiser that predicts x̂₀ (x_t reaches
the output through the noise identity). ``PRESETS["table-i"]`` keeps the paper's values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agents.common.diffusion import DiffusionConfig
from bridge.validate import COUNT, NON_NEGATIVE, POSITIVE, Bounds, check_choice, check_fields

WHOLE = Bounds(0, integer=True)  # a whole number >= 0
DENOISERS = ("x0", "eps")
NETWORKS = ("mlp", "per-ue")
UE_INPUTS = ("all", "drop")


@dataclass(frozen=True)
class DiffusionQLConfig:
    diffusion: DiffusionConfig = field(
        default_factory=lambda: DiffusionConfig(steps=5, schedule="vp"))
    """T, schedule and clamp of the action diffusion (Table I: T = 20, linear 1e-4 → 2e-2;
    default: VP at T = 5, as the reference code)."""
    denoiser: str = "x0"
    """x0: the MLP predicts the clean action (networks.X0Denoiser); eps: it predicts the
    noise (networks.NoisePredictor, Table I's and the reference code's)."""
    network: str = "mlp"
    """mlp: the denoiser and the critics are MLPs of the flat observation and action
    (any Box spaces); per-ue: one network shared by the UEs of the slicing scenario's
    share action (agents.diffusion_ql.per_ue; the agent needs the scenario's layout),
    an x̂₀ denoiser, decided in PyTorch (the NumPy path mirrors the MLPs only)."""
    hidden: int = 256
    """Width of every hidden layer (Table I: 3-layer MLP of 128)."""
    critic_hidden: int = 0
    """Width of the critics' hidden layers; 0: ``hidden``."""
    layers: int = 3
    """Hidden layers of the denoiser and of each critic."""
    gamma: float = 0.5
    """Discount factor γ (Table I: 0.98). In the slicing scenario one step's allocation
    moves that step's reward and, through the queues it leaves, the next one's (by 56 %
    as much), and no later one (docs/slicing-agents.md): 0.5 weighs the next step at half
    and looks no further, where 0.98 bootstraps a return 50 steps long."""
    tau: float = 0.005
    """Polyak rate ρ of the target critics."""
    lr_actor: float = 1e-3
    """Adam learning rate of the diffusion policy (Table I: 1e-4; on the slicing
    demonstrations the diffusion loss was 0.26 after 3000 updates at 1e-4, 0.028 at 1e-3)."""
    lr_critic: float = 3e-4
    """Adam learning rate of the critics."""
    q_weight: float = 1.0
    """λ: weight of the normalised Q term in the policy loss."""
    critic_targets: str = "joint"
    """joint: each critic's Q (the mean of its UEs' values with ``network = "per-ue"``) is
    fitted to r + γ Q'; per-ue (per-UE networks only): each UE's value to its own part of
    the reward, read from the next observation (``PerUeCritic.ue_rewards``), + γ its next
    value; 25 outcomes per transition instead of one (docs/slicing-agents.md, "Per-UE
    credit and RBG fractions")."""
    critic_horizon: int = 1
    """With per-UE critic targets and γ = 0: H > 1 fits each UE's value to the mean of its
    parts of the reward over the transition's step and the next H − 1 steps of its
    episode in the collection it came from (fewer where the episode ends first), stored
    with the transition (agents.diffusion_ql.buffers): the action's value when the
    collection's own play follows it, nothing bootstrapped. The agent's own steps keep
    their step's part. 1: the step's part alone. H = 3–10 cost the demo's agent 0.02
    (docs/slicing-agents.md, "Critics of more than one step, and the URLLC UEs left
    behind")."""
    critic_share: str = "claim"
    """What the per-UE critics see of each UE's share entry: ``claim``, the entry itself;
    ``fraction``, the part of its O-RU's RBGs the claim wins (``per_ue.rbg_fractions``),
    so that the Q term's gradient on one UE's claim accounts for its neighbours' loss.
    The two agree on actions that claim all of each O-RU's RBGs (a demonstrator's), so a
    checkpoint's critics may carry over from one to the other."""
    critic_sinr: bool = False
    """Per-UE critics only: each UE also sees its SINR as the action sets it
    (``per_ue.action_sinr_db``: its O-RU's gain at its power level over the noise and the
    other O-RUs' power at its gains to them). Without it, what one UE's power does to
    the other O-RUs' UEs reaches their values only through the O-RU pools, and the
    demo's critics valued a cell-centre UE's lower power below its own in every decision
    (docs/slicing-agents.md, "What one UE's power costs the others"). It shapes the
    networks: a checkpoint keeps what it was built with."""
    critic_power_entry: bool = True
    """Per-UE critics: whether they see each UE's power entry. False (with
    ``critic_sinr``): power reaches them only through the SINR, where its effect on the
    UE and on the others lies; the power entry alone is what the demonstrations tie to
    the rest of the allocation (the budget sets it from how many UEs share the O-RU).
    Retunable: a checkpoint's critics then learn again on what they see."""
    critic_counts: bool = False
    """Per-UE critics: each UE's value is read at its RBG count, ρ giving one value per
    count (a base and one non-negative step per RBG, so more RBGs are never worth less to
    the UE), linearly between two counts; the count is its part of its O-RU's RBGs
    (``per_ue.rbg_fractions``) times the usable RBGs, and the share entry is hidden from
    the networks. A count is then an index of the values, not one smooth input among many
    (docs/slicing-agents.md, "Critics with a value per RBG count"). It shapes the
    networks: a checkpoint keeps what it was built with."""
    policy_inputs: str = "all"
    """What the per-UE denoiser sees of each UE's observation: ``all`` its fields; ``drop``
    only its gains and slice (the drop), the rest zero. In a demonstrator's episodes the
    last step's throughput, delay, QoS flags and queues report its previous allocation,
    which on one drop is mostly its next one, so a clone that sees them can copy them
    instead of learning the choice; playing, it then copies its own. Hiding them did not
    help there (docs/slicing-agents.md, "Where the clone loses to ue-value")."""
    critic_inputs: str = "all"
    """What the per-UE critics see of each UE's observation: ``all`` or ``drop`` (its gains
    and slice, as ``policy_inputs``). The last step's throughput and QoS flag foretell a
    UE's next outcome on one drop whatever the action, so critics that see them explain
    the outcome by them more than by the action; hiding them did not help there
    (docs/slicing-agents.md, "Where the clone loses to ue-value"). Retunable: a
    checkpoint's critics then learn again on what they see."""
    critic_pessimism: float = 0.0
    """α: each critic's loss also takes α · (its mean Q of the policy's own actions − its
    mean Q of the batch's actions), the policy's actions being its x̂₀ of the BC term's
    noised actions, which the one-step Q term scores (a conservative Q-learning
    penalty): the critics then value actions their data never showed below those it
    did, so that the Q term and the best-of-N choice cannot follow an overestimate out
    of the data. 0: off (the update is then unchanged). On the demo's agent it cost
    0.013–0.026 of reward (docs/slicing-agents.md, "Pessimistic critics, and what the
    critics' choice is worth")."""
    q_action: str = "one-step"
    """The action the Q term scores: ``chain``, a fresh sample through the whole reverse
    chain, back-propagated through all T steps (the reference code's); ``one-step``, the
    x̂₀ the denoiser gives for the BC term's noised action (one pass instead of T + 1;
    Kang et al.'s action approximation)."""
    buffer_size: int = 200_000
    """Replay capacity (the agent's own transitions; demonstrations have their own)."""
    demo_fraction: float = 0.5
    """Share of each mini-batch drawn from the demonstrations, when the agent holds any
    (:meth:`DiffusionQL.add_demonstrations`): the BC term then clones the demonstrator, not
    only the agent's own early actions."""
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
    power_steps: int = 0
    """Per-UE networks: after the choice, try each UE's power entry 1 … ``power_steps`` P_A
    levels lower, one UE at a time; every UE whose best such try the critics value at
    least ``power_margin`` above the chosen action is lowered so, and the action with all
    of them lowered is played where the critics value it above the chosen one (a step of
    policy improvement on power, which the clone copies from its demonstrator; with
    ``critic_sinr`` the critics price what one UE's power costs the others:
    docs/slicing-agents.md, "What one UE's power costs the others"). 0: off."""
    power_margin: float = 0.003
    """How far above the chosen action's Q a UE's lowered power must be valued."""
    symlog_observations: bool = True
    """Feed the networks sign(x) log(1 + |x|) of each observation entry (stored so in the
    replay buffer too): the slicing observation mixes shares in [0, 1] with queue bytes
    near 1e5, and raw it drove the losses to 1e6 and the critic's Q far off scale."""
    fast_decisions: bool = True
    """Decide through the NumPy path (agents.diffusion_ql.fast) on CPU: the same samples as
    the PyTorch sampler to float tolerance, with the per-decision overheads hoisted."""
    cuda_graphs: bool = True
    """On CUDA, capture one update as a CUDA graph and replay it (agents.diffusion_ql.graphs):
    the same tensor operations, launched as one graph instead of some thousands of kernels
    (6.3x the updates per second of the defaults on an H200, 7x Table I's; equal to the
    eager updates to rtol 1e-3 there, tests/test_diffusion_ql.py; docs/benchmarks.md).
    No effect on the CPU."""

    def __post_init__(self) -> None:
        check_fields(self, {
            "hidden": COUNT, "critic_hidden": WHOLE, "layers": COUNT, "gamma": Bounds(0, 1),
            "tau": Bounds(0, 1, low_open=True), "lr_actor": POSITIVE, "lr_critic": POSITIVE,
            "q_weight": NON_NEGATIVE, "critic_pessimism": NON_NEGATIVE, "buffer_size": COUNT,
            "batch_size": COUNT,
            "learning_starts": WHOLE, "updates_per_step": WHOLE, "grad_norm": NON_NEGATIVE,
            "ema_decay": Bounds(0, 1), "ema_start": WHOLE, "ema_every": COUNT,
            "guidance": NON_NEGATIVE, "candidates": COUNT, "power_steps": NON_NEGATIVE,
            "power_margin": NON_NEGATIVE, "critic_horizon": COUNT,
            "ddim_steps": Bounds(1, self.diffusion.steps, integer=True),
        })
        check_choice(self, "decision_sampler", ("ddpm", "ddim"))
        check_choice(self, "denoiser", DENOISERS)
        check_choice(self, "network", NETWORKS)
        if self.network == "per-ue" and self.denoiser != "x0":
            raise ValueError("DiffusionQLConfig.network = 'per-ue' needs denoiser = 'x0', "
                             f"got {self.denoiser!r}")
        check_choice(self, "q_action", ("chain", "one-step"))
        check_choice(self, "critic_targets", ("joint", "per-ue"))
        check_choice(self, "critic_share", ("claim", "fraction"))
        check_choice(self, "policy_inputs", UE_INPUTS)
        check_choice(self, "critic_inputs", UE_INPUTS)
        for name, plain in (("critic_targets", "joint"), ("critic_share", "claim"),
                            ("policy_inputs", "all"), ("critic_inputs", "all"),
                            ("critic_sinr", False), ("critic_counts", False)):
            if getattr(self, name) != plain and self.network != "per-ue":
                raise ValueError(f"DiffusionQLConfig.{name} = {getattr(self, name)!r} needs "
                                 f"network = 'per-ue', got {self.network!r}")
        if self.power_steps and self.network != "per-ue":
            raise ValueError(f"DiffusionQLConfig.power_steps = {self.power_steps} needs "
                             f"network = 'per-ue', got {self.network!r}")
        if not self.critic_power_entry and not self.critic_sinr:
            raise ValueError("DiffusionQLConfig.critic_power_entry = False needs critic_sinr "
                             "(the critics would not see power at all)")
        check_fields(self, {"demo_fraction": Bounds(0, 1)})
        if self.critic_horizon > 1 and (self.critic_targets != "per-ue" or self.gamma):
            raise ValueError(f"DiffusionQLConfig.critic_horizon = {self.critic_horizon} needs "
                             f"critic_targets = 'per-ue' and gamma = 0, got "
                             f"{self.critic_targets!r} and {self.gamma}")
        if self.gamma == 1:  # no discounting: the critic's targets would not converge
            raise ValueError("DiffusionQLConfig.gamma = 1 must be [0, 1)")


PRESETS: dict[str, DiffusionQLConfig] = {
    "default": DiffusionQLConfig(),
    "table-i": DiffusionQLConfig(diffusion=DiffusionConfig(steps=20, schedule="linear"),
                                 denoiser="eps", hidden=128, q_action="chain", gamma=0.98,
                                 lr_actor=1e-4),
    "per-ue": DiffusionQLConfig(network="per-ue", hidden=128, critic_hidden=64, ema_every=1),
}
"""Named settings: ``table-i`` is Table I of the paper (linear β 1e-4 → 2e-2, T = 20,
3 × 128 noise predictor, γ 0.98, policy learning rate 1e-4, the Q term through the whole
reverse chain; ρ, critic learning rate, batch and replay as the defaults). ``per-ue``:
the defaults with the per-UE denoiser (width 128) and critics (width 64) for the slicing
scenario's share action (agents.diffusion_ql.per_ue), and the EMA actor stepped at every
update: a per-UE clone is still improving quickly after a few thousand updates, and an
EMA stepped every 5th update lagged it by 0.06–0.13 of twin reward; critics of width 64
ranked and chose as well as 128 at two thirds of the update's time
(docs/slicing-agents.md, "Per-UE networks")."""


def preset(name: str) -> DiffusionQLConfig:
    """A named setting (:data:`PRESETS`); an unknown name is an error naming the known."""
    if name not in PRESETS:
        raise ValueError(f"unknown Diffusion-QL preset {name!r}; known: {', '.join(PRESETS)}")
    return PRESETS[name]
