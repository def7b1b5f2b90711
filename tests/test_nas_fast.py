"""The fast path (:mod:`canopy.nas._fast`, :mod:`canopy.nas._sat`) equals the general walker
(:func:`canopy.nas._calculus.score_graph`): NB201 block programs, DARTS cell programs and the DARTS closed form,
bit for bit where the docs promise it."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from canopy.nas import _fast, cells
from canopy.nas._calculus import GraphBuilder, score_graph
from canopy.nas.cells import darts_cell_score, nb201_cell_score
from canopy.spaces.skeleton import darts_skeleton, darts_widths

NB_OPS = cells.NB201_OPS


@settings(max_examples=10, deadline=None)
@given(ops=st.tuples(*[st.sampled_from(NB_OPS)] * 6), mode=st.sampled_from(["generic", "zhang"]),
       cfg=st.sampled_from([((3, 32, 32), 16, 5), ((1, 8, 8), 2, 1), ((2, 4, 4), 1, 2)]))
def test_nb201_fast_path_equals_general_walker(ops, mode, cfg):
    shape, C, N = cfg
    fast = nb201_cell_score(ops, mode, input_shape=shape, C=C, N=N)
    general = cells.nb201_cell_result(ops, mode, input_shape=shape, C=C, N=N).log10
    assert fast == pytest.approx(general, rel=1e-12, abs=1e-9)


@settings(max_examples=4, deadline=None)
@given(seed=st.integers(0, 10_000), cfg=st.sampled_from([((3, 16, 16), 4, 3), ((1, 8, 8), 2, 3)]))
def test_darts_fast_path_equals_general_walker(seed, cfg):
    from canopy.spaces.darts import DARTS_OPS, random_genotype

    shape, C, layers = cfg
    g = random_genotype(seed, ops=DARTS_OPS)
    fast = darts_cell_score(g, input_shape=shape, C=C, layers=layers)
    general = cells.darts_cell_result(g, input_shape=shape, C=C, layers=layers).log10
    assert fast == pytest.approx(general, rel=1e-12, abs=1e-9)


# ------------------------------------------------------------------ DARTS closed-form fast path (exactness)
# configurations on which the closed form applies (every tensor keeps rank d0) and some on which it must not
_SATURATED = [((3, 32, 32), 16, 8), ((3, 16, 16), 16, 6), ((1, 4, 4), 4, 3), ((1, 8, 8), 4, 5),
              ((2, 8, 8), 8, 4), ((1, 4, 8), 8, 4), ((1, 12, 12), 4, 3), ((1, 4, 4), 16, 8)]
_UNSATURATED = [((1, 8, 8), 2, 3), ((3, 16, 16), 4, 3), ((3, 32, 32), 8, 5)]


def _random_darts_archs(seed, n):
    """Genotypes (NB301 ops, DARTS ops with ``none``) and 14-op forms, some with very few live edges."""
    from canopy.spaces.darts import DARTS_OPS, random_genotype

    rng = random.Random(seed)
    out = []
    for k in range(n):
        kind = k % 4
        if kind == 0:
            out.append(random_genotype(rng.randrange(1 << 30)))
        elif kind == 1:
            out.append(random_genotype(rng.randrange(1 << 30), ops=DARTS_OPS))
        else:
            p_none = rng.choice([0.0, 0.3, 0.7, 0.9])
            cell_pair = [tuple("none" if rng.random() < p_none else rng.choice(DARTS_OPS[1:]) for _ in range(14))
                         for _ in range(2)]
            out.append(cell_pair[0] if kind == 2 else tuple(cell_pair))
    return out


def test_darts_closed_form_applies_only_to_saturated_configs():
    for shape, C, layers in _SATURATED:
        assert _fast._darts_config(shape, darts_widths(C, layers), 3) is not None, (shape, C, layers)
    for shape, C, layers in _UNSATURATED:
        assert _fast._darts_config(shape, darts_widths(C, layers), 3) is None, (shape, C, layers)


def _closed_equals_programs(archs, cfgs):
    n = 0
    for shape, C, layers in cfgs:
        for arch in archs:
            normal, reduce = cells._darts_cells(arch)
            for mode in ("generic", "serra", "zhang"):
                fast = _fast.darts_fast(normal, reduce, mode, shape, C, layers)
                ref = _fast.darts_programs(normal, reduce, mode, shape, C, layers)
                assert fast == ref, (arch, shape, C, layers, mode, fast, ref)  # bit for bit
                n += 1
    return n


def test_darts_closed_form_equals_cell_programs_bitwise():
    """The closed form gives the very same float as the SatBuilder cell programs (the earlier fast path)."""
    assert _closed_equals_programs(_random_darts_archs(0, 24), _SATURATED[:2]) == 2 * 24 * 3
    assert _closed_equals_programs(_random_darts_archs(1, 40), _SATURATED[2:]) == 6 * 40 * 3


@pytest.mark.slow
def test_darts_closed_form_equals_cell_programs_bitwise_many():
    assert _closed_equals_programs(_random_darts_archs(2, 1000), _SATURATED[:1]) == 3000
    assert _closed_equals_programs(_random_darts_archs(3, 300), _SATURATED[1:]) == 7 * 300 * 3


def test_darts_closed_form_levels_equal_walker_levels():
    """Exact check against the networkx walker: per level, the same cut count and hyperplane total (exact
    ints), rank d0, and the same score up to float rounding of the logs."""
    archs = _random_darts_archs(4, 12)
    for shape, C, layers in [((1, 4, 4), 4, 3), ((1, 8, 8), 4, 5), ((2, 8, 8), 8, 4), ((1, 4, 8), 8, 4)]:
        cfg = _fast._darts_config(shape, darts_widths(C, layers), 3)
        for arch in archs:
            normal, reduce = cells._darts_cells(arch)
            for mode in ("generic", "zhang"):
                res = cells.darts_cell_result(arch, mode, input_shape=shape, C=C, layers=layers)
                walker = {lv.level: (sum(c[2] for c in lv.cuts), len(lv.cuts)) for lv in res.levels}
                out = _fast.darts_levels(cfg, normal, reduce, mode)
                closed = {} if out is None else {lv: (h, n) for lv, (h, n) in enumerate(zip(out[0], out[2])) if n}
                assert closed == walker, (arch, shape, C, layers)
                assert all(lv.rank == cfg.d0 for lv in res.levels)
                fast = darts_cell_score(arch, mode, input_shape=shape, C=C, layers=layers)
                assert fast == pytest.approx(res.log10, rel=1e-12, abs=1e-9)


def test_darts_unsaturated_configs_still_equal_walker():
    for shape, C, layers in _UNSATURATED[:2]:
        for arch in _random_darts_archs(5, 4):
            fast = darts_cell_score(arch, input_shape=shape, C=C, layers=layers)
            general = cells.darts_cell_result(arch, input_shape=shape, C=C, layers=layers).log10
            assert fast == pytest.approx(general, rel=1e-12, abs=1e-9)


# ------------------------------------------------------------------ per-cell widths (ArchitectureSpec networks)
_WIDTHS = [((3, 32, 32), (32,) * 5), ((3, 16, 16), (8, 8, 16, 16, 16)), ((1, 8, 8), (4, 6, 6, 8, 8)),
           ((3, 8, 8), (2, 4, 4))]


def test_darts_per_cell_widths_closed_form_equals_programs_and_walker():
    from canopy.nas._blocks import GraphDarts

    for shape, widths in _WIDTHS:
        for arch in _random_darts_archs(6, 6):
            normal, reduce = cells._darts_cells(arch)
            for mode in ("generic", "zhang"):
                fast = _fast.darts_score_fast(normal, reduce, mode, shape, widths)
                assert fast == _fast.darts_score_programs(normal, reduce, mode, shape, widths)
                b = GraphBuilder()
                darts_skeleton(GraphDarts(b, normal, reduce), b.input(shape), widths)
                assert fast == pytest.approx(score_graph(b.graph, mode).log10, rel=1e-12, abs=1e-9)


def test_standard_widths_are_the_c_layers_network():
    normal, reduce = cells._darts_cells(_random_darts_archs(7, 1)[0])
    assert (_fast.darts_fast(normal, reduce, "generic", (3, 32, 32), 16, 8)
            == _fast.darts_score_fast(normal, reduce, "generic", (3, 32, 32), (16, 16, 32, 32, 32, 64, 64, 64)))
