"""Small helpers shared by the op families: axis normalisation and dtype of a value."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.primitive import Tracer


def shape_of(x: Any) -> tuple[int, ...]:
    """Shape of an array, scalar or tracer."""
    s = getattr(x, "shape", None)
    return s if s is not None else np.shape(x)


def ndim_of(x: Any) -> int:
    return len(shape_of(x))


def dtype_of(x: Any) -> np.dtype:
    """dtype of an array, NumPy scalar or tracer; Python scalars map to NumPy's defaults."""
    d = getattr(x, "dtype", None)
    if d is not None:
        return d
    if x.__class__ in (list, tuple):  # an array-like (np.result_type would read a dtype spec)
        return np.asarray(x).dtype
    return np.result_type(x)


def is_traced(x: Any) -> bool:
    return isinstance(x, Tracer)


def normalize_axis(axis: Any, ndim: int, name: str = "axis") -> tuple[int, ...]:
    """``axis`` (None, int or sequence) as a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, np.integer)):
        axis = (int(axis),)
    out = []
    for a in axis:
        if not isinstance(a, (int, np.integer)):
            raise TypeError(f"{name} must be an int or a tuple of ints, got {a!r}")
        a = int(a)
        if not -ndim <= a < max(ndim, 1):
            raise np.exceptions.AxisError(a, ndim)
        out.append(a % ndim if ndim else 0)
    if len(set(out)) != len(out):
        raise ValueError(f"repeated axis in {name}: {axis!r}")
    return tuple(sorted(out))


def one_axis(axis: Any, ndim: int) -> int:
    """A single axis, made non-negative."""
    if not isinstance(axis, (int, np.integer)):
        raise TypeError(f"axis must be an int, got {axis!r}")
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(int(axis), ndim)
    return int(axis) % ndim


def any_traced(*xs: Any) -> bool:
    """Whether any of ``xs`` is a tracer."""
    return any(isinstance(x, Tracer) for x in xs)


def as_array(x: Any) -> Any:
    """Tracers pass through; anything else becomes a NumPy array (lists, scalars)."""
    return x if isinstance(x, Tracer) else np.asarray(x)


def is_inexact(x: Any) -> bool:
    """Whether ``x`` has a floating or complex dtype."""
    return np.issubdtype(dtype_of(x), np.inexact)


def kw_default(v: Any, default: Any) -> Any:
    """``default`` where a keyword was left at NumPy's ``np._NoValue``."""
    return default if v is np._NoValue else v


def index_along(axis: int, nd: int, idx: Any) -> tuple:
    """The index that applies ``idx`` to axis ``axis`` of an ``nd``-dimensional array."""
    return (slice(None),) * axis + (idx,) + (slice(None),) * (nd - axis - 1)


# --------------------------------------------------------------------------- NumPy source formats
# ``Primitive.describe(source=...)`` hooks: ``source(args, params, em)`` returns the NumPy
# source of one call (``args`` are operand texts; ``em.literal(v)`` writes a parameter value,
# ``em.index(idx)`` an index, ``em.fast`` asks for the compiled spelling, ``em.eqn`` is the
# equation) or None for the generic call of the impl.


def reduction_source(np_name: str, fast_ufunc: str | None = None) -> Any:
    """``np.sum(x, axis=..., keepdims=True)``; with ``fast_ufunc`` the compiled form calls the
    ufunc's reduce directly on float arrays (np.sum's Python wrapper costs microseconds)."""

    def source(args: list, params: dict, em: Any) -> str | None:
        if len(args) != 1 or set(params) != {"axis", "keepdims"} or not isinstance(params["keepdims"], (bool, np.bool_)):
            return None
        kd = ", keepdims=True" if params["keepdims"] else ""
        e = em.eqn
        if fast_ufunc is not None and em.fast and e.outputs[0].dtype.kind in "fc" and e.inputs[0].shape:
            return f"{fast_ufunc}.reduce({args[0]}, axis={em.literal(params['axis'])}{kd})"
        return f"{np_name}({args[0]}, axis={em.literal(params['axis'])}{kd})"

    return source


def keyword_source(np_name: str, *names: str, positional: bool = True) -> Any:
    """``np_name(x, v1, v2)`` when the params are exactly ``names`` (in that order; as
    keywords with ``positional=False``)."""

    def source(args: list, params: dict, em: Any) -> str | None:
        if set(params) != set(names):
            return None
        vals = [em.literal(params[k]) if positional else f"{k}={em.literal(params[k])}" for k in names]
        return f"{np_name}({', '.join([*args, *vals])})"

    return source


# --------------------------------------------------------------------------- constants


def _lower(x: Any) -> Any:
    return x.full_lower() if isinstance(x, Tracer) else x


def zeros_like(x: Any, dtype: Any = None, shape: Any = None) -> Any:
    """A constant array of zeros (never traced)."""
    return np.zeros_like(_lower(x), dtype=dtype or dtype_of(x), shape=shape_of(x) if shape is None else shape)


def ones_like(x: Any, dtype: Any = None, shape: Any = None) -> Any:
    """A constant array of ones (never traced)."""
    return np.ones_like(_lower(x), dtype=dtype or dtype_of(x), shape=shape_of(x) if shape is None else shape)
