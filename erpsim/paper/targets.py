"""The Fig. 2 targets of issue #14: every measure, its published value and its target.

:func:`fig2_targets` simulates repetition pairs of the lexicon with the default alpha
model (the configured envelope, the reset protocol) and measures, with the package's
own analysis functions:

- the words curves (mean over items and instances) against the digitized published
  ones (``data/fig2_model_words.csv``): Pearson r per presentation over ticks 0-18 after
  onset (:func:`erpsim.paper.calibration.score_words`), the value at onset and the
  minimum of ticks 1-5 after onset (the onset relaxation), the late level (mean of
  ticks 16-18 after onset), the peak ticks and the relative peak reduction;
- across instances: the share of instances whose words second peak is lower and
  earlier, the paired repetition effect on the window mean of ticks 6-11 after onset
  (:func:`erpsim.analysis.repetition_stats`) and the neighbourhood-size effect
  (:func:`erpsim.analysis.neighbourhood_effect`);
- reading: the share of trained items whose semantics are correct
  (:func:`erpsim.paper.calibration.trained_accuracy`);
- per item type: a repetition reduction, a second peak earlier than the first, a
  first peak within one tick of the words'.

The published column is the same measure on the digitized curve where one exists. All
windows are in ticks after onset (:mod:`erpsim.model.timebase`); the measure names give
the tick labels of the result (ticks 20-38 for onset 20). Activation values are mean
semantic activation (0-1).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from erpsim.analysis import neighbourhood_effect, repetition_stats, window_mean
from erpsim.engine.dynamics import CONFIG, resolve_envelope
from erpsim.io.datasets import load_published_words
from erpsim.model import timebase
from erpsim.model.lexicon import ITEM_TYPES, load_lexicon
from erpsim.model.pretrained import load_pretrained
from erpsim.paper.calibration import MIN_ACCURACY, reads_enough, score_words, trained_accuracy
from erpsim.simulation.results import serp_by_type
from erpsim.simulation.trials import simulate_repetition
from erpsim.utils.docs import fill_doc

__all__ = ["fig2_targets", "onset_relaxation", "late_level", "COLUMNS"]

#: Columns of the table :func:`fig2_targets` returns.
COLUMNS = ("measure", "value", "published", "target", "met", "detail")
#: Ticks after onset whose minimum is the end of the onset relaxation (ticks 21-25).
RELAXATION_WINDOW = timebase.RELAXATION_WINDOW
#: Ticks after onset whose mean is the late level (ticks 36-38).
LATE_WINDOW = (16, 18)
#: Minimum Pearson r of each words presentation.
MIN_R = 0.95
#: Tolerances of the onset values and of the late level (activation).
ONSET_TOLERANCE, LATE_TOLERANCE = 0.02, 0.01
#: Tolerance of the peak ticks (ticks).
PEAK_TOLERANCE = 1
#: Accepted relative peak reduction, second vs first.
REDUCTION_RANGE = (0.10, 0.20)
#: Minimum share of instances whose second peak is lower and earlier.
MIN_PATTERN_SHARE = 0.90
#: Significance level of the repetition effects.
ALPHA = 0.01


def _ticks_label(curve, window):
    lo, hi = timebase.window_of(curve, window)
    return f"tick {lo}" if lo == hi else f"ticks {lo}-{hi}"


def onset_relaxation(curve):
    """The value at onset and the minimum of ticks 1-5 after onset.

    Parameters
    ----------
    curve : xarray.DataArray, dims (..., tick)
        Carries the onset (``tick.attrs["onset_tick"]``).

    Returns
    -------
    (xarray.DataArray, xarray.DataArray)
        Same dims without ``tick``, activation.
    """
    onset = timebase.onset_of(curve)
    lo, hi = timebase.window_of(curve, RELAXATION_WINDOW)
    return curve.sel(tick=onset), curve.sel(tick=slice(lo, hi)).min("tick")


def late_level(curve):
    """The mean of ticks 16-18 after onset (same dims without ``tick``, activation)."""
    lo, hi = timebase.window_of(curve, LATE_WINDOW)
    return curve.sel(tick=slice(lo, hi)).mean("tick")


def _row(measure, value, published, target, met, detail=""):
    return {"measure": measure, "value": float(value), "published": float(published),
            "target": target, "met": bool(met), "detail": detail}


def _shape_rows(curves, published):
    """Correlation, onset relaxation, late level, peaks and reduction of the words curves."""
    score, pub = score_words(curves, published), score_words(published, published)
    span = _ticks_label(curves, timebase.FIGURE_WINDOW)
    names = {1: "first", 2: "second"}
    rows = [_row(f"words r, {names[p]} ({span})", score[f"r{p}"], pub[f"r{p}"],
                 f">= {MIN_R}", score[f"r{p}"] >= MIN_R, f"rmse {score[f'rmse{p}']:.4f}")
            for p in (1, 2)]
    relax, pub_relax = onset_relaxation(curves), onset_relaxation(published)
    late, pub_late = late_level(curves), late_level(published)
    labels = (_ticks_label(curves, (0, 0)), _ticks_label(curves, RELAXATION_WINDOW))
    for p in (1, 2):
        for k, what in enumerate(("words onset value", "words onset minimum")):
            value, target = relax[k].sel(presentation=p), pub_relax[k].sel(presentation=p)
            rows.append(_row(f"{what}, {names[p]} ({labels[k]})", value, target,
                             f"within {ONSET_TOLERANCE} of published",
                             abs(value - target) <= ONSET_TOLERANCE))
        value, target = late.sel(presentation=p), pub_late.sel(presentation=p)
        rows.append(_row(f"words late level, {names[p]} ({_ticks_label(curves, LATE_WINDOW)})",
                         value, target, f"within {LATE_TOLERANCE} of published",
                         abs(value - target) <= LATE_TOLERANCE))
    for p in (1, 2):
        value, target = score[f"peak_tick{p}"], pub[f"peak_tick{p}"]
        rows.append(_row(f"words peak tick, {names[p]}", value, target,
                         f"+- {PEAK_TOLERANCE} of published",
                         abs(value - target) <= PEAK_TOLERANCE,
                         f"peak {score[f'peak{p}']:.4f} (published {pub[f'peak{p}']:.4f})"))
    reduction = 1 - score["peak2"] / score["peak1"]
    rows.append(_row("words relative peak reduction, second vs first", reduction,
                     1 - pub["peak2"] / pub["peak1"],
                     f"{REDUCTION_RANGE[0]:g}-{REDUCTION_RANGE[1]:g}",
                     REDUCTION_RANGE[0] <= reduction <= REDUCTION_RANGE[1]))
    return rows


def _instance_pattern_row(words, published):
    """Share of instances whose words second peak is lower and earlier than the first."""
    scores = [score_words(words.sel(instance=i), published) for i in words["instance"].values]
    share = np.mean([s["peak2"] < s["peak1"] and s["peak_tick2"] < s["peak_tick1"]
                     for s in scores])
    return _row("instances with words second peak lower and earlier", share, np.nan,
                f">= {MIN_PATTERN_SHARE:g}", share >= MIN_PATTERN_SHARE,
                f"{round(share * len(scores))} of {len(scores)}")


def _reduction_present(stat):
    return bool(stat["mean_diff"] > 0 and stat["p"] < ALPHA)


def _repetition_rows(by_type, level):
    """Paired repetition effect on the window mean (ticks 6-11 after onset), per type."""
    lo, hi = timebase.window_of(by_type, timebase.PUBLISHED_WINDOW)
    table = repetition_stats(window_mean(by_type, window=(lo, hi)), level=level)
    table = table.set_index("item_type")
    rows = []
    for item_type in [t for t in ITEM_TYPES if t in table.index]:
        stat = table.loc[item_type]
        what = ("words repetition effect, paired across instances" if item_type == "word"
                else f"{item_type} repetition reduction")
        rows.append(_row(f"{what} (p, window mean ticks {lo}-{hi})", stat["p"], np.nan,
                         f"p < {ALPHA:g}, first > second", _reduction_present(stat),
                         f"first - second {stat['mean_diff']:.4f} "
                         f"({level:.0%} CI {stat['ci_low']:.4f} to {stat['ci_high']:.4f})"))
    return rows


def _type_peak_rows(by_type, published):
    """Per item type: second peak earlier than the first; first peak near the words'."""
    curves = by_type.mean("instance")
    peaks = {t: score_words(curves.sel(item_type=t), published)
             for t in ITEM_TYPES if t in curves["item_type"].values}
    rows = []
    for item_type, score in peaks.items():
        shift = score["peak_tick2"] - score["peak_tick1"]
        rows.append(_row(f"{item_type} second peak tick - first peak tick", shift, np.nan,
                         "< 0 (second earlier)", shift < 0,
                         f"peaks at ticks {score['peak_tick1']} and {score['peak_tick2']}"))
        if "word" in peaks and item_type != "word":
            offset = score["peak_tick1"] - peaks["word"]["peak_tick1"]
            rows.append(_row(f"{item_type} first peak tick - words first peak tick", offset,
                             np.nan, f"within +- {PEAK_TOLERANCE}",
                             abs(offset) <= PEAK_TOLERANCE))
    return rows


def _reading_row(network, envelope, backend):
    accuracy = trained_accuracy(network, envelope, backend)
    return _row("trained items read correctly (mean over instances)", accuracy, np.nan,
                f">= {MIN_ACCURACY:g}", bool(reads_enough(accuracy)),
                "" if np.isfinite(accuracy) else "the network carries no trained semantics")


def _neighbourhood_row(ds, level):
    effect = neighbourhood_effect(ds, measure="window_mean", level=level)
    lo, hi = effect.ticks
    return _row(f"neighbourhood effect on the sN400 (window mean ticks {lo}-{hi}, "
                "activation per neighbour)", effect.mean, np.nan,
                f"> 0, {level:.0%} CI excluding 0 (positive in Laszlo & Plaut 2012)",
                effect.positive, f"{level:.0%} CI {effect.ci_low:.5f} to {effect.ci_high:.5f}, "
                f"p {effect.p:.3g}, {effect.df + 1} instances")


@fill_doc
def fig2_targets(network=None, lexicon=None, *, envelope=CONFIG, protocol="reset",
                 backend="numba", level=0.95):
    """Every Fig. 2 target of issue #14, measured, beside the published value.

    Parameters
    ----------
    network : Network or None
        Trained instances (at least 2); default :func:`erpsim.load_pretrained`.
    lexicon : Lexicon or None
        Default the shipped lexicon; needs words (the published curves are words') and
        the neighbourhood sizes of a :class:`~erpsim.model.lexicon.Lexicon`.
    envelope : Envelope, None or "config"
        Default ``"config"``: the network's configured envelope (the alpha model).
    protocol : str
        Repetition protocol (default ``"reset"``).
    %(backend)s
    level : float
        Confidence level of the intervals in ``detail`` (default 0.95).

    Returns
    -------
    pandas.DataFrame
        One row per measure, columns :data:`COLUMNS`: ``measure`` (its name, with the
        tick labels it uses), ``value`` (activation, ticks, a share or a p value, as
        the name says), ``published`` (the same measure on the digitized published
        words curve; NaN where there is none), ``target`` (the rule, in words),
        ``met`` (bool) and ``detail`` (intervals and the like).

    Raises
    ------
    ValueError
        A lexicon without words or neighbourhood sizes, fewer than 2 instances.
    """
    network = network if network is not None else load_pretrained()
    lexicon = lexicon if lexicon is not None else load_lexicon()
    envelope = resolve_envelope(network, envelope)
    ds = simulate_repetition(network, lexicon, envelope=envelope, protocol=protocol,
                             backend=backend, groups=("S",))
    by_type = serp_by_type(ds)
    if "word" not in by_type["item_type"].values:
        raise ValueError("the lexicon has no words: the published curves are the words'")
    published = load_published_words()
    words = by_type.sel(item_type="word")
    rows = (_shape_rows(words.mean("instance"), published)
            + [_instance_pattern_row(words, published)]
            + _repetition_rows(by_type, level)
            + [_reading_row(network, envelope, backend), _neighbourhood_row(ds, level)]
            + _type_peak_rows(by_type, published))
    return pd.DataFrame(rows, columns=list(COLUMNS))
