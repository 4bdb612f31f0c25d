"""Fig. 2 of Laszlo & Armstrong (2014): the numbers behind it (docs/analyses.md).

:func:`compute_fig2` simulates repetition pairs of every lexicon item on the shipped
instances with the alpha envelope (the alpha model) and without it (the control), and
returns sERPs with confidence bands, FWHM windows, spectra and repetition statistics,
beside the human ERPs. :func:`write_tables` writes the tidy CSV files.
"""
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import xarray as xr

from erpsim.analysis import human_spectrum, human_window, mean_ci
from erpsim.engine.dynamics import CONFIG, resolve_envelope
from erpsim.io.datasets import load_human_erp
from erpsim.model.pretrained import load_pretrained
from erpsim.model.lexicon import ITEM_TYPES, load_lexicon
from erpsim.paper.pipeline import LOW_BINS, MODELS, analyse_models, simulate_models
from erpsim.model.timebase import deprecated_constants
from erpsim.utils.atomic import atomic_write_bytes
from erpsim.utils.check import _validate_type
from erpsim.utils.deprecation import warn_moved
from erpsim.utils.docs import fill_doc


@dataclass
class Fig2Data:
    """Everything Fig. 2 shows, computed.

    Attributes
    ----------
    serp : dict of str -> xarray.DataArray
        Per model ("alpha", "control"): sERP per instance, dims (instance, item_type,
        presentation, tick).
    human : xarray.DataArray
        Human ERPs in µV, dims (item_type, presentation, time_ms).
    windows : dict
        ``"model"`` -> {model: Window} (shared grand-average window in ticks),
        ``"human"`` -> Window (shared grand-average window in ms).
    spectra : dict
        ``"model"`` -> {model: DataArray (instance, item_type, presentation, freq)},
        ``"human"`` -> DataArray (item_type, presentation, freq).
    stats : pandas.DataFrame
        Paired first-vs-second statistics per model and item type, for the window mean
        and the low-frequency spectral bins.
    envelope : dict
        The alpha envelope used.
    """

    serp: dict
    human: xr.DataArray
    windows: dict
    spectra: dict
    stats: pd.DataFrame
    envelope: dict


@fill_doc
def compute_fig2(network=None, lexicon=None, *, envelope=CONFIG, instances=None,
                 backend="numba", low_bins=LOW_BINS, progress=False):
    """Simulate and analyse everything in Fig. 2.

    The pipeline is :mod:`erpsim.paper.pipeline`'s (the one every sweep point runs),
    on all instances, with each model's own window reported and the statistics across
    instances.

    Parameters
    ----------
    network : Network or None
        Default: :func:`erpsim.load_pretrained`.
    lexicon : Lexicon or None
        Default: the shipped lexicon.
    envelope : Envelope or "config"
        The alpha model's envelope; default ``"config"``: ``network.config.envelope``
        (the calibrated default). ``None``, which meant the configured envelope in 0.1,
        still does, with a ``DeprecationWarning``.
    instances : int or None
        Use only the first ``instances`` instances (``--quick``).
    %(backend)s
    %(low_bins)s
    progress : bool
        Show a progress bar.

    Returns
    -------
    Fig2Data
    """
    network = network if network is not None else load_pretrained()
    if instances is not None:
        _validate_type(instances, "int", "instances")
        if network.n_instances < 2:
            raise ValueError(f"Fig. 2 needs at least 2 instances (its bands and tests are "
                             f"across instances); the network has {network.n_instances}")
        if not 2 <= instances <= network.n_instances:
            raise ValueError(f"instances must be between 2 and {network.n_instances}, got {instances}")
        network = network.select(range(instances))
    lexicon = lexicon if lexicon is not None else load_lexicon()
    if envelope is None:
        warn_moved("compute_fig2(envelope=None) for the configured envelope",
                   f"envelope={CONFIG!r} (the default)")
        envelope = CONFIG
    envelope = resolve_envelope(network, envelope)
    if envelope is None:
        raise ValueError("no alpha envelope: the network's configuration has none; pass envelope=")
    serp = simulate_models(network, lexicon, envelope, backend=backend, progress=progress)
    result = analyse_models(serp, n_stim=network.config.n_stim, all_windows=True, stats=True,
                            low_bins=low_bins)
    human = load_human_erp()
    windows = {"model": result.windows, "human": human_window(human)}
    spectra = {"model": result.spectra, "human": human_spectrum(human)}
    return Fig2Data(serp, human, windows, spectra, result.stats,
                    network.config.replace(envelope=envelope).to_dict()["envelope"])


def serp_table(data):
    """``serp.csv``: model, item_type, presentation, tick, mean, ci_low, ci_high."""
    frames = []
    for model in MODELS:
        mean, low, high = mean_ci(data.serp[model], dim="instance")
        frame = xr.Dataset({"mean": mean, "ci_low": low, "ci_high": high}).to_dataframe().reset_index()
        frame.insert(0, "model", model)
        frames.append(frame[["model", "item_type", "presentation", "tick", "mean", "ci_low", "ci_high"]])
    return pd.concat(frames, ignore_index=True)


def windows_table(data):
    """``windows.csv``: source, model, item_type, start, end, unit (one shared window per source)."""
    rows = []
    for model in MODELS:
        w = data.windows["model"][model]
        rows += [{"source": "model", "model": model, "item_type": t, "start": w.start,
                  "end": w.end, "unit": "tick"} for t in ITEM_TYPES]
    w = data.windows["human"]
    rows += [{"source": "human", "model": "", "item_type": t, "start": w.start, "end": w.end,
              "unit": "ms"} for t in ITEM_TYPES]
    return pd.DataFrame(rows)


def spectra_table(data):
    """``spectra.csv``: source, model, item_type, presentation, freq, power (model: mean over instances)."""
    frames = []
    for model in MODELS:
        spec = data.spectra["model"][model].mean("instance")
        frame = spec.rename("power").to_dataframe().reset_index()
        frame.insert(0, "model", model)
        frame.insert(0, "source", "model")
        frames.append(frame)
    frame = data.spectra["human"].rename("power").to_dataframe().reset_index()
    frame.insert(0, "model", "")
    frame.insert(0, "source", "human")
    frames.append(frame)
    columns = ["source", "model", "item_type", "presentation", "freq", "power"]
    return pd.concat(frames, ignore_index=True)[columns]


def write_tables(data, out_dir):
    """Write serp.csv, windows.csv, spectra.csv and stats.csv into ``out_dir`` (atomically)."""
    out_dir = Path(out_dir)
    paths = {}
    for name, table in (("serp", serp_table(data)), ("windows", windows_table(data)),
                        ("spectra", spectra_table(data)), ("stats", data.stats)):
        paths[name] = atomic_write_bytes(out_dir / f"{name}.csv", table.to_csv(index=False).encode())
    return paths


__getattr__ = deprecated_constants(__name__, ("FIGURE_TICKS",))
