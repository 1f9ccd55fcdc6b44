"""``wengert.scipy``: differentiable versions of parts of SciPy (like ``jax.scipy``).

- ``wengert.scipy.special``: gamma-family, error, logistic, Bessel and information-theory
  functions, incomplete gamma/beta, ``logsumexp``, ``softmax``, ...
- ``wengert.scipy.stats``: ``norm``, ``t``, ``gamma``, ``beta``, ``chi2``, ``poisson``,
  ``bernoulli``, ``dirichlet``, ``multivariate_normal`` with SciPy's argument conventions.
- ``wengert.scipy.linalg``: ``solve_triangular``, ``cho_factor``/``cho_solve``,
  ``lu_factor``/``lu_solve``, ``expm``, ``sqrtm``, ``block_diag``.
- ``wengert.scipy.signal``: ``convolve`` and ``correlate``.

SciPy is an optional dependency of wengert: ``pip install 'wengert[scipy]'``.
"""

from __future__ import annotations

try:
    import scipy  # noqa: F401
    import scipy.special  # noqa: F401
except ImportError as _err:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        "wengert.scipy needs SciPy, which is not installed. Install it with "
        "pip install 'wengert[scipy]' (or pip install scipy)."
    ) from _err

from . import linalg, signal, special, stats  # noqa: E402

__all__ = ["special", "stats", "linalg", "signal"]
