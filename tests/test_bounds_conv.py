"""Structured convolution bounds: exact Toeplitz layers counted exactly never exceed them."""

from __future__ import annotations

import random

import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from canopy.bounds._combinatorics import zaslavsky
from canopy.bounds.conv import (
    axis_windows,
    conv_output_size,
    conv_rank_bound,
    conv_relu_bound,
    dil_conv_bound,
    sep_conv_bound,
    structured_relu_bound,
)
from tropical.errors import BudgetExceededError
from tropical.network import ReLUNetwork
from tropical.regions import count_regions

_SMALL = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def _dense_toeplitz(cin, cout, size, k, s, p, d, g, rng, degenerate):
    """The exact dense matrix of a convolution with random integer weights (columns = conv of basis vectors)."""

    def draw():
        if degenerate and rng.random() < 0.5:
            return rng.choice([0, 1, 1, -1])
        return rng.randint(-3, 3)

    nd = len(size)
    w = torch.tensor([[draw() for _ in range((cin // g) * k**nd)] for _ in range(cout)], dtype=torch.float64)
    w = w.reshape(cout, cin // g, *([k] * nd))
    conv = {1: F.conv1d, 2: F.conv2d}[nd]
    n_in = cin
    for n in size:
        n_in *= n
    cols = []
    for i in range(n_in):
        e = torch.zeros(n_in, dtype=torch.float64)
        e[i] = 1
        cols.append(conv(e.reshape(1, cin, *size), w, None, s, p, d, g).reshape(-1))
    mat = torch.stack(cols, 1)
    rows = [[int(v) for v in row] for row in mat.tolist()]
    bias = [draw() for _ in range(len(rows))]
    if degenerate and rng.random() < 0.5:
        rows[0] = rows[-1][:]  # a repeated hyperplane
        bias[0] = bias[-1]
    return rows, bias


@settings(**_SMALL)
@given(nd=st.sampled_from([1, 1, 2]), cin=st.integers(1, 2), cout=st.integers(1, 4), k=st.integers(1, 3),
       s=st.integers(1, 2), p=st.integers(0, 1), d=st.integers(1, 2), grouped=st.booleans(),
       n=st.integers(2, 5), seed=st.integers(0, 10_000), degenerate=st.booleans())
@example(nd=1, cin=1, cout=4, k=2, s=2, p=0, d=1, grouped=False, n=4, seed=0, degenerate=False)
@example(nd=1, cin=2, cout=2, k=3, s=1, p=1, d=1, grouped=True, n=3, seed=3, degenerate=True)
def test_conv_relu_bound_dominates_exact(nd, cin, cout, k, s, p, d, grouped, n, seed, degenerate):
    size = (n,) * nd if nd == 1 else (min(n, 3),) * 2
    g = cin if grouped and cout % cin == 0 else 1
    try:
        outs = [conv_output_size(m, k, s, p, d) for m in size]
    except ValueError:
        assume(False)
    units = cout
    for o in outs:
        units *= o
    assume(units <= 9)
    rng = random.Random(seed)
    rows, bias = _dense_toeplitz(cin, cout, size, k, s, p, d, g, rng, degenerate)
    eye = [[int(i == j) for j in range(len(rows))] for i in range(len(rows))]
    net = ReLUNetwork([rows, eye], [bias, [0] * len(rows)])
    try:
        counts = count_regions(net, max_regions=5000)
    except BudgetExceededError:
        assume(False)
    bound = conv_relu_bound(cin, cout, size, k, s, p, d, g)
    assert bound >= counts.activation_regions >= counts.linear_regions
    # never worse than the unstructured Zaslavsky count
    assert bound <= zaslavsky(units, min(units, cin * size[0] ** nd))


def test_patchify_conv_is_sharper_than_unstructured():
    # stride = kernel: independent patches, 11**4 < r(16, 8)
    assert conv_relu_bound(1, 4, (8,), 2, stride=2) == 11**4 < zaslavsky(16, 8)


def test_windows_and_ranks():
    assert axis_windows(5, 3, 1, 1) == ((0, 1), (0, 1, 2), (1, 2, 3), (2, 3, 4), (3, 4))
    assert axis_windows(5, 3, 1, 2, 2) == ((0, 2), (1, 3), (0, 2, 4), (1, 3), (2, 4))
    assert conv_rank_bound(2, 3, [axis_windows(6, 1, 3)], 12) == 4  # reads 2 positions x 2 channels
    with pytest.raises(ValueError):
        conv_output_size(2, 5)


def test_structured_bound_is_a_min_over_valid_tilings():
    windows = [axis_windows(6, 3, 1, 1)]
    full = structured_relu_bound(8, 1, windows, 6).value()
    assert full <= zaslavsky(48, 6)
    assert structured_relu_bound(8, 1, windows, 0).value() == 1  # constant input: no cut


def test_darts_sep_and_dil_conv_bounds():
    # 1-D input line: each ReLU layer adds at most (units) breakpoints
    assert sep_conv_bound(1, (4,), 3, input_rank=1) == 5 * 5
    assert dil_conv_bound(2, (3, 3), 3, input_rank=2) == zaslavsky(18, 2)
    assert sep_conv_bound(2, (4, 4), 3, stride=2) >= dil_conv_bound(2, (4, 4), 3, stride=2)
