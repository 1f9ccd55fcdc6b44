"""Special functions (``scipy.special``) as elementwise primitives.

Each primitive's ``impl`` calls the compiled SciPy function; its derivatives are declared
once as partial derivatives (``defpartials``) written with wengert ops, mostly in terms of
other special functions of this module (``gammaln' = digamma``, ``digamma' = polygamma(1)``,
``i1' = i0 - i1/x``, ...), so every derivative can be differentiated again.

Orders of Bessel functions (``v``) and of ``polygamma`` (``n``) are not differentiable.

The regularized incomplete gamma and beta functions are differentiable in every argument,
including the shape parameters: their derivative with respect to a shape parameter is
another member of a family of integrals,

    igamma(a, x; k)       = 1/Gamma(a) * int_0^x (log t)^k t^(a-1) e^(-t) dt
    ibeta(a, b, x; j, k)  = 1/B(a, b) * int_0^x (log t)^j (log(1-t))^k t^(a-1) (1-t)^(b-1) dt

(``k = 0`` / ``j = k = 0`` are ``gammainc`` / ``betainc``; the ``upper=True`` variants
integrate from ``x`` to the end of the support), with
``d/da igamma(k) = igamma(k+1) - digamma(a) * igamma(k)`` and so on.  For ``k >= 1`` the
impl evaluates the integral by adaptive quadrature (``scipy.integrate.quad``, one call per
element), using the complement against the complete moment of ``log T`` where that is
better conditioned.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.special as _sc
from scipy import integrate as _integrate

from ..core.primitive import Primitive
from ..core.schema import AXES, BOOL, INT, declare
from ._util import dtype_of, shape_of
from .elementwise import (
    _elementwise_batch,
    add_p,
    astype,
    defpartials,
    equal,
    exp_p,
    less,
    less_equal,
    log1p_p,
    log_p,
    logical_and,
    logical_not,
    minimum_p,
    multiply_p,
    sign_p,
    where,
)
from .shape import broadcast_to_p, sum_p, unbroadcast

_SQRT_PI = math.sqrt(math.pi)
_TWO_OVER_SQRT_PI = 2.0 / _SQRT_PI
_SQRT_2PI = math.sqrt(2.0 * math.pi)
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


def _float_dtype(*xs: Any) -> np.dtype:
    """The floating dtype SciPy's float loops give for these inputs (float32 stays; Python
    numbers are weak, as in NumPy's own promotion: ``0.5`` with float32 stays float32)."""
    dt = np.result_type(*(x if x.__class__ in (int, float, complex) else dtype_of(x) for x in xs))
    return dt if np.issubdtype(dt, np.inexact) else np.dtype(np.float64)


def _cast(r: Any, dtype: np.dtype) -> Any:
    r = np.asarray(r)
    out = r.astype(dtype, copy=False) if r.dtype != dtype else r
    return out[()] if out.ndim == 0 else out


def _ew(name: str, impl: Callable, *partials: Callable | None, save: str = "args") -> Primitive:
    p = declare(Primitive(name, impl).describe(elementwise=True, math=name))  # no params
    defpartials(p, *partials, save=save)
    p.batch = _elementwise_batch(p)
    return p


def _ew_params(name: str, impl: Callable, *partials: Callable | None) -> Primitive:
    """An elementwise primitive with static parameters (``defpartials`` passes none):
    ``partials[i](ans, *args, **params)``; the tape keeps arguments and output."""
    p = Primitive(name, impl).describe(elementwise=True, math=name)
    p.partials = partials

    def vjp_rule(i: int, fn: Callable) -> Callable:
        def vjp(ct: Any, ans: Any, *args: Any, **params: Any) -> Any:
            return unbroadcast(multiply_p.bind(ct, fn(ans, *args, **params)), shape_of(args[i]))

        return vjp

    def jvp(ts: tuple, ans: Any, *args: Any, **params: Any) -> Any:
        out = None
        for t, fn in zip(ts, partials):
            if t is None or fn is None:
                continue
            term = multiply_p.bind(t, fn(ans, *args, **params))
            out = term if out is None else add_p.bind(out, term)
        if out is not None and shape_of(out) != shape_of(ans):
            out = broadcast_to_p.bind(out, shape=shape_of(ans))
        return out

    p.defvjp(*(None if fn is None else vjp_rule(i, fn) for i, fn in enumerate(partials)), save="both")
    p.defjvp(jvp)
    p.batch = _elementwise_batch(p)
    return p


def _fill_where(cond: Any, x: Any, fill: float) -> Any:
    """``x`` with ``fill`` where ``cond`` holds, so that a branch masked by ``where`` never
    produces inf/nan (whose zero cotangent would turn into nan)."""
    return where(cond, fill, x)


# --------------------------------------------------------------------------- gamma family


def _polygamma_impl(n: Any, x: Any) -> Any:
    return _cast(_sc.polygamma(n, x), _float_dtype(x))


gammaln_p = _ew("gammaln", _sc.gammaln, lambda ans, x: digamma_p.bind(x))
digamma_p = _ew("digamma", _sc.digamma, lambda ans, x: polygamma_p.bind(1, x))
polygamma_p = _ew("polygamma", _polygamma_impl, None, lambda ans, n, x: polygamma_p.bind(n + 1, x))
gamma_p = _ew("gamma", _sc.gamma, lambda ans, x: ans * digamma_p.bind(x), save="both")
loggamma_p = _ew("loggamma", _sc.loggamma, lambda ans, x: digamma_p.bind(x))


def _dpsi_ab(a: Any, b: Any, which: int) -> Any:
    s = digamma_p.bind(a + b)
    return (digamma_p.bind(a) if which == 0 else digamma_p.bind(b)) - s


beta_p = _ew(
    "beta",
    _sc.beta,
    lambda ans, a, b: ans * _dpsi_ab(a, b, 0),
    lambda ans, a, b: ans * _dpsi_ab(a, b, 1),
    save="both",
)
betaln_p = _ew(
    "betaln",
    _sc.betaln,
    lambda ans, a, b: _dpsi_ab(a, b, 0),
    lambda ans, a, b: _dpsi_ab(a, b, 1),
)

# --------------------------------------------------------------------------- error functions

erf_p = _ew("erf", _sc.erf, lambda ans, x: exp_p.bind(-(x * x)) * _TWO_OVER_SQRT_PI)
erfc_p = _ew("erfc", _sc.erfc, lambda ans, x: exp_p.bind(-(x * x)) * -_TWO_OVER_SQRT_PI)
erfcx_p = _ew("erfcx", _sc.erfcx, lambda ans, x: 2.0 * x * ans - _TWO_OVER_SQRT_PI, save="both")
erfinv_p = _ew("erfinv", _sc.erfinv, lambda ans: exp_p.bind(ans * ans) * (0.5 * _SQRT_PI), save="ans")
erfcinv_p = _ew("erfcinv", _sc.erfcinv, lambda ans: exp_p.bind(ans * ans) * (-0.5 * _SQRT_PI), save="ans")
ndtr_p = _ew("ndtr", _sc.ndtr, lambda ans, x: exp_p.bind(-0.5 * (x * x)) * (1.0 / _SQRT_2PI))
# d/dx log Phi(x) = phi(x) / Phi(x), formed in log space (stable in both tails).
log_ndtr_p = _ew(
    "log_ndtr",
    _sc.log_ndtr,
    lambda ans, x: exp_p.bind(-0.5 * (x * x) - _LOG_SQRT_2PI - ans),
    save="both",
)
ndtri_p = _ew("ndtri", _sc.ndtri, lambda ans: exp_p.bind(0.5 * (ans * ans)) * _SQRT_2PI, save="ans")

# --------------------------------------------------------------------------- logistic

expit_p = _ew("expit", _sc.expit, lambda ans, x: ans * expit_p.bind(-x), save="both")
logit_p = _ew("logit", _sc.logit, lambda ans, x: 1.0 / (x * (1.0 - x)))
log_expit_p = _ew("log_expit", _sc.log_expit, lambda ans, x: expit_p.bind(-x))

# --------------------------------------------------------------------------- x log y family


def _xlogy_dy(ans: Any, x: Any, y: Any) -> Any:
    # x / y, defined as 0 where x == 0 (also at y == 0, where JAX gives nan).
    return x / _fill_where(equal(x, 0), y, 1.0)


def _xlog1py_dy(ans: Any, x: Any, y: Any) -> Any:
    return x / (1.0 + _fill_where(equal(x, 0), y, 0.0))


# d/dx is log(y) (as in JAX), also where x == 0.
xlogy_p = _ew("xlogy", _sc.xlogy, lambda ans, x, y: log_p.bind(y), _xlogy_dy)
xlog1py_p = _ew("xlog1py", _sc.xlog1py, lambda ans, x, y: log1p_p.bind(y), _xlog1py_dy)


def _entr_d(ans: Any, x: Any) -> Any:
    neg = less(x, 0)
    return where(neg, 0.0, -(log_p.bind(_fill_where(neg, x, 1.0)) + 1.0))


entr_p = _ew("entr", _sc.entr, _entr_d)


def _rel_entr_mask(x: Any, y: Any) -> Any:
    return logical_and(less(0, x), less(0, y))


def _one(ans: Any) -> np.ndarray:
    """1 in the result's dtype (``where(ok, 0.5, 1.0)`` of two Python floats is float64)."""
    return np.ones((), dtype_of(ans))


def _rel_entr_dx(ans: Any, x: Any, y: Any) -> Any:
    # Inside the domain log(x/y) + 1; zero on the boundary x == 0 and outside (as JAX).
    ok = _rel_entr_mask(x, y)
    xs, ys = where(ok, x, _one(ans)), where(ok, y, _one(ans))
    return where(ok, log_p.bind(xs) - log_p.bind(ys) + 1.0, 0.0)


def _rel_entr_dy(ans: Any, x: Any, y: Any) -> Any:
    ok = _rel_entr_mask(x, y)
    return where(ok, -(x / where(ok, y, _one(ans))), 0.0)


rel_entr_p = _ew("rel_entr", _sc.rel_entr, _rel_entr_dx, _rel_entr_dy)


def _kl_div_dx(ans: Any, x: Any, y: Any) -> Any:
    ok = _rel_entr_mask(x, y)
    return where(ok, log_p.bind(where(ok, x, _one(ans))) - log_p.bind(where(ok, y, _one(ans))), 0.0)


def _kl_div_dy(ans: Any, x: Any, y: Any) -> Any:
    # 1 - x/y inside the domain; kl_div(0, y) = y for y >= 0
    ok = _rel_entr_mask(x, y)
    edge = logical_and(equal(x, 0), less_equal(0, y))
    return where(ok, 1.0 - x / where(ok, y, _one(ans)), astype(edge, dtype_of(ans)))


kl_div_p = _ew("kl_div", _sc.kl_div, _kl_div_dx, _kl_div_dy)

# --------------------------------------------------------------------------- Bessel functions


def _i1_d(ans: Any, x: Any) -> Any:
    z = equal(x, 0)
    xs = _fill_where(z, x, 1.0)
    return where(z, 0.5, i0_p.bind(xs) - i1_p.bind(xs) / xs)


def _i1e_d(ans: Any, x: Any) -> Any:
    z = equal(x, 0)
    xs = _fill_where(z, x, 1.0)
    e = i1e_p.bind(xs)
    return where(z, 0.5, i0e_p.bind(xs) - e / xs - sign_p.bind(xs) * e)


def _j1_d(ans: Any, x: Any) -> Any:
    z = equal(x, 0)
    xs = _fill_where(z, x, 1.0)
    return where(z, 0.5, j0_p.bind(xs) - j1_p.bind(xs) / xs)


i0_p = _ew("bessel_i0", _sc.i0, lambda ans, x: i1_p.bind(x))
i1_p = _ew("bessel_i1", _sc.i1, _i1_d)
i0e_p = _ew("bessel_i0e", _sc.i0e, lambda ans, x: i1e_p.bind(x) - sign_p.bind(x) * ans, save="both")
i1e_p = _ew("bessel_i1e", _sc.i1e, _i1e_d)
j0_p = _ew("bessel_j0", _sc.j0, lambda ans, x: -j1_p.bind(x))
j1_p = _ew("bessel_j1", _sc.j1, _j1_d)
y0_p = _ew("bessel_y0", _sc.y0, lambda ans, x: -y1_p.bind(x))
y1_p = _ew("bessel_y1", _sc.y1, lambda ans, x: y0_p.bind(x) - y1_p.bind(x) / x)
k0_p = _ew("bessel_k0", _sc.k0, lambda ans, x: -k1_p.bind(x))
k1_p = _ew("bessel_k1", _sc.k1, lambda ans, x: -k0_p.bind(x) - k1_p.bind(x) / x)
k0e_p = _ew("bessel_k0e", _sc.k0e, lambda ans, x: ans - k1e_p.bind(x), save="both")
k1e_p = _ew("bessel_k1e", _sc.k1e, lambda ans, x: ans - k0e_p.bind(x) - ans / x, save="both")

# Arbitrary real order v (not differentiable): the three-term recurrences.
iv_p = _ew("bessel_iv", _sc.iv, None, lambda ans, v, x: 0.5 * (iv_p.bind(v - 1, x) + iv_p.bind(v + 1, x)))
ive_p = _ew(
    "bessel_ive",
    _sc.ive,
    None,
    lambda ans, v, x: 0.5 * (ive_p.bind(v - 1, x) + ive_p.bind(v + 1, x)) - sign_p.bind(x) * ans,
    save="both",
)
jv_p = _ew("bessel_jv", _sc.jv, None, lambda ans, v, x: 0.5 * (jv_p.bind(v - 1, x) - jv_p.bind(v + 1, x)))
yv_p = _ew("bessel_yv", _sc.yv, None, lambda ans, v, x: 0.5 * (yv_p.bind(v - 1, x) - yv_p.bind(v + 1, x)))
kv_p = _ew("bessel_kv", _sc.kv, None, lambda ans, v, x: -0.5 * (kv_p.bind(v - 1, x) + kv_p.bind(v + 1, x)))
kve_p = _ew(
    "bessel_kve",
    _sc.kve,
    None,
    lambda ans, v, x: ans - 0.5 * (kve_p.bind(v - 1, x) + kve_p.bind(v + 1, x)),
    save="both",
)

# --------------------------------------------------------------------------- incomplete gamma

def _quad(f: Callable, lo: float, hi: float) -> float:
    return _integrate.quad(f, lo, hi, epsabs=1e-300, epsrel=1e-12, limit=200)[0]


def _moments_from_cumulants(kappa: Callable[[int], float], n: int) -> list[float]:
    """Raw moments m_0..m_n of a random variable with cumulants ``kappa(1..n)``."""
    m = [1.0]
    for r in range(1, n + 1):
        m.append(math.fsum(math.comb(r - 1, i) * kappa(i + 1) * m[r - 1 - i] for i in range(r)))
    return m


def _gamma_log_moment(a: float, k: int) -> float:
    """E[(log T)^k] for T ~ Gamma(a, 1): the cumulants of log T are polygamma(j-1, a)."""
    return _moments_from_cumulants(lambda j: float(_sc.polygamma(j - 1, a)), k)[k]


def _igamma_lower_integral(a: float, x: float, k: int) -> float:
    lg = math.lgamma(a)
    if a < 1.0:
        # u = t^a removes the t^(a-1) singularity: (1/Gamma(a+1)) int_0^(x^a) (log u / a)^k e^(-u^(1/a)) du
        c = math.exp(-math.lgamma(a + 1.0))

        def f(u: float) -> float:
            if u <= 0.0:
                return 0.0
            return (math.log(u) / a) ** k * math.exp(-(u ** (1.0 / a)))

        return c * _quad(f, 0.0, x**a)

    def g(t: float) -> float:
        if t <= 0.0:
            return 0.0
        lt = math.log(t)
        return lt**k * math.exp((a - 1.0) * lt - t - lg)

    lo = max(0.0, x - 60.0 * math.sqrt(a) - 60.0)  # below this the integrand is < e^-1800
    return _quad(g, lo, x)


def _igamma_upper_integral(a: float, x: float, k: int) -> float:
    lg = math.lgamma(a)

    def g(t: float) -> float:
        lt = math.log(t)
        return lt**k * math.exp((a - 1.0) * lt - t - lg)

    return _quad(g, x, np.inf)


def _igamma_moment_scalar(a: float, x: float, k: int, upper: bool) -> float:
    if not (a > 0.0) or not (x >= 0.0):
        return math.nan
    complete = _gamma_log_moment(a, k)
    if x == 0.0:
        return complete if upper else 0.0
    if math.isinf(x):
        return 0.0 if upper else complete
    if x <= a + 1.0:
        low = _igamma_lower_integral(a, x, k)
        return complete - low if upper else low
    up = _igamma_upper_integral(a, x, k)
    return up if upper else complete - up


def _igamma_impl(a: Any, x: Any, k: int, upper: bool) -> Any:
    if k == 0:
        return _sc.gammaincc(a, x) if upper else _sc.gammainc(a, x)
    dt = _float_dtype(a, x)
    av, xv = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    out = np.empty(av.shape)
    for i in np.ndindex(av.shape):
        out[i] = _igamma_moment_scalar(float(av[i]), float(xv[i]), k, upper)
    return _cast(out, dt)


def _igamma_da(ans: Any, a: Any, x: Any, k: int, upper: bool) -> Any:
    return igamma_p.bind(a, x, k=k + 1, upper=upper) - digamma_p.bind(a) * ans


def _igamma_dx(ans: Any, a: Any, x: Any, k: int, upper: bool) -> Any:
    d = exp_p.bind(xlogy_p.bind(a - 1.0, x) - x - gammaln_p.bind(a))
    if k:
        d = d * log_p.bind(x) ** k
    return -d if upper else d


igamma_p = _ew_params("igamma", _igamma_impl, _igamma_da, _igamma_dx)

# --------------------------------------------------------------------------- incomplete beta


def _beta_log_moment(a: float, b: float, j: int, k: int) -> float:
    """E[(log T)^j (log(1-T))^k] for T ~ Beta(a, b), from the joint cumulants of
    (log T, log(1-T)) (derivatives of log B(a + s1, b + s2))."""
    pg = _sc.polygamma

    def kappa(p: int, q: int) -> float:
        if q == 0:
            return float(pg(p - 1, a) - pg(p - 1, a + b))
        if p == 0:
            return float(pg(q - 1, b) - pg(q - 1, a + b))
        return float(-pg(p + q - 1, a + b))

    m: dict[tuple[int, int], float] = {(0, 0): 1.0}
    for q in range(1, k + 1):
        m[0, q] = math.fsum(math.comb(q - 1, r) * kappa(0, r + 1) * m[0, q - 1 - r] for r in range(q))
    for p in range(1, j + 1):
        for q in range(0, k + 1):
            m[p, q] = math.fsum(
                math.comb(p - 1, i) * math.comb(q, r) * kappa(i + 1, r) * m[p - 1 - i, q - r]
                for i in range(p)
                for r in range(q + 1)
            )
    return m[j, k]


def _ibeta_lower_integral(a: float, b: float, j: int, k: int, x: float) -> float:
    """(1/B(a,b)) int_0^x (log t)^j (log(1-t))^k t^(a-1) (1-t)^(b-1) dt."""
    lb = float(_sc.betaln(a, b))
    if a < 1.0:
        # u = t^a: (1/(a B)) int_0^(x^a) (log u / a)^j (log(1-t))^k (1-t)^(b-1) du, t = u^(1/a)
        c = math.exp(-lb) / a

        def f(u: float) -> float:
            if u <= 0.0:
                return 0.0
            t = u ** (1.0 / a)
            l1 = math.log1p(-t)
            return (math.log(u) / a) ** j * l1**k * math.exp((b - 1.0) * l1)

        return c * _quad(f, 0.0, x**a)

    def g(t: float) -> float:
        if t <= 0.0 or t >= 1.0:
            return 0.0
        lt, l1 = math.log(t), math.log1p(-t)
        return lt**j * l1**k * math.exp((a - 1.0) * lt + (b - 1.0) * l1 - lb)

    return _quad(g, 0.0, x)


def _ibeta_moment_scalar(a: float, b: float, x: float, j: int, k: int, upper: bool) -> float:
    if not (a > 0.0 and b > 0.0) or not (0.0 <= x <= 1.0):
        return math.nan
    complete = _beta_log_moment(a, b, j, k)
    if x == 0.0:
        return complete if upper else 0.0
    if x == 1.0:
        return 0.0 if upper else complete
    if x <= a / (a + b):
        low = _ibeta_lower_integral(a, b, j, k, x)
        return complete - low if upper else low
    # the upper tail is the lower integral of the mirrored variable 1 - T ~ Beta(b, a)
    up = _ibeta_lower_integral(b, a, k, j, 1.0 - x)
    return up if upper else complete - up


def _ibeta_impl(a: Any, b: Any, x: Any, j: int, k: int, upper: bool) -> Any:
    if j == 0 and k == 0:
        return _sc.betaincc(a, b, x) if upper else _sc.betainc(a, b, x)
    dt = _float_dtype(a, b, x)
    av, bv, xv = np.broadcast_arrays(*(np.asarray(v, np.float64) for v in (a, b, x)))
    out = np.empty(av.shape)
    for i in np.ndindex(av.shape):
        out[i] = _ibeta_moment_scalar(float(av[i]), float(bv[i]), float(xv[i]), j, k, upper)
    return _cast(out, dt)


def _ibeta_da(ans: Any, a: Any, b: Any, x: Any, j: int, k: int, upper: bool) -> Any:
    return ibeta_p.bind(a, b, x, j=j + 1, k=k, upper=upper) - _dpsi_ab(a, b, 0) * ans


def _ibeta_db(ans: Any, a: Any, b: Any, x: Any, j: int, k: int, upper: bool) -> Any:
    return ibeta_p.bind(a, b, x, j=j, k=k + 1, upper=upper) - _dpsi_ab(a, b, 1) * ans


def _ibeta_dx(ans: Any, a: Any, b: Any, x: Any, j: int, k: int, upper: bool) -> Any:
    d = exp_p.bind(xlogy_p.bind(a - 1.0, x) + xlog1py_p.bind(b - 1.0, -x) - betaln_p.bind(a, b))
    if j:
        d = d * log_p.bind(x) ** j
    if k:
        d = d * log1p_p.bind(-x) ** k
    return -d if upper else d


ibeta_p = _ew_params("ibeta", _ibeta_impl, _ibeta_da, _ibeta_db, _ibeta_dx)

# --------------------------------------------------------------------------- Student t cdf


def _t_logpdf(t: Any, df: Any) -> Any:
    h = 0.5 * (df + 1.0)
    return (
        gammaln_p.bind(h)
        - gammaln_p.bind(0.5 * df)
        - 0.5 * log_p.bind(df * math.pi)
        - h * log1p_p.bind(t * t / df)
    )


def _stdtr_ddf(ans: Any, df: Any, t: Any) -> Any:
    """d/d(df) of the t cdf, by the chain rule through the incomplete beta function.

    For t*t < df it uses cdf = 1/2 + sign(t)/2 * I_y(1/2, df/2), y = t^2/(df+t^2);
    elsewhere cdf = I_x(df/2, 1/2)/2 (t < 0) or 1 - I_x(df/2, 1/2)/2, x = df/(df+t^2).
    Each branch gets arguments that keep it finite where it is not used.
    """
    zero = equal(t, 0)
    small = less(t * t, df)
    s = sign_p.bind(t)
    h = 0.5 * df
    # y-form (|t| small, t != 0)
    ty = where(logical_and(small, logical_not(zero)), t, 0.5 * minimum_p.bind(df, 1.0))
    t2 = ty * ty
    y = t2 / (df + t2)
    iy = ibeta_p.bind(0.5, h, y, j=0, k=0, upper=False)
    di_db = ibeta_p.bind(0.5, h, y, j=0, k=1, upper=False) - _dpsi_ab(0.5, h, 1) * iy
    di_dy = exp_p.bind(-0.5 * log_p.bind(y) + (h - 1.0) * log1p_p.bind(-y) - betaln_p.bind(0.5, h))
    dy = -t2 / ((df + t2) * (df + t2))
    d_small = 0.5 * s * (0.5 * di_db + di_dy * dy)
    # x-form (|t| large)
    tx = where(small, 2.0 * df + 1.0, t)
    t2 = tx * tx
    x = df / (df + t2)
    ix = ibeta_p.bind(h, 0.5, x, j=0, k=0, upper=False)
    di_da = ibeta_p.bind(h, 0.5, x, j=1, k=0, upper=False) - _dpsi_ab(h, 0.5, 0) * ix
    di_dx = exp_p.bind((h - 1.0) * log_p.bind(x) - 0.5 * log1p_p.bind(-x) - betaln_p.bind(h, 0.5))
    dx = t2 / ((df + t2) * (df + t2))
    d_large = -0.5 * s * (0.5 * di_da + di_dx * dx)
    d = where(zero, 0.0, where(small, d_small, d_large))
    # SciPy's betaln(0.5, float32) is float64: the derivative keeps the cdf's dtype
    return d if dtype_of(d) == dtype_of(ans) else astype(d, dtype_of(ans))


stdtr_p = _ew(
    "stdtr",
    _sc.stdtr,
    _stdtr_ddf,
    lambda ans, df, t: exp_p.bind(_t_logpdf(t, df)),
)

# --------------------------------------------------------------------------- logsumexp


def _logsumexp_impl(a: Any, b: Any, axis: tuple) -> tuple:
    out, sgn = _sc.logsumexp(a, axis=axis, b=b, keepdims=True, return_sign=True)
    return np.asarray(sgn), np.asarray(out)


def _lse_terms(ans: tuple, a: Any, b: Any) -> tuple:
    """exp(a - out) * sign (the weight of each term, up to b), and the same with the
    entries of zero weight masked (finite even where such an a is huge)."""
    sgn, out = ans
    with np.errstate(over="ignore"):  # d/db where b == 0 and a is huge is inf, rightly
        e = exp_p.bind(a - out) * sgn
    if b is None:
        return e, e
    am = where(equal(b, 0), out, a)
    return e, exp_p.bind(am - out) * sgn


def _logsumexp_vjp(ct: tuple, ans: tuple, a: Any, b: Any, axis: tuple) -> tuple:
    c = ct[1]
    if c is None:
        return None, None
    e, em = _lse_terms(ans, a, b)
    ga = c * em if b is None else c * (b * em)
    gb = None if b is None else c * e
    return ga, gb


def _logsumexp_jvp(ts: tuple, ans: tuple, a: Any, b: Any, axis: tuple) -> tuple:
    ta, tb = ts
    e, em = _lse_terms(ans, a, b)
    dot = None
    if ta is not None:
        dot = ta * em if b is None else ta * (b * em)
    if tb is not None:
        dot = tb * e if dot is None else dot + tb * e
    if dot is None:
        return None, None
    if shape_of(dot) != shape_of(a):
        dot = broadcast_to_p.bind(dot, shape=shape_of(a))
    return None, sum_p.bind(dot, axis=axis, keepdims=True)


def _logsumexp_batch(vals: list, batched: list, size: int, axis: tuple) -> tuple:
    a, b = vals
    if not batched[0]:
        a = broadcast_to_p.bind(a, shape=(size,) + shape_of(a))
    if b is not None and not batched[1]:
        b = broadcast_to_p.bind(b, shape=(size,) + shape_of(b))
    return logsumexp_p.bind(a, b, axis=tuple(x + 1 for x in axis))


# logsumexp_p(a, b, axis=...) -> (sign, log|sum(b * exp(a))|), reduced axes kept; ``b`` is
# None or an array of a's shape.  The sign is piecewise constant (no derivative); it comes
# first so that the differentiable result holds the tape record (the last slot).
logsumexp_p = Primitive("logsumexp", _logsumexp_impl, multiple_results=True)
logsumexp_p.defvjp_all(_logsumexp_vjp, save="both")
logsumexp_p.defjvp(_logsumexp_jvp)
logsumexp_p.batch = _logsumexp_batch

__all__ = [n for n in dir() if n.endswith("_p") and not n.startswith("_")]


# --------------------------------------------------------------------------- parameter schemas
# (names and value types of each primitive's params: a loaded graph is checked against them)

declare(igamma_p, k=INT, upper=BOOL)
declare(ibeta_p, j=INT, k=INT, upper=BOOL)
declare(logsumexp_p, axis=AXES)
