"""Word vectors and feature sets of erpsim.encoding."""
import gzip
import sys

import numpy as np
import pytest

from erpsim.encoding import (NOUN_CATEGORIES, NOUNS, VERBS, CATEGORIES,
                             OutOfVocabularyError, WordVectors, load_glove,
                             load_word_vectors, make_features, vector_features,
                             verb_features)
from erpsim.encoding.vectors import read_word_index


# --------------------------------------------------------------------------- GloVe
@pytest.fixture(scope="module")
def glove():
    return load_glove()


def _cos(a, b):
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def test_glove_vocabulary_and_shape(glove):
    assert len(glove) == 400_000
    assert glove.dim == 50
    assert glove.words[:8] == ["the", ",", ".", "of", "to", "and", "in", "a"]
    assert glove.missing(list(NOUNS) + list(VERBS)) == []


def test_glove_rows_align_with_words_across_parquet_pages(glove):
    # The index file holds dictionary-encoded pages (rows < 95,360) and plain pages
    # after them; words from both halves must sit on their own vectors.
    rows = {w: glove.words.index(w) for w in ("radishes", "rutabaga", "celeriac",
                                               "kohlrabi", "parliament")}
    assert rows["radishes"] < 95_360 < rows["kohlrabi"]
    v = {w: glove[w] for w in rows}
    assert _cos(v["kohlrabi"], v["celeriac"]) > 0.6
    assert _cos(v["kohlrabi"], v["radishes"]) > 0.5
    assert _cos(v["kohlrabi"], v["parliament"]) < 0.2
    assert _cos(glove["hammer"], glove["screwdriver"]) > _cos(glove["hammer"], glove["celery"])


def test_word_index_rejects_other_files(tmp_path):
    bad = tmp_path / "x.parquet"
    bad.write_bytes(b"not parquet at all")
    with pytest.raises(ValueError, match="x.parquet is not a readable Parquet file"):
        read_word_index(bad)
    import pyarrow as pa
    import pyarrow.parquet as pq
    two = tmp_path / "two.parquet"
    pq.write_table(pa.table({"a": ["x"], "b": ["y"]}), two)
    with pytest.raises(ValueError, match="expected one column"):
        read_word_index(two)
    numbers = tmp_path / "n.parquet"
    pq.write_table(pa.table({"a": [1, 2]}), numbers)
    with pytest.raises(ValueError, match="not strings"):
        read_word_index(numbers)
    nulls = tmp_path / "null.parquet"
    pq.write_table(pa.table({"a": ["x", None]}), nulls)
    with pytest.raises(ValueError, match="1 missing value"):
        read_word_index(nulls)
    good = tmp_path / "w.parquet"
    pq.write_table(pa.table({"word": ["the", ",", "naïve"]}), good)
    assert read_word_index(good) == ["the", ",", "naïve"]


def test_word_index_without_pyarrow_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)        # import raises ImportError
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(ImportError, match=r'needs pyarrow.*pip install "erpsim\[encoding\]"'):
        read_word_index(tmp_path / "w.parquet")


# --------------------------------------------------------------------------- text files
def test_load_glove_and_word2vec_text(tmp_path):
    glove_txt = tmp_path / "v.txt"
    glove_txt.write_text("cat 1 0 0\ndog 0 1 0\nnew york 0 0 2\n")
    vecs = load_word_vectors(glove_txt)
    assert vecs.words == ["cat", "dog", "new york"]
    np.testing.assert_array_equal(vecs.get(["new york", "cat"]), [[0, 0, 2], [1, 0, 0]])

    w2v = tmp_path / "v.vec.gz"
    with gzip.open(w2v, "wt") as handle:
        handle.write("2 3\ncat 1 0 0\ndog 0 1 0\n")
    vecs = load_word_vectors(w2v, words={"dog"})
    assert vecs.words == ["dog"] and vecs.dim == 3


def test_load_word_vectors_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_word_vectors(tmp_path / "missing.txt")
    ragged = tmp_path / "r.txt"
    ragged.write_text("cat 1 0 0\ndog 0 1\n")
    with pytest.raises(ValueError, match="line 2"):
        load_word_vectors(ragged)
    header = tmp_path / "h.txt"
    header.write_text("3 2\ncat 1 0\ndog 0 1\n")
    with pytest.raises(ValueError, match="header"):
        load_word_vectors(header)
    text = tmp_path / "t.txt"
    text.write_text("cat 1 x\n")
    with pytest.raises(ValueError, match="non-numeric"):
        load_word_vectors(text)
    with pytest.raises(ValueError, match="more than once"):
        WordVectors(["a", "a"], np.zeros((2, 2)))


def test_out_of_vocabulary_lists_every_missing_word():
    vecs = WordVectors(["cat", "see"], np.eye(2), name="tiny")
    with pytest.raises(OutOfVocabularyError) as info:
        verb_features(["cat", "zzqx", "blorp"], vectors=vecs, verbs=["see", "hear"])
    err = info.value
    assert isinstance(err, KeyError)
    assert err.missing == ["zzqx", "blorp", "hear"]
    assert "'zzqx', 'blorp', 'hear'" in str(err) and "tiny" in str(err)
    with pytest.raises(OutOfVocabularyError, match="unicornfish"):
        vector_features(["cat", "unicornfish"], vectors=load_glove())


# --------------------------------------------------------------------------- features
def test_noun_and_verb_lists():
    assert len(NOUNS) == 60 and len(set(NOUNS)) == 60
    assert len(CATEGORIES) == 12 and len(VERBS) == 25
    assert all(NOUN_CATEGORIES.count(c) == 5 for c in CATEGORIES)
    assert VERBS[0] == "see" and VERBS[-1] == "clean"


def test_verb_features_on_known_vectors():
    vecs = {"noun": np.array([3.0, 4.0]), "other": np.array([-1.0, 0.0]),
            "v1": np.array([1.0, 0.0]), "v2": np.array([0.0, 2.0]),
            "v3": np.array([1.0, 1.0])}
    feats = verb_features(["noun", "other"], vectors=vecs, verbs=["v1", "v2", "v3"])
    cos = np.array([[0.6, 0.8, 7 / (5 * np.sqrt(2))], [-1.0, 0.0, -1 / np.sqrt(2)]])
    expected = cos / np.linalg.norm(cos, axis=1, keepdims=True)
    np.testing.assert_allclose(feats, expected, rtol=1e-14)
    np.testing.assert_allclose(np.linalg.norm(feats, axis=1), 1.0)


def test_verb_features_errors():
    vecs = {"a": np.zeros(2), "b": np.array([1.0, 0.0]), "c": np.array([0.0, 1.0])}
    with pytest.raises(ValueError, match="zero word vector"):
        verb_features(["a"], vectors=vecs, verbs=["b"])
    with pytest.raises(ValueError, match="all-zero verb similarities"):
        verb_features(["b"], vectors=vecs, verbs=["c"])
    with pytest.raises(TypeError):
        verb_features("cat", vectors=vecs)


def test_glove_feature_sets():
    verbs = verb_features()
    assert verbs.shape == (60, 25)
    np.testing.assert_allclose(np.linalg.norm(verbs, axis=1), 1.0)
    # "eat" is more similar to the vegetables than to the tools
    eat = VERBS.index("eat")
    veg = [NOUNS.index(w) for w in CATEGORY_NOUNS_OF("vegetable")]
    tool = [NOUNS.index(w) for w in CATEGORY_NOUNS_OF("tool")]
    assert verbs[veg, eat].mean() > verbs[tool, eat].mean()
    raw = make_features("vectors")
    assert raw.shape == (60, 50)
    np.testing.assert_allclose(raw[NOUNS.index("cat")], load_glove()["cat"])
    with pytest.raises(ValueError, match="unknown feature set"):
        make_features("counts")


def test_make_features_from_user_file(tmp_path):
    rng = np.random.default_rng(0)
    words = ["cat", "dog"] + list(VERBS)
    path = tmp_path / "vecs.txt"
    vecs = rng.standard_normal((len(words), 4))
    path.write_text("".join(w + " " + " ".join(f"{x:.17g}" for x in row) + "\n"
                            for w, row in zip(words, vecs)))
    feats = make_features("verbs", nouns=["dog", "cat"], vectors=path)
    expected = verb_features(["dog", "cat"], vectors=dict(zip(words, vecs)))
    np.testing.assert_allclose(feats, expected, rtol=1e-12)


def CATEGORY_NOUNS_OF(category):
    return [n for n, c in zip(NOUNS, NOUN_CATEGORIES) if c == category]
