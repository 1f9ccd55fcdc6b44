"""Printers for symbolic expressions: infix math with minimal parentheses, LaTeX, NumPy
source; the sizes ``tree_size`` (operations counted as a tree) and ``dag_size`` (counted once
per shared node), which measure expression swell.

Precedence, math names and LaTeX commands come from the primitives' own descriptions
(``Primitive.describe``); the layout of the arithmetic operators is written here, keyed by
the primitive objects, and every other op prints as ``math(args)``.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from ..ops.elementwise import (
    abs_p,
    add_p,
    exp_p,
    multiply_p,
    negative_p,
    power_p,
    reciprocal_p,
    sqrt_p,
    square_p,
    subtract_p,
    true_divide_p,
)
from .expr import Expr, walk

# precedence (higher binds tighter): the ops' own, and atoms above every op
PREC = {p.name: p.prec for p in (add_p, subtract_p, multiply_p, true_divide_p, negative_p, power_p)}
PREC["atom"] = 100

TREE_PRINT_LIMIT = 50_000  # larger trees print as their Wengert list (shared nodes named)


_DIGIT_CHUNK = 500  # decimal digits per piece: below Python's smallest int-to-str limit (640)


def int_text(v: int) -> str:
    """The decimal digits of any integer, however large: Python's ``str`` refuses integers
    beyond ``sys.get_int_max_str_digits()`` digits, so huge ones (exact constants that
    simplification folded) are written piece by piece."""
    try:
        return str(v)
    except ValueError:
        pass
    sign, v = ("-", -v) if v < 0 else ("", v)
    pieces = []
    unit = 10**_DIGIT_CHUNK
    while v:
        v, r = divmod(v, unit)
        pieces.append(r)
    head = str(pieces[-1])
    return sign + head + "".join(f"{p:0{_DIGIT_CHUNK}d}" for p in reversed(pieces[:-1]))


def _num_str(v: Any) -> tuple[str, int]:
    if isinstance(v, Fraction):
        s = f"{int_text(v.numerator)}/{int_text(v.denominator)}"
        return s, PREC["true_divide"] - (1 if v < 0 else 0)
    if isinstance(v, complex):
        return f"({v!r})".replace("((", "(").replace("))", ")"), PREC["atom"]
    s = int_text(v) if isinstance(v, int) else repr(v)
    if s in ("inf", "-inf", "nan"):
        s = {"inf": "inf", "-inf": "-inf", "nan": "nan"}[s]
    return s, (PREC["negative"] if s.startswith("-") else PREC["atom"])


def _wrap(s: str, p: int, need: int, strict: bool = False) -> str:
    return f"({s})" if (p < need or (strict and p == need)) else s


def to_str(e: Expr) -> str:
    """Infix math with minimal parentheses (parses back with ``parse``)."""
    if tree_size(e) > TREE_PRINT_LIMIT:
        return wengert_list(e)
    memo: dict[int, tuple[str, int]] = {}
    for n in walk(e):
        memo[id(n)] = _fmt(n, [memo[id(a)] for a in n.args])
    return memo[id(e)][0]


def _fmt(n: Expr, args: list[tuple[str, int]]) -> tuple[str, int]:
    if n.op == "symbol":
        return n.name, PREC["atom"]
    if n.op == "const":
        return _num_str(n.value)
    op = n.op
    if op is add_p:
        (a, pa), (b, pb) = args
        if b.startswith("-") and pb >= PREC["multiply"]:
            return f"{a} - {b[1:]}", PREC["add"]
        return f"{_wrap(a, pa, PREC['add'])} + {_wrap(b, pb, PREC['add'])}", PREC["add"]
    if op is subtract_p:
        (a, pa), (b, pb) = args
        return f"{_wrap(a, pa, PREC['add'])} - {_wrap(b, pb, PREC['add'], True)}", PREC["add"]
    if op is multiply_p:
        c = n.args[0]
        if c.op == "const" and isinstance(c.value, Fraction) and c.value > 0:  # p/q*e printed as p*e/q
            (b, pb) = args[1]
            p, q = int_text(c.value.numerator), int_text(c.value.denominator)
            body = _wrap(b, pb, PREC["multiply"]) if p == "1" else f"{p}*{_wrap(b, pb, PREC['multiply'])}"
            return f"{body}/{q}", PREC["true_divide"]
        (a, pa), (b, pb) = args
        return f"{_wrap(a, pa, PREC['multiply'])}*{_wrap(b, pb, PREC['multiply'], pb == PREC['true_divide'] - 1)}", PREC[
            "multiply"
        ]
    if op is true_divide_p:
        (a, pa), (b, pb) = args
        return f"{_wrap(a, pa, PREC['multiply'])}/{_wrap(b, pb, PREC['multiply'], True)}", PREC["true_divide"]
    if op is negative_p:
        ((a, pa),) = args
        return f"-{_wrap(a, pa, PREC['negative'])}", PREC["negative"]
    if op is power_p or op is square_p or op is reciprocal_p:
        if op is square_p:
            args = [args[0], ("2", PREC["atom"])]
        if op is reciprocal_p:
            ((a, pa),) = args
            return f"1/{_wrap(a, pa, PREC['multiply'], True)}", PREC["true_divide"]
        (a, pa), (b, pb) = args
        return f"{_wrap(a, pa, PREC['power'], True)}**{_wrap(b, pb, PREC['power'])}", PREC["power"]
    fname = op.math or op.name
    inner = ", ".join(a for a, _ in args)
    if n.params:
        inner += "".join(f", {k}={v!r}" for k, v in n.params)
    return f"{fname}({inner})", PREC["atom"]


# --------------------------------------------------------------------------- LaTeX


def _latex_num(v: Any) -> tuple[str, int]:
    if isinstance(v, Fraction):
        sign = "-" if v < 0 else ""
        frac = f"\\frac{{{int_text(abs(v.numerator))}}}{{{int_text(v.denominator)}}}"
        return sign + frac, (PREC["negative"] if sign else PREC["atom"])
    s = int_text(v) if isinstance(v, int) else repr(v)
    if s == "inf":
        return r"\infty", PREC["atom"]
    if "e" in s and isinstance(v, float):
        m, ex = s.split("e")
        s = f"{m} \\cdot 10^{{{int(ex)}}}"
        return s, PREC["multiply"]
    return s, (PREC["negative"] if s.startswith("-") else PREC["atom"])


def _latex_symbol(name: str) -> str:
    greek = {
        "alpha",
        "beta",
        "gamma",
        "delta",
        "epsilon",
        "theta",
        "lambda",
        "mu",
        "sigma",
        "phi",
        "omega",
        "tau",
        "rho",
        "eta",
        "nu",
        "xi",
        "kappa",
        "zeta",
        "chi",
        "psi",
    }
    base, _, sub = name.partition("_")
    if not sub:
        i = len(base)
        while i > 0 and base[i - 1].isdigit():
            i -= 1
        if 0 < i < len(base):
            base, sub = base[:i], base[i:]
    b = f"\\{base}" if base in greek else base
    if len(base) > 1 and base not in greek:
        b = f"\\mathrm{{{base}}}"
    return f"{b}_{{{sub}}}" if sub else b


def latex(e: Expr, symbol_names: dict | None = None) -> str:
    """LaTeX source of the expression.  ``symbol_names`` maps symbols (or their names) to the
    LaTeX to print for them, e.g. ``{x1: r"\\alpha"}`` or ``{"x1": r"\\alpha"}``."""
    names = {}
    for k, v in (symbol_names or {}).items():
        names[k if isinstance(k, str) else getattr(k, "name", str(k))] = v
    memo: dict[int, tuple[str, int]] = {}
    for n in walk(e):
        if n.op == "symbol" and n.name in names:
            memo[id(n)] = (names[n.name], PREC["atom"])
        else:
            memo[id(n)] = _latex_node(n, [memo[id(a)] for a in n.args])
    return memo[id(e)][0]


def _lwrap(s: str, p: int, need: int) -> str:
    return f"\\left({s}\\right)" if p < need else s


def _latex_node(n: Expr, args: list[tuple[str, int]]) -> tuple[str, int]:
    if n.op == "symbol":
        return _latex_symbol(n.name), PREC["atom"]
    if n.op == "const":
        return _latex_num(n.value)
    op = n.op
    if op is add_p:
        (a, pa), (b, pb) = args
        if b.startswith("-"):
            return f"{a} - {b[1:]}", PREC["add"]
        return f"{a} + {b}", PREC["add"]
    if op is subtract_p:
        (a, pa), (b, pb) = args
        return f"{a} - {_lwrap(b, pb, PREC['add'] + 1)}", PREC["add"]
    if op is multiply_p:
        c = n.args[0]
        if c.op == "const" and isinstance(c.value, Fraction) and c.value > 0:  # p/q*e as \frac{p e}{q}
            b = args[1][0]
            p, q = int_text(c.value.numerator), int_text(c.value.denominator)
            top = b if p == "1" else f"{p} {b}"
            return f"\\frac{{{top}}}{{{q}}}", PREC["atom"]
        (a, pa), (b, pb) = args
        sep = " \\cdot " if (b[:1].isdigit() or b.startswith("-")) else " "
        return f"{_lwrap(a, pa, PREC['multiply'])}{sep}{_lwrap(b, pb, PREC['multiply'])}", PREC["multiply"]
    if op is true_divide_p:
        (a, _), (b, _) = args
        return f"\\frac{{{a}}}{{{b}}}", PREC["atom"]
    if op is reciprocal_p:
        ((a, _),) = args
        return f"\\frac{{1}}{{{a}}}", PREC["atom"]
    if op is negative_p:
        ((a, pa),) = args
        return f"-{_lwrap(a, pa, PREC['negative'])}", PREC["negative"]
    if op is power_p or op is square_p:
        (a, pa) = args[0]
        b = "2" if op is square_p else args[1][0]
        return f"{_lwrap(a, pa, PREC['atom'])}^{{{b}}}", PREC["power"]
    if op is sqrt_p:
        return f"\\sqrt{{{args[0][0]}}}", PREC["atom"]
    if op is exp_p:
        return f"e^{{{args[0][0]}}}", PREC["power"]
    if op is abs_p:
        return f"\\left|{args[0][0]}\\right|", PREC["atom"]
    f = op.latex or f"\\operatorname{{{op.math or op.name}}}"
    inner = ", ".join(a for a, _ in args)
    return f"{f}\\left({inner}\\right)", PREC["atom"]


# --------------------------------------------------------------------------- sizes and lists


def dag_size(e: Expr) -> int:
    """Number of operations, each shared subexpression counted once."""
    return sum(1 for n in walk(e) if n.op not in ("symbol", "const"))


def tree_size(e: Expr) -> int:
    """Number of operations if the expression were written out as a tree (no sharing)."""
    size: dict[int, int] = {}
    for n in walk(e):
        size[id(n)] = 0 if n.op in ("symbol", "const") else 1 + sum(size[id(a)] for a in n.args)
    return size[id(e)]


def wengert_list(e: Expr) -> str:
    """The expression as its Wengert list: one line per operation, shared nodes named once."""
    names: dict[int, str] = {}
    lines = []
    k = 0
    for n in walk(e):
        if n.op == "symbol":
            names[id(n)] = n.name
        elif n.op == "const":
            names[id(n)] = _num_str(n.value)[0]
        else:
            k += 1
            names[id(n)] = f"v{k}"
            args = ", ".join(names[id(a)] for a in n.args)
            params = "".join(f", {p}={v!r}" for p, v in n.params)
            lines.append(f"v{k} = {n.opname}({args}{params})")
    if not lines:
        return names[id(e)]
    return "\n".join(lines)


def to_dot(e: Expr) -> str:
    """Graphviz DOT text of the expression DAG."""
    lines = ["digraph expr {", '  node [fontname="Helvetica", fontsize=10];']
    ids: dict[int, str] = {}
    for k, n in enumerate(walk(e)):
        node = f"n{k}"
        ids[id(n)] = node
        if n.op == "symbol":
            lines.append(f'  {node} [shape=ellipse, label="{n.name}"];')
        elif n.op == "const":
            lines.append(f'  {node} [shape=plaintext, label="{_num_str(n.value)[0]}"];')
        else:
            lines.append(f'  {node} [shape=box, label="{n.opname}"];')
            for a in n.args:
                lines.append(f"  {ids[id(a)]} -> {node};")
    lines.append("}")
    return "\n".join(lines)
