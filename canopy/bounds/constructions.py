r"""Explicit networks that attain the lower bounds on the maximal number of regions (exact weights).

A lower bound on the *maximum* number of regions is proved by exhibiting one network.  This module builds
those networks with exact rational weights so that :mod:`tropical.regions` can count them exactly:

* :func:`generic_layer_construction` — one hidden layer of ``n`` units in general position whose every
  region meets the open unit cube: :math:`r(n, n_0) = \sum_{j \le n_0} \binom{n}{j}` regions (Zaslavsky).
* :func:`montufar_construction` — Montúfar et al. (2014) space folding: each folding layer splits its units
  into :math:`n_0` groups of :math:`p = \lfloor n_l/n_0 \rfloor` units; group ``i`` computes a sawtooth
  :math:`g_p` that folds :math:`[0, 1]` onto itself ``p`` times in coordinate ``i``; the last layer is the
  generic layer on the folded cube.
* :func:`serra_construction` — Serra et al. (2018): ``p >= 3`` units per coordinate fold :math:`[0, 1]`
  onto itself ``p + 1`` times (one unit faces the other way and cancels the affine part).

Both folding networks have at least :math:`\prod_{l<L} q_l^{n_0} \cdot r(n_L, n_0)` activation regions
inside the unit cube (``q_l = p_l`` or ``p_l + 1`` teeth); when :math:`n_L > n_0` the last layer is oriented
so that no region has all its units off, and adjacent regions then carry different affine maps, so this
is also a lower bound on linear regions.  The proof is in ``proofs/montufar.md``; the tests count every
construction exactly.

All numbers are :class:`fractions.Fraction`; :meth:`Construction.network` wraps them in a
:class:`tropical.network.ReLUNetwork` (imported lazily).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from canopy.bounds._combinatorics import check_architecture
from canopy.bounds.montufar import montufar_bound, montufar_precondition
from canopy.bounds.serra_lower import serra_lower_bound, serra_lower_precondition
from canopy.errors import InvalidArgumentError

__all__ = [
    "Construction",
    "sawtooth",
    "generic_layer_construction",
    "montufar_construction",
    "serra_construction",
]

Matrix = tuple[tuple[Fraction, ...], ...]
Vector = tuple[Fraction, ...]


@dataclass(frozen=True)
class Construction:
    """An explicit ReLU network (exact weights) together with the bound it is built to reach.

    Attributes
    ----------
    name : str
        Which construction.
    input_dim : int
    widths : tuple of int
        Hidden widths.
    weights, biases : tuple
        Layer ``l`` weight matrix (rows = units) and bias vector, Fractions; the last layer is the affine
        output (one unit).
    claimed : int
        The lower bound the construction attains (activation regions; linear regions too when
        ``linear_claim`` is true).
    linear_claim : bool
        Whether ``claimed`` is also claimed for linear regions (true when ``n_L > n_0`` or ``L == 1``).
    """

    name: str
    input_dim: int
    widths: tuple[int, ...]
    weights: tuple[Matrix, ...]
    biases: tuple[Vector, ...]
    claimed: int
    linear_claim: bool

    def network(self):  # -> tropical.network.ReLUNetwork
        """The construction as a :class:`tropical.network.ReLUNetwork` (exact, ``policy="exact-input"``)."""
        from tropical.network import ReLUNetwork

        return ReLUNetwork(self.weights, self.biases)

    def forward(self, x: Sequence[Fraction | int]) -> Fraction:
        """Exact forward pass (pure Python; ReLU after every layer but the last).

        Examples
        --------
        >>> c = generic_layer_construction(1, 2)
        >>> [str(c.forward([Fraction(k, 4)])) for k in range(5)]
        ['-101/252', '-19/126', '1/6', '5/12', '2/3']
        """
        h = [Fraction(v) for v in x]
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            h = [sum((wij * hj for wij, hj in zip(row, h)), Fraction(0)) + bi for row, bi in zip(w, b)]
            if i < last:
                h = [v if v > 0 else Fraction(0) for v in h]
        return h[0]


# --------------------------------------------------------------------------------------------- 1-D folds
def sawtooth(p: int, kind: str = "montufar") -> tuple[list[tuple[int, Fraction]], list[Fraction], Fraction]:
    r"""Units and read-out of a fold of :math:`[0, 1]` onto itself.

    The fold is :math:`g(z) = \sum_k a_k \,\mathrm{ReLU}(s_k (z - t_k)) + a_0`, piecewise linear with
    alternating slopes, mapping each of its *teeth* affinely onto :math:`[0, 1]`, with :math:`g(0) = 0`.

    * ``kind="montufar"``: ``p >= 1`` units, ``p`` equal teeth, all :math:`s_k = +1`.
    * ``kind="serra"``: ``p >= 3`` units, ``p + 1`` teeth of widths proportional to
      :math:`(1, 1, 2, 2, 1, \dots, 1)`; unit 3 faces left (:math:`s_3 = -1`), which cancels the affine
      part because :math:`1/w_0 = 1/w_2 + 1/w_3`.

    Parameters
    ----------
    p : int
        Number of units.
    kind : {"montufar", "serra"}

    Returns
    -------
    units : list of (int, Fraction)
        ``(s_k, t_k)`` for each unit: its pre-activation is :math:`s_k (z - t_k)`.
    readout : list of Fraction
        The coefficients :math:`a_k`.
    const : Fraction
        :math:`a_0`.

    Examples
    --------
    >>> units, a, a0 = sawtooth(3, "serra")
    >>> def g(z):
    ...     return sum(ak * max(Fraction(0), s * (z - t)) for (s, t), ak in zip(units, a)) + a0
    >>> [str(g(z)) for z in (Fraction(0), *(t for _, t in units), Fraction(1))]   # 4 teeth: 0-1-0-1-0
    ['0', '1', '0', '1', '0']
    """
    if kind == "montufar":
        if p < 1:
            raise InvalidArgumentError("the Montufar fold needs p >= 1 units")
        fold_units = [(1, Fraction(k, p)) for k in range(p)]
        fold_readout = [Fraction(p)] + [Fraction(2 * p * (-1) ** k) for k in range(1, p)]
        return fold_units, fold_readout, Fraction(0)
    if kind == "serra":
        if p < 3:
            raise InvalidArgumentError("the Serra fold needs p >= 3 units (n_l >= 3 n_0)")
        widths = [1, 1, 2, 2] + [1] * (p - 3)
        total = sum(widths)
        w = [Fraction(v, total) for v in widths]
        slopes = [Fraction((-1) ** k) / w[k] for k in range(p + 1)]
        breaks = [sum(w[:k], Fraction(0)) for k in range(1, p + 1)]
        units: list[tuple[int, Fraction]] = []
        readout: list[Fraction] = []
        const = Fraction(0)
        for k in range(1, p + 1):
            c_k = slopes[k] - slopes[k - 1]
            t_k = breaks[k - 1]
            if k == 3:  # c R(z - t) = c (z - t) + c R(t - z): the linear part cancels slopes[0]
                units.append((-1, t_k))
                const -= c_k * t_k
            else:
                units.append((1, t_k))
            readout.append(c_k)
        assert slopes[0] + (slopes[3] - slopes[2]) == 0
        return units, readout, const
    raise InvalidArgumentError(f"unknown fold kind {kind!r}; use 'montufar' or 'serra'")


# ------------------------------------------------------------------------------------ generic last layer
def _solve(rows: list[list[Fraction]], rhs: list[Fraction]) -> list[Fraction] | None:
    """Exact Gauss–Jordan solve of a square system; ``None`` if singular."""
    n = len(rows)
    m = [list(r) + [v] for r, v in zip(rows, rhs)]
    for col in range(n):
        piv = next((r for r in range(col, n) if m[r][col] != 0), None)
        if piv is None:
            return None
        m[col], m[piv] = m[piv], m[col]
        inv = 1 / m[col][col]
        m[col] = [v * inv for v in m[col]]
        for r in range(n):
            if r != col and m[r][col] != 0:
                f = m[r][col]
                m[r] = [a - f * b for a, b in zip(m[r], m[col])]
    return [m[r][n] for r in range(n)]


def _generic_arrangement(n: int, d: int) -> tuple[list[list[Fraction]], list[Fraction], list[int]]:
    """``n`` hyperplanes ``a_j . y + beta_j = 0`` in general position, every region meeting ``(0,1)^d``.

    Returns normals, offsets and orientation signs (``-1`` where the unit was flipped so that, when
    ``n > d``, no region has all units off).
    """
    normals = [[Fraction(j + 1) ** e for e in range(d)] for j in range(n)]  # moment curve: any d independent
    center = [Fraction(1, 2)] * d
    eps = [Fraction(1, (j + 2) * (j + 3)) + Fraction(j, 7 * (n + 1) ** 2) for j in range(n)]

    def offsets(scale: Fraction) -> list[Fraction]:
        return [-sum((a * c for a, c in zip(normals[j], center)), Fraction(0)) + scale * eps[j] for j in range(n)]

    scale = Fraction(1)
    for _ in range(200):
        beta = offsets(scale)
        ok = True
        for subset in itertools.combinations(range(n), min(d, n)):
            if len(subset) < d:
                break
            pt = _solve([normals[j] for j in subset], [-beta[j] for j in subset])
            if pt is None or not all(0 < v < 1 for v in pt):
                ok = False
                break
            # general position: no further hyperplane through this vertex
            if any(sum((a * v for a, v in zip(normals[k], pt)), Fraction(0)) + beta[k] == 0
                   for k in range(n) if k not in subset):
                ok = False
                break
        if ok:
            break
        scale /= 2
    else:  # pragma: no cover - the moment-curve choice always succeeds for small n, d
        raise RuntimeError("could not place a generic arrangement")
    signs = [1] * n
    if n > d:
        # orient so that the all-off sign vector is not realised: pick a sign vector that no region has
        # (a generic arrangement realises only r(n, d) < 2**n of them) and flip accordingly.
        realised = _realised_sign_vectors(normals, beta, d)
        for cand in itertools.product((1, -1), repeat=n):
            if cand not in realised:
                # flipping unit j where cand_j = +1 makes cand the all-negative vector of the new units
                signs = [-1 if s == 1 else 1 for s in cand]
                break
    return normals, beta, signs


def _realised_sign_vectors(normals, beta, d) -> set[tuple[int, ...]]:
    """Sign vectors of the regions of a generic arrangement, from points next to its vertices."""
    n = len(normals)
    pts: list[list[Fraction]] = []
    delta = Fraction(1, 10**6)
    for subset in itertools.combinations(range(n), d):
        pt = _solve([normals[j] for j in subset], [-beta[j] for j in subset])
        if pt is None:
            continue
        # the 2^d regions around a simple vertex: step along the dual basis
        for signs in itertools.product((1, -1), repeat=d):
            rhs = [Fraction(s) * delta for s in signs]
            step = _solve([normals[j] for j in subset], rhs)
            if step is not None:  # the dual basis exists at a simple vertex; a singular system adds no point
                pts.append([v + w for v, w in zip(pt, step)])
    out = set()
    for pt in pts:
        out.add(tuple(1 if sum((a * v for a, v in zip(normals[j], pt)), Fraction(0)) + beta[j] > 0 else -1
                      for j in range(n)))
    return out


def generic_layer_construction(input_dim: int, n: int) -> Construction:
    r"""One hidden layer of ``n`` units in general position: exactly :math:`r(n, n_0)` regions.

    Every region of the arrangement meets the open unit cube (all its vertices lie inside), which is what
    the folding constructions need.  Tight for the upper bounds with ``L = 1``.

    Parameters
    ----------
    input_dim : int
        :math:`n_0`.
    n : int
        Width.

    Returns
    -------
    Construction

    Examples
    --------
    >>> c = generic_layer_construction(2, 4)
    >>> c.claimed, c.widths
    (11, (4,))
    """
    n0, (width,) = check_architecture(input_dim, [n])
    normals, beta, signs = _generic_arrangement(width, n0)
    w1 = tuple(tuple(s * a for a in row) for row, s in zip(normals, signs))
    b1 = tuple(s * b for b, s in zip(beta, signs))
    out_w = ((tuple(Fraction(s) for s in signs)),)
    from canopy.bounds._combinatorics import zaslavsky

    return Construction("generic_layer", n0, (width,), (w1, out_w), (b1, (Fraction(0),)),
                        zaslavsky(width, n0), True)


# --------------------------------------------------------------------------------------- deep folding
def _folding_network(n0: int, widths: tuple[int, ...], kind: str) -> tuple[tuple[Matrix, ...], tuple[Vector, ...]]:
    weights: list[Matrix] = []
    biases: list[Vector] = []
    # the current folded coordinate y_i as an affine form on the previous layer's units: (coeffs, const)
    prev_dim = n0
    forms: list[tuple[dict[int, Fraction], Fraction]] = [({i: Fraction(1)}, Fraction(0)) for i in range(n0)]
    for n in widths[:-1]:
        p = n // n0
        units, readout, const = sawtooth(p, kind)
        rows: list[tuple[Fraction, ...]] = []
        bias: list[Fraction] = []
        new_forms: list[tuple[dict[int, Fraction], Fraction]] = []
        for i in range(n0):
            coeffs, c0 = forms[i]
            form: dict[int, Fraction] = {}
            for k, (s, t) in enumerate(units):
                row = [Fraction(0)] * prev_dim
                for col, v in coeffs.items():
                    row[col] = s * v
                rows.append(tuple(row))
                bias.append(s * (c0 - t))
                form[i * p + k] = readout[k]
            new_forms.append((form, const))
        for _ in range(n - n0 * p):  # unused units: constant pre-activation -1 (always off)
            rows.append(tuple(Fraction(0) for _ in range(prev_dim)))
            bias.append(Fraction(-1))
        weights.append(tuple(rows))
        biases.append(tuple(bias))
        forms = new_forms
        prev_dim = n
    # last hidden layer: generic arrangement on the folded coordinates y = (forms)
    n_last = widths[-1]
    normals, beta, signs = _generic_arrangement(n_last, n0)
    rows = []
    bias = []
    for j in range(n_last):
        row = [Fraction(0)] * prev_dim
        b = beta[j]
        for i in range(n0):
            coeffs, c0 = forms[i]
            for col, v in coeffs.items():
                row[col] += normals[j][i] * v
            b += normals[j][i] * c0
        rows.append(tuple(signs[j] * v for v in row))
        bias.append(signs[j] * b)
    weights.append(tuple(rows))
    biases.append(tuple(bias))
    # output: v_j = sign_j, so that sum_{j active} v_j a_j has positive entries (moment-curve normals > 0)
    weights.append((tuple(Fraction(s) for s in signs),))
    biases.append((Fraction(0),))
    return tuple(weights), tuple(biases)


def montufar_construction(input_dim: int, widths: Sequence[int]) -> Construction:
    r"""Montúfar et al. (2014) space-folding network attaining :func:`~canopy.bounds.montufar.montufar_bound`.

    Parameters
    ----------
    input_dim : int
        :math:`n_0`.
    widths : sequence of int
        Hidden widths with :math:`n_l \ge n_0` for :math:`l < L`.

    Returns
    -------
    Construction
        ``claimed = montufar_bound(input_dim, widths)``.

    Raises
    ------
    canopy.errors.BoundNotApplicableError
        If the precondition fails.

    Examples
    --------
    >>> c = montufar_construction(1, [3, 3])
    >>> c.claimed
    12
    """
    return _folding_construction("montufar", input_dim, widths)


def serra_construction(input_dim: int, widths: Sequence[int]) -> Construction:
    r"""Serra et al. (2018) folding network attaining :func:`~canopy.bounds.serra_lower.serra_lower_bound`.

    Parameters
    ----------
    input_dim : int
        :math:`n_0`.
    widths : sequence of int
        Hidden widths with :math:`n_l \ge 3 n_0` for :math:`l < L`.

    Returns
    -------
    Construction
        ``claimed = serra_lower_bound(input_dim, widths)``; for :math:`n_0 = 1` and ``n_l >= 3`` this equals
        the upper bound :math:`\prod_l (n_l + 1)`, so the construction is a maximum.

    Raises
    ------
    canopy.errors.BoundNotApplicableError
        If the precondition fails.

    Examples
    --------
    >>> serra_construction(1, [3, 3]).claimed
    16
    """
    return _folding_construction("serra", input_dim, widths)


def _folding_construction(kind: str, input_dim: int, widths: Sequence[int]) -> Construction:
    """The folding network of ``kind`` ("montufar" or "serra") with its claimed count, after the precondition."""
    from canopy.errors import BoundNotApplicableError

    precondition, bound = ((montufar_precondition, montufar_bound) if kind == "montufar"
                           else (serra_lower_precondition, serra_lower_bound))
    n0, ws = check_architecture(input_dim, widths)
    if not ws:
        raise BoundNotApplicableError("a folding construction needs at least one hidden layer")
    reason = precondition(n0, ws)
    if reason:
        raise BoundNotApplicableError(reason)
    w, b = _folding_network(n0, ws, kind)
    return Construction(kind, n0, ws, w, b, bound(n0, ws), ws[-1] > n0 or len(ws) == 1)
