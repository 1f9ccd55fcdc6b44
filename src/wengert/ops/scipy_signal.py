"""N-dimensional convolution (``scipy.signal.convolve``) as a primitive.

``convolve_p(x, y, mode, method)`` with ``mode`` 'full' or 'valid' (for 'valid', ``x`` is at
least as large as ``y`` in every dimension; callers swap the operands otherwise, since
convolution commutes).  Convolution is bilinear, and its transposes are convolutions with a
flipped operand again:

- full:  x_bar = valid(ct, flip(y)),  y_bar = valid(ct, flip(x))
- valid: x_bar = full(ct, flip(y)),   y_bar = valid(flip(x), ct)
"""

from __future__ import annotations

from typing import Any

import scipy.signal as _ss

from ..core.batching import _loop_rule
from ..core.primitive import Primitive
from ..core.schema import choice, declare
from ._util import shape_of
from .elementwise import add_p
from .shape import flip, reshape


def _conv_impl(x: Any, y: Any, mode: str, method: str) -> Any:
    return _ss.convolve(x, y, mode=mode, method=method)


def _conv(x: Any, y: Any, mode: str, method: str) -> Any:
    return convolve_p.bind(x, y, mode=mode, method=method)


def _conv_vjp(ct: Any, ans: Any, x: Any, y: Any, mode: str, method: str) -> tuple:
    if mode == "full":
        return _conv(ct, flip(y), "valid", method), _conv(ct, flip(x), "valid", method)
    return _conv(ct, flip(y), "full", method), _conv(flip(x), ct, "valid", method)


def _conv_jvp(ts: tuple, ans: Any, x: Any, y: Any, mode: str, method: str) -> Any:
    tx, ty = ts
    out = None
    if tx is not None:
        out = _conv(tx, y, mode, method)
    if ty is not None:
        t = _conv(x, ty, mode, method)
        out = t if out is None else add_p.bind(out, t)
    return out


def _conv_batch(vals: list, batched: list, size: int, mode: str, method: str) -> Any:
    x, y = vals
    # A size-1 axis convolved along the batch axis leaves it unchanged (full and valid).
    if batched[0] and not batched[1]:
        return _conv(x, reshape(y, (1,) + shape_of(y)), mode, method)
    if batched[1] and not batched[0] and mode == "full":
        return _conv(reshape(x, (1,) + shape_of(x)), y, mode, method)
    return _loop_rule(convolve_p, vals, batched, size, {"mode": mode, "method": method})


convolve_p = Primitive("convolve", _conv_impl)
convolve_p.defvjp_all(_conv_vjp, save="args")
convolve_p.defjvp(_conv_jvp)
convolve_p.batch = _conv_batch


# --------------------------------------------------------------------------- parameter schemas
# (names and value types of each primitive's params: a loaded graph is checked against them)

declare(convolve_p, mode=choice("full", "valid", "same"), method=choice("direct", "fft", "auto"))
