"""erpsim: simulated ERPs from connectionist reading models.

Implements the ERP model of Laszlo & Plaut (2012) and its alpha variant of Laszlo &
Armstrong (2014), analyses of simulated and human ERPs, an MNE-Python bridge and
Mitchell et al. (2008) encoding models.

``import erpsim`` is light: the public names below load their modules (and numba,
xarray, ...) on first use (PEP 562).
"""
import importlib

from erpsim._version import __version__

#: public name -> module that defines it
_PUBLIC = {
    "Envelope": "erpsim.model.config",
    "ModelConfig": "erpsim.model.config",
    "default_config": "erpsim.model.config",
    "default_envelope": "erpsim.model.config",
    "training_config": "erpsim.model.config",
    "Network": "erpsim.model.network",
    "Lexicon": "erpsim.model.lexicon",
    "load_lexicon": "erpsim.model.lexicon",
    "load_pretrained": "erpsim.model.pretrained",
    "simulate": "erpsim.simulation.trials",
    "simulate_repetition": "erpsim.simulation.trials",
    "serp": "erpsim.simulation.trials",
    "serp_by_type": "erpsim.simulation.trials",
    "save_result": "erpsim.simulation.trials",
    "load_result": "erpsim.simulation.trials",
}

#: subpackages, loaded on first attribute access (``erpsim.analysis.fwhm_window``)
_SUBPACKAGES = ("analysis", "cli", "encoding", "engine", "eeg", "io", "model", "paper",
                "simulation", "sweep", "training", "utils", "viz")
#: modules of 0.1 that moved in 0.2 (importing them warns; see erpsim.utils.deprecation)
_MOVED = ("calibration", "coding", "compare", "config", "datasets", "fig2", "fig2_plot",
          "lexicon", "mne_bridge", "network", "plotting", "plotting_mne", "pretrained")

__all__ = sorted(_PUBLIC) + ["__version__"]


def __getattr__(name):
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
        globals()[name] = value
        return value
    if name in _SUBPACKAGES or name in _MOVED:
        return importlib.import_module(f"erpsim.{name}")
    raise AttributeError(f"module 'erpsim' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_PUBLIC) | set(_SUBPACKAGES))
