"""Zero-cost proxies: pure functions ``(model, inputs=None, *, seed=0, **settings)`` and their registry.

Every proxy works on a deep copy of the model (re-initialised / BN-stripped / cast as its definition needs),
so the model you pass is never modified: parameters, buffers, ``.grad`` and train/eval flags are untouched,
and hooks live on the copy and are removed in ``finally``. Inputs default to seeded Gaussian data
(3x32x32) with uniform random labels where a loss is needed. All scores are "larger is better"
(``proxies.md`` §3.18: grasp with its flipped sign, jacov with its minus sign). Non-finite scores are returned as
computed; :func:`canopy.proxies._common.sanitize_scores` gives them a rank.

Examples
--------
>>> import torch
>>> from canopy.proxies import get_proxy
>>> net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU(), torch.nn.Flatten(),
...                           torch.nn.Linear(4 * 6 * 6, 3))
>>> get_proxy("params")(net)
547.0
>>> get_proxy("synflow").needs_labels
False
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from canopy.errors import UnknownProxyError

__all__ = ["ProxySpec", "PROXIES", "ALIASES", "get_proxy", "proxy_names"]


@dataclass(frozen=True)
class ProxySpec:
    """A registered proxy.

    Attributes
    ----------
    name : str
    module, function : str
        Where the implementation lives (imported lazily: ``import canopy.proxies`` stays light).
    needs_grad, needs_labels : bool
        Whether it back-propagates / uses class labels (synthetic labels when none are given).
    defaults : dict
        The default settings (recorded with every score).
    higher_is_better : bool
        Always True as implemented (sign conventions of ``proxies.md`` §3.18 are built in).
    returns_result : bool
        The function returns a dataclass with ``.score`` (VKDNW) rather than a float.
    population : str
        Empty, or the name of the population-level score built from it (e.g. ``"vkdnw_single"``).
    description : str
    """

    name: str
    module: str
    function: str
    needs_grad: bool
    needs_labels: bool
    defaults: dict[str, Any] = field(default_factory=dict)
    higher_is_better: bool = True
    returns_result: bool = False
    population: str = ""
    description: str = ""

    @property
    def fn(self) -> Callable[..., Any]:
        """The implementation (imported on first use)."""
        return getattr(importlib.import_module(f"canopy.proxies.{self.module}"), self.function)

    def compute(self, model: Any, inputs: Any = None, *, seed: int = 0, **settings: Any) -> Any:
        """Call the implementation and return its raw result (a float or a result dataclass)."""
        return self.fn(model, inputs, seed=seed, **settings)

    def __call__(self, model: Any, inputs: Any = None, *, seed: int = 0, **settings: Any) -> float:
        """The score as a float (``.score`` of a result dataclass)."""
        out = self.compute(model, inputs, seed=seed, **settings)
        return float(out.score) if self.returns_result else float(out)


def _spec(name, module, function, grad, labels, defaults, description, **kw) -> ProxySpec:
    return ProxySpec(name, module, function, grad, labels, dict(defaults), description=description, **kw)


_NASLIB = {"batch_size": 32, "input_shape": (3, 32, 32), "init": "none"}

PROXIES: dict[str, ProxySpec] = {
    s.name: s
    for s in [
        _spec("params", "params_flops", "num_params", False, False, {"counting": "every_op"},
              "number of parameters"),
        _spec("flops", "params_flops", "flops", False, False, {"counting": "every_op", "input_shape": (3, 32, 32)},
              "Conv/Linear MACs at batch 1, bias included"),
        _spec("aleph", "vkdnw", "aleph", False, False, {}, "number of parameter tensors (VKDNW's ℵ)"),
        _spec("vkdnw", "vkdnw", "vkdnw", True, False,
              {"batch_size": 64, "input_shape": (3, 32, 32), "params_grad_len": 128, "p": 1, "alpha": 0.05,
               "variant": "correct", "init": "kaiming_norm_fanin", "bn_mode": "eval", "selection": "first",
               "quantiles": "deciles"},
              "entropy of the deciles of the label-free Fisher spectrum", returns_result=True,
              population="vkdnw_single"),
        _spec("grad_norm", "grad_norm", "grad_norm", True, True, _NASLIB, "Σ_l ‖∂L/∂W_l‖"),
        _spec("snip", "snip", "snip", True, True, _NASLIB, "Σ |W ⊙ ∂L/∂W|"),
        _spec("grasp", "grasp", "grasp", True, True, _NASLIB, "Σ −θ ⊙ Hg (flipped sign)"),
        _spec("fisher", "fisher", "fisher", True, True, _NASLIB, "fan-in weighted channel Fisher"),
        _spec("synflow", "synflow", "synflow", True, False, {"input_shape": (3, 32, 32), "init": "none",
                                                              "log": True, "keep_bn": False},
              "log Σ |θ ⊙ ∂R/∂θ|, BN removed, float64, |θ|, ones input"),
        _spec("jacov", "jacov", "jacov", True, False, {**_NASLIB, "k": 1e-5},
              "−Σ log(λ+k) + 1/(λ+k) of the input-Jacobian correlation"),
        _spec("naswot", "naswot", "naswot", False, False, _NASLIB, "log|det K| of binary ReLU codes"),
        _spec("zen", "zen", "zen", False, False, {"batch_size": 32, "input_shape": (3, 32, 32), "repeat": 1,
                                                  "mixup_gamma": 1e-2},
              "log Δ(pre-GAP features) + Σ log BN scale"),
        _spec("zico", "zico", "zico", True, True, {"batch_size": 64, "num_batches": 2,
                                                   "input_shape": (3, 32, 32), "init": "none"},
              "Σ_l log Σ mean|g|/std(g) over 2 batches"),
        _spec("meco", "meco", "meco", False, False, {"batch_size": 1, "input_shape": (3, 32, 32), "init": "none"},
              "Σ λ_min of per-module channel correlations"),
        _spec("swap", "swap", "swap", False, False, {"batch_size": 16, "input_shape": (3, 32, 32), "repeat": 32},
              "distinct per-neuron ReLU sign patterns"),
        _spec("az_expressivity", "az_nas", "expressivity", False, False,
              {"batch_size": 64, "input_shape": (3, 32, 32), "init": "kaiming_norm_fanin"},
              "AZ-NAS expressivity Σ_l entropy of block-feature covariance spectra (needs cell_features)"),
        _spec("az_progressivity", "az_nas", "progressivity", False, False,
              {"batch_size": 64, "input_shape": (3, 32, 32), "init": "kaiming_norm_fanin"},
              "AZ-NAS progressivity min_l (E_{l+1} − E_l) (needs cell_features)"),
        _spec("tropical", "tropical", "tropical", False, False, {"mode": "generic"},
              "log10 tropical region-count bound (canopy.nas.tropical_score)"),
    ]
}

#: Alternative names accepted by :func:`get_proxy` (NASLib / foresight spellings).
ALIASES: dict[str, str] = {"nwot": "naswot", "jacob_cov": "jacov", "gradnorm": "grad_norm", "#params": "params"}


def proxy_names() -> list[str]:
    """Sorted registered proxy names.

    Examples
    --------
    >>> "vkdnw" in proxy_names()
    True
    """
    return sorted(PROXIES)


def get_proxy(name: str) -> ProxySpec:
    """The :class:`ProxySpec` registered under ``name`` (or an alias).

    Raises
    ------
    UnknownProxyError
        Naming the valid proxies.

    Examples
    --------
    >>> get_proxy("nwot").name
    'naswot'
    >>> get_proxy("nope")
    Traceback (most recent call last):
    ...
    canopy.errors.UnknownProxyError: unknown proxy 'nope'; valid: aleph, az_expressivity, ...
    """
    key = ALIASES.get(name, name) if isinstance(name, str) else name
    if key not in PROXIES:
        raise UnknownProxyError(f"unknown proxy {name!r}; valid: {', '.join(proxy_names())}")
    return PROXIES[key]
