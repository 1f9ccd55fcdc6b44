"""The primitive ops, one module per family; importing this package registers them all."""

from ..core import reverse as _reverse
from . import contract, elementwise, indexing, reduce, shape  # noqa: F401

_reverse.set_add_primitive(elementwise.add_p)
