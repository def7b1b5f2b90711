"""Small torch models and helpers shared by the lowering tests (test_nas_lower.py, test_graph.py)."""

from __future__ import annotations

import numpy as np
import torch

nn = torch.nn
F = torch.nn.functional


class ConvSkipPool(nn.Module):
    """conv-BN-relu, conv, residual add, 2x2 max pool, flatten, linear."""

    def __init__(self, c: int = 2) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, c, 3, padding=1)
        self.bn = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(c, 1)

    def forward(self, x):
        h = F.relu(self.bn(self.conv1(x)))
        h = self.conv2(h) + h
        return self.fc(torch.flatten(self.pool(h), 1))


def fill(model: nn.Module, rng: np.random.Generator, dyadic: bool = False) -> nn.Module:
    """Random parameters and BN statistics from ``rng`` (integers / 4 when ``dyadic``), then eval mode."""
    model = model.double()
    with torch.no_grad():
        for p in model.parameters():
            vals = rng.integers(-4, 5, size=p.shape) / 4 if dyadic else rng.normal(size=p.shape)
            p.copy_(torch.as_tensor(vals))
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                mean = rng.integers(-4, 5, size=m.num_features) / 4 if dyadic else rng.normal(size=m.num_features)
                var = rng.choice([0.25, 1.0, 4.0], size=m.num_features) if dyadic else rng.uniform(0.5, 2, m.num_features)
                m.running_mean.copy_(torch.as_tensor(mean))
                m.running_var.copy_(torch.as_tensor(var))
    return model.eval()


def torch_out(model: nn.Module, x, shape) -> list[float]:
    """``model`` on the exact point ``x`` (float64, reshaped to ``shape``), flattened."""
    with torch.no_grad():
        return model(torch.tensor([float(v) for v in x], dtype=torch.float64).reshape(shape)).reshape(-1).tolist()
