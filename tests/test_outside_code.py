"""Behaviours that code written for NumPy, HIPS autograd or PyTorch relies on (issue 14,
section 2, the parts done so far)."""

from __future__ import annotations

import numpy as np
import pytest

import wengert as w
import wengert.numpy as wnp

X = np.array([1.0, 2.0, 3.0])


@pytest.mark.parametrize("shape", [(1,), (1, 1), (1, 1, 1)])
def test_grad_of_a_one_element_output_is_its_gradient(shape):
    """As autograd and PyTorch (``loss.backward()`` on a one-element tensor); JAX refuses."""
    g = w.grad(lambda v: wnp.reshape(wnp.sum(v**2), shape))(X)
    np.testing.assert_allclose(g, 2 * X)
    val, g2 = w.value_and_grad(lambda v: wnp.reshape(wnp.sum(v**2), shape))(X)
    assert np.shape(val) == shape
    np.testing.assert_allclose(g2, 2 * X)


def test_grad_of_a_several_element_output_is_still_refused():
    with pytest.raises(TypeError, match=r"must return a scalar \(one element\).*shape \(3,\)"):
        w.grad(lambda v: v * 2)(X)


@pytest.mark.parametrize(
    ("f", "df"),
    [
        (lambda v: wnp.mean([v, v + 2]), lambda v: 1.0),
        (lambda v: wnp.std([v, v * 3]), lambda v: 1.0),
        (lambda v: wnp.var([v, v * 3]), lambda v: 2 * v),
        (lambda v: wnp.linalg.norm([v, v * 3]), lambda v: np.sqrt(10.0)),
        (lambda v: wnp.sum(wnp.append(v, [v, 1.0])), lambda v: 2.0),
        (lambda v: wnp.prod([v, 1.0, 3.0]), lambda v: 3.0),
        (lambda v: wnp.sum([[v, 1.0], [2.0, v * v]]), lambda v: 1 + 2 * v),
        (lambda v: wnp.max((v, 2 * v, 0.5)), lambda v: 2.0),
        (lambda v: wnp.dot([v, 1.0], [2.0, v]), lambda v: 3.0),
    ],
)
def test_lists_and_tuples_of_traced_values_are_arrays(f, df):
    v = 2.0
    assert w.grad(f)(v) == pytest.approx(df(v))
    _, t = w.jvp(f, (v,), (1.0,))
    assert t == pytest.approx(df(v))


def test_sequence_functions_still_take_sequences_of_arrays():
    f = lambda v: wnp.sum(wnp.concatenate([v, v * 2]))  # noqa: E731
    np.testing.assert_allclose(w.grad(f)(X), 3 * np.ones(3))
    g = w.grad(lambda v: wnp.sum(wnp.stack([v, v]) ** 2))(X)
    np.testing.assert_allclose(g, 4 * X)


def test_plain_lists_keep_numpy_results_and_dtypes():
    assert wnp.prod([16, 1.0, 1.0], dtype=int) == np.prod([16, 1.0, 1.0], dtype=int)
    assert np.asarray(wnp.prod([16, 1.0, 1.0], dtype=int)).dtype == np.prod([16, 1.0, 1.0], dtype=int).dtype
    assert wnp.mean([1.0, 2.0]) == 1.5
    np.testing.assert_allclose(w.grad(lambda v: wnp.sum(v, dtype=np.float32))(X), np.ones(3))
    np.testing.assert_allclose(w.grad(lambda v: wnp.mean(v, dtype=np.float64))(X), np.ones(3) / 3)


def test_user_primitive_reads_like_its_function():
    @w.primitive
    def twice(x):
        """Twice x."""
        return 2 * x

    assert twice.__name__ == "twice"
    assert twice.__qualname__.endswith("twice")
    assert twice.__doc__ == "Twice x."
    assert twice.__wrapped__(3.0) == 6.0


def test_a_missing_rule_is_a_not_implemented_error():
    @w.primitive
    def norule(x):
        return x * 3

    assert issubclass(w.NoRuleError, NotImplementedError)
    with pytest.raises(NotImplementedError, match="has no VJP rule.*defvjp"):
        w.grad(norule)(1.0)
    with pytest.raises(NotImplementedError, match="has no JVP rule.*defjvp"):
        w.jvp(norule, (1.0,), (1.0,))


def test_vmap_with_pytree_in_axes_and_out_axes():
    params = {"w": np.array([1.0, 2.0, 3.0]), "b": np.arange(6.0).reshape(2, 3)}
    xs = np.ones((2, 3))
    got = w.vmap(lambda p, x: p["w"] * x + p["b"], in_axes=({"w": None, "b": 0}, 0))(params, xs)
    want = np.stack([params["w"] * x + b for x, b in zip(xs, params["b"])])
    np.testing.assert_allclose(got, want)
    res = w.vmap(lambda x: {"a": x, "b": x * 2}, out_axes={"a": 0, "b": 1})(np.ones((2, 3)))
    assert res["a"].shape == (2, 3) and res["b"].shape == (3, 2)
    with pytest.raises(ValueError, match="pytree prefix"):
        w.vmap(lambda p: p, in_axes=({"w": 0},))([1.0])


def test_std_and_var_of_one_element_agree_in_both_modes():
    """One element: var is 0 with gradient 0; std is 0 with gradient nan (the derivative of
    sqrt at 0), in reverse and forward mode alike (JAX's convention)."""
    x = np.array([1.5])
    with np.errstate(all="ignore"):
        gs, (_, ts) = w.grad(wnp.std)(x), w.jvp(wnp.std, (x,), (np.ones(1),))
        gv, (_, tv) = w.grad(wnp.var)(x), w.jvp(wnp.var, (x,), (np.ones(1),))
    assert np.isnan(gs).all() and np.isnan(ts)
    assert gv.tolist() == [0.0] and tv == 0.0


def test_numpy_random_is_importable_as_a_submodule():
    import wengert.numpy.random as npr

    npr.seed(0)
    a = npr.randn(3)
    np.random.seed(0)
    np.testing.assert_array_equal(a, np.random.randn(3))
    assert wnp.random is npr


def test_a_tracer_is_not_an_ndarray():
    """docs/conventions.md: test ``hasattr(x, "shape")`` or ``wnp.ndim``, not isinstance."""
    seen = []
    w.grad(lambda v: (seen.append((isinstance(v, np.ndarray), wnp.ndim(v), hasattr(v, "shape"))), wnp.sum(v))[1])(X)
    assert seen == [(False, 1, True)]


def _fd_grad(f, a, h=1e-6):
    g = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        e = np.zeros_like(a)
        e[idx] = h
        g[idx] = (f(a + e) - f(a - e)) / (2 * h)
    return g


def test_einsum_broadcasts_size_one_labels_as_numpy():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((1, 3, 2)), rng.standard_normal((5, 2, 4))
    c = rng.standard_normal((5, 3, 4))
    np.testing.assert_allclose(wnp.einsum("mnd,mdo->mno", a, b), np.einsum("mnd,mdo->mno", a, b))
    f = lambda lib: lambda a_: (lib.einsum("mnd,mdo->mno", a_, b) * c).sum()  # noqa: E731
    np.testing.assert_allclose(w.grad(f(wnp))(a), _fd_grad(f(np), a), atol=1e-6)
    g = lambda lib: lambda b_: (lib.einsum("mnd,mdo->mno", a, b_) * c).sum()  # noqa: E731
    _, t = w.jvp(g(wnp), (b,), (np.ones_like(b),))
    assert t == pytest.approx(g(np)(b + 1e-6) / 2e-6 - g(np)(b - 1e-6) / 2e-6, rel=1e-5)


def test_einsum_interleaved_operand_form():
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((2, 3)), rng.standard_normal((3, 4))
    for args in ((x, [0, 1], y, [1, 2], [0, 2]), (x, [0, 1], y, [1, 2]), (x, [Ellipsis, 1], y, [1, 2], [Ellipsis, 2])):
        np.testing.assert_allclose(wnp.einsum(*args), np.einsum(*args))
    grad = w.grad(lambda x_: wnp.sum(np.einsum(x_, [0, 1], y, [1, 2], [0, 2]) ** 2))(x)
    np.testing.assert_allclose(grad, 2 * (x @ y) @ y.T)
    with pytest.raises(ValueError, match="subscript label must be an integer"):
        wnp.einsum(x, [0, "i"], y, [1, 2])


def test_ravel_pytree_is_differentiable_both_ways():
    from wengert.optim import ravel_pytree

    params = {"a": np.array([1.0, -2.0]), "b": 2.0 * np.ones((2, 2))}
    g = w.grad(lambda p: wnp.sum(ravel_pytree(p)[0] ** 2))(params)
    np.testing.assert_allclose(g["a"], 2 * params["a"])
    np.testing.assert_allclose(g["b"], 2 * params["b"])
    flat, unravel = ravel_pytree(params)
    gv = w.grad(lambda v: wnp.sum(unravel(v)["b"] * 3.0) + wnp.sum(unravel(v)["a"]))(flat)
    np.testing.assert_allclose(gv, [1.0, 1.0, 3.0, 3.0, 3.0, 3.0])


@pytest.mark.parametrize(("ours", "theirs"), [("numpy", np), ("numpy.linalg", np.linalg), ("numpy.fft", np.fft)])
def test_every_public_numpy_name_exists(ours, theirs):
    import importlib

    mod = importlib.import_module(f"wengert.{ours}")
    missing = [n for n in dir(theirs) if not n.startswith("_") and n != "test" and not hasattr(mod, n)]
    assert missing == []


def test_passed_through_names_behave_as_numpy_and_name_themselves_when_traced():
    assert wnp.r_[1:3, 5].tolist() == [1, 2, 5]
    assert wnp.uint8 is np.uint8 and wnp.isscalar(1.0) and wnp.linalg.matrix_rank(np.eye(3)) == 3
    with wnp.errstate(divide="ignore"):
        assert wnp.divide(1.0, 0.0) == np.inf
    with pytest.raises(w.NoRuleError, match="numpy.unique was called on a traced value"):
        w.grad(lambda x: wnp.sum(wnp.unique(x)))(X)


def test_linalg_cross_is_differentiable():
    e3 = np.array([0.0, 0.0, 1.0])
    np.testing.assert_allclose(w.grad(lambda a: wnp.sum(np.linalg.cross(a, e3)))(X), [-1.0, 1.0, 0.0])
    np.testing.assert_allclose(wnp.linalg.cross(X, e3), np.linalg.cross(X, e3))
