"""Agents on identical episodes: the env an agent needs, and one episode of it.

``ran-gym evaluate`` runs every agent through this. Two things depend on the agent:

- **The scenario parameters it must run with.** An agent class may name them in a
  ``scenario_params`` attribute (``ns3-pf`` has ``{"scheduler": "pf"}``: ns-3's own
  proportional-fair scheduler decides, the agent only observes). They are applied to
  that agent's env only, so every other agent keeps the scenario as given; a ``--param``
  that contradicts them is an error, not silently overridden.
- **The action form it acts in** (oran-slicing and its twin): the native Dict
  (baselines), the share Box of ``bridge.slicing.shares`` (``diffusion-ql``), the unified
  Box of ``bridge.slicing.unified`` (``ss-vae``) or the Discrete catalogue (``dqn``). The
  env is wrapped accordingly; the wrapper carries the SlicingConfig the run stands for
  (:func:`bridge.slicing.params.config_for`), and SlicingConfig fields may be given by
  their own names beside the program's.

Everything else (drop, channels, traffic) follows from the episode seed alone.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym

from bridge.slicing.wrappers import SCENARIOS as SLICING_SCENARIOS

ACTION_FORMS: dict[str, str] = {
    "diffusion-ql": "shares",
    "ss-vae": "unified",
    "dqn": "catalogue",
}
"""agent -> the action form it acts in, in the slicing scenario and its twin; absent:
the native Dict."""


class SlicingEnv(gym.Wrapper):
    """The native oran-slicing env, carrying the SlicingConfig of its parameters."""

    def __init__(self, env: gym.Env, cfg: Any):
        super().__init__(env)
        self.cfg = cfg


def scenario_params(agent: str) -> dict[str, str]:
    """The scenario parameters agent ``agent`` must run with (empty for most)."""
    from agents.registry import AGENTS

    if agent not in AGENTS:
        raise ValueError(f"unknown agent {agent!r}; known: {', '.join(sorted(AGENTS))}")
    return dict(getattr(AGENTS[agent], "scenario_params", {}))


def agent_params(agent: str, params: dict[str, Any]) -> dict[str, Any]:
    """``params`` with the agent's own scenario parameters applied (a conflict raises)."""
    own = scenario_params(agent)
    clash = {k: v for k, v in own.items() if k in params and str(params[k]) != v}
    if clash:
        given = ", ".join(f"{k}={params[k]}" for k in clash)
        needed = ", ".join(f"{k}={v}" for k, v in clash.items())
        raise ValueError(f"--param {given}: agent {agent!r} runs with {needed}")
    return {**params, **own}


def make_env(scenario: str, agent: str, params: dict[str, Any], **bridge: Any) -> gym.Env:
    """The env ``agent`` acts in: its scenario parameters applied, its action form."""
    from bridge.envs import ScenarioEnv

    params = agent_params(agent, params)
    if scenario not in SLICING_SCENARIOS:
        return ScenarioEnv(scenario, params, **bridge)
    from bridge.slicing.params import config_for, split_params
    from bridge.slicing.wrappers import make_base_env

    program, own = split_params(params)
    env = make_base_env(scenario, program, **bridge)
    try:
        cfg = config_for(env.unwrapped.params, own)  # type: ignore[attr-defined]
    except ValueError:
        env.close()
        raise
    wrapper = action_wrapper(ACTION_FORMS.get(agent, "native"))
    return wrapper(env, cfg)


def action_wrapper(form: str) -> Any:
    """The wrapper class of an action form: ``(env, cfg) -> env``."""
    from bridge.slicing import wrappers

    return {"unified": wrappers.UnifiedActionWrapper, "shares": wrappers.ShareActionWrapper,
            "catalogue": wrappers.CatalogueActionWrapper, "native": SlicingEnv}[form]


def number_episodes_from(env: gym.Env, first: int) -> None:
    """Make the next episode of ``env`` number ``first`` (its log and trace files), so
    that the per-agent envs of one run directory number their episodes in run order."""
    env.unwrapped._episode = first - 1  # type: ignore[attr-defined]


def play_episode(env: gym.Env, agent: Any, seed: int | None, steps: int | None
                 ) -> list[dict[str, Any]]:
    """One deterministic episode from ``reset(seed=seed)`` (``None``: the env's next
    seed), at most ``steps`` steps: one row per step, reward and ``info_*`` columns."""
    obs, _ = env.reset(seed=seed)
    rows, step, start = [], 0, True
    while steps is None or step < steps:
        action, _ = agent.predict(obs, episode_start=start, deterministic=True)
        obs, reward, terminated, truncated, info = env.step(action)
        step, start = step + 1, False
        rows.append({"step": step, "reward": float(reward),
                     **{f"info_{key}": value for key, value in info.items()}})
        if terminated or truncated:
            break
    return rows


def check_checkpoint(scenario: str, name: str, params: dict[str, Any], checkpoint: str,
                     **bridge: Any) -> None:
    """Agent ``name`` built from ``checkpoint`` in its env, then dropped: a checkpoint that
    does not load raises here, before any agent has spent its episodes."""
    from agents.registry import make_agent

    env = make_env(scenario, name, params, **bridge)
    try:
        make_agent(name, env, seed=0, checkpoint=checkpoint)
    finally:
        env.close()


def run_agent(scenario: str, name: str, params: dict[str, Any], episodes: list[
        tuple[int, int | None]], steps: int | None, agent_seed: int,
        checkpoint: str | None = None, first_episode: int = 0, reseed: bool = False,
        **bridge: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """Agent ``name`` over ``episodes``, each ``(seed label, reset seed or None)``, in
    its own env (:func:`make_env`); its files are numbered from ``first_episode``. An
    agent built here samples from ``agent_seed``; one loaded from ``checkpoint`` goes on
    from the generators saved in it unless ``reseed`` (then from ``agent_seed`` too).
    Returns the step rows (``agent``, ``episode`` (0, 1, ... for this agent), ``seed``,
    then :func:`play_episode`'s columns) and the simulator command lines."""
    import sys

    from agents.registry import make_agent

    env = make_env(scenario, name, params, **bridge)
    number_episodes_from(env, first_episode)
    rows: list[dict[str, Any]] = []
    try:
        loaded = {"checkpoint": checkpoint} if checkpoint is not None else {}
        agent = make_agent(name, env, seed=agent_seed, **loaded)
        if reseed and hasattr(agent, "reseed"):  # the agents whose checkpoints hold generators
            agent.reseed(agent_seed)
        for k, (label, seed) in enumerate(episodes):
            played = play_episode(env, agent, seed, steps)
            rows += [{"agent": name, "episode": k, "seed": label, **row} for row in played]
            print(f"{name}: episode {k + 1}/{len(episodes)} done, {len(played)} steps",
                  file=sys.stderr)
    finally:
        env.close()
    return rows, list(env.unwrapped.commands)  # type: ignore[attr-defined]
