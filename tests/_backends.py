"""The exact backends available here, for tests that must pass on every interchangeable backend."""

from __future__ import annotations

from contextlib import ExitStack

import pytest

from tropical.backend import available_backends, compiled_available, use_backend, use_compiled

# "python" and "flint": the arithmetic backends, with the Python region enumerator; "compiled": the default
# arithmetic backend with the compiled region-count kernel (tropical._cregions), when it is built.
BACKENDS = available_backends() + (("compiled",) if compiled_available() else ())


@pytest.fixture(params=BACKENDS)
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
