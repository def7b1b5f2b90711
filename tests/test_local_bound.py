"""The receptive-field line bound (``mode="local"``, ``proofs/local.md``) against exact counts on lines.

Random small conv / pool / skip networks are compiled to exact ``ReLUNetwork`` s by the slow oracle
``_cells_oracle``; the network restricted to a line that moves only the channels of one input pixel ``q`` is a
one-input ``ReLUNetwork`` whose linear regions ``tropical.regions.count_regions`` counts exactly.
"""

from __future__ import annotations

import os
import random
from fractions import Fraction

import pytest
from _cells_oracle import evaluate, mini_cell_graph, random_weights, to_relu_network
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from canopy.errors import InvalidArchitectureError, InvalidArgumentError
from canopy.nas import cells
from canopy.nas._calculus import GraphBuilder, score_graph
from canopy.nas.cells import darts_cell_score, nb201_cell_score
from tropical.network import ReLUNetwork
from tropical.regions import count_regions

_SMALL = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
#: the ``ci`` profile runs 8x the examples (>= 200 random structured nets for the line bound)
_CI = 8 if os.environ.get("HYPOTHESIS_PROFILE") == "ci" else 1


def _pixels(grid):
    out = [()]
    for n in grid:
        out = [p + (i,) for p in out for i in range(n)]
    return out


def _flat(shape, c, q):
    idx = c
    for n, i in zip(shape[1:], q):
        idx = idx * n + i
    return idx


def _restrict_to_line(net: ReLUNetwork, x0, e) -> ReLUNetwork:
    """``t -> net(x0 + t e)`` as a one-input exact network."""
    w1, b1 = net.weights[0], net.biases[0]
    rows = [[sum((Fraction(w) * ei for w, ei in zip(row, e)), Fraction(0))] for row in w1]
    bias = [Fraction(b) + sum((Fraction(w) * xi for w, xi in zip(row, x0)), Fraction(0)) for row, b in zip(w1, b1)]
    return ReLUNetwork([rows, *net.weights[1:]], [bias, *net.biases[1:]])


def _check_lines(g, shape, seed, degenerate, lines_per_pixel=1):
    rng = random.Random(seed)
    w = random_weights(g, rng, degenerate=degenerate)
    net = to_relu_network(g, w)
    grid = tuple(shape[1:])
    for q in _pixels(grid):
        bound = score_graph(g, "local", pixel=q).value()
        assert bound >= 1
        if net is None:  # no cut node: the function is affine, one piece
            continue
        for _ in range(lines_per_pixel):
            e = [Fraction(0)] * net.input_dim
            for c in range(shape[0]):
                e[_flat(shape, c, q)] = Fraction(rng.choice([-3, -2, -1, 1, 2, 3]), rng.randint(1, 3))
            x0 = [Fraction(rng.randint(-6, 6), rng.randint(1, 3)) for _ in range(net.input_dim)]
            line = _restrict_to_line(net, x0, e)
            exact = count_regions(line, max_regions=10_000).linear_regions
            assert exact <= bound, (q, exact, bound)
    # the unrestricted value is the maximum over the pixels
    assert score_graph(g, "local").value() == max(score_graph(g, "local", pixel=q).value() for q in _pixels(grid))


def _random_chain(data_draw, shape):
    """A random chain of conv / ReLU / pooling / residual blocks on a tiny input."""
    b = GraphBuilder()
    x = b.input(shape)
    nd = len(shape) - 1
    for _ in range(data_draw(st.integers(1, 3))):
        C = b.shape(x)[0]
        kind = data_draw(st.sampled_from(["conv", "conv", "residual", "maxpool", "avgpool"]))
        spatial = b.shape(x)[1:]
        if kind in ("conv", "residual"):
            k = data_draw(st.integers(1, 3))
            s = 1 if kind == "residual" else data_draw(st.integers(1, 2))
            d = 1 if kind == "residual" else data_draw(st.integers(1, 2))
            p = (k - 1) * d // 2 if kind == "residual" else data_draw(st.integers(0, 1))
            if any(n + 2 * p - d * (k - 1) < 1 for n in spatial):
                continue
            cout = C if kind == "residual" else data_draw(st.integers(1, 2))
            groups = C if (C == cout == 2 and data_draw(st.booleans())) else 1
            y = b.conv(b.relu(x), cout, k, s, p, d, groups=groups, bias=data_draw(st.booleans()))
            if kind == "residual" and b.shape(y) == b.shape(x):
                y = b.add([x, b.affine(y)])
            x = y
        else:
            k = data_draw(st.integers(1, 2)) + (0 if nd == 2 else 1)
            if any(n < k for n in spatial):
                continue
            x = b.pool(x, "max" if kind == "maxpool" else "avg", k, data_draw(st.integers(1, 2)))
    if data_draw(st.booleans()):
        x = b.relu(x)
    b.output(x)
    return b.graph


@settings(max_examples=25 * _CI, **_SMALL)
@given(data=st.data(), shape=st.sampled_from([(1, 3), (1, 5), (2, 4), (1, 2, 2), (1, 3, 3), (2, 2, 3), (1, 4, 4)]),
       seed=st.integers(0, 10_000), degenerate=st.booleans())
def test_local_bound_dominates_exact_count_on_lines(data, shape, seed, degenerate):
    g = _random_chain(data.draw, shape)
    _check_lines(g, shape, seed, degenerate)


@settings(max_examples=10 * _CI, **_SMALL)
@given(ops=st.tuples(*[st.sampled_from(cells.NB201_OPS)] * 6),
       shape=st.sampled_from([(1, 3), (1, 2, 2), (1, 3, 3)]), seed=st.integers(0, 10_000),
       degenerate=st.booleans())
@example(ops=("nor_conv_3x3",) * 6, shape=(1, 3, 3), seed=0, degenerate=False)
@example(ops=("nor_conv_1x1", "avg_pool_3x3", "nor_conv_1x1", "skip_connect", "none", "nor_conv_3x3"),
         shape=(1, 3, 3), seed=1, degenerate=True)
def test_local_bound_dominates_exact_count_on_nb201_cells(ops, shape, seed, degenerate):
    g = mini_cell_graph(ops, shape, "relu")
    _check_lines(g, shape, seed, degenerate)


@settings(max_examples=15 * _CI, **_SMALL)
@given(data=st.data(), shape=st.sampled_from([(1, 4), (2, 3), (1, 3, 3), (2, 2, 3)]), seed=st.integers(0, 10_000))
def test_receptive_fields_match_the_dependence_of_the_function(data, shape, seed):
    """(RF): changing input coordinates outside rf[v](p) never changes tensor v at p (exact evaluation)."""
    g = _random_chain(data.draw, shape)
    rng = random.Random(seed)
    w = random_weights(g, rng)
    res = score_graph(g, "local")
    rf = res.receptive_fields
    out = [v for v, a in g.nodes(data=True) if a["op"] == "output"][0]
    field = rf[out]
    if field is None:
        return
    x = [Fraction(rng.randint(-5, 5), rng.randint(1, 3)) for _ in range(len(_pixels(shape[1:])) * shape[0])]
    y = evaluate(g, w, x)
    oshape = g.nodes[out]["shape"]
    for p in _pixels(oshape[1:]):
        # perturb every input coordinate outside the box of p
        z = list(x)
        for q in _pixels(shape[1:]):
            inside = all(lo <= qa <= hi for (lo, hi), qa in zip((ax[pa] for ax, pa in zip(field, p)), q))
            if not inside:
                for c in range(shape[0]):
                    z[_flat(shape, c, q)] += rng.randint(1, 4)
        yz = evaluate(g, w, z)
        for c in range(oshape[0]):
            i = _flat(oshape, c, p)
            assert yz[i] == y[i], (p, c)


def test_local_is_strictly_tighter_than_rank_only():
    b = GraphBuilder()
    x = b.input((1, 6))
    b.output(b.relu(b.conv(x, 4, 1)))
    assert score_graph(b.graph, "local").value() == 5  # one pixel's 4 units
    b2 = GraphBuilder()  # the same units without spatial structure: all 24 cross a line
    x2 = b2.input((6,))
    b2.output(b2.relu(b2.linear(x2, 24)))
    assert score_graph(b2.graph, "local").value() == 25


def test_local_sees_kernel_size_dilation_and_pooling():
    def net(k, d=1, pool=False):
        b = GraphBuilder()
        x = b.input((1, 9, 9))
        h = b.conv(b.relu(b.conv(x, 4, 3, 1, 1)), 4, k, 1, (k - 1) * d // 2, d)
        if pool:
            h = b.pool(h, "avg", 3, 1, 1)
        b.output(b.relu(h))
        return score_graph(b.graph, "local").value()

    assert net(1) < net(3) < net(3, d=2)
    assert net(1) < net(1, pool=True)


def test_local_on_cells_and_errors():
    conv3 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"
    conv1 = conv3.replace("3x3", "1x1")
    # the generic (rank-only) calculus cannot tell a 1x1 from a 3x3 convolution; the line bound can
    assert nb201_cell_score(conv3) == nb201_cell_score(conv1)
    assert nb201_cell_score(conv3, "local") > nb201_cell_score(conv1, "local") > 0
    assert nb201_cell_score("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|", "local") == 0.0
    assert darts_cell_score(["sep_conv_3x3"] * 14, "local", C=4, layers=3, input_shape=(3, 8, 8)) > \
        darts_cell_score(["skip_connect"] * 14, "local", C=4, layers=3, input_shape=(3, 8, 8))
    b = GraphBuilder()
    x = b.input((1, 3))
    b.output(b.relu(x))
    with pytest.raises(InvalidArgumentError, match="mode='local' only"):
        score_graph(b.graph, "generic", pixel=(0,))
    with pytest.raises(InvalidArchitectureError, match="not a position"):
        score_graph(b.graph, "local", pixel=(5,))


def test_traced_torch_models_float32_and_float64_agree():
    torch = pytest.importorskip("torch")
    from canopy.nas.trace import score_module

    net = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3, padding=1), torch.nn.ReLU(), torch.nn.Conv2d(2, 2, 1),
                              torch.nn.ReLU())
    single = score_module(net, (1, 4, 4), "local")
    assert score_module(net.double(), (1, 4, 4), "local") == single  # was an error: float probe, double weights
    # corner pixel: 2 channels x 4 positions per level -> 9 * 9; an inner pixel: 2 x 9 per level -> 19 * 19
    assert 10 ** single == pytest.approx(19 * 19)
