"""The NB201 fast path of the ``"local"`` line bound (:mod:`canopy.nas._local_fast`) equals the calculus walker
(:func:`canopy.nas._calculus.score_graph` on :func:`canopy.nas.cells.build_nb201_graph`) bit for bit."""

from __future__ import annotations

import functools
import itertools
import random

import pytest

from canopy.errors import InvalidArchitectureError
from canopy.nas import _local_fast, cells
from canopy.nas._calculus import score_graph
from canopy.nas.cells import nb201_cell_score

OPS = cells.NB201_OPS
ALL = list(itertools.product(OPS, repeat=6))
DEFAULT = ((3, 32, 32), 16, 5)


def _walker(ops, shape, C, N) -> float:
    return score_graph(cells.build_nb201_graph(ops, input_shape=shape, C=C, N=N), "local").log10


def _fast(ops, shape, C, N) -> float:
    return nb201_cell_score(ops, "local", input_shape=shape, C=C, N=N)


@functools.lru_cache(maxsize=1)
def _classes() -> dict:
    """Local signature -> the cells that have it, in ``itertools.product`` order."""
    out: dict = {}
    for ops in ALL:
        out.setdefault(_local_fast.nb201_local_signature(ops), []).append(ops)
    return out


def _no_radius(sig):
    """A local signature without the receptive-field radii (what a kernel-blind signature would keep)."""
    if sig[0] == "dead":
        return sig
    cuts, lam, _, alias = sig
    return tuple(sorted((dl, on_in) for dl, _, on_in in cuts)), lam, alias


def _assert_same(cells_, shape, C, N):
    for ops in cells_:
        fast, walker = _fast(ops, shape, C, N), _walker(ops, shape, C, N)
        assert fast == walker, (ops, shape, C, N, fast, walker)  # bit for bit, not approx


def test_fast_path_equals_walker_on_a_random_sample_and_every_signature():
    """>= 300 random cells and one cell of every local signature, on the default network."""
    rng = random.Random(20261206)
    sample = rng.sample(ALL, 300) + [group[0] for group in _classes().values()]
    _assert_same(sample, *DEFAULT)


@pytest.mark.slow
def test_fast_path_equals_walker_on_the_space():
    """Every signature class: its first and last cell and up to 60 random ones; plus 4,000 random cells.

    (The walker takes ~20 ms per network, ~5 min for all 15,625; this stratified sample of ~7,500 cells keeps
    the test near 2.5 min.  The full comparison over all 15,625 cells is run by ``python
    tests/test_local_fast.py --all``.)
    """
    rng = random.Random(11)
    chosen = set(rng.sample(ALL, 4000))
    for group in _classes().values():
        chosen.update((group[0], group[-1]))
        chosen.update(rng.sample(group, min(60, len(group))))
    _assert_same(sorted(chosen), *DEFAULT)


@pytest.mark.parametrize("shape, C, N, n", [
    ((3, 8, 8), 4, 1, 120),
    ((1, 4, 4), 1, 1, 120),
    ((2, 4, 8), 2, 2, 60),      # rectangular grid: the axes differ, no transpose symmetry
    ((1, 12, 12), 3, 2, 40),    # 12 -> 6 -> 3
    ((3, 16, 16), 8, 3, 25),
])
def test_fast_path_equals_walker_on_other_networks(shape, C, N, n):
    rng = random.Random(hash((shape, C, N)) % 1000)
    _assert_same(rng.sample(ALL, n) + [group[0] for group in _classes().values()][::6], shape, C, N)


def test_kernel_size_and_pooling_change_the_local_score_as_the_walker_says():
    """The signature keeps the receptive-field growth: a 1x1 vs 3x3 kernel (or skip vs 3x3 average pool) on
    one edge changes the walker's local score, and the fast path follows; a signature without the radius
    would merge cells the walker tells apart."""
    n = "none"
    pairs = [  # (0,1) (0,2) (1,2) (0,3) (1,3) (2,3); each pair differs in one receptive-field growth only
        (("nor_conv_3x3", n, n, n, "nor_conv_1x1", n), ("nor_conv_1x1", n, n, n, "nor_conv_1x1", n)),
        (("nor_conv_1x1", n, "avg_pool_3x3", n, n, "nor_conv_1x1"),
         ("nor_conv_1x1", n, "skip_connect", n, n, "nor_conv_1x1")),
    ]
    for c1, c2 in pairs:
        s1, s2 = _local_fast.nb201_local_signature(c1), _local_fast.nb201_local_signature(c2)
        assert s1 != s2 and _no_radius(s1) == _no_radius(s2)
        w1, w2 = _walker(c1, *DEFAULT), _walker(c2, *DEFAULT)
        assert w1 != w2
        assert (_fast(c1, *DEFAULT), _fast(c2, *DEFAULT)) == (w1, w2)

    merged: dict = {}
    for sig, group in _classes().items():
        merged.setdefault(_no_radius(sig), []).append(group[0])
    split = [g for g in merged.values() if len(g) > 1]
    assert sum(len({_walker(ops, *DEFAULT) for ops in g}) > 1 for g in split) >= 2


def test_fast_cuts_match_the_walker_levels():
    """Per level: the number of kept cuts and their hyperplanes (units) equal the walker's."""
    rng = random.Random(5)
    shape, C, N = (3, 8, 8), 4, 2
    for ops in rng.sample(ALL, 40):
        res = score_graph(cells.build_nb201_graph(ops, input_shape=shape, C=C, N=N), "local")
        walker = [(len(info.cuts), sum(h for _, _, h, _ in info.cuts)) for info in res.levels]
        cuts = _local_fast.nb201_local_cuts(_local_fast.nb201_local_signature(ops), C, N)
        grid = tuple(shape[1:])
        by_level: dict = {}
        for level, channels, desc in cuts.values():
            units = channels
            for ax in _local_fast._field(grid, desc):
                units *= len(ax)
            n, h = by_level.get(level, (0, 0))
            by_level[level] = (n + 1, h + units)
        assert [by_level[lev] for lev in sorted(by_level)] == walker, ops


def test_dead_cell_and_unbuildable_networks():
    dead = ("none",) * 6
    assert _fast(dead, *DEFAULT) == _walker(dead, *DEFAULT) == 0.0
    for shape in ((3, 5, 5), (1, 1, 1), (1, 2, 6)):  # odd or too small for the residual blocks
        with pytest.raises(InvalidArchitectureError) as fast_err:
            _fast(OPS[:5] + ("none",), shape, 2, 1)
        with pytest.raises(InvalidArchitectureError) as walker_err:
            _walker(OPS[:5] + ("none",), shape, 2, 1)
        assert str(fast_err.value) == str(walker_err.value)


if __name__ == "__main__":  # the full comparison: every one of the 15,625 cells (~5 min)
    import sys

    if "--all" in sys.argv:
        _assert_same(ALL, *DEFAULT)
        print(f"all {len(ALL)} cells: fast path == walker bit for bit")
