"""AZ-NAS expressivity, progressivity and trainability (Lee & Ham, CVPR 2024; ``proxies.md`` §3.16).

On a copy re-initialised Kaiming-normal fan-in, in train mode, with a Gaussian batch (64 x 3 x 32 x 32): for each
feature map F_l of ``model.cell_features(x)`` (NB201: the stem output and every block's output, as provided by
``canopy.spaces.nb201_torch``; any other model: its direct children's 4-D outputs, by the rule of
:mod:`canopy.proxies._features`), reshape to (B·H·W) × C, centre, Σ_l = FᵀF/(BHW), E_l = entropy of
eig(Σ_l)/tr(Σ_l) (``eigvalsh``, float64, +1e-8 inside the log as AZ-NAS).
**Expressivity** = Σ_l E_l; **progressivity** = min_l (E_{l+1} − E_l).
**Trainability** (:func:`trainability`): for each pair of consecutive maps (from the last pair back), a
Rademacher ±1 tensor g_out shaped like F_l is back-propagated to F_{l-1} (g_in = (∂F_l/∂F_{l-1})ᵀ g_out);
where the resolution drops, g_in is pixel-unshuffled by the stride; M = g_inᵀ g_out / (B·H·W) over the
flattened positions, σ = the largest singular value of M, and the pair scores −σ − 1/(σ + 10⁻⁶) + 2 (−∞ when
the block is the identity, g_in = g_out). Trainability is the mean over pairs. Larger is better for all three.

Notes
-----
Formulas as in the released AZ-NAS code (``compute_az_nas_score.py`` of the AZ-NAS and VKDNW repositories,
read for this implementation): the same one forward pass provides the maps of all components; a NaN
component is −∞. Differences: the entropies are computed in float64 (the released code: float32), and the
Rademacher signs come from a seeded generator (the released code: the global RNG).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from ._common import prepare_batch, working_copy
from ._features import block_features

__all__ = ["layer_entropies", "expressivity", "progressivity", "trainability"]


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


def trainability(
    model: torch.nn.Module,
    inputs: Any = None,
    *,
    seed: int = 0,
    batch_size: int = 64,
    input_shape: Sequence[int] | None = None,
    init: str = "kaiming_norm_fanin",
) -> float:
    """AZ-NAS trainability: mean over consecutive blocks of −σ_max − 1/(σ_max + 1e-6) + 2 (module docstring).

    Parameters
    ----------
    model : torch.nn.Module
        Never modified (a re-initialised working copy is scored).
    inputs : tensor or (x, y), optional
        Default: a seeded Gaussian batch of ``batch_size`` × ``input_shape`` (AZ-NAS: 64 × 3 × 32 × 32).
    seed : int
        Seeds the inputs, the initialisation and the Rademacher signs.
    init : str
        Re-initialisation (AZ-NAS: Kaiming-normal fan-in).

    Returns
    -------
    float
        ``-inf`` when a block is the identity (the released code's convention) or the value is NaN; ``0.0`` for a
        model with a single block map.

    Raises
    ------
    canopy.errors.UnsupportedOperationError
        No block maps (:mod:`canopy.proxies._features`), or a resolution change that is not an integer stride.

    Examples
    --------
    >>> net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.ReLU(),
    ...                           torch.nn.Conv2d(4, 4, 3, stride=2, padding=1), torch.nn.ReLU())
    >>> t = trainability(net, batch_size=4, input_shape=(3, 8, 8))
    >>> isinstance(t, float) and t <= 0.0
    True
    """
    import math

    from canopy.errors import UnsupportedOperationError

    from ._common import sub_seed, torch_generator

    x, _, _ = prepare_batch(model, inputs, seed=seed, batch_size=batch_size, input_shape=input_shape)
    net = working_copy(model, init=init, seed=seed, train=True)
    feats = block_features(net, x, proxy="AZ-NAS trainability")
    gen = torch_generator(sub_seed(seed, 7))
    scores = []
    for i in reversed(range(1, len(feats))):
        f_out, f_in = feats[i], feats[i - 1]
        g_out = torch.randint(0, 2, f_out.shape, generator=gen, dtype=f_out.dtype).mul_(2).sub_(1)
        (g_in,) = torch.autograd.grad(f_out, f_in, grad_outputs=g_out, retain_graph=True, allow_unused=True)
        if g_in is None:  # the block does not read the previous map: a zero back-propagated signal
            g_in = torch.zeros_like(f_in)
        if g_in.shape == g_out.shape and torch.equal(g_in, g_out):
            scores.append(-math.inf)
            continue
        if g_in.shape[2:] != g_out.shape[2:]:
            stride = g_in.shape[2] // g_out.shape[2]
            if stride < 1 or g_in.shape[2] != stride * g_out.shape[2] or g_in.shape[3] != stride * g_out.shape[3]:
                raise UnsupportedOperationError(
                    f"AZ-NAS trainability: block {i} maps {tuple(f_in.shape[2:])} to {tuple(f_out.shape[2:])}, "
                    "not an integer stride")
            g_in = torch.nn.functional.pixel_unshuffle(g_in, stride)
        bo, co, ho, wo = g_out.shape
        gi = g_in.permute(0, 2, 3, 1).reshape(-1, g_in.shape[1]).double()
        go = g_out.permute(0, 2, 3, 1).reshape(-1, co).double()
        mat = gi.T @ go / (bo * ho * wo)
        smax = float(torch.linalg.svdvals(mat).max())
        scores.append(-smax - 1.0 / (smax + 1e-6) + 2.0)
    if not scores:
        return 0.0
    value = sum(scores) / len(scores)
    return -math.inf if math.isnan(value) else float(value)
