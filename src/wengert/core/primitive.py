"""Primitives, tracers, traces and the one dispatch rule that joins them.

A ``Primitive`` is an elementary operation: a name, an ``impl`` (the NumPy computation) and
derivative rules.  Calling ``prim.bind(*args, **params)`` finds the trace with the highest
level among the tracers in ``args`` and lets it process the call; with no tracers it simply
runs ``impl``.  Values of lower levels are ordinary values to a trace, which is what keeps
nested differentiation free of perturbation confusion.

Rules:
- ``vjps``: one function per positional argument, ``vjp_i(ct, ans, *args, **params)``
  returning the cotangent of argument ``i`` (``None`` in the tuple for an argument that is
  not differentiable).  What the tape keeps for them is set by ``save``.
- ``vjp_all``: alternatively one function returning the cotangents of all arguments at once
  (used by multiple-result primitives, custom rules and overrides).
- ``jvp``: ``jvp(tangents, ans, *args, **params)`` with ``tangents`` a tuple holding ``None``
  for arguments that carry no tangent; returns the output tangent (forward mode).
All rules are written with wengert's own (differentiable) ops, so rules can be
differentiated again and can build graphs.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import TracerConversionError, WengertError

__all__ = [
    "Primitive",
    "Tracer",
    "Trace",
    "SAVE_ARGS",
    "SAVE_ANS",
    "SAVE_SHAPES",
    "SAVE_NONE",
    "SAVE_BOTH",
    "state",
    "new_level",
    "top_trace",
]

# What the reverse tape keeps of a call for its VJP rules (bit flags).
SAVE_NONE = 0
SAVE_ARGS = 1  # the argument values
SAVE_ANS = 2  # the output value
SAVE_BOTH = SAVE_ARGS | SAVE_ANS
SAVE_SHAPES = 4  # only the argument shapes (rules receive shapes in place of arguments)

_SAVE_NAMES = {
    "none": SAVE_NONE,
    "args": SAVE_ARGS,
    "ans": SAVE_ANS,
    "both": SAVE_BOTH,
    "shapes": SAVE_SHAPES,
    "ans+shapes": SAVE_ANS | SAVE_SHAPES,
}


class _State(threading.local):
    """Per-thread state: the stack of active traces and the gradient overrides in scope.

    ``overrides`` maps a primitive name to the primitive standing in for it;
    ``override_key`` is a hashable summary of that scope, ``(name, id(rule))`` pairs sorted
    by name: ``jit`` keys its cache on it, since a trace records the rules in scope.
    """

    def __init__(self) -> None:
        self.stack: list[Trace] = []
        self.overrides: dict[str, Any] = {}
        self.override_key: tuple = ()


state = _State()
_level_counter = itertools.count(1)
# Number of gradient_override scopes open in any thread: lets the hot path skip the
# per-thread lookup when none is (the common case).
overrides_in_use = 0
_overrides_lock = threading.Lock()


def enter_overrides(overrides: dict[str, Any], key: tuple) -> tuple:
    """Make ``overrides`` (with its ``key``) the gradient overrides in scope in this thread.

    Returns what ``exit_overrides`` needs to restore the previous scope.  Used by
    ``gradient_override`` and by ``jit``, which reinstates the scope a call was recorded in
    when its derivative rules run later.
    """
    global overrides_in_use
    old = (state.overrides, state.override_key)
    state.overrides = overrides
    state.override_key = key
    with _overrides_lock:
        overrides_in_use += 1
    return old


def exit_overrides(old: tuple) -> None:
    """Restore the scope saved by ``enter_overrides``."""
    global overrides_in_use
    state.overrides, state.override_key = old
    with _overrides_lock:
        overrides_in_use -= 1


def top_trace(values: Sequence[Any]) -> Trace | None:
    """The innermost trace among the tracers in ``values`` (None when there are none): the
    one that processes a call of them (``Primitive.bind`` inlines this on its hot path)."""
    top = None
    for x in values:
        if isinstance(x, Tracer):
            t = x._trace
            if top is None or t.level > top.level:
                top = t
    return top


def new_level() -> int:
    """A fresh trace level; later levels nest inside earlier ones."""
    return next(_level_counter)


# What a primitive is, beyond how it computes and differentiates (``Primitive.describe``).
_DESCRIPTION_DEFAULTS: dict[str, Any] = {
    # elementwise in every argument (broadcasting): batching aligns ranks and applies it
    "elementwise": False,
    # the NumPy spelling of a call without params, e.g. "np.exp" (code generation)
    "numpy": None,
    # a Python operator: "+" (binary; "-" on a one-argument op is prefix), e.g. in generated code
    "infix": None,
    # precedence for math printers (higher binds tighter; None: printed as a function call)
    "prec": None,
    # the name math printers use and the parser reads, e.g. "abs" for absolute
    "math": None,
    # the LaTeX command, e.g. r"\sin" (None: \operatorname{math})
    "latex": None,
    # every name the expression parser accepts for it (none: not in the parser's whitelist)
    "parse_names": (),
    # the number of array arguments (None: variable), for the parser's arity check
    "nargs": None,
    # its result is a new array, never a view of an argument (in-place reuse is safe)
    "fresh": False,
    # a ufunc that may write its result into a dying operand (``out=``)
    "inplace": False,
    # its result is boolean (comparisons, predicates)
    "boolean": False,
    # simplification may fold it when every operand is a number (exact enough)
    "foldable": False,
    # its result is finite whenever its arguments are (so ``x*0 -> 0`` is valid)
    "finite": False,
    # source(args, params, em) -> str | None: NumPy source for a call with params (ops/_util.py)
    "source": None,
}


class Primitive:
    """An elementary operation with its implementation and derivative rules.

    ``name`` identifies it (printing, overrides, serialization); ``impl(*args, **params)``
    computes it with NumPy calls that dispatch (so lower trace levels see them).
    ``nondiff=True`` marks operations whose output carries no derivative (comparisons,
    argmax, ...): traces run them on the underlying values and record nothing.
    """

    __slots__ = (
        "name",
        "impl",
        "vjps",
        "vjp_all",
        "jvp",
        "save",
        "nondiff",
        "multiple_results",
        "partials",
        "batch",
        "fwd",
        "param_schema",
        # what the primitive is (read by codegen, printers, the parser, passes, batching)
        *_DESCRIPTION_DEFAULTS,
        "__weakref__",
    )

    registry: dict[str, Primitive] = {}

    def __init__(
        self,
        name: str,
        impl: Callable[..., Any],
        *,
        nondiff: bool = False,
        multiple_results: bool = False,
        register: bool = True,
    ) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"Primitive: name must be a non-empty string, got {name!r}")
        if not callable(impl):
            raise TypeError(f"Primitive {name!r}: impl must be callable, got {impl!r}")
        self.name = name
        self.impl = impl
        self.vjps: tuple | None = None
        self.vjp_all: Callable[..., Any] | None = None
        self.jvp: Callable[..., Any] | None = None
        self.save = SAVE_BOTH
        self.nondiff = nondiff
        self.multiple_results = multiple_results
        self.partials: tuple | None = None
        self.batch: Callable[..., Any] | None = None  # vmap rule (see core/batching.py)
        # Optional reverse-mode forward: fwd(*args, **params) -> (ans, residuals); the tape
        # then keeps the residuals in place of the arguments (e.g. scan's carries).
        self.fwd: Callable[..., Any] | None = None
        # Names and value types of the params (see core/schema.py); None: undeclared, so a
        # loaded graph may not use this primitive.
        self.param_schema: Any = None
        for field, default in _DESCRIPTION_DEFAULTS.items():
            setattr(self, field, default)
        if register:
            if name in Primitive.registry:
                raise WengertError(f"a primitive named {name!r} already exists; choose another name")
            Primitive.registry[name] = self

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"

    def bind(self, *args: Any, **params: Any) -> Any:
        """Apply the primitive: the highest trace among the arguments processes it."""
        top = None
        for a in args:
            if isinstance(a, Tracer):
                t = a._trace
                if top is None or t.level > top.level:
                    top = t
        if top is None:
            return self.impl(*args, **params)
        return top.process(self, args, params)

    __call__ = bind

    # -- description ----------------------------------------------------------------------
    def describe(self, **fields: Any) -> Primitive:
        """Say what the primitive is, for everything that reads ops instead of running them.

        Fields (all optional; see ``_DESCRIPTION_DEFAULTS`` for their meaning and defaults):
        ``elementwise``, ``numpy``, ``infix``, ``prec``, ``math``, ``latex``, ``parse_names``,
        ``nargs``, ``fresh``, ``inplace``, ``boolean``, ``foldable``, ``finite``, ``source``.
        Code generation, the printers, the parser, the rewrite passes, batching and the CLI
        derive from these, so adding an op is one call here, next to its rules.
        """
        for field, value in fields.items():
            if field not in _DESCRIPTION_DEFAULTS:
                raise TypeError(
                    f"Primitive {self.name!r}.describe: unknown field {field!r}; the fields are "
                    f"{', '.join(_DESCRIPTION_DEFAULTS)}"
                )
            setattr(self, field, value)
        if self.inplace:
            self.fresh = True  # an op that can write into its operand's buffer makes a new one
        return self

    def description(self) -> dict[str, Any]:
        """The description fields (for copies: gradient overrides keep what the op is)."""
        return {field: getattr(self, field) for field in _DESCRIPTION_DEFAULTS}

    # -- rule definition -------------------------------------------------------------------
    def defvjp(self, *vjps: Callable[..., Any] | None, save: str = "both") -> Primitive:
        """Set per-argument VJP rules ``vjp_i(ct, ans, *args, **params) -> ct_i``.

        ``save`` says what the tape keeps for them: ``"both"`` (arguments and output),
        ``"args"``, ``"ans"``, ``"shapes"`` (rules get argument shapes in place of the
        arguments) or ``"none"``; keeping less saves memory on long tapes.
        """
        self.vjps = tuple(vjps)
        self.vjp_all = None
        self.save = _save_flag(self.name, save)
        return self

    def defvjp_all(self, vjp_all: Callable[..., Any], save: str = "both") -> Primitive:
        """Set one VJP rule ``vjp_all(ct, ans, *args, **params)`` returning a tuple with
        the cotangent of every positional argument (``None`` for no gradient)."""
        self.vjp_all = vjp_all
        self.vjps = None
        self.save = _save_flag(self.name, save)
        return self

    def defjvp(self, jvp: Callable[..., Any]) -> Primitive:
        """Set the JVP rule ``jvp(tangents, ans, *args, **params) -> tangent_out`` where
        ``tangents`` has ``None`` for arguments without a tangent."""
        self.jvp = jvp
        return self


def _save_flag(name: str, save: str | int) -> int:
    if isinstance(save, int):
        return save
    try:
        return _SAVE_NAMES[save]
    except KeyError:
        raise ValueError(f"primitive {name!r}: save must be one of {sorted(_SAVE_NAMES)}, got {save!r}") from None


class Trace:
    """One level of transformation.  Subclasses implement ``process``."""

    __slots__ = ("level", "alive", "__weakref__")

    def __init__(self) -> None:
        self.level = new_level()
        self.alive = True

    def process(self, prim: Primitive, args: Sequence[Any], params: dict) -> Any:
        raise NotImplementedError  # pragma: no cover - abstract

    def __enter__(self) -> Trace:
        state.stack.append(self)
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self.alive = False
        stack = state.stack
        if stack and stack[-1] is self:
            stack.pop()
        else:  # pragma: no cover - defensive: unbalanced exits
            try:
                stack.remove(self)
            except ValueError:
                pass
        if exc_type is ValueError and isinstance(exc.__cause__, TracerConversionError):
            # NumPy turns the tracer's refusal to become a float (`a[i] = x` with `a` a
            # plain ndarray) into "setting an array element with a sequence": say what it is.
            raise TracerConversionError(_ASSIGN_MESSAGE) from exc


_ASSIGN_MESSAGE = (
    "a traced value was assigned into a plain NumPy array (`a[i] = x` where `a` comes from "
    "np.zeros, wengert.numpy.zeros or another ndarray): NumPy arrays cannot hold values being "
    "differentiated, so the derivative would be lost. Build the array functionally instead: "
    "`a = wengert.numpy.at(a)[i].set(x)` (or `a = a.at[i].set(x)` once `a` is traced), or "
    "collect the pieces in a list and use wengert.numpy.stack / wengert.numpy.concatenate."
)


class Tracer:
    """A value under transformation: wraps the value seen by its trace.

    The operator methods (arithmetic, indexing, NumPy protocols) are attached by
    ``wengert.ops`` so that they call wengert primitives.
    """

    __slots__ = ("_trace",)
    __array_priority__ = 1000

    @property
    def primal(self) -> Any:
        """The underlying value (possibly a tracer of a lower level)."""
        raise NotImplementedError  # pragma: no cover - abstract

    def full_lower(self) -> Any:
        """The plain value below every trace (drops all derivative information)."""
        v = self
        while isinstance(v, Tracer):
            v = v.primal
        return v
