"""``EnvActor``: one env in a Ray actor process, built there by a callable, so that its
simulator runs on the actor's node (natively, or in the scenario image with
``runtime="docker"``).

Every answer carries the simulator failures the env absorbed since the previous answer
(``Ns3Env.restarts``, ``auto_restart``), because the count inside a restarted actor
starts again at 0; the learner side keeps the running total. Step infos carry the
episode's key: ``episode_seed`` (the seed its ``reset`` got) and ``episode_step``
(1, 2, ...).

``step`` takes and returns its data as bytes (:mod:`ran_gym.rollouts.wire`). Given the
learner's :class:`~ran_gym.rollouts.channel.Link`, the actor serves it over the step
channel (:mod:`ran_gym.rollouts.channel`) rather than as a Ray call: that is the one call
made once per env step. ``reset`` and ``peer`` name the channel identity of this
incarnation of the actor, which a restart changes.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import gymnasium as gym

from bridge.env import RESTARTABLE
from ran_gym.rollouts import wire
from ran_gym.rollouts.channel import ActorChannel, Link

BUILD_TRIES = 3
"""Attempts at building the env (it starts a simulator to learn the spaces), which a
simulator crash or hang may fail: a failed constructor would leave the actor dead."""
EPISODE_SEED = "episode_seed"
EPISODE_STEP = "episode_step"


def _restarts(env: gym.Env) -> int:
    try:
        return int(env.get_wrapper_attr("restarts"))
    except AttributeError:
        return 0


class EnvActor:
    """Hosts ``make()``; the Ray actor class is ``ray.remote(...)(EnvActor)``."""

    def __init__(self, make: Callable[[], gym.Env], link: Link | None = None, index: int = 0):
        for attempt in range(BUILD_TRIES):  # building an env runs a simulator too
            try:
                self.env = make()
                break
            except RESTARTABLE:
                if attempt + 1 == BUILD_TRIES:
                    raise
        self.reported = 0
        self.seed: int | None = None
        self.step_index: int | None = None  # None: no episode here (e.g. just restarted)
        self.channel = None if link is None else ActorChannel(link, index, self.step)

    def _new_restarts(self) -> int:
        total = _restarts(self.env)
        new, self.reported = total - self.reported, total
        return new

    def spaces(self) -> tuple[gym.Space, gym.Space]:
        return self.env.observation_space, self.env.action_space

    def peer(self) -> bytes | None:
        """This incarnation's identity on the step channel (None: no channel)."""
        return None if self.channel is None else self.channel.identity

    def reset(self, seed: int | None, options: dict[str, Any] | None = None
              ) -> tuple[Any, dict[str, Any], int, bytes | None]:
        obs, info = self.env.reset(seed=seed, options=options)
        self.seed, self.step_index = seed, 0
        return obs, info, self._new_restarts(), self.peer()

    def step(self, action: bytes) -> bytes:
        """``wire.pack(action)`` in, the packed step out: ``[obs, reward, terminated,
        truncated, info, new restarts]``, or None when this actor holds no episode (Ray
        restarted it since the learner's last call, and the episode died with its
        predecessor)."""
        if self.step_index is None:
            return wire.pack(None)
        obs, reward, terminated, truncated, info = self.env.step(wire.unpack(action))
        self.step_index += 1
        info = {**info, EPISODE_SEED: -1 if self.seed is None else int(self.seed),
                EPISODE_STEP: self.step_index}
        return wire.pack([obs, float(reward), bool(terminated), bool(truncated), info,
                          self._new_restarts()])

    def play(self, episode: Callable[..., Any], *args: Any) -> tuple[Any, int]:
        """``episode(env, *args)`` here (e.g. a whole behaviour-policy episode), with the
        failures absorbed meanwhile."""
        return episode(self.env, *args), self._new_restarts()

    def get_attr(self, name: str) -> Any:
        return self.env.get_wrapper_attr(name)

    def pids(self) -> tuple[int, int | None]:
        """This actor's process id and its running simulator's, if any (tests, benchmarks)."""
        session = getattr(self.env.unwrapped, "_session", None)
        return os.getpid(), None if session is None else session.process.pid

    def close(self) -> None:
        if self.channel is not None:
            self.channel.close()
        self.env.close()
