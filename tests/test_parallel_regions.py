"""tropical.parallel: the multi-process counts equal the serial enumerator's (the oracle) on every net."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tropical.backend import compiled_available, use_compiled
from tropical.errors import BudgetExceededError, InvalidArgumentError, WrongTypeError
from tropical.network import ReLUNetwork
from tropical.parallel import count_regions_parallel, partition_pieces
from tropical.regions import Box, Polytope, activation_regions, count_regions

_CI = 4 if os.environ.get("HYPOTHESIS_PROFILE") == "ci" else 1
# the pieces run on the Python enumerator, and on the compiled kernel when it is built
KERNELS = [False, True] if compiled_available() else [False]


def _key(c):
    return (c.activation_regions, c.linear_regions, c.distinct_affine_maps)


def _degenerate(net, rng):
    """Copy ``net`` with duplicated, negated, dead and zero-slope neurons in its first layer (kept exact)."""
    W = [list(map(list, w)) for w in net.weights]
    b = [list(v) for v in net.biases]
    kind = rng.randrange(4)
    if kind == 0 and len(W[0]) > 1:  # a duplicated neuron: its hyperplane is a partition plane twice
        W[0][1], b[0][1] = list(W[0][0]), b[0][0]
    elif kind == 1 and len(W[0]) > 1:  # the opposite neuron: the same hyperplane, the other side
        W[0][1], b[0][1] = [-x for x in W[0][0]], -b[0][0]
    elif kind == 2:  # a neuron that is constant (zero slope): never a partition plane
        W[0][0] = [Fraction(0)] * len(W[0][0])
    else:  # dead downstream: every outgoing weight of neuron 0 is zero, so maps agree across its hyperplane
        for row in W[1]:
            row[0] = Fraction(0)
    return ReLUNetwork(W, b)


nets = st.builds(
    lambda n, widths, seed, dist, degenerate: (n, widths, seed, dist, degenerate),
    st.integers(1, 3),
    st.lists(st.integers(1, 5), min_size=2, max_size=3),
    st.integers(0, 10_000),
    st.sampled_from(["integer", "gaussian"]),
    st.booleans(),
)
domains = st.sampled_from([None, "box", "polytope"])


def _domain(kind, n):
    if kind == "box":
        return Box(-2, Fraction(3, 2))
    if kind == "polytope":  # a simplex-like unbounded wedge plus a cap
        return Polytope([[1] * n, [-1] + [0] * (n - 1)], [4, 3])
    return None


@settings(max_examples=15 * _CI, deadline=None)
@given(nets, domains, st.sampled_from([2, 3]), st.sampled_from(KERNELS))
def test_parallel_counts_equal_serial(spec, dom, workers, kernel):
    import random

    n, widths, seed, dist, degenerate = spec
    net = ReLUNetwork.random(n, widths, seed=seed, distribution=dist, scale=2 if dist == "integer" else 1)
    if degenerate:
        net = _degenerate(net, random.Random(seed))
    domain = _domain(dom, n)
    with use_compiled(False):  # the oracle: the serial Python enumerator
        serial = count_regions(net, domain, max_regions=None)
    with use_compiled(kernel):
        par = count_regions_parallel(net, domain, workers=workers, max_regions=None, pieces_per_worker=2)
    assert _key(par) == _key(serial)
    assert not par.partial and par.stopped is None and par.upper_bound == serial.upper_bound


@pytest.mark.parametrize("kernel", KERNELS)
def test_merges_across_partition_planes_are_found(kernel):
    """A net whose output ignores its first neuron: the serial count merges across that neuron's hyperplane;
    the parallel count must join the pieces on both sides of it (it is a partition plane)."""
    net = ReLUNetwork([[[1, 0], [0, 1], [1, 1]], [[0, 1, -1]]], [[0, 0, -1], [0]])
    pieces, planes = partition_pieces(net, target=4)
    assert planes[0] == (1, 0, 0) and len(pieces) >= 4
    serial = count_regions(net)
    assert serial.linear_regions < serial.activation_regions  # there are merges to find
    with use_compiled(kernel):
        assert _key(count_regions_parallel(net, workers=2, pieces_per_worker=2)) == _key(serial)


@pytest.mark.parametrize("kernel", KERNELS)
def test_compiled_pieces_report_what_python_pieces_report(kernel):
    """The piece report (counts, class roots, the touching regions' sides, facets and tight generators) of the
    compiled kernel equals the Python enumerator's, up to the encoding of the map keys (each path its own)."""
    from tropical.parallel import _enumerate_piece
    from tropical.polyhedron import primitive

    net = ReLUNetwork.random(3, [5, 4], seed=3, distribution="integer", scale=2)
    pieces, planes = partition_pieces(net, target=4)
    for piece in pieces:
        with use_compiled(False):
            ref = _enumerate_piece(net, piece, planes, None, None)
        with use_compiled(kernel):
            got = _enumerate_piece(net, piece, planes, None, None)
        assert (got["count"], got["linear"], len(got["maps"]), got["stopped"]) == (
            ref["count"], ref["linear"], len(ref["maps"]), ref["stopped"])

        def canon(rep):  # map keys by rank among the touching regions; generators made primitive (the
            # compiled kernel may hand over a positive multiple: the same ray)
            keys = {k: i for i, k in enumerate(dict.fromkeys(t[1] for t in rep["touching"]))}
            return sorted((root, keys[key], sorted((h, s, sorted(map(primitive, tight))) for h, s, tight in on),
                           sorted(every), sorted(lines)) for root, key, on, every, lines in rep["touching"])

        assert canon(got) == canon(ref)


def test_equal_maps_on_both_sides_of_a_plane_without_a_shared_facet_stay_apart():
    """f = relu(relu(x) - relu(-y)) + relu(relu(-x) - relu(y)) is 0 on {x > 0, x + y < 0} and on
    {x < 0, x + y > 0}: both touch the partition plane x = 0 (along y < 0 and y > 0), have the same map, and
    meet only at the origin, so they are two linear regions."""
    net = ReLUNetwork([[[1, 0], [-1, 0], [0, 1], [0, -1]], [[1, 0, 0, -1], [0, 1, -1, 0]], [[1, 1]]],
                      [[0, 0, 0, 0], [0, 0], [0]])
    assert (1, 0, 0) in partition_pieces(net, target=4)[1]
    serial = count_regions(net)
    assert _key(serial) == (6, 6, 5)
    assert _key(count_regions_parallel(net, workers=2, pieces_per_worker=2)) == _key(serial)


def test_pieces_partition_the_domain():
    net = ReLUNetwork.random(2, [6, 4], seed=3, distribution="gaussian")
    domain = Box(-1, 1)
    pieces, planes = partition_pieces(net, domain, target=6)
    assert len(pieces) >= 6 and len(planes) >= 2
    # every activation region lies in exactly one piece (its interior point does)
    for r in activation_regions(net, domain, max_regions=None):
        x = r.interior_point
        inside = [all(sum(a * v for a, v in zip(row, x)) < c for row, c in zip(p.A, p.b)) for p in pieces]
        assert sum(inside) == 1
    total = sum(count_regions(net, p, max_regions=None).activation_regions for p in pieces)
    assert total == count_regions(net, domain, max_regions=None).activation_regions


def test_backend_and_one_worker_paths():
    from tropical.backend import use_backend

    net = ReLUNetwork.random(3, [5, 5], seed=7, distribution="integer", scale=3)
    serial = count_regions(net)
    assert _key(count_regions_parallel(net, workers=1)) == _key(serial)
    with use_backend("python"):
        assert _key(count_regions_parallel(net, workers=2)) == _key(serial)
    one_layer = ReLUNetwork.random(2, [5], seed=1)
    assert _key(count_regions_parallel(one_layer, workers=2)) == _key(count_regions(one_layer))


def test_bad_arguments_are_named():
    net = ReLUNetwork.random(2, [3, 3], seed=0)
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(InvalidArgumentError, match="workers"):
            count_regions_parallel(net, workers=bad)
    with pytest.raises(InvalidArgumentError, match="target"):
        partition_pieces(net, target=0)
    with pytest.raises(InvalidArgumentError, match="pieces_per_worker"):
        count_regions_parallel(net, workers=2, pieces_per_worker=0)
    with pytest.raises(InvalidArgumentError, match="time_budget"):
        count_regions_parallel(net, workers=2, time_budget=-1)
    with pytest.raises(WrongTypeError):
        count_regions_parallel("not a net", workers=2)


def test_max_regions_and_time_budget():
    net = ReLUNetwork.random(3, [8, 8], seed=0, distribution="gaussian")
    total = count_regions(net, max_regions=None).activation_regions
    with pytest.raises(BudgetExceededError, match="max_regions=10"):
        count_regions_parallel(net, workers=2, max_regions=10)
    big = ReLUNetwork.random(4, [12, 12, 12], seed=0, distribution="gaussian")
    t = time.perf_counter()
    c = count_regions_parallel(big, workers=2, max_regions=None, time_budget=1.0, pieces_per_worker=16)
    assert c.partial and c.stopped == "time_budget" and 0 < c.activation_regions
    # every piece stops at the call's deadline, also the ones that start late (32 pieces on 2 processes)
    assert time.perf_counter() - t < 8
    assert total > 0


@pytest.mark.skipif(sys.platform == "win32", reason="process groups and SIGINT are POSIX")
def test_ctrl_c_returns_partial_counts(tmp_path):
    script = tmp_path / "run.py"
    script.write_text(textwrap.dedent("""
        from tropical.network import ReLUNetwork
        from tropical.parallel import count_regions_parallel
        net = ReLUNetwork.random(4, [12, 12, 12], seed=0, distribution="gaussian")
        print("START", flush=True)
        c = count_regions_parallel(net, workers=2, max_regions=None)
        print("RESULT", c.activation_regions, c.partial, c.stopped, flush=True)
    """))
    p = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
    assert p.stdout is not None
    assert p.stdout.readline().strip() == "START"
    time.sleep(2.0)
    t = time.perf_counter()
    os.killpg(p.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole process group
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err
    assert time.perf_counter() - t < 20
    fields = out.split()
    assert fields[0] == "RESULT" and int(fields[1]) > 0 and fields[2:] == ["True", "interrupted"], out
    assert "Traceback" not in err
