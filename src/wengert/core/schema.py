"""Parameter schemas: what a primitive's ``params`` may hold, declared on the primitive.

A schema maps each parameter name to a value type from the small vocabulary below (integers,
booleans, real numbers, dtypes, tuples, fixed string choices, indices, nested graphs).  The
graph loader (``Graph.from_json``) accepts an equation only if its primitive declares a
schema and the equation's params match it exactly: the same names, every value of its type.
A primitive without a declared schema (``param_schema is None``) cannot be loaded from a
file at all.  Schemas are never consulted on the eager or tracing paths.

Declare one with ``declare(prim, axis=tuple_of(INT), keepdims=BOOL)`` right after the
primitive is made; a primitive without params gets ``declare(prim)`` (an empty schema).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import numpy as np

__all__ = [
    "ParamType",
    "INT",
    "NONNEG_INT",
    "BOOL",
    "REAL",
    "DTYPE",
    "NONE",
    "GRAPH",
    "INDEX",
    "EINSUM_SUBSCRIPTS",
    "choice",
    "optional",
    "one_of",
    "tuple_of",
    "declare",
    "check_params",
]

# Dtype kinds a parameter or a loaded value may have: booleans, integers, floats, complex.
NUMERIC_KINDS = "biufc"


class ParamType:
    """One value type of the vocabulary: ``check(v)`` says whether ``v`` is of it."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def check(self, v: Any) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        return self.text


class _Pred(ParamType):
    __slots__ = ("pred",)

    def __init__(self, text: str, pred: Any) -> None:
        super().__init__(text)
        self.pred = pred

    def check(self, v: Any) -> bool:
        return bool(self.pred(v))


def _is_int(v: Any) -> bool:
    return (type(v) is int) or isinstance(v, np.integer)


def _is_real(v: Any) -> bool:
    return type(v) in (int, float) or isinstance(v, (np.integer, np.floating))


def _is_dtype(v: Any) -> bool:
    if isinstance(v, type) and issubclass(v, np.generic):
        v = np.dtype(v)
    return isinstance(v, np.dtype) and v.kind in NUMERIC_KINDS and v.fields is None and v.shape == ()


# The graph type (defined above this layer, in wengert.graph.ir, which registers it): the one
# type of the vocabulary that is not a number, tuple or dtype.
_GRAPH_TYPES: tuple = ()


def register_graph_type(t: type) -> None:
    """Make ``t`` the type of nested graphs (``GRAPH`` params: cond's branches, scan's body)."""
    global _GRAPH_TYPES
    _GRAPH_TYPES = (t,)


def _is_graph(v: Any) -> bool:
    return isinstance(v, _GRAPH_TYPES)


def _is_index_item(v: Any) -> bool:
    if v is None or v is Ellipsis or _is_int(v):
        return True
    if isinstance(v, slice):
        return all(p is None or _is_int(p) for p in (v.start, v.stop, v.step))
    return isinstance(v, np.ndarray) and v.dtype.kind in "biu"


def _is_index(v: Any) -> bool:
    if isinstance(v, tuple):
        return all(_is_index_item(i) for i in v)
    return _is_index_item(v)


_SUBSCRIPTS = re.compile(r"[A-Za-z,.\->]*")

INT = _Pred("int", _is_int)
NONNEG_INT = _Pred("non-negative int", lambda v: _is_int(v) and v >= 0)
BOOL = _Pred("bool", lambda v: type(v) is bool or isinstance(v, np.bool_))
REAL = _Pred("real number", _is_real)
DTYPE = _Pred("numeric dtype", _is_dtype)
NONE = _Pred("None", lambda v: v is None)
GRAPH = _Pred("graph", _is_graph)
INDEX = _Pred(
    "index (ints, slices of ints, None, Ellipsis, integer or boolean arrays, or a tuple of them)",
    _is_index,
)
EINSUM_SUBSCRIPTS = _Pred(
    "einsum subscripts (letters, ',', '.', '->')",
    lambda v: type(v) is str and len(v) <= 1000 and _SUBSCRIPTS.fullmatch(v) is not None,
)


class _Choice(ParamType):
    __slots__ = ("values",)

    def __init__(self, values: tuple) -> None:
        super().__init__("one of " + ", ".join(repr(x) for x in values))
        self.values = values

    def check(self, v: Any) -> bool:
        return any(type(v) is type(x) and v == x for x in self.values)


class _OneOf(ParamType):
    __slots__ = ("types",)

    def __init__(self, types: tuple) -> None:
        super().__init__(" or ".join(t.text for t in types))
        self.types = types

    def check(self, v: Any) -> bool:
        return any(t.check(v) for t in self.types)


class _TupleOf(ParamType):
    __slots__ = ("item", "length")

    def __init__(self, item: ParamType, length: int | None) -> None:
        n = "" if length is None else f"{length} "
        super().__init__(f"tuple of {n}{item.text}")
        self.item = item
        self.length = length

    def check(self, v: Any) -> bool:
        if not isinstance(v, tuple) or (self.length is not None and len(v) != self.length):
            return False
        return all(self.item.check(x) for x in v)


def choice(*values: Any) -> ParamType:
    """Exactly one of these values (strings, numbers, booleans or None), of the same type."""
    return _Choice(tuple(values))


def one_of(*types: ParamType) -> ParamType:
    """A value of any of these types."""
    return _OneOf(tuple(types))


def optional(t: ParamType) -> ParamType:
    """``t`` or None."""
    return _OneOf((t, NONE))


def tuple_of(item: ParamType, length: int | None = None) -> ParamType:
    """A tuple (of exactly ``length`` items, when given) whose items are ``item``."""
    return _TupleOf(item, length)


AXES = tuple_of(INT)  # axis tuples (normalized, non-negative)
SHAPE = tuple_of(INT)


def declare(prim: Any, **fields: ParamType) -> Any:
    """Set ``prim.param_schema`` to ``fields`` (name -> type); returns ``prim``."""
    for k, t in fields.items():
        if not isinstance(t, ParamType):
            raise TypeError(f"declare({prim.name!r}): the type of parameter {k!r} must be a ParamType, got {t!r}")
    prim.param_schema = MappingProxyType(dict(fields))
    return prim


def check_params(prim: Any, params: Mapping[str, Any]) -> str | None:
    """None if ``params`` match ``prim``'s declared schema, else what is wrong (naming the field)."""
    schema = getattr(prim, "param_schema", None)
    if schema is None:
        return f"primitive {prim.name!r} declares no parameter schema, so it cannot be loaded from a file"
    for k in params:
        if k not in schema:
            expected = ", ".join(sorted(schema)) or "none"
            return f"params.{k!r}: {prim.name!r} has no parameter {k!r} (its parameters: {expected})"
    for k, t in schema.items():
        if k not in params:
            return f"params.{k}: missing ({prim.name!r} needs it: {t.text})"
        if not t.check(params[k]):
            return f"params.{k}: expected {t.text}, got a {type(params[k]).__name__}"
    return None
