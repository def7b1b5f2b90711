"""Tests of tropical.graph: the exact graph network, its JSON format, its lowering, and the CLI on graph files.

The oracle is torch's float64 forward pass on the same model (exact when the weights and inputs are small
dyadic rationals and every divisor is a power of two), and the region counts of the ``canopy.nas.lower``
path; a graph file is read, run and lowered in a fresh interpreter that never imports torch or numpy.
"""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest

from tropical.errors import ConversionError, DimensionMismatchError, InexactInputError, InvalidNetworkError
from tropical.graph import FORMAT, VERSION, GraphNetwork, count_graph_regions, is_graph_json
from tropical.regions import Box, count_regions

torch = pytest.importorskip("torch")

from _lower_models import ConvSkipPool, fill, torch_out  # noqa: E402
from _torch_threads import one_torch_thread  # noqa: E402,F401  (fixture)

from canopy.cli import main  # noqa: E402
from canopy.nas.lower import count_linear_regions, export_graph, lower_module, write_graph_json  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")
nn = torch.nn
F = torch.nn.functional


class Zoo(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Conv2d(2, 2, 2, groups=2)
        self.b = nn.Conv2d(2, 2, 2, padding=1, stride=2, dilation=2)
        self.avg = nn.AvgPool2d(2, stride=1, padding=1, count_include_pad=False)
        self.ada = nn.AdaptiveAvgPool2d(1)
        self.mp = nn.MaxPool2d(3, stride=1, padding=1)
        self.mp2 = nn.MaxPool2d(2, ceil_mode=True)
        self.avg2 = nn.AvgPool2d(2, ceil_mode=True, padding=1)
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        u = self.a(x).relu()
        v = torch.relu(self.b(x))
        w = torch.cat([self.ada(self.avg(u)), self.ada(self.mp(v) - 0.5 * v), self.ada(self.mp2(x)),
                       self.ada(1 - self.avg2(x) / 4)], dim=1)
        return self.fc(w.view(1, 8)) * 2 + 1


class Dyadic(nn.Module):
    """Power-of-two divisors only: float64 torch is exact on dyadic weights and inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.c1 = nn.Conv2d(1, 2, 2, padding=1)
        self.c2 = nn.Conv2d(2, 2, 1, groups=2)
        self.mp = nn.MaxPool2d(2)
        self.avg = nn.AvgPool2d(2)
        self.fc = nn.Linear(16, 2)

    def forward(self, x):
        h = torch.relu(self.c1(x))
        h = self.c2(h) + h
        return self.fc(torch.cat([self.mp(h), self.avg(h)], dim=1).flatten(1))


class TwoInputs(nn.Module):
    """conv, relu, 1x1 conv with a residual add, max pool, linear on a 1 x 1 x 2 input (a plane to draw)."""

    def __init__(self) -> None:
        super().__init__()
        self.c = nn.Conv2d(1, 2, (1, 2), padding=(0, 1))
        self.c2 = nn.Conv2d(2, 2, 1)
        self.p = nn.MaxPool2d((1, 2))
        self.fc = nn.Linear(2, 1)

    def forward(self, x):
        h = torch.relu(self.c(x))
        h = torch.relu(self.c2(h)) + h
        return self.fc(torch.flatten(self.p(h), 1))


MODELS = {"convskippool": (ConvSkipPool, (1, 1, 3, 3)), "zoo": (Zoo, (1, 2, 4, 4)), "dyadic": (Dyadic, (1, 1, 3, 3))}


def _points(n: int, count: int, rng: np.random.Generator) -> list[list[Fraction]]:
    return [[Fraction(int(rng.integers(-64, 65)), 16) for _ in range(n)] for _ in range(count)]


# ----------------------------------------------------------------------------------------------- forward pass
@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("seed", [0, 1])
def test_graph_forward_equals_torch(name, seed):
    cls, shape = MODELS[name]
    rng = np.random.default_rng(seed)
    model = fill(cls(), rng)
    g = export_graph(model, shape)
    for x in _points(g.input_dim, 5, rng):
        got = [float(v) for v in g.forward(x)]
        np.testing.assert_allclose(got, torch_out(model, x, shape), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_graph_forward_is_exact_on_dyadic_weights(seed):
    rng = np.random.default_rng(seed)
    model = fill(Dyadic(), rng, dyadic=True)
    g = export_graph(model, (1, 1, 3, 3))
    for x in _points(9, 5, rng):
        assert [Fraction(v) for v in torch_out(model, x, (1, 1, 3, 3))] == list(g.forward(x))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_json_round_trip_and_lowering_agree(name, tmp_path):
    cls, shape = MODELS[name]
    rng = np.random.default_rng(3)
    model = fill(cls(), rng)
    path = tmp_path / "g.json"
    g = write_graph_json(model, shape, path)
    h = GraphNetwork.from_json(path)
    assert h == g and h.policy == "exact" and is_graph_json(json.loads(path.read_text()))
    net = h.to_relu_network()
    assert net == lower_module(model, shape)
    for x in _points(h.input_dim, 4, rng):
        assert net.forward(x) == h.forward(x) == g.forward(x)


def test_explicit_batch_norm_with_square_variance_equals_folded():
    def graph(bn: dict) -> GraphNetwork:
        return GraphNetwork([{"id": "x", "op": "input", "shape": [2, 1, 1]},
                             {"id": "y", "op": "batchnorm2d", "input": "x", **bn}], output="y")

    explicit = graph({"mean": ["1", "-1/2"], "var": ["3", "0"], "eps": "1", "weight": ["2", "3"], "bias": ["0", "1"]})
    folded = graph({"scale": ["1", "3"], "shift": ["-1", "5/2"]})
    assert explicit == folded
    assert explicit.forward([5, Fraction(1, 2)]) == (Fraction(4), Fraction(4))


# ----------------------------------------------------------------------------------------------- regions
@pytest.mark.parametrize("seed", [0, 1])
def test_region_counts_equal_the_lower_path(seed):
    rng = np.random.default_rng(seed)
    model = fill(ConvSkipPool(1), rng)
    box = Box(-1, 1)
    g = GraphNetwork.from_json(json.dumps(export_graph(model, (1, 1, 2, 2)).to_json()))
    counts, net = count_graph_regions(g, box)
    ref = count_linear_regions(model, (1, 1, 2, 2), box)
    assert (counts.linear_regions, counts.distinct_affine_maps) == (ref["linear_regions"], ref["distinct_affine_maps"])
    assert counts.activation_regions == ref["activation_regions_lowered"]
    assert counts.linear_regions >= 1


def test_max_of_three_has_three_pieces():
    g = GraphNetwork([{"id": "x", "op": "input", "shape": [1, 1, 3]},
                      {"id": "y", "op": "maxpool2d", "input": "x", "kernel_size": [1, 3]}], output="y")
    counts, _ = count_graph_regions(g)
    assert (counts.linear_regions, counts.distinct_affine_maps) == (3, 3)
    assert count_regions(g.to_relu_network(input_lower=[-1, -1, -1]), Box(-1, 1)).linear_regions == 3


# ----------------------------------------------------------------------------------------------- no torch needed
def test_reading_and_counting_a_graph_needs_no_torch(tmp_path):
    model = fill(ConvSkipPool(1), np.random.default_rng(0))
    path = tmp_path / "g.json"
    g = write_graph_json(model, (1, 1, 2, 2), path)
    expected = count_graph_regions(g, Box(-1, 1))[0].linear_regions
    code = (
        "import sys\n"
        "from tropical.graph import GraphNetwork, count_graph_regions\n"
        "from tropical.regions import Box\n"
        f"g = GraphNetwork.from_json({str(path)!r})\n"
        "c, net = count_graph_regions(g, Box(-1, 1))\n"
        "from fractions import Fraction as Q\n"
        "x = [Q(1, 2), Q(-1, 3), Q(0), Q(1)]\n"
        "assert net.forward(x) == g.forward(x)\n"
        "print(c.linear_regions, 'torch' in sys.modules, 'numpy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    assert out.stdout.split() == [str(expected), "False", "False"]


# ----------------------------------------------------------------------------------------------- bad input
X = {"id": "x", "op": "input", "shape": [1, 2, 2]}


def _doc(nodes: object, **extra: object) -> dict:
    return {"format": FORMAT, "version": VERSION, "nodes": nodes, "output": "y", **extra}


@pytest.mark.parametrize(
    ("doc", "exc", "match"),
    [
        (_doc([X], version=2), InvalidNetworkError, "version"),
        (_doc([X], version=True), InvalidNetworkError, "version"),
        ({"nodes": [X], "output": "x"}, InvalidNetworkError, "format"),
        (_doc([X], output="q"), InvalidNetworkError, "output"),
        (_doc([X, {"id": "y", "op": "relu", "input": "z"}]), InvalidNetworkError, "earlier node"),
        (_doc([X, {"id": "y", "op": "relu"}]), InvalidNetworkError, "earlier node"),
        (_doc([X, {"id": "y", "op": "gelu", "input": "x"}]), InvalidNetworkError, "unknown op"),
        (_doc([X, {"id": "y", "op": "relu", "input": "x", "inplace": True}]), InvalidNetworkError, "unknown key"),
        (_doc([X, {"id": "y", "op": "linear", "input": "x", "weight": [["1", 0.5]]}]), ConversionError, "float"),
        (_doc([X, {"id": "y", "op": "linear", "input": "x", "weight": [["1"], ["1", "2"]]}]), InvalidNetworkError,
         "ragged"),
        (_doc([X, {"id": "y", "op": "conv2d", "input": "x", "weight": [[[["1"]]]], "padding": -1}]),
         InvalidNetworkError, "padding"),
        (_doc([X, {"id": "y", "op": "maxpool2d", "input": "x", "kernel_size": [3, 3]}]), InvalidNetworkError,
         "larger than"),
        (_doc([X, {"id": "y", "op": "adaptive_avgpool2d", "input": "x", "output_size": [3, 3]}]),
         InvalidNetworkError, "larger than"),
        (_doc([X, {"id": "y", "op": "concat", "inputs": ["x"], "axis": 3}]), InvalidNetworkError, "axis"),
        (_doc([X, {"id": "y", "op": "add", "inputs": ["x"]}]), InvalidNetworkError, "two or more"),
        (_doc([X, {"id": "y", "op": "scale", "input": "x"}]), InvalidNetworkError, "factor"),
        (_doc([{"id": "x", "op": "input", "shape": [10**4, 10**4]}]), InvalidNetworkError, "limit"),
        (_doc([X, {"id": "y", "op": "batchnorm2d", "input": "x", "scale": ["1"], "shift": ["0"], "mean": ["0"]}]),
         InvalidNetworkError, "either"),
        ("[1, 2]", InvalidNetworkError, "object"),
        ("{not json", InvalidNetworkError, "malformed"),
    ],
)
def test_malformed_graphs_are_one_clear_error(doc, exc, match):
    with pytest.raises(exc, match=match):
        GraphNetwork.from_json(doc if isinstance(doc, str) else json.dumps(doc))


def test_forward_and_lowering_refuse_bad_arguments():
    g = GraphNetwork([X, {"id": "y", "op": "relu", "input": "x"}], output="y")
    with pytest.raises(InexactInputError):
        g.forward([0.5, 1, 1, 1])
    with pytest.raises(DimensionMismatchError, match="4 coordinates"):
        g.forward([1, 1])
    with pytest.raises(InvalidNetworkError, match="max_neurons"):
        g.to_relu_network(max_neurons=2)
    with pytest.raises(InvalidNetworkError, match="input_lower"):
        g.to_relu_network(input_lower=[0, 0])


# ----------------------------------------------------------------------------------------------- command line
def test_cli_verify_and_regions_read_a_graph(tmp_path, capsys):
    model = fill(TwoInputs(), np.random.default_rng(1))
    path = tmp_path / "g.json"
    g = write_graph_json(model, (1, 1, 1, 2), path)
    ref = count_linear_regions(model, (1, 1, 1, 2), Box(-1, 1))
    assert main(["regions", "--network", str(path), "--box=-1,1", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["linear_regions"] == ref["linear_regions"] and got["graph"]["nodes"] == len(g)
    assert main(["verify", "--network", str(path), "--box=-1,1", "--json", "--points", "8"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["graph_check"]["passed"] and rep["check"]["passed"]
    assert rep["linear_regions"] == ref["linear_regions"]
    assert main(["verify", "--network", str(path)]) == 0
    assert "graph forward pass == lowered network" in capsys.readouterr().out
