"""Graph mode (define-and-run): ``trace(f)(*example_args)`` records the Wengert list once.

Covers the IR (inputs, equations, outputs, a shape and a dtype for every variable), pytree
inputs and outputs, printing, the evaluation-trace table of Baydin et al. (2018) with
forward tangents and reverse adjoints, and graphs of differentiated code (``trace(grad(f))``).
"""

from __future__ import annotations

import inspect
import math
from collections import namedtuple
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import wengert as w
import wengert.numpy as wnp
from wengert.graph import CapturedTracerError, ConcretizationError, Eqn, Graph, Literal, Var, trace
from wengert.tree import tree_leaves, tree_structure

# =============================================================================== helpers


def _collapse(text: str) -> list[str]:
    """Lines with runs of spaces collapsed (printing pads the type comments)."""
    return [" ".join(line.split()) for line in text.strip().splitlines()]


def _check_avals(g: Graph, *args: Any) -> None:
    """Every variable's recorded shape and dtype equal those of the value it takes when
    the equations run on ``args`` (flattened)."""
    leaves = tree_leaves(args)
    assert len(leaves) == len(g.inputs)
    env: dict[int, Any] = {}
    for v, x in zip(g.inputs, leaves):
        x = np.asarray(x)
        assert v.shape == x.shape and v.dtype == x.dtype, (v, x.shape, x.dtype)
        env[v.id] = x
    for e in g.eqns:
        assert isinstance(e, Eqn)
        vals = [env[i.id] if isinstance(i, Var) else i.value for i in e.inputs]
        out = e.prim.impl(*vals, **e.params)
        outs = out if e.prim.multiple_results else (out,)
        assert len(outs) == len(e.outputs)
        for v, o in zip(e.outputs, outs):
            assert isinstance(v, Var)
            assert v.shape == np.shape(o), (e, v.shape, np.shape(o))
            assert v.dtype == np.result_type(o), (e, v.dtype, np.result_type(o))
            env[v.id] = o
    for o in g.outputs:
        assert isinstance(o, (Var, Literal))
        if isinstance(o, Var):
            assert o.id in env, "an output is neither an input nor defined by an equation"


def _assert_tree_close(got: Any, want: Any, rtol: float = 1e-12, atol: float = 0.0) -> None:
    assert tree_structure(got) == tree_structure(want)
    for a, b in zip(tree_leaves(got), tree_leaves(want)):
        assert np.shape(a) == np.shape(b)
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


# =============================================================================== the IR


def baydin(x1: Any, x2: Any) -> Any:
    """f(x1, x2) = ln(x1) + x1*x2 - sin(x2), one step a line in the paper's order."""
    v1 = wnp.log(x1)
    v2 = x1 * x2
    v3 = wnp.sin(x2)
    v4 = v1 + v2
    v5 = v4 - v3
    return v5


def test_trace_returns_the_wengert_list() -> None:
    g = trace(baydin)(2.0, 5.0)
    assert isinstance(g, Graph)
    assert [v.name for v in g.inputs] == ["x1", "x2"]
    assert [e.prim.name for e in g.eqns] == ["log", "multiply", "sin", "add", "subtract"]
    assert len(g) == 5
    x1, x2 = g.inputs
    log_e, mul_e, sin_e, add_e, sub_e = g.eqns
    # the data flow: each equation's operands are earlier variables
    assert log_e.inputs == (x1,)
    assert mul_e.inputs == (x1, x2)
    assert sin_e.inputs == (x2,)
    assert add_e.inputs == (log_e.outputs[0], mul_e.outputs[0])
    assert sub_e.inputs == (add_e.outputs[0], sin_e.outputs[0])
    assert g.outputs == sub_e.outputs
    assert g.name == "baydin"
    _check_avals(g, 2.0, 5.0)


def test_printing_shows_the_wengert_list() -> None:
    g = trace(baydin)(2.0, 5.0)
    assert _collapse(str(g)) == [
        "baydin(x1: float64[], x2: float64[]):",
        "v1 = log(x1) # float64[]",
        "v2 = multiply(x1, x2) # float64[]",
        "v3 = sin(x2) # float64[]",
        "v4 = add(v1, v2) # float64[]",
        "v5 = subtract(v4, v3) # float64[]",
        "return v5",
    ]
    assert repr(g) == str(g)


def test_printing_shows_shapes_params_and_literals() -> None:
    def f(a: Any, b: Any) -> Any:
        return wnp.sum(a @ b * 2.0, axis=0), a.T

    g = trace(f)(np.ones((2, 3), np.float32), np.ones((3, 4), np.float32))
    lines = _collapse(str(g))
    assert lines[0] == "f(a: float32[2, 3], b: float32[3, 4]):"
    assert "v1 = matmul(a, b) # float32[2, 4]" in lines
    assert "v2 = multiply(v1, 2.0) # float32[2, 4]" in lines
    assert any(line.startswith("v3 = sum(v2, axis=(0,)") and line.endswith("# float32[4]") for line in lines)
    assert any(line.startswith("v4 = transpose(a") and line.endswith("# float32[3, 2]") for line in lines)
    assert lines[-1] == "return v3, v4"


def _unary_chain(x: Any) -> Any:
    return wnp.exp(wnp.sin(x) * 2.0) - x


def _broadcasting(x: Any, y: Any) -> Any:
    return wnp.maximum(x * y, 0.5) / (1.0 + y**2)


def _reductions(x: Any) -> Any:
    return wnp.sum(x, axis=1), wnp.max(x, axis=0, keepdims=True), wnp.mean(x), wnp.cumsum(x, axis=1)


def _structural(x: Any) -> Any:
    y = wnp.reshape(x, (3, 2))[::-1, 1:]
    return wnp.concatenate([y, wnp.transpose(x)], axis=1) @ np.ones((3, 2))


def _mixed_dtypes(x: Any, n: Any) -> Any:
    return x * n, n + 1, x > 0.5, wnp.where(x > 0.5, x, 0.0)


def _indexing(x: Any) -> Any:
    return x[np.array([0, 0, 1])], x[:, None, 1], x[x[:, 0] > 0.3]


AVAL_CASES: list[tuple[str, Callable, tuple]] = [
    ("unary-chain-f64", _unary_chain, (np.linspace(0.1, 0.9, 4),)),
    ("unary-chain-f32", _unary_chain, (np.linspace(0.1, 0.9, 4).astype(np.float32),)),
    ("broadcasting", _broadcasting, (np.ones((2, 1)) * 0.3, np.arange(3.0))),
    ("broadcasting-f32", _broadcasting, (np.ones((2, 1), np.float32), np.arange(3.0, dtype=np.float32))),
    ("reductions", _reductions, (np.arange(6.0).reshape(2, 3),)),
    ("structural", _structural, (np.arange(6.0).reshape(2, 3),)),
    ("int-and-bool", _mixed_dtypes, (np.array([0.2, 0.7]), np.array([1, 2], np.int32))),
    ("indexing", _indexing, (np.array([[0.1, 0.2], [0.5, 0.6], [0.9, 1.0]]),)),
    ("scalar", lambda x: wnp.tanh(x) ** 3, (0.25,)),
]


@pytest.mark.parametrize(("name", "f", "args"), AVAL_CASES, ids=[c[0] for c in AVAL_CASES])
def test_every_variable_has_its_shape_and_dtype(name: str, f: Callable, args: tuple) -> None:
    g = trace(f)(*args)
    _check_avals(g, *args)
    # and the graph computes what f computes, with the same dtypes
    _assert_tree_close(g(*args), f(*args))
    for a, b in zip(tree_leaves(g(*args)), tree_leaves(f(*args))):
        assert np.result_type(a) == np.result_type(b)


def test_equal_subexpressions_are_recorded_once() -> None:
    def f(x: Any) -> Any:
        return wnp.sin(x) * wnp.sin(x) + wnp.sin(x)

    g = trace(f)(0.3)
    assert [e.prim.name for e in g.eqns] == ["sin", "multiply", "add"]
    np.testing.assert_allclose(g(0.3), f(0.3))


def test_literal_and_input_outputs() -> None:
    def f(x: Any) -> Any:
        return x, 3.0, wnp.sin(x)

    g = trace(f)(np.ones(2))
    assert g.outputs[0] is g.inputs[0]
    assert isinstance(g.outputs[1], Literal) and g.outputs[1].value == 3.0
    out = g(np.array([0.5, 1.0]))
    assert isinstance(out, tuple) and len(out) == 3
    np.testing.assert_array_equal(out[0], [0.5, 1.0])
    assert out[1] == 3.0
    np.testing.assert_allclose(out[2], np.sin([0.5, 1.0]))


def test_graph_runs_on_new_values_of_the_same_shape() -> None:
    g = trace(baydin)(2.0, 5.0)
    for x1, x2 in [(1.0, 1.0), (3.5, -2.0), (0.1, 0.0)]:
        assert g(x1, x2) == pytest.approx(math.log(x1) + x1 * x2 - math.sin(x2), rel=1e-14)


def test_graph_is_not_retraced_by_calls() -> None:
    calls = []

    def f(x: Any) -> Any:
        calls.append(1)
        return x * 2.0

    g = trace(f)(np.ones(3))
    g(np.zeros(3))
    g(np.arange(3.0))
    assert len(calls) == 1


# =============================================================================== pytrees

Params = namedtuple("Params", ["W", "b"])


def _mlp(params: Params, batch: dict) -> dict:
    h = wnp.tanh(batch["x"] @ params.W + params.b)
    return {"loss": wnp.mean((h - batch["y"]) ** 2), "hidden": [h, h.T], "none": None}


def _mlp_args() -> tuple:
    rng = np.random.default_rng(0)
    params = Params(rng.standard_normal((3, 2)), rng.standard_normal(2))
    batch = {"x": rng.standard_normal((4, 3)), "y": rng.standard_normal((4, 2))}
    return params, batch


def test_pytree_inputs_and_outputs() -> None:
    params, batch = _mlp_args()
    g = trace(_mlp)(params, batch)
    # inputs are the leaves, named by parameter and path
    assert [v.name for v in g.inputs] == ["params_W", "params_b", "batch_x", "batch_y"]
    assert [v.shape for v in g.inputs] == [(3, 2), (2,), (4, 3), (4, 2)]
    assert g.in_tree == tree_structure((params, batch))
    assert g.out_tree == tree_structure(_mlp(params, batch))
    # calling the graph takes and returns the same structures
    rng = np.random.default_rng(1)
    p2 = Params(rng.standard_normal((3, 2)), rng.standard_normal(2))
    b2 = {"x": rng.standard_normal((4, 3)), "y": rng.standard_normal((4, 2))}
    out = g(p2, b2)
    assert set(out) == {"loss", "hidden", "none"} and out["none"] is None
    _assert_tree_close(out, _mlp(p2, b2))
    _check_avals(g, params, batch)


def test_pytree_gradient_graph() -> None:
    params, batch = _mlp_args()
    loss = lambda p, b: _mlp(p, b)["loss"]
    g = trace(w.grad(loss))(params, batch)
    got = g(params, batch)
    assert isinstance(got, Params)
    _assert_tree_close(got, w.grad(loss)(params, batch), rtol=1e-12, atol=1e-15)


# =============================================================================== evaluation trace
# Baydin, Pearlmutter, Radul, Siskind (2018), "Automatic differentiation in machine learning:
# a survey", Tables 2 and 3: f(x1, x2) = ln(x1) + x1 x2 - sin(x2) at (x1, x2) = (2, 5).
# The paper's v_{-1}, v_0 are our inputs x1, x2; its v1..v5 are our v1..v5.

BAYDIN_VALUES = {
    "x1": 2.0,
    "x2": 5.0,
    "v1": math.log(2.0),
    "v2": 10.0,
    "v3": math.sin(5.0),
    "v4": math.log(2.0) + 10.0,
    "v5": math.log(2.0) + 10.0 - math.sin(5.0),
}
# Table 2 (forward mode, seeded with dx1 = 1, dx2 = 0)
BAYDIN_TANGENTS = {"x1": 1.0, "x2": 0.0, "v1": 0.5, "v2": 5.0, "v3": 0.0, "v4": 5.5, "v5": 5.5}
# Table 3 (reverse mode, seeded with adjoint 1 on y = v5)
BAYDIN_ADJOINTS = {
    "x1": 5.5,
    "x2": 2.0 - math.cos(5.0),
    "v1": 1.0,
    "v2": 1.0,
    "v3": -1.0,
    "v4": 1.0,
    "v5": 1.0,
}
BAYDIN_STEPS = {
    "x1": "input",
    "x2": "input",
    "v1": "log(x1)",
    "v2": "x1 * x2",
    "v3": "sin(x2)",
    "v4": "v1 + v2",
    "v5": "v4 - v3",
}


def test_baydin_table_2_primal_trace() -> None:
    g = trace(baydin)(2.0, 5.0)
    t = g.evaluation_trace(2.0, 5.0)
    assert t.columns == ["variable", "step", "value"]
    assert [r["variable"] for r in t.rows] == list(BAYDIN_VALUES)
    for r in t.rows:
        assert r["step"] == BAYDIN_STEPS[r["variable"]]
        assert float(r["value"]) == pytest.approx(BAYDIN_VALUES[r["variable"]], rel=1e-15)
    # the paper prints three decimals: 0.693, 10.000, -0.959, 10.693, 11.652
    assert [round(float(r["value"]), 3) for r in t.rows] == [2.0, 5.0, 0.693, 10.0, -0.959, 10.693, 11.652]


def test_baydin_table_2_forward_tangents() -> None:
    g = trace(baydin)(2.0, 5.0)
    t = g.evaluation_trace(2.0, 5.0, tangents=(1.0, 0.0))
    assert t.columns == ["variable", "step", "value", "tangent"]
    for r in t.rows:
        assert float(r["tangent"]) == pytest.approx(BAYDIN_TANGENTS[r["variable"]], rel=1e-15, abs=1e-15)
    # seeding dx2 = 1 instead gives the other partial derivative at the output
    t2 = g.evaluation_trace(2.0, 5.0, tangents=(0.0, 1.0))
    assert float(t2.rows[-1]["tangent"]) == pytest.approx(2.0 - math.cos(5.0), rel=1e-14)


def test_baydin_table_3_reverse_adjoints() -> None:
    g = trace(baydin)(2.0, 5.0)
    t = g.evaluation_trace(2.0, 5.0, adjoints=True)
    assert t.columns == ["variable", "step", "value", "adjoint"]
    for r in t.rows:
        assert float(r["adjoint"]) == pytest.approx(BAYDIN_ADJOINTS[r["variable"]], rel=1e-14, abs=1e-15)
    # the paper's rounded entries
    adj = {r["variable"]: round(float(r["adjoint"]), 3) for r in t.rows}
    assert adj == {"x1": 5.5, "x2": 1.716, "v1": 1.0, "v2": 1.0, "v3": -1.0, "v4": 1.0, "v5": 1.0}


def test_evaluation_trace_both_columns_and_text() -> None:
    g = trace(baydin)(2.0, 5.0)
    t = g.evaluation_trace(2.0, 5.0, tangents=(1.0, 0.0), adjoints=True)
    assert t.columns == ["variable", "step", "value", "tangent", "adjoint"]
    text = str(t)
    lines = _collapse(text)
    assert lines[0] == "variable step value tangent adjoint"
    assert "v2 x1 * x2 10.0000 5.0000 1.0000" in lines
    assert "x2 input 5.0000 0.0000 1.7163" in lines
    assert "v5 v4 - v3 11.6521 5.5000 1.0000" in lines
    md = t.to_markdown().splitlines()
    assert md[0] == "| variable | step | value | tangent | adjoint |"
    assert len(md) == 2 + 7
    assert "<table>" in t._repr_html_()


def test_evaluation_trace_of_the_one_line_function() -> None:
    """Written as one expression, Python evaluates the sin after the add; the rows follow
    the order of evaluation, with the same values per step."""

    def f(x1: Any, x2: Any) -> Any:
        return wnp.log(x1) + x1 * x2 - wnp.sin(x2)

    g = trace(f)(2.0, 5.0)
    t = g.evaluation_trace(2.0, 5.0, tangents=(1.0, 0.0), adjoints=True)
    by_step = {r["step"]: r for r in t.rows}
    assert set(by_step) == {"input", "log(x1)", "x1 * x2", "v1 + v2", "sin(x2)", "v3 - v4"}
    assert float(by_step["sin(x2)"]["adjoint"]) == pytest.approx(-1.0)
    assert float(by_step["x1 * x2"]["tangent"]) == pytest.approx(5.0)
    assert float(t.rows[-1]["value"]) == pytest.approx(BAYDIN_VALUES["v5"])
    assert float(t.rows[0]["adjoint"]) == pytest.approx(5.5)


def test_evaluation_trace_of_arrays() -> None:
    def f(x: Any) -> Any:
        return wnp.sum(wnp.sin(x) * x)

    x = np.array([0.1, 0.2, 0.3])
    g = trace(f)(x)
    t = g.evaluation_trace(x, tangents=(np.array([1.0, 0.0, 0.0]),), adjoints=True)
    rows = {r["variable"]: r for r in t.rows}
    np.testing.assert_allclose(rows["x"]["adjoint"], np.cos(x) * x + np.sin(x))
    np.testing.assert_allclose(rows["v1"]["tangent"], [np.cos(0.1), 0.0, 0.0])
    np.testing.assert_allclose(rows["v3"]["tangent"], np.cos(0.1) * 0.1 + np.sin(0.1))


def test_evaluation_trace_errors() -> None:
    g = trace(baydin)(2.0, 5.0)
    with pytest.raises(ValueError, match="2 inputs"):
        g.evaluation_trace(2.0)
    gv = trace(lambda x: wnp.sin(x))(np.ones(3))
    with pytest.raises(ValueError, match="scalar output"):
        gv.evaluation_trace(np.ones(3), adjoints=True)


# =============================================================================== differentiating graphs


def test_trace_of_grad_is_the_gradient_graph() -> None:
    g = trace(w.grad(baydin, argnums=(0, 1)))(2.0, 5.0)
    _check_avals(g, 2.0, 5.0)
    names = [e.prim.name for e in g.eqns]
    assert "cos" in names and "reciprocal" in names  # d sin = cos, d log = 1/x
    d1, d2 = g(2.0, 5.0)
    assert d1 == pytest.approx(5.5) and d2 == pytest.approx(2.0 - math.cos(5.0))
    # the same graph at another point
    d1, d2 = g(3.0, 0.5)
    assert d1 == pytest.approx(1 / 3 + 0.5) and d2 == pytest.approx(3.0 - math.cos(0.5))
    # it is an ordinary graph: printable, optimizable, with the forward pass dead after optimize
    text = str(g)
    assert "cos(x2)" in text
    opt = g.optimize()
    assert len(opt) < len(g)
    assert "log" not in [e.prim.name for e in opt.eqns]
    assert opt(2.0, 5.0) == pytest.approx((5.5, 2.0 - math.cos(5.0)))


def test_trace_of_vjp_and_jvp() -> None:
    def f(x: Any) -> Any:
        return wnp.sin(x) * x

    x = np.array([0.3, -0.4])
    v = np.array([1.0, 2.0])

    def pullback(x: Any, ct: Any) -> Any:
        out, f_vjp = w.vjp(f, x)
        return out, f_vjp(ct)[0]

    def pushforward(x: Any, t: Any) -> Any:
        return w.jvp(f, (x,), (t,))

    deriv = np.cos(x) * x + np.sin(x)
    gv = trace(pullback)(x, v)
    gj = trace(pushforward)(x, v)
    for g in (gv, gj):
        _check_avals(g, x, v)
        out, d = g(x, v)
        np.testing.assert_allclose(out, f(x))
        np.testing.assert_allclose(d, deriv * v)


def test_trace_of_second_derivative() -> None:
    g = trace(w.grad(w.grad(lambda x: wnp.sin(x) ** 3)))(0.7)
    want = lambda x: 6 * math.sin(x) * math.cos(x) ** 2 - 3 * math.sin(x) ** 3
    for x in (0.7, -1.2):
        assert g(x) == pytest.approx(want(x), rel=1e-13)


def test_graph_evaluation_is_differentiable() -> None:
    """``Graph.evaluate`` runs the equations through ``bind``, so every transformation sees
    them: the gradient of a graph's evaluation is the function's gradient."""
    g = trace(baydin)(2.0, 5.0)
    fg = lambda a, b: g.evaluate(a, b)[0]
    grads = w.grad(fg, argnums=(0, 1))(2.0, 5.0)
    assert grads == pytest.approx((5.5, 2.0 - math.cos(5.0)))
    assert w.jvp(fg, (2.0, 5.0), (1.0, 0.0))[1] == pytest.approx(5.5)
    np.testing.assert_allclose(w.vmap(fg)(np.array([2.0, 3.0]), np.array([5.0, 1.0])), [baydin(2.0, 5.0), baydin(3.0, 1.0)])


def test_graphs_are_immutable_passes_return_new_graphs() -> None:
    g = trace(lambda x: x * 1.0 + 0.0)(np.ones(2))
    before = (g.inputs, g.eqns, g.outputs)
    opt = g.optimize()
    assert opt is not g
    assert (g.inputs, g.eqns, g.outputs) == before
    assert len(opt) == 0 and len(g) == 2
    assert isinstance(g.eqns, tuple) and isinstance(g.inputs, tuple)


def test_dot_output() -> None:
    from wengert.graph.printing import to_dot

    dot = to_dot(trace(baydin)(2.0, 5.0))
    assert dot.startswith('digraph "baydin"')
    assert dot.count("->") == 8 + 1  # 8 operand edges and one edge to the output


# =============================================================================== errors


def test_python_if_on_traced_value_names_the_line() -> None:
    def f(x: Any) -> Any:
        if wnp.sum(x) > 0:  # the offending line
            return x
        return -x

    line = inspect.getsourcelines(f)[1] + 1
    with pytest.raises(ConcretizationError) as info:
        trace(f)(np.ones(2))
    msg = str(info.value)
    assert f"{__file__}:{line}" in msg
    assert "cond" in msg and "while_loop" in msg
    assert isinstance(info.value, w.WengertError) and isinstance(info.value, TypeError)


def test_int_and_index_of_traced_value_raise() -> None:
    with pytest.raises(ConcretizationError, match="int"):
        trace(lambda x: int(x))(1.0)
    with pytest.raises(ConcretizationError, match="index"):
        trace(lambda x, y: [1.0, 2.0][y])(1.0, np.int64(0))


def test_float_of_traced_value_raises() -> None:
    with pytest.raises(w.TracerConversionError):
        trace(lambda x: float(x))(1.0)


def test_escaped_tracer_is_an_error() -> None:
    leaked = []

    def f(x: Any) -> Any:
        leaked.append(x)
        return x * 2.0

    trace(f)(1.0)
    with pytest.raises(w.WengertError, match="escaped"):
        wnp.sin(leaked[0])
    with pytest.raises(w.WengertError):
        trace(lambda y: y + leaked[0])(1.0)


def test_closing_over_an_outer_tracer_is_an_error() -> None:
    def outer(c: Any) -> Any:
        g = trace(lambda x: x * c)(1.0)
        return g(1.0)

    with pytest.raises(CapturedTracerError, match="argument"):
        w.grad(outer)(2.0)
    with pytest.raises(CapturedTracerError):
        w.grad(lambda c: trace(lambda x: x)(c))(2.0)
