"""Semiring laws of the max-plus numbers, incl. the zero and one; operators; refusal of floats."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import example, given

from tropical.errors import InexactInputError, TropicalSubtractionError
from tropical.semiring import NEG_INF, TropicalNumber, tropical_product, tropical_sum
from tropical.testing import rationals, tropical_numbers

Z, ONE = TropicalNumber.zero(), TropicalNumber.one()


@given(tropical_numbers(), tropical_numbers(), tropical_numbers())
@example(Z, Z, Z)
@example(ONE, Z, TropicalNumber(3))
def test_semiring_laws(a, b, c):
    assert a + b == b + a and a * b == b * a
    assert (a + b) + c == a + (b + c) and (a * b) * c == a * (b * c)
    assert a * (b + c) == a * b + a * c
    assert a + Z == a and a * ONE == a and a * Z == Z
    assert a + a == a  # idempotent


@given(tropical_numbers(allow_zero=False), tropical_numbers(allow_zero=False))
def test_classical_meaning(a, b):
    assert (a + b).value == max(a.value, b.value)
    assert (a * b).value == a.value + b.value
    assert (a / b).value == a.value - b.value
    assert (a / b) * b == a
    assert (a**3).value == 3 * a.value and (a ** Fraction(1, 2)).value == a.value / 2
    assert a ** -1 * a == ONE


@given(rationals(), rationals())
def test_order_and_mixing_with_exact_numbers(p, q):
    a = TropicalNumber(p)
    assert (a + q).value == max(p, q) and (q + a).value == max(p, q)
    assert (a < TropicalNumber(q)) == (p < q)
    assert Z < a and Z <= Z and not (a < Z)


def test_zero_is_a_sentinel_not_a_float():
    assert Z.value is NEG_INF and not isinstance(Z.value, float)
    assert float(Z) == float("-inf")
    assert repr(Z) == "TropicalNumber(NEG_INF)" and str(Z) == "-∞"
    assert Z**0 == ONE and Z**2 == Z
    with pytest.raises(ZeroDivisionError):
        ONE / Z
    with pytest.raises(ZeroDivisionError):
        Z ** -1


def test_sum_product_helpers():
    assert tropical_sum([1, 4, Fraction(9, 2)]) == TropicalNumber(Fraction(9, 2))
    assert tropical_product([1, 4]) == TropicalNumber(5)
    assert tropical_sum([]) == Z and tropical_product([]) == ONE


@pytest.mark.parametrize("bad", [0.5, float("-inf"), float("nan"), True, "3", None])
def test_refuses_inexact_or_non_numbers(bad):
    with pytest.raises(InexactInputError):
        TropicalNumber(bad)


def test_float_operands_refused_and_subtraction_explained():
    a = TropicalNumber(2)
    with pytest.raises(InexactInputError):
        a + 0.5
    with pytest.raises(InexactInputError):
        0.5 * a
    with pytest.raises(InexactInputError):
        a**0.5
    with pytest.raises(TropicalSubtractionError, match="'/'"):
        a - a
    with pytest.raises(TropicalSubtractionError):
        3 - a
    with pytest.raises(TropicalSubtractionError):
        _ = -a
    assert a.convention == "max"
