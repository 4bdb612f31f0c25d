"""Training the ERP model: pretraining, then full-batch BPTT with Adam (docs/model.md §4)."""
import hashlib
import io
import json
import os
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from erpsim import engine
from erpsim.engine import registry
from erpsim.utils.atomic import atomic_write_bytes
from erpsim.utils.check import _check_integer, _check_option, _validate_type
from erpsim.utils.deprecation import warn_moved
from erpsim.model.coding import get_coding
from erpsim.model.lexicon import Lexicon
from erpsim.model.semantics import STRUCTURES, check_semantics, load_semantics, make_semantics
from erpsim.model.network import project_signs
from erpsim.training.autoencoder import pretrain_autoencoder
from erpsim.training.optim import Adam
from erpsim.training.targets import Targets, blank_ticks, target_ticks


def __getattr__(name):
    if name == "GRADIENTS":
        warn_moved("erpsim.training.trainer.GRADIENTS",
                   "erpsim.engine.registry (Backend.gradients)")
        return {b.name: b.gradients for b in registry.BACKENDS if b.trains}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class TrainingSettings:
    """Learning settings (defaults documented in docs/model.md).

    Integers may be NumPy integers (held as ``int``); ``bool`` is refused where a number
    is expected.

    Parameters
    ----------
    max_epochs : int
        Full-batch epochs of BPTT at most.
    lr : float
        Adam learning rate.
    grad_clip : float or None
        Rescale each instance's gradient to at most this global norm.
    pretrain_epochs, pretrain_lr : int, float
        Orthographic autoencoder pretraining (0 epochs skips it).
    check_every : int
        Epochs between accuracy checks (convergence, best-weights tracking, progress).
    n_active : int
        Active features per semantic pattern (ignored with ``semantics``). 3 of 50 in
        the calibrated protocol (docs/calibration.md); erpsim 0.2 trained with 5.
    semantic_seed : int
        Seed of the semantic patterns (shared by all instances) and of the draw of
        ``n_trained`` items.
    rollback : float or None
        At a check, an instance whose loss exceeds ``rollback`` times its best loss so
        far has collapsed: it returns to its best weights, its Adam moments restart and
        its learning rate halves. None disables this.
    with_envelope : bool
        Train with the configuration's alpha envelope on.
    backend : str
        Gradient implementation: a training backend of
        :func:`erpsim.engine.registry.names` (``names(trains=True)``).
    target_window : (int, int) or None
        First and last tick (inclusive, in ticks after stimulus onset: 0 is the first
        stimulus tick) where the semantic patterns are targets. None: the last
        ``config.n_targets`` stimulus ticks. Checked against the trial when training
        starts.
    blank_targets : bool
        Also train every semantic unit towards 0 on the blank ticks before onset
        (cross-entropy, with the same item weights as the pattern targets).
    semantic_structure : {"random", "neighbours", "categories"}
        How meanings overlap (:mod:`erpsim.model.semantics`): at random; orthographic
        neighbours among the trained items share ``n_shared`` features; items in
        ``n_categories`` groups share a core of ``n_shared`` features.
    n_shared : int or None
        Shared features of ``"neighbours"`` and ``"categories"`` (None: ``n_active //
        2``), ``0 <= n_shared < n_active``.
    n_categories : int or None
        Number of groups of ``"categories"`` (None: 4).
    n_trained : int or None
        Train a random subset of this many of the lexicon's trained items (drawn with
        ``semantic_seed``; the others stay untrained). None: all of them.
    semantics : array (n_trained, n_sem) of 0/1, path, or None
        The user's own patterns, one row per trained item in lexicon order (after the
        ``n_trained`` draw): an array, or a ``.npy`` or header-less CSV file, read when
        the settings are made (the settings hold the patterns, as a tuple of rows).
        Rows must be distinct and not all zero. None: built by ``semantic_structure``.
    dtype : {"float64", "float32"}
        Precision of the gradient computation (forward and backward passes). The weights,
        Adam's moments and the accuracy checks stay float64. float32 makes an epoch
        about 1.4-1.6 times faster and needs the ``"numba"`` backend (docs/model.md,
        "Precision").
    """

    max_epochs: int = 6000
    lr: float = 0.03
    grad_clip: float | None = None
    pretrain_epochs: int = 300
    pretrain_lr: float = 0.03
    check_every: int = 20
    rollback: float | None = 2.0
    n_active: int = 3
    semantic_seed: int = 2012
    with_envelope: bool = False
    backend: str = "numba"
    target_window: tuple | None = None
    blank_targets: bool = False
    semantic_structure: str = "random"
    n_shared: int | None = None
    n_categories: int | None = None
    n_trained: int | None = None
    semantics: tuple | None = field(default=None, repr=False)
    dtype: str = "float64"

    def __post_init__(self):
        registry.get(self.backend, trains=True)  # ValueError naming the choices
        _check_option("dtype", self.dtype, DTYPES)
        if self.dtype != "float64" and self.backend not in FLOAT32_BACKENDS:
            raise ValueError(f"dtype={self.dtype!r} is implemented by the "
                             f"{' and '.join(map(repr, FLOAT32_BACKENDS))} training "
                             f"backend only, not {self.backend!r}")
        self._check_numbers()
        for name in ("with_envelope", "blank_targets"):
            _validate_type(getattr(self, name), (bool, np.bool_), name)
            self._set(name, bool(getattr(self, name)))
        self._check_targets()
        self._check_semantics()

    def _set(self, name, value):
        object.__setattr__(self, name, value)

    def _check_numbers(self):
        """Integer and real fields: types (NumPy's accepted, as Python's) and ranges."""
        for name, minimum in (("max_epochs", 1), ("check_every", 1), ("n_active", 1),
                              ("pretrain_epochs", 0), ("semantic_seed", 0)):
            self._set(name, _check_integer(getattr(self, name), name, minimum))
        for name in ("lr", "pretrain_lr", "grad_clip", "rollback"):
            value = getattr(self, name)
            optional = name in ("grad_clip", "rollback")
            _validate_type(value, ("numeric", None) if optional else "numeric", name)
            if isinstance(value, np.generic):
                self._set(name, value.item())
        if not (self.lr > 0 and self.pretrain_lr > 0):
            raise ValueError("learning rates must be positive")
        if self.rollback is not None and not self.rollback > 1:
            raise ValueError(f"rollback must be > 1 or None, got {self.rollback!r}")
        if self.grad_clip is not None and not self.grad_clip > 0:
            raise ValueError(f"grad_clip must be positive or None, got {self.grad_clip!r}")

    def _check_targets(self):
        """``target_window``: None or two integers, 0 <= start <= end (held as a tuple)."""
        window = self.target_window
        if window is None:
            return
        if isinstance(window, (str, bytes)) or not hasattr(window, "__len__") or len(window) != 2:
            raise ValueError(f"target_window must be None or (start, end) in ticks after "
                             f"onset, got {window!r}")
        start = _check_integer(window[0], "target_window start", 0)
        end = _check_integer(window[1], "target_window end", start)
        self._set("target_window", (start, end))

    def _check_semantics(self):
        """The semantic code's fields, alone and together."""
        _check_option("semantic_structure", self.semantic_structure, STRUCTURES)
        for name, minimum in (("n_shared", 0), ("n_categories", 1), ("n_trained", 1)):
            if getattr(self, name) is not None:
                self._set(name, _check_integer(getattr(self, name), name, minimum))
        uses = {"n_shared": ("neighbours", "categories"), "n_categories": ("categories",)}
        for name, structures in uses.items():
            if getattr(self, name) is not None and self.semantic_structure not in structures:
                raise ValueError(f"{name} applies to semantic_structure "
                                 f"{' or '.join(map(repr, structures))}, not "
                                 f"{self.semantic_structure!r}")
        if self.n_shared is not None and self.n_shared >= self.n_active:
            raise ValueError(f"n_shared={self.n_shared} must be smaller than "
                             f"n_active={self.n_active}")
        if self.semantics is None:
            return
        if self.semantic_structure != "random":
            raise ValueError("semantics (the user's own patterns) and semantic_structure="
                             f"{self.semantic_structure!r} exclude each other")
        given = self.semantics
        patterns = (load_semantics(given) if isinstance(given, (str, os.PathLike))
                    else check_semantics(given))
        self._set("semantics", tuple(tuple(int(v) for v in row) for row in patterns))

    def to_dict(self):
        """The settings as a JSON-ready dict, for identities and provenance.

        The fields added in 0.2 (:data:`ADDED_FIELDS`) are left out while they hold
        their defaults, so a run with the earlier settings keeps its identity
        (checkpoints, sweep points) and its recorded settings.

        Returns
        -------
        dict
        """
        out = asdict(self)
        for f in fields(self):
            if f.name in ADDED_FIELDS and out[f.name] == f.default:
                del out[f.name]
        if out.get("target_window") is not None:
            out["target_window"] = list(out["target_window"])
        if out.get("semantics") is not None:
            out["semantics"] = [list(row) for row in out["semantics"]]
        return out


#: TrainingSettings fields added in 0.2: :meth:`TrainingSettings.to_dict` leaves them out
#: at their defaults.
ADDED_FIELDS = ("target_window", "blank_targets", "semantic_structure", "n_shared",
                "n_categories", "n_trained", "semantics", "dtype")

#: Precisions of the gradient computation (:attr:`TrainingSettings.dtype`).
DTYPES = ("float64", "float32")
#: Training backends whose gradients compute in float32 as well as float64.
FLOAT32_BACKENDS = ("numba",)


def item_weights(lexicon):
    """Loss weight per trained item: compressed (log) frequency, the Zipf value floored at 1,
    normalised to sum to 1."""
    w = np.maximum(np.asarray(lexicon.zipf, dtype=float), 1.0)
    return w / w.sum()


def semantic_accuracy(network, x, patterns, envelope=None, backend="numba"):
    """Fraction of items whose every semantic unit is on the right side of 0.5 at the last tick.

    Returns
    -------
    ndarray (n_instances,)
    """
    schedule = engine.make_schedule(network.config, 1)
    _, units = engine.run(network, x, schedule, envelope=envelope, backend=backend,
                          record_units=True)
    sem = units[:, :, -1, network.arch.semantic_slice]
    correct = np.all((sem > 0.5) == (patterns[None] > 0.5), axis=2)
    return correct.mean(axis=1)


def _grad_params(network, envelope, schedule):
    """The :class:`~erpsim.engine.dynamics.Dynamics` of training (float64)."""
    return engine.Dynamics.from_network(network, envelope, schedule.n_ticks)


def _digest(*chunks):
    """SHA-256 (hex) of byte strings, in order."""
    h = hashlib.sha256()
    for chunk in chunks:
        h.update(chunk)
    return h.hexdigest()


def run_identity(network, trained, settings):
    """What makes two training runs the same run, for checkpoint reuse.

    Parameters
    ----------
    network : Network
        The instances as training starts (before pretraining).
    trained : Lexicon
        The trained items.
    settings : TrainingSettings

    Returns
    -------
    dict
        ``configuration`` (JSON), ``initial weights`` (SHA-256 of W and b: the seed and
        the instance count), ``trained items`` (SHA-256 of the items and their Zipf
        values: the lexicon, and ``n_trained``'s draw) and ``training settings`` (every
        setting but ``max_epochs``, so that a run may be resumed with more epochs:
        :meth:`TrainingSettings.to_dict`, the user's semantic patterns included).
    """
    weights = [np.ascontiguousarray(a, dtype=np.float64).tobytes() for a in (network.W, network.b)]
    items = json.dumps([[str(s) for s in trained.items], trained.zipf.tolist()]).encode()
    learning = {k: v for k, v in settings.to_dict().items() if k != "max_epochs"}
    return {"configuration": network.config.to_json(),
            "initial weights": _digest(str(network.W.shape).encode(), *weights),
            "trained items": _digest(items),
            "training settings": json.dumps(learning, sort_keys=True)}


class CheckpointMismatch(ValueError):
    """A checkpoint exists but was written by another run (see :func:`run_identity`)."""


@dataclass
class TrainingProblem:
    """What the network is trained on, derived once per run by :func:`prepare_problem`.

    Attributes
    ----------
    trained : Lexicon
        The trained items.
    x : ndarray (n_items, n_input)
        Their letter patterns.
    targets : Targets
        Their semantic patterns (n_items, n_sem), loss weights (n_items,)
        (:func:`item_weights`), the target ticks and the zero-target ticks (n_ticks,)
        (:class:`erpsim.training.targets.Targets`).
    envelope : Envelope or None
    schedule : Schedule
        One presentation.
    loss_and_grad : callable
        ``(W, b, active=None) -> (loss (n_instances,), dW, db)``, gradients with respect
        to the stored weights (through ``inh_gain``), zero for inactive instances.
    """

    trained: Lexicon
    x: np.ndarray
    targets: Targets
    envelope: object
    schedule: object
    loss_and_grad: object

    @property
    def patterns(self):
        """ndarray (n_items, n_sem): the semantic patterns."""
        return self.targets.patterns

    @property
    def weights(self):
        """ndarray (n_items,): the loss weight per item."""
        return self.targets.weights

    @property
    def targets_at(self):
        """ndarray of bool (n_ticks,): the ticks where the patterns are targets."""
        return self.targets.at


def trained_items(lexicon, settings):
    """The items to train: the lexicon's words and acronyms, or ``settings.n_trained`` of
    them drawn with ``settings.semantic_seed`` (table order kept).

    Returns
    -------
    trained : Lexicon
    rng : int or numpy.random.Generator
        What seeds the semantic patterns next: the seed itself, or the generator that
        drew the subset.

    Raises
    ------
    ValueError
        If there are no trained items, or fewer than ``n_trained``.
    """
    trained = lexicon.trained
    if len(trained) == 0:
        raise ValueError("the lexicon has no trained items (words or acronyms)")
    if settings.n_trained is None:
        return trained, settings.semantic_seed
    if settings.n_trained > len(trained):
        raise ValueError(f"n_trained={settings.n_trained} exceeds the lexicon's "
                         f"{len(trained)} trained items (words and acronyms)")
    rng = np.random.default_rng(settings.semantic_seed)
    rows = np.sort(rng.choice(len(trained), size=settings.n_trained, replace=False))
    return Lexicon(trained.table.iloc[rows], trained.coding), rng


def semantic_patterns(trained, n_sem, settings, rng):
    """The semantic patterns of the ``trained`` items (n_items, n_sem), float64.

    The user's ``settings.semantics`` if given (checked against the items and ``n_sem``),
    else built by ``settings.semantic_structure`` with ``rng``.

    Raises
    ------
    ValueError
        If the user's patterns do not have one row per trained item and one column per
        semantic unit, or the structure cannot be built with these sizes.
    """
    if settings.semantics is not None:
        patterns = np.array(settings.semantics, dtype=np.float64)
        if patterns.shape != (len(trained), n_sem):
            raise ValueError(f"semantics has shape {patterns.shape}, but training needs one "
                             f"row per trained item and one column per semantic unit: "
                             f"({len(trained)}, {n_sem})")
        return patterns
    if settings.n_active > n_sem:
        raise ValueError(f"n_active={settings.n_active} exceeds the configuration's "
                         f"n_sem={n_sem} semantic units")
    return make_semantics(settings.semantic_structure, list(trained.items), n_sem,
                          settings.n_active, n_shared=settings.n_shared,
                          n_categories=settings.n_categories, rng=rng)


def make_targets(schedule, patterns, weights, config, settings, sem_slice):
    """The :class:`Targets` of ``settings`` on ``schedule``.

    Raises
    ------
    ValueError
        If ``settings.target_window`` does not lie within the stimulus ticks.
    """
    at = target_ticks(schedule, config.n_targets, settings.target_window)
    zero_at = blank_ticks(schedule) if settings.blank_targets else np.zeros_like(at)
    return Targets(patterns, weights, at, zero_at, sem_slice)


def prepare_problem(network, lexicon, settings):
    """The :class:`TrainingProblem` of training ``network`` on ``lexicon``'s trained items.

    Raises
    ------
    TypeError
        If ``lexicon`` is not a :class:`Lexicon`.
    ValueError
        If it has no trained items (words or acronyms), or the settings do not fit the
        configuration or the lexicon (target window, semantic patterns, ``n_trained``).
    """
    if not isinstance(lexicon, Lexicon):
        raise TypeError(f"lexicon must be a Lexicon, got {type(lexicon).__name__}")
    trained, rng = trained_items(lexicon, settings)
    config, arch = network.config, network.arch
    x = get_coding(config.coding, n_slots=config.n_slots).encode(list(trained.items))
    patterns = semantic_patterns(trained, config.n_sem, settings, rng)
    envelope = config.envelope if settings.with_envelope else None
    schedule = engine.make_schedule(config, 1)
    targets = make_targets(schedule, patterns, item_weights(trained), config, settings,
                           arch.semantic_slice)
    params = _grad_params(network, envelope, schedule)
    grads = registry.get(settings.backend, trains=True).gradient_module()
    gain = arch.weight_gain(config.inh_gain) if config.inh_gain != 1.0 else None
    real = np.dtype(settings.dtype)

    def loss_and_grad(W, b, active=None):
        W_eff = W if gain is None else W * gain
        if real != W_eff.dtype:  # float32: the backend computes in the weights' dtype
            W_eff, b = W_eff.astype(real), b.astype(real)
        loss, dW, db = grads.loss_and_grad(W_eff, b, x, targets, schedule, arch.mask, params,
                                           blocks=arch.blocks, active=active)
        return loss, (dW if gain is None else dW * gain), db

    return TrainingProblem(trained, x, targets, envelope, schedule, loss_and_grad)


@dataclass
class TrainingState:
    """The optimisation state that a checkpoint holds.

    Attributes
    ----------
    opt : Adam
        Optimiser of ``[network.W, network.b]`` (which it updates in place).
    active : ndarray of bool (n_instances,)
        Instances still training (not yet at accuracy 1).
    best : dict
        Per instance: ``acc``, ``loss`` (n_instances,) and ``W``, ``b`` of the best check.
    history : list of dict
        One record per instance and check.
    start : int
        First epoch to run.
    checked_at_start : bool
        Whether the check of epoch ``start`` is already done.
    seconds : float
        Training time (s) of the earlier runs of a resumed checkpoint, up to its last
        save (0 for a fresh run, and for a checkpoint of erpsim < 0.3, which kept none).
    """

    opt: Adam
    active: np.ndarray
    best: dict
    history: list
    start: int = 0
    checked_at_start: bool = False
    seconds: float = 0.0


def initial_state(network, problem, settings, checkpoint=None, restart=False, identity=None):
    """The state training starts from: a checkpoint of the same run, else a fresh one.

    A fresh state follows the orthographic pretraining (``settings.pretrain_epochs``);
    a checkpoint's holds the network's weights and skips it.

    Raises
    ------
    CheckpointMismatch
        If ``checkpoint`` exists, ``restart`` is false and it belongs to another run.
    """
    n_inst = network.n_instances
    state = TrainingState(opt=Adam([network.W, network.b], lr=settings.lr),
                          active=np.ones(n_inst, dtype=bool),
                          best={"acc": np.full(n_inst, -1.0), "loss": np.full(n_inst, np.inf),
                                "W": network.W.copy(), "b": network.b.copy()},
                          history=[])
    if checkpoint is not None and Path(checkpoint).exists() and not restart:
        # a checkpoint holds the state before the update of its epoch: after that epoch's
        # check for a regular check, before it for the check forced at the last epoch
        state.start, state.history, state.checked_at_start, state.seconds = _load_checkpoint(
            checkpoint, network, state.opt, state.active, state.best, identity)
    elif settings.pretrain_epochs:
        pretrain_autoencoder(network, problem.x, epochs=settings.pretrain_epochs,
                             lr=settings.pretrain_lr)
    return state


def check(network, problem, state, settings, epoch):
    """The accuracy check of ``epoch``: records it, tracks the best weights, rolls back
    collapsed instances and retires converged ones (``state`` is updated in place).

    Returns
    -------
    grad : tuple or None
        ``(loss, dW, db)`` for every instance at the current weights, reusable for this
        epoch's update; None if a roll-back changed the weights.
    loss : ndarray (n_instances,)
        Loss per instance at the check.
    acc : ndarray (n_instances,)
        Fraction of trained items correct per instance.
    """
    W, b, best = network.W, network.b, state.best
    acc = semantic_accuracy(network, problem.x, problem.patterns, problem.envelope,
                            backend=settings.backend)
    grad = problem.loss_and_grad(W, b)          # every instance: the check records all
    loss = grad[0]
    improved = (acc > best["acc"]) | ((acc == best["acc"]) & (loss < best["loss"]))
    best["acc"][improved], best["loss"][improved] = acc[improved], loss[improved]
    best["W"][improved], best["b"][improved] = W[improved], b[improved]
    state.history += [{"instance": i, "epoch": epoch, "loss": float(loss[i]),
                       "accuracy": float(acc[i]), "lr": float(state.opt.lr[i])}
                      for i in range(network.n_instances)]
    if settings.rollback is not None:
        collapsed = state.active & (loss > settings.rollback * best["loss"])
        if collapsed.any():
            roll_back(collapsed, W, b, best, state.opt)
            grad = None                         # the weights changed
    state.active &= acc < 1.0
    return grad, loss, acc


def update(network, problem, state, settings, grad=None):
    """One Adam step of the active instances (``grad``: this epoch's, if known)."""
    # an instance's gradient does not depend on the others: the check's serves the
    # instances still active, and converged ones are not computed
    _, dW, db = grad if grad is not None else problem.loss_and_grad(network.W, network.b,
                                                                    state.active)
    if settings.grad_clip is not None:
        norm = np.sqrt((dW ** 2).sum(axis=(1, 2)) + (db ** 2).sum(axis=1))
        scale = np.minimum(1.0, settings.grad_clip / np.maximum(norm, 1e-300))
        dW *= scale[:, None, None]
        db *= scale[:, None]
    # the sign projection in Adam's pass over the weights when the optimiser holds the
    # network's own weight array
    fused = state.opt.params[0] is network.W
    state.opt.step([dW, db], state.active, arch=network.arch if fused else None)
    if not fused:
        project_signs(network.W, network.arch)


def finish(network, problem, state, settings, seconds=None):
    """Give each instance its best weights and record the run in ``network.meta``
    (``seconds``: its training time, recorded as ``training_seconds`` if given)."""
    network.W[...] = state.best["W"]
    network.b[...] = state.best["b"]
    history = state.history
    network.meta.update(
        trained_items=[str(s) for s in problem.trained.items],
        semantics=[np.flatnonzero(p).tolist() for p in problem.patterns],
        training=settings.to_dict(), accuracy=state.best["acc"].tolist(),
        final_loss=state.best["loss"].tolist(),
        epochs=int(max(h["epoch"] for h in history)) if history else 0)
    if seconds is not None:
        network.meta["training_seconds"] = float(seconds)
    network.validate()
    return network, pd.DataFrame(history)


def train(network, lexicon, settings=None, *, checkpoint=None, restart=False, progress=True):
    """Train every instance of ``network`` on the trained items of ``lexicon``.

    Parameters
    ----------
    network : Network
        Initialised instances (:meth:`Network.initialize`); trained in place and returned.
    lexicon : Lexicon
        Its words and acronyms are the trained items.
    settings : TrainingSettings or None
    checkpoint : path or None
        Saved every ``check_every`` epochs and at the last epoch (atomically). If it
        exists and belongs to this run (same configuration, initial weights, trained
        items and settings but ``max_epochs``: :func:`run_identity`), training resumes
        from it; a run resumed with a larger ``max_epochs`` follows the same path as one
        run with that limit from the start.
    restart : bool
        Ignore (and overwrite) an existing ``checkpoint`` instead of resuming it.
    progress : bool
        Show a tqdm progress bar with the loss and accuracy.

    Returns
    -------
    network : Network
        Each instance holds its best weights (highest accuracy, then lowest loss, over
        the checks); ``meta`` records the semantics, settings, history, the training
        time ``training_seconds`` (pretraining included; a resumed run adds the time of
        its earlier runs up to the checkpoint it resumed) and ``accuracy``
        (one value per instance; 1.0 means converged: it may be lower, check it).
    history : pandas.DataFrame
        One row per instance and check: epoch, loss, accuracy.

    Raises
    ------
    CheckpointMismatch
        If ``checkpoint`` belongs to another run and ``restart`` is false (nothing is
        trained or overwritten).
    """
    started = time.perf_counter()

    def seconds():                  # training time, earlier runs of a checkpoint included
        return state.seconds + time.perf_counter() - started

    settings = settings or TrainingSettings()
    problem = prepare_problem(network, lexicon, settings)
    identity = run_identity(network, problem.trained, settings)
    state = initial_state(network, problem, settings, checkpoint, restart, identity)
    n_inst, last = network.n_instances, settings.max_epochs - 1
    bar = tqdm(range(state.start, settings.max_epochs), disable=not progress, desc="training",
               initial=state.start, total=settings.max_epochs)
    for epoch in bar:
        regular = epoch % settings.check_every == 0
        grad = None         # this epoch's gradient, when the check has computed it
        if (regular or epoch == last) and not (state.checked_at_start and epoch == state.start):
            if checkpoint is not None and not regular:
                # saved before the check: a run resumed with more epochs then follows the
                # same path as one that was never stopped (it has no check here)
                _save_checkpoint(checkpoint, network, state, epoch, identity, seconds(),
                                 checked=False)
            grad, loss, acc = check(network, problem, state, settings, epoch)
            bar.set_postfix(loss=f"{loss.mean():.3f}", acc=f"{acc.mean():.3f}",
                            done=f"{n_inst - state.active.sum()}/{n_inst}")
            if checkpoint is not None and regular:
                _save_checkpoint(checkpoint, network, state, epoch, identity, seconds())
        if not state.active.any():
            break
        update(network, problem, state, settings, grad)
    bar.close()
    return finish(network, problem, state, settings, seconds=seconds())


def roll_back(collapsed, W, b, best, opt):
    """Return the ``collapsed`` instances (boolean mask) to their best weights, restart
    their Adam moments and halve their learning rates (in place)."""
    W[collapsed] = best["W"][collapsed]
    b[collapsed] = best["b"][collapsed]
    opt.restart(collapsed)
    opt.lr[collapsed] *= 0.5


def semantics_of(network):
    """The trained items and their semantic patterns stored by :func:`train`.

    Returns
    -------
    items : list of str;  patterns : ndarray (n_items, n_sem)
    """
    if "semantics" not in network.meta:
        raise ValueError("this network carries no semantics (it was not trained with erpsim.train)")
    items = network.meta["trained_items"]
    patterns = np.zeros((len(items), network.config.n_sem))
    for row, active in zip(patterns, network.meta["semantics"]):
        row[active] = 1.0
    return items, patterns


def _save_checkpoint(path, network, state, epoch, identity, seconds, checked=True):
    """Write the training state before the update of ``epoch`` to ``path`` (atomically),
    with the run's training time so far (``seconds``)."""
    opt, best = state.opt, state.best
    saved = opt.state()
    arrays = dict(W=network.W, b=network.b, m_W=saved["m"][0], m_b=saved["m"][1],
                  v_W=saved["v"][0], v_b=saved["v"][1], t=saved["t"], lr=saved["lr"],
                  active=state.active, best_acc=best["acc"], best_loss=best["loss"],
                  best_W=best["W"], best_b=best["b"], epoch=np.array(epoch),
                  checked=np.array(checked), seconds=np.array(float(seconds)),
                  history=_json_bytes(state.history),
                  config=_json_bytes(None, network.config.to_json()),
                  identity=_json_bytes(identity))
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    atomic_write_bytes(Path(path), buffer.getvalue())


def _json_bytes(value, text=None):
    """``value`` as JSON (or ``text`` as is), as a uint8 array for ``np.savez``."""
    text = json.dumps(value) if text is None else text
    return np.frombuffer(text.encode(), dtype=np.uint8)


def _identity_mismatch(path, data, network, identity):
    """Why the checkpoint ``data`` cannot resume this run, or None if it can."""
    if bytes(data["config"]).decode() != network.config.to_json():
        differ = ["configuration"]
    elif data["W"].shape != network.W.shape:
        differ = [f"instance count ({data['W'].shape[0]}, this run {network.n_instances})"]
    elif "identity" not in data.files:
        return (f"checkpoint {path} has no run identity (written by an older erpsim), so "
                "it cannot be matched to this run")
    else:
        saved = json.loads(bytes(data["identity"]).decode())
        differ = [key for key in identity if saved.get(key) != identity[key]]
        if not differ:
            return None
    differ = [{"configuration": "another configuration",
               "initial weights": "other initial weights (seed)",
               "trained items": "other trained items (lexicon)",
               "training settings": "other training settings"}.get(d, d) for d in differ]
    return f"checkpoint {path} was written by another run ({'; '.join(differ)})"


def _load_checkpoint(path, network, opt, active, best, identity=None):
    with np.load(path, allow_pickle=False) as data:
        problem = _identity_mismatch(path, data, network, identity) if identity else None
        if problem is None and bytes(data["config"]).decode() != network.config.to_json():
            problem = f"checkpoint {path} was written for another configuration"
        if problem:
            raise CheckpointMismatch(f"{problem}; resume it with the same settings, or "
                                     "start over with restart=True (erpsim train --restart) "
                                     "or another output path")
        network.W[...] = data["W"]
        network.b[...] = data["b"]
        opt.load_state({"m": [data["m_W"], data["m_b"]], "v": [data["v_W"], data["v_b"]],
                        "t": data["t"], "lr": data["lr"]})
        active[...] = data["active"]
        best["acc"][...] = data["best_acc"]
        best["loss"][...] = data["best_loss"]
        best["W"][...] = data["best_W"]
        best["b"][...] = data["best_b"]
        checked = bool(data["checked"]) if "checked" in data.files else True
        seconds = float(data["seconds"]) if "seconds" in data.files else 0.0
        return (int(data["epoch"]), json.loads(bytes(data["history"]).decode()), checked,
                seconds)
