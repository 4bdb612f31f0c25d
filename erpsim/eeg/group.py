"""Group-level model-vs-EEG comparison: participants, intervals and tests.

:func:`compare_group` runs :func:`erpsim.eeg.compare.compare` on each participant and
summarises:

- ``table``: the per-participant rows (a ``subject`` column first);
- ``summary``: per condition and measure, the mean over participants with a
  Student-t 95% confidence interval (``mean``, ``ci_low``, ``ci_high``, ``n``);
- ``repetition``: per item type, the EEG repetition effect (``sign * (first -
  second)``, window mean, µV) across participants with its interval and a paired
  t-test (first vs second presentation), a cluster-based permutation test over the
  whole epoch of the per-participant difference waves
  (:func:`mne.stats.permutation_cluster_1samp_test`, smallest cluster p and its
  extent), and beside it the model's effect (activation) across model instances with
  its interval and one-sample t-test;
- ``clusters``: every cluster found (item type, start/end ms, p).

Participants come as a list of files or MNE objects (subject ids from the file names,
``sub-01``/``sub01``/``sub_01`` or the file stem), a dict ``{subject: data}``, or one
Epochs (or epochs file) whose ``metadata`` has a ``subject`` or ``participant`` column.
"""
from __future__ import annotations

import inspect
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats

from erpsim.analysis import sample_mean_ci
from erpsim.eeg._mne import mne
from erpsim.eeg.bridge import model_curves, parse_condition, read_eeg, tick_to_ms
from erpsim.eeg.compare import compare, subject_column

__all__ = ["GroupComparison", "compare_group", "split_participants", "subject_from_path",
           "subject_column",
           "mean_ci", "SUMMARY_MEASURES"]

#: Measures summarised across participants (table columns).
SUMMARY_MEASURES = ("r", "r_null", "rmse_uV", "rmse_null_uV", "peak_diff_ms",
                    "peak_diff_null_ms", "spectral_r", "spectral_r_null",
                    "gain_uV_per_activation", "rep_eeg_uV")


def subject_from_path(path):
    """A subject id from a file name: ``sub-01_task-x-ave.fif`` -> ``"01"``.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    str
        The id after ``sub``/``sub-``/``sub_`` if present, else the file stem without
        MNE's ``-ave``/``-epo``/``_raw`` suffixes.
    """
    name = Path(path).name
    m = re.search(r"(?:^|[^a-z])sub(?:ject)?[-_]?([a-z0-9]+)", name, flags=re.IGNORECASE)
    if m:
        return m.group(1)
    stem = re.sub(r"(\.fif|\.gz|\.vhdr|\.edf|\.bdf|\.set|\.gdf|\.cnt)+$", "", name,
                  flags=re.IGNORECASE)
    return re.sub(r"[-_](ave|epo|raw|eeg)$", "", stem)


def _split_epochs(epochs):
    meta = epochs.metadata
    col = subject_column(epochs)
    if col is None:
        raise ValueError("one Epochs object is one participant; for a group give a list "
                         "of files/objects, a dict {subject: data}, or Epochs whose "
                         "metadata has a 'subject' or 'participant' column with at "
                         "least 2 ids")
    subjects = list(dict.fromkeys(str(s) for s in meta[col]))
    return {s: epochs[np.flatnonzero(meta[col].astype(str).values == s)] for s in subjects}


def split_participants(eegs, subjects=None):
    """``{subject: eeg}`` from the accepted group inputs (see the module docstring).

    Parameters
    ----------
    eegs : list, tuple, dict, mne.Epochs or path
    subjects : list of str, optional
        Ids for a list input (default from the file names, else ``S1``, ``S2``, ...).

    Returns
    -------
    dict

    Raises
    ------
    ValueError
        Fewer than 2 participants, duplicated ids, a subjects list of the wrong length.
    """
    if isinstance(eegs, (str, os.PathLike)):
        eegs = read_eeg(eegs)
    if isinstance(eegs, mne.BaseEpochs):
        out = _split_epochs(eegs)
    elif isinstance(eegs, dict):
        out = {str(k): v for k, v in eegs.items()}
    elif isinstance(eegs, (list, tuple)):
        if subjects is None:
            subjects = [subject_from_path(e) if isinstance(e, (str, os.PathLike))
                        else f"S{k + 1}" for k, e in enumerate(eegs)]
        subjects = [str(s) for s in subjects]
        if len(subjects) != len(eegs):
            raise ValueError(f"{len(subjects)} subject ids for {len(eegs)} inputs")
        dup = sorted({s for s in subjects if subjects.count(s) > 1})
        if dup:
            raise ValueError(f"duplicated subject id(s) {dup}; pass subjects=[...]")
        out = dict(zip(subjects, eegs))
    else:
        raise ValueError("group EEG input must be a list of files/objects, a dict "
                         f"{{subject: data}} or Epochs with a subject column, got "
                         f"{type(eegs).__name__}")
    if len(out) < 2:
        raise ValueError(f"a group comparison needs at least 2 participants, got {len(out)}")
    return out


def mean_ci(values, level=0.95):
    """Mean and Student-t confidence interval of the finite values of a 1-D sample.

    Returns
    -------
    dict
        ``mean``, ``ci_low``, ``ci_high``, ``n``
        (:func:`erpsim.analysis.sample_mean_ci`; the interval NaN for n < 2).
    """
    mean, low, high, n = sample_mean_ci(values, level)
    return {"mean": mean, "ci_low": low, "ci_high": high, "n": n}


def _ttest(values):
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size < 2 or np.ptp(v) == 0:
        return np.nan, np.nan
    res = stats.ttest_1samp(v, 0.0)
    return float(res.statistic), float(res.pvalue)


@dataclass
class GroupComparison:
    """Result of :func:`compare_group` (see the module docstring).

    Attributes
    ----------
    table, summary, repetition, clusters : pandas.DataFrame
    curves : xarray.Dataset
        ``eeg`` (subject, condition, time_ms) in µV, ``model`` and ``model_scaled``
        (subject, condition, time_ms); coords as :attr:`Comparison.curves`.
    spectra : xarray.Dataset
        :attr:`Comparison.spectra` stacked along ``subject``.
    comparisons : dict
        ``{subject: Comparison}``.
    window : (float, float)
    settings : dict
    """

    table: pd.DataFrame
    summary: pd.DataFrame
    repetition: pd.DataFrame
    clusters: pd.DataFrame
    curves: xr.Dataset
    spectra: xr.Dataset
    comparisons: dict = field(default_factory=dict)
    window: tuple = ()
    settings: dict = field(default_factory=dict)


def _summary(table):
    rows = []
    for cond, sub in table.groupby("condition", sort=False):
        for measure in SUMMARY_MEASURES:
            rows.append({"condition": cond, "measure": measure, **mean_ci(sub[measure])})
    return pd.DataFrame(rows, columns=["condition", "measure", "mean", "ci_low", "ci_high",
                                       "n"])


def _model_effects(model, c1, c2, mask_ms):
    """Window-mean repetition effect of each model instance (activation)."""
    if isinstance(model, dict) or "instance" not in getattr(model, "dims", ()):
        return np.array([])
    out = []
    for inst in model["instance"].values:
        ticks, curves = model_curves(model, instance=inst)
        out.append(mask_ms(ticks, curves[c1]) - mask_ms(ticks, curves[c2]))
    return np.asarray(out)


def _cluster_test(diff, times, n_permutations, rng):
    """Clusters of a (n_subjects, n_times) difference wave: [(start, end, p), ...]."""
    if diff.shape[0] < 2 or np.all(diff == diff[0]):
        return []
    test = mne.stats.permutation_cluster_1samp_test
    seed = {"rng" if "rng" in inspect.signature(test).parameters else "seed": rng}
    _, clusters, pvals, _ = test(diff, n_permutations=n_permutations, tail=0,
                                 out_type="mask", verbose="error", **seed)
    out = []
    for cluster, p in zip(clusters, pvals):
        mask = np.zeros(diff.shape[1], dtype=bool)
        mask[cluster] = True            # a boolean mask, or a (slice,) tuple for 1-D data
        idx = np.flatnonzero(mask)
        out.append((float(times[idx[0]]), float(times[idx[-1]]), float(p)))
    return out


def _repetition(comps, model, sign, n_permutations, rng):
    """Per-item-type repetition table and cluster list across participants."""
    first = next(iter(comps.values()))
    curves = first.curves
    times = curves["time_ms"].values
    mask = curves["in_window"].values
    by_type = {}
    for mc in curves["condition"].values:
        it, pres = parse_condition(mc)
        by_type.setdefault(it, {})[pres] = str(mc)
    settings = first.settings
    rows, clusters = [], []

    def window_mean(ticks, values):
        ms = tick_to_ms(ticks, settings["ms_per_tick"], settings["onset_tick"])
        return float(np.mean(np.interp(times[mask], ms, values)))

    for it, pm in by_type.items():
        if 1 not in pm or 2 not in pm:
            continue
        diff = np.stack([sign * (c.curves["eeg"].sel(condition=pm[1]).values
                                 - c.curves["eeg"].sel(condition=pm[2]).values)
                         for c in comps.values()])
        eeg_eff = diff[:, mask].mean(1)
        t_e, p_e = _ttest(eeg_eff)
        found = _cluster_test(diff, times, n_permutations, rng)
        clusters += [{"item_type": it, "start_ms": a, "end_ms": b, "p": p}
                     for a, b, p in found]
        best = min(found, key=lambda c: c[2]) if found else (np.nan, np.nan, np.nan)
        mod = (_model_effects(model, pm[1], pm[2], window_mean)
               if settings.get("onset_tick") is not None else np.array([]))
        t_m, p_m = _ttest(mod)
        e_ci, m_ci = mean_ci(eeg_eff), mean_ci(mod)
        rows.append({"item_type": it, "n_subjects": e_ci["n"],
                     "eeg_effect_uV": e_ci["mean"], "eeg_ci_low_uV": e_ci["ci_low"],
                     "eeg_ci_high_uV": e_ci["ci_high"], "eeg_t": t_e, "eeg_p": p_e,
                     "cluster_p": best[2], "cluster_start_ms": best[0],
                     "cluster_end_ms": best[1], "n_instances": m_ci["n"],
                     "model_effect": m_ci["mean"], "model_ci_low": m_ci["ci_low"],
                     "model_ci_high": m_ci["ci_high"], "model_t": t_m, "model_p": p_m})
    return (pd.DataFrame(rows), pd.DataFrame(clusters, columns=["item_type", "start_ms",
                                                                 "end_ms", "p"]))


def _stack_curves(comps):
    first = next(iter(comps.values())).curves
    for subject, c in comps.items():
        if (c.curves["time_ms"].shape != first["time_ms"].shape
                or not np.allclose(c.curves["time_ms"], first["time_ms"], atol=1e-3)
                or list(c.curves["condition"].values) != list(first["condition"].values)):
            raise ValueError(f"participant {subject!r} has a different epoch or condition "
                             "set from the others; crop/resample them to one epoch")
    ds = xr.concat([c.curves[["eeg", "model", "model_scaled"]] for c in comps.values()],
                   dim=pd.Index(list(comps), name="subject"), coords="minimal")
    ds.attrs.update(first.attrs)
    return ds


def compare_group(eegs, model, *, channel, subjects=None, n_permutations=1000, rng=0,
                  **options):
    """Compare the model with several participants' EEG.

    Parameters
    ----------
    eegs : list, dict, mne.Epochs or path
        Participants (see :func:`split_participants`).
    model : xarray.Dataset, xarray.DataArray or dict of mne.Evoked
        As for :func:`erpsim.eeg.compare.compare`.
    channel : str
        EEG channel.
    subjects : list of str, optional
        Ids for a list input.
    n_permutations : int
        Permutations of the cluster test (fewer are exact for few participants).
    rng : int
        Seed of the nulls and of the cluster test.
    **options
        Passed to :func:`~erpsim.eeg.compare.compare` (``conditions``, ``window``,
        ``sign``, ``fit``, ``free_sign``, ``ms_per_tick``, ``onset_tick``, ``n_null``,
        ``epoch``, ``baseline``, ...).

    Returns
    -------
    GroupComparison
    """
    parts = split_participants(eegs, subjects)
    comps = {}
    for subject, eeg in parts.items():
        try:
            comps[subject] = compare(eeg, model, channel=channel, rng=rng, **options)
        except ValueError as err:
            raise ValueError(f"participant {subject!r}: {err}") from err
    table = pd.concat([c.table.assign(subject=s) for s, c in comps.items()],
                      ignore_index=True)
    table = table[["subject"] + [c for c in table.columns if c != "subject"]]
    first = next(iter(comps.values()))
    curves = _stack_curves(comps)          # refuses participants on other time bases
    repetition, clusters = _repetition(comps, model, first.settings["sign"],
                                       n_permutations, rng)
    settings = dict(first.settings, subjects=list(comps), n_permutations=n_permutations,
                    interval="Student-t 95% CI across participants",
                    test="paired t-test (first vs second) and cluster permutation test "
                         "over the epoch")
    settings.pop("conditions", None)
    return GroupComparison(table=table, summary=_summary(table), repetition=repetition,
                           clusters=clusters, curves=curves,
                           spectra=xr.concat([c.spectra for c in comps.values()],
                                             dim=pd.Index(list(comps), name="subject"),
                                             coords="minimal"),
                           comparisons=comps, window=first.window, settings=settings)
