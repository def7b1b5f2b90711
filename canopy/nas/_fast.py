r"""Fast path of the cell calculus for whole-space scoring (same numbers as :func:`score_graph`).

When the network is *saturated* -- every non-constant tensor upstream of the last cut has at least ``d_0``
entries and no linear map lowers the effective dimension below ``d_0`` (true for NB201 and DARTS on CIFAR
inputs) -- every rank in :func:`canopy.nas._calculus.score_graph` equals ``d_0`` and every ``sources`` set is
``{input}``.  The walker then only needs, per tensor, its cut level, alias, liveness and convolution
structure.  :class:`SatBuilder` implements the builder interface of :class:`~canopy.nas._calculus.GraphBuilder`
with exactly those rules (the cell-construction code of :mod:`canopy.nas.cells` is reused verbatim), with
*symbolic* input levels, so that each block (cell, residual block, stem, head) is compiled once into a
program and cached; a network is assembled from block programs.  If a block is not saturated,
:class:`NotSaturated` is raised and the caller falls back to the general walker.  Equality with the general
walker is tested in ``tests/test_cells.py``.

**DARTS closed form** (:func:`darts_fast`).  A fresh genotype needs eight new cell programs above (~10 ms);
whole-space scoring needs ~0.1 ms.  The invariant that allows it: on a *saturated* configuration -- every
live tensor other than a convolution output has rank ``d0``, verified once per (input shape, ``C``,
``layers``) by compiling a *universal* network (every op on every edge) with a rank-recording builder, which
covers every genotype because an op's output rank depends only on its input's rank and shapes -- each rank,
each level rank and each cut's individual bound are fixed by the cell position, and a cell is seen by the
calculus only through (i) for every cut, its level offset from each cell input and one of six *cut types*
(ReLU of preprocessed input 0 / 1, ReLU after a pointwise conv, ReLU of a sum / pool / reduce output, max pool
of an input / of a node), (ii) its output's level offsets.  :func:`_cell_program` computes that from the op
classes with the calculus' de-duplication rules (one cut per ReLU'd or max-pooled tensor, aliases through
skips and single-live sums), cached per (edges, reduction, input liveness); :func:`darts_levels` places the
cuts of the needed cells on global levels (the preprocessing ReLUs on the stem / cell outputs are shared, as
the walker's alias rule shares them).  Per-position tables hold each type's hyperplanes (exact ints) and
``log10`` individual bound as an exact fixed-point integer, so a level's ``math.fsum`` is an exact integer
sum rounded once -- the same float bit for bit.  Tested: equal to :func:`darts_programs` bit for bit, and
per level (cut count, hyperplanes, rank) equal to the walker's, over random genotypes, 14-op cells and shapes.
"""

from __future__ import annotations

import math
from functools import lru_cache

from canopy.bounds._combinatorics import zaslavsky
from canopy.bounds.branches import zaslavsky_log10
from canopy.bounds.conv import axis_windows, conv_rank_bound, structured_relu_bound
from canopy.bounds.pooling import adaptive_axis_windows, maxpool_bound, maxpool_pair_count
from canopy.errors import InvalidArchitectureError

__all__ = ["NotSaturated", "SatBuilder", "nb201_fast", "darts_fast", "darts_programs", "darts_levels"]


class NotSaturated(Exception):
    """Kept for API stability: the fast path now tracks ranks exactly and never needs a fallback."""


def _prod(xs):
    out = 1
    for x in xs:
        out *= x
    return out


class _S:
    __slots__ = ("shape", "units", "rank", "zero", "lv", "key", "struct", "deps", "uses", "src")

    def __init__(self, shape, rank, zero, lv, key, struct, deps, uses, src):
        self.shape = shape
        self.units = _prod(shape)
        self.rank, self.zero, self.lv, self.key = rank, zero, lv, key
        self.struct, self.deps, self.uses, self.src = struct, deps, uses, src

    @property
    def live(self):
        return self.rank > 0


def _inc(lv):
    return tuple(None if x is None else x + 1 for x in lv)


def _vmax(lvs):
    out = list(lvs[0])
    for lv in lvs[1:]:
        for i, x in enumerate(lv):
            if x is not None and (out[i] is None or x > out[i]):
                out[i] = x
    return tuple(out)


_EMPTY = frozenset()


@lru_cache(maxsize=4096)
def _windows(spatial, kernel, stride, padding, dilation):
    nd = len(spatial)

    def per(v):
        return (int(v),) * nd if isinstance(v, int) else tuple(v)

    return tuple(axis_windows(n, k, s, p, d) for n, k, s, p, d in
                 zip(spatial, per(kernel), per(stride), per(padding), per(dilation)))


class SatBuilder:
    """Builder with the interface of ``GraphBuilder`` applying the calculus rules directly, symbolically.

    ``inputs``: (shape, rank, zero, struct, source indices) per symbolic input; ``source_ranks``: the ranks of
    the distinct global sources those indices point to.  Rules are those of
    :func:`canopy.nas._calculus.score_graph` (same rank, source, level, alias and structure updates).
    """

    def __init__(self, d0, inputs, source_ranks):
        self.d0 = d0
        m = len(inputs)
        self.m = m
        self.srank = {("g", i): r for i, r in enumerate(source_ranks)}
        self.ins = []
        for i, (shape, rank, zero, struct, srcs) in enumerate(inputs):
            live = rank > 0
            lv = tuple(0 if j == i else None for j in range(m)) if live else (None,) * m
            self.ins.append(_S(tuple(shape), rank, zero, lv, ("in", i), struct if live else None, _EMPTY,
                               frozenset((i,)) if live else _EMPTY,
                               frozenset(("g", k) for k in srcs) if live else _EMPTY))
        self.n = 0
        self.cuts: dict = {}
        self.cut_out: dict = {}

    def _new(self):
        self.n += 1
        return ("loc", self.n)

    def _const(self, shape, zero):
        return _S(tuple(shape), 0, zero, (None,) * self.m, self._new(), None, _EMPTY, _EMPTY, _EMPTY)

    def _derived(self, u, shape, r_new, struct=None):
        if r_new == 0:
            return self._const(shape, False)
        key = self._new()
        if r_new == u.rank:
            src = u.src
        else:
            src = frozenset((key,))
            self.srank[key] = r_new
        return _S(tuple(shape), r_new, False, u.lv, key, struct, u.deps, u.uses, src)

    def shape(self, s):
        return s.shape

    def _windows(self, u, kernel, stride, padding, dilation):
        try:
            return _windows(u.shape[1:], kernel, stride, padding, dilation)
        except ValueError as exc:
            raise InvalidArchitectureError(str(exc)) from None

    def conv(self, u, out_channels, kernel, stride=1, padding=0, dilation=1, groups=1, bias=False, name=""):
        windows = self._windows(u, kernel, stride, padding, dilation)
        shape = (out_channels, *(len(ax) for ax in windows))
        if not u.live:
            return self._const(shape, u.zero and not bias)
        r = conv_rank_bound(u.shape[0], out_channels, windows, u.rank)
        return self._derived(u, shape, r, (out_channels, u.shape[0], groups, windows))

    def affine(self, u, name="", zero_preserving=True):
        return _S(u.shape, u.rank, u.zero and zero_preserving, u.lv, self._new(), u.struct, u.deps, u.uses, u.src)

    def identity(self, u, shape=None, name=""):
        return _S(u.shape if shape is None else tuple(shape), u.rank, u.zero, u.lv, u.key, u.struct, u.deps,
                  u.uses, u.src)

    def zero(self, u, shape=None, name=""):
        return self._const(u.shape if shape is None else shape, True)

    def linear_map(self, u, shape, name=""):
        shape = tuple(shape)
        if not u.live:
            return self._const(shape, u.zero)
        return self._derived(u, shape, min(u.rank, _prod(shape)))

    def _cut(self, kind, u, shape, windows=None):
        if not u.live:
            return self._const(shape, u.zero)
        key = (kind, u.key) if kind == "relu" else (kind, u.key, windows)
        if key in self.cuts:
            return self.cut_out[key]
        cid = len(self.cuts)
        if kind == "relu":
            h, bkey = u.units, ("relu", u.units, u.struct, u.rank)
            r_out = u.rank
        else:
            h = maxpool_pair_count(u.shape[0], windows)
            bkey = ("max", u.shape[0], windows, u.rank)
            r_out = min(u.rank, _prod(shape))
        lv = _inc(u.lv)
        self.cuts[key] = (cid, lv, u.key, h, bkey, u.src)
        okey = self._new()
        if r_out == u.rank:
            src = u.src
        else:
            src = frozenset((okey,))
            self.srank[okey] = r_out
        out = _S(tuple(shape), r_out, False, lv, okey, None, u.deps | {cid}, u.uses, src)
        self.cut_out[key] = out
        return out

    def relu(self, u, name=""):
        return self._cut("relu", u, u.shape)

    def pool(self, u, kind, kernel, stride=None, padding=0, dilation=1, name=""):
        windows = self._windows(u, kernel, kernel if stride is None else stride, padding, dilation)
        shape = (u.shape[0], *(len(ax) for ax in windows))
        if kind == "max":
            return self._cut("maxpool", u, shape, windows)
        return self.linear_map(u, shape)

    def adaptive_pool(self, u, kind, output_size, name=""):
        nd = len(u.shape) - 1
        outs = (output_size,) * nd if isinstance(output_size, int) else tuple(output_size)
        windows = tuple(adaptive_axis_windows(n, o) for n, o in zip(u.shape[1:], outs))
        shape = (u.shape[0], *(len(ax) for ax in windows))
        if kind == "max":
            return self._cut("maxpool", u, shape, windows)
        return self.linear_map(u, shape)

    def add(self, inputs, name=""):
        return self._combine(list(inputs), "add", inputs[0].shape)

    def cat(self, inputs, dim=0, name=""):
        inputs = list(inputs)
        shape = list(inputs[0].shape)
        shape[dim] = sum(s.shape[dim] for s in inputs)
        return self._combine(inputs, "cat", tuple(shape))

    def _combine(self, ins, op, shape):
        live = [u for u in ins if u.live]
        if not live:
            return self._const(shape, all(u.zero for u in ins))
        deps = frozenset().union(*(u.deps for u in live))
        uses = frozenset().union(*(u.uses for u in live))
        if len(live) == 1 and op == "add":
            u = live[0]
            key = u.key if all(w.zero for w in ins if w is not u) else self._new()
            return _S(tuple(shape), u.rank, False, u.lv, key, u.struct, deps, uses, u.src)
        src = frozenset().union(*(u.src for u in live))
        total = sum(self.srank[s] for s in src)
        r = min(_prod(shape), total, self.d0)
        key = self._new()
        if r != total:
            src = frozenset((key,))
            self.srank[key] = r
        return _S(tuple(shape), r, False, _vmax([u.lv for u in live]), key, None, deps, uses, src)

    def linear(self, u, out_features, bias=True, name=""):
        if not u.live:
            return self._const((out_features,), u.zero and not bias)
        return self._derived(u, (out_features,), min(u.rank, u.units, out_features))

    def output(self, u, name=""):
        return u

    def program(self, out: _S):
        """(kept cuts, output record); local keys and sources are symbolic."""
        kept = []
        for cid, lv, inkey, h, bkey, src in self.cuts.values():
            if cid in out.deps:
                kept.append((lv, inkey[1] if inkey[0] == "in" else None, cid, h, bkey, tuple(sorted(src))))
        out_key = out.key[1] if out.key[0] == "in" else None
        desc = (out.shape, out.rank, out.zero, out.struct)
        used = set(out.src).union(*(c[5] for c in self.cuts.values() if c[0] in out.deps))
        local_ranks = tuple((k, r) for k, r in self.srank.items() if k[0] == "loc" and k in used)
        return (tuple(kept), (desc, out.lv, out_key, tuple(sorted(out.uses)), tuple(sorted(out.src))),
                local_ranks)


@lru_cache(maxsize=1 << 16)
def _b_log(bkey):
    if bkey[0] == "relu":
        _, h, struct, r = bkey
        if struct is None:
            return zaslavsky_log10(h, r)
        out_c, in_c, groups, windows = struct
        bound = structured_relu_bound(out_c, in_c, windows, r, groups)
        if len(bound.terms) == 1 and bound.terms[0] == (zaslavsky(h, r), 1):
            # the structure gives nothing: the same integer must give the same float as the union route
            return zaslavsky_log10(h, r)
        return bound.log10()
    _, channels, windows, r = bkey
    return maxpool_bound(channels, windows, r).log10()


_BKEYS: dict = {}
_BKEY_LIST: list = []


def _intern(bkey) -> int:
    i = _BKEYS.get(bkey)
    if i is None:
        i = _BKEYS[bkey] = len(_BKEY_LIST)
        _BKEY_LIST.append(bkey)
    return i


@lru_cache(maxsize=1 << 16)
def _level_log(items, r_level, d0, mode):
    """``items``: sorted tuple of (H, interned bkey) for one level."""
    if mode == "zhang":
        return math.fsum(zaslavsky_log10(h, d0) for h, _ in items)
    union = zaslavsky_log10(sum(h for h, _ in items), r_level)
    prod = math.fsum(_b_log(_BKEY_LIST[b]) for _, b in items)
    return min(union, prod)


class _Assembler:
    """Instantiate block programs into global cuts, then sum the level factors."""

    def __init__(self, d0):
        self.d0 = d0
        self.cuts: dict = {}  # global key -> (level, H, bkey, global sources)
        self.grank: dict = {("input",): d0}
        self.n = 0

    def call(self, kind, params, states):
        """Compile (cached) and instantiate one block on global input states ``(state, desc)``."""
        order: list = []
        seen: dict = {}
        descs = []
        for st, d in states:
            for g in st[3]:
                if g not in seen:
                    seen[g] = len(order)
                    order.append(g)
            descs.append((d[0], d[1], d[2], d[3], tuple(sorted(seen[g] for g in st[3]))))
        prog = _block(kind, params, tuple(descs), tuple(self.grank[g] for g in order), self.d0)
        return self.run(prog, order, [st for st, _ in states])

    def run(self, prog, order, states):
        """``states``: global (level, gkey, deps, gsrc); returns (state, desc) of the block output."""
        kept, (desc, lv, out_key, uses, out_src), local_ranks = prog
        self.n += 1
        blk = self.n
        for k, r in local_ranks:
            self.grank[(blk, k)] = r

        def gsrc(symbolic):
            return frozenset(order[k[1]] if k[0] == "g" else (blk, k) for k in symbolic)

        local_g = {}
        for clv, inidx, cid, h, bkey, src in kept:
            level = max(states[i][0] + x for i, x in enumerate(clv) if x is not None)
            gin = states[inidx][1] if inidx is not None else None
            gkey = (bkey[0], gin, bkey[2] if bkey[0] == "max" else None) if gin is not None else (blk, cid)
            local_g[cid] = gkey
            if gkey not in self.cuts:
                self.cuts[gkey] = (level, h, bkey, gsrc(src))
        if desc[1] == 0:
            return (0, ("const", blk), frozenset(), frozenset()), desc
        level = max(states[i][0] + x for i, x in enumerate(lv) if x is not None)
        gkey = states[out_key][1] if out_key is not None else ("blk", blk)
        deps = frozenset(local_g.values()).union(*(states[i][2] for i in uses))
        return (level, gkey, deps, gsrc(out_src)), desc

    def log10(self, out_state, mode):
        levels: dict = {}
        for g in out_state[2]:
            level, h, bkey, src = self.cuts[g]
            levels.setdefault(level, []).append((h, bkey, src))
        total = []
        for v in levels.values():
            srcs = frozenset().union(*(x[2] for x in v))
            r_level = min(sum(b[3] for _, b, _ in v), sum(self.grank[s] for s in srcs), self.d0)
            total.append(_level_log(tuple(sorted(((h, _intern(b)) for h, b, _ in v))), r_level, self.d0, mode))
        return math.fsum(total)


# ------------------------------------------------------------------------------------------------ blocks
@lru_cache(maxsize=1 << 16)
def _block(kind, params, descs, source_ranks, d0):
    from canopy.nas import cells

    b = SatBuilder(d0, descs, source_ranks)
    x = b.ins
    if kind == "stem":
        (C,) = params
        out = b.affine(b.conv(x[0], C, 3, 1, 1))
    elif kind == "nb201cell":
        ops, C = params
        out = cells._nb201_cell(b, x[0], ops, C, "")
    elif kind == "resblock":
        (planes,) = params
        out = cells._resblock(b, x[0], planes, "")
    elif kind == "nb201head":
        # BN -> ReLU; the GAP and linear classifier after the last cut change no count
        out = b.relu(b.affine(x[0]))
    elif kind == "dartscell":
        edges, C, reduction, reduction_prev = params
        out = cells._darts_cell(b, x[0], x[1], edges, C, reduction, reduction_prev, "")
    else:  # pragma: no cover
        raise ValueError(kind)
    return b.program(out)


def _input_state(shape):
    d0 = _prod(shape)
    return (0, ("input",), frozenset(), frozenset((("input",),))), (tuple(shape), d0, False, None)


_NB201_EDGES = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))


@lru_cache(maxsize=1 << 15)
def nb201_signature(ops) -> tuple:
    """What the calculus sees of an NB201 cell: its cut nodes (relative level, on the cell input?, input
    structure), the output's level, alias and structure -- computed from the effective edges.

    Every tensor of an NB201 cell has the cell input's shape, every cell op reads every position, so all live
    tensors of a cell share the input's rank and sources; the programs :class:`SatBuilder` compiles for a cell
    are therefore functions of this signature and of the input descriptor (tested on the whole space).
    """
    live = [o != "none" for o in ops]
    reach0 = [True, False, False, False]
    for (i, j), ok in zip(_NB201_EDGES, live):
        if ok and reach0[i]:
            reach0[j] = True
    reach3 = [False, False, False, True]
    for (i, j), ok in reversed(tuple(zip(_NB201_EDGES, live))):
        if ok and reach3[j]:
            reach3[i] = True
    if not reach0[3]:
        return ("dead",)
    lam, alias, struct = [0, None, None, None], [0, None, None, None], ["in", None, None, None]
    cuts = {}
    for j in (1, 2, 3):
        terms = []
        for (i, jj), op in zip(_NB201_EDGES, ops):
            if jj != j or op == "none" or not reach0[i] or not reach3[j]:
                continue
            if op in ("nor_conv_1x1", "nor_conv_3x3"):
                cuts.setdefault(alias[i], (lam[i] + 1, alias[i] == 0, struct[i]))
                terms.append((lam[i] + 1, ("n", j), op[-1]))
            elif op == "skip_connect":
                terms.append((lam[i], alias[i], struct[i]))
            else:
                terms.append((lam[i], ("n", j), None))
        if not terms:
            continue
        if len(terms) == 1:
            lam[j], alias[j], struct[j] = terms[0]
        else:
            lam[j], alias[j], struct[j] = max(t[0] for t in terms), ("n", j), None
    return (tuple(sorted(cuts.values(), key=repr)), lam[3], alias[3] == 0, struct[3])


_NB201_MEMO: dict = {}


def nb201_fast(ops, mode, shape, C, N):
    """NB201 score: memoised on :func:`nb201_signature`, computed from cached block programs."""
    key = (nb201_signature(ops), tuple(shape), C, N, mode)
    hit = _NB201_MEMO.get(key)
    if hit is None:
        hit = _NB201_MEMO[key] = _nb201_programs(ops, mode, shape, C, N)
    return hit


def _nb201_programs(ops, mode, shape, C, N):
    asm = _Assembler(_prod(shape))
    x = asm.call("stem", (C,), [_input_state(shape)])
    c = C
    for stage in range(3):
        if stage:
            x = asm.call("resblock", (2 * c,), [x])
            c *= 2
        for _ in range(N):
            x = asm.call("nb201cell", (ops, c), [x])
    x = asm.call("nb201head", (c,), [x])
    if x[1][1] == 0:
        return 0.0
    return asm.log10(x[0], mode)


def darts_programs(normal, reduce, mode, shape, C, layers, stem_multiplier=3):
    """DARTS score from cached :class:`SatBuilder` cell programs (any configuration; the reference of
    :func:`darts_fast`, equal to the general walker's)."""
    asm = _Assembler(_prod(shape))
    s0 = s1 = asm.call("stem", (stem_multiplier * C,), [_input_state(shape)])
    c = C
    reduction_prev = False
    for i in range(layers):
        reduction = i in (layers // 3, 2 * layers // 3)
        if reduction:
            c *= 2
        out = asm.call("dartscell", (reduce if reduction else normal, c, reduction, reduction_prev), [s0, s1])
        s0, s1 = s1, out
        reduction_prev = reduction
    # head: GAP -> flatten -> linear: no cut after the last cell
    if s1[1][1] == 0:
        return 0.0
    return asm.log10(s1[0], mode)


# ----------------------------------------------------------------------------- DARTS: closed-form fast path
# When every tensor of the network has the full effective dimension d0 (checked once per configuration by
# compiling a *universal* network, every op on every edge, with a rank probe), a DARTS cell is seen by the
# calculus only through its op classes and inputs: each cut is (relative level, type), where the type -- one of
# the six below -- fixes its hyperplanes and individual bound at a given cell position.  A genotype is then
# scored from two tiny cell programs (cached per (op classes, inputs)) and per-position tables of exact ints
# and their logs, with the same per-level min(union, product) and the same math.fsum as _Assembler.log10.

_T_P0, _T_P1, _T_PW, _T_NIL, _T_MAXP, _T_MAXN = range(6)
# op classes: 0 none, 1 max pool, 2 avg pool, 3 skip, 4 sep conv (two cuts), 5 dil conv (one cut)
_OP_CLASS = {"none": 0, "max_pool_3x3": 1, "avg_pool_3x3": 2, "skip_connect": 3, "sep_conv_3x3": 4,
             "sep_conv_5x5": 4, "dil_conv_3x3": 5, "dil_conv_5x5": 5}
_UNIVERSAL = tuple((op, i, j) for j in range(2, 6) for i in range(j) for op in _OP_CLASS if op != "none")


class _RankProbe(SatBuilder):
    """:class:`SatBuilder` that records whether a tensor other than a convolution output has a rank other
    than 0 and ``d0`` (convolutions are always followed by a probed op), or an addition mixes shapes."""

    def __init__(self, *args):
        super().__init__(*args)
        self.full = True

    def _probe(self, s):
        if s.rank not in (0, self.d0):
            self.full = False
        return s

    def relu(self, u, name=""):
        return self._probe(super().relu(u))

    def pool(self, u, kind, kernel, stride=None, padding=0, dilation=1, name=""):
        return self._probe(super().pool(u, kind, kernel, stride, padding, dilation))

    def affine(self, u, name="", zero_preserving=True):
        return self._probe(super().affine(u, name, zero_preserving))

    def identity(self, u, shape=None, name=""):
        return self._probe(super().identity(u, shape))

    def linear_map(self, u, shape, name=""):
        return self._probe(super().linear_map(u, shape))

    def add(self, inputs, name=""):
        if len({s.shape for s in inputs}) != 1:
            self.full = False
        return self._probe(super().add(inputs))

    def cat(self, inputs, dim=0, name=""):
        return self._probe(super().cat(inputs, dim))


def _positions(layers):
    out, reduction_prev = [], False
    for k in range(layers):
        reduction = k in (layers // 3, 2 * layers // 3)
        out.append((reduction, reduction_prev))
        reduction_prev = reduction
    return out


class _DartsConfig:
    """Per-configuration tables of the closed-form DARTS path (``None`` from :func:`_darts_config` when the
    network is not saturated, i.e. some tensor could have a rank below ``d0``)."""

    __slots__ = ("d0", "layers", "reductions", "scale", "cell_h", "cell_n", "tensor_h", "tensor_n", "groups")


@lru_cache(maxsize=64)
def _darts_config(shape, C, layers, stem_multiplier):
    from canopy.nas import cells

    d0 = _prod(shape)
    probe = _RankProbe(d0, [(shape, d0, False, None, (0,))], (d0,))
    try:
        s0 = s1 = probe.affine(probe.conv(probe.ins[0], stem_multiplier * C, 3, 1, 1))
        c = C
        for reduction, reduction_prev in _positions(layers):
            if reduction:
                c *= 2
            s0, s1 = s1, cells._darts_cell(probe, s0, s1, _UNIVERSAL, c, reduction, reduction_prev, "")
    except InvalidArchitectureError:
        return None
    if not probe.full:
        return None
    cfg = _DartsConfig()
    cfg.d0, cfg.layers = d0, layers
    cfg.reductions = tuple(r for r, _ in _positions(layers))
    sp = tuple(shape[1:])
    stem_c = stem_multiplier * C
    units = stem_c * _prod(sp)
    tensors = [(units, ("relu", units, (stem_c, shape[0], 1, _windows(sp, 3, 1, 1, 1)), d0))]
    chans, spat = [stem_c], [sp]
    per_cell = []
    c = C
    for k, (reduction, reduction_prev) in enumerate(_positions(layers)):
        if reduction:
            c *= 2
        t0, t1 = max(k - 1, 0), k
        sp_in = spat[t1]
        sp_out = tuple(len(ax) for ax in _windows(sp_in, 3, 2, 1, 1)) if reduction else sp_in
        n_in, n_out = c * _prod(sp_in), c * _prod(sp_out)
        w1_in, w1_out = _windows(sp_in, 1, 1, 0, 1), _windows(sp_out, 1, 1, 0, 1)
        wm_p, wm_n = _windows(sp_in, 3, 2 if reduction else 1, 1, 1), _windows(sp_out, 3, 1, 1, 1)
        per_cell.append((
            (n_in, ("relu", n_in, None if reduction_prev else (c, chans[t0], 1, w1_in), d0)),   # _T_P0
            (n_in, ("relu", n_in, (c, chans[t1], 1, w1_in), d0)),                                # _T_P1
            (n_out, ("relu", n_out, (c, c, 1, w1_out), d0)),                                     # _T_PW
            (n_out, ("relu", n_out, None, d0)),                                                  # _T_NIL
            (maxpool_pair_count(c, wm_p), ("max", c, wm_p, d0)),                                 # _T_MAXP
            (maxpool_pair_count(c, wm_n), ("max", c, wm_n, d0)),                                 # _T_MAXN
        ))
        chans.append(4 * c)
        spat.append(sp_out)
        tensors.append((4 * c * _prod(sp_out), ("relu", 4 * c * _prod(sp_out), None, d0)))

    # every log10 the per-level sums need, as an exact integer multiple of 2**-scale: math.fsum of floats is
    # the correctly rounded exact sum, so float(sum of the integers) * 2**-scale is bit-for-bit the same value
    values = {"generic": ([_b_log(bk) for row in per_cell for _, bk in row] + [_b_log(bk) for _, bk in tensors]),
              "zhang": ([zaslavsky_log10(h, d0) for row in per_cell for h, _ in row]
                        + [zaslavsky_log10(h, d0) for h, _ in tensors])}
    values["serra"] = values["generic"]
    scale = max(x.as_integer_ratio()[1] for v in values.values() for x in v).bit_length() - 1
    if min(x for v in values.values() for x in v) < 0 or scale > 1000:  # pragma: no cover - logs of counts >= 1
        return None
    cfg.scale = 2.0 ** -scale

    def fixed(x):
        p, q = x.as_integer_ratio()
        return p << (scale - (q.bit_length() - 1))

    cfg.cell_h = tuple(tuple(h for h, _ in row) for row in per_cell)
    cfg.tensor_h = tuple(h for h, _ in tensors)
    cfg.cell_n, cfg.tensor_n = {}, {}
    n_cell = 6 * len(per_cell)
    for mode, v in values.items():
        cfg.cell_n[mode] = tuple(tuple(fixed(x) for x in v[6 * k:6 * k + 6]) for k in range(len(per_cell)))
        cfg.tensor_n[mode] = tuple(fixed(x) for x in v[n_cell:])
    # per cell position and mode: (sum H, sum of fixed-point logs) of a tuple of cut types, filled lazily
    cfg.groups = {mode: tuple({} for _ in per_cell) for mode in values}
    return cfg


_CELL_PROGRAMS: dict = {}


_NO = -(1 << 40)  # offset meaning "no dependency on this input": max(A + _NO + k, B + b) = B + b for small k


def _cell_program(edges, reduction, live0, live1):
    """Cuts of one DARTS cell relative to its inputs' levels.

    Returns ``(groups, oa, ob)``: ``groups`` a tuple of ``(a, b, types)`` -- the cuts whose level is
    ``max(level(input 0) + a, level(input 1) + b)`` (a negative offset: no dependency on that input),
    ``types`` a tuple of cut types -- and ``(oa, ob)`` the output's offsets (``None``: no dependency;
    both ``None`` when the output is constant).  The cuts on the cell inputs themselves (the preprocessing
    ReLUs) are implied by ``oa`` / ``ob`` and added by the caller, because cells share them.
    """
    key = (edges, reduction, live0, live1)
    prog = _CELL_PROGRAMS.get(key)
    if prog is not None:
        return prog
    # state: (offset from input 0, offset from input 1, identity for cut de-duplication, ReLU cut type)
    states = [(1, _NO, 0, _T_P0) if live0 else None, (_NO, 1, 1, _T_P1) if live1 else None]
    groups: dict = {}
    seen = set()  # tensors whose ReLU is already cut
    pooled: dict = {}  # tensor -> its max-pooled tensor
    nid = 2
    cls_of = _OP_CLASS
    by_node: tuple = ([], [], [], [])
    for e in edges:
        by_node[e[2] - 2].append(e)
    for in_edges in by_node:
        terms = []
        for op, i, _ in in_edges:
            st = states[i]
            cls = cls_of[op]
            if st is None or cls == 0:
                continue
            if cls == 2:  # average pooling: a linear map
                terms.append((st[0], st[1], nid, _T_NIL))
                nid += 1
                continue
            if cls == 3 and not (reduction and i < 2):  # identity
                terms.append(st)
                continue
            a, b, ident, stype = st
            ab1 = (a + 1, b + 1)
            if cls == 1:  # max pooling cut: one cut, and one output tensor, per input tensor
                out = pooled.get(ident)
                if out is None:
                    groups.setdefault(ab1, []).append(_T_MAXP if i < 2 else _T_MAXN)
                    out = pooled[ident] = (a + 1, b + 1, nid, _T_NIL)
                terms.append(out)
            else:  # ReLU of the state: sep conv, dil conv, FactorizedReduce (skip at stride 2)
                if ident not in seen:
                    seen.add(ident)
                    groups.setdefault(ab1, []).append(stype)
                if cls == 4:  # sep conv: its second ReLU follows a pointwise convolution
                    groups.setdefault((a + 2, b + 2), []).append(_T_PW)
                    terms.append((a + 2, b + 2, nid, _T_PW))
                else:
                    terms.append((a + 1, b + 1, nid, _T_PW if cls == 5 else _T_NIL))
            nid += 1
        if not terms:
            states.append(None)
        elif len(terms) == 1:
            states.append(terms[0])
        else:
            states.append((max([t[0] for t in terms]), max([t[1] for t in terms]), nid, _T_NIL))
            nid += 1
    live = [s for s in states[2:] if s is not None]
    if live:
        oa, ob = max([s[0] for s in live]), max([s[1] for s in live])
        # (the order of types in a group is irrelevant: only their sums are used)
        prog = (tuple([(a, b, tuple(t)) for (a, b), t in groups.items()]), oa if oa > 0 else None,
                ob if ob > 0 else None)
    else:
        prog = ((), None, None)
    if len(_CELL_PROGRAMS) >= 1 << 17:
        _CELL_PROGRAMS.clear()
    _CELL_PROGRAMS[key] = prog
    return prog


def darts_levels(cfg, normal, reduce, mode):
    """Per-level sums of a DARTS network on the closed-form path: ``(hyperplanes, fixed-point log sums, cut
    counts)``, three lists indexed by level (0 where a level has no cut), or ``None`` for a constant network.

    ``hyperplanes[l]`` and ``counts[l]`` equal the walker's per-level hyperplane total and number of cut nodes
    (:attr:`canopy.nas._calculus.CalculusResult.levels`; tested; a level may hold cuts with no hyperplane, a
    max pool of a 1 x 1 map); ``logs[l] * cfg.scale`` is the ``math.fsum`` of the level's individual bounds
    (``log10``; in mode ``"zhang"`` of ``r(H_v, d0)``).
    """
    layers = cfg.layers
    lev = [0]
    live = [True]
    progs = []
    local: dict = {}
    for k, reduction in enumerate(cfg.reductions):
        t0 = k - 1 if k else 0
        pkey = (reduction, live[t0], live[k])
        prog = local.get(pkey)
        if prog is None:
            prog = local[pkey] = _cell_program(reduce if reduction else normal, *pkey)
        progs.append(prog)
        oa, ob = prog[1], prog[2]
        if ob is None:
            if oa is None:
                lev.append(0)
                live.append(False)
                continue
            lev.append(lev[t0] + oa)
        elif oa is None:
            lev.append(lev[k] + ob)
        else:
            lev.append(max(lev[t0] + oa, lev[k] + ob))
        live.append(True)
    if not live[layers]:
        return None
    need = [False] * (layers + 1)
    need[layers] = True
    n_levels = lev[layers] + 2  # no needed cut lies above the output
    hsum = [0] * n_levels
    nsum = [0] * n_levels
    count = [0] * n_levels
    cut_tensors = set()  # stem / cell outputs whose ReLU some needed cell takes (cut once)
    pos_groups = cfg.groups[mode]
    for k in range(layers - 1, -1, -1):  # a cell is needed iff a later needed cell reads it
        if not need[k + 1]:
            continue
        groups, oa, ob = progs[k]
        t0 = k - 1 if k else 0
        if oa is not None:
            need[t0] = True
            cut_tensors.add(t0)
        if ob is not None:
            need[k] = True
            cut_tensors.add(k)
        A, B = lev[t0], lev[k]
        cache = pos_groups[k]
        for a, b, types in groups:
            lv = A + a if A + a >= B + b else B + b
            hn = cache.get(types)
            if hn is None:
                ch, cn = cfg.cell_h[k], cfg.cell_n[mode][k]
                hn = cache[types] = (sum(ch[t] for t in types), sum(cn[t] for t in types), len(types))
            hsum[lv] += hn[0]
            nsum[lv] += hn[1]
            count[lv] += hn[2]
    t_h, t_n = cfg.tensor_h, cfg.tensor_n[mode]
    for t in cut_tensors:
        lv = lev[t] + 1
        hsum[lv] += t_h[t]
        nsum[lv] += t_n[t]
        count[lv] += 1
    return hsum, nsum, count


def _darts_closed(cfg, normal, reduce, mode):
    levels = darts_levels(cfg, normal, reduce, mode)
    if levels is None:
        return 0.0
    hsum, nsum, count = levels
    scale = cfg.scale
    if mode == "zhang":
        return math.fsum([n * scale for n, c in zip(nsum, count) if c])
    d0 = cfg.d0
    total = []
    for h, n, c in zip(hsum, nsum, count):
        if c:
            union = zaslavsky_log10(h, d0)  # r_level = d0: every cut has rank d0 on a saturated network
            prod = n * scale
            total.append(prod if prod < union else union)
    return math.fsum(total)


def darts_fast(normal, reduce, mode, shape, C, layers, stem_multiplier=3):
    """DARTS score, equal to :func:`darts_programs` (and so to the general walker's).

    For a saturated configuration (every tensor keeps the full effective dimension, e.g. CIFAR inputs with the
    DARTS widths) it uses the closed-form cell programs above; otherwise the cached :class:`SatBuilder`
    programs.  Equality of the two is tested on many random genotypes in ``tests/test_cells.py``.
    """
    cfg = _darts_config(tuple(shape), C, layers, stem_multiplier)
    if cfg is not None:
        try:
            return _darts_closed(cfg, normal, reduce, mode)
        except KeyError:  # an unknown op name: the general path raises the documented error
            pass
    return darts_programs(normal, reduce, mode, shape, C, layers, stem_multiplier)
