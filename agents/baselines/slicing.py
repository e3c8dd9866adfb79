"""Classic baselines of the oran-slicing scenario, acting in its native Dict action.

- :class:`MaxSinrAgent`: every UE on its strongest O-RU, the RU's RBGs dealt out in
  turn among its UEs, the highest power levels the RU's budget allows.
- :class:`QosGreedyAgent`: every UE on its strongest O-RU, each O-RU's RBGs to the UEs
  whose QoS costs the fewest RBGs first, then to unmet load (bridge.slicing.greedy).
- :class:`TwinSearchAgent`: qos-greedy's allocation improved by coordinate ascent on
  the twin's one-step reward (a planner on the twin's model).
- :class:`EsaAgent`: the twin's exact optimum (:func:`bridge.slicing.esa.solve`) under
  the gains of the latest observation, at every step; small networks only.
- :class:`MilpAgent`: the twin's MILP allocation (:func:`bridge.slicing.milp.solve`:
  exact on small networks, else the bounds model's, with a certified gap) at any size,
  solved again only when the observed long-term gains move.
- :class:`Ns3PfAgent`, :class:`Ns3RrAgent`: ns-3's own proportional-fair / round-robin
  schedulers decide. The agent only observes; its ``scenario_params`` name the scheduler
  the scenario must be run with, and ``ran-gym evaluate`` applies them.
"""

from __future__ import annotations

import abc
import dataclasses
import math
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np

from bridge.slicing import esa, greedy, milp, shares
from bridge.slicing.allocation import Allocation, repair_power
from bridge.slicing.config import LTE_PA_DB, SlicingConfig
from bridge.slicing.layout import gains_from_observation
from bridge.slicing.solution import Solution, strongest_ru
from bridge.slicing.twin_env import OranSlicingTwinEnv

ESA_MAX_CANDIDATES = 5_000_000
"""The ESA agent refuses networks whose search may exceed this (about 2 s a decision)."""


def slicing_config(env: gym.Env) -> SlicingConfig:
    """The SlicingConfig of an oran-slicing env: the wrapper's own when it carries one,
    else the one its program parameters stand for."""
    cfg = getattr(env, "cfg", None)
    if isinstance(cfg, SlicingConfig):
        return cfg
    from bridge.slicing.params import config_for

    params = getattr(env.unwrapped, "params", None)
    if params is None or "nUes" not in params:
        raise TypeError("these agents act in the oran-slicing scenario only")
    return config_for(params)


class _SlicingAgent(abc.ABC):
    """Reads the gains from the observation; subclasses choose the allocation."""

    def __init__(self, env: gym.Env, seed: int | None = None):
        self.cfg = slicing_config(env)

    def predict(self, observation: Any, state: Any = None, episode_start: Any = None,
                deterministic: bool = True) -> tuple[dict[str, np.ndarray], Any]:
        gains = gains_from_observation(observation, self.cfg)
        return self.allocate(gains).to_native(), None

    @abc.abstractmethod
    def allocate(self, gain_db: np.ndarray) -> Allocation:
        """The allocation for the long-term gains [U, R] in dB."""


def equal_split(cfg: SlicingConfig, association: np.ndarray) -> np.ndarray:
    """prb_owner [R, G]: at each RU, RBG g to the (g mod n)-th of its n UEs."""
    owner = np.full((cfg.n_rus, cfg.n_rbgs), -1, dtype=np.int64)
    for ru in range(cfg.n_rus):
        members = np.flatnonzero(association == ru)
        if members.size:
            owner[ru] = members[np.arange(cfg.n_rbgs) % members.size]
    return owner


class MaxSinrAgent(_SlicingAgent):
    """Strongest-RU association, equal RBG split, full power within the budget."""

    def allocate(self, gain_db: np.ndarray) -> Allocation:
        association = strongest_ru(gain_db).astype(np.int64)
        owner = equal_split(self.cfg, association)
        top = np.full(self.cfg.n_ues, self.cfg.n_levels - 1, dtype=np.int64)
        return Allocation(association, owner, repair_power(self.cfg, association, owner, top))


class QosGreedyAgent(_SlicingAgent):
    """QoS first, then throughput, on the twin's LTE link fit (bridge.slicing.greedy):
    the demonstrator of "Diffusion-QL + demonstrations"."""

    def allocate(self, gain_db: np.ndarray) -> Allocation:
        return greedy.allocate(self.cfg, gain_db)


class TwinSearchAgent(_SlicingAgent):
    """qos-greedy's allocation improved by coordinate ascent on the twin's one-step reward
    (:meth:`OranSlicingTwinEnv.one_step_reward`, from empty queues): in the share form
    (:mod:`bridge.slicing.shares`), ``sweeps`` passes over the UEs, each trying the UE's
    every power level and one RBG more and one fewer, keeping whatever raises the twin's
    reward. A planner on the twin's model (like ``milp``), about 0.1 s a decision at 25
    UEs; it shows what the twin's optimum near the demonstrator is worth in ns-3
    (docs/slicing-agents.md, "What the twin cannot teach")."""

    def __init__(self, env: gym.Env, seed: int | None = None, sweeps: int = 2):
        super().__init__(env, seed)
        params = getattr(env.unwrapped, "params", None)
        if params is None:
            raise TypeError("twin-search acts in the oran-slicing scenario only")
        self.twin = OranSlicingTwinEnv({**params, "maxSteps": 1})
        if self.twin.cfg != self.cfg:
            raise ValueError("twin-search scores with the twin of the program's parameters; "
                             "SlicingConfig fields given beside them (e.g. power_levels_db) "
                             "are not modelled there")
        if sweeps < 1:
            raise ValueError(f"twin-search: sweeps must be >= 1, got {sweeps}")
        self.sweeps = int(sweeps)

    def allocate(self, gain_db: np.ndarray) -> Allocation:
        cfg = self.cfg
        x = shares.encode(cfg, greedy.allocate(cfg, gain_db))
        best = self._score(gain_db, x)
        u, r = cfg.n_ues, cfg.n_rus
        levels = shares.level_centres(cfg.n_levels)
        usable = shares.usable_rbgs(cfg)
        for _ in range(self.sweeps):
            for ue in range(u):
                rbgs = shares.claims(x[u * r + ue]) * usable
                moves = [(u * r + u + ue, v) for v in levels] + [
                    (u * r + ue, shares.share_of_rbgs(rbgs + d, usable)) for d in (-1.0, 1.0)]
                for index, value in moves:
                    y = x.copy()
                    y[index] = value
                    score = self._score(gain_db, y)
                    if score > best + 1e-9:
                        best, x = score, y
        return shares.decode(cfg, x, gain_db)

    def _score(self, gain_db: np.ndarray, x: np.ndarray) -> float:
        native = shares.decode(self.cfg, x, gain_db).to_native()
        return self.twin.one_step_reward(gain_db, native)


def esa_worst_case(cfg: SlicingConfig) -> int:
    """The most candidates ESA may evaluate for ``cfg``, over every drop."""
    if not cfg.fixed_association:
        return esa.candidate_count(cfg)
    sizes = [c.size for c in esa.rbg_classes(cfg)]
    worst = 0
    for split in esa._compositions(cfg.n_ues, cfg.n_rus):
        options = math.prod(k + 1 for k in split)
        worst = max(worst, math.prod(math.comb(options + g - 1, g) for g in sizes))
    return worst * cfg.n_levels ** cfg.n_ues


class EsaAgent(_SlicingAgent):
    """The exhaustive-search optimum of the twin, recomputed at every step."""

    def __init__(self, env: gym.Env, seed: int | None = None,
                 max_candidates: int = ESA_MAX_CANDIDATES):
        super().__init__(env, seed)
        count = esa_worst_case(self.cfg)
        if count > max_candidates:
            raise ValueError(
                f"esa: U={self.cfg.n_ues} UEs, R={self.cfg.n_rus} RUs, {self.cfg.n_rbgs} RBGs, "
                f"L={self.cfg.n_levels} power levels need up to {count:.3g} candidates per "
                f"decision, over the limit of {max_candidates:.3g} (ESA_MAX_CANDIDATES); "
                "use e.g. nUes<=3, nRus<=2 with power_levels_db=-6,-4.77,-3")

    def allocate(self, gain_db: np.ndarray) -> Allocation:
        return esa.solve(self.cfg, gain_db).allocation


class MilpAgent(_SlicingAgent):
    """The twin's MILP allocation for the observed long-term gains. The gains change
    only with the UEs' slow movement, so the solution is kept until some gain has moved
    by more than ``resolve_db`` from the one it was solved for (a new drop always does).
    ``time_limit_s`` bounds each MILP and each polish; the bounds model solves two, so a
    decision takes at most about 4 x that, within the simulator's 60 s wait.

    The twin's rates follow ``link_model``, by default LTE's fit (``tr36942``), which
    tracks ns-3's delivered rates where Shannon's overstates them about twofold
    (docs/slicing-solvers.md, "Twin against ns-3")."""

    def __init__(self, env: gym.Env, seed: int | None = None, time_limit_s: float = 8.0,
                 resolve_db: float = 1.0, link_model: str = "tr36942"):
        super().__init__(env, seed)
        self.cfg = dataclasses.replace(self.cfg, link_model=link_model)
        if not (math.isfinite(time_limit_s) and time_limit_s > 0):
            raise ValueError(f"milp: time_limit_s must be > 0 seconds, got {time_limit_s}")
        if not (math.isfinite(resolve_db) and resolve_db >= 0):
            raise ValueError(f"milp: resolve_db must be >= 0 dB, got {resolve_db}")
        self.time_limit_s, self.resolve_db = float(time_limit_s), float(resolve_db)
        self.solution: Solution | None = None
        """The solution in use: allocation, twin reward, certified bound and gap."""
        self.solves = 0
        self._solved_for: np.ndarray | None = None

    def allocate(self, gain_db: np.ndarray) -> Allocation:
        stale = (self._solved_for is None
                 or float(np.max(np.abs(gain_db - self._solved_for))) > self.resolve_db)
        if stale or self.solution is None:
            self.solution = milp.solve(self.cfg, gain_db, time_limit_s=self.time_limit_s)
            self._solved_for = np.array(gain_db, dtype=np.float64)
            self.solves += 1
        return self.solution.allocation


class _Ns3SchedulerAgent(_SlicingAgent):
    """ns-3's stock scheduler allocates the RBGs; the agent sends a neutral action:
    UEs where they attached, no RBG map (the stock schedulers ignore it) and the
    program's default P_A of 0 dB."""

    scenario_params: ClassVar[dict[str, str]] = {}

    def allocate(self, gain_db: np.ndarray) -> Allocation:
        association = strongest_ru(gain_db).astype(np.int64)
        owner = np.full((self.cfg.n_rus, self.cfg.n_rbgs), -1, dtype=np.int64)
        level = np.full(self.cfg.n_ues, LTE_PA_DB.index(0.0), dtype=np.int64)
        return Allocation(association, owner, level)


class Ns3PfAgent(_Ns3SchedulerAgent):
    scenario_params: ClassVar[dict[str, str]] = {"scheduler": "pf"}


class Ns3RrAgent(_Ns3SchedulerAgent):
    scenario_params: ClassVar[dict[str, str]] = {"scheduler": "rr"}
