"""The heart of the bounds work: every upper bound >= exact counts; lower bounds reached by constructions.

Exact counts come from two independent sources:

* ``tropical.regions.count_regions`` (REGIONS' certified enumerator), any input dimension;
* the slow oracle in ``tests/_region_oracle.py``: exact on the whole line for ``n_0 = 1``, and inside a big box
  for ``n_0 = 2`` (a box count never exceeds the true count, so both test directions stay sound).

Networks are drawn by Hypothesis with random rational weights and with adversarially degenerate integer
weights (zero rows, repeated rows, parallel rows, zero biases).
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from _region_oracle import count_1d, count_2d_box, interior_points_2d_box
from hypothesis import example, given, settings
from hypothesis import strategies as st

from canopy.bounds import generic_bound, montufar_bound, serra_bound, serra_lower_bound, zhang_bound
from canopy.bounds._combinatorics import zaslavsky
from canopy.bounds.constructions import (
    generic_layer_construction,
    montufar_construction,
    sawtooth,
    serra_construction,
)
from canopy.bounds.exact import exact_count, exact_random_count
from canopy.errors import BoundNotApplicableError
from tropical.network import ReLUNetwork

UPPER = (serra_bound, generic_bound, zhang_bound)


# ------------------------------------------------------------------------------------------ strategies
@st.composite
def dense_nets(draw, input_dims=(1, 2), max_width=4, max_layers=3, max_units=9):
    """(n0, widths, weights, biases): random rationals or degenerate small integers."""
    n0 = draw(st.sampled_from(input_dims))
    widths = draw(st.lists(st.integers(1, max_width), min_size=1, max_size=max_layers))
    while sum(widths) > max_units:
        widths = widths[:-1]
    degenerate = draw(st.booleans())
    if degenerate:
        entry = st.integers(-2, 2).map(Fraction)
    else:
        entry = st.fractions(min_value=-3, max_value=3, max_denominator=7)
    sizes = [n0, *widths, 1]
    weights, biases = [], []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        rows = [draw(st.lists(entry, min_size=n_in, max_size=n_in)) for _ in range(n_out)]
        bias = draw(st.lists(entry, min_size=n_out, max_size=n_out))
        if degenerate and n_out > 1 and draw(st.booleans()):
            # adversarial: copy (or negate, or scale) one unit onto another: coincident / parallel hyperplanes
            src, dst = draw(st.integers(0, n_out - 1)), draw(st.integers(0, n_out - 1))
            factor = draw(st.sampled_from([1, -1, 2]))
            rows[dst] = [factor * v for v in rows[src]]
            bias[dst] = draw(st.sampled_from([factor * bias[src], bias[src] + 1]))
        weights.append(rows)
        biases.append(bias)
    return n0, widths, weights, biases


def _ordered(n0, widths):
    values = [b(n0, widths) for b in UPPER]
    assert values == sorted(values)  # serra <= generic <= zhang
    return values[0]  # the tightest


# ---------------------------------------------------------------------- upper bounds vs exact counts
@given(dense_nets())
@example((1, [1, 1], [[[1]], [[1]], [[1]]], [[0], [-1], [0]]))  # 3 regions = serra(1; 1, 1) exactly
@example((2, [3], [[[1, 0], [0, 1], [1, 1]], [[1, 1, 1]]], [[0, 0, -1], [0]]))
@example((2, [2, 2], [[[0, 0], [0, 0]], [[0, 0], [0, 0]], [[0, 0]]], [[0, 0], [0, 0], [0]]))  # all zero
def test_upper_bounds_dominate_oracle(case):
    n0, widths, weights, biases = case
    tightest = _ordered(n0, widths)
    if n0 == 1:
        activation, linear = count_1d(weights, biases)
        assert linear <= activation <= tightest
    else:
        assert count_2d_box(weights, biases) <= tightest


@given(dense_nets(input_dims=(1, 2, 3), max_width=4, max_units=9))
@settings(deadline=None)
def test_upper_bounds_dominate_tropical_regions(case):
    n0, widths, weights, biases = case
    net = ReLUNetwork(weights, biases)
    counts = [exact_count(net, count=c) for c in ("activation_regions", "linear_regions", "distinct_affine_maps")]
    assert counts == sorted(counts, reverse=True)
    assert counts[0] <= _ordered(n0, widths)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("n0, widths", [(1, [4, 4]), (2, [3, 3]), (3, [4, 3]), (2, [2, 5])])
def test_upper_bounds_dominate_seeded_random_nets(seed, n0, widths):
    for distribution in ("gaussian", "integer"):
        count = exact_random_count(n0, widths, seed=seed, distribution=distribution, count="activation_regions")
        assert 1 <= count <= serra_bound(n0, widths)


# ------------------------------------------------------------ lower bounds: constructions, counted exactly
def _pattern_is_locally_constant(net, p, delta=Fraction(1, 10**12)):
    """Certificate that the activation pattern at ``p`` holds on a neighbourhood of ``p``.

    Pre-activations that do not vanish at ``p`` keep their sign nearby.  Those that vanish must vanish on a
    neighbourhood: they are affine near ``p`` (ReLU-linear as long as the non-vanishing ones keep their
    signs, and the vanishing ones stay 0 by induction over layers), so zero at three affinely independent
    points around ``p`` means zero nearby.
    """
    base = net.preactivations(p)
    if all(v != 0 for layer in base for v in layer):
        return True
    probes = [(p[0] + delta, p[1]), (p[0], p[1] + delta), (p[0] - delta, p[1] - delta)]
    for q in probes:
        if net.activation_pattern(q) != net.activation_pattern(p):
            return False
        for layer_p, layer_q in zip(base, net.preactivations(q)):
            if any(vp == 0 and vq != 0 for vp, vq in zip(layer_p, layer_q)):
                return False
    return True


ONE_D = [[1], [2], [5], [3, 3], [3, 5], [4, 4, 4], [5, 3, 2], [3, 1], [6, 6, 2]]


@pytest.mark.parametrize("widths", ONE_D)
def test_one_dimensional_constructions(widths):
    """n_0 = 1: Montufar's folding reaches its bound; Serra's reaches prod(n_l + 1), the upper bound."""
    m = montufar_construction(1, widths)
    activation, linear = count_1d(m.weights, m.biases)
    assert activation >= m.claimed == montufar_bound(1, widths)
    if m.linear_claim:
        assert linear >= m.claimed
    if min(widths[:-1], default=3) >= 3:
        s = serra_construction(1, widths)
        activation, linear = count_1d(s.weights, s.biases)
        assert s.claimed == serra_lower_bound(1, widths) == serra_bound(1, widths)
        assert activation == s.claimed  # the maximum, attained: the 1-D bound is exact
        if s.linear_claim:
            assert linear == s.claimed


TWO_D = [("montufar", [4, 4]), ("montufar", [4, 3]), ("montufar", [2, 2]), ("montufar", [4, 4, 4]),
         ("montufar", [6, 6]), ("serra", [6, 4]), ("serra", [6, 6]), ("serra", [7, 3])]


@pytest.mark.parametrize("kind, widths", TWO_D)
def test_two_dimensional_constructions(kind, widths):
    """n_0 = 2: the box oracle certifies >= claimed full-dimensional activation regions (one point each)."""
    c = (montufar_construction if kind == "montufar" else serra_construction)(2, widths)
    net = c.network()
    points = interior_points_2d_box(c.weights, c.biases, radius=4)
    patterns = {net.activation_pattern(p) for p in points}
    assert len(patterns) == len(points)  # distinct regions
    for p in points:  # each pattern holds on a neighbourhood (full-dimensional)
        assert _pattern_is_locally_constant(net, p)
    assert len(points) >= c.claimed
    assert c.claimed <= serra_bound(2, widths)


@pytest.mark.parametrize("n0, n", [(1, 1), (1, 4), (2, 1), (2, 2), (2, 5), (3, 4), (3, 6)])
def test_single_layer_generic_construction_is_tight(n0, n):
    c = generic_layer_construction(n0, n)
    assert c.claimed == zaslavsky(n, n0) == serra_bound(n0, [n]) == zhang_bound(n0, [n])
    assert exact_count(c.network(), count="activation_regions") == c.claimed
    assert exact_count(c.network(), count="linear_regions") == c.claimed


@pytest.mark.parametrize("n0, widths", [(1, [3, 3]), (1, [4, 4, 4]), (2, [4, 4]), (2, [4, 3]), (3, [3, 4])])
def test_constructions_with_tropical_regions(n0, widths):
    c = montufar_construction(n0, widths)
    assert exact_count(c.network(), count="linear_regions") >= c.claimed
    if n0 == 1 and min(widths[:-1]) >= 3:
        s = serra_construction(n0, widths)
        assert exact_count(s.network(), count="linear_regions") == s.claimed == serra_bound(n0, widths)


@pytest.mark.parametrize("widths", [[6, 4], [6, 6], [7, 3]])
def test_serra_2d_construction_with_tropical_regions(widths):
    """Regression: tropical.regions once reported 158 here while the oracle certifies 176 regions."""
    c = serra_construction(2, widths)
    assert exact_count(c.network(), count="activation_regions") == count_2d_box(c.weights, c.biases) >= c.claimed


def test_degenerate_integer_regression():
    """Regression: a degenerate integer net where tropical.regions once found 22 of its 28 regions."""
    net = ReLUNetwork.random(2, [5, 4], seed=19, distribution="integer", scale=2)
    assert exact_count(net, count="activation_regions") == count_2d_box(net.weights, net.biases) == 28


@given(dense_nets(input_dims=(2,), max_width=4, max_units=8))
def test_tropical_regions_agrees_with_box_oracle_on_the_plane(case):
    """Two independent exact counters: the box count can only miss regions outside a box of radius 10^6."""
    n0, widths, weights, biases = case
    net = ReLUNetwork(weights, biases)
    assert count_2d_box(weights, biases) <= exact_count(net, count="activation_regions")


@pytest.mark.parametrize("p", [1, 2, 3, 5])
def test_montufar_sawtooth_maps_each_tooth_onto_the_unit_interval(p):
    units, a, a0 = sawtooth(p, "montufar")

    def g(z):
        return sum(ak * max(Fraction(0), s * (z - t)) for (s, t), ak in zip(units, a)) + a0

    ends = [Fraction(k, p) for k in range(p + 1)]
    assert [g(z) for z in ends] == [k % 2 for k in range(p + 1)]


@pytest.mark.parametrize("p", [3, 4, 7])
def test_serra_sawtooth_has_p_plus_one_teeth(p):
    units, a, a0 = sawtooth(p, "serra")

    def g(z):
        return sum(ak * max(Fraction(0), s * (z - t)) for (s, t), ak in zip(units, a)) + a0

    ends = [Fraction(0), *sorted(t for _, t in units), Fraction(1)]
    assert [g(z) for z in ends] == [k % 2 for k in range(p + 2)]


def test_constructions_refuse_when_preconditions_fail():
    with pytest.raises(BoundNotApplicableError, match="layer 1"):
        montufar_construction(3, [2, 5])
    with pytest.raises(BoundNotApplicableError, match="3 n_0"):
        serra_construction(2, [5, 5])
    with pytest.raises(ValueError):
        sawtooth(2, "serra")


def test_exact_count_guards():
    from tropical.errors import BudgetExceededError

    net = ReLUNetwork.random(3, [8, 8], seed=0, distribution="integer", scale=3)
    with pytest.raises(ValueError, match="unknown count"):
        exact_count(net, count="pieces")
    with pytest.raises(BudgetExceededError):
        exact_count(net, max_regions=3)
    with pytest.raises(BudgetExceededError, match="partial"):
        exact_count(net, time_budget=1e-9)
