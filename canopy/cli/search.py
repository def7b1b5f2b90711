"""``canopy search``: regularized evolution / random search driven by a proxy, over several seeds.

Prints one line per seed (final incumbent, its fitness and its ground-truth accuracies) and the mean over
seeds; stores every trajectory (one row per evaluation) and every proxy value in the result store.

Example::

    canopy search --space nb201 --proxy tropical --seeds 10 --evals 1000 --dataset cifar10
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the options of ``canopy search``.

    Examples
    --------
    >>> p = argparse.ArgumentParser()
    >>> add_arguments(p)
    >>> a = p.parse_args(["--proxy", "tropical"])
    >>> a.space, a.seeds, a.evals, a.algorithm
    ('nb201', 10, 1000, 'rea')
    """
    parser.add_argument("--space", default="nb201", choices=["nb201", "darts", "mobilenet"],
                        help="search space (default: nb201)")
    parser.add_argument("--proxy", "--proxies", dest="proxy", required=True,
                        help="fitness: a proxy name (tropical, tropical:<mode>, params, flops, vkdnw, ...), "
                             "a named aggregate (realized_agg: ranked against a 200-architecture reference "
                             "population), stored:<proxy> (precomputed scores only) or 'valid' (ground-truth validation "
                             "accuracy; test accuracy is never a fitness); alias --proxies, as in evaluate")
    parser.add_argument("--algorithm", default="rea", choices=["rea", "random"], help="search algorithm")
    parser.add_argument("--seeds", type=int, default=10, help="number of seeds (0..N-1; default 10)")
    parser.add_argument("--first-seed", type=int, default=0, help="first seed (default 0)")
    parser.add_argument("--evals", type=int, default=1000, help="fitness evaluations per seed (default 1000)")
    parser.add_argument("--dataset", default="cifar10", help="cifar10, cifar100 or ImageNet16-120 (nb201)")
    parser.add_argument("--population", type=int, default=64, help="REA population size (default 64)")
    parser.add_argument("--sample-size", type=int, default=10, help="REA tournament size (default 10)")
    parser.add_argument("--without-replacement", action="store_true",
                        help="REA tournament samples without replacement (default: with)")
    parser.add_argument("--budget-mflops", type=float, default=450.0,
                        help="FLOPs budget of the mobilenet space, in millions of multiply-adds (default 450)")
    parser.add_argument("--proxy-seed", "--seed", dest="proxy_seed", type=int, default=0,
                        help="seed of proxy evaluations (default 0; alias --seed, as in evaluate)")
    parser.add_argument("--data", default=None, metavar="DIR", help="benchmark data folder ($CANOPY_DATA_DIR)")
    parser.add_argument("--ground-truth", default=None, metavar="SOURCE",
                        help="ground truth: nats:PATH (the official NATS-Bench API over the NATS-tss-v1_0-3ffb9-simple folder), nats ($NATS_BENCH_TSS_PATH), tables[:DIR] (the CSV tables); default: $NATS_BENCH_TSS_PATH when set, else the tables")
    parser.add_argument("--store", default=None, metavar="PATH",
                        help="result store ($CANOPY_STORE, default ./canopy-results.sqlite)")
    parser.add_argument("--no-store", action="store_true", help="keep proxy values in memory only")
    parser.add_argument("--fresh", action="store_true", help="rerun seeds even when stored complete")
    parser.add_argument("--no-ground-truth", action="store_true",
                        help="search on proxy values only when the space's ground truth cannot be read (runs "
                             "stored flagged: never reused by a run with ground truth); default: fail")
    parser.add_argument("--trajectories", default=None, metavar="FILE",
                        help="also write the full trajectories as JSON to FILE")
    parser.add_argument("--json", action="store_true",
                        help="print the result as JSON on standard output (NaN as null; per-seed lines go to stderr)")
    parser.add_argument("--allow-costly", action="store_true",
                        help="lift the safety limits on costly requests (--seeds, --evals, --population)")


def _fmt(x: Any) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:.2f}" if isinstance(x, float) else str(x)


def run(args: argparse.Namespace) -> int:
    """Run the searches and print the results; return 0.

    Raises
    ------
    canopy.errors.CanopyError
        On a bad option value (unknown proxy, bad budget, missing data for a ground-truth fitness, ...).
    """
    from canopy.cli._common import NULL_NOTE, check_limit, check_output, strict_json
    from canopy.search.runner import SearchConfig, run_seeds
    from canopy.search.spaces import get_space
    from canopy.search.trajectory import aggregate, final_summary

    allow = args.allow_costly
    check_limit("--seeds", args.seeds, "seeds", allow=allow)
    check_limit("--first-seed", args.first_seed, "evals", allow=allow, minimum=0)
    check_limit("--evals", args.evals, "evals", allow=allow)
    check_limit("--population", args.population, "evals", allow=allow)
    check_limit("--sample-size", args.sample_size, "evals", allow=allow)
    if not math.isfinite(args.budget_mflops) or args.budget_mflops <= 0:
        from canopy.errors import InvalidArgumentError

        raise InvalidArgumentError(f"--budget-mflops must be a positive number, got {args.budget_mflops}")
    if args.space == "nb201":
        from canopy.benchmarks import DATASETS

        if args.dataset not in DATASETS:
            from canopy.errors import InvalidArgumentError

            raise InvalidArgumentError(f"unknown dataset {args.dataset!r}; choose one of {', '.join(DATASETS)}")
    if args.trajectories is not None:
        check_output(args.trajectories, "--trajectories")
    options = {"budget_mflops": args.budget_mflops} if args.space == "mobilenet" else {}
    space = get_space(args.space, **options)
    config = SearchConfig(
        space=space.name,
        fitness=args.proxy,
        algorithm=args.algorithm,
        n_evals=args.evals,
        dataset=args.dataset,
        population_size=args.population,
        sample_size=args.sample_size,
        replace=not args.without_replacement,
        proxy_seed=args.proxy_seed,
    )
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    store = None
    if not args.no_store:
        from canopy.store import ResultStore

        path = args.store
        if path is None:
            from canopy.evaluation import default_store_path

            path = default_store_path()
        store = ResultStore(path)

    def progress(t: Any) -> None:
        f = t.final
        print(
            f"seed {t.seed:3d}: best {args.proxy}={_fmt(f.proxy_best)}  valid={_fmt(f.valid_of_incumbent)}  "
            f"test={_fmt(f.test_of_incumbent)}  unique={t.n_unique}  {f.wall_clock:.1f}s  {f.incumbent}",
            file=sys.stderr if args.json else sys.stdout, flush=True,
        )

    data_dir = _data_source(args.ground_truth, args.data)
    try:
        trajs = run_seeds(config, seeds, space=space, data_dir=data_dir, store=store, reuse=not args.fresh,
                          progress=progress, require_ground_truth=not args.no_ground_truth)
    finally:
        if store is not None:
            store.close()
    summary = final_summary(trajs)
    if args.trajectories:
        with open(args.trajectories, "w") as fh:
            fh.write(strict_json([t.to_dict() for t in trajs]))
    if args.json:
        out = {
            "config": config.as_dict(seed=seeds[0]) | {"seeds": seeds},
            "summary": summary,
            "protocol": _protocol(args),
            "runs": [
                {"seed": t.seed, "n_unique": t.n_unique, **t.final.__dict__} for t in trajs
            ],
            "curve": aggregate(trajs, "test_of_incumbent"),
            "store": None if store is None else str(store.path),
        }
        print(strict_json(out | NULL_NOTE))
    else:
        print(
            f"{args.algorithm} on {space.name} with {args.proxy} ({len(trajs)} seeds x {args.evals} evals, "
            f"{args.dataset}): final test of incumbent {_fmt(summary['test_mean'])} +- "
            f"{_fmt(summary['test_std'])}, valid {_fmt(summary['valid_mean'])}"
        )
        print(f"protocol: {_protocol(args)}")
        if store is not None:
            print(f"stored in {store.path}")
    return 0


def _protocol(args: argparse.Namespace) -> str:
    if args.space == "nb201":
        return (
            f"NB201 {args.dataset}: fitness={args.proxy}; incumbent = best fitness so far; reported test = "
            "200-epoch seed-mean test accuracy of the incumbent (NATS-Bench), never used for selection"
        )
    if args.space == "mobilenet":
        return f"MobileNetV2-style space <= {args.budget_mflops:g} MFLOPs: proxy-only (no ImageNet ground truth)"
    return "DARTS space: no trained ground truth available; proxy values only"


def _data_source(ground_truth: str | None, data: str | None) -> str | None:
    """What the search space reads its ground truth from: ``--ground-truth`` (``nats:PATH``, ``nats``,
    ``tables[:DIR]``) or else ``--data``; the NB201 space resolves a ``nats`` source through the official API."""
    if ground_truth is None:
        return data
    kind, _, arg = ground_truth.partition(":")
    if kind == "nats":
        return ground_truth
    if kind == "tables":
        return arg or data
    from canopy.errors import InvalidArgumentError

    raise InvalidArgumentError(f"--ground-truth {ground_truth[:80]!r}: use nats:PATH, nats, tables:DIR or tables")
