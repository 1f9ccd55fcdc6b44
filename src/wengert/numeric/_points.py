"""Evaluating a user function at many points around ``x`` (pytrees flattened to vectors).

``Space`` flattens the input pytree to one vector and rebuilds it (a single point, or a
batch with a leading axis).  ``Evaluator`` calls ``f`` at a set of points given as rows of a
matrix: with ``vectorized=True`` in as few calls as possible (``f`` receives every leaf with a
leading batch axis; ``batch_size`` caps the rows per call), otherwise one call per point.
Outputs are flattened to rows of one matrix, whose columns are the output elements.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.primitive import Tracer
from ..errors import WengertError
from ..tree import tree_flatten, tree_unflatten

__all__ = ["Space", "Evaluator", "ComplexStepError"]


class ComplexStepError(WengertError, TypeError):
    """The function cannot be evaluated at complex points (the complex step needs it)."""


def _as_array(x: Any, what: str) -> np.ndarray:
    if isinstance(x, Tracer):
        raise TypeError(
            f"{what}: got a traced value; numerical differentiation works on plain arrays. "
            "To use a numerically differentiated function inside wengert's AD, wrap it with "
            "wengert.numeric.blackbox"
        )
    a = np.asarray(x)
    if a.dtype == object:
        raise TypeError(f"{what}: cannot differentiate with respect to a value of type {type(x).__name__!r}")
    return a


class Space:
    """A pytree of arrays seen as one flat vector (the coordinates being perturbed)."""

    def __init__(self, x: Any, what: str, allow_complex: bool = False) -> None:
        leaves, self.td = tree_flatten(x)
        arrs = [_as_array(leaf, what) for leaf in leaves]
        for a in arrs:
            if np.issubdtype(a.dtype, np.complexfloating) and not allow_complex:
                raise TypeError(
                    f"{what}: x has a complex leaf ({a.dtype}); differentiate with respect to its "
                    "real and imaginary parts separately (pass them as two real arrays)"
                )
            if not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
                raise TypeError(f"{what}: x has a leaf of dtype {a.dtype}, which cannot be differentiated")
        self.shapes = [a.shape for a in arrs]
        self.sizes = [a.size for a in arrs]
        self.size = int(sum(self.sizes))
        fl = [a.dtype for a in arrs if np.issubdtype(a.dtype, np.inexact)]
        dt = np.result_type(*fl) if fl else np.dtype(float)
        if dt == np.float16:
            dt = np.dtype(np.float32)
        self.dtype = dt
        self.x = np.concatenate([a.ravel().astype(dt) for a in arrs]) if arrs else np.zeros(0, dt)

    def unflatten(self, v: np.ndarray) -> Any:
        out, off = [], 0
        for s, k in zip(self.shapes, self.sizes):
            out.append(v[off : off + k].reshape(s))
            off += k
        return tree_unflatten(self.td, out)

    def unflatten_batch(self, vs: np.ndarray) -> Any:
        out, off = [], 0
        b = vs.shape[0]
        for s, k in zip(self.shapes, self.sizes):
            out.append(vs[:, off : off + k].reshape((b,) + s))
            off += k
        return tree_unflatten(self.td, out)

    def label(self, i: int) -> str:
        """Human-readable name of flat coordinate ``i``: leaf and index."""
        return _label(self.td, self.shapes, self.sizes, i)


def _label(td: Any, shapes: list, sizes: list, i: int) -> str:
    off = 0
    for k, (s, n) in enumerate(zip(shapes, sizes)):
        if i < off + n:
            idx = np.unravel_index(i - off, s) if s else ()
            leaf = f"leaf {k}" if len(shapes) > 1 else ""
            pos = "[" + ", ".join(str(int(j)) for j in idx) + "]" if s else ""
            return (leaf + pos) or "the scalar"
        off += n
    return f"element {i}"


class OutSpec:
    """The structure of ``f``'s output: pytree, leaf shapes, flat size, dtype."""

    def __init__(self, y: Any, what: str) -> None:
        leaves, self.td = tree_flatten(y)
        arrs = [_as_array(leaf, what + " (the function's output)") for leaf in leaves]
        self.shapes = [a.shape for a in arrs]
        self.sizes = [a.size for a in arrs]
        self.size = int(sum(self.sizes))
        dts = [a.dtype for a in arrs]
        dt = np.result_type(*dts) if dts else np.dtype(float)
        if not np.issubdtype(dt, np.inexact):
            dt = np.dtype(float)
        self.dtype = dt

    def flatten(self, y: Any, batch: int | None = None) -> np.ndarray:
        leaves, td = tree_flatten(y)
        if td != self.td:
            raise ValueError(f"the function returned structure {td!r} at one point and {self.td!r} at another")
        if batch is None:
            parts = [np.asarray(leaf).ravel() for leaf in leaves]
            return np.concatenate(parts) if parts else np.zeros(0)
        parts = []
        for leaf, s in zip(leaves, self.shapes):
            a = np.asarray(leaf)
            if a.shape != (batch,) + s:
                raise ValueError(
                    f"vectorized=True: for a batch of {batch} points the function returned an output "
                    f"leaf of shape {a.shape}, expected {(batch,) + s} (a leading batch axis); "
                    "does the function accept a leading batch axis? If not, leave vectorized=False"
                )
            parts.append(a.reshape(batch, -1))
        return np.concatenate(parts, axis=1) if parts else np.zeros((batch, 0))

    def unflatten(self, v: np.ndarray) -> Any:
        out, off = [], 0
        for s, k in zip(self.shapes, self.sizes):
            out.append(v[off : off + k].reshape(s))
            off += k
        return tree_unflatten(self.td, out)

    def label(self, i: int) -> str:
        return _label(self.td, self.shapes, self.sizes, i)


class Evaluator:
    """Calls ``f`` on points of a ``Space``; the first call (at ``x``) fixes the output spec."""

    def __init__(self, f: Callable, space: Space, what: str, vectorized: bool = False, batch_size: int | None = None) -> None:
        if not callable(f):
            raise TypeError(f"{what}: f must be callable, got {f!r}")
        if batch_size is not None and (not isinstance(batch_size, (int, np.integer)) or batch_size < 1):
            raise ValueError(f"{what}: batch_size must be a positive integer or None, got {batch_size!r}")
        self.f, self.space, self.what = f, space, what
        self.vectorized = bool(vectorized)
        self.batch_size = batch_size
        self.complex_mode = False
        self.ncalls = 0
        self.max_abs = 0.0  # the largest |f| seen at any point (a scale for rounding)
        self.out: OutSpec | None = None

    def _call(self, arg: Any) -> Any:
        """``f(arg)``; in complex-step mode with its failures explained (``rows`` sets the
        warning filter that turns a discarded imaginary part into an error)."""
        self.ncalls += 1
        if not self.complex_mode:
            return self.f(arg)
        try:
            y = self.f(arg)
        except (TypeError, ValueError, np.exceptions.ComplexWarning) as e:
            raise ComplexStepError(
                f"{self.what}: method='complex' evaluates f at complex points x + ih, but f failed on "
                f"complex input ({e.__class__.__name__}: {e}). The complex step needs f written with "
                "operations that accept complex numbers (NumPy ufuncs, not math.*, float() or "
                "assignments into real arrays); use method='central' otherwise"
            ) from e
        leaves = tree_flatten(y)[0]
        if any(not np.iscomplexobj(leaf) for leaf in leaves):
            raise ComplexStepError(
                f"{self.what}: method='complex' evaluated f at complex points, but f returned a real "
                "value: it discards the imaginary part (np.real, abs, float(), .astype(float), a "
                "real output buffer), so the complex step cannot see the derivative; use "
                "method='central'"
            )
        return y

    def at_x(self) -> np.ndarray:
        """``f(x)`` flattened (sets the output spec)."""
        y = self.f(self.space.unflatten(self.space.x))
        self.ncalls += 1
        self.out = OutSpec(y, self.what)
        f0 = self.out.flatten(y)
        self._seen(f0)
        return f0

    def _seen(self, vals: np.ndarray) -> None:
        a = np.abs(vals)
        a = a[np.isfinite(a)]
        if a.size:
            self.max_abs = max(self.max_abs, float(a.max()))

    def rows(self, pts: np.ndarray) -> np.ndarray:
        """``f`` at every row of ``pts`` (shape ``(K, N)``): a ``(K, M)`` matrix.

        A point where ``f`` raises (outside its domain: a large trial step can get there) gives
        a row of NaN, which the step selection never uses; if ``f`` fails at every point the
        first error is raised.  In complex-step mode errors always propagate.
        """
        assert self.out is not None
        K = pts.shape[0]
        M = self.out.size
        if K == 0:
            return np.zeros((0, M))
        # large trial steps may leave f's domain (expected: such points are never used)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            if self.complex_mode:
                warnings.simplefilter("error", np.exceptions.ComplexWarning)
            return self._rows(pts)

    def _rows(self, pts: np.ndarray) -> np.ndarray:
        K = pts.shape[0]
        if self.vectorized:
            step = self.batch_size or K
            parts = []
            for k0 in range(0, K, step):
                chunk = pts[k0 : k0 + step]
                try:
                    y = self._call(self.space.unflatten_batch(chunk))
                except Exception:
                    if self.complex_mode or chunk.shape[0] == 1:
                        raise
                    parts.append(self._one_by_one(chunk, batched=True))
                    continue
                parts.append(self.out.flatten(y, chunk.shape[0]))
            res = np.concatenate(parts, axis=0)
        else:
            res = self._one_by_one(pts, batched=False)
        if not self.complex_mode:
            self._seen(res)
        return res

    def _one_by_one(self, pts: np.ndarray, batched: bool) -> np.ndarray:
        K, M = pts.shape[0], self.out.size
        res = None
        first: Exception | None = None
        for k in range(K):
            try:
                if batched:
                    raw = self._call(self.space.unflatten_batch(pts[k : k + 1]))
                else:
                    raw = self._call(self.space.unflatten(pts[k]))
            except Exception as e:
                if self.complex_mode:
                    raise
                first = first or e
                y = None
            else:
                y = self.out.flatten(raw, 1)[0] if batched else self.out.flatten(raw)
            if y is not None and y.size != M:
                raise ValueError(f"{self.what}: the function's output changed size between points ({M} and {y.size})")
            if res is None and y is not None:
                res = np.full((K, M), np.nan, dtype=np.result_type(y.dtype, self.out.dtype, np.float16))
            if y is not None:
                res[k] = y
        if res is None:
            assert first is not None
            raise first
        return res

    def scalar_output(self, what: str) -> None:
        assert self.out is not None
        if self.out.size != 1:
            raise ValueError(
                f"{what}: f must return a scalar, but its output has {self.out.size} elements "
                f"(shapes {self.out.shapes}); use jacobian for vector outputs"
            )


def _steps_per_coord(space: Space, step: Any, what: str) -> np.ndarray:
    """An explicit ``step``: a positive scalar, or a pytree like ``x`` (leaves broadcast)."""
    if np.ndim(step) == 0 and not isinstance(step, (tuple, list, dict)):
        h = np.full(space.size, float(step))
    else:
        leaves, td = tree_flatten(step)
        if td != space.td and not (len(leaves) == 1 and len(space.shapes) == 1):
            raise ValueError(f"{what}: step must be a scalar or have the structure of x ({space.td!r}), got {td!r}")
        parts = [np.broadcast_to(np.asarray(s, dtype=float), sh).ravel() for s, sh in zip(leaves, space.shapes)]
        h = np.concatenate(parts) if parts else np.zeros(0)
    if not np.all(np.isfinite(h)) or np.any(h <= 0):
        raise ValueError(f"{what}: steps must be positive and finite, got {step!r}")
    return h
