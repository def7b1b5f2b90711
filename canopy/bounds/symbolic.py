r"""Symbolic (sympy) forms of the closed-form region bounds, for deriving and comparing bounds.

Every closed-form bound of :mod:`canopy.bounds` has a sympy expression here, in *symbolic* input dimension and
widths: sums of binomials stay unevaluated :class:`sympy.Sum` / :class:`sympy.binomial` objects, effective
dimensions are :class:`sympy.Min`, floors are :class:`sympy.floor`, and a formula that branches (a lower
bound with a precondition) is a :class:`sympy.Piecewise`.  One concept, one source of truth: the integer
functions in :mod:`canopy.bounds` are the definitions, and the tests (``tests/test_bounds_symbolic.py``)
check that every symbolic form, evaluated at integer points, equals the integer implementation *exactly*
(at least 1,000 points per bound in the ``ci`` Hypothesis profile).

========================  =========================================================================
bound (integer function)  symbolic form (:func:`symbolic_bound` name), :math:`r(n, d) = \sum_{j\le d}\binom{n}{j}`
========================  =========================================================================
``generic``               :math:`\prod_{l=1}^{L} r\bigl(n_l, \min(n_0, \dots, n_{l-1})\bigr)`
``zhang``                 :math:`\prod_{l=1}^{L} r(n_l, n_0)`
``serra``                 :math:`\sum_{j_1=0}^{\min(n_0, n_1)} \cdots \sum_{j_L=0}^{\min(n_0, n_1 - j_1, \dots, n_L)}
                          \prod_l \binom{n_l}{j_l}` (nested sums with dependent limits)
``montufar``              :math:`\prod_{l<L} \lfloor n_l/n_0 \rfloor^{n_0} \cdot r(n_L, n_0)`
``serra_lower``           Piecewise: :math:`\prod_{l<L} (\lfloor n_l/n_0 \rfloor + 1)^{n_0} \cdot r(n_L, n_0)` if
                          :math:`n_l \ge 3 n_0` for all :math:`l < L`, else 0
``zaslavsky``             :math:`r(n, d)` (one layer, general position)
``rank_limited``          :math:`r(n, \min(\mathrm{rank}, d))` (normals spanning ``rank`` dimensions)
``branch_product``        :math:`\prod_i N_i` (sum or concat of branches)
``branch_union``          :math:`r(\sum_i n_i, \mathrm{rank})` (one piece cut by all branches' hyperplanes)
``conv_rank``             :math:`\min(\mathrm{rank}, C_{out}\,O, C_{in}\,c)` (effective dimension after a conv;
                          ``O`` output positions, ``c`` covered input positions)
``structured_relu``       :math:`\min` over the tilings of :func:`~canopy.bounds.conv.structured_relu_bound`:
                          products :math:`\prod_B r\bigl(\tfrac{C_{out}}{G}|B|,
                          \min(\tfrac{C_{in}}{G}|RF(B)|, \mathrm{rank}, \tfrac{C_{out}}{G}|B|)\bigr)`,
                          symbolic in the channels and the rank for a concrete spatial geometry
``conv_relu``             ``structured_relu`` for :func:`~canopy.bounds.conv.conv_relu_bound`'s arguments
                          (input size, kernel, stride, padding, dilation, groups; channels and input rank
                          symbolic)
``sep_conv``              :math:`r(C\prod H_a, r_0)\, r(C\prod H'_a, r_1)` (two ReLU levels,
                          :func:`~canopy.bounds.conv.sep_conv_bound`)
``dil_conv``              :math:`r(C\prod H_a, \min(r_0, C\prod H_a))` (:func:`~canopy.bounds.conv.dil_conv_bound`)
``maxpool``               :math:`\min\bigl(r(P, \mathrm{rank}), \prod_w |w|\bigr)` (``P`` comparison pairs)
``max2``                  :math:`r(1, \min(1, \mathrm{rank}))`
========================  =========================================================================

Dense bounds take a concrete depth ``L`` (the number of hidden layers), and either concrete or symbolic
values for each of ``n_0, n_1, ..., n_L``.  For uniform widths (every hidden width ``w``), ``generic``,
``zhang``, ``montufar`` and ``serra_lower`` also accept a *symbolic depth*: the product over layers is then
a :class:`sympy.Product`, so that a limit or growth rate in the depth can be taken.

:func:`evaluate` evaluates any of these expressions exactly at integer values (a small interpreter over
Python integers: iterating a ``Sum`` with symbolic limits through sympy's own ``doit`` is orders of
magnitude slower); the tests check it against sympy's ``doit`` as well.

``sympy`` is imported when this module is imported, never by ``import canopy.bounds``.

Examples
--------
>>> import sympy as sp
>>> from canopy.bounds.symbolic import symbolic_bound, evaluate, dense_symbols
>>> n0, n1, n2 = dense_symbols(2)
>>> expr = symbolic_bound("generic", depth=2)
>>> expr
Sum(binomial(n_1, j_1), (j_1, 0, n_0))*Sum(binomial(n_2, j_2), (j_2, 0, Min(n_0, n_1)))
>>> evaluate(expr, {n0: 3, n1: 5, n2: 5})          # == generic_bound(3, [5, 5])
676

Leading-order growth in the width, for a fixed input dimension (write ``w = 2 + k`` so that sympy can
decide ``Min(2, w) = 2``):

>>> k = sp.Symbol("k", integer=True, nonnegative=True)
>>> w = 2 + k
>>> g = sp.expand(sp.expand_func(symbolic_bound("generic", input_dim=2, widths=[w, w, w]).doit()))
>>> sp.degree(g, k), sp.LC(sp.Poly(g, k))
(6, 1/8)

References
----------
Proofs of the integer bounds: ``proofs/generic.md``, ``proofs/zhang.md``, ``proofs/serra.md``,
``proofs/montufar.md``, ``proofs/conv.md``, ``proofs/pooling.md``, ``proofs/branches.md``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any

import sympy as sp

from canopy.errors import InvalidArgumentError, UnknownModeError

__all__ = [
    "SYMBOLIC_BOUNDS",
    "available_symbolic_bounds",
    "dense_symbols",
    "evaluate",
    "r",
    "symbolic_bound",
]

_Expr = Any  # a sympy expression (sympy has no precise public typing)


def _index(name: str, k: int) -> sp.Symbol:
    return sp.Symbol(f"{name}_{k}", integer=True, nonnegative=True)


def dense_symbols(depth: int) -> tuple[sp.Symbol, ...]:
    r"""The symbols :math:`n_0, n_1, \dots, n_L` that dense symbolic bounds use by default.

    They are declared ``integer=True, positive=True`` (input dimension and widths are at least 1).

    Parameters
    ----------
    depth : int
        Number of hidden layers ``L >= 0``.

    Returns
    -------
    tuple of sympy.Symbol
        ``(n_0, n_1, ..., n_L)``.

    Examples
    --------
    >>> dense_symbols(2)
    (n_0, n_1, n_2)
    """
    depth = _check_depth(depth)
    return tuple(sp.Symbol(f"n_{k}", integer=True, positive=True) for k in range(depth + 1))


def r(n: _Expr, d: _Expr, j: sp.Symbol | None = None) -> _Expr:
    r"""Zaslavsky's count :math:`r(n, d) = \sum_{j=0}^{d} \binom{n}{j}` as an unevaluated sympy ``Sum``.

    Parameters
    ----------
    n, d : int or sympy expression
        Number of hyperplanes and dimension.
    j : sympy.Symbol, optional
        The summation index (default ``j``).

    Returns
    -------
    sympy.Sum

    Examples
    --------
    >>> r(4, 2).doit()
    11
    >>> import sympy as sp
    >>> n = sp.Symbol("n", integer=True, nonnegative=True)
    >>> sp.expand(sp.expand_func(r(n, 2).doit()))
    n**2/2 + n/2 + 1
    """
    j = j if j is not None else sp.Symbol("j", integer=True, nonnegative=True)
    return sp.Sum(sp.binomial(n, j), (j, 0, d))


# ---------------------------------------------------------------------------------------------------------
# argument handling


def _check_depth(depth: object) -> int:
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 0:
        raise InvalidArgumentError(f"depth must be a non-negative int (the number of hidden layers), got {depth!r}")
    return depth


def _as_expr(v: object, name: str) -> _Expr:
    """An int, a sympy Integer/expression; floats (and float-valued sympy numbers) are refused."""
    if isinstance(v, bool):
        raise InvalidArgumentError(f"{name} must be an integer or a sympy expression, got {v!r}")
    if isinstance(v, int):
        if v < 0:
            raise InvalidArgumentError(f"{name} must be non-negative, got {v}")
        return sp.Integer(v)
    if isinstance(v, float) or isinstance(v, sp.Float):
        raise InvalidArgumentError(f"{name} must be exact (an int or a sympy expression), got the float {v!r}")
    if isinstance(v, sp.Basic):
        if v.has(sp.Float):
            raise InvalidArgumentError(f"{name} contains a float: {v}; use exact numbers (sympy.Rational)")
        return v
    if hasattr(v, "__index__"):
        return _as_expr(int(v.__index__()), name)  # type: ignore[attr-defined]
    raise InvalidArgumentError(f"{name} must be an integer or a sympy expression, got {type(v).__name__}")


def _dense_args(input_dim: object, widths: object, depth: object) -> tuple[_Expr, list[_Expr] | None, _Expr | None]:
    """Normalise ``(input_dim, widths, depth)``.

    Returns ``(n0, widths, None)`` for an explicit list of widths, or ``(n0, None, (w, L))``-style uniform
    data packed as ``(n0, None, (w, L))`` when ``widths`` is one expression and ``depth`` may be symbolic.
    """
    if widths is None:
        if depth is None:
            raise InvalidArgumentError("give the widths or the depth (the number of hidden layers)")
        L = _check_depth(depth)
        syms = dense_symbols(L)
        n0 = syms[0] if input_dim is None else _as_expr(input_dim, "input_dim")
        return n0, list(syms[1:]), None
    n0 = dense_symbols(0)[0] if input_dim is None else _as_expr(input_dim, "input_dim")
    if isinstance(widths, (str, bytes)):
        raise InvalidArgumentError(f"widths must be a sequence or one expression, got {widths!r}")
    if isinstance(widths, Sequence):
        if depth is not None and depth != len(widths):
            raise InvalidArgumentError(f"depth={depth!r} but {len(widths)} widths were given")
        return n0, [_as_expr(w, f"widths[{i}]") for i, w in enumerate(widths)], None
    # one expression: uniform widths
    w = _as_expr(widths, "widths")
    if depth is None:
        raise InvalidArgumentError("uniform widths (one expression) need the depth (an int or a sympy expression)")
    L = _as_expr(depth, "depth") if not isinstance(depth, int) else sp.Integer(_check_depth(depth))
    return n0, None, (w, L)


# ---------------------------------------------------------------------------------------------------------
# dense bounds


def _j(k: int) -> sp.Symbol:
    return _index("j", k)


def _generic(n0: _Expr, ws: list[_Expr]) -> _Expr:
    out: _Expr = sp.Integer(1)
    prev: list[_Expr] = [n0]
    for k, n in enumerate(ws, start=1):
        out = out * r(n, sp.Min(*prev), _j(k))
        prev.append(n)
    return out


def _zhang(n0: _Expr, ws: list[_Expr]) -> _Expr:
    out: _Expr = sp.Integer(1)
    for k, n in enumerate(ws, start=1):
        out = out * r(n, n0, _j(k))
    return out


def _serra(n0: _Expr, ws: list[_Expr]) -> _Expr:
    if not ws:
        return sp.Integer(1)
    js = [_j(k) for k in range(1, len(ws) + 1)]
    body: _Expr = sp.Integer(1)
    for n, j in zip(ws, js):
        body = body * sp.binomial(n, j)
    limits = []
    for k, (n, j) in enumerate(zip(ws, js)):
        caps = [n0] + [ws[i] - js[i] for i in range(k)] + [n]
        limits.append((j, 0, sp.Min(*caps)))
    for lim in reversed(limits):
        body = sp.Sum(body, lim)
    return body


def _montufar(n0: _Expr, ws: list[_Expr]) -> _Expr:
    if not ws:
        return sp.Integer(1)
    out = r(ws[-1], n0, _j(len(ws)))
    for n in ws[:-1]:
        out = out * sp.floor(n / n0) ** n0
    return out


def _serra_lower(n0: _Expr, ws: list[_Expr]) -> _Expr:
    if not ws:
        return sp.Integer(1)
    out = r(ws[-1], n0, _j(len(ws)))
    for n in ws[:-1]:
        out = out * (sp.floor(n / n0) + 1) ** n0
    cond = sp.And(*[sp.Ge(n, 3 * n0) for n in ws[:-1]]) if len(ws) > 1 else sp.true
    return sp.Piecewise((out, cond), (0, True))


def _uniform(name: str, n0: _Expr, w: _Expr, L: _Expr) -> _Expr:
    layer = sp.Symbol("l", integer=True, positive=True)
    j = _j(1)
    if name == "zhang":
        return sp.Product(r(w, n0, j), (layer, 1, L))
    if name == "generic":
        # d_1 = n_0, d_l = min(n_0, w) for l >= 2
        return sp.Piecewise((sp.Integer(1), sp.Eq(L, 0)),
                            (r(w, n0, j) * sp.Product(r(w, sp.Min(n0, w), j), (layer, 2, L)), True))
    last = r(w, n0, j)
    if name == "montufar":
        return sp.Piecewise((sp.Integer(1), sp.Eq(L, 0)),
                            (sp.Product(sp.floor(w / n0) ** n0, (layer, 1, L - 1)) * last, True))
    if name == "serra_lower":
        body = sp.Product((sp.floor(w / n0) + 1) ** n0, (layer, 1, L - 1)) * last
        return sp.Piecewise((sp.Integer(1), sp.Eq(L, 0)), (body, sp.Or(sp.Eq(L, 1), sp.Ge(w, 3 * n0))),
                            (0, True))
    raise InvalidArgumentError(f"bound {name!r} has no uniform-width form with a symbolic depth; pass a list of widths")


def _dense(name: str, fn: Callable[[_Expr, list[_Expr]], _Expr]) -> Callable[..., _Expr]:
    def build(input_dim: object = None, widths: object = None, depth: object = None) -> _Expr:
        n0, ws, uniform = _dense_args(input_dim, widths, depth)
        if uniform is not None:
            return _uniform(name, n0, *uniform)
        assert ws is not None
        return fn(n0, ws)

    build.__name__ = f"symbolic_{name}"
    build.__doc__ = f"Symbolic form of the ``{name}`` dense bound (see :func:`symbolic_bound`)."
    return build


# ---------------------------------------------------------------------------------------------------------
# structured rules


def _zaslavsky(n: object = None, d: object = None) -> _Expr:
    n_ = sp.Symbol("n", integer=True, nonnegative=True) if n is None else _as_expr(n, "n")
    d_ = sp.Symbol("d", integer=True, nonnegative=True) if d is None else _as_expr(d, "d")
    return r(n_, d_)


def _rank_limited(n: object = None, rank: object = None, d: object = None) -> _Expr:
    n_ = sp.Symbol("n", integer=True, nonnegative=True) if n is None else _as_expr(n, "n")
    rk = sp.Symbol("rank", integer=True, nonnegative=True) if rank is None else _as_expr(rank, "rank")
    eff = rk if d is None else sp.Min(rk, _as_expr(d, "d"))
    return r(n_, eff)


def _branch_product(counts: object = 2) -> _Expr:
    if isinstance(counts, int) and not isinstance(counts, bool):
        counts = [_index("N", i + 1) for i in range(counts)]
    if not isinstance(counts, Sequence):
        raise InvalidArgumentError(f"counts must be a number of branches or a sequence, got {counts!r}")
    return sp.Mul(*[_as_expr(c, f"counts[{i}]") for i, c in enumerate(counts)])


def _branch_union(hyperplanes: object = 2, rank: object = None) -> _Expr:
    if isinstance(hyperplanes, int) and not isinstance(hyperplanes, bool):
        hyperplanes = [_index("h", i + 1) for i in range(hyperplanes)]
    if not isinstance(hyperplanes, Sequence):
        raise InvalidArgumentError(f"hyperplanes must be a number of branches or a sequence, got {hyperplanes!r}")
    rk = sp.Symbol("rank", integer=True, nonnegative=True) if rank is None else _as_expr(rank, "rank")
    return r(sp.Add(*[_as_expr(h, f"hyperplanes[{i}]") for i, h in enumerate(hyperplanes)]), rk)


def _channel_syms(in_channels: object, out_channels: object, rank: object) -> tuple[_Expr, _Expr, _Expr]:
    cin = sp.Symbol("C_in", integer=True, positive=True) if in_channels is None else _as_expr(in_channels, "in_channels")
    cout = (sp.Symbol("C_out", integer=True, positive=True) if out_channels is None
            else _as_expr(out_channels, "out_channels"))
    rk = sp.Symbol("rank", integer=True, nonnegative=True) if rank is None else _as_expr(rank, "rank")
    return cin, cout, rk


def _windows(windows: object) -> tuple[tuple[tuple[int, ...], ...], ...]:
    if not isinstance(windows, Sequence) or isinstance(windows, (str, bytes)):
        raise InvalidArgumentError("windows must be a sequence (one per spatial axis) of per-output coordinate tuples")
    return tuple(tuple(tuple(int(q) for q in w) for w in ax) for ax in windows)


def _conv_rank(in_channels: object = None, out_channels: object = None, windows: object = None,
               input_rank: object = None) -> _Expr:
    cin, cout, rk = _channel_syms(in_channels, out_channels, input_rank)
    if windows is None:
        outs: _Expr = sp.Symbol("O", integer=True, positive=True)
        covered: _Expr = sp.Symbol("c", integer=True, positive=True)
    else:
        outs, covered = sp.Integer(1), sp.Integer(1)
        for ax in _windows(windows):
            outs *= len(ax)
            covered *= len({q for w in ax for q in w})
    return sp.Min(rk, cout * outs, cin * covered)


def _tile_sizes(windows: tuple[tuple[tuple[int, ...], ...], ...]) -> list[int]:
    longest = max((len(ax) for ax in windows), default=1)
    sizes, t = [], 1
    while t < longest:
        sizes.append(t)
        t *= 2
    sizes.append(longest)
    return sizes


def _structured_relu(out_channels: object = None, in_channels: object = None, windows: object = None,
                     rank: object = None, groups: object = 1) -> _Expr:
    """Symbolic form of :func:`canopy.bounds.conv.structured_relu_bound` (channels/rank symbolic)."""
    if windows is None:
        raise InvalidArgumentError("structured_relu needs the concrete spatial geometry: windows=[axis_windows(...), ...]")
    win = _windows(windows)
    cin, cout, rk = _channel_syms(in_channels, out_channels, rank)
    g = _as_expr(groups, "groups")
    cin_g, cout_g = cin / g, cout / g
    outs, covered = 1, 1
    for ax in win:
        outs *= len(ax)
        covered *= len({q for w in ax for q in w})
    units = cout * outs
    candidates = [r(units, sp.Min(rk, cin * covered, units))]
    for t in _tile_sizes(win):
        blocks: Counter = Counter({(1, 1): 1})
        for ax in win:
            tiles: Counter = Counter()
            for start in range(0, len(ax), t):
                chunk = ax[start: start + t]
                tiles[(len(chunk), len({q for w in chunk for q in w}))] += 1
            nxt: Counter = Counter()
            for (n_b, rf_b), cnt in blocks.items():
                for (ln, rf), c2 in tiles.items():
                    nxt[(n_b * ln, rf_b * rf)] += cnt * c2
            blocks = nxt
        prod: _Expr = sp.Integer(1)
        for (npos, rf), cnt in sorted(blocks.items()):
            n_b = cout_g * npos
            prod = prod * r(n_b, sp.Min(cin_g * rf, rk, n_b)) ** (cnt * g)
        candidates.append(prod)
    return sp.Min(*candidates, evaluate=False) if len(candidates) > 1 else candidates[0]


def _per_axis(v: object, nd: int, name: str) -> tuple[int, ...]:
    vs = (v,) * nd if isinstance(v, int) else tuple(v)  # type: ignore[arg-type]
    if len(vs) != nd:
        raise InvalidArgumentError(f"{name} has {len(vs)} entries for {nd} spatial axes")
    return vs


def _conv_relu(in_channels: object = None, out_channels: object = None, in_size: object = None,
               kernel: object = None, stride: object = 1, padding: object = 0, dilation: object = 1,
               groups: object = 1, *, input_rank: object = None) -> _Expr:
    """Symbolic form of :func:`canopy.bounds.conv.conv_relu_bound` (channels and input rank symbolic)."""
    from canopy.bounds.conv import axis_windows

    if in_size is None or kernel is None:
        raise InvalidArgumentError("conv_relu needs the concrete spatial geometry: in_size=(H, W), kernel=k")
    size = tuple(int(v) for v in in_size)  # type: ignore[attr-defined]
    nd = len(size)
    ks, ss, ps, ds = (_per_axis(v, nd, nm) for v, nm in ((kernel, "kernel"), (stride, "stride"),
                                                          (padding, "padding"), (dilation, "dilation")))
    windows = [axis_windows(n, k, st, pd, dl) for n, k, st, pd, dl in zip(size, ks, ss, ps, ds)]
    cin, cout, rk = _channel_syms(in_channels, out_channels, input_rank)
    full = cin * sp.Mul(*size)
    rank = full if input_rank is None else sp.Min(rk, full)
    return _structured_relu(cout, cin, windows, rank, groups)


def _dw_pw(C: _Expr, size: tuple[int, ...], kernel: int, stride: int, padding: int, dilation: int,
           rank: _Expr) -> tuple[_Expr, _Expr, tuple[int, ...]]:
    from canopy.bounds.conv import axis_windows

    units = C * sp.Mul(*size)
    first = r(units, sp.Min(rank, units))
    windows = [axis_windows(n, kernel, stride, padding, dilation) for n in size]
    r_dw = _conv_rank(C, C, windows, sp.Min(rank, units))
    return first, r_dw, tuple(len(ax) for ax in windows)


def _sep_dil_args(C: object, size: object, input_rank: object) -> tuple[_Expr, tuple[int, ...], _Expr]:
    if size is None:
        raise InvalidArgumentError("sep_conv / dil_conv need the concrete spatial size: size=(H, W)")
    c = sp.Symbol("C", integer=True, positive=True) if C is None else _as_expr(C, "C")
    sz = tuple(int(v) for v in size)  # type: ignore[attr-defined]
    full = c * sp.Mul(*sz)
    r0 = full if input_rank is None else sp.Min(full, _as_expr(input_rank, "input_rank"))
    return c, sz, r0


def _sep_conv(C: object = None, size: object = None, kernel: int = 3, stride: int = 1, *,
              input_rank: object = None) -> _Expr:
    """Symbolic form of :func:`canopy.bounds.conv.sep_conv_bound` (channels and input rank symbolic)."""
    c, sz, r0 = _sep_dil_args(C, size, input_rank)
    b1, r1, size1 = _dw_pw(c, sz, kernel, stride, (kernel - 1) // 2, 1, r0)
    b2, _, _ = _dw_pw(c, size1, kernel, 1, (kernel - 1) // 2, 1, r1)
    return b1 * b2


def _dil_conv(C: object = None, size: object = None, kernel: int = 3, stride: int = 1, *,
              input_rank: object = None) -> _Expr:
    """Symbolic form of :func:`canopy.bounds.conv.dil_conv_bound` (channels and input rank symbolic)."""
    c, sz, r0 = _sep_dil_args(C, size, input_rank)
    return _dw_pw(c, sz, kernel, stride, kernel - 1, 2, r0)[0]


def _maxpool(channels: object = None, windows: object = None, rank: object = None) -> _Expr:
    if windows is None:
        raise InvalidArgumentError("maxpool needs the concrete pooling windows: windows=[axis_windows(...), ...]")
    win = _windows(windows)
    from canopy.bounds.pooling import _ordered_pairs

    c = sp.Symbol("C", integer=True, positive=True) if channels is None else _as_expr(channels, "channels")
    rk = sp.Symbol("rank", integer=True, nonnegative=True) if rank is None else _as_expr(rank, "rank")
    prod_o, prod_c = 1, 1
    for ax in win:
        o, cov = _ordered_pairs(ax)
        prod_o *= o
        prod_c *= cov
    pairs = c * sp.Integer(prod_o - prod_c) / 2
    outs = [len(ax) for ax in win]
    window_prod: _Expr = sp.Integer(1)
    for a, ax in enumerate(win):
        others = 1
        for b, n in enumerate(outs):
            if b != a:
                others *= n
        for size, cnt in sorted(Counter(len(w) for w in ax).items()):
            window_prod = window_prod * sp.Integer(size) ** (c * cnt * others)
    return sp.Min(r(pairs, rk), window_prod, evaluate=False)


def _max2(rank: object = None) -> _Expr:
    rk = sp.Symbol("rank", integer=True, nonnegative=True) if rank is None else _as_expr(rank, "rank")
    return r(1, sp.Min(1, rk))


#: name -> builder of the symbolic form (keyword arguments as in the integer function)
SYMBOLIC_BOUNDS: dict[str, Callable[..., _Expr]] = {
    "generic": _dense("generic", _generic),
    "zhang": _dense("zhang", _zhang),
    "serra": _dense("serra", _serra),
    "montufar": _dense("montufar", _montufar),
    "serra_lower": _dense("serra_lower", _serra_lower),
    "zaslavsky": _zaslavsky,
    "rank_limited": _rank_limited,
    "branch_product": _branch_product,
    "branch_union": _branch_union,
    "conv_rank": _conv_rank,
    "structured_relu": _structured_relu,
    "conv_relu": _conv_relu,
    "sep_conv": _sep_conv,
    "dil_conv": _dil_conv,
    "maxpool": _maxpool,
    "max2": _max2,
}


def available_symbolic_bounds() -> tuple[str, ...]:
    """Names accepted by :func:`symbolic_bound`.

    Examples
    --------
    >>> available_symbolic_bounds()[:5]
    ('generic', 'zhang', 'serra', 'montufar', 'serra_lower')
    """
    return tuple(SYMBOLIC_BOUNDS)


def symbolic_bound(name: str, *args: Any, **kwargs: Any) -> _Expr:
    r"""The symbolic form of bound ``name`` as a sympy expression.

    Parameters
    ----------
    name : str
        One of :func:`available_symbolic_bounds` (the table in the module docstring).
    *args, **kwargs
        For the dense bounds: ``input_dim=None`` (default: the symbol :math:`n_0`), ``widths=None`` (a
        sequence of ints or expressions; or one expression meaning "every hidden width", with ``depth``), and
        ``depth`` (the number of hidden layers: an int, or for uniform widths also a sympy expression).
        ``widths=None`` with ``depth=L`` uses the symbols :math:`n_1, \dots, n_L`.  For the structured rules,
        the same arguments as the integer function, each optional where a symbol can stand in for it.

    Returns
    -------
    sympy.Expr
        Unevaluated sums and products (call ``.doit()`` to expand where the limits are concrete).

    Raises
    ------
    canopy.errors.UnknownModeError
        For an unknown name (the message lists the known ones).
    TypeError
        For a float anywhere (the forms are exact).

    Examples
    --------
    >>> import sympy as sp
    >>> symbolic_bound("zhang", depth=1)
    Sum(binomial(n_1, j_1), (j_1, 0, n_0))
    >>> evaluate(symbolic_bound("serra", input_dim=1, widths=[3, 3]))   # nested sums: use evaluate()
    16
    >>> L = sp.Symbol("L", integer=True, positive=True)
    >>> symbolic_bound("zhang", input_dim=2, widths=5, depth=L).doit()
    16**L
    >>> symbolic_bound("generic", widths=[0.5])
    Traceback (most recent call last):
    ...
    canopy.errors.InvalidArgumentError: widths[0] must be exact (an int or a sympy expression), got the float 0.5
    """
    try:
        builder = SYMBOLIC_BOUNDS[name]
    except (KeyError, TypeError):
        raise UnknownModeError(
            f"no symbolic form for {name!r}; symbolic forms exist for: {', '.join(SYMBOLIC_BOUNDS)}"
        ) from None
    return builder(*args, **kwargs)


# ---------------------------------------------------------------------------------------------------------
# exact evaluation


def evaluate(expr: _Expr, values: Mapping[Any, int] | None = None) -> int | Fraction:
    r"""Evaluate a symbolic bound exactly at integer values of its symbols.

    A small interpreter over Python integers and ``Fraction`` for the constructs the symbolic bounds use
    (``Add``, ``Mul``, ``Pow``, ``binomial``, ``Min``, ``Max``, ``floor``, ``Sum``, ``Product``,
    ``Piecewise`` with relational conditions).  It agrees with ``expr.subs(values).doit()`` (a tested
    property) and is much faster for nested sums with dependent limits.

    Parameters
    ----------
    expr : sympy.Expr
        An expression built from the constructs above.
    values : mapping, optional
        Symbol (or symbol name) -> int.

    Returns
    -------
    int or Fraction
        ``int`` when the value is integral.

    Raises
    ------
    ValueError
        A free symbol has no value, or a construct is not supported.

    Examples
    --------
    >>> n0, n1 = dense_symbols(1)
    >>> evaluate(symbolic_bound("generic", depth=1), {"n_0": 2, "n_1": 4})
    11
    """
    env: dict[str, Fraction] = {}
    for k, v in (values or {}).items():
        key = k.name if isinstance(k, sp.Symbol) else str(k)
        if isinstance(v, bool) or not isinstance(v, (int, Fraction)) and not isinstance(v, sp.Integer):
            raise InvalidArgumentError(f"value of {key} must be an int, got {v!r}")
        env[key] = Fraction(int(v)) if not isinstance(v, Fraction) else v
    out = _ev(sp.sympify(expr), env)
    return int(out) if out.denominator == 1 else out


def _binom(n: Fraction, k: Fraction) -> Fraction:
    # sympy's binomial for an integer n >= 0 and integer k: 0 outside 0..n; for negative n, the
    # generalized binomial n(n-1)...(n-k+1)/k!
    if k.denominator != 1 or n.denominator != 1:
        raise InvalidArgumentError(f"binomial({n}, {k}) needs integer arguments")
    ni, ki = int(n), int(k)
    if ki < 0:
        return Fraction(0)
    if ni >= 0:
        from math import comb

        return Fraction(comb(ni, ki)) if ki <= ni else Fraction(0)
    num = Fraction(1)
    for i in range(ki):
        num *= ni - i
    from math import factorial

    return num / factorial(ki)


def _ev(e: Any, env: dict[str, Fraction]) -> Any:
    if e is sp.true:
        return True
    if e is sp.false:
        return False
    if isinstance(e, sp.Integer):
        return Fraction(int(e))
    if isinstance(e, sp.Rational):
        return Fraction(int(e.p), int(e.q))
    if isinstance(e, sp.Symbol):
        if e.name not in env:
            raise InvalidArgumentError(f"no value for the symbol {e.name}")
        return env[e.name]
    if isinstance(e, sp.Add):
        return sum((_ev(a, env) for a in e.args), Fraction(0))
    if isinstance(e, sp.Mul):
        out = Fraction(1)
        for a in e.args:
            out *= _ev(a, env)
        return out
    if isinstance(e, sp.Pow):
        base, ex = _ev(e.args[0], env), _ev(e.args[1], env)
        if ex.denominator != 1:
            raise InvalidArgumentError(f"non-integer exponent in {e}")
        return base ** int(ex)
    if isinstance(e, sp.binomial):
        return _binom(_ev(e.args[0], env), _ev(e.args[1], env))
    if isinstance(e, sp.Min):
        return min(_ev(a, env) for a in e.args)
    if isinstance(e, sp.Max):
        return max(_ev(a, env) for a in e.args)
    if isinstance(e, sp.floor):
        v = _ev(e.args[0], env)
        return Fraction(v.numerator // v.denominator)
    if isinstance(e, (sp.Sum, sp.Product)):
        is_sum = isinstance(e, sp.Sum)
        body, limits = e.args[0], e.args[1:]
        return _iterate(body, list(limits), env, is_sum)
    if isinstance(e, sp.Piecewise):
        for val, cond in e.args:
            if _ev(cond, env):
                return _ev(val, env)
        raise InvalidArgumentError(f"no branch of {e} applies")
    if isinstance(e, sp.And):
        return all(_ev(a, env) for a in e.args)
    if isinstance(e, sp.Or):
        return any(_ev(a, env) for a in e.args)
    if isinstance(e, sp.Not):
        return not _ev(e.args[0], env)
    if isinstance(e, sp.core.relational.Relational):
        a, b = _ev(e.lhs, env), _ev(e.rhs, env)
        ops = {"==": a == b, "!=": a != b, ">=": a >= b, "<=": a <= b, ">": a > b, "<": a < b}
        return ops[e.rel_op]
    raise InvalidArgumentError(f"cannot evaluate {type(e).__name__} ({e}) exactly")


def _iterate(body: Any, limits: list[Any], env: dict[str, Fraction], is_sum: bool) -> Fraction:
    # sympy applies the first limit innermost: Sum(f, (i, ..), (j, ..)) = sum_j sum_i f
    var, lo, hi = limits[-1]
    rest = limits[:-1]
    lo_v, hi_v = _ev(lo, env), _ev(hi, env)
    if lo_v.denominator != 1 or hi_v.denominator != 1:
        raise InvalidArgumentError(f"non-integer limits in a sum or product over {var}")
    acc = Fraction(0) if is_sum else Fraction(1)
    saved = env.get(var.name)
    try:
        # sympy's (Karr) convention for an empty range: the sum is 0 and the product 1 only when hi = lo - 1;
        # the bounds here never produce hi < lo - 1 at valid integer points
        if hi_v < lo_v - 1:
            raise InvalidArgumentError(f"sum or product over {var} from {lo_v} to {hi_v}: reversed limits")
        for k in range(int(lo_v), int(hi_v) + 1):
            env[var.name] = Fraction(k)
            v = _iterate(body, rest, env, is_sum) if rest else _ev(body, env)
            acc = acc + v if is_sum else acc * v
    finally:
        if saved is None:
            env.pop(var.name, None)
        else:
            env[var.name] = saved
    return acc
