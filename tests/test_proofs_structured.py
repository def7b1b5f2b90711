"""Checkable steps of proofs/{conv,pooling,branches,cells}.md (sympy where symbolic)."""

from __future__ import annotations

import random

import pytest
import sympy as sp
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from canopy.bounds._combinatorics import zaslavsky
from canopy.bounds.branches import union_arrangement_bound
from canopy.bounds.conv import axis_windows, conv_output_size, conv_rank_bound, sep_conv_bound
from canopy.nas._calculus import GraphBuilder, score_graph


def test_vandermonde_identity_symbolic():
    # branches.md Lemma B3: C(n1+n2, j) = sum_i C(n1, i) C(n2, j-i), checked as a polynomial identity in n1, n2
    n1, n2 = sp.symbols("n1 n2", integer=True, nonnegative=True)
    for j in range(5):
        lhs = sp.expand_func(sp.binomial(n1 + n2, j))
        rhs = sum(sp.expand_func(sp.binomial(n1, i)) * sp.expand_func(sp.binomial(n2, j - i)) for i in range(j + 1))
        assert sp.simplify(sp.expand(lhs - rhs)) == 0


@given(n1=st.integers(0, 25), n2=st.integers(0, 25), r=st.integers(0, 10))
def test_union_is_a_sub_sum_of_the_product(n1, n2, r):
    # every (i, j-i) with j <= r has i <= r and j-i <= r
    terms = sum(sp.binomial(n1, i) * sp.binomial(n2, j - i) for j in range(r + 1) for i in range(j + 1))
    assert terms == union_arrangement_bound([n1, n2], r) <= zaslavsky(n1, r) * zaslavsky(n2, r)


@given(size=st.integers(1, 12), k=st.integers(1, 4), s=st.integers(1, 3), p=st.integers(0, 2), d=st.integers(1, 2))
def test_conv_output_size_matches_torch(size, k, s, p, d):
    try:
        out = conv_output_size(size, k, s, p, d)
    except ValueError:
        with pytest.raises(RuntimeError):
            F.conv1d(torch.zeros(1, 1, size), torch.zeros(1, 1, k), None, s, p, d)
        return
    assert F.conv1d(torch.zeros(1, 1, size), torch.zeros(1, 1, k), None, s, p, d).shape[-1] == out
    assert len(axis_windows(size, k, s, p, d)) == out


@given(cin=st.integers(1, 2), cout=st.integers(1, 3), size=st.integers(2, 6), k=st.integers(1, 3),
       s=st.integers(1, 3), seed=st.integers(0, 1000))
def test_conv_rank_rule_bounds_the_toeplitz_rank(cin, cout, size, k, s, seed):
    # conv.md Corollary V2: rank(M) <= min(C_out * outputs, C_in * covered)
    if size < k:
        return
    rng = random.Random(seed)
    w = torch.tensor([[[rng.randint(-2, 2) for _ in range(k)] for _ in range(cin)] for _ in range(cout)],
                     dtype=torch.float64)
    cols = []
    for i in range(cin * size):
        e = torch.zeros(cin * size, dtype=torch.float64)
        e[i] = 1
        cols.append(F.conv1d(e.reshape(1, cin, size), w, None, s).reshape(-1))
    M = sp.Matrix(torch.stack(cols, 1).to(torch.int64).tolist())
    assert M.rank() <= conv_rank_bound(cin, cout, [axis_windows(size, k, s)], cin * size)


def test_zaslavsky_monotone_and_saturating():
    # used in every step: r(n, d) grows with n and d, r(n, d) = 2^n for d >= n
    for n in range(8):
        for d in range(8):
            assert zaslavsky(n, d) <= zaslavsky(n + 1, d) and zaslavsky(n, d) <= zaslavsky(n, d + 1)
            if d >= n:
                assert zaslavsky(n, d) == 2**n


def test_sep_conv_is_the_product_of_its_two_levels():
    # conv.md Corollary V3 on a line: two ReLU levels of 4 units, 5 pieces each
    assert sep_conv_bound(1, (4,), 3, input_rank=1) == zaslavsky(4, 1) ** 2


def test_constant_preactivations_give_factor_one():
    # cells.md Lemma C0: a ReLU of a constant is not a cut; the count is 1, never 0
    b = GraphBuilder()
    x = b.input((3,))
    b.output(b.relu(b.linear(b.zero(x), 4, bias=True)))
    assert score_graph(b.graph).value() == 1


def test_zhang_mode_dominates_generic_on_random_dags():
    rng = random.Random(0)
    for _ in range(20):
        b = GraphBuilder()
        x = b.input((rng.randint(1, 4),))
        t = x
        for _ in range(rng.randint(1, 3)):
            h = b.relu(b.linear(t, rng.randint(1, 5)))
            t = b.add([b.linear(h, b.shape(t)[0]), t]) if rng.random() < 0.5 else b.linear(h, rng.randint(1, 4))
        b.output(t)
        assert score_graph(b.graph, "zhang").value() >= score_graph(b.graph, "generic").value()


def test_level_merging_is_the_union_arrangement():
    # cells.md step 1: two cut nodes on one level -> r(H1 + H2, r) (here smaller than the product)
    b = GraphBuilder()
    x = b.input((2,))
    y = b.add([b.linear(b.relu(b.linear(x, 3)), 1), b.linear(b.relu(b.linear(x, 4)), 1)])
    b.output(y)
    res = score_graph(b.graph)
    assert res.value() == zaslavsky(7, 2) == 29 < zaslavsky(3, 2) * zaslavsky(4, 2)


@pytest.mark.slow
def test_nb201_signature_memo_equals_programs_on_the_whole_space():
    from canopy.nas import _fast
    from canopy.spaces.nb201 import all_cells

    for cell in all_cells():
        ops = tuple(cell.ops)
        assert _fast.nb201_fast(ops, "generic", (3, 32, 32), 16, 5) == pytest.approx(
            _fast._nb201_programs(ops, "generic", (3, 32, 32), 16, 5), abs=1e-9)
