"""The ``wengert`` command: the three methods side by side on the user's own function.

    wengert diff "log(x1) + x1*x2 - sin(x2)" --at x1=2,x2=5 [--wrt x1] [--format ...]
    wengert grad FILE.py:FUNCTION --args 1.0 data.npy [--mode all] [--jit] [--show-source]
    wengert graph EXPR|FILE.py:FUNCTION --out graph.svg [--grad] [--at ...] [--args ...]
    wengert train digits [--model softmax|mlp] [--optimizer adam] [--plot loss.png]

Exit codes: 0 success, 2 usage error (bad expression, unknown variable, missing file), 1
computation error.  User mistakes print a one-line message; ``--debug`` shows tracebacks.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import __version__, numeric
from .api import grad, jacfwd, jacrev, jvp
from .core.reverse import ReverseTrace
from .graph import jit, trace
from .graph.ir import Var
from .graph.printing import to_dot
from .graph.trace_table import _run, step_text
from .symbolic import (
    ParseError,
    as_expr,
    dag_size,
    gradient,
    lambdify,
    latex,
    parse,
    simplify,
    symbols,
    to_graph,
    to_str,
    tree_size,
)
from .symbolic.diff import rebuild


class UsageError(Exception):
    """A mistake in what the user typed (exit code 2)."""


# --------------------------------------------------------------------------- output helpers


def _fmt(v: Any, digits: int = 4) -> str:
    if isinstance(v, str):
        return v
    a = np.asarray(v)
    if a.size == 1:
        x = a.item()
        if isinstance(x, float):
            if x != 0 and (abs(x) >= 1e6 or abs(x) < 1e-3):
                return f"{x:.{digits}e}"
            return f"{x:.{digits}f}"
        return str(x)
    return np.array2string(a, precision=digits, threshold=8)


def _plain_table(title: str, columns: list[str], rows: list[list[str]]) -> str:
    widths = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(columns)]
    out = [title, "  ".join(c.ljust(w) for c, w in zip(columns, widths)), "  ".join("-" * w for w in widths)]
    out += ["  ".join(x.ljust(w) for x, w in zip(r, widths)) for r in rows]
    return "\n".join(out)


def _print_tables(tables: list[tuple[str, list[str], list[list[str]]]], notes: list[str]) -> None:
    use_rich = sys.stdout.isatty() and os.environ.get("WENGERT_PLAIN") is None
    console = None
    if use_rich:
        try:
            from rich.console import Console
            from rich.table import Table

            console = Console()
            # Never cut numbers: on narrow terminals the tables are wider than the window.
            console = Console(width=max(console.width, 140))
        except ImportError:
            console = None
    for title, cols, rows in tables:
        if console is not None:
            t = Table(title=title, title_justify="left")
            for c in cols:
                t.add_column(c, no_wrap=True)
            for r in rows:
                t.add_row(*r)
            console.print(t)
        else:
            print(_plain_table(title, cols, rows))
            print()
    for n in notes:
        print(n)


def _markdown(tables: list, notes: list[str]) -> str:
    out = []
    for title, cols, rows in tables:
        out.append(f"### {title}\n")
        out.append("| " + " | ".join(cols) + " |")
        out.append("|" + "---|" * len(cols))
        out += ["| " + " | ".join(x.replace("|", "\\|").replace("*", "\\*") for x in r) + " |" for r in rows]
        out.append("")
    out += [f"- {n}" for n in notes]
    return "\n".join(out)


def _latex_tables(tables: list, notes: list[str]) -> str:
    out = []
    for title, cols, rows in tables:
        out.append(f"% {title}")
        out.append("\\begin{tabular}{" + "l" * len(cols) + "}")
        out.append(" & ".join(_tex_escape(c) for c in cols) + " \\\\ \\hline")
        for r in rows:
            out.append(" & ".join(_tex_escape(x) for x in r) + " \\\\")
        out.append("\\end{tabular}")
        out.append("")
    out += [f"% {n}" for n in notes]
    return "\n".join(out)


def _tex_escape(s: str) -> str:
    if s.startswith("$") and s.endswith("$"):
        return s
    return s.replace("_", "\\_").replace("%", "\\%").replace("&", "\\&").replace("#", "\\#")


# --------------------------------------------------------------------------- wengert diff


def _parse_at(text: str | None) -> dict[str, float]:
    if not text:
        return {}
    out: dict[str, float] = {}
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if "=" not in part:
            raise UsageError(f"--at: expected name=value, got {part!r}")
        name, val = (s.strip() for s in part.split("=", 1))
        if not name.isidentifier():
            raise UsageError(f"--at: {name!r} is not a variable name")
        if name in out:
            raise UsageError(f"--at: {name} is given twice ({name}={out[name]:g} and {part}); give each variable once")
        try:
            out[name] = float(val)
        except ValueError:
            raise UsageError(f"--at: the value of {name} is not a number: {val!r}") from None
    return out


def _depth_order(g: Any) -> Any:
    """Equations sorted by depth from the inputs (a topological order that lists
    independent steps first, as in Baydin et al.'s tables)."""

    depth: dict[int, int] = {v.id: 0 for v in g.inputs}
    keyed = []
    for k, e in enumerate(g.eqns):
        d = 1 + max((depth.get(i.id, 0) for i in e.inputs if isinstance(i, Var)), default=0)
        for o in e.outputs:
            depth[o.id] = d
        keyed.append((d, k, e))
    keyed.sort(key=lambda t: (t[0], t[1]))
    return g.replace(eqns=[e for _, _, e in keyed])


def _baydin_names(g: Any) -> dict[int, str]:
    n_in = len(g.inputs)
    names = {v.id: f"v{k - n_in + 1}" for k, v in enumerate(g.inputs)}
    k = 1
    for e in g.eqns:
        for o in e.outputs:
            names[o.id] = f"v{k}"
            k += 1
    return names


class DomainError(Exception):
    """The function is undefined (not finite) at the requested point."""


def _check_domain(g: Any, values: dict, vn: Any, names: list, x: list) -> None:
    """Raise ``DomainError`` naming the first step whose value is not finite although its
    inputs are (``log`` at a negative number, ``1/0``): the derivatives there mean nothing."""

    def finite(v: Any) -> bool:
        return bool(np.all(np.isfinite(v)))

    point = ", ".join(f"{n}={v:.10g}" for n, v in zip(names, x))
    for e in g.eqns:
        outs = [values.get(v.id) for v in e.outputs]
        if all(o is None or finite(o) for o in outs):
            continue
        ins = [values.get(i.id) if hasattr(i, "id") else getattr(i, "value", None) for i in e.inputs]
        if all(v is None or finite(v) for v in ins):
            bad = next(o for o in outs if o is not None and not finite(o))
            why = "" if np.isnan(bad) else " (a pole, or a value beyond float64's range)"
            raise DomainError(
                f"{e.prim.name} is undefined at this point ({point}): it gives {bad} there{why}; "
                "choose a point inside the function's domain"
            )


def cmd_diff(args: argparse.Namespace) -> int:

    try:
        expr = parse(args.expr)
    except ParseError as e:
        raise UsageError(str(e)) from None
    at = _parse_at(args.at)
    free = {s.name: s for s in expr.free_symbols}
    unknown = [n for n in at if n not in free]
    if unknown:
        raise UsageError(
            f"--at: unknown variable(s) {', '.join(unknown)}; the expression uses {', '.join(sorted(free)) or 'no variables'}"
        )
    missing = [n for n in sorted(free) if n not in at]
    if missing:
        raise UsageError(f"--at: no value for {', '.join(missing)} (give e.g. --at {missing[0]}=1.0)")
    names = [n for n in at]  # the user's order
    syms = [free[n] for n in names]
    if not syms:
        raise UsageError("the expression has no variables to differentiate")
    wrt = args.wrt or names[0]
    if wrt not in free:
        raise UsageError(f"--wrt: {wrt!r} is not a variable of the expression ({', '.join(names)})")
    x = [np.float64(at[n]) for n in names]
    k = names.index(wrt)

    g = _depth_order(to_graph(expr, syms, "f"))
    vn = _baydin_names(g)
    values: dict[int, Any] = {}
    tangents: dict[int, Any] = {}
    adjoints: dict[int, Any] = {}

    _run(g, values)(*x)
    _check_domain(g, values, vn, names, x)
    rec: dict[int, Any] = {}
    seed = [np.float64(1.0 if i == k else 0.0) for i in range(len(x))]
    jvp(_run(g, rec), tuple(x), tuple(seed))
    for key, v in rec.items():
        tangents[key] = getattr(v, "tangent", 0.0)

    rec2: dict[int, Any] = {}
    tr = ReverseTrace()
    with tr:
        boxed = [tr.new_input(v) for v in x]
        out = _run(g, rec2)(*boxed)[0]
    keys = list(rec2)
    cts = tr.cotangents((out,), (np.float64(1.0),), [rec2[k] for k in keys], keep=True)
    for key, c in zip(keys, cts):
        adjoints[key] = 0.0 if c is None else c

    def step(e: Any) -> str:
        return step_text(e, vn)

    primal_rows = [[vn[v.id], f"{v.name} = {_fmt(values[v.id])}", _fmt(values[v.id])] for v in g.inputs]
    primal_rows += [[vn[e.outputs[0].id], step(e), _fmt(values[e.outputs[0].id])] for e in g.eqns]
    tangent_rows = [[vn[v.id], f"d{v.name}/d{wrt}", _fmt(tangents.get(v.id, 0.0))] for v in g.inputs]
    tangent_rows += [[vn[e.outputs[0].id], _tangent_step(e, vn), _fmt(tangents.get(e.outputs[0].id, 0.0))] for e in g.eqns]
    adj_rows = [[f"{vn[e.outputs[0].id]}", _fmt(adjoints.get(e.outputs[0].id, 0.0))] for e in reversed(g.eqns)]
    adj_rows += [[f"{vn[v.id]} ({v.name})", _fmt(adjoints.get(v.id, 0.0))] for v in reversed(g.inputs)]
    out_var = g.outputs[0]
    y = values[out_var.id] if isinstance(out_var, Var) else out_var.value

    # the methods for all variables at once (near-linear in the size of the expression): one
    # reverse pass, one batched forward pass (all seeds together), one reverse pass over the
    # expression for the symbolic derivatives and one compiled function evaluating them all,
    # and the numerical partials from batched calls of one compiled f
    every = tuple(range(len(syms)))

    def f_num(*v: Any) -> Any:
        return rebuild(expr, {id(s): a for s, a in zip(syms, v)}, numeric=True)

    rev = dict(zip(names, grad(f_num, argnums=every)(*x)))
    fwd = dict(zip(names, jacfwd(f_num, argnums=every)(*x)))
    sym_exprs = dict(zip(names, gradient(expr, syms, mode="reverse")))  # one pass for all
    sym_vals = dict(zip(names, lambdify([sym_exprs[n] for n in names], syms)(*x)))
    f_compiled = lambdify(expr, syms)

    def f_batch(points: Any) -> Any:  # points: (..., n), the variables along the last axis
        y = f_compiled(*np.moveaxis(points, -1, 0))
        return np.broadcast_to(np.asarray(y, dtype=float), np.shape(points)[:-1])

    # all partials at once: f is called on a few batches of points (at most ~1M numbers each)
    est = numeric.gradient(f_batch, np.array(x), vectorized=True, batch_size=max(1, 2**20 // len(x)))
    num = {n: (est.value[i], est.error[i]) for i, n in enumerate(names)}

    method_rows = []
    for n in names:
        f_, r_, s_, (nv, ne) = fwd[n], rev[n], sym_vals[n], num[n]
        worst = float(np.max(np.abs([f_ - r_, f_ - s_, f_ - nv])))  # nan if any method gave nan
        method_rows.append([f"d/d{n}", _fmt(f_, 10), _fmt(r_, 10), _fmt(s_, 10), _fmt(nv, 10), _fmt(ne, 2), _fmt(worst, 2)])
    sym_rows = [[f"d/d{n}", to_str(sym_exprs[n]), str(tree_size(sym_exprs[n])), str(dag_size(sym_exprs[n]))] for n in names]
    tables = [
        (f"Forward primal trace (evaluation trace) of f = {to_str(expr)}", ["var", "step", "value"], primal_rows),
        (f"Forward tangent trace, seeded d{wrt} = 1", ["var", "tangent step", f"d/d{wrt}"], tangent_rows),
        ("Reverse adjoint trace, seeded adjoint of y = 1", ["var", "adjoint"], adj_rows),
        ("Symbolic derivatives (simplified)", ["derivative", "expression", "tree size", "DAG size"], sym_rows),
        (
            "The three methods",
            ["derivative", "forward AD", "reverse AD", "symbolic", "numerical", "numerical error est.", "max difference"],
            method_rows,
        ),
    ]
    notes = [f"f({', '.join(f'{n}={_fmt(at[n])}' for n in names)}) = {_fmt(y, 6)}"]
    if args.format == "json":
        doc = {
            "expression": to_str(expr),
            "at": at,
            "value": float(y),
            "wrt": wrt,
            "primal_trace": [
                {"var": r[0], "step": r[1], "value": float(values[i])}
                for r, i in zip(primal_rows, [v.id for v in g.inputs] + [e.outputs[0].id for e in g.eqns])
            ],
            "tangent_trace": [
                {"var": r[0], "step": r[1], "tangent": float(tangents.get(i, 0.0))}
                for r, i in zip(tangent_rows, [v.id for v in g.inputs] + [e.outputs[0].id for e in g.eqns])
            ],
            "adjoints": {vn[e.outputs[0].id]: float(adjoints.get(e.outputs[0].id, 0.0)) for e in g.eqns}
            | {vn[v.id]: float(adjoints.get(v.id, 0.0)) for v in g.inputs},
            "derivatives": {
                n: {
                    "forward": float(fwd[n]),
                    "reverse": float(rev[n]),
                    "symbolic": float(sym_vals[n]),
                    "symbolic_expression": to_str(sym_exprs[n]),
                    "symbolic_latex": latex(sym_exprs[n]),
                    "tree_size": tree_size(sym_exprs[n]),
                    "dag_size": dag_size(sym_exprs[n]),
                    "numerical": float(num[n][0]),
                    "numerical_error_estimate": float(num[n][1]),
                }
                for n in names
            },
        }
        print(json.dumps(doc, indent=2))
    elif args.format == "markdown":
        print(_markdown(tables, notes))
    elif args.format == "latex":
        sym_rows_tex = [[r[0], f"${latex(sym_exprs[n])}$", r[2], r[3]] for r, n in zip(sym_rows, names)]
        tables[3] = (tables[3][0], tables[3][1], sym_rows_tex)
        print(_latex_tables(tables, notes))
    else:
        _print_tables(tables, notes)
    return 0


def _tangent_step(e: Any, names: dict[int, str]) -> str:
    """The tangent rule of one step (the ``dv`` of ``v = op(...)``), written by running the
    op's own JVP rule on symbols: operands are their names, tangents ``d<name>``, the step's
    result its own name; constant operands carry no tangent."""

    shown: dict[str, str] = {}  # symbol name -> the table's name (v-1 is not an identifier)

    def sym(text: str) -> Any:
        name = f"_s{len(shown)}_"
        shown[name] = text
        return symbols(name)

    args, tangents = [], []
    for i in e.inputs:
        if isinstance(i, Var):
            args.append(sym(names[i.id]))
            tangents.append(sym("d" + names[i.id]))
        else:
            args.append(as_expr(i.value))
            tangents.append(None)
    if e.prim.jvp is None or all(t is None for t in tangents):
        return "0"
    out = e.prim.jvp(tuple(tangents), sym(names[e.outputs[0].id]), *args, **e.params)
    if out is None:
        return "0"
    text = to_str(simplify(as_expr(out)))
    return re.sub(r"_s[0-9]+_", lambda m: shown[m.group(0)], text)


# --------------------------------------------------------------------------- FILE.py:FUNCTION


def _load_function(spec: str) -> Callable:
    if ":" not in spec:
        raise UsageError(f"expected FILE.py:FUNCTION, got {spec!r}")
    path, _, name = spec.rpartition(":")
    if not os.path.isfile(path):
        raise UsageError(f"no such file: {path}")
    mod_spec = importlib.util.spec_from_file_location("_wengert_user_module", path)
    if mod_spec is None or mod_spec.loader is None:
        raise UsageError(f"cannot load {path} as a Python module")
    module = importlib.util.module_from_spec(mod_spec)
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    try:
        mod_spec.loader.exec_module(module)
    finally:
        sys.path.pop(0)
    fn = getattr(module, name, None)
    if fn is None or not callable(fn):
        available = sorted(k for k, v in vars(module).items() if callable(v) and not k.startswith("_"))
        raise UsageError(f"{path} has no function {name!r}" + (f"; it defines {', '.join(available)}" if available else ""))
    return fn


def _parse_arg(text: str) -> Any:
    if text.endswith(".npy"):
        if not os.path.isfile(text):
            raise UsageError(f"no such file: {text}")
        try:
            return np.load(text, allow_pickle=False)
        except (ValueError, OSError) as e:
            raise UsageError(f"--args: cannot read {text} as a NumPy array file ({e})") from None
    try:
        v = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        raise UsageError(f"--args: {text!r} is neither a .npy file nor a Python literal (number, list, tuple)") from None
    if isinstance(v, bool) or not isinstance(v, (int, float, list, tuple)):
        raise UsageError(f"--args: unsupported value {text!r} (give numbers or lists of numbers)")
    try:
        return np.float64(v) if isinstance(v, (int, float)) else np.asarray(v, dtype=float)
    except (ValueError, TypeError):
        raise UsageError(f"--args: {text!r} is not a rectangular array of numbers") from None


def cmd_grad(args: argparse.Namespace) -> int:

    fn = _load_function(args.target)
    vals = [_parse_arg(a) for a in (args.args or [])]
    argnums = tuple(range(len(vals)))
    if not argnums:
        raise UsageError("give the function's arguments with --args (numbers, lists or .npy files)")
    out = fn(*vals)
    scalar = np.ndim(out) == 0
    results: dict[str, Any] = {}
    modes = ["forward", "reverse", "numeric"] if args.mode == "all" else [args.mode]
    for m in modes:
        if m == "reverse":
            f = grad(fn, argnums) if scalar else jacrev(fn, argnums)
            results["reverse"] = (jit(f) if args.jit else f)(*vals)
        elif m == "forward":
            f = jacfwd(fn, argnums)
            results["forward"] = (jit(f) if args.jit else f)(*vals)
        else:
            packed = lambda a: fn(*a)  # noqa: E731  (numeric takes one pytree argument)
            est = numeric.jacobian(packed, tuple(vals)) if not scalar else numeric.gradient(packed, tuple(vals))
            results["numeric"] = est.value
            results["numeric error estimate"] = est.error
    print(f"{getattr(fn, '__name__', 'f')}({', '.join(_fmt(v) for v in vals)}) = {_fmt(out, 6)}")
    for k, v in results.items():
        parts = v if isinstance(v, tuple) else (v,)
        for i, p in enumerate(parts):
            print(f"{k:>24s} [argument {i}]: {_fmt(p, 8)}")
    if len([m for m in modes]) > 1:
        ref = results[modes[0]]
        for m in modes[1:]:
            a = np.concatenate([np.ravel(p) for p in (ref if isinstance(ref, tuple) else (ref,))])
            b = np.concatenate([np.ravel(p) for p in (results[m] if isinstance(results[m], tuple) else (results[m],))])
            print(f"{'max |' + modes[0] + ' - ' + m + '|':>24s}: {np.max(np.abs(a - b)):.3e}")
    if args.show_source:
        g = grad(fn, argnums) if scalar else jacrev(fn, argnums)
        print()
        print(jit(g).source(*vals))
    return 0


# --------------------------------------------------------------------------- wengert graph


def cmd_graph(args: argparse.Namespace) -> int:

    values = None
    if ".py:" in args.target or args.target.endswith(".py"):
        fn = _load_function(args.target)
        vals = [_parse_arg(a) for a in (args.args or [])]
        if not vals:
            raise UsageError("tracing a Python function needs example arguments: --args ...")
        f = grad(fn, tuple(range(len(vals)))) if args.grad else fn
        g = trace(f)(*vals)
        point = vals
    else:
        try:
            expr = parse(args.target)
        except ParseError as e:
            raise UsageError(str(e)) from None
        at = _parse_at(args.at)
        free = {s.name: s for s in expr.free_symbols}
        unknown = [n for n in at if n not in free]
        if unknown:
            raise UsageError(f"--at: unknown variable(s) {', '.join(unknown)}")
        names = list(at) + sorted(n for n in free if n not in at)
        syms = [free[n] for n in names]

        def fn(*v: Any) -> Any:
            return rebuild(expr, {id(s): a for s, a in zip(syms, v)}, numeric=True)

        fn.__name__ = "f"
        point = [np.float64(at.get(n, 1.0)) for n in names]
        f = grad(fn, tuple(range(len(syms)))) if args.grad else fn
        g = trace(f)(*point)
        for v, n in zip(g.inputs, names):
            v.name = n
    g = g.optimize()
    if args.at or args.args:
        values = {}
        _run(g, values)(*point)
    dot = to_dot(g, values)
    out = args.out
    if out.endswith(".dot"):
        with open(out, "w") as fh:
            fh.write(dot + "\n")
        print(f"wrote {out} ({len(g.eqns)} equations)")
        return 0
    fmt = os.path.splitext(out)[1].lstrip(".").lower()
    if fmt not in ("svg", "png", "pdf"):
        raise UsageError(f"--out: unsupported format {fmt!r}; use .svg, .png, .pdf or .dot")
    exe = shutil.which("dot")
    if exe is None:
        alt = os.path.splitext(out)[0] + ".dot"
        with open(alt, "w") as fh:
            fh.write(dot + "\n")
        print(
            f"the Graphviz 'dot' program is not installed, so {out} was not drawn; wrote the DOT text to "
            f"{alt} instead. Install Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install "
            f"graphviz) and run: dot -T{fmt} {alt} -o {out}",
            file=sys.stderr,
        )
        return 0
    res = subprocess.run([exe, f"-T{fmt}", "-o", out], input=dot, text=True, capture_output=True)
    if res.returncode != 0:
        print(f"dot failed: {res.stderr.strip()}", file=sys.stderr)
        return 1
    print(f"wrote {out} ({len(g.eqns)} equations)")
    return 0


# --------------------------------------------------------------------------- wengert train


def cmd_train(args: argparse.Namespace) -> int:
    if args.dataset != "digits":
        raise UsageError(f"unknown dataset {args.dataset!r}; available: digits")
    try:
        from .optim.digits import train_digits  # (optional extra: scikit-learn, loaded on demand)
    except ImportError as e:
        raise UsageError(f"training needs scikit-learn for the digits data: pip install 'wengert[examples]' ({e})") from None
    try:
        res = train_digits(
            model=args.model, optimizer=args.optimizer, plot=args.plot, seed=args.seed, progress=not args.no_progress
        )
    except ImportError as e:
        raise UsageError(str(e)) from None
    acc = getattr(res, "test_accuracy", None)
    if acc is not None:
        print(f"test accuracy {acc:.4f}")
    return 0


# --------------------------------------------------------------------------- main


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="wengert", description="Derivatives of Python/NumPy code, computed three ways.")
    p.add_argument("--debug", action="store_true", help="show Python tracebacks")
    sub = p.add_subparsers(dest="command")
    d = sub.add_parser("diff", help="differentiate a math expression: traces, symbolic, numeric, compared")
    d.add_argument("expr", help='e.g. "log(x1) + x1*x2 - sin(x2)"')
    d.add_argument("--at", required=True, help="the point, e.g. x1=2,x2=5")
    d.add_argument("--wrt", help="the variable seeded in the forward tangent trace (default: the first)")
    d.add_argument("--format", choices=["table", "json", "latex", "markdown"], default="table")
    g = sub.add_parser("grad", help="differentiate a function from a Python file")
    g.add_argument("target", help="FILE.py:FUNCTION")
    g.add_argument("--args", nargs="+", help="arguments: numbers, lists like [1,2], or .npy files")
    g.add_argument("--mode", choices=["forward", "reverse", "numeric", "all"], default="reverse")
    g.add_argument("--jit", action="store_true", help="compile the derivative (graph mode)")
    g.add_argument("--show-source", action="store_true", help="print the generated gradient code")
    gr = sub.add_parser("graph", help="draw the computation graph with Graphviz")
    gr.add_argument("target", help="an expression, or FILE.py:FUNCTION")
    gr.add_argument("--out", required=True, help="graph.svg, .png, .pdf or .dot")
    gr.add_argument("--grad", action="store_true", help="draw the gradient's graph")
    gr.add_argument("--at", help="values shown in the nodes, e.g. x1=2,x2=5 (expressions)")
    gr.add_argument("--args", nargs="+", help="example arguments (FILE.py:FUNCTION)")
    t = sub.add_parser("train", help="train a model with automatic gradients")
    t.add_argument("dataset", help="digits")
    t.add_argument("--model", choices=["softmax", "mlp"], default="softmax")
    t.add_argument("--optimizer", default="adam")
    t.add_argument("--plot", help="save the loss curve as PNG")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--no-progress", action="store_true")
    sub.add_parser("demo", help="a short reverse-mode example")
    sub.add_parser("version", help="print the version")
    return p


def _demo() -> int:
    return main(["diff", "log(x1) + x1*x2 - sin(x2)", "--at", "x1=2,x2=5"])


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def _hide_internal_runtime_warnings() -> None:
    """Inside ``warnings.catch_warnings()``: drop NumPy's ``RuntimeWarning``s that point into
    wengert's own files or the code it generates (``log`` of a negative number while tracing
    or differentiating).  The commands report non-finite values themselves (a domain error, or
    nan/inf in the tables); warnings from the user's own files are still shown."""
    warnings.simplefilter("default", RuntimeWarning)  # shown (below: or dropped), never raised
    show = warnings.showwarning

    def filtered(message: Any, category: Any, filename: str, lineno: int, file: Any = None, line: Any = None) -> None:
        if issubclass(category, RuntimeWarning) and (
            filename.startswith("<wengert") or os.path.abspath(filename).startswith(_PACKAGE_DIR + os.sep)
        ):
            return
        show(message, category, filename, lineno, file, line)

    warnings.showwarning = filtered


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``wengert`` console script."""
    parser = _parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    argv = [a for a in argv if a != "--debug"]
    if len(argv) > 1 and argv[0] in ("diff", "graph") and argv[1].startswith("-") and argv[1] not in ("-h", "--help"):
        if not argv[1].startswith("--"):  # an expression like "-sin(x)": keep it positional
            expr = argv.pop(1)
            argv += ["--", expr]
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0) if e.code in (0, None) else 2
    handlers = {"diff": cmd_diff, "grad": cmd_grad, "graph": cmd_graph, "train": cmd_train}
    if args.command == "version":

        print(__version__)
        return 0
    if args.command == "demo":
        return _demo()
    if args.command not in handlers:
        parser.print_help(sys.stderr)
        return 2
    try:
        with warnings.catch_warnings():
            _hide_internal_runtime_warnings()
            return handlers[args.command](args)
    except DomainError as e:
        if debug:
            raise
        print(f"wengert {args.command}: domain error: {e}", file=sys.stderr)
        return 1
    except UsageError as e:
        if debug:
            raise
        print(f"wengert {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # a computation error: one line unless --debug
        if debug:
            raise
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        print(f"wengert {args.command}: {type(e).__name__}: {msg}  (run with --debug for the traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
