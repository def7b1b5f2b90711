"""Newton polytopes, lifted points and the exact upper hull, in any dimension.

For a tropical polynomial ``f = ⊕_i c_i ⊙ x^{α_i}`` the *lifted points* are ``(α_i, c_i) ∈ ℚ^{d+1}`` and
the *extended Newton polytope* is ``P(f) = conv{(α_i, c_i)}``. A monomial is **non-redundant** iff its
lifted point is a vertex of the *upper hull* of ``P(f)`` (equivalently: it attains the max uniquely on a
full-dimensional set), and the number of linear regions of ``f`` is the number of upper vertices
(Zhang, Naitzat & Lim 2018, §3; tropical.md §3.2).

Algorithm (exact, certified both ways)
--------------------------------------
1. Merge duplicate exponents (keep the largest coefficient) and scale to integers (a positive scaling of
   exponents and of heights preserves the upper hull).
2. *Witnesses:* at a point ``y``, a monomial attaining the max ``c_i + <α_i, y>`` **uniquely** is an upper
   vertex (certificate: ``y``). Random integer points of several magnitudes certify most vertices quickly.
3. *LP:* every other candidate ``p`` is decided by the exact LP
   ``max Σ λ_j c_j  s.t.  Σ λ_j α_j = α_p, Σ λ_j = 1, λ >= 0`` over the other points (first over the
   certified vertices only, which is cheaper and already a valid proof of redundancy): ``p`` is redundant
   iff the LP is feasible with optimum ``>= c_p``. This is the LP dual of tropical.md §3.2.

No floating point is used anywhere.

Examples
--------
>>> upper_hull_vertices([(0, 0), (1, -2), (2, 0)])   # max(0, x - 2, 2x): x - 2 is redundant
((0, 0), (2, 0))
>>> upper_hull_vertices([(0, 0), (1, 0), (2, -3)])
((0, 0), (1, 0), (2, -3))
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Callable, Iterable, Sequence
from fractions import Fraction
from itertools import combinations
from operator import mul as _mul
from typing import Any

from tropical._exact import Exact, as_fraction, normalize
from tropical.backend import IntMatrix, guided
from tropical.errors import DimensionMismatchError, InexactInputError
from tropical.guided import FloatRedundancyLP, certified_redundancy, float_points
from tropical.lp import ExactSimplex

__all__ = [
    "merge_duplicates",
    "upper_hull_vertices",
    "upper_hull_vertex_mask",
    "convex_hull_vertices",
    "minkowski_sum",
    "product_vertex_mask",
    "product_upper_vertices",
    "dual_subdivision",
]

Point = tuple[Exact, ...]


def _points(points: Iterable[Sequence[object]], what: str = "point") -> list[Point]:
    out: list[Point] = []
    dim: int | None = None
    if isinstance(points, (str, bytes)) or not isinstance(points, Iterable):
        raise InexactInputError(f"expected a sequence of {what}s, got {type(points).__name__}")
    for i, p in enumerate(points):
        if isinstance(p, (str, bytes)) or not isinstance(p, Iterable):
            raise InexactInputError(f"{what} {i} must be a sequence of exact rationals, got {type(p).__name__}")
        q = tuple(normalize(v, f"{what} {i}") for v in p)
        if dim is None:
            dim = len(q)
        elif len(q) != dim:
            raise DimensionMismatchError(f"{what} {i} has {len(q)} coordinates but {what} 0 has {dim}")
        out.append(q)
    return out


def merge_duplicates(points: Iterable[Sequence[object]]) -> list[Point]:
    """Merge lifted points with the same exponent, keeping the largest height (last coordinate).

    Order of first appearance is kept.

    Examples
    --------
    >>> merge_duplicates([(1, 0, 3), (1, 0, 5), (0, 1, 0)])
    [(1, 0, 5), (0, 1, 0)]
    """
    best: dict[Point, Exact] = {}
    for p in _points(points, "lifted point"):
        a, c = p[:-1], p[-1]
        if a not in best or c > best[a]:
            best[a] = c
    return [(*a, c) for a, c in best.items()]


def _lcm_den(values: Iterable[Exact]) -> int:
    m = 1
    for v in values:
        if isinstance(v, Fraction):
            m = m * v.denominator // math.gcd(m, v.denominator)
    return m


def _integerize(points: Sequence[Point]) -> list[tuple[int, ...]]:
    """Scale exponents by one positive integer and heights by another: the upper hull is preserved."""
    if not points:
        return []
    da = _lcm_den(v for p in points for v in p[:-1])
    dc = _lcm_den(p[-1] for p in points)
    return [tuple(int(v * da) for v in p[:-1]) + (int(p[-1] * dc),) for p in points]


def _unique_argmax_of(vals: list[int]) -> int:
    """Index of the unique maximum of ``vals``; -1 on a tie."""
    best = max(vals)
    i = vals.index(best)
    return -1 if best in vals[i + 1:] else i


def _unique_argmax(pts: Sequence[tuple[int, ...]], y: Sequence[int]) -> int:
    """Index of the unique maximiser of ``c + <a, y>``; -1 on a tie."""
    best = None
    arg = -1
    tie = False
    for i, p in enumerate(pts):
        v = p[-1]
        for a, b in zip(p, y):
            v += a * b
        if best is None or v > best:
            best, arg, tie = v, i, False
        elif v == best:
            tie = True
    return -1 if tie else arg


def _unique_argmax_frac(pts: Sequence[tuple[int, ...]], y: Sequence[Fraction]) -> int:
    """Like :func:`_unique_argmax` at a rational point (values compared after clearing denominators)."""
    den = 1
    for v in y:
        den = den * v.denominator // math.gcd(den, v.denominator)
    return _unique_argmax([(*q[:-1], q[-1] * den) for q in pts], [int(v * den) for v in y])


def _sample_directions(pts: Sequence[tuple[int, ...]], count: int, rng: random.Random) -> list[list[int]]:
    """Random integer points at the scales where monomials of ``pts`` tie (breakpoint magnitudes)."""
    d = len(pts[0]) - 1
    if d == 0:
        return [[]]
    scales = []
    for _ in range(min(64, len(pts) * len(pts))):
        u, v = rng.choice(pts), rng.choice(pts)
        da = sum(abs(a - b) for a, b in zip(u[:-1], v[:-1]))
        if da:
            scales.append(max(1, abs(u[-1] - v[-1]) // da))
    if not scales:
        scales = [1]
    dirs = []
    for k in range(count):
        if k % 7 == 0:
            mag = 1 + k % 3
        else:
            mag = rng.choice(scales) * rng.choice((1, 2, 4, 16))
        dirs.append([rng.randint(-mag, mag) for _ in range(d)])
    return dirs


def _is_redundant_against(p: tuple[int, ...], others: Sequence[tuple[int, ...]]) -> bool:
    """True iff ``p`` is in ``conv(others) - R_{>=0} e_{d+1}`` (see :func:`_redundancy_lp`)."""
    return _redundancy_lp(p, others)[0]


def _redundancy_lp(
    p: tuple[int, ...], others: Sequence[tuple[int, ...]]
) -> tuple[bool, tuple[Fraction, ...] | None]:
    """Exact test: is ``p`` in ``conv(others) - R_{>=0} e_{d+1}`` (i.e. not an upper vertex)?

    Decides the LP ``max Σ μ_q (h_q - h_p)  s.t.  Σ μ_q (a_q - a_p) = 0, Σ μ_q = 1, μ >= 0`` (``p`` is
    redundant iff it is feasible with optimum ``>= 0``) by a two-phase simplex with Bland's rule on
    *integer* rows (each row scaled by a positive factor and divided by its gcd, so no Fraction and no
    rounding). Stops as soon as a feasible ``μ`` with value ``>= 0`` is found.
    """
    n = len(others)
    if n == 0:
        return False, None
    d = len(p) - 1
    m = d + 1
    tab = []
    for t in range(d):
        pt = p[t]
        art = [0] * m
        art[t] = 1
        tab.append([q[t] - pt for q in others] + art + [0])
    tab.append([1] * n + [0] * d + [1, 1])
    lp = ExactSimplex(tab, [n + i for i in range(m)])
    lp.set_objective([0] * n + [-1] * m)          # phase 1: maximise -(sum of artificials)
    lp.run(n)
    if lp.obj[-1] < 0:  # phase-1 optimum < 0: α_p not in conv of the others' exponents
        # phase-1 duals π (π_k = obj[n+k]/s - 1) separate α_p: <π, a_q - a_p> > 0 for all q
        obj, obj_s = lp.obj, lp.obj_s
        pi = [Fraction(obj[n + k], obj_s) - 1 for k in range(d)]
        tmul = Fraction(1)
        for q in others:
            gq = sum((pi[k] * (q[k] - p[k]) for k in range(d)), Fraction(0))
            if gq > 0:
                tmul = max(tmul, Fraction(q[-1] - p[-1], 1) / gq + 1)
        return False, tuple(-tmul * v for v in pi)
    lp.drive_out(n)
    # phase 2: maximise sum (h_q - h_p) μ_q; stop as soon as the value is >= 0
    hp = p[-1]
    lp.set_objective([q[-1] - hp for q in others] + [0] * m)
    if lp.run(n, stop_when_nonnegative=True) == "stopped":
        return True, None
    # optimum < 0: the duals π of the exponent rows give a witness x = -π (p beats every q strictly)
    obj, obj_s = lp.obj, lp.obj_s
    return False, tuple(-Fraction(obj[n + k], obj_s) for k in range(d) if n + k < len(obj) - 1)


def upper_hull_vertex_mask(
    points: Sequence[Sequence[object]], *, samples: int | None = None, seed: int = 0
) -> list[bool]:
    """For each lifted point, whether it is a vertex of the upper hull (exact, certified).

    Points must have distinct exponents (see :func:`merge_duplicates`); a point with a repeated exponent
    is a vertex only if it is the unique highest copy.

    Parameters
    ----------
    points : sequence of lifted points ``(α_1, ..., α_d, c)`` with int/Fraction entries
    samples : int, optional
        Number of random witness directions (default ``2 * len(points) + 16``). Only speed depends on it.
    seed : int, default 0
        Seed of the witness directions (the answer never depends on it).

    Returns
    -------
    list of bool

    Examples
    --------
    >>> upper_hull_vertex_mask([(0, 0, 0), (2, 0, 0), (0, 2, 0), (1, 1, 0)])
    [True, True, True, False]
    """
    pts = _points(points, "lifted point")
    n = len(pts)
    if n == 0:
        return []
    # duplicate exponents: only the unique highest copy can be a vertex
    groups: dict[Point, list[int]] = {}
    for i, p in enumerate(pts):
        groups.setdefault(p[:-1], []).append(i)
    keep = []
    for idx in groups.values():
        top = max(pts[i][-1] for i in idx)
        tops = [i for i in idx if pts[i][-1] == top]
        if len(tops) == 1:
            keep.append(tops[0])
    mask = [False] * n
    if not keep:
        return mask
    # a tied duplicate blocks its exponent, but the blocked copies still count as "other points"; everything
    # is scaled by the same two integers (scaling the blocked copies apart from the kept points moved them)
    kept = set(keep)
    blocked = [pts[i] for idx in groups.values() for i in idx if i not in kept]
    scaled = _integerize([pts[i] for i in keep] + blocked)
    ipts, iblocked = scaled[:len(keep)], scaled[len(keep):]
    d = len(pts[0]) - 1
    if guided() and 1 <= d <= 3:
        # exact and LP-free: a point is an upper vertex iff its region has interior (one double description)
        reps = ipts + sorted(set(iblocked))
        regions = _region_cones(reps)
        status = [regions[j] is not None for j in range(len(ipts))]
    else:
        status = _decide(ipts, iblocked, samples, seed)
    for j, i in enumerate(keep):
        mask[i] = status[j]
    return mask


def _nearest_indices(p: tuple[int, ...], pts: Sequence[tuple[int, ...]], skip: int, k: int) -> list[int]:
    """Indices of the ``k`` points of ``pts`` (other than ``skip``) with exponents nearest to ``p`` (L1)."""
    d = len(p) - 1
    if len(pts) - 1 <= k:
        return [j for j in range(len(pts)) if j != skip]
    dist = []
    for j, q in enumerate(pts):
        if j != skip:
            s = 0
            for t in range(d):
                s += abs(q[t] - p[t])
            dist.append((s, j))
    return [j for _, j in heapq.nsmallest(k, dist)]


def _decide(
    ipts: list[tuple[int, ...]],
    extra: list[tuple[int, ...]],
    samples: int | None,
    seed: int,
    certified: list[bool] | None = None,
    initial: Callable[[int], list[int]] | None = None,
    beaters: Beaters | None = None,
    known_redundant: list[bool] | None = None,
) -> list[bool]:
    """Vertex status of ``ipts`` (integer lifted points, distinct exponents); ``extra`` only compete.

    ``initial(i)`` may propose indices (into ``ipts + extra``) for the first LP of point ``i``.
    """
    m = len(ipts)
    if m == 1 and not extra:
        return [True]
    rng = random.Random(seed)
    allpts = ipts + extra
    certified = list(certified) if certified is not None else [False] * m
    count = samples if samples is not None else 4 * m + 32
    if count:
        mat = IntMatrix(allpts)
        for y in _sample_directions(allpts, count, rng):
            i = _unique_argmax_of(mat.matvec((*y, 1)))
            if 0 <= i < m:
                certified[i] = True
    k_near = 2 * len(ipts[0])
    fl = float_points(allpts) if guided() else None
    for i in range(m):
        if certified[i] or (known_redundant is not None and known_redundant[i]):
            continue
        start = initial(i) if initial is not None else _nearest_indices(ipts[i], allpts, i, k_near)
        certified[i] = _vertex_by_constraint_generation(i, allpts, start, beaters, fl)
    return certified


Beaters = Callable[[int, list[int], int, int], list[tuple[int, int]]]


def _vertex_by_constraint_generation(
    i: int, pts: Sequence[tuple[int, ...]], start: list[int], beaters: Beaters | None = None,
    fl: tuple[list[tuple[float, ...]], list[int], list[float]] | None = None,
) -> bool:
    """Decide whether ``pts[i]`` is an upper vertex of ``conv(pts)`` exactly (distinct exponents).

    Solves the redundancy LP over a small subset ``S`` of the other points (``start``). A redundancy proof
    over ``S`` is a proof over all points (a point in the hull of some others is not a vertex). Otherwise
    the LP duals give a point ``x`` where ``p`` beats all of ``S``; if ``p`` beats *every* other point at
    ``x``, then ``x`` certifies a vertex; else the points that beat ``p`` at ``x`` join ``S`` (constraint
    generation) and the LP is solved again. Terminates: ``S`` grows until it is all other points.
    """
    p = pts[i]
    n_other = len(pts) - 1
    if n_other == 0:
        return True
    in_S = {j for j in start if j != i}
    S_idx = list(in_S)
    if not S_idx:
        S_idx, in_S = [0 if i else 1], {0 if i else 1}
    S = [pts[j] for j in S_idx]
    d = len(p) - 1
    flp = None
    if fl is not None:
        fpts = fl[0]
        flp = FloatRedundancyLP(fpts[i], fl[1], fl[2])
        flp.add([fpts[j] for j in S_idx])
    while True:
        red = x = None
        if flp is not None:
            red, x = certified_redundancy(p, S, flp)
        if red is None:
            red, x = _redundancy_lp(p, S)
        if red:
            return False
        if x is None or len(S) >= n_other:
            return True
        den = 1
        for v in x:
            den = den * v.denominator // math.gcd(den, v.denominator)
        y = [int(v * den) for v in x]
        vp = p[-1] * den
        for t in range(d):
            vp += p[t] * y[t]
        if beaters is not None:
            beat = [(v, j) for v, j in beaters(i, y, den, vp) if j not in in_S]
        else:
            beat = []
            for j, q in enumerate(pts):
                if j == i or j in in_S:
                    continue
                vq = q[-1] * den
                for t in range(d):
                    vq += q[t] * y[t]
                if vq >= vp:
                    beat.append((vq, j))
        if not beat:
            return True
        for _, j in heapq.nlargest(max(2, d + 1), beat):
            S.append(pts[j])
            S_idx.append(j)
            in_S.add(j)
            if flp is not None and fl is not None:
                flp.add([fl[0][j]])


Slab = list  # [lo, hi]: each None or an exact rational (num, den) with den > 0


def _slabs(pts: Sequence[tuple[int, ...]]) -> list[dict[tuple[int, ...], Slab]]:
    """For each point ``a``: direction ``u`` -> ``[lo, hi]`` bounds of ``<u, x>`` over the region of ``a``.

    The region ``R_a = {x : c_a + <α_a, x> >= c_b + <α_b, x> for all b}`` lies in the slab
    ``lo <= <u, x> <= hi`` for every primitive direction ``u`` of a difference ``α_a - α_b``. Bounds are
    exact rationals kept as integer pairs ``(num, den)``, ``den > 0`` (compared by cross-multiplication).
    Each unordered pair is visited once: for ``b`` the direction and the bound are the same as for ``a``,
    on the other side of the slab.
    """
    out: list[dict[tuple[int, ...], Slab]] = [{} for _ in pts]
    for a, pa in enumerate(pts):
        ea, ca = pa[:-1], pa[-1]
        da = out[a]
        for b in range(a + 1, len(pts)):
            pb = pts[b]
            diff = [x - y for x, y in zip(ea, pb)]
            g = math.gcd(*diff)
            if g == 0:
                continue
            first = next(v for v in diff if v)
            k = g if first > 0 else -g
            u = tuple(v // k for v in diff)
            # k <u, x> >= c_b - c_a on R_a and k <u, x> <= c_b - c_a on R_b: bound (c_b - c_a) / k
            num, den = (pb[-1] - ca, k) if k > 0 else (ca - pb[-1], -k)
            lo_side = k > 0  # R_a gets a lower bound, R_b an upper bound (and vice versa)
            for slots, side in ((da, 0 if lo_side else 1), (out[b], 1 if lo_side else 0)):
                slot = slots.get(u)
                if slot is None:
                    slot = slots[u] = [None, None]
                old = slot[side]
                if old is None or (num * old[1] > old[0] * den if side == 0 else num * old[1] < old[0] * den):
                    slot[side] = (num, den)
    return out


def _slab_conflict(A: dict[tuple[int, ...], Slab], B: dict[tuple[int, ...], Slab]) -> bool:
    """True if two regions lie in slabs of one direction whose intersection has empty interior."""
    if len(B) < len(A):
        A, B = B, A
    for u, (lo1, hi1) in A.items():
        other = B.get(u)
        if other is None:
            continue
        lo2, hi2 = other
        lo = lo1 if lo2 is None or (lo1 is not None and lo1[0] * lo2[1] >= lo2[0] * lo1[1]) else lo2
        hi = hi1 if hi2 is None or (hi1 is not None and hi1[0] * hi2[1] <= hi2[0] * hi1[1]) else hi2
        if lo is not None and hi is not None and lo[0] * hi[1] >= hi[0] * lo[1]:
            return True
    return False


def _region_cones(pts: Sequence[tuple[int, ...]]) -> list[Any]:
    """Every region ``R_a`` at once, from one double description of the graph of ``max_a`` (exact).

    The epigraph ``U = {(x, y) : y >= <α_a, x> + c_a for all a}`` is built by one double-description step
    per point. ``R_a`` is the projection (drop ``y``) of the face of ``U`` on ``a``'s inequality: ``None``
    when that inequality is not a facet of ``U`` (``R_a`` has empty interior), else its generators and lines
    are the projected generators and lines of the facet. Its inequalities are those of the points ``b`` whose
    facet shares at least ``d - (lineality)`` generators with ``a``'s (a superset of the ridges of ``U`` at
    ``a``, hence of the facets of ``R_a``; every such inequality is valid on ``R_a``), and ``t >= 0``.
    Tested against cutting the whole space by every other point's inequality, one region at a time (same
    polyhedron, same thin regions); this takes ``len(pts)`` steps instead of up to ``len(pts) ** 2``.
    Points must have distinct exponents.
    """
    from tropical.polyhedron import Polyhedron

    d = len(pts[0]) - 1
    poly = Polyhedron.whole_space(d + 1)
    bit_of: list[int] = []
    for pa in pts:  # y - <α_a, x> - c_a >= 0, homogenized over (x, y, t)
        h = tuple(-v for v in pa[:d]) + (1, -pa[d])
        before = len(poly.ineqs)
        poly = poly._cut(h, True)  # never empty: U contains every point high enough above the graph
        bit_of.append(1 << before if len(poly.ineqs) > before else 0)
    active = poly.active
    gens, incs = poly.gens, poly.incs
    lines = [ln[:d] + ln[d + 1:] for ln in poly.lines_]
    need = d - len(lines)
    tight: list[list[int]] = []
    for bit in bit_of:
        tight.append([j for j, z in enumerate(incs) if z & bit] if bit and active & bit else [])
    sets = [set(t) for t in tight]
    out: list[Any] = []
    infinity = (0,) * d + (1,)
    for a, pa in enumerate(pts):
        if not tight[a]:
            out.append(None)
            continue
        mine = sets[a]
        facets = [infinity]
        for b, pb in enumerate(pts):
            if b != a and tight[b] and len(mine.intersection(tight[b])) >= need:
                facets.append(tuple(x - y for x, y in zip(pa, pb)))
        out.append((facets, [gens[j][:d] + gens[j][d + 1:] for j in tight[a]], lines))
    return out


def _inside(A: tuple[list[tuple[int, ...]], ...], B: tuple[list[tuple[int, ...]], ...]) -> bool:
    """True if the interior point of ``A`` (the sum of its generators) lies in the interior of ``B``."""
    gens = A[1]
    pt = [sum(col) for col in zip(*gens)]
    return all(sum(map(_mul, h, pt)) > 0 for h in B[0])


def _cone_polyhedron(facets: list[tuple[int, ...]], d: int) -> Any:
    """The polyhedron ``{x : h . (x, 1) >= 0 for h in facets}`` in double description."""
    from tropical.polyhedron import Polyhedron

    poly = Polyhedron.whole_space(d)
    for h in facets:
        poly = poly._cut(h, True)
    return poly


def _meets_interior(poly: Any, facets: list[tuple[int, ...]]) -> bool:
    """Whether ``poly`` meets ``{h . (x, 1) >= 0 for h in facets}`` in a full-dimensional set (exact)."""
    from tropical.polyhedron import EmptyPolyhedronError

    try:
        for h in facets:
            poly = poly._cut(h, True)
    except EmptyPolyhedronError:
        return False
    return True


def _facets_separate(A: tuple[list[tuple[int, ...]], ...], B: tuple[list[tuple[int, ...]], ...]) -> bool:
    """True if a facet hyperplane of one region weakly separates it from the other (disjoint interiors).

    Always sound; also complete in dimension ``<= 2``, where the facet normals of ``A - B`` are facet normals
    of ``A`` or ``B`` (the separating axis theorem for polygons).
    """
    for (fa, _, _), (_, gb, lb) in ((A, B), (B, A)):
        for h in fa:
            if any(sum(map(_mul, h, ln)) for ln in lb):
                continue
            for g in gb:
                if sum(map(_mul, h, g)) > 0:
                    break
            else:
                return True
    return False


def product_vertex_mask(
    P: Sequence[Sequence[object]], Q: Sequence[Sequence[object]], *, samples: int | None = None, seed: int = 0
) -> tuple[list[Point], list[bool]]:
    """Upper vertices of ``conv(P) + conv(Q)`` for lifted point sets with distinct exponents each.

    On the fast path (:func:`tropical.backend.guided` on, dimension ``<= 3``) each candidate ``a + b`` is
    decided by the exact regions ``R_a`` of ``a`` in ``P`` and ``R_b`` of ``b`` in ``Q`` (all of them from one
    double description per factor, :func:`_region_cones`; integers only): ``a + b`` is an upper vertex iff
    ``R_a`` and ``R_b`` overlap with interior. A facet hyperplane of one weakly separating the other proves
    redundancy; in dimension ``<= 2`` facets give the only separating directions (the separating axis
    theorem), so that decides. In dimension 3 an interior point of one region strictly inside the other
    proves a vertex, and what is left is decided by intersecting the two regions exactly (one
    double-description step per inequality). No LP and no sampling is needed there. Above dimension 3, and
    on the reference path, witnesses are found factor-wise (a point where ``P`` and ``Q`` both have a unique
    maximiser certifies the sum) and the rest is decided exactly as in :func:`upper_hull_vertex_mask` (exact
    LPs, float-proposed and exactly certified when guided).

    Returns
    -------
    (sums, mask)
        The merged candidate sums (highest height per exponent) and their vertex flags.

    Examples
    --------
    >>> sums, mask = product_vertex_mask([(0, 0), (1, 0)], [(0, 0), (1, 0)])
    >>> [s for s, k in zip(sums, mask) if k]
    [(0, 0), (2, 0)]
    """
    r = _product(P, Q, samples, seed)
    return r.sums(), r.mask


def product_upper_vertices(P: Sequence[Sequence[object]], Q: Sequence[Sequence[object]]) -> list[Point]:
    """The upper vertices of ``conv(P) + conv(Q)`` only (what :func:`product_vertex_mask` flags), same order.

    Parameters
    ----------
    P, Q : sequences of lifted points ``(α_1, ..., α_d, c)``, distinct exponents within each

    Returns
    -------
    list of tuple
        The upper vertices of the sum, entries normalised; the non-vertex candidate sums are never converted
        back to rationals (what :meth:`tropical.polynomial.TropicalPolynomial.mul_pruned` needs).

    Examples
    --------
    >>> product_upper_vertices([(0, 0), (1, 0)], [(0, 0), (1, 0)])
    [(0, 0), (2, 0)]
    """
    r = _product(P, Q, None, 0)
    return r.sums(only_vertices=True)


class _Product:
    """Candidate sums in integer units and their vertex flags."""

    __slots__ = ("keys", "best", "da", "dc", "mask")

    def __init__(self, keys: list[tuple[int, ...]], best: dict[tuple[int, ...], tuple[int, int, int]], da: int,
                 dc: int, mask: list[bool]) -> None:
        self.keys, self.best, self.da, self.dc, self.mask = keys, best, da, dc, mask

    def sums(self, only_vertices: bool = False) -> list[Point]:
        keys = [k for k, m in zip(self.keys, self.mask) if m] if only_vertices else self.keys
        return _sums(keys, self.best, self.da, self.dc)


def _product(P: Sequence[Sequence[object]], Q: Sequence[Sequence[object]], samples: int | None,
             seed: int) -> _Product:
    """The work of :func:`product_vertex_mask` (its sums are converted back only on request)."""
    p = _points(P, "lifted point")
    q = _points(Q, "lifted point")
    if not p or not q:
        return _Product([], {}, 1, 1, [])
    if len(p[0]) != len(q[0]):
        raise DimensionMismatchError(f"points of dimension {len(p[0])} and {len(q[0])} cannot be added")
    da = _lcm_den(v for s in (p, q) for pt in s for v in pt[:-1])
    dc = _lcm_den(pt[-1] for s in (p, q) for pt in s)
    ip = [tuple(int(v * da) for v in pt[:-1]) + (int(pt[-1] * dc),) for pt in p]
    iq = [tuple(int(v * da) for v in pt[:-1]) + (int(pt[-1] * dc),) for pt in q]
    best: dict[tuple[int, ...], tuple[int, int, int]] = {}
    for a, u in enumerate(ip):
        for b, v in enumerate(iq):
            s = tuple(x + y for x, y in zip(u, v))
            key = s[:-1]
            old = best.get(key)
            if old is None or s[-1] > old[0]:
                best[key] = (s[-1], a, b)
    keys = list(best)
    ipts = [(*k, best[k][0]) for k in keys]
    d = len(ip[0]) - 1
    # exact region geometry (fast path): a + b is a vertex iff the regions of a in P and b in Q overlap with
    # interior; a facet of one region weakly separating the other proves redundancy (sound in any dimension,
    # complete in dimension <= 2 by the separating axis theorem); in dimension 3 a shared interior point proves
    # a vertex and an exact intersection decides the rest: no sampling and no LP up to dimension 3
    if guided() and d <= 3 and len(ipts) > 1:
        regP, regQ = _region_cones(ip), _region_cones(iq)
        polys: dict[int, Any] = {}
        mask = []
        for k in keys:
            _, a, b = best[k]
            A, B = regP[a], regQ[b]
            if A is None or B is None or _facets_separate(A, B):
                mask.append(False)
            elif d <= 2 or _inside(A, B) or _inside(B, A):
                mask.append(True)
            else:  # dimension 3: intersect exactly (one double-description step per facet of R_b)
                PA = polys.get(a)
                if PA is None:
                    PA = polys[a] = _cone_polyhedron(A[0], d)
                mask.append(_meets_interior(PA, B[0]))
        return _Product(keys, best, da, dc, mask)
    index = {(best[k][1], best[k][2]): t for t, k in enumerate(keys)}
    certified = [False] * len(ipts)
    rng = random.Random(seed)
    count = samples if samples is not None else 3 * (len(ip) + len(iq)) + 16
    matP, matQ = IntMatrix(ip), IntMatrix(iq)
    for y in _sample_directions(ip + iq, count, rng):
        a = _unique_argmax_of(matP.matvec((*y, 1)))
        b = _unique_argmax_of(matQ.matvec((*y, 1)))
        if a >= 0 and b >= 0 and (a, b) in index:
            certified[index[(a, b)]] = True
    key_index = {k: t for t, k in enumerate(keys)}
    kn = d + 2
    nearP = [_nearest_indices(u, ip, a, kn) for a, u in enumerate(ip)]
    nearQ = [_nearest_indices(v, iq, b, kn) for b, v in enumerate(iq)]

    def initial(t: int) -> list[int]:
        _, a, b = best[keys[t]]
        out = set()
        for a2 in nearP[a]:
            out.add(key_index[tuple(x + y for x, y in zip(ip[a2][:-1], iq[b][:-1]))])
        for b2 in nearQ[b]:
            out.add(key_index[tuple(x + y for x, y in zip(ip[a][:-1], iq[b2][:-1]))])
        out.discard(t)
        return list(out)

    kb = max(2, d + 1)

    def beaters(t: int, y: list[int], den: int, vp: int) -> list[tuple[int, int]]:
        """Up to ``kb`` best candidates (other than ``t``) with value ``>= vp`` at ``y/den``, found factor-wise
        (pairs enumerated in decreasing order of ``P_a(x) + Q_b(x)``)."""
        vP = matP.matvec((*y, den))
        vQ = matQ.matvec((*y, den))
        sP = sorted(range(len(ip)), key=vP.__getitem__, reverse=True)
        sQ = sorted(range(len(iq)), key=vQ.__getitem__, reverse=True)
        heap = [(-(vP[sP[0]] + vQ[sQ[0]]), 0, 0)]
        seen = {(0, 0)}
        out: dict[int, int] = {}
        while heap and len(out) < kb:
            negv, i, j = heapq.heappop(heap)
            if -negv < vp:
                break
            a, b = sP[i], sQ[j]
            t2 = key_index[tuple(x + z for x, z in zip(ip[a][:-1], iq[b][:-1]))]
            if t2 != t and t2 not in out:
                out[t2] = -negv
            for i2, j2 in ((i + 1, j), (i, j + 1)):
                if i2 < len(sP) and j2 < len(sQ) and (i2, j2) not in seen:
                    seen.add((i2, j2))
                    heapq.heappush(heap, (-(vP[sP[i2]] + vQ[sQ[j2]]), i2, j2))
        return [(v, j) for j, v in out.items()]

    # cheap exact proofs of redundancy: the regions of a in P and b in Q lie on opposite sides of a
    # common wall direction (slabs with empty-interior intersection), so a + b is not a vertex
    slabP, slabQ = _slabs(ip), _slabs(iq)
    known = [False] * len(ipts)
    for t, k in enumerate(keys):
        if not certified[t]:
            _, a, b = best[k]
            known[t] = _slab_conflict(slabP[a], slabQ[b])
    mask = _decide(ipts, [], 0, seed, certified, initial, beaters, known) if len(ipts) > 1 else [True]
    return _Product(keys, best, da, dc, mask)


def _sums(keys: list[tuple[int, ...]], best: dict[tuple[int, ...], tuple[int, int, int]], da: int,
          dc: int) -> list[Point]:
    """The candidate sums back in the input's units (entries normalised)."""
    return [tuple(normalize(Fraction(v, da)) for v in k) + (normalize(Fraction(best[k][0], dc)),) for k in keys]


def upper_hull_vertices(points: Iterable[Sequence[object]]) -> tuple[Point, ...]:
    """The vertices of the upper hull of ``conv(points)`` (duplicates merged first), in input order.

    Parameters
    ----------
    points : iterable of lifted points ``(α_1, ..., α_d, c)``

    Returns
    -------
    tuple of tuple
        The upper vertices, entries normalised (``int`` when integral, else ``Fraction``).

    Examples
    --------
    >>> upper_hull_vertices([(0, 0), (1, 1), (2, 2)])     # collinear: the middle point is not a vertex
    ((0, 0), (2, 2))
    """
    pts = merge_duplicates(points)
    mask = upper_hull_vertex_mask(pts)
    return tuple(p for p, k in zip(pts, mask) if k)


def convex_hull_vertices(points: Iterable[Sequence[object]]) -> tuple[Point, ...]:
    """Vertices of the convex hull of exponent points (the Newton polytope Δ), exactly, any dimension.

    Examples
    --------
    >>> convex_hull_vertices([(0, 0), (2, 0), (0, 2), (1, 1), (1, 0)])
    ((0, 0), (2, 0), (0, 2))
    """
    pts = list(dict.fromkeys(_points(points, "point")))
    mask = upper_hull_vertex_mask([(*p, 0) for p in pts])
    return tuple(p for p, k in zip(pts, mask) if k)


def minkowski_sum(P: Iterable[Sequence[object]], Q: Iterable[Sequence[object]]) -> tuple[Point, ...]:
    """All pairwise sums ``p + q`` (duplicates removed, first-appearance order).

    The vertices of ``conv(P) + conv(Q)`` are among these sums; take
    :func:`convex_hull_vertices` / :func:`upper_hull_vertices` of the result for the vertex set.

    Examples
    --------
    >>> minkowski_sum([(0, 0), (1, 0)], [(0, 0), (0, 1)])
    ((0, 0), (0, 1), (1, 0), (1, 1))
    """
    p = _points(P, "point")
    q = _points(Q, "point")
    if p and q and len(p[0]) != len(q[0]):
        raise DimensionMismatchError(f"points of dimension {len(p[0])} and {len(q[0])} cannot be added")
    return tuple(dict.fromkeys(tuple(normalize(a + b) for a, b in zip(u, v)) for u in p for v in q))


def _solve_exact(A: list[list[Fraction]], b: list[Fraction]) -> list[Fraction] | None:
    n = len(A)
    M = [row[:] + [bi] for row, bi in zip(A, b)]
    for col in range(n):
        piv = next((r for r in range(col, n) if M[r][col] != 0), None)
        if piv is None:
            return None
        M[col], M[piv] = M[piv], M[col]
        pv = M[col][col]
        M[col] = [v / pv for v in M[col]]
        for r in range(n):
            if r != col and M[r][col] != 0:
                f = M[r][col]
                M[r] = [a - f * c for a, c in zip(M[r], M[col])]
    return [M[i][n] for i in range(n)]


def dual_subdivision(points: Iterable[Sequence[object]]) -> tuple[tuple[Point, ...], ...]:
    """Maximal cells of the regular subdivision dual to a tropical polynomial in 2 variables.

    The cells are the projections of the upper facets of the lifted Newton polytope; each cell is given by
    the exponents ``(a1, a2)`` of its vertices (the non-redundant monomials that tie at the dual vertex of
    the tropical curve), sorted. If all exponents are collinear the cells are segments; a single monomial
    gives one cell with one point.

    Parameters
    ----------
    points : iterable of lifted points ``(a1, a2, c)``

    Returns
    -------
    tuple of tuple of exponent pairs, sorted

    Examples
    --------
    >>> dual_subdivision([(0, 0, 0), (1, 0, 0), (0, 1, 0)])        # max(0, x1, x2): one triangle
    (((0, 0), (0, 1), (1, 0)),)
    >>> len(dual_subdivision([(0, 0, 0), (1, 0, 0), (0, 1, 0), (1, 1, 1)]))   # a square cut in two
    2
    """
    pts = merge_duplicates(points)
    if pts and len(pts[0]) != 3:
        raise DimensionMismatchError(f"dual_subdivision needs lifted points (a1, a2, c), got length {len(pts[0])}")
    verts = upper_hull_vertices(pts)
    fv = [tuple(Fraction(v) for v in p) for p in verts]
    if len(fv) <= 1:
        return tuple((tuple(p[:2] for p in verts),)) if verts else ()

    def collinear(a: tuple[Fraction, ...], b: tuple[Fraction, ...], c: tuple[Fraction, ...]) -> bool:
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]) == 0

    if all(collinear(fv[0], fv[1], q) for q in fv[2:]):
        # 1-D Newton polytope: the upper vertices in order along the line give the segments
        direction = (fv[1][0] - fv[0][0], fv[1][1] - fv[0][1])
        order = sorted(range(len(fv)), key=lambda i: fv[i][0] * direction[0] + fv[i][1] * direction[1])
        return tuple(
            tuple(sorted((verts[a][:2], verts[b][:2]))) for a, b in zip(order[:-1], order[1:])
        )
    cells: set[tuple[Point, ...]] = set()
    for i, j, k in combinations(range(len(fv)), 3):
        a, b, c = fv[i], fv[j], fv[k]
        if collinear(a, b, c):
            continue
        # tie point x with c_a + <α_a, x> = c_b + <α_b, x> = c_c + <α_c, x>
        sol = _solve_exact(
            [[b[0] - a[0], b[1] - a[1]], [c[0] - a[0], c[1] - a[1]]], [a[2] - b[2], a[2] - c[2]]
        )
        if sol is None:
            continue
        val = a[2] + a[0] * sol[0] + a[1] * sol[1]
        top = [q for q in fv if q[2] + q[0] * sol[0] + q[1] * sol[1] > val]
        if top:
            continue
        cell = tuple(
            sorted(verts[t][:2] for t in range(len(fv)) if fv[t][2] + fv[t][0] * sol[0] + fv[t][1] * sol[1] == val)
        )
        cells.add(cell)
    return tuple(sorted(cells))


def _as_fraction_point(p: Sequence[object]) -> tuple[Fraction, ...]:
    return tuple(as_fraction(v) for v in p)
