"""The repetition pipeline shared by Fig. 2 and every sweep point.

1. :func:`simulate_models` -- repetition pairs of every lexicon item with the alpha
   envelope (model ``"alpha"``) and without it (``"control"``, the same weights), the
   sERP averaged per item type;
2. :func:`analyse_models` -- one FWHM window from the reference model's grand average
   (the alpha model's; the control's when there is no envelope) applied to every model,
   the window means, the spectra of the stimulus ticks and, across instances, the
   paired first-vs-second statistics.

Windows are found in ticks after onset (:mod:`erpsim.model.timebase`): the
onset comes from each sERP's ``tick.attrs["onset_tick"]``.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from tqdm.auto import tqdm

from erpsim.analysis import model_spectrum, model_window, repetition_stats, window_mean
from erpsim.simulation.results import serp_by_type
from erpsim.model.timebase import window_of
from erpsim.simulation.trials import simulate_repetition
from erpsim.utils.docs import fill_doc

#: Names of the two models, in the order they are simulated.
MODELS = ("alpha", "control")
#: Default Nyquist-normalised bins whose power is compared between presentations.
LOW_BINS = (0.0, 0.1, 0.2, 0.3, 0.4)


def model_runs(envelope):
    """The ``(model, envelope)`` pairs to simulate: alpha then control, or the control
    alone when ``envelope`` is None."""
    if envelope is None:
        return [("control", None)]
    return [("alpha", envelope), ("control", None)]


@fill_doc
def simulate_models(network, lexicon, envelope, *, backend="numba", groups=("S",),
                    record_units=False, progress=False, on_result=None):
    """Repetition pairs of ``lexicon`` with and without ``envelope``; sERP per item type.

    Parameters
    ----------
    network : Network
    lexicon : Lexicon
    envelope : Envelope or None
        The alpha envelope; None simulates the control only.
    %(backend)s
    groups : sequence of str or None
        Unit groups recorded (default the semantic group only).
    record_units : bool
        Keep every unit's output in the results handed to ``on_result``.
    progress : bool
        Show a progress bar.
    on_result : callable or None
        ``on_result(model, ds)``, called with each model's full result Dataset.

    Returns
    -------
    dict of str -> xarray.DataArray
        Per model, the sERP, dims (instance, item_type, presentation, tick).
    """
    serp = {}
    for model, env in tqdm(model_runs(envelope), desc="simulating", disable=not progress):
        ds = simulate_repetition(network, lexicon, envelope=env, backend=backend,
                                 record_units=record_units, groups=groups)
        if on_result is not None:
            on_result(model, ds)
        serp[model] = serp_by_type(ds)
    return serp


@dataclass
class RepetitionAnalysis:
    """What :func:`analyse_models` computes; every dict is keyed by model.

    Attributes
    ----------
    window : Window
        The shared FWHM window (the reference model's grand average), in ticks.
    windows : dict of str -> Window
        Each model's own grand-average window (only the reference's unless asked).
    window_mean : dict of str -> xarray.DataArray
        sERP mean over ``window``, dims of the sERP without ``tick``.
    spectra : dict of str -> xarray.DataArray
        Power of the stimulus ticks, dims of the sERP with ``freq`` (Nyquist units)
        instead of ``tick``.
    stats : pandas.DataFrame or None
        Paired statistics across instances (``model``, ``measure`` = "window_mean" or
        "power", then :func:`erpsim.analysis.repetition_stats`'s columns); None unless
        asked.
    """

    window: object
    windows: dict
    window_mean: dict
    spectra: dict
    stats: pd.DataFrame | None = None


def stimulus_samples(serp, n_stim):
    """The stimulus ticks of ``serp`` as ``(first, last)`` tick labels and the FFT length.

    Parameters
    ----------
    serp : xarray.DataArray
        Carries the onset in ``tick.attrs["onset_tick"]``.
    n_stim : int
        Stimulus ticks per presentation (``ModelConfig.n_stim``).

    Returns
    -------
    samples : (int, int)
    n_fft : int
        ``n_stim`` (no zero-padding).
    """
    return window_of(serp, (0, int(n_stim) - 1)), int(n_stim)


@fill_doc
def analyse_models(serp, *, n_stim=20, all_windows=False, stats=False, low_bins=LOW_BINS):
    """Windows, window means, spectra and statistics of the sERPs of the models.

    Parameters
    ----------
    serp : dict of str -> xarray.DataArray
        Per model, the sERP with dims (item_type, presentation, tick) and optionally
        ``instance``, as from :func:`simulate_models`; the first model is the
        reference whose window every model is measured in.
    n_stim : int
        Stimulus ticks per presentation: the spectra transform these ticks, no
        zero-padding (default 20: bins 0.1 apart in Nyquist units).
    all_windows : bool
        Also find each other model's own window (Fig. 2 reports them).
    stats : bool
        Compute the paired first-vs-second statistics across instances (needs an
        ``instance`` dim of at least 2).
    %(low_bins)s

    Returns
    -------
    RepetitionAnalysis
    """
    models = list(serp)
    reference = models[0]
    window = model_window(serp[reference])
    windows = {reference: window}
    if all_windows:
        windows.update({m: model_window(serp[m]) for m in models[1:]})
    means = {m: window_mean(s, window=window) for m, s in serp.items()}
    spectra = {}
    for m, s in serp.items():
        samples, n_fft = stimulus_samples(s, n_stim)
        spectra[m] = model_spectrum(s, samples=samples, n_fft=n_fft)
    table = _stats_table(means, spectra, low_bins) if stats else None
    return RepetitionAnalysis(window, windows, means, spectra, table)


def _stats_table(means, spectra, low_bins):
    """Paired statistics of the window means and the low-frequency power, per model."""
    rows = []
    for model, wm in means.items():
        for measure, values in (("window_mean", wm),
                                ("power", spectra[model].sel(freq=list(low_bins),
                                                             method="nearest"))):
            table = repetition_stats(values)
            table.insert(0, "measure", measure)
            table.insert(0, "model", model)
            rows.append(table)
    return pd.concat(rows, ignore_index=True)
