"""Whole-array comparisons: ``allclose``, ``array_equal``, ``array_equiv`` (not
differentiated).  For concrete values they return a Python bool, as NumPy; under ``vmap``
a traced bool."""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from ..core.primitive import Tracer
from ..ops._util import is_inexact, shape_of
from ..ops.elementwise import equal, isnan, logical_and, logical_or
from ..ops.queries import isclose
from ..ops.reduce import all_

__all__ = ["allclose", "array_equal", "array_equiv"]


def allclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Any:
    """``np.allclose``: a Python bool for concrete values (a traced bool under vmap)."""
    res = all_(isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))
    return res if isinstance(res, Tracer) else builtins.bool(res)


def array_equal(a1: Any, a2: Any, equal_nan: bool = False) -> Any:
    """``np.array_equal`` (not differentiated)."""
    if shape_of(a1) != shape_of(a2):
        return False
    eq = equal(a1, a2)
    if equal_nan and is_inexact(a1) and is_inexact(a2):
        eq = logical_or(eq, logical_and(isnan(a1), isnan(a2)))
    res = all_(eq)
    return res if isinstance(res, Tracer) else builtins.bool(res)


def array_equiv(a1: Any, a2: Any) -> Any:
    """``np.array_equiv``: broadcastable and equal everywhere (not differentiated)."""
    try:
        np.broadcast_shapes(shape_of(a1), shape_of(a2))
    except ValueError:
        return False
    res = all_(equal(a1, a2))
    return res if isinstance(res, Tracer) else builtins.bool(res)
