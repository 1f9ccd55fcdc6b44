"""wengert: derivatives of ordinary Python/NumPy code — automatic (reverse mode on an eager
tape), with the evaluation trace (the Wengert list) at the centre of every method."""

from . import numpy  # noqa: F401  (installs operators and NumPy protocols on tracers)
from .api import (
    elementwise_grad,
    grad,
    hessian,
    hvp,
    jacfwd,
    jacobian,
    jacrev,
    jvp,
    linearize,
    stop_gradient,
    value_and_grad,
    vjp,
    vmap,
)
from .core.primitive import Primitive, Tracer
from .custom import custom_jvp, custom_vjp, gradient_override, primitive
from .errors import CustomRuleError, NoRuleError, TracerConversionError, WengertError
from .graph import Graph, jit, trace
from .numeric import check_grads
from .tree import register_pytree_node, tree_flatten, tree_leaves, tree_map, tree_structure, tree_unflatten

__version__ = "0.1.0"

__all__ = [
    "Primitive",
    "Tracer",
    "check_grads",
    "custom_vjp",
    "custom_jvp",
    "jvp",
    "jacfwd",
    "jacobian",
    "hessian",
    "hvp",
    "linearize",
    "vmap",
    "jit",
    "trace",
    "Graph",
    "elementwise_grad",
    "grad",
    "gradient_override",
    "jacrev",
    "primitive",
    "register_pytree_node",
    "stop_gradient",
    "tree_flatten",
    "tree_leaves",
    "tree_map",
    "tree_structure",
    "tree_unflatten",
    "value_and_grad",
    "vjp",
    "WengertError",
    "NoRuleError",
    "TracerConversionError",
    "CustomRuleError",
    "__version__",
]
