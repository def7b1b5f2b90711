"""Table-driven invalid inputs against every public entry point of the exact core: one clear error each."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

import tropical
from tropical.errors import (
    ConversionError,
    DimensionMismatchError,
    InexactInputError,
    InvalidNetworkError,
    TropicalError,
    TropicalSubtractionError,
)
from tropical.newton import convex_hull_vertices, dual_subdivision, minkowski_sum, upper_hull_vertices
from tropical.polynomial import TropicalPolynomial as P
from tropical.semiring import TropicalNumber

NET = tropical.ReLUNetwork([[[1, -1], [2, 1]], [[1, -1]]], [[0, -1], [0]])
X = P.variable(0, 2)

CASES = [
    # floats never enter silently
    ("TropicalNumber(float)", lambda: TropicalNumber(0.5), InexactInputError),
    ("TropicalNumber(-inf float)", lambda: TropicalNumber(-math.inf), InexactInputError),
    ("number + float", lambda: TropicalNumber(1) + 0.5, InexactInputError),
    ("number ** float", lambda: TropicalNumber(1) ** 0.5, InexactInputError),
    ("polynomial float coefficient", lambda: P({(1, 0): 0.25}), InexactInputError),
    ("polynomial float exponent", lambda: P({(0.5, 0): 1}), InexactInputError),
    ("polynomial * float", lambda: X * 1.5, InexactInputError),
    ("evaluate at float point", lambda: X([0.5, 1]), InexactInputError),
    ("network float weight", lambda: tropical.ReLUNetwork([[[0.5]]], [[0]]), InexactInputError),
    ("network float bias", lambda: tropical.ReLUNetwork([[[1]]], [[0.1]]), InexactInputError),
    ("forward at float point", lambda: NET.forward([0.5, 0]), InexactInputError),
    ("hull of float points", lambda: upper_hull_vertices([(0.5, 0)]), InexactInputError),
    ("lp float data", lambda: tropical.solve_lp([1.0], [[1]], [1]), InexactInputError),
    ("map evaluate float", lambda: NET.to_tropical().evaluate([0.1, 0]), InexactInputError),
    # subtraction
    ("number - number", lambda: TropicalNumber(1) - TropicalNumber(2), TropicalSubtractionError),
    ("polynomial - polynomial", lambda: X - X, TropicalSubtractionError),
    ("rational - rational", lambda: (X / X) - (X / X), TropicalSubtractionError),
    # shapes
    ("ragged weight", lambda: tropical.ReLUNetwork([[[1, 2], [3]]], [[0, 0]]), DimensionMismatchError),
    ("layers do not fit", lambda: tropical.ReLUNetwork([[[1, 2]], [[1, 2]]], [[0], [0]]), DimensionMismatchError),
    ("bias length", lambda: tropical.ReLUNetwork([[[1, 2]]], [[0, 1]]), DimensionMismatchError),
    ("forward wrong length", lambda: NET.forward([1, 2, 3]), DimensionMismatchError),
    ("polynomial mixed nvars", lambda: X + P.variable(0, 3), DimensionMismatchError),
    ("exponent lengths", lambda: P([((1,), 0), ((1, 2), 0)]), DimensionMismatchError),
    ("evaluate wrong length", lambda: X([1]), DimensionMismatchError),
    ("hull mixed lengths", lambda: upper_hull_vertices([(0, 0), (1, 1, 1)]), DimensionMismatchError),
    ("minkowski mixed", lambda: minkowski_sum([(0,)], [(0, 0)]), DimensionMismatchError),
    ("convex hull mixed", lambda: convex_hull_vertices([(0,), (0, 0)]), DimensionMismatchError),
    ("dual subdivision 3 vars", lambda: dual_subdivision([(0, 0, 0, 0)]), DimensionMismatchError),
    ("lp row length", lambda: tropical.solve_lp([1, 1], [[1]], [1]), DimensionMismatchError),
    ("rational nvars", lambda: tropical.TropicalRationalFunction(X, P.one(3)), DimensionMismatchError),
    # networks
    ("no layers", lambda: tropical.ReLUNetwork([], []), InvalidNetworkError),
    ("empty layer", lambda: tropical.ReLUNetwork([[]], [[]]), InvalidNetworkError),
    ("empty rows", lambda: tropical.ReLUNetwork([[[]]], [[0]]), InvalidNetworkError),
    ("weights/biases count", lambda: tropical.ReLUNetwork([[[1]]], [[0], [0]]), InvalidNetworkError),
    ("random bad distribution", lambda: tropical.ReLUNetwork.random(2, [2], distribution="uniform"),
     InvalidNetworkError),
    ("random zero width", lambda: tropical.ReLUNetwork.random(2, [0]), InvalidNetworkError),
    ("random bad scale", lambda: tropical.ReLUNetwork.random(2, [2], scale=0), InvalidNetworkError),
    ("json without layers", lambda: tropical.ReLUNetwork.from_json({"weights": []}), InvalidNetworkError),
    ("json malformed", lambda: tropical.ReLUNetwork.from_json("{not json"), InvalidNetworkError),
    ("json float entry", lambda: tropical.ReLUNetwork.from_json({"layers": [{"weight": [[0.5]], "bias": ["0"]}]}),
     ConversionError),
    ("json nan entry", lambda: tropical.ReLUNetwork.from_json({"layers": [{"weight": [["nan"]], "bias": ["0"]}]}),
     ConversionError),
    ("json missing file", lambda: tropical.ReLUNetwork.from_json("/nonexistent/x.json"), InvalidNetworkError),
    # conversion
    ("to_rational nan", lambda: tropical.to_rational(math.nan), ConversionError),
    ("to_rational inf", lambda: tropical.to_rational(math.inf), ConversionError),
    ("to_rational bad policy", lambda: tropical.to_rational(0.5, "nearest"), ConversionError),
    ("limit_denominator without bound", lambda: tropical.to_rational(0.5, "limit_denominator"), ConversionError),
    ("random bad policy", lambda: tropical.ReLUNetwork.random(2, [2], policy="round"), ConversionError),
]


@pytest.mark.parametrize("name, call, exc", CASES, ids=[c[0] for c in CASES])
def test_invalid_input_raises_one_clear_error(name, call, exc):
    with pytest.raises(exc) as info:
        call()
    assert isinstance(info.value, TropicalError)
    assert str(info.value)  # a message that names the problem


TORCH_CASES = [
    ("nan weight", "nan", ConversionError),
    ("inf bias", "inf", ConversionError),
    ("unsupported module", "tanh", InvalidNetworkError),
    ("final relu", "final_relu", InvalidNetworkError),
    ("3-d weight in state_dict", "3d", InvalidNetworkError),
    ("bad state_dict key", "key", InvalidNetworkError),
    ("not a model", "list", InvalidNetworkError),
]


@pytest.mark.parametrize("name, kind, exc", TORCH_CASES, ids=[c[0] for c in TORCH_CASES])
def test_invalid_torch_models(name, kind, exc):
    torch = pytest.importorskip("torch")
    lin1, lin2 = torch.nn.Linear(2, 2), torch.nn.Linear(2, 1)
    if kind == "nan":
        with torch.no_grad():
            lin1.weight[0, 0] = float("nan")
        obj = torch.nn.Sequential(lin1, torch.nn.ReLU(), lin2)
    elif kind == "inf":
        with torch.no_grad():
            lin2.bias[0] = float("inf")
        obj = torch.nn.Sequential(lin1, torch.nn.ReLU(), lin2).state_dict()
    elif kind == "tanh":
        obj = torch.nn.Sequential(lin1, torch.nn.Tanh(), lin2)
    elif kind == "final_relu":
        obj = torch.nn.Sequential(lin1, torch.nn.ReLU())
    elif kind == "3d":
        obj = {"0.weight": torch.zeros(2, 2, 2), "0.bias": torch.zeros(2)}
    elif kind == "key":
        obj = {"0.running_mean": torch.zeros(2)}
    else:
        obj = [1, 2, 3]
    with pytest.raises(exc) as info:
        tropical.ReLUNetwork.from_torch(obj)
    assert str(info.value)


def test_exact_inputs_of_every_kind_are_accepted():
    # the positive control of the table: exact ints and Fractions work everywhere
    assert TropicalNumber(Fraction(1, 3)) + 1 == TropicalNumber(1)
    assert NET.forward([Fraction(1, 2), 3]) == NET.to_tropical().evaluate([Fraction(1, 2), 3])
