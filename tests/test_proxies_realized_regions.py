"""Realized-region proxy: the float64 tracer against exact and brute-force oracles; purity, seeding, errors."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from _pl_oracle import dense, patterns, tiny
from hypothesis import example, given
from hypothesis import strategies as st
from torch import nn

from canopy.errors import ProxySettingsError, UnsupportedOperationError
from canopy.proxies._pl_trace import trace_segments
from canopy.proxies.realized_regions import (
    exact_segment_regions,
    realized_region_counts,
    realized_regions,
    segment_ends,
)

torch.set_num_threads(1)


# ------------------------------------------------------------------------------------------- dense: exact oracle


@given(seed=st.integers(0, 2**31 - 1),
       dims=st.lists(st.integers(1, 5), min_size=3, max_size=5),
       seg=st.integers(0, 1000))
@example(seed=0, dims=[1, 1, 1], seg=0)
@example(seed=3, dims=[2, 5, 5, 5, 1], seg=7)
def test_float_path_equals_exact_rational_count_on_dense_nets(seed, dims, seg):
    net = dense(seed, dims)
    a, b = segment_ends(None, seed=seg, num_segments=2, input_shape=(dims[0],), length=1.0)
    a, b = a * 3, b * 3  # long segments: more breakpoints
    tr = trace_segments(net, a, b)
    for i in range(2):
        exact = exact_segment_regions(net, a[i], b[i])
        u = int(tr.uncertain[i])
        assert int(tr.pieces[i]) - u <= exact <= int(tr.pieces[i]) + u
        if u == 0:
            assert int(tr.pieces[i]) == exact
        assert len(tr.breakpoints[i]) == tr.pieces[i] - 1
        assert np.all(np.diff(tr.breakpoints[i]) > 0) and np.all((tr.breakpoints[i] > 0) & (tr.breakpoints[i] < 1))


def _exact_breakpoints(net: nn.Sequential, a, b) -> list[Fraction]:
    """Slow oracle independent of tropical and of the tracer's code: exact breakpoints, layer by layer.

    Invariant: every pre-activation of the layers done so far is affine between consecutive points of ``pts``,
    so the next layer's pre-activations (exact forward pass at the points) are too, and their zeros between
    two points with strictly opposite signs are new points.
    """
    from tropical.convert import to_rational

    lins = [m for m in net if isinstance(m, nn.Linear)]
    Ws = [[[to_rational(v) for v in row] for row in m.weight.tolist()] for m in lins]
    bs = [[to_rational(v) for v in m.bias.tolist()] for m in lins]
    A = [to_rational(v) for v in a.tolist()]
    D = [to_rational(v) - x for v, x in zip(b.tolist(), A)]

    def layer_input(t: Fraction, depth: int) -> list[Fraction]:
        x = [ai + t * di for ai, di in zip(A, D)]
        for W, c in zip(Ws[:depth], bs[:depth]):
            x = [max(sum((w * v for w, v in zip(row, x)), Fraction(0)) + cc, Fraction(0)) for row, cc in zip(W, c)]
        return x

    pts = [Fraction(0), Fraction(1)]
    for depth in range(len(Ws) - 1):
        W, c = Ws[depth], bs[depth]
        zs = [[sum((w * v for w, v in zip(row, layer_input(t, depth))), Fraction(0)) + cc for row, cc in zip(W, c)]
              for t in pts]
        new = set(pts)
        for (lo, zl), (hi, zh) in zip(zip(pts, zs), zip(pts[1:], zs[1:])):
            for u, v in zip(zl, zh):
                if u * v < 0:
                    new.add(lo + (hi - lo) * u / (u - v))
        pts = sorted(new)
    return pts[1:-1]


@given(seed=st.integers(0, 2**31 - 1), dims=st.lists(st.integers(1, 3), min_size=3, max_size=4))
def test_breakpoints_match_an_exact_fraction_oracle(seed, dims):
    net = dense(seed, dims)
    a, b = segment_ends(None, seed=seed % 997, num_segments=1, input_shape=(dims[0],), length=1.0)
    tr = trace_segments(net, a * 2, b * 2)
    exact = _exact_breakpoints(net, a[0] * 2, b[0] * 2)
    assert exact_segment_regions(net, a[0] * 2, b[0] * 2) == len(exact) + 1  # two exact oracles agree
    if tr.uncertain[0] == 0:
        assert len(tr.breakpoints[0]) == len(exact)
        assert np.allclose(tr.breakpoints[0], [float(e) for e in exact], rtol=0, atol=1e-9)


def test_degenerate_dense_cases():
    # duplicate neurons cross at the same point: one breakpoint
    net = nn.Sequential(nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 1)).double()
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor([[2.0], [2.0]]))
        net[0].bias.copy_(torch.tensor([-1.0, -1.0]))
    tr = trace_segments(net, torch.tensor([[0.0]]), torch.tensor([[1.0]]))
    assert tr.pieces.tolist() == [2] and tr.breakpoints[0].tolist() == [0.5] and tr.uncertain.tolist() == [0]
    assert exact_segment_regions(net, [0], [1]) == 2
    # a crossing exactly at an end of the segment does not split the open segment
    tr = trace_segments(net, torch.tensor([[0.5]]), torch.tensor([[1.0]]))
    assert tr.pieces.tolist() == [1] and exact_segment_regions(net, [Fraction(1, 2)], [1]) == 1
    # all-zero weights: one piece
    with torch.no_grad():
        net[0].weight.zero_()
    assert trace_segments(net, torch.tensor([[-1.0]]), torch.tensor([[1.0]])).pieces.tolist() == [1]


# ------------------------------------------------------------------------------- conv / pool / skip: brute force
def _grid_patterns(net: nn.Module, a: torch.Tensor, b: torch.Tensor, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Brute force: the activation pattern (ReLU signs, max-pool arg-maxes) at n grid points of [a, b]."""
    t = torch.linspace(0, 1, n, dtype=torch.float64)
    x = a.unsqueeze(0) + t.view(-1, *([1] * a.dim())) * (b - a).unsqueeze(0)
    return t.numpy(), patterns(net, x)


@pytest.mark.parametrize("pool", ["max", "avg"])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_tiny_conv_pool_skip_nets_match_a_fine_grid(seed, pool):
    net = tiny(seed, pool)
    gen = torch.Generator().manual_seed(100 + seed)
    a, b = torch.randn(2, 1, 1, 3, 3, generator=gen, dtype=torch.float64)
    tr = trace_segments(net, a, b)
    assert tr.uncertain.tolist() == [0]
    t, pat = _grid_patterns(net, a[0], b[0], 40001)
    change = np.nonzero(np.any(pat[1:] != pat[:-1], axis=1))[0]
    bps = tr.breakpoints[0]
    step = t[1] - t[0]
    # every traced breakpoint separated from the others by more than a grid step is seen on the grid there
    assert len(change) <= len(bps)
    iso = [x for i, x in enumerate(bps) if min([abs(x - y) for j, y in enumerate(bps) if j != i] or [1]) > 2 * step]
    for x in iso:
        j = int(x // step)
        assert j in change or j - 1 in change or j + 1 in change
    # and every grid change has a traced breakpoint in its interval
    for j in change:
        assert np.any((bps >= t[j] - 1e-12) & (bps <= t[j + 1] + 1e-12))
    if np.all(np.diff(bps) > 2 * step):
        assert len(change) == len(bps)


def test_small_nb201_network_matches_a_fine_grid():
    from canopy.spaces.nb201_torch import build_nb201_network

    torch.manual_seed(0)
    net = build_nb201_network("|nor_conv_3x3~0|+|avg_pool_3x3~0|skip_connect~1|+|none~0|nor_conv_1x1~1|skip_connect~2|",
                              C=4, N=1).double().eval()
    a, b = segment_ends(None, seed=1, num_segments=1, input_shape=(3, 4, 4), length=0.2)
    tr = trace_segments(net, a, b)
    assert tr.uncertain.tolist() == [0] and tr.pieces[0] > 5
    t, pat = _grid_patterns(net, a[0], b[0], 20001)
    change = np.nonzero(np.any(pat[1:] != pat[:-1], axis=1))[0]
    for j in change:
        assert np.any((tr.breakpoints[0] >= t[j]) & (tr.breakpoints[0] <= t[j + 1]))
    assert len(change) <= len(tr.breakpoints[0])
    if np.all(np.diff(tr.breakpoints[0]) > 2 * (t[1] - t[0])):
        assert len(change) == len(tr.breakpoints[0])


# -------------------------------------------------------------------------------------- proxy conventions
def test_pure_seeded_and_deterministic():
    net = tiny(5)
    net.train()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    s1 = realized_regions(net, input_shape=(1, 3, 3), seed=4, length=1.0)
    s2 = realized_regions(net, input_shape=(1, 3, 3), seed=4, length=1.0)
    assert s1 == s2
    assert realized_regions(net, input_shape=(1, 3, 3), seed=5, length=1.0) != s1
    after = net.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert net.training and all(m.training for m in net.modules())
    assert not any(m._forward_hooks or m._forward_pre_hooks for m in net.modules())


def test_given_inputs_and_aggregates():
    net = dense(1, [3, 6, 6, 2])
    x = torch.randn(4, 3, generator=torch.Generator().manual_seed(0))
    res = realized_region_counts(net, x, length=1.0)
    assert len(res.pieces) == 2
    assert res.score == pytest.approx(np.mean(np.log(res.pieces)))
    tot = realized_regions(net, x, length=1.0, aggregate="log_total")
    assert tot == pytest.approx(np.log(res.pieces.sum()))
    exact = realized_region_counts(net, x, length=1.0, exact=True)
    assert exact.exact and exact.pieces.tolist() == res.pieces.tolist()


def test_inplace_relu_equals_out_of_place():
    a = nn.Sequential(nn.Linear(3, 5), nn.ReLU(inplace=True), nn.Linear(5, 5), nn.ReLU(), nn.Linear(5, 1))
    b = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 5), nn.ReLU(), nn.Linear(5, 1))
    b.load_state_dict(a.state_dict())
    assert realized_region_counts(a, input_shape=(3,), length=2.0).pieces.tolist() == \
        realized_region_counts(b, input_shape=(3,), length=2.0).pieces.tolist()


class _Sig(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)
        self.act = nn.Sigmoid()

    def forward(self, x):
        return self.act(self.fc(x))


class _Square(nn.Module):
    def forward(self, x):
        return x * x


class _Tanh(nn.Module):
    def forward(self, x):
        return torch.tanh(x)


@pytest.mark.parametrize("model, where", [
    (_Sig(), "module Sigmoid at node 'act'"),
    (_Square(), "mul of two input-dependent tensors"),
    (_Tanh(), "function tanh at node 'tanh'"),
    (nn.Sequential(nn.BatchNorm1d(2, track_running_stats=False)), "track_running_stats=False"),
])
def test_refuses_unsupported_nodes_with_one_clear_line(model, where):
    with pytest.raises(UnsupportedOperationError, match=where) as info:
        realized_regions(model, input_shape=(2,))
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("kwargs", [
    {"num_segments": 0}, {"length": -1.0}, {"length": True}, {"aggregate": "max"}, {"tol": 0.5},
    {"max_pieces": 0}, {"input_shape": ()},
])
def test_bad_settings(kwargs):
    with pytest.raises(ProxySettingsError):
        realized_regions(nn.Sequential(nn.Linear(2, 2)), **{"input_shape": (2,), **kwargs})


def test_bad_inputs_and_budget():
    net = dense(0, [2, 8, 8, 1])
    with pytest.raises(ProxySettingsError, match="consecutive"):
        realized_regions(net, torch.zeros(3, 2))
    with pytest.raises(ProxySettingsError, match="max_pieces"):
        realized_regions(net, input_shape=(2,), length=50.0, max_pieces=3)
    with pytest.raises(ProxySettingsError):
        realized_regions("not a model")
    with pytest.raises(UnsupportedOperationError, match="exact path.*adaptive_avg_pool2d"):
        realized_regions(tiny(0), input_shape=(1, 3, 3), exact=True)  # functional pooling: no exact graph


def test_batchnorm_calibration_uses_one_seeded_batch_and_leaves_the_model_alone():
    from canopy.proxies._common import sub_seed, synthetic_inputs
    from canopy.proxies.realized_regions import _calibrate_batchnorm

    net = tiny(2)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    copy_ = tiny(2)
    _calibrate_batchnorm(copy_, (1, 3, 3), 16, sub_seed(7, 2))
    x = synthetic_inputs((1, 3, 3), batch_size=16, seed=sub_seed(7, 2), dtype=torch.float64)
    h = copy_.c1(x)
    assert torch.allclose(copy_.bn.running_mean, h.mean((0, 2, 3)))
    assert torch.allclose(copy_.bn.running_var, h.var((0, 2, 3), unbiased=True))
    assert not copy_.training
    r1 = realized_region_counts(net, input_shape=(1, 3, 3), seed=7, length=1.0, bn="calibrate",
                                calibration_size=16)
    r2 = realized_region_counts(copy_, input_shape=(1, 3, 3), seed=7, length=1.0, bn="eval")  # same statistics
    assert r1.pieces.tolist() == r2.pieces.tolist()
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())
    with pytest.raises(ProxySettingsError, match="bn mode"):
        realized_regions(net, input_shape=(1, 3, 3), bn="train")


class _Copies(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 6)
        self.out = nn.Linear(6, 1)

    def forward(self, x):
        z = self.lin(x)
        w = z + z  # a float-exact multiple, computed before z is split
        c = 0 + z  # a bitwise copy
        return self.out(F.relu(z) + F.relu(w) + F.relu(c))


def test_copies_of_a_split_tensor_share_its_breakpoints_without_flags():
    torch.manual_seed(0)
    net = _Copies().double()
    plain = nn.Sequential(net.lin, nn.ReLU(), net.out)
    a, b = segment_ends(None, seed=2, num_segments=3, input_shape=(3,), length=3.0)
    tr = trace_segments(net, a, b)
    assert tr.uncertain.tolist() == [0, 0, 0]
    assert tr.pieces.tolist() == [exact_segment_regions(plain, a[i], b[i]) for i in range(3)]


def test_small_darts_network_with_max_pooling_matches_a_fine_grid():
    from canopy.spaces.darts import DARTS_OPS, random_genotype
    from canopy.spaces.darts_torch import build_darts_network

    g = random_genotype(0, ops=DARTS_OPS)
    assert "max_pool_3x3" in str(g)
    torch.manual_seed(0)
    net = build_darts_network(g, C=2, layers=3).double().eval()
    a, b = segment_ends(None, seed=3, num_segments=1, input_shape=(3, 4, 4), length=0.05)
    tr = trace_segments(net, a, b)
    assert tr.uncertain.tolist() == [0] and tr.pieces[0] > 5
    t, pat = _grid_patterns(net, a[0], b[0], 10001)
    change = np.nonzero(np.any(pat[1:] != pat[:-1], axis=1))[0]
    for j in change:
        assert np.any((tr.breakpoints[0] >= t[j]) & (tr.breakpoints[0] <= t[j + 1]))
    if np.all(np.diff(tr.breakpoints[0]) > 2 * (t[1] - t[0])):
        assert len(change) == len(tr.breakpoints[0])


class _TwoPools(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 2, padding=1)
        self.fc = nn.Linear(2 * 16 + 2 * 16, 1)

    def forward(self, x):
        h = self.conv(x)
        p = F.max_pool2d(h, 2, 1)
        q = F.max_pool2d(h, kernel_size=3, stride=1, padding=1)
        return self.fc(torch.cat([p.flatten(1), q[:, :, :4, :4].flatten(1)], 1))


def test_two_max_pools_on_one_tensor_both_split():
    torch.manual_seed(4)
    net = _TwoPools().double()
    a, b = segment_ends(None, seed=9, num_segments=1, input_shape=(1, 4, 4), length=1.0)
    tr = trace_segments(net, a, b)
    # brute force: arg-max patterns of both pools on a fine grid
    t = torch.linspace(0, 1, 20001, dtype=torch.float64)
    x = a + t.view(-1, 1, 1, 1) * (b - a)
    with torch.no_grad():
        h = net.conv(x)
    i1 = F.max_pool2d(h, 2, 1, return_indices=True)[1].flatten(1)
    i2 = F.max_pool2d(h, 3, 1, 1, return_indices=True)[1].flatten(1)
    pat = torch.cat([i1, i2], 1).numpy()
    change = np.nonzero(np.any(pat[1:] != pat[:-1], axis=1))[0]
    # the second pool meets the first one's ties again at the new ends: flagged (uncertain), not split
    assert tr.uncertain[0] > 0
    for j in change:
        assert np.any((tr.breakpoints[0] >= t[j].item()) & (tr.breakpoints[0] <= t[j + 1].item()))
    assert np.all(np.diff(tr.breakpoints[0]) > 2e-4) and len(change) == len(tr.breakpoints[0])
    assert len(change) > 10


class _Stale(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)

    def forward(self, x):
        n = x.size(0)
        return F.relu(self.fc(x)).view(n, -1)


def test_a_batch_size_read_before_a_split_is_refused():
    with pytest.raises(UnsupportedOperationError, match="batch size read before"):
        realized_regions(_Stale(), input_shape=(3,), length=5.0)


def test_linear_pieces_merge_breakpoints_the_output_does_not_see():
    net = nn.Sequential(nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 1)).double()
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor([[1.0], [1.0]]))
        net[0].bias.copy_(torch.tensor([-0.25, -0.5]))
        net[2].weight.copy_(torch.tensor([[1.0, 0.0]]))  # the second neuron's kink is invisible
    x = torch.tensor([[0.0], [1.0]], dtype=torch.float64)
    res = realized_region_counts(net, x, length=1.0)
    assert res.pieces.tolist() == [3] and res.linear_pieces.tolist() == [2]
    exact = realized_region_counts(net, x, length=1.0, exact=True)
    assert exact.pieces.tolist() == [3] and exact.linear_pieces.tolist() == [2]
