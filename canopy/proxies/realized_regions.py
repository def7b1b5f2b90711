"""Realized regions: how many activation regions an initialised network actually has along short input segments.

Definition
----------
From ``seed``, draw ``2 k`` i.i.d. standard Gaussian inputs ``a_1, b_1, ..., a_k, b_k`` of ``input_shape``
(``k = num_segments``), or take consecutive pairs of the given ``inputs``. Segment ``i`` is
``{a_i + t * length * (b_i - a_i) : 0 <= t <= 1}``. ``N_i`` is the number of activation regions of the model
met by the open segment (maximal intervals of constant activation pattern: the sign of every ReLU
pre-activation and the arg-max of every max-pool window; :func:`canopy.proxies._pl_trace.trace_segments`).
The score is

* ``aggregate="mean_log"`` (default): ``(1/k) sum_i log N_i``;
* ``aggregate="log_total"``: ``log sum_i N_i``.

Larger is better. We report *activation* regions (as :func:`tropical.regions.count_regions` calls them);
the float64 estimate of linear regions (neighbours with equal output slopes merged) is in
:class:`RealizedRegions` for information.

Protocol choices (the defaults)
-------------------------------
* Batch norm: NB201 and DARTS networks are scored at initialisation, where batch norm runs in training mode
  and normalises by the statistics of the batch -- not a piecewise-linear function of one input. ``bn="eval"``
  uses the running statistics (at initialisation mean 0, variance 1: a batch norm is then the affine map
  ``gamma * x / sqrt(1 + eps) + beta`` and the per-layer normalisation is lost). The default
  ``bn="calibrate"`` sets every batch norm's statistics, on the copy, to those of one seeded Gaussian batch
  (32 inputs of ``input_shape``) and freezes them: each layer is normalised as in a training-mode pass, and the
  network is a fixed piecewise-linear function whose regions are counted exactly (up to the float64 flags).
* Cost: the tracer runs the network once on a batch of ``pieces + k`` points, so the cost grows with the number
  of regions met. A full segment between two Gaussian inputs meets thousands of regions of an NB201 network
  already at 4x4 resolution (a median of about 6,000 and 1.2 s CPU per segment on the 200-cell subset of the
  benchmark, where it ranked CIFAR-10 at rho 0.740 against 0.725 for the defaults; about 13,000 at 8x8). The
  defaults -- 4x4 inputs, 8 segments of
  ``length = 0.005`` of the distance between two Gaussian inputs -- meet a median of about 27 regions per
  segment; on the fixed 1,000-cell NB201 sample (``benchmarks/realized_regions.py``) the proxy takes a median
  0.19 s CPU per network, about 99 % of them under 1 s, at most about 2 s (cells that are one deep chain of
  convolutions, where the count explodes: up to 77,679 regions on the 8 segments). The
  score therefore measures the *local density* of realized regions around Gaussian inputs at 4x4 resolution
  (NB201's last stage is then 1x1): a choice made for cost; 8x8 gave a lower rho at a similar cost in a
  120-cell pilot (0.70 vs 0.76).
* Weights: as given (``init="none"``; the evaluation builds NB201 networks under ``torch.manual_seed(seed)``),
  or re-initialised by :func:`canopy.proxies._common.reinit_`.

Exactness: the count is float64 with flagged uncertain breakpoints (``uncertain``; see
:mod:`canopy.proxies._pl_trace` for what is exact and what is float64). With ``exact=True``, a dense
``Linear``/``ReLU`` ``Sequential`` network is counted with :func:`exact_segment_regions` /
:func:`exact_plane_regions` instead (rational arithmetic, certified by :mod:`tropical.regions`). Any other model
that :func:`canopy.nas.lower.export_graph` takes (conv, batch norm, pooling, skips, cat, ...) is traced in
float64, and the count of each slice is then certified in rational arithmetic on the model's exact graph
(:mod:`canopy.proxies._pl_certify`). ``certified`` says which slices passed; a slice that fails is reported,
never guessed. Slices are either segments (default) or 2-D planes (``slicing="plane"``,
:mod:`canopy.proxies._pl_plane`).

Examples
--------
>>> import torch
>>> _ = torch.manual_seed(0)
>>> net = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
>>> res = realized_region_counts(net, input_shape=(4,), num_segments=3, length=1.0, seed=1)
>>> res.pieces.tolist() == realized_region_counts(net, input_shape=(4,), num_segments=3, length=1.0,
...                                               seed=1, exact=True).pieces.tolist()
True
>>> realized_regions(net, input_shape=(4,), num_segments=3, length=1.0, seed=1) == res.score
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import torch
from torch import nn

from canopy.errors import ProxySettingsError, UnsupportedOperationError

from ._common import check_positive_int, sub_seed, synthetic_inputs, working_copy
from ._pl_certify import certify_planes, certify_segments
from ._pl_plane import trace_planes
from ._pl_trace import SegmentTrace, trace_segments

__all__ = [
    "RealizedRegions", "realized_regions", "realized_region_counts", "segment_ends", "plane_corners",
    "exact_segment_regions", "exact_plane_regions",
]

#: default per-sample input shape of the proxy (4x4 keeps an NB201 network under 1 s CPU)
DEFAULT_SHAPE: tuple[int, ...] = (3, 4, 4)
AGGREGATES = ("mean_log", "log_total")
SLICES = ("segment", "plane")


@dataclass(frozen=True)
class RealizedRegions:
    """Result of :func:`realized_region_counts`.

    Attributes
    ----------
    score : float
        The aggregate (module docstring).
    pieces : numpy.ndarray of int
        Activation regions met by each segment.
    uncertain : numpy.ndarray of int
        Uncertain breakpoints per segment (0 everywhere on the exact path).
    linear_pieces : numpy.ndarray of int
        Float64 estimate of the linear regions met by each segment (exact, from
        :func:`tropical.regions.count_regions`, on the exact path).
    exact : bool
        Whether every count is exact: from the exact rational path (dense nets), or a float count certified in
        rational arithmetic (``certified``).
    breakpoints : list of numpy.ndarray
        Interior breakpoints ``t`` of each segment (float path; empty arrays on the exact path).
    certified : numpy.ndarray of bool
        Per slice, whether its count is exact (all true on the dense exact path; with ``exact=True`` on any other
        model, whether :mod:`canopy.proxies._pl_certify` certified the float count; all false otherwise).
    """

    score: float
    pieces: np.ndarray
    uncertain: np.ndarray
    linear_pieces: np.ndarray
    exact: bool = False
    breakpoints: list[np.ndarray] = field(default_factory=list)
    certified: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))


def segment_ends(
    inputs: Any, *, seed: int | np.random.Generator = 0, num_segments: int = 8,
    input_shape: Sequence[int] | None = None, length: float = 0.005,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The float64 ends ``(starts, ends)`` of the segments, each ``(k, *input_shape)``.

    ``inputs=None``: ``2 k`` seeded Gaussian samples ``x`` (:func:`canopy.proxies._common.synthetic_inputs`),
    ``a = x[0::2]``, ``b = x[1::2]``; a tensor: its consecutive pairs (an even batch). The segment is
    ``a -> a + length * (b - a)``.

    Examples
    --------
    >>> s, e = segment_ends(None, num_segments=2, input_shape=(3,), length=0.5)
    >>> tuple(s.shape), s.dtype
    ((2, 3), torch.float64)
    """
    a, (b,) = _slice_points(inputs, seed, "num_segments", num_segments, input_shape, length, 2)
    return a, b


def _slice_points(inputs: Any, seed: int | np.random.Generator, count_name: str, count: int,
                  input_shape: Sequence[int] | None, length: float, m: int) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """``a`` and the far points ``a + length (x_j - a)`` of slices through ``m`` consecutive inputs each."""
    if isinstance(length, bool) or not isinstance(length, (int, float)) or not 0 < length <= 1e6:
        raise ProxySettingsError(f"length must be a positive number, got {length!r}")
    if inputs is None:
        k = check_positive_int(count_name, count)
        shape = tuple(input_shape) if input_shape is not None else DEFAULT_SHAPE
        x = synthetic_inputs(shape, batch_size=m * k, seed=sub_seed(seed, 0), dtype=torch.float64)
    else:
        x = inputs[0] if isinstance(inputs, (tuple, list)) and len(inputs) == 2 else inputs
        what = "segment-end pairs" if m == 2 else "plane-corner triples"
        if not isinstance(x, torch.Tensor) or x.dim() < 2 or x.shape[0] < m or x.shape[0] % m:
            raise ProxySettingsError(f"inputs must be a batch tensor ({m}k, ...) of k consecutive {what}")
        x = x.detach().to(torch.float64)
    a = x[0::m]
    return a, [a + float(length) * (x[j::m] - a) for j in range(1, m)]


def plane_corners(
    inputs: Any, *, seed: int | np.random.Generator = 0, num_planes: int = 8,
    input_shape: Sequence[int] | None = None, length: float = 0.005,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The float64 corners ``(a, b, c)`` of the plane slices, each ``(k, *input_shape)``.

    ``inputs=None``: ``3 k`` seeded Gaussian samples ``x`` (:func:`canopy.proxies._common.synthetic_inputs`),
    ``a = x[0::3]``; a tensor: its consecutive triples (a batch of ``3 k``). The slice is the parallelogram
    ``a + s (b - a) + t (c - a)``, ``(s, t)`` in ``[0, 1]^2``, with ``b = a + length * (x[1::3] - a)`` and
    ``c = a + length * (x[2::3] - a)``.

    Examples
    --------
    >>> a, b, c = plane_corners(None, num_planes=2, input_shape=(3,), length=0.5)
    >>> tuple(a.shape), tuple(c.shape), a.dtype
    ((2, 3), (2, 3), torch.float64)
    """
    a, (b, c) = _slice_points(inputs, seed, "num_planes", num_planes, input_shape, length, 3)
    return a, b, c


def _aggregate(pieces: np.ndarray, aggregate: str) -> float:
    if aggregate == "mean_log":
        return float(np.mean(np.log(pieces)))
    return float(math.log(float(np.sum(pieces))))


def _calibrate_batchnorm(net: nn.Module, shape: tuple[int, ...], size: int, seed: int) -> None:
    """Running statistics of every batch norm of ``net`` (a copy) := those of one seeded Gaussian batch."""
    bns = [m for m in net.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not bns:
        return
    for m in bns:
        if m.running_mean is None:
            continue
        m.reset_running_stats()
        m.momentum = None  # cumulative average: after one batch, exactly that batch's statistics
    dtype = next((t.dtype for t in net.state_dict().values() if t.is_floating_point()), torch.float32)
    x = synthetic_inputs(shape, batch_size=size, seed=seed, dtype=dtype)
    net.train()
    with torch.no_grad():
        net(x)
    net.eval()


def realized_region_counts(
    model: nn.Module,
    inputs: Any = None,
    *,
    seed: int | np.random.Generator = 0,
    num_segments: int = 8,
    input_shape: Sequence[int] | None = None,
    length: float = 0.005,
    aggregate: str = "mean_log",
    init: str = "none",
    bn: str = "calibrate",
    calibration_size: int = 32,
    exact: bool = False,
    tol: float = 1e-9,
    max_pieces: int = 200_000,
    slicing: str = "segment",
) -> RealizedRegions:
    """Activation regions met by seeded short segments through the inputs of ``model`` (never modified).

    Parameters
    ----------
    model : torch.nn.Module
        Traceable by :mod:`torch.fx`, built from :data:`canopy.proxies._pl_trace.SUPPORTED`.
    inputs : None or torch.Tensor
        ``None`` for seeded Gaussian segment ends, or a batch of ``2 k`` inputs (consecutive pairs).
    seed : int or numpy.random.Generator
        Segment ends (stream 0) and re-initialisation (stream 1, only with ``init != "none"``).
    num_segments, input_shape, length : see :func:`segment_ends` (defaults 8, (3, 4, 4), 0.005)
    aggregate : {"mean_log", "log_total"}
    init : {"none", "kaiming_norm_fanin", "gaussian"}
    bn : {"calibrate", "eval"}
        ``"eval"``: batch norms use the model's running statistics; ``"calibrate"`` (default): on the copy, every batch
        norm's running statistics are replaced by the statistics of one seeded Gaussian batch (stream 2 of
        ``seed``, ``calibration_size`` inputs of ``input_shape``, one train-mode pass with cumulative averaging),
        then frozen: the network keeps the per-layer normalisation of training-mode batch norm and stays piecewise
        linear in its input.
    calibration_size : int
        Batch size of the calibration pass (``bn="calibrate"`` only).
    exact : bool
        Exact counts. A dense ``Linear``/``ReLU`` ``Sequential`` is counted in rational arithmetic
        (:func:`exact_segment_regions`, :func:`exact_plane_regions`). Any other model is traced in float64 and
        each slice's count is then certified in rational arithmetic on the model's exact graph
        (:func:`canopy.nas.lower.export_graph`, batch norm folded in float64; :mod:`canopy.proxies._pl_certify`):
        ``certified`` says which slices passed, and ``exact`` is true only if all did. Exact rationals are slow:
        for small networks.
    tol : float
        Relative tolerance of the float path's uncertainty flags.
    max_pieces : int
        Refuse (:class:`~canopy.errors.ProxySettingsError`) beyond this many pieces in all.
    slicing : {"segment", "plane"}
        ``"plane"``: count the activation regions met by ``num_segments`` seeded parallelograms
        (:func:`plane_corners`; ``inputs``: consecutive triples) instead, with
        :func:`canopy.proxies._pl_plane.trace_planes` (float64, flagged; with ``exact=True``, exact as described
        under ``exact``). ``linear_pieces`` is then ``-1`` on the float path (not estimated) and
        ``breakpoints`` is empty.

    Returns
    -------
    RealizedRegions

    Raises
    ------
    canopy.errors.UnsupportedOperationError
        An operation that is not piecewise linear or not supported (one line naming the node).
    canopy.errors.ProxySettingsError
        Bad settings or inputs, or more than ``max_pieces`` pieces.

    Examples
    --------
    >>> net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    ...                           torch.nn.Flatten(), torch.nn.Linear(4 * 4 * 4, 3))
    >>> res = realized_region_counts(net, input_shape=(3, 8, 8), num_segments=2, length=0.5)
    >>> len(res.pieces), bool((res.pieces >= 1).all()), res.exact
    (2, True, False)
    """
    if aggregate not in AGGREGATES:
        raise ProxySettingsError(f"unknown aggregate {aggregate!r}; valid: {', '.join(AGGREGATES)}")
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not 0 <= tol < 1e-2:
        raise ProxySettingsError(f"tol must be a number in [0, 0.01), got {tol!r}")
    max_pieces = check_positive_int("max_pieces", max_pieces)
    if not isinstance(model, nn.Module):
        raise ProxySettingsError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if slicing not in SLICES:
        raise ProxySettingsError(f"unknown slicing {slicing!r}; valid: {', '.join(SLICES)}")
    corners: tuple[torch.Tensor, ...]  # (a, b) of each segment or (a, b, c) of each plane
    if slicing == "plane":
        corners = tuple(plane_corners(inputs, seed=seed, num_planes=num_segments, input_shape=input_shape,
                                      length=length))
    else:
        corners = tuple(segment_ends(inputs, seed=seed, num_segments=num_segments, input_shape=input_shape,
                                     length=length))
    net = working_copy(model, init=init, seed=seed, train=False)
    if bn == "calibrate":
        _calibrate_batchnorm(net, tuple(corners[0].shape[1:]),
                             check_positive_int("calibration_size", calibration_size), sub_seed(seed, 2))
    elif bn != "eval":
        raise ProxySettingsError(f"unknown bn mode {bn!r}; valid: 'eval', 'calibrate'")
    k = int(corners[0].shape[0])
    dense = _dense_network(net) if exact else None
    if dense is not None:  # converted once, counted on every slice
        exact_counts = [_exact_counts(dense, *ends) for ends in zip(*corners)]
        counts = np.array([c.activation_regions for c in exact_counts], dtype=np.int64)
        linear = np.array([c.linear_regions for c in exact_counts], dtype=np.int64)
        return RealizedRegions(_aggregate(counts, aggregate), counts, np.zeros_like(counts), linear, True,
                               [np.zeros(0) for _ in counts], np.ones(k, dtype=bool))
    graph = None
    if exact:  # the exact graph first: a model it cannot take is refused before any tracing
        from canopy.nas.lower import export_graph

        try:
            graph = export_graph(net, (1, *corners[0].shape[1:]))
        except UnsupportedOperationError as exc:
            raise UnsupportedOperationError(f"exact path: the model has no exact graph to certify on: {exc}") from None
    if slicing == "plane":
        pt = trace_planes(net, corners[0], corners[1], corners[2], tol=float(tol), max_pieces=max_pieces)
        ok = (certify_planes(graph, corners[0], corners[1], corners[2], pt) if graph is not None
              else np.zeros(k, dtype=bool))
        return RealizedRegions(_aggregate(pt.pieces, aggregate), pt.pieces, pt.uncertain,
                               np.full_like(pt.pieces, -1), bool(ok.all()), [], ok)
    tr: SegmentTrace = trace_segments(net, corners[0], corners[1], tol=float(tol), max_pieces=max_pieces)
    ok = certify_segments(graph, corners[0], corners[1], tr) if graph is not None else np.zeros(k, dtype=bool)
    return RealizedRegions(_aggregate(tr.pieces, aggregate), tr.pieces, tr.uncertain, tr.linear_pieces,
                           bool(ok.all()), tr.breakpoints, ok)


def realized_regions(
    model: nn.Module,
    inputs: Any = None,
    *,
    seed: int | np.random.Generator = 0,
    num_segments: int = 8,
    input_shape: Sequence[int] | None = None,
    length: float = 0.005,
    aggregate: str = "mean_log",
    init: str = "none",
    bn: str = "calibrate",
    calibration_size: int = 32,
    exact: bool = False,
    tol: float = 1e-9,
    max_pieces: int = 200_000,
    slicing: str = "segment",
) -> float:
    """The realized-region score (``aggregate`` of the counts of :func:`realized_region_counts`).

    Examples
    --------
    >>> _ = torch.manual_seed(0)
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    >>> realized_regions(net, input_shape=(2,), seed=3) == realized_regions(net, input_shape=(2,), seed=3)
    True
    """
    return realized_region_counts(
        model, inputs, seed=seed, num_segments=num_segments, input_shape=input_shape, length=length,
        aggregate=aggregate, init=init, bn=bn, calibration_size=calibration_size, exact=exact, tol=tol,
        max_pieces=max_pieces, slicing=slicing,
    ).score


def _dense_network(model: Any) -> Any:
    """``model`` as an exact :class:`tropical.network.ReLUNetwork` if it is a dense ``Linear``/``ReLU`` network
    (the rational path counts it directly), else ``None``."""
    from tropical.errors import TropicalError
    from tropical.network import ReLUNetwork

    if isinstance(model, ReLUNetwork):
        return model
    try:
        return ReLUNetwork.from_torch(model)
    except (TropicalError, UnsupportedOperationError):
        return None


def exact_segment_regions(model: Any, start: Sequence[Any], end: Sequence[Any]) -> int:
    """Exact number of activation regions of a dense ReLU network met by the open segment ``[start, end]``.

    The network (a ``Sequential`` of ``Linear``/``ReLU`` or a :class:`tropical.network.ReLUNetwork`) is
    converted exactly (:meth:`~tropical.network.ReLUNetwork.from_torch`, policy ``"exact"``: the binary value
    of every float), restricted to the line ``start + t (end - start)`` (a network with one input ``t``, exact
    rational weights) and counted on ``t in [0, 1]`` by :func:`tropical.regions.count_regions` (certified).

    Parameters
    ----------
    model : torch.nn.Sequential or tropical.network.ReLUNetwork
    start, end : sequence or tensor of numbers
        The segment ends (floats are taken at their exact binary value).

    Returns
    -------
    int

    Examples
    --------
    >>> from tropical.network import ReLUNetwork
    >>> net = ReLUNetwork([[[1], [1]], [[1, 1]]], [[Fraction(-1, 4), Fraction(-1, 2)], [0]])
    >>> exact_segment_regions(net, [0], [1])
    3
    """
    return int(_exact_counts(model, start, end).activation_regions)


def exact_plane_regions(model: Any, origin: Sequence[Any], s_end: Sequence[Any], t_end: Sequence[Any]) -> int:
    """Exact number of activation regions of a dense ReLU network met by an open parallelogram.

    The parallelogram is ``a + s (b - a) + t (c - a)``, ``(s, t)`` in ``(0, 1)^2``, with ``a = origin``,
    ``b = s_end``, ``c = t_end``. The network is converted exactly (as in :func:`exact_segment_regions`),
    restricted to the plane (a network with the two inputs ``(s, t)``, exact rational weights) and counted on the
    unit square by :func:`tropical.regions.count_regions` (certified; the compiled kernel when it is built).

    Parameters
    ----------
    model : torch.nn.Sequential or tropical.network.ReLUNetwork
    origin, s_end, t_end : sequence or tensor of numbers
        The corners ``a``, ``b``, ``c`` (floats are taken at their exact binary value).

    Returns
    -------
    int

    Examples
    --------
    >>> from tropical.network import ReLUNetwork
    >>> net = ReLUNetwork([[[1, 0], [0, 1]], [[1, 1]]], [[Fraction(-1, 2), Fraction(-1, 2)], [0]])
    >>> exact_plane_regions(net, [0, 0], [1, 0], [0, 1])
    4
    """
    return int(_exact_counts(model, origin, s_end, t_end).activation_regions)


def _exact_counts(model: Any, start: Sequence[Any], *ends: Sequence[Any]) -> Any:
    """:class:`tropical.regions.RegionCounts` of the restriction to ``start + sum_i u_i (ends[i] - start)``,
    ``u`` in the unit cube (:func:`exact_segment_regions`, :func:`exact_plane_regions`)."""
    from tropical.convert import to_rational
    from tropical.errors import TropicalError
    from tropical.network import ReLUNetwork
    from tropical.regions import Box, count_regions

    try:
        net = model if isinstance(model, ReLUNetwork) else ReLUNetwork.from_torch(model)
    except TropicalError as exc:
        raise UnsupportedOperationError(f"exact path needs a dense Linear/ReLU Sequential: {exc}") from None

    def vec(v: Any) -> list[Fraction]:
        if isinstance(v, torch.Tensor):
            v = v.detach().reshape(-1).tolist()
        return [Fraction(v_) if isinstance(v_, (int, Fraction)) else to_rational(v_) for v_ in v]

    a, others = vec(start), [vec(e) for e in ends]
    if any(len(v) != net.input_dim for v in (a, *others)):
        raise ProxySettingsError(f"slice corners need {net.input_dim} coordinates, got "
                                 f"{', '.join(str(len(v)) for v in (a, *others))}")
    ds = [[y - x for x, y in zip(a, b)] for b in others]
    W1, b1 = net.weights[0], net.biases[0]
    w = [[sum((wij * dj for wij, dj in zip(row, d)), Fraction(0)) for d in ds] for row in W1]
    c = [sum((wij * aj for wij, aj in zip(row, a)), Fraction(0)) + bi for row, bi in zip(W1, b1)]
    sliced = ReLUNetwork([w, *net.weights[1:]], [c, *net.biases[1:]])
    return count_regions(sliced, Box(0, 1), max_regions=None)
