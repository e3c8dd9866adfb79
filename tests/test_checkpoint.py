"""Checkpoint files (agents/common/checkpoint.py): atomic writes that leave no temporary
file and no open descriptor, the one-line refusals of load_torch, and the SHA-256
manifest that decides which files a run trusts."""

from __future__ import annotations

import hashlib
import json
import os
from fractions import Fraction
from pathlib import Path

import pytest
import torch

from agents.common import checkpoint
from agents.common.checkpoint import (
    atomic_write,
    check_trusted,
    load_torch,
    read_manifest,
    restoring,
    save_torch,
    sha256,
    write_trusted,
)


def open_descriptors(folder: Path) -> list[str]:
    """What this process holds open in ``folder``: its own files, not the whole process's
    count, which other tests' threads in the same worker can change meanwhile."""
    held = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue  # closed between listing and reading (the listing's own descriptor)
        if target.startswith(str(folder)):
            held.append(target)
    return held


# --- atomic_write -------------------------------------------------------------------

def test_a_write_lands_complete_and_leaves_nothing_beside_it(tmp_path):
    orphan = tmp_path / ".state.bin.k3x9"  # as left by a writer killed mid-write
    orphan.write_bytes(b"half")
    (tmp_path / ".other.bin.k3x9").write_bytes(b"another file's")
    result = atomic_write(tmp_path / "state.bin", lambda tmp: tmp.write_bytes(b"complete"))
    assert result == tmp_path / "state.bin"
    assert result.read_bytes() == b"complete"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.bin.k3x9", "state.bin"]
    assert open_descriptors(tmp_path) == []


def test_a_failed_write_keeps_the_previous_file_and_removes_its_temporary(tmp_path):
    target = tmp_path / "state.bin"
    target.write_bytes(b"previous")

    def broken(tmp: Path) -> None:
        tmp.write_bytes(b"partial")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, broken)
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["state.bin"]


def test_the_file_and_its_directory_reach_the_disk_before_the_write_returns(tmp_path,
                                                                            monkeypatch):
    synced: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    atomic_write(tmp_path / "state.bin", lambda tmp: tmp.write_bytes(b"x"), suffix=".zip")
    # First the temporary file (named ".state.bin.<random>.zip"), then the directory,
    # after the rename.
    assert len(synced) == 2
    assert Path(synced[0]).parent == tmp_path
    assert Path(synced[0]).name.startswith(".state.bin.")
    assert Path(synced[0]).name.endswith(".zip")
    assert synced[1] == str(tmp_path)


# --- load_torch ---------------------------------------------------------------------

def test_a_saved_state_loads_back(tmp_path):
    path = save_torch({"weights": torch.arange(3.0), "steps": 7}, tmp_path / "a.pt")
    state = load_torch(path, "DQN", keys=("weights", "steps"))
    assert torch.equal(state["weights"], torch.tensor([0.0, 1.0, 2.0]))
    assert state["steps"] == 7


def test_no_file_and_a_folder_are_named(tmp_path):
    with pytest.raises(ValueError, match=r"missing.pt: no such file \(expected a DQN checkpoint\)"):
        load_torch(tmp_path / "missing.pt", "DQN")
    with pytest.raises(ValueError, match=r": not a file \(expected an SS-VAE checkpoint\)"):
        load_torch(tmp_path, "SS-VAE")


def test_an_unreadable_file_says_why(tmp_path):
    empty = tmp_path / "empty.pt"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match=r"not a GDM checkpoint \(the file is empty\)$"):
        load_torch(empty, "GDM")
    text = tmp_path / "notes.pt"
    text.write_text("hello world")  # neither a zip archive nor a pickle
    with pytest.raises(ValueError, match=r"not a GDM checkpoint \(not a file torch.load reads; "):
        load_torch(text, "GDM")
    whole = save_torch({"weights": torch.zeros(1000)}, tmp_path / "whole.pt").read_bytes()
    cut = tmp_path / "cut.pt"
    cut.write_bytes(whole[:len(whole) // 2])
    with pytest.raises(ValueError, match=r"\(a truncated or damaged torch archive\)$"):
        load_torch(cut, "GDM")


def test_pickled_objects_are_not_unpickled(tmp_path):
    path = tmp_path / "code.pt"
    torch.save({"weights": Fraction(1, 3)}, path)
    with pytest.raises(ValueError, match=r"\(it holds objects other than tensors and plain "):
        load_torch(path, "SAPD")


def test_a_state_that_is_not_a_dict_is_refused(tmp_path):
    path = save_torch([1, 2], tmp_path / "list.pt")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"not an SAPD checkpoint \(it holds a list\)$"):
        load_torch(path, "SAPD")


@pytest.mark.parametrize(("count", "listed"), [
    (0, "nothing"),
    (6, "k0, k1, k2, k3, k4, k5"),
    (7, "k0, k1, k2, k3, k4, k5, …"),
])
def test_missing_keys_are_named_with_the_first_six_present(tmp_path, count, listed):
    path = save_torch({f"k{i}": i for i in range(count)}, tmp_path / "other.pt")
    with pytest.raises(ValueError) as err:
        load_torch(path, "Diffusion-QL", keys=("k0", "actor", "critic"))
    lacks = "actor, critic" if count else "k0, actor, critic"
    assert str(err.value) == (f"{path}: not a Diffusion-QL checkpoint (it lacks {lacks}; "
                              f"it has {listed})")


# --- restoring, and the texts of one line ----------------------------------------------

@pytest.mark.parametrize(("kind", "said"), [
    ("DQN", "a DQN"), ("SS-VAE", "an SS-VAE"), ("MILP", "an MILP"), ("GDM", "a GDM"),
    ("Diffusion-QL", "a Diffusion-QL"), ("X", "an X"),
])
def test_a_state_that_does_not_fit_is_one_line_with_the_article(kind, said):
    with pytest.raises(ValueError) as err, restoring("run/agent.pt", kind):
        raise KeyError("actor")
    assert str(err.value) == f"run/agent.pt: does not load as {said} checkpoint ('actor')"


def test_an_error_without_text_is_named_by_its_type():
    with pytest.raises(ValueError, match=r"\(IndexError\)$"), restoring("a.pt", "DQN"):
        raise IndexError()


def test_a_long_error_is_cut_to_160_characters_on_one_line():
    text = "line one\n" + "x" * 151  # 160 characters once the newline is a space
    with pytest.raises(ValueError) as err, restoring("a.pt", "DQN"):
        raise RuntimeError(text)
    assert str(err.value).endswith(f"(line one {'x' * 151})")
    with pytest.raises(ValueError) as err, restoring("a.pt", "DQN"):
        raise RuntimeError(text + "y")
    assert str(err.value).endswith(f"(line one {'x' * 150}…)")


def test_other_errors_pass_through():
    with pytest.raises(OSError, match="disk"), restoring("a.pt", "DQN"):
        raise OSError("disk")


# --- the SHA-256 manifest -----------------------------------------------------------

def test_sha256_is_the_digest_of_the_whole_file(tmp_path):
    path = tmp_path / "blob"
    data = bytes(range(256)) * 9000  # 2.3 MB: more than one 1 MiB block
    path.write_bytes(data)
    assert sha256(path) == hashlib.sha256(data).hexdigest()


def test_written_files_are_trusted_and_nothing_else(tmp_path):
    manifest = tmp_path / "run.sha256.json"
    assert read_manifest(manifest) == {}
    names: list[str] = []

    def zip_writer(p: Path) -> None:
        names.append(p.name)
        p.write_bytes(b"zip")

    write_trusted(manifest, {"agent.zip": zip_writer, "replay": lambda p: p.write_text("r")},
                  suffixes={"agent.zip": ".zip"})
    assert open_descriptors(tmp_path) == []
    assert names[0].startswith(".agent.zip.") and names[0].endswith(".zip")
    assert (tmp_path / "agent.zip").read_bytes() == b"zip"
    assert json.loads(manifest.read_text()) == {
        "agent.zip": [hashlib.sha256(b"zip").hexdigest()],
        "replay": [hashlib.sha256(b"r").hexdigest()]}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["agent.zip", "replay",
                                                          "run.sha256.json"]
    check_trusted(manifest, tmp_path / "agent.zip")
    check_trusted(manifest, tmp_path / "replay")
    (tmp_path / "other").write_text("r")
    with pytest.raises(ValueError, match="other: not listed in .*run.sha256.json"):
        check_trusted(manifest, tmp_path / "other")
    (tmp_path / "replay").write_text("swapped")
    with pytest.raises(ValueError, match="replay: its SHA-256 is not the one"):
        check_trusted(manifest, tmp_path / "replay")


def test_a_rewrite_trusts_only_the_new_file_and_removes_staged_orphans(tmp_path):
    manifest = tmp_path / "m.sha256.json"
    write_trusted(manifest, {"a": lambda p: p.write_text("a1")})
    (tmp_path / ".a.orphan").write_text("staged by a killed writer")
    write_trusted(manifest, {"a": lambda p: p.write_text("a2")})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "m.sha256.json"]
    check_trusted(manifest, tmp_path / "a")
    (tmp_path / "a").write_text("a1")  # the previous version put back
    with pytest.raises(ValueError, match="its SHA-256 is not the one"):
        check_trusted(manifest, tmp_path / "a")


def test_a_kill_between_the_renames_leaves_every_file_trusted(tmp_path, monkeypatch):
    """The first file is renamed into place, the second rename fails: the first is new,
    the second old, and both are trusted."""
    manifest = tmp_path / "m.sha256.json"
    write_trusted(manifest, {"a": lambda p: p.write_text("a1"), "b": lambda p: p.write_text("b1")})
    real_replace, renamed = os.replace, []

    def replace(src, dst):
        if Path(dst).name in ("a", "b"):
            renamed.append(Path(dst).name)
            if len(renamed) == 2:
                raise OSError("killed")
        real_replace(src, dst)

    monkeypatch.setattr(checkpoint.os, "replace", replace)
    with pytest.raises(OSError, match="killed"):
        write_trusted(manifest, {"a": lambda p: p.write_text("a2"),
                                 "b": lambda p: p.write_text("b2")})
    assert (tmp_path / "a").read_text() == "a2" and (tmp_path / "b").read_text() == "b1"
    check_trusted(manifest, tmp_path / "a")
    check_trusted(manifest, tmp_path / "b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "m.sha256.json"]
