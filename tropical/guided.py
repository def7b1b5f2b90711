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

from tropical.backend import int_solve

__all__ = ["certified_redundancy", "float_redundancy_proposal", "float_points", "GUIDED_STATS"]

_EPS = 1e-9

#: counters of the guided decisions (proposals certified / rejected); for benchmarks and tests
GUIDED_STATS: dict[str, int] = {"redundant": 0, "witness": 0, "rejected": 0, "no_proposal": 0}


def _scaled_floats(v: Sequence[int]) -> tuple[list[float], int]:
    """Floats ``v * 2**-s`` (``s >= 0`` chosen so the largest entry has at most 60 bits) and ``s``."""
    big = max((abs(x).bit_length() for x in v), default=0)
    s = max(0, big - 60)
    if s:
        return [float(x >> s) if x >= 0 else -float((-x) >> s) for x in v], s
    return [float(x) for x in v], 0


def float_points(pts: Sequence[Sequence[int]]) -> tuple[list[tuple[float, ...]], list[int]]:
    """Floats of integer points, coordinate ``t`` shifted right by ``shifts[t]`` bits (at most 60 bits left),
    computed once per point set so that each LP only subtracts floats.

    Examples
    --------
    >>> fl, shifts = float_points([(1, 2**70), (3, -(2**70))])
    >>> shifts, fl[0][1] == 2.0**59
    ([0, 11], True)
    """
    if not pts:
        return [], []
    dim = len(pts[0])
    shifts = []
    for t in range(dim):
        big = max(abs(q[t]).bit_length() for q in pts)
        shifts.append(max(0, big - 60))
    out = [tuple(float(x >> s) if s else float(x) for x, s in zip(q, shifts)) for q in pts]
    return out, shifts


def float_redundancy_proposal(
    p: Sequence[int], others: Sequence[Sequence[int]],
    floats: tuple[Sequence[float], Sequence[Sequence[float]], Sequence[int]] | None = None,
) -> tuple[str, object]:
    """Float simplex on the redundancy LP of ``p`` against ``others`` (integer lifted points).

    Returns ``("redundant", support_indices)``, ``("witness", y_floats)`` (with each entry of ``y`` in units
    of the original coordinates) or ``("none", None)``. A *proposal* only: see :func:`certified_redundancy`.
    ``floats``: optional ``(fp, fothers, shifts)`` from :func:`float_points` (the float images of ``p`` and
    ``others``), which saves the int-to-float conversions.

    Examples
    --------
    >>> float_redundancy_proposal((1, -2), [(0, 0), (2, 0)])[0]
    'redundant'
    """
    n = len(others)
    d = len(p) - 1
    m = d + 1
    rows: list[list[float]] = []
    scales: list[float] = []  # row t of the float LP = (exact row t) * scales[t]
    for t in range(d):
        pt = p[t]
        if floats is None:
            vals, sh = _scaled_floats([q[t] - pt for q in others])
        else:
            fpt = floats[0][t]
            vals, sh = [fq[t] - fpt for fq in floats[1]], floats[2][t]
        mx = max((abs(v) for v in vals), default=0.0) or 1.0
        row = [v / mx for v in vals] + [0.0] * (m + 1)
        row[n + t] = 1.0
        rows.append(row)
        scales.append(math.ldexp(1.0 / mx, -sh))
    last = [1.0] * n + [0.0] * m + [1.0]
    last[n + d] = 1.0
    rows.append(last)
    basis = [n + i for i in range(m)]
    width = n + m + 1
    # phase 1: maximise -(sum of artificials); objective row r (enter when r[j] < -eps)
    obj = [0.0] * width
    for row in rows:
        for j in range(width):
            obj[j] -= row[j]
    for i in range(m):
        obj[n + i] = 0.0
    cap = 50 + 10 * n

    def run(obj: list[float], stop: bool) -> str:
        for _ in range(cap):
            if stop and obj[-1] >= -_EPS:
                return "stopped"
            enter = -1
            for j in range(n):
                if obj[j] < -_EPS:
                    enter = j
                    break
            if enter < 0:
                return "optimal"
            best = -1
            best_ratio = 0.0
            for i, row in enumerate(rows):
                a = row[enter]
                if a > _EPS:
                    ratio = row[-1] / a
                    if best < 0 or ratio < best_ratio - _EPS or (
                            abs(ratio - best_ratio) <= _EPS and basis[i] < basis[best]):
                        best, best_ratio = i, ratio
            if best < 0:
                return "unbounded"
            inv = 1.0 / rows[best][enter]
            prow = [v * inv for v in rows[best]]
            rows[best] = prow
            for i, row in enumerate(rows):
                if i != best:
                    f = row[enter]
                    if f:
                        rows[i] = [a - f * b for a, b in zip(row, prow)]
            f = obj[enter]
            if f:
                obj[:] = [a - f * b for a, b in zip(obj, prow)]
            basis[best] = enter
        return "stalled"

    st = run(obj, False)
    if st != "optimal":
        return "none", None
    if obj[-1] < -1e-7:
        # infeasible: phase-1 duals pi_t = obj[n+t] - 1 separate a_p (<pi, a_q - a_p> > 0 for all q)
        pi = [(obj[n + t] - 1.0) * scales[t] for t in range(d)]
        y = [-v for v in pi]
        return "witness", _witness_scale(p, others, y)
    if obj[-1] < -_EPS:
        return "none", None
    # phase 2: maximise sum (h_q - h_p) mu_q
    hp = p[-1]
    if floats is None:
        hv, hs = _scaled_floats([q[-1] - hp for q in others])
    else:
        fhp = floats[0][-1]
        hv, hs = [fq[-1] - fhp for fq in floats[1]], floats[2][-1]
    hm = max((abs(v) for v in hv), default=0.0) or 1.0
    objscale = math.ldexp(1.0 / hm, -hs)  # float objective = exact objective * objscale
    obj = [-v / hm for v in hv] + [0.0] * (m + 1)
    for i, b in enumerate(basis):
        f = obj[b]
        if f:
            row = rows[i]
            obj = [v - f * w for v, w in zip(obj, row)]
    # artificial columns may no longer enter; the float tableau keeps them at zero
    st = run(obj, True)
    if st == "stopped":
        support = [b for i, b in enumerate(basis) if b < n and rows[i][-1] > _EPS]
        return "redundant", support
    if st != "optimal":
        return "none", None
    y = [-obj[n + t] * scales[t] / objscale for t in range(d)]
    return "witness", y


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
    p: Sequence[int], others: Sequence[Sequence[int]],
    floats: tuple[Sequence[float], Sequence[Sequence[float]], Sequence[int]] | None = None,
) -> tuple[bool, tuple[Fraction, ...] | None] | tuple[None, None]:
    """A float-proposed, exactly certified answer to the redundancy LP, or ``(None, None)`` (undecided).

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
        kind, data = float_redundancy_proposal(p, others, floats)
    except (OverflowError, ZeroDivisionError):
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
