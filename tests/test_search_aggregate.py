"""Population aggregates as search fitness: ranks against a fixed reference population."""

from __future__ import annotations

import math

import pytest

from canopy.errors import CanopyError
from canopy.metrics import log_rank_sum
from canopy.proxies.aggregate import AGGREGATES, AggregateSpec
from canopy.search.fitness import ReferenceAggregateFitness, make_fitness
from canopy.search.runner import SearchConfig, run_seeds
from canopy.search.spaces import get_space


def _oracle_rank(values, v):
    return sum(r < v for r in values) + (sum(r == v for r in values) + 1) / 2


def test_fitness_is_the_log_rank_sum_against_the_reference():
    space = get_space("nb201")
    agg = AggregateSpec("pf", ("params", "flops"), "log R(params) + log R(flops)", lambda s, r: log_rank_sum(s))
    f = ReferenceAggregateFitness(space, agg, settings={"reference_size": 30}, proxy_seed=3)
    ref = f.reference_archs()
    assert len({space.key(a) for a in ref}) == 30
    params = [f.components["params"](a) for a in ref]
    flops = [f.components["flops"](a) for a in ref]
    import numpy as np

    rng = np.random.default_rng(7)
    for _ in range(10):
        a = space.sample(rng)
        want = math.log(_oracle_rank(params, f.components["params"](a))) + \
            math.log(_oracle_rank(flops, f.components["flops"](a)))
        assert f(a) == pytest.approx(want)
    # fixed per architecture: the same value however often and in whatever order it is asked
    a = ref[0]
    assert f(a) == f(a) == ReferenceAggregateFitness(space, agg, settings={"reference_size": 30}, proxy_seed=3)(a)


def test_bad_settings_are_refused():
    space = get_space("nb201")
    with pytest.raises(CanopyError, match="reference_size"):
        make_fitness(space, "realized_agg", settings={"reference_size": 1})
    with pytest.raises(CanopyError, match="per component"):
        make_fitness(space, "realized_agg", settings={"length": 0.1})
    with pytest.raises(CanopyError, match="not available as a search"):
        make_fitness(space, "vkdnw_agg")
    assert isinstance(make_fitness(space, "realized_agg"), ReferenceAggregateFitness)
    assert AGGREGATES["realized_agg"].components == ("realized_regions", "flops")


@pytest.mark.slow  # builds and traces ~20 NB201 networks
def test_rea_runs_with_realized_agg(data_dir):
    config = SearchConfig(space="nb201", fitness="realized_agg", n_evals=12, population_size=4, sample_size=2)
    fitness = make_fitness(get_space("nb201"), "realized_agg", settings={"reference_size": 6},
                           data_dir=data_dir)
    runs = run_seeds(config, [0], data_dir=data_dir, fitness=fitness)
    assert len(runs) == 1 and len(runs[0].steps) == 12
    assert all(math.isfinite(s.proxy_best) for s in runs[0].steps)
