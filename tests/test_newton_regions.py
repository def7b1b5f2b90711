"""The region-geometry path of ``product_vertex_mask`` (the factors' regions from one double description each,
facet separation, exact intersection in dimension 3) against the exact LP reference path, and the regions
against a slow one-region-at-a-time oracle, on random and degenerate lifted point sets in dimensions 1 to 3."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from tropical.backend import use_backend, use_guided
from tropical.newton import _facets_separate, _region_cones, product_upper_vertices, product_vertex_mask
from tropical.polyhedron import EmptyPolyhedronError, Polyhedron, primitive


def _region_cone(pts, a):
    """Oracle: the region of ``pts[a]`` by cutting the whole space with every other point's inequality
    (``c_a - c_b + <α_a - α_b, x> >= 0``), or None when it has empty interior."""
    d = len(pts[a]) - 1
    poly = Polyhedron.whole_space(d)
    try:
        for b, pb in enumerate(pts):
            if b != a:
                diff = tuple(x - y for x, y in zip(pts[a], pb))
                if not any(diff[:d]):
                    if diff[d] < 0:
                        return None
                    continue
                poly = poly._cut(diff, True)
    except EmptyPolyhedronError:
        return None
    return [h for i, h in enumerate(poly.ineqs) if poly.active >> i & 1], poly.gens, poly.lines_


def _same_polyhedron(A, B):
    """Mutual containment of two regions given as (inequalities, generators, lines)."""
    def inside(X, Y):
        return all(sum(p * q for p, q in zip(h, g)) >= 0 for h in Y[0] for g in X[1]) and all(
            sum(p * q for p, q in zip(h, ln)) == 0 for h in Y[0] for ln in X[2])
    return inside(A, B) and inside(B, A)


def _points(rng: random.Random, d: int, k: int) -> list[tuple]:
    top = 8 if d == 1 else 3
    k = min(k, (top + 1) ** d)
    seen: set[tuple[int, ...]] = set()
    out = []
    while len(out) < k:
        e = tuple(rng.randint(0, top) for _ in range(d))
        if e not in seen:
            seen.add(e)
            c = rng.choice([0, rng.randint(-3, 3), Fraction(rng.randint(-20, 20), rng.randint(1, 7))])
            out.append((*e, c))
    return out


def _check_against_the_lp_reference(P, Q):
    """The default path's mask and vertices equal the pure-Python LP path's."""
    fast = product_vertex_mask(P, Q)
    with use_guided(False), use_backend("python"):
        ref = product_vertex_mask(P, Q)
    assert fast == ref, (P, Q)
    assert product_upper_vertices(P, Q) == [s for s, k in zip(*ref) if k]


@pytest.mark.parametrize("d", [1, 2, 3])
def test_product_vertex_mask_equals_the_lp_reference(d):
    rng = random.Random(d)
    for _ in range(120):
        _check_against_the_lp_reference(_points(rng, d, rng.randint(1, 9)), _points(rng, d, rng.randint(1, 9)))


def test_regions_and_separation():
    # max(0, x): the regions x <= 0 and x >= 0 touch in a point only (separated); max(0, 2x - 1) overlaps
    left, right = _region_cone([(0, 0), (1, 0)], 0), _region_cone([(0, 0), (1, 0)], 1)
    assert left is not None and right is not None and _facets_separate(left, right)
    other = _region_cone([(0, 0), (2, -1)], 1)          # x >= 1/2
    assert other is not None and not _facets_separate(left, _region_cone([(0, 0), (2, -1)], 0))
    assert _facets_separate(left, other)
    assert _region_cone([(0, 0), (1, 0), (2, -5)], 1) is not None
    assert _region_cone([(0, 0), (1, -5), (2, 0)], 1) is None   # below the hull: no interior


def _degenerate_points(rng: random.Random, d: int, k: int) -> list[tuple]:
    """Exponents on a line or a plane (regions with lineality), repeated heights, collinear lifts."""
    kind = rng.randrange(3)
    out, seen = [], set()
    u = tuple(rng.randint(-2, 2) for _ in range(d)) or (1,)
    v = tuple(rng.randint(-2, 2) for _ in range(d))
    for _ in range(4 * k):
        s, t = rng.randint(-3, 3), rng.randint(-3, 3)
        e = tuple(s * a + (t * b if kind == 1 else 0) + 3 for a, b in zip(u, v))
        if kind == 2:
            e = tuple(rng.randint(0, 2) for _ in range(d))
        if e in seen:
            continue
        seen.add(e)
        c = 0 if kind == 2 else (s * s if rng.random() < 0.5 else rng.randint(-2, 2))
        out.append((*e, c))
        if len(out) == k:
            break
    return out or [(0,) * d + (0,)]


@pytest.mark.parametrize("d", [1, 2, 3])
def test_all_regions_at_once_equal_the_one_at_a_time_oracle(d):
    rng = random.Random(100 + d)
    for trial in range(150):
        k = rng.randint(1, 10)
        pts = _points(rng, d, k) if trial % 2 else _degenerate_points(rng, d, k)
        ipts = [tuple(int(v * 420) for v in p) for p in pts]  # integer lifts (the function's input)
        fast = _region_cones(ipts)
        for a in range(len(ipts)):
            slow = _region_cone(ipts, a)
            assert (fast[a] is None) == (slow is None), (ipts, a)
            if slow is not None:
                assert _same_polyhedron(fast[a], slow), (ipts, a)
                # every facet of the region is among the inequalities (up to a positive factor)
                assert {primitive(h) for h in slow[0]} - {(0,) * d + (1,)} <= {primitive(h) for h in fast[a][0]}


@pytest.mark.parametrize("d", [2, 3])
def test_degenerate_sets_equal_the_lp_reference(d):
    rng = random.Random(50 + d)
    for _ in range(80):
        _check_against_the_lp_reference(_degenerate_points(rng, d, rng.randint(1, 8)),
                                        _degenerate_points(rng, d, rng.randint(1, 8)))


def _hull_1d_oracle(pts):
    """Brute force in one variable: the unique highest copy of an exponent strictly above every chord."""
    tops: dict = {}
    for e, h in pts:
        tops.setdefault(e, []).append(h)
    out = []
    for e, h in pts:
        hs = tops[e]
        if h != max(hs) or hs.count(h) > 1:
            out.append(False)
            continue
        others = [(x, max(v)) for x, v in tops.items() if x != e]
        out.append(all(h > a[1] + Fraction(e - a[0], b[0] - a[0]) * (b[1] - a[1])
                       for a in others for b in others if a[0] < e < b[0]))
    return out


def test_upper_hull_with_tied_duplicates_and_mixed_denominators():
    """Regression: tied copies (blocked exponents) were scaled apart from the other points when their heights
    had other denominators, which moved them (98 of these 3,000 sets were answered wrongly)."""
    from tropical.newton import upper_hull_vertex_mask

    assert upper_hull_vertex_mask([(2, Fraction(3, 2)), (4, 0), (5, -5), (3, Fraction(5, 3)), (3, Fraction(5, 3)),
                                   (1, Fraction(-3, 5))]) == [True, True, True, False, False, True]
    rng = random.Random(0)
    for _ in range(3000):
        pts = []
        for e in rng.sample(range(6), rng.randint(2, 5)):
            h = Fraction(rng.randint(-6, 6), rng.choice([1, 2, 3, 5]))
            pts += [(e, h)] * (2 if rng.random() < 0.3 else 1)
        want = _hull_1d_oracle(pts)
        for g in (True, False):
            with use_guided(g):
                assert upper_hull_vertex_mask(pts) == want, (g, pts)


@pytest.mark.parametrize("d", [2, 3])
def test_upper_hull_regions_path_equals_the_lp_reference(d):
    from tropical.newton import upper_hull_vertex_mask

    rng = random.Random(200 + d)
    for trial in range(120):
        k = rng.randint(1, 12)
        pts = _points(rng, d, k) if trial % 2 else _degenerate_points(rng, d, k)
        if rng.random() < 0.3:
            pts = pts + [pts[0]]  # a tied copy blocks its exponent
        fast = upper_hull_vertex_mask(pts)
        with use_guided(False), use_backend("python"):
            assert fast == upper_hull_vertex_mask(pts), pts
