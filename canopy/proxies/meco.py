"""MeCo (Jiang et al., NeurIPS 2023; ``proxies.md`` §3.13): minimum eigenvalues of feature correlations.

One input sample (Gaussian by default; the original NB201 script uses one real image). Forward hooks on
**every** module (containers included); for each module whose output is a 4-D tensor, X = output[0] reshaped
to (C, H·W), P = Pearson correlation of the C rows with NaN/inf -> 0, and MeCo = Σ λ_min(P) (``eigvalsh``,
float64), non-finite terms dropped. Default init; train mode. Larger is better.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from ._common import prepare_batch, working_copy

__all__ = ["meco"]


def meco(
    model: torch.nn.Module,
    inputs: Any = None,
    *,
    seed: int = 0,
    batch_size: int = 1,
    input_shape: Sequence[int] | None = None,
    init: str = "none",
) -> float:
    """MeCo score of ``model`` (never modified); only sample 0 of the batch is used.

    Examples
    --------
    >>> net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU())
    >>> isinstance(meco(net, input_shape=(3, 8, 8)), float)
    True
    """
    x, _, _ = prepare_batch(model, inputs, seed=seed, batch_size=batch_size, input_shape=input_shape)
    net = working_copy(model, init=init, seed=seed, train=True)
    total = 0.0
    handles = []
    feats: list[torch.Tensor] = []

    def hook(module, inp, out):
        if isinstance(out, torch.Tensor) and out.dim() == 4:
            feats.append(out[0].detach())

    try:
        for m in net.modules():
            handles.append(m.register_forward_hook(hook))
        with torch.no_grad():
            net(x)
    finally:
        for h in handles:
            h.remove()
    for f in feats:
        X = f.reshape(f.shape[0], -1).double()
        if X.shape[0] < 2 or X.shape[1] < 2:
            # one position per channel (a 1 x 1 map): P would be all NaN -> 0, so lambda_min = 0 adds nothing;
            # skipping it gives the same total without torch's degrees-of-freedom warning
            continue
        with torch.no_grad():
            P = torch.corrcoef(X)
            P = torch.nan_to_num(P, nan=0.0, posinf=0.0, neginf=0.0)
            lam = torch.linalg.eigvalsh(P)[0]
        if torch.isfinite(lam):
            total += float(lam)
    return total
