"""Scale and memory: very long tapes differentiate without recursion, and tapes are released
as soon as nothing needs them."""

from __future__ import annotations

import gc
import math
import sys
import tracemalloc
import weakref

import numpy as np
import pytest

import wengert
import wengert.numpy as wnp
from wengert import grad, vjp
from wengert.core.primitive import state


@pytest.fixture
def no_gc():
    """Run with the cycle collector off: what is freed is freed by reference counting, so a
    reference cycle that keeps a tape alive shows up as a failure."""
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# --------------------------------------------------------------------------- long chains


def test_chain_of_a_million_scalar_ops():
    n = 10**6

    def f(x):
        for _ in range(n):
            x = x * 1.0000001
        return x

    assert sys.getrecursionlimit() < n
    g = grad(f)(1.0)
    assert float(g) == pytest.approx(1.0000001**n, rel=1e-9)


def test_long_chain_through_vjp():
    n = 50_000

    def f(x):
        for _ in range(n):
            x = x + 0.5 * x * 1e-6
        return x

    out, vjp_fn = vjp(f, np.array([1.0, 2.0]))
    (g,) = vjp_fn(np.array([1.0, 1.0]))
    np.testing.assert_allclose(g, (1 + 0.5e-6) ** n * np.ones(2), rtol=1e-9)


def test_long_chain_second_order():
    # Much deeper than the recursion limit, differentiated twice.
    n = 10_000

    def h(x):
        for _ in range(n):
            x = wnp.sin(x) * 0.5 + x * 0.5
        return x

    # Closed form by forward recursion of (x, dx/dx0, d2x/dx0^2).
    x, d, dd = 0.3, 1.0, 0.0
    for _ in range(n):
        c, s = math.cos(x), math.sin(x)
        x, d, dd = 0.5 * s + 0.5 * x, (0.5 * c + 0.5) * d, (0.5 * c + 0.5) * dd - 0.5 * s * d * d
    assert grad(h)(0.3) == pytest.approx(d, rel=1e-9)
    assert grad(grad(h))(0.3) == pytest.approx(dd, rel=1e-8, abs=1e-300)


def test_deep_composition_with_fan_out():
    # Every step uses the previous value twice: a DAG, not a tree (2^n paths).
    n = 5_000

    def f(x):
        for _ in range(n):
            x = 0.5 * x + wnp.sin(x) * 0.25 + 0.5 * x
        return x

    # Linear time: cotangents are accumulated per node, never per path.
    x, d = 0.7, 1.0
    for _ in range(n):
        x, d = x + 0.25 * math.sin(x), d * (1 + 0.25 * math.cos(x))
    assert grad(f)(0.7) == pytest.approx(d, rel=1e-9)


# --------------------------------------------------------------------------- memory release


def test_tape_released_after_grad(no_gc):
    refs = []

    def f(x):
        big = np.linspace(0.0, 1.0, 500_000)  # saved on the tape by multiply
        refs.append(weakref.ref(big))
        refs.append(weakref.ref(x._trace))
        return wnp.sum(wnp.sin(x * big))

    g = grad(f)(1.0)
    assert np.isfinite(g)
    assert len(refs) == 2
    assert refs[0]() is None, "a tape residual outlived grad"
    assert refs[1]() is None, "the trace outlived grad"


def test_trace_released_after_nested_grad(no_gc):
    refs = []

    def inner(y, x):
        refs.append(weakref.ref(y._trace))
        return x * y**2

    def outer(x):
        refs.append(weakref.ref(x._trace))
        return grad(inner)(x, x)

    # outer(x) = d/dy (x y^2) at y = x = 2 x^2, so d/dx = 4x.
    assert grad(outer)(2.0) == pytest.approx(8.0)
    assert len(refs) == 2
    assert all(r() is None for r in refs)


def test_tape_released_after_value_and_grad_with_aux(no_gc):
    refs = []

    def f(x):
        big = np.ones(200_000)
        refs.append(weakref.ref(big))
        y = x * big
        return wnp.sum(y), {"y0": y[0]}

    (v, aux), g = wengert.value_and_grad(f, has_aux=True)(2.0)
    assert v == pytest.approx(400_000.0)
    assert aux["y0"] == pytest.approx(2.0)
    assert refs[0]() is None


def test_tape_released_when_f_raises(no_gc):
    refs = []

    def f(x):
        big = np.ones(100_000)
        refs.append(weakref.ref(big))
        y = wnp.sum(x * big)
        raise RuntimeError("failure inside the differentiated function")
        return y  # pragma: no cover

    try:
        grad(f)(1.0)
    except RuntimeError:
        pass
    else:  # pragma: no cover
        raise AssertionError("the error was swallowed")
    assert refs[0]() is None
    assert state.stack == []  # the level was popped
    assert grad(lambda x: x * 3.0)(1.0) == pytest.approx(3.0)  # and later calls work


def test_vjp_fn_keeps_tape_alive_until_dropped(no_gc):
    refs = []

    def f(x):
        big = np.linspace(1.0, 2.0, 300_000)
        refs.append(weakref.ref(big))
        refs.append(weakref.ref(x._trace))
        return wnp.sum(x * big)

    out, vjp_fn = vjp(f, 1.5)
    assert all(r() is not None for r in refs), "vjp_fn needs its tape"
    (g1,) = vjp_fn(1.0)
    (g2,) = vjp_fn(2.0)  # usable more than once: the residuals were not freed
    assert float(g1) == pytest.approx(np.linspace(1.0, 2.0, 300_000).sum())
    assert float(g2) == pytest.approx(2 * float(g1))
    assert all(r() is not None for r in refs)
    del vjp_fn
    assert all(r() is None for r in refs), "dropping vjp_fn must free its tape"
    assert out == pytest.approx(1.5 * np.linspace(1.0, 2.0, 300_000).sum())


def test_memory_does_not_grow_over_many_grads():
    def f(x):
        return wnp.sum(wnp.tanh(x) * x + x**2)

    x = np.linspace(-1.0, 1.0, 200)
    for _ in range(50):  # warm caches
        grad(f)(x)
    gc.collect()
    tracemalloc.start()
    try:
        for _ in range(100):
            grad(f)(x)
        gc.collect()
        base, _ = tracemalloc.get_traced_memory()
        for _ in range(1000):
            g = grad(f)(x)
        gc.collect()
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    np.testing.assert_allclose(g, np.tanh(x) + x * (1 - np.tanh(x) ** 2) + 2 * x)
    # One tape of this function holds ~20 KB of arrays; 1000 leaked tapes would be ~20 MB.
    assert after - base < 50_000, f"memory grew by {after - base} bytes over 1000 grads"


def test_memory_does_not_grow_over_many_nested_grads():
    def f(x):
        return wnp.sum(wnp.sin(x) ** 2)

    x = np.linspace(-1.0, 1.0, 50)
    hess_diag = wengert.elementwise_grad(wengert.elementwise_grad(lambda v: wnp.sin(v) ** 2))
    for _ in range(20):
        hess_diag(x)
    gc.collect()
    tracemalloc.start()
    try:
        for _ in range(20):
            hess_diag(x)
        gc.collect()
        base, _ = tracemalloc.get_traced_memory()
        for _ in range(300):
            h = hess_diag(x)
        gc.collect()
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    np.testing.assert_allclose(h, 2 * np.cos(2 * x))
    assert grad(f)(x).shape == (50,)
    assert after - base < 50_000, f"memory grew by {after - base} bytes over 300 nested grads"
