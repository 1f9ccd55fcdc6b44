"""``wengert.scipy.special``: differentiable ``scipy.special`` functions.

Names, argument order and defaults follow ``scipy.special``.  Every function is
differentiable with respect to each real argument, except the orders ``n`` of
``polygamma`` and ``v`` of the Bessel functions (treated as constants), and ``d`` of
``multigammaln`` (an integer).  Conventions at non-smooth points (as in JAX where JAX
defines them):

- ``xlogy(x, y)``: d/dx = log(y); d/dy = x/y, and 0 where x == 0 (also at y == 0).
  ``xlog1py`` likewise with ``log1p(y)`` and ``x/(1+y)``.
- ``rel_entr`` and ``kl_div``: zero derivative with respect to x on the boundary x == 0
  and outside the domain; ``entr'(0) = +inf`` (the one-sided limit).
- ``i1'(0) = j1'(0) = 1/2`` (the limits), ``i1e'(0) = 1/2``.

Calling the SciPy ufuncs themselves (``scipy.special.gammaln(x)``) on traced values also
works once this module is imported: they dispatch here through ``__array_ufunc__``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.special as _sc

from ..core.primitive import Tracer
from ..numpy import _dispatch
from ..ops import special as _s
from ..ops._util import dtype_of, normalize_axis, shape_of
from ..ops.elementwise import astype, exp_p, less, where
from ..ops.shape import atleast_1d, broadcast_arrays, reshape, stack, sum_p

__all__ = [
    "gamma",
    "gammaln",
    "loggamma",
    "digamma",
    "psi",
    "polygamma",
    "multigammaln",
    "beta",
    "betaln",
    "gammainc",
    "gammaincc",
    "betainc",
    "betaincc",
    "stdtr",
    "erf",
    "erfc",
    "erfcx",
    "erfinv",
    "erfcinv",
    "ndtr",
    "ndtri",
    "log_ndtr",
    "expit",
    "logit",
    "log_expit",
    "xlogy",
    "xlog1py",
    "entr",
    "rel_entr",
    "kl_div",
    "i0",
    "i0e",
    "i1",
    "i1e",
    "iv",
    "ive",
    "j0",
    "j1",
    "jv",
    "y0",
    "y1",
    "yv",
    "k0",
    "k0e",
    "k1",
    "k1e",
    "kv",
    "kve",
    "logsumexp",
    "softmax",
    "log_softmax",
]


def _no_out(name: str, kw: dict) -> None:
    if kw:
        raise TypeError(
            f"wengert.scipy.special.{name}: unsupported keyword argument(s) {sorted(kw)} "
            "(out=, where=, dtype= and casting= of SciPy's ufuncs are not supported)"
        )


def _fn(prim: Any, name: str, doc: str, nargs: int) -> Any:
    bind = prim.bind

    if nargs == 1:

        def f(x: Any, /, **kw: Any) -> Any:
            _no_out(name, kw)
            return bind(x)

    elif nargs == 2:

        def f(x: Any, y: Any, /, **kw: Any) -> Any:
            _no_out(name, kw)
            return bind(x, y)

    else:

        def f(x: Any, y: Any, z: Any, /, **kw: Any) -> Any:
            _no_out(name, kw)
            return bind(x, y, z)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = doc
    return f


gamma = _fn(_s.gamma_p, "gamma", "Gamma function; d/dx = gamma(x) * digamma(x).", 1)
gammaln = _fn(_s.gammaln_p, "gammaln", "log|Gamma(x)|; d/dx = digamma(x).", 1)
loggamma = _fn(_s.loggamma_p, "loggamma", "Principal branch of log Gamma (real input); d/dx = digamma(x).", 1)
digamma = _fn(_s.digamma_p, "digamma", "Digamma function; d/dx = polygamma(1, x).", 1)
psi = digamma
polygamma = _fn(
    _s.polygamma_p,
    "polygamma",
    "polygamma(n, x): the n-th derivative of digamma; d/dx = polygamma(n+1, x) (n is not "
    "differentiable). float32 input gives float32 (SciPy itself returns float64).",
    2,
)
beta = _fn(_s.beta_p, "beta", "Beta function B(a, b).", 2)
betaln = _fn(_s.betaln_p, "betaln", "log|B(a, b)|; d/da = digamma(a) - digamma(a+b).", 2)
erf = _fn(_s.erf_p, "erf", "Error function.", 1)
erfc = _fn(_s.erfc_p, "erfc", "Complementary error function.", 1)
erfcx = _fn(_s.erfcx_p, "erfcx", "Scaled complementary error function exp(x**2) * erfc(x).", 1)
erfinv = _fn(_s.erfinv_p, "erfinv", "Inverse error function; d/dx = sqrt(pi)/2 * exp(erfinv(x)**2).", 1)
erfcinv = _fn(_s.erfcinv_p, "erfcinv", "Inverse complementary error function.", 1)
ndtr = _fn(_s.ndtr_p, "ndtr", "Standard normal cdf.", 1)
ndtri = _fn(_s.ndtri_p, "ndtri", "Inverse of ndtr; d/dp = sqrt(2 pi) exp(ndtri(p)**2 / 2).", 1)
log_ndtr = _fn(_s.log_ndtr_p, "log_ndtr", "log of the standard normal cdf; its derivative is formed in log space.", 1)
expit = _fn(_s.expit_p, "expit", "Logistic sigmoid 1/(1+exp(-x)).", 1)
logit = _fn(_s.logit_p, "logit", "log(p/(1-p)).", 1)
log_expit = _fn(_s.log_expit_p, "log_expit", "log(expit(x)); d/dx = expit(-x).", 1)
xlogy = _fn(_s.xlogy_p, "xlogy", "x*log(y), 0 where x == 0.", 2)
xlog1py = _fn(_s.xlog1py_p, "xlog1py", "x*log1p(y), 0 where x == 0.", 2)
entr = _fn(_s.entr_p, "entr", "-x*log(x) for x > 0, 0 at 0, -inf for x < 0.", 1)
rel_entr = _fn(_s.rel_entr_p, "rel_entr", "x*log(x/y) (x, y > 0), 0 (x == 0, y >= 0), inf otherwise.", 2)
kl_div = _fn(_s.kl_div_p, "kl_div", "x*log(x/y) - x + y (x, y > 0), y (x == 0, y >= 0), inf otherwise.", 2)
i0 = _fn(_s.i0_p, "i0", "Modified Bessel function of order 0; i0' = i1.", 1)
i0e = _fn(_s.i0e_p, "i0e", "Exponentially scaled i0: exp(-|x|) i0(x).", 1)
i1 = _fn(_s.i1_p, "i1", "Modified Bessel function of order 1; i1' = i0 - i1/x.", 1)
i1e = _fn(_s.i1e_p, "i1e", "Exponentially scaled i1: exp(-|x|) i1(x).", 1)
iv = _fn(_s.iv_p, "iv", "iv(v, x): modified Bessel function of real order v (v not differentiable).", 2)
ive = _fn(_s.ive_p, "ive", "ive(v, x) = iv(v, x) * exp(-|x|) (v not differentiable).", 2)
j0 = _fn(_s.j0_p, "j0", "Bessel function of the first kind of order 0; j0' = -j1.", 1)
j1 = _fn(_s.j1_p, "j1", "Bessel function of the first kind of order 1; j1' = j0 - j1/x.", 1)
jv = _fn(_s.jv_p, "jv", "jv(v, x): Bessel function of the first kind of real order v (v not differentiable).", 2)
y0 = _fn(_s.y0_p, "y0", "Bessel function of the second kind of order 0; y0' = -y1.", 1)
y1 = _fn(_s.y1_p, "y1", "Bessel function of the second kind of order 1; y1' = y0 - y1/x.", 1)
yv = _fn(_s.yv_p, "yv", "yv(v, x): Bessel function of the second kind of real order v (v not differentiable).", 2)
k0 = _fn(_s.k0_p, "k0", "Modified Bessel function of the second kind of order 0; k0' = -k1.", 1)
k0e = _fn(_s.k0e_p, "k0e", "exp(x) * k0(x).", 1)
k1 = _fn(_s.k1_p, "k1", "Modified Bessel function of the second kind of order 1; k1' = -k0 - k1/x.", 1)
k1e = _fn(_s.k1e_p, "k1e", "exp(x) * k1(x).", 1)
kv = _fn(_s.kv_p, "kv", "kv(v, x): modified Bessel function of the second kind of real order v.", 2)
kve = _fn(_s.kve_p, "kve", "kve(v, x) = kv(v, x) * exp(x).", 2)
stdtr = _fn(_s.stdtr_p, "stdtr", "Student t cdf stdtr(df, t); differentiable in df and t.", 2)


def gammainc(a: Any, x: Any, /, **kw: Any) -> Any:
    """Regularized lower incomplete gamma P(a, x), differentiable in ``a`` and ``x``
    (d/da by quadrature of the log-moment integral, see ``wengert.ops.special``)."""
    _no_out("gammainc", kw)
    return _s.igamma_p.bind(a, x, k=0, upper=False)


def gammaincc(a: Any, x: Any, /, **kw: Any) -> Any:
    """Regularized upper incomplete gamma Q(a, x) = 1 - P(a, x), differentiable in both."""
    _no_out("gammaincc", kw)
    return _s.igamma_p.bind(a, x, k=0, upper=True)


def betainc(a: Any, b: Any, x: Any, /, **kw: Any) -> Any:
    """Regularized incomplete beta I_x(a, b), differentiable in ``a``, ``b`` and ``x``."""
    _no_out("betainc", kw)
    return _s.ibeta_p.bind(a, b, x, j=0, k=0, upper=False)


def betaincc(a: Any, b: Any, x: Any, /, **kw: Any) -> Any:
    """Complement 1 - I_x(a, b), differentiable in ``a``, ``b`` and ``x``."""
    _no_out("betaincc", kw)
    return _s.ibeta_p.bind(a, b, x, j=0, k=0, upper=True)


def multigammaln(a: Any, d: int) -> Any:
    """Log of the multivariate gamma function of dimension ``d`` (an integer)."""
    d = np.asarray(d)[()]
    if not np.isscalar(d) or np.floor(d) != d:
        raise ValueError("d should be a positive integer (dimension)")
    d = int(d)
    if np.any(np.asarray(_lower(a)) <= 0.5 * (d - 1)):
        raise ValueError(f"condition a ({_lower(a)}) > 0.5 * (d-1) ({0.5 * (d - 1)}) not met")
    res = (d * (d - 1) * 0.25) * math.log(math.pi)
    terms = stack([_s.gammaln_p.bind(a - (j - 1.0) / 2) for j in range(1, d + 1)])
    return sum_p.bind(terms, axis=(0,), keepdims=False) + res


def _lower(x: Any) -> Any:
    return x.full_lower() if isinstance(x, Tracer) else x


def _as_float(x: Any) -> Any:
    if not isinstance(x, Tracer):
        x = np.asarray(x)
    dt = dtype_of(x)
    if not np.issubdtype(dt, np.inexact):
        return astype(x, np.float64)
    return x


def logsumexp(a: Any, axis: Any = None, b: Any = None, keepdims: bool = False, return_sign: bool = False) -> Any:
    """``log(sum(b * exp(a), axis))`` computed stably (SciPy's conventions).

    Differentiable with respect to ``a`` and the weights ``b``; entries with ``b == 0`` are
    ignored in the value (even if ``a`` is inf or nan there) and get a zero gradient with
    respect to ``a``.  With ``return_sign=True`` returns ``(log|s|, sign(s))``; otherwise a
    negative sum gives nan.
    """
    a = _as_float(a)
    if b is not None:
        b = _as_float(b)
        dt = np.result_type(dtype_of(a), dtype_of(b))
        a, b = astype(a, dt), astype(b, dt)
        if shape_of(a) != shape_of(b):
            a, b = broadcast_arrays(a, b)
    a = atleast_1d(a)
    if b is not None:
        b = atleast_1d(b)
    nd = len(shape_of(a))
    axes = normalize_axis(axis, nd)
    sgn, out = _s.logsumexp_p.bind(a, b, axis=axes)
    if not keepdims:
        kept = tuple(s for i, s in enumerate(shape_of(out)) if i not in axes)
        out = reshape(out, kept)
        sgn = reshape(sgn, kept)
    if return_sign:
        return out, sgn
    if b is not None:
        out = where(less(sgn, 0), np.nan, out)
    return out


def softmax(x: Any, axis: Any = None) -> Any:
    """``exp(x) / sum(exp(x), axis)``, computed as ``exp(x - logsumexp(x, axis))``."""
    x = _as_float(x)
    return exp_p.bind(x - logsumexp(x, axis=axis, keepdims=True))


def log_softmax(x: Any, axis: Any = None) -> Any:
    """``x - logsumexp(x, axis)``."""
    x = _as_float(x)
    return x - logsumexp(x, axis=axis, keepdims=True)


# ----------------------------------------------------------------------------- dispatch
# Plain ``scipy.special.<ufunc>(tracer)`` calls reach these functions via __array_ufunc__.
def _register_scipy_ufuncs() -> None:

    for name in __all__:
        u = getattr(_sc, name, None)
        if isinstance(u, np.ufunc):
            _dispatch._UFUNCS[u] = globals()[name]


_register_scipy_ufuncs()
