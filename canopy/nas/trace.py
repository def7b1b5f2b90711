"""Score any ``torch.nn.Module``: trace it with :mod:`torch.fx` into the calculus DAG and walk it.

Supported operations (everything else raises :class:`canopy.errors.UnsupportedOperationError` naming the
operation and its node / module path):

* ``Conv1d/2d/3d`` (grouped, depthwise, dilated, strided, zero padding), ``Linear`` (on flat inputs);
* ``BatchNorm1d/2d/3d`` as the affine map it is at evaluation / initialisation;
* ``ReLU`` / ``F.relu`` / ``.relu()`` and ``LeakyReLU`` (same breakpoints) -- cut nodes;
* ``MaxPool1d/2d/3d`` and ``AdaptiveMaxPool`` (cut nodes), ``AvgPool`` / ``AdaptiveAvgPool`` / ``mean``
  (linear);
* ``Identity``, ``Dropout`` (evaluation), ``Flatten``, ``view``/``reshape``/``flatten``/``contiguous``,
  slicing (a linear selection), zero padding;
* ``+``/``-`` of tensors (branch sums), ``torch.cat``, multiplication / division by a Python number
  (``x.mul(0.)`` is the zero map), ``+`` of a number (affine).

Shapes come from one evaluation-mode forward pass on a zero input (:class:`torch.fx.passes.shape_prop.ShapeProp`)
under ``torch.no_grad()``; the model's ``training`` flags are restored in ``finally`` and no parameter or buffer
is changed.  The score is the same calculus as :func:`canopy.nas.cells.nb201_cell_score` and
:func:`canopy.nas.cells.darts_cell_score` (tested equal on the networks of :mod:`canopy.spaces`).
"""

from __future__ import annotations

import operator

from canopy.errors import InvalidArchitectureError, UnsupportedOperationError
from canopy.nas._calculus import CalculusResult, GraphBuilder, check_mode, score_graph

__all__ = ["trace_module", "module_result", "score_module"]


def _is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _shape_of(node):
    meta = node.meta.get("tensor_meta")
    if meta is None or not hasattr(meta, "shape"):
        return None
    return tuple(int(s) for s in meta.shape)


def trace_module(model, input_shape):
    """Trace ``model`` into the calculus DAG (:class:`networkx.DiGraph` built by ``GraphBuilder``).

    Parameters
    ----------
    model : torch.nn.Module
    input_shape : sequence of int
        Shape of one sample, without the batch dimension (e.g. ``(3, 32, 32)``).

    Returns
    -------
    networkx.DiGraph

    Raises
    ------
    canopy.errors.UnsupportedOperationError
        For an operation outside the supported set, naming it and where it sits in the graph.

    Examples
    --------
    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    >>> g = trace_module(net, (2,))
    >>> sorted({a["op"] for _, a in g.nodes(data=True)})
    ['input', 'linear', 'output', 'relu']
    """
    import torch
    from torch import fx, nn
    from torch.fx.passes.shape_prop import ShapeProp

    if not isinstance(model, nn.Module):
        raise InvalidArchitectureError(f"score_module needs a torch.nn.Module, got {type(model).__name__}")
    try:
        shape = tuple(int(s) for s in input_shape)
    except (TypeError, ValueError):
        raise InvalidArchitectureError(f"input_shape must be a tuple of positive ints, got {input_shape!r}") from None
    if not shape or min(shape) < 1:
        raise InvalidArchitectureError(f"input_shape must be positive, got {input_shape!r}")
    try:
        gm = fx.symbolic_trace(model)
    except Exception as exc:  # torch raises many kinds here (TraceError, TypeError, ...)
        raise UnsupportedOperationError(
            f"torch.fx could not trace {type(model).__name__}: {type(exc).__name__}: {exc}") from None
    modes = {m: m.training for m in model.modules()}
    try:
        model.eval()
        placeholders = [n for n in gm.graph.nodes if n.op == "placeholder"]
        if len(placeholders) != 1:
            raise UnsupportedOperationError(f"the model takes {len(placeholders)} inputs; exactly 1 is supported")
        # the probe input takes the dtype of the model's floating-point parameters (a float64 model works too)
        dtype = next((t.dtype for t in model.state_dict().values() if t.is_floating_point()), torch.float32)
        with torch.no_grad():
            ShapeProp(gm).propagate(torch.zeros((1, *shape), dtype=dtype))
    except UnsupportedOperationError:
        raise
    except Exception as exc:
        raise InvalidArchitectureError(f"forward pass on input shape {shape} failed: {exc}") from None
    finally:
        for m, flag in modes.items():
            m.train(flag)
    return _to_graph(gm, shape)


def _to_graph(gm, shape):
    import torch
    import torch.nn.functional as F
    from torch import nn

    b = GraphBuilder()
    env: dict = {}
    modules = dict(gm.named_modules())

    def where(node) -> str:
        path = f" (module '{node.target}')" if node.op == "call_module" else ""
        return f"node '{node.name}'{path}"

    def unsupported(node, what):
        raise UnsupportedOperationError(f"unsupported operation {what} at {where(node)}")

    def t(node, arg):
        if isinstance(arg, torch.fx.Node):
            if arg not in env:
                unsupported(node, f"{arg.name!r} used as a tensor")
            return env[arg]
        return None

    def sample_shape(node):
        s = _shape_of(node)
        return None if s is None else s[1:]

    def pool_args(mod_or_kwargs, node):
        return mod_or_kwargs

    for node in gm.graph.nodes:
        op = node.op
        out_shape = sample_shape(node)
        if op == "placeholder":
            env[node] = b.input(shape, name=node.name)
            continue
        if op == "get_attr":
            unsupported(node, f"parameter/buffer access '{node.target}' used in forward")
        if op == "output":
            outs = node.args[0]
            outs = outs if isinstance(outs, (tuple, list)) else (outs,)
            for o in outs:
                if isinstance(o, torch.fx.Node) and o in env:
                    b.output(env[o], name=f"output:{o.name}")
            continue
        if out_shape is None:  # sizes, shapes, python values: not tensors
            continue
        args = node.args
        if op == "call_module":
            m = modules[node.target]
            x = t(node, args[0])
            name = node.target
            if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
                if m.padding_mode != "zeros":
                    unsupported(node, f"{type(m).__name__}(padding_mode={m.padding_mode!r})")
                pad = m.padding
                if isinstance(pad, str):
                    if pad == "valid":
                        pad = 0
                    elif all(s == 1 for s in m.stride) and all(k % 2 for k in m.kernel_size):
                        pad = tuple(d * (k - 1) // 2 for d, k in zip(m.dilation, m.kernel_size))
                    else:
                        unsupported(node, f"{type(m).__name__}(padding='same') with even kernel or stride")
                v = b.conv(x, m.out_channels, m.kernel_size, m.stride, pad, m.dilation, m.groups,
                           m.bias is not None, name=name)
            elif isinstance(m, nn.Linear):
                if len(b.shape(x)) != 1:
                    unsupported(node, f"Linear on a non-flat input of shape {b.shape(x)}")
                v = b.linear(x, m.out_features, m.bias is not None, name=name)
            elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)):
                zp = True
                if m.running_mean is not None and bool(torch.any(m.running_mean != 0)):
                    zp = False
                if m.bias is not None and bool(torch.any(m.bias != 0)):
                    zp = False
                v = b.affine(x, name=name, zero_preserving=zp)
            elif isinstance(m, (nn.ReLU, nn.LeakyReLU)):
                v = b.relu(x, name=name)
            elif isinstance(m, (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d, nn.AvgPool1d, nn.AvgPool2d,
                                nn.AvgPool3d)):
                if m.ceil_mode:
                    unsupported(node, f"{type(m).__name__}(ceil_mode=True)")
                kind = "max" if "Max" in type(m).__name__ else "avg"
                v = b.pool(x, kind, m.kernel_size, m.stride, m.padding, getattr(m, "dilation", 1), name=name)
            elif isinstance(m, (nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d,
                                nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d, nn.AdaptiveMaxPool3d)):
                kind = "max" if "Max" in type(m).__name__ else "avg"
                v = b.adaptive_pool(x, kind, m.output_size, name=name)
            elif isinstance(m, (nn.Identity, nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.Flatten)):
                v = b.identity(x, out_shape, name=name)
            else:
                unsupported(node, f"module {type(m).__name__}")
        elif op in ("call_function", "call_method"):
            target = node.target
            fname = target if isinstance(target, str) else getattr(target, "__name__", repr(target))
            name = node.name
            tensors = [a for a in args if isinstance(a, torch.fx.Node) and a in env]
            if fname in ("relu", "relu_", "leaky_relu"):
                v = b.relu(t(node, args[0]), name=name)
            elif fname in ("add", "iadd", "sub", "isub", "__add__", "__sub__", "__radd__") or target in (
                    operator.add, operator.sub, operator.iadd, operator.isub, torch.add, torch.sub):
                nums = [a for a in args[:2] if _is_number(a)]
                if len(tensors) == 2 and not nums:
                    v = b.add([env[a] for a in tensors], name=name)
                elif len(tensors) == 1 and len(nums) == 1:
                    v = b.affine(env[tensors[0]], name=name, zero_preserving=nums[0] == 0)
                else:
                    unsupported(node, f"{fname} of {args!r}")
            elif fname in ("mul", "mul_", "truediv", "div", "__mul__", "__rmul__", "__truediv__") or target in (
                    operator.mul, operator.truediv, torch.mul, torch.div):
                nums = [a for a in args[:2] if _is_number(a)]
                if len(tensors) == 1 and len(nums) == 1:
                    x = env[tensors[0]]
                    if nums[0] == 0 and fname not in ("truediv", "div", "__truediv__"):
                        v = b.zero(x, out_shape, name=name)
                    else:
                        v = b.affine(x, name=name)
                else:
                    unsupported(node, f"{fname} of two tensors (not piecewise linear)")
            elif fname in ("neg", "__neg__"):
                v = b.affine(t(node, args[0]), name=name)
            elif fname == "cat" or target is torch.cat:
                seq = args[0]
                dim = args[1] if len(args) > 1 else node.kwargs.get("dim", 0)
                full = len(out_shape) + 1
                dim = dim + full if dim < 0 else dim
                if dim == 0:
                    unsupported(node, "cat along the batch dimension")
                v = b.cat([t(node, a) for a in seq], dim - 1, name=name)
            elif fname in ("view", "reshape", "flatten", "contiguous", "clone", "detach", "float", "squeeze",
                           "unsqueeze", "dropout") or target in (torch.flatten, torch.reshape, F.dropout):
                v = b.identity(t(node, args[0]), out_shape, name=name)
            elif fname == "getitem" and tensors:
                v = b.linear_map(env[tensors[0]], out_shape, name=name)
            elif fname in ("mean", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "avg_pool1d", "avg_pool2d",
                           "pad", "sum"):
                if fname == "pad" and node.kwargs.get("mode", "constant") != "constant":
                    unsupported(node, "non-constant padding")
                v = b.linear_map(t(node, args[0]), out_shape, name=name)
            elif fname in ("max_pool1d", "max_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d"):
                unsupported(node, f"functional {fname} (use the nn.MaxPool module)")
            else:
                unsupported(node, f"{op} {fname}")
        else:  # pragma: no cover
            unsupported(node, op)
        if b.shape(v) != out_shape:
            raise UnsupportedOperationError(
                f"shape mismatch at {where(node)}: the calculus computed {b.shape(v)}, torch gives {out_shape}")
        env[node] = v
    return b.graph


def module_result(model, input_shape, mode: str = "generic") -> CalculusResult:
    """:class:`~canopy.nas._calculus.CalculusResult` of a traced module (exact bound and per-level detail).

    Examples
    --------
    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    >>> module_result(net, (2,)).value()
    11
    """
    mode = check_mode(mode)
    return score_graph(trace_module(model, input_shape), mode)


def score_module(model, input_shape, mode: str = "generic") -> float:
    """``log10`` of the calculus' upper bound on the linear regions of ``model``'s function.

    Parameters
    ----------
    model : torch.nn.Module
        Any module built from the supported operations (see the module docstring); it is not modified.
    input_shape : sequence of int
        One sample's shape, without the batch dimension.
    mode : {"generic", "serra", "zhang"}

    Returns
    -------
    float

    Raises
    ------
    canopy.errors.UnsupportedOperationError
        Naming the first unsupported operation and its node / module path.

    Examples
    --------
    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 2), torch.nn.ReLU(), torch.nn.Flatten(),
    ...                           torch.nn.Linear(8, 1))
    >>> round(score_module(net, (1, 3, 3)), 4)      # 8 ReLUs on R^9: 2**8 regions at most
    2.4082
    """
    return module_result(model, input_shape, mode).log10
