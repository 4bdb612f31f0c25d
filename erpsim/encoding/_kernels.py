"""numba kernels of the fast leave-two-out path (see :mod:`erpsim.encoding.evaluation`)."""
import numpy as np
from numba import njit, prange


@njit(parallel=True, cache=True, error_model="numpy")
def stability_block(XcT, S, Q, C, flat_p, flat_v, flat1, flat2, pair_p, pair_q, fold_i,
                    fold_j, out, chunk):
    """Leave-two-out voxel stability for a block of folds.

    Parameters
    ----------
    XcT : ndarray, shape (n_nouns, n_pres, n_voxels)
        Presentations centred per voxel and presentation over all nouns.
    S, Q : ndarray, shape (n_pres, n_voxels)
        Sum and sum of squares over all nouns of ``XcT``.
    C : ndarray, shape (n_pairs, n_voxels)
        Sum over nouns of the products of presentations ``pair_p[k]``, ``pair_q[k]``.
    flat_p, flat_v : ndarray of int64, shape (n_cand,)
        Presentation and voxel (sorted by voxel) of the candidates for being
        constant over the training nouns: those constant over all nouns but at
        most two.
    flat1, flat2 : ndarray of int64, shape (n_cand,)
        The nouns off the constant value (-1: none).
    pair_p, pair_q : ndarray of int64, shape (n_pairs,)
    fold_i, fold_j : ndarray of int64, shape (n_folds,)
        The held-out nouns of each fold.
    out : ndarray, shape (n_folds, n_voxels)
        Receives the stability (mean correlation over presentation pairs).
    chunk : int
        Voxels per work unit (cache blocking).
    """
    n_nouns, n_pres, n_vox = XcT.shape
    n_pairs = pair_p.shape[0]
    n_folds = fold_i.shape[0]
    inv_n = 1.0 / (n_nouns - 2)
    inv_pairs = 1.0 / n_pairs
    n_chunks = (n_vox + chunk - 1) // chunk
    for c in prange(n_chunks):
        v0 = c * chunk
        v1 = min(n_vox, v0 + chunk)
        width = v1 - v0
        sums = np.empty((n_pres, width))
        isd = np.empty((n_pres, width))
        acc = np.empty(width)
        S_c = S[:, v0:v1]
        Q_c = Q[:, v0:v1]
        C_c = C[:, v0:v1]
        lo = np.searchsorted(flat_v, v0)
        hi = np.searchsorted(flat_v, v1)
        for f in range(n_folds):
            i = fold_i[f]
            j = fold_j[f]
            Xi = XcT[i, :, v0:v1]
            Xj = XcT[j, :, v0:v1]
            # per presentation: training sum and 1 / sqrt(sum of squared deviations)
            for p in range(n_pres):
                xi = Xi[p]
                xj = Xj[p]
                s_all = S_c[p]
                q_all = Q_c[p]
                s_out = sums[p]
                r_out = isd[p]
                for t in range(width):
                    a = xi[t]
                    b = xj[t]
                    s = s_all[t] - a - b
                    ss = q_all[t] - a * a - b * b - s * s * inv_n
                    ok = ss > 0.0
                    safe = ss if ok else 1.0
                    r = 1.0 / np.sqrt(safe)
                    r_out[t] = r if ok else 0.0
                    s_out[t] = s
            # presentations constant over the training nouns have no correlation
            for m in range(lo, hi):
                d1 = flat1[m]
                d2 = flat2[m]
                if (d1 == -1 or d1 == i or d1 == j) and (d2 == -1 or d2 == i or d2 == j):
                    isd[flat_p[m], flat_v[m] - v0] = 0.0
            acc[:] = 0.0
            for k in range(n_pairs):
                p = pair_p[k]
                q = pair_q[k]
                ck = C_c[k]
                xip = Xi[p]
                xiq = Xi[q]
                xjp = Xj[p]
                xjq = Xj[q]
                sp = sums[p]
                sq = sums[q]
                rp = isd[p]
                rq = isd[q]
                for t in range(width):
                    cov = ck[t] - xip[t] * xiq[t] - xjp[t] * xjq[t] - sp[t] * sq[t] * inv_n
                    acc[t] += cov * rp[t] * rq[t]
            o = out[f, v0:v1]
            for t in range(width):
                o[t] = acc[t] * inv_pairs


@njit(parallel=True, cache=True)
def select_top(stab, n_select, tol, out):
    """Per row, the ``n_select`` largest entries, near-ties broken by lower index.

    With ``t`` the ``n_select``-th largest value of a row, every entry above
    ``t + tol`` is selected and the rest are filled, in increasing index order,
    from the entries within ``tol`` of ``t``.

    Parameters
    ----------
    stab : ndarray, shape (n_folds, n_voxels)
    n_select : int
    tol : float
    out : ndarray of int32, shape (n_folds, n_select)
        Receives the selected indices, in increasing order.
    """
    n_folds, n_vox = stab.shape
    for f in prange(n_folds):
        row = stab[f]
        part = np.partition(row, n_vox - n_select)
        thresh = part[n_vox - n_select]
        hi = thresh + tol
        lo = thresh - tol
        n_above = 0
        for v in range(n_vox):
            if row[v] > hi:
                n_above += 1
        need_tied = n_select - n_above
        k = 0
        for v in range(n_vox):
            x = row[v]
            if x > hi:
                out[f, k] = v
                k += 1
            elif x >= lo and need_tied > 0:
                out[f, k] = v
                k += 1
                need_tied -= 1


@njit(parallel=True, cache=True, error_model="numpy")
def match_margins(YT, W, fold_i, fold_j, sel, out):
    """Leave-two-out match margins from hat weights and selected voxels.

    Parameters
    ----------
    YT : ndarray, shape (n_voxels, n_nouns)
        Averaged, mean-centred images, transposed.
    W : ndarray, shape (n_folds, 2, n_nouns)
        Prediction weights: the predicted image of held-out noun ``a`` is
        ``W[f, a] @ Y`` (zero weight on the held-out nouns).
    fold_i, fold_j : ndarray of int64, shape (n_folds,)
    sel : ndarray of int32, shape (n_folds, n_select)
    out : ndarray, shape (n_folds,)
        Receives ``(cos(p1, y1) + cos(p2, y2)) - (cos(p1, y2) + cos(p2, y1))``.
    """
    n_folds, n_sel = sel.shape
    n_nouns = YT.shape[1]
    for f in prange(n_folds):
        i = fold_i[f]
        j = fold_j[f]
        p1y1 = 0.0
        p1y2 = 0.0
        p2y1 = 0.0
        p2y2 = 0.0
        p1p1 = 0.0
        p2p2 = 0.0
        y1y1 = 0.0
        y2y2 = 0.0
        for t in range(n_sel):
            v = sel[f, t]
            a = 0.0
            b = 0.0
            for k in range(n_nouns):
                y = YT[v, k]
                a += W[f, 0, k] * y
                b += W[f, 1, k] * y
            y1 = YT[v, i]
            y2 = YT[v, j]
            p1y1 += a * y1
            p1y2 += a * y2
            p2y1 += b * y1
            p2y2 += b * y2
            p1p1 += a * a
            p2p2 += b * b
            y1y1 += y1 * y1
            y2y2 += y2 * y2
        match = _cos(p1y1, p1p1, y1y1) + _cos(p2y2, p2p2, y2y2)
        mismatch = _cos(p1y2, p1p1, y2y2) + _cos(p2y1, p2p2, y1y1)
        out[f] = match - mismatch


@njit(cache=True)
def _cos(dot, aa, bb):
    if aa > 0.0 and bb > 0.0:
        return dot / (np.sqrt(aa) * np.sqrt(bb))
    return 0.0


@njit(parallel=True, cache=True, error_model="numpy")
def gram_margins(G, W, fold_i, fold_j, out):
    """Leave-two-out match margins from per-fold Gram matrices of the selected voxels.

    With ``G[f] = Y_S Y_S'`` (the images restricted to fold ``f``'s voxels), the
    predicted image ``p_a = W[f, a] @ Y_S`` has ``p_a . y_b = (W[f, a] @ G[f])[b]`` and
    ``|p_a|^2 = W[f, a] @ G[f] @ W[f, a]``: O(n_nouns^2) per fold instead of
    O(n_select * n_nouns). Used for the permutations, which share the selection.

    Parameters
    ----------
    G : ndarray, shape (n_folds, n_nouns, n_nouns)
    W : ndarray, shape (n_folds, 2, n_nouns)
    fold_i, fold_j : ndarray of int64, shape (n_folds,)
    out : ndarray, shape (n_folds,)
    """
    n_folds, n_nouns, _ = G.shape
    for f in prange(n_folds):
        i = fold_i[f]
        j = fold_j[f]
        g = G[f]
        w1 = W[f, 0]
        w2 = W[f, 1]
        p1p1 = 0.0
        p2p2 = 0.0
        p1y1 = 0.0
        p1y2 = 0.0
        p2y1 = 0.0
        p2y2 = 0.0
        for k in range(n_nouns):
            row = g[k]
            u = 0.0
            z = 0.0
            for m in range(n_nouns):
                u += row[m] * w1[m]
                z += row[m] * w2[m]
            p1p1 += w1[k] * u
            p2p2 += w2[k] * z
            p1y1 += w1[k] * row[i]
            p1y2 += w1[k] * row[j]
            p2y1 += w2[k] * row[i]
            p2y2 += w2[k] * row[j]
        y1y1 = g[i, i]
        y2y2 = g[j, j]
        match = _cos(p1y1, p1p1, y1y1) + _cos(p2y2, p2p2, y2y2)
        mismatch = _cos(p1y2, p1p1, y2y2) + _cos(p2y1, p2p2, y1y1)
        out[f] = match - mismatch
