"""Leave-two-out evaluation of the encoding model (Mitchell et al. 2008).

For every pair of nouns (i, j) -- a *fold* -- the model is trained on the other nouns,
the 500 (``n_select``) most stable voxels are chosen **on the training nouns only**,
and the fold is *correct* when

    (cos(p_i, y_i) + cos(p_j, y_j)) - (cos(p_i, y_j) + cos(p_j, y_i)) > tie_tol

on the selected voxels, where p are predicted and y observed (averaged, mean-centred)
images. Two implementations give the same decisions:

* ``method="reference"`` -- the straightforward one: per fold, compute the stability
  of every voxel from the training nouns' presentations, select, fit a
  :class:`~erpsim.encoding.LinearEncoder` on the training nouns, predict, compare.
* ``method="fast"`` -- shares the work between folds: the stability of every voxel
  in every fold comes from all-noun sums minus the two held-out nouns (numba, blocked
  over folds and voxels); the fit of every fold is a rank-2 downdate of the all-noun
  fit (Woodbury: a 2 x 2 solve per fold on the all-noun hat matrix); only the
  selected voxels are predicted. See ``docs/encoding.md`` for why it is exact.

Definitions shared by both paths
--------------------------------
* **Stability** of a voxel: the mean, over the ``n_pres * (n_pres - 1) / 2`` pairs of
  presentations, of the Pearson correlation across the training nouns. A presentation
  whose training values are all equal has no correlation; its pairs count as 0.
* **Selection**: the ``n_select`` voxels of highest stability; stabilities within
  ``RANK_TOL = 1e-10`` of the ``n_select``-th largest are tied, and ties go to the
  lower voxel index (for exact ties: a stable sort by ``(-stability, index)``). The
  tolerance makes the choice immune to rounding when stabilities are mathematically
  equal, as happens with discrete data.
* **Cosine** of a zero vector with anything is 0.
* **Ties**: a fold whose margin is ``<= tie_tol`` (default ``1e-12``, about a
  thousand times the rounding error of a sum of two cosines) counts as incorrect;
  exactly equal sums are therefore incorrect in both paths.
"""
import math
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from erpsim.encoding.data import average_and_centre, nonfinite_voxels
from erpsim.encoding.model import LinearEncoder

#: Default number of voxels kept per fold.
N_SELECT = 500
#: Default tie tolerance on the match margin.
TIE_TOL = 1e-12
#: Stabilities closer than this to the selection threshold count as tied.
RANK_TOL = 1e-10
METHODS = ("fast", "reference")


# --------------------------------------------------------------------------- inputs
def _presentations_of(data):
    return data.presentations if hasattr(data, "presentations") else data


def _check_inputs(features, presentations, n_select, alpha):
    F = np.asarray(features, dtype=np.float64)
    X = np.asarray(_presentations_of(presentations), dtype=np.float64)
    if F.ndim != 2:
        raise ValueError(f"features must be 2-D (n_nouns, n_features), got shape {F.shape}")
    if X.ndim != 3:
        raise ValueError("presentations must be 3-D (n_presentations, n_nouns, n_voxels), "
                         f"got shape {X.shape}")
    n_pres, n_nouns, n_vox = X.shape
    if F.shape[0] != n_nouns:
        raise ValueError(f"features have {F.shape[0]} rows but the data have {n_nouns} "
                         "nouns; they must match (same nouns, same order)")
    if n_nouns < 5:
        raise ValueError(f"need at least 5 nouns for leave-two-out, got {n_nouns}")
    if n_pres < 2:
        raise ValueError(f"need at least 2 presentations per noun for voxel stability, "
                         f"got {n_pres}")
    if not np.all(np.isfinite(F)):
        rows = np.unique(np.nonzero(~np.isfinite(F))[0])
        raise ValueError(f"features have non-finite values in rows {rows.tolist()}")
    bad = nonfinite_voxels(X)
    if bad.size:
        raise ValueError(f"{bad.size} voxel(s) hold NaN or infinite values (indices "
                         f"{bad[:10].tolist()}{'...' if bad.size > 10 else ''}); drop "
                         "them first (ParticipantData.drop_nonfinite)")
    n_select = int(n_select)
    if not 1 <= n_select <= n_vox:
        raise ValueError(f"n_select must be between 1 and the number of voxels ({n_vox}), "
                         f"got {n_select}")
    alpha = float(alpha)
    if not math.isfinite(alpha) or alpha < 0:
        raise ValueError(f"alpha must be finite and >= 0, got {alpha}")
    return F, X, n_select, alpha


def all_pairs(n_nouns):
    """All leave-two-out folds.

    Parameters
    ----------
    n_nouns : int

    Returns
    -------
    ndarray of int64, shape (n_nouns * (n_nouns - 1) / 2, 2)
        ``(i, j)`` with ``i < j``, in lexicographic order (1770 folds for 60 nouns).
    """
    return np.array(list(combinations(range(n_nouns), 2)), dtype=np.int64).reshape(-1, 2)


def _check_pairs(pairs, n_nouns):
    if pairs is None:
        return all_pairs(n_nouns)
    pairs = np.asarray(pairs, dtype=np.int64)
    if pairs.ndim != 2 or pairs.shape[1] != 2 or pairs.shape[0] == 0:
        raise ValueError(f"pairs must have shape (n_folds, 2), got {pairs.shape}")
    if pairs.min() < 0 or pairs.max() >= n_nouns or np.any(pairs[:, 0] == pairs[:, 1]):
        raise ValueError("pairs must hold two different noun indices in range")
    return pairs


# --------------------------------------------------------------------------- stability
def voxel_stability(presentations, train=None):
    """Voxel stability: mean Pearson correlation over pairs of presentations.

    This is the straightforward computation, used by the reference path.

    Parameters
    ----------
    presentations : array_like, shape (n_pres, n_nouns, n_voxels)
    train : array_like of int, optional
        Nouns to compute it on (default all).

    Returns
    -------
    ndarray, shape (n_voxels,)
        For each voxel, the mean over the ``n_pres * (n_pres - 1) / 2`` presentation
        pairs of the correlation across nouns; a presentation whose values are all
        equal contributes correlations of 0.
    """
    X = np.asarray(_presentations_of(presentations), dtype=np.float64)
    if train is not None:
        X = X[:, np.asarray(train), :]
    n_pres = X.shape[0]
    dev = X - X.mean(axis=1, keepdims=True)
    ss = (dev ** 2).sum(axis=1)                                   # (n_pres, V)
    ok = (X.max(axis=1) != X.min(axis=1)) & (ss > 0)
    scale = np.where(ok, 1.0 / np.sqrt(np.where(ok, ss, 1.0)), 0.0)
    z = dev * scale[:, None, :]
    total = np.zeros(X.shape[2])
    n_pairs = 0
    for p in range(n_pres):
        for q in range(p + 1, n_pres):
            total += (z[p] * z[q]).sum(axis=0)
            n_pairs += 1
    return total / n_pairs


def select_voxels(stability, n_select, tol=RANK_TOL):
    """Indices of the ``n_select`` most stable voxels; near-ties go to the lower index.

    With ``t`` the ``n_select``-th largest stability, the voxels above ``t + tol``
    are kept, and the remaining places go to the voxels within ``tol`` of ``t`` in
    increasing index order. For ``tol = 0`` this is a stable sort by
    ``(-stability, index)``; the small default makes the choice immune to rounding
    differences between mathematically equal stabilities.

    Parameters
    ----------
    stability : array_like, shape (n_voxels,)
    n_select : int
    tol : float

    Returns
    -------
    ndarray of int64, shape (n_select,)
        In increasing order.
    """
    stability = np.asarray(stability, dtype=np.float64)
    if np.any(np.isnan(stability)):
        raise ValueError("stability has NaN values")
    if not 1 <= n_select <= stability.size:
        raise ValueError(f"n_select must be between 1 and {stability.size}, got {n_select}")
    thresh = np.sort(stability)[::-1][n_select - 1]
    above = np.nonzero(stability > thresh + tol)[0]
    tied = np.nonzero((stability <= thresh + tol) & (stability >= thresh - tol))[0]
    return np.sort(np.concatenate([above, tied[:n_select - above.size]]))


def _constant_except(X):
    """Presentations constant over all nouns but at most two, and those nouns.

    Returns
    -------
    flat_p, flat_v : ndarray of int64, shape (n_cand,)
        Presentation and voxel of each candidate, sorted by voxel.
    flat1, flat2 : ndarray of int64, shape (n_cand,)
        The (at most two) nouns whose value differs from the common one (-1: none).
        In a fold holding out both, the presentation is constant over the
        training nouns.
    """
    n_pres, n_nouns, n_vox = X.shape
    # A value shared by >= n_nouns - 2 nouns (n_nouns >= 5) occupies the middle of
    # the sorted values.
    mid = np.partition(X, n_nouns // 2, axis=1)[:, n_nouns // 2, :]
    differ = X != mid[:, None, :]
    count = differ.sum(axis=1)
    flat_v, flat_p = np.nonzero((count <= 2).T)        # sorted by voxel
    sub = differ[flat_p, :, flat_v]                     # (n_cand, n_nouns)
    n_diff = count[flat_p, flat_v]
    flat1 = np.where(n_diff >= 1, np.argmax(sub, axis=1), -1) if sub.size else \
        np.empty(0, dtype=np.int64)
    flat2 = np.where(n_diff >= 2, n_nouns - 1 - np.argmax(sub[:, ::-1], axis=1), -1) \
        if sub.size else np.empty(0, dtype=np.int64)
    return (flat_p.astype(np.int64), flat_v.astype(np.int64), flat1.astype(np.int64),
            flat2.astype(np.int64))


def fold_selection(presentations, pairs=None, n_select=N_SELECT, rank_tol=RANK_TOL,
                   block=256, chunk=512):
    """The voxels selected in every fold, computed from training nouns only (fast).

    Parameters
    ----------
    presentations : array_like, shape (n_pres, n_nouns, n_voxels)
    pairs : array_like of int, shape (n_folds, 2), optional
        Held-out nouns of each fold (default all pairs).
    n_select : int
    rank_tol : float
        Tie tolerance of the selection (see :func:`select_voxels`).
    block : int
        Folds per block (bounds the memory to ``block * n_voxels`` floats).
    chunk : int
        Voxels per work unit of the numba kernel.

    Returns
    -------
    ndarray of int32, shape (n_folds, n_select)
        Selected voxels of each fold, in increasing order.
    """
    from erpsim.encoding._kernels import select_top, stability_block

    X = np.asarray(_presentations_of(presentations), dtype=np.float64)
    if X.ndim != 3:
        raise ValueError("presentations must be 3-D (n_presentations, n_nouns, n_voxels), "
                         f"got shape {X.shape}")
    n_pres, n_nouns, n_vox = X.shape
    if n_nouns < 5 or n_pres < 2:
        raise ValueError(f"need at least 5 nouns and 2 presentations, got {n_nouns} and "
                         f"{n_pres}")
    bad = nonfinite_voxels(X)
    if bad.size:
        raise ValueError(f"{bad.size} voxel(s) hold NaN or infinite values (indices "
                         f"{bad[:10].tolist()})")
    if not 1 <= n_select <= n_vox:
        raise ValueError(f"n_select must be between 1 and {n_vox}, got {n_select}")
    pairs = _check_pairs(pairs, n_nouns)
    Xc = X - X.mean(axis=1, keepdims=True)
    S = Xc.sum(axis=1)
    Q = (Xc ** 2).sum(axis=1)
    pp, qq = np.triu_indices(n_pres, k=1)
    C = np.empty((pp.size, n_vox))
    for k, (p, q) in enumerate(zip(pp, qq)):
        np.einsum("nv,nv->v", Xc[p], Xc[q], out=C[k])
    flat_p, flat_v, flat1, flat2 = _constant_except(X)
    XcT = np.ascontiguousarray(Xc.transpose(1, 0, 2))
    out = np.empty((pairs.shape[0], n_select), dtype=np.int32)
    fi = np.ascontiguousarray(pairs[:, 0])
    fj = np.ascontiguousarray(pairs[:, 1])
    stab = np.empty((min(block, pairs.shape[0]), n_vox))
    for b0 in range(0, pairs.shape[0], block):
        b1 = min(b0 + block, pairs.shape[0])
        part = stab[:b1 - b0]
        stability_block(XcT, S, Q, C, flat_p, flat_v, flat1, flat2, pp.astype(np.int64),
                        qq.astype(np.int64), fi[b0:b1], fj[b0:b1], part, chunk)
        select_top(part, n_select, rank_tol, out[b0:b1])
    return out


# --------------------------------------------------------------------------- fits
def hat_matrix(features, alpha=0.0):
    """The hat matrix of the fit on all nouns: ``H = F (F'F + alpha I)^+ F'``.

    Computed from the SVD of ``F`` (``H = U diag(s^2 / (s^2 + alpha)) U'``), which
    stays accurate when ``F'F`` is ill-conditioned.

    Parameters
    ----------
    features : ndarray, shape (n_nouns, n_features)
    alpha : float

    Returns
    -------
    ndarray, shape (n_nouns, n_nouns)
    """
    F = np.asarray(features, dtype=np.float64)
    U, s, _ = np.linalg.svd(F, full_matrices=False)
    if alpha == 0:
        shrink = (s > s.max(initial=0.0) * max(F.shape) * np.finfo(float).eps).astype(float)
    else:
        shrink = s ** 2 / (s ** 2 + alpha)
    return (U * shrink) @ U.T


#: Folds whose downdate is closer than this to singular are refitted directly.
_DOWNDATE_TOL = 1e-6
#: Least-squares folds closer than this to singular are an error.
_SINGULAR_TOL = 1e-10


def hat_weights(features, pairs, alpha=0.0, H=None):
    """Prediction weights of every fold: rank-2 downdates of the all-noun fit.

    For fold ``(i, j)`` the predicted image of held-out noun ``a`` is
    ``sum_k W[f, a, k] * y_k`` over the training nouns ``k`` (``W`` is zero at ``i``
    and ``j``). The training normal matrix is ``G - f_i f_i' - f_j f_j'`` with
    ``G = F'F + alpha I``; by the Woodbury identity the weights are

        W[f] = (I_2 - H_UU)^{-1} H[[i, j], :],     H = F G^{-1} F',

    where ``H_UU`` is the 2 x 2 block of ``H`` at ``(i, j)`` -- O(n_nouns) work per
    fold once ``H`` is known. A fold whose ``I_2 - H_UU`` is nearly singular is
    refitted directly. With at least as many features as training nouns the dual
    form ``W[f, :, train] = K[test, train] (K[train, train] + alpha I)^{-1}``
    (``K = F F'``) is used instead.

    Parameters
    ----------
    features : ndarray, shape (n_nouns, n_features)
    pairs : ndarray of int, shape (n_folds, 2)
    alpha : float
        Ridge penalty (0: least squares).
    H : ndarray, shape (n_nouns, n_nouns), optional
        :func:`hat_matrix` of ``features`` and ``alpha``, if already known.

    Returns
    -------
    ndarray, shape (n_folds, 2, n_nouns)

    Raises
    ------
    ValueError
        If a least-squares fold is singular (features collinear on its training
        nouns; use ``alpha > 0``).
    """
    F = np.asarray(features, dtype=np.float64)
    pairs = np.asarray(pairs, dtype=np.int64)
    n_nouns, n_feat = F.shape
    n_train = n_nouns - 2
    if n_feat >= n_train:
        return _dual_weights(F, pairs, alpha)
    if alpha == 0 and np.linalg.matrix_rank(F) < n_feat:
        raise ValueError(f"the features are rank-deficient (rank "
                         f"{np.linalg.matrix_rank(F)} < {n_feat}); least squares is "
                         "singular, use a ridge penalty alpha > 0")
    if H is None:
        H = hat_matrix(F, alpha)
    fi, fj = pairs[:, 0], pairs[:, 1]
    rows = np.arange(pairs.shape[0])
    a = 1.0 - H[fi, fi]
    d = 1.0 - H[fj, fj]
    b = -H[fi, fj]
    c = -H[fj, fi]
    # smallest eigenvalue of the symmetric 2 x 2 matrix [[a, b], [c, d]]
    lam = 0.5 * (a + d) - np.sqrt(0.25 * (a - d) ** 2 + 0.25 * (b + c) ** 2)
    if alpha == 0 and np.any(lam < _SINGULAR_TOL):
        f = int(np.argmin(lam))
        raise ValueError(f"the least-squares fit without nouns {fi[f]} and {fj[f]} is "
                         "singular (features collinear on the training nouns); use a "
                         "ridge penalty alpha > 0")
    det = a * d - b * c
    Hi, Hj = H[fi], H[fj]
    W = np.empty((pairs.shape[0], 2, n_nouns))
    W[:, 0] = (d[:, None] * Hi - b[:, None] * Hj) / det[:, None]
    W[:, 1] = (a[:, None] * Hj - c[:, None] * Hi) / det[:, None]
    hard = np.nonzero(lam < _DOWNDATE_TOL)[0]
    if hard.size:
        W[hard] = _direct_weights(F, pairs[hard], alpha)
    W[rows, :, fi] = 0.0
    W[rows, :, fj] = 0.0
    return W


def _direct_weights(F, pairs, alpha):
    """Fold weights by solving each fold's normal equations (batched)."""
    G = F.T @ F
    fi, fj = pairs[:, 0], pairs[:, 1]
    Fi, Fj = F[fi], F[fj]
    Gf = (G[None] - Fi[:, :, None] * Fi[:, None, :] - Fj[:, :, None] * Fj[:, None, :]
          + alpha * np.eye(F.shape[1])[None])
    try:
        Z = np.linalg.solve(Gf, np.stack([Fi, Fj], axis=2))      # (n_folds, p, 2)
    except np.linalg.LinAlgError as err:
        raise ValueError("a fold's training problem is singular; use a ridge penalty "
                         "alpha > 0") from err
    W = np.einsum("fpa,np->fan", Z, F)
    rows = np.arange(pairs.shape[0])
    W[rows, :, fi] = 0.0
    W[rows, :, fj] = 0.0
    return W


def _dual_weights(F, pairs, alpha):
    """Fold weights in the dual (kernel) form, for n_features >= n_train."""
    n_nouns = F.shape[0]
    n_train = n_nouns - 2
    n_folds = pairs.shape[0]
    fi, fj = pairs[:, 0], pairs[:, 1]
    rows = np.arange(n_folds)
    K = F @ F.T
    mask = np.ones((n_folds, n_nouns), dtype=bool)
    mask[rows, fi] = False
    mask[rows, fj] = False
    train = np.nonzero(mask)[1].reshape(n_folds, n_train)
    Kf = K[train[:, :, None], train[:, None, :]] + alpha * np.eye(n_train)[None]
    rhs = np.stack([K[train, fi[:, None]], K[train, fj[:, None]]], axis=2)
    if alpha == 0:
        s = np.linalg.svd(Kf, compute_uv=False)
        if np.any(s[:, -1] <= s[:, 0] * 1e-13):
            raise ValueError("a fold's training problem is singular (the training "
                             "nouns' features are linearly dependent); use a ridge "
                             "penalty alpha > 0")
    try:
        Z = np.linalg.solve(Kf, rhs)                              # (n_folds, n_train, 2)
    except np.linalg.LinAlgError as err:
        raise ValueError("a fold's training problem is singular; use a ridge penalty "
                         "alpha > 0") from err
    W = np.zeros((n_folds, 2, n_nouns))
    W[rows[:, None], 0, train] = Z[:, :, 0]
    W[rows[:, None], 1, train] = Z[:, :, 1]
    return W


# --------------------------------------------------------------------------- results
@dataclass
class LeaveTwoOutResult:
    """The outcome of a leave-two-out evaluation.

    Attributes
    ----------
    accuracy : float
        Fraction of correct folds (chance 0.5).
    correct : ndarray of bool, shape (n_folds,)
    margin : ndarray, shape (n_folds,)
        ``(cos(p_i, y_i) + cos(p_j, y_j)) - (cos(p_i, y_j) + cos(p_j, y_i))``.
    pairs : ndarray of int, shape (n_folds, 2)
    n_select : int
    alpha : float
    method : str
    tie_tol : float
    selected : ndarray of int, shape (n_folds, n_select), or None
        Selected voxels per fold (only when asked for).
    words : tuple of str or None
    """

    accuracy: float
    correct: np.ndarray
    margin: np.ndarray
    pairs: np.ndarray
    n_select: int
    alpha: float
    method: str
    tie_tol: float = TIE_TOL
    selected: np.ndarray = None
    words: tuple = None

    @property
    def n_folds(self):
        """int: number of folds."""
        return int(self.correct.size)

    def near_ties(self, tol=1e-9):
        """Indices of folds whose margin is within ``tol`` of the tie threshold."""
        return np.nonzero(np.abs(self.margin - self.tie_tol) <= tol)[0]

    def category_accuracy(self, categories):
        """Accuracy of the folds by the categories of their two nouns.

        Parameters
        ----------
        categories : sequence of str, length n_nouns

        Returns
        -------
        labels : list of str, length n_categories
        accuracy : ndarray, shape (n_categories, n_categories)
            Symmetric; entry (a, b) is the fraction of correct folds pairing a noun of
            category a with one of category b (NaN where there is no such fold).
        counts : ndarray of int, shape (n_categories, n_categories)
        """
        categories = list(categories)
        labels = list(dict.fromkeys(categories))
        code = np.array([labels.index(c) for c in categories])
        a = code[self.pairs[:, 0]]
        b = code[self.pairs[:, 1]]
        n = len(labels)
        hits = np.zeros((n, n))
        counts = np.zeros((n, n), dtype=np.int64)
        np.add.at(hits, (a, b), self.correct)
        np.add.at(counts, (a, b), 1)
        hits = hits + hits.T - np.diag(np.diag(hits))
        counts = counts + counts.T - np.diag(np.diag(counts))
        with np.errstate(invalid="ignore", divide="ignore"):
            acc = np.where(counts > 0, hits / np.maximum(counts, 1), np.nan)
        return labels, acc, counts


@dataclass
class PermutationResult:
    """A permutation test of leave-two-out accuracy.

    Attributes
    ----------
    accuracy : float
        Observed accuracy (true noun-feature assignment).
    null : ndarray, shape (n_permutations,)
        Accuracies with the noun-feature assignment shuffled.
    p_value : float
        ``(1 + #(null >= accuracy)) / (1 + n_permutations)``.
    permutations : ndarray of int, shape (n_permutations, n_nouns)
        Permutation ``k`` pairs noun ``m`` with the features of noun
        ``permutations[k, m]``.
    observed : LeaveTwoOutResult
    """

    accuracy: float
    null: np.ndarray
    p_value: float
    permutations: np.ndarray
    observed: LeaveTwoOutResult = field(repr=False, default=None)


# --------------------------------------------------------------------------- evaluation
def _reference(F, X, pairs, n_select, alpha, tie_tol, keep_selection):
    images = average_and_centre(X)
    n_folds = pairs.shape[0]
    margin = np.empty(n_folds)
    selected = np.empty((n_folds, n_select), dtype=np.int64) if keep_selection else None
    n_nouns = X.shape[1]
    for f, (i, j) in enumerate(pairs):
        train = np.array([k for k in range(n_nouns) if k != i and k != j])
        stab = voxel_stability(X, train)
        sel = select_voxels(stab, n_select)
        model = LinearEncoder(alpha=alpha).fit(F[train], images[train][:, sel])
        p1, p2 = model.predict(F[[i, j]])
        y1, y2 = images[i, sel], images[j, sel]
        match = _cosine(p1, y1) + _cosine(p2, y2)
        mismatch = _cosine(p1, y2) + _cosine(p2, y1)
        margin[f] = match - mismatch
        if keep_selection:
            selected[f] = sel
    return margin, selected


def _cosine(a, b):
    na = np.sqrt(np.dot(a, a))
    nb = np.sqrt(np.dot(b, b))
    if na > 0 and nb > 0:
        return float(np.dot(a, b) / (na * nb))
    return 0.0


def _fast_margins(F, images_T, pairs, selection, alpha, H=None):
    from erpsim.encoding._kernels import match_margins

    W = hat_weights(F, pairs, alpha, H=H)
    margin = np.empty(pairs.shape[0])
    match_margins(images_T, np.ascontiguousarray(W), np.ascontiguousarray(pairs[:, 0]),
                  np.ascontiguousarray(pairs[:, 1]), selection, margin)
    return margin


def _fold_grams(images_T, selection, block=64):
    """Gram matrices ``Y_S Y_S'`` of every fold's selected voxels, (n_folds, n, n)."""
    n_folds = selection.shape[0]
    n_nouns = images_T.shape[1]
    grams = np.empty((n_folds, n_nouns, n_nouns))
    for b0 in range(0, n_folds, block):
        Ys = images_T[selection[b0:b0 + block]]                # (block, n_select, n)
        np.matmul(Ys.transpose(0, 2, 1), Ys, out=grams[b0:b0 + block])
    return grams


def leave_two_out(features, presentations, *, n_select=N_SELECT, alpha=0.0,
                  method="fast", pairs=None, tie_tol=TIE_TOL, return_selection=False,
                  words=None):
    """Leave-two-out accuracy of the encoding model with per-fold voxel selection.

    Parameters
    ----------
    features : array_like, shape (n_nouns, n_features)
        Semantic features, rows in the nouns' order of the data.
    presentations : array_like, shape (n_pres, n_nouns, n_voxels), or ParticipantData
        Images of every presentation of every noun (not averaged). They are averaged
        per noun and mean-centred over nouns for the fit and the match; the
        presentations themselves give the voxel stability.
    n_select : int
        Voxels kept per fold (500 in Mitchell et al. 2008).
    alpha : float
        Ridge penalty (0: least squares).
    method : {"fast", "reference"}
        Same decisions; "reference" is the straightforward per-fold computation.
    pairs : array_like of int, shape (n_folds, 2), optional
        Folds to evaluate (default: all pairs, ``i < j`` in lexicographic order).
    tie_tol : float
        A fold is correct only when its margin exceeds this.
    return_selection : bool
        Keep the selected voxels of every fold in the result.
    words : sequence of str, optional
        Noun names, kept in the result (default: those of a ParticipantData).

    Returns
    -------
    LeaveTwoOutResult

    Raises
    ------
    ValueError
        On shape mismatches, non-finite values (NaN voxels), ``n_select`` out of
        range, a negative penalty, an unknown method or a singular fit.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose from {METHODS}")
    if words is None and hasattr(presentations, "words"):
        words = presentations.words
    F, X, n_select, alpha = _check_inputs(features, presentations, n_select, alpha)
    pairs = _check_pairs(pairs, X.shape[1])
    if method == "reference":
        margin, selected = _reference(F, X, pairs, n_select, alpha, tie_tol,
                                      return_selection)
    else:
        selected = fold_selection(X, pairs, n_select)
        images_T = np.ascontiguousarray(average_and_centre(X).T)
        margin = _fast_margins(F, images_T, pairs, selected, alpha)
        if not return_selection:
            selected = None
    correct = margin > tie_tol
    return LeaveTwoOutResult(accuracy=float(correct.mean()), correct=correct, margin=margin,
                             pairs=pairs, n_select=n_select, alpha=alpha, method=method,
                             tie_tol=tie_tol, selected=selected,
                             words=None if words is None else tuple(words))


def permutation_test(features, presentations, *, n_permutations=1000, n_select=N_SELECT,
                     alpha=0.0, rng=None, pairs=None, tie_tol=TIE_TOL, progress=False):
    """Permutation test of leave-two-out accuracy: shuffle the noun-feature assignment.

    Because the folds overlap (each noun is in ``n_nouns - 1`` folds), their decisions
    are not independent and a binomial test is invalid. Voxel selection depends only
    on the images, so it is computed once and shared by all permutations, and so
    are the Gram matrices of every fold's selected images; each permutation then
    costs O(n_nouns^2) per fold (the fold weights are rank-2 downdates of the
    permuted hat matrix, the cosines come from the Gram matrices).

    Parameters
    ----------
    features : array_like, shape (n_nouns, n_features)
    presentations : array_like, shape (n_pres, n_nouns, n_voxels), or ParticipantData
    n_permutations : int
    n_select, alpha, pairs, tie_tol
        As in :func:`leave_two_out`.
    rng : int or numpy.random.Generator, optional
    progress : bool
        Show a progress bar (tqdm).

    Returns
    -------
    PermutationResult
    """
    from erpsim.encoding._kernels import gram_margins

    n_permutations = int(n_permutations)
    if n_permutations < 1:
        raise ValueError(f"n_permutations must be >= 1, got {n_permutations}")
    rng = np.random.default_rng(rng)
    words = getattr(presentations, "words", None)
    F, X, n_select, alpha = _check_inputs(features, presentations, n_select, alpha)
    pairs = _check_pairs(pairs, X.shape[1])
    selected = fold_selection(X, pairs, n_select)
    images_T = np.ascontiguousarray(average_and_centre(X).T)
    margin = _fast_margins(F, images_T, pairs, selected, alpha)
    correct = margin > tie_tol
    observed = LeaveTwoOutResult(accuracy=float(correct.mean()), correct=correct,
                                 margin=margin, pairs=pairs, n_select=n_select, alpha=alpha,
                                 method="fast", tie_tol=tie_tol, selected=selected,
                                 words=None if words is None else tuple(words))
    n_nouns = X.shape[1]
    # Permuting the features relabels the nouns, so every fold's weights under a
    # permutation are those of the unpermuted fit for the relabelled fold, with the
    # columns reordered: fit every fold once.
    everyone = all_pairs(n_nouns)
    W_all = hat_weights(F, everyone, alpha)
    fold_of = np.zeros((n_nouns, n_nouns), dtype=np.int64)
    fold_of[everyone[:, 0], everyone[:, 1]] = np.arange(len(everyone))
    grams = _fold_grams(images_T, selected)
    fi = np.ascontiguousarray(pairs[:, 0])
    fj = np.ascontiguousarray(pairs[:, 1])
    m = np.empty(pairs.shape[0])
    perms = np.empty((n_permutations, n_nouns), dtype=np.int64)
    null = np.empty(n_permutations)
    loop = range(n_permutations)
    if progress:
        from tqdm import tqdm
        loop = tqdm(loop, desc="permutations")
    for k in loop:
        perm = rng.permutation(n_nouns)
        perms[k] = perm
        a, b = perm[fi], perm[fj]          # the folds' nouns in the unpermuted fit
        W = W_all[fold_of[np.minimum(a, b), np.maximum(a, b)]]
        swapped = a > b                    # held-out rows come in the fold's order
        W[swapped] = W[swapped, ::-1]
        W = np.ascontiguousarray(W[:, :, perm])
        gram_margins(grams, W, fi, fj, m)
        null[k] = float((m > tie_tol).mean())
    p_value = (1 + int(np.sum(null >= observed.accuracy))) / (1 + n_permutations)
    return PermutationResult(accuracy=observed.accuracy, null=null, p_value=p_value,
                             permutations=perms, observed=observed)


def evaluate_participants(participants, features, *, n_permutations=0, rng=None,
                          **kwargs):
    """Leave-two-out accuracy for each participant.

    Parameters
    ----------
    participants : sequence of ParticipantData
    features : array_like, shape (n_nouns, n_features), or callable
        Features in each participant's noun order; a callable is called with the
        participant's words and must return them.
    n_permutations : int
        If positive, also run a permutation test per participant.
    rng : int or numpy.random.Generator, optional
    **kwargs
        Passed on to :func:`leave_two_out` / :func:`permutation_test`.

    Returns
    -------
    pandas.DataFrame
        One row per participant: ``subject``, ``accuracy``, ``n_voxels``, ``n_folds``
        and, with permutations, ``p_value``, ``null_mean``, ``null_sd``.
    list
        The per-participant :class:`LeaveTwoOutResult` (or :class:`PermutationResult`).
    """
    import pandas as pd

    rng = np.random.default_rng(rng)
    rows, results = [], []
    for part in participants:
        feats = features(part.words) if callable(features) else features
        row = {"subject": part.subject, "n_voxels": part.n_voxels}
        if n_permutations > 0:
            res = permutation_test(feats, part, n_permutations=n_permutations, rng=rng,
                                   **kwargs)
            row.update(accuracy=res.accuracy, n_folds=res.observed.n_folds,
                       p_value=res.p_value, null_mean=float(res.null.mean()),
                       null_sd=float(res.null.std(ddof=1)) if res.null.size > 1 else 0.0)
        else:
            res = leave_two_out(feats, part, **kwargs)
            row.update(accuracy=res.accuracy, n_folds=res.n_folds)
        rows.append(row)
        results.append(res)
    return pd.DataFrame(rows), results
