"""``RayVectorEnv``: K envs in K Ray actors as one Gymnasium vector env.

Gymnasium's vector envs run their sub-envs on the learner's host; here each sub-env lives
in an :class:`~ran_gym.rollouts.actor.EnvActor` that Ray places on any node of the
cluster (``SPREAD``: one per node before two on one), so the simulators run across
hosts. The decisions stay in the learner: one batched forward for the K observations,
the K actions sent out, the K results gathered. Sub-env i reset with seed s meets exactly
what sub-env i of the local ``AsyncVectorEnv`` reset with s meets (the same env, the same
seed, the same actions). Autoreset mode: DISABLED (the caller resets finished sub-envs
with ``options={"reset_mask": ...}``), as the Diffusion-QL loop wants.

Faults: an actor whose process dies (killed, its node lost) or that does not answer
within ``timeout_s`` ends its sub-env's episode as truncated with reward 0 and the last
observation, ``info["simulator_failure"]`` naming the cause (``ActorDied``,
``ActorTimeout``), exactly as ``Ns3Env(auto_restart=True)`` reports a simulator crash;
Ray restarts the actor (``max_restarts=-1``), which builds a fresh env, and the next
reset goes to it. A step is never retried (``max_task_retries=0``): it would run on a
fresh env, and no transition may be delivered twice; a reset is retried by Ray on the
restarted actor, and again here, up to ``RESET_TRIES`` times each; so is a reset whose
simulators all failed inside the actor (``Ns3Env(auto_restart=True)`` tries three, and a
busy node can lose them all), which loses no transition. ``restarts`` counts, per
sub-env, the failures absorbed in the actors (simulator crashes and hangs) and those of
the actors themselves.

``ledger``: a CSV file that gets one row per sub-env step returned (``env``,
``episode_seed``, ``episode_step``, ``reward``, ``failure``): the key of each transition,
for audits (a stored transition is a row with an empty ``failure``).
"""

from __future__ import annotations

import copy
import csv
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space, concatenate, create_empty_array, iterate

from bridge.env import FAILURE_KEY, RESTARTABLE
from ran_gym.rollouts import wire
from ran_gym.rollouts.actor import EPISODE_SEED, EPISODE_STEP, EnvActor

RESET_TRIES = 3
LEDGER = "rollouts.csv"
"""The ledger's name in a training's ``--out``."""
LEDGER_COLUMNS = ["env", EPISODE_SEED, EPISODE_STEP, "reward", "failure"]


def actor_class(num_cpus: float) -> Any:
    """The Ray actor class of :class:`EnvActor`, restarted by Ray whenever it dies. Its
    calls leave no task events (Ray's state API and dashboard do not list them): recording
    one per env step costs CPU in the actor, the learner and Ray's GCS."""
    import ray

    options: dict[str, Any] = {"num_cpus": num_cpus, "max_restarts": -1, "max_task_retries": 0,
                               "enable_task_events": False}  # not in Ray's type stubs
    return ray.remote(**options)(EnvActor)


def start_actors(make: Callable[[], gym.Env], num_envs: int, num_cpus: float = 1.0
                 ) -> list[Any]:
    """``num_envs`` actors hosting ``make()``, spread over the cluster's nodes."""
    if num_envs < 1:
        raise ValueError(f"num_envs must be >= 1, got {num_envs}")
    cls = actor_class(num_cpus)
    return [cls.options(scheduling_strategy="SPREAD").remote(make) for _ in range(num_envs)]


class RayVectorEnv(VectorEnv):
    """``num_envs`` copies of ``make()``, each in its own Ray actor (Ray must be
    initialised: :func:`ran_gym.cluster.ray_session`)."""

    def __init__(self, make: Callable[[], gym.Env], num_envs: int, *, num_cpus: float = 1.0,
                 timeout_s: float = 300.0, ledger: Path | None = None):
        import ray

        self._ray = ray
        self.timeout_s = float(timeout_s)
        self.actors = start_actors(make, num_envs, num_cpus)
        self.num_envs = num_envs
        try:
            obs_space, act_space = ray.get(
                self.actors[0].spaces.options(max_task_retries=RESET_TRIES).remote())
        except ray.exceptions.RayActorError as error:
            self.close()
            raise RuntimeError(f"the rollout actors could not build their env: {error}"
                               ) from None
        # deep copies: arrays from Ray's object store are read-only
        obs_space, act_space = copy.deepcopy(obs_space), copy.deepcopy(act_space)
        self.single_observation_space, self.single_action_space = obs_space, act_space
        self.observation_space = batch_space(obs_space, num_envs)
        self.action_space = batch_space(act_space, num_envs)
        self.metadata = {"autoreset_mode": AutoresetMode.DISABLED}
        self.restarts = [0] * num_envs
        """Failures absorbed per sub-env: in its actor (simulators) and of the actor."""
        self.actor_failures = 0
        self._last: list[Any] = [None] * num_envs
        self._seed: list[int] = [-1] * num_envs
        self._steps = [0] * num_envs
        self._ledger = open(ledger, "a", newline="") if ledger else None  # noqa: SIM115
        if self._ledger is not None:
            self._csv = csv.writer(self._ledger)
            if self._ledger.tell() == 0:
                self._csv.writerow(LEDGER_COLUMNS)

    # -- Gymnasium VectorEnv API -------------------------------------------------------

    def reset(self, *, seed: int | Sequence[int | None] | None = None,
              options: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
        options = dict(options or {})
        mask = np.asarray(options.pop("reset_mask", np.ones(self.num_envs, bool)), bool)
        seeds = ([None] * self.num_envs if seed is None
                 else [seed + i for i in range(self.num_envs)] if isinstance(seed, int)
                 else list(seed))
        if len(seeds) != self.num_envs or mask.shape != (self.num_envs,):
            raise ValueError(f"reset: {self.num_envs} seeds and a reset_mask of that length")
        infos: dict[str, Any] = {}
        pending = [int(i) for i in np.flatnonzero(mask)]
        failure: Exception | None = None
        for _ in range(RESET_TRIES):
            refs = {i: self.actors[i].reset.options(max_task_retries=RESET_TRIES).remote(
                        seeds[i], options or None) for i in pending}
            pending = []
            for i, result in self._gather(refs, retryable=RESTARTABLE).items():
                if isinstance(result, Exception):
                    if isinstance(result, RESTARTABLE):  # the actor lives; its simulators died
                        self.restarts[i] += 1
                    else:
                        self._lost(i)
                    pending.append(i)
                    failure = result
                    continue
                obs, info, new = result
                self.restarts[i] += new
                self._last[i], self._steps[i] = obs, 0
                self._seed[i] = -1 if seeds[i] is None else int(seeds[i])  # type: ignore[arg-type]
                infos = self._add_info(infos, info, i)
            if not pending:
                return self._batch(self._last), infos
        raise RuntimeError(f"rollout actors {pending}: {RESET_TRIES} resets failed in a row; "
                           f"the last: {failure}") from failure

    def step(self, actions: Any) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray,
                                          dict[str, Any]]:
        single = list(iterate(self.single_action_space, actions))
        refs = {i: actor.step.remote(wire.pack(single[i])) for i, actor in enumerate(self.actors)}
        rewards = np.zeros(self.num_envs, np.float64)
        terminated = np.zeros(self.num_envs, bool)
        truncated = np.zeros(self.num_envs, bool)
        infos: dict[str, Any] = {}
        for i, result in sorted(self._gather(refs, wire.unpack).items()):
            self._steps[i] += 1
            if isinstance(result, Exception):
                self._lost(i)
                truncated[i] = True
                info = {FAILURE_KEY: type(result).__name__.replace("Error", ""),
                        "simulator_error": str(result).splitlines()[0][:500],
                        EPISODE_SEED: self._seed[i], EPISODE_STEP: self._steps[i]}
            else:
                self._last[i], rewards[i], terminated[i], truncated[i], info, new = result
                self.restarts[i] += new
            infos = self._add_info(infos, info, i)
            self._record(i, float(rewards[i]), info)
        return self._batch(self._last), rewards, terminated, truncated, infos

    def get_attr(self, name: str) -> tuple[Any, ...]:
        if name == "restarts":
            return tuple(self.restarts)
        return tuple(self._ray.get([a.get_attr.remote(name) for a in self.actors]))

    def close_extras(self, **kwargs: Any) -> None:
        ray = self._ray
        try:
            ray.wait([a.close.remote() for a in self.actors], num_returns=len(self.actors),
                     timeout=30)
        finally:
            for actor in self.actors:
                ray.kill(actor, no_restart=True)
            if self._ledger is not None:
                self._ledger.close()

    # -- helpers -----------------------------------------------------------------------

    def pids(self) -> list[tuple[int, int | None]]:
        """(actor process, simulator process) per sub-env (tests, benchmarks)."""
        return list(self._ray.get([a.pids.remote() for a in self.actors]))

    def _gather(self, refs: dict[int, Any], decode: Callable[[Any], Any] = lambda r: r,
                retryable: tuple[type[Exception], ...] = ()) -> dict[int, Any]:
        """Each call's result (``decode``d), or the exception that says its actor is gone
        or that the call failed in a ``retryable`` way; an actor that does not answer
        within ``timeout_s`` is killed (Ray restarts it). Any other error is raised."""
        ray = self._ray
        deadline = time.monotonic() + self.timeout_s
        try:  # the common case in one call: every actor answers in time
            results = [decode(r) for r in ray.get(list(refs.values()), timeout=self.timeout_s)]
            if all(r is not None for r in results):
                return dict(zip(refs, results, strict=True))
        except (ray.exceptions.RayActorError, ray.exceptions.GetTimeoutError,
                ray.exceptions.RayTaskError):
            pass  # sorted out below, actor by actor (an env's own error is raised there)
        _, late = ray.wait(list(refs.values()), num_returns=len(refs),
                           timeout=max(deadline - time.monotonic(), 0.0))
        out: dict[int, Any] = {}
        for i, ref in refs.items():
            if ref in late:
                ray.kill(self.actors[i], no_restart=False)
                out[i] = ActorTimeoutError(f"rollout actor {i} did not answer within "
                                           f"{self.timeout_s:g} s; restarted")
                continue
            try:
                out[i] = decode(ray.get(ref))
            except ray.exceptions.RayActorError as error:
                out[i] = ActorDiedError(f"rollout actor {i} died: {error}")
            except retryable as error:  # Ray raises the env's error as its own type too
                out[i] = getattr(error, "cause", error)  # the env's, without Ray's traceback
            if out[i] is None:  # a step reached the restarted actor of a dead one
                out[i] = ActorDiedError(f"rollout actor {i} was restarted; its episode died "
                                        "with its previous process")
        return out

    def _lost(self, i: int) -> None:
        self.restarts[i] += 1
        self.actor_failures += 1

    def _batch(self, items: list[Any]) -> Any:
        out = create_empty_array(self.single_observation_space, n=self.num_envs, fn=np.zeros)
        assert out is not None
        return concatenate(self.single_observation_space, items, out)

    def _record(self, i: int, reward: float, info: dict[str, Any]) -> None:
        if self._ledger is not None:
            self._csv.writerow([i, info.get(EPISODE_SEED, -1), info.get(EPISODE_STEP, -1),
                                repr(reward), info.get(FAILURE_KEY, "")])
            self._ledger.flush()


class ActorDiedError(RuntimeError):
    """A rollout actor's process is gone (killed, or its node lost)."""


class ActorTimeoutError(RuntimeError):
    """A rollout actor did not answer in time."""
