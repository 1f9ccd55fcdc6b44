"""Helpers shared by the topic modules of the NumPy facade: the concrete value below eager
traces (for choices that depend on values) and gathers that move elements around."""

from __future__ import annotations

import functools
import types
from typing import Any

import numpy as np

from ..core.forward import JVPTracer
from ..core.primitive import Tracer
from ..core.reverse import ReverseTracer
from ..ops._util import shape_of
from ..ops.indexing import getitem
from ..ops.shape import ravel

__all__: list[str] = []


def _concrete(name: str, x: Any, required: bool = True) -> Any:
    """The value below eager traces (reverse and forward mode), for choices that depend on
    values (result shapes, argument checks).  Under ``vmap`` or graph tracing there is no
    single value: an error when ``required``, else ``None``."""
    v = x
    while isinstance(v, Tracer):
        if not isinstance(v, (ReverseTracer, JVPTracer)):
            if not required:
                return None
            hint = "; use wengert.numpy.where instead" if name in ("extract", "compress") else ""
            raise TypeError(
                f"{name}: the result's shape depends on the values, which are not known here "
                f"(batched by vmap or traced into a graph){hint}"
            )
        v = v.primal
    return np.asarray(v)


def _concrete_values(name: str, x: Any) -> np.ndarray:
    return _concrete(name, x)


def _rearrange(x: Any, fn: Any) -> Any:
    """``fn`` applied to the positions of ``x``'s elements, then a gather: exact for NumPy
    functions that only move elements around (pad's edge/wrap/reflect modes, insert, ...)."""
    xs = shape_of(x)
    size = 1
    for v in xs:
        size *= v
    labels = fn(np.arange(size, dtype=np.intp).reshape(xs))
    return getitem(ravel(x), labels)


# ----------------------------------------------------------------------------- array-likes
# NumPy accepts nested lists and tuples wherever it takes an array; so does wengert.numpy,
# also when they hold traced values (``wnp.mean([x, x + 2])``, ``wnp.append(v, [v, 1.0])``):
# such a list is stacked (with wengert's differentiable stack) before the function runs.

# Functions whose list arguments are sequences of separate arrays, not one array.
SEQUENCE_ARGUMENTS = frozenset(
    "concatenate concat stack hstack vstack dstack column_stack row_stack block broadcast_arrays "
    "meshgrid choose select piecewise lexsort einsum ix_ atleast_1d atleast_2d atleast_3d "
    "apply_along_axis apply_over_axes vectorize unstack split array_split hsplit vsplit dsplit "
    "multi_dot tensordot".split()
)


def _has_tracer(x: Any) -> bool:
    if isinstance(x, Tracer):
        return True
    if x.__class__ in (list, tuple):
        return any(_has_tracer(v) for v in x)
    return False


def stack_array_like(x: Any) -> Any:
    """A (nested) list or tuple holding traced values as one traced array; anything else
    unchanged."""
    if x.__class__ in (list, tuple) and _has_tracer(x):
        return np.stack([stack_array_like(v) for v in x]) if x else x
    return x


def accepting_lists(f: Any) -> Any:
    """``f`` with every positional argument that is a list or tuple holding traced values
    stacked into one array first (checked per call; plain arguments cost one class test)."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        for a in args:
            if a.__class__ in (list, tuple) and _has_tracer(a):
                args = tuple(stack_array_like(v) for v in args)
                break
        return f(*args, **kwargs)

    wrapper.__wengert_accepts_lists__ = True  # type: ignore[attr-defined]
    return wrapper


def wrap_namespace(namespace: dict, names: Any) -> None:
    """Make the plain Python functions among ``names`` in ``namespace`` accept lists of traced
    values (primitives' bind methods and sequence-taking functions are left as they are)."""
    for name in names:
        f = namespace.get(name)
        if (
            isinstance(f, types.FunctionType)
            and (f.__module__ or "").startswith("wengert.")  # NumPy's own functions pass through
            and name not in SEQUENCE_ARGUMENTS
            and not getattr(f, "__wengert_accepts_lists__", False)
        ):
            namespace[name] = accepting_lists(f)
