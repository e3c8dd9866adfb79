"""Scenarios in the scenario image, the agent on the host (real Docker engine).

The module builds both images with `make docker` first (cached after the first time);
it starts a Docker engine when none runs and this is root, and skips, saying why, only
where that is impossible. Set RAN_GYM_SKIP_IMAGE_BUILD=1 to use the images as they are.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from gymnasium.spaces import flatten as gym_flatten

from bridge import SimulatorCrashed
from bridge.envs import ScenarioEnv
from bridge.runtime import CONTAINER_LABEL, DockerRuntime
from tests.conftest import TESTS_DIR, sigint_as_in_a_terminal

REPO = TESTS_DIR.parent
# The first test builds both images: minutes on a machine that has none of their layers.
pytestmark = pytest.mark.timeout(1800)


def our_containers() -> list[str]:
    listed = subprocess.run(["docker", "ps", "-aq", "--filter", f"label={CONTAINER_LABEL}"],
                            capture_output=True, text=True, check=True)
    return listed.stdout.split()


@pytest.fixture(scope="module", autouse=True)
def images():
    engine = subprocess.run([REPO / "scripts" / "ensure-docker.sh"], capture_output=True,
                            text=True)
    if engine.returncode != 0:
        pytest.skip(f"no Docker engine: {engine.stderr.strip()}")
    if os.environ.get("RAN_GYM_SKIP_IMAGE_BUILD") != "1":
        build = subprocess.run(["make", "-s", "docker"], cwd=REPO, capture_output=True,
                               text=True)
        assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    before = set(our_containers())
    yield
    left = set(our_containers()) - before
    assert not left, f"containers left behind: {left}"


def trajectory(env, seed, steps=15):
    obs, info = env.reset(seed=seed)
    out = [obs.tolist()]
    for k in range(steps):
        obs, reward, *_ = env.step(np.array([2.0 + k % 10], np.float32))
        out.append(obs.tolist() + [reward])
    return out


@pytest.mark.parametrize("endpoint", ["ipc", "tcp"])
def test_episode_in_a_container_equals_the_native_one(reference_program, endpoint):
    docker = ScenarioEnv("reference", {"maxSteps": 20}, runtime="docker", endpoint=endpoint)
    native = ScenarioEnv("reference", {"maxSteps": 20})
    try:
        in_container = trajectory(docker, seed=21)
        assert in_container == trajectory(native, seed=21)
        assert sum(row[0] for row in in_container[1:]) > 0  # packets flowed
        assert docker.commands[-1].startswith("docker run")
    finally:
        docker.close()
        native.close()


TINY = {
    "reference": {"maxSteps": 3},
    "space-echo": {"maxSteps": 3},
    "interference": {"pairs": 3, "maxSteps": 3},
    "oran-slicing": {"nRus": 2, "nUes": 4, "maxSteps": 3},
}


@pytest.mark.parametrize("scenario", sorted(TINY))
def test_every_scenario_runs_an_episode_in_a_container(scenario):
    docker = ScenarioEnv(scenario, TINY[scenario], runtime="docker")
    native = ScenarioEnv(scenario, TINY[scenario])
    try:
        for env in (docker, native):
            env.action_space.seed(5)
        runs = []
        for env in (docker, native):
            obs, _ = env.reset(seed=13)
            rewards = [env.step(env.action_space.sample())[1] for _ in range(3)]
            runs.append((np.asarray(gym_flatten(env.observation_space, obs)).tolist(), rewards))
        assert runs[0] == runs[1]  # same seed, same episode, in a container or not
    finally:
        docker.close()
        native.close()


def test_ray_actors_run_their_simulators_in_containers_as_natively():
    """``--rollouts ray`` with ``--runtime docker``: each of two Ray actors starts its
    simulator as a container of the scenario image; the same seeds and actions give the
    same observations and rewards as native simulators in actors."""
    import functools

    pytest.importorskip("ray")
    from bridge.vector import batch_actions
    from ran_gym.cluster import ray_session
    from ran_gym.rollouts.vector import RayVectorEnv

    params = {"nRus": 1, "nUes": 3, "warmupMs": 20, "maxSteps": 30}
    runs, commands = {}, {}
    with ray_session(None, 2):
        for runtime in ("docker", "native"):
            make = functools.partial(ScenarioEnv, "oran-slicing", params, timeout_s=60.0,
                                     runtime=runtime)
            envs = RayVectorEnv(make, 2, timeout_s=120.0)
            try:
                space = envs.single_action_space
                space.seed(5)
                obs, _ = envs.reset(seed=11)
                rows = [obs.tolist()]
                for _ in range(8):
                    obs, rewards, *_ = envs.step(
                        batch_actions(envs, [space.sample(), space.sample()]))
                    rows.append(obs.tolist() + rewards.tolist())
                runs[runtime] = rows
                commands[runtime] = [
                    Path(f"/proc/{sim}/cmdline").read_text().split("\0")[:2]
                    for _, sim in envs.pids()]
            finally:
                envs.close()
    assert all(c[:2] == ["docker", "run"] for c in commands["docker"]), commands
    assert all(c[0].endswith("ran-gym-oran-slicing") for c in commands["native"]), commands
    assert runs["docker"] == runs["native"]
    assert sum(row[-1] + row[-2] for row in runs["docker"][1:]) > 0  # the UEs were served


def test_killed_container_is_a_clear_crash():
    env = ScenarioEnv("reference", {"maxSteps": 10_000_000}, runtime="docker")
    try:
        env.reset(seed=3)
        name = env._session.process.container
        killer = subprocess.Popen(["docker", "kill", name], stdout=subprocess.DEVNULL)
        started = time.monotonic()
        with pytest.raises(SimulatorCrashed) as failure:
            while time.monotonic() - started < 20:  # stepping while the kill lands
                env.step(np.array([5.0], np.float32))
        killer.wait()
        assert "docker run" in failure.value.command and name in failure.value.command
        env.reset(seed=4)  # and the env goes on with a fresh container
    finally:
        env.close()
    deadline = time.monotonic() + 10
    while name in " ".join(our_containers()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert name not in " ".join(our_containers())


def test_missing_image_says_how_to_build_it():
    with pytest.raises(Exception, match="make docker"):
        ScenarioEnv("reference", runtime=DockerRuntime(image="ran-gym-no-such-image"))


def test_scenario_image_runs_as_non_root_and_is_small():
    user = subprocess.run(["docker", "run", "--rm", "ran-gym-scenarios", "id", "-u"],
                          capture_output=True, text=True, check=True)
    assert user.stdout.strip() != "0"
    size = subprocess.run(["docker", "image", "inspect", "-f", "{{.Size}}",
                           "ran-gym-scenarios"], capture_output=True, text=True, check=True)
    assert int(size.stdout) < 400e6


def test_agent_image_runs_as_non_root():
    user = subprocess.run(["docker", "run", "--rm", "ran-gym-agent", "id", "-u"],
                          capture_output=True, text=True, check=True)
    assert user.stdout.strip() not in ("", "0")


def test_scenario_containers_have_no_capabilities():
    env = ScenarioEnv("reference", {"maxSteps": 10_000_000}, runtime="docker")
    try:
        env.reset(seed=1)
        name = env._session.process.container
        status = subprocess.run(["docker", "exec", name, "cat", "/proc/1/status"],
                                capture_output=True, text=True, check=True).stdout
        caps = dict(line.split(":\t") for line in status.splitlines() if line.startswith("Cap"))
        assert int(caps["CapBnd"], 16) == 0 and int(caps["CapEff"], 16) == 0, caps
        assert "NoNewPrivs:\t1" in status
    finally:
        env.close()


def test_cli_run_in_docker_leaves_traces_on_the_host(reference_program, tmp_path):
    out = tmp_path / "run"
    result = subprocess.run(
        [str(REPO / ".venv" / "bin" / "ran-gym"), "run", "--scenario", "reference",
         "--runtime", "docker", "--steps", "12", "--param", "maxSteps=6", "--out", str(out)],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    trace = (out / "trace-episode-0001.csv").read_text().splitlines()
    assert trace[0].startswith("step,") and len(trace) == 1 + 7  # header, steps 0..6
    assert "docker run" in (out / "commands.txt").read_text()


def test_the_readmes_docker_example_runs_verbatim(reference_program, tmp_path):
    """The README's line as typed, from a directory holding the checkout's ``.venv``: a
    relative ``--out`` (Docker refuses relative bind mounts; the CLI makes it absolute)."""
    from tests.test_readme import README, shell_lines

    line, = [line for line in shell_lines(README.read_text())
             if "--runtime docker" in line and line.startswith(".venv/bin/ran-gym run")]
    (tmp_path / ".venv").symlink_to(REPO / ".venv")
    result = subprocess.run(["bash", "-c", line], cwd=tmp_path, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, f"{line}\n{result.stderr[-2000:]}"
    out = tmp_path / "runs" / "d"
    assert len(pd.read_parquet(out / "steps.parquet")) == 100
    assert "docker run" in (out / "commands.txt").read_text()
    assert f"--volume {out}:{out}" in (out / "commands.txt").read_text()


def test_agent_killed_leaves_no_container_and_no_files(tmp_path):
    scratch = tmp_path / "tmp"  # the agent's TMPDIR: its socket and run directories
    scratch.mkdir()
    agent = (
        "import sys, time\n"
        f"sys.path.insert(0, {str(REPO)!r})\n"
        "from bridge.envs import ScenarioEnv\n"
        "env = ScenarioEnv('reference', runtime='docker', sim_timeout_s=1.5)\n"
        "env.reset(seed=1)\n"
        "print(env._session.process.container, flush=True)\n"
        "time.sleep(600)\n"
    )
    proc = subprocess.Popen([str(REPO / ".venv" / "bin" / "python"), "-c", agent],
                            stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "TMPDIR": str(scratch)})
    try:
        name = proc.stdout.readline().strip()
        assert name.startswith("ran-gym-") and len(list(scratch.iterdir())) == 2
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        proc.kill()
        proc.wait()
    deadline = time.monotonic() + 30
    while (list(scratch.iterdir()) or name in " ".join(
            subprocess.run(["docker", "ps", "-a", "--format", "{{.Names}}"],
                           capture_output=True, text=True, check=True).stdout.split())
           ) and time.monotonic() < deadline:
        time.sleep(0.2)
    names = subprocess.run(["docker", "ps", "-a", "--format", "{{.Names}}"],
                           capture_output=True, text=True, check=True).stdout.split()
    assert name not in names
    assert list(scratch.iterdir()) == []


def compose_command() -> list[str]:
    """Compose v2 (`docker compose`) where present, else Debian's docker-compose 1.29."""
    v2 = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
    return ["docker", "compose"] if v2.returncode == 0 else ["docker-compose"]


def test_compose_co_simulation_leaves_its_run_on_the_host(tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    if os.geteuid() == 0:  # the containers' default user must be able to write there
        os.chown(runs, 10001, 10001)
    env = {**os.environ, "RAN_GYM_RUNS": str(runs), "RAN_GYM_STEPS": "30",
           "RAN_GYM_RUN": "co-sim", "RAN_GYM_RUS": "2", "RAN_GYM_UES": "4",
           "RAN_GYM_EPISODE": "12"}
    if os.geteuid() != 0:
        env["RAN_GYM_USER"] = f"{os.getuid()}:{os.getgid()}"
    compose = [*compose_command(), "-f", str(REPO / "docker" / "compose.yaml"),
               "-p", f"rangymtest{os.getpid()}"]
    try:
        up = subprocess.run([*compose, "up", "--abort-on-container-exit",
                             "--exit-code-from", "agent"], env=env, capture_output=True,
                            text=True, timeout=300)
        assert up.returncode == 0, up.stdout[-3000:] + up.stderr[-3000:]
    finally:
        subprocess.run([*compose, "down", "-v"], env=env, capture_output=True, timeout=120)
    run = runs / "co-sim"
    progress = (run / "progress.csv").read_text().splitlines()
    assert progress[0].startswith("step,") and len(progress) == 1 + 30
    state = torch.load(run / "diffusion-ql.pt", weights_only=True)
    assert state["num_timesteps"] == 30  # Diffusion-QL trained against ns-3 in the other box
    packets = (run / "traces-episode-0000" / "packets.csv").read_text().splitlines()
    assert packets[0].startswith("event,") and len(packets) > 10  # written by ns-3 there


def test_ctrl_c_in_the_agent_removes_the_container(tmp_path):
    agent = (
        "import sys, numpy as np\n"
        f"sys.path.insert(0, {str(REPO)!r})\n"
        "from bridge.envs import ScenarioEnv\n"
        "env = ScenarioEnv('reference', {'maxSteps': 10_000_000}, runtime='docker')\n"
        "env.reset(seed=1)\n"
        "print(env._session.process.container, flush=True)\n"
        "while True:\n"
        "    env.step(np.array([5.0], np.float32))\n"
    )
    proc = subprocess.Popen([str(REPO / ".venv" / "bin" / "python"), "-c", agent],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=sigint_as_in_a_terminal)
    try:
        name = proc.stdout.readline().strip()
        assert name.startswith("ran-gym-") and name in " ".join(
            subprocess.run(["docker", "ps", "--format", "{{.Names}}"], capture_output=True,
                           text=True, check=True).stdout.split())
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert "KeyboardInterrupt" in err
    finally:
        proc.kill()
        proc.wait()
    names = subprocess.run(["docker", "ps", "-a", "--format", "{{.Names}}"],
                           capture_output=True, text=True, check=True).stdout.split()
    assert name not in names
