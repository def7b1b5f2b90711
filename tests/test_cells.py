"""The DAG calculus: upper bounds >= exact linear-region counts on small cells; NB201/DARTS fast path = walker."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
from _cells_oracle import evaluate, random_weights, to_relu_network
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from canopy.errors import InvalidArchitectureError, UnknownModeError
from canopy.nas import cells
from canopy.nas._calculus import GraphBuilder, score_graph
from canopy.nas.cells import darts_cell_score, nb201_cell_score
from canopy.spaces.skeleton import darts_widths
from tropical.errors import BudgetExceededError
from tropical.regions import count_regions

NB_OPS = cells.NB201_OPS
_SMALL = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def _exact_linear(net):
    try:
        return count_regions(net, max_regions=4000).linear_regions
    except BudgetExceededError:
        return None


def _mini_cell_graph(ops, shape, final):
    """An NB201-style cell on a tiny tensor: convs are ReLU-conv-BN with 'same' padding."""
    b = GraphBuilder()
    x = b.input(shape)
    nodes = [x]
    C = shape[0]
    for j in range(1, 4):
        terms = []
        for (i, jj), op in zip(cells.NB201_EDGES, ops):
            if jj != j:
                continue
            u = nodes[i]
            if op == "none":
                terms.append(b.zero(u))
            elif op == "skip_connect":
                terms.append(b.identity(u))
            elif op == "avg_pool_3x3":
                terms.append(b.pool(u, "avg", 3, 1, 1))
            else:
                k = 3 if op == "nor_conv_3x3" else 1
                terms.append(b.affine(b.conv(b.relu(u), C, k, 1, (k - 1) // 2)))
        nodes.append(b.add(terms))
    y = nodes[3]
    if final == "relu":
        y = b.relu(y)
    elif final == "maxpool":
        y = b.pool(y, "max", 2, 1, 0)
    b.output(y)
    return b.graph


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
    g = _mini_cell_graph(ops, shape, final)
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


@settings(max_examples=10, deadline=None)
@given(ops=st.tuples(*[st.sampled_from(NB_OPS)] * 6), mode=st.sampled_from(["generic", "zhang"]),
       cfg=st.sampled_from([((3, 32, 32), 16, 5), ((1, 8, 8), 2, 1), ((2, 4, 4), 1, 2)]))
def test_nb201_fast_path_equals_general_walker(ops, mode, cfg):
    shape, C, N = cfg
    fast = nb201_cell_score(ops, mode, input_shape=shape, C=C, N=N)
    general = cells.nb201_cell_result(ops, mode, input_shape=shape, C=C, N=N).log10
    assert fast == pytest.approx(general, rel=1e-12, abs=1e-9)


@settings(max_examples=4, deadline=None)
@given(seed=st.integers(0, 10_000), cfg=st.sampled_from([((3, 16, 16), 4, 3), ((1, 8, 8), 2, 3)]))
def test_darts_fast_path_equals_general_walker(seed, cfg):
    from canopy.spaces.darts import DARTS_OPS, random_genotype

    shape, C, layers = cfg
    g = random_genotype(seed, ops=DARTS_OPS)
    fast = darts_cell_score(g, input_shape=shape, C=C, layers=layers)
    general = cells.darts_cell_result(g, input_shape=shape, C=C, layers=layers).log10
    assert fast == pytest.approx(general, rel=1e-12, abs=1e-9)


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


# ------------------------------------------------------------------ DARTS closed-form fast path (exactness)
# configurations on which the closed form applies (every tensor keeps rank d0) and some on which it must not
_SATURATED = [((3, 32, 32), 16, 8), ((3, 16, 16), 16, 6), ((1, 4, 4), 4, 3), ((1, 8, 8), 4, 5),
              ((2, 8, 8), 8, 4), ((1, 4, 8), 8, 4), ((1, 12, 12), 4, 3), ((1, 4, 4), 16, 8)]
_UNSATURATED = [((1, 8, 8), 2, 3), ((3, 16, 16), 4, 3), ((3, 32, 32), 8, 5)]


def _random_darts_archs(seed, n):
    """Genotypes (NB301 ops, DARTS ops with ``none``) and 14-op forms, some with very few live edges."""
    from canopy.spaces.darts import DARTS_OPS, random_genotype

    rng = random.Random(seed)
    out = []
    for k in range(n):
        kind = k % 4
        if kind == 0:
            out.append(random_genotype(rng.randrange(1 << 30)))
        elif kind == 1:
            out.append(random_genotype(rng.randrange(1 << 30), ops=DARTS_OPS))
        else:
            p_none = rng.choice([0.0, 0.3, 0.7, 0.9])
            cell_pair = [tuple("none" if rng.random() < p_none else rng.choice(DARTS_OPS[1:]) for _ in range(14))
                         for _ in range(2)]
            out.append(cell_pair[0] if kind == 2 else tuple(cell_pair))
    return out


def test_darts_closed_form_applies_only_to_saturated_configs():
    from canopy.nas import _fast

    for shape, C, layers in _SATURATED:
        assert _fast._darts_config(shape, darts_widths(C, layers), 3) is not None, (shape, C, layers)
    for shape, C, layers in _UNSATURATED:
        assert _fast._darts_config(shape, darts_widths(C, layers), 3) is None, (shape, C, layers)


def _closed_equals_programs(archs, cfgs):
    from canopy.nas import _fast

    n = 0
    for shape, C, layers in cfgs:
        for arch in archs:
            normal, reduce = cells._darts_cells(arch)
            for mode in ("generic", "serra", "zhang"):
                fast = _fast.darts_fast(normal, reduce, mode, shape, C, layers)
                ref = _fast.darts_programs(normal, reduce, mode, shape, C, layers)
                assert fast == ref, (arch, shape, C, layers, mode, fast, ref)  # bit for bit
                n += 1
    return n


def test_darts_closed_form_equals_cell_programs_bitwise():
    """The closed form gives the very same float as the SatBuilder cell programs (the earlier fast path)."""
    assert _closed_equals_programs(_random_darts_archs(0, 24), _SATURATED[:2]) == 2 * 24 * 3
    assert _closed_equals_programs(_random_darts_archs(1, 40), _SATURATED[2:]) == 6 * 40 * 3


@pytest.mark.slow
def test_darts_closed_form_equals_cell_programs_bitwise_many():
    assert _closed_equals_programs(_random_darts_archs(2, 1000), _SATURATED[:1]) == 3000
    assert _closed_equals_programs(_random_darts_archs(3, 300), _SATURATED[1:]) == 7 * 300 * 3


def test_darts_closed_form_levels_equal_walker_levels():
    """Exact check against the networkx walker: per level, the same cut count and hyperplane total (exact
    ints), rank d0, and the same score up to float rounding of the logs."""
    from canopy.nas import _fast

    archs = _random_darts_archs(4, 12)
    for shape, C, layers in [((1, 4, 4), 4, 3), ((1, 8, 8), 4, 5), ((2, 8, 8), 8, 4), ((1, 4, 8), 8, 4)]:
        cfg = _fast._darts_config(shape, darts_widths(C, layers), 3)
        for arch in archs:
            normal, reduce = cells._darts_cells(arch)
            for mode in ("generic", "zhang"):
                res = cells.darts_cell_result(arch, mode, input_shape=shape, C=C, layers=layers)
                walker = {lv.level: (sum(c[2] for c in lv.cuts), len(lv.cuts)) for lv in res.levels}
                out = _fast.darts_levels(cfg, normal, reduce, mode)
                closed = {} if out is None else {lv: (h, n) for lv, (h, n) in enumerate(zip(out[0], out[2])) if n}
                assert closed == walker, (arch, shape, C, layers)
                assert all(lv.rank == cfg.d0 for lv in res.levels)
                fast = darts_cell_score(arch, mode, input_shape=shape, C=C, layers=layers)
                assert fast == pytest.approx(res.log10, rel=1e-12, abs=1e-9)


def test_darts_unsaturated_configs_still_equal_walker():
    for shape, C, layers in _UNSATURATED[:2]:
        for arch in _random_darts_archs(5, 4):
            fast = darts_cell_score(arch, input_shape=shape, C=C, layers=layers)
            general = cells.darts_cell_result(arch, input_shape=shape, C=C, layers=layers).log10
            assert fast == pytest.approx(general, rel=1e-12, abs=1e-9)


@pytest.mark.parametrize("mode", ["generic", "serra", "zhang"])
def test_nb201_equal_bounds_give_identical_scores(mode):
    # Regression: a structured 1x1-conv bound equal to the plain Zaslavsky count took another float route,
    # so equal exact bounds scored 1e-11 apart and broke ties (17 distinct scores instead of 8).
    from canopy.spaces.nb201 import all_cells

    scores = sorted({nb201_cell_score(c, mode) for c in all_cells()})
    gaps = [b - a for a, b in zip(scores, scores[1:])]
    assert min(gaps) > 1e-6, "two distinct scores differ only by float noise"
