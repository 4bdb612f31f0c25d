"""Summaries of a sweep: the repetition effect per item type as a function of each parameter.

All functions take the Dataset of :func:`erpsim.sweep.open_sweep`. The repetition
effect is the first minus the second presentation's sERP mean over the FWHM window
(positive: the N400 is reduced on repetition), one value per point (model instance),
model and item type. Points not yet done are NaN and left out.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from erpsim.analysis import repetition_stats, sample_mean_ci


def parameter_dims(ds):
    """The grid's swept parameter dims (every grid dim except ``seed``)."""
    return [d for d in ds["status"].dims if d != "seed"]


def _check(ds):
    if not isinstance(ds, xr.Dataset) or "status" not in ds:
        raise ValueError("expected the Dataset of erpsim.sweep.open_sweep")
    if "repetition_effect" not in ds:
        raise ValueError("the sweep has no finished points yet")


def repetition_table(ds):
    """One row per point, model and item type.

    Returns
    -------
    pandas.DataFrame
        The grid coordinates, ``seed``, ``model``, ``item_type``, ``first``, ``second``
        (window means) and ``effect`` (first - second); points not done are dropped.
    """
    _check(ds)
    wm = ds["window_mean"]
    table = xr.Dataset({"first": wm.sel(presentation=1, drop=True),
                        "second": wm.sel(presentation=2, drop=True),
                        "effect": ds["repetition_effect"]}).to_dataframe().reset_index()
    return table.dropna(subset=["effect"]).reset_index(drop=True)


def effect_by_parameter(ds, *, level=0.95):
    """The repetition effect per item type as a function of each swept parameter.

    For each parameter and value, the effect is averaged over the other parameters
    within each seed, then summarised across seeds (mean and t-based confidence
    interval; seeds are the independent model instances).

    Returns
    -------
    pandas.DataFrame
        ``parameter``, ``value``, ``model``, ``item_type``, ``mean``, ``ci_low``,
        ``ci_high``, ``n_seeds``. A grid with no swept parameter gives one row per
        model and item type with ``parameter`` = "(none)".
    """
    _check(ds)
    effect = ds["repetition_effect"]
    params = parameter_dims(ds)
    rows = []
    for param in params or [None]:
        others = [p for p in params if p != param]
        per_seed = effect.mean(dim=others, skipna=True) if others else effect
        values = per_seed[param].values if param else [None]
        for value in values:
            sub = per_seed.sel({param: value}) if param else per_seed
            for model in sub["model"].values:
                for item_type in sub["item_type"].values:
                    v = sub.sel(model=model, item_type=item_type).values
                    mean, lo, hi, n = sample_mean_ci(v, level)
                    rows.append({"parameter": param or "(none)",
                                 "value": value.item() if hasattr(value, "item") else value,
                                 "model": str(model), "item_type": str(item_type),
                                 "mean": mean, "ci_low": lo, "ci_high": hi, "n_seeds": n})
    table = pd.DataFrame(rows)
    table.attrs["level"] = level
    return table


def cell_stats(ds, *, level=0.95):
    """Paired first-vs-second statistics across seeds for every grid cell.

    :func:`erpsim.analysis.repetition_stats` on the window means with the seeds as
    instances, one row per combination of the swept parameters, model and item type.

    Raises
    ------
    ValueError
        Fewer than 2 seeds.
    """
    _check(ds)
    if ds.sizes["seed"] < 2:
        raise ValueError("statistics across seeds need at least 2 seeds")
    wm = ds["window_mean"].rename(seed="instance")
    return repetition_stats(wm, level=level)
