"""Define-and-run: trace a function once into a Graph (the Wengert list), optimize it,
generate NumPy source for it, compile and cache it (``jit``)."""

from .control import cond, fori_loop, scan, while_loop
from .ir import Eqn, Graph, Literal, Var
from .jit import Jitted, jit
from .tracing import CapturedTracerError, ConcretizationError, trace

__all__ = [
    "Eqn",
    "Graph",
    "Literal",
    "Var",
    "trace",
    "jit",
    "Jitted",
    "cond",
    "while_loop",
    "fori_loop",
    "scan",
    "ConcretizationError",
    "CapturedTracerError",
]
