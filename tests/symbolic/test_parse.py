"""The safe math parser ``wengert.symbolic.parse``: number forms, precedence and
associativity, the function whitelist, and a list of hostile inputs, each rejected with a
``ParseError`` whose ``column`` (1-based) points at the offending character.
"""

from __future__ import annotations

import builtins
import math
import operator
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest

import wengert.numpy as wnp
from wengert.errors import WengertError
from wengert.symbolic import ParseError, const, evaluate, parse, symbols, to_str
from wengert.symbolic.parse import FUNCTION_NAMES, MAX_DEPTH, MAX_LENGTH

a, b, c, x, y = symbols("a b c x y")
x1, x2 = symbols("x1 x2")

# =============================================================================== valid input

_NUMBERS = [
    ("12", 12),
    ("1_000", 1000),
    ("0x1F", 31),
    ("0X1f", 31),
    ("0o17", 15),
    ("0O17", 15),
    ("0b101", 5),
    ("0B1_01", 5),
    ("0", 0),
    ("00", 0),
    ("0_0", 0),
    ("1e3", 1000),
    ("1E+3", 1000),
    (".5", Fraction(1, 2)),
    ("5.", 5),
    ("1.5E-3", Fraction(3, 2000)),
    ("0.1", Fraction(1, 10)),  # exact decimal, not the binary float 0.1
    ("1_0.2_5", Fraction(1025, 100)),
    ("2.5e-1_0", Fraction(25, 10**11)),
]


@pytest.mark.parametrize("text, want", _NUMBERS, ids=[t for t, _ in _NUMBERS])
def test_number_forms(text: str, want: object) -> None:
    e = parse(text)
    assert e.is_const and e.value == want and type(e.value) is type(want)
    py = eval(text)  # test-only: Python's reading of the same literal
    assert float(e.value) == pytest.approx(py, rel=1e-15)


@pytest.mark.parametrize(
    "text, want",
    [
        ("a + b*c", lambda: a + b * c),
        ("(a + b)*c", lambda: (a + b) * c),
        ("a - b - c", lambda: (a - b) - c),
        ("a - (b - c)", lambda: a - (b - c)),
        ("a/b/c", lambda: (a / b) / c),
        ("a/b*c", lambda: (a / b) * c),
        ("a*b/c", lambda: (a * b) / c),
        ("a^b^c", lambda: a ** (b**c)),
        ("a**b**c", lambda: a ** (b**c)),
        ("a^b**c", lambda: a ** (b**c)),
        ("(a^b)^c", lambda: (a**b) ** c),
        ("-a^2", lambda: -(a**2)),
        ("-a**2", lambda: -(a**2)),
        ("(-a)^2", lambda: (-a) ** 2),
        ("-a*b", lambda: (-a) * b),
        ("a*-b", lambda: a * (-b)),
        ("a - -b", lambda: a - (-b)),
        ("--a", lambda: operator.neg(-a)),
        ("+a", lambda: a),
        ("2^-a", lambda: 2 ** (-a)),
        ("a^-b^c", lambda: a ** (-(b**c))),
        ("2*a", lambda: 2 * a),
        ("a + 2", lambda: a + 2),
        ("sin(a)^2", lambda: wnp.sin(a) ** 2),
        ("-sin(a)", lambda: -wnp.sin(a)),
        ("sin(a + b)*c", lambda: wnp.sin(a + b) * c),
        ("atan2(a, b)", lambda: wnp.arctan2(a, b)),
        ("arctan2(a, b)", lambda: wnp.arctan2(a, b)),
        ("hypot(a, b)", lambda: wnp.hypot(a, b)),
        ("ln(a)", lambda: wnp.log(a)),
        ("abs(a)", lambda: wnp.absolute(a)),
        ("asin(a) + arcsin(b)", lambda: wnp.arcsin(a) + wnp.arcsin(b)),
        ("exp(log(a))", lambda: wnp.exp(wnp.log(a))),
        ("  a\t+\n b  ", lambda: a + b),
        ("((a))", lambda: a),
        ("log(x1) + x1*x2 - sin(x2)", lambda: wnp.log(x1) + x1 * x2 - wnp.sin(x2)),
    ],
)
def test_precedence_and_associativity(text: str, want) -> None:
    assert parse(text) is want()


@pytest.mark.parametrize("name", sorted(FUNCTION_NAMES))
def test_every_whitelisted_function_parses_and_evaluates(name: str) -> None:
    from wengert.symbolic.parse import _ARITY

    names = ["x", "y", "z"][: _ARITY.get(name, 1)]
    e = parse(f"{name}({', '.join(names)})")
    with np.errstate(invalid="ignore"):
        v = evaluate(e, dict(zip(names, [0.5, 0.25, 0.125])))
    if name in ("acosh", "arccosh"):
        assert np.isnan(v)  # outside the domain: NumPy's nan, not an error
    else:
        assert np.isfinite(v)


def test_constants_pi_and_e() -> None:
    assert parse("pi").value == math.pi
    assert parse("e").value == math.e
    assert parse("2*pi*x") is 2 * const(math.pi) * x
    # a caller's symbol named e wins over the constant
    assert parse("e*x", symbols={"e": y}) is y * x


def test_symbols_mapping_and_positive() -> None:
    p = symbols("p", positive=True)
    assert parse("p + x", symbols={"p": p}) is p + x
    assert "positive" in parse("q", positive=True).assumptions
    assert parse("q").assumptions == frozenset()
    assert parse("x") is x  # names become the shared symbols


def test_round_trip_of_printed_expressions() -> None:
    exprs = [
        a - (b - c),
        a / (b * c),
        (-x) ** 2,
        -(x**2),
        a ** (b**c),
        (a**b) ** c,
        wnp.sin(x) * wnp.cos(y) / (1 + x**2),
        wnp.arctan2(x, y) - wnp.hypot(x, y),
        wnp.logaddexp(x, y) * wnp.expm1(x),
    ]
    for e in exprs:
        assert parse(to_str(e)) is e


# =============================================================================== hostile input

# (text, column of the offending character)
_HOSTILE = [
    ("__import__('os').system('ls')", 1),
    ("os.system('ls')", 3),
    ("open('x')", 1),
    ("eval('1')", 1),
    ("exec('1')", 1),
    ("compile('1', 'f', 'eval')", 1),
    ("globals()", 1),
    ("getattr(x, 'y')", 1),
    ("x + getattr(x, 'y')", 5),
    ("lambda x: x", 1),
    ("1 + (lambda: 0)()", 6),
    ("x.__class__", 2),
    ("x.__class__.__bases__", 2),
    ("().__class__", 3),
    ("sin(x).real", 7),
    ("'x'", 1),
    ('"x"', 1),
    ("x + 'a'", 5),
    ("x[0]", 2),
    ("[x for x in y]", 1),
    ("x; y", 2),
    ("x = 1", 3),
    ("x == 1", 3),
    ("{}", 1),
    ("x \\ y", 3),
    ("\\x", 1),
    ("x @ y", 3),
    ("x % y", 3),
    ("x // y", 4),
    ("x & y", 3),
    ("x < y", 3),
    ("~x", 1),
    ("x # comment", 3),
    ("$x", 1),
    ("x\x00", 2),
    ("x if y else a", 3),
    ("import os", 1),
    ("not x", 1),
    ("x and y", 3),
    ("True", 1),
    ("None", 1),
    ("__builtins__", 1),
    ("_x", 1),
    ("print(x)", 1),
    ("foo(x)", 1),
    ("x + foo(y)", 5),
    ("system(x)", 1),
    ("f(x)(y)", 1),
    ("sin(x)(y)", 7),
    ("sin", 1),
    ("sin x", 1),
    ("sin()", 5),
    ("atan2(x)", 1),
    ("sin(x, y)", 1),
    ("pi(2)", 1),
    ("2 x", 3),
    ("x y", 3),
    ("2(x)", 2),
    ("x,", 2),
    ("x, y", 2),
    ("1 +", 4),
    ("x**", 4),
    ("x ** ** y", 6),
    ("(x", 3),
    ("x)", 2),
    ("", 1),
    ("   ", 1),
    # malformed numbers (all rejected by Python too)
    ("1__0", 1),
    ("1_", 1),
    ("0x", 1),
    ("0b2", 1),
    ("0o8", 1),
    ("1e", 1),
    ("1e+", 1),
    ("1..2", 1),
    ("1.2.3", 1),
    ("0x1.5", 1),
    ("1_.5", 1),
    ("1._5", 1),
    ("x + 1.5j", 5),
    ("1.5.real", 1),
    # unicode look-alikes and invisible characters
    ("x\u200b", 2),  # zero-width space
    ("x\u00a0+ 1", 2),  # no-break space
    ("x \u2212 y", 3),  # minus sign
    ("x\u00b2", 2),  # superscript two
    ("\u2211x", 1),  # n-ary summation
    ("\u2179", 1),  # small roman numeral ten
    ("\u0445 + 1", 1),  # Cyrillic small ha, looks like x
    ("x + \uff58", 5),  # fullwidth x
    ("\uff53\uff49\uff4e(x)", 1),  # fullwidth sin
    ("x_\u00e9", 3),  # accented letter after an ASCII prefix
    ("s\u0456n(x)", 2),  # Cyrillic i inside sin
]


@pytest.mark.parametrize("text, column", _HOSTILE, ids=[repr(t) for t, _ in _HOSTILE])
def test_hostile_input_rejected_at_column(text: str, column: int) -> None:
    with pytest.raises(ParseError) as info:
        parse(text)
    err = info.value
    assert err.column == column, (err.column, err.message)
    assert err.text == text
    assert f"(column {column})" in str(err)
    # the message shows the input and, below it, a caret under the column
    assert str(err).endswith(f"\n  {text}\n  " + " " * (column - 1) + "^")


# Accepted today, though Python would reject them.
_HOSTILE_XFAIL = [
    ("x + \u0663", 5, "Arabic-Indic digit three: read as the number 3"),
    ("\uff11 + x", 1, "fullwidth digit one: read as the number 1"),
    ("1e\u0663", 1, "Arabic-Indic digit in an exponent: read as 1e3"),
    ("007", 1, "leading zeros, which Python rejects (C would read 010 as 8): read as 7"),
]


@pytest.mark.parametrize("text, column, why", _HOSTILE_XFAIL, ids=[w for _, _, w in _HOSTILE_XFAIL])
def test_hostile_input_rejected_at_column_missing(text: str, column: int, why: str) -> None:
    try:
        parse(text)
    except ParseError as err:
        assert err.column == column
    except Exception as err:  # the wrong error class
        raise AssertionError(f"{type(err).__name__}: {err}") from err
    else:
        raise AssertionError(f"{text!r} was accepted")


def _parses_within(text_expr: str, seconds: float) -> bool:
    """Whether parse(<text>) returns or raises ParseError within ``seconds`` in a fresh
    interpreter (a gigantic integer cannot be interrupted in-process)."""
    prog = (
        "import time\nfrom wengert.symbolic import parse, ParseError\nt0 = time.perf_counter()\n"
        f"try:\n    parse({text_expr})\nexcept ParseError:\n    pass\nprint(time.perf_counter() - t0)\n"
    )
    try:
        out = subprocess.run([sys.executable, "-c", prog], capture_output=True, text=True, timeout=seconds + 3)
    except subprocess.TimeoutExpired:
        return False
    if out.returncode != 0:
        raise RuntimeError(f"the child failed:\n{out.stderr[-2000:]}")
    return float(out.stdout.split()[-1]) < seconds


def test_huge_exponent_is_bounded() -> None:
    """An 11-character literal must not make Python compute 10**999999999."""
    assert _parses_within("'1e999999999'", 1.0)
    assert _parses_within("'1' * 400 + '.5e-999999999'", 1.0)


def test_huge_hexadecimal_literal() -> None:
    text = "0x" + "f" * 5000
    try:
        parse(text)
    except ParseError as err:
        assert err.column == 1
    except Exception as err:
        raise AssertionError(f"{type(err).__name__}: {str(err)[:80]}") from err


@pytest.mark.parametrize("text, want", [("1e5000", math.inf), ("-1e400", -math.inf), ("1e-5000", 0.0)])
def test_numbers_beyond_float_range(text: str, want: float) -> None:
    """Read as Python reads them (inf, 0.0), or refused at the number: never a crash."""
    try:
        e = parse(text)
    except ParseError as err:
        assert err.column == text.index("1") + 1
    else:
        assert float(evaluate(e, {})) == want


def test_input_length_limit() -> None:
    text = "x+" * (MAX_LENGTH // 2) + "x"
    assert len(text) > MAX_LENGTH
    with pytest.raises(ParseError, match="longer than") as info:
        parse(text)
    assert info.value.column == MAX_LENGTH + 1
    ok = "x+" * (MAX_LENGTH // 2 - 1) + "x"  # just under the limit: fine, and flat (no recursion)
    assert len(ok) <= MAX_LENGTH
    assert evaluate(parse(ok), {"x": 1.0}) == MAX_LENGTH // 2


@pytest.mark.parametrize(
    "make, column",
    [
        (lambda n: "(" * n + "x" + ")" * n, MAX_DEPTH + 1),
        (lambda n: "-" * n + "x", MAX_DEPTH + 1),
        (lambda n: "x^" * n + "x", 2 * MAX_DEPTH + 1),
        (lambda n: "sin(" * n + "x" + ")" * n, 4 * MAX_DEPTH + 1),
    ],
    ids=["parentheses", "unary minus", "powers", "function calls"],
)
def test_nesting_limit(make, column: int) -> None:
    with pytest.raises(ParseError, match="nested more than") as info:
        parse(make(MAX_DEPTH + 50))
    assert info.value.column == column
    parse(make(MAX_DEPTH // 2 - 1))  # well inside the limit: fine


def test_unbalanced_parentheses_at_the_limit() -> None:
    with pytest.raises(ParseError) as info:
        parse("(" * (MAX_LENGTH - 1))
    assert info.value.column == MAX_DEPTH + 1


def test_parse_never_evaluates_python(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def boom(*args, **kwargs):
        calls.append(args)
        raise AssertionError("parse called a Python evaluator")

    with monkeypatch.context() as m:
        for name in ("eval", "exec", "compile"):
            m.setattr(builtins, name, boom)
        e = parse("log(x1) + x1*x2 - sin(x2)^2 + 0x1F*1.5e-3")
        try:
            parse("__import__('os')")
            rejected = False
        except ParseError:
            rejected = True
    assert not calls and rejected
    assert e is wnp.log(x1) + x1 * x2 - wnp.sin(x2) ** 2 + const(31) * const(Fraction(3, 2000))


def test_parse_error_classes_and_types() -> None:
    assert issubclass(ParseError, ValueError) and issubclass(ParseError, WengertError)
    with pytest.raises(TypeError):
        parse(b"x")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        parse(None)  # type: ignore[arg-type]


def test_unknown_function_message_lists_the_whitelist() -> None:
    with pytest.raises(ParseError, match="unknown function 'foo'") as info:
        parse("foo(x)")
    assert "sin" in info.value.message and "sqrt" in info.value.message
