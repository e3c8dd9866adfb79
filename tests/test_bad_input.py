"""Bad configuration and bad actions: every one an error that names the field (or the
element of the action) and what it may be, before anything reaches a simulator."""

from __future__ import annotations

import dataclasses
import importlib
import math

import numpy as np
import pytest
from gymnasium import spaces

from bridge.actions import InvalidAction
from bridge.envs import ScenarioEnv
from bridge.scenarios import SCENARIOS
from bridge.validate import Bounds

# --- scenario parameters ----------------------------------------------------------

NUMERIC = [(s.name, p) for s in SCENARIOS.values() for p in s.params if p.minimum is not None]
CHOICES = [(s.name, p) for s in SCENARIOS.values() for p in s.params if p.choices]


def test_every_numeric_parameter_has_a_range():
    for scenario in SCENARIOS.values():
        for param in scenario.params:
            if not isinstance(param.default, str):
                assert param.minimum is not None and param.maximum is not None, param.name


@pytest.mark.parametrize(("scenario", "param"), NUMERIC, ids=[f"{s}.{p.name}" for s, p in NUMERIC])
def test_out_of_range_parameters_name_the_field_and_range(scenario, param):
    spec = SCENARIOS[scenario]
    below = param.minimum - (1 if isinstance(param.default, int) else abs(param.minimum) or 1)
    above = param.maximum + (1 if isinstance(param.default, int) else abs(param.maximum) or 1)
    for bad in (below, above):
        with pytest.raises(ValueError, match=rf"parameter '{param.name}': .* is outside \[") as e:
            spec.resolve({param.name: bad})
        assert f"{param.minimum}" in str(e.value) and f"{param.maximum}" in str(e.value)
    for bad in (math.nan, math.inf):  # an int parameter calls them not an int
        with pytest.raises(ValueError, match=rf"'{param.name}': .* (is outside|not a valid int)"):
            spec.resolve({param.name: bad})
    with pytest.raises(ValueError, match=rf"'{param.name}': 'many' is not a valid"):
        spec.resolve({param.name: "many"})
    if isinstance(param.default, int):
        with pytest.raises(ValueError, match=rf"'{param.name}': 1.5 is not a valid int"):
            spec.resolve({param.name: 1.5})
    assert spec.resolve({param.name: param.minimum})[param.name] == param.minimum  # edges
    assert spec.resolve({param.name: param.maximum})[param.name] == param.maximum


@pytest.mark.parametrize(("scenario", "param"), CHOICES, ids=[f"{s}.{p.name}" for s, p in CHOICES])
def test_choice_parameters_list_their_choices(scenario, param):
    with pytest.raises(ValueError, match=rf"'{param.name}': 'bogus' is not one of"):
        SCENARIOS[scenario].resolve({param.name: "bogus"})


# --- config dataclasses -----------------------------------------------------------

CONFIGS = [
    "bridge.twins.interference:InterferenceConfig", "bridge.slicing.config:SlicingConfig",
    "bridge.slicing.drop:DropConfig", "agents.sapd.train:SapdTrainConfig",
    "agents.diffusion_ql.config:DiffusionQLConfig", "agents.dqn.agent:DqnConfig",
    "agents.common.diffusion:DiffusionConfig",
]


def _numeric_fields():
    for path in CONFIGS:
        module, name = path.split(":")
        cls = getattr(importlib.import_module(module), name)
        for field in dataclasses.fields(cls):
            default = getattr(cls(), field.name)
            if isinstance(default, (int, float)) and not isinstance(default, bool):
                yield pytest.param(cls, field.name, id=f"{name}.{field.name}")


@pytest.mark.parametrize(("cls", "field"), list(_numeric_fields()))
def test_every_numeric_config_field_refuses_nan(cls, field):
    with pytest.raises(ValueError, match=field):
        cls(**{field: math.nan})


def test_config_errors_give_the_range():
    from agents.sapd.train import SapdTrainConfig
    from bridge.twins.interference import InterferenceConfig

    with pytest.raises(ValueError, match=r"min_rx_dist_m = 60 must be \(0, 50\]"):
        InterferenceConfig(min_rx_dist_m=60)
    with pytest.raises(ValueError, match=r"pairs = 0 must be an integer in \[1, inf\)"):
        InterferenceConfig(pairs=0)
    with pytest.raises(ValueError, match=r"mu_active = 1.5 must be \[0, 1\]"):
        SapdTrainConfig(mu_active=1.5)
    with pytest.raises(ValueError, match="rate_model = 'exact' must be one of shannon, lte"):
        SapdTrainConfig(rate_model="exact")
    assert InterferenceConfig(pairs=np.int64(3)).pairs == 3  # NumPy integers are integers
    assert str(Bounds(0, low_open=True)) == "(0, inf)"


def test_learner_config_errors_give_the_range():
    from agents.common.diffusion import DiffusionConfig
    from agents.diffusion_ql.config import DiffusionQLConfig
    from agents.dqn.agent import DqnConfig

    with pytest.raises(ValueError, match=r"DqnConfig.exploration_fraction = 1.5 must be \[0, 1\]"):
        DqnConfig(exploration_fraction=1.5)
    with pytest.raises(ValueError, match=r"DqnConfig.batch_size = 0 must be an integer in \[1,"):
        DqnConfig(batch_size=0)
    with pytest.raises(ValueError, match=r"DiffusionConfig.beta_max = 1.5 must be \(0, 1\]"):
        DiffusionConfig(beta_max=1.5)
    with pytest.raises(ValueError, match="beta_min = 0.1 must be <= beta_max = 0.02"):
        DiffusionConfig(beta_min=0.1)
    with pytest.raises(ValueError, match="schedule = 'sigmoid' must be one of linear, vp"):
        DiffusionConfig(schedule="sigmoid")
    with pytest.raises(ValueError, match=r"DiffusionConfig.clip = -1 must be \(0, inf\)"):
        DiffusionConfig(clip=-1)
    assert DiffusionConfig(clip=None).clip is None  # no clamp
    with pytest.raises(ValueError, match=r"DiffusionQLConfig.gamma = 1 must be \[0, 1\)"):
        DiffusionQLConfig(gamma=1)
    # ddim_steps is bounded by the diffusion's T (5 by default, 20 in Table I's preset)
    with pytest.raises(ValueError, match=r"ddim_steps = 6 must be an integer in \[1, 5\]"):
        DiffusionQLConfig(ddim_steps=6)
    with pytest.raises(ValueError, match=r"ddim_steps = 21 must be an integer in \[1, 20\]"):
        DiffusionQLConfig(diffusion=DiffusionConfig(steps=20), ddim_steps=21)
    with pytest.raises(ValueError, match=r"DiffusionQLConfig.ema_decay = -0.5 must be \[0, 1\]"):
        DiffusionQLConfig(ema_decay=-0.5)


# --- actions, for every scenario --------------------------------------------------

TINY = {
    "reference": {"maxSteps": 3},
    "space-echo": {"maxSteps": 3},
    "interference": {"pairs": 2, "maxSteps": 3, "warmupMs": 20},
    "oran-slicing": {"nRus": 1, "nUes": 2, "maxSteps": 3, "warmupMs": 20},
}


def bad_leaves(space: spaces.Space, value, where: str = "action"):
    """(bad action, text its error must contain): each leaf of ``value`` spoiled in turn."""
    if isinstance(space, spaces.Dict):
        yield {k: v for k, v in value.items() if k != next(iter(space.spaces))}, "keys"
        for key, sub in space.spaces.items():
            for bad, text in bad_leaves(sub, value[key], f"{where}[{key!r}]"):
                yield {**value, key: bad}, text
    elif isinstance(space, spaces.Tuple):
        yield tuple(value)[:-1], "tuple of"
        for i, sub in enumerate(space.spaces):
            for bad, text in bad_leaves(sub, value[i], f"{where}[{i}]"):
                yield tuple(bad if j == i else v for j, v in enumerate(value)), text
    elif isinstance(space, spaces.Discrete):
        yield int(space.start + space.n), f"{where}: {int(space.start + space.n)} is outside"
        yield 1.5, f"{where}: Discrete"
    else:
        assert isinstance(space, spaces.Box)
        for number, text in [(np.nan, "not finite"), (np.inf, "not finite"),
                             (float(space.high.flat[0]) + 1, "outside"),
                             (float(space.low.flat[0]) - 1, "outside")]:
            bad = np.array(value, dtype=np.float64)
            bad.flat[0] = number
            yield bad, (f"{where}: element", text)
        yield np.append(value, value.flat[0]), f"{where}: expected shape"
        yield np.full(space.shape, "x"), f"{where}: expected numbers"
        low, high = float(space.low.flat[0]), float(space.high.flat[0])
        if np.issubdtype(space.dtype, np.integer) and high - low >= 1:
            bad = np.array(value, dtype=np.float64)
            bad.flat[0] = low + 0.5
            yield bad, f"{where}: the space has dtype"


@pytest.mark.parametrize("scenario", sorted(TINY))
def test_bad_actions_are_refused_and_the_episode_goes_on(scenario):
    env = ScenarioEnv(scenario, TINY[scenario])
    try:
        env.reset(seed=3)
        env.action_space.seed(3)
        good = env.action_space.sample()
        cases = list(bad_leaves(env.action_space, good))
        assert len(cases) >= 6
        for bad, text in cases:
            with pytest.raises(InvalidAction) as refused:
                env.step(bad)
            texts = text if isinstance(text, tuple) else (text,)
            assert all(t in str(refused.value) for t in texts), (text, str(refused.value))
        *_, info = env.step(good)
        assert env._session is not None and env._session.step == 1  # only the good one went
        for wrong_type in (None, "5", [[1, 2], [3]]):
            with pytest.raises((InvalidAction, ValueError)):
                env.step(wrong_type)
    finally:
        env.close()
