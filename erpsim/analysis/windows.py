"""Full-width-at-half-maximum (FWHM) windows of the N400 and window means.

The rule (docs/model.md §7, ``fig2.md``): within the N400 search window take the curve
oriented so that the N400 is positive, set the half level midway between its minimum
and maximum there (or at half the maximum), and keep the contiguous stretch of samples
at or above the half level that contains the maximum.

Model sERPs (mean semantic activation) have a positive N400, so ``orientation=+1``;
human ERPs in microvolts have a negative-going N400, so ``orientation=-1``.

All functions take either a NumPy array together with a ``times`` array or an
:class:`xarray.DataArray` whose time coordinate is named ``tick`` or ``time_ms`` (or
given with ``dim=``).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import xarray as xr

from erpsim.model.timebase import N400_SEARCH, deprecated_constants, window_of
from erpsim.analysis.curves import as_curve, time_dim
from erpsim.utils.check import _check_option, _check_time_range
from erpsim.utils.docs import fill_doc

__all__ = [
    "Window",
    "fwhm_window",
    "model_window",
    "human_window",
    "window_mean",
    "condition_windows",
    "HUMAN_SEARCH",
    "WINDOW_RULES",
    "HALF_RULES",
]

#: Default N400 search window of the human data, in ms after stimulus onset.
HUMAN_SEARCH = (250, 450)
#: Ways of choosing the curve(s) the FWHM rule is applied to (see :func:`model_window`).
WINDOW_RULES = ("grand_average", "per_type", "per_presentation", "per_condition",
                "difference", "per_type_difference")
#: Ways of setting the half level (see :func:`fwhm_window`).
HALF_RULES = ("midrange", "half_max")

def _search_indices(times, search):
    """Indices of the samples with ``lo <= t <= hi``, checked against the data."""
    if search is None:
        lo, hi = times[0], times[-1]
    else:
        try:
            lo, hi = (float(v) for v in search)
        except (TypeError, ValueError):
            raise ValueError(f"search must be a (lo, hi) pair of times, got {search!r}") from None
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise ValueError(f"search window {search!r} must be finite")
        if lo >= hi:
            raise ValueError(f"search window {search!r} must have lo < hi")
        _check_time_range(lo, hi, times, "search window")
    idx = np.flatnonzero((times >= lo) & (times <= hi))
    if idx.size < 2:
        raise ValueError(
            f"search window ({lo:g}, {hi:g}) holds {idx.size} sample(s); at least 2 are needed")
    return idx


# --------------------------------------------------------------------------- Window
@dataclass(frozen=True)
class Window:
    """An N400 window found by the FWHM rule.

    Attributes
    ----------
    start, end : float
        First and last time of the window, inclusive, in ``unit``. Without
        interpolation they are sample times; with it, linearly interpolated crossings.
    peak_time : float
        Time of the maximum of the oriented curve inside the search window (the first
        one if it is reached more than once).
    half_level : float
        The half level, in units of the *oriented* curve (``orientation * curve``);
        ``orientation * half_level`` is the level in the curve's own sign.
    unit : str
        Unit of the times: ``"tick"``, ``"ms"`` or whatever the caller gave.
    peak_value : float
        Maximum of the oriented curve inside the search window.
    search : tuple of float or None
        The search window ``(lo, hi)`` used (``None``: the whole curve).
    orientation : int
        +1 or -1, the sign that made the N400 positive.
    half : str
        ``"midrange"`` or ``"half_max"``.
    interpolated : bool
        Whether the edges are interpolated.
    clipped : tuple of bool
        ``(at_start, at_end)``: whether the stretch runs into the edge of the search
        window (the curve is still at or above the half level there, so the true
        half-maximum crossing lies outside the search window).
    """

    start: float
    end: float
    peak_time: float
    half_level: float
    unit: str = ""
    peak_value: float = float("nan")
    search: tuple | None = None
    orientation: int = 1
    half: str = "midrange"
    interpolated: bool = False
    clipped: tuple = (False, False)

    @property
    def width(self):
        """``end - start`` in ``unit`` (0 for a one-sample window)."""
        return self.end - self.start

    def contains(self, times):
        """Boolean mask of the ``times`` with ``start <= t <= end``."""
        times = np.asarray(times, dtype=float)
        return (times >= self.start) & (times <= self.end)

    def __str__(self):
        u = f" {self.unit}" if self.unit else ""
        return f"{self.start:g}-{self.end:g}{u} (peak {self.peak_time:g}{u})"


# --------------------------------------------------------------------------- FWHM
def _validate_orientation(orientation):
    if orientation not in (1, -1) or isinstance(orientation, bool):
        raise ValueError(f"orientation must be +1 or -1, got {orientation!r}")
    return int(orientation)


def fwhm_window(curve, times=None, search=None, orientation=+1, half="midrange",
                interpolate=False, *, dim=None, unit=None):
    """FWHM window of the N400 in one curve.

    Parameters
    ----------
    curve : array_like, shape (n_times,), or xarray.DataArray
        One curve. A DataArray must be 1-D over its time dimension (``tick``,
        ``time_ms`` or ``dim``); its coordinate supplies the times.
    times : array_like, shape (n_times,), optional
        Sample times (any unit, strictly increasing). Required for NumPy input; not
        allowed with a DataArray.
    search : (float, float), optional
        Search window ``(lo, hi)`` in the units of ``times``, inclusive. Both ends must
        lie within the data and it must hold at least 2 samples. Default: the whole
        curve.
    orientation : {+1, -1}
        Sign that makes the N400 positive: +1 for model sERPs, -1 for human ERPs in µV.
    half : {"midrange", "half_max"}
        Half level: midway between the minimum and maximum of the oriented curve in the
        search window (default, the rule of docs/model.md §7), or half of the maximum (needs a
        positive maximum).
    interpolate : bool
        If True, the edges are the linearly interpolated times where the oriented curve
        crosses the half level (between the last sample below and the first at or
        above it); an edge where the stretch reaches the search window's end stays at
        that sample. If False (default), the edges are sample times.
    dim : str, optional
        Time dimension of a DataArray, if not ``tick`` or ``time_ms``.
    unit : str, optional
        Unit recorded in the result (default: ``"tick"`` / ``"ms"`` from the DataArray's
        time dimension, else ``""``).

    Returns
    -------
    Window

    Raises
    ------
    ValueError
        Empty curves, mismatched lengths, NaN or constant values in the search window,
        a search window outside the data or with fewer than 2 samples, unknown options.
    """
    orientation = _validate_orientation(orientation)
    _check_option("half", half, HALF_RULES)
    values, times, unit, _ = as_curve(curve, times, dim, unit)
    if np.all(np.isnan(values)):
        raise ValueError("the curve is all NaN")
    idx = _search_indices(times, search)
    v = orientation * values[idx]
    t = times[idx]
    if np.any(np.isnan(v)):
        raise ValueError("the curve has NaN values inside the search window")
    vmax, vmin = float(v.max()), float(v.min())
    if vmax == vmin:
        raise ValueError("the curve is constant inside the search window; no FWHM defined")
    if half == "midrange":
        level = 0.5 * (vmin + vmax)
    else:
        if vmax <= 0:
            raise ValueError("half='half_max' needs a positive maximum of the oriented "
                             f"curve, got {vmax:g}; use half='midrange' or check orientation")
        level = 0.5 * vmax
    ipk = int(np.argmax(v))
    above = v >= level
    i0 = ipk
    while i0 > 0 and above[i0 - 1]:
        i0 -= 1
    i1 = ipk
    while i1 < v.size - 1 and above[i1 + 1]:
        i1 += 1
    start, end = float(t[i0]), float(t[i1])
    if interpolate:
        if i0 > 0:
            start = _crossing(t[i0 - 1], t[i0], v[i0 - 1], v[i0], level)
        if i1 < v.size - 1:
            end = _crossing(t[i1], t[i1 + 1], v[i1], v[i1 + 1], level)
    return Window(start=start, end=end, peak_time=float(t[ipk]), half_level=float(level),
                  unit=unit, peak_value=vmax,
                  search=None if search is None else (float(search[0]), float(search[1])),
                  orientation=orientation, half=half, interpolated=bool(interpolate),
                  clipped=(i0 == 0, i1 == v.size - 1))


def _crossing(ta, tb, va, vb, level):
    """Time where the line through (ta, va), (tb, vb) reaches ``level``."""
    return float(ta + (level - va) / (vb - va) * (tb - ta))


# --------------------------------------------------------------------------- rules
def _labels(arr, d, name):
    if d not in arr.dims:
        raise ValueError(f"rule {name!r} needs a {d!r} dimension; the array has dims {arr.dims}")
    return [v.item() if hasattr(v, "item") else v for v in arr[d].values]


def _mean_over_others(arr, keep):
    others = [d for d in arr.dims if d not in keep]
    return arr.mean(dim=others, skipna=False) if others else arr


def _difference(arr, first, second, orientation, presentation_dim):
    """Oriented repetition difference: orientation * (first - second)."""
    labels = _labels(arr, presentation_dim, "difference")
    for lab in (first, second):
        if lab not in labels:
            raise ValueError(f"presentation {lab!r} not found; the array has {labels}")
    diff = (arr.sel({presentation_dim: first}, drop=True)
            - arr.sel({presentation_dim: second}, drop=True))
    return orientation * diff


def condition_windows(arr, *, rule="grand_average", search=None, orientation=+1,
                      half="midrange", interpolate=False, dim=None, first=1, second=2,
                      type_dim="item_type", presentation_dim="presentation"):
    """Apply the FWHM rule to curves chosen by ``rule`` (see :func:`model_window`)."""
    if not isinstance(arr, xr.DataArray):
        raise ValueError(f"expected an xarray.DataArray, got {type(arr).__name__}")
    orientation = _validate_orientation(orientation)
    _check_option("rule", rule, WINDOW_RULES)
    tdim = time_dim(arr, dim)
    kw = dict(search=search, half=half, interpolate=interpolate, dim=tdim)

    if rule == "grand_average":
        return fwhm_window(_mean_over_others(arr, [tdim]), orientation=orientation, **kw)
    if rule == "per_type":
        types = _labels(arr, type_dim, rule)
        avg = _mean_over_others(arr, [type_dim, tdim])
        return {it: fwhm_window(avg.sel({type_dim: it}), orientation=orientation, **kw)
                for it in types}
    if rule == "per_presentation":
        pres = _labels(arr, presentation_dim, rule)
        avg = _mean_over_others(arr, [presentation_dim, tdim])
        return {p: fwhm_window(avg.sel({presentation_dim: p}), orientation=orientation, **kw)
                for p in pres}
    if rule == "per_condition":
        types = _labels(arr, type_dim, rule)
        pres = _labels(arr, presentation_dim, rule)
        avg = _mean_over_others(arr, [type_dim, presentation_dim, tdim])
        return {(it, p): fwhm_window(avg.sel({type_dim: it, presentation_dim: p}),
                                     orientation=orientation, **kw)
                for it in types for p in pres}
    # difference rules: the oriented difference is already positive for the effect
    diff = _difference(arr, first, second, orientation, presentation_dim)
    if rule == "difference":
        return _tag(fwhm_window(_mean_over_others(diff, [tdim]), orientation=1, **kw),
                    orientation)
    types = _labels(diff, type_dim, rule)
    avg = _mean_over_others(diff, [type_dim, tdim])
    return {it: _tag(fwhm_window(avg.sel({type_dim: it}), orientation=1, **kw), orientation)
            for it in types}


def _tag(window, orientation):
    """Record the data's orientation on a window found on an oriented difference."""
    return replace(window, orientation=orientation)


@fill_doc
def model_window(serp, rule="grand_average", search=None, *, half="midrange",
                 interpolate=False, dim=None, first=1, second=2,
                 type_dim="item_type", presentation_dim="presentation"):
    """FWHM window(s) of a model sERP (N400 positive).

    Parameters
    ----------
    %(serp_time)s
    rule : str
        Which curve(s) the FWHM rule is applied to:

        ``"grand_average"`` (default)
            The mean over every dim except time: one window shared by all item types
            and presentations. On the published words curves this gives ticks 26-31,
            the window drawn in the paper.
        ``"per_type"``
            One window per item type (mean over every other dim, both presentations).
        ``"per_presentation"``
            One window per presentation (mean over every other dim, all item types).
        ``"per_condition"``
            One window per (item type, presentation).
        ``"difference"``
            The repetition difference wave, first minus second presentation (i.e.
            second minus first, oriented so that the repetition effect, first larger
            than second, is positive), averaged over every other dim.
        ``"per_type_difference"``
            The difference wave per item type.
    %(model_search)s
    %(half_interpolate)s
    dim : str, optional
        Time dimension if not ``tick``.
    %(first_second)s
    %(type_presentation_dims)s

    Returns
    -------
    Window or dict
        A :class:`Window` for ``"grand_average"`` and ``"difference"``; otherwise a dict
        keyed by item type, presentation or ``(item_type, presentation)``.
    """
    if search is None:
        if not isinstance(serp, xr.DataArray):
            raise ValueError(f"expected an xarray.DataArray, got {type(serp).__name__}")
        search = window_of(serp, N400_SEARCH, clip=True, dim=time_dim(serp, dim))
    return condition_windows(serp, rule=rule, search=search, orientation=+1, half=half,
                             interpolate=interpolate, dim=dim, first=first, second=second,
                             type_dim=type_dim, presentation_dim=presentation_dim)


def human_window(erp, rule="grand_average", search=HUMAN_SEARCH, *, half="midrange",
                 interpolate=False, dim=None, first=1, second=2,
                 type_dim="item_type", presentation_dim="presentation"):
    """FWHM window(s) of a human ERP in µV (N400 negative-going).

    The same rules as :func:`model_window`, with ``orientation=-1`` (the curve is
    negated so the N400 is positive) and the human N400 search window.

    Parameters
    ----------
    erp : xarray.DataArray
        Amplitude in µV with dims such as (item_type, presentation, time_ms), as from
        :func:`erpsim.io.datasets.load_human_erp`.
    rule : str
        See :func:`model_window`. For ``"difference"`` the curve is second minus first
        presentation in µV (positive where the N400 is reduced on repetition).
    search : (float, float)
        Search window in ms, inclusive; default 250-450 ms (the human N400 window, docs/model.md §7).
    half, interpolate, dim, first, second, type_dim, presentation_dim
        See :func:`model_window`.

    Returns
    -------
    Window or dict
        Times in ms (``unit="ms"`` for a ``time_ms`` coordinate).

    Notes
    -----
    On the shipped grand averages the default gives 304-448 ms, which differs from the
    boxes drawn in the paper (about 354-450 ms); see ``docs/analyses.md``.
    """
    return condition_windows(erp, rule=rule, search=search, orientation=-1, half=half,
                             interpolate=interpolate, dim=dim, first=first, second=second,
                             type_dim=type_dim, presentation_dim=presentation_dim)


# --------------------------------------------------------------------------- means
def window_mean(curve, times=None, window=None, *, dim=None):
    """Mean of a curve (or stacked curves) over the samples inside a window.

    Parameters
    ----------
    curve : array_like, shape (..., n_times), or xarray.DataArray
        NumPy input has time on the last axis; a DataArray's time dimension is
        ``tick``, ``time_ms`` or ``dim`` and may be anywhere.
    times : array_like, shape (n_times,), optional
        Sample times; required for NumPy input, not allowed with a DataArray.
    window : Window or (float, float)
        The window; samples with ``start <= t <= end`` are averaged (a plain sample
        mean, in the curve's units). It must lie within the data and hold at least one
        sample.
    dim : str, optional
        Time dimension of a DataArray.

    Returns
    -------
    numpy.ndarray or float or xarray.DataArray
        The mean, shape (...) (a float for a 1-D curve); a DataArray without the time
        dim for DataArray input. NaN samples inside the window propagate.
    """
    if window is None:
        raise ValueError("a window is required (a Window or a (start, end) pair)")
    if isinstance(window, Window):
        lo, hi = window.start, window.end
    else:
        try:
            lo, hi = (float(v) for v in window)
        except (TypeError, ValueError):
            raise ValueError(f"window must be a Window or a (start, end) pair, got {window!r}") \
                from None
    if not (np.isfinite(lo) and np.isfinite(hi)) or lo > hi:
        raise ValueError(f"window ({lo}, {hi}) must be finite with start <= end")
    is_da = isinstance(curve, xr.DataArray)
    values, t, _, tdim = as_curve(curve, times, dim, None, one_d=False)
    if values.size == 0:
        raise ValueError("the curve is empty")
    if np.all(np.isnan(values)):
        raise ValueError("the curve is all NaN")
    tol = _check_time_range(lo, hi, t, "window")
    mask = (t >= lo - tol) & (t <= hi + tol)
    if not mask.any():
        raise ValueError(f"window ({lo:g}, {hi:g}) holds no samples")
    if is_da:
        sel = curve.isel({tdim: np.flatnonzero(mask)})
        out = sel.mean(dim=tdim, skipna=False, keep_attrs=True)
        out.attrs["window"] = f"{lo:g}-{hi:g}"
        return out
    out = values[..., mask].mean(axis=-1)
    return float(out) if out.ndim == 0 else out


__getattr__ = deprecated_constants(__name__, ("MODEL_SEARCH",))
