"""Ready-made training runs (for the examples and the command line): see ``digits``."""

from __future__ import annotations

from .digits import DigitsResult, load_digits_split, plot_history, train_digits

__all__ = ["train_digits", "DigitsResult", "load_digits_split", "plot_history"]
