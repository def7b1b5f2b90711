"""Slow oracle for the cell calculus: compile a weighted calculus DAG into an exact dense ReLU network.

Every tensor of the DAG is kept as exact affine rows over the current *basis* (the neurons of the last
hidden layer; the input coordinates at first).  Each cut node (ReLU, max pool with windows of size <= 2)
becomes one hidden layer holding its neurons plus a pass-through of the basis: the input coordinates pass
as ``relu(x) - relu(-x)`` (the identity, so the function is unchanged), later basis neurons -- already
ReLU outputs, hence non-negative -- as ``relu(b) = b``.  ``max(a, b) = relu(a - b) + b``.  The compiled
:class:`tropical.network.ReLUNetwork` computes exactly the DAG's function, so its exact linear-region count
(``tropical.regions.count_regions``) is what every calculus bound must dominate.
"""

from __future__ import annotations

import random
from fractions import Fraction

import networkx as nx

from tropical.network import ReLUNetwork


def _prod(xs):
    out = 1
    for x in xs:
        out *= x
    return out


def _idx(shape, pos):
    """Flat index of (channel, *spatial) in a row-major tensor of ``shape``."""
    out = 0
    for s, p in zip(shape, pos):
        out = out * s + p
    return out


def _positions(shape):
    if not shape:
        yield ()
        return
    for p in range(shape[0]):
        for rest in _positions(shape[1:]):
            yield (p, *rest)


def random_weights(graph: nx.DiGraph, rng: random.Random, scale: int = 2, degenerate: bool = False) -> dict:
    """Integer parameters for every parametrised node (``degenerate``: many zeros and repeats)."""

    def draw():
        if degenerate and rng.random() < 0.4:
            return rng.choice([0, 0, 1, -1])
        return rng.randint(-scale, scale)

    weights = {}
    for v, a in graph.nodes(data=True):
        op = a["op"]
        if op == "conv":
            cin_g = a["in_channels"] // a["groups"]
            kernel = a["kernel"]
            weights[v] = {
                "w": {(co, ci, tap): draw() for co in range(a["out_channels"]) for ci in range(cin_g)
                      for tap in _positions(kernel)},
                "b": [draw() if a["bias"] else 0 for _ in range(a["out_channels"])],
            }
        elif op == "linear":
            weights[v] = {"w": [[draw() for _ in range(a["in_features"])] for _ in range(a["out_features"])],
                          "b": [draw() if a["bias"] else 0 for _ in range(a["out_features"])]}
        elif op == "affine":
            c = a["shape"][0]
            weights[v] = {"s": [draw() or (0 if degenerate else 1) for _ in range(c)],
                          "t": [0 if a["zero_preserving"] else draw() for _ in range(c)]}
    return weights


class _Compiler:
    def __init__(self, d0):
        self.basis_is_input = True
        self.m = d0
        self.layers_w = []
        self.layers_b = []

    @staticmethod
    def row(m, i=None):
        r = [Fraction(0)] * m
        if i is not None:
            r[i] = Fraction(1)
        return (r, Fraction(0))


def to_relu_network(graph: nx.DiGraph, weights: dict) -> ReLUNetwork | None:
    """The exact dense network computing the DAG's (first) output; ``None`` if the DAG has no cut node."""
    nodes = graph.nodes
    order = list(nx.topological_sort(graph))
    inputs = [v for v in order if nodes[v]["op"] == "input"]
    d0 = sum(_prod(nodes[v]["shape"]) for v in inputs)
    m = d0
    basis_is_input = True
    expr: dict = {}  # node -> list of (coeff list over basis, const)
    offset = 0
    for v in inputs:
        n = _prod(nodes[v]["shape"])
        expr[v] = [([Fraction(int(i == offset + k)) for i in range(d0)], Fraction(0)) for k in range(n)]
        offset += n
    layers_w, layers_b = [], []

    def lin(rows_coeffs, src_rows, consts):
        """rows_coeffs: list of dict{src index: coeff}; returns affine rows."""
        out = []
        for coeffs, c0 in zip(rows_coeffs, consts):
            r = [Fraction(0)] * m
            c = Fraction(c0)
            for j, a in coeffs.items():
                if a:
                    sr, sc = src_rows[j]
                    for i in range(m):
                        r[i] += a * sr[i]
                    c += a * sc
            out.append((r, c))
        return out

    def new_layer(pre_rows):
        """Add a hidden layer with neurons relu(pre_rows) + pass-through; rewrite every expression."""
        nonlocal m, basis_is_input
        w, b = [], []
        for r, c in pre_rows:
            w.append(list(r))
            b.append(c)
        n_new = len(pre_rows)
        if basis_is_input:
            for i in range(m):
                e = [Fraction(int(j == i)) for j in range(m)]
                w.append(e)
                b.append(Fraction(0))
                w.append([-x for x in e])
                b.append(Fraction(0))
            m_new = n_new + 2 * m

            def old_to_new(row):
                r, c = row
                nr = [Fraction(0)] * m_new
                for i in range(m):
                    nr[n_new + 2 * i] += r[i]
                    nr[n_new + 2 * i + 1] -= r[i]
                return (nr, c)
        else:
            for i in range(m):
                w.append([Fraction(int(j == i)) for j in range(m)])
                b.append(Fraction(0))
            m_new = n_new + m

            def old_to_new(row):
                r, c = row
                nr = [Fraction(0)] * m_new
                for i in range(m):
                    nr[n_new + i] += r[i]
                return (nr, c)
        layers_w.append(w)
        layers_b.append(b)
        for k in list(expr):
            expr[k] = [old_to_new(row) for row in expr[k]]
        m = m_new
        basis_is_input = False
        return [([Fraction(int(j == i)) for j in range(m)], Fraction(0)) for i in range(n_new)]

    outputs = []
    for v in order:
        a = nodes[v]
        op = a["op"]
        if op == "input":
            continue
        preds = [u for u, _, k in sorted(graph.in_edges(v, data="index"), key=lambda e: e[2])]
        shape = a["shape"]
        if op in ("identity", "output"):
            expr[v] = list(expr[preds[0]])
            if op == "output":
                outputs.append(v)
        elif op == "zero":
            expr[v] = [([Fraction(0)] * m, Fraction(0)) for _ in range(_prod(shape))]
        elif op == "affine":
            u = preds[0]
            ushape = nodes[u]["shape"]
            per = _prod(ushape[1:]) if len(ushape) > 1 else 1
            s, t = weights[v]["s"], weights[v]["t"]
            rows = []
            for k, (r, c) in enumerate(expr[u]):
                ch = k // per if len(ushape) > 1 else k
                ch = min(ch, len(s) - 1)
                rows.append(([s[ch] * x for x in r], s[ch] * c + t[ch]))
            expr[v] = rows
        elif op == "linear":
            u = preds[0]
            W, bb = weights[v]["w"], weights[v]["b"]
            expr[v] = lin([{j: W[i][j] for j in range(len(W[i]))} for i in range(len(W))], expr[u], bb)
        elif op == "conv":
            u = preds[0]
            ushape = nodes[u]["shape"]
            g = a["groups"]
            cin_g, cout_g = a["in_channels"] // g, a["out_channels"] // g
            kernel = a["kernel"]
            dil, stride, pad = a["dilation"], a["stride"], a["padding"]
            W, bb = weights[v]["w"], weights[v]["b"]
            coeffs, consts = [], []
            for pos in _positions(shape):
                co, sp = pos[0], pos[1:]
                grp = co // cout_g
                row = {}
                for ci in range(cin_g):
                    for tap in _positions(kernel):
                        q = tuple(o * s - p + t * d for o, s, p, t, d in zip(sp, stride, pad, tap, dil))
                        if all(0 <= qq < n for qq, n in zip(q, ushape[1:])):
                            j = _idx(ushape, (grp * cin_g + ci, *q))
                            row[j] = row.get(j, 0) + W[(co, ci, tap)]
                coeffs.append(row)
                consts.append(bb[co])
            expr[v] = lin(coeffs, expr[u], consts)
        elif op == "linpool":
            u = preds[0]
            ushape = nodes[u]["shape"]
            coeffs = []
            for pos in _positions(shape):
                c, sp = pos[0], pos[1:]
                cells = list(_positions(tuple(len(ax[i]) for ax, i in zip(a["windows"], sp))))
                row = {}
                for cell in cells:
                    q = tuple(ax[i][k] for ax, i, k in zip(a["windows"], sp, cell))
                    row[_idx(ushape, (c, *q))] = Fraction(1, len(cells))
                coeffs.append(row)
            expr[v] = lin(coeffs, expr[u], [0] * len(coeffs))
        elif op in ("add", "cat"):
            if op == "add":
                rows = [([Fraction(0)] * m, Fraction(0)) for _ in range(_prod(shape))]
                for u in preds:
                    rows = [([x + y for x, y in zip(r1, r2)], c1 + c2) for (r1, c1), (r2, c2) in zip(rows, expr[u])]
                expr[v] = rows
            else:
                if len(shape) > 1 and any(nodes[u]["shape"][1:] != shape[1:] for u in preds):
                    raise NotImplementedError("oracle: cat only along channels")
                expr[v] = [row for u in preds for row in expr[u]]
        elif op == "relu":
            u = preds[0]
            expr[v] = new_layer(expr[u])
        elif op == "maxpool":
            u = preds[0]
            ushape = nodes[u]["shape"]
            src = expr[u]
            lists = []
            for pos in _positions(shape):
                c, sp = pos[0], pos[1:]
                cells = list(_positions(tuple(len(ax[i]) for ax, i in zip(a["windows"], sp))))
                lists.append([src[_idx(ushape, (c, *tuple(ax[i][k] for ax, i, k in zip(a["windows"], sp, cell))))]
                              for cell in cells])
            # tournament of max(a, b) = relu(a - b) + b, one hidden layer per round
            while any(len(lst) > 1 for lst in lists):
                diffs, slots = [], []
                for li, lst in enumerate(lists):
                    for k in range(0, len(lst) - 1, 2):
                        (ra, ca), (rb, cb) = lst[k], lst[k + 1]
                        diffs.append(([x - y for x, y in zip(ra, rb)], ca - cb))
                        slots.append((li, k))
                flat = [row for lst in lists for row in lst]
                expr[("tmp", v)] = flat
                neurons = new_layer(diffs)
                flat = expr.pop(("tmp", v))
                it = iter(flat)
                lists = [[next(it) for _ in lst] for lst in lists]
                new_lists = [[] for _ in lists]
                done = set()
                for (li, k), (rn, cn) in zip(slots, neurons):
                    rb, cb = lists[li][k + 1]
                    new_lists[li].append(([x + y for x, y in zip(rn, rb)], cn + cb))
                    done.add((li, k))
                    done.add((li, k + 1))
                for li, lst in enumerate(lists):
                    for k, row in enumerate(lst):
                        if (li, k) not in done:
                            new_lists[li].append(row)
                lists = new_lists
            expr[v] = [lst[0] for lst in lists]
        else:
            raise NotImplementedError(op)
    if not layers_w:
        return None
    out_rows = expr[outputs[0]]
    return ReLUNetwork(layers_w + [[r for r, _ in out_rows]], layers_b + [[c for _, c in out_rows]])


def evaluate(graph: nx.DiGraph, weights: dict, x):
    """Independent float evaluation of the DAG with torch.nn.functional (checks the compiler)."""
    import torch
    import torch.nn.functional as F

    nodes = graph.nodes
    val = {}
    out = None
    for v in nx.topological_sort(graph):
        a = nodes[v]
        op = a["op"]
        preds = [u for u, _, k in sorted(graph.in_edges(v, data="index"), key=lambda e: e[2])]
        shape = a["shape"]
        if op == "input":
            val[v] = torch.tensor([float(t) for t in x], dtype=torch.float64).reshape(shape)
        elif op in ("identity", "output"):
            val[v] = val[preds[0]].reshape(shape)
            if op == "output" and out is None:
                out = val[v].reshape(-1)
        elif op == "zero":
            val[v] = torch.zeros(shape, dtype=torch.float64)
        elif op == "affine":
            u = val[preds[0]]
            s = torch.tensor(weights[v]["s"], dtype=torch.float64)
            t = torch.tensor(weights[v]["t"], dtype=torch.float64)
            view = (-1,) + (1,) * (u.dim() - 1)
            val[v] = u * s.reshape(view) + t.reshape(view)
        elif op == "linear":
            W = torch.tensor(weights[v]["w"], dtype=torch.float64)
            val[v] = W @ val[preds[0]] + torch.tensor(weights[v]["b"], dtype=torch.float64)
        elif op == "conv":
            u = val[preds[0]]
            g = a["groups"]
            cin_g = a["in_channels"] // g
            W = torch.zeros((a["out_channels"], cin_g, *a["kernel"]), dtype=torch.float64)
            for (co, ci, tap), w in weights[v]["w"].items():
                W[(co, ci, *tap)] = w
            conv = {1: F.conv1d, 2: F.conv2d}[len(a["kernel"])]
            y = conv(u.unsqueeze(0), W, torch.tensor(weights[v]["b"], dtype=torch.float64), a["stride"],
                     a["padding"], a["dilation"], g)
            val[v] = y.squeeze(0)
        elif op in ("linpool", "maxpool"):
            u = val[preds[0]]
            res = torch.zeros(shape, dtype=torch.float64)
            for pos in _positions(shape):
                c, sp = pos[0], pos[1:]
                cells = list(_positions(tuple(len(ax[i]) for ax, i in zip(a["windows"], sp))))
                vals = [u[(c, *tuple(ax[i][k] for ax, i, k in zip(a["windows"], sp, cell)))] for cell in cells]
                res[pos] = max(vals) if op == "maxpool" else sum(vals) / len(vals)
            val[v] = res
        elif op == "add":
            val[v] = sum(val[u] for u in preds)
        elif op == "cat":
            val[v] = torch.cat([val[u] for u in preds], 0)
        elif op == "relu":
            val[v] = torch.relu(val[preds[0]])
        else:
            raise NotImplementedError(op)
    return out


def mini_cell_graph(ops, shape, final):
    """An NB201-style cell on a tiny tensor: convs are ReLU-conv-BN with 'same' padding."""
    from canopy.nas import cells
    from canopy.nas._calculus import GraphBuilder

    b = GraphBuilder()
    x = b.input(shape)
    nodes = [x]
    C = shape[0]
    for j in range(1, 4):
        terms = []
        for (i, jj), op in zip(cells.NB201_EDGES, ops):
            if jj != j:
                continue
            u = nodes[i]
            if op == "none":
                terms.append(b.zero(u))
            elif op == "skip_connect":
                terms.append(b.identity(u))
            elif op == "avg_pool_3x3":
                terms.append(b.pool(u, "avg", 3, 1, 1))
            else:
                k = 3 if op == "nor_conv_3x3" else 1
                terms.append(b.affine(b.conv(b.relu(u), C, k, 1, (k - 1) // 2)))
        nodes.append(b.add(terms))
    y = nodes[3]
    if final == "relu":
        y = b.relu(y)
    elif final == "maxpool":
        y = b.pool(y, "max", 2, 1, 0)
    b.output(y)
    return b.graph
