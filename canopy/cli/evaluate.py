"""``canopy evaluate``: score a search space with proxies (durably, in parallel) and correlate with ground truth.

Example::

    canopy evaluate --space nb201 --proxies tropical,params --dataset cifar10 --sample 1000 --seed 0

Results go to the durable store (``--store``, default ``$CANOPY_STORE`` or ``./canopy-results.sqlite``) as
they are computed; the same command, killed and restarted, resumes where it stopped.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the options of ``canopy evaluate``.

    Examples
    --------
    >>> p = argparse.ArgumentParser()
    >>> add_arguments(p)
    >>> p.parse_args(["--proxies", "tropical"]).workers is None
    True
    """
    parser.add_argument("--space", default="nb201", help="search space (default: nb201)")
    parser.add_argument("--proxies", "--proxy", dest="proxies", required=True,
                        help="comma-separated proxy names, e.g. tropical,params,vkdnw (alias --proxy, as in search)")
    parser.add_argument("--dataset", default="cifar10", help="cifar10, cifar100 or ImageNet16-120")
    parser.add_argument("--sample", type=int, default=None, help="score a seeded sample of N architectures")
    parser.add_argument("--seed", "--proxy-seed", dest="seed", type=int, default=0,
                        help="proxy seed (and sample seed unless --sample-seed; alias --proxy-seed, as in search)")
    parser.add_argument("--sample-seed", type=int, default=None, help="seed of --sample (default: --seed)")
    parser.add_argument("--subset", default="all", choices=["all", "fully-effective", "dedup"],
                        help="architecture set: all 15,625, the 9,445 fully effective, or one per isomorphism class")
    parser.add_argument("--archs", default=None, metavar="FILE",
                        help="score the arch strings in FILE (one per line) instead of --subset/--sample")
    parser.add_argument("--set", dest="settings", action="append", default=[], metavar="PROXY.KEY=VALUE",
                        help="proxy setting (value parsed as JSON when possible), repeatable")
    parser.add_argument("--data", default=None, metavar="DIR", help="benchmark data folder ($CANOPY_DATA_DIR)")
    parser.add_argument("--ground-truth", default=None, metavar="SOURCE",
                        help="ground truth: nats:PATH (the official NATS-Bench API over the NATS-tss-v1_0-3ffb9-simple folder), nats ($NATS_BENCH_TSS_PATH), tables[:DIR] (the CSV tables); default: $NATS_BENCH_TSS_PATH when set, else the tables")
    parser.add_argument("--store", default=None, metavar="PATH", help="result store ($CANOPY_STORE)")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (0: in this process)")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS", help="run on a Dask distributed cluster")
    parser.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for CIs (0: none)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON on standard output")
    parser.add_argument("--csv", default=None, metavar="OUT", help="write per-architecture scores to a CSV file")
    parser.add_argument("--plot", default=None, metavar="OUTDIR", help="write a scatter/rank plot per proxy")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar (it goes to standard error)")
    parser.add_argument("--allow-costly", action="store_true",
                        help="lift the safety limits on costly requests (--bootstrap, --sample; see 'Bad input' in docs/guide/evaluation.md)")


def parse_settings(pairs: list[str]) -> dict[str, dict[str, Any]]:
    """Parse ``PROXY.KEY=VALUE`` options (VALUE as JSON when it parses, else as a string).

    Examples
    --------
    >>> parse_settings(["vkdnw.variant=released", "tropical.mode=serra", "vkdnw.batch_size=32"])
    {'vkdnw': {'variant': 'released', 'batch_size': 32}, 'tropical': {'mode': 'serra'}}
    """
    from canopy.errors import CanopyError

    out: dict[str, dict[str, Any]] = {}
    for pair in pairs:
        name, eq, raw = pair.partition("=")
        proxy, dot, key = name.partition(".")
        if not eq or not dot or not proxy or not key:
            raise CanopyError(f"--set expects PROXY.KEY=VALUE, got {pair!r}")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        out.setdefault(proxy.strip(), {})[key.strip()] = value
    return out


def run(args: argparse.Namespace) -> int:
    """Run ``canopy evaluate``; return 0.

    Raises
    ------
    canopy.errors.CanopyError
        For bad input (printed as one line by the dispatcher).
    """
    from canopy.cli._common import NULL_NOTE, check_input_file, check_limit, check_output, strict_json
    from canopy.errors import CanopyError
    from canopy.evaluation import evaluate, read_arch_file

    allow = args.allow_costly
    if args.workers is not None:
        check_limit("--workers", args.workers, "seeds", allow=allow, minimum=0)
    check_limit("--bootstrap", args.bootstrap, "bootstrap", allow=allow, minimum=0)
    if args.sample is not None:
        check_limit("--sample", args.sample, "evals", allow=allow)
    if not args.proxies.strip() or not all(p.strip() for p in args.proxies.split(",")):
        raise CanopyError(f"--proxies expects comma-separated proxy names, got {args.proxies[:80]!r}")
    if args.csv is not None:
        check_output(args.csv, "--csv")
    if args.plot is not None:
        from pathlib import Path

        from canopy.errors import OutputFileError

        if Path(args.plot).exists() and not Path(args.plot).is_dir():
            raise OutputFileError(f"--plot {args.plot}: exists and is not a directory")
    if args.archs is not None:
        check_input_file(args.archs, "--archs")
    archs = read_arch_file(args.archs) if args.archs else None
    result = evaluate(
        space=args.space,
        proxies=args.proxies.split(","),
        dataset=args.dataset,
        sample=args.sample,
        seed=args.seed,
        sample_seed=args.sample_seed,
        subset=args.subset,
        archs=archs,
        data_dir=args.data,
        ground_truth=args.ground_truth,
        store=args.store,
        workers=args.workers,
        scheduler=args.scheduler,
        proxy_settings=parse_settings(args.settings),
        n_boot=args.bootstrap,
        progress=not args.no_progress,
    )
    if args.csv:
        result.to_frame().to_csv(args.csv, index=False)
    if args.plot:
        from canopy.plots.correlation import plot_correlations

        plot_correlations(result, args.plot)
    if args.json:
        print(strict_json(result.to_dict() | NULL_NOTE, indent=1))
    else:
        s = result.stats
        print(f"{result.space} {result.dataset}: {len(result.archs)} architectures ({result.subset}); "
              f"{s.computed} computed, {s.cached} from the store {result.store_path}, {s.failed} failed "
              f"in {s.seconds:.1f} s" + _store_notes(s))
        print(result.table())
    if result.stats.failed:
        print(f"canopy evaluate: {result.stats.failed} items failed (not stored; rerun to retry); first: "
              f"{result.stats.errors[0]}", file=sys.stderr)
    return 0


def _store_notes(stats: Any) -> str:
    """What the summary line adds about stale results and work shared with other runs (empty when none).

    Examples
    --------
    >>> from canopy.evaluation import RunStats
    >>> _store_notes(RunStats(computed=3, stale=2, cached=4, by_others=1))
    '; 2 of the computed were stale (stored by another proxy version) and replaced; 1 computed meanwhile by another run on this store'
    """
    notes = []
    if getattr(stats, "stale", 0):
        notes.append(f"{stats.stale} of the computed were stale (stored by another proxy version) and replaced")
    if getattr(stats, "by_others", 0):
        notes.append(f"{stats.by_others} computed meanwhile by another run on this store")
    return "".join(f"; {n}" for n in notes)
