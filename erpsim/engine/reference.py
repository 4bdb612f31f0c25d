"""Pure-NumPy reference of the simulation: the oracle the other backends must match.

This module is deliberately independent of :mod:`erpsim.engine.equations`, the scalar
update that the compiled backends (numba CPU and CUDA) share: it is a separate,
array-form transcription of the equations in docs/model.md, so that an error in the shared equations shows
up as a disagreement with it instead of being copied into the oracle.

Spec section 3: every tick all units compute their summed input from the previous
tick's outputs, then all update together. A unit under input integration (the default)
integrates its net input,

    net_t = (1 - dt) net_{t-1} + dt (W y_{t-1} + b + ext_t),   y_t = σ(net_t),

a unit under output integration (Lens ``OUT_INTEGR``) its output,

    net_t = W y_{t-1} + b + ext_t,   y_t = (1 - dt) y_{t-1} + dt σ(net_t),

with ``dt`` per unit; and, with the alpha envelope (section 5), y_t = min(s_t, E(clock))
for the units whose clock runs, ``s_t`` being the uncapped output of the equations above.
"""
import numpy as np


def sigmoid(x):
    """σ(x) = 1 / (1 + exp(-x)), elementwise (array in, array out, dtype kept)."""
    return 1.0 / (1.0 + np.exp(-x))


def initial_state(dynamics, dtype, shape=None):
    """Net inputs and outputs of every unit at the start of a trial.

    Parameters
    ----------
    dynamics : Dynamics
    dtype : numpy dtype
        The run's floating-point type.
    shape : tuple or None
        The state's shape, ending with n_units (default ``(n_units,)``). The logistic
        is evaluated on an array of this shape (NumPy's ``exp`` may round the last bit
        differently in its vectorised loop and in its remainder).

    Returns
    -------
    net, y : ndarray (shape)
        ``init_net_unit``; σ(net) for input-integrating units and ``init_out_unit``
        for output-integrating ones.
    """
    net = dynamics.init_net_unit.astype(dtype)
    if shape is not None:
        net = np.ascontiguousarray(np.broadcast_to(net, shape))
    y = np.where(dynamics.output_integration, dynamics.init_out_unit.astype(dtype),
                 sigmoid(net))
    return net, y


def envelope_step(s, clock, below, run_below, dynamics):
    """Advance the alpha clocks by one tick and return the capped outputs.

    Parameters
    ----------
    s : ndarray (..., n_units)
        Uncapped outputs of this tick (σ(net), or the integrated outputs of
        output-integrating units).
    clock : ndarray of int (..., n_units)
        Ticks since each unit's crossing of θ (-1: not running); updated in place.
    below : ndarray of bool (..., n_units)
        Whether the uncapped output was below θ on the previous tick; updated in place.
    run_below : ndarray of int (..., n_units)
        Consecutive ticks below θ while the clock runs (recovery); updated in place.
    dynamics : Dynamics
        Gives ``env_mask``, ``env_table``, ``theta``, ``clock_start`` and ``recovery``.

    Returns
    -------
    y : ndarray (..., n_units)
        ``min(s, E(clock))`` where the clock runs, ``s`` elsewhere.
    """
    d = dynamics
    running = clock >= 0
    starts = d.env_mask & ~running & below & (s >= d.theta)
    clock[running] += 1
    clock[starts] = d.clock_start
    if d.recovery > 0:
        now_below = s < d.theta
        run_below[:] = np.where(running & now_below, run_below + 1, 0)
        stop = running & (run_below >= d.recovery)
        clock[stop] = -1
        run_below[stop] = 0
    below[:] = s < d.theta
    capped = clock >= 0
    cap = d.env_table[np.minimum(np.maximum(clock, 0), len(d.env_table) - 1)]
    return np.where(capped, np.minimum(s, cap), s)


def integrate(net, inp, prev, dynamics, dtype):
    """One tick of integration of every unit (section 3).

    Parameters
    ----------
    net : ndarray (..., n_units)
        Net inputs of the previous tick.
    inp : ndarray (..., n_units)
        This tick's summed inputs ``W y_{t-1} + b + ext_t``.
    prev : ndarray (..., n_units)
        Outputs of the previous tick.
    dynamics : Dynamics
    dtype : numpy dtype

    Returns
    -------
    net : ndarray (..., n_units)
        The new net inputs (``inp`` itself for output-integrating units).
    sig : ndarray (..., n_units)
        σ(net).
    s : ndarray (..., n_units)
        Uncapped outputs: ``sig``, or ``(1 - dt) prev + dt sig`` for output-integrating
        units.
    """
    dt = dynamics.dt_unit.astype(dtype)
    keep = (1.0 - dynamics.dt_unit).astype(dtype)
    out = dynamics.output_integration
    net = keep * net + dt * inp
    if not out.any():
        sig = sigmoid(net)
        return net, sig, sig
    net = np.where(out, inp, net)
    sig = sigmoid(net)
    return net, sig, np.where(out, keep * prev + dt * sig, sig)


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
    prev, s, y, sig : ndarray (n_instances, n_items, n_units)
        The outputs the tick's net input was computed from, the uncapped outputs, the
        tick's outputs and σ(net) (equal to ``s`` for input-integrating units). The
        arrays are not modified afterwards.
    """
    d = dynamics
    input_slice = d.input_slice
    dtype = W.dtype
    shape = (b.shape[0], x.shape[0], b.shape[1])
    net_init, y_init = initial_state(d, dtype, shape)
    net, y = net_init, y_init
    clock = np.full(shape, -1, dtype=np.int64)
    below = y_init < d.theta
    run_below = np.zeros(shape, dtype=np.int64)
    drive = (d.gain * (2.0 * x - 1.0)).astype(dtype)
    W_T = np.swapaxes(W, 1, 2)
    use_envelope = d.env_mask.any()
    for t in range(len(stim)):
        if reset[t]:
            net, y = net_init, y_init
            below[:] = y_init < d.theta
        prev = y
        inp = np.matmul(prev, W_T) + b[:, None, :]
        if stim[t] and not d.hard_clamp:
            inp[..., input_slice] += drive
        net, sig, s = integrate(net, inp, prev, d, dtype)
        if use_envelope:
            y = envelope_step(s, clock, below, run_below, d)
        else:
            y = s
        if stim[t] and d.hard_clamp:
            y = y.copy()
            y[..., input_slice] = x
        yield prev, s, y, sig


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
    for t, (_, _, y, _) in enumerate(run_ticks(W, b, x, stim, reset, dynamics)):
        means[:, :, t] = y @ onehot
        if record_units:
            units[:, :, t] = y
    return means, units
