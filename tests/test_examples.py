"""The seed README's two example commands run as shown (thin wrappers over the CLI and the experiment script)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_run_evaluation_searches_nb201_with_the_tropical_score(data_dir, capsys, monkeypatch):
    monkeypatch.delenv("NATS_BENCH_TSS_PATH", raising=False)
    code = _load("run_evaluation").run(["--seeds", "2", "--evals", "100", "--no-store", "--data", str(data_dir)])
    out = capsys.readouterr().out
    assert code == 0
    assert "rea on nb201 with tropical (2 seeds x 100 evals, cifar10)" in out and "n/a" not in out


def test_run_darts_search_trajectory_reports_every_strategy(data_dir, capsys):
    code = _load("run_darts_search_trajectory").run(["--seeds", "2", "--data", str(data_dir)])
    out = capsys.readouterr().out
    assert code == 0
    assert "REA + tropical" in out and "random search + surrogate" in out
