"""Pure-NumPy reference of the simulation: the oracle the other backends must match.

This module is deliberately independent of :mod:`erpsim.engine.equations`, the scalar
update that the compiled backends (numba CPU and CUDA) share: it is a separate,
array-form transcription of the equations in docs/model.md, so that an error in the shared equations shows
up as a disagreement with it instead of being copied into the oracle.

Spec section 3: every tick all units compute their net input from the previous tick's
outputs, then all update together:

    net_t = (1 - dt) net_{t-1} + dt (W y_{t-1} + b + ext_t),   y_t = σ(net_t)

and, with the alpha envelope (section 5), y_t = min(σ(net_t), E(clock)) for the units
whose clock runs.
"""
import numpy as np


def sigmoid(x):
    """σ(x) = 1 / (1 + exp(-x)), elementwise (array in, array out, dtype kept)."""
    return 1.0 / (1.0 + np.exp(-x))


def envelope_step(s, clock, below, run_below, env_mask, env_table, theta, clock_start,
                  recovery):
    """Advance the alpha clocks by one tick and return the capped outputs.

    Parameters
    ----------
    s : ndarray (..., n_units)
        Uncapped outputs σ(net) of this tick.
    clock : ndarray of int (..., n_units)
        Ticks since each unit's crossing of θ (-1: not running); updated in place.
    below : ndarray of bool (..., n_units)
        Whether σ(net) was below θ on the previous tick; updated in place.
    run_below : ndarray of int (..., n_units)
        Consecutive ticks below θ while the clock runs (recovery); updated in place.

    Returns
    -------
    y : ndarray (..., n_units)
        ``min(s, E(clock))`` where the clock runs, ``s`` elsewhere.
    """
    running = clock >= 0
    starts = env_mask & ~running & below & (s >= theta)
    clock[running] += 1
    clock[starts] = clock_start
    if recovery > 0:
        now_below = s < theta
        run_below[:] = np.where(running & now_below, run_below + 1, 0)
        stop = running & (run_below >= recovery)
        clock[stop] = -1
        run_below[stop] = 0
    below[:] = s < theta
    capped = clock >= 0
    cap = env_table[np.minimum(np.maximum(clock, 0), len(env_table) - 1)]
    return np.where(capped, np.minimum(s, cap), s)


def run_ticks(W, b, x, stim, reset, dynamics):
    """Run every instance on every item, yielding each tick's state.

    Parameters
    ----------
    W : ndarray (n_instances, n_units, n_units)
    b : ndarray (n_instances, n_units)
    x : ndarray (n_items, n_input)
        Letter bits (0/1).
    stim, reset : ndarray of bool (n_ticks,)
    dynamics : Dynamics
        The parameters of the update (:class:`erpsim.engine.dynamics.Dynamics`).

    Yields
    ------
    prev, s, y : ndarray (n_instances, n_items, n_units)
        The outputs the tick's net input was computed from, the uncapped outputs σ(net)
        and the tick's outputs. The arrays are not modified afterwards.
    """
    d = dynamics
    dt, init_net, theta, input_slice = d.dt, d.init_net, d.theta, d.input_slice
    dtype = W.dtype
    shape = (b.shape[0], x.shape[0], b.shape[1])
    net = np.full(shape, init_net, dtype=dtype)
    y_init = sigmoid(net)
    y = y_init
    clock = np.full(shape, -1, dtype=np.int64)
    below = y_init < theta
    run_below = np.zeros(shape, dtype=np.int64)
    drive = (d.gain * (2.0 * x - 1.0)).astype(dtype)
    W_T = np.swapaxes(W, 1, 2)
    use_envelope = d.env_mask.any()
    for t in range(len(stim)):
        if reset[t]:
            net = np.full(shape, init_net, dtype=dtype)
            y = y_init
            below[:] = y_init < theta
        prev = y
        inp = np.matmul(prev, W_T) + b[:, None, :]
        if stim[t] and not d.hard_clamp:
            inp[..., input_slice] += drive
        net = (1.0 - dt) * net + dt * inp
        s = sigmoid(net)
        if use_envelope:
            y = envelope_step(s, clock, below, run_below, d.env_mask, d.env_table, theta,
                              d.clock_start, d.recovery)
        else:
            y = s
        if stim[t] and d.hard_clamp:
            y = y.copy()
            y[..., input_slice] = x
        yield prev, s, y


def simulate(W, b, x, stim, reset, dynamics, *, group_index, n_groups, record_units,
             blocks, record_groups=None):
    """Run every instance on every item for the ticks of a schedule.

    The interface every simulation backend implements (see
    :mod:`erpsim.engine.registry`).

    Parameters
    ----------
    W, b, x, stim, reset, dynamics
        See :func:`run_ticks`; ``W`` and ``b`` in the run's dtype.
    group_index : ndarray of int (n_units,)
        Group of each unit; group means are recorded.
    n_groups : int
    record_units : bool
    blocks : ndarray of int (n_blocks, 4)
        The projections' unit ranges (dst0, dst1, src0, src1). Not used here: the
        reference multiplies the full matrices, where absent connections are zero.
    record_groups : ndarray of int (n_recorded,) or None
        The groups whose means are recorded, in this order (default: all).

    Returns
    -------
    means : ndarray (n_instances, n_items, n_ticks, n_recorded)
    units : ndarray (n_instances, n_items, n_ticks, n_units) or None
    """
    dtype = W.dtype
    n_inst, n_units = b.shape
    n_items, n_ticks = x.shape[0], len(stim)
    record_groups = np.arange(n_groups) if record_groups is None else np.asarray(record_groups)
    counts = np.bincount(group_index, minlength=n_groups).astype(dtype)
    onehot = (group_index[:, None] == np.arange(n_groups)).astype(dtype) / counts
    onehot = onehot[:, record_groups]
    means = np.empty((n_inst, n_items, n_ticks, len(record_groups)), dtype=dtype)
    units = np.empty((n_inst, n_items, n_ticks, n_units), dtype=dtype) if record_units else None
    for t, (_, _, y) in enumerate(run_ticks(W, b, x, stim, reset, dynamics)):
        means[:, :, t] = y @ onehot
        if record_units:
            units[:, :, t] = y
    return means, units
