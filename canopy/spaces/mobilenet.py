"""A small MobileNetV2-style search space under a FLOPs budget (proxy-only).

**Proxy-only.** No ImageNet training is possible here, so this space has no ground truth: searches over it
report proxy values only. It exists to run the same evolution loop under a FLOPs budget, as the VKDNW /
ZiCo / AZ-NAS ImageNet experiments do, not to reproduce their accuracies.

Encoding
--------
A network is a fixed stem, seven *stages* of inverted-residual blocks, and a fixed head, following the
MobileNetV2 layout (Sandler et al., CVPR 2018, Table 2):

* stem: Conv 3x3, stride 2, 3 -> 32 channels, BN, ReLU;
* stage ``i`` (fixed stride ``STRIDES[i]``, applied by its first block) is a :class:`Stage`
  ``(expansion, kernel, width, depth)`` with expansion in :data:`EXPANSIONS`, depthwise kernel in
  :data:`KERNELS`, output width in ``WIDTHS[i]`` and depth (number of blocks) in :data:`DEPTHS`;
* a block with input ``c_in``, expansion ``e``, kernel ``k``, output ``c`` and stride ``s`` is
  ``[Conv1x1(c_in -> e c_in), BN, ReLU]`` (omitted when ``e = 1``), ``DWConv kxk stride s (e c_in), BN, ReLU``,
  ``Conv1x1(e c_in -> c), BN``, plus the identity when ``s = 1`` and ``c_in = c``;
* head: Conv1x1 (last width -> 1280), BN, ReLU, global average pool, Linear(1280 -> classes).

Differences from MobileNetV2, on purpose: ReLU instead of ReLU6 (so the tropical calculus applies), and every
stage searchable in expansion, kernel, width and depth.

FLOPs
-----
Multiply-adds of convolutions and the linear layer (weights only, no bias; BN, ReLU, pooling and residual
additions are free), the convention of ``thop`` / Zen-NAS. A ``k x k`` convolution with ``g`` groups on an
output map ``h x w`` costs ``h w k^2 c_in c_out / g``; with padding ``k // 2`` a stride-2 layer maps side ``r``
to ``ceil(r / 2)``. :func:`flops` is this closed form; the tests check it against hooks on the torch model.

Examples
--------
>>> a = MBArch.mobilenet_v2()
>>> round(flops(a) / 1e6, 1), num_params(a)
(300.8, 3504872)
>>> MBArch.from_string(a.to_string()) == a
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from canopy._random import as_generator
from canopy.errors import CanopyError, InvalidArchitectureError
from canopy.spaces.skeleton import mobilenet_skeleton

__all__ = [
    "Stage",
    "MBArch",
    "EXPANSIONS",
    "KERNELS",
    "DEPTHS",
    "WIDTHS",
    "STRIDES",
    "STEM_WIDTH",
    "HEAD_WIDTH",
    "flops",
    "num_params",
    "mutations",
    "random_arch",
    "sample_within_budget",
    "build_torch",
]

EXPANSIONS = (1, 3, 6)
KERNELS = (3, 5, 7)
DEPTHS = (1, 2, 3, 4)
#: MobileNetV2's stage widths (16, 24, 32, 64, 96, 160, 320) times 0.5, 0.75, 1, 1.25, 1.5, rounded to 8
WIDTHS = tuple(
    tuple(sorted({max(8, int(round(base * m / 8)) * 8) for m in (0.5, 0.75, 1.0, 1.25, 1.5)}))
    for base in (16, 24, 32, 64, 96, 160, 320)
)
STRIDES = (1, 2, 2, 2, 1, 2, 1)
STEM_WIDTH = 32
HEAD_WIDTH = 1280
_MBV2 = ((1, 3, 16, 1), (6, 3, 24, 2), (6, 3, 32, 3), (6, 3, 64, 4), (6, 3, 96, 3), (6, 3, 160, 3), (6, 3, 320, 1))


@dataclass(frozen=True)
class Stage:
    """One stage: ``depth`` inverted-residual blocks with the same expansion, kernel and output width."""

    expansion: int
    kernel: int
    width: int
    depth: int


@dataclass(frozen=True)
class MBArch:
    """A MobileNetV2-style architecture: seven :class:`Stage` s (see the module docstring).

    Raises
    ------
    canopy.errors.InvalidArchitectureError
        Wrong number of stages or a value outside its choice set.
    """

    stages: tuple[Stage, ...]

    def __post_init__(self) -> None:
        if len(self.stages) != len(STRIDES):
            raise InvalidArchitectureError(f"expected {len(STRIDES)} stages, got {len(self.stages)}")
        for i, st in enumerate(self.stages):
            if not isinstance(st, Stage):
                raise InvalidArchitectureError(f"stage {i} is not a Stage: {st!r}")
            for field_name, value, choices in (
                ("expansion", st.expansion, EXPANSIONS),
                ("kernel", st.kernel, KERNELS),
                ("width", st.width, WIDTHS[i]),
                ("depth", st.depth, DEPTHS),
            ):
                if value not in choices:
                    raise InvalidArchitectureError(
                        f"stage {i}: {field_name}={value!r} is not one of {list(choices)}"
                    )

    @classmethod
    def mobilenet_v2(cls) -> MBArch:
        """MobileNetV2 (width 1.0) in this encoding (its first stage has expansion 1, kernel 3)."""
        return cls(tuple(Stage(*s) for s in _MBV2))

    def to_string(self) -> str:
        """Compact encoding, e.g. ``"e1k3c16d1-e6k3c24d2-..."``.

        Examples
        --------
        >>> MBArch.mobilenet_v2().to_string().split("-")[1]
        'e6k3c24d2'
        """
        return "-".join(f"e{s.expansion}k{s.kernel}c{s.width}d{s.depth}" for s in self.stages)

    @classmethod
    def from_string(cls, text: str) -> MBArch:
        """Parse :meth:`to_string`'s format.

        Raises
        ------
        canopy.errors.InvalidArchitectureError
            On a malformed string (the message quotes the bad part).

        Examples
        --------
        >>> MBArch.from_string("e1k3c16d1")
        Traceback (most recent call last):
        ...
        canopy.errors.InvalidArchitectureError: expected 7 stages, got 1
        """
        import re

        stages = []
        for part in str(text).split("-"):
            m = re.fullmatch(r"e(\d+)k(\d+)c(\d+)d(\d+)", part)
            if m is None:
                raise InvalidArchitectureError(f"bad stage {part!r} in MobileNet arch string {text!r}")
            stages.append(Stage(*(int(g) for g in m.groups())))
        return cls(tuple(stages))

    def blocks(self) -> list[tuple[int, int, int, int, int]]:
        """Every block as ``(c_in, expansion, kernel, c_out, stride)``, in order."""
        out = []
        c_in = STEM_WIDTH
        for st, stride in zip(self.stages, STRIDES):
            for b in range(st.depth):
                out.append((c_in, st.expansion, st.kernel, st.width, stride if b == 0 else 1))
                c_in = st.width
        return out

    @property
    def num_layers(self) -> int:
        """Number of inverted-residual blocks."""
        return sum(s.depth for s in self.stages)


def _down(r: int, stride: int) -> int:
    return r if stride == 1 else math.ceil(r / stride)


def _check_resolution(resolution: int) -> None:
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 1:
        raise CanopyError(f"resolution must be a positive int, got {resolution!r}")


def flops(arch: MBArch, resolution: int = 224, num_classes: int = 1000) -> int:
    """Closed-form multiply-adds of ``arch`` at ``resolution`` x ``resolution`` (see the module docstring).

    Parameters
    ----------
    arch : MBArch
    resolution : int
    num_classes : int

    Returns
    -------
    int

    Examples
    --------
    >>> flops(MBArch.mobilenet_v2(), resolution=32) < flops(MBArch.mobilenet_v2())
    True
    """
    _check_resolution(resolution)
    counter = _FlopsCount(num_classes)
    mobilenet_skeleton(counter, resolution, arch.blocks(), STEM_WIDTH, HEAD_WIDTH)
    return counter.total


class _FlopsCount:
    """:class:`canopy.spaces.skeleton.MobileNetBuilder` summing multiply-adds; a "tensor" is the side length."""

    def __init__(self, num_classes: int) -> None:
        self.num_classes, self.total = num_classes, 0

    def stem(self, r: int, C: int) -> int:
        r = _down(r, 2)
        self.total += r * r * 9 * 3 * C
        return r

    def block(self, r: int, c_in: int, e: int, k: int, c_out: int, stride: int) -> int:
        mid = c_in * e
        if e != 1:
            self.total += r * r * c_in * mid
        r = _down(r, stride)
        self.total += r * r * k * k * mid + r * r * mid * c_out
        return r

    def head(self, r: int, c_in: int, C: int) -> int:
        self.total += r * r * c_in * C
        return r

    def classifier(self, r: int, c_in: int) -> int:
        self.total += c_in * self.num_classes
        return r


class _ParamsCount:
    """:class:`canopy.spaces.skeleton.MobileNetBuilder` summing parameters (conv weights, BN affine, linear
    with bias); a "tensor" is unused."""

    def __init__(self, num_classes: int) -> None:
        self.num_classes, self.total = num_classes, 0

    def stem(self, x: None, C: int) -> None:
        self.total += 27 * C + 2 * C

    def block(self, x: None, c_in: int, e: int, k: int, c_out: int, stride: int) -> None:
        mid = c_in * e
        if e != 1:
            self.total += c_in * mid + 2 * mid
        self.total += k * k * mid + 2 * mid + mid * c_out + 2 * c_out

    def head(self, x: None, c_in: int, C: int) -> None:
        self.total += c_in * C + 2 * C

    def classifier(self, x: None, c_in: int) -> None:
        self.total += c_in * self.num_classes + self.num_classes


def num_params(arch: MBArch, num_classes: int = 1000) -> int:
    """Closed-form parameter count of :func:`build_torch`'s module (conv weights, BN affine, linear + bias).

    Examples
    --------
    >>> num_params(MBArch.mobilenet_v2(), num_classes=10) < num_params(MBArch.mobilenet_v2())
    True
    """
    counter = _ParamsCount(num_classes)
    mobilenet_skeleton(counter, None, arch.blocks(), STEM_WIDTH, HEAD_WIDTH)
    return counter.total


def mutations(arch: MBArch) -> list[MBArch]:
    """Every architecture differing from ``arch`` in one field of one stage (fixed order; no budget check).

    Examples
    --------
    >>> len(mutations(MBArch.mobilenet_v2())) == 7 * (2 + 2 + 3) + sum(len(w) - 1 for w in WIDTHS)
    True
    """
    out = []
    for i, st in enumerate(arch.stages):
        for field_name, choices in (
            ("expansion", EXPANSIONS),
            ("kernel", KERNELS),
            ("width", WIDTHS[i]),
            ("depth", DEPTHS),
        ):
            for value in choices:
                if value != getattr(st, field_name):
                    new = Stage(**{**st.__dict__, field_name: value})
                    out.append(MBArch(arch.stages[:i] + (new,) + arch.stages[i + 1 :]))
    return out


def random_arch(rng: np.random.Generator | int) -> MBArch:
    """An architecture with every field drawn uniformly (no budget).

    Examples
    --------
    >>> random_arch(0) == random_arch(0)
    True
    """
    gen = as_generator(rng)
    stages = []
    for i in range(len(STRIDES)):
        stages.append(
            Stage(
                EXPANSIONS[int(gen.integers(len(EXPANSIONS)))],
                KERNELS[int(gen.integers(len(KERNELS)))],
                WIDTHS[i][int(gen.integers(len(WIDTHS[i])))],
                DEPTHS[int(gen.integers(len(DEPTHS)))],
            )
        )
    return MBArch(tuple(stages))


def sample_within_budget(
    rng: np.random.Generator | int, budget_mflops: float, *, resolution: int = 224, max_tries: int = 10_000
) -> MBArch:
    """A uniformly random architecture among those with at most ``budget_mflops`` MFLOPs (rejection sampling).

    Parameters
    ----------
    rng : numpy.random.Generator or int
    budget_mflops : float
        The budget in millions of multiply-adds.
    resolution : int
    max_tries : int
        Give up after this many rejected draws.

    Raises
    ------
    canopy.errors.CanopyError
        When no draw fits (the budget is too small for the space).

    Examples
    --------
    >>> a = sample_within_budget(0, 450)
    >>> flops(a) <= 450e6
    True
    """
    gen = as_generator(rng)
    if not budget_mflops > 0:
        raise CanopyError(f"budget_mflops must be positive, got {budget_mflops!r}")
    for _ in range(max_tries):
        arch = random_arch(gen)
        if flops(arch, resolution=resolution) <= budget_mflops * 1e6:
            return arch
    raise CanopyError(f"no architecture within {budget_mflops} MFLOPs found in {max_tries} draws")


def build_torch(arch: MBArch, num_classes: int = 1000):
    """The torch module of ``arch`` (ReLU activations; see the module docstring).

    Returns
    -------
    torch.nn.Module
        ``forward(x)`` returns logits.

    Examples
    --------
    >>> import torch
    >>> m = build_torch(MBArch.mobilenet_v2(), num_classes=10)
    >>> sum(p.numel() for p in m.parameters()) == num_params(MBArch.mobilenet_v2(), num_classes=10)
    True
    """
    import torch
    from torch import nn

    class InvertedResidual(nn.Module):
        def __init__(self, c_in: int, e: int, k: int, c_out: int, stride: int) -> None:
            super().__init__()
            mid = c_in * e
            layers: list[nn.Module] = []
            if e != 1:
                layers += [nn.Conv2d(c_in, mid, 1, bias=False), nn.BatchNorm2d(mid), nn.ReLU()]
            layers += [
                nn.Conv2d(mid, mid, k, stride, k // 2, groups=mid, bias=False),
                nn.BatchNorm2d(mid),
                nn.ReLU(),
                nn.Conv2d(mid, c_out, 1, bias=False),
                nn.BatchNorm2d(c_out),
            ]
            self.body = nn.Sequential(*layers)
            self.residual = stride == 1 and c_in == c_out

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = self.body(x)
            return x + y if self.residual else y

    class MobileNetLike(nn.Module):
        # registered by the skeleton builder below, in this order
        stem: nn.Sequential
        blocks: nn.Sequential
        head: nn.Sequential
        classifier: nn.Linear

        def __init__(self) -> None:
            super().__init__()
            mobilenet_skeleton(_Torch(self), 3, arch.blocks(), STEM_WIDTH, HEAD_WIDTH)

        def forward_features(self, x: torch.Tensor) -> torch.Tensor:
            return self.head(self.blocks(self.stem(x)))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.classifier(self.forward_features(x).mean(dim=(2, 3)))

    class _Torch:
        """:class:`canopy.spaces.skeleton.MobileNetBuilder` registering the modules (a "tensor" is a channel
        count)."""

        def __init__(self, net: MobileNetLike) -> None:
            self.net = net

        def stem(self, x: int, C: int) -> int:
            self.net.stem = nn.Sequential(nn.Conv2d(x, C, 3, 2, 1, bias=False), nn.BatchNorm2d(C), nn.ReLU())
            self.net.blocks = nn.Sequential()
            return C

        def block(self, x: int, c_in: int, e: int, k: int, c_out: int, stride: int) -> int:
            self.net.blocks.append(InvertedResidual(c_in, e, k, c_out, stride))
            return c_out

        def head(self, x: int, c_in: int, C: int) -> int:
            self.net.head = nn.Sequential(nn.Conv2d(c_in, C, 1, bias=False), nn.BatchNorm2d(C), nn.ReLU())
            return C

        def classifier(self, x: int, c_in: int) -> int:
            self.net.classifier = nn.Linear(c_in, num_classes)
            return num_classes

    return MobileNetLike()
