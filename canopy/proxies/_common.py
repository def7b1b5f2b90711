"""Shared helpers of the zero-cost proxies: inputs, labels, copies, re-initialisation, layer iteration.

Every proxy in :mod:`canopy.proxies` is a pure function ``(model, inputs=None, *, seed=0, **settings)``.
Purity is obtained the simple way: a proxy works on :func:`model_copy` of the model and never touches the
original (its parameters, buffers, ``.grad`` fields and train/eval flags stay exactly as they were).

NaN / inf policy
----------------
A proxy never raises because a score is numerically degenerate: it returns the float it computed, which may be
``nan`` or ``±inf`` (e.g. NASWOT's ``slogdet`` of a singular kernel is ``-inf``; jacov's eigenvalue log of a
negative round-off eigenvalue is ``nan``). Deciding what a non-finite score means is a *ranking* decision made
once, by :func:`sanitize_scores`: ``policy="rank_last"`` (default; non-finite scores are worse than every
finite score) or ``policy="naslib"`` (NaN/inf -> -1e8, as NASLib does).

Examples
--------
>>> import torch
>>> x = synthetic_inputs((3, 8, 8), batch_size=2, seed=0)
>>> tuple(x.shape)
(2, 3, 8, 8)
>>> bool(torch.equal(x, synthetic_inputs((3, 8, 8), batch_size=2, seed=0)))
True
"""

from __future__ import annotations

import contextlib
import copy
import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from canopy._random import as_generator, child_seed, int_seed
from canopy.errors import ProxySettingsError

__all__ = [
    "DEFAULT_INPUT_SHAPE",
    "synthetic_inputs",
    "synthetic_labels",
    "model_copy",
    "logits_of",
    "prepare_batch",
    "infer_num_classes",
    "conv_linear_layers",
    "reinit_",
    "replace_batchnorm_by_identity",
    "sanitize_scores",
    "check_positive_int",
    "torch_generator",
    "sub_seed",
    "working_copy",
]

#: Default per-sample input shape (CIFAR: 3 x 32 x 32).
DEFAULT_INPUT_SHAPE: tuple[int, int, int] = (3, 32, 32)


def check_positive_int(name: str, value: Any, *, minimum: int = 1) -> int:
    """Validate an integer setting (``bool`` rejected) and return it.

    Examples
    --------
    >>> check_positive_int("batch_size", 4)
    4
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ProxySettingsError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def torch_generator(seed: int | np.random.Generator) -> torch.Generator:
    """A CPU :class:`torch.Generator` seeded from an int or a numpy Generator (global RNG untouched).

    Examples
    --------
    >>> float(torch.randn(1, generator=torch_generator(3))) == float(torch.randn(1, generator=torch_generator(3)))
    True
    """
    gen = torch.Generator(device="cpu")
    gen.manual_seed(int_seed(seed))
    return gen


def synthetic_inputs(
    input_shape: Sequence[int] = DEFAULT_INPUT_SHAPE,
    *,
    batch_size: int = 64,
    seed: int | np.random.Generator = 0,
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """I.i.d. standard Gaussian inputs of shape ``(batch_size, *input_shape)``, seeded.

    Examples
    --------
    >>> synthetic_inputs((4,), batch_size=3).shape
    torch.Size([3, 4])
    """
    batch_size = check_positive_int("batch_size", batch_size)
    shape = tuple(int(s) for s in input_shape)
    if not shape or any(s < 1 for s in shape):
        raise ProxySettingsError(f"input_shape must be a non-empty tuple of positive ints, got {input_shape!r}")
    return torch.randn((batch_size, *shape), generator=torch_generator(seed), dtype=dtype)


def synthetic_labels(
    n: int, num_classes: int, *, seed: int | np.random.Generator = 0
) -> torch.Tensor:
    """Uniform random class labels in ``[0, num_classes)``, seeded (int64).

    Examples
    --------
    >>> lab = synthetic_labels(5, 3, seed=1)
    >>> lab.dtype == torch.int64 and int(lab.max()) < 3
    True
    """
    num_classes = check_positive_int("num_classes", num_classes)
    return torch.randint(0, num_classes, (int(n),), generator=torch_generator(seed))


def model_copy(model: nn.Module) -> nn.Module:
    """A deep copy of ``model`` with every ``.grad`` cleared; the original is never touched.

    Examples
    --------
    >>> m = torch.nn.Linear(2, 2)
    >>> c = model_copy(m)
    >>> c is not m and torch.equal(c.weight, m.weight)
    True
    """
    if not isinstance(model, nn.Module):
        raise ProxySettingsError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    clone = copy.deepcopy(model)
    for p in clone.parameters():
        p.grad = None
    return clone


def logits_of(output: Any) -> torch.Tensor:
    """The logits of a forward output: the tensor itself, or the last element of a tuple/list.

    xautodl's ``TinyNetwork`` returns ``(features, logits)``; proxies take element ``[-1]``.

    Examples
    --------
    >>> t = torch.zeros(2, 3)
    >>> logits_of((torch.ones(1), t)) is t
    True
    """
    if isinstance(output, torch.Tensor):
        return output
    if isinstance(output, (tuple, list)) and output and isinstance(output[-1], torch.Tensor):
        return output[-1]
    raise ProxySettingsError(
        f"model output must be a tensor or a tuple ending with the logits tensor, got {type(output).__name__}"
    )


@contextlib.contextmanager
def _no_global_rng_change() -> Iterator[None]:
    state = torch.random.get_rng_state()
    try:
        yield
    finally:
        torch.random.set_rng_state(state)


def infer_num_classes(model: nn.Module, input_shape: Sequence[int]) -> int:
    """Number of outputs of ``model`` on one zero input of ``input_shape`` (run on a copy, in eval mode).

    Examples
    --------
    >>> infer_num_classes(torch.nn.Linear(4, 7), (4,))
    7
    """
    clone = model_copy(model).eval()
    with torch.no_grad(), _no_global_rng_change():
        out = logits_of(clone(torch.zeros((1, *input_shape))))
    return int(out.reshape(1, -1).shape[1])


def prepare_batch(
    model: nn.Module,
    inputs: Any,
    *,
    seed: int | np.random.Generator,
    batch_size: int,
    input_shape: Sequence[int] | None,
    num_classes: int | None = None,
    need_labels: bool = False,
) -> tuple[torch.Tensor, torch.Tensor | None, int | None]:
    """Resolve ``inputs`` into ``(x, y, num_classes)``.

    ``inputs`` may be ``None`` (synthetic Gaussian data of ``input_shape`` — default (3, 32, 32) — and, when
    labels are needed, uniform random labels), a tensor ``x``, or a pair ``(x, y)``.
    Inputs and labels are drawn from two independent streams derived from ``seed``.

    Examples
    --------
    >>> x, y, c = prepare_batch(torch.nn.Linear(4, 3), None, seed=0, batch_size=2, input_shape=(4,),
    ...                         need_labels=True)
    >>> tuple(x.shape), tuple(y.shape), c
    ((2, 4), (2,), 3)
    """
    y = None
    if inputs is None:
        shape = tuple(input_shape) if input_shape is not None else DEFAULT_INPUT_SHAPE
        rng = as_generator(seed)
        s_in, s_lab = (int(v) for v in rng.integers(0, 2**62, size=2))
        x = synthetic_inputs(shape, batch_size=batch_size, seed=s_in)
    else:
        if isinstance(inputs, (tuple, list)):
            if len(inputs) != 2:
                raise ProxySettingsError("inputs must be a tensor x or a pair (x, y)")
            x, y = inputs
        else:
            x = inputs
        if not isinstance(x, torch.Tensor) or x.dim() < 2:
            raise ProxySettingsError("inputs must be a batch tensor of shape (B, ...)")
        x = x.detach()
        s_lab = int_seed(as_generator(seed))
    if need_labels and num_classes is None:
        num_classes = infer_num_classes(model, tuple(x.shape[1:]))
    if need_labels and y is None and num_classes is not None:
        y = synthetic_labels(x.shape[0], num_classes, seed=s_lab)
    if y is not None:
        if not isinstance(y, torch.Tensor) or y.shape[0] != x.shape[0]:
            raise ProxySettingsError("labels y must be a tensor with one entry per input")
        y = y.detach().long()
    return x, y, num_classes


def conv_linear_layers(model: nn.Module) -> list[tuple[str, nn.Conv1d | nn.Conv2d | nn.Conv3d | nn.Linear]]:
    """``(name, module)`` of every ``nn.Conv1d/2d/3d`` and ``nn.Linear``, in ``named_modules`` order.

    Examples
    --------
    >>> [n for n, _ in conv_linear_layers(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU()))]
    ['0']
    """
    return [(n, m) for n, m in model.named_modules() if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear))]


_NORM_KINDS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.GroupNorm, nn.LayerNorm)


def weight_gradients(
    net: nn.Module, x: torch.Tensor, y: torch.Tensor, *, temperature: float = 1.0, create_graph: bool = False
) -> tuple[list[torch.Tensor], tuple[torch.Tensor | None, ...]]:
    """Conv/Linear weights of ``net`` and the gradients of the cross-entropy on ``(x, y)`` with respect to them.

    The shared first step of grad_norm, snip and grasp; ``None`` marks a weight the loss does not reach.

    Examples
    --------
    >>> net = nn.Sequential(nn.Linear(4, 3))
    >>> w, g = weight_gradients(net, torch.ones(2, 4), torch.tensor([0, 2]))
    >>> [tuple(t.shape) for t in w] == [tuple(t.shape) for t in g]
    True
    """
    import torch.nn.functional as F

    weights = [m.weight for _, m in conv_linear_layers(net)]
    loss = F.cross_entropy(logits_of(net(x)) / temperature, y)
    return weights, torch.autograd.grad(loss, weights, create_graph=create_graph, allow_unused=True)


@torch.no_grad()
def reinit_(model: nn.Module, scheme: str, *, seed: int | np.random.Generator = 0) -> nn.Module:
    """Re-initialise ``model`` **in place** (call it on a copy) and return it.

    Schemes
    -------
    ``"none"``
        Leave the weights as they are.
    ``"kaiming_norm_fanin"``
        As VKDNW / AZ-NAS: Conv and Linear weights ~ Kaiming normal (fan-in, ReLU gain, std = sqrt(2/fan_in)),
        biases 0; BatchNorm/GroupNorm/LayerNorm affine gamma = 1, beta = 0; BN running statistics untouched.
    ``"gaussian"``
        As Zen-NAS / SWAP: Conv and Linear weights ~ N(0, 1), biases 0; norm gamma = 1, beta = 0.

    Examples
    --------
    >>> lin = reinit_(torch.nn.Linear(3, 2), "gaussian", seed=0)
    >>> float(lin.bias.detach().abs().sum())
    0.0
    """
    if scheme == "none":
        return model
    if scheme not in ("kaiming_norm_fanin", "gaussian"):
        raise ProxySettingsError(
            f"unknown init scheme {scheme!r}; valid: 'none', 'kaiming_norm_fanin', 'gaussian'"
        )
    gen = torch_generator(seed)
    for _, m in conv_linear_layers(model):
        w = m.weight
        if scheme == "kaiming_norm_fanin":
            fan_in = w[0].numel()
            std = math.sqrt(2.0) / math.sqrt(fan_in)
        else:
            std = 1.0
        w.copy_(torch.randn(w.shape, generator=gen, dtype=w.dtype) * std)
        if m.bias is not None:
            m.bias.zero_()
    for norm in model.modules():
        if isinstance(norm, _NORM_KINDS):
            if getattr(norm, "weight", None) is not None:
                norm.weight.fill_(1.0)
            if getattr(norm, "bias", None) is not None:
                norm.bias.zero_()
    return model


def replace_batchnorm_by_identity(model: nn.Module) -> nn.Module:
    """Replace every BatchNorm module of ``model`` **in place** (call it on a copy) by ``nn.Identity``.

    Examples
    --------
    >>> m = replace_batchnorm_by_identity(torch.nn.Sequential(torch.nn.BatchNorm1d(2)))
    >>> type(m[0]).__name__
    'Identity'
    """
    bn_kinds = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)
    for name, child in list(model.named_children()):
        if isinstance(child, bn_kinds):
            setattr(model, name, nn.Identity())
        else:
            replace_batchnorm_by_identity(child)
    return model


def sanitize_scores(values: Sequence[float] | np.ndarray, policy: str = "rank_last") -> np.ndarray:
    """Make a vector of proxy scores rankable, by the one NaN policy (:func:`canopy.metrics.apply_nan_policy`).

    Parameters
    ----------
    values : sequence of float
        Raw proxy scores (larger is better).
    policy : {"rank_last", "naslib", "raise"}
        ``"rank_last"``: every non-finite score (NaN, +inf, -inf) becomes one less than the smallest finite
        score (so it ranks below all of them, ties among themselves); ``"naslib"``: non-finite -> -1e8 (NASLib's
        convention); ``"raise"``: a non-finite score raises :class:`canopy.errors.ProxySettingsError`.

    Examples
    --------
    >>> sanitize_scores([1.0, float("nan"), 3.0]).tolist()
    [1.0, 0.0, 3.0]
    """
    from canopy.metrics.resampling import apply_nan_policy

    if policy not in ("rank_last", "naslib", "raise"):  # "omit" would change the vector's length
        raise ProxySettingsError(f"unknown NaN policy {policy!r}; valid: 'rank_last', 'naslib', 'raise'")
    try:
        return apply_nan_policy(values, policy=policy)[0]
    except ValueError as exc:
        raise ProxySettingsError(str(exc)) from None


def sub_seed(seed: int | np.random.Generator, stream: int) -> int:
    """An int seed for an independent stream ``stream`` derived from ``seed`` (inputs use stream 0).

    Examples
    --------
    >>> sub_seed(0, 1) == sub_seed(0, 1) != sub_seed(0, 2)
    True
    """
    return child_seed(seed, stream)


def working_copy(
    model: nn.Module, *, init: str = "none", seed: int | np.random.Generator = 0, train: bool = True
) -> nn.Module:
    """Deep copy of ``model``, re-initialised by ``init`` (seeded stream 1 of ``seed``), in train or eval mode.

    Examples
    --------
    >>> m = torch.nn.Linear(2, 2).eval()
    >>> working_copy(m).training, m.training
    (True, False)
    """
    clone = model_copy(model)
    reinit_(clone, init, seed=sub_seed(seed, 1))
    clone.train(train)
    return clone
