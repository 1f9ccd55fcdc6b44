"""Graphs to and from JSON (no pickle): a compiled gradient can be shipped and inspected.

Format (version 1)::

    {"format": "wengert-graph", "version": 1, "name": "f",
     "inputs":  [{"id": 0, "name": "x", "shape": [3], "dtype": "float64"}, ...],
     "eqns":    [{"prim": "sin", "inputs": [{"var": 0}], "params": {},
                  "outputs": [{"id": 1, "shape": [3], "dtype": "float64"}]}, ...],
     "outputs": [{"var": 1} | {"lit": VALUE}, ...]}

Values (literals and params) are encoded as JSON numbers, strings, booleans and null, or
tagged objects: {"tuple": [...]}, {"list": [...]}, {"slice": [start, stop, step]},
{"ellipsis": true}, {"array": [flat values], "dtype": "<f4", "shape": [...]},
{"scalar": number, "dtype": "<f4"}, {"complex": [re, im]}, {"float": "inf" | "-inf" | "nan"},
{"dtype": "<f8"}, {"graph": GRAPH} (sub-graphs of control flow).

Loading is strict, because a file may come from anyone: every field is checked (types,
shapes, dtypes, identifiers, ids defined once and before use, bounded sizes and nesting),
each equation's params must match the parameter schema its primitive declares
(``Primitive.param_schema``; a primitive without one cannot be loaded), and any malformed
input raises ``GraphFormatError`` and nothing else.  Code generation does not rely on this
alone: it writes only names it made and literals of plain numbers (``codegen._literal``).
"""

from __future__ import annotations

import json
import keyword
import math
import re
from typing import Any

import numpy as np

from ..core.primitive import Primitive
from ..core.schema import NUMERIC_KINDS, check_params
from ..errors import WengertError
from .ir import Eqn, Graph, Literal, Var

FORMAT = "wengert-graph"
VERSION = 1


class GraphFormatError(WengertError, ValueError):
    """A serialized graph is malformed or uses an unknown primitive."""


def _enc(v: Any) -> Any:
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    if isinstance(v, float):
        return float(v) if math.isfinite(v) else {"float": repr(float(v))}  # (np.float64 is a float)
    if isinstance(v, complex):
        return {"complex": [_enc(v.real), _enc(v.imag)]}
    if v is Ellipsis:
        return {"ellipsis": True}
    if isinstance(v, slice):
        return {"slice": [_enc(v.start), _enc(v.stop), _enc(v.step)]}
    if isinstance(v, tuple):
        return {"tuple": [_enc(x) for x in v]}
    if isinstance(v, list):
        return {"list": [_enc(x) for x in v]}
    if isinstance(v, np.dtype) or (isinstance(v, type) and issubclass(v, np.generic)):
        return {"dtype": np.dtype(v).str}
    if isinstance(v, np.generic):
        return {"scalar": _enc(v.item()), "dtype": v.dtype.str}
    if isinstance(v, np.ndarray):
        flat = [_enc(x) for x in v.ravel().tolist()]
        return {"array": flat, "dtype": v.dtype.str, "shape": list(v.shape)}
    if isinstance(v, Graph):
        return {"graph": _graph_dict(v)}
    raise GraphFormatError(f"cannot serialize a value of type {type(v).__name__}")


# Bounds on what a file may ask for (GraphFormatError beyond them).
MAX_DEPTH = 64  # nesting of values (tuples, lists) and sub-graphs, counted together
MAX_NDIM = 64  # NumPy's own limit on the number of dimensions
MAX_SIZE = 2**40  # elements of one variable or array
MAX_INT_DIGITS = 400  # digits of one JSON integer
MAX_NAME = 256  # characters of a graph's name
_DTYPE_TEXT = re.compile(r"[<>=|]?[a-z]+[0-9]*")
_GRAPH_KEYS = {"name", "inputs", "eqns", "outputs"}
_TOP_KEYS = _GRAPH_KEYS | {"format", "version"}
_VAR_KEYS = {"id", "shape", "dtype", "name"}
_EQN_KEYS = {"prim", "inputs", "params", "outputs"}


def _is_number(x: Any) -> bool:
    return type(x) in (int, float)


def _dec(v: Any, where: str, depth: int = 0) -> Any:
    """The value a JSON value written by ``_enc`` stands for; anything else is refused."""
    if v is None or type(v) in (bool, int, float, str):
        return v
    if not isinstance(v, dict) or len(v) == 0:
        raise GraphFormatError(f"{where}: unexpected value {v!r:.80}")
    if depth > MAX_DEPTH:
        raise GraphFormatError(f"{where}: sub-graphs and values nested more than {MAX_DEPTH} deep")
    keys = set(v)
    if keys == {"float"}:
        if v["float"] not in ("inf", "-inf", "nan"):
            raise GraphFormatError(f'{where}: a tagged float must be "inf", "-inf" or "nan", got {v["float"]!r:.80}')
        return float(v["float"])
    if keys == {"complex"}:
        parts = v["complex"]
        if not (isinstance(parts, list) and len(parts) == 2):
            raise GraphFormatError(f"{where}: complex parts must be two numbers [re, im]")
        re_, im_ = (p if _is_number(p) else _dec(p, where, depth + 1) if _is_float_tag(p) else None for p in parts)
        if not (_is_number(re_) and _is_number(im_)):
            raise GraphFormatError(f"{where}: complex parts must be two numbers [re, im]")
        return complex(re_, im_)
    if keys == {"ellipsis"}:
        if v["ellipsis"] is not True:
            raise GraphFormatError(f'{where}: an ellipsis is written {{"ellipsis": true}}')
        return Ellipsis
    if keys == {"slice"}:
        parts = v["slice"]
        if not (isinstance(parts, list) and len(parts) == 3 and all(p is None or type(p) is int for p in parts)):
            raise GraphFormatError(f"{where}: a slice needs [start, stop, step] of integers or null")
        return slice(*parts)
    if keys in ({"tuple"}, {"list"}):
        (tag,) = keys
        items = v[tag]
        if not isinstance(items, list):
            raise GraphFormatError(f"{where}: a {tag} holds a JSON list")
        out = [_dec(x, where, depth + 1) for x in items]
        return tuple(out) if tag == "tuple" else out
    if keys in ({"array", "dtype", "shape"}, {"array", "dtype"}):
        dt = _dtype(v["dtype"], where)
        data = v["array"]
        if not isinstance(data, list):
            raise GraphFormatError(f"{where}: an array holds a flat JSON list of numbers")
        data = [_scalar(x, where) for x in data]
        shape = _shape(v.get("shape", [len(data)]), where)
        if math.prod(shape) != len(data):
            raise GraphFormatError(f"{where}: array shape {list(shape)} does not hold {len(data)} values")
        try:
            return np.array(data, dtype=dt).reshape(shape)
        except (TypeError, ValueError, OverflowError) as e:
            raise GraphFormatError(f"{where}: the values do not fit dtype {dt.name} ({e})") from None
    if keys == {"scalar", "dtype"}:
        dt = _dtype(v["dtype"], where)
        x = _scalar(v["scalar"], where)
        try:
            return dt.type(x)
        except (TypeError, ValueError, OverflowError) as e:
            raise GraphFormatError(f"{where}: {x!r:.80} does not fit dtype {dt.name} ({e})") from None
    if keys == {"dtype"}:
        return _dtype(v["dtype"], where)
    if keys == {"graph"}:
        return _graph_from_dict(v["graph"], where + ".graph", depth + 1)
    raise GraphFormatError(f"{where}: unknown tagged value with keys {sorted(keys)}")


def _is_float_tag(x: Any) -> bool:
    return isinstance(x, dict) and set(x) == {"float"}


def _scalar(x: Any, where: str) -> Any:
    """One number of an array or scalar: a JSON number or boolean, or a tagged float/complex."""
    if type(x) in (bool, int, float):
        return x
    if isinstance(x, dict) and set(x) in ({"float"}, {"complex"}):
        return _dec(x, where)
    raise GraphFormatError(f"{where}: expected a number, got {x!r:.80}")


def _shape(s: Any, where: str) -> tuple[int, ...]:
    if not isinstance(s, list):
        raise GraphFormatError(f"{where}: a shape must be a list of integers, got {s!r:.80}")
    if len(s) > MAX_NDIM or not all(type(n) is int and 0 <= n <= MAX_SIZE for n in s) or math.prod(s) > MAX_SIZE:
        raise GraphFormatError(f"{where}: invalid shape {s!r:.80} (at most {MAX_NDIM} non-negative sizes, {MAX_SIZE} elements)")
    return tuple(s)


def _dtype(s: Any, where: str) -> np.dtype:
    if not (isinstance(s, str) and len(s) <= 16 and _DTYPE_TEXT.fullmatch(s)):
        raise GraphFormatError(f"{where}: invalid dtype {s!r:.80}")
    try:
        d = np.dtype(s)
    except (TypeError, ValueError):
        raise GraphFormatError(f"{where}: invalid dtype {s!r}") from None
    if d.kind not in NUMERIC_KINDS or d.fields is not None or d.shape != ():
        raise GraphFormatError(f"{where}: unsupported dtype {s!r} (booleans, integers, floats and complex only)")
    return d


def _literal_value(v: Any, where: str) -> Any:
    """A decoded operand literal must be a number, a numeric array or None (an absent
    optional argument, as in ``logsumexp(a, b=None)``)."""
    numeric = isinstance(v, (np.generic, np.ndarray)) and v.dtype.kind in NUMERIC_KINDS
    if not (numeric or v is None or type(v) in (bool, int, float, complex)):
        raise GraphFormatError(f"{where}: a literal operand must be a number, a numeric array or null, got {v!r:.80}")
    return v


def _graph_dict(g: Graph) -> dict:
    ids: dict[int, int] = {}

    def vid(v: Var) -> int:
        if v.id not in ids:
            ids[v.id] = len(ids)
        return ids[v.id]

    def operand(x: Var | Literal) -> dict:
        return {"var": vid(x)} if isinstance(x, Var) else {"lit": _enc(x.value)}

    def var(v: Var) -> dict:
        d = {"id": vid(v), "shape": list(v.shape), "dtype": v.dtype.str}
        if v.name:
            d["name"] = v.name
        return d

    return {
        "name": g.name,
        "inputs": [var(v) for v in g.inputs],
        "eqns": [
            {
                "prim": e.prim.name,
                "inputs": [operand(i) for i in e.inputs],
                "params": {k: _enc(p) for k, p in e.params.items()},
                "outputs": [var(v) for v in e.outputs],
            }
            for e in g.eqns
        ],
        "outputs": [operand(o) for o in g.outputs],
    }


def to_json(g: Graph, indent: int | None = 1) -> str:
    """Serialize ``g`` (its flat inputs and outputs) as JSON text."""
    return json.dumps({"format": FORMAT, "version": VERSION, **_graph_dict(g)}, indent=indent)


def _graph_from_dict(d: Any, where: str, depth: int = 0) -> Graph:
    if depth > MAX_DEPTH:
        raise GraphFormatError(f"{where}: sub-graphs and values nested more than {MAX_DEPTH} deep")
    if not isinstance(d, dict):
        raise GraphFormatError(f"{where}: expected an object")
    allowed = _TOP_KEYS if depth == 0 else _GRAPH_KEYS
    if not set(d) <= allowed:
        raise GraphFormatError(f"{where}: unknown field(s) {sorted(set(d) - allowed)}")
    for k in ("inputs", "eqns", "outputs"):
        if not isinstance(d.get(k), list):
            raise GraphFormatError(f"{where}: missing or invalid field {k!r}")
    name = d.get("name", "f")
    if not (isinstance(name, str) and len(name) <= MAX_NAME and name.isprintable()):
        raise GraphFormatError(f"{where}.name: a graph's name must be printable text of at most {MAX_NAME} characters")
    env: dict[int, Var] = {}

    def mkvar(v: Any, w: str) -> Var:
        if not isinstance(v, dict) or type(v.get("id")) is not int or "shape" not in v or "dtype" not in v:
            raise GraphFormatError(f"{w}: a variable needs integer 'id', list 'shape' and 'dtype'")
        if not set(v) <= _VAR_KEYS:
            raise GraphFormatError(f"{w}: unknown variable field(s) {sorted(set(v) - _VAR_KEYS)}")
        if v["id"] in env:
            raise GraphFormatError(f"{w}: variable id {v['id']} defined twice")
        shape = _shape(v["shape"], w)
        vname = v.get("name")
        if vname is not None and not _plain_name(vname):
            raise GraphFormatError(
                f"{w}: variable name {vname!r:.80} is not a plain identifier (ASCII, not a keyword, not a dunder)"
            )
        var = Var(shape, _dtype(v["dtype"], w), vname)
        env[v["id"]] = var
        return var

    def operand(x: Any, w: str) -> Var | Literal:
        if isinstance(x, dict) and set(x) == {"var"}:
            vid = x["var"]
            if type(vid) is not int:
                raise GraphFormatError(f"{w}: a variable reference needs an integer id, got {vid!r:.80}")
            if vid not in env:
                raise GraphFormatError(f"{w}: variable {vid!r} is used before it is defined")
            return env[vid]
        if isinstance(x, dict) and set(x) == {"lit"}:
            return Literal(_literal_value(_dec(x["lit"], w), w))
        raise GraphFormatError(f"{w}: an operand must be {{'var': id}} or {{'lit': value}}")

    inputs = [mkvar(v, f"{where}.inputs[{k}]") for k, v in enumerate(d["inputs"])]
    eqns = []
    for k, e in enumerate(d["eqns"]):
        w = f"{where}.eqns[{k}]"
        if not isinstance(e, dict):
            raise GraphFormatError(f"{w}: expected an object")
        pname = e.get("prim")
        prim = Primitive.registry.get(pname) if isinstance(pname, str) else None
        if prim is None:
            raise GraphFormatError(f"{w}: unknown primitive {pname!r:.80}; this wengert cannot run it")
        if (
            not set(e) <= _EQN_KEYS
            or not isinstance(e.get("inputs"), list)
            or not isinstance(e.get("outputs"), list)
            or not isinstance(e.get("params", {}), dict)
        ):
            raise GraphFormatError(f"{w}: needs lists 'inputs', 'outputs' and an object 'params', nothing else")
        if prim.param_schema is None:
            raise GraphFormatError(f"{w} ({prim.name}): {check_params(prim, {})}")
        ins = [operand(x, f"{w}.inputs[{j}]") for j, x in enumerate(e["inputs"])]
        params = {pk: _dec(pv, f"{w}.params.{pk}", depth + 1) for pk, pv in e.get("params", {}).items()}
        problem = check_params(prim, params)
        if problem is not None:
            raise GraphFormatError(f"{w} ({prim.name}): {problem}")
        if not prim.multiple_results and len(e["outputs"]) != 1:
            raise GraphFormatError(f"{w} ({prim.name}): has one output, the file lists {len(e['outputs'])}")
        outs = [mkvar(v, f"{w}.outputs[{j}]") for j, v in enumerate(e["outputs"])]
        eqns.append(Eqn(prim, ins, params, outs))
    outputs = [operand(o, f"{where}.outputs[{j}]") for j, o in enumerate(d["outputs"])]
    return Graph(inputs, eqns, outputs, None, None, name)


def _plain_name(s: Any) -> bool:
    return (
        isinstance(s, str)
        and len(s) <= MAX_NAME
        and s.isascii()
        and s.isidentifier()
        and not keyword.iskeyword(s)
        and not (s.startswith("__") and s.endswith("__"))
    )


def _parse_int(text: str) -> int:
    if len(text) > MAX_INT_DIGITS:
        raise GraphFormatError(f"an integer of {len(text)} digits (at most {MAX_INT_DIGITS})")
    return int(text)


def from_json(text: str | bytes) -> Graph:
    """Load a graph saved by ``to_json``.

    Every field is checked and every equation's params must match its primitive's declared
    schema; on any malformed input this raises ``GraphFormatError`` (saying where) and
    nothing else.  Nothing from the file is ever run or written into generated source.
    """
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as e:
            raise GraphFormatError(f"not UTF-8 text: {e}") from None
    if not isinstance(text, str):
        raise GraphFormatError(f"from_json reads JSON text (str or bytes), got {type(text).__name__}")
    try:
        d = json.loads(text, parse_int=_parse_int)
    except GraphFormatError as e:
        raise GraphFormatError(f"not a valid graph file: {e}") from None
    except RecursionError:
        raise GraphFormatError("not a valid graph file: JSON nested too deeply") from None
    except ValueError as e:  # json.JSONDecodeError and the like
        raise GraphFormatError(f"not valid JSON: {e}") from None
    if not isinstance(d, dict) or d.get("format") != FORMAT:
        raise GraphFormatError(f'not a wengert graph (expected "format": "{FORMAT}")')
    version = d.get("version")
    if type(version) is not int or version != VERSION:
        raise GraphFormatError(f"unsupported graph format version {version!r:.40} (this wengert reads {VERSION})")
    return _graph_from_dict(d, "graph")
