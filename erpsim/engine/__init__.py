"""Simulation backends behind one interface.

``run(network, x, schedule, ...)`` dispatches to the simulation module of a backend of
:mod:`erpsim.engine.registry` (``"numba"``: CPU, parallel; ``"numpy"``: the reference;
``"cuda"``: numba's CUDA target, optional), each providing
``simulate(W, b, x, stim, reset, dynamics, ...)``. The update they compute is
:mod:`erpsim.engine.equations` (compiled backends) and :mod:`erpsim.engine.reference`
(the independent oracle); its parameters travel as one
:class:`~erpsim.engine.dynamics.Dynamics`.
"""
import weakref

import numpy as np

from erpsim.engine import registry
from erpsim.engine.dynamics import CONFIG, Dynamics, resolve_envelope
from erpsim.engine.schedule import Schedule, make_schedule
from erpsim.utils.deprecation import warn_moved


def get_backend(name):
    """The simulation module of the backend called ``name``, checked to run here.

    Raises
    ------
    ValueError
        For an unknown name (listing the choices).
    RuntimeError
        For a backend that cannot run on this machine (e.g. ``cuda`` without a GPU).
    """
    return registry.get(name).simulator()


def run(network, x, schedule, *, envelope=None, backend="numba", record_units=False,
        dtype=None, groups=None):
    """Simulate every instance of ``network`` on the letter patterns ``x``.

    Parameters
    ----------
    network : Network
    x : ndarray (n_items, n_input)
        Letter bits (0/1) from the network's letter coding.
    schedule : Schedule
    envelope : Envelope, None or "config"
        The alpha envelope to apply: None (default) the ERP model, ``"config"`` the
        network's configured one (see :func:`resolve_envelope`).
    backend : str
        A name of :func:`erpsim.engine.registry.names` (``"numba"``, ``"numpy"``,
        ``"cuda"``).
    record_units : bool
        Also return every unit's output at every tick.
    dtype : {"float64", "float32"} or None
        Default: ``network.config.dtype``.
    groups : sequence of str or None
        The unit groups whose means are recorded, in this order (default: all of
        ``network.arch.groups``). ``("S",)`` keeps only what the sERP needs: an eighth
        of the memory and, on a GPU, of the copy back to the host.

    Returns
    -------
    means : ndarray (n_instances, n_items, n_ticks, n_groups)
        Mean output of each recorded unit group per tick.
    units : ndarray (n_instances, n_items, n_ticks, n_units) or None
    """
    module = get_backend(backend)
    _check_network(network)
    config, arch = network.config, network.arch
    dtype = np.dtype(dtype or config.dtype)
    if dtype not in (np.float64, np.float32):
        raise ValueError(f"dtype must be float64 or float32, got {dtype}")
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[0] == 0:
        raise ValueError(f"letter patterns must be a non-empty (n_items, n_input) array, got shape {x.shape}")
    if x.shape[1] != arch.sizes["O"]:
        raise ValueError(f"letter patterns have {x.shape[1]} units; the network's input layer has {arch.sizes['O']}")
    if not np.all(np.isfinite(x)):
        raise ValueError("letter patterns contain NaN or infinite values")
    dynamics = Dynamics.from_network(network, envelope, schedule.n_ticks, dtype)
    return module.simulate(network.effective_weights().astype(dtype, copy=False),
                           network.b.astype(dtype, copy=False), x.astype(dtype, copy=False),
                           schedule.stim, schedule.reset, dynamics,
                           group_index=arch.group_index, n_groups=len(arch.groups),
                           record_units=record_units, blocks=arch.blocks,
                           record_groups=group_indices(arch, groups))


#: Architecture -> (low, high) weight bounds, see :func:`_weight_bounds`.
_BOUNDS = weakref.WeakKeyDictionary()


def _weight_bounds(arch):
    """The interval every weight must lie in, as two (n_units, n_units) arrays.

    Absent projections: [0, 0]; excitatory: [0, max]; inhibitory: [-max, 0]; free sign
    (the PDP ablation): [-max, max], with max the largest finite float64, so that one
    comparison also refuses NaN and infinities. Built once per architecture.
    """
    if arch not in _BOUNDS:
        big = np.finfo(np.float64).max
        low = np.where(arch.mask & (arch.sign <= 0), -big, 0.0)
        high = np.where(arch.mask & (arch.sign >= 0), big, 0.0)
        _BOUNDS[arch] = (low, high)
    return _BOUNDS[arch]


def _check_network(network):
    """:meth:`Network.validate <erpsim.model.network.Network.validate>`, in one pass
    over the weights when they are valid (the usual case of every simulation).

    Shapes, seeds and every weight against its bounds (:func:`_weight_bounds`) are
    checked at once; only when that finds a problem does ``network.validate()`` run, to
    raise its message naming it.

    Raises
    ------
    ValueError
        As :meth:`~erpsim.model.network.Network.validate`.
    """
    W, b, n = network.W, network.b, network.arch.n_units
    ok = (W.ndim == 3 and W.shape[1:] == (n, n) and b.shape == (W.shape[0], n)
          and (network.seeds is None or len(network.seeds) == W.shape[0]))
    if ok:
        low, high = _weight_bounds(network.arch)
        ok = (bool(np.all(W >= low)) and bool(np.all(W <= high))
              and bool(np.all(np.isfinite(b))))
    if not ok:
        network.validate()
        raise ValueError("the network's weights are outside their allowed ranges")


def dynamics_params(network, envelope, n_ticks, dtype=np.float64):
    """Deprecated: the fields of :meth:`Dynamics.from_network` as a dict."""
    warn_moved("erpsim.engine.dynamics_params", "erpsim.engine.Dynamics.from_network")
    return Dynamics.from_network(network, envelope, n_ticks, dtype).as_dict()


def __getattr__(name):
    if name == "BACKENDS":
        warn_moved("erpsim.engine.BACKENDS", "erpsim.engine.registry.BACKENDS (Backend objects)")
        return {b.name: b.module for b in registry.BACKENDS}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def group_indices(arch, groups):
    """Indices in ``arch.groups`` of the named groups (all of them for None)."""
    if groups is None:
        return np.arange(len(arch.groups))
    groups = [groups] if isinstance(groups, str) else list(groups)
    unknown = [g for g in groups if g not in arch.groups]
    if unknown or not groups or len(set(groups)) != len(groups):
        raise ValueError(f"groups must be distinct names among {arch.groups}, got {groups}")
    return np.array([arch.groups.index(g) for g in groups])


__all__ = ["CONFIG", "Dynamics", "group_indices", "registry", "resolve_envelope", "Schedule",
           "get_backend", "make_schedule", "run"]
