"""Graphs to and from JSON (no pickle): a compiled gradient can be shipped and inspected.

Format (version 1)::

    {"format": "wengert-graph", "version": 1, "name": "f",
     "inputs":  [{"id": 0, "name": "x", "shape": [3], "dtype": "float64"}, ...],
     "eqns":    [{"prim": "sin", "inputs": [{"var": 0}], "params": {},
                  "outputs": [{"id": 1, "shape": [3], "dtype": "float64"}]}, ...],
     "outputs": [{"var": 1} | {"lit": VALUE}, ...]}

Values (literals and params) are encoded as JSON numbers, strings, booleans and null, or
tagged objects: {"tuple": [...]}, {"list": [...]}, {"slice": [start, stop, step]},
{"ellipsis": true}, {"array": nested lists, "dtype": "float32", "shape": [...]},
{"scalar": number, "dtype": "float32"}, {"complex": [re, im]}, {"dtype": "float64"},
{"graph": GRAPH} (sub-graphs of control flow).  Loading checks every field and refuses
unknown primitives.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from ..core.primitive import Primitive
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
        return v if math.isfinite(v) else {"float": repr(v)}
    if isinstance(v, complex):
        return {"complex": [v.real, v.imag]}
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


def _dec(v: Any, where: str) -> Any:
    try:
        return _dec_value(v, where)
    except GraphFormatError:
        raise
    except (TypeError, ValueError, OverflowError) as e:
        raise GraphFormatError(f"{where}: malformed value {v!r:.80} ({e})") from None


def _dec_value(v: Any, where: str) -> Any:
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if not isinstance(v, dict) or len(v) == 0:
        raise GraphFormatError(f"{where}: unexpected value {v!r}")
    if "float" in v:
        return float(v["float"])
    if "complex" in v:
        re, im = v["complex"]
        if not all(isinstance(p, (int, float)) and not isinstance(p, bool) for p in (re, im)):
            raise GraphFormatError(f"{where}: complex parts must be numbers")
        return complex(re, im)
    if "ellipsis" in v:
        return Ellipsis
    if "slice" in v:
        parts = v["slice"]
        if (
            not isinstance(parts, list)
            or len(parts) != 3
            or not all(p is None or (isinstance(p, int) and not isinstance(p, bool)) for p in parts)
        ):
            raise GraphFormatError(f"{where}: a slice needs [start, stop, step] of integers or null")
        return slice(*parts)
    if "tuple" in v:
        return tuple(_dec(x, where) for x in v["tuple"])
    if "list" in v:
        return [_dec(x, where) for x in v["list"]]
    if "array" in v:
        dt = _dtype(v.get("dtype"), where)
        data = [_dec(x, where) for x in v["array"]]
        shape = v.get("shape", [len(data)])
        if not isinstance(shape, list) or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in shape):
            raise GraphFormatError(f"{where}: invalid array shape {shape!r}")
        if int(np.prod(shape)) != len(data):
            raise GraphFormatError(f"{where}: array shape {shape} does not hold {len(data)} values")
        return np.array(data, dtype=dt).reshape(tuple(shape))
    if "scalar" in v:
        return _dtype(v.get("dtype"), where).type(_dec(v["scalar"], where))
    if "dtype" in v:
        return _dtype(v["dtype"], where)
    if "graph" in v:
        return _graph_from_dict(v["graph"], where + ".graph")
    raise GraphFormatError(f"{where}: unknown tagged value with keys {sorted(v)}")


def _dtype(s: Any, where: str) -> np.dtype:
    try:
        d = np.dtype(s)
    except TypeError:
        raise GraphFormatError(f"{where}: invalid dtype {s!r}") from None
    if d.kind not in "biufc":
        raise GraphFormatError(f"{where}: unsupported dtype {s!r}")
    return d


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


def _graph_from_dict(d: Any, where: str) -> Graph:
    if not isinstance(d, dict):
        raise GraphFormatError(f"{where}: expected an object")
    for k in ("inputs", "eqns", "outputs"):
        if not isinstance(d.get(k), list):
            raise GraphFormatError(f"{where}: missing or invalid field {k!r}")
    env: dict[int, Var] = {}

    def mkvar(v: Any, w: str) -> Var:
        if (
            not isinstance(v, dict)
            or not isinstance(v.get("id"), int)
            or isinstance(v.get("id"), bool)
            or not isinstance(v.get("shape"), list)
            or "dtype" not in v
        ):
            raise GraphFormatError(f"{w}: a variable needs integer 'id', list 'shape' and 'dtype'")
        if v["id"] in env:
            raise GraphFormatError(f"{w}: variable id {v['id']} defined twice")
        if not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in v["shape"]):
            raise GraphFormatError(f"{w}: invalid shape {v['shape']!r}")
        name = v.get("name")
        if name is not None and not (isinstance(name, str) and name.isidentifier() and name.isascii()):
            raise GraphFormatError(f"{w}: variable name {name!r} is not a plain identifier")
        var = Var(tuple(v["shape"]), _dtype(v.get("dtype"), w), name)
        env[v["id"]] = var
        return var

    def operand(x: Any, w: str) -> Var | Literal:
        if isinstance(x, dict) and "var" in x:
            if x["var"] not in env:
                raise GraphFormatError(f"{w}: variable {x['var']!r} is used before it is defined")
            return env[x["var"]]
        if isinstance(x, dict) and "lit" in x:
            return Literal(_dec(x["lit"], w))
        raise GraphFormatError(f"{w}: an operand must be {{'var': id}} or {{'lit': value}}")

    inputs = [mkvar(v, f"{where}.inputs[{k}]") for k, v in enumerate(d["inputs"])]
    eqns = []
    for k, e in enumerate(d["eqns"]):
        w = f"{where}.eqns[{k}]"
        if not isinstance(e, dict):
            raise GraphFormatError(f"{w}: expected an object")
        name = e.get("prim")
        prim = Primitive.registry.get(name) if isinstance(name, str) else None
        if prim is None:
            raise GraphFormatError(f"{w}: unknown primitive {name!r}; this wengert cannot run it")
        if (
            not isinstance(e.get("inputs"), list)
            or not isinstance(e.get("outputs"), list)
            or not isinstance(e.get("params", {}), dict)
        ):
            raise GraphFormatError(f"{w}: needs lists 'inputs', 'outputs' and an object 'params'")
        ins = [operand(x, w) for x in e["inputs"]]
        params = {pk: _dec(pv, f"{w}.params.{pk}") for pk, pv in e.get("params", {}).items()}
        outs = [mkvar(v, f"{w}.outputs") for v in e["outputs"]]
        eqns.append(Eqn(prim, ins, params, outs))
    outputs = [operand(o, f"{where}.outputs") for o in d["outputs"]]
    return Graph(inputs, eqns, outputs, None, None, str(d.get("name", "f")))


def from_json(text: str) -> Graph:
    """Load a graph saved by ``to_json``; malformed text or unknown ops raise
    ``GraphFormatError`` saying where."""
    try:
        d = json.loads(text)
    except json.JSONDecodeError as e:
        raise GraphFormatError(f"not valid JSON: {e}") from None
    if not isinstance(d, dict) or d.get("format") != FORMAT:
        raise GraphFormatError(f'not a wengert graph (expected "format": "{FORMAT}")')
    if d.get("version") != VERSION:
        raise GraphFormatError(f"unsupported graph format version {d.get('version')!r} (this wengert reads {VERSION})")
    return _graph_from_dict(d, "graph")
