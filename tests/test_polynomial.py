"""Tropical polynomials: evaluation is a homomorphism, pruning keeps the function, printing, caching."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import example, given

from tropical.errors import DimensionMismatchError, InexactInputError, TropicalSubtractionError
from tropical.polynomial import TropicalPolynomial as P
from tropical.semiring import TropicalNumber
from tropical.testing import points, tie_points, tropical_polynomials

polys2 = tropical_polynomials(2, min_terms=0)


@given(polys2, polys2, points(2))
@example(P.zero(2), P.one(2), (Fraction(0), Fraction(0)))
def test_evaluation_is_a_homomorphism(f, g, x):
    assert (f + g)(x) == f(x) + g(x)
    assert (f * g)(x) == f(x) * g(x)
    assert (f**2)(x) == f(x) ** 2


@given(polys2, polys2, polys2)
def test_polynomial_semiring_laws(f, g, h):
    assert f + g == g + f and f * g == g * f
    assert (f * g) * h == f * (g * h)
    assert f * (g + h) == f * g + f * h
    assert f + P.zero(2) == f and f * P.one(2) == f and (f * P.zero(2)).is_zero


@given(tropical_polynomials(2, max_terms=8), points(2))
@example(P({(0, 0): 0, (1, 1): 0, (2, 0): 0, (0, 2): 0}), (Fraction(1), Fraction(1)))
def test_pruning_never_changes_the_function(f, x):
    g = f.pruned()
    assert g(x) == f(x)
    for t in tie_points(f, rng=1):
        assert g(t) == f(t)
    assert g.equals_as_function(f) and g.pruned() is g
    assert len(g) == f.num_linear_regions() <= len(f)
    assert set(g.exponents()) | set(f.redundant_monomials()) == set(f.exponents())


def _upper_chain(pts):
    """Oracle: upper hull vertices of 2-D points by the monotone chain (exact, strict turns only)."""
    pts = sorted(pts)
    hull = []
    for p in pts:
        while len(hull) >= 2:
            (x1, y1), (x2, y2) = hull[-2], hull[-1]
            if (x2 - x1) * (p[1] - y1) - (y2 - y1) * (p[0] - x1) >= 0:
                hull.pop()
            else:
                break
        hull.append(p)
    return set(hull)


@given(tropical_polynomials(1, max_terms=8, rational_exponents=True))
def test_one_variable_upper_hull_matches_monotone_chain(f):
    pts = [(Fraction(e[0]), Fraction(c)) for e, c in f.terms.items()]
    expected = _upper_chain(pts)
    got = {(Fraction(p[0]), Fraction(p[1])) for p in f.upper_hull_vertices()}
    assert got == expected


def test_known_answers_one_dimension():
    f = P({(0,): 0, (1,): -2, (2,): 0})  # max(0, x-2, 2x)
    assert f.redundant_monomials() == ((1,),) and f.num_linear_regions() == 2
    g = P({(0,): 0, (1,): 0, (2,): -3})  # max(0, x, 2x-3): breakpoints 0 and 3
    assert g.num_linear_regions() == 3 and g.redundant_monomials() == ()


def test_functional_vs_formal_equality():
    x1, x2 = P.variables(2)
    f = x1 * x2 + x1**2 + x2**2
    g = x1**2 + x2**2
    assert f != g and f.equals_as_function(g)
    assert not f.equals_as_function(x1**2)


def test_printing_and_repr():
    x1, x2 = P.variables(2)
    assert str(3 * x1**2 * x2 + x2) == "3⊙x1^2⊙x2 ⊕ x2"
    assert str(P({(2, 2): -1, (0, 1): 0})) == "(-1)⊙x1^2⊙x2^2 ⊕ x2"
    assert str(P.zero(2)) == "-∞" and str(P.one(1)) == "0"
    assert str(P({(Fraction(1, 2),): Fraction(1, 3)})) == "(1/3)⊙x1^(1/2)"
    f = P({(1, 0): Fraction(1, 2)})
    assert eval(repr(f), {"TropicalPolynomial": P, "Fraction": Fraction}) == f


def test_newton_polytope_and_hull():
    f = P({(0, 0): 0, (1, 1): 5, (2, 0): 0, (0, 2): 0, (1, 0): 0})
    assert set(f.newton_polytope()) == {(0, 0), (2, 0), (0, 2)}
    assert (1, 1, 5) in f.upper_hull_vertices()
    assert f.coefficient((1, 1)) == TropicalNumber(5) and f.coefficient((3, 3)).is_zero
    assert f.degree() == 2 and P.zero(2).degree() == -1


def test_rational_powers_of_monomials_and_scale():
    m = P.monomial((2,), 4)
    assert m ** Fraction(1, 2) == P.monomial((1,), 2)
    with pytest.raises(ValueError):
        (m + P.one(1)) ** Fraction(1, 2)
    f = P({(1,): 2, (0,): 0})
    assert f.scale(3)([Fraction(1, 5)]).value == 3 * f([Fraction(1, 5)]).value


def test_errors():
    x = P.variable(0, 1)
    with pytest.raises(InexactInputError):
        P({(0.5,): 0})
    with pytest.raises(InexactInputError):
        P({(1,): 0.5})
    with pytest.raises(InexactInputError):
        x + 0.5
    with pytest.raises(DimensionMismatchError):
        P({(1,): 0, (1, 0): 0})
    with pytest.raises(DimensionMismatchError):
        x + P.variable(0, 2)
    with pytest.raises(DimensionMismatchError):
        x([1, 2])
    with pytest.raises(DimensionMismatchError):
        P({})
    with pytest.raises(TropicalSubtractionError):
        x - x
    with pytest.raises(ValueError):
        P.zero(1).value([0])
    assert P.zero(1)([0]).is_zero
