"""Symbolic differentiation on the same DAGs: symbols, diff, simplify, printers, a safe
parser.

An expression is a hash-consed DAG of wengert primitives over scalar symbols; ``diff`` runs
the same JVP rules as forward-mode AD over it, then ``simplify``.  ``lambdify``/``evaluate``
compile it through graph-mode code generation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..graph import ir as _ir
from .diff import diff, gradient, hessian, jacobian, rebuild
from .expr import Expr, Symbol, SymbolicError, as_expr, const, symbols
from .expr import walk as _walk
from .parse import ParseError, parse
from .printing import dag_size, latex, to_dot, to_str, tree_size, wengert_list
from .simplify import simplify

__all__ = [
    "Expr",
    "Symbol",
    "SymbolicError",
    "ParseError",
    "symbols",
    "const",
    "diff",
    "gradient",
    "jacobian",
    "hessian",
    "simplify",
    "subs",
    "evaluate",
    "lambdify",
    "to_graph",
    "parse",
    "latex",
    "to_str",
    "source",
    "to_dot",
    "wengert_list",
    "tree_size",
    "dag_size",
]


def _key_symbol(k: Any, by_name: dict[str, Expr] | None = None) -> Expr:
    """The symbol a key stands for: a symbol itself, or a name looked up in ``by_name``
    (the expression's symbols by name) and otherwise made (a symbol the expression lacks)."""
    if isinstance(k, Expr) and k.op == "symbol":
        return k
    if isinstance(k, str):
        if by_name is not None:
            hit = by_name.get(k)
            if hit is not None:
                return hit
        return symbols(k)
    raise TypeError(f"expected a symbol or a symbol's name, got {k!r}")


def _symbols_by_name(syms: Any) -> dict[str, Expr]:
    """One walk's symbols, by name (so looking up many names costs one walk, not one each)."""
    out: dict[str, Expr] = {}
    for s in syms:
        out.setdefault(s.name, s)
    return out


def subs(expr: Any, values: dict) -> Expr:
    """Substitute symbols (or names) by expressions or numbers."""
    e = as_expr(expr)
    by_name = _symbols_by_name(e.free_symbols) if any(isinstance(k, str) for k in values) else None
    env = {id(_key_symbol(k, by_name)): as_expr(v) for k, v in values.items()}
    return as_expr(rebuild(e, env))


def to_graph(exprs: Any, syms: Sequence[Any], name: str = "f") -> Any:
    """The expression(s) as a graph-mode ``Graph`` with the symbols as inputs."""
    single = isinstance(exprs, Expr) or not isinstance(exprs, (list, tuple))
    outs = [as_expr(exprs)] if single else [as_expr(e) for e in exprs]
    syms = [_key_symbol(s) for s in syms]
    env: dict[int, Any] = {}
    inputs = []
    for s in syms:
        v = _ir.Var((), np.float64, s.name)
        env[id(s)] = v
        inputs.append(v)
    eqns = []
    for out in outs:
        for n in _walk(out):
            if id(n) in env:
                continue
            if n.op == "symbol":
                raise ValueError(f"the expression uses the symbol {n.name!r}, which is not among the inputs")
            if n.op == "const":
                v = n.value
                if not isinstance(v, complex):
                    try:
                        v = float(v)  # NumPy would do integer arithmetic on Python ints
                    except OverflowError:
                        v = float("inf") if v > 0 else float("-inf")
                env[id(n)] = _ir.Literal(v)
                continue
            dt = np.bool_ if n.dtype == np.bool_ else np.float64
            var = _ir.Var((), dt)
            eqns.append(_ir.Eqn(n.op, [env[id(a)] for a in n.args], dict(n.params), [var]))
            env[id(n)] = var
    return _ir.Graph(inputs, eqns, [env[id(o)] for o in outs], None, None, name)


def lambdify(exprs: Any, syms: Sequence[Any], name: str = "f") -> Any:
    """A compiled NumPy function of the symbols (vectorized: pass arrays)."""
    single = isinstance(exprs, Expr) or not isinstance(exprs, (list, tuple))
    fn = to_graph(exprs, syms, name).compile()

    def f(*args: Any) -> Any:
        out = fn(*args)
        return out[0] if single else list(out)

    f.__wengert_source__ = fn.__wengert_source__  # type: ignore[attr-defined]
    return f


compile = lambdify  # noqa: A001  (the issue's name for it)


def evaluate(expr: Any, values: dict) -> Any:
    """The value of ``expr`` with symbols (or their names) set to numbers or arrays."""
    e = as_expr(expr)
    free = e.free_symbols  # one walk, however many keys are names
    syms = sorted(free, key=lambda s: s.name)
    by_name = _symbols_by_name(syms)
    given = {_key_symbol(k, by_name): v for k, v in values.items()}
    missing = [s.name for s in syms if s not in given]
    if missing:
        raise KeyError(f"evaluate: no value for {', '.join(missing)}")
    return lambdify(e, syms)(*(np.asarray(given[s], dtype=float) for s in syms))


def source(expr: Any, syms: Sequence[Any] | None = None, name: str = "f") -> str:
    """Python/NumPy source of a function computing ``expr``."""
    e = as_expr(expr) if isinstance(expr, Expr) else expr
    if syms is None:
        syms = sorted(as_expr(e).free_symbols, key=lambda s: s.name)
    return to_graph(e, syms, name).source()
