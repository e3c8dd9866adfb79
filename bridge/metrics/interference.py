"""Metrics of the interference scenario from ``ran-gym evaluate``'s step rows.

A pair's ergodic rate is the mean of the rates ns-3 delivered to it over the episode;
the percentiles and the feasible share are over all pairs of all episodes of an agent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bridge.twins.interference import F_MIN, ergodic_metrics


def summarise(steps: pd.DataFrame, f_min: float = F_MIN) -> dict[str, float]:
    ergodic = [np.stack(list(episode["info_rates"])).mean(axis=0)
               for _, episode in steps.groupby("episode")]
    pooled = np.concatenate(ergodic)[None, :]  # one "step" holding every pair's mean
    return ergodic_metrics(pooled, f_min)
