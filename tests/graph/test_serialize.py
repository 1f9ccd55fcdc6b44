"""Graphs to and from JSON (``Graph.to_json`` / ``Graph.from_json``, format "wengert-graph"
version 1, documented in wengert/graph/serialize.py): round trips evaluate the same, and
loading refuses unknown primitives and malformed files with ``GraphFormatError``."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import wengert as w
import wengert.numpy as wnp
from wengert.graph import Graph, cond, jit, scan, trace, while_loop
from wengert.graph.serialize import FORMAT, VERSION, GraphFormatError
from wengert.tree import tree_leaves

# =============================================================================== round trips


def _loss(W: Any, b: Any, x: Any) -> Any:
    h = wnp.tanh(x @ W + b)
    return wnp.mean(h**2) + 0.1 * wnp.sum(W * W) - wnp.max(x[1:, ::2])


def _args(seed: int = 0) -> tuple:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((3, 2)), rng.standard_normal(2), rng.standard_normal((4, 3))


def _same(got: Any, want: Any, rtol: float = 0.0) -> None:
    g, wt = tree_leaves(got), tree_leaves(want)
    assert len(g) == len(wt)
    for a, b in zip(g, wt):
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=rtol, atol=0)


def test_round_trip_of_a_gradient_graph() -> None:
    args = _args()
    g = trace(w.grad(_loss, argnums=(0, 1, 2)))(*args)
    text = g.to_json()
    d = json.loads(text)  # it is JSON
    assert d["format"] == FORMAT == "wengert-graph" and d["version"] == VERSION == 1
    assert set(d) == {"format", "version", "name", "inputs", "eqns", "outputs"}
    g2 = Graph.from_json(text)
    assert isinstance(g2, Graph)
    assert [e.prim.name for e in g2.eqns] == [e.prim.name for e in g.eqns]
    assert [(v.shape, v.dtype, v.name) for v in g2.inputs] == [(v.shape, v.dtype, v.name) for v in g.inputs]
    assert str(g2) == str(g)
    assert g2.source() == g.source()
    for seed in range(3):
        a = _args(seed)
        want = w.grad(_loss, argnums=(0, 1, 2))(*a)
        _same(g2.compile()(*a), tree_leaves(want), rtol=1e-13)
        _same(g2.evaluate(*a), g.evaluate(*a))
    assert g2.to_json() == text  # stable


def test_round_trip_of_an_optimized_jit_graph() -> None:
    args = _args()
    g = jit(w.value_and_grad(_loss)).lower(*args)
    g2 = Graph.from_json(g.to_json())
    v, dW = g2.compile()(*args)
    v0, dW0 = w.value_and_grad(_loss)(*args)
    assert v == pytest.approx(v0, rel=1e-14)
    np.testing.assert_allclose(dW, dW0, rtol=1e-13)


def _control(W: Any, xs: Any) -> Any:
    h, ys = scan(lambda h, x: (wnp.tanh(W @ h + x), wnp.sum(h)), np.zeros(2), xs)
    s = wnp.sum(ys) + wnp.sum(h)
    s = cond(s > 0, lambda a: a * 2.0, lambda a: -a, s)
    y, _ = while_loop(lambda c: c[1] < 3, lambda c: (c[0] * 0.5 + s, c[1] + 1), (s, 0))
    return y


def test_round_trip_of_control_flow_and_its_gradient() -> None:
    rng = np.random.default_rng(0)
    W, xs = 0.5 * rng.standard_normal((2, 2)), rng.standard_normal((3, 2))
    for f in (_control, w.grad(_control)):
        g = trace(f)(W, xs)
        text = g.to_json()
        assert '"graph"' in text  # sub-graphs are nested objects
        g2 = Graph.from_json(text)
        for seed in range(2):
            r = np.random.default_rng(seed + 10)
            a = (0.5 * r.standard_normal((2, 2)), r.standard_normal((3, 2)))
            _same(g2.compile()(*a), tree_leaves(f(*a)), rtol=1e-12)
        assert g2.to_json() == text


LITERAL_FUNCS: list[tuple[str, Callable, tuple]] = [
    ("f32-scalar-consts", lambda x: x * np.float32(0.5) + 2.0, (np.ones(3, np.float32),)),
    ("int-and-bool", lambda x, n: (x * n, n + 3, x > 0.5, wnp.where(x > 0.5, x, -1.0)), (np.arange(3.0), np.arange(3))),
    ("array-consts", lambda x: x * np.array([1.0, -2.0, 3.5]) + np.arange(3, dtype=np.int32), (np.ones(3),)),
    ("inf-nan", lambda x: wnp.minimum(x, np.inf) + wnp.where(x > 10.0, np.nan, 0.0) + wnp.maximum(x, -np.inf), (np.ones(2),)),
    (
        "indexing",
        lambda x: (x[1:, ::-1], x[..., None, 0], x[np.array([2, 0, 2])], x[x[:, 0] > 0.0]),
        (np.arange(6.0).reshape(3, 2) - 2,),
    ),
    (
        "astype-reduce",
        lambda x: (wnp.sum(x.astype(np.float32), axis=(0,), keepdims=True), wnp.cumsum(x, axis=1)),
        (np.ones((2, 3)),),
    ),
    (
        "einsum-concat",
        lambda a, b: wnp.concatenate([wnp.einsum("ij,jk->ik", a, b), a], axis=1),
        (np.ones((2, 2)), np.ones((2, 2))),
    ),
    ("complex", lambda x: wnp.real(x * (1.0 + 2.0j)) + wnp.imag(x * 1j), (np.arange(3.0),)),
    ("huge-python-int", lambda x: x * float(2**80) + (10**30 % 7), (np.ones(2),)),
]


@pytest.mark.parametrize(("name", "f", "args"), LITERAL_FUNCS, ids=[c[0] for c in LITERAL_FUNCS])
def test_round_trip_of_literals_and_params(name: str, f: Callable, args: tuple) -> None:
    g = trace(f)(*args)
    text = g.to_json()
    g2 = Graph.from_json(text)
    assert g2.to_json() == text
    assert str(g2) == str(g)
    _same(g2.compile()(*args), g.compile()(*args))
    _same(g2.evaluate(*args), g.evaluate(*args))


def test_loaded_graph_is_an_ordinary_graph() -> None:
    args = _args()
    g2 = Graph.from_json(trace(_loss)(*args).to_json())
    # it can be optimized, differentiated and traced again
    assert len(g2.optimize()) <= len(g2)
    dW = w.grad(lambda W: g2.evaluate(W, *args[1:])[0])(args[0])
    np.testing.assert_allclose(dW, w.grad(_loss)(*args), rtol=1e-13)
    g3 = trace(lambda *a: g2.evaluate(*a)[0])(*args)
    assert g3.compile()(*args)[0] == pytest.approx(_loss(*args), rel=1e-14)


def test_round_trip_of_a_graph_with_an_inner_jit_under_grad() -> None:
    inner = jit(lambda x: wnp.sin(x) * 2.0)
    f = w.value_and_grad(lambda x: wnp.sum(inner(x)))
    x = np.array([0.1, 0.2, 0.3])
    g2 = Graph.from_json(trace(f)(x).to_json())
    _same(g2.compile()(x), tree_leaves(f(x)), rtol=1e-14)


# =============================================================================== malformed files

BASE_TEXT = trace(w.grad(lambda x, y: wnp.sum(wnp.sin(x) * y[0])))(np.ones(2), np.ones(3)).to_json()
BASE = json.loads(BASE_TEXT)


def _edit(fn: Callable[[dict], Any]) -> str:
    d = copy.deepcopy(BASE)
    fn(d)
    return json.dumps(d)


def _set(path: tuple, value: Any) -> Callable[[dict], None]:
    def fn(d: dict) -> None:
        for k in path[:-1]:
            d = d[k]
        d[path[-1]] = value

    return fn


def _delete(path: tuple) -> Callable[[dict], None]:
    def fn(d: dict) -> None:
        for k in path[:-1]:
            d = d[k]
        del d[path[-1]]

    return fn


MALFORMED: list[tuple[str, Any, str]] = [
    ("unknown-primitive", _edit(_set(("eqns", 0, "prim"), "frobnicate")), "unknown primitive 'frobnicate'"),
    ("primitive-not-a-string", _edit(_set(("eqns", 0, "prim"), 7)), "unknown primitive 7"),
    ("missing-primitive", _edit(_delete(("eqns", 0, "prim"))), "unknown primitive None"),
    ("truncated-json", BASE_TEXT[: len(BASE_TEXT) // 2], "not valid JSON"),
    ("not-json", "def f(x): return x", "not valid JSON"),
    ("empty", "", "not valid JSON"),
    ("json-list", "[1, 2, 3]", "not a wengert graph"),
    ("wrong-format", _edit(_set(("format",), "onnx")), "not a wengert graph"),
    ("no-format", _edit(_delete(("format",))), "not a wengert graph"),
    ("wrong-version", _edit(_set(("version",), 2)), "unsupported graph format version 2"),
    ("no-version", _edit(_delete(("version",))), "unsupported graph format version None"),
    ("version-as-string", _edit(_set(("version",), "1")), "unsupported graph format version '1'"),
    ("negative-shape", _edit(_set(("inputs", 0, "shape"), [-1])), "invalid shape"),
    ("float-shape", _edit(_set(("inputs", 0, "shape"), [2.5])), "invalid shape"),
    ("string-shape", _edit(_set(("inputs", 0, "shape"), "2")), "shape"),
    ("nested-shape", _edit(_set(("inputs", 0, "shape"), [[2]])), "invalid shape"),
    ("output-negative-shape", _edit(_set(("eqns", 0, "outputs", 0, "shape"), [2, -3])), "invalid shape"),
    ("missing-shape", _edit(_delete(("inputs", 0, "shape"))), "shape"),
    ("object-dtype", _edit(_set(("inputs", 0, "dtype"), "object")), "unsupported dtype"),
    ("nonsense-dtype", _edit(_set(("inputs", 0, "dtype"), "float65")), "dtype"),
    ("missing-id", _edit(_delete(("inputs", 0, "id"))), "integer 'id'"),
    ("duplicate-id", _edit(lambda d: d["inputs"][1].__setitem__("id", d["inputs"][0]["id"])), "defined twice"),
    ("use-before-define", _edit(lambda d: d["eqns"].reverse()), "used before it is defined"),
    ("undefined-variable", _edit(_set(("eqns", 0, "inputs", 0), {"var": 999})), "variable 999 is used before"),
    ("undefined-output", _edit(_set(("outputs", 0), {"var": 999})), "used before it is defined"),
    ("bad-operand", _edit(_set(("eqns", 0, "inputs", 0), 5)), "operand must be"),
    ("eqn-not-an-object", _edit(_set(("eqns", 0), [1, 2])), "expected an object"),
    ("eqns-not-a-list", _edit(_set(("eqns",), {"a": 1})), "'eqns'"),
    ("missing-inputs", _edit(_delete(("inputs",))), "'inputs'"),
    ("missing-outputs", _edit(_delete(("outputs",))), "'outputs'"),
    ("params-not-an-object", _edit(_set(("eqns", 0, "params"), [1])), "'params'"),
    ("unknown-tag", _edit(_set(("eqns", 0, "inputs", 0), {"lit": {"pickle": "gASV"}})), "unknown tagged value"),
    ("empty-tag", _edit(_set(("eqns", 0, "inputs", 0), {"lit": {}})), "unexpected value"),
    ("bad-subgraph", _edit(_set(("eqns", 0, "params", "body"), {"graph": [1]})), "expected an object"),
]


@pytest.mark.parametrize(("name", "text", "match"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_files_are_rejected(name: str, text: str, match: str) -> None:
    with pytest.raises(GraphFormatError, match=match) as info:
        Graph.from_json(text)
    assert isinstance(info.value, w.WengertError) and isinstance(info.value, ValueError)


def test_errors_say_where() -> None:
    text = _edit(_set(("eqns", 2, "inputs", 0), {"var": 999}))
    with pytest.raises(GraphFormatError, match=r"graph\.eqns\[2\]"):
        Graph.from_json(text)
    with pytest.raises(GraphFormatError, match=r"graph\.inputs\[1\]"):
        Graph.from_json(_edit(_set(("inputs", 1, "shape"), [-2])))


def test_bad_sub_graph_is_rejected_with_its_path() -> None:
    rng = np.random.default_rng(0)
    text = trace(_control)(0.5 * rng.standard_normal((2, 2)), rng.standard_normal((3, 2))).to_json()
    d = json.loads(text)
    (k,) = [i for i, e in enumerate(d["eqns"]) if e["prim"] == "scan"]
    d["eqns"][k]["params"]["body"]["graph"]["eqns"][0]["prim"] = "frobnicate"
    with pytest.raises(GraphFormatError, match=rf"graph\.eqns\[{k}\]\.params\.body\.graph\.eqns\[0\]: unknown primitive"):
        Graph.from_json(json.dumps(d))


MALFORMED_VALUES: list[tuple[str, str]] = [
    (
        "array-shape-mismatch",
        _edit(_set(("eqns", 0, "inputs", 0), {"lit": {"array": [1, 2, 3], "dtype": "<f8", "shape": [2, 2]}})),
    ),
    ("complex-one-part", _edit(_set(("eqns", 0, "inputs", 0), {"lit": {"complex": [1.0]}}))),
    ("float-not-a-number", _edit(_set(("eqns", 0, "inputs", 0), {"lit": {"float": "abc"}}))),
    ("slice-too-long", _edit(_set(("eqns", 0, "params", "idx"), {"slice": [1, 2, 3, 4]}))),
    ("boolean-shape", _edit(_set(("inputs", 0, "shape"), [True]))),
    ("name-not-a-string", _edit(_set(("inputs", 0, "name"), 5))),
    ("missing-dtype", _edit(_delete(("inputs", 0, "dtype")))),
]


@pytest.mark.parametrize(("name", "text"), MALFORMED_VALUES, ids=[m[0] for m in MALFORMED_VALUES])
def test_malformed_values_are_rejected(name: str, text: str) -> None:
    with pytest.raises(GraphFormatError):
        Graph.from_json(text)


def test_loading_never_runs_code_from_the_file() -> None:
    import builtins

    # the payload is a parameter default: the graph's last input, which no equation uses
    g0 = trace(lambda x, unused: wnp.sin(x))(1.0, 2.0)
    d = json.loads(g0.to_json())
    d["inputs"][1]["name"] = "unused=__import__('builtins').setattr(__import__('builtins'), '_wengert_pwned', 1)"
    text = json.dumps(d)
    try:
        g = Graph.from_json(text)
    except GraphFormatError:
        return  # refused: fine
    try:
        g.compile()
    except Exception:
        pass
    pwned = getattr(builtins, "_wengert_pwned", None)
    if pwned is not None:
        del builtins._wengert_pwned
    assert pwned is None, "code from the JSON file ran"


def test_serializing_an_unsupported_value_is_a_clear_error() -> None:
    g = trace(lambda x: x * 2.0)(1.0)
    g.eqns[0].params["callback"] = print  # a Python function cannot go into JSON
    with pytest.raises(GraphFormatError, match="cannot serialize a value of type"):
        g.to_json()


# =============================================================================== parameter schemas


def _all_builtin_primitives() -> list:
    """Every primitive object defined by wengert's own modules (ops, nn, control flow)."""
    import importlib
    import pkgutil

    import wengert.nn
    import wengert.ops
    import wengert.scipy  # noqa: F401  (registers the SciPy-backed primitives)
    from wengert.core.primitive import Primitive
    mods = [importlib.import_module(f"wengert.ops.{m.name}") for m in pkgutil.iter_modules(wengert.ops.__path__)]
    mods += [wengert.nn, importlib.import_module("wengert.graph.control")]
    found = {}
    for mod in mods:
        for v in vars(mod).values():
            if isinstance(v, Primitive) and Primitive.registry.get(v.name) is v:
                found[v.name] = v
            if isinstance(v, dict):  # tables of primitives (comparisons)
                found.update({p.name: p for p in v.values() if isinstance(p, Primitive)})
            bound = getattr(v, "__self__", None)  # public functions that are a primitive's bind
            if isinstance(bound, Primitive):
                found[bound.name] = bound
    return sorted(found.values(), key=lambda p: p.name)


def test_every_builtin_primitive_declares_a_parameter_schema() -> None:
    prims = _all_builtin_primitives()
    assert len(prims) > 150
    assert [p.name for p in prims if p.param_schema is None] == []


def _ops_with_params() -> list[tuple[str, Callable, tuple]]:
    import wengert.nn as nn
    import wengert.scipy.linalg as sla
    import wengert.scipy.signal as ssig
    import wengert.scipy.special as ssp

    x = np.array([[3.0, -1.0, 2.0], [0.5, 4.0, -2.0]])
    spd = np.array([[4.0, 1.0], [1.0, 3.0]])
    return [
        ("sort-family", lambda a: (wnp.argsort(a, axis=1), wnp.argpartition(a, 1, axis=1), wnp.lexsort(a)), (x,)),
        ("search", lambda a: (wnp.searchsorted(np.arange(4.0), a[0], side="right"), wnp.digitize(a, np.arange(3.0))), (x,)),
        ("counting", lambda a: (wnp.count_nonzero(a > 0, axis=1), wnp.nanargmax(a, axis=0), wnp.argmax(a)), (x,)),
        ("compare", lambda a: (wnp.isclose(a, 2.0, rtol=0.5), wnp.isin(a, np.array([2.0, 4.0]), invert=True)), (x,)),
        ("gather", lambda a: wnp.take_along_axis(a, np.array([[0], [2]]), axis=1) * 2.0, (x,)),
        ("round-clip", lambda a: wnp.round(a, 1) + wnp.clip(a, -1.0, 1.0), (x,)),
        ("fft", lambda a: (wnp.fft.fft(a, norm="ortho"), wnp.fft.rfft(a, n=4), wnp.fft.irfft(a)), (x,)),
        ("linalg", lambda a: (wnp.linalg.eigh(a, UPLO="U")[0], wnp.linalg.pinv(a), wnp.linalg.svd(a)[1]), (spd,)),
        ("lstsq", lambda a: wnp.linalg.lstsq(a, np.ones(2), rcond=None)[0], (spd,)),
        ("scipy-linalg", lambda a: (sla.solve_triangular(a, np.ones(2), lower=True), sla.expm(a)), (spd,)),
        ("scipy-special", lambda a: (ssp.gammainc(a + 4.0, 2.0), ssp.betainc(2.0, 3.0, 0.4), ssp.logsumexp(a, axis=1)), (x,)),
        ("signal", lambda a: ssig.convolve(a[0], a[1], mode="same"), (x,)),
        ("nn", lambda a: (nn.log_softmax(a, axis=1), nn.softmax_cross_entropy(a, np.array([0, 2]))), (x,)),
    ]


@pytest.mark.parametrize(("name", "f", "args"), _ops_with_params(), ids=[c[0] for c in _ops_with_params()])
def test_round_trip_of_ops_with_params(name: str, f: Callable, args: tuple) -> None:
    """The declared schemas admit exactly what tracing records for these ops."""
    g = trace(f)(*args)
    assert any(e.params for e in g.eqns)
    g2 = Graph.from_json(g.to_json())
    assert g2.to_json() == g.to_json()
    _same(g2.compile()(*args), g.compile()(*args), rtol=1e-14)
