"""``simplify``: canonical forms that make equal things look equal.

One pass over the DAG (children first, each node once, so shared subexpressions stay
shared and the time is linear in the DAG size):
- sums are flattened into terms with numeric coefficients: like terms collect, ``x - x``
  vanishes, constants fold exactly (``Fraction``);
- products are flattened into bases with numeric exponents: like powers collect (``x*x`` is
  ``x**2``, ``x/x`` is 1), coefficients fold;
- ``exp(log u) = u``, ``log(exp u) = u``, ``(u**a)**b = u**(a*b)`` for integer ``b`` or
  positive ``u``, ``sqrt(u**2) = |u|`` (``u`` when positive), special values (``sin(0)``,
  ``cos(0)``, ``exp(0)``, ``log(1)``);
- ``a*sin(u)**2 + b*cos(u)**2 = b + (a - b)*sin(u)**2``.
A subexpression used in several places is not flattened into its users (that would copy its
terms into each and lose the sharing that keeps derivatives small).  Every rewrite keeps the
value wherever the original expression is defined.
"""

from __future__ import annotations

import math
import threading
from fractions import Fraction
from typing import Any

from ..core.primitive import Primitive
from .expr import Expr, as_expr, const, walk

_P: dict[str, Primitive] = {}


def _prim(name: str) -> Primitive:
    p = _P.get(name)
    if p is None:
        p = _P[name] = Primitive.registry[name]
    return p


def _mk(name: str, *args: Expr) -> Expr:
    return Expr.make(_prim(name), args, {})


def _num(e: Expr) -> Any:
    return e.value if e.op == "const" else None


def _small_power(v: Any, k: Any) -> bool:
    """Is ``v**k`` cheap to compute exactly (bounded size)?"""
    if not _is_rational(v):
        return abs(k) < 10_000
    f = Fraction(v)
    bits = max(abs(f.numerator), f.denominator, 2).bit_length()
    return abs(int(k)) * bits <= 4096


def _is_rational(v: Any) -> bool:
    return isinstance(v, (int, Fraction)) and not isinstance(v, bool)


# Sums and products wider than this are not flattened again into their users: keeps the
# time linear on long chains (each node is rebuilt a bounded number of times).
MAX_FLATTEN = 32
class _PosCache(threading.local):
    """Per thread, per simplify() call: positivity is asked many times of the same nodes."""

    def __init__(self) -> None:
        self.table: dict[int, bool] = {}


_POS = _PosCache()


def _positive(e: Expr) -> bool:
    table = _POS.table
    hit = table.get(id(e))
    if hit is None:
        hit = table[id(e)] = _positive_uncached(e)
    return hit


def _positive_uncached(e: Expr) -> bool:
    if e.op == "symbol":
        return "positive" in e.assumptions
    if e.op == "const":
        v = e.value
        return not isinstance(v, complex) and v > 0
    name = e.opname
    if name in ("exp", "exp2", "cosh", "sqrt"):
        return name != "sqrt" or _positive(e.args[0])
    if name in ("multiply", "true_divide", "add"):
        return all(_positive(a) for a in e.args)
    if name == "power":
        return _positive(e.args[0])
    return False


class _Simplifier:
    def __init__(self, root: Expr) -> None:
        self.nodes = walk(root)
        self.uses: dict[int, int] = {}
        for n in self.nodes:
            for a in n.args:
                self.uses[id(a)] = self.uses.get(id(a), 0) + 1
        self.memo: dict[int, Expr] = {}
        self.shared: set[int] = set()  # ids of simplified nodes standing for shared originals
        self.width: dict[int, int] = {}  # terms / factors of sums and products built here

    def run(self, root: Expr) -> Expr:
        for n in self.nodes:
            new = self.node(n, [self.memo[id(a)] for a in n.args])
            self.memo[id(n)] = new
            if self.uses.get(id(n), 0) > 1:
                self.shared.add(id(new))
        return self.memo[id(root)]

    # ------------------------------------------------------------------ sums
    def terms(self, e: Expr, c: Any, out: dict, order: list, acc: list) -> None:
        """Add ``c * e`` into ``out`` (term -> coefficient); constants into ``acc[0]``."""
        stack = [(e, c, True)]
        while stack:
            x, k, top = stack.pop()
            v = _num(x)
            if v is not None:
                acc[0] = acc[0] + k * v
                continue
            flat_ok = id(x) not in self.shared and self.width.get(id(x), 0) <= MAX_FLATTEN
            name = x.opname
            if flat_ok and name == "add":
                stack.append((x.args[1], k, False))
                stack.append((x.args[0], k, False))
                continue
            if flat_ok and name == "subtract":
                stack.append((x.args[1], -k, False))
                stack.append((x.args[0], k, False))
                continue
            if flat_ok and name == "negative":
                stack.append((x.args[0], -k, False))
                continue
            if name == "multiply" and _num(x.args[0]) is not None:
                stack.append((x.args[1], k * _num(x.args[0]), False))
                continue
            if x not in out:
                order.append(x)
                out[x] = 0
            out[x] = out[x] + k

    def make_sum(self, a: Expr, b: Expr, sign: int) -> Expr:
        out: dict = {}
        order: list = []
        acc = [0]
        self.terms(a, 1, out, order, acc)
        self.terms(b, sign, out, order, acc)
        self.trig(out, order, acc)
        res = _build_sum(out, order, acc[0])
        self.width[id(res)] = len(out)
        return res

    def trig(self, out: dict, order: list, acc: list) -> None:
        sq = {}
        for t in order:
            if out.get(t, 0) != 0 and t.opname in ("square", "power"):
                base = t.args[0]
                if t.opname == "power" and _num(t.args[1]) != 2:
                    continue
                if base.opname in ("sin", "cos"):
                    sq[(base.opname, id(base.args[0]))] = t
        for (name, arg), t in list(sq.items()):
            if name != "sin":
                continue
            c = sq.get(("cos", arg))
            if c is None:
                continue
            a, b = out[t], out[c]
            acc[0] = acc[0] + b
            out[t] = a - b
            out[c] = 0

    # ------------------------------------------------------------------ products
    def factors(self, e: Expr, p: Any, out: dict, order: list, acc: list) -> None:
        """Multiply ``e**p`` into ``out`` (base -> exponent); numbers into ``acc[0]``."""
        stack = [(e, p, True)]
        while stack:
            x, k, top = stack.pop()
            integer = _is_rational(k) and k == int(k)
            v = _num(x)
            if v is not None and integer and not (v == 0 and k < 0) and _small_power(v, k):
                acc[0] = acc[0] * ((Fraction(v) if _is_rational(v) else v) ** int(k))
                continue
            name = "const" if v is not None else x.opname
            # Splitting a product under a non-integer power is valid only for positive parts.
            flat_ok = id(x) not in self.shared and self.width.get(id(x), 0) <= MAX_FLATTEN and (integer or _positive(x))
            if flat_ok and name == "multiply":
                stack.append((x.args[1], k, False))
                stack.append((x.args[0], k, False))
                continue
            if flat_ok and name == "true_divide":
                stack.append((x.args[1], -k, False))
                stack.append((x.args[0], k, False))
                continue
            if integer and name == "negative":
                acc[0] = acc[0] * (-1) ** int(k)
                stack.append((x.args[0], k, False))
                continue
            if name == "reciprocal":
                stack.append((x.args[0], -k, False))
                continue
            if name == "square":
                stack.append((x.args[0], 2 * k, False))
                continue
            if name == "sqrt" and _is_rational(k):
                stack.append((x.args[0], Fraction(1, 2) * k, False))
                continue
            if name == "power" and _is_rational(_num(x.args[1])) and _is_rational(k):
                ex = _num(x.args[1])
                inner = x.args[0]
                even_int = ex == int(ex) and int(ex) % 2 == 0
                if integer or _positive(inner) or not even_int:
                    stack.append((inner, ex * k, False))
                    continue
                if (ex * k) == int(ex * k):  # (u**2m)**k = |u|**(2mk) for real u
                    stack.append((_mk("absolute", inner), ex * k, False))
                    continue
            if x not in out:
                order.append(x)
                out[x] = 0
            out[x] = out[x] + k

    def make_prod(self, a: Expr, b: Expr, pa: Any, pb: Any) -> Expr:
        out: dict = {}
        order: list = []
        acc: list = [Fraction(1)]
        self.factors(a, pa, out, order, acc)
        if b is not None:
            self.factors(b, pb, out, order, acc)
        res = _build_prod(out, order, acc[0])
        self.width[id(res)] = len(out)
        return res

    # ------------------------------------------------------------------ one node
    def node(self, n: Expr, args: list[Expr]) -> Expr:
        if n.op in ("symbol", "const"):
            return n
        name = n.opname
        if name == "add":
            return self.make_sum(args[0], args[1], 1)
        if name == "subtract":
            return self.make_sum(args[0], args[1], -1)
        if name == "negative":
            return self.make_sum(const(0), args[0], -1)
        if name == "multiply":
            return self.make_prod(args[0], args[1], 1, 1)
        if name == "true_divide":
            return self.make_prod(args[0], args[1], 1, -1)
        if name == "reciprocal":
            return self.make_prod(args[0], None, -1, None)
        if name == "square":
            return self.make_prod(args[0], None, 2, None)
        if name == "power":
            ex = _num(args[1])
            if ex is not None and _is_rational(ex):
                return self.make_prod(args[0], None, ex, None)
        if name == "sqrt":
            u = args[0]
            if u.opname in ("square", "power") and (u.opname == "square" or _num(u.args[1]) == 2):
                return u.args[0] if _positive(u.args[0]) else _mk("absolute", u.args[0])
            return self.make_prod(u, None, Fraction(1, 2), None)
        if name == "exp":
            u = args[0]
            if u.opname == "log":
                return u.args[0]
            if _num(u) == 0:
                return const(1)
        if name == "log":
            u = args[0]
            if u.opname == "exp":
                return u.args[0]
            if _num(u) == 1:
                return const(0)
            if u.opname == "power" and _positive(u.args[0]) and _num(u.args[1]) is not None:
                return self.make_prod(_mk("log", u.args[0]), const(_num(u.args[1])), 1, 1)
        if name in ("sin", "tan", "arcsin", "arctan", "sinh", "tanh") and _num(args[0]) == 0:
            return const(0)
        if name in ("cos", "cosh") and _num(args[0]) == 0:
            return const(1)
        if name == "absolute" and _positive(args[0]):
            return args[0]
        if name == "where" and args[0].op == "const":
            return args[1] if args[0].value else args[2]
        if n.op.foldable and all(a.op == "const" for a in args):  # (comparisons, selections: exact)
            import numpy as np

            with np.errstate(all="ignore"):
                v = n.op.impl(
                    *(a.value if _is_rational(a.value) and not isinstance(a.value, Fraction) else float(a.value) for a in args),
                    **dict(n.params),
                )
            return const(v)
        return Expr.make(n.op, tuple(args), dict(n.params))


def _sort_key(e: Expr) -> tuple:
    """Deterministic order of terms and factors, cheap (no printing): symbols by name, then
    functions by name, then by structure."""
    if e.op == "symbol":
        return (0, e.name, e.key)
    if e.op == "const":
        return (2, "", e.key)
    inner = e.args[0] if e.args and e.args[0].op == "symbol" else None
    return (1, e.opname, inner.name if inner is not None else "~", e.key)


def _build_sum(out: dict, order: list, c: Any) -> Expr:
    items = [(t, k) for t, k in out.items() if k != 0]
    items.sort(key=lambda tk: _sort_key(tk[0]))
    res: Expr | None = None
    for t, k in items:
        pos = not (isinstance(k, (int, Fraction, float)) and k < 0)
        mag = k if pos else -k
        term = t if mag == 1 else _mk("multiply", const(mag), t)
        if res is None:
            res = term if pos else _mk("negative", term)
        else:
            res = _mk("add" if pos else "subtract", res, term)
    if c != 0:
        if res is None:
            return const(c)
        neg = isinstance(c, (int, Fraction, float)) and c < 0
        res = _mk("subtract" if neg else "add", res, const(-c if neg else c))
    return res if res is not None else const(0)


def _power(b: Expr, p: Any) -> Expr:
    if p == 1:
        return b
    if p == Fraction(1, 2):
        return _mk("sqrt", b)
    return _mk("power", b, const(p))


def _build_prod(out: dict, order: list, c: Any) -> Expr:
    if isinstance(c, float) and math.isnan(c):
        return const(c)
    if c == 0 and not isinstance(c, float):
        return const(0)
    items = [(b, p) for b, p in out.items() if p != 0]
    items.sort(key=lambda bp: _sort_key(bp[0]))
    num = [_power(b, p) for b, p in items if p > 0]
    den = [_power(b, -p) for b, p in items if p < 0]
    if not num and not den:
        return const(c)
    neg = isinstance(c, (int, Fraction, float)) and c < 0
    mag = -c if neg else c
    res: Expr | None = None
    for f in num:
        res = f if res is None else _mk("multiply", res, f)
    d: Expr | None = None
    for f in den:
        d = f if d is None else _mk("multiply", d, f)
    if d is not None:
        res = _mk("true_divide", const(1) if res is None else res, d)
    if mag != 1:  # the numeric coefficient, exact, in front: read back as a coefficient
        res = _mk("multiply", const(mag), res)
    return _mk("negative", res) if neg else res


def simplify(expr: Any) -> Expr:
    """A simplified, canonical form of ``expr`` (deterministic; linear in the DAG size)."""

    e = as_expr(expr)
    outer = _POS.table  # (a nested call, e.g. from a printer, keeps the outer call's table)
    _POS.table = {}
    try:
        return _Simplifier(e).run(e)
    finally:
        _POS.table = outer
