"""The float -> rational door: policies, exactness, refusal of NaN/inf."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tropical.convert import parse_rational, to_rational
from tropical.errors import ConversionError


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_exact_policy_is_lossless(x):
    q = to_rational(x)
    assert isinstance(q, Fraction)
    assert float(q) == x
    assert q == Fraction(x)


@given(st.floats(-1e6, 1e6), st.integers(1, 10**6))
def test_limit_denominator_bounds_denominator(x, d):
    q = to_rational(x, "limit_denominator", max_denominator=d)
    assert q.denominator <= d
    assert abs(q - Fraction(x)) <= Fraction(1, d)


def test_exact_inputs_pass_through():
    assert to_rational(3) == 3
    assert to_rational(Fraction(1, 3)) == Fraction(1, 3)
    assert to_rational(Decimal("0.1")) == Fraction(1, 10)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, Decimal("NaN"), "x", None, True])
def test_refuses_non_numbers(bad):
    with pytest.raises(ConversionError):
        to_rational(bad)


@pytest.mark.parametrize(
    "policy, md", [("round", None), ("limit_denominator", None), ("limit_denominator", 0), ("exact", 10)]
)
def test_bad_policy(policy, md):
    with pytest.raises(ConversionError):
        to_rational(0.5, policy, max_denominator=md)


def test_parse_rational():
    assert parse_rational("-3/6") == Fraction(-1, 2)
    assert parse_rational(" 0.25 ") == Fraction(1, 4)
    for bad in ["nan", "1/0", "", 0.5, None, [1]]:
        with pytest.raises(ConversionError):
            parse_rational(bad)
