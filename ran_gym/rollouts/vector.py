"""``RayVectorEnv``: K envs in K Ray actors as one Gymnasium vector env.

Gymnasium's vector envs run their sub-envs on the learner's host; here each sub-env lives
in an :class:`~ran_gym.rollouts.actor.EnvActor` that Ray places on any node of the
cluster (``SPREAD``: one per node before two on one), so the simulators run across
hosts. The decisions stay in the learner: one batched forward for the K observations,
the K actions sent out over the step channel (:mod:`ran_gym.rollouts.channel`: one
ZeroMQ message each way, not a Ray task), the K results gathered. Sub-env i reset with
seed s meets exactly what sub-env i of the local ``AsyncVectorEnv`` reset with s meets
(the same env, the same seed, the same actions). Autoreset mode: DISABLED (the caller
resets finished sub-envs with ``options={"reset_mask": ...}``), as the Diffusion-QL loop
wants.

Faults: an actor whose process dies (killed, its node lost) or that does not answer
within ``timeout_s`` ends its sub-env's episode as truncated with reward 0 and the last
observation, ``info["simulator_failure"]`` naming the cause (``ActorDied``,
``ActorTimeout``), exactly as ``Ns3Env(auto_restart=True)`` reports a simulator crash.
A death shows on the channel (the actor's connection is gone), or when an answer is
``LIVENESS_S`` late, Ray is asked for the actor's channel identity: an error, or the new
identity of a restarted incarnation, means the episode died with the old one. Ray
restarts the actor (``max_restarts=-1``), which builds a fresh env, and the next
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
from ran_gym.rollouts.channel import OK, LearnerChannel, Link

RESET_TRIES = 3
LIVENESS_S = 0.5
"""An answer this late has Ray asked whether its actor is still the same process."""
RESTARTED = "was restarted; its episode died with its previous process"
CONNECT_S = 30.0
"""A living actor whose channel has not said hello this long into a step cannot reach
the learner's channel port (a firewall, a wrong address): an error that says so."""
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


def start_actors(make: Callable[[], gym.Env], num_envs: int, num_cpus: float = 1.0,
                 link: Link | None = None) -> list[Any]:
    """``num_envs`` actors hosting ``make()``, spread over the cluster's nodes (serving
    steps over the channel at ``link``, if given)."""
    if num_envs < 1:
        raise ValueError(f"num_envs must be >= 1, got {num_envs}")
    cls = actor_class(num_cpus)
    return [cls.options(scheduling_strategy="SPREAD").remote(make, link, i)
            for i in range(num_envs)]


class RayVectorEnv(VectorEnv):
    """``num_envs`` copies of ``make()``, each in its own Ray actor (Ray must be
    initialised: :func:`ran_gym.cluster.ray_session`)."""

    def __init__(self, make: Callable[[], gym.Env], num_envs: int, *, num_cpus: float = 1.0,
                 timeout_s: float = 300.0, ledger: Path | None = None):
        import ray

        from ran_gym.cluster import channel_host

        self._ray = ray
        self.timeout_s = float(timeout_s)
        self._ledger = None  # close() needs it, should building the envs fail
        self.channel = LearnerChannel(channel_host())
        self.actors = start_actors(make, num_envs, num_cpus, self.channel.link)
        self.num_envs = num_envs
        try:
            obs_space, act_space = ray.get(
                self.actors[0].spaces.options(max_task_retries=RESET_TRIES).remote())
        except ray.exceptions.RayActorError as error:
            self.close()
            cause = str(error).strip().splitlines()[-1]  # the env's error, after Ray's trace
            raise RuntimeError(f"the rollout actors could not build their env: {cause}"
                               ) from error
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
        self._peer: list[bytes | None] = [None] * num_envs  # channel identity per actor
        self._seq = 0
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
                obs, info, new, self._peer[i] = result
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
        answers = self._exchange([wire.pack(a) for a in single])
        rewards = np.zeros(self.num_envs, np.float64)
        terminated = np.zeros(self.num_envs, bool)
        truncated = np.zeros(self.num_envs, bool)
        infos: dict[str, Any] = {}
        for i, result in sorted(answers.items()):
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
            self.channel.close()
            if self._ledger is not None:
                self._ledger.close()

    # -- helpers -----------------------------------------------------------------------

    def pids(self) -> list[tuple[int, int | None]]:
        """(actor process, simulator process) per sub-env (tests, benchmarks)."""
        return list(self._ray.get([a.pids.remote() for a in self.actors]))

    def _gather(self, refs: dict[int, Any], retryable: tuple[type[Exception], ...] = ()
                ) -> dict[int, Any]:
        """Each call's result, or the exception that says its actor is gone
        or that the call failed in a ``retryable`` way; an actor that does not answer
        within ``timeout_s`` is killed (Ray restarts it). Any other error is raised."""
        ray = self._ray
        deadline = time.monotonic() + self.timeout_s
        try:  # the common case in one call: every actor answers in time
            return dict(zip(refs, ray.get(list(refs.values()), timeout=self.timeout_s),
                            strict=True))
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
                out[i] = ray.get(ref)
            except ray.exceptions.RayActorError as error:
                out[i] = ActorDiedError(f"rollout actor {i} died: {error}")
            except retryable as error:  # Ray raises the env's error as its own type too
                out[i] = getattr(error, "cause", error)  # the env's, without Ray's traceback
        return out

    def _exchange(self, actions: list[bytes]) -> dict[int, Any]:
        """Each sub-env's step over the channel: its unpacked result, or the error that
        says its actor is gone (or did not answer within ``timeout_s``: then it is
        killed, and Ray restarts it). An env's own error in a step is raised."""
        start = time.monotonic()
        deadline = start + self.timeout_s
        self._seq += 1
        out: dict[int, Any] = {i: self._died(i, RESTARTED) for i in range(self.num_envs)
                               if self._peer[i] is None}  # no episode since a restart
        unsent = set(range(self.num_envs)) - set(out)
        sent: dict[bytes, int] = {}  # peer -> sub-env, for the steps awaiting an answer
        pings: dict[int, Any] = {}
        checked = start
        while unsent or sent:
            self._send(actions, unsent, sent, out)
            self._answers(min(deadline, checked + LIVENESS_S) - time.monotonic(), sent, out)
            now = time.monotonic()
            waiting = unsent | set(sent.values())
            if now >= deadline:
                for i in waiting:
                    self._ray.kill(self.actors[i], no_restart=False)
                    self._peer[i] = None
                    out[i] = ActorTimeoutError(f"rollout actor {i} did not answer within "
                                               f"{self.timeout_s:g} s; restarted")
                return out
            if now - checked >= LIVENESS_S:  # late: is each actor still the same process?
                checked = now
                for i, why in self._gone(waiting, pings).items():
                    unsent.discard(i)
                    sent = {peer: j for peer, j in sent.items() if j != i}
                    out[i] = self._died(i, why)
                if unsent and now - start >= CONNECT_S:
                    raise RuntimeError(
                        f"rollout actors {sorted(unsent)} never reached the learner's step "
                        f"channel at {self.channel.link.endpoint} in {CONNECT_S:g} s: their "
                        "nodes must reach that address and port (docs/scale-out.md)")
        return out

    def _send(self, actions: list[bytes], unsent: set[int], sent: dict[bytes, int],
              out: dict[int, Any]) -> None:
        """Send each unsent action whose actor's channel is up (it said hello)."""
        for i in sorted(unsent):
            peer = self._peer[i]
            if peer in self.channel.ready:
                unsent.discard(i)
                if self.channel.send(peer, self._seq, actions[i]):
                    sent[peer] = i
                else:
                    out[i] = self._died(i, "dropped its channel connection")

    def _answers(self, wait_s: float, sent: dict[bytes, int], out: dict[int, Any]) -> None:
        """Take the answers that arrive within ``wait_s`` into ``out``."""
        for peer, seq, status, payload in self.channel.receive(max(int(wait_s * 1e3), 0)):
            i = sent.get(peer, -1)
            if i < 0 or seq != self._seq:
                continue  # the late answer of an actor given up on
            del sent[peer]
            if status != OK:
                raise RuntimeError(f"rollout actor {i}: {payload.decode(errors='replace')}")
            out[i] = wire.unpack(payload)
            if out[i] is None:
                out[i] = self._died(i, RESTARTED)

    def _gone(self, waiting: set[int], pings: dict[int, Any]) -> dict[int, str]:
        """Of the actors ``waiting`` for, those that Ray says died or were restarted
        (asking each once per call; an unanswered question stays in ``pings``)."""
        ray = self._ray
        for i in waiting - set(pings):
            pings[i] = self.actors[i].peer.remote()
        done, _ = ray.wait(list(pings.values()), num_returns=len(pings), timeout=0)
        gone = {}
        for i, ref in list(pings.items()):
            if ref not in done:
                continue  # a hung actor answers Ray no more than the channel
            del pings[i]
            try:
                if ray.get(ref) != self._peer[i]:
                    gone[i] = RESTARTED
            except ray.exceptions.RayActorError as error:
                gone[i] = f"died: {error}"
        return {i: why for i, why in gone.items() if i in waiting}

    def _died(self, i: int, why: str) -> ActorDiedError:
        self._peer[i] = None
        return ActorDiedError(f"rollout actor {i} {why}")

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
