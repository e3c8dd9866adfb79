"""Metrics of the oran-slicing scenario from ``ran-gym evaluate`` step rows.

Per step the program reports the aggregate throughput (``reward_rate_mbps``), the share
of UEs meeting their QoS (``reward_constraint``) and, per slice, the throughput of its
UEs and the share of them meeting QoS (``info["slice"]``). Each metric is the mean over
the steps of the rows given (the steps of an agent, or of an agent and seed).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def summarise(steps: pd.DataFrame) -> dict[str, float]:
    out = {"mean_reward": float(steps["reward"].mean()),
           "throughput_mbps": float(steps["info_reward_rate_mbps"].mean()),
           "qos_share": float(steps["info_reward_constraint"].mean())}
    slices = [_slice(info) for info in steps["info_slice"]]
    names = slices[0][0]
    rates = np.array([s[1] for s in slices], dtype=float)
    qos = np.array([s[2] for s in slices], dtype=float)
    for i, name in enumerate(names):
        out[f"{name}_throughput_mbps"] = float(rates[:, i].mean())
        out[f"{name}_qos_share"] = float(qos[:, i].mean())
    return out


def _slice(info: Any) -> tuple[list[str], list[float], list[float]]:
    return (list(info["names"]), list(info["throughput_mbps"]), list(info["qos_ok_share"]))
