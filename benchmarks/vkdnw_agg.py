"""VKDNW_agg as published, on the fixed 200-cell NB201 subset (CIFAR-10), next to VKDNW Table 1.

Formula (``vkdnw.md`` §6.1, the released analysis' row ``flops_expressivity_trainability_jacov_vkdnw_``)::

    VKDNW_agg = log R(FLOPs) + log R(AZ expressivity) + log R(AZ trainability) + log R(jacov) + log R_dense(ℵ, VKDNW)

R = average rank ascending over the evaluated set, R_dense = dense lexicographic rank of (ℵ, VKDNW); jacov NaNs
take the column minimum (:func:`canopy.proxies.vkdnw.vkdnw_agg`).  Progressivity is not a component.

Protocol
--------
* Architectures: ``results/nb201_sample200.txt`` (the 200-cell subset of the fixed 1,000-sample of the 9,445
  fully-effective cells; ``benchmarks/evaluation.py`` draws both).
* FLOPs, jacov, VKDNW and ℵ: the per-architecture scores in ``results/nb201_scores_cifar10.csv`` (written by
  ``benchmarks/evaluation.py``; the scoring refactor of issue 9 keeps them bit-identical, a golden test checks).
* AZ-NAS expressivity and trainability: computed here through :func:`canopy.scoring.make_items` and the durable
  store (``--store``, default ``out/evaluation.sqlite``, the key ``benchmarks/evaluation.py`` uses), so a killed
  run resumes; registry defaults (Kaiming-normal fan-in re-initialisation, seeded Gaussian batch 64 × 3 × 32 × 32,
  train mode), proxy seed 0.  The per-architecture values are written to ``results/nb201_az_nas_cifar10.csv``.
* Ground truth: NATS-Bench tss seed-mean CIFAR-10 test accuracy after 200 epochs. Metrics: Kendall τ-b,
  Spearman ρ, nDCG@21 (the published nDCG@1000 over 9,445 looks at the same fraction), 95 % bootstrap CIs
  (1,000 resamples).  One proxy seed; the paper averages 5.

Usage::

    python benchmarks/vkdnw_agg.py                      # compute what is missing (about 5 s CPU per cell), table
    python benchmarks/vkdnw_agg.py --from-results       # table from results/*.csv only
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "results"
SUBSET_FILE = RESULTS / "nb201_sample200.txt"
SAMPLE_FILE = RESULTS / "nb201_sample1000.txt"
#: the other 800 cells of the 1,000-sample (``--sample 1000``): every component computed here
EXTRA_FILE = RESULTS / "nb201_vkdnw_agg_extra800_cifar10.csv"
EXTRA_COLUMNS = {"vkdnw": "vkdnw", "jacov": "jacov", "az_expressivity": "az_expressivity",
                 "az_trainability": "az_trainability"}
SCORES_FILE = RESULTS / "nb201_scores_cifar10.csv"
AZ_FILE = RESULTS / "nb201_az_nas_cifar10.csv"
AZ_COLUMNS = {"az_expressivity": "az_expressivity", "az_trainability": "az_trainability"}
#: VKDNW Table 1, CIFAR-10 (tau, rho, nDCG@1000), vkdnw.md §12.1
PUBLISHED = {"VKDNW_single": (0.618, 0.815, 0.751), "VKDNW_agg": (0.750, 0.919, 0.785)}


def _archs(path: Path = SUBSET_FILE) -> list[str]:
    return [s for s in (line.strip() for line in path.read_text().splitlines()) if s and not s.startswith("#")]


def _fill_and_export(archs: list[str], columns: dict[str, str], out: Path, store_path: str, budget: float,
                     workers: int = 0, chunk: int = 10) -> None:
    """Compute the proxies ``columns`` (CSV column -> proxy) of ``archs`` into the resumable store, in chunks
    within ``budget`` seconds, then write them (and VKDNW's ℵ) to ``out`` from the store."""
    import json

    import pandas as pd

    from canopy.evaluation import run_items
    from canopy.scoring import as_float, make_items
    from canopy.store import ResultStore

    deadline = time.monotonic() + budget if budget else math.inf
    Path(store_path).parent.mkdir(parents=True, exist_ok=True)
    with ResultStore(store_path) as store:
        for proxy in columns.values():
            items = make_items("nb201", archs, [proxy], dataset="cifar10", seed=0)
            for start in range(0, len(items), chunk):
                if time.monotonic() > deadline:
                    print("# time budget spent; rerun the same command to resume", file=sys.stderr)
                    break
                t0, c0 = time.perf_counter(), time.process_time()
                stats = run_items(items[start:start + chunk], store, workers=workers, progress=False)
                if stats.computed:
                    print(f"# {proxy} [{start}:{start + chunk}]: {stats.computed} computed in "
                          f"{time.perf_counter() - t0:.1f} s wall, {time.process_time() - c0:.1f} s CPU here",
                          file=sys.stderr)
        frame = pd.DataFrame({"arch": archs})
        for column, proxy in columns.items():
            item = make_items("nb201", archs[:1], [proxy], dataset="cifar10", seed=0)[0]
            got = {r.key.arch: r for r in store.iter_results(space="nb201", proxy=proxy,
                                                             settings=json.loads(item.settings), seed=item.seed)}
            frame[column] = [as_float(got[a].value) if a in got else math.nan for a in archs]
            if proxy == "vkdnw":
                frame["vkdnw_aleph"] = [float(got[a].value["aleph"]) if a in got else math.nan for a in archs]
    frame.to_csv(out, index=False, float_format="%.10g")
    print(f"# wrote {out.relative_to(REPO)}", file=sys.stderr)


def compute(archs: list[str], store_path: str, budget: float) -> None:
    """The AZ-NAS components of the 200-subset ``archs`` (resumable), written to :data:`AZ_FILE`."""
    _fill_and_export(archs, AZ_COLUMNS, AZ_FILE, store_path, budget)


def compute_extra(store_path: str, workers: int, budget: float) -> None:
    """All components of the 800 sample cells outside the 200-subset (resumable), written to :data:`EXTRA_FILE`."""
    subset = set(_archs())
    archs = [a for a in _archs(SAMPLE_FILE) if a not in subset]
    _fill_and_export(archs, EXTRA_COLUMNS, EXTRA_FILE, store_path, budget, workers=workers, chunk=40)


def components(sample: int = 200):
    """The stored VKDNW_agg components (and FLOPs) of the 200-cell subset or the whole 1,000-cell sample.

    A ``pandas.DataFrame`` indexed by arch: the 200-subset from ``SCORES_FILE`` / ``AZ_FILE``; with
    ``sample=1000`` the other 800 cells from ``EXTRA_FILE`` (FLOPs: the closed form of ``SCORES_FILE``).
    """
    import pandas as pd

    archs = _archs()
    scores = pd.read_csv(SCORES_FILE).set_index("arch")
    frame = scores.loc[archs].join(pd.read_csv(AZ_FILE).set_index("arch").loc[archs])
    if sample == 1000:
        extra = pd.read_csv(EXTRA_FILE).set_index("arch")
        extra["flops"] = scores.loc[extra.index, "flops"]
        frame = pd.concat([frame[extra.columns.tolist()], extra])
    return frame


def table(data_dir: Path, n_boot: int, sample: int = 200) -> list[dict]:
    import numpy as np

    from canopy.benchmarks import NB201Table
    from canopy.evaluation import correlate_scores
    from canopy.proxies.vkdnw import vkdnw_agg, vkdnw_single
    from canopy.spaces.nb201 import NB201Cell

    frame = components(sample)
    ok = frame[["vkdnw", "vkdnw_aleph", "flops", "jacov", "az_expressivity", "az_trainability"]].notna().all(axis=1)
    if not ok.all():
        print(f"# {int((~ok).sum())} of {len(frame)} cells lack a component; the table uses the other "
              f"{int(ok.sum())}", file=sys.stderr)
    frame = frame[ok]
    nb = NB201Table.load(data_dir)
    acc = np.array([nb.accuracy(NB201Cell.from_string(a), dataset="cifar10") for a in frame.index])
    pairs = list(zip(frame["vkdnw_aleph"], frame["vkdnw"]))
    comp = {c: frame[c].to_numpy(dtype=float) for c in ("flops", "az_expressivity", "az_trainability", "jacov")}
    columns = {
        "az_expressivity": comp["az_expressivity"],
        "az_trainability": comp["az_trainability"],
        "VKDNW_single": vkdnw_single(pairs, log=True),
        "VKDNW_agg (FLOPs + jacov only, the former partial)": vkdnw_agg(pairs, flops=comp["flops"],
                                                                       jacov=comp["jacov"]),
        "VKDNW_agg": vkdnw_agg(pairs, flops=comp["flops"], expressivity=comp["az_expressivity"],
                               trainability=comp["az_trainability"], jacov=comp["jacov"]),
    }
    k = round(1000 * len(frame) / 9445)
    rows = []
    for name, values in columns.items():
        corr = correlate_scores(acc, values, proxy=name, dataset="cifar10", subset=f"sample{sample} (n={len(frame)})",
                                seed=0, n_boot=n_boot, ndcg_k=k)
        row = {"proxy": name, "n": len(frame), "ndcg_k": k}
        for m in ("tau", "rho", "ndcg"):
            row[m], row[f"{m}_lo"], row[f"{m}_hi"] = corr[m]["value"], corr[m]["ci_low"], corr[m]["ci_high"]
        pub = PUBLISHED.get(name)
        row["published"] = "" if pub is None else f"{pub[0]:.3f} / {pub[1]:.3f} / {pub[2]:.3f}"
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="VKDNW_agg as published, NB201 200-cell subset, CIFAR-10")
    parser.add_argument("--data", default=None, help="benchmark data folder ($CANOPY_DATA_DIR)")
    parser.add_argument("--store", default=str(REPO / "out" / "evaluation.sqlite"))
    parser.add_argument("--from-results", action="store_true", help="table from results/*.csv only")
    parser.add_argument("--time-budget", type=float, default=0, help="stop computing after S seconds")
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--sample", type=int, choices=[200, 1000], default=200,
                        help="200: the subset; 1000: the whole fixed sample (computes the other 800 cells)")
    parser.add_argument("--workers", type=int, default=0, help="worker processes for --sample 1000")
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from canopy.benchmarks import resolve_data_dir

    default_data = REPO.parent / "shared" / "data"
    data_dir = resolve_data_dir(args.data or (None if os.environ.get("CANOPY_DATA_DIR") or not default_data.is_dir()
                                              else default_data))
    if not args.from_results:
        import torch

        torch.set_num_threads(1)
        compute(_archs(), args.store, args.time_budget)
        if args.sample == 1000:
            compute_extra(args.store, args.workers, args.time_budget)
    rows = table(data_dir, args.bootstrap, args.sample)
    print("| proxy | n | τ [95 % CI] | ρ [95 % CI] | nDCG@k [95 % CI] | published τ / ρ / nDCG@1000 (9,445, 5 seeds) |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        cells = [f"{r[m]:.3f} [{r[f'{m}_lo']:.3f}, {r[f'{m}_hi']:.3f}]" for m in ("tau", "rho", "ndcg")]
        print(f"| {r['proxy']} | {r['n']} | " + " | ".join(cells) + f" | {r['published']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
