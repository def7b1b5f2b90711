"""AZ-NAS expressivity and progressivity (Lee & Ham, CVPR 2024; ``proxies.md`` §3.16) — trainability is
**not implemented** (see Notes).

On a copy re-initialised Kaiming-normal fan-in, in train mode, with a Gaussian batch (64 x 3 x 32 x 32): for each
feature map F_l of ``model.cell_features(x)`` (NB201: the stem output and every block's output, as provided by
``canopy.spaces.nb201_torch``; any other model: its direct children's 4-D outputs, by the rule of
:mod:`canopy.proxies._features`), reshape to (B·H·W) × C, centre, Σ_l = FᵀF/(BHW), E_l = entropy of
eig(Σ_l)/tr(Σ_l) (``eigvalsh``, float64, +1e-8 inside the log as AZ-NAS).
**Expressivity** = Σ_l E_l; **progressivity** = min_l (E_{l+1} − E_l). Larger is better.

Notes
-----
AZ-NAS trainability (Rademacher back-propagation through each block with pixel-unshuffle at stride changes) is
not implemented here, so :func:`canopy.proxies.vkdnw.vkdnw_agg` can only use FLOPs, expressivity, jacov and the
(ℵ, VKDNW) rank; results computed without trainability must say so. Which feature maps AZ-NAS's
``extract_cell_features`` returns for NB201 (with or without the stem) was not checked against its code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from ._common import prepare_batch, working_copy
from ._features import block_features

__all__ = ["layer_entropies", "expressivity", "progressivity"]


def layer_entropies(
    model: torch.nn.Module,
    inputs: Any = None,
    *,
    seed: int = 0,
    batch_size: int = 64,
    input_shape: Sequence[int] | None = None,
    init: str = "kaiming_norm_fanin",
) -> list[float]:
    """E_l for every per-block feature map (:func:`canopy.proxies._features.block_features`; model never modified).

    Examples
    --------
    >>> class Net(torch.nn.Module):
    ...     def __init__(self):
    ...         super().__init__(); self.a = torch.nn.Conv2d(3, 4, 3); self.b = torch.nn.Conv2d(4, 4, 3)
    ...     def cell_features(self, x):
    ...         f = self.a(x); return [f, self.b(torch.relu(f))]
    ...     def forward(self, x): return self.cell_features(x)[-1].mean((2, 3))
    >>> len(layer_entropies(Net(), batch_size=4, input_shape=(3, 8, 8)))
    2
    """
    x, _, _ = prepare_batch(model, inputs, seed=seed, batch_size=batch_size, input_shape=input_shape)
    net = working_copy(model, init=init, seed=seed, train=True)
    out = []
    with torch.no_grad():
        for f in block_features(net, x, proxy="AZ-NAS"):
            b, c, h, w = f.shape
            feat = f.permute(0, 2, 3, 1).reshape(b * h * w, c).double()
            feat = feat - feat.mean(0, keepdim=True)
            sigma = feat.T @ feat / feat.shape[0]
            s = torch.linalg.eigvalsh(sigma)
            p = s / s.sum()
            out.append(float((-p * torch.log(p + 1e-8)).sum()))
    return out


def expressivity(model: torch.nn.Module, inputs: Any = None, *, seed: int = 0, **settings: Any) -> float:
    """AZ-NAS expressivity Σ_l E_l (settings as :func:`layer_entropies`).

    Examples
    --------
    >>> callable(expressivity)
    True
    """
    return float(sum(layer_entropies(model, inputs, seed=seed, **settings)))


def progressivity(model: torch.nn.Module, inputs: Any = None, *, seed: int = 0, **settings: Any) -> float:
    """AZ-NAS progressivity min_l (E_{l+1} − E_l) (settings as :func:`layer_entropies`).

    Examples
    --------
    >>> callable(progressivity)
    True
    """
    e = layer_entropies(model, inputs, seed=seed, **settings)
    if len(e) < 2:
        return 0.0
    return float(min(b - a for a, b in zip(e[:-1], e[1:])))
