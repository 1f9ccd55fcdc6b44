"""Thread safety: the stack of trace levels and the gradient overrides are per thread, so
grad can run concurrently from several threads."""

from __future__ import annotations

import math
import sys
import threading

import numpy as np
import pytest

import wengert.numpy as wnp
from wengert import grad, gradient_override, jacrev, vjp
from wengert.core.primitive import state


@pytest.fixture
def fast_switching():
    """Make the interpreter switch threads very often so that traces really interleave."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(old)


def run_threads(target, n):
    """Run ``target(i)`` in ``n`` threads started together; re-raise the first failure."""
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []
    results: list = [None] * n

    def body(i):
        try:
            barrier.wait(timeout=30)
            results[i] = target(i)
        except BaseException as e:  # noqa: BLE001 - reported to the main thread
            errors.append(e)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
        assert not t.is_alive(), "a thread hung"
    if errors:
        raise errors[0]
    return results


def test_concurrent_grad_gives_correct_results(fast_switching):
    def work(i):
        a = 1.0 + i  # each thread has its own function and inputs
        x = np.linspace(-1.0, 1.0, 16) * (i + 1) * 0.1

        def f(x):
            y = x
            for _ in range(20):
                y = wnp.sin(y) * 0.5 + y * 0.5
            return wnp.sum(y * a + x**2)

        out = []
        for _ in range(30):
            out.append(grad(f)(x))
        # Reference by forward recursion in plain NumPy.
        y, d = x.copy(), np.ones_like(x)
        for _ in range(20):
            y, d = 0.5 * np.sin(y) + 0.5 * y, d * (0.5 * np.cos(y) + 0.5)
        expected = a * d + 2 * x
        for g in out:
            np.testing.assert_allclose(g, expected, rtol=1e-12)
        return len(out)

    assert run_threads(work, 8) == [30] * 8
    assert state.stack == []


def test_concurrent_nested_grad(fast_switching):
    def work(i):
        x = 0.2 + 0.1 * i
        res = []
        for _ in range(20):
            # Perturbation confusion check and third derivatives, interleaved across threads.
            res.append(grad(lambda x: x * grad(lambda y: x + y)(1.0))(x))
            res.append(grad(grad(grad(wnp.sin)))(x))
            res.append(grad(lambda x: grad(lambda y: x * y**2)(x))(x))
        for k in range(0, len(res), 3):
            assert res[k] == pytest.approx(1.0)
            assert res[k + 1] == pytest.approx(-math.cos(x), rel=1e-12)
            assert res[k + 2] == pytest.approx(4 * x)
        return True

    assert all(run_threads(work, 6))
    assert state.stack == []


def test_gradient_override_is_per_thread(fast_switching):
    inside = threading.Event()
    release = threading.Event()

    def overriding(_):
        with gradient_override({"tanh": lambda ct, ans, x: ct * 0.0 + 100.0}):
            inside.set()
            values = [grad(wnp.tanh)(0.5) for _ in range(50)]
            assert release.wait(timeout=30)
        assert all(v == pytest.approx(100.0) for v in values)
        return "override"

    def plain(_):
        assert inside.wait(timeout=30)  # the other thread holds its override scope
        values = [grad(wnp.tanh)(0.5) for _ in range(50)]
        release.set()
        expected = 1 - math.tanh(0.5) ** 2
        assert all(v == pytest.approx(expected) for v in values)
        return "plain"

    def target(i):
        return overriding(i) if i == 0 else plain(i)

    assert run_threads(target, 4) == ["override", "plain", "plain", "plain"]
    assert state.overrides == {}


def test_concurrent_vjp_and_jacrev(fast_switching):
    A = np.arange(12.0).reshape(3, 4) / 10.0

    def work(i):
        x = np.linspace(0.0, 1.0, 4) + i
        out, vjp_fn = vjp(lambda x: wnp.tanh(A @ x), x)
        J = jacrev(lambda x: wnp.tanh(A @ x))(x)
        expected_J = (1 - np.tanh(A @ x) ** 2)[:, None] * A
        np.testing.assert_allclose(J, expected_J, rtol=1e-12, atol=1e-15)
        for k in range(3):
            e = np.zeros(3)
            e[k] = 1.0
            (row,) = vjp_fn(e)
            np.testing.assert_allclose(row, expected_J[k], rtol=1e-12, atol=1e-15)
        return True

    assert all(run_threads(work, 6))


def test_vjp_fn_called_from_another_thread():
    out, vjp_fn = vjp(lambda x: wnp.sum(wnp.exp(x)), np.array([0.0, 1.0]))
    results = run_threads(lambda i: vjp_fn(float(i + 1))[0], 4)
    for i, g in enumerate(results):
        np.testing.assert_allclose(g, (i + 1) * np.exp([0.0, 1.0]))
