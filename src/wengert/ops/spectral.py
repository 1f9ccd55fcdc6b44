"""Spectral linear algebra primitives: eigh/eigvalsh, eig/eigvals (real spectra), svd/svdvals,
pinv and lstsq, on stacks of matrices, with rules written in wengert ops (see
``ops/linalg.py`` for the shared helpers and ``docs/linalg.md`` for the conventions: one
triangle read by eigh and ``hermitian=True``; zero contribution from equal eigenvalues or
singular values to the vector terms).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.primitive import Primitive, Tracer
from ..core.schema import BOOL, REAL, choice, declare, optional
from ._util import dtype_of, shape_of
from .complex import conj, imag, is_complex, real
from .elementwise import (
    abs_p,
    add_p,
    equal,
    less_equal,
    multiply_p,
    negative_p,
    stop_gradient_p,
    subtract_p,
    true_divide_p,
    where_p,
)
from .indexing import getitem
from .linalg import (
    _L,
    _T,
    _add,
    _batch_matrices,
    _check_matrix,
    _col,
    _diag,
    _diagpart,
    _ensure_float,
    _eye,
    _fold,
    _inverse_gaps,
    _is_traced,
    _mm,
    _real_only,
    _reflect,
    solve_p,
)
from .reduce import argmax
from .reduce import max as _max
from .shape import (
    expand_dims,
    sum,
)

__all__ = ["eigh", "eigvalsh", "eig", "eigvals", "svd", "svdvals", "pinv", "lstsq"]


# --------------------------------------------------------------------------- eigh


def _eigh_jvp(ts: tuple, ans: tuple, a: Any, UPLO: str) -> tuple:  # noqa: N803 (NumPy's name)
    w, v = ans
    p = _mm(_T(v), _mm(_reflect(ts[0], UPLO == "L"), v))  # the triangle NumPy reads
    dw = _diagpart(p)
    dv = _mm(v, multiply_p.bind(_inverse_gaps(w), p))
    return dw, dv


def _eigh_vjp(ct: tuple, ans: tuple, UPLO: str) -> tuple:  # noqa: N803 (NumPy's name)
    w, v = ans
    wbar, vbar = ct
    inner = None if wbar is None else _diag(wbar)
    if vbar is not None:
        inner = _add(inner, multiply_p.bind(_inverse_gaps(w), _mm(_T(v), vbar)))
    return (_fold(_mm(v, _mm(inner, _T(v))), UPLO == "L"),)


eigh_p = Primitive(
    "linalg_eigh",
    lambda a, UPLO: tuple(np.linalg.eigh(a, UPLO=UPLO)),  # noqa: N803
    multiple_results=True,
)
eigh_p.defvjp_all(_eigh_vjp, save="ans")
eigh_p.defjvp(_eigh_jvp)


def _check_uplo(UPLO: str) -> str:  # noqa: N803 (NumPy's name)
    if UPLO not in ("L", "U"):
        raise ValueError("UPLO argument must be 'L' or 'U'")
    return UPLO


def eigh(a: Any, UPLO: str = "L") -> Any:  # noqa: N803 (NumPy's name)
    """``np.linalg.eigh`` -> ``EighResult(eigenvalues, eigenvectors)`` (ascending).

    Like NumPy it reads only the ``UPLO`` triangle; the derivative is with respect to the
    entries read (zero gradient on the other triangle, as HIPS autograd).  Eigenvalue
    derivatives are always finite; in the eigenvector
    derivative, pairs of eigenvalues equal to rounding contribute zero (see docs/linalg.md).
    """
    _check_matrix("eigh", a)
    _real_only("eigh", a)
    w, v = eigh_p.bind(a, UPLO=_check_uplo(UPLO))
    return _L.EighResult(w, v)


def eigvalsh(a: Any, UPLO: str = "L") -> Any:  # noqa: N803 (NumPy's name)
    """``np.linalg.eigvalsh``: ascending eigenvalues of a symmetric matrix."""
    _check_matrix("eigvalsh", a)
    if not _is_traced(a):
        return np.linalg.eigvalsh(a, UPLO=_check_uplo(UPLO))
    _real_only("eigvalsh", a)
    return eigh_p.bind(a, UPLO=_check_uplo(UPLO))[0]


# --------------------------------------------------------------------------- eig (real spectra)


def _eig_gauge(v: Any) -> Any:
    """One-hot mask of each eigenvector's largest-modulus component (LAPACK makes it real)."""
    n = shape_of(v)[-1]
    k = argmax(abs_p.bind(stop_gradient_p.bind(v)), axis=-2)
    return equal(np.arange(n).reshape(n, 1), expand_dims(k, -2))


def _eig_jvp(ts: tuple, ans: tuple, a: Any) -> tuple:
    w, v = ans
    c = solve_p.bind(v, _mm(ts[0], v))  # V^{-1} dA V
    dw = _diagpart(c)
    dv = _mm(v, multiply_p.bind(_inverse_gaps(w), c))
    # NumPy's eigenvectors have unit norm (and, when complex, a real largest component):
    # remove the radial part of each column, and its phase change.
    r = sum(multiply_p.bind(conj(v), dv), axis=-2)
    dv = subtract_p.bind(dv, multiply_p.bind(v, _col(real(r))))
    if is_complex(v):
        mask = _eig_gauge(v)
        vk = real(sum(where_p.bind(mask, v, 0.0), axis=-2))
        ph = true_divide_p.bind(imag(sum(where_p.bind(mask, dv, 0.0), axis=-2)), vk)
        dv = subtract_p.bind(dv, multiply_p.bind(v, _col(multiply_p.bind(ph, 1j))))
    return dw, dv


def _eig_vjp(ct: tuple, ans: tuple, a: Any) -> tuple:
    w, v = ans
    wbar, vbar = ct
    g = None if wbar is None else _diag(wbar)
    if vbar is not None:
        q = sum(multiply_p.bind(vbar, v), axis=-2)
        vb = subtract_p.bind(vbar, multiply_p.bind(conj(v), _col(real(q))))
        if is_complex(v):
            mask = _eig_gauge(v)
            vk = real(sum(where_p.bind(mask, v, 0.0), axis=-2))
            e = multiply_p.bind(true_divide_p.bind(imag(q), vk), -1j)
            vb = add_p.bind(vb, where_p.bind(mask, _col(e), 0.0))
        g = _add(g, multiply_p.bind(_inverse_gaps(w), _mm(_T(v), vb)))
    ga = solve_p.bind(_T(v), _mm(g, _T(v)))  # V^{-T} G V^T
    return (ga if is_complex(a) else real(ga),)


eig_p = Primitive("linalg_eig", lambda a: tuple(np.linalg.eig(a)), multiple_results=True)
eig_p.defvjp_all(_eig_vjp, save="both")
eig_p.defjvp(_eig_jvp)


def eig(a: Any) -> Any:
    """``np.linalg.eig`` -> ``EigResult(eigenvalues, eigenvectors)``: real arrays when the
    spectrum of a real matrix is real, complex ones otherwise (NumPy's rule).  Eigenvectors
    are differentiated in NumPy's gauge: unit norm, largest-modulus component real."""
    _check_matrix("eig", a)
    if not _is_traced(a):
        return np.linalg.eig(a)
    w, v = eig_p.bind(a)
    return _L.EigResult(w, v)


def eigvals(a: Any) -> Any:
    """``np.linalg.eigvals``."""
    _check_matrix("eigvals", a)
    if not _is_traced(a):
        return np.linalg.eigvals(a)
    return eig(a)[0]


# --------------------------------------------------------------------------- svd


def _svd_inv_s(s: Any) -> Any:
    """1/s with 0 where s is zero to rounding (those directions get no derivative)."""
    ss = stop_gradient_p.bind(s)
    big = _max(ss, axis=-1, keepdims=True)
    tol = multiply_p.bind(big, 16.0 * shape_of(s)[-1] * float(np.finfo(dtype_of(s)).eps))
    small = less_equal(ss, tol)
    return where_p.bind(small, 0.0, true_divide_p.bind(1.0, where_p.bind(small, 1.0, s)))


def _svd_gaps(s: Any) -> Any:
    """F[i, j] = 1/(s_j^2 - s_i^2), 0 for ties (and on the diagonal)."""
    f = _inverse_gaps(s)  # 1/(s_j - s_i) or 0
    ssum = add_p.bind(expand_dims(s, -2), expand_dims(s, -1))
    ss = stop_gradient_p.bind(ssum)
    zero = equal(ss, 0.0)
    return multiply_p.bind(f, true_divide_p.bind(1.0, where_p.bind(zero, 1.0, ssum)))


def _svd_jvp(ts: tuple, ans: tuple, a: Any, hermitian: bool) -> tuple:
    u, s, vh = ans
    da = _reflect(ts[0], True) if hermitian else ts[0]  # hermitian: NumPy reads the lower triangle
    v = _T(vh)
    m, n = shape_of(a)[-2:]
    p = _mm(_T(u), _mm(da, v))
    ds = _diagpart(p)
    f = _svd_gaps(s)
    ps = multiply_p.bind(p, _col(s))  # P S
    sp = multiply_p.bind(expand_dims(s, -1), p)  # S P
    du = _mm(u, multiply_p.bind(f, add_p.bind(ps, _T(ps))))  # F o (P S + S P^T)
    dv = _mm(v, multiply_p.bind(f, add_p.bind(sp, _T(sp))))  # F o (S P + P^T S)
    if m > n:
        x = _mm(da, v)
        du = add_p.bind(du, multiply_p.bind(subtract_p.bind(x, _mm(u, _mm(_T(u), x))), _col(_svd_inv_s(s))))
    elif n > m:
        y = _mm(_T(da), u)
        dv = add_p.bind(dv, multiply_p.bind(subtract_p.bind(y, _mm(v, _mm(_T(v), y))), _col(_svd_inv_s(s))))
    return du, ds, _T(dv)


def _svd_vjp(ct: tuple, ans: tuple, hermitian: bool) -> tuple:
    u, s, vh = ans
    ubar, sbar, vhbar = ct
    v = _T(vh)
    m, n = shape_of(u)[-2], shape_of(vh)[-1]
    j = None if sbar is None else _diag(sbar)
    if ubar is not None or vhbar is not None:
        f = _svd_gaps(s)
        scol, srow = _col(s), expand_dims(s, -1)
    if ubar is not None:
        x = multiply_p.bind(f, _mm(_T(u), ubar))
        j = _add(j, add_p.bind(multiply_p.bind(x, scol), multiply_p.bind(_T(x), scol)))
    vbar = None if vhbar is None else _T(vhbar)
    if vbar is not None:
        y = multiply_p.bind(f, _mm(_T(v), vbar))
        j = _add(j, add_p.bind(multiply_p.bind(srow, y), multiply_p.bind(srow, _T(y))))
    g = _mm(u, _mm(j, vh)) if j is not None else None
    if ubar is not None and m > n:
        proj = subtract_p.bind(ubar, _mm(u, _mm(_T(u), ubar)))
        g = _add(g, _mm(multiply_p.bind(proj, _col(_svd_inv_s(s))), vh))
    if vbar is not None and n > m:
        proj = subtract_p.bind(vbar, _mm(v, _mm(_T(v), vbar)))
        g = _add(g, _mm(multiply_p.bind(u, _col(_svd_inv_s(s))), _T(proj)))
    if g is None:
        return (None,)
    return (_fold(g, True) if hermitian else g,)


def _svd_impl(a: Any, hermitian: bool) -> tuple:
    return tuple(np.linalg.svd(a, full_matrices=False, hermitian=hermitian))


svd_p = Primitive("linalg_svd", _svd_impl, multiple_results=True)
svd_p.defvjp_all(_svd_vjp, save="ans")
svd_p.defjvp(_svd_jvp)


def _svd_full_vjp(ct: tuple, ans: tuple, hermitian: bool) -> tuple:
    if ct[0] is not None or ct[2] is not None:
        _svd_full_error()
    u, s, vh = ans
    k = shape_of(s)[-1]
    u = getitem(u, (Ellipsis, slice(None), slice(0, k)))
    vh = getitem(vh, (Ellipsis, slice(0, k), slice(None)))
    g = _mm(multiply_p.bind(u, _col(ct[1])), vh)
    return (_fold(g, True) if hermitian else g,)


def _svd_full_error(*args: Any, **kw: Any) -> Any:
    raise ValueError(
        "svd(full_matrices=True) of a non-square matrix is not differentiable in u/vh: the "
        "extra singular vectors are not unique. Use full_matrices=False (or compute_uv=False "
        "for singular values only)."
    )


def _svd_full_jvp(*args: Any, **kw: Any) -> Any:
    raise ValueError(
        "forward mode (jvp, jacfwd, hessian) through svd(full_matrices=True) of a non-square "
        "matrix is not supported: the extra singular vectors are not unique. Use "
        "full_matrices=False, or compute_uv=False for singular values only."
    )


svd_full_p = Primitive(
    "linalg_svd_full",
    lambda a, hermitian: tuple(np.linalg.svd(a, full_matrices=True, hermitian=hermitian)),
    multiple_results=True,
)
svd_full_p.defvjp_all(_svd_full_vjp, save="ans")
svd_full_p.defjvp(_svd_full_jvp)


def svd(a: Any, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False) -> Any:
    """``np.linalg.svd`` -> ``SVDResult(U, S, Vh)`` or the singular values.

    Differentiable: the singular values always; ``U``/``Vh`` of the reduced SVD (and of the
    full SVD of square matrices).  ``full_matrices=True`` with ``M != N`` differentiates
    only through ``S`` in reverse mode (a ValueError otherwise).
    """
    _check_matrix("svd", a, square=False)
    hermitian = bool(hermitian)
    if hermitian:
        _check_matrix("svd", a)
    if not _is_traced(a):
        return np.linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv, hermitian=hermitian)
    _real_only("svd", a)
    a = _ensure_float(a)
    m, n = shape_of(a)[-2:]
    if not compute_uv:
        return svd_p.bind(a, hermitian=hermitian)[1]
    if full_matrices and m != n:
        u, s, vh = svd_full_p.bind(a, hermitian=hermitian)
    else:
        u, s, vh = svd_p.bind(a, hermitian=hermitian)
    return _L.SVDResult(u, s, vh)


def svdvals(x: Any, /) -> Any:
    """``np.linalg.svdvals``."""
    return svd(x, compute_uv=False)


# --------------------------------------------------------------------------- pinv / lstsq


def _pinv_tangent(da: Any, p: Any, a: Any) -> Any:
    """d pinv(A) = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P (constant rank)."""
    dat = _T(da)
    t1 = negative_p.bind(_mm(p, _mm(da, p)))
    x = _mm(dat, subtract_p.bind(_eye(shape_of(a)[-2], a), _mm(a, p)))
    t2 = _mm(p, _mm(_T(p), x))
    y = _mm(dat, _mm(_T(p), p))
    t3 = subtract_p.bind(y, _mm(p, _mm(a, y)))
    return add_p.bind(add_p.bind(t1, t2), t3)


def _pinv_cotangent(g: Any, p: Any, a: Any) -> Any:
    """The transpose of ``_pinv_tangent``:
    -P^T G P^T + (I - A P) G^T P P^T + P^T P G^T (I - P A)."""
    pt = _T(p)
    gt = _T(g)
    t1 = negative_p.bind(_mm(pt, _mm(g, pt)))
    x = _mm(gt, _mm(p, pt))
    t2 = subtract_p.bind(x, _mm(a, _mm(p, x)))
    y = _mm(_mm(pt, p), gt)
    t3 = subtract_p.bind(y, _mm(_mm(y, p), a))
    return add_p.bind(add_p.bind(t1, t2), t3)


def _pinv_impl(a: Any, rcond: Any, rtol: Any, hermitian: bool) -> Any:
    kw = {} if rtol is None else {"rtol": rtol}
    return np.linalg.pinv(a, rcond=rcond, hermitian=hermitian, **kw)


# hermitian=True: NumPy's pinv (an eigh) reads the lower triangle of ``a`` only, so the rules
# use the symmetric matrix it sees and carry the gradient onto that triangle.


def _pinv_jvp(ts: tuple, ans: Any, a: Any, rcond: Any, rtol: Any, hermitian: bool) -> Any:
    if hermitian:
        return _pinv_tangent(_reflect(ts[0], True), ans, _reflect(a, True))
    return _pinv_tangent(ts[0], ans, a)


def _pinv_vjp(ct: Any, ans: Any, a: Any, rcond: Any, rtol: Any, hermitian: bool) -> Any:
    if hermitian:
        return _fold(_pinv_cotangent(ct, ans, _reflect(a, True)), True)
    return _pinv_cotangent(ct, ans, a)


pinv_p = Primitive("linalg_pinv", _pinv_impl)
pinv_p.defvjp(_pinv_vjp)
pinv_p.defjvp(_pinv_jvp)


def pinv(a: Any, rcond: Any = None, hermitian: bool = False, *, rtol: Any = None) -> Any:
    """``np.linalg.pinv`` (same cut-off rules).  The derivative is that of the pseudo-inverse
    of fixed rank (singular values cut off by ``rcond``/``rtol`` count as zero)."""
    _check_matrix("pinv", a, square=False)
    if rcond is not None and rtol is not None:
        raise ValueError("`rtol` and `rcond` can't be both set.")
    if hermitian:
        _check_matrix("pinv", a)
    if not _is_traced(a):
        kw = {} if rtol is None else {"rtol": rtol}
        return np.linalg.pinv(a, rcond=rcond, hermitian=hermitian, **kw)
    _real_only("pinv", a)
    return pinv_p.bind(_ensure_float(a), rcond=rcond, rtol=rtol, hermitian=bool(hermitian))


def _lstsq_x_vjp(ct: Any, ans: Any, a: Any, b: Any, rcond: Any) -> tuple:
    p = pinv_p.bind(a, rcond=rcond, rtol=None, hermitian=False)
    return _pinv_cotangent(_mm(ct, _T(b)), p, a), _mm(_T(p), ct)


def _lstsq_x_jvp(ts: tuple, ans: Any, a: Any, b: Any, rcond: Any) -> Any:
    ta, tb = ts
    p = pinv_p.bind(a, rcond=rcond, rtol=None, hermitian=False)
    out = None if ta is None else _mm(_pinv_tangent(ta, p, a), b)
    if tb is not None:
        out = _add(out, _mm(p, tb))
    return out


lstsq_x_p = Primitive("linalg_lstsq", lambda a, b, rcond: np.linalg.lstsq(a, b, rcond=rcond)[0])
lstsq_x_p.defvjp_all(_lstsq_x_vjp)
lstsq_x_p.defjvp(_lstsq_x_jvp)


def lstsq(a: Any, b: Any, rcond: Any = None) -> tuple:
    """``np.linalg.lstsq`` -> ``(x, residuals, rank, s)``: ``x``, ``residuals`` and ``s`` are
    differentiable (``x`` as ``pinv(a, rcond) @ b``, the minimum-norm solution, at fixed rank);
    ``rank`` is an int.  ``rcond=None`` means machine precision times ``max(M, N)``."""
    if not _is_traced(a, b):
        return np.linalg.lstsq(a, b, rcond=rcond)
    _real_only("lstsq", a, b)
    sa, sb = shape_of(a), shape_of(b)
    if len(sa) != 2 or len(sb) not in (1, 2):
        raise np.linalg.LinAlgError(
            f"lstsq: a must be 2-dimensional and b 1- or 2-dimensional, got shapes {sa} and {sb} "
            "(NumPy's lstsq is not batched; use pinv(a) @ b for stacks)"
        )
    if sb[0] != sa[0]:
        raise np.linalg.LinAlgError("Incompatible dimensions")
    m, n = sa
    a = _ensure_float(a)
    b = _ensure_float(b)
    dt = np.result_type(dtype_of(a), dtype_of(b))
    if rcond is None:
        rcond = float(np.finfo(dt).eps) * max(m, n)
    vec = len(sb) == 1
    b2 = expand_dims(b, -1) if vec else b
    x = lstsq_x_p.bind(a, b2, rcond=rcond)
    s = svd_p.bind(a, hermitian=False)[1]
    s_low = s.full_lower() if isinstance(s, Tracer) else s
    if np.ndim(s_low) != 1:
        raise np.linalg.LinAlgError("lstsq: a must be 2-dimensional (NumPy's lstsq is not batched)")
    rank = int(np.sum(s_low > rcond * np.max(s_low))) if s_low.size else 0
    if rank == n and m > n:
        r = subtract_p.bind(b2, _mm(a, x))
        res = sum(multiply_p.bind(r, r), axis=0)
    else:
        res = np.zeros((0,), dtype=dt)
    if vec:
        x = getitem(x, (Ellipsis, 0))
    return x, res, np.int32(rank), s


# --------------------------------------------------------------------------- batching

for _p in (eigh_p, eig_p, svd_p, svd_full_p, pinv_p):
    _p.batch = _batch_matrices(_p)


# --------------------------------------------------------------------------- parameter schemas
# (names and value types of each primitive's params: a loaded graph is checked against them)

declare(eig_p)
declare(eigh_p, UPLO=choice("L", "U"))
declare(svd_p, hermitian=BOOL)
declare(svd_full_p, hermitian=BOOL)
declare(pinv_p, rcond=optional(REAL), rtol=optional(REAL), hermitian=BOOL)
declare(lstsq_x_p, rcond=optional(REAL))
