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

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from canopy.plots.figure import saved_figure
from canopy.plots.trajectory import write_rows_csv

__all__ = ["Panel", "save_panel"]


@dataclass
class Panel:
    """A computed figure: its data rows, its caption (the protocol), and how to draw it.

    ``extra["ncols"]`` asks for that many side-by-side axes (``draw`` then gets the array of axes);
    ``extra["finals"]`` (rows) is written as ``<name>_final.csv``.
    """

    name: str
    title: str
    caption: str
    rows: list[dict[str, Any]]
    draw: Callable[[Any], Any]
    size: tuple[float, float] = (6.4, 4.6)
    extra: dict[str, Any] = field(default_factory=dict)


def save_panel(panel: Panel, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write ``<name>.png`` (with title and caption) and ``<name>.csv``; return the paths written."""
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
