"""The ``wengert`` command line, end to end.

A few runs go through a real subprocess (``python -m wengert ...`` with ``WENGERT_PLAIN=1``,
in a temporary directory) to check what a user sees: the output, the exit code, the files
written, and that no Python traceback leaks out.  The many small error cases run in-process
through ``wengert.cli.main([...])``, which returns the exit code, so the file stays fast.

Exit codes: 0 success, 2 usage error (malformed expression, unknown or missing variable,
missing file or function, bad ``--args``), 1 computation error.

The reference run is Baydin et al. (2018), "Automatic differentiation in machine learning: a
survey", Tables 2 and 3: ``f(x1, x2) = ln(x1) + x1*x2 - sin(x2)`` at ``(2, 5)``.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from wengert.cli import main

BAYDIN = "log(x1) + x1*x2 - sin(x2)"
AT = "x1=2,x2=5"

LN2, SIN5, COS5 = math.log(2.0), math.sin(5.0), math.cos(5.0)
F_VALUE = LN2 + 10.0 - SIN5
DF_DX1 = 1.0 / 2.0 + 5.0  # 5.5
DF_DX2 = 2.0 - COS5  # 1.7163...

# Table 2 of Baydin et al.: (variable, step, value); inputs have no step to check
PRIMAL = [
    ("v-1", None, 2.0),
    ("v0", None, 5.0),
    ("v1", "log(v-1)", LN2),
    ("v2", "v-1*v0", 10.0),
    ("v3", "sin(v0)", SIN5),
    ("v4", "v1+v2", LN2 + 10.0),
    ("v5", "v4-v3", F_VALUE),
]
# the forward tangent trace seeded with dx1 = 1 (Table 2, right) and with dx2 = 1
TANGENTS_X1 = [1.0, 0.0, 0.5, 5.0, 0.0, 5.5, 5.5]
TANGENTS_X2 = [0.0, 1.0, 0.0, 2.0, COS5, 2.0, 2.0 - COS5]
# Table 3: the reverse adjoint trace seeded with adjoint(y) = 1, in reverse order
ADJOINTS = [
    ("v5", 1.0),
    ("v4", 1.0),
    ("v3", -1.0),
    ("v2", 1.0),
    ("v1", 1.0),
    ("v0 (x2)", DF_DX2),
    ("v-1 (x1)", DF_DX1),
]
TOL4 = 5.1e-5  # tables print 4 decimals


# =============================================================================== helpers


def run_wengert(args: list[str], cwd: Path, timeout: float = 60, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    """``python -m wengert ARGS`` in ``cwd`` with plain-text output."""
    env = dict(os.environ)
    env["WENGERT_PLAIN"] = "1"
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "wengert", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def no_traceback(err: str) -> None:
    assert "Traceback" not in err, err


def one_error_line(err: str, command: str) -> str:
    """The message of a usage error: it starts with 'wengert COMMAND: error:'."""
    assert err.startswith(f"wengert {command}: error: "), err
    no_traceback(err)
    return err


def sections_plain(text: str) -> dict[str, tuple[list[str], list[list[str]]]]:
    """The plain tables: a title line, a header, a dashed rule, rows (cells split on 2+ spaces)."""
    out = {}
    for block in text.strip().split("\n\n"):
        lines = block.splitlines()
        if len(lines) >= 3 and lines[2].strip() and set(lines[2].replace(" ", "")) == {"-"}:
            header = re.split(r"\s{2,}", lines[1].strip())
            rows = [re.split(r"\s{2,}", ln.strip()) for ln in lines[3:]]
            for r in rows:
                assert len(r) == len(header), (header, r)
            out[lines[0]] = (header, rows)
    return out


def sections_markdown(text: str) -> dict[str, tuple[list[str], list[list[str]]]]:
    """'### title' then a pipe table with a '|---|' separator row."""
    out = {}
    for part in text.split("### ")[1:]:
        lines = [ln for ln in part.splitlines() if ln.strip()]
        title, table = lines[0], [ln for ln in lines[1:] if ln.startswith("|")]
        # cells are markdown: '*' is escaped so that steps like a*b + c*d do not turn italic
        cells = [[c.strip().replace("\\*", "*") for c in ln.strip().strip("|").split(" | ")] for ln in table]
        header, sep, rows = cells[0], table[1], cells[2:]
        assert sep == "|" + "---|" * len(header), sep
        for r in rows:
            assert len(r) == len(header), (header, r)
        out[title] = (header, rows)
    return out


def sections_latex(text: str) -> dict[str, tuple[list[str], list[list[str]]]]:
    """'% title' then a tabular environment, one row per line ending in '\\\\'."""
    out = {}
    assert text.count("\\begin{tabular}") == text.count("\\end{tabular}") >= 1
    for m in re.finditer(r"^% ([^\n]*)\n\\begin\{tabular\}\{(l+)\}\n(.*?)\n\\end\{tabular\}", text, re.M | re.S):
        title, spec, body = m.group(1), m.group(2), m.group(3).splitlines()
        assert body[0].endswith(" \\\\ \\hline"), body[0]
        header = body[0][: -len(" \\\\ \\hline")].split(" & ")
        assert len(header) == len(spec)
        rows = []
        for ln in body[1:]:
            assert ln.endswith(" \\\\"), ln
            rows.append(ln[: -len(" \\\\")].split(" & "))
            assert len(rows[-1]) == len(spec), ln
        out[title] = (header, rows)
    return out


def section(sections: dict, prefix: str) -> tuple[list[str], list[list[str]]]:
    found = [v for k, v in sections.items() if k.startswith(prefix)]
    assert len(found) == 1, (prefix, list(sections))
    return found[0]


def nospace(s: str) -> str:
    return "".join(s.split())


def check_baydin(sections: dict, wrt: str = "x1", fmt: str = "plain") -> None:
    """Every table of ``wengert diff`` on Baydin's function, whatever the output format."""
    header, rows = section(sections, "Forward primal trace")
    assert [r[0] for r in rows] == [p[0] for p in PRIMAL]
    for (_, step, value), row in zip(PRIMAL, rows):
        if step is not None:
            assert nospace(row[1]) == step, row
        assert float(row[2]) == pytest.approx(value, abs=TOL4), row

    header, rows = section(sections, f"Forward tangent trace, seeded d{wrt} = 1")
    assert [r[0] for r in rows] == [p[0] for p in PRIMAL]
    assert header[-1] == f"d/d{wrt}"
    expected = TANGENTS_X1 if wrt == "x1" else TANGENTS_X2
    for t, row in zip(expected, rows):
        assert float(row[-1]) == pytest.approx(t, abs=TOL4), row

    header, rows = section(sections, "Reverse adjoint trace")
    assert [r[0] for r in rows] == [a[0] for a in ADJOINTS]
    for (_, a), row in zip(ADJOINTS, rows):
        assert float(row[1]) == pytest.approx(a, abs=TOL4), row

    header, rows = section(sections, "Symbolic derivatives")
    assert [r[0] for r in rows] == ["d/dx1", "d/dx2"]
    for (_, expr, tree, dag), exact in zip(rows, [DF_DX1, DF_DX2]):
        assert 1 <= int(dag) <= int(tree)
        if fmt == "latex":
            assert expr.startswith("$") and expr.endswith("$") and len(expr) > 2
        else:  # the printed derivative parses back and has the right value
            from wengert.symbolic import evaluate, parse

            assert float(evaluate(parse(expr), {"x1": 2.0, "x2": 5.0})) == pytest.approx(exact, rel=1e-12)

    header, rows = section(sections, "The three methods")
    assert header[:5] == ["derivative", "forward AD", "reverse AD", "symbolic", "numerical"]
    assert [r[0] for r in rows] == ["d/dx1", "d/dx2"]
    for row, exact in zip(rows, [DF_DX1, DF_DX2]):
        for cell in row[1:5]:  # printed with 10 decimals
            assert float(cell) == pytest.approx(exact, abs=1e-9), row
        assert 0 <= float(row[5]) < 1e-6  # the numerical error estimate
        assert 0 <= float(row[6]) < 1e-8  # the largest difference between the methods


F_NOTE = re.compile(r"f\(x1=2\.0000, x2=5\.0000\) = 11\.652071")


# =============================================================================== wengert diff


def test_diff_baydin_table(tmp_path):
    """Tables 2 and 3 of Baydin et al. (2018), in a subprocess, as a user runs it."""
    res = run_wengert(["diff", BAYDIN, "--at", AT], tmp_path)
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""
    check_baydin(sections_plain(res.stdout))
    assert F_NOTE.search(res.stdout)
    assert list(tmp_path.iterdir()) == []  # diff writes no files


def test_diff_json_wrt_x2(tmp_path):
    res = run_wengert(["diff", BAYDIN, "--at", AT, "--wrt", "x2", "--format", "json"], tmp_path)
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["at"] == {"x1": 2.0, "x2": 5.0}
    assert doc["wrt"] == "x2"
    assert doc["value"] == pytest.approx(F_VALUE, rel=1e-14)
    assert [r["var"] for r in doc["primal_trace"]] == [p[0] for p in PRIMAL]
    for r, (_, step, value) in zip(doc["primal_trace"], PRIMAL):
        assert r["value"] == pytest.approx(value, rel=1e-14, abs=1e-15)
        if step is not None:
            assert nospace(r["step"]) == step
    assert [r["var"] for r in doc["tangent_trace"]] == [p[0] for p in PRIMAL]
    for r, t in zip(doc["tangent_trace"], TANGENTS_X2):
        assert r["tangent"] == pytest.approx(t, rel=1e-14, abs=1e-15)
    adj = {"v5": 1.0, "v4": 1.0, "v3": -1.0, "v2": 1.0, "v1": 1.0, "v0": DF_DX2, "v-1": DF_DX1}
    assert set(doc["adjoints"]) == set(adj)
    for k, a in adj.items():
        assert doc["adjoints"][k] == pytest.approx(a, rel=1e-14)

    from wengert.symbolic import evaluate, parse

    for name, exact in [("x1", DF_DX1), ("x2", DF_DX2)]:
        d = doc["derivatives"][name]
        for method in ("forward", "reverse", "symbolic"):
            assert d[method] == pytest.approx(exact, rel=1e-14), (name, method)
        err = d["numerical_error_estimate"]
        assert 0 <= err < 1e-8
        assert abs(d["numerical"] - exact) <= max(10 * err, 1e-10)
        assert float(evaluate(parse(d["symbolic_expression"]), {"x1": 2.0, "x2": 5.0})) == pytest.approx(exact, rel=1e-13)
        assert isinstance(d["symbolic_latex"], str) and d["symbolic_latex"]
        assert isinstance(d["tree_size"], int) and isinstance(d["dag_size"], int)
        assert 1 <= d["dag_size"] <= d["tree_size"]


@pytest.mark.parametrize("wrt", ["x1", "x2"])
def test_diff_markdown(capsys, wrt):
    rc = main(["diff", BAYDIN, "--at", AT, "--wrt", wrt, "--format", "markdown"])
    out, err = capsys.readouterr()
    assert rc == 0 and err == ""
    secs = sections_markdown(out)
    assert len(secs) == 5
    check_baydin(secs, wrt=wrt)
    assert re.search(r"^- " + F_NOTE.pattern, out, re.M)


def test_diff_latex(capsys):
    rc = main(["diff", BAYDIN, "--at", AT, "--format", "latex"])
    out, err = capsys.readouterr()
    assert rc == 0 and err == ""
    secs = sections_latex(out)
    assert len(secs) == 5
    check_baydin(secs, fmt="latex")
    assert re.search(r"^% " + F_NOTE.pattern, out, re.M)


def _latex_text_outside_math(out: str) -> list[str]:
    """The non-comment lines of a LaTeX table with the $...$ parts removed."""
    return [re.sub(r"\$[^$]*\$", "", ln) for ln in out.splitlines() if ln and not ln.startswith("%")]


def test_diff_latex_escapes_underscores(capsys):
    rc = main(["diff", "sin(a_1)*b", "--at", "a_1=0.5,b=2", "--format", "latex"])
    out, _ = capsys.readouterr()
    assert rc == 0
    bare = [ln for ln in _latex_text_outside_math(out) if re.search(r"(?<!\\)_", ln)]
    assert bare == []


def test_diff_table_in_process_and_demo(capsys):
    """The default table (plain when stdout is not a terminal), and ``wengert demo``, which
    runs the same example."""
    assert main(["diff", BAYDIN, "--at", "x1=2, x2=5"]) == 0
    out1, err1 = capsys.readouterr()
    assert main(["demo"]) == 0
    out2, _ = capsys.readouterr()
    assert err1 == "" and out1 == out2
    check_baydin(sections_plain(out1))


def _rich_run(capsys, monkeypatch, columns: int) -> str:
    pytest.importorskip("rich")
    monkeypatch.delenv("WENGERT_PLAIN", raising=False)
    monkeypatch.setenv("COLUMNS", str(columns))
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert main(["diff", BAYDIN, "--at", AT]) == 0
    return capsys.readouterr().out


RICH_NUMBERS = ("0.6931", "-0.9589", "11.6521", "1.7163", "5.5000", "5.5000000000", "1.7163378145")


def test_diff_rich_table_wide_terminal(capsys, monkeypatch):
    """With rich installed and a terminal, rich draws the tables; the same numbers."""
    out = _rich_run(capsys, monkeypatch, 200)
    assert "┃" in out or "│" in out  # drawn by rich, not the plain tables
    for s in RICH_NUMBERS:
        assert s in out, s


def test_diff_rich_table_80_columns(capsys, monkeypatch):
    out = _rich_run(capsys, monkeypatch, 80)
    for s in RICH_NUMBERS:
        assert s in out, s
    assert "…" not in out


@pytest.mark.parametrize(
    "expr, at, value, derivs",
    [
        ("x1*x2", "x2=3,x1=2", 6.0, {"x2": 2.0, "x1": 3.0}),  # --at order is the user's
        ("sqrt(x)", "x=4", 2.0, {"x": 0.25}),
        ("exp(x)", "x=0", 1.0, {"x": 1.0}),
    ],
)
def test_diff_other_expressions_json(capsys, expr, at, value, derivs):
    assert main(["diff", expr, "--at", at, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["value"] == pytest.approx(value)
    assert list(doc["derivatives"]) == list(derivs)
    assert doc["wrt"] == next(iter(derivs))
    for n, d in derivs.items():
        for m in ("forward", "reverse", "symbolic", "numerical"):
            assert doc["derivatives"][n][m] == pytest.approx(d, rel=1e-9), (n, m)


# expressions containing a number: the README's own example is one
CONSTANT_CASES = [
    ("x^2*exp(-x)", "x=1.5", 1.5**2 * math.exp(-1.5), (2 * 1.5 - 1.5**2) * math.exp(-1.5)),
    ("2*x", "x=3", 6.0, 2.0),
    ("x/2 + 1", "x=3", 2.5, 0.5),
]


@pytest.mark.parametrize("expr, at, value, deriv", CONSTANT_CASES)
def test_diff_expression_with_constants(capsys, expr, at, value, deriv):
    rc = main(["diff", expr, "--at", at, "--format", "json"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    doc = json.loads(out)
    assert doc["value"] == pytest.approx(value, rel=1e-12)
    (d,) = doc["derivatives"].values()
    for m in ("forward", "reverse", "symbolic", "numerical"):
        assert d[m] == pytest.approx(deriv, rel=1e-9), m


@pytest.mark.parametrize("grad", [False, True])
def test_graph_expression_with_constants(capsys, tmp_path, monkeypatch, grad):
    monkeypatch.chdir(tmp_path)
    rc = main(["graph", "x^2*exp(-x)", "--out", "c.dot", "--at", "x=1.5"] + (["--grad"] if grad else []))
    err = capsys.readouterr().err
    assert rc == 0, err
    nodes, _ = check_dot((tmp_path / "c.dot").read_text())
    assert "exp" in " ".join(nodes.values())


def test_diff_expression_starting_with_minus(capsys):
    rc = main(["diff", "-sin(x)", "--at", "x=1", "--format", "json"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert json.loads(out)["derivatives"]["x"]["reverse"] == pytest.approx(-math.cos(1.0))


def test_diff_double_dash_allows_leading_minus(capsys):
    assert main(["diff", "--at", "x=1", "--format", "json", "--", "-sin(x)"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["value"] == pytest.approx(-math.sin(1.0))
    assert doc["derivatives"]["x"]["reverse"] == pytest.approx(-math.cos(1.0))


def test_diff_max_difference_reports_nan(capsys):
    # sqrt'(0) is infinite: the methods' differences are inf - inf (the function itself is
    # defined there; log(x) at x=-1 is a domain error, see tests/cli/test_cli_points.py)
    rc = main(["diff", "sqrt(x)", "--at", "x=0", "--format", "markdown"])
    out = capsys.readouterr().out
    assert rc == 0
    _, rows = section(sections_markdown(out), "The three methods")
    assert rows[0][4] == "nan"
    assert rows[0][6] == "nan"


# --------------------------------------------------------------------------- usage errors


def test_diff_malformed_expression_subprocess(tmp_path):
    res = run_wengert(["diff", "log(x1) + * x2", "--at", AT], tmp_path)
    assert res.returncode == 2
    assert res.stdout == ""
    err = one_error_line(res.stderr, "diff")
    assert "column 11" in err
    # the caret points at the column under the echoed expression
    lines = err.splitlines()
    i = next(k for k, ln in enumerate(lines) if ln.strip() == "log(x1) + * x2")
    assert lines[i + 1].index("^") - lines[i].index("l") == 10


@pytest.mark.parametrize(
    "argv, needles",
    [
        (["diff", BAYDIN, "--at", "x1=2,x3=5"], ["x3", "unknown"]),
        (["diff", BAYDIN, "--at", "x1=2,x2=5,y=1"], ["y", "unknown"]),
        (["diff", BAYDIN, "--at", "x1=2"], ["x2"]),
        (["diff", BAYDIN, "--at", "x2=5"], ["x1"]),
        (["diff", BAYDIN, "--at", "x1=2,x2=five"], ["x2", "five"]),
        (["diff", BAYDIN, "--at", "x1=2,x2"], ["x2", "name=value"]),
        (["diff", BAYDIN, "--at", "2=1,x2=5"], ["'2'"]),
        (["diff", BAYDIN, "--at", "x1=__import__('os'),x2=5"], ["x1"]),
        (["diff", BAYDIN, "--at", AT, "--wrt", "x9"], ["x9"]),
        (["diff", "1 + 2", "--at", ""], ["no variables"]),
        (["graph", BAYDIN, "--out", "g.dot", "--at", "x1=2,z=1"], ["z", "unknown"]),
    ],
)
def test_variable_errors(capsys, tmp_path, monkeypatch, argv, needles):
    monkeypatch.chdir(tmp_path)
    rc = main(argv)
    out, err = capsys.readouterr()
    assert rc == 2 and out == ""
    one_error_line(err, argv[0])
    for n in needles:
        assert n in err, (n, err)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "argv",
    [
        [],  # no command: help
        ["bogus"],
        ["diff", BAYDIN],  # --at is required
        ["diff", BAYDIN, "--at", AT, "--format", "yaml"],
        ["grad", "f.py:f", "--mode", "sideways", "--args", "1"],
        ["graph", BAYDIN],  # --out is required
        ["train", "digits", "--model", "transformer"],
    ],
)
def test_argparse_usage_errors(capsys, argv):
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and "usage: wengert" in err
    no_traceback(err)


def test_help_and_version(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for cmd in ("diff", "grad", "graph", "train"):
        assert cmd in out
    from wengert import __version__

    assert main(["version"]) == 0
    assert capsys.readouterr().out.strip() == __version__


def test_console_script_declared():
    """``wengert`` (the console script of the README) is ``wengert.cli:main``."""
    import tomllib

    root = Path(__file__).resolve().parents[2]
    with open(root / "pyproject.toml", "rb") as fh:
        meta = tomllib.load(fh)
    assert meta["project"]["scripts"]["wengert"] == "wengert.cli:main"


# --------------------------------------------------------------------------- hostile input

PWNED = "PWNED"

# (expression, column of the error); none of them may run anything
HOSTILE = [
    (f"__import__('os').system('touch {PWNED}')", 1),
    (f"open('{PWNED}', 'w')", 1),
    (f"exec(\"open('{PWNED}','w')\")", 1),
    (f"eval(\"open('{PWNED}','w')\")", 1),
    ("compile('1', 'f', 'eval')", 1),
    ("globals()", 1),
    ("getattr(x, 'real')", 1),
    ("x.__class__", 2),
    ("().__class__.__bases__", 3),
    ("x.real", 2),
    ("lambda: 1", 1),
    ("x if x else x", 3),
    ("import os", 1),
    ("True + x", 1),
    ("x; y", 2),
    ("x[0]", 2),
    ("x = 1", 3),
    ("x == 1", 3),
    ("x @ x", 3),
    ("x % 2", 3),
    ("x != 1", 3),
    ("x & x", 3),
    ("x | x", 3),
    ("x < 1", 3),
    ("{x}", 1),
    ("'x'", 1),
    ('"x"', 1),
    ("`x`", 1),
    ("x \\ 2", 3),
    ("x # comment", 3),
    ("x\x00", 2),
    ("print(x)", 1),
    ("breakpoint()", 1),
    ("foo(x)", 1),
    ("sin x", 1),
    ("sin(x, x)", 1),
    ("hypot(x)", 1),
    ("sin()", 5),
    ("exp(x)(x)", 7),
    ("2x", 1),
    ("1..2", 1),
    ("0x", 1),
    ("0b2", 1),
    ("1e", 1),
    ("x y", 3),
    ("x,y", 2),
    ("1 +", 4),
    ("x**", 4),
    ("(x", 3),
    ("x)", 2),
    ("", 1),
    ("   ", 1),
    ("x" * 10_001, 10_001),
    ("(" * 500 + "x" + ")" * 500, 201),
    ("-" * 300 + "x", 201),
    ("x" + "^x" * 300, 401),
    ("sin(" * 300 + "x" + ")" * 300, 801),
]


@pytest.mark.parametrize("expr, column", HOSTILE, ids=[f"{k}:{e[:24]!r}" for k, (e, _) in enumerate(HOSTILE)])
def test_hostile_expressions(capsys, tmp_path, monkeypatch, expr, column):
    """The parser's hostile inputs through ``wengert diff`` (and ``graph``): exit 2, a message
    that names the column, no traceback, and nothing executed."""
    monkeypatch.chdir(tmp_path)
    for argv in (["diff", "--at", "x=1"], ["graph", "--out", "g.dot"]):
        rc = main([*argv, "--", expr])
        out, err = capsys.readouterr()
        assert rc == 2, (argv, err)
        assert out == ""
        one_error_line(err, argv[0])
        assert f"(column {column})" in err, err
        assert list(tmp_path.iterdir()) == []  # nothing created: neither PWNED nor g.dot


def test_hostile_expression_subprocess(tmp_path):
    """The same, as a user runs it: a file would appear if the expression were evaluated."""
    res = run_wengert(["diff", f"__import__('os').system('touch {PWNED}')", "--at", "x=1"], tmp_path)
    assert res.returncode == 2
    assert "column 1" in res.stderr and "__import__" in res.stderr
    no_traceback(res.stderr)
    assert not (tmp_path / PWNED).exists()
    # and in --args of wengert grad (a literal, never evaluated)
    (tmp_path / "f.py").write_text("def f(x):\n    return x * x\n")
    res = run_wengert(["grad", "f.py:f", "--args", f"__import__('os').system('touch {PWNED}')"], tmp_path)
    assert res.returncode == 2
    one_error_line(res.stderr, "grad")
    assert not (tmp_path / PWNED).exists()


@pytest.mark.parametrize("expr", ["é", "x + é", "ｘ"])
def test_non_ascii_letters_are_usage_errors(capsys, expr):
    rc = main(["diff", expr, "--at", "x=1"])
    err = capsys.readouterr().err
    assert rc == 2, err
    one_error_line(err, "diff")
    assert "AttributeError" not in err


def test_huge_exponent_literal(capsys):
    rc = main(["diff", "1e999999*x", "--at", "x=1", "--format", "json"])
    err = capsys.readouterr().err
    assert rc in (0, 2), err
    no_traceback(err)


def test_huge_exponent_literal_does_not_hang(tmp_path):
    try:
        res = run_wengert(["diff", "1e99999999*x", "--at", "x=1"], tmp_path, timeout=6)
    except subprocess.TimeoutExpired:
        pytest.fail("wengert diff '1e99999999*x' ran for more than 6 s")
    assert res.returncode in (0, 2), res.stderr
    no_traceback(res.stderr)


# =============================================================================== wengert grad

MODEL = """\
import numpy as np


def loss(w, s):
    return np.sum(np.tanh(w) ** 2) * s


def vec(w):
    return np.sin(w) * 2.0


def bad(x):
    raise ValueError("x must be positive")


not_a_function = 3
"""


@pytest.fixture
def user_dir(tmp_path):
    (tmp_path / "model.py").write_text(MODEL)
    np.save(tmp_path / "w.npy", np.array([0.1, 0.2, -0.3]))
    return tmp_path


def _loss_grads(w: np.ndarray, s: float) -> tuple[np.ndarray, float]:
    t = np.tanh(w)
    return 2 * t * (1 - t**2) * s, float(np.sum(t**2))


def _numbers(line: str) -> np.ndarray:
    return np.array([float(x) for x in re.findall(r"-?\d+\.\d*(?:e[+-]\d+)?", line.split(":", 1)[1])])


def _result_lines(out: str, mode: str) -> dict[int, str]:
    """``{argument index: text}`` for the lines '<mode> [argument i]: ...' (arrays may wrap)."""
    res, current = {}, None
    for ln in out.splitlines():
        m = re.match(rf"\s*{re.escape(mode)} \[argument (\d+)\]:", ln)
        if m:
            current = int(m.group(1))
            res[current] = ln
        elif re.match(r"\s*\S.*\[argument \d+\]:|\s*max \||^\s*$|^def ", ln):
            current = None
        elif current is not None:
            res[current] += " " + ln
    return res


def test_grad_mode_all_with_npy(user_dir):
    """Forward, reverse and numerical derivatives agree, on an array read from a .npy file."""
    res = run_wengert(["grad", "model.py:loss", "--args", "w.npy", "0.5", "--mode", "all"], user_dir)
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""
    out = res.stdout
    w = np.load(user_dir / "w.npy")
    gw, gs = _loss_grads(w, 0.5)
    assert out.splitlines()[0].startswith("loss(")
    assert float(out.splitlines()[0].rsplit("=", 1)[1]) == pytest.approx(0.5 * np.sum(np.tanh(w) ** 2), abs=1e-6)
    for mode in ("forward", "reverse", "numeric"):
        lines = _result_lines(out, mode)
        assert set(lines) == {0, 1}, (mode, out)
        np.testing.assert_allclose(_numbers(lines[0]), gw, atol=1e-8)
        np.testing.assert_allclose(_numbers(lines[1]), [gs], atol=1e-8)
    errs = _result_lines(out, "numeric error estimate")
    assert set(errs) == {0, 1} and np.all(_numbers(errs[0]) < 1e-8)
    diffs = re.findall(r"max \|(\w+) - (\w+)\|: (\S+)", out)
    assert {(a, b) for a, b, _ in diffs} == {("forward", "reverse"), ("forward", "numeric")}
    for _, _, d in diffs:
        assert float(d) < 1e-8


def test_grad_jit_show_source(user_dir):
    res = run_wengert(["grad", "model.py:loss", "--args", "[0.1, 0.2]", "2", "--jit", "--show-source"], user_dir)
    assert res.returncode == 0, res.stderr
    out = res.stdout
    gw, gs = _loss_grads(np.array([0.1, 0.2]), 2.0)
    lines = _result_lines(out, "reverse")
    np.testing.assert_allclose(_numbers(lines[0]), gw, atol=1e-8)
    np.testing.assert_allclose(_numbers(lines[1]), [gs], atol=1e-8)
    src = out[out.index("\ndef ") + 1 :]
    assert re.match(r"def \w+\(w, s\):", src), src
    assert "return" in src and "np." in src
    # the printed source is real Python that computes the same gradient
    ns: dict = {"np": np}
    exec(compile(src, "<generated>", "exec"), ns)
    fn = next(v for k, v in ns.items() if callable(v) and k != "np" and not k.startswith("__"))
    got = fn(np.array([0.1, 0.2]), np.float64(2.0))
    np.testing.assert_allclose(got[0], gw, rtol=1e-12)
    np.testing.assert_allclose(got[1], gs, rtol=1e-12)


@pytest.mark.parametrize("mode", ["forward", "reverse", "numeric"])
def test_grad_vector_function_jacobian(capsys, user_dir, monkeypatch, mode):
    """A vector-valued function gets its Jacobian, in each mode."""
    monkeypatch.chdir(user_dir)
    assert main(["grad", "model.py:vec", "--args", "[0.1, 0.2]", "--mode", mode]) == 0
    out = capsys.readouterr().out
    (line,) = _result_lines(out, mode).values()
    np.testing.assert_allclose(_numbers(line), np.diag(2 * np.cos([0.1, 0.2])).ravel(), atol=1e-7)


def test_computation_error_exit_1(user_dir):
    """A function that raises: exit 1, the error in one line, no traceback; --debug shows it."""
    res = run_wengert(["grad", "model.py:bad", "--args", "1.0"], user_dir)
    assert res.returncode == 1
    assert res.stdout == ""
    assert "ValueError" in res.stderr and "x must be positive" in res.stderr and "--debug" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    no_traceback(res.stderr)

    res = run_wengert(["--debug", "grad", "model.py:bad", "--args", "1.0"], user_dir)
    assert res.returncode == 1
    assert "Traceback (most recent call last)" in res.stderr
    assert 'raise ValueError("x must be positive")' in res.stderr


@pytest.mark.parametrize(
    "args, needles",
    [
        (["grad", "nofile.py:loss", "--args", "1"], ["nofile.py"]),
        (["grad", "model.py:nope", "--args", "1"], ["nope", "loss"]),  # and lists what exists
        (["grad", "model.py:not_a_function", "--args", "1"], ["not_a_function"]),
        (["grad", "model.py", "--args", "1"], ["FILE.py:FUNCTION"]),
        (["grad", "model.py:loss", "--args", "missing.npy", "1"], ["missing.npy"]),
        (["grad", "model.py:loss", "--args", "foo", "1"], ["foo"]),
        (["grad", "model.py:loss", "--args", "[1, 2", "1"], ["[1, 2"]),
        (["grad", "model.py:loss", "--args", "{1: 2}", "1"], ["{1: 2}"]),
        (["grad", "model.py:loss", "--args", "'text'", "1"], ["'text'"]),
        (["grad", "model.py:loss"], ["--args"]),
        (["graph", "nofile.py:loss", "--out", "g.dot", "--args", "1"], ["nofile.py"]),
        (["graph", "model.py:nope", "--out", "g.dot", "--args", "1"], ["nope"]),
        (["graph", "model.py:loss", "--out", "g.dot"], ["--args"]),
        (["graph", BAYDIN, "--out", "g.txt"], ["txt"]),
        (["train", "mnist"], ["mnist", "digits"]),
    ],
)
def test_file_and_argument_errors(capsys, user_dir, monkeypatch, args, needles):
    monkeypatch.chdir(user_dir)
    before = sorted(p.name for p in user_dir.iterdir())
    rc = main(args)
    out, err = capsys.readouterr()
    assert rc == 2, err
    one_error_line(err, args[0])
    for n in needles:
        assert n in err, (n, err)
    assert sorted(p.name for p in user_dir.iterdir() if p.name != "__pycache__") == before


def test_missing_file_subprocess(tmp_path):
    res = run_wengert(["grad", "nofile.py:loss", "--args", "1"], tmp_path)
    assert res.returncode == 2 and res.stdout == ""
    assert one_error_line(res.stderr, "grad").strip() == "wengert grad: error: no such file: nofile.py"


@pytest.mark.parametrize("kind", ["ragged", "corrupt", "pickled"])
def test_bad_args_are_usage_errors(capsys, user_dir, monkeypatch, kind):
    monkeypatch.chdir(user_dir)
    if kind == "ragged":
        arg = "[1, [2, 3]]"
    elif kind == "corrupt":
        (user_dir / "bad.npy").write_text("not numpy")
        arg = "bad.npy"
    else:
        np.save(user_dir / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
        arg = "obj.npy"
    rc = main(["grad", "model.py:loss", "--args", arg, "1"])
    err = capsys.readouterr().err
    assert rc == 2, err
    one_error_line(err, "grad")
    assert arg in err


# =============================================================================== wengert graph


def check_dot(text: str) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Structural check of the DOT text; returns {node: label} and the edges."""
    lines = [ln.strip() for ln in text.strip().splitlines()]
    assert re.match(r'digraph "[^"]*" \{$', lines[0]), lines[0]
    assert lines[-1] == "}"
    assert text.count("{") == text.count("}")
    nodes, edges = {}, []
    for ln in lines[1:-1]:
        if m := re.fullmatch(r'"([^"]+)" -> "([^"]+)";', ln):
            edges.append((m.group(1), m.group(2)))
        elif m := re.fullmatch(r'"([^"]+)" \[(.*)\];', ln):
            lab = re.search(r'label="((?:[^"\\]|\\.)*)"', m.group(2))
            assert lab, ln
            nodes[m.group(1)] = lab.group(1)
        else:
            assert re.fullmatch(r"\w+ ?(\[.*\])?\s*=?.*;", ln), ln  # graph/node attributes
    for a, b in edges:
        assert a in nodes and b in nodes, (a, b)
    if shutil.which("dot"):  # Graphviz itself accepts it
        res = subprocess.run(["dot", "-Tcanon"], input=text, capture_output=True, text=True, timeout=30)
        assert res.returncode == 0, res.stderr
    return nodes, edges


def test_graph_dot_with_values(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["graph", BAYDIN, "--out", "g.dot", "--at", AT]) == 0
    assert "g.dot" in capsys.readouterr().out
    nodes, edges = check_dot((tmp_path / "g.dot").read_text())
    labels = list(nodes.values())
    # the op, the shape and dtype, and (with --at) the value of each node
    for op, value in [("log", "0.6931"), ("multiply", "10"), ("sin", "-0.9589"), ("add", "10.69"), ("subtract", "11.65")]:
        (lab,) = [s for s in labels if re.search(rf"\b{op}\b", s)]
        assert "float64[]" in lab and f"= {value}" in lab, lab
    assert any(s.startswith("x1") and "= 2" in s for s in labels)
    assert any(s.startswith("x2") and "= 5" in s for s in labels)
    assert len(edges) == 2 + 1 + 2 + 1 + 2 + 1  # log, multiply, add, sin, subtract, output


def test_graph_grad_dot(capsys, tmp_path, monkeypatch):
    """--grad draws the gradient's graph: d/dx1 = x2 + 1/x1, d/dx2 = x1 - cos(x2)."""
    monkeypatch.chdir(tmp_path)
    assert main(["graph", BAYDIN, "--grad", "--out", "grad.dot"]) == 0
    nodes, _ = check_dot((tmp_path / "grad.dot").read_text())
    text = " ".join(nodes.values())
    assert "cos" in text and "log" not in text  # the gradient needs cos, and log is dead code
    assert sum(1 for k in nodes if k.startswith("out")) == 2


def test_graph_python_function_dot(capsys, user_dir, monkeypatch):
    monkeypatch.chdir(user_dir)
    assert main(["graph", "model.py:loss", "--args", "w.npy", "0.5", "--grad", "--out", "h.dot"]) == 0
    nodes, _ = check_dot((user_dir / "h.dot").read_text())
    text = " ".join(nodes.values())
    assert "tanh" in text and "float64[3]" in text


def test_graph_svg_without_dot(capsys, tmp_path, monkeypatch):
    """Without Graphviz: the DOT text goes next to the requested file, with install advice."""
    monkeypatch.chdir(tmp_path)
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name == "dot" else real_which(name, *a, **k))
    rc = main(["graph", BAYDIN, "--out", "graph.svg"])
    out, err = capsys.readouterr()
    assert rc == 0
    assert not (tmp_path / "graph.svg").exists()
    check_dot((tmp_path / "graph.dot").read_text())
    assert "graph.dot" in err and "graphviz" in err.lower() and "apt-get install graphviz" in err
    assert "dot -Tsvg graph.dot -o graph.svg" in err


def test_graph_svg_subprocess(tmp_path):
    """``wengert graph ... --out graph.svg``: a valid SVG with Graphviz, else the .dot fallback."""
    res = run_wengert(["graph", BAYDIN, "--grad", "--out", "graph.svg", "--at", AT], tmp_path)
    assert res.returncode == 0, res.stderr
    no_traceback(res.stderr)
    if shutil.which("dot") is None:
        assert not (tmp_path / "graph.svg").exists()
        check_dot((tmp_path / "graph.dot").read_text())
        assert "apt-get install graphviz" in res.stderr
        return
    assert "graph.svg" in res.stdout
    root = ET.parse(tmp_path / "graph.svg").getroot()  # well-formed XML
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "cos" in texts and "float64[]" in texts
    assert len(list(root.iter("{http://www.w3.org/2000/svg}g"))) > 5


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")
def test_graph_png(capsys, user_dir, monkeypatch):
    monkeypatch.chdir(user_dir)
    assert main(["graph", "model.py:loss", "--args", "w.npy", "0.5", "--out", "m.png"]) == 0
    assert (user_dir / "m.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# =============================================================================== wengert train


def test_train_digits_softmax(tmp_path):
    pytest.importorskip("sklearn")
    try:
        import wengert.optim.digits  # noqa: F401
    except ImportError as e:
        pytest.skip(f"wengert.optim.digits is not importable: {e}")
    plot = importlib_available("matplotlib")
    args = ["train", "digits", "--model", "softmax", "--no-progress"] + (["--plot", "loss.png"] if plot else [])
    res = run_wengert(args, tmp_path, timeout=120)
    assert res.returncode == 0, res.stderr
    no_traceback(res.stderr)
    m = re.search(r"test accuracy (\d\.\d+)", res.stdout)
    assert m and float(m.group(1)) > 0.9, res.stdout
    if plot:
        assert (tmp_path / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def importlib_available(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None
