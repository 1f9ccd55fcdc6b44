"""Python control flow under ``grad``: branches, loops, recursion and early returns follow the values."""

from __future__ import annotations

import math

import numpy as np
import pytest

import wengert.numpy as wnp
from tests.api._helpers import fd_grad
from wengert import (
    grad,
)

RNG = np.random.default_rng(0)


# =========================================================================== control flow


def test_if_else_on_values():
    def f(x):
        if x > 1.0:
            return x * 2.0
        else:
            return x**3

    assert grad(f)(2.0) == pytest.approx(2.0)
    assert grad(f)(0.5) == pytest.approx(0.75)

    def g(x):
        # Branch on an array reduction.
        if wnp.sum(x) > 0:
            return wnp.sum(wnp.sin(x))
        return wnp.sum(x**2)

    x = np.array([1.0, 0.5])
    np.testing.assert_allclose(grad(g)(x), np.cos(x))
    np.testing.assert_allclose(grad(g)(-x), -2 * x)


def test_while_loop_with_data_dependent_trip_count():
    def f(x):
        while x < 10.0:
            x = x * 2.0
        return x

    # 1.5 -> 3 -> 6 -> 12: three doublings.
    assert grad(f)(1.5) == pytest.approx(8.0)
    # 0.1 -> ... -> 12.8: seven doublings.
    assert grad(f)(0.1) == pytest.approx(128.0)
    assert grad(f)(20.0) == pytest.approx(1.0)


def test_newton_iteration_converges_to_the_derivative():
    def sqrt_newton(a):
        y = a
        while abs(y * y - a) > 1e-14 * a:
            y = 0.5 * (y + a / y)
        return y

    a = 7.0
    assert sqrt_newton(a) == pytest.approx(math.sqrt(a))
    assert grad(sqrt_newton)(a) == pytest.approx(0.5 / math.sqrt(a), rel=1e-8)


def test_for_loops():
    def horner(c, x):
        acc = 0.0
        for ck in c:  # iterates over the first axis of a traced array
            acc = acc * x + ck
        return acc

    c = np.array([2.0, -1.0, 3.0, 0.5])  # 2x^3 - x^2 + 3x + 0.5
    x = 1.3
    assert grad(horner, argnums=1)(c, x) == pytest.approx(6 * x**2 - 2 * x + 3)
    np.testing.assert_allclose(grad(horner)(c, x), [x**3, x**2, x, 1.0])

    def rnn(w, xs):
        h = 0.0
        for t in range(len(xs)):
            h = wnp.tanh(w * h + xs[t])
        return h

    xs = np.array([0.5, -0.3, 0.8])
    w = 0.7
    assert grad(rnn)(w, xs) == pytest.approx(fd_grad(lambda v: rnn(v, xs), np.array(w)), rel=1e-7)


def test_recursion():
    def power(x, n):
        if n == 0:
            return 1.0
        half = power(x, n // 2)
        return half * half * (x if n % 2 else 1.0)

    for n in [1, 2, 5, 10]:
        assert grad(power)(1.1, n) == pytest.approx(n * 1.1 ** (n - 1), rel=1e-13)

    def fact_like(x, n):
        return x if n == 1 else x * fact_like(x - 1.0, n - 1)

    # x (x-1) (x-2): derivative 3x^2 - 6x + 2
    assert grad(fact_like)(4.0, 3) == pytest.approx(3 * 16 - 24 + 2)


def test_early_return():
    def f(x):
        for k in range(10):
            x = wnp.sin(x) + x
            if x > 3.0:
                return x * k
        return x

    x0 = 1.0
    assert grad(f)(x0) == pytest.approx(fd_grad(f, np.array(x0)), rel=1e-6)


def test_gradient_follows_taken_branch_of_piecewise_function():
    def relu_like(x):
        return wnp.sum(wnp.where(x > 0, x**2, -x))

    x = np.array([-2.0, -0.5, 0.5, 3.0])
    np.testing.assert_allclose(grad(relu_like)(x), [-1.0, -1.0, 1.0, 6.0])

    def piecewise(x):
        out = 0.0
        for xi in x:
            out = out + (xi**2 if xi > 0 else -xi)
        return out

    np.testing.assert_allclose(grad(piecewise)(x), [-1.0, -1.0, 1.0, 6.0])
