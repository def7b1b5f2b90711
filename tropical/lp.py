"""Exact rational linear programming: the package's one simplex (two-phase, fraction-free, Bland's rule).

Rows are scaled to integers and pivoted fraction-free (:class:`ExactSimplex`, also used by the redundancy
LPs of :mod:`tropical.newton`); no tolerance is involved anywhere, so ``status`` and the optimum are exact. Bland's rule (smallest eligible index enters and leaves) guarantees termination on
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
from math import gcd, lcm

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


class ExactSimplex:
    """The package's one exact simplex: a fraction-free integer tableau with Bland's rule (internal).

    ``rows[i]`` is a positive integer multiple of the canonical row of basic variable ``basis[i]`` (last
    entry: the right-hand side, ``>= 0``), so the value of that variable is ``rows[i][-1] / rows[i][basis[i]]``
    and no :class:`~fractions.Fraction` is ever formed inside a pivot; rows are divided by their gcd after each
    update to keep the integers short. The objective row ``obj`` with positive scale ``obj_s`` stands for
    ``obj_s * z + sum_j obj[j] x_j = obj[-1]`` (we maximise ``z``; ``obj[-1] / obj_s`` is its current value).
    Used by :func:`solve_lp` and by the redundancy LPs of :mod:`tropical.newton`.

    Examples
    --------
    >>> t = ExactSimplex([[1, 1, 1, 0, 4], [3, 1, 0, 1, 6]], [2, 3])   # x + y + s1 = 4, 3x + y + s2 = 6
    >>> t.set_objective([1, 1, 0, 0])                                   # max x + y
    >>> t.run(4), t.value()
    ('optimal', Fraction(4, 1))
    """

    __slots__ = ("rows", "basis", "obj", "obj_s", "pivots")

    def __init__(self, rows: list[list[int]], basis: list[int]) -> None:
        self.rows = rows
        self.basis = basis
        self.obj: list[int] = [0] * (len(rows[0]) if rows else 1)
        self.obj_s = 1
        self.pivots = 0

    def set_objective(self, cost: Sequence[int], scale: int = 1) -> None:
        """Maximise ``(cost . x) / scale`` (integer ``cost`` over the columns, ``scale > 0``)."""
        obj = [-c for c in cost] + [0]
        obj_s = scale
        for i, b in enumerate(self.basis):
            f = obj[b]
            if f:
                row = self.rows[i]
                pv = row[b]
                new = [v * pv - f * w for v, w in zip(obj, row)]
                s_new = obj_s * pv
                g = gcd(s_new, *new)
                obj, obj_s = [v // g for v in new], s_new // g
        self.obj, self.obj_s = obj, obj_s

    def value(self) -> Fraction:
        """The current objective value (exact)."""
        return Fraction(self.obj[-1], self.obj_s)

    def primal(self, ncols: int) -> list[Fraction]:
        """Values of the first ``ncols`` variables at the current basis."""
        z = [_ZERO] * ncols
        for row, b in zip(self.rows, self.basis):
            if b < ncols:
                z[b] = Fraction(row[-1], row[b])
        return z

    def pivot(self, r: int, j: int) -> None:
        """Make column ``j`` basic in row ``r`` (fraction-free elimination, gcd-reduced rows)."""
        tab = self.rows
        prow = tab[r]
        pv = prow[j]
        if pv < 0:
            prow = [-v for v in prow]
            tab[r] = prow
            pv = -pv
        nz = [k for k, v in enumerate(prow) if v]
        for i in range(len(tab)):
            if i == r:
                continue
            row = tab[i]
            f = row[j]
            if f:
                g0 = gcd(pv, f)
                ca, cb = pv // g0, f // g0
                new = [v * ca for v in row] if ca != 1 else row[:]
                for k in nz:
                    new[k] -= cb * prow[k]
                if ca != 1:
                    g = gcd(*new)
                    if g > 1:
                        new = [v // g for v in new]
                tab[i] = new
        obj = self.obj
        f = obj[j]
        if f:
            new = [v * pv for v in obj]
            for k in nz:
                new[k] -= f * prow[k]
            s_new = self.obj_s * pv
            g = gcd(s_new, *new)
            if g > 1:
                new = [v // g for v in new]
                s_new //= g
            self.obj, self.obj_s = new, s_new
        self.basis[r] = j
        self.pivots += 1

    def run(self, allowed: int, stop_when_nonnegative: bool = False) -> str:
        """Bland's rule on columns ``< allowed``: ``"optimal"``, ``"unbounded"`` or ``"stopped"`` (the value
        reached ``>= 0`` while ``stop_when_nonnegative``)."""
        tab = self.rows
        basis = self.basis
        while True:
            obj = self.obj
            if stop_when_nonnegative and obj[-1] >= 0:
                return "stopped"
            enter = -1
            for j in range(allowed):
                if obj[j] < 0:
                    enter = j
                    break
            if enter < 0:
                return "optimal"
            best = -1
            for i, row in enumerate(tab):
                a = row[enter]
                if a > 0:
                    if best < 0:
                        best = i
                    else:
                        lhs = row[-1] * tab[best][enter]
                        rhs = tab[best][-1] * a
                        if lhs < rhs or (lhs == rhs and basis[i] < basis[best]):
                            best = i
            if best < 0:
                return "unbounded"
            self.pivot(best, enter)

    def drive_out(self, first_artificial: int) -> None:
        """After a feasible phase 1: pivot zero-valued artificial basics out; drop redundant rows."""
        tab = self.rows
        i = 0
        while i < len(tab):
            if self.basis[i] >= first_artificial:
                row = tab[i]
                j = next((k for k in range(first_artificial) if row[k]), -1)
                if j < 0:
                    del tab[i]
                    del self.basis[i]
                    continue
                self.pivot(i, j)
            i += 1


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
    # columns: [structural (nvar)] [slacks (m_ub)] [artificials] | rhs; each row scaled to integers
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
    irows: list[list[int]] = []
    for i, row in enumerate(rows):
        rhs = row.pop()
        row.extend([_ZERO] * n_art)
        row.append(rhs)
        if i in needs_art:
            row[n_struct + needs_art.index(i)] = Fraction(1)
            basis[i] = n_struct + needs_art.index(i)
        den = lcm(*(v.denominator for v in row))
        irows.append([v.numerator * (den // v.denominator) for v in row])
    tab = ExactSimplex(irows, basis)
    if n_art:
        tab.set_objective([0] * n_struct + [-1] * n_art)
        tab.run(ncols)
        if tab.value() < 0:
            return LPResult("infeasible", None, None, tab.pivots)
        tab.drive_out(n_struct)
    cost2 = (list(cv) if nonnegative else [v for x in cv for v in (x, -x)]) + [_ZERO] * (ncols - nvar)
    den = lcm(*(v.denominator for v in cost2)) if cost2 else 1
    tab.set_objective([v.numerator * (den // v.denominator) for v in cost2], den)
    status = tab.run(n_struct)
    if status == "unbounded":
        return LPResult("unbounded", None, None, tab.pivots)
    z = tab.primal(ncols)
    x = tuple(z[:n]) if nonnegative else tuple(z[2 * k] - z[2 * k + 1] for k in range(n))
    value = sum((a * b for a, b in zip(cv, x)), _ZERO)
    if not maximize:
        value = -value
    return LPResult("optimal", x, value, tab.pivots)
