"""Lower a small traced torch model (conv / pool / skip / concat) to an exact dense :class:`ReLUNetwork`.

:func:`lower_module` traces a model with :mod:`torch.fx` and builds a fully connected
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
  ``AdaptiveAvgPool2d``, ``BatchNorm2d`` in evaluation mode, ``+`` / ``-`` of tensors, ``+ - * /`` by a
  Python number, ``torch.cat``, ``flatten`` / ``view`` / ``reshape``, ``Identity``, ``Dropout`` (evaluation
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
non-zero padding modes, ``return_indices``, and data-dependent control flow (untraceable).

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

import math
import operator
import time
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from canopy.errors import InvalidArgumentError, UnsupportedOperationError
from canopy.nas._lower_builder import _Builder, _combine, _Value

__all__ = ["lower_module", "count_linear_regions"]


def _numel(shape: Sequence[int]) -> int:
    return math.prod(shape)


def _pair(x: Any) -> tuple[int, int]:
    return (int(x[0]), int(x[1])) if isinstance(x, (tuple, list)) else (int(x), int(x))


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
        Refuse (before building the network) if the hidden layers hold more neurons than this in all.
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
        An operation that cannot be lowered, or an untraceable model; the message names the node.
    InvalidArgumentError
        A bad ``input_shape``, ``max_neurons`` or a model that is not a ``torch.nn.Module``.
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
    import torch

    from tropical.convert import check_policy, to_rational
    from tropical.network import ReLUNetwork

    if not isinstance(model, torch.nn.Module):
        raise InvalidArgumentError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if (isinstance(input_shape, (str, bytes)) or not isinstance(input_shape, Sequence) or not input_shape
            or not all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in input_shape)):
        raise InvalidArgumentError(f"input_shape must be a non-empty sequence of positive ints, got {input_shape!r}")
    if input_shape[0] != 1:
        raise InvalidArgumentError(f"input_shape must have batch size 1, got {tuple(input_shape)}")
    if not isinstance(max_neurons, int) or isinstance(max_neurons, bool) or max_neurons < 1:
        raise InvalidArgumentError(f"max_neurons must be a positive int, got {max_neurons!r}")
    check_policy(policy, max_denominator)
    n_in = _numel(input_shape)
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

    def rat(x: float, what: str) -> Fraction:
        from tropical.errors import ConversionError

        try:
            return to_rational(float(x), policy, max_denominator=max_denominator)
        except ConversionError as exc:
            raise ConversionError(f"{what}: {exc}") from None

    def tensor_values(t: Any) -> list[float]:
        return t.detach().to(torch.float64).cpu().reshape(-1).tolist()

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
    b = _Builder(n_in, lower)
    env: dict[str, _Value] = {}
    one = Fraction(1)

    def shape_of(node: Any) -> tuple[int, ...]:
        meta = node.meta.get("tensor_meta")
        if meta is None or not hasattr(meta, "shape"):
            raise UnsupportedOperationError(f"node {node.name} ({node.target}): its result is not one tensor")
        return tuple(int(s) for s in meta.shape)

    def arg(node: Any, a: Any) -> _Value:
        if isinstance(a, torch.fx.Node) and a.name in env:
            return env[a.name]
        raise UnsupportedOperationError(f"node {node.name} ({node.target}): argument {a!r} is not a tensor")

    def number(node: Any, a: Any) -> Fraction | None:
        if isinstance(a, (int, float)) and not isinstance(a, bool):
            return rat(a, f"node {node.name}")
        return None

    def affine(v: _Value, shape: tuple[int, ...], spec: list[tuple[list[tuple[Fraction, int]], Fraction]]) -> _Value:
        rows, bias = [], []
        for terms, c in spec:
            rows.append(_combine([(w, v.rows[i]) for w, i in terms]))
            bias.append(c + sum((w * v.bias[i] for w, i in terms), Fraction(0)))
        return _Value(v.level, shape, rows, bias)

    def unify(vals: list[_Value]) -> list[_Value]:
        top = max(v.level for v in vals)
        return [b.lift(v, top) for v in vals]

    def conv2d(node: Any, m: Any, v: _Value, out: tuple[int, ...]) -> _Value:
        if m.padding_mode != "zeros" or isinstance(m.padding, str) and m.padding not in ("valid", "same"):
            raise UnsupportedOperationError(f"node {node.name}: Conv2d padding_mode {m.padding_mode!r}")
        if len(v.shape) != 4:
            raise UnsupportedOperationError(f"node {node.name}: Conv2d on a tensor of shape {v.shape}")
        _, cin, h, w = v.shape
        _, cout, oh, ow = out
        kh, kw = m.kernel_size
        sh, sw = m.stride
        dh, dw = m.dilation
        if isinstance(m.padding, str):  # "valid" or "same" (torch pads "same" with the extra on the right)
            ph = pw = 0
            if m.padding == "same":
                ph, pw = (dh * (kh - 1)) // 2, (dw * (kw - 1)) // 2
        else:
            ph, pw = m.padding
        g = m.groups
        cin_g, cout_g = cin // g, cout // g
        wv = tensor_values(m.weight)
        wr = [rat(x, f"node {node.name} weight") for x in wv]
        br = [rat(x, f"node {node.name} bias") for x in tensor_values(m.bias)] if m.bias is not None else None
        spec = []
        for co in range(cout):
            grp = co // cout_g
            for i in range(oh):
                for j in range(ow):
                    terms = []
                    for cl in range(cin_g):
                        ci = grp * cin_g + cl
                        for a in range(kh):
                            y = i * sh - ph + a * dh
                            if not 0 <= y < h:
                                continue
                            for c in range(kw):
                                x = j * sw - pw + c * dw
                                if 0 <= x < w:
                                    wt = wr[((co * cin_g + cl) * kh + a) * kw + c]
                                    if wt:
                                        terms.append((wt, (ci * h + y) * w + x))
                    spec.append((terms, br[co] if br else Fraction(0)))
        return affine(v, out, spec)

    def pool_windows(node: Any, m: Any, v: _Value, out: tuple[int, ...], kind: str) -> Any:
        if len(v.shape) != 4:
            raise UnsupportedOperationError(f"node {node.name}: {type(m).__name__} on a tensor of shape {v.shape}")
        _, ch, h, w = v.shape
        _, _, oh, ow = out
        windows, divisors = [], []
        if kind == "adaptive":
            for c in range(ch):
                for i in range(oh):
                    for j in range(ow):
                        ys = list(range((i * h) // oh, -(-((i + 1) * h) // oh)))
                        xs = list(range((j * w) // ow, -(-((j + 1) * w) // ow)))
                        windows.append([(c * h + y) * w + x for y in ys for x in xs])
                        divisors.append(len(ys) * len(xs))
            return windows, divisors
        kh, kw = _pair(m.kernel_size)
        sh, sw = _pair(m.stride if m.stride is not None else m.kernel_size)
        ph, pw = _pair(m.padding)
        dh, dw = _pair(getattr(m, "dilation", 1))
        for c in range(ch):
            for i in range(oh):
                for j in range(ow):
                    y0, x0 = i * sh - ph, j * sw - pw
                    ys = [y0 + a * dh for a in range(kh) if 0 <= y0 + a * dh < h]
                    xs = [x0 + a * dw for a in range(kw) if 0 <= x0 + a * dw < w]
                    windows.append([(c * h + y) * w + x for y in ys for x in xs])
                    if kind == "avg":
                        if m.divisor_override:
                            divisors.append(int(m.divisor_override))
                        elif m.count_include_pad:
                            divisors.append((min(y0 + kh, h + ph) - y0) * (min(x0 + kw, w + pw) - x0))
                        else:
                            divisors.append(len(ys) * len(xs))
        if any(not wd for wd in windows):
            raise UnsupportedOperationError(f"node {node.name}: a pooling window lies entirely in the padding")
        return windows, divisors

    def do_module(node: Any, m: Any, out: tuple[int, ...]) -> _Value:
        name = f"module {node.target} ({type(m).__name__})"
        if isinstance(m, (torch.nn.Identity, torch.nn.Dropout, torch.nn.Flatten)):
            return _reshape(arg(node, node.args[0]), out)
        v = arg(node, node.args[0])
        if isinstance(m, torch.nn.ReLU):
            return b.relu(v)
        if isinstance(m, torch.nn.Conv2d):
            return conv2d(node, m, v, out)
        if isinstance(m, torch.nn.Linear):
            wr = [rat(x, f"{name} weight") for x in tensor_values(m.weight)]
            br = [rat(x, f"{name} bias") for x in tensor_values(m.bias)] if m.bias is not None else None
            fin, fout = m.in_features, m.out_features
            spec = []
            for o in range(_numel(v.shape) // fin):
                for r in range(fout):
                    terms = [(wr[r * fin + k], o * fin + k) for k in range(fin) if wr[r * fin + k]]
                    spec.append((terms, br[r] if br else Fraction(0)))
            return affine(v, out, spec)
        if isinstance(m, torch.nn.BatchNorm2d):
            if not m.track_running_stats or m.running_mean is None:
                raise UnsupportedOperationError(f"{name}: batch statistics (track_running_stats=False)")
            mean, var = tensor_values(m.running_mean), tensor_values(m.running_var)
            gam = tensor_values(m.weight) if m.affine else [1.0] * len(mean)
            bet = tensor_values(m.bias) if m.affine else [0.0] * len(mean)
            scale = [g / math.sqrt(s + m.eps) for g, s in zip(gam, var)]
            shift = [be - mu * sc for be, mu, sc in zip(bet, mean, scale)]
            sr = [rat(x, f"{name} scale") for x in scale]
            tr = [rat(x, f"{name} shift") for x in shift]
            per = _numel(v.shape[2:])
            spec = [([(sr[i // per], i)], tr[i // per]) for i in range(_numel(v.shape))]
            return affine(v, out, spec)
        if isinstance(m, (torch.nn.AvgPool2d, torch.nn.AdaptiveAvgPool2d)):
            windows, divs = pool_windows(node, m, v, out, "avg" if isinstance(m, torch.nn.AvgPool2d) else "adaptive")
            spec = [([(Fraction(1, d), i) for i in wd], Fraction(0)) for wd, d in zip(windows, divs)]
            return affine(v, out, spec)
        if isinstance(m, torch.nn.MaxPool2d):
            if m.return_indices:
                raise UnsupportedOperationError(f"{name}: return_indices=True")
            windows, _ = pool_windows(node, m, v, out, "max")
            return b.max_over(v, out, windows)
        raise UnsupportedOperationError(f"{name} at node {node.name} cannot be lowered (see canopy.nas.lower)")

    relus = {torch.relu, torch.nn.functional.relu}
    adds = {operator.add, torch.add, operator.iadd}
    for node in gm.graph.nodes:
        op = node.op
        if op == "placeholder":
            if env:
                raise UnsupportedOperationError(f"node {node.name}: only models with one tensor input are supported")
            env[node.name] = _Value(0, tuple(input_shape), [{i: one} for i in range(n_in)], [Fraction(0)] * n_in)
            continue
        if op == "output":
            res = node.args[0]
            if not isinstance(res, torch.fx.Node) or res.name not in env:
                raise UnsupportedOperationError("the model's output must be a single tensor")
            final = env[res.name]
            break
        out = shape_of(node)
        tgt = node.target
        if op == "call_module":
            env[node.name] = do_module(node, modules[tgt], out)
        elif op == "call_function" and tgt in relus or op == "call_method" and tgt in ("relu", "relu_"):
            env[node.name] = b.relu(arg(node, node.args[0]))
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
                v = arg(node, x)
                c = cy if name == "mul" else 1 / cy
                env[node.name] = _Value(v.level, out, [_combine([(c, r)]) for r in v.rows], [c * t for t in v.bias])
                continue
            sign = Fraction(-1) if name in ("sub", "isub") else one
            if cx is not None or cy is not None:
                if cx is not None and cy is not None:
                    raise UnsupportedOperationError(f"node {node.name}: arithmetic on two numbers")
                v = arg(node, y if cx is not None else x)
                if cx is not None:  # number +- tensor
                    env[node.name] = _Value(v.level, out, [_combine([(sign, r)]) for r in v.rows],
                                            [cx + sign * t for t in v.bias])
                else:
                    assert cy is not None
                    env[node.name] = _Value(v.level, out, list(v.rows), [t + sign * cy for t in v.bias])
                continue
            vx, vy = unify([arg(node, x), arg(node, y)])
            if vx.shape != vy.shape:
                raise UnsupportedOperationError(
                    f"node {node.name} ({name}): shapes {vx.shape} and {vy.shape} differ (no broadcasting)")
            env[node.name] = _Value(vx.level, out, [_combine([(one, r), (sign, s)]) for r, s in zip(vx.rows, vy.rows)],
                                    [p + sign * q for p, q in zip(vx.bias, vy.bias)])
        elif op == "call_function" and tgt is torch.cat:
            tensors = node.args[0]
            dim = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim", 0)
            vals = unify([arg(node, t) for t in tensors])
            dim = dim % len(out)
            rows, bias = [], []
            outer = _numel(out[:dim])
            for o in range(outer):
                for v in vals:
                    blk = _numel(v.shape[dim:])
                    rows += v.rows[o * blk:(o + 1) * blk]
                    bias += v.bias[o * blk:(o + 1) * blk]
            env[node.name] = _Value(vals[0].level, out, rows, bias)
        elif (op == "call_function" and tgt in (torch.flatten, torch.reshape)
              or op == "call_method" and tgt in ("flatten", "view", "reshape", "contiguous")):
            env[node.name] = _reshape(arg(node, node.args[0]), out)
        else:
            what = tgt if isinstance(tgt, str) else getattr(tgt, "__name__", repr(tgt))
            raise UnsupportedOperationError(f"node {node.name}: {op} {what} cannot be lowered (see canopy.nas.lower)")
    total = sum(len(layer) for layer in b.layers)
    if total > max_neurons:
        raise UnsupportedOperationError(
            f"the lowered network needs {total} hidden neurons (> max_neurons={max_neurons})")
    final = b.lift(final, len(b.layers))  # every lowered value must read the last hidden layer
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
    return ReLUNetwork(weights, biases, policy=policy)


def _reshape(v: _Value, shape: tuple[int, ...]) -> _Value:
    return _Value(v.level, shape, v.rows, v.bias)


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
