"""Protocol reproduction on NAS-Bench-201: #params / FLOPs rank correlations under stated protocols.

Reproduces the [computed] baselines of the reference (proxies.md §7.5) from the closed-form cost of
:class:`canopy.spaces.nb201.NB201Cell` and the shared NATS ground truth (seed-mean 200-epoch test
accuracy), and checks each τ / ρ against its target to ±0.002:

* #params, every op counted (the NB201 API convention), all 15,625 cells;
* #params, effective ops only, all 15,625 cells;
* FLOPs on the 9,445 fully-effective cells (VKDNW Table 1's FLOPs row).

nDCG@1000 (relevance 2^acc − 1) is printed with both tie policies; it has no target here (#params
and FLOPs take only 28 distinct values, so nDCG depends on the tie policy — see the printout).

Usage::

    python benchmarks/protocol.py --data ../shared/data          # or CANOPY_DATA_DIR=...
    python benchmarks/protocol.py --quick                         # CIFAR-10 only
    python benchmarks/protocol.py --json out.json

Exit status 0 when every reproduced number is within tolerance, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

from canopy.benchmarks import resolve_data_dir
from canopy.benchmarks.nb201_table import NB201Table
from canopy.evaluation import NB201_DATASETS
from canopy.metrics import Protocol, correlate, ndcg, select_architectures
from canopy.scoring import DATASETS

TOLERANCE = 0.002
NUM_CLASSES = {d: DATASETS[d][0] for d in NB201_DATASETS}  # the one dataset table: canopy.scoring.DATASETS
RESOLUTION = {d: DATASETS[d][1] for d in NB201_DATASETS}

#: (name, proxy, counting, architecture set) -> {dataset: (tau, rho)}; proxies.md §7.5 [computed]
TARGETS = {
    ("params", "every_op", "all"): {
        "cifar10": (0.578, 0.753), "cifar100": (0.553, 0.728), "ImageNet16-120": (0.520, 0.691)},
    ("params", "effective", "all"): {
        "cifar10": (0.654, 0.822), "cifar100": (0.628, 0.797), "ImageNet16-120": (0.607, 0.776)},
    ("flops", "every_op", "fully-effective"): {
        "cifar10": (0.623, 0.799), "cifar100": (0.588, 0.764), "ImageNet16-120": (0.547, 0.718)},
}


def cost_scores(cells, proxy: str, counting: str, dataset: str) -> np.ndarray:
    """Closed-form #params or FLOPs of every cell for a dataset's head / input size."""
    if proxy == "params":
        return np.array([c.num_params(num_classes=NUM_CLASSES[dataset], counting=counting) for c in cells], float)
    return np.array([c.flops(num_classes=NUM_CLASSES[dataset], counting=counting, resolution=RESOLUTION[dataset])
                     for c in cells], float)


def run(data_dir, datasets, out=sys.stdout) -> tuple[bool, list[dict]]:
    t0 = time.perf_counter()
    table = NB201Table.load(data_dir)
    cells = table.cells()
    ok = True
    records = []
    for (proxy, counting, arch_set), targets in TARGETS.items():
        idx, set_desc = select_architectures(cells, arch_set)
        sub = [cells[i] for i in idx]
        for ds in datasets:
            acc = table.accuracies(ds, "test", 200)[idx]
            scores = cost_scores(sub, proxy, counting, ds)
            protocol = Protocol(
                ground_truth=table.describe(ds, "test", 200),
                architecture_set=set_desc,
                proxy=f"{proxy} (closed form, xautodl TinyNetwork C=16 N=5, {NUM_CLASSES[ds]}-class head"
                      + (f", {RESOLUTION[ds]}x{RESOLUTION[ds]} input" if proxy == "flops" else "") + ")",
                counting=counting,
                seed=None,
                notes="deterministic; no training-free inputs involved",
            )
            res = correlate(scores, acc, protocol)
            nd_avg = ndcg(acc, scores, k=1000, ties="average")
            tau_t, rho_t = targets[ds]
            d_tau, d_rho = res.kendall_tau - tau_t, res.spearman_rho - rho_t
            good = abs(d_tau) <= TOLERANCE and abs(d_rho) <= TOLERANCE
            ok &= good
            print("=" * 100, file=out)
            print(f"{proxy} / {counting} / {arch_set} / {ds}", file=out)
            print(res, file=out)
            print(f"  nDCG@1000 with ties='average': {nd_avg:.3f}", file=out)
            print(f"  target tau/rho = {tau_t:.3f}/{rho_t:.3f}; measured {res.kendall_tau:.4f}/{res.spearman_rho:.4f}"
                  f"; diff {d_tau:+.4f}/{d_rho:+.4f} -> {'OK' if good else 'MISMATCH'} (tolerance {TOLERANCE})",
                  file=out)
            records.append({
                "proxy": proxy, "counting": counting, "architecture_set": arch_set, "dataset": ds,
                "n": res.n, "kendall_tau": res.kendall_tau, "spearman_rho": res.spearman_rho,
                "ndcg_ignore": res.ndcg, "ndcg_average": nd_avg, "target_tau": tau_t, "target_rho": rho_t,
                "ok": good, "protocol": protocol.to_dict(),
            })
    print("=" * 100, file=out)
    print(f"{'rule':<38} {'dataset':<15} {'n':>6} {'tau':>7} {'rho':>7} {'target':>13} {'nDCG(i/a)':>12}", file=out)
    for r in records:
        rule = f"{r['proxy']} {r['counting']} on {r['architecture_set']}"
        print(f"{rule:<38} {r['dataset']:<15} {r['n']:>6} {r['kendall_tau']:>7.3f} {r['spearman_rho']:>7.3f} "
              f"{r['target_tau']:>6.3f}/{r['target_rho']:.3f} {r['ndcg_ignore']:>5.3f}/{r['ndcg_average']:.3f}"
              f"{'' if r['ok'] else '  MISMATCH'}", file=out)
    print(f"all within ±{TOLERANCE}: {ok}   ({time.perf_counter() - t0:.1f} s)", file=out)
    return ok, records


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=None, help="benchmark data folder (default: $CANOPY_DATA_DIR)")
    parser.add_argument("--quick", action="store_true", help="CIFAR-10 only")
    parser.add_argument("--json", default=None, help="also write the records to this JSON file")
    args = parser.parse_args(argv)
    data_dir = resolve_data_dir(args.data)
    datasets = ["cifar10"] if args.quick else list(NUM_CLASSES)
    ok, records = run(data_dir, datasets)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(records, fh, indent=2)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
