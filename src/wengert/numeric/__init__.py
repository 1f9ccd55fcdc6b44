"""``wengert.numeric``: numerical differentiation done properly.

Finite differences of any derivative order and accuracy order (stencils computed exactly),
a default step per coordinate that balances truncation and rounding, an adaptive search over
steps with Richardson extrapolation and an error estimate (``result.value``,
``result.error``), the complex step for real-analytic functions, ``check_grads`` comparing
wengert's AD with all of this, and ``blackbox`` to put untraceable functions inside AD.
See docs/numeric.md.
"""

from ._points import ComplexStepError
from .blackbox import NumericalDerivativeWarning, blackbox
from .check import check_grads
from .derivatives import derivative, directional, gradient, hessian, jacobian
from .finite_diff import default_step, fd_weights, stencil
from .richardson import Estimate

__all__ = [
    "ComplexStepError",
    "NumericalDerivativeWarning",
    "blackbox",
    "check_grads",
    "Estimate",
    "default_step",
    "derivative",
    "directional",
    "fd_weights",
    "gradient",
    "hessian",
    "jacobian",
    "stencil",
]
