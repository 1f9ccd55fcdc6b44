"""Contractions: matmul, einsum, and what NumPy builds from them (dot, tensordot, inner,
outer, vdot, trace, diagonal).

matmul and einsum are multilinear: the VJP for one operand contracts the cotangent with the
other operands; the JVP replaces one operand at a time by its tangent and adds.
"""

from __future__ import annotations

import string
from typing import Any

import numpy as np

from ..core.primitive import Primitive
from ..core.schema import EINSUM_SUBSCRIPTS, declare
from ._util import dtype_of, ndim_of, one_axis, shape_of
from .complex import conj
from .elementwise import add_p, multiply_p
from .indexing import getitem
from .shape import broadcast_to, expand_dims, moveaxis, ravel, reshape, sum, swapaxes, unbroadcast


def _multilinear_jvp(prim: Primitive) -> Any:
    def jvp(ts: tuple, ans: Any, *args: Any, **params: Any) -> Any:
        out = None
        for i, t in enumerate(ts):
            if t is None:
                continue
            term = prim.bind(*args[:i], t, *args[i + 1 :], **params)
            out = term if out is None else add_p.bind(out, term)
        return out

    return jvp


# --------------------------------------------------------------------------- matmul


def _matmul_vjp_a(ct: Any, ans: Any, a: Any, b: Any) -> Any:
    an, bn = ndim_of(a), ndim_of(b)
    if bn == 1:
        if an == 1:
            return multiply_p.bind(ct, b)
        ga = multiply_p.bind(expand_dims(ct, -1), b)
    elif an == 1:
        ga = getitem(matmul_p.bind(b, expand_dims(ct, -1)), (Ellipsis, 0))
    else:
        ga = matmul_p.bind(ct, swapaxes(b, -1, -2))
    return unbroadcast(ga, shape_of(a))


def _matmul_vjp_b(ct: Any, ans: Any, a: Any, b: Any) -> Any:
    an, bn = ndim_of(a), ndim_of(b)
    if an == 1:
        if bn == 1:
            return multiply_p.bind(ct, a)
        gb = multiply_p.bind(expand_dims(a, -1), expand_dims(ct, -2))
    elif bn == 1:
        gb = getitem(matmul_p.bind(expand_dims(ct, -2), a), (Ellipsis, 0, slice(None)))
    else:
        gb = matmul_p.bind(swapaxes(a, -1, -2), ct)
    return unbroadcast(gb, shape_of(b))


def _matmul_impl(a: Any, b: Any) -> Any:
    return a @ b


matmul_p = Primitive("matmul", _matmul_impl).describe(numpy="np.matmul", infix="@", nargs=2, fresh=True)
matmul_p.defvjp(_matmul_vjp_a, _matmul_vjp_b, save="args")
matmul_p.defjvp(_multilinear_jvp(matmul_p))


def matmul(a: Any, b: Any, **kw: Any) -> Any:
    """``np.matmul`` (the ``@`` operator)."""
    if kw.get("out") is not None:
        raise TypeError("matmul: out= is not supported on traced values")
    if ndim_of(a) == 0 or ndim_of(b) == 0:
        raise ValueError("matmul: Input operand does not have enough dimensions")
    return matmul_p.bind(a, b)


# --------------------------------------------------------------------------- einsum

_LETTERS = string.ascii_letters


def _parse_einsum(subscripts: str, shapes: list[tuple]) -> tuple[list[str], str, list]:
    """Explicit subscripts (no ellipsis, with '->'); plus the shapes each operand must be
    broadcast to (None where it already fits)."""
    subscripts = subscripts.replace(" ", "")
    if "->" in subscripts:
        ins, out = subscripts.split("->")
        explicit = True
    else:
        ins, out, explicit = subscripts, "", False
    in_subs = ins.split(",")
    if len(in_subs) != len(shapes):
        raise ValueError(f"einsum: {len(in_subs)} operand subscripts given for {len(shapes)} operands")
    used = set(c for c in subscripts if c.isalpha())
    free = [c for c in _LETTERS if c not in used]
    ell_len = 0
    for s, shp in zip(in_subs, shapes):
        if "..." in s:
            ell_len = max(ell_len, len(shp) - len(s.replace("...", "")))
    ell = "".join(free[:ell_len])
    new_in = []
    targets: list = []
    for s, shp in zip(in_subs, shapes):
        if "..." in s:
            k = len(shp) - len(s.replace("...", ""))
            letters = ell[ell_len - k :] if k else ""
            s = s.replace("...", letters)
        if len(s) != len(shp):
            raise ValueError(f"einsum: operand with subscripts {s!r} has {len(shp)} dimensions")
        new_in.append(s)
        targets.append(None)
    # Sizes per letter; a size-1 dimension broadcasts against n (NumPy does so for any label).
    sizes: dict[str, int] = {}
    for s, shp in zip(new_in, shapes):
        for c, n in zip(s, shp):
            if c in sizes and sizes[c] != n and 1 not in (sizes[c], n):  # size 1 broadcasts, as NumPy
                raise ValueError(f"einsum: size of label {c!r} is {n} for one operand and {sizes[c]} for another")
            sizes[c] = n if c not in sizes or sizes[c] == 1 else sizes[c]
    for k, (s, shp) in enumerate(zip(new_in, shapes)):
        full = tuple(sizes[c] for c in s)
        if full != tuple(shp):
            targets[k] = full
    if explicit:
        out = out.replace("...", ell)
    else:
        counts: dict[str, int] = {}
        for s in new_in:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    return new_in, out, targets


def _einsum_impl(*ops: Any, subscripts: str) -> Any:
    return np.einsum(subscripts, *ops, optimize=len(ops) > 2)


def _einsum_vjp(i: int) -> Any:
    def vjp(ct: Any, ans: Any, *ops: Any, subscripts: str) -> Any:
        ins, out = subscripts.split("->")
        in_subs = ins.split(",")
        target = in_subs[i]
        others = [s for k, s in enumerate(in_subs) if k != i]
        other_ops = [o for k, o in enumerate(ops) if k != i]
        avail = set(out).union(*others) if others else set(out)
        uniq = "".join(dict.fromkeys(target))
        present = "".join(c for c in uniq if c in avail)
        g = einsum_p.bind(ct, *other_ops, subscripts=",".join([out] + others) + "->" + present)
        shp = shape_of(ops[i])
        size = {c: n for c, n in zip(target, shp)}
        if present != uniq:  # letters summed only inside operand i: broadcast back
            g = reshape(g, tuple(size[c] if c in present else 1 for c in uniq))
            g = broadcast_to(g, tuple(size[c] for c in uniq))
        if uniq != target:  # repeated letters (a diagonal): embed with identity matrices
            fresh = iter(c for c in _LETTERS if c not in subscripts)
            renamed, eyes, eye_subs, seen = [], [], [], set()
            for c in target:
                if c in seen:
                    f = next(fresh)
                    renamed.append(f)
                    eyes.append(np.eye(size[c], dtype=dtype_of(g)))
                    eye_subs.append(c + f)
                else:
                    seen.add(c)
                    renamed.append(c)
            g = einsum_p.bind(g, *eyes, subscripts=",".join([uniq] + eye_subs) + "->" + "".join(renamed))
        return g

    return vjp


einsum_p = Primitive("einsum", _einsum_impl)


def _einsum_source(args: list, params: dict, em: Any) -> str | None:
    # (not fresh: np.einsum("ij->ji", a) is a view of a)
    if set(params) != {"subscripts"}:
        return None
    return f"np.einsum({', '.join([em.literal(params['subscripts']), *args])})"


einsum_p.describe(source=_einsum_source)
einsum_p.defjvp(_multilinear_jvp(einsum_p))


class _EinsumVJPs(tuple):
    """Per-operand VJP rules, made on demand (einsum takes any number of operands)."""

    def __getitem__(self, i: Any) -> Any:  # type: ignore[override]
        return _einsum_vjp_cache.setdefault(i, _einsum_vjp(i))


_einsum_vjp_cache: dict[int, Any] = {}
einsum_p.defvjp(save="args")
einsum_p.vjps = _EinsumVJPs()


def _interleaved_subscripts(args: tuple) -> tuple[str, list]:
    """NumPy's interleaved form ``einsum(a, [0, 1], b, [1, 2], [0, 2])`` as a subscripts
    string and the operands (integer labels become letters, ``Ellipsis`` stays ``...``)."""

    def letters(sub: Any) -> str:
        out = []
        for k in sub:
            if k is Ellipsis:
                out.append("...")
            elif isinstance(k, (int, np.integer)) and not isinstance(k, bool) and 0 <= k < len(_LETTERS):
                out.append(_LETTERS[int(k)])
            else:
                raise ValueError(f"einsum: a subscript label must be an integer in [0, {len(_LETTERS)}), got {k!r}")
        return "".join(out)

    ops, subs = list(args[0::2]), list(args[1::2])
    output = None
    if len(args) % 2 == 1:  # a trailing output sublist
        output = ops.pop()
    if len(subs) != len(ops):
        raise ValueError("einsum: give each operand its list of labels: einsum(a, [0, 1], b, [1, 2], [0, 2])")
    text = ",".join(letters(sb) for sb in subs)
    if output is not None:
        text += "->" + letters(output)
    return text, ops


def einsum(subscripts: Any, *operands: Any, **kw: Any) -> Any:
    """``np.einsum`` in its subscript-string form (ellipsis, implicit output, size-1
    broadcasting) or its interleaved form ``einsum(a, [0, 1], b, [1, 2], [0, 2])``."""
    if not isinstance(subscripts, str):
        subscripts, ops = _interleaved_subscripts((subscripts, *operands))
        operands = tuple(ops)
    if kw.get("out") is not None:
        raise TypeError("einsum: out= is not supported on traced values")
    ins, out, targets = _parse_einsum(subscripts, [shape_of(o) for o in operands])
    ops = [o if t is None else broadcast_to(o, t) for o, t in zip(operands, targets)]
    return einsum_p.bind(*ops, subscripts=",".join(ins) + "->" + out)


# --------------------------------------------------------------------------- built on them


def dot(a: Any, b: Any, **kw: Any) -> Any:
    """``np.dot``."""
    if kw.get("out") is not None:
        raise TypeError("dot: out= is not supported on traced values")
    an, bn = ndim_of(a), ndim_of(b)
    if an == 0 or bn == 0:
        return multiply_p.bind(a, b)
    if an <= 2 and bn <= 2:
        return matmul_p.bind(a, b)
    la = _LETTERS[:an]
    lb = _LETTERS[an : an + bn - 2] + la[-1] + (_LETTERS[an + bn - 2] if bn >= 2 else "")
    if bn == 1:
        lb = la[-1]
    out = la[:-1] + lb.replace(la[-1], "")
    return einsum(f"{la},{lb}->{out}", a, b)


def vdot(a: Any, b: Any) -> Any:
    return dot(ravel(conj(a)), ravel(b))


def inner(a: Any, b: Any) -> Any:
    an, bn = ndim_of(a), ndim_of(b)
    if an == 0 or bn == 0:
        return multiply_p.bind(a, b)
    la = _LETTERS[: an - 1]
    lb = _LETTERS[an - 1 : an + bn - 2]
    k = _LETTERS[an + bn - 1]
    return einsum(f"{la}{k},{lb}{k}->{la}{lb}", a, b)


def outer(a: Any, b: Any) -> Any:
    return multiply_p.bind(reshape(a, (-1, 1)), reshape(b, (1, -1)))


def tensordot(a: Any, b: Any, axes: Any = 2) -> Any:
    """``np.tensordot``."""
    an, bn = ndim_of(a), ndim_of(b)
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        ax_a, ax_b = list(range(an - n, an)), list(range(n))
    else:
        ax_a, ax_b = axes
        ax_a = [ax_a] if isinstance(ax_a, (int, np.integer)) else list(ax_a)
        ax_b = [ax_b] if isinstance(ax_b, (int, np.integer)) else list(ax_b)
    if len(ax_a) != len(ax_b):
        raise ValueError("tensordot: shape-mismatch for sum")
    ax_a = [one_axis(x, an) for x in ax_a]
    ax_b = [one_axis(x, bn) for x in ax_b]
    la = list(_LETTERS[:an])
    lb = list(_LETTERS[an : an + bn])
    for i, j in zip(ax_a, ax_b):
        lb[j] = la[i]
    out = [c for k, c in enumerate(la) if k not in ax_a] + [c for k, c in enumerate(lb) if k not in ax_b]
    return einsum("".join(la) + "," + "".join(lb) + "->" + "".join(out), a, b)


def diagonal(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """``np.diagonal`` as a gather (the diagonal becomes the last axis)."""

    nd = ndim_of(a)
    a1, a2 = one_axis(axis1, nd), one_axis(axis2, nd)
    if a1 == a2:
        raise ValueError("diagonal: axis1 and axis2 cannot be the same")
    x = moveaxis(a, (a1, a2), (-2, -1))
    n1, n2 = shape_of(x)[-2:]
    if offset >= 0:
        k = max(0, min(n1, n2 - offset))
        rows = np.arange(k)
        cols = rows + offset
    else:
        k = max(0, min(n1 + offset, n2))
        cols = np.arange(k)
        rows = cols - offset
    return getitem(x, (Ellipsis, rows, cols))


def trace(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype: Any = None, **kw: Any) -> Any:
    """``np.trace``."""
    return sum(diagonal(a, offset, axis1, axis2), axis=-1, dtype=dtype, **kw)


# --------------------------------------------------------------------------- batching (vmap)


def _matmul_batch(vals: list, b: list, size: int) -> Any:
    a, c = vals
    ra = len(shape_of(a)) - (1 if b[0] else 0)
    rc = len(shape_of(c)) - (1 if b[1] else 0)
    # One matrix product instead of a stack of small ones when only one side is batched
    # against a plain matrix (the common case of Jacobians of A @ x).
    if b[0] and not b[1] and rc == 2 and ra <= 2:
        sa = shape_of(a)
        flat = reshape(a, (-1, sa[-1]))
        return reshape(matmul_p.bind(flat, c), sa[:-1] + (shape_of(c)[-1],))
    if b[1] and not b[0] and ra == 2 and rc == 1:
        return matmul_p.bind(c, swapaxes(a, -1, -2))
    if b[1] and not b[0] and ra == 2 and rc == 2:
        sc = shape_of(c)  # (B, n, m)
        flat = reshape(moveaxis(c, 0, 1), (sc[1], sc[0] * sc[2]))
        out = reshape(matmul_p.bind(a, flat), (shape_of(a)[0], sc[0], sc[2]))
        return moveaxis(out, 1, 0)
    squeeze_rows = squeeze_cols = False
    if ra == 1:  # a vector: make it a row matrix
        a = expand_dims(a, -2)
        ra, squeeze_rows = 2, True
    if rc == 1:  # b vector: make it a column matrix
        c = expand_dims(c, -1)
        rc, squeeze_cols = 2, True
    r = max(ra, rc)

    def pad(v: Any, rv: int, batched: bool) -> Any:
        s = shape_of(v)
        if batched:
            return reshape(v, (s[0],) + (1,) * (r - rv) + s[1:])
        return v  # broadcasting from the right handles it

    out = matmul_p.bind(pad(a, ra, b[0]), pad(c, rc, b[1]))
    if squeeze_cols:
        out = getitem(out, (Ellipsis, 0))
    if squeeze_rows:
        out = getitem(out, (Ellipsis, 0, slice(None)) if not squeeze_cols else (Ellipsis, 0))
    return out


def _einsum_batch(vals: list, b: list, size: int, subscripts: str) -> Any:
    letter = next(c for c in _LETTERS if c not in subscripts)
    ins, out = subscripts.split("->")
    new_ins = [letter + s if f else s for s, f in zip(ins.split(","), b)]
    return einsum_p.bind(*vals, subscripts=",".join(new_ins) + "->" + letter + out)


matmul_p.batch = _matmul_batch
einsum_p.batch = _einsum_batch


# --------------------------------------------------------------------------- parameter schemas
# (names and value types of each primitive's params: a loaded graph is checked against them)

declare(matmul_p)
declare(einsum_p, subscripts=EINSUM_SUBSCRIPTS)
