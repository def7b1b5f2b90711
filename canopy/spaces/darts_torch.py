"""The DARTS CIFAR network for a fixed genotype (re-implementation of DARTS ``NetworkCIFAR``).

Layout: stem Conv3x3(3 -> 3C, bias=False)+BN; ``layers`` cells with reduction cells at
``layers // 3`` and ``2 * layers // 3`` (channels doubled there); each cell preprocesses its two
inputs with ReLUConvBN 1x1 (FactorizedReduce for input 0 after a reduction cell), applies the
genotype's ops (stride 2 on the cell inputs of a reduction cell), sums two edges per node and
concatenates nodes 2..5; then AdaptiveAvgPool(1) and Linear. Ops as in DARTS ``operations.py``:
SepConv (two stacked ReLU-depthwise-pointwise-BN), DilConv, max/avg pool 3x3 (avg with
``count_include_pad=False``), skip (identity, or FactorizedReduce with stride 2), none (zeros).
BN layers are affine. Drop-path is off (the network is built for scoring, not training); the
auxiliary head is optional (``auxiliary=True``) and then only reachable through
:meth:`DartsNetwork.forward_with_aux`.

Examples
--------
>>> import torch
>>> from canopy.spaces.darts import random_genotype
>>> net = build_darts_network(random_genotype(0), C=8, layers=5)
>>> net(torch.zeros(2, 3, 32, 32)).shape
torch.Size([2, 10])
"""

from __future__ import annotations

import torch
from torch import nn

from canopy.errors import InvalidArchitectureError
from canopy.spaces.darts import DARTS_OPS, Genotype
from canopy.spaces.nb201_torch import Zero  # the same zero op (x.mul(0.), strided) in both spaces
from canopy.spaces.skeleton import darts_preprocess, darts_skeleton, darts_widths

__all__ = [
    "ReLUConvBN",
    "DilConv",
    "SepConv",
    "Zero",
    "FactorizedReduce",
    "DartsCell",
    "AuxiliaryHeadCIFAR",
    "DartsNetwork",
    "build_darts_network",
]


class ReLUConvBN(nn.Module):
    """ReLU -> Conv2d(bias=False) -> BN."""

    def __init__(self, C_in, C_out, kernel_size, stride, padding, affine=True):
        super().__init__()
        self.op = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.Conv2d(C_in, C_out, kernel_size, stride=stride, padding=padding, bias=False),
            nn.BatchNorm2d(C_out, affine=affine),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.op(x)


class DilConv(nn.Module):
    """ReLU -> dilated depthwise conv -> pointwise conv -> BN."""

    def __init__(self, C_in, C_out, kernel_size, stride, padding, dilation, affine=True):
        super().__init__()
        self.op = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.Conv2d(C_in, C_in, kernel_size, stride=stride, padding=padding, dilation=dilation,
                      groups=C_in, bias=False),
            nn.Conv2d(C_in, C_out, kernel_size=1, padding=0, bias=False),
            nn.BatchNorm2d(C_out, affine=affine),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.op(x)


class SepConv(nn.Module):
    """Two stacked ReLU -> depthwise conv -> pointwise conv -> BN blocks (stride on the first)."""

    def __init__(self, C_in, C_out, kernel_size, stride, padding, affine=True):
        super().__init__()
        self.op = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.Conv2d(C_in, C_in, kernel_size, stride=stride, padding=padding, groups=C_in, bias=False),
            nn.Conv2d(C_in, C_in, kernel_size=1, padding=0, bias=False),
            nn.BatchNorm2d(C_in, affine=affine),
            nn.ReLU(inplace=False),
            nn.Conv2d(C_in, C_in, kernel_size, stride=1, padding=padding, groups=C_in, bias=False),
            nn.Conv2d(C_in, C_out, kernel_size=1, padding=0, bias=False),
            nn.BatchNorm2d(C_out, affine=affine),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.op(x)


class FactorizedReduce(nn.Module):
    """ReLU, two stride-2 1x1 convs on offset grids, concatenated, BN (halves the resolution)."""

    def __init__(self, C_in, C_out, affine=True):
        super().__init__()
        if C_out % 2:
            raise ValueError(f"FactorizedReduce needs an even C_out, got {C_out}")
        self.relu = nn.ReLU(inplace=False)
        self.conv_1 = nn.Conv2d(C_in, C_out // 2, 1, stride=2, padding=0, bias=False)
        self.conv_2 = nn.Conv2d(C_in, C_out // 2, 1, stride=2, padding=0, bias=False)
        self.bn = nn.BatchNorm2d(C_out, affine=affine)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(x)
        return self.bn(torch.cat([self.conv_1(x), self.conv_2(x[:, :, 1:, 1:])], dim=1))


def _make_op(name: str, C: int, stride: int) -> nn.Module:
    if name == "none":
        return Zero(stride)
    if name == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride=stride, padding=1, count_include_pad=False)
    if name == "max_pool_3x3":
        return nn.MaxPool2d(3, stride=stride, padding=1)
    if name == "skip_connect":
        return nn.Identity() if stride == 1 else FactorizedReduce(C, C)
    if name == "sep_conv_3x3":
        return SepConv(C, C, 3, stride, 1)
    if name == "sep_conv_5x5":
        return SepConv(C, C, 5, stride, 2)
    if name == "dil_conv_3x3":
        return DilConv(C, C, 3, stride, 2, 2)
    if name == "dil_conv_5x5":
        return DilConv(C, C, 5, stride, 4, 2)
    raise InvalidArchitectureError(f"unknown DARTS op {name!r}; expected one of {DARTS_OPS}")


class _TorchPreprocess:
    """:class:`canopy.spaces.skeleton.PreprocessBuilder` returning the modules (a "tensor" is a channel count)."""

    def relu_conv_bn(self, x: int, C_out: int, name: str) -> nn.Module:
        return ReLUConvBN(x, C_out, 1, 1, 0)

    def factorized_reduce(self, x: int, C_out: int, name: str) -> nn.Module:
        return FactorizedReduce(x, C_out)


class DartsCell(nn.Module):
    """One DARTS cell (normal or reduction) of a fixed genotype."""

    def __init__(self, genotype: Genotype, C_prev_prev, C_prev, C, reduction, reduction_prev):
        super().__init__()
        self.preprocess0, self.preprocess1 = darts_preprocess(_TorchPreprocess(), C_prev_prev, C_prev, C,
                                                              reduction_prev, "")
        pairs = genotype.reduce if reduction else genotype.normal
        concat = genotype.reduce_concat if reduction else genotype.normal_concat
        self._steps = len(pairs) // 2
        self._concat = tuple(concat)
        self.multiplier = len(concat)
        self.reduction = reduction
        self._ops = nn.ModuleList()
        for name, index in pairs:
            self._ops.append(_make_op(name, C, 2 if reduction and index < 2 else 1))
        self._indices = tuple(index for _, index in pairs)

    def forward(self, s0: torch.Tensor, s1: torch.Tensor) -> torch.Tensor:
        states = [self.preprocess0(s0), self.preprocess1(s1)]
        for i in range(self._steps):
            h1 = self._ops[2 * i](states[self._indices[2 * i]])
            h2 = self._ops[2 * i + 1](states[self._indices[2 * i + 1]])
            states.append(h1 + h2)
        return torch.cat([states[i] for i in self._concat], dim=1)


class AuxiliaryHeadCIFAR(nn.Module):
    """The DARTS CIFAR auxiliary head (expects an 8x8 input)."""

    def __init__(self, C, num_classes):
        super().__init__()
        self.features = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.AvgPool2d(5, stride=3, padding=0, count_include_pad=False),
            nn.Conv2d(C, 128, 1, bias=False),
            nn.BatchNorm2d(128),
            nn.ReLU(inplace=False),
            nn.Conv2d(128, 768, 2, bias=False),
            nn.BatchNorm2d(768),
            nn.ReLU(inplace=False),
        )
        self.classifier = nn.Linear(768, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        return self.classifier(x.view(x.size(0), -1))


class _TorchDarts:
    """:class:`canopy.spaces.skeleton.DartsBuilder` registering DARTS' modules on ``net`` (a "tensor" is a
    channel count): ``stem``, ``cells``, ``auxiliary_head``, ``global_pooling``, ``classifier``."""

    def __init__(self, net: DartsNetwork, genotype: Genotype, num_classes: int, auxiliary: bool):
        self.net, self.genotype, self.num_classes, self.auxiliary = net, genotype, num_classes, auxiliary
        self.C_aux = 0

    def stem(self, x: int, C: int) -> int:
        self.net.stem = nn.Sequential(nn.Conv2d(x, C, 3, padding=1, bias=False), nn.BatchNorm2d(C))
        self.net.cells = nn.ModuleList()
        return C

    def cell(self, s0: int, s1: int, C: int, reduction: bool, reduction_prev: bool, index: int) -> int:
        cell = DartsCell(self.genotype, s0, s1, C, reduction, reduction_prev)
        self.net.cells.append(cell)
        out = cell.multiplier * C
        if index == self.net._aux_index:
            self.C_aux = out
        return out

    def head(self, x: int) -> int:
        net = self.net
        net.auxiliary_head = AuxiliaryHeadCIFAR(self.C_aux, self.num_classes) if self.auxiliary else None
        net.global_pooling = nn.AdaptiveAvgPool2d(1)
        net.classifier = nn.Linear(x, self.num_classes)
        return self.num_classes


class DartsNetwork(nn.Module):
    """DARTS ``NetworkCIFAR`` for a fixed genotype (drop-path off).

    ``widths`` (optional, one per cell) replaces the standard per-cell channel counts
    :func:`canopy.spaces.skeleton.darts_widths` ``(C, layers)`` (then ``layers`` must be ``len(widths)``): the network an
    :class:`~canopy.nas.architecture.ArchitectureSpec` with ``cell_ops`` describes.
    """

    # registered by the skeleton builder, in this order
    stem: nn.Sequential
    cells: nn.ModuleList
    auxiliary_head: AuxiliaryHeadCIFAR | None
    global_pooling: nn.AdaptiveAvgPool2d
    classifier: nn.Linear

    def __init__(self, genotype: Genotype, C=16, layers=8, num_classes=10, auxiliary=False, stem_multiplier=3,
                 widths=None):
        super().__init__()
        self.genotype = genotype
        if widths is None:
            widths = darts_widths(C, layers)
        elif layers != len(widths):
            raise ValueError(f"layers = {layers} but {len(widths)} widths")
        self._layers = layers
        self._aux_index = 2 * layers // 3
        darts_skeleton(_TorchDarts(self, genotype, num_classes, auxiliary), 3, tuple(widths), stem_multiplier)

    def _run(self, x: torch.Tensor, with_aux: bool):
        s0 = s1 = self.stem(x)
        aux = None
        for i, cell in enumerate(self.cells):
            s0, s1 = s1, cell(s0, s1)
            if with_aux and i == self._aux_index and self.auxiliary_head is not None:
                aux = self.auxiliary_head(s1)
        return s1, aux

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """The output of the last cell, before global pooling."""
        return self._run(x, False)[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The logits."""
        out = self.global_pooling(self.forward_features(x))
        return self.classifier(out.view(out.size(0), -1))

    def forward_with_aux(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """``(logits, auxiliary logits or None)``."""
        feats, aux = self._run(x, True)
        out = self.global_pooling(feats)
        return self.classifier(out.view(out.size(0), -1)), aux


def build_darts_network(
    genotype, C: int = 16, layers: int = 8, num_classes: int = 10, *, auxiliary: bool = False
) -> DartsNetwork:
    """Build the DARTS CIFAR network for a genotype (torch default init, drop-path off).

    Parameters
    ----------
    genotype : Genotype or str
        A :class:`~canopy.spaces.darts.Genotype`, its ``Genotype(...)`` string, or a NASLib compact form.
    C : int
        Initial channels (DARTS evaluation: 36; NAS-Bench-301: 32).
    layers : int
        Number of cells (>= 3 so that both reduction cells exist).
    num_classes : int
    auxiliary : bool
        Build the auxiliary head (used only by :meth:`DartsNetwork.forward_with_aux`).

    Returns
    -------
    DartsNetwork

    Raises
    ------
    InvalidArchitectureError
        For an invalid genotype.

    Examples
    --------
    >>> from canopy.spaces.darts import random_genotype
    >>> net = build_darts_network(random_genotype(1), C=4, layers=3, num_classes=5)
    >>> net.classifier.out_features
    5
    """
    if isinstance(genotype, str):
        text = genotype.strip()
        genotype = Genotype.from_string(text) if text.startswith("Genotype") else Genotype.from_compact(text)
    elif not isinstance(genotype, Genotype):
        genotype = Genotype.from_compact(genotype)
    for name, v in (("C", C), ("layers", layers), ("num_classes", num_classes)):
        if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
            raise ValueError(f"{name} must be a positive int, got {v!r}")
    if layers < 3:
        raise ValueError(f"layers must be >= 3 (two reduction cells at layers//3 and 2*layers//3), got {layers}")
    return DartsNetwork(genotype, C=C, layers=layers, num_classes=num_classes, auxiliary=auxiliary)
