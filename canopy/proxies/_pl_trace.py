"""Piecewise-linear tracing of a torch model along 1-D segments (the engine of :mod:`.realized_regions`).

Along ``x(t) = a + t (b - a)``, ``t`` in ``[0, 1]``, every intermediate tensor of a network built from affine
operations, ReLUs and max pooling is a continuous piecewise-affine function of ``t``. :func:`trace_segments`
runs the :mod:`torch.fx` graph of the model once, in topological order, on a batch whose rows are the current
*points* ``0 = t_0 < t_1 < ... < t_m = 1`` of every segment (sorted by segment, then ``t``); a *piece* is two
consecutive points of one segment, so a batch of ``pieces + segments`` rows carries every live tensor at the ends
of every piece. On a piece every tensor is affine in ``t``, so

* an affine operation (convolution, linear, evaluation-mode batch norm, average pooling, sums, concatenation,
  reshapes, scaling by a constant) applied to the two end values gives the end values of its (affine) output;
* at a ReLU the pre-activation ``z`` is affine on the piece, so a neuron with ``z`` of strictly opposite signs
  at the two ends crosses zero once, at ``lam = z0 / (z0 - z1)``; the piece is split there, and every live tensor
  (affine on the piece) gets its value at the new point by linear interpolation (a new batch row). After the split ``z`` has a
  constant sign on every piece and the ReLU of the end values is the end values of the ReLU;
* at a 2-D max pooling each window's output is the upper envelope of affine functions; its breakpoints (where
  the arg-max changes) are found by walking the envelope, and split the pieces likewise.

At the end the pieces are the maximal intervals on which the activation pattern (the sign of every ReLU
pre-activation and the arg-max of every pooling window) is constant: the *activation regions* met by the
segment, in the sense of :data:`tropical.regions.DEFINITIONS` restricted to the line.

Precision (what is exact and what is float64)
--------------------------------------------
The arithmetic is float64. The algorithm is exact in exact arithmetic; in float64 a breakpoint is trusted
unless it is *uncertain*, and uncertain breakpoints are counted, never silently decided:

* a neuron whose pre-activation at an end of a piece is nonzero but within ``tol * s`` of zero, where ``s`` is
  the largest magnitude of that tensor at the two ends of the piece (it may cross just inside the piece, or
  not, or coincide with the end): the piece is **not** split for it and one uncertain breakpoint is recorded;
* two new breakpoints of one piece closer than ``tol`` (in ``t`` relative to the piece length) but not equal:
  they are kept as one and one uncertain breakpoint is recorded (bitwise-equal breakpoints, e.g. of the same
  pre-activation read by two ReLUs, are one breakpoint and are not flagged);
* a max-pool breakpoint within ``tol`` of an end of its piece: not split, recorded as uncertain (this happens
  when two *different* max pools read one tensor: the second meets the first one's ties again at the ends of
  the new pieces; a pool with the same window on the same tensor is not traced twice).

An end value that is exactly ``0.0`` is taken as an exact zero: the zero of a neuron at the breakpoint that it
created is written as an exact ``0.0`` -- in the split tensor and in every live tensor whose neuron is a
float-exact multiple of it on the piece (``0 + x``, ``x + x``, an average pool over a 1x1 map) -- and stays exact
through identities and sums with exact zeros, as do the outputs of ``x.mul(0.)`` and of zero padding. So the count is exact when
``uncertain == 0`` *and* every float64 pre-activation is within ``tol * s`` of its exact value (a forward-error
assumption, not a proof); the exact rational path of :func:`canopy.proxies.realized_regions.exact_segment_regions`
certifies small dense networks without that assumption.

Examples
--------
>>> import torch
>>> net = torch.nn.Sequential(torch.nn.Linear(1, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1)).double()
>>> with torch.no_grad():
...     _ = net[0].weight.copy_(torch.tensor([[1.0], [1.0]])); _ = net[0].bias.copy_(torch.tensor([-0.25, -0.5]))
>>> tr = trace_segments(net, torch.tensor([[0.0]]), torch.tensor([[1.0]]))
>>> tr.pieces.tolist(), [b.tolist() for b in tr.breakpoints], tr.uncertain.tolist()
([3], [[0.25, 0.5]], [0])
"""

from __future__ import annotations

import copy
import operator
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import fx, nn

from canopy.errors import ProxySettingsError, UnsupportedOperationError

__all__ = ["SegmentTrace", "trace_segments", "SUPPORTED"]

#: one line of what the tracer supports (quoted in error messages)
SUPPORTED = (
    "Conv1d/2d/3d, Linear, BatchNorm (evaluation statistics), AvgPool, AdaptiveAvgPool, MaxPool2d, ReLU "
    "(module, F.relu, .relu()), LeakyReLU, Identity, Dropout (eval), Flatten, ZeroPad2d, +, -, scaling by a "
    "constant, torch.cat, flatten/view/reshape/contiguous, slicing that keeps the batch dimension, mean over "
    "non-batch dimensions"
)

_AFFINE_MODULES = (
    nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear, nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d, nn.AdaptiveAvgPool1d,
    nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d, nn.Identity, nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d,
    nn.Flatten, nn.ZeroPad2d,
)
_BN_MODULES = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)
_AFFINE_FUNCTIONS = {
    operator.add, operator.sub, operator.neg, operator.pos, operator.getitem, torch.add, torch.sub, torch.neg,
    torch.cat, torch.concat, torch.flatten, torch.reshape, F.avg_pool1d, F.avg_pool2d, F.avg_pool3d,
    F.adaptive_avg_pool1d, F.adaptive_avg_pool2d, F.adaptive_avg_pool3d, torch.mean,
}
_SCALE_FUNCTIONS = {operator.mul, torch.mul, operator.truediv, torch.div}
_RELU_FUNCTIONS = {F.relu, torch.relu, torch.relu_, F.relu_}
_AFFINE_METHODS = {"view", "reshape", "flatten", "contiguous", "add", "sub", "neg", "mean", "__getitem__"}
_SCALE_METHODS = {"mul", "div"}
_RELU_METHODS = {"relu", "relu_"}
_META_METHODS = {"size", "dim"}


@dataclass(frozen=True)
class SegmentTrace:
    """The activation regions met by each segment.

    Attributes
    ----------
    pieces : numpy.ndarray of int, shape (k,)
        Number of activation regions (pieces) met by each open segment.
    breakpoints : list of numpy.ndarray of float
        For each segment, the sorted interior breakpoints ``t`` in ``(0, 1)`` (``pieces - 1`` of them).
    uncertain : numpy.ndarray of int, shape (k,)
        Uncertain breakpoints per segment (see the module docstring): not split / merged, flagged.
    linear_pieces : numpy.ndarray of int, shape (k,)
        Pieces after merging neighbours whose output slopes agree within ``1000 * tol`` (relative to the larger
        slope): a float64 *estimate* of the linear regions met by the segment.
    """

    pieces: np.ndarray
    breakpoints: list[np.ndarray]
    uncertain: np.ndarray
    linear_pieces: np.ndarray


def _where(node: fx.Node) -> str:
    path = f" (module '{node.target}')" if node.op == "call_module" else ""
    return f"node '{node.name}'{path}"


def _unsupported(node: fx.Node, what: str) -> UnsupportedOperationError:
    return UnsupportedOperationError(
        f"realized_regions: unsupported operation {what} at {_where(node)}; supported: {SUPPORTED}"
    )


def _classify(gm: fx.GraphModule) -> dict[fx.Node, str]:
    """Kind of every input-dependent node: 'input', 'affine', 'relu', 'maxpool', 'meta', 'output'."""
    modules = dict(gm.named_modules())
    batch: set[fx.Node] = set()
    kinds: dict[fx.Node, str] = {}
    for node in gm.graph.nodes:
        if node.op == "placeholder":
            if batch:
                raise _unsupported(node, "a second input")
            batch.add(node)
            kinds[node] = "input"
            continue
        if not any(a in batch for a in node.all_input_nodes):
            continue  # constants and parameters: evaluated as they are
        batch.add(node)
        n_batch = sum(1 for a in (*node.args, *node.kwargs.values()) if isinstance(a, fx.Node) and a in batch)
        op, target = node.op, node.target
        if op == "output":
            kinds[node] = "output"
        elif op == "call_module":
            m = modules[target]
            if isinstance(m, (nn.ReLU, nn.LeakyReLU)):
                kinds[node] = "relu"
            elif isinstance(m, nn.MaxPool2d):
                if m.ceil_mode or m.return_indices:
                    raise _unsupported(node, "MaxPool2d(ceil_mode=True or return_indices=True)")
                kinds[node] = "maxpool"
            elif isinstance(m, _BN_MODULES):
                if m.running_mean is None or m.running_var is None:
                    raise _unsupported(node, f"{type(m).__name__}(track_running_stats=False) (normalises by "
                                       "batch statistics, not piecewise linear in the input)")
                kinds[node] = "affine"
            elif isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Conv3d)) and m.padding_mode != "zeros":
                raise _unsupported(node, f"{type(m).__name__}(padding_mode={m.padding_mode!r})")
            elif isinstance(m, _AFFINE_MODULES):
                kinds[node] = "affine"
            else:
                raise _unsupported(node, f"module {type(m).__name__}")
        elif op == "call_function":
            name = getattr(target, "__name__", repr(target))
            if target in _RELU_FUNCTIONS:
                kinds[node] = "relu"
            elif target is F.max_pool2d:
                if node.kwargs.get("ceil_mode") or node.kwargs.get("return_indices") or len(node.args) > 5:
                    raise _unsupported(node, "max_pool2d(ceil_mode=True or return_indices=True)")
                kinds[node] = "maxpool"
            elif target in _SCALE_FUNCTIONS:
                if n_batch > 1 or (target in (operator.truediv, torch.div) and node.args[1] in batch):
                    raise _unsupported(node, f"{name} of two input-dependent tensors (not piecewise linear)")
                kinds[node] = "affine"
            elif target is getattr:
                kinds[node] = "meta"
            elif target is F.pad:
                mode = node.kwargs.get("mode", node.args[2] if len(node.args) > 2 else "constant")
                value = node.kwargs.get("value", node.args[3] if len(node.args) > 3 else None)
                if mode != "constant" or value not in (None, 0, 0.0):
                    raise _unsupported(node, "pad other than zero padding")
                kinds[node] = "affine"
            elif target in _AFFINE_FUNCTIONS:
                kinds[node] = "affine"
            else:
                raise _unsupported(node, f"function {name}")
        elif op == "call_method":
            if target in _RELU_METHODS:
                kinds[node] = "relu"
            elif target in _SCALE_METHODS:
                if n_batch > 1:
                    raise _unsupported(node, f".{target}() of two input-dependent tensors (not piecewise linear)")
                kinds[node] = "affine"
            elif target in _META_METHODS:
                kinds[node] = "meta"
            elif target in _AFFINE_METHODS:
                kinds[node] = "affine"
            else:
                raise _unsupported(node, f"method .{target}()")
        else:  # pragma: no cover - get_attr never depends on the input
            raise _unsupported(node, op)
    return kinds


class _Pieces:
    """The current points: rows sorted by (segment, t); piece = two consecutive rows of one segment."""

    def __init__(self, k: int, tol: float, max_pieces: int) -> None:
        self.t = torch.tensor([0.0, 1.0] * k, dtype=torch.float64)
        self.seg = torch.arange(k).repeat_interleave(2)
        self.uncertain = torch.zeros(k, dtype=torch.long)
        self.tol = tol
        self.max_pieces = max_pieces
        self._left()

    def _left(self) -> None:
        self.left = torch.nonzero(self.seg[1:] == self.seg[:-1]).flatten()  # left row of each piece

    @property
    def R(self) -> int:
        return int(self.t.shape[0])

    @property
    def P(self) -> int:
        return int(self.left.shape[0])

    def ends(self, X: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Values of ``X`` at the left and right ends of every piece, flattened: (P, N) each."""
        flat = X.reshape(X.shape[0], -1)
        return flat[self.left], flat[self.left + 1]

    def relu(self, src: fx.Node, env: dict[fx.Node, Any], live: list[fx.Node]) -> None:
        """Split every piece where a neuron of ``env[src]`` (a ReLU's input) changes sign."""
        cut, lam, neuron = _relu_crossings(env[src], self)
        self.split(cut, lam, env, live, snap=(src, neuron))

    def maxpool(self, src: fx.Node, pool: dict[str, Any], env: dict[fx.Node, Any], live: list[fx.Node]) -> None:
        """Split every piece where the arg-max of a max-pool window of ``env[src]`` changes."""
        cut, lam = _maxpool_breaks(env[src], pool, self)
        self.split(cut, lam, env, live)

    def flag(self, piece: torch.Tensor) -> None:
        if piece.numel():
            self.uncertain += torch.bincount(self.seg[self.left[piece]], minlength=self.uncertain.numel())

    def split(
        self, piece: torch.Tensor, lam: torch.Tensor, env: dict[fx.Node, Any], live: list[fx.Node],
        snap: tuple[fx.Node, torch.Tensor] | None = None,
    ) -> None:
        """Split pieces at local parameters ``lam`` in (0, 1); insert the new points in every live tensor.

        ``snap = (node, neuron)``: the neuron (flat index, one per breakpoint) of ``env[node]`` that vanishes at
        each breakpoint; its value there is written as an exact 0.0.
        """
        if piece.numel() == 0:
            return
        order = torch.argsort(lam, stable=True)
        order = order[torch.argsort(piece[order], stable=True)]
        piece, lam = piece[order], lam[order]
        # one breakpoint per (piece, lam); near-equal ones (gap <= tol, relative to the piece) merged and flagged
        dup = (piece[1:] == piece[:-1]) & (lam[1:] - lam[:-1] <= self.tol)
        self.flag(piece[1:][dup & (lam[1:] > lam[:-1])])
        first = torch.ones_like(piece, dtype=torch.bool)
        first[1:] = ~dup
        group = torch.cumsum(first.long(), 0) - 1
        bp_piece, bp_lam = piece[first], lam[first]
        R, M = self.R, int(bp_piece.numel())
        if self.P + M > self.max_pieces:
            raise ProxySettingsError(
                f"realized_regions: more than max_pieces={self.max_pieces} pieces; use a smaller input "
                "resolution, fewer or shorter segments, or raise max_pieces")
        lrow = self.left[bp_piece]
        # merged order: old row r has key (r, 0); a new point of piece p has key (left row of p, lam)
        key_r = torch.cat([torch.arange(R), lrow])
        key_l = torch.cat([torch.zeros(R, dtype=torch.float64), bp_lam])
        o = torch.argsort(key_l, stable=True)
        o = o[torch.argsort(key_r[o], stable=True)]
        if snap is not None:  # where each crossing's breakpoint lands, and its neuron
            inv = torch.empty_like(o)
            inv[o] = torch.arange(o.numel())
            pos, neuron, crow = inv[R + group], snap[1][order], self.left[piece]
            zshape = env[snap[0]].shape
            Zf = env[snap[0]].reshape(R, -1)
            z_l, z_r = Zf[crow, neuron], Zf[crow + 1, neuron]
        for node in live:
            X = env[node]
            if not isinstance(X, torch.Tensor) or X.dim() == 0 or X.shape[0] != R:
                continue
            lam_b = bp_lam.view(-1, *([1] * (X.dim() - 1))).to(X.dtype)
            new = torch.cat([X, torch.lerp(X[lrow], X[lrow + 1], lam_b)])[o]
            if snap is not None and X.shape == zshape:
                # the crossing neuron vanishes exactly at its breakpoint, in the split tensor and in every
                # tensor computed before the split whose neuron is a float-exact multiple of it on the piece
                # (``0 + x``, ``avg_pool`` of a 1x1 map, ``x + x``: x_l * z_r == x_r * z_l holds bitwise)
                Xf = X.reshape(R, -1)
                x_l, x_r = Xf[crow, neuron], Xf[crow + 1, neuron]
                eq = x_l * z_r == x_r * z_l
                new.view(new.shape[0], -1)[pos[eq], neuron[eq]] = 0.0
            env[node] = new
        t0, t1 = self.t[lrow], self.t[lrow + 1]
        self.t = torch.cat([self.t, t0 + bp_lam * (t1 - t0)])[o]
        self.seg = torch.cat([self.seg, self.seg[lrow]])[o]
        self._left()


def _relu_crossings(z: torch.Tensor, pcs: _Pieces) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(piece, lam, neuron) of the certain zero crossings of ``z``; flags the uncertain ones."""
    z0, z1 = pcs.ends(z)
    a0, a1 = z0.abs(), z1.abs()
    s = torch.maximum(a0.amax(1, keepdim=True), a1.amax(1, keepdim=True)) * pcs.tol
    ambiguous = ((a0 <= s) & (z0 != 0)) | ((a1 <= s) & (z1 != 0))
    if bool(ambiguous.any()):
        pcs.flag(torch.nonzero(ambiguous)[:, 0])
    cross = (((z0 > 0) & (z1 < 0)) | ((z0 < 0) & (z1 > 0))) & ~ambiguous
    idx = torch.nonzero(cross)
    p, k = idx[:, 0], idx[:, 1]
    a, b = z0[p, k], z1[p, k]
    return p, a / (a - b), k


def _maxpool_breaks(z: torch.Tensor, pool: dict[str, Any], pcs: _Pieces) -> tuple[torch.Tensor, torch.Tensor]:
    """(piece, lam) of the arg-max changes of every 2-D max-pool window; flags those within tol of an end."""
    P = pcs.P
    k, st, pad, dil = (pool[n] for n in ("kernel_size", "stride", "padding", "dilation"))
    pair = nn.modules.utils._pair
    k, st, pad, dil = pair(k), pair(st if st is not None else k), pair(pad), pair(dil)
    x = F.pad(z, (pad[1], pad[1], pad[0], pad[0]), value=-1e300)
    U = F.unfold(x, k, dilation=dil, stride=st)  # (R, C*K, L)
    C, K = x.shape[1], k[0] * k[1]
    U = U.reshape(U.shape[0], C, K, -1).transpose(2, 3)  # (R, C, L, K)
    v0 = U[pcs.left]
    sl = U[pcs.left + 1] - v0
    m0 = v0.amax(-1, keepdim=True)
    cur_i = torch.where(v0 == m0, sl, torch.full_like(sl, -torch.inf)).argmax(-1, keepdim=True)
    cur = torch.zeros(m0.shape, dtype=torch.float64)
    active = torch.ones(m0.shape, dtype=torch.bool)
    out_p, out_l = [], []
    pidx = torch.arange(P).view(P, 1, 1, 1).expand(m0.shape)
    for _ in range(K - 1):
        vi, si = v0.gather(-1, cur_i), sl.gather(-1, cur_i)
        better = sl > si
        lam = torch.where(better, (vi - v0) / torch.where(better, sl - si, torch.ones_like(sl)), torch.inf)
        lam = torch.where(lam < cur, cur, lam)  # rounding: never step backwards
        nxt = lam.amin(-1, keepdim=True)
        hit = active & (nxt < 1)
        if not bool(hit.any()):
            break
        new_i = torch.where(lam == nxt, sl, torch.full_like(sl, -torch.inf)).argmax(-1, keepdim=True)
        out_p.append(pidx[hit])
        out_l.append(nxt[hit])
        cur_i = torch.where(hit, new_i, cur_i)
        cur = torch.where(hit, nxt, cur)
        active = hit
    if not out_p:
        return torch.zeros(0, dtype=torch.long), torch.zeros(0, dtype=torch.float64)
    p, lam = torch.cat(out_p), torch.cat(out_l)
    edge = (lam <= pcs.tol) | (lam >= 1 - pcs.tol)
    pcs.flag(p[edge])
    return p[~edge], lam[~edge]


def _pool_args(node: fx.Node, module: nn.Module | None) -> dict[str, Any]:
    if module is not None:
        return {n: getattr(module, n) for n in ("kernel_size", "stride", "padding", "dilation")}
    names = ("input", "kernel_size", "stride", "padding", "dilation")
    got = dict(zip(names, node.args))
    got.update(node.kwargs)
    return {"kernel_size": got["kernel_size"], "stride": got.get("stride") or None,
            "padding": got.get("padding", 0), "dilation": got.get("dilation", 1)}


def _inplace(node: fx.Node, modules: dict[str, nn.Module]) -> bool:
    if node.op == "call_module":
        return bool(getattr(modules[str(node.target)], "inplace", False))
    if node.target in (torch.relu_, F.relu_, "relu_"):
        return True
    return node.target is F.relu and bool(node.kwargs.get("inplace", len(node.args) > 1 and node.args[1]))


def _check_no_stale_sizes(env: dict[fx.Node, Any], live: list[fx.Node], kinds: dict[fx.Node, str], R_old: int) -> None:
    """A batch size read before a split and used after it would be stale: refuse it."""
    for n in live:
        v = env.get(n)
        if kinds.get(n) == "meta" and (v == R_old or (isinstance(v, (tuple, torch.Size)) and v and v[0] == R_old)):
            raise _unsupported(n, "a batch size read before a ReLU / max pool and used after it")


def _fetch(gm: fx.GraphModule, target: str) -> Any:
    obj: Any = gm
    for part in target.split("."):
        obj = getattr(obj, part)
    return obj


def trace_segments(
    model: nn.Module, starts: torch.Tensor, ends: torch.Tensor, *, tol: float = 1e-9, max_pieces: int = 2_000_000,
) -> SegmentTrace:
    """The activation regions of ``model`` met by the segments ``[starts[i], ends[i]]`` (float64, flagged).

    The model is traced with :func:`torch.fx.symbolic_trace` and run on a float64 copy in evaluation mode
    (batch norm uses its running statistics); ``model`` itself is never modified.

    Parameters
    ----------
    model : torch.nn.Module
        Built from the operations listed in :data:`SUPPORTED`, one tensor input.
    starts, ends : torch.Tensor
        ``(k, *input_shape)``: the two ends of each segment.
    tol : float
        Relative tolerance of the uncertainty flags (module docstring).
    max_pieces : int
        Stop with :class:`~canopy.errors.ProxySettingsError` beyond this many pieces in all.

    Returns
    -------
    SegmentTrace

    Raises
    ------
    canopy.errors.UnsupportedOperationError
        An operation outside :data:`SUPPORTED` (named, with its node), or an untraceable model.
    canopy.errors.ProxySettingsError
        Bad segment tensors, or more than ``max_pieces`` pieces.

    Examples
    --------
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    >>> tr = trace_segments(net, torch.zeros(1, 2), torch.ones(1, 2))
    >>> int(tr.pieces[0]) == len(tr.breakpoints[0]) + 1
    True
    """
    if not isinstance(model, nn.Module):
        raise ProxySettingsError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if (not isinstance(starts, torch.Tensor) or not isinstance(ends, torch.Tensor) or starts.shape != ends.shape
            or starts.dim() < 2 or starts.shape[0] < 1):
        raise ProxySettingsError("starts and ends must be tensors of the same shape (k, *input_shape), k >= 1")
    k = int(starts.shape[0])
    pcs = _Pieces(k, float(tol), int(max_pieces))
    x = torch.stack([starts.detach().double(), ends.detach().double()], 1)
    y = walk(model, x.reshape(2 * k, *starts.shape[1:]), pcs)  # rows 2 s, 2 s + 1: the ends of segment s
    return _summarise(pcs, y, k)


def walk(model: nn.Module, x: torch.Tensor, geom: Any) -> torch.Tensor:
    """Run ``model`` (a float64 evaluation-mode copy, traced by :mod:`torch.fx`) on the rows ``x`` of ``geom``.

    ``geom`` is the slice geometry (:class:`_Pieces` for segments, :class:`canopy.proxies._pl_plane._Polygons`
    for planes): it has ``R`` (the current number of rows) and ``relu(src, env, live)`` /
    ``maxpool(src, pool, env, live)``, which refine the pieces where a ReLU input changes sign or a max-pool
    window's arg-max changes, inserting the new rows in every live tensor of ``env``. Returns the output tensor,
    one row per row of ``geom``.
    """
    net = copy.deepcopy(model).double().eval()
    for p in net.parameters():
        p.requires_grad_(False)
    try:
        gm = fx.symbolic_trace(net)
    except Exception as exc:  # torch raises many kinds here
        raise UnsupportedOperationError(
            f"realized_regions: torch.fx could not trace {type(model).__name__}: {type(exc).__name__}: {exc}"
        ) from None
    kinds = _classify(gm)
    modules = dict(gm.named_modules())
    nodes = list(gm.graph.nodes)
    last_use = {n: i for i, node in enumerate(nodes) for n in node.all_input_nodes}
    env: dict[fx.Node, Any] = {}
    done: set[tuple[fx.Node, str]] = set()  # already split on: constant sign / arg-max on every piece
    out: Any = None
    with torch.no_grad():
        for i, node in enumerate(nodes):
            kind = kinds.get(node)
            if node.op == "placeholder":
                if not bool(torch.isfinite(x).all()):
                    raise ProxySettingsError("realized_regions: the slice's points must be finite (a NaN or inf "
                                             "coordinate)")
                env[node] = x
                continue
            if node.op == "output":
                out = fx.node.map_arg(node.args[0], lambda n: env[n])
                break
            if kind in ("relu", "maxpool"):
                src = node.all_input_nodes[0] if node.op != "call_method" else node.args[0]
                pool = None
                if kind == "maxpool":
                    pool = _pool_args(node, modules[node.target] if node.op == "call_module" else None)
                key = (src, repr(pool))  # a ReLU's breakpoints depend on its input only, a pool's on its window
                if key not in done:
                    if isinstance(env[src], torch.Tensor) and not bool(torch.isfinite(env[src]).all()):
                        raise ProxySettingsError(
                            f"realized_regions: non-finite values (NaN or inf) reach {_where(node)}: the model's "
                            "weights or the slice's points are not finite")
                    R_old = geom.R
                    live = [n for n in env if last_use.get(n, -1) >= i]
                    if kind == "relu":
                        geom.relu(src, env, live)
                    else:
                        assert pool is not None  # kind == "maxpool" set it above
                        geom.maxpool(src, pool, env, live)
                    done.add(key)
                    if geom.R != R_old:
                        _check_no_stale_sizes(env, live, kinds, R_old)
            args = fx.node.map_arg(node.args, lambda n: env[n])
            kwargs = fx.node.map_arg(node.kwargs, lambda n: env[n])
            if node.op == "get_attr":
                val = _fetch(gm, node.target)
            elif node.op == "call_module":
                val = modules[node.target](*args, **kwargs)
            elif node.op == "call_function":
                val = node.target(*args, **kwargs)
            else:
                val = getattr(args[0], node.target)(*args[1:], **kwargs)
            if kind is not None and kind != "meta" and isinstance(val, torch.Tensor):
                if val.dim() == 0 or val.shape[0] != geom.R:
                    raise _unsupported(node, "an operation that mixes or drops the batch dimension")
            env[node] = val
            if kind == "relu" and _inplace(node, modules):
                env[node.all_input_nodes[0]] = val  # an in-place ReLU overwrites its input
            for n in node.all_input_nodes:
                if last_use.get(n) == i:
                    env.pop(n, None)
    y = out[-1] if isinstance(out, (tuple, list)) else out
    if not isinstance(y, torch.Tensor) or y.shape[0] != geom.R:
        raise UnsupportedOperationError("realized_regions: the model output must be a tensor (or end with one)")
    if not bool(torch.isfinite(y).all()):
        raise ProxySettingsError("realized_regions: the model's output has non-finite values (NaN or inf): its "
                                 "weights or the slice's points are not finite")
    return y


def _summarise(pcs: _Pieces, y: torch.Tensor, k: int) -> SegmentTrace:
    left, seg = pcs.left, pcs.seg[pcs.left]
    Y = y.reshape(pcs.R, -1)
    slope = (Y[left + 1] - Y[left]) / (pcs.t[left + 1] - pcs.t[left]).unsqueeze(1)
    scale = slope.abs().amax(1)
    # neighbouring pieces of one segment with equal output slopes (within a loose relative tolerance) merge
    same = (seg[1:] == seg[:-1]) & (
        (slope[1:] - slope[:-1]).abs().amax(1) <= 1e3 * pcs.tol * torch.maximum(scale[1:], scale[:-1]))
    pieces = torch.bincount(seg, minlength=k)
    merges = torch.bincount(seg[1:][same], minlength=k)
    segs, ts = pcs.seg.numpy(), pcs.t.numpy()
    bps = [ts[segs == s][1:-1].copy() for s in range(k)]
    return SegmentTrace(pieces.numpy(), bps, pcs.uncertain.numpy(), (pieces - merges).numpy())
