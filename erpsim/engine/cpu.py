"""numba backend of the simulation (same equations as :mod:`erpsim.engine.reference`).

Items are processed in tiles of ``TILE`` items; each (instance, tile) pair is an
independent task spread over the cores with ``prange``. Inside a task the state is held
as (item-in-tile, unit); the net inputs are sums over contiguous source units, computed
four items at a time so that each weight is loaded once for four items, and only the
projections that exist (``blocks``) are computed.
"""
import math

import numpy as np
from numba import njit, prange

TILE = 8


@njit(cache=True)
def _sigmoid(v):
    return 1.0 / (1.0 + math.exp(-v))


@njit(cache=True)
def _capped(s, k, u, clock, below, run_below, env_table, theta, clock_start, recovery):
    """One unit's clock step (mirror of ``reference.envelope_step``)."""
    running = clock[k, u] >= 0
    if running:
        clock[k, u] += 1
    elif below[k, u] and s >= theta:
        clock[k, u] = clock_start
    if recovery > 0:
        if running and s < theta:
            run_below[k, u] += 1
        else:
            run_below[k, u] = 0
        if running and run_below[k, u] >= recovery:
            clock[k, u] = -1
            run_below[k, u] = 0
    below[k, u] = s < theta
    c = clock[k, u]
    if c >= 0:
        cap = env_table[min(c, env_table.shape[0] - 1)]
        if cap < s:
            return cap
    return s


@njit(cache=True, fastmath={"reassoc", "contract"})
def _add_block(W, i, d0, d1, s0, s1, y, inp):
    """inp[k, d] += sum_s W[i, d, s] y[k, s] for the tile's items, 4 items at a time.

    ``reassoc`` lets LLVM vectorise the sums (only their rounding order changes);
    ``contract`` allows fused multiply-adds. NaN and infinity handling is unchanged.
    """
    n = s1 - s0
    for k in range(0, TILE, 4):
        # slices make the loop index provably non-negative, which lets LLVM vectorise
        y0, y1, y2, y3 = y[k, s0:s1], y[k + 1, s0:s1], y[k + 2, s0:s1], y[k + 3, s0:s1]
        for d in range(d0, d1):
            w_row = W[i, d, s0:s1]
            a0 = a1 = a2 = a3 = 0.0
            for j in range(n):
                w = w_row[j]
                a0 += w * y0[j]
                a1 += w * y1[j]
                a2 += w * y2[j]
                a3 += w * y3[j]
            inp[k, d] += a0
            inp[k + 1, d] += a1
            inp[k + 2, d] += a2
            inp[k + 3, d] += a3


@njit(cache=True, fastmath={"reassoc"})
def _group_mean(values):
    total = 0.0
    for j in range(values.shape[0]):
        total += values[j]
    return total / values.shape[0]


@njit(cache=True)
def reset_tile(net, y, below, init_net, theta):
    """Return a tile's state to the trial's initial state (clocks carry over)."""
    y_init = _sigmoid(init_net)
    for k in range(net.shape[0]):
        for u in range(net.shape[1]):
            net[k, u] = init_net
            y[k, u] = y_init
            below[k, u] = y_init < theta


@njit(cache=True)
def tick_tile(W, b, i, blocks, drive, stimulus, hard_clamp, in0, dt, use_env, env_mask,
              env_table, theta, clock_start, recovery, net, y, inp, s, clock, below,
              run_below):
    """Advance one tile of items by one tick (in place).

    ``y`` holds the previous outputs on entry and the new ones on return; ``s``
    receives the uncapped outputs σ(net).
    """
    n_units = net.shape[1]
    n_in = drive.shape[1]
    one = W.dtype.type(1.0)
    for k in range(TILE):
        for u in range(n_units):
            inp[k, u] = b[i, u]
    for p in range(blocks.shape[0]):
        _add_block(W, i, blocks[p, 0], blocks[p, 1], blocks[p, 2], blocks[p, 3], y, inp)
    if stimulus and not hard_clamp:
        for k in range(TILE):
            for j in range(n_in):
                inp[k, in0 + j] += drive[k, j]
    for k in range(TILE):
        for u in range(n_units):
            v = (one - dt) * net[k, u] + dt * inp[k, u]
            net[k, u] = v
            sv = _sigmoid(v)
            s[k, u] = sv
            if use_env and env_mask[u]:
                sv = _capped(sv, k, u, clock, below, run_below, env_table, theta,
                             clock_start, recovery)
            y[k, u] = sv
    if stimulus and hard_clamp:
        for k in range(TILE):
            for j in range(n_in):
                y[k, in0 + j] = drive[k, j]


@njit(cache=True)
def tile_drive(x, k0, hard_clamp, gain, dtype_one):
    """Input drive of one tile: the letter bits (hard clamp) or gain·(2x - 1)."""
    drive = np.zeros((TILE, x.shape[1]), dtype=dtype_one.dtype)
    for k in range(min(TILE, x.shape[0] - k0)):
        for j in range(x.shape[1]):
            drive[k, j] = x[k0 + k, j] if hard_clamp else gain * (2.0 * x[k0 + k, j] - 1.0)
    return drive


@njit(parallel=True, cache=True)
def simulate_kernel(W, b, x, stim, reset, dt, gain, init_net, hard_clamp, in0, in1,
                    env_mask, env_table, theta, clock_start, recovery, group_start,
                    blocks, record_units, means, units):
    n_inst, n_units = b.shape
    n_items = x.shape[0]
    n_ticks = stim.shape[0]
    n_groups = group_start.shape[0] - 1
    n_tiles = (n_items + TILE - 1) // TILE
    use_env = env_mask.any()
    for task in prange(n_inst * n_tiles):
        i = task // n_tiles
        k0 = (task % n_tiles) * TILE
        nk = min(TILE, n_items - k0)
        net = np.empty((TILE, n_units), dtype=W.dtype)
        y = np.empty((TILE, n_units), dtype=W.dtype)
        inp = np.empty((TILE, n_units), dtype=W.dtype)
        s = np.empty((TILE, n_units), dtype=W.dtype)
        clock = np.full((TILE, n_units), -1, dtype=np.int64)
        below = np.zeros((TILE, n_units), dtype=np.bool_)
        run_below = np.zeros((TILE, n_units), dtype=np.int64)
        drive = tile_drive(x, k0, hard_clamp, gain, W[0, 0, :1])
        for t in range(n_ticks):
            if t == 0 or reset[t]:
                reset_tile(net, y, below, init_net, theta)
            tick_tile(W, b, i, blocks, drive, stim[t], hard_clamp, in0, dt, use_env,
                      env_mask, env_table, theta, clock_start, recovery, net, y, inp, s,
                      clock, below, run_below)
            for k in range(nk):
                for g in range(n_groups):
                    means[i, k0 + k, t, g] = _group_mean(y[k, group_start[g]:group_start[g + 1]])
                if record_units:
                    for u in range(n_units):
                        units[i, k0 + k, t, u] = y[k, u]


def simulate(W, b, x, stim, reset, *, dt, gain, init_net, hard_clamp, input_slice,
             env_mask, env_table, theta, clock_start, recovery, group_index, n_groups,
             record_units, blocks):
    """Same interface as :func:`erpsim.engine.reference.simulate` (plus ``blocks``)."""
    dtype = W.dtype.type
    n_inst, n_units = b.shape
    n_items, n_ticks = x.shape[0], len(stim)
    means = np.empty((n_inst, n_items, n_ticks, n_groups), dtype=W.dtype)
    shape = (n_inst, n_items, n_ticks, n_units) if record_units else (0, 0, 0, 0)
    units = np.empty(shape, dtype=W.dtype)
    group_start = np.searchsorted(group_index, np.arange(n_groups + 1)).astype(np.int64)
    if not np.all(np.diff(group_index) >= 0):
        raise ValueError("the numba backend needs the units of each group to be contiguous")
    simulate_kernel(W, b, np.ascontiguousarray(x, dtype=W.dtype),
                    np.ascontiguousarray(stim, dtype=np.bool_),
                    np.ascontiguousarray(reset, dtype=np.bool_), dtype(dt), dtype(gain),
                    dtype(init_net), bool(hard_clamp), input_slice.start, input_slice.stop,
                    np.ascontiguousarray(env_mask, dtype=np.bool_),
                    np.ascontiguousarray(env_table, dtype=W.dtype), dtype(theta),
                    int(clock_start), int(recovery), group_start, blocks.astype(np.int64), bool(record_units), means, units)
    return means, (units if record_units else None)
