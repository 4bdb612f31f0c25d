"""The model: configuration, network instances, letter coding and the lexicon."""
from erpsim.model.config import (Envelope, ModelConfig, default_config, default_envelope,
                                 training_config)
from erpsim.model.lexicon import ITEM_TYPES, TRAINED_TYPES, Lexicon, load_lexicon
from erpsim.model.network import Network

__all__ = ["Envelope", "ITEM_TYPES", "Lexicon", "ModelConfig", "Network", "TRAINED_TYPES",
           "default_config", "default_envelope", "load_lexicon", "training_config"]
