"""erpsim: simulated ERPs from connectionist reading models.

Implements the ERP model of Laszlo & Plaut (2012) and its alpha variant of Laszlo &
Armstrong (2014), analyses of simulated and human ERPs, an MNE-Python bridge and
Mitchell et al. (2008) encoding models.
"""
__version__ = "0.1.0"

from .config import (Envelope, ModelConfig, default_config, default_envelope,  # noqa: E402
                     training_config)
from .network import Network  # noqa: E402
from .pretrained import load_pretrained  # noqa: E402
from .lexicon import Lexicon, load_lexicon  # noqa: E402
from .simulate import (load_result, save_result, serp, serp_by_type, simulate,  # noqa: E402
                       simulate_repetition)

__all__ = ["Envelope", "Lexicon", "ModelConfig", "Network", "default_config", "default_envelope",
           "load_lexicon", "training_config",
           "load_pretrained", "load_result",
           "save_result", "serp", "serp_by_type", "simulate", "simulate_repetition",
           "__version__"]
