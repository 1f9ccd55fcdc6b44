"""Symbolic derivatives: forward-mode AD run over the expression DAG, then ``simplify``.

The JVP rules are the same ones every other mode uses; here their primal values are
expression nodes, so the tangent they compute is the derivative expression.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..core.forward import JVPTrace, JVPTracer
from ..core.reverse import ReverseTrace, ReverseTracer
from .expr import Expr, SymbolicError, as_expr, const, walk
from .simplify import simplify


def _symbol(x: Any) -> Expr:
    if isinstance(x, Expr) and x.op == "symbol":
        return x
    raise SymbolicError(f"differentiate with respect to a symbol, got {x!r}")


def rebuild(e: Expr, env: dict[int, Any], numeric: bool = False) -> Any:
    """Re-run the DAG's operations (``bind``) with leaves replaced per ``env`` (by id).
    With ``numeric=True`` constants become plain numbers (for evaluating on values)."""
    vals: dict[int, Any] = {}
    for n in walk(e):
        if id(n) in env:
            vals[id(n)] = env[id(n)]
        elif n.op == "const" and numeric:
            v = n.value
            vals[id(n)] = v if isinstance(v, (int, complex)) else float(v)
        elif n.op in ("symbol", "const"):
            vals[id(n)] = n
        else:
            vals[id(n)] = n.op.bind(*(vals[id(a)] for a in n.args), **dict(n.params))
    return vals[id(e)]


def _diff1(e: Expr, x: Expr) -> Expr:
    tr = JVPTrace()
    with tr:
        out = rebuild(e, {id(x): JVPTracer(tr, x, const(1))})
    if out.__class__ is JVPTracer and out._trace is tr:
        return as_expr(out.tangent)
    return const(0)


def diff(expr: Any, x: Any, n: int = 1, simplified: bool = True) -> Expr:
    """The ``n``-th derivative of ``expr`` with respect to the symbol ``x``."""
    if not isinstance(n, int) or n < 0:
        raise ValueError(f"diff: n must be a non-negative integer, got {n!r}")
    e = as_expr(expr)
    x = _symbol(x)
    for _ in range(n):
        e = _diff1(e, x)
        if simplified:
            e = simplify(e)
    return e


def _gradient_reverse(e: Expr, xs: list[Expr]) -> list[Expr]:
    """All first derivatives in one reverse pass: the VJP rules run over the DAG with
    expression nodes as values, so the time is linear in the DAG size whatever ``len(xs)``."""

    tr = ReverseTrace()
    with tr:
        boxed = {id(x): tr.new_input(x) for x in xs}
        out = rebuild(e, boxed)
    if out.__class__ is not ReverseTracer or out._trace is not tr:
        return [const(0) for _ in xs]
    cts = tr.cotangents((out,), (const(1),), [boxed[id(x)] for x in xs])
    return [const(0) if c is None else as_expr(c) for c in cts]


def gradient(expr: Any, xs: Sequence[Any], simplified: bool = True, mode: str = "forward") -> list[Expr]:
    """``[d expr / d x for x in xs]``.

    ``mode="forward"`` runs one forward pass per symbol (exactly ``diff``'s expressions);
    ``mode="reverse"`` runs one reverse pass for all symbols, linear in the size of the
    expression however many symbols there are (for many symbols: the derivatives are the
    same functions, possibly arranged differently, e.g. ``y*(z + w)`` for ``y*z + y*w``).
    """
    if mode not in ("forward", "reverse"):
        raise ValueError(f"gradient: mode must be 'forward' or 'reverse', got {mode!r}")
    e = as_expr(expr)
    syms = [_symbol(x) for x in xs]
    if mode == "forward":
        return [diff(e, x, 1, simplified) for x in syms]
    out = _gradient_reverse(e, syms)
    return [simplify(d) for d in out] if simplified else out


def jacobian(exprs: Sequence[Any], xs: Sequence[Any], simplified: bool = True) -> list[list[Expr]]:
    """Rows: expressions; columns: symbols."""
    return [gradient(e, xs, simplified) for e in exprs]


def hessian(expr: Any, xs: Sequence[Any], simplified: bool = True) -> list[list[Expr]]:
    """Matrix of second derivatives."""
    return jacobian(gradient(expr, xs, simplified), xs, simplified)
