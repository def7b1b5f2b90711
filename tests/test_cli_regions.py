"""Tests of ``canopy regions`` and of the region picture."""

from __future__ import annotations

import json

import pytest

from canopy.cli import main
from tropical.network import ReLUNetwork


def test_counts_json(capsys):
    assert main(["regions", "--input", "2", "--widths", "4", "--seed", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["activation_regions"] == 11 and out["linear_regions"] == 11 and not out["partial"]


def test_workers_give_the_same_counts(capsys):
    argv = ["regions", "--input", "3", "--widths", "6,6", "--seed", "4", "--box=-2,2", "--json"]
    assert main(argv) == 0
    serial = json.loads(capsys.readouterr().out)
    assert main(argv + ["--workers", "2"]) == 0
    par = json.loads(capsys.readouterr().out)
    keys = ("activation_regions", "linear_regions", "distinct_affine_maps", "partial")
    assert [par[k] for k in keys] == [serial[k] for k in keys] and par["workers"] == 2
    assert serial["activation_regions"] > 20


def test_box_network_file_and_picture(tmp_path, capsys):
    net = ReLUNetwork([[[1, -1], [2, 1]], [[1, -1]]], [[0, -1], [0]])
    path = tmp_path / "net.json"
    path.write_text(json.dumps(net.to_json()))
    png = tmp_path / "r.png"
    assert main(["regions", "--network", str(path), "--box=-1/2,3", "--out", str(png), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["activation_regions"] == 4 and png.stat().st_size > 1000


def test_text_output(capsys):
    assert main(["regions", "--input", "1", "--widths", "3,3", "--seed", "2"]) == 0
    text = capsys.readouterr().out
    assert "activation_regions" in text and "linear_regions" in text


@pytest.mark.parametrize("argv", [
    ["regions", "--widths", "a,b"],
    ["regions", "--box", "1"],
    ["regions", "--box=2,1"],
    ["regions", "--input", "3", "--out", "x.png"],
    ["regions", "--widths", "8,8", "--max-regions", "5"],
])
def test_bad_input_is_one_line(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("canopy regions: error:")


def test_region_polygons_cover_the_box():

    from canopy.plots.regions import region_polygons

    net = ReLUNetwork.random(2, [5, 5], seed=4)
    data = region_polygons(net, (-2, 2))

    def area(vs):
        return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(vs, vs[1:] + vs[:1]))) / 2

    assert sum(area(v) for v, _ in data["polygons"]) == pytest.approx(16.0)
    assert data["counts"].activation_regions == len(data["polygons"])
    assert data["edges"]
