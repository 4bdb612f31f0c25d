"""Argument validators shared inside the package (in the style of MNE-Python's).

They are public to the package's own modules (the leading underscore keeps them out
of the user-facing API) and raise errors that name the parameter and what was given:

- :func:`_validate_type` -- ``TypeError`` unless a value has one of the allowed types
  (``"int"`` accepts NumPy integers but not ``bool``);
- :func:`_check_option` -- ``ValueError`` unless a value is one of a fixed set;
- :func:`_check_integer` -- ``ValueError`` unless a value is an integer (NumPy's
  included, ``bool`` not) at least a minimum;
- :func:`_check_times` -- a 1-D, finite, strictly increasing time axis;
- :func:`_check_time_range` -- a ``(lo, hi)`` pair of times that lies within the data.
"""
from __future__ import annotations

import numbers
import os

import numpy as np

#: Named type groups understood by :func:`_validate_type`.
_TYPE_GROUPS = {
    "int": (numbers.Integral,),
    "numeric": (numbers.Real,),
    "str": (str,),
    "path-like": (str, os.PathLike),
    "callable": (),
}


def _type_name(kind):
    return kind if isinstance(kind, str) else ("None" if kind is None else kind.__name__)


def _validate_type(item, types, item_name="value", type_name=None):
    """Raise ``TypeError`` unless ``item`` is an instance of one of ``types``.

    Parameters
    ----------
    item : object
        The value to check.
    types : type, str, None or tuple of them
        Allowed types; the strings ``"int"`` (any integer, NumPy's included, but not
        ``bool``), ``"numeric"`` (any real number but not ``bool``), ``"str"``,
        ``"path-like"`` and ``"callable"``; ``None`` allows ``None``.
    item_name : str
        Name of the parameter, used in the message.
    type_name : str, optional
        How to describe the allowed types in the message (default: their names).

    Returns
    -------
    object
        ``item``, unchanged.

    Raises
    ------
    TypeError
        Naming ``item_name``, the allowed types and the type that was given.
    """
    kinds = types if isinstance(types, tuple) else (types,)
    for kind in kinds:
        if kind is None:
            if item is None:
                return item
        elif kind == "callable":
            if callable(item):
                return item
        elif isinstance(kind, str):
            if kind not in _TYPE_GROUPS:
                raise ValueError(f"unknown type group {kind!r}")
            if isinstance(item, _TYPE_GROUPS[kind]) and not (
                    kind in ("int", "numeric") and isinstance(item, (bool, np.bool_))):
                return item
        elif isinstance(item, kind):
            return item
    if type_name is None:
        names = [_type_name(k) for k in kinds]
        type_name = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    raise TypeError(f"{item_name} must be an instance of {type_name}, "
                    f"got {type(item).__name__} ({item!r})")


def _check_option(parameter, value, allowed):
    """Raise ``ValueError`` unless ``value`` is one of ``allowed``.

    Parameters
    ----------
    parameter : str
        Name of the parameter, used in the message.
    value : object
        The value given.
    allowed : sequence of str
        The accepted values.

    Returns
    -------
    str
        ``value``, unchanged.
    """
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"unknown {parameter} {value!r}; choose one of "
                         f"{', '.join(map(repr, allowed))}")
    return value


def _check_integer(value, name, minimum=None):
    """Raise ``ValueError`` unless ``value`` is an integer ``>= minimum``.

    Parameters
    ----------
    value : object
        Any integer type passes (``int``, ``numpy.int64``, ...); ``bool`` and floats do
        not, even integral ones.
    name : str
        Name of the parameter, used in the message.
    minimum : int or None
        Smallest allowed value.

    Returns
    -------
    int
        ``value`` as a Python ``int``.
    """
    ok = isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))
    if not ok or (minimum is not None and value < minimum):
        bound = "" if minimum is None else f" >= {minimum}"
        raise ValueError(f"{name} must be an integer{bound}, got {value!r}")
    return int(value)


def _check_times(times, n):
    """Validate a time axis of ``n`` samples.

    Parameters
    ----------
    times : array_like, shape (n,)
        Sample times in any unit.
    n : int
        Number of samples of the curve they label.

    Returns
    -------
    numpy.ndarray of float, shape (n,)

    Raises
    ------
    ValueError
        Not 1-D, a length other than ``n``, empty, NaN or infinite values, or not
        strictly increasing.
    """
    times = np.asarray(times, dtype=float)
    if times.ndim != 1:
        raise ValueError(f"times must be 1-D, got shape {times.shape}")
    if times.size != n:
        raise ValueError(
            f"curve and times have mismatched lengths: {n} samples vs {times.size} times")
    if n == 0:
        raise ValueError("the curve is empty")
    if not np.all(np.isfinite(times)):
        raise ValueError("times contain NaN or infinite values")
    if n > 1 and not np.all(np.diff(times) > 0):
        raise ValueError("times must be strictly increasing")
    return times


def _time_tolerance(times):
    """Slack, in the units of ``times``, allowed when comparing a bound with the data."""
    return 1e-9 * max(1.0, abs(times[0]), abs(times[-1]))


def _check_time_range(lo, hi, times, what="window"):
    """Raise ``ValueError`` unless ``lo`` and ``hi`` lie within ``times``.

    Parameters
    ----------
    lo, hi : float
        Inclusive bounds, in the units of ``times``.
    times : numpy.ndarray, shape (n,)
        Checked sample times (:func:`_check_times`).
    what : str
        What the bounds are, for the message (``"search window"``, ``"samples window"``).

    Returns
    -------
    float
        The tolerance used (see :func:`_time_tolerance`), for the caller's mask.
    """
    tol = _time_tolerance(times)
    if lo < times[0] - tol or hi > times[-1] + tol:
        raise ValueError(f"{what} ({lo:g}, {hi:g}) lies outside the data, which span "
                         f"{times[0]:g} to {times[-1]:g}")
    return tol
