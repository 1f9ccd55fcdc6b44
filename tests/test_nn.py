"""wengert.nn: activations, log_softmax / softmax, losses and metrics, initializers, layers.

Each function is compared with a NumPy/SciPy reference, checked against finite differences
to second order (check_grads), forward against reverse mode, under vmap, in float32 and
float64."""

from __future__ import annotations

import math

import numpy as np
import pytest

import wengert
import wengert.numpy as wnp
from wengert import nn

sc = pytest.importorskip("scipy.special")
stats = pytest.importorskip("scipy.stats")

RNG = np.random.default_rng(0)


def _x(shape, dtype=np.float64, scale=2.0, seed=0):
    return (scale * np.random.default_rng(seed).standard_normal(shape)).astype(dtype)


def _away_from_zero(x, gap=0.1):
    return np.where(np.abs(x) < gap, x + np.sign(x + 1e-30) * gap * 2, x)


# --------------------------------------------------------------------------- activations

ACTIVATIONS = {
    # name: (function, reference, input transform (keeps relu off its kink))
    "relu": (nn.relu, lambda x: np.maximum(x, 0), _away_from_zero),
    "gelu_tanh": (
        nn.gelu,
        lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))),
        lambda x: x,
    ),
    "gelu_exact": (lambda x: nn.gelu(x, approximate=False), lambda x: x * stats.norm.cdf(x), lambda x: x),
    "softplus": (nn.softplus, lambda x: np.logaddexp(x, 0), lambda x: x),
    "sigmoid": (nn.sigmoid, sc.expit, lambda x: x),
    "log_sigmoid": (nn.log_sigmoid, sc.log_expit, lambda x: x),
    "log_softmax": (nn.log_softmax, lambda x: sc.log_softmax(x, axis=-1), lambda x: x),
    "softmax": (nn.softmax, lambda x: sc.softmax(x, axis=-1), lambda x: x),
}
SHAPES = [(5,), (3, 4), (2, 3, 2)]


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@pytest.mark.parametrize("shape", SHAPES)
def test_activation_values_and_grads(name, shape):
    f, ref, fix = ACTIVATIONS[name]
    x = fix(_x(shape))
    np.testing.assert_allclose(f(x), ref(x), rtol=1e-12, atol=1e-14)
    wengert.check_grads(f, (x,), order=2)
    # forward and reverse Jacobians agree
    np.testing.assert_allclose(wengert.jacfwd(f)(x), wengert.jacrev(f)(x), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_float32(name):
    f, ref, fix = ACTIVATIONS[name]
    x = fix(_x((3, 4), np.float32))
    y = f(x)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, ref(x.astype(np.float64)), rtol=1e-5, atol=1e-6)
    g = wengert.grad(lambda x: wnp.sum(f(x) * np.float32(0.5)))(x)
    assert g.dtype == np.float32
    wengert.check_grads(f, (x,), order=1)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_vmap(name):
    f, _, fix = ACTIVATIONS[name]
    x = fix(_x((4, 3)))
    np.testing.assert_allclose(wengert.vmap(f)(x), np.stack([f(r) for r in x]), rtol=1e-13)
    gs = wengert.vmap(wengert.grad(lambda r: wnp.sum(f(r) * r)))(x)
    np.testing.assert_allclose(gs, np.stack([wengert.grad(lambda r: wnp.sum(f(r) * r))(r) for r in x]), rtol=1e-12)


def test_activations_in_the_tails():
    x = np.array([-800.0, -40.0, -1.0, 0.0, 1.0, 40.0, 800.0])
    np.testing.assert_allclose(nn.sigmoid(x), sc.expit(x), rtol=1e-15, atol=0)  # relative accuracy in both tails
    np.testing.assert_allclose(nn.log_sigmoid(x), sc.log_expit(x), rtol=1e-15)
    np.testing.assert_allclose(nn.softplus(x), np.logaddexp(x, 0), rtol=1e-15)
    g = wengert.grad(lambda x: wnp.sum(nn.sigmoid(x)))(x)
    np.testing.assert_allclose(g, sc.expit(x) * sc.expit(-x), rtol=1e-12, atol=0)
    z = np.array([[1000.0, 0.0, -1000.0], [1.0, 1.0, 1.0]])
    np.testing.assert_allclose(nn.log_softmax(z), sc.log_softmax(z, axis=-1))
    assert np.all(np.isfinite(wengert.grad(lambda z: wnp.sum(nn.log_softmax(z)[:, 0]))(z)))


def test_relu_conventions():
    x = np.array([-1.0, 0.0, 2.0, np.nan])
    np.testing.assert_array_equal(nn.relu(x)[:3], [0.0, 0.0, 2.0])
    assert np.isnan(nn.relu(x)[3])
    g = wengert.grad(lambda x: wnp.sum(nn.relu(x)))(x[:3])
    np.testing.assert_array_equal(g, [0.0, 0.0, 1.0])  # relu'(0) = 0
    np.testing.assert_array_equal(nn.relu(np.array([-2, 3])), [0.0, 3.0])  # integers are promoted


@pytest.mark.parametrize("axis", [0, 1, -1, (0, 2)])
def test_log_softmax_axes(axis):
    x = _x((2, 3, 4))
    np.testing.assert_allclose(nn.log_softmax(x, axis=axis), sc.log_softmax(x, axis=axis), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(nn.softmax(x, axis=axis), sc.softmax(x, axis=axis), rtol=1e-12, atol=1e-14)
    wengert.check_grads(lambda x: nn.log_softmax(x, axis=axis), (x,), order=2)
    np.testing.assert_allclose(
        wengert.vmap(lambda r: nn.log_softmax(r, axis=axis))(np.stack([x, 2 * x])),
        np.stack([sc.log_softmax(x, axis=axis), sc.log_softmax(2 * x, axis=axis)]),
        rtol=1e-12,
    )


def test_log_softmax_axis_errors():
    with pytest.raises(ValueError, match="out of bounds"):
        nn.log_softmax(np.ones((2, 3)), axis=2)
    with pytest.raises(ValueError, match="distinct axes"):
        nn.log_softmax(np.ones((2, 3)), axis=(0, -2))


# --------------------------------------------------------------------------- losses


def _ref_xent(logits, probs, reduction):
    per = -np.sum(probs * sc.log_softmax(logits, axis=-1), axis=-1)
    return {"mean": per.mean(), "sum": per.sum(), "none": per}[reduction]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 5), (6,)])
def test_softmax_cross_entropy(reduction, shape):
    logits = _x(shape)
    k = shape[-1]
    labels = np.random.default_rng(1).integers(0, k, shape[:-1])
    onehot = np.eye(k)[labels]
    soft = sc.softmax(_x(shape, seed=2), axis=-1)
    for lab, probs in ((labels, onehot), (onehot, onehot), (soft, soft)):
        got = nn.softmax_cross_entropy(logits, lab, reduction=reduction)
        np.testing.assert_allclose(got, _ref_xent(logits, probs, reduction), rtol=1e-12)
        wengert.check_grads(lambda z: nn.softmax_cross_entropy(z, lab, reduction=reduction), (logits,), order=2)
    # differentiable in soft labels too, forward = reverse
    wengert.check_grads(lambda z, p: nn.softmax_cross_entropy(z, p, reduction=reduction), (logits, soft), order=2)
    f = lambda z: nn.softmax_cross_entropy(z, soft, reduction=reduction)
    np.testing.assert_allclose(wengert.jacfwd(f)(logits), wengert.jacrev(f)(logits), rtol=1e-12, atol=1e-14)


def test_softmax_cross_entropy_gradient_is_softmax_minus_onehot():
    logits = _x((5, 4))
    labels = np.array([0, 3, 1, 1, 2])
    g = wengert.grad(nn.softmax_cross_entropy)(logits, labels)
    np.testing.assert_allclose(g, (sc.softmax(logits, axis=-1) - np.eye(4)[labels]) / 5, rtol=1e-12)
    # labels that do not sum to one: d/dz = -(y - sum(y) softmax) / n
    y = np.abs(_x((5, 4), seed=3))
    g = wengert.grad(nn.softmax_cross_entropy)(logits, y)
    np.testing.assert_allclose(g, -(y - y.sum(-1, keepdims=True) * sc.softmax(logits, axis=-1)) / 5, rtol=1e-12)


def test_softmax_cross_entropy_float32_large_logits_and_vmap():
    logits = np.array([[1e4, 0.0, -1e4], [0.0, 50.0, 0.0]], np.float32)
    labels = np.array([0, 1])
    v = nn.softmax_cross_entropy(logits, labels)
    assert np.isfinite(v) and np.asarray(v).dtype == np.float32
    g = wengert.grad(nn.softmax_cross_entropy)(logits, labels)
    assert g.dtype == np.float32 and np.all(np.isfinite(g))
    z = _x((3, 4, 5))
    lab = np.random.default_rng(4).integers(0, 5, 4)
    per_example = wengert.vmap(lambda r: nn.softmax_cross_entropy(r, lab))(z)
    np.testing.assert_allclose(per_example, [_ref_xent(r, np.eye(5)[lab], "mean") for r in z], rtol=1e-12)
    pg = wengert.vmap(wengert.grad(lambda r: nn.softmax_cross_entropy(r, lab)))(z)
    np.testing.assert_allclose(pg[1], wengert.grad(lambda r: nn.softmax_cross_entropy(r, lab))(z[1]), rtol=1e-12)
    soft = sc.softmax(_x((3, 4, 5), seed=5), axis=-1)  # both arguments batched
    both = wengert.vmap(nn.softmax_cross_entropy)(z, soft)
    np.testing.assert_allclose(both, [_ref_xent(a, b, "mean") for a, b in zip(z, soft)], rtol=1e-12)


def test_softmax_cross_entropy_errors():
    z = np.zeros((2, 3))
    with pytest.raises(ValueError, match="labels must be in \\[0, 3\\)"):
        nn.softmax_cross_entropy(z, np.array([0, 3]))
    with pytest.raises(ValueError, match="integer labels must have shape \\(2,\\)"):
        nn.softmax_cross_entropy(z, np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="probability labels must have the logits' shape"):
        nn.softmax_cross_entropy(z, np.ones((2, 2)))
    with pytest.raises(TypeError, match="integers or floats"):
        nn.softmax_cross_entropy(z, np.array([True, False]))
    with pytest.raises(ValueError, match="reduction must be"):
        nn.softmax_cross_entropy(z, np.array([0, 1]), reduction="avg")
    with pytest.raises(ValueError, match="class axis"):
        nn.softmax_cross_entropy(np.array(1.0), np.array(0))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mean_squared_error(reduction):
    a, b = _x((3, 2)), _x((3, 2), seed=1)
    ref = {"mean": np.mean((a - b) ** 2), "sum": np.sum((a - b) ** 2), "none": (a - b) ** 2}[reduction]
    np.testing.assert_allclose(nn.mean_squared_error(a, b, reduction=reduction), ref, rtol=1e-13)
    wengert.check_grads(lambda a, b: nn.mse(a, b, reduction=reduction), (a, b), order=2)
    with pytest.raises(ValueError, match="reduction must be"):
        nn.mse(a, b, reduction="max")


def test_accuracy():
    logits = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [1.0, 0.0, 5.0], [0.0, 1.0, 0.5]])
    labels = np.array([0, 1, 1, 2])
    assert nn.accuracy(logits, labels) == 0.5
    assert nn.accuracy(logits, np.eye(3)[labels]) == 0.5
    assert isinstance(nn.accuracy(logits, labels), float)
    with pytest.raises(ValueError, match="do not match"):
        nn.accuracy(logits, labels[:3])
    # inside a differentiated function it is a constant
    g = wengert.grad(lambda z: nn.accuracy(z, labels) + wnp.sum(z))(logits)
    np.testing.assert_array_equal(g, np.ones_like(logits))


# --------------------------------------------------------------------------- initializers and layers

INITS = {
    # name: (function, expected std given (fan_in, fan_out), uniform?)
    "glorot_uniform": (nn.glorot_uniform, lambda fi, fo: math.sqrt(2 / (fi + fo)), True),
    "glorot_normal": (nn.glorot_normal, lambda fi, fo: math.sqrt(2 / (fi + fo)), False),
    "he_uniform": (nn.he_uniform, lambda fi, fo: math.sqrt(2 / fi), True),
    "he_normal": (nn.he_normal, lambda fi, fo: math.sqrt(2 / fi), False),
}


@pytest.mark.parametrize("name", sorted(INITS))
@pytest.mark.parametrize("shape, fans", [((400, 300), (400, 300)), ((3, 3, 50, 40), (450, 360)), ((1000,), (1000, 1000))])
def test_initializers(name, shape, fans):
    init, std, uniform = INITS[name]
    w = init(0, shape, np.float32)
    assert w.shape == shape and w.dtype == np.float32
    s = std(*fans)
    tol = 5 / math.sqrt(w.size)  # five standard errors
    assert abs(w.std() / s - 1) < tol and abs(w.mean()) < tol * s
    if uniform:
        assert np.max(np.abs(w)) <= math.sqrt(3) * s * (1 + 1e-6)
    np.testing.assert_array_equal(w, init(np.random.default_rng(0), shape, np.float32))  # a seed or a Generator
    assert not np.array_equal(w, init(1, shape, np.float32))
    assert init(0, 5).dtype == np.float64
    with pytest.raises(TypeError, match="floating-point"):
        init(0, shape, np.int32)


def test_dense_and_mlp():
    p = nn.dense_init(0, 4, 3)
    assert p["w"].shape == (4, 3) and p["b"].shape == (3,) and not p["b"].any()
    x = _x((5, 4))
    np.testing.assert_allclose(nn.dense(p, x), x @ p["w"], rtol=1e-14)
    params = nn.mlp_init(1, [4, 6, 2], w_init=nn.he_normal, dtype=np.float32)
    assert [q["w"].shape for q in params] == [(4, 6), (6, 2)] and params[0]["w"].dtype == np.float32
    h = np.maximum(x.astype(np.float32) @ params[0]["w"] + params[0]["b"], 0)
    np.testing.assert_allclose(nn.mlp(params, x.astype(np.float32)), h @ params[1]["w"] + params[1]["b"], rtol=1e-5)
    out = nn.mlp(params, x, activation=np.tanh, output_activation=nn.softmax)
    np.testing.assert_allclose(out.sum(-1), 1.0)
    with pytest.raises(ValueError, match="at least an input and an output"):
        nn.mlp_init(0, [3])
    # gradients with respect to every parameter, against finite differences
    p64 = nn.mlp_init(2, [4, 5, 3])
    labels = np.array([0, 2, 1, 1, 0])
    for q in p64:
        q["b"] = _x(q["b"].shape, scale=0.1, seed=7)
    wengert.check_grads(lambda ps: nn.softmax_cross_entropy(nn.mlp(ps, x, activation=nn.gelu), labels), (p64,), order=2)
    wengert.check_grads(lambda ps: nn.softmax_cross_entropy(nn.mlp(ps, x), labels), (p64,), order=1)
