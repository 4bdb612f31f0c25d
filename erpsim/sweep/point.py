"""What one sweep point computes: train (or reuse) a model, run the repetition protocol
and the Fig. 2 analyses, and summarise them in a small labelled Dataset.

These functions are pure (their result depends only on their arguments) so a point
computed on a Dask worker equals the same point computed here, one by one.
"""
from __future__ import annotations

import json

import numpy as np
import xarray as xr

from erpsim.model.lexicon import TRAINED_TYPES
from erpsim.model.network import Network
from erpsim.paper.pipeline import analyse_models, simulate_models
from erpsim.model.timebase import N400_SEARCH, absolute
from erpsim.training import lexical_decision, semantics_of, train
from erpsim.utils.deprecation import warn_moved

#: Data variables of a point's result (see :func:`analyse_point`).
VARIABLES = ("serp", "window_mean", "repetition_effect", "spectrum", "window_start",
             "window_end", "ld_accuracy", "ld_d_prime", "train_accuracy", "train_loss",
             "train_epochs")


def train_point(point, lexicon):
    """Initialise and train the point's model instance (or load it: ``point.model_file``).

    Parameters
    ----------
    point : erpsim.sweep.Point
    lexicon : erpsim.Lexicon
        Its words and acronyms are trained.

    Returns
    -------
    Network
        One instance (seed ``point.seed``), trained with ``point.training_settings()``;
        for a point with a ``model_file``, instance ``point.seed`` of that file.
    """
    if point.model_file is not None:
        return load_instance(point)
    config = point.model_config()
    network = Network.initialize(config, 1, rng=[point.seed])
    network, _ = train(network, lexicon, point.training_settings(), progress=False)
    network.meta["model_key"] = point.model_key
    return network


def load_instance(point):
    """Instance ``point.seed`` of ``point.model_file``, with its own training summary
    (accuracy and loss) in the meta."""
    network = Network.load(point.model_file).select(point.seed)
    network.meta["model_key"] = point.model_key
    return network


def search_window(config):
    """Deprecated: the FWHM search window in tick labels (ticks 0-18 after onset, clipped
    to the last stimulus tick); windows now come from
    :mod:`erpsim.model.timebase` and the result's onset."""
    warn_moved("erpsim.sweep.point.search_window",
               "erpsim.model.timebase.window_of(serp, N400_SEARCH, clip=True)")
    return absolute(N400_SEARCH, config.onset_tick, config.onset_tick + config.n_stim - 1)


def spectrum_samples(config):
    """Deprecated: the stimulus ticks and FFT length of the spectra."""
    warn_moved("erpsim.sweep.point.spectrum_samples",
               "erpsim.paper.pipeline.stimulus_samples")
    return absolute((0, config.n_stim - 1), config.onset_tick), config.n_stim


def _lexical_decision(ds, network):
    """(accuracy, d') of lexical decision by semantic familiarity (by semantic stress for a
    network without stored semantics), NaN without both item kinds."""
    trained = np.isin(ds["item_type"].values, TRAINED_TYPES)
    if trained.sum() < 2 or (~trained).sum() < 2:
        return np.nan, np.nan
    if "semantics" in network.meta:
        table = lexical_decision(ds, semantics_of(network)[1])
    else:
        table = lexical_decision(ds, measure="stress")
    return float(table["accuracy"].iloc[0]), float(table["d_prime"].iloc[0])


def analyse_point(point, lexicon, network, *, backend="numba"):
    """Repetition protocol and Fig. 2 analyses of one trained instance.

    As in :func:`erpsim.paper.fig2.compute_fig2`: repetition pairs of every lexicon item with
    the point's envelope (model ``"alpha"``) and without it (``"control"``, the same
    weights); the sERP per item type; one FWHM window from the alpha model's grand
    average (the control's when there is no envelope) applied to both models; window
    means; spectra of the stimulus ticks. Lexical decision reads semantic familiarity at the
    last tick of the first presentation.

    Parameters
    ----------
    point : erpsim.sweep.Point
    lexicon : erpsim.Lexicon
    network : Network
        The trained instance (:func:`train_point`); its configuration's timing and
        envelope are replaced by the point's.
    backend : str
        Simulation backend.

    Returns
    -------
    xarray.Dataset
        ``serp`` (model, item_type, presentation, tick); ``window_mean`` (model,
        item_type, presentation); ``repetition_effect`` (model, item_type): first minus
        second window mean (positive: reduced on repetition); ``spectrum`` (model,
        item_type, presentation, freq) power, freq in Nyquist units; ``window_start``,
        ``window_end`` (ticks); ``ld_accuracy``, ``ld_d_prime`` (model); the training's
        ``train_accuracy``, ``train_loss``, ``train_epochs``. Attributes: the point's
        key, model key and parameters (JSON).
    """
    if network.n_instances != 1:
        raise ValueError(f"a sweep point analyses one instance, got {network.n_instances}")
    config = point.model_config()
    network = Network(config, network.W, network.b, network.seeds, network.meta)
    ld = {}

    def lexical_decision(model, ds):
        ld[model] = _lexical_decision(ds, network)

    serps = simulate_models(network, lexicon, config.envelope, backend=backend, groups=None,
                            record_units=True, on_result=lexical_decision)
    models = list(serps)
    stack = xr.DataArray(models, dims="model")
    serp = xr.concat([serps[m].isel(instance=0, drop=True) for m in models], dim=stack)
    result = analyse_models({m: serp.sel(model=m, drop=True) for m in models}, n_stim=config.n_stim)
    window = result.window
    wm = xr.concat([result.window_mean[m] for m in models], dim=stack)
    spectrum = xr.concat([result.spectra[m] for m in models], dim=stack)
    meta = network.meta

    def scalar(key):
        value = meta.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        return np.nan if value is None else float(value)

    out = xr.Dataset(
        {"serp": serp,
         "window_mean": wm,
         "repetition_effect": wm.sel(presentation=1, drop=True) - wm.sel(presentation=2, drop=True),
         "spectrum": spectrum,
         "window_start": float(window.start), "window_end": float(window.end),
         "ld_accuracy": ("model", [ld[m][0] for m in models]),
         "ld_d_prime": ("model", [ld[m][1] for m in models]),
         "train_accuracy": scalar("accuracy"), "train_loss": scalar("final_loss"),
         "train_epochs": scalar("epochs")})
    for name in out.data_vars:
        out[name].attrs = {}
    out["serp"].attrs.update(long_name="mean semantic activation (sERP)", units="activation")
    out["window_mean"].attrs.update(long_name="sERP mean over the FWHM window", units="activation")
    out["repetition_effect"].attrs.update(
        long_name="first minus second presentation window mean", units="activation")
    out["spectrum"].attrs.update(long_name="one-sided power of the stimulus ticks",
                                 units="activation^2")
    out["freq"].attrs.update(units="nyquist")
    out["window_start"].attrs.update(units="tick")
    out["window_end"].attrs.update(units="tick")
    out.attrs.update(point_key=point.key, model_key=point.model_key,
                     params=json.dumps(point.params, sort_keys=True),
                     coords=json.dumps(point.coords))
    return out


def run_point(point, lexicon, network=None, *, backend="numba"):
    """One point from scratch: :func:`train_point` (unless ``network`` is given), then
    :func:`analyse_point`. The reference for what a sweep stores."""
    if network is None:
        network = train_point(point, lexicon)
    return analyse_point(point, lexicon, network, backend=backend)
