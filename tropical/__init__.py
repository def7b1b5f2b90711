"""tropical: exact max-plus algebra and the exact geometry of ReLU networks (standard library only).

The façade: every public name of the package is importable from here.

Examples
--------
>>> import tropical
>>> net = tropical.ReLUNetwork([[[1, -1], [2, 1]], [[1, -1]]], [[0, -1], [0]])
>>> F_over_G = net.to_tropical()[0]
>>> print(F_over_G)
(x1 ⊕ x2) ⊘ ((-1)⊙x1^2⊙x2^2 ⊕ x2)
>>> F_over_G.evaluate([0, 2]) == net.forward([0, 2])[0]
True
>>> tropical.TropicalNumber(3) + 5, tropical.TropicalNumber(3) * 5
(TropicalNumber(5), TropicalNumber(8))
"""

from __future__ import annotations

from tropical.backend import BackendError, available_backends, get_backend, set_backend, use_backend
from tropical.convert import POLICIES, parse_rational, to_rational
from tropical.errors import (
    BudgetExceededError,
    ConventionError,
    ConversionError,
    DimensionMismatchError,
    InexactInputError,
    InvalidNetworkError,
    TropicalError,
    TropicalSubtractionError,
)
from tropical.graph import GraphNetwork, count_graph_regions
from tropical.lp import LPResult, solve_lp
from tropical.network import ReLUNetwork
from tropical.newton import (
    convex_hull_vertices,
    dual_subdivision,
    merge_duplicates,
    minkowski_sum,
    upper_hull_vertices,
)
from tropical.polynomial import TropicalPolynomial
from tropical.rational import LayerStats, TropicalRationalFunction, TropicalRationalMap
from tropical.regions import Box, Polytope, RegionCounts, activation_regions, count_regions, linear_regions
from tropical.semiring import NEG_INF, TropicalNumber, tropical_product, tropical_sum
from tropical.tropicalize import network_to_tropical

__all__ = [
    # semiring, polynomials, rational maps
    "NEG_INF",
    "TropicalNumber",
    "tropical_sum",
    "tropical_product",
    "TropicalPolynomial",
    "TropicalRationalFunction",
    "TropicalRationalMap",
    "LayerStats",
    # Newton polytopes
    "merge_duplicates",
    "upper_hull_vertices",
    "convex_hull_vertices",
    "minkowski_sum",
    "dual_subdivision",
    # networks
    "ReLUNetwork",
    "GraphNetwork",
    "count_graph_regions",
    "network_to_tropical",
    "POLICIES",
    "to_rational",
    "parse_rational",
    # exact LP
    "LPResult",
    "solve_lp",
    # exact regions (tropical.regions)
    "count_regions",
    "activation_regions",
    "linear_regions",
    "Box",
    "Polytope",
    "RegionCounts",
    # exact backend (tropical.backend)
    "set_backend",
    "get_backend",
    "use_backend",
    "available_backends",
    # errors
    "BackendError",
    "BudgetExceededError",
    "ConventionError",
    "ConversionError",
    "DimensionMismatchError",
    "InexactInputError",
    "InvalidNetworkError",
    "TropicalError",
    "TropicalSubtractionError",
]
