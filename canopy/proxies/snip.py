"""snip: connection sensitivity ``Σ |W ⊙ ∂L/∂W|`` over Conv/Linear weights (``proxies.md`` §3.3).

foresight/NASLib attach a mask c = 1 to every weight and differentiate w.r.t. c by monkeypatching ``forward``;
∂L/∂c = W ⊙ ∂L/∂W, so we compute the same number from the ordinary weight gradient (no patched forward).
Train mode, BN kept, default init, cross-entropy on one batch. Larger is better.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from ._common import prepare_batch, weight_gradients, working_copy

__all__ = ["snip"]


def snip(
    model: torch.nn.Module,
    inputs: Any = None,
    *,
    seed: int = 0,
    batch_size: int = 32,
    input_shape: Sequence[int] | None = None,
    num_classes: int | None = None,
    init: str = "none",
) -> float:
    """SNIP score of ``model`` (never modified); settings as :func:`canopy.proxies.grad_norm.grad_norm`.

    Examples
    --------
    >>> net = torch.nn.Sequential(torch.nn.Linear(4, 3))
    >>> snip(net, input_shape=(4,), batch_size=8) > 0
    True
    """
    x, y, _ = prepare_batch(model, inputs, seed=seed, batch_size=batch_size, input_shape=input_shape,
                            num_classes=num_classes, need_labels=True)
    assert y is not None  # need_labels=True always draws labels
    net = working_copy(model, init=init, seed=seed, train=True)
    weights, grads = weight_gradients(net, x, y)
    return float(sum((w.detach() * g).abs().sum() for w, g in zip(weights, grads) if g is not None))
