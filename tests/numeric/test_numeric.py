"""wengert.numeric: exact stencils, Richardson extrapolation, step selection, the complex step,
check_grads and black boxes, on a table of test functions with known derivatives."""

import math
import warnings
import zlib
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

import wengert as w
import wengert.numpy as wnp
from wengert import numeric as wn
from wengert.numeric.finite_diff import RATIO
from wengert.numeric.richardson import extrapolation_weights

# --------------------------------------------------------------------------- stencils

KNOWN = [
    (1, 2, "central", {-1: Fraction(-1, 2), 1: Fraction(1, 2)}),
    (2, 2, "central", {-1: 1, 0: -2, 1: 1}),
    (1, 4, "central", {-2: Fraction(1, 12), -1: Fraction(-2, 3), 1: Fraction(2, 3), 2: Fraction(-1, 12)}),
    (4, 2, "central", {-2: 1, -1: -4, 0: 6, 1: -4, 2: 1}),
    (1, 1, "forward", {0: -1, 1: 1}),
    (1, 2, "forward", {0: Fraction(-3, 2), 1: 2, 2: Fraction(-1, 2)}),
    (1, 1, "backward", {-1: -1, 0: 1}),
]


@pytest.mark.parametrize("n,order,method,weights", KNOWN)
def test_known_stencils_exact(n, order, method, weights):
    st = wn.stencil(n, order, method)
    got = dict(zip(st.offsets, st.weights))
    if st.center:
        got[0] = st.center
    assert got == {k: Fraction(v) for k, v in weights.items()}


@pytest.mark.parametrize("method", ["central", "forward", "backward"])
@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("order", [1, 2, 3, 4, 6, 8])
def test_stencil_moments(n, order, method):
    if method == "central" and order % 2:
        with pytest.raises(ValueError, match="even"):
            wn.stencil(n, order, method)
        return
    st = wn.stencil(n, order, method)
    offs = list(st.offsets) + [0]
    ws = list(st.weights) + [st.center]
    # exact moment conditions up to the accuracy order, and a nonzero leading error term
    for k in range(n + order):
        m = sum(c * Fraction(s) ** k for s, c in zip(offs, ws)) / math.factorial(k)
        assert m == (1 if k == n else 0), (k, m)
    lead = sum(c * Fraction(s) ** (n + order) for s, c in zip(offs, ws)) / math.factorial(n + order)
    assert lead == st.error_coef != 0
    assert wn.fd_weights(n, tuple(offs))[-1] == st.center or st.center == 0


def test_fd_weights_arbitrary_offsets_and_errors():
    c = wn.fd_weights(1, (Fraction(-1, 2), Fraction(1, 3), 2))
    x = np.array([-0.5, 1 / 3, 2.0])
    for k, want in [(0, 0.0), (1, 1.0), (2, 0.0)]:
        assert float(sum(ci * Fraction(xi) ** k for ci, xi in zip(c, (Fraction(-1, 2), Fraction(1, 3), 2)))) == want
    assert np.isclose(sum(float(ci) * np.exp(0.1 * xi) for ci, xi in zip(c, x)) / 0.1, 1.0, atol=1e-2)
    with pytest.raises(ValueError, match="distinct"):
        wn.fd_weights(1, (0, 0, 1))
    with pytest.raises(ValueError, match="at least"):
        wn.fd_weights(2, (0, 1))


@pytest.mark.parametrize("levels,exps", [(2, (2,)), (3, (2, 4)), (4, (2, 4, 6)), (3, (1, 2)), (4, (4, 6, 8))])
def test_richardson_weights_remove_error_terms(levels, exps):
    wts, w_low = extrapolation_weights(levels, RATIO, exps)
    assert np.isclose(wts.sum(), 1.0) and np.isclose(w_low.sum(), 1.0)
    h = 0.3 * RATIO ** -np.arange(levels)
    for e in exps:  # each error power is removed exactly
        assert abs(np.dot(wts, h**e)) < 1e-12
    if levels > 1:  # the lower-order value: the levels-1 smallest steps, one term fewer removed
        assert w_low[0] == 0
        for e in exps[: levels - 2]:
            assert abs(np.dot(w_low, h**e)) < 1e-12
        assert abs(np.dot(w_low, h ** exps[levels - 2])) > 1e-6 * h[-1] ** exps[levels - 2]


def test_default_step_scaled_by_x_and_power_of_two():
    x = np.array([0.0, 1e-8, 1.0, 3.0, -1e8])
    h = wn.default_step(x, 1, "central", 2)
    assert np.all(np.log2(h) == np.round(np.log2(h)))
    assert h[0] == h[2]  # |x| = 0 uses the scale 1
    np.testing.assert_allclose(h[1:] / np.abs(x[1:]), h[2], rtol=1.0)  # within a factor 2 of eta |x|
    h32 = wn.default_step(x, 1, "central", 2, dtype=np.float32)
    assert np.all(h32 > h)  # less precision: larger steps
    assert np.all(wn.default_step(x, 4, "central", 2) > h)  # higher derivatives: larger steps
    scale = np.where(x == 0, 1.0, np.abs(x))
    assert np.all(wn.default_step(x, 1, "complex") <= 2.0**-64 * scale)


# --------------------------------------------------------------------------- test functions

s = sp.Symbol("s")
SCALAR = {  # expression, interval of test points
    "poly": (3 * s**5 - 2 * s**3 + s - 7, (-2, 2)),
    "exp_sin": (sp.exp(sp.sin(s)), (-3, 3)),
    "log_cos": (sp.log(1 + s**2) * sp.cos(s), (-3, 3)),
    "nd_example": (sp.exp(s) / sp.sqrt(sp.sin(s) ** 3 + sp.cos(s) ** 3), (0.0, 1.5)),
    "tanh_sq": (sp.tanh(s) * s**2, (-2, 2)),
    "runge": (1 / (1 + s**2), (-2, 2)),
    "log": (sp.log(s), (0.1, 10)),
    "sqrt_exp": (sp.sqrt(s) * sp.exp(-s), (0.2, 5)),
}
_LAMBDA = {name: sp.lambdify(s, e, "numpy") for name, (e, _) in SCALAR.items()}

#: max over points of |error| / max(|true|, 1), by (method, order) and n
BOUNDS = {
    ("central", 2): {1: 1e-11, 2: 1e-9, 3: 1e-7, 4: 1e-5},
    ("central", 4): {1: 1e-11, 2: 1e-9, 3: 1e-7, 4: 1e-5},
    ("central", 6): {1: 1e-11, 2: 1e-9, 3: 1e-7, 4: 1e-5},
    ("central", 8): {1: 1e-11, 2: 1e-9, 3: 1e-7, 4: 1e-5},
    ("forward", 1): {1: 1e-8, 2: 1e-5, 3: 1e-3, 4: 1e-1},
    ("forward", 2): {1: 1e-9, 2: 1e-6, 3: 1e-4, 4: 1e-2},
    ("backward", 2): {1: 1e-9, 2: 1e-6, 3: 1e-4, 4: 1e-2},
    ("forward", 4): {1: 1e-10, 2: 1e-7, 3: 1e-5, 4: 1e-3},
    ("complex", 2): {1: 1e-15, 2: 1e-9, 3: 1e-8, 4: 1e-6},
    ("complex", 4): {1: 1e-15, 2: 1e-9, 3: 1e-8, 4: 1e-7},
}
_COVERAGE: dict[str, list[int]] = {}


def _truth(expr, n, xs):
    d = sp.lambdify(s, sp.diff(expr, s, n), "numpy")
    return np.broadcast_to(np.asarray(d(xs), dtype=float), xs.shape)


@pytest.mark.parametrize("method,order", sorted(BOUNDS))
@pytest.mark.parametrize("name", sorted(SCALAR))
def test_derivative_suite(name, method, order):
    expr, (lo, hi) = SCALAR[name]
    f = _LAMBDA[name]
    xs = np.random.default_rng(zlib.crc32(name.encode())).uniform(lo, hi, 10)
    for n in (1, 2, 3, 4):
        r = wn.derivative(f, xs, n, method=method, order=order)
        true = _truth(expr, n, xs)
        err = np.abs(r.value - true)
        assert np.max(err / np.maximum(np.abs(true), 1.0)) < BOUNDS[method, order][n], (n, err, r.error)
        cov = _COVERAGE.setdefault(method, [0, 0])
        cov[0] += int(np.sum(err <= r.error))
        cov[1] += err.size


def test_derivative_vectorized_and_scalar_agree():
    f = _LAMBDA["nd_example"]
    xs = np.array([0.2, 0.7, 1.1])
    a = wn.derivative(f, xs, 2, vectorized=True)
    b = wn.derivative(f, xs, 2)
    np.testing.assert_array_equal(a.value, b.value)
    for i, x in enumerate(xs):  # scalar x: same steps, same value
        c = wn.derivative(f, float(x), 2)
        np.testing.assert_allclose(c.value, a.value[i], rtol=1e-12)
        assert isinstance(c.value, np.ndarray) and c.value.shape == ()


@pytest.mark.parametrize("method", ["central", "forward", "complex"])
def test_one_call_path_agrees_with_general_path(method):
    calls = []

    def f(x):
        calls.append(np.shape(x))
        return np.exp(x) / np.sqrt(np.sin(x) ** 3 + np.cos(x) ** 3)

    for n in (1, 2, 3):
        calls.clear()
        a = wn.derivative(f, 0.7, n, method, vectorized=True)  # scalar x: one call of f
        assert len(calls) <= (2 if method == "complex" and n == 1 else 1)
        b = wn.derivative(f, np.array([0.7]), n, method, vectorized=True)  # the general path
        assert abs(a.value - b.value[0]) <= a.error + b.error[0]
        assert a.value.shape == () and a.error.shape == ()


def _rosen(x):
    return np.sum(100.0 * (x[..., 1:] - x[..., :-1] ** 2) ** 2 + (1 - x[..., :-1]) ** 2, axis=-1)


def _rosen_grad(x):
    g = np.zeros_like(x)
    g[:-1] += -400 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
    g[1:] += 200 * (x[1:] - x[:-1] ** 2)
    return g


def _rosen_hess(x):
    n = len(x)
    H = np.zeros((n, n))
    for i in range(n - 1):
        H[i, i] += 1200 * x[i] ** 2 - 400 * x[i + 1] + 2
        H[i, i + 1] = H[i + 1, i] = -400 * x[i]
        H[i + 1, i + 1] += 200
    return H


ROSEN_X = np.random.default_rng(0).uniform(-2, 2, 10)


@pytest.mark.parametrize(
    "method,order,bound", [("central", 2, 1e-14), ("central", 4, 1e-14), ("forward", 2, 1e-10), ("backward", 4, 1e-12), ("complex", 2, 1e-15)]
)
def test_rosenbrock_gradient(method, order, bound):
    r = wn.gradient(_rosen, ROSEN_X, method, order, vectorized=True)
    true = _rosen_grad(ROSEN_X)
    err = np.abs(r.value - true)
    assert err.max() <= bound * np.abs(true).max()
    assert np.mean(err <= r.error) >= 0.95
    loop = wn.gradient(_rosen, ROSEN_X, method, order)  # no batching: one call per point
    np.testing.assert_allclose(loop.value, r.value, rtol=1e-13, atol=1e-13 * np.abs(true).max())


@pytest.mark.parametrize("method,order,bound", [("central", 2, 1e-14), ("forward", 2, 1e-8), ("complex", 2, 1e-14), ("complex", 4, 1e-14)])
def test_rosenbrock_hessian(method, order, bound):
    r = wn.hessian(_rosen, ROSEN_X, method, order, vectorized=True)
    true = _rosen_hess(ROSEN_X)
    err = np.abs(r.value - true)
    assert err.max() <= bound * np.abs(true).max()
    np.testing.assert_array_equal(r.value, r.value.T)
    assert np.mean(err <= r.error) >= 0.95


def _multiscale(x):  # coordinates of size 1e-8 and 1e8, each varying on its own scale
    return np.sin(x[..., 0] * 1e8) * np.log(x[..., 1]) + np.sqrt(x[..., 1]) * (x[..., 0] * 1e8) ** 2


def _multiscale_grad(x):
    a, b = x[0] * 1e8, x[1]
    return np.array([1e8 * (np.cos(a) * np.log(b) + 2 * a * np.sqrt(b)), np.sin(a) / b + a**2 / (2 * np.sqrt(b))])


def _multiscale_hess(x):
    a, b = x[0] * 1e8, x[1]
    return np.array(
        [
            [1e16 * (-np.sin(a) * np.log(b) + 2 * np.sqrt(b)), 1e8 * (np.cos(a) / b + a / np.sqrt(b))],
            [1e8 * (np.cos(a) / b + a / np.sqrt(b)), -np.sin(a) / b**2 - a**2 / (4 * b**1.5)],
        ]
    )


@pytest.mark.parametrize("method,order", [("central", 2), ("central", 6), ("forward", 2), ("backward", 3), ("complex", 2)])
def test_widely_varying_scales(method, order):
    x = np.array([0.7e-8, 2.5e8])
    g = wn.gradient(_multiscale, x, method, order)
    rel = np.abs(g.value - _multiscale_grad(x)) / np.abs(_multiscale_grad(x))
    assert rel.max() < (1e-13 if method == "complex" else 1e-8 if method == "central" else 1e-6)
    assert np.all(np.abs(g.value - _multiscale_grad(x)) <= g.error)
    if method in ("central", "complex") and order <= 6:
        H = wn.hessian(_multiscale, x, method, order if method == "central" else 2)
        Hx = _multiscale_hess(x)
        assert np.all(np.abs(H.value - Hx) <= 1e-6 * np.abs(Hx))


def test_error_estimate_coverage():
    """The estimate bounds the true error in at least 95% of the suite's cases, per method."""
    if len(_COVERAGE) < 4:  # pragma: no cover - run alone
        for name in SCALAR:
            for method, order in BOUNDS:
                test_derivative_suite(name, method, order)
    for method, (hit, total) in _COVERAGE.items():
        assert total >= 300
        assert hit / total >= 0.95, (method, hit / total)


def test_exactness_on_polynomials():
    # a cubic's second derivative: every central window is exact up to rounding
    r = wn.derivative(lambda x: x**3 - x, 1.5, 2)
    assert abs(r.value - 9.0) < 1e-12


# --------------------------------------------------------------------------- pytrees, layouts


def test_gradient_jacobian_hessian_pytrees_match_ad():
    x = {"a": np.array([0.3, -0.2]), "b": (np.array(1.5), np.array([[0.4, 0.1], [0.2, -0.6]]))}

    def f(t):
        a, (b, c) = t["a"], t["b"]
        return wnp.sum(wnp.sin(a) * b) + wnp.sum(wnp.exp(c) * a[0]) + b**2 * a[1]

    g = wn.gradient(f, x)
    ga = w.grad(f)(x)
    for u, v in zip(w.tree_leaves(g.value), w.tree_leaves(ga)):
        np.testing.assert_allclose(u, v, rtol=1e-10, atol=1e-12)
    assert w.tree_structure(g.error) == w.tree_structure(ga)
    H = wn.hessian(f, x)
    Ha = w.hessian(f)(x)
    assert w.tree_structure(H.value) == w.tree_structure(Ha)
    for u, v in zip(w.tree_leaves(H.value), w.tree_leaves(Ha)):
        assert u.shape == np.shape(v)
        np.testing.assert_allclose(u, v, rtol=1e-8, atol=1e-9)

    def h(t):
        return {"p": wnp.sin(t[0]) * t[1][0], "q": (t[0] ** 2).sum() * t[1]}

    y = (np.array([0.1, 0.2, 0.3]), np.array([2.0, -1.0]))
    J = wn.jacobian(h, y)
    Ja = w.jacobian(h)(y)
    assert w.tree_structure(J.value) == w.tree_structure(Ja)
    for u, v in zip(w.tree_leaves(J.value), w.tree_leaves(Ja)):
        np.testing.assert_allclose(u, v, rtol=1e-9, atol=1e-11)


def test_directional_matches_jvp():
    x = (np.array([0.3, 1.2]), np.array(0.5))
    v = (np.array([1.0, -2.0]), np.array(0.25))

    def f(t):
        return wnp.exp(t[0]) * wnp.sin(t[1]) + t[0] ** 3

    _, tan = w.jvp(f, (x,), (v,))
    for method in ("central", "complex"):
        d = wn.directional(f, x, v, method=method)
        np.testing.assert_allclose(d.value, tan, rtol=1e-10)
        assert np.all(np.abs(d.value - tan) <= d.error + 1e-15)
    d2 = wn.directional(f, x, v, n=2)
    hv = w.jvp(lambda t: w.jvp(f, (t,), (v,))[1], (x,), (v,))[1]
    np.testing.assert_allclose(d2.value, hv, rtol=1e-7)
    z = wn.directional(f, x, (np.zeros(2), np.array(0.0)))
    assert np.all(z.value == 0) and np.all(z.error == 0)


def test_vectorized_batches_calls():
    calls = []

    def f(x):
        calls.append(x.shape)
        return np.sum(np.sin(x) * x, axis=-1)

    x = np.linspace(0.1, 1.0, 6)
    r = wn.gradient(f, x, vectorized=True)
    assert len(calls) == 2  # f(x), then every stencil point in one batch
    calls.clear()
    r2 = wn.gradient(f, x, vectorized=True, batch_size=50)
    assert all(c[0] <= 50 for c in calls[1:]) and len(calls) > 2
    np.testing.assert_array_equal(r.value, r2.value)
    calls.clear()
    wn.gradient(f, x, method="complex", vectorized=True)
    assert len(calls) == 2
    with pytest.raises(ValueError, match="leading batch axis"):
        wn.gradient(lambda x: np.sum(x), x, vectorized=True)


def test_float32_keeps_dtype_and_explicit_steps():
    x = np.array([0.5, 1.5], dtype=np.float32)
    r = wn.gradient(lambda x: np.sum(np.exp(x)), x)
    assert r.value.dtype == np.float32
    np.testing.assert_allclose(r.value, np.exp(x), rtol=1e-3)
    fixed = wn.derivative(np.exp, 1.0, step=1e-3, richardson=0)
    assert abs(fixed.value - (np.exp(1.001) - np.exp(0.999)) / 0.002) < 1e-12
    assert abs(fixed.value - np.e) < 2 * fixed.error
    per = wn.gradient(lambda t: t["u"] ** 2 + t["v"], {"u": np.array(3.0), "v": np.array(1.0)}, step={"u": 0.5, "v": 1.0})
    assert abs(per.value["u"] - 6.0) < 1e-12 and abs(per.value["v"] - 1.0) < 1e-12


# --------------------------------------------------------------------------- complex step


def test_complex_step_machine_precision():
    x = np.array([0.3, 1.1, 2.9, 1e-8, 30.0])
    r = wn.derivative(lambda x: np.exp(x) * np.sin(x) + np.log(x) * x**2, x, method="complex")
    true = np.exp(x) * (np.sin(x) + np.cos(x)) + 2 * x * np.log(x) + x
    np.testing.assert_allclose(r.value, true, rtol=4e-16 * 8)


@pytest.mark.parametrize(
    "f,match",
    [
        (lambda x: math.sin(x[0]), "failed on complex input"),
        (lambda x: float(x[0]) ** 2, "failed on complex input"),
        (lambda x: np.real(x) ** 2, "returned a real value"),
        (lambda x: np.abs(x).sum(), "returned a real value"),
    ],
)
def test_complex_step_needs_complex_input(f, match):
    with pytest.raises(wn.ComplexStepError, match=match):
        wn.gradient(f, np.array([0.5]), method="complex")


def test_complex_step_assignment_into_real_buffer():
    def f(x):
        out = np.zeros(2)
        out[0] = x[0] ** 2  # silently drops the imaginary part (ComplexWarning)
        return out.sum()

    with pytest.raises(wn.ComplexStepError, match="ComplexWarning|real value"):
        wn.gradient(f, np.array([0.5]), method="complex")
    with pytest.raises(wn.ComplexStepError, match="real-valued"):
        wn.derivative(lambda x: x * 1j, 1.0, method="complex")


# --------------------------------------------------------------------------- errors


def test_argument_errors():
    f = np.sin
    with pytest.raises(ValueError, match="method"):
        wn.derivative(f, 1.0, method="spline")
    with pytest.raises(ValueError, match="even"):
        wn.derivative(f, 1.0, order=3)
    with pytest.raises(ValueError, match="positive"):
        wn.derivative(f, 1.0, n=0)
    with pytest.raises(ValueError, match="steps must be positive"):
        wn.derivative(f, 1.0, step=-1.0)
    with pytest.raises(ValueError, match="elementwise"):
        wn.derivative(lambda x: np.array([x.sum()] * 3), np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="scalar"):
        wn.gradient(np.sin, np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="scalar"):
        wn.hessian(np.sin, np.array([1.0, 2.0]))
    with pytest.raises(TypeError, match="complex"):
        wn.gradient(lambda z: np.abs(z).sum(), np.array([1j]))
    with pytest.raises(TypeError, match="blackbox"):
        w.grad(lambda x: wn.derivative(np.sin, x).value)(1.0)
    with pytest.raises(ValueError, match="richardson"):
        wn.gradient(lambda x: x.sum(), np.ones(2), richardson=-1)


def test_domain_errors_are_stepped_around():
    def f(x):
        if np.any(x <= 0):
            raise ValueError("outside the domain")
        return np.sum(np.log(x))

    x = np.array([1e-3, 2.0])
    r = wn.gradient(f, x)
    np.testing.assert_allclose(r.value, 1 / x, rtol=1e-9)
    with pytest.raises(ValueError, match="outside"):
        wn.gradient(f, np.array([-1.0, 2.0]))


# --------------------------------------------------------------------------- check_grads

GOOD = [
    (lambda x: wnp.sin(x) * wnp.exp(x) / (1.5 + wnp.cos(x)) - wnp.tanh(x) ** 3, (np.linspace(-1, 1, 6).reshape(3, 2),)),
    (lambda x, y: (x * y, wnp.sum(x) * wnp.log(y)), (np.array([0.5, -1.0]), np.array([2.0, 3.0]))),
    (lambda x: wnp.linalg.norm(x) if hasattr(wnp, "linalg") else wnp.sqrt(wnp.sum(x * x)), (np.array([3.0, 4.0, 1.0]),)),
    (lambda t: t["a"] @ t["b"], ({"a": np.eye(2) + 0.1, "b": np.array([[1.0, 2.0], [3.0, 4.0]])},)),
    (lambda x: wnp.maximum(x, 0.3) ** 2, (np.array([0.301, 1.0, -2.0]),)),
    (lambda x: wnp.log(x) * x, (np.array([1e-8, 1e8, 3.0]),)),
]


@pytest.mark.parametrize("k", range(len(GOOD)))
def test_check_grads_passes_on_correct_functions(k):
    f, args = GOOD[k]
    wn.check_grads(f, args, order=2)
    wn.check_grads(f, args, 1, None, None, None, 3)  # the positional signature of wengert.check_grads


def test_check_grads_dtypes_orders_and_modes():
    x = np.array([0.2, -0.7, 1.3])
    wn.check_grads(lambda x: wnp.sum(wnp.sin(x) ** 2), x.astype(np.float32), order=3)
    wn.check_grads(lambda x: wnp.sin(x) * x, (x + 0.5j * x[::-1],), order=2)
    wn.check_grads(lambda x: wnp.exp(x), (x,), order=3, modes=("fwd",))
    wn.check_grads(lambda x: wnp.exp(x), (x,), order=2, method="complex")
    wn.check_grads(lambda x: wnp.exp(x), (x,), order=2, eps=1e-4)
    wn.check_grads(lambda x: x, (x,), order=0)
    with pytest.raises(ValueError, match="modes"):
        wn.check_grads(wnp.exp, (x,), modes=("reverse",))


def _bad_primitive(name, vjp_scale=1.0, jvp_scale=1.0, second_order_wrong=False):
    p = w.primitive(lambda x: np.sin(x), name=name)
    if second_order_wrong:  # right derivative, but the rule's own derivative is lost
        p.defvjp(lambda ct, ans, x: ct * np.cos(x.full_lower() if isinstance(x, w.Tracer) else x))
    else:
        p.defvjp(lambda ct, ans, x: ct * wnp.cos(x) * vjp_scale)
    p.defjvp(lambda ts, ans, x: ts[0] * wnp.cos(x) * jvp_scale)
    return p


def test_check_grads_finds_wrong_vjp_and_reports_worst_coordinate():
    p = _bad_primitive("numeric_test_bad_vjp", vjp_scale=1.001)
    x = np.array([0.1, 0.4, -0.3, 0.8])
    wn.check_grads(lambda x: p(x) * 2.0, (x,), order=1, modes=("fwd",))  # the JVP is right
    with pytest.raises(AssertionError) as e:
        wn.check_grads(lambda x: p(x) * 2.0, (x,), order=1)
    msg = str(e.value)
    assert "reverse mode" in msg and "estimated error" in msg and "<vjp(ct), v>" in msg
    assert "worst input coordinate [" in msg and "AD vjp" in msg and "numerical" in msg


def test_check_grads_finds_wrong_jvp():
    p = _bad_primitive("numeric_test_bad_jvp", jvp_scale=0.999)
    x = np.array([[0.1, 0.4], [-0.3, 0.8]])
    with pytest.raises(AssertionError, match=r"(?s)forward mode.*at output \[\d, \d\].*AD \(jvp\).*numerical.*estimated error") as e:
        wn.check_grads(lambda x: p(x), (x,), order=1, modes=("fwd",))
    assert "tolerance" in str(e.value)


def test_check_grads_finds_wrong_second_order():
    p = _bad_primitive("numeric_test_bad_second", second_order_wrong=True)
    x = np.array([0.1, 0.4, -0.3])
    wn.check_grads(lambda x: p(x), (x,), order=1, modes=("rev",))
    with pytest.raises(AssertionError, match="order 2"):
        wn.check_grads(lambda x: p(x), (x,), order=2, modes=("rev",))


def test_check_grads_unreliable_point_is_reported():
    f = lambda x: wnp.floor(x * 1e6) * 1e-6 + x  # noqa: E731  (jumps every 1e-6)
    with pytest.raises(AssertionError, match="no reliable numerical derivative|disagree"):
        wn.check_grads(f, (np.array([0.3]),), order=1)


# --------------------------------------------------------------------------- black boxes


def _opaque(x, y):
    # float() and math.* cannot be traced: wengert would raise on them
    return np.array([math.exp(float(x[0])) * float(y), math.sin(float(x[1])) * float(x[0]) * float(y) ** 2])


def _opaque_exact_jac(x, y):
    e = math.exp(x[0])
    return (
        np.array([[e * y, 0.0], [math.sin(x[1]) * y**2, math.cos(x[1]) * x[0] * y**2]]),
        np.array([e, 2 * math.sin(x[1]) * x[0] * y]),
    )


def test_blackbox_first_and_second_order():
    bb = wn.blackbox(_opaque, name="numeric_test_opaque")
    x, y = np.array([0.3, 1.2]), np.float64(1.5)
    with pytest.raises(w.TracerConversionError):
        w.grad(lambda x: wnp.sum(_opaque(x, y)))(x)
    Jx, Jy = _opaque_exact_jac(x, y)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        np.testing.assert_allclose(w.jacfwd(bb)(x, y), Jx, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(w.jacrev(bb)(x, y), Jx, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(w.jacrev(bb, argnums=1)(x, y), Jy, rtol=1e-9)
        g = w.grad(lambda x, y: wnp.sum(bb(x, y) ** 2), argnums=(0, 1))(x, y)
    assert sum(issubclass(r.category, wn.NumericalDerivativeWarning) for r in rec) == 1  # once
    val = _opaque(x, y)
    np.testing.assert_allclose(g[0], 2 * Jx.T @ val, rtol=1e-9)
    np.testing.assert_allclose(g[1], 2 * Jy @ val, rtol=1e-9)
    # second order: numerical differences of the numerical first derivative
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", wn.NumericalDerivativeWarning)
        H = w.hessian(lambda x: bb(x, y)[1])(x)
    e = math.exp(x[0])
    Hx = np.array([[0.0, math.cos(x[1]) * y**2], [math.cos(x[1]) * y**2, -math.sin(x[1]) * x[0] * y**2]])
    np.testing.assert_allclose(H, Hx, atol=1e-6 * e)
    assert isinstance(bb, w.Primitive)


def test_blackbox_inside_a_program_vmap_and_options():
    @wn.blackbox(vectorized=True, method="complex", name="numeric_test_vec", warn=False)
    def cube(x, power=3):
        return np.sum(x**power, axis=-1)

    x = np.array([0.5, -1.0, 2.0])
    assert cube(x) == pytest.approx(7.125)
    np.testing.assert_allclose(w.grad(lambda x: wnp.sin(cube(x)))(x), np.cos(cube(x)) * 3 * x**2, rtol=1e-13)
    np.testing.assert_allclose(w.grad(lambda x: cube(x, power=2))(x), 2 * x, rtol=1e-13)
    xs = np.stack([x, 2 * x])
    np.testing.assert_allclose(w.vmap(cube)(xs), [cube(x), cube(2 * x)])
    np.testing.assert_allclose(w.vmap(w.grad(cube))(xs), 3 * xs**2, rtol=1e-12)
    wn.check_grads(lambda x: cube(x) * x, (x,), order=1)

    @wn.blackbox(name="numeric_test_tuple", warn=False)
    def two(x):
        return x, x

    with pytest.raises(TypeError, match="one array"):
        w.grad(lambda x: wnp.sum(two(x)))(x)

    @wn.blackbox(name="numeric_test_intarg", warn=False)
    def scaled(x, k):
        return x * k

    g = w.grad(lambda x: wnp.sum(scaled(x, 3)))(x)
    np.testing.assert_allclose(g, 3.0 * np.ones(3), rtol=1e-12)
