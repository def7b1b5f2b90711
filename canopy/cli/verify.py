"""``canopy verify``: convert a ReLU network to its exact tropical map ``F ⊘ G`` and verify it.

Builds a seeded random network (or reads ``--network net.json`` / a JSON graph of :mod:`tropical.graph`,
lowered to a dense network / a torch ``state_dict`` ``.pt``), converts
it with the Zhang–Naitzat–Lim recursion (pruning after every layer), prints the monomial counts per layer
before/after pruning, checks the tropical map against the exact forward pass at random rational points,
and prints the linear regions of ``F`` and ``G`` (their non-redundant monomials). When
:mod:`tropical.regions` is available it also counts the network's exact activation and linear regions and
checks them against the tropical bound ``N(F ⊙ G)``.

Exit status: 0 when every check passes, 1 when a check fails, 2 on bad input.

Example::

    canopy verify
    canopy verify --input 3 --widths 8,8 --seed 1 --distribution integer --scale 3 --json
    canopy verify --network net.json --box=-1,1
    canopy verify --network graph.json --box=-1,1   # a conv / pool / skip graph (docs/guide/graphs.md)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any


def add_network_arguments(parser: argparse.ArgumentParser) -> None:
    """Options that describe the network (shared with ``canopy export``)."""
    from canopy.cli._common import add_costly_argument

    parser.add_argument("--input", type=int, default=2, help="input dimension n0 (default 2)")
    parser.add_argument("--widths", default="5,5", help="hidden widths, comma separated (default 5,5)")
    parser.add_argument("--outputs", type=int, default=1, help="output dimension (default 1)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random weights (default 0)")
    parser.add_argument("--distribution", choices=["gaussian", "integer"], default="gaussian",
                        help="gaussian: N(0, scale^2) floats made exact by --policy; integer: ints in [-scale, scale]")
    parser.add_argument("--scale", default="1", help="weight scale (default 1)")
    parser.add_argument("--policy", choices=["exact", "limit_denominator"], default="exact",
                        help="float -> rational policy for gaussian or torch weights (default exact)")
    parser.add_argument("--max-denominator", type=int, default=None,
                        help="denominator bound for --policy limit_denominator")
    parser.add_argument("--network", default=None,
                        help="read the network from a JSON file (the exact dense format, or a conv/pool/skip graph of "
                             "tropical.graph) or a torch state_dict (.pt/.pth)")
    add_costly_argument(parser)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the options of ``canopy verify``.

    Examples
    --------
    >>> p = argparse.ArgumentParser()
    >>> add_arguments(p)
    >>> a = p.parse_args(["--widths", "8,8", "--json"])
    >>> a.widths, a.json, a.points
    ('8,8', True, 20)
    """
    add_network_arguments(parser)
    parser.add_argument("--points", type=int, default=20, help="random rational check points (default 20)")
    parser.add_argument("--box", default=None, help="count regions in the box [LO, HI]^n0, e.g. --box=-1,1")
    parser.add_argument("--max-regions", type=int, default=100_000, help="budget of the exact region count")
    parser.add_argument("--no-regions", action="store_true", help="skip the exact region count")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.add_argument("--backend", default=None, choices=["auto", "python", "flint"],
                        help="exact arithmetic backend (default: $TROPICAL_BACKEND, else auto = flint when installed)")
    parser.add_argument("--no-guided", action="store_true",
                        help="turn off the float-guided, exactly certified shortcuts")
    parser.add_argument("--no-compiled", action="store_true",
                        help="count regions with the Python enumerator, not the compiled kernel (with --backend "
                             "python --no-guided: the pure exact reference path)")


def _parse_widths(text: str) -> list[int]:
    from canopy.errors import InvalidArchitectureError

    text = text.strip()
    if not text:
        return []
    if len(text) > 10_000:
        raise InvalidArchitectureError(f"--widths: {len(text)} characters; too long")
    try:
        widths = [int(w) for w in text.split(",")]
    except ValueError as exc:
        raise InvalidArchitectureError(f"--widths must be comma-separated integers, got {text[:80]!r}") from exc
    if any(w < 1 for w in widths):
        raise InvalidArchitectureError(f"--widths must be positive, got {text[:80]!r}")
    return widths


def check_network_size(input_dim: int, widths: list[int], outputs: int, *, allow: bool = False) -> None:
    """Refuse a network above the documented size limits before any weight is drawn (see ``_common.LIMITS``)."""
    from canopy.cli._common import check_limit

    check_limit("--input", input_dim, "input", allow=allow)
    check_limit("--outputs", outputs, "width", allow=allow)
    check_limit("number of hidden layers in --widths", len(widths), "depth", allow=allow, minimum=0)
    for w in widths:
        check_limit("--widths entry", w, "width", allow=allow)
    sizes = [input_dim, *widths, outputs]
    params = sum(a * b + b for a, b in zip(sizes, sizes[1:]))
    check_limit("network size (weights + biases)", params, "params", allow=allow)


def parse_box(text: str, option: str = "--box") -> tuple[Any, Any]:
    """Parse ``LO,HI`` into two exact rationals with ``LO < HI`` (checked before any other work).

    Examples
    --------
    >>> parse_box("-1, 1/2")
    (Fraction(-1, 1), Fraction(1, 2))
    """
    from canopy.errors import InvalidArgumentError
    from tropical.convert import parse_rational

    parts = text.split(",")
    if len(parts) != 2:
        raise InvalidArgumentError(f"{option} expects LO,HI (e.g. {option}=-1,1), got {text[:80]!r}")
    lo, hi = (parse_rational(p.strip(), option) for p in parts)
    if not lo < hi:
        raise InvalidArgumentError(f"{option}: LO must be below HI, got LO={lo}, HI={hi}")
    return lo, hi


def read_network_file(path_text: str, *, policy: str = "exact", max_denominator: int | None = None,
                      allow: bool = False) -> Any:
    """Read ``--network``: exact JSON, a JSON graph (lowered) or a torch ``state_dict``; one clear error for any bad file."""
    return load_network(path_text, policy=policy, max_denominator=max_denominator, allow=allow)[0]


def lower_graph(graph: Any, box: tuple[Any, Any] | None = None, *, allow: bool = False) -> Any:
    """Lower a :class:`tropical.graph.GraphNetwork` to a ReLU network for the CLI (neurons limited unless ``allow``).

    With a box ``[LO, HI]^n`` the inputs are carried by ``relu(x_j - LO) + LO`` (exact on the box, no spurious
    hyperplanes ``x_j = 0``); without one by ``relu(x_j) - relu(-x_j)`` (exact everywhere).

    Examples
    --------
    >>> from tropical.graph import GraphNetwork
    >>> g = GraphNetwork([{"id": "x", "op": "input", "shape": [2]}, {"id": "y", "op": "relu", "input": "x"}], "y")
    >>> lower_graph(g).layer_sizes, lower_graph(g, (-1, 1)).layer_sizes
    ((2, 2, 2), (2, 2, 2))
    """
    from canopy.cli._common import LIMITS
    from canopy.errors import CostlyRequestError
    from tropical.errors import InvalidNetworkError

    limit = LIMITS["neurons"][0]
    try:
        return graph.to_relu_network(input_lower=None if box is None else box[0],
                                     max_neurons=10**9 if allow else limit)
    except InvalidNetworkError as exc:
        if "max_neurons" in str(exc) and not allow:
            raise CostlyRequestError(f"{exc}; the limit is {limit} {LIMITS['neurons'][1]}; "
                                     "pass --allow-costly to run it anyway") from None
        raise


def load_network(path_text: str, *, policy: str = "exact", max_denominator: int | None = None,
                 allow: bool = False, box: tuple[Any, Any] | None = None) -> tuple[Any, Any]:
    """Read ``--network`` as ``(ReLUNetwork, GraphNetwork or None)``.

    A JSON file with ``"format": "canopy-graph"`` (or a ``"nodes"`` key) is read as a graph
    (:mod:`tropical.graph`) and lowered by :func:`lower_graph` (with ``box``); any other JSON as the dense
    format of :mod:`tropical.network`; ``.pt`` / ``.pth`` as a torch ``state_dict`` of a ``Sequential`` of
    ``Linear`` layers. Sizes are checked before numbers are parsed.
    """
    from canopy.cli._common import LIMITS, check_input_file
    from tropical.errors import InvalidNetworkError
    from tropical.graph import GraphNetwork, is_graph_json
    from tropical.network import ReLUNetwork

    path = check_input_file(path_text, "--network")
    limit = LIMITS["params"][0]
    if path.suffix in (".pt", ".pth"):
        import torch

        try:
            obj = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as exc:  # noqa: BLE001 - any unpickling failure is a bad file
            raise InvalidNetworkError(f"cannot read {path} as a torch state_dict: {' '.join(str(exc).split())[:200]}") from exc
        if not isinstance(obj, dict):
            raise InvalidNetworkError(f"{path}: expected a state_dict (a dict of tensors), got {type(obj).__name__}")
        total = 0
        for _key, value in obj.items():
            if isinstance(value, torch.Tensor):
                total += value.numel()  # counts stride-0 (expanded) views at their full size
        if total > limit and not allow:
            from canopy.errors import CostlyRequestError

            raise CostlyRequestError(f"{path}: {total} tensor elements, above the limit of {limit}; "
                                     "pass --allow-costly to read it anyway")
        return ReLUNetwork.from_torch(obj, policy=policy, max_denominator=max_denominator), None
    size = path.stat().st_size
    if size > 64 * limit and not allow:
        from canopy.errors import CostlyRequestError

        raise CostlyRequestError(f"{path}: {size} bytes, above the limit of {64 * limit} for a JSON network; "
                                 "pass --allow-costly to read it anyway")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidNetworkError(f"{path}: not UTF-8 text; expected an exact JSON network "
                                  "(a torch state_dict must end in .pt or .pth)") from None
    try:
        data = json.loads(text)
    except RecursionError:
        raise InvalidNetworkError(f"{path}: JSON nested too deeply") from None
    except ValueError as exc:
        raise InvalidNetworkError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise InvalidNetworkError(f"{path}: expected a JSON object with 'layers' (a dense network) or 'nodes' "
                                  f"(a graph), got {type(data).__name__}")
    if is_graph_json(data):
        try:
            graph = GraphNetwork.from_json(data)
        except InvalidNetworkError as exc:
            raise InvalidNetworkError(f"{path}: {exc}") from None
        return lower_graph(graph, box, allow=allow), graph
    layers = data.get("layers")
    if isinstance(layers, list):
        total = 0
        for layer in layers:
            weight = layer.get("weight") if isinstance(layer, dict) else None
            if isinstance(weight, list):
                total += sum(len(row) if isinstance(row, list) else 1 for row in weight)
        if total > limit and not allow:
            from canopy.errors import CostlyRequestError

            raise CostlyRequestError(f"{path}: {total} weights, above the limit of {limit}; "
                                     "pass --allow-costly to read it anyway")
    return ReLUNetwork.from_json(data), None


def network_from_args(args: argparse.Namespace) -> tuple[Any, str]:
    """Build the network described by the options; return ``(net, description)`` (a graph comes lowered)."""
    net, desc, _graph = network_and_graph_from_args(args)
    return net, desc


def network_and_graph_from_args(args: argparse.Namespace,
                                box: tuple[Any, Any] | None = None) -> tuple[Any, str, Any]:
    """``(net, description, graph or None)``: a JSON graph file is lowered with ``box`` (see :func:`lower_graph`)."""
    from tropical.convert import parse_rational
    from tropical.network import ReLUNetwork

    allow = getattr(args, "allow_costly", False)
    if args.network is not None:
        net, graph = load_network(args.network, policy=args.policy, max_denominator=args.max_denominator,
                                  allow=allow, box=box)
        if graph is not None:
            return net, (f"JSON graph {args.network} ({len(graph)} nodes, input shape {list(graph.input_shape)}, "
                         f"policy {graph.policy}; lowered to a dense ReLU network)"), graph
        if args.network.endswith((".pt", ".pth")):
            return net, f"torch state_dict {args.network} (policy {net.policy})", None
        return net, f"JSON network {args.network}", None
    widths = _parse_widths(args.widths)
    check_network_size(args.input, widths, args.outputs, allow=allow)
    scale = parse_rational(args.scale, "--scale")
    net = ReLUNetwork.random(
        args.input, widths, args.outputs, seed=args.seed, distribution=args.distribution, scale=scale,
        policy=args.policy, max_denominator=args.max_denominator,
    )
    if args.distribution == "gaussian":
        desc = f"seeded Gaussian N(0, {scale}^2) weights (seed {args.seed}, policy {args.policy})"
    else:
        desc = f"seeded integer weights in [-{scale}, {scale}] (seed {args.seed})"
    return net, desc, None


def verify(net: Any, *, points: int = 20, seed: int = 0, domain: Any = None, max_regions: int = 100_000,
           regions: bool = True, graph: Any = None, progress: bool = False) -> dict[str, Any]:
    """Convert, check and count; return a JSON-ready report (see the module docstring).

    ``progress=True`` shows a bar of the conversion's steps on standard error (a conversion below the
    ``--allow-costly`` cap can take a minute).

    With ``graph`` (a :class:`tropical.graph.GraphNetwork` that ``net`` was lowered from) the report also
    checks ``graph.forward == net.forward`` at the check points (inside ``domain`` when it is a box, where
    the lowering is exact) and notes that ``activation_regions`` are the lowered network's.

    Examples
    --------
    >>> from tropical.network import ReLUNetwork
    >>> rep = verify(ReLUNetwork([[[1, -1], [2, 1]], [[1, -1]]], [[0, -1], [0]]), points=5)
    >>> rep["check"]["passed"], rep["outputs"][0]["upper_vertex_bound"], rep["linear_regions"]
    (True, 4, 4)
    """
    from tqdm import tqdm

    from tropical._sampling import random_rational_points
    from tropical.tropicalize import conversion_steps, network_to_tropical

    t0, c0 = time.perf_counter(), time.process_time()
    with tqdm(total=conversion_steps(net), file=sys.stderr, disable=not progress, desc="converting",
              unit="product", dynamic_ncols=True, mininterval=0.5, leave=False) as bar:
        m = network_to_tropical(net, progress=bar.update)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    pts = random_rational_points(net.input_dim, points, rng=seed)
    mismatches = [
        {"x": [str(v) for v in x], "tropical": [str(v) for v in m.evaluate(x)], "network": [str(v) for v in net.forward(x)]}
        for x in pts
        if m.evaluate(x) != net.forward(x)
    ]
    outputs = []
    for comp in m:
        outputs.append({
            "F_monomials": len(comp.numerator),
            "G_monomials": len(comp.denominator),
            "linear_regions_F": comp.linear_regions_of_numerator(),
            "linear_regions_G": comp.linear_regions_of_denominator(),
            "upper_vertex_bound": comp.upper_vertex_bound(),
        })
    report: dict[str, Any] = {
        "layer_sizes": list(net.layer_sizes),
        "policy": net.policy,
        "conversion_seconds": round(seconds, 4),
        "conversion_cpu_seconds": round(cpu, 4),
        "layers": [
            {"layer": s.layer + 1, "monomials_before": s.monomials_before, "monomials_after": s.monomials_after,
             "max_before": s.max_before, "max_after": s.max_after}
            for s in m.layer_stats
        ],
        "check": {"points": len(pts), "passed": not mismatches, "mismatches": mismatches[:5]},
        "outputs": outputs,
    }
    if graph is not None:
        gpts = pts
        if domain is not None and not isinstance(getattr(domain, "lo", None), (list, tuple, type(None))):
            lo, hi = domain.lo, domain.hi  # inside the box, where a box-lowered network equals the graph
            gpts = [tuple(lo + (hi - lo) * (v % 1) for v in x) for x in pts]
        bad = [{"x": [str(v) for v in x], "graph": [str(v) for v in graph.forward(x)],
                "network": [str(v) for v in net.forward(x)]} for x in gpts if graph.forward(x) != net.forward(x)]
        report["graph_check"] = {"points": len(gpts), "passed": not bad, "mismatches": bad[:5]}
        report["graph"] = {"nodes": len(graph), "ops": sorted(set(graph.ops)),
                           "input_shape": list(graph.input_shape), "output_shape": list(graph.output_shape),
                           "note": "activation_regions are those of the lowered dense network, not the graph's; "
                                   "linear_regions and distinct_affine_maps are the graph's"}
    if regions:
        from tropical import regions as reg
        from tropical.errors import BudgetExceededError

        try:
            t0 = time.perf_counter()
            counts = reg.count_regions(net, domain, max_regions=max_regions)
            report["regions_seconds"] = round(time.perf_counter() - t0, 4)
            report["activation_regions"] = counts.activation_regions
            report["linear_regions"] = counts.linear_regions
            report["distinct_affine_maps"] = counts.distinct_affine_maps
            report["regions_partial"] = counts.partial
            report["definitions"] = dict(counts.definition)
            if net.output_dim == 1:
                bound = outputs[0]["upper_vertex_bound"]
                report["cross_check"] = {
                    "linear_regions": counts.linear_regions,
                    "upper_vertex_bound": bound,
                    "holds": counts.linear_regions <= bound,
                }
        except BudgetExceededError as exc:
            report["regions_skipped"] = str(exc)
    return report


def _text(report: dict[str, Any], desc: str, domain_desc: str) -> str:
    sizes = report["layer_sizes"]
    lines = [
        f"network: layer sizes {sizes}, {desc}",
        f"tropical map F ⊘ G (Zhang–Naitzat–Lim, pruned after every layer): "
        f"{report['conversion_seconds']:.3f} s wall, {report['conversion_cpu_seconds']:.3f} s CPU",
        "",
        f"{'layer':>5}  {'monomials before pruning':>24}  {'after pruning':>13}  {'largest poly before/after':>25}",
    ]
    for row in report["layers"]:
        kind = "affine" if row["layer"] == len(sizes) - 1 else "ReLU"
        lines.append(
            f"{row['layer']:>5}  {row['monomials_before']:>24}  {row['monomials_after']:>13}  "
            f"{row['max_before']:>12}/{row['max_after']:<12} ({kind})"
        )
    chk = report["check"]
    status = "PASSED" if chk["passed"] else "FAILED"
    lines += ["", f"exact check: tropical map == forward pass at {chk['points']} random rational points: {status}"]
    for mm in chk["mismatches"]:
        lines.append(f"  mismatch at x = {mm['x']}: tropical {mm['tropical']} vs network {mm['network']}")
    if "graph_check" in report:
        gc = report["graph_check"]
        lines.append(f"exact check: graph forward pass == lowered network at {gc['points']} random rational points: "
                     f"{'PASSED' if gc['passed'] else 'FAILED'}")
        for mm in gc["mismatches"]:
            lines.append(f"  mismatch at x = {mm['x']}: graph {mm['graph']} vs network {mm['network']}")
    for k, out in enumerate(report["outputs"]):
        lines.append(
            f"output y{k + 1}: F has {out['linear_regions_F']} linear regions (non-redundant monomials), "
            f"G has {out['linear_regions_G']}; N(F ⊙ G) = {out['upper_vertex_bound']}"
        )
    if "linear_regions" in report:
        lines += [
            "",
            f"exact regions ({domain_desc}): activation_regions {report['activation_regions']}, "
            f"linear_regions {report['linear_regions']} ({report['regions_seconds']:.3f} s)",
        ]
        if "graph" in report:
            lines.append("  (activation_regions of the lowered dense network; linear_regions are the graph's)")
        cc = report.get("cross_check")
        if cc:
            mark = "holds" if cc["holds"] else "VIOLATED"
            lines.append(
                f"cross-check: linear_regions {cc['linear_regions']} <= N(F ⊙ G) = {cc['upper_vertex_bound']}: {mark}"
            )
    elif "regions_skipped" in report:
        lines += ["", f"exact regions: skipped ({report['regions_skipped']})"]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Run ``canopy verify``; return 0 if every check passes, 1 otherwise."""
    from canopy.cli._common import check_limit, note, strict_json
    from tropical.backend import set_backend, set_compiled, set_guided

    allow = args.allow_costly
    check_limit("--points", args.points, "points", allow=allow)
    check_limit("--max-regions", args.max_regions, "regions", allow=allow)
    box = parse_box(args.box) if args.box is not None else None
    if args.backend:
        set_backend(args.backend)
    if args.no_guided:
        set_guided(False)
    if args.no_compiled:
        set_compiled(False)
    net, desc, graph = network_and_graph_from_args(args, box)
    if not allow:
        from canopy.cli._common import LIMITS
        from canopy.errors import CostlyRequestError
        from tropical.regions import region_upper_bound

        bound = region_upper_bound(net.input_dim, list(net.widths))
        limit = LIMITS["exact_regions"][0]
        if bound > limit:
            raise CostlyRequestError(
                f"layer sizes {list(net.layer_sizes)}: the closed-form bound allows {bound} linear regions, above "
                f"the limit of {limit} for the exact tropical conversion; pass --allow-costly to run it anyway"
            )
    domain = None
    domain_desc = f"domain R^{net.input_dim}"
    if box is not None:
        from tropical.regions import Box

        domain = Box(*box)
        domain_desc = f"domain [{box[0]}, {box[1]}]^{net.input_dim}"
    note(f"canopy verify: converting layer sizes {list(net.layer_sizes)} ...")
    report = verify(net, points=args.points, seed=args.seed, domain=domain, max_regions=args.max_regions,
                    regions=not args.no_regions, graph=graph, progress=True)
    report["network"] = desc
    report["domain"] = domain_desc
    if args.json:
        print(strict_json(report, indent=2))
    else:
        print(_text(report, desc, domain_desc))
    ok = (report["check"]["passed"] and report.get("cross_check", {}).get("holds", True)
          and report.get("graph_check", {}).get("passed", True))
    return 0 if ok else 1
