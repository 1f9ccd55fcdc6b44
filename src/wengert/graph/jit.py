"""``jit``: trace once per input signature, optimize, generate code, compile, cache.

The signature is the pytree structure, the shape and dtype of every leaf, and the values of
the static arguments.  A new signature retraces (and says so on the ``wengert.jit`` logger
at DEBUG level).  Inside another trace:
- inside a graph trace (nested jit, ``trace(jit(f))``): the cached graph is inlined;
- under grad/jvp/vmap (``grad(jit(f))``): the compiled graph is called as one primitive whose
  VJP, JVP and batching rules are themselves jit-compiled graphs (built once per signature).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..core.primitive import Primitive, Tracer
from ..tree import tree_flatten, tree_unflatten
from .ir import Graph
from .tracing import CallPrimitive, GraphTrace, example_value, trace_graph

log = logging.getLogger("wengert.jit")

__all__ = ["jit", "Jitted"]


def _aval(x: Any) -> tuple:
    if isinstance(x, Tracer):
        return (tuple(x.shape), np.dtype(x.dtype).str)
    if isinstance(x, (np.ndarray, np.generic)):
        return (x.shape, x.dtype.str)
    if isinstance(x, (bool, int, float, complex)):
        return ((), np.result_type(x).str, type(x).__name__)
    a = np.asarray(x)
    return (a.shape, a.dtype.str)


class _Entry:
    """One compiled signature: the optimized graph and its compiled function."""

    __slots__ = ("graph", "fn", "call_prim", "_vjp", "_jvp")

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.fn = graph.compile()
        self.call_prim: Primitive | None = None
        self._vjp: Any = None
        self._jvp: Any = None


class Jitted:
    """A function compiled per input signature (see ``jit``)."""

    def __init__(self, fun: Callable, static_argnums: Sequence[int] = (), optimize: bool = True) -> None:
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.static_argnums = tuple(int(i) for i in static_argnums)
        self.optimize = optimize
        self.cache: dict[Any, _Entry] = {}

    def _split(self, args: tuple) -> tuple[tuple, tuple]:
        n = len(args)
        static = tuple(i % n for i in self.static_argnums if -n <= i < n)
        svals = []
        for i in static:
            try:
                hash(args[i])
            except TypeError:
                raise TypeError(
                    f"jit({self.__name__}): static argument {i} must be hashable, got {type(args[i]).__name__}"
                ) from None
            svals.append((i, args[i]))
        dyn = tuple(a for i, a in enumerate(args) if i not in static)
        return tuple(svals), dyn

    def _closed(self, svals: tuple, nargs: int) -> Callable:
        fun = self.fun
        sd = dict(svals)

        def f(*dyn: Any) -> Any:
            it = iter(dyn)
            full = [sd[i] if i in sd else next(it) for i in range(nargs)]
            return fun(*full)

        f.__name__ = getattr(fun, "__name__", "f")
        return f

    def lower(self, *args: Any) -> Graph:
        """The optimized graph for these arguments (traced if not cached)."""
        return self._entry(args)[0].graph

    def source(self, *args: Any) -> str:
        """The generated source for these arguments."""
        return self.lower(*args).source()

    def _entry(self, args: tuple) -> tuple[_Entry, Any, list, Any]:
        svals, dyn = self._split(args)
        leaves, in_tree = tree_flatten(dyn)
        key = (in_tree, tuple(_aval(x) for x in leaves), svals, len(args))
        entry = self.cache.get(key)
        result = None
        if entry is None:
            log.debug("jit(%s): tracing for a new signature %s", self.__name__, key[1])
            concrete = [example_value(x) if isinstance(x, Tracer) else x for x in leaves]
            positions = [i for i in range(len(args)) if i not in dict(svals)]
            g, result = trace_graph(
                self._closed(svals, len(args)),
                tree_unflatten(in_tree, concrete),
                name=getattr(self.fun, "__name__", "f"),
                names_from=(_unwrap(self.fun), positions),
            )
            if self.optimize:
                g = g.optimize()
            entry = _Entry(g)
            self.cache[key] = entry
            if any(isinstance(x, Tracer) for x in leaves):
                result = None  # the traced result is a plain value; recompute under the tracers
        return entry, result, leaves, in_tree

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs:
            raise TypeError(f"jit({self.__name__}): pass arguments positionally (keyword arguments are not supported)")
        entry, result, leaves, _ = self._entry(args)
        g = entry.graph
        tracers = [x for x in leaves if isinstance(x, Tracer)]
        if not tracers:
            if result is not None:
                return result
            out = entry.fn(*leaves)
            return tree_unflatten(g.out_tree, out)
        top = max((t._trace for t in tracers), key=lambda t: t.level)
        if isinstance(top, GraphTrace):
            out = g.evaluate(*leaves)  # inline into the enclosing graph
            return tree_unflatten(g.out_tree, out)
        prim = _call_primitive(entry)
        out = prim.bind(*leaves)
        return tree_unflatten(g.out_tree, list(out))


def jit(fun: Callable | None = None, *, static_argnums: int | Sequence[int] = (), optimize: bool = True) -> Any:
    """Compile ``fun``: trace it once per input signature into a Graph, optimize it,
    generate NumPy source and ``exec`` it; later calls with the same signature run the
    compiled code.  ``static_argnums`` name arguments passed as Python values (hashable),
    baked into the graph; Python control flow may depend on them.
    """
    sa = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)
    if fun is None:
        return lambda f: Jitted(f, sa, optimize)
    return Jitted(fun, sa, optimize)


def _unwrap(f: Callable) -> Callable:
    """The innermost user function behind transformation wrappers (for parameter names)."""
    seen = 0
    while hasattr(f, "__wrapped__") and seen < 20:
        f = f.__wrapped__
        seen += 1
    return f


# --------------------------------------------------------------------------- call primitive


def _call_primitive(entry: _Entry) -> Primitive:
    """A primitive running the compiled graph; its rules are compiled graphs too."""
    if entry.call_prim is not None:
        return entry.call_prim
    g = entry.graph
    fn = entry.fn
    p = CallPrimitive(f"jit[{g.name}]", lambda *xs: tuple(fn(*xs)), multiple_results=True, register=False)
    p.graph = g

    def evaluate(*xs: Any) -> list:
        return g.evaluate(*xs)

    def vjp_all(cts: tuple, ans: Any, *xs: Any) -> tuple:
        from .control import _vjp_masked

        if entry._vjp is None:

            def back(xs_: tuple, cts_: tuple) -> tuple:
                _, f_vjp = _vjp_masked(lambda *a: tuple(evaluate(*a)), tuple(xs_))
                return f_vjp(tuple(cts_))

            entry._vjp = jit(back)
        full = tuple(np.zeros(o.shape, o.dtype) if c is None else c for c, o in zip(cts, g.outputs))
        return entry._vjp(tuple(xs), full)

    def jvp_rule(ts: tuple, ans: Any, *xs: Any) -> tuple:
        from .control import _jvp_masked

        if entry._jvp is None:

            def fwd(xs_: tuple, ts_: tuple) -> Any:
                return _jvp_masked(lambda *a: tuple(evaluate(*a)), tuple(xs_), tuple(ts_))[1]

            entry._jvp = jit(fwd)
        from ..ops.elementwise import zeros_like

        full = tuple(zeros_like(x) if t is None else t for t, x in zip(ts, xs))
        return entry._jvp(tuple(xs), full)

    def batch_rule(vals: list, batched: list, size: int) -> tuple:
        from ..api import vmap

        axes = tuple(0 if b else None for b in batched)
        return tuple(vmap(lambda *a: tuple(evaluate(*a)), in_axes=axes)(*vals))

    p.defvjp_all(vjp_all, save="args")
    p.defjvp(jvp_rule)
    p.batch = batch_rule
    entry.call_prim = p
    return p
