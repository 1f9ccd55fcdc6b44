"""A primitive describes itself (one-place issue, item 1): a new elementwise op declared in
one place (its impl, its partial derivative, its description) is handled by every mode and
every reader of ops, with no table elsewhere to update."""

from __future__ import annotations

import numpy as np
import pytest

import wengert as w
import wengert.numpy as wnp
from wengert.core.primitive import Primitive
from wengert.ops.elementwise import defpartials


@pytest.fixture
def softplus():
    """softplus(x) = log(1 + e^x), declared the way an op file declares one."""
    p = Primitive("test_softplus", lambda x: np.logaddexp(0.0, x)).describe(
        math="softplus", latex=r"\operatorname{sp}", parse_names=("softplus",), nargs=1, fresh=True, finite=True
    )
    defpartials(p, lambda ans, x: wnp.exp(x - ans), save="both")  # the logistic function
    yield p
    del Primitive.registry[p.name]


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


X = np.array([-2.0, -0.5, 0.0, 1.5])


def test_eager_forward_and_reverse(softplus):
    f = lambda x: wnp.sum(softplus.bind(x) * x)  # noqa: E731
    np.testing.assert_allclose(w.grad(f)(X), _sigmoid(X) * X + np.logaddexp(0, X))
    _, t = w.jvp(softplus.bind, (X,), (np.ones_like(X),))
    np.testing.assert_allclose(t, _sigmoid(X))
    h = w.hessian(lambda x: wnp.sum(softplus.bind(x)))(X)  # the rule differentiates again
    np.testing.assert_allclose(np.diag(h), _sigmoid(X) * (1 - _sigmoid(X)), rtol=1e-12)


def test_vmap_broadcasts_like_any_elementwise_op(softplus):
    assert softplus.elementwise and softplus.batch is not None
    batch = np.stack([X, 2 * X, -X])
    got = w.vmap(lambda v: softplus.bind(v[:, None] + X))(batch)
    np.testing.assert_allclose(got, np.logaddexp(0, batch[:, :, None] + X))


def test_jit_codegen_and_graph(softplus):
    f = lambda x: wnp.sum(softplus.bind(x) ** 2)  # noqa: E731
    np.testing.assert_allclose(w.jit(w.grad(f))(X), 2 * np.logaddexp(0, X) * _sigmoid(X))
    src = w.trace(f)(X).source()
    assert "test_softplus(" in src  # the generic call of its impl


def test_printers_parser_and_symbolic_diff(softplus):
    from wengert.symbolic import diff, lambdify, latex, parse, symbols, to_str

    x = symbols("x")
    e = softplus.bind(x) * 2
    assert to_str(e) == "softplus(x)*2" or to_str(e) == "2*softplus(x)"
    assert r"\operatorname{sp}\left(x\right)" in latex(e)
    p = parse("softplus(x) + x")  # the parser reads the registry: no whitelist to edit
    (px,) = p.free_symbols
    d = lambdify(diff(p, px), [px])
    np.testing.assert_allclose(d(X), _sigmoid(X) + 1.0)
    assert to_str(parse(to_str(e))) == to_str(e)


def test_unknown_description_field_is_refused():
    p = Primitive("test_undescribed", np.sin, register=False)
    with pytest.raises(TypeError, match="unknown field 'elementwize'"):
        p.describe(elementwize=True)


def test_rewrite_rules_are_keyed_by_primitive_objects():
    from wengert.graph import passes

    with pytest.raises(TypeError, match="rules are keyed by the op itself"):
        passes.Rule("add_zero", "add", lambda e, producer: None)


def test_gradient_override_keeps_what_the_op_is():
    """An override's copy is the same op: same spelling in generated code, same rewrites."""
    f = lambda x: wnp.sum(wnp.exp(x) * 1.0)  # noqa: E731
    with w.gradient_override({"exp": lambda ct, ans, x: (ct * 2.0,)}):
        src = w.trace(w.grad(f))(X).source()
        g = w.jit(w.grad(f))(X)
    assert "np.exp(" in src
    np.testing.assert_allclose(g, 2.0 * np.ones_like(X))
