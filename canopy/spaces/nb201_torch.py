"""The NAS-Bench-201 network in torch, faithful to xautodl ``TinyNetwork(C=16, N=5)``.

Same modules, attribute names and registration order as ``xautodl/models/cell_infers/tiny_network.py``
and ``cell_operations.py`` (re-implemented here), so ``named_parameters()`` yields the same tensors in
the same order: ``len(list(net.parameters())) == 21 + 45 * k`` (k = conv edges of the cell) and the
parameter count equals :meth:`canopy.spaces.nb201.NB201Cell.num_params`.

Layout: stem Conv3x3(3->C, bias=False)+BN; N cells at C; ResNetBasicblock(C->2C, stride 2); N cells at 2C;
ResNetBasicblock(2C->4C, stride 2); N cells at 4C; BN+ReLU; AdaptiveAvgPool(1); Linear(4C, classes).
Cell ops: ``nor_conv_kxk`` = ReLU -> Conv(bias = not affine) -> BN(affine, track_running_stats);
``avg_pool_3x3`` = AvgPool2d(3, 1, 1, count_include_pad=False); ``skip_connect`` = identity;
``none`` = ``x.mul(0.)``. A node is the sum of its incoming edges; the cell output is node 3.

Differences from xautodl, none of which changes parameters or outputs: :meth:`TinyNetwork.forward`
returns the logits only (xautodl returns ``(pooled_features, logits)``); the final ReLU is not
in-place (so that forward hooks on it see its true input).

Examples
--------
>>> import torch
>>> from canopy.spaces.nb201 import NB201Cell
>>> cell = NB201Cell.from_naslib((4, 0, 3, 1, 4, 3))
>>> net = build_nb201_network(cell)
>>> sum(p.numel() for p in net.parameters()) == cell.num_params()
True
>>> len(list(net.named_parameters())) == cell.aleph
True
>>> net(torch.zeros(2, 3, 32, 32)).shape
torch.Size([2, 10])
"""

from __future__ import annotations

import torch
from torch import nn

from canopy.errors import InvalidArchitectureError
from canopy.spaces.nb201 import EDGES, NB201Cell
from canopy.spaces.skeleton import nb201_skeleton

__all__ = [
    "ReLUConvBN",
    "Pooling",
    "Zero",
    "ResNetBasicblock",
    "InferCell",
    "TinyNetwork",
    "build_nb201_network",
]


class ReLUConvBN(nn.Module):
    """ReLU -> Conv2d(bias = not affine) -> BatchNorm2d (xautodl ``ReLUConvBN``)."""

    def __init__(self, C_in, C_out, kernel_size, stride, padding, dilation, affine=True, track_running_stats=True):
        super().__init__()
        self.op = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.Conv2d(C_in, C_out, kernel_size, stride=stride, padding=padding, dilation=dilation, bias=not affine),
            nn.BatchNorm2d(C_out, affine=affine, track_running_stats=track_running_stats),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.op(x)


class Pooling(nn.Module):
    """``avg_pool_3x3``: AvgPool2d(3, stride, 1, count_include_pad=False) (a 1x1 ReLUConvBN first if C changes)."""

    def __init__(self, C_in, C_out, stride, affine=True, track_running_stats=True):
        super().__init__()
        self.preprocess = (
            None if C_in == C_out else ReLUConvBN(C_in, C_out, 1, 1, 0, 1, affine, track_running_stats)
        )
        self.op = nn.AvgPool2d(3, stride=stride, padding=1, count_include_pad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.op(self.preprocess(x) if self.preprocess is not None else x)


class Zero(nn.Module):
    """``none``: ``x.mul(0.)`` (built, parameter-free, gradient-blocking)."""

    def __init__(self, stride: int = 1):
        super().__init__()
        self.stride = stride
        self.is_zero = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.stride == 1:
            return x.mul(0.0)
        return x[:, :, :: self.stride, :: self.stride].mul(0.0)


def _make_op(name: str, C_in: int, C_out: int, stride: int, affine: bool, track: bool) -> nn.Module:
    if name == "none":
        return Zero(stride)
    if name == "skip_connect":
        if stride != 1 or C_in != C_out:  # never happens inside TinyNetwork cells
            raise InvalidArchitectureError("skip_connect with a shape change is not part of the NB201 network")
        return nn.Identity()
    if name == "nor_conv_1x1":
        return ReLUConvBN(C_in, C_out, (1, 1), (stride, stride), (0, 0), (1, 1), affine, track)
    if name == "nor_conv_3x3":
        return ReLUConvBN(C_in, C_out, (3, 3), (stride, stride), (1, 1), (1, 1), affine, track)
    if name == "avg_pool_3x3":
        return Pooling(C_in, C_out, stride, affine, track)
    raise InvalidArchitectureError(f"unknown NB201 op {name!r}")


class ResNetBasicblock(nn.Module):
    """ReLUConvBN 3x3 (stride) -> ReLUConvBN 3x3, plus AvgPool2d(2)+Conv1x1 residual when stride is 2."""

    def __init__(self, inplanes, planes, stride, affine=True, track_running_stats=True):
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f"stride must be 1 or 2, got {stride}")
        self.conv_a = ReLUConvBN(inplanes, planes, 3, stride, 1, 1, affine, track_running_stats)
        self.conv_b = ReLUConvBN(planes, planes, 3, 1, 1, 1, affine, track_running_stats)
        if stride == 2:
            self.downsample = nn.Sequential(
                nn.AvgPool2d(kernel_size=2, stride=2, padding=0),
                nn.Conv2d(inplanes, planes, kernel_size=1, stride=1, padding=0, bias=False),
            )
        elif inplanes != planes:
            self.downsample = ReLUConvBN(inplanes, planes, 1, 1, 0, 1, affine, track_running_stats)
        else:
            self.downsample = None
        self.in_dim, self.out_dim, self.stride = inplanes, planes, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv_b(self.conv_a(x))
        residual = self.downsample(x) if self.downsample is not None else x
        return residual + out


class InferCell(nn.Module):
    """A fixed NB201 cell: ``layers`` holds the six edge ops in arch-string order; nodes sum their inputs."""

    def __init__(self, cell: NB201Cell, C_in, C_out, stride=1, affine=True, track_running_stats=True):
        super().__init__()
        self.layers = nn.ModuleList()
        self.node_IX: list[list[int]] = []
        self.node_IN: list[list[int]] = []
        k = 0
        for j in (1, 2, 3):
            idx, inn = [], []
            for i in range(j):
                assert EDGES[k] == (i, j)
                if i == 0:
                    layer = _make_op(cell.ops[k], C_in, C_out, stride, affine, track_running_stats)
                else:
                    layer = _make_op(cell.ops[k], C_out, C_out, 1, affine, track_running_stats)
                idx.append(len(self.layers))
                inn.append(i)
                self.layers.append(layer)
                k += 1
            self.node_IX.append(idx)
            self.node_IN.append(inn)
        self.cell = cell
        self.in_dim, self.out_dim = C_in, C_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for idx, inn in zip(self.node_IX, self.node_IN):
            nodes.append(sum(self.layers[li](nodes[ii]) for li, ii in zip(idx, inn)))
        return nodes[-1]


class _TorchNB201:
    """:class:`canopy.spaces.skeleton.NB201Builder` registering xautodl's modules on ``net`` (a "tensor" is a
    channel count): ``stem``, ``cells`` (residual blocks included), ``lastact``, ``global_pooling``,
    ``classifier``, in that order."""

    def __init__(self, net: TinyNetwork, num_classes: int, affine: bool, track: bool):
        self.net, self.num_classes, self.affine, self.track = net, num_classes, affine, track

    def stem(self, x: int, C: int) -> int:
        self.net.stem = nn.Sequential(nn.Conv2d(x, C, kernel_size=3, padding=1, bias=False), nn.BatchNorm2d(C))
        self.net.cells = nn.ModuleList()
        return C

    def resblock(self, x: int, C_in: int, C_out: int, name: str) -> int:
        block = ResNetBasicblock(x, C_out, 2, True)
        self.net.cells.append(block)
        return block.out_dim

    def cell(self, x: int, C: int, name: str) -> int:
        block = InferCell(self.net.cell, x, C, 1, self.affine, self.track)
        self.net.cells.append(block)
        return block.out_dim

    def head(self, x: int, C: int) -> int:
        self.net.lastact = nn.Sequential(nn.BatchNorm2d(x), nn.ReLU(inplace=False))
        self.net.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.net.classifier = nn.Linear(x, self.num_classes)
        return self.num_classes


class TinyNetwork(nn.Module):
    """xautodl ``TinyNetwork`` with a fixed cell (see the module docstring)."""

    # registered by the skeleton builder, in this order
    stem: nn.Sequential
    cells: nn.ModuleList
    lastact: nn.Sequential
    global_pooling: nn.AdaptiveAvgPool2d
    classifier: nn.Linear

    def __init__(self, cell: NB201Cell, C=16, N=5, num_classes=10, affine=True, track_running_stats=True):
        super().__init__()
        self._C, self._layerN, self.cell = C, N, cell
        nb201_skeleton(_TorchNB201(self, num_classes, affine, track_running_stats), 3, C, N)

    def cell_features(self, x: torch.Tensor) -> list[torch.Tensor]:
        """The output of the stem and of every block in ``cells`` (1 + 3N + 2 tensors), in order."""
        feats = [self.stem(x)]
        for block in self.cells:
            feats.append(block(feats[-1]))
        return feats

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """The feature map after the final BN+ReLU, before global pooling."""
        feature = self.stem(x)
        for block in self.cells:
            feature = block(feature)
        return self.lastact(feature)

    def forward_head(self, features: torch.Tensor) -> torch.Tensor:
        """Global average pooling and the classifier, applied to :meth:`forward_features`' output."""
        out = self.global_pooling(features)
        return self.classifier(out.view(out.size(0), -1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The logits."""
        return self.forward_head(self.forward_features(x))


def build_nb201_network(
    cell,
    num_classes: int = 10,
    C: int = 16,
    N: int = 5,
    *,
    affine: bool = True,
    track_running_stats: bool = True,
) -> TinyNetwork:
    """Build the NB201 network for a cell (freshly initialised with torch's default init).

    Parameters
    ----------
    cell : NB201Cell or str
        The cell, or its arch string.
    num_classes : int
        10 / 100 / 120 for CIFAR-10 / CIFAR-100 / ImageNet16-120.
    C, N : int
        Initial channels and cells per stage (NB201: 16 and 5).
    affine, track_running_stats : bool
        Cell BN settings; the defaults are the NB201 network. ``affine=False,
        track_running_stats=False`` gives foresight's variant (convs then have a bias).

    Returns
    -------
    TinyNetwork
        ``forward(x)`` returns logits, ``forward_features(x)`` the pre-pooling feature map.

    Raises
    ------
    InvalidArchitectureError
        For a malformed cell.

    Examples
    --------
    >>> net = build_nb201_network('|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|', num_classes=100)
    >>> net.classifier.out_features
    100
    """
    if isinstance(cell, str):
        cell = NB201Cell.from_string(cell)
    if not isinstance(cell, NB201Cell):
        raise InvalidArchitectureError(f"expected an NB201Cell or arch string, got {type(cell).__name__}")
    for name, v in (("num_classes", num_classes), ("C", C), ("N", N)):
        if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
            raise ValueError(f"{name} must be a positive int, got {v!r}")
    return TinyNetwork(cell, C=C, N=N, num_classes=num_classes, affine=affine,
                       track_running_stats=track_running_stats)
