"""Code generation: a Graph as readable Python/NumPy source, compiled with ``exec``.

One statement per equation; common primitives print as the NumPy expression a person would
write (``v3 = x * y``, ``v4 = np.sin(v3)``, ``v5 = np.sum(v4, axis=(0,))``); others call
the primitive's implementation, named after it.  The compiled function runs those
statements directly: no interpretation per equation.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable
from typing import Any

import numpy as np

from .ir import Graph, Literal, Var
from .printing import var_names

_BINOPS = {
    "add": "+",
    "subtract": "-",
    "multiply": "*",
    "true_divide": "/",
    "power": "**",
    "matmul": "@",
    "floor_divide": "//",
    "remainder": "%",
    "less": "<",
    "less_equal": "<=",
    "greater": ">",
    "greater_equal": ">=",
    "equal": "==",
    "not_equal": "!=",
}
_NP_UNARY = {
    "negative",
    "reciprocal",
    "square",
    "exp",
    "exp2",
    "expm1",
    "log",
    "log2",
    "log10",
    "log1p",
    "sqrt",
    "cbrt",
    "sin",
    "cos",
    "tan",
    "arcsin",
    "arccos",
    "arctan",
    "sinh",
    "cosh",
    "tanh",
    "arcsinh",
    "arccosh",
    "arctanh",
    "absolute",
    "sign",
    "floor",
    "ceil",
    "rint",
    "trunc",
    "logical_not",
    "isnan",
    "isinf",
    "isfinite",
    "signbit",
}
_NP_BINARY = {
    "arctan2",
    "hypot",
    "maximum",
    "minimum",
    "fmax",
    "fmin",
    "logaddexp",
    "logaddexp2",
    "logical_and",
    "logical_or",
    "logical_xor",
}


class _Emitter:
    def __init__(self, g: Graph, fast: bool = False) -> None:
        self.g = g
        self.fast = fast  # the compiled form: a few less readable but faster spellings
        self.names = var_names(g)
        self.ns: dict[str, Any] = {"np": np}
        self.nconst = 0

    def const(self, value: Any, hint: str = "c") -> str:
        name = f"_{hint}{self.nconst}"
        self.nconst += 1
        self.ns[name] = value
        return name

    def operand(self, x: Var | Literal) -> str:
        if isinstance(x, Var):
            return self.names[x.id]
        v = x.value
        if isinstance(v, (bool, int, float)) and not isinstance(v, np.generic):
            if not np.isfinite(v):
                return self.const(v)
            return f"({v!r})" if v < 0 else repr(v)  # (-2.0) ** x, not -(2.0 ** x)
        if isinstance(v, (np.generic, np.ndarray)) and np.ndim(v) == 0 and v.dtype.kind in "fiub":
            pv = v.item()
            if isinstance(pv, float) and not np.isfinite(pv):
                return self.const(v)
            return f"np.{v.dtype.name}({pv!r})"  # NumPy scalars are strongly typed: keep the dtype
        return self.const(v)

    def param(self, v: Any) -> str:
        if isinstance(v, (bool, int, float, str)) or v is None:
            return repr(v)
        if isinstance(v, tuple) and all(isinstance(a, (int, bool)) for a in v):
            return repr(v)
        if isinstance(v, np.dtype) or (isinstance(v, type) and issubclass(v, np.generic)):
            return f"np.{np.dtype(v).name}"
        return self.const(v, "k")

    def index(self, idx: Any) -> str | None:
        items = idx if isinstance(idx, tuple) else (idx,)
        parts = []
        for i in items:
            if i is None:
                parts.append("None")
            elif i is Ellipsis:
                parts.append("...")
            elif isinstance(i, (int, np.integer)):
                parts.append(str(int(i)))
            elif isinstance(i, slice) and all(s is None or isinstance(s, (int, np.integer)) for s in (i.start, i.stop, i.step)):
                a = "" if i.start is None else str(i.start)
                b = "" if i.stop is None else str(i.stop)
                parts.append(f"{a}:{b}" + (f":{i.step}" if i.step is not None else ""))
            else:
                parts.append(self.const(i, "ix"))
        if not isinstance(idx, tuple):
            return parts[0]
        return ", ".join(parts) + ("," if len(parts) == 1 else "")

    def expr(self, e: Any) -> str:
        name = e.prim.name
        args = [self.operand(i) for i in e.inputs]
        p = e.params
        if name in _BINOPS and not p and len(args) == 2:
            return f"{args[0]} {_BINOPS[name]} {args[1]}"
        if name == "negative":
            return f"-{args[0]}"
        if name in _NP_UNARY and not p:
            return f"np.{name}({args[0]})"
        if name in _NP_BINARY and not p:
            return f"np.{name}({args[0]}, {args[1]})"
        if (
            self.fast
            and name == "sum"
            and set(p) == {"axis", "keepdims"}
            and e.outputs[0].dtype.kind in "fc"
            and e.inputs[0].shape
        ):
            # the ufunc method directly: np.sum's Python wrapper costs microseconds per call
            kd = ", keepdims=True" if p["keepdims"] else ""
            return f"np.add.reduce({args[0]}, axis={self.param(p['axis'])}{kd})"
        if name in ("sum", "max", "min", "prod", "any", "all") and set(p) == {"axis", "keepdims"}:
            kd = ", keepdims=True" if p["keepdims"] else ""
            return f"np.{name}({args[0]}, axis={self.param(p['axis'])}{kd})"
        if name == "reshape":
            return f"np.reshape({args[0]}, {self.param(p['shape'])})"
        if name == "transpose":
            if tuple(p["axes"]) == (1, 0):
                return f"{args[0]}.T"
            return f"np.transpose({args[0]}, {self.param(p['axes'])})"
        if name == "broadcast_to":
            return f"np.broadcast_to({args[0]}, {self.param(p['shape'])})"
        if name == "where":
            return f"np.where({args[0]}, {args[1]}, {args[2]})"
        if name == "concatenate":
            return f"np.concatenate([{', '.join(args)}], axis={p['axis']})"
        if name == "einsum":
            return f"np.einsum({p['subscripts']!r}, {', '.join(args)})"
        if name == "cumsum":
            return f"np.cumsum({args[0]}, axis={p['axis']})"
        if name == "getitem":
            ix = self.index(p["idx"])
            return f"{args[0]}[{ix}]"
        if name in ("astype", "astype_nondiff"):
            return f"np.asarray({args[0]}).astype({self.param(p['dtype'])})"
        if name == "stop_gradient":
            return args[0]
        # Generic: call the primitive's implementation.
        fname = self.impl_name(e.prim)
        kw = "".join(f", {k}={self.param(v)}" for k, v in p.items())
        return f"{fname}({', '.join(args)}{kw})"

    def impl_name(self, prim: Any) -> str:
        base = "_" + "".join(c if c.isalnum() else "_" for c in prim.name)
        name = base
        k = 0
        while name in self.ns and self.ns[name] is not prim.impl:
            k += 1
            name = f"{base}{k}"
        self.ns[name] = prim.impl
        return name


# Elementwise ops whose result may be written into a dying operand's buffer (``out=``), and
# ops known to return a fresh array (never a view of another variable).
_INPLACE_UFUNCS = {
    "add",
    "subtract",
    "multiply",
    "true_divide",
    "power",
    "negative",
    "exp",
    "log",
    "tanh",
    "sin",
    "cos",
    "sqrt",
    "square",
    "reciprocal",
    "absolute",
    "expm1",
    "log1p",
    "maximum",
    "minimum",
}
_FRESH = _INPLACE_UFUNCS | {  # (not einsum: np.einsum("ij->ji", a) is a view of a)
    "matmul",
    "where",
    "concatenate",
    "cumsum",
    "sum",
    "prod",
    "max",
    "min",
    "scatter_add",
    "exp2",
    "log2",
    "log10",
    "arctan",
    "sinh",
    "cosh",
    "logaddexp",
}


def _inplace_target(e: Any, k: int, last: dict, fresh: set, viewed: set) -> int | None:
    """Index of an operand of ``e`` whose buffer can take the result: it dies here, was made
    fresh by an earlier equation (not an input, not a view), and has the result's shape and
    dtype.  Reusing it saves an allocation, as NumPy's own temporary elision does."""
    if e.prim.name not in _INPLACE_UFUNCS or e.params or e.prim.multiple_results:
        return None
    out = e.outputs[0]
    if len(out.shape) == 0:
        return None
    for j, i in enumerate(e.inputs):
        if (
            isinstance(i, Var)
            and i.id in fresh
            and i.id not in viewed  # a view of it may still be alive
            and last.get(i.id) == k
            and tuple(i.shape) == tuple(out.shape)
            and i.dtype == out.dtype
            and not any(isinstance(o, Var) and o.id == i.id for o in e.inputs[:j] + e.inputs[j + 1 :])
        ):
            return j
    return None


def graph_source(g: Graph, free: bool = False) -> tuple[str, dict[str, Any]]:
    """(source, namespace) of a Python function computing ``g`` on flat arguments.

    With ``free=True`` (what ``compile_graph`` compiles) a ``del`` follows each intermediate's
    last use, so memory is released as soon as possible, as hand-written code would.
    """
    em = _Emitter(g, fast=free)
    fname = "".join(c if c.isalnum() or c == "_" else "_" for c in g.name) or "f"
    if fname[0].isdigit() or keyword.iskeyword(fname):
        fname = "f_" + fname
    params = ", ".join(em.names[v.id] for v in g.inputs)
    lines = [f"def {fname}({params}):"]
    last: dict[int, int] = {}
    if free:
        for k, e in enumerate(g.eqns):
            for i in e.inputs:
                if isinstance(i, Var):
                    last[i.id] = k
        for o in g.outputs:
            if isinstance(o, Var):
                last.pop(o.id, None)
        for v in g.inputs:  # the caller holds the arguments anyway
            last.pop(v.id, None)
    dies: dict[int, list[str]] = {}
    for vid, k in last.items():
        dies.setdefault(k, []).append(em.names[vid])
    fresh: set[int] = set()
    viewed: set[int] = set()  # operands of ops that may return views of them
    for k, e in enumerate(g.eqns):
        lhs = ", ".join(em.names[v.id] for v in e.outputs)
        if e.prim.multiple_results and len(e.outputs) == 1:
            lhs += ","
        j = _inplace_target(e, k, last, fresh, viewed) if free else None
        if j is not None:
            ops = ", ".join(em.operand(i) for i in e.inputs)
            lines.append(f"    {lhs} = np.{e.prim.name}({ops}, out={em.names[e.inputs[j].id]})")
        else:
            lines.append(f"    {lhs} = {em.expr(e)}")
        if e.prim.name in _FRESH and not e.prim.multiple_results:
            fresh.add(e.outputs[0].id)
        else:
            viewed.update(i.id for i in e.inputs if isinstance(i, Var))
        if k in dies:
            lines.append(f"    del {', '.join(sorted(dies[k]))}")
    outs = [em.operand(o) for o in g.outputs]
    lines.append(f"    return ({', '.join(outs)}{',' if len(outs) == 1 else ''})")
    return "\n".join(lines) + "\n", em.ns


def compile_graph(g: Graph) -> Callable[..., tuple]:
    """Compile ``g`` into a Python function (flat arguments, tuple of flat results)."""
    src, ns = graph_source(g, free=True)
    code = compile(src, f"<wengert graph {g.name}>", "exec")
    exec(code, ns)  # noqa: S102  (our own generated source)
    fn = [
        v
        for k, v in ns.items()
        if callable(v) and getattr(v, "__code__", None) is not None and v.__code__.co_filename.startswith("<wengert")
    ]
    f = fn[-1]
    f.__wengert_source__ = src  # type: ignore[attr-defined]
    return f
