"""Lexical effects on the sN400: the orthographic neighbourhood-size effect.

Laszlo & Plaut (2012) report a larger simulated N400 for items with more orthographic
neighbours. :func:`neighbourhood_effect` measures it on a lexicon simulation: per model
instance, an ordinary least-squares regression of every item's first-presentation sN400
on its neighbourhood size, with Zipf frequency and item-type indicators as covariates;
then, across instances (the independent units, docs/model.md §7), the mean of the
neighbourhood coefficient, its t-based confidence interval and a one-sample t test
against 0.

The sN400 of an item is either its mean sERP over the published FWHM window (ticks
6-11 after onset, ticks 26-31 for onset 20; :data:`erpsim.model.timebase.PUBLISHED_WINDOW`)
or its peak over the N400 search window (ticks 0-18 after onset;
:data:`erpsim.model.timebase.N400_SEARCH`). The onset is read from the result.
The coefficient is in units of mean semantic activation per neighbour.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats as _st

from erpsim.analysis.regression import ols
from erpsim.analysis.stats import mean_ci
from erpsim.model import timebase
from erpsim.model.lexicon import ITEM_TYPES
from erpsim.simulation.results import SERP, check_result
from erpsim.utils.check import _check_integer, _check_option

__all__ = ["NeighbourhoodEffect", "neighbourhood_effect", "item_sn400", "design",
           "effects_table", "MEASURES", "COVARIATES"]

#: sN400 measures: the mean over the published window, or the peak in the search window.
MEASURES = {"window_mean": timebase.PUBLISHED_WINDOW, "peak": timebase.N400_SEARCH}
#: Covariates the regression can adjust for (``item_type`` adds one indicator per type).
COVARIATES = ("zipf", "item_type")


@dataclass(frozen=True)
class NeighbourhoodEffect:
    """The neighbourhood-size effect on the sN400, across model instances.

    Attributes
    ----------
    measure : str
        ``"window_mean"`` or ``"peak"``.
    ticks : (int, int)
        Inclusive tick labels the sN400 was measured in.
    coefficients : pandas.Series
        Per instance (index ``instance``), the neighbours coefficient of the item-level
        regression, in activation per neighbour.
    mean : float
        Mean of the coefficients over instances (activation per neighbour).
    ci_low, ci_high : float
        t-based confidence interval of the mean (``level``), same unit.
    t, p : float
        One-sample t test of the coefficients against 0 (two-sided,
        :func:`scipy.stats.ttest_1samp`).
    df : int
        Degrees of freedom, instances − 1.
    level : float
        Confidence level of the interval.
    covariates : tuple of str
        The predictors besides ``neighbours`` (item types as indicators, the first type
        present the reference).
    n_items : int
        Items per regression.
    """

    measure: str
    ticks: tuple
    coefficients: pd.Series
    mean: float
    ci_low: float
    ci_high: float
    t: float
    p: float
    df: int
    level: float
    covariates: tuple
    n_items: int

    def summary(self):
        """The scalar fields as a dict (no per-instance coefficients), for tables and JSON."""
        out = asdict(self)
        out.pop("coefficients")
        out["ticks"] = list(self.ticks)
        out["covariates"] = list(self.covariates)
        return out

    @property
    def positive(self):
        """True if the interval lies above 0 (the direction Laszlo & Plaut 2012 report)."""
        return bool(self.ci_low > 0)


def item_sn400(ds, measure="window_mean", presentation=1):
    """Each item's sN400 in one presentation.

    Parameters
    ----------
    ds : xarray.Dataset
        A result of :func:`erpsim.simulate` (its ``tick`` coordinate carries the onset).
    measure : {"window_mean", "peak"}
        Mean over ticks 6-11 after onset, or maximum over ticks 0-18 after onset
        (clipped to the last simulated tick).
    presentation : int
        The presentation measured (default the first).

    Returns
    -------
    xarray.DataArray, dims (instance, item)
        Mean semantic activation; ``attrs["ticks"]`` holds the inclusive tick labels.
    """
    check_result(ds, need=(SERP,))
    _check_option("measure", measure, tuple(MEASURES))
    presentation = _check_integer(presentation, "presentation")
    labels = list(ds["presentation"].values)
    if presentation not in labels:
        raise ValueError(f"presentation {presentation} not found; the result has {labels}")
    lo, hi = timebase.window_of(ds, MEASURES[measure], clip=True)
    if lo > hi or lo not in ds["tick"].values:
        raise ValueError(f"the result does not cover ticks {lo}-{hi} of the {measure} window")
    curves = ds[SERP].sel(presentation=presentation, tick=slice(lo, hi))
    values = curves.mean("tick") if measure == "window_mean" else curves.max("tick")
    values.attrs.update(units="mean semantic activation", ticks=(lo, hi))
    return values.transpose("instance", "item")


def _item_table(ds, covariates):
    """Per item: neighbours and the covariates, from the result's item coordinates."""
    needed = ["neighbours", *covariates]
    missing = [c for c in needed if c not in ds.coords]
    if missing:
        raise ValueError(f"the result's items carry no {', '.join(map(repr, missing))}: "
                         "simulate a Lexicon (erpsim.load_lexicon()), not bare strings")
    return pd.DataFrame({c: np.asarray(ds[c].values) for c in needed})


def design(items, covariates=COVARIATES):
    """The predictors of the item-level regression.

    Parameters
    ----------
    items : pandas.DataFrame
        One row per item with ``neighbours`` and the ``covariates`` columns.
    covariates : sequence of str
        From :data:`COVARIATES`.

    Returns
    -------
    pandas.DataFrame (n_items, p)
        ``neighbours`` first, then ``zipf`` and one 0/1 indicator per item type present
        other than the first (in :data:`~erpsim.model.lexicon.ITEM_TYPES` order);
        covariate columns that do not vary over the items are dropped.
    """
    X = items[["neighbours"]].astype(float)
    if X["neighbours"].std() == 0:
        raise ValueError("neighbourhood size is the same for every item: no effect to estimate")
    if "zipf" in covariates:
        X["zipf"] = items["zipf"].astype(float)
    if "item_type" in covariates:
        present = [t for t in ITEM_TYPES if t in set(items["item_type"])]
        for t in present[1:]:
            X[t] = (items["item_type"] == t).astype(float)
    keep = [c for c in X.columns if c == "neighbours" or X[c].std() > 0]
    return X[keep]


def neighbourhood_effect(ds, *, measure="window_mean", presentation=1, covariates=COVARIATES,
                         level=0.95):
    """The neighbourhood-size effect on the sN400, per instance and across instances.

    Parameters
    ----------
    ds : xarray.Dataset
        A result of :func:`erpsim.simulate` on a lexicon (the ``item`` coordinate
        carries ``neighbours`` and the covariates), with at least 2 instances.
    measure : {"window_mean", "peak"}
        The sN400 (:func:`item_sn400`): mean over ticks 6-11 after onset (default) or
        the peak over ticks 0-18 after onset.
    presentation : int
        The presentation measured (default 1, the first).
    covariates : sequence of str
        Subset of ``("zipf", "item_type")`` adjusted for (default both).
    level : float
        Confidence level of the interval (default 0.95).

    Returns
    -------
    NeighbourhoodEffect
        Coefficients in mean semantic activation per neighbour.

    Raises
    ------
    ValueError
        Not a result, items without neighbourhood sizes, fewer than 2 instances, an
        unknown measure or covariate, a design that cannot be fitted.
    """
    covariates = (covariates,) if isinstance(covariates, str) else tuple(covariates)
    for c in covariates:
        _check_option("covariate", c, COVARIATES)
    values = item_sn400(ds, measure, presentation)
    if values.sizes["instance"] < 2:
        raise ValueError("the effect across instances needs at least 2 instances, "
                         f"got {values.sizes['instance']}")
    X = design(_item_table(ds, covariates), covariates)
    coefs = pd.Series([ols(row, X, level=level).set_index("term").at["neighbours", "estimate"]
                       for row in np.asarray(values.values, dtype=float)],
                      index=pd.Index(values["instance"].values, name="instance"),
                      name="neighbours")
    mean, low, high = mean_ci(coefs.to_numpy(), dim=0, level=level)
    test = _st.ttest_1samp(coefs.to_numpy(), 0.0)
    return NeighbourhoodEffect(measure, tuple(int(t) for t in values.attrs["ticks"]), coefs,
                               float(mean), float(low), float(high), float(test.statistic),
                               float(test.pvalue), len(coefs) - 1, float(level),
                               tuple(c for c in X.columns if c != "neighbours"), len(X))


def effects_table(effects):
    """One row per :class:`NeighbourhoodEffect` (its :meth:`~NeighbourhoodEffect.summary`)."""
    return pd.DataFrame([e.summary() for e in effects])

