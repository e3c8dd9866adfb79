"""Rollout workers as Ray actors on a two-node Ray test cluster (one machine, token
authentication on): Diffusion-QL trained from 4 actors spread over both nodes stores,
seed for seed, the transitions the local vector env gives; ``ran-gym collect`` played in
actors writes the local collection; a driver without the cluster's token is refused."""

from __future__ import annotations

import collections
import contextlib
import csv
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from agents.common.checkpoint import load_torch
from ran_gym.bench.markdown import render
from ran_gym.cli import main
from ran_gym.dataset.collect import load
from tests import ray_cluster
from tests.conftest import program

pytest.importorskip("ray")

SLICING = ["--scenario", "oran-slicing", "--param", "n_ues=4", "--param", "n_rus=2",
           "--param", "maxSteps=3"]
SMALL_AGENT = [f"--agent-param={p}" for p in ("hidden=16", "layers=2", "batch_size=16",
                                               "learning_starts=10", "candidates=2")]


def train_args(out: Path, steps: int, *extra: str) -> list[str]:
    return ["train", "--agent", "diffusion-ql", *SLICING, "--device", "cpu", "--seed", "3",
            "--num-envs", "4", "--iterations", str(steps), "--log-every", "1000",
            "--checkpoint-every", "0", *SMALL_AGENT, "--out", str(out), *extra]


@pytest.fixture(scope="module")
def cluster() -> Iterator[ray_cluster.TestCluster]:
    program("ran-gym-oran-slicing")
    with ray_cluster.two_node_cluster() as test_cluster:
        yield test_cluster


class NodeWatch(threading.Thread):
    """Samples, while a training runs, which nodes' raylets have simulators below them."""

    def __init__(self, nodes: dict[str, Any]):
        super().__init__(daemon=True)
        self.nodes, self.seen = nodes, {name: 0 for name in nodes}
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.05):
            for name, node in self.nodes.items():
                self.seen[name] = max(self.seen[name], len(ray_cluster.simulators(node)))


def ledger(out: Path) -> list[dict[str, str]]:
    with open(out / "rollouts.csv", newline="") as f:
        return list(csv.DictReader(f))


def test_four_actors_on_two_nodes_store_the_local_vector_envs_transitions(cluster, tmp_path):
    """240 steps of Diffusion-QL (20 three-step episodes per sub-env), from 4 Ray actors
    (2 per node) in two runs of 120 (the second one ``--resume``, at an episode
    boundary): the replay buffer and networks equal, transition for transition, those of
    one run of 240 from 4 local AsyncVectorEnv workers with the same seed; the ledger
    names each transition's episode seed and step, and per seed the rewards agree."""
    c = cluster
    ray_args = ("--rollouts", "ray", "--ray-address", c.address)
    watch = NodeWatch({"head": c.head, "worker": c.worker})
    watch.start()
    try:
        assert main(train_args(tmp_path / "ray", 120, *ray_args)) == 0
    finally:
        watch.done.set()
        watch.join()
    assert watch.seen == {"head": 2, "worker": 2}  # SPREAD: two actors on each node
    assert main(train_args(tmp_path / "ray", 120, *ray_args, "--resume")) == 0
    assert main(train_args(tmp_path / "local", 240)) == 0

    ray_replay = load_torch(tmp_path / "ray" / "diffusion-ql.pt")["replay"]
    local_replay = load_torch(tmp_path / "local" / "diffusion-ql.pt")["replay"]
    assert ray_replay["size"] == local_replay["size"] == 240
    for key, value in local_replay.items():
        if torch.is_tensor(value):
            assert torch.equal(ray_replay[key], value), key
    rewards = local_replay["rewards"][:240].reshape(-1)
    assert len(set(rewards.tolist())) > 50  # 80 episodes of real traffic, not a constant
    ray_state = load_torch(tmp_path / "ray" / "diffusion-ql.pt")
    local_state = load_torch(tmp_path / "local" / "diffusion-ql.pt")
    for name in ("actor", "critic", "ema_actor"):
        for key, value in local_state[name].items():
            assert torch.equal(ray_state[name][key], value), f"{name}.{key}"

    rows = ledger(tmp_path / "ray")
    assert len(rows) == 240 and not any(r["failure"] for r in rows)
    by_seed: dict[str, list[float]] = {}
    for row in rows:
        by_seed.setdefault(row["episode_seed"], []).append(float(row["reward"]))
        assert int(row["episode_step"]) == len(by_seed[row["episode_seed"]])
    assert len(by_seed) == 80 and {len(r) for r in by_seed.values()} == {3}
    assert [float(r["reward"]) for r in rows] == pytest.approx(rewards.tolist(), abs=1e-6)
    config = (tmp_path / "ray" / "config.json").read_text()
    assert '"rollouts": "ray"' in config and '"num_envs": 4' in config


def test_collect_in_actors_writes_the_local_collection(cluster, tmp_path):
    """Episodes played in 2 actors (the behaviour policy beside the simulator) give the
    rows 2 local envs give: same seeds, policies, observations, actions, rewards."""
    c = cluster
    base = ["collect", *SLICING, "--policy", "qos-greedy,random", "--steps", "12",
            "--num-envs", "2", "--seed", "9"]
    assert main([*base, "--out", str(tmp_path / "ray"), "--rollouts", "ray",
                 "--ray-address", c.address]) == 0
    assert main([*base, "--out", str(tmp_path / "local")]) == 0
    remote, local = load(tmp_path / "ray").to_pylist(), load(tmp_path / "local").to_pylist()
    assert len(local) == 12 and remote == local
    assert [r["seed"] for r in local[::3]] == [9, 10, 11, 12]
    assert len({r["reward"] for r in local}) > 6


def _drivers(address: str, envs: list[dict[str, str]]) -> list[tuple[int, str, str]]:
    """Separate Python processes (at once) joining the cluster and running one task on
    it: (exit status, stdout, stderr) of each. Two connection attempts, not Ray's 20."""
    code = (f"import ray; ray.init(address={address!r}, log_to_driver=False, "
            f"_node_ip_address={ray_cluster.LOOPBACK!r}); "
            "print('answer', ray.get(ray.remote(lambda: 6 * 7).remote()))")
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True,
                              env={**env, "RAY_gcs_server_port_wait_time_s": "2"})
             for env in envs]
    out = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=60)
        out.append((proc.returncode, stdout, stderr))
    return out


def test_a_driver_without_the_clusters_token_is_refused(cluster, tmp_path):
    """The rollouts' remote-serving side is the Ray cluster: with token authentication a
    peer holding a wrong token, or none, is refused with Ray's AuthenticationError
    (InvalidAuthToken) and runs nothing; the right token runs a task."""
    c, token = cluster, cluster.token
    base = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    base["HOME"] = str(tmp_path)  # no ~/.ray/auth_token to fall back on
    right, wrong, none = _drivers(c.address, [
        {**base, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": token},
        {**base, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": "0" * 64},
        base])
    assert right[0] == 0 and "answer 42" in right[1], right[2][-2000:]
    for status, stdout, stderr in (wrong, none):
        assert status != 0 and "answer" not in stdout
        assert "AuthenticationError" in stderr and "InvalidAuthToken" in stderr, stderr[-2000:]


def test_ray_rollouts_are_refused_for_a_trainer_without_them(tmp_path, capsys):
    started = time.monotonic()
    args = ["train", "--agent", "dqn", *SLICING, "--out", str(tmp_path), "--rollouts", "ray"]
    assert main(args) == 2
    assert "--rollouts ray: only diffusion-ql" in capsys.readouterr().err
    assert main(["train", "--agent", "diffusion-ql", *SLICING, "--out", str(tmp_path),
                 "--ray-address", "127.0.0.1:1"]) == 2
    assert "--ray-address needs --rollouts ray" in capsys.readouterr().err
    assert time.monotonic() - started < 10  # refused before any simulator or Ray starts


class Killer(threading.Thread):
    """SIGKILLs, one every ``pause_s`` while a training runs, what ``plan`` names:
    ``simulator`` (a random ns-3 process of the cluster's actors), ``actor`` (a rollout
    actor's process on the head node), ``node`` (the worker node: every Ray process of
    it, replaced by a fresh node). Starts once the ledger shows the rollouts running."""

    def __init__(self, cluster: ray_cluster.TestCluster, ledger: Path, plan: list[str],
                 pause_s: float = 0.3):
        super().__init__(daemon=True)
        self.cluster, self.ledger, self.plan, self.pause_s = cluster, ledger, plan, pause_s
        self.kills: list[str] = []
        self.orphans: set[int] = set()  # simulators whose actor was killed
        self.done = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self._run()
        except BaseException as error:  # noqa: BLE001 - reported by the test
            self.error = error

    def _run(self) -> None:
        rng = random.Random(21)
        while not self.done.wait(0.05) and (
                not self.ledger.is_file() or len(self.ledger.read_text().splitlines()) < 13):
            pass
        for kind in self.plan:
            if self.done.wait(self.pause_s):
                return
            if kind == "node":
                self.orphans |= ray_cluster.simulators(self.cluster.worker)
                self.cluster.replace_worker()
                self.kills.append(kind)
            elif kind == "actor":
                pid = rng.choice(sorted(ray_cluster.actors(self.cluster.head)))
                self.orphans |= {p for p in ray_cluster.descendants(pid)
                                 if ray_cluster.alive(p)}
                self._kill(pid, kind)
            else:
                while not self.done.is_set():
                    nodes = [self.cluster.head, *self.cluster.cluster.worker_nodes]
                    # not an orphan: one whose actor is gone may still hang below a
                    # raylet, and killing it would test nothing
                    found = sorted(set().union(*(ray_cluster.simulators(n) for n in nodes))
                                   - self.orphans)
                    if found and self._kill(rng.choice(found), kind):
                        break
                    time.sleep(0.02)

    def _kill(self, pid: int, kind: str) -> bool:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return False
        self.kills.append(kind)
        return True


PLAN = ["simulator", "simulator", "node", "simulator", "actor", *["simulator"] * 7]


def test_training_goes_on_through_killed_simulators_actors_and_a_node(cluster, tmp_path):
    """Diffusion-QL from 4 actors while 12 kills land: 10 simulators, an actor and the
    worker node (its two actors and their simulators). The training completes; every
    failed step (the ledger's rows with a failure) is truncated and stored nowhere, so
    the replay holds exactly the other steps, in order, each (episode seed, step) once;
    resuming the final checkpoint gives the same run with Ray actors as with local
    workers."""
    out = tmp_path / "chaos"
    killer = Killer(cluster, out / "rollouts.csv", PLAN)
    killer.start()
    try:
        assert main(train_args(out, 360, "--rollouts", "ray", "--ray-address",
                               cluster.address, "--auto-restart")) == 0
    finally:
        killer.done.set()
        killer.join()
        for pid in killer.orphans:  # they would wait out their own 60 s receive timeout
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    assert killer.error is None, killer.error
    assert killer.kills.count("node") == 1 and killer.kills.count("actor") == 1
    assert len(killer.kills) >= 10, f"the training outran the killer: {killer.kills}"

    state = load_torch(out / "diffusion-ql.pt")
    summary = json.loads((out / "summary.json").read_text())
    rows = ledger(out)
    stored = [r for r in rows if not r["failure"]]
    failed = [r for r in rows if r["failure"]]
    size = state["replay"]["size"]
    assert size == len(rows) - len(failed) == len(stored) == summary["steps"], summary
    assert 360 <= size < 364 and state["num_timesteps"] == size
    failures = collections.Counter(r["failure"] for r in failed)
    diagnosis = f"kills {killer.kills}; failed steps {dict(failures)}; summary {summary}"
    # A lost actor shows as an ActorDied step, or as a reset Ray retried on its successor;
    # a killed simulator as a SimulatorCrashed step (or nothing, caught while it exited).
    assert set(failures) <= {"SimulatorCrashed", "ActorDied"}, diagnosis
    assert failures["SimulatorCrashed"] >= 3, diagnosis
    assert summary["simulator_restarts"] >= len(failed), diagnosis
    keys = [(r["episode_seed"], int(r["episode_step"])) for r in stored]
    assert len(set(keys)) == len(keys)  # no transition stored twice
    steps: dict[str, list[int]] = {}
    for seed, step in keys:
        steps.setdefault(seed, []).append(step)
    assert all(s == list(range(1, len(s) + 1)) for s in steps.values())  # none lost
    assert [float(r["reward"]) for r in stored] == pytest.approx(
        state["replay"]["rewards"][:size].reshape(-1).tolist(), abs=1e-6)

    for mode in ("ray", "local"):  # resume: 24 more steps from the same checkpoint
        shutil.copytree(out, tmp_path / mode)
        extra = ("--rollouts", "ray", "--ray-address", cluster.address) if mode == "ray" else ()
        assert main([*train_args(tmp_path / mode, 24, *extra), "--resume"]) == 0
    a = load_torch(tmp_path / "ray" / "diffusion-ql.pt")
    b = load_torch(tmp_path / "local" / "diffusion-ql.pt")
    assert a["num_timesteps"] == b["num_timesteps"] == size + 24
    for key, value in b["replay"].items():
        if torch.is_tensor(value):
            assert torch.equal(a["replay"][key], value), key
            assert torch.equal(value[:size], state["replay"][key][:size]), key
    for name in ("actor", "critic"):
        for key, value in b[name].items():
            assert torch.equal(a[name][key], value), f"{name}.{key}"


def test_bench_scaling_times_ray_actors_beside_the_local_vector_env(cluster, capsys):
    """``bench scaling --rollouts ray``: the local vector env, actors deciding in the
    learner and actors deciding themselves, at each N, in one run; the overhead figures
    follow from the rows."""
    tiny = ["--param=nRus=1", "--param=nUes=3", "--param=warmupMs=20"]
    assert main(["bench", "scaling", "--rollouts", "ray", "--ray-address", cluster.address,
                 "--num-envs", "1,2", "--steps", "3", *tiny]) == 0
    result = json.loads(capsys.readouterr().out)
    for variant in ("num_envs", "ray", "ray_actor_decisions"):
        one, two = result[variant]["1"], result[variant]["2"]
        assert one["speedup"] == 1.0 and one["sim_cpu_ms_per_step"] > 0
        assert two["wall_s"] == pytest.approx(2 * 3 / two["steps_per_s"], rel=1e-2)
        assert two["python_cpu_ms_per_step"] > 0
    o = result["ray_overhead"]
    # The rows' figures have four significant digits: a difference of two of them is
    # known to their rounding (5e-4 of each), which can exceed 1 % of a small difference.
    ray_ms, local_ms = (1e3 / result[v]["1"]["steps_per_s"] for v in ("ray", "num_envs"))
    assert o["wall_ms_per_step"] == pytest.approx(
        ray_ms - local_ms, rel=1e-3, abs=6e-4 * (ray_ms + local_ms))
    ray_cpu, local_cpu = (result[v]["1"]["python_cpu_ms_per_step"] for v in ("ray", "num_envs"))
    assert o["cpu_ms_per_step"] == pytest.approx(
        ray_cpu - local_cpu, rel=1e-3, abs=6e-4 * (ray_cpu + local_cpu))
    bridge = result["bridge"]
    assert o["plain_step_cpu_ms"] == pytest.approx(
        bridge["sim_cpu_ms_per_step"] + bridge["bridge_cpu_ms_per_step"], rel=1e-3)
    assert o["target_met"] == (o["cpu_ms_per_step"] <= 0.1 * o["plain_step_cpu_ms"])
    table = render({"command": "c", "date": "d", "suites": {"scaling": result}}, Path("r.json"))
    assert "| ray | 2 |" in table and "| ray_actor_decisions | 1 |" in table
    assert "target ≤ 10 %" in table


@contextlib.contextmanager
def _stopped(pid: int) -> Iterator[None]:
    """``pid`` SIGSTOPped inside the block (hung: alive, answering nothing), SIGCONTed
    after it if it still exists."""
    os.kill(pid, signal.SIGSTOP)
    try:
        deadline = time.monotonic() + 5  # the kernel stops it on its next way out
        while _state(pid) != "T":
            assert time.monotonic() < deadline, f"process {pid} did not stop: {_state(pid)}"
            time.sleep(0.01)
        yield
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGCONT)


def _state(pid: int) -> str:
    """The process's state letter (/proc/PID/stat): T stopped, S sleeping, R running...;
    "gone" once it no longer exists."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return "gone"


def test_actors_that_cannot_build_their_env_are_named_and_leave_nothing_open(cluster):
    """An env whose constructor fails in every actor: the vector env raises an error
    naming the env's own, and closes what it had opened (its step channel's socket)."""
    import zmq

    from ran_gym.cluster import ray_session
    from ran_gym.rollouts import vector

    def make() -> Any:  # nested: Ray pickles it by value
        raise ValueError("no scenario called 'nowhere'")

    opened = []

    class Recording(vector.LearnerChannel):
        def __init__(self, host: str):
            super().__init__(host)
            opened.append(self)

    with ray_session(cluster.address, None), \
            pytest.MonkeyPatch.context() as patch:
        patch.setattr(vector, "LearnerChannel", Recording)
        with pytest.raises(RuntimeError, match="the rollout actors could not build their "
                           "env: .*no scenario called 'nowhere'"):
            vector.RayVectorEnv(make, 2, timeout_s=30.0)
    assert len(opened) == 1 and opened[0].socket.closed
    with pytest.raises(zmq.ZMQError):  # the context is terminated
        opened[0].context.socket(zmq.DEALER)


def test_actors_that_cannot_reach_the_step_channel_are_named(cluster):
    """Actors whose node cannot reach the learner's channel port (here: they are told a
    port nobody listens on) reset through Ray but never say hello on the channel: the
    first step fails, after ``CONNECT_S``, with an error that names the address."""
    import dataclasses
    import functools
    import socket

    from bridge.envs import ScenarioEnv
    from bridge.vector import batch_actions
    from ran_gym.cluster import ray_session
    from ran_gym.rollouts import vector

    with socket.socket() as probe:  # a port that was free a moment ago
        probe.bind(("127.0.0.1", 0))
        nowhere = f"tcp://127.0.0.1:{probe.getsockname()[1]}"

    class Misdirected(vector.LearnerChannel):
        def __init__(self, host: str):
            super().__init__(host)
            self.link = dataclasses.replace(self.link, endpoint=nowhere)

    make = functools.partial(ScenarioEnv, "oran-slicing",
                             {"nRus": 1, "nUes": 3, "warmupMs": 20, "maxSteps": 10},
                             timeout_s=60.0)
    with ray_session(cluster.address, None), pytest.MonkeyPatch.context() as patch:
        patch.setattr(vector, "LearnerChannel", Misdirected)
        patch.setattr(vector, "CONNECT_S", 2.0)
        envs = vector.RayVectorEnv(make, 1, timeout_s=60.0)
        try:
            envs.reset(seed=1)
            space = envs.single_action_space
            started = time.monotonic()
            with pytest.raises(RuntimeError, match=r"rollout actors \[0\] never reached the "
                               f"learner's step channel at {nowhere} in 2 s"):
                envs.step(batch_actions(envs, [space.sample()]))
            assert 2.0 <= time.monotonic() - started < 30
        finally:
            envs.close()


def test_a_reset_whose_simulators_all_fail_is_tried_again_then_named(cluster):
    """An actor's env gives up a reset after its own three simulators failed (here each
    stays silent past the env's 0.2 s deadline, in a warm-up of 10 simulated seconds,
    about 0.7 s on this machine; 3 s of warm-up took 0.21 s, too close to the deadline):
    the vector env tries that reset again in the same (living) actor, twice more, then
    raises an error that names the simulators' failure. Each failed try counts as a
    restart of that sub-env, none as an actor failure."""
    from bridge.envs import ScenarioEnv
    from ran_gym.cluster import ray_session
    from ran_gym.rollouts.vector import RESET_TRIES, RayVectorEnv

    def make() -> ScenarioEnv:  # nested: Ray pickles it by value
        env = ScenarioEnv("oran-slicing", {"nRus": 1, "nUes": 3, "warmupMs": 10000},
                          timeout_s=60.0, auto_restart=True)
        env.timeout_s = 0.2  # the spaces are known; every reset's simulators now time out
        return env

    with ray_session(cluster.address, None):
        envs = RayVectorEnv(make, 1, timeout_s=60.0)
        try:
            actor = envs.pids()[0][0]
            with pytest.raises(RuntimeError, match=f"{RESET_TRIES} resets failed in a row; "
                               "the last: .*no answer within 0.2 s") as raised:
                envs.reset(seed=3)
            assert type(raised.value.__cause__).__name__ != "RayActorError"
            assert envs.restarts == [RESET_TRIES] and envs.actor_failures == 0
            assert envs.pids()[0][0] == actor
        finally:
            envs.close()


def test_a_hung_simulator_and_a_hung_actor_end_only_their_own_episodes(cluster):
    """Two actors. Sub-env 0's simulator stops answering: its env gives up after its own
    timeout, the episode ends truncated with the simulator's failure, and the next reset
    gets a fresh simulator in the same actor. Then sub-env 1's actor process itself stops
    answering: the vector env gives up after its timeout, kills the actor (Ray restarts
    it), ends that episode truncated as ``ActorTimeout``, and the next reset reaches the
    restarted actor. The other sub-env steps on normally both times."""
    import functools

    from bridge.envs import ScenarioEnv
    from bridge.vector import batch_actions
    from ran_gym.cluster import ray_session
    from ran_gym.rollouts.vector import RayVectorEnv

    params = {"nRus": 1, "nUes": 3, "warmupMs": 20, "maxSteps": 100}
    make = functools.partial(ScenarioEnv, "oran-slicing", params, timeout_s=2.0,
                             auto_restart=True)
    with ray_session(cluster.address, None):
        envs = RayVectorEnv(make, 2, timeout_s=6.0)
        try:
            envs.reset(seed=5)
            space = envs.single_action_space
            action = batch_actions(envs, [space.sample(), space.sample()])
            envs.step(action)
            (actor_0, sim_0), (actor_1, sim_1) = envs.pids()
            assert sim_0 is not None and sim_1 is not None

            with _stopped(sim_0):
                _, _, _, truncated, infos = envs.step(action)
            assert truncated.tolist() == [True, False]
            assert infos["simulator_failure"][0] == "SimulatorTimeout"
            assert not infos["_simulator_failure"][1]
            assert envs.restarts == [1, 0] and envs.actor_failures == 0
            envs.reset(seed=[7, None], options={"reset_mask": np.array([True, False])})
            (same_actor, fresh_sim), _ = envs.pids()
            assert same_actor == actor_0 and fresh_sim not in (None, sim_0)

            with _stopped(actor_1):
                start = time.monotonic()
                _, _, _, truncated, infos = envs.step(action)
                waited = time.monotonic() - start
                state = _state(actor_1)
            # an answer while it is stopped would be a wrong one; if something continued
            # it meanwhile, the state says so
            assert truncated.tolist() == [False, True] and not infos["_simulator_failure"][0], (
                f"after {waited:.2f} s, the actor in state {state}: {infos}")
            assert infos["simulator_failure"][1] == "ActorTimeout"
            assert 6.0 <= waited < 60.0
            assert envs.restarts == [1, 1] and envs.actor_failures == 1
            deadline = time.monotonic() + 30  # ray.kill is asynchronous
            while ray_cluster.alive(actor_1) or ray_cluster.alive(sim_1):
                assert time.monotonic() < deadline, "the hung actor or its simulator lives on"
                time.sleep(0.1)
            envs.reset(seed=[None, 9], options={"reset_mask": np.array([False, True])})
            _, (new_actor, new_sim) = envs.pids()
            assert new_actor != actor_1 and new_sim is not None
            _, _, _, truncated, infos = envs.step(action)
            assert not truncated.any() and "simulator_failure" not in infos
        finally:
            envs.close()
