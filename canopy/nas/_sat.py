r"""The symbolic builder and block assembler of the fast path (same numbers as :func:`score_graph`).

:class:`SatBuilder` implements the op-builder interface of :class:`~canopy.nas._calculus.GraphBuilder`
(:class:`canopy.nas._blocks.OpBuilder`) with the rules of :func:`canopy.nas._calculus.score_graph` applied
directly, on *symbolic* input levels, ranks and sources, so that each block (cell, residual block, stem,
head; built by the same :mod:`canopy.nas._blocks` functions as the general DAG) is compiled once into a
program and cached (:func:`_block`).  :class:`_Assembler` instantiates block programs into global cuts and
sums the level factors.  The network-level wiring comes from :mod:`canopy.spaces.skeleton`
(:mod:`canopy.nas._fast`).  Equality with the general walker is tested in ``tests/test_nas_fast.py``.
"""

from __future__ import annotations

import math
from functools import lru_cache

from canopy.bounds._combinatorics import zaslavsky
from canopy.bounds.branches import zaslavsky_log10
from canopy.bounds.conv import axis_windows, conv_rank_bound, structured_relu_bound
from canopy.bounds.pooling import adaptive_axis_windows, maxpool_bound, maxpool_pair_count
from canopy.errors import InvalidArchitectureError
from canopy.nas import _blocks

__all__ = ["NotSaturated", "SatBuilder"]


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


_EMPTY: frozenset = frozenset()


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
    b = SatBuilder(d0, descs, source_ranks)
    x = b.ins
    if kind == "stem":
        (C,) = params
        out = _blocks.conv_bn(b, x[0], C, "")
    elif kind == "nb201cell":
        ops, C = params
        out = _blocks.nb201_cell(b, x[0], ops, C, "")
    elif kind == "resblock":
        (planes,) = params
        out = _blocks.resblock(b, x[0], planes, "")
    elif kind == "nb201head":
        # BN -> ReLU; the GAP and linear classifier after the last cut change no count
        out = b.relu(b.affine(x[0]))
    elif kind == "dartscell":
        edges, C, reduction, reduction_prev = params
        out = _blocks.darts_cell(b, x[0], x[1], edges, C, reduction, reduction_prev, "")
    else:  # pragma: no cover
        raise ValueError(kind)
    return b.program(out)


def _input_state(shape):
    d0 = _prod(shape)
    return (0, ("input",), frozenset(), frozenset((("input",),))), (tuple(shape), d0, False, None)



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
