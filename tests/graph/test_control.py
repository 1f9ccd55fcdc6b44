"""Structured control flow: ``cond``, ``while_loop``, ``fori_loop``, ``scan``.

Eagerly they are Python control flow; under ``jit``/``trace`` one equation each, holding
sub-graphs.  Values agree across the three modes; gradients (``grad``, ``jvp``,
``jit(grad)``, ``grad(jit)``) agree with central finite differences, including closures
over differentiated values, an RNN against hand-written NumPy backpropagation through time,
and a ``while_loop`` whose trip count depends on the data.  Errors: branches that disagree,
loops that change their carry, Python ``if``/``while`` on a traced value.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import wengert as w
import wengert.numpy as wnp
from wengert.graph import ConcretizationError, cond, fori_loop, jit, scan, trace, while_loop
from wengert.tree import tree_leaves, tree_map, tree_structure

# =============================================================================== helpers


def _close(got: Any, want: Any, rtol: float = 1e-12, atol: float = 1e-14) -> None:
    assert tree_structure(got) == tree_structure(want), (tree_structure(got), tree_structure(want))
    for a, b in zip(tree_leaves(got), tree_leaves(want)):
        assert np.shape(a) == np.shape(b)
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def _fd_grad(f: Callable, args: tuple, argnum: int, eps: float = 1e-6) -> np.ndarray:
    """Central differences of a scalar ``f`` with respect to ``args[argnum]``."""
    x = np.asarray(args[argnum], dtype=np.float64)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        ap, am = list(args), list(args)
        ap[argnum], am[argnum] = xp, xm
        g[i] = (float(f(*ap)) - float(f(*am))) / (2 * eps)
    return g


def _fd_dir(f: Callable, args: tuple, tangents: tuple, eps: float = 1e-6) -> np.ndarray:
    """Central difference of ``f`` along ``tangents``."""
    ap = tuple(np.asarray(a, np.float64) + eps * t for a, t in zip(args, tangents))
    am = tuple(np.asarray(a, np.float64) - eps * t for a, t in zip(args, tangents))
    return (np.asarray(f(*ap)) - np.asarray(f(*am))) / (2 * eps)


# =============================================================================== the table
# (id, f, args, argnums): each f returns a scalar; the argnums are differentiated.


def cond_two_operands(x: Any, y: Any) -> Any:
    out = cond(wnp.sum(x) > 0, lambda a, b: wnp.sin(a) * b, lambda a, b: a**2 - b, x, y)
    return wnp.sum(out * out)


def cond_closure(x: Any, wt: Any) -> Any:
    # both branches close over the differentiated ``wt``
    return wnp.sum(cond(x[0] > x[1], lambda a: wnp.tanh(a * wt), lambda a: a + wt**2, x))


def cond_pytree(x: Any) -> Any:
    out = cond(
        wnp.max(x) > 0.5,
        lambda p: {"u": p[0] * p[1], "v": wnp.exp(p[0])},
        lambda p: {"u": p[0] - p[1], "v": p[1] * 3.0},
        (x, x[::-1]),
    )
    return wnp.sum(out["u"]) + wnp.sum(out["v"] ** 2)


def fori_static(x: Any) -> Any:
    return wnp.sum(fori_loop(0, 4, lambda i, v: wnp.sin(v) * x + 0.1 * i, x))


def fori_closure_pair(x: Any, s: Any) -> Any:
    v = fori_loop(1, 4, lambda i, c: (c[0] * s + c[1], wnp.cos(c[1]) * i), (x, s))
    return wnp.sum(v[0]) + v[1]


def fori_traced_bounds(x: Any, n: Any) -> Any:
    return fori_loop(0, n, lambda i, v: v * x + 1.0, x)


def scan_cumulative(xs: Any, c0: Any) -> Any:
    carry, ys = scan(lambda c, x: (c * 0.9 + wnp.sin(x), c * x), c0, xs)
    return wnp.sum(ys) + carry


def scan_carry_only(x: Any) -> Any:
    # only the carry is used: its gradient reaches the scan through its first result
    carry, _ys = scan(lambda c, t: (wnp.sin(c * t), c), x, np.array([1.5, 2.0, -0.5]))
    return carry


def scan_reverse(xs: Any) -> Any:
    carry, ys = scan(lambda c, x: (c + x * x, wnp.cos(c) * x), 0.5, xs, reverse=True)
    return wnp.sum(ys) * carry


def scan_pytree(a: Any, b: Any) -> Any:
    (c1, c2), ys = scan(
        lambda c, x: ((c[0] + x["a"] * c[1], c[1] * 0.5 + x["b"]), {"p": c[0] * x["b"]}),
        (0.1, a[0]),
        {"a": a, "b": b},
    )
    return c1 + c2 + wnp.sum(ys["p"] ** 2)


def scan_no_xs(x: Any) -> Any:
    c, ys = scan(lambda c, _: (wnp.sin(c) + x, c * c), x, None, length=4)
    return c + wnp.sum(ys)


def newton_sqrt(a: Any) -> Any:
    """sqrt(a) by Newton's method: the trip count depends on a."""

    def body(s: tuple) -> tuple:
        x, k = s
        return 0.5 * (x + a / x), k + 1

    x, _k = while_loop(lambda s: wnp.abs(s[0] * s[0] - a) > 1e-12 * a, body, (a, 0))
    return x


def while_two_carries(x: Any) -> Any:
    y, z = while_loop(lambda s: s[1] < 10.0, lambda s: (s[0] * 1.5, s[1] + s[0]), (x, x))
    return y * 2.0 + z


def while_first_carry(x: Any) -> Any:
    # the output is the first result of the loop only
    return while_loop(lambda s: s[1] < 10.0, lambda s: (s[0] * 1.5, s[1] + s[0]), (x, x))[0]


CASES: list[tuple[str, Callable, tuple, tuple]] = [
    ("cond-true", cond_two_operands, (np.array([0.3, 0.2]), np.array([1.5, -0.5])), (0, 1)),
    ("cond-false", cond_two_operands, (np.array([-0.3, 0.2]), np.array([1.5, -0.5])), (0, 1)),
    ("cond-closure-true", cond_closure, (np.array([0.7, 0.2]), 0.8), (0, 1)),
    ("cond-closure-false", cond_closure, (np.array([0.2, 0.7]), 0.8), (0, 1)),
    ("cond-pytree-true", cond_pytree, (np.array([0.1, 0.9]),), (0,)),
    ("cond-pytree-false", cond_pytree, (np.array([0.1, 0.4]),), (0,)),
    ("fori-static", fori_static, (np.array([0.3, -0.6]),), (0,)),
    ("fori-closure-pair", fori_closure_pair, (np.array([0.3, 0.5]), 0.7), (0, 1)),
    ("fori-traced-bounds", fori_traced_bounds, (0.8, np.int64(3)), (0,)),
    ("scan-cumulative", scan_cumulative, (np.array([0.1, -0.4, 0.9, 0.3]), 0.2), (0, 1)),
    ("scan-carry-only", scan_carry_only, (0.4,), (0,)),
    ("scan-reverse", scan_reverse, (np.array([0.3, -0.2, 0.5]),), (0,)),
    ("scan-pytree", scan_pytree, (np.array([0.3, -0.2, 0.5]), np.array([1.0, 0.4, -0.3])), (0, 1)),
    ("scan-no-xs", scan_no_xs, (0.3,), (0,)),
    ("while-newton", newton_sqrt, (2.0,), (0,)),
    ("while-newton-big", newton_sqrt, (90.0,), (0,)),
    ("while-two-carries", while_two_carries, (1.0,), (0,)),
    ("while-first-carry", while_first_carry, (1.0,), (0,)),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize(("name", "f", "args", "argnums"), CASES, ids=IDS)
def test_values_eager_jit_trace(name: str, f: Callable, args: tuple, argnums: tuple) -> None:
    want = f(*args)
    jf = jit(f)
    _close(jf(*args), want)
    _close(jf(*args), want)
    g = trace(f)(*args)
    _close(g(*args), want)
    # the graph holds the loop or branch as equations, not unrolled Python
    names = {e.prim.name for e in g.eqns}
    assert names & {"cond", "scan", "while_loop"}, names


@pytest.mark.parametrize(("name", "f", "args", "argnums"), CASES, ids=IDS)
def test_gradients_against_finite_differences(name: str, f: Callable, args: tuple, argnums: tuple) -> None:
    fd = tuple(_fd_grad(f, args, i) for i in argnums)
    tol = {"rtol": 1e-6, "atol": 1e-7}
    _close(w.grad(f, argnums)(*args), fd, **tol)
    jg = jit(w.grad(f, argnums))
    _close(jg(*args), fd, **tol)
    _close(jg(*args), fd, **tol)  # compiled


GRAD_OF_JIT = [pytest.param(*c, id=c[0]) for c in CASES]


@pytest.mark.parametrize(("name", "f", "args", "argnums"), GRAD_OF_JIT)
def test_grad_of_jit_against_finite_differences(name: str, f: Callable, args: tuple, argnums: tuple) -> None:
    fd = tuple(_fd_grad(f, args, i) for i in argnums)
    tol = {"rtol": 1e-6, "atol": 1e-7}
    gj = w.grad(jit(f), argnums)
    _close(gj(*args), fd, **tol)
    _close(gj(*args), fd, **tol)


@pytest.mark.parametrize(("name", "f", "args", "argnums"), CASES, ids=IDS)
def test_jvp_against_finite_differences(name: str, f: Callable, args: tuple, argnums: tuple) -> None:
    rng = np.random.default_rng(0)
    tangents = tuple(rng.standard_normal(np.shape(a)) if i in argnums else np.zeros(np.shape(a)) for i, a in enumerate(args))
    want = _fd_dir(f, args, tangents)
    primals = tuple(args[i] for i in argnums)
    tans = tuple(tangents[i] for i in argnums)

    def sub(*p: Any) -> Any:
        full = list(args)
        for i, v in zip(argnums, p):
            full[i] = v
        return f(*full)

    tol = {"rtol": 1e-6, "atol": 1e-7}
    for fun in (sub, jit(sub)):
        out, t = w.jvp(fun, primals, tans)
        _close(out, f(*args))
        _close(t, want, **tol)
    jj = jit(lambda *p: w.jvp(sub, p, tans))
    _close(jj(*primals)[1], want, **tol)
    _close(jj(*primals)[1], want, **tol)


SECOND_ORDER = ["cond-true", "cond-false", "cond-closure-true", "fori-static", "scan-cumulative", "scan-reverse"]


@pytest.mark.parametrize("name", SECOND_ORDER)
def test_second_order_under_jit(name: str) -> None:
    _, f, args, _ = CASES[IDS.index(name)]
    g1 = w.grad(f)
    fd = _fd_grad(lambda *a: np.sum(g1(*a) * 0.7 + np.cos(np.sum(g1(*a)))), args, 0, eps=1e-5)
    second = lambda *a: wnp.sum(w.grad(f)(*a) * 0.7 + wnp.cos(wnp.sum(w.grad(f)(*a))))
    tol = {"rtol": 1e-5, "atol": 1e-6}
    _close(w.grad(second)(*args), fd, **tol)
    _close(jit(w.grad(second))(*args), fd, **tol)
    _close(w.grad(lambda *a: wnp.sum(w.grad(jit(f))(*a) * 0.7 + wnp.cos(wnp.sum(w.grad(jit(f))(*a)))))(*args), fd, **tol)


# =============================================================================== eager mode


def test_eager_cond_is_python_if() -> None:
    taken = []

    def t(x: Any) -> Any:
        taken.append("t")
        return x * 2.0

    def f(x: Any) -> Any:
        taken.append("f")
        return x - 1.0

    assert cond(True, t, f, 3.0) == 6.0
    assert cond(np.bool_(False), t, f, 3.0) == 2.0
    assert cond(np.array(1), t, f, 3.0) == 6.0
    assert taken == ["t", "f", "t"]
    # branches may differ in shape when only one of them runs (a Python if)
    assert cond(False, lambda a: a, lambda a: a[:1], np.ones(2)).shape == (1,)
    with pytest.raises(TypeError, match="scalar"):
        cond(np.array([True, False]), t, f, 3.0)


def test_eager_loops_are_python_loops() -> None:
    assert while_loop(lambda s: s < 10, lambda s: s * 2, 1) == 16
    assert fori_loop(0, 5, lambda i, v: v + i, 0) == 10
    assert fori_loop(3, 3, lambda i, v: v + 1.0, 7.0) == 7.0
    carry, ys = scan(lambda c, x: (c + x, c * x), 0.0, np.array([1.0, 2.0, 3.0]))
    assert carry == 6.0
    np.testing.assert_array_equal(ys, [0.0, 2.0, 9.0])
    # eager reverse mode through a data-dependent while loop
    assert w.grad(newton_sqrt)(4.0) == pytest.approx(0.25, rel=1e-10)


def test_scan_variants_agree_with_python() -> None:
    xs = np.arange(6.0).reshape(3, 2)
    f = lambda c, x: (c + x, c * x)
    want_rev_ys = []
    c = np.zeros(2)
    for x in xs[::-1]:
        want_rev_ys.append(c * x)
        c = c + x
    for run in (scan, lambda *a, **k: jit(lambda i, x: scan(f, i, x, reverse=True))(a[1], a[2])):
        carry, ys = run(f, np.zeros(2), xs, reverse=True)
        _close(carry, xs.sum(0))
        _close(ys, np.stack(want_rev_ys[::-1]))
    c, ys = jit(lambda c: scan(lambda c, _: (c * 2, c), c, None, length=3))(1.0)
    assert c == 8.0
    _close(ys, np.array([1.0, 2.0, 4.0]))
    c, ys = jit(lambda c, x: scan(lambda c, x: (c + x, None), c, x))(0.0, xs[:, 0])
    assert c == 6.0 and ys is None


def test_scan_of_length_zero_agrees_eager_and_jit() -> None:
    f = lambda c, x: (c + x, c * x)
    xs = np.zeros((0, 2))
    _close(scan(f, np.zeros(2), xs), jit(lambda i, x: scan(f, i, x))(np.zeros(2), xs))


def test_vmap_of_cond_selects_per_example() -> None:
    xs = np.array([[0.1, 0.2, 0.3], [2.0, 1.0, 3.0], [-1.0, 0.5, 0.2]])
    f = lambda x: cond(wnp.sum(x) > 1.0, lambda a: a * 2.0, lambda a: -a, x)
    want = np.stack([x * 2.0 if x.sum() > 1.0 else -x for x in xs])
    _close(w.vmap(f)(xs), want)
    _close(jit(w.vmap(f))(xs), want)
    _close(w.vmap(w.grad(lambda x: wnp.sum(f(x))))(xs), np.where(xs.sum(1, keepdims=True) > 1.0, 2.0, -1.0) * np.ones(3))


# =============================================================================== traced structure


def test_cond_traces_both_branches_once() -> None:
    calls = {"t": 0, "f": 0}

    def t(a: Any) -> Any:
        calls["t"] += 1
        return wnp.sin(a)

    def f(a: Any) -> Any:
        calls["f"] += 1
        return wnp.cos(a)

    jf = jit(lambda x: cond(x > 0, t, f, x))
    assert jf(0.5) == pytest.approx(np.sin(0.5))
    assert jf(-0.5) == pytest.approx(np.cos(-0.5))  # the other branch, no retrace
    assert jf(0.7) == pytest.approx(np.sin(0.7))
    assert calls == {"t": 1, "f": 1}
    g = trace(lambda x: cond(x > 0, t, f, x))(0.5)
    (eq,) = [e for e in g.eqns if e.prim.name == "cond"]
    false_g, true_g = eq.params["branches"]
    assert [e.prim.name for e in true_g.eqns] == ["sin"]
    assert [e.prim.name for e in false_g.eqns] == ["cos"]
    assert "cond(" in str(g)


def test_while_loop_trip_count_depends_on_data_in_one_compiled_function() -> None:
    def f(a: Any) -> Any:
        def body(s: tuple) -> tuple:
            return 0.5 * (s[0] + a / s[0]), s[1] + 1

        return while_loop(lambda s: wnp.abs(s[0] * s[0] - a) > 1e-12 * a, body, (a, 0))

    jf = jit(f)
    jg = jit(w.grad(lambda a: f(a)[0]))
    counts = set()
    for a in (1.5, 2.0, 50.0, 1e4):
        x, k = jf(a)
        counts.add(int(k))
        assert x == pytest.approx(np.sqrt(a), rel=1e-12)
        assert jg(a) == pytest.approx(0.5 / np.sqrt(a), rel=1e-8)
    assert len(counts) >= 3  # different trip counts, same compiled code
    assert len(jf.cache) == 1 and len(jg.cache) == 1


def test_fori_loop_static_bounds_is_a_scan_traced_bounds_a_while() -> None:
    g1 = trace(lambda x: fori_loop(0, 3, lambda i, v: v * x, x))(2.0)
    assert "scan" in [e.prim.name for e in g1.eqns]
    g2 = trace(lambda x, n: fori_loop(0, n, lambda i, v: v * x, x))(2.0, np.int64(3))
    assert "while_loop" in [e.prim.name for e in g2.eqns]
    assert g1(2.0) == g2(2.0, np.int64(3)) == 16.0
    assert g2(2.0, np.int64(5)) == 64.0  # the bound is data


# =============================================================================== RNN against NumPy BPTT


def _rnn_params(seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    return {
        "W": 0.5 * rng.standard_normal((3, 3)),
        "U": 0.5 * rng.standard_normal((3, 2)),
        "b": 0.1 * rng.standard_normal(3),
        "V": 0.5 * rng.standard_normal((2, 3)),
        "h0": 0.1 * rng.standard_normal(3),
    }


def _rnn_data(seed: int = 1, T: int = 5) -> tuple:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((T, 2)), rng.standard_normal((T, 2))


def rnn_loss(p: dict, xs: Any, targets: Any) -> Any:
    """h_t = tanh(W h_{t-1} + U x_t + b), y_t = V h_t, loss = 1/2 sum_t |y_t - target_t|^2.
    The scan body uses W, U, b, V from this function's scope."""

    def step(h: Any, inp: tuple) -> tuple:
        x, tgt = inp
        h = wnp.tanh(p["W"] @ h + p["U"] @ x + p["b"])
        r = p["V"] @ h - tgt
        return h, 0.5 * wnp.sum(r * r)

    _, losses = scan(step, p["h0"], (xs, targets))
    return wnp.sum(losses)


def rnn_bptt(p: dict, xs: np.ndarray, targets: np.ndarray) -> tuple[float, dict]:
    """The same loss and its gradient by hand: backpropagation through time in NumPy."""
    W, U, b, V = p["W"], p["U"], p["b"], p["V"]
    hs = [p["h0"]]
    loss = 0.0
    for x, tgt in zip(xs, targets):
        hs.append(np.tanh(W @ hs[-1] + U @ x + b))
        r = V @ hs[-1] - tgt
        loss += 0.5 * r @ r
    g = {k: np.zeros_like(v) for k, v in p.items()}
    dh_next = np.zeros(3)
    for t in range(len(xs) - 1, -1, -1):
        h, h_prev = hs[t + 1], hs[t]
        r = V @ h - targets[t]
        g["V"] += np.outer(r, h)
        dh = V.T @ r + dh_next
        da = dh * (1.0 - h * h)
        g["W"] += np.outer(da, h_prev)
        g["U"] += np.outer(da, xs[t])
        g["b"] += da
        dh_next = W.T @ da
    g["h0"] = dh_next
    return loss, g


def test_rnn_scan_against_numpy_bptt() -> None:
    p = _rnn_params()
    xs, targets = _rnn_data()
    want_loss, want_g = rnn_bptt(p, xs, targets)
    tol = {"rtol": 1e-12, "atol": 1e-14}
    assert float(rnn_loss(p, xs, targets)) == pytest.approx(want_loss, rel=1e-13)
    vg_eager = w.value_and_grad(rnn_loss)
    vg_jit = jit(w.value_and_grad(rnn_loss))
    vg_of_jit = w.value_and_grad(jit(rnn_loss))
    for vg in (vg_eager, vg_jit, vg_jit, vg_of_jit, vg_of_jit):
        loss, g = vg(p, xs, targets)
        assert float(loss) == pytest.approx(want_loss, rel=1e-13)
        _close(g, want_g, **tol)
    # new data of the same shapes: no retrace, right answer
    p2 = _rnn_params(5)
    xs2, t2 = _rnn_data(6)
    _close(vg_jit(p2, xs2, t2)[1], rnn_bptt(p2, xs2, t2)[1], **tol)
    assert len(vg_jit.cache) == 1
    # the graph: one scan equation for the forward pass, one for the backward
    g = trace(w.grad(rnn_loss))(p, xs, targets)
    assert [e.prim.name for e in g.eqns].count("scan") >= 2
    assert len(g) < 60  # not unrolled over time


def test_rnn_gradient_against_finite_differences() -> None:
    p = _rnn_params(2)
    xs, targets = _rnn_data(3, T=3)
    g = jit(w.grad(rnn_loss))(p, xs, targets)
    for k in ("W", "h0"):
        fd = _fd_grad(lambda v, k=k: rnn_loss({**p, k: v}, xs, targets), (p[k],), 0)
        np.testing.assert_allclose(g[k], fd, rtol=1e-6, atol=1e-8)


def test_scan_jvp_of_rnn() -> None:
    p = _rnn_params()
    xs, targets = _rnn_data()
    t = tree_map(np.ones_like, p)
    want = sum(np.sum(rnn_bptt(p, xs, targets)[1][k] * t[k]) for k in p)
    for fun in (rnn_loss, jit(rnn_loss)):
        _, dt = w.jvp(lambda q: fun(q, xs, targets), (p,), (t,))
        assert float(dt) == pytest.approx(want, rel=1e-12)


# =============================================================================== errors


@pytest.mark.parametrize("mode", ["jit", "trace"])
def test_cond_branches_with_different_shapes(mode: str) -> None:
    f = lambda x: cond(x[0] > 0, lambda a: a, lambda a: a[:1], x)
    run = jit(f) if mode == "jit" else trace(f)
    with pytest.raises(TypeError, match=r"branches.*float64\[2\].*float64\[1\]"):
        run(np.ones(2))


@pytest.mark.parametrize(
    ("true_fun", "match"),
    [
        (lambda a: a.astype(np.float32), r"float64\[2\].*float32\[2\]|float32\[2\].*float64\[2\]"),
        (lambda a: (a, a), "different structures"),
        (lambda a: a * np.ones((2, 2)), r"\[2, 2\]"),
    ],
    ids=["dtype", "structure", "broadcast-shape"],
)
def test_cond_branches_must_agree(true_fun: Callable, match: str) -> None:
    with pytest.raises(TypeError, match=match):
        jit(lambda x: cond(x[0] > 0, true_fun, lambda a: a, x))(np.ones(2))


def test_cond_predicate_must_be_scalar() -> None:
    with pytest.raises(TypeError, match="predicate must be a scalar"):
        jit(lambda x: cond(x > 0, lambda a: a, lambda a: -a, x))(np.ones(2))


def test_while_loop_body_must_keep_the_carry() -> None:
    with pytest.raises(TypeError, match="carry"):
        jit(lambda x: while_loop(lambda s: s[0] < 3, lambda s: s[:1], x))(np.ones(2))
    with pytest.raises(TypeError, match="structure"):
        jit(lambda x: while_loop(lambda s: s[0] < 3, lambda s: (s[0] + 1.0,), (x, x)))(1.0)
    with pytest.raises(TypeError, match="scalar boolean"):
        jit(lambda x: while_loop(lambda s: s < 3, lambda s: s + 1.0, x))(np.ones(2))


def test_scan_errors() -> None:
    xs = np.ones((3, 2))
    with pytest.raises(TypeError, match="pair"):
        jit(lambda x: scan(lambda c, t: c + t, 0.0, x))(xs)
    with pytest.raises(ValueError, match="different lengths"):
        jit(lambda a, b: scan(lambda c, t: (c, c), 0.0, (a, b)))(xs, np.ones(4))
    with pytest.raises(ValueError, match="length=5"):
        jit(lambda a: scan(lambda c, t: (c, c), 0.0, a, length=5))(xs)
    with pytest.raises(ValueError, match="leading axis"):
        jit(lambda a: scan(lambda c, t: (c, c), 0.0, a))(1.0)
    with pytest.raises(ValueError, match="length"):
        scan(lambda c, t: (c, c), 0.0, None)
    with pytest.raises(TypeError, match="carry"):
        jit(lambda a: scan(lambda c, t: (c * t, c), 0.0, a))(xs)  # carry becomes shape (2,)


def test_python_if_on_traced_value_in_jit_names_the_line_and_points_to_cond() -> None:
    def f(x: Any) -> Any:
        if wnp.sum(x) > 0:
            return x
        return -x

    line = inspect.getsourcelines(f)[1] + 1
    with pytest.raises(ConcretizationError) as info:
        jit(f)(np.ones(3))
    msg = str(info.value)
    assert f"{__file__}:{line}" in msg
    assert "cond(pred, true_fn, false_fn" in msg
    assert "static_argnums" in msg


def test_python_while_on_traced_value_in_jit_points_to_while_loop() -> None:
    def f(x: Any) -> Any:
        while x < 10.0:
            x = x * 2.0
        return x

    line = inspect.getsourcelines(f)[1] + 1
    with pytest.raises(ConcretizationError) as info:
        jit(f)(1.0)
    msg = str(info.value)
    assert f"{__file__}:{line}" in msg and "while_loop" in msg
    # eagerly the same code is fine, and so is its gradient
    assert f(1.0) == 16.0
    assert w.grad(f)(1.0) == 16.0


def test_python_if_inside_a_traced_body_names_the_line() -> None:
    def body(i: Any, v: Any) -> Any:
        if v > 1.0:
            return v
        return v * 2.0

    line = inspect.getsourcelines(body)[1] + 1
    with pytest.raises(ConcretizationError, match=f"{__file__}:{line}"):
        jit(lambda x: fori_loop(0, 3, body, x))(0.3)


def test_second_order_through_traced_while_loop_is_refused_clearly() -> None:
    with pytest.raises(w.WengertError, match="fori_loop with static bounds or scan"):
        jit(w.grad(w.grad(newton_sqrt)))(2.0)
    # eagerly it works: the loop is Python
    assert w.grad(w.grad(newton_sqrt))(2.0) == pytest.approx(-0.25 * 2.0**-1.5, rel=1e-8)
