r"""Region-count scores of NAS-Bench-201 and DARTS networks: the DAG calculus applied to the cells.

The calculus (:mod:`canopy.nas._calculus`, proved in ``proofs/cells.md``) walks the network's operation DAG
in topological order (:mod:`networkx`).  Each tensor carries an exact effective input dimension (the rank
of its Jacobian on every piece), the cut level it sits at, and its receptive-field structure; ReLUs and max
pools are *cut nodes* (hyperplane arrangements on the current pieces); linear maps (convolutions, BN as its
affine map at initialisation, average pooling, skip = identity, ``none`` = zero map) only transform the
rank; nodes that add or concatenate combine their inputs' row spaces.  The cut nodes of one level multiply
the bound by the smaller of the union-arrangement count and the product of their structured counts.

**What the number is.**  In modes ``"generic"``/``"serra"`` and ``"zhang"`` the returned value is
``log10`` of an exact integer that is a proven *upper bound* on the number of linear regions of the
network function on :math:`\mathbb{R}^{d_0}` (``d_0 = prod(input_shape)``), for *every* choice of weights
(hypotheses in ``proofs/cells.md``).  It is not an exact count of any trained network.

``nb201_cell_score`` builds the network of NAS-Bench-201 (xautodl ``TinyNetwork``: stem, 3 stages of ``N``
cells, two residual blocks, BN-ReLU-GAP-linear head); ``darts_cell_score`` the DARTS ``NetworkCIFAR``
(stem, ``layers`` cells with reductions at ``layers//3`` and ``2*layers//3``, GAP, linear).  Both are the same
calculus that :func:`canopy.nas.trace.score_module` applies to the torch modules of those spaces; a
cached fast path (:mod:`canopy.nas._fast`) gives the same values for whole-space scoring
(``benchmarks/scores.py``); for NB201 in mode ``"local"``, :mod:`canopy.nas._local_fast` (the same float as the
walker, bit for bit).  The networks' wiring is :mod:`canopy.spaces.skeleton` (shared with the torch
builders and the fast path), their blocks :mod:`canopy.nas._blocks`.
"""

from __future__ import annotations

from functools import lru_cache

from canopy.errors import InvalidArchitectureError
from canopy.nas._blocks import DARTS_OPS as _DARTS_OPS
from canopy.nas._blocks import NB201_EDGES, GraphDarts, GraphNB201
from canopy.nas._calculus import CalculusResult, GraphBuilder, check_mode, score_graph
from canopy.nas._fast import darts_score_fast, nb201_fast
from canopy.nas._local_fast import nb201_local_fast
from canopy.spaces.skeleton import darts_skeleton, darts_widths, nb201_skeleton

__all__ = [
    "NB201_OPS",
    "NB201_EDGES",
    "DARTS_EDGES14",
    "build_nb201_graph",
    "build_darts_graph",
    "nb201_cell_result",
    "nb201_cell_score",
    "darts_cell_result",
    "darts_cell_score",
]

NB201_OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
DARTS_EDGES14 = tuple((i, j) for j in range(2, 6) for i in range(j))


# --------------------------------------------------------------------------------------------- inputs
def _nb201_ops(cell) -> tuple[str, ...]:
    """Six op names in arch-string edge order from an NB201Cell, an arch string or a sequence."""
    if hasattr(cell, "ops"):
        ops = tuple(cell.ops)
    elif isinstance(cell, str):
        from canopy.spaces.nb201 import NB201Cell

        ops = tuple(NB201Cell.from_string(cell).ops)
    else:
        try:
            ops = tuple(cell)
        except TypeError:
            raise InvalidArchitectureError(f"expected an NB201 cell, arch string or 6 op names, got {cell!r}") from None
    if len(ops) != 6 or any(op not in NB201_OPS for op in ops):
        raise InvalidArchitectureError(f"an NB201 cell needs 6 ops from {NB201_OPS}, got {ops!r}")
    return ops


def _check_shape(input_shape) -> tuple[int, ...]:
    try:
        shape = tuple(int(s) for s in input_shape)
    except (TypeError, ValueError):
        raise InvalidArchitectureError(f"input_shape must be a tuple of positive ints, got {input_shape!r}") from None
    if len(shape) != 3 or min(shape) < 1:
        raise InvalidArchitectureError(f"input_shape must be (channels, height, width), got {input_shape!r}")
    return shape


def _check_pos(v, name) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < 1:
        raise InvalidArchitectureError(f"{name} must be a positive int, got {v!r}")
    return v


def build_nb201_graph(cell, *, input_shape=(3, 32, 32), C: int = 16, N: int = 5, num_classes: int = 10):
    """The operation DAG of the NAS-Bench-201 network (xautodl ``TinyNetwork``) for one cell.

    Parameters
    ----------
    cell : NB201Cell, str or sequence of 6 op names
    input_shape : (int, int, int)
    C, N, num_classes : int
        Stem channels, cells per stage, classes.

    Returns
    -------
    networkx.DiGraph

    Examples
    --------
    >>> g = build_nb201_graph("|nor_conv_3x3~0|+|none~0|skip_connect~1|+|none~0|none~1|avg_pool_3x3~2|", N=1)
    >>> sum(1 for _, a in g.nodes(data=True) if a["op"] == "relu")
    8
    """
    ops = _nb201_ops(cell)
    shape = _check_shape(input_shape)
    C, N, num_classes = _check_pos(C, "C"), _check_pos(N, "N"), _check_pos(num_classes, "num_classes")
    b = GraphBuilder()
    nb201_skeleton(GraphNB201(b, ops, num_classes), b.input(shape), C, N)
    return b.graph


# ------------------------------------------------------------------------------------------- DARTS graph
_PAIR_NODES = (2, 2, 3, 3, 4, 4, 5, 5)  # node fed by each (op, input) pair of a genotype cell


def _darts_cells(arch) -> tuple[tuple, tuple]:
    """(normal edges, reduce edges) as tuples of (op, input, node)."""
    from canopy.spaces.darts import Genotype

    def from_pairs(pairs):
        return tuple([(op, int(i), n) for (op, i), n in zip(pairs, _PAIR_NODES)])

    def from14(ops):
        ops = tuple(ops)
        if len(ops) != 14 or any(op not in _DARTS_OPS for op in ops):
            raise InvalidArchitectureError(f"a 14-edge DARTS cell needs 14 ops from {_DARTS_OPS}, got {ops!r}")
        return tuple((op, i, j) for (i, j), op in zip(DARTS_EDGES14, ops) if op != "none")

    if isinstance(arch, Genotype):
        if tuple(arch.normal_concat) != (2, 3, 4, 5) or tuple(arch.reduce_concat) != (2, 3, 4, 5):
            raise InvalidArchitectureError("only concat = (2, 3, 4, 5) is supported")
        return from_pairs(arch.normal), from_pairs(arch.reduce)
    cell_ops = getattr(arch, "cell_ops", None)
    if cell_ops is not None:
        e = from14(cell_ops)
        reduce_ops = getattr(arch, "reduce_ops", None)
        return e, (e if reduce_ops is None else from14(reduce_ops))
    if isinstance(arch, str):
        text = arch.strip()
        g = Genotype.from_string(text) if text.startswith("Genotype") else Genotype.from_compact(text)
        return _darts_cells(g)
    try:
        seq = tuple(arch)
    except TypeError:
        raise InvalidArchitectureError(f"expected a DARTS Genotype, 14 edge ops or ArchitectureSpec, got {arch!r}") from None
    if len(seq) == 14 and all(isinstance(s, str) for s in seq):
        e = from14(seq)
        return e, e
    if len(seq) == 2 and all(isinstance(s, (tuple, list)) and len(s) == 14 for s in seq):
        return from14(seq[0]), from14(seq[1])
    return _darts_cells(Genotype.from_compact(seq))


_DEFAULT_SHAPE = (3, 32, 32)


def _darts_network(arch, input_shape, C, layers, stem_multiplier=3):
    """``(normal edges, reduce edges, input shape, per-cell widths)`` of the network to score.

    An :class:`~canopy.nas.architecture.ArchitectureSpec` carries its network: ``layer_widths`` are the
    per-cell widths and ``input_dim`` the ``3 x s x s`` input; passing ``input_shape``, ``C`` or ``layers``
    as well is refused.  Anything else is the standard ``NetworkCIFAR(C, layers)`` (defaults 16, 8) on
    ``input_shape`` (default 3 x 32 x 32).
    """
    from canopy.nas.architecture import ArchitectureSpec

    normal, reduce = _darts_cells(arch)
    _check_pos(stem_multiplier, "stem_multiplier")
    if isinstance(arch, ArchitectureSpec):
        given = [k for k, v in (("input_shape", input_shape), ("C", C), ("layers", layers)) if v is not None]
        if given:
            raise InvalidArchitectureError(
                f"an ArchitectureSpec carries its network (layer_widths = per-cell widths, input_dim = the "
                f"3 x s x s input); do not pass {', '.join(given)} as well")
        return normal, reduce, arch.input_shape, arch.layer_widths
    shape = _check_shape(_DEFAULT_SHAPE if input_shape is None else input_shape)
    C = _check_pos(16 if C is None else C, "C")
    layers = _check_pos(8 if layers is None else layers, "layers")
    if layers < 3:
        raise InvalidArchitectureError(
            f"layers must be >= 3 (two reduction cells at layers//3 and 2*layers//3), got {layers}")
    return normal, reduce, shape, darts_widths(C, layers)


def build_darts_graph(arch, *, input_shape=None, C: int | None = None, layers: int | None = None,
                      num_classes: int = 10, stem_multiplier: int = 3):
    """The operation DAG of the DARTS ``NetworkCIFAR`` for a genotype, a 14-edge cell or a cell spec.

    Parameters
    ----------
    arch : Genotype, str, 14 op names, pair of 14-op tuples (normal, reduce), or ArchitectureSpec with ``cell_ops``
        A 14-op cell (``EDGES14`` order: node j in 2..5, input i < j) is used for both cell types unless a
        reduction cell is given; a node sums all its non-``none`` edges (a node without any is the zero
        tensor).  An ``ArchitectureSpec`` also fixes the widths and the input (see :func:`darts_cell_score`).
    input_shape : (int, int, int), default (3, 32, 32)
    C, layers : int, default 16 and 8
    num_classes, stem_multiplier : int

    Returns
    -------
    networkx.DiGraph

    Examples
    --------
    >>> g = build_darts_graph(["skip_connect"] * 14, C=4, layers=3, input_shape=(3, 8, 8))
    >>> g.number_of_nodes() > 50
    True
    """
    normal, reduce, shape, widths = _darts_network(arch, input_shape, C, layers, stem_multiplier)
    _check_pos(num_classes, "num_classes")
    b = GraphBuilder()
    darts_skeleton(GraphDarts(b, normal, reduce, num_classes), b.input(shape), widths, stem_multiplier)
    return b.graph


# ------------------------------------------------------------------------------------------- public API
def nb201_cell_result(cell, mode: str = "generic", *, input_shape=(3, 32, 32), C: int = 16, N: int = 5
                      ) -> CalculusResult:
    """The full :class:`~canopy.nas._calculus.CalculusResult` (exact bound, levels) of an NB201 network.

    Examples
    --------
    >>> r = nb201_cell_result("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|")
    >>> r.value()                                  # no path from input to output: a constant, 1 region
    1
    """
    check_mode(mode)
    return score_graph(build_nb201_graph(cell, input_shape=input_shape, C=C, N=N), mode)


def nb201_cell_score(cell, mode: str = "generic", *, input_shape=(3, 32, 32), C: int = 16, N: int = 5) -> float:
    r"""``log10`` of the region-count upper bound of the NAS-Bench-201 network built from ``cell``.

    Parameters
    ----------
    cell : NB201Cell, str or sequence of 6 op names
        The cell (arch-string edge order).
    mode : {"generic", "serra", "zhang", "local"}
        See :func:`canopy.nas._calculus.score_graph`; ``"local"`` is the receptive-field line bound
        (``proofs/local.md``).
    input_shape : (int, int, int)
        Input ``(C, H, W)``; the input dimension is their product (3072 for CIFAR).
    C, N : int
        Stem channels and cells per stage (NB201: 16 and 5).

    Returns
    -------
    float
        ``log10`` of an exact integer upper bound on the number of linear regions of the network function
        (``proofs/cells.md``); ``0.0`` for a network whose output is constant.

    Raises
    ------
    canopy.errors.InvalidArchitectureError
        For a malformed cell, shape or an unsupported mode.

    Examples
    --------
    >>> s = nb201_cell_score("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|")
    >>> s > nb201_cell_score("|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|") > 0
    True
    >>> nb201_cell_score("|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|nor_conv_3x3~2|")  # no 0->3 path
    0.0
    """
    ops = _nb201_ops(cell)
    mode = check_mode(mode)
    shape = _check_shape(input_shape)
    _check_pos(C, "C"), _check_pos(N, "N")
    if mode == "local":
        fast = nb201_local_fast(tuple(ops), shape, C, N)
        return _nb201_local_walker(tuple(ops), shape, C, N) if fast is None else fast
    return nb201_fast(ops, mode, shape, C, N)


@lru_cache(maxsize=1 << 10)
def _nb201_local_walker(ops: tuple, shape: tuple, C: int, N: int) -> float:
    """The ``"local"`` line bound of an NB201 network from the calculus walker (the reference of
    :func:`canopy.nas._local_fast.nb201_local_fast`, which :func:`nb201_cell_score` uses; here it only raises
    the walker's error for a network that cannot be built)."""
    return score_graph(build_nb201_graph(ops, input_shape=shape, C=C, N=N), "local").log10


def darts_cell_result(arch, mode: str = "generic", *, input_shape=None, C: int | None = None,
                      layers: int | None = None) -> CalculusResult:
    """The full :class:`~canopy.nas._calculus.CalculusResult` of a DARTS network (see :func:`darts_cell_score`).

    Examples
    --------
    >>> darts_cell_result(["none"] * 14, C=4, layers=3, input_shape=(3, 8, 8)).value()
    1
    """
    check_mode(mode)
    return score_graph(build_darts_graph(arch, input_shape=input_shape, C=C, layers=layers), mode)


def darts_cell_score(arch_or_genotype, mode: str = "generic", *, input_shape=None, C: int | None = None,
                     layers: int | None = None) -> float:
    r"""``log10`` of the region-count upper bound of the DARTS network built from a genotype or 14-op cell.

    Parameters
    ----------
    arch_or_genotype : Genotype, str, sequence of 14 op names, or ArchitectureSpec with ``cell_ops``
        A :class:`canopy.spaces.darts.Genotype` (or its string / NASLib compact form), or the 14-op supernet
        form in ``EDGES14`` order (used for both normal and reduction cells), scored on the standard
        ``NetworkCIFAR(C, layers)``.  An :class:`~canopy.nas.architecture.ArchitectureSpec` carries its own
        network: one cell per entry of ``layer_widths`` (that cell's channel count; reductions at
        ``layers // 3`` and ``2 * layers // 3``, stem ``3 * layer_widths[0]``) on the ``3 x s x s`` image with
        ``3 s^2 = input_dim``; ``ArchitectureSpec(layer_widths=(16, 16, 32, 32, 32, 64, 64, 64), cell_ops=ops)``
        is the standard network.
    mode : {"generic", "serra", "zhang", "local"}
    input_shape : (int, int, int), default (3, 32, 32)
    C, layers : int, default 16 and 8
        Initial channels and number of cells (>= 3) of ``NetworkCIFAR``.  Not with an ``ArchitectureSpec``.

    Returns
    -------
    float
        ``log10`` of an exact integer upper bound on the linear regions of the network function.

    Raises
    ------
    canopy.errors.InvalidArchitectureError
        A malformed architecture or shape, fewer than 3 cells, ``C`` / ``layers`` / ``input_shape`` passed with
        an ``ArchitectureSpec``, or an input too small for the reductions.

    Examples
    --------
    >>> ops = ("sep_conv_3x3", "skip_connect", "max_pool_3x3", "none", "sep_conv_5x5", "skip_connect",
    ...        "none", "sep_conv_3x3", "dil_conv_3x3", "skip_connect", "max_pool_3x3", "sep_conv_5x5",
    ...        "none", "none")
    >>> darts_cell_score(ops) > darts_cell_score(["skip_connect"] * 14) > 0
    True
    >>> from canopy.nas.architecture import ArchitectureSpec
    >>> spec = ArchitectureSpec(layer_widths=(16, 16, 32, 32, 32, 64, 64, 64), cell_ops=ops)
    >>> darts_cell_score(spec) == darts_cell_score(ops)
    True
    """
    mode = check_mode(mode)
    normal, reduce, shape, widths = _darts_network(arch_or_genotype, input_shape, C, layers)
    if mode == "local":
        return score_graph(build_darts_graph(arch_or_genotype, input_shape=input_shape, C=C, layers=layers),
                           "local").log10
    return darts_score_fast(normal, reduce, mode, shape, widths)
