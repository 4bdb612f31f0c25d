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

float32: :func:`logistic` of a float32 argument computes in float32 throughout, with
:func:`exp_nonpositive_f32` (the same reduction with float32 Cody–Waite constants, and
the degree-5 minimax polynomial of Cephes' ``expf`` instead of the degree-13 Taylor
one), so that a float32 loop runs on twice the SIMD lanes. Measured against the float64
logistic: at most 9e-8 absolute difference (1.5 float32 ulps of 0.5) over [-100, 100],
at most 2e-7 relative where σ(v) ≥ 1e-30 (``tests/test_float32.py``). Below ``x = -87`` (``exp(x) < 1.7e-38``, the
smallest normal float32 is 1.2e-38) the result stays at ``exp(-87)``. Every other
argument type takes the float64 path, bit for bit as before.
"""
import math

import numpy as np
from numba import njit, types
from numba.extending import overload

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


# float32 constants (numba types a Python float as float64, which would promote)
_F32 = np.float32
_LOG2E_F32 = _F32(1.4426950408889634)
_LN2_HI_F32 = _F32(0.693359375)       # 8 significant bits: n · _LN2_HI_F32 is exact
_LN2_LO_F32 = _F32(-2.12194440e-4)
_X_MIN_F32 = _F32(-87.0)
_HALF_F32, _ONE_F32 = _F32(0.5), _F32(1.0)
_EXPF_POLY = tuple(_F32(c) for c in (1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3,
                                     4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1))
_BIAS_F32, _SHIFT_F32 = np.int32(127), np.int32(23)


@njit(inline="always", error_model="numpy")
def exp_nonpositive_f32(x):
    """``exp(x)`` for float32 ``x ≤ 0``, in float32 (see the module docstring).

    ``exp(r) ≈ 1 + r + r² P(r)`` with Cephes' degree-5 minimax ``P`` on
    ``|r| ≤ ln 2 / 2`` (about 1 ulp); ``2**n`` from its IEEE-754 bits (n ≥ -126).
    """
    x = max(x, _X_MIN_F32)
    n = np.floor(x * _LOG2E_F32 + _HALF_F32)
    r = (x - n * _LN2_HI_F32) - n * _LN2_LO_F32
    c0, c1, c2, c3, c4, c5 = _EXPF_POLY
    p = c0
    p = p * r + c1
    p = p * r + c2
    p = p * r + c3
    p = p * r + c4
    p = p * r + c5
    p = (p * r) * r + r + _ONE_F32
    two_to_n = np.int32((np.int32(n) + _BIAS_F32) << _SHIFT_F32).view(np.float32)
    return p * two_to_n


def cast_like(x, a):
    """``x`` in the working precision of ``a`` (a float32 array or scalar: float32; any
    other: ``x`` unchanged). For use in compiled code only: a float literal written
    directly would be float64 and promote a float32 computation."""
    raise NotImplementedError("cast_like is for numba-compiled code")


@overload(cast_like, inline="always")
def _cast_like(x, a):
    kind = a.dtype if isinstance(a, types.Array) else a
    if kind == types.float32:
        return lambda x, a: np.float32(x)
    return lambda x, a: x


def _exp_neg_abs(v):
    raise NotImplementedError("_exp_neg_abs is for numba-compiled code")


@overload(_exp_neg_abs, inline="always")
def _exp_neg_abs_impl(v):
    """``exp(-|v|)``: float32 for a float32 ``v``, float64 for anything else."""
    if v == types.float32:
        return lambda v: exp_nonpositive_f32(-abs(v))
    return lambda v: exp_nonpositive(-abs(np.float64(v)))


@njit(inline="always", error_model="numpy")
def logistic(v):
    """σ(v) = 1 / (1 + exp(-v)): in float32 for a float32 ``v``
    (:func:`exp_nonpositive_f32`), in float64 for any other type
    (:func:`exp_nonpositive`); :func:`erpsim.engine.equations.logistic` with that
    exponential."""
    return _logistic_from_exp(v, _exp_neg_abs(v), cast_like(1.0, v))
