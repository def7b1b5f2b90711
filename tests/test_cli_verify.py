"""`canopy verify` and `canopy export` end to end (small networks, fast)."""

from __future__ import annotations

import json

import pytest

from canopy.cli import main
from tropical.network import ReLUNetwork


def test_verify_default_text(capsys):
    assert main(["verify", "--widths", "3,3", "--points", "5"]) == 0
    out = capsys.readouterr().out
    assert "monomials before pruning" in out and "PASSED" in out
    assert "activation_regions" in out and "linear_regions" in out and "N(F ⊙ G)" in out


def test_verify_json_keys(capsys):
    assert main(["verify", "--widths", "3", "--distribution", "integer", "--scale", "2", "--json",
                 "--points", "4"]) == 0
    rep = json.loads(capsys.readouterr().out)
    for key in ("layers", "check", "outputs", "activation_regions", "linear_regions", "cross_check"):
        assert key in rep
    assert rep["check"]["passed"] and rep["cross_check"]["holds"]
    assert rep["layer_sizes"] == [2, 3, 1]
    assert [r["layer"] for r in rep["layers"]] == [1, 2]
    assert rep["linear_regions"] <= rep["outputs"][0]["upper_vertex_bound"]


def test_verify_shows_conversion_progress_on_stderr_also_with_json(capsys):
    from tropical.tropicalize import conversion_steps

    assert main(["verify", "--widths", "4,4", "--seed", "1", "--json", "--points", "3"]) == 0
    captured = capsys.readouterr()
    json.loads(captured.out)  # standard output stays one JSON document
    steps = conversion_steps(ReLUNetwork.random(2, [4, 4], 1, seed=1))
    assert "converting" in captured.err and f"/{steps}" in captured.err


def test_verify_worked_example_from_json(tmp_path, capsys):
    net = ReLUNetwork([[[1, -1], [2, 1]], [[1, -1]]], [[0, -1], [0]])
    path = tmp_path / "net.json"
    path.write_text(json.dumps(net.to_json()))
    assert main(["verify", "--network", str(path), "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["activation_regions"] == 4 and rep["linear_regions"] == 4
    assert rep["outputs"][0]["upper_vertex_bound"] == 4
    assert rep["outputs"][0]["linear_regions_F"] == 2 == rep["outputs"][0]["linear_regions_G"]
    assert main(["verify", "--network", str(path), "--box=-1,1", "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["linear_regions"] <= 4 and "[-1, 1]" in rep["domain"]


def test_export_round_trip(tmp_path, capsys):
    out = tmp_path / "n.json"
    assert main(["export", str(out), "--input", "3", "--widths", "2", "--outputs", "2", "--seed", "4"]) == 0
    net = ReLUNetwork.from_json(out)
    assert net == ReLUNetwork.random(3, [2], 2, seed=4)
    assert main(["export", "--widths", "2", "--distribution", "integer"]) == 0
    assert json.loads(capsys.readouterr().out)["layers"]


def test_verify_torch_state_dict(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    path = tmp_path / "m.pt"
    torch.save(model.state_dict(), path)
    assert main(["verify", "--network", str(path), "--points", "5", "--no-regions", "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["check"]["passed"] and rep["policy"] == "exact" and "linear_regions" not in rep
    out = tmp_path / "m.json"
    assert main(["export", str(out), "--network", str(path), "--policy", "limit_denominator",
                 "--max-denominator", "1000"]) == 0
    assert ReLUNetwork.from_json(out).policy == "limit_denominator"


@pytest.mark.parametrize(
    "argv",
    [
        ["verify", "--widths", "a,b"],
        ["verify", "--widths", "0"],
        ["verify", "--network", "/nonexistent/net.json"],
        ["verify", "--box", "1"],
        ["verify", "--policy", "limit_denominator"],
        ["verify", "--scale", "-1"],
        ["verify", "--points", "0"],
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "error" in err[0]


def test_bad_json_network(tmp_path, capsys):
    p = tmp_path / "bad.json"
    p.write_text('{"layers": [{"weight": [[0.5]], "bias": ["0"]}]}')
    assert main(["verify", "--network", str(p)]) == 2
    assert "0.5" in capsys.readouterr().err
