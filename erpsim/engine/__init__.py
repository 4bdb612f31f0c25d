"""Simulation backends behind one interface.

``run(network, x, schedule, ...)`` dispatches to a backend module that provides
``simulate(W, b, x, stim, reset, **params)``: ``"numpy"`` (the reference),
``"numba"`` (CPU, parallel) and ``"cuda"`` (numba's CUDA target, optional).
"""
import importlib

import numpy as np

from erpsim.engine.schedule import Schedule, make_schedule

BACKENDS = {"numpy": "erpsim.engine.reference", "numba": "erpsim.engine.cpu",
            "cuda": "erpsim.engine.gpu"}


def get_backend(name):
    """Import and return the backend module called ``name``."""
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}; choose from {tuple(BACKENDS)}")
    module = importlib.import_module(BACKENDS[name])
    check = getattr(module, "check_available", None)
    if check is not None:
        check()
    return module


def run(network, x, schedule, *, envelope=None, backend="numba", record_units=False,
        dtype=None, groups=None):
    """Simulate every instance of ``network`` on the letter patterns ``x``.

    Parameters
    ----------
    network : Network
    x : ndarray (n_items, n_input)
        Letter bits (0/1) from the network's letter coding.
    schedule : Schedule
    envelope : Envelope or None
        The alpha envelope to apply (None: the ERP model).
    backend : {"numpy", "numba", "cuda"}
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
    network.validate()
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
    params = dict(
        dynamics_params(network, envelope, schedule.n_ticks, dtype),
        group_index=arch.group_index, n_groups=len(arch.groups), record_units=record_units,
        record_groups=group_indices(arch, groups))
    if backend != "numpy":
        params["blocks"] = arch.blocks
    return module.simulate(network.effective_weights().astype(dtype, copy=False),
                           network.b.astype(dtype, copy=False), x.astype(dtype, copy=False),
                           schedule.stim, schedule.reset, **params)


def dynamics_params(network, envelope, n_ticks, dtype=np.float64):
    """The keyword arguments of the dynamics shared by every backend and by training
    (:func:`erpsim.engine.reference.run_ticks`), for a run of ``n_ticks`` ticks."""
    config, arch = network.config, network.arch
    if envelope is None:
        env_table, theta, clock_start, recovery = np.zeros(1), 0.0, 0, 0
    else:
        # the largest clock value a run can reach is n_ticks - 1 + clock_start
        env_table = envelope.table(n_ticks + 1 + envelope.clock_start)
        theta, clock_start, recovery = envelope.theta, envelope.clock_start, envelope.recovery or 0
    return dict(dt=config.dt, gain=config.gain, init_net=config.init_net,
                hard_clamp=config.clamp == "hard", input_slice=arch.input_slice,
                env_mask=arch.envelope_mask(envelope), env_table=env_table.astype(dtype),
                theta=theta, clock_start=clock_start, recovery=recovery)


def group_indices(arch, groups):
    """Indices in ``arch.groups`` of the named groups (all of them for None)."""
    if groups is None:
        return np.arange(len(arch.groups))
    groups = [groups] if isinstance(groups, str) else list(groups)
    unknown = [g for g in groups if g not in arch.groups]
    if unknown or not groups or len(set(groups)) != len(groups):
        raise ValueError(f"groups must be distinct names among {arch.groups}, got {groups}")
    return np.array([arch.groups.index(g) for g in groups])


__all__ = ["BACKENDS", "dynamics_params", "group_indices", "Schedule", "get_backend", "make_schedule", "run"]
