"""The "bound tightness paradox" figure: log10(bound / exact count) per architecture, one line per mode.

Upper bounds sit above 0 (how loose they are on random networks), lower bounds on the maximum may sit above
0 too (random networks are far from the maximum).  Bars span min..max over seeds; solid lines are Gaussian
weights, dashed lines degenerate integer weights.

Examples
--------
>>> import os, tempfile
>>> rows = [dict(arch="2:4", mode="serra", kind="upper", distribution="gaussian", n=1, bound=11,
...              exact_mean=10.0, ratio_mean=1.1, ratio_sd=0.0, ratio_min=1.1, ratio_max=1.1,
...              log10_ratio_mean=0.0414)]
>>> out = plot_tightness(rows, os.path.join(tempfile.mkdtemp(), "t.png"))
>>> os.path.getsize(out) > 0
True
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["plot_tightness"]


def plot_tightness(summary: Sequence[dict[str, Any]], path: str | os.PathLike[str], *, title: str | None = None) -> Path:
    """Draw the tightness summary (:func:`canopy.bounds.tightness.summarize` rows) to ``path``.

    Parameters
    ----------
    summary : sequence of dict
        Rows with ``arch``, ``mode``, ``kind``, ``distribution``, ``ratio_mean``, ``ratio_min``, ``ratio_max``.
    path : path-like
        Output file; the format follows the suffix (``.png``, ``.pdf``, ``.svg``).
    title : str, optional

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    archs: list[str] = []
    for r in summary:
        if r["arch"] not in archs:
            archs.append(r["arch"])
    xpos = {a: i for i, a in enumerate(archs)}
    modes = []
    for r in summary:
        if r["mode"] not in modes:
            modes.append(r["mode"])
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    fig, ax = plt.subplots(figsize=(max(6.0, 0.7 * len(archs) + 3), 4.5))
    for mi, mode in enumerate(modes):
        for dist, style in (("gaussian", "-"), ("integer", "--")):
            pts = [r for r in summary if r["mode"] == mode and r["distribution"] == dist]
            if not pts:
                continue
            shift = 0.07 * (mi - (len(modes) - 1) / 2) + (0.025 if dist == "integer" else 0.0)
            xs = [xpos[r["arch"]] + shift for r in pts]
            ys = [math.log10(r["ratio_mean"]) for r in pts]
            lo = [y - math.log10(r["ratio_min"]) for y, r in zip(ys, pts)]
            hi = [math.log10(r["ratio_max"]) - y for y, r in zip(ys, pts)]
            kind = pts[0].get("kind", "")
            ax.errorbar(xs, ys, yerr=[lo, hi], linestyle=style, marker="o" if kind == "upper" else "v",
                        color=colors[mi % len(colors)], capsize=2, markersize=4,
                        label=f"{mode} ({kind}), {dist}")
    ax.axhline(0.0, color="black", linewidth=0.8)
    ax.set_xticks(range(len(archs)))
    ax.set_xticklabels(archs, rotation=45, ha="right")
    ax.set_xlabel("architecture  n0:widths")
    ax.set_ylabel("log10(bound / exact linear regions)")
    ax.set_title(title or "Bound tightness on random networks (mean, min-max over seeds)")
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out, dpi=130)
    plt.close(fig)
    return out
