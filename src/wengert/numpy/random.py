"""``wengert.numpy.random``: NumPy's random number generation, so that code written as
``import autograd.numpy.random as npr`` ports by changing the import.  Random draws are
constants to differentiation (their distribution's parameters are not differentiated:
write ``mu + sigma * npr.standard_normal(shape)`` to differentiate through a sample)."""

from __future__ import annotations

import numpy.random as _random

__all__ = sorted(n for n in dir(_random) if not n.startswith("_"))
globals().update({n: getattr(_random, n) for n in __all__})
