"""Zero-cost proxies: pure functions ``(model, inputs=None, *, seed=0, **settings)``, one per module.

The registry (names, aliases, closed-form fast paths, third-party entry points) is
:mod:`canopy.proxies.registry`; its public names are re-exported here.

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

from canopy.proxies.registry import (
    ALIASES,
    ENTRY_POINT_GROUP,
    PROXIES,
    ProxySpec,
    available_proxies,
    get_proxy,
    proxy_names,
    register_proxy,
)

__all__ = ["ProxySpec", "PROXIES", "ALIASES", "ENTRY_POINT_GROUP", "get_proxy", "proxy_names", "available_proxies",
           "register_proxy"]
