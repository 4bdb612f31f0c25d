"""Analyses usable on any curve, model or human: FWHM windows, spectra, statistics.

- :mod:`erpsim.analysis.windows` -- the FWHM rule for N400 windows and window means;
- :mod:`erpsim.analysis.spectra` -- one-sided DFT spectra with explicit preprocessing;
- :mod:`erpsim.analysis.stats` -- paired first-vs-second tests across model instances
  and confidence bands;
- :mod:`erpsim.analysis.lexical` -- the neighbourhood-size effect on the sN400.

See ``docs/analyses.md``.
"""
from erpsim.analysis.lexical import NeighbourhoodEffect, neighbourhood_effect
from erpsim.analysis.spectra import human_spectrum, model_spectrum, power_spectrum
from erpsim.analysis.stats import mean_ci, repetition_stats, sample_mean_ci
from erpsim.analysis.windows import (HUMAN_SEARCH, Window, condition_windows, fwhm_window,
                                     human_window, model_window, window_mean)
from erpsim.model.timebase import deprecated_constants

__all__ = [
    "Window",
    "fwhm_window",
    "model_window",
    "human_window",
    "condition_windows",
    "window_mean",
    "HUMAN_SEARCH",
    "power_spectrum",
    "model_spectrum",
    "human_spectrum",
    "repetition_stats",
    "mean_ci",
    "sample_mean_ci",
    "neighbourhood_effect",
    "NeighbourhoodEffect",
]

__getattr__ = deprecated_constants(__name__, ("MODEL_SEARCH",))
