"""Registry, purity and determinism of every registered proxy (tiny CNN, fast)."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from canopy.errors import CanopyError, ProxySettingsError, UnknownProxyError
from canopy.proxies import ALIASES, PROXIES, get_proxy, proxy_names
from canopy.proxies._common import sanitize_scores

FAST = {"swap": {"repeat": 2}, "vkdnw": {"batch_size": 8}, "zico": {"batch_size": 8},
        "zen": {"batch_size": 4}, "az_expressivity": {"batch_size": 4},
        "az_progressivity": {"batch_size": 4}}


class TinyCNN(nn.Module):
    def __init__(self, classes: int = 3):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4), nn.ReLU(),
                                  nn.Conv2d(4, 6, 3, stride=2, padding=1), nn.BatchNorm2d(6), nn.ReLU(inplace=True))
        self.head = nn.Linear(6, classes)

    def forward_features(self, x):
        return self.body(x)

    def cell_features(self, x):
        a = self.body[:3](x)
        return [a, self.body[3:](a)]

    def forward(self, x):
        return self.head(self.forward_features(x).mean((2, 3)))


def _score(name, model, seed=0):
    spec = get_proxy(name)
    kwargs = dict(FAST.get(name, {}))
    if "input_shape" in spec.defaults or name in ("vkdnw", "zico", "swap", "meco", "zen", "naswot", "jacov", "az_expressivity",
                                                 "az_progressivity"):
        kwargs["input_shape"] = (3, 8, 8)
    if name in ("grad_norm", "snip", "grasp", "fisher", "jacov", "naswot"):
        kwargs["batch_size"] = 6
    try:
        return spec(model, seed=seed, **kwargs)
    except ImportError as exc:  # the tropical wrapper needs canopy.nas.tropical_score (BOUNDS/CELLS)
        pytest.skip(f"{name}: dependency not available yet: {exc}")
    except CanopyError as exc:
        if name == "tropical":
            pytest.skip(f"tropical score does not support this toy model: {exc}")
        raise


def _snapshot(model):
    return ({k: v.clone() for k, v in model.state_dict().items()},
            [m.training for m in model.modules()],
            [None if p.grad is None else p.grad.clone() for p in model.parameters()])


@pytest.mark.parametrize("train", [False, True])
@pytest.mark.parametrize("name", sorted(PROXIES))
def test_proxy_is_pure(name, train):
    torch.manual_seed(0)
    model = TinyCNN()
    model.train(train)
    model.body[1].training = not train  # a mixed-mode model must come back mixed
    sd, modes, grads = _snapshot(model)
    _score(name, model)
    sd2, modes2, grads2 = _snapshot(model)
    assert modes == modes2
    assert sd.keys() == sd2.keys()
    for k in sd:
        assert torch.equal(sd[k], sd2[k]), k
        assert sd[k].dtype == sd2[k].dtype
    assert all(g is None for g in grads2)
    assert not model.body[0]._forward_hooks and not model.body[2]._forward_pre_hooks


@pytest.mark.parametrize("name", sorted(PROXIES))
def test_proxy_deterministic(name):
    torch.manual_seed(1)
    model = TinyCNN()
    a = _score(name, model, seed=3)
    b = _score(name, model, seed=3)
    assert isinstance(a, float)
    assert (math.isnan(a) and math.isnan(b)) or a == b


def test_proxy_does_not_touch_global_rng():
    model = TinyCNN()
    torch.manual_seed(5)
    state = torch.random.get_rng_state()
    _score("vkdnw", model)
    _score("grad_norm", model)
    assert torch.equal(state, torch.random.get_rng_state())


def test_registry_metadata():
    assert set(proxy_names()) == set(PROXIES)
    for name, spec in PROXIES.items():
        assert spec.name == name
        assert spec.higher_is_better
        assert callable(spec.fn)
    for alias, target in ALIASES.items():
        assert get_proxy(alias) is PROXIES[target]
    assert PROXIES["vkdnw"].returns_result and PROXIES["vkdnw"].defaults["variant"] == "correct"
    assert PROXIES["grad_norm"].needs_labels and not PROXIES["synflow"].needs_labels


def test_unknown_proxy_lists_valid_names():
    with pytest.raises(UnknownProxyError, match="valid: .*vkdnw"):
        get_proxy("vkdnv")


@pytest.mark.parametrize(
    "name, settings",
    [("grad_norm", {"batch_size": 0}), ("snip", {"batch_size": True}), ("vkdnw", {"p": 0}),
     ("vkdnw", {"variant": "paper"}), ("vkdnw", {"alpha": 1.5}), ("grasp", {"init": "xavier"}),
     ("zico", {"num_batches": 1}), ("swap", {"repeat": 0}), ("params", {"counting": "alive"}),
     ("naswot", {"input_shape": (3, 0, 8)}), ("vkdnw", {"method": "magic"}), ("vkdnw", {"dtype": "half"}),
     ("vkdnw", {"bn_mode": "frozen"}), ("vkdnw", {"quantiles": "7"}), ("vkdnw", {"selection": "last"})],
)
def test_invalid_settings_raise_clear_error(name, settings):
    with pytest.raises(ProxySettingsError):
        get_proxy(name)(TinyCNN(), **settings)


def test_non_module_rejected():
    with pytest.raises(ProxySettingsError, match="torch.nn.Module"):
        get_proxy("snip")("not a model")


def test_bad_inputs_rejected():
    with pytest.raises(ProxySettingsError):
        get_proxy("jacov")(TinyCNN(), inputs=(torch.zeros(2, 3, 8, 8),))


def test_sanitize_scores_policies():
    vals = [2.0, float("nan"), float("-inf"), 5.0]
    assert sanitize_scores(vals).tolist() == [2.0, 1.0, 1.0, 5.0]
    assert sanitize_scores(vals, "naslib").tolist() == [2.0, -1e8, -1e8, 5.0]
    with pytest.raises(ProxySettingsError):
        sanitize_scores(vals, "raise")
    with pytest.raises(ProxySettingsError):
        sanitize_scores(vals, "drop")


# ------------------------------------------------------------------------------------------ entry points
def _install_fake_distribution(root, entry_points: str, module_source: str = ""):
    """A distribution on sys.path with ``canopy.proxies`` entry points (as ``pip install`` would leave it)."""
    dist = root / "canopy_fake_plugin-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: canopy-fake-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[canopy.proxies]\n" + entry_points)
    if module_source:
        (root / "canopy_fake_plugin.py").write_text(module_source)


@pytest.fixture
def fresh_registry(monkeypatch):
    from canopy.proxies import registry

    monkeypatch.setattr(registry, "_REGISTERED", dict(registry._REGISTERED))
    monkeypatch.setattr(registry, "_ENTRY_POINTS_LOADED", False)
    return registry


def test_entry_point_proxies_are_found_by_name(tmp_path, monkeypatch, fresh_registry):
    _install_fake_distribution(tmp_path, "ep_callable = canopy_fake_plugin:n_tensors\n"
                               "ep_spec = canopy_fake_plugin:SPEC\nep_module = canopy_fake_plugin\n", '''
from canopy.proxies.registry import ProxySpec, register_proxy

def n_tensors(model, inputs=None, *, seed=0):
    return float(len(list(model.parameters())))

def convs(cell):
    return float(cell.num_convs)

SPEC = ProxySpec("ep_cell", kind="cell", impl=convs, seeded=False, dataset_dependent=False)
register_proxy("ep_registered_on_import", convs, kind="cell", replace=True)
''')
    monkeypatch.syspath_prepend(str(tmp_path))
    assert "ep_callable" in fresh_registry.available_proxies()  # loaded on the first look-up
    assert "ep_callable" not in fresh_registry.proxy_names() and "ep_callable" not in fresh_registry.PROXIES
    assert fresh_registry.get_proxy("ep_callable")(TinyCNN()) == 9.0  # 2 convs, 2 BNs (2 each), 1 linear
    assert fresh_registry.get_proxy("ep_cell").kind == "cell"
    assert fresh_registry.get_proxy("ep_registered_on_import").kind == "cell"
    from canopy.scoring import score

    arch = "|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|"
    assert score("nb201", arch, "ep_cell") == 1.0


def test_broken_entry_point_is_one_clear_error(tmp_path, monkeypatch, fresh_registry):
    _install_fake_distribution(tmp_path, "broken = canopy_no_such_module:fn\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(CanopyError, match="cannot load proxy entry point 'broken'"):
        fresh_registry.get_proxy("anything_unknown")


def test_register_proxy_refuses_library_names_and_bad_input(fresh_registry):
    with pytest.raises(CanopyError, match="library proxy"):
        fresh_registry.register_proxy("synflow", lambda m: 0.0, replace=True)
    with pytest.raises(CanopyError, match="kind"):
        fresh_registry.register_proxy("x", lambda m: 0.0, kind="graph")
    with pytest.raises(CanopyError, match="callable"):
        fresh_registry.register_proxy("x", 3)
    fresh_registry.register_proxy("x", lambda m: 0.0)
    with pytest.raises(CanopyError, match="already registered"):
        fresh_registry.register_proxy("x", lambda m: 1.0)


def test_mode_suffixes_resolve_in_the_registry():
    from canopy.proxies.registry import parse_proxy_name

    assert parse_proxy_name("tropical:serra")[1] == {"mode": "serra"}
    with pytest.raises(UnknownProxyError, match="no modes"):
        parse_proxy_name("synflow:fast")
    with pytest.raises(UnknownProxyError):
        parse_proxy_name("nope:serra")
