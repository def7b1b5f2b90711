"""The exact backends available here, for tests that must pass on every interchangeable backend."""

from __future__ import annotations

from contextlib import ExitStack

import pytest

from tropical.backend import available_backends, compiled_available, use_backend, use_compiled

# The arithmetic backends ("python" always, "flint" when installed).
BACKENDS = available_backends()
# What each_backend runs: every arithmetic backend with the Python region enumerator, and "compiled" (the
# default arithmetic backend with the compiled region-count kernel tropical._cregions) when it is built.
VARIANTS = BACKENDS + (("compiled",) if compiled_available() else ())


@pytest.fixture(params=VARIANTS)
def each_backend(request):
    """Run the test once per available exact backend (``python`` always, ``flint`` and ``compiled`` when
    installed)."""
    with ExitStack() as stack:
        if request.param == "compiled":
            stack.enter_context(use_compiled(True))
        else:
            stack.enter_context(use_backend(request.param))
            if compiled_available():
                stack.enter_context(use_compiled(False))
        yield request.param
