"""Loaders for the shipped human and published reference curves (see data/README.md)."""
import numpy as np
import pandas as pd

from erpsim.model.lexicon import ITEM_TYPES
from erpsim.model.timebase import DEFAULT_ONSET_TICK
from erpsim.utils.deprecation import warn_moved
from erpsim.utils.paths import data_file


def _to_array(table, time_col, value_col, name, attrs):
    types = [t for t in ITEM_TYPES if t in set(table["item_type"])]
    arr = (table.set_index(["item_type", "presentation", time_col])[value_col]
           .to_xarray().reindex(item_type=types))
    arr.name = name
    arr.attrs.update(attrs)
    return arr


def load_human_erp():
    """Human grand-average ERPs at MiPa from Laszlo & Armstrong (2014), Fig. 2.

    Returns
    -------
    xarray.DataArray, dims (item_type, presentation, time_ms)
        Amplitude in microvolts with its true sign (the N400 is negative-going);
        4 ms grid from -100 to 900 ms (250 Hz).
    """
    table = pd.read_csv(data_file("fig2_human_erp.csv"))
    return _to_array(table, "time_ms", "amplitude_uV", "amplitude",
                     {"units": "uV", "channel": "MiPa", "sfreq": 250.0,
                      "source": "Laszlo & Armstrong (2014) Fig. 2, digitized"})


def load_published_words():
    """The published model sERP for words (first and second presentation).

    Returns
    -------
    xarray.DataArray, dims (presentation, tick)
        Mean semantic activation at ticks 20-38; the ``tick`` coordinate carries
        ``attrs["onset_tick"] = 20`` like a simulation result, so onset-relative
        windows (:mod:`erpsim.model.timebase`) apply to it.
    """
    table = pd.read_csv(data_file("fig2_model_words.csv"))
    arr = _to_array(table, "tick", "mean_semantic_activation", "serp",
                    {"units": "activation",
                     "source": "Laszlo & Armstrong (2014) Fig. 2, digitized"})
    arr = arr.sel(item_type="word", drop=True)
    arr["tick"].attrs.update(long_name="tick", onset_tick=DEFAULT_ONSET_TICK)
    return arr



def human_times_s(arr):
    """Times of a human ERP array in seconds (deprecated: ``arr["time_ms"] / 1000``).

    .. deprecated:: 0.2
       Removed in the next release; use ``arr["time_ms"].values / 1000``.
    """
    warn_moved("erpsim.io.datasets.human_times_s", 'arr["time_ms"].values / 1000')
    return np.asarray(arr["time_ms"].values, dtype=float) / 1000.0
