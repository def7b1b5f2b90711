"""Exact symbolic values and the layered ReLU network under construction (used by :mod:`tropical.graph`).

A :class:`_Value` is a tensor held as an exact affine map of one hidden layer's output; :class:`_Builder`
adds neurons to hidden layers (sharing equal ones), carries values through a layer
(``v = relu(v) - relu(-v)``, or ``v = relu(v)`` for a coordinate of a hidden layer's output) and builds the
pairwise-max tree of max pooling (``max(a, b) = a + relu(b - a)``).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

Row = dict[int, Fraction]


class _Value:
    """A tensor as an exact affine map of hidden layer ``level``'s output: ``rows[i] . z + bias[i]``."""

    __slots__ = ("level", "shape", "rows", "bias")

    def __init__(self, level: int, shape: tuple[int, ...], rows: list[Row], bias: list[Fraction]) -> None:
        self.level, self.shape, self.rows, self.bias = level, shape, rows, bias


def _combine(terms: Sequence[tuple[Fraction, Row]]) -> Row:
    out: Row = {}
    for c, row in terms:
        if c == 0:
            continue
        for j, v in row.items():
            s = out.get(j, 0) + c * v
            if s:
                out[j] = s
            else:
                out.pop(j, None)
    return out


class _Builder:
    """Hidden layers under construction: ``layers[k-1]`` holds the neurons of hidden layer ``k``."""

    def __init__(self, n_in: int, input_lower: Sequence[Fraction] | None = None) -> None:
        self.n_in = n_in
        self.input_lower = input_lower
        self.layers: list[list[tuple[Row, Fraction]]] = []
        self.index: list[dict[tuple, int]] = []

    def width(self, level: int) -> int:
        return self.n_in if level == 0 else len(self.layers[level - 1])

    def neuron(self, level: int, row: Row, bias: Fraction) -> int:
        """Index in layer ``level + 1`` of the neuron ``relu(row . z_level + bias)`` (shared if present)."""
        while len(self.layers) <= level:
            self.layers.append([])
            self.index.append({})
        key = (tuple(sorted(row.items())), bias)
        idx = self.index[level].get(key)
        if idx is None:
            idx = len(self.layers[level])
            self.layers[level].append((row, bias))
            self.index[level][key] = idx
        return idx

    def carry_row(self, level: int, row: Row, bias: Fraction) -> tuple[Row, Fraction]:
        """``row . z_level + bias`` rewritten over ``z_{level+1}``, carrying each coordinate ``z_j`` it uses.

        A hidden layer's output is ``>= 0``, so ``z_j = relu(z_j)`` (one neuron); an input coordinate may be
        negative and is carried as ``relu(x_j) - relu(-x_j)`` (two neurons), or, when the inputs are known to
        satisfy ``x >= input_lower``, as ``relu(x_j - l_j) + l_j`` (one neuron whose hyperplane bounds the
        domain). Neurons are shared, so carrying through a layer costs at most ``width`` (``2 * n_in`` from
        the input) neurons whatever is carried.
        """
        out: Row = {}
        one = Fraction(1)
        for j, c in row.items():
            if level == 0 and self.input_lower is not None:
                low = self.input_lower[j]
                p = self.neuron(level, {j: one}, -low)
                bias += c * low
            else:
                p = self.neuron(level, {j: one}, Fraction(0))
            out[p] = out.get(p, 0) + c
            if level == 0 and self.input_lower is None:
                m = self.neuron(level, {j: -one}, Fraction(0))
                out[m] = out.get(m, 0) - c
        return out, bias

    def lift(self, v: _Value, level: int) -> _Value:
        while v.level < level:
            pairs = [self.carry_row(v.level, r, b) for r, b in zip(v.rows, v.bias)]
            v = _Value(v.level + 1, v.shape, [p[0] for p in pairs], [p[1] for p in pairs])
        return v

    def relu(self, v: _Value) -> _Value:
        rows: list[Row] = []
        bias: list[Fraction] = []
        for r, b in zip(v.rows, v.bias):
            if not r:  # a constant: relu of it is a constant
                rows.append({})
                bias.append(max(b, Fraction(0)))
            else:
                rows.append({self.neuron(v.level, r, b): Fraction(1)})
                bias.append(Fraction(0))
        return _Value(v.level + 1, v.shape, rows, bias)

    def max_over(self, v: _Value, shape: tuple[int, ...], windows: list[list[int]]) -> _Value:
        """Entry ``o`` of the result is the max of ``v``'s entries ``windows[o]`` (a pairwise tree)."""
        cur = [[(v.rows[i], v.bias[i]) for i in w] for w in windows]
        level = v.level
        while any(len(w) > 1 for w in cur):
            nxt = []
            for w in cur:
                new = []
                for t in range(0, len(w) - 1, 2):
                    (ra, ba), (rb, bb) = w[t], w[t + 1]
                    ca, cba = self.carry_row(level, ra, ba)
                    diff = _combine([(Fraction(1), rb), (Fraction(-1), ra)])
                    dbias = bb - ba
                    if not diff:
                        new.append((ca, cba + max(dbias, Fraction(0))))
                    else:
                        k = self.neuron(level, diff, dbias)
                        new.append((_combine([(Fraction(1), ca), (Fraction(1), {k: Fraction(1)})]), cba))
                if len(w) % 2:
                    new.append(self.carry_row(level, *w[-1]))
                nxt.append(new)
            cur, level = nxt, level + 1
        return _Value(level, shape, [w[0][0] for w in cur], [w[0][1] for w in cur])
