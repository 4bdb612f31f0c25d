"""Leave-two-out evaluation: fast path against the reference, accuracy, permutations."""
import numpy as np
import pytest

from erpsim.encoding import (NOUN_CATEGORIES, NOUNS, LinearEncoder, all_pairs,
                             evaluate_participants,
                             average_and_centre, fold_selection, hat_weights,
                             leave_two_out, make_synthetic, permutation_test,
                             select_voxels, verb_features, voxel_stability)


@pytest.fixture(scope="module")
def verbs():
    return verb_features()


def _compare(F, X, n_select, alpha=0.0, pairs=None, label=""):
    """Run both paths; they must agree decision for decision and voxel for voxel."""
    fast = leave_two_out(F, X, n_select=n_select, alpha=alpha, pairs=pairs,
                         return_selection=True)
    ref = leave_two_out(F, X, n_select=n_select, alpha=alpha, pairs=pairs,
                        method="reference", return_selection=True)
    near = np.nonzero(np.abs(ref.margin) < 1e-12)[0]
    print(f"{label}: {ref.n_folds} folds, accuracy {ref.accuracy:.3f}, max |margin "
          f"difference| {np.abs(fast.margin - ref.margin).max():.2e}, folds with "
          f"|margin| < 1e-12: {near.size}")
    np.testing.assert_array_equal(fast.selected, ref.selected)
    np.testing.assert_array_equal(fast.correct, ref.correct)
    np.testing.assert_allclose(fast.margin, ref.margin, rtol=0, atol=1e-9)
    assert fast.accuracy == ref.accuracy
    return fast, ref


# --------------------------------------------------------------------------- exactness
def test_fast_equals_reference_random():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((6, 12, 150)) + 3.0
    F = rng.standard_normal((12, 5))
    _compare(F, X, n_select=20, label="random")


def test_fast_equals_reference_planted_signal_60_nouns(verbs):
    data = make_synthetic(verbs, n_voxels=240, n_informative=60, noise=2.5, rng=1)
    fast, ref = _compare(verbs, data.presentations, n_select=40, label="60 nouns")
    assert 0.6 < ref.accuracy < 1.0            # an informative, non-trivial problem


def test_fast_equals_reference_with_ties_and_degenerate_voxels():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((6, 10, 60))
    X[:, :, 5] = 1.5                                  # constant everywhere
    X[:, :, 6] = X[:, :, 7]                           # duplicated voxel: tied stability
    X[:, :, 8] = X[:, :, 7]
    X[:, 2:, 9] = 0.25                                # constant except nouns 0 and 1
    X[4, 1:, 10] = -2.0                               # one presentation constant but 1 noun
    X[:, :, 11] = 10 * X[:, :, 12] + 4                # same stability as voxel 12
    X[:, :, 20:40] = rng.integers(0, 3, (6, 10, 20))  # discrete values: many exact ties
    F = rng.standard_normal((10, 4))
    F[3] = F[4]                                       # nouns 3 and 4 indistinguishable
    X[:, 4] = X[:, 3]
    for n_select in (1, 7, 8, 25, 60):
        fast, ref = _compare(F, X, n_select=n_select, label=f"degenerate n={n_select}")
    fold = np.nonzero((fast.pairs == [3, 4]).all(axis=1))[0][0]
    assert abs(ref.margin[fold]) < 1e-12 and not ref.correct[fold] and not fast.correct[fold]


def test_fast_equals_reference_discrete_data():
    rng = np.random.default_rng(3)
    X = rng.integers(-2, 3, size=(4, 9, 80)).astype(float)
    F = rng.integers(0, 3, size=(9, 3)).astype(float) + np.eye(9, 3)
    _compare(F, X, n_select=15, label="discrete")


@pytest.mark.parametrize("n_feat,alpha", [(4, 0.0), (4, 2.0), (12, 0.0), (12, 0.5)])
def test_fast_equals_reference_ridge_and_wide_features(n_feat, alpha):
    rng = np.random.default_rng(4)
    X = rng.standard_normal((3, 12, 50))
    F = rng.standard_normal((12, n_feat))
    _compare(F, X, n_select=10, alpha=alpha, label=f"p={n_feat} alpha={alpha}")


def test_fast_equals_reference_on_a_subset_of_folds():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((2, 15, 40))
    F = rng.standard_normal((15, 3))
    pairs = np.array([[14, 0], [3, 9], [9, 3], [7, 8]])
    fast, _ = _compare(F, X, n_select=5, pairs=pairs, label="subset")
    assert fast.margin[1] == pytest.approx(fast.margin[2], abs=1e-14)   # symmetric in i, j


def test_hat_weights_match_refitting():
    rng = np.random.default_rng(6)
    F = rng.standard_normal((9, 3))
    Y = rng.standard_normal((9, 5))
    pairs = all_pairs(9)
    # the last feature set has a column that only nouns 0 and 1 use: without them the
    # least-squares fold is singular and a tiny ridge is nearly so (direct refit)
    lonely = np.column_stack([F, np.r_[1.0, 2.0, np.zeros(7)]])
    for feats, alpha in [(F, 0.0), (F, 1.5), (rng.standard_normal((9, 8)), 0.0),
                         (rng.standard_normal((9, 8)), 0.3), (lonely, 1e-9)]:
        W = hat_weights(feats, pairs, alpha)
        for f, (i, j) in enumerate(pairs):
            train = [k for k in range(9) if k not in (i, j)]
            pred = LinearEncoder(alpha).fit(feats[train], Y[train]).predict(feats[[i, j]])
            np.testing.assert_allclose(W[f] @ Y, pred, atol=1e-9)
            assert np.all(W[f][:, [i, j]] == 0)
    with pytest.raises(ValueError, match="without nouns 0 and 1"):
        hat_weights(lonely, pairs, 0.0)


# --------------------------------------------------------------------------- pieces
def test_voxel_stability_is_mean_pairwise_correlation():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((4, 11, 6))
    train = np.array([0, 2, 3, 4, 6, 7, 8, 10])
    got = voxel_stability(X, train)
    for v in range(6):
        corr = np.corrcoef(X[:, train, v])
        expected = corr[np.triu_indices(4, k=1)].mean()
        assert got[v] == pytest.approx(expected, abs=1e-14)


def test_select_voxels_tie_rule():
    stab = np.array([0.1, 0.5, 0.3, 0.5, 0.5, -0.2, 0.5 + 1e-13])
    np.testing.assert_array_equal(select_voxels(stab, 2), [1, 3])
    np.testing.assert_array_equal(select_voxels(stab, 3), [1, 3, 4])
    np.testing.assert_array_equal(select_voxels(stab, 5), [1, 2, 3, 4, 6])
    np.testing.assert_array_equal(select_voxels(stab, 2, tol=0), [1, 6])
    with pytest.raises(ValueError):
        select_voxels(stab, 8)


def test_fold_selection_uses_training_nouns_only():
    """Changing the held-out nouns' data must not change that fold's voxels."""
    rng = np.random.default_rng(8)
    X = rng.standard_normal((6, 10, 120))
    pairs = all_pairs(10)
    before = fold_selection(X, pairs, n_select=15)
    for i, j in [(0, 1), (3, 7), (8, 9)]:
        Y = X.copy()
        Y[:, [i, j]] = 50 * rng.standard_normal((6, 2, 120))   # wildly different
        Y[:, i, :30] = 7.0                                     # consistent, "stable" looking
        after = fold_selection(Y, pairs, n_select=15)
        fold = np.nonzero((pairs == [i, j]).all(axis=1))[0][0]
        np.testing.assert_array_equal(after[fold], before[fold])
        assert not np.array_equal(after, before)               # other folds do change


# --------------------------------------------------------------------------- accuracy
def test_planted_signal_gives_high_accuracy(verbs):
    data = make_synthetic(verbs, words=NOUNS, categories=NOUN_CATEGORIES, n_voxels=500,
                          n_informative=150, noise=1.0, rng=10)
    res = leave_two_out(verbs, data, n_select=100)
    assert res.accuracy > 0.95
    assert res.n_folds == 1770 and res.words == NOUNS
    labels, acc, counts = res.category_accuracy(NOUN_CATEGORIES)
    assert len(labels) == 12 and counts.sum() - np.trace(counts) == 2 * (1770 - 12 * 10)
    assert np.all(np.diag(counts) == 10) and np.nanmin(acc) >= 0


def test_pure_noise_is_at_chance_within_the_permutation_null(verbs):
    data = make_synthetic(verbs, n_voxels=400, n_informative=0, noise=1.0, rng=11)
    res = permutation_test(verbs, data, n_select=50, n_permutations=200, rng=12)
    null_sd = res.null.std(ddof=1)
    binomial_sd = 0.5 / np.sqrt(1770)
    print(f"pure noise: accuracy {res.accuracy:.3f}, null {res.null.mean():.3f} +/- "
          f"{null_sd:.3f} (binomial would be {binomial_sd:.3f}), p = {res.p_value:.3f}")
    # overlapping folds: the null is much wider than a binomial with 1770 trials
    assert null_sd > 2 * binomial_sd
    assert abs(res.null.mean() - 0.5) < 4 * null_sd / np.sqrt(200) + 0.01
    assert abs(res.accuracy - 0.5) < 4 * null_sd
    assert res.p_value > 0.01


def test_permutation_null_matches_reference_evaluations():
    rng = np.random.default_rng(13)
    F = rng.standard_normal((10, 3))
    data = make_synthetic(F, n_voxels=60, n_informative=20, noise=0.3, rng=14)
    res = permutation_test(F, data, n_select=12, n_permutations=6, rng=15)
    for perm, acc in zip(res.permutations, res.null):
        ref = leave_two_out(F[perm], data, n_select=12, method="reference")
        assert acc == ref.accuracy
    assert res.accuracy == leave_two_out(F, data, n_select=12, method="reference").accuracy
    assert res.p_value == (1 + np.sum(res.null >= res.accuracy)) / 7
    again = permutation_test(F, data, n_select=12, n_permutations=6, rng=15)
    np.testing.assert_array_equal(again.null, res.null)
    assert res.accuracy > 0.9 and res.p_value == pytest.approx(1 / 7)


# --------------------------------------------------------------------------- bad input
def test_bad_input():
    rng = np.random.default_rng(16)
    X = rng.standard_normal((6, 8, 30))
    F = rng.standard_normal((8, 3))
    with pytest.raises(ValueError, match="rows"):
        leave_two_out(F[:7], X)
    with pytest.raises(ValueError, match="3-D"):
        leave_two_out(F, X[0])
    with pytest.raises(ValueError, match="n_select"):
        leave_two_out(F, X, n_select=31)
    with pytest.raises(ValueError, match="presentations"):
        leave_two_out(F, X[:1], n_select=5)
    Xn = X.copy()
    Xn[2, 3, [4, 17]] = np.nan
    with pytest.raises(ValueError, match=r"2 voxel\(s\).*\[4, 17\]"):
        leave_two_out(F, Xn, n_select=5)
    with pytest.raises(ValueError, match=r"2 voxel\(s\)"):
        permutation_test(F, Xn, n_select=5, n_permutations=2)
    Fn = F.copy()
    Fn[1, 1] = np.inf
    with pytest.raises(ValueError, match="non-finite"):
        leave_two_out(Fn, X, n_select=5)
    with pytest.raises(ValueError, match="method"):
        leave_two_out(F, X, n_select=5, method="slow")
    with pytest.raises(ValueError, match="alpha"):
        leave_two_out(F, X, n_select=5, alpha=-1)
    with pytest.raises(ValueError, match="pairs"):
        leave_two_out(F, X, n_select=5, pairs=[[0, 0]])
    with pytest.raises(ValueError, match="pairs"):
        leave_two_out(F, X, n_select=5, pairs=[[0, 8]])
    collinear = np.column_stack([F, F[:, 0] + F[:, 1]])
    with pytest.raises(ValueError, match="alpha > 0"):
        leave_two_out(collinear, X, n_select=5)
    assert leave_two_out(collinear, X, n_select=5, alpha=1.0).n_folds == 28
    with pytest.raises(ValueError, match="at least 5 nouns"):
        leave_two_out(F[:4], X[:, :4], n_select=5)
    with pytest.raises(ValueError, match="n_permutations"):
        permutation_test(F, X, n_select=5, n_permutations=0)


def test_images_are_averaged_and_centred_once():
    # the fit uses the averaged, mean-centred images (centred over all nouns)
    rng = np.random.default_rng(17)
    X = rng.standard_normal((6, 7, 9)) + 100.0
    images = average_and_centre(X)
    np.testing.assert_allclose(images.mean(axis=0), 0, atol=1e-12)
    F = rng.standard_normal((7, 3))
    shifted = leave_two_out(F, X + 5.0, n_select=4)
    plain = leave_two_out(F, X, n_select=4)
    np.testing.assert_array_equal(shifted.correct, plain.correct)


def test_evaluate_participants():
    rng = np.random.default_rng(18)
    F = rng.standard_normal((8, 3))
    parts = [make_synthetic(F, n_voxels=40, n_informative=k, noise=0.3, rng=k)
             for k in (0, 20)]
    for p, name in zip(parts, ("noise", "signal")):
        p.subject = name
    table, results = evaluate_participants(parts, lambda words: F, n_select=10)
    assert list(table["subject"]) == ["noise", "signal"]
    assert table["accuracy"].iloc[1] > 0.9 and table["n_folds"].iloc[0] == 28
    assert results[1].accuracy == table["accuracy"].iloc[1]
    table, results = evaluate_participants(parts, F, n_select=10, n_permutations=5, rng=1)
    assert {"p_value", "null_mean", "null_sd"} <= set(table.columns)
    assert table["p_value"].iloc[1] == pytest.approx(1 / 6)
