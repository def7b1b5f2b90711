"""jacov (jacob_cov): Jacobian-covariance score of Mellor et al. (``proxies.md`` §3.7).

J = ∂(Σ_k f_k(x_n))/∂x_n, one row per sample (N × D); Σ = corrcoef(J); S = −Σ_i [log(λ_i + k) + 1/(λ_i + k)]
with k = 1e-5 over the eigenvalues λ of Σ (``eigvalsh``, float64). Train mode, default init. NaN when an
eigenvalue + k is not positive or the correlation is undefined (see the NaN policy in ``_common``). Larger
is better.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from ._common import logits_of, prepare_batch, working_copy

__all__ = ["jacov"]


def jacov(
    model: torch.nn.Module,
    inputs: Any = None,
    *,
    seed: int = 0,
    batch_size: int = 32,
    input_shape: Sequence[int] | None = None,
    init: str = "none",
    k: float = 1e-5,
) -> float:
    """Jacobian-covariance score of ``model`` (never modified).

    Examples
    --------
    >>> net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    >>> isinstance(jacov(net, input_shape=(4,), batch_size=6), float)
    True
    """
    x, _, _ = prepare_batch(model, inputs, seed=seed, batch_size=batch_size, input_shape=input_shape)
    net = working_copy(model, init=init, seed=seed, train=True)
    x = x.clone().requires_grad_(True)
    y = logits_of(net(x))
    (jac,) = torch.autograd.grad(y.sum(), x)
    jm = jac.reshape(jac.shape[0], -1).to(torch.float64).numpy()
    with np.errstate(all="ignore"):
        corr = np.corrcoef(jm)
        if not np.isfinite(corr).all():
            return float("nan")
        v = np.linalg.eigvalsh(corr)
        return float(-np.sum(np.log(v + k) + 1.0 / (v + k)))
