"""Floating-point ufuncs beyond arithmetic (and ``sinc``): degree/radian conversion, ``fabs``,
``copysign``, ``fmod``, ``ldexp``/``frexp``/``modf``/``divmod``, the zero-derivative ones
(``heaviside``, ``nextafter``, ``spacing``) and the gufuncs ``vecdot``/``matvec``/``vecmat``.

Conventions (see docs/conventions.md):
- ``copysign(x, y)``: d/dx is +-1 (the sign flip applied to ``x``); ``y`` only supplies a
  sign, so its derivative is zero.
- ``fmod(x, y) = x - n*y`` with the integer ``n = trunc(x/y)`` held fixed: d/dx = 1,
  d/dy = -n (like ``remainder``).
- ``ldexp(x, n)``, ``frexp``: the exponent is an integer (never differentiated); the mantissa
  ``m = ldexp(x, -e)`` has derivative ``2**-e``, applied exactly by ``ldexp``.
- ``modf``: the fractional part has derivative 1, the integral part 0.
- ``nextafter(x, y)`` is ``x`` moved by one ulp: derivative 1 in ``x``, 0 in ``y``.
- ``heaviside`` and ``spacing`` are piecewise constant: zero derivative.
- ``sinc`` is smooth everywhere, including x = 0 (derivatives of every order are exact
  there: a Taylor polynomial is used for |x| < 1/4).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..core.primitive import Primitive, Tracer
from ..core.schema import declare
from ._util import dtype_of, shape_of
from .complex import conj
from .contract import einsum
from .elementwise import (
    _elementwise_batch,
    abs_p,
    add_p,
    cos_p,
    defpartials,
    floor_divide_p,
    less,
    multiply_p,
    negative_p,
    remainder_p,
    rint_p,
    sign_p,
    subtract_p,
    true_divide_p,
    trunc_p,
    where_p,
)
from .shape import broadcast_to_p, expand_dims, moveaxis, unbroadcast

__all__ = [
    "deg2rad",
    "rad2deg",
    "fabs",
    "copysign",
    "fmod",
    "ldexp",
    "frexp",
    "modf",
    "divmod",
    "heaviside",
    "nextafter",
    "spacing",
    "sinc",
    "vecdot",
    "matvec",
    "vecmat",
]



def _batched(p: Primitive) -> Primitive:
    """An elementwise primitive: its batching rule, and its NumPy spelling when its impl is
    a ufunc (the code generator writes ``np.fmod(a, b)``)."""
    p.batch = _elementwise_batch(p)
    declare(p)  # no params
    if isinstance(p.impl, np.ufunc):
        return p.describe(elementwise=True, math=p.name, numpy=f"np.{p.impl.__name__}", nargs=p.impl.nin, fresh=True)
    return p.describe(elementwise=True, math=p.name)


# --------------------------------------------------------------------------- linear scalings

deg2rad_p = _batched(Primitive("deg2rad", np.deg2rad))
rad2deg_p = _batched(Primitive("rad2deg", np.rad2deg))
for _p in (deg2rad_p, rad2deg_p):
    # Linear: the rule is the op itself (NumPy's own constant, so values match exactly).
    _p.defvjp((lambda q: lambda ct, ans: q.bind(ct))(_p), save="none")
    _p.defjvp((lambda q: lambda ts, ans, x: q.bind(ts[0]))(_p))

# --------------------------------------------------------------------------- sign handling

fabs_p = _batched(Primitive("fabs", np.fabs))
defpartials(fabs_p, lambda ans, x: sign_p.bind(x))

copysign_p = _batched(Primitive("copysign", np.copysign))
# +1 where x already has y's sign bit, -1 where copysign flips it (zeros included).
# (a one of ans's dtype: NumPy's copysign(1.0, 0.5) is a float64 scalar, which would promote)


def _copysign_dx(ans: Any, x: Any, y: Any) -> Any:
    one = np.ones((), dtype_of(ans))
    return multiply_p.bind(copysign_p.bind(one, x), copysign_p.bind(one, y))


defpartials(copysign_p, _copysign_dx, None)

# --------------------------------------------------------------------------- fmod


def _fmod_dy(ans: Any, x: Any, y: Any) -> Any:
    # n = (x - fmod(x, y)) / y is an integer; rint removes the rounding of the division.
    return negative_p.bind(rint_p.bind(true_divide_p.bind(subtract_p.bind(x, ans), y)))


fmod_p = _batched(Primitive("fmod", np.fmod))
defpartials(fmod_p, lambda ans, x, y: 1.0, _fmod_dy, save="both")

# --------------------------------------------------------------------------- ldexp / frexp / modf

ldexp_p = _batched(Primitive("ldexp", np.ldexp))


def _ldexp_vjp(ct: Any, ans: Any, x: Any, n: Any) -> Any:
    return unbroadcast(ldexp_p.bind(ct, n), shape_of(x))


def _ldexp_jvp(ts: tuple, ans: Any, x: Any, n: Any) -> Any:
    if ts[0] is None:
        return None
    out = ldexp_p.bind(ts[0], n)
    return out if shape_of(out) == shape_of(ans) else broadcast_to_p.bind(out, shape=shape_of(ans))


ldexp_p.defvjp(_ldexp_vjp, None, save="args")
ldexp_p.defjvp(_ldexp_jvp)
ldexp_p.partials = (lambda ans, x, n: ldexp_p.bind(1.0, n), None)

frexp_exponent_p = _batched(Primitive("frexp_exponent", lambda x: np.frexp(x)[1], nondiff=True))


def frexp(x: Any) -> tuple:
    """``np.frexp``: ``(mantissa, exponent)``; the mantissa ``ldexp(x, -e)`` is differentiable."""
    e = frexp_exponent_p.bind(x)
    return ldexp_p.bind(x, negative_p.bind(e)), e


modf_fractional_p = _batched(Primitive("modf_fractional", lambda x: np.modf(x)[0]))
modf_fractional_p.defvjp(lambda ct, ans: ct, save="none")
modf_fractional_p.defjvp(lambda ts, ans, x: ts[0])
modf_fractional_p.partials = (lambda ans, x: 1.0,)


def modf(x: Any) -> tuple:
    """``np.modf``: ``(fractional, integral)``; the fractional part has derivative 1."""
    return modf_fractional_p.bind(x), trunc_p.bind(x)


def divmod(x: Any, y: Any) -> tuple:  # noqa: A001
    """``np.divmod``: ``(floor_divide(x, y), remainder(x, y))``."""
    return floor_divide_p.bind(x, y), remainder_p.bind(x, y)


def ldexp(x: Any, n: Any) -> Any:
    """``np.ldexp(x, n) = x * 2**n`` (``n`` an integer array, not differentiated)."""
    return ldexp_p.bind(x, n)


# --------------------------------------------------------------------------- piecewise constant

heaviside_p = _batched(Primitive("heaviside", np.heaviside, nondiff=True))
spacing_p = _batched(Primitive("spacing", np.spacing, nondiff=True))

nextafter_p = _batched(Primitive("nextafter", np.nextafter))
defpartials(nextafter_p, lambda ans, x, y: 1.0, None)

# --------------------------------------------------------------------------- sinc

# sinc(x) = sum_k c_k x^(2k) with c_k = (-1)^k pi^(2k) / (2k+1)!; ten terms reach machine
# precision for |x| < 1/4 (the next term is below 1e-22 there).
_SINC_SMALL = 0.25
_SINC_C = [(-1) ** k * math.pi ** (2 * k) / math.factorial(2 * k + 1) for k in range(10)]


def _horner(u: Any, coeffs: list) -> Any:
    acc = coeffs[-1]
    for c in reversed(coeffs[:-1]):
        acc = add_p.bind(multiply_p.bind(acc, u), c)
    return acc


def _dsinc(x: Any) -> Any:
    """d sinc / dx, written in wengert ops so that it differentiates again at every order:
    the derivative of the Taylor polynomial near 0 and (cos(pi x) - sinc(x)) / x elsewhere."""
    small = less(abs_p.bind(x), _SINC_SMALL)
    u = multiply_p.bind(x, x)
    near = multiply_p.bind(x, _horner(u, [2.0 * k * c for k, c in enumerate(_SINC_C)][1:]))
    xs = where_p.bind(small, 1.0, x)  # keeps the unused branch finite (and its derivatives)
    far = true_divide_p.bind(subtract_p.bind(cos_p.bind(multiply_p.bind(xs, math.pi)), sinc_p.bind(xs)), xs)
    return where_p.bind(small, near, far)


sinc_p = _batched(Primitive("sinc", np.sinc))
defpartials(sinc_p, lambda ans, x: _dsinc(x))


def sinc(x: Any) -> Any:
    """``np.sinc(x) = sin(pi x) / (pi x)``, smooth at 0 to every order."""
    return sinc_p.bind(x)


# --------------------------------------------------------------------------- gufuncs


def _asarray(x: Any) -> Any:
    return x if isinstance(x, Tracer) else np.asarray(x)


def _conj_if_complex(x: Any) -> Any:
    if np.issubdtype(dtype_of(x), np.complexfloating):
        return conj(x)
    return x


def _einsum(sub: str, a: Any, b: Any) -> Any:

    return einsum(sub, a, b)


def _no_gufunc_options(name: str, kw: dict) -> None:
    for k, v in kw.items():
        if k == "out" and v is None:
            continue
        raise TypeError(f"{name}: argument {k!r} is not supported on traced values")


def vecdot(x1: Any, x2: Any, /, *, axis: int = -1, keepdims: bool = False, **kw: Any) -> Any:
    """``np.vecdot``: ``sum(conj(x1) * x2, axis)`` with broadcasting."""
    x1, x2 = _asarray(x1), _asarray(x2)
    _no_gufunc_options("vecdot", kw)
    x1 = moveaxis(x1, axis, -1)
    x2 = moveaxis(x2, axis, -1)
    if shape_of(x1)[-1] != shape_of(x2)[-1]:
        raise ValueError(
            f"vecdot: the vector axes have different lengths ({shape_of(x1)[-1]} and {shape_of(x2)[-1]})"
        )
    out = _einsum("...i,...i->...", _conj_if_complex(x1), x2)
    if keepdims:

        out = expand_dims(out, -1)
    return out


def matvec(x1: Any, x2: Any, /, **kw: Any) -> Any:
    """``np.matvec``: matrix-vector products over the last axes, with broadcasting."""
    x1, x2 = _asarray(x1), _asarray(x2)
    _no_gufunc_options("matvec", kw)
    if len(shape_of(x1)) < 2 or len(shape_of(x2)) < 1:
        raise ValueError("matvec: x1 needs at least 2 dimensions and x2 at least 1")
    return _einsum("...ij,...j->...i", x1, x2)


def vecmat(x1: Any, x2: Any, /, **kw: Any) -> Any:
    """``np.vecmat``: ``conj(x1) @ x2`` over the last axes, with broadcasting."""
    x1, x2 = _asarray(x1), _asarray(x2)
    _no_gufunc_options("vecmat", kw)
    if len(shape_of(x1)) < 1 or len(shape_of(x2)) < 2:
        raise ValueError("vecmat: x1 needs at least 1 dimension and x2 at least 2")
    return _einsum("...j,...ji->...i", _conj_if_complex(x1), x2)


def deg2rad(x: Any) -> Any:
    return deg2rad_p.bind(x)


def rad2deg(x: Any) -> Any:
    return rad2deg_p.bind(x)


def fabs(x: Any) -> Any:
    return fabs_p.bind(x)


def copysign(x: Any, y: Any) -> Any:
    return copysign_p.bind(x, y)


def fmod(x: Any, y: Any) -> Any:
    return fmod_p.bind(x, y)


def heaviside(x: Any, h0: Any) -> Any:
    return heaviside_p.bind(x, h0)


def nextafter(x: Any, y: Any) -> Any:
    return nextafter_p.bind(x, y)


def spacing(x: Any) -> Any:
    return spacing_p.bind(x)
