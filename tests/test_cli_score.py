"""``canopy score``: dense widths, NB201 strings, DARTS genotypes / 14 ops, --all-modes, --json, errors."""

from __future__ import annotations

import json

import pytest

from canopy.cli import main


def _run(capsys, *argv):
    rc = main(["score", *argv])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_widths_known_values(capsys):
    rc, out, _ = _run(capsys, "--widths", "5,5", "--input-dim", "3", "--mode", "serra", "--json")
    assert rc == 0
    data = json.loads(out)
    assert data["log10"]["serra"] == pytest.approx(2.760422483)  # log10(576)
    rc, out, _ = _run(capsys, "--widths", "64,128,64", "--all-modes")
    assert rc == 0 and "serra: log10 upper bound = 71.41" in out and "montufar" in out


def test_nb201_and_darts(capsys):
    cell = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"
    rc, out, _ = _run(capsys, "--nb201", cell, "--input-shape", "3,8,8", "--C", "4", "--N", "1", "--json")
    from canopy.nas.cells import nb201_cell_score

    assert rc == 0
    assert json.loads(out)["log10"]["generic"] == pytest.approx(nb201_cell_score(cell, input_shape=(3, 8, 8), C=4, N=1))
    ops = "sep_conv_3x3,skip_connect,max_pool_3x3,none,sep_conv_5x5,skip_connect,none,sep_conv_3x3," \
          "dil_conv_3x3,skip_connect,max_pool_3x3,sep_conv_5x5,none,none"
    rc, out, _ = _run(capsys, "--darts", ops, "--input-shape", "3,8,8", "--C", "4", "--layers", "3", "--all-modes")
    assert rc == 0 and out.count("log10 upper bound") == 3 and out.count("log10 line bound") == 1
    from canopy.spaces.darts import random_genotype

    g = random_genotype(0)
    rc, out, _ = _run(capsys, "--darts", g.to_string(), "--input-shape", "3,8,8", "--C", "4", "--layers", "3",
                      "--json")
    assert rc == 0 and json.loads(out)["log10"]["generic"] > 0


@pytest.mark.parametrize("argv", [
    ["--nb201", "|bad~0|"],
    ["--darts", "sep_conv_3x3,none"],
    ["--widths", "a,b"],
    ["--nb201", "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|", "--mode", "exact"],
    ["--nb201", "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|", "--input-shape", "3,x"],
])
def test_errors_are_one_line(capsys, argv):
    rc, _, err = _run(capsys, *argv)
    assert rc == 2 and err.count("\n") == 1 and "error" in err
