"""SWAP (Peng et al., ICLR 2024; ``proxies.md`` §3.14): sample-wise activation patterns.

Forward hooks on ``nn.ReLU`` modules whose input is 4-D; the outputs of one batch (N = 16) are flattened and
concatenated to A (N × M); SWAP = number of distinct rows of sign(A)ᵀ (distinct per-neuron sample patterns).
The network is re-initialised N(0, 1) before each of ``repeat`` forward passes (32 in the paper) and the score
is the mean. ``regularize=(mu, sigma)`` multiplies by exp(−(P_K − mu)²/sigma), P_K = #params / 1000.
Larger is better.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from ._common import check_positive_int, model_copy, prepare_batch, reinit_, sub_seed

__all__ = ["swap"]


def swap(
    model: nn.Module,
    inputs: Any = None,
    *,
    seed: int = 0,
    batch_size: int = 16,
    input_shape: Sequence[int] | None = None,
    repeat: int = 32,
    regularize: tuple[float, float] | None = None,
) -> float:
    """SWAP score of ``model`` (never modified).

    Examples
    --------
    >>> net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU())
    >>> 1 <= swap(net, input_shape=(3, 6, 6), repeat=2) <= 4 * 4 * 4
    True
    """
    repeat = check_positive_int("repeat", repeat)
    x, _, _ = prepare_batch(model, inputs, seed=seed, batch_size=batch_size, input_shape=input_shape)
    scores = []
    for r in range(repeat):
        net = model_copy(model).train()
        reinit_(net, "gaussian", seed=sub_seed(seed, 10 + r))
        acts: list[torch.Tensor] = []
        handles = []

        def hook(module, inp, out, acts=acts):
            if inp[0].dim() == 4:
                acts.append(torch.sign(out.detach()).reshape(out.shape[0], -1))

        try:
            for m in net.modules():
                if isinstance(m, nn.ReLU):
                    handles.append(m.register_forward_hook(hook))
            with torch.no_grad():
                net(x)
        finally:
            for h in handles:
                h.remove()
        if not acts:
            scores.append(0.0)
            continue
        A = torch.cat(acts, dim=1)
        scores.append(float(torch.unique(A.T, dim=0).shape[0]))
    score = sum(scores) / len(scores)
    if regularize is not None:
        mu, sigma = regularize
        pk = sum(p.numel() for p in model.parameters()) / 1000.0
        score *= math.exp(-((pk - mu) ** 2) / sigma)
    return float(score)
