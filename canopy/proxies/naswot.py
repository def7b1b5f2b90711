"""NASWOT (nwot): ``log |det K|`` of the binary activation-code kernel (Mellor et al. 2021, ``proxies.md`` §3.8).

For every ``nn.ReLU`` call, c(x_n) = 1[pre-activation > 0] (the ReLU *input*, flattened); K accumulates
C Cᵀ + (1 − C)(1 − C)ᵀ, i.e. K_ij = Σ_l (D_l − Hamming(c_l(x_i), c_l(x_j))), in float64. Score = slogdet(K)[1]
(NASLib ignores the sign). Train mode (BN batch statistics; eval() was an acknowledged bug), default init,
NASLib batch 32 (official code: 128 real images). ReLUs called functionally (``F.relu``) are not seen.
``-inf`` for a singular K. Larger is better.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from ._common import prepare_batch, working_copy

__all__ = ["naswot", "naswot_kernel"]


def naswot_kernel(
    model: torch.nn.Module,
    inputs: Any = None,
    *,
    seed: int = 0,
    batch_size: int = 32,
    input_shape: Sequence[int] | None = None,
    init: str = "none",
) -> torch.Tensor:
    """The NASWOT kernel K (B × B, float64) of ``model`` (never modified).

    Examples
    --------
    >>> net = torch.nn.Sequential(torch.nn.Linear(1, 2), torch.nn.ReLU())
    >>> with torch.no_grad():
    ...     _ = net[0].weight.copy_(torch.tensor([[1.], [-1.]])); _ = net[0].bias.zero_()
    >>> naswot_kernel(net, torch.tensor([[1.], [-1.], [2.]])).tolist()
    [[2.0, 0.0, 2.0], [0.0, 2.0, 0.0], [2.0, 0.0, 2.0]]
    """
    x, _, _ = prepare_batch(model, inputs, seed=seed, batch_size=batch_size, input_shape=input_shape)
    net = working_copy(model, init=init, seed=seed, train=True)
    n = x.shape[0]
    K = torch.zeros(n, n, dtype=torch.float64)
    handles = []

    def hook(module, inp):  # pre-hook: sees the input before an in-place ReLU overwrites it
        c = (inp[0].detach().reshape(n, -1) > 0).to(torch.float64)
        K.add_(c @ c.T).add_((1.0 - c) @ (1.0 - c).T)

    try:
        for m in net.modules():
            if isinstance(m, nn.ReLU):
                handles.append(m.register_forward_pre_hook(hook))
        with torch.no_grad():
            net(x)
    finally:
        for h in handles:
            h.remove()
    return K


def naswot(
    model: torch.nn.Module,
    inputs: Any = None,
    *,
    seed: int = 0,
    batch_size: int = 32,
    input_shape: Sequence[int] | None = None,
    init: str = "none",
) -> float:
    """NASWOT score: ``slogdet(K)`` log-absolute-determinant of :func:`naswot_kernel`.

    Examples
    --------
    >>> _ = torch.manual_seed(0)
    >>> net = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
    >>> float(torch.linalg.slogdet(naswot_kernel(net, input_shape=(4,), batch_size=4))[1]) == naswot(
    ...     net, input_shape=(4,), batch_size=4)
    True
    """
    K = naswot_kernel(model, inputs, seed=seed, batch_size=batch_size, input_shape=input_shape, init=init)
    return float(torch.linalg.slogdet(K)[1])
