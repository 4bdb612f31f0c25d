"""The bridge to MNE-Python: model sERPs and the human reference as MNE objects.

Time mapping
------------
Model ticks become milliseconds through an explicit, affine mapping

``t_ms = (tick - onset_tick) * ms_per_tick``

with defaults :data:`ONSET_TICK` = 20 (the first stimulus tick, the published figure's
onset) at 0 ms and :data:`MS_PER_TICK` = 48.5 ms per tick. The default is *derived*, not
tuned: it puts the published model grand-average sERP peak (tick 28, the maximum over
ticks 20-38 of the mean of the two published words curves,
:func:`erpsim.io.datasets.load_published_words`) on the human grand-average N400 peak
latency (388 ms, the ``peak_time`` of :func:`erpsim.analysis.windows.human_window` on
the shipped human data: the most negative point of the mean over the four types and two
presentations within 250-450 ms), i.e. ``388 / (28 - 20) = 48.5``.
:func:`derive_ms_per_tick` recomputes it. A tick is then a sample at
``1000 / 48.5 = 20.6 Hz``.

Units
-----
Model activations are not volts. By default a model curve goes on one ``misc``
channel (MNE's "arbitrary units"; stored values are activations, unscaled). With
``scale`` (volts per activation unit, signed) it goes on an ``eeg`` channel as
``scale * activation`` volts; the physiological convention is ``scale < 0`` (more
semantic activation = more negative voltage = a larger N400), and a positive
``scale`` warns. The mapping and the scale are recorded in ``info["description"]``.

Conditions
----------
Conditions are named ``"<item_type>/<presentation>"`` (``"word/1"``, ``"word/2"``,
...): MNE treats ``/`` as a tag separator, so ``epochs["word"]`` selects both
presentations of words and ``epochs["2"]`` every second presentation.

The human reference
-------------------
:func:`human_evokeds` returns the digitized grand averages of Laszlo & Armstrong
(2014, Fig. 2) as ``EvokedArray``\\ s on one EEG channel ``MiPa`` in volts, with a
custom montage (:func:`mipa_montage`) putting MiPa at the position of Pz of MNE's
10-05 template (``colin27_1005``, formerly ``standard_1005``; midline parietal).
"""
from __future__ import annotations

import json
import os
import re
import warnings
from pathlib import Path

import numpy as np
import xarray as xr

from erpsim.eeg._mne import mne
from erpsim.analysis.windows import fwhm_window, human_window
from erpsim.io import datasets
from erpsim.io.datasets import load_human_erp
from erpsim.model.lexicon import ITEM_TYPES
from erpsim.simulation.results import serp_by_type
from erpsim.utils.atomic import atomic_write

__all__ = [
    "ONSET_TICK",
    "MS_PER_TICK",
    "HUMAN_CHANNEL",
    "MODEL_CHANNEL",
    "CONDITIONS",
    "condition_name",
    "parse_condition",
    "tick_to_ms",
    "ms_to_tick",
    "derive_ms_per_tick",
    "model_curves",
    "model_to_evokeds",
    "model_to_epochs",
    "mipa_montage",
    "human_evokeds",
    "save_evokeds",
    "load_evokeds",
    "load_human_evokeds",
    "read_eeg",
    "eeg_condition_evokeds",
    "result_onset_tick",
]

#: Model tick mapped to 0 ms (the first stimulus tick).
ONSET_TICK = 20
#: Milliseconds per model tick (see the module docstring and :func:`derive_ms_per_tick`).
MS_PER_TICK = 48.5
#: Channel name of the human reference (middle parietal).
HUMAN_CHANNEL = "MiPa"
#: Default channel name of exported model curves.
MODEL_CHANNEL = "sERP"
#: The eight conditions of the repetition design, in the figure's order.
CONDITIONS = tuple(f"{t}/{p}" for t in ("word", "acronym", "pseudoword", "illegal")
                   for p in (1, 2))
#: Fixed event codes of the conditions in exported epochs.
EVENT_ID = {c: k + 1 for k, c in enumerate(CONDITIONS)}


# --------------------------------------------------------------------------- names
def condition_name(item_type, presentation):
    """``"word/1"`` from ``("word", 1)``."""
    return f"{item_type}/{int(presentation)}"


def parse_condition(name):
    """``("word", 1)`` from ``"word/1"``.

    Raises
    ------
    ValueError
        If ``name`` is not ``"<item_type>/<presentation>"`` with a known item type and
        a positive integer presentation.
    """
    m = re.fullmatch(r"([A-Za-z_]+)/(\d+)", str(name))
    if not m or m.group(1) not in ITEM_TYPES or int(m.group(2)) < 1:
        raise ValueError(f"unknown model condition {name!r}; model conditions are "
                         f"'<item_type>/<presentation>' with item types {ITEM_TYPES}, "
                         f"e.g. {', '.join(CONDITIONS[:2])}")
    return m.group(1), int(m.group(2))


# --------------------------------------------------------------------------- time
def _check_mapping(ms_per_tick, onset_tick):
    try:
        ms_per_tick = float(ms_per_tick)
        onset_tick = float(onset_tick)
    except (TypeError, ValueError):
        raise ValueError(f"ms_per_tick and onset_tick must be numbers, got "
                         f"{ms_per_tick!r} and {onset_tick!r}") from None
    if not np.isfinite(ms_per_tick) or ms_per_tick <= 0:
        raise ValueError(f"ms_per_tick must be a positive number of ms, got {ms_per_tick!r}")
    if not np.isfinite(onset_tick):
        raise ValueError(f"onset_tick must be finite, got {onset_tick!r}")
    return ms_per_tick, onset_tick


def result_onset_tick(model, onset_tick=None):
    """The onset tick to use for a model: explicit, else the result's, else the default.

    Parameters
    ----------
    model : object
        A simulation result or sERP DataArray; its ``tick`` coordinate may carry
        ``attrs["onset_tick"]`` (the first stimulus tick of its protocol).
    onset_tick : float, optional
        An explicit onset tick; returned as given when not None.

    Returns
    -------
    float
        ``onset_tick``, else ``model["tick"].attrs["onset_tick"]``, else
        :data:`ONSET_TICK` (for curves that carry no onset).
    """
    if onset_tick is not None:
        return onset_tick
    if isinstance(model, (xr.Dataset, xr.DataArray)) and "tick" in model.coords:
        onset = model["tick"].attrs.get("onset_tick")
        if onset is not None:
            return float(onset)
    return ONSET_TICK


def tick_to_ms(ticks, ms_per_tick=MS_PER_TICK, onset_tick=ONSET_TICK):
    """Milliseconds after stimulus onset of model ticks.

    ``t_ms = (tick - onset_tick) * ms_per_tick``.

    Parameters
    ----------
    ticks : array_like
        Tick labels (the ``tick`` coordinate of a simulation result).
    ms_per_tick : float
        Duration of one tick in ms (default :data:`MS_PER_TICK`, 48.5).
    onset_tick : float
        Tick mapped to 0 ms (default :data:`ONSET_TICK`, 20).

    Returns
    -------
    numpy.ndarray or float
        Times in ms, same shape as ``ticks``.
    """
    ms_per_tick, onset_tick = _check_mapping(ms_per_tick, onset_tick)
    out = (np.asarray(ticks, dtype=float) - onset_tick) * ms_per_tick
    return float(out) if out.ndim == 0 else out


def ms_to_tick(ms, ms_per_tick=MS_PER_TICK, onset_tick=ONSET_TICK):
    """Inverse of :func:`tick_to_ms` (fractional ticks)."""
    ms_per_tick, onset_tick = _check_mapping(ms_per_tick, onset_tick)
    out = np.asarray(ms, dtype=float) / ms_per_tick + onset_tick
    return float(out) if out.ndim == 0 else out


def derive_ms_per_tick(model_serp=None, human_erp=None, *, onset_tick=ONSET_TICK,
                       model_search=(20, 38), human_search=(250, 450)):
    """Derive ``ms_per_tick`` by aligning the model's and the human N400 peaks.

    The model peak is the tick of the maximum of the model grand average (mean over
    every dim except ``tick``) within ``model_search``; the human peak is the
    ``peak_time`` of :func:`erpsim.analysis.windows.human_window` (grand average,
    N400 negative) within ``human_search``. With stimulus onset at ``onset_tick`` ->
    0 ms, ``ms_per_tick = human_peak_ms / (model_peak_tick - onset_tick)``.

    Parameters
    ----------
    model_serp : xarray.DataArray, optional
        Model sERP(s) with a ``tick`` dim; default the published words curves
        (:func:`erpsim.io.datasets.load_published_words`).
    human_erp : xarray.DataArray, optional
        Human ERPs in µV with a ``time_ms`` dim; default the shipped human data.
    onset_tick : float
    model_search : (float, float)
        Ticks searched for the model peak.
    human_search : (float, float)
        Milliseconds searched for the human N400 peak.

    Returns
    -------
    dict
        ``ms_per_tick``, ``model_peak_tick``, ``human_peak_ms``, ``onset_tick``.
        With the defaults: 48.5, 28, 388.0, 20.
    """
    if model_serp is None:
        model_serp = datasets.load_published_words()
    if human_erp is None:
        human_erp = datasets.load_human_erp()
    avg = model_serp.mean([d for d in model_serp.dims if d != "tick"])
    model_peak = fwhm_window(avg, search=model_search, orientation=+1).peak_time
    human_peak = human_window(human_erp, search=human_search).peak_time
    if model_peak <= onset_tick:
        raise ValueError(f"the model peak (tick {model_peak:g}) is not after the onset tick "
                         f"{onset_tick:g}; cannot derive ms_per_tick")
    return {"ms_per_tick": float(human_peak / (model_peak - onset_tick)),
            "model_peak_tick": float(model_peak), "human_peak_ms": float(human_peak),
            "onset_tick": float(onset_tick)}


# --------------------------------------------------------------------------- model
def _by_type(model):
    """(instance, item_type, presentation, tick) DataArray from a result or a DataArray."""
    if isinstance(model, xr.Dataset):
        if "serp" not in model:
            raise ValueError("the model Dataset has no 'serp' variable (not a simulation result)")
        return serp_by_type(model)
    if isinstance(model, xr.DataArray):
        need = {"item_type", "presentation", "tick"}
        missing = need - set(model.dims)
        if missing:
            raise ValueError(f"the model DataArray lacks dim(s) {sorted(missing)}; expected "
                             "(instance, item_type, presentation, tick) as from "
                             "erpsim.serp_by_type")
        extra = set(model.dims) - need - {"instance"}
        if extra:
            raise ValueError(f"the model DataArray has unexpected dim(s) {sorted(extra)}; "
                             "average or select them first")
        if "instance" not in model.dims:
            model = model.expand_dims(instance=[0])
        return model.transpose("instance", "item_type", "presentation", "tick")
    raise ValueError("model must be a simulation result (xarray.Dataset) or an sERP "
                     f"DataArray (instance, item_type, presentation, tick), got "
                     f"{type(model).__name__}")


def _select_instance(arr, instance):
    if instance is None:
        return arr.mean("instance"), arr.sizes["instance"]
    labels = arr["instance"].values.tolist()
    if instance not in labels:
        raise ValueError(f"model instance {instance!r} not found; instances are {labels}")
    return arr.sel(instance=instance, drop=True), 1


def model_curves(model, *, instance=None):
    """Model sERP per condition, in activation units on the tick grid.

    Parameters
    ----------
    model : xarray.Dataset or xarray.DataArray
        A simulation result (:func:`erpsim.simulate` of a Lexicon) or an sERP by type,
        dims (instance, item_type, presentation, tick) (``instance`` optional).
    instance : int, optional
        One model instance; default the mean over instances.

    Returns
    -------
    ticks : numpy.ndarray, shape (n_ticks,)
    curves : dict
        ``{"word/1": ndarray (n_ticks,), ...}`` in the order item type, presentation.
    """
    arr, _ = _select_instance(_by_type(model), instance)
    ticks = np.asarray(arr["tick"].values, dtype=float)
    curves = {}
    for it in arr["item_type"].values:
        for p in arr["presentation"].values:
            curves[condition_name(str(it), p)] = np.asarray(
                arr.sel(item_type=it, presentation=p).values, dtype=float)
    return ticks, curves


def _check_ticks(ticks):
    if ticks.size < 2 or not np.allclose(np.diff(ticks), 1.0):
        raise ValueError("model ticks must be consecutive integers (one sample per tick); "
                         f"got {ticks[:5]}...")


def _model_info(ch_name, ms_per_tick, onset_tick, scale):
    if scale is None:
        ch_type = "misc"
        units = "activation (misc channel, unscaled)"
    else:
        try:
            scale = float(scale)
        except (TypeError, ValueError):
            raise ValueError(f"scale must be a number of volts per activation unit, "
                             f"got {scale!r}") from None
        if not np.isfinite(scale) or scale == 0:
            raise ValueError(f"scale must be finite and nonzero (V per activation unit), "
                             f"got {scale!r}")
        if scale > 0:
            warnings.warn(f"scale={scale:g} V per activation unit is positive: more semantic "
                          "activation becomes a more positive voltage, the opposite of the "
                          "N400 convention (use a negative scale)", UserWarning, stacklevel=3)
        ch_type = "eeg"
        units = f"V = {scale:g} V per activation unit x activation"
    info = mne.create_info([ch_name], 1000.0 / ms_per_tick, ch_type)
    info["description"] = json.dumps({
        "source": "erpsim model sERP (mean semantic excitatory activation)",
        "time_mapping": "t_ms = (tick - onset_tick) * ms_per_tick",
        "ms_per_tick": ms_per_tick, "onset_tick": onset_tick, "scale_V_per_activation": scale,
        "units": units})
    return info, scale


def model_to_evokeds(model, *, instance=None, ms_per_tick=MS_PER_TICK,
                     onset_tick=None, scale=None, ch_name=MODEL_CHANNEL):
    """Model sERPs per condition as :class:`mne.EvokedArray`\\ s.

    Parameters
    ----------
    model : xarray.Dataset or xarray.DataArray
        A simulation result of a Lexicon with ``presentations >= 1``, or an sERP by type
        (instance, item_type, presentation, tick).
    instance : int, "each" or None
        None (default): the mean over instances (``nave`` = number of instances);
        an int: that instance; ``"each"``: one Evoked per instance (lists).
    ms_per_tick, onset_tick : float
        The time mapping (see :func:`tick_to_ms`); ``tmin`` is the first tick's time
        and ``sfreq = 1000 / ms_per_tick`` Hz. ``onset_tick`` defaults to the result's
        own (:func:`result_onset_tick`).
    scale : float, optional
        Volts per activation unit, signed (N400 convention: negative). None (default):
        a ``misc`` channel holding raw activations. Given: an ``eeg`` channel holding
        ``scale * activation`` V.
    ch_name : str
        Channel name (default ``"sERP"``; pass ``"MiPa"`` to overlay on the human data).

    Returns
    -------
    dict
        ``{"word/1": Evoked, ...}`` (comment = condition); with ``instance="each"`` the
        values are lists of Evoked, one per instance (comment ``"word/1"``, the
        instance in ``info["description"]``).
    """
    ms_per_tick, onset_tick = _check_mapping(ms_per_tick, result_onset_tick(model, onset_tick))
    arr = _by_type(model)
    info, scale = _model_info(ch_name, ms_per_tick, onset_tick, scale)
    factor = 1.0 if scale is None else scale
    ticks = np.asarray(arr["tick"].values, dtype=float)
    _check_ticks(ticks)
    tmin = tick_to_ms(ticks[0], ms_per_tick, onset_tick) / 1000.0

    def make(values, cond, nave, inst_info):
        return mne.EvokedArray(factor * np.asarray(values, dtype=float)[None, :], inst_info,
                               tmin=tmin, comment=cond, nave=int(nave), verbose="error")

    if isinstance(instance, str) and instance == "each":
        out = {}
        for inst in arr["instance"].values:
            desc = json.loads(info["description"])
            desc["instance"] = int(inst)
            inst_info = info.copy()
            inst_info["description"] = json.dumps(desc)
            _, curves = model_curves(arr, instance=inst)
            for cond, values in curves.items():
                out.setdefault(cond, []).append(make(values, cond, 1, inst_info))
        return out
    if isinstance(instance, str):
        raise ValueError(f"instance must be an int, 'each' or None, got {instance!r}")
    _, nave = _select_instance(arr, instance)
    _, curves = model_curves(arr, instance=instance)
    return {cond: make(values, cond, nave, info) for cond, values in curves.items()}


def model_to_epochs(result, *, instance="all", ms_per_tick=MS_PER_TICK,
                    onset_tick=None, scale=None, ch_name=MODEL_CHANNEL):
    """Item-level model sERPs as an :class:`mne.EpochsArray`.

    One epoch per (instance, item, presentation) (``instance="all"``, default), per
    (item, presentation) averaged over instances (``instance=None``) or for one
    instance (an int). Conditions are the ``event_id`` (``"word/1"`` = 1, ``"word/2"``
    = 2, ``"acronym/1"`` = 3, ... in :data:`CONDITIONS` order), so ``epochs["word"]``
    and ``epochs["word/2"]`` work.

    Parameters
    ----------
    result : xarray.Dataset
        A simulation result of a :class:`erpsim.Lexicon` (``serp`` with item coords
        ``item_type``, ``zipf``, ``neighbours``).
    instance : "all", int or None
    ms_per_tick, onset_tick, scale, ch_name
        See :func:`model_to_evokeds`.

    Returns
    -------
    mne.EpochsArray
        ``metadata`` columns: ``condition``, ``item``, ``item_type``,
        ``presentation``, ``zipf`` (Zipf frequency), ``neighbours`` (orthographic
        neighbourhood size), ``instance`` (-1 for the instance mean).
    """
    import pandas as pd
    if not isinstance(result, xr.Dataset) or "serp" not in result:
        raise ValueError("model_to_epochs needs a simulation result (xarray.Dataset with "
                         "'serp'); item-level data are not in an sERP by type")
    for coord in ("item_type", "zipf", "neighbours"):
        if coord not in result.coords:
            raise ValueError(f"the result has no {coord!r} item coordinate (simulate a "
                             "Lexicon, not bare strings)")
    ms_per_tick, onset_tick = _check_mapping(ms_per_tick, result_onset_tick(result, onset_tick))
    serp = result["serp"].transpose("instance", "item", "presentation", "tick")
    if instance is None:
        serp = serp.mean("instance").expand_dims(instance=[-1])
    elif isinstance(instance, str):
        if instance != "all":
            raise ValueError(f"instance must be 'all', an int or None, got {instance!r}")
    else:
        labels = serp["instance"].values.tolist()
        if instance not in labels:
            raise ValueError(f"model instance {instance!r} not found; instances are {labels}")
        serp = serp.sel(instance=[instance])
    ticks = np.asarray(serp["tick"].values, dtype=float)
    _check_ticks(ticks)
    info, scale = _model_info(ch_name, ms_per_tick, onset_tick, scale)
    factor = 1.0 if scale is None else scale
    values = np.asarray(serp.values, dtype=float)  # (instance, item, presentation, tick)
    n_inst, n_item, n_pres, n_t = values.shape
    rows = []
    data = np.empty((n_inst * n_item * n_pres, 1, n_t))
    codes = np.empty(n_inst * n_item * n_pres, dtype=int)
    event_id = {}
    k = 0
    items = serp["item"].values
    for i, inst in enumerate(serp["instance"].values):
        for j, item in enumerate(items):
            it = str(result["item_type"].values[j])
            for q, pres in enumerate(serp["presentation"].values):
                cond = condition_name(it, pres)
                code = EVENT_ID.get(cond)
                if code is None:
                    code = event_id.get(cond, len(EVENT_ID) + len(event_id) + 1)
                event_id[cond] = code
                data[k, 0] = factor * values[i, j, q]
                codes[k] = code
                rows.append({"condition": cond, "item": str(item), "item_type": it,
                             "presentation": int(pres),
                             "zipf": float(result["zipf"].values[j]),
                             "neighbours": int(result["neighbours"].values[j]),
                             "instance": int(inst)})
                k += 1
    event_id = {c: event_id[c] for c in sorted(event_id, key=event_id.get)}
    events = np.column_stack([np.arange(k) * n_t, np.zeros(k, int), codes])
    tmin = tick_to_ms(ticks[0], ms_per_tick, onset_tick) / 1000.0
    return mne.EpochsArray(data, info, events=events, tmin=tmin, event_id=event_id,
                           metadata=pd.DataFrame(rows), baseline=None, verbose="error")


# --------------------------------------------------------------------------- human
def mipa_montage():
    """A one-channel montage with MiPa at the position of Pz of the 10-05 template.

    MiPa ("middle parietal") is not in the 10-20/10-05 systems; it is the midline
    parietal site of the cap used by Laszlo & Armstrong (2014). We put it at Pz of
    MNE's 10-05 template on the Colin27 head (``colin27_1005``, the new name of
    ``standard_1005``, which is deprecated; the older name is used on MNE versions
    without the new one), with that template's nasion and preauricular fiducials, in
    the template's MRI frame (``set_montage`` moves it to head coordinates). Pz is where
    a midline parietal electrode sits; MiPa's exact position on the original cap is not
    published with the data.

    Returns
    -------
    mne.channels.DigMontage
    """
    name = ("colin27_1005" if "colin27_1005" in mne.channels.get_builtin_montages()
            else "standard_1005")
    pos = mne.channels.make_standard_montage(name).get_positions()
    return mne.channels.make_dig_montage(
        ch_pos={HUMAN_CHANNEL: np.asarray(pos["ch_pos"]["Pz"], dtype=float)},
        nasion=pos["nasion"], lpa=pos["lpa"], rpa=pos["rpa"], coord_frame=pos["coord_frame"])


def human_evokeds():
    """The shipped human grand averages as :class:`mne.EvokedArray`\\ s.

    One EEG channel ``MiPa`` in volts (the CSV's µV x 1e-6, true sign: the N400 is
    negative-going), 250 Hz, -0.1 to 0.9 s, montage :func:`mipa_montage`. The curves
    are already baseline-corrected (no baseline is applied). ``nave`` is 1: the
    number of trials and participants behind the published grand averages is not
    part of the digitized data.

    Returns
    -------
    dict
        ``{"word/1": Evoked, "word/2": ..., "illegal/2": Evoked}`` (comment =
        condition).
    """
    erp = load_human_erp()
    times = np.asarray(erp["time_ms"].values, dtype=float) / 1000.0
    sfreq = float(erp.attrs.get("sfreq", 250.0))
    info = mne.create_info([HUMAN_CHANNEL], sfreq, "eeg")
    info.set_montage(mipa_montage())
    info["description"] = json.dumps({
        "source": "Laszlo & Armstrong (2014), Brain and Language 132, 22-27, Fig. 2 "
                  "(digitized; see data/README.md)",
        "units": "V", "channel": "MiPa at Pz of the colin27_1005 (standard_1005) template",
        "note": "grand averages; nave unknown, stored as 1"})
    out = {}
    for it in erp["item_type"].values:
        for p in erp["presentation"].values:
            cond = condition_name(str(it), p)
            uv = np.asarray(erp.sel(item_type=it, presentation=p).values, dtype=float)
            out[cond] = mne.EvokedArray(uv[None, :] * 1e-6, info.copy(), tmin=times[0],
                                        comment=cond, nave=1, verbose="error")
    return out


def _fif_suffix_ok(path, kinds):
    name = Path(path).name
    for ext in (".fif", ".fif.gz"):
        if name.endswith(ext):
            stem = name[: -len(ext)]
            return any(stem.endswith(k) for k in kinds)
    return False


def save_evokeds(path, evokeds):
    """Write evokeds (a dict or a list) to a ``-ave.fif`` file atomically.

    Parameters
    ----------
    path : str or Path
        Must end in ``-ave.fif``/``_ave.fif`` (optionally ``.gz``), MNE's convention.
    evokeds : dict or list of mne.Evoked
        Each Evoked's ``comment`` names its condition (set from the dict key).

    Returns
    -------
    pathlib.Path
    """
    path = Path(path)
    if not _fif_suffix_ok(path, ("-ave", "_ave")):
        raise ValueError(f"evoked file name {path.name!r} must end in -ave.fif or _ave.fif")
    if isinstance(evokeds, dict):
        items = []
        for cond, ev in evokeds.items():
            ev = ev.copy()
            ev.comment = str(cond)
            items.append(ev)
    else:
        items = list(evokeds)
    if not items:
        raise ValueError("no evokeds to save")
    suffix = "-ave.fif.gz" if path.name.endswith(".gz") else "-ave.fif"
    return atomic_write(path, lambda tmp: mne.write_evokeds(tmp, items, overwrite=True,
                                                             verbose="error"), suffix=suffix)


def load_evokeds(path):
    """Read a ``-ave.fif`` file into ``{comment: Evoked}``.

    Raises
    ------
    FileNotFoundError, ValueError
        Missing file; unreadable file or duplicated comments.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"evoked file not found: {path}")
    try:
        evokeds = mne.read_evokeds(path, verbose="error")
    except Exception as err:  # MNE raises many types for corrupt files
        raise ValueError(f"could not read evokeds from {path}: {err}") from err
    out = {}
    for ev in evokeds:
        if ev.comment in out:
            raise ValueError(f"{path} holds two evokeds with the comment {ev.comment!r}")
        out[ev.comment] = ev
    return out


def load_human_evokeds(path=None):
    """The human reference as ``{condition: Evoked}``.

    Parameters
    ----------
    path : str or Path, optional
        A ``-ave.fif`` written by ``save_evokeds(path, human_evokeds())``; default:
        built from the shipped CSV (:func:`human_evokeds`).
    """
    if path is None:
        return human_evokeds()
    return load_evokeds(path)


# --------------------------------------------------------------------------- EEG input
def read_eeg(path, *, verbose="error"):
    """Read an EEG file with MNE, choosing the reader by its extension.

    - ``*-ave.fif``/``*_ave.fif`` (``.gz``): :func:`mne.read_evokeds` -> list of Evoked;
    - ``*-epo.fif``/``*_epo.fif``: :func:`mne.read_epochs` -> Epochs;
    - ``*_raw.fif``/``*-raw.fif``/``*_eeg.fif``: :func:`mne.io.read_raw_fif` -> Raw;
    - other ``.fif``: tried as evokeds, then epochs, then raw;
    - ``.set`` (EEGLAB): raw, else :func:`mne.read_epochs_eeglab`;
    - anything :func:`mne.io.read_raw` knows (BrainVision ``.vhdr``, ``.edf``,
      ``.bdf``, ``.gdf``, ``.cnt``, ``.mff``, ...): Raw (preloaded).

    Returns
    -------
    list of mne.Evoked, mne.Epochs or mne.io.Raw

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        Unsupported extension, or a file its reader cannot read (the reader's message
        is included).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"EEG file not found: {path}")
    name = path.name.lower()

    def attempt(kind, fn):
        try:
            return fn()
        except Exception as err:  # readers raise ValueError, OSError, RuntimeError, ...
            detail = str(err) or "the reader rejected the file's content without a message"
            raise ValueError(f"could not read {path} as {kind}: "
                             f"{type(err).__name__}: {detail}") from err

    if name.endswith(".fif") or name.endswith(".fif.gz"):
        if _fif_suffix_ok(name, ("-ave", "_ave")):
            return attempt("evokeds (FIF)", lambda: mne.read_evokeds(path, verbose=verbose))
        if _fif_suffix_ok(name, ("-epo", "_epo")):
            return attempt("epochs (FIF)",
                           lambda: mne.read_epochs(path, preload=True, verbose=verbose))
        if _fif_suffix_ok(name, ("-raw", "_raw", "_eeg", "_meg", "_ieeg")):
            return attempt("raw (FIF)",
                           lambda: mne.io.read_raw_fif(path, preload=True, verbose=verbose))

        def evokeds():
            out = mne.read_evokeds(path, verbose=verbose)
            if not out:
                raise ValueError("no evoked data in the file")
            return out

        errors = []
        for kind, fn in (("evokeds", evokeds),
                         ("epochs", lambda: mne.read_epochs(path, preload=True,
                                                            verbose=verbose)),
                         ("raw", lambda: mne.io.read_raw_fif(path, preload=True,
                                                             verbose=verbose))):
            try:
                return fn()
            except Exception as err:
                errors.append(f"{kind}: {type(err).__name__}: {err}")
        raise ValueError(f"could not read {path} as FIF evokeds, epochs or raw ("
                         + "; ".join(errors) + ")")
    if name.endswith(".set"):
        try:
            return mne.io.read_raw_eeglab(path, preload=True, verbose=verbose)
        except Exception:
            return attempt("EEGLAB epochs",
                           lambda: mne.read_epochs_eeglab(path, verbose=verbose))
    from mne.io._read_raw import _get_supported
    supported = sorted(_get_supported())
    if not any(name.endswith(ext) for ext in supported):
        raise ValueError(f"unsupported EEG file type {path.suffix!r} ({path.name}); MNE "
                         f"reads {', '.join(supported)}")
    return attempt(f"raw EEG ({path.suffix})",
                   lambda: mne.io.read_raw(path, preload=True, verbose=verbose))


def _pick_channel(inst, channel):
    if channel not in inst.ch_names:
        shown = ", ".join(inst.ch_names[:20]) + (" ..." if len(inst.ch_names) > 20 else "")
        raise ValueError(f"channel {channel!r} not found in the EEG data; channels are: "
                         f"{shown}")
    return inst.copy().pick([channel])


def _raw_to_epochs(raw, eeg_names, channel, epoch, baseline):
    raw = _pick_channel(raw, channel)
    if len(raw.annotations):
        events, ids = mne.events_from_annotations(raw, verbose="error")
    else:
        try:
            events = mne.find_events(raw, verbose="error")
        except Exception as err:
            raise ValueError(f"the raw EEG has no annotations and no stim channel with "
                             f"events ({err})") from err
        ids = {str(c): int(c) for c in np.unique(events[:, 2])}
    unknown = [n for n in eeg_names if n not in ids]
    if unknown:
        raise ValueError(f"unknown EEG condition(s) {unknown}; the raw file's events are "
                         f"{sorted(ids)}")
    tmin, tmax = epoch
    return mne.Epochs(raw, events, event_id={n: ids[n] for n in eeg_names}, tmin=tmin,
                      tmax=tmax, baseline=baseline, picks=[channel], preload=True,
                      reject_by_annotation=False, verbose="error")


def eeg_condition_evokeds(eeg, conditions, channel, *, epoch=(-0.1, 0.9),
                          baseline=(None, 0)):
    """One-channel EEG evokeds for the requested conditions.

    Parameters
    ----------
    eeg : str, Path, mne.Evoked, list or dict of Evoked, mne.Epochs or mne.io.Raw
        A file (read with :func:`read_eeg`) or MNE data.
    conditions : dict
        ``{model_condition: eeg_condition}``, e.g. ``{"word/1": "Word/first"}``. The EEG
        condition is an Evoked's ``comment`` (or a dict key), an Epochs ``event_id``
        key or tag selection (``epochs[name]``), or a Raw annotation description / stim
        event code.
    channel : str
        EEG channel to compare.
    epoch : (float, float)
        ``tmin, tmax`` in s when epoching Raw data.
    baseline : tuple or None
        Baseline (s) applied when epoching Raw data (Epochs and Evokeds are used as
        they are).

    Returns
    -------
    dict
        ``{model_condition: Evoked}`` with only ``channel`` (its data in the file's
        units, V for EEG channels).
    """
    if isinstance(eeg, (str, os.PathLike)):
        eeg = read_eeg(eeg)
    if not isinstance(conditions, dict) or not conditions:
        raise ValueError("conditions must be a non-empty dict {model_condition: "
                         "eeg_condition}")
    for mc in conditions:
        parse_condition(mc)
    names = [str(v) for v in conditions.values()]
    if isinstance(eeg, mne.Evoked):
        eeg = [eeg]
    if isinstance(eeg, dict):
        evs = {str(k): v for k, v in eeg.items()}
    elif isinstance(eeg, (list, tuple)):
        evs = {}
        for ev in eeg:
            if not isinstance(ev, mne.Evoked):
                raise ValueError(f"expected a list of mne.Evoked, got a "
                                 f"{type(ev).__name__} in it")
            evs[str(ev.comment)] = ev
    elif isinstance(eeg, mne.BaseEpochs):
        out = {}
        for mc, name in conditions.items():
            try:
                sub = eeg[name]
            except KeyError as err:
                raise ValueError(f"unknown EEG condition {name!r} (for {mc}); the epochs' "
                                 f"event_id names are {sorted(eeg.event_id)}") from err
            if len(sub) == 0:
                raise ValueError(f"EEG condition {name!r} (for {mc}) has no epochs")
            sub = _pick_channel(sub, channel)
            out[mc] = sub.average(picks=[channel])
            out[mc].comment = name
        return out
    elif isinstance(eeg, mne.io.BaseRaw):
        epochs = _raw_to_epochs(eeg, names, channel, epoch, baseline)
        out = {}
        for mc, name in conditions.items():
            ev = epochs[name].average(picks=[channel])
            ev.comment = name
            out[mc] = ev
        return out
    else:
        raise ValueError(f"EEG data must be a file path, Evoked(s), Epochs or Raw, got "
                         f"{type(eeg).__name__}")
    unknown = [n for n in names if n not in evs]
    if unknown:
        raise ValueError(f"unknown EEG condition(s) {unknown}; the evokeds' comments are "
                         f"{sorted(evs)}")
    return {mc: _pick_channel(evs[name], channel) for mc, name in conditions.items()}
