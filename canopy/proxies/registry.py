"""The one proxy registry of :mod:`canopy`: specs, aliases, closed-form fast paths, third-party proxies.

Every proxy name is resolved here (:func:`get_proxy`), by the proxies API, by the evaluation
(:mod:`canopy.scoring`, :mod:`canopy.evaluation`) and by search fitness (:mod:`canopy.search.fitness`).

A :class:`ProxySpec` says where the implementation lives and how :func:`canopy.scoring.score` feeds it:

* ``kind="model"`` -- ``fn(model, inputs=None, *, seed, **settings)`` on a freshly built network;
* ``kind="cell"`` -- ``fn(cell, **settings)`` on the search space's cell (deterministic, seed-free);
* ``cell_form`` -- the name of an exact closed form on the NB201 cell (:data:`CELL_FORMS`) that gives the same
  number as the model proxy on the built network (``params``, ``flops``, ``aleph``) or defines the proxy on
  cells (``tropical``); used instead of building the network when it covers the given settings.

Third-party proxies
-------------------
:data:`PROXIES` holds the library's proxies; others live beside them (:func:`available_proxies` lists all).
Register at run time with :func:`register_proxy`, or ship them in a distribution with an entry point in the
group ``canopy.proxies`` (:data:`ENTRY_POINT_GROUP`), loaded once per process on the first look-up. The
entry point's object is

* a :class:`ProxySpec` -- registered under its ``name``;
* a module -- importing it registers its proxies (it calls :func:`register_proxy`);
* any other callable -- registered as a model proxy under the entry point's name.

Each spec carries an implementation ``version`` (default 1) that is stored with every result: bump it when
the code changes what the proxy computes and stored results of the old version are recomputed, never reused
(the rule is in :class:`ProxySpec`'s Notes; :func:`register_proxy` takes ``version=``).

For example, in the plugin's ``pyproject.toml``::

    [project.entry-points."canopy.proxies"]
    my_proxy = "my_package.proxies:my_proxy"

Examples
--------
>>> get_proxy("nwot").name, get_proxy("params").cell_form, get_proxy("tropical").key_defaults
('naswot', 'params', {'mode': 'generic'})
>>> register_proxy("demo_convs", lambda cell: float(cell.num_convs), kind="cell", replace=True).kind
'cell'
"""

from __future__ import annotations

import importlib
import threading
import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from canopy.errors import CanopyError, UnknownProxyError

__all__ = [
    "ProxySpec",
    "PROXIES",
    "ALIASES",
    "CELL_FORMS",
    "ENTRY_POINT_GROUP",
    "get_proxy",
    "proxy_names",
    "available_proxies",
    "register_proxy",
    "parse_proxy_name",
    "load_entry_points",
]

#: entry-point group of third-party proxies
ENTRY_POINT_GROUP = "canopy.proxies"


@dataclass(frozen=True)
class ProxySpec:
    """A registered proxy.

    Attributes
    ----------
    name : str
    module, function : str
        Where a library implementation lives (imported lazily: ``import canopy.proxies`` stays light).
    needs_grad, needs_labels : bool
        Whether it back-propagates / uses class labels (synthetic labels when none are given).
    defaults : dict
        The default settings of the implementation (printed in protocols; not part of a store key).
    higher_is_better : bool
        Always True as implemented (sign conventions of ``proxies.md`` §3.18 are built in).
    returns_result : bool
        The function returns a dataclass with ``.score`` (VKDNW) rather than a float.
    population : str
        Empty, or the name of the population-level score built from it (e.g. ``"vkdnw_single"``).
    description : str
    kind : {"model", "cell"}
        What :func:`canopy.scoring.score` passes: a built network, or the cell.
    impl : callable, optional
        The implementation itself (registered proxies); library proxies use ``module``/``function``.
    key_defaults : dict
        Default settings that *are* part of the store key (merged under the user's settings).
    seeded : bool
        Whether the score depends on the seed (seed-free proxies are keyed with seed 0).
    dataset_dependent : bool
        Whether the score depends on the dataset (its classes and input shape are added to the settings).
    cell_form : str
        Empty, or a key of :data:`CELL_FORMS`: the NB201 closed form used instead of building the network.
    version : int
        Implementation version, recorded with every stored result; a stored result of another version is
        stale and recomputed (see Notes).

    Notes
    -----
    When ``version`` changes: bump it when a change to the code can change what the proxy *means* -- its
    definition, defaults that are not part of the store key, initialisation, synthetic inputs, a fixed bug
    that moved scores. Do not bump it for a change that keeps the definition and moves scores by float
    round-off only (a summation order, a faster exact-in-exact-arithmetic kernel): e.g. VKDNW's exact
    average-pool backward (commit 1ec7109) moved scores by ~5e-8 relative, the same definition, so VKDNW
    stays at version 1. Settings that change a score belong in the key, not in the version. Third-party
    proxies pass ``version`` to :func:`register_proxy` (or set it on their :class:`ProxySpec`).
    """

    name: str
    module: str = ""
    function: str = ""
    needs_grad: bool = False
    needs_labels: bool = False
    defaults: dict[str, Any] = field(default_factory=dict)
    higher_is_better: bool = True
    returns_result: bool = False
    population: str = ""
    description: str = ""
    kind: str = "model"
    impl: Callable[..., Any] | None = field(default=None, compare=False)
    key_defaults: dict[str, Any] = field(default_factory=dict)
    seeded: bool = True
    dataset_dependent: bool = True
    cell_form: str = ""
    version: int = 1

    def __post_init__(self) -> None:
        if isinstance(self.version, bool) or not isinstance(self.version, int) or self.version < 1:
            raise CanopyError(f"proxy {self.name!r}: version must be an int >= 1, got {self.version!r}")

    @property
    def fn(self) -> Callable[..., Any]:
        """The implementation (imported on first use)."""
        if self.impl is not None:
            return self.impl
        return getattr(importlib.import_module(f"canopy.proxies.{self.module}"), self.function)  # type: ignore[no-any-return]

    def compute(self, model: Any, inputs: Any = None, *, seed: int = 0, **settings: Any) -> Any:
        """Call the implementation and return its raw result (a float or a result dataclass)."""
        return self.fn(model, inputs, seed=seed, **settings)

    def __call__(self, model: Any, inputs: Any = None, *, seed: int = 0, **settings: Any) -> float:
        """The score as a float (``.score`` of a result dataclass)."""
        out = self.compute(model, inputs, seed=seed, **settings)
        return float(out.score) if self.returns_result else float(out)

    def cell_form_for(self, settings: Mapping[str, Any]) -> Callable[..., float] | None:
        """The closed form on the NB201 cell when it covers ``settings`` (keys), else None.

        Examples
        --------
        >>> get_proxy("params").cell_form_for({"counting": "effective", "num_classes": 10}) is not None
        True
        >>> get_proxy("params").cell_form_for({"init": "none"}) is None
        True
        """
        if not self.cell_form:
            return None
        fn, covered = CELL_FORMS[self.cell_form]
        if covered is not None and set(settings) - _EVALUATION_SETTINGS - covered:
            return None
        return fn


# ---------------------------------------------------------------------------------------------- closed forms
#: settings the evaluation adds to the key of every dataset-dependent proxy
_EVALUATION_SETTINGS = frozenset({"num_classes", "input_shape"})


def _resolution(input_shape: Sequence[int] | None) -> int:
    return int(input_shape[-1]) if input_shape else 32


def _cell_params(cell: Any, *, num_classes: int = 10, counting: str = "every_op", **_: Any) -> float:
    return float(cell.num_params(num_classes=num_classes, counting=counting))


def _cell_flops(cell: Any, *, num_classes: int = 10, counting: str = "every_op",
                input_shape: Sequence[int] | None = None, **_: Any) -> float:
    return float(cell.flops(num_classes=num_classes, counting=counting, resolution=_resolution(input_shape)))


def _cell_aleph(cell: Any, **_: Any) -> float:
    return float(cell.aleph)


def _cell_tropical(cell: Any, *, mode: str = "generic") -> float:
    from canopy.nas.cells import nb201_cell_score

    return float(nb201_cell_score(cell, mode))


#: closed form -> (function of the NB201 cell, settings it covers besides num_classes/input_shape; None: all).
#: params/FLOPs/ℵ equal the model proxy on ``build_nb201_network(cell, num_classes)`` (tests/test_scoring.py).
CELL_FORMS: dict[str, tuple[Callable[..., float], frozenset[str] | None]] = {
    "params": (_cell_params, frozenset({"counting"})),
    "flops": (_cell_flops, frozenset({"counting", "input_shape"})),
    "aleph": (_cell_aleph, frozenset()),
    "tropical": (_cell_tropical, None),
}


# ---------------------------------------------------------------------------------------------- library proxies
def _spec(name: str, module: str, function: str, grad: bool, labels: bool, defaults: Mapping[str, Any],
          description: str, **kw: Any) -> ProxySpec:
    return ProxySpec(name, module, function, grad, labels, dict(defaults), description=description, **kw)


_NASLIB = {"batch_size": 32, "input_shape": (3, 32, 32), "init": "none"}

PROXIES: dict[str, ProxySpec] = {
    s.name: s
    for s in [
        _spec("params", "params_flops", "num_params", False, False, {"counting": "every_op"},
              "number of parameters", seeded=False, cell_form="params"),
        _spec("flops", "params_flops", "flops", False, False, {"counting": "every_op", "input_shape": (3, 32, 32)},
              "Conv/Linear MACs at batch 1, bias included", seeded=False, cell_form="flops"),
        _spec("aleph", "vkdnw", "aleph", False, False, {}, "number of parameter tensors (VKDNW's ℵ)",
              seeded=False, cell_form="aleph"),
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
              "AZ-NAS expressivity Σ_l entropy of block-feature covariance spectra (block maps: proxies._features)"),
        _spec("az_progressivity", "az_nas", "progressivity", False, False,
              {"batch_size": 64, "input_shape": (3, 32, 32), "init": "kaiming_norm_fanin"},
              "AZ-NAS progressivity min_l (E_{l+1} − E_l) (block maps: proxies._features)"),
        _spec("az_trainability", "az_nas", "trainability", True, False,
              {"batch_size": 64, "input_shape": (3, 32, 32), "init": "kaiming_norm_fanin"},
              "AZ-NAS trainability mean −σ_max − 1/σ_max + 2 of Rademacher block back-propagation"),
        _spec("realized_regions", "realized_regions", "realized_regions", False, False,
              {"num_segments": 8, "input_shape": (3, 4, 4), "length": 0.005, "aggregate": "mean_log",
               "init": "none", "bn": "calibrate", "slicing": "segment"},
              "mean log #activation regions met by seeded short input segments (or planes; float64 tracer, flagged)",
              dataset_dependent=False),
        _spec("tropical", "tropical", "tropical", False, False, {"mode": "generic"},
              "log10 tropical region-count bound (canopy.nas.tropical_score)", key_defaults={"mode": "generic"},
              seeded=False, dataset_dependent=False, cell_form="tropical"),
    ]
}

#: Alternative names accepted by :func:`get_proxy` (NASLib / foresight spellings).
ALIASES: dict[str, str] = {"nwot": "naswot", "jacob_cov": "jacov", "gradnorm": "grad_norm", "#params": "params"}

#: proxies registered at run time or through entry points (never shadowing a library proxy or alias)
_REGISTERED: dict[str, ProxySpec] = {}
_LOCK = threading.Lock()
_ENTRY_POINTS_LOADED = False


def register_proxy(
    name: str,
    fn: Callable[..., Any],
    *,
    kind: str = "model",
    settings: Mapping[str, Any] | None = None,
    dataset_dependent: bool | None = None,
    seeded: bool | None = None,
    version: int = 1,
    replace: bool = False,
) -> ProxySpec:
    """Register a proxy implementation; return its :class:`ProxySpec`.

    Parameters
    ----------
    name : str
    fn : callable
        ``fn(cell, **settings)`` for ``kind="cell"``; ``fn(model, inputs=None, *, seed, **settings)`` for
        ``kind="model"``.
    kind : {"cell", "model"}, default "model"
    settings : mapping, optional
        Default settings (part of every store key).
    dataset_dependent, seeded : bool, optional
        Defaults: True for model proxies, False for cell proxies.
    version : int, default 1
        Implementation version: bump it when the code changes what the proxy computes, so that results stored
        by the old code are recomputed (see :class:`ProxySpec`).
    replace : bool, default False
        Allow replacing an earlier registration (never a library proxy).

    Raises
    ------
    CanopyError
        A bad ``kind``, a name already taken without ``replace``, or a library proxy's name.

    Examples
    --------
    >>> register_proxy("demo_one", lambda cell: 1.0, kind="cell", replace=True).seeded
    False
    >>> "demo_one" in available_proxies(), "demo_one" in proxy_names()
    (True, False)
    """
    if kind not in ("cell", "model"):
        raise CanopyError(f"proxy kind must be 'cell' or 'model', got {kind!r}")
    if not isinstance(name, str) or not name or ":" in name:
        raise CanopyError(f"a proxy name must be a non-empty string without ':', got {name!r}")
    if not callable(fn):
        raise CanopyError(f"proxy {name!r}: the implementation must be callable, got {type(fn).__name__}")
    model = kind == "model"
    spec = ProxySpec(
        name, kind=kind, impl=fn, key_defaults=dict(settings or {}),
        dataset_dependent=model if dataset_dependent is None else bool(dataset_dependent),
        seeded=model if seeded is None else bool(seeded), version=version,
        description=(getattr(fn, "__doc__", None) or "").strip().split("\n")[0],
    )
    _add(spec, replace=replace)
    return spec


def _add(spec: ProxySpec, *, replace: bool) -> None:
    with _LOCK:
        if spec.name in PROXIES or spec.name in ALIASES:
            raise CanopyError(f"proxy {spec.name!r} is a library proxy and cannot be replaced")
        if spec.name in _REGISTERED and not replace:
            raise CanopyError(f"proxy {spec.name!r} is already registered")
        _REGISTERED[spec.name] = spec


def load_entry_points(*, reload: bool = False) -> list[str]:
    """Load the proxies of the ``canopy.proxies`` entry points (once per process); return the names loaded.

    Raises
    ------
    CanopyError
        An entry point cannot be imported or gives an object that is not a spec, module or callable.

    Examples
    --------
    >>> isinstance(load_entry_points(), list)
    True
    """
    global _ENTRY_POINTS_LOADED
    if _ENTRY_POINTS_LOADED and not reload:
        return []
    _ENTRY_POINTS_LOADED = True
    from importlib.metadata import entry_points

    loaded = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            obj = ep.load()
        except Exception as exc:  # an installed plugin that fails to import: one clear error
            raise CanopyError(f"cannot load proxy entry point {ep.name!r} ({ep.value}): "
                              f"{type(exc).__name__}: {exc}") from None
        if isinstance(obj, ProxySpec):
            _add(obj, replace=True)
            loaded.append(obj.name)
        elif isinstance(obj, types.ModuleType):
            loaded.append(ep.name)  # importing it registered its proxies
        elif callable(obj):
            register_proxy(ep.name, obj, replace=True)
            loaded.append(ep.name)
        else:
            raise CanopyError(f"proxy entry point {ep.name!r} ({ep.value}) gives a {type(obj).__name__}, "
                              "not a ProxySpec, a module or a callable")
    return loaded


def proxy_names() -> list[str]:
    """Sorted names of the library proxies (:data:`PROXIES`).

    Examples
    --------
    >>> "vkdnw" in proxy_names()
    True
    """
    return sorted(PROXIES)


def available_proxies() -> list[str]:
    """Sorted names :func:`get_proxy` accepts besides aliases: library, registered and entry-point proxies.

    Examples
    --------
    >>> set(proxy_names()) <= set(available_proxies())
    True
    """
    load_entry_points()
    return sorted({*PROXIES, *_REGISTERED})


def get_proxy(name: str) -> ProxySpec:
    """The :class:`ProxySpec` registered under ``name`` (or an alias): the one place a proxy name is resolved.

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
    canopy.errors.UnknownProxyError: unknown proxy 'nope'; valid: ...
    """
    key = ALIASES.get(name, name) if isinstance(name, str) else name
    if key in PROXIES:
        return PROXIES[key]
    if key not in _REGISTERED:
        load_entry_points()
    if key not in _REGISTERED:
        raise UnknownProxyError(f"unknown proxy {name!r}; valid: {', '.join(available_proxies())}")
    return _REGISTERED[key]


def parse_proxy_name(name: str) -> tuple[ProxySpec, dict[str, Any]]:
    """A proxy name with an optional mode suffix (``"tropical:serra"``) -> (spec, settings it implies).

    Examples
    --------
    >>> spec, settings = parse_proxy_name("tropical:zhang")
    >>> spec.name, settings
    ('tropical', {'mode': 'zhang'})
    >>> parse_proxy_name("gradnorm")[0].name
    'grad_norm'
    """
    if not isinstance(name, str):
        raise UnknownProxyError(f"a proxy name must be a string, got {type(name).__name__}")
    base, sep, mode = name.partition(":")
    spec = get_proxy(base)
    if not sep:
        return spec, {}
    if "mode" not in {**spec.defaults, **spec.key_defaults}:
        raise UnknownProxyError(f"proxy {spec.name!r} has no modes, so {name!r} is not a proxy name")
    return spec, {"mode": mode}
