"""Training the ERP model: pretraining, then full-batch BPTT with Adam (spec section 4)."""
import io
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from erpsim import engine
from erpsim.engine import registry
from erpsim.utils.atomic import atomic_write_bytes
from erpsim.utils.deprecation import warn_moved
from erpsim.model.coding import get_coding
from erpsim.model.lexicon import Lexicon, random_semantics
from erpsim.model.network import project_signs
from erpsim.training.autoencoder import pretrain_autoencoder
from erpsim.training.optim import Adam


def __getattr__(name):
    if name == "GRADIENTS":
        warn_moved("erpsim.training.trainer.GRADIENTS",
                   "erpsim.engine.registry (Backend.gradients)")
        return {b.name: b.gradients for b in registry.BACKENDS if b.trains}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class TrainingSettings:
    """Learning settings (defaults documented in docs/model.md).

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
        Active features per semantic pattern.
    semantic_seed : int
        Seed of the semantic patterns (shared by all instances).
    rollback : float or None
        At a check, an instance whose loss exceeds ``rollback`` times its best loss so
        far has collapsed: it returns to its best weights, its Adam moments restart and
        its learning rate halves. None disables this.
    with_envelope : bool
        Train with the configuration's alpha envelope on.
    backend : str
        Gradient implementation: a training backend of
        :func:`erpsim.engine.registry.names` (``names(trains=True)``).
    """

    max_epochs: int = 6000
    lr: float = 0.03
    grad_clip: float | None = None
    pretrain_epochs: int = 300
    pretrain_lr: float = 0.03
    check_every: int = 20
    rollback: float | None = 2.0
    n_active: int = 5
    semantic_seed: int = 2012
    with_envelope: bool = False
    backend: str = "numba"

    def __post_init__(self):
        registry.get(self.backend, trains=True)  # ValueError naming the choices
        for name in ("max_epochs", "check_every", "n_active"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ValueError(f"{name} must be a positive integer, got {getattr(self, name)!r}")
        if not isinstance(self.pretrain_epochs, int) or self.pretrain_epochs < 0:
            raise ValueError(f"pretrain_epochs must be an integer >= 0, got {self.pretrain_epochs!r}")
        if not (self.lr > 0 and self.pretrain_lr > 0):
            raise ValueError("learning rates must be positive")
        if self.rollback is not None and not self.rollback > 1:
            raise ValueError(f"rollback must be > 1 or None, got {self.rollback!r}")
        if self.grad_clip is not None and not self.grad_clip > 0:
            raise ValueError(f"grad_clip must be positive or None, got {self.grad_clip!r}")


def item_weights(lexicon):
    """Loss weight per trained item: compressed (log) frequency, the Zipf value floored at 1,
    normalised to sum to 1."""
    w = np.maximum(np.asarray(lexicon.zipf, dtype=float), 1.0)
    return w / w.sum()


def target_ticks(schedule, n_targets):
    """Boolean (n_ticks,) marking the last ``n_targets`` stimulus ticks of every presentation."""
    at = np.zeros(schedule.n_ticks, dtype=bool)
    stim = schedule.stim
    ends = [t for t in range(len(stim)) if stim[t] and (t + 1 == len(stim) or not stim[t + 1])]
    for end in ends:
        at[end - n_targets + 1:end + 1] = True
    return at


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


def train(network, lexicon, settings=None, *, checkpoint=None, progress=True):
    """Train every instance of ``network`` on the trained items of ``lexicon``.

    Parameters
    ----------
    network : Network
        Initialised instances (:meth:`Network.initialize`); trained in place and returned.
    lexicon : Lexicon
        Its words and acronyms are the trained items.
    settings : TrainingSettings or None
    checkpoint : path or None
        Saved every ``check_every`` epochs and at the last epoch (atomically); if it
        exists, training resumes from it. A run resumed with a larger ``max_epochs``
        follows the same path as one run with that limit from the start.
    progress : bool
        Show a tqdm progress bar with the loss and accuracy.

    Returns
    -------
    network : Network
        Each instance holds its best weights (highest accuracy, then lowest loss, over
        the checks); ``meta`` records the semantics, settings and history.
    history : pandas.DataFrame
        One row per instance and check: epoch, loss, accuracy.
    """
    from tqdm.auto import tqdm

    settings = settings or TrainingSettings()
    if not isinstance(lexicon, Lexicon):
        raise TypeError(f"lexicon must be a Lexicon, got {type(lexicon).__name__}")
    trained = lexicon.trained
    if len(trained) == 0:
        raise ValueError("the lexicon has no trained items (words or acronyms)")
    config, arch = network.config, network.arch
    coding = get_coding(config.coding, n_slots=config.n_slots)
    x = coding.encode(list(trained.items))
    patterns = random_semantics(len(trained), config.n_sem, settings.n_active,
                                rng=settings.semantic_seed)
    weights = item_weights(trained)
    envelope = config.envelope if settings.with_envelope else None
    schedule = engine.make_schedule(config, 1)
    targets_at = target_ticks(schedule, config.n_targets)
    params = _grad_params(network, envelope, schedule)
    grads = registry.get(settings.backend, trains=True).gradient_module()

    gain = arch.weight_gain(config.inh_gain) if config.inh_gain != 1.0 else None

    def loss_and_grad(W, b, active=None):
        """Loss and gradient with respect to the stored weights (through ``inh_gain``),
        computed for the ``active`` instances only (zero elsewhere; default all)."""
        W_eff = W if gain is None else W * gain
        loss, dW, db = grads.loss_and_grad(W_eff, b, x, patterns, weights, schedule.stim,
                                           schedule.reset, targets_at, arch.semantic_slice,
                                           arch.mask, params, blocks=arch.blocks,
                                           active=active)
        return loss, (dW if gain is None else dW * gain), db

    n_inst = network.n_instances
    W, b = network.W, network.b
    opt = Adam([W, b], lr=settings.lr)
    active = np.ones(n_inst, dtype=bool)
    best = {"acc": np.full(n_inst, -1.0), "loss": np.full(n_inst, np.inf),
            "W": W.copy(), "b": b.copy()}
    history, start, checked_at_start = [], 0, False
    if checkpoint is not None and Path(checkpoint).exists():
        # a checkpoint holds the state before the update of its epoch: after that epoch's
        # check for a regular check, before it for the check forced at the last epoch
        start, history, checked_at_start = _load_checkpoint(checkpoint, network, opt, active,
                                                            best)
    elif settings.pretrain_epochs:
        pretrain_autoencoder(network, x, epochs=settings.pretrain_epochs, lr=settings.pretrain_lr)

    bar = tqdm(range(start, settings.max_epochs), disable=not progress, desc="training",
               initial=start, total=settings.max_epochs)
    for epoch in bar:
        regular = epoch % settings.check_every == 0
        due = regular or epoch == settings.max_epochs - 1
        grad = None         # this epoch's gradient, when the check has computed it
        if due and not (checked_at_start and epoch == start):
            if checkpoint is not None and not regular:
                # saved before the check: a run resumed with more epochs then follows the
                # same path as one that was never stopped (it has no check here)
                _save_checkpoint(checkpoint, network, opt, active, best, epoch, history,
                                 checked=False)
            acc = semantic_accuracy(network, x, patterns, envelope, backend=settings.backend)
            grad = loss_and_grad(W, b)          # every instance: the check records all
            loss = grad[0]
            improved = (acc > best["acc"]) | ((acc == best["acc"]) & (loss < best["loss"]))
            best["acc"][improved], best["loss"][improved] = acc[improved], loss[improved]
            best["W"][improved], best["b"][improved] = W[improved], b[improved]
            history += [{"instance": i, "epoch": epoch, "loss": float(loss[i]),
                         "accuracy": float(acc[i]), "lr": float(opt.lr[i])} for i in range(n_inst)]
            if settings.rollback is not None:
                collapsed = active & (loss > settings.rollback * best["loss"])
                if collapsed.any():
                    roll_back(collapsed, W, b, best, opt)
                    grad = None                 # the weights changed
            active &= acc < 1.0
            bar.set_postfix(loss=f"{loss.mean():.3f}", acc=f"{acc.mean():.3f}",
                            done=f"{n_inst - active.sum()}/{n_inst}")
            if checkpoint is not None and regular:
                _save_checkpoint(checkpoint, network, opt, active, best, epoch, history)
        if not active.any():
            break
        # an instance's gradient does not depend on the others: the check's serves the
        # instances still active, and converged ones are not computed
        _, dW, db = grad if grad is not None else loss_and_grad(W, b, active)
        if settings.grad_clip is not None:
            norm = np.sqrt((dW ** 2).sum(axis=(1, 2)) + (db ** 2).sum(axis=1))
            scale = np.minimum(1.0, settings.grad_clip / np.maximum(norm, 1e-300))
            dW *= scale[:, None, None]
            db *= scale[:, None]
        opt.step([dW, db], active)
        project_signs(W, arch)
    bar.close()
    W[...] = best["W"]
    b[...] = best["b"]
    network.meta.update(
        trained_items=[str(s) for s in trained.items],
        semantics=[np.flatnonzero(p).tolist() for p in patterns],
        training=asdict(settings), accuracy=best["acc"].tolist(), final_loss=best["loss"].tolist(),
        epochs=int(max(h["epoch"] for h in history)) if history else 0)
    network.validate()
    return network, pd.DataFrame(history)


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


def _save_checkpoint(path, network, opt, active, best, epoch, history, checked=True):
    state = opt.state()
    arrays = dict(W=network.W, b=network.b, m_W=state["m"][0], m_b=state["m"][1],
                  v_W=state["v"][0], v_b=state["v"][1], t=state["t"], lr=state["lr"], active=active,
                  best_acc=best["acc"], best_loss=best["loss"], best_W=best["W"],
                  best_b=best["b"], epoch=np.array(epoch), checked=np.array(checked),
                  history=np.frombuffer(json.dumps(history).encode(), dtype=np.uint8),
                  config=np.frombuffer(network.config.to_json().encode(), dtype=np.uint8))
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    atomic_write_bytes(Path(path), buffer.getvalue())


def _load_checkpoint(path, network, opt, active, best):
    with np.load(path, allow_pickle=False) as data:
        if bytes(data["config"]).decode() != network.config.to_json():
            raise ValueError(f"checkpoint {path} was written for another configuration")
        if data["W"].shape != network.W.shape:
            raise ValueError(f"checkpoint {path} holds {data['W'].shape[0]} instances, "
                             f"the network {network.n_instances}")
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
        return int(data["epoch"]), json.loads(bytes(data["history"]).decode()), checked
