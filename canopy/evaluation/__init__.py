"""Score a search space with proxies, durably and in parallel, and correlate the scores with ground truth.

* :func:`evaluate` (:mod:`.run`) -- the whole study: architectures, scores through the store, correlations;
* :func:`run_items` (:mod:`.executor`) -- compute missing work items serially, in a process pool or on Dask;
* :func:`select_architectures`, :func:`read_arch_file` (:mod:`.architectures`) -- which NB201 cells.

What one proxy computes on one architecture is :func:`canopy.scoring.score`; proxy names are resolved in
:mod:`canopy.proxies.registry` (third-party proxies: the ``canopy.proxies`` entry-point group).

Examples
--------
>>> from canopy.evaluation import evaluate, run_items, select_architectures
>>> callable(evaluate) and callable(run_items)
True
"""

from __future__ import annotations

from canopy.evaluation.architectures import SUBSETS, canonical_archs, read_arch_file, select_architectures
from canopy.evaluation.executor import RunStats, run_items
from canopy.evaluation.run import (
    NB201_DATASETS,
    EvaluationResult,
    correlate_scores,
    default_store_path,
    evaluate,
)

__all__ = [
    "NB201_DATASETS",
    "SUBSETS",
    "EvaluationResult",
    "RunStats",
    "canonical_archs",
    "correlate_scores",
    "default_store_path",
    "evaluate",
    "read_arch_file",
    "run_items",
    "select_architectures",
]
