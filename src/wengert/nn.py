"""``wengert.nn``: a few neural-network helpers, kept small and written as plain functions.

Parameters are pytrees (dicts of arrays); layers are functions ``layer(params, x)``, so
``wengert.grad`` differentiates a model with respect to its parameters and the optimizers
in ``wengert.optim`` update them.  Everything is written with ``wengert.numpy`` operations,
so it works on plain arrays, under ``grad``/``jvp``/``vmap`` and to any order.

- initializers (``rng, shape, dtype -> array``): ``glorot_uniform``, ``glorot_normal``,
  ``he_uniform``, ``he_normal``; ``rng`` is a ``numpy.random.Generator`` or a seed;
- layers: ``dense_init``/``dense``, ``mlp_init``/``mlp``;
- activations: ``relu``, ``gelu``, ``softplus``, ``sigmoid``, ``log_sigmoid``;
- ``log_softmax``, ``softmax`` (stable: the row maximum is subtracted);
- losses: ``softmax_cross_entropy`` (from logits, integer or probability labels),
  ``mean_squared_error``; the metric ``accuracy``.

Conventions: ``relu'(0) = 0`` (as JAX); ``gelu`` uses the tanh approximation by default
(``approximate=True``, as ``jax.nn.gelu``); ``approximate=False`` is the exact
``x * Phi(x)`` (needs SciPy for ``erf``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import numpy as wnp
from .core.primitive import Primitive, Tracer
from .core.schema import AXES, BOOL, REAL, declare
from .ops._util import shape_of
from .ops.elementwise import stop_gradient

__all__ = [
    "glorot_uniform",
    "glorot_normal",
    "he_uniform",
    "he_normal",
    "dense_init",
    "dense",
    "mlp_init",
    "mlp",
    "relu",
    "gelu",
    "softplus",
    "sigmoid",
    "log_sigmoid",
    "log_softmax",
    "softmax",
    "softmax_cross_entropy",
    "mean_squared_error",
    "mse",
    "accuracy",
]

# --------------------------------------------------------------------------- initializers


def _rng(rng: Any) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def _fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of ``shape``: inputs along axis -2, outputs along -1,
    leading axes a receptive field (convolution kernels)."""
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    field = math.prod(shape[:-2])
    return shape[-2] * field, shape[-1] * field


def _shape(shape: Any) -> tuple[int, ...]:
    return (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)


def _check_float(dtype: Any, name: str) -> np.dtype:
    dt = np.dtype(dtype)
    if not np.issubdtype(dt, np.floating):
        raise TypeError(f"{name}: dtype must be a floating-point type, got {dt}")
    return dt


def glorot_uniform(rng: Any, shape: Any, dtype: Any = np.float64) -> np.ndarray:
    """Uniform on ``[-a, a]`` with ``a = sqrt(6 / (fan_in + fan_out))`` (Glorot & Bengio, 2010)."""
    shape, dt = _shape(shape), _check_float(dtype, "glorot_uniform")
    fi, fo = _fans(shape)
    a = math.sqrt(6.0 / (fi + fo))
    return _rng(rng).uniform(-a, a, size=shape).astype(dt)


def glorot_normal(rng: Any, shape: Any, dtype: Any = np.float64) -> np.ndarray:
    """Normal with mean 0 and standard deviation ``sqrt(2 / (fan_in + fan_out))``."""
    shape, dt = _shape(shape), _check_float(dtype, "glorot_normal")
    fi, fo = _fans(shape)
    return (math.sqrt(2.0 / (fi + fo)) * _rng(rng).standard_normal(shape)).astype(dt)


def he_uniform(rng: Any, shape: Any, dtype: Any = np.float64) -> np.ndarray:
    """Uniform on ``[-a, a]`` with ``a = sqrt(6 / fan_in)`` (He et al., 2015)."""
    shape, dt = _shape(shape), _check_float(dtype, "he_uniform")
    fi, _ = _fans(shape)
    a = math.sqrt(6.0 / fi)
    return _rng(rng).uniform(-a, a, size=shape).astype(dt)


def he_normal(rng: Any, shape: Any, dtype: Any = np.float64) -> np.ndarray:
    """Normal with mean 0 and standard deviation ``sqrt(2 / fan_in)`` (He et al., 2015)."""
    shape, dt = _shape(shape), _check_float(dtype, "he_normal")
    fi, _ = _fans(shape)
    return (math.sqrt(2.0 / fi) * _rng(rng).standard_normal(shape)).astype(dt)


# --------------------------------------------------------------------------- layers

Initializer = Callable[[Any, Any, Any], np.ndarray]


def dense_init(
    rng: Any, in_features: int, out_features: int, *, w_init: Initializer = glorot_uniform, dtype: Any = np.float64
) -> dict[str, np.ndarray]:
    """Parameters ``{"w": (in, out), "b": (out,)}`` of a dense layer; biases start at 0."""
    return {
        "w": w_init(_rng(rng), (int(in_features), int(out_features)), dtype),
        "b": np.zeros(int(out_features), dtype=_check_float(dtype, "dense_init")),
    }


# ``x @ w + b`` as one primitive (PyTorch's addmm): one tape node per layer instead of two,
# and the bias gradient is a plain sum instead of the broadcasting rule of ``add``.


def _dense_impl(x: Any, w: Any, b: Any) -> Any:
    return x @ w + b


def _dense_vjp_x(ct: Any, ans: Any, x: Any, w: Any, b: Any) -> Any:
    return wnp.matmul(ct, wnp.transpose(w))


def _dense_vjp_w(ct: Any, ans: Any, x: Any, w: Any, b: Any) -> Any:
    xs, cs = shape_of(x), shape_of(ct)
    if len(xs) != 2:  # fold the leading axes of x (none: an outer product) into one
        x = wnp.reshape(x, (-1, xs[-1]) if xs else (1, 1))
        ct = wnp.reshape(ct, (-1, cs[-1]))
    return wnp.matmul(wnp.transpose(x), ct)


def _dense_vjp_b(ct: Any, ans: Any, x: Any, w: Any, b: Any) -> Any:
    nd = len(shape_of(ct))
    return wnp.sum(ct, axis=tuple(range(nd - 1))) if nd > 1 else ct


def _dense_jvp(tangents: tuple, ans: Any, x: Any, w: Any, b: Any) -> Any:
    tx, tw, tb = tangents
    out = None
    if tx is not None:
        out = wnp.matmul(tx, w)
    if tw is not None:
        t = wnp.matmul(x, tw)
        out = t if out is None else out + t
    if tb is not None:
        out = wnp.broadcast_to(tb, shape_of(ans)) if out is None else out + tb
    return out


def _dense_batch(vals: list, batched: list, size: int) -> Any:
    x, w, b = vals
    bx, bw, bb = batched
    if bw:  # a weight per batch element: fold x's leading axes, one batched matmul
        if not bx:
            x = wnp.broadcast_to(x, (size, *shape_of(x)))
        xs = shape_of(x)
        out = wnp.matmul(wnp.reshape(x, (size, -1, xs[-1])), w)
        out = wnp.reshape(out, (*xs[:-1], shape_of(w)[-1]))
    else:  # shared weight: matmul maps over x's leading (batch) axes
        out = wnp.matmul(x, w)
    if bb:  # (size, out) -> (size, 1, ..., 1, out) against out's per-element leading axes
        lead = len(shape_of(out)) - (2 if (bx or bw) else 1)
        b = wnp.reshape(b, (size,) + (1,) * lead + (shape_of(b)[-1],))
    return out + b


dense_p = Primitive("dense", _dense_impl)
dense_p.defvjp(_dense_vjp_x, _dense_vjp_w, _dense_vjp_b)
dense_p.defjvp(_dense_jvp)
dense_p.batch = _dense_batch


def dense(params: dict[str, Any], x: Any) -> Any:
    """``x @ w + b`` (``x`` of shape ``(..., in)``, ``w`` of ``(in, out)``, ``b`` of
    ``(out,)``); one primitive when the shapes are these, ``x @ w + b`` otherwise."""
    w, b = params["w"], params["b"]
    ws, bs = shape_of(w), shape_of(b)
    if len(ws) == 2 and bs == ws[-1:] and len(shape_of(x)) >= 1 and shape_of(x)[-1] == ws[0]:
        return dense_p.bind(x, w, b)
    return x @ w + b


def mlp_init(
    rng: Any, sizes: Sequence[int], *, w_init: Initializer = glorot_uniform, dtype: Any = np.float64
) -> list[dict[str, np.ndarray]]:
    """A list of dense-layer parameters for layer widths ``sizes`` (input first)."""
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2:
        raise ValueError(f"mlp_init: sizes needs at least an input and an output width, got {sizes}")
    g = _rng(rng)
    return [dense_init(g, a, b, w_init=w_init, dtype=dtype) for a, b in zip(sizes[:-1], sizes[1:])]


def mlp(
    params: Sequence[dict[str, Any]], x: Any, activation: Callable[[Any], Any] = None, output_activation: Callable | None = None
) -> Any:
    """Dense layers with ``activation`` (default ``relu``) between them; the last layer is
    linear unless ``output_activation`` is given."""
    act = relu if activation is None else activation
    n = len(params)
    for i, layer in enumerate(params):
        x = dense(layer, x)
        if i < n - 1:
            x = act(x)
    return x if output_activation is None else output_activation(x)


# --------------------------------------------------------------------------- activations


def _relu_vjp(ct: Any, ans: Any) -> Any:
    return ct * (ans > 0)  # the mask is a constant (comparisons are not differentiated)


def _relu_jvp(tangents: tuple, ans: Any, x: Any) -> Any:
    return tangents[0] * (ans > 0)


#: relu as one primitive: its derivative is one multiply by a mask (``where`` costs ~3x more)
relu_p = Primitive("relu", lambda x: np.maximum(x, 0.0))
relu_p.defvjp(_relu_vjp, save="ans")
relu_p.defjvp(_relu_jvp)
relu_p.batch = lambda vals, batched, size: relu_p.bind(vals[0])


def relu(x: Any) -> Any:
    """``max(x, 0)``, with derivative 0 at 0 (and for x < 0); NaN stays NaN."""
    return relu_p.bind(_as_float(x, "relu"))


_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def gelu(x: Any, approximate: bool = True) -> Any:
    """Gaussian error linear unit ``x * Phi(x)``; ``approximate=True`` uses
    ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`` (Hendrycks & Gimpel, 2016)."""
    if approximate:
        return 0.5 * x * (1.0 + wnp.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * (x * x * x))))
    try:
        from .scipy.special import erf  # (optional extra: SciPy)
    except ImportError:  # pragma: no cover - scipy is a test dependency
        raise ImportError("gelu(approximate=False) needs SciPy for erf: pip install 'wengert[scipy]'") from None
    return 0.5 * x * (1.0 + erf(x * (1.0 / math.sqrt(2.0))))


def softplus(x: Any) -> Any:
    """``log(1 + exp(x))``, computed without overflow."""
    return wnp.logaddexp(x, 0.0)


def sigmoid(x: Any) -> Any:
    """``1 / (1 + exp(-x))``, accurate in both tails (``exp`` is only taken of ``-|x|``)."""
    pos = x >= 0
    e = wnp.exp(wnp.where(pos, -x, x))  # exp(-|x|) <= 1, and the right derivative at 0
    return wnp.where(pos, 1.0 / (1.0 + e), e / (1.0 + e))


def log_sigmoid(x: Any) -> Any:
    """``log(sigmoid(x)) = -softplus(-x)``, without overflow or underflow to -inf."""
    return -softplus(-x)


def _log_softmax_impl(x: Any, axis: tuple[int, ...]) -> Any:
    z = x - np.max(x, axis=axis, keepdims=True)
    return z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))


def _log_softmax_vjp(ct: Any, ans: Any, axis: tuple[int, ...]) -> Any:
    # d/dx_j (x_i - logsumexp(x)) = delta_ij - softmax_j
    return ct - wnp.exp(ans) * wnp.sum(ct, axis=axis, keepdims=True)


def _log_softmax_jvp(tangents: tuple, ans: Any, x: Any, axis: tuple[int, ...]) -> Any:
    t = tangents[0]
    return t - wnp.sum(wnp.exp(ans) * t, axis=axis, keepdims=True)


#: one tape node for the whole log-softmax (rules in wengert ops, so they differentiate again)
log_softmax_p = Primitive("log_softmax", _log_softmax_impl)
log_softmax_p.defvjp(_log_softmax_vjp, save="ans")
log_softmax_p.defjvp(_log_softmax_jvp)
log_softmax_p.batch = lambda vals, batched, size, axis: log_softmax_p.bind(vals[0], axis=tuple(a + 1 for a in axis))


def _axes(axis: Any, ndim: int, name: str) -> tuple[int, ...]:
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        a = int(a)
        if not -ndim <= a < ndim:
            raise ValueError(f"{name}: axis {a} is out of bounds for an array of dimension {ndim}")
        out.append(a % ndim)
    if len(set(out)) != len(out) or not out:
        raise ValueError(f"{name}: axis must name distinct axes, got {axis!r}")
    return tuple(sorted(out))


def _as_float(x: Any, name: str) -> Any:
    if isinstance(x, Tracer):
        return x
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        if np.issubdtype(x.dtype, np.complexfloating):
            raise TypeError(f"{name}: complex input is not supported")
        x = x.astype(np.float64)
    return x


def log_softmax(x: Any, axis: int | tuple[int, ...] = -1) -> Any:
    """``x - logsumexp(x, axis)``, computed with the maximum along ``axis`` subtracted (so
    large logits do not overflow).  One primitive: its derivative ``ct - softmax(x) *
    sum(ct, axis)`` is a few operations instead of the backward pass of six."""
    x = _as_float(x, "log_softmax")
    return log_softmax_p.bind(x, axis=_axes(axis, len(np.shape(x)), "log_softmax"))


def softmax(x: Any, axis: int | tuple[int, ...] = -1) -> Any:
    """``exp(x) / sum(exp(x), axis)``, computed as ``exp(log_softmax(x, axis))``."""
    return wnp.exp(log_softmax(x, axis))


# --------------------------------------------------------------------------- losses, metrics


def _reduce(v: Any, reduction: str, name: str) -> Any:
    if reduction == "mean":
        return wnp.mean(v)
    if reduction == "sum":
        return wnp.sum(v)
    if reduction == "none":
        return v
    raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _dtype(x: Any) -> np.dtype:
    return x.dtype if isinstance(x, Tracer) else np.asarray(x).dtype


# ``scale * sum(labels * log_softmax(logits))`` as one primitive (the reductions "mean" and
# "sum" of softmax_cross_entropy, with scale = -1/n or -1): one tape node whose backward is
# ``scale * ct * (labels - sum(labels) * softmax)``, as fused as PyTorch's cross_entropy.
# ``normalized=True`` says that every row of ``labels`` sums to 1 (one-hot labels built from
# integers), which saves that sum.  The reverse-mode forward keeps ``log_softmax(logits)``
# for the backward pass.


def _xent_impl(logits: Any, labels: Any, *, scale: float, axis: tuple, normalized: bool) -> Any:
    return np.sum(labels * _log_softmax_impl(logits, axis)) * scale


def _xent_fwd(logits: Any, labels: Any, *, scale: float, axis: tuple, normalized: bool) -> tuple:
    logp = log_softmax_p.bind(logits, axis=axis)
    return wnp.sum(labels * logp) * scale, (logits, labels, logp)


def _xent_dlogits(labels: Any, logp: Any, axis: tuple, normalized: bool) -> Any:
    p = wnp.exp(logp)
    return labels - (p if normalized else wnp.sum(labels, axis=axis, keepdims=True) * p)


def _xent_vjp_logits(
    ct: Any, ans: Any, logits: Any, labels: Any, logp: Any = None, *, scale: float, axis: tuple, normalized: bool
) -> Any:
    if logp is None:
        logp = log_softmax_p.bind(logits, axis=axis)
    return _xent_dlogits(labels, logp, axis, normalized) * (ct * scale)


def _xent_vjp_labels(
    ct: Any, ans: Any, logits: Any, labels: Any, logp: Any = None, *, scale: float, axis: tuple, normalized: bool
) -> Any:
    if logp is None:
        logp = log_softmax_p.bind(logits, axis=axis)
    return logp * (ct * scale)


def _xent_jvp(tangents: tuple, ans: Any, logits: Any, labels: Any, *, scale: float, axis: tuple, normalized: bool) -> Any:
    t_logits, t_labels = tangents
    logp = log_softmax_p.bind(logits, axis=axis)
    out = None
    if t_logits is not None:
        out = wnp.sum(_xent_dlogits(labels, logp, axis, normalized) * t_logits) * scale
    if t_labels is not None:
        t = wnp.sum(logp * t_labels) * scale
        out = t if out is None else out + t
    return out


def _xent_batch(vals: list, batched: list, size: int, *, scale: float, axis: tuple, normalized: bool) -> Any:
    logits, labels = vals
    if batched[0]:
        logp = log_softmax_p.bind(logits, axis=(len(np.shape(logits)) - 1,))
    else:
        logp = log_softmax_p.bind(logits, axis=axis)
    prod = labels * logp  # an unbatched operand broadcasts against the batched one
    return wnp.sum(prod, axis=tuple(range(1, len(np.shape(prod))))) * scale


softmax_xent_p = Primitive("softmax_cross_entropy", _xent_impl)
softmax_xent_p.defvjp(_xent_vjp_logits, _xent_vjp_labels)
softmax_xent_p.fwd = _xent_fwd
softmax_xent_p.defjvp(_xent_jvp)
softmax_xent_p.batch = _xent_batch


def softmax_cross_entropy(logits: Any, labels: Any, reduction: str = "mean") -> Any:
    """Cross-entropy of ``softmax(logits)`` (classes on the last axis) against ``labels``:
    integer class indices of shape ``logits.shape[:-1]``, or probabilities (one-hot or soft)
    of ``logits``' shape.  Computed from ``log_softmax``, so large logits do not overflow.
    ``reduction``: ``"mean"`` (default) or ``"sum"`` over the examples, or ``"none"``."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"softmax_cross_entropy: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    logits = _as_float(logits, "softmax_cross_entropy")
    shape = tuple(np.shape(logits))
    if not shape:
        raise ValueError("softmax_cross_entropy: logits need a class axis (the last one); got a scalar")
    if not isinstance(labels, (np.ndarray, Tracer)):
        labels = np.asarray(labels)
    kind = labels.dtype.kind
    if kind in "iu":
        if labels.shape != shape[:-1]:
            raise ValueError(
                f"softmax_cross_entropy: integer labels must have shape {shape[:-1]} (logits.shape[:-1]), "
                f"got {labels.shape}"
            )
        k = shape[-1]
        if labels.size and (labels.min() < 0 or labels.max() >= k):
            raise ValueError(
                f"softmax_cross_entropy: labels must be in [0, {k}), got values in [{labels.min()}, {labels.max()}]"
            )
        # a one-hot product: cheaper to differentiate than a gather
        labels = (labels[..., None] == np.arange(k)).astype(_dtype(logits))
        normalized = True
    elif kind == "f":
        normalized = False
        if tuple(labels.shape) != shape:
            raise ValueError(
                f"softmax_cross_entropy: probability labels must have the logits' shape {shape}, got {tuple(labels.shape)}"
            )
    else:
        raise TypeError(f"softmax_cross_entropy: labels must be integers or floats, got dtype {labels.dtype}")
    n = math.prod(shape[:-1])
    axis = (len(shape) - 1,)
    if reduction == "none" or n == 0:
        return _reduce(-wnp.sum(labels * log_softmax(logits, axis=-1), axis=-1), reduction, "softmax_cross_entropy")
    scale = -1.0 / n if reduction == "mean" else -1.0
    return softmax_xent_p.bind(logits, labels, scale=scale, axis=axis, normalized=normalized)


def mean_squared_error(predictions: Any, targets: Any, reduction: str = "mean") -> Any:
    """``mean((predictions - targets) ** 2)`` over all entries (``reduction`` as in
    ``softmax_cross_entropy``)."""
    d = predictions - targets
    return _reduce(d * d, reduction, "mean_squared_error")


mse = mean_squared_error


def accuracy(logits: Any, labels: Any) -> float:
    """Fraction of rows whose largest logit is at the label (integer labels, or one-hot /
    probability labels compared by their own argmax).  Not differentiable: a Python float."""
    if isinstance(logits, Tracer):
        logits = stop_gradient(logits)
    pred = np.asarray(wnp.argmax(logits, axis=-1))
    labels = np.asarray(labels)
    if np.issubdtype(labels.dtype, np.floating) and labels.shape == pred.shape + (np.shape(logits)[-1],):
        labels = np.argmax(labels, axis=-1)
    if labels.shape != pred.shape:
        raise ValueError(f"accuracy: labels of shape {labels.shape} do not match logits of shape {np.shape(logits)}")
    return float(np.mean(pred == labels)) if pred.size else float("nan")


# --------------------------------------------------------------------------- parameter schemas
# (names and value types of each primitive's params: a loaded graph is checked against them)

for _p in (dense_p, relu_p):
    declare(_p)
declare(log_softmax_p, axis=AXES)
declare(softmax_xent_p, scale=REAL, axis=AXES, normalized=BOOL)
