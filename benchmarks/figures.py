"""The README figures: the four panels of the CANOPY seed README, computed from our own runs.

Each panel is written as ``<name>.png`` plus ``<name>.csv`` (the data behind it), and its protocol caption is
printed on the figure and collected in ``captions.json``:

(a) ``darts_rank_correlation`` — on the 500 NAS-Bench-301 archs of the NASLib subset, the rank correlation of
    the tropical DARTS score and of the published baseline proxies with the NB301 **surrogate** accuracy;
(b) ``darts_search_trajectory`` — search restricted to that 500-arch pool, surrogate fitness / surrogate value
    of the incumbent (there are no trained DARTS accuracies here);
(c) ``nb201_cifar100_correlation`` — tropical score and #params vs NATS-Bench CIFAR-100 test accuracy, all
    15,625 cells;
(d) ``bound_tightness_paradox`` — per score mode, bound / exact tightness (BOUNDS' tightness study) against
    that mode's NB201 rank correlation;

plus ``nb201_search_trajectories`` — REA driven by each fitness on NB201, for the three datasets — and
``nb201_pool_search`` — searches restricted to the sample whose (slow) VKDNW scores ``canopy evaluate`` stored.

Regenerate with ``python benchmarks/figures.py --out figures/`` (``--quick`` for a small run; ``--help``).
The reusable pieces are in the library: :class:`canopy.plots.panel.Panel` / ``save_panel`` (PNG + CSV),
:func:`canopy.metrics.rank_correlations`, :mod:`canopy.plots.trajectory`.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from canopy.metrics import rank_correlations
from canopy.plots.panel import Panel, save_panel
from canopy.plots.trajectory import draw_trajectories, trajectory_rows

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling script search_experiments.py
import search_experiments as experiments  # noqa: E402

__all__ = [
    "panel_darts_correlation",
    "panel_darts_trajectory",
    "panel_nb201_c100",
    "panel_tightness",
    "panel_nb201_search",
    "panel_nb201_pool",
    "make_figures",
    "PANELS",
]


# ---------------------------------------------------------------------------------------------- (a)
DARTS_BASELINES = ("params", "flops", "synflow", "snip", "grad_norm", "jacov", "fisher", "grasp", "l2_norm",
                   "epe_nas", "plain")


def panel_darts_correlation(data_dir: Any = None, *, store: Any = None,
                            modes: Sequence[str] = ("generic", "serra", "zhang"), n_boot: int = 200) -> Panel:
    """(a) DARTS rank correlation on the 500 NB301 archs against the NB301 surrogate accuracy."""
    rows_in = experiments.load_nb301_subset(data_dir)
    acc = [r["surrogate_valid"] for r in rows_in]
    rows = []
    for mode in modes:
        fit = experiments.darts_tropical_fitness(mode, store=store)
        try:
            scores = [fit(r["genotype"]) for r in rows_in]
        except Exception as exc:  # a mode the DARTS scorer does not support is reported, not fatal
            rows.append({"proxy": f"tropical ({mode})", "kind": "tropical", "error": str(exc).splitlines()[0]})
            continue
        rows.append({"proxy": f"tropical ({mode})", "kind": "tropical", **rank_correlations(acc, scores,
                                                                                          n_boot=n_boot)})
    for name in DARTS_BASELINES:
        scores = [float(r[name]) for r in rows_in]
        rows.append({"proxy": name, "kind": "published baseline", **rank_correlations(acc, scores, n_boot=n_boot)})
    good = [r for r in rows if "rho" in r]
    good.sort(key=lambda r: r["rho"])

    def draw(ax: Any) -> None:
        ys = range(len(good))
        colors = ["tab:green" if r["kind"] == "tropical" else "tab:gray" for r in good]
        ax.barh(list(ys), [r["rho"] for r in good], color=colors,
                xerr=[[r["rho"] - r["rho_lo"] for r in good], [r["rho_hi"] - r["rho"] for r in good]],
                error_kw={"lw": 0.8})
        ax.set_yticks(list(ys))
        ax.set_yticklabels([r["proxy"] for r in good], fontsize=8)
        ax.axvline(0, color="k", lw=0.6)
        ax.set_xlabel("Spearman ρ with NB301 SURROGATE val. accuracy (95% bootstrap CI)")
        ax.grid(axis="x", alpha=0.3)

    caption = (
        f"Protocol: {len(acc)} DARTS archs of the NASLib NB301 subset; target = NAS-Bench-301 SURROGATE "
        "prediction of CIFAR-10 validation accuracy (not trained); tropical = canopy darts_cell_score; "
        "baselines = the published NAS-Bench-Suite-Zero values in the same file; Spearman ρ, "
        f"{n_boot} bootstrap resamples (seed 0)."
    )
    return Panel("darts_rank_correlation", "(a) DARTS rank correlation (vs NB301 surrogate)", caption, rows, draw)


# ---------------------------------------------------------------------------------------------- (b)
def panel_darts_trajectory(data_dir: Any = None, *, store: Any = None, seeds: int = 20, n_evals: int = 150,
                           population_size: int = 20, sample_size: int = 5, extra_modes: Sequence[str] = ()
                           ) -> Panel:
    """(b) Evolutionary search restricted to the 500-arch NB301 pool, surrogate value of the incumbent."""
    groups = experiments.darts_pool_comparison(seeds=tuple(range(seeds)), n_evals=n_evals, data_dir=data_dir, store=store,
                                   population_size=population_size, sample_size=sample_size,
                                   extra_modes=extra_modes)
    rows = trajectory_rows(groups, "valid_of_incumbent")

    def draw(ax: Any) -> None:
        draw_trajectories(ax, groups, "valid_of_incumbent", ylabel="SURROGATE val. acc. of incumbent (%)",
                          xlabel="architectures evaluated (of the 500-arch pool)")

    caption = (
        f"Protocol: search restricted to the 500 NB301 archs (NASLib subset); mutation = move to a nearest pool "
        f"member (fewest differing genotype pairs); REA population {population_size}, tournament {sample_size}; "
        f"{n_evals} evaluations; "
        f"mean and 25-75% band over {seeds} seeds. y = NB301 SURROGATE CIFAR-10 validation accuracy of the "
        "fitness-selected incumbent (no trained DARTS accuracies exist here); 'surrogate (oracle)' selects on "
        "the plotted value itself."
    )
    return Panel("darts_search_trajectory", "(b) Evolutionary search trajectory (DARTS, 500-arch pool)",
                 caption, rows, draw)


# ---------------------------------------------------------------------------------------------- (c)
def _nb201_scores(cells: Sequence[Any], fitness: Callable[[Any], float]) -> list[float]:
    return [float(fitness(c)) for c in cells]


def panel_nb201_c100(data_dir: Any = None, *, store: Any = None, mode: str = "generic", n_boot: int = 200,
                     modes: Sequence[str] | None = None) -> Panel:
    """(c) Tropical score(s) and #params vs NATS-Bench CIFAR-100 test accuracy, all 15,625 cells.

    ``modes`` (default ``(mode,)``): one scatter per tropical mode, e.g. ``("generic", "local")``.
    """
    from canopy.search.fitness import make_fitness
    from canopy.search.spaces import NB201Space

    modes = tuple(modes) if modes else (mode,)
    space = NB201Space()
    table = space.table(data_dir)
    cells = list(table.cells())
    acc = [float(table.accuracy(c, dataset="cifar100", metric="test")) for c in cells]
    trops = {m: _nb201_scores(cells, make_fitness(space, f"tropical:{m}", store=store)) for m in modes}
    params = [float(c.num_params(num_classes=100)) for c in cells]
    stats = {f"tropical ({m})": rank_correlations(acc, trops[m], n_boot=n_boot) for m in modes}
    stats["#params"] = rank_correlations(acc, params, n_boot=n_boot)
    rows = [
        {"nb201_index": i, "cifar100_test": round(a, 4),
         **{f"tropical_{m}": round(trops[m][i], 3) for m in modes}, "params": int(p)}
        for i, (a, p) in enumerate(zip(acc, params))
    ]
    series = [(f"tropical ({m})", trops[m]) for m in modes] + [("#params", params)]

    def draw(axes: Any) -> None:
        for ax, (label, xs) in zip(axes, series):
            st = stats[label]
            ax.scatter(xs, acc, s=2, alpha=0.25, color="tab:green" if "tropical" in label else "tab:gray",
                       rasterized=True)
            ax.set_xlabel(label if "tropical" in label else "#params (every-op counting)")
            ax.set_title(f"{label}: ρ={st['rho']:.3f} [{st['rho_lo']:.3f}, {st['rho_hi']:.3f}], "
                         f"τ={st['tau']:.3f}", fontsize=8)
            ax.grid(alpha=0.3)
        axes[0].set_ylabel("CIFAR-100 test accuracy (%)")

    caption = (
        f"Protocol: all {len(cells)} NB201 cells (CSV rows in official index order); y = NATS-Bench CIFAR-100 x-test accuracy, 200 epochs, seed "
        "mean; tropical = canopy nb201_cell_score(mode='" + "' / '".join(modes) + "')"
        + ("" if modes == ("generic",) else " ('local': the receptive-field line bound, proofs/local.md)")
        + "; #params = closed form of TinyNetwork "
        "C=16 N=5 counting every op, 100-class head; Spearman ρ (95% bootstrap CI) and Kendall τ-b."
    )
    return Panel("nb201_cifar100_correlation", "(c) NATS-Bench CIFAR-100 correlation", caption, rows, draw,
                 size=(4.5 * len(series), 4.2), extra={"ncols": len(series), "stats": stats})


# ---------------------------------------------------------------------------------------------- (d)
def panel_tightness(data_dir: Any = None, *, store: Any = None, quick: bool = False,
                    modes: Sequence[str] = ("generic", "serra", "zhang"), n_boot: int = 200) -> Panel:
    """(d) Per mode: bound / exact tightness (tightness study) vs the mode's NB201 CIFAR-10 rank correlation."""
    from canopy.bounds.tightness import DEFAULT_LADDER, QUICK_LADDER, tightness_study
    from canopy.search.fitness import make_fitness
    from canopy.search.spaces import NB201Space

    ladder = QUICK_LADDER if quick else DEFAULT_LADDER
    study = tightness_study(ladder, seeds=range(3 if quick else 5), distributions=("gaussian",), modes=modes)
    tight = _tightness_by_mode(study, modes)
    space = NB201Space()
    table = space.table(data_dir)
    cells = list(table.cells())
    acc = [float(table.accuracy(c, dataset="cifar10", metric="test")) for c in cells]
    rows = []
    for mode in modes:
        scores = _nb201_scores(cells, make_fitness(space, f"tropical:{mode}", store=store))
        corr = rank_correlations(acc, scores, n_boot=n_boot)
        rows.append({"mode": mode, **tight.get(mode, {}), **corr})

    def draw(ax: Any) -> None:
        for r in rows:
            x = r.get("log10_ratio_median", math.nan)
            xerr = [[x - r.get("log10_ratio_q25", x)], [r.get("log10_ratio_q75", x) - x]]
            ax.errorbar([x], [r["rho"]], xerr=xerr, yerr=[[r["rho"] - r["rho_lo"]], [r["rho_hi"] - r["rho"]]],
                        fmt="o", capsize=3)
            ax.annotate(r["mode"], (x, r["rho"]), textcoords="offset points", xytext=(6, 4), fontsize=8)
        ax.set_xlabel("median log10(bound / exact count)  (0 = tight)")
        ax.set_ylabel("NB201 Spearman ρ with CIFAR-10 test acc.")
        ax.grid(alpha=0.3)

    caption = (
        "Protocol: x = median over the tightness study's small architectures of log10(bound / exact linear-region "
        f"count of seeded Gaussian random networks) over {len(ladder)} small architectures x "
        f"{3 if quick else 5} seeds (canopy.bounds.tightness.tightness_study), bars = quartiles; y = Spearman ρ of the "
        f"mode's tropical score with NATS-Bench CIFAR-10 test accuracy (200 ep, seed mean) over all {len(cells)} "
        "NB201 cells, 95% bootstrap CI."
    )
    return Panel("bound_tightness_paradox", "(d) The bound tightness paradox", caption, rows, draw)


def _tightness_by_mode(rows: Sequence[dict[str, Any]], modes: Sequence[str]) -> dict[str, dict[str, float]]:
    """Median and quartiles of ``log10(bound / exact)`` per mode over the study's rows.

    Examples
    --------
    >>> rows = [{"mode": "serra", "log10_ratio": v} for v in (0.0, 0.5, 1.0)]
    >>> _tightness_by_mode(rows, ["serra"])["serra"]["log10_ratio_median"]
    0.5
    """
    import numpy as np

    out: dict[str, dict[str, float]] = {}
    for mode in modes:
        logs = [float(r["log10_ratio"]) for r in rows if r["mode"] == mode and math.isfinite(r["log10_ratio"])]
        if logs:
            q25, med, q75 = (float(v) for v in np.quantile(logs, [0.25, 0.5, 0.75]))
            out[mode] = {"log10_ratio_median": med, "log10_ratio_q25": q25, "log10_ratio_q75": q75,
                         "n_networks": len(logs)}
    return out


# ---------------------------------------------------------------------------------------------- NB201 search
def panel_nb201_search(data_dir: Any = None, *, store: Any = None, seeds: int = 10, n_evals: int = 1000,
                       datasets: Sequence[str] = ("cifar10", "cifar100", "ImageNet16-120"),
                       labels: dict[str, tuple[str, str]] | None = None) -> Panel:
    """REA driven by each fitness on NB201 (one subplot per dataset); final accuracies in ``extra``."""
    from canopy.search.trajectory import final_summary

    runs = experiments.nb201_comparison(datasets=datasets, labels=labels, seeds=tuple(range(seeds)), n_evals=n_evals,
                            data_dir=data_dir, store=store)
    rows = []
    finals = []
    for dataset in datasets:
        groups = {label: t for (d, label), t in runs.items() if d == dataset}
        rows += [{"dataset": dataset, **r} for r in trajectory_rows(groups)]
        for label, trajs in groups.items():
            finals.append({"dataset": dataset, "search": label, **final_summary(trajs)})

    same = _coinciding(runs)

    def draw(axes: Any) -> None:
        for ax, dataset in zip(axes, datasets):
            groups = {label: t for (d, label), t in runs.items() if d == dataset}
            draw_trajectories(ax, groups)
            ax.set_title(dataset, fontsize=9)

    caption = (
        f"Protocol: NB201, REA population 64, tournament 10 (with replacement), {n_evals} evaluations, mean and "
        f"25-75% band over {seeds} seeds; y = 200-epoch seed-mean test accuracy (NATS-Bench) of the incumbent "
        "chosen by the fitness (never a running max of test accuracy); ground-truth search selects on "
        "validation accuracy (cifar10: cifar10-valid x-valid)."
        + (f" Identical trajectories (curves overlap): {same}." if same else "")
    )
    return Panel("nb201_search_trajectories", "REA on NAS-Bench-201: test accuracy of the selected architecture",
                 caption, rows, draw, size=(15.0, 4.6), extra={"ncols": len(datasets), "finals": finals})


def panel_nb201_pool(data_dir: Any = None, *, store: Any = None, scores_csv: Any = None, seeds: int = 10,
                     n_evals: int = 50, datasets: Sequence[str] = ("cifar10", "cifar100", "ImageNet16-120"),
                     columns: Sequence[str] = ("vkdnw", "aleph>vkdnw", "params")) -> Panel:
    """Searches restricted to the architectures ``canopy evaluate`` scored (for VKDNW, too slow for a loop here).

    ``scores_csv`` defaults to ``results/nb201_scores_<dataset>.csv`` of the repository.
    """
    from canopy.search.trajectory import final_summary

    root = Path(__file__).resolve().parents[1] / "results"
    runs: dict[tuple[str, str], list[Any]] = {}
    pool_sizes = {}
    for dataset in datasets:
        path = Path(scores_csv) if scores_csv else root / f"nb201_scores_{dataset}.csv"
        if not path.is_file():
            from canopy.errors import DataFileError

            raise DataFileError(f"stored score table {path} not found (written by benchmarks/evaluation.py)")
        short = {c: min(_finite_count(path, p) for p in c.split(">")) for c in columns}
        short = {c: n for c, n in short.items() if n < 50}
        if short:  # a curve would silently vanish: refuse instead
            from canopy.plots.panel import IncompleteDataError

            raise IncompleteDataError(
                f"nb201_pool_search: {path} has fewer than 50 finite scores for "
                + ", ".join(f"{c!r} ({n})" for c, n in short.items())
                + " -- run canopy evaluate for them (benchmarks/evaluation.py) or leave them out")
        groups = experiments.nb201_pool_comparison(path, columns=columns, dataset=dataset, seeds=tuple(range(seeds)),
                                       n_evals=n_evals, data_dir=data_dir, store=store)
        for label, trajs in groups.items():
            runs[(dataset, label)] = trajs
            pool_sizes[dataset] = trajs[0].space
    rows, finals = [], []
    for (dataset, label), trajs in runs.items():
        rows += [{"dataset": dataset, **r} for r in trajectory_rows({label: trajs})]
        finals.append({"dataset": dataset, "search": label, "pool": pool_sizes[dataset], **final_summary(trajs)})

    def draw(axes: Any) -> None:
        for ax, dataset in zip(axes, datasets):
            draw_trajectories(ax, {lab: t for (d, lab), t in runs.items() if d == dataset})
            ax.set_title(f"{dataset} ({pool_sizes[dataset]})", fontsize=9)

    caption = (
        "Protocol: search restricted to the seeded NB201 sample that canopy evaluate scored "
        "(results/nb201_scores_<dataset>.csv; archs with a missing score dropped); VKDNW / #params fitness = "
        "those stored scores ('aleph>vkdnw': VKDNW's ranking, number of parameter tensors first, then VKDNW); "
        f"mutation = nearest pool member; REA population 20, tournament 5; {n_evals} "
        f"evaluations; mean and 25-75% band over {seeds} seeds; y = 200-epoch seed-mean test accuracy of the "
        "incumbent."
    )
    return Panel("nb201_pool_search", "Pool-restricted search on NB201 (stored proxy scores, incl. VKDNW)",
                 caption, rows, draw, size=(15.0, 4.6), extra={"ncols": len(datasets), "finals": finals})


def _coinciding(runs: dict[tuple[str, str], list[Any]]) -> str:
    """Labels whose incumbents are identical, seed by seed, on every dataset (their curves overlap)."""
    labels = sorted({lab for _, lab in runs}, key=list(dict.fromkeys(lab for _, lab in runs)).index)
    datasets = sorted({d for d, _ in runs})

    def sig(label: str) -> tuple:
        return tuple(tuple(s.incumbent for t in runs[(d, label)] for s in t.steps) for d in datasets)

    groups: dict[tuple, list[str]] = {}
    for label in labels:
        groups.setdefault(sig(label), []).append(label)
    return "; ".join(" = ".join(g) for g in groups.values() if len(g) > 1)


def _finite_count(path: Path, column: str) -> int:
    """Number of finite values in one column of a score CSV (0 when the column is absent)."""
    import csv

    with open(path, newline="") as fh:
        n = 0
        for row in csv.DictReader(fh):
            try:
                n += math.isfinite(float(row.get(column) or "nan"))
            except ValueError:
                pass
    return n


#: panel name -> builder(data_dir, store, quick)
PANELS: dict[str, Callable[[Any, Any, bool], Panel]] = {
    "darts_rank_correlation": lambda d, s, q: panel_darts_correlation(
        d, store=s, modes=("generic", "serra", "zhang", "local"), n_boot=50 if q else 1000),
    "darts_search_trajectory": lambda d, s, q: panel_darts_trajectory(d, store=s, seeds=10 if q else 20,
                                                                      n_evals=60 if q else 150, extra_modes=("local",)),
    "nb201_cifar100_correlation": lambda d, s, q: panel_nb201_c100(d, store=s, modes=("generic", "local"),
                                                                   n_boot=50 if q else 300),
    "bound_tightness_paradox": lambda d, s, q: panel_tightness(d, store=s, quick=q, n_boot=50 if q else 300),
    "nb201_search_trajectories": lambda d, s, q: panel_nb201_search(
        d, store=s, seeds=10, n_evals=200 if q else 1000, labels=experiments.NB201_LABELS_STRUCTURE),
    "nb201_pool_search": lambda d, s, q: panel_nb201_pool(d, store=s, n_evals=25 if q else 50),
}


#: panels that need files outside the benchmark data (skipped with a message when those are missing)
OPTIONAL_PANELS = frozenset({"nb201_pool_search"})


def make_figures(out_dir: str | os.PathLike[str], *, data_dir: Any = None, store: Any = None, quick: bool = False,
                 only: Sequence[str] | None = None, progress: Callable[[str], None] | None = None
                 ) -> dict[str, list[Path]]:
    """Build and save the panels; write ``captions.json``; return ``{name: [png, csv, ...]}``.

    A panel whose data is incomplete (a missing ground-truth value, a curve without scores) raises
    :class:`canopy.plots.panel.IncompleteDataError` (``main`` prints one line and exits 2) instead of drawing
    less; only an optional panel whose input file is absent altogether is skipped, with a message.
    """
    from canopy.errors import DataFileError
    from canopy.plots.panel import IncompleteDataError

    names = list(only or PANELS)
    unknown = [n for n in names if n not in PANELS]
    if unknown:
        from canopy.errors import CanopyError

        raise CanopyError(f"unknown figure(s) {', '.join(unknown)}; choose from {', '.join(PANELS)}")
    out = Path(out_dir)
    cap_path = out / "captions.json"
    captions = json.loads(cap_path.read_text()) if cap_path.exists() else {}
    written = {}
    for name in names:
        try:
            panel = PANELS[name](data_dir, store, quick)
        except IncompleteDataError:
            raise  # present but incomplete: never skipped, never drawn with less
        except DataFileError as exc:
            if name not in OPTIONAL_PANELS:
                raise
            if progress:
                progress(f"skipped {name}: {exc}")
            continue
        written[name] = save_panel(panel, out)
        captions[name] = {"title": panel.title, "caption": panel.caption}
        if progress:
            progress(f"wrote {', '.join(str(p) for p in written[name])}")
    out.mkdir(parents=True, exist_ok=True)
    cap_path.write_text(json.dumps(captions, indent=1, sort_keys=True) + "\n")
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Build the requested panels; print one line per file written; return 0 (2 on a CanopyError)."""
    from canopy.benchmarks import resolve_data_dir
    from canopy.errors import CanopyError
    from canopy.evaluation import default_store_path
    from canopy.store import ResultStore

    ap = argparse.ArgumentParser(description="Regenerate the README figures (PNG) and the data behind each (CSV).")
    ap.add_argument("--out", default="figures", metavar="DIR", help="output folder (default: figures)")
    ap.add_argument("--only", default=None, help=f"comma-separated panel names (default: all): {', '.join(PANELS)}")
    ap.add_argument("--quick", action="store_true", help="small protocol (fewer seeds/evaluations/resamples)")
    ap.add_argument("--data", default=None, metavar="DIR", help="benchmark data folder ($CANOPY_DATA_DIR)")
    ap.add_argument("--store", default=None, metavar="PATH",
                    help="result store caching proxy values and trajectories ($CANOPY_STORE, "
                         "default ./canopy-results.sqlite)")
    args = ap.parse_args(argv)
    only = [n.strip() for n in args.only.split(",")] if args.only else None
    try:
        unknown = [n for n in only or () if n not in PANELS]
        if unknown:
            raise CanopyError(f"unknown figure(s) {', '.join(unknown)}; choose from {', '.join(PANELS)}")
        data_dir = resolve_data_dir(args.data)
        with ResultStore(args.store or default_store_path()) as store:
            make_figures(args.out, data_dir=data_dir, store=store, quick=args.quick, only=only,
                         progress=lambda msg: print(msg, flush=True))
    except CanopyError as exc:
        print(f"figures: error: {exc}", file=sys.stderr)
        return 2
    print(f"captions: {args.out}/captions.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
