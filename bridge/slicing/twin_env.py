"""``RanGym/OranSlicingTwin-v0``: the oran-slicing scenario computed by the closed-form twin.

Same parameters, observation space, native Dict action space, reward and info keys as
``RanGym/OranSlicing-v0``; what changes is who computes a step. Here:

- **Drop.** Each ``reset`` draws a Python drop (:func:`bridge.slicing.drop.draw`: the
  program's hexagonal sites and annuli, 38.901 UMa path loss, log-normal shadowing)
  from the env's seeded generator. Gains stay fixed within an episode (in ns-3 UEs walk
  at 3 m/s, which moves a gain by a fraction of a dB per second).
- **Association.** Every UE on its strongest O-RU (ns-3 with ``handover=false``); an
  RBG given to a UE attached elsewhere stays unused, and RBG 16 (2 PRBs) is never used,
  as in the program.
- **Rates.** The twin's eq. (3) SINR with the other O-RUs' power on the same RBG, under
  the LTE link fit (``tr36942``: 0.6 log2(1 + SINR), -10 dB floor, 4.4 bit/s/Hz cap,
  which tracks ns-3's rates within the factors in ``docs/scenarios/oran-slicing-twin.md``).
  The power levels act as requested; no budget check, as in ns-3 (P_A is LTE's per-RE
  offset, not a budget).
- **Traffic and queues.** Each UE's flow offers its slice's load per step (eMBB and
  URLLC constant bit rate, mMTC Poisson packets at the on/off source's mean rate);
  bytes wait in a per-UE queue capped at ``rlcBufferBytes`` (the excess is lost, as at
  the RLC tail); a step serves min(queue, rate x step) bytes.
- **Delay.** ``pipelineMs`` (the LTE pipeline, 3.5 ms: scheduled one TTI ahead, one TTI
  on air, decoding, RLC/PDCP; measured 3.0-4.0 ms in ns-3) plus the time the bytes
  queued ahead of the step take at the step's rate.
- **QoS and reward** as the program's: eMBB throughput >= ``embbMinMbps``; URLLC
  throughput >= ``urllcMinMbps`` and mean delay <= ``urllcMaxDelayMs`` with a packet
  received; mMTC every byte offered in the step delivered; reward = thetaRate x
  aggregate throughput (Mbit/s) + thetaConst x share of UEs meeting QoS + thetaBias.

A step costs tens of microseconds; Gymnasium's ``SyncVectorEnv`` over a few of them is the
vector form (one core does thousands of steps per second).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, NamedTuple

import gymnasium as gym
import numpy as np

from bridge.scenarios import get_scenario
from bridge.slicing.allocation import Allocation
from bridge.slicing.config import EMBB, MMTC, SLICE_NAMES, URLLC
from bridge.slicing.drop import draw
from bridge.slicing.layout import (
    make_observation,
    native_action_space,
    program_observation_space,
)
from bridge.slicing.params import config_for
from bridge.slicing.twin import ue_rates

PIPELINE_MS = 3.5
"""One-way delay of a packet that finds an empty queue (ms), from ns-3's URLLC delays."""
NS3_UNUSED_RBGS = 1
"""The program never schedules the last RBG (docs/scenarios/oran-slicing.md)."""
MMTC_ON_MS = 1.5
"""The mMTC on/off source's on period (ms): one packet per on period."""


class _Outcome(NamedTuple):
    """One twin step's results per UE (throughput Mbit/s, delay ms, QoS met, bytes served
    and lost, bytes queued after) and its reward."""

    throughput: np.ndarray
    delay: np.ndarray
    qos: np.ndarray
    served: np.ndarray
    lost: np.ndarray
    queue: np.ndarray
    reward: float


class OranSlicingTwinEnv(gym.Env[np.ndarray, dict[str, Any]]):
    """The slicing scenario in the twin; ``params`` as for ``RanGym/OranSlicing-v0``."""

    metadata: dict[str, Any] = {"render_modes": []}
    commands: tuple[str, ...] = ()
    """No simulator command lines (the ns-3 env lists one per episode)."""
    restarts: int = 0
    """No simulator to restart (the ns-3 env counts its restarts)."""

    def __init__(self, params: Mapping[str, Any] | None = None):
        self.params = get_scenario("oran-slicing").resolve(params)
        if self.params["scheduler"] != "gym" or self.params["handover"] != "false":
            raise ValueError("the twin models the gym scheduler without handovers: "
                             f"scheduler={self.params['scheduler']}, handover="
                             f"{self.params['handover']} run in ns-3 only")
        self.cfg = config_for(self.params)
        self._twin = dataclasses.replace(self.cfg, link_model="tr36942")
        self.observation_space = program_observation_space(self.cfg)
        self.action_space = native_action_space(self.cfg)
        p = self.params
        step_s = float(p["stepMs"]) / 1e3
        mmtc_rate = p["mmtcPacketBytes"] / ((p["mmtcIntervalMs"] + MMTC_ON_MS) / 1e3)
        self._offered_bytes = np.array([p["embbMbps"] * 1e6 / 8, p["urllcMbps"] * 1e6 / 8,
                                        mmtc_rate])[self.cfg.ue_slice] * step_s
        self._step_s = step_s
        self._max_steps = int(p["maxSteps"])
        self._gain_db = np.zeros((self.cfg.n_ues, self.cfg.n_rus))
        self._gain = np.ones_like(self._gain_db)
        self._slice = self.cfg.ue_slice
        self._caps = self._level_caps()
        self._queue = np.zeros(self.cfg.n_ues)
        self._steps = 0
        self._episode = -1

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None
              ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        self._gain_db = draw(self.cfg, self.np_random).gain_db
        self._gain = np.power(10.0, self._gain_db / 10.0)
        self._queue = np.zeros(self.cfg.n_ues)
        self._steps = 0
        self._episode += 1
        return make_observation(self.cfg, self._gain_db), {"step": 0, "scheduler": "twin"}

    def step(self, action: dict[str, Any]
             ) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        alloc = self._applied(action, self._gain_db)
        arrivals = self._arrivals()
        out = self._outcome(alloc, self._gain, self._queue, arrivals)
        self._queue = out.queue
        self._steps += 1
        queues = np.bincount(self._slice, weights=self._queue, minlength=3)
        obs = make_observation(self.cfg, self._gain_db, out.qos.astype(np.float64),
                               out.throughput, out.delay, queues)
        truncated = self._steps >= self._max_steps
        return obs, out.reward, False, truncated, self._info(
            alloc, out.throughput, out.delay, out.qos, out.served, arrivals, out.lost)

    def one_step_reward(self, gain_db: np.ndarray, action: dict[str, Any]) -> float:
        """The reward ``action`` (native Dict) would earn in one step under ``gain_db``
        [U, R] from empty queues, each flow offering its mean load (mMTC too); the env's
        own state is neither read nor changed. A planner's score (e.g. twin-search)."""
        gain_db = np.asarray(gain_db, dtype=np.float64)
        if gain_db.shape != self._gain_db.shape:
            raise ValueError(f"gain_db: shape {gain_db.shape}, expected {self._gain_db.shape}")
        return self._outcome(self._applied(action, gain_db), np.power(10.0, gain_db / 10.0),
                             np.zeros(self.cfg.n_ues), self._offered_bytes).reward

    def _outcome(self, alloc: Allocation, gain: np.ndarray, queue: np.ndarray,
                 arrivals: np.ndarray) -> _Outcome:
        """One step of ``alloc`` under linear ``gain`` from ``queue`` (bytes per UE) with
        ``arrivals`` (bytes per UE); pure."""
        cfg = self.cfg
        rate_mbps = ue_rates(self._twin, gain, alloc)[1]
        backlog = queue + arrivals
        lost = np.maximum(backlog - float(self.params["rlcBufferBytes"]), 0.0)
        backlog -= lost
        capacity = rate_mbps * 1e6 / 8 * self._step_s
        served = np.minimum(backlog, capacity)
        throughput = served * 8 / self._step_s / 1e6
        with np.errstate(divide="ignore", invalid="ignore"):
            wait_ms = np.where(rate_mbps > 0, queue * 8 / (rate_mbps * 1e3), 0.0)
        received = served > 0
        delay = np.where(received, PIPELINE_MS + wait_ms, 0.0)
        qos = self._qos(throughput, delay, received, served, arrivals)
        reward = (cfg.theta_rate * throughput.sum() + cfg.theta_const * qos.mean()
                  + cfg.theta_bias)
        return _Outcome(throughput, delay, qos, served, lost, backlog - served, float(reward))

    def _applied(self, action: dict[str, np.ndarray], gain_db: np.ndarray) -> Allocation:
        """What ns-3 would apply: strongest-RU association, RBGs of UEs attached elsewhere
        and the last RBG unused, power levels clipped to the slice caps."""
        cfg = self.cfg
        association = np.argmax(gain_db, axis=1)
        owner = np.array(action["prb_owner"], dtype=np.int64).reshape(cfg.n_rus, cfg.n_rbgs)
        owner = np.where((owner >= 0) & (owner < cfg.n_ues), owner, -1)
        attached = association[np.maximum(owner, 0)] == np.arange(cfg.n_rus)[:, None]
        owner = np.where(attached & (owner >= 0), owner, -1)
        owner[:, cfg.n_rbgs - NS3_UNUSED_RBGS:] = -1
        levels = np.clip(np.asarray(action["power_level"], dtype=np.int64).reshape(-1),
                         0, cfg.n_levels - 1)
        levels = np.minimum(levels, self._caps)
        return Allocation(association.astype(np.int64), owner, levels)

    def _level_caps(self) -> np.ndarray:
        levels = np.asarray(self.cfg.power_levels_db)
        caps = [self.params[f"{name}MaxPaDb"] for name in SLICE_NAMES]
        top = [int(np.flatnonzero(levels <= cap + 1e-9).max(initial=0)) for cap in caps]
        return np.asarray(top)[self._slice]

    def _arrivals(self) -> np.ndarray:
        offered = self._offered_bytes.copy()
        mmtc = self._slice == MMTC
        packet = float(self.params["mmtcPacketBytes"])
        offered[mmtc] = packet * self.np_random.poisson(offered[mmtc] / packet)
        return offered

    def _qos(self, throughput: np.ndarray, delay: np.ndarray, received: np.ndarray,
             served: np.ndarray, arrivals: np.ndarray) -> np.ndarray:
        p, kind = self.params, self._slice
        embb = throughput >= p["embbMinMbps"]
        urllc = (throughput >= p["urllcMinMbps"]) & received & (delay <= p["urllcMaxDelayMs"])
        mmtc = served >= arrivals - 1e-6
        return np.where(kind == EMBB, embb, np.where(kind == URLLC, urllc, mmtc))

    def _info(self, alloc: Allocation, throughput: np.ndarray, delay: np.ndarray,
              qos: np.ndarray, served: np.ndarray, arrivals: np.ndarray, lost: np.ndarray
              ) -> dict[str, Any]:
        kind = self._slice
        members = np.bincount(kind, minlength=3)
        met = np.bincount(kind, weights=qos.astype(np.float64), minlength=3)
        return {
            "step": self._steps, "time_s": self._steps * self._step_s, "scheduler": "twin",
            "reward_rate_mbps": float(throughput.sum()), "reward_constraint": float(qos.mean()),
            "ue": {"slice": kind.tolist(), "ru": alloc.association.tolist(),
                   "qos_ok": qos.astype(int).tolist(), "throughput_mbps": throughput.tolist(),
                   "delay_ms": delay.tolist(), "tx_bytes": arrivals.tolist(),
                   "rx_bytes": served.tolist(), "lost_bytes": lost.tolist(),
                   "backlog_bytes": self._queue.tolist(),
                   "power_level": alloc.power_level.tolist()},
            "slice": {"names": list(SLICE_NAMES),
                      "throughput_mbps": np.bincount(kind, weights=throughput,
                                                     minlength=3).tolist(),
                      "qos_ok_share": np.where(members > 0, met / np.maximum(members, 1),
                                               1.0).tolist(),
                      "queue_bytes": np.bincount(kind, weights=self._queue,
                                                 minlength=3).tolist()},
        }


def make_oran_slicing_twin(params: Mapping[str, Any] | None = None, **_: Any
                           ) -> OranSlicingTwinEnv:
    """``RanGym/OranSlicingTwin-v0``; bridge options (runtime, run_dir, ...) are accepted
    and ignored, so code that builds either env passes the same keywords."""
    return OranSlicingTwinEnv(params)

