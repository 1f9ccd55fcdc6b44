"""Error classes: every error wengert raises on purpose subclasses ``WengertError``."""

from __future__ import annotations

__all__ = ["WengertError", "NoRuleError", "TracerConversionError", "CustomRuleError"]


class WengertError(Exception):
    """Base class of wengert's own errors."""


class NoRuleError(WengertError, TypeError, NotImplementedError):
    """A function or primitive has no derivative rule (or no wengert implementation).  Also a
    ``NotImplementedError``, which is what code written for HIPS autograd catches."""


class TracerConversionError(WengertError, TypeError):
    """A traced value was converted to a plain Python/NumPy value, which would drop its
    derivative silently."""


class CustomRuleError(WengertError, ValueError):
    """A user-supplied derivative rule returned the wrong structure, shape or dtype."""
