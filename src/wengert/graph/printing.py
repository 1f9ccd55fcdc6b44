"""Printing a Graph as its Wengert list, and as DOT/SVG."""

from __future__ import annotations

from typing import Any

import numpy as np

from .ir import Eqn, Graph, Literal, Var

_RESERVED = {"np"}


def _safe_identifier(name: str) -> str:
    """A Python identifier for generated code: other characters become '_', names that could
    clash with generated ones (leading '_', 'np', keywords, builtins) get a suffix."""
    import builtins
    import keyword

    s = "".join(c if (c.isascii() and (c.isalnum() or c == "_")) else "_" for c in str(name)) or "x"
    if s[0].isdigit():
        s = "x" + s
    if s.startswith("_"):
        s = "a" + s
    if keyword.iskeyword(s) or s in _RESERVED or hasattr(builtins, s):
        s += "_"
    return s


def var_names(g: Graph) -> dict[int, str]:
    """Readable, per-graph names: inputs keep theirs, intermediates are v1, v2, ..."""
    names: dict[int, str] = {}
    used = set()
    for k, v in enumerate(g.inputs):
        n = _safe_identifier(v.name or f"x{k}")
        while n in used:
            n += "_"
        names[v.id] = n
        used.add(n)
    k = 1
    for e in g.eqns:
        for v in e.outputs:
            while f"v{k}" in used:
                k += 1
            names[v.id] = f"v{k}"
            used.add(f"v{k}")
            k += 1
    return names


def _fmt_operand(x: Var | Literal, names: dict[int, str] | None) -> str:
    if isinstance(x, Literal):
        return repr(x)
    if names is not None and x.id in names:
        return names[x.id]
    return repr(x)


def _fmt_param(v: Any) -> str:
    if isinstance(v, Graph):
        return f"<graph {v.name}: {len(v.eqns)} eqns>"
    if isinstance(v, np.dtype) or (isinstance(v, type) and issubclass(v, np.generic)):
        return np.dtype(v).name
    if isinstance(v, np.ndarray):
        return f"array{v.shape}" if v.size > 6 else repr(v.tolist())
    if isinstance(v, slice):
        return f"{'' if v.start is None else v.start}:{'' if v.stop is None else v.stop}" + (
            f":{v.step}" if v.step is not None else ""
        )
    if isinstance(v, tuple):
        inner = ", ".join(_fmt_param(x) for x in v)
        return f"({inner}{',' if len(v) == 1 else ''})"
    if v is Ellipsis:
        return "..."
    return repr(v)


def format_eqn(e: Eqn, names: dict[int, str] | None = None) -> str:
    lhs = ", ".join(_fmt_operand(v, names) for v in e.outputs)
    args = [_fmt_operand(i, names) for i in e.inputs]
    args += [f"{k}={_fmt_param(v)}" for k, v in e.params.items()]
    return f"{lhs} = {e.prim.name}({', '.join(args)})"


def _aval(v: Var | Literal) -> str:
    return f"{v.dtype.name}{list(v.shape)}"


def format_graph(g: Graph) -> str:
    names = var_names(g)
    ins = ", ".join(f"{names[v.id]}: {_aval(v)}" for v in g.inputs)
    lines = [f"{g.name}({ins}):"]
    for e in g.eqns:
        outs = ", ".join(_aval(v) for v in e.outputs)
        lines.append(f"    {format_eqn(e, names):<60s} # {outs}")
    outs = ", ".join(_fmt_operand(o, names) for o in g.outputs)
    lines.append(f"    return {outs}")
    return "\n".join(lines)


def _dot_text(s: Any) -> str:
    """``s`` for the inside of a quoted DOT string: quotes, backslashes and line breaks
    escaped, so a name (perhaps from a loaded file) cannot end the string."""
    out = str(s).replace("\\", "\\\\").replace('"', '\\"')
    return "".join(c if c.isprintable() else "\\n" if c == "\n" else "?" for c in out)


def to_dot(g: Graph, values: dict[int, Any] | None = None) -> str:
    """Graphviz DOT text: one node per input/equation, edges along the data flow."""
    names = var_names(g)
    lines = [f'digraph "{_dot_text(g.name)}" {{', "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=10];']
    for v in g.inputs:
        label = f"{names[v.id]}\\n{_aval(v)}"
        if values and v.id in values:
            label += f"\\n= {_short(values[v.id])}"
        lines.append(f'  "{names[v.id]}" [shape=ellipse, style=filled, fillcolor="#dbeafe", label="{label}"];')
    producer = {v.id: f"eq{k}" for k, e in enumerate(g.eqns) for v in e.outputs}
    for k, e in enumerate(g.eqns):
        node = f"eq{k}"
        outs = ", ".join(names[v.id] for v in e.outputs)
        label = f"{outs} = {_dot_text(e.prim.name)}\\n{', '.join(_aval(v) for v in e.outputs)}"
        if values and e.outputs[0].id in values:
            label += f"\\n= {_short(values[e.outputs[0].id])}"
        lines.append(f'  "{node}" [shape=box, label="{label}"];')
        for i in e.inputs:
            if isinstance(i, Var):
                lines.append(f'  "{producer.get(i.id, names.get(i.id))}" -> "{node}";')
    for j, o in enumerate(g.outputs):
        lines.append(f'  "out{j}" [shape=doublecircle, label="out{j}"];')
        if isinstance(o, Var):
            lines.append(f'  "{producer.get(o.id, names.get(o.id))}" -> "out{j}";')
    lines.append("}")
    return "\n".join(lines)


def _short(x: Any) -> str:
    a = np.asarray(x)
    if a.size == 1:
        return f"{a.item():.4g}"
    return f"array{a.shape}"


def to_svg(g: Graph) -> str:
    """SVG via the ``dot`` program (Graphviz); raises if it is not installed."""
    import shutil
    import subprocess

    dot = shutil.which("dot")
    if dot is None:
        raise FileNotFoundError("the Graphviz `dot` program is not installed (apt-get install graphviz)")
    return subprocess.run([dot, "-Tsvg"], input=to_dot(g), capture_output=True, text=True, check=True).stdout
