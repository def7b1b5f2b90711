"""Tropical rational functions and maps: evaluation, algebra, the N(F ⊙ G) bound."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given

from tropical.errors import DimensionMismatchError, InexactInputError, TropicalSubtractionError
from tropical.polynomial import TropicalPolynomial as P
from tropical.rational import TropicalRationalFunction, TropicalRationalMap
from tropical.testing import points, tropical_polynomials

polys = tropical_polynomials(2, max_terms=5)


@given(polys, polys, polys, polys, points(2))
def test_algebra_matches_classical_functions(f, g, h, k, x):
    a, b = f / g, h / k
    va, vb = a.evaluate(x), b.evaluate(x)
    assert va == f(x).value - g(x).value
    assert (a + b).evaluate(x) == max(va, vb)
    assert (a * b).evaluate(x) == va + vb
    assert (a / b).evaluate(x) == va - vb
    assert a.pruned().evaluate(x) == va
    assert (a * b).equals_as_function(b * a)


def test_worked_example_counts():
    F = P({(1, 0): 0, (0, 1): 0})
    G = P({(2, 2): -1, (0, 1): 0})
    r = F / G
    assert r.num_monomials == (2, 2)
    assert r.linear_regions_of_numerator() == 2 and r.linear_regions_of_denominator() == 2
    assert r.upper_vertex_bound() == 4
    assert r.evaluate([0, 2]) == -1
    assert str(r) == "(x1 ⊕ x2) ⊘ ((-1)⊙x1^2⊙x2^2 ⊕ x2)"


def test_map():
    x = P.variable(0, 1)
    m = TropicalRationalMap([(x + P.one(1)) / P.one(1), x / (x + P.one(1))])
    assert m.evaluate([Fraction(-2)]) == (0, -2)
    assert m.output_dim == 2 == len(m) and m.nvars == 1
    assert m.num_monomials() == ((2, 1), (1, 2))
    assert m.upper_vertex_bounds() == (2, 2)
    assert m.layer_stats == ()


def test_errors():
    x = P.variable(0, 1)
    with pytest.raises(ZeroDivisionError):
        x / P.zero(1)
    with pytest.raises(DimensionMismatchError):
        TropicalRationalFunction(x, P.one(2))
    with pytest.raises(TropicalSubtractionError):
        (x / x) - (x / x)
    with pytest.raises(InexactInputError):
        (x / x) * 0.5
    with pytest.raises(DimensionMismatchError):
        TropicalRationalMap([])
    with pytest.raises(DimensionMismatchError):
        TropicalRationalMap([x / x, P.variable(0, 2) / P.one(2)])
    with pytest.raises(InexactInputError):
        (x / x).evaluate([0.5])
