"""linalg functions that read one triangle: derivatives with respect to the entries read
(trust issue, item 3).  Ground truth: central differences of NumPy/SciPy themselves."""

from __future__ import annotations

import numpy as np
import pytest

import wengert
import wengert.numpy as wnp


def _fd(f, a, h=1e-6):
    g = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        e = np.zeros_like(a)
        e[idx] = h
        g[idx] = (f(a + e) - f(a - e)) / (2 * h)
    return g


def _fd_jvp(f, a, t, h=1e-6):
    return (f(a + h * t) - f(a - h * t)) / (2 * h)


def _spd_with_junk(rng, n, read_lower, batch=()):
    """A matrix whose read triangle is SPD and whose other triangle is unrelated noise."""
    b = rng.standard_normal(batch + (n, n))
    s = b @ np.swapaxes(b, -1, -2) + n * np.eye(n)
    junk = rng.standard_normal(batch + (n, n))
    junk = np.triu(junk, 1) if read_lower else np.tril(junk, -1)
    return s + 3 * junk


@pytest.mark.parametrize("uplo", ["L", "U"])
@pytest.mark.parametrize("batch", [(), (2,)])
def test_eigh_gradient_reads_one_triangle(uplo, batch):
    rng = np.random.default_rng(0)
    a = rng.standard_normal(batch + (6, 6))  # not symmetric at all
    cw = rng.standard_normal(6)
    cv = rng.standard_normal((6, 6))

    def f(m, lib):
        w, v = lib.linalg.eigh(m, UPLO=uplo)
        return (w * cw).sum() + (v * v * cv).sum()  # v*v: sign-invariant

    g = wengert.grad(lambda m: f(m, wnp))(a)
    np.testing.assert_allclose(g, _fd(lambda m: f(m, np), a), atol=1e-6)
    unread = np.triu(np.ones((6, 6)), 1) if uplo == "L" else np.tril(np.ones((6, 6)), -1)
    assert np.all(g * unread == 0)


@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigvalsh_jvp_and_vjp_read_one_triangle(uplo):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((5, 5))
    t = rng.standard_normal((5, 5))
    _, jt = wengert.jvp(lambda m: wnp.linalg.eigvalsh(m, UPLO=uplo), (a,), (t,))
    np.testing.assert_allclose(jt, _fd_jvp(lambda m: np.linalg.eigvalsh(m, UPLO=uplo), a, t), atol=1e-6)
    c = rng.standard_normal(5)
    g = wengert.grad(lambda m: (wnp.linalg.eigvalsh(m, UPLO=uplo) * c).sum())(a)
    np.testing.assert_allclose(g, _fd(lambda m: (np.linalg.eigvalsh(m, UPLO=uplo) * c).sum(), a), atol=1e-6)


def test_eigvalsh_hessian_reads_one_triangle():
    rng = np.random.default_rng(2)
    a = rng.standard_normal((3, 3))
    c = rng.standard_normal(3)
    f = lambda m, lib: (lib.linalg.eigvalsh(m) * c).sum()
    h = wengert.hessian(lambda m: f(m, wnp))(a)
    gw = lambda m: wengert.grad(lambda x: f(x, wnp))(m)
    num = np.zeros((3, 3, 3, 3))
    for idx in np.ndindex(3, 3):
        e = np.zeros((3, 3))
        e[idx] = 1e-5
        num[(Ellipsis,) + idx] = (gw(a + e) - gw(a - e)) / 2e-5
    np.testing.assert_allclose(h, num, atol=1e-5)


@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("batch", [(), (2,)])
def test_cholesky_reads_one_triangle(upper, batch):
    rng = np.random.default_rng(3)
    m = _spd_with_junk(rng, 5, read_lower=not upper, batch=batch)
    w = rng.standard_normal((5, 5))
    f = lambda x, lib: (lib.linalg.cholesky(x, upper=upper) * w).sum()
    g = wengert.grad(lambda x: f(x, wnp))(m)
    np.testing.assert_allclose(g, _fd(lambda x: f(x, np), m), atol=1e-6)
    t = rng.standard_normal(m.shape)
    _, jt = wengert.jvp(lambda x: wnp.linalg.cholesky(x, upper=upper), (m,), (t,))
    np.testing.assert_allclose(jt, _fd_jvp(lambda x: np.linalg.cholesky(x, upper=upper), m, t), atol=1e-6)


@pytest.mark.parametrize("lower", [False, True])
def test_scipy_cholesky_reads_one_triangle(lower):
    sl = pytest.importorskip("scipy.linalg")
    import wengert.scipy.linalg as wsl

    rng = np.random.default_rng(4)
    m = _spd_with_junk(rng, 4, read_lower=lower)
    w = rng.standard_normal((4, 4))
    g = wengert.grad(lambda x: (wsl.cholesky(x, lower=lower) * w).sum())(m)
    np.testing.assert_allclose(g, _fd(lambda x: (sl.cholesky(x, lower=lower) * w).sum(), m), atol=1e-6)


@pytest.mark.parametrize("lower", [False, True])
@pytest.mark.parametrize("unit", [False, True])
def test_solve_triangular_reads_one_triangle(lower, unit):
    sl = pytest.importorskip("scipy.linalg")
    import wengert.scipy.linalg as wsl

    rng = np.random.default_rng(5)
    a = rng.standard_normal((4, 4)) + 4 * np.eye(4)
    b = rng.standard_normal(4)
    w = rng.standard_normal(4)
    f = lambda x, lib: (lib.solve_triangular(x, b, lower=lower, unit_diagonal=unit) * w).sum()
    g = wengert.grad(lambda x: f(x, wsl))(a)
    np.testing.assert_allclose(g, _fd(lambda x: f(x, sl), a), atol=1e-6)


@pytest.mark.parametrize("which", ["svd", "pinv"])
def test_hermitian_svd_and_pinv_read_the_lower_triangle(which):
    """``hermitian=True`` runs an ``eigh`` of the lower triangle: gradient and JVP with
    respect to the entries read, on an input whose upper triangle is noise."""
    rng = np.random.default_rng(7)
    a = _spd_with_junk(rng, 4, read_lower=True)
    c = rng.standard_normal((4, 4))

    def f(m, lib):
        if which == "svd":
            u, s, vh = lib.linalg.svd(m, hermitian=True)
            return (s * c[0]).sum() + (u * u * c).sum()  # u*u: sign-invariant
        return (lib.linalg.pinv(m, hermitian=True) * c).sum()

    g = wengert.grad(lambda m: f(m, wnp))(a)
    np.testing.assert_allclose(g, _fd(lambda m: f(m, np), a), atol=1e-6)
    assert np.all(g * np.triu(np.ones((4, 4)), 1) == 0)
    t = rng.standard_normal((4, 4))
    _, jt = wengert.jvp(lambda m: f(m, wnp), (a,), (t,))
    assert jt == pytest.approx(_fd_jvp(lambda m: f(m, np), a, t), abs=1e-6)
