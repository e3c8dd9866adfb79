"""``ran-gym train``: train an agent for a scenario; writes a checkpoint into --out.

Each (scenario, agent) pair names its training function as ``"module:function"``; the
function takes the parsed arguments and returns the checkpoint path.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ran_gym.commands import dispatch, paths
from ran_gym.train.common import Interrupted

TRAINERS: dict[tuple[str, str], str] = {
    ("interference", "sapd"): "ran_gym.train.sapd:train_command",
    ("interference", "gdm"): "ran_gym.train.gdm:train_command",
    ("reference", "diffusion-ql"): "ran_gym.train.diffusion_ql:train_command",
    ("oran-slicing", "diffusion-ql"): "ran_gym.train.diffusion_ql:train_command",
    ("oran-slicing-twin", "diffusion-ql"): "ran_gym.train.diffusion_ql:train_command",
    ("reference", "dqn"): "ran_gym.train.dqn:train_command",
    ("oran-slicing", "dqn"): "ran_gym.train.dqn:train_command",
    ("oran-slicing-twin", "dqn"): "ran_gym.train.dqn:train_command",
    ("oran-slicing", "ss-vae"): "ran_gym.train.ssvae:train_command",
    ("oran-slicing", "ue-value"): "ran_gym.train.ue_value:train_command",
    ("oran-slicing-twin", "ue-value"): "ran_gym.train.ue_value:train_command",
}


ROLLOUTS = ("local", "ray")
RAY_ROLLOUTS = ("diffusion-ql",)
"""The trainers whose rollouts can run as Ray actors (ran_gym.rollouts)."""
AGENT_PARAMS = ("diffusion-ql", "ue-value")
"""The trainers that take ``--agent-param``."""
DEMO_POLICY = "qos-greedy"
"""The --dataset policy whose episodes are Diffusion-QL's demonstrations by default."""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("train", help="train an agent (checkpoint into --out)")
    parser.add_argument("--scenario", required=True, help="scenario name")
    parser.add_argument("--agent", required=True, help="agent to train")
    parser.add_argument("--iterations", type=int, default=None,
                        help="env steps this run trains (default 1000); with --resume, "
                             "that many more than the checkpoint's (ue-value: the steps of "
                             "its own play, a stopped round resumed up to them)")
    parser.add_argument("--seed", type=int, default=0, help="seed (default: 0)")
    parser.add_argument("--dataset", default=None, type=paths.path_list,
                        help="expert data set (Parquet) for imitation learners (gdm); a "
                             "ran-gym collect directory for diffusion-ql")
    parser.add_argument("--demo-policy", default=DEMO_POLICY,
                        help="diffusion-ql: the --dataset policy whose episodes are "
                             f"demonstrations (default: {DEMO_POLICY})")
    parser.add_argument("--pretrain-updates", type=int, default=0,
                        help="diffusion-ql: offline updates before the first online step")
    parser.add_argument("--init", default=None, metavar="CHECKPOINT", type=paths.path,
                        help="start from another training's checkpoint (diffusion-ql: "
                             "networks, optimisers, demonstrations; dqn: the model)")
    parser.add_argument("--replace-demonstrations", action="store_true",
                        help="diffusion-ql with --init and --dataset: the --dataset's "
                             "demonstrations replace the checkpoint's (default: added to "
                             "them)")
    parser.add_argument("--preset", default=None,
                        help="diffusion-ql settings: default (the default), table-i (the "
                             "paper's) or per-ue (per-UE networks for the slicing share "
                             "action)")
    parser.add_argument("--agent-param", action="append", default=[], metavar="NAME=VALUE",
                        help="diffusion-ql: a DiffusionQLConfig field over the preset's "
                             "(e.g. q_weight=0.05), or with --init over the checkpoint's "
                             "(those that do not shape the networks); ue-value: min_rows "
                             "(rows a table cell needs, default 30); repeatable")
    parser.add_argument("--out", required=True, type=paths.path,
                        help="directory for the checkpoint")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        type=paths.param, help="scenario parameter; repeatable")
    parser.add_argument("--device", default="auto", help="auto (CUDA if present), cpu, cuda")
    parser.add_argument("--resume", action="store_true",
                        help="continue from the checkpoint in --out")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace an earlier training in --out")
    parser.add_argument("--auto-restart", action="store_true",
                        help="a simulator that dies or hangs ends its episode (truncated) "
                             "and training goes on; the restarts are counted")
    parser.add_argument("--runtime", default="native",
                        help="native, docker or launcher:ENDPOINT[@SOCKET_DIR]")
    parser.add_argument("--traces", action="store_true",
                        help="let ns-3 write every episode's traces into --out")
    parser.add_argument("--num-envs", type=int, default=1,
                        help="simulator processes collecting at once (default: 1)")
    add_rollout_arguments(parser)
    parser.add_argument("--checkpoint-every", type=int, default=1000, metavar="STEPS",
                        help="write the checkpoint every STEPS steps; 0: only at the end "
                             "(default: 1000)")
    parser.add_argument("--log-every", type=int, default=100, metavar="STEPS",
                        help="a progress line every STEPS steps (default: 100)")
    parser.add_argument("--cuda-graphs", action=argparse.BooleanOptionalAction, default=True,
                        help="diffusion-ql on CUDA: replay each update as one CUDA graph "
                             "(default; --no-cuda-graphs: eager updates)")
    parser.set_defaults(func=run)


def add_rollout_arguments(parser: argparse.ArgumentParser) -> None:
    """``--rollouts`` and ``--ray-address`` (train, collect)."""
    parser.add_argument("--rollouts", choices=ROLLOUTS, default="local",
                        help="where the --num-envs simulators run: local (worker processes "
                             "on this host, default) or ray (Ray actors, on a local Ray or "
                             "the cluster at --ray-address)")
    parser.add_argument("--ray-address", default=None, metavar="HOST:PORT",
                        help="with --rollouts ray: join this Ray cluster (default: start a "
                             "local Ray on loopback)")


def run(args: argparse.Namespace) -> int:
    train = dispatch(TRAINERS, (args.scenario, args.agent), "trainer")
    if args.rollouts == "ray" and args.agent not in RAY_ROLLOUTS:
        raise ValueError(f"--rollouts ray: only {', '.join(RAY_ROLLOUTS)} collects from Ray "
                         f"actors, not {args.agent}")
    if args.ray_address and args.rollouts != "ray":
        raise ValueError("--ray-address needs --rollouts ray")
    if args.agent != "diffusion-ql":
        given = [flag for flag, value in (
            ("--preset", args.preset),
            ("--agent-param", args.agent_param and args.agent not in AGENT_PARAMS),
            ("--pretrain-updates", args.pretrain_updates),
            ("--demo-policy", args.demo_policy != DEMO_POLICY),
            ("--replace-demonstrations", args.replace_demonstrations)) if value]
        if given:
            raise ValueError(f"{', '.join(given)}: options of diffusion-ql, which "
                             f"{args.agent} does not take")
    if args.replace_demonstrations and not (args.init and args.dataset):
        raise ValueError("--replace-demonstrations replaces --init's demonstrations with "
                         "--dataset's: it needs both")
    try:
        path: Path = train(args)
    except Interrupted as stop:
        print(f"interrupted; checkpoint: {stop.checkpoint} (--resume continues)")
        return stop.exit_code
    print(f"checkpoint: {path}")
    return 0
