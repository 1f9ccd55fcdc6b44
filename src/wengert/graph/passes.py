"""Graph passes: dead-code elimination, common-subexpression elimination, bounded constant
folding, and algebraic simplification by a table of small pattern rules.

Each pass is a function ``Graph -> (Graph, stats)``; ``optimize`` runs them to a fixed point
and, with ``verbose=True``, says what each one changed.  Rules are data: each has a name, the
primitive it matches and a function returning the replacement (or None), so each can be
tested alone.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..api import vmap
from ..core.primitive import Primitive
from ..ops.contract import einsum_p, matmul_p
from ..ops.elementwise import add_p, exp_p, log_p, multiply_p, negative_p, power_p, subtract_p, true_divide_p
from ..ops.shape import broadcast_to_p, reshape_p, sum_p, transpose_p
from .control import scan_p
from .ir import Eqn, Graph, Literal, Var
from .tracing import _params_key, trace_graph

Operand = Var | Literal

# --------------------------------------------------------------------------- helpers


def _subst(x: Operand, env: dict[int, Operand]) -> Operand:
    while isinstance(x, Var) and x.id in env:
        x = env[x.id]
    return x


def _rebuild(g: Graph, eqns: list[Eqn], env: dict[int, Operand]) -> Graph:
    outs = [_subst(o, env) for o in g.outputs]
    return g.replace(eqns=eqns, outputs=outs)


# --------------------------------------------------------------------------- DCE


def _prune_scan(e: Eqn, live: set) -> Eqn | None:
    """A scan whose stacked outputs ``ys`` are partly unused: drop them from its body."""
    n_carry = e.params["n_carry"]
    ys = e.outputs[n_carry:]
    dead = [k for k, v in enumerate(ys) if v.id not in live]
    if not dead:
        return None
    body = e.params["body"]
    keep_out = list(body.outputs[:n_carry]) + [o for k, o in enumerate(body.outputs[n_carry:]) if k not in dead]
    new_body, _ = dce(body.replace(outputs=keep_out))
    outs = list(e.outputs[:n_carry]) + [v for k, v in enumerate(ys) if k not in dead]
    return Eqn(e.prim, e.inputs, {**e.params, "body": new_body}, outs)


def dce(g: Graph) -> tuple[Graph, Counter]:
    """Remove equations whose results are never used (and unused stacked outputs of scans)."""
    live = {o.id for o in g.outputs if isinstance(o, Var)}
    kept: list[Eqn] = []
    pruned = 0
    for e in reversed(g.eqns):
        if any(o.id in live for o in e.outputs):
            if e.prim is scan_p:
                ne = _prune_scan(e, live)
                if ne is not None:
                    e = ne
                    pruned += 1
            kept.append(e)
            for i in e.inputs:
                if isinstance(i, Var):
                    live.add(i.id)
    kept.reverse()
    removed = len(g.eqns) - len(kept)
    stats = Counter({"removed": removed} if removed else {})
    if pruned:
        stats["scan outputs pruned"] = pruned
    return g.replace(eqns=kept), stats


_GRAPH_PARAMS = ("body", "cond_g", "body_g", "branches")


def subgraphs(g: Graph) -> tuple[Graph, Counter]:
    """Optimize the sub-graphs held by control-flow equations (loop bodies, branches)."""
    eqns = []
    n = 0
    for e in g.eqns:
        new = {}
        for k in _GRAPH_PARAMS:
            v = e.params.get(k)
            if isinstance(v, Graph):
                o = optimize(v)
                if len(o.eqns) < len(v.eqns):
                    new[k] = o
                    n += 1
            elif isinstance(v, tuple) and v and all(isinstance(b, Graph) for b in v):
                bs = tuple(optimize(b) for b in v)
                if any(len(a.eqns) < len(b.eqns) for a, b in zip(bs, v)):
                    new[k] = bs
                    n += 1
        eqns.append(Eqn(e.prim, e.inputs, {**e.params, **new}, e.outputs) if new else e)
    return g.replace(eqns=eqns), Counter({"sub-graphs optimized": n} if n else {})


# --------------------------------------------------------------------------- CSE


def cse(g: Graph) -> tuple[Graph, Counter]:
    """Merge equations that apply the same primitive to the same operands."""
    env: dict[int, Operand] = {}
    seen: dict[Any, Eqn] = {}
    eqns: list[Eqn] = []
    merged = 0
    for e in g.eqns:
        ins = tuple(_subst(i, env) for i in e.inputs)
        try:
            key = (e.prim, tuple(i.id if i.__class__ is Var else i.key() for i in ins), _params_key(e.params) if e.params else ())
            hash(key)
        except TypeError:
            key = None
        if key is not None and key in seen:
            for o, p in zip(e.outputs, seen[key].outputs):
                env[o.id] = p
            merged += 1
            continue
        ne = Eqn(e.prim, ins, e.params, e.outputs) if ins != e.inputs else e
        if key is not None:
            seen[key] = ne
        eqns.append(ne)
    return _rebuild(g, eqns, env), Counter({"merged": merged} if merged else {})


# --------------------------------------------------------------------------- constant folding

MAX_FOLD_SIZE = 100_000  # elements; larger constants are left to run time
MAX_INT_BITS = 256  # Python-int results larger than this are not folded (9**9**9 stays)


def _foldable(e: Eqn) -> bool:
    if e.prim.multiple_results or not all(isinstance(i, Literal) for i in e.inputs):
        return False
    if any(np.size(i.value) > MAX_FOLD_SIZE for i in e.inputs):
        return False
    if any(int(np.prod(o.shape)) > MAX_FOLD_SIZE for o in e.outputs):
        return False
    for i in e.inputs:  # arbitrary-precision integers could grow without bound
        if isinstance(i.value, int) and not isinstance(i.value, bool) and i.value.bit_length() > 64:
            return False
    if any(isinstance(v, Graph) for v in e.params.values()):
        return False
    if _same_op(e.prim, power_p):
        b, x = (i.value for i in e.inputs)
        if isinstance(b, int) and isinstance(x, int) and x > 0:
            bits = x * math.log2(abs(b)) if b not in (0, 1, -1) else 1
            if bits > MAX_INT_BITS:
                return False
    return True


def fold(g: Graph) -> tuple[Graph, Counter]:
    """Evaluate equations whose operands are all constants (bounded in size and magnitude)."""
    env: dict[int, Operand] = {}
    eqns: list[Eqn] = []
    n = 0
    for e in g.eqns:
        ins = tuple(_subst(i, env) for i in e.inputs)
        e2 = Eqn(e.prim, ins, e.params, e.outputs) if ins != e.inputs else e
        if _foldable(e2):
            try:
                with np.errstate(all="ignore"):
                    val = e2.prim.impl(*(i.value for i in ins), **e2.params)
            except Exception:  # leave it for run time, where the error will be reported
                eqns.append(e2)
                continue
            if np.size(val) <= MAX_FOLD_SIZE:
                env[e2.outputs[0].id] = Literal(val)
                n += 1
                continue
        eqns.append(e2)
    return _rebuild(g, eqns, env), Counter({"folded": n} if n else {})


# --------------------------------------------------------------------------- simplification rules


class Rule:
    """A named rewrite of one primitive: ``fn(eqn, producer) -> replacement or None``.

    The replacement is an operand (the equation's result is that value) or a list of new
    equations whose last output replaces the result.
    """

    __slots__ = ("name", "prim", "fn")

    def __init__(self, name: str, prim: Primitive, fn: Callable[..., Any]) -> None:
        if not isinstance(prim, Primitive):
            raise TypeError(f"Rule {name!r}: prim must be a Primitive (rules are keyed by the op itself), got {prim!r}")
        self.name, self.prim, self.fn = name, prim, fn

    def __repr__(self) -> str:
        return f"Rule({self.name} on {self.prim.name})"


def _base_op(prim: Primitive) -> Primitive:
    """The registered op a primitive is (a gradient override's copy computes the same op:
    the rewrites of values apply to it too)."""
    base = Primitive.registry.get(prim.name)
    return base if base is not None and base.impl is prim.impl else prim


def _same_op(prim: Primitive, op: Primitive) -> bool:
    return prim is op or _base_op(prim) is op


def _is_const(x: Operand, c: float) -> bool:
    if x.__class__ is not Literal:
        return False
    v = x.value
    if isinstance(v, (int, float, np.generic)):
        return bool(v == c)
    if isinstance(v, np.ndarray) and v.ndim == 0:
        return bool(v.item() == c)
    try:
        return bool(np.all(np.asarray(v) == c)) and np.size(v) > 0
    except Exception:
        return False


def _same_aval(x: Operand, out: Var) -> bool:
    return tuple(x.shape) == tuple(out.shape) and np.dtype(x.dtype) == out.dtype


def _known_finite(x: Operand, producer: dict[int, Eqn]) -> bool:
    if isinstance(x, Literal):
        try:
            return bool(np.all(np.isfinite(x.value)))
        except TypeError:
            return False
    e = producer.get(x.id)
    # x*0 -> 0 is valid only when x is finite: ops described ``finite`` keep finite inputs finite
    return e is not None and e.prim.finite and all(_known_finite(i, producer) for i in e.inputs)


def _identity(pos_const: float, sides: tuple[int, ...]) -> Callable:
    def fn(e: Eqn, producer: dict) -> Any:
        out = e.outputs[0]
        for s in sides:
            if _is_const(e.inputs[s], pos_const):
                other = e.inputs[1 - s]
                if _same_aval(other, out):
                    return other
        return None

    return fn


def _mul_zero(e: Eqn, producer: dict) -> Any:
    out = e.outputs[0]
    for s in (0, 1):
        if _is_const(e.inputs[s], 0.0) and _known_finite(e.inputs[1 - s], producer):
            return Literal(np.zeros(out.shape, out.dtype))
    return None


def _involution(inner: Primitive) -> Callable:
    def fn(e: Eqn, producer: dict) -> Any:
        x = e.inputs[0]
        p = producer.get(x.id) if isinstance(x, Var) else None
        if p is not None and _same_op(p.prim, inner) and _same_aval(p.inputs[0], e.outputs[0]):
            return p.inputs[0]
        return None

    return fn


def _transpose_transpose(e: Eqn, producer: dict) -> Any:
    x = e.inputs[0]
    p = producer.get(x.id) if isinstance(x, Var) else None
    if p is None or not _same_op(p.prim, transpose_p):
        return None
    a, b = p.params["axes"], e.params["axes"]
    comp = tuple(a[i] for i in b)
    if comp == tuple(range(len(comp))):
        return p.inputs[0]
    return [Eqn(e.prim, (p.inputs[0],), {"axes": comp}, e.outputs)]


def _reshape_reshape(e: Eqn, producer: dict) -> Any:
    x = e.inputs[0]
    if tuple(x.shape) == tuple(e.params["shape"]):
        return x
    p = producer.get(x.id) if isinstance(x, Var) else None
    if p is None or not _same_op(p.prim, reshape_p):
        return None
    if tuple(p.inputs[0].shape) == tuple(e.params["shape"]):
        return p.inputs[0]
    return [Eqn(e.prim, (p.inputs[0],), dict(e.params), e.outputs)]


def _neg_one_times(e: Eqn, producer: dict) -> Any:
    for s in (0, 1):
        if _is_const(e.inputs[s], -1.0) and _same_aval(e.inputs[1 - s], e.outputs[0]):
            return [Eqn(negative_p, (e.inputs[1 - s],), {}, e.outputs)]
    return None


def _sum_of_broadcast(e: Eqn, producer: dict) -> Any:
    """sum(broadcast_to(x, s)) over all axes, x a scalar: x * size."""
    x = e.inputs[0]
    p = producer.get(x.id) if isinstance(x, Var) else None
    if p is None or not _same_op(p.prim, broadcast_to_p) or e.params["keepdims"]:
        return None
    src = p.inputs[0]
    if tuple(src.shape) != () or tuple(e.params["axis"]) != tuple(range(len(x.shape))):
        return None
    n = int(np.prod(x.shape))
    return [Eqn(multiply_p, (src, Literal(float(n) if src.dtype.kind == "f" else n)), {}, e.outputs)]


def _broadcast_same(e: Eqn, producer: dict) -> Any:
    x = e.inputs[0]
    return x if tuple(x.shape) == tuple(e.params["shape"]) else None


RULES: list[Rule] = [
    Rule("mul_one", multiply_p, _identity(1.0, (0, 1))),
    Rule("add_zero", add_p, _identity(0.0, (0, 1))),
    Rule("sub_zero", subtract_p, _identity(0.0, (1,))),
    Rule("div_one", true_divide_p, _identity(1.0, (1,))),
    Rule("pow_one", power_p, _identity(1.0, (1,))),
    Rule("mul_zero", multiply_p, _mul_zero),
    Rule("neg_neg", negative_p, _involution(negative_p)),
    Rule("exp_log", exp_p, _involution(log_p)),
    Rule("log_exp", log_p, _involution(exp_p)),
    Rule("transpose_transpose", transpose_p, _transpose_transpose),
    Rule("reshape_reshape", reshape_p, _reshape_reshape),
    Rule("neg_one_times", multiply_p, _neg_one_times),
    Rule("sum_of_broadcast", sum_p, _sum_of_broadcast),
    Rule("broadcast_same_shape", broadcast_to_p, _broadcast_same),
]


def simplify(g: Graph, rules: Sequence[Rule] | None = None) -> tuple[Graph, Counter]:
    """Apply the rewrite rules in one sweep over the equations (``optimize`` repeats it)."""
    table: dict[Primitive, list[Rule]] = {}
    for r in RULES if rules is None else rules:
        table.setdefault(r.prim, []).append(r)
    env: dict[int, Operand] = {}
    producer: dict[int, Eqn] = {}
    eqns: list[Eqn] = []
    stats: Counter = Counter()
    for e in g.eqns:
        ins = tuple(_subst(i, env) for i in e.inputs)
        e2 = Eqn(e.prim, ins, e.params, e.outputs) if ins != e.inputs else e
        replaced = False
        for r in table.get(_base_op(e2.prim), ()):
            res = r.fn(e2, producer)
            if res is None:
                continue
            stats[r.name] += 1
            if isinstance(res, (Var, Literal)):
                env[e2.outputs[0].id] = res
            else:
                for ne in res:
                    eqns.append(ne)
                    for o in ne.outputs:
                        producer[o.id] = ne
            replaced = True
            break
        if not replaced:
            eqns.append(e2)
            for o in e2.outputs:
                producer[o.id] = e2
    return _rebuild(g, eqns, env), stats


# --------------------------------------------------------------------------- pipeline

PASSES: dict[str, Callable[[Graph], tuple[Graph, Counter]]] = {
    "simplify": simplify,
    "fold": fold,
    "cse": cse,
    "dce": dce,
    "subgraphs": subgraphs,
}
DEFAULT_PIPELINE = ("simplify", "fold", "cse", "dce", "subgraphs", "hoist")


def optimize(g: Graph, verbose: bool = False, passes: Sequence[str] | None = None, max_rounds: int = 8) -> Graph:
    """Run the passes to a fixed point (at most ``max_rounds`` rounds)."""
    names = tuple(passes) if passes is not None else DEFAULT_PIPELINE
    for n in names:
        if n not in PASSES:
            raise ValueError(f"unknown pass {n!r}; choose from {sorted(PASSES)}")
    if verbose:
        print(f"optimize {g.name}: {len(g.eqns)} equations")
    rewrote = True  # cse only finds work after rewrites (tracing hash-conses already)
    for rnd in range(max_rounds):
        changed = False
        for n in names:
            if n == "cse" and not rewrote:
                continue
            before = len(g.eqns)
            g, stats = PASSES[n](g)
            if stats and n in ("simplify", "fold", "cse", "hoist", "reduce_scans"):
                changed = True  # removing dead code alone cannot enable another rewrite
            if verbose and stats:
                detail = ", ".join(f"{k} x{v}" for k, v in sorted(stats.items()))
                print(f"  round {rnd + 1} {n:9s} {before:5d} -> {len(g.eqns):5d} equations ({detail})")
        rewrote = changed
        if not changed:
            break
    if verbose:
        print(f"  result: {len(g.eqns)} equations")
    return g


def rule_names() -> list[str]:
    return [r.name for r in RULES]


def _primitive(name: str) -> Primitive:
    return Primitive.registry[name]


# --------------------------------------------------------------------------- scan hoisting


def _use_counts(g: Graph) -> dict[int, int]:
    """How many times each variable is read (by equations and as an output)."""
    uses: dict[int, int] = {}
    for e in g.eqns:
        for i in e.inputs:
            if isinstance(i, Var):
                uses[i.id] = uses.get(i.id, 0) + 1
    for o in g.outputs:
        if isinstance(o, Var):
            uses[o.id] = uses.get(o.id, 0) + 1
    return uses


def _inline_traced(fun: Callable, operands: list) -> tuple[list[Eqn], list]:
    """Trace ``fun`` on example values shaped like ``operands`` and return its equations
    rewired to read ``operands``, with its outputs (for building equations inside a pass)."""

    examples = [np.zeros(o.shape, o.dtype) if isinstance(o, Var) else o.value for o in operands]
    gv, _ = trace_graph(fun, tuple(examples))
    env: dict[int, Operand] = {v.id: o for v, o in zip(gv.inputs, operands)}
    eqns = [
        Eqn(ge.prim, [_subst(i, env) if isinstance(i, Var) else i for i in ge.inputs], ge.params, ge.outputs) for ge in gv.eqns
    ]
    return eqns, [_subst(o, env) for o in gv.outputs]


def _hoist_one(e: Eqn) -> list[Eqn] | None:
    """Move the part of a scan body that depends only on the scanned inputs ``xs`` (and
    constants) out of the loop, computed for all steps at once with ``vmap`` (e.g. an RNN's
    ``x_t @ U`` becomes one matrix product).  Returns the replacement equations or None."""

    body = e.params["body"]
    n_carry, n_x = e.params["n_carry"], e.params["n_x"]
    if e.params["length"] == 0:
        return None
    carries = body.inputs[:n_carry]
    xvars = body.inputs[n_carry : n_carry + n_x]
    cvars = body.inputs[n_carry + n_x :]
    loop_dep = {v.id for v in carries}
    x_dep = {v.id for v in xvars}
    hoisted: list[Eqn] = []
    kept: list[Eqn] = []
    for be in body.eqns:
        ins = [i for i in be.inputs if isinstance(i, Var)]
        if any(i.id in loop_dep for i in ins) or be.prim.multiple_results or be.prim.batch is None:
            kept.append(be)
            loop_dep.update(o.id for o in be.outputs)
        elif any(i.id in x_dep for i in ins):
            hoisted.append(be)
            x_dep.update(o.id for o in be.outputs)
        else:
            kept.append(be)  # constant-only: leave it (cheap, or folded)
            loop_dep.update(o.id for o in be.outputs)
    if not hoisted or not any(_base_op(be.prim) in (matmul_p, einsum_p) for be in hoisted):
        return None
    made = {o.id for be in hoisted for o in be.outputs}
    used_later = {i.id for be in kept for i in be.inputs if isinstance(i, Var)} | {
        o.id for o in body.outputs if isinstance(o, Var)
    }
    frontier = [o for be in hoisted for o in be.outputs if o.id in made and o.id in used_later]
    if not frontier:
        return None
    pre = Graph(list(xvars) + list(cvars), hoisted, frontier, None, None, "hoisted")
    n_const = len(e.inputs) - n_carry - n_x
    outer_consts = e.inputs[:n_const]
    outer_xs = e.inputs[n_const + n_carry :]
    in_axes = (0,) * n_x + (None,) * len(cvars)

    def stacked(*a: Any) -> tuple:
        return tuple(vmap(lambda *b: tuple(pre.evaluate(*b)), in_axes=in_axes)(*a))

    out, new_xs = _inline_traced(stacked, list(outer_xs) + list(outer_consts))
    new_body = Graph(list(carries) + list(xvars) + frontier + list(cvars), kept, body.outputs, None, None, body.name)
    params = {**e.params, "body": new_body, "n_x": n_x + len(frontier)}
    out.append(Eqn(e.prim, list(e.inputs) + new_xs, params, e.outputs))
    return out


def hoist(g: Graph) -> tuple[Graph, Counter]:
    """Loop-invariant code motion for scans (see ``_hoist_one``)."""
    eqns: list[Eqn] = []
    n = 0
    for e in g.eqns:
        res = _hoist_one(e) if e.prim is scan_p else None
        if res is None:
            eqns.append(e)
        else:
            eqns.extend(res)
            n += 1
    return g.replace(eqns=eqns), Counter({"scans hoisted": n} if n else {})


PASSES["hoist"] = hoist


# --------------------------------------------------------------------------- scan reductions


def _exclusive_subdag(body: Graph, root: Var, protected: set[int]) -> tuple[list[Eqn], list[Var]] | None:
    """Equations computing ``root`` that nothing else in ``body`` uses, and the variables
    they read from the rest of the body (their leaves)."""
    producer = {o.id: k for k, e in enumerate(body.eqns) for o in e.outputs}
    uses = _use_counts(body)
    chosen: set[int] = set()
    stack = [root]
    while stack:
        v = stack.pop()
        k = producer.get(v.id)
        if k is None or k in chosen:
            continue
        e = body.eqns[k]
        if e.prim.multiple_results or e.prim.batch is None or e.prim.nondiff:
            continue
        own = v.id == root.id or uses.get(v.id, 0) == 1
        if not own or v.id in protected:
            continue
        chosen.add(k)
        stack.extend(i for i in e.inputs if isinstance(i, Var))
    if not chosen:
        return None
    eqns = [body.eqns[k] for k in sorted(chosen)]
    made = {o.id for e in eqns for o in e.outputs}
    leaves: dict[int, Var] = {}
    for e in eqns:
        for i in e.inputs:
            if isinstance(i, Var) and i.id not in made:
                leaves[i.id] = i
    return eqns, list(leaves.values())


def _reduce_one(e: Eqn) -> list[Eqn] | None:
    """A scan carry that only accumulates, ``c = c + t_i``, becomes ``c0 + sum_i t_i`` with the
    terms ``t_i`` computed for all steps at once after the loop (with ``vmap``): e.g. the
    weight gradients of backpropagation through time become batched products instead of one
    small product per step inside the loop."""

    body = e.params["body"]
    n_carry, n_x = e.params["n_carry"], e.params["n_x"]
    length = e.params["length"]
    if length == 0 or n_carry < 2:
        return None
    carries = list(body.inputs[:n_carry])
    xvars = list(body.inputs[n_carry : n_carry + n_x])
    cvars = list(body.inputs[n_carry + n_x :])
    producer = {o.id: be for be in body.eqns for o in be.outputs}
    uses = _use_counts(body)
    for k in range(n_carry):
        c, out = carries[k], body.outputs[k]
        if not isinstance(out, Var) or uses.get(c.id, 0) != 1:
            continue
        acc = producer.get(out.id)
        if acc is None or not _same_op(acc.prim, add_p) or uses.get(out.id, 0) != 1:
            continue
        ins = [i for i in acc.inputs]
        if not any(isinstance(i, Var) and i.id == c.id for i in ins):
            continue
        term = next(i for i in ins if not (isinstance(i, Var) and i.id == c.id))
        if not isinstance(term, Var) or tuple(term.shape) != tuple(c.shape) or term.dtype != c.dtype:
            continue
        protected = {v.id for v in carries}
        sub = _exclusive_subdag(body, term, protected)
        if sub is None or not any(_base_op(s.prim) in (matmul_p, einsum_p, sum_p) for s in sub[0]):
            continue
        sub_eqns, leaves = sub
        if any(lv.id == c.id for lv in leaves):
            continue
        sub_ids = {id(s) for s in sub_eqns}
        # The new body: carry k removed, the loop-computed leaves of the term stacked as ys.
        loop_leaves = [lv for lv in leaves if lv.id not in {v.id for v in xvars + cvars}]
        # Leaves the body already stacks as ys are reused rather than stacked twice.
        old_ys = {o.id: j for j, o in enumerate(body.outputs[n_carry:]) if isinstance(o, Var)}
        new_leaves = [lv for lv in loop_leaves if lv.id not in old_ys]
        new_eqns = [be for be in body.eqns if id(be) not in sub_ids and be is not acc]
        new_outputs = [o for j, o in enumerate(body.outputs[:n_carry]) if j != k] + list(body.outputs[n_carry:]) + new_leaves
        new_inputs = [v for j, v in enumerate(carries) if j != k] + xvars + cvars
        new_body = Graph(new_inputs, new_eqns, new_outputs, None, None, body.name)
        n_const = len(e.inputs) - n_carry - n_x
        consts, inits, xs = e.inputs[:n_const], e.inputs[n_const : n_const + n_carry], e.inputs[n_const + n_carry :]
        new_scan_outs = [Var((length,) + tuple(lv.shape), lv.dtype) for lv in new_leaves]
        fresh = iter(new_scan_outs)
        stacked_leaves = [e.outputs[n_carry + old_ys[lv.id]] if lv.id in old_ys else next(fresh) for lv in loop_leaves]
        scan_outputs = [o for j, o in enumerate(e.outputs[:n_carry]) if j != k] + list(e.outputs[n_carry:]) + new_scan_outs
        new_scan = Eqn(
            e.prim,
            list(consts) + [x for j, x in enumerate(inits) if j != k] + list(xs),
            {**e.params, "body": new_body, "n_carry": n_carry - 1},
            scan_outputs,
        )
        # After the loop: the terms for all steps at once, summed, plus the initial value.
        term_graph = Graph(loop_leaves + xvars + cvars, sub_eqns, [term], None, None, "term")
        axes = (0,) * (len(loop_leaves) + len(xvars)) + (None,) * len(cvars)

        def total(*a: Any) -> Any:
            ts = vmap(lambda *b: term_graph.evaluate(*b)[0], in_axes=axes)(*a)
            return sum_p.bind(ts, axis=(0,), keepdims=False)

        after, (summed,) = _inline_traced(total, stacked_leaves + list(xs) + list(consts))
        after.append(Eqn(add_p, [inits[k], summed], {}, [e.outputs[k]]))
        return [new_scan] + after
    return None


def reduce_scans(g: Graph) -> tuple[Graph, Counter]:
    """Accumulating scan carries become sums computed after the loop (see ``_reduce_one``);
    repeated until no carry qualifies."""
    n = 0
    eqns = list(g.eqns)
    changed = True
    while changed:
        changed = False
        out: list[Eqn] = []
        for e in eqns:
            res = _reduce_one(e) if e.prim is scan_p else None
            if res is None:
                out.append(e)
            else:
                out.extend(res)
                n += 1
                changed = True
        eqns = out
    return g.replace(eqns=eqns), Counter({"scan reductions": n} if n else {})


PASSES["reduce_scans"] = reduce_scans
DEFAULT_PIPELINE = DEFAULT_PIPELINE + ("reduce_scans",)
