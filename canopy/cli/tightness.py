"""``canopy tightness``: bound / exact-count ratios on a ladder of small architectures.

Prints one line per (architecture, mode, weight distribution) with the mean and spread of
``bound / exact`` over seeded random networks; ``--out`` draws the figure, ``--json`` / ``--csv`` write the
tidy per-network rows (``--summary-json`` the summary).

Example::

    canopy tightness --seeds 5 --out tightness.png --csv tightness.csv
    canopy tightness --ladder "2:4,4;3:5,5" --modes serra,generic --distributions integer
"""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the options of ``canopy tightness``.

    Examples
    --------
    >>> p = argparse.ArgumentParser()
    >>> add_arguments(p)
    >>> a = p.parse_args(["--quick"])
    >>> a.quick, a.seeds, a.count
    (True, 5, 'linear_regions')
    """
    from canopy.cli._common import add_costly_argument

    parser.add_argument("--ladder", default=None,
                        help="architectures 'n0:w1,w2;n0:w1,...' (default: a built-in ladder of 11)")
    parser.add_argument("--seeds", type=int, default=5, help="random networks per architecture and distribution")
    parser.add_argument("--distributions", default="gaussian,integer",
                        help="comma list of gaussian (N(0,1) weights) and integer (degenerate, in [-s, s])")
    parser.add_argument("--integer-scale", type=int, default=2, help="s for integer weights (default 2)")
    parser.add_argument("--modes", default=None, help="comma list of dense bounds (default: all)")
    parser.add_argument("--count", default="linear_regions",
                        choices=["linear_regions", "activation_regions", "distinct_affine_maps"])
    parser.add_argument("--max-regions", type=int, default=100_000, help="exact-count budget per network")
    parser.add_argument("--quick", action="store_true", help="5 architectures, 2 seeds")
    parser.add_argument("--out", default=None, help="write the figure (PNG/PDF/SVG by suffix)")
    parser.add_argument("--json", default=None, help="write the per-network rows as JSON")
    parser.add_argument("--csv", default=None, help="write the per-network rows as CSV")
    parser.add_argument("--summary-json", default=None, help="write the summary rows as JSON")
    add_costly_argument(parser)


def _table(summary: list[dict]) -> str:
    head = f"{'arch':<12} {'mode':<12} {'kind':<10} {'weights':<9} {'n':>3} {'bound':>12} {'exact mean':>11} " \
           f"{'ratio mean':>11} {'sd':>9} {'min':>9} {'max':>9}"
    lines = [head, "-" * len(head)]
    for r in summary:
        lines.append(
            f"{r['arch']:<12} {r['mode']:<12} {r['kind']:<10} {r['distribution']:<9} {r['n']:>3} {r['bound']:>12} "
            f"{r['exact_mean']:>11.1f} {r['ratio_mean']:>11.3g} {r['ratio_sd']:>9.3g} {r['ratio_min']:>9.3g} "
            f"{r['ratio_max']:>9.3g}"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Run the study, print the table, write the requested files; return 0."""
    import csv

    from canopy.bounds.tightness import DEFAULT_LADDER, QUICK_LADDER, parse_ladder, summarize, tightness_study
    from canopy.cli._common import check_limit, check_output, note, strict_json
    from canopy.errors import CostlyRequestError, UnknownModeError

    allow = args.allow_costly
    check_limit("--seeds", args.seeds, "seeds", allow=allow)
    check_limit("--max-regions", args.max_regions, "regions", allow=allow)
    check_limit("--integer-scale", args.integer_scale, "width", allow=allow)
    for opt, path in (("--out", args.out), ("--json", args.json), ("--csv", args.csv),
                      ("--summary-json", args.summary_json)):
        if path is not None:
            check_output(path, opt, figure=opt == "--out")
    ladder = parse_ladder(args.ladder) if args.ladder is not None else (QUICK_LADDER if args.quick else DEFAULT_LADDER)
    if not allow:
        from canopy.nas.tropical_score import MAX_EXACT_WORK
        from tropical.regions import region_upper_bound

        for n0, widths in ladder:  # estimated before any work: regions to enumerate x size of each region's LP
            work = min(region_upper_bound(n0, list(widths)), args.max_regions) * n0 * max(1, sum(widths))
            if work > MAX_EXACT_WORK:
                raise CostlyRequestError(
                    f"--ladder entry {n0}:{','.join(map(str, widths))}: about {work:.1e} LP entries to enumerate, above "
                    f"the limit of {MAX_EXACT_WORK:.0e} for an exact count; pass --allow-costly to run it anyway"
                )
    seeds = range(2 if args.quick else args.seeds)
    dists = [d.strip() for d in args.distributions.split(",") if d.strip()]
    if not dists:
        raise UnknownModeError(f"--distributions needs at least one of gaussian, integer; got {args.distributions!r}")
    for d in dists:
        if d not in ("gaussian", "integer"):
            raise UnknownModeError(f"unknown distribution {d!r}; valid: gaussian, integer")
    modes = None
    if args.modes is not None:
        from canopy.bounds import get_bound

        modes = [m.strip() for m in args.modes.split(",") if m.strip()]
        if not modes:
            raise UnknownModeError(f"--modes needs at least one dense bound name, got {args.modes!r}")
        for m in modes:
            if get_bound(m).signature != "dense":
                raise UnknownModeError(f"bound {m!r} is not a dense bound")
    note(f"canopy tightness: {len(ladder)} architectures x {len(dists)} weight distributions x {len(seeds)} seeds "
         "(exact counts; this can take a minute) ...")
    from tqdm import tqdm

    # one tick per random network counted exactly (the default study: 150 networks, ~20-50 s)
    with tqdm(total=len(ladder) * len(dists) * len(seeds), file=sys.stderr, desc="exact counts", unit="net",
              dynamic_ncols=True, mininterval=0.5) as bar:
        rows = tightness_study(ladder, seeds=seeds, distributions=dists, modes=modes, count=args.count,
                               integer_scale=args.integer_scale, max_regions=args.max_regions, progress=bar.update)
    summary = summarize(rows)
    print(f"bound / exact {args.count} over {len(seeds)} seeded random networks per architecture and weights")
    print(_table(summary))
    if args.json:
        with open(args.json, "w") as fh:
            fh.write(strict_json(rows, indent=1))
    if args.summary_json:
        with open(args.summary_json, "w") as fh:
            fh.write(strict_json(summary, indent=1))
    if args.csv:
        with open(args.csv, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]) if rows else ["arch"])
            writer.writeheader()
            writer.writerows(rows)
    if args.out:
        from canopy.plots.tightness import plot_tightness

        plot_tightness(summary, args.out)
        print(f"figure written to {args.out}")
    return 0
