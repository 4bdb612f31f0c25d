"""Training the ERP model (docs/model.md §4)."""
from erpsim.training.autoencoder import pretrain_autoencoder
from erpsim.training.lexical_decision import lexical_decision, semantic_familiarity, semantic_stress
from erpsim.training.trainer import TrainingSettings, item_weights, semantic_accuracy, semantics_of, train

__all__ = ["TrainingSettings", "item_weights", "lexical_decision", "pretrain_autoencoder",
           "semantic_accuracy", "semantic_familiarity", "semantic_stress", "semantics_of", "train"]
