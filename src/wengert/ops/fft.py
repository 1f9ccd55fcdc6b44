"""Discrete Fourier transforms: NumPy's ``np.fft`` (``fft``, ``ifft``, ``rfft``, ``irfft``,
``hfft``, ``ihfft``, their 2-D and n-D forms, ``fftshift``/``ifftshift``, ``fftfreq``/
``rfftfreq``), differentiable under JAX's complex convention (docs/complex.md).

Three primitives carry everything:
- ``fft_p`` (complex to complex over ``axes``, forward or inverse) is C-linear with a
  symmetric matrix, so under the transpose convention its VJP is the same transform applied
  to the cotangent, and its JVP the transform of the tangent.
- ``rfft_p`` (real to the half spectrum of ``n // 2 + 1`` terms along ``axis``) and
  ``irfft_p`` (its inverse) are R-linear; each one's VJP is the other one (with the
  normalisation swapped) around a weighting of the half spectrum: the terms that stand for a
  conjugate pair in the full spectrum (all but the zero and, for even ``n``, the Nyquist
  frequency) count twice.
Sizes (``n``, ``s``) crop with slices or pad with zeros before the transform, and the n-D
functions combine the primitives exactly as NumPy's loops over axes do.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core.primitive import Primitive, Tracer
from ..core.schema import AXES, BOOL, INT, choice, declare
from ._util import dtype_of, one_axis, shape_of
from .complex import _re, conj_p, is_complex
from .elementwise import astype, multiply_p, true_divide_p, zeros_like
from .indexing import getitem
from .shape import concatenate, roll

__all__ = [
    "fft",
    "ifft",
    "fft2",
    "ifft2",
    "fftn",
    "ifftn",
    "rfft",
    "irfft",
    "rfft2",
    "irfft2",
    "rfftn",
    "irfftn",
    "hfft",
    "ihfft",
    "fftshift",
    "ifftshift",
    "fftfreq",
    "rfftfreq",
]

_NORMS = ("backward", "ortho", "forward")
_SWAP = {"backward": "forward", "ortho": "ortho", "forward": "backward"}


def _norm(norm: Any) -> str:
    if norm is None:
        return "backward"
    if norm not in _NORMS:
        raise ValueError(f'Invalid norm value {norm}; should be "backward", "ortho" or "forward".')
    return norm


# --------------------------------------------------------------------------- primitives


def _fft_impl(x: Any, axes: tuple, inverse: bool, norm: str) -> Any:
    return (np.fft.ifftn if inverse else np.fft.fftn)(x, axes=axes, norm=norm)


fft_p = Primitive("fft", _fft_impl)
# The DFT matrix is symmetric: the transpose of the map is the map itself.
fft_p.defvjp(lambda ct, ans, axes, inverse, norm: fft_p.bind(ct, axes=axes, inverse=inverse, norm=norm), save="none")
fft_p.defjvp(lambda ts, ans, x, axes, inverse, norm: fft_p.bind(ts[0], axes=axes, inverse=inverse, norm=norm))
fft_p.batch = lambda vals, b, size, axes, inverse, norm: fft_p.bind(
    vals[0], axes=tuple(a + 1 for a in axes), inverse=inverse, norm=norm
)


def _half_weights(ct: Any, axis: int, n: int, pair: float) -> np.ndarray:
    """Weights of the ``n // 2 + 1`` half-spectrum terms along ``axis``: 1 for the zero
    frequency (and the Nyquist one when ``n`` is even), ``pair`` for the others; real, in the
    precision of ``ct``, shaped to broadcast against it."""
    m = n // 2 + 1
    w = np.full(m, pair, dtype=np.finfo(dtype_of(ct)).dtype)
    w[0] = 1.0
    if n % 2 == 0:
        w[-1] = 1.0
    return w.reshape((m,) + (1,) * (len(shape_of(ct)) - axis - 1))


def _rfft_impl(x: Any, axis: int, n: int, norm: str) -> Any:
    return np.fft.rfft(x, n=n, axis=axis, norm=norm)


def _irfft_impl(x: Any, axis: int, n: int, norm: str) -> Any:
    return np.fft.irfft(x, n=n, axis=axis, norm=norm)


def _rfft_vjp(ct: Any, ans: Any, axis: int, n: int, norm: str) -> Any:
    # x_bar_j = Re(sum_k ct_k e^{-2 pi i jk/n}) over the half spectrum k < n//2 + 1; irfft
    # sums each term of the middle twice (with its conjugate), hence the weights 1/2.
    c = multiply_p.bind(conj_p.bind(ct) if is_complex(ct) else ct, _half_weights(ct, axis, n, 0.5))
    return irfft_p.bind(c, axis=axis, n=n, norm=_SWAP[norm])


def _irfft_vjp(ct: Any, ans: Any, axis: int, n: int, norm: str) -> Any:
    # irfft counts every middle term of the half spectrum twice (itself and its conjugate).
    c = _re(ct)
    g = conj_p.bind(rfft_p.bind(c, axis=axis, n=n, norm=_SWAP[norm]))
    return multiply_p.bind(g, _half_weights(g, axis, n, 2.0))


rfft_p = Primitive("rfft", _rfft_impl)
rfft_p.defvjp(_rfft_vjp, save="none")
rfft_p.defjvp(lambda ts, ans, x, axis, n, norm: rfft_p.bind(_re(ts[0]), axis=axis, n=n, norm=norm))
irfft_p = Primitive("irfft", _irfft_impl)
irfft_p.defvjp(_irfft_vjp, save="none")
irfft_p.defjvp(lambda ts, ans, x, axis, n, norm: irfft_p.bind(ts[0], axis=axis, n=n, norm=norm))
for _p in (rfft_p, irfft_p):
    _p.batch = (lambda p: lambda vals, b, size, axis, n, norm: p.bind(vals[0], axis=axis + 1, n=n, norm=norm))(_p)


# --------------------------------------------------------------------------- helpers


def _as_array(a: Any) -> Any:
    # Python scalars and lists become arrays; arrays (NumPy, CuPy, ...) and tracers pass.
    return a if isinstance(a, Tracer) or hasattr(a, "shape") else np.asarray(a)


def _check_out(name: str, out: Any) -> None:
    if out is not None:
        raise TypeError(f"numpy.fft.{name}: out= is not supported (arrays being differentiated are immutable)")


def _to_complex(a: Any) -> Any:
    dt = np.result_type(dtype_of(a), 1j)
    return astype(a, dt) if dtype_of(a) != dt else a


def _to_real(a: Any, name: str) -> Any:
    if is_complex(a):
        raise TypeError(
            f"numpy.fft.{name}: the input must be real, got dtype {dtype_of(a)} (NumPy's {name} "
            "does not take complex input; use fft / fftn for complex arrays)"
        )
    dt = np.result_type(dtype_of(a), 1.0)
    return astype(a, dt) if dtype_of(a) != dt else a


def _real_out(y: Any, a: Any) -> Any:
    """NumPy gives inverse real transforms the real dtype of the input (float16 stays)."""
    dt = dtype_of(a)
    dt = np.result_type(np.finfo(dt).dtype if is_complex(a) else dt, 1.0)
    return astype(y, dt) if dtype_of(y) != dt else y


def _resize(a: Any, n: int, axis: int) -> Any:
    """``a`` cropped or zero-padded to length ``n`` along ``axis`` (non-negative)."""
    s = shape_of(a)
    if s[axis] == n:
        return a
    if s[axis] > n:
        return getitem(a, (slice(None),) * axis + (slice(0, n),))
    pad = zeros_like(a, shape=s[:axis] + (n - s[axis],) + s[axis + 1 :])
    return concatenate([a, pad], axis=axis)


def _points(n: Any, default: int) -> int:
    n = default if n is None else n
    if not isinstance(n, (int, np.integer)):
        raise TypeError(f"n must be an integer, got {n!r}")
    if n < 1:
        raise ValueError(f"Invalid number of FFT data points ({n}) specified.")
    return int(n)


def _c2c(a: Any, sizes: Sequence[Any], axes: Sequence[int], inverse: bool, norm: str) -> Any:
    """Complex transforms along ``axes`` with lengths ``sizes`` (None: the current length),
    in NumPy's order (the last axis first); one primitive call when the axes are distinct."""
    nd = len(shape_of(a))
    axes = [one_axis(ax, nd) for ax in axes]
    if not axes:
        return a
    if len(set(axes)) == len(axes):
        for n, ax in zip(sizes, axes):
            a = _resize(a, _points(n, shape_of(a)[ax]), ax)
        return fft_p.bind(a, axes=tuple(axes), inverse=inverse, norm=norm)
    for n, ax in reversed(list(zip(sizes, axes))):
        a = _resize(a, _points(n, shape_of(a)[ax]), ax)
        a = fft_p.bind(a, axes=(ax,), inverse=inverse, norm=norm)
    return a


def _rfft1(a: Any, n: Any, axis: int, norm: str) -> Any:
    axis = one_axis(axis, len(shape_of(a)))
    n = _points(n, shape_of(a)[axis])
    return rfft_p.bind(_resize(a, n, axis), axis=axis, n=n, norm=norm)


def _irfft1(a: Any, n: Any, axis: int, norm: str) -> Any:
    axis = one_axis(axis, len(shape_of(a)))
    n = _points(n, (shape_of(a)[axis] - 1) * 2)
    return irfft_p.bind(_resize(a, n // 2 + 1, axis), axis=axis, n=n, norm=norm)


def _cook_nd_args(a: Any, s: Any, axes: Any, invreal: bool = False) -> tuple[list, list]:
    """NumPy's reading of ``s`` and ``axes`` (NumPy 2 semantics and deprecations)."""
    shape = shape_of(a)
    shapeless = s is None
    if shapeless:
        s = list(shape) if axes is None else [shape[one_axis(ax, len(shape))] for ax in axes]
    s = list(s)
    if axes is None:
        if not shapeless:
            warnings.warn(
                "`axes` should not be `None` if `s` is not `None` (Deprecated in NumPy 2.0); "
                "pass the axes explicitly",
                DeprecationWarning,
                stacklevel=3,
            )
        axes = list(range(-len(s), 0))
    axes = list(axes)
    if len(s) != len(axes):
        raise ValueError("Shape and axes have different lengths.")
    if invreal and shapeless:
        s[-1] = (shape[one_axis(axes[-1], len(shape))] - 1) * 2
    if None in s:
        warnings.warn(
            "Passing an array containing `None` values to `s` is deprecated in NumPy 2.0",
            DeprecationWarning,
            stacklevel=3,
        )
    s = [shape[one_axis(ax, len(shape))] if n == -1 else n for n, ax in zip(s, axes)]
    return s, axes


# --------------------------------------------------------------------------- public: 1-D


def fft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None, out: Any = None) -> Any:
    """``np.fft.fft``: the 1-D discrete Fourier transform (``n`` crops or zero-pads)."""
    _check_out("fft", out)
    a = _to_complex(_as_array(a))
    return _c2c(a, [n], [axis], False, _norm(norm))


def ifft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None, out: Any = None) -> Any:
    """``np.fft.ifft``: the 1-D inverse discrete Fourier transform."""
    _check_out("ifft", out)
    a = _to_complex(_as_array(a))
    return _c2c(a, [n], [axis], True, _norm(norm))


def rfft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None, out: Any = None) -> Any:
    """``np.fft.rfft``: the transform of real input, ``n // 2 + 1`` terms along ``axis``."""
    _check_out("rfft", out)
    a = _to_real(_as_array(a), "rfft")
    return _rfft1(a, n, axis, _norm(norm))


def irfft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None, out: Any = None) -> Any:
    """``np.fft.irfft``: the real signal of length ``n`` (default ``2 * (m - 1)``) whose
    half spectrum is ``a`` (imaginary parts of the zero and Nyquist terms are ignored)."""
    _check_out("irfft", out)
    a = _as_array(a)
    return _real_out(_irfft1(_to_complex(a), n, axis, _norm(norm)), a)


def hfft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None, out: Any = None) -> Any:
    """``np.fft.hfft``: the (real) transform of a Hermitian-symmetric signal given by its
    first half, ``irfft(conj(a))`` with the normalisation swapped."""
    _check_out("hfft", out)
    a = _as_array(a)
    return _real_out(_irfft1(conj_p.bind(_to_complex(a)), n, axis, _SWAP[_norm(norm)]), a)


def ihfft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None, out: Any = None) -> Any:
    """``np.fft.ihfft``: the inverse of ``hfft``, ``conj(rfft(a))`` with the normalisation
    swapped."""
    _check_out("ihfft", out)
    a = _to_real(_as_array(a), "ihfft")
    return conj_p.bind(_rfft1(a, n, axis, _SWAP[_norm(norm)]))


# --------------------------------------------------------------------------- public: n-D


def fftn(a: Any, s: Any = None, axes: Any = None, norm: str | None = None, out: Any = None) -> Any:
    """``np.fft.fftn``: the transform over ``axes`` (all by default), sizes ``s``."""
    _check_out("fftn", out)
    a = _to_complex(_as_array(a))
    s, axes = _cook_nd_args(a, s, axes)
    return _c2c(a, s, axes, False, _norm(norm))


def ifftn(a: Any, s: Any = None, axes: Any = None, norm: str | None = None, out: Any = None) -> Any:
    """``np.fft.ifftn``."""
    _check_out("ifftn", out)
    a = _to_complex(_as_array(a))
    s, axes = _cook_nd_args(a, s, axes)
    return _c2c(a, s, axes, True, _norm(norm))


def fft2(a: Any, s: Any = None, axes: Any = (-2, -1), norm: str | None = None, out: Any = None) -> Any:
    """``np.fft.fft2``: ``fftn`` over the last two axes."""
    _check_out("fft2", out)
    return fftn(a, s, axes, norm)


def ifft2(a: Any, s: Any = None, axes: Any = (-2, -1), norm: str | None = None, out: Any = None) -> Any:
    """``np.fft.ifft2``."""
    _check_out("ifft2", out)
    return ifftn(a, s, axes, norm)


def rfftn(a: Any, s: Any = None, axes: Any = None, norm: str | None = None, out: Any = None) -> Any:
    """``np.fft.rfftn``: ``rfft`` along the last of ``axes``, then ``fft`` along the others."""
    _check_out("rfftn", out)
    a = _to_real(_as_array(a), "rfftn")
    s, axes = _cook_nd_args(a, s, axes)
    norm = _norm(norm)
    if not axes:
        raise ValueError("rfftn: at least one axis is needed (axes is empty)")
    a = _rfft1(a, s[-1], axes[-1], norm)
    return _c2c(a, s[:-1], axes[:-1], False, norm)


def irfftn(a: Any, s: Any = None, axes: Any = None, norm: str | None = None, out: Any = None) -> Any:
    """``np.fft.irfftn``: ``ifft`` along all but the last of ``axes``, then ``irfft``."""
    _check_out("irfftn", out)
    a0 = _as_array(a)
    a = _to_complex(a0)
    s, axes = _cook_nd_args(a, s, axes, invreal=True)
    norm = _norm(norm)
    if not axes:
        raise ValueError("irfftn: at least one axis is needed (axes is empty)")
    # NumPy runs these in the order given (fftn's loop runs backwards, hence the reversal).
    a = _c2c(a, s[:-1][::-1], axes[:-1][::-1], True, norm)
    return _real_out(_irfft1(a, s[-1], axes[-1], norm), a0)


def rfft2(a: Any, s: Any = None, axes: Any = (-2, -1), norm: str | None = None, out: Any = None) -> Any:
    """``np.fft.rfft2``."""
    _check_out("rfft2", out)
    return rfftn(a, s, axes, norm)


def irfft2(a: Any, s: Any = None, axes: Any = (-2, -1), norm: str | None = None, out: Any = None) -> Any:
    """``np.fft.irfft2``."""
    _check_out("irfft2", out)
    return irfftn(a, s, axes, norm)


# --------------------------------------------------------------------------- shifts, frequencies


def _shift(x: Any, axes: Any, sign: int) -> Any:
    x = _as_array(x)
    shape = shape_of(x)
    if axes is None:
        axes = tuple(range(len(shape)))
        shift = [sign * (d // 2) for d in shape]
    elif isinstance(axes, (int, np.integer)):
        shift = sign * (shape[one_axis(axes, len(shape))] // 2)
    else:
        shift = [sign * (shape[one_axis(ax, len(shape))] // 2) for ax in axes]
    if not isinstance(x, Tracer):
        return np.roll(x, shift, axes)
    return roll(x, shift, axes)


def fftshift(x: Any, axes: Any = None) -> Any:
    """``np.fft.fftshift``: the zero frequency moved to the centre (a roll)."""
    return _shift(x, axes, 1)


def ifftshift(x: Any, axes: Any = None) -> Any:
    """``np.fft.ifftshift``: the inverse of ``fftshift``."""
    return _shift(x, axes, -1)


def _freq(name: str, n: Any, d: Any, device: Any) -> Any:
    if not isinstance(d, Tracer):
        return getattr(np.fft, name)(n, d, device=device)
    if not isinstance(n, (int, np.integer)):
        raise ValueError("n should be an integer")
    # The sample spacing is being differentiated: the frequencies are k * (1 / (n d)).
    if name == "rfftfreq":
        k = np.arange(0, n // 2 + 1)
    else:
        k = np.concatenate([np.arange(0, (n - 1) // 2 + 1), np.arange(-(n // 2), 0)])
    return multiply_p.bind(k, true_divide_p.bind(1.0, multiply_p.bind(d, n)))


def fftfreq(n: int, d: Any = 1.0, device: Any = None) -> Any:
    """``np.fft.fftfreq``: sample frequencies (differentiable in the spacing ``d``)."""
    return _freq("fftfreq", n, d, device)


def rfftfreq(n: int, d: Any = 1.0, device: Any = None) -> Any:
    """``np.fft.rfftfreq``: the non-negative sample frequencies."""
    return _freq("rfftfreq", n, d, device)


# --------------------------------------------------------------------------- parameter schemas
# (names and value types of each primitive's params: a loaded graph is checked against them)

_NORM = choice("backward", "ortho", "forward")
declare(fft_p, axes=AXES, inverse=BOOL, norm=_NORM)
for _p in (rfft_p, irfft_p):
    declare(_p, axis=INT, n=INT, norm=_NORM)
