"""The Wengert-list IR: variables, equations and graphs.

A ``Graph`` is a list of equations ``v7 = mul(v3, v5)`` over variables with known shapes
and dtypes, with input and output variables (and the pytree structures that map them to the
user's arguments and results).  Graphs are immutable: passes return new graphs.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..core.primitive import Primitive
from ..core.schema import register_graph_type
from ..tree import TreeDef, tree_flatten, tree_unflatten

__all__ = ["Var", "Literal", "Eqn", "Graph"]

_ids = itertools.count()


class Var:
    """A variable of the Wengert list: one value with a shape and a dtype."""

    __slots__ = ("id", "shape", "dtype", "name")

    def __init__(self, shape: tuple, dtype: Any, name: str | None = None) -> None:
        self.id = next(_ids)
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.name = name

    def __repr__(self) -> str:
        return self.name or f"v{self.id}"


class Literal:
    """A constant operand (a Python or NumPy scalar, or an array)."""

    __slots__ = ("value", "shape", "dtype")

    def __init__(self, value: Any) -> None:
        self.value = value
        self.shape = tuple(np.shape(value))
        self.dtype = np.result_type(value) if not isinstance(value, np.ndarray) else value.dtype

    def __repr__(self) -> str:
        v = self.value
        if isinstance(v, np.ndarray) and v.size > 6:
            return f"const{v.shape}"
        if isinstance(v, (np.generic, np.ndarray)):
            return repr(v.tolist())
        return repr(v)

    def key(self) -> Any:
        """A hashable identity for common-subexpression elimination."""
        v = self.value
        if isinstance(v, np.ndarray):
            if v.size <= 64:
                return ("arr", v.shape, v.dtype.str, v.tobytes())
            return ("id", id(v))
        if isinstance(v, np.generic):
            return ("np", v.dtype.str, v.item())
        try:
            hash(v)
        except TypeError:
            return ("id", id(v))
        return ("py", type(v).__name__, v)


class Eqn:
    """One step: ``outputs = prim(*inputs, **params)``."""

    __slots__ = ("prim", "inputs", "params", "outputs")

    def __init__(self, prim: Primitive, inputs: Sequence[Var | Literal], params: dict, outputs: Sequence[Var]) -> None:
        self.prim = prim
        self.inputs = tuple(inputs)
        self.params = dict(params)  # its own copy: callers' dicts may be shared
        self.outputs = tuple(outputs)

    def __repr__(self) -> str:
        from .printing import format_eqn  # (convenience: delegates to a layer above)

        return format_eqn(self)


class Graph:
    """The evaluation trace of a function: inputs, equations, outputs."""

    __slots__ = ("inputs", "eqns", "outputs", "in_tree", "out_tree", "name", "_compiled")

    def __init__(
        self,
        inputs: Sequence[Var],
        eqns: Sequence[Eqn],
        outputs: Sequence[Var | Literal],
        in_tree: TreeDef | None = None,
        out_tree: TreeDef | None = None,
        name: str = "f",
    ) -> None:
        self.inputs = tuple(inputs)
        self.eqns = tuple(eqns)
        self.outputs = tuple(outputs)
        self.in_tree = in_tree
        self.out_tree = out_tree
        self.name = name
        self._compiled = None

    def replace(self, **kw: Any) -> Graph:
        d = {s: getattr(self, s) for s in ("inputs", "eqns", "outputs", "in_tree", "out_tree", "name")}
        d.update(kw)
        return Graph(**d)

    # ----------------------------------------------------------------- views
    def __repr__(self) -> str:
        from .printing import format_graph  # (convenience: delegates to a layer above)

        return format_graph(self)

    __str__ = __repr__

    def __len__(self) -> int:
        return len(self.eqns)

    def source(self, free: bool = False) -> str:
        """Readable Python/NumPy source of the function, one statement per equation.
        ``free=True`` shows exactly what ``compile`` runs: the same statements with a ``del``
        after each intermediate's last use."""
        from .codegen import graph_source  # (convenience: delegates to a layer above)

        return graph_source(self, free)[0]

    def compile(self) -> Any:
        """A Python callable (flat arguments, flat results) made by exec of ``source()``."""
        if self._compiled is None:
            from .codegen import compile_graph  # (convenience: delegates to a layer above)

            self._compiled = compile_graph(self)
        return self._compiled

    def __call__(self, *args: Any) -> Any:
        """Evaluate on arguments shaped like the traced ones (pytrees allowed)."""

        leaves = tree_flatten(args)[0] if self.in_tree is not None else list(args)
        out = self.compile()(*leaves)
        if self.out_tree is not None:
            return tree_unflatten(self.out_tree, out)
        return out

    def evaluate(self, *leaves: Any) -> list:
        """Run the equations one by one through ``bind`` (so outer traces see them)."""
        return interpret(self, leaves)

    def optimize(self, verbose: bool = False, passes: Sequence[str] | None = None) -> Graph:
        """Run the pass pipeline (see ``wengert.graph.passes``); with ``verbose`` print what
        each pass changed."""
        from .passes import optimize  # (convenience: delegates to a layer above)

        return optimize(self, verbose=verbose, passes=passes)

    def evaluation_trace(self, *args: Any, tangents: Any = None, adjoints: bool = False) -> Any:
        """The evaluation trace table (Baydin et al. 2018): one row per variable with its
        step and value; with ``tangents`` (one per input) a forward-tangent column, with
        ``adjoints=True`` a reverse-adjoint column (scalar output)."""
        from .trace_table import evaluation_trace  # (convenience: delegates to a layer above)

        return evaluation_trace(self, args, tangents, adjoints)

    def to_json(self, indent: int | None = 1) -> str:
        """The graph as JSON text (format "wengert-graph" version 1; see ``graph.serialize``)."""
        from .serialize import to_json  # (convenience: delegates to a layer above)

        return to_json(self, indent)

    @staticmethod
    def from_json(text: str | bytes) -> Graph:
        """Load a graph from JSON text, which may come from anyone: every field is checked,
        every equation's params must match its primitive's declared schema, malformed input
        raises ``GraphFormatError`` (and nothing else), and nothing from the file ever runs."""
        from .serialize import from_json  # (convenience: delegates to a layer above)

        return from_json(text)

    def _repr_svg_(self) -> str | None:  # Jupyter
        try:
            from .printing import to_svg  # (convenience: delegates to a layer above)

            return to_svg(self)
        except Exception:
            return None



def interpret(
    g: Graph, leaves: Sequence[Any], record: dict[int, Any] | None = None, call: Callable[..., Any] | None = None
) -> list:
    """The one interpreter of a graph: each equation through ``bind`` (so enclosing traces
    record it), in order; returns the outputs.  Hooks: ``record`` receives every variable's
    value by id (evaluation-trace tables, control flow's stored values); ``call(e, args)``
    replaces ``e.prim.bind(*args, **e.params)`` (replaying with stored results)."""
    env: dict[int, Any] = {} if record is None else record
    for v, x in zip(g.inputs, leaves):
        env[v.id] = x
    for e in g.eqns:
        args = [env[i.id] if isinstance(i, Var) else i.value for i in e.inputs]
        out = e.prim.bind(*args, **e.params) if call is None else call(e, args)
        if e.prim.multiple_results:
            for v, o in zip(e.outputs, out):
                env[v.id] = o
        else:
            env[e.outputs[0].id] = out
    return [env[o.id] if isinstance(o, Var) else o.value for o in g.outputs]

register_graph_type(Graph)  # GRAPH params (cond branches, scan bodies) are Graphs
