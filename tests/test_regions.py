"""Tests of tropical.regions against independent slow oracles (exact LPs, 1-D breakpoints, forward passes)."""

from __future__ import annotations

import itertools
import random
from fractions import Fraction

import pytest
from _backends import each_backend  # noqa: F401  (fixture)
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tropical.backend import use_compiled
from tropical.errors import BudgetExceededError, DimensionMismatchError, InexactInputError
from tropical.lp import solve_lp
from tropical.network import ReLUNetwork
from tropical.regions import (
    DEFINITIONS,
    Box,
    EmptyPolyhedronError,
    Polytope,
    activation_regions,
    adjacency_graph,
    count_regions,
    linear_regions,
    region_upper_bound,
)

# ----------------------------------------------------------------------------------------------- oracles


def _norm1(a):
    return sum(abs(v) for v in a)


def pattern_constraints(net, pattern):
    """Cell-local constraints of a global pattern: list of (a, c) meaning s*(a.x + c) >= 0, or None when a
    constant neuron contradicts the pattern. Also returns the exact output map (A, c)."""
    n = net.input_dim
    A = [[Fraction(int(i == j)) for j in range(n)] for i in range(n)]
    c = [Fraction(0)] * n
    cons = []
    for layer, (W, b) in enumerate(zip(net.weights[:-1], net.biases[:-1])):
        zA = [[sum((W[k][j] * A[j][i] for j in range(len(A))), Fraction(0)) for i in range(n)]
              for k in range(len(W))]
        zc = [sum((W[k][j] * c[j] for j in range(len(c))), Fraction(0)) + b[k] for k in range(len(W))]
        for k, on in enumerate(pattern[layer]):
            if not any(zA[k]):
                if (zc[k] > 0) != on:
                    return None, None
                continue
            s = 1 if on else -1
            cons.append(([s * v for v in zA[k]], s * zc[k]))
        A = [row if on else [Fraction(0)] * n for row, on in zip(zA, pattern[layer])]
        c = [v if on else Fraction(0) for v, on in zip(zc, pattern[layer])]
    W, b = net.weights[-1], net.biases[-1]
    oA = tuple(tuple(sum((W[k][j] * A[j][i] for j in range(len(A))), Fraction(0)) for i in range(n))
               for k in range(len(W)))
    oc = tuple(sum((W[k][j] * c[j] for j in range(len(c))), Fraction(0)) + b[k] for k in range(len(W)))
    return cons, (oA, oc)


def domain_constraints(domain, n):
    if domain is None:
        return []
    A, b = domain.inequalities(n)
    return [([-v for v in row], bi) for row, bi in zip(A, b)]  # -row.x + b >= 0


def interior_lp(cons, n, equality=None):
    """max r s.t. a.x + c >= r*|a|_1 for (a, c) in cons (and a.x + c = 0 for equality), r <= 1."""
    A_ub = [[-v for v in a] + [_norm1(a)] for a, _ in cons] + [[0] * n + [1]]
    b_ub = [c for _, c in cons] + [1]
    A_eq, b_eq = (), ()
    if equality is not None:
        a, c = equality
        A_eq, b_eq = [list(a) + [0]], [-c]
    res = solve_lp([0] * n + [1], A_ub, b_ub, A_eq, b_eq)
    return res.status == "optimal" and res.value > 0


def brute_force(net, domain=None):
    """All 2^N patterns with the 1-norm interior LP; returns {pattern: (constraints, map)}."""
    n = net.input_dim
    dom = domain_constraints(domain, n)
    out = {}
    for bits in itertools.product([False, True], repeat=sum(net.widths)):
        it = iter(bits)
        pattern = tuple(tuple(next(it) for _ in range(w)) for w in net.widths)
        cons, amap = pattern_constraints(net, pattern)
        if cons is None:
            continue
        if interior_lp(cons + dom, n):
            out[pattern] = (cons + dom, amap)
    return out


def _same_hyperplane(a1, c1, a2, c2):
    v1, v2 = list(a1) + [c1], list(a2) + [c2]
    i = next(i for i, v in enumerate(v1) if v)
    if not v2[i]:
        return False
    f = v2[i] / v1[i]
    return all(y == f * x for x, y in zip(v1, v2))


def brute_linear_count(net, regions, n):
    """Union-find over exact-LP facet adjacencies of equal-map regions."""
    pats = list(regions)
    parent = list(range(len(pats)))

    def find(a):
        while parent[a] != a:
            a = parent[a]
        return a

    for i, j in itertools.combinations(range(len(pats)), 2):
        (ci, mi), (cj, mj) = regions[pats[i]], regions[pats[j]]
        if mi != mj or find(i) == find(j):
            continue
        for a, c in ci:
            if not any(a):
                continue
            others = [(x, y) for x, y in ci + cj if not (any(x) and _same_hyperplane(a, c, x, y))]
            if interior_lp(others, n, equality=(a, c)):
                parent[find(i)] = find(j)
                break
    return len({find(i) for i in range(len(pats))}), len({m for _, m in regions.values()})


def line_oracle(net):
    """Input size 1: exact breakpoints, layer by layer; returns (activation, linear, distinct) counts."""
    assert net.input_dim == 1
    bps: list[Fraction] = []
    for layer in range(net.num_hidden):
        cuts = [None, *bps, None]
        new = set(bps)
        for lo, hi in zip(cuts[:-1], cuts[1:]):
            if lo is None and hi is None:
                p, q = Fraction(0), Fraction(1)
            elif lo is None:
                p, q = hi - 2, hi - 1
            elif hi is None:
                p, q = lo + 1, lo + 2
            else:
                p, q = lo + (hi - lo) / 3, lo + 2 * (hi - lo) / 3
            zp, zq = net.preactivations([p])[layer], net.preactivations([q])[layer]
            for a, b in zip(zp, zq):
                if a == b:
                    continue
                root = p - a * (q - p) / (b - a)
                if (lo is None or root > lo) and (hi is None or root < hi):
                    new.add(root)
        bps = sorted(new)
    cuts = [None, *bps, None]
    pats, maps = [], []
    for lo, hi in zip(cuts[:-1], cuts[1:]):
        if lo is None and hi is None:
            p = Fraction(0)
        elif lo is None:
            p = hi - 1
        elif hi is None:
            p = lo + 1
        else:
            p = (lo + hi) / 2
        pats.append(net.activation_pattern([p]))
        slope = net.forward([p + Fraction(1, 10**9)])[0] - net.forward([p])[0]
        maps.append((slope, net.forward([p])[0] - slope * 10**9 * p))
    act = 1 + sum(1 for a, b in zip(pats, pats[1:]) if a != b)
    lin = 1 + sum(1 for a, b in zip(maps, maps[1:]) if a != b)
    return act, lin, len(set(maps))


# ------------------------------------------------------------------------------------------- strategies


@st.composite
def small_nets(draw, max_input=3, max_neurons=6, degenerate=True):
    n = draw(st.integers(1, max_input))
    depth = draw(st.integers(1, 3))
    widths = draw(st.lists(st.integers(1, 3), min_size=depth, max_size=depth))
    while sum(widths) > max_neurons:
        widths.pop()
    rng = st.integers(-2, 2) if degenerate else st.integers(-5, 5)
    sizes = [n, *widths, 1]
    ws = [[[Fraction(draw(rng)) for _ in range(a)] for _ in range(b)] for a, b in zip(sizes, sizes[1:])]
    bs = [[Fraction(draw(rng)) for _ in range(b)] for b in sizes[1:]]
    return ReLUNetwork(ws, bs)


def net_of(W1, b1, w2=None):
    w2 = w2 or [[1] * len(W1)]
    return ReLUNetwork([W1, w2], [b1, [0]])


SLIVER = net_of([[1, 0], [10**12, 0], [0, 1]], [0, -1, 0])
PARALLEL = net_of([[1, 0], [2, 0], [1, 1]], [0, 0, 0])
DEAD = ReLUNetwork([[[0, 0], [1, -1], [0, 0]], [[1, 1, 1], [0, 0, 0]], [[1, 1]]], [[-1, 0, 2], [0, -1], [0]])


def check_hrep(region, cons, n):
    """The H-representation equals the oracle region and is irredundant (exact LPs)."""
    ineqs = region.inequalities
    A = [list(a) for a, _ in ineqs]
    b = [bb for _, bb in ineqs]
    for a, c in cons:  # every oracle constraint holds on the H-rep polyhedron: min a.x + c >= 0
        res = solve_lp(list(a), A, b, maximize=False)
        assert res.status == "optimal" and res.value + c >= 0
    for i, (a, bb) in enumerate(ineqs):  # dropping facet i lets a.x exceed bb
        res = solve_lp(list(a), A[:i] + A[i + 1:], b[:i] + b[i + 1:])
        assert res.status == "unbounded" or res.value > bb


def check_against_brute_force(net, domain=None):
    fast = list(activation_regions(net, domain))
    brute = brute_force(net, domain)
    pats = [r.pattern for r in fast]
    assert len(pats) == len(set(pats))
    assert set(pats) == set(brute)
    for r in fast:
        assert r.affine_map == brute[r.pattern][1]
        x = r.interior_point
        assert r.contains(x, strict=True)
        assert net.activation_pattern(x) == r.pattern
        assert r.evaluate(x) == net.forward(x)
        check_hrep(r, brute[r.pattern][0], net.input_dim)
    counts = count_regions(net, domain)
    lin, distinct = brute_linear_count(net, brute, net.input_dim)
    assert (counts.activation_regions, counts.linear_regions, counts.distinct_affine_maps) == (
        len(brute), lin, distinct)
    return counts


# ----------------------------------------------------------------------------------------------- tests


def test_worked_example_section_2_4():
    net = ReLUNetwork([[[1, -1], [2, 1]], [[1, -1]]], [[0, -1], [0]])
    c = check_against_brute_force(net)
    assert (c.activation_regions, c.linear_regions, c.distinct_affine_maps) == (4, 4, 4)
    assert not c.partial and set(c.definition) >= {"activation_regions", "linear_regions", "distinct_affine_maps"}


@pytest.mark.parametrize(("n", "width", "expected"), [(2, 4, 11), (2, 8, 37), (3, 5, 26), (2, 16, 137)])
def test_zaslavsky_one_generic_layer(n, width, expected):
    net = ReLUNetwork.random(n, [width], seed=3, distribution="gaussian")
    assert count_regions(net).activation_regions == expected == region_upper_bound(n, [width])


def test_sliver_thinner_than_floats():
    c = check_against_brute_force(SLIVER)
    assert c.activation_regions == 6


def test_parallel_and_dead_neurons():
    assert check_against_brute_force(PARALLEL).activation_regions == 4  # x1 = 0 twice, plus x1 + x2 = 0
    c = check_against_brute_force(DEAD)
    assert c.activation_regions >= 1
    zero = ReLUNetwork([[[0, 0]], [[1]]], [[0], [0]])
    assert count_regions(zero).activation_regions == 1   # never 0 regions
    assert [r.pattern for r in activation_regions(zero)] == [((False,),)]


@given(small_nets())
@example(SLIVER)
@example(PARALLEL)
@example(DEAD)
@example(ReLUNetwork([[[1, 1], [-1, -1], [2, 2]], [[1, 1, 1]]], [[0, 0, 0], [0]]))  # coincident, opposite
@example(ReLUNetwork([[[1, 0], [0, 1], [1, 1]], [[1, -1, 1]]], [[0, 0, 0], [0]]))  # three through a vertex
@example(ReLUNetwork([[[1], [1]], [[1, -1]], [[1]]], [[0, 0], [0], [0]]))          # layer 2 constant
def test_fast_equals_brute_force(net):
    check_against_brute_force(net)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.usefixtures("each_backend")
def test_every_backend_equals_brute_force(seed):
    net = ReLUNetwork.random(2, [4, 3], seed=seed, distribution="integer", scale=3)
    check_against_brute_force(net)
    check_against_brute_force(ReLUNetwork.random(3, [5], seed=seed), Box(-1, 1))


@given(small_nets(max_input=2, max_neurons=5))
@settings(max_examples=8)
def test_fast_equals_brute_force_on_box(net):
    check_against_brute_force(net, Box(-1, Fraction(3, 2)))


@given(small_nets(max_input=1, max_neurons=8))
@example(ReLUNetwork([[[1], [1], [1]], [[1, -2, 1]]], [[0, -1, -2], [0]]))  # hat + equal maps apart
@example(ReLUNetwork([[[1], [-1]], [[1, 1]], [[1]]], [[0, 0], [-1], [0]]))
def test_one_dimensional_oracle(net):
    c = count_regions(net)
    assert (c.activation_regions, c.linear_regions, c.distinct_affine_maps) == line_oracle(net)


@pytest.mark.parametrize("seed", range(3))
def test_partition_property(seed):
    net = ReLUNetwork.random(2, [5, 4], seed=seed, distribution="integer", scale=3)
    regions = list(activation_regions(net))
    rng = random.Random(seed)
    pts = [(Fraction(rng.randint(-40, 40), rng.randint(1, 7)), Fraction(rng.randint(-40, 40), rng.randint(1, 7)))
           for _ in range(60)]
    pts += [r.interior_point for r in regions[:5]] + [(Fraction(0), Fraction(0))]
    for x in pts:
        strict = [r for r in regions if r.contains(x, strict=True)]
        closed = [r for r in regions if r.contains(x)]
        assert len(strict) <= 1 and closed
        if strict:
            assert strict[0].pattern == net.activation_pattern(x)
        for r in closed:
            assert r.evaluate(x) == net.forward(x)


def test_linear_regions_and_graph_agree():
    net = ReLUNetwork.random(2, [4, 3], seed=5, distribution="integer", scale=2)
    import networkx as nx

    lrs = linear_regions(net)
    c = count_regions(net)
    assert len(lrs) == c.linear_regions == nx.number_connected_components(adjacency_graph(net))
    assert sum(len(lr.regions) for lr in lrs) == c.activation_regions
    for lr in lrs:
        assert all(r.affine_map == lr.affine_map for r in lr.regions)
    assert c.activation_regions >= c.linear_regions >= c.distinct_affine_maps


def test_polytope_domain_and_hrep():
    net = net_of([[1, 0], [0, 1]], [0, 0])
    tri = Polytope([[-1, 0], [0, -1], [1, 1]], [1, 1, 1])  # x >= -1, y >= -1, x + y <= 1
    rs = list(activation_regions(net, tri))
    assert len(rs) == 4
    check_against_brute_force(net, tri)
    far = Polytope([[-1, 0], [0, -1]], [-5, -5])  # x >= 5, y >= 5: unbounded, one region
    assert count_regions(net, far).activation_regions == 1
    for r in rs:
        for a, b in r.inequalities:
            assert sum(ai * xi for ai, xi in zip(a, r.interior_point)) < b


def test_budgets():
    net = ReLUNetwork.random(2, [8, 8], seed=0)
    with pytest.raises(BudgetExceededError, match="max_regions"):
        count_regions(net, max_regions=10)
    # 445,751 regions: far more than either path (the compiled kernel counts all 1,894 of a [3, 8, 8, 8] net
    # within 0.02 s) enumerates in the budget
    big = ReLUNetwork.random(4, [16, 16, 16], seed=0)
    c = count_regions(big, time_budget=0.02, max_regions=None)
    assert c.partial and c.stopped == "time_budget" and c.activation_regions < 445_751
    with pytest.raises(BudgetExceededError):
        list(activation_regions(big, time_budget=0.02, max_regions=None))


def test_bad_input():
    net = net_of([[1, 0]], [0])
    with pytest.raises(EmptyPolyhedronError):
        count_regions(net, Box(1, 1))
    with pytest.raises(EmptyPolyhedronError):
        count_regions(net, Polytope([[1, 0], [-1, 0]], [0, 0]))
    with pytest.raises(InexactInputError):
        count_regions(net, Box(0.0, 1))
    with pytest.raises(DimensionMismatchError):
        count_regions(net, Box([0, 0, 0], [1, 1, 1]))
    with pytest.raises(TypeError):
        count_regions("not a net")
    with pytest.raises(ValueError):
        count_regions(net, time_budget=-1)
    with pytest.raises(ValueError):
        count_regions(net, max_regions=0)


def test_affine_network_and_definitions():
    net = ReLUNetwork([[[1, 2]]], [[3]])
    c = count_regions(net)
    assert (c.activation_regions, c.linear_regions, c.distinct_affine_maps) == (1, 1, 1)
    assert "Stargalla" in DEFINITIONS["reference"]
    assert c.as_dict()["activation_regions"] == 1


def test_memory_is_streamed():
    net = ReLUNetwork.random(2, [6, 6], seed=1)
    it = activation_regions(net)
    first = next(it)
    assert first.pattern in {r.pattern for r in activation_regions(net)}


@given(small_nets(max_input=2, max_neurons=5))
@settings(max_examples=10)
def test_crosscheck_bounds_linear_regions(net):
    from tropical.regions import tropical_crosscheck

    cc = tropical_crosscheck(net)
    c = count_regions(net)
    assert c.linear_regions <= cc["upper_vertices_F_plus_G"]
    assert max(cc["monomials_F"], cc["monomials_G"]) <= cc["upper_vertices_F_plus_G"]


@pytest.mark.parametrize(("n", "widths", "seed"), [(2, [5, 5], 0), (3, [4, 4], 1), (2, [3, 3, 3], 2), (3, [6], 3)])
def test_membrane_shortcut_equals_exact_clip(n, widths, seed):
    """The cheap membrane decisions agree with the exact double-description clip on every candidate pair."""
    from tropical.regions import _Enumerator, _Merger

    class ExactOnly(_Merger):
        def _relation(self, tight, lines, j, sid):
            return None

    net = ReLUNetwork.random(n, widths, seed=seed, distribution="integer", scale=1)
    results = []
    for cls in (_Merger, ExactOnly):
        merger = cls(n)
        for raw in _Enumerator(net, None, max_regions=None, time_budget=None, progress=False).run():
            merger.add(raw)
        results.append(sorted(merger.edges))
    assert results[0] == results[1]


@pytest.mark.parametrize("seed", [0, 3])
def test_degenerate_integer_nets_brute_force(seed):
    net = ReLUNetwork.random(2, [4, 4], seed=seed, distribution="integer", scale=1)
    check_against_brute_force(net)


# tropical.md §4.2 (exact counts measured independently with pycddlib/GMP and a facet-connectivity merge,
# random integer weights in [-3, 3]); the seeds below reproduce every row with ReLUNetwork.random(...,
# distribution="integer", scale=3).
SECTION_4_2 = [
    (2, [4], 1, (10, 6, 6)),
    (2, [8], 1, (29, 22, 22)),
    (3, [5, 5], 1, (130, 64, 63)),
    (2, [16, 16], 2, (389, 291, 291)),
    pytest.param(4, [8, 8], 2, (1994, 1892, 1892), marks=pytest.mark.slow),
    (3, [8, 8, 8], 2, (846, 809, 805)),
    pytest.param(4, [10, 10, 10], 2, (21691, 18101, 18062), marks=pytest.mark.slow),
]


@pytest.mark.parametrize(("n", "widths", "seed", "expected"), SECTION_4_2)
def test_known_counts_section_4_2(n, widths, seed, expected):
    net = ReLUNetwork.random(n, widths, seed=seed, distribution="integer", scale=3)
    c = count_regions(net, max_regions=None)
    assert (c.activation_regions, c.linear_regions, c.distinct_affine_maps) == expected


def test_vector_output_and_unbounded_polytope():
    net = ReLUNetwork.random(2, [3, 2], output_dim=2, seed=7, distribution="integer", scale=2)
    check_against_brute_force(net)
    check_against_brute_force(net, Polytope([[1, 1]], [1]))  # a half-plane: unbounded, with a line


# ------------------------------------------------------------------ streaming counts, interrupts (bounded memory)
@pytest.mark.parametrize(("n", "widths", "seed"), [(2, [6, 6], 0), (3, [5, 5], 1), (2, [4, 4, 4], 2)])
def test_released_merger_equals_full_merger(n, widths, seed):
    """Releasing finished splits never changes a count, and keeps only a fraction of the regions' facets."""
    from tropical.regions import _Enumerator, _Merger

    net = ReLUNetwork.random(n, widths, seed=seed, distribution="integer", scale=2)
    full = _Merger(n)
    for raw in _Enumerator(net, None, max_regions=None, time_budget=None, progress=False).run():
        full.add(raw)
    comps = len({full.uf.find(i) for i in range(full.count)})
    en = _Enumerator(net, None, max_regions=None, time_budget=None, progress=False)
    lean = _Merger(n, keep_edges=False)
    live = 0
    for raw in en.run():
        lean.release(en.closed)
        lean.add(raw)
        live = max(live, len(lean.region_facets))
    assert (lean.count, lean.linear_regions, len(lean.mapids)) == (full.count, comps, len(full.mapids))
    assert len(full.region_facets) < full.count  # regions without plus-side facets are never stored
    assert live < full.count
    c = count_regions(net, max_regions=None)
    assert (c.activation_regions, c.linear_regions, c.distinct_affine_maps) == (full.count, comps, len(full.mapids))
    assert c.stopped is None and not c.partial


def test_interrupt_returns_partial_counts(monkeypatch):
    from tropical import regions as R

    net = ReLUNetwork.random(2, [6, 6], seed=0, distribution="integer", scale=2)
    total = count_regions(net).activation_regions
    real_add = R._Merger.add

    def add(self, raw):
        if self.count == 7:
            raise KeyboardInterrupt
        return real_add(self, raw)

    monkeypatch.setattr(R._Merger, "add", add)
    with use_compiled(False):  # the Python merger is the one patched (the compiled kernel: test_cregions.py)
        c = count_regions(net)
    assert c.partial and c.stopped == "interrupted" and c.as_dict()["stopped"] == "interrupted"
    assert c.activation_regions == 7 < total
    assert c.linear_regions <= 7 and c.distinct_affine_maps <= 7
    with pytest.raises(KeyboardInterrupt):  # the streaming generator lets it through
        for _ in activation_regions(net):
            raise KeyboardInterrupt


def test_time_budget_is_flagged():
    net = ReLUNetwork.random(3, [12, 12], seed=0)
    c = count_regions(net, time_budget=1e-6, max_regions=None)
    assert c.partial and c.stopped == "time_budget"


@pytest.mark.parametrize(("lo", "hi", "err"), [
    (1, -1, EmptyPolyhedronError), (0, 0, EmptyPolyhedronError), (float("nan"), 1, InexactInputError),
    (0.5, 1, InexactInputError), ("a", 1, InexactInputError), (None, 1, InexactInputError),
    ([0, 0], [1], DimensionMismatchError), ([0, 2], 1, EmptyPolyhedronError), ([], [], DimensionMismatchError)])
def test_box_validates_eagerly(lo, hi, err):
    with pytest.raises(err):
        Box(lo, hi)


@pytest.mark.parametrize(("A", "b", "err"), [
    ([[1, 0]], [1, 2], DimensionMismatchError), ([[0.5, 0]], [1], InexactInputError),
    ([[1, 0], [1]], [1, 2], DimensionMismatchError), ([[1, 0]], [0.5], InexactInputError),
    (5, [1], InexactInputError), ([[1, 0]], "1", InexactInputError)])
def test_polytope_validates_eagerly(A, b, err):
    with pytest.raises(err):
        Polytope(A, b)
