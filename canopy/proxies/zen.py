"""Zen-score (Lin et al., ICCV 2021; ``proxies.md`` §3.11), NASLib settings.

On a copy re-initialised N(0, 1) (Conv/Linear weights; biases 0; BN gamma 1, beta 0), in train mode under
``no_grad``: draw x, ε ~ N(0, 1), f = the pre-GAP feature map (``model.forward_features``; NASLib calls it
``forward_before_global_avg_pool``), ``Δ = mean_n Σ_{c,h,w} |f(x) − f(x + 0.01 ε)|``,
Zen = log Δ + Σ_{BN} log sqrt(mean_c running_var_c) (running_var read after both passes), averaged over
``repeat`` draws (NASLib: 1; Zen-NAS CLI: 32). Larger is better.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from canopy.errors import UnsupportedOperationError

from ._common import DEFAULT_INPUT_SHAPE, check_positive_int, model_copy, reinit_, sub_seed, torch_generator

__all__ = ["zen"]


def _features(net: nn.Module, x: torch.Tensor) -> torch.Tensor:
    for name in ("forward_features", "forward_pre_GAP", "forward_before_global_avg_pool"):
        fn = getattr(net, name, None)
        if callable(fn):
            return fn(x)
    raise UnsupportedOperationError(
        f"zen needs the pre-global-average-pooling feature map: {type(net).__name__} has no "
        "forward_features(x) (nor forward_pre_GAP / forward_before_global_avg_pool)"
    )


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
    """Zen-score of ``model`` (never modified); ``model`` must provide ``forward_features(x)``.

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
    if not any(callable(getattr(model, n, None)) for n in
               ("forward_features", "forward_pre_GAP", "forward_before_global_avg_pool")):
        _features(model, torch.zeros(1))  # raises the clear error
    gen = torch_generator(sub_seed(seed, 0))
    scores = []
    for r in range(repeat):
        net = model_copy(model).train()
        reinit_(net, "gaussian", seed=sub_seed(seed, 10 + r))
        with torch.no_grad():
            a = torch.randn((batch_size, *shape), generator=gen)
            b = torch.randn((batch_size, *shape), generator=gen)
            f1 = _features(net, a)
            f2 = _features(net, a + mixup_gamma * b)
            delta = float(torch.abs(f1 - f2).reshape(batch_size, -1).sum(1).mean())
            log_bn = 0.0
            for m in net.modules():
                if isinstance(m, nn.BatchNorm2d) and m.running_var is not None:
                    log_bn += math.log(math.sqrt(float(m.running_var.mean())))
        scores.append((math.log(delta) if delta > 0 else float("-inf")) + log_bn)
    return float(sum(scores) / len(scores))
