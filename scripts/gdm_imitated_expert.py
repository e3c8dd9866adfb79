"""The SA-PD expert that the GDM imitates (agents/sapd/pretrained/default.pt at commit
6d7baf5: duals from 0, dual step 3) on 8 ns-3 networks of 200 steps:
``python scripts/gdm_imitated_expert.py SEED OUT.csv`` (extract the checkpoint first:
``git show 6d7baf5:agents/sapd/pretrained/default.pt > runs/gdm/sapd-imitated.pt``).
Needs a SapdAgent that takes ``warm_steps`` (0 = the duals start at 0, as then)."""

import sys

import torch

from ran_gym.experiments.gdm_reproduce import markdown, run_ns3, table

torch.set_num_threads(1)
seed, out = int(sys.argv[1]), sys.argv[2]
spec = {"sapd (imitated expert)": {"agent": "sapd", "checkpoint": "runs/gdm/sapd-imitated.pt",
                                    "eta": 3.0, "warm_steps": 0}}
summary = table(run_ns3(spec, {}, 8, 200, seed))
summary.to_csv(out, index=False)
print(markdown(summary))
