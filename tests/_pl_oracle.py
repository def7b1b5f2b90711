"""Test networks and brute-force oracles of the piecewise-linear tracers (segments and planes): seeded dense nets,
tiny conv / pool / skip nets, and the activation pattern (ReLU signs, max-pool arg-maxes) of a network at given
points, read by hooks."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def dense(seed: int, dims: list[int], scale: float = 1.0) -> nn.Sequential:
    """A seeded float64 ``Linear``/``ReLU`` ``Sequential`` with layer sizes ``dims`` (biases times ``scale``)."""
    gen = torch.Generator().manual_seed(seed)
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(dims[:-1], dims[1:])):
        lin = nn.Linear(n_in, n_out).double()
        with torch.no_grad():
            lin.weight.copy_(torch.randn(n_out, n_in, generator=gen, dtype=torch.float64))
            lin.bias.copy_(torch.randn(n_out, generator=gen, dtype=torch.float64) * scale)
        layers.append(lin)
        if i < len(dims) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class Tiny(nn.Module):
    def __init__(self, pool: str = "max"):
        super().__init__()
        self.c1 = nn.Conv2d(1, 2, 2, padding=1)
        self.bn = nn.BatchNorm2d(2)
        self.c2 = nn.Conv2d(2, 2, 3, padding=1, bias=False)
        self.pool = nn.MaxPool2d(2, stride=1, padding=1) if pool == "max" else nn.AvgPool2d(2)
        self.relu = nn.ReLU(inplace=True)
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        h = self.bn(self.c1(x))
        y = self.relu(h)
        y = F.relu(self.c2(y) + h * 0.5)  # skip, scaled, functional ReLU
        y = self.pool(y)
        y = torch.cat([y, -y], 1).relu()
        y = F.adaptive_avg_pool2d(y, (2, 1))
        return self.fc(y.view(y.size(0), -1))


def tiny(seed: int, pool: str = "max") -> nn.Module:
    """A seeded :class:`Tiny` in float64 with non-trivial batch-norm statistics (evaluation mode)."""
    torch.manual_seed(seed)
    net = Tiny(pool).double()
    with torch.no_grad():
        net.bn.running_mean.uniform_(-0.5, 0.5)
        net.bn.running_var.uniform_(0.5, 2.0)
        net.bn.weight.uniform_(0.5, 1.5)
        net.bn.bias.uniform_(-0.5, 0.5)
    return net.eval()


def patterns(net: nn.Module, x: torch.Tensor) -> np.ndarray:
    """Brute force: the activation pattern (ReLU signs, max-pool arg-maxes) of ``net`` at each row of ``x``."""
    n = int(x.shape[0])
    parts: list[torch.Tensor] = []
    handles = []

    def relu_hook(mod, inp):
        parts.append((inp[0] > 0).reshape(n, -1).to(torch.int64))

    def pool_hook(mod, inp):
        _, idx = F.max_pool2d(inp[0], mod.kernel_size, mod.stride, mod.padding, mod.dilation, return_indices=True)
        parts.append(idx.reshape(n, -1))

    orig_relu = F.relu
    try:
        for m in net.modules():
            if isinstance(m, nn.ReLU):
                handles.append(m.register_forward_pre_hook(relu_hook))
            if isinstance(m, nn.MaxPool2d):
                handles.append(m.register_forward_pre_hook(pool_hook))

        def spy_relu(inp, inplace=False):
            parts.append((inp > 0).reshape(n, -1).to(torch.int64))
            return orig_relu(inp, inplace=inplace)

        F.relu = spy_relu
        torch.Tensor.relu, orig_method = (lambda self: spy_relu(self)), torch.Tensor.relu
        try:
            with torch.no_grad():
                net(x.clone())
        finally:
            torch.Tensor.relu = orig_method
    finally:
        F.relu = orig_relu
        for h in handles:
            h.remove()
    return torch.cat(parts, 1).numpy()
