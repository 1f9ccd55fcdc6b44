"""Building and combining matrices: triangles (``tril``, ``triu``), diagonals (``diag``,
``diagflat``), ``vander``, the products ``kron`` and ``cross``, and the index helpers
``tril_indices_from``/``triu_indices_from``/``diag_indices_from`` (which depend on the
shape only).  Masks and scatters of constants, so every derivative comes from the ops."""

from __future__ import annotations

import builtins
import operator
import warnings
from typing import Any

import numpy as np

from ..core.primitive import Tracer
from ..ops._util import as_array, dtype_of, ndim_of, one_axis, shape_of
from ..ops.contract import diagonal
from ..ops.elementwise import astype, multiply_p, negative_p, subtract_p, where_p, zeros_like
from ..ops.indexing import getitem, scatter_add_p
from ..ops.shape import broadcast_arrays, moveaxis, ravel, reshape, stack

__all__ = [
    "cross",
    "diag",
    "diag_indices_from",
    "diagflat",
    "kron",
    "tril",
    "tril_indices_from",
    "triu",
    "triu_indices_from",
    "vander",
]


def _tri_mask(m: Any, k: int, upper: bool) -> np.ndarray:
    s = shape_of(m)
    if upper:
        return ~np.tri(*s[-2:], k=k - 1, dtype=bool)
    return np.tri(*s[-2:], k=k, dtype=bool)


def tril(m: Any, k: int = 0) -> Any:
    """``np.tril`` (a ``where`` with a constant mask)."""
    m = as_array(m)
    return where_p.bind(_tri_mask(m, k, False), m, zeros_like(m, shape=()))


def triu(m: Any, k: int = 0) -> Any:
    """``np.triu`` (a ``where`` with a constant mask)."""
    m = as_array(m)
    return where_p.bind(_tri_mask(m, k, True), m, zeros_like(m, shape=()))


def diag(v: Any, k: int = 0) -> Any:
    """``np.diag``: a 1-D ``v`` becomes a matrix with ``v`` on diagonal ``k`` (a scatter);
    a 2-D ``v`` gives its ``k``-th diagonal (a gather)."""
    v = as_array(v)
    s = shape_of(v)
    k = operator.index(k)
    if len(s) == 1:
        n = s[0] + builtins.abs(k)
        i = np.arange(s[0])
        rows, cols = i + builtins.max(-k, 0), i + builtins.max(k, 0)
        return scatter_add_p.bind(v, idx=(rows, cols), shape=(n, n))
    if len(s) == 2:
        return diagonal(v, k)
    raise ValueError("Input must be 1- or 2-d.")


def diagflat(v: Any, k: int = 0) -> Any:
    """``np.diagflat``."""
    return diag(ravel(as_array(v)), k)


def kron(a: Any, b: Any) -> Any:
    """``np.kron`` as an outer product over interleaved axes, then a reshape."""
    a, b = as_array(a), as_array(b)
    na, nb = ndim_of(a), ndim_of(b)
    if na == 0 or nb == 0:
        return multiply_p.bind(a, b)
    nd = builtins.max(na, nb)
    sa = (1,) * (nd - na) + shape_of(a)
    sb = (1,) * (nd - nb) + shape_of(b)
    a2 = reshape(a, tuple(v for s in sa for v in (s, 1)))
    b2 = reshape(b, tuple(v for s in sb for v in (1, s)))
    return reshape(multiply_p.bind(a2, b2), tuple(x * y for x, y in zip(sa, sb)))


def cross(a: Any, b: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis: int | None = None) -> Any:
    """``np.cross`` for 3- (and deprecated 2-) component vectors along any axes."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = as_array(a), as_array(b)
    if ndim_of(a) < 1 or ndim_of(b) < 1:
        raise ValueError("At least one array has zero dimension")
    a = moveaxis(a, one_axis(axisa, ndim_of(a)), -1)
    b = moveaxis(b, one_axis(axisb, ndim_of(b)), -1)
    da, db = shape_of(a)[-1], shape_of(b)[-1]
    if da not in (2, 3) or db not in (2, 3):
        raise ValueError("incompatible dimensions for cross product\n(dimension must be 2 or 3)")
    if da == 2 or db == 2:
        warnings.warn(
            "Arrays of 2-dimensional vectors are deprecated. Use arrays of "
            "3-dimensional vectors instead. (deprecated in NumPy 2.0)",
            DeprecationWarning,
            stacklevel=2,
        )
    dt = np.promote_types(dtype_of(a), dtype_of(b))
    a, b = astype(a, dt), astype(b, dt)
    a0, a1 = getitem(a, (Ellipsis, 0)), getitem(a, (Ellipsis, 1))
    b0, b1 = getitem(b, (Ellipsis, 0)), getitem(b, (Ellipsis, 1))
    a2 = getitem(a, (Ellipsis, 2)) if da == 3 else None
    b2 = getitem(b, (Ellipsis, 2)) if db == 3 else None
    mul, sub = multiply_p.bind, subtract_p.bind
    c2 = sub(mul(a0, b1), mul(a1, b0))
    if da == 2 and db == 2:
        return c2
    if da == 2:
        c0, c1 = mul(a1, b2), negative_p.bind(mul(a0, b2))
    elif db == 2:
        c0, c1 = negative_p.bind(mul(a2, b1)), mul(a2, b0)
    else:
        c0, c1 = sub(mul(a1, b2), mul(a2, b1)), sub(mul(a2, b0), mul(a0, b2))
    c0, c1, c2 = broadcast_arrays(c0, c1, c2)
    cp = stack([c0, c1, c2], axis=-1)
    return moveaxis(cp, -1, one_axis(axisc, ndim_of(cp)))


def vander(x: Any, N: int | None = None, increasing: bool = False) -> Any:  # noqa: N803  (NumPy's name)
    """``np.vander``: columns are powers of ``x`` (sequential products, as NumPy)."""
    x = as_array(x)
    if ndim_of(x) != 1:
        raise ValueError("x must be a one-dimensional array or sequence.")
    n = shape_of(x)[0]
    N = n if N is None else operator.index(N)
    dt = np.promote_types(dtype_of(x), int)
    cols = []
    if N > 0:
        cols.append(np.ones(n, dtype=dt))
    if N > 1:
        p = astype(x, dt)
        cols.append(p)
        for _ in range(N - 2):
            p = multiply_p.bind(p, x)
            cols.append(astype(p, dt))
    if not increasing:
        cols = cols[::-1]
    if not cols:
        return np.zeros((n, 0), dtype=dt)
    return stack(cols, axis=1)


def _shape_stand_in(a: Any) -> Any:
    return np.broadcast_to(np.zeros((), dtype_of(a)), shape_of(a)) if isinstance(a, Tracer) else a


def tril_indices_from(arr: Any, k: int = 0) -> tuple:
    """``np.tril_indices_from`` (depends on the shape only)."""
    return np.tril_indices_from(_shape_stand_in(arr), k)


def triu_indices_from(arr: Any, k: int = 0) -> tuple:
    """``np.triu_indices_from`` (depends on the shape only)."""
    return np.triu_indices_from(_shape_stand_in(arr), k)


def diag_indices_from(arr: Any) -> tuple:
    """``np.diag_indices_from`` (depends on the shape only)."""
    return np.diag_indices_from(_shape_stand_in(arr))
