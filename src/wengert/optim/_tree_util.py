"""Small pytree helpers shared by the optimizers: norms, dot products and a flat view.

``ravel_pytree`` concatenates the leaves of a pytree into one vector and returns the inverse
map; L-BFGS and the SciPy bridge work on that vector.  The inverse slices and reshapes with
wengert's differentiable ops, so it also works on traced vectors (needed for the Hessian of a
function of a pytree).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import numpy as wnp
from ..core.primitive import Tracer
from ..tree import tree_flatten, tree_unflatten

__all__ = ["global_norm", "ravel_pytree", "tree_vdot", "tree_zeros_like", "as_leaf", "fast_leaves"]


_SCALAR_LEAVES = (np.ndarray, np.generic, Tracer, float, int, complex)


def fast_leaves(tree: Any) -> list:
    """``tree_leaves(tree)`` (same leaves, same order) without building a TreeDef.

    Plain dicts with string keys, lists, tuples and ``None`` are walked here; arrays,
    scalars and tracers are leaves; anything else (namedtuples, registered containers,
    dicts with other keys) is handed to ``tree_flatten``, so the order is always the same
    as wengert's.  The optimizers call it on every step for the gradient and their state.
    """
    out: list = []
    stack = [tree]
    while stack:
        x = stack.pop()
        t = x.__class__
        if t is np.ndarray:
            out.append(x)
        elif t is dict and all(k.__class__ is str for k in x):
            stack.extend([x[k] for k in sorted(x, reverse=True)])
        elif t is list or t is tuple:
            stack.extend(reversed(x))
        elif x is None:
            continue
        elif isinstance(x, _SCALAR_LEAVES):
            out.append(x)
        else:
            out.extend(tree_flatten(x)[0])
    return out


def structure_difference(a: Any, b: Any, path: str = "") -> str:
    """Where two pytrees first differ, in words (missing or extra dict keys, lengths, types),
    for error messages; ``a`` is the one being checked against ``b``."""
    stack = [(a, b, path)]
    while stack:
        x, y, where = stack.pop()
        at = f" at {where}" if where else ""
        if isinstance(x, dict) and isinstance(y, dict):
            missing = sorted(map(repr, set(y) - set(x)))
            extra = sorted(map(repr, set(x) - set(y)))
            if missing or extra:
                parts = []
                if missing:
                    parts.append(f"missing key(s) {', '.join(missing)}")
                if extra:
                    parts.append(f"unexpected key(s) {', '.join(extra)}")
                return " and ".join(parts) + at
            stack.extend((x[k], y[k], f"{where}[{k!r}]") for k in y)
        elif isinstance(x, (list, tuple)) and isinstance(y, (list, tuple)) and type(x) is type(y):
            if len(x) != len(y):
                return f"a {type(x).__name__} of length {len(x)} where {len(y)} was expected{at}"
            stack.extend((u, v, f"{where}[{i}]") for i, (u, v) in enumerate(zip(x, y)))
        elif type(x) is not type(y) and (isinstance(x, (dict, list, tuple)) or isinstance(y, (dict, list, tuple))):
            return f"a {type(x).__name__} where a {type(y).__name__} was expected{at}"
    return "the containers differ"


def as_leaf(x: Any) -> Any:
    """``x`` as an array (Python numbers become 0-d arrays; arrays and tracers pass)."""
    if isinstance(x, (np.ndarray, Tracer)):
        return x
    return np.asarray(x)


def tree_zeros_like(tree: Any) -> Any:
    """Zeros with the shape and dtype of each leaf (float64 for Python numbers)."""
    leaves, td = tree_flatten(tree)
    return tree_unflatten(td, [np.zeros_like(as_leaf(x)) for x in leaves])


def tree_vdot(a: Any, b: Any) -> float:
    """Sum over leaves of ``vdot(a_leaf, b_leaf)`` (real part), as a Python float."""
    la, ta = tree_flatten(a)
    lb, tb = tree_flatten(b)
    if ta != tb:
        raise ValueError(f"tree_vdot: the trees have different structures {ta!r} and {tb!r}")
    return float(sum(np.vdot(np.ravel(x), np.ravel(y)).real for x, y in zip(la, lb)))


def global_norm(tree: Any) -> float:
    """The Euclidean norm of all leaves of ``tree`` taken together, as a Python float."""
    total = 0.0
    for x in fast_leaves(tree):
        x = np.ravel(x)
        total += float(np.vdot(x, x).real)
    return math.sqrt(total)


def ravel_pytree(tree: Any, dtype: Any = np.float64) -> tuple[np.ndarray, Callable[[Any], Any]]:
    """``(flat, unravel)``: the leaves of ``tree`` (converted to ``dtype``) concatenated in
    flattening order, and the function that turns such a vector back into a pytree with
    the same structure and leaf shapes (leaves keep the vector's dtype).  Both directions
    are differentiable: traced leaves give a traced vector, a traced vector traced leaves."""
    leaves, td = tree_flatten(tree)
    leaves = [as_leaf(x) for x in leaves]
    shapes = [np.shape(x) for x in leaves]
    sizes = [math.prod(s) for s in shapes]
    if any(isinstance(x, Tracer) for x in leaves):  # differentiable (autograd's flatten is)
        flat = wnp.concatenate([wnp.ravel(wnp.astype(x, dtype)) for x in leaves])
    elif leaves:
        flat = np.concatenate([np.ravel(np.asarray(x, dtype=dtype)) for x in leaves])
    else:
        flat = np.zeros(0, dtype=dtype)
    offsets = np.cumsum([0] + sizes).tolist()

    def unravel(v: Any) -> Any:
        if np.shape(v) != (offsets[-1],):
            raise ValueError(f"unravel: expected a vector of shape ({offsets[-1]},), got {np.shape(v)}")
        parts = [v[offsets[i] : offsets[i + 1]].reshape(shapes[i]) for i in range(len(shapes))]
        return tree_unflatten(td, parts)

    return flat, unravel


def leaf_dtypes(tree: Any) -> list[np.dtype]:
    """The dtype of each leaf (Python floats count as float64)."""
    return [as_leaf(x).dtype for x in tree_flatten(tree)[0]]


def cast_leaves(tree: Any, dtypes: list[np.dtype]) -> Any:
    """``tree`` with leaf ``i`` converted to ``dtypes[i]`` (no copy when it already is)."""
    leaves, td = tree_flatten(tree)
    return tree_unflatten(td, [np.asarray(x, dtype=d) for x, d in zip(leaves, dtypes)])
