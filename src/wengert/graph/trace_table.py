"""The evaluation trace table of Baydin et al. (2018): one row per variable of the Wengert
list with its defining step and value, and optionally its forward tangent and its reverse
adjoint (the same rules as every other mode, run over the graph's equations)."""

from __future__ import annotations

import html
from typing import Any

import numpy as np

from ..api import jvp
from ..core.reverse import ReverseTrace, ReverseTracer
from ..tree import tree_flatten
from .ir import Graph, Literal, Var, interpret
from .printing import var_names


def step_text(e: Any, names: dict[int, str]) -> str:
    """A step in ordinary notation: ``x1 * x2``, ``log(x1)``, ``sum(v3, axis=(0,))``."""
    ops = [names[i.id] if isinstance(i, Var) else repr(i) for i in e.inputs]
    p = e.prim
    if p.infix is not None and not e.params and len(ops) == p.nargs:
        return f"{ops[0]} {p.infix} {ops[1]}" if len(ops) == 2 else f"{p.infix}{ops[0]}"
    args = ops + [f"{k}={v!r}" for k, v in e.params.items()]
    return f"{p.name}({', '.join(args)})"


class EvaluationTrace:
    """Rows of (variable, step, value[, tangent][, adjoint]); prints as a table."""

    def __init__(self, rows: list[dict[str, Any]], columns: list[str]) -> None:
        self.rows = rows
        self.columns = columns

    @staticmethod
    def _fmt(v: Any) -> str:
        if isinstance(v, str):
            return v
        a = np.asarray(v)
        if a.size == 1:
            x = a.item()
            return f"{x:.4f}" if isinstance(x, float) else str(x)
        return np.array2string(a, precision=4, threshold=6)

    def table(self) -> list[list[str]]:
        return [[self._fmt(r.get(c, "")) for c in self.columns] for r in self.rows]

    def __str__(self) -> str:
        body = self.table()
        widths = [max(len(c), *(len(row[i]) for row in body)) if body else len(c) for i, c in enumerate(self.columns)]
        line = "  ".join(c.ljust(w) for c, w in zip(self.columns, widths))
        out = [line, "  ".join("-" * w for w in widths)]
        out += ["  ".join(x.ljust(w) for x, w in zip(row, widths)) for row in body]
        return "\n".join(out)

    __repr__ = __str__

    def to_markdown(self) -> str:
        body = self.table()
        out = ["| " + " | ".join(self.columns) + " |", "|" + "---|" * len(self.columns)]
        out += ["| " + " | ".join(x.replace("|", "\\|") for x in row) + " |" for row in body]
        return "\n".join(out)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.columns)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(x)}</td>" for x in row) + "</tr>" for row in self.table())
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _run(g: Graph, rec: dict[int, Any]) -> Any:
    """``g`` as a function that leaves every variable's value in ``rec``."""
    return lambda *leaves: tuple(interpret(g, leaves, record=rec))


def evaluation_trace(g: Graph, args: tuple, tangents: Any, adjoints: bool) -> EvaluationTrace:

    leaves = [np.asarray(x) if not hasattr(x, "shape") else x for x in tree_flatten(args)[0]]
    if len(leaves) != len(g.inputs):
        raise ValueError(f"evaluation_trace: the graph has {len(g.inputs)} inputs, got {len(leaves)} values")
    names = var_names(g)
    values: dict[int, Any] = {}
    _run(g, values)(*leaves)
    columns = ["variable", "step", "value"]
    tan: dict[int, Any] = {}
    if tangents is not None:
        t_leaves = tree_flatten(tuple(tangents) if isinstance(tangents, (tuple, list)) else (tangents,))[0]
        rec: dict[int, Any] = {}
        jvp(_run(g, rec), tuple(leaves), tuple(np.asarray(t, dtype=np.result_type(x)) for t, x in zip(t_leaves, leaves)))
        for k, v in rec.items():
            tan[k] = getattr(v, "tangent", 0.0)
        columns.append("tangent")
    adj: dict[int, Any] = {}
    if adjoints:
        if len(g.outputs) != 1 or np.size(values.get(getattr(g.outputs[0], "id", -1), 0.0)) != 1:
            raise ValueError("evaluation_trace(adjoints=True) needs a graph with one scalar output")
        rec = {}
        tr = ReverseTrace()
        with tr:
            boxed = [tr.new_input(x) for x in leaves]
            out = _run(g, rec)(*boxed)[0]
        if out.__class__ is ReverseTracer:
            keys = list(rec)
            cts = tr.cotangents((out,), (np.ones_like(out.value),), [rec[k] for k in keys], keep=True)
            for k, c in zip(keys, cts):
                adj[k] = 0.0 if c is None else c
        columns.append("adjoint")
    rows = []
    for v in g.inputs:
        rows.append(
            {
                "variable": names[v.id],
                "step": "input",
                "value": values[v.id],
                "tangent": tan.get(v.id, ""),
                "adjoint": adj.get(v.id, ""),
            }
        )
    for e in g.eqns:
        for v in e.outputs:
            rows.append(
                {
                    "variable": names[v.id],
                    "step": step_text(e, names),
                    "value": values[v.id],
                    "tangent": tan.get(v.id, ""),
                    "adjoint": adj.get(v.id, ""),
                }
            )
    for j, o in enumerate(g.outputs):
        if isinstance(o, Literal):
            rows.append({"variable": f"out{j}", "step": "constant", "value": o.value})
    return EvaluationTrace(rows, columns)
