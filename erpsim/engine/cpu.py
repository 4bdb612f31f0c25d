"""numba backend of the simulation (same equations as :mod:`erpsim.engine.reference`).

Each instance's items are cut into a few wide tiles (up to ``MAX_TILE`` items); every
(instance, tile) pair is an independent task spread over the cores with ``prange``.
Inside a task the state is held unit by item, ``(n_units, width)``, so that every
operation is a loop over the tile's items that LLVM vectorises:

- the net inputs are summed only over the projections that exist (``blocks``), two
  destination units and four source units at a time (:func:`_add_block`);
- the logistic is a polynomial ``exp`` that vectorises (:mod:`.logistic`);
- the per-unit update (input or output integration with each unit's own integration
  constant, logistic, alpha clock and cap) is the scalar functions of
  :mod:`erpsim.engine.equations`, inlined into these loops.

The ticks before the first stimulus tick (:func:`shared_prefix_length`) do not depend
on the item (same initial state, no input), so each task computes them once, for a
single column, and copies that state to all its items. This is exact: every item would
do the same arithmetic on the same numbers.
"""
import contextlib

import numba
import numpy as np
from numba import njit, prange

from erpsim.engine import equations
from erpsim.engine.logistic import cast_like, logistic

#: SHA-256 of the sources that this module's cached kernels inline from other files
#: (``engine/equations.py`` then ``engine/logistic.py``). numba's on-disk cache is keyed
#: on this file only; a change there must change this value (``tests/test_equations.py``
#: says the new one), which changes this file and makes numba recompile.
INLINED_SOURCES_SHA256 = "a5669df25ae436f9bb4cb5764e2bf3e3cf26a8bba9912e8d99774e6b5a5ed2d5"

# the model's update (erpsim.engine.equations), inlined into the vectorised loops
_integrate_one = njit(inline="always", error_model="numpy")(equations.integrate)
_integrate_output = njit(inline="always", error_model="numpy")(equations.integrate_output)
_clock_step = njit(inline="always", error_model="numpy")(equations.clock_step)
_envelope_cap = njit(inline="always", error_model="numpy")(equations.envelope_cap)

MAX_TILE = 256
MIN_TASKS = 2
#: float32 tiles wider than this are padded to a multiple of it (AVX-512: 16 lanes).
F32_LANES = 16


def tile_layout(n_inst, n_items, min_tasks=None, dtype=np.float64):
    """Tiles per instance and tile width: as wide as possible (up to ``MAX_TILE``
    items), with at least ``min_tasks`` tasks in all (default ``MIN_TASKS``) so that a
    single instance still spreads over a few cores.

    The layout depends only on the problem's size (and dtype), never on the number of
    threads: the rounding of the training's sums depends on it, and the same seed must
    give the same numbers on every machine. In float32 a tile wider than
    :data:`F32_LANES` is padded to a multiple of it (columns without an item, which
    carry no input, no target and no gradient): the item loops then have no scalar
    remainder, which made a 50-item tile slower than a 64-item one.
    """
    min_tasks = MIN_TASKS if min_tasks is None else min_tasks
    n_tiles = max(-(-n_items // MAX_TILE), min(-(-min_tasks // n_inst), n_items))
    width = -(-n_items // n_tiles)
    if np.dtype(dtype) == np.float32 and width > F32_LANES:
        width = -(-width // F32_LANES) * F32_LANES
    return n_tiles, width


def shared_prefix_length(stim):
    """Ticks before the first stimulus tick (all of them if there is none)."""
    stim = np.asarray(stim, dtype=bool)
    return int(np.argmax(stim)) if stim.any() else len(stim)


@njit(cache=True, error_model="numpy")
def _envelope_row(s, y, clock, below, run_below, env_table, theta, clock_start, recovery):
    """One unit's clock step for a row of items (:func:`~erpsim.engine.equations.clock_step`
    and :func:`~erpsim.engine.equations.envelope_cap`, inlined): ``y ← min(s, E(clock))``
    where the clock runs; ``clock``, ``below`` and ``run_below`` are updated in place."""
    for k in range(s.shape[0]):
        sv = s[k]
        c, b, rb = _clock_step(clock[k], below[k], run_below[k], sv, theta, clock_start,
                               recovery)
        clock[k] = c
        below[k] = b
        if recovery > 0:  # loop-invariant: without recovery the count is never stored
            run_below[k] = rb
        y[k] = _envelope_cap(sv, c, env_table)


@njit(cache=True, fastmath={"contract"}, error_model="numpy")
def _add_column(W, i, d0, d1, s0, s1, y, inp):
    """:func:`_add_block` for a one-item tile (the shared ticks, small calls), in its
    order of operations (the same numbers bit for bit), the sums held in registers.
    Four destination rows at a time (then two, then one): each row's sum is a chain of
    dependent additions, and four independent chains keep the adder busy (a third
    faster than two; 1.4x faster than the item loop of length 1)."""
    s4 = s0 + (s1 - s0) // 4 * 4
    dq = d0 + (d1 - d0) // 4 * 4
    for d in range(d0, dq, 4):
        w0, w1, w2, w3 = W[i, d], W[i, d + 1], W[i, d + 2], W[i, d + 3]
        acc0, acc1, acc2, acc3 = inp[d, 0], inp[d + 1, 0], inp[d + 2, 0], inp[d + 3, 0]
        for s in range(s0, s4, 4):
            v0, v1, v2, v3 = y[s, 0], y[s + 1, 0], y[s + 2, 0], y[s + 3, 0]
            acc0 += (w0[s] * v0 + w0[s + 1] * v1) + (w0[s + 2] * v2 + w0[s + 3] * v3)
            acc1 += (w1[s] * v0 + w1[s + 1] * v1) + (w1[s + 2] * v2 + w1[s + 3] * v3)
            acc2 += (w2[s] * v0 + w2[s + 1] * v1) + (w2[s + 2] * v2 + w2[s + 3] * v3)
            acc3 += (w3[s] * v0 + w3[s + 1] * v1) + (w3[s + 2] * v2 + w3[s + 3] * v3)
        for s in range(s4, s1):
            v0 = y[s, 0]
            acc0 += w0[s] * v0
            acc1 += w1[s] * v0
            acc2 += w2[s] * v0
            acc3 += w3[s] * v0
        inp[d, 0], inp[d + 1, 0], inp[d + 2, 0], inp[d + 3, 0] = acc0, acc1, acc2, acc3
    d2 = dq + (d1 - dq) // 2 * 2
    for d in range(dq, d2, 2):
        w0, w1 = W[i, d], W[i, d + 1]
        acc0, acc1 = inp[d, 0], inp[d + 1, 0]
        for s in range(s0, s4, 4):
            v0, v1, v2, v3 = y[s, 0], y[s + 1, 0], y[s + 2, 0], y[s + 3, 0]
            acc0 += (w0[s] * v0 + w0[s + 1] * v1) + (w0[s + 2] * v2 + w0[s + 3] * v3)
            acc1 += (w1[s] * v0 + w1[s + 1] * v1) + (w1[s + 2] * v2 + w1[s + 3] * v3)
        for s in range(s4, s1):
            acc0 += w0[s] * y[s, 0]
            acc1 += w1[s] * y[s, 0]
        inp[d, 0], inp[d + 1, 0] = acc0, acc1
    for d in range(d2, d1):
        acc0 = inp[d, 0]
        for s in range(s0, s1):
            acc0 += W[i, d, s] * y[s, 0]
        inp[d, 0] = acc0


@njit(cache=True, fastmath={"contract"}, error_model="numpy")
def _add_block(W, i, d0, d1, s0, s1, y, inp):
    """inp[d, :] += Σ_s W[i, d, s] y[s, :] for d in [d0, d1), s in [s0, s1).

    Two destination rows and four source rows at a time; the innermost loop runs over
    the tile's items (contiguous), which LLVM vectorises. ``contract`` allows fused
    multiply-adds; the summation order is fixed (no ``reassoc``). A one-item tile (the
    shared ticks) goes to :func:`_add_column`.
    """
    width = y.shape[1]
    if width == 1:
        _add_column(W, i, d0, d1, s0, s1, y, inp)
        return
    s4 = s0 + (s1 - s0) // 4 * 4
    d2 = d0 + (d1 - d0) // 2 * 2
    for d in range(d0, d2, 2):
        out0, out1 = inp[d], inp[d + 1]
        for s in range(s0, s4, 4):
            a0, a1, a2, a3 = W[i, d, s], W[i, d, s + 1], W[i, d, s + 2], W[i, d, s + 3]
            b0, b1, b2, b3 = (W[i, d + 1, s], W[i, d + 1, s + 1], W[i, d + 1, s + 2],
                              W[i, d + 1, s + 3])
            y0, y1, y2, y3 = y[s], y[s + 1], y[s + 2], y[s + 3]
            for k in range(width):
                v0, v1, v2, v3 = y0[k], y1[k], y2[k], y3[k]
                out0[k] += (a0 * v0 + a1 * v1) + (a2 * v2 + a3 * v3)
                out1[k] += (b0 * v0 + b1 * v1) + (b2 * v2 + b3 * v3)
        for s in range(s4, s1):
            a0, b0 = W[i, d, s], W[i, d + 1, s]
            y0 = y[s]
            for k in range(width):
                out0[k] += a0 * y0[k]
                out1[k] += b0 * y0[k]
    for d in range(d2, d1):
        out0 = inp[d]
        for s in range(s0, s1):
            a0 = W[i, d, s]
            y0 = y[s]
            for k in range(width):
                out0[k] += a0 * y0[k]


@njit(cache=True, error_model="numpy")
def _integrate(net, inp, s, y, sig, dt_unit, out_mask):
    """One tick of integration of a tile, unit by unit (the item loops vectorise).

    Input-integrating units: net ← (1 - dt) net + dt inp and s ← σ(net).
    Output-integrating units: net ← inp, sig ← σ(net) and s ← (1 - dt) y + dt sig, ``y``
    holding the previous outputs. ``sig`` is written for output-integrating units only.
    ``y`` receives ``s`` too (in the same loop: no separate copy). Computed in the
    precision of ``dt_unit`` (float32: float32 throughout, logistic included).
    """
    one = cast_like(1.0, dt_unit)
    for u in range(net.shape[0]):
        dt = dt_unit[u]
        net_u, inp_u, s_u = net[u], inp[u], s[u]
        if out_mask[u]:
            y_u, sig_u = y[u], sig[u]
            for k in range(net_u.shape[0]):
                v = inp_u[k]
                net_u[k] = v
                sv = logistic(v)
                sig_u[k] = sv
                out = _integrate_output(y_u[k], sv, dt, one)
                s_u[k] = out
                y_u[k] = out
        else:
            y_u = y[u]
            for k in range(net_u.shape[0]):
                v = _integrate_one(net_u[k], inp_u[k], dt, one)
                net_u[k] = v
                out = logistic(v)
                s_u[k] = out
                y_u[k] = out


@njit(cache=True)
def reset_tile(net, y, below, init_net_unit, init_out_unit, out_mask, theta):
    """Return a tile's state to the trial's initial state (clocks carry over): net
    inputs ``init_net_unit``, outputs σ(net) (``init_out_unit`` for output-integrating
    units)."""
    for u in range(net.shape[0]):
        y_init = init_out_unit[u] if out_mask[u] else logistic(init_net_unit[u])
        net[u] = init_net_unit[u]
        y[u] = y_init
        below[u] = y_init < theta


@njit(cache=True)
def tick_tile(W, b, i, blocks, drive, stimulus, hard_clamp, in0, dt_unit, out_mask,
              use_env, env_mask, env_table, theta, clock_start, recovery, net, y, inp, s,
              clock, below, run_below, sig):
    """Advance one tile by one tick (in place); every array is (unit, item).

    ``y`` holds the previous outputs on entry and the new ones on return; ``s``
    receives the uncapped outputs (σ(net), or the integrated outputs of
    output-integrating units) and ``sig`` σ(net) of the output-integrating units;
    ``drive`` is (n_input, width).
    """
    n_units, width = net.shape
    n_in = drive.shape[0]
    for u in range(n_units):
        inp[u] = b[i, u]
    for p in range(blocks.shape[0]):
        _add_block(W, i, blocks[p, 0], blocks[p, 1], blocks[p, 2], blocks[p, 3], y, inp)
    if stimulus and not hard_clamp:
        for j in range(n_in):
            for k in range(width):
                inp[in0 + j, k] += drive[j, k]
    _integrate(net, inp, s, y, sig, dt_unit, out_mask)     # y ← s as well
    if use_env:
        for u in range(n_units):
            if env_mask[u]:
                _envelope_row(s[u], y[u], clock[u], below[u], run_below[u], env_table,
                              theta, clock_start, recovery)
    if stimulus and hard_clamp:
        y[in0:in0 + n_in] = drive


@njit(cache=True)
def tile_drive(x, k0, width, hard_clamp, gain, dtype_one):
    """Input drive of one tile, (n_input, width): the letter bits (hard clamp) or
    gain·(2x - 1); columns past the last item get no input."""
    drive = np.zeros((x.shape[1], width), dtype=dtype_one.dtype)
    for k in range(min(width, x.shape[0] - k0)):
        for j in range(x.shape[1]):
            drive[j, k] = x[k0 + k, j] if hard_clamp else gain * (2.0 * x[k0 + k, j] - 1.0)
    return drive


@njit(cache=True)
def new_state(n_units, width, dtype_one):
    """net, y, inp, s (float), clock, below, run_below and sig (float) for a tile of
    ``width`` items (the argument order of :func:`tick_tile`)."""
    dtype = dtype_one.dtype
    return (np.empty((n_units, width), dtype=dtype), np.empty((n_units, width), dtype=dtype),
            np.empty((n_units, width), dtype=dtype), np.empty((n_units, width), dtype=dtype),
            np.full((n_units, width), -1, dtype=np.int64),
            np.zeros((n_units, width), dtype=np.bool_),
            np.zeros((n_units, width), dtype=np.int64),
            np.zeros((n_units, width), dtype=dtype))


@njit(cache=True)
def _broadcast(column, tile):
    for u in range(tile.shape[0]):
        tile[u] = column[u, 0]


@njit(cache=True)
def broadcast_state(column, tile):
    """Copy every array of a one-item state (``column``) to all items of ``tile``."""
    _broadcast(column[0], tile[0])
    _broadcast(column[1], tile[1])
    _broadcast(column[2], tile[2])
    _broadcast(column[3], tile[3])
    _broadcast(column[4], tile[4])
    _broadcast(column[5], tile[5])
    _broadcast(column[6], tile[6])
    _broadcast(column[7], tile[7])


@njit(cache=True, error_model="numpy")
def _record(y, i, k0, nk, t, group_lo, group_hi, record_units, means, units, acc):
    """Means of the recorded groups (units ``group_lo[g]:group_hi[g]``), and optionally
    every unit, of a tile's first ``nk`` items."""
    for g in range(group_lo.shape[0]):
        acc[:] = 0.0
        for u in range(group_lo[g], group_hi[g]):
            for k in range(nk):
                acc[k] += y[u, k]
        count = group_hi[g] - group_lo[g]
        for k in range(nk):
            means[i, k0 + k, t, g] = acc[k] / count
    if record_units:
        for k in range(nk):
            for u in range(y.shape[0]):
                units[i, k0 + k, t, u] = y[u, k]


@njit(cache=True)
def _record_shared(column, i, k0, nk, t, group_lo, group_hi, record_units, means, units):
    """Like :func:`_record` for a tick that is the same for every item: the group means
    of ``column`` (n_units, 1), written for all ``nk`` items of the tile."""
    for g in range(group_lo.shape[0]):
        total = 0.0
        for u in range(group_lo[g], group_hi[g]):
            total += column[u, 0]
        mean = total / (group_hi[g] - group_lo[g])
        for k in range(nk):
            means[i, k0 + k, t, g] = mean
    if record_units:
        for k in range(nk):
            for u in range(column.shape[0]):
                units[i, k0 + k, t, u] = column[u, 0]


@njit(parallel=True, cache=True)
def simulate_kernel(W, b, x, stim, reset, dt_unit, out_mask, gain, init_net_unit,
                    init_out_unit, hard_clamp, in0, n_tiles, width, n_prefix, env_mask,
                    env_table, theta, clock_start, recovery, group_lo, group_hi, blocks,
                    record_units, means, units):
    n_inst, n_units = b.shape
    n_items = x.shape[0]
    n_ticks = stim.shape[0]
    use_env = env_mask.any()
    one = W[0, 0, :1]
    for task in prange(n_inst * n_tiles):
        i = task // n_tiles
        k0 = (task % n_tiles) * width
        nk = min(width, n_items - k0)
        acc = np.empty(width)
        # ticks before the first stimulus: one column stands for every item
        column = new_state(n_units, 1, one)
        no_drive = np.zeros((x.shape[1], 1), dtype=W.dtype)
        net1, y1, _, _, _, below1, _, _ = column
        for t in range(n_prefix):
            if t == 0 or reset[t]:
                reset_tile(net1, y1, below1, init_net_unit, init_out_unit, out_mask, theta)
            tick_tile(W, b, i, blocks, no_drive, False, hard_clamp, in0, dt_unit, out_mask,
                      use_env, env_mask, env_table, theta, clock_start, recovery, *column)
            _record_shared(y1, i, k0, nk, t, group_lo, group_hi, record_units, means, units)
        state = new_state(n_units, width, one)
        broadcast_state(column, state)
        net, y, _, _, _, below, _, _ = state
        drive = tile_drive(x, k0, width, hard_clamp, gain, one)
        for t in range(n_prefix, n_ticks):
            if t == 0 or reset[t]:
                reset_tile(net, y, below, init_net_unit, init_out_unit, out_mask, theta)
            tick_tile(W, b, i, blocks, drive, stim[t], hard_clamp, in0, dt_unit, out_mask,
                      use_env, env_mask, env_table, theta, clock_start, recovery, *state)
            _record(y, i, k0, nk, t, group_lo, group_hi, record_units, means, units, acc)


def unit_arrays(dynamics, dtype):
    """The kernels' per-unit dynamics arguments, from ``dynamics``, in the run's dtype.

    Returns
    -------
    tuple
        ``dt_unit``, ``out_mask``, ``gain``, ``init_net_unit``, ``init_out_unit``: the
        arguments of :func:`simulate_kernel` (and of the gradient kernel) between
        ``reset`` and ``hard_clamp``.
    """
    real = np.dtype(dtype).type
    return (np.ascontiguousarray(dynamics.dt_unit, dtype=dtype),
            np.ascontiguousarray(dynamics.output_integration, dtype=np.bool_),
            real(dynamics.gain), np.ascontiguousarray(dynamics.init_net_unit, dtype=dtype),
            np.ascontiguousarray(dynamics.init_out_unit, dtype=dtype))


#: Problems of at most this many instance-items run on the calling thread alone (see
#: :func:`threads_for`).
SERIAL_MAX_ITEMS = 64


def threads_for(n_inst, n_items):
    """Threads to run a simulation of ``n_inst`` instances x ``n_items`` items on.

    A parallel region pays off only when its work outweighs waking the other threads:
    on a busy machine a woken thread can wait a scheduler tick (4 ms) for a core, more
    than the whole kernel of a small problem (about 1 ms for 1 instance x 4 items, 2 ms
    for 64 instance-items on one thread). Problems of at most :data:`SERIAL_MAX_ITEMS`
    instance-items therefore run on one thread. The tile layout does not depend on the
    thread count (:func:`tile_layout`), so the numbers are the same bit for bit.

    Returns
    -------
    int or None
        1 for a small problem, None (numba's current setting) otherwise.
    """
    return 1 if n_inst * n_items <= SERIAL_MAX_ITEMS else None


@contextlib.contextmanager
def _threads(n):
    """Run the block with numba's thread count (thread-local) set to ``n`` (None: as is)."""
    if n is None:
        yield
        return
    before = numba.get_num_threads()
    numba.set_num_threads(min(n, before))
    try:
        yield
    finally:
        numba.set_num_threads(before)


def simulate(W, b, x, stim, reset, dynamics, *, group_index, n_groups, record_units,
             blocks, record_groups=None):
    """Same interface as :func:`erpsim.engine.reference.simulate`; ``blocks`` (the
    projections' unit ranges) limits the sums to the connections that exist. Small
    problems run on one thread (:func:`threads_for`)."""
    dtype = W.dtype.type
    n_inst, n_units = b.shape
    n_items, n_ticks = x.shape[0], len(stim)
    if not np.all(np.diff(group_index) >= 0):
        raise ValueError("the numba backend needs the units of each group to be contiguous")
    group_start = np.searchsorted(group_index, np.arange(n_groups + 1)).astype(np.int64)
    record_groups = np.arange(n_groups) if record_groups is None else np.asarray(record_groups)
    group_lo, group_hi = group_start[record_groups], group_start[record_groups + 1]
    means = np.empty((n_inst, n_items, n_ticks, len(record_groups)), dtype=W.dtype)
    shape = (n_inst, n_items, n_ticks, n_units) if record_units else (0, 0, 0, 0)
    units = np.empty(shape, dtype=W.dtype)
    n_tiles, width = tile_layout(n_inst, n_items, dtype=W.dtype)
    d = dynamics
    with _threads(threads_for(n_inst, n_items)):
        simulate_kernel(W, b, np.ascontiguousarray(x, dtype=W.dtype),
                        np.ascontiguousarray(stim, dtype=np.bool_),
                        np.ascontiguousarray(reset, dtype=np.bool_),
                        *unit_arrays(d, W.dtype), bool(d.hard_clamp), d.input_slice.start,
                        n_tiles, width, shared_prefix_length(stim),
                        np.ascontiguousarray(d.env_mask, dtype=np.bool_),
                        np.ascontiguousarray(d.env_table, dtype=W.dtype), dtype(d.theta),
                        int(d.clock_start), int(d.recovery), group_lo, group_hi,
                        np.asarray(blocks, dtype=np.int64), bool(record_units), means, units)
    return means, (units if record_units else None)
