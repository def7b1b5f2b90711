r"""Exact region counts of a given network (not a bound): the ground truth every bound is tested against.

Definition
----------
For a concrete :class:`tropical.network.ReLUNetwork`, :func:`exact_count` returns one of the counts of
:func:`tropical.regions.count_regions` (``"linear_regions"`` by default: maximal connected sets on which the
network is affine, facet-connected; also ``"activation_regions"`` and ``"distinct_affine_maps"``).  The
enumeration is exact (rational arithmetic) and exponential in the worst case, so it is guarded by
``max_regions``: :class:`tropical.errors.BudgetExceededError` is raised instead of running for hours.

A widths-only architecture has no weights; :func:`exact_random_count` counts one *seeded random* network
of that architecture (Gaussian weights, converted to rationals with ``limit_denominator``).  That is a
sample, not a maximum — see ``proofs/exact.md``.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

from canopy.bounds._combinatorics import check_architecture
from canopy.errors import InvalidArgumentError

__all__ = ["COUNT_NAMES", "exact_count", "exact_random_count", "random_network"]

#: the counts :func:`exact_count` can return
COUNT_NAMES = ("linear_regions", "activation_regions", "distinct_affine_maps")


def _regions_module() -> Any:
    from canopy.errors import BoundNotApplicableError

    try:
        return importlib.import_module("tropical.regions")
    except ModuleNotFoundError as exc:
        if exc.name != "tropical.regions":
            raise
        raise BoundNotApplicableError(
            "exact counting needs tropical.regions, which this build does not have yet"
        ) from None


def exact_count(
    net: Any,
    *,
    count: str = "linear_regions",
    domain: Any = None,
    max_regions: int = 100_000,
    time_budget: float | None = None,
) -> int:
    """Exact number of regions of ``net`` (delegates to :func:`tropical.regions.count_regions`).

    Parameters
    ----------
    net : tropical.network.ReLUNetwork
        The network (exact weights).
    count : {"linear_regions", "activation_regions", "distinct_affine_maps"}
        Which definition to count (see ``tropical.regions``).
    domain : None, tropical.regions.Box or Polytope
        ``None`` for the whole input space.
    max_regions : int, default 100_000
        Budget; above it :class:`tropical.errors.BudgetExceededError` is raised.
    time_budget : float, optional
        Seconds, passed through.

    Returns
    -------
    int
        The exact count, at least 1.

    Raises
    ------
    ValueError
        For an unknown ``count``.
    tropical.errors.BudgetExceededError
        Over budget (``max_regions``), or ``time_budget`` ran out (a partial count is never returned).
    canopy.errors.BoundNotApplicableError
        If ``tropical.regions`` is not available.

    Examples
    --------
    >>> from tropical.network import ReLUNetwork
    >>> net = ReLUNetwork([[[1, 0], [0, 1], [1, 1]], [[1, 1, 1]]], [[0, 0, -1], [0]])
    >>> exact_count(net, count="activation_regions")      # 3 lines in general position: r(3, 2) = 7
    7

    References
    ----------
    Proof that every upper bound dominates this count: ``proofs/generic.md``, ``proofs/serra.md``;
    definitions: ``proofs/exact.md``.
    """
    if count not in COUNT_NAMES:
        raise InvalidArgumentError(f"unknown count {count!r}; choose one of {', '.join(COUNT_NAMES)}")
    regions = _regions_module()
    result = regions.count_regions(net, domain, max_regions=max_regions, time_budget=time_budget)
    if result.partial:
        from tropical.errors import BudgetExceededError

        raise BudgetExceededError(f"exact count stopped after time_budget={time_budget} s (partial count)")
    return int(getattr(result, count))


def random_network(
    input_dim: int,
    widths: Sequence[int],
    *,
    seed: int = 0,
    distribution: str = "gaussian",
    scale: int = 1,
    max_denominator: int = 1000,
) -> Any:
    """The seeded random :class:`~tropical.network.ReLUNetwork` that ``mode="exact"`` counts for an architecture.

    Gaussian weights are rounded to rationals with ``policy="limit_denominator"`` (``max_denominator``), which
    keeps exact enumeration fast; ``distribution="integer"`` draws uniform integers in ``[-scale, scale]``
    (degenerate on purpose: coincident and parallel hyperplanes are common).

    Examples
    --------
    >>> random_network(2, [3], seed=1).layer_sizes
    (2, 3, 1)
    """
    from tropical.network import ReLUNetwork

    n0, ws = check_architecture(input_dim, widths)
    if distribution == "gaussian":
        return ReLUNetwork.random(n0, ws, seed=seed, distribution="gaussian", scale=scale,
                                  policy="limit_denominator", max_denominator=max_denominator)
    return ReLUNetwork.random(n0, ws, seed=seed, distribution=distribution, scale=scale)


def exact_random_count(
    input_dim: int,
    widths: Sequence[int],
    *,
    seed: int = 0,
    distribution: str = "gaussian",
    scale: int = 1,
    count: str = "linear_regions",
    max_regions: int = 100_000,
) -> int:
    """Exact region count of the seeded random network :func:`random_network` of this architecture.

    This is a *sample* of the count over weights (Hanin & Rolnick: typical counts sit far below the
    maximum), not the maximum and not a bound.

    Parameters
    ----------
    input_dim, widths
        The architecture.
    seed : int, default 0
        Seed of :class:`random.Random` (the network is reproducible).
    distribution : {"gaussian", "integer"}
    scale : int, default 1
    count : str, default "linear_regions"
    max_regions : int, default 100_000

    Returns
    -------
    int

    Examples
    --------
    >>> exact_random_count(1, [3], seed=0) <= 4                 # at most n + 1 pieces on a line
    True
    """
    net = random_network(input_dim, widths, seed=seed, distribution=distribution, scale=scale)
    return exact_count(net, count=count, max_regions=max_regions)
