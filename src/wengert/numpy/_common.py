"""Helpers shared by the topic modules of the NumPy facade: the concrete value below eager
traces (for choices that depend on values) and gathers that move elements around."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.forward import JVPTracer
from ..core.primitive import Tracer
from ..core.reverse import ReverseTracer
from ..ops._util import shape_of
from ..ops.indexing import getitem
from ..ops.shape import ravel

__all__: list[str] = []


def _concrete(name: str, x: Any, required: bool = True) -> Any:
    """The value below eager traces (reverse and forward mode), for choices that depend on
    values (result shapes, argument checks).  Under ``vmap`` or graph tracing there is no
    single value: an error when ``required``, else ``None``."""
    v = x
    while isinstance(v, Tracer):
        if not isinstance(v, (ReverseTracer, JVPTracer)):
            if not required:
                return None
            hint = "; use wengert.numpy.where instead" if name in ("extract", "compress") else ""
            raise TypeError(
                f"{name}: the result's shape depends on the values, which are not known here "
                f"(batched by vmap or traced into a graph){hint}"
            )
        v = v.primal
    return np.asarray(v)


def _concrete_values(name: str, x: Any) -> np.ndarray:
    return _concrete(name, x)


def _rearrange(x: Any, fn: Any) -> Any:
    """``fn`` applied to the positions of ``x``'s elements, then a gather: exact for NumPy
    functions that only move elements around (pad's edge/wrap/reflect modes, insert, ...)."""
    xs = shape_of(x)
    size = 1
    for v in xs:
        size *= v
    labels = fn(np.arange(size, dtype=np.intp).reshape(xs))
    return getitem(ravel(x), labels)
