"""No leakage: voxel selection on all nouns would inflate accuracy; the package's doesn't.

The data are built so that selecting voxels with the held-out nouns included picks
exactly the voxels where those nouns carry a learnable signal:

* nouns 0..K-1 are "owners", nouns K..2K-1 their "helpers" (a helper's features are
  a slightly perturbed copy of its owner's);
* voxel group k (g voxels) responds, linearly in the features, to owner k in every
  presentation (so the owner makes the group *stable*), and to helper k in only one
  presentation, scaled so that the helper's *averaged* image carries the same
  linear signal (learnable, but no stability);
* every other noun is pure noise in group k.

In a fold holding out owners i and j, honest selection (training nouns only) finds
groups i and j unstable -- their owner is held out -- and keeps the other groups,
where i and j are pure noise: accuracy at chance. Selection on all nouns keeps
groups i and j, where the model learnt from the helpers predicts i and j: accuracy
near 1. Only the owner-owner folds are scored.
"""
from itertools import combinations

import numpy as np

from erpsim.encoding import (LinearEncoder, average_and_centre, leave_two_out,
                             permutation_test, select_voxels, voxel_stability)


def _owner_helper_data(K=10, g=10, p=8, amplitude=10.0, n_pres=6, rng=0):
    rng = np.random.default_rng(rng)
    base = rng.standard_normal((K, p))
    F = np.vstack([base, base + 0.1 * rng.standard_normal((K, p))])
    X = rng.standard_normal((n_pres, 2 * K, K * g))
    for v in range(K * g):
        k = v // g
        c = rng.standard_normal(p)
        c /= abs(F[k] @ c)
        X[:, k, v] += amplitude * (F[k] @ c)
        X[rng.integers(n_pres), K + k, v] += n_pres * amplitude * (F[K + k] @ c)
    pairs = np.array(list(combinations(range(K), 2)))
    return F, X, pairs


def _leaky_accuracy(F, X, n_select, pairs):
    """The bug: select voxels once, on all nouns, then evaluate the folds."""
    images = average_and_centre(X)
    sel = select_voxels(voxel_stability(X), n_select)
    n_nouns = X.shape[1]
    correct = []
    for i, j in pairs:
        train = [k for k in range(n_nouns) if k not in (i, j)]
        p1, p2 = LinearEncoder().fit(F[train], images[train][:, sel]).predict(F[[i, j]])
        y1, y2 = images[i, sel], images[j, sel]

        def cos(a, b):
            return a @ b / np.linalg.norm(a) / np.linalg.norm(b)
        correct.append(cos(p1, y1) + cos(p2, y2) - (cos(p1, y2) + cos(p2, y1)) > 1e-12)
    return float(np.mean(correct))


def test_selection_on_all_nouns_would_inflate_accuracy_but_the_package_does_not():
    honest, leaky = [], []
    for seed in range(3):
        F, X, pairs = _owner_helper_data(rng=seed)
        n_select = 8 * 10                            # all groups but two
        fast = leave_two_out(F, X, n_select=n_select, pairs=pairs)
        ref = leave_two_out(F, X, n_select=n_select, pairs=pairs, method="reference")
        np.testing.assert_array_equal(fast.correct, ref.correct)
        honest.append(fast.accuracy)
        leaky.append(_leaky_accuracy(F, X, n_select, pairs))
    print(f"honest {np.round(honest, 3)}, leaky {np.round(leaky, 3)}")
    assert min(leaky) >= 0.9
    assert np.mean(honest) < 0.65 and max(honest) < 0.75


def test_honest_accuracy_is_inside_its_permutation_null_and_leaky_is_not():
    F, X, pairs = _owner_helper_data(rng=0)
    res = permutation_test(F, X, n_select=80, pairs=pairs, n_permutations=100, rng=4)
    print(f"honest {res.accuracy:.3f}, p = {res.p_value:.3f}; null {res.null.mean():.3f}"
          f" +/- {res.null.std(ddof=1):.3f}")
    assert res.p_value > 0.05
    assert abs(res.accuracy - np.median(res.null)) < 3 * res.null.std(ddof=1)
    assert _leaky_accuracy(F, X, 80, pairs) > res.null.max()
