"""``canopy score``: the tropical expressivity score (log10 of a region-count bound) of an architecture.

Examples::

    canopy score --widths 64,128,64 --input-dim 3072 --mode serra
    canopy score --nb201 '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|'
    canopy score --darts "Genotype(normal=[('sep_conv_3x3', 0), ...], normal_concat=[2, 3, 4, 5], ...)" --all-modes
    canopy score --darts sep_conv_3x3,skip_connect,max_pool_3x3,none,sep_conv_5x5,skip_connect,none,sep_conv_3x3,dil_conv_3x3,skip_connect,max_pool_3x3,sep_conv_5x5,none,none --json
"""

from __future__ import annotations

import argparse
import contextlib

DENSE_MODES = ("generic", "serra", "zhang", "montufar", "serra_lower")
CELL_MODES = ("generic", "serra", "zhang", "local")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the options of ``canopy score``.

    Examples
    --------
    >>> p = argparse.ArgumentParser()
    >>> add_arguments(p)
    >>> a = p.parse_args(["--widths", "64,128,64", "--mode", "serra"])
    >>> a.widths, a.mode, a.all_modes
    ('64,128,64', 'serra', False)
    """
    from canopy.cli._common import add_costly_argument

    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--widths", help="hidden widths of a dense ReLU network, e.g. 64,128,64")
    what.add_argument("--nb201", help="NAS-Bench-201 arch string |op~0|+|op~0|op~1|+|op~0|op~1|op~2|")
    what.add_argument("--darts", help="DARTS genotype (Genotype(...) string or NASLib compact) or 14 comma-separated "
                                      "edge ops in EDGES14 order")
    parser.add_argument("--input-dim", type=int, default=None,
                        help="input dimension of a dense network (default: ArchitectureSpec's default, 3072)")
    parser.add_argument("--input-shape", default="3,32,32", help="C,H,W input of NB201 / DARTS (default 3,32,32)")
    parser.add_argument("--C", type=int, default=16, help="initial channels of the NB201 / DARTS network")
    parser.add_argument("--N", type=int, default=5, help="NB201 cells per stage")
    parser.add_argument("--layers", type=int, default=8, help="DARTS cells")
    parser.add_argument("--mode", default="generic", help="bound to use (default generic)")
    parser.add_argument("--all-modes", action="store_true", help="print every closed-form mode")
    parser.add_argument("--max-regions", type=int, default=None,
                        help="--mode exact: enumeration budget (default: the exact counter's own)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_costly_argument(parser)


def _shape(text: str) -> tuple[int, ...]:
    from canopy.errors import InvalidArchitectureError

    try:
        shape = tuple(int(t) for t in text.replace("x", ",").split(",")) if len(text) < 100 else ()
    except ValueError:
        shape = ()
    if len(shape) != 3 or any(d < 1 for d in shape):
        raise InvalidArchitectureError(f"--input-shape must be three positive integers like 3,32,32, got {text[:80]!r}")
    return shape


def run(args: argparse.Namespace) -> int:
    """Compute and print the score(s); returns 0.

    Examples
    --------
    >>> p = argparse.ArgumentParser(); add_arguments(p)
    >>> run(p.parse_args(["--widths", "5,5", "--input-dim", "3", "--mode", "serra"]))
    serra: log10 upper bound = 2.7604 (dense, input_dim=3, widths=[5, 5])
    0
    """
    from canopy.cli._common import check_limit, strict_json
    from canopy.errors import CanopyError, InvalidArchitectureError

    allow = args.allow_costly
    if args.max_regions is not None:
        check_limit("--max-regions", args.max_regions, "regions", allow=allow)
    if args.widths is not None:
        from canopy.nas.architecture import ArchitectureSpec
        from canopy.nas.tropical_score import tropical_expressivity_score

        if len(args.widths) > 10_000:
            raise InvalidArchitectureError(f"--widths: {len(args.widths)} characters; too long")
        try:
            widths = tuple(int(w) for w in args.widths.split(","))
        except ValueError:
            raise InvalidArchitectureError(f"--widths must be comma-separated integers, got {args.widths[:80]!r}") from None
        spec = (ArchitectureSpec(layer_widths=widths) if args.input_dim is None
                else ArchitectureSpec(layer_widths=widths, input_dim=args.input_dim))
        modes: tuple[str, ...] = DENSE_MODES if args.all_modes else (args.mode,)
        check_limit("number of hidden layers in --widths", len(widths), "depth", allow=allow)
        check_limit("total hidden neurons in --widths", sum(w for w in widths if w > 0), "neurons", allow=allow,
                    minimum=None)
        if "exact" in modes:
            from canopy.cli.verify import check_network_size

            check_network_size(spec.input_dim, list(widths), 1, allow=allow)
        scores: dict[str, float | str] = {}
        extra = {} if args.max_regions is None else {"max_regions": args.max_regions}
        from canopy.bounds.serra import costly_allowed

        for m in modes:
            try:
                with costly_allowed() if allow else contextlib.nullcontext():
                    scores[m] = tropical_expressivity_score(spec, mode=m, **(extra if m == "exact" else {}))
            except CanopyError as exc:
                if not args.all_modes:
                    raise
                scores[m] = f"n/a: {exc}"
        what = {"kind": "dense", "input_dim": spec.input_dim, "widths": list(widths)}
    else:
        from canopy.nas import cells

        shape = _shape(args.input_shape)
        check_limit("--C", args.C, "width", allow=allow)
        check_limit("--N", args.N, "depth", allow=allow)
        check_limit("--layers", args.layers, "depth", allow=allow)
        for d in shape:
            check_limit("--input-shape entry", d, "input", allow=allow)
        modes = CELL_MODES if args.all_modes else (args.mode,)
        if args.nb201 is not None:
            scores = {m: cells.nb201_cell_score(args.nb201, m, input_shape=shape, C=args.C, N=args.N)
                      for m in modes}
            what = {"kind": "nb201", "cell": args.nb201, "input_shape": list(shape), "C": args.C, "N": args.N}
        else:
            text = args.darts.strip()
            arch: object = text
            if not text.startswith("Genotype") and not text.startswith("(") and "," in text:
                arch = tuple(t.strip() for t in text.split(","))
            scores = {m: cells.darts_cell_score(arch, m, input_shape=shape, C=args.C, layers=args.layers)
                      for m in modes}
            what = {"kind": "darts", "arch": text, "input_shape": list(shape), "C": args.C, "layers": args.layers}
    if args.json:
        print(strict_json({**what, "log10": scores, "meaning": "log10 of an upper bound on the number of linear "
                          "regions (montufar/serra_lower: lower bound on the maximum; local: upper bound on the linear "
                          "pieces along any line that moves one input pixel)"}))
    else:
        desc = ", ".join(f"{k}={v}" for k, v in what.items() if k != "kind")
        for m, v in scores.items():
            label = ("log10 lower bound on the maximum" if m in ("montufar", "serra_lower")
                     else "log10 exact count (seeded network)" if m == "exact"
                     else "log10 line bound (pieces on a line through one pixel)" if m == "local"
                     else "log10 upper bound")
            text = f"{v:.4f}" if isinstance(v, float) else v
            print(f"{m}: {label} = {text} ({what['kind']}, {desc})")
    return 0
