"""Exact upper hull against an independent LP oracle (tropical.md §3.2), Minkowski sums, dual subdivision."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tropical.errors import DimensionMismatchError, InexactInputError
from tropical.lp import solve_lp
from tropical.newton import (
    _is_redundant_against,
    convex_hull_vertices,
    dual_subdivision,
    merge_duplicates,
    minkowski_sum,
    product_vertex_mask,
    upper_hull_vertex_mask,
    upper_hull_vertices,
)
from tropical.polynomial import TropicalPolynomial as P
from tropical.testing import rationals, tropical_polynomials


def oracle_is_vertex(i, pts):
    """tropical.md §3.2: max t s.t. <a_j - a_i, x> + t*|a_j - a_i|_1 <= c_i - c_j, t <= 1; vertex iff t* > 0."""
    ai, ci = pts[i][:-1], pts[i][-1]
    d = len(ai)
    A, b = [], []
    for j, q in enumerate(pts):
        if j == i:
            continue
        diff = [Fraction(u) - Fraction(v) for u, v in zip(q[:-1], ai)]
        A.append(diff + [sum(abs(v) for v in diff)])
        b.append(Fraction(ci) - Fraction(q[-1]))
    A.append([0] * d + [1])
    b.append(1)
    res = solve_lp([0] * d + [1], A, b)
    return res.status == "optimal" and res.value > 0


def lifted_sets(dim):
    coord = st.integers(0, 3)
    return st.lists(
        st.tuples(*[coord] * dim, rationals(-4, 4, max_denominator=2)), min_size=1, max_size=9
    ).map(merge_duplicates)


@pytest.mark.parametrize("dim", [1, 2, 3])
@given(data=st.data())
def test_upper_hull_matches_lp_oracle(dim, data):
    pts = data.draw(lifted_sets(dim))
    mask = upper_hull_vertex_mask(pts)
    assert mask == [oracle_is_vertex(i, pts) for i in range(len(pts))]


@given(lifted_sets(2), st.integers(0, 8))
def test_integer_redundancy_lp_matches_rational_lp(pts, i):
    from tropical.newton import _integerize

    ipts = _integerize(pts)
    i %= len(ipts)
    p, others = ipts[i], ipts[:i] + ipts[i + 1 :]
    d = len(p) - 1
    res = solve_lp(
        [q[-1] for q in others], (), (),
        [[q[k] for q in others] for k in range(d)] + [[1] * len(others)], [*p[:-1], 1],
        nonnegative=True,
    ) if others else None
    expected = res is not None and res.status == "optimal" and res.value >= p[-1]
    assert _is_redundant_against(p, others) == expected


def caratheodory_redundant(p, others):
    """Slow oracle independent of the simplex: p is redundant iff some affinely independent subset S of the
    others (|S| <= d + 1, a basic feasible solution of the redundancy LP) has a_p = sum λ a_q, sum λ = 1,
    λ >= 0 and sum λ h_q >= h_p (exact elimination on the square normal system of each subset)."""
    from tropical.backend import solve_rational

    d = len(p) - 1
    for k in range(1, d + 2):
        for S in itertools.combinations(others, k):
            A = [[q[t] for q in S] for t in range(d)] + [[1] * k]
            b = [*p[:-1], 1]
            # normal equations (A^T A) λ = A^T b: unique iff the columns are independent
            AtA = [[sum(A[r][i] * A[r][j] for r in range(d + 1)) for j in range(k)] for i in range(k)]
            Atb = [sum(A[r][i] * b[r] for r in range(d + 1)) for i in range(k)]
            lam = solve_rational(AtA, Atb)
            if lam is None or any(v < 0 for v in lam):
                continue
            if any(sum(A[r][i] * lam[i] for i in range(k)) != b[r] for r in range(d + 1)):
                continue
            if sum(v * q[-1] for v, q in zip(lam, S)) >= p[-1]:
                return True
    return False


@pytest.mark.parametrize("dim", [1, 2, 3])
@given(data=st.data())
@settings(max_examples=20)
def test_one_simplex_matches_caratheodory_oracle(dim, data):
    from tropical.newton import _integerize

    ipts = _integerize(data.draw(lifted_sets(dim)))
    i = data.draw(st.integers(0, len(ipts) - 1))
    p, others = ipts[i], ipts[:i] + ipts[i + 1 :]
    assert _is_redundant_against(p, others) == caratheodory_redundant(p, others)


def test_degenerate_point_sets():
    # all coplanar lifted points (flat lifting): only the Newton polytope's vertices survive
    square = [(0, 0, 0), (1, 0, 0), (0, 1, 0), (1, 1, 0), (Fraction(1, 2), Fraction(1, 2), 0)]
    assert upper_hull_vertex_mask(square) == [True, True, True, True, False]
    # lower-dimensional exponent set (a line in the plane)
    line = [(0, 0, 0), (1, 1, 1), (2, 2, 0), (3, 3, -5)]
    assert upper_hull_vertex_mask(line) == [True, True, True, True]
    line2 = [(0, 0, 0), (1, 1, -1), (2, 2, 0)]
    assert upper_hull_vertex_mask(line2) == [True, False, True]
    assert upper_hull_vertex_mask([(5, 5, 5)]) == [True]
    assert upper_hull_vertex_mask([]) == []
    # zero variables: the highest constant wins
    assert upper_hull_vertices([(1,), (3,), (2,)]) == ((3,),)


def test_worked_example_minkowski_sum():
    # tropical.md §2.4: P(F) + P(G) is a parallelogram with 4 upper vertices
    F = P({(1, 0): 0, (0, 1): 0})
    G = P({(2, 2): -1, (0, 1): 0})
    sums = minkowski_sum(F.lifted_points(), G.lifted_points())
    assert set(sums) == {(3, 2, -1), (1, 1, 0), (2, 3, -1), (0, 2, 0)}
    assert len(upper_hull_vertices(sums)) == 4 == (F * G).num_linear_regions()


@given(tropical_polynomials(2, max_terms=5), tropical_polynomials(2, max_terms=5))
@example(P({(0, 0): 0}), P({(1, 1): 0}))
def test_newton_of_product_is_minkowski_sum(f, g):
    expected = set(convex_hull_vertices(minkowski_sum(f.exponents(), g.exponents())))
    assert set((f * g).newton_polytope()) == expected
    # upper hull of the product = upper vertices of the Minkowski sum of lifted points
    lifted = set(upper_hull_vertices(minkowski_sum(f.lifted_points(), g.lifted_points())))
    assert set((f * g).upper_hull_vertices()) == lifted
    sums, mask = product_vertex_mask(f.pruned().lifted_points(), g.pruned().lifted_points())
    assert {s for s, k in zip(sums, mask) if k} == lifted


@given(tropical_polynomials(3, max_terms=5), tropical_polynomials(3, max_terms=4))
def test_product_vertex_mask_three_variables(f, g):
    sums, mask = product_vertex_mask(f.lifted_points(), g.lifted_points())
    assert {s for s, k in zip(sums, mask) if k} == set((f * g).upper_hull_vertices())


def test_dual_subdivision_known_answers():
    assert dual_subdivision([(0, 0, 0), (1, 0, 0), (0, 1, 0)]) == (((0, 0), (0, 1), (1, 0)),)
    # unit square lifted with a raised corner: split along the diagonal through (0,0)-(1,1)
    cells = dual_subdivision([(0, 0, 0), (1, 0, 0), (0, 1, 0), (1, 1, 1)])
    assert cells == (((0, 0), (0, 1), (1, 1)), ((0, 0), (1, 0), (1, 1)))
    # flat square: a single cell (the whole square)
    assert dual_subdivision([(0, 0, 0), (1, 0, 0), (0, 1, 0), (1, 1, 0)]) == (
        ((0, 0), (0, 1), (1, 0), (1, 1)),
    )
    # collinear exponents: segments
    assert dual_subdivision([(0, 0, 0), (1, 0, 0), (2, 0, -3)]) == (((0, 0), (1, 0)), ((1, 0), (2, 0)))
    assert dual_subdivision([(1, 1, 0)]) == (((1, 1),),)


@given(tropical_polynomials(2, max_terms=6))
def test_dual_subdivision_covers_the_non_redundant_monomials(f):
    cells = dual_subdivision(f.lifted_points())
    used = {e for c in cells for e in c}
    assert used == set(f.pruned().exponents())


def test_invalid_inputs():
    with pytest.raises(InexactInputError):
        upper_hull_vertices([(0.5, 1)])
    with pytest.raises(DimensionMismatchError):
        upper_hull_vertices([(0, 1), (0, 1, 2)])
    with pytest.raises(DimensionMismatchError):
        minkowski_sum([(0, 1)], [(0, 1, 2)])
    with pytest.raises(DimensionMismatchError):
        dual_subdivision([(0, 1)])


def slow_slabs(pts):
    """The slab bounds straight from the definition, with Fractions, every ordered pair (oracle)."""
    out = []
    for a, pa in enumerate(pts):
        dirs = {}
        for b, pb in enumerate(pts):
            diff = [x - y for x, y in zip(pa[:-1], pb[:-1])]
            if a == b or not any(diff):
                continue
            g = math.gcd(*diff)
            k = g if next(v for v in diff if v) > 0 else -g
            u = tuple(v // k for v in diff)
            bound = Fraction(pb[-1] - pa[-1], k)
            slot = dirs.setdefault(u, [None, None])
            side = 0 if k > 0 else 1
            if slot[side] is None or (bound > slot[side] if side == 0 else bound < slot[side]):
                slot[side] = bound
        out.append(dirs)
    return out


@given(st.lists(st.tuples(st.integers(-3, 3), st.integers(-3, 3), st.integers(-20, 20)), max_size=10))
def test_slabs_equal_the_definition(pts):
    from tropical.newton import _slab_conflict, _slabs

    pts = merge_duplicates(pts)
    fast = _slabs(pts)
    slow = slow_slabs(pts)
    as_frac = [{u: [None if v is None else Fraction(*v) for v in s] for u, s in d.items()} for d in fast]
    assert as_frac == slow
    for i, j in itertools.combinations(range(len(pts)), 2):
        lo_hi = [(slow[i].get(u), slow[j].get(u)) for u in slow[i]]
        expected = False
        for s1, s2 in lo_hi:
            if s2 is None:
                continue
            los = [v for v in (s1[0], s2[0]) if v is not None]
            his = [v for v in (s1[1], s2[1]) if v is not None]
            if los and his and max(los) >= min(his):
                expected = True
        assert _slab_conflict(fast[i], fast[j]) == expected


@pytest.mark.parametrize("bad", [5, None, "abc", [5], [(1, 2), 3]])
def test_hull_functions_refuse_non_sequences(bad):
    for fn in (upper_hull_vertices, convex_hull_vertices, merge_duplicates, dual_subdivision):
        with pytest.raises(InexactInputError):
            fn(bad)
