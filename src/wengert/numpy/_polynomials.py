"""Polynomials as coefficient arrays (highest power first, as NumPy's ``poly*``
functions): ``polyval``, ``polyadd``, ``polysub``, ``polymul``, ``polyder``, ``polyint``,
``poly`` and ``polydiv``; differentiable in the coefficients (and ``polyint``'s traced
integration constants)."""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from ..ops._util import as_array, dtype_of, is_inexact, ndim_of, shape_of
from ..ops.elementwise import add_p, astype, multiply_p, negative_p, subtract_p, true_divide_p, zeros_like
from ..ops.indexing import getitem
from ..ops.shape import broadcast_to, concatenate, reshape, stack
from ._common import _concrete_values
from ._convolution import convolve

__all__ = ["poly", "polyadd", "polyder", "polydiv", "polyint", "polymul", "polysub", "polyval"]


def _poly_coeffs(p: Any) -> Any:
    if isinstance(p, np.poly1d):
        return p.coeffs
    return as_array(p)


def polyval(p: Any, x: Any) -> Any:
    """``np.polyval`` by Horner's rule (the same operations as NumPy)."""
    p = _poly_coeffs(p)
    x = as_array(x)
    y = zeros_like(x)
    for i in range(shape_of(p)[0]):
        y = add_p.bind(multiply_p.bind(y, x), getitem(p, i))
    return y


def _poly_pair(a1: Any, a2: Any, op: Any) -> Any:
    a1 = _poly_coeffs(a1)
    a2 = _poly_coeffs(a2)
    a1 = a1 if ndim_of(a1) else reshape(a1, (1,))
    a2 = a2 if ndim_of(a2) else reshape(a2, (1,))
    d = shape_of(a2)[0] - shape_of(a1)[0]
    if d > 0:
        a1 = concatenate([np.zeros(d, dtype=dtype_of(a1)), a1])
    elif d < 0:
        a2 = concatenate([np.zeros(-d, dtype=dtype_of(a2)), a2])
    return op(a1, a2)


def polyadd(a1: Any, a2: Any) -> Any:
    """``np.polyadd`` (coefficient arrays)."""
    return _poly_pair(a1, a2, add_p.bind)


def polysub(a1: Any, a2: Any) -> Any:
    """``np.polysub`` (coefficient arrays)."""
    return _poly_pair(a1, a2, subtract_p.bind)


def polymul(a1: Any, a2: Any) -> Any:
    """``np.polymul``: the convolution of the coefficients."""
    a1, a2 = _poly_coeffs(a1), _poly_coeffs(a2)
    a1 = a1 if ndim_of(a1) else reshape(a1, (1,))
    a2 = a2 if ndim_of(a2) else reshape(a2, (1,))
    return convolve(a1, a2)


def polyder(p: Any, m: int = 1) -> Any:
    """``np.polyder`` (coefficient arrays)."""
    m = operator.index(m)
    if m < 0:
        raise ValueError("Order of derivative must be positive (see polyint)")
    p = _poly_coeffs(p)
    for _ in range(m):
        n = shape_of(p)[0] - 1
        p = multiply_p.bind(getitem(p, slice(None, -1)), np.arange(n, 0, -1))
    return p


def polyint(p: Any, m: int = 1, k: Any = None) -> Any:
    """``np.polyint`` (coefficient arrays); the constants ``k`` may be traced."""
    m = operator.index(m)
    if m < 0:
        raise ValueError("Order of integral must be positive (see polyder)")
    if k is None:
        k = np.zeros(m, float)
    k = as_array(k)
    if ndim_of(k) == 0:
        k = reshape(k, (1,))
    if shape_of(k)[0] == 1 and m > 1:
        k = broadcast_to(astype(getitem(k, slice(0, 1)), np.result_type(dtype_of(k), float)), (m,))
    if shape_of(k)[0] < m:
        raise ValueError("k must be a scalar or a rank-1 array of length 1 or >m.")
    p = _poly_coeffs(p)
    for i in range(m):
        n = shape_of(p)[0]
        p = concatenate([true_divide_p.bind(p, np.arange(n, 0, -1)), reshape(getitem(k, i), (1,))])
    return p


def poly(seq_of_zeros: Any) -> Any:
    """``np.poly`` for a 1-D sequence of real roots: repeated convolution with ``[1, -z]``."""
    z = as_array(seq_of_zeros)
    if ndim_of(z) != 1:
        raise TypeError("poly: only a 1-D sequence of roots is supported on traced values")
    if np.issubdtype(dtype_of(z), np.complexfloating):
        raise TypeError("poly: complex roots are not supported on traced values")
    dt = np.result_type(dtype_of(z), np.float64) if not is_inexact(z) else dtype_of(z)
    a = np.ones(1, dtype=dt)
    for i in range(shape_of(z)[0]):
        a = convolve(a, stack([np.ones((), dt), negative_p.bind(astype(getitem(z, i), dt))]))
    return a


def polydiv(u: Any, v: Any) -> tuple:
    """``np.polydiv``: quotient and remainder by long division (differentiable)."""
    u, v = _poly_coeffs(u), _poly_coeffs(v)
    u = u if ndim_of(u) else reshape(u, (1,))
    v = v if ndim_of(v) else reshape(v, (1,))
    dt = np.result_type(dtype_of(u), dtype_of(v), 0.0)  # NumPy's ``+ 0.0``: float32 stays
    u, v = astype(u, dt), astype(v, dt)
    m, n = shape_of(u)[0] - 1, shape_of(v)[0] - 1
    scale = true_divide_p.bind(1.0, getitem(v, 0))
    q = []
    r = u
    for k in range(0, m - n + 1):
        d = multiply_p.bind(scale, getitem(r, k))
        q.append(d)
        seg = subtract_p.bind(getitem(r, slice(k, k + n + 1)), multiply_p.bind(d, v))
        r = concatenate([p for p in (getitem(r, slice(0, k)), seg, getitem(r, slice(k + n + 1, None))) if shape_of(p)[0]])
    q = stack(q) if q else np.zeros(1, dt)
    rv = _concrete_values("polydiv", r)
    start = 0
    while start < rv.shape[-1] - 1 and np.allclose(rv[start], 0, rtol=1e-14):
        start += 1
    return q, getitem(r, slice(start, None))
