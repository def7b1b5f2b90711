"""Tests for canopy.metrics against brute-force oracles and scipy."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest
import scipy.stats
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from canopy.metrics import (
    Protocol,
    bootstrap_ci,
    correlate,
    kendall_tau,
    ndcg,
    select_architectures,
    spearman_rho,
    top_k_hit_rate,
)

# small integer-valued floats so that ties are frequent
vals = st.integers(-5, 5).map(float)
pairs = st.integers(2, 12).flatmap(lambda n: st.tuples(st.lists(vals, min_size=n, max_size=n),
                                                       st.lists(vals, min_size=n, max_size=n)))


def brute_tau_b(x, y):
    n = len(x)
    c = d = tx = ty = 0
    for i in range(n):
        for j in range(i + 1, n):
            sx = np.sign(x[i] - x[j])
            sy = np.sign(y[i] - y[j])
            if sx == 0:
                tx += 1
            if sy == 0:
                ty += 1
            if sx * sy > 0:
                c += 1
            elif sx * sy < 0:
                d += 1
    n0 = n * (n - 1) / 2
    return (c - d) / math.sqrt((n0 - tx) * (n0 - ty))


def brute_dcg(order, gains, k):
    return sum(gains[i] / math.log2(j + 2) for j, i in enumerate(order[:k]))


def brute_ndcg(acc, score, k, ties):
    gains = [2.0**a - 1 for a in acc]
    n = len(acc)
    ideal = brute_dcg(sorted(range(n), key=lambda i: -gains[i]), gains, k)
    if ties == "ignore":
        order = sorted(range(n), key=lambda i: (-score[i], i))
        return brute_dcg(order, gains, k) / ideal
    # "average": expectation over every tie-breaking of tied scores
    groups = [list(g) for _, g in itertools.groupby(sorted(range(n), key=lambda i: -score[i]), key=lambda i: -score[i])]
    total, count = 0.0, 0
    for perm in itertools.product(*[list(itertools.permutations(g)) for g in groups]):
        order = [i for g in perm for i in g]
        total += brute_dcg(order, gains, k)
        count += 1
    return total / count / ideal


@given(pairs)
def test_tau_rho_bounds_and_scipy(xy):
    x, y = xy
    assume(len(set(x)) > 1 and len(set(y)) > 1)
    t, r = kendall_tau(x, y), spearman_rho(x, y)
    assert -1.0 <= t <= 1.0 and -1.0 <= r <= 1.0
    assert t == pytest.approx(brute_tau_b(x, y), abs=1e-12)
    assert t == pytest.approx(scipy.stats.kendalltau(x, y).statistic, abs=1e-12)
    assert r == pytest.approx(scipy.stats.spearmanr(x, y).statistic, abs=1e-12)


@given(pairs)
def test_invariance_under_monotone_transforms(xy):
    x, y = xy
    assume(len(set(x)) > 1 and len(set(y)) > 1)
    fx = [math.exp(v) + 3 for v in x]
    fy = [v**3 - 1 for v in y]
    assert kendall_tau(fx, fy) == pytest.approx(kendall_tau(x, y), abs=1e-12)
    assert spearman_rho(fx, fy) == pytest.approx(spearman_rho(x, y), abs=1e-12)
    assert ndcg(y, fx, k=5) == pytest.approx(ndcg(y, x, k=5), abs=1e-12)
    # sign flips
    assert kendall_tau([-v for v in x], y) == pytest.approx(-kendall_tau(x, y), abs=1e-12)


@given(pairs, st.integers(1, 15), st.sampled_from(["ignore", "average"]))
def test_ndcg_matches_brute_force(xy, k, ties):
    score, acc = xy
    acc = [90 + a for a in acc]
    got = ndcg(acc, score, k=k, ties=ties)
    assert 0.0 <= got <= 1.0 + 1e-12
    assert got == pytest.approx(brute_ndcg(acc, score, k, ties), rel=1e-10)


@given(st.lists(st.integers(0, 1000).map(lambda v: v / 10), min_size=2, max_size=30, unique=True))
def test_perfect_ranking_gives_one(acc):
    assert ndcg(acc, acc) == pytest.approx(1.0)
    assert ndcg(acc, [2 * a + 1 for a in acc], k=3, ties="average") == pytest.approx(1.0)
    assert kendall_tau(acc, acc) == pytest.approx(1.0)
    assert spearman_rho(acc, acc) == pytest.approx(1.0)
    assert top_k_hit_rate(acc, acc, k=1) == 1.0


def test_ndcg_tie_policies_differ_and_vkdnw_toy():
    acc = [94.0, 93.0, 80.0, 70.0]
    score = [1.0, 1.0, 1.0, 0.0]
    assert ndcg(acc, score, ties="ignore") == pytest.approx(1.0)  # input order happens to be right
    assert ndcg(acc, score, ties="average") < 1.0
    # steep relevance: swapping the top two costs much more than swapping the bottom two
    top_swapped = ndcg(acc, [3.0, 4.0, 2.0, 1.0])
    bottom_swapped = ndcg(acc, [4.0, 3.0, 1.0, 2.0])
    assert bottom_swapped > 0.9999 and top_swapped < 0.9


def test_constant_and_bad_inputs():
    assert math.isnan(kendall_tau([1, 1, 1], [1, 2, 3]))
    assert math.isnan(spearman_rho([1, 2, 3], [5, 5, 5]))
    for bad in (([1, 2], [1, 2, 3]), ([1], [1]), ([1, float("nan")], [1, 2])):
        with pytest.raises(ValueError):
            kendall_tau(*bad)
    with pytest.raises(ValueError, match="ties"):
        ndcg([1, 2], [1, 2], ties="random")
    with pytest.raises(ValueError, match="k"):
        ndcg([1, 2], [1, 2], k=0)
    with pytest.raises(ValueError, match="relevance"):
        ndcg([1, 2], [1, 2], relevance="log")
    with pytest.raises(ValueError):
        top_k_hit_rate([1, 2], [1, 2], k=1.5)


def test_top_k_hit_rate():
    acc = np.arange(100.0)
    score = acc.copy()
    score[-5:] = -1  # the best 5 predicted worst
    assert top_k_hit_rate(acc, score, k=10) == 0.5
    assert top_k_hit_rate(acc, score, k=0.1) == 0.5


def test_bootstrap_ci_seeded_and_covers():
    rng = np.random.default_rng(1)
    x = rng.normal(size=200)
    y = x + rng.normal(size=200)
    a = bootstrap_ci("spearman", x, y, n_boot=200, seed=3)
    b = bootstrap_ci(spearman_rho, x, y, n_boot=200, seed=3)
    assert (a.low, a.high) == (b.low, b.high)
    lo, hi = a
    assert lo < spearman_rho(x, y) < hi and hi - lo < 0.3
    c = bootstrap_ci("spearman", x, y, n_boot=200, seed=4)
    assert (c.low, c.high) != (a.low, a.high)
    nd = bootstrap_ci("ndcg", x, 90 + y, n_boot=50, seed=0)
    assert 0 <= nd.low <= nd.high <= 1
    with pytest.raises(ValueError):
        bootstrap_ci("pearson", x, y)
    with pytest.raises(ValueError):
        bootstrap_ci("kendall", x, y, n_boot=2)


def test_correlate_carries_protocol():
    p = Protocol(ground_truth="gt-col", architecture_set="set-x", proxy="params", counting="every_op",
                 proxy_settings={"batch": 64}, seed=7)
    rng = np.random.default_rng(0)
    acc = 90 + rng.normal(size=100)
    scores = acc + rng.normal(size=100)
    r = correlate(scores, acc, p, top_k=(10,), n_boot=50, seed=1)
    text = str(r)
    for fragment in ("gt-col", "set-x", "params", "every_op", "batch=64", "seed             : 7", "ties=ignore",
                     "numpy", "kendall_tau=", "top10_hit="):
        assert fragment in text
    assert r.protocol is p and r.n == 100
    assert r.ci["kendall_tau"].low <= r.kendall_tau <= r.ci["kendall_tau"].high
    json.dumps(r.to_dict())
    with pytest.raises(ValueError, match="finite"):
        correlate([1.0, float("nan"), 3.0], [1, 2, 3], p)
    with pytest.raises(TypeError):
        correlate([1, 2], [1, 2], "protocol")
    with pytest.raises(ValueError):
        Protocol(ground_truth="g", architecture_set="a", tie_policy="random")


def test_select_architectures():
    from canopy.spaces.nb201 import all_cells

    cells = all_cells()
    assert len(select_architectures(cells, "all")[0]) == 15625
    assert len(select_architectures(cells, "canonical")[0]) == 6466
    idx, desc = select_architectures(cells, "fully-effective", sample=1000, seed=0)
    idx2, _ = select_architectures(cells, "fully-effective", sample=1000, seed=0)
    assert len(idx) == 1000 and np.array_equal(idx, idx2) and "default_rng(0)" in desc
    assert all(cells[i].is_fully_effective for i in idx)
    with pytest.raises(ValueError):
        select_architectures(cells, "fully-effective", sample=10_000)
    with pytest.raises(ValueError):
        select_architectures(cells, "dedup")


# ------------------------------------------------------------------------------------------ one NaN policy
@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.floats(-5, 5), st.just(float("nan")), st.just(float("inf"))), min_size=4,
                max_size=30), st.integers(0, 3))
def test_rank_last_depends_only_on_the_order(scores, seed):
    """Any value below every finite score gives the same τ, ρ, nDCG and CIs (why one rank_last policy suffices)."""
    from canopy.metrics import Protocol, apply_nan_policy, correlate

    s = np.array(scores)
    finite = s[np.isfinite(s)]
    if finite.size < 2 or np.unique(finite).size < 2:
        return
    accs = np.linspace(60, 90, s.size)
    p = Protocol(ground_truth="toy", architecture_set="toy", proxy="p", ndcg_k=5)
    ours = correlate(s, accs, p, n_boot=10, seed=seed, nan_policy="rank_last")
    other = np.where(np.isfinite(s), s, finite.min() - 1.0 - abs(finite.min()))  # the formula evaluate used
    theirs = correlate(other, accs, p, n_boot=10, seed=seed)
    assert ours.to_dict() == theirs.to_dict()
    assert apply_nan_policy(s, policy="omit")[2] == int((~np.isfinite(s)).sum())


def test_nan_policy_errors():
    from canopy.metrics import Protocol, apply_nan_policy, correlate

    with pytest.raises(ValueError, match="nan_policy must be one of"):
        apply_nan_policy([1.0], policy="drop")
    with pytest.raises(ValueError, match="non-finite"):
        correlate([1.0, float("inf"), 2.0], [1, 2, 3], Protocol(ground_truth="t", architecture_set="t", proxy="p"))
    assert apply_nan_policy([float("nan")] * 2, policy="rank_last")[0].tolist() == [0.0, 0.0]
    assert apply_nan_policy([1.0, float("nan")], policy="naslib")[0].tolist() == [1.0, -1e8]


def test_bootstrap_reports_progress_once_per_resample():
    from canopy.metrics import Protocol, bootstrap_values, correlate

    calls: list[int] = []
    x, y = list(range(30)), [v % 7 for v in range(30)]
    vals = bootstrap_values(spearman_rho, x, y, n_boot=25, seed=0, progress=calls.append)
    assert calls == [1] * 25 and len(vals) <= 25
    calls.clear()
    r = correlate(x, y, Protocol(ground_truth="toy", architecture_set="toy", proxy="p"), n_boot=12,
                  progress=calls.append)
    assert len(calls) == 3 * 12 and set(r.ci) == {"kendall_tau", "spearman_rho", "ndcg"}
    calls.clear()
    assert correlate(x, y, Protocol(ground_truth="toy", architecture_set="toy", proxy="p"),
                     progress=calls.append).ci == {} and calls == []
