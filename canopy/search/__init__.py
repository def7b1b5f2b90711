"""Architecture search: one regularized-evolution loop, random search, space adapters, trajectories.

* :func:`regularized_evolution` — REA with pluggable mutation / selection strategies (:mod:`.strategies`).
* :func:`random_search` — sample and keep the best.
* :mod:`.spaces` — adapters for NAS-Bench-201, DARTS, the MobileNetV2-style space and finite pools.
* :mod:`.fitness` — a proxy by name or the validation accuracy, cached in the durable store.
* :func:`run_seeds` — a configuration over several seeds, trajectories stored.

Examples
--------
>>> from canopy.search import regularized_evolution, random_search
>>> from canopy.search.spaces import BitStrings
>>> t = regularized_evolution(BitStrings(6), lambda a: float(sum(a)), n_evals=40, population_size=8,
...                           sample_size=3, seed=0)
>>> t.final.proxy_best
6.0
"""

from canopy.search.random_search import random_search
from canopy.search.rea import regularized_evolution
from canopy.search.runner import SearchConfig, run_seeds
from canopy.search.strategies import GreedyNeighbour, Individual, RandomNeighbour, Tournament
from canopy.search.trajectory import Step, Trajectory, aggregate, final_summary

__all__ = [
    "regularized_evolution",
    "random_search",
    "SearchConfig",
    "run_seeds",
    "Tournament",
    "RandomNeighbour",
    "GreedyNeighbour",
    "Individual",
    "Step",
    "Trajectory",
    "aggregate",
    "final_summary",
]
