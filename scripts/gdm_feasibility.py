"""Feasibility of an interference agent on ns-3 networks, with the agent's own seed free:
``python scripts/gdm_feasibility.py AGENT SEED EPISODES AGENT_SEED [CHECKPOINT]``
prints one JSON line: the share of pairs whose ergodic rate over the episode's 200 steps
reaches f_min = 0.75, the mean, the 5th percentile and the failing pairs per network.
Episode k uses network seed SEED + k, as ``ran-gym evaluate --seeds SEED --episodes K``
does; with AGENT_SEED = SEED the figures are those of ``ran-gym evaluate`` (whose agent
takes the first seed). Used in docs/results/gdm/ to measure the spread between agent seeds."""

import json
import sys

import numpy as np
import torch

from agents.registry import make_agent
from bridge.envs import ScenarioEnv
from bridge.twins.interference import F_MIN
from ran_gym.experiments.gdm_reproduce import ergodic_rates, metrics

STEPS = 200

torch.set_num_threads(1)
agent_name, seed, episodes, agent_seed = sys.argv[1], *map(int, sys.argv[2:5])
options = {"checkpoint": sys.argv[5]} if len(sys.argv) > 5 else {}
env = ScenarioEnv("interference", {})
try:
    agent = make_agent(agent_name, env, seed=agent_seed, **options)
    ergodic = [ergodic_rates(agent, env, seed + k, STEPS) for k in range(episodes)]
finally:
    env.close()
m = metrics(np.concatenate(ergodic))
print(json.dumps({"agent": agent_name, "checkpoint": options.get("checkpoint"), "seed": seed,
                  "agent_seed": agent_seed, "feasible": m["feasible_share"],
                  "mean": m["mean_rate"], "p5": m["p5"],
                  "fails_per_net": [int((e < F_MIN).sum()) for e in ergodic]}))
