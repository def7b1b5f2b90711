"""The macro skeletons of the NAS-Bench-201, DARTS and MobileNet networks, each written once.

A *skeleton* is the order in which a network's blocks are built and wired: which block comes next, at which
width, which block reads which earlier output.  It is written here once, against a named builder protocol
(:class:`NB201Builder`, :class:`DartsBuilder` with :class:`PreprocessBuilder`, :class:`MobileNetBuilder`), and
every consumer implements the protocol:

=============================================  ===========================================================
builder                                        what a "tensor" ``T`` is
=============================================  ===========================================================
torch (:mod:`canopy.spaces.nb201_torch`,       the channel count; the builder registers ``nn.Module`` s on
:mod:`canopy.spaces.darts_torch`,              the network in skeleton order (so ``state_dict`` keys are
:func:`canopy.spaces.mobilenet.build_torch`)   fixed here)
graph (:mod:`canopy.nas._blocks`)              a node of the calculus DAG (``GraphBuilder``) or a symbolic
                                               tensor of the fast path (``SatBuilder``)
fast (:mod:`canopy.nas._fast`)                 an instantiated, cached block program; for the DARTS closed
                                               form, the index of a cell output (the recorded wiring)
closed forms (:mod:`canopy.spaces.mobilenet`)  the side length (FLOPs) or nothing (parameters)
=============================================  ===========================================================

**NAS-Bench-201** (xautodl ``TinyNetwork``): stem; 3 stages of ``N`` cells at widths ``C``, ``2C``, ``4C``;
a residual reduction block before stages 2 and 3; head.  **DARTS** (``NetworkCIFAR``): stem of width
``stem_multiplier * widths[0]``; one cell per entry of ``widths`` (the cell's channel count ``C_k``; each
cell outputs ``4 C_k``), reduction cells at ``layers // 3`` and ``2 * layers // 3``; cell ``k`` reads the
outputs of cells ``k - 2`` and ``k - 1`` (the stem output stands in for both before cell 0) and
preprocesses them (:func:`darts_preprocess`); head.  The standard DARTS widths are :func:`darts_widths`.
**MobileNet**: stem, inverted-residual blocks, 1x1 head, classifier.

Examples
--------
A builder that records the skeleton:

>>> class Log:
...     def stem(self, x, C): return f"stem{C}"
...     def resblock(self, x, C_in, C_out, name): return f"res{C_out}"
...     def cell(self, x, C, name): return f"cell{C}"
...     def head(self, x, C): return f"head({x})"
>>> nb201_skeleton(Log(), "in", C=16, N=1)
'head(cell64)'
>>> darts_positions(5)
((False, False), (True, False), (False, True), (True, False), (False, True))
>>> darts_widths(16, 8)
(16, 16, 32, 32, 32, 64, 64, 64)
"""

from __future__ import annotations

from typing import Protocol, TypeVar, runtime_checkable

from canopy.errors import InvalidArchitectureError

__all__ = [
    "NB201Builder",
    "DartsBuilder",
    "PreprocessBuilder",
    "nb201_skeleton",
    "darts_positions",
    "darts_widths",
    "darts_skeleton",
    "darts_preprocess",
    "check_darts_widths",
    "check_darts_input",
    "MobileNetBuilder",
    "mobilenet_skeleton",
]

T = TypeVar("T")


@runtime_checkable
class NB201Builder(Protocol[T]):
    """What :func:`nb201_skeleton` needs: four blocks."""

    def stem(self, x: T, C: int) -> T:
        """Conv 3x3 (``C`` channels) + BN on the input."""
        ...

    def resblock(self, x: T, C_in: int, C_out: int, name: str) -> T:
        """The stride-2 residual block ``C_in -> C_out`` (``name``: its position, ``stage{s}.resblock``)."""
        ...

    def cell(self, x: T, C: int, name: str) -> T:
        """One cell at width ``C`` (``name``: ``stage{s}.cell{i}``)."""
        ...

    def head(self, x: T, C: int) -> T:
        """BN + ReLU, global average pooling, linear classifier on ``C`` channels."""
        ...


def nb201_skeleton(b: NB201Builder[T], x: T, C: int, N: int) -> T:
    """Build the NAS-Bench-201 ``TinyNetwork`` with builder ``b`` on input ``x``; returns the head's output.

    Parameters
    ----------
    b : NB201Builder
    x : T
        The input (whatever ``b`` uses as a tensor).
    C, N : int
        Stem channels and cells per stage.

    Returns
    -------
    T

    Examples
    --------
    >>> class Count:
    ...     def stem(self, x, C): return x + 1
    ...     def resblock(self, x, C_in, C_out, name): return x + 1
    ...     def cell(self, x, C, name): return x + 1
    ...     def head(self, x, C): return x + 1
    >>> nb201_skeleton(Count(), 0, C=16, N=5)   # stem + 15 cells + 2 residual blocks + head
    19
    """
    x = b.stem(x, C)
    c = C
    for stage in range(3):
        if stage:
            x = b.resblock(x, c, 2 * c, f"stage{stage}.resblock")
            c *= 2
        for i in range(N):
            x = b.cell(x, c, f"stage{stage}.cell{i}")
    return b.head(x, c)


def darts_positions(layers: int) -> tuple[tuple[bool, bool], ...]:
    """``(reduction, reduction_prev)`` of each of the ``layers`` DARTS cells (reductions at ``layers // 3``
    and ``2 * layers // 3``).

    Examples
    --------
    >>> [i for i, (r, _) in enumerate(darts_positions(8)) if r]
    [2, 5]
    """
    out = []
    reduction_prev = False
    for k in range(layers):
        reduction = k in (layers // 3, 2 * layers // 3)
        out.append((reduction, reduction_prev))
        reduction_prev = reduction
    return tuple(out)


def darts_widths(C: int, layers: int) -> tuple[int, ...]:
    """The channel count of each cell of the standard ``NetworkCIFAR(C, layers)``: ``C``, doubled at each
    reduction cell.

    Examples
    --------
    >>> darts_widths(36, 5)
    (36, 72, 72, 144, 144)
    """
    out = []
    c = C
    for reduction, _ in darts_positions(layers):
        if reduction:
            c *= 2
        out.append(c)
    return tuple(out)


def check_darts_widths(widths) -> tuple[int, ...]:
    """Validate per-cell DARTS widths: at least 3 cells (both reductions), positive ints, even where a
    FactorizedReduce is built (a reduction cell and the cell after it).

    Raises
    ------
    canopy.errors.InvalidArchitectureError
        For too few cells, or naming the cell whose width is not allowed.

    Examples
    --------
    >>> check_darts_widths([32, 32, 32, 32, 32])
    (32, 32, 32, 32, 32)
    >>> check_darts_widths([8])
    Traceback (most recent call last):
    ...
    canopy.errors.InvalidArchitectureError: a DARTS network needs at least 3 cells (reductions at layers//3 and 2*layers//3), got 1 width(s)
    """
    widths = tuple(widths)
    if len(widths) < 3:
        raise InvalidArchitectureError(
            f"a DARTS network needs at least 3 cells (reductions at layers//3 and 2*layers//3), got {len(widths)} "
            "width(s)")
    for k, (w, (reduction, reduction_prev)) in enumerate(zip(widths, darts_positions(len(widths)))):
        if isinstance(w, bool) or not isinstance(w, int) or w < 1:
            raise InvalidArchitectureError(f"DARTS cell width {k} must be a positive int, got {w!r}")
        if (reduction or reduction_prev) and w % 2:
            raise InvalidArchitectureError(
                f"DARTS cell width {k} must be even (a {'reduction cell' if reduction else 'cell after a reduction'} "
                f"builds a FactorizedReduce of two halves), got {w}")
    return widths


def check_darts_input(spatial, layers: int) -> None:
    """Refuse an input that cannot pass the DARTS reductions whatever the genotype: every FactorizedReduce
    input (a reduction cell's inputs, as a stride-2 skip may reduce them, and the earlier input of the cell
    after a reduction) must have even spatial sizes.

    Raises
    ------
    canopy.errors.InvalidArchitectureError
        Naming the cell and the size.

    Examples
    --------
    >>> check_darts_input((32, 32), 8)
    >>> check_darts_input((2, 2), 5)
    Traceback (most recent call last):
    ...
    canopy.errors.InvalidArchitectureError: a 2 x 2 input is too small for 5 DARTS cells: cell 3 (reduction) halves a 1 x 1 map (FactorizedReduce needs even sizes)
    """
    spatial = tuple(spatial)
    sizes = [spatial]  # stem output, then each cell's output
    for k, (reduction, reduction_prev) in enumerate(darts_positions(layers)):
        s0, s1 = sizes[max(k - 1, 0)], sizes[k]
        checks = ([s0] if reduction_prev else []) + ([s1] if reduction else [])
        for s in checks:
            if any(n % 2 for n in s):
                what = "reduction" if reduction else "after a reduction"
                raise InvalidArchitectureError(
                    f"a {' x '.join(map(str, spatial))} input is too small for {layers} DARTS cells: cell {k} "
                    f"({what}) halves a {' x '.join(map(str, s))} map (FactorizedReduce needs even sizes)")
        sizes.append(tuple(-(-n // 2) for n in s1) if reduction else s1)


@runtime_checkable
class DartsBuilder(Protocol[T]):
    """What :func:`darts_skeleton` needs: stem, cell, head."""

    def stem(self, x: T, C: int) -> T:
        """Conv 3x3 (``C`` channels) + BN on the input."""
        ...

    def cell(self, s0: T, s1: T, C: int, reduction: bool, reduction_prev: bool, index: int) -> T:
        """Cell ``index`` at width ``C`` reading ``s0`` (two cells back) and ``s1`` (the previous cell)."""
        ...

    def head(self, x: T) -> T:
        """Global average pooling and the linear classifier."""
        ...


def darts_skeleton(b: DartsBuilder[T], x: T, widths: tuple[int, ...], stem_multiplier: int = 3) -> T:
    """Build the DARTS ``NetworkCIFAR`` with builder ``b``: one cell per entry of ``widths``.

    Parameters
    ----------
    b : DartsBuilder
    x : T
    widths : tuple of int
        Channel count of each cell (:func:`darts_widths` for the standard network).
    stem_multiplier : int
        The stem has ``stem_multiplier * widths[0]`` channels.

    Returns
    -------
    T

    Examples
    --------
    >>> class Log:
    ...     def stem(self, x, C): return f"stem{C}"
    ...     def cell(self, s0, s1, C, reduction, reduction_prev, i):
    ...         print(f"cell {i}: C={C} reduction={reduction} reads ({s0}, {s1})")
    ...         return f"c{i}"
    ...     def head(self, x): return f"head({x})"
    >>> darts_skeleton(Log(), None, (4, 8, 16))
    cell 0: C=4 reduction=False reads (stem12, stem12)
    cell 1: C=8 reduction=True reads (stem12, c0)
    cell 2: C=16 reduction=True reads (c0, c1)
    'head(c2)'
    """
    s0 = s1 = b.stem(x, stem_multiplier * widths[0])
    for index, (C, (reduction, reduction_prev)) in enumerate(zip(widths, darts_positions(len(widths)))):
        s0, s1 = s1, b.cell(s0, s1, C, reduction, reduction_prev, index)
    return b.head(s1)


@runtime_checkable
class PreprocessBuilder(Protocol[T]):
    """The two preprocessing blocks of a DARTS cell."""

    def relu_conv_bn(self, x: T, C_out: int, name: str) -> T:
        """ReLU -> 1x1 conv -> BN."""
        ...

    def factorized_reduce(self, x: T, C_out: int, name: str) -> T:
        """ReLU -> two stride-2 1x1 convs on offset grids, concatenated -> BN."""
        ...


def darts_preprocess(b: PreprocessBuilder[T], s0: T, s1: T, C: int, reduction_prev: bool, name: str
                     ) -> tuple[T, T]:
    """The preprocessed inputs of a DARTS cell: ``s0`` is halved by a FactorizedReduce after a reduction cell.

    Examples
    --------
    >>> class Log:
    ...     def relu_conv_bn(self, x, C, name): return f"rcb({x})"
    ...     def factorized_reduce(self, x, C, name): return f"fr({x})"
    >>> darts_preprocess(Log(), "a", "b", 8, True, "cells.3")
    ('fr(a)', 'rcb(b)')
    """
    if reduction_prev:
        p0 = b.factorized_reduce(s0, C, f"{name}.preprocess0")
    else:
        p0 = b.relu_conv_bn(s0, C, f"{name}.preprocess0")
    return p0, b.relu_conv_bn(s1, C, f"{name}.preprocess1")


@runtime_checkable
class MobileNetBuilder(Protocol[T]):
    """What :func:`mobilenet_skeleton` needs."""

    def stem(self, x: T, C: int) -> T:
        """Conv 3x3 stride 2 (``C`` channels), BN, ReLU."""
        ...

    def block(self, x: T, c_in: int, expansion: int, kernel: int, c_out: int, stride: int) -> T:
        """One inverted-residual block (identity added when ``stride == 1`` and ``c_in == c_out``)."""
        ...

    def head(self, x: T, c_in: int, C: int) -> T:
        """Conv 1x1 ``c_in -> C``, BN, ReLU."""
        ...

    def classifier(self, x: T, c_in: int) -> T:
        """Global average pooling and the linear classifier on ``c_in`` features."""
        ...


def mobilenet_skeleton(b: MobileNetBuilder[T], x: T, blocks, stem_width: int, head_width: int) -> T:
    """Build a MobileNetV2-style network: stem, ``blocks`` (``(c_in, expansion, kernel, c_out, stride)``
    tuples, as :meth:`canopy.spaces.mobilenet.MBArch.blocks`), head, classifier.

    Examples
    --------
    >>> class Depth:
    ...     def stem(self, x, C): return 1
    ...     def block(self, x, c_in, e, k, c_out, stride): return x + (2 if e == 1 else 3)
    ...     def head(self, x, c_in, C): return x + 1
    ...     def classifier(self, x, c_in): return x + 1
    >>> mobilenet_skeleton(Depth(), None, [(32, 1, 3, 16, 1), (16, 6, 3, 24, 2)], 32, 1280)  # conv layers
    8
    """
    x = b.stem(x, stem_width)
    c = stem_width
    for c_in, expansion, kernel, c_out, stride in blocks:
        x = b.block(x, c_in, expansion, kernel, c_out, stride)
        c = c_out
    x = b.head(x, c, head_width)
    return b.classifier(x, head_width)
