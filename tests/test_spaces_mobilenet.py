"""Tests of the MobileNetV2-style space: closed forms against the torch model, budget, encoding."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _torch_threads import one_torch_thread  # noqa: F401  (fixture)
from hypothesis import given, settings
from hypothesis import strategies as st

from canopy.errors import CanopyError, InvalidArchitectureError
from canopy.search import regularized_evolution
from canopy.search.fitness import make_fitness
from canopy.search.spaces import MobileNetSpace
from canopy.spaces.mobilenet import (
    MBArch,
    Stage,
    build_torch,
    flops,
    mutations,
    num_params,
    random_arch,
    sample_within_budget,
)


def hooked_macs(model: torch.nn.Module, resolution: int) -> int:
    """Slow oracle: multiply-adds of every Conv2d / Linear measured with forward hooks."""
    total = 0

    def conv_hook(mod, inp, out):
        nonlocal total
        k = mod.kernel_size[0] * mod.kernel_size[1]
        total += out.shape[2] * out.shape[3] * k * mod.in_channels // mod.groups * mod.out_channels

    def linear_hook(mod, inp, out):
        nonlocal total
        total += mod.in_features * mod.out_features

    handles = []
    try:
        for m in model.modules():
            if isinstance(m, torch.nn.Conv2d):
                handles.append(m.register_forward_hook(conv_hook))
            elif isinstance(m, torch.nn.Linear):
                handles.append(m.register_forward_hook(linear_hook))
        model.eval()
        with torch.no_grad():
            model(torch.zeros(1, 3, resolution, resolution))
    finally:
        for h in handles:
            h.remove()
    return total


def test_mobilenet_v2_matches_the_published_size():
    a = MBArch.mobilenet_v2()
    assert num_params(a) == 3_504_872  # torchvision mobilenet_v2 has exactly this many parameters
    assert 290e6 < flops(a) < 310e6  # "300M multiply-adds" (Sandler et al. 2018, Table 4)
    assert a.num_layers == 17


@settings(max_examples=5, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from([32, 33, 48]))
@pytest.mark.usefixtures("one_torch_thread")
def test_closed_forms_match_the_torch_model(seed, resolution):
    arch = random_arch(seed)
    model = build_torch(arch, num_classes=10)
    assert sum(p.numel() for p in model.parameters()) == num_params(arch, num_classes=10)
    assert hooked_macs(model, resolution) == flops(arch, resolution=resolution, num_classes=10)


def test_forward_shape():
    m = build_torch(MBArch.mobilenet_v2(), num_classes=7)
    with torch.no_grad():
        assert m(torch.zeros(2, 3, 32, 32)).shape == (2, 7)


@given(st.integers(0, 2**32 - 1))
def test_string_round_trip(seed):
    a = random_arch(seed)
    assert MBArch.from_string(a.to_string()) == a


@pytest.mark.parametrize(
    "text, match",
    [
        ("e1k3c16d1", "expected 7 stages"),
        ("e2k3c16d1-e6k3c24d2-e6k3c32d3-e6k3c64d4-e6k3c96d3-e6k3c160d3-e6k3c320d1", "expansion=2"),
        ("e1k4c16d1-e6k3c24d2-e6k3c32d3-e6k3c64d4-e6k3c96d3-e6k3c160d3-e6k3c320d1", "kernel=4"),
        ("e1k3c17d1-e6k3c24d2-e6k3c32d3-e6k3c64d4-e6k3c96d3-e6k3c160d3-e6k3c320d1", "width=17"),
        ("e1k3c16d9-e6k3c24d2-e6k3c32d3-e6k3c64d4-e6k3c96d3-e6k3c160d3-e6k3c320d1", "depth=9"),
        ("garbage", "bad stage"),
    ],
)
def test_invalid_strings(text, match):
    with pytest.raises(InvalidArchitectureError, match=match):
        MBArch.from_string(text)


def test_invalid_stage_type_and_resolution():
    with pytest.raises(InvalidArchitectureError, match="not a Stage"):
        MBArch(tuple([(1, 3, 16, 1)] + list(MBArch.mobilenet_v2().stages[1:])))
    with pytest.raises(CanopyError, match="resolution"):
        flops(MBArch.mobilenet_v2(), resolution=0)


def test_mutations_differ_in_exactly_one_field():
    a = MBArch.mobilenet_v2()
    muts = mutations(a)
    assert len(set(muts)) == len(muts) and a not in muts
    for m in muts:
        diffs = sum(
            getattr(s, f) != getattr(t, f)
            for s, t in zip(a.stages, m.stages)
            for f in ("expansion", "kernel", "width", "depth")
        )
        assert diffs == 1
    assert isinstance(muts[0].stages[0], Stage)


@given(st.integers(0, 2**32 - 1), st.sampled_from([200.0, 450.0]))
def test_sampling_respects_the_budget(seed, budget):
    a = sample_within_budget(np.random.default_rng(seed), budget)
    assert flops(a) <= budget * 1e6


def test_impossible_budget_raises():
    with pytest.raises(CanopyError, match="no architecture within"):
        sample_within_budget(0, 1.0, max_tries=20)
    with pytest.raises(CanopyError, match="positive"):
        sample_within_budget(0, 0.0)


def test_budgeted_evolution_is_proxy_only_and_stays_within_budget():
    space = MobileNetSpace(budget_mflops=300)
    fit = make_fitness(space, "params")
    t = regularized_evolution(space, fit, n_evals=150, population_size=16, sample_size=4, seed=0)
    best = space.parse(t.final.incumbent)
    assert flops(best) <= 300e6
    assert t.final.test_of_incumbent is None and t.final.valid_of_incumbent is None
    first = space.parse(t.steps[15].incumbent)
    assert num_params(best) >= num_params(first)
    with pytest.raises(CanopyError, match="proxy-only"):
        space.ground_truth()
    assert all(flops(n) <= 300e6 for n in space.neighbours(best))
