"""ReLUNetwork: validation, exact forward pass, JSON round trip, seeded random nets, torch import."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from tropical.errors import ConversionError, DimensionMismatchError, InexactInputError, InvalidNetworkError
from tropical.network import ReLUNetwork

W1 = [[1, -1], [2, 1]]
B1 = [0, -1]
W2 = [[1, -1]]
B2 = [0]


def worked():
    return ReLUNetwork([W1, W2], [B1, B2])


def test_attributes():
    net = worked()
    assert net.input_dim == 2 and net.output_dim == 1
    assert net.widths == (2,) and net.layer_sizes == (2, 2, 1) and net.num_hidden == 1
    assert net.policy == "exact-input"
    assert all(isinstance(v, Fraction) for w in net.weights for row in w for v in row)
    assert isinstance(net.weights, tuple) and isinstance(net.weights[0][0], tuple)


def test_forward_matches_hand_computation():
    net = worked()
    for x in [(0, 2), (1, 0), (Fraction(1, 3), Fraction(-2, 7)), (-5, 3)]:
        x1, x2 = map(Fraction, x)
        h1 = max(x1 - x2, 0)
        h2 = max(2 * x1 + x2 - 1, 0)
        assert net.forward(x) == (h1 - h2,)
        assert net.preactivations(x) == [(x1 - x2, 2 * x1 + x2 - 1)]
        assert net.activation_pattern(x) == ((x1 - x2 > 0, 2 * x1 + x2 - 1 > 0),)


def test_affine_only_network():
    net = ReLUNetwork([[[2, 3]]], [[1]])
    assert net.widths == () and net.forward([1, 1]) == (6,)
    assert net.preactivations([1, 1]) == []


def test_json_round_trip(tmp_path):
    net = ReLUNetwork([[[Fraction(1, 2), -3], [0, 2]], [[1, 1]]], [[0, Fraction(1, 3)], [5]])
    d = net.to_json()
    assert d["layers"][0]["weight"] == [["1/2", "-3"], ["0", "2"]]
    assert ReLUNetwork.from_json(d) == net
    assert ReLUNetwork.from_json(json.dumps(d)) == net
    p = tmp_path / "net.json"
    p.write_text(json.dumps(d))
    assert ReLUNetwork.from_json(p) == net
    assert ReLUNetwork.from_json(str(p)) == net
    assert ReLUNetwork.from_json(p).policy == "exact-input"


def test_random_is_seeded_and_records_policy():
    a = ReLUNetwork.random(3, [4, 2], 2, seed=5)
    assert a == ReLUNetwork.random(3, [4, 2], 2, seed=5)
    assert a != ReLUNetwork.random(3, [4, 2], 2, seed=6)
    assert a.layer_sizes == (3, 4, 2, 2) and a.policy == "exact"
    b = ReLUNetwork.random(2, [3], seed=0, policy="limit_denominator", max_denominator=8)
    assert b.policy == "limit_denominator"
    assert all(v.denominator <= 8 for w in b.weights for row in w for v in row)
    c = ReLUNetwork.random(2, [3], seed=0, distribution="integer", scale=2)
    assert all(v.denominator == 1 and -2 <= v <= 2 for w in c.weights for row in w for v in row)


def test_from_torch_module_and_state_dict(tmp_path):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1)
    ).double()
    net = ReLUNetwork.from_torch(model)
    assert net.layer_sizes == (3, 4, 2, 1) and net.policy == "exact"
    x = [Fraction(1, 2), Fraction(-1, 3), Fraction(2)]
    with torch.no_grad():
        y = model(torch.tensor([[float(v) for v in x]], dtype=torch.float64)).item()
    assert abs(float(net.forward(x)[0]) - y) < 1e-12
    sd = model.state_dict()
    assert ReLUNetwork.from_torch(sd) == net
    path = tmp_path / "m.pt"
    torch.save(sd, path)
    assert ReLUNetwork.from_torch(torch.load(path)) == net
    small = ReLUNetwork.from_torch(model, policy="limit_denominator", max_denominator=100)
    assert small.policy == "limit_denominator"


def test_from_torch_rejects_bad_models():
    torch = pytest.importorskip("torch")
    with pytest.raises(InvalidNetworkError, match="Tanh"):
        ReLUNetwork.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Tanh(), torch.nn.Linear(2, 1)))
    with pytest.raises(InvalidNetworkError, match="ends with a ReLU"):
        ReLUNetwork.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU()))
    lin = torch.nn.Linear(2, 1)
    with torch.no_grad():
        lin.weight[0, 1] = float("nan")
    with pytest.raises(ConversionError, match="layer 0"):
        ReLUNetwork.from_torch(torch.nn.Sequential(lin))
    with pytest.raises(InvalidNetworkError):
        ReLUNetwork.from_torch([1, 2])


def test_validation_errors():
    with pytest.raises(InexactInputError):
        ReLUNetwork([[[0.5]]], [[0]])
    with pytest.raises(DimensionMismatchError, match="layer 1"):
        ReLUNetwork([[[1, 2]], [[1, 1]]], [[0], [0]])
    with pytest.raises(DimensionMismatchError, match="bias"):
        ReLUNetwork([[[1, 2]]], [[0, 0]])
    with pytest.raises(InvalidNetworkError, match="empty"):
        ReLUNetwork([[]], [[]])
    with pytest.raises(InvalidNetworkError):
        ReLUNetwork([], [])
    with pytest.raises(DimensionMismatchError):
        worked().forward([1])
    with pytest.raises(InexactInputError):
        worked().forward([0.5, 1])


def test_unknown_policy_label_is_refused():
    from tropical.errors import InvalidNetworkError

    with pytest.raises(InvalidNetworkError, match="unknown policy"):
        ReLUNetwork([[[1]]], [[0]], policy="nope")
    assert ReLUNetwork([[[1]]], [[0]], policy="exact").policy == "exact"


@pytest.mark.parametrize("input_dim, widths, seed", [(2, [3, 3], 0), (3, [4], 1), (2, [5, 2], 2)])
def test_conversion_progress_counts_every_step_and_changes_nothing(input_dim, widths, seed):
    from tropical.tropicalize import conversion_steps, network_to_tropical

    net = ReLUNetwork.random(input_dim, widths, 1, seed=seed, distribution="integer", scale=1)  # zeros included
    calls: list[int] = []
    with_progress = network_to_tropical(net, progress=calls.append)
    assert calls == [1] * conversion_steps(net)
    assert [str(r) for r in with_progress] == [str(r) for r in network_to_tropical(net)]
