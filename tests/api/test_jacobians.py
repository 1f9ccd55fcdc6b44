"""``jacrev``, ``jacfwd``, ``jacobian`` and ``hessian``: closed forms, shapes, argnums, pytrees, aux."""

from __future__ import annotations

import math

import numpy as np
import pytest

import wengert as w
import wengert.numpy as wnp
from tests.api._helpers import Params, assert_plain, fd_jac
from wengert import (
    grad,
    jacrev,
)

RNG = np.random.default_rng(0)


# =========================================================================== jacrev


def test_jacrev_vector_function_closed_form():
    def f(x):
        return wnp.stack([x[0] * x[1], wnp.sin(x[2]) + x[0] ** 2])

    x = np.array([1.0, 2.0, 0.5])
    J = jacrev(f)(x)
    expected = np.array([[x[1], x[0], 0.0], [2 * x[0], 0.0, math.cos(x[2])]])
    assert J.shape == (2, 3)
    np.testing.assert_allclose(J, expected)


def test_jacrev_shape_is_out_plus_in():
    A = RNG.standard_normal((4, 2))

    def f(m):  # (2, 3) -> (4, 3)
        return wnp.tanh(A @ m)

    X = RNG.standard_normal((2, 3))
    J = jacrev(f)(X)
    assert J.shape == (4, 3, 2, 3)
    np.testing.assert_allclose(J, fd_jac(f, X), rtol=1e-6, atol=1e-9)


def test_jacrev_scalar_in_and_out():
    assert np.shape(jacrev(lambda x: x**3)(2.0)) == ()
    assert jacrev(lambda x: x**3)(2.0) == pytest.approx(12.0)
    x = np.array([1.0, 2.0, 3.0])
    J = jacrev(lambda x: wnp.sum(x**2))(x)
    assert J.shape == (3,)
    np.testing.assert_allclose(J, 2 * x)
    J = jacrev(lambda s: s * x)(2.0)
    assert J.shape == (3,)
    np.testing.assert_allclose(J, x)


def test_jacrev_argnums_tuple():
    def f(x, y):
        return x * wnp.sum(y**2)

    x = np.array([1.0, 2.0])
    y = np.array([3.0, 4.0, 5.0])
    Jx, Jy = jacrev(f, argnums=(0, 1))(x, y)
    assert Jx.shape == (2, 2) and Jy.shape == (2, 3)
    np.testing.assert_allclose(Jx, np.eye(2) * np.sum(y**2))
    np.testing.assert_allclose(Jy, np.outer(x, 2 * y))
    Jy_only = jacrev(f, argnums=1)(x, y)
    np.testing.assert_allclose(Jy_only, Jy)


def test_jacrev_pytree_in_and_out():
    def f(p):
        return {"lin": p.w @ p.b, "sq": (p.b**2,)}

    p = Params(w=RNG.standard_normal((2, 3)), b=RNG.standard_normal(3))
    J = jacrev(f)(p)
    # Output structure outside, input structure inside.
    assert set(J) == {"lin", "sq"}
    assert isinstance(J["lin"], Params) and isinstance(J["sq"], tuple)
    assert J["lin"].w.shape == (2, 2, 3) and J["lin"].b.shape == (2, 3)
    assert J["sq"][0].w.shape == (3, 2, 3) and J["sq"][0].b.shape == (3, 3)
    np.testing.assert_allclose(J["lin"].b, p.w)
    expected_w = np.zeros((2, 2, 3))
    for i in range(2):
        expected_w[i, i, :] = p.b
    np.testing.assert_allclose(J["lin"].w, expected_w)
    np.testing.assert_allclose(J["sq"][0].b, np.diag(2 * p.b))
    np.testing.assert_array_equal(J["sq"][0].w, np.zeros((3, 2, 3)))


def test_jacrev_has_aux():
    J, aux = jacrev(lambda x: (wnp.exp(x), {"norm": wnp.sum(x**2)}), has_aux=True)(np.array([0.0, 1.0]))
    np.testing.assert_allclose(J, np.diag(np.exp([0.0, 1.0])))
    assert_plain(aux)
    assert aux["norm"] == pytest.approx(1.0)


def test_jacrev_of_grad_is_the_hessian():
    def f(x):
        return wnp.sum(x**3) + x[0] * x[1]

    x = np.array([1.0, 2.0])
    H = jacrev(grad(f))(x)
    np.testing.assert_allclose(H, [[6.0, 1.0], [1.0, 12.0]])


# moved from tests/test_forward.py
def rosen(x):
    return wnp.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def _fd_hessian(f, x, h=1e-5):
    g = w.grad(f)
    cols = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        cols.append((g(x + e) - g(x - e)) / (2 * h))
    return np.stack(cols, 1)


def test_hessian_rosenbrock_and_hvp():
    x = RNG.uniform(-1, 1, 7)
    H = w.hessian(rosen)(x)
    np.testing.assert_allclose(H, _fd_hessian(rosen, x), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(H, H.T)
    v = RNG.standard_normal(7)
    np.testing.assert_allclose(w.hvp(rosen, (x,), (v,)), H @ v, rtol=1e-10)


def test_hessian_small_mlp_loss():
    X = RNG.standard_normal((5, 3))
    y = RNG.standard_normal(5)

    def loss(p):
        W1 = wnp.reshape(p[:6], (3, 2))
        b1 = p[6:8]
        w2 = p[8:10]
        h = wnp.tanh(X @ W1 + b1)
        return wnp.mean((h @ w2 - y) ** 2)

    p = RNG.standard_normal(10) * 0.5
    np.testing.assert_allclose(w.hessian(loss)(p), _fd_hessian(loss, p), rtol=1e-5, atol=1e-6)


def test_jacobians_pytrees_argnums_aux():
    def f(a, b):
        return {"s": wnp.sum(a * b["u"]), "v": a * 2.0}, "aux"

    a = np.arange(3.0)
    b = {"u": np.ones(3)}
    for jac in (w.jacfwd, w.jacrev, w.jacobian):
        J, aux = jac(f, argnums=(0, 1), has_aux=True)(a, b)
        assert aux == "aux"
        np.testing.assert_allclose(J["s"][0], np.ones(3))
        np.testing.assert_allclose(J["s"][1]["u"], a)
        np.testing.assert_allclose(J["v"][0], 2 * np.eye(3))
        np.testing.assert_allclose(J["v"][1]["u"], np.zeros((3, 3)))


def test_jacobian_picks_mode(monkeypatch):
    calls = []
    import wengert.api as api

    orig_f, orig_r = api.jacfwd, api.jacrev
    monkeypatch.setattr(api, "jacfwd", lambda *a, **k: calls.append("fwd") or orig_f(*a, **k))
    monkeypatch.setattr(api, "jacrev", lambda *a, **k: calls.append("rev") or orig_r(*a, **k))
    w.jacobian(lambda x: wnp.sum(x**2))(np.ones(5))  # 5 inputs, 1 output: reverse
    w.jacobian(lambda x: wnp.ones(5) * x)(np.ones(()))  # 1 input, 5 outputs: forward
    assert calls == ["rev", "fwd"]
