"""The participant-file loader and the synthetic-data generator of erpsim.encoding."""
import numpy as np
import pytest
from scipy.io import savemat

from erpsim.encoding import (ParticipantData, average_and_centre, load_participant,
                             make_synthetic, save_participant)

GRID = (4, 3, 2)


def _write_mat(path, X, words, cats, rng=0, nvoxels=None, drop_trial=None,
               word_numbers=None):
    """A small file laid out like data-science-P*.mat, written with scipy only."""
    rng = np.random.default_rng(rng)
    n_pres, n_nouns, n_vox = X.shape
    trials = [(p, k) for p in range(n_pres) for k in range(n_nouns)]
    trials = [trials[t] for t in rng.permutation(len(trials))]    # any trial order
    if drop_trial is not None:
        trials = [t for t in trials if t != drop_trial]
    cat_list = list(dict.fromkeys(cats))
    numbers = list(range(1, n_nouns + 1)) if word_numbers is None else word_numbers
    info = np.empty((1, len(trials)), dtype=[("cond", object), ("cond_number", object),
                                            ("word", object), ("word_number", object),
                                            ("epoch", object)])
    data = np.empty((len(trials), 1), dtype=object)
    for t, (p, k) in enumerate(trials):
        info[0, t] = (cats[k], float(cat_list.index(cats[k]) + 2), words[k],
                      float(numbers[k]), float(p + 1))
        data[t, 0] = X[p, k][None, :]
    cells = [(x, y, z) for z in range(GRID[2]) for y in range(GRID[1])
             for x in range(GRID[0])][:n_vox]
    col_to_coord = np.array(cells, dtype=float) + 1
    coord_to_col = np.zeros(GRID)
    for c, (x, y, z) in enumerate(cells):
        coord_to_col[x, y, z] = c + 1
    meta = {"study": "science", "subject": "P1", "ntrials": float(len(trials)),
            "nvoxels": float(n_vox if nvoxels is None else nvoxels),
            "dimx": float(GRID[0]), "dimy": float(GRID[1]), "dimz": float(GRID[2]),
            "colToCoord": col_to_coord, "coordToCol": coord_to_col}
    savemat(path, {"meta": meta, "info": info, "data": data})
    return col_to_coord


@pytest.fixture
def small():
    rng = np.random.default_rng(3)
    words = ["bear", "cat", "refridgerator", "hammer", "saw"]
    cats = ["animal", "animal", "manmade", "tool", "tool"]
    X = rng.standard_normal((6, 5, 7))
    return X, words, cats


def test_loader_reassembles_presentations(tmp_path, small):
    X, words, cats = small
    path = tmp_path / "data-science-P1.mat"
    coords = _write_mat(path, X, words, cats)
    part = load_participant(path)
    assert part.presentations.shape == (6, 5, 7)
    np.testing.assert_array_equal(part.presentations, X)
    assert part.words == ("bear", "cat", "refrigerator", "hammer", "saw")
    assert part.extra["file_words"][2] == "refridgerator"
    assert part.categories == tuple(cats)
    assert part.grid_shape == GRID and part.subject == "P1"
    np.testing.assert_array_equal(part.coords, coords.astype(int))
    images = part.images()
    np.testing.assert_allclose(images, X.mean(axis=0) - X.mean(axis=(0, 1)), atol=1e-15)
    np.testing.assert_allclose(images.mean(axis=0), 0, atol=1e-15)
    assert load_participant(path, canonical_words=False).words[2] == "refridgerator"


def test_loader_orders_by_word_number(tmp_path, small):
    X, words, cats = small
    path = tmp_path / "p.mat"
    _write_mat(path, X, words, cats, word_numbers=[5, 3, 1, 2, 4])
    part = load_participant(path, canonical_words=False)
    assert part.words == ("refridgerator", "hammer", "cat", "saw", "bear")
    np.testing.assert_array_equal(part.presentations[:, 0], X[:, 2])
    # word numbers that restart per category fall back to (cond_number, word_number)
    _write_mat(path, X, words, cats, word_numbers=[1, 2, 1, 1, 2])
    part = load_participant(path, canonical_words=False)
    assert part.words == ("bear", "cat", "refridgerator", "hammer", "saw")


def test_loader_nan_voxels(tmp_path, small):
    X, words, cats = small
    X = X.copy()
    X[3, 1, 4] = np.nan
    path = tmp_path / "p.mat"
    _write_mat(path, X, words, cats)
    with pytest.raises(ValueError, match="NaN"):
        load_participant(path)
    part = load_participant(path, drop_nonfinite=True)
    assert part.n_voxels == 6
    np.testing.assert_array_equal(part.presentations, np.delete(X, 4, axis=2))
    assert part.coords.shape == (6, 3)


def test_loader_rejects_bad_files(tmp_path, small):
    X, words, cats = small
    with pytest.raises(FileNotFoundError):
        load_participant(tmp_path / "missing.mat")
    path = tmp_path / "p.mat"
    _write_mat(path, X, words, cats, nvoxels=8)
    with pytest.raises(ValueError, match="voxels"):
        load_participant(path)
    _write_mat(path, X, words, cats, drop_trial=(2, 3))
    with pytest.raises(ValueError, match="epochs"):
        load_participant(path)
    savemat(path, {"meta": {"nvoxels": 1.0}, "data": np.zeros((1, 1))})
    with pytest.raises(ValueError, match="info"):
        load_participant(path)
    (tmp_path / "junk.mat").write_bytes(b"this is not a MATLAB file")
    with pytest.raises(ValueError, match="not a readable"):
        load_participant(tmp_path / "junk.mat")


def test_save_and_load_round_trip(tmp_path):
    feats = np.random.default_rng(0).standard_normal((6, 3))
    part = make_synthetic(feats, words=list("abcdef"), categories=list("xxyyzz"),
                          n_voxels=9, noise=1.0, rng=1)
    save_participant(tmp_path / "s.mat", part)
    back = load_participant(tmp_path / "s.mat")
    np.testing.assert_array_equal(back.presentations, part.presentations)
    assert back.words == part.words and back.categories == part.categories


def test_participant_data_checks():
    X = np.zeros((2, 3, 4))
    with pytest.raises(ValueError, match="words"):
        ParticipantData(X, words=["a", "b"], categories=["x"] * 3)
    with pytest.raises(ValueError, match="unique"):
        ParticipantData(X, words=["a", "a", "b"], categories=["x"] * 3)
    with pytest.raises(ValueError, match="3-D"):
        ParticipantData(X[0], words=["a"] * 3, categories=["x"] * 3)
    part = ParticipantData(np.arange(24.0).reshape(2, 3, 4), words="abc", categories="xyz")
    re = part.reorder(["c", "a", "b"])
    np.testing.assert_array_equal(re.presentations[:, 0], part.presentations[:, 2])
    assert re.categories == ("z", "x", "y")
    with pytest.raises(KeyError):
        part.reorder(["a", "q"])
    with pytest.raises(ValueError, match="3-D"):
        average_and_centre(np.zeros((3, 4)))


def test_synthetic_structure_and_noise():
    feats = np.random.default_rng(0).standard_normal((10, 4))
    part = make_synthetic(feats, n_voxels=50, n_informative=20, noise=0.0, baseline=2.0,
                          rng=5)
    assert part.presentations.shape == (6, 10, 50)
    images = part.images()
    signal = part.extra["signal"]
    np.testing.assert_allclose(images[:, :20], signal, atol=1e-12)   # noise-free
    np.testing.assert_allclose(signal.std(axis=0), 1.0)
    np.testing.assert_allclose(images[:, 20:], 0.0, atol=1e-12)       # baseline removed
    # the signal is linear in the features
    coef, *_ = np.linalg.lstsq(np.column_stack([feats, np.ones(10)]), signal, rcond=None)
    np.testing.assert_allclose(np.column_stack([feats, np.ones(10)]) @ coef, signal,
                               atol=1e-10)
    again = make_synthetic(feats, n_voxels=50, n_informative=20, noise=0.5, rng=5)
    same = make_synthetic(feats, n_voxels=50, n_informative=20, noise=0.5, rng=5)
    np.testing.assert_array_equal(again.presentations, same.presentations)
    resid = again.presentations[:, :, 20:] - again.presentations[:, :, 20:].mean(axis=(0, 1))
    assert resid.std() == pytest.approx(0.5, rel=0.1)
    with pytest.raises(ValueError, match="noise"):
        make_synthetic(feats, noise=-1)
    with pytest.raises(ValueError, match="n_informative"):
        make_synthetic(feats, n_voxels=5, n_informative=6)


def test_participant_repr_is_a_summary_not_the_arrays():
    from erpsim.encoding import NOUN_CATEGORIES, NOUNS, make_synthetic, verb_features
    data = make_synthetic(verb_features(), words=NOUNS, categories=NOUN_CATEGORIES,
                          n_voxels=300, n_informative=10, noise=1.0, rng=0)
    text = repr(data)
    assert text == ("ParticipantData(subject='synthetic', 6 presentations x 60 nouns x "
                    "300 voxels, source='synthetic')")
