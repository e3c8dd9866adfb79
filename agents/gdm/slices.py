"""Expert against GDM power samples on held-out twin networks (the paper's Fig. 1).

The expert's samples are the SA-PD powers along its dual trajectory over ``steps`` steps
(LTE rates of the twin, as in the data set); the GDM's are ``steps`` independent samples
conditioned on the same gains and, for a dual-conditioned GDM, each on the duals the
expert answered at that step (its dithered duals, or μ itself for a GDM trained on μ):
the two are then compared state by state along one trajectory. Per node, the
1-Wasserstein distance between the two empirical distributions of p / Pmax measures how
closely the GDM matches the expert (0: identical; 0.5: the GDM at 0 where the expert is
at 0.5 all the time).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - after the backend
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402
from scipy.stats import wasserstein_distance  # noqa: E402

from agents.gdm.policy import load_policy  # noqa: E402
from agents.sapd.agent import DEFAULT_CHECKPOINT, Rollout, rollout  # noqa: E402
from agents.sapd.train import load_checkpoint  # noqa: E402
from bridge.twins.interference import (  # noqa: E402
    InterferenceConfig,
    drop_network,
    fading,
    lte_rates,
    normalise_gains,
)


def expert_samples(x: np.ndarray, h: np.ndarray, family: InterferenceConfig,
                   rng: np.random.Generator) -> Rollout:
    """The SA-PD dual dynamics on faded gains h [T, N, N]: ``.powers`` the expert's power
    fractions [T, N], ``.seen`` / ``.mu`` the duals it answered / held at each step."""
    policy = load_checkpoint(DEFAULT_CHECKPOINT)
    return rollout(policy, x, h * family.pmax_w / family.noise_w, lte_rates, rng)


def plot_slices(checkpoint: str | Path, path: Path, seed: int = 2000, networks: int = 2,
                steps: int = 200, pairs: tuple[tuple[int, int], ...] = ((0, 1), (2, 3), (4, 5))
                ) -> pd.DataFrame:
    """Writes the scatter figure; returns the per-node distances."""
    family, rng = InterferenceConfig(), np.random.default_rng(seed)
    policy = load_policy(checkpoint)
    gen = torch.Generator().manual_seed(seed)
    fig, axes = plt.subplots(networks, len(pairs), figsize=(3.2 * len(pairs), 3.2 * networks),
                             squeeze=False)
    rows = []
    for m in range(networks):
        gains = drop_network(family, rng).gains
        h = gains * fading(gains.shape, steps, family.fading_correlation, rng)
        x = normalise_gains(gains, family.pmax_w, family.noise_w).astype(np.float32)
        run = expert_samples(x, h, family, rng)
        expert = run.powers
        cond = torch.tensor(x[None], dtype=torch.float32).repeat(steps, 1, 1)
        if policy.config.duals:
            duals = run.seen if policy.config.dual_dither < 1 else run.mu
            cond = torch.cat([cond, torch.tensor(duals[..., None], dtype=torch.float32)], -1)
        gdm = policy.sample(cond, gen).numpy()
        for i in range(family.pairs):
            rows.append({"network": m, "node": i, "expert_mean": expert[:, i].mean(),
                         "gdm_mean": gdm[:, i].mean(),
                         "wasserstein": wasserstein_distance(expert[:, i], gdm[:, i])})
        for ax, (i, j) in zip(axes[m], pairs, strict=True):
            ax.scatter(expert[:, i], expert[:, j], s=14, alpha=0.5, label="expert (SA-PD)")
            ax.scatter(gdm[:, i], gdm[:, j], s=14, alpha=0.5, marker="x", label="GDM")
            ax.set(xlim=(-0.05, 1.05), ylim=(-0.05, 1.05), xlabel=f"p{i} / Pmax",
                   ylabel=f"p{j} / Pmax", title=f"network {m}, nodes {i}-{j}")
    axes[0, 0].legend(loc="best", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return pd.DataFrame(rows)
