"""Fig. 2 of Laszlo & Armstrong (2014): the numbers behind it (spec ``fig2.md``).

:func:`compute_fig2` simulates repetition pairs of every lexicon item on the shipped
instances with the alpha envelope (the alpha model) and without it (the control), and
returns sERPs with confidence bands, FWHM windows, spectra and repetition statistics,
beside the human ERPs. :func:`write_tables` writes the tidy CSV files.
"""
from dataclasses import dataclass

import pandas as pd
import xarray as xr

from erpsim.analysis import (human_spectrum, human_window, mean_ci, model_spectrum, model_window,
                       repetition_stats, window_mean)
from erpsim.io.datasets import load_human_erp
from erpsim.model.lexicon import ITEM_TYPES, load_lexicon
from erpsim.simulation.trials import serp_by_type, simulate_repetition

MODELS = ("alpha", "control")
FIGURE_TICKS = (20, 38)


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


def compute_fig2(network=None, lexicon=None, *, envelope=None, instances=None,
                 backend="numba", low_bins=(0.0, 0.1, 0.2, 0.3, 0.4), progress=False):
    """Simulate and analyse everything in Fig. 2.

    Parameters
    ----------
    network : Network or None
        Default: :func:`erpsim.load_pretrained`.
    lexicon : Lexicon or None
        Default: the shipped lexicon.
    envelope : Envelope or None
        The alpha envelope; default ``network.config.envelope`` (the calibrated default).
    instances : int or None
        Use only the first ``instances`` instances (``--quick``).
    backend : str
    low_bins : sequence of float
        Nyquist-normalised frequency bins whose power is tested across instances.
    progress : bool
        Show a progress bar.
    """
    from tqdm.auto import tqdm
    from erpsim.model.pretrained import load_pretrained
    network = network if network is not None else load_pretrained()
    if instances is not None:
        if not 2 <= instances <= network.n_instances:
            raise ValueError(f"instances must be between 2 and {network.n_instances}, got {instances}")
        network = network.select(range(instances))
    lexicon = lexicon if lexicon is not None else load_lexicon()
    envelope = envelope if envelope is not None else network.config.envelope
    if envelope is None:
        raise ValueError("no alpha envelope: the network's configuration has none; pass envelope=")
    serp = {}
    runs = (("alpha", envelope), ("control", False))
    for model, env in tqdm(runs, desc="simulating", disable=not progress):
        ds = simulate_repetition(network, lexicon, envelope=env, backend=backend, groups=("S",))
        serp[model] = serp_by_type(ds)
    human = load_human_erp()
    windows = {"model": {m: model_window(s.sel(tick=slice(*FIGURE_TICKS))) for m, s in serp.items()},
               "human": human_window(human)}
    spectra = {"model": {m: model_spectrum(s) for m, s in serp.items()},
               "human": human_spectrum(human)}
    rows = []
    for model, s in serp.items():
        wm = window_mean(s, window=windows["model"]["alpha"])
        table = repetition_stats(wm)
        table.insert(0, "measure", "window_mean")
        table.insert(0, "model", model)
        rows.append(table)
        spec = spectra["model"][model].sel(freq=list(low_bins), method="nearest")
        table = repetition_stats(spec)
        table.insert(0, "measure", "power")
        table.insert(0, "model", model)
        rows.append(table)
    stats = pd.concat(rows, ignore_index=True)
    return Fig2Data(serp, human, windows, spectra, stats,
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
    from pathlib import Path

    from erpsim.utils.atomic import atomic_write_bytes
    out_dir = Path(out_dir)
    paths = {}
    for name, table in (("serp", serp_table(data)), ("windows", windows_table(data)),
                        ("spectra", spectra_table(data)), ("stats", data.stats)):
        paths[name] = atomic_write_bytes(out_dir / f"{name}.csv", table.to_csv(index=False).encode())
    return paths
