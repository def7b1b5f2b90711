"""Exact rational linear programming: a two-phase dense-tableau simplex with Bland's rule.

Every number is a :class:`fractions.Fraction`; no tolerance is involved anywhere, so ``status`` and the
optimum are exact. Bland's rule (smallest eligible index enters and leaves) guarantees termination on
degenerate problems. Intended for the small LPs of exact polyhedral geometry (tens of variables, a few
hundred constraints), not for large-scale optimisation.

Examples
--------
>>> r = solve_lp([1, 1], [[1, 2], [3, 1]], [4, 6])
>>> r.status, r.value, r.x
('optimal', Fraction(14, 5), (Fraction(8, 5), Fraction(6, 5)))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from tropical._exact import as_fraction
from tropical.errors import DimensionMismatchError, InexactInputError

__all__ = ["LPResult", "solve_lp"]

_ZERO = Fraction(0)


@dataclass(frozen=True)
class LPResult:
    """Outcome of :func:`solve_lp`.

    Attributes
    ----------
    status : str
        ``"optimal"``, ``"infeasible"`` or ``"unbounded"``.
    x : tuple of Fraction or None
        An optimal point (``None`` unless optimal).
    value : Fraction or None
        The optimal objective value (``None`` unless optimal).
    pivots : int
        Simplex pivots used (both phases).

    Examples
    --------
    >>> r = solve_lp([1], [[2]], [1])
    >>> r.optimal, r.x, r.value
    (True, (Fraction(1, 2),), Fraction(1, 2))
    """

    status: str
    x: tuple[Fraction, ...] | None
    value: Fraction | None
    pivots: int = 0

    @property
    def optimal(self) -> bool:
        """True iff ``status == "optimal"``."""
        return self.status == "optimal"


def _matrix(rows: object, ncols: int, name: str) -> list[list[Fraction]]:
    out: list[list[Fraction]] = []
    try:
        it = list(rows)  # type: ignore[call-overload]
    except TypeError as exc:
        raise InexactInputError(f"{name} must be a sequence of rows, got {type(rows).__name__}") from exc
    for i, row in enumerate(it):
        try:
            r = list(row)
        except TypeError as exc:
            raise InexactInputError(f"{name}[{i}] must be a sequence, got {type(row).__name__}") from exc
        if len(r) != ncols:
            raise DimensionMismatchError(
                f"{name} row {i} has {len(r)} entries but c has {ncols} (shape mismatch)"
            )
        out.append([as_fraction(v, f"{name}[{i}][{j}]") for j, v in enumerate(r)])
    return out


def _vector(v: object, n: int, name: str, rows_name: str) -> list[Fraction]:
    try:
        vals = list(v)  # type: ignore[call-overload]
    except TypeError as exc:
        raise InexactInputError(f"{name} must be a sequence, got {type(v).__name__}") from exc
    if len(vals) != n:
        raise DimensionMismatchError(f"{name} has {len(vals)} entries but {rows_name} has {n} rows")
    return [as_fraction(x, f"{name}[{i}]") for i, x in enumerate(vals)]


class _Tableau:
    """Canonical-form tableau: ``rows[i]`` expresses basic variable ``basis[i]``; last column is the RHS."""

    def __init__(self, rows: list[list[Fraction]], basis: list[int], ncols: int) -> None:
        self.rows = rows
        self.basis = basis
        self.ncols = ncols
        self.pivots = 0

    def pivot(self, r: int, j: int, obj: list[Fraction]) -> None:
        rows = self.rows
        prow = rows[r]
        p = prow[j]
        if p != 1:
            prow = [v / p if v else v for v in prow]
            rows[r] = prow
        nz = [k for k, v in enumerate(prow) if v]
        for i, row in enumerate(rows):
            if i != r:
                f = row[j]
                if f:
                    for k in nz:
                        row[k] -= f * prow[k]
        f = obj[j]
        if f:
            for k in nz:
                obj[k] -= f * prow[k]
        self.basis[r] = j
        self.pivots += 1

    def reduced_costs(self, cost: list[Fraction]) -> list[Fraction]:
        """Row ``cost_j - c_B B^-1 A_j`` (for maximisation), RHS entry = -(objective value)."""
        obj = list(cost) + [_ZERO]
        for i, row in enumerate(self.rows):
            cb = cost[self.basis[i]]
            if cb:
                for k, v in enumerate(row):
                    if v:
                        obj[k] -= cb * v
        return obj

    def maximize(self, cost: list[Fraction], allowed: int) -> str:
        """Run the simplex (Bland's rule) on columns ``< allowed``; return "optimal" or "unbounded"."""
        obj = self.reduced_costs(cost)
        rows = self.rows
        while True:
            enter = -1
            for j in range(allowed):
                if obj[j] > 0:
                    enter = j
                    break
            if enter < 0:
                return "optimal"
            best_r = -1
            best_ratio = _ZERO
            for i, row in enumerate(rows):
                a = row[enter]
                if a > 0:
                    ratio = row[-1] / a
                    if (
                        best_r < 0
                        or ratio < best_ratio
                        or (ratio == best_ratio and self.basis[i] < self.basis[best_r])
                    ):
                        best_r, best_ratio = i, ratio
            if best_r < 0:
                return "unbounded"
            self.pivot(best_r, enter, obj)


def solve_lp(
    c: Sequence[object],
    A_ub: Sequence[Sequence[object]] = (),
    b_ub: Sequence[object] = (),
    A_eq: Sequence[Sequence[object]] = (),
    b_eq: Sequence[object] = (),
    *,
    maximize: bool = True,
    nonnegative: bool = False,
) -> LPResult:
    """Solve ``max (or min) c·x  s.t.  A_ub x <= b_ub,  A_eq x = b_eq`` exactly.

    Variables are free (unbounded in sign) unless ``nonnegative=True``.

    Parameters
    ----------
    c : sequence of int or Fraction
        Objective coefficients (length ``n``; ``n = 0`` is allowed).
    A_ub, b_ub : matrix (rows of length n) and vector
        Inequality constraints ``A_ub x <= b_ub``.
    A_eq, b_eq : matrix and vector, optional
        Equality constraints.
    maximize : bool, default True
        Maximise (default) or minimise.
    nonnegative : bool, default False
        Add ``x >= 0`` for every variable (cheaper than writing the rows).

    Returns
    -------
    LPResult
        ``status`` in ``{"optimal", "infeasible", "unbounded"}``; ``x`` and ``value`` when optimal.

    Raises
    ------
    InexactInputError
        A float (or other inexact number) in the data.
    DimensionMismatchError
        Rows of the wrong length, or ``b`` of the wrong length.

    Examples
    --------
    >>> solve_lp([1], [[1]], [3]).value
    Fraction(3, 1)
    >>> solve_lp([1], [[-1]], [3]).status
    'unbounded'
    >>> solve_lp([0], [[1], [-1]], [0, -1]).status
    'infeasible'
    >>> solve_lp([1, 0], [], [], [[1, 1]], [2], maximize=False, nonnegative=True).x
    (Fraction(0, 1), Fraction(2, 1))
    """
    cv = [as_fraction(v, f"c[{i}]") for i, v in enumerate(c)]
    n = len(cv)
    Aub = _matrix(A_ub, n, "A_ub")
    bub = _vector(b_ub, len(Aub), "b_ub", "A_ub")
    Aeq = _matrix(A_eq, n, "A_eq")
    beq = _vector(b_eq, len(Aeq), "b_eq", "A_eq")
    if not maximize:
        cv = [-v for v in cv]
    return _solve(cv, Aub, bub, Aeq, beq, nonnegative, maximize)


def _solve(
    cv: list[Fraction],
    Aub: list[list[Fraction]],
    bub: list[Fraction],
    Aeq: list[list[Fraction]],
    beq: list[Fraction],
    nonnegative: bool,
    maximize: bool,
) -> LPResult:
    n = len(cv)
    nvar = n if nonnegative else 2 * n  # x = x+ - x- for free variables
    m_ub, m_eq = len(Aub), len(Aeq)
    m = m_ub + m_eq
    # columns: [structural (nvar)] [slacks (m_ub)] [artificials] | rhs
    n_struct = nvar + m_ub
    rows: list[list[Fraction]] = []
    basis: list[int] = []
    needs_art: list[int] = []
    for i in range(m):
        a, b = (Aub[i], bub[i]) if i < m_ub else (Aeq[i - m_ub], beq[i - m_ub])
        row = [_ZERO] * n_struct
        if nonnegative:
            row[:n] = a
        else:
            for k, v in enumerate(a):
                if v:
                    row[2 * k] = v
                    row[2 * k + 1] = -v
        if i < m_ub:
            row[nvar + i] = Fraction(1)
        sign = -1 if b < 0 else 1
        if sign < 0:
            row = [-v for v in row]
            b = -b
        row.append(b)
        rows.append(row)
        if i < m_ub and sign > 0:
            basis.append(nvar + i)
        else:
            basis.append(-1)
            needs_art.append(i)
    n_art = len(needs_art)
    ncols = n_struct + n_art
    for row in rows:
        rhs = row.pop()
        row.extend([_ZERO] * n_art)
        row.append(rhs)
    for k, i in enumerate(needs_art):
        rows[i][n_struct + k] = Fraction(1)
        basis[i] = n_struct + k
    tab = _Tableau(rows, basis, ncols)
    if n_art:
        cost1 = [_ZERO] * n_struct + [Fraction(-1)] * n_art
        tab.maximize(cost1, ncols)
        infeas = sum((tab.rows[i][-1] for i in range(len(tab.rows)) if tab.basis[i] >= n_struct), _ZERO)
        if infeas > 0:
            return LPResult("infeasible", None, None, tab.pivots)
        # drive remaining (zero-valued) artificials out of the basis; drop redundant rows
        i = 0
        while i < len(tab.rows):
            if tab.basis[i] >= n_struct:
                row = tab.rows[i]
                j = next((k for k in range(n_struct) if row[k]), -1)
                if j < 0:
                    del tab.rows[i]
                    del tab.basis[i]
                    continue
                dummy = [_ZERO] * (ncols + 1)
                tab.pivot(i, j, dummy)
            i += 1
    cost2 = (list(cv) if nonnegative else [v for x in cv for v in (x, -x)]) + [_ZERO] * (ncols - nvar)
    status = tab.maximize(cost2, n_struct)
    if status == "unbounded":
        return LPResult("unbounded", None, None, tab.pivots)
    z = [_ZERO] * ncols
    for i, j in enumerate(tab.basis):
        z[j] = tab.rows[i][-1]
    x = tuple(z[:n]) if nonnegative else tuple(z[2 * k] - z[2 * k + 1] for k in range(n))
    value = sum((a * b for a, b in zip(cv, x)), _ZERO)
    if not maximize:
        value = -value
    return LPResult("optimal", x, value, tab.pivots)
