"""Compare model sERPs with EEG: alignment, fit under the hypothesis' sign, chance levels.

>>> from erpsim.eeg.compare import compare
>>> cmp = compare("sub01-ave.fif", result, channel="Pz")                  # doctest: +SKIP
>>> cmp.table                                                              # doctest: +SKIP

How the two are put on one time base
------------------------------------
Model ticks become ms with :func:`erpsim.eeg.bridge.tick_to_ms`: ``t_ms = (tick -
onset_tick) * ms_per_tick``. The onset tick is the result's own
(``result["tick"].attrs["onset_tick"]``, the first stimulus tick of its protocol);
:data:`erpsim.eeg.bridge.ONSET_TICK` (20) is used only for curves that carry none.
The tick-sampled model curve is then **linearly interpolated at the EEG sample times**
(``numpy.interp``); EEG samples outside the model's span get NaN.

Sign convention and fit
-----------------------
``sign`` (default -1) maps activation to voltage: the regressor is ``x = sign *
activation`` (more semantic activation = more negative voltage = larger N400), and the
EEG N400 is the extremum of ``sign * eeg``. Within the comparison window the EEG ``y``
(µV) is fitted as ``y ~ offset + gain * x`` with ``gain >= 0`` (the sign is the
hypothesis, not a free parameter): a fit that wants the other sign is reported with
``gain = 0``, ``wrong_sign = True`` and its (negative) ``r``; ``free_sign=True``
frees it. ``fit="shared"`` fits one offset and gain to all conditions together.

Chance levels
-------------
Every measure comes with its null (``*_null``: mean over ``n_null`` phase-randomised
model curves, seeded by ``rng``) and a one-sided permutation p (``*_p``), see
:mod:`erpsim.eeg.metrics`.
"""
from __future__ import annotations

import os
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from erpsim.analysis.spectra import power_spectrum
from erpsim.analysis.windows import fwhm_window
from erpsim.eeg._mne import mne
from erpsim.eeg.bridge import (MS_PER_TICK, _check_mapping, eeg_condition_evokeds,
                               model_curves, parse_condition, read_eeg, result_onset_tick,
                               tick_to_ms)
from erpsim.eeg.conditions import match_conditions
from erpsim.eeg.metrics import (affine_fit, null_summary, pearson_rows, phase_randomized,
                                signed_fit, spectral_similarity)
from erpsim.model.lexicon import load_lexicon
from erpsim.model.network import Network
from erpsim.model.pretrained import load_pretrained
from erpsim.simulation.results import load_result
from erpsim.simulation.trials import simulate
from erpsim.utils.atomic import atomic_write
from erpsim.utils.check import _check_option

__all__ = ["N400_WINDOW", "FITS", "Comparison", "compare", "resample_model", "affine_fit",
           "model_result", "model_input", "resolve_conditions", "eeg_curves",
           "comparison_window", "subject_column", "SUBJECT_COLUMNS", "MAX_PLAUSIBLE_V"]

#: Default comparison window in ms after stimulus onset (the human N400 window of docs/model.md §7).
N400_WINDOW = (250.0, 450.0)
#: Fit modes of :func:`compare`.
FITS = ("per_condition", "shared")
#: Largest plausible EEG amplitude in volts (1 mV); larger values in a volts channel
#: are almost always µV data labelled as volts.
MAX_PLAUSIBLE_V = 1e-3

#: Epochs metadata columns that name participants (see :mod:`erpsim.eeg.group`).
SUBJECT_COLUMNS = ("subject", "participant")

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


def _peak_and_fwhm(curve, times, window, orientation):
    """(peak_time, Window or None) of the oriented curve within ``window``."""
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
        One row per condition; columns :data:`COLUMNS`, described in ``docs/mne.md``.
    curves : xarray.Dataset
        dims (condition, time_ms) over the EEG epoch: ``eeg`` (µV for voltage
        channels), ``model`` (activation, resampled to the EEG times; NaN outside the
        model's span), ``model_scaled`` (``offset + gain * sign * model`` with each
        condition's fit, in the EEG's units); coords ``item_type``, ``presentation``,
        ``in_window``.
    spectra : xarray.Dataset
        dims (condition, freq): one-sided power of the mean-removed, Hann-tapered
        ``eeg`` (µV²) and ``model`` (activation²) over the span where both exist.
    window : (float, float)
        The comparison window in ms.
    windows : dict
        Grand-average FWHM windows ``{"eeg": Window, "model": Window}`` (None if
        undefined).
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
           "window_end_ms", "n_samples", "r", "r_null", "r_p", "wrong_sign",
           "gain_uV_per_activation", "offset_uV", "rmse_uV", "rmse_null_uV", "rmse_p",
           "eeg_mean_uV", "model_mean", "peak_eeg_ms", "peak_model_ms", "peak_diff_ms",
           "peak_diff_null_ms", "peak_diff_p", "peak_eeg_at_edge", "peak_model_at_edge",
           "fwhm_eeg_start_ms", "fwhm_eeg_end_ms", "fwhm_model_start_ms",
           "fwhm_model_end_ms", "rep_eeg_uV", "rep_model", "rep_model_scaled_uV",
           "spectral_r", "spectral_r_null", "spectral_r_p", "n_null")


# --------------------------------------------------------------------------- inputs
def _model_from_evokeds(model):
    """(model_ms, {cond: activation}) from a dict of model Evokeds (see model_to_evokeds)."""
    import json
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


def model_input(model, *, ms_per_tick=MS_PER_TICK, onset_tick=None, instance=None):
    """Model curves in activation units on their own time grid in ms.

    Parameters
    ----------
    model : xarray.Dataset, xarray.DataArray or dict of mne.Evoked
        See :func:`compare`.
    ms_per_tick : float
        ms per tick.
    onset_tick : float, optional
        Tick at 0 ms; default the result's ``tick.attrs["onset_tick"]``, else
        :data:`~erpsim.eeg.bridge.ONSET_TICK`.
    instance : int, optional
        One model instance (default the mean).

    Returns
    -------
    model_ms : ndarray, shape (n_ticks,)
    curves : dict
        ``{"word/1": ndarray (n_ticks,), ...}`` (activation).
    note : str
        The time mapping in words.
    onset_tick : float or None
        The onset used (None for model evokeds).
    """
    if isinstance(model, dict):
        model_ms, curves = _model_from_evokeds(model)
        return model_ms, curves, "model evokeds' own times", None
    ms_per_tick, onset_tick = _check_mapping(ms_per_tick, result_onset_tick(model, onset_tick))
    ticks, curves = model_curves(model, instance=instance)
    return (tick_to_ms(ticks, ms_per_tick, onset_tick), curves,
            f"t_ms = (tick - {onset_tick:g}) * {ms_per_tick:g}", onset_tick)


def _eeg_names_available(eeg):
    """Condition names an EEG object offers (None if unknown without a mapping)."""
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


def subject_column(eeg):
    """The metadata column naming participants of an Epochs, or None.

    Parameters
    ----------
    eeg : object
        Anything; only an :class:`mne.Epochs` with a ``subject`` or ``participant``
        metadata column holding at least two ids yields a name.

    Returns
    -------
    str or None
    """
    meta = getattr(eeg, "metadata", None) if isinstance(eeg, mne.BaseEpochs) else None
    col = next((c for c in SUBJECT_COLUMNS if meta is not None and c in meta), None)
    return col if col is not None and meta[col].nunique() > 1 else None


def resolve_conditions(eeg, model_conditions, conditions=None):
    """The ``{model_condition: eeg_condition}`` mapping of a comparison.

    Parameters
    ----------
    eeg : mne.Evoked, list/dict of Evoked, mne.Epochs or mne.io.Raw
    model_conditions : iterable of str
        The model's conditions (``"word/1"``, ...).
    conditions : dict, optional
        An explicit mapping; it overrides the vocabulary. Default: EEG names matched by
        :func:`erpsim.eeg.conditions.match_conditions` (``"Comment/Word/first"`` ->
        ``"word/1"``).

    Returns
    -------
    dict

    Raises
    ------
    ValueError
        No condition matched, an ambiguous match (candidates listed), unknown model
        conditions, a malformed mapping.
    """
    model_conditions = list(model_conditions)
    if conditions is None:
        avail = _eeg_names_available(eeg)
        if avail is None:
            raise ValueError("pass conditions={model_condition: eeg_condition}")
        conditions = match_conditions(model_conditions, avail)
        if not conditions:
            raise ValueError(f"no condition names shared by the model "
                             f"({sorted(model_conditions)}) and the EEG ({sorted(avail)}); "
                             "name them by item type and presentation (e.g. "
                             "'Word/first', see docs/mne.md) or pass conditions="
                             "{model_condition: eeg_condition}")
    if not isinstance(conditions, dict) or not conditions:
        raise ValueError("conditions must be a non-empty dict {model_condition: "
                         "eeg_condition}")
    conditions = {str(k): str(v) for k, v in conditions.items()}
    for mc in conditions:
        parse_condition(mc)
    unknown = [mc for mc in conditions if mc not in model_conditions]
    if unknown:
        raise ValueError(f"unknown model condition(s) {unknown}; the model has "
                         f"{model_conditions}")
    return conditions


def _eeg_curve(ev):
    """(times_ms, values, unit) of a one-channel Evoked; V -> µV."""
    ch = ev.info["chs"][0]
    factor, unit = (1e6, "uV") if int(ch["unit"]) == _FIFF_UNIT_V else (1.0, "a.u.")
    return np.round(ev.times * 1000.0, 3), ev.data[0] * factor, unit


def _check_values(y, unit, label):
    """Refuse non-finite samples and amplitudes implausible for volts."""
    bad = ~np.isfinite(y)
    if bad.any():
        raise ValueError(f"{label} holds {int(bad.sum())} NaN/inf sample(s) of "
                         f"{y.size}; interpolate or drop them (e.g. "
                         "epochs.drop_bad(), raw.interpolate_bads()) before comparing")
    peak = float(np.max(np.abs(y))) * 1e-6 if unit == "uV" else 0.0
    if peak > MAX_PLAUSIBLE_V:
        raise ValueError(f"{label} reaches {peak:.3g} V, implausible for EEG stored in "
                         "volts (> 1 mV): the data are probably in µV but labelled as V. "
                         "Convert them, e.g. inst.apply_function(lambda x: x * 1e-6), "
                         "or fix the channel's unit in the file")


def eeg_curves(evokeds, conditions, channel):
    """The EEG curves of a comparison, checked.

    Parameters
    ----------
    evokeds : dict
        ``{model_condition: one-channel Evoked}``.
    conditions : dict
        ``{model_condition: eeg_condition}`` (for messages).
    channel : str

    Returns
    -------
    eeg_ms : ndarray, shape (n_samples,)
    curves : dict
        ``{model_condition: ndarray (n_samples,)}`` in µV (or the file's units).
    units : str
        ``"uV"`` for volts channels, else ``"a.u."``.

    Raises
    ------
    ValueError
        Different time axes, fewer than 2 samples, NaN/inf anywhere, amplitudes above
        1 mV in a volts channel (each naming condition and channel).
    """
    eeg_ms, units, curves = None, None, {}
    for mc, ev in evokeds.items():
        t, y, unit = _eeg_curve(ev)
        _check_values(y, unit, f"EEG condition {conditions[mc]!r} ({mc}), channel "
                               f"{channel!r},")
        if eeg_ms is None:
            eeg_ms, units = t, unit
        elif t.shape != eeg_ms.shape or not np.allclose(t, eeg_ms, atol=1e-3):
            raise ValueError(f"EEG condition {conditions[mc]!r} has a different time axis "
                             "from the others; crop or resample them to one epoch")
        curves[mc] = y
    if eeg_ms.size < 2:
        raise ValueError("the EEG epoch has fewer than 2 samples")
    return eeg_ms, curves, units


def _parse_window(window):
    try:
        lo, hi = (float(v) for v in window)
    except (TypeError, ValueError):
        raise ValueError(f"window must be a (start_ms, end_ms) pair or 'epoch', got "
                         f"{window!r}") from None
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"window ({lo:g}, {hi:g}) ms must be finite with start < end")
    return lo, hi


def comparison_window(window, eeg_ms, model_ms, note=""):
    """The comparison window and its sample mask on the EEG time base.

    Parameters
    ----------
    window : (float, float) or "epoch"
        In ms, inclusive; ``"epoch"``: where the EEG epoch and the model overlap.
    eeg_ms, model_ms : ndarray
        EEG and model sample times, ms.
    note : str
        The time mapping, for messages.

    Returns
    -------
    lo, hi : float
        The window actually used, ms.
    mask : ndarray of bool, shape (n_samples,)
    """
    tol = 0.5 * float(np.median(np.diff(eeg_ms)))
    if isinstance(window, str):
        if window != "epoch":
            raise ValueError(f"window must be a (start_ms, end_ms) pair or 'epoch', got "
                             f"{window!r}")
        lo, hi = float(max(eeg_ms[0], model_ms[0])), float(min(eeg_ms[-1], model_ms[-1]))
        if hi <= lo:
            raise ValueError(f"the EEG epoch ({eeg_ms[0]:g} to {eeg_ms[-1]:g} ms) and the "
                             f"model ({model_ms[0]:g} to {model_ms[-1]:g} ms) do not overlap")
    else:
        lo, hi = _parse_window(window)
        if eeg_ms[0] > lo + tol or eeg_ms[-1] < hi - tol:
            raise ValueError(f"the EEG epoch ({eeg_ms[0]:g} to {eeg_ms[-1]:g} ms) does not "
                             f"cover the comparison window {lo:g}-{hi:g} ms")
        if model_ms[0] > lo + 1e-9 or model_ms[-1] < hi - 1e-9:
            raise ValueError(f"the model ({model_ms[0]:g} to {model_ms[-1]:g} ms with "
                             f"{note}) does not cover the comparison window "
                             f"{lo:g}-{hi:g} ms")
        lo, hi = float(max(lo, eeg_ms[0])), float(min(hi, eeg_ms[-1]))
    mask = (eeg_ms >= lo) & (eeg_ms <= hi)
    if mask.sum() < 3:
        raise ValueError(f"the comparison window {lo:g}-{hi:g} ms holds {mask.sum()} EEG "
                         "sample(s); at least 3 are needed")
    return lo, hi, mask


# --------------------------------------------------------------------------- fits, rows
def _fit_conditions(x, y, fit, free_sign):
    """Per-condition fits in the window, or one shared fit copied to each condition.

    ``x``/``y``: ``{cond: regressor/EEG in the window}``.
    """
    fits = {mc: signed_fit(x[mc], y[mc], free_sign=free_sign) for mc in x}
    if fit == "shared":
        shared = signed_fit(np.concatenate(list(x.values())),
                            np.concatenate(list(y.values())), free_sign=free_sign)
        for mc in x:
            resid = y[mc] - shared["offset"] - shared["gain"] * x[mc]
            fits[mc] = dict(fits[mc], offset=shared["offset"], gain=shared["gain"],
                            wrong_sign=shared["wrong_sign"],
                            rmse=float(np.sqrt(np.mean(resid ** 2))))
    for mc, f in fits.items():
        if not np.isfinite(f["r"]):
            warnings.warn(f"{mc}: the model or EEG curve is constant in the window; "
                          "correlation undefined", RuntimeWarning, stacklevel=3)
        elif f["wrong_sign"]:
            warnings.warn(f"{mc}: the EEG follows the model with the wrong sign (r = "
                          f"{f['r']:.2f}); "
                          + ("fitted upside down (free_sign=True)" if free_sign else
                             "gain set to 0"), RuntimeWarning, stacklevel=3)
    return fits


def _condition_row(mc, eeg_name, y, m, f, eeg_ms, mask, sign):
    """One table row (without repetition, spectral and null columns)."""
    lo, hi = float(eeg_ms[mask][0]), float(eeg_ms[mask][-1])
    it, pres = parse_condition(mc)
    pk_e, w_e = _peak_and_fwhm(y, eeg_ms, (lo, hi), sign)
    pk_m, w_m = _peak_and_fwhm(m, eeg_ms, (lo, hi), +1)
    return {
        "condition": mc, "eeg_condition": eeg_name, "item_type": it, "presentation": pres,
        "window_start_ms": lo, "window_end_ms": hi, "n_samples": int(mask.sum()),
        "r": f["r"], "wrong_sign": f["wrong_sign"], "gain_uV_per_activation": f["gain"],
        "offset_uV": f["offset"], "rmse_uV": f["rmse"],
        "eeg_mean_uV": float(y[mask].mean()), "model_mean": float(m[mask].mean()),
        "peak_eeg_ms": pk_e, "peak_model_ms": pk_m, "peak_diff_ms": pk_m - pk_e,
        # a peak on the window's first/last sample: the extremum may lie outside
        "peak_eeg_at_edge": bool(pk_e in (lo, hi)), "peak_model_at_edge": bool(pk_m in (lo, hi)),
        "fwhm_eeg_start_ms": w_e.start if w_e else np.nan,
        "fwhm_eeg_end_ms": w_e.end if w_e else np.nan,
        "fwhm_model_start_ms": w_m.start if w_m else np.nan,
        "fwhm_model_end_ms": w_m.end if w_m else np.nan,
        "rep_eeg_uV": np.nan, "rep_model": np.nan, "rep_model_scaled_uV": np.nan,
    }


def _add_repetition(rows, y, m, mask, sign, free_sign):
    """First minus second presentation in the window, per item type (into ``rows``)."""
    by_type = {}
    for mc in rows:
        it, pres = parse_condition(mc)
        by_type.setdefault(it, {})[pres] = mc
    for pres_map in by_type.values():
        if 1 not in pres_map or 2 not in pres_map:
            continue
        c1, c2 = pres_map[1], pres_map[2]
        rep_eeg = sign * (y[c1][mask].mean() - y[c2][mask].mean())
        rep_model = m[c1][mask].mean() - m[c2][mask].mean()
        joint = signed_fit(np.concatenate([sign * m[c1][mask], sign * m[c2][mask]]),
                           np.concatenate([y[c1][mask], y[c2][mask]]), free_sign=free_sign)
        for c in (c1, c2):
            rows[c].update(rep_eeg_uV=float(rep_eeg), rep_model=float(rep_model),
                           rep_model_scaled_uV=float(joint["gain"] * rep_model))


# --------------------------------------------------------------------------- chance
def _surrogate_metrics(sur, y, eeg_ms, mask, sign, free_sign):
    """r, rmse and |peak difference| of surrogate curves against the EEG in the window.

    ``sur``: (n, n_samples) surrogate activations on the EEG time base; ``y``: the EEG.
    """
    x, yw = sign * sur[:, mask], y[mask]
    dx, dy = x - x.mean(1, keepdims=True), yw - yw.mean()
    with np.errstate(invalid="ignore", divide="ignore"):
        gain = (dx @ dy) / (dx * dx).sum(1)
    gain = np.nan_to_num(gain if free_sign else np.maximum(gain, 0.0))
    rmse = np.sqrt(((dy - gain[:, None] * dx) ** 2).mean(1))
    tw = eeg_ms[mask]
    eeg_peak = _peak_and_fwhm(y, eeg_ms, (tw[0], tw[-1]), sign)[0]
    peak = np.abs(tw[np.argmax(sur[:, mask], axis=1)] - eeg_peak)
    return {"r": pearson_rows(x, yw), "rmse": rmse, "peak": peak}


def _add_nulls(rows, model_ms, mcurves, y, eeg_ms, mask, opts):
    """Null means and p values of every measure (into ``rows``), per condition.

    Time-domain measures: phase-randomised model curves (same spectrum, so same
    smoothness); ``spectral_r``: time-shuffled model curves (phase randomisation keeps
    the spectrum, so it is no null for a spectral measure). ``opts``: sign, free_sign,
    fmax, n_null, rng.
    """
    rng = np.random.default_rng(opts["rng"])
    n, sign = int(opts["n_null"]), opts["sign"]
    sfreq = 1000.0 / float(np.median(np.diff(eeg_ms)))
    for mc, row in rows.items():
        row["n_null"] = n
        if n < 1:
            continue
        sur = resample_model(model_ms, phase_randomized(mcurves[mc], n, rng), eeg_ms)
        null = _surrogate_metrics(sur, y[mc], eeg_ms, mask, sign, opts["free_sign"])
        shuffled = resample_model(model_ms, rng.permuted(np.tile(mcurves[mc], (n, 1)),
                                                         axis=1), eeg_ms)
        span = np.isfinite(shuffled[0])
        spec = spectral_similarity(sign * shuffled[:, span], y[mc][span], sfreq,
                                   opts["fmax"])
        row["r_null"], row["r_p"] = null_summary(row["r"], null["r"], "higher")
        row["rmse_null_uV"], row["rmse_p"] = null_summary(row["rmse_uV"], null["rmse"],
                                                          "lower")
        row["peak_diff_null_ms"], row["peak_diff_p"] = null_summary(
            abs(row["peak_diff_ms"]), null["peak"], "lower")
        row["spectral_r_null"], row["spectral_r_p"] = null_summary(
            row["spectral_r"], np.atleast_1d(spec), "higher")


# --------------------------------------------------------------------------- outputs
def _spectra(rows, y, m, eeg_ms, sign, fmax, units):
    """Spectral similarity over the span both curves cover (into ``rows``) and spectra."""
    conds = list(rows)
    span = np.all(np.isfinite(np.stack([m[mc] for mc in conds])), axis=0)
    sfreq = 1000.0 / float(np.median(np.diff(eeg_ms)))
    for mc in conds:
        rows[mc]["spectral_r"] = float(spectral_similarity(sign * m[mc][span], y[mc][span],
                                                           sfreq, fmax))
    freqs, p_eeg = power_spectrum(np.stack([y[mc][span] for mc in conds]), sfreq,
                                  detrend="constant", taper="hann")
    _, p_mod = power_spectrum(np.stack([m[mc][span] for mc in conds]), sfreq,
                              detrend="constant", taper="hann")
    spectra = xr.Dataset(
        {"eeg": (("condition", "freq"), p_eeg, {"units": f"({units})^2"}),
         "model": (("condition", "freq"), p_mod, {"units": "(activation)^2"})},
        coords={"condition": conds, "freq": freqs,
                "item_type": ("condition", [rows[c]["item_type"] for c in conds]),
                "presentation": ("condition", [rows[c]["presentation"] for c in conds])},
        attrs={"scaling": "power", "n_samples": int(span.sum()), "sfreq": sfreq,
               "span_ms": (float(eeg_ms[span][0]), float(eeg_ms[span][-1])),
               "spectral_r_fmax_hz": fmax,
               "preprocessing": "mean removed, Hann taper, no zero-padding"})
    spectra["freq"].attrs["units"] = "Hz"
    return spectra


def _curves_dataset(rows, y, m, fits, eeg_ms, mask, meta):
    """The aligned curves; ``meta``: units, channel, sign, fit, time_mapping, window."""
    conds, sign = list(rows), meta["sign"]
    scaled = np.stack([fits[mc]["offset"] + fits[mc]["gain"] * sign * m[mc] for mc in conds])
    units = meta["units"]
    return xr.Dataset(
        {"eeg": (("condition", "time_ms"), np.stack([y[mc] for mc in conds]),
                 {"units": units, "channel": meta["channel"]}),
         "model": (("condition", "time_ms"), np.stack([m[mc] for mc in conds]),
                   {"units": "activation", "resampling": "linear interpolation of the "
                    "tick-sampled sERP at the EEG sample times"}),
         "model_scaled": (("condition", "time_ms"), scaled,
                          {"units": units, "formula": f"offset + gain * ({sign:+d}) * model"})},
        coords={"condition": conds, "time_ms": eeg_ms,
                "item_type": ("condition", [rows[c]["item_type"] for c in conds]),
                "presentation": ("condition", [rows[c]["presentation"] for c in conds]),
                "eeg_condition": ("condition", [rows[c]["eeg_condition"] for c in conds]),
                "in_window": ("time_ms", mask)},
        attrs={"window_ms": meta["window"], "sign": sign, "fit": meta["fit"],
               "time_mapping": meta["time_mapping"], "channel": meta["channel"]})


def _grand_windows(curves, lo, hi, sign):
    """Grand-average FWHM windows of EEG and model (None where undefined)."""
    out = {}
    for key, orient in (("eeg", sign), ("model", +1)):
        try:
            out[key] = fwhm_window(curves[key].values.mean(0), curves["time_ms"].values,
                                   search=(lo, hi), orientation=orient, unit="ms")
        except ValueError:
            out[key] = None
    return out


# --------------------------------------------------------------------------- compare
def _drop_deprecated(deprecated):
    """Accept 0.1's ``n_fft`` with a warning; refuse any other unknown keyword."""
    unknown = sorted(set(deprecated) - {"n_fft"})
    if unknown:
        raise TypeError(f"compare() got unexpected keyword argument(s) {unknown}")
    if "n_fft" in deprecated:
        warnings.warn("compare(n_fft=...) is deprecated and ignored: spectral_r now uses "
                      "the whole mean-removed, tapered epoch", DeprecationWarning,
                      stacklevel=3)


def compare(eeg, model, *, channel, conditions=None, window=N400_WINDOW,
            ms_per_tick=MS_PER_TICK, onset_tick=None, sign=-1, fit="per_condition",
            free_sign=False, instance=None, epoch=(-0.1, 0.9), baseline=(None, 0),
            spectrum_fmax=None, n_null=200, rng=0, **deprecated):
    """Compare model sERPs with EEG evokeds, condition by condition.

    Parameters
    ----------
    eeg : str, Path, mne.Evoked, list/dict of Evoked, mne.Epochs or mne.io.Raw
        EEG data, or a file any MNE reader handles (see
        :func:`erpsim.eeg.bridge.read_eeg`). Epochs are averaged per condition; Raw
        data are epoched at their annotations (``epoch``, ``baseline``).
    model : xarray.Dataset, xarray.DataArray or dict of mne.Evoked
        A simulation result, an sERP by type (instance, item_type, presentation, tick),
        or model evokeds from :func:`erpsim.eeg.bridge.model_to_evokeds`.
    channel : str
        The EEG channel to compare (e.g. ``"MiPa"``, ``"Pz"``).
    conditions : dict, optional
        ``{model_condition: eeg_condition}``; default: the EEG's names read through the
        vocabulary of :mod:`erpsim.eeg.conditions` (``"Comment/Word/first"``).
    window : (float, float) or "epoch"
        Comparison window in ms, inclusive (default 250-450 ms); ``"epoch"``: the whole
        overlap of EEG epoch and model.
    ms_per_tick : float
        ms per model tick (ignored for model evokeds).
    onset_tick : float, optional
        Tick at 0 ms; default the result's ``tick.attrs["onset_tick"]``, else 20.
    sign : {-1, +1}
        Polarity activation -> voltage (default -1: more activation = more negative).
    fit : {"per_condition", "shared"}
        One affine fit per condition (default) or one for all conditions.
    free_sign : bool
        Let the gain take either sign (default False: ``gain >= 0``, the hypothesis).
    instance : int, optional
        One model instance instead of the mean over instances.
    epoch : (float, float)
        Epoch limits in s for Raw input.
    baseline : tuple or None
        Baseline in s for Raw input.
    spectrum_fmax : float, optional
        Highest frequency (Hz) of ``spectral_r``; default the model's Nyquist frequency.
    n_null : int
        Phase-randomised model curves per condition for the chance levels (0: none).
    rng : int or numpy.random.Generator
        Seed of the surrogates.
    **deprecated
        ``n_fft`` (0.1: the FFT length of the window spectra, which no longer exist) is
        accepted and ignored with a ``DeprecationWarning`` until the next release.

    Returns
    -------
    Comparison

    Raises
    ------
    FileNotFoundError
        The EEG file does not exist.
    ValueError
        Unreadable file, missing channel, unknown or ambiguous conditions, NaN in the
        EEG, implausible amplitudes, a window not covered, bad options.
    """
    _drop_deprecated(deprecated)
    if sign not in (-1, 1) or isinstance(sign, bool):
        raise ValueError(f"sign must be -1 or +1, got {sign!r}")
    _check_option("fit", fit, FITS)
    if isinstance(n_null, bool) or not isinstance(n_null, (int, np.integer)) or n_null < 0:
        raise ValueError(f"n_null must be a whole number >= 0, got {n_null!r}")
    model_ms, mcurves, note, onset_tick = model_input(
        model, ms_per_tick=ms_per_tick, onset_tick=onset_tick, instance=instance)
    if isinstance(eeg, (str, os.PathLike)):
        eeg = read_eeg(eeg)
    if subject_column(eeg):
        warnings.warn(f"the epochs hold {eeg.metadata[subject_column(eeg)].nunique()} "
                      "participants, averaged here into one grand average; use "
                      "erpsim.eeg.group.compare_group for per-participant metrics, "
                      "intervals and tests", UserWarning, stacklevel=2)
    conditions = resolve_conditions(eeg, mcurves, conditions)
    evs = eeg_condition_evokeds(eeg, conditions, channel, epoch=epoch, baseline=baseline)
    eeg_ms, y, units = eeg_curves(evs, conditions, channel)
    lo, hi, mask = comparison_window(window, eeg_ms, model_ms, note)
    m = {mc: resample_model(model_ms, mcurves[mc], eeg_ms) for mc in conditions}
    fits = _fit_conditions({mc: sign * m[mc][mask] for mc in m},
                           {mc: y[mc][mask] for mc in m}, fit, free_sign)
    rows = {mc: _condition_row(mc, conditions[mc], y[mc], m[mc], fits[mc], eeg_ms, mask,
                               sign) for mc in m}
    _add_repetition(rows, y, m, mask, sign, free_sign)
    fmax = (500.0 / float(np.median(np.diff(model_ms))) if spectrum_fmax is None
            else float(spectrum_fmax))
    spectra = _spectra(rows, y, m, eeg_ms, sign, fmax, units)
    _add_nulls(rows, model_ms, mcurves, y, eeg_ms, mask,
               {"sign": sign, "free_sign": free_sign, "fmax": fmax, "n_null": n_null,
                "rng": rng})
    curves = _curves_dataset(rows, y, m, fits, eeg_ms, mask,
                             {"units": units, "channel": channel, "sign": sign, "fit": fit,
                              "time_mapping": note, "window": (lo, hi)})
    settings = {"channel": channel, "conditions": dict(conditions), "window_ms": (lo, hi),
                "ms_per_tick": ms_per_tick, "onset_tick": onset_tick, "time_mapping": note,
                "sign": sign, "fit": fit, "free_sign": free_sign, "instance": instance,
                "eeg_units": units, "eeg_sfreq": 1000.0 / float(np.median(np.diff(eeg_ms))),
                "n_null": n_null, "null": "phase-randomised model curves",
                "resampling": "linear interpolation at EEG sample times"}
    return Comparison(table=pd.DataFrame(list(rows.values()), columns=list(COLUMNS)),
                      curves=curves, spectra=spectra, window=(lo, hi),
                      windows=_grand_windows(curves, lo, hi, sign), settings=settings)


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
    if items is None:
        items = load_lexicon()
    if path is not None:
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"model file not found: {path}")
        if path.suffix in (".nc", ".h5", ".netcdf"):
            return load_result(path), f"simulation result {path}"
        if path.suffix != ".npz":
            raise ValueError(f"unknown model file type {path.suffix!r} ({path}); give a "
                             "saved network (.npz) or simulation result (.nc)")
        net = Network.load(path)
        return simulate(net, items, presentations=2), f"network {path}"
    try:
        net = load_pretrained()
    except FileNotFoundError as err:   # the shipped model is missing from this install
        reason = f"erpsim.load_pretrained() failed: {err}"
    else:
        return (simulate(net, items, presentations=2),
                f"pretrained model ({net.n_instances} instances)")
    msg = (f"WARNING: no pretrained model available ({reason}) and no --model given: "
           f"comparing a FRESHLY INITIALISED, UNTRAINED network ({n_instances} instances, "
           f"seed {rng}). Its sERP is not the model's N400; the numbers are placeholders.")
    warnings.warn(msg, UserWarning, stacklevel=2)
    print(msg, file=sys.stderr)
    net = Network.initialize(None, n_instances=n_instances, rng=rng)
    return (simulate(net, items, presentations=2),
            f"UNTRAINED fresh network (n_instances={n_instances}, rng={rng})")
