"""Scatter and rank plots of a proxy against ground-truth accuracy (one figure per proxy).

Left panel: proxy score against test accuracy. Right panel: proxy rank against accuracy rank (rank 1 = best),
which is what Kendall τ / Spearman ρ measure. The title carries τ, ρ and nDCG; the footer the protocol.

Examples
--------
>>> import tempfile, os
>>> out = correlation_figure([90.0, 91.0, 93.0, 92.5], [1.0, 2.0, 4.0, 3.0], proxy="toy",
...                          path=os.path.join(tempfile.mkdtemp(), "toy.png"))
>>> os.path.getsize(out) > 0
True
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["correlation_figure", "plot_correlations"]


def _ranks(values: Sequence[float]) -> list[float]:
    from scipy.stats import rankdata

    return list(rankdata([-v for v in values], method="average"))


def correlation_figure(
    accuracies: Sequence[float],
    scores: Sequence[float],
    *,
    proxy: str,
    path: str | os.PathLike[str],
    metrics: Mapping[str, Any] | None = None,
    protocol: str = "",
    allow_missing: bool = False,
) -> Path:
    """Write a scatter + rank figure of one proxy to ``path`` (format from the suffix); return the path.

    Parameters
    ----------
    accuracies, scores : sequence of float
        Same length, all finite (a failed proxy item is NaN): otherwise nothing is drawn and
        :class:`~canopy.plots.panel.IncompleteDataError` is raised, unless ``allow_missing``.
    proxy : str
        Name shown in the title.
    path : path
    metrics : mapping, optional
        ``{"tau": {"value": ...}, "rho": ..., "ndcg": ...}`` as in :func:`canopy.evaluation.correlate_scores`.
    protocol : str
        One line shown under the plot.
    allow_missing : bool, default False
        Leave non-finite pairs out of the plot, and say how many in the title.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    IncompleteDataError
        A non-finite score or accuracy, unless ``allow_missing``; no file is written.
    """
    from canopy.metrics import apply_nan_policy
    from canopy.plots.figure import saved_figure
    from canopy.plots.panel import IncompleteDataError

    bad = [i for i, (s_, a) in enumerate(zip(scores, accuracies)) if not (_finite(s_) and _finite(a))]
    if len(scores) != len(accuracies):
        raise IncompleteDataError(f"{proxy}: {len(scores)} scores for {len(accuracies)} accuracies")
    if bad and not allow_missing:
        raise IncompleteDataError(
            f"{proxy}: {len(bad)} of {len(scores)} architectures have no finite score or accuracy (first: index "
            f"{bad[0]}) -- the figure is not drawn from incomplete data; rerun to retry failed items")
    kept_scores, kept_acc, _ = apply_nan_policy(scores, accuracies, "omit")
    sc, acc = kept_scores.tolist(), [] if kept_acc is None else kept_acc.tolist()
    with saved_figure(path, nrows=1, ncols=2, figsize=(9, 4)) as (fig, (ax1, ax2)):
        ax1.scatter(sc, acc, s=6, alpha=0.5)
        ax1.set_xlabel(f"{proxy} score")
        ax1.set_ylabel("test accuracy (%)")
        if sc:
            ax2.scatter(_ranks(sc), _ranks(acc), s=6, alpha=0.5)
        ax2.set_xlabel(f"{proxy} rank (1 = best)")
        ax2.set_ylabel("accuracy rank (1 = best)")
        title = proxy
        if metrics:
            parts = []
            for name, label in (("tau", "τ"), ("rho", "ρ"), ("ndcg", "nDCG")):
                value = (metrics.get(name) or {}).get("value")
                if value is not None and math.isfinite(value):
                    parts.append(f"{label} = {value:.3f}")
            title += "   " + ", ".join(parts)
        if bad:
            title += f"   ({len(bad)} of {len(scores)} not drawn: no finite value)"
        fig.suptitle(title)
        if protocol:
            fig.text(0.01, 0.01, protocol, fontsize=6, wrap=True)
        fig.tight_layout(rect=(0, 0.05, 1, 0.95))
    return Path(path)


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def plot_correlations(result: Any, outdir: str | os.PathLike[str]) -> list[Path]:
    """One figure per proxy of a :class:`canopy.evaluation.EvaluationResult` in ``outdir``; return the paths.

    Files are named ``<space>_<dataset>_<proxy>.png``.
    """
    out = []
    for proxy, scores in result.scores.items():
        corr = result.correlations.get(proxy, {})
        protocol = "; ".join(f"{k}={v}" for k, v in corr.get("protocol", {}).items() if k != "versions")
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{result.space}_{result.dataset}_{proxy}") + ".png"
        out.append(
            correlation_figure(result.accuracies, scores, proxy=proxy, path=Path(outdir) / name, metrics=corr,
                               protocol=protocol)
        )
    return out
