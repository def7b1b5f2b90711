"""Tests of tropical.polyhedron: the exact double-description machinery against brute force."""

from __future__ import annotations

import itertools
import random
from fractions import Fraction

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tropical.errors import DimensionMismatchError, InexactInputError
from tropical.polyhedron import EmptyPolyhedronError, Polyhedron, dd_step, facets_overlap, primitive


def solve(rows, rhs):
    """Exact solution of a square system, or None when singular."""
    n = len(rows)
    m = [[Fraction(v) for v in r] + [Fraction(b)] for r, b in zip(rows, rhs)]
    for c in range(n):
        piv = next((r for r in range(c, n) if m[r][c] != 0), None)
        if piv is None:
            return None
        m[c], m[piv] = m[piv], m[c]
        for r in range(n):
            if r != c and m[r][c] != 0:
                f = m[r][c] / m[c][c]
                m[r] = [a - f * b for a, b in zip(m[r], m[c])]
    return tuple(m[i][n] / m[i][i] for i in range(n))


def rank(vectors):
    m = [[Fraction(v) for v in r] for r in vectors]
    rk, col = 0, 0
    ncols = len(m[0]) if m else 0
    while rk < len(m) and col < ncols:
        piv = next((r for r in range(rk, len(m)) if m[r][col] != 0), None)
        if piv is None:
            col += 1
            continue
        m[rk], m[piv] = m[piv], m[rk]
        for r in range(len(m)):
            if r != rk and m[r][col] != 0:
                f = m[r][col] / m[rk][col]
                m[r] = [a - f * b for a, b in zip(m[r], m[rk])]
        rk += 1
        col += 1
    return rk


def brute_vertices(A, b):
    n = len(A[0])
    out = set()
    for idx in itertools.combinations(range(len(A)), n):
        x = solve([A[i] for i in idx], [b[i] for i in idx])
        if x is None:
            continue
        if all(sum(a * xi for a, xi in zip(r, x)) <= bi for r, bi in zip(A, b)):
            out.add(tuple(Fraction(v) for v in x))
    return out


def random_polytope(rng, n, m, box=3):
    A, b = [], []
    for i in range(n):
        e = [int(i == j) for j in range(n)]
        A += [e, [-v for v in e]]
        b += [box, box]
    for _ in range(m):
        A.append([rng.randint(-3, 3) for _ in range(n)])
        b.append(rng.randint(-2, 4))
    return A, b


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("n", [2, 3])
def test_vertices_and_facets_match_brute_force(seed, n):
    rng = random.Random(seed)
    A, b = random_polytope(rng, n, 4 if n == 2 else 3)
    try:
        p = Polyhedron.from_inequalities(A, b)
    except EmptyPolyhedronError:
        assert len(brute_vertices(A, b)) <= n  # no full-dimensional polytope there
        return
    verts = {tuple(Fraction(v) for v in x) for x in p.vertices()}
    assert verts == brute_vertices(A, b)
    assert not p.rays() and not p.lines()
    # every reported facet is tight on n affinely independent vertices, and every inequality that is tight
    # on n affinely independent vertices is (a positive multiple of) a reported facet
    facets = {primitive(list(a) + [-bb]) for a, bb in p.facets()}
    for row, bi in zip(A, b):
        den = 1
        tight = [x for x in verts if sum(r * v for r, v in zip(row, x)) == bi]
        if tight and rank([list(x) + [1] for x in tight]) == n:
            vec = [Fraction(v) for v in row] + [-Fraction(bi)]
            for v in vec:
                den = den * v.denominator
            assert primitive([int(v * den) for v in vec]) in facets
    for a, bb in facets_as_pairs(p):
        tight = [x for x in verts if sum(r * v for r, v in zip(a, x)) == bb]
        assert rank([list(x) + [1] for x in tight]) == n
    # the interior point is strictly inside
    assert p.contains(p.interior_point(), strict=True)


def facets_as_pairs(p):
    return p.facets()


def test_unbounded_and_lines():
    p = Polyhedron.whole_space(3).intersect([1, 0, 0], 1).intersect([0, 1, 0], 2)
    assert len(p.lines()) == 1
    assert p.vertices() == [] or len(p.vertices()) == 1
    assert p.contains([0, 0, 100], strict=True)
    assert not p.contains([2, 0, 0])
    q = Polyhedron.from_inequalities([[-1, 0], [0, -1]], [0, 0])  # the positive quadrant
    assert q.vertices() == [(0, 0)]
    assert sorted(q.rays()) == [(0, 1), (1, 0)]
    assert len(q.facets()) == 2


def test_redundant_and_empty():
    p = Polyhedron.from_inequalities([[1], [-1], [1]], [1, 1, 5])
    assert len(p.facets()) == 2
    with pytest.raises(EmptyPolyhedronError):
        Polyhedron.from_inequalities([[1], [-1]], [0, 0])  # a point: not full-dimensional
    with pytest.raises(EmptyPolyhedronError):
        Polyhedron.from_inequalities([[1], [-1]], [0, -1])
    with pytest.raises(InexactInputError):
        Polyhedron.from_inequalities([[0.5]], [1])
    with pytest.raises(DimensionMismatchError):
        Polyhedron.from_inequalities([[1, 2]], [1, 2])


def test_thin_sliver_is_exact():
    eps = Fraction(1, 10**15)
    p = Polyhedron.from_inequalities([[1, 0], [-1, 0], [0, 1], [0, -1]], [eps, 0, 1, 0])
    assert len(p.vertices()) == 4
    x = p.interior_point()
    assert 0 < x[0] < eps


def test_dd_step_line_case():
    # the line R (cone {t >= 0} in (x, t)) cut by x >= 0
    p = Polyhedron.whole_space(1)
    plus, minus = dd_step(p.gens, p.incs, p.lines_, [0], [1], p.active, 1 << len(p.ineqs), p.pdim)
    assert plus[0] == [(0, 1), (1, 0)] and minus[0] == [(0, 1), (-1, 0)]
    assert plus[2] == [] and minus[2] == []


def test_facets_overlap():
    # the square [0,1]^2; its facet x = 1 (inequality 1 - x >= 0) against half-planes
    sq = Polyhedron.from_inequalities([[1, 0], [-1, 0], [0, 1], [0, -1]], [1, 0, 1, 0])
    bit = next(1 << i for i, h in enumerate(sq.ineqs) if h == (-1, 0, 1))
    assert facets_overlap(sq.gens, sq.incs, sq.lines_, bit, [(0, -2, 1)])      # y <= 1/2
    assert not facets_overlap(sq.gens, sq.incs, sq.lines_, bit, [(0, -1, 0)])  # y <= 0: a point
    assert not facets_overlap(sq.gens, sq.incs, sq.lines_, bit, [(0, -1, -1)])  # y <= -1: empty


@given(st.lists(st.tuples(st.integers(-3, 3), st.integers(-3, 3), st.integers(-4, 4)), min_size=1, max_size=6))
@example([(1, 1, 0), (1, 1, 0), (2, 2, 0)])      # repeated (parallel, coincident) constraints
@example([(1, 0, 0), (0, 1, 0), (-1, -1, 0)])    # three lines through one point
def test_random_planar_cuts(cuts):
    A = [[1, 0], [-1, 0], [0, 1], [0, -1]] + [[a, b] for a, b, _ in cuts]
    b = [2, 2, 2, 2] + [c for _, _, c in cuts]
    brute = brute_vertices(A, b)
    try:
        p = Polyhedron.from_inequalities(A, b)
    except EmptyPolyhedronError:
        assert rank([list(x) + [1] for x in brute] or [[0, 0, 0]]) < 3
        return
    assert {tuple(Fraction(v) for v in x) for x in p.vertices()} == brute
    assert len(p.facets()) == len(brute)  # a polygon has as many edges as vertices
