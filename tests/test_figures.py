"""Tests of the figure machinery (small inputs; the full panels are built by ``canopy figures``)."""

from __future__ import annotations

import csv
import json
import math

import pytest

from canopy.cli import main
from canopy.plots.figures import (
    PANELS,
    Panel,
    _tightness_by_mode,
    make_figures,
    rank_correlations,
    save_panel,
)


def test_rank_correlations_match_canopy_metrics_and_drop_nonfinite():
    from canopy.metrics import kendall_tau, spearman_rho

    acc = [90.0, 91.0, 92.0, 93.0, 94.0, 95.0]
    score = [1.0, 3.0, 2.0, 5.0, 4.0, float("nan")]
    r = rank_correlations(acc, score, n_boot=30, seed=1)
    assert r["n"] == 5 and r["n_dropped"] == 1
    assert r["rho"] == pytest.approx(spearman_rho(acc[:5], score[:5]))
    assert r["tau"] == pytest.approx(kendall_tau(acc[:5], score[:5]))
    assert r["rho_lo"] <= r["rho_hi"]


def test_save_panel_writes_png_csv_and_caption(tmp_path):
    def draw(ax):
        ax.plot([0, 1], [0, 1])

    panel = Panel("demo", "Demo", "Protocol: nothing.", [{"x": 0, "y": 0}, {"x": 1, "y": 1}], draw)
    png, csv_path = save_panel(panel, tmp_path)
    assert png.read_bytes()[:4] == b"\x89PNG"
    with open(csv_path) as fh:
        assert list(csv.DictReader(fh)) == [{"x": "0", "y": "0"}, {"x": "1", "y": "1"}]


def test_tightness_summary_per_mode():
    rows = [{"mode": "serra", "log10_ratio": v} for v in (0.0, 1.0, 2.0)] + [
        {"mode": "zhang", "log10_ratio": 3.0}
    ]
    out = _tightness_by_mode(rows, ["serra", "zhang", "generic"])
    assert out["serra"]["log10_ratio_median"] == 1.0 and out["serra"]["n_networks"] == 3
    assert out["zhang"]["log10_ratio_q25"] == 3.0 and "generic" not in out


def test_unknown_panel_is_a_one_line_error(tmp_path, capsys):
    with pytest.raises(Exception, match="unknown figure"):
        make_figures(tmp_path, only=["nope"])
    assert main(["figures", "--out", str(tmp_path), "--only", "nope"]) == 2
    assert "unknown figure" in capsys.readouterr().err
    assert set(PANELS) >= {"darts_rank_correlation", "darts_search_trajectory", "nb201_cifar100_correlation",
                           "bound_tightness_paradox"}


@pytest.mark.slow
def test_darts_pool_trajectory_panel(data_dir, tmp_path):
    from canopy.plots.figures import panel_darts_trajectory

    panel = panel_darts_trajectory(data_dir, seeds=2, n_evals=12, population_size=5, sample_size=2)
    labels = {r["label"] for r in panel.rows}
    assert "REA + surrogate (oracle)" in labels and "REA + tropical" in labels
    assert all(90.0 <= r["mean"] <= 95.0 for r in panel.rows)  # surrogate range 90.73-94.33
    assert "SURROGATE" in panel.caption
    png, _ = save_panel(panel, tmp_path)
    assert png.stat().st_size > 0


@pytest.mark.slow
def test_tightness_panel_quick(data_dir, tmp_path, monkeypatch):
    """The tightness panel on a 300-cell table slice (the full table is the figure's job)."""
    from canopy.plots import figures
    from canopy.search.spaces import NB201Space

    original = NB201Space.table

    class Slice:
        def __init__(self, table):
            self.table = table

        def cells(self):
            return self.table.cells()[::52][:300]

        def accuracy(self, *a, **k):
            return self.table.accuracy(*a, **k)

    monkeypatch.setattr(NB201Space, "table", lambda self, d=None: Slice(original(self, d)))
    panel = figures.panel_tightness(data_dir, quick=True, modes=("serra", "zhang"), n_boot=20)
    assert [r["mode"] for r in panel.rows] == ["serra", "zhang"]
    assert all(r["log10_ratio_median"] >= 0 and -1 <= r["rho"] <= 1 for r in panel.rows)
    assert not any(math.isnan(r["rho"]) for r in panel.rows)
    paths = figures.save_panel(panel, tmp_path)
    assert paths[0].exists()
    json.dumps(panel.rows)


def test_optional_pool_panel_is_skipped_without_its_score_table(tmp_path, monkeypatch, data_dir):
    from canopy.plots import figures

    def missing(*a, **k):
        return figures.panel_nb201_pool(data_dir, scores_csv=tmp_path / "absent.csv")

    monkeypatch.setitem(figures.PANELS, "nb201_pool_search", lambda d, s, q: missing())
    messages = []
    written = make_figures(tmp_path, data_dir=data_dir, only=["nb201_pool_search"], progress=messages.append)
    assert written == {} and "absent.csv" in messages[0] and "skipped" in messages[0]
