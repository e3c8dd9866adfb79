"""Python drops of the slicing scenario's geometry, for data sets without ns-3 and tests.

RU sites lie on a hexagonal grid (site 0 at the origin, then the rings around it) with
inter-site distance sqrt(3) * cell radius. UE u belongs to site u mod R and is placed
uniformly in the annulus min_distance .. cell radius around it. Each (UE, RU) link is
LOS or NLOS by the TR 38.901 UMa LOS probability, with the UMa path loss (Table 7.4.1-1)
and log-normal shadowing (sigma 4 dB LOS, 6 dB NLOS), independent per link.

Design fact: paper A states a path-loss exponent of 3.76, which is that of the classic
macro model PL = 128.1 + 37.6 log10(d / km) (TR 36.942), not of 38.901 UMa (NLOS slope
39.08 dB/decade, LOS 22 then 40). ``pathloss="macro-3.76"`` gives that model (shadowing
sigma 8 dB) for comparison; the default is 38.901 UMa.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from bridge.slicing.config import SlicingConfig

SPEED_OF_LIGHT = 299_792_458.0


@dataclass(frozen=True)
class DropConfig:
    """Geometry and channel of a drop."""

    cell_radius_m: float = 400.0
    """Cell radius; UEs lie within it of their site (m), > min_distance_m."""
    min_distance_m: float = 35.0
    """Minimum 2-D UE-site distance (38.901 UMa: 35 m)."""
    bs_height_m: float = 25.0
    """RU antenna height (m), > 1."""
    ue_height_m: float = 1.5
    """UE antenna height (m), in (1, 13] (38.901's C'(h_UT) = 0 range)."""
    carrier_ghz: float = 2.12
    """Carrier frequency (GHz): LTE band 1 downlink, ns-3's default EARFCN 100."""
    pathloss: str = "uma"
    """``uma`` (TR 38.901 UMa LOS/NLOS) or ``macro-3.76`` (128.1 + 37.6 log10 d_km)."""
    shadowing: bool = True
    """Draw log-normal shadowing."""

    def __post_init__(self) -> None:
        if not 0 < self.min_distance_m < self.cell_radius_m:
            raise ValueError(f"min_distance_m: {self.min_distance_m} is outside "
                             f"(0, cell_radius_m={self.cell_radius_m})")
        if not 1.0 < self.bs_height_m <= 150.0:
            raise ValueError(f"bs_height_m: {self.bs_height_m} is outside (1, 150]")
        if not 1.0 < self.ue_height_m <= 13.0:
            raise ValueError(f"ue_height_m: {self.ue_height_m} is outside (1, 13]")
        if not 0.5 <= self.carrier_ghz <= 100.0:
            raise ValueError(f"carrier_ghz: {self.carrier_ghz} is outside [0.5, 100]")
        if self.pathloss not in ("uma", "macro-3.76"):
            raise ValueError(f"pathloss: {self.pathloss!r} is not one of uma, macro-3.76")


class Drop(NamedTuple):
    """One drop: positions, link states and gains."""

    site_xy: np.ndarray
    """RU positions [R, 2] (m)."""
    ue_xy: np.ndarray
    """UE positions [U, 2] (m)."""
    home: np.ndarray
    """Site each UE was dropped around, [U]."""
    los: np.ndarray
    """Whether each (UE, RU) link is LOS, [U, R] bool."""
    gain_db: np.ndarray
    """Channel gain -(path loss + shadowing), [U, R] (dB)."""


def hex_sites(n_sites: int, spacing_m: float) -> np.ndarray:
    """The first ``n_sites`` points of a hexagonal grid, by distance from the origin then
    angle (counter-clockwise from the x axis), [n, 2]."""
    rings = 1
    while 1 + 3 * rings * (rings + 1) < n_sites:
        rings += 1
    points = []
    for i in range(-rings, rings + 1):
        for j in range(-rings, rings + 1):
            if abs(i + j) <= rings:
                x = spacing_m * (i + j / 2.0)
                y = spacing_m * (j * math.sqrt(3.0) / 2.0)
                points.append((round(math.hypot(x, y), 6), math.atan2(y, x) % (2 * math.pi),
                               x, y))
    points.sort()
    return np.array([(x, y) for _, _, x, y in points[:n_sites]])


def uma_los_probability(d2d_m: np.ndarray) -> np.ndarray:
    """TR 38.901 Table 7.4.2-1, UMa, h_UT <= 13 m."""
    d = np.maximum(d2d_m, 1e-9)
    return np.where(d <= 18.0, 1.0, 18.0 / d + np.exp(-d / 63.0) * (1.0 - 18.0 / d))


def uma_pathloss_db(d2d_m: np.ndarray, los: np.ndarray, dc: DropConfig) -> np.ndarray:
    """TR 38.901 Table 7.4.1-1, UMa (f_c in GHz, distances in m)."""
    h_bs, h_ut, fc = dc.bs_height_m, dc.ue_height_m, dc.carrier_ghz
    d3d = np.sqrt(d2d_m**2 + (h_bs - h_ut) ** 2)
    breakpoint_m = 4.0 * (h_bs - 1.0) * (h_ut - 1.0) * fc * 1e9 / SPEED_OF_LIGHT
    pl1 = 28.0 + 22.0 * np.log10(d3d) + 20.0 * math.log10(fc)
    pl2 = (28.0 + 40.0 * np.log10(d3d) + 20.0 * math.log10(fc)
           - 9.0 * math.log10(breakpoint_m**2 + (h_bs - h_ut) ** 2))
    pl_los = np.where(d2d_m <= breakpoint_m, pl1, pl2)
    pl_nlos = 13.54 + 39.08 * np.log10(d3d) + 20.0 * math.log10(fc) - 0.6 * (h_ut - 1.5)
    return np.where(los, pl_los, np.maximum(pl_los, pl_nlos))


def draw(cfg: SlicingConfig, rng: np.random.Generator, dc: DropConfig | None = None) -> Drop:
    """One drop of ``cfg.n_rus`` sites and ``cfg.n_ues`` UEs."""
    dc = dc or DropConfig()
    sites = hex_sites(cfg.n_rus, math.sqrt(3.0) * dc.cell_radius_m)
    home = np.arange(cfg.n_ues) % cfg.n_rus
    r_min, r_max = dc.min_distance_m, dc.cell_radius_m
    radius = np.sqrt(rng.uniform(r_min**2, r_max**2, cfg.n_ues))  # uniform over the area
    angle = rng.uniform(0.0, 2.0 * math.pi, cfg.n_ues)
    ue_xy = sites[home] + radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    d2d = np.maximum(np.linalg.norm(ue_xy[:, None, :] - sites[None, :, :], axis=2), r_min)
    if dc.pathloss == "uma":
        los = rng.uniform(size=d2d.shape) < uma_los_probability(d2d)
        loss = uma_pathloss_db(d2d, los, dc)
        sigma = np.where(los, 4.0, 6.0)
    else:
        los = np.zeros(d2d.shape, dtype=bool)
        loss = 128.1 + 37.6 * np.log10(d2d / 1e3)
        sigma = np.full(d2d.shape, 8.0)
    shadow = rng.normal(0.0, 1.0, d2d.shape) * sigma if dc.shadowing else 0.0
    return Drop(sites, ue_xy, home, los, -(loss + shadow))
