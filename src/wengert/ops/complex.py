"""Complex numbers: ``real``, ``imag``, ``conj``, ``angle`` and ``complex`` (a complex array
from its real and imaginary parts).

The convention is JAX's (docs/complex.md).  The JVP of an op is its derivative as an
R-linear map of the tangent (complex tangents for complex values).  The VJP is the
*transpose* of that map for the bilinear pairing ``<u, v> = Re(sum(u * v))`` -- not the
conjugate transpose -- so for a holomorphic ``f`` it is ``ct * f'(z)``, ``conj``'s VJP is
``conj(ct)``, ``real``'s is ``ct + 0j`` and ``imag``'s is ``-1j * ct``.

A value with a real dtype may receive a complex cotangent (its consumers are complex, as in
``x * 1j``): only its real part is meaningful.  Real-to-real rules are linear with real
coefficients, so the imaginary part never mixes in; the rules of ops with a real output and
complex input (``real``, ``imag``, ``abs``, ``astype``, ``irfft``) take the real part of the
cotangent first, and gradients of real inputs are real.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..core.primitive import Primitive, Tracer
from ..core.schema import declare
from ._util import dtype_of, shape_of
from .elementwise import (
    _elementwise_batch,
    arctan2_p,
    broadcast_to_p,
    equal,
    multiply_p,
    negative_p,
    not_equal,
    ones_like,
    zeros_like,
)
from .shape import unbroadcast

__all__ = [
    "real",
    "imag",
    "conj",
    "conjugate",
    "angle",
    "complex",
    "iscomplex",
    "isreal",
    "real_p",
    "imag_p",
    "conj_p",
    "complex_p",
]


def is_complex(x: Any) -> bool:
    """Has ``x`` a complex dtype?"""
    return dtype_of(x).kind == "c"


def _re(x: Any) -> Any:
    """Real part of a cotangent or tangent (itself when already real)."""
    return real_p.bind(x) if is_complex(x) else x


def _im(x: Any) -> Any:
    return imag_p.bind(x) if is_complex(x) else zeros_like(x)


# --------------------------------------------------------------------------- complex(re, im)


def _complex_impl(re: Any, im: Any) -> Any:
    # Not ``re + 1j * im``: 1j * inf would put a NaN in the real part.
    dt = np.result_type(re, im, np.complex64)
    shape = np.broadcast_shapes(np.shape(re), np.shape(im))
    out = np.empty_like(re if hasattr(re, "shape") else im, dtype=dt, shape=shape)
    out.real = re
    out.imag = im
    return out


complex_p = Primitive("complex", _complex_impl)
complex_p.defvjp(
    lambda ct, ans, re, im: unbroadcast(_re(ct), re),
    lambda ct, ans, re, im: unbroadcast(negative_p.bind(_im(ct)), im),
    save="shapes",
)


def _complex_jvp(ts: tuple, ans: Any, re: Any, im: Any) -> Any:
    out = complex_p.bind(_re(ts[0]) if ts[0] is not None else 0.0, _re(ts[1]) if ts[1] is not None else 0.0)
    if shape_of(out) != shape_of(ans):
        out = broadcast_to_p.bind(out, shape=shape_of(ans))
    return out


complex_p.defjvp(_complex_jvp)

complex_p.batch = _elementwise_batch(complex_p)


def complex(re: Any, im: Any) -> Any:  # noqa: A001
    """The complex array ``re + 1j * im`` from real arrays (broadcast), differentiable in both;
    the dtype is the complex type matching their precision (float32 -> complex64)."""
    for name, v in (("re", re), ("im", im)):
        if is_complex(v):
            raise TypeError(f"complex(re, im): {name} must be real, got dtype {dtype_of(v)}")
    return complex_p.bind(re, im)


# --------------------------------------------------------------------------- real / imag / conj


real_p = Primitive("real", np.real)
real_p.defvjp(lambda ct, ans: complex_p.bind(_re(ct), 0.0), save="none")
real_p.defjvp(lambda ts, ans, x: _re(ts[0]))

imag_p = Primitive("imag", np.imag)
imag_p.defvjp(lambda ct, ans: complex_p.bind(0.0, negative_p.bind(_re(ct))), save="none")
imag_p.defjvp(lambda ts, ans, x: _im(ts[0]))

conj_p = Primitive("conj", np.conjugate)
conj_p.defvjp(lambda ct, ans: conj_p.bind(ct) if is_complex(ct) else ct, save="none")
conj_p.defjvp(lambda ts, ans, x: conj_p.bind(ts[0]) if is_complex(ts[0]) else ts[0])

for _p in (real_p, imag_p, conj_p):
    _p.batch = (lambda p: lambda vals, b, size: p.bind(vals[0]))(_p)


def real(x: Any) -> Any:
    """``np.real``: the real part (a real input is returned as it is)."""
    if not isinstance(x, Tracer):
        return np.real(x)
    return real_p.bind(x) if is_complex(x) else x


def imag(x: Any) -> Any:
    """``np.imag``: the imaginary part (zeros, a constant, for a real input)."""
    if not isinstance(x, Tracer):
        return np.imag(x)
    return imag_p.bind(x) if is_complex(x) else zeros_like(x)


def conj(x: Any, **kw: Any) -> Any:
    """``np.conjugate`` (a real input is returned as it is)."""
    if kw.get("out") is not None:
        raise TypeError("conj: out= is not supported (arrays being differentiated are immutable)")
    if not isinstance(x, Tracer):
        return np.conjugate(x)
    return conj_p.bind(x) if is_complex(x) else x


conjugate = conj

_DEG = 180.0 / math.pi


def angle(z: Any, deg: bool = False) -> Any:
    """``np.angle``: ``arctan2(imag(z), real(z))``, as NumPy computes it (so its derivative is
    ``-1j * ct / z`` for complex ``z``, NaN at 0, and zero for real ``z``)."""
    if not isinstance(z, Tracer):
        return np.angle(z, deg=deg)
    if is_complex(z):
        a = arctan2_p.bind(imag_p.bind(z), real_p.bind(z))
    else:
        a = arctan2_p.bind(0.0, z)
    return multiply_p.bind(a, _DEG) if deg else a


def iscomplex(x: Any) -> Any:
    """``np.iscomplex`` (elementwise ``imag(x) != 0``; not differentiable)."""
    if not isinstance(x, Tracer):
        return np.iscomplex(x)
    return not_equal(imag_p.bind(x), 0) if is_complex(x) else zeros_like(x, dtype=bool)


def isreal(x: Any) -> Any:
    """``np.isreal`` (elementwise ``imag(x) == 0``; not differentiable)."""
    if not isinstance(x, Tracer):
        return np.isreal(x)
    return equal(imag_p.bind(x), 0) if is_complex(x) else ones_like(x, dtype=bool)


# --------------------------------------------------------------------------- parameter schemas
# (names and value types of each primitive's params: a loaded graph is checked against them)

for _p in (complex_p, real_p, imag_p, conj_p):
    declare(_p)
