"""``jit``: trace once per input signature, optimize, generate code, compile, cache.

The signature is the pytree structure, the shape and dtype of every leaf, the values of
the static arguments, and the gradient overrides in scope (the rule functions per primitive
name: a trace records them).  A new signature retraces (and says so on the ``wengert.jit``
logger at DEBUG level).  The cache keeps the ``cache_size`` most recently used signatures
(default ``DEFAULT_CACHE_SIZE``); the least recently used one is evicted beyond that, also
said on the logger.  Inside another trace:
- inside a graph trace (nested jit, ``trace(jit(f))``): the cached graph is inlined;
- under grad/jvp/vmap (``grad(jit(f))``): the compiled graph is called as one primitive whose
  VJP, JVP and batching rules are themselves jit-compiled graphs (built once per signature,
  and run under the overrides the call was recorded with).

Thread safety: cache look-ups and updates hold a per-function lock; traces run outside it
(two threads missing the same signature both trace, and the first to finish is kept), so a
jitted function may call itself or other jitted functions from any thread without deadlock.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..api import vmap
from ..core.primitive import Primitive, Tracer, enter_overrides, exit_overrides, state, top_trace
from ..ops.elementwise import zeros_like
from ..tree import tree_flatten, tree_unflatten
from .control import _jvp_masked, _vjp_masked
from .ir import Graph
from .tracing import CallPrimitive, GraphTrace, example_value, freeing_evaluator, trace_graph

log = logging.getLogger("wengert.jit")

__all__ = ["jit", "Jitted", "DEFAULT_CACHE_SIZE"]

#: Signatures a jitted function keeps compiled unless ``jit(f, cache_size=...)`` says otherwise.
DEFAULT_CACHE_SIZE = 64

# Guards the lazy construction of the call primitive and rule functions of cache entries.
_rules_lock = threading.Lock()


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
    """One compiled signature: the optimized graph, its compiled function, and the gradient
    overrides it was traced under (its derivative rules run under them too)."""

    __slots__ = ("graph", "fn", "overrides", "call_prim", "_vjp", "_jvp", "_run")

    def __init__(self, graph: Graph, overrides: tuple) -> None:
        self.graph = graph
        self.fn = graph.compile()
        self.overrides = overrides  # (state.overrides, state.override_key) when traced
        self.call_prim: Primitive | None = None
        self._vjp: Any = None
        self._jvp: Any = None
        self._run: Callable[..., list] | None = None

    def run(self, *leaves: Any) -> list:
        """The graph evaluated through ``bind`` (for enclosing traces), each intermediate
        freed after its last use."""
        r = self._run
        if r is None:  # built on first use; building it twice is harmless
            r = self._run = freeing_evaluator(self.graph)
        return r(*leaves)


def _check_cache_size(cache_size: Any) -> int | None:
    if cache_size is None:
        return None
    if isinstance(cache_size, bool) or not isinstance(cache_size, (int, np.integer)) or cache_size < 1:
        raise ValueError(f"jit: cache_size must be a positive int (or None for an unbounded cache), got {cache_size!r}")
    return int(cache_size)


class Jitted:
    """A function compiled per input signature (see ``jit``)."""

    def __init__(
        self,
        fun: Callable,
        static_argnums: Sequence[int] = (),
        optimize: bool = True,
        cache_size: int | None = DEFAULT_CACHE_SIZE,
    ) -> None:
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.static_argnums = tuple(int(i) for i in static_argnums)
        self.optimize = optimize
        self.cache_size = _check_cache_size(cache_size)
        self.cache: OrderedDict[Any, _Entry] = OrderedDict()  # least recently used first
        self._lock = threading.Lock()

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
        key = (in_tree, tuple(_aval(x) for x in leaves), svals, len(args), state.override_key)
        cache = self.cache
        with self._lock:
            entry = cache.get(key)
            if entry is not None:
                cache.move_to_end(key)
                return entry, None, leaves, in_tree
        log.debug("jit(%s): tracing for a new signature %s", self.__name__, key[1])
        concrete = [example_value(x) if isinstance(x, Tracer) else x for x in leaves]
        positions = [i for i in range(len(args)) if i not in dict(svals)]
        g, result = trace_graph(
            self._closed(svals, len(args)),
            tree_unflatten(in_tree, concrete),
            name=getattr(self.fun, "__name__", "f"),
            names_from=(_unwrap(self.fun), positions),
        )
        del concrete
        if self.optimize:
            g = g.optimize()
        entry = _Entry(g, (state.overrides, state.override_key))
        with self._lock:
            entry = cache.setdefault(key, entry)  # another thread may have published first
            cache.move_to_end(key)
            evicted = []
            while self.cache_size is not None and len(cache) > self.cache_size:
                evicted.append(cache.popitem(last=False)[0])
        for k in evicted:
            log.debug(
                "jit(%s): cache full (cache_size=%d); evicted the least recently used signature %s",
                self.__name__,
                self.cache_size,
                k[1],
            )
        if any(isinstance(x, Tracer) for x in leaves):
            result = None  # the traced result is a plain value; recompute under the tracers
        return entry, result, leaves, in_tree

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs:
            raise TypeError(f"jit({self.__name__}): pass arguments positionally (keyword arguments are not supported)")
        entry, result, leaves, _ = self._entry(args)
        g = entry.graph
        top = top_trace(leaves)
        if top is None:
            if result is not None:
                return result
            out = entry.fn(*leaves)
            return tree_unflatten(g.out_tree, out)
        if isinstance(top, GraphTrace):
            out = entry.run(*leaves)  # inline into the enclosing graph
            return tree_unflatten(g.out_tree, out)
        prim = _call_primitive(entry)
        out = prim.bind(*leaves)
        return tree_unflatten(g.out_tree, list(out))


def jit(
    fun: Callable | None = None,
    *,
    static_argnums: int | Sequence[int] = (),
    optimize: bool = True,
    cache_size: int | None = DEFAULT_CACHE_SIZE,
) -> Any:
    """Compile ``fun``: trace it once per input signature into a Graph, optimize it,
    generate NumPy source and ``exec`` it; later calls with the same signature run the
    compiled code.  ``static_argnums`` name arguments passed as Python values (hashable),
    baked into the graph; Python control flow may depend on them.  ``cache_size`` bounds
    the signatures kept compiled (least recently used evicted first; ``None``: no bound).
    """
    sa = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)
    size = _check_cache_size(cache_size)
    if fun is None:
        return lambda f: Jitted(f, sa, optimize, size)
    return Jitted(fun, sa, optimize, size)


def _unwrap(f: Callable) -> Callable:
    """The innermost user function behind transformation wrappers (for parameter names)."""
    seen = 0
    while hasattr(f, "__wrapped__") and seen < 20:
        f = f.__wrapped__
        seen += 1
    return f


# --------------------------------------------------------------------------- call primitive


def _call_primitive(entry: _Entry) -> Primitive:
    """A primitive running the compiled graph; its rules are compiled graphs too, built on
    first use (once, whichever thread asks first) and run under the entry's overrides."""
    p = entry.call_prim
    if p is not None:
        return p
    with _rules_lock:
        if entry.call_prim is None:
            entry.call_prim = _make_call_primitive(entry)
        return entry.call_prim


def _rule(entry: _Entry, which: str) -> Any:
    """The jitted VJP (``"_vjp"``) or JVP (``"_jvp"``) function of ``entry``."""
    f = getattr(entry, which)
    if f is not None:
        return f
    with _rules_lock:
        f = getattr(entry, which)
        if f is None:
            f = _make_vjp(entry) if which == "_vjp" else _make_jvp(entry)
            setattr(entry, which, f)
        return f


def _make_vjp(entry: _Entry) -> Jitted:

    def back(xs_: tuple, cts_: tuple) -> tuple:
        _, f_vjp = _vjp_masked(lambda *a: tuple(entry.run(*a)), tuple(xs_))
        return f_vjp(tuple(cts_))

    return jit(back)


def _make_jvp(entry: _Entry) -> Jitted:

    def fwd(xs_: tuple, ts_: tuple) -> Any:
        return _jvp_masked(lambda *a: tuple(entry.run(*a)), tuple(xs_), tuple(ts_))[1]

    return jit(fwd)


def _recorded_scope(entry: _Entry, f: Callable, *args: Any) -> Any:
    """``f(*args)`` under the gradient overrides ``entry`` was traced with (the scope in
    which its calls were recorded), whatever scope the caller is in now."""
    overrides, okey = entry.overrides
    if state.override_key == okey:
        return f(*args)
    saved = enter_overrides(overrides, okey)
    try:
        return f(*args)
    finally:
        exit_overrides(saved)


def _make_call_primitive(entry: _Entry) -> Primitive:
    g = entry.graph
    fn = entry.fn
    p = CallPrimitive(f"jit[{g.name}]", lambda *xs: tuple(fn(*xs)), multiple_results=True, register=False)
    p.graph = g
    p.run = entry.run

    def vjp_all(cts: tuple, ans: Any, *xs: Any) -> tuple:
        back = _rule(entry, "_vjp")
        full = tuple(np.zeros(o.shape, o.dtype) if c is None else c for c, o in zip(cts, g.outputs))
        return _recorded_scope(entry, back, tuple(xs), full)

    def jvp_rule(ts: tuple, ans: Any, *xs: Any) -> tuple:

        fwd = _rule(entry, "_jvp")
        full = tuple(zeros_like(x) if t is None else t for t, x in zip(ts, xs))
        return _recorded_scope(entry, fwd, tuple(xs), full)

    def batch_rule(vals: list, batched: list, size: int) -> tuple:

        axes = tuple(0 if b else None for b in batched)
        batched_fn = vmap(lambda *a: tuple(entry.run(*a)), in_axes=axes)
        return tuple(_recorded_scope(entry, batched_fn, *vals))

    p.defvjp_all(vjp_all, save="args")
    p.defjvp(jvp_rule)
    p.batch = batch_rule
    return p
