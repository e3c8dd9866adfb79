"""``SlicingConfig``: the O-RAN slicing scenario of paper A (Table I), as both sides see it.

The ns-3 program and the Python side (twin, solvers, action decoders) read the same
numbers; the defaults are Table I's, with LTE's 10 MHz carrier (50 PRBs of 180 kHz,
type-0 allocation in resource block groups of 3 PRBs) and LTE's P_A power offsets as
the discrete power levels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

SLICE_NAMES: tuple[str, ...] = ("embb", "urllc", "mmtc")
"""The three slices, in the order UEs are numbered and queues reported."""

EMBB, URLLC, MMTC = 0, 1, 2

LTE_PA_DB: tuple[float, ...] = (-6.0, -4.77, -3.0, -1.77, 0.0, 1.0, 2.0, 3.0)
"""LTE P_A values (3GPP TS 36.213/36.331): per-RE power offset relative to nominal, dB."""


@dataclass(frozen=True)
class SlicingConfig:
    """One O-RAN slicing scenario: RUs, UEs, spectrum, power, QoS and reward weights."""

    n_rus: int = 3
    """Number of O-RUs R (single antenna each), >= 1."""
    n_ues: int = 25
    """Number of UEs U, >= 1."""
    slice_shares: tuple[tuple[str, float], ...] = (("embb", 0.4), ("urllc", 0.4), ("mmtc", 0.2))
    """(slice name, share of the UEs) pairs over embb/urllc/mmtc; shares sum to 1."""
    n_prbs: int = 50
    """PRBs K of the carrier (50 = LTE 10 MHz), > 0."""
    rbg_size: int = 3
    """PRBs per resource block group (LTE type-0: 3 at 10 MHz); the last RBG may be smaller."""
    prb_bandwidth_hz: float = 180e3
    """Bandwidth of one PRB (Hz), > 0."""
    bandwidth_hz: float = 10e6
    """Carrier bandwidth (Hz), > 0; what the ns-3 program configures."""
    ru_power_dbm: float = 46.0
    """Maximum transmit power of an O-RU over the whole carrier, P_r^max (dBm)."""
    noise_dbm_hz: float = -174.0
    """Thermal noise power spectral density N_0 (dBm/Hz)."""
    noise_figure_db: float = 9.0
    """UE receiver noise figure (dB), >= 0."""
    power_levels_db: tuple[float, ...] = LTE_PA_DB
    """Per-PRB power offsets a UE can be given, relative to nominal P_r^max / K (dB);
    ascending, the lowest <= 0 dB so that any PRB map fits the budget at the lowest level."""
    embb_min_rate_mbps: float = 10.0
    """eMBB QoS: minimum rate (Mbps)."""
    urllc_min_rate_mbps: float = 2.0
    """URLLC QoS: minimum rate (Mbps)."""
    urllc_max_delay_ms: float = 10.0
    """URLLC QoS: maximum transmission delay L / R (ms), > 0; the program's default
    (Table I: 1 ms, which LTE's one-way delays never meet). At either value URLLC's
    2 Mbit/s is the binding need in the twin (L / D = 0.16 or 1.6 Mbit/s)."""
    mmtc_min_rate_mbps: float = 0.04
    """mMTC QoS (delivery): the rate that carries its load, 100 B / 20 ms (Mbps), > 0."""
    packet_bytes: tuple[int, int, int] = (1200, 200, 100)
    """Average packet size L per slice (embb, urllc, mmtc), bytes, > 0."""
    link_model: str = "shannon"
    """Spectral efficiency of a PRB: ``shannon`` (log2(1 + SINR), the paper's) or
    ``tr36942`` (TR 36.942 A.2 attenuated, truncated Shannon: 0.6 log2(1 + SINR) from
    -10 dB, capped at 4.4 bit/s/Hz; closer to LTE's MCS tables)."""
    fixed_association: bool = False
    """Keep every UE on its strongest RU (the ns-3 program with ``handover=false``);
    solvers then choose RBGs and power only."""
    ru_capacity_mbps: float = math.inf
    """O-RU capacity C_r^max (Mbps), constraint (7); inf = unconstrained."""
    theta_rate: float = 0.01
    """Reward weight Theta_r per Mbps of aggregate rate, >= 0."""
    theta_const: float = 1.0
    """Reward weight Theta_const of the constraint term (share of UEs meeting QoS), >= 0."""
    theta_bias: float = 0.0
    """Reward bias Theta_bias."""

    def __post_init__(self) -> None:
        _check_int("n_rus", self.n_rus, 1, 64)
        _check_int("n_ues", self.n_ues, 1, 10_000)
        _check_int("n_prbs", self.n_prbs, 1, 1000)
        _check_int("rbg_size", self.rbg_size, 1, 1000)
        for name in ("prb_bandwidth_hz", "bandwidth_hz", "urllc_max_delay_ms",
                     "mmtc_min_rate_mbps", "ru_capacity_mbps"):
            _check_range(name, getattr(self, name), 0.0, math.inf, open_low=True)
        for name in ("noise_figure_db", "embb_min_rate_mbps", "urllc_min_rate_mbps",
                     "theta_rate", "theta_const"):
            _check_range(name, getattr(self, name), 0.0, math.inf)
        _check_range("ru_power_dbm", self.ru_power_dbm, -30.0, 80.0)
        _check_range("noise_dbm_hz", self.noise_dbm_hz, -250.0, 50.0)
        _check_range("theta_bias", self.theta_bias, -math.inf, math.inf)
        if self.link_model not in ("shannon", "tr36942"):
            raise ValueError(f"link_model: {self.link_model!r} is not one of shannon, tr36942")
        _check_shares(self.slice_shares)
        _check_levels(self.power_levels_db)
        if len(self.packet_bytes) != 3 or min(self.packet_bytes) <= 0:
            raise ValueError(f"packet_bytes: {self.packet_bytes!r} must be 3 sizes in [1, inf)")

    @property
    def n_rbgs(self) -> int:
        """G = ceil(K / rbg_size) resource block groups (17 at the defaults)."""
        return -(-self.n_prbs // self.rbg_size)

    @property
    def n_levels(self) -> int:
        """L, the number of power levels."""
        return len(self.power_levels_db)

    @property
    def rbg_prbs(self) -> np.ndarray:
        """PRBs in each RBG, [G] int: rbg_size each, the remainder in the last."""
        sizes = np.full(self.n_rbgs, self.rbg_size, dtype=np.int64)
        sizes[-1] = self.n_prbs - self.rbg_size * (self.n_rbgs - 1)
        return sizes

    @property
    def level_factors(self) -> np.ndarray:
        """Linear power factor of each level, [L]."""
        return np.power(10.0, np.asarray(self.power_levels_db) / 10.0)

    @property
    def prb_power_w(self) -> float:
        """Nominal power per PRB, P_r^max / K (W)."""
        return float(10.0 ** ((self.ru_power_dbm - 30.0) / 10.0) / self.n_prbs)

    @property
    def prb_noise_w(self) -> float:
        """Noise power in one PRB at the UE, N_0 * B_PRB * NF (W)."""
        dbm = self.noise_dbm_hz + self.noise_figure_db + 10.0 * math.log10(self.prb_bandwidth_hz)
        return float(10.0 ** ((dbm - 30.0) / 10.0))

    @property
    def slice_counts(self) -> tuple[int, int, int]:
        """UEs per slice: round-half-up(share * U) eMBB, then URLLC, the rest mMTC."""
        shares = dict(self.slice_shares)
        n_embb = min(self.n_ues, math.floor(shares.get("embb", 0.0) * self.n_ues + 0.5))
        n_urllc = min(self.n_ues - n_embb,
                      math.floor(shares.get("urllc", 0.0) * self.n_ues + 0.5))
        return n_embb, n_urllc, self.n_ues - n_embb - n_urllc

    @property
    def ue_slice(self) -> np.ndarray:
        """Slice index (0 embb, 1 urllc, 2 mmtc) of each UE, [U] int."""
        return np.repeat(np.arange(3), self.slice_counts)

    @property
    def min_rate_mbps(self) -> np.ndarray:
        """Rate each UE needs for its QoS, [U] (URLLC: the larger of rate and L / D_max)."""
        urllc_delay_rate = self.packet_bytes[URLLC] * 8.0 / (self.urllc_max_delay_ms * 1e3)
        per_slice = np.array([self.embb_min_rate_mbps,
                              max(self.urllc_min_rate_mbps, urllc_delay_rate),
                              self.mmtc_min_rate_mbps])
        return per_slice[self.ue_slice]

    @property
    def canonical_level(self) -> int:
        """The level given to a UE that owns no RBG: the one closest to 0 dB."""
        return int(np.argmin(np.abs(np.asarray(self.power_levels_db))))


def _check_int(name: str, value: int, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not \
            low <= value <= high:
        raise ValueError(f"{name}: {value!r} is not an integer in [{low}, {high}]")


def _check_range(name: str, value: float, low: float, high: float,
                 open_low: bool = False) -> None:
    ok = isinstance(value, int | float | np.floating) and not math.isnan(value)
    if ok:
        ok = (value > low if open_low else value >= low) and value <= high
    if not ok:
        bracket = "(" if open_low else "["
        raise ValueError(f"{name}: {value!r} is outside {bracket}{low}, {high}]")


def _check_shares(shares: tuple[tuple[str, float], ...]) -> None:
    names = [name for name, _ in shares]
    for name, share in shares:
        if name not in SLICE_NAMES:
            raise ValueError(f"slice_shares: unknown slice {name!r}; known: "
                             f"{', '.join(SLICE_NAMES)}")
        _check_range(f"slice_shares[{name}]", share, 0.0, 1.0)
    if len(set(names)) != len(names):
        raise ValueError(f"slice_shares: a slice is named twice in {names}")
    total = sum(share for _, share in shares)
    if abs(total - 1.0) > 1e-9:
        raise ValueError(f"slice_shares: shares sum to {total}, not 1 (range [1, 1])")


def _check_levels(levels: tuple[float, ...]) -> None:
    if not levels or any(not math.isfinite(v) for v in levels):
        raise ValueError(f"power_levels_db: {levels!r} must be finite dB values")
    if list(levels) != sorted(set(levels)):
        raise ValueError(f"power_levels_db: {levels!r} must be strictly ascending")
    if levels[0] > 0.0 or levels[-1] > 30.0:
        raise ValueError(f"power_levels_db: lowest {levels[0]} must be in [-inf, 0] dB "
                         f"and highest {levels[-1]} in [lowest, 30] dB")
