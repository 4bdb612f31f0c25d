"""Training-time calibration of the alpha model (issue #14): candidate protocols trained
on the sweep machinery, scored against the published words curves.

A **candidate** is a training protocol: overrides of :class:`~erpsim.ModelConfig`
(dynamics: output integration, per-group ``dt``, initial outputs, blank length) and of
:class:`~erpsim.training.TrainingSettings` (semantic sparsity and structure, target
window, zero blank targets). Each candidate becomes one sweep grid whose only axis is
the seed (:meth:`Candidate.grid`), stored in its own resumable sweep store; all
candidates' points run together on one Dask client (:func:`run_candidates`), so a
screen survives interruption and scales to a cluster.

Scoring (:func:`score_candidate`) stacks a candidate's trained instances and measures:

- the words curves (mean over the words and the instances, default alpha envelope,
  reset protocol) against the published ones with
  :func:`erpsim.paper.calibration.score_words`: r and RMSE per presentation, the
  ranking ``score`` (mean RMSE, activation units) and the published repetition
  ``pattern``;
- the **reading gate**: the mean over instances of the share of trained items read
  correctly (:func:`erpsim.paper.calibration.trained_accuracy`) must be at least
  :data:`~erpsim.paper.calibration.MIN_ACCURACY` (99%);
- every target of :func:`erpsim.paper.targets.fig2_targets` (the other item types are
  a check, reported, not scored).

:func:`rank_candidates` puts the candidates that pass the gate first, then those with
the pattern, then by score (:func:`erpsim.paper.calibration.rank`); candidates that
failed to train or could not be scored are listed last, with their error.
"""
from __future__ import annotations

import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from erpsim.engine.dynamics import CONFIG, resolve_envelope
from erpsim.io.datasets import load_published_words
from erpsim.model import timebase
from erpsim.model.config import PROTOCOL_V0_2
from erpsim.model.network import Network
from erpsim.paper.calibration import (rank, reads_enough, score_words, trained_accuracy,
                                      words_curves)
from erpsim.paper.targets import fig2_targets, late_level, onset_relaxation
from erpsim.sweep.grid import load_grid
from erpsim.sweep.lock import StoreLock, describe_owner
from erpsim.sweep.runner import (SweepReport, SweepRun, dask_client, default_workers,
                                 plan_sweep)
from erpsim.sweep.store import SweepStore
from erpsim.utils.check import _check_integer, _validate_type

__all__ = ["Candidate", "BASE_CONFIG", "BASE_TRAINING", "default_candidates",
           "select_candidates", "run_candidates", "stack_instances",
           "score_candidate", "score_candidates", "rank_candidates", "SUMMARY_COLUMNS"]

#: The base protocol of the findings (docs/calibration.md, "Training-time
#: calibration"): output integration everywhere at dt 0.5, outputs starting at 0.5,
#: 8 blank ticks before onset.
BASE_CONFIG = {"integration": "output", "dt": 0.5, "init_output": 0.5, "n_blank": 8}
#: The base training: 3 of 50 semantic features active, targets on the last 2 stimulus
#: ticks (ticks 18-19 after onset).
BASE_TRAINING = {"n_active": 3, "target_window": (18, 19)}
#: Initial outputs with the inhibitory pools starting low (0.05), the layers at 0.5.
LOW_POOLS = {"default": 0.5, "OI": 0.05, "AI": 0.05, "HI": 0.05, "SI": 0.05}
#: Every group low (0.05) except the orthographic input (0.5).
LOW_ALL = {"default": 0.05, "O": 0.5}
#: Output integration on the excitatory layers only, the pools integrating input.
OUTPUT_LAYERS = {"default": "output", "OI": "input", "AI": "input", "HI": "input",
                 "SI": "input"}
#: Output integration on the semantic layer and its pool only.
OUTPUT_SEMANTIC = {"default": "input", "S": "output", "SI": "output"}
#: Ticks after onset (ticks 26-38) whose maximum is the transient (the N400-like peak),
#: after the onset relaxation: under output integration the onset value can exceed it.
TRANSIENT_WINDOW = (6, 18)
#: Columns of the per-candidate summary (:func:`score_candidate`), in order.
SUMMARY_COLUMNS = ("candidate", "status", "n_instances", "accuracy", "passes_gate",
                   "pattern", "score", "r1", "r2", "rmse1", "rmse2", "peak1", "peak_tick1",
                   "peak2", "peak_tick2", "transient1", "transient2", "onset1", "onset_min1",
                   "late1", "targets_met", "targets_total", "train_accuracy_min",
                   "train_epochs_mean", "converged", "error", "description")


@dataclass(frozen=True)
class Candidate:
    """One training protocol of the screen.

    Parameters
    ----------
    name : str
        Short identifier (letters, digits, ``-`` and ``_``): the store's folder name.
    config : dict
        :class:`~erpsim.ModelConfig` fields (dicts allowed for ``integration``,
        ``dt_groups``, ``init_output``).
    training : dict
        :class:`~erpsim.training.TrainingSettings` fields (``max_epochs`` is set by
        :meth:`grid`).
    description : str
        What the candidate tests, in words.
    """

    name: str
    config: dict = field(default_factory=dict)
    training: dict = field(default_factory=dict)
    description: str = ""

    def __post_init__(self):
        _validate_type(self.name, str, "name")
        if not self.name or not all(c.isalnum() or c in "-_" for c in self.name):
            raise ValueError(f"candidate name must be letters, digits, '-' or '_', "
                             f"got {self.name!r}")
        if "max_epochs" in self.training:
            raise ValueError(f"candidate {self.name!r}: max_epochs is set per stage, "
                             "not per candidate")

    def grid(self, seeds, max_epochs, *, lexicon=None, n_per_type=None, **training):
        """The sweep grid of this candidate: its fields fixed, the seeds as the only axis.

        Parameters
        ----------
        seeds : sequence of int
            Instances to train (one sweep point each).
        max_epochs : int
            Epochs of BPTT at most (training stops earlier at convergence).
        lexicon : str or None
            A lexicon CSV; None: the shipped lexicon.
        n_per_type : int or None
            Draw this many items of each type (None: all; small values for tests).
        **training
            Further TrainingSettings fields for every candidate of a stage (e.g.
            ``pretrain_epochs``, ``check_every``).

        Returns
        -------
        dict
            A grid declaration (:mod:`erpsim.sweep.grid`), validated by
            :func:`erpsim.sweep.grid.load_grid` when run.
        """
        config = {k: (list(v) if isinstance(v, tuple) else v)
                  for k, v in {**PROTOCOL_V0_2, **self.config}.items()}
        train = {k: (list(v) if isinstance(v, tuple) else v)
                 for k, v in {**self.training, **training}.items()}
        if "target_window" in train and train["target_window"] is not None:
            train["target_window"] = [train["target_window"]]    # one value, not an axis
        train["max_epochs"] = _check_integer(max_epochs, "max_epochs", minimum=1)
        return {"name": self.name, "config": config, "training": train,
                "seeds": [int(s) for s in seeds], "lexicon": lexicon,
                "n_per_type": n_per_type}


def _variant(name, description, config=None, training=None):
    """A candidate that changes the base protocol (:data:`BASE_CONFIG`,
    :data:`BASE_TRAINING`) by ``config`` and ``training`` (None values remove a field)."""
    merged_config = {**BASE_CONFIG, **(config or {})}
    merged_training = {**BASE_TRAINING, **(training or {})}
    return Candidate(name, {k: v for k, v in merged_config.items() if v is not None},
                     {k: v for k, v in merged_training.items() if v is not None},
                     description)


def default_candidates():
    """The documented default candidate list of the screen (docs/calibration.md).

    Returns
    -------
    list of Candidate
        Variants of the findings' base protocol (output integration, dt 0.5, outputs
        starting at 0.5, 8 blank ticks, 3 of 50 features, targets on the last 2
        ticks), one or two factors at a time, plus erpsim 0.2's shipped protocol as a
        control (``"shipped"``: its 5 of 50 features given explicitly, as the training
        default is 3 since 0.3). Every candidate's grid starts from 0.2's protocol
        (:data:`~erpsim.model.config.PROTOCOL_V0_2`), under which they were defined and
        run.
    """
    return [
        Candidate("shipped", {}, {"n_active": 5}, "erpsim 0.2's shipped protocol (input "
                  "integration, dt 0.3, 20 blank ticks, 5 of 50 features, last 5 ticks)"),
        _variant("base", "findings' base: output integration, dt 0.5, outputs 0.5, "
                 "8 blank ticks, 3 of 50, targets ticks 18-19"),
        _variant("out-layers", "output integration on O, A, H, S only (pools input)",
                 {"integration": OUTPUT_LAYERS}),
        _variant("out-sem", "output integration on S and SI only",
                 {"integration": OUTPUT_SEMANTIC}),
        _variant("pools-dt025", "pools dt 0.25", {"dt_groups": {g: 0.25 for g in
                                                                ("OI", "AI", "HI", "SI")}}),
        _variant("si-dt025", "semantic pool dt 0.25", {"dt_groups": {"SI": 0.25}}),
        _variant("layers-dt07", "excitatory layers dt 0.7, pools 0.5",
                 {"dt_groups": {g: 0.7 for g in ("O", "A", "H", "S")}}),
        _variant("low-pools", "pools start at output 0.05", {"init_output": LOW_POOLS}),
        _variant("low-all", "every group but O starts at 0.05", {"init_output": LOW_ALL}),
        _variant("low-pools-si025", "pools start low, semantic pool dt 0.25",
                 {"init_output": LOW_POOLS, "dt_groups": {"SI": 0.25}}),
        _variant("blank2", "2 blank ticks", {"n_blank": 2}),
        _variant("blank4", "4 blank ticks", {"n_blank": 4}),
        _variant("blank20", "20 blank ticks", {"n_blank": 20}),
        _variant("active5", "5 of 50 features active", training={"n_active": 5}),
        _variant("neigh", "neighbours share features (3 active, 1 shared)",
                 training={"semantic_structure": "neighbours"}),
        _variant("neigh-active5", "neighbours share 2 of 5 features",
                 training={"semantic_structure": "neighbours", "n_active": 5}),
        _variant("last1", "target on the last tick only", training={"target_window": (19, 19)}),
        _variant("last5", "targets on the last 5 ticks", training={"target_window": None}),
        _variant("late10", "targets on ticks 10-19", training={"target_window": (10, 19)}),
        _variant("zero-blank", "zero targets on the blank", training={"blank_targets": True}),
        _variant("zero-blank-last1", "zero blank targets, target on the last tick",
                 training={"blank_targets": True, "target_window": (19, 19)}),
        _variant("low-pools-zero-blank", "pools start low, zero blank targets",
                 {"init_output": LOW_POOLS}, {"blank_targets": True}),
        _variant("low-pools-last1", "pools start low, target on the last tick",
                 {"init_output": LOW_POOLS}, {"target_window": (19, 19)}),
        _variant("neigh-last1", "neighbours, target on the last tick",
                 training={"semantic_structure": "neighbours", "target_window": (19, 19)}),
        _variant("neigh-zero-blank", "neighbours, zero blank targets",
                 training={"semantic_structure": "neighbours", "blank_targets": True}),
        _variant("input-dt03-sparse", "input integration dt 0.3, 2 blank, initial net -2, "
                 "3 of 50 (the findings' best input-integration variant)",
                 {"integration": None, "dt": None, "init_output": None, "n_blank": 2,
                  "init_net": -2.0}, {"target_window": None}),
        *sparse_input_candidates(),
    ]


#: The protocol of ``input-dt03-sparse``: input integration at the package's dt (0.3),
#: 2 blank ticks, every net input starting at -2, 3 of 50 features, last-5-tick targets.
SPARSE_INPUT_CONFIG = {"n_blank": 2, "init_net": -2.0}
SPARSE_INPUT_TRAINING = {"n_active": 3}
_POOLS = ("OI", "AI", "HI", "SI")


def _sparse_input(name, description, config=None, training=None):
    """A variation of ``input-dt03-sparse`` (:data:`SPARSE_INPUT_CONFIG`)."""
    return Candidate(name, {**SPARSE_INPUT_CONFIG, **(config or {})},
                     {**SPARSE_INPUT_TRAINING, **(training or {})}, description)


def sparse_input_candidates():
    """The second round: one or two factors of ``input-dt03-sparse`` at a time.

    Aimed at what its confirmation missed (docs/calibration.md): the onset value
    (blank length, initial net input), the rise a tick late (dt), the transient's
    size (slower pools), per-instance repetition (target window, zero blank targets)
    and the neighbourhood effect (meanings shared by neighbours).

    Returns
    -------
    list of Candidate
    """
    return [
        _sparse_input("sp-blank3", "input-dt03-sparse with 3 blank ticks", {"n_blank": 3}),
        _sparse_input("sp-blank4", "input-dt03-sparse with 4 blank ticks", {"n_blank": 4}),
        _sparse_input("sp-net1", "input-dt03-sparse, initial net input -1", {"init_net": -1.0}),
        _sparse_input("sp-net15", "input-dt03-sparse, initial net input -1.5",
                      {"init_net": -1.5}),
        _sparse_input("sp-net3", "input-dt03-sparse, initial net input -3", {"init_net": -3.0}),
        _sparse_input("sp-blank4-net15", "4 blank ticks, initial net input -1.5",
                      {"n_blank": 4, "init_net": -1.5}),
        _sparse_input("sp-dt035", "input-dt03-sparse at dt 0.35", {"dt": 0.35}),
        _sparse_input("sp-si-dt02", "input-dt03-sparse, semantic pool dt 0.2",
                      {"dt_groups": {"SI": 0.2}}),
        _sparse_input("sp-pools-dt02", "input-dt03-sparse, pools dt 0.2",
                      {"dt_groups": {g: 0.2 for g in _POOLS}}),
        _sparse_input("sp-pools-dt015", "input-dt03-sparse, pools dt 0.15",
                      {"dt_groups": {g: 0.15 for g in _POOLS}}),
        _sparse_input("sp-pools-dt02-net3", "pools dt 0.2, initial net input -3",
                      {"dt_groups": {g: 0.2 for g in _POOLS}, "init_net": -3.0}),
        _sparse_input("sp-pools-dt02-net25", "pools dt 0.2, initial net input -2.5",
                      {"dt_groups": {g: 0.2 for g in _POOLS}, "init_net": -2.5}),
        _sparse_input("sp-pools-dt015-net25", "pools dt 0.15, initial net input -2.5",
                      {"dt_groups": {g: 0.15 for g in _POOLS}, "init_net": -2.5}),
        _sparse_input("sp-pools-dt01", "input-dt03-sparse, pools dt 0.1",
                      {"dt_groups": {g: 0.1 for g in _POOLS}}),
        _sparse_input("sp15-net225", "pools dt 0.15, initial net input -2.25",
                      {"dt_groups": {g: 0.15 for g in _POOLS}, "init_net": -2.25}),
        _sparse_input("sp01-net225", "pools dt 0.1, initial net input -2.25",
                      {"dt_groups": {g: 0.1 for g in _POOLS}, "init_net": -2.25}),
        _sparse_input("sp15-layers025", "pools dt 0.15, layers dt 0.25 (a later first peak)",
                      {"dt": 0.25, "dt_groups": {g: 0.15 for g in _POOLS}}),
        _sparse_input("sp15-layers025-net225", "pools dt 0.15, layers dt 0.25, initial net "
                      "input -2.25", {"dt": 0.25, "dt_groups": {g: 0.15 for g in _POOLS},
                                      "init_net": -2.25}),
        _sparse_input("sp125-layers025", "pools dt 0.125, layers dt 0.25",
                      {"dt": 0.25, "dt_groups": {g: 0.125 for g in _POOLS}}),
        _sparse_input("sp-pools-dt02-blank3", "pools dt 0.2, 3 blank ticks",
                      {"dt_groups": {g: 0.2 for g in _POOLS}, "n_blank": 3}),
        _sparse_input("sp-last2", "input-dt03-sparse, targets on ticks 18-19",
                      training={"target_window": (18, 19)}),
        _sparse_input("sp-late10", "input-dt03-sparse, targets on ticks 10-19",
                      training={"target_window": (10, 19)}),
        _sparse_input("sp-zero-blank", "input-dt03-sparse, zero targets on the blank",
                      training={"blank_targets": True}),
        _sparse_input("sp-neigh", "input-dt03-sparse, neighbours share features",
                      training={"semantic_structure": "neighbours"}),
    ]


def select_candidates(names=None, candidates=None):
    """The candidates called ``names`` (in that order) among ``candidates``.

    Parameters
    ----------
    names : sequence of str or None
        None: every candidate.
    candidates : list of Candidate or None
        Default :func:`default_candidates`.

    Raises
    ------
    ValueError
        A name that is not a candidate (the known names are listed).
    """
    candidates = default_candidates() if candidates is None else list(candidates)
    by_name = {c.name: c for c in candidates}
    if names is None:
        return candidates
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise ValueError(f"unknown candidate(s) {unknown}; known: {sorted(by_name)}")
    return [by_name[n] for n in names]


def run_candidates(grids, folder, *, scheduler=None, client=None, n_workers=None, retries=1,
                   on_point=None):
    """Run the sweep of every candidate (one store each), together on one Dask client.

    Each store is locked for the run (:class:`~erpsim.sweep.lock.StoreLock`); points
    already in a store are skipped, so rerunning after an interruption computes only
    what is missing.

    Parameters
    ----------
    grids : dict
        Candidate name -> grid declaration (:meth:`Candidate.grid`).
    folder : path
        The stores are ``folder/NAME.sweep``.
    scheduler, client, n_workers, retries
        As :func:`erpsim.sweep.run_sweep` (default: a local cluster, one worker per core).
    on_point : callable or None
        ``on_point(name, point, dataset)`` after each point is written.

    Returns
    -------
    dict
        Candidate name -> :class:`~erpsim.sweep.runner.SweepReport`.
    """
    retries = _check_integer(retries, "retries", minimum=0)
    start = time.perf_counter()
    folder = Path(folder)
    with ExitStack() as stack:
        plans = {}
        for name, grid in grids.items():
            grid = load_grid(grid)
            store = SweepStore(folder / f"{name}.sweep")
            store.path.mkdir(parents=True, exist_ok=True)
            lock = stack.enter_context(StoreLock(store.path))
            if lock.stale:          # left by a run that was killed: taken over, logged
                store.log(event="stale_lock", previous=describe_owner(lock.stale))
            points, todo = plan_sweep(grid, store)
            plans[name] = (grid, store, todo, SweepReport(store=store.path, n_points=len(points),
                                                          skipped=len(points) - len(todo)))
        if any(todo for _, _, todo, _ in plans.values()):
            _run_plans(plans, scheduler=scheduler, client=client,
                       n_workers=default_workers(n_workers), retries=retries, on_point=on_point)
    for _, _, _, report in plans.values():
        report.seconds = time.perf_counter() - start
    return {name: plan[3] for name, plan in plans.items()}


def _run_plans(plans, *, scheduler, client, n_workers, retries, on_point):
    """Submit every plan's missing points on one client and route finished futures."""
    from distributed import as_completed
    with dask_client(scheduler, client, n_workers) as active:
        ac = as_completed(loop=active.loop)
        runs = {}
        for name, (grid, store, todo, report) in plans.items():
            if not todo:
                continue
            callback = None if on_point is None else (
                lambda point, ds, name=name: on_point(name, point, ds))
            runs[name] = SweepRun(active, store, grid.load_lexicon(), todo, report, ac,
                                  retries=retries, on_point=callback)
            for point in todo:
                runs[name].submit(point)
        try:
            for future in ac:
                run = next(r for r in runs.values()
                           if future.key in r.train_of or future.key in r.point_of)
                run.handle(future)
        except BaseException as err:       # Ctrl-C included: stop, keep what is written
            for run in runs.values():
                run.cancel(err)
            raise
        finally:
            for run in runs.values():
                run.close()


def stack_instances(store):
    """The trained instances of a candidate's store, stacked into one Network.

    Parameters
    ----------
    store : path
        A sweep store of :func:`run_candidates`.

    Returns
    -------
    Network or None
        One instance per finished point, in seed order, with the point's configuration
        (the default alpha envelope included); None when no point is done.
    """
    store = SweepStore(store)
    grid = store.read_grid()
    done = set(store.done_keys())
    networks, epochs = [], []
    for point in grid.points():
        if point.key in done and store.has_model(point.model_key):
            net = store.load_model(point.model_key)
            networks.append(Network(point.model_config(), net.W, net.b, net.seeds, net.meta))
            epochs.append(net.meta.get("epochs"))
    if not networks:
        return None
    network = Network.concatenate(networks)
    network.meta["instance_epochs"] = epochs       # the last epoch checked, per instance
    return network


def _training_columns(network):
    """Training summary of stacked instances: worst accuracy, mean epochs, converged."""
    acc = np.asarray(network.meta.get("accuracy") or [np.nan], dtype=float)
    epochs = np.asarray([np.nan if e is None else e for e in
                         network.meta.get("instance_epochs") or [None]], dtype=float)
    return {"train_accuracy_min": float(np.min(acc)), "train_epochs_mean": float(np.mean(epochs)),
            "converged": int(np.sum(acc >= 1.0))}


def score_candidate(network, lexicon, *, backend="numba"):
    """Score stacked instances of one candidate against the published words curves.

    Parameters
    ----------
    network : Network
        The candidate's trained instances (at least 2), with the alpha envelope in their
        configuration (:func:`stack_instances`).
    lexicon : Lexicon
        Items simulated (the words are scored; the other types are a check).
    backend : str
        Simulation backend.

    Returns
    -------
    summary : dict
        The :data:`SUMMARY_COLUMNS` known from the scores (``candidate``, ``status``,
        ``error`` and ``description`` are the caller's): ``accuracy`` (share of trained
        items read correctly, mean over instances), ``passes_gate`` (accuracy ≥ 99%),
        ``score`` (mean RMSE of the two presentations, activation), ``r1``, ``r2``,
        ``rmse1``, ``rmse2``, peaks over ticks 0-18 after onset (activation) and their
        ticks, ``pattern``, the transient per presentation (``transient1``,
        ``transient2``: maximum over ticks 6-18 after onset, activation), the words
        onset value, onset minimum and late level of the first presentation
        (activation), how many :func:`~erpsim.paper.targets.fig2_targets` were met.
    targets : pandas.DataFrame
        :func:`~erpsim.paper.targets.fig2_targets` of the instances.
    """
    envelope = resolve_envelope(network, CONFIG)
    published = load_published_words()
    curves = words_curves(network, lexicon, envelope, backend)
    scores = score_words(curves, published)
    onset, onset_min = onset_relaxation(curves.sel(presentation=1))
    lo, hi = timebase.window_of(curves, TRANSIENT_WINDOW)
    transient = curves.sel(tick=slice(lo, hi)).max("tick")
    accuracy = trained_accuracy(network, envelope, backend)
    targets = fig2_targets(network, lexicon, backend=backend)
    summary = {"n_instances": network.n_instances, "accuracy": accuracy,
               "passes_gate": bool(reads_enough(accuracy)), **scores,
               "transient1": float(transient.sel(presentation=1)),
               "transient2": float(transient.sel(presentation=2)),
               "onset1": float(onset), "onset_min1": float(onset_min),
               "late1": float(late_level(curves.sel(presentation=1))),
               "targets_met": int(targets["met"].sum()), "targets_total": len(targets),
               **_training_columns(network)}
    return summary, targets


def score_candidates(candidates, folder, lexicon=None, *, reports=None, backend="numba"):
    """Score every candidate's store under ``folder``; failures become rows too.

    Parameters
    ----------
    candidates : list of Candidate
    folder : path
        Holds ``NAME.sweep`` per candidate (:func:`run_candidates`).
    lexicon : Lexicon or None
        Default: each store's grid lexicon.
    reports : dict or None
        Name -> SweepReport of the run; failed points are reported in ``error``.
    backend : str

    Returns
    -------
    summary : pandas.DataFrame
        One row per candidate, :data:`SUMMARY_COLUMNS`, ranked by :func:`rank_candidates`.
    targets : pandas.DataFrame
        Every candidate's :func:`~erpsim.paper.targets.fig2_targets` rows, with a
        ``candidate`` column.
    """
    rows, tables = [], []
    for cand in candidates:
        row = {"candidate": cand.name, "description": cand.description, "status": "scored",
               "error": ""}
        report = (reports or {}).get(cand.name)
        if report is not None and report.failed:
            row["error"] = "; ".join(sorted({f["error"] for f in report.failed.values()}))
        try:
            network = stack_instances(Path(folder) / f"{cand.name}.sweep")
            if network is None or network.n_instances < 2:
                raise ValueError("fewer than 2 trained instances: nothing to score")
            use = lexicon if lexicon is not None else SweepStore(
                Path(folder) / f"{cand.name}.sweep").read_grid().load_lexicon()
            summary, table = score_candidate(network, use, backend=backend)
            row.update(summary)
            tables.append(table.assign(candidate=cand.name))
        except (ValueError, FileNotFoundError, KeyError) as err:
            row.update(status="failed", error=(row["error"] + "; " if row["error"] else "")
                       + f"{type(err).__name__}: {err}")
        rows.append(row)
    summary = rank_candidates(pd.DataFrame(rows))
    targets = (pd.concat(tables, ignore_index=True) if tables
               else pd.DataFrame(columns=["candidate", "measure"]))
    return summary, targets


def rank_candidates(table):
    """Rank a summary table: scored candidates that pass the reading gate first, then
    those with the published repetition pattern, then by score (lower is better);
    failures last.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows of :func:`score_candidate` with ``candidate`` and ``status``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SUMMARY_COLUMNS` (missing ones NaN), a ``rank`` (1 = best) on
        the rows that pass the gate.
    """
    table = table.reindex(columns=list(SUMMARY_COLUMNS))
    scored = table[table["status"] == "scored"].copy()
    failed = table[table["status"] != "scored"]
    scored["accuracy"] = scored["accuracy"].astype(float)
    scored["pattern"] = scored["pattern"].astype(bool)
    ranked = rank(scored).drop(columns="accurate")
    out = pd.concat([ranked, failed], ignore_index=True)
    out["passes_gate"] = reads_enough(out["accuracy"])
    out["rank"] = np.where(out["passes_gate"], np.cumsum(out["passes_gate"]), np.nan)
    return out

