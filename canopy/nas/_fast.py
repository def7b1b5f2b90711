r"""Fast path of the cell calculus for whole-space scoring (same numbers as :func:`score_graph`).

**Block programs** (:func:`nb201_fast`, :func:`darts_programs`).  The network skeleton of
:mod:`canopy.spaces.skeleton` is run with a builder whose blocks are the cached :class:`~canopy.nas._sat.SatBuilder`
programs of :mod:`canopy.nas._sat`, instantiated by its assembler.  NB201 scores are memoised on
:func:`nb201_signature`.

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
from typing import Any

from canopy.bounds.branches import zaslavsky_log10
from canopy.bounds.pooling import maxpool_pair_count
from canopy.errors import InvalidArchitectureError
from canopy.nas._blocks import GraphDarts
from canopy.nas._sat import (  # noqa: F401  (_block, NotSaturated, SatBuilder: kept importable from here)
    NotSaturated,
    SatBuilder,
    _Assembler,
    _b_log,
    _block,
    _input_state,
    _prod,
    _RankProbe,
    _windows,
)
from canopy.spaces.skeleton import darts_skeleton, darts_widths, nb201_skeleton

__all__ = ["NotSaturated", "SatBuilder", "nb201_fast", "darts_fast", "darts_programs", "darts_levels",
           "darts_score_fast", "darts_score_programs"]

_NB201_EDGES = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))


def nb201_reach(ops) -> tuple[list[bool], list[bool]]:
    """Which nodes of an NB201 cell a live (non-``none``) path joins to the input, and to the output.

    Examples
    --------
    >>> nb201_reach(("nor_conv_3x3", "none", "none", "none", "none", "skip_connect"))
    ([True, True, False, False], [False, False, True, True])
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
    return reach0, reach3


@lru_cache(maxsize=1 << 15)
def nb201_signature(ops) -> tuple:
    """What the calculus sees of an NB201 cell: its cut nodes (relative level, on the cell input?, input
    structure), the output's level, alias and structure -- computed from the effective edges.

    Every tensor of an NB201 cell has the cell input's shape, every cell op reads every position, so all live
    tensors of a cell share the input's rank and sources; the programs :class:`SatBuilder` compiles for a cell
    are therefore functions of this signature and of the input descriptor (tested on the whole space).
    """
    reach0, reach3 = nb201_reach(ops)
    if not reach0[3]:
        return ("dead",)
    lam: list[Any] = [0, None, None, None]
    alias: list[Any] = [0, None, None, None]
    struct: list[Any] = ["in", None, None, None]
    cuts: dict = {}
    for j in (1, 2, 3):
        terms: list[tuple] = []
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


class _AsmNB201:
    """:class:`canopy.spaces.skeleton.NB201Builder` whose blocks are cached block programs."""

    def __init__(self, asm, ops):
        self.asm, self.ops = asm, ops

    def stem(self, x, C):
        return self.asm.call("stem", (C,), [x])

    def resblock(self, x, C_in, C_out, name):
        return self.asm.call("resblock", (C_out,), [x])

    def cell(self, x, C, name):
        return self.asm.call("nb201cell", (self.ops, C), [x])

    def head(self, x, C):
        # BN -> ReLU; the GAP and linear classifier after the last cut change no count
        return self.asm.call("nb201head", (C,), [x])


def _nb201_programs(ops, mode, shape, C, N):
    asm = _Assembler(_prod(shape))
    x = nb201_skeleton(_AsmNB201(asm, ops), _input_state(shape), C, N)
    if x[1][1] == 0:
        return 0.0
    return asm.log10(x[0], mode)


class _AsmDarts:
    """:class:`canopy.spaces.skeleton.DartsBuilder` whose blocks are cached block programs."""

    def __init__(self, asm, normal, reduce):
        self.asm, self.normal, self.reduce = asm, normal, reduce

    def stem(self, x, C):
        return self.asm.call("stem", (C,), [x])

    def cell(self, s0, s1, C, reduction, reduction_prev, index):
        edges = self.reduce if reduction else self.normal
        return self.asm.call("dartscell", (edges, C, reduction, reduction_prev), [s0, s1])

    def head(self, x):
        return x  # GAP -> flatten -> linear: no cut after the last cell


def darts_score_programs(normal, reduce, mode, shape, widths, stem_multiplier=3):
    """DARTS score of the network with per-cell ``widths`` (:func:`canopy.spaces.skeleton.darts_skeleton`)
    from cached :class:`SatBuilder` cell programs (any configuration; the reference of
    :func:`darts_score_fast`, equal to the general walker's)."""
    asm = _Assembler(_prod(shape))
    out = darts_skeleton(_AsmDarts(asm, normal, reduce), _input_state(shape), tuple(widths), stem_multiplier)
    if out[1][1] == 0:
        return 0.0
    return asm.log10(out[0], mode)


def darts_programs(normal, reduce, mode, shape, C, layers, stem_multiplier=3):
    """:func:`darts_score_programs` of the standard ``NetworkCIFAR(C, layers)``."""
    return darts_score_programs(normal, reduce, mode, shape, darts_widths(C, layers), stem_multiplier)


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


class _ProbeDarts(GraphDarts):
    """The DARTS skeleton on a rank probe, without the head (its pooling lowers ranks after the last cut)."""

    def head(self, x):
        return x


class _DartsConfig:
    """Per-configuration tables of the closed-form DARTS path (``None`` from :func:`_darts_config` when the
    network is not saturated, i.e. some tensor could have a rank below ``d0``)."""

    __slots__ = ("d0", "layers", "wiring", "scale", "cell_h", "cell_n", "tensor_h", "tensor_n", "groups")


class _Wiring:
    """:class:`canopy.spaces.skeleton.DartsBuilder` recording the skeleton's wiring: a "tensor" is its index
    (0 the stem output, ``k + 1`` the output of cell ``k``); one ``(t0, t1, C, reduction, reduction_prev)`` per
    cell, ``t0`` / ``t1`` the tensors the cell reads."""

    def __init__(self):
        self.cells = []

    def stem(self, x, C):
        return 0

    def cell(self, s0, s1, C, reduction, reduction_prev, index):
        self.cells.append((s0, s1, C, reduction, reduction_prev))
        return index + 1

    def head(self, x):
        return x


@lru_cache(maxsize=64)
def _darts_config(shape, widths, stem_multiplier):
    d0 = _prod(shape)
    layers = len(widths)
    probe = _RankProbe(d0, [(shape, d0, False, None, (0,))], (d0,))
    try:
        darts_skeleton(_ProbeDarts(probe, _UNIVERSAL, _UNIVERSAL), probe.ins[0], widths, stem_multiplier)
    except InvalidArchitectureError:
        return None
    if not probe.full:
        return None
    cfg = _DartsConfig()
    wiring = _Wiring()
    darts_skeleton(wiring, None, widths, stem_multiplier)
    cfg.d0, cfg.layers, cfg.wiring = d0, layers, tuple(wiring.cells)
    sp = tuple(shape[1:])
    stem_c = stem_multiplier * widths[0]
    units = stem_c * _prod(sp)
    tensors = [(units, ("relu", units, (stem_c, shape[0], 1, _windows(sp, 3, 1, 1, 1)), d0))]
    chans, spat = [stem_c], [sp]
    per_cell = []
    for t0, t1, c, reduction, reduction_prev in cfg.wiring:
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
    for t0, k, _, reduction, _ in cfg.wiring:  # cell k reads tensors t0 and k
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
        t0 = cfg.wiring[k][0]
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


def darts_score_fast(normal, reduce, mode, shape, widths, stem_multiplier=3):
    """DARTS score of the network with per-cell ``widths``, equal to :func:`darts_score_programs` (and so to
    the general walker's).

    For a saturated configuration (every tensor keeps the full effective dimension, e.g. CIFAR inputs with the
    DARTS widths) it uses the closed-form cell programs above; otherwise the cached :class:`SatBuilder`
    programs.  Equality of the two is tested on many random genotypes in ``tests/test_nas_fast.py``.
    """
    widths = tuple(widths)
    cfg = _darts_config(tuple(shape), widths, stem_multiplier)
    if cfg is not None:
        try:
            return _darts_closed(cfg, normal, reduce, mode)
        except KeyError:  # an unknown op name: the general path raises the documented error
            pass
    return darts_score_programs(normal, reduce, mode, shape, widths, stem_multiplier)


def darts_fast(normal, reduce, mode, shape, C, layers, stem_multiplier=3):
    """:func:`darts_score_fast` of the standard ``NetworkCIFAR(C, layers)``."""
    return darts_score_fast(normal, reduce, mode, shape, darts_widths(C, layers), stem_multiplier)
