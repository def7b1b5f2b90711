"""One way to make a figure file: ``with saved_figure(path, **subplots) as (fig, axes): ...``.

Examples
--------
>>> import tempfile, os
>>> with tempfile.TemporaryDirectory() as d:
...     with saved_figure(os.path.join(d, "f.png"), figsize=(2, 2)) as (fig, ax):
...         _ = ax.plot([0, 1], [1, 0])
...     os.path.getsize(os.path.join(d, "f.png")) > 0
True
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["saved_figure"]


@contextlib.contextmanager
def saved_figure(path: str | os.PathLike[str], *, dpi: int = 110, **subplots: Any) -> Iterator[tuple[Any, Any]]:
    """``with saved_figure(path, figsize=...) as (fig, axes):`` draw; on exit the figure is saved and closed.

    ``subplots`` go to :func:`matplotlib.pyplot.subplots` (Agg backend unless one is chosen). The parent folder
    is created. If drawing raises, nothing is written and the figure is still closed.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(**subplots)
    try:
        yield fig, axes
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(target, dpi=dpi)
    finally:
        plt.close(fig)
