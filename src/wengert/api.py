"""Transformations: grad, value_and_grad, vjp, jacrev, elementwise_grad, jvp, jacfwd,
hessian, hvp, linearize, vmap (custom rules, overrides and ``@primitive`` are in
``custom.py``).

Names and conventions follow JAX: ``argnums``, ``has_aux``, ``vjp(f, *primals) -> (out,
vjp_fn)`` with ``vjp_fn(ct)`` returning a tuple with one cotangent per primal, and
``custom_vjp`` with ``f.defvjp(fwd, bwd)``.  Every function takes and returns pytrees.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import ops as _ops  # noqa: F401  (registers the primitives)
from .core.batching import BatchTrace, BatchTracer
from .core.forward import JVPTrace, JVPTracer
from .core.primitive import Tracer
from .core.reverse import ReverseTrace, ReverseTracer
from .ops._util import dtype_of, shape_of
from .ops.complex import real_p
from .ops.elementwise import (
    astype,
    stop_gradient,  # noqa: F401  (re-exported)
)
from .ops.elementwise import ones_like as _ones_like
from .ops.elementwise import zeros_like as _zeros_like
from .ops.indexing import getitem
from .ops.shape import broadcast_to, moveaxis, reshape
from .tree import TreeDef, tree_flatten, tree_map, tree_unflatten

__all__ = [
    "grad",
    "value_and_grad",
    "vjp",
    "jacrev",
    "elementwise_grad",
    "stop_gradient",
    "jvp",
    "jacfwd",
    "jacobian",
    "hessian",
    "hvp",
    "linearize",
    "vmap",
]


# --------------------------------------------------------------------------- helpers


def _validate_argnums(argnums: Any, fname: str) -> Any:
    """Check ``argnums`` when the transform is built: an int or a tuple/list of ints."""
    if isinstance(argnums, (bool, np.bool_)):
        raise TypeError(
            f"{fname}: argnums={argnums!r} is a bool; argnums takes the position of the argument "
            "to differentiate (an int, or a tuple of ints), e.g. argnums=0"
        )
    if isinstance(argnums, (int, np.integer)):
        return argnums
    if isinstance(argnums, str):
        raise TypeError(
            f"{fname}: argnums={argnums!r} is a name; argnums takes positions (an int or a tuple "
            "of ints). Pass the argument positionally and give its position, e.g. argnums=1, "
            "or differentiate with respect to a dict of parameters"
        )
    if isinstance(argnums, (tuple, list)):
        for a in argnums:
            if isinstance(a, (bool, np.bool_)) or not isinstance(a, (int, np.integer)):
                raise TypeError(
                    f"{fname}: argnums={argnums!r} holds {a!r} ({type(a).__name__}); every entry "
                    "must be an int position, e.g. argnums=(0, 2)"
                )
        return argnums
    raise TypeError(
        f"{fname}: argnums must be an int or a tuple of ints (positions of the arguments to "
        f"differentiate), got {argnums!r} ({type(argnums).__name__})"
    )


#: other libraries' spellings of this library's keywords
_SPELLINGS = {"argnum": "argnums", "argnumbers": "argnums", "aux": "has_aux", "return_aux": "has_aux"}


def _keywords_checked(transform: Callable) -> Callable:
    """Wrap a transform so that an unknown keyword says what the keyword is called here
    (``grad(f, argnum=1)``, autograd's spelling, names ``argnums``)."""
    names = set(inspect.signature(transform).parameters)
    fname = transform.__name__

    @functools.wraps(transform)
    def checked(*args: Any, **kwargs: Any) -> Any:
        for k in kwargs:
            if k not in names:
                raise TypeError(_unknown_keyword_message(fname, k, names))
        return transform(*args, **kwargs)

    return checked


def _unknown_keyword_message(fname: str, key: str, names: set) -> str:
    import difflib

    msg = f"{fname}() got an unexpected keyword argument {key!r}"
    good = _SPELLINGS.get(key)
    if good is not None and good in names:
        return f"{msg}: wengert spells it {good!r}, as JAX does (e.g. {fname}(f, {good}=...))"
    close = difflib.get_close_matches(key, sorted(names), n=1)
    if close:
        return f"{msg}; did you mean {close[0]!r}?"
    return f"{msg}; it accepts {', '.join(sorted(n for n in names if not n.startswith('*')))}"


_OUTPUT_TYPES = (Tracer, np.ndarray, np.generic, bool, int, float, complex)


def _check_out_leaves(leaves: list, fun: Callable, fname: str) -> None:
    """Outputs of a transformed function must be arrays or numbers (in any pytree)."""
    for i, o in enumerate(leaves):
        if not isinstance(o, _OUTPUT_TYPES):
            name = getattr(fun, "__name__", "the function")
            where = "" if len(leaves) == 1 else f" (output leaf {i})"
            raise TypeError(
                f"{fname} of {name}: the function returned a {type(o).__name__} ({o!r:.60}){where}, "
                "which is not an array; a transformed function must return arrays or numbers, "
                "or a pytree (tuple, list, dict) of them (return other values with has_aux=True where the "
                "transform offers it)."
            )


def _argnums_tuple(argnums: int | Sequence[int], nargs: int, fname: str) -> tuple[int, ...]:
    """``argnums`` (already checked by ``_validate_argnums`` when the transform was built)
    as non-negative positions for a call with ``nargs`` positional arguments."""
    single = isinstance(argnums, (int, np.integer))
    nums = (int(argnums),) if single else tuple(int(a) for a in argnums)
    if not nums:
        raise ValueError(f"{fname}: argnums must name at least one argument")
    for a in nums:
        if not -nargs <= a < nargs:
            raise ValueError(
                f"{fname}: argnums={argnums!r} but the function was called with {nargs} "
                "positional argument(s)"
            )
    nums = tuple(a % nargs for a in nums)
    if len(set(nums)) != len(nums):
        raise ValueError(f"{fname}: argnums={argnums!r} names an argument twice")
    return nums


def _arg_label(fun: Callable, i: int) -> str:
    try:
        params = list(inspect.signature(fun).parameters)
        if i < len(params):
            return f"argument {i} ({params[i]!r})"
    except (TypeError, ValueError):
        pass
    return f"argument {i}"


def _check_input(x: Any, fun: Callable, argnum: int, fname: str) -> Any:
    """A leaf to differentiate: a float or complex array (Python floats become arrays)."""
    if isinstance(x, Tracer):
        dt = x.dtype
    elif isinstance(x, (np.ndarray, np.generic)):
        dt = x.dtype
    elif isinstance(x, (bool, int, float, complex)):
        x = np.asarray(x)
        dt = x.dtype
    else:
        raise TypeError(
            f"{fname}: {_arg_label(fun, argnum)} holds a value of type "
            f"{type(x).__name__!r}, which cannot be differentiated; pass float arrays "
            "(or a pytree of them), or move it out of argnums"
        )
    if not np.issubdtype(dt, np.inexact):
        hint = " (write 1.0, not 1)" if np.issubdtype(dt, np.integer) else ""
        raise TypeError(
            f"{fname}: {_arg_label(fun, argnum)} has dtype {dt}; only floating-point or "
            f"complex inputs can be differentiated{hint}. Convert it with .astype(float), or "
            "leave it out of argnums."
        )
    return x


def _wrap_inputs(
    trace: ReverseTrace, fun: Callable, args: tuple, nums: tuple[int, ...], fname: str
) -> tuple[list, list[tuple[list, TreeDef]]]:
    new_args = list(args)
    wrapped = []
    for a in nums:
        leaves, td = tree_flatten(args[a])
        boxed = [trace.new_input(_check_input(x, fun, a, fname)) for x in leaves]
        new_args[a] = tree_unflatten(td, boxed)
        wrapped.append((boxed, td))
    return new_args, wrapped


def _unbox(trace: ReverseTrace, tree: Any) -> Any:
    """Values of ``trace``'s tracers in ``tree`` (other leaves unchanged)."""

    def f(x: Any) -> Any:
        if x.__class__ is ReverseTracer and x._trace is trace:
            return x.value
        return x

    return tree_map(f, tree)


def _cast_like(g: Any, x: Any) -> Any:
    dx = dtype_of(x)
    if dtype_of(g) != dx:

        if np.issubdtype(dtype_of(g), np.complexfloating) and not np.issubdtype(dx, np.complexfloating):

            g = real_p.bind(g)  # a real input's cotangent is the real part (docs/complex.md)
        return astype(g, dx)
    return g


def _inputs(wrapped: list[tuple[list, TreeDef]]) -> list:
    return [b for boxed, _ in wrapped for b in boxed]


def _collect(
    cts: list, wrapped: list[tuple[list, TreeDef]], single: bool
) -> Any:
    """The cotangents of the inputs (``cts``, in ``_inputs(wrapped)`` order) in their pytrees:
    zeros where none flowed, each in its input's dtype."""
    out = []
    it = iter(cts)
    for boxed, td in wrapped:
        gs = []
        for b in boxed:
            g = next(it)
            gs.append(_zeros_like(b.value) if g is None else _cast_like(g, b.value))
        out.append(tree_unflatten(td, gs))
    return out[0] if single else tuple(out)


def _split_aux(out: Any, has_aux: bool, fname: str) -> tuple[Any, Any]:
    if not has_aux:
        return out, None
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise TypeError(
            f"{fname}(..., has_aux=True) needs the function to return a pair (output, aux); "
            f"it returned {type(out).__name__}"
        )
    return out[0], out[1]


# --------------------------------------------------------------------------- grad


@_keywords_checked
def value_and_grad(
    fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False, holomorphic: bool = False
) -> Callable:
    """``fun``'s value and its gradient with respect to the arguments in ``argnums``.

    ``fun`` must return a real scalar (shape ``()``), or with ``holomorphic=True`` a complex
    scalar of complex inputs (the result is then the complex derivative f'(z)).  Returns
    ``(value, grad)``, or ``((value, aux), grad)`` with ``has_aux=True``; ``grad`` has the
    structure of the argument (a tuple of them when ``argnums`` is a tuple).  For a real
    function of complex inputs the gradient follows JAX's convention (docs/complex.md):
    step against its conjugate to descend.
    """
    _validate_argnums(argnums, "grad")
    single = isinstance(argnums, (int, np.integer))

    @functools.wraps(fun)
    def value_and_grad_f(*args: Any, **kwargs: Any) -> Any:
        nums = _argnums_tuple(argnums, len(args), "grad")
        trace = ReverseTrace()
        with trace:
            new_args, wrapped = _wrap_inputs(trace, fun, args, nums, "grad")
            if holomorphic:
                _check_holomorphic_inputs(wrapped, fun)
            out = fun(*new_args, **kwargs)
        out, aux = _split_aux(out, has_aux, "grad")
        is_ours = out.__class__ is ReverseTracer and out._trace is trace
        val = out.value if is_ours else out
        _check_scalar_output(val, fun, holomorphic)
        ins = _inputs(wrapped)
        cts = trace.cotangents((out,), (_ones_like(val),), ins, free=True) if is_ours else [None] * len(ins)
        g = _collect(cts, wrapped, single)
        trace.release()
        if has_aux:
            return (val, _unbox(trace, aux)), g
        return val, g

    return value_and_grad_f


def _lower(x: Any) -> Any:
    return x.full_lower() if isinstance(x, Tracer) else x


def _check_holomorphic_inputs(wrapped: list, fun: Callable) -> None:
    for boxed, _ in wrapped:
        for b in boxed:
            if not np.issubdtype(b.dtype, np.complexfloating):
                raise TypeError(
                    f"grad(holomorphic=True) of {getattr(fun, '__name__', 'the function')}: "
                    f"inputs must be complex, got dtype {b.dtype}; convert with .astype(complex)"
                )


def _check_scalar_output(val: Any, fun: Callable, holomorphic: bool = False) -> None:
    name = getattr(fun, "__name__", "the function")
    if isinstance(val, (list, tuple, dict)) or val is None:
        raise TypeError(
            f"grad of {name}: the function must return a scalar, but it returned a "
            f"{type(val).__name__}. Use jacrev or vjp for several outputs, or has_aux=True "
            "to return extra values."
        )
    _check_out_leaves([val], fun, "grad")
    shape = shape_of(val)
    if shape != () and math.prod(shape) != 1:  # one element, any shape: its gradient (as autograd, PyTorch)
        raise TypeError(
            f"grad of {name}: the function must return a scalar (one element), but its output "
            f"has shape {shape}. For the gradient of each output use jacrev; for a sum of "
            "elementwise derivatives use elementwise_grad; for a vector-Jacobian product use vjp."
        )
    dt = dtype_of(val)
    if holomorphic:
        if not np.issubdtype(dt, np.complexfloating):
            raise TypeError(
                f"grad(holomorphic=True) of {name}: the output must be complex, got dtype {dt}"
            )
        return
    if np.issubdtype(dt, np.complexfloating):
        raise TypeError(
            f"grad of {name}: the output is complex ({dt}); grad needs a real scalar. "
            "Take its real part or abs, use holomorphic=True for a holomorphic function, or "
            "vjp with a complex cotangent."
        )
    if not np.issubdtype(dt, np.floating):
        raise TypeError(
            f"grad of {name}: the output has dtype {dt}; grad needs a floating-point scalar "
            "output (does the result depend on the inputs only through integer or boolean ops?)"
        )


@_keywords_checked
def grad(
    fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False, holomorphic: bool = False
) -> Callable:
    """The gradient of a scalar function with respect to the arguments in ``argnums``.

    Works on any Python code (control flow included) written with ``wengert.numpy`` or
    plain NumPy; nests to any order (``grad(grad(f))``).  With ``has_aux=True`` ``fun``
    returns ``(output, aux)`` and ``grad`` returns ``(gradient, aux)``.
    """
    vg = value_and_grad(fun, argnums, has_aux, holomorphic)

    @functools.wraps(fun)
    def grad_f(*args: Any, **kwargs: Any) -> Any:
        v, g = vg(*args, **kwargs)
        return (g, v[1]) if has_aux else g

    return grad_f


# --------------------------------------------------------------------------- vjp


@_keywords_checked
def vjp(fun: Callable, *primals: Any, has_aux: bool = False) -> Any:
    """Run ``fun(*primals)`` and return ``(out, vjp_fn)`` (or ``(out, vjp_fn, aux)``).

    ``vjp_fn(ct)`` takes a cotangent with the structure and shapes of ``out`` and returns a
    tuple with the cotangent of each primal.  It may be called many times.
    """
    trace = ReverseTrace()
    nums = tuple(range(len(primals)))
    with trace:
        new_args, wrapped = _wrap_inputs(trace, fun, primals, nums, "vjp")
        out = fun(*new_args)
    out, aux = _split_aux(out, has_aux, "vjp")
    out_leaves, out_td = tree_flatten(out)
    _check_out_leaves(out_leaves, fun, "vjp")
    out_vals = [o.value if (o.__class__ is ReverseTracer and o._trace is trace) else o for o in out_leaves]
    ins = _inputs(wrapped)

    def vjp_fn(ct: Any) -> tuple:
        ct_leaves, ct_td = tree_flatten(ct)
        if ct_td != out_td:
            raise TypeError(
                f"vjp_fn: the cotangent has structure {ct_td!r} but the output has {out_td!r}"
            )
        use_ct = []
        for k, (c, v) in enumerate(zip(ct_leaves, out_vals)):
            c = c if isinstance(c, Tracer) else np.asarray(c) if not hasattr(c, "shape") else c
            if shape_of(c) != shape_of(v):
                raise ValueError(
                    f"vjp_fn: cotangent leaf {k} has shape {shape_of(c)}, expected "
                    f"{shape_of(v)} (the shape of the output)"
                )
            use_ct.append(c)
        return _collect(trace.cotangents(out_leaves, use_ct, ins), wrapped, False)

    out_tree = tree_unflatten(out_td, out_vals)
    if has_aux:
        return out_tree, vjp_fn, _unbox(trace, aux)
    return out_tree, vjp_fn


@_keywords_checked
def elementwise_grad(fun: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """Derivative of each output element with respect to the matching input element
    (the gradient of ``sum(fun(x))``; exact for elementwise functions)."""
    _validate_argnums(argnums, "elementwise_grad")
    single = isinstance(argnums, (int, np.integer))

    @functools.wraps(fun)
    def egrad(*args: Any, **kwargs: Any) -> Any:
        nums = _argnums_tuple(argnums, len(args), "elementwise_grad")
        dyn, f = _partial_args(fun, args, kwargs, nums, "elementwise_grad")
        out, fn = vjp(f, *dyn)
        gs = fn(tree_map(lambda o: _ones_like(o), out))
        return gs[0] if single else gs

    return egrad


@_keywords_checked
def jacrev(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable:
    """The Jacobian by reverse mode: one backward pass with all basis cotangents batched
    (``vmap`` of the VJP), not one Python-level pass per output element.

    For output leaf shape ``So`` and input leaf shape ``Si`` the block has shape
    ``So + Si``; pytrees nest as output structure outside, input structure inside (a tuple
    over ``argnums`` when it is a tuple).
    """
    _validate_argnums(argnums, "jacrev")
    single = isinstance(argnums, (int, np.integer))

    @functools.wraps(fun)
    def jac(*args: Any, **kwargs: Any) -> Any:
        nums = _argnums_tuple(argnums, len(args), "jacrev")
        dyn, f = _partial_args(fun, args, kwargs, nums)
        res = vjp(f, *dyn, has_aux=has_aux)
        out, fn = res[0], res[1]
        out_leaves, out_td = tree_flatten(out)
        _check_out_leaves(out_leaves, fun, "jacrev")
        sizes = [_size(o) for o in out_leaves]
        m = sum(sizes)
        basis = _basis(out_leaves, sizes, m)
        in_leaves, in_td = tree_flatten(dyn)
        if m == 0:
            gs_leaves = [_zeros_like(x, shape=(0,) + shape_of(x)) for x in in_leaves]
        elif m == 1:  # a scalar output: a plain VJP, no batching level needed
            gs = fn(tree_unflatten(out_td, [b.reshape(shape_of(o)) for b, o in zip(basis, out_leaves)]))
            gs_leaves = [_reshape(g, (1,) + shape_of(x)) for g, x in zip(tree_flatten(gs)[0], in_leaves)]
        else:
            gs = vmap(fn)(tree_unflatten(out_td, basis))
            gs_leaves = tree_flatten(gs)[0]
        blocks = []
        off = 0
        for o, n in zip(out_leaves, sizes):
            so = shape_of(o)
            per_leaf = [_reshape(_rows(g, off, n), so + shape_of(x)) for g, x in zip(gs_leaves, in_leaves)]
            off += n
            per_arg = tree_unflatten(in_td, per_leaf)
            blocks.append(per_arg[0] if single else per_arg)
        result = tree_unflatten(out_td, blocks)
        return (result, res[2]) if has_aux else result

    return jac


def _partial_args(
    fun: Callable, args: tuple, kwargs: dict, nums: tuple, fname: str = "jacrev"
) -> tuple[tuple, Callable]:
    """The differentiated arguments (checked, with errors naming ``fun``'s parameters), and
    ``fun`` as a function of only those."""
    dyn = tuple(
        tree_map(lambda x, a=a: _check_input(x, fun, a, fname), args[a]) for a in nums
    )

    def f(*d: Any) -> Any:
        full = list(args)
        for a, x in zip(nums, d):
            full[a] = x
        return fun(*full, **kwargs)

    return dyn, f


def _size(x: Any) -> int:
    n = 1
    for s in shape_of(x):
        n *= s
    return n


def _basis(leaves: list, sizes: list, total: int) -> list:
    """Rows of the identity matrix of size ``total``, split by leaf and shaped like each
    leaf (batch axis first)."""
    out = []
    off = 0
    for x, n in zip(leaves, sizes):
        dt = dtype_of(x)
        if not np.issubdtype(dt, np.inexact):
            dt = np.dtype(np.float64)
        e = np.zeros((total, n), dtype=dt)
        e[off : off + n] = np.eye(n, dtype=dt)
        out.append(e.reshape((total,) + shape_of(x)))
        off += n
    return out


def _rows(g: Any, off: int, n: int) -> Any:

    return getitem(g, slice(off, off + n))


def _reshape(g: Any, shape: tuple) -> Any:

    return reshape(g, shape)


# --------------------------------------------------------------------------- forward mode


def _check_tangent(p: Any, t: Any, k: int, fname: str) -> Any:
    if t is None:
        return None
    if not hasattr(t, "shape"):
        t = np.asarray(t, dtype=dtype_of(_lower(p)))
    if shape_of(t) != shape_of(p):
        raise ValueError(
            f"{fname}: tangent leaf {k} has shape {shape_of(t)}, but its primal has shape "
            f"{shape_of(p)}; tangents must match the primals"
        )
    return t


@_keywords_checked
def jvp(fun: Callable, primals: Sequence[Any], tangents: Sequence[Any], has_aux: bool = False) -> Any:
    """Forward mode: ``(fun(*primals), J @ tangents)`` (plus ``aux`` with ``has_aux``).

    ``primals`` and ``tangents`` are tuples (or lists) of pytrees of the same structure.
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp(fun, primals, tangents): primals and tangents must be tuples or lists")
    p_leaves, p_td = tree_flatten(tuple(primals))
    t_leaves, t_td = tree_flatten(tuple(tangents))
    if p_td != t_td:
        raise TypeError(f"jvp: tangents have structure {t_td!r} but primals have {p_td!r}")
    trace = JVPTrace()
    with trace:
        boxed = []
        for k, (p, t) in enumerate(zip(p_leaves, t_leaves)):
            p = _check_input(p, fun, k, "jvp")
            t = _check_tangent(p, t, k, "jvp")
            boxed.append(JVPTracer(trace, p, t) if t is not None else p)
        out = fun(*tree_unflatten(p_td, boxed))
    out, aux = _split_aux(out, has_aux, "jvp")
    o_leaves, o_td = tree_flatten(out)
    _check_out_leaves(o_leaves, fun, "jvp")
    vals, tans = [], []
    for o in o_leaves:
        if o.__class__ is JVPTracer and o._trace is trace:
            vals.append(o.value)
            tans.append(o.tangent)
        else:
            vals.append(o)
            tans.append(_zeros_like(o))
    res = (tree_unflatten(o_td, vals), tree_unflatten(o_td, tans))
    if has_aux:
        return res + (_unbox_jvp(trace, aux),)
    return res


def _unbox_jvp(trace: JVPTrace, tree: Any) -> Any:
    return tree_map(lambda x: x.value if (x.__class__ is JVPTracer and x._trace is trace) else x, tree)


@_keywords_checked
def linearize(fun: Callable, *primals: Any) -> tuple[Any, Callable]:
    """``(fun(*primals), f_jvp)`` where ``f_jvp(*tangents)`` is the JVP at ``primals``
    (a linear function of the tangents; each call runs one forward-mode pass)."""
    out = fun(*primals)

    def f_jvp(*tangents: Any) -> Any:
        return jvp(fun, primals, tangents)[1]

    return out, f_jvp


@_keywords_checked
def jacfwd(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable:
    """The Jacobian by forward mode: one forward pass with all basis tangents batched
    (``vmap`` of the JVP; the primal computation runs once, unbatched).

    Blocks have shape ``output shape + input shape``, nested as output pytree outside, input
    pytree (a tuple over ``argnums`` when it is a tuple) inside, as ``jacrev``.
    """
    _validate_argnums(argnums, "jacfwd")
    single = isinstance(argnums, (int, np.integer))

    @functools.wraps(fun)
    def jac(*args: Any, **kwargs: Any) -> Any:

        nums = _argnums_tuple(argnums, len(args), "jacfwd")
        dyn, f = _partial_args(fun, args, kwargs, nums, "jacfwd")
        in_leaves, in_td = tree_flatten(dyn)
        sizes = [_size(x) for x in in_leaves]
        n = sum(sizes)
        if n == 0:
            r = f(*dyn)
            out, aux = _split_aux(r, has_aux, "jacfwd")
            o_leaves, out_td = tree_flatten(out)
            _check_out_leaves(o_leaves, fun, "jacfwd")
            tan_leaves = [_zeros_like(o, shape=(0,) + shape_of(o)) for o in o_leaves]
        else:
            basis = tree_unflatten(in_td, _basis(in_leaves, sizes, n))

            def push(t: Any) -> Any:
                r = jvp(f, dyn, t, has_aux=has_aux)
                return (r[1], r[0], r[2] if has_aux else None)

            tans, out, aux = vmap(push, out_axes=(0, None, None))(basis)
            o_leaves, out_td = tree_flatten(out)
            _check_out_leaves(o_leaves, fun, "jacfwd")
            tan_leaves = tree_flatten(tans)[0]
        blocks = []
        for o, t in zip(o_leaves, tan_leaves):
            so = shape_of(o)
            t = moveaxis(t, 0, -1)  # so + (n,)
            per_leaf = []
            off = 0
            for x, k in zip(in_leaves, sizes):

                part = getitem(t, (Ellipsis, slice(off, off + k)))
                per_leaf.append(_reshape(part, so + shape_of(x)))
                off += k
            per_arg = tree_unflatten(in_td, per_leaf)
            blocks.append(per_arg[0] if single else per_arg)
        result = tree_unflatten(out_td, blocks)
        return (result, aux) if has_aux else result

    return jac


@_keywords_checked
def jacobian(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable:
    """The Jacobian, by the cheaper mode: forward (one pass per input element) when the
    inputs have at most as many elements as the outputs, reverse (one pass per output
    element) otherwise.  The output size is learned by evaluating ``fun`` once."""
    _validate_argnums(argnums, "jacobian")

    @functools.wraps(fun)
    def jac(*args: Any, **kwargs: Any) -> Any:
        nums = _argnums_tuple(argnums, len(args), "jacobian")
        n_in = sum(int(np.prod(shape_of(x))) for a in nums for x in tree_flatten(args[a])[0])
        out = fun(*args, **kwargs)
        out, _ = _split_aux(out, has_aux, "jacobian")
        out_leaves = tree_flatten(out)[0]
        _check_out_leaves(out_leaves, fun, "jacobian")
        n_out = sum(int(np.prod(shape_of(o))) for o in out_leaves)
        mode = jacfwd if n_in <= n_out else jacrev
        return mode(fun, argnums, has_aux)(*args, **kwargs)

    return jac


@_keywords_checked
def hessian(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable:
    """The Hessian, forward over reverse: ``jacfwd(jacrev(fun))``."""
    return jacfwd(jacrev(fun, argnums, has_aux=has_aux), argnums, has_aux=has_aux)


@_keywords_checked
def hvp(fun: Callable, primals: Sequence[Any], tangents: Sequence[Any]) -> Any:
    """Hessian-vector product of a scalar function without forming the Hessian
    (forward over reverse: the JVP of the gradient).  Returns the structure of ``primals``
    (the first argument's structure when there is one primal)."""
    primals = tuple(primals)
    nums = tuple(range(len(primals)))
    g = grad(fun, argnums=nums)
    out = jvp(g, primals, tuple(tangents))[1]
    return out[0] if len(primals) == 1 else out


# --------------------------------------------------------------------------- vmap


def _axes_per_arg(axes: Any, n: int, name: str) -> tuple:
    if axes is None or isinstance(axes, (int, np.integer)):
        return (axes,) * n
    if isinstance(axes, list):
        axes = tuple(axes)
    if not isinstance(axes, tuple) or len(axes) != n:
        got = f"{len(axes)} entries" if isinstance(axes, tuple) else f"a {type(axes).__name__}"
        raise ValueError(f"vmap: {name} has {got} for {n} values (give an int, None, or one entry per value)")
    return axes


def _leaf_axes(axes: Any, value: Any, name: str) -> list:
    """``axes`` (an int or None, or a pytree prefix of ``value`` with ints and Nones at its
    leaves, as JAX's ``in_axes``) as one axis per leaf of ``value``."""
    if axes is None or isinstance(axes, (int, np.integer)):
        return [axes] * len(tree_flatten(value)[0])
    if isinstance(axes, dict) and isinstance(value, dict):
        if set(axes) != set(value):
            raise ValueError(f"vmap: {name} has keys {sorted(map(str, axes))} where the value has {sorted(map(str, value))}")
        out: list = []
        for k in sorted(value, key=_dict_key_order(value)):
            out += _leaf_axes(axes[k], value[k], name)
        return out
    if isinstance(axes, (tuple, list)) and isinstance(value, (tuple, list)):
        if len(axes) != len(value):
            raise ValueError(f"vmap: {name} has {len(axes)} entries where the value has {len(value)}")
        out = []
        for a, v in zip(axes, value):
            out += _leaf_axes(a, v, name)
        return out
    raise ValueError(
        f"vmap: {name} must be an int, None, or a pytree prefix of the value; got {axes!r} for a {type(value).__name__}"
    )


def _dict_key_order(d: dict) -> Callable:
    """The order in which ``tree_flatten`` visits a dict's entries."""
    keys = tree_flatten({k: k for k in d})[0]
    rank = {k: i for i, k in enumerate(keys)}
    return lambda k: rank[k]


@_keywords_checked
def vmap(fun: Callable, in_axes: Any = 0, out_axes: Any = 0) -> Callable:
    """Vectorize ``fun`` over an axis of its inputs: ``vmap(f)(xs)`` equals
    ``stack([f(x) for x in xs])`` but runs ``f`` once on the whole batch.

    ``in_axes``/``out_axes``: an int (or None: not batched) for all, or a tuple with one
    entry per positional argument (per element of a tuple output), each an int, None or a
    pytree prefix of that argument (``in_axes=({"w": None, "b": 0}, 0)``), as JAX's.
    Primitives without a batching rule fall back to a loop.
    """

    @functools.wraps(fun)
    def vf(*args: Any) -> Any:

        axes = _axes_per_arg(in_axes, len(args), "in_axes")
        leaf_axes = [_leaf_axes(ax, a, "in_axes") for a, ax in zip(args, axes)]
        size = None
        for a, axs in zip(args, leaf_axes):
            for x, ax in zip(tree_flatten(a)[0], axs):
                if ax is None:
                    continue
                s = shape_of(x)
                if not -len(s) <= ax < len(s):
                    raise ValueError(f"vmap: in_axes {ax} is out of range for an argument of shape {s}")
                if size is None:
                    size = s[ax]
                elif s[ax] != size:
                    raise ValueError(
                        f"vmap: inconsistent sizes along the mapped axes ({size} and {s[ax]})"
                    )
        if size is None:
            raise ValueError("vmap: no argument is mapped (all in_axes are None)")
        trace = BatchTrace(size)
        with trace:
            new_args = []
            for a, axs in zip(args, leaf_axes):
                leaves, td = tree_flatten(a)
                mapped = [x if ax is None else BatchTracer(trace, moveaxis(x, ax, 0)) for x, ax in zip(leaves, axs)]
                new_args.append(tree_unflatten(td, mapped))
            out = fun(*new_args)

        def finish(o: Any, ax: Any) -> Any:
            ours = o.__class__ is BatchTracer and o._trace is trace
            if ax is None:
                if ours:
                    raise ValueError("vmap: an output with out_axes=None depends on the mapped inputs")
                return o
            if not ours:
                _check_out_leaves([o], fun, "vmap")
            v = o.value if ours else broadcast_to(o, (size,) + shape_of(o))
            return moveaxis(v, 0, ax) if ax != 0 else v

        if isinstance(out_axes, (tuple, list)) and not isinstance(out, (tuple, list)):
            raise ValueError("vmap: out_axes is a tuple, so fun must return a tuple of the same length")
        leaves, td = tree_flatten(out)
        return tree_unflatten(td, [finish(o, ax) for o, ax in zip(leaves, _leaf_axes(out_axes, out, "out_axes"))])

    return vf
