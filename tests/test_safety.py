"""Safe defaults: the bridge listens on ipc:// or loopback unless told otherwise, so does
the launcher, and checkpoints load without unpickling arbitrary objects."""

from __future__ import annotations

import ast
import stat
import subprocess
from pathlib import Path

import pytest
import torch

from bridge.scenarios import find_program
from bridge.transport import AgentSocket
from ran_gym.cli import main as cli
from tests.conftest import TESTS_DIR

REPO = TESTS_DIR.parent
BEYOND_LOOPBACK = ["tcp://0.0.0.0:*", "tcp://*:*", "tcp://[::]:*", "tcp://10.1.2.3:*",
                   "tcp://192.168.0.7:5555", "tcp://example.org:5555"]


def test_default_endpoints_stay_on_this_machine():
    ipc = AgentSocket()  # the env's default, "ipc"
    tcp = AgentSocket("tcp")
    try:
        assert ipc.bound.startswith("ipc://") and tcp.bound.startswith("tcp://127.0.0.1:")
        directory = Path(ipc.bound[len("ipc://"):]).parent
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700  # only this user connects
    finally:
        ipc.close()
        tcp.close()
    for loopback in ("tcp://127.0.0.1:*", "tcp://127.0.0.2:*", "tcp://localhost:*"):
        AgentSocket(loopback).close()


@pytest.mark.parametrize("endpoint", BEYOND_LOOPBACK)
def test_binding_beyond_loopback_needs_the_flag(endpoint):
    with pytest.raises(ValueError, match="beyond loopback.*allow_all_interfaces=True"):
        AgentSocket(endpoint)


def test_the_flag_binds_all_interfaces_and_the_simulator_still_uses_loopback():
    sock = AgentSocket("tcp://0.0.0.0:*", allow_all_interfaces=True)  # nothing is sent
    try:
        assert sock.bound.startswith("tcp://0.0.0.0:")
        assert sock.connect_address.startswith("tcp://127.0.0.1:")
    finally:
        sock.close()


def test_cli_names_the_flag(tmp_path, capsys):
    status = cli(["run", "--scenario", "reference", "--steps", "1", "--endpoint",
                  "tcp://0.0.0.0:*", "--out", str(tmp_path / "run")])
    assert status == 2
    assert "--allow-all-interfaces" in capsys.readouterr().err


def test_launcher_refuses_every_network_address(tmp_path):
    """The launcher does not authenticate its peers, so it serves this machine only:
    a network address is refused, and so is the former --allowRemote; loopback binds."""
    launcher = str(find_program("ran-gym-launcher"))
    for endpoint in ("tcp://0.0.0.0:5999", "tcp://192.0.2.7:5999", "tcp://*:5999"):
        refused = subprocess.run([launcher, f"--endpoint={endpoint}"], capture_output=True,
                                 text=True, timeout=10)
        assert refused.returncode == 2, endpoint
        assert f"refusing {endpoint}" in refused.stderr and "--rollouts ray" in refused.stderr
    flag = subprocess.run([launcher, "--endpoint=tcp://0.0.0.0:5999", "--allowRemote"],
                          capture_output=True, text=True, timeout=10)
    assert flag.returncode == 2 and "--allowRemote is gone" in flag.stderr
    usage = subprocess.run([launcher, "--help"], capture_output=True, text=True, timeout=10)
    assert usage.returncode == 0 and "loopback" in usage.stderr
    local = subprocess.Popen([launcher, f"--endpoint=ipc://{tmp_path}/l.sock",
                              f"--logDir={tmp_path}"], stderr=subprocess.PIPE, text=True)
    try:
        assert "listening on ipc://" in (local.stderr.readline() if local.stderr else "")
    finally:
        local.terminate()
        local.wait(10)


# --- checkpoints -------------------------------------------------------------------

# Packages whose checkpoint code another change covers (tests/test_training_resume.py).
CHECKPOINTS_ELSEWHERE = ("agents/diffusion_ql", "agents/dqn")


def unsafe_loads(root: Path) -> list[str]:
    """torch.load calls without weights_only=True, and pickle loads, in our packages."""
    found = []
    packages = ("bridge", "agents", "analysis", "ran_gym")
    for path in sorted(p for d in packages for p in (root / d).rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if relative.startswith(CHECKPOINTS_ELSEWHERE):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = ast.unparse(node.func)
            safe = any(k.arg == "weights_only" and isinstance(k.value, ast.Constant)
                       and k.value.value is True for k in node.keywords)
            pickled = any(k.arg == "allow_pickle" and ast.unparse(k.value) != "False"
                          for k in node.keywords)
            if (name.endswith("torch.load") and not safe) or name in (
                    "pickle.load", "pickle.loads") or pickled:
                found.append(f"{relative}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_no_checkpoint_is_loaded_by_unpickling():
    assert unsafe_loads(REPO) == []


def test_the_audit_finds_an_unsafe_load(tmp_path):
    (tmp_path / "agents").mkdir()
    (tmp_path / "agents" / "x.py").write_text(
        "import torch\nstate = torch.load('a.pt', weights_only=False)\n")
    assert unsafe_loads(tmp_path) == [
        "agents/x.py:2: torch.load('a.pt', weights_only=False)"]


class Payload:
    """What a hostile checkpoint could carry: unpickling it would call print()."""

    def __reduce__(self):
        return (print, ("unpickled!",))


def test_a_checkpoint_with_code_in_it_is_refused(tmp_path, capsys):
    from agents.sapd.train import load_checkpoint

    path = tmp_path / "hostile.pt"
    torch.save({"network": Payload(), "state_dict": {}}, path)
    with pytest.raises(ValueError, match=r"hostile.pt: not an SA-PD checkpoint \(it holds "
                                         r"objects other than tensors and plain values\)"):
        load_checkpoint(path)
    assert "unpickled!" not in capsys.readouterr().out
