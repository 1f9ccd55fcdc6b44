"""Reverse mode: the eager tape (define-by-run) and the iterative backward pass.

The tape is a list indexed by the position of each recorded value:
- a leaf (an input being differentiated) is ``None``;
- a single-result call is the tuple ``(prim, args, ans, params, parents)`` where ``parents``
  lists ``(argnum, tape_index)`` of the traced arguments and ``args``/``ans`` hold only what
  ``prim.save`` asks for (so long tapes keep no more memory than the rules need);
- a multiple-result call with k results takes k slots: a ``_Multi`` record in the first
  and ``_Out`` markers in the others (all its results' consumers come later on the tape, so
  their cotangents are complete when the loop reaches the record).

Recording order is a topological order, so the backward pass is a single loop from the
output's index down to 0, accumulating cotangents in a list: no recursion, no sorting.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import NoRuleError, WengertError
from . import primitive as primitive_mod
from .primitive import SAVE_ANS, SAVE_ARGS, SAVE_SHAPES, Primitive, Trace, Tracer, state

__all__ = ["ReverseTrace", "ReverseTracer", "backward"]


class ReverseTracer(Tracer):
    """A value recorded on a reverse tape: its value and its slot on the tape."""

    __slots__ = ("value", "idx")

    def __init__(self, value: Any, trace: ReverseTrace, idx: int) -> None:
        self.value = value
        self._trace = trace
        self.idx = idx

    @property
    def primal(self) -> Any:
        return self.value

    def __repr__(self) -> str:
        return f"ReverseTracer(level={self._trace.level}, value={self.value!r})"


class _Out:
    """Tape marker for the i-th result (except the last) of a multiple-result call."""

    __slots__ = ()


_OUT = _Out()


class _Multi:
    """Tape record of a multiple-result call with ``nout`` results."""

    __slots__ = ("prim", "args", "ans", "params", "parents", "nout")

    def __init__(self, prim, args, ans, params, parents, nout):  # noqa: ANN001
        self.prim = prim
        self.args = args
        self.ans = ans
        self.params = params
        self.parents = parents
        self.nout = nout


class ReverseTrace(Trace):
    """A level of reverse-mode differentiation: records a tape while Python runs."""

    __slots__ = ("tape", "state")

    def __init__(self) -> None:
        super().__init__()
        self.tape: list = []
        self.state = state

    def new_input(self, value: Any) -> ReverseTracer:
        """Start differentiating with respect to ``value``: a leaf on the tape."""
        tape = self.tape
        tape.append(None)
        return ReverseTracer(value, self, len(tape) - 1)

    def process(self, prim: Primitive, args: Sequence[Any], params: dict) -> Any:
        if not self.alive:
            raise WengertError(
                f"a traced value from a finished differentiation was used in {prim.name!r}: "
                "a tracer escaped the function being differentiated (stored in a global or "
                "returned through a side channel); return it from the function instead"
            )
        vals = []
        parents = []
        lower = False  # does a lower trace own one of the values? then it processes too
        i = 0
        for a in args:
            if a.__class__ is ReverseTracer and a._trace is self:
                v = a.value
                parents.append((i, a.idx))
            else:
                v = a
            vals.append(v)
            if not lower and isinstance(v, Tracer):
                lower = True
            i += 1
        if primitive_mod.overrides_in_use:
            overrides = self.state.overrides
            if overrides and prim.name in overrides:
                prim = overrides[prim.name]
        if prim.fwd is not None and parents:
            ans, residuals = prim.fwd(*vals, **params)
            return self._record(prim, residuals, ans, params, parents)
        if lower:
            ans = prim.bind(*vals, **params)
        elif params:
            ans = prim.impl(*vals, **params)
        else:
            ans = prim.impl(*vals)
        if prim.nondiff or not parents:
            return ans
        save = prim.save
        saved_args = (
            vals
            if save & SAVE_ARGS
            else ([getattr(v, "shape", ()) for v in vals] if save & SAVE_SHAPES else None)
        )
        return self._record(prim, saved_args, ans, params, parents)

    def process_known(self, prim: Primitive, args: Sequence[Any], params: dict, ans: Any) -> Any:
        """Record ``prim(*args)`` whose result ``ans`` is already known (replaying a forward
        pass from stored values: the backward pass then reuses them instead of recomputing)."""
        vals = []
        parents = []
        for i, a in enumerate(args):
            if a.__class__ is ReverseTracer and a._trace is self:
                vals.append(a.value)
                parents.append((i, a.idx))
            else:
                vals.append(a)
        if prim.nondiff or not parents or prim.fwd is not None:
            return self.process(prim, args, params) if parents else ans
        save = prim.save
        saved_args = (
            vals
            if save & SAVE_ARGS
            else ([getattr(v, "shape", ()) for v in vals] if save & SAVE_SHAPES else None)
        )
        return self._record(prim, saved_args, ans, params, parents)

    def record_call(self, rule: Any, args: Sequence[Any], results: Sequence[Any]) -> tuple:
        """Record a call whose ``results`` are already computed and whose derivative is
        ``rule.vjp_all(cts, None)`` (the results' cotangents in, a tuple with one cotangent
        per argument out; the rule keeps what it needs): custom rules use it.  Returns the
        results as tracers of this trace (plain values when no argument is one of its
        tracers)."""
        parents = [(k, a.idx) for k, a in enumerate(args) if a.__class__ is ReverseTracer and a._trace is self]
        if not parents:
            return tuple(results)
        return self._record_multi(rule, None, None, {}, parents, results)

    def cotangents(
        self, outs: Sequence[Any], cts: Sequence[Any], wrt: Sequence[Any], free: bool = False, keep: bool = False
    ) -> list:
        """Run the backward pass from ``outs`` (seeded with ``cts``; outputs that are not this
        trace's tracers carry no derivative) and return the cotangent of each of ``wrt``
        (None where none flowed).  ``free=True`` releases each record once used (a tape
        differentiated once); ``keep=True`` keeps intermediate cotangents (trace tables)."""
        idx, seeds = [], []
        for o, c in zip(outs, cts):
            if o.__class__ is ReverseTracer and o._trace is self and c is not None:
                idx.append(o.idx)
                seeds.append(c)
        if not idx:
            return [None] * len(wrt)
        got = backward(self.tape, idx, seeds, free=free, keep=keep)
        return [
            got[x.idx] if x.__class__ is ReverseTracer and x._trace is self and x.idx < len(got) else None for x in wrt
        ]

    def _record_multi(self, rule: Any, saved_args: Any, kept_ans: Any, params: dict, parents: list, results: Any) -> tuple:
        """One record for a call with several results (markers fill the other slots)."""
        tape = self.tape
        base = len(tape)
        tape.append(_Multi(rule, saved_args, kept_ans, params, parents, len(results)))
        for _ in range(len(results) - 1):
            tape.append(_OUT)
        return tuple(ReverseTracer(r, self, base + j) for j, r in enumerate(results))

    def release(self) -> None:
        """Drop the tape (what it keeps of the forward pass) once its gradients are taken."""
        self.tape.clear()

    def _record(self, prim: Primitive, saved_args: Any, ans: Any, params: dict, parents: list) -> Any:
        save = prim.save
        tape = self.tape
        if prim.multiple_results:
            return self._record_multi(prim, saved_args, ans if save & SAVE_ANS else None, params, parents, ans)
        tape.append((prim, saved_args, ans if save & SAVE_ANS else None, params, parents))
        return ReverseTracer(ans, self, len(tape) - 1)


def _add(a: Any, b: Any) -> Any:
    # Cotangent accumulation; a wengert op so that outer levels see it.
    return _add_p.bind(a, b)


_add_p: Primitive  # set by wengert.ops (the add primitive) to avoid an import cycle


def set_add_primitive(p: Primitive) -> None:
    global _add_p
    _add_p = p


def backward(
    tape: list, out_idx: int | Sequence[int], ct: Any | Sequence[Any], free: bool = False, keep: bool = False
) -> list:
    """Propagate cotangents from ``out_idx`` (one index or several) down the tape.

    Returns the list of accumulated cotangents per slot (``None`` where no gradient flowed).
    With ``free=True`` each record is dropped as soon as it is used, so the residuals of a
    single-use tape are released during the pass.  Cotangents of intermediate slots are
    dropped once propagated unless ``keep=True`` (for evaluation-trace tables).
    """
    if isinstance(out_idx, int):
        top = out_idx
        cts: list = [None] * len(tape)
        cts[top] = ct
    else:
        top = max(out_idx) if out_idx else -1
        cts = [None] * len(tape)
        for i, c in zip(out_idx, ct):
            if c is None:
                continue
            cts[i] = c if cts[i] is None else _add_p.bind(cts[i], c)
    add = _add_p.bind
    for i in range(top, -1, -1):
        node = tape[i]
        if node.__class__ is tuple:
            ct = cts[i]
            if ct is None:
                continue
            if not keep:
                cts[i] = None
            if free:
                tape[i] = None
            prim, args, ans, params, parents = node
            vjps = prim.vjps
            if vjps is not None:
                if args is None:
                    args = ()
                for argnum, p in parents:
                    rule = vjps[argnum]
                    if rule is None:
                        continue
                    g = rule(ct, ans, *args, **params) if params else rule(ct, ans, *args)
                    old = cts[p]
                    cts[p] = g if old is None else add(old, g)
            else:
                _apply_vjp_all(prim, ct, args, ans, params, parents, cts, add)
        elif node is None or node is _OUT:
            continue
        else:  # _Multi: gather the cotangents of its results (slots i .. i+n-1)
            n = node.nout
            group = cts[i : i + n]
            if all(c is None for c in group):
                continue
            if not keep:
                for j in range(i, i + n):
                    cts[j] = None
            if free:
                tape[i] = None
            _apply_vjp_all(
                node.prim, tuple(group), node.args, node.ans, node.params, node.parents, cts, add
            )
    return cts


def _apply_vjp_all(prim, ct, args, ans, params, parents, cts, add):  # noqa: ANN001
    if prim.vjp_all is None:
        raise NoRuleError(
            f"primitive {prim.name!r} has no VJP rule, so it cannot be used in reverse mode "
            "(grad, vjp, jacrev); define one with .defvjp"
        )
    gs = prim.vjp_all(ct, ans, *(args or ()), **params)
    for argnum, p in parents:
        g = gs[argnum]
        if g is None:
            continue
        old = cts[p]
        cts[p] = g if old is None else add(old, g)
