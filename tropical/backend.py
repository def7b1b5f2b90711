"""The one seam between the exact core and an optional C-level exact arithmetic library.

The exact core works on Python integers and :class:`~fractions.Fraction` (the *reference* backend,
``"python"``). A few kernels -- integer matrix products and exact rational linear solves -- can instead run
in `python-flint <https://python-flint.readthedocs.io>`_ (``fmpz_mat``, ``fmpq_mat``; backend ``"flint"``),
which computes the *same exact numbers* at C speed. Every kernel returns plain Python ``int`` /
``Fraction`` values whatever the backend, so no result can depend on the choice, and the test suite runs
every kernel user over every available backend.

Choosing the backend
--------------------
* ``set_backend("python" | "flint" | "auto")`` (``"auto"``: flint when importable, else python);
* the environment variable ``TROPICAL_BACKEND`` (same values), read on first use;
* ``with use_backend("python"): ...`` for a temporary choice (tests, benchmarks).

Independently, float *guidance* (:mod:`tropical.guided`: floats propose certificates that are then checked
exactly) is on by default; ``set_guided(False)``, ``use_guided(False)`` or ``TROPICAL_GUIDED=0`` switch it
off. ``use_backend("python")`` with ``use_guided(False)`` is the pure exact reference path.

Independently again, the exact region count (:func:`tropical.regions.count_regions`) runs in a *compiled*
kernel, ``tropical._cregions`` (C with GMP integers, built by ``pip install`` when a C compiler and GMP's
headers are present, skipped otherwise), which runs the Python enumerator's algorithm on the same integers
and gives the same counts. ``set_compiled(False)``, ``use_compiled(False)`` or ``TROPICAL_COMPILED=0`` use the
Python enumerator; ``compiled_available()`` says whether the kernel is built. The pure reference path is
``use_backend("python")``, ``use_guided(False)`` and ``use_compiled(False)`` together.

Without python-flint installed everything works on the reference backend (``"auto"`` resolves to
``"python"``; asking for ``"flint"`` explicitly raises :class:`BackendError`). python-flint is imported only
when the flint backend is selected, so ``import tropical`` stays light.

Examples
--------
>>> with use_backend("python"):
...     int_matmul([[1, 2], [3, 4]], [[5], [6]])
[(17,), (39,)]
>>> solve_rational([[2, 0], [0, 4]], [1, 1])
[Fraction(1, 2), Fraction(1, 4)]
>>> get_backend() in available_backends()
True
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from fractions import Fraction
from operator import mul
from typing import Any

from tropical.errors import TropicalError

__all__ = [
    "BackendError",
    "available_backends",
    "get_backend",
    "set_backend",
    "use_backend",
    "guided",
    "set_guided",
    "use_guided",
    "compiled_available",
    "compiled",
    "set_compiled",
    "use_compiled",
    "int_matmul",
    "solve_rational",
    "int_det",
    "int_solve",
    "IntMatrix",
]

NAMES = ("python", "flint", "auto")


class BackendError(TropicalError, ValueError):
    """An unknown backend name, or a backend whose library is not installed."""


_state: dict[str, Any] = {"name": None, "flint": None, "guided": None, "compiled": None, "cmod": None}


def _flint() -> Any:
    """The python-flint module, or None when it is not importable (cached)."""
    if _state["flint"] is None:
        try:
            import flint
        except ImportError:
            _state["flint"] = False
        else:
            _state["flint"] = flint
    return _state["flint"] or None


def available_backends() -> tuple[str, ...]:
    """The backends usable in this environment (``"python"`` always, ``"flint"`` when installed).

    Examples
    --------
    >>> "python" in available_backends()
    True
    """
    return ("python", "flint") if _flint() is not None else ("python",)


def _resolve(name: object) -> str:
    if not isinstance(name, str) or name.strip().lower() not in NAMES:
        raise BackendError(f"unknown exact backend {name!r}; choose one of {', '.join(NAMES)}")
    name = name.strip().lower()
    if name == "auto":
        return "flint" if _flint() is not None else "python"
    if name == "flint" and _flint() is None:
        raise BackendError("the 'flint' backend needs python-flint (pip install 'canopy-nas[flint]')")
    return name


def set_backend(name: str) -> str:
    """Select the exact backend; returns the resolved name (``"auto"`` becomes ``"flint"`` or ``"python"``).

    Raises
    ------
    BackendError
        Unknown name, or ``"flint"`` without python-flint installed.

    Examples
    --------
    >>> old = get_backend()
    >>> set_backend("python")
    'python'
    >>> set_backend("fortran")
    Traceback (most recent call last):
    ...
    tropical.backend.BackendError: unknown exact backend 'fortran'; choose one of python, flint, auto
    >>> _ = set_backend(old)
    """
    resolved = _resolve(name)
    _state["name"] = resolved
    return resolved


def get_backend() -> str:
    """The active backend (first use: ``TROPICAL_BACKEND`` from the environment, default ``"auto"``).

    Examples
    --------
    >>> get_backend() in ("python", "flint")
    True
    """
    if _state["name"] is None:
        env = os.environ.get("TROPICAL_BACKEND", "auto")
        try:
            _state["name"] = _resolve(env)
        except BackendError as exc:
            raise BackendError(f"TROPICAL_BACKEND={env!r}: {exc}") from None
    return _state["name"]


@contextmanager
def use_backend(name: str) -> Iterator[str]:
    """Context manager: run a block under another backend, restoring the previous one afterwards.

    Examples
    --------
    >>> with use_backend("python") as b:
    ...     b
    'python'
    """
    old = _state["name"]
    try:
        yield set_backend(name)
    finally:
        _state["name"] = old


def guided() -> bool:
    """Whether float-guided, exactly certified shortcuts are on (default; ``TROPICAL_GUIDED=0`` turns off).

    Examples
    --------
    >>> with use_guided(False):
    ...     guided()
    False
    """
    if _state["guided"] is None:
        env = os.environ.get("TROPICAL_GUIDED", "1").strip().lower()
        if env not in ("0", "1", "true", "false", "on", "off", "yes", "no"):
            raise BackendError(f"TROPICAL_GUIDED={env!r}: use 1 (on) or 0 (off)")
        _state["guided"] = env in ("1", "true", "on", "yes")
    return bool(_state["guided"])


def set_guided(on: bool) -> bool:
    """Switch the float-guided certified shortcuts on or off; returns the new setting.

    Examples
    --------
    >>> old = guided()
    >>> set_guided(False)
    False
    >>> _ = set_guided(old)
    """
    if not isinstance(on, bool):
        raise BackendError(f"set_guided takes True or False, got {on!r}")
    _state["guided"] = on
    return on


@contextmanager
def use_guided(on: bool) -> Iterator[bool]:
    """Context manager: run a block with float guidance on or off, restoring the previous setting.

    Examples
    --------
    >>> with use_guided(True) as g:
    ...     g
    True
    """
    old = _state["guided"]
    try:
        yield set_guided(on)
    finally:
        _state["guided"] = old


def compiled_module() -> Any:
    """The compiled region-count kernel when it is built and switched on, else None (internal seam)."""
    if not compiled():
        return None
    return _state["cmod"] or None


def compiled_available() -> bool:
    """Whether the compiled kernel ``tropical._cregions`` is built in this installation.

    Examples
    --------
    >>> compiled_available() in (True, False)
    True
    """
    if _state["cmod"] is None:
        try:
            from tropical import _cregions  # type: ignore[attr-defined]
        except ImportError:
            _state["cmod"] = False
        else:
            _state["cmod"] = _cregions
    return bool(_state["cmod"])


def compiled() -> bool:
    """Whether exact region counts run in the compiled kernel (first use: ``TROPICAL_COMPILED``, default
    ``auto``: on when built).

    Raises
    ------
    BackendError
        ``TROPICAL_COMPILED=1`` although the kernel is not built, or an unknown value.

    Examples
    --------
    >>> with use_compiled(False):
    ...     compiled()
    False
    """
    if _state["compiled"] is None:
        env = os.environ.get("TROPICAL_COMPILED", "auto").strip().lower()
        if env not in ("auto", "0", "1", "true", "false", "on", "off", "yes", "no"):
            raise BackendError(f"TROPICAL_COMPILED={env!r}: use auto, 1 (on) or 0 (off)")
        if env == "auto":
            _state["compiled"] = compiled_available()
        else:
            try:
                set_compiled(env in ("1", "true", "on", "yes"))
            except BackendError as exc:
                raise BackendError(f"TROPICAL_COMPILED={env!r}: {exc}") from None
    return bool(_state["compiled"])


def set_compiled(on: bool) -> bool:
    """Use the compiled region-count kernel (True) or the Python enumerator (False); returns the setting.

    Raises
    ------
    BackendError
        ``True`` although the kernel is not built (it needs a C compiler and GMP when installing).

    Examples
    --------
    >>> old = compiled()
    >>> set_compiled(False)
    False
    >>> _ = set_compiled(old)
    """
    if not isinstance(on, bool):
        raise BackendError(f"set_compiled takes True or False, got {on!r}")
    if on and not compiled_available():
        raise BackendError("the compiled kernel tropical._cregions is not built; reinstall with a C compiler and "
                           "GMP's headers (Debian: apt-get install gcc libgmp-dev; then pip install -e .)")
    _state["compiled"] = on
    return on


@contextmanager
def use_compiled(on: bool) -> Iterator[bool]:
    """Context manager: run a block with the compiled kernel on or off, restoring the previous setting.

    Examples
    --------
    >>> with use_compiled(False) as c:
    ...     c
    False
    """
    old = _state["compiled"]
    try:
        yield set_compiled(on)
    finally:
        _state["compiled"] = old


# ------------------------------------------------------------------------------------------------ kernels
def int_matmul(A: Sequence[Sequence[int]], B: Sequence[Sequence[int]]) -> list[tuple[int, ...]]:
    """The exact product ``A B`` of integer matrices (lists of rows), as a list of ``int`` tuples.

    Parameters
    ----------
    A : sequence of rows of int, shape ``(m, k)``
    B : sequence of rows of int, shape ``(k, p)``

    Returns
    -------
    list of tuple of int
        ``m`` rows of length ``p`` (plain Python ints on every backend).

    Examples
    --------
    >>> int_matmul([[1, -1, 2]], [[1, 0], [0, 1], [10**30, 1]])
    [(2000000000000000000000000000001, 1)]
    >>> int_matmul([], [[1]])
    []
    """
    m = len(A)
    k = len(B)
    p = len(B[0]) if k else 0
    if m == 0:
        return []
    if k == 0 or p == 0:
        return [(0,) * p for _ in range(m)]
    # measured: below ~50k products the conversions to and from fmpz_mat cost more than Python ints
    if get_backend() == "flint" and m * k * p >= 50_000:
        fl = _flint()
        C = fl.fmpz_mat([list(r) for r in A]) * fl.fmpz_mat([list(r) for r in B])
        flat = [int(v) for v in C.entries()]
        return [tuple(flat[i * p:(i + 1) * p]) for i in range(m)]
    cols = list(zip(*B))
    return [tuple([sum(map(mul, row, col)) for col in cols]) for row in A]


def solve_rational(A: Sequence[Sequence[int | Fraction]], b: Sequence[int | Fraction]) -> list[Fraction] | None:
    """The unique solution ``x`` of the square system ``A x = b`` (exact), or None when ``A`` is singular.

    Examples
    --------
    >>> solve_rational([[1, 1], [1, -1]], [3, 1])
    [Fraction(2, 1), Fraction(1, 1)]
    >>> solve_rational([[1, 2], [2, 4]], [1, 1]) is None
    True
    """
    n = len(A)
    if n == 0:
        return []
    if get_backend() == "flint":
        fl = _flint()
        M = fl.fmpq_mat(n, n, [fl.fmpq(v.numerator, v.denominator) if isinstance(v, Fraction) else v
                               for row in A for v in row])
        if M.rank() < n:
            return None
        rhs = fl.fmpq_mat(n, 1, [fl.fmpq(v.numerator, v.denominator) if isinstance(v, Fraction) else v
                                 for v in b])
        x = M.solve(rhs)
        return [Fraction(int(v.p), int(v.q)) for v in x.entries()]
    M = [[Fraction(v) for v in row] + [Fraction(bi)] for row, bi in zip(A, b)]
    for col in range(n):
        piv = next((r for r in range(col, n) if M[r][col]), None)
        if piv is None:
            return None
        M[col], M[piv] = M[piv], M[col]
        prow = M[col]
        pv = prow[col]
        if pv != 1:
            prow = [v / pv for v in prow]
            M[col] = prow
        for r in range(n):
            if r != col:
                f = M[r][col]
                if f:
                    M[r] = [a - f * c for a, c in zip(M[r], prow)]
    return [M[i][n] for i in range(n)]


def int_det(A: Sequence[Sequence[int]]) -> int:
    """The determinant of a square integer matrix (Bareiss fraction-free elimination; exact).

    Examples
    --------
    >>> int_det([[2, 1], [1, 3]]), int_det([[1, 2], [2, 4]]), int_det([])
    (5, 0, 1)
    """
    n = len(A)
    if n == 0:
        return 1
    if get_backend() == "flint" and n > 6:  # below that the conversion costs more than Bareiss in Python
        return int(_flint().fmpz_mat([list(r) for r in A]).det())
    M = [list(r) for r in A]
    sign = 1
    prev = 1
    for k in range(n - 1):
        if not M[k][k]:
            r = next((i for i in range(k + 1, n) if M[i][k]), None)
            if r is None:
                return 0
            M[k], M[r] = M[r], M[k]
            sign = -sign
        pk = M[k][k]
        rowk = M[k]
        for i in range(k + 1, n):
            rowi = M[i]
            f = rowi[k]
            for j in range(k + 1, n):
                rowi[j] = (pk * rowi[j] - f * rowk[j]) // prev
        prev = pk
    return sign * M[n - 1][n - 1]


def int_solve(A: Sequence[Sequence[int]], b: Sequence[int]) -> tuple[list[int], int] | None:
    """Cramer's rule for a square integer system: ``(nums, D)`` with ``x = nums / D`` and ``D > 0``, or None
    when ``A`` is singular. Meant for the small systems of certificates (``n <= 5``; cost ``O(n^4)``).

    Examples
    --------
    >>> int_solve([[2, 1], [1, 3]], [1, 2])
    ([1, 3], 5)
    >>> int_solve([[1, 2], [2, 4]], [1, 1]) is None
    True
    """
    n = len(A)
    D = int_det(A)
    if D == 0:
        return None
    nums = []
    for j in range(n):
        nums.append(int_det([list(r[:j]) + [bi] + list(r[j + 1:]) for r, bi in zip(A, b)]))
    if D < 0:
        return [-v for v in nums], -D
    return nums, D


class IntMatrix:
    """An integer matrix prepared once for many exact matrix-vector products (rows of ``int``).

    On the flint backend (and from 16 rows) the matrix is converted to ``fmpz_mat`` once; every product
    returns plain Python ints on every backend.

    Examples
    --------
    >>> M = IntMatrix([(1, 2), (3, -4)])
    >>> M.matvec((10, 1))
    [12, 26]
    """

    __slots__ = ("rows", "_fl")

    def __init__(self, rows: Sequence[Sequence[int]]) -> None:
        self.rows = [tuple(r) for r in rows]
        self._fl = None
        if self.rows and len(self.rows) >= 16 and get_backend() == "flint":
            self._fl = _flint().fmpz_mat([list(r) for r in self.rows])

    def matvec(self, v: Sequence[int]) -> list[int]:
        """The exact products ``<row, v>`` for every row."""
        if self._fl is not None:
            fl = _flint()
            return [int(x) for x in (self._fl * fl.fmpz_mat(len(v), 1, list(v))).entries()]
        return [sum(map(mul, r, v)) for r in self.rows]
