"""Dtype queries that accept traced values: ``result_type``, ``can_cast`` and
``common_type`` see a traced value as its dtype."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.primitive import Tracer
from ..ops._util import dtype_of

__all__ = ["can_cast", "common_type", "result_type"]


def _dtype_stand_in(v: Any) -> Any:
    """Dtype queries see a traced value as its dtype (or an empty array of it)."""
    return dtype_of(v) if isinstance(v, Tracer) else v


def result_type(*arrays_and_dtypes: Any) -> Any:
    """``np.result_type``; traced values count by their dtype."""
    return np.result_type(*(_dtype_stand_in(v) for v in arrays_and_dtypes))


def can_cast(from_: Any, to: Any, casting: str = "safe") -> bool:
    """``np.can_cast``; a traced value counts by its dtype."""
    return np.can_cast(_dtype_stand_in(from_), to, casting=casting)


def common_type(*arrays: Any) -> Any:
    """``np.common_type``."""
    return np.common_type(*(np.empty(0, dtype_of(a)) if isinstance(a, Tracer) else a for a in arrays))
