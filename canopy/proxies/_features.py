"""Where feature-map proxies (Zen, AZ-NAS) find their feature maps in *any* torch model: one documented rule.

Two kinds of feature maps are needed:

* **the pre-pooling feature map** (Zen-score): the 4-D tensor that the network pools globally before its
  classifier.  Rule, first match wins:

  1. the model's own ``forward_features(x)`` (or ``forward_pre_GAP`` / ``forward_before_global_avg_pool``, the
     names NAS code bases use);
  2. the **input of the last global-pooling or flattening module** called in ``model(x)`` —
     ``nn.AdaptiveAvgPool2d``, ``nn.AdaptiveMaxPool2d``, ``nn.AvgPool2d``/``nn.MaxPool2d`` whose window covers
     the whole map, or ``nn.Flatten`` — whose input is 4-D and larger than 1 × 1 (so that the flatten after a
     pooling does not count; a 1 × 1 input is taken only when there is no other) and not the model's input
     itself (an MLP that flattens its image has no feature map), found with forward pre-hooks removed in
     ``finally``;
  3. the same, found in a ``torch.fx`` trace for functional code: the first argument of the last call to
     ``F.adaptive_avg_pool2d``/``F.adaptive_max_pool2d``, ``torch.flatten``/``Tensor.flatten``,
     ``torch.mean``/``Tensor.mean`` over the spatial axes, when it is 4-D.

  Otherwise the proxy refuses with one line naming the model and the rule.

* **per-block feature maps** (AZ-NAS expressivity and progressivity). Rule:

  1. the model's own ``cell_features(x)`` (the NAS-Bench-201 networks of :mod:`canopy.spaces` provide it: the
     stem output and every block's output);
  2. otherwise the **4-D outputs of the model's direct children**, in the order they are called, leaving out
     maps of spatial size 1 × 1 (global pooling); a model whose only child is a container is descended into.
     For an ``nn.Sequential`` CNN every layer is a block; for a ResNet-style model with ``stem``, ``layer1`` ...
     children, the stem and every stage.

  Fewer than one such map: the proxy refuses with one line.

Both rules run the model's ordinary forward on the working copy the proxy already made, so the user's model
is never touched.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from canopy.errors import UnsupportedOperationError

__all__ = ["pre_pooling_features", "block_features", "FEATURE_METHODS"]

#: model methods that return the pre-global-pooling feature map, tried in this order
FEATURE_METHODS = ("forward_features", "forward_pre_GAP", "forward_before_global_avg_pool")

_POOL_TYPES = (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d, nn.Flatten)


def _is_global(module: nn.Module, x: torch.Tensor) -> bool:
    if isinstance(module, _POOL_TYPES):
        return True
    if isinstance(module, (nn.AvgPool2d, nn.MaxPool2d)):
        k = module.kernel_size if isinstance(module.kernel_size, tuple) else (module.kernel_size,) * 2
        return tuple(k) == tuple(x.shape[-2:])
    return False


def _by_hooks(net: nn.Module, x: torch.Tensor) -> torch.Tensor | None:
    seen: list[torch.Tensor] = []

    def pre_hook(module: nn.Module, args: tuple[Any, ...]) -> None:
        if (args and isinstance(args[0], torch.Tensor) and args[0].dim() == 4 and args[0] is not x
                and _is_global(module, args[0])):
            seen.append(args[0])

    handles = [m.register_forward_pre_hook(pre_hook) for m in net.modules()
               if isinstance(m, (*_POOL_TYPES, nn.AvgPool2d, nn.MaxPool2d))]
    try:
        net(x)
    finally:
        for h in handles:
            h.remove()
    return _last_map(seen)


def _last_map(seen: list[torch.Tensor]) -> torch.Tensor | None:
    """The last candidate with a spatial extent above 1 x 1 (a flatten after pooling is not the pooling)."""
    spatial = [t for t in seen if tuple(t.shape[-2:]) != (1, 1)]
    return spatial[-1] if spatial else (seen[-1] if seen else None)


_FX_FUNCTIONS = {"adaptive_avg_pool2d", "adaptive_max_pool2d", "flatten", "mean"}


def _by_fx(net: nn.Module, x: torch.Tensor) -> torch.Tensor | None:
    import torch.fx

    try:
        gm = torch.fx.symbolic_trace(net)
    except Exception:  # noqa: BLE001 - any tracing failure means "rule 3 does not apply"
        return None
    candidates = [n for n in gm.graph.nodes
                  if n.op in ("call_function", "call_method")
                  and getattr(n.target, "__name__", n.target) in _FX_FUNCTIONS and n.args]
    if not candidates:
        return None
    wanted = {id(n) for n in candidates}
    captured: list[torch.Tensor] = []

    class _Recorder(torch.fx.Interpreter):
        def run_node(self, n: torch.fx.Node) -> Any:
            if id(n) in wanted:
                arg = self.env.get(n.args[0]) if isinstance(n.args[0], torch.fx.Node) else None
                if isinstance(arg, torch.Tensor) and arg.dim() == 4 and arg is not x:
                    captured.append(arg)
            return super().run_node(n)

    _Recorder(gm).run(x)
    return _last_map(captured)


def pre_pooling_features(net: nn.Module, x: torch.Tensor, *, proxy: str = "this proxy") -> torch.Tensor:
    """The pre-global-pooling feature map of ``net`` at ``x``, by the module's rule.

    Parameters
    ----------
    net : torch.nn.Module
        The proxy's working copy (hooks are added to it and removed).
    x : torch.Tensor
        A batch.
    proxy : str
        Name used in the error message.

    Returns
    -------
    torch.Tensor
        A 4-D tensor ``(N, C, H, W)``.

    Raises
    ------
    canopy.errors.UnsupportedOperationError
        When no rule applies (one line naming the model and what to add).

    Examples
    --------
    >>> net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 2))
    >>> tuple(pre_pooling_features(net, torch.zeros(2, 3, 8, 8)).shape)
    (2, 4, 6, 6)
    """
    for name in FEATURE_METHODS:
        fn = getattr(net, name, None)
        if callable(fn):
            return fn(x)
    found = _by_hooks(net, x)
    if found is None:
        found = _by_fx(net, x)
    if found is None:
        raise UnsupportedOperationError(
            f"{proxy} needs the pre-global-pooling feature map: {type(net).__name__} has no forward_features(x), "
            "and no global pooling or flatten of a 4-D map was found in its forward (see canopy.proxies._features)"
        )
    return found


def block_features(net: nn.Module, x: torch.Tensor, *, proxy: str = "this proxy") -> list[torch.Tensor]:
    """The per-block feature maps of ``net`` at ``x``, by the module's rule.

    Parameters
    ----------
    net : torch.nn.Module
        The proxy's working copy (hooks are added to it and removed).
    x : torch.Tensor
        A batch.
    proxy : str
        Name used in the error message.

    Returns
    -------
    list of torch.Tensor
        4-D maps, in execution order.

    Raises
    ------
    canopy.errors.UnsupportedOperationError
        When the model yields no 4-D block output.

    Examples
    --------
    >>> net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 2))
    >>> [tuple(f.shape) for f in block_features(net, torch.zeros(2, 3, 8, 8))]
    [(2, 4, 6, 6), (2, 4, 6, 6)]
    """
    fn = getattr(net, "cell_features", None)
    if callable(fn):
        return list(fn(x))
    root = net
    children = list(root.children())
    while len(children) == 1 and isinstance(children[0], (nn.Sequential, nn.ModuleList, nn.ModuleDict)):
        root = children[0]
        children = list(root.children())
    maps: list[torch.Tensor] = []

    def hook(module: nn.Module, args: Any, out: Any) -> None:
        if isinstance(out, torch.Tensor) and out.dim() == 4 and out.shape[-2:] != (1, 1):
            maps.append(out)

    handles = [c.register_forward_hook(hook) for c in children]
    try:
        net(x)
    finally:
        for h in handles:
            h.remove()
    if not maps:
        raise UnsupportedOperationError(
            f"{proxy} needs per-block feature maps: {type(net).__name__} has no cell_features(x), and none of its "
            "direct children returns a 4-D feature map (see canopy.proxies._features)"
        )
    return maps
