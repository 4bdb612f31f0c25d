"""Semantic feature sets for the 60 nouns of Mitchell et al. (2008).

* :func:`verb_features` -- the offline stand-in for the 25 sensory-motor verb
  co-occurrence features: the cosine similarity between the noun's vector and each
  verb's vector, the 25-vector scaled to unit length per noun.
* :func:`vector_features` -- the raw word vectors (any dimension).
* :func:`make_features` -- either of the two by name, from the shipped GloVe vectors
  or from a user's vector file.
"""
import numpy as np

from erpsim.encoding.vectors import (OutOfVocabularyError, WordVectors, load_glove,
                                     load_word_vectors)

#: The 25 sensory-motor verbs of Mitchell et al. (2008), in their order.
VERBS = ("see", "hear", "listen", "taste", "smell", "eat", "touch", "rub", "lift",
         "manipulate", "run", "push", "fill", "move", "ride", "say", "fear", "open",
         "approach", "near", "enter", "drive", "wear", "break", "clean")

#: The 12 categories and their 5 nouns each (Mitchell et al. 2008).
CATEGORY_NOUNS = {
    "animal": ("bear", "cat", "cow", "dog", "horse"),
    "body part": ("arm", "eye", "foot", "hand", "leg"),
    "building": ("apartment", "barn", "church", "house", "igloo"),
    "building part": ("arch", "chimney", "closet", "door", "window"),
    "clothing": ("coat", "dress", "pants", "shirt", "skirt"),
    "furniture": ("bed", "chair", "desk", "dresser", "table"),
    "insect": ("ant", "bee", "beetle", "butterfly", "fly"),
    "kitchen utensil": ("bottle", "cup", "glass", "knife", "spoon"),
    "man-made object": ("bell", "key", "refrigerator", "telephone", "watch"),
    "tool": ("chisel", "hammer", "pliers", "saw", "screwdriver"),
    "vegetable": ("carrot", "celery", "corn", "lettuce", "tomato"),
    "vehicle": ("airplane", "bicycle", "car", "train", "truck"),
}

#: The 12 category names.
CATEGORIES = tuple(CATEGORY_NOUNS)
#: The 60 nouns, grouped by category (category order, then as listed).
NOUNS = tuple(noun for nouns in CATEGORY_NOUNS.values() for noun in nouns)
#: Category of each noun in :data:`NOUNS`.
NOUN_CATEGORIES = tuple(cat for cat, nouns in CATEGORY_NOUNS.items() for _ in nouns)

FEATURE_SETS = ("verbs", "vectors")


def _vectors_or_default(vectors):
    if vectors is None:
        return load_glove()
    if isinstance(vectors, dict):
        return WordVectors(list(vectors), np.array(list(vectors.values()), dtype=float),
                           name="given vectors")
    return vectors


def check_nouns(words, source="the data"):
    """Refuse words that are not among the 60 nouns of Mitchell et al. (2008).

    The encoding analyses (:func:`erpsim.encoding.run_mitchell`) are defined on
    :data:`NOUNS`; another word (even a real one with a word vector) would silently
    change the experiment.

    Parameters
    ----------
    words : sequence of str
        E.g. the nouns of a participant file (spelling fixed, see
        :data:`erpsim.encoding.data.WORD_ALIASES`).
    source : str
        Where the words come from, for the message (e.g. the file name).

    Raises
    ------
    ValueError
        Naming ``source`` and every word outside :data:`NOUNS`.
    """
    unknown = [w for w in words if w not in NOUNS]
    if unknown:
        raise ValueError(f"{source}: word(s) {', '.join(repr(w) for w in unknown)} are not "
                         "among the 60 nouns of Mitchell et al. (2008) "
                         "(erpsim.encoding.NOUNS); the encoding analysis is defined on "
                         "those nouns only")


def _check_words(words, what):
    if isinstance(words, str):
        raise TypeError(f"{what} must be a sequence of strings, not one string")
    words = list(words)
    if not words:
        raise ValueError(f"{what} is empty")
    return words


def verb_features(nouns=NOUNS, vectors=None, verbs=VERBS):
    """Verb-similarity features: the stand-in for corpus co-occurrences.

    Feature ``k`` of noun ``w`` is ``cos(v_w, v_verb_k)``; each noun's feature vector
    is then divided by its Euclidean norm.

    Parameters
    ----------
    nouns : sequence of str, length n_nouns
        Defaults to the 60 nouns of Mitchell et al. (2008).
    vectors : WordVectors or dict of str to array, optional
        Defaults to GloVe 6B 50-d (:func:`erpsim.encoding.load_glove`).
    verbs : sequence of str, length n_verbs
        Defaults to the 25 verbs of Mitchell et al. (2008).

    Returns
    -------
    ndarray, shape (n_nouns, n_verbs), float64
        Rows of unit length.

    Raises
    ------
    OutOfVocabularyError
        Listing every noun and verb missing from the vocabulary.
    ValueError
        If a noun or verb vector is all zeros (cosine undefined) or a noun's
        similarities are all zero (cannot be unit-normalised).
    """
    nouns = _check_words(nouns, "nouns")
    verbs = _check_words(verbs, "verbs")
    vecs = _vectors_or_default(vectors)
    missing = vecs.missing(list(nouns) + list(verbs))
    if missing:
        raise OutOfVocabularyError(missing, vecs.name)
    noun_vecs = vecs.get(nouns)
    verb_vecs = vecs.get(verbs)
    noun_norm = np.linalg.norm(noun_vecs, axis=1)
    verb_norm = np.linalg.norm(verb_vecs, axis=1)
    zero = [w for w, n in zip(nouns + verbs, np.concatenate([noun_norm, verb_norm]))
            if n == 0]
    if zero:
        raise ValueError(f"zero word vector(s), cosine undefined: {zero}")
    cos = (noun_vecs / noun_norm[:, None]) @ (verb_vecs / verb_norm[:, None]).T
    row_norm = np.linalg.norm(cos, axis=1)
    if np.any(row_norm == 0):
        bad = [w for w, n in zip(nouns, row_norm) if n == 0]
        raise ValueError(f"nouns with all-zero verb similarities: {bad}")
    return cos / row_norm[:, None]


def vector_features(nouns=NOUNS, vectors=None, normalize=False):
    """Raw word-vector features.

    Parameters
    ----------
    nouns : sequence of str, length n_nouns
    vectors : WordVectors or dict of str to array, optional
        Defaults to GloVe 6B 50-d.
    normalize : bool
        Scale each noun's vector to unit length.

    Returns
    -------
    ndarray, shape (n_nouns, n_dims), float64

    Raises
    ------
    OutOfVocabularyError
        Listing every missing noun.
    """
    nouns = _check_words(nouns, "nouns")
    vecs = _vectors_or_default(vectors)
    feats = vecs.get(nouns)
    if normalize:
        norm = np.linalg.norm(feats, axis=1, keepdims=True)
        if np.any(norm == 0):
            raise ValueError("cannot normalise an all-zero word vector")
        feats = feats / norm
    return feats


def make_features(kind="verbs", nouns=NOUNS, vectors=None):
    """Build a feature set by name.

    Parameters
    ----------
    kind : {"verbs", "vectors"}
    nouns : sequence of str, length n_nouns
    vectors : WordVectors, dict, str or path-like, optional
        Word vectors; a path is read with :func:`load_word_vectors` (GloVe or
        word2vec text). Defaults to GloVe 6B 50-d.

    Returns
    -------
    ndarray, shape (n_nouns, n_features), float64
    """
    if kind not in FEATURE_SETS:
        raise ValueError(f"unknown feature set {kind!r}; choose from {FEATURE_SETS}")
    if vectors is not None and not isinstance(vectors, dict) and not hasattr(vectors, "get"):
        wanted = list(nouns) + (list(VERBS) if kind == "verbs" else [])
        vectors = load_word_vectors(vectors, words=wanted)
    if kind == "verbs":
        return verb_features(nouns, vectors)
    return vector_features(nouns, vectors)
