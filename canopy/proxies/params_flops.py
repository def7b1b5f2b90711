"""Size baselines: #params and FLOPs of a torch model, with the "every_op" and "effective" counting rules.

* **#params** = Σ numel over all parameters (``proxies.md`` §3.1).
* **FLOPs** = multiply-accumulates of Conv and Linear layers, **bias included**, at batch 1, as xautodl's
  ``flop_benchmark`` counts them (pools, BN and activations are free).  Counted by torch's own
  :class:`torch.utils.flop_counter.FlopCounterMode` on a copy, converted to this convention: FlopCounterMode
  reports **2 FLOPs per multiply-accumulate and no bias additions** (``aten.convolution`` / ``addmm`` /
  ``mm``), so the value is its total / 2 plus one addition per output element of every Conv / Linear with a
  bias (that element count is the module's own multiply-accumulates / its weight's fan-in).  Equal to the
  NB201 closed forms (:meth:`canopy.spaces.nb201.NB201Cell.flops`) and to forward hooks on Conv / Linear
  modules on the NB201, DARTS and MobileNet networks (tested).  A model with matrix products outside Conv /
  Linear modules (attention) counts them too, which module hooks would not.
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
_BIASED = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)


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
    head = getattr(model, "classifier", None)
    classes = head.out_features if isinstance(head, nn.Linear) else 10
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
    >>> flops(torch.nn.Conv2d(3, 4, 3, padding=1, bias=False), input_shape=(3, 8, 8))  # 8*8 * 4 * 27
    6912.0
    """
    if inputs is not None:
        x0 = inputs[0] if isinstance(inputs, (tuple, list)) else inputs
        shape = tuple(x0.shape[1:])
    else:
        shape = tuple(input_shape) if input_shape is not None else DEFAULT_INPUT_SHAPE
    net = model_copy(_effective_model(model, counting, cell)).eval()
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter, torch.no_grad():
        net(torch.zeros((1, *shape)))
    per_module = counter.get_flop_counts()
    root = type(net).__name__
    macs = counter.get_total_flops() // 2
    bias_adds = 0
    for name, m in net.named_modules():
        if isinstance(m, _BIASED) and m.bias is not None:
            module_macs = sum(per_module.get(f"{root}.{name}" if name else root, {}).values()) // 2
            fan_in = m.in_features if isinstance(m, nn.Linear) else m.weight[0].numel()
            bias_adds += module_macs // fan_in
    return float(macs + bias_adds)
