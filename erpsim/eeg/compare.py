"""Compare model sERPs with EEG: alignment, affine fit, latencies, windows, spectra.

>>> from erpsim.compare import compare
>>> cmp = compare("sub01-ave.fif", result, channel="Pz",
...               conditions={"word/1": "word_first", "word/2": "word_second"})  # doctest: +SKIP
>>> cmp.table                                                              # doctest: +SKIP

How the two are put on one time base
------------------------------------
Model ticks become ms with :func:`erpsim.eeg.bridge.tick_to_ms` (default onset tick 20
-> 0 ms, 48.5 ms per tick). The tick-sampled model curve is then **linearly
interpolated at the EEG sample times** (``numpy.interp``); EEG samples outside the
model's span get NaN. The model is far coarser than the EEG (one tick = 48.5 ms, i.e.
about 12 EEG samples at 250 Hz), so the resampled curve is piecewise linear between
ticks; nothing is low-pass filtered or extrapolated.

Sign convention and fit
-----------------------
``sign`` (default -1) is the polarity that maps activation to voltage: the model
regressor is ``x = sign * activation`` (more semantic activation = more negative
voltage = larger N400), and the EEG N400 is the extremum of ``sign * eeg`` (a minimum
in µV for ``sign=-1``). Within the comparison window the EEG curve ``y`` (µV) is fitted
by least squares as ``y ~ offset + gain * x``; with the convention holding, ``r`` (the
Pearson correlation of ``x`` and ``y``) and ``gain`` are positive. ``rmse`` is the
root-mean-square residual of that fit in µV. ``fit="per_condition"`` (default) fits
each condition separately; ``fit="shared"`` fits one offset and gain to all conditions
together (so amplitude differences between conditions count).
"""
from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from erpsim.utils.atomic import atomic_write
from erpsim.eeg.bridge import (MS_PER_TICK, ONSET_TICK, _check_mapping, eeg_condition_evokeds,
                         model_curves, parse_condition, read_eeg, tick_to_ms)

__all__ = ["N400_WINDOW", "FITS", "Comparison", "compare", "resample_model", "affine_fit",
           "model_result"]

#: Default comparison window in ms after stimulus onset (the spec's human N400 window).
N400_WINDOW = (250.0, 450.0)
#: Fit modes of :func:`compare`.
FITS = ("per_condition", "shared")

_FIFF_UNIT_V = 107  # mne.io.constants.FIFF.FIFF_UNIT_V


# --------------------------------------------------------------------------- pieces
def resample_model(model_ms, model_values, eeg_ms):
    """Linearly interpolate a tick-sampled model curve at EEG sample times.

    Parameters
    ----------
    model_ms : array_like, shape (n_ticks,)
        Times of the model samples in ms (increasing), e.g. from
        :func:`erpsim.eeg.bridge.tick_to_ms`.
    model_values : array_like, shape (..., n_ticks)
        The model curve(s).
    eeg_ms : array_like, shape (n_samples,)
        EEG sample times in ms.

    Returns
    -------
    numpy.ndarray, shape (..., n_samples)
        The interpolated curve; NaN at EEG times outside ``[model_ms[0], model_ms[-1]]``.
    """
    model_ms = np.asarray(model_ms, dtype=float)
    eeg_ms = np.asarray(eeg_ms, dtype=float)
    values = np.asarray(model_values, dtype=float)
    if model_ms.ndim != 1 or model_ms.size < 2 or np.any(np.diff(model_ms) <= 0):
        raise ValueError("model times must be 1-D, strictly increasing, with >= 2 samples")
    if values.shape[-1] != model_ms.size:
        raise ValueError(f"model curve has {values.shape[-1]} samples but {model_ms.size} "
                         "times")
    flat = values.reshape(-1, model_ms.size)
    out = np.stack([np.interp(eeg_ms, model_ms, v, left=np.nan, right=np.nan)
                    for v in flat])
    return out.reshape(values.shape[:-1] + (eeg_ms.size,))


def affine_fit(x, y):
    """Least-squares ``y ~ offset + gain * x``.

    Returns
    -------
    dict
        ``offset``, ``gain``, ``r`` (Pearson correlation of x and y; NaN if either is
        constant), ``rmse`` (root-mean-square residual, in y's units), ``n``.
    """
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if x.size < 3:
        raise ValueError(f"an affine fit needs at least 3 samples, got {x.size}")
    dx, dy = x - x.mean(), y - y.mean()
    sxx, syy = float(dx @ dx), float(dy @ dy)
    if sxx <= 1e-30 * max(1.0, float(x @ x)):
        gain, r = 0.0, np.nan
    else:
        gain = float(dx @ dy) / sxx
        r = float(dx @ dy) / np.sqrt(sxx * syy) if syy > 0 else np.nan
    offset = float(y.mean() - gain * x.mean())
    rmse = float(np.sqrt(np.mean((y - offset - gain * x) ** 2)))
    return {"offset": offset, "gain": gain, "r": r, "rmse": rmse, "n": int(x.size)}


def _peak_and_fwhm(curve, times, window, orientation):
    """(peak_time, Window or None) of the oriented curve within ``window``."""
    from erpsim.analysis.windows import fwhm_window
    try:
        w = fwhm_window(curve, times, search=window, orientation=orientation, unit="ms")
    except ValueError:
        return np.nan, None
    return w.peak_time, w


# --------------------------------------------------------------------------- result
@dataclass
class Comparison:
    """Result of :func:`compare`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per condition; columns described in ``docs/mne.md`` (and
        :data:`COLUMNS`).
    curves : xarray.Dataset
        dims (condition, time_ms) over the EEG epoch: ``eeg`` (µV for voltage
        channels), ``model`` (activation, resampled to the EEG times; NaN outside the
        model's span), ``model_scaled`` (``offset + gain * sign * model`` with each
        condition's fit, in the EEG's units); coords ``item_type``, ``presentation``,
        ``in_window``.
    spectra : xarray.Dataset
        dims (condition, freq): one-sided power (:func:`erpsim.analysis.power_spectrum`,
        plain FFT) of ``eeg`` and ``model_scaled`` over the comparison window.
    window : (float, float)
        The comparison window in ms.
    windows : dict
        Grand-average FWHM windows (spec rule: mean over all compared conditions,
        midrange half level) ``{"eeg": Window, "model": Window}`` (None if undefined).
    settings : dict
        Everything the comparison depended on (channel, mapping, sign, fit, ...).
    """

    table: pd.DataFrame
    curves: xr.Dataset
    spectra: xr.Dataset
    window: tuple
    windows: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)

    def to_csv(self, path):
        """Write :attr:`table` to CSV atomically; returns the path."""
        return atomic_write(path, lambda tmp: self.table.to_csv(tmp, index=False))


#: Columns of :attr:`Comparison.table`, in order.
COLUMNS = ("condition", "eeg_condition", "item_type", "presentation", "window_start_ms",
           "window_end_ms", "n_samples", "r", "gain_uV_per_activation", "offset_uV",
           "rmse_uV", "eeg_mean_uV", "model_mean", "peak_eeg_ms", "peak_model_ms",
           "peak_diff_ms", "peak_eeg_at_edge", "peak_model_at_edge", "fwhm_eeg_start_ms", "fwhm_eeg_end_ms", "fwhm_model_start_ms",
           "fwhm_model_end_ms", "rep_eeg_uV", "rep_model", "rep_model_scaled_uV",
           "spectral_r")


# --------------------------------------------------------------------------- inputs
def _model_from_evokeds(model):
    """(model_ms, {cond: activation}) from a dict of model Evokeds (see model_to_evokeds)."""
    import json

    import mne
    curves, times = {}, None
    for cond, ev in model.items():
        if not isinstance(ev, mne.Evoked):
            raise ValueError(f"model evokeds must be mne.Evoked, got {type(ev).__name__} "
                             f"for {cond!r}")
        if len(ev.ch_names) != 1:
            raise ValueError(f"model evoked {cond!r} must have one channel, has "
                             f"{len(ev.ch_names)}")
        try:
            scale = json.loads(ev.info["description"] or "{}").get("scale_V_per_activation")
        except (ValueError, AttributeError):
            scale = None
        t = np.round(ev.times * 1000.0, 3)
        if times is None:
            times = t
        elif t.shape != times.shape or not np.allclose(t, times):
            raise ValueError("model evokeds have different time axes")
        curves[str(cond)] = ev.data[0] / (scale or 1.0)
    if not curves:
        raise ValueError("no model evokeds given")
    return times, curves


def _eeg_names_available(eeg):
    """Condition names an EEG object offers (None if unknown without a mapping)."""
    import mne
    if isinstance(eeg, mne.Evoked):
        return [str(eeg.comment)]
    if isinstance(eeg, dict):
        return [str(k) for k in eeg]
    if isinstance(eeg, (list, tuple)):
        return [str(getattr(e, "comment", "")) for e in eeg]
    if isinstance(eeg, mne.BaseEpochs):
        return list(eeg.event_id)
    if isinstance(eeg, mne.io.BaseRaw):
        return sorted(set(eeg.annotations.description))
    return None


def _eeg_curve(ev):
    """(times_ms, values, unit) of a one-channel Evoked; V -> µV."""
    ch = ev.info["chs"][0]
    factor, unit = (1e6, "uV") if int(ch["unit"]) == _FIFF_UNIT_V else (1.0, "a.u.")
    return np.round(ev.times * 1000.0, 3), ev.data[0] * factor, unit


def _check_option(name, value, allowed):
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"unknown {name} {value!r}; choose one of {', '.join(allowed)}")


# --------------------------------------------------------------------------- compare
def compare(eeg, model, *, channel, conditions=None, window=N400_WINDOW,
            ms_per_tick=MS_PER_TICK, onset_tick=ONSET_TICK, sign=-1, fit="per_condition",
            instance=None, epoch=(-0.1, 0.9), baseline=(None, 0), spectrum_fmax=None,
            n_fft=None):
    """Compare model sERPs with EEG evokeds, condition by condition.

    Parameters
    ----------
    eeg : str, Path, mne.Evoked, list/dict of Evoked, mne.Epochs or mne.io.Raw
        EEG data, or a file any MNE reader handles (chosen by extension, see
        :func:`erpsim.eeg.bridge.read_eeg`): ``-ave.fif`` evokeds, ``-epo.fif`` epochs,
        raw FIF, BrainVision, EDF/BDF, EEGLAB, ... Epochs are averaged per condition;
        Raw data are epoched at their annotations (``epoch``, ``baseline``).
    model : xarray.Dataset, xarray.DataArray or dict of mne.Evoked
        A simulation result, an sERP by type (instance, item_type, presentation, tick),
        or model evokeds from :func:`erpsim.eeg.bridge.model_to_evokeds` (their own
        times are used; a recorded ``scale`` is undone).
    channel : str
        The EEG channel to compare (e.g. ``"MiPa"``, ``"Pz"``).
    conditions : dict, optional
        ``{model_condition: eeg_condition}``, e.g. ``{"word/1": "W1", "word/2": "W2"}``.
        Default: every model condition whose name the EEG also has.
    window : (float, float) or "epoch"
        Comparison window in ms, inclusive; default 250-450 ms (the N400 window).
        ``"epoch"``: the whole EEG epoch where the model is defined.
    ms_per_tick, onset_tick : float
        Tick-to-ms mapping (ignored for model evokeds).
    sign : {-1, +1}
        Polarity activation -> voltage (default -1: more activation = more negative).
    fit : {"per_condition", "shared"}
        One affine fit per condition (default) or one for all conditions.
    instance : int, optional
        One model instance instead of the mean over instances.
    epoch : (float, float)
        Epoch limits in s for Raw input.
    baseline : tuple or None
        Baseline in s for Raw input.
    spectrum_fmax : float, optional
        Highest frequency (Hz) in ``spectral_r``; default the model's Nyquist
        frequency, ``500 / ms_per_tick`` (10.3 Hz): above it the resampled model
        holds only interpolation artefacts.
    n_fft : int, optional
        FFT length of the window spectra; default ``max(256, n_samples)``.

    Returns
    -------
    Comparison

    Raises
    ------
    FileNotFoundError
        The EEG file does not exist.
    ValueError
        Unreadable file, missing channel, unknown model or EEG condition names, an EEG
        epoch or model span that does not cover the window, bad options.
    """
    from erpsim.analysis.spectra import power_spectrum
    from erpsim.analysis.windows import fwhm_window

    if sign not in (-1, 1) or isinstance(sign, bool):
        raise ValueError(f"sign must be -1 or +1, got {sign!r}")
    _check_option("fit", fit, FITS)
    ms_per_tick, onset_tick = _check_mapping(ms_per_tick, onset_tick)

    # model curves in activation units, times in ms
    if isinstance(model, dict):
        model_ms, mcurves = _model_from_evokeds(model)
        mapping_note = "model evokeds' own times"
    else:
        ticks, mcurves = model_curves(model, instance=instance)
        model_ms = tick_to_ms(ticks, ms_per_tick, onset_tick)
        mapping_note = f"t_ms = (tick - {onset_tick:g}) * {ms_per_tick:g}"

    # EEG
    if isinstance(eeg, (str, os.PathLike)):
        eeg = read_eeg(eeg)
    if conditions is None:
        avail = _eeg_names_available(eeg)
        if avail is None:
            raise ValueError("pass conditions={model_condition: eeg_condition}")
        conditions = {c: c for c in mcurves if c in avail}
        if not conditions:
            raise ValueError(f"no condition names shared by the model ({sorted(mcurves)}) "
                             f"and the EEG ({sorted(avail)}); pass conditions="
                             "{model_condition: eeg_condition}")
    if not isinstance(conditions, dict) or not conditions:
        raise ValueError("conditions must be a non-empty dict {model_condition: "
                         "eeg_condition}")
    conditions = {str(k): str(v) for k, v in conditions.items()}
    for mc in conditions:
        parse_condition(mc)
    unknown = [mc for mc in conditions if mc not in mcurves]
    if unknown:
        raise ValueError(f"unknown model condition(s) {unknown}; the model has "
                         f"{list(mcurves)}")
    evs = eeg_condition_evokeds(eeg, conditions, channel, epoch=epoch, baseline=baseline)

    eeg_ms, units = None, None
    ycurves = {}
    for mc, ev in evs.items():
        t, y, unit = _eeg_curve(ev)
        if eeg_ms is None:
            eeg_ms, units = t, unit
        elif t.shape != eeg_ms.shape or not np.allclose(t, eeg_ms, atol=1e-3):
            raise ValueError(f"EEG condition {conditions[mc]!r} has a different time axis "
                             "from the others; crop or resample them to one epoch")
        ycurves[mc] = y
    if eeg_ms.size < 2:
        raise ValueError("the EEG epoch has fewer than 2 samples")
    sfreq = 1000.0 / float(np.median(np.diff(eeg_ms)))
    tol = 0.5 * 1000.0 / sfreq

    # window
    if isinstance(window, str):
        if window != "epoch":
            raise ValueError(f"window must be a (start_ms, end_ms) pair or 'epoch', got "
                             f"{window!r}")
        lo = float(max(eeg_ms[0], model_ms[0]))
        hi = float(min(eeg_ms[-1], model_ms[-1]))
        if hi <= lo:
            raise ValueError(f"the EEG epoch ({eeg_ms[0]:g} to {eeg_ms[-1]:g} ms) and the "
                             f"model ({model_ms[0]:g} to {model_ms[-1]:g} ms) do not overlap")
    else:
        try:
            lo, hi = (float(v) for v in window)
        except (TypeError, ValueError):
            raise ValueError(f"window must be a (start_ms, end_ms) pair or 'epoch', got "
                             f"{window!r}") from None
        if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
            raise ValueError(f"window ({lo:g}, {hi:g}) ms must be finite with start < end")
        if eeg_ms[0] > lo + tol or eeg_ms[-1] < hi - tol:
            raise ValueError(f"the EEG epoch ({eeg_ms[0]:g} to {eeg_ms[-1]:g} ms) does not "
                             f"cover the comparison window {lo:g}-{hi:g} ms")
        if model_ms[0] > lo + 1e-9 or model_ms[-1] < hi - 1e-9:
            raise ValueError(f"the model ({model_ms[0]:g} to {model_ms[-1]:g} ms with "
                             f"{mapping_note}) does not cover the comparison window "
                             f"{lo:g}-{hi:g} ms")
        lo, hi = float(max(lo, eeg_ms[0])), float(min(hi, eeg_ms[-1]))
    mask = (eeg_ms >= lo) & (eeg_ms <= hi)
    if mask.sum() < 3:
        raise ValueError(f"the comparison window {lo:g}-{hi:g} ms holds {mask.sum()} EEG "
                         "sample(s); at least 3 are needed")
    tw = eeg_ms[mask]

    conds = list(conditions)
    m_res = {mc: resample_model(model_ms, mcurves[mc], eeg_ms) for mc in conds}

    # fits
    fits = {}
    if fit == "shared":
        shared = affine_fit(np.concatenate([sign * m_res[mc][mask] for mc in conds]),
                            np.concatenate([ycurves[mc][mask] for mc in conds]))
    for mc in conds:
        own = affine_fit(sign * m_res[mc][mask], ycurves[mc][mask])
        if fit == "shared":
            resid = ycurves[mc][mask] - shared["offset"] - shared["gain"] * sign * m_res[mc][mask]
            own = dict(own, offset=shared["offset"], gain=shared["gain"],
                       rmse=float(np.sqrt(np.mean(resid ** 2))))
        fits[mc] = own
    for mc, f in fits.items():
        if not np.isfinite(f["r"]):
            warnings.warn(f"{mc}: the model or EEG curve is constant in the window; "
                          "correlation undefined", RuntimeWarning, stacklevel=2)

    # per-condition rows
    rows = {}
    fwhm = {}
    for mc in conds:
        it, pres = parse_condition(mc)
        y, m = ycurves[mc], m_res[mc]
        pk_e, w_e = _peak_and_fwhm(y, eeg_ms, (lo, hi), sign)
        pk_m, w_m = _peak_and_fwhm(m, eeg_ms, (lo, hi), +1)
        fwhm[mc] = (w_e, w_m)
        f = fits[mc]
        rows[mc] = {
            "condition": mc, "eeg_condition": conditions[mc], "item_type": it,
            "presentation": pres, "window_start_ms": float(tw[0]),
            "window_end_ms": float(tw[-1]), "n_samples": int(mask.sum()), "r": f["r"],
            "gain_uV_per_activation": f["gain"], "offset_uV": f["offset"],
            "rmse_uV": f["rmse"], "eeg_mean_uV": float(y[mask].mean()),
            "model_mean": float(m[mask].mean()), "peak_eeg_ms": pk_e,
            "peak_model_ms": pk_m, "peak_diff_ms": pk_m - pk_e,
            # a peak on the window's first/last sample: the extremum may lie outside
            "peak_eeg_at_edge": bool(pk_e in (tw[0], tw[-1])),
            "peak_model_at_edge": bool(pk_m in (tw[0], tw[-1])),
            "fwhm_eeg_start_ms": w_e.start if w_e else np.nan,
            "fwhm_eeg_end_ms": w_e.end if w_e else np.nan,
            "fwhm_model_start_ms": w_m.start if w_m else np.nan,
            "fwhm_model_end_ms": w_m.end if w_m else np.nan,
            "rep_eeg_uV": np.nan, "rep_model": np.nan, "rep_model_scaled_uV": np.nan,
        }

    # repetition effects per item type: first vs second presentation in the window
    by_type = {}
    for mc in conds:
        it, pres = parse_condition(mc)
        by_type.setdefault(it, {})[pres] = mc
    for it, pres_map in by_type.items():
        if 1 not in pres_map or 2 not in pres_map:
            continue
        c1, c2 = pres_map[1], pres_map[2]
        rep_eeg = sign * (ycurves[c1][mask].mean() - ycurves[c2][mask].mean())
        rep_model = m_res[c1][mask].mean() - m_res[c2][mask].mean()
        joint = affine_fit(np.concatenate([sign * m_res[c1][mask], sign * m_res[c2][mask]]),
                           np.concatenate([ycurves[c1][mask], ycurves[c2][mask]]))
        for c in (c1, c2):
            rows[c].update(rep_eeg_uV=float(rep_eeg), rep_model=float(rep_model),
                           rep_model_scaled_uV=float(joint["gain"] * rep_model))

    # curves
    scaled = np.stack([fits[mc]["offset"] + fits[mc]["gain"] * sign * m_res[mc]
                       for mc in conds])
    types = [parse_condition(mc)[0] for mc in conds]
    press = [parse_condition(mc)[1] for mc in conds]
    curves = xr.Dataset(
        {"eeg": (("condition", "time_ms"), np.stack([ycurves[mc] for mc in conds]),
                 {"units": units, "channel": channel}),
         "model": (("condition", "time_ms"), np.stack([m_res[mc] for mc in conds]),
                   {"units": "activation", "resampling": "linear interpolation of the "
                    "tick-sampled sERP at the EEG sample times"}),
         "model_scaled": (("condition", "time_ms"), scaled,
                          {"units": units, "formula": f"offset + gain * ({sign:+d}) * model"})},
        coords={"condition": conds, "time_ms": eeg_ms,
                "item_type": ("condition", types), "presentation": ("condition", press),
                "eeg_condition": ("condition", [conditions[mc] for mc in conds]),
                "in_window": ("time_ms", mask)},
        attrs={"window_ms": (float(lo), float(hi)), "sign": sign, "fit": fit,
               "time_mapping": mapping_note, "channel": channel})

    # spectra over the window, on the EEG time base
    n = int(mask.sum())
    m_fft = max(256, n) if n_fft is None else int(n_fft)
    freqs, p_eeg = power_spectrum(curves["eeg"].values[:, mask], sfreq, n_fft=m_fft)
    _, p_mod = power_spectrum(scaled[:, mask], sfreq, n_fft=m_fft)
    model_step = float(np.median(np.diff(model_ms)))  # ms per model sample
    fmax = 500.0 / model_step if spectrum_fmax is None else float(spectrum_fmax)
    band = (freqs > 0) & (freqs <= fmax)
    for k, mc in enumerate(conds):
        if band.sum() >= 3 and np.all(p_eeg[k, band] > 0) and np.all(p_mod[k, band] > 0):
            rows[mc]["spectral_r"] = float(np.corrcoef(np.log10(p_eeg[k, band]),
                                                       np.log10(p_mod[k, band]))[0, 1])
        else:
            rows[mc]["spectral_r"] = np.nan
    spectra = xr.Dataset(
        {"eeg": (("condition", "freq"), p_eeg, {"units": f"({units})^2"}),
         "model_scaled": (("condition", "freq"), p_mod, {"units": f"({units})^2"})},
        coords={"condition": conds, "freq": freqs,
                "item_type": ("condition", types), "presentation": ("condition", press)},
        attrs={"scaling": "power", "n_fft": m_fft, "n_samples": n, "sfreq": sfreq,
               "window_ms": (float(lo), float(hi)), "spectral_r_fmax_hz": fmax,
               "preprocessing": "none (plain FFT of the window samples, zero-padded)"})
    spectra["freq"].attrs["units"] = "Hz"

    # grand-average FWHM windows (shared by all compared conditions)
    ga = {}
    for key, curve, orient in (("eeg", curves["eeg"].values.mean(0), sign),
                               ("model", curves["model"].values.mean(0), +1)):
        try:
            ga[key] = fwhm_window(curve, eeg_ms, search=(lo, hi), orientation=orient,
                                  unit="ms")
        except ValueError:
            ga[key] = None

    table = pd.DataFrame([rows[mc] for mc in conds], columns=list(COLUMNS))
    settings = {"channel": channel, "conditions": dict(conditions), "window_ms": (lo, hi),
                "ms_per_tick": ms_per_tick, "onset_tick": onset_tick,
                "time_mapping": mapping_note, "sign": sign, "fit": fit,
                "instance": instance, "eeg_units": units, "eeg_sfreq": sfreq,
                "resampling": "linear interpolation at EEG sample times"}
    return Comparison(table=table, curves=curves, spectra=spectra, window=(lo, hi),
                      windows=ga, settings=settings)


# --------------------------------------------------------------------------- model
def model_result(path=None, *, n_instances=4, rng=0, items=None):
    """A simulation result (two presentations) to compare, and where it came from.

    Parameters
    ----------
    path : str or Path, optional
        A saved network (``.npz``, :meth:`erpsim.Network.load`; simulated here on
        ``items`` with two presentations) or a saved simulation result (``.nc``/``.h5``,
        :func:`erpsim.load_result`). Default: ``erpsim.load_pretrained()``; if that
        does not exist or finds no shipped model (``FileNotFoundError``), a freshly
        initialised (untrained) network with a loud warning. Other errors (e.g. a
        checksum mismatch) propagate.
    n_instances, rng
        Size and seed of the fallback network.
    items : Lexicon, optional
        Items to simulate (default the shipped lexicon).

    Returns
    -------
    result : xarray.Dataset
    source : str
        A description of the model used.
    """
    import sys

    import erpsim
    from erpsim.model.lexicon import load_lexicon
    if items is None:
        items = load_lexicon()
    if path is not None:
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"model file not found: {path}")
        if path.suffix in (".nc", ".h5", ".netcdf"):
            return erpsim.load_result(path), f"simulation result {path}"
        if path.suffix != ".npz":
            raise ValueError(f"unknown model file type {path.suffix!r} ({path}); give a "
                             "saved network (.npz) or simulation result (.nc)")
        net = erpsim.Network.load(path)
        return erpsim.simulate(net, items, presentations=2), f"network {path}"
    try:
        net = erpsim.load_pretrained()
    except FileNotFoundError as err:   # the shipped model is missing from this install
        reason = f"erpsim.load_pretrained() failed: {err}"
    else:
        return (erpsim.simulate(net, items, presentations=2),
                f"pretrained model ({net.n_instances} instances)")
    msg = (f"WARNING: no pretrained model available ({reason}) and no --model given: "
           f"comparing a FRESHLY INITIALISED, UNTRAINED network ({n_instances} instances, "
           f"seed {rng}). Its sERP is not the model's N400; the numbers are placeholders.")
    warnings.warn(msg, UserWarning, stacklevel=2)
    print(msg, file=sys.stderr)
    net = erpsim.Network.initialize(erpsim.ModelConfig(), n_instances=n_instances, rng=rng)
    return (erpsim.simulate(net, items, presentations=2),
            f"UNTRAINED fresh network (n_instances={n_instances}, rng={rng})")
