"""A safe parser for math expressions: a hand-written tokenizer and Pratt parser, never
``eval``.

Grammar: numbers (any Python int or float literal form: ``12``, ``1_000``, ``0x1f``,
``1.5e-3``, ``.5``), names (symbols, or functions from a fixed whitelist when followed by
``(``), the constants ``pi`` and ``e``, ``+ - * /``, ``^`` and ``**`` (right-associative,
binding tighter than unary minus: ``-x^2`` is ``-(x^2)``), parentheses and commas.
Anything else (strings, attribute access, ``__dunder__`` names, keywords such as
``lambda``, unknown functions) is rejected with a ``ParseError`` pointing at the column.
Input length and nesting depth are limited.
"""

from __future__ import annotations

import keyword
import re
from fractions import Fraction
from typing import Any

from .. import ops  # noqa: F401  (registers the primitives whose names the parser reads)
from ..core.primitive import Primitive
from ..errors import WengertError
from .expr import as_expr, const, symbols

MAX_LENGTH = 10_000
MAX_DEPTH = 200


class ParseError(WengertError, ValueError):
    """Malformed or disallowed input; ``column`` is 1-based."""

    def __init__(self, message: str, text: str, column: int) -> None:
        self.message = message
        self.text = text
        self.column = column
        shown = text if len(text) <= 120 else text[:120] + "..."
        caret = " " * (min(column, 121) - 1) + "^"
        super().__init__(f"{message} (column {column})\n  {shown}\n  {caret}")


def _functions() -> dict[str, Any]:
    """The whitelist: every name a primitive declares in ``parse_names`` (its math name, and
    aliases such as ``ln`` for ``log``), mapped to that primitive."""
    return {name: p for p in list(Primitive.registry.values()) for name in p.parse_names}


def _prim_arity(p: Primitive) -> int:
    return 1 if p.nargs is None else p.nargs


# the whitelist when the package was imported (the parser reads the registry afresh)
FUNCTION_NAMES = frozenset(_functions())
_ARITY = {name: _prim_arity(p) for name, p in _functions().items()}

_NUMBER = re.compile(
    r"0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+"
    r"|(?:[0-9](?:_?[0-9])*)?\.?(?:[0-9](?:_?[0-9])*)?(?:[eE][+-]?[0-9](?:_?[0-9])*)?",
    re.ASCII,
)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class _Tok:
    __slots__ = ("kind", "text", "col")

    def __init__(self, kind: str, text: str, col: int) -> None:
        self.kind, self.text, self.col = kind, text, col


def _tokenize(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t\n\r":
            i += 1
            continue
        col = i + 1
        if c in "0123456789" or (c == "." and i + 1 < n and text[i + 1] in "0123456789"):
            m = _NUMBER.match(text, i)
            s = m.group(0) if m else ""
            if not s or (i + len(s) < n and (text[i + len(s)].isalnum() or text[i + len(s)] in "._")):
                end = i + len(s)
                while end < n and (text[end].isalnum() or text[end] in "._"):
                    end += 1
                raise ParseError(f"malformed number {text[i:end]!r}", text, col)
            toks.append(_Tok("num", s, col))
            i += len(s)
            continue
        if c.isalpha() or c == "_":
            m = _NAME.match(text, i)
            if m is None:
                raise ParseError(f"unexpected character {c!r} (names use ASCII letters, digits and '_')", text, col)
            s = m.group(0)
            if (
                s.startswith("_")
                or keyword.iskeyword(s)
                or s in ("eval", "exec", "import", "compile", "globals", "locals", "getattr", "open")
            ):
                raise ParseError(f"{s!r} is not allowed in an expression", text, col)
            toks.append(_Tok("name", s, col))
            i += len(s)
            continue
        if text.startswith("**", i):
            toks.append(_Tok("op", "^", col))
            i += 2
            continue
        if c in "+-*/^(),":
            toks.append(_Tok("op", c, col))
            i += 1
            continue
        what = {
            "'": "string",
            '"': "string",
            ".": "attribute access",
            "[": "indexing",
            "=": "assignment",
            ";": "statement separator",
            "@": "operator '@'",
            "%": "operator '%'",
            "`": "backquote",
            "\\": "backslash",
            "{": "brace",
            "}": "brace",
            ":": "colon",
            "#": "comment",
            "<": "comparison",
            ">": "comparison",
            "!": "operator '!'",
            "&": "operator '&'",
            "|": "operator '|'",
        }.get(c)
        raise ParseError(f"unexpected {what or 'character'} {c!r}", text, col)
    toks.append(_Tok("end", "", n + 1))
    return toks


#: Longest number literal accepted; every accepted integer prints in decimal (Python's
#: int-to-str limit is 4300 digits) in every printer.
_MAX_LITERAL_CHARS = 1000
_MAX_INT_BITS = 3321  # 2**3321 < 10**1000


def _number(tok: _Tok, text: str) -> Any:
    s = tok.text.replace("_", "")
    try:
        if len(s) > _MAX_LITERAL_CHARS:
            raise ParseError(f"number literal too long (over {_MAX_LITERAL_CHARS} characters)", text, tok.col)
        if s[:2].lower() in ("0x", "0o", "0b"):
            v = int(s, 0)
            if v.bit_length() > _MAX_INT_BITS:  # would not print in decimal (and means nothing)
                raise ParseError(f"integer literal too large (over {_MAX_LITERAL_CHARS} decimal digits)", text, tok.col)
            return v
        if any(ch in s for ch in ".eE"):
            mant, _, exp = s.lower().partition("e")
            if abs(int(exp or 0)) > 330 or len(mant) > 400:
                return float(s)  # beyond float range: inf or 0.0, as Python reads it
            return Fraction(s)  # exact decimal (1.5e-3 = 3/2000)
        if len(s) > 1 and s[0] == "0" and s.strip("0"):
            raise ParseError(f"leading zeros in the number {tok.text!r} are not allowed (as in Python)", text, tok.col)
        return int(s)
    except ParseError:
        raise
    except (ValueError, ZeroDivisionError):
        raise ParseError(f"malformed number {tok.text!r}", text, tok.col) from None


class _Parser:
    # binding powers
    BP = {"+": 10, "-": 10, "*": 20, "/": 20, "^": 40}

    def __init__(self, text: str, names: dict[str, Any], positive: bool) -> None:
        self.text = text
        self.toks = _tokenize(text)
        self.i = 0
        self.names = names
        self.positive = positive
        self.funcs = _functions()  # read now: primitives declared since import count too
        self.arity = {name: _prim_arity(f) for name, f in self.funcs.items()}
        self.depth = 0

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def next(self) -> _Tok:
        t = self.toks[self.i]
        self.i += 1
        return t

    def expect(self, s: str) -> _Tok:
        t = self.next()
        if t.text != s or t.kind != "op":
            found = "end of input" if t.kind == "end" else repr(t.text)
            raise ParseError(f"expected {s!r}, found {found}", self.text, t.col)
        return t

    def enter(self, col: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ParseError(f"expression nested more than {MAX_DEPTH} levels deep", self.text, col)

    def parse(self) -> Any:
        e = self.expr(0)
        t = self.peek()
        if t.kind != "end":
            raise ParseError(f"unexpected {t.text!r} after a complete expression", self.text, t.col)
        return e

    def expr(self, min_bp: int) -> Any:
        t = self.next()
        self.enter(t.col)
        lhs = self.prefix(t)
        while True:
            op = self.peek()
            if op.kind == "end" or op.text in ("(", ")", ","):
                if op.kind == "op" and op.text == "(":
                    raise ParseError("implicit multiplication is not allowed; write '*'", self.text, op.col)
                break
            if op.kind != "op":
                raise ParseError(f"expected an operator before {op.text!r}", self.text, op.col)
            bp = self.BP[op.text]
            if bp < min_bp or (bp == min_bp and op.text != "^"):
                break
            self.next()
            rhs = self.expr(bp if op.text == "^" else bp + 1)
            lhs = self.apply(op.text, lhs, rhs)
        self.depth -= 1
        return lhs

    def apply(self, op: str, a: Any, b: Any) -> Any:
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            return as_expr(a) / b

        return as_expr(a) ** b

    def prefix(self, t: _Tok) -> Any:

        if t.kind == "num":
            return const(_number(t, self.text))
        if t.kind == "op" and t.text == "(":
            e = self.expr(0)
            self.expect(")")
            return e
        if t.kind == "op" and t.text in "+-":
            operand = self.expr(30)  # tighter than * and /, looser than ^
            return -operand if t.text == "-" else operand
        if t.kind == "name":
            name = t.text
            if name.startswith("__") or keyword.iskeyword(name) or name in ("import", "eval", "exec", "lambda"):
                raise ParseError(f"{name!r} is not allowed in an expression", self.text, t.col)
            nxt = self.peek()
            if nxt.kind == "op" and nxt.text == "(":
                if name not in self.funcs:
                    raise ParseError(f"unknown function {name!r}; allowed: {', '.join(sorted(self.funcs))}", self.text, t.col)
                self.next()
                args = [self.expr(0)]
                while self.peek().kind == "op" and self.peek().text == ",":
                    self.next()
                    args.append(self.expr(0))
                self.expect(")")
                want = self.arity[name]
                if len(args) != want:
                    raise ParseError(f"{name} takes {want} argument(s), got {len(args)}", self.text, t.col)
                return self.funcs[name].bind(*args)
            if name in self.funcs:
                raise ParseError(f"function {name!r} needs parentheses: {name}(...)", self.text, t.col)
            if name == "pi":
                import math

                return const(math.pi)
            if name == "e" and "e" not in self.names:
                import math

                return const(math.e)
            if name not in self.names:
                self.names[name] = symbols(name, positive=self.positive)
            return self.names[name]
        if t.kind == "end":
            raise ParseError("unexpected end of input", self.text, t.col)
        raise ParseError(f"unexpected {t.text!r}", self.text, t.col)


def parse(text: str, symbols: dict[str, Any] | None = None, positive: bool = False) -> Any:
    """Parse math text into a symbolic expression (never uses ``eval``).

    ``symbols`` maps names to existing symbols (others are created; ``positive=True`` gives
    them the positivity assumption).
    """
    if not isinstance(text, str):
        raise TypeError(f"parse: expected a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ParseError(f"input longer than {MAX_LENGTH} characters", text[:200], MAX_LENGTH + 1)
    if not text.strip():
        raise ParseError("empty expression", text, 1)
    names = dict(symbols or {})
    return _Parser(text, names, positive).parse()
