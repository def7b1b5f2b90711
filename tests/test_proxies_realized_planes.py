"""Realized regions on 2-D planes: the polygon tracer against the exact rational count (dense nets) and against a
brute-force partition check (conv / pool / skip / NB201 / DARTS nets); the proxy's plane option."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import torch
from _pl_oracle import dense, patterns, tiny
from hypothesis import example, given, settings
from hypothesis import strategies as st
from torch import nn

from canopy.errors import ProxySettingsError, UnsupportedOperationError
from canopy.proxies._pl_plane import trace_planes
from canopy.proxies.realized_regions import (
    exact_plane_regions,
    plane_corners,
    realized_region_counts,
    realized_regions,
)

torch.set_num_threads(1)




def _area(P: np.ndarray) -> float:
    x, y = P[:, 0], P[:, 1]
    return 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


def _check_partition(net: nn.Module, a: torch.Tensor, b: torch.Tensor, c: torch.Tensor, polys: list[np.ndarray],
                     n: int = 101, margin: float = 1e-7) -> None:
    """The polygons tile the unit square, each has one activation pattern, and no two share one."""
    areas = np.array([_area(P) for P in polys])
    assert (areas > 0).all()  # convex, counter-clockwise, not degenerate
    assert abs(areas.sum() - 1.0) < 1e-9

    def at(st_: np.ndarray) -> np.ndarray:
        s_, t_ = (torch.from_numpy(np.ascontiguousarray(st_[:, i])).view(-1, *([1] * a.dim())) for i in (0, 1))
        return patterns(net, a + s_ * (b - a) + t_ * (c - a))

    cents = np.array([P.mean(0) for P in polys])
    pc = at(cents)
    assert len({row.tobytes() for row in pc}) == len(polys)  # one region per polygon (regions are convex)
    g = (np.arange(n) + 0.5) / n
    grid = np.stack(np.meshgrid(g, g, indexing="ij"), -1).reshape(-1, 2)
    pg = at(grid)
    owner = np.full(len(grid), -1)
    for i, P in enumerate(polys):
        e = np.roll(P, -1, 0) - P
        cross = e[:, 0][None] * (grid[:, None, 1] - P[None, :, 1]) - e[:, 1][None] * (grid[:, None, 0] - P[None, :, 0])
        inside = (cross > margin * np.linalg.norm(e, axis=1)[None]).all(1)
        assert (owner[inside] == -1).all()  # polygons do not overlap
        owner[inside] = i
    hit = owner >= 0
    assert hit.mean() > 0.9
    assert (pg[hit] == pc[owner[hit]]).all()  # every grid point has its polygon's pattern


# ------------------------------------------------------------------------------------------- dense: exact oracle
@given(seed=st.integers(0, 2**31 - 1),
       dims=st.lists(st.integers(1, 7), min_size=3, max_size=5).map(lambda d: [max(d[0], 2), *d[1:-1], 1]),
       length=st.sampled_from([0.3, 1.0, 3.0]))
@example(seed=0, dims=[2, 1, 1], length=1.0)
@example(seed=5, dims=[3, 7, 7, 7, 1], length=3.0)
def test_float_planes_equal_the_exact_rational_count_on_dense_nets(seed, dims, length):
    net = dense(seed, dims)
    res = realized_region_counts(net, input_shape=(dims[0],), num_segments=2, length=length, seed=seed,
                                 slicing="plane")
    ex = realized_region_counts(net, input_shape=(dims[0],), num_segments=2, length=length, seed=seed,
                                slicing="plane", exact=True)
    assert ex.exact and res.uncertain.tolist() == [0, 0]
    assert res.pieces.tolist() == ex.pieces.tolist()
    assert (res.linear_pieces == -1).all() and (ex.linear_pieces <= ex.pieces).all()


def test_degenerate_planes():
    # lines through a corner, on an edge, repeated and parallel neurons, a neuron that vanishes on the plane
    net = nn.Sequential(nn.Linear(2, 6), nn.ReLU(), nn.Linear(6, 1)).double()
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor([[1.0, 1.0], [1.0, 1.0], [1.0, -1.0], [0.0, 1.0], [0.0, 1.0], [0.0, 0.0]]))
        net[0].bias.copy_(torch.tensor([-1.0, -1.0, 0.0, 0.0, -0.5, 0.0]))
    a, b, c = torch.tensor([[0.0, 0.0]]), torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 1.0]])
    tr = trace_planes(net, a, b, c)
    # x + y = 1 (the anti-diagonal), x = y (the diagonal through two corners), y = 1/2; y = 0 is the square's edge
    assert tr.uncertain.tolist() == [0]
    assert tr.pieces.tolist() == [exact_plane_regions(net, [0, 0], [1, 0], [0, 1])] == [6]
    _check_partition(net, a[0], b[0], c[0], tr.polygons[0])
    # all-zero weights: one region; a plane on which the network is affine: one region
    with torch.no_grad():
        net[0].weight.zero_()
    assert trace_planes(net, a, b, c).pieces.tolist() == [1]
    assert exact_plane_regions(net, [Fraction(1, 3), 0], [1, 0], [0, 1]) == 1


def test_two_planes_are_independent():
    net = dense(3, [3, 6, 6, 1])
    a, b, c = plane_corners(None, seed=4, num_planes=3, input_shape=(3,), length=2.0)
    both = trace_planes(net, a, b, c)
    for i in range(3):
        one = trace_planes(net, a[i:i + 1], b[i:i + 1], c[i:i + 1])
        assert one.pieces.tolist() == [both.pieces[i]]
        assert one.pieces[0] == exact_plane_regions(net, a[i], b[i], c[i])


# ------------------------------------------------------------------------------- conv / pool / skip: brute force
@pytest.mark.parametrize("pool", ["max", "avg"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tiny_conv_pool_skip_nets_partition_the_plane(seed, pool):
    net = tiny(seed, pool)
    gen = torch.Generator().manual_seed(200 + seed)
    a, b, c = torch.randn(3, 1, 1, 3, 3, generator=gen, dtype=torch.float64)
    b, c = a + 0.6 * (b - a), a + 0.6 * (c - a)
    tr = trace_planes(net, a, b, c)
    # weight sharing with zero padding makes some tie lines of the max pool coincide exactly (two channels'
    # differences of one pair of border positions see one input pixel): a vertex made on one lies on the other up
    # to rounding, and is flagged, not guessed; the partition is checked all the same
    assert tr.uncertain[0] <= (2 if pool == "max" else 0) and tr.pieces[0] > 3
    _check_partition(net, a[0], b[0], c[0], tr.polygons[0])


@given(seed=st.integers(0, 2**31 - 1), pool=st.sampled_from(["max", "avg"]), size=st.sampled_from([0.2, 0.6, 1.5]))
def test_random_tiny_conv_nets_partition_the_plane(seed, pool, size):
    net = tiny(seed % 10_000, pool)
    gen = torch.Generator().manual_seed(seed)
    a, b, c = torch.randn(3, 1, 1, 3, 3, generator=gen, dtype=torch.float64)
    b, c = a + size * (b - a), a + size * (c - a)
    tr = trace_planes(net, a, b, c)
    _check_partition(net, a[0], b[0], c[0], tr.polygons[0], n=61)  # flagged or not (rare: exact coincidences)


def test_small_nb201_network_partitions_the_plane():
    from canopy.spaces.nb201_torch import build_nb201_network

    torch.manual_seed(0)
    net = build_nb201_network("|nor_conv_3x3~0|+|avg_pool_3x3~0|skip_connect~1|+|none~0|nor_conv_1x1~1|skip_connect~2|",
                              C=4, N=1).double().eval()
    a, b, c = plane_corners(None, seed=1, num_planes=1, input_shape=(3, 4, 4), length=0.05)
    tr = trace_planes(net, a, b, c)
    assert tr.uncertain.tolist() == [0] and tr.pieces[0] > 5
    _check_partition(net, a[0], b[0], c[0], tr.polygons[0], n=81)


def test_small_darts_network_with_max_pooling_partitions_the_plane():
    from canopy.spaces.darts import DARTS_OPS, random_genotype
    from canopy.spaces.darts_torch import build_darts_network

    g = random_genotype(0, ops=DARTS_OPS)
    assert "max_pool_3x3" in str(g)
    torch.manual_seed(0)
    net = build_darts_network(g, C=2, layers=3).double().eval()
    a, b, c = plane_corners(None, seed=2, num_planes=1, input_shape=(3, 4, 4), length=0.02)
    tr = trace_planes(net, a, b, c)
    assert tr.uncertain.tolist() == [0] and tr.pieces[0] > 5
    _check_partition(net, a[0], b[0], c[0], tr.polygons[0], n=81)


# ------------------------------------------------------------------------------------------- proxy option
def test_plane_proxy_is_pure_seeded_and_checks_its_settings():
    net = dense(1, [4, 8, 8, 2])
    before = [p.clone() for p in net.parameters()]
    r1 = realized_region_counts(net, input_shape=(4,), num_segments=3, length=1.0, seed=7, slicing="plane")
    r2 = realized_region_counts(net, input_shape=(4,), num_segments=3, length=1.0, seed=7, slicing="plane")
    assert r1.pieces.tolist() == r2.pieces.tolist() and r1.score == r2.score
    assert all(torch.equal(p, q) for p, q in zip(before, net.parameters()))
    assert realized_regions(net, input_shape=(4,), num_segments=3, length=1.0, seed=7, slicing="plane") == r1.score
    # given inputs: consecutive triples
    x = torch.randn(6, 4, dtype=torch.float64)
    r3 = realized_region_counts(net, x, length=1.0, slicing="plane")
    assert r3.pieces.tolist() == [exact_plane_regions(net, x[i], x[i + 1], x[i + 2]) for i in (0, 3)]
    with pytest.raises(ProxySettingsError, match="slicing"):
        realized_region_counts(net, input_shape=(4,), slicing="cube")
    with pytest.raises(ProxySettingsError, match="triples"):
        realized_region_counts(net, torch.randn(4, 4), slicing="plane")
    with pytest.raises(ProxySettingsError, match="max_pieces"):
        realized_region_counts(dense(2, [2, 30, 30, 1]), input_shape=(2,), num_segments=1, length=5.0,
                               slicing="plane", max_pieces=10)
    with pytest.raises(ProxySettingsError, match="one shape"):
        trace_planes(net, torch.zeros(1, 4), torch.zeros(1, 4), torch.zeros(2, 4))


def test_plane_tracer_refuses_unsupported_nodes_with_one_clear_line():
    net = nn.Sequential(nn.Linear(2, 3), nn.Sigmoid())
    with pytest.raises(UnsupportedOperationError, match="Sigmoid"):
        trace_planes(net, torch.zeros(1, 2), torch.ones(1, 2), torch.eye(2)[:1])


# ------------------------------------------------------------------------- exact certification of float traces
class _Exportable(nn.Module):
    """Conv, batch norm, a scaled skip, max / average pooling, cat with a negation, adaptive pooling, linear."""

    def __init__(self, pool: str):
        super().__init__()
        self.c1 = nn.Conv2d(1, 2, 2, padding=1)
        self.bn = nn.BatchNorm2d(2)
        self.c2 = nn.Conv2d(2, 2, 3, padding=1, bias=False)
        self.pool = nn.MaxPool2d(2, stride=1, padding=1) if pool == "max" else nn.AvgPool2d(2)
        self.gap = nn.AdaptiveAvgPool2d((2, 1))
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        h = self.bn(self.c1(x))
        y = torch.relu(self.c2(torch.relu(h)) + h * 0.5)
        y = torch.cat([self.pool(y), -self.pool(y)], 1).relu()
        return self.fc(self.gap(y).view(x.size(0), -1))


def _exportable(seed: int, pool: str) -> nn.Module:
    torch.manual_seed(seed)
    net = _Exportable(pool).double()
    with torch.no_grad():
        net.bn.running_mean.uniform_(-0.5, 0.5)
        net.bn.running_var.uniform_(0.5, 2.0)
    return net.eval()


@settings(max_examples=15)  # each example certifies some 50-300 regions in exact rationals (about a second)
@given(seed=st.integers(0, 2**31 - 1), pool=st.sampled_from(["max", "avg"]))
@example(seed=0, pool="max")
def test_float_counts_of_conv_pool_skip_nets_are_certified_exactly(seed, pool):
    from canopy.nas.lower import export_graph
    from canopy.proxies._pl_certify import certify_planes, certify_segments
    from canopy.proxies._pl_trace import trace_segments

    net = _exportable(seed % 1000, pool)
    g = export_graph(net, (1, 1, 3, 3))
    gen = torch.Generator().manual_seed(seed)
    a, b, c = torch.randn(3, 1, 1, 3, 3, generator=gen, dtype=torch.float64)
    b, c = a + 0.3 * (b - a), a + 0.3 * (c - a)
    tp, ts = trace_planes(net, a, b, c), trace_segments(net, a, b)
    if tp.uncertain[0] == 0:
        assert certify_planes(g, a, b, c, tp).tolist() == [True]
    if ts.uncertain[0] == 0:
        assert certify_segments(g, a, b, ts).tolist() == [True]


def test_a_wrong_trace_is_not_certified():
    from canopy.nas.lower import export_graph
    from canopy.proxies._pl_certify import certify_planes, certify_segments
    from canopy.proxies._pl_plane import PlaneTrace
    from canopy.proxies._pl_trace import SegmentTrace, trace_segments

    net = _exportable(3, "avg")
    g = export_graph(net, (1, 1, 3, 3))
    gen = torch.Generator().manual_seed(7)
    a, b, c = torch.randn(3, 1, 1, 3, 3, generator=gen, dtype=torch.float64)
    tp, ts = trace_planes(net, a, b, c), trace_segments(net, a, b)
    assert tp.pieces[0] > 5 and ts.pieces[0] > 5
    assert certify_planes(g, a, b, c, tp).tolist() == [True] and certify_segments(g, a, b, ts).tolist() == [True]
    polys = tp.polygons[0]
    # a missing polygon leaves a gap; a polygon given twice repeats a pattern
    for wrong in (polys[1:], polys + polys[:1]):
        bad = PlaneTrace(np.array([len(wrong)]), tp.uncertain, [wrong])
        assert certify_planes(g, a, b, c, bad).tolist() == [False]
    bps = ts.breakpoints[0]
    # a missing breakpoint: a piece with two patterns (its midpoint's region is shorter: a gap); a spurious one:
    # two pieces with one pattern
    for wrong in (np.delete(bps, len(bps) // 2), np.sort(np.append(bps, (bps[0] + bps[1]) / 2))):
        bad = SegmentTrace(np.array([len(wrong) + 1]), [wrong], ts.uncertain, ts.linear_pieces)
        assert certify_segments(g, a, b, bad).tolist() == [False]


@pytest.mark.slow
def test_realized_counts_with_exact_true_certify_a_small_nb201_network():
    from canopy.spaces.nb201_torch import build_nb201_network

    torch.manual_seed(0)
    net = build_nb201_network("|nor_conv_3x3~0|+|avg_pool_3x3~0|skip_connect~1|+|none~0|nor_conv_1x1~1|skip_connect~2|",
                              C=4, N=1)
    for slicing, length in (("segment", 0.2), ("plane", 0.05)):
        ex = realized_region_counts(net, seed=1, num_segments=2, length=length, slicing=slicing, exact=True)
        fl = realized_region_counts(net, seed=1, num_segments=2, length=length, slicing=slicing)
        assert ex.exact and ex.certified.tolist() == [True, True] and not fl.exact
        assert ex.pieces.tolist() == fl.pieces.tolist() and (ex.pieces > 10).all()
        assert not fl.certified.any()


def test_non_finite_slices_or_weights_are_refused_not_counted():
    from canopy.proxies._pl_trace import trace_segments

    net = dense(0, [2, 4, 1])
    nan = torch.tensor([[float("nan"), 0.0]], dtype=torch.float64)
    one, e1 = torch.ones(1, 2, dtype=torch.float64), torch.tensor([[1.0, 0.0]], dtype=torch.float64)
    with pytest.raises(ProxySettingsError, match="finite"):
        trace_segments(net, nan, one)
    with pytest.raises(ProxySettingsError, match="finite"):
        trace_planes(net, nan, one, e1)
    with pytest.raises(ProxySettingsError, match="finite"):
        trace_planes(net, torch.zeros(1, 2, dtype=torch.float64), one * float("inf"), e1)
    with torch.no_grad():
        net[0].weight[0, 0] = float("inf")
    for slicing in ("segment", "plane"):
        with pytest.raises(ProxySettingsError, match="non-finite values .* reach node"):
            realized_region_counts(net, input_shape=(2,), num_segments=1, slicing=slicing)
