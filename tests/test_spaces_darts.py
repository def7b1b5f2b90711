"""Tests for canopy.spaces.darts."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from canopy.errors import InvalidArchitectureError
from canopy.spaces.darts import (
    DARTS_OPS,
    EDGES14,
    NB301_OPS,
    Genotype,
    edge_ops_to_cell,
    genotype_to_edge_ops,
    random_genotype,
)

DARTS_V2 = (
    "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), "
    "('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], "
    "reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), "
    "('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])"
)

seeds = st.integers(0, 2**32 - 1)


def test_constants():
    assert len(DARTS_OPS) == 8 and DARTS_OPS[0] == "none"
    assert NB301_OPS == DARTS_OPS[1:]
    assert len(EDGES14) == 14
    assert EDGES14[:5] == ((0, 2), (1, 2), (0, 3), (1, 3), (2, 3))
    assert EDGES14[-1] == (4, 5)


def test_parse_darts_v2_string():
    g = Genotype.from_string(DARTS_V2)
    assert g.normal[7] == ("dil_conv_3x3", 2)
    assert g.reduce[0] == ("max_pool_3x3", 0)
    assert g.normal_concat == (2, 3, 4, 5)
    assert Genotype.from_string(g.to_string()) == g
    g2 = Genotype.from_string(DARTS_V2.replace("normal_concat=[2, 3, 4, 5]", "normal_concat=range(2, 6)"))
    assert g2 == g


def test_compact_known_example():
    compact = (
        ((0, 4), (1, 3), (0, 2), (2, 3), (2, 3), (0, 3), (2, 6), (3, 5)),
        ((0, 3), (1, 3), (1, 1), (0, 5), (2, 3), (0, 2), (4, 4), (3, 1)),
    )
    g = Genotype.from_compact(compact)
    assert g.normal[0] == ("sep_conv_5x5", 0)
    assert g.normal[6] == ("dil_conv_5x5", 2)
    assert g.reduce[2] == ("avg_pool_3x3", 1)
    assert g.to_compact() == compact
    assert Genotype.from_compact(str([list(c) for c in compact])) == g


@given(seeds)
def test_roundtrips(seed):
    g = random_genotype(seed)
    g.validate()
    assert Genotype.from_compact(g.to_compact()) == g
    assert Genotype.from_string(g.to_string()) == g
    for cell in (g.normal, g.reduce):
        ops = genotype_to_edge_ops(cell)
        assert sum(o != "none" for o in ops) == 8
        assert sorted(edge_ops_to_cell(ops)) == sorted(cell)


@given(seeds)
def test_mutations_are_valid_single_changes(seed):
    g = random_genotype(np.random.default_rng(seed))
    muts = g.mutations()
    assert len(muts) == len(set(muts))
    assert g not in muts
    for m in muts:
        m.validate()
        diff = sum(a != b for a, b in zip(m.normal + m.reduce, g.normal + g.reduce))
        assert diff == 1
    assert g.mutate(seed) in muts


def test_random_with_none_ops():
    g = random_genotype(3, ops=DARTS_OPS)
    with pytest.raises(InvalidArchitectureError):
        Genotype(g.normal[:7] + (("none", 4),), reduce=g.reduce).validate(NB301_OPS)


BASE = [("sep_conv_3x3", 0), ("sep_conv_3x3", 1)] * 4


@pytest.mark.parametrize(
    "normal, fragment",
    [
        (BASE[:7], "needs 8"),
        (BASE[:7] + [("conv", 1)], "unknown op 'conv'"),
        (BASE[:7] + [("sep_conv_3x3", 5)], "node 5 can only take input 0..4"),
        (BASE[:1] + [("sep_conv_3x3", 0)] + BASE[2:], "distinct inputs"),
        (BASE[:1] + [("sep_conv_3x3", 2)] + BASE[2:], "node 2 can only take input 0..1"),
        (BASE[:7] + ["sep_conv_3x3"], "pair 7"),
        (BASE[:7] + [("sep_conv_3x3", True)], "input"),
        ("sep_conv_3x3", "sequence"),
    ],
)
def test_invalid_genotypes(normal, fragment):
    with pytest.raises(InvalidArchitectureError, match=fragment):
        Genotype(normal, [2, 3, 4, 5], BASE, [2, 3, 4, 5])


def test_invalid_concat_and_none_compact():
    with pytest.raises(InvalidArchitectureError, match="concat"):
        Genotype(BASE, [2, 3, 4], BASE, [2, 3, 4, 5])
    g = Genotype([("none", 0)] + BASE[1:], reduce=BASE)
    with pytest.raises(InvalidArchitectureError, match="none"):
        g.to_compact()


@pytest.mark.parametrize(
    "text",
    [
        "Genotype(normal=__import__('os').system('echo hi'), reduce=[])",
        "print('x')",
        "Genotype(normal=[('sep_conv_3x3', 0)], reduce=[('sep_conv_3x3', 0)])",
        "Genotype(normal=[], reduce=[], foo=1)",
        "Genotype(normal=[]",
        "Genotype(reduce=[])",
    ],
)
def test_malformed_strings(text):
    with pytest.raises(InvalidArchitectureError):
        Genotype.from_string(text)


@pytest.mark.parametrize(
    "bad",
    ["((0, 1),", ((0, 1),), (((0, 9),) * 8, ((0, 1),) * 8), 5, (((0, 1),) * 8, ((0, 1), (1, 1)) * 4)],
)
def test_malformed_compact(bad):
    with pytest.raises(InvalidArchitectureError):
        Genotype.from_compact(bad)


def test_edge_ops_errors():
    with pytest.raises(InvalidArchitectureError, match="14"):
        edge_ops_to_cell(("none",) * 3)
    with pytest.raises(InvalidArchitectureError, match="exactly 2"):
        edge_ops_to_cell(("sep_conv_3x3",) * 14)
    with pytest.raises(InvalidArchitectureError, match="one cell"):
        genotype_to_edge_ops(random_genotype(0))


@pytest.mark.data
def test_naslib_files_parse(data_dir):
    archs = json.loads((data_dir / "nb301_darts" / "naslib_archs_nasbench301.json").read_text())
    assert len(archs) == 11221
    for compact in list(archs.values())[::50]:
        g = Genotype.from_compact(compact)
        g.validate()
        assert Genotype.from_compact(g.to_compact()) == g
    sub = json.loads((data_dir / "nb301_darts" / "naslib_zc_nasbench301_subset.json").read_text())
    keys = list(sub["nasbench301"]["cifar10"])
    assert len(keys) == 500
    for k in keys[::25]:
        Genotype.from_compact(k).validate()
