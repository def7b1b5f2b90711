"""Search over NAS-Bench-201 and DARTS through the space adapters."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from canopy.search import SearchConfig, random_search, regularized_evolution, run_seeds
from canopy.search.fitness import MemoryStore, make_fitness
from canopy.search.spaces import DartsSpace, NB201Space


def test_nb201_adapter_neighbours_and_keys():
    space = NB201Space()
    cell = space.sample(np.random.default_rng(0))
    neigh = space.neighbours(cell)
    assert len(neigh) == 24 == len({space.key(n) for n in neigh})
    assert all(sum(a != b for a, b in zip(cell.ops, n.ops)) == 1 for n in neigh)
    assert space.parse(space.key(cell)) == cell


def test_nb201_closed_form_fitness_matches_the_cell():
    space = NB201Space()
    fit = make_fitness(space, "params", dataset="cifar100")
    cell = space.sample(np.random.default_rng(1))
    assert fit(cell) == cell.num_params(num_classes=100)
    assert fit.settings == {"closed_form": True, "num_classes": 100}


def test_nb201_params_search_climbs():
    space = NB201Space()
    fit = make_fitness(space, "params", store=MemoryStore())
    t = regularized_evolution(space, fit, n_evals=300, population_size=20, sample_size=5, seed=0, oracle=None)
    best = space.parse(t.final.incumbent)
    assert best.op_counts() == (6, 0)  # all-conv3x3 maximises #params
    assert fit.calls == t.n_unique and fit.hits == 300 - t.n_unique


_SCRIPT = """
import json
from canopy.search import regularized_evolution
from canopy.search.fitness import make_fitness
from canopy.search.spaces import NB201Space
space = NB201Space()
t = regularized_evolution(space, make_fitness(space, "flops"), n_evals=200, population_size=16, sample_size=4,
                          seed=5)
print(json.dumps(t.path()))
"""


def test_nb201_same_seed_same_trajectory_in_a_fresh_process():
    space = NB201Space()
    here = regularized_evolution(space, make_fitness(space, "flops"), n_evals=200, population_size=16,
                                 sample_size=4, seed=5)
    out = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, check=True,
                         timeout=120).stdout
    assert [tuple(r) for r in json.loads(out)] == here.path()


def test_darts_adapter_mutates_one_pair():
    space = DartsSpace()
    g = space.sample(np.random.default_rng(0))
    neigh = space.neighbours(g)
    assert neigh and g not in neigh
    assert space.parse(space.key(g)) == g
    t = random_search(space, lambda a: float(len(space.key(a))), n_evals=5, seed=0)
    assert len(t.steps) == 5


@pytest.mark.data
def test_nb201_incumbent_accuracies_come_from_the_table(data_dir):
    from canopy.benchmarks import NB201Table

    table = NB201Table.load(data_dir)
    space = NB201Space()
    oracle = space.ground_truth("cifar100", data_dir)
    t = random_search(space, make_fitness(space, "params"), n_evals=50, seed=3, oracle=oracle)
    for step in t.steps[::7]:
        cell = space.parse(step.incumbent)
        assert step.test_of_incumbent == pytest.approx(table.accuracy(cell, dataset="cifar100", metric="test"))
        assert step.valid_of_incumbent == pytest.approx(table.accuracy(cell, dataset="cifar100", metric="valid"))


@pytest.mark.data
def test_nb201_valid_driven_search_selects_by_validation(data_dir):
    space = NB201Space()
    cfg = SearchConfig(space="nb201", fitness="valid", n_evals=300, population_size=20, sample_size=5)
    trajs = run_seeds(cfg, [0, 1], space=space, data_dir=data_dir)
    for t in trajs:
        assert [s.proxy_best for s in t.steps] == [s.valid_of_incumbent for s in t.steps]
        assert t.final.valid_of_incumbent > 89.0  # cifar10-valid x-valid: the best is 91.6
