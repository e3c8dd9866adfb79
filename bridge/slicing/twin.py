"""The closed-form twin: paper A's system model (Section II) in NumPy.

For gains [U, R] (dB, flat over the carrier) and an :class:`Allocation`:

- PRB power of RU r on RBG g: p[r, g] = P_r^max / K * 10^(P_A[level of owner] / 10), or 0
  when the RBG is unused at r.
- SINR of the owner u of RBG g at RU r (eq. 3): p[r, g] |h_ur|^2 / (N_0 B_PRB NF +
  sum_{j != r} p[j, g] |h_uj|^2): the interference comes from the other RUs sending on g.
- Rate of u: sum over its RBGs of n_PRB(g) * B_PRB * log2(1 + SINR) (Shannon; or the
  TR 36.942 attenuated, truncated form with ``link_model="tr36942"``).
- Delay of u: D_u = L_slice / R_u (packet bits over rate; inf when R_u = 0).
- RU power: sum over its PRBs (constraint 6); RU capacity C_r: the sum of its UEs' rates (7).
- QoS: eMBB R >= 10 Mbps; URLLC R >= 2 Mbps and D <= 1 ms; mMTC R >= 0.04 Mbps.
- Reward (III-B): Theta_r * sum rate (Mbps) + Theta_const * (share of UEs meeting QoS) +
  Theta_bias.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bridge.slicing.allocation import Allocation, ru_power_use, violations
from bridge.slicing.config import SlicingConfig


@dataclass(frozen=True)
class TwinResult:
    """What the twin computes for one allocation."""

    sinr: np.ndarray
    """SINR of the owner of each (RU, RBG), [R, G] linear; 0 where unused."""
    rate_mbps: np.ndarray
    """Rate of each UE, [U] (Mbps)."""
    delay_ms: np.ndarray
    """Transmission delay L / R of each UE, [U] (ms; inf when unserved)."""
    ru_power_w: np.ndarray
    """Power each RU sends, [R] (W)."""
    ru_rate_mbps: np.ndarray
    """Capacity in use C_r, the sum of its UEs' rates, [R] (Mbps)."""
    qos_ok: np.ndarray
    """Whether each UE meets its slice's QoS, [U] bool."""
    qos_by_slice: np.ndarray
    """Share of each slice's UEs meeting QoS, [3] (nan for an empty slice)."""
    sum_rate_mbps: float
    reward: float
    violations: tuple[str, ...]
    """Constraints the allocation breaks (empty: feasible)."""

    @property
    def feasible(self) -> bool:
        return not self.violations


def prb_powers_w(cfg: SlicingConfig, alloc: Allocation) -> np.ndarray:
    """Power per PRB each RU sends on each RBG, [R, G] (W)."""
    factors = cfg.level_factors[alloc.power_level]
    owner = alloc.prb_owner
    return np.where(owner >= 0, cfg.prb_power_w * factors[np.maximum(owner, 0)], 0.0)


TR36942_ALPHA = 0.6
TR36942_MIN_SINR_DB = -10.0
TR36942_MAX_BPS_HZ = 4.4


def spectral_efficiency(cfg: SlicingConfig, sinr: np.ndarray) -> np.ndarray:
    """bit/s/Hz of a PRB at linear ``sinr``; non-decreasing, so bounds on SINR bound it."""
    shannon = np.log2(1.0 + sinr)
    if cfg.link_model == "shannon":
        return shannon
    attenuated = np.minimum(TR36942_ALPHA * shannon, TR36942_MAX_BPS_HZ)
    return np.where(sinr >= 10.0 ** (TR36942_MIN_SINR_DB / 10.0), attenuated, 0.0)


def option_rates(cfg: SlicingConfig, gain: np.ndarray, owners: np.ndarray,
                 factor: np.ndarray) -> np.ndarray:
    """Per-PRB rate (Mbps) of each RU's owner in per-RBG options, [O, R].

    ``owners`` [O, R] is the UE at each RU (-1: the RU is silent), ``factor`` [O, R] its
    power factor, ``gain`` [U, R] linear. Eq. (3): the other RUs of the option interfere.
    """
    used = owners >= 0
    power = cfg.prb_power_w * np.where(used, factor, 0.0)
    received = gain[np.maximum(owners, 0)] * power[:, None, :]  # [O, at RU r, from RU j]
    rus = np.arange(cfg.n_rus)
    signal = received[:, rus, rus]
    sinr = signal / (cfg.prb_noise_w + received.sum(axis=2) - signal)
    return np.where(used, cfg.prb_bandwidth_hz * spectral_efficiency(cfg, sinr) / 1e6, 0.0)


def reward_of(cfg: SlicingConfig, rate_mbps: np.ndarray, qos_ok: np.ndarray) -> np.ndarray:
    """Paper III-B reward; works on [..., U] batches."""
    return (cfg.theta_rate * rate_mbps.sum(axis=-1)
            + cfg.theta_const * qos_ok.mean(axis=-1) + cfg.theta_bias)


def qos_of(cfg: SlicingConfig, rate_mbps: np.ndarray) -> np.ndarray:
    """QoS met, [..., U] bool: rate >= the UE's need (URLLC's delay is folded in)."""
    return rate_mbps >= cfg.min_rate_mbps


def evaluate(cfg: SlicingConfig, gain_db: np.ndarray, alloc: Allocation) -> TwinResult:
    """The system model for ``alloc`` under ``gain_db`` [U, R]."""
    gain_db = np.asarray(gain_db, dtype=np.float64)
    if gain_db.shape != (cfg.n_ues, cfg.n_rus):
        raise ValueError(f"gain_db: shape {gain_db.shape}, expected ({cfg.n_ues}, {cfg.n_rus})")
    broken = tuple(violations(cfg, alloc))
    sinr, rate = ue_rates(cfg, np.power(10.0, gain_db / 10.0), alloc)
    return _finish(cfg, alloc, sinr, rate, broken)


def ue_rates(cfg: SlicingConfig, gain: np.ndarray, alloc: Allocation
             ) -> tuple[np.ndarray, np.ndarray]:
    """SINR of the owner of each (RU, RBG) [R, G] and rate of each UE [U] (Mbps), for
    linear gains ``gain`` [U, R]: eq. (3), the other RUs sending on the RBG interfere."""
    power = prb_powers_w(cfg, alloc)
    owner = alloc.prb_owner
    used = owner >= 0
    ue = np.maximum(owner, 0)
    # received[r, g, j]: power from RU j at the owner of (r, g)
    received = gain[ue] * power.T[None, :, :]
    rus = np.arange(cfg.n_rus)[:, None]
    signal = received[rus, np.arange(cfg.n_rbgs)[None, :], rus]
    interference = received.sum(axis=2) - signal
    sinr = np.where(used, signal / (cfg.prb_noise_w + interference), 0.0)
    bits = cfg.rbg_prbs[None, :] * cfg.prb_bandwidth_hz * spectral_efficiency(cfg, sinr) / 1e6
    rate = np.zeros(cfg.n_ues)
    np.add.at(rate, owner[used], bits[used])
    return sinr, rate


def _finish(cfg: SlicingConfig, alloc: Allocation, sinr: np.ndarray, rate: np.ndarray,
            broken: tuple[str, ...]) -> TwinResult:
    packet_bits = np.asarray(cfg.packet_bytes, dtype=np.float64)[cfg.ue_slice] * 8.0
    with np.errstate(divide="ignore"):
        delay = np.where(rate > 0, packet_bits / np.maximum(rate, 1e-300) / 1e3, np.inf)
    ru_rate = np.bincount(alloc.association, weights=rate, minlength=cfg.n_rus)
    if np.any(ru_rate > cfg.ru_capacity_mbps):
        broken = (*broken, f"RU capacity over {cfg.ru_capacity_mbps} Mbps: "
                  f"{np.round(ru_rate, 3).tolist()}")
    qos = qos_of(cfg, rate)
    slice_of = cfg.ue_slice
    members = np.bincount(slice_of, minlength=3)
    met = np.bincount(slice_of, weights=qos.astype(np.float64), minlength=3)
    by_slice = np.where(members > 0, met / np.maximum(members, 1), np.nan)
    return TwinResult(
        sinr=sinr, rate_mbps=rate, delay_ms=delay,
        ru_power_w=ru_power_use(cfg, alloc) * cfg.prb_power_w * cfg.n_prbs,
        ru_rate_mbps=ru_rate, qos_ok=qos, qos_by_slice=by_slice,
        sum_rate_mbps=float(rate.sum()), reward=float(reward_of(cfg, rate, qos)),
        violations=broken,
    )
