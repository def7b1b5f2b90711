"""The DAG calculus: upper bounds >= exact linear-region counts on small cells; the NB201/DARTS scores.

The fast path (:mod:`canopy.nas._fast`, :mod:`canopy.nas._sat`) against the walker: ``tests/test_nas_fast.py``.
"""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
from _cells_oracle import evaluate, mini_cell_graph, random_weights, to_relu_network
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from canopy.errors import InvalidArchitectureError, UnknownModeError
from canopy.nas import cells
from canopy.nas._calculus import GraphBuilder, score_graph
from canopy.nas.cells import darts_cell_score, nb201_cell_score
from tropical.errors import BudgetExceededError
from tropical.regions import count_regions

NB_OPS = cells.NB201_OPS
_SMALL = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def _exact_linear(net):
    try:
        return count_regions(net, max_regions=4000).linear_regions
    except BudgetExceededError:
        return None


def _check_graph_bound(g, seed, degenerate):
    rng = random.Random(seed)
    w = random_weights(g, rng, degenerate=degenerate)
    net = to_relu_network(g, w)
    res = score_graph(g, "generic")
    if net is None:
        assert res.value() == 1
        return
    d0 = net.input_dim
    # the compiled network computes the DAG's function exactly (checked at random points)
    for _ in range(3):
        x = [Fraction(rng.randint(-9, 9), rng.randint(1, 4)) for _ in range(d0)]
        direct = evaluate(g, w, x)
        got = net.forward(x)
        assert [float(v) for v in got] == pytest.approx([float(v) for v in direct], abs=1e-9)
    exact = _exact_linear(net)
    assume(exact is not None)
    assert res.value() >= exact
    assert score_graph(g, "zhang").value() >= res.value()


@settings(max_examples=20, **_SMALL)  # each example compiles and enumerates an exact network
@given(ops=st.tuples(*[st.sampled_from(NB_OPS)] * 6),
       shape=st.sampled_from([(1, 2), (1, 3), (2, 2), (1, 2, 2)]),
       final=st.sampled_from(["none", "relu", "maxpool"]),
       seed=st.integers(0, 10_000), degenerate=st.booleans())
@example(ops=("none",) * 6, shape=(1, 3), final="relu", seed=0, degenerate=False)
@example(ops=("nor_conv_3x3", "none", "none", "none", "none", "nor_conv_3x3"), shape=(1, 3), final="relu",
         seed=1, degenerate=True)  # no path 0 -> 3 through live nodes: constant network
@example(ops=("nor_conv_3x3",) * 6, shape=(1, 3), final="none", seed=2, degenerate=True)
def test_cell_bound_dominates_exact_count(ops, shape, final, seed, degenerate):
    g = mini_cell_graph(ops, shape, final)
    _check_graph_bound(g, seed, degenerate)


@settings(**_SMALL)
@given(d=st.integers(1, 3), h=st.integers(1, 3), blocks=st.integers(1, 2), seed=st.integers(0, 10_000),
       degenerate=st.booleans())
def test_residual_blocks_bound_dominates_exact(d, h, blocks, seed, degenerate):
    b = GraphBuilder()
    x = b.input((d,))
    for _ in range(blocks):
        r = b.linear(b.relu(b.linear(x, h)), d)
        x = b.add([x, r])
    b.output(x)
    _check_graph_bound(b.graph, seed, degenerate)


@settings(**_SMALL)
@given(d=st.integers(1, 3), n1=st.integers(1, 3), n2=st.integers(1, 3), seed=st.integers(0, 10_000),
       degenerate=st.booleans())
def test_parallel_branches_union_bound(d, n1, n2, seed, degenerate):
    b = GraphBuilder()
    x = b.input((d,))
    h1 = b.linear(b.relu(b.linear(x, n1)), 1)
    h2 = b.linear(b.relu(b.linear(x, n2)), 1)
    b.output(b.add([h1, h2]))
    g = b.graph
    res = score_graph(g)
    # both ReLUs are one level: the union arrangement r(n1 + n2, d)
    assert len(res.levels) == 1
    from canopy.bounds._combinatorics import zaslavsky

    assert res.value() == min(zaslavsky(n1 + n2, d), zaslavsky(n1, d) * zaslavsky(n2, d))
    _check_graph_bound(g, seed, degenerate)


def test_constant_preactivation_does_not_zero_the_count():
    b = GraphBuilder()
    x = b.input((2,))
    z = b.zero(x)
    r = b.relu(b.linear(z, 3, bias=True))  # constant pre-activations
    h = b.relu(b.linear(x, 2))
    b.output(b.add([b.linear(r, 2), h]))
    res = score_graph(b.graph)
    assert res.value() == 4  # only the live ReLU layer cuts: r(2, 2)


def test_duplicate_relus_of_one_tensor_cut_once():
    b = GraphBuilder()
    x = b.input((2,))
    h = b.linear(x, 3)
    a1 = b.relu(b.identity(h))
    a2 = b.relu(h)
    b.output(b.add([b.linear(a1, 1), b.linear(a2, 1)]))
    assert score_graph(b.graph).value() == 7  # r(3, 2), not r(6, 2)


def test_dead_branch_is_pruned():
    b = GraphBuilder()
    x = b.input((2,))
    dead = b.relu(b.linear(x, 5))
    b.zero(dead)
    live = b.relu(b.linear(x, 2))
    b.output(b.add([b.linear(live, 1), b.zero(b.linear(dead, 1))]))
    assert score_graph(b.graph).value() == 4


# ------------------------------------------------------------------------------------ NB201 / DARTS
def test_nb201_known_cases():
    none = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"
    assert nb201_cell_score(none) == 0.0
    disconnected = "|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|nor_conv_3x3~2|"
    assert nb201_cell_score(disconnected) == 0.0
    deep = "|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|none~0|none~1|nor_conv_3x3~2|"
    shallow = "|nor_conv_3x3~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|none~2|"
    skip = "|skip_connect~0|+|none~0|skip_connect~1|+|none~0|none~1|skip_connect~2|"
    assert nb201_cell_score(deep) > nb201_cell_score(shallow) > nb201_cell_score(skip) > 0


def test_nb201_mode_order_and_errors():
    cell = "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|none~2|"
    kw = dict(input_shape=(1, 8, 8), C=2, N=1)
    assert nb201_cell_score(cell, "zhang", **kw) >= nb201_cell_score(cell, "generic", **kw)
    assert nb201_cell_score(cell, "serra", **kw) == nb201_cell_score(cell, "generic", **kw)
    with pytest.raises(UnknownModeError, match="mode"):
        nb201_cell_score(cell, "montufar")
    with pytest.raises(InvalidArchitectureError):
        nb201_cell_score("|bogus~0|+|none~0|none~1|+|none~0|none~1|none~2|")
    with pytest.raises(InvalidArchitectureError):
        nb201_cell_score(cell, input_shape=(3, 32))


def test_darts_14_op_form_and_degenerate_cells():
    ops = ("sep_conv_3x3", "skip_connect", "max_pool_3x3", "none", "sep_conv_5x5", "skip_connect",
           "none", "sep_conv_3x3", "dil_conv_3x3", "skip_connect", "max_pool_3x3", "sep_conv_5x5",
           "none", "none")
    s = darts_cell_score(ops)
    assert s > darts_cell_score(["skip_connect"] * 14) > 0
    assert darts_cell_score(["none"] * 14) == 0.0
    # cell inputs unused by every op: each cell's output is constant -> the network is constant
    cut_off = ["none" if i < 2 else "sep_conv_3x3" for i, _ in cells.DARTS_EDGES14]
    assert darts_cell_score(cut_off) == 0.0
    with pytest.raises(InvalidArchitectureError):
        darts_cell_score(["sep_conv_3x3"] * 13)


def test_darts_genotype_equals_its_14_op_form():
    from canopy.spaces.darts import genotype_to_edge_ops, random_genotype

    g = random_genotype(3)
    pair = (genotype_to_edge_ops(g.normal), genotype_to_edge_ops(g.reduce))
    assert darts_cell_score(g) == pytest.approx(darts_cell_score(pair))


@pytest.mark.parametrize("mode", ["generic", "serra", "zhang"])
def test_nb201_equal_bounds_give_identical_scores(mode):
    # Regression: a structured 1x1-conv bound equal to the plain Zaslavsky count took another float route,
    # so equal exact bounds scored 1e-11 apart and broke ties (17 distinct scores instead of 8).
    from canopy.spaces.nb201 import all_cells

    scores = sorted({nb201_cell_score(c, mode) for c in all_cells()})
    gaps = [b - a for a, b in zip(scores, scores[1:])]
    assert min(gaps) > 1e-6, "two distinct scores differ only by float noise"
