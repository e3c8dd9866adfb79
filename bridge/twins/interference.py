"""Closed-form twin of the interference scenario (paper B, Section V).

Shannon rate of every pair for any power vector, from the same gains ns-3 imposes and
reports: ``gains[..., i, j]`` is the power gain from transmitter j to receiver i,
``rate_i = log2(1 + p_i H_ii / (noise + sum_{j != i} p_j H_ij))`` [bit/s/Hz]. Also the
network family (drop, path loss, shadowing, fading) for training without ns-3, the
ergodic metrics of Section V-A and the normalisation of the observed gains.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy.special import j0

from bridge.validate import COUNT, FINITE, NON_NEGATIVE, POSITIVE, Bounds, check_fields

F_MIN = 0.75
"""Minimum ergodic rate per pair [bit/s/Hz] (paper B)."""


@dataclass(frozen=True)
class InterferenceConfig:
    """One network family; the defaults are the scenario's."""

    pairs: int = 8
    """Number of Tx-Rx pairs, >= 1."""
    density: float = 8.0
    """Pairs per km^2; the square's side is sqrt(pairs / density) km."""
    min_rx_dist_m: float = 10.0
    """Smallest Tx-Rx distance of a pair [m]."""
    max_rx_dist_m: float = 50.0
    """Largest Tx-Rx distance of a pair [m]."""
    min_tx_dist_m: float = 35.0
    """Smallest distance between two transmitters [m]."""
    shadowing_db: float = 7.0
    """Standard deviation of the log-normal shadowing [dB]."""
    carrier_ghz: float = 2.4
    """Carrier, for the Doppler spread [GHz]."""
    speed_mps: float = 1.0
    """Receiver speed, for the Doppler spread [m/s]."""
    step_s: float = 0.01
    """Time between fading samples [s]."""
    pmax_w: float = 0.01
    """Largest transmit power [W]."""
    bandwidth_hz: float = 10e6
    """Bandwidth [Hz]."""
    noise_dbm_hz: float = -174.0
    """Noise PSD [dBm/Hz]."""
    drop_tries: int = 1000
    """Placement attempts per transmitter before the drop is declared impossible."""

    def __post_init__(self) -> None:
        check_fields(self, {
            "pairs": COUNT, "density": POSITIVE, "max_rx_dist_m": POSITIVE,
            "min_rx_dist_m": Bounds(0, self.max_rx_dist_m, low_open=True),
            "min_tx_dist_m": NON_NEGATIVE, "shadowing_db": NON_NEGATIVE,
            "carrier_ghz": POSITIVE, "speed_mps": NON_NEGATIVE, "step_s": POSITIVE,
            "pmax_w": POSITIVE, "bandwidth_hz": POSITIVE, "noise_dbm_hz": FINITE,
            "drop_tries": COUNT,
        })

    @property
    def noise_w(self) -> float:
        return 10 ** (self.noise_dbm_hz / 10) / 1e3 * self.bandwidth_hz

    @property
    def fading_correlation(self) -> float:
        doppler = self.speed_mps * self.carrier_ghz * 1e9 / 299792458.0
        return float(j0(2 * math.pi * doppler * self.step_s))


class Network(NamedTuple):
    gains: np.ndarray
    """Long-term gains [N, N], rx-major, linear."""
    tx_xy: np.ndarray
    """Transmitter positions [N, 2] (m)."""
    rx_xy: np.ndarray
    """Receiver positions [N, 2] (m)."""


def path_loss_db(distance_m: np.ndarray) -> np.ndarray:
    """Dual slope: 39 + 20 log10 d up to 100 m, 39 + 40 log10 d - 40 beyond; d >= 1 m.

    d = 100 m gives 79 dB on both slopes; d = 1000 m gives 39 + 120 - 40 = 119 dB.
    """
    d = np.maximum(np.asarray(distance_m, dtype=float), 1.0)
    return np.where(d <= 100, 39 + 20 * np.log10(d), 39 + 40 * np.log10(d) - 40)


def drop_network(config: InterferenceConfig, rng: np.random.Generator) -> Network:
    """A random drop of the family, as the ns-3 program draws it (not the same values)."""
    side = 1000 * math.sqrt(config.pairs / config.density)
    tx: list[np.ndarray] = []
    for i in range(config.pairs):
        for _ in range(config.drop_tries):
            p = rng.uniform(0, side, 2)
            if all(np.sum((p - q) ** 2) >= config.min_tx_dist_m**2 for q in tx):
                tx.append(p)
                break
        else:
            raise ValueError(f"impossible drop: transmitter {i} of {config.pairs} found no place "
                             f">= {config.min_tx_dist_m} m from the others in a {side:.0f} m "
                             f"square after {config.drop_tries} tries; lower density or "
                             "min_tx_dist_m")
    tx_xy = np.array(tx)
    d = rng.uniform(config.min_rx_dist_m, config.max_rx_dist_m, config.pairs)
    a = rng.uniform(0, 2 * math.pi, config.pairs)
    rx_xy = tx_xy + np.stack([d * np.cos(a), d * np.sin(a)], axis=1)
    dist = np.linalg.norm(rx_xy[:, None, :] - tx_xy[None, :, :], axis=2)
    loss = path_loss_db(dist) + config.shadowing_db * rng.standard_normal(dist.shape)
    return Network(10 ** (-loss / 10), tx_xy, rx_xy)


def fading(shape: tuple[int, ...], steps: int, rho: float, rng: np.random.Generator
           ) -> np.ndarray:
    """|h|^2 of Rayleigh fading over ``steps`` steps, correlation ``rho`` step to step.

    Returns [steps, *shape]; each |h|^2 is exponential with mean 1.
    """
    h = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) / math.sqrt(2)
    out = np.empty((steps, *shape))
    innovation = math.sqrt(max(0.0, 1 - rho**2))
    for t in range(steps):
        out[t] = np.abs(h) ** 2
        w = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) / math.sqrt(2)
        h = rho * h + innovation * w
    return out


def shannon_rates(gains: np.ndarray, powers: np.ndarray, noise_w: float) -> np.ndarray:
    """Rate of every pair [bit/s/Hz]; gains [..., N, N], powers [..., N] (W)."""
    gains, powers = np.asarray(gains, float), np.asarray(powers, float)
    received = gains * powers[..., None, :]
    signal = np.diagonal(received, axis1=-2, axis2=-1)
    interference = received.sum(axis=-1) - signal
    return np.log2(1 + signal / (noise_w + interference))


LTE_EFFICIENCY = 0.55
"""Share of the gap-corrected capacity LTE delivers (overheads, MCS table), fitted."""
LTE_GAP = 4.0
"""SNR gap of LTE's adaptive MCS to capacity (6 dB), fitted."""
LTE_MAX_RATE = 3.5
"""Largest rate one 10 MHz LTE carrier delivers here [bit/s/Hz] (top MCS, 64QAM)."""


def lte_rates(gains: np.ndarray, powers: np.ndarray, noise_w: float) -> np.ndarray:
    """What the ns-3 program delivers, approximately: min(3.5, 0.55 log2(1 + SINR / 4)).

    Fitted to full-power ns-3 runs (docs/scenarios/interference.md): at SINR 3.2 it
    gives 0.55 x log2(1.8) = 0.47 where ns-3 gave 0.55 and Shannon says 2.08.
    """
    shannon = shannon_rates(gains, powers, noise_w)
    sinr = 2**shannon - 1
    return np.minimum(LTE_MAX_RATE, LTE_EFFICIENCY * np.log2(1 + sinr / LTE_GAP))


def rate_function(model: str):  # noqa: ANN201 - one of the two functions above
    """``shannon_rates`` or ``lte_rates`` by name."""
    models = {"shannon": shannon_rates, "lte": lte_rates}
    if model not in models:
        raise ValueError(f"rate model must be one of {sorted(models)}, got {model!r}")
    return models[model]


def ergodic_metrics(rates: np.ndarray, f_min: float = F_MIN) -> dict[str, float]:
    """Metrics of Section V-A from per-step rates [T, N]: the ergodic rate of a pair is
    its mean over the T steps; mean rate, 5th / 10th percentiles over pairs, and the
    share of pairs whose ergodic rate is >= f_min."""
    ergodic = np.asarray(rates, float).mean(axis=0)
    return {"mean_rate": float(ergodic.mean()),
            "p5_rate": float(np.percentile(ergodic, 5)),
            "p10_rate": float(np.percentile(ergodic, 10)),
            "feasible_share": float(np.mean(ergodic >= f_min))}


def lagrangian(rates: np.ndarray, mu: np.ndarray, f_min: float = F_MIN) -> np.ndarray:
    """Mean rate + mean_i mu_i (rate_i - f_min): the constrained reward, over the last axis."""
    rates = np.asarray(rates, float)
    return rates.mean(axis=-1) + (np.asarray(mu) * (rates - f_min)).mean(axis=-1)


def normalise_gains(gains: np.ndarray, pmax_w: float, noise_w: float) -> np.ndarray:
    """The observation's gains: log10(G Pmax / noise) / 4 (full-power SNR in dB / 40)."""
    return np.log10(np.asarray(gains, float) * pmax_w / noise_w) / 4


def snr_from_observation(x: np.ndarray) -> np.ndarray:
    """Full-power SNR G Pmax / noise of the observation's normalised gains x: the twin
    needs nothing else."""
    return 10.0 ** (4.0 * np.asarray(x, float))


def gains_from_observation(x: np.ndarray, pmax_w: float, noise_w: float) -> np.ndarray:
    """Inverse of :func:`normalise_gains`."""
    return snr_from_observation(x) * noise_w / pmax_w


def config_from_params(params: dict) -> InterferenceConfig:
    """The twin's config for the ns-3 scenario's parameters (``ScenarioEnv.params``)."""
    return InterferenceConfig(
        pairs=int(params["pairs"]), density=float(params["density"]),
        min_rx_dist_m=float(params["minRxDistM"]), max_rx_dist_m=float(params["maxRxDistM"]),
        min_tx_dist_m=float(params["minTxDistM"]), shadowing_db=float(params["shadowingDb"]),
        carrier_ghz=float(params["carrierGhz"]), speed_mps=float(params["speedMps"]),
        step_s=float(params["stepMs"]) / 1e3, pmax_w=float(params["pmaxMw"]) / 1e3,
        bandwidth_hz=float(params["bandwidthMHz"]) * 1e6,
        noise_dbm_hz=float(params["noiseDbmHz"]), drop_tries=int(params["dropTries"]))
