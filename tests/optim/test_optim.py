"""wengert.optim: optimizers (convergence, hand-computed steps, PyTorch's updates, state
round trips, purity, dtypes), schedules, clipping, L-BFGS, minimize and the SciPy bridge."""

from __future__ import annotations

import io
import math
import sys

import numpy as np
import pytest

import wengert
import wengert.optim as optim
from wengert.optim import schedules as S
from wengert.optim._tree_util import fast_leaves, ravel_pytree

# --------------------------------------------------------------------------- problems

C = {"a": np.array([1.0, -2.0, 3.0]), "b": np.array([[0.5, -1.0], [2.0, 0.0]])}
D = {"a": np.array([1.0, 4.0, 10.0]), "b": np.array([[2.0, 0.5], [1.0, 3.0]])}


def quad(p):
    """A separable quadratic with condition number 20; minimum at C."""
    return sum(0.5 * np.sum(D[k] * (p[k] - C[k]) ** 2) for k in ("a", "b"))


def rosen2(p):
    x, y = p["x"], p["y"]
    return (1 - x) ** 2 + 100.0 * (y - x * x) ** 2


def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


Q0 = {"a": np.zeros(3), "b": np.zeros((2, 2))}
R0 = {"x": np.array(-1.2), "y": np.array(1.0)}

# name -> (optimizer for the quadratic, steps), (optimizer for Rosenbrock, steps, tolerance on x)
CONVERGENCE = {
    "sgd": ((lambda: optim.SGD(0.09), 1500), (lambda: optim.SGD(1.9e-3), 10000, 1e-3)),
    "sgd_momentum": (
        (lambda: optim.SGD(0.05, momentum=0.9), 1500),
        (lambda: optim.SGD(5e-4, momentum=0.9), 5000, 1e-4),
    ),
    "sgd_nesterov": (
        (lambda: optim.SGD(0.05, momentum=0.9, nesterov=True), 1500),
        (lambda: optim.SGD(5e-4, momentum=0.9, nesterov=True), 5000, 1e-4),
    ),
    "adam": (
        (lambda: optim.Adam(S.cosine_decay(0.1, 1500)), 1500),
        (lambda: optim.Adam(S.cosine_decay(0.05, 5000), b2=0.99), 5000, 1e-6),
    ),
    "adamw": (
        (lambda: optim.AdamW(S.cosine_decay(0.1, 1500), weight_decay=0.0), 1500),
        (lambda: optim.AdamW(S.cosine_decay(0.05, 5000), b2=0.99, weight_decay=0.0), 5000, 1e-6),
    ),
    "rmsprop": (
        (lambda: optim.RMSProp(S.cosine_decay(0.03, 1500)), 1500),
        (lambda: optim.RMSProp(S.exponential_decay(3e-3, 0.01, 5000), momentum=0.5), 5000, 1e-5),
    ),
    "rmsprop_centered": (
        (lambda: optim.RMSProp(S.cosine_decay(0.01, 1500), momentum=0.5, centered=True), 1500),
        (lambda: optim.RMSProp(S.cosine_decay(1e-3, 5000), momentum=0.9, centered=True), 5000, 1e-6),
    ),
    "adagrad": ((lambda: optim.Adagrad(0.5), 1500), (lambda: optim.Adagrad(0.5), 10000, 1e-3)),
    "lbfgs": ((lambda: optim.LBFGS(), 100), (lambda: optim.LBFGS(), 200, 1e-8)),
    "lbfgs_backtracking": (
        (lambda: optim.LBFGS(line_search="backtracking"), 100),
        (lambda: optim.LBFGS(line_search="backtracking"), 200, 1e-8),
    ),
}


@pytest.mark.parametrize("name", sorted(CONVERGENCE))
def test_minimizes_quadratic(name):
    (make, steps), _ = CONVERGENCE[name]
    res = optim.minimize(quad, Q0, optimizer=make(), steps=steps, progress=False)
    for k in C:
        np.testing.assert_allclose(res.params[k], C[k], atol=1e-8)
        assert res.params[k].shape == C[k].shape
    assert res.loss < 1e-12


@pytest.mark.parametrize("name", sorted(CONVERGENCE))
def test_minimizes_rosenbrock(name):
    _, (make, steps, tol) = CONVERGENCE[name]
    res = optim.minimize(rosen2, R0, optimizer=make(), steps=steps, gtol=1e-10, progress=False)
    assert abs(float(res.params["x"]) - 1) < tol
    assert abs(float(res.params["y"]) - 1) < tol


# --------------------------------------------------------------------------- hand-computed steps

P = {"w": np.array([1.0, -2.0]), "b": np.array(0.5)}
G1 = {"w": np.array([0.1, -0.3]), "b": np.array(2.0)}
G2 = {"w": np.array([-0.2, 0.4]), "b": np.array(1.0)}


def _leafwise(f, *trees):
    return {k: f(*(t[k] for t in trees)) for k in trees[0]}


def _two_steps(opt):
    s = opt.init(P)
    p1, s = opt.update(G1, s, P)
    p2, s = opt.update(G2, s, p1)
    return p1, p2, s


def hand_sgd(lr, mu=0.0, nesterov=False, wd=0.0):
    def step(p, g, v):
        g = g + wd * p
        v = mu * v + g
        d = g + mu * v if nesterov else (v if mu else g)
        return p - lr * d, v

    out = []
    for k in P:
        p1, v = step(P[k], G1[k], 0.0)
        p2, v = step(p1, G2[k], v)
        out.append((k, p1, p2))
    return {k: a for k, a, _ in out}, {k: b for k, _, b in out}


def hand_adam(lr, b1, b2, eps, wd=0.0, decoupled=False):
    def step(p, g, m, v, t):
        if not decoupled:
            g = g + wd * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mhat = m / (1 - b1**t)
        vhat = v / (1 - b2**t)
        if decoupled:
            p = p - lr * wd * p
        return p - lr * mhat / (np.sqrt(vhat) + eps), m, v

    p1, p2 = {}, {}
    for k in P:
        p1[k], m, v = step(P[k], G1[k], 0.0, 0.0, 1)
        p2[k], _, _ = step(p1[k], G2[k], m, v, 2)
    return p1, p2


def hand_rmsprop(lr, alpha, eps, mu=0.0, centered=False, wd=0.0):
    def step(p, g, v, ga, buf):
        g = g + wd * p
        v = alpha * v + (1 - alpha) * g * g
        if centered:
            ga = alpha * ga + (1 - alpha) * g
            denom = np.sqrt(v - ga * ga) + eps
        else:
            denom = np.sqrt(v) + eps
        if mu:
            buf = mu * buf + g / denom
            return p - lr * buf, v, ga, buf
        return p - lr * g / denom, v, ga, buf

    p1, p2 = {}, {}
    for k in P:
        p1[k], v, ga, buf = step(P[k], G1[k], 0.0, 0.0, 0.0)
        p2[k], *_ = step(p1[k], G2[k], v, ga, buf)
    return p1, p2


def hand_adagrad(lr, eps, init=0.0, wd=0.0):
    def step(p, g, s):
        g = g + wd * p
        s = s + g * g
        return p - lr * g / (np.sqrt(s) + eps), s

    p1, p2 = {}, {}
    for k in P:
        p1[k], s = step(P[k], G1[k], init)
        p2[k], _ = step(p1[k], G2[k], s)
    return p1, p2


HAND = {
    "sgd": (lambda: optim.SGD(0.1), lambda: hand_sgd(0.1)),
    "sgd_momentum_wd": (lambda: optim.SGD(0.1, momentum=0.9, weight_decay=0.01), lambda: hand_sgd(0.1, 0.9, wd=0.01)),
    "sgd_nesterov": (lambda: optim.SGD(0.1, momentum=0.8, nesterov=True), lambda: hand_sgd(0.1, 0.8, True)),
    "adam": (lambda: optim.Adam(0.01), lambda: hand_adam(0.01, 0.9, 0.999, 1e-8)),
    "adam_wd": (
        lambda: optim.Adam(0.05, b1=0.8, b2=0.9, eps=1e-3, weight_decay=0.1),
        lambda: hand_adam(0.05, 0.8, 0.9, 1e-3, wd=0.1),
    ),
    "adamw": (
        lambda: optim.AdamW(0.05, weight_decay=0.1),
        lambda: hand_adam(0.05, 0.9, 0.999, 1e-8, wd=0.1, decoupled=True),
    ),
    "rmsprop": (lambda: optim.RMSProp(0.01), lambda: hand_rmsprop(0.01, 0.99, 1e-8)),
    "rmsprop_all": (
        lambda: optim.RMSProp(0.01, decay=0.9, eps=1e-4, momentum=0.7, centered=True, weight_decay=0.05),
        lambda: hand_rmsprop(0.01, 0.9, 1e-4, 0.7, True, 0.05),
    ),
    "adagrad": (lambda: optim.Adagrad(0.1), lambda: hand_adagrad(0.1, 1e-10)),
    "adagrad_init_wd": (
        lambda: optim.Adagrad(0.1, eps=1e-3, initial_accumulator_value=0.5, weight_decay=0.2),
        lambda: hand_adagrad(0.1, 1e-3, 0.5, 0.2),
    ),
}


@pytest.mark.parametrize("name", sorted(HAND))
def test_update_matches_hand_computed_step(name):
    make, hand = HAND[name]
    p1, p2, state = _two_steps(make())
    e1, e2 = hand()
    for k in P:
        np.testing.assert_allclose(p1[k], e1[k], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(p2[k], e2[k], rtol=1e-12, atol=1e-15)
    assert int(state.count) == 2


def test_adam_first_step_is_lr_times_sign():
    # With zero moments, Adam's first step is lr * g / (|g| + eps): lr * sign(g) to rounding.
    p1, _, _ = _two_steps(optim.Adam(0.1, eps=0.0))
    for k in P:
        np.testing.assert_allclose(p1[k], P[k] - 0.1 * np.sign(G1[k]), rtol=1e-12)


TORCH_CASES = {
    "sgd": (lambda: optim.SGD(0.1), "SGD", dict(lr=0.1)),
    "sgd_momentum": (
        lambda: optim.SGD(0.1, momentum=0.9, weight_decay=0.01),
        "SGD",
        dict(lr=0.1, momentum=0.9, weight_decay=0.01),
    ),
    "sgd_nesterov": (
        lambda: optim.SGD(0.1, momentum=0.9, nesterov=True),
        "SGD",
        dict(lr=0.1, momentum=0.9, nesterov=True),
    ),
    "adam": (
        lambda: optim.Adam(0.01, b1=0.8, b2=0.95, eps=1e-6, weight_decay=0.1),
        "Adam",
        dict(lr=0.01, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1),
    ),
    "adamw": (lambda: optim.AdamW(0.01, weight_decay=0.1), "AdamW", dict(lr=0.01, weight_decay=0.1)),
    "rmsprop": (
        lambda: optim.RMSProp(0.01, decay=0.9, eps=1e-6, momentum=0.5, centered=True, weight_decay=0.05),
        "RMSprop",
        dict(lr=0.01, alpha=0.9, eps=1e-6, momentum=0.5, centered=True, weight_decay=0.05),
    ),
    "adagrad": (
        lambda: optim.Adagrad(0.1, initial_accumulator_value=0.3, weight_decay=0.01),
        "Adagrad",
        dict(lr=0.1, initial_accumulator_value=0.3, weight_decay=0.01),
    ),
}


@pytest.mark.parametrize("name", sorted(TORCH_CASES))
def test_update_matches_pytorch(name):
    torch = pytest.importorskip("torch")
    make, cls, kw = TORCH_CASES[name]
    rng = np.random.default_rng(1)
    params = {"w": rng.standard_normal((3, 2)), "b": rng.standard_normal(2)}
    grads = [{k: rng.standard_normal(v.shape) for k, v in params.items()} for _ in range(5)]
    tp = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    topt = getattr(torch.optim, cls)([tp["b"], tp["w"]], **kw)
    opt = make()
    p, s = params, opt.init(params)
    for g in grads:
        p, s = opt.update(g, s, p)
        for k in tp:
            tp[k].grad = torch.tensor(g[k], dtype=torch.float64)
        topt.step()
    for k in params:
        np.testing.assert_allclose(p[k], tp[k].detach().numpy(), rtol=1e-10, atol=1e-12)


# --------------------------------------------------------------------------- state, purity, dtypes

ALL = {
    "sgd": lambda: optim.SGD(0.1),
    "sgd_momentum": lambda: optim.SGD(0.1, momentum=0.9, nesterov=True),
    "adam": lambda: optim.Adam(0.01),
    "adamw": lambda: optim.AdamW(0.01),
    "rmsprop": lambda: optim.RMSProp(0.01, momentum=0.5, centered=True),
    "adagrad": lambda: optim.Adagrad(0.1),
    "lbfgs": lambda: optim.LBFGS(),
}


def _run(opt, params, state, steps, loss=quad):
    vg = wengert.value_and_grad(loss)
    for _ in range(steps):
        v, g = vg(params)
        if opt.requires_loss:
            params, state = opt.update(g, state, params, fun=vg, value=v)
        else:
            params, state = opt.update(g, state, params)
    return params, state


def _assert_tree_equal(a, b):
    la, ta = wengert.tree_flatten(a)
    lb, tb = wengert.tree_flatten(b)
    assert ta == tb
    for x, y in zip(la, lb):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


@pytest.mark.parametrize("name", sorted(ALL))
def test_state_round_trips_and_resumes(name, tmp_path):
    opt = ALL[name]()
    params, state = _run(opt, Q0, opt.init(Q0), 3)
    leaves, td = wengert.tree_flatten(state)
    again = wengert.tree_unflatten(td, leaves)
    assert type(again) is type(state)
    _assert_tree_equal(again, state)
    # saved to disk and loaded back (leaves become arrays), then training continues identically
    np.savez(tmp_path / "state.npz", *[np.asarray(x) for x in leaves])
    with np.load(tmp_path / "state.npz") as f:
        loaded = wengert.tree_unflatten(td, [f[f"arr_{i}"] for i in range(len(leaves))])
    p_direct, s_direct = _run(opt, params, state, 4)
    p_loaded, s_loaded = _run(opt, params, loaded, 4)
    _assert_tree_equal(p_direct, p_loaded)
    assert int(s_direct.count) == int(s_loaded.count) == 7


@pytest.mark.parametrize("name", sorted(ALL))
def test_update_is_pure(name):
    opt = ALL[name]()
    params = {"a": np.array([0.3, -0.2, 0.1]), "b": np.ones((2, 2))}
    state = _run(opt, params, opt.init(params), 2)[1]
    vg = wengert.value_and_grad(quad)
    v, grads = vg(params)
    copies = [np.array(x, copy=True) for x in wengert.tree_leaves((params, state, grads))]
    kw = {"fun": vg, "value": v} if opt.requires_loss else {}
    new_p, new_s = opt.update(grads, state, params, **kw)
    for x, c in zip(wengert.tree_leaves((params, state, grads)), copies):
        np.testing.assert_array_equal(np.asarray(x), c)
    p2, s2 = opt.update(grads, state, params, **kw)  # same inputs, same outputs
    _assert_tree_equal(new_p, p2)
    _assert_tree_equal(new_s, s2)


@pytest.mark.parametrize("name", sorted(ALL))
def test_float32_parameters_stay_float32(name):
    opt = ALL[name]()
    params = {"a": np.zeros(3, np.float32), "b": np.zeros((2, 2), np.float32)}
    p, s = _run(opt, params, opt.init(params), 3)
    for x in wengert.tree_leaves(p):
        assert x.dtype == np.float32
    if name != "lbfgs":  # L-BFGS keeps its history in float64 by design
        for x in wengert.tree_leaves(s)[1:]:
            assert np.asarray(x).dtype == np.float32


@pytest.mark.parametrize("name", sorted(n for n in ALL if n != "lbfgs"))
def test_update_is_differentiable(name):
    # the loss after one update, as a function of the parameters before it (meta-gradients)
    opt = ALL[name]()

    def quartic(p):
        return np.sum(p["a"] ** 4) + np.sum(p["b"] ** 2)

    p0 = {"a": np.array([1.0, 2.0]), "b": np.array([0.5])}
    state = opt.update(wengert.grad(quartic)(p0), opt.init(p0), p0)[1]  # non-trivial moments
    after = lambda p: quartic(opt.update(wengert.grad(quartic)(p), state, p)[0])
    wengert.check_grads(after, (p0,), order=1)


def test_namedtuple_and_nested_parameters():
    import collections

    Layer = collections.namedtuple("Layer", "w b")
    params = [Layer(np.ones((2, 2)), np.zeros(2)), {"scale": np.array(2.0), "extra": None}]

    def loss(p):
        return np.sum(p[0].w ** 2) + np.sum((p[0].b - 1) ** 2) + (p[1]["scale"] - 3.0) ** 2

    res = optim.minimize(loss, params, optimizer=optim.Adam(S.cosine_decay(0.1, 1000)), steps=1000, progress=False)
    assert isinstance(res.params[0], Layer) and res.params[1]["extra"] is None
    np.testing.assert_allclose(res.params[0].w, 0, atol=1e-6)
    np.testing.assert_allclose(res.params[0].b, 1, atol=1e-6)
    np.testing.assert_allclose(res.params[1]["scale"], 3, atol=1e-6)


def test_mismatched_grads_and_state_are_rejected():
    opt = optim.Adam()
    state = opt.init(Q0)
    with pytest.raises(ValueError, match=r"grads and params have different structures: missing key\(s\) .b."):
        opt.update({"a": np.zeros(3)}, state, Q0)
    with pytest.raises(ValueError, match="leaf 0 of grads has shape"):
        opt.update({"a": np.zeros(4), "b": np.zeros((2, 2))}, state, Q0)
    with pytest.raises(ValueError, match="the state"):
        opt.update(Q0, opt.init({"a": np.zeros(3)}), Q0)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: optim.SGD(0.0), "lr must be > 0"),
        (lambda: optim.SGD(-1.0), "lr must be > 0"),
        (lambda: optim.SGD(0.1, nesterov=True), "nesterov=True needs momentum"),
        (lambda: optim.SGD(0.1, momentum=1.0), r"momentum must be in \[0, 1\)"),
        (lambda: optim.Adam(b1=1.0), r"b1 must be in \[0, 1\)"),
        (lambda: optim.Adam(b2=-0.1), r"b2 must be in \[0, 1\)"),
        (lambda: optim.AdamW(weight_decay=-1), "weight_decay must be >= 0"),
        (lambda: optim.RMSProp(decay=1.5), r"decay must be in \[0, 1\)"),
        (lambda: optim.Adagrad(eps=-1), "eps must be >= 0"),
        (lambda: optim.Adam(clip_norm=0), "clip_norm must be > 0"),
        (lambda: optim.LBFGS(memory=0), "memory must be >= 1"),
        (lambda: optim.LBFGS(line_search="wolfe"), "line_search must be"),
        (lambda: optim.LBFGS(c1=0.9, c2=0.1), "0 < c1 < c2 < 1"),
    ],
)
def test_invalid_hyperparameters(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_lr_must_be_number_or_callable():
    with pytest.raises(TypeError, match="learning rate must be a number or a callable"):
        optim.Adam("fast")


# --------------------------------------------------------------------------- schedules

SCHEDULES = [
    (S.constant(0.1), [0, 5, 1000], [0.1, 0.1, 0.1]),
    (S.step_decay(1.0, 10, 0.5), [0, 9, 10, 25], [1.0, 1.0, 0.5, 0.25]),
    (S.exponential_decay(1.0, 0.5, 2), [0, 1, 2, 4], [1.0, 0.5**0.5, 0.5, 0.25]),
    (S.exponential_decay(1.0, 0.5, 2, staircase=True), [0, 1, 2, 3], [1.0, 1.0, 0.5, 0.5]),
    (S.exponential_decay(1.0, 0.5, 1, end_value=0.2), [0, 2, 3, 10], [1.0, 0.25, 0.2, 0.2]),
    (S.cosine_decay(2.0, 10), [0, 5, 10, 20], [2.0, 1.0, 0.0, 0.0]),
    (S.cosine_decay(2.0, 10, alpha=0.1), [0, 5, 10], [2.0, 2.0 * (0.1 + 0.9 * 0.5), 0.2]),
    (S.warmup(1.0, 4), [0, 1, 3, 4, 100], [0.0, 0.25, 0.75, 1.0, 1.0]),
    (S.warmup(S.cosine_decay(1.0, 10), 5, init_value=0.5), [0, 5, 10, 15], [0.5, 1.0, 0.5, 0.0]),
    (S.warmup(S.step_decay(1.0, 2, 0.1), 0), [0, 2], [1.0, 0.1]),
]


@pytest.mark.parametrize("sched, steps, expected", SCHEDULES, ids=lambda x: repr(x) if isinstance(x, S.Schedule) else "")
def test_schedule_values(sched, steps, expected):
    got = [sched(t) for t in steps]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    assert all(isinstance(v, float) for v in got)


def test_schedule_errors_and_repr():
    with pytest.raises(ValueError, match="step must be >= 0"):
        S.constant(1.0)(-1)
    with pytest.raises(ValueError, match="step_size must be >= 1"):
        S.step_decay(1.0, 0)
    with pytest.raises(ValueError, match="decay_steps must be >= 1"):
        S.cosine_decay(1.0, 0)
    with pytest.raises(ValueError, match="decay_rate must be > 0"):
        S.exponential_decay(1.0, 0.0)
    assert "cosine_decay(lr=1.0" in repr(S.cosine_decay(1.0, 5))


def test_optimizer_uses_schedule_with_its_step_count():
    seen = []

    def sched(t):
        seen.append(t)
        return 0.1 / (t + 1)

    opt = optim.SGD(sched)
    p, s = P, opt.init(P)
    for _ in range(3):
        p, s = opt.update(G1, s, p)
    assert seen == [0, 1, 2]
    np.testing.assert_allclose(p["w"], P["w"] - (0.1 + 0.05 + 0.1 / 3) * G1["w"])
    res = optim.minimize(quad, Q0, optimizer=optim.SGD(S.step_decay(0.1, 2, 0.5)), steps=5, progress=False)
    assert res.history["lr"] == [0.1, 0.1, 0.05, 0.05, 0.025]


# --------------------------------------------------------------------------- clipping


def test_clip_by_value_and_global_norm():
    g = {"a": np.array([3.0, -4.0]), "b": np.array([[0.0, 12.0]])}
    c = optim.clip_by_value(g, 2.5)
    np.testing.assert_array_equal(c["a"], [2.5, -2.5])
    np.testing.assert_array_equal(c["b"], [[0.0, 2.5]])
    assert optim.global_norm(g) == pytest.approx(13.0)
    n = optim.clip_by_global_norm(g, 6.5)
    np.testing.assert_allclose(n["a"], [1.5, -2.0])
    np.testing.assert_allclose(n["b"], [[0.0, 6.0]])
    assert optim.clip_by_global_norm(g, 20.0) is g  # under the limit: unchanged
    with pytest.raises(ValueError, match="max_norm must be > 0"):
        optim.clip_by_global_norm(g, 0.0)
    with pytest.raises(ValueError, match="clip_value must be > 0"):
        optim.clip_by_value(g, -1.0)


def test_optimizer_clips_before_updating():
    g = {"a": np.array([3.0, -4.0]), "b": np.array([[0.0, 12.0]])}
    p = {"a": np.zeros(2), "b": np.zeros((1, 2))}
    opt = optim.SGD(1.0, clip_norm=6.5)
    p1, _ = opt.update(g, opt.init(p), p)
    np.testing.assert_allclose(p1["a"], [-1.5, 2.0])
    opt = optim.SGD(1.0, clip_value=1.0, clip_norm=1.0)  # value first, then norm
    p1, _ = opt.update(g, opt.init(p), p)
    np.testing.assert_allclose(p1["a"], -np.array([1.0, -1.0]) / math.sqrt(3))


# --------------------------------------------------------------------------- L-BFGS


@pytest.mark.parametrize("line_search", ["strong_wolfe", "backtracking"])
def test_lbfgs_rosenbrock_10d(line_search):
    x0 = np.zeros(10)
    res = optim.minimize(rosen, x0, optimizer=optim.LBFGS(line_search=line_search), steps=500, gtol=1e-9, progress=False)
    assert res.converged and "gtol" in res.message
    np.testing.assert_allclose(res.params, np.ones(10), atol=1e-8)
    assert res.steps < 150


def test_lbfgs_fixed_step_and_memory():
    res = optim.minimize(quad, Q0, optimizer=optim.LBFGS(line_search=None, lr=0.05), steps=300, progress=False)
    for k in C:
        np.testing.assert_allclose(res.params[k], C[k], atol=1e-6)
    res = optim.minimize(rosen, np.zeros(10), optimizer=optim.LBFGS(memory=2), steps=1000, gtol=1e-8, progress=False)
    np.testing.assert_allclose(res.params, np.ones(10), atol=1e-6)


def test_lbfgs_reports_a_zero_gradient_and_needs_fun():
    res = optim.minimize(quad, C, optimizer=optim.LBFGS(), steps=10, progress=False)
    assert res.converged and "zero" in res.message and res.steps == 1
    opt = optim.LBFGS()
    with pytest.raises(TypeError, match="needs fun="):
        opt.update(Q0, opt.init(Q0), Q0)


def test_lbfgs_reuses_line_search_evaluations():
    calls = []

    def counted(p):
        calls.append(1)
        return rosen(p)

    res = optim.minimize(counted, np.zeros(10), optimizer=optim.LBFGS(), steps=500, gtol=1e-9, progress=False)
    # one evaluation to start, then only the line searches' evaluations
    assert len(calls) == 1 + int(res.state.evals)


# --------------------------------------------------------------------------- minimize


def _regression(n=256, d=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    w = np.array([1.5, -2.0, 0.5])[:d]
    y = X @ w + 0.7
    return X, y, w


def mse_loss(p, X, y):
    r = X @ p["w"] + p["b"] - y
    return np.mean(r * r)


P_REG = {"w": np.zeros(3), "b": np.array(0.0)}


def test_minimize_full_batch_data_and_history():
    X, y, w = _regression()
    res = optim.minimize(mse_loss, P_REG, optimizer=optim.SGD(0.1), steps=300, data=(X, y), progress=False)
    np.testing.assert_allclose(res.params["w"], w, atol=1e-6)
    assert res.steps == 300 and res.epochs == 300 and res.message == "reached steps=300"
    assert len(res.history["loss"]) == len(res.history["grad_norm"]) == len(res.history["lr"]) == 300
    assert res.history["loss"][0] > res.history["loss"][-1] == res.loss
    assert isinstance(res.history["loss"][0], float)


def test_minimize_mini_batches_epochs_and_shuffles():
    X, y, w = _regression()
    data = optim.batches(X, y, batch_size=32, seed=3)
    assert len(data) == 8
    res = optim.minimize(mse_loss, P_REG, optimizer=optim.Adam(0.05), data=data, epochs=40, progress=False)
    np.testing.assert_allclose(res.params["w"], w, atol=2e-3)
    assert res.steps == 320 and res.epochs == 40 and len(res.history["epoch_loss"]) == 40
    assert "grad_norm" not in res.history  # not recorded for mini-batches unless asked
    # a list of batches is re-iterated every epoch; steps= bounds the total
    batch_list = [(X[i : i + 64], y[i : i + 64]) for i in range(0, 256, 64)]
    res = optim.minimize(mse_loss, P_REG, optimizer=optim.Adam(0.05), data=batch_list, steps=10, progress=False)
    assert res.steps == 10 and res.epochs == 3
    # default for mini-batches: one epoch
    res = optim.minimize(mse_loss, P_REG, data=batch_list, progress=False, record_grad_norm=True)
    assert res.steps == 4 and res.message == "reached epochs=1" and len(res.history["grad_norm"]) == 4


def test_batches_are_reproducible():
    X = np.arange(10.0)
    a = [b[0].tolist() for b in optim.batches(X, batch_size=4, seed=1)]
    b = [b[0].tolist() for b in optim.batches(X, batch_size=4, seed=1)]
    assert a == b and sorted(sum(a, [])) == list(range(10)) and [len(x) for x in a] == [4, 4, 2]
    data = optim.batches(X, batch_size=4, seed=1, drop_last=True)
    e1, e2 = [x[0].tolist() for x in data], [x[0].tolist() for x in data]
    assert len(data) == 2 and e1 != e2  # each epoch reshuffles
    assert [x[0].tolist() for x in optim.batches(X, batch_size=5, shuffle=False)] == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
    with pytest.raises(ValueError, match="array 1 has 3 rows"):
        optim.batches(X, X[:3], batch_size=2)
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        optim.batches(X, batch_size=0)


def test_minimize_generator_and_callable_data():
    X, y, _ = _regression()

    def gen():
        for i in range(0, 256, 64):
            yield X[i : i + 64], y[i : i + 64]

    res = optim.minimize(mse_loss, P_REG, data=gen(), epochs=5, progress=False)
    assert res.steps == 4 and res.message == "data exhausted"
    res = optim.minimize(mse_loss, P_REG, data=gen, epochs=3, progress=False)  # a factory: fresh each epoch
    assert res.steps == 12 and res.epochs == 3
    res = optim.minimize(mse_loss, P_REG, data=iter([]), epochs=3, progress=False)
    assert res.steps == 0 and "no batches" in res.message
    # a single array is one argument; a batch that is not a tuple is passed as one argument
    res = optim.minimize(lambda p, Z: np.sum((p - Z) ** 2), np.zeros(3), optim.SGD(0.25), steps=50, data=np.ones(3), progress=False)
    np.testing.assert_allclose(res.params, 1.0)
    res = optim.minimize(lambda p, Z: np.sum((p - Z) ** 2), np.zeros(3), optim.SGD(0.25), data=[np.ones(3)] * 50, progress=False)
    np.testing.assert_allclose(res.params, 1.0)


def test_minimize_early_stopping():
    res = optim.minimize(quad, Q0, optimizer=optim.SGD(0.05), steps=100000, tol=1e-12, progress=False)
    assert res.converged and "tol" in res.message and res.steps < 5000
    res = optim.minimize(quad, Q0, optimizer=optim.SGD(0.05), steps=100000, gtol=1e-6, progress=False)
    assert res.converged and "gtol" in res.message
    assert res.history["grad_norm"][-1] <= 1e-6 < res.history["grad_norm"][-2]
    assert len(res.history["loss"]) == res.steps + 1  # the final point is recorded too
    # patience: with momentum the loss rises at times; a longer patience keeps going
    short = optim.minimize(quad, Q0, optimizer=optim.SGD(0.09, momentum=0.9), steps=5000, tol=0.0, patience=1, progress=False)
    long = optim.minimize(quad, Q0, optimizer=optim.SGD(0.09, momentum=0.9), steps=5000, tol=0.0, patience=50, progress=False)
    assert short.steps < long.steps and long.loss < short.loss
    # mini-batches: checked on epoch means
    X, y, _ = _regression()
    res = optim.minimize(mse_loss, P_REG, optim.SGD(0.1), data=optim.batches(X, y, batch_size=64), epochs=1000, tol=1e-9, progress=False)
    assert res.converged and res.epochs < 1000


def test_minimize_callbacks_and_aux():
    seen = []

    def cb(info):
        seen.append(info)
        return info.step == 7

    def loss(p):
        v = quad(p)
        return v, {"twice": 2 * v}

    res = optim.minimize(loss, Q0, optim.Adam(0.1), steps=100, has_aux=True, callbacks=cb, progress=False)
    assert res.steps == 7 and res.message == "stopped by a callback" and len(seen) == 7
    info = seen[-1]
    assert isinstance(info, optim.StepInfo) and info.epoch == 6 and info.end_of_epoch
    assert info.aux["twice"] == pytest.approx(2 * info.loss)
    assert info.grad_norm == pytest.approx(optim.global_norm(info.grads))
    assert info.params is res.params and int(info.state.count) == 7
    # several callbacks, returning None, and their own history
    log = []
    res = optim.minimize(quad, Q0, optim.Adam(0.1), steps=5, callbacks=[lambda i: None, lambda i: log.append(i.step)], progress=False)
    assert log == [1, 2, 3, 4, 5]


def test_minimize_continues_from_a_state():
    opt = optim.Adam(0.05)
    full = optim.minimize(quad, Q0, opt, steps=20, progress=False)
    half = optim.minimize(quad, Q0, opt, steps=10, progress=False)
    rest = optim.minimize(quad, half.params, opt, steps=10, state=half.state, progress=False)
    _assert_tree_equal(full.params, rest.params)


def test_minimize_input_errors():
    with pytest.raises(TypeError, match="init\\(\\) and update\\(\\)"):
        optim.minimize(quad, Q0, optimizer="adam")
    with pytest.raises(ValueError, match="steps must be >= 0"):
        optim.minimize(quad, Q0, steps=-1)
    with pytest.raises(ValueError, match="patience must be >= 1"):
        optim.minimize(quad, Q0, patience=0)
    with pytest.raises(TypeError, match="callbacks must be callables"):
        optim.minimize(quad, Q0, callbacks=[1])
    res = optim.minimize(quad, Q0, steps=0, progress=False)
    assert res.steps == 0 and res.message == "no steps requested"
    with np.errstate(invalid="ignore"):
        res = optim.minimize(lambda p: np.sum(np.log(p)), np.array([1.0]), optim.SGD(2.0), steps=10, progress=False)
    assert res.message == "the loss is not finite"


class _Term(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_only_on_a_terminal(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # the built-in bar
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    term = _Term()
    monkeypatch.setattr(sys, "stderr", term)
    optim.minimize(quad, Q0, optim.Adam(0.1), steps=30, progress=True)
    out = term.getvalue()
    assert "30/30" in out and "100%" in out and "loss" in out and out.endswith("\n")
    term2 = _Term()
    monkeypatch.setattr(sys, "stderr", term2)
    optim.minimize(quad, Q0, optim.Adam(0.1), steps=30, progress=False)
    assert term2.getvalue() == ""
    pipe = io.StringIO()  # not a terminal: nothing
    monkeypatch.setattr(sys, "stderr", pipe)
    optim.minimize(quad, Q0, optim.Adam(0.1), steps=30, progress=True)
    assert pipe.getvalue() == ""


def test_progress_bar_uses_tqdm_when_installed(monkeypatch):
    tqdm_auto = pytest.importorskip("tqdm.auto")
    made = []

    class Spy(tqdm_auto.tqdm):
        def __init__(self, *a, **k):
            made.append(k.get("total"))
            super().__init__(*a, **k)

    monkeypatch.setattr(tqdm_auto, "tqdm", Spy)
    monkeypatch.setattr(sys, "stderr", _Term())
    optim.minimize(quad, Q0, optim.Adam(0.1), steps=12, progress=True)
    assert made == [12]


# --------------------------------------------------------------------------- pytree helpers


class Box:
    def __init__(self, a, b):
        self.a, self.b = a, b


wengert.register_pytree_node(Box, lambda x: ((x.a, x.b), None), lambda _, c: Box(*c))


@pytest.mark.parametrize(
    "tree",
    [
        {"b": np.ones(2), "a": [np.zeros(1), (np.ones(3), None)], "c": 2.0},
        {1: np.ones(1), "x": np.zeros(2), 2.5: np.ones(3)},  # mixed key types: wengert's own order
        [Box(np.ones(1), {"z": np.zeros(2), "y": 1.0}), np.float32(3.0)],
        np.ones(3),
        None,
        (),
    ],
)
def test_fast_leaves_matches_tree_leaves(tree):
    a, b = fast_leaves(tree), wengert.tree_leaves(tree)
    assert len(a) == len(b) and all(x is y for x, y in zip(a, b))


def test_ravel_pytree_round_trip():
    tree = {"w": np.arange(6.0).reshape(2, 3), "b": np.array(7.0), "n": [np.ones(2, np.float32)]}
    flat, unravel = ravel_pytree(tree)
    assert flat.dtype == np.float64 and flat.shape == (9,)
    back = unravel(flat)
    for k in ("w", "b"):
        np.testing.assert_array_equal(back[k], tree[k])
    np.testing.assert_array_equal(back["n"][0], tree["n"][0])
    with pytest.raises(ValueError, match="expected a vector of shape"):
        unravel(np.zeros(3))


# --------------------------------------------------------------------------- SciPy bridge

SCIPY_METHODS = {
    # method: (extra options, tolerance on x)
    "BFGS": ({}, 1e-5),
    "L-BFGS-B": ({"options": {"ftol": 1e-15, "gtol": 1e-10}}, 1e-5),
    "CG": ({"options": {"gtol": 1e-8}}, 1e-5),
    "Newton-CG": ({"options": {"xtol": 1e-10}}, 1e-5),
    "trust-ncg": ({"options": {"gtol": 1e-10}}, 1e-6),
    "trust-krylov": ({"options": {"gtol": 1e-10}}, 1e-6),
    "trust-exact": ({"options": {"gtol": 1e-10}}, 1e-6),
    "trust-constr": ({"options": {"gtol": 1e-12, "xtol": 1e-14}}, 1e-6),
    "SLSQP": ({"options": {"ftol": 1e-14, "maxiter": 500}}, 1e-4),
    "TNC": ({"options": {"maxfun": 10000, "ftol": 1e-16, "xtol": 1e-14, "gtol": 1e-12}}, 1e-5),
}


@pytest.mark.parametrize("method", sorted(SCIPY_METHODS))
def test_scipy_minimize_rosenbrock_10d(method):
    pytest.importorskip("scipy")
    kw, tol = SCIPY_METHODS[method]
    x0 = {"head": np.zeros(4), "tail": np.zeros((2, 3))}

    def f(p):
        return rosen(np.concatenate([p["head"], np.ravel(p["tail"])]))

    res = optim.scipy_minimize(f, x0, method=method, **kw)
    assert res.x["tail"].shape == (2, 3) and res.x_flat.shape == (10,)
    np.testing.assert_allclose(res.x["head"], 1.0, atol=tol)
    np.testing.assert_allclose(res.x["tail"], 1.0, atol=tol)
    if method in ("trust-ncg", "trust-krylov", "Newton-CG"):
        assert res.nhev > 0  # Hessian-vector products were used


def test_scipy_minimize_hessian_methods_on_a_convex_function():
    pytest.importorskip("scipy")
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    b = np.array([1.0, -1.0])

    def f(p, shift):
        x = p["x"]
        return 0.5 * x @ A @ x - b @ x + np.sum(np.exp(0.1 * x)) + shift

    for method in ("dogleg", "trust-exact", "Newton-CG", "Nelder-Mead", "Powell"):
        res = optim.scipy_minimize(f, {"x": np.zeros(2)}, args=(1.0,), method=method, tol=1e-12)
        g = wengert.grad(f)(res.x, 1.0)["x"]
        assert np.max(np.abs(g)) < (1e-4 if method in ("Nelder-Mead", "Powell") else 1e-8), method


def test_scipy_minimize_float32_bounds_constraints_callback():
    pytest.importorskip("scipy")
    x0 = {"a": np.zeros(2, np.float32)}
    seen = []
    res = optim.scipy_minimize(
        lambda p: np.sum((p["a"] - 3.0) ** 2), x0, method="L-BFGS-B", bounds=[(0, 1), (-1, 2)], callback=seen.append
    )
    assert res.x["a"].dtype == np.float32 and res.jac["a"].dtype == np.float32
    np.testing.assert_allclose(res.x["a"], [1.0, 2.0], atol=1e-6)
    assert seen and isinstance(seen[0], dict) and seen[0]["a"].shape == (2,)
    # dict constraints are called on the pytree, with exact Jacobians: min x^2 + y^2, x + y >= 1
    cons = [{"type": "ineq", "fun": lambda p: p["x"] + p["y"] - 1.0}]
    res = optim.scipy_minimize(
        lambda p: p["x"] ** 2 + p["y"] ** 2, {"x": np.array(2.0), "y": np.array(-1.0)}, method="SLSQP", constraints=cons
    )
    assert res.success
    np.testing.assert_allclose([res.x["x"], res.x["y"]], [0.5, 0.5], atol=1e-6)


def test_scipy_minimize_rejects_non_finite_start():
    pytest.importorskip("scipy")
    with pytest.raises(ValueError, match="non-finite"):
        optim.scipy_minimize(rosen, np.array([np.nan, 1.0]))
