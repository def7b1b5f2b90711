"""The public Hypothesis strategies and assertion helpers of tropical.testing."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tropical.network import ReLUNetwork
from tropical.polynomial import TropicalPolynomial
from tropical.semiring import TropicalNumber
from tropical.testing import (
    assert_tropical_matches_forward,
    assert_upper_bound,
    points,
    random_rational_points,
    rationals,
    relu_networks,
    tie_points,
    tropical_numbers,
    tropical_polynomials,
)


@given(rationals(-2, 2, max_denominator=5))
def test_rationals_are_exact_and_in_range(q):
    assert isinstance(q, Fraction) and -2 <= q <= 2 and q.denominator <= 5


@given(tropical_numbers())
def test_tropical_numbers(a):
    assert isinstance(a, TropicalNumber)


@given(tropical_polynomials(3, max_terms=4, rational_exponents=True), points(3))
def test_polynomials(f, x):
    assert isinstance(f, TropicalPolynomial) and f.nvars == 3 and 1 <= len(f) <= 4
    assert not f(x).is_zero


@given(relu_networks(input_dim=st.integers(1, 2), widths=st.lists(st.integers(1, 3), min_size=1, max_size=2)))
def test_networks_are_valid(net):
    assert isinstance(net, ReLUNetwork) and 1 <= net.input_dim <= 2 and 1 <= net.num_hidden <= 2


def test_degeneracies_are_generated():
    seen = set()

    @settings(max_examples=200, database=None)
    @given(relu_networks(input_dim=2, widths=[3], degenerate=True))
    def collect(net):
        rows = net.weights[0]
        if len(set(rows)) < len(rows):
            seen.add("duplicate")
        if any(all(v == 0 for v in r) for r in rows):
            seen.add("zero_row")
        if all(v == 0 for w in net.weights for r in w for v in r):
            seen.add("all_zero")

    collect()
    assert {"duplicate", "zero_row", "all_zero"} <= seen


def test_assert_upper_bound():
    net = ReLUNetwork([[[1], [-1]], [[1, 1]]], [[0, 0], [0]])  # |x|: 2 linear regions
    assert_upper_bound(2, net)
    assert_upper_bound(lambda n: 10, net)
    assert_upper_bound(2.5, net)
    with pytest.raises(AssertionError, match="exact linear_regions 2"):
        assert_upper_bound(1, net)
    with pytest.raises(AssertionError):
        assert_upper_bound(1, net, count="activation_regions")


@settings(max_examples=10)
@given(relu_networks(input_dim=2, widths=[2]))
def test_tropical_vs_upper_vertex_bound(net):
    # tropical.md §3.4: linear regions <= N(F ⊙ G) for a scalar network
    (r,) = net.to_tropical()
    assert_upper_bound(r.upper_vertex_bound(), net)


def test_assert_tropical_matches_forward_detects_a_mismatch(monkeypatch):
    net = ReLUNetwork([[[1], [-1]], [[1, 1]]], [[0, 0], [0]])
    assert_tropical_matches_forward(net)
    wrong = ReLUNetwork([[[1], [-1]], [[1, 2]]], [[0, 0], [0]])
    wrong_map = _tropical(wrong)
    monkeypatch.setattr(ReLUNetwork, "to_tropical", lambda self: wrong_map)
    with pytest.raises(AssertionError, match="tropical map gives"):
        assert_tropical_matches_forward(net)


def _tropical(net):
    from tropical.tropicalize import network_to_tropical

    return network_to_tropical(net)


def test_point_helpers():
    pts = random_rational_points(3, 5, rng=4)
    assert len(pts) == 5 and all(len(p) == 3 and all(isinstance(v, Fraction) for v in p) for p in pts)
    assert random_rational_points(2, 3, rng=1) == random_rational_points(2, 3, rng=1)
    f = TropicalPolynomial({(1, 0): 0, (0, 1): 3, (0, 0): 1})
    for x in tie_points(f):
        values = [c + sum(a * v for a, v in zip(e, x)) for e, c in f.terms.items()]
        assert len(set(values)) < len(values)
    assert tie_points(TropicalPolynomial({(1,): 0, (0,): 2})) == [(Fraction(2),)]


def test_missing_hypothesis_gets_one_clear_line(tmp_path):
    """Set-up command 1 does not install hypothesis: importing tropical.testing says what to install."""
    import subprocess
    import sys

    blocker = tmp_path / "hypothesis.py"
    blocker.write_text("raise ModuleNotFoundError(\"No module named 'hypothesis'\", name='hypothesis')\n")
    code = "import tropical.testing"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PYTHONPATH": str(tmp_path), "PATH": ""})
    assert proc.returncode != 0
    assert "pip install 'canopy-nas[testing]'" in proc.stderr
