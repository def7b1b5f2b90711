"""A fixture that runs a test module on one torch thread and restores the count afterwards.

Setting ``torch.set_num_threads(1)`` at import time leaks into every other test module (all modules are
imported at collection), and float32 reductions in autograd give other last bits on another thread count.
Use ``pytestmark = pytest.mark.usefixtures("one_torch_thread")`` after importing the fixture.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def one_torch_thread():
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
