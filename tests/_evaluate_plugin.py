"""Test proxies for tests/test_evaluate.py: importing this module registers them (also as an entry point).

``count_calls`` is a cheap cell proxy that appends ``<arch>`` to ``$CANOPY_TEST_PROXY_LOG`` on every call (so a
test can check that nothing is computed twice, and by which process) and sleeps ``$CANOPY_TEST_PROXY_SLEEP`` seconds first.
``model_params`` is a cheap model proxy (number of parameters of the built network), exercising the
network-building path. ``always_fails`` raises.
"""

from __future__ import annotations

import os
import time

from canopy.proxies.registry import register_proxy

_OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")


def count_calls(cell, *, weight: float = 1.0) -> float:
    delay = float(os.environ.get("CANOPY_TEST_PROXY_SLEEP", "0") or 0)
    if delay:
        time.sleep(delay)
    log = os.environ.get("CANOPY_TEST_PROXY_LOG")
    if log:
        with open(log, "a") as fh:
            fh.write(f"{cell.to_string()} {os.getpid()}\n")
            fh.flush()
            os.fsync(fh.fileno())
    # distinct values for distinct cells: convs dominate, then a mixed-radix op code breaks ties
    code = sum(_OPS.index(op) * 5**i for i, op in enumerate(cell.ops))
    return weight * (cell.num_convs + code / 5**6)


def model_params(model, inputs=None, *, seed: int = 0, **settings) -> float:
    return float(sum(p.numel() for p in model.parameters()))


def payload(cell) -> dict:
    """A VKDNW-like payload: a score and the cell's aleph."""
    return {"score": count_calls(cell) % 1.0, "aleph": cell.aleph, "deciles": [0.1] * 9}


def always_fails(cell) -> float:
    raise RuntimeError("this proxy always fails")


register_proxy("count_calls", count_calls, kind="cell", replace=True)
register_proxy("model_params", model_params, kind="model", replace=True)
register_proxy("payload", payload, kind="cell", replace=True)
register_proxy("always_fails", always_fails, kind="cell", replace=True)
