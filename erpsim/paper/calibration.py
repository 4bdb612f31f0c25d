"""Scoring model sERPs against the published words curves, and test-time candidate search.

The calibration target is the published first/second-presentation sERP for words
(``data/fig2_model_words.csv``, ticks 20-38). A candidate is scored per presentation by
the Pearson correlation and the root-mean-square error (activation units) between the
model's words curve (mean over items and instances) and the published one; the
ranking score is the mean of the two RMSEs. Candidates are also checked for two
things the RMSE does not see: that the model still reads — the trained items' semantics
correct at the last tick (mean over instances of :func:`trained_accuracy` at least
``MIN_ACCURACY``) — and the qualitative repetition pattern of the published words curves
(second peak lower and earlier, lower mean in the published FWHM window, ticks 26-31,
i.e. ticks 6-11 after onset). Windows are stated in ticks after onset
(:mod:`erpsim.model.timebase`) and read the onset from each curve.
The ranking puts accurate candidates first, then those with the pattern, then by score.
"""
import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from erpsim.io.datasets import load_published_words
from erpsim.model.config import Envelope
from erpsim.model.coding import get_coding
from erpsim.simulation.results import serp_by_type
from erpsim.model import timebase
from erpsim.simulation.trials import simulate_repetition
from erpsim.training import semantic_accuracy, semantics_of

MIN_ACCURACY = 0.99


def reads_enough(accuracy):
    """Whether a share of trained items read correctly meets :data:`MIN_ACCURACY`.

    A mean of per-instance shares is a rounded float ((0.97 + 1 + 1) / 3 =
    0.98999999999999999), so the comparison allows 1e-9.

    Parameters
    ----------
    accuracy : float or array-like
        Shares in [0, 1].

    Returns
    -------
    bool or numpy.ndarray of bool
    """
    return np.asarray(accuracy, dtype=float) >= MIN_ACCURACY - 1e-9


def _ticks(curves, window):
    """The tick labels of an onset-relative window in ``curves`` (numpy array)."""
    lo, hi = timebase.window_of(curves, window)
    return np.arange(lo, hi + 1)


def score_words(curves, published=None):
    """Score words curves against the published ones.

    Parameters
    ----------
    curves : xarray.DataArray, dims (presentation, tick)
        Mean words sERP per presentation, covering ticks 0-18 after the onset in
        ``tick.attrs["onset_tick"]`` (:data:`~erpsim.model.timebase.FIGURE_WINDOW`;
        ticks 20-38 for onset 20).
    published : xarray.DataArray or None
        Default :func:`erpsim.io.datasets.load_published_words`. Curves and target are
        aligned on ticks after their onsets.

    Returns
    -------
    dict
        ``r1``, ``r2`` (correlations), ``rmse1``, ``rmse2`` and ``score`` (mean RMSE);
        ``peak1``, ``peak2``, ``peak_tick1``, ``peak_tick2`` (:func:`transient_peak`),
        ``window_diff`` (first minus second, mean of the published window) and
        ``pattern`` (second peak lower and earlier, and a positive ``window_diff``).
    """
    published = load_published_words() if published is None else published
    ticks = _ticks(curves, timebase.FIGURE_WINDOW)
    target_ticks = _ticks(published, timebase.FIGURE_WINDOW)
    missing = set(ticks) - set(np.asarray(curves["tick"].values))
    if missing:
        raise ValueError(f"curves lack ticks {sorted(missing)} of the scored window "
                         f"{ticks[0]}-{ticks[-1]}")
    out = {}
    for p in (1, 2):
        model = np.asarray(curves.sel(presentation=p, tick=ticks).values, dtype=float)
        target = np.asarray(published.sel(presentation=p, tick=target_ticks).values, dtype=float)
        if np.std(model) == 0:
            out[f"r{p}"] = np.nan
        else:
            out[f"r{p}"] = float(np.corrcoef(model, target)[0, 1])
        out[f"rmse{p}"] = float(np.sqrt(np.mean((model - target) ** 2)))
    out["score"] = 0.5 * (out["rmse1"] + out["rmse2"])
    window = _ticks(curves, timebase.PUBLISHED_WINDOW)
    for p in (1, 2):
        out[f"peak{p}"], out[f"peak_tick{p}"] = transient_peak(curves.sel(presentation=p))
    mean = curves.sel(tick=window).mean("tick")
    out["window_diff"] = float(mean.sel(presentation=1) - mean.sel(presentation=2))
    out["pattern"] = bool(out["peak2"] < out["peak1"] and out["peak_tick2"] < out["peak_tick1"]
                          and out["window_diff"] > 0)
    return out


def transient_peak(curve):
    """The N400-like peak of one sERP: its maximum after the onset relaxation.

    The search starts at the minimum of ticks 1-5 after onset
    (:data:`~erpsim.model.timebase.RELAXATION_WINDOW`) and ends at the figure window's
    last tick, so that a curve still relaxing from a high initial state is not read as
    peaking at onset. Curves without a relaxation (flat before the rise) give their
    plain maximum.

    Parameters
    ----------
    curve : xarray.DataArray, dims (tick,)
        Carries the onset (``tick.attrs["onset_tick"]``) and ticks 0-18 after it.

    Returns
    -------
    (float, int)
        The peak (activation) and its tick.
    """
    lo, hi = _ticks(curve, timebase.RELAXATION_WINDOW)[[0, -1]]
    start = int(curve.sel(tick=slice(lo, hi)).idxmin("tick"))
    end = _ticks(curve, timebase.FIGURE_WINDOW)[-1]
    after = curve.sel(tick=slice(start, end))
    return float(after.max("tick")), int(after["tick"].values[int(after.argmax("tick"))])


def rank(table):
    """Sort candidates: accurate first, then those showing the repetition pattern, then by score."""
    table = table.assign(accurate=reads_enough(table["accuracy"]))
    return table.sort_values(["accurate", "pattern", "score"], ascending=[False, False, True],
                             ignore_index=True)


def trained_accuracy(network, envelope, backend="numba"):
    """Mean over instances of the fraction of trained items whose semantics are correct at
    the last tick of a single presentation (with ``envelope``; None: without); NaN for a
    network that carries no trained semantics."""
    if "semantics" not in network.meta:
        return float("nan")
    items, patterns = semantics_of(network)
    x = get_coding(network.config.coding, n_slots=network.config.n_slots).encode(items)
    return float(semantic_accuracy(network, x, patterns, envelope, backend=backend).mean())


def words_curves(network, lexicon, envelope, backend="numba", protocol=None, gap=None):
    """Mean words sERP per presentation (dims presentation, tick) of a repetition run."""
    words = lexicon.of_type("word")
    ds = simulate_repetition(network, words, envelope=envelope,
                             backend=backend, protocol=protocol, gap=gap, groups=("S",))
    return serp_by_type(ds).sel(item_type="word").mean("instance")


@dataclass(frozen=True)
class EnvelopeGrid:
    """The envelope choices searched at test time (every combination)."""

    families: tuple = ("alpha", "biexp")
    thetas: tuple = (0.05, 0.1, 0.2)
    peaks: tuple = (2.0, 4.0, 6.0, 10.0, 20.0)              # alpha: T
    rises: tuple = (1.0, 2.0)                                # biexp: tau_rise
    decays: tuple = (10.0, 30.0, 100.0)                      # biexp: tau_decay
    layers: tuple = (("S",), ("H", "S"), ("A", "H", "S"))
    clock_starts: tuple = (0, 1)

    def envelopes(self):
        for family, theta, layers, start in itertools.product(
                self.families, self.thetas, self.layers, self.clock_starts):
            if family == "alpha":
                for peak in self.peaks:
                    yield Envelope("alpha", theta, peak=peak, layers=layers, clock_start=start)
            else:
                for rise, decay in itertools.product(self.rises, self.decays):
                    if rise < decay:
                        yield Envelope("biexp", theta, tau_rise=rise, tau_decay=decay,
                                       layers=layers, clock_start=start)


def describe(envelope):
    """A flat dict of an envelope's parameters (None: no envelope)."""
    if envelope is None:
        return {"family": "none"}
    d = {"family": envelope.family, "theta": envelope.theta, "layers": "".join(envelope.layers),
         "clock_start": envelope.clock_start, "recovery": envelope.recovery}
    if envelope.family == "alpha":
        d["peak"] = envelope.peak
    else:
        d.update(tau_rise=envelope.tau_rise, tau_decay=envelope.tau_decay)
    return d


def search_base(network, lexicon, *, blanks, init_nets, inh_gains=(1.0,), backend="numba",
                progress=False):
    """Stage 1: the base dynamics of the first presentation, without the envelope.

    Scores every (blank length, initial net input, inhibition gain) combination on the
    first presentation only (``rmse1``, ``r1``): the envelope cannot create the
    relaxation at onset or the post-peak decline, so these are set by the base dynamics.
    The inhibition gain (``ModelConfig.inh_gain``) multiplies the trained inhibitory
    weights.

    progress : bool
        Show a progress bar (one step per combination).

    Returns
    -------
    pandas.DataFrame sorted by accuracy (at least ``MIN_ACCURACY`` first), then ``rmse1``.
    """
    published = load_published_words()
    rows = []
    combos = list(itertools.product(inh_gains, blanks, init_nets))
    for gain, blank, init_net in tqdm(combos, desc="base search", disable=not progress):
        net = network.with_config(n_blank=blank, init_net=init_net, inh_gain=gain)
        scores = score_words(words_curves(net, lexicon, None, backend), published)
        rows.append({"n_blank": blank, "init_net": init_net, "inh_gain": gain,
                     "accuracy": trained_accuracy(net, None, backend),
                     "r1": scores["r1"], "rmse1": scores["rmse1"]})
    table = pd.DataFrame(rows)
    table["accurate"] = reads_enough(table["accuracy"])
    return table.sort_values(["accurate", "rmse1"], ascending=[False, True], ignore_index=True)


def search_test_time(network, lexicon, *, bases=((20, 0.0, 1.0),), grid=None, backend="numba",
                     progress=True):
    """Stage 2: every envelope of ``grid`` on each base (blank length, initial net input,
    inhibition gain).

    Parameters
    ----------
    network : Network
        Trained instances (weights are not changed).
    bases : sequence of (int, float, float)
        (blank ticks before onset at test time, initial net input, inhibition gain); tick
        labels keep onset = 20.
    grid : EnvelopeGrid or None

    Returns
    -------
    pandas.DataFrame, one row per candidate (the no-envelope control included), sorted
    by score.
    """
    grid = grid or EnvelopeGrid()
    envelopes = list(grid.envelopes())
    published = load_published_words()
    rows = []
    with tqdm(total=len(bases) * (len(envelopes) + 1), disable=not progress,
              desc="envelope search") as bar:
        for blank, init_net, gain in bases:
            net = network.with_config(n_blank=int(blank), init_net=float(init_net),
                                      inh_gain=float(gain))
            for env in [None] + envelopes:
                scores = score_words(words_curves(net, lexicon, env, backend), published)
                rows.append({"n_blank": int(blank), "init_net": float(init_net),
                             "inh_gain": float(gain), **describe(env), **scores,
                             "accuracy": trained_accuracy(net, env, backend)})
                bar.update()
    return rank(pd.DataFrame(rows))


def search_clock_and_protocol(network, lexicon, candidates, *, recoveries=(None, 3, 10),
                              protocols=(("reset", 0), ("gap", 0), ("gap", 10), ("gap", 20)),
                              backend="numba", progress=False):
    """Stage 2b: the clock's recovery rule and the repetition protocol's timing.

    Parameters
    ----------
    candidates : pandas.DataFrame
        Rows of :func:`search_test_time` (base and envelope) to vary; rows without an
        envelope are skipped.
    recoveries : sequence of int or None
        Ticks below θ after which a unit's clock stops (None: never).
    protocols : sequence of (str, int)
        ("reset", 0): presentations start from the initial state, clocks carried over;
        ("gap", G): activations carried over through G blank ticks.
    progress : bool
        Show a progress bar (one step per candidate).

    Returns
    -------
    pandas.DataFrame ranked like :func:`search_test_time`, with ``protocol`` and ``gap``.
    """
    from dataclasses import replace
    published = load_published_words()
    rows = []
    for _, row in tqdm(list(candidates.iterrows()), desc="clock and protocol search",
                       disable=not progress):
        net = network.with_config(n_blank=int(row["n_blank"]), init_net=float(row["init_net"]),
                                  inh_gain=float(row["inh_gain"]))
        base_env = envelope_of(row)
        if base_env is None:
            continue
        for recovery in recoveries:
            env = replace(base_env, recovery=recovery)
            accuracy = trained_accuracy(net, env, backend)  # one presentation: any protocol
            for protocol, gap in protocols:
                scores = score_words(words_curves(net, lexicon, env, backend, protocol, gap),
                                     published)
                rows.append({"n_blank": int(row["n_blank"]), "init_net": float(row["init_net"]),
                             "inh_gain": float(row["inh_gain"]), **describe(env),
                             "protocol": protocol, "gap": gap, **scores,
                             "accuracy": accuracy})
    return rank(pd.DataFrame(rows))


def envelope_of(row):
    """The Envelope described by a row of a search table (None for ``family == "none"``)."""
    if row["family"] == "none":
        return None
    layers = tuple(row["layers"])
    recovery = row.get("recovery")
    recovery = None if recovery is None or pd.isna(recovery) else int(recovery)
    common = dict(layers=layers, clock_start=int(row["clock_start"]), recovery=recovery)
    if row["family"] == "alpha":
        return Envelope("alpha", float(row["theta"]), peak=float(row["peak"]), **common)
    return Envelope("biexp", float(row["theta"]), tau_rise=float(row["tau_rise"]),
                    tau_decay=float(row["tau_decay"]), **common)


__getattr__ = timebase.deprecated_constants(__name__, ("SCORE_TICKS", "PUBLISHED_WINDOW"))
