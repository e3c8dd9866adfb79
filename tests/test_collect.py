"""``ran-gym collect``: behaviour policies' transitions to Parquet, with schema and resume."""

from __future__ import annotations

import json

import numpy as np
import pyarrow.parquet as pq
import pytest

from bridge.slicing.allocation import Allocation
from bridge.slicing.layout import gains_from_observation
from bridge.slicing.twin_env import OranSlicingTwinEnv
from ran_gym.cli import main
from ran_gym.dataset.collect import SCHEMA, load

TWIN = ["collect", "--scenario", "oran-slicing-twin", "--param", "maxSteps=3", "--seed", "50"]


def test_a_collection_round_trips_its_schema_and_resumes_where_it_stopped(tmp_path):
    policies = "qos-greedy,random,qos-greedy:noise=0.5"
    first = [*TWIN, "--policy", policies, "--out", str(tmp_path / "a")]
    assert main([*first, "--steps", "6"]) == 0  # two episodes of 3 steps
    assert main([*first, "--steps", "12"]) == 2  # a used --out without --resume is refused
    assert main([*first, "--steps", "12", "--resume"]) == 0
    assert main([*TWIN, "--policy", policies, "--steps", "12", "--out",
                 str(tmp_path / "b")]) == 0
    resumed, whole = load(tmp_path / "a"), load(tmp_path / "b")
    assert resumed.schema.equals(SCHEMA)
    assert len(list((tmp_path / "a").glob("part-*.parquet"))) == 2  # one per command
    assert resumed.to_pylist() == whole.to_pylist()  # resuming changes nothing
    rows = resumed.to_pydict()
    assert rows["episode"] == [0] * 3 + [1] * 3 + [2] * 3 + [3] * 3
    assert rows["seed"] == [50] * 3 + [51] * 3 + [52] * 3 + [53] * 3
    assert rows["policy"][::3] == ["qos-greedy", "random", "qos-greedy:noise=0.5",
                                   "qos-greedy"]
    assert rows["truncated"] == [False, False, True] * 4
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert manifest["columns"]["obs"] == "list<item: float>"


def test_the_rows_hold_what_the_env_did(tmp_path):
    assert main([*TWIN, "--policy", "qos-greedy", "--steps", "3", "--out", str(tmp_path)]) == 0
    rows = pq.read_table(next(tmp_path.glob("part-*.parquet"))).to_pylist()
    env = OranSlicingTwinEnv({"maxSteps": 3})
    obs, _ = env.reset(seed=50)
    from bridge.slicing.greedy import allocate

    for row in rows:  # the demonstrator's action, replayed, gives the stored transition
        assert np.allclose(row["obs"], obs)
        alloc = allocate(env.cfg, gains_from_observation(obs, env.cfg))
        assert row["prb_owner"] == alloc.prb_owner.reshape(-1).tolist()
        obs, reward, _, _, info = env.step(alloc.to_native())
        assert np.allclose(row["next_obs"], obs)
        assert row["reward"] == pytest.approx(reward)
        assert row["throughput_mbps"] == pytest.approx(info["reward_rate_mbps"])
    decoded = Allocation(np.asarray(rows[0]["association"]),
                         np.asarray(rows[0]["prb_owner"]).reshape(3, 17),
                         np.asarray(rows[0]["power_level"]))
    assert decoded.prb_owner.shape == (3, 17)


def test_power_noise_varies_the_power_levels_alone(tmp_path):
    assert main([*TWIN, "--param", "maxSteps=4", "--policy", "qos-greedy:power-noise=0.5",
                 "--steps", "4", "--out", str(tmp_path)]) == 0
    rows = load(tmp_path).to_pylist()
    cfg = OranSlicingTwinEnv({"maxSteps": 4}).cfg
    from bridge.slicing.greedy import allocate

    changed = 0
    for row in rows:  # the demonstrator's association and RBGs, other power levels
        alloc = allocate(cfg, gains_from_observation(np.asarray(row["obs"]), cfg))
        assert row["association"] == alloc.association.tolist()
        assert row["prb_owner"] == alloc.prb_owner.reshape(-1).tolist()
        changed += int(np.sum(np.asarray(row["power_level"]) != alloc.power_level))
    assert changed > len(rows) * cfg.n_ues // 4


def test_bad_collections_are_refused_by_name(tmp_path, capsys):
    assert main([*TWIN, "--policy", "qos-greedy:noise=-1", "--steps", "3",
                 "--out", str(tmp_path / "x")]) == 2
    assert "NAME:power-noise=S with S >= 0" in capsys.readouterr().err
    assert main([*TWIN, "--policy", "qos-greedy:power=0.3", "--steps", "3",
                 "--out", str(tmp_path / "x")]) == 2
    assert "expected NAME, NAME:noise=S or NAME:power-noise=S" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
    assert main(["collect", "--scenario", "reference", "--policy", "random", "--steps", "3",
                 "--out", str(tmp_path / "y")]) == 2
    assert "known: oran-slicing, oran-slicing-twin" in capsys.readouterr().err
    with pytest.raises(ValueError, match="not a collection"):
        load(tmp_path)


def test_training_from_a_collection_refuses_what_it_cannot_use(tmp_path, capsys):
    train = ["train", "--agent", "diffusion-ql", "--iterations", "1", "--param", "maxSteps=2"]
    assert main([*TWIN, "--policy", "random", "--steps", "3", "--out", str(tmp_path / "c")]) == 0
    assert main([*train, "--scenario", "oran-slicing-twin", "--dataset", str(tmp_path / "c"),
                 "--out", str(tmp_path / "t1")]) == 2
    assert "no episode of --demo-policy 'qos-greedy' (policies there: random)" in \
        capsys.readouterr().err
    assert main([*train, "--scenario", "oran-slicing-twin", "--dataset", str(tmp_path / "no"),
                 "--out", str(tmp_path / "t2")]) == 2
    assert "not a collection" in capsys.readouterr().err
    assert main([*train, "--scenario", "oran-slicing-twin", "--agent-param", "gama=0.5",
                 "--out", str(tmp_path / "t3")]) == 2
    assert "--agent-param 'gama=0.5': expected NAME=VALUE" in capsys.readouterr().err


def test_replace_demonstrations_keeps_only_the_datasets(tmp_path, capsys):
    """With --init, a --dataset's demonstrations are added to the checkpoint's, or with
    --replace-demonstrations take their place; the flag needs --init and --dataset and
    is refused by name for other agents."""
    from agents.diffusion_ql import DiffusionQL
    from ran_gym.train.diffusion_ql import make_env

    train = ["train", "--agent", "diffusion-ql", "--scenario", "oran-slicing-twin",
             "--iterations", "1", "--param", "maxSteps=3", "--agent-param", "batch_size=4",
             "--pretrain-updates", "1"]
    assert main([*TWIN, "--policy", "qos-greedy,random", "--steps", "12",
                 "--out", str(tmp_path / "c")]) == 0
    assert main([*train, "--agent-param", "hidden=16", "--dataset", str(tmp_path / "c"),
                 "--out", str(tmp_path / "a")]) == 0
    start = tmp_path / "a" / "diffusion-ql.pt"
    env = make_env("oran-slicing-twin", {"maxSteps": "3"})

    def demos(run: str) -> np.ndarray:
        agent = DiffusionQL.load(tmp_path / run / "diffusion-ql.pt", env.observation_space,
                                 env.action_space, device="cpu")
        return agent.demos.actions[:agent.demos.size]

    again = [*train, "--init", str(start), "--dataset", str(tmp_path / "c"),
             "--demo-policy", "random"]
    assert main([*again, "--out", str(tmp_path / "added")]) == 0
    assert main([*again, "--replace-demonstrations", "--out", str(tmp_path / "replaced")]) == 0
    qos_greedy, added, replaced = demos("a"), demos("added"), demos("replaced")
    assert len(qos_greedy) == len(replaced) == 6 and len(added) == 12
    np.testing.assert_array_equal(added[:6], qos_greedy)
    np.testing.assert_array_equal(added[6:], replaced)
    assert not np.allclose(replaced, qos_greedy)
    capsys.readouterr()
    assert main([*train, "--replace-demonstrations", "--dataset", str(tmp_path / "c"),
                 "--out", str(tmp_path / "x")]) == 2
    assert "--replace-demonstrations replaces --init's demonstrations with --dataset's: " \
        "it needs both" in capsys.readouterr().err
    assert main(["train", "--agent", "dqn", "--scenario", "oran-slicing-twin",
                 "--replace-demonstrations", "--out", str(tmp_path / "y")]) == 2
    assert "--replace-demonstrations: options of diffusion-ql" in capsys.readouterr().err
    env.close()


def test_a_label_set_loads_as_one_step_episodes_of_its_solver(tmp_path):
    import pyarrow as pa

    from bridge.slicing import greedy
    from bridge.slicing.shares import encode
    from ran_gym.train.diffusion_ql import load_transitions, make_env

    env = make_env("oran-slicing-twin", {"maxSteps": "2"})
    cfg = env.unwrapped.cfg
    rows = []
    for drop in range(3):
        obs, _ = env.reset(seed=drop)
        alloc = greedy.allocate(cfg, gains_from_observation(obs, cfg))
        rows.append({"drop": drop, "seed": 40 + drop, "solver": "esa",
                     "observation": obs.astype(float).tolist(),
                     "association": alloc.association.tolist(),
                     "prb_owner": alloc.prb_owner.reshape(-1).tolist(),
                     "power_level": alloc.power_level.tolist(), "reward": 1.5 + drop,
                     "sum_rate_mbps": 50.0, "qos_share": 0.5, "gap": 0.0})
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "labels.parquet")
    table = load(tmp_path / "labels.parquet")
    assert table.schema.equals(SCHEMA) and table.num_rows == 3
    assert table["policy"].to_pylist() == ["esa"] * 3 and all(table["terminated"].to_pylist())
    demos, other = load_transitions(str(tmp_path / "labels.parquet"), env, "esa")
    assert len(other[0]) == 0
    np.testing.assert_allclose(demos[2], [1.5, 2.5, 3.5])
    np.testing.assert_allclose(demos[1][1], encode(cfg, greedy.allocate(
        cfg, gains_from_observation(demos[0][1], cfg))), atol=1e-6)
    pq.write_table(pa.Table.from_pylist([{"drop": 0, "reward": 1.0}]), tmp_path / "bad.parquet")
    with pytest.raises(ValueError, match="bad.parquet: neither a collection directory nor a "
                                         r"label set .* \(no column seed, solver, "):
        load(tmp_path / "bad.parquet")


def _ue_value_table(path):
    """A ue-value fit on a twin collection of qos-greedy (the fit reads any collection's
    per-UE outcomes; the trainer takes ns-3 ones only)."""
    from agents.ue_value import fit
    from ran_gym.train.diffusion_ql import make_env

    assert main([*TWIN, "--param", "maxSteps=10", "--policy", "qos-greedy,qos-greedy:noise=0.5",
                 "--steps", "200", "--out", str(path / "demo")]) == 0
    t = load(path / "demo").to_pydict()
    cfg = make_env("oran-slicing-twin", {"maxSteps": "2"}).unwrapped.cfg
    table = fit(cfg, np.asarray(t["obs"]), np.asarray(t["next_obs"]),
                np.asarray(t["association"]), np.asarray(t["prb_owner"]), min_rows=2)
    return table.save(path / "ue-value.json")


def test_a_policy_plays_its_fit_from_checkpoint_and_resumes_only_with_the_same(tmp_path):
    from agents.ue_value import UeValueAgent

    checkpoint = _ue_value_table(tmp_path)
    cmd = [*TWIN, "--policy", "ue-value,ue-value:noise=0.3", "--checkpoint",
           f"ue-value={checkpoint}", "--out", str(tmp_path / "own")]
    assert main([*cmd, "--steps", "6"]) == 0
    manifest = json.loads((tmp_path / "own" / "manifest.json").read_text())
    assert manifest["checkpoints"]["ue-value"]["path"] == str(checkpoint)
    assert len(manifest["checkpoints"]["ue-value"]["sha256"]) == 64
    rows = load(tmp_path / "own").to_pylist()
    env = OranSlicingTwinEnv({"maxSteps": 3})
    agent = UeValueAgent(env, checkpoint=str(checkpoint))
    for row in rows[:3]:  # the noiseless episode: the fit's own allocation, step by step
        action, _ = agent.predict(np.asarray(row["obs"]))
        assert row["prb_owner"] == action["prb_owner"].reshape(-1).tolist()
        assert row["power_level"] == action["power_level"].tolist()
    assert rows[3]["policy"] == "ue-value:noise=0.3"
    assert main([*cmd, "--steps", "9", "--resume"]) == 0  # the same fit: goes on
    assert len(load(tmp_path / "own")) == 9
    checkpoint.write_text(checkpoint.read_text().replace("0.", "0.1", 1))  # another fit
    assert main([*cmd, "--steps", "12", "--resume"]) == 2
    assert len(load(tmp_path / "own")) == 9


@pytest.mark.parametrize(("extra", "message"), [
    (["--policy", "qos-greedy,foo"], "--policy 'foo': unknown agent 'foo'; known: "),
    (["--policy", "ue-value"], "ue-value acts from a fitted table: give its checkpoint"),
    (["--policy", "qos-greedy", "--checkpoint", "ue-value=t.json"],
     "'ue-value' is not among --policy's agents (qos-greedy)"),
    (["--policy", "ue-value", "--checkpoint", "ue-value=nowhere.json"], "no file "),
    (["--policy", "ue-value", "--checkpoint", "ue-value"], "expects AGENT=PATH"),
])
def test_a_collection_that_cannot_start_is_refused_and_leaves_nothing(tmp_path, capsys, extra,
                                                                      message):
    out = tmp_path / "never"
    assert main([*TWIN, *extra, "--steps", "3", "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()  # no manifest of a collection that holds nothing


def test_a_plus_b_alternates_the_policies_step_by_step(tmp_path):
    """``diffusion-ql+qos-greedy``: Diffusion-QL (a share-form agent, from its checkpoint)
    takes the odd steps and qos-greedy the even ones, each row named by the policy that
    acted; replaying each one's action in the twin gives the stored transitions."""
    from agents.diffusion_ql import DiffusionQL
    from bridge.slicing.greedy import allocate
    from bridge.slicing.shares import decode
    from ran_gym.train.diffusion_ql import make_env

    assert main(["train", "--agent", "diffusion-ql", "--scenario", "oran-slicing-twin",
                 "--iterations", "4", "--param", "maxSteps=4", "--agent-param", "hidden=16",
                 "--agent-param", "batch_size=4", "--agent-param", "learning_starts=2",
                 "--out", str(tmp_path / "a")]) == 0
    checkpoint = tmp_path / "a" / "diffusion-ql.pt"
    assert main([*TWIN, "--param", "maxSteps=4", "--policy", "diffusion-ql+qos-greedy",
                 "--checkpoint", f"diffusion-ql={checkpoint}", "--steps", "4",
                 "--out", str(tmp_path / "c")]) == 0
    rows = load(tmp_path / "c").to_pylist()
    assert [r["policy"] for r in rows] == ["diffusion-ql", "qos-greedy"] * 2
    shares = make_env("oran-slicing-twin", {"maxSteps": "4"})
    agent = DiffusionQL.load(checkpoint, shares.observation_space, shares.action_space,
                             device="cpu")
    env = OranSlicingTwinEnv({"maxSteps": 4})
    obs, _ = env.reset(seed=50)
    for row in rows:
        gains = gains_from_observation(obs, env.cfg)
        alloc = (decode(env.cfg, agent.predict(obs)[0], gains)
                 if row["policy"] == "diffusion-ql" else allocate(env.cfg, gains))
        assert row["prb_owner"] == alloc.prb_owner.reshape(-1).tolist()
        assert row["power_level"] == alloc.power_level.tolist()
        obs, reward, _, _, _ = env.step(alloc.to_native())
        assert np.allclose(row["next_obs"], obs)
        assert row["reward"] == pytest.approx(reward)
    shares.close()
