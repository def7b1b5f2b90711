"""The DARTS / NAS-Bench-301 cell search space: genotypes, NASLib compact encoding, sampling, mutation.

A DARTS cell has two input nodes (0: output of cell k-2, 1: output of cell k-1) and four
intermediate nodes 2..5. Each intermediate node is the **sum** of exactly two edges from two
**distinct** earlier nodes; the cell output concatenates nodes ``concat`` = (2, 3, 4, 5).
A :class:`Genotype` holds a normal and a reduction cell, each 8 ``(op, input)`` pairs in node order
(pairs 0-1 feed node 2, 2-3 node 3, 4-5 node 4, 6-7 node 5).

Encodings
---------
* DARTS string form ``Genotype(normal=[('sep_conv_3x3', 0), ...], normal_concat=[2, 3, 4, 5], ...)``
  (:meth:`Genotype.from_string` parses it with :mod:`ast`, never ``eval``; ``range(2, 6)`` is accepted);
* NASLib compact form ``((normal), (reduce))`` of ``(input, op_id)`` pairs with op ids
  0 max_pool_3x3, 1 avg_pool_3x3, 2 skip_connect, 3 sep_conv_3x3, 4 sep_conv_5x5, 5 dil_conv_3x3,
  6 dil_conv_5x5 (:meth:`Genotype.from_compact` / :meth:`Genotype.to_compact`);
* the 14-edge supernet form (:func:`genotype_to_edge_ops`): one op per edge of :data:`EDGES14`
  (for node j in 2..5, input i in 0..j-1), ``"none"`` where the genotype has no edge.

Examples
--------
>>> g = random_genotype(0)
>>> Genotype.from_compact(g.to_compact()) == g and Genotype.from_string(g.to_string()) == g
True
>>> len(genotype_to_edge_ops(g.normal))
14
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING

from canopy.errors import InvalidArchitectureError
from canopy.spaces._parse import literal

if TYPE_CHECKING:  # pragma: no cover
    from canopy._random import SeedLike

__all__ = [
    "DARTS_OPS",
    "NB301_OPS",
    "COMPACT_OPS",
    "EDGES14",
    "STEPS",
    "Genotype",
    "random_genotype",
    "mutations",
    "genotype_to_edge_ops",
    "edge_ops_to_cell",
]

#: The 8 DARTS primitives (with ``none``), in the order of the DARTS code.
DARTS_OPS: tuple[str, ...] = (
    "none",
    "max_pool_3x3",
    "avg_pool_3x3",
    "skip_connect",
    "sep_conv_3x3",
    "sep_conv_5x5",
    "dil_conv_3x3",
    "dil_conv_5x5",
)
#: The 7 NAS-Bench-301 ops (DARTS without ``none``).
NB301_OPS: tuple[str, ...] = DARTS_OPS[1:]
#: NASLib compact op ids: ``COMPACT_OPS[id]`` is the op name.
COMPACT_OPS: tuple[str, ...] = NB301_OPS
#: Number of intermediate nodes.
STEPS = 4
#: The 14 supernet edges ``(i, j)``: for node j in 2..5, input i in 0..j-1.
EDGES14: tuple[tuple[int, int], ...] = tuple((i, j) for j in range(2, 2 + STEPS) for i in range(j))
_CONCAT = (2, 3, 4, 5)

Cell = tuple[tuple[str, int], ...]


def _node_of(pair_index: int) -> int:
    return 2 + pair_index // 2


def _normalise_cell(cell, what: str) -> Cell:
    if isinstance(cell, (str, bytes)) or not hasattr(cell, "__iter__"):
        raise InvalidArchitectureError(f"{what} cell must be a sequence of 8 (op, input) pairs, got {cell!r}")
    pairs = []
    for p, pair in enumerate(cell):
        try:
            op, inp = pair
        except (TypeError, ValueError):
            raise InvalidArchitectureError(
                f"{what} cell pair {p} must be an (op, input) pair, got {pair!r}"
            ) from None
        pairs.append((op, inp))
    return tuple(pairs)


def _check_cell(cell: Cell, what: str, ops: tuple[str, ...]) -> None:
    if len(cell) != 2 * STEPS:
        raise InvalidArchitectureError(f"{what} cell needs {2 * STEPS} (op, input) pairs, got {len(cell)}")
    for p, (op, inp) in enumerate(cell):
        node = _node_of(p)
        if not isinstance(op, str) or op not in ops:
            raise InvalidArchitectureError(
                f"{what} cell pair {p} (node {node}): unknown op {op!r}; allowed ops are {ops}"
            )
        if isinstance(inp, bool) or not isinstance(inp, int) or not 0 <= inp < node:
            raise InvalidArchitectureError(
                f"{what} cell pair {p}: node {node} can only take input 0..{node - 1}, got {inp!r}"
            )
    for n in range(STEPS):
        a, b = cell[2 * n][1], cell[2 * n + 1][1]
        if a == b:
            raise InvalidArchitectureError(
                f"{what} cell node {n + 2}: its two edges must come from distinct inputs, both come from {a}"
            )


def _check_concat(concat, what: str) -> tuple[int, ...]:
    try:
        c = tuple(concat)
    except TypeError:
        raise InvalidArchitectureError(f"{what}_concat must be a sequence of node ids, got {concat!r}") from None
    if c != _CONCAT:
        raise InvalidArchitectureError(f"{what}_concat must be {list(_CONCAT)}, got {list(c)}")
    return c


@dataclass(frozen=True)
class Genotype:
    """A DARTS genotype: normal and reduction cells of 8 ``(op, input)`` pairs each.

    Construction validates against :data:`DARTS_OPS` (``none`` allowed); use :meth:`validate` with
    ``ops=NB301_OPS`` for the NAS-Bench-301 space.

    Parameters
    ----------
    normal, reduce : sequence of (str, int)
        8 pairs each, in node order.
    normal_concat, reduce_concat : sequence of int
        Must be ``(2, 3, 4, 5)``.

    Raises
    ------
    InvalidArchitectureError
        Naming the cell, the pair and the problem.

    Examples
    --------
    >>> pairs = [("sep_conv_3x3", 0), ("sep_conv_3x3", 1)] * 4
    >>> Genotype(pairs, [2, 3, 4, 5], pairs, [2, 3, 4, 5]).normal[0]
    ('sep_conv_3x3', 0)
    """

    normal: Cell
    normal_concat: tuple[int, ...]
    reduce: Cell
    reduce_concat: tuple[int, ...]

    def __init__(self, normal, normal_concat=_CONCAT, reduce=None, reduce_concat=_CONCAT):
        if reduce is None:
            raise InvalidArchitectureError("Genotype needs a reduce cell")
        object.__setattr__(self, "normal", _normalise_cell(normal, "normal"))
        object.__setattr__(self, "reduce", _normalise_cell(reduce, "reduce"))
        object.__setattr__(self, "normal_concat", _check_concat(normal_concat, "normal"))
        object.__setattr__(self, "reduce_concat", _check_concat(reduce_concat, "reduce"))
        self.validate(ops=DARTS_OPS)

    def validate(self, ops: tuple[str, ...] = NB301_OPS) -> Genotype:
        """Check the genotype against an op set (default: NAS-Bench-301, no ``none``).

        Parameters
        ----------
        ops : tuple of str
            Allowed op names.

        Returns
        -------
        Genotype
            ``self``, for chaining.

        Raises
        ------
        InvalidArchitectureError
            If a pair uses an op outside ``ops``, an invalid input, or a node repeats an input.

        Examples
        --------
        >>> pairs = [("none", 0), ("skip_connect", 1)] * 4
        >>> Genotype(pairs, reduce=pairs).validate()
        Traceback (most recent call last):
        ...
        canopy.errors.InvalidArchitectureError: normal cell pair 0 (node 2): unknown op 'none'; allowed ops are ('max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5')
        """
        _check_cell(self.normal, "normal", tuple(ops))
        _check_cell(self.reduce, "reduce", tuple(ops))
        return self

    # ------------------------------------------------------------------ encodings
    @classmethod
    def from_compact(cls, compact) -> Genotype:
        """Build from the NASLib compact form ``((normal), (reduce))`` of ``(input, op_id)`` pairs.

        Parameters
        ----------
        compact : sequence or str
            The nested tuples/lists, or their string form (parsed with :func:`ast.literal_eval`).

        Returns
        -------
        Genotype

        Raises
        ------
        InvalidArchitectureError

        Examples
        --------
        >>> c = (((0, 4), (1, 3), (0, 2), (2, 3), (2, 3), (0, 3), (2, 6), (3, 5)),) * 2
        >>> Genotype.from_compact(c).normal[:2]
        (('sep_conv_5x5', 0), ('sep_conv_3x3', 1))
        """
        if isinstance(compact, str):
            compact = literal(compact, "compact DARTS encoding")
        try:
            normal_c, reduce_c = compact
        except (TypeError, ValueError):
            raise InvalidArchitectureError(
                "compact DARTS encoding must be ((normal pairs), (reduce pairs))"
            ) from None
        cells = []
        for what, cell in (("normal", normal_c), ("reduce", reduce_c)):
            pairs = []
            for p, pair in enumerate(_normalise_cell(cell, what)):
                inp, op_id = pair
                if isinstance(op_id, bool) or not isinstance(op_id, int) or not 0 <= op_id < len(COMPACT_OPS):
                    raise InvalidArchitectureError(
                        f"{what} cell pair {p}: compact op id must be an int in 0..{len(COMPACT_OPS) - 1}, "
                        f"got {op_id!r}"
                    )
                pairs.append((COMPACT_OPS[op_id], inp))
            cells.append(pairs)
        return cls(cells[0], _CONCAT, cells[1], _CONCAT)

    def to_compact(self) -> tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]:
        """The NASLib compact form (needs NB301 ops: ``none`` has no compact id).

        Raises
        ------
        InvalidArchitectureError
            If the genotype uses ``none``.

        Examples
        --------
        >>> random_genotype(1).to_compact()[0][0]
        (0, 5)
        """
        self.validate(ops=NB301_OPS)
        return tuple(
            tuple((inp, COMPACT_OPS.index(op)) for op, inp in cell) for cell in (self.normal, self.reduce)
        )  # type: ignore[return-value]

    def to_string(self) -> str:
        """The DARTS ``Genotype(...)`` string.

        Examples
        --------
        >>> random_genotype(0).to_string()[:25]
        "Genotype(normal=[('sep_co"
        """
        def fmt(cell: Cell) -> str:
            return "[" + ", ".join(f"({op!r}, {inp})" for op, inp in cell) + "]"

        return (
            f"Genotype(normal={fmt(self.normal)}, normal_concat={list(self.normal_concat)}, "
            f"reduce={fmt(self.reduce)}, reduce_concat={list(self.reduce_concat)})"
        )

    def __str__(self) -> str:
        return self.to_string()

    @classmethod
    def from_string(cls, text: str) -> Genotype:
        """Parse ``Genotype(normal=[...], normal_concat=[...], reduce=[...], reduce_concat=[...])`` safely.

        Only literals and ``range(a, b)`` are accepted (parsed with :mod:`ast`; nothing is evaluated).
        Positional arguments in the namedtuple order also work.

        Raises
        ------
        InvalidArchitectureError
            For anything that is not such a call, or an invalid genotype.

        Examples
        --------
        >>> s = "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1)] * 1, normal_concat=[2])"
        >>> Genotype.from_string(s)
        Traceback (most recent call last):
        ...
        canopy.errors.InvalidArchitectureError: genotype field 'normal' is not a literal: ...
        """
        if not isinstance(text, str):
            raise InvalidArchitectureError(f"genotype string must be a str, got {type(text).__name__}")
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except SyntaxError as exc:
            raise InvalidArchitectureError(f"cannot parse genotype string: {exc.msg}") from None
        call = tree.body
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "Genotype"):
            raise InvalidArchitectureError("genotype string must be a call 'Genotype(normal=..., reduce=...)'")
        names = ("normal", "normal_concat", "reduce", "reduce_concat")
        if len(call.args) > 4:
            raise InvalidArchitectureError(f"Genotype takes at most 4 fields, got {len(call.args)}")
        fields: dict[str, object] = {}
        for name, node in zip(names, call.args):
            fields[name] = _literal(node, name)
        for kw in call.keywords:
            if kw.arg not in names:
                raise InvalidArchitectureError(f"unknown Genotype field {kw.arg!r}; fields are {names}")
            if kw.arg in fields:
                raise InvalidArchitectureError(f"Genotype field {kw.arg!r} given twice")
            fields[kw.arg] = _literal(kw.value, kw.arg)
        for name in ("normal", "reduce"):
            if name not in fields:
                raise InvalidArchitectureError(f"genotype string lacks the {name!r} cell")
        return cls(
            fields["normal"],
            fields.get("normal_concat", _CONCAT),
            fields["reduce"],
            fields.get("reduce_concat", _CONCAT),
        )

    # ------------------------------------------------------------------ neighbourhood
    def mutations(self, ops: tuple[str, ...] = NB301_OPS) -> list[Genotype]:
        """All single changes: one pair's op to another op of ``ops``, or its input to another valid input.

        Examples
        --------
        >>> g = random_genotype(0)
        >>> all(sum(a != b for a, b in zip(m.normal + m.reduce, g.normal + g.reduce)) == 1 for m in g.mutations())
        True
        """
        out = []
        for which in ("normal", "reduce"):
            cell = getattr(self, which)
            for p, (op, inp) in enumerate(cell):
                node = _node_of(p)
                other = cell[p ^ 1][1]
                variants = [(o, inp) for o in ops if o != op]
                variants += [(op, i) for i in range(node) if i != inp and i != other]
                for new in variants:
                    new_cell = cell[:p] + (new,) + cell[p + 1 :]
                    if which == "normal":
                        out.append(Genotype(new_cell, self.normal_concat, self.reduce, self.reduce_concat))
                    else:
                        out.append(Genotype(self.normal, self.normal_concat, new_cell, self.reduce_concat))
        return out

    def mutate(self, rng: SeedLike, ops: tuple[str, ...] = NB301_OPS) -> Genotype:
        """One uniformly random element of :meth:`mutations`.

        Parameters
        ----------
        rng : int or numpy.random.Generator

        Examples
        --------
        >>> random_genotype(0).mutate(1) == random_genotype(0).mutate(1)
        True
        """
        from canopy._random import as_generator

        gen = as_generator(rng)
        muts = self.mutations(ops)
        return muts[int(gen.integers(len(muts)))]


def _literal(node: ast.AST, name: str):
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "range"
        and not node.keywords
        and 1 <= len(node.args) <= 3
    ):
        try:
            r = range(*[ast.literal_eval(a) for a in node.args])
        except (ValueError, TypeError):
            raise InvalidArchitectureError(f"genotype field {name!r}: bad range(...) arguments") from None
        if len(r) > 64:  # checked before the list is built: range(0, 10**10) is refused, not materialised
            raise InvalidArchitectureError(f"genotype field {name!r}: {r!r} has {len(r)} entries; a cell has at most 64")
        return list(r)
    try:
        return ast.literal_eval(node)
    except ValueError:
        raise InvalidArchitectureError(f"genotype field {name!r} is not a literal: {ast.unparse(node)!r}") from None


def random_genotype(rng: SeedLike, ops: tuple[str, ...] = NB301_OPS) -> Genotype:
    """A random genotype: for each node two distinct inputs uniformly, each op uniformly from ``ops``.

    Parameters
    ----------
    rng : int or numpy.random.Generator
    ops : tuple of str
        Op set (default :data:`NB301_OPS`).

    Examples
    --------
    >>> random_genotype(0) == random_genotype(0)
    True
    """
    from canopy._random import as_generator

    gen = as_generator(rng)
    ops = tuple(ops)
    cells = []
    for _ in range(2):
        pairs = []
        for node in range(2, 2 + STEPS):
            inputs = sorted(int(i) for i in gen.choice(node, size=2, replace=False))
            for inp in inputs:
                pairs.append((ops[int(gen.integers(len(ops)))], inp))
        cells.append(pairs)
    return Genotype(cells[0], _CONCAT, cells[1], _CONCAT)


def mutations(genotype: Genotype, ops: tuple[str, ...] = NB301_OPS) -> list[Genotype]:
    """Function form of :meth:`Genotype.mutations`.

    Examples
    --------
    >>> mutations(random_genotype(0)) == random_genotype(0).mutations()
    True
    """
    if not isinstance(genotype, Genotype):
        raise InvalidArchitectureError(f"expected a Genotype, got {type(genotype).__name__}")
    return genotype.mutations(ops)


def genotype_to_edge_ops(cell) -> tuple[str, ...]:
    """The 14-edge supernet form of one cell: one op per edge of :data:`EDGES14`, ``"none"`` where absent.

    Parameters
    ----------
    cell : sequence of (str, int)
        8 ``(op, input)`` pairs (``genotype.normal`` or ``genotype.reduce``).

    Returns
    -------
    tuple of str
        14 op names.

    Examples
    --------
    >>> ops = genotype_to_edge_ops([("sep_conv_3x3", 0), ("skip_connect", 1)] * 4)
    >>> ops[:3], ops.count("none")
    (('sep_conv_3x3', 'skip_connect', 'sep_conv_3x3'), 6)
    """
    if isinstance(cell, Genotype):
        raise InvalidArchitectureError("pass one cell (genotype.normal or genotype.reduce), not a Genotype")
    pairs = _normalise_cell(cell, "edge-ops")
    _check_cell(pairs, "edge-ops", DARTS_OPS)
    ops = ["none"] * len(EDGES14)
    for p, (op, inp) in enumerate(pairs):
        ops[EDGES14.index((inp, _node_of(p)))] = op
    return tuple(ops)


def edge_ops_to_cell(edge_ops) -> Cell:
    """Inverse of :func:`genotype_to_edge_ops`: needs exactly two non-``none`` edges into each node.

    Examples
    --------
    >>> pairs = (("sep_conv_3x3", 0), ("skip_connect", 1)) * 4
    >>> edge_ops_to_cell(genotype_to_edge_ops(pairs)) == pairs
    True
    """
    ops = tuple(edge_ops)
    if len(ops) != len(EDGES14):
        raise InvalidArchitectureError(f"14-edge cell needs {len(EDGES14)} ops, got {len(ops)}")
    pairs: list[tuple[str, int]] = []
    for node in range(2, 2 + STEPS):
        incoming = [(op, i) for (i, j), op in zip(EDGES14, ops) if j == node and op != "none"]
        if len(incoming) != 2:
            raise InvalidArchitectureError(
                f"node {node} has {len(incoming)} non-none incoming edges; a genotype needs exactly 2"
            )
        pairs.extend(incoming)
    _check_cell(tuple(pairs), "edge-ops", DARTS_OPS)
    return tuple(pairs)
