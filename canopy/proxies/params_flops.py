"""Size baselines: #params and FLOPs of a torch model, with the "every_op" and "effective" counting rules.

* **#params** = Σ numel over all parameters (``proxies.md`` §3.1).
* **FLOPs** = multiply-accumulates of Conv and Linear layers, **bias included**, at batch 1, as xautodl's
  ``flop_benchmark`` counts them (pools, BN and activations are free), measured by forward hooks on a copy.
* ``counting="every_op"`` counts the model as built (the NB201 API convention: dead edges included).
  ``counting="effective"`` drops ops that lie on no input→output path of the cell; it needs the architecture:
  for an NB201 network (``model.cell`` is an :class:`canopy.spaces.nb201.NB201Cell`, or pass ``cell=``) we count
  the network built from ``cell.effective()`` with the same C, N and classes. Counting dead ops moves ρ by ≈0.07
  on NB201 (``proxies.md`` §7.5), so the rule is part of the protocol.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from canopy.errors import ProxySettingsError

from ._common import DEFAULT_INPUT_SHAPE, model_copy

__all__ = ["num_params", "flops", "COUNTINGS"]

COUNTINGS = ("every_op", "effective")


def _effective_model(model: nn.Module, counting: str, cell: Any) -> nn.Module:
    if counting not in COUNTINGS:
        raise ProxySettingsError(f"unknown counting rule {counting!r}; valid: {', '.join(COUNTINGS)}")
    if counting == "every_op":
        return model
    from canopy.spaces.nb201 import NB201Cell
    from canopy.spaces.nb201_torch import build_nb201_network

    cell = cell if cell is not None else getattr(model, "cell", None)
    if isinstance(cell, str):
        cell = NB201Cell.from_string(cell)
    if not isinstance(cell, NB201Cell):
        raise ProxySettingsError(
            "counting='effective' needs the architecture: pass cell=NB201Cell(...) or score a network built by "
            "canopy.spaces.nb201_torch.build_nb201_network (it carries .cell)"
        )
    C = getattr(model, "_C", 16)
    N = getattr(model, "_layerN", 5)
    classes = model.classifier.out_features if isinstance(getattr(model, "classifier", None), nn.Linear) else 10
    return build_nb201_network(cell.effective(), num_classes=classes, C=C, N=N)


def num_params(
    model: nn.Module, inputs: Any = None, *, seed: int = 0, counting: str = "every_op", cell: Any = None
) -> float:
    """Number of parameters (as a float; ``inputs`` and ``seed`` are ignored).

    Examples
    --------
    >>> num_params(torch.nn.Linear(3, 2))
    8.0
    """
    net = _effective_model(model, counting, cell)
    return float(sum(p.numel() for p in net.parameters()))


def flops(
    model: nn.Module,
    inputs: Any = None,
    *,
    seed: int = 0,
    input_shape: Sequence[int] | None = None,
    counting: str = "every_op",
    cell: Any = None,
) -> float:
    """Multiply-accumulates of Conv/Linear layers (bias included) for one sample (as a float).

    Parameters
    ----------
    inputs : tensor, optional
        Only its per-sample shape is used. Default ``input_shape`` (3x32x32).
    counting : {"every_op", "effective"}
        See the module docstring.

    Examples
    --------
    >>> flops(torch.nn.Linear(3, 2), input_shape=(3,))  # 3*2 + 2 bias
    8.0
    """
    if inputs is not None:
        x0 = inputs[0] if isinstance(inputs, (tuple, list)) else inputs
        shape = tuple(x0.shape[1:])
    else:
        shape = tuple(input_shape) if input_shape is not None else DEFAULT_INPUT_SHAPE
    net = model_copy(_effective_model(model, counting, cell)).eval()
    total = [0]
    handles = []

    def hook(module, inp, out):
        if isinstance(module, nn.Linear):
            n_out = out.numel() // module.out_features
            total[0] += n_out * module.in_features * module.out_features
            if module.bias is not None:
                total[0] += n_out * module.out_features
        else:
            per_position = module.weight[0].numel() * module.out_channels
            positions = out.numel() // (out.shape[0] * module.out_channels)
            total[0] += per_position * positions
            if module.bias is not None:
                total[0] += module.out_channels * positions

    try:
        for m in net.modules():
            if isinstance(m, (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)):
                handles.append(m.register_forward_hook(hook))
        with torch.no_grad():
            net(torch.zeros((1, *shape)))
    finally:
        for h in handles:
            h.remove()
    return float(total[0])
