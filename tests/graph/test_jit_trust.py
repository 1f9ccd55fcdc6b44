"""``jit`` can be trusted: gradient overrides are part of the cache key, the derivative rules
of a jitted function are built safely under concurrency, the cache is bounded (least
recently used evicted, logged), and the first call needs no more memory than eager ``grad``.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import logging
import sys
import threading
import tracemalloc
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import wengert.numpy as wnp
from wengert import grad, gradient_override, jvp, vjp
from wengert.graph import jit, trace

# the module, not the function `wengert.graph.jit` that shadows its name on the package
jit_module = importlib.import_module("wengert.graph.jit")
LOGGER = "wengert.jit"
C = np.array([1.0, -2.0, 0.5])


def f(x: Any) -> Any:
    return wnp.sum(wnp.sin(x) * C[: np.shape(x)[0]])


def times_three(ct: Any, ans: Any, x: Any) -> Any:
    return ct * 3.0


def minus_ans(ct: Any, ans: Any, x: Any) -> Any:
    return -ct * ans


# The scopes the tests mix, and the gradient of ``f`` each one gives (computed in NumPy).
SCOPES: dict[str, dict | None] = {"none": None, "three": {"sin": times_three}, "minus": {"sin": minus_ans}}


def expected_grad(scope: str, x: np.ndarray) -> np.ndarray:
    c = C[: x.shape[0]]
    return {"none": c * np.cos(x), "three": 3.0 * c, "minus": -c * np.sin(x)}[scope]


def expected_grad_tangent(scope: str, x: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The tangent of ``grad(f)`` under ``scope``, along ``t`` (forward mode is not overridden)."""
    c = C[: x.shape[0]]
    return {"none": -c * np.sin(x) * t, "three": 0.0 * t, "minus": -c * np.cos(x) * t}[scope]


def scope(name: str) -> Any:
    m = SCOPES[name]
    return gradient_override(m) if m is not None else contextlib.nullcontext()


def _counting(fun: Callable) -> tuple[Callable, list]:
    calls: list = []

    def g(*a: Any) -> Any:
        calls.append(1)
        return fun(*a)

    g.__name__ = getattr(fun, "__name__", "g")
    return g, calls


def _messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER]


X = np.array([0.3, 0.7, -1.1])
T = np.array([1.0, 2.0, -0.5])

# =============================================================================== item 2: overrides


def test_jit_of_grad_first_traced_inside_an_override_is_not_reused_outside() -> None:
    jg = jit(grad(f))
    with scope("three"):
        np.testing.assert_allclose(jg(X), expected_grad("three", X), rtol=1e-14)
    np.testing.assert_allclose(jg(X), expected_grad("none", X), rtol=1e-14)
    with scope("minus"):
        np.testing.assert_allclose(jg(X), expected_grad("minus", X), rtol=1e-14)
    with scope("three"):  # back in the first scope: the first trace again
        np.testing.assert_allclose(jg(X), expected_grad("three", X), rtol=1e-14)


def test_grad_of_jit_follows_the_scope_it_runs_in() -> None:
    jf = jit(f)
    for name in ["three", "none", "minus", "none", "three"]:
        with scope(name):
            np.testing.assert_allclose(grad(jf)(X), expected_grad(name, X), rtol=1e-14)


@pytest.mark.parametrize("inner", ["three", "minus"])
def test_vjp_of_jit_keeps_the_scope_it_was_recorded_in(inner: str) -> None:
    """As in eager mode, the override is fixed when the call is recorded."""
    jf = jit(f)
    with scope(inner):
        _, pull_jit = vjp(jf, X)
        _, pull_eager = vjp(f, X)
    for outer in ["none", "three", "minus"]:
        with scope(outer):
            (g_jit,) = pull_jit(1.0)
            (g_eager,) = pull_eager(1.0)
        np.testing.assert_allclose(g_eager, expected_grad(inner, X), rtol=1e-14)
        np.testing.assert_allclose(g_jit, g_eager, rtol=1e-14)


def test_vjp_of_jit_recorded_outside_a_scope_ignores_the_scope_of_the_pullback() -> None:
    jf = jit(f)
    _, pull = vjp(jf, X)
    with scope("three"):
        (g,) = pull(1.0)
    np.testing.assert_allclose(g, expected_grad("none", X), rtol=1e-14)


def test_jvp_of_jitted_gradient_under_each_scope() -> None:
    jg = jit(grad(f))
    for name in ["minus", "none", "three", "minus"]:
        with scope(name):
            got = jvp(jg, (X,), (T,))[1]
        np.testing.assert_allclose(got, expected_grad_tangent(name, X, T), rtol=1e-13, atol=1e-15)


def test_nested_scopes_are_keyed_on_every_rule_in_scope() -> None:
    def g(x: Any) -> Any:
        return wnp.sum(wnp.sin(x) + wnp.cos(x))

    jg = jit(grad(g))
    cos_two = {"cos": lambda ct, ans, x: ct * 2.0}
    with gradient_override({"sin": times_three}):
        np.testing.assert_allclose(jg(X), 3.0 - np.sin(X), rtol=1e-14)
        with gradient_override(cos_two):
            np.testing.assert_allclose(jg(X), 5.0 + 0 * X, rtol=1e-14)
        with gradient_override({"sin": minus_ans}):  # the inner scope replaces sin's rule
            np.testing.assert_allclose(jg(X), -np.sin(X) - np.sin(X), rtol=1e-14)
    with gradient_override(cos_two):
        np.testing.assert_allclose(jg(X), np.cos(X) + 2.0, rtol=1e-14)
    np.testing.assert_allclose(jg(X), np.cos(X) - np.sin(X), rtol=1e-14)


def test_the_same_rule_functions_reuse_the_trace_and_other_ones_retrace() -> None:
    counted, calls = _counting(grad(f))
    jg = jit(counted)
    for _ in range(3):
        with gradient_override({"sin": times_three}):
            jg(X)
    assert len(calls) == 1
    with gradient_override({"sin": lambda ct, ans, x: ct * 3.0}):  # equal, but another function
        np.testing.assert_allclose(jg(X), expected_grad("three", X), rtol=1e-14)
    assert len(calls) == 2
    jg(X)
    assert len(calls) == 3


# =============================================================================== item 2: threads


@pytest.fixture
def fast_switching() -> Any:
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        yield
    finally:
        sys.setswitchinterval(old)


def test_threads_mixing_jit_grad_jvp_and_override_scopes(fast_switching: Any) -> None:
    """8 threads x 200 iterations on shared jitted functions, every result checked."""
    n_threads, iters = 8, 200
    jit_grad = jit(grad(f))
    jit_f = jit(f)
    grad_of_jit = grad(jit_f)
    small = jit(grad(f), cache_size=2)  # three signatures below: evictions race too
    barrier = threading.Barrier(n_threads)
    errors: list[BaseException] = []
    done = [0] * n_threads

    def op_result(op: str, x: np.ndarray, t: np.ndarray, name: str) -> tuple[Any, Any]:
        """(computed, expected) for one operation under scope ``name``."""
        if op == "jit(grad)":
            return jit_grad(x), expected_grad(name, x)
        if op == "grad(jit)":
            return grad_of_jit(x), expected_grad(name, x)
        if op == "small cache":
            return small(x), expected_grad(name, x)
        if op == "jvp(jit)":
            return jvp(jit_f, (x,), (t,))[1], np.sum(C[: x.shape[0]] * np.cos(x) * t)
        if op == "jvp(jit(grad))":
            return jvp(jit_grad, (x,), (t,))[1], expected_grad_tangent(name, x, t)
        if op == "vjp(jit) later":  # recorded in this scope, pulled back outside any scope
            _, pull = vjp(jit_f, x)
            return ("pull", pull), expected_grad(name, x)
        raise AssertionError(op)

    ops = ["jit(grad)", "grad(jit)", "small cache", "jvp(jit)", "jvp(jit(grad))", "vjp(jit) later"]

    def work(i: int) -> None:
        rng = np.random.default_rng(i)
        barrier.wait(timeout=30)
        for k in range(iters):
            op = ops[rng.integers(len(ops))]
            name = list(SCOPES)[rng.integers(len(SCOPES))]
            n = int(rng.integers(1, 4))
            x = rng.uniform(-2, 2, n)
            t = rng.uniform(-1, 1, n)
            with scope(name):
                got, want = op_result(op, x, t, name)
            if isinstance(got, tuple) and got[0] == "pull":
                (got,) = got[1](1.0)
            np.testing.assert_allclose(
                got, want, rtol=1e-12, atol=1e-14, err_msg=f"thread {i}, iteration {k}: {op} under {name!r}"
            )
            done[i] += 1

    def body(i: int) -> None:
        try:
            work(i)
        except BaseException as e:  # noqa: BLE001 - reported to the main thread
            errors.append(e)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(n_threads)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
        assert not th.is_alive(), "a thread hung"
    if errors:
        raise errors[0]
    assert done == [iters] * n_threads
    assert len(small.cache) <= 2


# =============================================================================== item 12: bounded cache


def test_default_cache_size_is_documented_and_bounds_the_cache(caplog: pytest.LogCaptureFixture) -> None:
    DEFAULT_CACHE_SIZE = jit_module.DEFAULT_CACHE_SIZE
    assert DEFAULT_CACHE_SIZE == 64
    assert "cache_size" in (jit.__doc__ or "")
    jf = jit(lambda x: x * 2.0)
    assert jf.cache_size == DEFAULT_CACHE_SIZE
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        for n in range(1, DEFAULT_CACHE_SIZE + 6):
            jf(np.ones(n))
    assert len(jf.cache) == DEFAULT_CACHE_SIZE
    evictions = [m for m in _messages(caplog) if "evicted" in m]
    assert len(evictions) == 5
    assert "(1,)" in evictions[0] and "(5,)" in evictions[-1]


def test_least_recently_used_signature_is_evicted(caplog: pytest.LogCaptureFixture) -> None:
    counted, calls = _counting(lambda x: wnp.sin(x) * 2.0)
    jf = jit(counted, cache_size=2)
    a, b, c = np.ones(1), np.ones(2), np.ones(3)
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        jf(a)
        jf(b)
        jf(a)  # a is now the most recently used
        jf(c)  # evicts b
    assert len(calls) == 3
    msgs = _messages(caplog)
    assert len([m for m in msgs if "new signature" in m]) == 3
    (evicted,) = [m for m in msgs if "evicted" in m]
    assert "cache_size=2" in evicted and "least recently used" in evicted and "(2,)" in evicted
    jf(a)
    assert len(calls) == 3  # still cached
    np.testing.assert_allclose(jf(b), np.sin(b) * 2.0, rtol=1e-15)
    assert len(calls) == 4  # retraced


def test_cache_size_in_decorator_form_and_unbounded() -> None:
    @jit(cache_size=1)
    def g(x: Any) -> Any:
        return x + 1.0

    g(np.ones(1))
    g(np.ones(2))
    assert g.cache_size == 1 and len(g.cache) == 1
    h = jit(lambda x: x + 1.0, cache_size=None)
    for n in range(1, jit_module.DEFAULT_CACHE_SIZE + 3):
        h(np.ones(n))
    assert len(h.cache) == jit_module.DEFAULT_CACHE_SIZE + 2


@pytest.mark.parametrize("bad", [0, -3, 1.5, True, "8"])
def test_cache_size_must_be_a_positive_int(bad: Any) -> None:
    with pytest.raises(ValueError, match="cache_size must be a positive int"):
        jit(lambda x: x, cache_size=bad)


@settings(max_examples=60, deadline=None)
@given(
    size=st.integers(1, 4),
    accesses=st.lists(st.integers(1, 6), min_size=1, max_size=16),
)
def test_cache_behaves_as_an_lru_model(size: int, accesses: list[int]) -> None:
    """Traces and cached signatures match a reference LRU of the same capacity."""
    counted, calls = _counting(lambda x: x * 3.0)
    jf = jit(counted, cache_size=size, optimize=False)
    model: OrderedDict[int, None] = OrderedDict()
    misses = 0
    for n in accesses:
        if n in model:
            model.move_to_end(n)
        else:
            misses += 1
            model[n] = None
            if len(model) > size:
                model.popitem(last=False)
        np.testing.assert_array_equal(jf(np.arange(float(n))), np.arange(float(n)) * 3.0)
        assert len(calls) == misses
        assert [k[1][0][0] for k in jf.cache] == [(m,) for m in model]


# =============================================================================== item 13: memory


N, ITERS = 10_000, 150  # 300 ops on 10^4 float64 values (78 KiB per array)


def chain(x: Any) -> Any:
    for _ in range(ITERS):
        x = wnp.tanh(x) * 1.01
    return wnp.sum(x)


def _peak(fun: Callable, x: np.ndarray) -> tuple[int, Any]:
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        out = fun(x)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak - before, out


@pytest.fixture(scope="module")
def eager_grad_peak() -> tuple[int, np.ndarray]:
    x = np.random.default_rng(0).standard_normal(N)
    jit(grad(chain))(x[:8])  # warm-up: lazy imports, first-use caches
    return _peak(grad(chain), x)


@pytest.mark.parametrize(
    "make",
    [lambda: jit(grad(chain)), lambda: grad(jit(chain)), lambda: jit(chain)],
    ids=["jit(grad(f))", "grad(jit(f))", "jit(f)"],
)
def test_first_call_peak_is_at_most_1_2_times_eager_grad(make: Callable, eager_grad_peak: tuple[int, np.ndarray]) -> None:
    eager_peak, eager_g = eager_grad_peak
    x = np.random.default_rng(0).standard_normal(N)
    assert eager_peak > ITERS * N * 8  # it keeps the tanh outputs: the figure is meaningful
    peak, out = _peak(make(), x)
    assert peak <= 1.2 * eager_peak, f"first call peaked at {peak / 2**20:.1f} MiB, eager grad {eager_peak / 2**20:.1f} MiB"
    if np.ndim(out) == 1:
        np.testing.assert_allclose(out, eager_g, rtol=1e-12)


def test_values_freed_while_tracing_are_recomputed_and_still_shared() -> None:
    """The CSE table keeps variables, not values: a repeated equation (its first value freed
    or not) gets its value computed again, and no second equation is recorded."""
    a = np.array([[2.0, 0.5], [0.5, 3.0]])

    def g(x: Any) -> Any:
        first = wnp.sin(x) * 2.0
        s = wnp.sum(first)
        del first
        gc.collect()
        again = wnp.sin(x) * 2.0  # the same equations as `first`, whose values are gone
        sign, logdet = wnp.linalg.slogdet(x)
        del logdet
        gc.collect()
        sign2, logdet2 = wnp.linalg.slogdet(x)  # one result alive, the other freed
        return s + wnp.sum(again) + logdet2 * sign * sign2

    graph = trace(g)(a)
    names = [e.prim.name for e in graph.eqns]
    assert names.count("sin") == 1 and names.count("linalg_slogdet") == 1
    sign, logdet = np.linalg.slogdet(a)
    want = 4.0 * np.sum(np.sin(a)) + logdet * sign * sign
    np.testing.assert_allclose(jit(g)(a), want, rtol=1e-14)
    np.testing.assert_allclose(graph(a), want, rtol=1e-14)
    np.testing.assert_allclose(jit(grad(g))(a), grad(g)(a), rtol=1e-12)
