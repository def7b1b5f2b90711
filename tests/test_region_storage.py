"""Compact storage of kept regions (issue 10): a :class:`tropical.regions.Region` keeps one ``bytes`` object and
a reference to its run's shared context, and recomputes its facets and affine map from its pattern.

The oracle is the enumerator's raw data itself: :func:`_reference` is the former ``Region`` construction
(facets and labels read off the raw inequality list and its irredundancy bitset, the map key as the
enumerator computed it, the interior point as the plain sum of the raw generators), so every property must
come out identical (same order, same primitive integer tuples, same labels).
"""

from __future__ import annotations

import gc
import os
import pickle
import sys
import tracemalloc
from fractions import Fraction

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tropical.network import ReLUNetwork
from tropical.regions import (
    Box,
    Polytope,
    Region,
    _Enumerator,
    _region_context,
    _region_from_raw,
    _RegionContext,
    activation_regions,
    adjacency_graph,
    linear_regions,
)
from tropical.testing import relu_networks

_CI = 8 if os.environ.get("HYPOTHESIS_PROFILE") == "ci" else 1


# ----------------------------------------------------------------------------------------------- the oracle
def _reference(raw, n, scale, out):
    """The property values of a region as the former ``Region`` stored them (read off the raw data)."""
    pattern, gens, _incs, _lines, ineqs, labels, active, mapkey = raw
    facets, labs = [], []
    for i, h in enumerate(ineqs):
        if active >> i & 1 and labels[i][0] != "infinity":
            facets.append(tuple(h))
            labs.append(labels[i][:3] if labels[i][0] == "neuron" else labels[i])
    psum = [sum(g[c] for g in gens) for c in range(n + 1)]
    rows = [mapkey[r * (n + 1):(r + 1) * (n + 1)] for r in range(out)]
    return {
        "pattern": tuple(tuple(layer) for layer in pattern),
        "facet_labels": tuple(labs),
        "inequalities": tuple((tuple(-c for c in f[:n]), f[n]) for f in facets),
        "interior_point": tuple(Fraction(c, psum[n]) for c in psum[:n]),
        "affine_map": (tuple(tuple(Fraction(v, scale) for v in row[:n]) for row in rows),
                       tuple(Fraction(row[n], scale) for row in rows)),
        "map_key": tuple(mapkey),
        "facets": facets,
    }


PROPS = ("pattern", "facet_labels", "inequalities", "interior_point", "affine_map", "map_key")


def _probe_points(n):
    """A few exact points (on and off facets) to compare ``contains``/``evaluate`` at."""
    return [tuple(Fraction(i - j, 2) for j in range(n)) for i in range(-2, 3)] + [(Fraction(0),) * n]


def _check_region(region, ref, n):
    for p in PROPS:
        assert getattr(region, p) == ref[p], p
    assert type(region.pattern) is tuple and all(type(layer) is tuple for layer in region.pattern)
    assert all(type(v) is bool for layer in region.pattern for v in layer)
    bits = "|".join("".join("1" if b else "0" for b in layer) for layer in ref["pattern"])
    assert repr(region) == f"Region(pattern={bits}, facets={len(ref['facets'])})"
    x = region.interior_point
    assert region.contains(x, strict=True)
    A, c = ref["affine_map"]
    assert region.evaluate(x) == tuple(sum((a * v for a, v in zip(row, x)), Fraction(0)) + ci
                                       for row, ci in zip(A, c))
    for pt in _probe_points(n):
        vals = [sum(a * b for a, b in zip(f, (*pt, 1))) for f in ref["facets"]]
        assert region.contains(pt) == all(v >= 0 for v in vals)
        assert region.contains(pt, strict=True) == all(v > 0 for v in vals)


def _check_net(net, domain=None):
    """Every region built from the raw stream equals the oracle; returns the regions."""
    en = _Enumerator(net, domain, max_regions=None, time_budget=None, progress=False)
    ctx = _region_context(en)
    out = len(en.layers[-1][0])
    regions = []
    for raw in en.run():
        region = _region_from_raw(raw, ctx)
        _check_region(region, _reference(raw, en.n, en.scale, out), en.n)
        regions.append((region, _reference(raw, en.n, en.scale, out)))
    # properties read again later (other regions' cache entries in between) are still the same
    for region, ref in regions[::-1]:
        for p in PROPS:
            assert getattr(region, p) == ref[p], p
    return [r for r, _ in regions]


# ------------------------------------------------------------------------------------------- strategies
_weights = st.one_of(st.integers(-3, 3), st.fractions(-3, 3, max_denominator=4))


@st.composite
def _domains(draw, n):
    kind = draw(st.sampled_from(("none", "box", "polytope")))
    if kind == "none":
        return None
    if kind == "box":
        lo = draw(st.integers(-3, 0))
        return Box(Fraction(lo, 2), draw(st.integers(1, 4)))
    # a simplex-like polytope: x_i >= -1 and sum x_i <= s (bounded, full-dimensional)
    s = draw(st.integers(1, 3))
    A = [[-int(i == j) for j in range(n)] for i in range(n)] + [[1] * n]
    return Polytope(A, [1] * n + [s])


@st.composite
def _cases(draw):
    if draw(st.booleans()):
        net = draw(relu_networks(input_dim=st.integers(1, 3), widths=st.lists(st.integers(1, 4), max_size=3),
                                 output_dim=st.integers(1, 2), weights=_weights))
    else:  # exact binary expansions of Gaussian floats: big integers everywhere
        n = draw(st.integers(1, 3))
        widths = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
        net = ReLUNetwork.random(n, widths, seed=draw(st.integers(0, 10**6)), distribution="gaussian")
    return net, draw(_domains(net.input_dim))


# ----------------------------------------------------------------------------------------------- the tests
@settings(max_examples=40 * _CI, deadline=None)
@given(_cases())
@example((ReLUNetwork([[[0, 0], [1, -1]], [[1, 1]]], [[-1, 0], [0]]), None))  # a dead neuron
@example((ReLUNetwork([[[0, 0], [1, 1]], [[1, 0]]], [[1, 0], [0]]), Box(-1, 1)))  # constant-on, invisible
@example((ReLUNetwork([[[1, 1], [2, 2]], [[1, -1]]], [[0, 0], [0]]), None))  # parallel: lines in regions
@example((ReLUNetwork([[[1]]], [[0]]), Box(-1, 1)))  # no hidden layer
@example((ReLUNetwork([[[1], [-1]], [[1, 1], [1, -1]], [[1, 2]]], [[0, 0], [0, 0], [0]]), None))  # ties
def test_every_property_equals_the_raw_oracle(case):
    net, domain = case
    regions = _check_net(net, domain)
    streamed = list(activation_regions(net, domain, max_regions=None))
    assert [r.pattern for r in streamed] == [r.pattern for r in regions]
    assert [r.inequalities for r in streamed] == [r.inequalities for r in regions]


@settings(max_examples=15 * _CI, deadline=None)
@given(_cases())
def test_linear_regions_and_graph_carry_the_same_regions(case):
    net, domain = case
    regions = list(activation_regions(net, domain, max_regions=None))
    lrs = linear_regions(net, domain, max_regions=None)
    assert sorted(r.pattern for lr in lrs for r in lr.regions) == sorted(r.pattern for r in regions)
    for lr in lrs:
        assert all(r.affine_map == lr.affine_map for r in lr.regions)
    g = adjacency_graph(net, domain, max_regions=None)
    assert [g.nodes[i]["region"].inequalities for i in range(len(regions))] == [r.inequalities for r in regions]


def test_a_tiny_cache_gives_the_same_values(monkeypatch):
    net = ReLUNetwork.random(3, [4, 4, 3], seed=5, distribution="integer", scale=2)
    monkeypatch.setattr(_RegionContext, "CACHE_SIZE", 2)
    _check_net(net, Box(-2, 2))


def test_pickled_regions_keep_their_values_and_share_one_context():
    net = ReLUNetwork.random(2, [3, 3], seed=1, distribution="gaussian")
    regions = list(activation_regions(net, Box(-1, 1)))
    assert all(r.inequalities is not None for r in regions)  # fills the context's caches: not pickled
    assert regions[0]._ctx._cache
    back = pickle.loads(pickle.dumps(regions))
    assert len({id(r._ctx) for r in back}) == 1
    assert not back[0]._ctx._cache
    for a, b in zip(regions, back):
        for p in PROPS:
            assert getattr(a, p) == getattr(b, p), p
        assert repr(a) == repr(b)


@pytest.mark.parametrize("v", [0, 1, -1, 127, 128, -128, -129, 255, 256, 2**63 - 1, 2**63, -2**63, -2**63 - 1,
                               3**200, -(3**200)])
def test_generator_sums_round_trip_at_byte_boundaries(v):
    ctx = _RegionContext(1, [(((1,),), (0,))], 1, [(0, 1)])  # no hidden layer, the whole line
    for t in (1, 3**150):
        raw = ((), [(v, t)], [0], [], [(0, 1)], [("infinity",)], 1, (1, 0))
        region = Region(ctx, ctx.encode(raw))
        assert region.interior_point == (Fraction(v, t),)
        assert region.inequalities == () and region.pattern == ()


# ------------------------------------------------------------------------------------------------- memory
def _retained_bytes_per_region(net):
    list(activation_regions(net, max_regions=None))  # warm up: lazy imports, interned objects
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        kept = list(activation_regions(net, max_regions=None))
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    return held / len(kept), kept


@pytest.mark.parametrize("distribution, widths, seed, scale", [
    ("integer", [8, 8], 2, 3),
    ("gaussian", [6, 6], 0, 1),
])
def test_kept_regions_take_under_half_a_kib_each(distribution, widths, seed, scale):
    """Issue 10: <= 512 B per kept region (what stays allocated while the list is held: the region, its
    bytes, the list slot, and the run's shared context amortized; a count, not a timing)."""
    net = ReLUNetwork.random(4, widths, seed=seed, distribution=distribution, scale=scale)
    per_region, kept = _retained_bytes_per_region(net)
    assert len(kept) > 500
    assert per_region <= 512, per_region
    # the structure behind the number: one shared context and one bytes object per region
    assert len({id(r._ctx) for r in kept}) == 1
    assert all(type(r._data) is bytes for r in kept)
    assert not hasattr(kept[0], "__dict__")
    mean = sum(sys.getsizeof(r) + sys.getsizeof(r._data) for r in kept) / len(kept)
    assert mean <= per_region


@pytest.mark.slow
def test_kept_regions_peak_under_half_a_kib_each_on_the_issue_net():
    """The issue's measure on its [4, 10, 10, 10] integer net: tracemalloc *peak* of the kept list over the
    count (the enumeration's transient memory included)."""
    net = ReLUNetwork.random(4, [10, 10, 10], seed=2, distribution="integer", scale=3)
    list(activation_regions(ReLUNetwork.random(4, [3, 3], seed=0), max_regions=None))  # lazy imports
    gc.collect()
    tracemalloc.start()
    try:
        kept = list(activation_regions(net, max_regions=None))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(kept) > 20_000
    assert peak / len(kept) <= 512, peak / len(kept)
