"""grasp: Σ −θ ⊙ H g over Conv/Linear weights (``proxies.md`` §3.4, foresight/NASLib sign: larger is better).

First pass: g = ∂L/∂θ (detached). Second pass with ``create_graph=True``: z = Σ_l ⟨g_l, ∂L/∂θ_l⟩ and
Hg = ∂z/∂θ. Score S = Σ (−θ ⊙ Hg). T = 1, one iteration, train mode (BN batch statistics), default init.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from ._common import prepare_batch, weight_gradients, working_copy

__all__ = ["grasp"]


def grasp(
    model: torch.nn.Module,
    inputs: Any = None,
    *,
    seed: int = 0,
    batch_size: int = 32,
    input_shape: Sequence[int] | None = None,
    num_classes: int | None = None,
    init: str = "none",
    temperature: float = 1.0,
) -> float:
    """GraSP score of ``model`` (never modified); settings as :func:`canopy.proxies.grad_norm.grad_norm`.

    Examples
    --------
    >>> net = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.ReLU(), torch.nn.Linear(5, 3))
    >>> isinstance(grasp(net, input_shape=(4,), batch_size=8), float)
    True
    """
    x, y, _ = prepare_batch(model, inputs, seed=seed, batch_size=batch_size, input_shape=input_shape,
                            num_classes=num_classes, need_labels=True)
    assert y is not None  # need_labels=True always draws labels
    net = working_copy(model, init=init, seed=seed, train=True)
    weights, first = weight_gradients(net, x, y, temperature=temperature)
    g = [gi.detach() if gi is not None else None for gi in first]
    _, gf = weight_gradients(net, x, y, temperature=temperature, create_graph=True)
    z = sum((gi * fi).sum() for gi, fi in zip(g, gf) if gi is not None and fi is not None)
    if not isinstance(z, torch.Tensor) or not z.requires_grad:
        return 0.0
    hg = torch.autograd.grad(z, weights, allow_unused=True)
    return float(sum((-w.detach() * h).sum() for w, h in zip(weights, hg) if h is not None))
