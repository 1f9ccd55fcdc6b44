"""Custom derivative rules: ``custom_vjp`` and ``custom_jvp`` (JAX's conventions), gradient
overrides of built-in primitives in a scope (TensorFlow 1's ``gradient_override_map``), and
``@primitive``, which turns a Python function into a primitive with user-given rules.

These are the ways a user changes what differentiation records; the transformations that
run them are in ``api.py``.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .api import vjp
from .core.forward import JVPTrace, JVPTracer
from .core.primitive import Primitive, enter_overrides, exit_overrides, state, top_trace
from .core.reverse import ReverseTrace, ReverseTracer
from .errors import CustomRuleError, WengertError
from .ops._util import dtype_of, shape_of
from .ops.elementwise import zeros_like as _zeros_like
from .ops.shape import unbroadcast
from .tree import TreeDef, tree_flatten, tree_map, tree_unflatten

__all__ = ["custom_vjp", "custom_jvp", "gradient_override", "primitive"]


# --------------------------------------------------------------------------- custom_vjp


class _CustomRule:
    """Tape record for a custom_vjp call: its name and the closure computing cotangents."""

    __slots__ = ("name", "vjp_all")

    def __init__(self, name: str, vjp_all: Callable) -> None:
        self.name = name
        self.vjp_all = vjp_all


class custom_vjp:  # noqa: N801  (JAX's name)
    """A function with a user-given VJP: ``f.defvjp(fwd, bwd)``.

    ``fwd(*args) -> (out, residuals)``; ``bwd(residuals, ct) -> tuple`` with one cotangent
    per positional argument of ``f`` (same structure and shapes as the argument, or None for
    zero).  Outer differentiation levels differentiate through ``fwd`` and ``bwd``.
    """

    def __init__(self, fun: Callable) -> None:
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.fwd: Callable | None = None
        self.bwd: Callable | None = None
        self.jvp_rule: Callable | None = None

    def defvjp(self, fwd: Callable, bwd: Callable) -> custom_vjp:
        if not callable(fwd) or not callable(bwd):
            raise TypeError("custom_vjp.defvjp(fwd, bwd): both must be callable")
        self.fwd, self.bwd = fwd, bwd
        return self

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs:
            raise TypeError(
                f"custom_vjp function {self.__name__!r}: pass arguments positionally "
                "(keyword arguments are not differentiated)"
            )
        leaves, in_td = tree_flatten(args)
        top = top_trace(leaves)
        if top is None:
            return self.fun(*args)
        if self.fwd is None:
            raise WengertError(
                f"custom_vjp function {self.__name__!r} is being differentiated but has no "
                "rule: call .defvjp(fwd, bwd) first"
            )
        if isinstance(top, ReverseTrace):
            return _reverse_custom_call(top, self, args, leaves, in_td)
        if self.jvp_rule is None:
            raise WengertError(
                f"custom_vjp function {self.__name__!r} is used in forward mode "
                f"({type(top).__name__}) but has only a VJP; give it a JVP rule as well with "
                ".defjvp(rule), rule(primals, tangents) -> (primal_out, tangent_out)"
            )
        return _custom_jvp_dispatch(top, self, self.jvp_rule, args, leaves, in_td)

    def defjvp(self, rule: Callable) -> custom_vjp:
        """Also give a JVP rule (for forward mode): ``rule(primals, tangents)``."""
        if not callable(rule):
            raise TypeError("custom_vjp.defjvp(rule): rule must be callable")
        self.jvp_rule = rule
        return self


def _reverse_custom_call(trace: ReverseTrace, f: custom_vjp, args: tuple, leaves: list, in_td: TreeDef) -> Any:
    vals = [x.value if (x.__class__ is ReverseTracer and x._trace is trace) else x for x in leaves]
    res = f.fwd(*tree_unflatten(in_td, vals))
    if not (isinstance(res, tuple) and len(res) == 2):
        raise CustomRuleError(
            f"custom_vjp {f.__name__!r}: fwd must return a pair (output, residuals), "
            f"got {type(res).__name__}"
        )
    out, residuals = res
    out_leaves, out_td = tree_flatten(out)
    if not out_leaves:
        return out
    out_avals = [(shape_of(o), dtype_of(o)) for o in out_leaves]
    in_avals = [(shape_of(v), dtype_of(v)) for v in vals]
    arg_tds = [tree_flatten(a)[1] for a in args]
    name = f.__name__
    bwd = f.bwd

    def vjp_all(cts: tuple, ans: Any) -> list:
        full = [
            np.zeros(s, d) if c is None else c for c, (s, d) in zip(cts, out_avals)
        ]
        got = bwd(residuals, tree_unflatten(out_td, full))
        return _check_bwd_output(name, got, args, arg_tds, in_avals)

    boxed = trace.record_call(_CustomRule(f"custom_vjp[{name}]", vjp_all), leaves, out_leaves)
    return tree_unflatten(out_td, list(boxed))


def _check_bwd_output(name: str, got: Any, args: tuple, arg_tds: list, in_avals: list) -> list:
    if not isinstance(got, (tuple, list)) or len(got) != len(args):
        raise CustomRuleError(
            f"custom_vjp {name!r}: bwd must return a tuple with one cotangent per argument "
            f"({len(args)}), got {type(got).__name__}"
            + (f" of length {len(got)}" if isinstance(got, (tuple, list)) else "")
        )
    flat: list = []
    pos = 0
    for a, (g, td) in enumerate(zip(got, arg_tds)):
        n = td.num_leaves
        if g is None:
            flat.extend([None] * n)
            pos += n
            continue
        g_leaves, g_td = tree_flatten(g)
        if g_td != td:
            raise CustomRuleError(
                f"custom_vjp {name!r}: bwd's cotangent for argument {a} has structure "
                f"{g_td!r}, expected {td!r}"
            )
        for j, gl in enumerate(g_leaves):
            exp_shape, _ = in_avals[pos + j]
            if gl is not None and shape_of(gl) != exp_shape:
                raise CustomRuleError(
                    f"custom_vjp {name!r}: bwd's cotangent for argument {a}"
                    + (f" (leaf {j})" if n > 1 else "")
                    + f" has shape {shape_of(gl)}, expected {exp_shape}"
                )
        flat.extend(g_leaves)
        pos += n
    return flat


# --------------------------------------------------------------------------- overrides


@contextlib.contextmanager
def gradient_override(mapping: dict[str, Callable]) -> Iterator[None]:
    """Within this scope, calls of the named built-in primitives use the given VJPs.

    ``mapping`` maps a primitive name (``"sign"``, ``"clip"``'s parts ``"maximum"`` /
    ``"minimum"``, ``"tanh"``, ... see ``wengert.Primitive.registry``) to
    ``vjp(ct, ans, *args, **params)`` returning the cotangent of the single argument or a
    tuple with one per argument (None for none).  The override is fixed when an op is
    recorded, as TensorFlow 1's ``gradient_override_map``: ops recorded inside the scope
    keep it even if the backward pass runs later.  Forward values are unchanged.

    ``jit`` keys its cache on the rules in scope (the function objects, per primitive
    name): a jitted function traced inside the scope is traced again outside it, and
    re-entering a scope with the same rule functions reuses that trace.
    """
    if not isinstance(mapping, dict):
        raise TypeError("gradient_override expects a dict {primitive name: vjp function}")
    new = {}
    for name, fn in mapping.items():
        base = Primitive.registry.get(name)
        if base is None:
            import difflib

            close = difflib.get_close_matches(str(name), list(Primitive.registry), n=3)
            raise KeyError(
                f"gradient_override: no primitive named {name!r}"
                + (f"; did you mean {', '.join(map(repr, close))}?" if close else "")
            )
        if not callable(fn):
            raise TypeError(f"gradient_override: the rule for {name!r} must be callable")
        new[name] = _override_primitive(base, fn)

    key = dict(state.override_key)
    key.update((name, id(fn)) for name, fn in mapping.items())
    saved = enter_overrides({**state.overrides, **new}, tuple(sorted(key.items())))
    try:
        yield
    finally:
        exit_overrides(saved)


def _override_primitive(base: Primitive, fn: Callable) -> Primitive:
    p = Primitive(base.name, base.impl, multiple_results=base.multiple_results, register=False)
    p.describe(**base.description())  # the same op (its spelling, format, flags), another rule
    p.param_schema = base.param_schema
    p.batch = base.batch
    p.jvp = base.jvp

    def vjp_all(ct: Any, ans: Any, *args: Any, **params: Any) -> tuple:
        g = fn(ct, ans, *args, **params)
        gs = tuple(g) if isinstance(g, (tuple, list)) else (g,)
        if len(gs) != len(args):
            raise CustomRuleError(
                f"gradient override for {base.name!r} returned {len(gs)} cotangent(s) for "
                f"{len(args)} argument(s)"
            )
        out = []
        for k, (gk, a) in enumerate(zip(gs, args)):
            if gk is not None and shape_of(gk) != shape_of(a):

                try:
                    gk = unbroadcast(gk, shape_of(a))
                except Exception:
                    raise CustomRuleError(
                        f"gradient override for {base.name!r}: cotangent {k} has shape "
                        f"{shape_of(gk)}, expected {shape_of(a)}"
                    ) from None
            out.append(gk)
        return tuple(out)

    p.defvjp_all(vjp_all, save="both")
    return p


# --------------------------------------------------------------------------- primitives


def primitive(fun: Callable | None = None, *, name: str | None = None) -> Any:
    """Make a new primitive from a NumPy function (decorator).

    The function becomes the primitive's ``impl``; give it rules with ``.defvjp(...)``
    (one per positional argument, ``vjp_i(ct, ans, *args, **kwargs)``) and ``.defjvp``.
    Rules should use ``wengert.numpy`` so that they can be differentiated again::

        @wengert.primitive
        def logsumexp(x):
            m = np.max(x)
            return m + np.log(np.sum(np.exp(x - m)))

        logsumexp.defvjp(lambda ct, ans, x: ct * wnp.exp(x - ans))
    """

    def make(f: Callable) -> Primitive:
        pname = name or f"{getattr(f, '__module__', '')}.{getattr(f, '__qualname__', repr(f))}"
        if pname in _user_names:  # redefinition (a re-run notebook cell, a reload)
            Primitive.registry.pop(pname, None)
        p = FunctionPrimitive(pname, f)
        _user_names.add(pname)
        return p

    return make(fun) if fun is not None else make


_user_names: set[str] = set()


class FunctionPrimitive(Primitive):
    """A primitive made from a Python function by ``@primitive``: it keeps the function's
    ``__name__``, ``__qualname__``, ``__module__``, ``__doc__`` and ``__wrapped__``, so it
    reads like the function it decorates (help(), tracebacks, documentation tools)."""

    def __init__(self, name: str, fun: Callable) -> None:
        super().__init__(name, fun)
        functools.update_wrapper(self, fun, updated=())  # type: ignore[arg-type]


# --------------------------------------------------------------------------- custom_jvp


class custom_jvp:  # noqa: N801  (JAX's name)
    """A function with a user-given JVP: ``f.defjvp(rule)`` with
    ``rule(primals, tangents) -> (primal_out, tangent_out)`` (JAX's convention).

    Reverse mode uses the same rule: its tangent output is linear in the tangents, so the
    VJP is that linear map transposed (computed by reverse mode over the rule).
    """

    def __init__(self, fun: Callable) -> None:
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.rule: Callable | None = None

    def defjvp(self, rule: Callable) -> custom_jvp:
        if not callable(rule):
            raise TypeError("custom_jvp.defjvp(rule): rule must be callable")
        self.rule = rule
        return self

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs:
            raise TypeError(f"custom_jvp function {self.__name__!r}: pass arguments positionally")
        leaves, in_td = tree_flatten(args)
        top = top_trace(leaves)
        if top is None:
            return self.fun(*args)
        if self.rule is None:
            raise WengertError(
                f"custom_jvp function {self.__name__!r} is being differentiated but has no "
                "rule: call .defjvp(rule) first"
            )
        return _custom_jvp_dispatch(top, self, self.rule, args, leaves, in_td)


def _custom_jvp_dispatch(top: Any, f: Any, rule: Callable, args: tuple, leaves: list, in_td: TreeDef) -> Any:
    name = f.__name__
    if isinstance(top, JVPTrace):
        vals = [x.value if (x.__class__ is JVPTracer and x._trace is top) else x for x in leaves]
        tans = [
            x.tangent if (x.__class__ is JVPTracer and x._trace is top) else _zeros_like(x)
            for x in leaves
        ]
        res = rule(tree_unflatten(in_td, vals), tree_unflatten(in_td, tans))
        if not (isinstance(res, (tuple, list)) and len(res) == 2):
            raise CustomRuleError(f"custom_jvp {name!r}: the rule must return (primal_out, tangent_out)")
        out, t_out = res
        o_leaves, o_td = tree_flatten(out)
        t_leaves, t_td = tree_flatten(t_out)
        if o_td != t_td:
            raise CustomRuleError(
                f"custom_jvp {name!r}: tangent_out has structure {t_td!r}, primal_out has {o_td!r}"
            )
        for k, (o, t) in enumerate(zip(o_leaves, t_leaves)):
            if shape_of(t) != shape_of(o):
                raise CustomRuleError(
                    f"custom_jvp {name!r}: tangent_out leaf {k} has shape {shape_of(t)}, "
                    f"expected {shape_of(o)} (the primal output's shape)"
                )
        return tree_unflatten(o_td, [JVPTracer(top, o, t) for o, t in zip(o_leaves, t_leaves)])
    if isinstance(top, ReverseTrace):
        n = len(args)

        def fwd(*primals: Any) -> Any:
            return f(*primals), primals

        def bwd(primals: tuple, ct: Any) -> tuple:
            zeros = tree_map(lambda x: _zeros_like(x), primals)
            _, fn = vjp(lambda *ts: rule(primals, ts)[1], *zeros)
            return fn(ct)[:n]

        shim = custom_vjp(f.fun if hasattr(f, "fun") else f)
        shim.__name__ = name
        shim.defvjp(fwd, bwd)
        return _reverse_custom_call(top, shim, args, leaves, in_td)
    raise WengertError(f"custom_jvp {name!r} cannot be used under {type(top).__name__}")
