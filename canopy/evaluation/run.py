"""``evaluate()``: score NB201 architectures with proxies through the durable store; correlate with ground truth.

What a proxy computes on one architecture is :func:`canopy.scoring.score`; how the items run (serial, process
pool, Dask) is :mod:`canopy.evaluation.executor`; which architectures, :mod:`canopy.evaluation.architectures`.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from canopy.errors import CanopyError, UnknownProxyError
from canopy.evaluation.architectures import canonical_archs, select_architectures
from canopy.evaluation.executor import RunStats, run_items
from canopy.proxies.aggregate import AGGREGATES, combine
from canopy.proxies.registry import get_proxy
from canopy.scoring import as_float, make_items
from canopy.store import ResultStore, canonical_json

__all__ = ["NB201_DATASETS", "EvaluationResult", "evaluate", "correlate_scores", "default_store_path"]

#: datasets with NB201 ground truth (their classes and resolution: :data:`canopy.scoring.DATASETS`)
NB201_DATASETS = ("cifar10", "cifar100", "ImageNet16-120")


def default_store_path() -> Path:
    """``$CANOPY_STORE`` or ``./canopy-results.sqlite``.

    Examples
    --------
    >>> default_store_path().suffix
    '.sqlite'
    """
    return Path(os.environ.get("CANOPY_STORE", "canopy-results.sqlite"))


@dataclass
class EvaluationResult:
    """Scores, ground truth and correlations of one evaluation.

    Attributes
    ----------
    space, dataset, subset : str
    archs : list of str
        Evaluated architectures (canonical strings, official index order when sampled from the table).
    accuracies : list of float
        Ground truth per arch (seed-mean 200-epoch test accuracy, percent).
    scores : dict
        proxy -> list of float (NaN where the proxy failed or returned a non-number).
    correlations : dict
        proxy -> dict with ``tau``, ``rho``, ``ndcg`` (each ``{"value", "ci_low", "ci_high"}``), ``n`` and
        ``protocol`` (a dict).
    stats : RunStats
    """

    space: str
    dataset: str
    subset: str
    archs: list[str]
    accuracies: list[float]
    scores: dict[str, list[float]]
    correlations: dict[str, dict[str, Any]]
    stats: RunStats
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    seed: int = 0
    store_path: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (correlations with protocols and run statistics; no per-arch scores)."""
        return {
            "space": self.space, "dataset": self.dataset, "subset": self.subset, "n_archs": len(self.archs),
            "seed": self.seed, "store": self.store_path, "settings": self.settings,
            "correlations": self.correlations, "run": self.stats.to_dict(),
        }

    def to_frame(self) -> Any:
        """Per-arch scores and accuracy as a pandas DataFrame (columns: arch, accuracy, one per proxy)."""
        import pandas as pd

        return pd.DataFrame({"arch": self.archs, "accuracy": self.accuracies, **self.scores})

    def table(self) -> str:
        """A plain-text table of τ, ρ and nDCG (with CIs) per proxy, followed by each protocol."""
        head = f"{'proxy':<16}{'n':>6}  {'Kendall tau':<24}{'Spearman rho':<24}{'nDCG@k':<24}"
        lines = [head, "-" * len(head)]

        def cell(m: Mapping[str, Any]) -> str:
            v, lo, hi = m.get("value"), m.get("ci_low"), m.get("ci_high")
            if v is None or (isinstance(v, float) and math.isnan(v)):
                return "n/a"
            if lo is None or hi is None:
                return f"{v:.3f}"
            return f"{v:.3f} [{lo:.3f}, {hi:.3f}]"

        for proxy, c in self.correlations.items():
            lines.append(f"{proxy:<16}{c['n']:>6}  {cell(c['tau']):<24}{cell(c['rho']):<24}{cell(c['ndcg']):<24}")
        for proxy, c in self.correlations.items():
            lines.append("")
            lines.append(f"[{proxy}] " + _describe_protocol(c["protocol"]))
        return "\n".join(lines)


def _describe_protocol(protocol: Mapping[str, Any]) -> str:
    from canopy.metrics import Protocol

    fields = set(Protocol.__dataclass_fields__)
    return Protocol(**{k: v for k, v in protocol.items() if k in fields}).describe()


def evaluate(
    *,
    space: str = "nb201",
    proxies: Sequence[str],
    dataset: str = "cifar10",
    sample: int | None = None,
    seed: int = 0,
    sample_seed: int | None = None,
    subset: str = "all",
    archs: Sequence[str] | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    store: ResultStore | str | os.PathLike[str] | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    proxy_settings: Mapping[str, Mapping[str, Any]] | None = None,
    n_boot: int = 1000,
    ndcg_k: int = 1000,
    progress: bool = True,
    ground_truth: str | None = None,
) -> EvaluationResult:
    """Score architectures with proxies through the durable store and correlate with ground truth.

    Parameters
    ----------
    space : {"nb201"}
    proxies : sequence of str
        Proxy names (:func:`available_proxies`) and named aggregates
        (:data:`canopy.proxies.aggregate.AGGREGATES`, e.g. ``"realized_agg"``): an aggregate's components are
        evaluated (and reported) too, and the aggregate is computed over the evaluated architectures.
    dataset : {"cifar10", "cifar100", "ImageNet16-120"}
        Ground truth: NATS seed-mean 200-epoch test accuracy (CIFAR-10 ori-test; x-test otherwise); also
        sets the classes and resolution of the scored networks.
    sample : int, optional
        Score a seeded uniform sample of the subset instead of all of it.
    seed : int, default 0
        Proxy seed (network initialisation and synthetic inputs).
    sample_seed : int, optional
        Seed of the sample (default ``seed``).
    subset : {"all", "fully-effective", "dedup"}
    archs : sequence of str, optional
        Explicit architectures (overrides ``subset``/``sample``).
    data_dir : path, optional
        Benchmark data folder (default ``$CANOPY_DATA_DIR``) of the CSV tables.
    ground_truth : str, optional
        ``"nats:PATH"`` (the official NATS-Bench API), ``"nats"`` (``$NATS_BENCH_TSS_PATH``), ``"tables:DIR"`` or
        ``"tables"``; default ``$NATS_BENCH_TSS_PATH`` when set, else the tables
        (:func:`canopy.benchmarks.ground_truth.load_nb201_ground_truth`). Recorded in every protocol.
    store : ResultStore or path, optional
        Default :func:`default_store_path`.
    workers, scheduler, progress
        See :func:`run_items`.
    proxy_settings : mapping, optional
        proxy -> settings overriding the defaults (all part of the stored key).
    n_boot : int, default 1000
        Bootstrap resamples for the confidence intervals (0: none).
    ndcg_k : int, default 1000

    Returns
    -------
    EvaluationResult

    Raises
    ------
    CanopyError
        Unknown space, dataset, subset or proxy; malformed architectures; missing or corrupt data files;
        an incompatible store. Raised before anything is computed.
    """
    from canopy.benchmarks.ground_truth import load_nb201_ground_truth

    if space != "nb201":
        raise CanopyError(f"unsupported search space {space!r} (supported: nb201)")
    if dataset not in NB201_DATASETS:
        raise CanopyError(f"unknown dataset {dataset!r}; choose one of {', '.join(NB201_DATASETS)}")
    proxies = list(dict.fromkeys(p.strip() for p in proxies if p.strip()))
    if not proxies:
        raise UnknownProxyError("no proxy given")
    # named aggregates (canopy.proxies.aggregate) evaluate their components, then combine them over the set
    aggregates = [p for p in proxies if p in AGGREGATES]
    proxies = list(dict.fromkeys(c for p in proxies for c in (AGGREGATES[p].components if p in AGGREGATES else (p,))))
    specs = [get_proxy(p) for p in proxies]  # unknown names fail here, before any work
    unknown_settings = set(proxy_settings or {}) - set(proxies)
    if unknown_settings:
        raise UnknownProxyError(f"settings given for proxies not evaluated: {', '.join(sorted(unknown_settings))}")
    gt = load_nb201_ground_truth(ground_truth, data_dir)
    table = gt.table
    gt_description = f"{table.describe(dataset, 'test', 200)} [source {gt.source}]"
    if archs is not None:
        arch_list = list(dict.fromkeys(canonical_archs(archs)))
        subset_name = "explicit"
    else:
        arch_list = select_architectures(
            table, subset=subset, sample=sample, seed=seed if sample_seed is None else sample_seed
        )
        subset_name = subset
    from canopy.spaces.nb201 import NB201Cell

    accuracies = [float(table.accuracy(NB201Cell.from_string(a), dataset=dataset, metric="test", epochs=200))
                  for a in arch_list]
    own_store = not isinstance(store, ResultStore)
    st = store if isinstance(store, ResultStore) else ResultStore(store or default_store_path())
    try:
        items = make_items(space, arch_list, proxies, dataset=dataset, seed=seed, proxy_settings=proxy_settings)
        stats = run_items(items, st, workers=workers, scheduler=scheduler, progress=progress)
        scores: dict[str, list[float]] = {}
        settings: dict[str, dict[str, Any]] = {}
        payloads: dict[str, list[Any]] = {}
        n = len(arch_list)
        for spec, start in zip(specs, range(0, len(items), n)):
            chunk = items[start : start + n]
            # the protocol shows every setting in force: registry defaults under the stored (keyed) settings
            settings[spec.name] = {**_jsonable(spec.defaults), **json.loads(chunk[0].settings)}
            results = [st.get(item.key) for item in chunk]
            payloads[spec.name] = results
            scores[spec.name] = [_as_float(r) for r in results]
            single = _population_single(spec.name, results)
            if single is not None:
                scores[f"{spec.name}_single"] = single
                settings[f"{spec.name}_single"] = {**settings[spec.name], "population": "dense rank of (aleph, "
                                                      f"{spec.name}) over the evaluated set"}
        for name in aggregates:
            agg = AGGREGATES[name]
            scores[name] = [float(v) for v in combine(name, {c: scores[c] for c in agg.components},
                                                      {c: payloads[c] for c in agg.components})]
            settings[name] = {"formula": agg.formula, "population": f"the {n} evaluated architectures",
                              "components": {c: settings[c] for c in agg.components}}
    finally:
        if own_store:
            st.close()
    # the bootstrap CIs take seconds to minutes on thousands of architectures (3 metrics x n_boot resamples per
    # proxy, ~30 s per proxy on all 15,625 cells): they get their own progress bar on standard error
    import sys

    from tqdm import tqdm

    with tqdm(total=len(scores) * 3 * n_boot, file=sys.stderr, disable=not (progress and n_boot > 0 and len(arch_list) > 2),
              desc="bootstrap CIs", unit="resample", dynamic_ncols=True, mininterval=0.5) as bar:
        correlations = {
            name: correlate_scores(
                accuracies, values, proxy=name, dataset=dataset, subset=subset_name, settings=settings[name],
                seed=seed, n_boot=n_boot, ndcg_k=ndcg_k, ground_truth=gt_description, progress=bar.update,
            )
            for name, values in scores.items()
        }
    return EvaluationResult(
        space=space, dataset=dataset, subset=subset_name, archs=arch_list, accuracies=accuracies,
        scores=scores, correlations=correlations, stats=stats, settings=settings, seed=seed,
        store_path=str(st.path),
    )


def _jsonable(settings: Mapping[str, Any]) -> dict[str, Any]:
    return json.loads(canonical_json(dict(settings)))


def _population_single(name: str, results: Sequence[Any]) -> list[float] | None:
    """VKDNW_single (dense rank of (ℵ, score), log) when every payload carries ``aleph`` and ``score``."""
    if not results or not all(r is not None and isinstance(r.value, Mapping) and "aleph" in r.value
                              and "score" in r.value for r in results):
        return None
    from canopy.proxies.vkdnw import vkdnw_single

    pairs = [(float(r.value["aleph"]), _as_float(r)) for r in results]
    return [float(v) for v in vkdnw_single(pairs, log=True)]


def _as_float(result: Any) -> float:
    return math.nan if result is None else as_float(result.value)


def correlate_scores(
    accuracies: Sequence[float],
    scores: Sequence[float],
    *,
    proxy: str,
    dataset: str,
    subset: str,
    settings: Mapping[str, Any] | None = None,
    seed: int = 0,
    n_boot: int = 1000,
    ndcg_k: int = 1000,
    ground_truth: str | None = None,
    progress: Callable[[int], object] | None = None,
) -> dict[str, Any]:
    """τ, ρ and nDCG@k with bootstrap CIs and the :class:`canopy.metrics.Protocol`, as a plain dict.

    Computed by :func:`canopy.metrics.correlate` with ``nan_policy="rank_last"``: non-finite scores rank below
    every finite score (:func:`canopy.metrics.apply_nan_policy`); the protocol's notes say how many there were.
    ``progress``, if given, is called with ``1`` after each bootstrap resample (``3 * n_boot`` calls).

    Returns
    -------
    dict
        ``{"n", "tau", "rho", "ndcg", "protocol"}``; each metric is ``{"value", "ci_low", "ci_high"}``
        (CIs None when ``n_boot`` is 0); ``protocol`` is :meth:`canopy.metrics.Protocol.to_dict`.

    Examples
    --------
    >>> out = correlate_scores([90.0, 91.0, 93.0, 92.0], [1.0, 2.0, 4.0, float("nan")], proxy="toy",
    ...                        dataset="cifar10", subset="toy", n_boot=0)
    >>> out["n"], round(out["tau"]["value"], 3), out["protocol"]["notes"]
    (4, 0.333, '1 non-finite score(s) ranked last')
    """
    import numpy as np

    from canopy import metrics

    settings = dict(settings or {})
    sc = np.asarray(scores, dtype=float)
    acc = np.asarray(accuracies, dtype=float)
    bad = ~np.isfinite(sc)
    k = max(1, min(int(ndcg_k), len(sc)))
    if ground_truth is None:
        try:
            from canopy.benchmarks.nb201_table import NB201Table

            ground_truth = NB201Table.describe(dataset, "test", 200)
        except CanopyError:  # pragma: no cover - dataset validated by the caller
            ground_truth = f"{dataset} test accuracy, 200 epochs"
    protocol = metrics.Protocol(
        ground_truth=ground_truth,
        architecture_set=f"NAS-Bench-201 {subset} ({len(sc)} architectures)",
        proxy=proxy,
        counting=settings.get("counting"),
        proxy_settings=settings,
        seed=seed,
        ndcg_k=k,
        notes=f"{int(bad.sum())} non-finite score(s) ranked last" if bad.any() else "",
    )
    if bad.all() or len(sc) < 2:
        nan = {"value": math.nan, "ci_low": None, "ci_high": None}
        return {"n": len(sc), "tau": nan, "rho": dict(nan), "ndcg": dict(nan), "protocol": protocol.to_dict()}
    res = metrics.correlate(sc, acc, protocol, n_boot=n_boot if len(sc) > 2 else 0, seed=seed,
                            nan_policy="rank_last", progress=progress)
    out: dict[str, Any] = {"n": res.n}
    for short, name, value in (("tau", "kendall_tau", res.kendall_tau), ("rho", "spearman_rho", res.spearman_rho),
                               ("ndcg", "ndcg", res.ndcg)):
        ci = res.ci.get(name)
        out[short] = {"value": float(value), "ci_low": None if ci is None else float(ci.low),
                      "ci_high": None if ci is None else float(ci.high)}
    out["protocol"] = protocol.to_dict()
    return out
