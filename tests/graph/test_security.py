"""A loaded graph never runs code from its file (issue 12, item 1).

- A corpus of hostile graph documents (code in parameter names and values, in primitive
  names, dtype strings, variable and graph names, literals and sub-graphs; newlines, quotes,
  dunders): a canary file must not appear, whichever of compile / call / evaluate /
  evaluation_trace / jit / printing is used on what loads.
- Malformed documents (wrong types, bad ids, cycles, huge shapes and integers, deep nesting)
  raise ``GraphFormatError`` and nothing else, also under random mutation (hypothesis).
- The code generator is safe by itself (graphs built in memory, bypassing the loader): only
  generated names and plain literals reach the source; infinite parameters compile.
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import wengert.numpy as wnp
from wengert.graph import Eqn, Graph, Var, cond, jit, scan, trace, while_loop
from wengert.graph.serialize import GraphFormatError, to_json

# =============================================================================== base graphs


def _concat(x: Any, y: Any) -> Any:
    return wnp.concatenate([wnp.sin(x), y], axis=0)


def _generic(a: Any) -> Any:  # linalg_cholesky prints as a call of its impl, with params
    return wnp.linalg.cholesky(a)


def _ops(x: Any) -> Any:
    s = wnp.einsum("ij,ij->i", x, x)
    return wnp.sum(wnp.cumsum(x[1:, ::-1], axis=1), axis=(0,)) + s[0] + x.astype(np.float32)[0, 0]


def _control(x: Any) -> Any:
    h, ys = scan(lambda h, xi: (wnp.cumsum(h * xi, axis=0), wnp.sum(h)), x, np.ones((2, 3)))
    h = cond(wnp.sum(h) > 0, lambda a: wnp.cumsum(a, axis=0), lambda a: -a, h)
    c, _ = while_loop(lambda c: c[1] < 2, lambda c: (wnp.cumsum(c[0], axis=0), c[1] + 1), (h, 0))
    return wnp.sum(c) + wnp.sum(ys)


BASES: dict[str, tuple[Callable, tuple]] = {
    "concat": (_concat, (np.ones(2), np.ones(3))),
    "generic": (_generic, (np.eye(2) * 2.0,)),
    "ops": (_ops, (np.arange(6.0).reshape(3, 2),)),
    "control": (_control, (np.full(3, 0.5),)),
}
DOCS = {k: json.loads(to_json(trace(f)(*a))) for k, (f, a) in BASES.items()}


def _eqn(d: dict, prim: str) -> dict:
    """The first equation of ``prim`` in ``d``, else in its sub-graphs."""
    for e in d["eqns"]:
        if e["prim"] == prim:
            return e
    for e in d["eqns"]:
        for p in e["params"].values():
            for g in _subgraphs(p):
                try:
                    return _eqn(g, prim)
                except KeyError:
                    pass
    raise KeyError(prim)


def _subgraphs(p: Any) -> list[dict]:
    if isinstance(p, dict) and "graph" in p:
        return [p["graph"]]
    if isinstance(p, dict) and "tuple" in p:
        return [g for x in p["tuple"] for g in _subgraphs(x)]
    return []


def _sub_eqn(d: dict, outer: str, prim: str) -> dict:
    """The first ``prim`` equation inside the sub-graph(s) of the first ``outer`` equation."""
    e = next(e for e in d["eqns"] if e["prim"] == outer)
    for p in e["params"].values():
        for g in _subgraphs(p):
            for inner in g["eqns"]:
                if inner["prim"] == prim:
                    return inner
    raise KeyError(prim)


# =============================================================================== hostile corpus
# Each entry: (id, base, edit(doc, payload)).  ``payload`` is a Python expression that creates
# the canary file; the edits put it where a careless loader or code generator would run it.


def _set_param(prim: str, name: str, value: Callable[[str], Any], keep: bool = True) -> Callable:
    def edit(d: dict, p: str) -> None:
        e = _eqn(d, prim)
        if not keep:
            e["params"].clear()
        e["params"][name] = value(p)

    return edit


def _set_sub_param(outer: str, prim: str, name: str, value: Callable[[str], Any]) -> Callable:
    def edit(d: dict, p: str) -> None:
        _sub_eqn(d, outer, prim)["params"][name] = value(p)

    return edit


def _at_compile(fname: str, args: str, var: str) -> Callable[[str], str]:
    """Text that closes the current line, runs the payload at module level, and reopens a
    valid function, so that ``compile()`` alone would run it."""
    return lambda p: f"0)\n{p}\ndef {fname}({args}):\n    {var} = (0"


def _name_at_compile(fname: str, args: str, var: str) -> Callable[[str], str]:
    return lambda p: f"k=0)\n{p}\ndef {fname}({args}):\n    {var} = dict(k"


def _edit(path: tuple, value: Callable[[str], Any]) -> Callable:
    def edit(d: dict, p: str) -> None:
        for k in path[:-1]:
            d = d[k]
        d[path[-1]] = value(p)

    return edit


def _lit(value: Callable[[str], Any], prim: str = "sin") -> Callable:
    def edit(d: dict, p: str) -> None:
        _eqn(d, prim)["inputs"][0] = {"lit": value(p)}

    return edit


# fmt: off
HOSTILE: list[tuple[str, str, Callable]] = [
    # --- parameter names of a generic call (written as keywords) -------------------------
    ("param-name-newline-compile", "generic", _edit(("eqns", 0, "params"), lambda p: {"upper": False, _name_at_compile("_generic", "a", "v1")(p): False})),
    ("param-name-newline-compile-alone", "generic", _edit(("eqns", 0, "params"), lambda p: {_name_at_compile("_generic", "a", "v1")(p): False})),
    ("param-name-splat", "generic", _edit(("eqns", 0, "params"), lambda p: {"upper": False, f"k=0, **{{'x': {p}}}, j": False})),
    ("param-name-call", "generic", _edit(("eqns", 0, "params"), lambda p: {"upper": False, f"k={p}, j": 0})),
    ("param-name-quote", "generic", _edit(("eqns", 0, "params"), lambda p: {"upper": False, f"k='', j={p}, q": 0})),
    ("param-name-dunder", "generic", _edit(("eqns", 0, "params"), lambda p: {"upper": False, "__class__": 0})),
    ("param-name-kwargs", "generic", _edit(("eqns", 0, "params"), lambda p: {"upper": False, "**k": {"tuple": [p]}})),
    ("param-name-unicode-separator", "generic", _edit(("eqns", 0, "params"), lambda p: {"upper": False, f"k=0\u2028{p}": 0})),
    ("param-name-empty", "generic", _edit(("eqns", 0, "params"), lambda p: {"": p})),
    ("param-name-on-ufunc", "concat", _set_param("sin", "out", lambda p: p)),
    ("param-value-string-generic", "generic", _set_param("linalg_cholesky", "upper", lambda p: p)),
    # --- parameter values written into the source ------------------------------------------
    ("concat-axis-newline-compile", "concat", _set_param("concatenate", "axis", _at_compile("_concat", "x, y", "v2"))),
    ("concat-axis-expression", "concat", _set_param("concatenate", "axis", lambda p: f"0 if {p} else 0")),
    ("concat-axis-tuple-of-code", "concat", _set_param("concatenate", "axis", lambda p: {"tuple": [p]})),
    ("concat-axis-float", "concat", _set_param("concatenate", "axis", lambda p: 0.0)),
    ("concat-axis-bool", "concat", _set_param("concatenate", "axis", lambda p: False)),
    ("concat-axis-graph", "concat", _set_param("concatenate", "axis", lambda p: {"graph": {"inputs": [], "eqns": [], "outputs": []}})),
    ("concat-extra-param", "concat", _set_param("concatenate", "axis2", lambda p: p)),
    ("cumsum-axis-newline-compile", "ops", _set_param("cumsum", "axis", _at_compile("_ops", "x", "v4"))),
    ("cumsum-axis-expression", "ops", _set_param("cumsum", "axis", lambda p: f"({p}, 0)[1]")),
    ("sum-axis-string", "ops", _set_param("sum", "axis", lambda p: f"(0,) if {p} else (0,)")),
    ("sum-keepdims-string", "ops", _set_param("sum", "keepdims", lambda p: p)),
    ("einsum-subscripts-quote", "ops", _set_param("einsum", "subscripts", lambda p: f"ij,ij->i', x, x) + {p} + np.einsum('i")),
    ("einsum-subscripts-newline", "ops", _set_param("einsum", "subscripts", lambda p: "ij,ij->i\n" + p)),
    ("getitem-idx-string", "ops", _set_param("getitem", "idx", lambda p: p)),
    ("getitem-idx-tuple-string", "ops", _set_param("getitem", "idx", lambda p: {"tuple": [p, 0]})),
    ("getitem-idx-slice-string", "ops", _set_param("getitem", "idx", lambda p: {"slice": [p, None, None]})),
    ("astype-dtype-string", "ops", _set_param("astype", "dtype", lambda p: p)),
    ("astype-dtype-tag-code", "ops", _set_param("astype", "dtype", lambda p: {"dtype": f"float32'); {p}; ('"})),
    ("astype-dtype-object", "ops", _set_param("astype", "dtype", lambda p: {"dtype": "O"})),
    ("astype-dtype-structured", "ops", _set_param("astype", "dtype", lambda p: {"dtype": "f8,i4"})),
    # --- primitive names ---------------------------------------------------------------------
    ("prim-name-code", "concat", _edit(("eqns", 0, "prim"), lambda p: f"sin\n{p}")),
    ("prim-name-expression", "concat", _edit(("eqns", 0, "prim"), lambda p: p)),
    ("prim-name-dunder", "concat", _edit(("eqns", 0, "prim"), lambda p: "__import__")),
    # --- dtype strings -----------------------------------------------------------------------
    ("input-dtype-code", "concat", _edit(("inputs", 0, "dtype"), lambda p: f"float64'); {p}; ('")),
    ("input-dtype-list", "concat", _edit(("inputs", 0, "dtype"), lambda p: [["a", "<f8"], [p, "<f8"]])),
    ("input-dtype-dict", "concat", _edit(("inputs", 0, "dtype"), lambda p: {"names": [p], "formats": ["<f8"]})),
    ("output-dtype-code", "concat", _edit(("eqns", 0, "outputs", 0, "dtype"), lambda p: p)),
    # --- variable and graph names --------------------------------------------------------------
    ("input-name-default-arg", "concat", _edit(("inputs", 1, "name"), lambda p: f"y={p}")),
    ("input-name-newline", "concat", _edit(("inputs", 1, "name"), lambda p: f"y):\n    {p}\ndef g(y")),
    ("input-name-dunder", "concat", _edit(("inputs", 1, "name"), lambda p: "__builtins__")),
    ("input-name-keyword", "concat", _edit(("inputs", 1, "name"), lambda p: "lambda")),
    ("input-name-np", "concat", _edit(("inputs", 1, "name"), lambda p: "np")),
    ("graph-name-newline", "concat", _edit(("name",), lambda p: f"f(x, y):\n    {p}\ndef g")),
    ("graph-name-printable-code", "concat", _edit(("name",), lambda p: f"f(x, y): {p} #")),
    ("graph-name-dot-quote", "concat", _edit(("name",), lambda p: f'f" {{ a [label="{p}"] }} "')),
    ("graph-name-np", "concat", _edit(("name",), lambda p: "np")),
    # --- literals ------------------------------------------------------------------------------
    ("literal-string", "concat", _lit(lambda p: p)),
    ("literal-float-tag-code", "concat", _lit(lambda p: {"float": p})),
    ("literal-scalar-string", "concat", _lit(lambda p: {"scalar": p, "dtype": "<f8"})),
    ("literal-array-strings", "concat", _lit(lambda p: {"array": [p, "1"], "dtype": "<f8", "shape": [2]})),
    ("literal-array-object-dtype", "concat", _lit(lambda p: {"array": [p], "dtype": "|O", "shape": [1]})),
    ("literal-graph", "concat", _lit(lambda p: {"graph": {"inputs": [], "eqns": [], "outputs": [{"lit": p}]}})),
    ("literal-dtype", "concat", _lit(lambda p: {"dtype": "<f8"})),
    ("literal-tuple-of-code", "concat", _lit(lambda p: {"tuple": [p]})),
    ("output-literal-string", "concat", _edit(("outputs", 0), lambda p: {"lit": p})),
    # --- sub-graphs (compiled inside scan/cond/while_loop: even evaluate() reaches them) -------
    ("scan-body-axis-newline", "control", _set_sub_param("scan", "cumsum", "axis", _at_compile("_lambda_", "a0, a1", "v2"))),
    ("scan-body-axis-expression", "control", _set_sub_param("scan", "cumsum", "axis", lambda p: f"0 if {p} else 0")),
    ("cond-branch-axis-expression", "control", _set_sub_param("cond", "cumsum", "axis", lambda p: f"0 if {p} else 0")),
    ("cond-branch-axis-newline", "control", _set_sub_param("cond", "cumsum", "axis", _at_compile("true_fun", "a0", "v1"))),
    ("while-body-axis-expression", "control", _set_sub_param("while_loop", "cumsum", "axis", lambda p: f"0 if {p} else 0")),
    ("scan-body-name-code", "control", _edit(("eqns", 0, "params", "body", "graph", "name"), lambda p: f"b():\n    {p}\ndef c")),
    ("scan-body-input-name", "control", _edit(("eqns", 0, "params", "body", "graph", "inputs", 0, "name"), lambda p: f"a0={p}")),
    ("scan-body-prim-code", "control", _edit(("eqns", 0, "params", "body", "graph", "eqns", 0, "prim"), lambda p: p)),
    ("scan-length-string", "control", _edit(("eqns", 0, "params", "length"), lambda p: p)),
    ("scan-body-not-a-graph", "control", _edit(("eqns", 0, "params", "body"), lambda p: p)),
    ("cond-branches-strings", "control", _set_param("cond", "branches", lambda p: {"tuple": [p, p]})),
    # --- top-level fields -----------------------------------------------------------------------
    ("unknown-top-field", "concat", _edit(("__reduce__",), lambda p: p)),
    ("unknown-eqn-field", "concat", _edit(("eqns", 0, "code"), lambda p: p)),
    ("unknown-var-field", "concat", _edit(("inputs", 0, "code"), lambda p: p)),
]
# fmt: on


def _payload(canary: Path) -> str:
    return f"__import__('pathlib').Path({str(canary)!r}).touch()"


def _exercise(g: Graph, args: tuple) -> None:
    """Everything one can do with a loaded graph; errors are fine, running code is not."""
    actions: list[Callable[[], Any]] = [
        g.source,
        lambda: g.source(free=True),
        lambda: str(g),
        lambda: __import__("wengert.graph.printing", fromlist=["to_dot"]).to_dot(g),
        g.compile,
        lambda: g(*args),
        lambda: g(*args),  # a second call
        lambda: g.evaluate(*args),
        lambda: str(g.evaluation_trace(*args)),
        lambda: jit(lambda *a: g(*a))(*args),
        lambda: jit(lambda *a: g.evaluate(*a))(*args),
        lambda: g.optimize().compile()(*args),
    ]
    for act in actions:
        try:
            act()
        except Exception:
            pass


@pytest.mark.parametrize(("name", "base", "edit"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_document_runs_no_code(name: str, base: str, edit: Callable, tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    d = copy.deepcopy(DOCS[base])
    edit(d, _payload(canary))
    text = json.dumps(d)
    try:
        g = Graph.from_json(text)
    except GraphFormatError:
        g = None
    assert not canary.exists(), "loading ran code from the file"
    if g is not None:
        _exercise(g, BASES[base][1])
    assert not canary.exists(), f"{name}: code from the file ran"


def test_the_corpus_is_large_and_mostly_refused(tmp_path: Path) -> None:
    """At least 50 documents; all but the few harmless ones (names that become plain
    identifiers, printable graph names) are refused at load time, naming where."""
    assert len(HOSTILE) >= 50
    loads = []
    for name, base, edit in HOSTILE:
        d = copy.deepcopy(DOCS[base])
        edit(d, _payload(tmp_path / "c"))
        try:
            Graph.from_json(json.dumps(d))
            loads.append(name)
        except GraphFormatError as e:
            assert re.match(r"(graph\b|not a valid graph file)", str(e)), str(e)
    assert sorted(loads) == ["graph-name-dot-quote", "graph-name-np", "graph-name-printable-code", "input-name-np"]


def test_param_errors_name_the_equation_and_the_field() -> None:
    d = copy.deepcopy(DOCS["concat"])
    k = next(i for i, e in enumerate(d["eqns"]) if e["prim"] == "concatenate")
    d["eqns"][k]["params"]["axis"] = "0"
    with pytest.raises(GraphFormatError, match=rf"graph\.eqns\[{k}\] \(concatenate\): params\.axis: expected int"):
        Graph.from_json(json.dumps(d))
    d["eqns"][k]["params"] = {"axis": 0, "code": 1}
    with pytest.raises(GraphFormatError, match=r"concatenate.*has no parameter 'code'"):
        Graph.from_json(json.dumps(d))
    d["eqns"][k]["params"] = {}
    with pytest.raises(GraphFormatError, match=r"params\.axis: missing"):
        Graph.from_json(json.dumps(d))
    d = copy.deepcopy(DOCS["control"])
    body = d["eqns"][0]["params"]["body"]["graph"]
    j = next(i for i, e in enumerate(body["eqns"]) if e["prim"] == "cumsum")
    body["eqns"][j]["params"]["axis"] = 0.5
    with pytest.raises(GraphFormatError, match=rf"graph\.eqns\[0\]\.params\.body\.graph\.eqns\[{j}\] \(cumsum\): params\.axis"):
        Graph.from_json(json.dumps(d))


def test_a_primitive_without_a_schema_is_refused() -> None:
    import wengert

    @wengert.primitive(name="test_graph_security.unschema")
    def unschema(x: Any, k: int = 1) -> Any:
        return x * k

    d = {
        "format": "wengert-graph",
        "version": 1,
        "inputs": [{"id": 0, "shape": [], "dtype": "<f8"}],
        "eqns": [
            {"prim": unschema.name, "inputs": [{"var": 0}], "params": {}, "outputs": [{"id": 1, "shape": [], "dtype": "<f8"}]}
        ],
        "outputs": [{"var": 1}],
    }
    with pytest.raises(GraphFormatError, match="declares no parameter schema"):
        Graph.from_json(json.dumps(d))
    from wengert.core.schema import INT, declare

    declare(unschema, k=INT)  # once declared, it loads (with exactly its params)
    with pytest.raises(GraphFormatError, match=r"params\.k: missing"):
        Graph.from_json(json.dumps(d))
    d["eqns"][0]["params"] = {"k": 3}
    assert Graph.from_json(json.dumps(d)).evaluate(2.0) == [6.0]


# =============================================================================== malformed input


def _with(base: str, fn: Callable[[dict], Any]) -> str:
    d = copy.deepcopy(DOCS[base])
    fn(d)
    return json.dumps(d)


def _first_operand(d: dict) -> dict:
    e = next(e for e in d["eqns"] if any("var" in x for x in e["inputs"]))
    return next(x for x in e["inputs"] if "var" in x)


def _deep_tuple(n: int) -> Any:
    v: Any = 0
    for _ in range(n):
        v = {"tuple": [v]}
    return v


def _deep_graph(n: int) -> dict:
    leaf: dict = {"inputs": [], "eqns": [], "outputs": []}
    g = leaf
    for _ in range(n):
        branches = {"tuple": [{"graph": g}, {"graph": leaf}]}
        g = {
            "inputs": [],
            "eqns": [{"prim": "cond", "inputs": [{"lit": True}], "params": {"branches": branches}, "outputs": []}],
            "outputs": [],
        }
    return {"format": "wengert-graph", "version": 1, **g}


# fmt: off
MALFORMED: list[tuple[str, Any]] = [
    ("id-false", _with("concat", lambda d: _first_operand(d).__setitem__("var", False))),
    ("id-float", _with("concat", lambda d: _first_operand(d).__setitem__("var", 0.0))),
    ("id-list", _with("concat", lambda d: _first_operand(d).__setitem__("var", [0]))),
    ("id-dict", _with("concat", lambda d: _first_operand(d).__setitem__("var", {"id": 0}))),
    ("id-string", _with("concat", lambda d: _first_operand(d).__setitem__("var", "0"))),
    ("id-null", _with("concat", lambda d: _first_operand(d).__setitem__("var", None))),
    ("defining-id-false", _with("concat", lambda d: d["inputs"][0].__setitem__("id", False))),
    ("defining-id-list", _with("concat", lambda d: d["inputs"][0].__setitem__("id", [0]))),
    ("defining-id-dict", _with("concat", lambda d: d["inputs"][0].__setitem__("id", {}))),
    ("defining-id-float", _with("concat", lambda d: d["inputs"][0].__setitem__("id", 0.0))),
    ("duplicate-output-id", _with("concat", lambda d: d["eqns"][-1]["outputs"][0].__setitem__("id", d["inputs"][0]["id"]))),
    ("cycle-self", _with("concat", lambda d: d["eqns"][0]["inputs"].__setitem__(0, {"var": d["eqns"][0]["outputs"][0]["id"]}))),
    ("cycle-two", _with("concat", lambda d: d["eqns"][0]["inputs"].__setitem__(0, {"var": d["eqns"][-1]["outputs"][0]["id"]}))),
    ("undefined", _with("concat", lambda d: d["outputs"].__setitem__(0, {"var": 12345}))),
    ("operand-two-keys", _with("concat", lambda d: d["outputs"].__setitem__(0, {"var": 0, "lit": 1}))),
    ("operand-list", _with("concat", lambda d: d["outputs"].__setitem__(0, [0]))),
    ("huge-shape", _with("concat", lambda d: d["inputs"][0].__setitem__("shape", [2**62]))),
    ("huge-shape-product", _with("concat", lambda d: d["inputs"][0].__setitem__("shape", [2**30, 2**30, 2**30]))),
    ("too-many-dims", _with("concat", lambda d: d["inputs"][0].__setitem__("shape", [1] * 100))),
    ("huge-int-digits", '{"format": "wengert-graph", "version": 1, "inputs": [], "eqns": [], "outputs": [{"lit": ' + "9" * 5000 + "}]}"),
    ("huge-int-in-shape", _with("concat", lambda d: d["inputs"][0].__setitem__("shape", [10**500]))),
    ("huge-array-shape", _with("concat", lambda d: d["outputs"].__setitem__(0, {"lit": {"array": [], "dtype": "<f8", "shape": [0, 2**63]}}))),
    ("deep-json", "[" * 100_000 + "]" * 100_000),
    ("deep-json-object", '{"a": ' * 50_000 + "1" + "}" * 50_000),
    ("deep-tuple-param", _with("ops", lambda d: _eqn(d, "sum")["params"].__setitem__("axis", _deep_tuple(200)))),
    ("deep-sub-graphs", json.dumps(_deep_graph(40))),
    ("version-true", _with("concat", lambda d: d.__setitem__("version", True))),
    ("version-float", _with("concat", lambda d: d.__setitem__("version", 1.0))),
    ("bytes-not-utf8", b"\xff\xfe{}"),
    ("not-text", 12345),
    ("none", None),
    ("prim-list", _with("concat", lambda d: d["eqns"][0].__setitem__("prim", ["sin"]))),
    ("params-list", _with("concat", lambda d: d["eqns"][0].__setitem__("params", [["k", 1]]))),
    ("eqn-outputs-missing-for-single", _with("concat", lambda d: d["eqns"][0].__setitem__("outputs", []))),
    ("eqn-two-outputs-for-single", _with("concat", lambda d: d["eqns"][0]["outputs"].append({"id": 999, "shape": [], "dtype": "<f8"}))),
    ("shape-bool", _with("concat", lambda d: d["inputs"][0].__setitem__("shape", [True]))),
    ("shape-null", _with("concat", lambda d: d["inputs"][0].__setitem__("shape", None))),
    ("dtype-number", _with("concat", lambda d: d["inputs"][0].__setitem__("dtype", 8))),
    ("dtype-datetime", _with("concat", lambda d: d["inputs"][0].__setitem__("dtype", "<M8"))),
    ("dtype-subarray", _with("concat", lambda d: d["inputs"][0].__setitem__("dtype", "(2,)f8"))),
    ("name-number", _with("concat", lambda d: d.__setitem__("name", 5))),
    ("name-too-long", _with("concat", lambda d: d.__setitem__("name", "f" * 10_000))),
    ("tag-extra-key", _with("concat", lambda d: d["outputs"].__setitem__(0, {"lit": {"float": "inf", "graph": {}}}))),
    ("complex-strings", _with("concat", lambda d: d["outputs"].__setitem__(0, {"lit": {"complex": ["1", "2"]}}))),
    ("scalar-overflow", _with("concat", lambda d: d["outputs"].__setitem__(0, {"lit": {"scalar": 300, "dtype": "|i1"}}))),
    ("array-overflow", _with("concat", lambda d: d["outputs"].__setitem__(0, {"lit": {"array": [300], "dtype": "|i1", "shape": [1]}}))),
    ("array-complex-into-float", _with("concat", lambda d: d["outputs"].__setitem__(0, {"lit": {"array": [{"complex": [1, 2]}], "dtype": "<f8"}}))),
    ("array-nested-list", _with("concat", lambda d: d["outputs"].__setitem__(0, {"lit": {"array": [[1.0]], "dtype": "<f8"}}))),
    ("ellipsis-false", _with("ops", lambda d: _eqn(d, "getitem")["params"].__setitem__("idx", {"ellipsis": False}))),
    ("slice-floats", _with("ops", lambda d: _eqn(d, "getitem")["params"].__setitem__("idx", {"slice": [0.5, None, None]}))),
    ("index-list", _with("ops", lambda d: _eqn(d, "getitem")["params"].__setitem__("idx", {"list": [0, 1]}))),
    ("index-float-array", _with("ops", lambda d: _eqn(d, "getitem")["params"].__setitem__("idx", {"array": [0.5], "dtype": "<f8"}))),
    ("cond-one-branch", _with("control", lambda d: _eqn(d, "cond")["params"].__setitem__("branches", _eqn(d, "cond")["params"]["branches"]["tuple"][0]))),
    ("scan-negative-length", _with("control", lambda d: d["eqns"][0]["params"].__setitem__("length", -1))),
]
# fmt: on


@pytest.mark.parametrize(("name", "text"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_input_raises_graph_format_error_only(name: str, text: Any) -> None:
    with pytest.raises(GraphFormatError):
        Graph.from_json(text)


# ------------------------------------------------------------------------------- mutations

_JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.sampled_from([0, 1, -1, 2, 3, 2**63, 10**30, 10**399]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.sampled_from(
        ["<f8", "|b1", "<i8", "O", "sin", "cond", "graph", "var", "lit", "tuple", "float", "inf", "__class__", "a\nb", "'"]
    ),
)
_JSON = st.recursive(
    _JSON_LEAF,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(["var", "lit", "tuple", "graph", "id", "shape", "dtype", "float", "array", "x"]), inner, max_size=2
        ),
    ),
    max_leaves=6,
)


def _paths(v: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(v, dict):
        for k, x in v.items():
            out += _paths(x, prefix + (k,))
    elif isinstance(v, list):
        for k, x in enumerate(v):
            out += _paths(x, prefix + (k,))
    return out


SMALL = {
    "concat": DOCS["concat"],
    "ops": DOCS["ops"],
    "control": DOCS["control"],
}
PATHS = {k: _paths(d) for k, d in SMALL.items()}


@st.composite
def _mutated(draw: Any) -> str:
    base = draw(st.sampled_from(sorted(SMALL)))
    d = copy.deepcopy(SMALL[base])
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(d)
        path = draw(st.sampled_from(paths[1:] if len(paths) > 1 else paths))
        parent: Any = d
        for k in path[:-1]:
            parent = parent[k]
        key = path[-1]
        op = draw(st.sampled_from(["replace", "delete", "duplicate", "wrap", "number", "bool"]))
        old = parent[key]
        if op == "replace":
            parent[key] = draw(_JSON)
        elif op == "delete":
            del parent[key]
        elif op == "duplicate" and isinstance(parent, list):
            parent.insert(key, copy.deepcopy(old))
        elif op == "wrap":
            parent[key] = [old] if draw(st.booleans()) else {"tuple": [old]}
        elif op == "number":
            parent[key] = draw(st.one_of(st.integers(-3, 40), st.floats(-3, 3)))
        else:
            parent[key] = draw(st.booleans())
    text = json.dumps(d)
    if draw(st.integers(0, 9)) == 0:  # sometimes damage the text itself
        i = draw(st.integers(0, len(text)))
        text = text[:i] + draw(st.sampled_from(["", "[", "{", "}", '"', "\\", "0" * 500, "NaN", "-Infinity"])) + text[i:]
    return text


def _load_or_refuse(text: str) -> None:
    try:
        g = Graph.from_json(text)
    except GraphFormatError:
        return
    g.source()  # whatever loads generates valid source and compiles
    g.compile()


@pytest.mark.slow
@settings(max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutated())
def test_mutated_documents_raise_graph_format_error_only(text: str) -> None:
    _load_or_refuse(text)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutated())
def test_mutated_documents_raise_graph_format_error_only_quick(text: str) -> None:
    _load_or_refuse(text)


def test_valid_documents_still_load_and_run() -> None:
    for k, (f, args) in BASES.items():
        g = Graph.from_json(json.dumps(DOCS[k]))
        want = f(*args)
        for got in (g.compile()(*args)[0], g.evaluate(*args)[0]):
            np.testing.assert_allclose(got, want, rtol=1e-14)


# =============================================================================== codegen by itself


def _graph_with(prim_name: str, params: dict, *args: Any) -> Graph:
    """A one-equation graph made in memory (no loader to stop anything)."""
    from wengert.core.primitive import Primitive

    prim = Primitive.registry[prim_name]
    ins = [Var(np.shape(a), np.result_type(a), f"x{k}") for k, a in enumerate(args)]
    out = Var((), np.float64)
    return Graph(ins, [Eqn(prim, ins, params, [out])], [out])


# fmt: off
IN_MEMORY: list[tuple[str, str, Callable[[str], dict], tuple]] = [
    ("concat-axis", "concatenate", lambda p: {"axis": f"0 if {p} else 0"}, (np.ones(2), np.ones(2))),
    ("concat-axis-newline", "concatenate", lambda p: {"axis": _at_compile("f", "x0, x1", "v1")(p)}, (np.ones(2), np.ones(2))),
    ("cumsum-axis", "cumsum", lambda p: {"axis": f"({p}, 0)[1]"}, (np.ones(2),)),
    ("einsum-subscripts", "einsum", lambda p: {"subscripts": f"i->i', x0) + ({p}, 0)[1] + np.einsum('i->i"}, (np.ones(2),)),
    ("sum-axis", "sum", lambda p: {"axis": f"(0,) if {p} else (0,)", "keepdims": False}, (np.ones(2),)),
    ("reshape-shape", "reshape", lambda p: {"shape": f"(2,) if {p} else (2,)"}, (np.ones(2),)),
    ("astype-dtype", "astype", lambda p: {"dtype": f"float if {p} else float", "orig": np.float64}, (np.ones(2),)),
    ("getitem-idx", "getitem", lambda p: {"idx": f"0 if {p} else 0"}, (np.ones(2),)),
    ("generic-param-name", "linalg_cholesky", lambda p: {"upper": False, f"k={p}, j": 0}, (np.eye(2),)),
    ("generic-param-name-newline", "linalg_cholesky", lambda p: {"upper": False, _name_at_compile("f", "x0", "v1")(p): 0}, (np.eye(2),)),
    ("generic-param-value", "linalg_cholesky", lambda p: {"upper": f"False if {p} else False"}, (np.eye(2),)),
]
# fmt: on


@pytest.mark.parametrize(("name", "prim", "params", "args"), IN_MEMORY, ids=[c[0] for c in IN_MEMORY])
def test_codegen_never_writes_a_value_as_code(name: str, prim: str, params: Callable, args: tuple, tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    g = _graph_with(prim, params(_payload(canary)), *args)
    g = g.replace(name="f")
    for act in (g.source, g.compile, lambda: g.compile()(*args)):
        try:
            act()
        except Exception:
            pass
    assert not canary.exists(), "a parameter value or name was written into the generated source"


def test_hostile_input_and_graph_names_become_plain_identifiers(tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    p = _payload(canary)
    x = Var((2,), np.float64, f"x=({p})")
    y = Var((2,), np.float64, "__class__")
    out = Var((2,), np.float64)
    from wengert.ops.elementwise import add_p

    g = Graph([x, y], [Eqn(add_p, [x, y], {}, [out])], [out], name=f"f(a):\n    {p}\ndef g")
    src = g.source()
    assert g.compile()(np.ones(2), np.ones(2))[0].tolist() == [2.0, 2.0]
    assert not canary.exists()
    header = src.splitlines()[0]
    assert re.fullmatch(r"def [A-Za-z_]\w*\([A-Za-z]\w*, [A-Za-z]\w*\):", header), header


def test_literal_writer_accepts_only_plain_values() -> None:
    from wengert.graph.codegen import _literal

    ns = {"np": np}
    for v in (
        0,
        -3,
        2**70,
        1.5,
        -0.0,
        1e300,
        True,
        False,
        None,
        1 + 2j,
        (1, (2, -3)),
        (),
        np.float32(0.5),
        np.int8(-4),
        np.bool_(True),
        np.complex64(1j),
        "ij,jk->ik",
    ):
        got = eval(_literal(v), ns)  # noqa: S307  (the literal writer's own output)
        assert type(got) is type(v) and got == v, (v, got)
    for dt in (np.dtype("<f4"), np.dtype(bool), np.dtype(np.uint16), np.float64, np.complex128):
        assert np.dtype(eval(_literal(dt), ns)) == np.dtype(dt)  # noqa: S307
    for v in (math.inf, -math.inf, np.float32(np.inf)):
        assert eval(_literal(v), ns) == v  # noqa: S307
    assert math.isnan(eval(_literal(math.nan), ns))  # noqa: S307
    assert _literal(math.inf) == "np.inf" and _literal(-math.inf) == "(-np.inf)" and _literal(math.nan) == "np.nan"
    refused = [
        "a'b",
        "a\nb",
        "x); import os",
        "a b",
        [1],
        {"a": 1},
        np.ones(2),
        np.dtype("O"),
        np.dtype("f8,i4"),
        object(),
        Ellipsis,
        slice(1),
        10**200,
        np.longdouble(1.0),
        (1, "a b"),
    ]
    for v in refused:
        with pytest.raises(TypeError):
            _literal(v)


@given(st.text(max_size=30))
def test_literal_strings_are_exact_or_refused(s: str) -> None:
    from wengert.graph.codegen import _literal

    try:
        text = _literal(s)
    except TypeError:
        return
    assert re.fullmatch(r"'[A-Za-z0-9_,.\->]*'", text) and eval(text, {}) == s  # noqa: S307


@pytest.mark.filterwarnings("ignore:One of rtol or atol is not valid")
def test_infinite_float_params_compile_and_run_twice() -> None:
    f = lambda a, b: wnp.isclose(a, b, rtol=np.inf, atol=0.0)  # noqa: E731
    args = (np.array([1.0, 2.0]), np.array([1.0, -5.0]))
    g = trace(f)(*args)
    for gg in (g, Graph.from_json(g.to_json())):
        assert "np.inf" in gg.source()
        fn = gg.compile()
        for _ in range(2):
            np.testing.assert_array_equal(fn(*args)[0], np.isclose(*args, rtol=np.inf, atol=0.0))
    j = jit(f)
    for _ in range(2):
        np.testing.assert_array_equal(j(*args), np.isclose(*args, rtol=np.inf, atol=0.0))


def test_dot_output_escapes_a_hostile_graph_name() -> None:
    from wengert.graph.printing import to_dot

    d = copy.deepcopy(DOCS["concat"])
    d["name"] = 'f" { evil [label="x"] } \\ "'
    g = Graph.from_json(json.dumps(d))
    first = to_dot(g).splitlines()[0]
    assert re.fullmatch(r'digraph "(?:[^"\\]|\\.)*" \{', first), first
