"""Testing helpers: ``check_grads`` (AD against numerical derivatives with error estimates;
implemented in ``wengert.numeric``)."""

from .numeric import check_grads

__all__ = ["check_grads"]
