"""grad_norm: sum over Conv/Linear layers of the Frobenius norm of the loss gradient (``proxies.md`` §3.2).

S = Σ_l ‖∂L/∂W_l‖_F, L the cross-entropy of one batch, network in train mode (BN kept), default init —
as foresight / NASLib (``grad_norm.py``). Larger is better. Synthetic Gaussian inputs and uniform random labels
by default (NASLib used one real CIFAR batch of 32).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from ._common import prepare_batch, weight_gradients, working_copy

__all__ = ["grad_norm"]


def grad_norm(
    model: torch.nn.Module,
    inputs: Any = None,
    *,
    seed: int = 0,
    batch_size: int = 32,
    input_shape: Sequence[int] | None = None,
    num_classes: int | None = None,
    init: str = "none",
) -> float:
    """grad_norm score of ``model`` (never modified).

    Parameters
    ----------
    model : torch.nn.Module
    inputs : tensor or (x, y), optional
        Default: ``batch_size`` Gaussian inputs of ``input_shape`` (3x32x32) with uniform random labels.
    seed : int
    batch_size, input_shape, num_classes
        Synthetic-data settings (num_classes inferred from the model when None).
    init : {"none", "kaiming_norm_fanin", "gaussian"}
        Re-initialisation of the copy (NASLib: none).

    Examples
    --------
    >>> net = torch.nn.Sequential(torch.nn.Linear(4, 3))
    >>> grad_norm(net, input_shape=(4,), batch_size=8) > 0
    True
    """
    x, y, _ = prepare_batch(model, inputs, seed=seed, batch_size=batch_size, input_shape=input_shape,
                            num_classes=num_classes, need_labels=True)
    assert y is not None  # need_labels=True always draws labels
    net = working_copy(model, init=init, seed=seed, train=True)
    _, grads = weight_gradients(net, x, y)
    return float(sum(g.norm() for g in grads if g is not None))
