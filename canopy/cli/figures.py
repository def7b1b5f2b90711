"""``canopy figures``: regenerate the README figures (PNG) and the data behind each (CSV).

Example::

    canopy figures --out figures/                 # all panels, full protocol (proxy values cached in the store)
    canopy figures --out /tmp/f --quick --only bound_tightness_paradox
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the options of ``canopy figures``.

    Examples
    --------
    >>> p = argparse.ArgumentParser()
    >>> add_arguments(p)
    >>> a = p.parse_args([])
    >>> a.out, a.quick, a.only
    ('figures', False, None)
    """
    parser.add_argument("--out", default="figures", metavar="DIR", help="output folder (default: figures)")
    parser.add_argument("--only", default=None,
                        help="comma-separated panel names (default: all): darts_rank_correlation, "
                             "darts_search_trajectory, nb201_cifar100_correlation, bound_tightness_paradox, "
                             "nb201_search_trajectories, nb201_pool_search")
    parser.add_argument("--quick", action="store_true", help="small protocol (fewer seeds/evaluations/resamples)")
    parser.add_argument("--data", default=None, metavar="DIR", help="benchmark data folder ($CANOPY_DATA_DIR)")
    parser.add_argument("--store", default=None, metavar="PATH",
                        help="result store caching proxy values and trajectories ($CANOPY_STORE, "
                             "default ./canopy-results.sqlite)")


def run(args: argparse.Namespace) -> int:
    """Build the requested panels; print one line per file written; return 0.

    Raises
    ------
    canopy.errors.CanopyError
        Unknown panel name, missing benchmark data.
    """
    from canopy.benchmarks import resolve_data_dir
    from canopy.plots.figures import PANELS, make_figures
    from canopy.store import ResultStore

    only = [n.strip() for n in args.only.split(",")] if args.only else None
    if only:
        from canopy.errors import CanopyError

        unknown = [n for n in only if n not in PANELS]
        if unknown:
            raise CanopyError(f"unknown figure(s) {', '.join(unknown)}; choose from {', '.join(PANELS)}")
    data_dir = resolve_data_dir(args.data)
    path = args.store
    if path is None:
        from canopy.evaluation import default_store_path

        path = default_store_path()
    with ResultStore(path) as store:
        make_figures(args.out, data_dir=data_dir, store=store, quick=args.quick, only=only,
                     progress=lambda msg: print(msg, flush=True))
    print(f"captions: {args.out}/captions.json")
    return 0
