"""Any interference agent on the closed-form twin, through its ``predict``: a quick check
before ns-3 (``python -m agents.gdm.twin_eval --networks 16 --agents sapd,gdm``).

Each twin network is drawn by ``drop_network`` with its own fading; the agent sees the
observation ns-3 would send ({gains, rates of the last step}) and the rates come from
the LTE rate model (``bridge.twins.interference.lte_rates``).
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np
import torch

from bridge.twins.interference import (
    InterferenceConfig,
    drop_network,
    ergodic_metrics,
    fading,
    lte_rates,
    normalise_gains,
)


def episode_rates(agent: Any, gains: np.ndarray, h: np.ndarray, family: InterferenceConfig
                  ) -> np.ndarray:
    """Rates [T, N] of one episode; h holds the faded gains of each step [T, N, N]."""
    x = normalise_gains(gains, family.pmax_w, family.noise_w).astype(np.float32)
    rates, out = np.zeros(family.pairs), []
    for t, h_t in enumerate(h):
        power_mw, _ = agent.predict({"gains": x, "rates": rates}, episode_start=t == 0)
        rates = lte_rates(h_t, np.asarray(power_mw, float) / 1e3, family.noise_w)
        out.append(rates)
    return np.array(out)


def evaluate(agents: dict[str, Any], networks: int, steps: int, seed: int,
             family: InterferenceConfig) -> dict[str, np.ndarray]:
    """Ergodic rates [networks * N] per agent on the same twin networks and fading."""
    rng = np.random.default_rng(seed)
    ergodic: dict[str, list[np.ndarray]] = {name: [] for name in agents}
    for _ in range(networks):
        gains = drop_network(family, rng).gains
        h = gains * fading(gains.shape, steps, family.fading_correlation, rng)
        for name, agent in agents.items():
            ergodic[name].append(episode_rates(agent, gains, h, family).mean(0))
    return {name: np.concatenate(values) for name, values in ergodic.items()}


def _agent(name: str, family: InterferenceConfig, checkpoint: str | None,
           guidance: float) -> Any:
    from agents.baselines.power import FullPower, WmmsePower
    from agents.gdm import GdmAgent
    from agents.sapd import SapdAgent

    pmax_mw = family.pmax_w * 1e3
    if name == "sapd":
        return SapdAgent(pmax_mw)
    if name == "fp":
        return FullPower(_box(family))
    if name == "wmmse":
        from bridge.scenarios import get_scenario

        params = get_scenario("interference").resolve({"pairs": family.pairs})
        return WmmsePower(_box(family), params)
    kw: dict[str, Any] = {"checkpoint": checkpoint} if checkpoint else {}
    if name.startswith("gdm-guided"):
        kw.update(guidance_scale=guidance, guidance_feedback=True)
    return GdmAgent(pmax_mw, **kw)


def _box(family: InterferenceConfig) -> Any:
    import gymnasium as gym

    return gym.spaces.Box(0, family.pmax_w * 1e3, (family.pairs,), np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--networks", type=int, default=16)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1000)
    parser.add_argument("--pairs", type=int, default=8)
    parser.add_argument("--agents", default="fp,wmmse,sapd,gdm")
    parser.add_argument("--checkpoint", default=None, help="GDM checkpoint")
    parser.add_argument("--guidance", default="1", help="scales for gdm-guided, comma-separated")
    args = parser.parse_args()
    torch.set_num_threads(1)
    family = InterferenceConfig(pairs=args.pairs)
    agents = {}
    for name in args.agents.split(","):
        scales = [float(g) for g in args.guidance.split(",")] if name == "gdm-guided" else [0.0]
        for scale in scales:
            label = f"{name}-{scale:g}" if name == "gdm-guided" else name
            agents[label] = _agent(name, family, args.checkpoint, scale)
    ergodic = evaluate(agents, args.networks, args.steps, args.seed, family)
    print("| agent | mean_rate | p1 | p5 | p10 | feasible_share |\n|---|---|---|---|---|---|")
    for name, values in ergodic.items():
        m = ergodic_metrics(values[None])
        print(f"| {name} | {m['mean_rate']:.4g} | {np.percentile(values, 1):.4g} | "
              f"{m['p5_rate']:.4g} | {m['p10_rate']:.4g} | {m['feasible_share']:.4g} |")


if __name__ == "__main__":
    main()
