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


# --------------------------------------------------------------------------- network -> tropical map
from hypothesis import example, settings  # noqa: E402

from tropical.network import ReLUNetwork  # noqa: E402
from tropical.testing import random_rational_points, relu_networks, tie_points  # noqa: E402
from tropical.tropicalize import network_to_tropical  # noqa: E402

WORKED = ReLUNetwork([[[1, -1], [2, 1]], [[1, -1]]], [[0, -1], [0]])


def _check_equal(net, m, n_points=12, seed=0):
    for x in random_rational_points(net.input_dim, n_points, rng=seed):
        assert m.evaluate(x) == net.forward(x), x


@given(
    relu_networks(input_dim=st.integers(1, 3), widths=st.lists(st.integers(1, 3), min_size=1, max_size=3),
                  output_dim=st.integers(1, 2))
)
@example(ReLUNetwork([[[0, 0], [0, 0]], [[0, 0]]], [[0, 0], [0]]))  # all-zero weights
@example(ReLUNetwork([[[1, 2], [1, 2]], [[1, -1]]], [[1, 1], [0]]))  # duplicate neurons
@example(ReLUNetwork([[[0, 0], [1, 1]], [[3, 1]]], [[-1, 0], [0]]))  # dead neuron
@example(ReLUNetwork([[[1, -1], [2, -2]], [[1, -1]]], [[0, 0], [0]]))  # parallel neurons, ties at 0
@example(ReLUNetwork([[[1, 0], [0, 1], [1, 1]], [[1, 1, -1]]], [[0, 0, 0], [0]]))  # ties through origin
def test_tropical_map_equals_forward_pass(net):
    """THE key test: the tropical rational map equals the exact forward pass at random rational points."""
    m = net.to_tropical()
    assert m.output_dim == net.output_dim and m.nvars == net.input_dim
    _check_equal(net, m)
    # also at the tie points of every output numerator (where pruning bugs would show)
    for k, comp in enumerate(m):
        for x in tie_points(comp.numerator, rng=2, limit=20):
            assert comp.evaluate(x) == net.forward(x)[k]


@settings(max_examples=10)
@given(relu_networks(input_dim=2, widths=[2, 2]))
def test_pruned_and_unpruned_agree(net):
    a, b = network_to_tropical(net), network_to_tropical(net, prune=False)
    for x in random_rational_points(2, 8, rng=3):
        assert a.evaluate(x) == b.evaluate(x)
    for c1, c2 in zip(a, b):
        assert c1.numerator.equals_as_function(c2.numerator)
        assert c1.denominator.equals_as_function(c2.denominator)
    for s1, s2 in zip(a.layer_stats, b.layer_stats):
        assert s1.monomials_after <= s2.monomials_after


def test_worked_example_known_answer():
    (r,) = WORKED.to_tropical()
    assert r.numerator == P2({(1, 0): 0, (0, 1): 0})
    assert r.denominator == P2({(2, 2): -1, (0, 1): 0})
    assert r.evaluate([0, 2]) == -1 == WORKED.forward([0, 2])[0]
    assert r.upper_vertex_bound() == 4


def P2(terms):
    from tropical.polynomial import TropicalPolynomial

    return TropicalPolynomial(terms)


def test_rational_weights_give_rational_exponents():
    net = ReLUNetwork([[[Fraction(1, 2)], [Fraction(-1, 3)]], [[1, 1]]], [[0, 0], [0]])
    (r,) = net.to_tropical()
    assert any(isinstance(v, Fraction) for e in r.numerator.exponents() for v in e)
    _check_equal(net, net.to_tropical())


@pytest.mark.parametrize("sizes", [(2, 4, 1), (2, 3, 3, 1), (2, 4, 4, 1), (3, 4, 3, 1)])
def test_reference_architectures(sizes):
    # tropical.md §11 item 1: exact equality on the reference architectures (seeded integer nets)
    net = ReLUNetwork.random(sizes[0], sizes[1:-1], sizes[-1], seed=7, distribution="integer", scale=2)
    m = net.to_tropical()
    _check_equal(net, m, n_points=20, seed=11)
    stats = m.layer_stats
    assert len(stats) == len(sizes) - 1
    assert all(s.monomials_after <= s.monomials_before for s in stats)


def test_gaussian_network_exact_policy():
    net = ReLUNetwork.random(2, [3, 3], seed=0)
    assert net.policy == "exact"
    _check_equal(net, net.to_tropical(), n_points=10)


def test_budget():
    from tropical.errors import BudgetExceededError

    net = ReLUNetwork.random(2, [4, 4], seed=0, distribution="integer", scale=3)
    with pytest.raises(BudgetExceededError):
        network_to_tropical(net, prune=False, max_monomials=10)


@pytest.mark.parametrize(
    "text, limit",
    [("1e100000000", "exponent"), ("-1e-100000000", "exponent"), ("1e" + "9" * 5000, "exponent"),
     ("1" * 5000, "digits"), ("1/" + "3" * 4500, "digits"), ("0." + "1" * 4100, "digits")],
)
def test_parse_rational_refuses_huge_texts_at_once(text, limit):
    """A 63-byte network file with weight "1e100000000" used to hang (issue 12): refused before any big int."""
    import time

    from tropical.convert import parse_rational

    start = time.process_time()
    with pytest.raises(ConversionError, match=limit):
        parse_rational(text, "weight")
    assert time.process_time() - start < 0.5


@pytest.mark.parametrize("text", ["٣", "1_000", "0x10", "1e", "e5", "", "1/0", "nan", "-inf", "1//2"])
def test_parse_rational_refuses_non_ascii_and_malformed(text):
    from tropical.convert import parse_rational

    with pytest.raises(ConversionError):
        parse_rational(text)


def test_parse_rational_reads_scientific_and_edge_forms_exactly():
    from tropical.convert import MAX_TEXT_EXPONENT, parse_rational

    assert parse_rational("2.5e-3") == Fraction(1, 400)
    assert parse_rational(" 1 / 3 ") == Fraction(1, 3)
    assert parse_rational(".5") == parse_rational("5.e-1") == Fraction(1, 2)
    assert parse_rational(f"1e{MAX_TEXT_EXPONENT}") == 10**MAX_TEXT_EXPONENT
