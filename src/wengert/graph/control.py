"""Structured control flow: ``cond``, ``while_loop``, ``fori_loop``, ``scan``.

Outside graph tracing these are ordinary Python control flow on concrete values, so eager
``grad``/``jvp`` differentiate the branch taken and the iterations run (a ``while_loop``
with a data-dependent trip count records its iterates on the tape as it runs).

Inside a graph trace (``trace``, ``jit``) each becomes one equation holding sub-graphs
(branches, loop bodies).  Values the bodies close over are lifted into extra operands, so
differentiating with respect to them works.  Their rules, written with these same functions:
- cond: JVP and VJP are conds of the branches' JVPs / VJPs;
- scan (and fori_loop with static bounds, built on scan): JVP is a scan of the body's JVP;
  VJP recomputes the carries with a forward scan and runs the body's VJP in a reverse scan;
- while_loop: JVP is a while loop over (carry, tangent); reverse mode runs the loop forward
  keeping every carry on a stack (memory: one carry per iteration, like TensorFlow's stack
  accumulators; JAX refuses this) and then the body's VJP backwards over the stack.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..api import jvp, vjp, vmap
from ..core.primitive import SAVE_ANS, SAVE_ARGS, Primitive, Tracer, state
from ..core.reverse import ReverseTrace
from ..core.schema import BOOL, GRAPH, NONNEG_INT, declare, tuple_of
from ..errors import WengertError
from ..ops._util import shape_of
from ..ops.elementwise import add_p, where, zeros_like
from ..ops.indexing import getitem
from ..ops.shape import broadcast_to, reshape, stack
from ..tree import tree_flatten, tree_unflatten
from .ir import Graph, Literal, Var, interpret
from .tracing import ConcretizationError, GraphTrace, GraphTracer, _dtype, example_value

__all__ = ["cond", "while_loop", "fori_loop", "scan"]


def _graph_active() -> bool:
    return any(isinstance(t, GraphTrace) and t.alive for t in state.stack)


def _concrete(x: Any) -> Any:
    return example_value(x)


def _aval(x: Any) -> tuple:
    c = _concrete(x)
    return (tuple(np.shape(c)), np.dtype(_dtype(c)))


# --------------------------------------------------------------------------- sub-graph tracing


class _CaptureTrace(GraphTrace):
    """Graph trace of a body: values of other traces it meets become extra inputs."""

    __slots__ = ("captured",)

    def __init__(self) -> None:
        super().__init__()
        self.captured: dict[int, tuple[Any, GraphTracer]] = {}

    def process(self, prim: Primitive, args: Any, params: dict) -> Any:
        lifted = []
        for a in args:
            if isinstance(a, Tracer) and not (a.__class__ is GraphTracer and a._trace is self):
                hit = self.captured.get(id(a))
                if hit is None:
                    t = self.new_input(_concrete(a), f"captured{len(self.captured)}")
                    self.captured[id(a)] = (a, t)
                    hit = self.captured[id(a)]
                a = hit[1]
            lifted.append(a)
        return super().process(prim, lifted, params)


def _trace_body(fun: Callable, example: list, in_tree: Any, name: str) -> tuple[Graph, list, Any]:
    """Trace ``fun(*unflatten(example))``; returns (graph without captures, captured
    outer values with their vars, out_tree)."""
    tr = _CaptureTrace()
    with tr:
        boxed = [tr.new_input(_concrete(x), f"a{k}") for k, x in enumerate(example)]
        out = fun(*tree_unflatten(in_tree, boxed))
    leaves, out_tree = tree_flatten(out)
    outs = []

    for o in leaves:
        if o.__class__ is GraphTracer and o._trace is tr:
            outs.append(o.gvar)
        elif isinstance(o, Tracer):
            hit = tr.captured.get(id(o))
            if hit is None:
                t = tr.new_input(_concrete(o), f"captured{len(tr.captured)}")
                tr.captured[id(o)] = (o, t)
                hit = tr.captured[id(o)]
            outs.append(hit[1].gvar)
        else:
            outs.append(Literal(o))
    g = Graph([b.gvar for b in boxed], tr.eqns, outs, None, None, name)
    return g, list(tr.captured.values()), out_tree


def _close(graphs: list[tuple[Graph, list]]) -> tuple[list[Graph], list]:
    """Give every graph the union of all captured values as trailing inputs."""
    order: list[int] = []
    values: dict[int, Any] = {}
    for _, caps in graphs:
        for outer, _t in caps:
            if id(outer) not in values:
                values[id(outer)] = outer
                order.append(id(outer))
    out = []
    for g, caps in graphs:
        mine = {id(o): t.gvar for o, t in caps}
        extra = []
        for k in order:
            v = mine.get(k)
            if v is None:
                c = _concrete(values[k])
                v = Var(np.shape(c), _dtype(c), "unused")
            extra.append(v)
        out.append(g.replace(inputs=tuple(g.inputs) + tuple(extra)))
    return out, [values[k] for k in order]


def _check_same_avals(a: list, b: list, what: str) -> None:
    if len(a) != len(b):
        raise TypeError(f"{what}: {len(a)} values versus {len(b)}")
    for k, (x, y) in enumerate(zip(a, b)):
        if tuple(x.shape) != tuple(y.shape) or np.dtype(x.dtype) != np.dtype(y.dtype):
            raise TypeError(
                f"{what}: value {k} is {np.dtype(x.dtype).name}{list(x.shape)} in one and "
                f"{np.dtype(y.dtype).name}{list(y.shape)} in the other"
            )


def _run(g: Graph) -> Callable:
    return lambda *xs: interpret(g, xs)


# --------------------------------------------------------------------------- masked AD helpers
# Bodies may carry integers (loop counters, index ranges): they get no derivative.


def _inexact(x: Any) -> bool:
    return np.issubdtype(np.dtype(_dtype(_concrete(x))), np.inexact)


def _vjp_masked(fun: Callable, args: tuple) -> tuple[Any, Callable]:
    """``vjp`` with respect to the floating-point arguments only; the others get zeros."""

    idx = [k for k, a in enumerate(args) if _inexact(a)]

    def g(*fl: Any) -> Any:
        full = list(args)
        for k, v in zip(idx, fl):
            full[k] = v
        return fun(*full)

    out, f = vjp(g, *(args[k] for k in idx))

    def f_full(ct: Any) -> tuple:
        gs = f(ct)
        res = [zeros_like(a) for a in args]
        for k, v in zip(idx, gs):
            res[k] = v
        return tuple(res)

    return out, f_full


def _jvp_masked(fun: Callable, primals: tuple, tangents: tuple) -> tuple[Any, Any]:
    """``jvp`` along the floating-point arguments only."""

    idx = [k for k, a in enumerate(primals) if _inexact(a)]

    def g(*fl: Any) -> Any:
        full = list(primals)
        for k, v in zip(idx, fl):
            full[k] = v
        return fun(*full)

    return jvp(g, tuple(primals[k] for k in idx), tuple(tangents[k] for k in idx))


# --------------------------------------------------------------------------- cond


def _cond_impl(pred: Any, *ops: Any, branches: tuple) -> tuple:
    g = branches[1] if bool(pred) else branches[0]
    return tuple(g.compile()(*ops))


cond_p = Primitive("cond", _cond_impl, multiple_results=True)
declare(cond_p, branches=tuple_of(GRAPH, 2))


def _cond_jvp(ts: tuple, ans: Any, pred: Any, *ops: Any, branches: tuple) -> tuple:

    tans = tuple(zeros_like(o) if t is None else t for t, o in zip(ts[1:], ops))

    def branch(g: Graph) -> Callable:
        return lambda xs, txs: _jvp_masked(lambda *a: tuple(g.evaluate(*a)), tuple(xs), tuple(txs))[1]

    return tuple(cond(pred, branch(branches[1]), branch(branches[0]), ops, tans))


def _cond_vjp(cts: tuple, ans: Any, pred: Any, *ops: Any, branches: tuple) -> tuple:

    full = tuple(zeros_like(o) if c is None else c for c, o in zip(cts, ans))

    def branch(g: Graph) -> Callable:
        return lambda xs, c: _vjp_masked(lambda *a: tuple(g.evaluate(*a)), tuple(xs))[1](tuple(c))

    return (None,) + tuple(cond(pred, branch(branches[1]), branch(branches[0]), ops, full))


def _cond_batch(vals: list, batched: list, size: int, branches: tuple) -> tuple:
    """Under vmap both branches run (batched) and the predicate selects elementwise."""

    ops = vals[1:]
    axes = tuple(0 if b else None for b in batched[1:])

    def run(g: Graph) -> tuple:
        if any(a == 0 for a in axes):
            return tuple(vmap(lambda *a: tuple(g.evaluate(*a)), in_axes=axes)(*ops))
        return tuple(broadcast_to(o, (size,) + shape_of(o)) for o in g.evaluate(*ops))

    f_out, t_out = run(branches[0]), run(branches[1])
    res = []
    for f, t in zip(f_out, t_out):
        p = reshape(vals[0], (size,) + (1,) * (len(shape_of(t)) - 1)) if batched[0] else vals[0]
        res.append(where(p, t, f))
    return tuple(res)


cond_p.defvjp_all(_cond_vjp, save="both")
cond_p.defjvp(_cond_jvp)
cond_p.batch = _cond_batch


def cond(pred: Any, true_fun: Callable, false_fun: Callable, *operands: Any) -> Any:
    """``true_fun(*operands)`` if ``pred`` else ``false_fun(*operands)``.

    Eagerly this is a Python ``if`` (the derivative follows the branch taken); under graph
    tracing it is one equation with both branches as sub-graphs, which must return the same
    structure, shapes and dtypes.
    """
    if np.shape(_concrete(pred)) != ():
        raise TypeError(f"cond: the predicate must be a scalar, got shape {np.shape(_concrete(pred))}")
    if not _graph_active():
        try:
            p = bool(pred)
        except (ConcretizationError, TypeError, ValueError):
            p = None
        if p is not None:
            return true_fun(*operands) if p else false_fun(*operands)
    leaves, in_tree = tree_flatten(operands)
    gt, cap_t, tree_t = _trace_body(true_fun, leaves, in_tree, "true_fun")
    gf, cap_f, tree_f = _trace_body(false_fun, leaves, in_tree, "false_fun")
    if tree_t != tree_f:
        raise TypeError(f"cond: the branches return different structures: {tree_t!r} and {tree_f!r}")
    _check_same_avals(list(gt.outputs), list(gf.outputs), "cond: the branches' results differ")
    (gt, gf), captured = _close([(gt, cap_t), (gf, cap_f)])
    out = cond_p.bind(pred, *leaves, *captured, branches=(gf, gt))
    return tree_unflatten(tree_t, list(out))


# --------------------------------------------------------------------------- scan


def _scan_impl(*args: Any, body: Graph, n_carry: int, n_x: int, length: int, reverse: bool) -> tuple:
    f = body.compile()
    n_const = len(args) - n_carry - n_x
    consts = args[:n_const]
    carry = list(args[n_const : n_const + n_carry])
    xs = args[n_const + n_carry :]
    ys: list[list] = []
    order = range(length - 1, -1, -1) if reverse else range(length)
    for i in order:
        out = f(*carry, *(x[i] for x in xs), *consts)
        carry = list(out[:n_carry])
        ys.append(out[n_carry:])
    if reverse:
        ys.reverse()
    n_y = len(body.outputs) - n_carry
    stacked = []
    for k in range(n_y):
        o = body.outputs[n_carry + k]
        stacked.append(np.stack([y[k] for y in ys]) if ys else np.zeros((0,) + tuple(o.shape), o.dtype))
    return tuple(carry) + tuple(stacked)


scan_p = Primitive("scan", _scan_impl, multiple_results=True)
declare(scan_p, body=GRAPH, n_carry=NONNEG_INT, n_x=NONNEG_INT, length=NONNEG_INT, reverse=BOOL)


def _split(args: tuple, n_carry: int, n_x: int) -> tuple[tuple, tuple, tuple]:
    n_const = len(args) - n_carry - n_x
    return args[:n_const], args[n_const : n_const + n_carry], args[n_const + n_carry :]


def _scan_jvp(ts: tuple, ans: Any, *args: Any, body: Graph, n_carry: int, n_x: int, length: int, reverse: bool) -> tuple:

    consts, init, xs = _split(args, n_carry, n_x)
    tc, ti, tx = _split(tuple(zeros_like(a) if t is None else t for t, a in zip(ts, args)), n_carry, n_x)

    def f(carry: tuple, x: tuple) -> tuple:
        (c, dc), (xv, dx) = carry, x
        prim, tan = _jvp_masked(lambda *a: tuple(body.evaluate(*a)), (*c, *xv, *consts), (*dc, *dx, *tc))
        return (tuple(prim[:n_carry]), tuple(tan[:n_carry])), (tuple(prim[n_carry:]), tuple(tan[n_carry:]))

    (c, dc), (ys, dys) = scan(f, (tuple(init), tuple(ti)), (tuple(xs), tuple(tx)), length=length, reverse=reverse)
    return tuple(dc) + tuple(dys)


def _stored_vars(body: Graph) -> list:
    """Body variables the VJP rules read (per each primitive's ``save``): stored by the
    forward scan so the backward scan reuses them instead of recomputing the step."""

    inputs = {v.id for v in body.inputs}
    need: dict[int, Var] = {}
    for e in body.eqns:
        if e.prim.nondiff:
            continue
        if e.prim.save & SAVE_ARGS:
            for i in e.inputs:
                if isinstance(i, Var) and i.id not in inputs:
                    need[i.id] = i
        if e.prim.save & SAVE_ANS or e.prim.multiple_results:
            for o in e.outputs:
                need[o.id] = o
    return list(need.values())


def _evaluate_keep(g: Graph, keep: list, *xs: Any) -> tuple[list, list]:
    env: dict[int, Any] = {}
    outs = interpret(g, xs, record=env)
    return outs, [env[v.id] for v in keep]


def _replay_vjp(g: Graph, keep: list, stored: tuple, args: tuple, cts: tuple) -> tuple:
    """Cotangents of ``g``'s inputs, replaying its equations with the stored values (the
    same VJP rules; only equations whose results were not stored are recomputed)."""

    known = {v.id: s for v, s in zip(keep, stored)}
    tr = ReverseTrace()

    def call(e: Any, ins: list) -> Any:
        if not e.prim.multiple_results and e.outputs[0].id in known:
            return tr.process_known(e.prim, ins, e.params, known[e.outputs[0].id])
        return e.prim.bind(*ins, **e.params)

    with tr:
        boxed = [tr.new_input(x) if _inexact(x) else x for x in args]
        outs = interpret(g, boxed, call=call)
    grads = tr.cotangents(outs, cts, boxed)
    return tuple(zeros_like(x) if g_ is None else g_ for g_, x in zip(grads, args))


def _scan_fwd(*args: Any, body: Graph, n_carry: int, n_x: int, length: int, reverse: bool) -> tuple:
    """Reverse mode's forward pass: the scan, also stacking the values the body's VJP rules
    need at each step (kept on the tape, so the backward scan does not recompute the step)."""
    consts, init, xs = _split(args, n_carry, n_x)
    keep = _stored_vars(body)

    def step(c: tuple, x: tuple) -> tuple:
        outs, kept = _evaluate_keep(body, keep, *c, *x, *consts)
        return tuple(outs[:n_carry]), (tuple(outs[n_carry:]), tuple(c), tuple(kept))

    carry, (ys, carries, kept) = scan(step, tuple(init), tuple(xs), length=length, reverse=reverse)
    return tuple(carry) + tuple(ys), tuple(args) + tuple(carries) + tuple(kept)


def _scan_vjp(cts: tuple, ans: Any, *res: Any, body: Graph, n_carry: int, n_x: int, length: int, reverse: bool) -> tuple:

    keep = _stored_vars(body)
    n_args = len(res) - n_carry - len(keep)
    args, carries, kept = res[:n_args], res[n_args : n_args + n_carry], res[n_args + n_carry :]
    consts, init, xs = _split(args, n_carry, n_x)
    full = tuple(zeros_like(a) if c is None else c for c, a in zip(cts, ans))
    ct_carry, ct_ys = full[:n_carry], full[n_carry:]

    def bwd(acc: tuple, inp: tuple) -> tuple:
        ct_c, ct_consts = acc
        c_in, x, ct_y, stored = inp
        g = _replay_vjp(body, keep, stored, (*c_in, *x, *consts), tuple(ct_c) + tuple(ct_y))
        g_c, g_x, g_k = g[:n_carry], g[n_carry : n_carry + n_x], g[n_carry + n_x :]
        return (tuple(g_c), tuple(add_p.bind(a, b) for a, b in zip(ct_consts, g_k))), tuple(g_x)

    zero_consts = tuple(zeros_like(k) for k in consts)
    (ct_init, ct_consts), ct_xs = scan(
        bwd,
        (tuple(ct_carry), zero_consts),
        (tuple(carries), tuple(xs), tuple(ct_ys), tuple(kept)),
        length=length,
        reverse=not reverse,
    )
    return tuple(ct_consts) + tuple(ct_init) + tuple(ct_xs)


scan_p.defvjp_all(_scan_vjp, save="both")
scan_p.fwd = _scan_fwd
scan_p.defjvp(_scan_jvp)


def scan(f: Callable, init: Any, xs: Any = None, length: int | None = None, reverse: bool = False) -> tuple[Any, Any]:
    """``carry, ys = scan(f, init, xs)`` with ``carry, y = f(carry, x)`` for each slice ``x``
    of ``xs`` along axis 0 (JAX's convention); ``ys`` stacks the ``y``.  ``xs`` may be None
    with ``length`` given.
    """
    x_leaves, x_tree = tree_flatten(xs)
    lengths = {np.shape(_concrete(x))[0] for x in x_leaves if np.ndim(_concrete(x)) > 0}
    if any(np.ndim(_concrete(x)) == 0 for x in x_leaves):
        raise ValueError("scan: every leaf of xs needs a leading axis to scan over")
    if length is None:
        if not lengths:
            raise ValueError("scan: give xs or length")
        if len(lengths) > 1:
            raise ValueError(f"scan: the leaves of xs have different lengths {sorted(lengths)}")
        length = lengths.pop()
    elif lengths and lengths != {length}:
        raise ValueError(f"scan: length={length} but xs has length {sorted(lengths)}")
    if not _graph_active() and length > 0:
        return _scan_eager(f, init, xs, x_leaves, x_tree, length, reverse)

    c_leaves, c_tree = tree_flatten(init)
    example_x = [
        getitem(_concrete(x), 0) if length else np.zeros(np.shape(_concrete(x))[1:], _dtype(_concrete(x))) for x in x_leaves
    ]
    in_tree = tree_flatten((init, xs))[1]

    def body(c: Any, x: Any) -> Any:
        out = f(c, x)
        if not (isinstance(out, tuple) and len(out) == 2):
            raise TypeError("scan: f must return a pair (carry, y)")
        return out

    g, caps, out_tree = _trace_body(body, [*c_leaves, *example_x], in_tree, getattr(f, "__name__", "body"))
    (g,), captured = _close([(g, caps)])
    carry_tree, y_tree = out_tree.children
    n_carry = carry_tree.num_leaves
    if carry_tree != c_tree:
        raise TypeError(f"scan: f's carry has structure {carry_tree!r}, the init has {c_tree!r}")
    _check_same_avals(list(g.outputs[:n_carry]), [Var(*_aval(c)) for c in c_leaves], "scan: f's carry changes shape or dtype")
    out = scan_p.bind(*captured, *c_leaves, *x_leaves, body=g, n_carry=n_carry, n_x=len(x_leaves), length=length, reverse=reverse)
    return tree_unflatten(carry_tree, list(out[:n_carry])), tree_unflatten(y_tree, list(out[n_carry:]))


def _scan_eager(f: Callable, init: Any, xs: Any, x_leaves: list, x_tree: Any, length: int, reverse: bool) -> tuple:

    carry = init
    ys = []
    order = range(length - 1, -1, -1) if reverse else range(length)
    for i in order:
        x = tree_unflatten(x_tree, [getitem(v, i) for v in x_leaves]) if x_leaves else None
        out = f(carry, x)
        if not (isinstance(out, tuple) and len(out) == 2):
            raise TypeError("scan: f must return a pair (carry, y)")
        carry, y = out
        ys.append(y)
    if reverse:
        ys.reverse()
    if not ys:
        return carry, None
    y_leaves = [tree_flatten(y)[0] for y in ys]
    y_tree = tree_flatten(ys[0])[1]
    stacked = [stack([yl[k] for yl in y_leaves]) for k in range(len(y_leaves[0]))]
    return carry, tree_unflatten(y_tree, stacked)


# --------------------------------------------------------------------------- fori_loop


def fori_loop(lower: int, upper: int, body_fun: Callable, init_val: Any) -> Any:
    """``for i in range(lower, upper): val = body_fun(i, val)``.  With static (Python int)
    bounds it is a ``scan`` (reverse-differentiable); with traced bounds a ``while_loop``."""
    static = isinstance(lower, (int, np.integer)) and isinstance(upper, (int, np.integer))
    if not static:

        def c(s: tuple) -> Any:
            return s[0] < upper

        def b(s: tuple) -> tuple:
            return (s[0] + 1, body_fun(s[0], s[1]))

        return while_loop(c, b, (lower, init_val))[1]
    lower, upper = int(lower), int(upper)
    if not _graph_active():
        val = init_val
        for i in range(lower, upper):
            val = body_fun(i, val)
        return val
    n = max(upper - lower, 0)

    def step(val: Any, i: Any) -> tuple:
        return body_fun(i, val), None

    val, _ = scan(step, init_val, np.arange(lower, lower + n), length=n)
    return val


# --------------------------------------------------------------------------- while_loop


def _while_impl(*args: Any, cond_g: Graph, body_g: Graph, n_carry: int) -> tuple:
    c = cond_g.compile()
    b = body_g.compile()
    n_const_c = len(cond_g.inputs) - n_carry
    consts = args[n_carry:]
    cc, bc = consts[:n_const_c], consts[n_const_c:]
    carry = tuple(args[:n_carry])
    while bool(c(*carry, *cc)[0]):
        carry = tuple(b(*carry, *bc))
    return carry


while_p = Primitive("while_loop", _while_impl, multiple_results=True)
declare(while_p, cond_g=GRAPH, body_g=GRAPH, n_carry=NONNEG_INT)


def _while_jvp(ts: tuple, ans: Any, *args: Any, cond_g: Graph, body_g: Graph, n_carry: int) -> tuple:

    n_const_c = len(cond_g.inputs) - n_carry
    carry, consts = args[:n_carry], args[n_carry:]
    cc, bc = consts[:n_const_c], consts[n_const_c:]
    full = tuple(zeros_like(a) if t is None else t for t, a in zip(ts, args))
    tcarry, tb = full[:n_carry], full[n_carry + n_const_c :]

    def c(s: tuple) -> Any:
        return cond_g.evaluate(*s[0], *cc)[0]

    def b(s: tuple) -> tuple:
        p, t = _jvp_masked(lambda *a: tuple(body_g.evaluate(*a)), (*s[0], *bc), (*s[1], *tb))
        return tuple(p), tuple(t)

    _, tout = while_loop(c, b, (tuple(carry), tuple(tcarry)))
    return tuple(tout)


def _while_vjp_impl(*args: Any, cond_g: Graph, body_g: Graph, n_carry: int, n_args: int) -> tuple:
    """Run the loop keeping every carry (the stack), then the body's VJP backwards."""

    xs, cts = args[:n_args], args[n_args:]
    c = cond_g.compile()
    b = body_g.compile()
    n_const_c = len(cond_g.inputs) - n_carry
    consts = xs[n_carry:]
    cc, bc = consts[:n_const_c], consts[n_const_c:]
    stack = []
    carry = tuple(xs[:n_carry])
    while bool(c(*carry, *cc)[0]):
        stack.append(carry)
        carry = tuple(b(*carry, *bc))
    ct = tuple(cts)
    ct_bc = [np.zeros_like(k) for k in bc]
    for s in reversed(stack):
        _, f_vjp = _vjp_masked(lambda *a: tuple(body_g.evaluate(*a)), (*s, *bc))
        g = f_vjp(ct)
        ct = tuple(g[:n_carry])
        ct_bc = [a + gk for a, gk in zip(ct_bc, g[n_carry:])]
    return ct + tuple(np.zeros_like(k) for k in cc) + tuple(ct_bc)


while_vjp_p = Primitive("while_loop_vjp", _while_vjp_impl, multiple_results=True)
declare(while_vjp_p, cond_g=GRAPH, body_g=GRAPH, n_carry=NONNEG_INT, n_args=NONNEG_INT)


def _no_higher(*a: Any, **k: Any) -> Any:
    raise WengertError(
        "derivatives of order two and higher through a while_loop inside a traced graph are not "
        "supported; use fori_loop with static bounds or scan (their rules compose), or "
        "differentiate eagerly (outside jit), where loops are plain Python"
    )


while_vjp_p.defvjp_all(_no_higher)
while_vjp_p.defjvp(_no_higher)


def _while_vjp(cts: tuple, ans: Any, *args: Any, cond_g: Graph, body_g: Graph, n_carry: int) -> tuple:

    full = tuple(zeros_like(a) if c is None else c for c, a in zip(cts, ans))
    return tuple(while_vjp_p.bind(*args, *full, cond_g=cond_g, body_g=body_g, n_carry=n_carry, n_args=len(args)))


while_p.defvjp_all(_while_vjp, save="both")
while_p.defjvp(_while_jvp)


def while_loop(cond_fun: Callable, body_fun: Callable, init_val: Any) -> Any:
    """``val = init_val; while cond_fun(val): val = body_fun(val)``.

    Eagerly a Python loop (reverse mode records the iterates as it runs).  Traced, one
    equation with the condition and body as sub-graphs; reverse mode then keeps one carry
    per iteration on a stack (memory grows with the trip count).
    """
    if not _graph_active():
        val = init_val
        while bool(cond_fun(val)):
            val = body_fun(val)
        return val
    c_leaves, c_tree = tree_flatten(init_val)
    arg_tree = tree_flatten((init_val,))[1]
    gc, cap_c, _ = _trace_body(cond_fun, c_leaves, arg_tree, "cond_fun")
    gb, cap_b, tree_b = _trace_body(body_fun, c_leaves, arg_tree, "body_fun")
    if len(gc.outputs) != 1 or tuple(gc.outputs[0].shape) != ():
        raise TypeError("while_loop: cond_fun must return a scalar boolean")
    if tree_b != c_tree:
        raise TypeError(f"while_loop: body_fun returns structure {tree_b!r}, the carry is {c_tree!r}")
    _check_same_avals(
        list(gb.outputs), [Var(*_aval(c)) for c in c_leaves], "while_loop: body_fun changes the carry's shape or dtype"
    )
    (gc2,), cc = _close([(gc, cap_c)])
    (gb2,), bc = _close([(gb, cap_b)])
    out = while_p.bind(*c_leaves, *cc, *bc, cond_g=gc2, body_g=gb2, n_carry=len(c_leaves))
    return tree_unflatten(c_tree, list(out))
