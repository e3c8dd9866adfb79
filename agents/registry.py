"""ran-gym's agents by name; every one answers ``predict(obs, deterministic=True)``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym

from agents.baselines import RandomAgent
from agents.common import Policy


def _power(name: str) -> Any:
    from agents.baselines import power  # noqa: PLC0415 - only the interference scenario

    return getattr(power, name)


def _diffusion_ql(env: Any, seed: int | None, checkpoint: str | None = None) -> Policy:
    from agents.diffusion_ql import DiffusionQL  # noqa: PLC0415 - torch only when asked for
    from agents.diffusion_ql.per_ue import UeLayout  # noqa: PLC0415

    if checkpoint is not None:
        return DiffusionQL.load(checkpoint, env.observation_space, env.action_space)
    cfg = getattr(env, "cfg", None)  # the slicing scenario's share-action wrapper has one
    layout = UeLayout.of(cfg) if cfg is not None else None
    return DiffusionQL(env.observation_space, env.action_space, seed=seed or 0, layout=layout)


def _dqn(env: Any, seed: int | None, checkpoint: str | None = None) -> Policy:
    from agents.dqn import DqnAgent  # noqa: PLC0415 - torch only when asked for

    if checkpoint is not None:
        return DqnAgent.load(checkpoint, env)
    return DqnAgent(env, seed=seed or 0)


def _gdm(env: Any, seed: int | None, checkpoint: str | None = None, **kw: Any) -> Policy:
    from agents.gdm import GdmAgent  # noqa: PLC0415 - torch only when asked for
    from bridge.twins.interference import config_from_params  # noqa: PLC0415

    if checkpoint is not None:
        kw["checkpoint"] = checkpoint
    params = env.unwrapped.params
    kw.setdefault("fading_rho", config_from_params(params).fading_correlation)
    return GdmAgent(float(params["pmaxMw"]), seed=seed or 0, **kw)


def _slicing(name: str) -> Any:
    from agents.baselines import slicing  # noqa: PLC0415 - only the slicing scenario

    return getattr(slicing, name)


def _ssvae(env: Any, seed: int | None, checkpoint: str | None = None) -> Policy:
    from agents.ssvae import SsVaeAgent  # noqa: PLC0415 - torch only when asked for

    if checkpoint is not None:
        return SsVaeAgent.load(checkpoint)
    return SsVaeAgent(env.observation_space, env.action_space, seed=seed or 0)


def _ue_value(env: Any, seed: int | None, checkpoint: str | None = None) -> Policy:
    from agents.ue_value import UeValueAgent  # noqa: PLC0415 - only the slicing scenario

    return UeValueAgent(env, seed, checkpoint)


def _sapd(env: Any, **kw: Any) -> Policy:
    from agents.sapd import SapdAgent  # noqa: PLC0415 - torch only when asked for
    from bridge.twins.interference import config_from_params  # noqa: PLC0415

    params = env.unwrapped.params
    rho = config_from_params(params).fading_correlation
    return SapdAgent(float(params["pmaxMw"]), fading_rho=rho, **kw)


AGENTS: dict[str, Callable[..., Policy]] = {
    "random": lambda env, seed: RandomAgent(env.action_space, seed),
    "random-power": lambda env, seed: RandomAgent(env.action_space, seed),
    "fp": lambda env, seed: _power("FullPower")(env.action_space),
    "wmmse": lambda env, seed: _power("WmmsePower")(env.action_space, env.unwrapped.params),
    "sapd": lambda env, seed, **kw: _sapd(env, seed=seed, **kw),
    "sapd-undithered": lambda env, seed, **kw: _sapd(env, seed=seed, **{"dither": 1.0, **kw}),
    "sapd-t0-5": lambda env, seed, **kw: _sapd(env, seed=seed, **{"t0": 5, **kw}),
    "gdm": _gdm,
    "gdm-guided": lambda env, seed, **kw: _gdm(env, seed, **{"guidance_scale": 1.0, **kw}),
    "diffusion-ql": _diffusion_ql,
    "dqn": _dqn,
    "max-sinr": _slicing("MaxSinrAgent"),
    "qos-greedy": _slicing("QosGreedyAgent"),
    "twin-search": _slicing("TwinSearchAgent"),
    "esa": _slicing("EsaAgent"),
    "milp": _slicing("MilpAgent"),
    "ns3-pf": _slicing("Ns3PfAgent"),
    "ns3-rr": _slicing("Ns3RrAgent"),
    "ss-vae": _ssvae,
    "ue-value": _ue_value,
}


def make_agent(name: str, env: gym.Env, seed: int | None = None, **kwargs: Any) -> Policy:
    try:
        factory = AGENTS[name]
    except KeyError:
        raise ValueError(f"unknown agent {name!r}; known: {', '.join(sorted(AGENTS))}") from None
    return factory(env, seed, **kwargs)


__all__ = ["AGENTS", "Policy", "RandomAgent", "make_agent"]
