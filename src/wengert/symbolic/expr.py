"""Symbolic expressions: a DAG of wengert primitives over scalar symbols.

A symbol is a traced value of one persistent ``SymbolicTrace``: every primitive applied to
it (``x * y``, ``wnp.sin(x)``) records a node instead of computing, and nodes are
hash-consed, so equal subexpressions are one node.  Differentiation runs the very same JVP
rules with these nodes as primal values (see ``diff``), so symbolic and forward-mode AD are
one chain rule over one DAG.  Numeric constants stay exact where they are integers or
rationals (``fractions.Fraction``).
"""

from __future__ import annotations

import math
import weakref
import zlib
from collections.abc import Iterable
from fractions import Fraction
from typing import Any

import numpy as np

from ..core.primitive import Primitive, Trace, Tracer
from ..errors import WengertError

__all__ = ["Expr", "Symbol", "symbols", "const", "SymbolicTrace", "SymbolicError", "as_expr"]


class SymbolicError(WengertError, TypeError):
    """An operation that needs a number was applied to a symbolic expression."""


Number = int | Fraction | float | complex


def _exact(v: Any) -> Number:
    """Normalize a constant: integers stay int; floats equal to an int or a small dyadic
    fraction become exact; NumPy scalars become Python numbers."""
    if isinstance(v, (bool, np.bool_)):
        return int(v)
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, np.ndarray):
        if v.shape != ():
            raise SymbolicError(f"symbolic expressions are scalar; got an array of shape {v.shape}")
        v = v.item()
    if isinstance(v, Fraction):
        return int(v) if v.denominator == 1 else v
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        if math.isfinite(v):
            if v == int(v) and abs(v) < 2**53:
                return int(v)
            f = Fraction(v)
            if f.denominator <= 1024:
                return f
        return v
    if isinstance(v, complex):
        return v
    raise SymbolicError(f"cannot use a value of type {type(v).__name__} in a symbolic expression")


class SymbolicTrace(Trace):
    """The one trace all symbols belong to; it never ends."""

    __slots__ = ()

    def process(self, prim: Primitive, args: Any, params: dict) -> Any:
        if prim.multiple_results:
            raise SymbolicError(f"{prim.name!r} has several results and cannot be used symbolically")
        if prim.name == "stop_gradient":
            return args[0]
        return Expr.make(prim, tuple(as_expr(a) for a in args), params)


_TRACE = SymbolicTrace()
_TRACE.level = 0  # below every transformation: symbols are the bottom-most values
_DUMMY = np.float64(np.nan)


def _params_key(params: dict) -> tuple:
    out = []
    for k in sorted(params):
        v = params[k]
        if isinstance(v, np.dtype) or (isinstance(v, type) and issubclass(v, np.generic)):
            v = ("dtype", np.dtype(v).str)
        out.append((k, v))
    return tuple(out)


class Expr(Tracer):
    """A node of a symbolic expression DAG (hash-consed: equal nodes are identical).

    ``op`` is ``"symbol"``, ``"const"`` or a Primitive; ``args`` are child nodes.
    """

    __slots__ = ("op", "args", "params", "value", "name", "assumptions", "key", "__weakref__")

    _table: weakref.WeakValueDictionary = weakref.WeakValueDictionary()

    def __init__(self) -> None:  # use Expr.make / symbols / const
        raise TypeError("create expressions with wengert.symbolic.symbols(...) and operators")

    @classmethod
    def _new(cls, op: Any, args: tuple, params: tuple, value: Any, name: str | None, assumptions: frozenset, key: int) -> Expr:
        e = object.__new__(cls)
        e._trace = _TRACE
        e.op = op
        e.args = args
        e.params = params
        e.value = value
        e.name = name
        e.assumptions = assumptions
        e.key = key
        return e

    @classmethod
    def make(cls, prim: Primitive, args: tuple, params: dict) -> Expr:
        pk = _params_key(params)
        ident = (prim.name, tuple(id(a) for a in args), pk)
        try:
            hit = cls._table.get(ident)
        except TypeError:
            raise SymbolicError(
                f"{prim.name!r} with parameters {params!r} cannot be used on scalar symbolic expressions"
            ) from None
        if hit is not None:
            return hit
        key = zlib.crc32(repr((prim.name, tuple(a.key for a in args), pk)).encode())
        e = cls._new(prim, args, pk, None, None, frozenset(), key)
        cls._table[ident] = e
        return e

    # -- tracer protocol ------------------------------------------------------------------
    @property
    def primal(self) -> Any:
        if self.op == "const":
            v = self.value
            return np.float64(float(v)) if not isinstance(v, complex) else np.complex128(v)
        if not isinstance(self.op, str) and self.op.boolean:
            return np.bool_(False)
        return _DUMMY

    @property
    def shape(self) -> tuple:  # type: ignore[override]
        return ()

    @property
    def dtype(self) -> np.dtype:  # type: ignore[override]
        if not isinstance(self.op, str) and self.op.boolean:
            return np.dtype(bool)
        if self.op == "const" and isinstance(self.value, complex):
            return np.dtype(complex)
        return np.dtype(np.float64)

    def __bool__(self) -> bool:
        if self.op == "const":
            return bool(self.value)
        raise SymbolicError(
            f"the truth value of the symbolic expression {self} is unknown; compare numbers after "
            "evaluate(...), or use wengert.numpy.where for a piecewise expression"
        )

    def __float__(self) -> float:
        if self.op == "const":
            return float(self.value)
        raise SymbolicError(f"float() of the symbolic expression {self}; use evaluate(expr, values)")

    def __int__(self) -> int:
        if self.op == "const":
            return int(self.value)
        raise SymbolicError(f"int() of the symbolic expression {self}")

    def __index__(self) -> int:
        return self.__int__()

    # -- display ----------------------------------------------------------------------------
    def __str__(self) -> str:
        from .printing import to_str  # (convenience: delegates to a layer above)

        return to_str(self)

    def __repr__(self) -> str:
        return str(self)

    def _repr_latex_(self) -> str:
        from .printing import latex  # (convenience: delegates to a layer above)

        return f"${latex(self)}$"

    # -- queries ----------------------------------------------------------------------------
    @property
    def is_symbol(self) -> bool:
        return self.op == "symbol"

    @property
    def is_const(self) -> bool:
        return self.op == "const"

    @property
    def opname(self) -> str:
        return self.op if isinstance(self.op, str) else self.op.name

    @property
    def free_symbols(self) -> set[Expr]:
        out: set[Expr] = set()
        for n in walk(self):
            if n.op == "symbol":
                out.add(n)
        return out


class Symbol(Expr):
    """A scalar symbol (real by default).  ``positive=True`` lets simplification use x > 0."""

    __slots__ = ()


def symbols(names: str | Iterable[str], positive: bool = False, nonzero: bool = False) -> Any:
    """``x, y = symbols("x y")`` (also comma-separated or an iterable of names); a single
    name gives one symbol.  Symbols with the same name and assumptions are the same."""
    if isinstance(names, str):
        parts = [p for p in names.replace(",", " ").split() if p]
    else:
        parts = list(names)
    if not parts:
        raise ValueError("symbols: give at least one name")
    out = []
    assume = frozenset(a for a, on in (("positive", positive), ("nonzero", nonzero or positive)) if on)
    for n in parts:
        if not isinstance(n, str) or not n.isidentifier():
            raise ValueError(f"symbols: {n!r} is not a valid name (letters, digits, underscores)")
        ident = ("symbol", n, assume)
        hit = Expr._table.get(ident)
        if hit is None:
            key = zlib.crc32(repr(("symbol", n)).encode())
            hit = Symbol._new("symbol", (), (), None, n, assume, key)
            _SYMBOLS[ident] = hit  # symbols live as long as the program (names are few)
            Expr._table[ident] = hit
        out.append(hit)
    return out[0] if len(out) == 1 else tuple(out)


_SYMBOLS: dict = {}


def const(v: Any) -> Expr:
    """A constant node (exact for integers and rationals)."""
    v = _exact(v)
    ident = ("const", type(v).__name__, v)
    hit = Expr._table.get(ident)
    if hit is None:
        # hex: no digit limit for huge integers (Python's str refuses over 4300 digits)
        if isinstance(v, int):
            text = hex(v)
        elif isinstance(v, Fraction):
            text = f"{hex(v.numerator)}/{hex(v.denominator)}"
        else:
            text = str(v)
        key = zlib.crc32(repr(("const", type(v).__name__, text)).encode())
        hit = Expr._new("const", (), (), v, None, frozenset(), key)
        Expr._table[ident] = hit
    return hit


def as_expr(a: Any) -> Expr:
    if isinstance(a, Expr):
        return a
    if isinstance(a, Tracer):
        raise SymbolicError(
            f"a {type(a).__name__} (a value being differentiated numerically) was combined with a "
            "symbolic expression; use wengert.symbolic.diff for symbolic derivatives"
        )
    return const(a)


def walk(root: Expr) -> list[Expr]:
    """Nodes of the DAG below ``root`` (each once), children before parents (iterative)."""
    seen: set[int] = set()
    order: list[Expr] = []
    stack: list[tuple[Expr, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for a in reversed(node.args):
            if id(a) not in seen:
                stack.append((a, False))
    return order
