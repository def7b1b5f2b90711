"""Export a traced torch model (conv / pool / skip / concat) to an exact graph; lower it to a :class:`ReLUNetwork`.

:func:`export_graph` traces a model with :mod:`torch.fx` into an exact :class:`tropical.graph.GraphNetwork`
(written as JSON by :func:`write_graph_json`, read back without torch); :func:`lower_module` lowers that graph
(:meth:`tropical.graph.GraphNetwork.to_relu_network`) to a fully connected
:class:`tropical.network.ReLUNetwork` that computes *the same function* of the flattened input, with every
weight converted by :func:`tropical.convert.to_rational` under a named policy (``"exact"`` by default: the
exact binary value of each float). The exact region machinery of :mod:`tropical.regions` then applies
(:func:`count_linear_regions`).

How each operation is lowered
-----------------------------
Every tensor of the graph is held as an exact affine map ``A z_k + b`` of the output ``z_k`` of hidden
layer ``k`` (``z_0`` is the flattened input), ``A`` stored row by row as sparse ``{index: Fraction}``.

* ``Conv2d`` (any stride / zero padding / dilation / groups, bias), ``Linear`` (over the last axis),
  ``AvgPool2d`` (padding, ``ceil_mode``, ``count_include_pad``, ``divisor_override`` as torch defines them),
  ``AdaptiveAvgPool2d``, ``BatchNorm2d`` in evaluation mode, ``+`` / ``-`` of tensors, unary ``-``,
  ``+ - * /`` by a Python number, shape queries (``x.size(0)`` for a ``view``), ``torch.cat``, ``flatten`` / ``view`` / ``reshape``, ``Identity``, ``Dropout`` (evaluation
  mode): compose exactly into the current affine map (no new layer).
* ``ReLU`` (module, ``F.relu``, ``torch.relu``, ``.relu()``): its input rows become the neurons of the next
  hidden layer.
* ``MaxPool2d`` (padding, dilation, ``ceil_mode``): a tree of pairwise maxima, one hidden layer per round,
  ``max(a, b) = a + relu(b - a)``.
* Values needed after a hidden layer that they do not pass through (skip branches, the ``a`` of a max) are
  *carried* through it coordinate by coordinate: ``x_j = relu(x_j) - relu(-x_j)`` for an input coordinate
  (two neurons), ``z_j = relu(z_j)`` (one neuron) for a coordinate of a hidden layer's output, which is
  ``>= 0``. Equal neurons of a layer are shared, so one carry adds at most the width of the layer.

BatchNorm's scale ``gamma / sqrt(var + eps)`` and shift are computed in float64 (one correctly rounded
square root) and then converted by the policy: exact for the model that uses those float64 numbers.

Linear regions, not activation regions
--------------------------------------
The lowered network computes the same function, so its ``linear_regions`` and ``distinct_affine_maps``
(:data:`tropical.regions.DEFINITIONS`: both depend on the function only) are those of the torch model. Its
``activation_regions`` are *not* meaningful for the model: carrying an input coordinate adds the
hyperplane ``x_j = 0`` and the max tree adds hyperplanes ``a = b`` that need not be breakpoints of the
function, so ``activation_regions >= linear_regions`` with a gap that depends on the lowering.

Not supported (refused with one :class:`canopy.errors.UnsupportedOperationError` line naming the node):
any other module or function (``Sigmoid``, ``LeakyReLU``, functional pooling, ...), models in training
mode that contain ``BatchNorm`` or ``Dropout``, constant tensors (``get_attr``), broadcasting adds,
non-zero padding modes, ``padding="same"`` with an even kernel span (asymmetric padding), reshapes that move
the batch axis, ``return_indices``, and data-dependent control flow (untraceable).

Examples
--------
>>> import torch
>>> model = torch.nn.Sequential(torch.nn.Conv2d(1, 1, 2), torch.nn.ReLU(), torch.nn.Flatten(),
...                             torch.nn.Linear(4, 1))
>>> net = lower_module(model.double(), (1, 1, 3, 3))
>>> net.layer_sizes
(9, 4, 1)
"""

from __future__ import annotations

import json
import math
import operator
import os
import time
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from canopy.errors import InvalidArgumentError, UnsupportedOperationError

__all__ = ["export_graph", "write_graph_json", "lower_module", "count_linear_regions"]


def _pair(x: Any) -> list[int]:
    return [int(x[0]), int(x[1])] if isinstance(x, (tuple, list)) else [int(x), int(x)]


def _nest(flat: list[Fraction], shape: Sequence[int]) -> Any:
    if len(shape) == 1:
        return flat
    step = len(flat) // shape[0]
    return [_nest(flat[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]


def _check_shape(input_shape: Any) -> tuple[int, ...]:
    if (isinstance(input_shape, (str, bytes)) or not isinstance(input_shape, Sequence) or not input_shape
            or not all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in input_shape)):
        raise InvalidArgumentError(f"input_shape must be a non-empty sequence of positive ints, got {input_shape!r}")
    if input_shape[0] != 1:
        raise InvalidArgumentError(f"input_shape must have batch size 1, got {tuple(input_shape)}")
    if len(input_shape) < 2:
        raise InvalidArgumentError(f"input_shape needs a batch axis and at least one more, got {tuple(input_shape)}")
    return tuple(input_shape)


def export_graph(
    model: Any,
    input_shape: Sequence[int],
    *,
    policy: str = "exact",
    max_denominator: int | None = None,
) -> Any:
    """Trace a conv / pool / skip model with ``torch.fx`` into an exact :class:`tropical.graph.GraphNetwork`.

    Every float weight is converted by :func:`tropical.convert.to_rational` under ``policy`` (BatchNorm is
    folded to a per-channel ``scale`` and ``shift`` first, in float64). The graph is the model's function
    exactly (for ``policy="exact"``: the function of the model with those float64 numbers); write it with
    :func:`write_graph_json` and read it back with :meth:`tropical.graph.GraphNetwork.from_json`, which needs
    no torch.

    Parameters
    ----------
    model : torch.nn.Module
        Traceable by :func:`torch.fx.symbolic_trace`, made of the operations listed in the module docstring;
        in evaluation mode if it contains ``BatchNorm`` / ``Dropout``. It is not changed.
    input_shape : sequence of int
        The input shape with batch size 1, e.g. ``(1, 1, 3, 3)``; the graph's shapes leave the batch axis out.
    policy : {"exact", "limit_denominator"}
    max_denominator : int, optional
        For ``policy="limit_denominator"``.

    Returns
    -------
    tropical.graph.GraphNetwork

    Raises
    ------
    UnsupportedOperationError
        An operation that cannot be exported, or an untraceable model; the message names the node.
    InvalidArgumentError
        A bad ``input_shape`` or a model that is not a ``torch.nn.Module``.
    tropical.errors.ConversionError
        NaN / infinite weights or a bad policy.

    Examples
    --------
    >>> import torch
    >>> model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 2), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    ...                             torch.nn.Flatten(), torch.nn.Linear(2, 1)).double()
    >>> g = export_graph(model, (1, 1, 3, 3))
    >>> g.ops
    ('input', 'conv2d', 'relu', 'maxpool2d', 'reshape', 'linear')
    >>> x = [Fraction(k, 4) for k in range(9)]
    >>> y = model(torch.tensor([float(v) for v in x], dtype=torch.float64).reshape(1, 1, 3, 3))
    >>> abs(float(g.forward(x)[0]) - y.item()) < 1e-12
    True
    """
    import torch

    from tropical.convert import check_policy, to_rational
    from tropical.errors import InvalidNetworkError
    from tropical.graph import GraphNetwork

    if not isinstance(model, torch.nn.Module):
        raise InvalidArgumentError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    input_shape = _check_shape(input_shape)
    check_policy(policy, max_denominator)

    def rat(x: float, what: str) -> Fraction:
        from tropical.errors import ConversionError

        try:
            return to_rational(float(x), policy, max_denominator=max_denominator)
        except ConversionError as exc:
            raise ConversionError(f"{what}: {exc}") from None

    def rats(t: Any, what: str) -> list[Fraction]:
        return [rat(x, what) for x in t.detach().to(torch.float64).cpu().reshape(-1).tolist()]

    for name, m in model.named_modules():
        if m.training and isinstance(m, (torch.nn.modules.batchnorm._BatchNorm, torch.nn.Dropout)):
            raise UnsupportedOperationError(
                f"module {name or type(m).__name__} ({type(m).__name__}) is in training mode; call model.eval()")
    try:
        gm = torch.fx.symbolic_trace(model)
    except Exception as exc:  # noqa: BLE001 - any tracing failure becomes one clear line
        raise UnsupportedOperationError(
            f"cannot trace the model with torch.fx ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}); "
            "data-dependent control flow is not supported") from None
    from torch.fx.passes.shape_prop import ShapeProp

    params = list(model.parameters())
    dtype = params[0].dtype if params else torch.float64
    try:
        with torch.no_grad():
            ShapeProp(gm).propagate(torch.zeros(tuple(input_shape), dtype=dtype))
    except Exception as exc:  # noqa: BLE001
        raise UnsupportedOperationError(
            f"the model does not run on an input of shape {tuple(input_shape)} "
            f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})") from None

    modules = dict(gm.named_modules())
    nodes: list[dict[str, Any]] = []
    alias: dict[str, str] = {}  # fx node name -> graph node id (Identity / Dropout pass their input on)
    expected: dict[str, tuple[int, ...]] = {}
    one = Fraction(1)

    def shape_of(node: Any) -> tuple[int, ...]:
        meta = node.meta.get("tensor_meta")
        if meta is None or not hasattr(meta, "shape"):
            raise UnsupportedOperationError(f"node {node.name} ({node.target}): its result is not one tensor")
        shape = tuple(int(s) for s in meta.shape)
        if len(shape) < 2 or shape[0] != 1:
            raise UnsupportedOperationError(
                f"node {node.name} ({node.target}): result of shape {shape}; the batch axis must stay first, size 1")
        return shape[1:]

    def ref(node: Any, a: Any) -> str:
        if isinstance(a, torch.fx.Node) and a.name in alias:
            return alias[a.name]
        raise UnsupportedOperationError(f"node {node.name} ({node.target}): argument {a!r} is not a tensor")

    def number(node: Any, a: Any) -> Fraction | None:
        if isinstance(a, (int, float)) and not isinstance(a, bool):
            return rat(a, f"node {node.name}")
        return None

    def emit(node: Any, op: str, out: tuple[int, ...], **fields: Any) -> None:
        nodes.append({"id": node.name, "op": op, **fields})
        alias[node.name] = node.name
        expected[node.name] = out

    def do_module(node: Any, m: Any, out: tuple[int, ...]) -> None:
        name = f"module {node.target} ({type(m).__name__})"
        src = ref(node, node.args[0]) if node.args else None
        if isinstance(m, (torch.nn.Identity, torch.nn.Dropout)):
            alias[node.name] = ref(node, node.args[0])
            return
        if isinstance(m, torch.nn.Flatten):
            emit(node, "reshape", out, input=src, shape=list(out))
        elif isinstance(m, torch.nn.ReLU):
            emit(node, "relu", out, input=src)
        elif isinstance(m, torch.nn.Conv2d):
            if m.padding_mode != "zeros":
                raise UnsupportedOperationError(f"node {node.name}: Conv2d padding_mode {m.padding_mode!r}")
            kh, kw = m.kernel_size
            dh, dw = m.dilation
            if m.padding == "same":
                if dh * (kh - 1) % 2 or dw * (kw - 1) % 2:
                    raise UnsupportedOperationError(
                        f"node {node.name}: Conv2d padding='same' with an even kernel span (asymmetric padding)")
                pad = [dh * (kh - 1) // 2, dw * (kw - 1) // 2]
            else:
                pad = [0, 0] if m.padding == "valid" else _pair(m.padding)
            fields: dict[str, Any] = {"weight": _nest(rats(m.weight, f"{name} weight"), tuple(m.weight.shape))}
            if m.bias is not None:
                fields["bias"] = rats(m.bias, f"{name} bias")
            emit(node, "conv2d", out, input=src, **fields, stride=_pair(m.stride), padding=pad,
                 dilation=_pair(m.dilation), groups=int(m.groups))
        elif isinstance(m, torch.nn.Linear):
            fields = {"weight": _nest(rats(m.weight, f"{name} weight"), tuple(m.weight.shape))}
            if m.bias is not None:
                fields["bias"] = rats(m.bias, f"{name} bias")
            emit(node, "linear", out, input=src, **fields)
        elif isinstance(m, torch.nn.BatchNorm2d):
            if not m.track_running_stats or m.running_mean is None:
                raise UnsupportedOperationError(f"{name}: batch statistics (track_running_stats=False)")

            def vals(t: Any) -> list[float]:
                return t.detach().to(torch.float64).cpu().reshape(-1).tolist()

            mean, var = vals(m.running_mean), vals(m.running_var)
            gam = vals(m.weight) if m.affine else [1.0] * len(mean)
            bet = vals(m.bias) if m.affine else [0.0] * len(mean)
            scale = [g / math.sqrt(s + m.eps) for g, s in zip(gam, var)]
            shift = [be - mu * sc for be, mu, sc in zip(bet, mean, scale)]
            emit(node, "batchnorm2d", out, input=src, scale=[rat(x, f"{name} scale") for x in scale],
                 shift=[rat(x, f"{name} shift") for x in shift])
        elif isinstance(m, torch.nn.AvgPool2d):
            f = {"kernel_size": _pair(m.kernel_size), "stride": _pair(m.stride if m.stride is not None else m.kernel_size),
                 "padding": _pair(m.padding), "ceil_mode": bool(m.ceil_mode),
                 "count_include_pad": bool(m.count_include_pad)}
            if m.divisor_override:
                f["divisor_override"] = int(m.divisor_override)
            emit(node, "avgpool2d", out, input=src, **f)
        elif isinstance(m, torch.nn.AdaptiveAvgPool2d):
            emit(node, "adaptive_avgpool2d", out, input=src, output_size=list(out[1:]))
        elif isinstance(m, torch.nn.MaxPool2d):
            if m.return_indices:
                raise UnsupportedOperationError(f"{name}: return_indices=True")
            emit(node, "maxpool2d", out, input=src, kernel_size=_pair(m.kernel_size),
                 stride=_pair(m.stride if m.stride is not None else m.kernel_size), padding=_pair(m.padding),
                 dilation=_pair(m.dilation), ceil_mode=bool(m.ceil_mode))
        else:
            raise UnsupportedOperationError(f"{name} at node {node.name} cannot be lowered (see canopy.nas.lower)")

    relus = {torch.relu, torch.nn.functional.relu}
    adds = {operator.add, torch.add, operator.iadd}
    output: str | None = None
    for node in gm.graph.nodes:
        op = node.op
        if op == "placeholder":
            if alias:
                raise UnsupportedOperationError(f"node {node.name}: only models with one tensor input are supported")
            emit(node, "input", input_shape[1:], shape=list(input_shape[1:]))
            continue
        if op == "output":
            res = node.args[0]
            if not isinstance(res, torch.fx.Node) or res.name not in alias:
                raise UnsupportedOperationError("the model's output must be a single tensor")
            output = alias[res.name]
            break
        tgt = node.target
        if op == "call_method" and tgt in ("size", "dim") or op == "call_function" and tgt is getattr:
            continue  # shape queries (``x.size(0)`` in a ``view``): the shapes are fixed by the trace, no graph node
        out = shape_of(node)
        if op == "call_module":
            do_module(node, modules[tgt], out)
        elif op == "call_function" and tgt in relus or op == "call_method" and tgt in ("relu", "relu_"):
            emit(node, "relu", out, input=ref(node, node.args[0]))
        elif (op == "call_function" and tgt in adds | {operator.sub, torch.sub, operator.mul, operator.truediv}
              or op == "call_method" and tgt in ("add", "sub", "mul", "div")):
            name = tgt if isinstance(tgt, str) else tgt.__name__
            if node.kwargs or len(node.args) != 2:
                raise UnsupportedOperationError(f"node {node.name} ({name}): unsupported arguments")
            x, y = node.args
            cx, cy = number(node, x), number(node, y)
            if name in ("mul", "truediv", "div"):
                if name == "mul" and cx is not None and cy is None:  # number * tensor
                    x, y, cx, cy = y, x, None, cx
                if cy is None or cx is not None or (name != "mul" and cy == 0):
                    raise UnsupportedOperationError(
                        f"node {node.name} ({name}): only multiplication / division of a tensor by a non-zero number")
                emit(node, "scale", out, input=ref(node, x), factor=cy if name == "mul" else 1 / cy)
                continue
            sign = Fraction(-1) if name in ("sub", "isub") else one
            if cx is not None or cy is not None:
                if cx is not None and cy is not None:
                    raise UnsupportedOperationError(f"node {node.name}: arithmetic on two numbers")
                if cx is not None:  # number +- tensor
                    emit(node, "scale", out, input=ref(node, y), factor=sign, offset=cx)
                else:
                    assert cy is not None
                    emit(node, "scale", out, input=ref(node, x), factor=one, offset=sign * cy)
                continue
            emit(node, "add", out, inputs=[ref(node, x), ref(node, y)], coefficients=[one, sign])
        elif (op == "call_function" and tgt in (operator.neg, torch.neg)
              or op == "call_method" and tgt == "neg"):
            emit(node, "scale", out, input=ref(node, node.args[0]), factor=-one)
        elif op == "call_function" and tgt is torch.cat:
            tensors = node.args[0]
            dim = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim", 0)
            if not isinstance(dim, int) or dim % (len(out) + 1) == 0:
                raise UnsupportedOperationError(f"node {node.name}: cat along the batch axis")
            emit(node, "concat", out, inputs=[ref(node, t) for t in tensors], axis=dim % (len(out) + 1) - 1)
        elif (op == "call_function" and tgt in (torch.flatten, torch.reshape)
              or op == "call_method" and tgt in ("flatten", "view", "reshape", "contiguous")):
            emit(node, "reshape", out, input=ref(node, node.args[0]), shape=list(out))
        else:
            what = tgt if isinstance(tgt, str) else getattr(tgt, "__name__", repr(tgt))
            raise UnsupportedOperationError(f"node {node.name}: {op} {what} cannot be lowered (see canopy.nas.lower)")
    if output is None:
        raise UnsupportedOperationError("the traced model has no output")
    try:
        graph = GraphNetwork(nodes, output, policy=policy)
    except InvalidNetworkError as exc:
        raise UnsupportedOperationError(f"the traced model does not make a valid graph: {exc}") from None
    for nid, shape in expected.items():  # torch and the graph format must agree on every shape
        if graph.shape_of(nid) != shape:
            raise UnsupportedOperationError(
                f"node {nid}: torch computes shape {list(shape)}, the graph format {list(graph.shape_of(nid))}")
    return graph


def write_graph_json(model: Any, input_shape: Sequence[int], path: str | os.PathLike[str], **kw: Any) -> Any:
    """Export ``model`` by :func:`export_graph` and write the graph as JSON to ``path``; return the graph.

    The file is read back, without torch, by :meth:`tropical.graph.GraphNetwork.from_json`, and by
    ``canopy verify --network`` / ``canopy regions --network``.

    Examples
    --------
    >>> import tempfile, torch
    >>> from tropical.graph import GraphNetwork
    >>> model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1))
    >>> with tempfile.TemporaryDirectory() as d:
    ...     g = write_graph_json(model, (1, 2), d + "/g.json")
    ...     GraphNetwork.from_json(d + "/g.json") == g
    True
    """
    graph = export_graph(model, input_shape, **kw)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(graph.to_json(), fh)
        fh.write("\n")
    return graph


def lower_module(
    model: Any,
    input_shape: Sequence[int],
    *,
    policy: str = "exact",
    max_denominator: int | None = None,
    max_neurons: int = 20_000,
    input_lower: Any = None,
) -> Any:
    """Lower a traced conv / pool / skip model to an exact dense ReLU network computing the same function.

    :func:`export_graph` followed by :meth:`tropical.graph.GraphNetwork.to_relu_network`.

    Parameters
    ----------
    model : torch.nn.Module
        Traceable by :func:`torch.fx.symbolic_trace`, made of the operations listed in the module docstring;
        in evaluation mode if it contains ``BatchNorm`` / ``Dropout``. It is not changed.
    input_shape : sequence of int
        The input shape with batch size 1, e.g. ``(1, 1, 3, 3)``. The network's input is the input tensor
        flattened in C order (``x.reshape(-1)``), its output the output tensor flattened likewise.
    policy : {"exact", "limit_denominator"}
        The :func:`tropical.convert.to_rational` policy for every float weight; the network records it.
    max_denominator : int, optional
        For ``policy="limit_denominator"``.
    max_neurons : int, default 20_000
        Refuse if the hidden layers hold more neurons than this in all.
    input_lower : None, exact scalar or sequence of exact scalars, optional
        If given, the network need only equal the model where ``x >= input_lower`` (coordinatewise, on the
        flattened input): input coordinates are then carried by one neuron ``relu(x_j - l_j) + l_j``, whose
        hyperplane is the domain's boundary, instead of ``relu(x_j) - relu(-x_j)``, which would add the
        hyperplane ``x_j = 0`` to every region count (use the lower corner of the counting box).

    Returns
    -------
    tropical.network.ReLUNetwork
        Same function as ``model`` (see the module docstring for what its regions mean).

    Raises
    ------
    UnsupportedOperationError
        An operation that cannot be lowered, an untraceable model, or more than ``max_neurons`` neurons.
    InvalidArgumentError
        A bad ``input_shape``, ``max_neurons``, ``input_lower`` or a model that is not a ``torch.nn.Module``.
    tropical.errors.ConversionError
        NaN / infinite weights or a bad policy.

    Examples
    --------
    >>> import torch
    >>> class Skip(torch.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.conv = torch.nn.Conv2d(1, 1, 3, padding=1, bias=False)
    ...         self.pool = torch.nn.MaxPool2d(2)
    ...     def forward(self, x):
    ...         return self.pool(torch.relu(self.conv(x)) + x)
    >>> model = Skip().double()
    >>> net = lower_module(model, (1, 1, 2, 2))
    >>> x = [Fraction(1, 2), Fraction(-3), Fraction(1), Fraction(2)]
    >>> y = model(torch.tensor([float(v) for v in x], dtype=torch.float64).reshape(1, 1, 2, 2))
    >>> abs(float(net.forward(x)[0]) - y.item()) < 1e-12
    True
    """
    from tropical.errors import InvalidNetworkError

    if not isinstance(max_neurons, int) or isinstance(max_neurons, bool) or max_neurons < 1:
        raise InvalidArgumentError(f"max_neurons must be a positive int, got {max_neurons!r}")
    input_shape = _check_shape(input_shape)
    n_in = math.prod(input_shape)
    lower: list[Fraction] | None = None
    if input_lower is not None:
        from tropical._exact import as_fraction
        from tropical.convert import parse_rational
        from tropical.errors import ConversionError, InexactInputError

        vals = list(input_lower) if isinstance(input_lower, (list, tuple)) else [input_lower] * n_in
        if len(vals) != n_in:
            raise InvalidArgumentError(f"input_lower has {len(vals)} entries but the input has {n_in} coordinates")
        try:
            lower = [parse_rational(v, f"input_lower[{i}]") if isinstance(v, str) else as_fraction(v, f"input_lower[{i}]")
                     for i, v in enumerate(vals)]
        except (InexactInputError, ConversionError, TypeError, ValueError) as exc:
            raise InvalidArgumentError(f"input_lower must hold exact numbers (int / Fraction): {exc}") from None
    graph = export_graph(model, input_shape, policy=policy, max_denominator=max_denominator)
    try:
        return graph.to_relu_network(input_lower=lower, max_neurons=max_neurons)
    except InvalidNetworkError as exc:
        raise UnsupportedOperationError(str(exc)) from None


def count_linear_regions(
    model: Any,
    input_shape: Sequence[int],
    domain: Any = None,
    *,
    policy: str = "exact",
    max_denominator: int | None = None,
    **count_kw: Any,
) -> dict[str, Any]:
    """Exact linear regions of a small conv / pool / skip model (lowered by :func:`lower_module`).

    Parameters
    ----------
    model, input_shape, policy, max_denominator
        As for :func:`lower_module`.
    domain : None, tropical.regions.Box or Polytope
        Over the flattened input; ``None`` is all of ``Q^n``. For a ``Box`` the network is lowered with
        ``input_lower`` at its lower corner (no spurious hyperplanes ``x_j = 0`` from carried inputs).
    **count_kw
        Passed to :func:`tropical.regions.count_regions` (``max_regions``, ``time_budget``, ...).

    Returns
    -------
    dict
        ``linear_regions`` and ``distinct_affine_maps`` (the model's), ``activation_regions_lowered`` (of the
        lowered network, *not* the model's: see the module docstring), ``partial``, ``layer_sizes`` and
        ``cpu_seconds`` (lowering plus counting).

    Examples
    --------
    >>> import torch
    >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
    <torch._C.Generator object at ...>
    >>> model = torch.nn.Sequential(torch.nn.Linear(1, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1))
    >>> count_linear_regions(model, (1, 1))["linear_regions"] <= 3
    True
    """
    from tropical.regions import count_regions

    t0 = time.process_time()
    lo = getattr(domain, "lo", None) if type(domain).__name__ == "Box" else None
    net = lower_module(model, input_shape, policy=policy, max_denominator=max_denominator, input_lower=lo)
    c = count_regions(net, domain, **count_kw)
    return {
        "linear_regions": c.linear_regions,
        "distinct_affine_maps": c.distinct_affine_maps,
        "activation_regions_lowered": c.activation_regions,
        "partial": c.partial,
        "layer_sizes": net.layer_sizes,
        "cpu_seconds": time.process_time() - t0,
    }
