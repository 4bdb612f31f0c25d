"""One-sided discrete Fourier spectra of sERP and ERP curves.

The paper (Laszlo & Armstrong 2014, Fig. 2 rows 3-4) plots "power" against frequency
without stating which samples, baseline, detrending, taper, zero-padding or scaling it
used, and its spectra cannot be recomputed from its time-domain curves (``fig2.md``).
So every step is an explicit option here, with plain-FFT defaults.

Definitions (used throughout)
-----------------------------
Let ``x`` be the ``N`` processed samples of one curve (after sample selection,
baseline subtraction and detrending), ``w`` the taper (all ones for ``taper="none"``)
and ``M = n_fft >= N`` the transform length (``x`` is zero-padded to ``M``). Then

``X_k = sum_n w_n x_n exp(-2 pi i k n / M)``, for ``k = 0 .. M // 2`` (one-sided),

and ``c_k = 2`` except ``c_k = 1`` at DC (``k = 0``) and, for even ``M``, at Nyquist
(``k = M / 2``): the one-sided spectrum folds in the negative frequencies.

``scaling="power"`` (default)
    ``P_k = c_k |X_k|^2 / (sum w)^2`` -- for no taper ``|X_k|^2 / N^2``, doubled except
    at DC/Nyquist. Units: (curve units)^2. A sinusoid ``A cos(2 pi f t)`` at a bin
    frequency gives ``A^2 / 2`` (its mean square) in that bin, whatever the taper or
    zero-padding; a constant ``c`` gives ``c^2`` at DC. Without taper and without
    zero-padding ``sum_k P_k = mean(x^2)`` (Parseval); zero-padding to ``M`` multiplies
    that sum by ``M / N`` (the bins become correlated, not more power).
``scaling="density"``
    ``P_k = c_k |X_k|^2 / (f_s sum w^2)``, the periodogram power spectral density per
    unit of the returned frequency axis: ``f_s`` is the sampling rate expressed in
    ``freq_unit`` (``sfreq`` for Hz, 1 for cycles per tick, 2 for Nyquist-normalised).
    Units: (curve units)^2 per Hz (or per cycle/tick, per Nyquist unit). With bin
    width ``df = f_s / M``, ``sum_k P_k df = sum (w x)^2 / sum w^2`` (= ``mean(x^2)``
    without taper) for any zero-padding.
``scaling="amplitude"``
    ``A_k = c_k |X_k| / sum w`` -- the one-sided amplitude spectrum in curve units: a
    sinusoid of amplitude ``A`` at a bin frequency gives ``A``, a constant ``c`` gives
    ``|c|`` at DC. ``power = amplitude^2 / 2`` except at DC/Nyquist (where equal to
    ``amplitude^2``).
``scaling="magnitude"``
    ``|X_k|`` -- the raw, unnormalised DFT modulus (what ``abs(numpy.fft.rfft(w * x,
    M))`` returns; no doubling). Grows with ``N``; use it to match software that plots
    the raw FFT.

Frequencies (``freq_unit``): ``"hz"`` ``k sfreq / M`` (needs ``sfreq``);
``"cycles_per_tick"`` (alias ``"cycles_per_sample"``) ``k / M``; ``"nyquist"`` ``2 k / M``
(1 = Nyquist, as the paper plots the model).
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from erpsim.analysis.curves import as_curve, time_dim
from erpsim.model.timebase import SPECTRUM_SAMPLES, deprecated_constants, window_of
from erpsim.utils.check import _check_option, _check_time_range, _check_times

__all__ = [
    "power_spectrum",
    "model_spectrum",
    "human_spectrum",
    "DETRENDS",
    "TAPERS",
    "SCALINGS",
    "FREQ_UNITS",
]

DETRENDS = ("none", "constant", "linear")
TAPERS = ("none", "hann", "hamming")
SCALINGS = ("power", "density", "magnitude", "amplitude")
FREQ_UNITS = ("hz", "cycles_per_tick", "cycles_per_sample", "nyquist")

#: Default model FFT length (no zero-padding of 20 samples: bins 0.1 apart in Nyquist units).
MODEL_NFFT = 20
#: Default human FFT length: 256 points of the 250 Hz epoch, bins 0.977 Hz apart.
HUMAN_NFFT = 256


def _selector(spec, n, times, what):
    """Turn a sample/baseline specification into an integer index array."""
    if isinstance(spec, slice):
        idx = np.arange(n)[spec]
    elif isinstance(spec, tuple) and len(spec) == 2 and not isinstance(spec[0], (tuple, list)):
        if times is None:
            raise ValueError(f"{what}={spec!r} is a (lo, hi) pair of times; pass times= too "
                             "(or give a slice / integer indices)")
        lo, hi = float(spec[0]), float(spec[1])
        if lo > hi:
            raise ValueError(f"{what} window {spec!r} must have lo <= hi")
        tol = _check_time_range(lo, hi, times, f"{what} window")
        idx = np.flatnonzero((times >= lo - tol) & (times <= hi + tol))
    else:
        idx = np.asarray(spec)
        if idx.dtype == bool:
            if idx.shape != (n,):
                raise ValueError(f"boolean {what} mask has shape {idx.shape}, expected ({n},)")
            idx = np.flatnonzero(idx)
        elif idx.ndim != 1 or not np.issubdtype(idx.dtype, np.integer):
            raise ValueError(f"{what} must be a slice, integer indices, a boolean mask or a "
                             f"(lo, hi) pair of times, got {spec!r}")
        elif idx.size and (idx.min() < -n or idx.max() >= n):
            raise ValueError(f"{what} indices lie outside the data ({n} samples)")
    if idx.size == 0:
        raise ValueError(f"{what} selects no samples")
    return idx


def _taper(name, n):
    if name == "none":
        return np.ones(n)
    if name == "hann":
        return np.hanning(n) if n > 1 else np.ones(n)
    return np.hamming(n) if n > 1 else np.ones(n)


def power_spectrum(curve, sfreq=None, *, samples=None, baseline=None, times=None,
                   detrend="none", taper="none", n_fft=None, scaling="power",
                   freq_unit="hz"):
    """One-sided spectrum of one curve or of stacked curves (time on the last axis).

    Parameters
    ----------
    curve : array_like, shape (..., n_times)
        The curve(s); the transform runs along the last axis.
    sfreq : float, optional
        Sampling rate in Hz (samples per second). Needed for ``freq_unit="hz"``; for a
        density in Hz too. Model sERPs have no physical rate: use
        ``freq_unit="nyquist"`` or ``"cycles_per_tick"``.
    samples : slice, int array, bool mask or (lo, hi), optional
        Which samples to transform (default all). A ``(lo, hi)`` pair means times,
        inclusive, and needs ``times``.
    baseline : slice, int array, bool mask or (lo, hi), optional
        Samples whose mean (per curve) is subtracted from the whole curve before the
        samples are selected, e.g. ``(-100, 0)`` ms with ``times``. Default: none.
    times : array_like, shape (n_times,), optional
        Sample times, needed only for ``(lo, hi)`` pairs in ``samples``/``baseline``.
    detrend : {"none", "constant", "linear"}
        Removed from the selected samples before tapering: nothing (default), their
        mean, or their least-squares line.
    taper : {"none", "hann", "hamming"}
        Window applied to the selected samples (default none: a plain FFT).
    n_fft : int, optional
        Transform length ``M >= N`` (zero-padding); default ``N``, the number of
        selected samples.
    scaling : {"power", "density", "amplitude", "magnitude"}
        See the module docstring for the exact formulas. Default ``"power"``.
    freq_unit : {"hz", "cycles_per_tick", "cycles_per_sample", "nyquist"}
        Unit of the returned frequencies. Default ``"hz"``.

    Returns
    -------
    freqs : numpy.ndarray, shape (M // 2 + 1,)
        Bin frequencies in ``freq_unit``.
    power : numpy.ndarray, shape (..., M // 2 + 1)
        The spectrum of each curve, scaled as requested.

    Raises
    ------
    ValueError
        Empty or all-NaN input, NaN in the selected samples, fewer than 2 selected
        samples, ``n_fft`` smaller than the number of samples, a missing ``sfreq``,
        selections outside the data, unknown options.
    """
    _check_option("detrend", detrend, DETRENDS)
    _check_option("taper", taper, TAPERS)
    _check_option("scaling", scaling, SCALINGS)
    _check_option("freq_unit", freq_unit, FREQ_UNITS)
    x = np.asarray(curve, dtype=float)
    if x.ndim == 0:
        raise ValueError("the curve must be an array of samples, got a scalar")
    n_all = x.shape[-1]
    if x.size == 0 or n_all == 0:
        raise ValueError("the curve is empty")
    if np.all(np.isnan(x)):
        raise ValueError("the curve is all NaN")
    if times is not None:
        times = _check_times(times, n_all)
    if sfreq is not None:
        sfreq = float(sfreq)
        if not np.isfinite(sfreq) or sfreq <= 0:
            raise ValueError(f"sfreq must be a positive number of Hz, got {sfreq!r}")
    if freq_unit == "hz" and sfreq is None:
        raise ValueError("freq_unit='hz' needs sfreq (Hz); for model ticks use "
                         "freq_unit='nyquist' or 'cycles_per_tick'")

    if baseline is not None:
        bidx = _selector(baseline, n_all, times, "baseline")
        x = x - x[..., bidx].mean(axis=-1, keepdims=True)
    if samples is not None:
        x = x[..., _selector(samples, n_all, times, "samples")]
    n = x.shape[-1]
    if n < 2:
        raise ValueError(f"{n} sample(s) selected; a spectrum needs at least 2")
    if np.any(np.isnan(x)):
        raise ValueError("the selected samples contain NaN")

    if detrend == "constant":
        x = x - x.mean(axis=-1, keepdims=True)
    elif detrend == "linear":
        tt = np.arange(n) - (n - 1) / 2
        slope = (x * tt).sum(axis=-1, keepdims=True) / (tt ** 2).sum()
        x = x - x.mean(axis=-1, keepdims=True) - slope * tt

    if n_fft is None:
        m = n
    else:
        if isinstance(n_fft, bool) or not float(n_fft).is_integer():
            raise ValueError(f"n_fft must be an integer, got {n_fft!r}")
        m = int(n_fft)
        if m < n:
            raise ValueError(f"n_fft={m} is smaller than the {n} selected samples "
                             "(zero-padding only; select fewer samples to truncate)")

    w = _taper(taper, n)
    spec = np.fft.rfft(x * w, n=m, axis=-1)
    k = np.arange(m // 2 + 1)
    fold = np.full(k.size, 2.0)
    fold[0] = 1.0
    if m % 2 == 0:
        fold[-1] = 1.0

    if freq_unit == "hz":
        fs_unit = sfreq
    elif freq_unit == "nyquist":
        fs_unit = 2.0
    else:
        fs_unit = 1.0
    freqs = k * fs_unit / m

    mag = np.abs(spec)
    if scaling == "power":
        out = fold * mag ** 2 / w.sum() ** 2
    elif scaling == "density":
        out = fold * mag ** 2 / (fs_unit * (w ** 2).sum())
    elif scaling == "amplitude":
        out = fold * mag / w.sum()
    else:
        out = mag
    return freqs, out


def _spectrum_dataarray(arr, tdim, sfreq, *, samples, baseline, detrend, taper, n_fft,
                        scaling, freq_unit, extra_attrs):
    """Apply :func:`power_spectrum` to a DataArray along ``tdim``; label the result."""
    values, times, _, _ = as_curve(arr, None, tdim, None, one_d=False)
    arr = arr.transpose(..., tdim)
    freqs, p = power_spectrum(values, sfreq, samples=samples, baseline=baseline,
                              times=times, detrend=detrend, taper=taper, n_fft=n_fft,
                              scaling=scaling, freq_unit=freq_unit)
    coords = {d: arr.coords[d] for d in arr.dims[:-1] if d in arr.coords}
    coords["freq"] = freqs
    units = arr.attrs.get("units", "")
    unit_sq = f"({units})^2" if units else "(units)^2"
    funit = {"hz": "Hz", "nyquist": "Nyquist", "cycles_per_tick": "cycles/tick",
             "cycles_per_sample": "cycles/sample"}[freq_unit]
    value_units = {"power": unit_sq, "density": f"{unit_sq}/{funit}",
                   "amplitude": units or "units",
                   "magnitude": f"{units or 'units'} (raw DFT modulus)"}
    n_samples = _n_selected(times, samples)
    attrs = {
        "scaling": scaling,
        "detrend": detrend,
        "taper": taper,
        "n_samples": int(n_samples),
        "n_fft": int(n_fft) if n_fft is not None else int(n_samples),
        "samples": "all" if samples is None else str(samples),
        "baseline": "none" if baseline is None else str(baseline),
        "freq_unit": freq_unit,
        "units": value_units[scaling],
        "time_dim": tdim,
    }
    if sfreq is not None:
        attrs["sfreq"] = float(sfreq)
    attrs.update(extra_attrs)
    if "source" in arr.attrs:
        attrs["source"] = arr.attrs["source"]
    out = xr.DataArray(p, dims=arr.dims[:-1] + ("freq",), coords=coords,
                       name=scaling, attrs=attrs)
    out["freq"].attrs["units"] = funit
    return out


def _n_selected(times, samples):
    n = len(times)
    if samples is None:
        return n
    return _selector(samples, n, np.asarray(times, dtype=float), "samples").size


def model_spectrum(serp, *, samples=None, baseline=None, detrend="none",
                   taper="none", n_fft=MODEL_NFFT, scaling="power", freq_unit="nyquist",
                   dim=None):
    """Spectra of model sERPs, labelled.

    Parameters
    ----------
    serp : xarray.DataArray
        sERP(s) with a ``tick`` dimension (or ``dim``) and any other dims (item_type,
        presentation, instance, ...).
    samples : (lo, hi) ticks, slice, indices or None
        Default (None): the 20 stimulus ticks, ticks 0-19 after the onset read from
        ``tick.attrs["onset_tick"]`` (:data:`erpsim.model.timebase.SPECTRUM_SAMPLES`;
        ticks 20-39 for onset 20). With ``n_fft=20`` this gives bins 0.1 apart in
        Nyquist-normalised frequency, the grid of the paper's model spectra. The
        published curves stop at tick 38: pass ``samples=(20, 38)`` (19 samples,
        zero-padded to 20).
    baseline, detrend, taper, scaling
        See :func:`power_spectrum`. Defaults: none, none, none, power (a plain FFT,
        the most literal reading of the paper, which states no preprocessing).
    n_fft : int or None
        Default 20 (None: the number of selected samples).
    freq_unit : {"nyquist", "cycles_per_tick", "cycles_per_sample"}
        Default ``"nyquist"`` (1 = Nyquist, as plotted in the paper). ``"hz"`` is not
        meaningful for ticks and is rejected.
    dim : str, optional
        Time dimension, if not ``tick``.

    Returns
    -------
    xarray.DataArray
        Dims: the input's other dims followed by ``freq``; attrs record every option.
    """
    if not isinstance(serp, xr.DataArray):
        raise ValueError(f"expected an xarray.DataArray, got {type(serp).__name__}")
    if freq_unit == "hz":
        raise ValueError("model ticks have no rate in Hz; use freq_unit='nyquist' or "
                         "'cycles_per_tick'")
    tdim = time_dim(serp, dim)
    if samples is None:
        samples = window_of(serp, SPECTRUM_SAMPLES, dim=tdim)
    return _spectrum_dataarray(serp, tdim, None, samples=samples, baseline=baseline,
                               detrend=detrend, taper=taper, n_fft=n_fft, scaling=scaling,
                               freq_unit=freq_unit, extra_attrs={"kind": "model sERP spectrum"})


def human_spectrum(erp, *, sfreq=None, samples=None, baseline=None, detrend="none",
                   taper="none", n_fft=HUMAN_NFFT, scaling="power", freq_unit="hz",
                   dim=None):
    """Spectra of human ERPs, labelled.

    Parameters
    ----------
    erp : xarray.DataArray
        ERP(s) in µV with a ``time_ms`` dimension (or ``dim``), e.g. dims (item_type,
        presentation, time_ms) from :func:`erpsim.io.datasets.load_human_erp`.
    sfreq : float, optional
        Sampling rate in Hz; default the array's ``sfreq`` attribute, else derived from
        the ``time_ms`` spacing.
    samples : (lo, hi) ms, slice, indices or None
        Default all samples (the whole -100 to 900 ms epoch, 251 samples at 250 Hz).
    baseline, detrend, taper, scaling
        See :func:`power_spectrum`; defaults none (the shipped curves are already
        baseline-corrected), none, none, power.
    n_fft : int or None
        Default 256: the whole epoch zero-padded to 256 points, bins
        250/256 = 0.977 Hz apart, the grid of the paper's human spectra.
    freq_unit : str
        Default ``"hz"``.
    dim : str, optional
        Time dimension, if not ``time_ms``.

    Returns
    -------
    xarray.DataArray
        Dims: the input's other dims followed by ``freq``; attrs record every option.
    """
    if not isinstance(erp, xr.DataArray):
        raise ValueError(f"expected an xarray.DataArray, got {type(erp).__name__}")
    tdim = time_dim(erp, dim)
    if sfreq is None:
        sfreq = erp.attrs.get("sfreq")
    if sfreq is None:
        if tdim != "time_ms" or erp.sizes[tdim] < 2:
            raise ValueError("cannot infer the sampling rate; pass sfreq= (Hz)")
        step = np.diff(np.asarray(erp[tdim].values, dtype=float))
        if not np.allclose(step, step[0]):
            raise ValueError("time_ms is not evenly spaced; pass sfreq= (Hz)")
        sfreq = 1000.0 / step[0]
    return _spectrum_dataarray(erp, tdim, sfreq, samples=samples, baseline=baseline,
                               detrend=detrend, taper=taper, n_fft=n_fft, scaling=scaling,
                               freq_unit=freq_unit, extra_attrs={"kind": "human ERP spectrum"})


__getattr__ = deprecated_constants(__name__, ("MODEL_SAMPLES",))
