"""Gymnasium envs for the scenarios ran-gym ships (``bridge.ENV_IDS`` registers them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bridge.env import FLAGS_NS3_GYM, Ns3Env
from bridge.scenarios import find_program, get_scenario


class ScenarioEnv(Ns3Env):
    """One of ran-gym's own scenarios, by name, with checked parameters."""

    def __init__(
        self, scenario: str, params: Mapping[str, Any] | None = None,
        extra_args: Sequence[str] = (), **bridge: Any,
    ):
        spec = get_scenario(scenario)
        self.params = spec.resolve(params)
        args = [*spec.args(self.params), *extra_args]
        super().__init__(spec.binary(), args, scenario=scenario, **bridge)


def make_reference(params: Mapping[str, Any] | None = None, **bridge: Any) -> ScenarioEnv:
    """``RanGym/Reference-v0``: the two-node reference scenario."""
    return ScenarioEnv("reference", params, **bridge)


def make_interference(params: Mapping[str, Any] | None = None, **bridge: Any) -> ScenarioEnv:
    """``RanGym/Interference-v0``: power control in an N-pair interference network."""
    return ScenarioEnv("interference", params, **bridge)


def make_oran_slicing(params: Mapping[str, Any] | None = None, **bridge: Any) -> ScenarioEnv:
    """``RanGym/OranSlicing-v0``: RBG/power allocation across slices (native Dict action)."""
    resolved = get_scenario("oran-slicing").resolve(params)
    shares = resolved["embbShare"] + resolved["urllcShare"] + resolved["mmtcShare"]
    if abs(shares - 1.0) > 1e-6:
        raise ValueError(f"parameters 'embbShare' + 'urllcShare' + 'mmtcShare' = {shares:g}, "
                         "must be 1")
    return ScenarioEnv("oran-slicing", params, **bridge)


def make_ns3gym(
    binary: str | Path, args: Sequence[str] = (), endpoint: str = "tcp", **bridge: Any
) -> Ns3Env:
    """``RanGym/Ns3Gym-v0``: any ns3-gym program, unmodified (it takes ``--openGymPort``)."""
    program = Path(binary)
    if not program.is_absolute() and program.parent == Path("."):
        program = find_program(str(binary))
    return Ns3Env(program, args, flags=FLAGS_NS3_GYM, endpoint=endpoint, **bridge)

