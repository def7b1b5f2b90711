"""Rank metrics for training-free NAS, with the protocol that produced them recorded and printed.

* :func:`kendall_tau` — Kendall's τ-b (ties handled), signed.
* :func:`spearman_rho` — Pearson correlation of average ranks, signed.
* :func:`ndcg` — nDCG@k as VKDNW computes it: relevance ``2**acc - 1`` (acc in percent), k = 1000,
  with an explicit tie policy.
* :func:`top_k_hit_rate` — overlap of the predicted and the true top-k.
* :func:`bootstrap_ci` — seeded percentile bootstrap (:func:`bootstrap_values`, the one resampling loop);
  :func:`apply_nan_policy` — the one meaning of non-finite scores; :func:`rank_correlations` — the figures'
  ρ/τ summary.
* :class:`Protocol` and :func:`correlate` — every correlation carries its protocol (ground truth,
  architecture set, counting rule, proxy settings, seed, package versions) and prints it.

Modules: :mod:`.ranking` (the metrics), :mod:`.resampling` (NaN policy, bootstrap), :mod:`.protocol`
(protocols, :func:`correlate`, architecture sets). Every public name is importable from :mod:`canopy.metrics`.

Examples
--------
>>> acc = [70.0, 80.0, 90.0, 60.0]
>>> score = [2.0, 3.0, 4.0, 1.0]
>>> kendall_tau(score, acc), spearman_rho(score, acc), ndcg(acc, score)
(1.0, 1.0, 1.0)
>>> p = Protocol(ground_truth="toy", architecture_set="toy-4", proxy="score")
>>> print(correlate(score, acc, p).summary())
kendall_tau=1.000  spearman_rho=1.000  ndcg@1000=1.000  (n=4)
"""

from __future__ import annotations

from canopy.metrics.protocol import (
    ARCHITECTURE_SETS,
    CorrelationResult,
    Protocol,
    correlate,
    select_architectures,
)
from canopy.metrics.ranking import (
    RELEVANCES,
    TIE_POLICIES,
    kendall_tau,
    log_rank_sum,
    ndcg,
    spearman_rho,
    top_k_hit_rate,
)
from canopy.metrics.resampling import (
    NAN_POLICIES,
    ConfidenceInterval,
    apply_nan_policy,
    bootstrap_ci,
    bootstrap_values,
    rank_correlations,
)
from canopy.store import package_versions

__all__ = [
    "kendall_tau",
    "spearman_rho",
    "ndcg",
    "top_k_hit_rate",
    "log_rank_sum",
    "bootstrap_ci",
    "ConfidenceInterval",
    "Protocol",
    "CorrelationResult",
    "correlate",
    "apply_nan_policy",
    "bootstrap_values",
    "rank_correlations",
    "NAN_POLICIES",
    "TIE_POLICIES",
    "RELEVANCES",
    "select_architectures",
    "ARCHITECTURE_SETS",
    "package_versions",
]
