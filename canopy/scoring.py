"""The one door for scoring: ``score(space, architecture, proxy, settings, seed) -> value``, and work items.

"Where is proxy P computed on architecture A?" -- here. :func:`score` resolves P in the one registry
(:mod:`canopy.proxies.registry`) and feeds it:

* a closed form on the NB201 cell when the proxy has one that covers the settings (``params``, ``flops``,
  ``aleph``: equal to the proxy on the built network; ``tropical``: :func:`canopy.nas.cells.nb201_cell_score`);
* the cell itself for cell proxies (``kind="cell"``);
* otherwise a freshly built network -- ``build_nb201_network(cell, num_classes)``, or ``space.build_model``
  for a search-space adapter -- initialised under ``torch.manual_seed(seed)`` without touching the caller's
  global RNG, and the proxy's own seeded synthetic inputs of the dataset's resolution.

The evaluation (:mod:`canopy.evaluation`) stores :class:`WorkItem` results under :attr:`WorkItem.key`; search
fitness (:mod:`canopy.search.fitness`) scores through :func:`score_item` under the same keys, so either reuses
what the other stored.

Examples
--------
>>> score("nb201", "|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|", "params",
...       {"num_classes": 10})
316346.0
>>> item = make_items("nb201", ["|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"], ["tropical"])[0]
>>> item.settings, item.seed
('{"mode":"generic"}', 0)
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from canopy.errors import CanopyError, InvalidArgumentError
from canopy.proxies.registry import ProxySpec, get_proxy
from canopy.store import ResultKey, ResultStore, canonical_json

__all__ = [
    "DATASETS",
    "num_classes",
    "WorkItem",
    "item_settings",
    "make_items",
    "score",
    "score_item",
    "compute_item",
    "to_storable",
    "as_float",
]

#: dataset -> (number of classes, input resolution): the one table of canopy
DATASETS: dict[str, tuple[int, int]] = {
    "cifar10": (10, 32),
    "cifar100": (100, 32),
    "ImageNet16-120": (120, 16),
    "imagenet": (1000, 224),
}

#: settings the evaluation adds to the key of every dataset-dependent proxy
_ADDED_SETTINGS = frozenset({"num_classes", "input_shape"})


def _dataset_entry(dataset: object) -> tuple[int, int]:
    if isinstance(dataset, str) and dataset in DATASETS:
        return DATASETS[dataset]
    raise InvalidArgumentError(f"unknown dataset {str(dataset)[:80]!r}; choose one of {', '.join(DATASETS)}")


def num_classes(dataset: str, default: int | None = None) -> int:
    """The number of classes of a dataset of :data:`DATASETS`.

    Parameters
    ----------
    dataset : str
        A key of :data:`DATASETS` (``"cifar10"``, ``"cifar100"``, ``"ImageNet16-120"``, ``"imagenet"``).
    default : int, optional
        Returned for a name that is not in :data:`DATASETS`, instead of raising (an explicit opt-in).

    Returns
    -------
    int

    Raises
    ------
    canopy.errors.InvalidArgumentError
        For a name that is not in :data:`DATASETS` (and no ``default``), listing the known ones.

    Examples
    --------
    >>> num_classes("ImageNet16-120"), num_classes("unknown", default=10)
    (120, 10)
    >>> num_classes("mnist")
    Traceback (most recent call last):
    ...
    canopy.errors.InvalidArgumentError: unknown dataset 'mnist'; choose one of cifar10, cifar100, ImageNet16-120, imagenet
    """
    if default is not None and not (isinstance(dataset, str) and dataset in DATASETS):
        return default
    return _dataset_entry(dataset)[0]


@dataclass(frozen=True)
class WorkItem:
    """One (space, arch, proxy, settings, seed) to compute; ``settings`` is canonical JSON."""

    space: str
    arch: str
    proxy: str
    settings: str
    seed: int

    @property
    def key(self) -> ResultKey:
        """The store key of this item."""
        return ResultStore.key(self.space, self.arch, self.proxy, json.loads(self.settings), self.seed)


def item_settings(spec: ProxySpec, dataset: str, user: Mapping[str, Any] | None) -> dict[str, Any]:
    """The keyed settings of a proxy: its key defaults, the user's settings, the dataset's classes and shape.

    Examples
    --------
    >>> item_settings(get_proxy("synflow"), "ImageNet16-120", {"init": "none"})
    {'init': 'none', 'num_classes': 120, 'input_shape': [3, 16, 16]}
    """
    settings = {**spec.key_defaults, **dict(user or {})}
    if spec.dataset_dependent:
        classes, resolution = _dataset_entry(dataset)
        settings.setdefault("num_classes", classes)
        settings.setdefault("input_shape", [3, resolution, resolution])
    return settings


def make_items(
    space: str,
    archs: Sequence[str],
    proxies: Sequence[str],
    *,
    dataset: str = "cifar10",
    seed: int = 0,
    proxy_settings: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[WorkItem]:
    """Work items for every (arch, proxy); seed-free proxies are keyed with seed 0.

    Examples
    --------
    >>> from canopy.proxies.registry import register_proxy
    >>> _ = register_proxy("demo_one", lambda cell: 1.0, kind="cell", replace=True)
    >>> [i.settings for i in make_items("nb201", ["a", "b"], ["demo_one"], seed=3)]
    ['{}', '{}']
    """
    items: list[WorkItem] = []
    for proxy in proxies:
        spec = get_proxy(proxy)
        settings = canonical_json(item_settings(spec, dataset, (proxy_settings or {}).get(proxy)))
        item_seed = int(seed) if spec.seeded else 0
        items.extend(WorkItem(space, arch, spec.name, settings, item_seed) for arch in archs)
    return items


def _accepted_settings(fn: Callable[..., Any]) -> set[str] | None:
    """Keyword names ``fn`` accepts, or None when it takes ``**kwargs``."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return None
    return {p.name for p in params}


def score(
    space: Any,
    architecture: Any,
    proxy: str | ProxySpec,
    settings: Mapping[str, Any] | None = None,
    seed: int = 0,
) -> Any:
    """The raw value of ``proxy`` on ``architecture`` (a float, or a payload dict such as VKDNW's).

    Parameters
    ----------
    space : "nb201" or search-space adapter
        ``"nb201"`` (``architecture`` an arch string or :class:`~canopy.spaces.nb201.NB201Cell`), or an
        adapter of :mod:`canopy.search.spaces` with ``build_model(arch, num_classes)`` for model proxies.
    architecture : str or cell or genotype
    proxy : str or ProxySpec
    settings : mapping, optional
        Keyed settings as :func:`item_settings` makes them (``num_classes`` and ``input_shape`` included for
        dataset-dependent proxies). A setting the proxy does not accept reaches it and fails there, except the
        two that the evaluation adds.
    seed : int, default 0
        Network initialisation and synthetic inputs.

    Raises
    ------
    CanopyError
        An unsupported space; whatever the proxy raises.
    """
    spec = proxy if isinstance(proxy, ProxySpec) else get_proxy(proxy)
    raw = dict(settings or {})
    if isinstance(space, str):
        if space != "nb201":
            raise CanopyError(f"unsupported search space {space!r} (supported: nb201)")
        from canopy.spaces.nb201 import NB201Cell

        if not isinstance(architecture, (str, NB201Cell)):
            raise CanopyError(f"an NB201 architecture is an arch string or an NB201Cell, got {type(architecture).__name__}")
        arch = NB201Cell.from_string(architecture) if isinstance(architecture, str) else architecture
        form = spec.cell_form_for(raw)
        if form is not None:  # the closed forms need num_classes / input_shape: the settings go unfiltered
            return form(arch, **raw)
    else:
        arch = architecture
    accepted = _accepted_settings(spec.fn)
    if accepted is not None:  # drop only what the evaluation added; a user's typo must reach the proxy and fail
        raw = {k: v for k, v in raw.items() if k in accepted or k not in _ADDED_SETTINGS}
    if spec.kind == "cell":
        return spec.fn(arch, **raw)
    import torch

    classes = int(raw.pop("num_classes", DATASETS["cifar10"][0]))
    with torch.random.fork_rng(devices=[]):  # seeded init without touching the caller's global RNG
        torch.manual_seed(seed)
        if isinstance(space, str):
            from canopy.spaces.nb201_torch import build_nb201_network

            model = build_nb201_network(arch, num_classes=classes)
        else:
            model = space.build_model(arch, num_classes=classes)
    if "input_shape" in raw:
        raw["input_shape"] = tuple(raw["input_shape"])
    return spec.fn(model, None, seed=seed, **raw)


def to_storable(value: Any) -> Any:
    """Proxy outputs as JSON-able values (numpy/torch scalars -> float; objects with ``score`` -> payload).

    Examples
    --------
    >>> import numpy as np
    >>> to_storable({"score": np.float32(1.5), "deciles": (1, 2)})
    {'score': 1.5, 'deciles': [1, 2]}
    """
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if isinstance(value, Mapping):
        return {str(k): to_storable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_storable(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        with contextlib.suppress(Exception):
            return to_storable(value.item())
    if hasattr(value, "_asdict"):
        return to_storable(value._asdict())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_storable(dataclasses.asdict(value))
    with contextlib.suppress(TypeError, ValueError):
        return float(value)
    raise CanopyError(f"proxy returned a value that cannot be stored: {type(value).__name__}")


def as_float(value: Any) -> float:
    """A stored value as a float: numbers as they are, payloads by ``"score"``, anything else NaN.

    Examples
    --------
    >>> as_float({"score": 2}), as_float(None), as_float(True)
    (2.0, nan, nan)
    """
    if isinstance(value, Mapping):
        value = value.get("score", float("nan"))
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return float("nan")
    return float(value)


def score_item(item: WorkItem, spec: ProxySpec | None = None) -> Any:
    """:func:`score` of a work item, as a storable value (raises what the proxy raises)."""
    return to_storable(score(item.space, item.arch, spec or item.proxy, json.loads(item.settings), item.seed))


def compute_item(item: WorkItem, spec: ProxySpec | None = None) -> tuple[WorkItem, Any, float, str | None]:
    """Compute one item; return ``(item, value, seconds, error)`` (``error`` is a one-line message or None).

    Never raises for a failure of the proxy itself, so one bad architecture does not stop a long run.
    ``spec`` (the item's resolved proxy) lets a worker process compute a proxy registered in its parent.

    Examples
    --------
    >>> from canopy.proxies.registry import register_proxy
    >>> _ = register_proxy("demo_one", lambda cell: 1.0, kind="cell", replace=True)
    >>> item = make_items("nb201", ["|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"], ["demo_one"])[0]
    >>> out = compute_item(item)
    >>> out[1], out[3]
    (1.0, None)
    """
    start = time.perf_counter()
    try:
        value = score_item(item, spec)
    except Exception as exc:  # reported per item, the run goes on
        message = str(exc).splitlines()[0] if str(exc) else ""
        return item, None, time.perf_counter() - start, f"{type(exc).__name__}: {message}"
    return item, value, time.perf_counter() - start, None
