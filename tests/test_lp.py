"""Exact LP solver against brute-force vertex enumeration on tiny LPs."""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tropical.errors import DimensionMismatchError, InexactInputError
from tropical.lp import solve_lp


def _solve_square(A, b):
    """Solve A x = b exactly (square); None if singular."""
    n = len(A)
    M = [list(map(Fraction, row)) + [Fraction(bi)] for row, bi in zip(A, b)]
    for col in range(n):
        piv = next((r for r in range(col, n) if M[r][col] != 0), None)
        if piv is None:
            return None
        M[col], M[piv] = M[piv], M[col]
        for r in range(n):
            if r != col and M[r][col] != 0:
                f = M[r][col] / M[col][col]
                M[r] = [a - f * c for a, c in zip(M[r], M[col])]
    return [M[i][n] / M[i][i] for i in range(n)]


def _brute_force(c, A, b):
    """max c.x over {A x <= b} assumed bounded (box rows included): enumerate vertices."""
    n = len(c)
    best = None
    for rows in itertools.combinations(range(len(A)), n):
        x = _solve_square([A[r] for r in rows], [b[r] for r in rows])
        if x is None:
            continue
        if all(sum(Fraction(a) * xi for a, xi in zip(row, x)) <= bi for row, bi in zip(A, b)):
            val = sum(Fraction(ci) * xi for ci, xi in zip(c, x))
            best = val if best is None or val > best else best
    return best


small = st.integers(-4, 4)


@given(st.data(), st.integers(1, 3), st.integers(0, 4))
def test_matches_brute_force_on_boxed_lps(data, n, m):
    c = data.draw(st.lists(small, min_size=n, max_size=n))
    A = data.draw(st.lists(st.lists(small, min_size=n, max_size=n), min_size=m, max_size=m))
    b = data.draw(st.lists(st.integers(-6, 6), min_size=m, max_size=m))
    box_A = [[1 if j == i else 0 for j in range(n)] for i in range(n)] + [
        [-1 if j == i else 0 for j in range(n)] for i in range(n)
    ]
    A_all = A + box_A
    b_all = b + [5] * (2 * n)
    expected = _brute_force(c, A_all, b_all)
    for maximize in (True, False):
        cc = c if maximize else [-v for v in c]
        res = solve_lp(cc, A_all, b_all, maximize=maximize)
        if expected is None:
            assert res.status == "infeasible"
        else:
            assert res.status == "optimal"
            assert res.value == (expected if maximize else -expected)
            assert all(
                sum(Fraction(a) * xi for a, xi in zip(row, res.x)) <= bi for row, bi in zip(A_all, b_all)
            )


@given(st.data(), st.integers(1, 3))
def test_equalities_and_nonnegative(data, n):
    c = data.draw(st.lists(small, min_size=n, max_size=n))
    a = data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
    rhs = data.draw(st.integers(0, 6))
    res = solve_lp(c, [], [], [a], [rhs], nonnegative=True, maximize=False)
    # brute force over the box 0..6 on a grid is not exact for LPs; instead cross-check with the free
    # formulation with explicit x >= 0 rows.
    rows = [[-1 if j == i else 0 for j in range(n)] for i in range(n)]
    res2 = solve_lp(c, rows, [0] * n, [a], [rhs], maximize=False)
    assert res.status == res2.status
    if res.status == "optimal":
        assert res.value == res2.value
        assert sum(ai * xi for ai, xi in zip(a, res.x)) == rhs
        assert all(xi >= 0 for xi in res.x)


def test_known_answers():
    r = solve_lp([3, 2], [[1, 1], [1, 3], [-1, 0], [0, -1]], [4, 6, 0, 0])
    assert r.status == "optimal" and r.value == 12 and r.x == (4, 0)
    assert solve_lp([1, 1], [[1, 0]], [1]).status == "unbounded"
    assert solve_lp([1], [[1], [-1]], [1, -2]).status == "infeasible"
    assert solve_lp([1], [], [], [[1], [1]], [1, 2]).status == "infeasible"
    # redundant equalities
    r = solve_lp([1, 0], [[1, 0]], [7], [[1, 1], [2, 2]], [3, 6])
    assert r.status == "optimal" and r.value == 7 and r.x == (7, -4)
    # zero variables
    assert solve_lp([], [[]], [1]).status == "optimal"
    assert solve_lp([], [[]], [-1]).status == "infeasible"
    # fractional optimum
    r = solve_lp([1], [[3]], [1])
    assert r.value == Fraction(1, 3)


def test_degenerate_cycling_example_terminates():
    # Beale's classic cycling example (cycles under the textbook rule, not under Bland's).
    c = [Fraction(3, 4), -150, Fraction(1, 50), -6]
    A = [[Fraction(1, 4), -60, Fraction(-1, 25), 9], [Fraction(1, 2), -90, Fraction(-1, 50), 3], [0, 0, 1, 0]]
    b = [0, 0, 1]
    r = solve_lp(c, A, b, nonnegative=True)
    assert r.status == "optimal" and r.value == Fraction(1, 20)


@pytest.mark.parametrize(
    "args, kwargs, exc",
    [
        (([1.0], [[1]], [1]), {}, InexactInputError),
        (([1], [[0.5]], [1]), {}, InexactInputError),
        (([1], [[1]], [float("nan")]), {}, InexactInputError),
        (([1, 2], [[1]], [1]), {}, DimensionMismatchError),
        (([1], [[1]], [1, 2]), {}, DimensionMismatchError),
        (([1], [], [], [[1, 1]], [1]), {}, DimensionMismatchError),
    ],
)
def test_invalid(args, kwargs, exc):
    with pytest.raises(exc):
        solve_lp(*args, **kwargs)
