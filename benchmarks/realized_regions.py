"""Realized-region proxy on NB201: CPU time per network and rank correlation with CIFAR-10 accuracy.

Protocol
--------
* Architectures: the fixed 1,000-cell sample ``results/nb201_sample1000.txt`` of ``benchmarks/evaluation.py``
  (uniform over the 9,445 fully-effective cells), visited in a fixed order: its 200-cell subset
  ``results/nb201_sample200.txt`` first, then the other 800 in ``numpy.random.default_rng(0)`` order, so a run
  stopped by ``--time-budget`` or ``--n`` covers a uniform subset (the report says how many).
* Networks: ``build_nb201_network(cell, 10)`` under ``torch.manual_seed(seed)`` (as ``canopy.scoring.score``
  builds them), one torch thread.
* Score: :func:`canopy.proxies.realized_regions.realized_region_counts` with the given settings (defaults: the
  proxy's: 8 segments of length 0.005, 4x4 inputs, calibrated batch norm, mean log count; ``--slicing plane``:
  8 parallelograms of side ``--length`` instead).
* Cost: ``time.process_time()`` of the proxy call alone (network construction excluded and reported apart).
* Ground truth: NATS-Bench tss seed-mean CIFAR-10 test accuracy after 200 epochs
  (``nb201/nats_bench_tss_test_acc_200ep.csv`` under ``CANOPY_DATA_DIR``); Spearman rho / Kendall tau-b of the
  score and, on the same cells in the same run, of #params (``NB201Cell.num_params(num_classes=10)``) and of
  an exploratory rank sum of the two; CIFAR-100 / ImageNet16-120 rho as well (the score is computed once: the
  activation regions do not depend on the number of classes; the accuracies are x-test, 200 epochs).

Usage::

    CANOPY_DATA_DIR=/work/shared/data python benchmarks/realized_regions.py --n 200
    python benchmarks/realized_regions.py --n 20 --no-accuracy       # timing only
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SAMPLE_FILE = REPO / "results" / "nb201_sample1000.txt"
SUBSET_FILE = REPO / "results" / "nb201_sample200.txt"


def _read(path: Path) -> list[str]:
    return [ln.strip() for ln in path.read_text().splitlines() if ln.strip() and not ln.startswith("#")]


def arch_order() -> list[str]:
    """The 1,000-cell sample in the benchmark's fixed visiting order (200-subset first)."""
    import numpy as np

    sample, subset = _read(SAMPLE_FILE), _read(SUBSET_FILE)
    chosen = set(subset)
    rest = [a for a in sample if a not in chosen]
    perm = np.random.default_rng(0).permutation(len(rest))
    return subset + [rest[i] for i in perm]


HEADER = "arch,score,pieces,uncertain,cpu_s\n"


def open_table(path: Path, resume: bool) -> tuple[dict[str, tuple], Any]:
    """``(rows already in the table, file handle to append to)``; a row cut by an interrupted write is dropped.

    Without ``resume`` (or without the file) the table starts afresh with its header.
    """
    done: dict[str, tuple] = {}
    if resume and path.is_file():
        text = path.read_text()
        if text and not text.endswith("\n"):  # a row cut by an interrupted write: drop it
            text = text[: text.rfind("\n") + 1]
            path.write_text(text)
        for ln in text.splitlines()[1:]:
            parts = ln.rsplit(",", 4)
            if len(parts) == 5:
                done[parts[0]] = (parts[0], float(parts[1]), int(parts[2]), int(parts[3]), float(parts[4]), 0.0)
        return done, path.open("a")
    fh = path.open("w")
    fh.write(HEADER)
    return done, fh


def append_row(fh: Any, row: tuple) -> None:
    """Write one :func:`score_cell` row and flush it (an interrupted run loses at most this row)."""
    a, sc, pc, un, t, _ = row
    fh.write(f"{a},{sc!r},{pc},{un},{t:.4f}\n")
    fh.flush()


def score_cell(arch: str, seed: int = 0, **settings) -> tuple:
    """``(arch, score, pieces, uncertain, proxy CPU s, construction CPU s)`` of one NB201 cell (the protocol above)."""
    import torch

    from canopy.errors import ProxySettingsError
    from canopy.proxies.realized_regions import realized_region_counts
    from canopy.spaces.nb201_torch import build_nb201_network

    t0 = time.process_time()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = build_nb201_network(arch, num_classes=10)
    t1 = time.process_time()
    try:
        res = realized_region_counts(net, seed=seed, **settings)
    except ProxySettingsError as exc:
        if "max_pieces" not in str(exc):
            raise
        # over the budget: more than max_pieces regions in all (score +inf, pieces -1; ranked above every other)
        return arch, math.inf, -1, 0, time.process_time() - t1, t1 - t0
    t2 = time.process_time()
    return arch, res.score, int(res.pieces.sum()), int(res.uncertain.sum()), t2 - t1, t1 - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=None, help="number of cells (default: all of --space)")
    ap.add_argument("--space", choices=("sample", "all"), default="sample",
                    help="'sample': the fixed 1,000-cell sample; 'all': all 15,625 NB201 cells "
                         "(the 9,445 fully-effective cells first, each group in canopy.spaces.nb201.all_cells() "
                         "order; ~45 min CPU, use --out with --resume)")
    ap.add_argument("--resume", action="store_true",
                    help="keep the rows already in --out and score only the missing cells (rows are appended "
                         "and flushed one by one, so an interrupted run loses at most one cell)")
    ap.add_argument("--time-budget", type=float, default=None, help="stop after this many CPU seconds")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--num-segments", type=int, default=8)
    ap.add_argument("--resolution", type=int, default=4)
    ap.add_argument("--length", type=float, default=0.005)
    ap.add_argument("--max-pieces", type=int, default=200_000,
                    help="a cell with more regions than this in all is recorded as over the budget (score inf, "
                         "pieces -1) and ranked above every other cell")
    ap.add_argument("--slicing", choices=("segment", "plane"), default="segment",
                    help="count along segments (the proxy's default) or on 2-D planes (parallelograms; "
                         "--num-segments of them, side --length)")
    ap.add_argument("--aggregate", default="mean_log")
    ap.add_argument("--bn", default="calibrate", help="calibrate or eval")
    ap.add_argument("--init", default="none")
    ap.add_argument("--no-accuracy", action="store_true", help="timing only")
    ap.add_argument("--out", default=None, help="CSV of per-cell results")
    args = ap.parse_args(argv)

    import numpy as np
    import torch

    from canopy.spaces.nb201 import NB201Cell

    torch.set_num_threads(1)
    if args.space == "all":
        from canopy.spaces.nb201 import all_cells

        cells = all_cells()  # the 9,445 fully-effective cells first, so a partial run covers them first
        archs = [c.to_string() for c in cells if c.is_fully_effective] + \
            [c.to_string() for c in cells if not c.is_fully_effective]
    else:
        archs = arch_order()
    archs = archs[: args.n] if args.n is not None else archs
    if args.resume and not args.out:
        ap.error("--resume needs --out")
    done: dict[str, tuple] = {}
    out_fh = None
    if args.out:
        done, out_fh = open_table(Path(args.out), args.resume)
    settings = dict(num_segments=args.num_segments, input_shape=(3, args.resolution, args.resolution),
                    length=args.length, aggregate=args.aggregate, bn=args.bn, init=args.init, slicing=args.slicing,
                    max_pieces=args.max_pieces)
    rows = []
    spent = 0.0
    for i, arch in enumerate(archs):
        if arch in done:
            rows.append(done[arch])
            continue
        rows.append(score_cell(arch, args.seed, **settings))
        spent += rows[-1][4] + rows[-1][5]
        if out_fh is not None:
            append_row(out_fh, rows[-1])
        if (i + 1) % 50 == 0:
            print(f"# {i + 1} cells, {spent:.0f} s CPU", file=sys.stderr, flush=True)
        if args.time_budget and spent > args.time_budget:
            print(f"# CPU budget spent after {i + 1} cells", file=sys.stderr)
            break
    if out_fh is not None:
        out_fh.close()
    times = [r[4] for r in rows]
    print(f"settings: {settings}, seed {args.seed}, torch threads 1")
    what = "all 15,625 NB201 cells" if args.space == "all" else "the fixed 1,000-cell sample (200-subset first)"
    print(f"cells scored: {len(rows)} of {what} ({len(done)} read back from --out)")
    print(f"proxy CPU s per net: median {statistics.median(times):.3f}, mean {statistics.fmean(times):.3f}, "
          f"max {max(times):.3f}, share <= 1 s {np.mean(np.array(times) <= 1.0):.3f} "
          f"(construction: median {statistics.median(r[5] for r in rows):.3f})")
    counted = [r[2] for r in rows if r[2] >= 0]
    print(f"pieces per net: median {statistics.median(counted)}, max {max(counted)}; "
          f"uncertain breakpoints: total {sum(r[3] for r in rows)} in {sum(1 for r in rows if r[3])} nets; "
          f"over max_pieces={args.max_pieces}: {len(rows) - len(counted)} nets (ranked first)")
    if args.no_accuracy or len(rows) < 3:
        return 0
    from scipy.stats import rankdata

    from canopy.benchmarks import NB201Table, resolve_data_dir
    from canopy.metrics import kendall_tau, spearman_rho

    table = NB201Table.load(resolve_data_dir())
    cells = [NB201Cell.from_string(r[0]) for r in rows]
    acc = np.array([table.accuracy(c, dataset="cifar10") for c in cells])
    score = np.array([r[1] for r in rows])
    finite = score[np.isfinite(score)]
    score = np.where(np.isfinite(score), score, (finite.max() if finite.size else 0.0) + 1.0)  # over budget: first
    params = np.array([c.num_params(num_classes=10) for c in cells], dtype=float)
    print(f"CIFAR-10 test acc (200 ep, seed mean), n = {len(rows)}:")
    print(f"  realized_regions  rho {spearman_rho(score, acc):.3f}  tau {kendall_tau(score, acc):.3f}")
    print(f"  #params           rho {spearman_rho(params, acc):.3f}  tau {kendall_tau(params, acc):.3f}")
    print(f"  rho(realized_regions, #params) = {spearman_rho(score, params):.3f}")
    # an aggregate for issue 11 item 3 (not a shipped proxy): sum of the ranks of the score and #params
    agg = rankdata(score) + rankdata(params)
    print(f"  rank sum (realized_regions + #params, exploratory)  rho {spearman_rho(agg, acc):.3f}  "
          f"tau {kendall_tau(agg, acc):.3f}")
    for dataset in ("cifar100", "ImageNet16-120"):  # the regions do not depend on the classifier's width
        acc_d = np.array([table.accuracy(c, dataset=dataset) for c in cells])
        print(f"{dataset} (200 ep, seed mean): rho realized_regions {spearman_rho(score, acc_d):.3f}, "
              f"#params {spearman_rho(params, acc_d):.3f}, rank sum {spearman_rho(agg, acc_d):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
