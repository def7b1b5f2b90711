"""Zen-score (Lin et al., ICCV 2021; ``proxies.md`` §3.11), NASLib settings.

On a copy re-initialised N(0, 1) (Conv/Linear weights; biases 0; BN gamma 1, beta 0), in train mode under
``no_grad``: draw x, ε ~ N(0, 1), f = the pre-GAP feature map (``model.forward_features`` -- NASLib calls it
``forward_before_global_avg_pool`` -- or, for any other model, the input of its last global pooling /
flatten, by the rule of :mod:`canopy.proxies._features`), ``Δ = mean_n Σ_{c,h,w} |f(x) − f(x + 0.01 ε)|``,
Zen = log Δ + Σ_{BN} log sqrt(mean_c running_var_c) (running_var read after both passes), averaged over
``repeat`` draws (NASLib: 1; Zen-NAS CLI: 32). Larger is better.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from ._common import DEFAULT_INPUT_SHAPE, check_positive_int, model_copy, reinit_, sub_seed, torch_generator
from ._features import pre_pooling_features

__all__ = ["zen"]


def zen(
    model: nn.Module,
    inputs: Any = None,
    *,
    seed: int = 0,
    batch_size: int = 32,
    input_shape: Sequence[int] | None = None,
    repeat: int = 1,
    mixup_gamma: float = 1e-2,
) -> float:
    """Zen-score of ``model`` (never modified); its pre-pooling map is found by :mod:`canopy.proxies._features`.

    Parameters
    ----------
    inputs : tensor, optional
        Only its per-sample shape and batch size are used (Zen draws its own Gaussian inputs).

    Examples
    --------
    >>> class Net(torch.nn.Module):
    ...     def __init__(self):
    ...         super().__init__(); self.c = torch.nn.Conv2d(3, 4, 3); self.bn = torch.nn.BatchNorm2d(4)
    ...     def forward_features(self, x): return torch.relu(self.bn(self.c(x)))
    ...     def forward(self, x): return self.forward_features(x).mean((2, 3))
    >>> isinstance(zen(Net(), input_shape=(3, 8, 8), batch_size=4), float)
    True
    """
    repeat = check_positive_int("repeat", repeat)
    if inputs is not None:
        x0 = inputs[0] if isinstance(inputs, (tuple, list)) else inputs
        batch_size, shape = x0.shape[0], tuple(x0.shape[1:])
    else:
        shape = tuple(input_shape) if input_shape is not None else DEFAULT_INPUT_SHAPE
        batch_size = check_positive_int("batch_size", batch_size)
    gen = torch_generator(sub_seed(seed, 0))
    scores = []
    for r in range(repeat):
        net = model_copy(model).train()
        reinit_(net, "gaussian", seed=sub_seed(seed, 10 + r))
        with torch.no_grad():
            a = torch.randn((batch_size, *shape), generator=gen)
            b = torch.randn((batch_size, *shape), generator=gen)
            f1 = pre_pooling_features(net, a, proxy="zen")
            f2 = pre_pooling_features(net, a + mixup_gamma * b, proxy="zen")
            delta = float(torch.abs(f1 - f2).reshape(batch_size, -1).sum(1).mean())
            log_bn = 0.0
            for m in net.modules():
                if isinstance(m, nn.BatchNorm2d) and m.running_var is not None:
                    log_bn += math.log(math.sqrt(float(m.running_var.mean())))
        scores.append((math.log(delta) if delta > 0 else float("-inf")) + log_bn)
    return float(sum(scores) / len(scores))
