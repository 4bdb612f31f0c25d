"""The model's time base: every window is stated in ticks *after stimulus onset*.

A simulation result labels its ticks so that the first stimulus tick is
``tick.attrs["onset_tick"]`` (``ModelConfig.onset_tick``, 20 for the published figure);
analyses read that attribute (:func:`onset_of`) and convert an onset-relative window
to the tick labels of the data (:func:`absolute`). So a model run with another onset
or stimulus length is analysed on the same part of the trial.

Windows (inclusive, ticks after onset; tick 0 is the first stimulus tick):

- :data:`N400_SEARCH` -- the FWHM search window of the model's N400 (0-18, the
  published figure's ticks 20-38);
- :data:`FIGURE_WINDOW` -- the part of the trial that figures show (0-18);
- :data:`SPECTRUM_SAMPLES` -- the samples the model spectra transform (0-19, the 20
  stimulus ticks);
- :data:`PUBLISHED_WINDOW` -- the FWHM window drawn in the paper (6-11, ticks 26-31).
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from erpsim.utils.deprecation import warn_moved

#: Label of the first stimulus tick when a curve does not say (the published figure's).
DEFAULT_ONSET_TICK = 20
#: FWHM search window of the model's N400, ticks after onset (inclusive).
N400_SEARCH = (0, 18)
#: Part of the trial shown in figures, ticks after onset (inclusive).
FIGURE_WINDOW = (0, 18)
#: Samples of the model spectra, ticks after onset (inclusive): the 20 stimulus ticks.
SPECTRUM_SAMPLES = (0, 19)
#: The FWHM window drawn in the paper on the words curves, ticks after onset.
PUBLISHED_WINDOW = (6, 11)
#: Ticks after onset whose minimum ends the onset relaxation (fig2.md: the semantic layer
#: relaxes from the trial's initial state to a minimum at ticks 23-24 for onset 20).
RELAXATION_WINDOW = (1, 5)


def onset_of(data, default=DEFAULT_ONSET_TICK, dim="tick"):
    """The tick label of the stimulus onset of a result or curve.

    Parameters
    ----------
    data : xarray.Dataset or xarray.DataArray
        A result of :func:`erpsim.simulate` or an array derived from it; the onset is
        ``data[dim].attrs["onset_tick"]``.
    default : int or None
        Returned when the coordinate has no ``onset_tick`` (None: raise instead).
    dim : str
        Name of the tick coordinate.

    Returns
    -------
    int
        The label of the first stimulus tick.

    Raises
    ------
    ValueError
        No ``dim`` coordinate, or no onset attribute and ``default`` is None.
    """
    if not isinstance(data, (xr.Dataset, xr.DataArray)) or dim not in data.coords:
        raise ValueError(f"expected an xarray object with a {dim!r} coordinate")
    onset = data[dim].attrs.get("onset_tick", default)
    if onset is None:
        raise ValueError(f"the {dim!r} coordinate has no 'onset_tick' attribute; "
                         "this is not a simulation result (erpsim.simulate)")
    return int(onset)


def absolute(window, onset, last=None):
    """Convert an onset-relative window to tick labels.

    Parameters
    ----------
    window : (int, int)
        Inclusive window in ticks after onset.
    onset : int
        Tick label of the first stimulus tick (:func:`onset_of`).
    last : int or None
        If given, the end is clipped to this tick label (the data's last tick).

    Returns
    -------
    (int, int)
        ``(onset + window[0], onset + window[1])``, the end clipped to ``last``.
    """
    lo, hi = int(onset) + int(window[0]), int(onset) + int(window[1])
    if last is not None:
        hi = min(hi, int(last))
    return lo, hi


def window_of(data, window, *, clip=False, dim="tick"):
    """An onset-relative window in the tick labels of ``data``.

    Parameters
    ----------
    data : xarray.Dataset or xarray.DataArray
        Carries the onset (:func:`onset_of`).
    window : (int, int)
        Inclusive window in ticks after onset, e.g. :data:`N400_SEARCH`.
    clip : bool
        Clip the end to the data's last tick.
    dim : str
        Name of the tick coordinate.

    Returns
    -------
    (int, int)
        Inclusive tick labels.
    """
    last = int(np.max(data[dim].values)) if clip else None
    return absolute(window, onset_of(data, dim=dim), last)


#: Old absolute constants (onset 20) -> (new name, onset-relative window).
_OLD_CONSTANTS = {
    "MODEL_SEARCH": ("erpsim.model.timebase.N400_SEARCH", N400_SEARCH),
    "FIGURE_TICKS": ("erpsim.model.timebase.FIGURE_WINDOW", FIGURE_WINDOW),
    "SCORE_TICKS": ("erpsim.model.timebase.FIGURE_WINDOW", FIGURE_WINDOW),
    "MODEL_SAMPLES": ("erpsim.model.timebase.SPECTRUM_SAMPLES", SPECTRUM_SAMPLES),
    "PUBLISHED_WINDOW": ("erpsim.model.timebase.PUBLISHED_WINDOW", PUBLISHED_WINDOW),
}


def deprecated_constants(module, names):
    """A module ``__getattr__`` serving old absolute tick constants with a warning.

    Parameters
    ----------
    module : str
        The module's name (for the message).
    names : sequence of str
        Keys of the old constants this module used to define (``"MODEL_SEARCH"``, ...).

    Returns
    -------
    callable
        ``__getattr__(name)``: the old value (the onset-relative window at the default
        onset 20) with a ``DeprecationWarning``; ``AttributeError`` for other names.
    """
    def __getattr__(name):
        if name not in names:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        new, window = _OLD_CONSTANTS[name]
        warn_moved(f"{module}.{name}", f"{new} (ticks after onset)")
        return absolute(window, DEFAULT_ONSET_TICK)

    return __getattr__
