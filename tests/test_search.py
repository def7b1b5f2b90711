"""Tests of the search loops on a toy space (no benchmark data needed)."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from canopy.errors import CanopyError, StoreError
from canopy.search import (
    GreedyNeighbour,
    Individual,
    RandomNeighbour,
    SearchConfig,
    Tournament,
    aggregate,
    final_summary,
    random_search,
    regularized_evolution,
    run_seeds,
)
from canopy.search.fitness import CachedFitness, MemoryStore, make_fitness
from canopy.search.spaces import BitStrings, PoolSpace, get_space


def ones(arch):
    return float(sum(arch))


def weighted(arch):
    return float(sum((i + 1) * b for i, b in enumerate(arch)))


def toy_oracle(arch):
    """valid = ones, test = a deliberately different function of the arch."""
    return float(sum(arch)), float(arch[0] * 10 + sum(arch))


# ---------------------------------------------------------------- strategies


def test_tournament_without_replacement_draws_distinct_members():
    pop = [Individual(i, str(i), float(i)) for i in range(5)]
    # sampling all 5 without replacement always finds the best
    for s in range(20):
        assert Tournament(5, replace=False)(pop, np.random.default_rng(s)).key == "4"


def test_tournament_with_replacement_can_miss_the_best():
    pop = [Individual(i, str(i), float(i)) for i in range(5)]
    picks = {Tournament(5, replace=True)(pop, np.random.default_rng(s)).key for s in range(200)}
    assert "4" in picks and len(picks) > 1


def test_tournament_rejects_bad_settings():
    with pytest.raises(CanopyError, match="sample_size"):
        Tournament(0)
    pop = [Individual(0, "0", 0.0)]
    with pytest.raises(CanopyError, match="without replacement"):
        Tournament(3, replace=False)(pop, np.random.default_rng(0))
    with pytest.raises(CanopyError, match="empty"):
        Tournament(1)([], np.random.default_rng(0))


def test_tournament_nan_loses():
    pop = [Individual(0, "0", math.nan), Individual(1, "1", -5.0)]
    assert Tournament(2, replace=False)(pop, np.random.default_rng(0)).key == "1"


def test_mutation_strategies_return_neighbours():
    space = BitStrings(5)
    arch = (0, 0, 0, 0, 0)
    rng = np.random.default_rng(0)
    for _ in range(10):
        child = RandomNeighbour()(arch, space, rng)
        assert sum(child) == 1
    greedy = GreedyNeighbour(score=weighted, p_random=0.0)
    assert greedy(arch, space, rng) == (0, 0, 0, 0, 1)


# ---------------------------------------------------------------- REA


def test_rea_logs_one_step_per_evaluation_and_finds_optimum():
    t = regularized_evolution(BitStrings(10), ones, n_evals=300, population_size=20, sample_size=5, seed=3)
    assert [s.n_evals for s in t.steps] == list(range(1, 301))
    assert t.final.proxy_best == 10.0
    best = [s.proxy_best for s in t.steps]
    assert best == sorted(best)  # the incumbent's fitness never decreases
    assert 0 < t.n_unique <= 300


def test_rea_same_seed_same_path_different_seed_differs():
    kw = dict(n_evals=120, population_size=10, sample_size=3)
    a = regularized_evolution(BitStrings(12), weighted, seed=7, **kw)
    b = regularized_evolution(BitStrings(12), weighted, seed=7, **kw)
    c = regularized_evolution(BitStrings(12), weighted, seed=8, **kw)
    assert a.same_path(b)
    assert not a.same_path(c)


def test_rea_accepts_a_generator_seed():
    t = regularized_evolution(BitStrings(4), ones, n_evals=10, population_size=5, seed=np.random.default_rng(0))
    assert len(t.steps) == 10


def test_rea_aging_removes_the_oldest():
    """With a population of 1 the parent is always the newest child: a random walk (aging, not fitness)."""
    seen = []

    def fit(arch):
        seen.append(arch)
        return -float(sum(arch))  # prefers zeros: a fitness-based removal would stay at the best

    regularized_evolution(BitStrings(6), fit, n_evals=30, population_size=1, sample_size=1, seed=0)
    for prev, nxt in zip(seen, seen[1:]):
        assert sum(a != b for a, b in zip(prev, nxt)) == 1  # each child mutates the previous child


def test_rea_custom_strategies_receive_the_rng():
    calls = []

    def selection(population, rng):
        assert isinstance(rng, np.random.Generator)
        calls.append("sel")
        return population[int(rng.integers(len(population)))]

    def mutation(arch, space, rng):
        assert isinstance(rng, np.random.Generator)
        calls.append("mut")
        return space.neighbours(arch)[0]

    t = regularized_evolution(
        BitStrings(4), ones, n_evals=12, population_size=4, seed=0, mutation=mutation, selection=selection
    )
    assert calls.count("sel") == calls.count("mut") == 8
    assert t.settings["mutation"] == "function"


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n_evals=0), "n_evals"),
        (dict(population_size=0), "population_size"),
        (dict(n_evals=5, population_size=10), "must be >="),
        (dict(seed=1.5), "seed"),
        (dict(seed=True), "seed"),
    ],
)
def test_rea_rejects_bad_arguments(kwargs, match):
    with pytest.raises(CanopyError, match=match):
        regularized_evolution(BitStrings(4), ones, **kwargs)


def test_incumbent_test_is_not_a_running_maximum():
    """The logged test accuracy is the incumbent's, even when an earlier arch had a higher test accuracy."""
    archs = iter([(1, 0, 0), (0, 1, 1)])

    class Fixed(BitStrings):
        def sample(self, rng):
            return next(archs)

    # fitness (= valid) prefers (0,1,1); test prefers (1,0,0): test of incumbent must drop from 11 to 2
    t = random_search(Fixed(3), ones, n_evals=2, seed=0, oracle=toy_oracle)
    assert [s.test_of_incumbent for s in t.steps] == [11.0, 2.0]
    assert [s.incumbent for s in t.steps] == ["100", "011"]


def test_oracle_never_drives_selection():
    """Changing the test accuracies changes nothing but the logged test column."""
    kw = dict(n_evals=80, population_size=10, sample_size=3, seed=2)
    a = regularized_evolution(BitStrings(8), weighted, oracle=lambda x: (None, 1.0), **kw)
    b = regularized_evolution(BitStrings(8), weighted, oracle=lambda x: (None, float(sum(x))), **kw)
    assert [s.incumbent for s in a.steps] == [s.incumbent for s in b.steps]


# ---------------------------------------------------------------- random search


def test_random_search_is_reproducible():
    a = random_search(BitStrings(8), weighted, n_evals=50, seed=5)
    b = random_search(BitStrings(8), weighted, n_evals=50, seed=5)
    assert a.same_path(b) and a.algorithm == "random"
    with pytest.raises(CanopyError, match="n_evals"):
        random_search(BitStrings(8), weighted, n_evals=-1)


@given(st.integers(0, 2**32 - 1))
def test_random_search_incumbent_is_argmax_of_prefix(seed):
    t = random_search(BitStrings(5), weighted, n_evals=15, seed=seed)
    values = []
    for s in t.steps:
        values.append(s.proxy_best)
    assert values == sorted(values)
    assert t.final.proxy_best == max(weighted(BitStrings(5).parse(s.incumbent)) for s in t.steps)


# ---------------------------------------------------------------- fresh process


_SCRIPT = """
import json, sys
from canopy.search import regularized_evolution
from canopy.search.spaces import BitStrings
def weighted(a):
    return float(sum((i + 1) * b for i, b in enumerate(a)))
t = regularized_evolution(BitStrings(12), weighted, n_evals=150, population_size=10, sample_size=4, seed=11)
print(json.dumps(t.path()))
"""


def test_same_seed_same_trajectory_in_a_fresh_process():
    here = regularized_evolution(BitStrings(12), weighted, n_evals=150, population_size=10, sample_size=4, seed=11)
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    there = [tuple(row) for row in json.loads(out)]
    assert there == here.path()


# ---------------------------------------------------------------- fitness and cache


def test_cached_fitness_uses_memory_and_store():
    calls = []

    def fn(arch):
        calls.append(arch)
        return ones(arch)

    store = MemoryStore()
    f = CachedFitness(fn, "bits3", "ones", key=BitStrings(3).key, store=store)
    assert f((1, 1, 0)) == 2.0 and f((1, 1, 0)) == 2.0
    assert calls == [(1, 1, 0)] and (f.calls, f.hits) == (1, 1)
    g = CachedFitness(fn, "bits3", "ones", key=BitStrings(3).key, store=store)
    assert g((1, 1, 0)) == 2.0 and len(calls) == 1  # served by the store
    only = CachedFitness(fn, "bits3", "ones", key=BitStrings(3).key, store=store, store_only=True)
    with pytest.raises(StoreError, match="no stored"):
        only((0, 0, 0))


def test_cached_fitness_with_the_durable_store(tmp_path):
    from canopy.store import ResultStore

    calls = []

    def fn(arch):
        calls.append(arch)
        return float("nan") if arch == (0, 0) else ones(arch)

    with ResultStore(tmp_path / "r.sqlite") as store:
        f = CachedFitness(fn, "bits2", "ones", key=BitStrings(2).key, settings={"m": 1}, store=store)
        assert f((1, 0)) == 1.0 and math.isnan(f((0, 0)))
    with ResultStore(tmp_path / "r.sqlite") as store:
        g = CachedFitness(fn, "bits2", "ones", key=BitStrings(2).key, settings={"m": 1}, store=store)
        assert g((1, 0)) == 1.0 and math.isnan(g((0, 0)))
    assert len(calls) == 2


def test_make_fitness_refuses_test_and_unknown_names():
    with pytest.raises(CanopyError, match="never a search fitness"):
        make_fitness(BitStrings(3), "test")
    with pytest.raises(CanopyError, match="no ground truth"):
        make_fitness(BitStrings(3), "valid")
    with pytest.raises(CanopyError, match="no tropical score"):
        make_fitness(BitStrings(3), "tropical")
    with pytest.raises(CanopyError, match="needs a store"):
        make_fitness(BitStrings(3), "stored:vkdnw")


def test_get_space_rejects_unknown_names():
    with pytest.raises(CanopyError, match="unknown search space"):
        get_space("nope")


# ---------------------------------------------------------------- pool space


def test_pool_space_neighbours_are_nearest_members():
    pool = [(0, 0, 0), (0, 0, 1), (1, 1, 0), (1, 1, 1)]
    space = PoolSpace("p", pool, key=str, distance=lambda a, b: sum(x != y for x, y in zip(a, b)),
                      labels={str(a): (float(sum(a)), None) for a in pool})
    assert space.neighbours((0, 0, 0)) == [(0, 0, 1)]
    assert space.neighbours((1, 1, 0)) == [(1, 1, 1)]
    t = regularized_evolution(space, ones, n_evals=20, population_size=2, sample_size=2, seed=0,
                              oracle=space.ground_truth())
    assert t.final.proxy_best == 3.0 and t.final.valid_of_incumbent == 3.0 and t.final.test_of_incumbent is None


# ---------------------------------------------------------------- runner, store, aggregation


def test_run_seeds_stores_and_reuses_trajectories(tmp_path):
    from canopy.store import ResultStore

    cfg = SearchConfig(space="bits8", fitness="weighted", n_evals=40, population_size=8, sample_size=3)
    with ResultStore(tmp_path / "s.sqlite") as store:
        first = run_seeds(cfg, [0, 1, 2], space=BitStrings(8), fitness=weighted, oracle=toy_oracle, store=store)
        runs = store.runs(kind="search")
        assert len(runs) == 3 and all(r["steps"] == 41 for r in runs)
    with ResultStore(tmp_path / "s.sqlite") as store:
        again = run_seeds(cfg, [0, 1, 2], space=BitStrings(8), fitness=weighted, oracle=toy_oracle, store=store)
    assert all(a.same_path(b) for a, b in zip(first, again))
    summary = final_summary(first)
    assert summary["n_seeds"] == 3 and not math.isnan(summary["test_mean"])
    rows = aggregate(first)
    assert len(rows) == 40 and rows[-1]["q25"] <= rows[-1]["median"] <= rows[-1]["q75"]


def test_search_config_validates():
    with pytest.raises(CanopyError, match="algorithm"):
        SearchConfig(space="nb201", fitness="tropical", algorithm="bayes")
    with pytest.raises(CanopyError, match="n_evals"):
        SearchConfig(space="nb201", fitness="tropical", n_evals=0)
