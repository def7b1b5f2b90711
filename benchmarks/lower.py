"""Benchmark: exact linear regions of a tiny NAS-Bench-201-style cell network (canopy.nas.lower).

The network: stem ``Conv2d(1, C, 3, padding=1, bias=False)`` + ``BatchNorm2d``, one NB201 ``InferCell`` (the
torch builder of :mod:`canopy.spaces.nb201_torch`, evaluation mode), then ``BatchNorm2d`` + ``ReLU``,
global average pooling and ``Linear(C, 1)``, on a ``1 x H x W`` input. Weights are seeded Gaussians (BN
statistics too), converted exactly; the network is lowered by :func:`canopy.nas.lower.lower_module` and
counted by :func:`tropical.regions.count_regions` over a box (inputs carried by ``relu(x_j + box) - box``, exact
on the box, unless ``--carry-both-signs``) (or on a random 2-D plane through the input
space with ``--plane``). The forward pass of the lowered network is checked against torch float64 first.

Usage::

    python benchmarks/lower.py                         # the default cell, C = 1, 3 x 3 input, box [-1, 1]^9
    python benchmarks/lower.py --channels 2 --plane    # a 2-D slice
    python benchmarks/lower.py --cell '|skip_connect~0|+|none~0|avg_pool_3x3~1|+|none~0|none~1|nor_conv_1x1~2|'
"""

from __future__ import annotations

import argparse
import time
from fractions import Fraction

import numpy as np
import torch
from torch import nn

from canopy.nas.lower import lower_module
from canopy.spaces.nb201 import NB201Cell
from canopy.spaces.nb201_torch import InferCell
from tropical.regions import Box, count_regions

DEFAULT_CELL = "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"


class TinyCellNet(nn.Module):
    def __init__(self, cell: NB201Cell, c: int) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, c, 3, padding=1, bias=False), nn.BatchNorm2d(c))
        self.cell = InferCell(cell, c, c)
        self.head = nn.Sequential(nn.BatchNorm2d(c), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                  nn.Linear(c, 1))

    def forward(self, x):
        return self.head(self.cell(self.stem(x)))


class Plane(nn.Module):
    def __init__(self, shape, body, rng):
        super().__init__()
        self.shape, self.body = shape, body
        self.embed = nn.Linear(2, int(np.prod(shape)))
        with torch.no_grad():
            self.embed.weight.copy_(torch.as_tensor(rng.normal(size=self.embed.weight.shape)))
            self.embed.bias.copy_(torch.as_tensor(rng.normal(size=self.embed.bias.shape)))

    def forward(self, z):
        return self.body(self.embed(z).view(-1, *self.shape[1:]))


def build(cell: str, c: int, seed: int) -> nn.Module:
    rng = np.random.default_rng(seed)
    model = TinyCellNet(NB201Cell.from_string(cell), c).double()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.as_tensor(rng.normal(size=p.shape)))
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.copy_(torch.as_tensor(rng.normal(size=m.num_features)))
                m.running_var.copy_(torch.as_tensor(rng.uniform(0.5, 2.0, size=m.num_features)))
    return model.eval()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cell", default=DEFAULT_CELL)
    ap.add_argument("--channels", type=int, default=1)
    ap.add_argument("--size", type=int, default=3, help="input is 1 x size x size")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--box", type=int, default=1, help="domain [-box, box]^n")
    ap.add_argument("--plane", action="store_true", help="count on a random 2-D plane instead")
    ap.add_argument("--time-budget", type=float, default=600.0)
    ap.add_argument("--max-regions", type=int, default=2_000_000)
    ap.add_argument("--carry-both-signs", action="store_true",
                    help="carry inputs as relu(x) - relu(-x) instead of relu(x + box) - box")
    args = ap.parse_args()

    torch.set_num_threads(1)
    shape = (1, 1, args.size, args.size)
    model = build(args.cell, args.channels, args.seed)
    if args.plane:
        model, shape = Plane(shape, model, np.random.default_rng(args.seed + 1)).double().eval(), (1, 2)
    t0 = time.process_time()
    net = lower_module(model, shape, input_lower=None if args.carry_both_signs else -args.box)
    t_lower = time.process_time() - t0
    rng = np.random.default_rng(args.seed + 2)
    n = net.input_dim
    worst = 0.0
    for _ in range(20):
        x = [Fraction(int(v), 16) * args.box for v in rng.integers(-16, 17, size=n)]
        with torch.no_grad():
            want = model(torch.tensor([float(v) for v in x], dtype=torch.float64).reshape(shape)).item()
        worst = max(worst, abs(float(net.forward(x)[0]) - want))
    assert worst < 1e-9, worst
    t1 = time.process_time()
    c = count_regions(net, Box(-args.box, args.box), max_regions=args.max_regions, time_budget=args.time_budget)
    t_count = time.process_time() - t1
    print(f"cell {args.cell}  C={args.channels}  input 1x{args.size}x{args.size}"
          f"{'  (2-D plane)' if args.plane else ''}  domain [-{args.box},{args.box}]^{n}  seed {args.seed}")
    print(f"lowered layer sizes {net.layer_sizes}  lowering {t_lower:.2f} CPU s  "
          f"max |exact - torch float64| on 20 points {worst:.1e}")
    print(f"linear_regions {c.linear_regions}  distinct_affine_maps {c.distinct_affine_maps}  "
          f"activation_regions (lowered net) {c.activation_regions}  partial {c.partial}  "
          f"counting {t_count:.2f} CPU s")


if __name__ == "__main__":
    main()
