"""The tracer protocol: operators with scalars and arrays on either side, comparisons, attributes,
indexing, methods, ``__array_ufunc__`` / ``__array_function__`` dispatch to wengert."""

from __future__ import annotations

import numpy as np
import pytest

import wengert.numpy as wnp
from tests.api._helpers import fd_grad
from wengert import (
    Tracer,
    grad,
)

RNG = np.random.default_rng(0)


# =========================================================================== tracer protocol


def _probe(f, x):
    """Run ``f`` on a tracer of ``x`` inside grad and return what it observed."""
    seen = {}

    def wrapped(t):
        assert isinstance(t, Tracer)
        seen["out"] = f(t)
        return wnp.sum(t) * 0.0

    grad(wrapped)(x)
    return seen["out"]


def test_operators_with_scalars_and_arrays_on_either_side():
    x = np.array([0.5, 1.5, 2.5])
    a = np.array([2.0, -1.0, 3.0])
    abs_a = np.abs(a)
    cases = [
        (lambda t: t + 2.0, lambda v: v + 2.0),
        (lambda t: 2.0 + t, lambda v: 2.0 + v),
        (lambda t: t - 3.0, lambda v: v - 3.0),
        (lambda t: 3.0 - t, lambda v: 3.0 - v),
        (lambda t: t * 2, lambda v: v * 2),
        (lambda t: 2 * t, lambda v: 2 * v),
        (lambda t: t / 4.0, lambda v: v / 4.0),
        (lambda t: 4.0 / t, lambda v: 4.0 / v),
        (lambda t: t**3, lambda v: v**3),
        (lambda t: 2.0**t, lambda v: 2.0**v),
        (lambda t: t**t, lambda v: v**v),
        (lambda t: -t, lambda v: -v),
        (lambda t: +t, lambda v: +v),
        (lambda t: abs(t - 1.0), lambda v: abs(v - 1.0)),
        (lambda t: t + a, lambda v: v + a),
        (lambda t: a + t, lambda v: a + v),
        (lambda t: a - t, lambda v: a - v),
        (lambda t: a * t, lambda v: a * v),
        (lambda t: a / t, lambda v: a / v),
        (lambda t: abs_a**t, lambda v: abs_a**v),
        (lambda t: t % 1.0, lambda v: v % 1.0),
        (lambda t: t * t + t / t, lambda v: v * v + v / v),
    ]
    for k, (op, ref) in enumerate(cases):
        g = grad(lambda t: wnp.sum(op(t)))(x)
        np.testing.assert_allclose(g, fd_grad(lambda v: np.sum(ref(v)), x), rtol=1e-6, atol=1e-8, err_msg=str(k))
        # The traced value equals NumPy's.
        np.testing.assert_allclose(_probe(lambda t: op(t).full_lower(), x), ref(x), err_msg=str(k))


def test_operator_values_match_numpy():
    x = np.array([0.5, 1.5, 2.5])
    a = np.array([2.0, -1.0, 3.0])

    def check(t):
        pairs = [
            (t + 1.0, x + 1.0),
            (1.0 - t, 1.0 - x),
            (a * t, a * x),
            (t / a, x / a),
            (t**2, x**2),
            (-t, -x),
        ]
        for got, want in pairs:
            assert isinstance(got, Tracer)
            np.testing.assert_allclose(got.full_lower(), want)
        # Zero-derivative ops give constants, not tracers.
        floor = t // 1.0
        assert not isinstance(floor, Tracer)
        np.testing.assert_allclose(floor, x // 1.0)
        return True

    assert _probe(check, x)


def test_matmul_both_sides():
    A = RNG.standard_normal((2, 3))
    x = RNG.standard_normal(3)
    np.testing.assert_allclose(grad(lambda x: wnp.sum(A @ x))(x), A.sum(axis=0))
    np.testing.assert_allclose(grad(lambda x: x @ x)(x), 2 * x)
    B = RNG.standard_normal((3, 2))
    np.testing.assert_allclose(grad(lambda m: wnp.sum(m @ B))(A), np.ones((2, 2)) @ B.T)
    np.testing.assert_allclose(grad(lambda m: np.sum(np.matmul(B, m)))(A), B.T @ np.ones((3, 3)))


def test_comparisons_return_plain_booleans():
    def check(t):
        results = [t < 1.0, t <= 1.0, t > 1.0, t >= 1.0, t == 2.0, t != 2.0, 1.0 < t]
        for r in results:
            assert not isinstance(r, Tracer)
        assert bool(t > 1.0) is True
        if t < 1.0:
            raise AssertionError("2.0 < 1.0 must be False")
        return True

    assert _probe(check, 2.0)

    def array_check(t):
        r = t > 1.0
        assert not isinstance(r, Tracer)
        assert r.dtype == np.bool_
        np.testing.assert_array_equal(r, [False, True])
        assert (t > 0).all()
        return True

    assert _probe(array_check, np.array([0.5, 1.5]))


def test_attributes_len_and_iteration():
    x = np.arange(6.0).reshape(2, 3)

    def check(t):
        assert t.shape == (2, 3)
        assert t.dtype == np.float64
        assert t.ndim == 2
        assert t.size == 6
        assert len(t) == 2
        assert np.shape(t) == (2, 3) and np.ndim(t) == 2
        assert t.T.shape == (3, 2) and isinstance(t.T, Tracer)
        rows = list(t)
        assert len(rows) == 2 and all(isinstance(r, Tracer) and r.shape == (3,) for r in rows)
        np.testing.assert_array_equal(rows[1].full_lower(), [3.0, 4.0, 5.0])
        return True

    assert _probe(check, x)
    with pytest.raises(TypeError, match="len"):
        grad(lambda t: len(t) * t)(1.0)


def test_indexing_gradients():
    x = np.arange(12.0).reshape(3, 4)
    g = grad(lambda t: t[0, 1] * t[2, 3] + wnp.sum(t[1]) + wnp.sum(t[:, 0] ** 2))(x)
    expected = np.zeros((3, 4))
    expected[0, 1] += x[2, 3]
    expected[2, 3] += x[0, 1]
    expected[1] += 1
    expected[:, 0] += 2 * x[:, 0]
    np.testing.assert_allclose(g, expected)
    # Advanced indexing with repeats accumulates.
    g = grad(lambda t: wnp.sum(t[[0, 0, 2], [1, 1, 3]]))(x)
    expected = np.zeros((3, 4))
    expected[0, 1] = 2
    expected[2, 3] = 1
    np.testing.assert_allclose(g, expected)
    # Boolean mask, negative index, ellipsis, newaxis.
    mask = x > 5
    np.testing.assert_allclose(grad(lambda t: wnp.sum(t[mask]))(x), mask * 1.0)
    g = grad(lambda t: wnp.sum(t[..., -1, None] * 3.0))(x)
    expected = np.zeros((3, 4))
    expected[:, -1] = 3.0
    np.testing.assert_allclose(g, expected)


def test_methods():
    x = RNG.standard_normal((2, 3))
    checks = [
        (lambda t: t.sum(axis=0), lambda v: v.sum(axis=0)),
        (lambda t: t.reshape(2, -1), lambda v: v.reshape(2, -1)),
        (lambda t: t.reshape((3, 2)), lambda v: v.reshape((3, 2))),
        (lambda t: t.mean(), lambda v: v.mean()),
        (lambda t: t.max(), lambda v: v.max()),
        (lambda t: t.max(axis=1), lambda v: v.max(axis=1)),
        (lambda t: t.min(axis=0), lambda v: v.min(axis=0)),
        (lambda t: t.transpose(), lambda v: v.transpose()),
        (lambda t: t.transpose(1, 0), lambda v: v.transpose(1, 0)),
        (lambda t: t.ravel(), lambda v: v.ravel()),
        (lambda t: t.flatten(), lambda v: v.flatten()),
        (lambda t: t.prod(axis=1), lambda v: v.prod(axis=1)),
        (lambda t: t.var(), lambda v: v.var()),
        (lambda t: t.std(axis=0), lambda v: v.std(axis=0)),
        (lambda t: t.cumsum(axis=1), lambda v: v.cumsum(axis=1)),
        (lambda t: t.clip(-0.5, 0.5), lambda v: v.clip(-0.5, 0.5)),
        (lambda t: t.dot(np.ones(3)), lambda v: v.dot(np.ones(3))),
        (lambda t: t.swapaxes(0, 1), lambda v: v.swapaxes(0, 1)),
        (lambda t: t.copy(), lambda v: v.copy()),
    ]
    w = RNG.standard_normal(6)
    for k, (m, ref) in enumerate(checks):
        # Values agree with NumPy.
        val = _probe(lambda t: m(t).full_lower() if isinstance(m(t), Tracer) else m(t), x)
        np.testing.assert_allclose(val, ref(x), rtol=1e-6, err_msg=str(k))
        # Gradients agree with finite differences (weighted so that each output counts).
        n = np.size(ref(x))
        wk = w[:n].reshape(np.shape(ref(x)))

        def f(t, m=m, wk=wk):
            return wnp.sum(m(t) * wk)

        np.testing.assert_allclose(
            grad(f)(x),
            fd_grad(lambda v, ref=ref, wk=wk: np.sum(ref(v).astype(float) * wk), x, eps=1e-4),
            rtol=1e-4,
            atol=1e-6,
            err_msg=str(k),
        )


def test_astype_method():
    x = RNG.standard_normal((2, 3))
    w = RNG.standard_normal((2, 3)).astype(np.float32)

    def f(t):
        y = t.astype(np.float32)
        assert y.dtype == np.float32
        return wnp.sum(y * w)

    g = grad(f)(x)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, w, rtol=1e-7)
    # To an integer dtype: no derivative flows.
    np.testing.assert_array_equal(grad(lambda t: wnp.sum(t.astype(np.int64) * 1.0 + t))(x), np.ones((2, 3)))


def test_array_ufunc_with_ndarray_on_the_left():
    A = np.array([[1.0, 2.0], [3.0, 4.0]])

    def f(x):
        y = A * x  # ndarray.__mul__ defers to the tracer's __array_ufunc__
        assert isinstance(y, Tracer)
        z = A + x
        assert isinstance(z, Tracer)
        return wnp.sum(y) + wnp.sum(np.sin(z)) + wnp.sum(np.multiply(A, x))

    x = np.array([0.3, -0.2])
    expected = 2 * A.sum(axis=0) + np.cos(A + x).sum(axis=0)
    np.testing.assert_allclose(grad(f)(x), expected)


def test_ufunc_reduce_and_accumulate():
    X = np.arange(6.0).reshape(2, 3) + 1.0
    W = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    row_weights = np.array([1.0, 2.0])
    cases = [
        (lambda x: np.sum(np.add.reduce(x)), np.ones((2, 3))),
        (lambda x: np.sum(np.add.reduce(x, axis=1) * row_weights), [[1.0] * 3, [2.0] * 3]),
        # d/dx sum(cumsum(x, 1) * W) = reverse cumsum of W along axis 1
        (lambda x: np.sum(np.add.accumulate(x, axis=1) * W), [[6.0, 5.0, 3.0], [15.0, 11.0, 6.0]]),
        (lambda x: np.multiply.reduce(x, axis=None), np.prod(X) / X),
        (lambda x: np.sum(np.maximum.reduce(x, axis=1)), [[0.0, 0.0, 1.0], [0.0, 0.0, 1.0]]),
    ]
    for k, (f, expected) in enumerate(cases):
        np.testing.assert_allclose(grad(f)(X), expected, err_msg=str(k))


def test_numpy_functions_dispatch_to_wengert():
    x = RNG.standard_normal((2, 3))

    def f(t):
        a = np.concatenate([t, t**2], axis=0)
        b = np.reshape(a, (3, 4))
        c = np.transpose(b) @ np.ones(3)
        return np.sum(np.where(c > 0, c, 0.0)) + np.mean(np.exp(t)) + np.einsum("ij,ij->", t, t)

    np.testing.assert_allclose(grad(f)(x), fd_grad(f, x), rtol=1e-6, atol=1e-8)


def test_wengert_numpy_array_keeps_derivatives():
    def f(x):
        v = wnp.array([x, 2.0 * x, x**2])
        return wnp.sum(v * np.array([1.0, 1.0, 1.0]))

    assert grad(f)(3.0) == pytest.approx(1 + 2 + 6)
