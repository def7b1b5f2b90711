"""The search experiments behind the README's trajectory figures and tables (moved out of the library).

Run ``python benchmarks/search_experiments.py --help``; ``benchmarks/figures.py`` draws them.

* :func:`nb201_comparison` — REA driven by each fitness (tropical score, #params, VKDNW, validation accuracy)
  and random search, over NAS-Bench-201, for each dataset; trajectories stored and reused.
* :func:`darts_pool` / :func:`darts_pool_comparison` — what can honestly be searched in the DARTS space here:
  the 500 NAS-Bench-301 architectures whose only label is the NB301 **surrogate** prediction of CIFAR-10
  validation accuracy. Search is restricted to that pool (mutation moves to the nearest pool member), and the
  plotted value is the surrogate accuracy of the incumbent. No trained DARTS accuracies exist here.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Sequence
from typing import Any

from canopy.search.runner import SearchConfig, run_seeds
from canopy.search.spaces import NB201Space, PoolSpace

__all__ = [
    "NB201_LABELS",
    "NB201_LABELS_STRUCTURE",
    "nb201_comparison",
    "load_nb301_subset",
    "darts_pool",
    "darts_pool_comparison",
    "darts_tropical_fitness",
    "genotype_distance",
    "nb201_pool_comparison",
]

#: label -> (algorithm, fitness) of the NB201 comparison
NB201_LABELS: dict[str, tuple[str, str]] = {
    "REA + tropical": ("rea", "tropical"),
    "REA + tropical (serra)": ("rea", "tropical:serra"),
    "REA + #params": ("rea", "params"),
    "REA + valid acc (ground truth)": ("rea", "valid"),
    "random search + valid acc": ("random", "valid"),
    "random search + tropical": ("random", "tropical"),
}

#: NB201 comparison with the structure-aware scores of issue 11 added (the README figure)
NB201_LABELS_STRUCTURE: dict[str, tuple[str, str]] = {
    **NB201_LABELS,
    "REA + tropical (local)": ("rea", "tropical:local"),
}


def nb201_comparison(
    *,
    datasets: Sequence[str] = ("cifar10", "cifar100", "ImageNet16-120"),
    labels: dict[str, tuple[str, str]] | None = None,
    seeds: Sequence[int] = tuple(range(10)),
    n_evals: int = 1000,
    population_size: int = 64,
    sample_size: int = 10,
    data_dir: Any = None,
    store: Any = None,
    progress: Callable[[str], None] | None = None,
) -> dict[tuple[str, str], list[Any]]:
    """Run every labelled configuration on every dataset; return ``{(dataset, label): trajectories}``.

    Parameters
    ----------
    datasets : sequence of str
    labels : dict, optional
        label -> ``(algorithm, fitness)``; default :data:`NB201_LABELS`.
    seeds : sequence of int
    n_evals, population_size, sample_size : int
    data_dir : path, optional
    store : ResultStore, optional
        Proxy values and trajectories are stored and complete runs reused.
    progress : callable, optional
        Called with a one-line message per configuration.
    """
    labels = labels or NB201_LABELS
    space = NB201Space()
    out: dict[tuple[str, str], list[Any]] = {}
    for dataset in datasets:
        for label, (algorithm, fitness) in labels.items():
            cfg = SearchConfig(
                space="nb201", fitness=fitness, algorithm=algorithm, n_evals=n_evals, dataset=dataset,
                population_size=population_size, sample_size=sample_size,
            )
            out[(dataset, label)] = run_seeds(cfg, list(seeds), space=space, data_dir=data_dir, store=store)
            if progress:
                from canopy.search.trajectory import final_summary

                s = final_summary(out[(dataset, label)])
                progress(f"{dataset:15s} {label:32s} test {s['test_mean']:.2f} +- {s['test_std']:.2f}")
    return out


def load_nb301_subset(data_dir: Any = None) -> list[dict[str, Any]]:
    """The 500 NAS-Bench-301 archs of :class:`canopy.benchmarks.NB301SurrogateTable` as rows.

    Returns
    -------
    list of dict
        One per arch (file order): ``genotype``, ``compact`` (str), ``surrogate_valid`` (the NB301
        **surrogate** prediction of CIFAR-10 validation accuracy, not a trained accuracy), and the published
        NASLib proxies (``params``, ``flops``, ``synflow``, ...).
    """
    from canopy.benchmarks import NB301SurrogateTable

    table = NB301SurrogateTable.load(data_dir)
    acc = table.surrogate_accuracies()
    proxies = {p: table.proxy_scores(p) for p in table.proxy_names}
    rows = []
    for i, g in enumerate(table.genotypes()):
        row = {p: float(v[i]) for p, v in proxies.items()}
        row.update(genotype=g, compact=str(g.to_compact()), surrogate_valid=float(acc[i]))
        rows.append(row)
    return rows


def genotype_distance(a: Any, b: Any) -> int:
    """Number of ``(op, input)`` pairs that differ between two genotypes (normal and reduce cells).

    Examples
    --------
    >>> from canopy.spaces.darts import Genotype
    >>> c = (((0, 4), (1, 3), (0, 2), (2, 3), (2, 3), (0, 3), (2, 6), (3, 5)),) * 2
    >>> g = Genotype.from_compact(c)
    >>> genotype_distance(g, g)
    0
    """
    return sum(x != y for x, y in zip(a.normal, b.normal)) + sum(x != y for x, y in zip(a.reduce, b.reduce))


def darts_pool(data_dir: Any = None) -> tuple[PoolSpace, list[dict[str, Any]]]:
    """The 500-arch NB301 pool as a :class:`PoolSpace` labelled ``(surrogate_valid, None)``, and its rows."""
    rows = load_nb301_subset(data_dir)
    labels = {r["compact"]: (float(r["surrogate_valid"]), None) for r in rows}
    by_genotype = {r["genotype"]: r for r in rows}
    space = PoolSpace(
        "nb301-pool500",
        [r["genotype"] for r in rows],
        key=lambda g: by_genotype[g]["compact"],
        distance=genotype_distance,
        labels=labels,
    )
    return space, rows


def darts_tropical_fitness(mode: str = "generic", *, store: Any = None) -> Any:
    """The tropical DARTS cell score as a cached fitness (space ``"darts"``, key = compact encoding)."""
    from canopy.search.fitness import make_fitness
    from canopy.search.spaces import DartsSpace

    return make_fitness(DartsSpace(), f"tropical:{mode}", store=store)


def darts_pool_comparison(
    *,
    seeds: Sequence[int] = tuple(range(20)),
    n_evals: int = 150,
    population_size: int = 20,
    sample_size: int = 5,
    data_dir: Any = None,
    tropical_mode: str = "generic",
    store: Any = None,
    extra_modes: Sequence[str] = (),
) -> dict[str, list[Any]]:
    """Search within the 500-arch NB301 pool; return ``{label: trajectories}``.

    ``extra_modes`` adds one ``"REA + tropical (<mode>)"`` search per further tropical mode (e.g. ``"local"``).

    Fitnesses: the tropical DARTS cell score, the published #params column (NASLib, NB301 network), the
    surrogate accuracy itself (an *oracle* upper reference: selection on the plotted value), and random
    search with the surrogate. The logged ``valid_of_incumbent`` is the surrogate accuracy; there is no test
    value. Tropical scores are cached in ``store`` under space ``"darts"`` (shared with ``canopy search``).
    """
    space, rows = darts_pool(data_dir)
    by_key = {r["compact"]: r for r in rows}
    oracle = space.ground_truth()

    trop = darts_tropical_fitness(tropical_mode, store=store)
    fits = {
        "REA + tropical": ("rea", trop),
        "REA + #params (published)": ("rea", lambda g: float(by_key[space.key(g)]["params"])),
        "REA + surrogate (oracle)": ("rea", lambda g: float(by_key[space.key(g)]["surrogate_valid"])),
        "random search + surrogate": ("random", lambda g: float(by_key[space.key(g)]["surrogate_valid"])),
        "random search + tropical": ("random", trop),
    }
    for mode in extra_modes:
        fits[f"REA + tropical ({mode})"] = ("rea", darts_tropical_fitness(mode, store=store))
    out = {}
    for label, (algorithm, fn) in fits.items():
        cfg = SearchConfig(space=space.name, fitness=label, algorithm=algorithm, n_evals=n_evals,
                           population_size=population_size, sample_size=sample_size, dataset="cifar10")
        out[label] = run_seeds(cfg, list(seeds), space=space, fitness=fn, oracle=oracle)
    return out


def nb201_pool_comparison(
    scores_csv: Any,
    *,
    columns: Sequence[str] = ("vkdnw", "params"),
    dataset: str = "cifar10",
    seeds: Sequence[int] = tuple(range(10)),
    n_evals: int = 100,
    population_size: int = 20,
    sample_size: int = 5,
    data_dir: Any = None,
    store: Any = None,
) -> dict[str, list[Any]]:
    """Search restricted to the NB201 archs of a score table (e.g. ``results/nb201_scores_cifar10.csv``).

    For proxies too slow to evaluate inside a search loop on this CPU (VKDNW: seconds per network), the
    scores ``canopy evaluate`` computed for a seeded sample are the fitness, and every search — the tropical
    score, the table's columns, validation accuracy and random search — runs on the same pool so they compare
    fairly. Mutation moves to a nearest pool member (fewest differing edges). Rows whose score is missing or
    not finite are dropped from the pool for every fitness. A column ``"a>b"`` is the lexicographic order of
    ``(a, b)`` (e.g. ``"aleph>vkdnw"``: VKDNW's ranking by the number of parameter tensors, then VKDNW),
    used through its rank within the pool.

    Returns
    -------
    dict
        label -> trajectories (``test_of_incumbent``: 200-epoch seed-mean test accuracy on ``dataset``).
    """
    import csv
    import math

    from canopy.search.fitness import make_fitness

    nb = NB201Space()
    with open(scores_csv, newline="") as fh:
        table = list(csv.DictReader(fh))

    def value(row: dict[str, str], col: str) -> float:
        text = row.get(col, "")
        return float(text) if text not in ("", None) else math.nan

    parts = {c: c.split(">") for c in columns}
    keep = [r for r in table if all(math.isfinite(value(r, p)) for c in columns for p in parts[c])]
    cells = [nb.parse(r["arch"]) for r in keep]
    by_key = {r["arch"]: r for r in keep}
    for col in columns:  # "a>b": lexicographic (a, then b), as a rank within the pool (exact order)
        if len(parts[col]) > 1:
            order = sorted(tuple(value(r, p) for p in parts[col]) for r in keep)
            rank = {t: float(i) for i, t in enumerate(order)}  # equal tuples: the last index, same for all
            for r in keep:
                r[col] = repr(rank[tuple(value(r, p) for p in parts[col])])
    oracle = nb.ground_truth(dataset, data_dir)
    pool = PoolSpace(
        f"nb201-pool{len(cells)}",
        cells,
        key=nb.key,
        distance=lambda a, b: sum(x != y for x, y in zip(a.ops, b.ops)),
        labels={nb.key(c): oracle(c) for c in cells},
    )
    fits: dict[str, tuple[str, Callable[[Any], float]]] = {}
    for col in columns:
        fits[f"REA + {col} (stored)"] = ("rea", lambda c, col=col: value(by_key[nb.key(c)], col))
    fits["REA + tropical"] = ("rea", make_fitness(nb, "tropical", store=store))
    fits["REA + valid acc (ground truth)"] = ("rea", lambda c: float(oracle(c)[0]))
    fits["random search + valid acc"] = ("random", lambda c: float(oracle(c)[0]))
    out = {}
    for label, (algorithm, fn) in fits.items():
        cfg = SearchConfig(space=pool.name, fitness=label, algorithm=algorithm, n_evals=n_evals, dataset=dataset,
                           population_size=population_size, sample_size=sample_size)
        out[label] = run_seeds(cfg, list(seeds), space=pool, fitness=fn, oracle=pool.ground_truth())
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run one experiment and print the final incumbents' accuracies (mean ± std over seeds) per search."""
    from canopy.search.trajectory import final_summary
    from canopy.store import ResultStore

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("experiment", choices=("nb201", "darts-pool", "nb201-pool"))
    ap.add_argument("--seeds", type=int, default=10, help="number of search seeds (0..N-1)")
    ap.add_argument("--n-evals", type=int, default=None, help="evaluations per search (default: the experiment's)")
    ap.add_argument("--datasets", default="cifar10,cifar100,ImageNet16-120", help="nb201 / nb201-pool datasets")
    ap.add_argument("--scores-csv", default="results/nb201_scores_{dataset}.csv", help="nb201-pool score table")
    ap.add_argument("--columns", default="vkdnw,aleph>vkdnw,params", help="nb201-pool stored score columns")
    ap.add_argument("--data", default=None, help="benchmark data folder ($CANOPY_DATA_DIR)")
    ap.add_argument("--store", default=None, help="result store (default: in memory only)")
    args = ap.parse_args(argv)
    seeds = tuple(range(args.seeds))
    extra = {} if args.n_evals is None else {"n_evals": args.n_evals}
    store = ResultStore(args.store) if args.store else None
    try:
        groups: dict[str, list[Any]] = {}
        if args.experiment == "nb201":
            runs = nb201_comparison(datasets=args.datasets.split(","), seeds=seeds, data_dir=args.data, store=store,
                                    progress=print, **extra)
            groups = {f"{d} {label}": t for (d, label), t in runs.items()}
        elif args.experiment == "darts-pool":
            groups = darts_pool_comparison(seeds=seeds, data_dir=args.data, store=store, **extra)
        else:
            for dataset in args.datasets.split(","):
                got = nb201_pool_comparison(args.scores_csv.format(dataset=dataset),
                                            columns=args.columns.split(","), dataset=dataset, seeds=seeds,
                                            data_dir=args.data, store=store, **extra)
                groups.update({f"{dataset} {label}": t for label, t in got.items()})
        for label, trajs in groups.items():
            s = final_summary(trajs)
            value = "valid" if math.isnan(s["test_mean"]) else "test"
            print(f"{label:48s} {value} {s[value + '_mean']:.2f} +- {s[value + '_std']:.2f}")
    finally:
        if store is not None:
            store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
