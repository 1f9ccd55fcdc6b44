"""Realistic functions written with plain ``import numpy as np``, never touched for wengert:
their gradients (and Hessians) must agree with finite differences and with closed forms."""

import numpy as np
import pytest

import wengert
from wengert import numeric

RNG = np.random.default_rng(7)


def gaussian_loglik(params, data):
    """Log-likelihood of i.i.d. normal data with mean mu and log standard deviation."""
    mu, log_sigma = params
    sigma = np.exp(log_sigma)
    z = (data - mu) / sigma
    return np.sum(-0.5 * z**2 - log_sigma - 0.5 * np.log(2 * np.pi))


def softmax_regression_loss(W, b, X, labels):
    """Mean cross-entropy of a linear classifier, with the usual max-shift for stability."""
    logits = X @ W + b
    logits = logits - np.max(logits, axis=1, keepdims=True)
    logp = logits - np.log(np.sum(np.exp(logits), axis=1, keepdims=True))
    return -np.mean(np.take_along_axis(logp, labels[:, None], axis=1))


SPRINGS = np.array([[0, 1], [1, 2], [2, 3], [3, 0], [0, 2]])
REST = np.array([1.0, 1.0, 1.0, 1.0, 1.4])


def spring_energy(pos, k=10.0, g=9.81, m=0.5):
    """Potential energy of point masses joined by springs, under gravity."""
    d = pos[SPRINGS[:, 0]] - pos[SPRINGS[:, 1]]
    length = np.linalg.norm(d, axis=1)
    return 0.5 * k * np.sum((length - REST) ** 2) + m * g * np.sum(pos[:, 1])


def polyfit_residual(coeffs, x, y):
    """Sum of squared residuals of a polynomial fit, with np.polyval and a Vandermonde check."""
    r = np.polyval(coeffs, x) - y
    v = np.vander(x, len(coeffs)) @ coeffs - y
    return np.sum(r**2) + 0.0 * np.sum(v**2)


def logistic_map(r, x0, steps=40):
    """The logistic map iterated from x0: a loop of plain arithmetic."""
    x = x0
    for _ in range(steps):
        x = r * x * (1 - x)
    return x


def _fd_grad(f, x):
    return numeric.gradient(f, x).value


def test_gaussian_loglik_gradient_is_closed_form():
    data = RNG.normal(1.5, 2.0, 200)
    params = np.array([1.0, np.log(1.5)])
    g = wengert.grad(gaussian_loglik)(params, data)
    mu, s = params[0], np.exp(params[1])
    want = np.array([np.sum(data - mu) / s**2, np.sum((data - mu) ** 2) / s**2 - data.size])
    np.testing.assert_allclose(g, want, rtol=1e-10)
    H = wengert.hessian(gaussian_loglik)(params, data)
    np.testing.assert_allclose(H, wengert.jacfwd(wengert.grad(gaussian_loglik))(params, data), rtol=1e-10)
    wengert.check_grads(lambda p: gaussian_loglik(p, data), (params,), order=2)


def test_softmax_regression_loss():
    X = RNG.standard_normal((30, 4))
    labels = RNG.integers(0, 3, 30)
    W, b = 0.1 * RNG.standard_normal((4, 3)), np.zeros(3)
    gW, gb = wengert.grad(softmax_regression_loss, argnums=(0, 1))(W, b, X, labels)
    # closed form: (softmax - onehot) / N
    logits = X @ W + b
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    d = (p - np.eye(3)[labels]) / len(X)
    np.testing.assert_allclose(gW, X.T @ d, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gb, d.sum(0), rtol=1e-10, atol=1e-12)
    wengert.check_grads(lambda W, b: softmax_regression_loss(W, b, X, labels), (W, b), order=2)


def test_spring_mass_energy_equilibrium_and_hessian():
    pos = np.array([[0.0, 0.0], [1.1, 0.1], [1.0, 1.05], [-0.1, 0.9]])
    g = wengert.grad(spring_energy)(pos)
    np.testing.assert_allclose(g, _fd_grad(spring_energy, pos), rtol=1e-7, atol=1e-8)
    H = wengert.hessian(spring_energy)(pos)
    assert H.shape == (4, 2, 4, 2)
    Hm = H.reshape(8, 8)
    np.testing.assert_allclose(Hm, Hm.T, atol=1e-10)
    # translation invariance of the springs: the Hessian kills rigid shifts
    shift = np.tile([1.0, 0.0], 4)
    np.testing.assert_allclose(Hm @ shift, 0.0, atol=1e-9)
    wengert.check_grads(spring_energy, (pos,), order=2)


def test_polynomial_fit_residual_gradient_is_normal_equations():
    x = np.linspace(-1, 1, 25)
    y = np.sin(2 * x)
    c = RNG.standard_normal(4)
    g = wengert.grad(polyfit_residual)(c, x, y)
    V = np.vander(x, 4)
    np.testing.assert_allclose(g, 2 * V.T @ (V @ c - y), rtol=1e-10)
    # Newton's step with the exact Hessian lands on the least-squares fit
    H = wengert.hessian(polyfit_residual)(c, x, y)
    c_star = c - np.linalg.solve(H, g)
    np.testing.assert_allclose(c_star, np.polyfit(x, y, 3), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("r", [2.5, 3.2])
def test_logistic_map_derivative_in_r(r):
    x0 = 0.3
    d = wengert.grad(logistic_map)(r, x0)
    fd = numeric.derivative(lambda rr: logistic_map(rr, x0), r)
    np.testing.assert_allclose(d, fd.value, rtol=1e-6, atol=10 * fd.error)
    # forward mode and reverse mode agree, and the derivative in x0 too
    np.testing.assert_allclose(wengert.jvp(lambda rr: logistic_map(rr, x0), (r,), (1.0,))[1], d, rtol=1e-12)
    dx0 = wengert.grad(logistic_map, argnums=1)(r, x0)
    est = numeric.derivative(lambda xx: logistic_map(r, xx), x0)
    np.testing.assert_allclose(dx0, est.value, rtol=1e-6, atol=10 * est.error)


def test_realistic_functions_under_jit_match_eager():
    pos = np.array([[0.0, 0.0], [1.1, 0.1], [1.0, 1.05], [-0.1, 0.9]])
    np.testing.assert_allclose(wengert.jit(wengert.grad(spring_energy))(pos), wengert.grad(spring_energy)(pos))
    data = RNG.normal(0.0, 1.0, 50)
    p = np.array([0.2, 0.1])
    np.testing.assert_allclose(
        wengert.jit(wengert.grad(gaussian_loglik))(p, data), wengert.grad(gaussian_loglik)(p, data), rtol=1e-12
    )
