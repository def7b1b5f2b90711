"""The exact backends available here, for tests that must pass on every interchangeable backend."""

from __future__ import annotations

import pytest

from tropical.backend import available_backends, use_backend

BACKENDS = available_backends()


@pytest.fixture(params=BACKENDS)
def each_backend(request):
    """Run the test once per available exact backend (``python`` always, ``flint`` when installed)."""
    with use_backend(request.param):
        yield request.param
