"""Average pooling with a fast exact backward pass, for proxies that back-propagate many times (VKDNW).

On CPU, ``aten::avg_pool2d_backward`` is as slow as a convolution's input gradient (a quarter of VKDNW's time on
an NB201 network, whose cells hold 3 × 3 stride-1 average pools).  Average pooling is linear, and its transpose
is a box sum: for stride 1, ``grad_in`` is the k × k window sum of ``grad_out / count``, computed here as two
separable passes of ``k`` shifted slices; for non-overlapping windows (stride = kernel, no padding) it is
``grad_out / count`` repeated over each window.  The forward pass is PyTorch's own ``F.avg_pool2d`` (bit for
bit); only the backward pass's summation order differs (float round-off, tested against the native backward).

:func:`speed_up_avg_pools` swaps the ``nn.AvgPool2d`` modules of a **working copy** (never the user's model) for
:class:`FastBackwardAvgPool2d` where the configuration is covered (stride 1 with padding ``< kernel``, or
stride = kernel without padding; ``ceil_mode=False``, no ``divisor_override``) and leaves the others alone.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["FastBackwardAvgPool2d", "speed_up_avg_pools"]


def _pair(v: Any) -> tuple[int, int]:
    return (int(v), int(v)) if isinstance(v, int) else (int(v[0]), int(v[1]))


@lru_cache(maxsize=64)
def _counts(h: int, w: int, k: tuple[int, int], s: tuple[int, int], p: tuple[int, int], include_pad: bool,
            dtype: torch.dtype) -> torch.Tensor:
    """Divisor of every output position (1 × 1 × H_out × W_out)."""
    ones = torch.ones(1, 1, h, w, dtype=dtype)
    if include_pad:
        out = F.avg_pool2d(ones, k, s, p, count_include_pad=True)
        return torch.full_like(out, float(k[0] * k[1]))
    return F.avg_pool2d(ones, k, s, p, count_include_pad=True) * (k[0] * k[1])


def _box_transpose(g: torch.Tensor, k: int, p: int, n_in: int, dim: int) -> torch.Tensor:
    """Stride-1 transpose along ``dim``: padded input position q receives sum_{u<k} g[q - u]."""
    shape = list(g.shape)
    n_out = shape[dim]
    shape[dim] = n_out + k - 1  # = n_in + 2 p
    acc = g.new_zeros(shape)
    for u in range(k):
        acc.narrow(dim, u, n_out).add_(g)
    return acc.narrow(dim, p, n_in)


class _AvgPoolFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, k: tuple[int, int], s: tuple[int, int], p: tuple[int, int],
                include_pad: bool) -> torch.Tensor:  # type: ignore[override]
        ctx.shape = x.shape
        ctx.cfg = (k, s, p, include_pad)
        return F.avg_pool2d(x, k, s, p, count_include_pad=include_pad)

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor) -> Any:  # type: ignore[override]
        k, s, p, include_pad = ctx.cfg
        h, w = ctx.shape[-2:]
        g = g / _counts(h, w, k, s, p, include_pad, g.dtype)
        if s == (1, 1):
            g = _box_transpose(g, k[1], p[1], w, g.dim() - 1)
            g = _box_transpose(g, k[0], p[0], h, g.dim() - 2)
        else:  # stride == kernel, no padding: each input position belongs to at most one window
            g = g.repeat_interleave(k[0], dim=-2).repeat_interleave(k[1], dim=-1)
            g = F.pad(g, (0, w - g.shape[-1], 0, h - g.shape[-2]))
        return g, None, None, None, None


class FastBackwardAvgPool2d(nn.Module):
    """``nn.AvgPool2d`` with the same forward and a fast backward (module docstring).

    Examples
    --------
    >>> pool = nn.AvgPool2d(3, 1, 1, count_include_pad=False)
    >>> fast = FastBackwardAvgPool2d.from_module(pool)
    >>> x = torch.randn(2, 3, 5, 5, dtype=torch.float64, requires_grad=True)
    >>> g = torch.randn(2, 3, 5, 5, dtype=torch.float64)
    >>> a, = torch.autograd.grad(pool(x), x, g); b, = torch.autograd.grad(fast(x), x, g)
    >>> bool(torch.equal(pool(x), fast(x))), bool(torch.allclose(a, b, rtol=1e-12, atol=1e-12))
    (True, True)
    """

    def __init__(self, kernel_size: Any, stride: Any, padding: Any, count_include_pad: bool) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding = _pair(kernel_size), _pair(stride), _pair(padding)
        self.count_include_pad = bool(count_include_pad)

    @staticmethod
    def covers(m: nn.AvgPool2d) -> bool:
        """Whether ``m``'s configuration has the fast backward."""
        if m.ceil_mode or m.divisor_override is not None:
            return False
        k, s = _pair(m.kernel_size), _pair(m.stride if m.stride is not None else m.kernel_size)
        p = _pair(m.padding)
        if s == (1, 1):
            return p[0] < k[0] and p[1] < k[1]
        return s == k and p == (0, 0)

    @classmethod
    def from_module(cls, m: nn.AvgPool2d) -> FastBackwardAvgPool2d:
        stride = m.stride if m.stride is not None else m.kernel_size
        return cls(m.kernel_size, stride, m.padding, m.count_include_pad)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4:
            return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding,
                                count_include_pad=self.count_include_pad)
        return _AvgPoolFunction.apply(x, self.kernel_size, self.stride, self.padding, self.count_include_pad)


def speed_up_avg_pools(net: nn.Module) -> int:
    """Replace, in place, the covered ``nn.AvgPool2d`` modules of ``net`` (a working copy); returns how many.

    Examples
    --------
    >>> net = nn.Sequential(nn.Conv2d(1, 1, 3), nn.AvgPool2d(3, 1, 1), nn.AvgPool2d(2, 2), nn.AvgPool2d(3, 2))
    >>> speed_up_avg_pools(net), [type(m).__name__ for m in net]
    (2, ['Conv2d', 'FastBackwardAvgPool2d', 'FastBackwardAvgPool2d', 'AvgPool2d'])
    """
    replaced = 0
    for parent in list(net.modules()):
        for name, child in list(parent.named_children()):
            if type(child) is nn.AvgPool2d and FastBackwardAvgPool2d.covers(child):
                setattr(parent, name, FastBackwardAvgPool2d.from_module(child))
                replaced += 1
    return replaced
