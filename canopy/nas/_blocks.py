"""The blocks of the NB201 and DARTS networks in the calculus' tensor-op vocabulary.

Every function here takes an *op builder* ``b`` -- :class:`canopy.nas._calculus.GraphBuilder` (the DAG of the
general walker) or :class:`canopy.nas._sat.SatBuilder` (the symbolic tensors of the fast path); both have the
methods of :class:`OpBuilder` -- so one description of a cell serves both paths.  :class:`GraphNB201` and
:class:`GraphDarts` implement the macro builder protocols of :mod:`canopy.spaces.skeleton` on such a builder.

Examples
--------
>>> from canopy.nas._calculus import GraphBuilder
>>> from canopy.spaces.skeleton import nb201_skeleton
>>> b = GraphBuilder()
>>> out = nb201_skeleton(GraphNB201(b, ("nor_conv_3x3",) * 6), b.input((3, 8, 8)), C=4, N=1)
>>> b.shape(out)
(10,)
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from canopy.errors import InvalidArchitectureError
from canopy.spaces.skeleton import darts_preprocess

__all__ = ["OpBuilder", "NB201_EDGES", "DARTS_OPS", "GraphNB201", "GraphDarts", "conv_bn", "relu_conv_bn",
           "nb201_cell", "resblock", "darts_cell", "darts_op", "factorized_reduce"]

NB201_EDGES = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))
DARTS_OPS = ("none", "max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5",
             "dil_conv_3x3", "dil_conv_5x5")


@runtime_checkable
class OpBuilder(Protocol):
    """The tensor operations the blocks use (see :class:`canopy.nas._calculus.GraphBuilder` for their meaning)."""

    def shape(self, u: Any) -> tuple[int, ...]: ...
    def conv(self, u: Any, out_channels: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1,
             groups: int = 1, bias: bool = False, name: str = "") -> Any: ...
    def affine(self, u: Any, name: str = "", zero_preserving: bool = True) -> Any: ...
    def relu(self, u: Any, name: str = "") -> Any: ...
    def identity(self, u: Any, shape: Any = None, name: str = "") -> Any: ...
    def zero(self, u: Any, shape: Any = None, name: str = "") -> Any: ...
    def linear_map(self, u: Any, shape: Any, name: str = "") -> Any: ...
    def pool(self, u: Any, kind: str, kernel: int, stride: int | None = None, padding: int = 0,
             dilation: int = 1, name: str = "") -> Any: ...
    def adaptive_pool(self, u: Any, kind: str, output_size: Any, name: str = "") -> Any: ...
    def add(self, inputs: Any, name: str = "") -> Any: ...
    def cat(self, inputs: Any, dim: int = 0, name: str = "") -> Any: ...
    def linear(self, u: Any, out_features: int, bias: bool = True, name: str = "") -> Any: ...
    def output(self, u: Any, name: str = "output") -> Any: ...


def conv_bn(b: OpBuilder, x, C, name):
    """Conv 3x3 (padding 1) + BN: the stem of both networks."""
    return b.affine(b.conv(x, C, 3, 1, 1, name=f"{name}.conv"), name=f"{name}.bn")


def relu_conv_bn(b: OpBuilder, x, c_out, k, stride, pad, name, dilation=1):
    """ReLU -> conv -> BN."""
    h = b.relu(x, name=f"{name}.relu")
    h = b.conv(h, c_out, k, stride, pad, dilation, name=f"{name}.conv")
    return b.affine(h, name=f"{name}.bn")


def nb201_cell(b: OpBuilder, x, ops, C, name):
    """An NB201 cell (six edge ops in arch-string order); a node is the sum of its incoming edges."""
    nodes = [x]
    for j in range(1, 4):
        terms = []
        for (i, jj), op in zip(NB201_EDGES, ops):
            if jj != j:
                continue
            ename = f"{name}.edge{i}{j}"
            u = nodes[i]
            if op == "none":
                terms.append(b.zero(u, name=f"{ename}.none"))
            elif op == "skip_connect":
                terms.append(b.identity(u, name=f"{ename}.skip"))
            elif op == "avg_pool_3x3":
                terms.append(b.pool(u, "avg", 3, 1, 1, name=f"{ename}.avgpool"))
            else:
                k = 3 if op == "nor_conv_3x3" else 1
                terms.append(relu_conv_bn(b, u, C, k, 1, (k - 1) // 2, ename))
        nodes.append(b.add(terms, name=f"{name}.node{j}"))
    return nodes[3]


def resblock(b: OpBuilder, x, planes, name):
    """The stride-2 ``ResNetBasicblock`` of NB201 (AvgPool2d(2) + 1x1 conv on the residual)."""
    a = relu_conv_bn(b, x, planes, 3, 2, 1, f"{name}.conv_a")
    a = relu_conv_bn(b, a, planes, 3, 1, 1, f"{name}.conv_b")
    r = b.pool(x, "avg", 2, 2, 0, name=f"{name}.downsample.avgpool")
    r = b.conv(r, planes, 1, name=f"{name}.downsample.conv")
    return b.add([r, a], name=f"{name}.add")


class GraphNB201:
    """:class:`canopy.spaces.skeleton.NB201Builder` on an op builder, for a fixed cell."""

    def __init__(self, b: OpBuilder, ops, num_classes: int = 10):
        self.b, self.ops, self.num_classes = b, ops, num_classes

    def stem(self, x, C):
        return conv_bn(self.b, x, C, "stem")

    def resblock(self, x, C_in, C_out, name):
        return resblock(self.b, x, C_out, name)

    def cell(self, x, C, name):
        return nb201_cell(self.b, x, self.ops, C, name)

    def head(self, x, C):
        b = self.b
        x = b.relu(b.affine(x, name="lastact.bn"), name="lastact.relu")
        x = b.adaptive_pool(x, "avg", 1, name="global_pooling")
        x = b.identity(x, (C,), name="flatten")
        return b.output(b.linear(x, self.num_classes, name="classifier"))


def darts_op(b: OpBuilder, x, op, C, stride, name):
    """One DARTS operation (``operations.py``) at stride ``stride``."""
    if op == "none":
        shp = b.shape(x)
        return b.zero(x, (shp[0], *(-(-n // stride) for n in shp[1:])), name=f"{name}.none")
    if op == "avg_pool_3x3":
        return b.pool(x, "avg", 3, stride, 1, name=f"{name}.avgpool")
    if op == "max_pool_3x3":
        return b.pool(x, "max", 3, stride, 1, name=f"{name}.maxpool")
    if op == "skip_connect":
        if stride == 1:
            return b.identity(x, name=f"{name}.skip")
        return factorized_reduce(b, x, C, f"{name}.fr")
    if op.startswith("sep_conv_"):
        k = int(op[-1])
        h = b.relu(x, name=f"{name}.relu1")
        h = b.conv(h, C, k, stride, (k - 1) // 2, groups=b.shape(h)[0], name=f"{name}.dw1")
        h = b.affine(b.conv(h, C, 1, name=f"{name}.pw1"), name=f"{name}.bn1")
        h = b.relu(h, name=f"{name}.relu2")
        h = b.conv(h, C, k, 1, (k - 1) // 2, groups=C, name=f"{name}.dw2")
        return b.affine(b.conv(h, C, 1, name=f"{name}.pw2"), name=f"{name}.bn2")
    if op.startswith("dil_conv_"):
        k = int(op[-1])
        h = b.relu(x, name=f"{name}.relu")
        h = b.conv(h, b.shape(h)[0], k, stride, k - 1, 2, groups=b.shape(h)[0], name=f"{name}.dw")
        return b.affine(b.conv(h, C, 1, name=f"{name}.pw"), name=f"{name}.bn")
    raise InvalidArchitectureError(f"unknown DARTS op {op!r} at {name}; expected one of {DARTS_OPS}")


def factorized_reduce(b: OpBuilder, x, C_out, name):
    """ReLU, two stride-2 1x1 convs (the second on the grid offset by one), concatenated, BN."""
    h = b.relu(x, name=f"{name}.relu")
    c1 = b.conv(h, C_out // 2, 1, 2, name=f"{name}.conv_1")
    shp = b.shape(h)
    sl = b.linear_map(h, (shp[0], *(n - 1 for n in shp[1:])), name=f"{name}.slice")
    c2 = b.conv(sl, C_out // 2, 1, 2, name=f"{name}.conv_2")
    if b.shape(c1) != b.shape(c2):
        raise InvalidArchitectureError(f"{name}: FactorizedReduce needs even spatial sizes, got {shp}")
    return b.affine(b.cat([c1, c2], 0, name=f"{name}.cat"), name=f"{name}.bn")


class _Pre:
    """:class:`canopy.spaces.skeleton.PreprocessBuilder` on an op builder."""

    __slots__ = ("b",)

    def __init__(self, b: OpBuilder):
        self.b = b

    def relu_conv_bn(self, x, C_out, name):
        return relu_conv_bn(self.b, x, C_out, 1, 1, 0, name)

    def factorized_reduce(self, x, C_out, name):
        return factorized_reduce(self.b, x, C_out, name)


def darts_cell(b: OpBuilder, s0, s1, edges, C, reduction, reduction_prev, name):
    """A DARTS cell; ``edges``: (op, input index, node index) triples (a node sums its edges; a node without
    any is the zero tensor); the output concatenates nodes 2..5."""
    p0, p1 = darts_preprocess(_Pre(b), s0, s1, C, reduction_prev, name)
    states = [p0, p1]
    for node in range(2, 6):
        terms = []
        for op, i, j in edges:
            if j != node:
                continue
            stride = 2 if reduction and i < 2 else 1
            terms.append(darts_op(b, states[i], op, C, stride, f"{name}.node{node}.from{i}.{op}"))
        if not terms:
            shp = b.shape(p1)
            s = 2 if reduction else 1
            terms.append(b.zero(p1, (C, *(-(-n // s) for n in shp[1:])), name=f"{name}.node{node}.empty"))
        states.append(terms[0] if len(terms) == 1 else b.add(terms, name=f"{name}.node{node}"))
    return b.cat(states[2:], 0, name=f"{name}.concat")


class GraphDarts:
    """:class:`canopy.spaces.skeleton.DartsBuilder` on an op builder, for fixed (normal, reduce) edge lists."""

    def __init__(self, b: OpBuilder, normal, reduce, num_classes: int = 10):
        self.b, self.normal, self.reduce, self.num_classes = b, normal, reduce, num_classes

    def stem(self, x, C):
        return conv_bn(self.b, x, C, "stem")

    def cell(self, s0, s1, C, reduction, reduction_prev, index):
        edges = self.reduce if reduction else self.normal
        return darts_cell(self.b, s0, s1, edges, C, reduction, reduction_prev, f"cells.{index}")

    def head(self, x):
        b = self.b
        x = b.adaptive_pool(x, "avg", 1, name="global_pooling")
        x = b.identity(x, (b.shape(x)[0],), name="flatten")
        return b.output(b.linear(x, self.num_classes, name="classifier"))
