"""Bound tightness study: closed-form bound / exact count on a ladder of small architectures.

For each architecture of the ladder, each weight distribution and each seed, one random network is drawn
(:func:`canopy.bounds.exact.random_network`), its regions are counted exactly (:mod:`tropical.regions`), and
every dense bound is divided by that count.  Upper bounds give ratios ``>= 1`` (how loose they are on typical
networks); lower bounds on the *maximum* (``montufar``, ``serra_lower``) are compared with the same typical
count, which they usually exceed — they bound what *some* weights can do, not what random weights do.

This is the data behind "the bound tightness paradox": the tighter bound (``serra``) is not closer to the
counts of random networks in any useful sense, and the ranking it induces over architectures need not be
better (the NAS-Bench-201 correlation per mode is in the evaluation work).

Weight distributions: ``"gaussian"`` (N(0, 1), rounded to denominators <= 1000) and ``"integer"`` (uniform
integers in ``[-scale, scale]``: degenerate on purpose — coincident and parallel hyperplanes, zero rows).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from canopy.bounds import available_bounds, get_bound
from canopy.bounds._combinatorics import check_architecture
from canopy.errors import InvalidArgumentError

__all__ = ["DEFAULT_LADDER", "QUICK_LADDER", "tightness_study", "summarize", "parse_ladder"]

#: (input_dim, widths) pairs, ordered by size; all count exactly in well under a second each
DEFAULT_LADDER: tuple[tuple[int, tuple[int, ...]], ...] = (
    (2, (4,)), (2, (8,)), (2, (4, 4)), (2, (8, 8)), (3, (5, 5)), (2, (6, 6, 6)),
    (3, (8, 8)), (4, (6, 6)), (2, (16, 16)), (4, (8, 8)), (3, (8, 8, 8)),
    # narrow layers (some n_l < n_0 or n_l - j_l binding): here serra < generic < zhang
    (4, (3, 6)), (5, (4, 8)), (6, (5, 5)), (5, (3, 3, 6)),
)
QUICK_LADDER = DEFAULT_LADDER[:5]


def parse_ladder(text: str) -> tuple[tuple[int, tuple[int, ...]], ...]:
    """Parse ``"2:4,4;3:5,5"`` into ``((2, (4, 4)), (3, (5, 5)))``.

    Raises
    ------
    canopy.errors.InvalidArchitectureError
        For a malformed entry (the message quotes it).

    Examples
    --------
    >>> parse_ladder("2:4,4; 3:5,5")
    ((2, (4, 4)), (3, (5, 5)))
    """
    from canopy.errors import InvalidArchitectureError

    out = []
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        try:
            d, ws = part.split(":")
            n0, widths = check_architecture(int(d), [int(w) for w in ws.split(",")])
        except (ValueError, TypeError) as exc:
            raise InvalidArchitectureError(f"bad ladder entry {part!r} (expected 'n0:w1,w2,...'): {exc}") from None
        out.append((n0, widths))
    if not out:
        raise InvalidArchitectureError("empty ladder")
    return tuple(out)


def tightness_study(
    ladder: Iterable[tuple[int, Sequence[int]]] = DEFAULT_LADDER,
    *,
    seeds: Iterable[int] = range(5),
    distributions: Sequence[str] = ("gaussian", "integer"),
    modes: Sequence[str] | None = None,
    count: str = "linear_regions",
    integer_scale: int = 2,
    max_regions: int = 100_000,
    as_frame: bool = False,
    progress: Callable[[int], object] | None = None,
) -> Any:
    """Bound / exact-count ratios for every mode on a ladder of small architectures (a tidy table).

    Parameters
    ----------
    ladder : iterable of (int, sequence of int)
        ``(input_dim, widths)`` pairs (default :data:`DEFAULT_LADDER`).
    seeds : iterable of int, default range(5)
        One random network per seed and distribution.
    distributions : sequence of {"gaussian", "integer"}
    modes : sequence of str, optional
        Dense bounds to compare (default: all registered dense bounds).
    count : str, default "linear_regions"
        Which exact count is the denominator.
    integer_scale : int, default 2
        Integer weights are uniform in ``[-integer_scale, integer_scale]``.
    max_regions : int, default 100_000
        Enumeration budget per network.
    as_frame : bool, default False
        Return a :class:`pandas.DataFrame` instead of a list of dicts.
    progress : callable, optional
        Called with ``1`` after each random network is counted (e.g. a ``tqdm`` bar's ``update``; the exact
        counts take from milliseconds to seconds each).

    Returns
    -------
    list of dict or pandas.DataFrame
        One row per (architecture, distribution, seed, mode) with keys ``input_dim``, ``widths`` (str
        ``"4-4"``), ``arch`` (``"2:4-4"``), ``distribution``, ``seed``, ``mode``, ``kind``, ``bound`` (int),
        ``exact`` (int), ``ratio`` (float ``bound / exact``) and ``log10_ratio``.  Rows of lower bounds whose
        precondition fails are left out.

    Examples
    --------
    >>> rows = tightness_study([(2, (4,))], seeds=[0], distributions=["gaussian"], modes=["serra"])
    >>> r = rows[0]
    >>> r["arch"], r["mode"], r["bound"], r["bound"] >= r["exact"], r["ratio"] >= 1
    ('2:4', 'serra', 11, True, True)
    """
    from canopy.bounds._combinatorics import log10_int
    from canopy.bounds.exact import exact_count, random_network

    modes = tuple(available_bounds("dense") if modes is None else modes)
    specs = [get_bound(m) for m in modes]
    seeds = tuple(seeds)
    rows: list[dict[str, Any]] = []
    for input_dim, widths in ladder:
        n0, ws = check_architecture(input_dim, widths)
        label = "-".join(map(str, ws))
        for dist in distributions:
            if dist not in ("gaussian", "integer"):
                raise InvalidArgumentError(f"unknown distribution {dist!r}; use 'gaussian' or 'integer'")
            for seed in seeds:
                net = random_network(n0, ws, seed=seed, distribution=dist,
                                     scale=integer_scale if dist == "integer" else 1)
                exact = exact_count(net, count=count, max_regions=max_regions)
                if progress is not None:
                    progress(1)
                for spec in specs:
                    if spec.precondition is not None and spec.precondition(n0, ws) is not None:
                        continue
                    bound = spec.function(n0, ws)
                    rows.append({
                        "input_dim": n0, "widths": label, "arch": f"{n0}:{label}", "distribution": dist,
                        "seed": seed, "mode": spec.name, "kind": spec.kind, "bound": bound, "exact": exact,
                        "ratio": bound / exact, "log10_ratio": log10_int(bound) - log10_int(exact),
                    })
    if as_frame:
        import pandas as pd

        return pd.DataFrame(rows)
    return rows


def summarize(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mean and spread of ``bound / exact`` per (architecture, mode, distribution), in ladder order.

    Returns
    -------
    list of dict
        Keys ``arch``, ``mode``, ``kind``, ``distribution``, ``n`` (networks), ``bound``, ``exact_mean``,
        ``ratio_mean``, ``ratio_sd`` (0 for one network), ``ratio_min``, ``ratio_max``, ``log10_ratio_mean``.

    Examples
    --------
    >>> rows = [dict(arch="2:4", mode="serra", kind="upper", distribution="gaussian", bound=11, exact=e,
    ...              ratio=11 / e, log10_ratio=0.0) for e in (11, 10)]
    >>> s = summarize(rows)[0]
    >>> s["n"], round(s["ratio_mean"], 3), s["ratio_min"], s["ratio_max"]
    (2, 1.05, 1.0, 1.1)
    """
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault((r["arch"], r["mode"], r["distribution"]), []).append(r)
    out = []
    for (arch, mode, dist), grp in groups.items():
        ratios = [g["ratio"] for g in grp]
        out.append({
            "arch": arch, "mode": mode, "kind": grp[0]["kind"], "distribution": dist, "n": len(grp),
            "bound": grp[0]["bound"], "exact_mean": statistics.fmean(g["exact"] for g in grp),
            "ratio_mean": statistics.fmean(ratios),
            "ratio_sd": statistics.stdev(ratios) if len(ratios) > 1 else 0.0,
            "ratio_min": min(ratios), "ratio_max": max(ratios),
            "log10_ratio_mean": statistics.fmean(g["log10_ratio"] for g in grp),
        })
    return out
