"""Learning-rate schedules: callables ``step -> learning rate``.

``step`` counts the updates already taken (0 for the first update).  Every optimizer accepts a
schedule wherever it accepts a number for the learning rate, and calls it once per update
with the count kept in its state, so the schedule itself holds no state.  Schedules compose:
``warmup(cosine_decay(1e-3, 1000), 100)`` ramps up linearly for 100 steps and then follows
the cosine (counted from the end of the warm-up).
"""

from __future__ import annotations

import abc
import math
from collections.abc import Callable

__all__ = [
    "Schedule",
    "constant",
    "step_decay",
    "exponential_decay",
    "cosine_decay",
    "warmup",
    "as_schedule",
]

#: a learning rate: a number, or a callable ``step -> number``
LearningRate = float | Callable[[int], float]


class Schedule(abc.ABC):
    """Base class of the built-in schedules: ``schedule(step) -> float``."""

    @abc.abstractmethod
    def __call__(self, step: int) -> float:
        """The learning rate for update number ``step`` (0-based)."""

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


def _check_step(step: int) -> int:
    step = int(step)
    if step < 0:
        raise ValueError(f"schedule: step must be >= 0, got {step}")
    return step


class constant(Schedule):  # noqa: N801  (used like a function)
    """The same learning rate at every step."""

    def __init__(self, lr: float) -> None:
        self.lr = float(lr)

    def __call__(self, step: int) -> float:
        _check_step(step)
        return self.lr


class step_decay(Schedule):  # noqa: N801
    """``lr * gamma ** (step // step_size)``: multiplied by ``gamma`` every ``step_size``
    steps (PyTorch's ``StepLR``)."""

    def __init__(self, lr: float, step_size: int, gamma: float = 0.1) -> None:
        if int(step_size) < 1:
            raise ValueError(f"step_decay: step_size must be >= 1, got {step_size}")
        self.lr, self.step_size, self.gamma = float(lr), int(step_size), float(gamma)

    def __call__(self, step: int) -> float:
        return self.lr * self.gamma ** (_check_step(step) // self.step_size)


class exponential_decay(Schedule):  # noqa: N801
    """``lr * decay_rate ** (step / decay_steps)``, or with ``staircase=True``
    ``lr * decay_rate ** (step // decay_steps)``; never below ``end_value`` when given."""

    def __init__(
        self, lr: float, decay_rate: float, decay_steps: int = 1, staircase: bool = False, end_value: float | None = None
    ) -> None:
        if int(decay_steps) < 1:
            raise ValueError(f"exponential_decay: decay_steps must be >= 1, got {decay_steps}")
        if not float(decay_rate) > 0:
            raise ValueError(f"exponential_decay: decay_rate must be > 0, got {decay_rate}")
        self.lr, self.decay_rate, self.decay_steps = float(lr), float(decay_rate), int(decay_steps)
        self.staircase = bool(staircase)
        self.end_value = None if end_value is None else float(end_value)

    def __call__(self, step: int) -> float:
        step = _check_step(step)
        p = step // self.decay_steps if self.staircase else step / self.decay_steps
        lr = self.lr * self.decay_rate**p
        if self.end_value is not None:
            lr = max(lr, self.end_value) if self.decay_rate < 1 else min(lr, self.end_value)
        return lr


class cosine_decay(Schedule):  # noqa: N801
    """Half a cosine from ``lr`` at step 0 to ``alpha * lr`` at ``decay_steps``, then flat:
    ``lr * (alpha + (1 - alpha) * (1 + cos(pi * min(step, decay_steps) / decay_steps)) / 2)``."""

    def __init__(self, lr: float, decay_steps: int, alpha: float = 0.0) -> None:
        if int(decay_steps) < 1:
            raise ValueError(f"cosine_decay: decay_steps must be >= 1, got {decay_steps}")
        self.lr, self.decay_steps, self.alpha = float(lr), int(decay_steps), float(alpha)

    def __call__(self, step: int) -> float:
        t = min(_check_step(step), self.decay_steps) / self.decay_steps
        return self.lr * (self.alpha + (1.0 - self.alpha) * 0.5 * (1.0 + math.cos(math.pi * t)))


class warmup(Schedule):  # noqa: N801
    """Linear warm-up from ``init_value`` to the schedule's first value over
    ``warmup_steps`` steps, then ``schedule(step - warmup_steps)``.

    ``schedule`` may be a number (a constant learning rate after the warm-up)."""

    def __init__(self, schedule: LearningRate, warmup_steps: int, init_value: float = 0.0) -> None:
        if int(warmup_steps) < 0:
            raise ValueError(f"warmup: warmup_steps must be >= 0, got {warmup_steps}")
        self.schedule = as_schedule(schedule)
        self.warmup_steps, self.init_value = int(warmup_steps), float(init_value)

    def __call__(self, step: int) -> float:
        step = _check_step(step)
        if step < self.warmup_steps:
            peak = float(self.schedule(0))
            return self.init_value + (peak - self.init_value) * step / self.warmup_steps
        return float(self.schedule(step - self.warmup_steps))


def as_schedule(lr: LearningRate) -> Callable[[int], float]:
    """A callable schedule from a number or a callable (returned unchanged)."""
    if callable(lr):
        return lr
    try:
        return constant(float(lr))
    except (TypeError, ValueError):
        raise TypeError(f"a learning rate must be a number or a callable step -> lr, got {lr!r}") from None
