"""Reading curves for the analyses: the time dimension and ``(values, times)`` of a
NumPy array or an :class:`xarray.DataArray` (shared by windows and spectra)."""
import numpy as np
import xarray as xr

from erpsim.utils.check import _check_times

#: Units of the known time coordinates.
TIME_UNITS = {"tick": "tick", "time_ms": "ms"}


def time_dim(arr, dim=None):
    """Name of the time dimension of a DataArray.

    Parameters
    ----------
    arr : xarray.DataArray
    dim : str or None
        The name, if given (checked); else the one of ``tick`` / ``time_ms`` present.

    Returns
    -------
    str
    """
    if dim is not None:
        if dim not in arr.dims:
            raise ValueError(f"dimension {dim!r} not found; the array has dims {arr.dims}")
        return dim
    found = [d for d in TIME_UNITS if d in arr.dims]
    if len(found) != 1:
        raise ValueError(
            "cannot tell the time dimension of an array with dims "
            f"{arr.dims}: expected exactly one of 'tick' or 'time_ms'; pass dim=")
    return found[0]


def as_curve(curve, times, dim, unit, *, one_d=True):
    """Return ``(values, times, unit, time_dim)`` from a NumPy array or a DataArray.

    Parameters
    ----------
    curve : array_like, shape (..., n_times), or xarray.DataArray
        For NumPy input the time axis is the last axis; a DataArray's time dimension
        (:func:`time_dim`) is moved last.
    times : array_like, shape (n_times,), or None
        Sample times; required for NumPy input, not allowed with a DataArray.
    dim : str or None
        Time dimension of a DataArray.
    unit : str or None
        Unit of the times (default from the DataArray's time dimension, else ``""``).
    one_d : bool
        Require a single curve.

    Returns
    -------
    values : numpy.ndarray of float, shape (..., n_times)
    times : numpy.ndarray of float, shape (n_times,)
        Checked: finite and strictly increasing.
    unit : str
    time_dim : str or None
        None for NumPy input.
    """
    if isinstance(curve, xr.DataArray):
        if times is not None:
            raise ValueError("give either a DataArray (times taken from its coordinate) "
                             "or an array with times=, not both")
        tdim = time_dim(curve, dim)
        if one_d and curve.ndim != 1:
            other = [d for d in curve.dims if d != tdim]
            raise ValueError(
                f"expected a single curve over {tdim!r}, but the array also has dims "
                f"{other}; select or average them first (or use model_window / human_window)")
        arr = curve.transpose(..., tdim)
        values = np.asarray(arr.values, dtype=float)
        if tdim in arr.coords:
            t = arr[tdim].values
        else:
            t = np.arange(arr.sizes[tdim])
        times = _check_times(t, values.shape[-1])
        if unit is None:
            unit = TIME_UNITS.get(tdim, tdim)
        return values, times, unit, tdim
    if times is None:
        raise ValueError("times are required when the curve is a NumPy array")
    values = np.asarray(curve, dtype=float)
    if values.ndim == 0:
        raise ValueError("the curve must be an array of samples, got a scalar")
    if one_d and values.ndim != 1:
        raise ValueError(f"expected a 1-D curve, got shape {values.shape}")
    times = _check_times(times, values.shape[-1])
    return values, times, ("" if unit is None else unit), None
