r"""The score calculus on DAGs of tensor operations: the intermediate representation and its walker.

A network is a :class:`networkx.DiGraph` whose nodes are tensor-producing operations (built with
:class:`GraphBuilder`, by :mod:`canopy.nas.cells` for NB201 / DARTS and by :mod:`canopy.nas.trace` for any
``torch.nn.Module``).  :func:`score_graph` walks it in topological order; every tensor carries

* ``rank``    -- an upper bound on the rank of its Jacobian w.r.t. the network input on every piece
  (the *effective input dimension*; 0 for a constant tensor),
* ``sources`` -- tensors whose Jacobian row spaces contain its own (so that ``x + f(x)`` keeps rank(x)),
* ``level``   -- the largest level of the cut nodes (ReLU, max-pool) it depends on,
* ``alias``   -- the tensor it equals (identity, skip, reshape), so repeated ReLUs of one tensor cut once,
* ``struct``  -- the convolution that produced it, if any (for the structured Toeplitz count),
* ``rf``      -- its receptive field in the network input: per spatial axis and output position, the hull
  ``(lo, hi)`` of the input coordinates it can depend on (``None`` where unknown: no single spatial input,
  a reshape, a dense layer; the calculus then assumes the whole input).

Cut nodes (ReLU, max pooling) of one level are simultaneous arrangements on the pieces left by the lower
levels; each level multiplies the bound by :func:`canopy.bounds.branches.level_factor`.  The product over
levels is an upper bound on the number of linear regions of the network function (``proofs/cells.md``,
Theorem C1).  Cut nodes whose input is constant contribute 1, and cut nodes the output does not depend on
(dead branches, inputs of ``mul(0)``) are dropped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import networkx as nx

from canopy.bounds._combinatorics import zaslavsky
from canopy.bounds.branches import ProductBound, level_factor, zaslavsky_log10
from canopy.bounds.conv import axis_windows, conv_rank_bound, structured_relu_bound
from canopy.bounds.pooling import adaptive_axis_windows, maxpool_bound, maxpool_pair_count
from canopy.errors import InvalidArchitectureError

__all__ = ["GraphBuilder", "CalculusResult", "LevelInfo", "score_graph", "MODES", "check_mode"]

#: Modes the DAG calculus supports.  ``"serra"`` equals ``"generic"`` on DAGs (see ``proofs/cells.md``);
#: ``"local"`` bounds the linear pieces on lines through one input pixel (``proofs/local.md``), not the regions
#: of the whole input space.
MODES = ("generic", "serra", "zhang", "local")


def check_mode(mode: object) -> str:
    """Validate a calculus mode name (``canopy.errors.UnknownModeError`` naming the supported ones).

    Examples
    --------
    >>> check_mode("generic")
    'generic'
    """
    if mode not in MODES:
        from canopy.errors import UnknownModeError

        raise UnknownModeError(
            f"mode {mode!r} is not available for convolutional / cell networks; use one of {MODES} "
            "('montufar' and 'exact' exist only for dense ArchitectureSpec widths)"
        )
    return mode  # type: ignore[return-value]


def _prod(xs) -> int:
    out = 1
    for x in xs:
        out *= x
    return out


class GraphBuilder:
    """Build the operation DAG the calculus walks; each method returns the new node's id.

    Shapes are per sample: ``(C, *spatial)`` for feature maps, ``(n,)`` for vectors.

    Examples
    --------
    >>> b = GraphBuilder()
    >>> x = b.input((1, 4))
    >>> y = b.relu(b.conv(x, 2, 2, name="conv"))
    >>> b.graph.nodes[y]["shape"]
    (2, 3)
    """

    def __init__(self) -> None:
        self.graph = nx.DiGraph()
        self._n = 0

    def _add(self, op: str, inputs, shape, name: str, **attrs) -> int:
        v = self._n
        self._n += 1
        self.graph.add_node(v, op=op, shape=tuple(int(s) for s in shape), name=name or f"{op}_{v}", **attrs)
        for k, u in enumerate(inputs):
            self.graph.add_edge(u, v, index=k)
        return v

    def shape(self, v: int) -> tuple[int, ...]:
        return self.graph.nodes[v]["shape"]

    def input(self, shape, name: str = "input") -> int:
        if not shape or any(int(s) < 1 for s in shape):
            raise InvalidArchitectureError(f"input shape must be positive, got {tuple(shape)}")
        return self._add("input", (), shape, name)

    def conv(self, u, out_channels, kernel, stride=1, padding=0, dilation=1, groups=1, bias=False, name=""):
        shp = self.shape(u)
        nd = len(shp) - 1
        if nd < 1:
            raise InvalidArchitectureError(f"{name or 'conv'}: input of shape {shp} has no spatial axis")

        def per_axis(val):
            vals = (int(val),) * nd if isinstance(val, int) else tuple(int(x) for x in val)
            if len(vals) != nd:
                raise InvalidArchitectureError(f"{name or 'conv'}: {vals} does not match {nd} spatial axes")
            return vals

        ks, ss, ps, ds = per_axis(kernel), per_axis(stride), per_axis(padding), per_axis(dilation)
        if shp[0] % groups or out_channels % groups:
            raise InvalidArchitectureError(f"{name or 'conv'}: groups={groups} does not divide the channels")
        try:
            windows = tuple(axis_windows(n, k, s, p, d) for n, k, s, p, d in zip(shp[1:], ks, ss, ps, ds))
        except ValueError as exc:
            raise InvalidArchitectureError(f"{name or 'conv'}: {exc}") from None
        shape = (out_channels, *(len(ax) for ax in windows))
        return self._add("conv", (u,), shape, name, in_channels=shp[0], out_channels=int(out_channels),
                         groups=int(groups), windows=windows, bias=bool(bias), kernel=ks, stride=ss,
                         padding=ps, dilation=ds)

    def linear(self, u, out_features, bias=True, name=""):
        shp = self.shape(u)
        if len(shp) != 1:
            raise InvalidArchitectureError(f"{name or 'linear'}: expects a flat input, got shape {shp}")
        return self._add("linear", (u,), (out_features,), name, in_features=shp[0], out_features=int(out_features),
                         bias=bool(bias))

    def affine(self, u, name="", zero_preserving=True):
        """Per-channel affine map (BatchNorm at initialisation, scaling by a non-zero constant, ...)."""
        return self._add("affine", (u,), self.shape(u), name, zero_preserving=bool(zero_preserving))

    def relu(self, u, name=""):
        return self._add("relu", (u,), self.shape(u), name)

    def identity(self, u, shape=None, name=""):
        """Identity / reshape / flatten / dropout at evaluation (``shape`` for a reshape)."""
        shp = self.shape(u) if shape is None else tuple(shape)
        if _prod(shp) != _prod(self.shape(u)):
            raise InvalidArchitectureError(f"{name or 'reshape'}: cannot view {self.shape(u)} as {shp}")
        return self._add("identity", (u,), shp, name)

    def zero(self, u, shape=None, name=""):
        """The zero map (``x.mul(0)``): the output does not depend on ``u``."""
        return self._add("zero", (u,), self.shape(u) if shape is None else shape, name)

    def _pool(self, op, u, windows, name):
        shp = self.shape(u)
        return self._add(op, (u,), (shp[0], *(len(ax) for ax in windows)), name, windows=windows)

    def pool(self, u, kind, kernel, stride=None, padding=0, dilation=1, name=""):
        shp = self.shape(u)
        nd = len(shp) - 1
        stride = kernel if stride is None else stride

        def per_axis(val):
            return (int(val),) * nd if isinstance(val, int) else tuple(int(x) for x in val)

        try:
            windows = tuple(axis_windows(n, k, s, p, d) for n, k, s, p, d in
                            zip(shp[1:], per_axis(kernel), per_axis(stride), per_axis(padding), per_axis(dilation)))
        except ValueError as exc:
            raise InvalidArchitectureError(f"{name or kind}: {exc}") from None
        return self._pool("maxpool" if kind == "max" else "linpool", u, windows, name)

    def adaptive_pool(self, u, kind, output_size, name=""):
        shp = self.shape(u)
        nd = len(shp) - 1
        outs = (output_size,) * nd if isinstance(output_size, int) or output_size is None else tuple(output_size)
        outs = tuple(n if o is None else int(o) for n, o in zip(shp[1:], outs))
        windows = tuple(adaptive_axis_windows(n, o) for n, o in zip(shp[1:], outs))
        return self._pool("maxpool" if kind == "max" else "linpool", u, windows, name)

    def linear_map(self, u, shape, name=""):
        """Any other linear map (slicing, mean over axes, padding, ...) producing ``shape``."""
        return self._add("linmap", (u,), tuple(shape), name)

    def add(self, inputs, name=""):
        inputs = list(inputs)
        shapes = {self.shape(u) for u in inputs}
        if len(shapes) != 1:
            raise InvalidArchitectureError(f"{name or 'add'}: shapes differ {sorted(shapes)}")
        return self._add("add", inputs, shapes.pop(), name)

    def cat(self, inputs, dim=0, name=""):
        inputs = list(inputs)
        shapes = [self.shape(u) for u in inputs]
        rest = {s[:dim] + s[dim + 1:] for s in shapes}
        if len(rest) != 1:
            raise InvalidArchitectureError(f"{name or 'cat'}: shapes {shapes} cannot be concatenated on {dim}")
        shape = list(shapes[0])
        shape[dim] = sum(s[dim] for s in shapes)
        return self._add("cat", inputs, shape, name, dim=int(dim))

    def output(self, u, name="output"):
        return self._add("output", (u,), self.shape(u), name)


@dataclass(frozen=True)
class LevelInfo:
    """One level of simultaneous cut nodes: their names, hyperplane counts, rank and log10 factor."""

    level: int
    cuts: tuple[tuple[str, str, int, int], ...]  # (node name, kind, hyperplanes, rank)
    rank: int
    log10: float


@dataclass(frozen=True)
class CalculusResult:
    """Outcome of :func:`score_graph`: the bound (exact, as a product) and how it arose."""

    mode: str
    input_dim: int
    bound: ProductBound
    levels: tuple[LevelInfo, ...] = field(default=())
    #: node id -> receptive field (per axis, per position, ``(lo, hi)``; ``None`` unknown), ``proofs/local.md``;
    #: tracked in ``mode="local"`` only (``None`` everywhere in the other modes)
    receptive_fields: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def log10(self) -> float:
        """``log10`` of the bound (0.0 when the network function is affine / constant)."""
        return self.bound.log10()

    def value(self) -> int:
        """The exact integer bound."""
        return self.bound.value()


#: the receptive field of a position that depends on no input coordinate (``lo > hi``)
_EMPTY = (1, 0)


def _hull(intervals) -> tuple[int, int]:
    lo: int | None = None
    hi: int | None = None
    for a, b in intervals:
        if a > b:
            continue
        lo = a if lo is None or a < lo else lo
        hi = b if hi is None or b > hi else hi
    return _EMPTY if lo is None or hi is None else (lo, hi)


def _rf_windows(rf, windows):
    """Receptive field after a convolution / pooling reading ``windows`` of a tensor with field ``rf``."""
    if rf is None:
        return None
    return tuple(tuple(_hull(ax_rf[q] for q in w) for w in ax_w) for ax_rf, ax_w in zip(rf, windows))


def _rf_union(rfs):
    """Receptive field of a sum / channel concatenation: the per-position hull of the fields."""
    if any(r is None for r in rfs):
        return None
    return tuple(tuple(_hull(ivs) for ivs in zip(*axes)) for axes in zip(*rfs))


def _axis_cover(ax_rf, n: int, weights=None) -> list[int]:
    """For every input coordinate ``q < n`` on one axis: the (weighted) number of positions whose field holds q."""
    diff = [0] * (n + 1)
    for i, (a, b) in enumerate(ax_rf):
        if a > b:
            continue
        w = 1 if weights is None else weights[i]
        diff[max(a, 0)] += w
        diff[min(b, n - 1) + 1] -= w
    out, acc = [], 0
    for q in range(n):
        acc += diff[q]
        out.append(acc)
    return out


def _local_terms(cut: dict, grid: tuple[int, ...]):
    """Separable breakpoint counts of one cut node for lines through input pixel ``q``.

    Returns ``[(coefficient, [per-axis cover lists])]``: the number of new breakpoints the cut can put on a
    line that moves only pixel ``q`` is ``sum(coef * prod(cover[a][q_a]))``.
    """
    rf = cut["rf"]
    if cut["kind"] == "relu":
        channels = cut["shape"][0]
        if rf is None or len(rf) != len(grid):
            return [(cut["hyperplanes"], None)]
        return [(channels, [_axis_cover(ax, n) for ax, n in zip(rf, grid)])]
    channels, windows = cut["pool"]
    if rf is None or len(rf) != len(grid):
        total = channels * (_prod(sum(len(w) for w in ax) for ax in windows) - _prod(len(ax) for ax in windows))
        return [(total, None)]
    win_rf = _rf_windows(rf, windows)
    size = [_axis_cover(ax, n, [len(w) for w in ax_w]) for ax, ax_w, n in zip(win_rf, windows, grid)]
    count = [_axis_cover(ax, n) for ax, n in zip(win_rf, grid)]
    # a max of k affine functions along a line has at most k - 1 breakpoints per piece
    return [(channels, size), (-channels, count)]


def _local_bound(levels: list[list[dict]], grid: tuple[int, ...], pixel: tuple[int, ...] | None = None
                 ) -> tuple[ProductBound, tuple[int, ...], list[int]]:
    """``max_q prod_l (1 + N_l(q))`` over input pixels ``q`` (or at ``pixel``): the bound of ``proofs/local.md``."""
    terms = [[t for c in group for t in _local_terms(c, grid)] for group in levels]
    best: tuple[float, tuple[int, ...], list[int]] | None = None
    pixels: list[tuple[int, ...]] = [()]
    for n in grid:
        pixels = [p + (i,) for p in pixels for i in range(n)]
    if pixel is not None:
        pixel = tuple(int(i) for i in pixel)
        if pixel not in set(pixels):
            raise InvalidArchitectureError(f"pixel {pixel} is not a position of the input grid {grid}")
        pixels = [pixel]
    for q in pixels:
        counts = []
        for group in terms:
            n_l = 0
            for coef, covers in group:
                if covers is None:
                    n_l += coef
                else:
                    v = coef
                    for ax, qa in zip(covers, q):
                        v *= ax[qa]
                    n_l += v
            counts.append(n_l)
        lg = sum(math.log10(1 + n) for n in counts)
        if best is None or lg > best[0] + 1e-12:
            best = (lg, q, counts)
    assert best is not None
    _, q, counts = best
    return ProductBound([(1 + n, 1) for n in counts if n]), q, counts


@lru_cache(maxsize=1 << 15)
def _z(n: int, r: int) -> ProductBound:
    return ProductBound([(zaslavsky(n, r), 1)])


def _individual(cut: dict) -> ProductBound:
    if cut["kind"] == "relu":
        st = cut["struct"]
        if st is not None:
            out_c, in_c, groups, windows = st
            return structured_relu_bound(out_c, in_c, windows, cut["rank"], groups)
        return _z(cut["hyperplanes"], cut["rank"])
    channels, windows = cut["pool"]
    return maxpool_bound(channels, windows, cut["rank"])


def score_graph(graph: nx.DiGraph, mode: str = "generic", *, pixel: tuple[int, ...] | None = None
                ) -> CalculusResult:
    r"""Apply the calculus to an operation DAG; the result bounds the linear regions of its function.

    Parameters
    ----------
    graph : networkx.DiGraph
        Built by :class:`GraphBuilder` (one or more ``input`` nodes, at least one ``output`` node).
    mode : {"generic", "serra", "zhang"}
        ``"generic"``: effective dimensions, receptive-field structure and union arrangements per level;
        ``"zhang"``: every cut node alone with the full input dimension (the plain product, larger);
        ``"serra"``: equals ``"generic"`` on DAGs (the J-set refinement is only proved for chains);
        ``"local"``: not a bound on the regions of the input space but on the linear pieces along any line
        that moves only the input coordinates of one pixel ``q`` -- :math:`\max_q \prod_l (1 + N_l(q))`
        with :math:`N_l(q)` the units (and max-pool breakpoints) of level ``l`` whose receptive field holds
        ``q`` (``proofs/local.md``, Theorem L2).
    pixel : tuple of int, optional
        ``mode="local"`` only: the bound for lines through this input pixel instead of the maximum.

    Returns
    -------
    CalculusResult

    Examples
    --------
    >>> b = GraphBuilder()
    >>> x = b.input((2,))
    >>> h = b.relu(b.linear(x, 4))
    >>> _ = b.output(b.linear(h, 1))
    >>> score_graph(b.graph).value()        # one hidden layer of 4 on R^2: r(4, 2)
    11
    >>> score_graph(b.graph, "local").value()  # a line cuts 4 hyperplanes at most once each
    5
    """
    mode = check_mode(mode)
    if pixel is not None and mode != "local":
        from canopy.errors import InvalidArgumentError

        raise InvalidArgumentError(f"pixel= applies to mode='local' only, not mode={mode!r}")
    g = graph
    order = list(nx.topological_sort(g))
    nodes = g.nodes
    rank: dict[int, int] = {}
    src: dict[int, frozenset] = {}
    level: dict[int, int] = {}
    alias: dict[int, int] = {}
    zero: dict[int, bool] = {}
    struct: dict[int, object] = {}
    cuts: dict[tuple, dict] = {}
    cut_of_node: dict[int, tuple] = {}
    outputs = []
    d0 = sum(_prod(a["shape"]) for _, a in g.nodes(data=True) if a["op"] == "input")
    in_shapes = [a["shape"] for _, a in g.nodes(data=True) if a["op"] == "input"]
    # receptive fields are tracked for one input with spatial axes (C0, *grid), and only where a mode uses them
    grid: tuple[int, ...] = tuple(in_shapes[0][1:]) if len(in_shapes) == 1 and mode == "local" else ()
    rf: dict[int, object] = {}

    def same_rf(v, u):
        rf[v] = rf[u] if nodes[v]["shape"] == nodes[u]["shape"] else None

    def preds(v):
        return [u for u, _, k in sorted(g.in_edges(v, data="index"), key=lambda e: e[2])]

    def derived(v, u, r_new):
        """State of a linear image of ``u`` with rank ``r_new``."""
        rank[v] = r_new
        if r_new == 0:
            src[v], level[v] = frozenset(), 0
        else:
            src[v] = src[u] if r_new == rank[u] else frozenset((v,))
            level[v] = level[u]
        alias[v] = v
        struct[v] = None

    for v in order:
        a = nodes[v]
        op = a["op"]
        units = _prod(a["shape"])
        ins = preds(v)
        if op == "input":
            rank[v], src[v], level[v], alias[v], zero[v], struct[v] = units, frozenset((v,)), 0, v, False, None
            rf[v] = tuple(tuple((i, i) for i in range(n)) for n in a["shape"][1:]) if grid else None
        elif op == "zero":
            rank[v], src[v], level[v], alias[v], zero[v], struct[v] = 0, frozenset(), 0, v, True, None
            rf[v] = tuple((_EMPTY,) * n for n in a["shape"][1:]) if grid and len(a["shape"]) > 1 else None
        elif op in ("identity", "output"):
            u = ins[0]
            rank[v], src[v], level[v], alias[v], zero[v], struct[v] = (
                rank[u], src[u], level[u], alias[u], zero[u], struct[u])
            same_rf(v, u)
            if op == "output":
                outputs.append(v)
        elif op == "affine":
            u = ins[0]
            rank[v], src[v], level[v], struct[v] = rank[u], src[u], level[u], struct[u]
            alias[v] = v
            zero[v] = zero[u] and a["zero_preserving"]
            same_rf(v, u)
        elif op == "conv":
            u = ins[0]
            r = conv_rank_bound(a["in_channels"], a["out_channels"], a["windows"], rank[u])
            derived(v, u, r)
            zero[v] = zero[u] and not a["bias"]
            rf[v] = _rf_windows(rf[u], a["windows"])
            if r:
                struct[v] = (a["out_channels"], a["in_channels"], a["groups"], a["windows"])
        elif op == "linear":
            u = ins[0]
            derived(v, u, min(rank[u], a["in_features"], a["out_features"]))
            zero[v] = zero[u] and not a["bias"]
            rf[v] = None
        elif op in ("linpool", "linmap"):
            u = ins[0]
            derived(v, u, min(rank[u], units))
            zero[v] = zero[u]
            rf[v] = _rf_windows(rf[u], a["windows"]) if op == "linpool" else None
        elif op in ("add", "cat"):
            live = [u for u in ins if rank[u] > 0]
            zero[v] = all(zero[u] for u in ins)
            spatial = {nodes[u]["shape"][1:] for u in ins} | {a["shape"][1:]}
            rf[v] = (_rf_union([rf[u] for u in ins])
                     if (op == "add" or a.get("dim", 0) == 0) and len(spatial) == 1 and len(a["shape"]) > 1 else None)
            alias[v], struct[v] = v, None
            if not live:
                rank[v], src[v], level[v] = 0, frozenset(), 0
            elif len(live) == 1 and op == "add":
                u = live[0]
                rank[v], src[v], level[v], struct[v] = rank[u], src[u], level[u], struct[u]
                if all(zero[w] for w in ins if w != u):
                    alias[v] = alias[u]
            else:
                s = frozenset().union(*(src[u] for u in live))
                summed = sum(rank[w] for w in s)
                r = min(units, summed, d0)
                rank[v] = r
                src[v] = s if r == summed else frozenset((v,))
                level[v] = max(level[u] for u in live)
        elif op in ("relu", "maxpool"):
            u = ins[0]
            rf[v] = rf[u] if op == "relu" else _rf_windows(rf[u], a["windows"])
            if rank[u] == 0:  # constant pre-activation: no hyperplane, output constant
                rank[v], src[v], level[v], alias[v], zero[v], struct[v] = 0, frozenset(), 0, v, zero[u], None
                continue
            key = (op, alias[u]) if op == "relu" else (op, alias[u], a["windows"])
            if key in cuts:
                first = cuts[key]
                cuts[key]["nodes"].append(v)
                cut_of_node[v] = key
                w = first["nodes"][0]
                rank[v], src[v], level[v], alias[v], zero[v], struct[v] = (
                    rank[w], src[w], level[w], alias[w], False, None)
                continue
            in_units = _prod(nodes[u]["shape"])
            if op == "relu":
                cut = {"kind": "relu", "hyperplanes": in_units, "struct": struct[u], "pool": None}
                r_out = rank[u]
            else:
                channels = nodes[u]["shape"][0]
                cut = {"kind": "maxpool", "hyperplanes": maxpool_pair_count(channels, a["windows"]),
                       "struct": None, "pool": (channels, a["windows"])}
                r_out = min(rank[u], units)
            cut.update(rank=rank[u], sources=src[u], level=level[u] + 1, nodes=[v], name=a["name"],
                       shape=nodes[u]["shape"], rf=rf[u])
            cuts[key] = cut
            cut_of_node[v] = key
            rank[v] = r_out
            src[v] = src[u] if r_out == rank[u] else frozenset((v,))
            level[v], alias[v], zero[v], struct[v] = level[u] + 1, v, False, None
        else:  # pragma: no cover - the builders never produce other ops
            raise InvalidArchitectureError(f"unknown operation {op!r} at node {a['name']!r}")

    if not outputs:
        raise InvalidArchitectureError("the graph has no output node")
    # dependency graph: the zero map does not depend on its input
    dep = g.copy()
    dep.remove_edges_from([(u, v) for u, v in g.edges if nodes[v]["op"] == "zero"])
    needed: set[int] = set()
    for o in outputs:
        if rank[o] > 0:
            needed |= nx.ancestors(dep, o) | {o}
    kept = [c for c in cuts.values() if any(v in needed for v in c["nodes"])]
    by_level: dict[int, list[dict]] = {}
    for c in kept:
        by_level.setdefault(c["level"], []).append(c)
    total = ProductBound()
    infos = []
    if mode == "local":
        groups = [by_level[lev] for lev in sorted(by_level)]
        total, _, counts = _local_bound(groups, grid, pixel)
        infos = [LevelInfo(lev, tuple((c["name"], c["kind"], c["hyperplanes"], c["rank"]) for c in group), 1,
                           math.log10(1 + n))
                 for lev, group, n in zip(sorted(by_level), groups, counts)]
        return CalculusResult(mode=mode, input_dim=d0, bound=total, levels=tuple(infos), receptive_fields=rf)
    for lev in sorted(by_level):
        group = by_level[lev]
        if mode == "zhang":
            factor = ProductBound()
            for c in group:
                factor = factor * _z(c["hyperplanes"], d0)
            r_level = d0
        else:
            s = frozenset().union(*(c["sources"] for c in group))
            r_level = min(sum(c["rank"] for c in group), sum(rank[w] for w in s), d0)
            factor = level_factor([c["hyperplanes"] for c in group], [_individual(c) for c in group], r_level)
        total = total * factor
        infos.append(LevelInfo(lev, tuple((c["name"], c["kind"], c["hyperplanes"], c["rank"]) for c in group),
                               r_level, factor.log10()))
    return CalculusResult(mode=mode, input_dim=d0, bound=total, levels=tuple(infos), receptive_fields=rf)


def union_log10(hyperplanes: int, rank: int) -> float:
    """``log10 r(hyperplanes, rank)`` (cached helper shared with the fast paths)."""
    return zaslavsky_log10(hyperplanes, rank)
