"""The backends, as objects: the one list behind dispatch, the CLI and ``erpsim info``.

Every backend is a :class:`Backend`: a name, the module that simulates (and, if it
trains, the module of its gradients) and the optional extra it needs. The simulation
modules expose the same function with the same signature::

    simulate(W, b, x, stim, reset, dynamics, *, group_index, n_groups, record_units,
             blocks, record_groups=None)

and the gradient modules::

    loss_and_grad(W, b, x, targets, schedule, mask, dynamics, *, blocks, active=None)

(``targets``: :class:`erpsim.training.targets.Targets`; ``schedule``: the ``Schedule``.)

Adding a backend is adding one entry to :data:`BACKENDS`.
"""
import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Backend:
    """One implementation of the model's dynamics.

    Attributes
    ----------
    name : str
        The name users pass (``backend="numba"``).
    module : str
        Import path of its simulation module (defines ``simulate``).
    gradients : str or None
        Import path of its gradient module (defines ``loss_and_grad``); None if it
        does not train.
    description : str
        One line for ``erpsim info`` and help texts.
    needs : str or None
        What it needs beyond the base install, for error messages (e.g. the hardware
        and the pip extra).
    """

    name: str
    module: str
    gradients: str | None = None
    description: str = ""
    needs: str | None = None

    @property
    def trains(self):
        """Whether this backend computes training gradients."""
        return self.gradients is not None

    def status(self):
        """``(available, reason)``; never raises.

        ``reason`` says what is there (e.g. the GPU's name) or why it is not usable.
        """
        try:
            module = importlib.import_module(self.module)
        except Exception as err:  # not installed, or broken
            return False, self._hint(f"{self.module} cannot be imported ({type(err).__name__}: {err})")
        probe = getattr(module, "status", None)
        if probe is None:
            return True, self.description
        try:
            available, reason = probe()
        except Exception as err:  # a broken optional component must not break the listing
            return False, self._hint(f"its status check failed ({type(err).__name__}: {err})")
        return bool(available), str(reason) if available else self._hint(str(reason))

    def _hint(self, reason):
        return reason if self.needs is None else f"{reason}; it needs {self.needs}"

    def check(self):
        """Raise ``RuntimeError`` unless this backend can run here.

        The message is one sentence: that the backend cannot run on this machine, why,
        and what it needs (for ``cuda``: a GPU and the ``gpu`` extra).
        """
        available, reason = self.status()
        if not available:
            raise RuntimeError(f"the {self.name!r} backend cannot run on this machine: {reason}")

    def simulator(self):
        """The simulation module, after :meth:`check`."""
        self.check()
        return importlib.import_module(self.module)

    def gradient_module(self):
        """The module of the training gradients.

        Raises
        ------
        ValueError
            If this backend does not train (naming those that do).
        """
        if not self.trains:
            raise ValueError(f"the {self.name!r} backend does not train; choose from "
                             f"{names(trains=True)}")
        return importlib.import_module(self.gradients)


#: Every backend, in the order of the CLI's choices (the default first).
BACKENDS = (
    Backend("numba", "erpsim.engine.cpu", "erpsim.training.cpu",
            "CPU, parallel over instances and tiles of items (default)"),
    Backend("numpy", "erpsim.engine.reference", "erpsim.training.reference",
            "pure NumPy reference (the oracle; slow)"),
    Backend("cuda", "erpsim.engine.gpu", None,
            "NVIDIA GPU through numba's CUDA target (simulation only)",
            needs="an NVIDIA GPU with its driver and the 'gpu' extra "
                  "(pip install 'erpsim[gpu]')"),
)


def names(trains=None):
    """Names of the registered backends (``trains=True``: those that train).

    Returns
    -------
    tuple of str
    """
    return tuple(b.name for b in BACKENDS if trains is None or b.trains == trains)


def get(name, *, trains=False):
    """The :class:`Backend` called ``name``.

    Parameters
    ----------
    name : str
    trains : bool
        Require a backend that computes training gradients.

    Raises
    ------
    ValueError
        For an unknown name (or one that does not train when ``trains``), listing the
        choices.
    """
    for backend in BACKENDS:
        if backend.name == name:
            if trains and not backend.trains:
                break
            return backend
    kind = "training backend" if trains else "backend"
    raise ValueError(f"unknown {kind} {name!r}; choose from {names(trains=True if trains else None)}")


def status():
    """``{name: (available, reason)}`` of every backend; never raises."""
    return {b.name: b.status() for b in BACKENDS}
