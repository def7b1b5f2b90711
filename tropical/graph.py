"""Exact piecewise-linear networks as graphs (DAGs): convolutions, pooling, skips, concatenation.

A :class:`GraphNetwork` is a directed acyclic graph of exact operations on tensors of rationals: affine maps
(``linear``, ``conv2d`` as an exact sparse matrix, ``avgpool2d``, ``adaptive_avgpool2d``, ``batchnorm2d``
folded to a per-channel affine map, ``scale``), ``relu``, ``maxpool2d`` (a tropical max of affine maps), residual
``add``, ``concat``, ``flatten`` and ``reshape``. It has

* the exact forward pass (:meth:`GraphNetwork.forward`), the oracle every lowering is tested against;
* the lowering to a dense :class:`tropical.network.ReLUNetwork` computing the same function
  (:meth:`GraphNetwork.to_relu_network`), hence the tropical map (``to_relu_network().to_tropical()``, where it
  is small enough) and exact linear-region counts (:func:`count_graph_regions`);
* a versioned JSON format (:meth:`GraphNetwork.from_json` / :meth:`GraphNetwork.to_json`) read with the
  standard library only: no torch is needed to read, run or count a graph. ``canopy.nas.lower.export_graph``
  writes one from a ``torch.fx`` trace.

JSON format (version 1)
-----------------------
::

    {"format": "canopy-graph", "version": 1, "policy": "exact",
     "nodes": [
       {"id": "x",  "op": "input", "shape": [1, 3, 3]},
       {"id": "c",  "op": "conv2d", "input": "x", "weight": [[[["1/2", "0"], ["-1", "3"]]]], "bias": ["0"],
        "stride": 1, "padding": 1, "dilation": 1, "groups": 1},
       {"id": "r",  "op": "relu", "input": "c"},
       {"id": "s",  "op": "add", "inputs": ["r", "c"]},
       {"id": "p",  "op": "maxpool2d", "input": "s", "kernel_size": 2},
       {"id": "f",  "op": "flatten", "input": "p"},
       {"id": "y",  "op": "linear", "input": "f", "weight": [["1", "-1/3", "2", "1"]], "bias": ["1/7"]}],
     "output": "y"}

Shapes leave out the batch axis (a torch input ``(1, C, H, W)`` is ``[C, H, W]``); the network's input is the
input tensor flattened in C order and its output the output tensor flattened likewise. Nodes are listed in
an order where every node's inputs come before it. Every number is an exact rational written as a string
(``"-3"``, ``"1/3"``, ``"0.25"``) or a JSON integer; JSON floats are refused. The operations:

========================  ===========================================================================================
``input``                 ``shape``: list of positive ints (exactly one input node)
``linear``                ``weight`` ``[out][in]`` over the last axis, ``bias`` ``[out]`` or omitted
``conv2d``                ``weight`` ``[C_out][C_in/groups][kh][kw]``, ``bias`` ``[C_out]`` or omitted, ``stride``,
                          ``padding`` (zeros), ``dilation`` (int or ``[h, w]``; defaults 1, 0, 1), ``groups`` (1)
``relu``                  elementwise ``max(x, 0)``
``maxpool2d``             ``kernel_size``, ``stride`` (default ``kernel_size``), ``padding``, ``dilation``,
                          ``ceil_mode`` (as ``torch.nn.MaxPool2d``)
``avgpool2d``             ``kernel_size``, ``stride``, ``padding``, ``ceil_mode``, ``count_include_pad`` (true),
                          ``divisor_override`` (as ``torch.nn.AvgPool2d``)
``adaptive_avgpool2d``    ``output_size`` ``[oh, ow]`` (as ``torch.nn.AdaptiveAvgPool2d``)
``batchnorm2d``           inference mode, folded: ``scale`` and ``shift`` per channel (``y = scale_c x + shift_c``);
                          or explicit ``mean``, ``var``, ``weight``, ``bias``, ``eps`` when every ``var + eps`` is
                          the square of a rational (otherwise fold it: the square root is not rational)
``add``                   ``inputs`` (two or more, same shape), ``coefficients`` (default all 1): ``sum c_i x_i``
``scale``                 ``factor``, ``offset`` (default 0): elementwise ``factor * x + offset``
``concat``                ``inputs``, ``axis`` (of the shape without batch; negative counts from the end)
``flatten``               to one axis
``reshape``               ``shape``: list of positive ints with the same number of elements
========================  ===========================================================================================

Size limits (:data:`MAX_NODES`, :data:`MAX_PARAMS`, :data:`MAX_ELEMENTS`, :data:`MAX_TERMS`) are checked
before any number is parsed or any product is formed; every malformed graph raises one
:class:`~tropical.errors.InvalidNetworkError` (or :class:`~tropical.errors.ConversionError` for a bad number)
whose message names the node.

Examples
--------
>>> g = GraphNetwork.from_json({"format": "canopy-graph", "version": 1, "nodes": [
...     {"id": "x", "op": "input", "shape": [2]},
...     {"id": "h", "op": "linear", "input": "x", "weight": [["1", "-1"], ["1/2", "1"]]},
...     {"id": "r", "op": "relu", "input": "h"},
...     {"id": "y", "op": "add", "inputs": ["r", "h"], "coefficients": ["1", "-1"]}], "output": "y"})
>>> g.forward([3, 1])
(Fraction(0, 1), Fraction(0, 1))
>>> g.forward([-1, 1])
(Fraction(2, 1), Fraction(0, 1))
>>> net = g.to_relu_network()
>>> net.forward([-1, 1]) == g.forward([-1, 1])
True
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

from tropical._exact import as_fraction
from tropical.convert import POLICIES, parse_rational
from tropical.errors import InvalidNetworkError

__all__ = ["GraphNetwork", "count_graph_regions", "is_graph_json", "FORMAT", "VERSION", "OPS"]

#: the value of the ``"format"`` key
FORMAT = "canopy-graph"
#: the format version this module reads and writes
VERSION = 1
#: at most this many nodes
MAX_NODES = 10_000
#: at most this many numbers (weights, biases, ...) in all
MAX_PARAMS = 1_000_000
#: at most this many elements in any one tensor
MAX_ELEMENTS = 1_000_000
#: at most this many multiply-adds in one forward pass (the cost of reading, running and lowering a graph)
MAX_TERMS = 20_000_000
#: the operations and their keys (besides ``id`` and ``op``); ``None`` means "no further keys"
OPS: dict[str, tuple[str, ...]] = {
    "input": ("shape",),
    "linear": ("input", "weight", "bias"),
    "conv2d": ("input", "weight", "bias", "stride", "padding", "dilation", "groups"),
    "relu": ("input",),
    "maxpool2d": ("input", "kernel_size", "stride", "padding", "dilation", "ceil_mode"),
    "avgpool2d": ("input", "kernel_size", "stride", "padding", "ceil_mode", "count_include_pad",
                  "divisor_override"),
    "adaptive_avgpool2d": ("input", "output_size"),
    "batchnorm2d": ("input", "scale", "shift", "mean", "var", "weight", "bias", "eps"),
    "add": ("inputs", "coefficients"),
    "scale": ("input", "factor", "offset"),
    "concat": ("inputs", "axis"),
    "flatten": ("input",),
    "reshape": ("input", "shape"),
}
_MAX_DEPTH = 8  # nesting of a weight tensor (conv2d: 4)

Terms = list[tuple[Fraction, int, int]]  # (coefficient, input slot, flat index)


def _fail(node: str, msg: str) -> InvalidNetworkError:
    return InvalidNetworkError(f"graph node {node}: {msg}")


def _int(node: str, key: str, v: Any, *, low: int = 1) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < low or v > MAX_ELEMENTS:
        raise _fail(node, f"{key} must be an int in [{low}, {MAX_ELEMENTS}], got {str(v)[:40]!r}")
    return v


def _pair(node: str, key: str, v: Any, default: int | None, *, low: int = 1) -> tuple[int, int]:
    if v is None:
        if default is None:
            raise _fail(node, f"needs {key!r}")
        return default, default
    if isinstance(v, list):
        if len(v) != 2:
            raise _fail(node, f"{key} must be an int or a list of two ints, got a list of {len(v)}")
        return _int(node, key, v[0], low=low), _int(node, key, v[1], low=low)
    x = _int(node, key, v, low=low)
    return x, x


def _bool(node: str, key: str, v: Any, default: bool) -> bool:
    if v is None:
        return default
    if not isinstance(v, bool):
        raise _fail(node, f"{key} must be true or false, got {str(v)[:40]!r}")
    return v


def _shape_of(node: str, key: str, v: Any) -> tuple[int, ...]:
    if not isinstance(v, list) or not v or len(v) > _MAX_DEPTH:
        raise _fail(node, f"{key} must be a non-empty list of at most {_MAX_DEPTH} positive ints")
    shape = tuple(_int(node, key, s) for s in v)
    if math.prod(shape) > MAX_ELEMENTS:
        raise _fail(node, f"{key} {list(shape)} has {math.prod(shape)} elements, above the limit of {MAX_ELEMENTS}")
    return shape


def _tensor_shape(node: str, key: str, v: Any) -> tuple[int, ...]:
    """Shape of a rectangular nested list (checked without parsing its numbers)."""
    shape: list[int] = []
    level = v
    while isinstance(level, list):
        if len(shape) >= _MAX_DEPTH:
            raise _fail(node, f"{key} is nested more than {_MAX_DEPTH} deep")
        if not level:
            raise _fail(node, f"{key} has an empty list")
        shape.append(len(level))
        level = level[0]

    def check(x: Any, depth: int) -> None:
        if depth == len(shape):
            if isinstance(x, list):
                raise _fail(node, f"{key} is ragged (a list where a number belongs)")
            return
        if not isinstance(x, list) or len(x) != shape[depth]:
            raise _fail(node, f"{key} is ragged: expected a list of {shape[depth]} at depth {depth}")
        for y in x:
            check(y, depth + 1)

    check(v, 0)
    return tuple(shape)


def _flat(v: Any) -> list[Any]:
    out: list[Any] = []
    stack = [v]
    while stack:
        x = stack.pop()
        if isinstance(x, list):
            stack.extend(reversed(x))
        else:
            out.append(x)
    return out


def _count_leaves(v: Any, limit: int) -> int:
    n, stack = 0, [v]
    while stack:
        x = stack.pop()
        if isinstance(x, list):
            if len(stack) + len(x) > limit + 64:
                return limit + 1
            stack.extend(x)
        else:
            n += 1
            if n > limit:
                return n
    return n


def _pool_out(node: str, size: int, k: int, s: int, p: int, d: int, ceil: bool) -> int:
    span = size + 2 * p - d * (k - 1) - 1
    if span < 0:
        raise _fail(node, f"the window ({k} with dilation {d}) is larger than the padded input ({size} + 2*{p})")
    out = (-(-span // s) if ceil else span // s) + 1
    if ceil and (out - 1) * s >= size + p:  # torch: the last window must start inside the input or left padding
        out -= 1
    return out


class _Node:
    __slots__ = ("id", "op", "inputs", "shape", "attrs", "_plan")

    def __init__(self, nid: str, op: str, inputs: tuple[int, ...], shape: tuple[int, ...], attrs: dict[str, Any]):
        self.id, self.op, self.inputs, self.shape, self.attrs = nid, op, inputs, shape, attrs
        self._plan: Any = None


class GraphNetwork:
    """An exact piecewise-linear network given as a DAG of tensor operations (see the module docstring).

    Parameters
    ----------
    nodes : sequence of dict
        The nodes as in the JSON format, numbers as exact rationals (``int``, ``Fraction``) or rational
        strings; every node's inputs come before it.
    output : str
        The id of the output node.
    policy : str, default "exact-input"
        How the numbers were made exact (``"exact-input"``: given exactly; otherwise a
        :data:`tropical.convert.POLICIES` name); recorded, passed on to :meth:`to_relu_network`.

    Raises
    ------
    InvalidNetworkError
        Any malformed node, unknown operation or key, shape that does not fit, or a size limit exceeded.
    ConversionError
        A number that is not an exact rational (JSON floats, NaN, ...).

    Examples
    --------
    >>> g = GraphNetwork([{"id": "x", "op": "input", "shape": [1, 2, 2]},
    ...                   {"id": "m", "op": "maxpool2d", "input": "x", "kernel_size": 2}], output="m")
    >>> g.input_shape, g.output_shape, g.forward([1, -2, 5, Fraction(1, 3)])
    ((1, 2, 2), (1, 1, 1), (Fraction(5, 1),))
    """

    def __init__(self, nodes: Sequence[Mapping[str, Any]], output: str, *, policy: str = "exact-input") -> None:
        if isinstance(nodes, (str, bytes)) or not isinstance(nodes, Sequence):
            raise InvalidNetworkError(f'graph "nodes" must be a list of objects, got {type(nodes).__name__}')
        if not nodes:
            raise InvalidNetworkError('graph "nodes" is empty')
        if len(nodes) > MAX_NODES:
            raise InvalidNetworkError(f"graph has {len(nodes)} nodes, above the limit of {MAX_NODES}")
        if not isinstance(policy, str) or (policy != "exact-input" and policy not in POLICIES):
            raise InvalidNetworkError(
                f"graph policy must be 'exact-input' or one of {', '.join(POLICIES)}, got {str(policy)[:40]!r}")
        params = sum(_count_leaves(n.get(k), MAX_PARAMS + 1) for n in nodes if isinstance(n, Mapping)
                     for k in ("weight", "bias", "scale", "shift", "mean", "var", "coefficients")
                     if isinstance(n.get(k), list))
        if params > MAX_PARAMS:
            raise InvalidNetworkError(f"graph has more than {MAX_PARAMS} numbers (weights, biases, ...)")
        self._policy = policy
        self._nodes: list[_Node] = []
        self._index: dict[str, int] = {}
        terms = 0
        for pos, raw in enumerate(nodes):
            node = self._parse_node(pos, raw)
            terms += self._cost(node)
            if terms > MAX_TERMS:
                raise _fail(repr(node.id), f"the graph needs more than {MAX_TERMS} multiply-adds per forward pass")
            self._index[node.id] = len(self._nodes)
            self._nodes.append(node)
        if sum(n.op == "input" for n in self._nodes) != 1:
            raise InvalidNetworkError("a graph needs exactly one input node")
        if self._nodes[0].op != "input":
            raise _fail(repr(self._nodes[0].id), "the first node must be the input node")
        if not isinstance(output, str) or output not in self._index:
            raise InvalidNetworkError(f'graph "output" must name a node, got {str(output)[:40]!r}')
        self._output = self._index[output]

    # ------------------------------------------------------------------ parsing and validation
    def _ref(self, nid: str, v: Any) -> int:
        if not isinstance(v, str) or v not in self._index:
            raise _fail(nid, f"input {str(v)[:40]!r} is not an earlier node")
        return self._index[v]

    def _numbers(self, nid: str, key: str, v: Any, shape: tuple[int, ...] | None) -> list[Fraction]:
        got = _tensor_shape(nid, key, v) if isinstance(v, list) else ()
        if shape is not None and got != shape:
            raise _fail(nid, f"{key} has shape {list(got)}, expected {list(shape)}")
        what = f"graph node {nid} {key}"
        return [parse_rational(x, what) for x in _flat(v)]

    def _scalar(self, nid: str, key: str, v: Any, default: Fraction | None = None) -> Fraction:
        if v is None and default is not None:
            return default
        if v is None or isinstance(v, list):
            raise _fail(nid, f"{key} must be one exact rational")
        return parse_rational(v, f"graph node {nid} {key}")

    def _parse_node(self, pos: int, raw: Any) -> _Node:
        if not isinstance(raw, Mapping):
            raise InvalidNetworkError(f"graph node #{pos} must be an object, got {type(raw).__name__}")
        rid = raw.get("id")
        if not isinstance(rid, str) or not rid or len(rid) > 200:
            raise InvalidNetworkError(f'graph node #{pos} needs an "id" string (1 to 200 characters)')
        nid = repr(rid)
        if rid in self._index:
            raise _fail(nid, "duplicate id")
        op = raw.get("op")
        if op not in OPS:
            raise _fail(nid, f"unknown op {str(op)[:40]!r}; expected one of {', '.join(OPS)}")
        extra = sorted(set(raw) - {"id", "op", *OPS[op]})
        if extra:
            raise _fail(nid, f"unknown key(s) {', '.join(map(repr, extra))[:120]} for op {op!r}")
        g = raw.get
        if op == "input":
            return _Node(rid, op, (), _shape_of(nid, "shape", g("shape")), {})
        if op in ("add", "concat"):
            ins = g("inputs")
            if not isinstance(ins, list) or not ins or len(ins) > MAX_NODES:
                raise _fail(nid, '"inputs" must be a non-empty list of node ids')
            inputs = tuple(self._ref(nid, v) for v in ins)
        else:
            inputs = (self._ref(nid, g("input")),)
        shapes = [self._nodes[i].shape for i in inputs]
        x = shapes[0]
        attrs: dict[str, Any] = {}
        if op in ("relu",):
            return _Node(rid, op, inputs, x, attrs)
        if op == "flatten":
            return _Node(rid, op, inputs, (math.prod(x),), attrs)
        if op == "reshape":
            shape = _shape_of(nid, "shape", g("shape"))
            if math.prod(shape) != math.prod(x):
                raise _fail(nid, f"cannot reshape {list(x)} ({math.prod(x)} elements) to {list(shape)}")
            return _Node(rid, op, inputs, shape, attrs)
        if op == "scale":
            attrs["factor"] = self._scalar(nid, "factor", g("factor"))
            attrs["offset"] = self._scalar(nid, "offset", g("offset"), Fraction(0))
            return _Node(rid, op, inputs, x, attrs)
        if op == "add":
            if len(inputs) < 2 and g("coefficients") is None:
                raise _fail(nid, "add needs two or more inputs")
            for i, s in zip(inputs, shapes):
                if s != x:
                    raise _fail(nid, f"add of shapes {list(x)} and {list(s)} (from {self._nodes[i].id!r}); "
                                     "no broadcasting")
            co = g("coefficients")
            attrs["coefficients"] = (self._numbers(nid, "coefficients", co, (len(inputs),)) if co is not None
                                     else [Fraction(1)] * len(inputs))
            return _Node(rid, op, inputs, x, attrs)
        if op == "concat":
            axis = g("axis", 0)
            if isinstance(axis, bool) or not isinstance(axis, int) or not -len(x) <= axis < len(x):
                raise _fail(nid, f"axis must be an int in [{-len(x)}, {len(x) - 1}], got {str(axis)[:40]!r}")
            axis %= len(x)
            for i, s in zip(inputs, shapes):
                if len(s) != len(x) or s[:axis] != x[:axis] or s[axis + 1:] != x[axis + 1:]:
                    raise _fail(nid, f"cannot concatenate shapes {list(x)} and {list(s)} (from "
                                     f"{self._nodes[i].id!r}) along axis {axis}")
            out = (*x[:axis], sum(s[axis] for s in shapes), *x[axis + 1:])
            if math.prod(out) > MAX_ELEMENTS:
                raise _fail(nid, f"the result has {math.prod(out)} elements, above the limit of {MAX_ELEMENTS}")
            attrs["axis"] = axis
            return _Node(rid, op, inputs, out, attrs)
        if op == "linear":
            w = g("weight")
            if not isinstance(w, list):
                raise _fail(nid, "weight must be a list of rows [out][in]")
            wshape = _tensor_shape(nid, "weight", w)
            if len(wshape) != 2 or wshape[1] != x[-1]:
                raise _fail(nid, f"weight of shape {list(wshape)} does not fit an input of shape {list(x)} "
                                 f"(expected [out, {x[-1]}])")
            attrs["weight"] = self._numbers(nid, "weight", w, wshape)
            b = g("bias")
            attrs["bias"] = self._numbers(nid, "bias", b, (wshape[0],)) if b is not None else None
            attrs["fin"], attrs["fout"] = wshape[1], wshape[0]
            out = (*x[:-1], wshape[0])
            if math.prod(out) > MAX_ELEMENTS:
                raise _fail(nid, f"the result has {math.prod(out)} elements, above the limit of {MAX_ELEMENTS}")
            return _Node(rid, op, inputs, out, attrs)
        if op == "batchnorm2d":
            if len(x) < 2:
                raise _fail(nid, f"batchnorm2d needs an input [C, ...], got shape {list(x)}")
            c = x[0]
            if g("scale") is not None or g("shift") is not None:
                if any(g(k) is not None for k in ("mean", "var", "weight", "bias", "eps")):
                    raise _fail(nid, "give either the folded scale/shift or the explicit mean/var/weight/bias/eps")
                attrs["scale"] = self._numbers(nid, "scale", g("scale"), (c,))
                attrs["shift"] = self._numbers(nid, "shift", g("shift"), (c,))
            else:
                mean = self._numbers(nid, "mean", g("mean"), (c,))
                var = self._numbers(nid, "var", g("var"), (c,))
                gam = self._numbers(nid, "weight", g("weight"), (c,)) if g("weight") is not None else [Fraction(1)] * c
                bet = self._numbers(nid, "bias", g("bias"), (c,)) if g("bias") is not None else [Fraction(0)] * c
                eps = self._scalar(nid, "eps", g("eps"), Fraction(0))
                scale = []
                for k, v in enumerate(var):
                    root = _rational_sqrt(v + eps)
                    if root is None or root == 0:
                        raise _fail(nid, f"var[{k}] + eps = {v + eps} is not the square of a non-zero rational; "
                                         "write the folded scale and shift instead")
                    scale.append(gam[k] / root)
                attrs["scale"] = scale
                attrs["shift"] = [be - mu * sc for be, mu, sc in zip(bet, mean, scale)]
            return _Node(rid, op, inputs, x, attrs)
        # 2-D spatial operations on [C, H, W]
        if len(x) != 3:
            raise _fail(nid, f"{op} needs an input of shape [C, H, W], got {list(x)}")
        c, h, w_ = x
        if op == "conv2d":
            wt = g("weight")
            if not isinstance(wt, list):
                raise _fail(nid, "weight must be a nested list [C_out][C_in/groups][kh][kw]")
            wshape = _tensor_shape(nid, "weight", wt)
            groups = _int(nid, "groups", g("groups", 1))
            if len(wshape) != 4:
                raise _fail(nid, f"weight must have 4 axes [C_out][C_in/groups][kh][kw], got shape {list(wshape)}")
            cout, cin_g, kh, kw = wshape
            if c % groups or cout % groups or cin_g * groups != c:
                raise _fail(nid, f"weight of shape {list(wshape)} with groups={groups} does not fit {c} input "
                                 "channels (C_in/groups and C_out must divide evenly)")
            sh, sw = _pair(nid, "stride", g("stride"), 1)
            ph, pw = _pair(nid, "padding", g("padding"), 0, low=0)
            dh, dw = _pair(nid, "dilation", g("dilation"), 1)
            oh, ow = _pool_out(nid, h, kh, sh, ph, dh, False), _pool_out(nid, w_, kw, sw, pw, dw, False)
            if cout * oh * ow > MAX_ELEMENTS:
                raise _fail(nid, f"the result has {cout * oh * ow} elements, above the limit of {MAX_ELEMENTS}")
            attrs.update(weight=self._numbers(nid, "weight", wt, wshape), k=(kh, kw), s=(sh, sw), p=(ph, pw),
                         d=(dh, dw), groups=groups)
            b = g("bias")
            attrs["bias"] = self._numbers(nid, "bias", b, (cout,)) if b is not None else None
            return _Node(rid, op, inputs, (cout, oh, ow), attrs)
        if op == "adaptive_avgpool2d":
            oh, ow = _pair(nid, "output_size", g("output_size"), None)
            if oh > h or ow > w_:
                raise _fail(nid, f"output_size {[oh, ow]} is larger than the input {[h, w_]}")
            return _Node(rid, op, inputs, (c, oh, ow), attrs)
        kh, kw = _pair(nid, "kernel_size", g("kernel_size"), None)
        sh, sw = _pair(nid, "stride", g("stride"), None) if g("stride") is not None else (kh, kw)
        ph, pw = _pair(nid, "padding", g("padding"), 0, low=0)
        dh, dw = _pair(nid, "dilation", g("dilation"), 1) if op == "maxpool2d" else (1, 1)
        if 2 * ph > kh or 2 * pw > kw:
            raise _fail(nid, f"padding {[ph, pw]} must be at most half the kernel size {[kh, kw]}")
        ceil = _bool(nid, "ceil_mode", g("ceil_mode"), False)
        oh, ow = _pool_out(nid, h, kh, sh, ph, dh, ceil), _pool_out(nid, w_, kw, sw, pw, dw, ceil)
        attrs.update(k=(kh, kw), s=(sh, sw), p=(ph, pw), d=(dh, dw))
        if op == "avgpool2d":
            attrs["count_include_pad"] = _bool(nid, "count_include_pad", g("count_include_pad"), True)
            dv = g("divisor_override")
            attrs["divisor_override"] = _int(nid, "divisor_override", dv) if dv is not None else None
        return _Node(rid, op, inputs, (c, oh, ow), attrs)

    def _cost(self, n: _Node) -> int:
        """Multiply-adds of one forward pass through ``n`` (an upper bound, computed from shapes only)."""
        out = math.prod(n.shape)
        if n.op == "conv2d":
            kh, kw = n.attrs["k"]
            return out * (self._nodes[n.inputs[0]].shape[0] // n.attrs["groups"]) * kh * kw
        if n.op == "linear":
            return out * n.attrs["fin"]
        if n.op in ("maxpool2d", "avgpool2d"):
            return out * n.attrs["k"][0] * n.attrs["k"][1]
        if n.op == "adaptive_avgpool2d":
            return math.prod(self._nodes[n.inputs[0]].shape)
        return out * max(1, len(n.inputs))

    # ------------------------------------------------------------------ properties
    @property
    def input_shape(self) -> tuple[int, ...]:
        """Shape of the input tensor (without the batch axis)."""
        return self._nodes[0].shape

    @property
    def output_shape(self) -> tuple[int, ...]:
        """Shape of the output tensor (without the batch axis)."""
        return self._nodes[self._output].shape

    @property
    def input_dim(self) -> int:
        """Number of input coordinates (the input tensor flattened)."""
        return math.prod(self.input_shape)

    @property
    def output_dim(self) -> int:
        """Number of output coordinates."""
        return math.prod(self.output_shape)

    @property
    def policy(self) -> str:
        """How the numbers were made exact (recorded, not applied)."""
        return self._policy

    @property
    def ops(self) -> tuple[str, ...]:
        """The operation of every node, in order."""
        return tuple(n.op for n in self._nodes)

    def shape_of(self, node_id: str) -> tuple[int, ...]:
        """The shape (without the batch axis) of the tensor that node ``node_id`` computes.

        Examples
        --------
        >>> g = GraphNetwork([{"id": "x", "op": "input", "shape": [2, 3]},
        ...                   {"id": "f", "op": "flatten", "input": "x"}], output="f")
        >>> g.shape_of("f")
        (6,)
        """
        if node_id not in self._index:
            raise InvalidNetworkError(f"no graph node {str(node_id)[:40]!r}")
        return self._nodes[self._index[node_id]].shape

    def __len__(self) -> int:
        return len(self._nodes)

    def __repr__(self) -> str:
        return (f"GraphNetwork({len(self._nodes)} nodes, input {list(self.input_shape)}, "
                f"output {list(self.output_shape)}, policy={self._policy!r})")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, GraphNetwork):
            return NotImplemented
        return self.to_json() == other.to_json()

    __hash__ = None  # type: ignore[assignment]

    # ------------------------------------------------------------------ plans: the exact maps of the nodes
    def _plan(self, n: _Node) -> Any:
        """``("affine", rows)``, ``("gather", pairs)``, ``("max", windows)``, ``("relu",)`` or ``("input",)``.

        ``rows[o] = (terms, constant)`` with ``terms = [(coefficient, input slot, flat index), ...]``;
        ``pairs[o] = (slot, index)``; ``windows[o]`` = flat indices of input 0.
        """
        if n._plan is not None:
            return n._plan
        n._plan = plan = self._make_plan(n)
        return plan

    def _make_plan(self, n: _Node) -> Any:
        op, a = n.op, n.attrs
        shapes = [self._nodes[i].shape for i in n.inputs]
        zero = Fraction(0)
        if op in ("input", "relu"):
            return (op,)
        if op in ("flatten", "reshape"):
            return ("gather", [(0, i) for i in range(math.prod(n.shape))])
        if op == "concat":
            axis, pairs = a["axis"], []
            for o in range(math.prod(n.shape[:axis])):
                for s, shp in enumerate(shapes):
                    blk = math.prod(shp[axis:])
                    pairs += [(s, i) for i in range(o * blk, (o + 1) * blk)]
            return ("gather", pairs)
        if op == "scale":
            f, off = a["factor"], a["offset"]
            return ("affine", [([(f, 0, i)] if f else [], off) for i in range(math.prod(n.shape))])
        if op == "add":
            co = a["coefficients"]
            return ("affine", [([(c, s, i) for s, c in enumerate(co) if c], zero) for i in range(math.prod(n.shape))])
        if op == "batchnorm2d":
            per = math.prod(shapes[0][1:])
            return ("affine", [([(a["scale"][i // per], 0, i)] if a["scale"][i // per] else [], a["shift"][i // per])
                               for i in range(math.prod(n.shape))])
        if op == "linear":
            fin, fout, wr, br = a["fin"], a["fout"], a["weight"], a["bias"]
            rows = []
            for o in range(math.prod(shapes[0]) // fin):
                for r in range(fout):
                    rows.append(([(wr[r * fin + k], 0, o * fin + k) for k in range(fin) if wr[r * fin + k]],
                                 br[r] if br else zero))
            return ("affine", rows)
        if op == "conv2d":
            _, h, w = shapes[0]
            cout, oh, ow = n.shape
            (kh, kw), (sh, sw), (ph, pw), (dh, dw), g = a["k"], a["s"], a["p"], a["d"], a["groups"]
            cin_g, cout_g = shapes[0][0] // g, cout // g
            wr, br = a["weight"], a["bias"]
            rows = []
            for co in range(cout):
                grp = co // cout_g
                for i in range(oh):
                    for j in range(ow):
                        terms: Terms = []
                        for cl in range(cin_g):
                            ci = grp * cin_g + cl
                            for u in range(kh):
                                y = i * sh - ph + u * dh
                                if not 0 <= y < h:
                                    continue
                                for v in range(kw):
                                    x = j * sw - pw + v * dw
                                    if 0 <= x < w:
                                        wt = wr[((co * cin_g + cl) * kh + u) * kw + v]
                                        if wt:
                                            terms.append((wt, 0, (ci * h + y) * w + x))
                        rows.append((terms, br[co] if br else zero))
            return ("affine", rows)
        ch, h, w = shapes[0]
        _, oh, ow = n.shape
        if op == "adaptive_avgpool2d":
            rows = []
            for c in range(ch):
                for i in range(oh):
                    for j in range(ow):
                        ry = range((i * h) // oh, -(-((i + 1) * h) // oh))
                        rx = range((j * w) // ow, -(-((j + 1) * w) // ow))
                        d = Fraction(1, len(ry) * len(rx))
                        rows.append(([(d, 0, (c * h + y) * w + x) for y in ry for x in rx], zero))
            return ("affine", rows)
        (kh, kw), (sh, sw), (ph, pw), (dh, dw) = a["k"], a["s"], a["p"], a["d"]
        windows: list[list[int]] = []
        divisors: list[int] = []
        for c in range(ch):
            for i in range(oh):
                for j in range(ow):
                    y0, x0 = i * sh - ph, j * sw - pw
                    ys = [y0 + u * dh for u in range(kh) if 0 <= y0 + u * dh < h]
                    xs = [x0 + u * dw for u in range(kw) if 0 <= x0 + u * dw < w]
                    if not ys or not xs:
                        raise _fail(repr(n.id), "a pooling window lies entirely in the padding")
                    windows.append([(c * h + y) * w + x for y in ys for x in xs])
                    if op == "avgpool2d":
                        if a["divisor_override"]:
                            divisors.append(a["divisor_override"])
                        elif a["count_include_pad"]:
                            divisors.append((min(y0 + kh, h + ph) - y0) * (min(x0 + kw, w + pw) - x0))
                        else:
                            divisors.append(len(ys) * len(xs))
        if op == "maxpool2d":
            return ("max", windows)
        return ("affine", [([(Fraction(1, dv), 0, i) for i in wd], zero) for wd, dv in zip(windows, divisors)])

    # ------------------------------------------------------------------ exact forward pass
    def forward(self, x: Sequence[Any]) -> tuple[Fraction, ...]:
        """The exact output (flattened) at the exact input ``x`` (the input tensor flattened in C order).

        Raises
        ------
        InexactInputError
            A float or other inexact coordinate.
        DimensionMismatchError
            ``x`` of the wrong length.

        Examples
        --------
        >>> g = GraphNetwork([{"id": "x", "op": "input", "shape": [2]},
        ...                   {"id": "y", "op": "relu", "input": "x"}], output="y")
        >>> g.forward([Fraction(-1, 2), 3])
        (Fraction(0, 1), Fraction(3, 1))
        """
        from tropical.errors import DimensionMismatchError

        vals = [as_fraction(v, f"x[{i}]") for i, v in enumerate(x)]
        if len(vals) != self.input_dim:
            raise DimensionMismatchError(
                f"graph input: expected {self.input_dim} coordinates (shape {list(self.input_shape)}), got {len(vals)}")
        env: list[list[Fraction]] = []
        zero = Fraction(0)
        for n in self._nodes:
            plan = self._plan(n)
            ins = [env[i] for i in n.inputs]
            kind = plan[0]
            if kind == "input":
                env.append(vals)
            elif kind == "relu":
                env.append([v if v > 0 else zero for v in ins[0]])
            elif kind == "gather":
                env.append([ins[s][i] for s, i in plan[1]])
            elif kind == "max":
                src = ins[0]
                env.append([max(src[i] for i in wd) for wd in plan[1]])
            else:
                env.append([sum((c * ins[s][i] for c, s, i in terms), const) for terms, const in plan[1]])
        return tuple(env[self._output])

    # ------------------------------------------------------------------ slices
    def slice_region(self, base: Sequence[Any], directions: Sequence[Sequence[Any]], point: Sequence[Any]
                     ) -> tuple[tuple[int, ...], list[tuple[Fraction, ...]]] | None:
        """The activation region of ``point`` on the slice ``u -> base + sum_k u_k directions[k]``, exactly.

        Every tensor is an affine function of ``u`` on the region, carried with the pattern of ``point`` fixed:
        a ReLU keeps its input where it is positive at ``point`` and is zero where it is not; a max-pool window
        takes its arg-max at ``point`` (the first, among entries equal as functions). The region is where
        those choices hold. :meth:`slice_regions` does many points at once.

        Parameters
        ----------
        base : sequence of exact numbers
            A point of the input space (the input tensor flattened in C order).
        directions : sequence of sequences of exact numbers
            The slice's ``d`` directions, each with one entry per input coordinate.
        point : sequence of exact numbers
            ``d`` slice coordinates ``u``.

        Returns
        -------
        tuple or None
            ``(pattern, inequalities)``. The ``pattern`` holds one entry per ReLU unit (1 if its input is positive
            at ``point``, else 0) and one per max-pool window (the arg-max's position in its window), in node
            order. The ``inequalities`` are tuples ``(c_0, c_1, ..., c_d)`` with ``c_0 + sum_k c_k u_k >= 0``,
            and they define the closure of the set of slice points with that pattern. ``None`` means ``point``
            is a breakpoint of the slice: a ReLU input that vanishes at ``point`` but not on the whole slice, or
            two window entries that are equal at ``point`` but not as functions.

        Examples
        --------
        >>> g = GraphNetwork([{"id": "x", "op": "input", "shape": [1]},
        ...                   {"id": "h", "op": "linear", "input": "x", "weight": [["1"]], "bias": ["-1"]},
        ...                   {"id": "r", "op": "relu", "input": "h"}], output="r")
        >>> g.slice_region([0], [[2]], [Fraction(3, 4)])          # x = 2u: the unit is active where u >= 1/2
        ((1,), [(Fraction(-1, 1), Fraction(2, 1))])
        >>> g.slice_region([0], [[2]], [Fraction(1, 2)]) is None  # u = 1/2 is the breakpoint
        True
        """
        return self.slice_regions(base, directions, [point])[0]

    def slice_regions(self, base: Sequence[Any], directions: Sequence[Sequence[Any]],
                      points: Sequence[Sequence[Any]]) -> list[tuple[tuple[int, ...], list[tuple[Fraction, ...]]] | None]:
        """:meth:`slice_region` of every point of ``points``, sharing the work of common pattern prefixes.

        The points are carried through the graph in groups with the same pattern so far; an affine node is
        computed once per group, and a group splits at a ReLU or max pool where its points' choices differ.

        Examples
        --------
        >>> g = GraphNetwork([{"id": "x", "op": "input", "shape": [1]},
        ...                   {"id": "r", "op": "relu", "input": "x"}], output="r")
        >>> [got[0] for got in g.slice_regions([0], [[1]], [[-1], [2], [3]])]
        [(0,), (1,), (1,)]
        """
        from tropical.errors import DimensionMismatchError

        b = [as_fraction(v, f"base[{i}]") for i, v in enumerate(base)]
        dirs = [[as_fraction(v, f"directions[{k}][{i}]") for i, v in enumerate(row)] for k, row in enumerate(directions)]
        us = [[as_fraction(v, f"points[{j}][{k}]") for k, v in enumerate(p)] for j, p in enumerate(points)]
        d = len(dirs)
        if len(b) != self.input_dim or any(len(row) != self.input_dim for row in dirs) or any(len(u) != d for u in us):
            raise DimensionMismatchError(
                f"slice: base and every direction need {self.input_dim} coordinates and each point {d} (one per "
                "direction)")
        zero = Fraction(0)
        nil = (zero,) * (d + 1)
        F = tuple[Fraction, ...]

        def at(f: F, u: list[Fraction]) -> Fraction:
            return f[0] + sum((c * x for c, x in zip(f[1:], u)), zero)

        results: list[tuple[tuple[int, ...], list[F]] | None] = [None] * len(us)
        # a group: (node values so far, member points, pattern so far, inequalities so far)
        groups: list[tuple[list[list[F]], list[int], list[int], list[F]]] = [([], list(range(len(us))), [], [])]
        for n in self._nodes:
            plan = self._plan(n)
            kind = plan[0]
            nxt: list[tuple[list[list[F]], list[int], list[int], list[F]]] = []
            for env, members, pattern, ineqs in groups:
                ins = [env[i] for i in n.inputs]
                if kind in ("relu", "max"):
                    split: dict[tuple[int, ...], list[int]] = {}
                    for j in members:
                        u = us[j]
                        choice: list[int] = []
                        if kind == "relu":
                            for f in ins[0]:
                                v = at(f, u)
                                if v == 0 and any(f):
                                    break  # vanishes at the point, not on the slice: a breakpoint
                                choice.append(int(v > 0))
                            else:
                                split.setdefault(tuple(choice), []).append(j)
                        else:
                            src = ins[0]
                            for wd in plan[1]:
                                fs = [src[i] for i in wd]
                                vs = [at(f, u) for f in fs]
                                m = vs.index(max(vs))
                                if any(v == vs[m] and f != fs[m] for f, v in zip(fs, vs)):
                                    break  # two different entries tie at the point: a breakpoint
                                choice.append(m)
                            else:
                                split.setdefault(tuple(choice), []).append(j)
                    for choice_t, mem in split.items():
                        new_ineqs = list(ineqs)
                        if kind == "relu":
                            out = []
                            for f, on in zip(ins[0], choice_t):
                                out.append(f if on else nil)
                                if on:
                                    new_ineqs.append(f)
                                elif any(f):
                                    new_ineqs.append(tuple(-c for c in f))
                        else:
                            src, out = ins[0], []
                            for wd, m in zip(plan[1], choice_t):
                                fs = [src[i] for i in wd]
                                new_ineqs.extend(tuple(p - q for p, q in zip(fs[m], f)) for f in fs if f != fs[m])
                                out.append(fs[m])
                        nxt.append(([*env, out], mem, [*pattern, *choice_t], new_ineqs))
                    continue
                if kind == "input":
                    vals = [(b[i], *(row[i] for row in dirs)) for i in range(self.input_dim)]
                elif kind == "gather":
                    vals = [ins[s][i] for s, i in plan[1]]
                else:
                    vals = []
                    for terms, const in plan[1]:
                        acc = [const] + [zero] * d
                        for c, s, i in terms:
                            f = ins[s][i]
                            for k in range(d + 1):
                                if f[k]:
                                    acc[k] += c * f[k]
                        vals.append(tuple(acc))
                env.append(vals)
                nxt.append((env, members, pattern, ineqs))
            groups = nxt
        for _env, members, pattern, ineqs in groups:
            for j in members:
                results[j] = (tuple(pattern), ineqs)
        return results

    # ------------------------------------------------------------------ lowering
    def to_relu_network(self, *, input_lower: Sequence[Any] | None = None, max_neurons: int = 20_000) -> Any:
        """A dense :class:`~tropical.network.ReLUNetwork` computing the same function (exactly).

        Every tensor is held as an exact affine map of one hidden layer's output. Affine nodes compose into
        the current map; ``relu`` makes its input's rows the neurons of the next hidden layer; ``maxpool2d``
        is a tree of pairwise maxima ``max(a, b) = a + relu(b - a)``, one hidden layer per round; values needed
        after a layer they do not pass through are *carried*: ``z_j = relu(z_j)`` for a hidden coordinate
        (``>= 0``), ``x_j = relu(x_j) - relu(-x_j)`` for an input coordinate, or ``relu(x_j - l_j) + l_j``
        when ``input_lower`` promises ``x >= l`` (then the network equals the graph only there). Equal
        neurons of a layer are shared.

        The lowered network has the graph's linear regions and affine pieces, but *not* its activation
        regions: carries and max trees add hyperplanes (``x_j = 0``, ``a = b``) that need not be breakpoints.

        Parameters
        ----------
        input_lower : sequence of exact numbers, optional
            A lower corner of the domain of interest (one per input coordinate, or one for all).
        max_neurons : int, default 20_000
            Refuse a network with more hidden neurons than this.

        Returns
        -------
        tropical.network.ReLUNetwork
            With the graph's ``policy``.

        Raises
        ------
        InvalidNetworkError
            More hidden neurons than ``max_neurons``; a bad ``input_lower``.

        Examples
        --------
        >>> g = GraphNetwork([{"id": "x", "op": "input", "shape": [1, 1, 2]},
        ...                   {"id": "m", "op": "maxpool2d", "input": "x", "kernel_size": [1, 2]}], output="m")
        >>> net = g.to_relu_network()
        >>> net.layer_sizes, net.forward([3, -5]) == g.forward([3, -5])
        ((2, 3, 1), True)
        """
        from tropical._graph_builder import _Builder, _combine, _Value
        from tropical.network import ReLUNetwork

        if isinstance(max_neurons, bool) or not isinstance(max_neurons, int) or max_neurons < 1:
            raise InvalidNetworkError(f"max_neurons must be a positive int, got {max_neurons!r}")
        n_in = self.input_dim
        lower: list[Fraction] | None = None
        if input_lower is not None:
            vals = list(input_lower) if isinstance(input_lower, (list, tuple)) else [input_lower] * n_in
            if len(vals) != n_in:
                raise InvalidNetworkError(f"input_lower has {len(vals)} entries but the graph has {n_in} inputs")
            lower = [as_fraction(v, f"input_lower[{i}]") for i, v in enumerate(vals)]
        b = _Builder(n_in, lower)
        env: list[_Value] = []
        one = Fraction(1)
        for n in self._nodes:
            plan = self._plan(n)
            kind = plan[0]
            if kind == "input":
                env.append(_Value(0, n.shape, [{i: one} for i in range(n_in)], [Fraction(0)] * n_in))
                continue
            ins = [env[i] for i in n.inputs]
            if len(ins) > 1:
                top = max(v.level for v in ins)
                ins = [b.lift(v, top) for v in ins]
            if kind == "relu":
                env.append(b.relu(ins[0]))
            elif kind == "max":
                env.append(b.max_over(ins[0], n.shape, plan[1]))
            elif kind == "gather":
                env.append(_Value(ins[0].level, n.shape, [ins[s].rows[i] for s, i in plan[1]],
                                  [ins[s].bias[i] for s, i in plan[1]]))
            else:
                rows, bias = [], []
                for terms, const in plan[1]:
                    rows.append(_combine([(c, ins[s].rows[i]) for c, s, i in terms]))
                    bias.append(const + sum((c * ins[s].bias[i] for c, s, i in terms), Fraction(0)))
                env.append(_Value(ins[0].level, n.shape, rows, bias))
            total = sum(len(layer) for layer in b.layers)
            if total > max_neurons:
                raise InvalidNetworkError(f"lowering the graph needs more than max_neurons={max_neurons} hidden "
                                          f"neurons (reached at node {n.id!r})")
        final = b.lift(env[self._output], len(b.layers))  # the output must read the last hidden layer
        total = sum(len(layer) for layer in b.layers)
        if total > max_neurons:
            raise InvalidNetworkError(f"lowering the graph needs {total} hidden neurons (> max_neurons={max_neurons})")
        for layer in b.layers:  # a layer reached only by constants: one constant neuron relu(0) keeps it valid
            if not layer:
                layer.append(({}, Fraction(0)))
        weights, biases = [], []
        for k, layer in enumerate(b.layers):
            width = b.width(k)
            weights.append([[r.get(j, Fraction(0)) for j in range(width)] for r, _ in layer])
            biases.append([c for _, c in layer])
        width = b.width(len(b.layers))
        weights.append([[r.get(j, Fraction(0)) for j in range(width)] for r in final.rows])
        biases.append(list(final.bias))
        return ReLUNetwork(weights, biases, policy=self._policy)

    # ------------------------------------------------------------------ JSON
    def to_json(self) -> dict[str, Any]:
        """The graph as a JSON-ready dict (exact rationals as strings; batch norm in folded form).

        Examples
        --------
        >>> g = GraphNetwork([{"id": "x", "op": "input", "shape": [1]},
        ...                   {"id": "y", "op": "scale", "input": "x", "factor": Fraction(1, 2)}], output="y")
        >>> g.to_json()["nodes"][1]
        {'id': 'y', 'op': 'scale', 'input': 'x', 'factor': '1/2', 'offset': '0'}
        >>> GraphNetwork.from_json(g.to_json()) == g
        True
        """
        def s(v: list[Fraction]) -> list[str]:
            return [str(x) for x in v]

        def nest(v: list[Fraction], shape: tuple[int, ...]) -> Any:
            if len(shape) == 1:
                return s(v)
            step = len(v) // shape[0]
            return [nest(v[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]

        nodes: list[dict[str, Any]] = []
        for n in self._nodes:
            a = n.attrs
            d: dict[str, Any] = {"id": n.id, "op": n.op}
            ids = [self._nodes[i].id for i in n.inputs]
            if n.op in ("add", "concat"):
                d["inputs"] = ids
            elif n.op != "input":
                d["input"] = ids[0]
            if n.op == "input":
                d["shape"] = list(n.shape)
            elif n.op == "reshape":
                d["shape"] = list(n.shape)
            elif n.op == "scale":
                d["factor"], d["offset"] = str(a["factor"]), str(a["offset"])
            elif n.op == "add":
                d["coefficients"] = s(a["coefficients"])
            elif n.op == "concat":
                d["axis"] = a["axis"]
            elif n.op == "linear":
                d["weight"] = nest(a["weight"], (a["fout"], a["fin"]))
                if a["bias"] is not None:
                    d["bias"] = s(a["bias"])
            elif n.op == "batchnorm2d":
                d["scale"], d["shift"] = s(a["scale"]), s(a["shift"])
            elif n.op == "conv2d":
                cin = self._nodes[n.inputs[0]].shape[0]
                d["weight"] = nest(a["weight"], (n.shape[0], cin // a["groups"], *a["k"]))
                if a["bias"] is not None:
                    d["bias"] = s(a["bias"])
                d.update(stride=list(a["s"]), padding=list(a["p"]), dilation=list(a["d"]), groups=a["groups"])
            elif n.op == "adaptive_avgpool2d":
                d["output_size"] = list(n.shape[1:])
            elif n.op in ("maxpool2d", "avgpool2d"):
                d.update(kernel_size=list(a["k"]), stride=list(a["s"]), padding=list(a["p"]))
                if n.op == "maxpool2d":
                    d["dilation"] = list(a["d"])
                else:
                    d["count_include_pad"] = a["count_include_pad"]
                    if a["divisor_override"] is not None:
                        d["divisor_override"] = a["divisor_override"]
                # the output shape already reflects ceil_mode; record it so that the file reads back the same
                d["ceil_mode"] = self._ceil_needed(n)
            nodes.append(d)
        return {"format": FORMAT, "version": VERSION, "policy": self._policy, "nodes": nodes,
                "output": self._nodes[self._output].id}

    def _ceil_needed(self, n: _Node) -> bool:
        _, h, w = self._nodes[n.inputs[0]].shape
        (kh, kw), (sh, sw), (ph, pw), (dh, dw) = n.attrs["k"], n.attrs["s"], n.attrs["p"], n.attrs["d"]
        floor = (_pool_out("", h, kh, sh, ph, dh, False), _pool_out("", w, kw, sw, pw, dw, False))
        return floor != n.shape[1:]

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | str | os.PathLike[str]) -> GraphNetwork:
        """Read a graph from the JSON format (a dict, JSON text, or a path to a ``.json`` file).

        A string starting with ``{`` or ``[`` is parsed as JSON text; any other string is a file path.

        Raises
        ------
        InvalidNetworkError
            Malformed JSON, a wrong ``format`` / ``version``, or any malformed node (one line naming it).
        ConversionError
            A number that is not an exact rational string or integer (JSON floats are refused).

        Examples
        --------
        >>> g = GraphNetwork.from_json('{"format": "canopy-graph", "version": 1, "output": "y", "nodes": ['
        ...     '{"id": "x", "op": "input", "shape": [2]}, {"id": "y", "op": "add", "inputs": ["x", "x"]}]}')
        >>> g.forward([1, Fraction(1, 3)])
        (Fraction(2, 1), Fraction(2, 3))
        """
        if isinstance(data, (str, os.PathLike)):
            if isinstance(data, str) and data.lstrip().startswith(("{", "[")):
                text = data
            else:
                path = Path(data)
                try:
                    if not path.is_file():
                        raise InvalidNetworkError(f"graph file not found: {str(path)[:200]}")
                    if path.stat().st_size > 64 * MAX_PARAMS:
                        raise InvalidNetworkError(
                            f"graph file {str(path)[:200]}: {path.stat().st_size} bytes, above {64 * MAX_PARAMS}")
                    text = path.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as exc:
                    raise InvalidNetworkError(f"graph file {str(path)[:200]} cannot be read as UTF-8 JSON text: "
                                              f"{getattr(exc, 'strerror', None) or exc}") from None
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                raise InvalidNetworkError(f"graph JSON is malformed: {exc}") from None
            except RecursionError:
                raise InvalidNetworkError("graph JSON is nested too deeply to be a graph") from None
        if not isinstance(data, Mapping):
            raise InvalidNetworkError(f'a graph must be a JSON object with "format": "{FORMAT}"')
        if data.get("format") != FORMAT:
            raise InvalidNetworkError(f'graph "format" must be "{FORMAT}", got {str(data.get("format"))[:40]!r}')
        version = data.get("version")
        if version != VERSION or isinstance(version, bool):
            raise InvalidNetworkError(f"graph format version {str(version)[:20]!r} is not supported (this reader "
                                      f"reads version {VERSION})")
        extra = sorted(set(data) - {"format", "version", "policy", "nodes", "output"})
        if extra:
            raise InvalidNetworkError(f"unknown top-level key(s) {', '.join(map(repr, extra))[:120]} in a graph")
        if "nodes" not in data or "output" not in data:
            raise InvalidNetworkError('a graph needs "nodes" and "output"')
        return cls(data["nodes"], data["output"], policy=data.get("policy", "exact-input"))


def is_graph_json(data: Any) -> bool:
    """Whether parsed JSON claims to be a graph (has ``"format": "canopy-graph"`` or a ``"nodes"`` key).

    Examples
    --------
    >>> is_graph_json({"format": "canopy-graph"}), is_graph_json({"layers": []})
    (True, False)
    """
    return isinstance(data, Mapping) and (data.get("format") == FORMAT or "nodes" in data)


def _rational_sqrt(q: Fraction) -> Fraction | None:
    if q < 0:
        return None
    a, b = math.isqrt(q.numerator), math.isqrt(q.denominator)
    return Fraction(a, b) if a * a == q.numerator and b * b == q.denominator else None


def count_graph_regions(graph: GraphNetwork, domain: Any = None, *, max_neurons: int = 20_000,
                        **count_kw: Any) -> Any:
    """Exact linear regions of a graph network (lowered by :meth:`GraphNetwork.to_relu_network`).

    Parameters
    ----------
    graph : GraphNetwork
    domain : None, tropical.regions.Box or Polytope
        Over the flattened input; ``None`` is all of ``Q^n``. For a ``Box`` the graph is lowered with
        ``input_lower`` at its lower corner (no spurious hyperplanes ``x_j = 0``).
    max_neurons : int, default 20_000
    **count_kw
        Passed to :func:`tropical.regions.count_regions`.

    Returns
    -------
    tuple of (tropical.regions.RegionCounts, tropical.network.ReLUNetwork)
        The counts of the lowered network (its ``linear_regions`` and ``distinct_affine_maps`` are the
        graph's; its ``activation_regions`` are the lowered network's, *not* the graph's) and that network.

    Examples
    --------
    >>> from tropical.regions import Box
    >>> g = GraphNetwork([{"id": "x", "op": "input", "shape": [1, 1, 3]},
    ...                   {"id": "m", "op": "maxpool2d", "input": "x", "kernel_size": [1, 3]}], output="m")
    >>> counts, net = count_graph_regions(g, Box(-1, 1))
    >>> counts.linear_regions
    3
    """
    from tropical.regions import Box, count_regions

    if not isinstance(graph, GraphNetwork):
        raise InvalidNetworkError(f"expected a GraphNetwork, got {type(graph).__name__}")
    lo = domain.lo if isinstance(domain, Box) else None
    net = graph.to_relu_network(input_lower=lo, max_neurons=max_neurons)
    return count_regions(net, domain, **count_kw), net

