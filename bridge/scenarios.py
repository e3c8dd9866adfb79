"""The scenario programs ran-gym ships, their parameters, and where their binaries are.

A parameter is a ``--name=value`` flag of the ns-3 program. Values are checked here,
before any process starts, so that a typo or an out-of-range value is an error that
names the parameter and its allowed range.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
BUILD_BIN_DIR = REPO_ROOT / "build" / "ns3" / "bin"
BIN_DIR_VARIABLE = "RAN_GYM_BIN_DIR"
PRESET = "preset"
"""The pseudo-parameter that names a preset (:attr:`Scenario.presets`)."""


@dataclass(frozen=True)
class Param:
    """One command-line knob of a scenario program."""

    name: str
    default: Any
    help: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()

    def parse(self, value: Any) -> Any:
        """``value`` converted to this parameter's type, or ValueError naming the problem."""
        kind = type(self.default)
        try:
            parsed = _convert(kind, value)
        except (TypeError, ValueError):
            raise ValueError(
                f"parameter {self.name!r}: {value!r} is not a valid {kind.__name__}"
            ) from None
        if self.choices and parsed not in self.choices:
            raise ValueError(f"parameter {self.name!r}: {parsed!r} is not one of {self.choices}")
        low = -float("inf") if self.minimum is None else self.minimum
        high = float("inf") if self.maximum is None else self.maximum
        if kind is not str and not low <= parsed <= high:
            raise ValueError(f"parameter {self.name!r}: {parsed} is outside [{low}, {high}]")
        return parsed

    @property
    def range_text(self) -> str:
        if self.choices:
            return "|".join(self.choices)
        low = "" if self.minimum is None else f"{self.minimum:g}"
        high = "" if self.maximum is None else f"{self.maximum:g}"
        return f"[{low}, {high}]"


@dataclass(frozen=True)
class Scenario:
    """A scenario program and its parameters."""

    name: str
    program: str
    summary: str
    params: tuple[Param, ...] = field(default_factory=tuple)
    presets: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Named sets of parameter values, chosen with the pseudo-parameter ``preset``
    (``--param preset=NAME``); parameters given beside it win over the preset's."""

    def resolve(self, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """All parameters with the overrides applied and checked."""
        overrides = self._expand_preset(dict(overrides or {}))
        known = {p.name: p for p in self.params}
        unknown = sorted(set(overrides or {}) - set(known))
        if unknown:
            raise ValueError(
                f"scenario {self.name!r} has no parameter {', '.join(map(repr, unknown))}; "
                f"known: {', '.join(sorted(known))}"
            )
        resolved = {p.name: p.default for p in self.params}
        resolved.update({k: known[k].parse(v) for k, v in (overrides or {}).items()})
        return resolved

    def _expand_preset(self, overrides: dict[str, Any]) -> dict[str, Any]:
        name = overrides.pop(PRESET, None)
        if name is None:
            return overrides
        if str(name) not in self.presets:
            known = ", ".join(sorted(self.presets)) or "none"
            raise ValueError(f"scenario {self.name!r} has no preset {str(name)!r}; "
                             f"known: {known}")
        return {**self.presets[str(name)], **overrides}

    def args(self, overrides: Mapping[str, Any] | None = None) -> list[str]:
        return [f"--{k}={_flag_value(v)}" for k, v in self.resolve(overrides).items()]

    def binary(self) -> Path:
        return find_program(self.program)


def _convert(kind: type, value: Any) -> Any:
    if kind is str:
        return str(value)
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    number = float(value)
    if kind is int:
        if not number.is_integer():
            raise ValueError("not an integer")
        return int(number)
    return number


def _flag_value(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def find_program(program: str) -> Path:
    """Where ``program`` is: $RAN_GYM_BIN_DIR, then this checkout's build, then PATH.

    When it is nowhere, the build location is returned; starting it then fails with a
    message that says how to build it.
    """
    candidates = []
    if os.environ.get(BIN_DIR_VARIABLE):
        candidates.append(Path(os.environ[BIN_DIR_VARIABLE]) / program)
    candidates.append(BUILD_BIN_DIR / program)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    on_path = shutil.which(program)
    return Path(on_path) if on_path else BUILD_BIN_DIR / program


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in [
        Scenario(
            "reference",
            "ran-gym-reference",
            "Two nodes over a point-to-point link; the action sets the link rate (Mbps) for "
            "the next step; observations are throughput, delay, drops and queue measured "
            "from bursty UDP packets.",
            (
                Param("stepMs", 10.0, "step length (ms)", 0.1, 10_000),
                Param("maxSteps", 100, "steps per episode", 1, 10_000_000),
                Param("offeredMbps", 12.0, "on-period rate of the UDP source (Mbps)", 0.001, 1000),
                Param("queuePackets", 100, "device queue size (packets)", 1, 100_000),
                Param("initialRateMbps", 10.0, "link rate before the first action (Mbps)", 1, 20),
                Param("rateCost", 0.25, "reward cost per Mbps of link rate", 0, 100),
            ),
        ),
        Scenario(
            "space-echo",
            "ran-gym-space-echo",
            "Protocol self-test: every space kind; each observation echoes the last action.",
            (
                Param("layout", "all", "spaces to use", choices=("all", "opengym")),
                Param("maxSteps", 5, "steps per episode", 1, 10_000_000),
                Param("stepMs", 1.0, "step length (ms)", 0.001, 10_000),
                Param("gameOverAt", 0, "report a game over at this step (0: never)", 0, 1e9),
                Param("crashAt", 0, "abort the program at this step (0: never)", 0, 1e9),
            ),
        ),
        Scenario(
            "interference",
            "ran-gym-interference",
            "Power control in an N-pair interference network: one-UE LTE cells on one "
            "carrier, full-buffer downlink with adaptive MCS; the action sets every "
            "transmitter's power [mW]; observations are the normalised long-term gains "
            "and the rates each pair delivered (docs/scenarios/interference.md).",
            (
                Param("pairs", 8, "Tx-Rx pairs", 1, 1000),
                Param("density", 8.0, "pairs per km^2", 1e-6, 1e6),
                Param("minRxDistM", 10.0, "smallest Tx-Rx distance of a pair (m)", 1e-3, 1e5),
                Param("maxRxDistM", 50.0, "largest Tx-Rx distance of a pair (m)", 1e-3, 1e5),
                Param("minTxDistM", 35.0, "smallest Tx-Tx distance (m)", 0, 1e5),
                Param("shadowingDb", 7.0, "log-normal shadowing std (dB)", 0, 30),
                Param("carrierGhz", 2.4, "carrier for the fading's Doppler (GHz)", 1e-3, 100),
                Param("speedMps", 1.0, "receiver speed for the fading's Doppler (m/s)", 0, 100),
                Param("dropTries", 1000, "placement attempts per transmitter", 1, 1e7),
                Param("pmaxMw", 10.0, "largest transmit power (mW)", 1e-9, 1e6),
                Param("bandwidthMHz", 10.0, "LTE bandwidth (MHz): 1.4, 3, 5, 10, 15, 20", 1.4, 20),
                Param("noiseDbmHz", -174.0, "receiver noise PSD (dBm/Hz)", -174, 0),
                Param("stepMs", 10.0, "step length (ms, whole)", 1, 10_000),
                Param("maxSteps", 200, "actions per episode", 1, 10_000_000),
                Param("warmupMs", 100.0, "full-power time before state 0 (ms)", 20, 10_000),
            ),
        ),
        Scenario(
            "oran-slicing",
            "ran-gym-oran-slicing",
            "Joint RBG, power and association allocation across eMBB/URLLC/mMTC slices in "
            "a multi-cell LTE network with EPC (paper A); the agent's allocation is applied "
            "by GymFfMacScheduler, or stock PF/RR run the same drop "
            "(docs/scenarios/oran-slicing.md).",
            (
                Param("nRus", 3, "O-RUs (LTE eNBs) on hexagonal sites", 1, 7),
                Param("nUes", 25, "UEs", 1, 200),
                Param("embbShare", 0.4, "share of UEs in eMBB (the first round(share U))", 0, 1),
                Param("urllcShare", 0.4, "share of UEs in URLLC (the next ones)", 0, 1),
                Param("mmtcShare", 0.2, "share of UEs in mMTC (the rest); shares sum to 1", 0, 1),
                Param("radius", 400.0, "cell radius (m)", 50, 5000),
                Param("ruPowerDbm", 46.0, "O-RU transmit power (dBm)", 0, 60),
                Param("noiseFigureDb", 9.0, "UE noise figure (dB)", 0, 20),
                Param("ueSpeed", 3.0, "UE random-walk speed (m/s)", 0, 50),
                Param("stepMs", 10.0, "step length (ms, whole TTIs)", 1, 10_000),
                Param("maxSteps", 100, "actions per episode", 1, 10_000_000),
                Param("warmupMs", 100.0, "attach time before state 0 (ms)", 20, 10_000),
                Param("scheduler", "gym", "MAC scheduler", choices=("gym", "pf", "rr")),
                Param("embbMbps", 12.0, "eMBB offered rate per UE (Mbps)", 0, 1000),
                Param("embbPacketBytes", 1200, "eMBB packet size (B)", 24, 1400),
                Param("urllcMbps", 2.5, "URLLC offered rate per UE (Mbps)", 0, 1000),
                Param("urllcPacketBytes", 200, "URLLC packet size (B)", 24, 1400),
                Param("mmtcIntervalMs", 20.0, "mMTC mean time between packets (ms)", 1, 1e6),
                Param("mmtcPacketBytes", 100, "mMTC packet size (B)", 24, 1400),
                Param("rlcBufferBytes", 102_400, "RLC UM transmit buffer per bearer (B)", 1000,
                      1e8),
                Param("embbMinMbps", 10.0, "eMBB QoS: minimum throughput (Mbps)", 0, 1000),
                Param("urllcMinMbps", 2.0, "URLLC QoS: minimum throughput (Mbps)", 0, 1000),
                Param("urllcMaxDelayMs", 10.0, "URLLC QoS: maximum mean delay (ms); the "
                      "paper's 1 ms cannot hold in LTE (preset paper-table-i)", 0, 1e6),
                Param("thetaRate", 0.01, "reward weight per Mbps of aggregate throughput",
                      -1e6, 1e6),
                Param("thetaConst", 1.0, "reward weight of the share of UEs meeting QoS",
                      -1e6, 1e6),
                Param("thetaBias", 0.0, "reward bias", -1e6, 1e6),
                Param("extInterferers", 0, "external interferers on the downlink carrier",
                      0, 12),
                Param("extInterfDbm", 30.0, "transmit power of each external interferer (dBm)",
                      -50, 70),
                Param("extInterfDistM", 1000.0, "distance of the external interferers from "
                      "site 0 (m)", 10, 1e5),
                Param("traceDir", "none", "directory for the trace files ('none': no traces)"),
                Param("pcap", "false", "pcap on the EPC links (needs traceDir)",
                      choices=("false", "true")),
                Param("lteStats", "true", "with traceDir: LTE stats files and FlowMonitor too",
                      choices=("false", "true")),
                Param("handover", "false", "follow the association action with X2 handovers",
                      choices=("false", "true")),
                *(Param(f"{slice_}MaxPaDb", 3.0, f"slice power cap: highest P_A of a {name} "
                        "UE (dB); higher requested levels are lowered to it", -6, 3)
                  for slice_, name in (("embb", "eMBB"), ("urllc", "URLLC"),
                                       ("mmtc", "mMTC"))),
            ),
            # Table I's URLLC bound; LTE's one-way delays start near 3 ms, so it never holds
            presets={"paper-table-i": {"urllcMaxDelayMs": 1.0}},
        ),
    ]
}


def get_scenario(name: str) -> Scenario:
    try:
        return SCENARIOS[name]
    except KeyError:
        raise ValueError(
            f"unknown scenario {name!r}; known: {', '.join(sorted(SCENARIOS))}"
        ) from None


PATH_PARAMS = frozenset({"traceDir"})
"""Scenario parameters whose value is a file system path."""


def parse_params(pairs: Sequence[str]) -> dict[str, str]:
    """``["a=1", "b=x"]`` -> ``{"a": "1", "b": "x"}``; the scenario checks the values."""
    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"--param expects NAME=VALUE, got {pair!r}")
        params[key.strip()] = value.strip()
    return params
