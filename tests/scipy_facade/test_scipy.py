"""wengert.scipy: special functions, distributions, linear algebra and convolution.

Every function is checked against SciPy's values, against finite differences to second
order (check_grads), forward mode against reverse mode, in float64 and float32.
"""

import math
import subprocess
import sys
import warnings

import numpy as np
import pytest

sc = pytest.importorskip("scipy.special")
import scipy.linalg as sl  # noqa: E402
import scipy.signal as ss  # noqa: E402
import scipy.stats as st  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as hst  # noqa: E402

import wengert as w  # noqa: E402
import wengert.numpy as wnp  # noqa: E402
import wengert.scipy.linalg as wl  # noqa: E402
import wengert.scipy.signal as wsig  # noqa: E402
import wengert.scipy.special as ws  # noqa: E402
import wengert.scipy.stats as wst  # noqa: E402
from wengert import Primitive  # noqa: E402
from wengert.ops import scipy_linalg, scipy_signal  # noqa: E402
from wengert.ops import special as ops_special  # noqa: E402

RNG = np.random.default_rng(1234)


def _jac_both(f, args):
    nums = tuple(range(len(args)))
    jf = w.jacfwd(f, argnums=nums)(*args)
    jr = w.jacrev(f, argnums=nums)(*args)
    for a, b in zip(jf, jr):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)


# =============================================================================== special
# name -> (wengert function, SciPy function, domains of the differentiable arguments).
# Constant leading arguments (orders) are bound in the lambdas.
UNARY_SHAPE = (2, 3)
BINARY_SHAPES = ((2, 1), (3,))

SPECIAL = {
    "gamma": (ws.gamma, sc.gamma, [(0.5, 3.0)]),
    "gammaln": (ws.gammaln, sc.gammaln, [(0.3, 5.0)]),
    "loggamma": (ws.loggamma, sc.loggamma, [(0.3, 5.0)]),
    "digamma": (ws.digamma, sc.digamma, [(0.3, 5.0)]),
    "psi": (ws.psi, sc.psi, [(0.3, 5.0)]),
    "polygamma1": (lambda x: ws.polygamma(1, x), lambda x: sc.polygamma(1, x), [(0.5, 4.0)]),
    "polygamma3": (lambda x: ws.polygamma(3, x), lambda x: sc.polygamma(3, x), [(0.5, 4.0)]),
    "beta": (ws.beta, sc.beta, [(0.5, 3.0), (0.5, 3.0)]),
    "betaln": (ws.betaln, sc.betaln, [(0.5, 3.0), (0.5, 3.0)]),
    "erf": (ws.erf, sc.erf, [(-2.0, 2.0)]),
    "erfc": (ws.erfc, sc.erfc, [(-2.0, 2.0)]),
    "erfcx": (ws.erfcx, sc.erfcx, [(-1.0, 3.0)]),
    "erfinv": (ws.erfinv, sc.erfinv, [(-0.9, 0.9)]),
    "erfcinv": (ws.erfcinv, sc.erfcinv, [(0.1, 1.9)]),
    "ndtr": (ws.ndtr, sc.ndtr, [(-3.0, 3.0)]),
    "ndtri": (ws.ndtri, sc.ndtri, [(0.05, 0.95)]),
    "log_ndtr": (ws.log_ndtr, sc.log_ndtr, [(-12.0, 5.0)]),
    "expit": (ws.expit, sc.expit, [(-5.0, 5.0)]),
    "logit": (ws.logit, sc.logit, [(0.05, 0.95)]),
    "log_expit": (ws.log_expit, sc.log_expit, [(-5.0, 5.0)]),
    "xlogy": (ws.xlogy, sc.xlogy, [(-2.0, 2.0), (0.2, 3.0)]),
    "xlog1py": (ws.xlog1py, sc.xlog1py, [(-2.0, 2.0), (-0.8, 3.0)]),
    "entr": (ws.entr, sc.entr, [(0.1, 3.0)]),
    "rel_entr": (ws.rel_entr, sc.rel_entr, [(0.1, 3.0), (0.1, 3.0)]),
    "kl_div": (ws.kl_div, sc.kl_div, [(0.1, 3.0), (0.1, 3.0)]),
    "i0": (ws.i0, sc.i0, [(-3.0, 3.0)]),
    "i0e": (ws.i0e, sc.i0e, [(-3.0, 3.0)]),
    "i1": (ws.i1, sc.i1, [(-3.0, 3.0)]),
    "i1e": (ws.i1e, sc.i1e, [(-3.0, 3.0)]),
    "j0": (ws.j0, sc.j0, [(-6.0, 6.0)]),
    "j1": (ws.j1, sc.j1, [(-6.0, 6.0)]),
    "y0": (ws.y0, sc.y0, [(0.3, 6.0)]),
    "y1": (ws.y1, sc.y1, [(0.3, 6.0)]),
    "k0": (ws.k0, sc.k0, [(0.3, 4.0)]),
    "k0e": (ws.k0e, sc.k0e, [(0.3, 4.0)]),
    "k1": (ws.k1, sc.k1, [(0.3, 4.0)]),
    "k1e": (ws.k1e, sc.k1e, [(0.3, 4.0)]),
    "iv": (lambda x: ws.iv(1.5, x), lambda x: sc.iv(1.5, x), [(0.2, 3.0)]),
    "ive": (lambda x: ws.ive(0.7, x), lambda x: sc.ive(0.7, x), [(0.2, 3.0)]),
    "ive_int": (lambda x: ws.ive(2, x), lambda x: sc.ive(2, x), [(-3.0, 3.0)]),
    "jv": (lambda x: ws.jv(2.3, x), lambda x: sc.jv(2.3, x), [(0.2, 6.0)]),
    "yv": (lambda x: ws.yv(1.2, x), lambda x: sc.yv(1.2, x), [(0.5, 6.0)]),
    "kv": (lambda x: ws.kv(0.4, x), lambda x: sc.kv(0.4, x), [(0.3, 4.0)]),
    "kve": (lambda x: ws.kve(2.5, x), lambda x: sc.kve(2.5, x), [(0.3, 4.0)]),
    "gammainc": (ws.gammainc, sc.gammainc, [(0.4, 4.0), (0.2, 6.0)]),
    "gammaincc": (ws.gammaincc, sc.gammaincc, [(0.4, 4.0), (0.2, 6.0)]),
    "betainc": (ws.betainc, sc.betainc, [(0.4, 3.0), (0.4, 3.0), (0.05, 0.95)]),
    "betaincc": (ws.betaincc, sc.betaincc, [(0.4, 3.0), (0.4, 3.0), (0.05, 0.95)]),
    "stdtr": (ws.stdtr, sc.stdtr, [(0.5, 8.0), (-3.0, 3.0)]),
    "multigammaln": (lambda a: ws.multigammaln(a, 3), lambda a: sc.multigammaln(a, 3), [(1.2, 4.0)]),
}
# The incomplete gamma/beta derivatives in the shape parameters run a quadrature per
# element: smaller arrays there.
SLOW = {"gammainc", "gammaincc", "betainc", "betaincc", "stdtr"}


def _special_args(name, dtype=np.float64):
    domains = SPECIAL[name][2]
    if name in SLOW:
        shapes = [(2,)] * len(domains)
    elif len(domains) == 1:
        shapes = [UNARY_SHAPE]
    else:
        shapes = list(BINARY_SHAPES)
    return tuple(RNG.uniform(lo, hi, s).astype(dtype) for (lo, hi), s in zip(domains, shapes))


def _reference(name, args):
    with np.errstate(all="ignore"):
        if name == "multigammaln":  # SciPy's multigammaln reduces over its own stacking axis
            return np.vectorize(lambda a: sc.multigammaln(a, 3))(args[0])
        return SPECIAL[name][1](*args)


@pytest.mark.parametrize("name", sorted(SPECIAL))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_special_values(name, dtype):
    f = SPECIAL[name][0]
    args = _special_args(name, dtype)
    out = f(*args)
    expected = _reference(name, args)
    assert np.shape(out) == np.shape(expected)
    assert np.asarray(out).dtype == dtype
    tol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(out, expected, rtol=tol, atol=tol)


@pytest.mark.parametrize("name", sorted(SPECIAL))
def test_special_grads(name):
    f = SPECIAL[name][0]
    args = _special_args(name)
    w.check_grads(f, args, order=2)


@pytest.mark.parametrize("name", sorted(SPECIAL))
def test_special_forward_equals_reverse(name):
    f = SPECIAL[name][0]
    args = _special_args(name)
    _jac_both(f, args)


@pytest.mark.parametrize("name", sorted(set(SPECIAL) - SLOW))
def test_special_float32_gradients(name):
    f = SPECIAL[name][0]
    args64 = _special_args(name)
    args32 = tuple(a.astype(np.float32) for a in args64)
    nums = tuple(range(len(args64)))
    g32 = w.grad(lambda *a: wnp.sum(f(*a)), argnums=nums)(*args32)
    g64 = w.grad(lambda *a: wnp.sum(f(*a)), argnums=nums)(*args64)
    for a, b in zip(g32, g64):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=2e-3, atol=2e-3)


def test_special_vmap_matches_loop():
    x = RNG.uniform(0.5, 2.0, (4, 3))
    for f in (ws.gammaln, lambda v: ws.polygamma(2, v), lambda v: ws.iv(1.5, v), lambda v: ws.gammainc(v, 1.3)):
        np.testing.assert_allclose(w.vmap(f)(x), np.stack([f(v) for v in x]))


# Closed forms (and the conventions at special points): (function, point, derivative).
CLOSED_FORMS = [
    (ws.gamma, 2.5, sc.gamma(2.5) * sc.digamma(2.5)),
    (ws.gammaln, 0.7, sc.digamma(0.7)),
    (ws.digamma, 1.3, sc.polygamma(1, 1.3)),
    (lambda x: ws.polygamma(2, x), 1.3, sc.polygamma(3, 1.3)),
    (lambda a: ws.betaln(a, 2.0), 1.5, sc.digamma(1.5) - sc.digamma(3.5)),
    (lambda b: ws.beta(1.5, b), 2.0, sc.beta(1.5, 2.0) * (sc.digamma(2.0) - sc.digamma(3.5))),
    (ws.erfinv, 0.0, math.sqrt(math.pi) / 2),
    (ws.erfinv, 0.6, math.sqrt(math.pi) / 2 * math.exp(sc.erfinv(0.6) ** 2)),
    (ws.erfcinv, 0.4, -math.sqrt(math.pi) / 2 * math.exp(sc.erfcinv(0.4) ** 2)),
    (ws.ndtri, 0.5, math.sqrt(2 * math.pi)),
    (ws.ndtr, 0.3, math.exp(-0.045) / math.sqrt(2 * math.pi)),
    (ws.log_ndtr, -40.0, 40.02497),  # phi/Phi, stable far in the tail (~ -x)
    (ws.log_ndtr, 10.0, math.exp(-50.0) / math.sqrt(2 * math.pi)),
    (ws.expit, 40.0, math.exp(-40.0)),  # accurate where 1 - expit(x) rounds to 0
    (ws.i0, 1.2, sc.i1(1.2)),
    (ws.i1, 1.2, sc.i0(1.2) - sc.i1(1.2) / 1.2),
    (ws.i1, 0.0, 0.5),
    (ws.i1e, 0.0, 0.5),
    (ws.j0, 1.2, -sc.j1(1.2)),
    (ws.j1, 1.2, sc.j0(1.2) - sc.j1(1.2) / 1.2),
    (ws.j1, 0.0, 0.5),
    (ws.y0, 1.2, -sc.y1(1.2)),
    (ws.y1, 1.2, sc.y0(1.2) - sc.y1(1.2) / 1.2),
    (lambda x: ws.ive(1.0, x), -0.8, 0.5 * (sc.ive(0.0, -0.8) + sc.ive(2.0, -0.8)) + sc.ive(1.0, -0.8)),
    (lambda x: ws.xlogy(x, 2.0), 0.0, math.log(2.0)),  # d/dx = log(y), also at x == 0
    (lambda y: ws.xlogy(0.0, y), 2.0, 0.0),
    (lambda y: ws.xlogy(0.0, y), 0.0, 0.0),  # 0 (JAX: nan)
    (lambda y: ws.xlog1py(0.0, y), -1.0, 0.0),
    (ws.entr, 0.0, math.inf),
    (ws.entr, -1.0, 0.0),
    (lambda x: ws.rel_entr(x, 2.0), 0.0, 0.0),
    (lambda x: ws.gammainc(2.0, x), 1.5, 1.5 * math.exp(-1.5)),
    (lambda t: ws.stdtr(3.0, t), 0.0, st.t.pdf(0.0, 3.0)),
    (lambda d: ws.stdtr(d, 0.0), 3.0, 0.0),
]


@pytest.mark.parametrize("k", range(len(CLOSED_FORMS)))
def test_special_closed_form_derivatives(k):
    f, x, expected = CLOSED_FORMS[k]
    with np.errstate(divide="ignore"):  # entr'(0) = inf is computed as -(log 0 + 1)
        rev = w.grad(f)(x)
        fwd = w.jvp(f, (x,), (1.0,))[1]
    np.testing.assert_allclose(rev, expected, rtol=1e-6)
    np.testing.assert_allclose(fwd, expected, rtol=1e-6)


def test_special_second_derivatives_at_special_points():
    # i1 and j1 are odd: their second derivative vanishes at 0 (the where-guarded x == 0).
    assert w.grad(w.grad(ws.i1))(0.0) == 0.0
    assert w.grad(w.grad(ws.j1))(0.0) == 0.0
    np.testing.assert_allclose(w.grad(w.grad(ws.gammaln))(1.7), sc.polygamma(1, 1.7), rtol=1e-12)


def test_shape_parameter_derivatives_match_finite_differences():
    h = 1e-5
    for a, x in [(0.2, 0.3), (3.0, 0.3), (0.5, 30.0), (5.0, 9.0)]:
        fd = (sc.gammainc(a + h, x) - sc.gammainc(a - h, x)) / (2 * h)
        np.testing.assert_allclose(w.grad(ws.gammainc)(a, x), fd, rtol=1e-5, atol=1e-11)
        np.testing.assert_allclose(w.grad(ws.gammaincc)(a, x), -fd, rtol=1e-5, atol=1e-11)
    for a, b, x in [(0.3, 5.0, 0.01), (4.0, 0.4, 0.97), (2.0, 3.0, 0.5)]:
        ga, gb = w.grad(ws.betainc, argnums=(0, 1))(a, b, x)
        np.testing.assert_allclose(ga, (sc.betainc(a + h, b, x) - sc.betainc(a - h, b, x)) / (2 * h), rtol=1e-5)
        np.testing.assert_allclose(gb, (sc.betainc(a, b + h, x) - sc.betainc(a, b - h, x)) / (2 * h), rtol=1e-5)
    for df, t in [(3.0, -1.2), (0.5, 4.0), (2.0, 1e-3), (30.0, 2.0)]:
        fd = (sc.stdtr(df + h, t) - sc.stdtr(df - h, t)) / (2 * h)
        np.testing.assert_allclose(w.grad(ws.stdtr)(df, t), fd, rtol=1e-4, atol=1e-12)


def test_polygamma_order_is_not_differentiated():
    # n is an integer argument: differentiating with respect to it is refused
    with pytest.raises(TypeError):
        w.grad(ws.polygamma)(1, 2.0)
    assert w.grad(ws.polygamma, argnums=1)(1, 2.0) == pytest.approx(sc.polygamma(2, 2.0))


def test_multigammaln_checks_like_scipy():
    with pytest.raises(ValueError, match="not met"):
        ws.multigammaln(np.array([0.8, 3.0]), 3)
    with pytest.raises(ValueError, match="positive integer"):
        ws.multigammaln(3.0, 2.5)


def test_unsupported_ufunc_keywords_raise():
    with pytest.raises(TypeError, match="out="):
        ws.gammaln(np.ones(2), out=np.empty(2))


def test_plain_scipy_ufuncs_dispatch_on_traced_values():
    import scipy.special

    x = np.array([0.7, 1.5, 3.0])
    g = w.grad(lambda x: np.sum(scipy.special.gammaln(x) + scipy.special.xlogy(x, x)))(x)
    np.testing.assert_allclose(g, sc.digamma(x) + np.log(x) + 1.0, rtol=1e-12)


# --------------------------------------------------------------------------- logsumexp
LSE_CASES = [
    ((4,), None),
    ((3, 4), None),
    ((3, 4), 0),
    ((3, 4), 1),
    ((3, 4), -1),
    ((2, 3, 2), (0, 2)),
    ((2, 3, 2), 1),
]


@pytest.mark.parametrize("shape,axis", LSE_CASES)
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("weights", ["none", "positive", "signed"])
def test_logsumexp(shape, axis, keepdims, weights):
    a = RNG.standard_normal(shape)
    b = None
    if weights == "positive":
        b = RNG.uniform(0.5, 2.0, shape)
    elif weights == "signed":
        b = RNG.uniform(-1.0, 1.0, shape)
    out, sgn = ws.logsumexp(a, axis=axis, b=b, keepdims=keepdims, return_sign=True)
    eo, es = sc.logsumexp(a, axis=axis, b=b, keepdims=keepdims, return_sign=True)
    np.testing.assert_allclose(out, eo, rtol=1e-12)
    np.testing.assert_array_equal(sgn, es)
    with np.errstate(invalid="ignore"):
        np.testing.assert_allclose(
            ws.logsumexp(a, axis=axis, b=b, keepdims=keepdims), sc.logsumexp(a, axis=axis, b=b, keepdims=keepdims)
        )
    if b is None:
        f = lambda a: ws.logsumexp(a, axis=axis, keepdims=keepdims)  # noqa: E731
        args = (a,)
    else:
        f = lambda a, b: ws.logsumexp(a, axis=axis, b=b, keepdims=keepdims, return_sign=True)[0]  # noqa: E731
        args = (a, b)
    w.check_grads(f, args, order=2)
    _jac_both(f, args)


def test_logsumexp_edge_cases():
    # stable for large inputs: the gradient is the softmax
    a = np.array([1000.0, 1001.0, 999.0])
    np.testing.assert_allclose(ws.logsumexp(a), sc.logsumexp(a))
    np.testing.assert_allclose(w.grad(ws.logsumexp)(a), sc.softmax(a), rtol=1e-12)
    # zero weights ignore their a (even inf); a gets no gradient there, b the true one
    a = np.array([0.0, np.inf, 1.0])
    b = np.array([1.0, 0.0, 2.0])
    assert ws.logsumexp(a, b=b) == pytest.approx(sc.logsumexp(a, b=b))
    ga = w.grad(ws.logsumexp)(a, b=b)
    np.testing.assert_allclose(ga, [1 / (1 + 2 * math.e), 0.0, 2 * math.e / (1 + 2 * math.e)])
    a = np.array([0.0, 1.0])
    gb = w.grad(lambda b: ws.logsumexp(a, b=b))(np.array([1.0, 0.0]))
    np.testing.assert_allclose(gb, [1.0, math.e])
    # a negative sum: nan without return_sign, the magnitude and -1 with it
    with np.errstate(invalid="ignore"):
        assert np.isnan(ws.logsumexp([1.0, 2.0], b=[1.0, -1.0]))
    out, sgn = ws.logsumexp(np.array([1.0, 2.0]), b=np.array([1.0, -1.0]), return_sign=True)
    assert sgn == -1.0 and out == pytest.approx(math.log(math.e**2 - math.e))
    # empty reductions, 0-d input, integers, float32
    np.testing.assert_array_equal(ws.logsumexp(np.ones((2, 0)), axis=1), [-np.inf, -np.inf])
    np.testing.assert_allclose(ws.logsumexp(np.float64(2.0), keepdims=True), sc.logsumexp(np.float64(2.0), keepdims=True))
    assert ws.logsumexp(np.arange(3)) == pytest.approx(sc.logsumexp(np.arange(3)))
    x32 = np.float32([1.0, 2.0, 3.0])
    assert ws.logsumexp(x32).dtype == np.float32
    assert w.grad(ws.logsumexp)(x32).dtype == np.float32


def test_logsumexp_vmap():
    a = RNG.standard_normal((4, 3))
    b = RNG.uniform(0.5, 2.0, (4, 3))
    v = w.vmap(lambda a, b: ws.logsumexp(a, b=b))(a, b)
    np.testing.assert_allclose(v, sc.logsumexp(a, b=b, axis=1))
    v = w.vmap(lambda a: ws.logsumexp(a, b=b[0]))(a)
    np.testing.assert_allclose(v, sc.logsumexp(a, b=b[0], axis=1))


@settings(max_examples=25, deadline=None)
@given(
    hst.lists(hst.floats(-30, 30), min_size=1, max_size=6),
    hst.floats(-800, 800),
)
def test_logsumexp_gradient_is_softmax_at_any_offset(vals, offset):
    a = np.array(vals) + offset
    g = w.grad(ws.logsumexp)(a)
    np.testing.assert_allclose(g, sc.softmax(a), rtol=1e-10, atol=1e-300)
    assert np.sum(g) == pytest.approx(1.0)


@pytest.mark.parametrize("axis", [None, 0, 1])
@pytest.mark.parametrize("fn,ref", [(ws.softmax, sc.softmax), (ws.log_softmax, sc.log_softmax)])
def test_softmax(fn, ref, axis):
    x = RNG.standard_normal((3, 4))
    np.testing.assert_allclose(fn(x, axis=axis), ref(x, axis=axis), rtol=1e-12, atol=1e-15)
    w.check_grads(lambda x: fn(x, axis=axis), (x,), order=2)
    _jac_both(lambda x: fn(x, axis=axis), (x,))
    assert fn(x.astype(np.float32), axis=axis).dtype == np.float32


# =============================================================================== stats
X_GRID = np.array([-1.5, -0.2, 0.0, 0.3, 0.7, 1.2, 3.0])
CONTINUOUS = {
    "norm": (0.3, 1.7),
    "t": (2.5, 0.2, 1.3),
    "t_large_df": (40.0, -0.1, 0.8),
    "gamma": (1.7, -0.5, 1.2),
    "gamma_small_a": (0.6, 0.1, 0.5),
    "beta": (1.5, 2.5, -0.5, 2.0),
    "beta_u": (0.7, 0.8, 0.0, 1.0),
    "chi2": (3.0, 0.1, 0.9),
}
CONT_METHODS = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]


def _dist(key):
    name = key.split("_")[0]
    return getattr(wst, name), getattr(st, name)


@pytest.mark.parametrize("key", sorted(CONTINUOUS))
@pytest.mark.parametrize("method", CONT_METHODS)
def test_continuous_values(key, method):
    d, ref = _dist(key)
    params = CONTINUOUS[key]
    with np.errstate(all="ignore"):
        expected = getattr(ref, method)(X_GRID, *params)
    np.testing.assert_allclose(getattr(d, method)(X_GRID, *params), expected, rtol=1e-9, atol=1e-300)


def _interior(key, method, params):
    """Grid points where the method is smooth and finite (inside the support, not a tail
    where the value underflows)."""
    _, ref = _dist(key)
    with np.errstate(all="ignore"):
        v = getattr(ref, method)(X_GRID, *params)
        p = ref.pdf(X_GRID, *params)
    ok = np.isfinite(v) & (p > 1e-8) & np.isfinite(p)
    return X_GRID[ok][:3]


@pytest.mark.parametrize("key", sorted(CONTINUOUS))
@pytest.mark.parametrize("method", CONT_METHODS)
def test_continuous_grads_in_every_argument(key, method):
    d, _ = _dist(key)
    params = CONTINUOUS[key]
    x = _interior(key, method, params)
    f = lambda x, *p: getattr(d, method)(x, *p)  # noqa: E731
    args = (x,) + tuple(np.float64(p) for p in params)
    w.check_grads(f, args, order=2)
    _jac_both(f, args)


def test_continuous_float32():
    x = X_GRID[3:].astype(np.float32)
    for key, params in CONTINUOUS.items():
        d, _ = _dist(key)
        for method in ("logpdf", "cdf"):
            out = getattr(d, method)(x, *params)
            assert out.dtype == np.float32, (key, method)
            g = w.grad(lambda x: wnp.sum(getattr(d, method)(x, *params)))(x)
            assert g.dtype == np.float32


def test_continuous_outside_support_and_invalid_parameters():
    # outside the support: -inf / 0; invalid parameters: nan (as SciPy), zero gradients
    for args in [(X_GRID, 0.0, -1.0), (X_GRID, 0.0, 0.0)]:
        np.testing.assert_array_equal(wst.norm.logpdf(*args), np.full(7, np.nan))
    with np.errstate(all="ignore"):
        for d, r, params in [
            (wst.gamma, st.gamma, (-1.0,)),
            (wst.beta, st.beta, (1.0, 0.0)),
            (wst.t, st.t, (-2.0,)),
            (wst.chi2, st.chi2, (0.0,)),
        ]:
            for m in CONT_METHODS:
                np.testing.assert_array_equal(getattr(d, m)(X_GRID, *params), getattr(r, m)(X_GRID, *params))
    with np.errstate(divide="ignore"):
        g = w.grad(lambda x: wnp.sum(wst.gamma.logpdf(x, 2.0)[2:]))(X_GRID)
    np.testing.assert_array_equal(g[:2], 0.0)  # -1.5, -0.2 are outside, and not differentiated
    assert g[2] == np.inf  # d/dx log(x) at the edge x == 0 of the (closed) support
    np.testing.assert_allclose(g[3:], 1.0 / X_GRID[3:] - 1.0)
    x = np.array([np.nan, 1.0])
    np.testing.assert_array_equal(np.isnan(wst.norm.cdf(x)), [True, False])


def test_t_with_infinite_df_is_normal():
    np.testing.assert_allclose(wst.t.logpdf(X_GRID, np.inf), st.t.logpdf(X_GRID, np.inf))
    np.testing.assert_allclose(w.grad(lambda x: wnp.sum(wst.t.logpdf(x, np.inf)))(X_GRID), -X_GRID)


def test_norm_quantiles():
    q = np.array([0.1, 0.5, 0.8])
    np.testing.assert_allclose(wst.norm.ppf(q, 1.0, 2.0), st.norm.ppf(q, 1.0, 2.0))
    np.testing.assert_allclose(wst.norm.isf(q, loc=1.0, scale=2.0), st.norm.isf(q, loc=1.0, scale=2.0))
    w.check_grads(lambda q, m, s: wst.norm.ppf(q, m, s), (q, np.float64(1.0), np.float64(2.0)), order=2)
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(wst.norm.ppf([-0.1, 1.1, 1.0]), st.norm.ppf([-0.1, 1.1, 1.0]))


def test_argument_conventions_and_frozen_distributions():
    x = X_GRID[3:]
    ref = st.gamma.logpdf(x, 2.0, loc=0.1, scale=1.5)
    np.testing.assert_allclose(wst.gamma.logpdf(x, 2.0, 0.1, 1.5), ref)
    np.testing.assert_allclose(wst.gamma.logpdf(x, a=2.0, loc=0.1, scale=1.5), ref)
    np.testing.assert_allclose(wst.gamma(2.0, loc=0.1, scale=1.5).logpdf(x), ref)
    np.testing.assert_allclose(wst.norm(1.0, 2.0).cdf(x), st.norm(1.0, 2.0).cdf(x))
    # broadcasting of parameters
    loc = np.array([[0.0], [1.0]])
    np.testing.assert_allclose(wst.norm.logpdf(x, loc), st.norm.logpdf(x, loc))
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'a'"):
        wst.gamma.logpdf(x)
    with pytest.raises(TypeError, match="unexpected keyword argument 'shape'"):
        wst.gamma.logpdf(x, shape=2.0)
    with pytest.raises(TypeError, match="multiple values"):
        wst.gamma.logpdf(x, 2.0, a=2.0)
    with pytest.raises(AttributeError, match="gamma.ppf is not supported"):
        wst.gamma.ppf(0.5, 2.0)


K_GRID = np.array([-1.0, 0.0, 1.0, 2.0, 2.5, 5.0, 12.0])
DISCRETE = {"poisson": (2.3,), "poisson_loc": (0.7, 1), "bernoulli": (0.3,), "bernoulli_loc": (0.8, -1)}


@pytest.mark.parametrize("key", sorted(DISCRETE))
@pytest.mark.parametrize("method", ["logpmf", "pmf", "cdf", "logcdf", "sf", "logsf"])
def test_discrete(key, method):
    d, ref = _dist(key)
    params = DISCRETE[key]
    with np.errstate(all="ignore"):
        expected = getattr(ref, method)(K_GRID, *params)
    np.testing.assert_allclose(getattr(d, method)(K_GRID, *params), expected, rtol=1e-10, atol=1e-300)
    # differentiable in the parameter where the value is finite and not saturated
    ok = np.isfinite(expected) & (np.abs(expected) > 1e-12) & (expected < 1 - 1e-12)
    if method in ("logcdf", "logsf"):
        ok &= expected < -1e-12
    k = K_GRID[ok]
    if k.size:
        f = lambda p: getattr(d, method)(k, p, *params[1:])  # noqa: E731
        w.check_grads(f, (np.float64(params[0]),), order=2)
        _jac_both(f, (np.float64(params[0]),))


def test_discrete_k_is_data():
    k = np.array([0.0, 1.0, 3.0])
    g = w.grad(lambda k: wnp.sum(wst.poisson.logpmf(k, 2.0)))(k)
    np.testing.assert_array_equal(g, 0.0)
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(wst.poisson.logpmf(k, -1.0), st.poisson.logpmf(k, -1.0))
        np.testing.assert_array_equal(wst.bernoulli.pmf(k, 1.5), st.bernoulli.pmf(k, 1.5))
    mu = np.float32(2.0)
    assert wst.poisson.logpmf(k.astype(np.float32), mu).dtype == np.float32
    assert w.grad(lambda m: wnp.sum(wst.poisson.logpmf(k, m)))(mu).dtype == np.float32
    # d/dmu log pmf = k/mu - 1
    np.testing.assert_allclose(w.grad(lambda m: wnp.sum(wst.poisson.logpmf(k, m)))(2.0), np.sum(k / 2.0 - 1))


def test_dirichlet():
    alpha = np.array([1.5, 2.0, 0.7])
    for x in (
        np.array([0.2, 0.5, 0.3]),
        np.array([[0.2, 0.3], [0.5, 0.1], [0.3, 0.6]]),
        np.array([[0.2, 0.3], [0.5, 0.1]]),  # K-1 components: the last is 1 - sum
    ):
        np.testing.assert_allclose(wst.dirichlet.logpdf(x, alpha), st.dirichlet.logpdf(x, alpha))
        np.testing.assert_allclose(wst.dirichlet.pdf(x, alpha), st.dirichlet.pdf(x, alpha))
    x = np.array([[0.2, 0.3], [0.5, 0.1]])
    w.check_grads(lambda x, a: wst.dirichlet.logpdf(x, a), (x, alpha), order=2)
    _jac_both(lambda x, a: wst.dirichlet.logpdf(x, a), (x, alpha))
    for bad, msg in [
        ((np.array([0.5, 0.6, 0.1]), alpha), "simplex"),
        ((np.array([0.5, 0.5]), np.array([1.0, -1.0])), "greater than 0"),
        ((np.array([0.5, 0.5, 0.0]), alpha), "greater than zero if its alpha"),
        ((np.array([0.5]), alpha), "one entry fewer"),
    ]:
        with pytest.raises(ValueError, match=msg):
            wst.dirichlet.logpdf(*bad)


MVN_X = RNG.standard_normal((4, 3))
MVN_MEAN = RNG.standard_normal(3)
_M = RNG.standard_normal((3, 3))
MVN_COV = _M @ _M.T + np.eye(3)


@pytest.mark.parametrize(
    "x,mean,cov",
    [
        (MVN_X, MVN_MEAN, MVN_COV),
        (MVN_X[0], MVN_MEAN, MVN_COV),
        (MVN_X[:, None, :], MVN_MEAN, MVN_COV),
        (MVN_X, None, MVN_COV),
        (MVN_X, MVN_MEAN, 2.0),
        (MVN_X, MVN_MEAN, np.array([1.0, 2.0, 0.5])),
        (np.array([0.3, 0.5]), None, 2.0),
        (np.array(0.3), 1.0, 2.0),
    ],
)
def test_multivariate_normal_values(x, mean, cov):
    np.testing.assert_allclose(
        wst.multivariate_normal.logpdf(x, mean, cov), st.multivariate_normal.logpdf(x, mean, cov), rtol=1e-12
    )
    np.testing.assert_allclose(wst.multivariate_normal.pdf(x, mean, cov), st.multivariate_normal.pdf(x, mean, cov))


def test_multivariate_normal_grads():
    def f(x, m, c):
        return wst.multivariate_normal.logpdf(x, m, (c + c.T) / 2)

    w.check_grads(f, (MVN_X, MVN_MEAN, MVN_COV), order=2)
    _jac_both(f, (MVN_X, MVN_MEAN, MVN_COV))
    # closed form: d/dmean = sum_i Sigma^{-1} (x_i - mean)
    g = w.grad(lambda m: wnp.sum(wst.multivariate_normal.logpdf(MVN_X, m, MVN_COV)))(MVN_MEAN)
    np.testing.assert_allclose(g, np.linalg.solve(MVN_COV, (MVN_X - MVN_MEAN).sum(0)))
    w.check_grads(lambda x, v: wst.multivariate_normal.logpdf(x, None, v), (MVN_X, np.array([1.0, 2.0, 0.5])), order=2)
    w.check_grads(lambda x, v: wst.multivariate_normal.logpdf(x, np.zeros(3), v), (MVN_X, np.float64(1.5)), order=2)
    g32 = w.grad(lambda x: wnp.sum(wst.multivariate_normal.logpdf(x, MVN_MEAN, MVN_COV)))(MVN_X.astype(np.float32))
    assert g32.dtype == np.float32  # gradients have the dtype of their input
    f32 = lambda x: wnp.sum(wst.multivariate_normal.logpdf(x, None, MVN_COV.astype(np.float32)))  # noqa: E731
    assert w.grad(f32)(MVN_X.astype(np.float32)).dtype == np.float32
    v = w.vmap(lambda m: wst.multivariate_normal.logpdf(MVN_X, m, MVN_COV))(MVN_X)
    np.testing.assert_allclose(v, np.stack([st.multivariate_normal.logpdf(MVN_X, m, MVN_COV) for m in MVN_X]))


def test_multivariate_normal_errors():
    with pytest.raises(np.linalg.LinAlgError):
        wst.multivariate_normal.logpdf(MVN_X, MVN_MEAN, np.ones((3, 3)))
    with pytest.raises(ValueError, match="square"):
        wst.multivariate_normal.logpdf(MVN_X, MVN_MEAN, np.ones((3, 2)))
    with pytest.raises(AttributeError, match="multivariate_normal.cdf is not supported"):
        wst.multivariate_normal.cdf(MVN_X, MVN_MEAN, MVN_COV)


# =============================================================================== linalg
N = 3
_A = RNG.standard_normal((N, N))
SPD = _A @ _A.T + N * np.eye(N)
TRI = np.tril(RNG.standard_normal((N, N))) + 3 * np.eye(N)
RHS = RNG.standard_normal((N, 2))


@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("trans", [0, 1, 2, "N", "T"])
@pytest.mark.parametrize("unit_diagonal", [False, True])
@pytest.mark.parametrize("rhs", ["matrix", "vector"])
def test_solve_triangular(lower, trans, unit_diagonal, rhs):
    a = TRI if lower else TRI.T
    b = RHS if rhs == "matrix" else RHS[:, 0]
    kw = dict(trans=trans, lower=lower, unit_diagonal=unit_diagonal)
    np.testing.assert_allclose(wl.solve_triangular(a, b, **kw), sl.solve_triangular(a, b, **kw), rtol=1e-12)
    f = lambda a, b: wl.solve_triangular(a, b, **kw)  # noqa: E731
    w.check_grads(f, (a, b), order=2)
    _jac_both(f, (a, b))
    # only the triangle that is read gets a gradient
    g = w.grad(lambda a: wnp.sum(f(a, b)))(a)
    unused = np.triu(np.ones((N, N)), 1 if not unit_diagonal else 0) if lower else np.tril(np.ones((N, N)), -1 if not unit_diagonal else 0)
    np.testing.assert_array_equal(g[unused.astype(bool)], 0.0)


def test_solve_triangular_batched_float32_vmap_and_errors():
    a = np.stack([TRI, 2 * TRI])
    b = RNG.standard_normal((2, N, 2))
    np.testing.assert_allclose(wl.solve_triangular(a, b, lower=True), sl.solve_triangular(a, b, lower=True))
    np.testing.assert_allclose(wl.solve_triangular(a, b[0, :, 0], lower=True), sl.solve_triangular(a, b[0, :, 0], lower=True))
    w.check_grads(lambda a, b: wl.solve_triangular(a, b, lower=True), (a, b), order=1)
    a32, b32 = TRI.astype(np.float32), RHS.astype(np.float32)
    assert wl.solve_triangular(a32, b32, lower=True).dtype == np.float32
    g = w.grad(lambda a, b: wnp.sum(wl.solve_triangular(a, b, lower=True)), argnums=(0, 1))(a32, b32)
    assert g[0].dtype == np.float32 and g[1].dtype == np.float32
    bs = RNG.standard_normal((5, N))
    np.testing.assert_allclose(
        w.vmap(lambda b: wl.solve_triangular(TRI, b, lower=True))(bs), sl.solve_triangular(TRI, bs.T, lower=True).T
    )
    np.testing.assert_allclose(
        w.vmap(lambda a: wl.solve_triangular(a, RHS, lower=True))(a), sl.solve_triangular(a, RHS, lower=True)
    )
    with pytest.raises(ValueError, match="trans"):
        wl.solve_triangular(TRI, RHS, trans=3)
    with pytest.raises(ValueError, match="square"):
        wl.solve_triangular(TRI[:2], RHS)
    with pytest.raises(ValueError, match="incompatible"):
        wl.solve_triangular(TRI, RHS[:2])
    with pytest.raises(ValueError, match="infs or NaNs"):
        wl.solve_triangular(TRI, np.full(N, np.nan))


@pytest.mark.parametrize("lower", [False, True])
def test_cholesky_cho_factor_cho_solve(lower):
    c, low = wl.cho_factor(SPD, lower=lower)
    cr, lowr = sl.cho_factor(SPD, lower=lower)
    assert low == lowr
    np.testing.assert_allclose(c, cr, rtol=1e-12)
    np.testing.assert_allclose(wl.cholesky(SPD, lower=lower), sl.cholesky(SPD, lower=lower), rtol=1e-12)
    for b in (RHS, RHS[:, 0]):
        np.testing.assert_allclose(wl.cho_solve((c, low), b), sl.cho_solve((cr, lowr), b), rtol=1e-12)
    f = lambda a, b: wl.cho_solve(wl.cho_factor((a + a.T) / 2, lower=lower), b)  # noqa: E731
    w.check_grads(f, (SPD, RHS), order=2)
    _jac_both(f, (SPD, RHS))
    # the solve's gradient in the symmetric matrix is -x^T (A^{-1} ct) symmetrized, carried
    # onto the triangle that cho_factor reads
    g = w.grad(lambda a: wnp.sum(wl.cho_solve(wl.cho_factor(a, lower=lower), RHS[:, 0])))(SPD)
    x = np.linalg.solve(SPD, RHS[:, 0])
    y = np.linalg.solve(SPD, np.ones(N))
    sym = -(np.outer(y, x) + np.outer(x, y)) / 2
    tri = np.tril(sym, -1) if lower else np.triu(sym, 1)
    np.testing.assert_allclose(g, 2 * tri + np.diag(np.diag(sym)), rtol=1e-10)
    with pytest.raises(np.linalg.LinAlgError):
        wl.cholesky(-SPD)
    with pytest.raises(TypeError, match="pair"):
        wl.cho_solve(c, RHS)


@pytest.mark.parametrize("trans", [0, 1])
def test_lu_factor_lu_solve(trans):
    lu, piv = wl.lu_factor(_A)
    lur, pivr = sl.lu_factor(_A)
    np.testing.assert_allclose(lu, lur, rtol=1e-12)
    np.testing.assert_array_equal(piv, pivr)
    for b in (RHS, RHS[:, 0]):
        np.testing.assert_allclose(wl.lu_solve((lu, piv), b, trans=trans), sl.lu_solve((lur, pivr), b, trans=trans))
    w.check_grads(lambda a: wl.lu_factor(a)[0], (_A,), order=2)
    f = lambda a, b: wl.lu_solve(wl.lu_factor(a), b, trans=trans)  # noqa: E731
    w.check_grads(f, (_A, RHS), order=2)
    _jac_both(f, (_A, RHS))
    _jac_both(lambda a: wl.lu_factor(a)[0], (_A,))
    # lu_solve(lu_factor(A)) is A^{-1}: its gradient is that of np.linalg.solve
    g = w.grad(lambda a: wnp.sum(f(a, RHS) * RHS))(_A)
    g_ref = w.grad(lambda a: wnp.sum(wnp.linalg.solve(a.T if trans else a, RHS) * RHS))(_A)
    np.testing.assert_allclose(g, g_ref, rtol=1e-10)


def test_lu_batched_float32_vmap_and_errors():
    a = RNG.standard_normal((2, N, N))
    lu, piv = wl.lu_factor(a)
    lur, pivr = sl.lu_factor(a)
    np.testing.assert_allclose(lu, lur)
    np.testing.assert_array_equal(piv, pivr)
    v = w.vmap(lambda m: wl.lu_solve(wl.lu_factor(m), RHS))(a)
    np.testing.assert_allclose(v, np.stack([np.linalg.solve(m, RHS) for m in a]))
    w.check_grads(lambda m: wl.lu_factor(m)[0], (a,), order=1)
    a32 = _A.astype(np.float32)
    assert wl.lu_factor(a32)[0].dtype == np.float32
    assert w.grad(lambda m: wnp.sum(wl.lu_solve(wl.lu_factor(m), RHS.astype(np.float32))))(a32).dtype == np.float32
    rect = RNG.standard_normal((3, 2))
    np.testing.assert_allclose(wl.lu_factor(rect)[0], sl.lu_factor(rect)[0])  # plain: SciPy's result
    with pytest.raises(ValueError, match="square"):
        w.grad(lambda m: wnp.sum(wl.lu_factor(m)[0]))(rect)


def test_expm():
    a = 0.5 * _A
    np.testing.assert_allclose(wl.expm(a), sl.expm(a), rtol=1e-12)
    w.check_grads(wl.expm, (a,), order=2)
    _jac_both(wl.expm, (a,))
    # the Frechet derivative, as SciPy computes it
    e = RNG.standard_normal((N, N))
    np.testing.assert_allclose(w.jvp(wl.expm, (a,), (e,))[1], sl.expm_frechet(a, e, compute_expm=False), rtol=1e-10)
    # d/dt trace(expm(tA)) = trace(A expm(tA))
    assert w.grad(lambda t: wnp.trace(wl.expm(t * a)))(1.0) == pytest.approx(np.trace(a @ sl.expm(a)))
    stack = np.stack([a, -a])
    np.testing.assert_allclose(wl.expm(stack), sl.expm(stack), rtol=1e-12)
    np.testing.assert_allclose(w.vmap(wl.expm)(stack), sl.expm(stack), rtol=1e-12)
    w.check_grads(wl.expm, (stack,), order=1)
    a32 = a.astype(np.float32)
    assert wl.expm(a32).dtype == np.float32
    assert w.grad(lambda m: wnp.sum(wl.expm(m)))(a32).dtype == np.float32


def test_sqrtm():
    np.testing.assert_allclose(wl.sqrtm(SPD), sl.sqrtm(SPD), rtol=1e-10)
    w.check_grads(wl.sqrtm, (SPD,), order=2)
    _jac_both(wl.sqrtm, (SPD,))
    # X = sqrtm(A): X dX + dX X = dA
    e = RNG.standard_normal((N, N))
    x = sl.sqrtm(SPD)
    dx = w.jvp(wl.sqrtm, (SPD,), (e,))[1]
    np.testing.assert_allclose(x @ dx + dx @ x, e, rtol=1e-9, atol=1e-12)
    # a non-symmetric matrix with a real square root
    b = np.array([[4.0, 1.0, 0.0], [0.5, 3.0, 0.2], [0.0, 0.3, 2.0]])
    w.check_grads(wl.sqrtm, (b,), order=2)
    np.testing.assert_allclose(w.vmap(wl.sqrtm)(np.stack([SPD, b])), np.stack([sl.sqrtm(SPD), sl.sqrtm(b)]), rtol=1e-10)
    assert wl.sqrtm(SPD.astype(np.float32)).dtype == np.float32
    neg = np.array([[1.0, 2.0], [3.0, -4.0]])
    np.testing.assert_allclose(wl.sqrtm(neg), sl.sqrtm(neg))  # plain arrays: SciPy's complex root
    with pytest.raises(ValueError, match="no real square root"):
        w.grad(lambda m: wnp.sum(wl.sqrtm(m)))(neg)


def test_solve_sylvester_primitive():
    a, b, q = SPD, TRI, RNG.standard_normal((N, N))
    f = lambda a, b, q: scipy_linalg.sylvester_p.bind(a, b, q)  # noqa: E731
    np.testing.assert_allclose(f(a, b, q), sl.solve_sylvester(a, b, q))
    w.check_grads(f, (a, b, q), order=2)
    _jac_both(f, (a, b, q))


def test_block_diag():
    args = (RNG.standard_normal((2, 2)), RNG.standard_normal(3), np.float64(2.0), RNG.standard_normal((1, 2)))
    np.testing.assert_allclose(wl.block_diag(*args), sl.block_diag(*args))
    w.check_grads(wl.block_diag, args, order=2)
    _jac_both(wl.block_diag, args)
    assert wl.block_diag().shape == sl.block_diag().shape
    np.testing.assert_array_equal(wl.block_diag([1, 2], [[3]]), sl.block_diag([1, 2], [[3]]))
    assert wl.block_diag(np.ones((2, 2), np.float32)).dtype == np.float32
    with pytest.raises(ValueError, match="dimension greater than 2"):
        wl.block_diag(np.ones((1, 1, 1)))


# =============================================================================== signal
CONV_SHAPES = [((5,), (3,)), ((3,), (5,)), ((4,), (4,)), ((4, 3), (2, 2)), ((2, 2), (4, 3)), ((3, 4, 2), (2, 2, 2))]


@pytest.mark.parametrize("s1,s2", CONV_SHAPES)
@pytest.mark.parametrize("mode", ["full", "valid", "same"])
@pytest.mark.parametrize("name", ["convolve", "correlate"])
def test_convolve_correlate(s1, s2, mode, name):
    f, ref = getattr(wsig, name), getattr(ss, name)
    a, b = RNG.standard_normal(s1), RNG.standard_normal(s2)
    out = f(a, b, mode)
    expected = ref(a, b, mode)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    g = lambda a, b: f(a, b, mode)  # noqa: E731
    w.check_grads(g, (a, b), order=2)
    _jac_both(g, (a, b))


def test_convolve_methods_float32_vmap_and_errors():
    a, b = RNG.standard_normal(6), RNG.standard_normal(3)
    for method in ("direct", "fft", "auto"):
        np.testing.assert_allclose(wsig.convolve(a, b, method=method), ss.convolve(a, b, method=method))
        w.check_grads(lambda a, b: wsig.convolve(a, b, "same", method), (a, b), order=1)
    a32, b32 = a.astype(np.float32), b.astype(np.float32)
    assert wsig.convolve(a32, b32).dtype == np.float32
    g = w.grad(lambda a, b: wnp.sum(wsig.convolve(a, b) ** 2), argnums=(0, 1))(a32, b32)
    assert g[0].dtype == np.float32 and g[1].dtype == np.float32
    xs = RNG.standard_normal((4, 6))
    for mode in ("full", "valid", "same"):
        np.testing.assert_allclose(w.vmap(lambda x: wsig.convolve(x, b, mode))(xs), np.stack([ss.convolve(x, b, mode) for x in xs]))
        np.testing.assert_allclose(w.vmap(lambda k: wsig.convolve(a, k, mode))(xs[:, :3]), np.stack([ss.convolve(a, k, mode) for k in xs[:, :3]]))
    with pytest.raises(ValueError, match="acceptable mode"):
        wsig.convolve(a, b, "wrap")
    with pytest.raises(ValueError, match="acceptable method"):
        wsig.convolve(a, b, method="slow")
    with pytest.raises(ValueError, match="same dimensionality"):
        wsig.convolve(a, np.ones((2, 2)))
    with pytest.raises(ValueError, match="at least as large"):
        wsig.convolve(np.ones((3, 2)), np.ones((2, 3)), "valid")
    assert wsig.convolve(np.float64(2.0), np.float64(3.0)) == 6.0


# =============================================================================== generic


def test_every_new_primitive_has_both_rules():
    prims = [
        v
        for mod in (ops_special, scipy_linalg, scipy_signal)
        for v in vars(mod).values()
        if isinstance(v, Primitive)
    ]
    assert len(prims) > 50
    for p in prims:
        assert p.nondiff or p.jvp is not None, p.name
        assert p.nondiff or p.vjps is not None or p.vjp_all is not None, p.name
        assert Primitive.registry[p.name] is p


def test_import_without_scipy_explains_how_to_install():
    code = (
        "import sys\n"
        "sys.modules['scipy'] = None\n"
        "import wengert\n"
        "try:\n"
        "    import wengert.scipy\n"
        "except ImportError as e:\n"
        "    print('IMPORTERROR', e)\n"
        "else:\n"
        "    print('NO ERROR')\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "IMPORTERROR" in r.stdout
    assert "pip install 'wengert[scipy]'" in r.stdout


def test_no_warnings_on_ordinary_use():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        w.grad(lambda a: wst.gamma.logcdf(1.2, a))(2.0)
        w.grad(lambda x: wnp.sum(wst.beta.logpdf(x, 2.0, 3.0)))(np.array([0.2, 0.5]))
        w.grad(lambda a: ws.logsumexp(a, b=np.array([1.0, 0.0])))(np.array([0.0, 1.0]))
