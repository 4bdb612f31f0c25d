"""Statistics across model instances: repetition (first vs second) tests and CI bands.

Model instances (independently initialised and trained networks) play the role of
subjects: each contributes one value per item type and presentation (a window mean, or
the power in one frequency bin), and first vs second presentation is compared with a
paired test across instances (docs/model.md §7).
"""
from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats as _st

from erpsim.utils.check import _check_option

__all__ = ["repetition_stats", "mean_ci", "sample_mean_ci", "CI_METHODS"]

CI_METHODS = ("t", "bootstrap")


def _check_level(level):
    try:
        level = float(level)
    except (TypeError, ValueError):
        raise ValueError(f"level must be a number in (0, 1), got {level!r}") from None
    if not 0 < level < 1:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level!r}")
    return level


def _paired_row(a, b, level, ci, n_boot, rng):
    """Statistics of paired samples ``a`` (first) and ``b`` (second), NaN pairs dropped."""
    ok = ~(np.isnan(a) | np.isnan(b))
    a, b = a[ok], b[ok]
    n = a.size
    row = {"n": n}
    if n == 0:
        row.update(mean_first=np.nan, mean_second=np.nan)
    else:
        row.update(mean_first=a.mean(), mean_second=b.mean())
    d = a - b
    mean_d = d.mean() if n else np.nan
    row["mean_diff"] = mean_d
    if n < 2:
        row.update(sd_diff=np.nan, t=np.nan, df=np.nan, p=np.nan, cohen_dz=np.nan,
                   ci_low=np.nan, ci_high=np.nan)
        return row
    sd = d.std(ddof=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = _st.ttest_rel(a, b)
    t_stat, p = float(res.statistic), float(res.pvalue)
    if sd == 0:
        # identical differences: t is undefined (0/0) or infinite; report it plainly
        t_stat = np.nan if mean_d == 0 else np.copysign(np.inf, mean_d)
        p = np.nan if mean_d == 0 else 0.0
        dz = np.nan if mean_d == 0 else np.copysign(np.inf, mean_d)
    else:
        dz = mean_d / sd
    if ci == "t":
        half = _st.t.ppf(0.5 + level / 2, n - 1) * sd / np.sqrt(n)
        lo, hi = mean_d - half, mean_d + half
    else:
        idx = rng.integers(0, n, size=(n_boot, n))
        boot = d[idx].mean(axis=1)
        lo, hi = np.quantile(boot, [0.5 - level / 2, 0.5 + level / 2])
    row.update(sd_diff=sd, t=t_stat, df=n - 1, p=p, cohen_dz=dz, ci_low=lo, ci_high=hi)
    return row


def repetition_stats(values, *, first=1, second=2, level=0.95, ci="t", n_boot=10000,
                     rng=None, instance_dim="instance", presentation_dim="presentation"):
    """Paired first-vs-second-presentation statistics across model instances.

    Parameters
    ----------
    values : xarray.DataArray
        One value per instance and condition, dims (instance, item_type, presentation)
        and optionally ``freq`` (e.g. spectra from
        :func:`erpsim.analysis.model_spectrum`) or any other dims. Every dim other than
        ``instance_dim`` and ``presentation_dim`` becomes a key column: one row per
        combination (per item type, per frequency bin, ...).
    first, second
        Presentation labels (default 1 and 2).
    level : float
        Confidence level of the interval of the mean difference (default 0.95).
    ci : {"t", "bootstrap"}
        ``"t"`` (default): ``mean_diff ± t_{(1+level)/2, n-1} sd_diff / sqrt(n)``.
        ``"bootstrap"``: percentile interval of the mean difference over ``n_boot``
        resamplings of instances with replacement.
    n_boot : int
        Bootstrap resamples (default 10000).
    rng : int or numpy.random.Generator, optional
        Seed or generator for the bootstrap.
    instance_dim, presentation_dim : str
        Names of the instance and presentation dims.

    Returns
    -------
    pandas.DataFrame
        One row per key combination with the key columns (``item_type``, ``freq``, ...)
        and ``n`` (instances with both values non-NaN; NaN pairs are dropped),
        ``mean_first``, ``mean_second``, ``mean_diff`` (first − second, so a repetition
        reduction of a positive N400 is positive), ``sd_diff``, ``t`` and ``p`` (two-sided
        paired t test, :func:`scipy.stats.ttest_rel`), ``df`` (n − 1), ``cohen_dz``
        (``mean_diff / sd_diff``), ``ci_low``, ``ci_high``. Rows with fewer than two
        valid pairs, or with all differences zero (e.g. the control model), have NaN
        statistics; identical non-zero differences give infinite ``t`` and ``cohen_dz``.

    Raises
    ------
    ValueError
        Not a DataArray, missing dims or presentation labels, fewer than 2 instances,
        unknown ``ci``, a bad ``level`` or ``n_boot``.
    """
    if not isinstance(values, xr.DataArray):
        raise ValueError(f"expected an xarray.DataArray, got {type(values).__name__}")
    for d in (instance_dim, presentation_dim):
        if d not in values.dims:
            raise ValueError(f"values need a {d!r} dimension; they have dims {values.dims}")
    _check_option("ci", ci, CI_METHODS)
    level = _check_level(level)
    n_inst = values.sizes[instance_dim]
    if n_inst < 2:
        raise ValueError(f"repetition statistics need at least 2 instances, got {n_inst}")
    if isinstance(n_boot, bool) or int(n_boot) != n_boot or n_boot < 1:
        raise ValueError(f"n_boot must be a positive integer, got {n_boot!r}")
    if values.size == 0:
        raise ValueError("values are empty")
    if np.all(np.isnan(np.asarray(values.values, dtype=float))):
        raise ValueError("values are all NaN")
    labels = list(values[presentation_dim].values) if presentation_dim in values.coords \
        else list(range(values.sizes[presentation_dim]))
    for lab in (first, second):
        if lab not in labels:
            raise ValueError(f"presentation {lab!r} not found; the values have {labels}")
    rng = np.random.default_rng(rng)

    a = values.sel({presentation_dim: first}, drop=True)
    b = values.sel({presentation_dim: second}, drop=True)
    keys = [d for d in a.dims if d != instance_dim]
    a = a.transpose(*keys, instance_dim)
    b = b.transpose(*keys, instance_dim)
    av = np.asarray(a.values, dtype=float).reshape(-1, n_inst)
    bv = np.asarray(b.values, dtype=float).reshape(-1, n_inst)
    key_values = [a[k].values if k in a.coords else np.arange(a.sizes[k]) for k in keys]
    rows = []
    for i, combo in enumerate(itertools.product(*key_values)):
        row = {k: (v.item() if hasattr(v, "item") else v) for k, v in zip(keys, combo)}
        row.update(_paired_row(av[i], bv[i], level, ci, int(n_boot), rng))
        rows.append(row)
    cols = keys + ["n", "mean_first", "mean_second", "mean_diff", "sd_diff", "t", "df", "p",
                   "cohen_dz", "ci_low", "ci_high"]
    df = pd.DataFrame(rows, columns=cols)
    df.attrs.update({"level": level, "ci": ci, "first": first, "second": second,
                     "test": "paired t (scipy.stats.ttest_rel), two-sided"})
    return df


def mean_ci(values, dim="instance", level=0.95):
    """Mean and t-based confidence band across a dimension (e.g. instances).

    Parameters
    ----------
    values : xarray.DataArray or array_like
        E.g. sERPs with dims (instance, item_type, presentation, tick). For NumPy input
        ``dim`` is an integer axis (a string falls back to axis 0).
    dim : str or int
        Dimension (DataArray) or axis (array) to reduce; default ``"instance"``.
    level : float
        Confidence level (default 0.95).

    Returns
    -------
    mean, low, high : xarray.DataArray or numpy.ndarray
        Same type as the input, with ``dim`` removed:
        ``mean ± t_{(1+level)/2, n-1} sd / sqrt(n)`` with ``sd`` the sample standard
        deviation (ddof 1) over the ``n`` non-NaN values.

    Raises
    ------
    ValueError
        Fewer than 2 values along ``dim``, empty or all-NaN input, a bad ``level``,
        a missing dim.
    """
    level = _check_level(level)
    if isinstance(values, xr.DataArray):
        if dim not in values.dims:
            raise ValueError(f"dimension {dim!r} not found; the array has dims {values.dims}")
        if values.sizes[dim] < 2:
            raise ValueError(f"a confidence band needs at least 2 values along {dim!r}, "
                             f"got {values.sizes[dim]}")
        if values.size == 0 or np.all(np.isnan(np.asarray(values.values, dtype=float))):
            raise ValueError("values are empty or all NaN")
        n = values.count(dim)
        m = values.mean(dim, keep_attrs=True)
        se = values.std(dim, ddof=1) / np.sqrt(n)
        tq = xr.apply_ufunc(lambda k: _st.t.ppf(0.5 + level / 2, k - 1), n.astype(float))
        half = tq * se
        low, high = m - half, m + half
        low.attrs, high.attrs = dict(m.attrs), dict(m.attrs)
        return m, low, high
    x = np.asarray(values, dtype=float)
    axis = dim if isinstance(dim, (int, np.integer)) else 0
    if x.ndim == 0:
        raise ValueError("values must be an array, got a scalar")
    if x.size == 0 or np.all(np.isnan(x)):
        raise ValueError("values are empty or all NaN")
    if x.shape[axis] < 2:
        raise ValueError(f"a confidence band needs at least 2 values along axis {axis}, "
                         f"got {x.shape[axis]}")
    n = np.sum(~np.isnan(x), axis=axis)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        m = np.nanmean(x, axis=axis)
        sd = np.nanstd(x, axis=axis, ddof=1)
        half = _st.t.ppf(0.5 + level / 2, n - 1) * sd / np.sqrt(n)
    return m, m - half, m + half


def sample_mean_ci(values, level=0.95):
    """Mean and t-based interval of the finite values of a 1-D sample, tolerating n < 2.

    Parameters
    ----------
    values : array_like, shape (n,)
        E.g. one measure per participant or per seed; NaN and infinite values are left
        out.
    level : float
        Confidence level (default 0.95).

    Returns
    -------
    mean, low, high : float
        As :func:`mean_ci`; ``low`` and ``high`` are NaN for fewer than 2 values (and
        ``mean`` too for none).
    n : int
        The number of finite values.
    """
    v = np.asarray(values, dtype=float).ravel()
    v = v[np.isfinite(v)]
    if v.size < 2:
        return (float(v[0]) if v.size else np.nan), np.nan, np.nan, int(v.size)
    mean, low, high = mean_ci(v, dim=0, level=level)
    return float(mean), float(low), float(high), int(v.size)
