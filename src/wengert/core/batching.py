"""Batching (vmap): run a function once on a stack of inputs.

A ``BatchTracer`` holds a value whose axis 0 is the batch axis; values that are not tracers
of the batch level are the same for every batch element.  Each primitive has a batching
rule (``prim.batch``); elementwise primitives share one rule (align ranks, then apply), and
a primitive without a rule falls back to a loop over the batch (correct, slower).

Jacobians use this to push all basis tangents (or cotangents) through the JVP (or VJP)
rules in one pass: ``jacfwd = vmap(jvp)``, ``jacrev = vmap(vjp_fn)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import WengertError
from .primitive import Primitive, Trace, Tracer

__all__ = ["BatchTrace", "BatchTracer"]


class BatchTracer(Tracer):
    """A value with a leading batch axis, at one vmap level."""

    __slots__ = ("value",)

    def __init__(self, trace: BatchTrace, value: Any) -> None:
        self._trace = trace
        self.value = value

    @property
    def primal(self) -> Any:
        # What a single batch element looks like is not a value; shape queries through
        # ``shape`` below report the per-element shape.
        return self.value

    @property
    def shape(self) -> tuple:  # type: ignore[override]
        return self.value.shape[1:]


class BatchTrace(Trace):
    """A vmap level of batch size ``size``."""

    __slots__ = ("size",)

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def process(self, prim: Primitive, args: Sequence[Any], params: dict) -> Any:
        if not self.alive:
            raise WengertError(f"a traced value from a finished vmap was used in {prim.name!r}")
        vals = []
        batched = []
        for a in args:
            if a.__class__ is BatchTracer and a._trace is self:
                vals.append(a.value)
                batched.append(True)
            else:
                vals.append(a)
                batched.append(False)
        rule = prim.batch
        if rule is None:
            out = _loop_rule(prim, vals, batched, self.size, params)
        else:
            out = rule(vals, batched, self.size, **params)
        if prim.multiple_results:
            return tuple(BatchTracer(self, o) for o in out)
        return BatchTracer(self, out)


def _loop_rule(prim: Primitive, vals: list, batched: list, size: int, params: dict) -> Any:
    # Indexing and np.stack reach wengert's ops through the values' own protocols (a lower
    # level's tracers dispatch them), so this layer needs no op of its own.
    outs = []
    for i in range(size):
        args = [v[i] if b else v for v, b in zip(vals, batched)]
        outs.append(prim.bind(*args, **params))
    if prim.multiple_results:
        return tuple(np.stack([o[k] for o in outs]) for k in range(len(outs[0])))
    return np.stack(outs)
