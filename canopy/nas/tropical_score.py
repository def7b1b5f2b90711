"""The tropical expressivity score: ``log10`` of a region count (a bound, or an exact count).

:func:`tropical_expressivity_score` dispatches on what it is given:

=====================================================  ====================================================
input                                                  computed by
=====================================================  ====================================================
:class:`~canopy.nas.architecture.ArchitectureSpec`     the dense bound named by ``mode`` (:mod:`canopy.bounds`)
(widths only)                                          or, for ``mode="exact"``, the exact count of a seeded
                                                       random network of that architecture
``ArchitectureSpec`` with ``cell_ops`` (per-cell       :func:`canopy.nas.cells.darts_cell_score`
widths, 3 x s x s input), a DARTS ``Genotype``
an NB201 cell (``NB201Cell`` or ``"|op~0|+..."``)      :func:`canopy.nas.cells.nb201_cell_score`
a ``torch.nn.Module`` (needs ``input_shape``)          :func:`canopy.nas.trace.score_module`
a :class:`tropical.network.ReLUNetwork`                the exact count (``mode="exact"``) or the dense bound
                                                       of its widths
=====================================================  ====================================================

Dense modes (:data:`DENSE_MODES`): ``"generic"`` (per-layer Zaslavsky product with the bottleneck carried
through), ``"serra"`` (Serra et al. 2018 J-set bound, the tightest upper bound here), ``"zhang"`` (plain
product, Zhang et al. 2018), ``"montufar"`` and ``"serra_lower"`` (lower bounds on the *maximum*, with
preconditions), ``"exact"``.

Zero counts: a region count or an upper bound is always at least 1 (the input space is one region before
any cut), so the score is a finite float ``>= 0``.  Only the lower bounds can be 0, when their precondition
fails; the score then raises :class:`canopy.errors.BoundNotApplicableError` naming the failing layer — it
never returns ``-inf``.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

from canopy.errors import (
    BoundNotApplicableError,
    InvalidArchitectureError,
    UnknownModeError,
)
from canopy.nas.architecture import ArchitectureSpec

__all__ = [
    "DENSE_MODES",
    "tropical_expressivity_score",
    "tropical_expressivity_score_darts",
    "dense_score",
]

#: score modes for dense architectures, in order of the table in the module docs
DENSE_MODES: tuple[str, ...] = ("generic", "serra", "zhang", "montufar", "serra_lower", "exact")

#: ``mode='exact'`` refuses, before any work, when min(closed-form bound, max_regions) x input_dim x neurons
#: exceeds this (a [64, 128, 64] net on 3,072 inputs would enumerate for hours)
MAX_EXACT_WORK = 10**9


def _check_mode(mode: object) -> str:
    if not isinstance(mode, str) or mode not in DENSE_MODES:
        raise UnknownModeError(f"unknown mode {mode!r}; valid modes: {', '.join(DENSE_MODES)}")
    return mode


def _cells() -> Any:
    """The cell calculus (imported on first use: it pulls in networkx)."""
    return importlib.import_module("canopy.nas.cells")


def dense_score(
    input_dim: int,
    widths: Any,
    mode: str = "generic",
    *,
    seed: int = 0,
    max_regions: int = 100_000,
    count: str = "linear_regions",
) -> float:
    """``log10`` of the dense bound (or exact random count) ``mode`` for ``(input_dim, widths)``.

    Parameters
    ----------
    input_dim : int
        :math:`n_0`.
    widths : sequence of int
        Hidden widths.
    mode : str, default "generic"
        One of :data:`DENSE_MODES`.
    seed : int, default 0
        ``mode="exact"`` only: seed of the random network that is counted.
    max_regions : int, default 100_000
        ``mode="exact"`` only: enumeration budget (:class:`tropical.errors.BudgetExceededError` above it).
    count : str, default "linear_regions"
        ``mode="exact"`` only: which count (see :mod:`canopy.bounds.exact`).

    Returns
    -------
    float
        Finite, ``>= 0``.

    Raises
    ------
    canopy.errors.UnknownModeError
        Listing the valid modes.
    canopy.errors.BoundNotApplicableError
        A lower bound whose precondition fails.

    Examples
    --------
    >>> round(dense_score(3, [5, 5], "serra"), 4), round(dense_score(3, [5, 5], "generic"), 4)
    (2.7604, 2.83)
    """
    from canopy.bounds import get_bound, log10_int

    mode = _check_mode(mode)
    if mode == "exact":
        from canopy.bounds.exact import exact_random_count
        from canopy.errors import CostlyRequestError
        from tropical.regions import region_upper_bound

        # estimated before any weight is drawn: regions to enumerate x size of each region's LP
        work = min(region_upper_bound(input_dim, list(widths)), max_regions) * input_dim * max(1, sum(widths))
        if work > MAX_EXACT_WORK:
            raise CostlyRequestError(
                f"mode='exact' on input_dim={input_dim}, widths={list(widths)}: about {work:.1e} LP entries to "
                f"enumerate, above canopy.nas.tropical_score.MAX_EXACT_WORK = {MAX_EXACT_WORK:.0e}; use a closed-form "
                "mode or a smaller network")
        value = exact_random_count(input_dim, widths, seed=seed, count=count, max_regions=max_regions)
        return log10_int(value)
    spec = get_bound(mode)
    if spec.precondition is not None:
        reason = spec.precondition(input_dim, widths)
        if reason is not None:
            raise BoundNotApplicableError(reason)
    return log10_int(spec.function(input_dim, widths))


def _is_torch_module(obj: Any) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(obj, torch.nn.Module)


def _is_instance(obj: Any, module_name: str, class_name: str) -> bool:
    module = sys.modules.get(module_name)
    cls = getattr(module, class_name, None) if module is not None else None
    return cls is not None and isinstance(obj, cls)


def tropical_expressivity_score(
    arch_or_model: Any,
    mode: str = "generic",
    *,
    input_shape: tuple[int, ...] | None = None,
    seed: int = 0,
    max_regions: int = 100_000,
    count: str = "linear_regions",
) -> float:
    """Tropical expressivity score: ``log10`` of the number of linear regions (a bound or an exact count).

    Parameters
    ----------
    arch_or_model : ArchitectureSpec, NB201Cell, str, Genotype, torch.nn.Module or tropical.network.ReLUNetwork
        What to score (dispatch table in the module docs).
    mode : str, default "generic"
        Dense modes: ``"generic"``, ``"serra"``, ``"zhang"``, ``"montufar"``, ``"serra_lower"``, ``"exact"``;
        cells and torch models accept the modes their scorer documents.
    input_shape : tuple of int, optional
        Required for a ``torch.nn.Module`` (e.g. ``(3, 32, 32)``), refused for anything else (it would be
        ignored).
    seed : int, default 0
        ``mode="exact"`` on a widths-only spec: the seed of the random network that is counted (a widths-only
        spec has no weights, so "exact" means the exact count of this seeded sample).
    max_regions : int, default 100_000
        ``mode="exact"``: enumeration budget.
    count : str, default "linear_regions"
        ``mode="exact"``: which count.

    Returns
    -------
    float
        ``log10`` of the count; finite and ``>= 0`` (never ``-inf``: see the module docs on zero counts).

    Raises
    ------
    canopy.errors.UnknownModeError
        For an unknown mode (the message lists the valid ones).
    canopy.errors.BoundNotApplicableError
        A lower-bound mode whose precondition fails, or ``"exact"`` without the exact counter.
    canopy.errors.InvalidArchitectureError
        An object that cannot be scored, or a torch model without ``input_shape``.
    canopy.errors.UnsupportedOperationError
        The cell / torch scorer is not available in this build.

    Examples
    --------
    The first example of the CANOPY README:

    >>> from canopy.nas.architecture import ArchitectureSpec
    >>> from canopy.nas.tropical_score import tropical_expressivity_score
    >>> # Define an architecture with 3 hidden layers of widths [64, 128, 64]
    >>> arch = ArchitectureSpec(layer_widths=(64, 128, 64))
    >>> # Calculate the exact tropical expressivity score (log10 of the number of linear regions)
    >>> score = tropical_expressivity_score(arch, mode="generic")
    >>> print(f"Log10 Linear Regions: {score:.2f}")
    Log10 Linear Regions: 76.79

    Small input dimensions show the geometry (tropical.md §8.2):

    >>> [round(tropical_expressivity_score(ArchitectureSpec((64, 128, 64), input_dim=d), "serra"), 2)
    ...  for d in (1, 2, 64)]
    [5.74, 10.55, 71.41]
    >>> tropical_expressivity_score(arch, mode="tight")
    Traceback (most recent call last):
    ...
    canopy.errors.UnknownModeError: unknown mode 'tight'; valid modes: generic, serra, zhang, montufar, serra_lower, exact
    """
    if input_shape is not None and not _is_torch_module(arch_or_model):
        raise InvalidArchitectureError(
            "input_shape is for a torch.nn.Module only; an ArchitectureSpec carries its input (input_dim), and NB201 "
            "cells / DARTS genotypes take input_shape through canopy.nas.cells.nb201_cell_score / darts_cell_score")
    if isinstance(arch_or_model, ArchitectureSpec):
        if arch_or_model.is_cell:
            return float(_cells().darts_cell_score(arch_or_model, mode))
        return dense_score(arch_or_model.input_dim, arch_or_model.layer_widths, mode, seed=seed,
                           max_regions=max_regions, count=count)
    if _is_instance(arch_or_model, "tropical.network", "ReLUNetwork"):
        net = arch_or_model
        if _check_mode(mode) == "exact":
            from canopy.bounds import log10_int
            from canopy.bounds.exact import exact_count

            return log10_int(exact_count(net, count=count, max_regions=max_regions))
        return dense_score(net.input_dim, net.widths, mode) if net.widths else 0.0
    if _is_instance(arch_or_model, "canopy.spaces.darts", "Genotype"):
        return float(_cells().darts_cell_score(arch_or_model, mode))
    if isinstance(arch_or_model, str) or _is_instance(arch_or_model, "canopy.spaces.nb201", "NB201Cell"):
        return float(_cells().nb201_cell_score(arch_or_model, mode))
    if _is_torch_module(arch_or_model):
        if input_shape is None:
            raise InvalidArchitectureError("scoring a torch.nn.Module needs input_shape, e.g. input_shape=(3, 32, 32)")
        trace = importlib.import_module("canopy.nas.trace")
        return float(trace.score_module(arch_or_model, tuple(input_shape), mode))
    raise InvalidArchitectureError(
        f"cannot score an object of type {type(arch_or_model).__name__}; pass an ArchitectureSpec, an NB201 cell "
        "or arch string, a DARTS Genotype, a torch.nn.Module (with input_shape) or a tropical ReLUNetwork"
    )


def tropical_expressivity_score_darts(arch: Any, mode: str = "generic") -> float:
    """Score a DARTS architecture (``ArchitectureSpec`` with ``cell_ops``, or a ``Genotype``).

    Delegates to :func:`canopy.nas.cells.darts_cell_score`, which combines the convolution (Toeplitz),
    pooling and branch-sum rules of :mod:`canopy.bounds` over the cell DAG.

    Parameters
    ----------
    arch : ArchitectureSpec or canopy.spaces.darts.Genotype
        An ``ArchitectureSpec`` must carry the 14 ``cell_ops``; it is a whole DARTS network and all of it is
        scored: ``layer_widths`` are the channel counts of its cells (one entry per cell, at least 3;
        reductions at ``len // 3`` and ``2 * len // 3``) and ``input_dim`` is its ``3 x s x s`` input image
        (:mod:`canopy.nas.architecture`).  A ``Genotype`` is scored on the standard ``NetworkCIFAR``
        (C = 16, 8 cells, 3 x 32 x 32).
    mode : str, default "generic"

    Returns
    -------
    float
        ``log10`` of the combined bound.

    Raises
    ------
    canopy.errors.InvalidArchitectureError
        For a spec without ``cell_ops`` or another type.

    Examples
    --------
    >>> ops = ("sep_conv_3x3", "skip_connect") * 7
    >>> wide, narrow = ArchitectureSpec((32,) * 5, cell_ops=ops), ArchitectureSpec((8,) * 5, cell_ops=ops)
    >>> tropical_expressivity_score_darts(wide) > tropical_expressivity_score_darts(narrow) > 0
    True
    >>> tropical_expressivity_score_darts(ArchitectureSpec((64, 64)))
    Traceback (most recent call last):
    ...
    canopy.errors.InvalidArchitectureError: tropical_expressivity_score_darts needs an ArchitectureSpec with cell_ops (14 DARTS edge ops) or a Genotype
    """
    if (isinstance(arch, ArchitectureSpec) and arch.is_cell) or _is_instance(arch, "canopy.spaces.darts", "Genotype"):
        return float(_cells().darts_cell_score(arch, mode))
    raise InvalidArchitectureError(
        "tropical_expressivity_score_darts needs an ArchitectureSpec with cell_ops (14 DARTS edge ops) or a Genotype"
    )
