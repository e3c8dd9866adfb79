"""Twin against ns-3: the MILP allocation of one drop, applied in the ns-3 program.

``python -m bridge.slicing.crosscheck --seed 5`` resets ``oran-slicing`` (handover on,
saturating eMBB/URLLC traffic so that throughput shows capacity), solves the drop's
gains with the MILP, holds that allocation for ``--steps`` steps and prints, per UE,
the twin's rate under both link models beside the mean ns-3 throughput after the
first ``--settle`` steps.
"""

from __future__ import annotations

import argparse
import dataclasses

import numpy as np

from bridge.slicing import milp
from bridge.slicing.config import SlicingConfig
from bridge.slicing.layout import gains_from_observation, split_observation
from bridge.slicing.twin import evaluate


def crosscheck(seed: int, n_rus: int = 3, n_ues: int = 10, steps: int = 30,
               settle: int = 10, offered_mbps: float = 50.0) -> dict[str, np.ndarray]:
    """Per-UE rates (Mbps): ``shannon`` and ``tr36942`` (twin), ``ns3`` (measured)."""
    from bridge.envs import ScenarioEnv

    cfg = SlicingConfig(n_rus=n_rus, n_ues=n_ues)
    env = ScenarioEnv("oran-slicing", {
        "nRus": n_rus, "nUes": n_ues, "maxSteps": steps + 1, "ueSpeed": 0.0,
        "handover": "true", "embbMbps": offered_mbps, "urllcMbps": offered_mbps,
    })
    try:
        obs, _ = env.reset(seed=seed)
        gain_db = gains_from_observation(obs, cfg)
        alloc = milp.solve(cfg, gain_db, time_limit_s=30.0).allocation
        measured = []
        for _ in range(steps):
            obs, *_ = env.step(alloc.to_native())
            measured.append(split_observation(obs, cfg)["throughput_mbps"])
    finally:
        env.close()
    lte = dataclasses.replace(cfg, link_model="tr36942")
    return {"shannon": evaluate(cfg, gain_db, alloc).rate_mbps,
            "tr36942": evaluate(lte, gain_db, alloc).rate_mbps,
            "ns3": np.mean(measured[settle:], axis=0),
            "slice": cfg.ue_slice.astype(np.float64)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--settle", type=int, default=10)
    args = parser.parse_args()
    rows = crosscheck(args.seed, steps=args.steps, settle=args.settle)
    print("ue slice shannon tr36942 ns3 (Mbps)")
    for u in range(len(rows["ns3"])):
        print(f"{u:2d} {int(rows['slice'][u])} {rows['shannon'][u]:8.2f} "
              f"{rows['tr36942'][u]:8.2f} {rows['ns3'][u]:8.2f}")
    served = rows["ns3"] > 0.1
    for name in ("shannon", "tr36942"):
        ratio = rows["ns3"][served].sum() / max(rows[name][served].sum(), 1e-9)
        print(f"ns-3 / {name} over served UEs: {ratio:.3f}")


if __name__ == "__main__":
    main()
