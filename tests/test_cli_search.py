"""Tests of ``canopy search``."""

from __future__ import annotations

import json

import pytest

from canopy.cli import main


def test_search_mobilenet_prints_and_stores(tmp_path, capsys):
    store = tmp_path / "s.sqlite"
    args = ["search", "--space", "mobilenet", "--proxy", "params", "--seeds", "2", "--evals", "60",
            "--population", "10", "--sample-size", "3", "--budget-mflops", "300", "--store", str(store)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.count("seed ") == 2 and "proxy-only" in out and str(store) in out
    from canopy.store import ResultStore

    with ResultStore(store) as s:
        runs = s.runs(kind="search")
        assert len(runs) == 2 and all(r["steps"] == 61 for r in runs)
        assert s.count(space="mobilenet", proxy="params") > 0
    # a second run reads the stored trajectories back and prints the same lines (wall-clock aside)
    assert main(args) == 0
    again = capsys.readouterr().out
    strip = [line.split("  ")[:4] for line in out.splitlines() if line.startswith("seed")]
    assert strip == [line.split("  ")[:4] for line in again.splitlines() if line.startswith("seed")]


def test_search_json_and_trajectory_file(tmp_path, capsys):
    traj = tmp_path / "t.json"
    args = ["search", "--space", "mobilenet", "--proxy", "flops", "--algorithm", "random", "--seeds", "3",
            "--evals", "30", "--no-store", "--json", "--trajectories", str(traj)]
    assert main(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["summary"]["n_seeds"] == 3 and len(data["runs"]) == 3 and data["store"] is None
    assert data["config"]["seeds"] == [0, 1, 2] and "proxy-only" in data["protocol"]
    saved = json.loads(traj.read_text())
    assert len(saved) == 3 and all(len(t["steps"]) == 30 for t in saved)
    assert all(s["proxy_best"] <= 450e6 for s in saved[0]["steps"])


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--seeds", "0"], "--seeds"),
        (["--evals", "0"], "--evals"),
        (["--proxy", "test"], "never a search fitness"),
        (["--budget-mflops", "0.5", "--population", "4"], "no architecture within"),
    ],
)
def test_search_bad_input_is_one_line(extra, message, capsys):
    args = ["search", "--space", "mobilenet", "--proxy", "params", "--no-store", "--evals", "20", "--seeds", "1"]
    assert main(args + extra) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_search_darts_is_proxy_only(capsys):
    args = ["search", "--space", "darts", "--proxy", "tropical", "--seeds", "1", "--evals", "12",
            "--population", "4", "--sample-size", "2", "--no-store", "--json"]
    assert main(args) == 0
    data = json.loads(capsys.readouterr().out)
    run = data["runs"][0]
    assert run["test_of_incumbent"] is None and run["proxy_best"] > 0
    assert "no trained ground truth" in data["protocol"]


def test_search_without_ground_truth_fails_or_is_flagged_and_never_reused(tmp_path, capsys, monkeypatch, data_dir):
    """Without data: exit 2 with one line; with --no-ground-truth the runs are flagged and a run with data
    recomputes instead of reusing them."""
    monkeypatch.delenv("CANOPY_DATA_DIR", raising=False)
    store = tmp_path / "s.sqlite"
    args = ["search", "--space", "nb201", "--proxy", "params", "--seeds", "1", "--evals", "70", "--population",
            "8", "--sample-size", "3", "--store", str(store)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no ground truth for nb201 cifar10" in err and "--no-ground-truth" in err
    from canopy.store import ResultStore

    with ResultStore(store) as s:
        assert s.runs() == []  # nothing stored
    assert main([*args, "--no-ground-truth"]) == 0
    capsys.readouterr()
    with ResultStore(store) as s:
        (run,) = s.runs(kind="search")
        assert run["config"]["ground_truth"] is None and s.steps(run["run_id"])[0]["settings"]["ground_truth"] is None
    assert main([*args, "--data", str(data_dir), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["runs"][0]["test_of_incumbent"] > 0  # recomputed with ground truth, not the flagged run
    with ResultStore(store) as s:
        runs = s.runs(kind="search")
        assert len(runs) == 2 and runs[1]["config"]["ground_truth"].startswith("nb201-table cifar10 valid=")
