"""Exact polyhedra kept in both representations (double description, standard library only).

A polyhedron ``P = {x in Q^n : A x <= b}`` is stored as its *homogenization*, the closed cone

.. math:: C(P) = \\overline{\\{(s x, s) : x \\in P, s > 0\\}} = \\{(x, t) : b t - A x \\ge 0,\\ t \\ge 0\\}

in ``Q^{n+1}``. Everything is an integer vector: an inequality is a primitive integer vector ``a`` meaning
``a . (x, t) >= 0``; a generator is a primitive integer vector ``g = (x, t)`` with ``t > 0`` (the vertex
``x / t``) or ``t = 0`` (the ray ``x``); a *line* is a generator of the lineality space (both ``l`` and
``-l`` lie in the cone). Incidences are Python ints used as bitsets: bit ``i`` of ``incs[j]`` is set iff
inequality ``i`` is tight at generator ``j``. The inequality ``t >= 0`` (the *face at infinity*) is kept like
any other one, so unbounded polyhedra need no special case.

One step of the double-description method (Motzkin et al. 1953; Fukuda & Prodon 1996) intersects the cone
with a half-space ``h . (x, t) >= 0``. New generators are made on the edges that join a generator with
``h > 0`` to one with ``h < 0``; two generators are adjacent iff no third generator is tight on every
inequality tight at both (the *combinatorial test*, exact because it only compares bitsets). The facets of
each side are read off without any rank computation: an old facet stays a facet of the side ``h >= 0`` iff
some generator with ``h > 0`` is tight on it, and the new hyperplane is a facet of both sides whenever it
cuts the interior. Every decision is a sign of an exact integer, so the representation is certified.

Examples
--------
>>> from fractions import Fraction
>>> square = Polyhedron.from_inequalities([[1, 0], [-1, 0], [0, 1], [0, -1]], [1, 1, 1, 1])
>>> sorted(square.vertices())
[(-1, -1), (-1, 1), (1, -1), (1, 1)]
>>> tri = square.intersect([1, 1], 0)        # keep x + y <= 0
>>> tri.vertices()
[(-1, -1), (-1, 1), (1, -1)]
>>> tri.facets()
[((-1, 0), 1), ((0, -1), 1), ((1, 1), 0)]
>>> tri.interior_point()
(Fraction(-1, 3), Fraction(-1, 3))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from math import gcd, lcm
from operator import mul
from typing import Any

from tropical.errors import DimensionMismatchError, InexactInputError, TropicalError

__all__ = ["Polyhedron", "EmptyPolyhedronError", "primitive", "dd_step"]


class EmptyPolyhedronError(TropicalError, ValueError):
    """The requested polyhedron is empty or not full-dimensional."""


Vec = tuple[int, ...]


def primitive(v: Sequence[int]) -> Vec:
    """Divide an integer vector by the gcd of its entries (the zero vector is returned unchanged).

    Examples
    --------
    >>> primitive([4, -6, 0])
    (2, -3, 0)
    """
    g = gcd(*v)
    if g > 1:
        return tuple(a // g for a in v)
    return tuple(v)


def _line_comb(g: Vec, v: int, ln: Vec, al: int, s: int, ncoord: int, tail: int) -> Vec:
    """``al * g - s * v * ln`` (zero value of h), keeping coordinates and the last ``tail`` entries."""
    if tail < 0:
        return primitive([al * a - s * v * b for a, b in zip(g, ln)])
    e = [al * a - s * v * b for a, b in zip(g[:ncoord], ln)]
    if tail:
        e += [al * a - s * v * b for a, b in zip(g[-tail:], ln[-tail:])]
    d = gcd(*e[:ncoord])
    return tuple(a // d for a in e) if d > 1 else tuple(e)


def dd_step(
    gens: list[Vec],
    incs: list[int],
    lines: list[Vec],
    vals: list[int],
    lvals: list[int],
    active: int,
    bit: int,
    pdim: int,
    want_minus: bool = True,
    ncoord: int = 0,
    tail: int = -1,
    finish: Callable[[list[int]], Vec] | None = None,
) -> tuple[Any, Any]:
    """Intersect a cone with the half-spaces ``h >= 0`` and ``h <= 0`` (one double-description step).

    Parameters
    ----------
    gens, incs, lines
        Generators (rays and vertices, primitive integer tuples whose first ``n + 1`` entries are the
        homogenized coordinates; further entries are carried along linearly, e.g. the values of affine
        functions at the generator), their incidence bitsets, and a basis of the lineality space.
    vals, lvals
        The exact integer values of ``h`` at ``gens`` and at ``lines``.
    active
        Bitset of the irredundant facets among the inequalities.
    bit
        ``1 << i`` where ``i`` is the index the new inequality (``h >= 0`` on the plus side,
        ``-h >= 0`` on the minus side) gets; every earlier inequality has a smaller index.
    pdim
        Dimension of the cone modulo its lineality space.
    want_minus
        Build the minus side too (``False`` when only ``h >= 0`` is wanted).
    ncoord, tail
        When ``tail >= 0``, new generators keep only their first ``ncoord`` entries (the homogenized
        coordinates, over which they are made primitive) and their last ``tail`` entries (the carried values
        still needed); carried entries must be integer linear functions of the coordinates.
    finish
        With ``tail >= 0``: called on the primitive coordinates of each new generator (a list) to build the
        stored tuple (e.g. to append the carried values computed directly, which is cheaper than combining).

    Returns
    -------
    (plus, minus)
        Each side is ``(gens, incs, lines, active)`` when ``h`` cuts the interior of the cone; when it does
        not, the result is the string ``"plus"`` (``h >= 0`` on the whole cone, ``h`` not identically zero),
        ``"minus"``, or ``"zero"`` (``h`` vanishes on the cone) in the first slot and ``None`` in the second.

    Examples
    --------
    >>> # the cone over the segment [0, 2] (generators (0, 1) and (2, 1)) cut at x = 1, i.e. h = x - t
    >>> plus, minus = dd_step([(0, 1), (2, 1)], [0b01, 0b10], [], [-1, 1], [], 0b11, 0b100, 2)
    >>> plus[0], minus[0]
    ([(2, 1), (1, 1)], [(0, 1), (1, 1)])
    """
    # 1. A line on which h is not zero: h cuts; the line turns into a ray on each side.
    for i, lv in enumerate(lvals):
        if lv:
            ln = lines[i]
            s = 1 if lv > 0 else -1
            al = lv * s

            nlines = []
            for j, l2 in enumerate(lines):
                if j != i:
                    v2 = lvals[j]
                    nlines.append(_line_comb(l2, v2, ln, al, s, ncoord, tail) if v2 else l2)
            ngens = [_line_comb(g, v, ln, al, s, ncoord, tail) if v else g for g, v in zip(gens, vals)]
            nincs = [z | bit for z in incs]
            before = bit - 1
            plus = (ngens + [tuple(s * a for a in ln)], nincs + [before], nlines, active | bit)
            minus = None
            if want_minus:
                minus = (ngens + [tuple(-s * a for a in ln)], nincs + [before], nlines, active | bit)
            return plus, minus
    pos = []
    neg = []
    zer = []
    for idx, v in enumerate(vals):
        if v > 0:
            pos.append(idx)
        elif v < 0:
            neg.append(idx)
        else:
            zer.append(idx)
    if not neg:
        return ("plus" if pos else "zero"), None
    if not pos:
        return "minus", None
    # 2. New generators on the edges joining pos to neg. Adjacency: the combinatorial test, with a shortcut
    #    for a *simple* generator (exactly pdim - 1 tight facets, hence linearly independent): then any
    #    pdim - 2 of them cut out a 2-face, so sharing pdim - 2 facets already proves adjacency.
    ia = [z & active for z in incs]
    need = pdim - 2
    simple = need + 1
    gf: dict[int, int] | None = None
    new_gens = []
    new_incs = []
    negs = [(q, ia[q], ia[q].bit_count() == simple) for q in neg]
    two = len(gens) == 2
    for p in pos:
        zp = ia[p]
        psimple = zp.bit_count() == simple
        vp = vals[p]
        gp = gens[p]
        for q, zq, qsimple in negs:
            c = zp & zq
            cn = c.bit_count()
            if cn < need:
                continue
            if not ((psimple or qsimple) and cn == need) and not (two and not c):
                if gf is None:
                    gf = {}
                    for idx, z in enumerate(ia):
                        gb = 1 << idx
                        while z:
                            low = z & -z
                            gf[low] = gf.get(low, 0) | gb
                            z ^= low
                pq = (1 << p) | (1 << q)
                t = -1
                cc = c
                while cc:
                    low = cc & -cc
                    t &= gf[low]
                    if t == pq:
                        break
                    cc ^= low
                if t != pq:
                    continue
            vq = vals[q]
            gq = gens[q]
            if tail < 0:
                new_gens.append(primitive([vp * a - vq * b for a, b in zip(gq, gp)]))
            else:
                e = [vp * a - vq * b for a, b in zip(gq[:ncoord], gp)]
                d = gcd(*e)
                if d > 1:
                    e = [a // d for a in e]
                if finish is not None:
                    new_gens.append(finish(e))
                else:
                    if tail:
                        e += [(vp * a - vq * b) // d for a, b in zip(gq[-tail:], gp[-tail:])]
                    new_gens.append(tuple(e))
            new_incs.append(c | bit)
    zg = [gens[i] for i in zer]
    zi = [incs[i] | bit for i in zer]
    keep = 0
    for i in pos:
        keep |= incs[i]
    plus = (
        [gens[i] for i in pos] + zg + new_gens,
        [incs[i] for i in pos] + zi + new_incs,
        lines,
        (active & keep) | bit,
    )
    minus = None
    if want_minus:
        keep = 0
        for i in neg:
            keep |= incs[i]
        minus = (
            [gens[i] for i in neg] + zg + new_gens,
            [incs[i] for i in neg] + zi + new_incs,
            lines,
            (active & keep) | bit,
        )
    return plus, minus


def _dot(a: Sequence[int], g: Sequence[int]) -> int:
    return sum(map(mul, a, g))


def _exact(v: object, what: str) -> Fraction:
    if isinstance(v, bool) or not isinstance(v, (int, Fraction)):
        if isinstance(v, float):
            raise InexactInputError(
                f"{what} is the float {v!r}; pass int or fractions.Fraction (see tropical.convert)"
            )
        raise InexactInputError(f"{what} must be int or fractions.Fraction, got {type(v).__name__}")
    return Fraction(v)


def _integer_row(coeffs: Sequence[Fraction]) -> Vec:
    den = lcm(*(c.denominator for c in coeffs))
    return primitive([int(c * den) for c in coeffs])


class Polyhedron:
    """An exact polyhedron ``{x : A x <= b}`` in ``Q^n`` with its generators (double description).

    Build one with :meth:`whole_space` or :meth:`from_inequalities` and refine it with :meth:`intersect`.
    Both representations are exact: facets are primitive integer inequalities, generators are primitive
    integer vectors of the homogenized cone (see the module docstring).

    Attributes
    ----------
    dim : int
        The ambient dimension ``n``.
    ineqs : tuple of tuple of int
        Every inequality ever added, homogenized: ``a`` means ``a[:n] . x + a[n] >= 0``.
        Index 0 is ``t >= 0``, the face at infinity.
    active : int
        Bitset of the irredundant facets among ``ineqs``.
    gens, incs, lines
        Generators, their incidence bitsets and a lineality basis.

    Examples
    --------
    >>> half = Polyhedron.whole_space(2).intersect([1, 0], 0)     # x <= 0
    >>> half.lines()
    [(0, 1)]
    >>> half.facets()
    [((1, 0), 0)]
    """

    __slots__ = ("dim", "ineqs", "active", "gens", "incs", "lines_", "pdim")

    def __init__(self, dim: int, ineqs: list[Vec], active: int, gens: list[Vec], incs: list[int],
                 lines: list[Vec]) -> None:
        self.dim = dim
        self.ineqs = ineqs
        self.active = active
        self.gens = gens
        self.incs = incs
        self.lines_ = lines
        self.pdim = len(gens[0]) - len(lines) if gens else 0

    @classmethod
    def whole_space(cls, n: int) -> Polyhedron:
        """The polyhedron ``Q^n`` (its cone is ``t >= 0``; the lines are the unit vectors).

        Examples
        --------
        >>> Polyhedron.whole_space(1).vertices()
        [(0,)]
        """
        if not isinstance(n, int) or n < 1:
            raise DimensionMismatchError(f"the dimension must be a positive integer, got {n!r}")
        origin = (0,) * n + (1,)
        lines = [tuple(int(i == j) for j in range(n + 1)) for i in range(n)]
        return cls(n, [(0,) * n + (1,)], 1, [origin], [0], lines)

    @classmethod
    def from_inequalities(cls, A: Sequence[Sequence[int | Fraction]], b: Sequence[int | Fraction]) -> Polyhedron:
        """The polyhedron ``{x : A x <= b}``; raises :class:`EmptyPolyhedronError` unless full-dimensional.

        Examples
        --------
        >>> Polyhedron.from_inequalities([[1], [-1]], [2, 0]).vertices()
        [(0,), (2,)]
        """
        rows = [list(r) for r in A]
        if not rows:
            raise DimensionMismatchError("A has no rows; use Polyhedron.whole_space(n) for Q^n")
        n = len(rows[0])
        if len(b) != len(rows):
            raise DimensionMismatchError(f"A has {len(rows)} rows but b has {len(b)} entries")
        p = cls.whole_space(n)
        for i, (r, bi) in enumerate(zip(rows, b)):
            if len(r) != n:
                raise DimensionMismatchError(f"row {i} of A has {len(r)} entries, expected {n}")
            p = p.intersect(r, bi)
        return p

    def intersect(self, a: Sequence[int | Fraction], b: int | Fraction) -> Polyhedron:
        """The intersection with the half-space ``a . x <= b`` (must stay full-dimensional).

        Raises
        ------
        EmptyPolyhedronError
            If the intersection is empty or lower-dimensional.
        """
        if len(a) != self.dim:
            raise DimensionMismatchError(f"the inequality has {len(a)} coefficients, expected {self.dim}")
        coeffs = [-_exact(x, "an inequality coefficient") for x in a] + [_exact(b, "a right-hand side")]
        h = _integer_row(coeffs)
        if not any(h[: self.dim]):
            if h[self.dim] >= 0:
                return self
            raise EmptyPolyhedronError(f"the inequality {list(a)} . x <= {b} has no solution")
        return self._cut(h, strict_error=True)

    def _cut(self, h: Vec, strict_error: bool) -> Polyhedron:
        vals = [_dot(h, g) for g in self.gens]
        lvals = [_dot(h, ln) for ln in self.lines_]
        bit = 1 << len(self.ineqs)
        plus, _ = dd_step(self.gens, self.incs, self.lines_, vals, lvals, self.active, bit, self.pdim,
                          want_minus=False)
        if plus == "plus":
            return self
        if plus in ("minus", "zero"):
            raise EmptyPolyhedronError("the intersection is empty or not full-dimensional")
        gens, incs, lines, active = plus
        return Polyhedron(self.dim, self.ineqs + [h], active, gens, incs, lines)

    # --- views -------------------------------------------------------------------------------------------
    def vertices(self) -> list[tuple[Fraction | int, ...]]:
        """The vertices ``x`` of the (pointed part of the) polyhedron, exact (int or Fraction entries)."""
        n = self.dim
        out: list[tuple[Fraction | int, ...]] = []
        for g in self.gens:
            if g[n]:
                out.append(tuple(Fraction(c, g[n]) if c % g[n] else c // g[n] for c in g[:n]))
        return sorted(out)

    def rays(self) -> list[Vec]:
        """Extreme rays (primitive integer directions) of the pointed part."""
        n = self.dim
        return sorted(g[:n] for g in self.gens if not g[n])

    def lines(self) -> list[Vec]:
        """A basis of the lineality space (primitive integer directions)."""
        return [ln[: self.dim] for ln in self.lines_]

    def facets(self) -> list[tuple[Vec, int]]:
        """The irredundant inequalities as pairs ``(a, b)`` meaning ``a . x <= b`` (integers, primitive)."""
        n = self.dim
        out = []
        act = self.active
        for i, h in enumerate(self.ineqs):
            if act >> i & 1 and any(h[:n]):
                out.append((tuple(-c for c in h[:n]), h[n]))
        return out

    def interior_point(self) -> tuple[Fraction, ...]:
        """An exact interior point: the dehomogenized sum of all generators."""
        n = self.dim
        s = [sum(col) for col in zip(*(g[: n + 1] for g in self.gens))]
        return tuple(Fraction(c, s[n]) for c in s[:n])

    def contains(self, x: Sequence[int | Fraction], strict: bool = False) -> bool:
        """Whether ``x`` satisfies every facet inequality (strictly when ``strict``)."""
        xs = [Fraction(v) for v in x] + [Fraction(1)]
        for a, b in self.facets():
            s = sum(ai * xi for ai, xi in zip(a, xs))
            if s > b or (strict and s == b):
                return False
        return True

    def __repr__(self) -> str:
        return (f"Polyhedron(dim={self.dim}, facets={len(self.facets())}, vertices={len(self.vertices())}, "
                f"rays={len(self.rays())}, lines={len(self.lines_)})")


def facets_overlap(
    gens: list[Vec], incs: list[int], lines: list[Vec], facet_bit: int, others: Sequence[Vec]
) -> bool:
    """Whether the facet ``F`` of a full-dimensional cone meets ``{h >= 0 for h in others}`` in dimension ``n - 1``.

    ``F`` is given by the bit of its inequality; its generators are those of the cone tight on it. The
    facet is clipped by each inequality in turn (one double-description step each, in the facet); the
    intersection keeps dimension ``n - 1`` iff every clip leaves a generator strictly inside.
    """
    fg = [g for g, z in zip(gens, incs) if z & facet_bit]
    fi = [z for z in incs if z & facet_bit]
    ln = list(lines)
    if not fg:
        return False
    active = -1
    nbits = max(fi).bit_length() + 1 if fi else 1
    for h in others:
        vals = [_dot(h, g) for g in fg]
        lvals = [_dot(h, x) for x in ln]
        bit = 1 << nbits
        nbits += 1
        pdim = len(fg[0]) - 1 - len(ln)
        plus, _ = dd_step(fg, fi, ln, vals, lvals, active, bit, pdim, want_minus=False)
        if plus == "plus":
            continue
        if plus in ("minus", "zero"):
            return False
        fg, fi, ln, _a = plus
        active = -1
    return True
