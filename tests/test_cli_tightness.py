"""canopy tightness: the study function, the CLI (table, --json, --csv, --out) and its errors."""

from __future__ import annotations

import csv
import json

import pytest

from canopy.bounds.tightness import parse_ladder, summarize, tightness_study
from canopy.cli import main
from canopy.errors import InvalidArchitectureError


def test_study_rows_are_consistent():
    rows = tightness_study([(2, (4, 4)), (3, (5, 5))], seeds=[0, 1], distributions=["gaussian", "integer"])
    assert rows
    for r in rows:
        assert r["ratio"] == pytest.approx(r["bound"] / r["exact"])
        if r["kind"] == "upper":
            assert r["bound"] >= r["exact"] >= 1  # every upper bound dominates the exact count
    modes = {r["mode"] for r in rows if r["arch"] == "3:5-5"}
    assert "serra_lower" not in modes  # precondition fails: left out, not zero
    serra = [r for r in rows if r["arch"] == "3:5-5" and r["mode"] == "serra"]
    generic = [r for r in rows if r["arch"] == "3:5-5" and r["mode"] == "generic"]
    assert all(s["ratio"] < g["ratio"] for s, g in zip(serra, generic))


def test_study_is_reproducible_and_frame():
    a = tightness_study([(2, (4,))], seeds=[3], modes=["generic"])
    b = tightness_study([(2, (4,))], seeds=[3], modes=["generic"])
    assert a == b
    frame = tightness_study([(2, (4,))], seeds=[3], modes=["generic"], as_frame=True)
    assert list(frame["exact"]) == [r["exact"] for r in a]


def test_summary_spread():
    rows = tightness_study([(2, (4, 4))], seeds=range(3), distributions=["integer"], modes=["serra"])
    (s,) = summarize(rows)
    assert s["n"] == 3 and s["ratio_min"] <= s["ratio_mean"] <= s["ratio_max"]


def test_parse_ladder_errors():
    assert parse_ladder("1:3") == ((1, (3,)),)
    for bad in ("", "2", "2:a", "0:3", "2:3,0"):
        with pytest.raises(InvalidArchitectureError):
            parse_ladder(bad)


def test_cli_writes_table_and_files(tmp_path, capsys):
    out_json, out_csv, out_png = tmp_path / "t.json", tmp_path / "t.csv", tmp_path / "t.png"
    rc = main(["tightness", "--ladder", "2:4;2:3,3", "--seeds", "2", "--modes", "serra,generic",
               "--json", str(out_json), "--csv", str(out_csv), "--out", str(out_png)])
    assert rc == 0
    text = capsys.readouterr().out
    assert "2:3-3" in text and "serra" in text and "ratio mean" in text
    rows = json.loads(out_json.read_text())
    assert len(rows) == 2 * 2 * 2 * 2  # archs x distributions x seeds x modes
    with open(out_csv) as fh:
        assert len(list(csv.DictReader(fh))) == len(rows)
    assert out_png.stat().st_size > 0


@pytest.mark.parametrize("argv, message", [
    (["--ladder", "2:x"], "bad ladder entry"),
    (["--ladder", "2:4", "--modes", "nope"], "unknown bound"),
    (["--ladder", "2:4", "--distributions", "uniform"], "unknown distribution"),
])
def test_cli_errors_are_one_line(argv, message, capsys):
    assert main(["tightness", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_progress_counts_every_network_and_goes_to_stderr(capsys):
    ticks: list[int] = []
    tightness_study([(2, (4,)), (2, (3, 3))], seeds=[0, 1, 2], distributions=["gaussian", "integer"],
                    modes=["serra"], progress=ticks.append)
    assert ticks == [1] * (2 * 2 * 3)
    assert main(["tightness", "--ladder", "2:4;2:3,3", "--seeds", "2", "--modes", "serra"]) == 0
    captured = capsys.readouterr()
    assert "exact counts" in captured.err and "8/8" in captured.err and "exact counts" not in captured.out
