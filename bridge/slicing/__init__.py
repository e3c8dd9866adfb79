"""The O-RAN slicing scenario of paper A on the Python side.

``config`` (SlicingConfig), ``layout`` (the contract with the ns-3 program: spaces,
observation offsets), ``allocation`` (structured decisions, feasibility), ``twin``
(closed-form system model), ``unified`` and ``catalogue`` (agent action spaces),
``wrappers`` (Gymnasium ActionWrappers), ``drop`` (Python drops), ``esa`` and ``milp``
(optimal allocations), ``dataset`` (labelled data sets).
"""

from bridge.slicing.allocation import Allocation, is_feasible, violations
from bridge.slicing.config import SLICE_NAMES, SlicingConfig
from bridge.slicing.twin import TwinResult, evaluate

__all__ = ["SLICE_NAMES", "Allocation", "SlicingConfig", "TwinResult", "evaluate",
           "is_feasible", "violations"]
