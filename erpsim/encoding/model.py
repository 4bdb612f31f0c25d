"""The linear encoding model: voxel images as linear functions of word features.

``y_v(w) = sum_i c_vi f_i(w)`` is fitted for all voxels at once by least squares or
ridge regression (Mitchell et al. 2008), with no intercept (the images are
mean-centred; append a constant feature to fit one).
"""
import numpy as np


def _as_2d(name, a):
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        bad = np.unique(np.nonzero(~np.isfinite(a))[1])
        raise ValueError(f"{name} has non-finite values in {bad.size} column(s), "
                         f"e.g. {bad[:10].tolist()}")
    return a


def ridge_solve(X, Y, alpha):
    """Coefficients of least squares (``alpha == 0``) or ridge regression.

    Parameters
    ----------
    X : ndarray, shape (n_samples, n_features)
    Y : ndarray, shape (n_samples, n_targets)
    alpha : float
        Ridge penalty; 0 gives the minimum-norm least-squares solution
        (``numpy.linalg.lstsq``).

    Returns
    -------
    ndarray, shape (n_features, n_targets)
    """
    n, p = X.shape
    if alpha == 0:
        coef, *_ = np.linalg.lstsq(X, Y, rcond=None)
        return coef
    if p <= n:
        return np.linalg.solve(X.T @ X + alpha * np.eye(p), X.T @ Y)
    return X.T @ np.linalg.solve(X @ X.T + alpha * np.eye(n), Y)


class LinearEncoder:
    """Per-voxel linear (least-squares or ridge) encoding model.

    Parameters
    ----------
    alpha : float or array_like of float
        Ridge penalty (>= 0; 0 is ordinary / minimum-norm least squares). Several
        values give a per-voxel choice by exact leave-one-out error (computed in
        closed form from one SVD of the features, as in Rifkin & Lippert 2007).

    Attributes
    ----------
    coef_ : ndarray, shape (n_voxels, n_features)
        The voxel signatures ``c_v``.
    alpha_ : ndarray, shape (n_voxels,)
        The penalty used for each voxel.
    loo_errors_ : ndarray, shape (n_alphas, n_voxels)
        Leave-one-out mean squared errors (only when several alphas were given).
    n_features_in_ : int

    Examples
    --------
    >>> enc = LinearEncoder(alpha=0.0).fit(features, images)   # doctest: +SKIP
    >>> predicted = enc.predict(new_features)                    # doctest: +SKIP
    """

    def __init__(self, alpha=0.0):
        self.alpha = alpha

    def get_params(self, deep=True):
        """Parameters of this estimator (scikit-learn convention)."""
        return {"alpha": self.alpha}

    def set_params(self, **params):
        """Set parameters (scikit-learn convention); returns ``self``."""
        for key, value in params.items():
            if key not in self.get_params():
                raise ValueError(f"unknown parameter {key!r} for LinearEncoder")
            setattr(self, key, value)
        return self

    def _alphas(self):
        alphas = np.atleast_1d(np.asarray(self.alpha, dtype=np.float64))
        if alphas.ndim != 1 or alphas.size == 0:
            raise ValueError("alpha must be a number or a 1-D sequence of numbers")
        if np.any(~np.isfinite(alphas)) or np.any(alphas < 0):
            raise ValueError(f"alpha must be finite and >= 0, got {self.alpha!r}")
        return alphas

    def fit(self, X, Y):
        """Fit the voxel signatures.

        Parameters
        ----------
        X : array_like, shape (n_words, n_features)
            Word features.
        Y : array_like, shape (n_words, n_voxels)
            Images (one row per word).

        Returns
        -------
        self

        Raises
        ------
        ValueError
            On shape mismatches, non-finite values or negative penalties.
        """
        X = _as_2d("features X", X)
        Y = _as_2d("images Y", Y)
        if X.shape[0] != Y.shape[0]:
            raise ValueError(f"features have {X.shape[0]} rows but images have "
                             f"{Y.shape[0]}; they must match (one per word)")
        if X.shape[0] < 1:
            raise ValueError("need at least one word to fit")
        alphas = self._alphas()
        n_vox = Y.shape[1]
        if alphas.size == 1:
            coef = ridge_solve(X, Y, float(alphas[0]))
            self.alpha_ = np.full(n_vox, float(alphas[0]))
            self.loo_errors_ = None
        else:
            coef, self.alpha_, self.loo_errors_ = _ridge_loo(X, Y, alphas)
        self.coef_ = coef.T.copy()
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X):
        """Predicted images.

        Parameters
        ----------
        X : array_like, shape (n_words, n_features)

        Returns
        -------
        ndarray, shape (n_words, n_voxels)
        """
        if not hasattr(self, "coef_"):
            raise ValueError("this LinearEncoder is not fitted yet; call fit first")
        X = _as_2d("features X", X)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"features have {X.shape[1]} columns, the model was fitted "
                             f"with {self.n_features_in_}")
        return X @ self.coef_.T

    def score(self, X, Y):
        """Mean over voxels of the coefficient of determination R^2.

        Parameters
        ----------
        X : array_like, shape (n_words, n_features)
        Y : array_like, shape (n_words, n_voxels)

        Returns
        -------
        float
        """
        Y = _as_2d("images Y", Y)
        resid = ((Y - self.predict(X)) ** 2).sum(axis=0)
        total = ((Y - Y.mean(axis=0)) ** 2).sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            r2 = np.where(total > 0, 1 - resid / total, 0.0)
        return float(r2.mean())


def _ridge_loo(X, Y, alphas):
    """Per-voxel ridge penalty by exact leave-one-out error (closed form via SVD)."""
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    UtY = U.T @ Y                                   # (r, V)
    errors = np.empty((alphas.size, Y.shape[1]))
    for a, alpha in enumerate(alphas):
        with np.errstate(divide="ignore", invalid="ignore"):
            shrink = np.where(s > 0, s ** 2 / (s ** 2 + alpha), 0.0) if alpha > 0 else \
                (s > s.max(initial=0) * max(X.shape) * np.finfo(float).eps).astype(float)
        fitted = U @ (shrink[:, None] * UtY)
        leverage = (U ** 2 * shrink).sum(axis=1)
        denom = 1.0 - leverage
        if np.any(denom <= 1e-12):
            errors[a] = np.inf                      # interpolating fit: LOO undefined
            continue
        errors[a] = (((Y - fitted) / denom[:, None]) ** 2).mean(axis=0)
    best = np.argmin(errors, axis=0)
    if not np.all(np.isfinite(errors[best, np.arange(Y.shape[1])])):
        raise ValueError("leave-one-out error undefined for every alpha (the fit "
                         "interpolates the data); include a positive alpha")
    coef = np.empty((X.shape[1], Y.shape[1]))
    for a in np.unique(best):
        cols = best == a
        coef[:, cols] = ridge_solve(X, Y[:, cols], float(alphas[a]))
    return coef, alphas[best].astype(float), errors
