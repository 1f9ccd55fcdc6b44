"""Complex numbers: ``real``, ``imag``, ``conj``, ``angle``, ``iscomplex``/``isreal`` and
``complex`` (a complex array from its real and imaginary parts), composed of the primitives
``complex``, ``real``, ``imag`` and ``conj``, which are elementwise ops (``ops/elementwise.py``,
beside ``abs`` and ``astype``, whose rules need them).

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

from ..core.primitive import Tracer
from ._util import dtype_of
from .elementwise import (  # noqa: F401  (the primitives are re-exported here)
    _elementwise_batch,
    _im,
    _re,
    arctan2_p,
    broadcast_to_p,
    complex_p,
    conj_p,
    equal,
    imag_p,
    is_complex,
    multiply_p,
    negative_p,
    not_equal,
    ones_like,
    real_p,
    zeros_like,
)

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


def complex(re: Any, im: Any) -> Any:  # noqa: A001
    """The complex array ``re + 1j * im`` from real arrays (broadcast), differentiable in both;
    the dtype is the complex type matching their precision (float32 -> complex64)."""
    for name, v in (("re", re), ("im", im)):
        if is_complex(v):
            raise TypeError(f"complex(re, im): {name} must be real, got dtype {dtype_of(v)}")
    return complex_p.bind(re, im)


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


