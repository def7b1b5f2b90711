"""Tropical expressivity score as a proxy: a thin wrapper around
:func:`canopy.nas.tropical_score.tropical_expressivity_score` (owned by BOUNDS/CELLS).

Scores a torch model (traced by ``canopy.nas.trace.score_module``) or, when the model is an NB201 network
carrying ``.cell``, that cell (``canopy.nas.cells.nb201_cell_score``); returns log10 of a region-count bound.
Larger is better. Deterministic: ``inputs`` and ``seed`` are not used except for the input shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from torch import nn

from ._common import DEFAULT_INPUT_SHAPE

__all__ = ["tropical"]


def tropical(
    model: nn.Module,
    inputs: Any = None,
    *,
    seed: int = 0,
    input_shape: Sequence[int] | None = None,
    mode: str = "generic",
) -> float:
    """log10 region-count score of ``model`` under ``mode`` (see ``tropical_expressivity_score``).

    Examples
    --------
    >>> callable(tropical)
    True
    """
    from canopy.nas.tropical_score import tropical_expressivity_score

    if inputs is not None:
        x0 = inputs[0] if isinstance(inputs, (tuple, list)) else inputs
        shape = tuple(x0.shape[1:])
    else:
        shape = tuple(input_shape) if input_shape is not None else DEFAULT_INPUT_SHAPE
    target = getattr(model, "cell", None)
    if target is not None and type(target).__name__ == "NB201Cell":
        return float(tropical_expressivity_score(target, mode=mode))
    return float(tropical_expressivity_score(model, mode=mode, input_shape=shape))
