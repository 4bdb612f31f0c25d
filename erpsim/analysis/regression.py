"""Ordinary least squares with t-based confidence intervals (for item-level effects)."""
import numpy as np
import pandas as pd
from scipy import stats


def ols(y, predictors, level=0.95):
    """Fit ``y = b0 + Σ b_j x_j`` by least squares.

    Parameters
    ----------
    y : array_like (n,)
    predictors : pandas.DataFrame (n, p)
        Named predictor columns (an intercept is added).
    level : float
        Confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        One row per term (``intercept`` first): estimate, se, t, p, ci_low, ci_high.
    """
    y = np.asarray(y, dtype=float)
    X = np.column_stack([np.ones(len(y)), np.asarray(predictors, dtype=float)])
    n, k = X.shape
    if y.ndim != 1 or len(y) != len(predictors):
        raise ValueError(f"y has shape {y.shape}, predictors {predictors.shape}: lengths differ")
    if n <= k:
        raise ValueError(f"{n} observations cannot fit {k} coefficients")
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(X))):
        raise ValueError("y or the predictors contain NaN or infinite values")
    coef, _, rank, _ = np.linalg.lstsq(X, y, rcond=None)
    if rank < k:
        raise ValueError("the predictors are collinear (rank-deficient design)")
    resid = y - X @ coef
    sigma2 = resid @ resid / (n - k)
    se = np.sqrt(np.diag(np.linalg.inv(X.T @ X)) * sigma2)
    t = coef / se
    df = n - k
    q = stats.t.ppf(0.5 + level / 2, df)
    return pd.DataFrame({"term": ["intercept"] + list(predictors.columns), "estimate": coef,
                         "se": se, "t": t, "p": 2 * stats.t.sf(np.abs(t), df),
                         "ci_low": coef - q * se, "ci_high": coef + q * se, "df": df})
