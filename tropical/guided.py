"""Float-guided, exactly certified decisions: floats propose, exact integers decide.

Floats never reach a result. A floating-point computation may only *propose* a certificate; the proposal is
then checked in exact integer arithmetic, and when the check fails (or the floats overflow, stall or are
ambiguous) the exact path (:class:`tropical.lp.ExactSimplex`) decides as before. So every answer is exactly
what the exact path would prove, only found faster.

Decisions made here, and how each one is certified
--------------------------------------------------
Redundancy of a lifted point ``p = (a_p, h_p)`` against points ``S`` (the LP of
:func:`tropical.newton._redundancy_lp`): a dense float simplex (Bland's rule, tolerance ``1e-9`` on rows
normalised to unit size, iteration cap) solves the same LP and proposes either

* **redundant, with a support** ``J`` (its basic columns): certified by solving
  ``sum_{q in J} l_q (a_q - a_p) = 0, sum l_q = 1`` exactly (rational elimination) and checking
  ``l >= 0`` and ``sum l_q h_q >= h_p`` -- an explicit convex combination that dominates ``p`` (exact proof
  that ``p`` is not an upper vertex); or
* **not redundant, with a point** ``y`` (from the LP duals or the phase-1 separating direction): ``y`` is
  rounded to a dyadic rational and certified by checking ``h_p + <a_p, y> > h_q + <a_q, y>`` for every ``q``
  in ``S`` in exact integers -- an explicit witness that ``p`` beats every point of ``S``, which is exactly
  what the exact LP would return (its dual point).

A failed check is never an answer: the exact LP runs instead. The guidance can be switched off with
:func:`tropical.backend.set_guided` (``TROPICAL_GUIDED=0``), which gives the pure exact reference path.

Examples
--------
>>> certified_redundancy((1, -2), [(0, 0), (2, 0)])     # the midpoint lies below the segment
(True, None)
>>> red, y = certified_redundancy((1, 5), [(0, 0), (2, 0)])
>>> red, y is not None
(False, True)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from operator import mul

from tropical.backend import int_solve

__all__ = [
    "certified_redundancy", "FloatRedundancyLP", "float_redundancy_proposal", "float_points", "GUIDED_STATS",
]

_EPS = 1e-9

#: counters of the guided decisions (proposals certified / rejected); for benchmarks and tests
GUIDED_STATS: dict[str, int] = {"redundant": 0, "witness": 0, "rejected": 0, "no_proposal": 0}


def float_points(pts: Sequence[Sequence[int]]) -> tuple[list[tuple[float, ...]], list[int], list[float]]:
    """Floats of integer points, coordinate ``t`` shifted right by ``shifts[t]`` bits (at most 60 bits left),
    computed once per point set so that each LP only subtracts floats; also the largest ``|float|`` per
    coordinate (the LP rows are scaled by it).

    Examples
    --------
    >>> fl, shifts, colmax = float_points([(1, 2**70), (3, -(2**70))])
    >>> shifts, fl[0][1] == 2.0**59, colmax
    ([0, 11], True, [3.0, 5.764607523034235e+17])
    """
    if not pts:
        return [], [], []
    dim = len(pts[0])
    shifts = []
    for t in range(dim):
        big = max(abs(q[t]).bit_length() for q in pts)
        shifts.append(max(0, big - 60))
    out = [tuple(float(x >> s) if s else float(x) for x, s in zip(q, shifts)) for q in pts]
    colmax = [max(abs(q[t]) for q in out) for t in range(dim)]
    return out, shifts, colmax


class FloatRedundancyLP:
    """The redundancy LP of one point in floats: a revised simplex (Bland's rule, tolerance ``1e-9``) whose
    columns can be added later, keeping the basis (warm start for constraint generation).

    Rows are scaled so that every entry is at most 1 in size; :meth:`propose` answers in the units of the
    exact problem. A proposal is only a proposal: see :func:`certified_redundancy`.

    Examples
    --------
    >>> fl, sh, cm = float_points([(1, -2), (0, 0), (2, 0)])
    >>> lp = FloatRedundancyLP(fl[0], sh, cm)
    >>> lp.add(fl[1:])
    >>> kind, support = lp.propose()
    >>> kind, sorted(support)
    ('redundant', [0, 1])
    """

    __slots__ = ("fp", "d", "m", "rs", "os", "ys", "yo", "cols", "cost", "Binv", "basis", "xB", "feasible")

    def __init__(self, fp: Sequence[float], shifts: Sequence[int], colmax: Sequence[float]) -> None:
        d = len(fp) - 1
        self.fp, self.d, self.m = fp, d, d + 1
        self.rs = [1.0 / (colmax[t] + abs(fp[t]) or 1.0) for t in range(d)]
        self.os = 1.0 / (colmax[d] + abs(fp[d]) or 1.0)
        # float row t = exact row t * ys[t]; float objective = exact objective * yo
        self.ys = [math.ldexp(self.rs[t], -shifts[t]) for t in range(d)]
        self.yo = math.ldexp(self.os, -shifts[d])
        self.cols: list[list[float]] = []
        self.cost: list[float] = []
        m = d + 1
        self.Binv = [[1.0 if i == k else 0.0 for k in range(m)] for i in range(m)]
        self.basis = [-1] * m  # -1: the artificial variable of that row
        self.xB = [0.0] * d + [1.0]
        self.feasible = False

    def add(self, fqs: Sequence[Sequence[float]]) -> None:
        """Append the columns of further points (float images from :func:`float_points`)."""
        fp, d, rs = self.fp, self.d, self.rs
        for fq in fqs:
            self.cols.append([(fq[t] - fp[t]) * rs[t] for t in range(d)] + [1.0])
            self.cost.append((fq[d] - fp[d]) * self.os)

    def _duals(self, phase2: bool) -> list[float]:
        m, Binv = self.m, self.Binv
        if phase2:
            cB = [self.cost[b] if b >= 0 else 0.0 for b in self.basis]
        else:
            cB = [0.0 if b >= 0 else -1.0 for b in self.basis]
        pi = [0.0] * m
        for c, row in zip(cB, Binv):
            if c:
                pi = [a + c * b for a, b in zip(pi, row)]
        return pi

    def _run(self, phase2: bool) -> str:
        m, cols, cost, Binv, basis, xB = self.m, self.cols, self.cost, self.Binv, self.basis, self.xB
        for _ in range(50 + 10 * len(cols)):
            if phase2 and sum(cost[b] * x for b, x in zip(basis, xB) if b >= 0) >= -_EPS:
                return "stopped"
            pi = self._duals(phase2)
            enter = -1
            for j, col in enumerate(cols):
                if (cost[j] if phase2 else 0.0) - sum(map(mul, pi, col)) > _EPS:
                    enter = j
                    break
            if enter < 0:
                return "optimal"
            col = cols[enter]
            w = [sum(map(mul, row, col)) for row in Binv]
            best = -1
            best_ratio = 0.0
            for i in range(m):
                wi = w[i]
                if basis[i] < 0 and self.feasible and abs(wi) > _EPS:
                    ratio = 0.0  # an artificial at zero leaves before it could move
                elif wi > _EPS:
                    ratio = xB[i] / wi
                else:
                    continue
                if best < 0 or ratio < best_ratio - _EPS or (
                        abs(ratio - best_ratio) <= _EPS and basis[i] < basis[best]):
                    best, best_ratio = i, ratio
            if best < 0:
                return "unbounded"
            inv = 1.0 / w[best]
            rowr = [v * inv for v in Binv[best]]
            Binv[best] = rowr
            theta = xB[best] * inv
            for i in range(m):
                f = w[i]
                if i != best and f:
                    Binv[i] = [a - f * b for a, b in zip(Binv[i], rowr)]
                    xB[i] -= f * theta
            xB[best] = theta
            basis[best] = enter
        return "stalled"

    def propose(self) -> tuple[str, object]:
        """``("redundant", support)``, ``("witness", y)``, ``("separation", w)`` or ``("none", None)``.

        ``y``: a point where ``p`` should beat every column; ``w``: a direction with ``<w, a_q - a_p> > 0``
        for every column (``a_p`` outside their hull); both in the exact problem's units.
        """
        d = self.d
        if not self.feasible:
            if self._run(False) != "optimal":
                return "none", None
            art = sum(x for b, x in zip(self.basis, self.xB) if b < 0)
            if art > 1e-7:
                pi = self._duals(False)
                return "separation", [pi[t] * self.ys[t] for t in range(d)]
            if art > _EPS:
                return "none", None
            self.feasible = True
        st = self._run(True)
        if st == "stopped":
            return "redundant", [b for b, x in zip(self.basis, self.xB) if b >= 0 and x > _EPS]
        if st != "optimal":
            return "none", None
        pi = self._duals(True)
        return "witness", [-pi[t] * self.ys[t] / self.yo for t in range(d)]


def float_redundancy_proposal(p: Sequence[int], others: Sequence[Sequence[int]]) -> tuple[str, object]:
    """One-shot float proposal for the redundancy LP of ``p`` against ``others`` (integer lifted points).

    Examples
    --------
    >>> float_redundancy_proposal((1, -2), [(0, 0), (2, 0)])[0]
    'redundant'
    """
    fl, sh, cm = float_points([p, *others])
    lp = FloatRedundancyLP(fl[0], sh, cm)
    lp.add(fl[1:])
    return lp.propose()


def _witness_scale(p: Sequence[int], others: Sequence[Sequence[int]], y: list[float]) -> list[float]:
    """Scale a separating direction so that ``p`` also wins on heights (as the exact code does)."""
    d = len(p) - 1
    tmul = 1.0
    hp = p[-1]
    for q in others:
        g = sum(y[k] * float(p[k] - q[k]) for k in range(d)) if d else 0.0
        if g > 0:
            try:
                tmul = max(tmul, 2.0 * float(q[-1] - hp) / g + 1.0)
            except OverflowError:
                return y
    return [tmul * v for v in y]


def _exact_support(p: Sequence[int], others: Sequence[Sequence[int]], support: list[int]) -> bool:
    """Exact check of a redundancy proposal: ``l >= 0`` on ``support`` with ``sum l (a_q - a_p) = 0``,
    ``sum l = 1`` and ``sum l (h_q - h_p) >= 0``."""
    d = len(p) - 1
    k = len(support)
    if k == 0:
        return False
    hp = p[-1]
    if k == d + 1:
        A = [[others[j][t] - p[t] for j in support] for t in range(d)] + [[1] * k]
        sol = int_solve(A, [0] * d + [1])
        if sol is not None:
            nums, _den = sol
            return all(v >= 0 for v in nums) and sum(v * (others[j][-1] - hp) for v, j in zip(nums, support)) >= 0
    M = [[Fraction(others[j][t] - p[t]) for j in support] + [Fraction(0)] for t in range(d)]
    M.append([Fraction(1)] * k + [Fraction(1)])
    # rectangular elimination; particular solution with free variables at 0
    r = 0
    pivcols = []
    rows = len(M)
    for c in range(k):
        piv = next((i for i in range(r, rows) if M[i][c]), None)
        if piv is None:
            continue
        M[r], M[piv] = M[piv], M[r]
        pr = M[r]
        pv = pr[c]
        pr = [v / pv for v in pr]
        M[r] = pr
        for i in range(rows):
            if i != r and M[i][c]:
                f = M[i][c]
                M[i] = [a - f * b for a, b in zip(M[i], pr)]
        pivcols.append(c)
        r += 1
        if r == rows:
            break
    if any(M[i][k] for i in range(r, rows)):
        return False  # inconsistent
    lam = [Fraction(0)] * k
    for i, c in enumerate(pivcols):
        lam[c] = M[i][k]
    if any(v < 0 for v in lam):
        return False
    return sum(v * (others[j][-1] - hp) for v, j in zip(lam, support)) >= 0


def _exact_witness(p: Sequence[int], others: Sequence[Sequence[int]], y: list[float]) -> tuple[Fraction, ...] | None:
    """Round ``y`` to a dyadic rational and check exactly that ``p`` strictly beats every point there."""
    if not all(math.isfinite(v) for v in y):
        return None
    d = len(p) - 1
    mx = max((abs(v) for v in y), default=0.0)
    k = 52 - math.frexp(mx)[1] if mx else 0
    k = min(max(k, 0), 960)  # 52 significant bits; never past the float range
    den = 1 << k
    try:
        yi = [round(math.ldexp(v, k)) for v in y]
    except (OverflowError, ValueError):
        return None
    vp = p[-1] * den
    for t in range(d):
        vp += p[t] * yi[t]
    for q in others:
        vq = q[-1] * den
        for t in range(d):
            vq += q[t] * yi[t]
        if vq >= vp:
            return None
    return tuple(Fraction(v, den) for v in yi)


def certified_redundancy(
    p: Sequence[int], others: Sequence[Sequence[int]], lp: FloatRedundancyLP | None = None,
) -> tuple[bool, tuple[Fraction, ...] | None] | tuple[None, None]:
    """A float-proposed, exactly certified answer to the redundancy LP, or ``(None, None)`` (undecided).

    ``lp``: the float LP of ``p`` with one column per point of ``others`` in the same order (kept across
    calls by constraint generation); built here when omitted.

    Returns ``(True, None)`` (certified redundant: an exact dominating convex combination was checked),
    ``(False, y)`` (certified: ``p`` strictly beats every point of ``others`` at the exact point ``y``), or
    ``(None, None)`` when the float proposal did not survive the exact check -- the caller then runs the
    exact LP.

    Examples
    --------
    >>> certified_redundancy((0, 0), [(1, 0)])[0]       # a lone other point never dominates p
    False
    """
    if not others:
        return False, None
    try:
        if lp is None:
            fl, sh, cm = float_points([p, *others])
            lp = FloatRedundancyLP(fl[0], sh, cm)
            lp.add(fl[1:])
        kind, data = lp.propose()
        if kind == "separation":
            kind, data = "witness", _witness_scale(p, others, [-v for v in data])  # type: ignore[attr-defined]
    except (OverflowError, ZeroDivisionError, ValueError):
        kind, data = "none", None
    if kind == "redundant":
        if _exact_support(p, others, data):  # type: ignore[arg-type]
            GUIDED_STATS["redundant"] += 1
            return True, None
    elif kind == "witness":
        y = _exact_witness(p, others, data)  # type: ignore[arg-type]
        if y is not None:
            GUIDED_STATS["witness"] += 1
            return False, y
    else:
        GUIDED_STATS["no_proposal"] += 1
        return None, None
    GUIDED_STATS["rejected"] += 1
    return None, None
