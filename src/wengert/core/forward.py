"""Forward mode: dual numbers (primal, tangent) pushed through each primitive's JVP rule.

A tangent of ``None`` is a symbolic zero: rules skip it, and an output whose tangent is zero
is returned as a plain value (a constant to this level).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import NoRuleError, WengertError
from .primitive import Primitive, Trace, Tracer

__all__ = ["JVPTrace", "JVPTracer"]


class JVPTracer(Tracer):
    """A value with a tangent, at one forward-mode level."""

    __slots__ = ("value", "tangent")

    def __init__(self, trace: JVPTrace, value: Any, tangent: Any) -> None:
        self._trace = trace
        self.value = value
        self.tangent = tangent

    @property
    def primal(self) -> Any:
        return self.value


class JVPTrace(Trace):
    """A level of forward-mode differentiation."""

    __slots__ = ()

    def process(self, prim: Primitive, args: Sequence[Any], params: dict) -> Any:
        if not self.alive:
            raise WengertError(
                f"a traced value from a finished jvp was used in {prim.name!r}: a tracer "
                "escaped the function being differentiated; return it instead"
            )
        vals = []
        tangents = []
        lower = False
        for a in args:
            if a.__class__ is JVPTracer and a._trace is self:
                v = a.value
                tangents.append(a.tangent)
            else:
                v = a
                tangents.append(None)
            vals.append(v)
            if not lower and isinstance(v, Tracer):
                lower = True
        ans = prim.bind(*vals, **params) if lower else prim.impl(*vals, **params)
        if prim.nondiff:
            return ans
        jvp = prim.jvp
        if jvp is None:
            raise NoRuleError(
                f"primitive {prim.name!r} has no JVP rule, so it cannot be used in forward "
                "mode (jvp, jacfwd, hessian); define one with .defjvp"
            )
        t = jvp(tuple(tangents), ans, *vals, **params)
        if prim.multiple_results:
            return tuple(a if ti is None else JVPTracer(self, a, ti) for a, ti in zip(ans, t))
        if t is None:
            return ans
        return JVPTracer(self, ans, t)
