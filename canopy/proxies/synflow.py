"""synflow: data-free synaptic flow ``Σ |θ ⊙ ∂R/∂θ|`` (``proxies.md`` §3.6).

On a copy with **BN replaced by identity** (foresight's ``bn=False``), converted to float64, every parameter
and buffer replaced by its absolute value; R = Σ f(1) for an all-ones input of one sample; the score sums
``|W ⊙ ∂R/∂W|`` over Conv/Linear weights. By default the natural log of S is returned (NASLib reports log S, or
−log(−S) if S < 0; ranks are unchanged); ``log=False`` gives S. Larger is better.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch

from ._common import (
    DEFAULT_INPUT_SHAPE,
    conv_linear_layers,
    logits_of,
    model_copy,
    reinit_,
    replace_batchnorm_by_identity,
    sub_seed,
)

__all__ = ["synflow"]


def synflow(
    model: torch.nn.Module,
    inputs: Any = None,
    *,
    seed: int = 0,
    input_shape: Sequence[int] | None = None,
    init: str = "none",
    log: bool = True,
    keep_bn: bool = False,
) -> float:
    """SynFlow score of ``model`` (never modified).

    Parameters
    ----------
    inputs : tensor, optional
        Only its per-sample shape is used (the input is all ones).
    input_shape : tuple, optional
        Per-sample input shape (default 3x32x32).
    log : bool
        Return log S (NASLib convention; default) instead of S.
    keep_bn : bool
        foresight's ``synflow_bn`` variant (BN kept, in train mode).

    Examples
    --------
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 2, bias=False), torch.nn.ReLU(), torch.nn.Linear(2, 1, bias=False))
    >>> with torch.no_grad():
    ...     _ = net[0].weight.copy_(torch.tensor([[1., -2.], [3., 4.]]))
    ...     _ = net[2].weight.copy_(torch.tensor([[-1., 2.]]))
    >>> synflow(net, input_shape=(2,), log=False)  # R = 3*1 + 2*7 = 17; S = 2R
    34.0
    """
    if inputs is not None:
        shape = tuple(inputs[0].shape[1:] if isinstance(inputs, (tuple, list)) else inputs.shape[1:])
    else:
        shape = tuple(input_shape) if input_shape is not None else DEFAULT_INPUT_SHAPE
    net = model_copy(model)
    reinit_(net, init, seed=sub_seed(seed, 1))
    if not keep_bn:
        replace_batchnorm_by_identity(net)
    net = net.double().train()
    with torch.no_grad():
        for t in list(net.parameters()) + list(net.buffers()):
            if t.is_floating_point():
                t.abs_()
    weights = [m.weight for _, m in conv_linear_layers(net)]
    r = logits_of(net(torch.ones((1, *shape), dtype=torch.float64))).sum()
    grads = torch.autograd.grad(r, weights, allow_unused=True)
    s = float(sum((w.detach() * g).abs().sum() for w, g in zip(weights, grads) if g is not None))
    if not log:
        return s
    if s > 0:
        return math.log(s)
    if s < 0:
        return -math.log(-s)
    return float("-inf")
