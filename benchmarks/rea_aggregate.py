"""REA over NAS-Bench-201 driven by ``realized_agg`` against REA driven by #params (and the tropical scores).

Protocol
--------
* Regularized evolution (``canopy.search``), the README's setting: 1,000 fitness evaluations, population 64,
  tournament 10, seeds 0-9, on CIFAR-10, CIFAR-100 and ImageNet16-120. Reported: mean +- std over the seeds of
  the NATS-Bench seed-mean 200-epoch **test** accuracy of the final incumbent (never used for selection).
* Fitnesses: ``params`` (closed form, the dataset's classes), ``realized_agg`` (log R(realized_regions) +
  log R(flops), each ranked against the fixed 200-architecture reference population of
  :class:`canopy.search.fitness.ReferenceAggregateFitness`, ``proxy_seed`` 0), ``realized_regions`` alone and
  ``tropical:generic`` / ``tropical:local``.
* Realized-region scores are read from ``--realized`` (``benchmarks/realized_regions.py --space all --out``:
  the proxy's default settings, networks built under ``torch.manual_seed(0)`` with 10 classes; the activation
  regions do not depend on the classifier's width, so one table serves the three datasets). Architectures
  missing from the table are scored on the fly with the same settings and appended to it (counted in the
  report), so an interrupted run loses nothing.

Usage::

    CANOPY_DATA_DIR=../shared/data python benchmarks/rea_aggregate.py --realized results/nb201_realized_all.csv
    python benchmarks/rea_aggregate.py --realized FILE --seeds 3 --evals 300      # a quicker look
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DATASETS = ("cifar10", "cifar100", "ImageNet16-120")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--realized", required=True, help="CSV of realized_regions scores (arch,score,...)")
    ap.add_argument("--data", default=None, help="benchmark data folder (default: $CANOPY_DATA_DIR)")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--evals", type=int, default=1000)
    ap.add_argument("--datasets", default=",".join(DATASETS))
    ap.add_argument("--fitness", default="#params,realized_agg,realized_regions,tropical generic,tropical local",
                    help="comma-separated subset of the fitnesses (default: all five)")
    args = ap.parse_args(argv)

    from canopy.benchmarks import resolve_data_dir
    from canopy.proxies.aggregate import AGGREGATES
    from canopy.search.fitness import ReferenceAggregateFitness, make_fitness
    from canopy.search.runner import SearchConfig, run_seeds
    from canopy.search.spaces import NB201Space
    from canopy.search.trajectory import final_summary

    path = Path(args.realized)
    if not path.is_file():
        sys.exit(f"error: {path} not found; write it with benchmarks/realized_regions.py --space all --out {path}")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import torch
    from realized_regions import append_row, open_table, score_cell

    torch.set_num_threads(1)
    rows_in, cache = open_table(path, resume=True)
    table = {arch: row[1] for arch, row in rows_in.items()}
    data = resolve_data_dir(args.data)
    space = NB201Space()
    computed = {"n": 0}

    def realized(cell) -> float:
        key = space.key(cell)
        if key not in table:  # scored as benchmarks/realized_regions.py does, and appended to its table
            row = score_cell(key, 0)
            table[key] = row[1]
            append_row(cache, row)
            computed["n"] += 1
        return table[key]

    print(f"# realized table: {len(table)} architectures from {path}")
    print("\n| fitness | " + " | ".join(args.datasets.split(",")) + " |")
    print("|---|" + "---|" * len(args.datasets.split(",")))
    rows: dict[str, list[str]] = {}
    for dataset in args.datasets.split(","):
        fitnesses = {
            "#params": make_fitness(space, "params", dataset=dataset, data_dir=data),
            "realized_agg": ReferenceAggregateFitness(space, AGGREGATES["realized_agg"], dataset=dataset,
                                                      data_dir=data, component_fitness={"realized_regions": realized}),
            "realized_regions": realized,
            "tropical generic": make_fitness(space, "tropical:generic", dataset=dataset, data_dir=data),
            "tropical local": make_fitness(space, "tropical:local", dataset=dataset, data_dir=data),
        }
        wanted = [f.strip() for f in args.fitness.split(",")]
        unknown = set(wanted) - set(fitnesses)
        if unknown:
            sys.exit(f"error: unknown fitness {', '.join(sorted(unknown))}; choose from {', '.join(fitnesses)}")
        for label in wanted:
            fit = fitnesses[label]
            cfg = SearchConfig(space="nb201", fitness=label.replace(" ", ":"), algorithm="rea", n_evals=args.evals,
                               dataset=dataset, population_size=64, sample_size=10)
            runs = run_seeds(cfg, list(range(args.seeds)), space=space, data_dir=data, fitness=fit)
            s = final_summary(runs)
            rows.setdefault(label, []).append(f"{s['test_mean']:.2f} +- {s['test_std']:.2f}")
            print(f"# {dataset:15s} {label:18s} test {s['test_mean']:.2f} +- {s['test_std']:.2f} "
                  f"({computed['n']} realized scores computed on the fly so far)", file=sys.stderr, flush=True)
    for label, cells in rows.items():
        print(f"| REA + {label} | " + " | ".join(cells) + " |")
    print(f"\n# {args.seeds} seeds x {args.evals} evaluations, population 64, tournament 10; mean +- std of the "
          f"final incumbent's test accuracy (200 epochs, seed mean); {computed['n']} realized scores computed on "
          "the fly")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
