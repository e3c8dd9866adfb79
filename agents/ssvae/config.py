"""The settings of the SS-VAE."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SsVaeConfig:
    latent: int = 16
    """Size of the latent z."""
    hidden: int = 128
    """Width of the hidden layers of encoder, decoder and regressor."""
    layers: int = 2
    """Hidden layers of each of the three networks."""
    lr: float = 1e-3
    """Adam learning rate."""
    batch_size: int = 64
    """Mini-batch size of each of the labelled and the unlabelled batches."""
    beta: float = 0.1
    """Weight of the KL term (a beta-VAE; 1 is the plain ELBO)."""
    label_weight: float = 10.0
    """Weight of the regression loss on labelled states."""
    unlabelled_weight: float = 1.0
    """Weight of the ELBO of unlabelled states (0: supervised only)."""

    def __post_init__(self) -> None:
        checks = {"latent": self.latent >= 1, "hidden": self.hidden >= 1,
                  "layers": self.layers >= 1, "lr": self.lr > 0,
                  "batch_size": self.batch_size >= 1, "beta": self.beta >= 0,
                  "label_weight": self.label_weight > 0,
                  "unlabelled_weight": self.unlabelled_weight >= 0}
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            raise ValueError(f"invalid SS-VAE settings: {', '.join(bad)} ({self})")
