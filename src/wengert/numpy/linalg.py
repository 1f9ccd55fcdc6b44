"""``wengert.numpy.linalg``: NumPy's ``numpy.linalg``, differentiable (see docs/linalg.md).

Importing this module also lets plain ``np.linalg.<name>(traced)`` calls reach these
functions through ``__array_function__``.
"""

from __future__ import annotations

import numpy as _np

from ..ops import linalg as _la
from ..ops.linalg import (  # noqa: F401  (re-exported)
    cholesky,
    cond,
    det,
    diagonal,
    eig,
    eigh,
    eigvals,
    eigvalsh,
    inv,
    lstsq,
    matmul,
    matrix_norm,
    matrix_power,
    matrix_transpose,
    multi_dot,
    norm,
    outer,
    pinv,
    qr,
    slogdet,
    solve,
    svd,
    svdvals,
    tensordot,
    tensorinv,
    tensorsolve,
    trace,
    vecdot,
    vector_norm,
)

LinAlgError = _np.linalg.LinAlgError

__all__ = [*_la.__all__, "LinAlgError"]


def _register() -> None:
    from . import _dispatch

    for name in _la.__all__:
        f = getattr(_np.linalg, name, None)
        if f is not None and f not in _dispatch._FUNCS:
            _dispatch._FUNCS[f] = getattr(_la, name)


_register()
