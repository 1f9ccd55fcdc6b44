"""One-dimensional ``convolve`` and ``correlate`` (modes full, same, valid),
differentiable in both arguments.

Both are slices of one full convolution, the ``convolve`` primitive of ops/scipy_signal.py
(SciPy's direct method gives NumPy's values bit for bit in 1-D).  Convolution is bilinear
and its VJPs are convolutions again.  The primitive needs SciPy, which is imported when a
traced value is first convolved.
"""

from __future__ import annotations

import builtins
from typing import Any

from ..ops._util import as_array, ndim_of, shape_of
from ..ops.floating import _conj_if_complex
from ..ops.indexing import getitem

__all__ = ["convolve", "correlate"]


def _flip_last(x: Any) -> Any:
    return getitem(x, (Ellipsis, slice(None, None, -1)))


def _conv_full(a: Any, v: Any) -> Any:
    # One convolution primitive serves NumPy and SciPy (ops/scipy_signal.py); SciPy's direct
    # method gives NumPy's values bit for bit in 1-D.
    from ..ops.scipy_signal import convolve_p  # (optional extra: SciPy)

    return convolve_p.bind(a, v, mode="full", method="direct")


def _conv_args(name: str, a: Any, v: Any, mode: Any) -> tuple[Any, Any]:
    a, v = as_array(a), as_array(v)
    if ndim_of(a) != 1 or ndim_of(v) != 1:
        raise ValueError(f"{name}: a and v must be 1-D arrays")
    if shape_of(a)[0] == 0:
        raise ValueError("a cannot be empty")
    if shape_of(v)[0] == 0:
        raise ValueError("v cannot be empty")
    if mode not in ("full", "same", "valid"):
        raise ValueError(f"{name}: mode must be 'full', 'same' or 'valid', got {mode!r}")
    return a, v


def convolve(a: Any, v: Any, mode: str = "full") -> Any:
    """``np.convolve`` (modes full, same, valid); differentiable in both arguments."""
    a, v = _conv_args("convolve", a, v, mode)
    full = _conv_full(a, v)
    n, m = shape_of(a)[0], shape_of(v)[0]
    hi, lo = builtins.max(n, m), builtins.min(n, m)
    if mode == "same":
        start = (lo - 1) // 2
        return getitem(full, slice(start, start + hi))
    if mode == "valid":
        return getitem(full, slice(lo - 1, hi))
    return full


def correlate(a: Any, v: Any, mode: str = "valid") -> Any:
    """``np.correlate``: ``c[k] = sum_n a[n + k] conj(v[n])`` (modes full, same, valid)."""
    a, v = _conv_args("correlate", a, v, mode)
    full = _conv_full(a, _flip_last(_conj_if_complex(v)))
    n, m = shape_of(a)[0], shape_of(v)[0]
    hi, lo = builtins.max(n, m), builtins.min(n, m)
    if mode == "same":
        start = (m - 1) // 2 if m <= n else n // 2
        return getitem(full, slice(start, start + hi))
    if mode == "valid":
        return getitem(full, slice(lo - 1, hi))
    return full
