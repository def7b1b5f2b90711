"""Every registered proxy scores a user's own models -- a plain ``nn.Sequential`` CNN and a residual network --
or refuses with one clear line (issue 13: "any torch model").  Feature-map proxies find their maps by the rule of
:mod:`canopy.proxies._features`."""

from __future__ import annotations

import inspect
import math

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from canopy.errors import CanopyError
from canopy.proxies import get_proxy, proxy_names
from canopy.proxies._features import block_features, pre_pooling_features


def plain_cnn() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                         nn.Conv2d(8, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10))


class _Block(nn.Module):
    def __init__(self, c: int) -> None:
        super().__init__()
        self.c1, self.b1 = nn.Conv2d(c, c, 3, padding=1), nn.BatchNorm2d(c)
        self.c2, self.b2 = nn.Conv2d(c, c, 3, padding=1), nn.BatchNorm2d(c)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(x + self.b2(self.c2(F.relu(self.b1(self.c1(x))))))


class Residual(nn.Module):
    """A ResNet-style model with a functional global pooling (found through the torch.fx rule)."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(1)
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU())
        self.layer1, self.layer2 = _Block(8), _Block(8)
        self.head = nn.Linear(8, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.layer2(self.layer1(self.stem(x)))
        return self.head(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


MODELS = {"sequential_cnn": plain_cnn, "residual": Residual}


@pytest.mark.parametrize("model_name", sorted(MODELS))
@pytest.mark.parametrize("proxy", proxy_names())
def test_every_proxy_scores_a_user_model_or_refuses_in_one_line(proxy, model_name):
    model = MODELS[model_name]()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    spec = get_proxy(proxy)
    if spec.kind != "model":
        pytest.skip(f"{proxy} scores search-space cells, not models")
    # the proxy's own synthetic inputs, at a small size where it takes one (keeps the test cheap)
    params = inspect.signature(spec.fn).parameters
    settings = {k: v for k, v in (("input_shape", (3, 16, 16)), ("batch_size", 8)) if k in params}
    try:
        value = spec(model, None, seed=0, **settings)
    except CanopyError as exc:  # a refusal is allowed, if it is one clear line
        msg = str(exc)
        assert msg and "\n" not in msg and type(model).__name__ in msg, msg
        return
    assert isinstance(value, float) and not math.isnan(value)
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before), f"{proxy} changed the model"


def test_the_feature_rules_find_the_expected_maps():
    x = torch.randn(2, 3, 16, 16)
    seq, res = plain_cnn(), Residual()
    assert tuple(pre_pooling_features(seq, x).shape) == (2, 8, 8, 8)            # input of AdaptiveAvgPool2d
    assert tuple(pre_pooling_features(res, x).shape) == (2, 8, 16, 16)          # torch.fx: F.adaptive_avg_pool2d
    assert [tuple(f.shape)[1:] for f in block_features(res, x)] == [(8, 16, 16)] * 3   # stem, layer1, layer2
    assert len(block_features(seq, x)) == 6                                      # every layer before pooling


def test_models_without_feature_maps_are_refused_in_one_line():
    from canopy.errors import UnsupportedOperationError

    mlp = nn.Sequential(nn.Flatten(), nn.Linear(12, 4), nn.ReLU(), nn.Linear(4, 2))
    x = torch.randn(2, 3, 2, 2)
    with pytest.raises(UnsupportedOperationError, match="pre-global-pooling feature map: Sequential"):
        pre_pooling_features(mlp, x, proxy="zen")
    with pytest.raises(UnsupportedOperationError, match="per-block feature maps: Sequential"):
        block_features(mlp, x, proxy="AZ-NAS")
