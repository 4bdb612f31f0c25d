"""Mitchell-style linear encoding models: word vectors to voxel activity.

Mitchell et al. (2008) predict the fMRI image of a concrete noun as a linear
combination of voxel signatures weighted by the noun's semantic features, and test
the model by leave-two-out matching with voxel selection inside every fold. See
``docs/encoding.md``.
"""
from erpsim.encoding.data import (ParticipantData, average_and_centre, load_participant,
                   nonfinite_voxels, save_participant)
from erpsim.encoding.evaluation import (LeaveTwoOutResult, PermutationResult, all_pairs,
                         evaluate_participants, fold_selection, hat_matrix,
                         hat_weights,
                         leave_two_out, permutation_test, select_voxels,
                         voxel_stability)
from erpsim.encoding.features import (CATEGORIES, CATEGORY_NOUNS, NOUN_CATEGORIES, NOUNS, VERBS,
                       make_features, vector_features, verb_features)
from erpsim.encoding.model import LinearEncoder
from erpsim.encoding.pipeline import run_mitchell
from erpsim.encoding.synthetic import make_synthetic
from erpsim.encoding.vectors import (OutOfVocabularyError, WordVectors, load_glove,
                      load_word_vectors)

__all__ = [
    "CATEGORIES", "CATEGORY_NOUNS", "LeaveTwoOutResult", "LinearEncoder", "NOUNS",
    "NOUN_CATEGORIES", "OutOfVocabularyError", "ParticipantData", "PermutationResult",
    "VERBS", "WordVectors", "all_pairs", "average_and_centre", "evaluate_participants",
    "fold_selection", "hat_matrix", "hat_weights", "leave_two_out", "load_glove", "load_participant",
    "load_word_vectors", "make_features", "make_synthetic", "nonfinite_voxels",
    "permutation_test", "run_mitchell", "save_participant", "select_voxels", "vector_features",
    "verb_features", "voxel_stability",
]
