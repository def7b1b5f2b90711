"""torch.fx tracing: the NB201 / DARTS torch networks score exactly like the cell calculus; errors; purity."""

from __future__ import annotations

import random

import pytest
import torch
from _torch_threads import one_torch_thread  # noqa: F401  (fixture)
from torch import nn

from canopy.errors import UnsupportedOperationError
from canopy.nas.cells import darts_cell_score, nb201_cell_score
from canopy.nas.trace import module_result, score_module, trace_module

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_nb201_torch_network_scores_like_the_cell(seed):
    from canopy.spaces.nb201 import all_cells
    from canopy.spaces.nb201_torch import build_nb201_network

    cell = random.Random(seed).choice(all_cells())
    for shape, C, N in [((3, 32, 32), 16, 5), ((3, 8, 8), 4, 1)]:
        net = build_nb201_network(cell, C=C, N=N)
        assert score_module(net, shape) == pytest.approx(nb201_cell_score(cell, input_shape=shape, C=C, N=N))
    assert score_module(net, (3, 8, 8), "zhang") == pytest.approx(
        nb201_cell_score(cell, "zhang", input_shape=(3, 8, 8), C=4, N=1))


def test_nb201_degenerate_cells_trace():
    from canopy.spaces.nb201 import NB201Cell
    from canopy.spaces.nb201_torch import build_nb201_network

    for s in ("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
              "|skip_connect~0|+|none~0|skip_connect~1|+|none~0|none~1|skip_connect~2|"):
        cell = NB201Cell.from_string(s)
        net = build_nb201_network(cell, C=4, N=1)
        assert score_module(net, (3, 8, 8)) == pytest.approx(nb201_cell_score(cell, input_shape=(3, 8, 8), C=4, N=1))


@pytest.mark.parametrize("seed", [0, 5])
def test_darts_torch_network_scores_like_the_genotype(seed):
    from canopy.spaces.darts import DARTS_OPS, random_genotype
    from canopy.spaces.darts_torch import build_darts_network

    g = random_genotype(seed, ops=DARTS_OPS)
    net = build_darts_network(g, C=4, layers=3)
    assert score_module(net, (3, 8, 8)) == pytest.approx(darts_cell_score(g, input_shape=(3, 8, 8), C=4, layers=3))


def test_generic_modules_and_functional_ops():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.c1 = nn.Conv1d(1, 2, 2)
            self.c2 = nn.Conv1d(1, 2, 3, padding=1)
            self.pool = nn.MaxPool1d(2)
            self.fc = nn.Linear(4, 1)

        def forward(self, x):
            a = torch.relu(self.c1(x))[:, :, :2]
            b = nn.functional.relu(self.c2(x))[:, :, 1:3]
            y = torch.cat([a, b], 1) * 2.0 + 1
            y = self.pool(y)
            return self.fc(y.flatten(1))

    net = Net()
    res = module_result(net, (1, 3))
    assert res.value() >= 1 and res.input_dim == 3
    ops = {a["op"] for _, a in trace_module(net, (1, 3)).nodes(data=True)}
    assert {"conv", "relu", "linmap", "cat", "affine", "maxpool", "linear"} <= ops


def test_unsupported_operation_names_op_and_path():
    net = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.Tanh()), nn.Linear(3, 1))
    with pytest.raises(UnsupportedOperationError, match=r"Tanh.*'1\.0'"):
        score_module(net, (2,))

    class Mul(nn.Module):
        def forward(self, x):
            return x * x

    with pytest.raises(UnsupportedOperationError, match="two tensors"):
        score_module(Mul(), (2,))


def test_scoring_is_pure():
    net = nn.Sequential(nn.Conv2d(1, 2, 2), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(), nn.Linear(8, 1))
    net.train()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    score_module(net, (1, 3, 3))
    assert net.training
    after = net.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_bad_inputs():
    from canopy.errors import InvalidArchitectureError, UnknownModeError

    with pytest.raises(InvalidArchitectureError):
        score_module("not a model", (2,))
    with pytest.raises(InvalidArchitectureError):
        score_module(nn.Linear(2, 1), (3,))
    with pytest.raises(UnknownModeError, match="mode"):
        score_module(nn.Linear(2, 1), (2,), mode="exact")
