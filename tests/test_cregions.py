"""The compiled region-count kernel (tropical._cregions) against the exact Python reference enumerator.

Every count the kernel returns must equal the Python path's (``use_compiled(False)``: the same algorithm on
the same integers) on random and planted-degenerate nets, over all of ``Q^n`` (the lineality code path), boxes
and bounded / unbounded polytopes; the rare pairs the kernel hands back to the exact Python clip must really
be handed back; budgets, time limits and Ctrl-C must return what the Python path returns; and the switches in
:mod:`tropical.backend` must route ``count_regions`` through the kernel.
"""

from __future__ import annotations

import gc
import itertools
import os
import random
import signal
import sys
import time
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tropical import backend as B
from tropical import regions as R
from tropical.backend import BackendError, compiled, compiled_available, set_compiled, use_compiled
from tropical.errors import BudgetExceededError
from tropical.network import ReLUNetwork
from tropical.regions import Box, Polytope, count_regions
from tropical.testing import relu_networks

if not compiled_available():
    pytest.skip("SKIPPED (compiled kernel not built): tropical._cregions is missing; install a C compiler and "
                "GMP's headers (Debian: apt-get install gcc libgmp-dev), then pip install -e .",
                allow_module_level=True)

_CI = 200 if os.environ.get("HYPOTHESIS_PROFILE") == "ci" else 25
CAP = 1500  # parity is also checked on the refusal when a drawn net has more regions than this


def _key(c):
    return (c.activation_regions, c.linear_regions, c.distinct_affine_maps)


def _counts(net, domain=None, *, on, **kw):
    """``(counts, partial, stopped, upper_bound)`` or ``("budget", message)``, the kernel on or off."""
    kw.setdefault("max_regions", None)
    with use_compiled(on):
        try:
            c = count_regions(net, domain, **kw)
        except BudgetExceededError as exc:
            return ("budget", str(exc))
    return (_key(c), c.partial, c.stopped, c.upper_bound)


def assert_parity(net, domain=None, **kw):
    """The compiled and the Python counts are identical (also a refusal and its message); returns them."""
    fast = _counts(net, domain, on=True, **kw)
    ref = _counts(net, domain, on=False, **kw)
    assert fast == ref, f"compiled {fast} != python {ref} for {net!r} on {domain!r}"
    return fast


class _Recorder:
    """Stands in for the kernel module in ``backend._state["cmod"]`` and records what ``count`` returned."""

    def __init__(self, real):
        self.real = real
        self.results = []

    def count(self, *args):
        out = self.real.count(*args)
        self.results.append(out)
        return out


@pytest.fixture
def recorder(monkeypatch):
    rec = _Recorder(B._state["cmod"] or B.compiled_module())
    monkeypatch.setitem(B._state, "cmod", rec)
    return rec


@pytest.fixture
def clip_calls(monkeypatch):
    """Counts the calls of the exact Python clip (both paths call ``regions._exact_adjacent_rows``)."""
    calls = []
    real = R._exact_adjacent_rows

    def counted(*args):
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(R, "_exact_adjacent_rows", counted)
    return calls


# ------------------------------------------------------------------------------------- planted degeneracies
DEGENERACIES = ("none", "duplicate", "opposite", "constant", "dead_downstream", "common_point", "big_denominators")


def plant(net, kind, rng):
    """A copy of ``net`` with one planted degeneracy in a random hidden layer (exact)."""
    W = [[list(map(Fraction, row)) for row in w] for w in net.weights]
    b = [list(map(Fraction, v)) for v in net.biases]
    li = rng.randrange(len(W) - 1)  # a hidden layer
    rows, bias = W[li], b[li]
    i, j = rng.randrange(len(rows)), rng.randrange(len(rows))
    if kind == "duplicate":
        rows[j], bias[j] = list(rows[i]), bias[i]
    elif kind == "opposite":  # the same hyperplane, the other side
        rows[j], bias[j] = [-x for x in rows[i]], -bias[i]
    elif kind == "constant":  # zero weights: never a partition plane (alive or dead by its bias)
        rows[i] = [Fraction(0)] * len(rows[i])
        bias[i] = Fraction(rng.choice([-1, 0, 1]))
    elif kind == "dead_downstream":  # nothing reads neuron i: the maps agree across its hyperplane
        for row in W[li + 1]:
            row[i] = Fraction(0)
    elif kind == "common_point":  # every neuron of the layer vanishes at one rational point
        p = [Fraction(rng.randint(-3, 3), rng.randint(1, 3)) for _ in rows[0]]
        for k, row in enumerate(rows):
            bias[k] = -sum(w * x for w, x in zip(row, p))
    elif kind == "big_denominators":  # rational weights with large, coprime denominators
        for row in rows:
            for k in range(len(row)):
                row[k] = Fraction(rng.randint(-10**6, 10**6), rng.choice([10**9 + 7, 2**61 - 1, 3**37]))
        bias[i] = Fraction(1, 10**12 + 39)
    return ReLUNetwork(W, b)


def make_domain(kind, n, rng):
    if kind == "box":
        lo = [Fraction(-rng.randint(1, 6), rng.randint(1, 3)) for _ in range(n)]
        return Box(lo, [x + Fraction(rng.randint(1, 8), rng.randint(1, 2)) for x in lo])
    if kind == "simplex":  # bounded: x_i >= -1, sum x_i <= 3
        return Polytope([[-1 if k == i else 0 for k in range(n)] for i in range(n)] + [[1] * n], [1] * n + [3])
    if kind == "wedge":  # unbounded, pointed for n <= 2
        return Polytope([[1] * n, [-1] + [0] * (n - 1)], [4, 3])
    if kind == "halfspace":  # unbounded with lines when n >= 2
        return Polytope([[1] + [0] * (n - 1)], [Fraction(1, 2)])
    return None


DOMAINS = (None, "box", "simplex", "wedge", "halfspace")


# ------------------------------------------------------------------------------------------------- parity
@settings(max_examples=3 * _CI, deadline=None)
@given(n=st.integers(1, 5), widths=st.lists(st.integers(1, 7), min_size=1, max_size=3), out=st.integers(1, 2),
       seed=st.integers(0, 10**6), dist=st.sampled_from(["integer", "gaussian"]),
       dom=st.sampled_from(DOMAINS), kind=st.sampled_from(DEGENERACIES), cap=st.sampled_from([CAP, CAP, 1, 7, 40]))
def test_random_nets_parity(n, widths, out, seed, dist, dom, kind, cap):
    rng = random.Random(seed)
    net = ReLUNetwork.random(n, widths, out, seed=seed, distribution=dist, scale=2 if dist == "integer" else 1)
    if kind != "none":
        net = plant(net, kind, rng)
    assert_parity(net, make_domain(dom, n, rng), max_regions=cap)


def drawn_net(s):
    """A seeded mid-sized net and domain (Hypothesis favours tiny nets): stacked plantings, every domain kind."""
    rng = random.Random(s)
    n = rng.randint(1, 4)
    widths = [rng.randint(2, 6) for _ in range(rng.randint(1, 3))]
    dist = rng.choice(["integer", "integer", "gaussian"])
    net = ReLUNetwork.random(n, widths, rng.randint(1, 2), seed=s, distribution=dist,
                             scale=rng.choice([1, 1, 2, 3]) if dist == "integer" else 1)
    for _ in range(rng.randint(0, 3)):
        net = plant(net, rng.choice(DEGENERACIES), rng)
    return net, make_domain(rng.choice(DOMAINS), n, rng)


def _sweep(count, seed0):
    sizes = []
    for s in range(seed0, seed0 + count):
        got = assert_parity(*drawn_net(s), max_regions=CAP)
        sizes.append(got[0][0] if got[0] != "budget" else CAP)
    return sizes


def test_seeded_sweep_parity():
    sizes = _sweep(150, 0)
    assert sum(100 <= k for k in sizes) >= 10  # the sweep reaches nets with many regions


@pytest.mark.slow
def test_seeded_sweep_parity_long():
    _sweep(3000, 10_000)


@settings(max_examples=_CI, deadline=None)
@given(net=relu_networks(input_dim=st.integers(1, 4), widths=st.lists(st.integers(1, 4), min_size=1, max_size=3),
                         output_dim=st.integers(1, 2)),
       dom=st.sampled_from(DOMAINS), seed=st.integers(0, 1000))
def test_degenerate_strategy_parity(net, dom, seed):
    """tropical.testing's planted degeneracies (duplicate, dead, parallel, ties, all-zero, zero row)."""
    assert_parity(net, make_domain(dom, net.input_dim, random.Random(seed)), max_regions=CAP)


@pytest.mark.parametrize("kind", DEGENERACIES[1:])
@pytest.mark.parametrize("dom", DOMAINS)
def test_every_degeneracy_on_every_domain(kind, dom):
    """Each planted degeneracy on each domain kind, on a net big enough for merges (deterministic)."""
    for seed in range(3):
        rng = random.Random(seed)
        net = plant(ReLUNetwork.random(2 + seed % 2, [4, 3], 2, seed=seed, distribution="integer", scale=2),
                    kind, rng)
        assert_parity(net, make_domain(dom, net.input_dim, rng))


def test_lines_and_affine_and_one_dimensional():
    # no hidden layer: the kernel is not used, but the answer is the same
    assert_parity(ReLUNetwork([[[1, 2]]], [[3]]))
    # all of Q^n with every hyperplane parallel: regions with lines (lineality) at every depth
    net = ReLUNetwork([[[1, 1, 0], [2, 2, 0], [-1, -1, 0]], [[1, -1, 1], [0, 1, 1]], [[1, 1]]],
                      [[0, -1, 2], [1, 0], [0]])
    assert assert_parity(net)[0][0] >= 3
    # the worked hat on a line
    hat = ReLUNetwork([[[1], [1], [1]], [[1, -2, 1]]], [[0, -1, -2], [0]])
    assert assert_parity(hat)[0] == (4, 4, 3)
    # progress lines do not change the counts
    assert_parity(ReLUNetwork.random(3, [5, 4], seed=2), progress=True)
    # a sliver thinner than floats see
    sliver = ReLUNetwork([[[1, 0], [10**12, 0], [0, 1]], [[1, 1, 1]]], [[0, -1, 0], [0]])
    assert_parity(sliver)
    assert_parity(sliver, Box(0, Fraction(1, 10**12)))


@pytest.mark.parametrize("n", [63, 64, 65, 70])
def test_more_inputs_than_the_float_filter_takes(n):
    # the certified float filter works on at most 64 homogeneous coordinates (n <= 63); beyond it the kernel
    # decides every sign exactly (with n >= 65 it used to write past a stack buffer and crash)
    rng = random.Random(n)
    for dist in ("gaussian", "integer"):
        net = ReLUNetwork.random(n, [3, 2], seed=n, distribution=dist)
        for dom in (None, "halfspace"):  # (bounded domains in 63+ dimensions have far too many vertices)
            assert_parity(net, make_domain(dom, n, rng))


@pytest.mark.parametrize(("n", "widths"), [(1, [80, 3]), (2, [70, 2])])
def test_more_cut_neurons_than_the_sign_masks_hold(n, widths):
    # a cell cut by more than 64 neurons of one layer: values past the 64th carry exact values eagerly
    # (the sign-only and sign-now-value-later masks are 64 bits wide)
    net = ReLUNetwork.random(n, widths, seed=1, distribution="gaussian")
    counts = assert_parity(net)
    assert counts[0][0] > 64


# ------------------------------------------------------------------------------------ exact cross products
def _kernel_stats():
    from tropical import _cregions  # type: ignore[attr-defined]

    return _cregions.stats()


@pytest.mark.parametrize("dom", [None, "box", "simplex"])
def test_exact_cross_products_carry_the_new_generators(dom):
    # with n + 1 <= 8 coordinates nearly every new generator is the exact cross product of its facets' rows,
    # which reduce divides by the content hint without a remainder check (see reduce in _cregions.c)
    net = ReLUNetwork.random(4, [7, 7, 6], seed=3, distribution="gaussian")
    assert_parity(net, make_domain(dom, 4, random.Random(0)))  # the kernel runs first: the stats are its run
    s = _kernel_stats()
    assert s["seeded"] > 0 and s["exact_reductions"] > 0
    assert s["exact_generators"] >= 0.9 * s["new_generators"] > 0


@pytest.mark.parametrize("n", [6, 7, 8])
def test_exact_cross_products_around_their_dimension_limit(n):
    # 7 and 8 homogeneous coordinates are tracked, 9 are not (BASIS_MAX); planted degeneracies make vertices
    # with more tight facets than n. On all of R^n a first layer of 5 neurons leaves lines in every cell, so no
    # cross product is seeded and the checked hint does the work: both paths run in this test
    exact = checked = 0
    for seed, kind in enumerate(("none", "common_point", "duplicate", "opposite")):
        rng = random.Random(seed)
        net = plant(ReLUNetwork.random(n, [5, 4], seed=seed, distribution="gaussian" if seed % 2 else "integer"),
                    kind, rng)
        for dom in (None, "box", "halfspace"):
            assert_parity(net, make_domain(dom, n, rng), max_regions=CAP)
            s = _kernel_stats()
            if n + 1 > 8:
                assert s["exact_generators"] == s["seeds_tried"] == s["exact_reductions"] == 0
            else:
                exact += s["exact_reductions"]
                checked += s["checked_reductions"]
    assert n + 1 > 8 or (exact > 0 and checked > 0)


# --------------------------------------------------------------------------------------- the exact fallback
def _fallback_nets(limit=3):
    """Nets on which the compiled kernel hands pairs back to the exact Python clip (searched over seeds)."""
    found = []
    for dist, n, widths in (("integer", 3, [4, 4]), ("integer", 3, [3, 3, 3]), ("gaussian", 3, [4, 4])):
        for seed in range(40):
            net = ReLUNetwork.random(n, widths, seed=seed, distribution=dist, scale=2 if dist == "integer" else 1)
            rec = _Recorder(B._state["cmod"])
            old = B._state["cmod"]
            B._state["cmod"] = rec
            try:
                with use_compiled(True):
                    count_regions(net, max_regions=None)
            finally:
                B._state["cmod"] = old
            if rec.results[0][5] > 0:
                found.append(net)
                break
        if len(found) >= limit:
            break
    return found


@pytest.fixture(scope="module")
def fallback_nets():
    nets = _fallback_nets()
    assert len(nets) >= 2, "no net found whose count needs the exact fallback: the search is stale"
    return nets


def test_fallback_is_exercised_and_agrees(fallback_nets, recorder, clip_calls):
    from tropical.regions import _Enumerator, _Merger

    for net in fallback_nets:
        recorder.results.clear()
        del clip_calls[:]
        with use_compiled(True):
            fast = count_regions(net, max_regions=None)
        (act, lin, dist, status, _splits, fallbacks), = recorder.results
        assert status == 0 and fallbacks > 0
        assert len(clip_calls) == fallbacks  # every counted pair really went to Python
        assert (act, lin, dist) == _key(fast)
        # the kernel's cheap tests decide at least what the Python merger's decide (its opposite-facet shortcut
        # may settle more pairs), so it never needs more clips
        merger = _Merger(net.input_dim, keep_edges=False)
        en = _Enumerator(net, None, max_regions=None, time_budget=None, progress=False)
        for raw in en.run():
            merger.release(en.closed)
            merger.add(raw)
        assert 0 < fallbacks <= merger.fallback_pairs
        assert (merger.count, merger.linear_regions, len(merger.mapids)) == (act, lin, dist)
        assert_parity(net)


# drawn_net seeds whose pairs sent to the exact clip decide a merge (found by a search with a compiled kernel
# that merged every undecided pair: 3 hits in 93k nets); the test checks that they still need the clip
VERDICT_SEEDS = (1138, 2815, 5552)


def test_fallback_verdict_is_used(monkeypatch, clip_calls):
    """The kernel merges exactly as the exact clip answers: with the clip's answer inverted both paths still
    agree, and the linear counts change (so neither path guesses on its own)."""
    truth = []
    for s in VERDICT_SEEDS:
        del clip_calls[:]
        truth.append(assert_parity(*drawn_net(s)))
        assert clip_calls, f"drawn_net({s}) no longer needs the exact clip: refresh VERDICT_SEEDS"
    real = R._exact_adjacent_rows
    monkeypatch.setattr(R, "_exact_adjacent_rows", lambda *a: not real(*a))
    inverted = [assert_parity(*drawn_net(s)) for s in VERDICT_SEEDS]
    assert [t[0][0] for t in truth] == [i[0][0] for i in inverted]  # activation regions do not depend on it
    assert any(t[0][1] != i[0][1] for t, i in zip(truth, inverted))


def test_fallback_error_propagates(fallback_nets, monkeypatch):
    def broken(*args):
        raise RuntimeError("clip failed")

    monkeypatch.setattr(R, "_exact_adjacent_rows", broken)
    with use_compiled(True), pytest.raises(RuntimeError, match="clip failed"):
        count_regions(fallback_nets[0], max_regions=None)


def test_interrupt_inside_the_fallback_returns_partial_counts(fallback_nets, monkeypatch):
    net = fallback_nets[0]
    total = _counts(net, on=True)[0]

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(R, "_exact_adjacent_rows", interrupted)
    with use_compiled(True):
        c = count_regions(net, max_regions=None)
    assert c.partial and c.stopped == "interrupted"
    assert 0 < c.activation_regions < total[0]
    assert c.linear_regions <= c.activation_regions and c.distinct_affine_maps <= c.linear_regions


# --------------------------------------------------------------------------------------------- guard rails
def test_max_regions_refusal_matches_python():
    net = ReLUNetwork.random(2, [8, 8], seed=0)
    total = _counts(net, on=True)[0][0]
    for cap in (1, 10, total - 1):
        fast = _counts(net, on=True, max_regions=cap)
        assert fast[0] == "budget" and f"max_regions={cap}" in fast[1]
        assert fast == _counts(net, on=False, max_regions=cap)
    assert assert_parity(net, max_regions=total)[0][0] == total  # exactly at the cap: no refusal


def test_time_budget_is_partial():
    net = ReLUNetwork.random(3, [8, 8, 8], seed=0)
    full = _counts(net, on=True)
    with use_compiled(True):
        c = count_regions(net, time_budget=1e-6, max_regions=None)
        roomy = count_regions(net, time_budget=600, max_regions=None)
    assert c.partial and c.stopped == "time_budget" and c.as_dict()["stopped"] == "time_budget"
    assert all(p <= f for p, f in zip(_key(c), full[0]))
    assert c.activation_regions < full[0][0]
    assert (_key(roomy), roomy.partial, roomy.stopped) == full[:3]


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs signal.setitimer (POSIX)")
@pytest.mark.parametrize("clip", ["python", "builtin"])
def test_ctrl_c_returns_partial_counts(clip, monkeypatch):
    """A real SIGINT, 0.3 s into a count that takes over half a second in C, returns the counts so far.

    The signal comes from a SIGALRM handler (``setitimer``), not from a thread calling
    ``_thread.interrupt_main``: the kernel holds the GIL, so such a thread runs only once the kernel calls back
    into Python. With ``clip="builtin"`` the exact clip is a C builtin (``itertools.chain``: no Python bytecode
    runs inside the kernel, and every undecided pair merges -- the full count uses the same), so only the
    kernel's own signal check can notice the interrupt."""
    if clip == "builtin":
        monkeypatch.setattr(R, "_exact_adjacent_rows", itertools.chain)
    for n, widths in ((4, [10, 10, 10]), (4, [12, 12, 12]), (5, [12, 12, 12]), (5, [16, 16, 16])):
        net = ReLUNetwork.random(n, widths, seed=0)
        start = time.perf_counter()
        full = _counts(net, on=True, time_budget=60)
        assert not full[1], "no Ctrl-C net between 0.6 s and 60 s in C"
        if time.perf_counter() - start >= 0.6:
            break
    else:
        pytest.fail("every Ctrl-C candidate net takes under 0.6 s in C now: add a bigger one")

    def alarm(signum, frame):
        os.kill(os.getpid(), signal.SIGINT)

    old = signal.signal(signal.SIGALRM, alarm)
    c = None
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        with use_compiled(True):
            c = count_regions(net, max_regions=None)
        time.sleep(0.05)
    except KeyboardInterrupt:
        pytest.fail("KeyboardInterrupt escaped count_regions (or arrived after it finished)")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    assert c.partial and c.stopped == "interrupted"
    assert 0 < c.activation_regions < full[0][0]
    assert all(p <= f for p, f in zip(_key(c), full[0]))
    assert c.linear_regions <= c.activation_regions


# ------------------------------------------------------------------------------------------------ switches
def test_count_regions_goes_through_the_kernel(monkeypatch):
    net = ReLUNetwork.random(2, [3, 3], seed=1, distribution="integer", scale=2)
    seen = []
    real = R._count_compiled

    def spy(kernel, en):
        seen.append(kernel)
        return real(kernel, en)

    monkeypatch.setattr(R, "_count_compiled", spy)
    with use_compiled(True):
        assert compiled() and B.compiled_module() is not None
        count_regions(net)
    assert len(seen) == 1 and seen[0] is B._state["cmod"]
    with use_compiled(False):
        assert B.compiled_module() is None
        count_regions(net)
    assert len(seen) == 1

    def no_python(self, raw, key=None):
        raise AssertionError("the Python merger ran although the kernel is on")

    monkeypatch.setattr(R._Merger, "add", no_python)
    with use_compiled(True):
        count_regions(net)
    with use_compiled(False), pytest.raises(AssertionError, match="Python merger ran"):
        count_regions(net)


def test_set_compiled_validates(monkeypatch):
    old = B._state["compiled"]
    try:
        assert set_compiled(False) is False and not compiled()
        assert set_compiled(True) is True and compiled()
        for bad in ("yes", 1, None):
            with pytest.raises(BackendError, match="set_compiled takes True or False"):
                set_compiled(bad)
        monkeypatch.setitem(B._state, "cmod", False)
        assert not compiled_available()
        with pytest.raises(BackendError, match="not built"):
            set_compiled(True)
        with pytest.raises(BackendError, match="not built"), use_compiled(True):
            pass
        assert set_compiled(False) is False
    finally:
        B._state["compiled"] = old


@pytest.mark.parametrize(("env", "expected"), [
    ("0", False), ("off", False), ("no", False), ("false", False), ("1", True), (" On ", True), ("yes", True),
    ("TRUE", True), ("auto", True)])
def test_env_switch(monkeypatch, env, expected):
    monkeypatch.setitem(B._state, "compiled", None)
    monkeypatch.setenv("TROPICAL_COMPILED", env)
    assert compiled() is expected
    monkeypatch.setitem(B._state, "compiled", None)
    monkeypatch.delenv("TROPICAL_COMPILED")
    assert compiled() is True  # default auto: on when built


def test_env_switch_errors(monkeypatch):
    monkeypatch.setitem(B._state, "compiled", None)
    monkeypatch.setenv("TROPICAL_COMPILED", "fast")
    with pytest.raises(BackendError, match="TROPICAL_COMPILED='fast'"):
        compiled()
    monkeypatch.setitem(B._state, "cmod", False)
    monkeypatch.setenv("TROPICAL_COMPILED", "1")
    with pytest.raises(BackendError, match="TROPICAL_COMPILED='1'.*not built"):
        compiled()
    monkeypatch.setenv("TROPICAL_COMPILED", "auto")
    assert compiled() is False  # auto without the kernel: the Python path
    net = ReLUNetwork.random(2, [3], seed=0)
    assert _key(count_regions(net)) == _counts(net, on=False)[0]


# ------------------------------------------------------------------------------------------------- memory
def test_no_reference_leaks(fallback_nets):
    """Repeated kernel calls leave every argument's (and the fallback's) reference count unchanged."""
    kernel = B._state["cmod"]
    nets = [ReLUNetwork.random(2 + s % 3, [3, 3], seed=s, distribution="integer", scale=2) for s in range(20)]
    nets += fallback_nets
    clip = R._exact_adjacent_rows
    gc.collect()
    before = sys.getrefcount(clip), sys.getrefcount(kernel)
    with use_compiled(True):
        for _ in range(10):
            for net in nets:
                count_regions(net, Box(-2, 3), max_regions=None)
    gc.collect()
    assert (sys.getrefcount(clip), sys.getrefcount(kernel)) == before
    # the kernel's own arguments: call it directly with fixed objects, many times
    en = R._Enumerator(fallback_nets[0], None, max_regions=None, time_budget=None, progress=False)
    poly = en.poly
    nw = (len(poly.ineqs) + sum(en.widths) + 1 + 63) // 64
    args = (en.n, en.layers, list(poly.ineqs), list(poly.gens),
            [[(z >> (64 * w)) & ((1 << 64) - 1) for w in range(nw)] for z in poly.incs], list(poly.lines_),
            [(poly.active >> (64 * w)) & ((1 << 64) - 1) for w in range(nw)], nw, -1, 0.0, False, clip)
    probes = [a for a in args if not isinstance(a, (int, float, bool))]
    probes += [row for a in args[2:6] for row in a] + [en.layers[0][0][0]]
    first = kernel.count(*args)
    counts = [sys.getrefcount(p) for p in probes]
    for _ in range(200):
        assert kernel.count(*args) == first
    gc.collect()
    assert [sys.getrefcount(p) for p in probes] == counts
    assert first[5] > 0  # the fallback path (Python callback, row conversions) was part of the probe


def test_no_memory_growth(fallback_nets):
    """200 small counts in the kernel (some with exact clips): Python-level allocations stay bounded."""
    import tracemalloc

    nets = [ReLUNetwork.random(2, [4, 3], seed=s, distribution="gaussian") for s in range(17)] + fallback_nets
    with use_compiled(True):
        for net in nets:
            count_regions(net, max_regions=None)
        gc.collect()
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            for _ in range(10):
                for net in nets:
                    count_regions(net, max_regions=None)
            gc.collect()
            grown = tracemalloc.get_traced_memory()[0] - base
        finally:
            tracemalloc.stop()
    # (measured: 0 bytes; a kernel that leaks the rows it hands to the exact clip leaves about 10 kB here)
    assert grown < 4096, f"{grown} bytes of Python objects survived 200 counts"


# ------------------------------------------------------------------------------------------------- heavier
@pytest.mark.slow
@pytest.mark.parametrize(("n", "widths", "seed", "dist"), [
    (3, [8, 8, 8], 0, "gaussian"), (5, [7, 7, 7], 0, "integer"), (4, [6, 6, 6], 3, "integer"),
    (2, [12, 12], 5, "gaussian"), (5, [5, 5, 5], 1, "gaussian")])
def test_bigger_nets_parity(n, widths, seed, dist):
    net = ReLUNetwork.random(n, widths, seed=seed, distribution=dist, scale=2 if dist == "integer" else 1)
    rng = random.Random(seed)
    for dom in (None, "box", "halfspace"):
        assert_parity(net, make_domain(dom, n, rng))
    assert_parity(plant(net, "duplicate", rng))
    assert_parity(plant(net, "common_point", rng))

