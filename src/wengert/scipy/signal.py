"""``wengert.scipy.signal``: differentiable ``convolve`` and ``correlate`` (N-D; modes
'full', 'valid' and 'same'; ``method`` as in SciPy).  Both arguments are differentiable."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.primitive import Tracer
from ..ops._util import dtype_of, shape_of
from ..ops.elementwise import astype, multiply_p
from ..ops.indexing import getitem
from ..ops.scipy_signal import convolve_p
from ..ops.shape import flip

__all__ = ["convolve", "correlate"]


def _prep(name: str, in1: Any, in2: Any, mode: str, method: str) -> tuple:
    if mode not in ("full", "valid", "same"):
        raise ValueError("acceptable mode flags are 'valid', 'same', or 'full'")
    if method not in ("auto", "direct", "fft"):
        raise ValueError("acceptable method flags are 'auto', 'direct', or 'fft'")
    in1 = in1 if isinstance(in1, Tracer) else np.asarray(in1)
    in2 = in2 if isinstance(in2, Tracer) else np.asarray(in2)
    dt = np.result_type(dtype_of(in1), dtype_of(in2))
    if np.issubdtype(dt, np.complexfloating):
        raise TypeError(f"wengert.scipy.signal.{name}: complex inputs are not supported")
    in1, in2 = astype(in1, dt), astype(in2, dt)
    if len(shape_of(in1)) != len(shape_of(in2)):
        raise ValueError("in1 and in2 should have the same dimensionality")
    return in1, in2


def _swap_needed(mode: str, s1: tuple, s2: tuple) -> bool:
    if mode != "valid":
        return False
    ok1 = all(a >= b for a, b in zip(s1, s2))
    ok2 = all(b >= a for a, b in zip(s1, s2))
    if not (ok1 or ok2):
        raise ValueError(
            "For 'valid' mode, one must be at least as large as the other in every dimension"
        )
    return not ok1


def convolve(in1: Any, in2: Any, mode: str = "full", method: str = "auto") -> Any:
    """N-dimensional convolution (``scipy.signal.convolve``)."""
    in1, in2 = _prep("convolve", in1, in2, mode, method)
    s1, s2 = shape_of(in1), shape_of(in2)
    if len(s1) == 0:
        return multiply_p.bind(in1, in2)
    if 0 in s1 or 0 in s2:
        return np.array([], dtype=dtype_of(in1))
    if mode == "valid":
        if _swap_needed(mode, s1, s2):
            in1, in2 = in2, in1
        return convolve_p.bind(in1, in2, mode="valid", method=method)
    full = convolve_p.bind(in1, in2, mode="full", method=method)
    if mode == "full":
        return full
    fs = shape_of(full)
    start = [(f - s) // 2 for f, s in zip(fs, s1)]
    return getitem(full, tuple(slice(a, a + s) for a, s in zip(start, s1)))


def correlate(in1: Any, in2: Any, mode: str = "full", method: str = "auto") -> Any:
    """N-dimensional cross-correlation (``scipy.signal.correlate``) of real arrays."""
    in1, in2 = _prep("correlate", in1, in2, mode, method)
    s1, s2 = shape_of(in1), shape_of(in2)
    if len(s1) == 0:
        return multiply_p.bind(in1, in2)
    if mode == "valid" and _swap_needed(mode, s1, s2):
        # SciPy's result for a larger in2 is the reversed correlation of (in2, in1)
        return flip(convolve(in2, flip(in1), "valid", method))
    return convolve(in1, flip(in2), mode, method)
