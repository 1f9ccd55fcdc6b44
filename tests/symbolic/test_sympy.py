"""``wengert.symbolic`` against SymPy on a few hundred generated expressions.

A seeded generator builds every expression twice, as a wengert expression (operators and
``wengert.numpy`` functions on symbols) and as the corresponding SymPy expression, over a
whitelist of functions whose arguments are kept inside their real domains (positive for
``log``/``sqrt``/fractional powers, inside (-1, 1) for ``arcsin``/``arccos``/``arctanh``,
above 1 for ``arccosh``; denominators positive).  At random points (where the value and the
derivatives are finite and moderate) we check:

- first derivatives (every expression, with respect to two symbols) and second derivatives
  (a quarter of them, pure and mixed) equal SymPy's numerically;
- ``simplify`` keeps the value, and the unsimplified derivative equals the simplified one;
- ``to_str`` read back by SymPy's own parser (``sympy.sympify``, which is eval-based: fine
  in a test) gives SymPy's value, so the printer is checked by an independent reader;
- ``parse(to_str(e))`` is the same node or evaluates equal (the printer/parser round trip).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

sympy = pytest.importorskip("sympy")

import wengert.numpy as wnp  # noqa: E402
import wengert.symbolic as sym  # noqa: E402
from wengert.symbolic.expr import walk  # noqa: E402

N_EXPR = 300
N_POINTS = 5
SEED = 20240611
RTOL = 1e-7

# ----------------------------------------------------------------------------- symbols

W_REAL = sym.symbols("x y")
W_POS = sym.symbols("p q", positive=True)
# SymPy symbols without assumptions: its assumption system would dominate the run time, and at
# real points in the domains above the values coincide (``abs`` is written sqrt(u**2) there).
S_REAL = sympy.symbols("x y", real=True)
S_POS = sympy.symbols("p q", positive=True)
W_SYMS = [*W_REAL, *W_POS]
S_SYMS = [*S_REAL, *S_POS]
NAMES = [s.name for s in W_SYMS]
W_BY_NAME = {s.name: s for s in W_SYMS}
S_BY_NAME = {str(s): s for s in S_SYMS}


def _points(rng: np.random.Generator) -> list[np.ndarray]:
    """Values for x, y (real: [-2, 2]) and p, q (positive: [0.2, 2.5])."""
    return [rng.uniform(-2.0, 2.0, N_POINTS), rng.uniform(-2.0, 2.0, N_POINTS)] + [rng.uniform(0.2, 2.5, N_POINTS) for _ in W_POS]


# ----------------------------------------------------------------------------- the generator


@dataclass(frozen=True)
class Pair:
    w: Any  # wengert expression
    s: Any  # SymPy expression
    pos: bool  # known to be > 0 on the whole domain


def _const(v: Any) -> Pair:
    if isinstance(v, Fraction):
        s = sympy.Rational(v.numerator, v.denominator)
    elif isinstance(v, float):
        s = sympy.Float(v)
    else:
        s = sympy.Integer(v)
    return Pair(sym.const(v), s, v > 0)


# unary functions defined on the whole real line: name -> (wengert, SymPy)
_ANY = {
    "sin": (wnp.sin, sympy.sin),
    "cos": (wnp.cos, sympy.cos),
    "tanh": (wnp.tanh, sympy.tanh),
    "arctan": (wnp.arctan, sympy.atan),
    "arcsinh": (wnp.arcsinh, sympy.asinh),
    "sinh": (wnp.sinh, sympy.sinh),
    "square": (wnp.square, lambda u: u**2),
    "negative": (lambda u: -u, lambda u: -u),
    "absolute": (wnp.absolute, lambda u: sympy.sqrt(u**2)),
    "tan": (wnp.tan, sympy.tan),
}
# unary functions of positive arguments
_POS = {
    "log": (wnp.log, sympy.log),
    "log2": (wnp.log2, lambda u: sympy.log(u, 2)),
    "log10": (wnp.log10, lambda u: sympy.log(u, 10)),
    "log1p": (wnp.log1p, lambda u: sympy.log(1 + u)),
    "sqrt": (wnp.sqrt, sympy.sqrt),
    "cbrt": (wnp.cbrt, sympy.cbrt),
    "pow3/2": (lambda u: u ** Fraction(3, 2), lambda u: u ** sympy.Rational(3, 2)),
    "pow-1/3": (lambda u: u ** Fraction(-1, 3), lambda u: u ** sympy.Rational(-1, 3)),
    "reciprocal": (wnp.reciprocal, lambda u: 1 / u),
}
# unary functions of arguments in (-1, 1)
_UNIT = {
    "arcsin": (wnp.arcsin, sympy.asin),
    "arccos": (wnp.arccos, sympy.acos),
    "arctanh": (wnp.arctanh, sympy.atanh),
}
# functions with bounded growth for exp-like use
_EXPISH = {
    "exp": (wnp.exp, sympy.exp),
    "exp2": (wnp.exp2, lambda u: 2**u),
    "expm1": (wnp.expm1, lambda u: sympy.exp(u) - 1),
    "cosh": (wnp.cosh, sympy.cosh),
}


class Gen:
    """Random expression pairs; every call of ``expr`` with the same RNG state gives the same
    expression (the generator is deterministic given its seed)."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def leaf(self) -> Pair:
        r = self.r.random()
        if r < 0.75:
            i = self.r.randrange(len(W_SYMS))
            return Pair(W_SYMS[i], S_SYMS[i], i >= len(W_REAL))
        v = self.r.choice([1, 2, 3, -1, -2, Fraction(1, 2), Fraction(3, 4), Fraction(-2, 3), 0.3, 1.7])
        return _const(v)

    def positive(self, u: Pair) -> Pair:
        """``u`` itself if known positive, else a positive function of it."""
        if u.pos:
            return u
        k = self.r.randrange(3)
        if k == 0:
            return Pair(u.w * u.w + 1, u.s * u.s + 1, True)
        if k == 1:
            return Pair(2 + wnp.cos(u.w), 2 + sympy.cos(u.s), True)
        return Pair(wnp.exp(wnp.tanh(u.w)), sympy.exp(sympy.tanh(u.s)), True)

    def unit(self, u: Pair) -> Pair:
        """A function of ``u`` with values in (-1/2, 1/2)."""
        if self.r.random() < 0.5:
            return Pair(wnp.tanh(u.w) / 2, sympy.tanh(u.s) / 2, False)
        return Pair(u.w / (1 + u.w * u.w), u.s / (1 + u.s * u.s), False)

    def expr(self, depth: int, top: bool = False) -> Pair:
        if depth == 0 or (not top and self.r.random() < 0.15):
            return self.leaf()
        kind = self.r.choices(["any", "pos", "unit", "exp", "bin", "bin", "bin", "func2"], k=1)[0]
        if kind == "any":
            name = self.r.choice(sorted(_ANY))
            fw, fs = _ANY[name]
            u = self.expr(depth - 1)
            return Pair(fw(u.w), fs(u.s), False)  # abs and square may be 0
        if kind == "pos":
            name = self.r.choice(sorted(_POS))
            fw, fs = _POS[name]
            u = self.positive(self.expr(depth - 1))
            return Pair(fw(u.w), fs(u.s), name in ("sqrt", "cbrt", "pow3/2", "pow-1/3", "reciprocal"))
        if kind == "unit":
            name = self.r.choice(sorted(_UNIT))
            fw, fs = _UNIT[name]
            u = self.unit(self.expr(depth - 1))
            return Pair(fw(u.w), fs(u.s), name == "arccos")
        if kind == "exp":
            name = self.r.choice(sorted(_EXPISH))
            fw, fs = _EXPISH[name]
            u = self.expr(depth - 1)
            return Pair(fw(u.w), fs(u.s), name != "expm1")
        if kind == "func2":
            a, b = self.expr(depth - 1), self.expr(depth - 1)
            k = self.r.randrange(4)
            if k == 0:
                return Pair(wnp.arctan2(a.w, b.w), sympy.atan2(a.s, b.s), False)
            if k == 1:
                return Pair(wnp.hypot(a.w, b.w), sympy.sqrt(a.s**2 + b.s**2), False)
            if k == 2:
                return Pair(wnp.logaddexp(a.w, b.w), sympy.log(sympy.exp(a.s) + sympy.exp(b.s)), False)
            c = self.positive(a)  # a positive base to a symbolic power
            return Pair(c.w**b.w, c.s**b.s, True)
        a, b = self.expr(depth - 1), self.expr(depth - 1)
        op = self.r.choice(["+", "-", "*", "/", "/", "**"])
        if op == "+":
            return Pair(a.w + b.w, a.s + b.s, a.pos and b.pos)
        if op == "-":
            return Pair(a.w - b.w, a.s - b.s, False)
        if op == "*":
            return Pair(a.w * b.w, a.s * b.s, a.pos and b.pos)
        if op == "/":
            d = self.positive(b)
            return Pair(a.w / d.w, a.s / d.s, a.pos)
        n = self.r.choice([2, 3, -1, -2])
        if n < 0:
            a = self.positive(a)
        return Pair(a.w**n, a.s**n, a.pos)


# ----------------------------------------------------------------------------- the cases


def _finite_moderate(vals: Any) -> bool:
    v = np.asarray(vals, dtype=complex)
    return bool(np.all(np.isfinite(v)) and np.all(np.abs(v.imag) < 1e-12 * (1 + np.abs(v.real))) and np.all(np.abs(v) < 1e6))


def _svals(fn: Any, pts: list[np.ndarray]) -> list[np.ndarray]:
    with np.errstate(all="ignore"):
        out = fn(*pts)
    return [np.broadcast_to(np.asarray(o, dtype=complex), (N_POINTS,)) for o in out]


# second derivatives of abs contain DiracDelta(u): zero at the random points (u != 0)
_SYMPY_MODULES = [{"DiracDelta": lambda u, *k: 0.0 * u}, "numpy"]


@dataclass
class Case:
    pair: Pair
    pts: list[np.ndarray]
    wrt: tuple[int, int]  # indices into W_SYMS
    values: np.ndarray  # SymPy: f, df/d wrt[0], df/d wrt[1] (and second derivatives when asked)
    second: bool


def _make_cases() -> tuple[list[Case], int]:
    gen = Gen(SEED)
    rng = np.random.default_rng(SEED)
    cases: list[Case] = []
    rejected = 0
    while len(cases) < N_EXPR:
        pair = gen.expr(gen.r.choice([3, 3, 4, 4]), top=True)
        pts = _points(rng)
        free = sorted({NAMES.index(s.name) for s in pair.w.free_symbols}) or [0]  # (Expr == is symbolic)
        i = gen.r.choice(free)
        j = gen.r.randrange(len(W_SYMS))  # sometimes a symbol the expression lacks
        second = len(cases) % 4 == 0
        si, sj = S_SYMS[i], S_SYMS[j]
        outs = [pair.s, sympy.diff(pair.s, si), sympy.diff(pair.s, sj)]
        if second:
            outs += [sympy.diff(pair.s, si, 2), sympy.diff(pair.s, si, sj)]
        vals = _svals(sympy.lambdify(S_SYMS, outs, modules=_SYMPY_MODULES, docstring_limit=0), pts)
        if not all(_finite_moderate(v) for v in vals):
            rejected += 1
            continue
        cases.append(Case(pair, pts, (i, j), np.array([v.real for v in vals]), second))
    return cases, rejected


_STATE: dict[str, Any] = {}


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    if "cases" not in _STATE:
        _STATE["cases"], _STATE["rejected"] = _make_cases()
    return _STATE["cases"]


def _known_codegen_bug(e: Any) -> bool:
    """Expressions that ``lambdify`` evaluates wrongly today, pinned by the xfail tests
    ``test_lambdify_negative_constant_base`` and ``test_lambdify_reciprocal_of_integer_constant``
    in tests/symbolic/test_symbolic.py: a negative constant as the base of ``**`` (the generated line
    reads ``-2 ** x``) and ``reciprocal`` of an integer constant (NumPy's integer
    ``reciprocal(3) == 0``).  Remove this filter when those pass."""
    for n in walk(e):
        if n.opname == "power" and n.args[0].is_const and n.args[0].value < 0:
            return True
        if n.opname == "reciprocal" and n.args[0].is_const and isinstance(n.args[0].value, int):
            return True
    return False


def _weval(e: Any, pts: list[np.ndarray]) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.broadcast_to(np.asarray(sym.lambdify(e, W_SYMS)(*pts), dtype=float), (N_POINTS,))


def _close(got: np.ndarray, want: np.ndarray, rtol: float = RTOL) -> bool:
    scale = 1.0 + np.max(np.abs(want))
    return bool(np.all(np.abs(got - want) <= rtol * (np.abs(want) + 1e-3 * scale)))


def _describe(c: Case, what: str, got: np.ndarray, want: np.ndarray) -> str:
    return f"{what} of {sym.to_str(c.pair.w)}\n  SymPy: {c.pair.s}\n  got  {got}\n  want {want}\n  at {c.pts}"


def _check_all(items: list[tuple[Case, Any, np.ndarray, str]], rtol: float = RTOL) -> tuple[list[str], int]:
    """Evaluate each wengert expression at its case's points against the wanted values;
    returns the failures and the number of expressions skipped for a known codegen bug."""
    bad, skipped = [], 0
    for c, e, want, what in items:
        if _known_codegen_bug(e):
            skipped += 1
            continue
        got = _weval(e, c.pts)
        if not _close(got, want, rtol):
            bad.append(_describe(c, f"{what} = {sym.to_str(e)}", got, want))
    return bad, skipped


# ----------------------------------------------------------------------------- tests


def test_generator_is_varied_and_mostly_accepted(cases: list[Case]) -> None:
    """The generator covers the whole whitelist, draws few rejects and few duplicates."""
    names = set()
    for c in cases:
        names |= {n.opname for n in walk(c.pair.w)}
    want = {"sin", "cos", "tanh", "arctan", "arcsinh", "sinh", "square", "absolute", "tan", "log", "log2", "log10",
            "log1p", "sqrt", "cbrt", "power", "reciprocal", "arcsin", "arccos", "arctanh", "exp", "exp2", "expm1",
            "cosh", "arctan2", "hypot", "logaddexp", "add", "subtract", "multiply", "true_divide", "negative"}  # fmt: skip
    assert want <= names, want - names
    assert _STATE["rejected"] < N_EXPR // 5, _STATE["rejected"]
    assert len({sym.to_str(c.pair.w) for c in cases}) > 0.95 * N_EXPR
    assert np.mean([sym.dag_size(c.pair.w) for c in cases]) > 6


def test_values_equal_sympy(cases: list[Case]) -> None:
    bad, skipped = _check_all([(c, c.pair.w, c.values[0], "value") for c in cases])
    assert skipped < N_EXPR // 10
    assert not bad, f"{len(bad)} of {len(cases)}:\n" + "\n".join(bad[:5])


def test_first_derivatives_equal_sympy(cases: list[Case]) -> None:
    items = []
    for c in cases:
        for k, idx in enumerate(c.wrt):
            items.append((c, sym.diff(c.pair.w, W_SYMS[idx]), c.values[1 + k], f"d/d{NAMES[idx]}"))
    bad, skipped = _check_all(items)
    assert skipped < len(items) // 20
    assert not bad, f"{len(bad)} of {len(items)}:\n" + "\n".join(bad[:5])


def test_second_derivatives_equal_sympy(cases: list[Case]) -> None:
    items = []
    for c in cases:
        if c.second:
            x, y = W_SYMS[c.wrt[0]], W_SYMS[c.wrt[1]]
            items.append((c, sym.diff(c.pair.w, x, 2), c.values[3], f"d2/d{x}2"))
            items.append((c, sym.diff(sym.diff(c.pair.w, x), y), c.values[4], f"d2/d{x}d{y}"))
    assert len(items) >= 2 * (N_EXPR // 4)
    bad, skipped = _check_all(items, rtol=1e-6)
    assert skipped < len(items) // 20
    assert not bad, f"{len(bad)} of {len(items)}:\n" + "\n".join(bad[:5])


def test_unsimplified_derivative_equals_simplified_and_sympy(cases: list[Case]) -> None:
    items = []
    for c in cases[::3]:
        x = W_SYMS[c.wrt[0]]
        items.append((c, sym.diff(c.pair.w, x, simplified=False), c.values[1], "unsimplified derivative"))
        if c.second:
            items.append((c, sym.diff(c.pair.w, x, 2, simplified=False), c.values[3], "unsimplified second derivative"))
    bad, _ = _check_all(items, rtol=1e-6)
    assert not bad, "\n".join(bad[:5])


def test_simplify_preserves_values(cases: list[Case]) -> None:
    items = [(c, sym.simplify(c.pair.w), c.values[0], "simplified") for c in cases]
    bad, skipped = _check_all(items, rtol=1e-9)
    assert skipped < N_EXPR // 20
    assert not bad, f"{len(bad)} of {len(cases)}:\n" + "\n".join(bad[:5])


def test_simplify_does_not_grow_much(cases: list[Case]) -> None:
    """Canonical forms may add a node here and there, never blow an expression up."""
    for c in cases:
        s = sym.simplify(c.pair.w)
        assert sym.dag_size(s) <= 2 * sym.dag_size(c.pair.w) + 2, (sym.to_str(c.pair.w), sym.to_str(s))


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="simplify keeps a shared subexpression u unflattened (u*u -> (x/q)**2) but flattens it once it is "
    "no longer shared, so a second pass changes the result: simplify(simplify(e)) is not simplify(e)",
)
def test_simplify_is_idempotent(cases: list[Case]) -> None:
    bad = []
    for c in cases:
        s = sym.simplify(c.pair.w)
        if sym.simplify(s) is not s:
            bad.append(f"{sym.to_str(c.pair.w)}: {sym.to_str(s)} -> {sym.to_str(sym.simplify(s))}")
    assert not bad, f"{len(bad)} of {len(cases)}:\n" + "\n".join(bad[:8])


def _sympify(text: str) -> Any:
    local: dict[str, Any] = dict(S_BY_NAME)
    local.update(
        log2=lambda u: sympy.log(u, 2),
        log10=lambda u: sympy.log(u, 10),
        log1p=lambda u: sympy.log(1 + u),
        expm1=lambda u: sympy.exp(u) - 1,
        exp2=lambda u: 2**u,
        cbrt=sympy.cbrt,
        hypot=lambda a, b: sympy.sqrt(a**2 + b**2),
        logaddexp=lambda a, b: sympy.log(sympy.exp(a) + sympy.exp(b)),
        abs=sympy.Abs,
        sign=sympy.sign,
        where=lambda cond, a, b: sympy.Piecewise((a, cond), (b, True)),
        equal=sympy.Eq,
        greater=sympy.StrictGreaterThan,
        less=sympy.StrictLessThan,
    )
    return sympy.sympify(text, locals=local)


def test_to_str_read_by_sympy_gives_the_same_values(cases: list[Case]) -> None:
    """The infix printer checked by an independent reader, SymPy's parser (``sympify`` is
    eval-based; fine in a test).  Expressions and their derivatives."""
    bad = []
    for c in cases[::3]:
        exprs = [
            (c.pair.w, c.values[0]),
            (sym.simplify(c.pair.w), c.values[0]),
            (sym.diff(c.pair.w, W_SYMS[c.wrt[0]]), c.values[1]),
        ]
        for e, want in exprs:
            text = sym.to_str(e)
            got = _svals(sympy.lambdify(S_SYMS, [_sympify(text)], modules="numpy", docstring_limit=0), c.pts)[0]
            if not _finite_moderate(got) or not _close(got.real, want, 1e-7):
                bad.append(_describe(c, f"sympify({text!r})", got, want))
    assert not bad, f"{len(bad)}:\n" + "\n".join(bad[:5])


_NOT_PARSEABLE = {"sign", "where", "equal", "not_equal", "greater", "greater_equal", "less", "less_equal"}


def _prints_exactly(e: Any) -> bool:
    """Whether ``to_str(e)`` can read back as the very node: no constants that print as
    operations (-2, 1/2, 0.3 read as 3/10), no ``square``/``reciprocal`` (printed x**2, 1/x)."""
    for n in walk(e):
        if n.is_const and not (isinstance(n.value, int) and n.value >= 0):
            return False
        if n.opname in ("square", "reciprocal") or n.opname in _NOT_PARSEABLE:
            return False
    return True


def _round_trip(cases: list[Case]) -> tuple[int, int, list[str], list[str]]:
    """parse(to_str(e)) for expressions, simplified forms and derivatives: among those that
    print exactly, how many read back as the same node, and how many there are; value
    mismatches; texts the parser rejects for an unknown function."""
    if "round_trip" in _STATE:
        return _STATE["round_trip"]
    same = exact = 0
    bad, unknown = [], []
    for c in cases:
        for e in (c.pair.w, sym.simplify(c.pair.w), sym.diff(c.pair.w, W_SYMS[c.wrt[0]])):
            text = sym.to_str(e)
            try:
                back = sym.parse(text, symbols=W_BY_NAME)
            except sym.ParseError as err:
                (unknown if err.message.startswith("unknown function") else bad).append(f"{text!r}: {err.message[:60]}")
                continue
            if _prints_exactly(e):
                exact += 1
                same += back is e
            if back is e or _known_codegen_bug(e) or _known_codegen_bug(back):
                continue
            got, want = _weval(back, c.pts), _weval(e, c.pts)
            if not _close(got, want, 1e-12):
                bad.append(_describe(c, f"parse({text!r}) = {sym.to_str(back)}", got, want))
    _STATE["round_trip"] = same, exact, bad, unknown
    return same, exact, bad, unknown


def test_parse_to_str_round_trip(cases: list[Case]) -> None:
    same, exact, bad, _ = _round_trip(cases)
    assert not bad, f"{len(bad)}:\n" + "\n".join(bad[:5])
    # Minimal parentheses drop those of associative operations (a*(b*c) prints a*b*c and
    # reads back as (a*b)*c, equal in value), so not every node comes back identical; most do.
    assert exact > len(cases) and same > 0.75 * exact, (same, exact)


def test_parse_reads_every_printed_derivative(cases: list[Case]) -> None:
    _, _, _, unknown = _round_trip(cases)
    assert not unknown, f"{len(unknown)}:\n" + "\n".join(unknown[:5])


def test_issue_example_against_sympy() -> None:
    """The issue's example, gradient and Hessian checked point by point (a readable canary)."""
    x1, x2 = sym.symbols("x1 x2", positive=True)
    f = sym.parse("log(x1) + x1*x2 - sin(x2)", symbols={"x1": x1, "x2": x2})
    s1, s2 = sympy.symbols("x1 x2", positive=True)
    fs = sympy.log(s1) + s1 * s2 - sympy.sin(s2)
    pts = {x1: 1.3, "x2": 0.7}
    spts = {s1: 1.3, s2: 0.7}
    for wv, sv in zip(sym.gradient(f, [x1, x2]), [sympy.diff(fs, s1), sympy.diff(fs, s2)]):
        assert float(sym.evaluate(wv, pts)) == pytest.approx(float(sv.subs(spts)), rel=1e-14)
    H = sym.hessian(f, [x1, x2])
    Hs = sympy.hessian(fs, (s1, s2))
    for a in range(2):
        for b in range(2):
            assert float(sym.evaluate(H[a][b], pts)) == pytest.approx(float(Hs[a, b].subs(spts)), rel=1e-14, abs=1e-15)
