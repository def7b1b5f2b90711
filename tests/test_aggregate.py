"""Named population aggregates (canopy.proxies.aggregate) against a brute-force oracle, and in evaluate()."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from canopy.errors import InvalidArgumentError, ProxySettingsError
from canopy.metrics import log_rank_sum
from canopy.proxies.aggregate import AGGREGATES, combine, get_aggregate


def _oracle_rank(values, i):
    """Average rank (1-based, ascending) of values[i] by counting."""
    less = sum(v < values[i] for v in values)
    equal = sum(v == values[i] for v in values)
    return less + (equal + 1) / 2


@settings(max_examples=50)
@given(st.lists(st.tuples(st.integers(-5, 5), st.integers(-5, 5)), min_size=1, max_size=12))
def test_log_rank_sum_matches_counting_oracle(rows):
    a = [float(r[0]) for r in rows]
    b = [float(r[1]) for r in rows]
    got = log_rank_sum({"a": a, "b": b})
    for i in range(len(rows)):
        assert got[i] == pytest.approx(math.log(_oracle_rank(a, i)) + math.log(_oracle_rank(b, i)))


def test_nan_counts_as_the_component_minimum():
    got = log_rank_sum({"a": [3.0, float("nan"), 1.0]})
    assert got.tolist() == pytest.approx([math.log(3), math.log(1.5), math.log(1.5)])


def test_vkdnw_agg_aggregate_is_the_published_function():
    from canopy.proxies.vkdnw import vkdnw_agg

    rng = np.random.default_rng(0)
    n = 9
    scores = {c: rng.normal(size=n).tolist() for c in ("vkdnw", "flops", "az_expressivity", "az_trainability",
                                                         "jacov")}
    payloads = {"vkdnw": [{"aleph": int(a), "score": s} for a, s in zip(rng.integers(20, 25, n), scores["vkdnw"])]}
    got = combine("vkdnw_agg", scores, payloads)
    want = vkdnw_agg([(p["aleph"], p["score"]) for p in payloads["vkdnw"]], flops=scores["flops"],
                     expressivity=scores["az_expressivity"], trainability=scores["az_trainability"],
                     jacov=scores["jacov"])
    assert got.tolist() == pytest.approx(want.tolist())


def test_errors_name_the_problem():
    with pytest.raises(ProxySettingsError, match="unknown aggregate"):
        combine("nope", {})
    with pytest.raises(ProxySettingsError, match="needs the scores of flops"):
        combine("realized_agg", {"realized_regions": [1.0]})
    with pytest.raises(InvalidArgumentError, match="component 'b' has 1 values, expected 2"):
        log_rank_sum({"a": [1.0, 2.0], "b": [1.0]})
    with pytest.raises(InvalidArgumentError, match="at least one component"):
        log_rank_sum({})
    with pytest.raises(ProxySettingsError, match="aleph"):
        combine("vkdnw_agg", {c: [1.0] for c in AGGREGATES["vkdnw_agg"].components}, {"vkdnw": [0.5]})
    assert get_aggregate("realized_agg") is AGGREGATES["realized_agg"]


@pytest.mark.slow  # scores 4 NB201 networks with the realized-region proxy
def test_evaluate_reports_the_aggregate_over_the_set(data_dir, tmp_path):
    from canopy.evaluation import evaluate

    archs = ["|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|",
             "|nor_conv_1x1~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|avg_pool_3x3~1|skip_connect~2|",
             "|avg_pool_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|nor_conv_1x1~0|none~1|skip_connect~2|",
             "|skip_connect~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|nor_conv_3x3~0|skip_connect~1|none~2|"]
    res = evaluate(space="nb201", proxies=["realized_agg"], archs=archs, dataset="cifar10",
                   store=tmp_path / "s.sqlite", n_boot=0, data_dir=data_dir)
    assert set(res.scores) == {"realized_regions", "flops", "realized_agg"}
    want = log_rank_sum({"realized_regions": res.scores["realized_regions"], "flops": res.scores["flops"]})
    assert res.scores["realized_agg"] == pytest.approx(want.tolist())
    assert "log R(realized_regions)" in res.settings["realized_agg"]["formula"]
    assert "rho" in res.correlations["realized_agg"]
