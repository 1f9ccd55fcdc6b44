"""Graph tracing (define-and-run): record the Wengert list of a function once.

A ``GraphTracer`` carries a variable of the graph being built and the concrete value of the
example arguments (so shapes and dtypes are exact and the evaluation trace has values).
Equations are hash-consed as they are recorded, so common subexpressions are shared by
construction.  The hash-consing table keeps only the variables of each equation, not the
tracers: an example value lives only as long as the traced code (or the tape of an inner
``grad``) holds its tracer, so tracing needs no more memory than running the function
eagerly.  A repeated equation gets new tracers of the same variables, its value computed
again (as eager code would compute it again).  Python ``if``/``while`` on a traced value
raises an error that names the line and points to ``cond`` / ``while_loop``.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..api import _check_out_leaves
from ..core.batching import BatchTracer
from ..core.primitive import Primitive, Trace, Tracer
from ..errors import WengertError
from ..tree import tree_flatten, tree_unflatten
from .ir import Eqn, Graph, Literal, Var

__all__ = ["GraphTrace", "GraphTracer", "trace", "ConcretizationError", "CapturedTracerError"]

_PKG_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class ConcretizationError(WengertError, TypeError):
    """Python control flow or a conversion needed the value of a traced variable."""


class CapturedTracerError(WengertError):
    """A traced value of an enclosing transformation leaked into a graph being traced."""


def user_line() -> str:
    """``file:line`` of the innermost frame outside wengert (where the user's code is)."""
    f = inspect.currentframe()
    while f is not None:
        fn = os.path.abspath(f.f_code.co_filename)
        if not fn.startswith(_PKG_DIR):
            return f"{f.f_code.co_filename}:{f.f_lineno}"
        f = f.f_back
    return "<unknown>"


class GraphTracer(Tracer):
    """A variable of a graph under construction, with the example value."""

    __slots__ = ("gvar", "value")

    def __init__(self, trace: GraphTrace, var: Var, value: Any) -> None:
        self._trace = trace
        self.gvar = var
        self.value = value

    @property
    def primal(self) -> Any:
        return self.value

    def _concrete(self, what: str) -> ConcretizationError:
        return ConcretizationError(
            f"{what} of a traced value at {user_line()}: the graph is traced once and cannot "
            "follow Python control flow on data. Use wengert.graph.cond(pred, true_fn, false_fn, "
            "*operands) for `if`, wengert.graph.while_loop / fori_loop / scan for loops, "
            "wengert.numpy.where for elementwise choices, or mark the argument static "
            "(jit(..., static_argnums=...))."
        )

    def __bool__(self) -> bool:
        raise self._concrete("bool()")

    def __int__(self) -> int:
        raise self._concrete("int()")

    def __index__(self) -> int:
        raise self._concrete("Using as an index")

    def __repr__(self) -> str:
        return f"GraphTracer({self.gvar!r}: {self.value!r})"


def _params_key(params: dict) -> Any:
    items = []
    for k, v in sorted(params.items()):
        items.append((k, _hashable(v)))
    return tuple(items)


def _hashable(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return ("arr", v.shape, v.dtype.str, v.tobytes())
    if isinstance(v, slice):
        return ("slice", v.start, v.stop, v.step)
    if isinstance(v, (tuple, list)):
        return (type(v).__name__,) + tuple(_hashable(x) for x in v)
    if isinstance(v, Graph):
        return ("graph", id(v))
    try:
        hash(v)
        return v
    except TypeError:
        return ("id", id(v))


class CallPrimitive(Primitive):
    """A call of a compiled graph (``jit``) seen by outer transformations; graph traces
    inline it (``run``: ``graph`` evaluated through ``bind``) instead of recording it."""

    __slots__ = ("graph", "run")


def freeing_evaluator(g: Graph) -> Callable[..., list]:
    """A function like ``g.evaluate`` (each equation through ``bind``, so enclosing traces
    see it) that drops every intermediate after its last use: tracing or differentiating
    through it keeps no more values alive than running ``g``'s compiled code does."""
    keep = {o.id for o in g.outputs if o.__class__ is Var} | {v.id for v in g.inputs}
    last: dict[int, int] = {}
    for k, e in enumerate(g.eqns):
        for v in e.outputs:
            last[v.id] = k  # unused results go right after they are made
        for i in e.inputs:
            if i.__class__ is Var:
                last[i.id] = k
    drops: list[list[int]] = [[] for _ in g.eqns]
    for vid, k in last.items():
        if vid not in keep:
            drops[k].append(vid)
    steps = [
        (
            e.prim,
            [(True, i.id) if i.__class__ is Var else (False, i.value) for i in e.inputs],
            e.params,
            [v.id for v in e.outputs],
            d,
        )
        for e, d in zip(g.eqns, drops)
    ]
    in_ids = [v.id for v in g.inputs]
    outs = [(True, o.id) if o.__class__ is Var else (False, o.value) for o in g.outputs]

    def run(*leaves: Any) -> list:
        env: dict[int, Any] = dict(zip(in_ids, leaves))
        for prim, ins, params, out_ids, d in steps:
            out = prim.bind(*[env[x] if is_var else x for is_var, x in ins], **params)
            if prim.multiple_results:
                env.update(zip(out_ids, out))
            else:
                env[out_ids[0]] = out
            for vid in d:
                del env[vid]
        return [env[x] if is_var else x for is_var, x in outs]

    return run


class GraphTrace(Trace):
    """Records equations into a graph; values are computed alongside for exact shapes."""

    __slots__ = ("eqns", "cse", "names")

    def __init__(self) -> None:
        super().__init__()
        self.eqns: list[Eqn] = []
        self.cse: dict = {}

    def new_input(self, value: Any, name: str | None = None) -> GraphTracer:
        v = Var(np.shape(value), _dtype(value), name)
        return GraphTracer(self, v, value)

    def process(self, prim: Primitive, args: Sequence[Any], params: dict) -> Any:
        if not self.alive:
            raise WengertError(
                f"a value from a finished graph trace was used in {prim.name!r}: a tracer escaped "
                "the traced function; return it instead"
            )
        inputs: list = []
        vals: list = []
        for a in args:
            if a.__class__ is GraphTracer and a._trace is self:
                inputs.append(a.gvar)
                vals.append(a.value)
            elif isinstance(a, Tracer):
                raise CapturedTracerError(
                    f"{prim.name!r} at {user_line()} uses a value that an enclosing "
                    f"transformation is tracing ({type(a).__name__}); pass it to the traced "
                    "function as an argument instead of closing over it"
                )
            else:
                inputs.append(Literal(a))
                vals.append(a)
        if prim.__class__ is CallPrimitive:  # a compiled function: inline its equations
            return tuple(prim.run(*args))
        try:
            key = (prim, tuple(i.id if i.__class__ is Var else i.key() for i in inputs), _params_key(params) if params else ())
            hit = self.cse.get(key)
        except TypeError:
            key, hit = None, None
        if hit is not None:
            # The equation is recorded already: new tracers of its variables, with the value
            # computed again (the table keeps no values: see the module docstring).
            return self._boxed(prim, hit, prim.impl(*vals, **params))
        out = prim.impl(*vals, **params)
        if prim.multiple_results:
            outvars = [Var(np.shape(o), _dtype(o)) for o in out]
            res: Any = tuple(GraphTracer(self, v, o) for v, o in zip(outvars, out))
        else:
            outvars = [Var(np.shape(out), _dtype(out))]
            res = GraphTracer(self, outvars[0], out)
        self.eqns.append(Eqn(prim, inputs, params, outvars))
        if key is not None:
            self.cse[key] = outvars
        return res

    def _boxed(self, prim: Primitive, outvars: list, out: Any) -> Any:
        if prim.multiple_results:
            return tuple(GraphTracer(self, v, o) for v, o in zip(outvars, out))
        return GraphTracer(self, outvars[0], out)


def _dtype(x: Any) -> np.dtype:
    d = getattr(x, "dtype", None)
    return np.dtype(d) if d is not None else np.result_type(x)


def _leaf_names(fun: Callable, args: tuple, positions: Sequence[int] | None = None) -> list[str]:
    """Readable input names: the parameter name, with pytree paths (params_W1, xs_0).
    ``positions`` gives each argument's position in ``fun``'s signature."""
    try:
        pnames = [
            p.name for p in inspect.signature(fun).parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        pnames = []
    names: list[str] = []
    for j, a in enumerate(args):
        i = positions[j] if positions is not None else j
        base = pnames[i] if i < len(pnames) else f"arg{i}"
        leaves, _ = tree_flatten(a)
        if len(leaves) == 1 and not isinstance(a, (tuple, list, dict)):
            names.append(base)
            continue
        names.extend(f"{base}_{p}" for p in _paths(a))
    return _dedupe([_identifier(n) for n in names])


def _paths(tree: Any) -> list[str]:
    out: list[str] = []
    stack: list[tuple[Any, str]] = [(tree, "")]
    while stack:
        node, prefix = stack.pop()
        if isinstance(node, dict):
            for k in sorted(node, key=lambda k: (type(k).__name__, k), reverse=True):
                stack.append((node[k], f"{prefix}_{k}" if prefix else str(k)))
        elif isinstance(node, (tuple, list)) and not hasattr(node, "_fields"):
            for i in range(len(node) - 1, -1, -1):
                stack.append((node[i], f"{prefix}_{i}" if prefix else str(i)))
        elif hasattr(node, "_fields"):
            for f in reversed(node._fields):
                stack.append((getattr(node, f), f"{prefix}_{f}" if prefix else f))
        elif node is None:
            continue
        else:
            out.append(prefix or "leaf")
    return out


def _identifier(s: str) -> str:
    t = "".join(c if c.isalnum() or c == "_" else "_" for c in s)
    if not t or t[0].isdigit():
        t = "a" + t
    return t


def _dedupe(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        if n in seen:
            seen[n] += 1
            n = f"{n}_{seen[n]}"
        else:
            seen[n] = 0
        out.append(n)
    return out


def trace_graph(
    fun: Callable, args: tuple, name: str | None = None, names_from: tuple[Callable, Sequence[int]] | None = None
) -> tuple[Graph, Any]:
    """Trace ``fun(*args)`` into a Graph; returns the graph and the concrete result.
    ``names_from=(f, positions)`` names the inputs after ``f``'s parameters."""
    leaves, in_tree = tree_flatten(args)
    names = _leaf_names(names_from[0], args, names_from[1]) if names_from else _leaf_names(fun, args)
    if len(names) != len(leaves):
        names = [f"x{i}" for i in range(len(leaves))]
    gt = GraphTrace()
    with gt:
        boxed = [gt.new_input(_as_value(x), n) for x, n in zip(leaves, names)]
        out = fun(*tree_unflatten(in_tree, boxed))
    out_leaves, out_tree = tree_flatten(out)
    _check_out_leaves(out_leaves, fun, "jit")
    outputs: list = []
    values = []
    for o in out_leaves:
        if o.__class__ is GraphTracer and o._trace is gt:
            outputs.append(o.gvar)
            values.append(o.value)
        elif isinstance(o, Tracer):
            raise CapturedTracerError("the traced function returned a value of an enclosing transformation")
        else:
            outputs.append(Literal(o))
            values.append(o)
    g = Graph([b.gvar for b in boxed], gt.eqns, outputs, in_tree, out_tree, name or getattr(fun, "__name__", "f"))
    return g, tree_unflatten(out_tree, values)


def example_value(x: Any) -> Any:
    """A plain value shaped like one element of ``x``: the value below every trace, with
    the batch axes of enclosing vmap levels removed (for tracing bodies and jit)."""

    n_batch = 0
    v = x
    while isinstance(v, Tracer):
        if isinstance(v, BatchTracer):
            n_batch += 1
        v = v.primal
    for _ in range(n_batch):
        v = v[0]
    return v


def _as_value(x: Any) -> Any:
    if isinstance(x, (np.ndarray, np.generic)):
        return x
    if isinstance(x, (bool, int, float, complex)):
        return x  # Python scalars stay weakly typed, as in eager code
    if isinstance(x, Tracer):
        raise CapturedTracerError(
            "trace(f) was given a value that an enclosing transformation is tracing; trace "
            "the enclosing function instead (e.g. trace(grad(f)))"
        )
    return np.asarray(x)


def trace(fun: Callable) -> Callable[..., Graph]:
    """``trace(f)(*example_args)`` returns the Graph (Wengert list) of ``f`` at those shapes.

    Works on pytrees, and on transformed functions: ``trace(grad(f))`` is the gradient graph.
    """

    def traced(*args: Any) -> Graph:
        return trace_graph(fun, args)[0]

    return traced
