"""A logistic function that numba can vectorise.

numba calls the scalar libm ``exp`` (no SVML in the PyPI llvmlite), which made the
sigmoid about half of the CPU kernels' time. :func:`logistic` evaluates ``exp`` with
plain arithmetic that LLVM turns into SIMD code when it sits in a simple loop::

    exp(x) = 2**n · exp(r),  n = round(x / ln 2),  r = x - n ln 2  (|r| ≤ ln 2 / 2)

with ``ln 2`` split in two (Cody–Waite) so that ``r`` is exact, ``exp(r)`` from its
Taylor polynomial to degree 13 (truncation error below 2e-17 relative), and ``2**n``
built from its IEEE-754 bits. Only ``x ≤ 0`` is needed (the logistic is evaluated through
``exp(-|v|)``). Measured against ``1 / (1 + numpy.exp(-v))``: at most 2.3e-16 absolute
difference over [-745, 745]. Below ``x = -708`` (``exp(x) < 3.3e-308``) the result
stays at ``exp(-708)``, and the logistic of ``v < -708`` is returned as that value
instead of a subnormal number. NaN propagates.

Callers must be compiled with ``error_model="numpy"`` for the division to vectorise.

The logistic's formula itself is :func:`erpsim.engine.equations.logistic` (shared with the
CUDA kernel); this module supplies its exponential for the CPU.
"""
import math

import numpy as np
from numba import njit

from erpsim.engine import equations

_logistic_from_exp = njit(inline="always", error_model="numpy")(equations.logistic)

_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01  # upper bits of ln 2: n · _LN2_HI is exact
_LN2_LO = 1.90821492927058770002e-10
_X_MIN = -708.0


@njit(inline="always", error_model="numpy")
def exp_nonpositive(x):
    """``exp(x)`` for ``x ≤ 0`` (see the module docstring), in float64."""
    x = max(x, _X_MIN)
    n = math.floor(x * _LOG2E + 0.5)
    r = (x - n * _LN2_HI) - n * _LN2_LO
    p = 1.0 / 6227020800.0
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    two_to_n = np.int64((np.int64(n) + 1023) << 52).view(np.float64)
    return p * two_to_n


@njit(inline="always", error_model="numpy")
def logistic(v):
    """σ(v) = 1 / (1 + exp(-v)), in float64 whatever the type of ``v``
    (:func:`erpsim.engine.equations.logistic` with :func:`exp_nonpositive`)."""
    return _logistic_from_exp(v, exp_nonpositive(-abs(np.float64(v))), 1.0)
