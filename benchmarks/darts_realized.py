"""Realized-region proxy on DARTS: 500 NB301 genotypes, rank agreement with the NAS-Bench-301 **surrogate**.

Ground truth
------------
``nb301_darts/naslib_zc_nasbench301_subset.json`` (:class:`canopy.benchmarks.nb301.NB301SurrogateTable`): 500
genotypes with NAS-Bench-301 **surrogate-predicted** CIFAR-10 validation accuracy. There are no trained DARTS
accuracies here: every rho below is agreement with the surrogate model, not with training.

Protocol
--------
* Architectures: the 500 genotypes in file order (``--n`` takes the first ``n``).
* Networks: :func:`canopy.spaces.darts_torch.build_darts_network` with the repo's defaults for model-based DARTS
  proxies (``C=16, layers=8``, 10 classes; as :meth:`canopy.search.spaces.DartsSpace.build_model`), built under
  ``torch.manual_seed(seed)``; one torch thread.
* Score: :func:`canopy.proxies.realized_regions.realized_region_counts` with the proxy's **default settings**
  (8 segments of ``length = 0.005``, 3x4x4 inputs, ``bn="calibrate"``, mean log count; the registry's
  ``realized_regions`` settings).
* Choice of settings (cost only, fixed before any correlation with the surrogate was computed): a pilot on 10
  genotypes (``numpy.random.default_rng(0).choice(500, 10, replace=False)``) took a median 0.94 s CPU per
  network with the defaults (0.32 to 1.39 s, 276 to 1,491 regions over the 8 segments), under the ~4 s target
  that lets 500 networks run in ~35 min of one core. Cheaper settings (fewer segments, shorter segments, a
  smaller network) were therefore not needed, and the defaults keep the score the same one as on NB201.
* Cost: ``time.process_time()`` of the proxy call alone (network construction excluded). The full run
  (2026-12-06, 2 shared cores) took a median 1.01 s CPU per network, at most 2.66 s, 527 s for the 500.
* Size baselines: NAS-Bench-Suite-Zero's stored ``params`` / ``flops`` columns of the same file (what
  ``benchmarks/structure_scores.py`` reports), and :func:`canopy.proxies.params_flops.num_params` /
  :func:`~canopy.proxies.params_flops.flops` (32x32 input) of the scored ``C=16, layers=8`` network.
* Aggregates (over the scored population, :func:`canopy.metrics.log_rank_sum`):
  ``realized_agg = log R(realized_regions) + log R(FLOPs)`` and ``log R(realized_regions) + log R(#params)``,
  with the stored (NAS-Bench-Suite-Zero) FLOPs / #params.
* Statistics: Spearman rho against the surrogate with a 1,000-resample percentile bootstrap 95 % CI
  (:func:`canopy.metrics.bootstrap_ci`, seed 0), and a paired bootstrap (the same 1,000 resamples) of the
  difference rho(score) - rho(#params).

Output: one CSV row per genotype (``arch`` in the file's encoding -- the JSON key, quoted --, ``score``,
``pieces``, ``uncertain``, ``cpu_s``), appended and flushed as it goes (``--resume`` keeps the rows already there
and tolerates a truncated last line).

Usage::

    CANOPY_DATA_DIR=/work/shared/data python benchmarks/darts_realized.py --resume
    CANOPY_DATA_DIR=/work/shared/data python benchmarks/darts_realized.py --n 10 --out /tmp/pilot.csv
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from realized_regions import append_row, open_table  # noqa: E402  (benchmarks/realized_regions.py)

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "results" / "nb301_realized_regions.csv"


def load_archs(data_dir) -> tuple[list[str], list, Any]:
    """``(file keys, genotypes, table)`` of the 500 surrogate-labelled genotypes, in file order."""
    from canopy.benchmarks import resolve_data_dir
    from canopy.benchmarks._files import data_file
    from canopy.benchmarks.nb301 import SUBSET_FILE, NB301SurrogateTable
    from canopy.spaces.darts import Genotype

    data_dir = resolve_data_dir(data_dir)
    table = NB301SurrogateTable.load(data_dir)
    with open(data_file(data_dir, SUBSET_FILE), encoding="utf-8") as fh:
        keys = list(json.load(fh)["nasbench301"]["cifar10"])
    genos = table.genotypes()
    if len(keys) != len(genos) or any(Genotype.from_compact(k) != g for k, g in zip(keys, genos)):
        raise SystemExit(f"error: {SUBSET_FILE}: keys and genotypes are not aligned")
    return keys, genos, table


def build(genotype, seed: int):
    """The scored network (protocol above)."""
    import torch

    from canopy.spaces.darts_torch import build_darts_network

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build_darts_network(genotype, C=16, layers=8, num_classes=10)


def score_arch(key: str, genotype, seed: int = 0, **settings) -> tuple:
    """``(quoted key, score, pieces, uncertain, proxy CPU s, construction CPU s)`` of one genotype."""
    from canopy.proxies.realized_regions import realized_region_counts

    t0 = time.process_time()
    net = build(genotype, seed)
    t1 = time.process_time()
    res = realized_region_counts(net, seed=seed, **settings)
    t2 = time.process_time()
    return f'"{key}"', res.score, int(res.pieces.sum()), int(res.uncertain.sum()), t2 - t1, t1 - t0


def paired_diff_ci(a, b, y, *, n_boot: int = 1000, seed: int = 0) -> tuple[float, float, float]:
    """``(rho(a, y) - rho(b, y), 2.5 %, 97.5 %)`` over ``n_boot`` paired resamples of the architectures."""
    import numpy as np

    from canopy.metrics import spearman_rho

    a, b, y = (np.asarray(v, dtype=float) for v in (a, b, y))
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(n_boot):
        i = rng.integers(0, len(y), len(y))
        diffs.append(spearman_rho(a[i], y[i]) - spearman_rho(b[i], y[i]))
    lo, hi = np.nanpercentile(diffs, [2.5, 97.5])  # a degenerate resample (tiny --n) gives nan
    return spearman_rho(a, y) - spearman_rho(b, y), float(lo), float(hi)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=None, help="score only the first n genotypes (default: all 500)")
    ap.add_argument("--out", default=str(DEFAULT_OUT), help="CSV of per-genotype results (default: %(default)s)")
    ap.add_argument("--resume", action="store_true", help="keep the rows already in --out, score the others")
    ap.add_argument("--data", default=None, help="benchmark data folder (default: $CANOPY_DATA_DIR)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n-boot", type=int, default=1000)
    args = ap.parse_args(argv)
    if args.n is not None and args.n < 3:
        ap.error("--n must be at least 3")

    import numpy as np
    import torch

    from canopy.metrics import bootstrap_ci, log_rank_sum, spearman_rho
    from canopy.proxies.params_flops import flops, num_params

    torch.set_num_threads(1)
    keys, genos, table = load_archs(args.data)
    n = len(keys) if args.n is None else min(args.n, len(keys))
    settings = dict(num_segments=8, input_shape=(3, 4, 4), length=0.005, aggregate="mean_log", bn="calibrate",
                    init="none")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    done, fh = open_table(out, args.resume)
    rows, spent, new = [], 0.0, 0
    start = time.time()
    try:
        for i in range(n):
            q = f'"{keys[i]}"'
            if q in done:
                rows.append(done[q])
                continue
            rows.append(score_arch(keys[i], genos[i], args.seed, **settings))
            append_row(fh, rows[-1])
            spent += rows[-1][4]
            new += 1
            if new % 10 == 0:
                print(f"# {i + 1}/{n} genotypes ({new} scored now), proxy {spent:.0f} s CPU, "
                      f"{time.time() - start:.0f} s wall", file=sys.stderr, flush=True)
    finally:
        fh.close()

    times = [r[4] for r in rows]
    print(f"settings: {settings}, network C=16 layers=8, seed {args.seed}, torch threads 1")
    print(f"genotypes: {len(rows)} of {len(keys)} ({len(rows) - new} read back from {out})")
    print(f"proxy CPU s per net: median {statistics.median(times):.2f}, mean {statistics.fmean(times):.2f}, "
          f"max {max(times):.2f}, total {sum(times):.0f}")
    print(f"pieces per net: median {statistics.median(r[2] for r in rows)}, max {max(r[2] for r in rows)}; "
          f"uncertain breakpoints: total {sum(r[3] for r in rows)} in {sum(1 for r in rows if r[3])} nets")

    y = table.surrogate_accuracies()[:n]
    realized = np.array([r[1] for r in rows])
    p_nb = table.proxy_scores("params")[:n]
    f_nb = table.proxy_scores("flops")[:n]
    t0 = time.process_time()
    own = [build(g, args.seed) for g in genos[:n]]
    p_own = np.array([num_params(m) for m in own])
    f_own = np.array([flops(m, input_shape=(3, 32, 32)) for m in own])
    print(f"own #params / FLOPs of the C=16 layers=8 networks: {time.process_time() - t0:.0f} s CPU; "
          f"Spearman rho with the stored columns {spearman_rho(p_own, p_nb):.3f} / {spearman_rho(f_own, f_nb):.3f}")
    scores = {
        "realized_regions": realized,
        "#params (NAS-Bench-Suite-Zero)": p_nb,
        "FLOPs (NAS-Bench-Suite-Zero)": f_nb,
        "#params (C=16, layers=8)": p_own,
        "FLOPs (C=16, layers=8, 32x32)": f_own,
        "realized_agg = log R(realized) + log R(FLOPs)": log_rank_sum({"r": realized, "f": f_nb}),
        "log R(realized) + log R(#params)": log_rank_sum({"r": realized, "p": p_nb}),
    }
    print(f"\nSpearman rho vs the NAS-Bench-301 SURROGATE (not training), n = {n}, "
          f"{args.n_boot}-resample bootstrap 95 % CI:")
    print("| score | rho [95 % CI] | rho - rho(#params) [paired 95 % CI] |")
    print("|---|---|---|")
    base = scores["#params (NAS-Bench-Suite-Zero)"]
    for name, vals in scores.items():
        ci = bootstrap_ci("spearman", vals, y, n_boot=args.n_boot, seed=0)
        d, lo, hi = paired_diff_ci(vals, base, y, n_boot=args.n_boot, seed=0)
        print(f"| {name} | {ci.estimate:.3f} [{ci.low:.3f}, {ci.high:.3f}] | {d:+.3f} [{lo:+.3f}, {hi:+.3f}] |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
