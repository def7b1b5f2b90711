"""Tests of the figure machinery: canopy.plots.panel, metrics.rank_correlations and benchmarks/figures.py.

The experiment scripts live in ``benchmarks/`` (not in the library); the figure data they produce is compared
bit for bit with what the pre-move library code produced (tests/golden/issue9_reproduction.json).
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
import math
import sys
from pathlib import Path

import pytest

from canopy.metrics import rank_correlations
from canopy.plots.panel import Panel, save_panel
from canopy.plots.trajectory import write_rows_csv

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
GOLDEN = json.loads((Path(__file__).with_name("golden") / "issue9_reproduction.json").read_text())


def _load_script(name: str):
    """Import ``benchmarks/<name>.py`` as a module (the scripts are not a package)."""
    if f"canopy_bench_{name}" in sys.modules:
        return sys.modules[f"canopy_bench_{name}"]
    spec = importlib.util.spec_from_file_location(f"canopy_bench_{name}", BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


figures = _load_script("figures")
PANELS, make_figures, _tightness_by_mode = figures.PANELS, figures.make_figures, figures._tightness_by_mode


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
    assert figures.main(["--out", str(tmp_path), "--only", "nope"]) == 2
    assert capsys.readouterr().err.startswith("figures: error: unknown figure")
    assert set(PANELS) >= {"darts_rank_correlation", "darts_search_trajectory", "nb201_cifar100_correlation",
                           "bound_tightness_paradox"}


@pytest.mark.slow
def test_darts_pool_trajectory_panel(data_dir, tmp_path):
    panel = figures.panel_darts_trajectory(data_dir, seeds=2, n_evals=12, population_size=5, sample_size=2)
    labels = {r["label"] for r in panel.rows}
    assert "REA + surrogate (oracle)" in labels and "REA + tropical" in labels
    assert all(90.0 <= r["mean"] <= 95.0 for r in panel.rows)  # surrogate range 90.73-94.33
    assert "SURROGATE" in panel.caption
    png, _ = save_panel(panel, tmp_path)
    assert png.stat().st_size > 0


@pytest.mark.slow
def test_tightness_panel_quick(data_dir, tmp_path, monkeypatch):
    """The tightness panel on a 300-cell table slice (the full table is the figure's job)."""
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
    paths = save_panel(panel, tmp_path)
    assert paths[0].exists()
    json.dumps(panel.rows)


def test_optional_pool_panel_is_skipped_without_its_score_table(tmp_path, monkeypatch, data_dir):
    def missing(*a, **k):
        return figures.panel_nb201_pool(data_dir, scores_csv=tmp_path / "absent.csv")

    monkeypatch.setitem(figures.PANELS, "nb201_pool_search", lambda d, s, q: missing())
    messages = []
    written = make_figures(tmp_path, data_dir=data_dir, only=["nb201_pool_search"], progress=messages.append)
    assert written == {} and "absent.csv" in messages[0] and "skipped" in messages[0]


# ------------------------------------------------------------------------------------------ bit for bit
def _csv_text(rows, tmp_path) -> str:
    return write_rows_csv(rows, tmp_path / "rows.csv").read_text()


def _same_text(got: str, want) -> None:
    if isinstance(want, dict):  # a large CSV: its hash, length and first lines
        assert got[:2000] == want["head"] and len(got) == want["chars"]
        assert hashlib.sha256(got.encode()).hexdigest() == want["sha256"]
    else:
        assert got == want


GOLDEN_PANELS = {
    "darts_rank_correlation": lambda d: figures.panel_darts_correlation(d, modes=("generic",), n_boot=20),
    "darts_search_trajectory": lambda d: figures.panel_darts_trajectory(d, seeds=2, n_evals=30),
    "nb201_cifar100_correlation": lambda d: figures.panel_nb201_c100(d, n_boot=20),
    "nb201_search_trajectories": lambda d: figures.panel_nb201_search(d, seeds=2, n_evals=80, datasets=("cifar10",)),
    "nb201_pool_search": lambda d: figures.panel_nb201_pool(d, seeds=2, n_evals=25, datasets=("cifar10",)),
}


@pytest.mark.parametrize("name", sorted(GOLDEN_PANELS))
def test_figure_data_reproduces_bit_for_bit_after_the_move(name, data_dir, tmp_path):
    """Each panel's CSV data and caption equal what canopy/plots/figures.py produced before issue 9's move."""
    want = GOLDEN["figures"][name]
    panel = GOLDEN_PANELS[name](data_dir)
    _same_text(_csv_text(panel.rows, tmp_path), want["csv"])
    assert panel.caption == want["caption"]
    if want["finals"] is not None:  # the final summaries, less the wall-clock time of the runs
        assert _without_wall_clock(_csv_text(panel.extra["finals"], tmp_path)) == _without_wall_clock(want["finals"])


def _without_wall_clock(text: str) -> list[dict[str, str]]:
    rows = list(csv.DictReader(text.splitlines()))
    assert rows and "wall_clock_mean" in rows[0]
    return [{k: v for k, v in r.items() if k != "wall_clock_mean"} for r in rows]


def test_experiments_script_runs(capsys, data_dir):
    experiments = _load_script("search_experiments")
    assert experiments.main(["darts-pool", "--seeds", "1", "--n-evals", "25", "--data", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert "REA + tropical" in out and "valid" in out


def test_saved_figure_and_trajectory_plot(tmp_path):
    from canopy.plots.figure import saved_figure
    from canopy.plots.trajectory import plot_trajectories
    from canopy.search import regularized_evolution
    from canopy.search.spaces import BitStrings

    runs = [regularized_evolution(BitStrings(5), lambda a: float(sum(a)), n_evals=20, population_size=4,
                                  sample_size=2, seed=s) for s in range(2)]
    path = plot_trajectories({"REA": runs}, tmp_path / "sub" / "t.png", field_name="proxy_best", title="t",
                             caption="Protocol: toy.")
    assert path.read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(RuntimeError), saved_figure(tmp_path / "never.png") as (fig, ax):
        raise RuntimeError("drawing failed")
    assert not (tmp_path / "never.png").exists()


# ------------------------------------------------------------------------------------------ incomplete data
@pytest.mark.parametrize("where", ["rows", "finals"])
@pytest.mark.parametrize("hole", [None, float("nan"), float("inf"), ""])
def test_panel_with_a_hole_is_refused_before_anything_is_written(tmp_path, where, hole):
    from canopy.plots.panel import IncompleteDataError

    rows = [{"label": "a", "mean": 1.0}, {"label": "b", "mean": 2.0}]
    finals = [{"search": "REA + tropical", "test_mean": 93.1}, {"search": "REA + params", "test_mean": 93.0}]
    (rows if where == "rows" else finals)[1][("mean" if where == "rows" else "test_mean")] = hole
    panel = Panel("demo", "Demo", "Protocol.", rows, lambda ax: None, extra={"finals": finals})
    with pytest.raises(IncompleteDataError, match="is missing in 1 of 2 rows") as info:
        save_panel(panel, tmp_path)
    assert ("label=b" if where == "rows" else "search=REA + params") in str(info.value)
    assert list(tmp_path.iterdir()) == []  # no PNG, no CSV
    save_panel(Panel("demo", "Demo", "Protocol.", rows, lambda ax: None, extra={"finals": finals},
                     optional=frozenset({"mean", "test_mean"})), tmp_path)  # declared optional: drawn


def test_figures_with_missing_ground_truth_exit_2_with_one_line(tmp_path, monkeypatch, capsys, data_dir):
    """The issue's case: trajectories without ground truth must not become a NaN row and a dropped curve."""
    from canopy.search import random_search
    from canopy.search.spaces import BitStrings

    def no_truth(**kw):
        with_truth = [random_search(BitStrings(4), lambda a: float(sum(a)), n_evals=5, seed=s,
                                    oracle=lambda a: (1.0, float(sum(a)))) for s in range(2)]
        without = [random_search(BitStrings(4), lambda a: float(sum(a)), n_evals=5, seed=s) for s in range(2)]
        return {("cifar10", "REA + params"): with_truth, ("cifar10", "REA + vkdnw"): without}

    monkeypatch.setattr(figures.experiments, "nb201_comparison", no_truth)
    monkeypatch.setitem(figures.PANELS, "nb201_search_trajectories",
                        lambda d, s, q: figures.panel_nb201_search(d, store=s, seeds=2, n_evals=5,
                                                                   datasets=("cifar10",)))
    out = tmp_path / "figs"
    code = figures.main(["--out", str(out), "--only", "nb201_search_trajectories", "--data", str(data_dir),
                         "--store", str(tmp_path / "s.sqlite")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    assert "nb201_search_trajectories" in err and "REA + vkdnw" in err and "missing" in err
    assert not (out / "nb201_search_trajectories.png").exists()
    assert not (out / "nb201_search_trajectories_final.csv").exists()


def test_pool_panel_with_too_few_scores_fails_instead_of_dropping_a_curve(tmp_path, data_dir, capsys,
                                                                           monkeypatch):
    src = Path(__file__).resolve().parents[1] / "results" / "nb201_scores_cifar10.csv"
    with open(src, newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows[10:]:
        row["vkdnw"] = ""  # at most 10 VKDNW scores left
    thin = tmp_path / "thin.csv"
    write_rows_csv(rows, thin)
    monkeypatch.setitem(figures.PANELS, "nb201_pool_search",
                        lambda d, s, q: figures.panel_nb201_pool(d, store=s, scores_csv=thin, seeds=2, n_evals=25,
                                                                 datasets=("cifar10",)))
    code = figures.main(["--out", str(tmp_path / "figs"), "--only", "nb201_pool_search", "--data", str(data_dir),
                         "--store", str(tmp_path / "s.sqlite")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "fewer than 50 finite scores for 'vkdnw' (" in err, err  # not skipped, not drawn with less


def test_correlation_figure_refuses_missing_scores_unless_allowed(tmp_path):
    from canopy.plots.correlation import correlation_figure
    from canopy.plots.panel import IncompleteDataError

    acc, scores = [90.0, 91.0, 93.0, 92.5], [1.0, float("nan"), 4.0, 3.0]
    with pytest.raises(IncompleteDataError, match="1 of 4 architectures have no finite score"):
        correlation_figure(acc, scores, proxy="toy", path=tmp_path / "toy.png")
    assert not (tmp_path / "toy.png").exists()
    assert correlation_figure(acc, scores, proxy="toy", path=tmp_path / "toy.png", allow_missing=True).exists()
