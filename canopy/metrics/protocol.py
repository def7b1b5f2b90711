"""Every correlation carries its protocol: :class:`Protocol`, :func:`correlate`, the NB201 architecture sets.

Examples
--------
>>> p = Protocol(ground_truth="toy", architecture_set="toy-4", proxy="score")
>>> correlate([2.0, 3.0, 4.0, 1.0], [70.0, 80.0, 90.0, 60.0], p).kendall_tau
1.0
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from canopy._random import as_generator
from canopy.errors import InvalidArgumentError
from canopy.metrics.ranking import RELEVANCES, TIE_POLICIES, kendall_tau, ndcg, spearman_rho, top_k_hit_rate
from canopy.metrics.resampling import apply_nan_policy, bootstrap_ci
from canopy.store import package_versions

__all__ = ["ARCHITECTURE_SETS", "select_architectures", "Protocol", "CorrelationResult", "correlate"]

# ---------------------------------------------------------------------------- protocol
#: Named architecture sets of the NB201 space (see :func:`select_architectures`).
ARCHITECTURE_SETS = {
    "all": "all 15,625 NB201 cells",
    "fully-effective": "the 9,445 cells without cut-off or unreachable ops (zc_combine / GRAF subset)",
    "canonical": "one cell per NB201 isomorphism class (6,466; first in the given order)",
}


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
        raise InvalidArgumentError(f"arch_set must be one of {tuple(ARCHITECTURE_SETS)}, got {arch_set!r}")
    desc = f"{arch_set}: {ARCHITECTURE_SETS[arch_set]}"
    if sample is not None:
        if isinstance(sample, bool) or not isinstance(sample, (int, np.integer)) or not 1 <= sample <= idx.size:
            raise InvalidArgumentError(f"sample must be an int in 1..{idx.size}, got {sample!r}")
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
            raise InvalidArgumentError(f"tie_policy must be one of {TIE_POLICIES}, got {self.tie_policy!r}")
        if self.relevance not in RELEVANCES:
            raise InvalidArgumentError(f"relevance must be one of {RELEVANCES}, got {self.relevance!r}")

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
    progress: Callable[[int], object] | None = None,
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
    progress : callable, optional
        Called with ``1`` after each bootstrap resample (``3 * n_boot`` calls: τ, ρ, nDCG), e.g. a ``tqdm``
        bar's ``update``.

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
        raise InvalidArgumentError(f"protocol must be a canopy.metrics.Protocol, got {type(protocol).__name__}")
    s = np.asarray(scores, dtype=float).ravel()
    a = np.asarray(accs, dtype=float).ravel()
    if s.shape != a.shape:
        raise InvalidArgumentError(f"scores and accs must have the same length, got {s.size} and {a.size}")
    s, kept, n_bad = apply_nan_policy(s, a, nan_policy)
    a = kept if kept is not None else a
    dropped = n_bad if nan_policy == "omit" else 0
    tau = kendall_tau(s, a)
    rho = spearman_rho(s, a)
    nd = ndcg(a, s, k=protocol.ndcg_k, relevance=protocol.relevance, ties=protocol.tie_policy)
    hits = {int(k): top_k_hit_rate(a, s, k=int(k)) for k in top_k}
    ci = {}
    if n_boot:
        ci["kendall_tau"] = bootstrap_ci(kendall_tau, s, a, n_boot=n_boot, seed=seed, progress=progress)
        ci["spearman_rho"] = bootstrap_ci(spearman_rho, s, a, n_boot=n_boot, seed=seed, progress=progress)
        ci["ndcg"] = bootstrap_ci(
            lambda x, y: ndcg(y, x, k=protocol.ndcg_k, relevance=protocol.relevance, ties=protocol.tie_policy),
            s, a, n_boot=n_boot, seed=seed, progress=progress,
        )
    return CorrelationResult(protocol, int(s.size), tau, rho, nd, hits, ci, dropped)
