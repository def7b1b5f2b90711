"""Search-trajectory plots: the incumbent's accuracy against the number of evaluations, mean and 25–75 % band.

The curve is the test (or surrogate) accuracy of the incumbent chosen by the fitness — never a running maximum
of test accuracy (``proxies.md`` §8.5). One line per configuration, aggregated over seeds with
:func:`canopy.search.trajectory.aggregate`.

Examples
--------
>>> import tempfile, os
>>> from canopy.search import random_search
>>> from canopy.search.spaces import BitStrings
>>> ts = [random_search(BitStrings(4), lambda a: float(sum(a)), n_evals=10, seed=s,
...                     oracle=lambda a: (None, float(sum(a)))) for s in range(3)]
>>> rows = trajectory_rows({"random": ts})
>>> rows[0]["label"], len(rows)
('random', 10)
>>> p = plot_trajectories({"random": ts}, os.path.join(tempfile.mkdtemp(), "t.png"))
>>> os.path.getsize(p) > 0
True
"""

from __future__ import annotations

import csv
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["trajectory_rows", "draw_trajectories", "plot_trajectories", "write_rows_csv"]


def trajectory_rows(
    groups: Mapping[str, Sequence[Any]], field_name: str = "test_of_incumbent", max_points: int | None = 200
) -> list[dict[str, Any]]:
    """Aggregated curves as flat rows (``label, n_evals, mean, median, q25, q75, n_seeds``).

    Curves longer than ``max_points`` steps are kept at about ``max_points`` log-spaced evaluation counts
    (first and last included; the plots use a log x-axis), values rounded to 4 decimals.

    Parameters
    ----------
    groups : mapping of label -> sequence of Trajectory
    field_name : str
        The :class:`~canopy.search.trajectory.Step` field to aggregate.
    max_points : int or None
        Thin long curves to this many log-spaced points (None: every step).

    Returns
    -------
    list of dict
    """
    from canopy.search.trajectory import aggregate

    rows = []
    for label, trajs in groups.items():
        agg = aggregate(list(trajs), field_name)
        keep = _log_spaced(len(agg), max_points)
        for i in keep:
            rows.append({"label": label, **{k: _round(v) for k, v in agg[i].items()}})
    return rows


def _round(v: Any) -> Any:
    return round(v, 4) if isinstance(v, float) else v


def _log_spaced(n: int, max_points: int | None) -> list[int]:
    """Indices ``0..n-1``: all of them, or about ``max_points`` log-spaced ones (first and last kept).

    Examples
    --------
    >>> _log_spaced(5, None)
    [0, 1, 2, 3, 4]
    >>> idx = _log_spaced(1000, 50); idx[0], idx[-1], len(idx) <= 50
    (0, 999, True)
    """
    if max_points is None or n <= max_points:
        return list(range(n))
    import numpy as np

    pts = np.unique(np.round(np.logspace(0, np.log10(n), max_points)).astype(int) - 1)
    out = sorted({int(i) for i in pts if 0 <= i < n} | {0, n - 1})
    return out


def write_rows_csv(rows: Sequence[Mapping[str, Any]], path: str | os.PathLike[str]) -> Path:
    """Write dict rows to a CSV file (columns from the first row); return the path.

    Examples
    --------
    >>> import tempfile, os
    >>> p = write_rows_csv([{"a": 1, "b": 2}], os.path.join(tempfile.mkdtemp(), "x.csv"))
    >>> p.read_text().splitlines()
    ['a,b', '1,2']
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    cols: list[str] = []
    for row in rows:
        cols.extend(k for k in row if k not in cols)
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=cols)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
    return path


def draw_trajectories(
    ax: Any,
    groups: Mapping[str, Sequence[Any]],
    field_name: str = "test_of_incumbent",
    *,
    ylabel: str = "test accuracy of incumbent (%)",
    xlabel: str = "architectures evaluated",
    logx: bool = True,
    colors: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Draw mean curves and 25–75 % bands on ``ax``; return the plotted rows.

    Parameters
    ----------
    ax : matplotlib Axes
    groups : mapping of label -> sequence of Trajectory
    field_name, ylabel, xlabel : str
    logx : bool
        Logarithmic x-axis.
    colors : mapping, optional
        label -> matplotlib colour.
    """
    rows = trajectory_rows(groups, field_name)
    for label in groups:
        mine = [r for r in rows if r["label"] == label and r["n_seeds"] > 0]
        if not mine:
            continue
        x = [r["n_evals"] for r in mine]
        n = max(r["n_seeds"] for r in mine)
        kw = {"color": colors[label]} if colors and label in colors else {}
        (line,) = ax.plot(x, [r["mean"] for r in mine], label=f"{label} (n={n})", lw=1.6, **kw)
        ax.fill_between(x, [r["q25"] for r in mine], [r["q75"] for r in mine], alpha=0.18,
                        color=line.get_color(), lw=0)
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    return rows


def plot_trajectories(
    groups: Mapping[str, Sequence[Any]],
    path: str | os.PathLike[str],
    *,
    field_name: str = "test_of_incumbent",
    title: str = "",
    caption: str = "",
    ylabel: str = "test accuracy of incumbent (%)",
) -> Path:
    """Write a one-panel trajectory figure to ``path`` (PNG/PDF/SVG by suffix); return the path.

    Parameters
    ----------
    groups : mapping of label -> sequence of Trajectory
    path : path
    field_name : str
    title, caption : str
        Title above and protocol caption below the axes.
    ylabel : str
    """
    from canopy.plots.figure import saved_figure

    with saved_figure(path, figsize=(6, 4.2)) as (fig, ax):
        draw_trajectories(ax, groups, field_name, ylabel=ylabel)
        if title:
            ax.set_title(title, fontsize=10)
        if caption:
            fig.text(0.01, 0.01, caption, fontsize=6.5, wrap=True, va="bottom")
            fig.subplots_adjust(bottom=0.25)
    return Path(path)
