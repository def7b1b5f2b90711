"""ReLU networks with exact rational weights.

A :class:`ReLUNetwork` is a fully connected feed-forward network ``x -> A_L(... relu(A_1 x + b_1) ...)``:
ReLU after every layer except the last, which is affine. Weights and biases are exact rationals
(``int`` / :class:`~fractions.Fraction`); floats enter only through :mod:`tropical.convert`, and the network
records the policy used (:attr:`ReLUNetwork.policy`).

JSON format
-----------
``{"layers": [{"weight": [["1/2", "-3"], ["0", "2"]], "bias": ["0", "1/3"]}, ...], "policy": "exact"}``:
one entry per affine layer, ``weight`` as rows (``out x in``), entries as strings (``"-3"``, ``"1/3"``,
``"0.25"``) or JSON integers; ``"policy"`` is optional.

Examples
--------
>>> net = ReLUNetwork([[[1, -1], [2, 1]], [[1, -1]]], [[0, -1], [0]])
>>> net.layer_sizes
(2, 2, 1)
>>> net.forward([0, 2])
(Fraction(-1, 1),)
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tropical._exact import as_fraction
from tropical.convert import POLICIES, check_policy, parse_rational, to_rational
from tropical.errors import (
    ConversionError,
    DimensionMismatchError,
    InexactInputError,
    InvalidNetworkError,
    WrongTypeError,
)

if TYPE_CHECKING:
    from tropical.rational import TropicalRationalMap

__all__ = ["ReLUNetwork"]

Matrix = tuple[tuple[Fraction, ...], ...]
_ZERO = Fraction(0)


def _rows(w: object, layer: int) -> list[list[object]]:
    if isinstance(w, (str, bytes)) or not isinstance(w, Iterable):
        raise InvalidNetworkError(f"layer {layer}: weight must be a matrix (sequence of rows), got {type(w).__name__}")
    rows = []
    for i, r in enumerate(w):
        if isinstance(r, (str, bytes)) or not isinstance(r, Iterable):
            raise InvalidNetworkError(
                f"layer {layer}: weight row {i} must be a sequence, got {type(r).__name__}"
            )
        rows.append(list(r))
    return rows


class ReLUNetwork:
    """An immutable fully connected ReLU network with exact rational weights.

    Parameters
    ----------
    weights : sequence of matrices
        ``weights[l]`` has shape ``out_l x in_l`` (a sequence of rows) with int or Fraction entries.
    biases : sequence of vectors
        ``biases[l]`` has length ``out_l``.
    policy : str, default "exact-input"
        How the values were obtained: ``"exact-input"`` (given exactly) or the name of the
        :mod:`tropical.convert` policy used to convert floats (set by :meth:`random` / :meth:`from_torch`).

    Attributes
    ----------
    weights : tuple of tuple of tuple of Fraction
    biases : tuple of tuple of Fraction
    input_dim, output_dim, num_hidden : int
    widths : tuple of int
        Hidden widths ``(n_1, ..., n_L)``.
    layer_sizes : tuple of int
        ``(n_0, n_1, ..., n_L, n_out)``.
    policy : str

    Raises
    ------
    InexactInputError
        A float (or other inexact number) among the weights or biases.
    DimensionMismatchError
        Ragged rows, a bias of the wrong length, or consecutive layers that do not fit (the message names
        the layer and both shapes).
    InvalidNetworkError
        No layers, an empty layer (zero rows or columns), or different numbers of weight matrices and biases.

    Examples
    --------
    >>> from fractions import Fraction
    >>> net = ReLUNetwork([[[1], [-1]], [[1, 1]]], [[0, 0], [Fraction(1, 2)]])
    >>> net.forward([-3])   # |x| + 1/2
    (Fraction(7, 2),)
    >>> net.activation_pattern([-3])
    ((False, True),)
    """

    __slots__ = ("_weights", "_biases", "_policy", "_hash")

    def __init__(
        self,
        weights: Sequence[Sequence[Sequence[Any]]],
        biases: Sequence[Sequence[Any]],
        *,
        policy: str = "exact-input",
    ) -> None:
        if isinstance(weights, (str, bytes)) or not isinstance(weights, Iterable):
            raise InvalidNetworkError(f"weights must be a sequence of matrices, got {type(weights).__name__}")
        if isinstance(biases, (str, bytes)) or not isinstance(biases, Iterable):
            raise InvalidNetworkError(f"biases must be a sequence of vectors, got {type(biases).__name__}")
        wl, bl = list(weights), list(biases)
        if not wl:
            raise InvalidNetworkError("a network needs at least one layer (got no weight matrices)")
        if len(wl) != len(bl):
            raise InvalidNetworkError(f"got {len(wl)} weight matrices but {len(bl)} bias vectors")
        if not isinstance(policy, str):
            raise InvalidNetworkError(f"policy must be a string, got {type(policy).__name__}")
        if policy != "exact-input" and policy not in POLICIES:
            raise InvalidNetworkError(
                f"unknown policy {policy!r}; expected 'exact-input' or one of {', '.join(POLICIES)}")
        ws: list[Matrix] = []
        bs: list[tuple[Fraction, ...]] = []
        prev_out: int | None = None
        for layer, (w, b) in enumerate(zip(wl, bl)):
            rows = _rows(w, layer)
            if not rows or not rows[0]:
                shape = f"{len(rows)} x {len(rows[0]) if rows else 0}"
                raise InvalidNetworkError(f"layer {layer} is empty (weight shape {shape})")
            n_in = len(rows[0])
            for i, r in enumerate(rows):
                if len(r) != n_in:
                    raise DimensionMismatchError(
                        f"layer {layer}: weight row {i} has {len(r)} entries but row 0 has {n_in} (ragged matrix)"
                    )
            if prev_out is not None and n_in != prev_out:
                raise DimensionMismatchError(
                    f"layer {layer}: weight shape {len(rows)} x {n_in} does not fit layer {layer - 1} "
                    f"output of size {prev_out} (weight shape of layer {layer - 1}: "
                    f"{len(ws[-1])} x {len(ws[-1][0])})"
                )
            if isinstance(b, (str, bytes)) or not isinstance(b, Iterable):
                raise InvalidNetworkError(f"layer {layer}: bias must be a vector, got {type(b).__name__}")
            bvals = list(b)
            if len(bvals) != len(rows):
                raise DimensionMismatchError(
                    f"layer {layer}: bias has shape ({len(bvals)},) but weight has shape {len(rows)} x {n_in}"
                )
            ws.append(
                tuple(
                    tuple(as_fraction(v, f"layer {layer} weight[{i}][{j}]") for j, v in enumerate(r))
                    for i, r in enumerate(rows)
                )
            )
            bs.append(tuple(as_fraction(v, f"layer {layer} bias[{i}]") for i, v in enumerate(bvals)))
            prev_out = len(rows)
        self._weights: tuple[Matrix, ...] = tuple(ws)
        self._biases: tuple[tuple[Fraction, ...], ...] = tuple(bs)
        self._policy = policy
        self._hash: int | None = None

    # ------------------------------------------------------------------ attributes
    @property
    def weights(self) -> tuple[Matrix, ...]:
        """Weight matrices; layer ``l`` has shape ``out_l x in_l`` (tuple of rows of Fractions)."""
        return self._weights

    @property
    def biases(self) -> tuple[tuple[Fraction, ...], ...]:
        """Bias vectors, one per layer."""
        return self._biases

    @property
    def policy(self) -> str:
        """How the weights were obtained: ``"exact-input"`` or a :mod:`tropical.convert` policy name."""
        return self._policy

    @property
    def input_dim(self) -> int:
        """Input dimension ``n_0``."""
        return len(self._weights[0][0])

    @property
    def output_dim(self) -> int:
        """Output dimension."""
        return len(self._weights[-1])

    @property
    def widths(self) -> tuple[int, ...]:
        """Hidden widths ``(n_1, ..., n_L)`` (empty for an affine map)."""
        return tuple(len(w) for w in self._weights[:-1])

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        """``(n_0, n_1, ..., n_L, n_out)``."""
        return (self.input_dim, *self.widths, self.output_dim)

    @property
    def num_hidden(self) -> int:
        """Number of hidden (ReLU) layers."""
        return len(self._weights) - 1

    def __repr__(self) -> str:
        sizes = list(self.layer_sizes)
        return f"ReLUNetwork(layer_sizes={sizes}, policy={self._policy!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ReLUNetwork):
            return NotImplemented
        return self._weights == other._weights and self._biases == other._biases

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash((self._weights, self._biases))
        return self._hash

    # ------------------------------------------------------------------ evaluation
    def _input(self, x: object) -> tuple[Fraction, ...]:
        if isinstance(x, (str, bytes)) or not isinstance(x, Iterable):
            raise InexactInputError(f"input must be a sequence of exact rationals, got {type(x).__name__}")
        xs = tuple(as_fraction(v, f"x[{i}]") for i, v in enumerate(x))
        if len(xs) != self.input_dim:
            raise DimensionMismatchError(
                f"input has shape ({len(xs)},) but the network expects ({self.input_dim},)"
            )
        return xs

    def preactivations(self, x: Sequence[int | Fraction]) -> list[tuple[Fraction, ...]]:
        """Exact pre-activations ``A_l h_{l-1} + b_l`` of every hidden layer at ``x``.

        Parameters
        ----------
        x : sequence of int or Fraction
            A point of length :attr:`input_dim`.

        Returns
        -------
        list of tuple of Fraction
            One tuple per hidden layer.

        Examples
        --------
        >>> ReLUNetwork([[[1], [-1]], [[1, 1]]], [[0, 0], [0]]).preactivations([2])
        [(Fraction(2, 1), Fraction(-2, 1))]
        """
        h = self._input(x)
        out = []
        for w, b in zip(self._weights[:-1], self._biases[:-1]):
            z = tuple(sum((a * v for a, v in zip(row, h) if a), bi) for row, bi in zip(w, b))
            out.append(z)
            h = tuple(v if v > 0 else _ZERO for v in z)
        return out

    def forward(self, x: Sequence[int | Fraction]) -> tuple[Fraction, ...]:
        """The exact network output at ``x``.

        Parameters
        ----------
        x : sequence of int or Fraction

        Returns
        -------
        tuple of Fraction

        Raises
        ------
        InexactInputError, DimensionMismatchError

        Examples
        --------
        >>> ReLUNetwork([[[1], [-1]], [[1, 1]]], [[0, 0], [0]]).forward([Fraction(-1, 3)])
        (Fraction(1, 3),)
        """
        h = self._input(x)
        for w, b in zip(self._weights[:-1], self._biases[:-1]):
            h = tuple(
                v if v > 0 else _ZERO
                for v in (sum((a * u for a, u in zip(row, h) if a), bi) for row, bi in zip(w, b))
            )
        return tuple(sum((a * u for a, u in zip(row, h) if a), bi) for row, bi in zip(self._weights[-1], self._biases[-1]))

    def __call__(self, x: Sequence[int | Fraction]) -> tuple[Fraction, ...]:
        return self.forward(x)

    def activation_pattern(self, x: Sequence[int | Fraction]) -> tuple[tuple[bool, ...], ...]:
        """Which hidden neurons are active at ``x`` (``True`` iff the pre-activation is ``> 0``).

        Examples
        --------
        >>> ReLUNetwork([[[1], [-1]], [[1, 1]]], [[0, 0], [0]]).activation_pattern([0])
        ((False, False),)
        """
        return tuple(tuple(v > 0 for v in z) for z in self.preactivations(x))

    # ------------------------------------------------------------------ tropical
    def to_tropical(self, *, prune: bool = True) -> TropicalRationalMap:
        """The exact tropical rational map ``F ⊘ G`` of this network (Zhang–Naitzat–Lim recursion).

        See :func:`tropical.tropicalize.network_to_tropical` for details; per-layer monomial counts are in
        the result's ``layer_stats``.

        Examples
        --------
        >>> net = ReLUNetwork([[[1, -1], [2, 1]], [[1, -1]]], [[0, -1], [0]])
        >>> m = net.to_tropical()
        >>> m.evaluate([0, 2]) == net.forward([0, 2])
        True
        """
        from tropical.tropicalize import network_to_tropical

        return network_to_tropical(self, prune=prune)

    # ------------------------------------------------------------------ (de)serialisation
    def to_json(self) -> dict[str, Any]:
        """The network as a JSON-ready dict (exact rationals as strings).

        Examples
        --------
        >>> ReLUNetwork([[[Fraction(1, 2)]]], [[-3]]).to_json()
        {'layers': [{'weight': [['1/2']], 'bias': ['-3']}], 'policy': 'exact-input'}
        """
        return {
            "layers": [
                {"weight": [[str(v) for v in row] for row in w], "bias": [str(v) for v in b]}
                for w, b in zip(self._weights, self._biases)
            ],
            "policy": self._policy,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | str | os.PathLike[str]) -> ReLUNetwork:
        """Read a network from the JSON format (a dict, JSON text, or a path to a ``.json`` file).

        A string starting with ``{`` or ``[`` is parsed as JSON text; any other string is a file path.

        Raises
        ------
        InvalidNetworkError
            Malformed JSON / missing keys.
        ConversionError
            An entry that is not an exact rational string or integer (JSON floats are refused).
        DimensionMismatchError
            Shapes that do not fit.

        Examples
        --------
        >>> net = ReLUNetwork.from_json('{"layers": [{"weight": [["1/2", "-3"]], "bias": ["1/3"]}]}')
        >>> net.forward([2, 0])
        (Fraction(4, 3),)
        >>> ReLUNetwork.from_json(net.to_json()) == net
        True
        """
        if isinstance(data, (str, os.PathLike)):
            text: str
            if isinstance(data, str) and data.lstrip().startswith(("{", "[")):
                text = data
            else:
                path = Path(data)
                try:
                    if not path.is_file():
                        raise InvalidNetworkError(f"network file not found: {str(path)[:200]}")
                    text = path.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as exc:
                    raise InvalidNetworkError(
                        f"network file {str(path)[:200]} cannot be read as UTF-8 JSON text: "
                        f"{getattr(exc, 'strerror', None) or exc}"
                    ) from None
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                raise InvalidNetworkError(f"network JSON is malformed: {exc}") from exc
            except RecursionError:
                raise InvalidNetworkError("network JSON is nested too deeply to be a network") from None
        if not isinstance(data, Mapping) or "layers" not in data:
            raise InvalidNetworkError('network JSON must be an object with a "layers" list')
        layers = data["layers"]
        if not isinstance(layers, list):
            raise InvalidNetworkError('"layers" must be a list of {"weight": ..., "bias": ...} objects')
        ws, bs = [], []
        for i, layer in enumerate(layers):
            if not isinstance(layer, Mapping) or "weight" not in layer or "bias" not in layer:
                raise InvalidNetworkError(f'layer {i} must be an object with "weight" and "bias"')
            w, b = layer["weight"], layer["bias"]
            if not isinstance(w, list) or not all(isinstance(r, list) for r in w):
                raise InvalidNetworkError(f"layer {i}: weight must be a list of rows")
            if not isinstance(b, list):
                raise InvalidNetworkError(f"layer {i}: bias must be a list")
            ws.append([[parse_rational(v, f"layer {i} weight[{r}][{c}]") for c, v in enumerate(row)] for r, row in enumerate(w)])
            bs.append([parse_rational(v, f"layer {i} bias[{r}]") for r, v in enumerate(b)])
        policy = data.get("policy", "exact-input")
        if not isinstance(policy, str):
            raise InvalidNetworkError('"policy" must be a string')
        return cls(ws, bs, policy=policy)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def random(
        cls,
        input_dim: int,
        widths: Sequence[int],
        output_dim: int = 1,
        *,
        seed: int | random.Random = 0,
        distribution: str = "gaussian",
        scale: int | Fraction = 1,
        policy: str = "exact",
        max_denominator: int | None = None,
    ) -> ReLUNetwork:
        """A seeded random network (pure standard library: :class:`random.Random`).

        Parameters
        ----------
        input_dim : int
        widths : sequence of int
            Hidden widths (may be empty: an affine map).
        output_dim : int, default 1
        seed : int or random.Random, default 0
        distribution : {"gaussian", "integer"}
            ``"gaussian"``: float64 samples of N(0, scale²) converted by ``policy``;
            ``"integer"``: uniform integers in ``[-scale, scale]`` (exact; ``policy`` is recorded as
            ``"exact-input"``).
        scale : int or Fraction, default 1
        policy : {"exact", "limit_denominator"}
            Float -> rational policy for ``"gaussian"``.
        max_denominator : int, optional
            For ``policy="limit_denominator"``.

        Examples
        --------
        >>> net = ReLUNetwork.random(2, [3], seed=1, distribution="integer", scale=2)
        >>> net.layer_sizes, net.policy
        ((2, 3, 1), 'exact-input')
        >>> ReLUNetwork.random(2, [3], seed=1) == ReLUNetwork.random(2, [3], seed=1)
        True
        """
        sizes = [input_dim, *list(widths), output_dim]
        for s in sizes:
            if isinstance(s, bool) or not isinstance(s, int):
                raise InvalidNetworkError(f"layer sizes must be ints, got {type(s).__name__} {s!r}")
            if s < 1:
                raise InvalidNetworkError(f"layer sizes must be positive, got {sizes}")
        if not isinstance(seed, random.Random):
            if isinstance(seed, bool) or not hasattr(seed, "__index__"):
                raise WrongTypeError(f"seed must be an int or a random.Random, got {type(seed).__name__} {seed!r:.40}")
            seed = random.Random(seed.__index__())
        rng = seed
        sc = as_fraction(scale, "scale")
        if sc <= 0:
            raise InvalidNetworkError(f"scale must be positive, got {sc}")
        if distribution == "gaussian":
            check_policy(policy, max_denominator)

            def draw() -> Fraction:
                return to_rational(rng.gauss(0.0, float(sc)), policy, max_denominator=max_denominator)

            rec = policy
        elif distribution == "integer":
            if sc.denominator != 1:
                raise InvalidNetworkError(f"scale must be an integer for distribution='integer', got {sc}")
            k = int(sc)

            def draw() -> Fraction:
                return Fraction(rng.randint(-k, k))

            rec = "exact-input"
        else:
            raise InvalidNetworkError(f"unknown distribution {distribution!r}; choose 'gaussian' or 'integer'")
        ws, bs = [], []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            ws.append([[draw() for _ in range(n_in)] for _ in range(n_out)])
            bs.append([draw() for _ in range(n_out)])
        return cls(ws, bs, policy=rec)

    @classmethod
    def from_torch(
        cls,
        module_or_state_dict: Any,
        policy: str = "exact",
        max_denominator: int | None = None,
    ) -> ReLUNetwork:
        """Convert a torch ``Sequential`` of ``Linear``/``ReLU`` (or its ``state_dict``) exactly.

        torch is imported only here. Every float weight goes through :func:`tropical.convert.to_rational`
        with ``policy``, which the network records. A state_dict is read as consecutive ``Linear`` layers
        (keys ``<prefix>.weight`` / ``<prefix>.bias`` in order) with ReLU between them.

        Raises
        ------
        InvalidNetworkError
            Unsupported module (named), ReLU in the wrong place, a non-2-D weight, or an empty model.
        ConversionError
            NaN / inf weights (the message names the layer and entry) or a bad policy.

        Examples
        --------
        >>> import torch
        >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
        <torch._C.Generator object at ...>
        >>> model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
        >>> net = ReLUNetwork.from_torch(model)
        >>> net.layer_sizes, net.policy
        ((2, 3, 1), 'exact')
        """
        check_policy(policy, max_denominator)
        layers = _torch_layers(module_or_state_dict)
        ws, bs = [], []
        for idx, (name, weight, bias) in enumerate(layers):
            try:
                w = [[to_rational(v, policy, max_denominator=max_denominator) for v in row] for row in weight]
                b = (
                    [Fraction(0)] * len(weight)
                    if bias is None
                    else [to_rational(v, policy, max_denominator=max_denominator) for v in bias]
                )
            except ConversionError as exc:
                raise ConversionError(f"layer {idx} ({name}): {exc}") from None
            ws.append(w)
            bs.append(b)
        return cls(ws, bs, policy=policy)


def _torch_layers(obj: Any) -> list[tuple[str, list[list[float]], list[float] | None]]:
    """Extract (name, weight rows, bias) per Linear layer from a module or a state_dict."""
    import torch

    out: list[tuple[str, list[list[float]], list[float] | None]] = []

    def tensor_rows(t: Any, name: str) -> list[list[float]]:
        if not isinstance(t, torch.Tensor) or t.dim() != 2:
            shape = tuple(t.shape) if isinstance(t, torch.Tensor) else type(t).__name__
            raise InvalidNetworkError(f"{name}: weight must be a 2-D tensor, got {shape}")
        return t.detach().to(torch.float64).cpu().tolist()

    def tensor_vec(t: Any, name: str) -> list[float]:
        if not isinstance(t, torch.Tensor) or t.dim() != 1:
            raise InvalidNetworkError(f"{name}: bias must be a 1-D tensor")
        return t.detach().to(torch.float64).cpu().tolist()

    if isinstance(obj, torch.nn.Module):
        modules: list[tuple[str, Any]] = []

        def flatten(m: Any, prefix: str) -> None:
            if isinstance(m, torch.nn.Sequential):
                for name, child in m.named_children():
                    flatten(child, f"{prefix}{name}.")
            else:
                modules.append((prefix.rstrip(".") or type(m).__name__, m))

        flatten(obj, "")
        expect_linear = True
        for name, m in modules:
            if isinstance(m, torch.nn.Linear):
                if not expect_linear:
                    raise InvalidNetworkError(
                        f"module {name}: two Linear layers without a ReLU between them are not supported"
                    )
                out.append(
                    (name, tensor_rows(m.weight, name), None if m.bias is None else tensor_vec(m.bias, name))
                )
                expect_linear = False
            elif isinstance(m, torch.nn.ReLU):
                if expect_linear:
                    raise InvalidNetworkError(f"module {name}: ReLU must follow a Linear layer")
                expect_linear = True
            elif isinstance(m, (torch.nn.Identity, torch.nn.Flatten)):
                continue
            else:
                raise InvalidNetworkError(
                    f"module {name}: unsupported module {type(m).__name__} (only Linear and ReLU are supported)"
                )
        if not out:
            raise InvalidNetworkError("the model has no Linear layer")
        if expect_linear:
            raise InvalidNetworkError("the model ends with a ReLU; the last layer must be Linear (affine)")
        return out
    if isinstance(obj, Mapping):
        groups: dict[str, dict[str, Any]] = {}
        for key, val in obj.items():
            if not isinstance(key, str) or "." not in key and key not in ("weight", "bias"):
                raise InvalidNetworkError(f"state_dict key {key!r} is not of the form <layer>.weight/<layer>.bias")
            prefix, _, kind = key.rpartition(".")
            if kind not in ("weight", "bias"):
                raise InvalidNetworkError(
                    f"state_dict key {key!r}: only Linear weights and biases are supported"
                )
            groups.setdefault(prefix, {})[kind] = val
        if not groups:
            raise InvalidNetworkError("the state_dict is empty")
        for prefix, g in groups.items():
            name = prefix or "<root>"
            if "weight" not in g:
                raise InvalidNetworkError(f"state_dict layer {name} has a bias but no weight")
            out.append((name, tensor_rows(g["weight"], name), tensor_vec(g["bias"], name) if "bias" in g else None))
        return out
    raise InvalidNetworkError(
        f"expected a torch.nn.Module or a state_dict, got {type(obj).__name__}"
    )
