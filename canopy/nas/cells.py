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
cached fast path gives the same values for whole-space scoring (``benchmarks/scores.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from canopy.errors import InvalidArchitectureError
from canopy.nas._calculus import CalculusResult, GraphBuilder, check_mode, score_graph

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
NB201_EDGES = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))
DARTS_EDGES14 = tuple((i, j) for j in range(2, 6) for i in range(j))
_DARTS_OPS = ("none", "max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5",
              "dil_conv_3x3", "dil_conv_5x5")


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


# ------------------------------------------------------------------------------------------- NB201 graph
def _relu_conv_bn(b: GraphBuilder, x, c_out, k, stride, pad, name, dilation=1):
    h = b.relu(x, name=f"{name}.relu")
    h = b.conv(h, c_out, k, stride, pad, dilation, name=f"{name}.conv")
    return b.affine(h, name=f"{name}.bn")


def _nb201_cell(b: GraphBuilder, x, ops, C, name):
    nodes = [x]
    for j in range(1, 4):
        terms = []
        for (i, jj), op in zip(NB201_EDGES, ops):
            if jj != j:
                continue
            ename = f"{name}.edge{i}{j}"
            u = nodes[i]
            if op == "none":
                terms.append(b.zero(u, name=f"{ename}.none"))
            elif op == "skip_connect":
                terms.append(b.identity(u, name=f"{ename}.skip"))
            elif op == "avg_pool_3x3":
                terms.append(b.pool(u, "avg", 3, 1, 1, name=f"{ename}.avgpool"))
            else:
                k = 3 if op == "nor_conv_3x3" else 1
                terms.append(_relu_conv_bn(b, u, C, k, 1, (k - 1) // 2, ename))
        nodes.append(b.add(terms, name=f"{name}.node{j}"))
    return nodes[3]


def _resblock(b: GraphBuilder, x, planes, name):
    a = _relu_conv_bn(b, x, planes, 3, 2, 1, f"{name}.conv_a")
    a = _relu_conv_bn(b, a, planes, 3, 1, 1, f"{name}.conv_b")
    r = b.pool(x, "avg", 2, 2, 0, name=f"{name}.downsample.avgpool")
    r = b.conv(r, planes, 1, name=f"{name}.downsample.conv")
    return b.add([r, a], name=f"{name}.add")


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
    x = b.input(shape)
    x = b.affine(b.conv(x, C, 3, 1, 1, name="stem.conv"), name="stem.bn")
    c = C
    for stage in range(3):
        if stage:
            x = _resblock(b, x, 2 * c, f"stage{stage}.resblock")
            c *= 2
        for i in range(N):
            x = _nb201_cell(b, x, ops, c, f"stage{stage}.cell{i}")
    x = b.relu(b.affine(x, name="lastact.bn"), name="lastact.relu")
    x = b.adaptive_pool(x, "avg", 1, name="global_pooling")
    x = b.identity(x, (c,), name="flatten")
    b.output(b.linear(x, num_classes, name="classifier"))
    return b.graph


# ------------------------------------------------------------------------------------------- DARTS graph
def _darts_op(b: GraphBuilder, x, op, C, stride, name):
    if op == "none":
        shp = b.shape(x)
        return b.zero(x, (shp[0], *(-(-n // stride) for n in shp[1:])), name=f"{name}.none")
    if op == "avg_pool_3x3":
        return b.pool(x, "avg", 3, stride, 1, name=f"{name}.avgpool")
    if op == "max_pool_3x3":
        return b.pool(x, "max", 3, stride, 1, name=f"{name}.maxpool")
    if op == "skip_connect":
        if stride == 1:
            return b.identity(x, name=f"{name}.skip")
        return _factorized_reduce(b, x, C, f"{name}.fr")
    if op.startswith("sep_conv_"):
        k = int(op[-1])
        h = b.relu(x, name=f"{name}.relu1")
        h = b.conv(h, C, k, stride, (k - 1) // 2, groups=b.shape(h)[0], name=f"{name}.dw1")
        h = b.affine(b.conv(h, C, 1, name=f"{name}.pw1"), name=f"{name}.bn1")
        h = b.relu(h, name=f"{name}.relu2")
        h = b.conv(h, C, k, 1, (k - 1) // 2, groups=C, name=f"{name}.dw2")
        return b.affine(b.conv(h, C, 1, name=f"{name}.pw2"), name=f"{name}.bn2")
    if op.startswith("dil_conv_"):
        k = int(op[-1])
        h = b.relu(x, name=f"{name}.relu")
        h = b.conv(h, b.shape(h)[0], k, stride, k - 1, 2, groups=b.shape(h)[0], name=f"{name}.dw")
        return b.affine(b.conv(h, C, 1, name=f"{name}.pw"), name=f"{name}.bn")
    raise InvalidArchitectureError(f"unknown DARTS op {op!r} at {name}; expected one of {_DARTS_OPS}")


def _factorized_reduce(b: GraphBuilder, x, C_out, name):
    h = b.relu(x, name=f"{name}.relu")
    c1 = b.conv(h, C_out // 2, 1, 2, name=f"{name}.conv_1")
    shp = b.shape(h)
    sl = b.linear_map(h, (shp[0], *(n - 1 for n in shp[1:])), name=f"{name}.slice")
    c2 = b.conv(sl, C_out // 2, 1, 2, name=f"{name}.conv_2")
    if b.shape(c1) != b.shape(c2):
        raise InvalidArchitectureError(f"{name}: FactorizedReduce needs even spatial sizes, got {shp}")
    return b.affine(b.cat([c1, c2], 0, name=f"{name}.cat"), name=f"{name}.bn")


def _darts_cell(b, s0, s1, edges, C, reduction, reduction_prev, name):
    """``edges``: list of (op, input index, node index) for every non-none op (and the genotype's nones)."""
    if reduction_prev:
        p0 = _factorized_reduce(b, s0, C, f"{name}.preprocess0")
    else:
        p0 = _relu_conv_bn(b, s0, C, 1, 1, 0, f"{name}.preprocess0")
    p1 = _relu_conv_bn(b, s1, C, 1, 1, 0, f"{name}.preprocess1")
    states = [p0, p1]
    for node in range(2, 6):
        terms = []
        for op, i, j in edges:
            if j != node:
                continue
            stride = 2 if reduction and i < 2 else 1
            terms.append(_darts_op(b, states[i], op, C, stride, f"{name}.node{node}.from{i}.{op}"))
        if not terms:
            shp = b.shape(p1)
            s = 2 if reduction else 1
            terms.append(b.zero(p1, (C, *(-(-n // s) for n in shp[1:])), name=f"{name}.node{node}.empty"))
        states.append(terms[0] if len(terms) == 1 else b.add(terms, name=f"{name}.node{node}"))
    return b.cat(states[2:], 0, name=f"{name}.concat")


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


def build_darts_graph(arch, *, input_shape=(3, 32, 32), C: int = 16, layers: int = 8, num_classes: int = 10,
                      stem_multiplier: int = 3):
    """The operation DAG of the DARTS ``NetworkCIFAR`` for a genotype or a 14-edge cell.

    Parameters
    ----------
    arch : Genotype, str, 14 op names, pair of 14-op tuples (normal, reduce), or object with ``cell_ops``
        A 14-op cell (``EDGES14`` order: node j in 2..5, input i < j) is used for both cell types; a node
        sums all its non-``none`` edges (a node without any is the zero tensor).
    input_shape : (int, int, int)
    C, layers, num_classes, stem_multiplier : int

    Returns
    -------
    networkx.DiGraph

    Examples
    --------
    >>> g = build_darts_graph(["skip_connect"] * 14, C=4, layers=3, input_shape=(3, 8, 8))
    >>> g.number_of_nodes() > 50
    True
    """
    normal, reduce = _darts_cells(arch)
    shape = _check_shape(input_shape)
    C, layers = _check_pos(C, "C"), _check_pos(layers, "layers")
    num_classes, stem_multiplier = _check_pos(num_classes, "num_classes"), _check_pos(stem_multiplier, "stem_multiplier")
    if layers < 3:
        raise InvalidArchitectureError(f"layers must be >= 3, got {layers}")
    b = GraphBuilder()
    x = b.input(shape)
    s0 = s1 = b.affine(b.conv(x, stem_multiplier * C, 3, 1, 1, name="stem.conv"), name="stem.bn")
    c = C
    reduction_prev = False
    for i in range(layers):
        reduction = i in (layers // 3, 2 * layers // 3)
        if reduction:
            c *= 2
        out = _darts_cell(b, s0, s1, reduce if reduction else normal, c, reduction, reduction_prev, f"cells.{i}")
        s0, s1 = s1, out
        reduction_prev = reduction
    x = b.adaptive_pool(s1, "avg", 1, name="global_pooling")
    x = b.identity(x, (b.shape(x)[0],), name="flatten")
    b.output(b.linear(x, num_classes, name="classifier"))
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
    mode : {"generic", "serra", "zhang"}
        See :func:`canopy.nas._calculus.score_graph`.
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
    from canopy.nas import _fast

    fast = _fast.nb201_fast(ops, mode, shape, C, N)
    if fast is not None:
        return fast
    return _nb201_general(ops, mode, shape, C, N)


@lru_cache(maxsize=4096)
def _nb201_general(ops, mode, shape, C, N) -> float:
    return score_graph(build_nb201_graph(ops, input_shape=shape, C=C, N=N), mode).log10


def darts_cell_result(arch, mode: str = "generic", *, input_shape=(3, 32, 32), C: int = 16, layers: int = 8
                      ) -> CalculusResult:
    """The full :class:`~canopy.nas._calculus.CalculusResult` of a DARTS network (see :func:`darts_cell_score`).

    Examples
    --------
    >>> darts_cell_result(["none"] * 14, C=4, layers=3, input_shape=(3, 8, 8)).value()
    1
    """
    check_mode(mode)
    return score_graph(build_darts_graph(arch, input_shape=input_shape, C=C, layers=layers), mode)


def darts_cell_score(arch_or_genotype, mode: str = "generic", *, input_shape=(3, 32, 32), C: int = 16,
                     layers: int = 8) -> float:
    r"""``log10`` of the region-count upper bound of the DARTS network built from a genotype or 14-op cell.

    Parameters
    ----------
    arch_or_genotype : Genotype, str, sequence of 14 op names, or object with ``cell_ops``
        A :class:`canopy.spaces.darts.Genotype` (or its string / NASLib compact form), or the 14-op supernet
        form in ``EDGES14`` order (used for both normal and reduction cells).
    mode : {"generic", "serra", "zhang"}
    input_shape : (int, int, int)
    C, layers : int
        Initial channels and number of cells of ``NetworkCIFAR`` (default 16 and 8).

    Returns
    -------
    float
        ``log10`` of an exact integer upper bound on the linear regions of the network function.

    Examples
    --------
    >>> ops = ("sep_conv_3x3", "skip_connect", "max_pool_3x3", "none", "sep_conv_5x5", "skip_connect",
    ...        "none", "sep_conv_3x3", "dil_conv_3x3", "skip_connect", "max_pool_3x3", "sep_conv_5x5",
    ...        "none", "none")
    >>> darts_cell_score(ops) > darts_cell_score(["skip_connect"] * 14) > 0
    True
    """
    mode = check_mode(mode)
    normal, reduce = _darts_cells(arch_or_genotype)
    shape = _check_shape(input_shape)
    _check_pos(C, "C"), _check_pos(layers, "layers")
    from canopy.nas import _fast

    fast = _fast.darts_fast(normal, reduce, mode, shape, C, layers)
    if fast is not None:
        return fast
    return _darts_general(normal, reduce, mode, shape, C, layers)


@lru_cache(maxsize=4096)
def _darts_general(normal, reduce, mode, shape, C, layers) -> float:
    return score_graph(build_darts_graph((_edges_to14(normal), _edges_to14(reduce)), input_shape=shape, C=C,
                                         layers=layers), mode).log10


def _edges_to14(edges: Sequence[tuple]) -> tuple:
    """14-op form of an edge list -- only valid when no edge repeats (genotype pairs never do)."""
    ops = ["none"] * 14
    for op, i, j in edges:
        k = DARTS_EDGES14.index((i, j))
        if ops[k] != "none" and op != "none":
            raise InvalidArchitectureError(f"edge {i}->{j} appears twice")
        if op != "none":
            ops[k] = op
    return tuple(ops)
