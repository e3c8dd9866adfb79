"""Tiny real runs shared by the analysis tests (each built once per test module)."""

from __future__ import annotations

from pathlib import Path

from ran_gym.run import RunConfig, run

SLICING = {"nUes": 4, "nRus": 2, "maxSteps": 10, "pcap": "true"}
INTERFERENCE = {"pairs": 3, "maxSteps": 4}


def slicing_run(root: Path, seed: int = 0, agent: str = "random", steps: int = 10) -> Path:
    """oran-slicing, 4 UEs on 2 O-RUs, one 10-step episode, with pcap of the EPC links.

    The spaces probe runs without the per-episode ``traceDir`` flag, and ``pcap`` needs
    a trace directory, so the probe gets one of its own."""
    params = {**SLICING, "traceDir": str(root / f"probe-{agent}-{seed}")}
    return run(RunConfig(scenario="oran-slicing", agent=agent, steps=steps,
                         out=root / f"slicing-{agent}-{seed}", seed=seed, params=params),
               progress=None)


def interference_run(root: Path, seed: int = 0, agent: str = "random", steps: int = 8
                     ) -> Path:
    """interference, 3 pairs, two 4-step episodes."""
    return run(RunConfig(scenario="interference", agent=agent, steps=steps,
                         out=root / f"interference-{agent}-{seed}", seed=seed,
                         params=INTERFERENCE), progress=None)
