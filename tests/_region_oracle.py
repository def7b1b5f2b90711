"""A tiny, slow, exact region-counting oracle for the bound tests (pure Python, Fractions only).

* ``count_1d(weights, biases)``: exact activation- and linear-region counts of a network with input
  dimension 1 on the whole real line (intervals split at exact rational zeros).
* ``count_2d_box(weights, biases, radius)``: exact activation-region count of a network with input
  dimension 2 *inside the box* ``[-radius, radius]^2`` (convex polygons split exactly by lines).  Activation
  regions are convex, so each meets the box in at most one piece: the box count never exceeds the true
  count, which keeps "upper bound >= count" tests sound (only weaker), and "count >= lower bound" tests
  sound as well.

Used until/besides ``tropical.regions`` (REGIONS).  ReLU after every layer but the last; a unit is active
iff its pre-activation is > 0; a pre-activation that is constant on a region never splits it.
"""

from __future__ import annotations

from fractions import Fraction

Affine1 = tuple[Fraction, Fraction]  # slope, intercept


def _layer_affine_1d(w, b, h: list[Affine1]) -> list[Affine1]:
    out = []
    for row, bi in zip(w, b):
        s = sum((Fraction(wij) * hj[0] for wij, hj in zip(row, h)), Fraction(0))
        c = sum((Fraction(wij) * hj[1] for wij, hj in zip(row, h)), Fraction(0)) + Fraction(bi)
        out.append((s, c))
    return out


def count_1d(weights, biases) -> tuple[int, int]:
    """(activation regions, linear regions) of a 1-input network on R, exactly."""
    # a piece: (lo, hi, h) with lo/hi None for -inf/+inf and h the affine map of the current layer output
    pieces: list[tuple[Fraction | None, Fraction | None, list[Affine1]]] = [
        (None, None, [(Fraction(1), Fraction(0))])
    ]
    last = len(weights) - 1
    for li, (w, b) in enumerate(zip(weights, biases)):
        new_pieces = []
        for lo, hi, h in pieces:
            pre = _layer_affine_1d(w, b, h)
            if li == last:
                new_pieces.append((lo, hi, pre))
                continue
            cuts = set()
            for s, c in pre:
                if s != 0:
                    z = -c / s
                    if (lo is None or z > lo) and (hi is None or z < hi):
                        cuts.add(z)
            pts = sorted(cuts)
            bounds = [lo, *pts, hi]
            for a, bnd in zip(bounds[:-1], bounds[1:]):
                # a point strictly inside (a, bnd)
                if a is None and bnd is None:
                    x = Fraction(0)
                elif a is None:
                    x = bnd - 1
                elif bnd is None:
                    x = a + 1
                else:
                    x = (a + bnd) / 2
                hh = [(s, c) if s * x + c > 0 else (Fraction(0), Fraction(0)) for s, c in pre]
                new_pieces.append((a, bnd, hh))
        pieces = new_pieces
    activation = len(pieces)
    linear = 1
    for (_, _, f), (_, _, g) in zip(pieces[:-1], pieces[1:]):
        if f != g:
            linear += 1
    return activation, linear


def _clip(poly, a, c, keep_positive: bool):
    """Part of a convex polygon where a.x + c >= 0 (or <= 0); exact."""
    out = []
    n = len(poly)
    sign = 1 if keep_positive else -1
    for i in range(n):
        p, q = poly[i], poly[(i + 1) % n]
        vp = sign * (a[0] * p[0] + a[1] * p[1] + c)
        vq = sign * (a[0] * q[0] + a[1] * q[1] + c)
        if vp >= 0:
            out.append(p)
        if (vp > 0 > vq) or (vp < 0 < vq):
            t = vp / (vp - vq)
            out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    return out


def count_2d_box(weights, biases, radius: int = 10**6) -> int:
    """Exact number of full-dimensional activation regions of a 2-input network meeting the box."""
    return len(interior_points_2d_box(weights, biases, radius))


def interior_points_2d_box(weights, biases, radius: int = 10**6) -> list[tuple[Fraction, Fraction]]:
    """One exact interior point (a polygon centroid) per activation region of a 2-input net in the box.

    Each point is a certificate: no hidden pre-activation vanishes there, so its activation pattern is
    constant on a neighbourhood, i.e. it names a full-dimensional activation region; the points' patterns
    are pairwise distinct.
    """
    r = Fraction(radius)
    box = [(-r, -r), (r, -r), (r, r), (-r, r)]
    # each piece: (polygon, h) with h a list of affine maps (a1, a2, c) of the current layer output
    pieces = [(box, [(Fraction(1), Fraction(0), Fraction(0)), (Fraction(0), Fraction(1), Fraction(0))])]
    for w, b in zip(weights[:-1], biases[:-1]):
        new_pieces = []
        for poly, h in pieces:
            pre = []
            for row, bi in zip(w, b):
                a1 = sum((Fraction(x) * hj[0] for x, hj in zip(row, h)), Fraction(0))
                a2 = sum((Fraction(x) * hj[1] for x, hj in zip(row, h)), Fraction(0))
                c = sum((Fraction(x) * hj[2] for x, hj in zip(row, h)), Fraction(0)) + Fraction(bi)
                pre.append((a1, a2, c))
            polys = [poly]
            for a1, a2, c in pre:
                if a1 == 0 and a2 == 0:
                    continue
                nxt = []
                for pg in polys:
                    vals = [a1 * x + a2 * y + c for x, y in pg]
                    if max(vals) > 0 and min(vals) < 0:
                        nxt.append(_clip(pg, (a1, a2), c, True))
                        nxt.append(_clip(pg, (a1, a2), c, False))
                    else:
                        nxt.append(pg)
                polys = nxt
            for pg in polys:
                cx = sum((x for x, _ in pg), Fraction(0)) / len(pg)
                cy = sum((y for _, y in pg), Fraction(0)) / len(pg)
                hh = [
                    (a1, a2, c) if a1 * cx + a2 * cy + c > 0 else (Fraction(0), Fraction(0), Fraction(0))
                    for a1, a2, c in pre
                ]
                new_pieces.append((pg, hh))
        pieces = new_pieces
    out = []
    for pg, _ in pieces:
        cx = sum((x for x, _ in pg), Fraction(0)) / len(pg)
        cy = sum((y for _, y in pg), Fraction(0)) / len(pg)
        out.append((cx, cy))
    return out
