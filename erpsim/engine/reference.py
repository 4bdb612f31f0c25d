"""Pure-NumPy reference of the simulation: the oracle the other backends must match.

Spec section 3: every tick all units compute their net input from the previous tick's
outputs, then all update together:

    net_t = (1 - dt) net_{t-1} + dt (W y_{t-1} + b + ext_t),   y_t = σ(net_t)

and, with the alpha envelope (section 5), y_t = min(σ(net_t), E(clock)) for the units
whose clock runs.
"""
import numpy as np


def sigmoid(x):
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


def simulate(W, b, x, stim, reset, *, dt, gain, init_net, hard_clamp, input_slice,
             env_mask, env_table, theta, clock_start, recovery, group_index, n_groups,
             record_units):
    """Run every instance on every item for the ticks of a schedule.

    Parameters
    ----------
    W : ndarray (n_instances, n_units, n_units)
    b : ndarray (n_instances, n_units)
    x : ndarray (n_items, n_input)
        Letter bits (0/1).
    stim, reset : ndarray of bool (n_ticks,)
    env_mask : ndarray of bool (n_units,)
        Units that carry the envelope (all False for the ERP model).
    env_table : ndarray (n_table,)
        E(0), E(1), ...; clocks past the end use the last value.
    group_index : ndarray of int (n_units,)
        Group of each unit; group means are recorded.

    Returns
    -------
    means : ndarray (n_instances, n_items, n_ticks, n_groups)
    units : ndarray (n_instances, n_items, n_ticks, n_units) or None
    """
    dtype = W.dtype
    n_inst, n_units = b.shape
    n_items, n_ticks = x.shape[0], len(stim)
    shape = (n_inst, n_items, n_units)
    net = np.full(shape, init_net, dtype=dtype)
    y = sigmoid(net)
    y_init = y[0, 0, 0]
    clock = np.full(shape, -1, dtype=np.int64)
    below = np.broadcast_to(y < theta, shape).copy()
    run_below = np.zeros(shape, dtype=np.int64)
    drive = (gain * (2.0 * x - 1.0)).astype(dtype)
    counts = np.bincount(group_index, minlength=n_groups).astype(dtype)
    onehot = (group_index[:, None] == np.arange(n_groups)).astype(dtype) / counts
    W_T = np.swapaxes(W, 1, 2)
    means = np.empty((n_inst, n_items, n_ticks, n_groups), dtype=dtype)
    units = np.empty((n_inst, n_items, n_ticks, n_units), dtype=dtype) if record_units else None
    for t in range(n_ticks):
        if reset[t]:
            net[:] = init_net
            y[:] = y_init
            below[:] = y_init < theta
        inp = np.matmul(y, W_T) + b[:, None, :]
        if stim[t] and not hard_clamp:
            inp[..., input_slice] += drive
        net = (1.0 - dt) * net + dt * inp
        s = sigmoid(net)
        if env_mask.any():
            y = envelope_step(s, clock, below, run_below, env_mask, env_table, theta,
                              clock_start, recovery)
        else:
            y = s
        if stim[t] and hard_clamp:
            y[..., input_slice] = x
        means[:, :, t] = y @ onehot
        if record_units:
            units[:, :, t] = y
    return means, units
