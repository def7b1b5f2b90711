"""ZiCo (Li et al., ICLR 2023; ``proxies.md`` §3.12): gradient signal-to-noise over two batches.

Cross-entropy gradients g^{(b)} of every Conv/Linear weight over ``num_batches = 2`` batches (train mode,
default init; AZ-NAS: 2 batches of 64). Per weight ``μ = mean_b |g|``, ``σ = std_b g`` (ddof 0);
ZiCo = Σ_l log Σ_{ω∈l, σ_ω≠0} μ_ω/σ_ω, layers whose inner sum is 0 skipped. Larger is better.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F

from canopy.errors import ProxySettingsError

from ._common import check_positive_int, conv_linear_layers, logits_of, prepare_batch, sub_seed, working_copy

__all__ = ["zico"]


def zico(
    model: torch.nn.Module,
    inputs: Any = None,
    *,
    seed: int = 0,
    batch_size: int = 64,
    num_batches: int = 2,
    input_shape: Sequence[int] | None = None,
    num_classes: int | None = None,
    init: str = "none",
) -> float:
    """ZiCo score of ``model`` (never modified).

    Parameters
    ----------
    inputs : sequence of (x, y) batches, optional
        Default: ``num_batches`` synthetic Gaussian batches with random labels.

    Examples
    --------
    >>> net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    >>> isinstance(zico(net, input_shape=(4,), batch_size=8), float)
    True
    """
    if inputs is None:
        num_batches = check_positive_int("num_batches", num_batches, minimum=2)
        batches = [prepare_batch(model, None, seed=sub_seed(seed, 100 + b), batch_size=batch_size,
                                 input_shape=input_shape, num_classes=num_classes, need_labels=True)[:2]
                   for b in range(num_batches)]
    else:
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2 or not all(
                isinstance(b, (list, tuple)) and len(b) == 2 for b in inputs):
            raise ProxySettingsError("zico inputs must be a sequence of at least two (x, y) batches")
        batches = [(b[0].detach(), b[1].detach().long()) for b in inputs]
    net = working_copy(model, init=init, seed=seed, train=True)
    layers = [m for _, m in conv_linear_layers(net)]
    per_layer: list[list[torch.Tensor]] = [[] for _ in layers]
    for x, y in batches:
        assert y is not None  # need_labels=True always draws labels
        loss = F.cross_entropy(logits_of(net(x)), y)
        grads = torch.autograd.grad(loss, [m.weight for m in layers], allow_unused=True)
        for i, (m, g) in enumerate(zip(layers, grads)):
            per_layer[i].append((g if g is not None else torch.zeros_like(m.weight)).reshape(-1).double())
    total = 0.0
    for gs in per_layer:
        g = torch.stack(gs)
        std = g.std(0, unbiased=False)
        mean_abs = g.abs().mean(0)
        nz = std != 0
        s = float((mean_abs[nz] / std[nz]).sum())
        if s != 0:
            total += math.log(s)
    return total
