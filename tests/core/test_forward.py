"""Forward mode: every differentiable primitive has both rules, jvp against vjp and finite
differences, jacfwd = jacrev, float32, higher order in every nesting, linearize, jvp errors.
Jacobians and Hessians: tests/api/test_jacobians.py; vmap: tests/core/test_batching.py;
custom_jvp: tests/api/test_custom_rules.py."""

import numpy as np
import pytest

import wengert as w
import wengert.numpy as wnp
from wengert import Primitive

RNG = np.random.default_rng(42)


def test_every_differentiable_primitive_has_jvp_and_vjp_rules():
    missing_jvp = [n for n, p in Primitive.registry.items() if not p.nondiff and p.jvp is None]
    missing_vjp = [
        n for n, p in Primitive.registry.items() if not p.nondiff and p.vjps is None and p.vjp_all is None
    ]
    assert missing_jvp == []
    assert missing_vjp == []


# Functions of one array covering the primitive families; (function, input maker).
FUNCS = {
    "elementwise": (lambda x: wnp.sin(x) * wnp.exp(x) / (1.5 + wnp.cos(x)) - wnp.tanh(x) ** 3, (3, 2)),
    "logs": (lambda x: wnp.log(x * x + 1) + wnp.sqrt(x * x + 2) + wnp.log1p(x * x) + wnp.cbrt(x + 5), (4,)),
    "inverse_trig": (lambda x: wnp.arctan(x) + wnp.arcsinh(x) + wnp.arctan2(x, 2.0) + wnp.arcsin(x / 4), (5,)),
    "reduce": (lambda x: wnp.concatenate([wnp.sum(x, 0), wnp.mean(x, 1), wnp.prod(x, 0), wnp.std(x, 1)]), (3, 4)),
    "maxmin": (lambda x: wnp.stack([wnp.max(x, 0), wnp.min(x, 0)]) + wnp.maximum(x, 0.1)[0], (3, 4)),
    "cumulative": (lambda x: wnp.cumsum(x, 1) * wnp.cumprod(x, 0), (3, 3)),
    "shape": (lambda x: wnp.transpose(wnp.reshape(x, (2, 3, 2)), (2, 0, 1)) * wnp.flip(wnp.tile(x[0, :3], (2, 1))), (2, 6)),
    "indexing": (lambda x: x[::2, [0, 2, 2]] * x[:2, 1, None] + x[x[:, 0] > 0, 1].sum(), (4, 3)),
    "contract": (lambda x: wnp.einsum("ij,jk->ik", x, x.T) + x @ x.T + wnp.tensordot(x, x, ((1,), (1,))), (3, 3)),
    "where": (lambda x: wnp.where(x > 0, x**2, wnp.exp(x)) + wnp.clip(x, -0.5, 0.5), (3, 3)),
    "at": (lambda x: wnp.at(x)[0, 1:].set(x[1, 1:] ** 2).sum(0) + wnp.at(x)[[1, 1]].add(x[2]).sum(0), (3, 3)),
}


def _fd_jvp(f, x, v, h=1e-6):
    return (np.asarray(f(x + h * v)) - np.asarray(f(x - h * v))) / (2 * h)


@pytest.mark.parametrize("name", sorted(FUNCS))
def test_jvp_agrees_with_vjp_and_finite_differences(name):
    f, shape = FUNCS[name]
    x = RNG.uniform(-1, 1, shape)
    v = RNG.standard_normal(shape)
    out, jv = w.jvp(f, (x,), (v,))
    u = RNG.standard_normal(np.shape(out))
    _, vjp_fn = w.vjp(f, x)
    (uj,) = vjp_fn(u)
    np.testing.assert_allclose(np.sum(u * jv), np.sum(uj * v), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(jv, _fd_jvp(f, x, v), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out, f(x))


@pytest.mark.parametrize("name", sorted(FUNCS))
def test_jacfwd_equals_jacrev(name):
    f, shape = FUNCS[name]
    x = RNG.uniform(-1, 1, shape)
    np.testing.assert_allclose(w.jacfwd(f)(x), w.jacrev(f)(x), rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_jvp_keeps_float32(dtype):
    x = np.ones(3, dtype)
    out, t = w.jvp(lambda x: wnp.sin(x) * 2.0 + x**2, (x,), (np.ones(3, dtype),))
    assert out.dtype == dtype and t.dtype == dtype


@pytest.mark.parametrize(
    "f,derivs",
    [
        (lambda x: x**5 - 3 * x**3, lambda x: [5 * x**4 - 9 * x**2, 20 * x**3 - 18 * x, 60 * x**2 - 18, 120 * x]),
        (wnp.exp, lambda x: [np.exp(x)] * 4),
        (wnp.sin, lambda x: [np.cos(x), -np.sin(x), -np.cos(x), np.sin(x)]),
        (wnp.log, lambda x: [1 / x, -1 / x**2, 2 / x**3, -6 / x**4]),
        (
            wnp.tanh,
            lambda x: [
                1 - np.tanh(x) ** 2,
                -2 * np.tanh(x) * (1 - np.tanh(x) ** 2),
                -2 * (1 - np.tanh(x) ** 2) ** 2 + 4 * np.tanh(x) ** 2 * (1 - np.tanh(x) ** 2),
                16 * np.tanh(x) * (1 - np.tanh(x) ** 2) ** 2 - 8 * np.tanh(x) ** 3 * (1 - np.tanh(x) ** 2),
            ],
        ),
    ],
)
@pytest.mark.parametrize("mode", ["rev", "fwd", "mixed"])
def test_higher_order_closed_forms(f, derivs, mode):
    x = 0.7

    def d(g, k):
        if mode == "rev" or (mode == "mixed" and k % 2 == 0):
            return w.grad(g)
        return lambda x: w.jvp(g, (x,), (1.0,))[1]

    g = f
    for k, expected in enumerate(derivs(x)):
        g = d(g, k)
        np.testing.assert_allclose(g(x), expected, rtol=1e-10)


def test_perturbation_confusion_all_nestings():
    def inner_rev(x):
        return x * w.grad(lambda y: x + y)(1.0)

    def inner_fwd(x):
        return x * w.jvp(lambda y: x + y, (1.0,), (1.0,))[1]

    for inner in (inner_rev, inner_fwd):
        for x in (0.0, 2.5, -3.0):
            assert w.grad(inner)(x) == 1.0
            assert w.jvp(inner, (x,), (1.0,))[1] == 1.0


def test_rev_of_rev_of_fwd():
    # f(x) = x^4 ; d/dx via jvp, then two more reverse derivatives: 24 x
    def fwd(x):
        return w.jvp(lambda y: y**4, (x,), (1.0,))[1]

    np.testing.assert_allclose(w.grad(w.grad(fwd))(1.3), 24 * 1.3)
    np.testing.assert_allclose(w.grad(lambda x: w.jvp(w.grad(fwd), (x,), (1.0,))[1])(1.3), 24.0)


def test_linearize():
    out, f_jvp = w.linearize(lambda x: wnp.sin(x) * x, np.array([0.5, 1.0]))
    np.testing.assert_allclose(out, np.sin([0.5, 1.0]) * [0.5, 1.0])
    t = np.array([1.0, 2.0])
    x = np.array([0.5, 1.0])
    np.testing.assert_allclose(f_jvp(t), (np.cos(x) * x + np.sin(x)) * t)
    np.testing.assert_allclose(f_jvp(2 * t), 2 * f_jvp(t))


def test_jvp_errors():
    with pytest.raises(ValueError, match="shape"):
        w.jvp(wnp.sin, (np.ones(3),), (np.ones(2),))
    with pytest.raises(TypeError, match="structure"):
        w.jvp(lambda a, b: a * b, (1.0, 2.0), (1.0,))
    with pytest.raises(TypeError, match="dtype"):
        w.jvp(lambda x: x, (np.arange(3),), (np.ones(3),))
