"""``canopy regions``: exact activation and linear regions of a small ReLU network, and their picture.

Example::

    canopy regions --input 2 --widths 8,8 --seed 0 --out regions.png
    canopy regions --network net.json --box=-1,1 --json
    canopy regions --network graph.json --box=-1,1   # a conv / pool / skip graph (docs/guide/graphs.md)

(write ``--box=LO,HI`` with an equals sign when LO is negative.)
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the options of ``canopy regions``.

    Examples
    --------
    >>> p = argparse.ArgumentParser()
    >>> add_arguments(p)
    >>> a = p.parse_args(["--widths", "8,8", "--out", "r.png"])
    >>> a.input, a.widths, a.seed, a.box
    (2, '8,8', 0, None)
    """
    from canopy.cli._common import add_costly_argument

    parser.add_argument("--network", default=None, metavar="JSON",
                        help="exact network JSON (tropical.network) or graph JSON (tropical.graph: conv / pool / skip); "
                             "default: a seeded random network")
    parser.add_argument("--input", type=int, default=2, help="input dimension of the random network (default 2)")
    parser.add_argument("--widths", default="8,8", help="hidden widths of the random network (default 8,8)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random network (default 0)")
    parser.add_argument("--distribution", default="gaussian", choices=["gaussian", "integer"],
                        help="weights of the random network: exact Gaussian floats or small integers")
    parser.add_argument("--scale", type=int, default=1, help="weight scale of the random network (default 1)")
    parser.add_argument("--box", default=None, metavar="LO,HI",
                        help="domain [LO, HI]^n (exact decimals or fractions; write --box=-3,3); default: all of R^n for the "
                             "counts, [-3, 3]^2 for the picture")
    parser.add_argument("--out", default=None, metavar="PNG", help="draw the linear regions (2 inputs only)")
    parser.add_argument("--max-regions", type=int, default=100_000, help="refuse above this many regions")
    parser.add_argument("--time-budget", type=float, default=None, metavar="S",
                        help="stop after S seconds with partial counts")
    parser.add_argument("--workers", type=int, default=1, metavar="N",
                        help="processes for the exact count (default 1; the counts do not depend on it; see "
                             "tropical.parallel; with the compiled kernel one process is faster on few cores)")
    parser.add_argument("--crosscheck", action="store_true",
                        help="also print the tropical cross-check (monomials of F, G and N(F*G))")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="progress on standard error about once a second (default: when it is a terminal)")
    add_costly_argument(parser)
    parser.add_argument("--backend", default=None, choices=["auto", "python", "flint"],
                        help="exact arithmetic backend (default: $TROPICAL_BACKEND, else auto = flint when installed)")
    parser.add_argument("--no-guided", action="store_true",
                        help="turn off the float-guided, exactly certified shortcuts")
    parser.add_argument("--no-compiled", action="store_true",
                        help="count regions with the Python enumerator, not the compiled kernel (with --backend "
                             "python --no-guided: the pure exact reference path)")


def _network(args: argparse.Namespace, box: Any = None) -> tuple[Any, Any]:
    """``(net, graph or None)``; a JSON graph is lowered with the box (see :func:`canopy.cli.verify.lower_graph`)."""
    from canopy.cli.verify import _parse_widths, check_network_size, load_network
    from tropical.network import ReLUNetwork

    if args.network is not None:
        return load_network(args.network, allow=args.allow_costly, box=box)
    widths = _parse_widths(args.widths)
    check_network_size(args.input, widths, 1, allow=args.allow_costly)
    return ReLUNetwork.random(args.input, widths, seed=args.seed, distribution=args.distribution,
                              scale=args.scale), None


def run(args: argparse.Namespace) -> int:
    """Count (and draw) the regions; returns the exit status."""
    from canopy.cli._common import check_limit, check_output, strict_json
    from canopy.cli.verify import parse_box
    from canopy.errors import InvalidArgumentError
    from tropical.backend import set_backend, set_compiled, set_guided
    from tropical.regions import Box, count_regions, tropical_crosscheck

    check_limit("--max-regions", args.max_regions, "regions", allow=args.allow_costly)
    check_limit("--scale", args.scale, "width", allow=args.allow_costly)
    if args.time_budget is not None and not (0 < args.time_budget < float("inf")):
        raise InvalidArgumentError(f"--time-budget must be a positive number of seconds, got {args.time_budget}")
    if not 1 <= args.workers <= 256:
        raise InvalidArgumentError(f"--workers must be between 1 and 256, got {args.workers}")
    box = parse_box(args.box) if args.box is not None else None
    if args.out is not None:
        check_output(args.out, "--out", figure=True)
    if args.backend:
        set_backend(args.backend)
    if args.no_guided:
        set_guided(False)
    if args.no_compiled:
        set_compiled(False)
    net, graph = _network(args, box)
    if args.out is not None and net.input_dim != 2:
        raise InvalidArgumentError(f"--out draws 2-input networks only; this one has {net.input_dim} inputs")
    domain = Box(*box) if box else None
    progress = sys.stderr.isatty() if args.progress is None else args.progress
    if args.workers > 1:
        from tropical.parallel import count_regions_parallel

        counts = count_regions_parallel(net, domain, workers=args.workers, max_regions=args.max_regions,
                                        time_budget=args.time_budget, progress=progress)
    else:
        counts = count_regions(net, domain, max_regions=args.max_regions, time_budget=args.time_budget,
                               progress=progress)
    result: dict[str, Any] = {"layer_sizes": list(net.layer_sizes), "domain": args.box or "R^n",
                              **counts.as_dict(), "workers": args.workers}
    if graph is not None:
        result["graph"] = {"nodes": len(graph), "ops": sorted(set(graph.ops)), "input_shape": list(graph.input_shape),
                           "note": "activation_regions are those of the lowered dense network, not the graph's; "
                                   "linear_regions and distinct_affine_maps are the graph's"}
    if args.crosscheck:
        result["tropical_crosscheck"] = tropical_crosscheck(net)
    if args.out:
        from canopy.plots.regions import plot_regions

        label = (f"network {args.network}" if args.network else
                 f"input {net.input_dim}, widths {list(net.widths)}, seed {args.seed} ({args.distribution})")
        result["picture"] = str(plot_regions(net, args.out, box=box or (-3, 3), title=label,
                                             max_regions=args.max_regions))
    if args.json:
        print(strict_json(result, default=str))
        return 0
    where = f"[{box[0]}, {box[1]}]^{net.input_dim}" if box else f"R^{net.input_dim}"
    why = {"interrupted": "interrupted"}.get(counts.stopped or "", "time budget hit")
    print(f"network {list(net.layer_sizes)} over {where}" + (f" (PARTIAL: {why})" if counts.partial else ""))
    if graph is not None:
        print(f"  graph {args.network}: {len(graph)} nodes, input shape {list(graph.input_shape)}, lowered to the "
              "dense network above (activation_regions are the lowered network's; linear_regions the graph's)")
    for key in ("activation_regions", "linear_regions", "distinct_affine_maps"):
        print(f"  {key:22s} {result[key]:>8}   {counts.definition[key]}")
    print(f"  closed-form bound      {counts.upper_bound:>8}   per-layer Zaslavsky product")
    print(f"  time                   {counts.seconds:8.2f} s")
    if args.crosscheck:
        for k, v in result["tropical_crosscheck"].items():
            print(f"  {k:22s} {v!s:>8}")
    if args.out:
        print(f"picture: {result['picture']}")
    return 0
