"""Rank metrics of proxy scores against accuracies: Kendall τ-b, Spearman ρ, nDCG@k, top-k hit rate; log-rank sums.

Examples
--------
>>> kendall_tau([1, 2, 3], [1, 3, 2]), spearman_rho([1, 2, 3], [1, 2, 3])
(0.333, 1.0)
"""

from __future__ import annotations

import math

import numpy as np

from canopy.errors import InvalidArgumentError

__all__ = ["TIE_POLICIES", "RELEVANCES", "kendall_tau", "spearman_rho", "ndcg", "top_k_hit_rate", "log_rank_sum"]

TIE_POLICIES = ("ignore", "average")
RELEVANCES = ("exp2", "linear")


def _pair(x, y, name_x="x", name_y="y") -> tuple[np.ndarray, np.ndarray]:
    try:
        a = np.asarray(x, dtype=float).ravel()
        b = np.asarray(y, dtype=float).ravel()
    except (TypeError, ValueError) as exc:
        raise InvalidArgumentError(f"{name_x} and {name_y} must be sequences of numbers: {exc}") from None
    if a.shape != b.shape:
        raise InvalidArgumentError(f"{name_x} and {name_y} must have the same length, got {a.size} and {b.size}")
    if a.size < 2:
        raise InvalidArgumentError(f"need at least 2 paired values, got {a.size}")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise InvalidArgumentError(
            f"{name_x} and {name_y} must be finite (drop NaN scores first, e.g. correlate(..., nan_policy='omit'))"
        )
    return a, b


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
    raise InvalidArgumentError(f"relevance must be one of {RELEVANCES}, got {relevance!r}")


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
        raise InvalidArgumentError(f"k must be a positive int, got {k!r}")
    if ties not in TIE_POLICIES:
        raise InvalidArgumentError(f"ties must be one of {TIE_POLICIES}, got {ties!r}")
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
        raise InvalidArgumentError(f"k must be a count or a fraction, got {k!r}")
    if isinstance(k, (float, np.floating)) and 0 < k < 1:
        kk = max(1, int(round(k * a.size)))
    elif isinstance(k, (int, np.integer)) and 1 <= k:
        kk = min(int(k), a.size)
    else:
        raise InvalidArgumentError(f"k must be an int >= 1 or a fraction in (0, 1), got {k!r}")
    true_top = set(np.argsort(-a, kind="stable")[:kk].tolist())
    pred_top = set(np.argsort(-s, kind="stable")[:kk].tolist())
    return len(true_top & pred_top) / kk


def log_rank_sum(components) -> np.ndarray:
    """Sum over the components of ``log`` of the average rank (ascending) over the population.

    The aggregation of AZ-NAS and VKDNW_agg (:mod:`canopy.proxies.aggregate`): a larger score gets a larger
    rank; NaN / infinite values take the component's minimum over the population (as the released VKDNW
    analysis does for jacov).

    Parameters
    ----------
    components : mapping of str to sequence of float
        Component name -> its scores over the population (all of one length).

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> log_rank_sum({"a": [1.0, 3.0, 2.0], "b": [10.0, 30.0, 20.0]}).round(3).tolist()
    [0.0, 2.197, 1.386]
    >>> log_rank_sum({"x": [5.0, float("nan"), 7.0]}).round(3).tolist()   # NaN counts as the minimum 5.0
    [0.405, 0.405, 1.099]
    """
    if not components:
        raise InvalidArgumentError("a log-rank sum needs at least one component")
    n = len(next(iter(components.values())))
    total = np.zeros(n)
    for name, values in components.items():
        arr = np.asarray(values, dtype=float)
        if arr.shape != (n,):
            raise InvalidArgumentError(f"component {name!r} has {arr.size} values, expected {n}")
        bad = ~np.isfinite(arr)
        if bad.any():
            arr = arr.copy()
            arr[bad] = np.nanmin(np.where(bad, np.nan, arr)) if (~bad).any() else 0.0
        total = total + np.log(_average_ranks(arr))
    return total
