"""The model: configuration, network instances, letter coding and the lexicon.

The lexicon's names load :mod:`erpsim.model.lexicon` (and pandas) on first use
(PEP 562), so that the configuration and the network import without pandas.
"""
import importlib

from erpsim.model.config import (Envelope, ModelConfig, default_config, default_envelope,
                                 training_config)
from erpsim.model.network import Network

#: names defined in erpsim.model.lexicon, imported on first access
_LEXICON = ("ITEM_TYPES", "TRAINED_TYPES", "Lexicon", "load_lexicon")

__all__ = ["Envelope", "ITEM_TYPES", "Lexicon", "ModelConfig", "Network", "TRAINED_TYPES",
           "default_config", "default_envelope", "load_lexicon", "training_config"]


def __getattr__(name):
    if name in _LEXICON:
        value = getattr(importlib.import_module("erpsim.model.lexicon"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'erpsim.model' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
