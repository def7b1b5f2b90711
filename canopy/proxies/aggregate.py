r"""Named population aggregates: sums of log-ranks of registered proxies over an evaluated set.

The recipe of AZ-NAS and VKDNW_agg (``../shared/reference/proxies.md``, ``vkdnw.md`` §6.1): every component is
ranked over the evaluated architectures (average ranks, ascending: a larger score gets a larger rank) and the
aggregate is the sum of the logs of the ranks,

.. math::  A(a) \;=\; \sum_{c \in \text{components}} \log R_c(a).

An aggregate is therefore a property of a *population*, not of one architecture: the same architecture can get
a different value in a different evaluated set (its order inside the set is what counts).  NaN / infinite
component values are replaced by the component's minimum over the set (as the released VKDNW analysis does for
jacov).

Named aggregates (:data:`AGGREGATES`):

``realized_agg``
    :math:`\log R(\text{realized\_regions}) + \log R(\text{FLOPs})` -- the realized-region proxy (exact region
    counts along short input segments of the initialised network, :mod:`canopy.proxies.realized_regions`)
    paired with size.  Measured on the fixed 1,000-cell NB201 sample: rho 0.842 (CIFAR-10), 0.826 (CIFAR-100),
    0.764 (ImageNet16-120) against FLOPs' 0.802 / 0.771 / 0.717 (``benchmarks/structure_scores.py``).
``vkdnw_agg``
    VKDNW_agg as published: :math:`\log R(\text{FLOPs}) + \log R(\text{AZ expressivity}) + \log R(\text{AZ
    trainability}) + \log R(\text{jacov}) + \log R_{\text{dense}}(\aleph, \text{VKDNW})`
    (:func:`canopy.proxies.vkdnw.vkdnw_agg`).

``canopy evaluate --proxies realized_agg`` evaluates the components (stored and reused like any proxy) and
reports the aggregate over the evaluated set beside them.

Examples
--------
>>> log_rank_sum({"a": [1.0, 3.0, 2.0], "b": [10.0, 30.0, 20.0]}).round(3).tolist()   # canopy.metrics
[0.0, 2.197, 1.386]
>>> AGGREGATES["realized_agg"].components
('realized_regions', 'flops')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from canopy.errors import ProxySettingsError
from canopy.metrics.ranking import log_rank_sum

__all__ = ["AggregateSpec", "AGGREGATES", "get_aggregate", "combine"]


@dataclass(frozen=True)
class AggregateSpec:
    """A named population aggregate.

    Attributes
    ----------
    name : str
    components : tuple of str
        Registered proxy names whose scores it combines.
    formula : str
        One line, for protocols and ``--list``.
    combine : callable
        ``combine(scores, results) -> numpy.ndarray``: ``scores`` maps each component to its floats over the
        population, ``results`` to the stored payloads (for components with structured results, like VKDNW's
        ``(aleph, score)``).
    """

    name: str
    components: tuple[str, ...]
    formula: str
    combine: Callable[[Mapping[str, Sequence[float]], Mapping[str, Sequence[Any]]], np.ndarray]


def _realized(scores: Mapping[str, Sequence[float]], results: Mapping[str, Sequence[Any]]) -> np.ndarray:
    return log_rank_sum({"realized_regions": scores["realized_regions"], "flops": scores["flops"]})


def _vkdnw(scores: Mapping[str, Sequence[float]], results: Mapping[str, Sequence[Any]]) -> np.ndarray:
    from canopy.proxies.vkdnw import vkdnw_agg

    pairs = []
    for r, s in zip(results["vkdnw"], scores["vkdnw"]):
        value = getattr(r, "value", r)
        if not isinstance(value, Mapping) or "aleph" not in value:
            raise ProxySettingsError("vkdnw_agg needs VKDNW results carrying 'aleph' (the stored payload)")
        pairs.append((float(value["aleph"]), float(s)))
    return vkdnw_agg(pairs, flops=scores["flops"], expressivity=scores["az_expressivity"],
                     trainability=scores["az_trainability"], jacov=scores["jacov"])


#: the library's named aggregates
AGGREGATES: dict[str, AggregateSpec] = {
    a.name: a
    for a in (
        AggregateSpec("realized_agg", ("realized_regions", "flops"),
                      "log R(realized_regions) + log R(flops), average ranks over the evaluated set", _realized),
        AggregateSpec("vkdnw_agg", ("vkdnw", "flops", "az_expressivity", "az_trainability", "jacov"),
                      "log R(flops) + log R(az_expressivity) + log R(az_trainability) + log R(jacov) + "
                      "log R_dense(aleph, vkdnw), over the evaluated set", _vkdnw),
    )
}


def get_aggregate(name: str) -> AggregateSpec | None:
    """The :class:`AggregateSpec` called ``name``, or ``None``.

    Examples
    --------
    >>> get_aggregate("realized_agg").name, get_aggregate("naswot") is None
    ('realized_agg', True)
    """
    return AGGREGATES.get(name)


def combine(name: str, scores: Mapping[str, Sequence[float]], results: Mapping[str, Sequence[Any]] | None = None
            ) -> np.ndarray:
    """Evaluate the aggregate ``name`` on component scores over a population.

    Examples
    --------
    >>> combine("realized_agg", {"realized_regions": [2.0, 1.0], "flops": [1.0, 2.0]}).round(3).tolist()
    [0.693, 0.693]
    """
    spec = AGGREGATES.get(name)
    if spec is None:
        raise ProxySettingsError(f"unknown aggregate {name!r}; known: {', '.join(AGGREGATES)}")
    missing = [c for c in spec.components if c not in scores]
    if missing:
        raise ProxySettingsError(f"{name} needs the scores of {', '.join(missing)}")
    return spec.combine(scores, results or {})
