"""A captioned figure panel and its data: draw it to PNG and write the rows behind it to CSV.

Reusable by any experiment script (the README figures are built by ``benchmarks/figures.py``).

Examples
--------
>>> import tempfile
>>> panel = Panel("demo", "Demo", "Protocol: nothing.", [{"x": 0}], lambda ax: ax.plot([0, 1], [0, 1]))
>>> with tempfile.TemporaryDirectory() as d:
...     [p.suffix for p in save_panel(panel, d)]
['.png', '.csv']
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from canopy.errors import DataFileError
from canopy.plots.figure import saved_figure
from canopy.plots.trajectory import write_rows_csv

__all__ = ["Panel", "save_panel", "check_complete", "IncompleteDataError"]


class IncompleteDataError(DataFileError):
    """A figure's data has a hole (no rows, or a missing / non-finite value where one is required)."""


@dataclass
class Panel:
    """A computed figure: its data rows, its caption (the protocol), and how to draw it.

    ``extra["ncols"]`` asks for that many side-by-side axes (``draw`` then gets the array of axes);
    ``extra["finals"]`` (rows) is written as ``<name>_final.csv``. Every value of ``rows`` and of the finals
    must be present and finite (:func:`check_complete`), except in the columns named in ``optional``.
    """

    name: str
    title: str
    caption: str
    rows: list[dict[str, Any]]
    draw: Callable[[Any], Any]
    size: tuple[float, float] = (6.4, 4.6)
    extra: dict[str, Any] = field(default_factory=dict)
    optional: frozenset[str] = frozenset()


def check_complete(name: str, rows: Sequence[Mapping[str, Any]], optional: frozenset[str] = frozenset()) -> None:
    """Refuse figure data with a hole: no rows, or a None / empty / non-finite value outside ``optional``.

    Raises
    ------
    IncompleteDataError
        One line naming the data, the column, how many rows miss it and the first such row's labels.

    Examples
    --------
    >>> check_complete("demo", [{"label": "a", "mean": 1.0}])
    >>> check_complete("demo", [{"label": "a", "mean": float("nan")}, {"label": "b", "mean": None}])
    Traceback (most recent call last):
    ...
    canopy.plots.panel.IncompleteDataError: demo: column 'mean' is missing in 2 of 2 rows (first: label=a) -- ...
    """
    if not rows:
        raise IncompleteDataError(f"{name}: no data rows -- nothing to draw")
    holes: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        for col, value in row.items():
            if col in optional:
                continue
            if value is None or value == "" or (isinstance(value, float) and not math.isfinite(value)):
                holes.setdefault(col, []).append(row)
    if holes:
        col, bad = next(iter(holes.items()))
        labels = ", ".join(f"{k}={v}" for k, v in bad[0].items() if isinstance(v, str) and v)
        more = f"; also {', '.join(repr(c) for c in list(holes)[1:])}" if len(holes) > 1 else ""
        raise IncompleteDataError(
            f"{name}: column {col!r} is missing in {len(bad)} of {len(rows)} rows (first: {labels or 'no label'})"
            f"{more} -- the figure is not drawn from incomplete data (ground truth or scores missing?)"
        )


def save_panel(panel: Panel, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write ``<name>.png`` (with title and caption) and ``<name>.csv``; return the paths written.

    Raises
    ------
    IncompleteDataError
        Before anything is written, when the rows or the finals have a hole (:func:`check_complete`).
    """
    check_complete(f"{panel.name}.csv", panel.rows, panel.optional)
    if "finals" in panel.extra:
        check_complete(f"{panel.name}_final.csv", panel.extra["finals"], panel.optional)
    out = Path(out_dir)
    ncols = int(panel.extra.get("ncols", 1))
    png = out / f"{panel.name}.png"
    with saved_figure(png, dpi=100, nrows=1, ncols=ncols, figsize=panel.size, squeeze=False) as (fig, axes):
        panel.draw(axes[0] if ncols > 1 else axes[0][0])
        fig.suptitle(panel.title, fontsize=11)
        fig.text(0.01, 0.005, panel.caption, fontsize=6.5, wrap=True, va="bottom")
        fig.tight_layout(rect=(0, 0.12, 1, 0.95))
    csv_path = write_rows_csv(panel.rows, out / f"{panel.name}.csv")
    paths = [png, csv_path]
    if "finals" in panel.extra:
        paths.append(write_rows_csv(panel.extra["finals"], out / f"{panel.name}_final.csv"))
    return paths
