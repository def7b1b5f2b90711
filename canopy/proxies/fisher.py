"""fisher: channel-wise Fisher saliency of Conv/Linear outputs, fan-in weighted (``proxies.md`` §3.5).

Hook each Conv/Linear output a_l (N×C×...) and its gradient g_l = ∂L/∂a_l (tensor hooks, removed in
``finally``). F_{l,c} = ½ mean_n (Σ_spatial a ⊙ g)²_{n,c}; foresight broadcasts each channel value to every
weight of the channel before summing, so ``S = Σ_l fan_in(l) · Σ_c |F_{l,c}|`` with fan_in = numel(W_l[0]).
Train mode, default init, cross-entropy on one batch. Larger is better.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F

from ._common import conv_linear_layers, logits_of, prepare_batch, working_copy

__all__ = ["fisher"]


def fisher(
    model: torch.nn.Module,
    inputs: Any = None,
    *,
    seed: int = 0,
    batch_size: int = 32,
    input_shape: Sequence[int] | None = None,
    num_classes: int | None = None,
    init: str = "none",
) -> float:
    """Fisher (Turner et al.) score of ``model`` (never modified); settings as grad_norm.

    Examples
    --------
    >>> net = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.ReLU(), torch.nn.Linear(5, 3))
    >>> fisher(net, input_shape=(4,), batch_size=8) >= 0
    True
    """
    x, y, _ = prepare_batch(model, inputs, seed=seed, batch_size=batch_size, input_shape=input_shape,
                            num_classes=num_classes, need_labels=True)
    assert y is not None  # need_labels=True always draws labels
    net = working_copy(model, init=init, seed=seed, train=True)
    acts: list[tuple[torch.nn.Module, torch.Tensor]] = []
    handles = []

    def hook(module, inp, out):
        acts.append((module, out))

    try:
        for _, m in conv_linear_layers(net):
            handles.append(m.register_forward_hook(hook))
        loss = F.cross_entropy(logits_of(net(x)), y)
    finally:
        for h in handles:
            h.remove()
    outs = [a for _, a in acts]
    if not outs:
        return 0.0
    grads = torch.autograd.grad(loss, outs, allow_unused=True)
    per_layer: dict[int, torch.Tensor] = {}
    total = 0.0
    for (mod, a), g in zip(acts, grads):
        if g is None:
            continue
        ag = (a.detach() * g).reshape(a.shape[0], a.shape[1], -1).sum(-1) if a.dim() > 2 else a.detach() * g
        del_k = ag.pow(2).mean(0).mul(0.5)
        per_layer[id(mod)] = per_layer.get(id(mod), 0) + del_k
    for _, layer in conv_linear_layers(net):
        if id(layer) in per_layer:
            total += float(per_layer[id(layer)].abs().sum()) * layer.weight[0].numel()
    return total
