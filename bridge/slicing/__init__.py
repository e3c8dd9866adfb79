"""The O-RAN slicing scenario of paper A on the Python side.

``config`` (SlicingConfig), ``layout`` (the contract with the ns-3 program: spaces,
observation offsets), ``allocation`` (structured decisions, feasibility), ``twin``
(closed-form system model), ``unified`` and ``catalogue`` (agent action spaces),
``wrappers`` (Gymnasium ActionWrappers), ``drop`` (Python drops), ``esa`` and ``milp``
(optimal allocations, with ``milp_model``, ``milp_patterns`` and ``polish``),
``params`` (SlicingConfig from and to the program's parameters), ``labels`` (data-set
rows as allocations), ``crosscheck`` (twin against ns-3).
"""

from bridge.slicing.allocation import Allocation, is_feasible, violations
from bridge.slicing.catalogue import Catalogue
from bridge.slicing.config import SLICE_NAMES, SlicingConfig
from bridge.slicing.twin import TwinResult, evaluate
from bridge.slicing.unified import binary_entries, decode, encode, unified_space
from bridge.slicing.wrappers import CatalogueActionWrapper, UnifiedActionWrapper

__all__ = ["SLICE_NAMES", "Allocation", "Catalogue", "CatalogueActionWrapper",
           "SlicingConfig", "TwinResult", "UnifiedActionWrapper", "binary_entries", "decode",
           "encode", "evaluate", "is_feasible", "unified_space", "violations"]
