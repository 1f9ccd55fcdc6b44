"""``wengert.scipy.stats``: differentiable densities and distribution functions.

Distribution objects with SciPy's names and argument conventions (shape parameters,
``loc``, ``scale``; positional or by keyword); calling one freezes its parameters
(``norm(loc=1.0, scale=2.0).logpdf(x)``), as in SciPy.

===================  =========================================================
continuous           ``logpdf pdf logcdf cdf logsf sf`` (``norm``: also ``ppf isf``)
  norm               ``(x, loc=0, scale=1)``
  t                  ``(x, df, loc=0, scale=1)``
  gamma              ``(x, a, loc=0, scale=1)``
  beta               ``(x, a, b, loc=0, scale=1)``
  chi2               ``(x, df, loc=0, scale=1)``
discrete             ``logpmf pmf logcdf cdf logsf sf``
  poisson            ``(k, mu, loc=0)``
  bernoulli          ``(k, p, loc=0)``
multivariate         ``logpdf pdf``
  dirichlet          ``(x, alpha)``
  multivariate_normal ``(x, mean=None, cov=1, allow_singular=False)``
===================  =========================================================

Log densities are built from differentiable special functions, so every argument is
differentiable: ``x``, ``loc``, ``scale`` and the shape parameters (``df``, ``a``, ``b``,
``mu``, ``p``, ``alpha``, ``mean``, ``cov``).  The distribution functions are differentiable
in every continuous argument too (shape-parameter derivatives of the incomplete gamma and
beta functions come from ``wengert.scipy.special``).  The integer argument ``k`` of the
discrete distributions (and their ``loc``) is data: it is not differentiated.

As in SciPy, points outside the support give ``-inf`` (log density) or 0 (density), and
invalid parameters (``scale <= 0``, ``df <= 0``, ``p`` outside [0, 1], ...) give nan; the
derivative there is 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.primitive import Tracer
from ..ops import special as _s
from ..ops._util import dtype_of, shape_of
from ..ops.contract import diagonal
from ..ops.elementwise import (
    astype,
    equal,
    exp_p,
    floor_p,
    isinf,
    isnan,
    less,
    less_equal,
    log1p_p,
    log_p,
    logical_and,
    logical_not,
    stop_gradient,
    where,
)
from ..ops.linalg import cholesky
from ..ops.shape import concatenate, reshape, sum_p, transpose
from .linalg import solve_triangular

__all__ = ["norm", "t", "gamma", "beta", "chi2", "poisson", "bernoulli", "dirichlet", "multivariate_normal"]

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_LOG2 = math.log(2.0)


# ----------------------------------------------------------------------------- helpers


def _lower(x: Any) -> Any:
    return x.full_lower() if isinstance(x, Tracer) else x


def _f(x: Any) -> Any:
    """A floating value (integers become float64); traced values pass through."""
    if not isinstance(x, Tracer):
        x = np.asarray(x)
    if not np.issubdtype(dtype_of(x), np.inexact):
        return astype(x, np.float64)
    return x


def _floats(*vals: Any) -> list:
    """The arguments as floating arrays of one computation dtype: the result type of the
    array arguments (integers count as float64), so float32 data stays float32; Python
    numbers take that dtype (as NumPy's weak scalars would)."""
    dts = []
    for v in vals:
        if v is None or isinstance(v, (bool, int, float)):
            continue
        d = dtype_of(v) if isinstance(v, Tracer) else np.asarray(v).dtype
        dts.append(d if np.issubdtype(d, np.inexact) else np.dtype(np.float64))
    dt = np.result_type(*dts) if dts else np.dtype(np.float64)
    out = []
    for v in vals:
        if v is None:
            out.append(None)
        elif isinstance(v, (bool, int, float)):
            out.append(np.asarray(v, dtype=dt))
        else:
            out.append(_f(v))
    return out


def _all_true(c: Any) -> bool:
    return not isinstance(c, Tracer) and bool(np.all(c))


def _and(*cs: Any) -> Any:
    out = True
    for c in cs:
        if c is True:
            continue
        out = c if out is True else logical_and(out, c)
    return out


def _select(cond: Any, val: Any, other: float) -> Any:
    """``where(cond, val, other)``, skipped when ``cond`` holds everywhere (but keeping the
    broadcast shape of ``cond``)."""
    if cond is True or (_all_true(cond) and shape_of(val) == np.broadcast_shapes(shape_of(val), shape_of(cond))):
        return val
    return where(cond, val, other)


def _safe(cond: Any, x: Any, fill: float) -> Any:
    """``x`` where ``cond`` holds and ``fill`` elsewhere: keeps masked branches finite."""
    if cond is True or _all_true(cond):
        return x
    return where(cond, x, fill)


def _bind_args(method: str, names: tuple, defaults: dict, args: tuple, kwds: dict) -> list:
    if len(args) > len(names):
        raise TypeError(f"{method}() takes at most {len(names) + 1} positional arguments ({len(args) + 1} given)")
    vals: dict = dict(zip(names, args))
    for k, v in kwds.items():
        if k not in names:
            raise TypeError(f"{method}() got an unexpected keyword argument {k!r}")
        if k in vals:
            raise TypeError(f"{method}() got multiple values for argument {k!r}")
        vals[k] = v
    out = []
    for n in names:
        if n in vals:
            out.append(vals[n])
        elif n in defaults:
            out.append(defaults[n])
        else:
            raise TypeError(f"{method}() missing 1 required positional argument: {n!r}")
    return out


class _Frozen:
    """A distribution with its parameters fixed (``norm(loc, scale)``)."""

    def __init__(self, dist: Any, args: tuple, kwds: dict) -> None:
        self.dist = dist
        self.args = args
        self.kwds = kwds

    def __getattr__(self, name: str) -> Callable:
        method = getattr(self.dist, name)
        if not callable(method):
            return method
        return lambda x: method(x, *self.args, **self.kwds)

    def __repr__(self) -> str:
        return f"<frozen wengert.scipy.stats.{self.dist.name}{self.args!r}{self.kwds!r}>"


class _Dist:
    name = ""
    _methods: tuple = ()

    def __call__(self, *args: Any, **kwds: Any) -> _Frozen:
        return _Frozen(self, args, kwds)

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        raise AttributeError(
            f"wengert.scipy.stats.{self.name}.{attr} is not supported; differentiable methods "
            f"are {', '.join(self._methods)} (use scipy.stats.{self.name}.{attr} on plain arrays)"
        )

    def __repr__(self) -> str:
        return f"<wengert.scipy.stats.{self.name}>"


# ----------------------------------------------------------------------------- continuous


class _Continuous(_Dist):
    """loc/scale family: ``f(x) = _logpdf((x - loc) / scale) - log(scale)``."""

    shapes: tuple = ()
    lower = -math.inf
    upper = math.inf
    inside = 0.0  # a point inside the support (used where x is outside it)
    _methods = ("logpdf", "pdf", "logcdf", "cdf", "logsf", "sf")

    def _argcheck(self, *shapes: Any) -> Any:
        return _and(*(less(0, s) for s in shapes))

    def _parse(self, method: str, x: Any, args: tuple, kwds: dict) -> tuple:
        vals = _bind_args(method, self.shapes + ("loc", "scale"), {"loc": 0.0, "scale": 1.0}, args, kwds)
        x, *vals = _floats(x, *vals)
        shapes = vals[: len(self.shapes)]
        loc, scale = vals[-2], vals[-1]
        valid = _and(self._argcheck(*shapes), less(0, scale))
        # nan in x or in a parameter gives nan, as in SciPy
        valid = _and(valid, logical_not(isnan(x)))
        shapes = [_safe(valid, s, 1.0) for s in shapes]
        scale = _safe(valid, scale, 1.0)
        z = (x - loc) / scale
        return z, shapes, scale, valid

    def _masks(self, z: Any) -> tuple:
        lo = True if self.lower == -math.inf else less(self.lower, z)
        hi = True if self.upper == math.inf else less(z, self.upper)
        return lo, hi

    def _finish(self, val: Any, valid: Any) -> Any:
        return _select(valid, val, math.nan)

    # log density ---------------------------------------------------------------------
    def logpdf(self, x: Any, *args: Any, **kwds: Any) -> Any:
        z, shapes, scale, valid = self._parse("logpdf", x, args, kwds)
        lo = True if self.lower == -math.inf else less_equal(self.lower, z)
        hi = True if self.upper == math.inf else less_equal(z, self.upper)
        sup = _and(lo, hi)
        zs = _safe(sup, z, self.inside)
        val = self._logpdf(zs, *shapes) - log_p.bind(scale)
        return self._finish(_select(sup, val, -math.inf), valid)

    def pdf(self, x: Any, *args: Any, **kwds: Any) -> Any:
        return exp_p.bind(self.logpdf(x, *args, **kwds))

    # distribution functions -------------------------------------------------------------
    def _tails(self, method: str, x: Any, args: tuple, kwds: dict, fn: Callable, below: float, above: float) -> Any:
        z, shapes, scale, valid = self._parse(method, x, args, kwds)
        lo, hi = self._masks(z)
        inside = _and(lo, hi)
        zs = _safe(inside, z, self.inside)
        val = fn(zs, *shapes)
        if hi is not True:
            val = _select(hi, val, above)
        if lo is not True:
            val = _select(lo, val, below)
        return self._finish(val, valid)

    def cdf(self, x: Any, *args: Any, **kwds: Any) -> Any:
        return self._tails("cdf", x, args, kwds, self._cdf, 0.0, 1.0)

    def sf(self, x: Any, *args: Any, **kwds: Any) -> Any:
        return self._tails("sf", x, args, kwds, self._sf, 1.0, 0.0)

    def logcdf(self, x: Any, *args: Any, **kwds: Any) -> Any:
        return self._tails("logcdf", x, args, kwds, self._logcdf, -math.inf, 0.0)

    def logsf(self, x: Any, *args: Any, **kwds: Any) -> Any:
        return self._tails("logsf", x, args, kwds, self._logsf, 0.0, -math.inf)

    def _logcdf(self, z: Any, *shapes: Any) -> Any:
        return log_p.bind(self._cdf(z, *shapes))

    def _logsf(self, z: Any, *shapes: Any) -> Any:
        return log_p.bind(self._sf(z, *shapes))


class _Norm(_Continuous):
    name = "norm"
    _methods = _Continuous._methods + ("ppf", "isf")

    def _logpdf(self, z: Any) -> Any:
        return -0.5 * (z * z) - _LOG_SQRT_2PI

    def _cdf(self, z: Any) -> Any:
        return _s.ndtr_p.bind(z)

    def _sf(self, z: Any) -> Any:
        return _s.ndtr_p.bind(-z)

    def _logcdf(self, z: Any) -> Any:
        return _s.log_ndtr_p.bind(z)

    def _logsf(self, z: Any) -> Any:
        return _s.log_ndtr_p.bind(-z)

    def _quantile(self, method: str, q: Any, args: tuple, kwds: dict, upper: bool) -> Any:
        loc, scale = _bind_args(method, ("loc", "scale"), {"loc": 0.0, "scale": 1.0}, args, kwds)
        q, loc, scale = _floats(q, loc, scale)
        valid = _and(less(0, scale), less_equal(0, q), less_equal(q, 1))
        scale = _safe(valid, scale, 1.0)
        qs = _safe(valid, q, 0.5)
        z = _s.ndtri_p.bind(qs)
        return self._finish(loc - scale * z if upper else loc + scale * z, valid)

    def ppf(self, q: Any, *args: Any, **kwds: Any) -> Any:
        """Quantile function ``loc + scale * ndtri(q)``."""
        return self._quantile("ppf", q, args, kwds, False)

    def isf(self, q: Any, *args: Any, **kwds: Any) -> Any:
        """Inverse survival function ``loc - scale * ndtri(q)``."""
        return self._quantile("isf", q, args, kwds, True)


class _T(_Continuous):
    name = "t"
    shapes = ("df",)

    def _logpdf(self, z: Any, df: Any) -> Any:
        fin = logical_not(isinf(df))
        d = _safe(fin, df, 1.0)
        h = 0.5 * (d + 1.0)
        val = (
            _s.gammaln_p.bind(h)
            - _s.gammaln_p.bind(0.5 * d)
            - 0.5 * (log_p.bind(d) + math.log(math.pi))
            - h * log1p_p.bind(z * z / d)
        )
        if fin is True or _all_true(fin):
            return val
        return where(fin, val, -0.5 * (z * z) - _LOG_SQRT_2PI)  # df = inf: the normal

    def _cdf(self, z: Any, df: Any) -> Any:
        return _s.stdtr_p.bind(df, z)

    def _sf(self, z: Any, df: Any) -> Any:
        return _s.stdtr_p.bind(df, -z)


class _Gamma(_Continuous):
    name = "gamma"
    shapes = ("a",)
    lower = 0.0
    inside = 1.0

    def _logpdf(self, z: Any, a: Any) -> Any:
        return _s.xlogy_p.bind(a - 1.0, z) - z - _s.gammaln_p.bind(a)

    def _cdf(self, z: Any, a: Any) -> Any:
        return _s.igamma_p.bind(a, z, k=0, upper=False)

    def _sf(self, z: Any, a: Any) -> Any:
        return _s.igamma_p.bind(a, z, k=0, upper=True)


class _Chi2(_Continuous):
    name = "chi2"
    shapes = ("df",)
    lower = 0.0
    inside = 1.0

    def _logpdf(self, z: Any, df: Any) -> Any:
        h = 0.5 * df
        return _s.xlogy_p.bind(h - 1.0, z) - 0.5 * z - _s.gammaln_p.bind(h) - _LOG2 * h

    def _cdf(self, z: Any, df: Any) -> Any:
        return _s.igamma_p.bind(0.5 * df, 0.5 * z, k=0, upper=False)

    def _sf(self, z: Any, df: Any) -> Any:
        return _s.igamma_p.bind(0.5 * df, 0.5 * z, k=0, upper=True)


class _Beta(_Continuous):
    name = "beta"
    shapes = ("a", "b")
    lower = 0.0
    upper = 1.0
    inside = 0.5

    def _logpdf(self, z: Any, a: Any, b: Any) -> Any:
        return _s.xlog1py_p.bind(b - 1.0, -z) + _s.xlogy_p.bind(a - 1.0, z) - _s.betaln_p.bind(a, b)

    def _cdf(self, z: Any, a: Any, b: Any) -> Any:
        return _s.ibeta_p.bind(a, b, z, j=0, k=0, upper=False)

    def _sf(self, z: Any, a: Any, b: Any) -> Any:
        return _s.ibeta_p.bind(a, b, z, j=0, k=0, upper=True)


# ----------------------------------------------------------------------------- discrete


class _Discrete(_Dist):
    """Integer-valued distributions with a ``loc`` shift; ``k`` and ``loc`` are data."""

    shapes: tuple = ()
    lower = 0.0
    upper = math.inf
    _methods = ("logpmf", "pmf", "logcdf", "cdf", "logsf", "sf")

    def _parse(self, method: str, k: Any, args: tuple, kwds: dict) -> tuple:
        vals = _bind_args(method, self.shapes + ("loc",), {"loc": 0}, args, kwds)
        k, *vals = _floats(k, *vals)
        k = stop_gradient(k)
        loc = stop_gradient(vals[-1])
        shapes = vals[:-1]
        valid = _and(self._argcheck(*shapes), logical_not(isnan(k)))
        shapes = [_safe(valid, s, self._safe_shape) for s in shapes]
        return k - loc, shapes, valid

    def logpmf(self, k: Any, *args: Any, **kwds: Any) -> Any:
        kk, shapes, valid = self._parse("logpmf", k, args, kwds)
        sup = _and(less_equal(self.lower, kk), less_equal(kk, self.upper), equal(floor_p.bind(kk), kk))
        val = self._logpmf(_safe(sup, kk, self.lower), *shapes)
        return _select(valid, _select(sup, val, -math.inf), math.nan)

    def pmf(self, k: Any, *args: Any, **kwds: Any) -> Any:
        return exp_p.bind(self.logpmf(k, *args, **kwds))

    def _tails(self, method: str, k: Any, args: tuple, kwds: dict, fn: Callable, below: float, above: float) -> Any:
        kk, shapes, valid = self._parse(method, k, args, kwds)
        lo = less_equal(self.lower, kk)
        hi = True if self.upper == math.inf else less(kk, self.upper)
        kf = floor_p.bind(_safe(_and(lo, hi), kk, self.lower))
        val = fn(kf, *shapes)
        if hi is not True:
            val = _select(hi, val, above)
        val = _select(lo, val, below)
        return _select(valid, val, math.nan)

    def cdf(self, k: Any, *args: Any, **kwds: Any) -> Any:
        return self._tails("cdf", k, args, kwds, self._cdf, 0.0, 1.0)

    def sf(self, k: Any, *args: Any, **kwds: Any) -> Any:
        return self._tails("sf", k, args, kwds, self._sf, 1.0, 0.0)

    def logcdf(self, k: Any, *args: Any, **kwds: Any) -> Any:
        return self._tails("logcdf", k, args, kwds, lambda kf, *s: log_p.bind(self._cdf(kf, *s)), -math.inf, 0.0)

    def logsf(self, k: Any, *args: Any, **kwds: Any) -> Any:
        return self._tails("logsf", k, args, kwds, lambda kf, *s: log_p.bind(self._sf(kf, *s)), 0.0, -math.inf)


class _Poisson(_Discrete):
    name = "poisson"
    shapes = ("mu",)
    _safe_shape = 1.0

    def _argcheck(self, mu: Any) -> Any:
        return less_equal(0, mu)

    def _logpmf(self, k: Any, mu: Any) -> Any:
        return _s.xlogy_p.bind(k, mu) - _s.gammaln_p.bind(k + 1.0) - mu

    def _cdf(self, k: Any, mu: Any) -> Any:
        return _s.igamma_p.bind(k + 1.0, mu, k=0, upper=True)

    def _sf(self, k: Any, mu: Any) -> Any:
        return _s.igamma_p.bind(k + 1.0, mu, k=0, upper=False)


class _Bernoulli(_Discrete):
    name = "bernoulli"
    shapes = ("p",)
    upper = 1.0
    _safe_shape = 0.5

    def _argcheck(self, p: Any) -> Any:
        return _and(less_equal(0, p), less_equal(p, 1))

    def _logpmf(self, k: Any, p: Any) -> Any:
        return _s.xlogy_p.bind(k, p) + _s.xlog1py_p.bind(1.0 - k, -p)

    def _cdf(self, k: Any, p: Any) -> Any:
        return 1.0 - p + 0.0 * k  # only 0 <= k < 1 reaches here

    def _sf(self, k: Any, p: Any) -> Any:
        return p + 0.0 * k


# ----------------------------------------------------------------------------- multivariate


class _Dirichlet(_Dist):
    name = "dirichlet"
    _methods = ("logpdf", "pdf")

    def logpdf(self, x: Any, alpha: Any) -> Any:
        """Log density; ``x`` has the components on its first axis (SciPy's convention),
        either all K of them or K-1 (the last one is then ``1 - sum``)."""
        x, alpha = _floats(x, alpha)
        av = np.asarray(_lower(alpha))
        if av.ndim != 1:
            raise ValueError(f"Parameter vector 'a' must be one dimensional, but a.shape = {av.shape}.")
        if np.min(av) <= 0:
            raise ValueError("All parameters must be greater than 0")
        xs = shape_of(x)
        k = av.shape[0]
        if not xs or (xs[0] + 1 != k and xs[0] != k):
            raise ValueError(
                "Vector 'x' must have either the same number of entries as, or one entry fewer "
                f"than, parameter vector 'a', but alpha.shape = {av.shape} and x.shape = {xs}."
            )
        if xs[0] != k:

            last = 1.0 - sum_p.bind(x, axis=(0,), keepdims=True)
            x = concatenate([x, last], axis=0)
        xv = np.asarray(_lower(x))
        if np.min(xv) < 0:
            raise ValueError("Each entry in 'x' must be greater than or equal to zero.")
        if np.max(xv) > 1:
            raise ValueError("Each entry in 'x' must be smaller or equal one.")
        a_col = reshape(alpha, (k,) + (1,) * (len(shape_of(x)) - 1))
        if np.any((xv == 0) & (np.asarray(_lower(a_col)) < 1)):
            raise ValueError("Each entry in 'x' must be greater than zero if its alpha is less than one.")
        if np.any(np.abs(np.sum(xv, 0) - 1.0) > 10e-10):
            raise ValueError(
                f"The input vector 'x' must lie within the normal simplex. but np.sum(x, 0) = {np.sum(xv, 0)}."
            )
        lnb = sum_p.bind(_s.gammaln_p.bind(alpha), axis=(0,), keepdims=False) - _s.gammaln_p.bind(
            sum_p.bind(alpha, axis=(0,), keepdims=False)
        )
        return sum_p.bind(_s.xlogy_p.bind(a_col - 1.0, x), axis=(0,), keepdims=False) - lnb

    def pdf(self, x: Any, alpha: Any) -> Any:
        return exp_p.bind(self.logpdf(x, alpha))


class _MultivariateNormal(_Dist):
    name = "multivariate_normal"
    _methods = ("logpdf", "pdf")

    def logpdf(self, x: Any, mean: Any = None, cov: Any = 1, allow_singular: bool = False) -> Any:
        """Log density through the Cholesky factor of ``cov`` (a scalar, the diagonal or
        the full matrix); ``x`` has the components on its last axis.  Differentiable in
        ``x``, ``mean`` and ``cov`` (the gradient with respect to a full ``cov`` is
        symmetric).  A singular ``cov`` raises ``numpy.linalg.LinAlgError`` (the
        pseudo-determinant form of ``allow_singular=True`` is not differentiable here)."""
        x, mean, cov = _floats(x, mean, cov)
        cs = shape_of(cov)
        if mean is not None:
            ms = shape_of(mean)
            if len(ms) > 1:
                raise ValueError("Array 'mean' must be a vector of length 1 or a scalar")
            dim = ms[0] if ms else (cs[0] if cs else 1)
            if len(cs) >= 1 and ms and cs[0] != ms[0] and ms[0] != 1:
                raise ValueError(f"Array 'mean' must be a vector of length {cs[0]}.")
        else:
            dim = cs[0] if cs else 1
            mean = np.zeros(dim, dtype=dtype_of(cov))
        if len(cs) > 2:
            raise ValueError(f"Array 'cov' must be at most two-dimensional, but cov.ndim = {len(cs)}")
        if len(cs) == 2 and cs != (dim, dim):
            raise ValueError(f"Array 'cov' must be square if it is two dimensional, but cov.shape = {cs}.")
        if len(cs) == 1 and cs[0] != dim:
            raise ValueError(f"Array 'cov' must be a vector of length {dim}")
        xs = shape_of(x)
        if len(xs) == 0:
            x = reshape(x, (1,))
        elif len(xs) == 1:
            x = reshape(x, (-1, 1) if dim == 1 else (1, dim))
        if shape_of(x)[-1] != dim:
            raise ValueError(f"x has {shape_of(x)[-1]} components on its last axis, the distribution has {dim}")
        dev = x - mean
        if len(cs) < 2:  # scalar or diagonal covariance
            var = cov * np.ones(dim, dtype=dtype_of(cov)) if len(cs) == 0 else cov
            cv = np.asarray(_lower(var))
            if np.any(cv <= 0):
                raise np.linalg.LinAlgError(
                    "the covariance is not positive definite (singular covariances are not supported)"
                )
            logdet = sum_p.bind(log_p.bind(var), axis=(0,), keepdims=False)
            maha = sum_p.bind(dev * dev / var, axis=(len(shape_of(dev)) - 1,), keepdims=False)
        else:
            low = cholesky(cov)
            diag = np.asarray(np.diagonal(_lower(low)))
            if not np.all(np.isfinite(diag)) or np.any(diag <= 0):
                raise np.linalg.LinAlgError("the covariance is singular or not positive definite")

            logdet = 2.0 * sum_p.bind(log_p.bind(diagonal(low)), axis=(0,), keepdims=False)
            flat = reshape(dev, (-1, dim))

            white = solve_triangular(low, transpose(flat, (1, 0)), lower=True)  # (dim, n)
            maha = reshape(sum_p.bind(white * white, axis=(0,), keepdims=False), shape_of(dev)[:-1])
        out = -0.5 * (dim * 2.0 * _LOG_SQRT_2PI + logdet + maha)
        squeezed = tuple(n for n in shape_of(out) if n != 1)
        return reshape(out, squeezed) if squeezed != shape_of(out) else out  # SciPy squeezes

    def pdf(self, x: Any, mean: Any = None, cov: Any = 1, allow_singular: bool = False) -> Any:
        return exp_p.bind(self.logpdf(x, mean, cov, allow_singular))


norm = _Norm()
t = _T()
gamma = _Gamma()
chi2 = _Chi2()
beta = _Beta()
poisson = _Poisson()
bernoulli = _Bernoulli()
dirichlet = _Dirichlet()
multivariate_normal = _MultivariateNormal()
