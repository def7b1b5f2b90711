"""The region-geometry shortcut of ``product_vertex_mask`` (facet separation of the factors' regions) against
the exact LP reference path, on random and degenerate lifted point sets in dimensions 1 to 3."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from tropical.backend import use_backend, use_guided
from tropical.newton import _facets_separate, _region_cone, product_vertex_mask


def _points(rng: random.Random, d: int, k: int) -> list[tuple]:
    top = 8 if d == 1 else 3
    k = min(k, (top + 1) ** d)
    seen: set[tuple[int, ...]] = set()
    out = []
    while len(out) < k:
        e = tuple(rng.randint(0, top) for _ in range(d))
        if e not in seen:
            seen.add(e)
            c = rng.choice([0, rng.randint(-3, 3), Fraction(rng.randint(-20, 20), rng.randint(1, 7))])
            out.append((*e, c))
    return out


@pytest.mark.parametrize("d", [1, 2, 3])
def test_product_vertex_mask_equals_the_lp_reference(d):
    rng = random.Random(d)
    for _ in range(120):
        P, Q = _points(rng, d, rng.randint(1, 9)), _points(rng, d, rng.randint(1, 9))
        fast = product_vertex_mask(P, Q)
        with use_guided(False), use_backend("python"):
            ref = product_vertex_mask(P, Q)
        assert fast == ref, (P, Q)


def test_regions_and_separation():
    # max(0, x): the regions x <= 0 and x >= 0 touch in a point only (separated); max(0, 2x - 1) overlaps
    left, right = _region_cone([(0, 0), (1, 0)], 0), _region_cone([(0, 0), (1, 0)], 1)
    assert left is not None and right is not None and _facets_separate(left, right)
    other = _region_cone([(0, 0), (2, -1)], 1)          # x >= 1/2
    assert other is not None and not _facets_separate(left, _region_cone([(0, 0), (2, -1)], 0))
    assert _facets_separate(left, other)
    assert _region_cone([(0, 0), (1, 0), (2, -5)], 1) is not None
    assert _region_cone([(0, 0), (1, -5), (2, 0)], 1) is None   # below the hull: no interior


def test_superset_regions_in_dimension_three_stay_exact(monkeypatch):
    """With only the 2 nearest inequalities per region (loose supersets), separations are still proofs."""
    import tropical.newton as newton

    monkeypatch.setattr(newton, "NEAREST_ROWS", 2)
    rng = random.Random(7)
    for _ in range(80):
        P, Q = _points(rng, 3, rng.randint(2, 9)), _points(rng, 3, rng.randint(2, 9))
        fast = product_vertex_mask(P, Q)
        with use_guided(False), use_backend("python"):
            ref = product_vertex_mask(P, Q)
        assert fast == ref, (P, Q)
