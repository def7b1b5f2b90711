r"""Convolutions as structured (Toeplitz / doubly-block-Toeplitz) hyperplane arrangements.

A convolution is a linear map whose matrix is (block) Toeplitz: the hyperplanes of the ReLU units that
follow it are *not* in general position, because the normal of unit ``(c_out, p)`` only involves the input
rows of its receptive field ``RF(p)`` in the ``C_in / groups`` channels of its group.  For any set ``B`` of
output positions and any group ``g``, the normals of those ``|B| * C_out / groups`` units span at most
``(C_in / groups) * |RF(B)|`` dimensions, and at most ``rank`` dimensions where ``rank`` bounds the
effective dimension of the convolution's input.  Hence (``proofs/conv.md``):

.. math::  N\bigl(\mathrm{ReLU}\circ\mathrm{conv}\bigr) \;\le\; \min_{\mathcal{T}}
           \prod_{(B, g) \in \mathcal{T}} r\Bigl(\tfrac{C_{out}}{G}|B|,\;
           \min\bigl(\tfrac{C_{in}}{G}|RF(B)|, \mathrm{rank}\bigr)\Bigr),
           \qquad r(n, d) = \sum_{j \le d}\binom{n}{j},

the minimum running over tilings ``T`` of the output grid by ``t x ... x t`` tiles (``t`` a power of two)
times the groups, and the untiled global count :math:`r(C_{out}\prod_a H'_a, \min(\mathrm{rank},
C_{in}\,|\text{covered input}|))`.  Exact Python integers inside; ``log10`` only to compare alternatives.

Depthwise-separable and dilated convolutions as DARTS builds them are compositions of these layers
(``sep_conv = (ReLU, depthwise conv, pointwise conv, BN) x 2``; ``dil_conv = ReLU, dilated depthwise conv,
pointwise conv, BN``); :func:`sep_conv_bound` / :func:`dil_conv_bound` apply the rule to each ReLU.

References
----------
H. Xiong, L. Huang, M. Yu, L. Liu, F. Zhu, L. Shao, *On the Number of Linear Regions of Convolutional Neural
Networks*, ICML 2020 (receptive-field dependence of CNN region counts).  T. Zaslavsky, Memoirs AMS 154 (1975).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from canopy.bounds._combinatorics import check_nonneg_int, zaslavsky
from canopy.bounds.branches import ProductBound, zaslavsky_log10
from canopy.bounds.spec import BoundSpec
from canopy.errors import InvalidArgumentError

__all__ = [
    "conv_output_size",
    "axis_windows",
    "conv_rank_bound",
    "structured_relu_bound",
    "conv_relu_bound",
    "sep_conv_bound",
    "dil_conv_bound",
]


def _pos(v: object, name: str) -> int:
    v = check_nonneg_int(v, name)
    if v < 1:
        raise InvalidArgumentError(f"{name} must be >= 1, got {v}")
    return v


def conv_output_size(size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """Output length of a convolution / pooling along one axis (PyTorch's floor formula).

    Examples
    --------
    >>> conv_output_size(32, 3, 1, 1), conv_output_size(32, 3, 2, 1), conv_output_size(32, 3, 1, 2, 2)
    (32, 16, 32)
    """
    size, kernel, stride = _pos(size, "size"), _pos(kernel, "kernel"), _pos(stride, "stride")
    padding, dilation = check_nonneg_int(padding, "padding"), _pos(dilation, "dilation")
    out = (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1
    if out < 1:
        raise InvalidArgumentError(
            f"kernel {kernel} (dilation {dilation}) does not fit an input of size {size} with padding {padding}"
        )
    return out


@lru_cache(maxsize=4096)
def axis_windows(
    size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> tuple[tuple[int, ...], ...]:
    """Input coordinates (padding excluded) read by each output position along one axis.

    Examples
    --------
    >>> axis_windows(4, 3, 1, 1)
    ((0, 1), (0, 1, 2), (1, 2, 3), (2, 3))
    >>> axis_windows(5, 2, 2, 0)
    ((0, 1), (2, 3))
    """
    out = conv_output_size(size, kernel, stride, padding, dilation)
    return tuple(
        tuple(q for q in (i * stride - padding + k * dilation for k in range(kernel)) if 0 <= q < size)
        for i in range(out)
    )


def conv_rank_bound(
    in_channels: int, out_channels: int, windows: Sequence[Sequence[Sequence[int]]], input_rank: int
) -> int:
    """Effective dimension after a convolution: ``min(input_rank, C_out * #outputs, C_in * #covered inputs)``.

    Parameters
    ----------
    in_channels, out_channels : int
    windows : sequence (one per spatial axis) of per-output-position coordinate tuples (:func:`axis_windows`)
    input_rank : int
        Upper bound on the effective dimension of the convolution's input.

    Examples
    --------
    >>> conv_rank_bound(1, 4, [axis_windows(8, 2, 2)], 8)     # stride = kernel: all 8 inputs covered
    8
    >>> conv_rank_bound(1, 4, [axis_windows(8, 1, 2)], 8)     # 1x1 stride 2: only 4 inputs read
    4
    """
    outs, covered = _outs_covered(tuple(tuple(tuple(w) for w in ax) for ax in windows))
    return min(input_rank, out_channels * outs, in_channels * covered)


@lru_cache(maxsize=4096)
def _outs_covered(windows) -> tuple[int, int]:
    outs = 1
    covered = 1
    for ax in windows:
        outs *= len(ax)
        covered *= len({q for w in ax for q in w})
    return outs, covered


def _axis_tiles(ax: tuple[tuple[int, ...], ...], t: int) -> Counter:
    """Counter of (tile length, receptive-field size) over consecutive tiles of ``t`` output positions."""
    c: Counter = Counter()
    for start in range(0, len(ax), t):
        chunk = ax[start : start + t]
        c[(len(chunk), len({q for w in chunk for q in w}))] += 1
    return c


@lru_cache(maxsize=8192)
def _structured(
    out_channels: int, in_channels: int, groups: int, windows: tuple[tuple[tuple[int, ...], ...], ...], rank: int
) -> ProductBound:
    if groups < 1 or in_channels % groups or out_channels % groups:
        raise InvalidArgumentError(f"groups={groups} must divide in_channels={in_channels} and out_channels={out_channels}")
    cin_g, cout_g = in_channels // groups, out_channels // groups
    outs = 1
    covered = 1
    for ax in windows:
        outs *= len(ax)
        covered *= len({q for w in ax for q in w})
    units = out_channels * outs
    # the untiled, ungrouped count: every unit in one arrangement of rank <= min(rank, C_in * covered)
    g_rank = min(rank, in_channels * covered, units)
    best = ProductBound([(zaslavsky(units, g_rank), 1)])
    best_log = zaslavsky_log10(units, g_rank)
    longest = max((len(ax) for ax in windows), default=1)
    t = 1
    sizes = []
    while t < longest:
        sizes.append(t)
        t *= 2
    sizes.append(longest)
    for t in sizes:
        per_axis = [_axis_tiles(ax, t) for ax in windows]
        blocks: Counter = Counter({(1, 1): groups})
        for tiles in per_axis:
            nxt: Counter = Counter()
            for (n_b, rf_b), cnt in blocks.items():
                for (ln, rf), c2 in tiles.items():
                    nxt[(n_b * ln, rf_b * rf)] += cnt * c2
            blocks = nxt
        log = 0.0
        terms = []
        for (npos, rf), cnt in blocks.items():
            n_b = cout_g * npos
            r_b = min(cin_g * rf, rank, n_b)
            log += cnt * zaslavsky_log10(n_b, r_b)
            terms.append((n_b, r_b, cnt))
            if log >= best_log:
                break
        if log < best_log:
            best_log = log
            best = ProductBound((zaslavsky(n_b, r_b), cnt) for n_b, r_b, cnt in terms)
    return best


def structured_relu_bound(
    out_channels: int,
    in_channels: int,
    windows: Sequence[Sequence[Sequence[int]]],
    rank: int,
    groups: int = 1,
) -> ProductBound:
    r"""Cells that ``ReLU(conv(x))`` cuts a piece into, with the convolution's receptive-field structure.

    Parameters
    ----------
    out_channels, in_channels : int
        Channels of the convolution (``groups`` must divide both).
    windows : sequence of sequences
        One entry per spatial axis: for each output position, the input coordinates it reads
        (:func:`axis_windows`).
    rank : int
        Upper bound on the effective dimension of the convolution's input on the piece.
    groups : int
        Convolution groups (``groups == in_channels`` for a depthwise convolution).

    Returns
    -------
    ProductBound
        The smallest of the tiled products (tiles of ``t`` output positions per axis, ``t`` a power of two
        or the full axis, times the groups) and the global rank-limited count; each is a valid upper bound
        (``proofs/conv.md``, Theorem V1).

    Examples
    --------
    >>> # 1-D, C_in = 1, kernel 2, stride 2 (non-overlapping patches), 4 channels, length 8
    >>> structured_relu_bound(4, 1, [axis_windows(8, 2, 2)], 8).value()   # 4 patches, r(4, 2) = 11 each
    14641
    >>> zaslavsky(16, 8)                                                   # the unstructured count
    39203
    """
    out_channels = _pos(out_channels, "out_channels")
    in_channels = _pos(in_channels, "in_channels")
    groups = _pos(groups, "groups")
    rank = check_nonneg_int(rank, "rank")
    win = tuple(tuple(tuple(int(q) for q in w) for w in ax) for ax in windows)
    return _structured(out_channels, in_channels, groups, win, rank)


def conv_relu_bound(
    in_channels: int,
    out_channels: int,
    in_size: Sequence[int],
    kernel: int | Sequence[int],
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    groups: int = 1,
    *,
    input_rank: int | None = None,
) -> int:
    r"""Upper bound on the linear regions of one ``ReLU(conv(x))`` layer (any weights, biases allowed).

    Parameters
    ----------
    in_channels, out_channels : int
    in_size : sequence of int
        Spatial size of the input (one entry per axis: ``(L,)`` for 1-D, ``(H, W)`` for 2-D).
    kernel, stride, padding, dilation : int or sequence of int
        Per axis (an int applies to every axis).
    groups : int
    input_rank : int, optional
        Effective dimension of the input (default: ``in_channels * prod(in_size)``, a raw input).

    Returns
    -------
    int
        Exact bound.

    Examples
    --------
    >>> conv_relu_bound(1, 4, (8,), 2, stride=2)      # four independent patches: 11**4
    14641
    >>> conv_relu_bound(1, 1, (3, 3), 2)              # 4 units, 9-dim input: 2**4
    16
    """
    in_size = tuple(_pos(s, "in_size") for s in in_size)
    nd = len(in_size)

    def per_axis(v, name):
        vs = (v,) * nd if isinstance(v, int) else tuple(v)
        if len(vs) != nd:
            raise InvalidArgumentError(f"{name} has {len(vs)} entries for {nd} spatial axes")
        return vs

    ks, ss, ps, ds = (per_axis(v, n) for v, n in ((kernel, "kernel"), (stride, "stride"),
                                                   (padding, "padding"), (dilation, "dilation")))
    windows = tuple(axis_windows(n, k, s, p, d) for n, k, s, p, d in zip(in_size, ks, ss, ps, ds))
    full = in_channels
    for n in in_size:
        full *= n
    rank = full if input_rank is None else min(check_nonneg_int(input_rank, "input_rank"), full)
    return structured_relu_bound(out_channels, in_channels, windows, rank, groups).value()


def _dw_pw_relu(C: int, size: tuple[int, ...], kernel: int, stride: int, padding: int, dilation: int,
                rank: int) -> tuple[ProductBound, int, tuple[int, ...]]:
    """One (ReLU, depthwise, pointwise, BN) block: (cells of its ReLU, output rank, output size)."""
    units = C
    for n in size:
        units *= n
    first = ProductBound([(zaslavsky(units, min(rank, units)), 1)])
    windows = tuple(axis_windows(n, kernel, stride, padding, dilation) for n in size)
    r_dw = conv_rank_bound(C, C, windows, min(rank, units))
    out_size = tuple(len(ax) for ax in windows)
    return first, r_dw, out_size


def _block_input(C: int, size: Sequence[int], input_rank: int | None) -> tuple[int, tuple[int, ...], int]:
    """Validated channels and size of a DARTS conv block's input, and its effective dimension ``r0``."""
    C = _pos(C, "C")
    size = tuple(_pos(s, "size") for s in size)
    full = C
    for n in size:
        full *= n
    return C, size, full if input_rank is None else min(full, check_nonneg_int(input_rank, "input_rank"))


def sep_conv_bound(C: int, size: Sequence[int], kernel: int, stride: int = 1, *, input_rank: int | None = None
                   ) -> int:
    r"""Upper bound on the linear regions of a DARTS ``sep_conv_kxk`` applied to a tensor of rank ``input_rank``.

    ``sep_conv = ReLU, dwconv(k, stride), pwconv, BN, ReLU, dwconv(k, 1), pwconv, BN``: the two ReLUs are
    two levels of cuts; the first cuts :math:`r(C\prod H_a, r_0)`, the second
    :math:`r(C\prod H'_a, r_1)` with :math:`r_1` the effective dimension after the first block
    (``proofs/conv.md``, Corollary V3).  The affine BN maps add no regions.

    Examples
    --------
    >>> sep_conv_bound(1, (4,), 3, input_rank=1)      # 1-D input: each ReLU cuts a line into <= 5 pieces
    25
    """
    C, size, r0 = _block_input(C, size, input_rank)
    b1, r1, size1 = _dw_pw_relu(C, size, kernel, stride, (kernel - 1) // 2, 1, r0)
    b2, _, _ = _dw_pw_relu(C, size1, kernel, 1, (kernel - 1) // 2, 1, r1)
    return (b1 * b2).value()


def dil_conv_bound(C: int, size: Sequence[int], kernel: int, stride: int = 1, *, input_rank: int | None = None
                   ) -> int:
    r"""Upper bound on the linear regions of a DARTS ``dil_conv_kxk`` (ReLU, dilated dwconv, pwconv, BN).

    Only the leading ReLU cuts: :math:`r(C\prod H_a, \min(r_0, C\prod H_a))`.

    Examples
    --------
    >>> dil_conv_bound(2, (3, 3), 3, input_rank=2)    # 18 units, rank 2: 1 + 18 + 153
    172
    """
    C, size, r0 = _block_input(C, size, input_rank)
    b1, _, _ = _dw_pw_relu(C, size, kernel, stride, (kernel - 1), 2, r0)
    return b1.value()


#: the bounds this module declares (registered by :mod:`canopy.bounds`)
SPECS = (
    BoundSpec(name="conv_relu", function=conv_relu_bound, kind="upper", signature="conv",
              summary="min over tilings of prod_blocks r(C_out/G*|B|, min(C_in/G*|RF(B)|, rank))",
              hypotheses="any weights and biases; zero padding; input of effective dimension <= input_rank",
              proof="proofs/conv.md"),
    BoundSpec(name="sep_conv", function=sep_conv_bound, kind="upper", signature="conv",
              summary="two ReLU levels of a DARTS sep_conv: r(n, r0) * r(n', r1)",
              hypotheses="BN as an affine map (evaluation / initialisation)", proof="proofs/conv.md"),
    BoundSpec(name="dil_conv", function=dil_conv_bound, kind="upper", signature="conv",
              summary="leading ReLU of a DARTS dil_conv: r(n, r0)",
              hypotheses="BN as an affine map (evaluation / initialisation)", proof="proofs/conv.md"),
)
