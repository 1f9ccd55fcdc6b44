"""Code generation: a Graph as readable Python/NumPy source, compiled with ``exec``.

One statement per equation; common primitives print as the NumPy expression a person would
write (``v3 = x * y``, ``v4 = np.sin(v3)``, ``v5 = np.sum(v4, axis=(0,))``); others call
the primitive's implementation, named after it.  The compiled function runs those
statements directly: no interpretation per equation.

Safe by construction, whatever the graph holds (a graph may come from a file): the source
contains only names the generator made (``v3``, ``_c0``, ``_sin``, and input names reduced
to plain identifiers by ``printing.var_names``) and literals written by ``_literal``, which
accepts only numbers, booleans, None, numeric dtypes, tuples of these and short strings of
``[A-Za-z0-9_,.->]``.  Every other value (arrays, graphs, other strings) is passed in the
function's namespace under a generated name, never as text.
"""

from __future__ import annotations

import keyword
import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from .ir import Graph, Literal, Var
from .printing import var_names

_SAFE_STR = re.compile(r"[A-Za-z0-9_,.\->]*")
_DTYPE_NAME = re.compile(r"bool|u?int(8|16|32|64)|float(16|32|64|96|128)|complex(64|128|192|256)")
_MAX_INT_LITERAL = 10**100  # larger ints go through the namespace


def _dtype_literal(v: Any) -> str:
    name = np.dtype(v).name
    if _DTYPE_NAME.fullmatch(name) is None or not hasattr(np, name):
        raise TypeError(f"dtype {name!r} has no plain literal")
    return f"np.{name}"


def _literal(v: Any, paren: bool = True) -> str:
    """Python source for a plain value: the one way a value from a graph becomes source text.

    Accepts bool, int, float (``inf``/``nan`` as ``np.inf``/``np.nan``), complex, None,
    numeric dtypes and NumPy numeric scalars (written with their dtype), short strings of
    ``[A-Za-z0-9_,.->]`` and tuples of these; raises ``TypeError`` for anything else (callers
    then pass the value in the namespace).  ``paren`` wraps negative numbers in parentheses
    (so ``(-2.0) ** x`` keeps its meaning)."""
    t = type(v)
    if v is None:
        return "None"
    if t is bool:
        return "True" if v else "False"
    if t is int:
        if abs(v) >= _MAX_INT_LITERAL:
            raise TypeError("an integer too large for a literal")
        text = int.__repr__(v)
    elif t is float:
        if math.isnan(v):
            return "np.nan"
        text = ("np.inf" if v > 0 else "-np.inf") if math.isinf(v) else float.__repr__(v)
    elif t is complex:
        parts = (v.real, v.imag)
        if not all(math.isfinite(x) and (x != 0 or math.copysign(1.0, x) > 0) for x in parts):
            return f"complex({_literal(v.real, False)}, {_literal(v.imag, False)})"  # inf, nan, -0.0
        re_, im_ = float.__repr__(v.real), float.__repr__(abs(v.imag))
        return f"({re_}{'-' if v.imag < 0 else '+'}{im_}j)"  # a constant of the compiled code
    elif t is tuple:
        items = [_literal(x, False) for x in v]
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    elif t is str:
        if len(v) > 1000 or _SAFE_STR.fullmatch(v) is None:
            raise TypeError("a string with characters other than [A-Za-z0-9_,.->]")
        return "'" + v + "'"
    elif isinstance(v, np.dtype) or (isinstance(v, type) and issubclass(v, np.generic)):
        return _dtype_literal(v)
    elif isinstance(v, np.generic) and v.dtype.kind in "biufc":
        item = v.item()
        if type(item) not in (bool, int, float, complex):
            raise TypeError(f"a {v.dtype.name} scalar has no plain literal")
        return f"{_dtype_literal(v.dtype)}({_literal(item, False)})"
    else:
        raise TypeError(f"a value of type {t.__name__} has no plain literal")
    return f"({text})" if paren and text.startswith("-") else text


def _small_int(i: Any) -> bool:
    return (type(i) is int or isinstance(i, np.integer)) and abs(int(i)) < _MAX_INT_LITERAL


def _plain_identifier(s: Any) -> bool:
    """A name the generator may use as it is: ASCII identifier, no keyword, no dunder."""
    return (
        isinstance(s, str)
        and s.isascii()
        and s.isidentifier()
        and not keyword.iskeyword(s)
        and not (s.startswith("__") and s.endswith("__"))
    )


class _Emitter:
    def __init__(self, g: Graph, fast: bool = False) -> None:
        self.g = g
        self.fast = fast  # the compiled form: a few less readable but faster spellings
        self.names = var_names(g)
        self.ns: dict[str, Any] = {"np": np}
        self.nconst = 0
        self.eqn: Any = None  # the equation being written (for ``source`` formats)

    def fresh(self, hint: str) -> str:
        """A new namespace name ``_<hint><k>`` (never a dunder, never taken)."""
        while True:
            name = f"_{hint}{self.nconst}"
            self.nconst += 1
            if name not in self.ns:
                return name

    def const(self, value: Any, hint: str = "c") -> str:
        name = self.fresh(hint)
        self.ns[name] = value
        return name

    def value(self, v: Any, hint: str = "k") -> str:
        """``v`` as a plain literal where it has one, else a namespace name holding it."""
        try:
            return _literal(v)
        except TypeError:
            return self.const(v, hint)

    def operand(self, x: Var | Literal) -> str:
        if isinstance(x, Var):
            return self.names[x.id]
        v = x.value
        if isinstance(v, np.ndarray):
            return self.const(v)
        return self.value(v, "c")  # NumPy scalars keep their dtype: np.float32(0.5)

    param = value

    def index(self, idx: Any) -> str:
        items = idx if isinstance(idx, tuple) else (idx,)
        parts = []
        for i in items:
            if i is None or i is Ellipsis:
                parts.append("None" if i is None else "...")
            elif _small_int(i):
                parts.append(_literal(int(i), False))
            elif isinstance(i, slice) and all(s is None or _small_int(s) for s in (i.start, i.stop, i.step)):
                a, b, c = ("" if s is None else _literal(int(s), False) for s in (i.start, i.stop, i.step))
                parts.append(f"{a}:{b}" + (f":{c}" if i.step is not None else ""))
            else:
                parts.append(self.const(i, "ix"))
        if not isinstance(idx, tuple):
            return parts[0]
        if not parts:
            return "()"
        return ", ".join(parts) + ("," if len(parts) == 1 else "")

    def literal(self, v: Any) -> str:
        """A parameter value for a primitive's ``source`` format (see ``ops/_util.py``)."""
        return self.param(v)

    def expr(self, e: Any) -> str:
        """The right-hand side for ``e``, from the primitive's own description: its
        ``source`` format, its infix operator or its NumPy spelling (for a call with no
        params and its usual arity), else a call of the impl."""
        prim = e.prim
        args = [self.operand(i) for i in e.inputs]
        if prim.source is not None:
            self.eqn = e
            text = prim.source(args, e.params, self)
            if text is not None:
                return text
        if not e.params and len(args) == prim.nargs:  # (a loaded graph may call with any arity)
            if prim.infix is not None and len(args) == 2:
                return f"{args[0]} {prim.infix} {args[1]}"
            if prim.infix is not None and len(args) == 1:
                return f"{prim.infix}{args[0]}"
            if prim.numpy is not None:
                return f"{prim.numpy}({', '.join(args)})"
        return self.call(e, args)

    def call(self, e: Any, args: list[str]) -> str:
        """Generic: call the primitive's implementation, params as keywords.  A param whose
        name is not a plain identifier goes in a namespace dict (``**_kw0``), not in the text."""
        fname = self.impl_name(e.prim)
        plain = {k: v for k, v in e.params.items() if _plain_identifier(k)}
        parts = [*args, *(f"{k}={self.param(v)}" for k, v in plain.items())]
        if len(plain) < len(e.params):
            parts.append("**" + self.const({k: v for k, v in e.params.items() if k not in plain}, "kw"))
        return f"{fname}({', '.join(parts)})"

    def impl_name(self, prim: Any) -> str:
        base = "_" + ("".join(c if c.isascii() and c.isalnum() else "_" for c in prim.name).lstrip("_") or "p")
        name = base
        k = 0
        while name in self.ns and self.ns[name] is not prim.impl:
            k += 1
            name = f"{base}{k}"
        self.ns[name] = prim.impl
        return name


def _inplace_target(e: Any, k: int, last: dict, fresh: set, viewed: set) -> int | None:
    """Index of an operand of ``e`` whose buffer can take the result: it dies here, was made
    fresh by an earlier equation (not an input, not a view), and has the result's shape and
    dtype.  Reusing it saves an allocation, as NumPy's own temporary elision does."""
    if not e.prim.inplace or e.params or e.prim.multiple_results or e.prim.numpy is None:
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
    params = ", ".join(em.names[v.id] for v in g.inputs)
    lines = ["def FNAME(" + params + "):"]  # the name is chosen last, clear of the namespace
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
        lhs = ", ".join(em.names[v.id] for v in e.outputs) or "_"
        if e.prim.multiple_results and len(e.outputs) == 1:
            lhs += ","
        j = _inplace_target(e, k, last, fresh, viewed) if free else None
        if j is not None:
            ops = ", ".join(em.operand(i) for i in e.inputs)
            lines.append(f"    {lhs} = {e.prim.numpy}({ops}, out={em.names[e.inputs[j].id]})")
        else:
            lines.append(f"    {lhs} = {em.expr(e)}")
        if e.prim.fresh and not e.prim.multiple_results:
            fresh.add(e.outputs[0].id)
        else:
            viewed.update(i.id for i in e.inputs if isinstance(i, Var))
        if k in dies:
            lines.append(f"    del {', '.join(sorted(dies[k]))}")
    outs = [em.operand(o) for o in g.outputs]
    lines.append(f"    return ({', '.join(outs)}{',' if len(outs) == 1 else ''})")
    fname = _function_name(g.name, em.ns)
    lines[0] = f"def {fname}({params}):"
    return "\n".join(lines) + "\n", em.ns


def _function_name(name: Any, ns: dict) -> str:
    """The graph's name as a plain identifier (``<lambda>`` -> ``_lambda_``), clear of the
    namespace, of keywords and of dunders."""
    fname = "".join(c if c.isascii() and (c.isalnum() or c == "_") else "_" for c in str(name)) or "f"
    if fname[0].isdigit() or not _plain_identifier(fname) or fname in ns or fname == "np":
        fname = "f_" + fname
    while fname in ns:
        fname += "_"
    return fname


def compile_graph(g: Graph) -> Callable[..., tuple]:
    """Compile ``g`` into a Python function (flat arguments, tuple of flat results)."""
    src, ns = graph_source(g, free=True)
    fname = src[4 : src.index("(")]
    code = compile(src, f"<wengert graph {fname}>", "exec")
    exec(code, ns)  # noqa: S102  (generated source: only generated names and plain literals)
    f = ns[fname]
    f.__wengert_source__ = src  # type: ignore[attr-defined]
    return f
