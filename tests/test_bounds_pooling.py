"""Max pooling as a Minkowski sum of simplices: bounds >= exact counts; pair counts by brute force."""

from __future__ import annotations

import itertools
import random

from _cells_oracle import random_weights, to_relu_network
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from canopy.bounds.conv import axis_windows
from canopy.bounds.pooling import (
    adaptive_axis_windows,
    avgpool_rank,
    max2_bound,
    maxpool_bound,
    maxpool_pair_count,
    maxpool_window_product,
)
from canopy.nas._calculus import GraphBuilder, score_graph
from tropical.errors import BudgetExceededError
from tropical.regions import count_regions

_SMALL = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def _brute_pairs(channels, windows):
    pairs = set()
    for outpos in itertools.product(*[range(len(ax)) for ax in windows]):
        cells = list(itertools.product(*[ax[i] for ax, i in zip(windows, outpos)]))
        for a, b in itertools.combinations(cells, 2):
            pairs.add(frozenset((a, b)))
    return channels * len(pairs)


@given(size=st.integers(1, 7), k=st.integers(1, 3), s=st.integers(1, 3), p=st.integers(0, 1),
       two_d=st.booleans(), channels=st.integers(1, 3))
def test_pair_count_matches_brute_force(size, k, s, p, two_d, channels):
    assume(p <= k // 2 and size + 2 * p >= k)
    ax = axis_windows(size, k, s, p)
    windows = [ax, ax] if two_d else [ax]
    assert maxpool_pair_count(channels, windows) == _brute_pairs(channels, windows)
    prod = 1
    for outpos in itertools.product(*[range(len(a)) for a in windows]):
        for a, i in zip(windows, outpos):
            prod *= len(a[i]) ** 1
    # window product over channels
    expected = 1
    for outpos in itertools.product(*[range(len(a)) for a in windows]):
        m = 1
        for a, i in zip(windows, outpos):
            m *= len(a[i])
        expected *= m
    assert maxpool_window_product(channels, windows).value() == expected**channels


@settings(**_SMALL)
@given(mode=st.sampled_from(["input", "linear"]), length=st.integers(2, 4), s=st.integers(1, 2),
       d=st.integers(1, 3), seed=st.integers(0, 10_000), degenerate=st.booleans(), two_d=st.booleans())
def test_maxpool_bound_dominates_exact(mode, length, s, d, seed, degenerate, two_d):
    b = GraphBuilder()
    if mode == "input":
        x = b.input((1, 2, 2) if two_d else (1, length))
    else:
        x0 = b.input((d,))
        x = b.identity(b.linear(x0, length, bias=True), (1, length))
    y = b.pool(x, "max", 2, s, 0)
    b.output(y)
    g = b.graph
    w = random_weights(g, random.Random(seed), degenerate=degenerate)
    net = to_relu_network(g, w)
    try:
        exact = count_regions(net, max_regions=4000).linear_regions
    except BudgetExceededError:
        assume(False)
    assert score_graph(g).value() >= exact


def test_known_values():
    assert maxpool_bound(1, [axis_windows(2, 2, 2)], 2).value() == 2  # max(a, b)
    assert max2_bound(3) == 2 and max2_bound(0) == 1
    assert maxpool_bound(1, [axis_windows(4, 4, 1)], 4).value() == 4  # max of 4 coordinates: 4 regions
    assert adaptive_axis_windows(4, 2) == ((0, 1), (2, 3))
    assert avgpool_rank(2, [adaptive_axis_windows(4, 1)], 8) == 2
