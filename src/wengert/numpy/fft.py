"""``wengert.numpy.fft``: NumPy's ``np.fft``, differentiable (JAX's complex convention,
docs/complex.md).  Plain ``np.fft.*`` calls on traced values arrive here too."""

from ..ops.fft import (  # noqa: F401
    __all__,  # noqa: E402,F401  (the same public names)
    fft,
    fft2,
    fftfreq,
    fftn,
    fftshift,
    hfft,
    ifft,
    ifft2,
    ifftn,
    ifftshift,
    ihfft,
    irfft,
    irfft2,
    irfftn,
    rfft,
    rfft2,
    rfftfreq,
    rfftn,
)
from . import _dispatch


def _register() -> None:
    import numpy as _np


    for name in __all__:
        f = getattr(_np.fft, name, None)
        if f is not None and f not in _dispatch._FUNCS:
            _dispatch._FUNCS[f] = globals()[name]


_register()
