"""``ue-value``: a per-UE value table fitted on ns-3's own outcomes, maximised exactly
per O-RU (:mod:`agents.ue_value.agent`)."""

from agents.ue_value.agent import (
    MIN_ROWS,
    RATE_EDGES,
    UeValueAgent,
    UeValueTable,
    allocation_rbgs,
    best_counts,
    fit,
    rate_bin,
    rbgs_held,
    ue_outcomes,
)

__all__ = ["MIN_ROWS", "RATE_EDGES", "UeValueAgent", "UeValueTable", "allocation_rbgs",
           "best_counts", "fit", "rate_bin", "rbgs_held", "ue_outcomes"]
