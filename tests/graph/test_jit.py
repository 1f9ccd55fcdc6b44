"""``jit``: trace once per input signature, optimize, generate NumPy source, compile, cache.

Cache hits and misses (with the retrace message on the ``wengert.jit`` logger), static
arguments, pytrees, composition with every transformation (jit of grad, grad of jit, jvp,
vmap, jit inside vjp, nested jit), and the op-table
sweep: jit'ed = eager, values and gradients, over the cases of tests/ops/test_op_table.py.
"""

from __future__ import annotations

import functools
import logging
from collections import namedtuple
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import wengert as w
import wengert.numpy as wnp
from tests.ops import test_op_table as ops  # the op tables
from wengert.graph import Graph, Jitted, jit, trace
from wengert.tree import tree_leaves, tree_structure

LOGGER = "wengert.jit"


def _counting(f: Callable) -> tuple[Callable, list]:
    """``f`` wrapped to count how often Python runs it (= how often jit traces it)."""
    calls: list = []

    @functools.wraps(f)
    def g(*a: Any) -> Any:
        calls.append(1)
        return f(*a)

    return g, calls


def _close(got: Any, want: Any, rtol: float = 1e-12, atol: float = 0.0) -> None:
    assert tree_structure(got) == tree_structure(want)
    for a, b in zip(tree_leaves(got), tree_leaves(want)):
        assert np.shape(a) == np.shape(b)
        assert np.result_type(a) == np.result_type(b), (np.result_type(a), np.result_type(b))
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def _messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER]


def model(x: Any, y: Any) -> Any:
    return wnp.sum(wnp.sin(x) * y)


X3 = np.array([0.1, 0.5, -0.7])
Y3 = np.array([1.0, -2.0, 0.5])

# =============================================================================== cache


def test_traces_once_per_signature() -> None:
    f, calls = _counting(model)
    jf = jit(f)
    assert isinstance(jf, Jitted)
    first = jf(X3, Y3)
    second = jf(X3, Y3)
    third = jf(X3 * 2, Y3 - 1)  # new values, same signature
    assert len(calls) == 1
    assert first == second == pytest.approx(model(X3, Y3), rel=1e-15)
    assert third == pytest.approx(model(X3 * 2, Y3 - 1), rel=1e-15)


@pytest.mark.parametrize(
    ("args2", "why"),
    [
        ((np.ones(4), np.ones(4)), "shape"),
        ((X3.astype(np.float32), Y3.astype(np.float32)), "dtype"),
        ((X3, Y3.astype(np.float32)), "dtype of one argument"),
        ((X3.reshape(3, 1), Y3), "rank"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_new_signature_retraces(args2: tuple, why: str, caplog: pytest.LogCaptureFixture) -> None:
    f, calls = _counting(model)
    jf = jit(f)
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        jf(X3, Y3)
        jf(X3, Y3)
        out = jf(*args2)
        again = jf(*args2)
        jf(X3, Y3)  # the first signature is still cached
    assert len(calls) == 2, why
    msgs = _messages(caplog)
    assert len(msgs) == 2
    assert all("jit(model)" in m and "tracing" in m and "new signature" in m for m in msgs)
    assert str(args2[0].shape) in msgs[1]
    _close(out, model(*args2), rtol=1e-6)
    _close(again, out, rtol=0)


def test_cache_hit_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    jf = jit(model)
    jf(X3, Y3)
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        for _ in range(3):
            jf(X3, Y3)
    assert _messages(caplog) == []


def test_pytree_structure_is_part_of_the_signature(caplog: pytest.LogCaptureFixture) -> None:
    f, calls = _counting(lambda t: wnp.sum(w.tree_leaves(t)[0]) * len(w.tree_leaves(t)))
    jf = jit(f)
    a, b = np.ones(2), np.ones(2)
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        assert jf((a, b)) == 4.0
        assert jf([a, b]) == 4.0  # list, not tuple
        assert jf({"p": a, "q": b}) == 4.0
        assert jf({"p": a, "r": b}) == 4.0  # other keys
        assert jf((a, b, b)) == 6.0
        assert jf((a, b)) == 4.0  # cached
        assert jf({"p": a, "q": b}) == 4.0  # cached
    assert len(calls) == 5
    assert len(_messages(caplog)) == 5


def test_first_call_and_cached_calls_agree() -> None:
    """The first call returns the traced values; later calls run the compiled code."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4)).astype(np.float32)

    def f(x: Any) -> Any:
        return wnp.tanh(x @ x.T) * 0.5, wnp.max(x, axis=0), x[1:, ::2] - 1.0

    jf = jit(f)
    _close(jf(x), f(x), rtol=0)
    _close(jf(x), f(x), rtol=1e-6)
    for o in jf(x):
        assert o.dtype == np.float32


def test_separate_jit_objects_have_separate_caches() -> None:
    f, calls = _counting(model)
    jit(f)(X3, Y3)
    jit(f)(X3, Y3)
    assert len(calls) == 2


# =============================================================================== static arguments


def test_static_argnums_python_control_flow() -> None:
    def f(x: Any, n: int, mode: str) -> Any:
        for _ in range(n):  # Python loop on a static int
            x = wnp.sin(x)
        if mode == "relu":  # Python branch on a static string
            return wnp.maximum(x, 0.0)
        return x * 2.0

    g, calls = _counting(f)
    jf = jit(g, static_argnums=(1, 2))
    x = np.array([0.3, -0.4])
    for n, mode in [(0, "relu"), (3, "relu"), (3, "double"), (3, "relu"), (0, "relu")]:
        _close(jf(x, n, mode), f(x, n, mode))
    assert len(calls) == 3
    g3 = jf.lower(x, 3, "relu")
    assert [e.prim.name for e in g3.eqns].count("sin") == 3
    assert [v.name for v in g3.inputs] == ["x"]  # the static arguments are baked in


def test_static_argnums_int_negative_and_decorator() -> None:
    @jit(static_argnums=-1)
    def f(x: Any, shape: tuple) -> Any:
        return wnp.reshape(x, shape) * 2.0

    x = np.arange(6.0)
    _close(f(x, (2, 3)), np.arange(6.0).reshape(2, 3) * 2)
    _close(f(x, (3, 2)), np.arange(6.0).reshape(3, 2) * 2)
    _close(f(x, (3, 2)), np.arange(6.0).reshape(3, 2) * 2)
    assert len(f.cache) == 2
    g = jit(lambda x, k: x * k, static_argnums=1)
    assert g(x, 3)[1] == 3.0 and g(x, 4)[1] == 4.0


def test_static_argument_equal_values_share_an_entry() -> None:
    f, calls = _counting(lambda x, s: wnp.reshape(x, s))
    jf = jit(f, static_argnums=1)
    jf(np.arange(6.0), (2, 3))
    jf(np.arange(6.0), tuple([2, 3]))  # another tuple, equal
    assert len(calls) == 1


def test_static_argument_must_be_hashable() -> None:
    jf = jit(lambda x, opts: x, static_argnums=1)
    with pytest.raises(TypeError, match="static argument 1 must be hashable"):
        jf(1.0, [1, 2])


def test_keyword_arguments_are_refused() -> None:
    jf = jit(model)
    with pytest.raises(TypeError, match="positionally"):
        jf(X3, y=Y3)


def test_traced_argument_in_python_control_flow_points_to_static_argnums() -> None:
    def f(x: Any, n: Any) -> Any:
        return x * 2.0 if n > 2 else x

    with pytest.raises(w.WengertError, match="static_argnums"):
        jit(f)(1.0, 3)


# =============================================================================== pytrees

Params = namedtuple("Params", ["W", "b"])


def _net(p: Params, batch: dict) -> dict:
    h = wnp.tanh(batch["x"] @ p.W + p.b)
    return {"out": h, "loss": wnp.mean((h - batch["y"]) ** 2), "aux": [None, h.shape[0]]}


def _net_args(seed: int = 0) -> tuple:
    rng = np.random.default_rng(seed)
    return Params(rng.standard_normal((3, 2)), rng.standard_normal(2)), {
        "x": rng.standard_normal((4, 3)),
        "y": rng.standard_normal((4, 2)),
    }


def test_pytree_inputs_and_outputs() -> None:
    jnet = jit(_net)
    for seed in range(3):
        p, batch = _net_args(seed)
        got = jnet(p, batch)
        want = _net(p, batch)
        assert got["aux"][0] is None and got["aux"][1] == 4
        _close(got["out"], want["out"])
        _close(got["loss"], want["loss"])
    assert len(jnet.cache) == 1


def test_pytree_gradient() -> None:
    p, batch = _net_args()
    loss = lambda p, b: _net(p, b)["loss"]
    want = w.grad(loss)(p, batch)
    for f in (jit(w.grad(loss)), w.grad(jit(loss))):
        for _ in range(2):
            got = f(p, batch)
            assert isinstance(got, Params)
            _close(got, want, rtol=1e-12, atol=1e-15)


# =============================================================================== transformations


def _loss(W: Any, x: Any) -> Any:
    return wnp.sum(wnp.tanh(x @ W) ** 2) + wnp.sum(W * W) * 0.1


W0 = np.array([[0.3, -0.2], [0.5, 0.1], [-0.4, 0.7]])
XB = np.array([[1.0, 0.5, -0.3], [0.2, -1.0, 0.4]])


def test_jit_of_grad() -> None:
    jg = jit(w.grad(_loss))
    want = w.grad(_loss)(W0, XB)
    _close(jg(W0, XB), want)
    _close(jg(W0, XB), want)
    w.check_grads(lambda W: _loss(W, XB), (W0,), order=1)


def test_grad_of_jit(caplog: pytest.LogCaptureFixture) -> None:
    jl = jit(_loss)
    want = w.grad(_loss, argnums=(0, 1))(W0, XB)
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        _close(w.grad(jl, argnums=(0, 1))(W0, XB), want)
        first = len(_messages(caplog))
        _close(w.grad(jl, argnums=(0, 1))(W0 * 2, XB), w.grad(_loss, argnums=(0, 1))(W0 * 2, XB))
    # the backward graph is compiled once per signature too
    assert first >= 1 and len(_messages(caplog)) == first


def test_grad_of_jit_with_an_integer_argument() -> None:
    f = lambda x, n: x * n
    assert w.grad(jit(f))(2.0, 3) == w.grad(f)(2.0, 3) == 3.0


def test_value_and_grad_of_jit() -> None:
    v, g = w.value_and_grad(jit(_loss))(W0, XB)
    v2, g2 = w.value_and_grad(_loss)(W0, XB)
    assert v == pytest.approx(v2, rel=1e-14)
    _close(g, g2)


def test_second_order() -> None:
    f = lambda x: wnp.sin(x) ** 3
    want = w.grad(w.grad(f))(0.4)
    assert w.grad(w.grad(jit(f)))(0.4) == pytest.approx(want, rel=1e-13)
    assert jit(w.grad(w.grad(f)))(0.4) == pytest.approx(want, rel=1e-13)
    assert w.grad(jit(w.grad(f)))(0.4) == pytest.approx(want, rel=1e-13)
    x = np.array([0.3, 0.7])
    h = lambda x: wnp.sum(wnp.sin(x) ** 2 * x)
    _close(jit(w.hessian(h))(x), w.hessian(h)(x))


def test_jvp_of_jit_and_jit_of_jvp() -> None:
    t = np.ones_like(W0)
    want = w.jvp(lambda W: _loss(W, XB), (W0,), (t,))
    got = w.jvp(lambda W: jit(_loss)(W, XB), (W0,), (t,))
    _close(got, want)
    jj = jit(lambda W, t: w.jvp(lambda a: _loss(a, XB), (W,), (t,)))
    _close(jj(W0, t), want)
    _close(jj(W0, t), want)


def test_vmap_of_jit_shape_independent() -> None:
    xs = np.arange(6.0).reshape(2, 3) / 6
    for f in (lambda x: wnp.sin(x) * 2.0, lambda x: x * x + 1.0):
        _close(w.vmap(jit(f))(xs), w.vmap(f)(xs))


VMAP_SHAPED: list[tuple[str, Callable]] = [
    ("sum-all", lambda x: wnp.sum(x)),
    ("reshape", lambda x: wnp.reshape(x, (3, 1))),
    ("outer", lambda x: wnp.outer(x, x)),
    ("mean", lambda x: wnp.mean(x * x)),
    ("getitem", lambda x: x[0] * x[2]),
    ("sum-axis0", lambda x: wnp.sum(wnp.reshape(x, (3, 1)), axis=0)),
]


@pytest.mark.parametrize(("name", "f"), VMAP_SHAPED, ids=[c[0] for c in VMAP_SHAPED])
def test_vmap_of_jit(name: str, f: Callable) -> None:
    xs = np.arange(6.0).reshape(2, 3) / 6
    _close(w.vmap(jit(f))(xs), w.vmap(f)(xs))


@pytest.mark.parametrize("transform", ["jacfwd", "jacrev", "hessian"])
def test_jacobians_of_jit(transform: str) -> None:
    f = lambda x: wnp.sin(x) * wnp.sum(x**2)
    x = np.array([0.3, 0.7])
    t = getattr(w, transform)
    g = (lambda x: wnp.sum(f(x))) if transform == "hessian" else f
    _close(t(jit(g))(x), t(g)(x))


def test_jit_of_vmap() -> None:
    xs = np.arange(6.0).reshape(2, 3) / 6
    f = lambda x: wnp.sum(wnp.outer(x, x))
    _close(jit(w.vmap(f))(xs), w.vmap(f)(xs))
    _close(jit(w.vmap(w.grad(f)))(xs), w.vmap(w.grad(f))(xs))


def test_jit_inside_vjp() -> None:
    inner = jit(lambda x: wnp.sin(x) * x)

    def f(x: Any) -> Any:
        return inner(x) * wnp.cos(x)

    def f_eager(x: Any) -> Any:
        return wnp.sin(x) * x * wnp.cos(x)

    x = np.array([0.2, -0.5, 1.1])
    ct = np.array([1.0, 2.0, -1.0])
    out, f_vjp = w.vjp(f, x)
    out2, f_vjp2 = w.vjp(f_eager, x)
    _close(out, out2)
    _close(f_vjp(ct), f_vjp2(ct))
    _close(f_vjp(ct * 3), f_vjp2(ct * 3))  # the vjp function can be called again


def test_nested_jit() -> None:
    inner_f, inner_calls = _counting(lambda x: wnp.exp(-x * x))
    inner = jit(inner_f)

    def outer_f(x: Any) -> Any:
        return inner(x) + inner(2.0 * x) * inner(x)

    outer = jit(outer_f)
    eager = lambda x: np.exp(-x * x) + np.exp(-4 * x * x) * np.exp(-x * x)
    x = np.array([0.1, -0.3])
    _close(outer(x), eager(x))
    _close(outer(x), eager(x))
    assert len(inner_calls) == 1  # traced once, inlined three times
    # the outer graph holds the inner equations, not a call
    g = outer.lower(x)
    assert {e.prim.name for e in g.eqns} <= {"multiply", "negative", "exp", "add"}
    # and derivatives through both levels
    d = lambda x: -2 * x * np.exp(-x * x) + np.exp(-5 * x * x) * (-10 * x)
    _close(w.grad(lambda x: wnp.sum(outer(x)))(x), d(x))
    _close(jit(w.grad(lambda x: wnp.sum(outer(x))))(x), d(x))
    _close(jit(jit(jit(outer)))(x), eager(x))


def test_trace_of_jit_inlines() -> None:
    jf = jit(model)
    g = trace(jf)(X3, Y3)
    assert [e.prim.name for e in g.eqns] == ["sin", "multiply", "sum"]
    assert g(X3, Y3) == pytest.approx(model(X3, Y3))


def test_jit_of_closure_over_a_differentiated_value_raises_clearly() -> None:
    x = np.array([1.0, 2.0])
    with pytest.raises(w.WengertError, match="pass it to the traced function as an argument"):
        w.grad(lambda c: jit(lambda a: wnp.sum(a * c))(x))(2.0)


# =============================================================================== lower, optimize
# (the generated source: tests/graph/test_codegen.py)


def test_lower_returns_the_optimized_graph() -> None:
    f = lambda x: (x * 1.0 + 0.0) * wnp.sin(x) + wnp.sin(x)
    g = jit(f).lower(np.ones(3))
    assert isinstance(g, Graph)
    assert [e.prim.name for e in g.eqns] == ["sin", "multiply", "add"]
    raw = jit(f, optimize=False).lower(np.ones(3))
    assert len(raw) > len(g)
    _close(jit(f, optimize=False)(np.arange(3.0)), f(np.arange(3.0)))


# =============================================================================== dtypes


def test_float32_stays_float32() -> None:
    x = np.array([0.1, 0.2], np.float32)
    f = lambda x: wnp.sum(wnp.exp(x) * 2.0 + x**2)
    jf, jg = jit(f), jit(w.grad(f))
    for _ in range(2):
        assert jf(x).dtype == np.float32
        assert jg(x).dtype == np.float32
        assert w.grad(jf)(x).dtype == np.float32


def test_python_scalar_argument_is_weak() -> None:
    f = lambda x, c: x * c
    x = np.ones(2, np.float32)
    jf = jit(f)
    assert jf(x, 2.0).dtype == f(x, 2.0).dtype == np.float32
    assert jf(x, 2.0).dtype == np.float32


def test_numpy_scalar_literal_keeps_its_dtype() -> None:
    f = lambda x: x * np.float64(2.0)
    x = np.ones(2, np.float32)
    jf = jit(f)
    assert jf(x).dtype == np.float64  # traced
    assert jf(x).dtype == np.float64  # compiled


# =============================================================================== the op table
# Every case of tests/ops/test_op_table.py, jit'ed: values and gradients equal eager ones.


def _op_cases() -> list[tuple[str, Callable, tuple, Callable]]:
    """(id, f(xp, *args), shapes, draw(shape, dtype, rng) per argument)."""
    cases = []
    for name, dom in ops.UNARY.items():
        cases.append((f"unary-{name}", lambda xp, a, n=name: getattr(xp, n)(a), ((2, 3),), (dom,)))
    for name, (d1, d2) in ops.BINARY.items():
        cases.append((f"binary-{name}", lambda xp, a, b, n=name: getattr(xp, n)(a, b), ((2, 3), (3,)), (d1, d2)))
        cases.append((f"binary-{name}-scalar", lambda xp, a, b, n=name: getattr(xp, n)(a, b), ((), (2, 1)), (d1, d2)))
    for name, axis, keepdims in ops.REDUCTION_CASES:
        cases.append(
            (
                f"{name}-axis{axis}-keepdims{keepdims}",
                lambda xp, a, n=name, ax=axis, kd=keepdims: getattr(xp, n)(a, axis=ax, keepdims=kd),
                ((2, 3, 4),),
                (ops.REDUCTIONS[name],),
            )
        )
    for name, dom in ops.SCANS.items():
        for axis in (None, 0, -1):
            cases.append((f"{name}-axis{axis}", lambda xp, a, n=name, ax=axis: getattr(xp, n)(a, axis=ax), ((2, 3),), (dom,)))
    for c in ops.STRUCTURAL:
        cases.append((c.id, c.fn, c.shapes, (c.domain,) * len(c.shapes)))
    for name, f_np, _f_w, shapes in ops.NUMPY_FORMS:
        # test_ops' domain for these: distinct values in [0.2, 1.4), scalars in [0.2, 0.8)
        doms = tuple(ops.distinct(0.2) if s else ops.uniform(0.2, 0.8) for s in shapes)
        cases.append((f"np:{name}", lambda xp, *a, f=f_np: f(*a), shapes, doms))
    return cases


OP_CASES = _op_cases()


def _op_args(case: tuple, dtype: Any) -> tuple:
    cid, _f, shapes, doms = case
    rng = np.random.default_rng(ops._seed("jit", cid))
    return tuple(ops._draw(d, s, dtype, rng) for d, s in zip(doms, shapes))


def _tol(dtype: Any) -> dict:
    return {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-11, "atol": 1e-13}


def _check_op_case(case: tuple, dtype: Any) -> None:
    cid, fn, _shapes, _doms = case
    args = _op_args(case, dtype)
    f = lambda *a: fn(wnp, *a)
    want = f(*args)
    jf = jit(f)
    _close(jf(*args), want, **_tol(dtype))  # traced
    _close(jf(*args), want, **_tol(dtype))  # compiled
    seed = ops._seed("weights", cid)
    s = lambda *a: ops._weighted_sum(fn(wnp, *a), seed)
    argnums = tuple(range(len(args)))
    g_eager = w.grad(s, argnums)(*args)
    jg = jit(w.grad(s, argnums))
    _close(jg(*args), g_eager, **_tol(dtype))
    _close(jg(*args), g_eager, **_tol(dtype))
    _close(w.grad(jit(s), argnums)(*args), g_eager, **_tol(dtype))


OP_PARAMS = [pytest.param(c, id=c[0]) for c in OP_CASES]


@pytest.mark.parametrize("case", OP_PARAMS)
def test_jit_equals_eager_on_the_op_table(case: tuple) -> None:
    _check_op_case(case, np.float64)


F32_CASES = [c for c in OP_CASES if c[0].startswith(("unary-", "binary-", "sum-", "mean-", "matmul", "einsum"))]


@pytest.mark.parametrize("case", F32_CASES, ids=[c[0] for c in F32_CASES])
def test_jit_equals_eager_on_the_op_table_float32(case: tuple) -> None:
    _check_op_case(case, np.float32)


def test_op_table_is_swept() -> None:
    """The sweep covers every row of the op tables (adding a row there tests it here)."""
    n = len(ops.UNARY) + 2 * len(ops.BINARY) + len(ops.REDUCTION_CASES) + 3 * len(ops.SCANS)
    n += len(ops.STRUCTURAL) + len(ops.NUMPY_FORMS)
    assert len(OP_CASES) == n > 400
