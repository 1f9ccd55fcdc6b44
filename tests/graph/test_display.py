"""Notebook display: a Graph shows itself as SVG (when Graphviz's ``dot`` is installed), a
symbolic expression as LaTeX, an evaluation trace as an HTML table."""

from __future__ import annotations

import math
import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import wengert
import wengert.numpy as wnp
from wengert.symbolic import latex, parse, symbols

SVG = "{http://www.w3.org/2000/svg}"


def baydin(x1, x2):
    return wnp.log(x1) + x1 * x2 - wnp.sin(x2)


@pytest.fixture
def graph():
    return wengert.trace(baydin)(2.0, 5.0)


def test_graph_repr_svg_without_dot(graph, monkeypatch):
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name == "dot" else real_which(name, *a, **k))
    assert graph._repr_svg_() is None  # Jupyter then falls back to the text repr
    assert "log" in repr(graph)


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")
@pytest.mark.parametrize("grad", [False, True])
def test_graph_repr_svg_with_dot(grad):
    f = wengert.grad(baydin, argnums=(0, 1)) if grad else baydin
    g = wengert.trace(f)(2.0, 5.0)
    svg = g._repr_svg_()
    assert isinstance(svg, str)
    root = ET.fromstring(svg.encode())  # well-formed XML
    assert root.tag == SVG + "svg"
    texts = " ".join(t.text or "" for t in root.iter(SVG + "text"))
    assert "x1" in texts and "x2" in texts
    assert ("cos" in texts) if grad else ("log" in texts and "sin" in texts)
    # one SVG node group per input, equation and output
    n_nodes = sum(1 for e in root.iter(SVG + "g") if e.get("class") == "node")
    assert n_nodes == len(g.inputs) + len(g.eqns) + len(g.outputs)


@pytest.mark.parametrize(
    "text, inner",
    [
        ("x^2", "x^{2}"),
        ("sin(x)", r"\sin"),
        ("log(x1) + x1*x2 - sin(x2)", r"\sin"),
        ("1/x", r"\frac{1}{x}"),
        ("3", "3"),
    ],
)
def test_expr_repr_latex(text, inner):
    e = parse(text)
    s = e._repr_latex_()
    assert s.startswith("$") and s.endswith("$")
    assert s.count("$") == 2
    assert s[1:-1] == latex(e)
    assert inner in s


def test_expr_repr_latex_of_a_derivative():
    from wengert.symbolic import diff

    t = symbols("t")
    d = diff(parse("sin(t)*sin(2*t)", {"t": t}), t)
    s = d._repr_latex_()
    assert s.startswith("$") and s.endswith("$") and r"\cos" in s


@pytest.mark.parametrize("tangents, adjoints", [(None, False), ((1.0, 0.0), False), ((1.0, 0.0), True), (None, True)])
def test_evaluation_trace_repr_html(graph, tangents, adjoints):
    tr = graph.evaluation_trace(2.0, 5.0, tangents=tangents, adjoints=adjoints)
    s = tr._repr_html_()
    assert s.startswith("<table") and s.endswith("</table>")
    root = ET.fromstring(s)  # well-formed
    assert root.tag == "table"
    head = [th.text for th in root.iter("th")]
    assert head == tr.columns
    assert head[:3] == ["variable", "step", "value"]
    assert ("tangent" in head) == (tangents is not None) and ("adjoint" in head) == adjoints
    body = root.find("tbody")
    rows = [[td.text or "" for td in tr_.iter("td")] for tr_ in body.iter("tr")]
    assert len(rows) == len(graph.inputs) + len(graph.eqns)
    assert rows == tr.table()
    values = [float(r[2]) for r in rows]
    expected = [2.0, 5.0, math.log(2), 10.0, math.log(2) + 10, math.sin(5), math.log(2) + 10 - math.sin(5)]
    assert sorted(values) == pytest.approx(sorted(expected), abs=5.1e-5)
    if tangents is not None:
        assert float(rows[-1][head.index("tangent")]) == pytest.approx(5.5, abs=5.1e-5)
    if adjoints:
        assert float(rows[0][head.index("adjoint")]) == pytest.approx(5.5, abs=5.1e-5)
        assert float(rows[1][head.index("adjoint")]) == pytest.approx(2 - math.cos(5), abs=5.1e-5)


def test_evaluation_trace_html_escapes():
    """A step with '>' and quotes in it (einsum's subscripts) is escaped: the HTML stays
    well-formed and shows the step as it is."""
    x = np.array([1.0, 2.0])
    g = wengert.trace(lambda x: wnp.einsum("i,i->", x, x))(x)
    tr = g.evaluation_trace(x)
    s = tr._repr_html_()
    assert "i,i->" not in s  # escaped
    root = ET.fromstring(s)
    steps = [tr_.findall("td")[1].text for tr_ in root.find("tbody").iter("tr")]
    assert any("'i,i->'" in st for st in steps)
    assert steps == [r[1] for r in tr.table()]
