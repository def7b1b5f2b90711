"""Structure-aware scores on cell spaces: the rank-only calculus against the receptive-field line bound.

Issue 11's evidence, measured in one run:

1. **All 15,625 NB201 cells** (CIFAR-10 / CIFAR-100 / ImageNet16-120 test accuracy, 200 epochs, seed mean,
   ``nb201/nats_bench_tss_test_acc_200ep.csv``): for ``tropical_expressivity_score`` modes ``generic``
   (rank-only calculus, the old score) and ``local`` (the receptive-field line bound, ``proofs/local.md``) --
   distinct values, Spearman rho / Kendall tau, CPU seconds for the whole space; #params (every op, the NB201
   convention) and effective-op #params as the baselines.  The 9,445 fully-effective cells separately.
2. **The fixed 1,000-cell sample** (``results/nb201_sample1000.txt``, uniform over the fully-effective cells):
   the realized-region proxy (``results/nb201_realized_regions_cifar10.csv``, written by
   ``benchmarks/realized_regions.py --out``) and documented log-rank aggregates (the VKDNW_agg / AZ-NAS
   recipe: sum of ``log R(component)``, R the average rank ascending) with and without the tropical
   components, against VKDNW_agg (components from the stored CSVs of ``benchmarks/vkdnw_agg.py``).
3. **All 9,445 fully-effective cells**: ``realized_agg`` ranked over them, from the realized-region table
   ``results/nb201_realized_regions_table.csv`` (``benchmarks/realized_regions.py --space all --n 9445``).
4. **DARTS** (500 architectures with NAS-Bench-301 *surrogate* predictions -- agreement with the surrogate, not
   with training): ``generic`` and ``local`` against #params (``nb301_darts/naslib_zc_nasbench301_subset.json``).

Usage::

    CANOPY_DATA_DIR=../shared/data python benchmarks/structure_scores.py [--quick] [--skip-darts]

``--quick`` scores a 2,000-cell uniform subset of NB201 instead of all 15,625 (the time is then extrapolated and
labelled so).  Timings are ``time.process_time()`` of one process; ratios within one run are what count.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "results"
SAMPLE_FILE = RESULTS / "nb201_sample1000.txt"
REALIZED_FILE = RESULTS / "nb201_realized_regions_cifar10.csv"
TABLE_FILE = RESULTS / "nb201_realized_regions_table.csv"
DATASETS = {"cifar10": "CIFAR10TestAccuracy200Epochs", "cifar100": "CIFAR100TestAccuracy200Epochs",
            "ImageNet16-120": "ImageNetTestAccuracy200Epochs"}


def _data_dir(arg: str | None) -> Path:
    d = arg or os.environ.get("CANOPY_DATA_DIR")
    if not d:
        sys.exit("error: pass --data DIR or set CANOPY_DATA_DIR (the benchmark ground truth folder)")
    p = Path(d)
    if not (p / "nb201" / "nats_bench_tss_test_acc_200ep.csv").is_file():
        sys.exit(f"error: {p} has no nb201/nats_bench_tss_test_acc_200ep.csv")
    return p


def _corr(x, y) -> tuple[float, float]:
    from scipy.stats import kendalltau, spearmanr

    return float(spearmanr(x, y)[0]), float(kendalltau(x, y)[0])


def nb201_space(data: Path, quick: bool) -> None:
    import numpy as np
    import pandas as pd

    from canopy.nas.cells import nb201_cell_result, nb201_cell_score
    from canopy.spaces.nb201 import NB201Cell

    acc = pd.read_csv(data / "nb201" / "nats_bench_tss_test_acc_200ep.csv")
    archs = acc["ArchitectureString"].tolist()
    idx = np.arange(len(archs))
    if quick:
        idx = np.sort(np.random.default_rng(0).choice(len(archs), 2000, replace=False))
    cells = [NB201Cell.from_string(archs[i]) for i in idx]
    scores: dict[str, list[float]] = {}
    cpu: dict[str, float] = {}
    for mode in ("generic", "local"):  # each mode's caches start cold: nothing is shared between them
        t = time.process_time()
        scores[mode] = [nb201_cell_score(c, mode) for c in cells]
        cpu[mode] = time.process_time() - t
    # the baseline of mode "local": the calculus walker it ran before its fast path (canopy.nas._local_fast),
    # timed on a uniform 200-cell subset and extrapolated; it must give the same floats bit for bit
    sub = np.random.default_rng(1).choice(len(cells), 200, replace=False)
    t = time.process_time()
    walker = [nb201_cell_result(cells[i], "local").log10 for i in sub]
    walker_s = (time.process_time() - t) * len(archs) / len(sub)
    if any(w != scores["local"][i] for w, i in zip(walker, sub)):
        sys.exit("error: the local fast path differs from the walker")
    effective = np.array([c.is_fully_effective for c in cells])
    label = "all 15,625 cells" if not quick else f"{len(cells)}-cell uniform subset (--quick)"
    print(f"\n## NB201, {label}")
    scale = len(archs) / len(cells)
    for mode in scores:
        extra = "" if not quick else f" (whole space extrapolated: {cpu[mode] * scale:.1f} s)"
        print(f"{mode:8s}: {len(set(np.round(scores[mode], 9)))} distinct values, {cpu[mode]:.2f} s CPU for "
              f"{len(cells)} cells{extra}")
    whole = {m: cpu[m] * scale for m in cpu}
    print(f"scoring all cells took {whole['generic']:.1f} s CPU for generic and {whole['local']:.1f} s CPU for local "
          f"(fast path; the walker: {walker_s:.0f} s, extrapolated from {len(sub)} cells with equal values, "
          f"{walker_s / whole['local']:.0f}x){'' if not quick else ' (extrapolated from --quick)'}")
    for subset, mask in ((label, np.ones(len(cells), bool)), ("fully-effective cells", effective)):
        print(f"\n| {subset} (n={int(mask.sum())}) | " + " | ".join(f"{d} rho / tau" for d in DATASETS) + " |")
        print("|---|" + "---|" * len(DATASETS))
        ncls = {"cifar10": 10, "cifar100": 100, "ImageNet16-120": 120}
        rows: dict[str, dict[str, tuple[float, float]]] = {}
        for d, col in DATASETS.items():
            y = acc[col].to_numpy()[idx][mask]
            for name, vals in (("tropical generic (rank-only)", np.array(scores["generic"])),
                               ("tropical local (receptive-field line bound)", np.array(scores["local"])),
                               ("#params", np.array([c.num_params(ncls[d]) for c in cells])),
                               ("effective-op #params", np.array([c.num_params(ncls[d], "effective") for c in cells]))):
                rows.setdefault(name, {})[d] = _corr(vals[mask], y)
        for name, r in rows.items():
            print(f"| {name} | " + " | ".join(f"{r[d][0]:.3f} / {r[d][1]:.3f}" for d in DATASETS) + " |")


def _log_rank(x):
    import numpy as np
    from scipy.stats import rankdata

    x = np.asarray(x, dtype=float)
    bad = ~np.isfinite(x)
    if bad.any():
        x = x.copy()
        x[bad] = np.nanmin(np.where(bad, np.nan, x))
    return np.log(rankdata(x, method="average"))


def sample_aggregates(data: Path, n_boot: int) -> None:
    import pandas as pd

    sys.path.insert(0, str(REPO / "benchmarks"))
    from vkdnw_agg import components

    from canopy.metrics import bootstrap_ci
    from canopy.nas.cells import nb201_cell_score
    from canopy.proxies.vkdnw import vkdnw_agg

    if not REALIZED_FILE.is_file():
        print(f"\n# {REALIZED_FILE.name} missing: run benchmarks/realized_regions.py --out {REALIZED_FILE}; "
              "skipping the 1,000-cell aggregates", file=sys.stderr)
        return
    frame = components(1000)
    frame["realized"] = pd.read_csv(REALIZED_FILE).set_index("arch").loc[frame.index, "score"]
    frame["local"] = [nb201_cell_score(a, "local") for a in frame.index]
    acc = pd.read_csv(data / "nb201" / "nats_bench_tss_test_acc_200ep.csv").set_index("ArchitectureString")
    pairs = list(zip(frame["vkdnw_aleph"], frame["vkdnw"]))
    base = vkdnw_agg(pairs, flops=frame["flops"].to_numpy(float), expressivity=frame["az_expressivity"].to_numpy(float),
                     trainability=frame["az_trainability"].to_numpy(float), jacov=frame["jacov"].to_numpy(float))
    L = {c: _log_rank(frame[c]) for c in ("realized", "local", "flops", "az_expressivity", "az_trainability")}
    columns = {
        "realized_regions": frame["realized"].to_numpy(float),
        "tropical local": frame["local"].to_numpy(float),
        "FLOPs (= #params ranks on NB201 CIFAR)": frame["flops"].to_numpy(float),
        "log R(realized) + log R(FLOPs)": L["realized"] + L["flops"],
        "log R(realized) + log R(local) + log R(FLOPs)": L["realized"] + L["local"] + L["flops"],
        "log R(realized) + log R(FLOPs) + log R(AZ expr.) + log R(AZ train.)":
            L["realized"] + L["flops"] + L["az_expressivity"] + L["az_trainability"],
        "VKDNW_agg": base,
        "VKDNW_agg + log R(realized)": base + L["realized"],
        "VKDNW_agg + log R(local)": base + L["local"],
    }
    print(f"\n## The fixed 1,000-cell sample (fully-effective cells), n={len(frame)}: Spearman rho [95% bootstrap CI]")
    print("| score | " + " | ".join(DATASETS) + " |")
    print("|---|" + "---|" * len(DATASETS))
    for name, vals in columns.items():
        cells_txt = []
        for col in DATASETS.values():
            y = acc.loc[frame.index, col].to_numpy()
            ci = bootstrap_ci("spearman", vals, y, n_boot=n_boot, seed=0)
            cells_txt.append(f"{ci.estimate:.3f} [{ci.low:.3f}, {ci.high:.3f}]")
        print(f"| {name} | " + " | ".join(cells_txt) + " |")


def fully_effective_aggregate(data: Path, n_boot: int) -> None:
    """``realized_agg`` over all 9,445 fully-effective cells, from ``TABLE_FILE`` (skipped if it lacks any)."""
    import numpy as np
    import pandas as pd

    sys.path.insert(0, str(REPO / "benchmarks"))
    from realized_regions import open_table

    from canopy.metrics import bootstrap_ci, log_rank_sum
    from canopy.spaces.nb201 import all_cells

    if not TABLE_FILE.is_file():
        print(f"\n# {TABLE_FILE.name} missing; skipping the fully-effective aggregate", file=sys.stderr)
        return
    done, fh = open_table(TABLE_FILE, resume=True)
    fh.close()
    cells = [c for c in all_cells() if c.is_fully_effective]
    missing = sum(c.to_string() not in done for c in cells)
    if missing:
        print(f"\n# {missing} fully-effective cells lack a realized score in {TABLE_FILE.name} (fill it with "
              "benchmarks/realized_regions.py --space all --n 9445 --resume); skipping", file=sys.stderr)
        return
    keys = [c.to_string() for c in cells]
    realized = np.array([done[k][1] for k in keys])
    acc = pd.read_csv(data / "nb201" / "nats_bench_tss_test_acc_200ep.csv").set_index("ArchitectureString")
    print(f"\n## All {len(cells)} fully-effective cells: Spearman rho [95% bootstrap CI, {n_boot} resamples]; "
          "realized_agg ranks over these cells")
    print("| score | " + " | ".join(DATASETS) + " |")
    print("|---|" + "---|" * len(DATASETS))
    classes = {"cifar10": (10, 32), "cifar100": (100, 32), "ImageNet16-120": (120, 16)}
    rows: dict[str, list[str]] = {}
    for d, col in DATASETS.items():
        y = acc.loc[keys, col].to_numpy()
        ncls, res = classes[d]
        flops = np.array([c.flops(num_classes=ncls, resolution=res) for c in cells], dtype=float)
        params = np.array([c.num_params(num_classes=ncls) for c in cells], dtype=float)
        for name, vals in (("realized_regions", realized), ("#params", params), ("FLOPs", flops),
                           ("realized_agg", log_rank_sum({"realized_regions": realized, "flops": flops}))):
            ci = bootstrap_ci("spearman", vals, y, n_boot=n_boot, seed=0)
            rows.setdefault(name, []).append(f"{ci.estimate:.3f} [{ci.low:.3f}, {ci.high:.3f}]")
    for name, cells_txt in rows.items():
        print(f"| {name} | " + " | ".join(cells_txt) + " |")


def darts(data: Path) -> None:
    import numpy as np

    from canopy.benchmarks.nb301 import NB301SurrogateTable
    from canopy.nas.cells import darts_cell_score

    table = NB301SurrogateTable.load(data)
    genos = table.genotypes()
    y = table.surrogate_accuracies()
    print(f"\n## DARTS: {len(genos)} architectures, NAS-Bench-301 SURROGATE predictions (not trained accuracies)")
    out = {}
    for mode in ("generic", "local"):
        t = time.process_time()
        vals = np.array([darts_cell_score(g, mode) for g in genos])
        out[mode] = (vals, time.process_time() - t)
    print("| score | rho / tau vs surrogate | distinct | CPU s |")
    print("|---|---|---|---|")
    for mode, (vals, sec) in out.items():
        rho, tau = _corr(vals, y)
        print(f"| tropical {mode} | {rho:.3f} / {tau:.3f} | {len(set(np.round(vals, 9)))} | {sec:.1f} |")
    if "params" in table.proxy_names:
        p = table.proxy_scores("params")
        rho, tau = _corr(p, y)
        print(f"| #params (NAS-Bench-Suite-Zero) | {rho:.3f} / {tau:.3f} | {len(set(p))} | - |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=None, help="benchmark data folder (default: $CANOPY_DATA_DIR)")
    ap.add_argument("--quick", action="store_true", help="2,000 NB201 cells instead of 15,625")
    ap.add_argument("--skip-darts", action="store_true")
    ap.add_argument("--n-boot", type=int, default=1000)
    args = ap.parse_args(argv)
    data = _data_dir(args.data)
    nb201_space(data, args.quick)
    sample_aggregates(data, args.n_boot)
    fully_effective_aggregate(data, args.n_boot)
    if not args.skip_darts:
        darts(data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
