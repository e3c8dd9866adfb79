"""The contract between the ns-3 program ``ran-gym-oran-slicing`` and the Python side.

Both sides build to this text; the functions below compute every size and offset from a
:class:`~bridge.slicing.config.SlicingConfig`.

Names: R O-RUs (``n_rus``, default 3), U UEs (``n_ues``, default 25), K PRBs
(``n_prbs``, 50 = LTE 10 MHz), G = ceil(K / rbg_size) RBGs (rbg_size 3: G = 17, LTE
type-0 allocation; the last RBG holds K - 3 * 16 = 2 PRBs), L power levels (LTE P_A
offsets [-6, -4.77, -3, -1.77, 0, 1, 2, 3] dB, L = 8).

Slice of a UE (deterministic): UEs 0 .. E-1 are eMBB, E .. E+V-1 URLLC, the rest mMTC,
with E = floor(0.4 U + 1/2) and V = min(U - E, floor(0.4 U + 1/2)) at the default
shares (round half up, as C++ ``std::floor(x + 0.5)``): U = 25 gives 10 / 10 / 5.

Native action (a Dict space; keys in this order):
- ``"association"``: Box int32 [U], values 0 .. R-1: the RU serving each UE.
- ``"prb_owner"``: Box int32 [R, G] (row-major, RU-major), values -1 .. U-1: the UE
  that owns RBG g at RU r, -1 = unused. The owner must be associated to that RU; an RU
  sends nothing on an unused RBG.
- ``"power_level"``: Box int32 [U], values 0 .. L-1: index into the power levels. Every
  PRB of UE u is sent at P_r^max / K * 10^(P_A[level_u] / 10). The RU's total,
  sum over its owned PRBs, must stay within P_r^max (the decoders guarantee it).

Observation (Box float32, flat, in this order; offsets from :func:`observation_slices`):
- ``qos_ok`` [U]: 1.0 if the UE met its slice's QoS over the last step, else 0.0
  (eMBB rate >= 10 Mbps; URLLC rate >= 2 Mbps and mean delay <= 1 ms; mMTC: every
  byte sent was delivered). The twin reads URLLC's delay as L / R and mMTC delivery as
  a rate of at least the mMTC offered load (100 B every 20 ms = 0.04 Mbps).
- ``gain_db_norm`` [U * R] (u-major: index u * R + r): normalised channel gain between
  UE u and RU r, (gain_dB + 120) / 40, not clipped; gain_dB = 40 * x - 120 inverts it
  (:func:`gain_db_from_norm`). gain_dB = -(path loss + shadowing), antenna gains 0 dBi.
- ``throughput_mbps`` [U]: received rate of each UE over the last step (Mbps).
- ``delay_ms`` [U]: mean packet delay of each UE over the last step (ms).
- ``slice_queue_bytes`` [3]: bytes queued per slice (embb, urllc, mmtc) at the RUs.

The observation at reset reports the warm-up (or zeros, for a Python drop: see
:func:`make_observation`); the gains are what solvers and decoders read from it.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import gymnasium as gym
import numpy as np

from bridge.slicing.config import SlicingConfig

GAIN_OFFSET_DB = 120.0
"""gain_db_norm = (gain_dB + GAIN_OFFSET_DB) / GAIN_SCALE_DB."""
GAIN_SCALE_DB = 40.0

OBSERVATION_FIELDS: tuple[str, ...] = (
    "qos_ok", "gain_db_norm", "throughput_mbps", "delay_ms", "slice_queue_bytes",
)
ACTION_KEYS: tuple[str, ...] = ("association", "prb_owner", "power_level")


def field_sizes(cfg: SlicingConfig) -> dict[str, int]:
    """Length of each observation field, in order."""
    u, r = cfg.n_ues, cfg.n_rus
    return {"qos_ok": u, "gain_db_norm": u * r, "throughput_mbps": u, "delay_ms": u,
            "slice_queue_bytes": 3}


def observation_slices(cfg: SlicingConfig) -> dict[str, slice]:
    """Where each field lies in the flat observation."""
    slices, start = {}, 0
    for name, size in field_sizes(cfg).items():
        slices[name] = slice(start, start + size)
        start += size
    return slices


def observation_size(cfg: SlicingConfig) -> int:
    """Length of the flat observation: 3U + U R + 3 (153 at the defaults)."""
    return sum(field_sizes(cfg).values())


PROGRAM_OBS_BOUNDS = (-10.0, 1e9)
"""The (scalar) Box bounds the program sends for its observation space (slicing-env.cc)."""


def program_observation_space(cfg: SlicingConfig) -> gym.spaces.Box:
    """The observation space exactly as the ns-3 program declares it."""
    return gym.spaces.Box(*PROGRAM_OBS_BOUNDS, (observation_size(cfg),), np.float32)


def observation_space(cfg: SlicingConfig) -> gym.spaces.Box:
    return gym.spaces.Box(-np.inf, np.inf, (observation_size(cfg),), np.float32)


def native_action_space(cfg: SlicingConfig) -> gym.spaces.Dict:
    """The Dict action the ns-3 program accepts (per-element bounds)."""
    u, r, g, levels = cfg.n_ues, cfg.n_rus, cfg.n_rbgs, cfg.n_levels
    return gym.spaces.Dict(OrderedDict([
        ("association", gym.spaces.Box(0, r - 1, (u,), np.int32)),
        ("prb_owner", gym.spaces.Box(-1, u - 1, (r, g), np.int32)),
        ("power_level", gym.spaces.Box(0, levels - 1, (u,), np.int32)),
    ]))


def split_observation(obs: Any, cfg: SlicingConfig) -> dict[str, np.ndarray]:
    """The flat observation as named arrays; ``gain_db_norm`` comes back as [U, R]."""
    flat = np.asarray(obs, dtype=np.float64).reshape(-1)
    if flat.size != observation_size(cfg):
        raise ValueError(f"observation: {flat.size} values, expected {observation_size(cfg)} "
                         f"for U={cfg.n_ues}, R={cfg.n_rus}")
    parts = {name: flat[where].copy() for name, where in observation_slices(cfg).items()}
    parts["gain_db_norm"] = parts["gain_db_norm"].reshape(cfg.n_ues, cfg.n_rus)
    return parts


def gain_db_from_norm(norm: Any) -> np.ndarray:
    return np.asarray(norm, dtype=np.float64) * GAIN_SCALE_DB - GAIN_OFFSET_DB


def norm_from_gain_db(gain_db: Any) -> np.ndarray:
    return (np.asarray(gain_db, dtype=np.float64) + GAIN_OFFSET_DB) / GAIN_SCALE_DB


def gains_from_observation(obs: Any, cfg: SlicingConfig) -> np.ndarray:
    """Channel gains in dB, [U, R], read back from an observation."""
    return gain_db_from_norm(split_observation(obs, cfg)["gain_db_norm"])


def make_observation(cfg: SlicingConfig, gain_db: Any, qos_ok: Any = None,
                     throughput_mbps: Any = None, delay_ms: Any = None,
                     slice_queue_bytes: Any = None) -> np.ndarray:
    """A flat float32 observation; fields left out are zeros (as at reset)."""
    u = cfg.n_ues
    gains = np.asarray(gain_db, dtype=np.float64)
    if gains.shape != (u, cfg.n_rus):
        raise ValueError(f"gain_db: shape {gains.shape}, expected ({u}, {cfg.n_rus})")
    parts = [
        np.zeros(u) if qos_ok is None else np.asarray(qos_ok, dtype=np.float64),
        norm_from_gain_db(gains).reshape(-1),
        np.zeros(u) if throughput_mbps is None else np.asarray(throughput_mbps, np.float64),
        np.zeros(u) if delay_ms is None else np.asarray(delay_ms, np.float64),
        np.zeros(3) if slice_queue_bytes is None else np.asarray(slice_queue_bytes, np.float64),
    ]
    return np.concatenate(parts).astype(np.float32)
