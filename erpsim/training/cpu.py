"""numba backpropagation through time (same equations as :mod:`erpsim.training.reference`).

Each (instance, tile of items) task runs the forward pass with the simulation engine's
own tick function and state layout (unit, item), keeps the tile's history, then walks
back through it. The gradient with respect to the previous outputs is the forward sum
over the transposed weights (``WT``, the same vectorised block routine). The weight
gradient is left to the end: ``dW[d, s] = Σ_t Σ_k dt·g_t[d, k] y_{t-1}[s, k]`` is one
long dot product per connection over the stored (tick, item) history
(:func:`_dot_block`). Ticks before the first stimulus are computed once per tile, as in
the simulation; there the previous outputs are the same for every item, so their
weight gradient only needs the item sum of ``g``. Every task accumulates into its own
gradient slot; the slots are summed per instance after.

Precision: the kernel computes in the dtype of ``W`` (numba compiles it once per dtype).
In float32 the forward pass, the history and the backward pass are float32 (twice the
SIMD lanes and half the memory traffic); each task's weight-gradient dot products are
float32 too (over one tile's stored ticks and items), and they, the bias sums and the
loss are added up in float64 (the gradient slots), so the gradient returned is float64
whatever the dtype.
"""
import math
import threading

import numpy as np
from numba import njit, prange

from erpsim.engine.cpu import (
    _add_block,
    broadcast_state,
    new_state,
    reset_tile,
    shared_prefix_length,
    tick_tile,
    tile_drive,
    tile_layout,
    unit_arrays,
)
from erpsim.engine.logistic import cast_like

#: SHA-256 of the sources this module's cached kernels inline from other files
#: (``engine/cpu.py``, ``engine/equations.py``, ``engine/logistic.py``); see
#: :data:`erpsim.engine.cpu.INLINED_SOURCES_SHA256`.
INLINED_SOURCES_SHA256 = "ea5d316284e9f559bec7bfa9fd5dc5d13c20bda3daf0dd403a1aff23aaaeaf5a"

EPS = 1e-12


@njit(cache=True, fastmath={"reassoc", "contract"}, error_model="numpy")
def _dot_block(dW, d0, d1, s0, s1, A, B):
    """dW[d, s] += Σ_j A[d, j] B[s, j] for one projection, two rows by four columns at a
    time (``reassoc`` lets LLVM vectorise the sums; NaN handling is unchanged)."""
    n = A.shape[1]
    zero = cast_like(0.0, A)
    s4 = s0 + (s1 - s0) // 4 * 4
    d2 = d0 + (d1 - d0) // 2 * 2
    for d in range(d0, d2, 2):
        a, c = A[d], A[d + 1]
        for s in range(s0, s4, 4):
            p, q, r, v = B[s], B[s + 1], B[s + 2], B[s + 3]
            ap = aq = ar = av = cp = cq = cr = cv = zero
            for j in range(n):
                aj, cj = a[j], c[j]
                ap += aj * p[j]
                aq += aj * q[j]
                ar += aj * r[j]
                av += aj * v[j]
                cp += cj * p[j]
                cq += cj * q[j]
                cr += cj * r[j]
                cv += cj * v[j]
            dW[d, s] += ap
            dW[d, s + 1] += aq
            dW[d, s + 2] += ar
            dW[d, s + 3] += av
            dW[d + 1, s] += cp
            dW[d + 1, s + 1] += cq
            dW[d + 1, s + 2] += cr
            dW[d + 1, s + 3] += cv
        for s in range(s4, s1):
            _dot_rows(dW, d, s, A, B)
            _dot_rows(dW, d + 1, s, A, B)
    for d in range(d2, d1):
        for s in range(s0, s1):
            _dot_rows(dW, d, s, A, B)


@njit(cache=True, fastmath={"reassoc", "contract"}, error_model="numpy")
def _dot_rows(dW, d, s, A, B):
    a, p = A[d], B[s]
    acc = cast_like(0.0, A)
    for j in range(A.shape[1]):
        acc += a[j] * p[j]
    dW[d, s] += acc


@njit(cache=True, error_model="numpy")
def _through_tick(g, g_y, g_next, s, y, chained, clamped, in0, n_in, dt_unit, out_mask):
    """g_t from Wᵀ h_{t+1} (``g_y``) and the next tick's ``g_next``.

    Input-integrating units (g = dL/dnet): the logistic's slope where the unit is
    neither capped nor clamped, plus the leak (1 - dt) g_{t+1}. Output-integrating
    units (g = dL/ds, ``s`` the uncapped output): g_y + (1 - dt) g_{t+1} where the unit
    is neither capped nor clamped, else 0.
    """
    if not chained:
        g[:] = 0.0
        return
    one = cast_like(1.0, g)
    zero = cast_like(0.0, g)
    for u in range(g.shape[0]):
        keep = one - dt_unit[u]
        clamped_u = clamped and in0 <= u < in0 + n_in
        if out_mask[u]:
            for k in range(g.shape[1]):
                through = g_y[u, k] + keep * g_next[u, k]
                g[u, k] = zero if clamped_u or y[u, k] < s[u, k] else through
        elif clamped_u:
            for k in range(g.shape[1]):
                g[u, k] = keep * g_next[u, k]
        else:
            for k in range(g.shape[1]):
                sv = s[u, k]
                through = zero if y[u, k] < sv else g_y[u, k] * sv * (one - sv)
                g[u, k] = through + keep * g_next[u, k]


@njit(cache=True)
def _target_gradient(g, s, y, target, weights, k0, nk, s0, s1, shared, out_mask):
    """Add the cross-entropy's gradient to ``g`` (uncapped units: s - target, or
    (y - target) / (y (1 - y)) for output-integrating units) and return the weighted
    loss of the tile's ``nk`` items. ``shared``: ``s`` and ``y`` are one column standing
    for every item, and ``g`` is the sum over items."""
    loss = 0.0
    for u in range(s0, s1):
        for k in range(nk):
            c = 0 if shared else k
            w = weights[k0 + k]
            yv = min(max(y[u, c], EPS), 1.0 - EPS)
            tv = target[k0 + k, u - s0]
            if tv == 1.0:  # binary targets need one logarithm (the other term is 0·finite)
                loss -= w * math.log(yv)
            elif tv == 0.0:
                loss -= w * math.log(1.0 - yv)
            else:
                loss -= w * (tv * math.log(yv) + (1.0 - tv) * math.log(1.0 - yv))
            if not (y[u, c] < s[u, c]):
                if out_mask[u]:
                    g[u, c] += w * ((yv - tv) / (yv * (1.0 - yv)))
                else:
                    g[u, c] += w * (s[u, c] - tv)
    return loss


@njit(cache=True, error_model="numpy")
def _scaled_with_sums(g, dt_unit, out_mask, sig, gd, db):
    """gd ← h = dL/d(summed input): dt g (input-integrating units) or dt σ'(net) g
    (output-integrating units, ``sig`` = σ(net)); db += the item sums of gd (summed in
    float64, item after item, from 0: :func:`_item_sums`)."""
    one = cast_like(1.0, g)
    for u in range(g.shape[0]):
        dt = dt_unit[u]
        if out_mask[u]:
            for k in range(g.shape[1]):
                sv = sig[u, k]
                gd[u, k] = (dt * (sv * (one - sv))) * g[u, k]
        else:
            for k in range(g.shape[1]):
                gd[u, k] = dt * g[u, k]
    _item_sums(gd, db)


@njit(cache=True, error_model="numpy")
def _item_sums(a, out):
    """out[u] += Σ_k a[u, k], each sum in float64 in the order of k from 0 (eight units
    at a time: eight independent chains of additions instead of one)."""
    n_units, width = a.shape
    u8 = n_units // 8 * 8
    for u in range(0, u8, 8):
        t0 = t1 = t2 = t3 = t4 = t5 = t6 = t7 = 0.0
        r0, r1, r2, r3, r4, r5, r6, r7 = (a[u], a[u + 1], a[u + 2], a[u + 3], a[u + 4],
                                          a[u + 5], a[u + 6], a[u + 7])
        for k in range(width):
            t0 += r0[k]
            t1 += r1[k]
            t2 += r2[k]
            t3 += r3[k]
            t4 += r4[k]
            t5 += r5[k]
            t6 += r6[k]
            t7 += r7[k]
        out[u] += t0
        out[u + 1] += t1
        out[u + 2] += t2
        out[u + 3] += t3
        out[u + 4] += t4
        out[u + 5] += t5
        out[u + 6] += t6
        out[u + 7] += t7
    for u in range(u8, n_units):
        total = 0.0
        for k in range(width):
            total += a[u, k]
        out[u] += total


@njit(cache=True)
def copy_rows(src, dst):
    """``dst[u, k] = src[u, k]`` for two (unit, item) arrays of one shape, row by row
    (``dst`` may be a strided view whose rows are contiguous, as the training history's;
    numba's slice assignment ``dst[...] = src`` took 3x longer there)."""
    for u in range(src.shape[0]):
        src_u, dst_u = src[u], dst[u]
        for k in range(src_u.shape[0]):
            dst_u[k] = src_u[k]


@njit(cache=True)
def _row_sums(a):
    out = np.zeros((a.shape[0], 1), dtype=a.dtype)
    for u in range(a.shape[0]):
        for k in range(a.shape[1]):
            out[u, 0] += a[u, k]
    return out


@njit(cache=True)
def _transposed_sum(WT, i, blocks, gd, g_y):
    """g_y ← Wᵀ gd over the existing projections."""
    g_y[:] = 0.0
    for p in range(blocks.shape[0]):
        _add_block(WT, i, blocks[p, 2], blocks[p, 3], blocks[p, 0], blocks[p, 1], gd, g_y)


@njit(cache=True)
def _zero_blocks(dW, blocks):
    for p in range(blocks.shape[0]):
        dW[blocks[p, 0]:blocks[p, 1], blocks[p, 2]:blocks[p, 3]] = 0.0


@njit(cache=True)
def _tile_sums(part, n_tiles, mask, out):
    """out[i] = Σ_t part[i n_tiles + t], tile after tile (NumPy's ``sum(axis=1)`` of the
    slots, bit for bit), and 0 where ``mask`` is False."""
    for i in range(out.shape[0]):
        for d in range(out.shape[1]):
            row = out[i, d]
            row[:] = part[i * n_tiles, d]
            for t in range(1, n_tiles):
                row += part[i * n_tiles + t, d]
            for s in range(row.shape[0]):
                if not mask[d, s]:
                    row[s] = 0.0


@njit(parallel=True, cache=True)
def grad_kernel(W, WT, b, x, target, weights, stim, reset, targets_at, dt_unit, out_mask,
                gain, init_net_unit, init_out_unit, hard_clamp, in0, s0, s1, n_tiles, width,
                n_prefix, env_mask, env_table, theta, clock_start, recovery, blocks, active,
                loss_part, dW_part, db_part, by_unit, by_tick):
    n_inst, n_units = b.shape
    n_items = x.shape[0]
    n_ticks = stim.shape[0]
    n_in = x.shape[1]
    n_late = n_ticks - n_prefix
    use_env = env_mask.any()
    one = W[0, 0, :1]
    for task in prange(n_inst * n_tiles):
        i = task // n_tiles
        loss_part[task] = 0.0           # the task's gradient slot (outside the blocks it
        db_part[task] = 0.0             # is never written and stays 0)
        _zero_blocks(dW_part[task], blocks)
        if not active[i]:
            continue
        k0 = (task % n_tiles) * width
        nk = min(width, n_items - k0)
        # forward; history of the shared ticks as one column, of the others in full
        column = new_state(n_units, 1, one)
        net1, y1, inp1, _, clock1, below1, run_below1, _ = column
        real = W.dtype
        prefix_prev = np.empty((n_units, n_prefix), dtype=real)
        prefix_s = np.empty((n_prefix, n_units, 1), dtype=real)
        prefix_y = np.empty((n_prefix, n_units, 1), dtype=real)
        prefix_sig = np.zeros((n_prefix, n_units, 1), dtype=real)
        no_drive = np.zeros((n_in, 1), dtype=real)
        for t in range(n_prefix):
            if t == 0 or reset[t]:
                reset_tile(net1, y1, below1, init_net_unit, init_out_unit, out_mask, theta)
            prefix_prev[:, t] = y1[:, 0]
            tick_tile(W, b, i, blocks, no_drive, False, hard_clamp, in0, dt_unit, out_mask,
                      use_env, env_mask, env_table, theta, clock_start, recovery, net1, y1,
                      inp1, prefix_s[t], clock1, below1, run_below1, prefix_sig[t])
            prefix_y[t] = y1
        state = new_state(n_units, width, one)
        broadcast_state(column, state)
        net, y, inp, _, clock, below, run_below, _ = state
        prev, gd_late = by_unit[task, 0], by_unit[task, 1]  # (n_units, n_late, width)
        s_hist, y_hist = by_tick[task, 0], by_tick[task, 1]  # (n_late, n_units, width)
        sig_hist = by_tick[task, 2]  # σ(net), written for output-integrating units only
        drive = tile_drive(x, k0, width, hard_clamp, gain, one)
        for t in range(n_prefix, n_ticks):
            if t == 0 or reset[t]:
                reset_tile(net, y, below, init_net_unit, init_out_unit, out_mask, theta)
            copy_rows(y, prev[:, t - n_prefix])
            tick_tile(W, b, i, blocks, drive, stim[t], hard_clamp, in0, dt_unit, out_mask,
                      use_env, env_mask, env_table, theta, clock_start, recovery, net, y, inp,
                      s_hist[t - n_prefix], clock, below, run_below, sig_hist[t - n_prefix])
            copy_rows(y, y_hist[t - n_prefix])
        # backward: the stored ticks item by item ...
        dW = dW_part[task]
        db = db_part[task]
        g = np.zeros((n_units, width), dtype=real)
        g_next = np.zeros((n_units, width), dtype=real)
        g_y = np.zeros((n_units, width), dtype=real)
        gd = np.empty((n_units, width), dtype=real)
        loss = 0.0
        for t in range(n_ticks - 1, n_prefix - 1, -1):
            _through_tick(g, g_y, g_next, s_hist[t - n_prefix], y_hist[t - n_prefix],
                          t + 1 < n_ticks and not reset[t + 1], stim[t] and hard_clamp,
                          in0, n_in, dt_unit, out_mask)
            if targets_at[t] >= 0:
                loss += _target_gradient(g, s_hist[t - n_prefix], y_hist[t - n_prefix],
                                         target[targets_at[t]], weights, k0, nk, s0, s1,
                                         False, out_mask)
            _scaled_with_sums(g, dt_unit, out_mask, sig_hist[t - n_prefix], gd, db)
            copy_rows(gd, gd_late[:, t - n_prefix])
            if t > 0:
                _transposed_sum(WT, i, blocks, gd, g_y)
            g, g_next = g_next, g       # g is overwritten by the next tick
        # ... and the shared ticks for the sum over items: there every item's gradient
        # goes through the same linear map, so the sum is carried as one column
        g_y_sum = _row_sums(g_y)
        g_next_sum = _row_sums(g_next)
        g_sum = np.zeros((n_units, 1), dtype=real)
        gd_prefix = np.empty((n_units, n_prefix), dtype=real)
        for t in range(n_prefix - 1, -1, -1):
            _through_tick(g_sum, g_y_sum, g_next_sum, prefix_s[t], prefix_y[t],
                          t + 1 < n_ticks and not reset[t + 1], False, in0, n_in, dt_unit,
                          out_mask)
            if targets_at[t] >= 0:  # zero targets here: the same for every item
                loss += _target_gradient(g_sum, prefix_s[t], prefix_y[t],
                                         target[targets_at[t]], weights, k0, nk, s0, s1, True,
                                         out_mask)
            _scaled_with_sums(g_sum, dt_unit, out_mask, prefix_sig[t], gd_prefix[:, t:t + 1],
                              db)
            if t > 0:
                _transposed_sum(WT, i, blocks, gd_prefix[:, t:t + 1], g_y_sum)
            g_next_sum[:] = g_sum
        gd_flat = gd_late.reshape(n_units, n_late * width)
        prev_flat = prev.reshape(n_units, n_late * width)
        for p in range(blocks.shape[0]):
            d0, d1, b0, b1 = blocks[p, 0], blocks[p, 1], blocks[p, 2], blocks[p, 3]
            _dot_block(dW, d0, d1, b0, b1, gd_flat, prev_flat)
            _dot_block(dW, d0, d1, b0, b1, gd_prefix, prefix_prev)
        loss_part[task] = loss


def _kernel_targets(targets):
    """The kernel's form of :class:`~erpsim.training.targets.Targets`.

    Returns
    -------
    target : ndarray (2, n_items, n_sem)
        The patterns, then zeros (the zero targets).
    weights : ndarray (n_items,)
    targets_at : ndarray of int8 (n_ticks,)
        Per tick, the index into ``target`` of its targets, -1 for none.
    """
    patterns = targets.patterns
    target = np.stack([patterns, np.zeros_like(patterns)])
    targets_at = np.where(targets.at, 0, np.where(targets.zero_at, 1, -1)).astype(np.int8)
    return target, targets.weights, targets_at


_local = threading.local()


def _workspace(n_tasks, n, n_late, width, dtype=np.float64, blocks=None):
    """The gradient slots (float64; each task zeroes its own, in the kernel) and the
    history buffers (``dtype``), reused between calls of one thread.

    The history is about 10 MB for the default network; allocating it afresh every
    epoch cost more (page faults) than a quarter of the epoch. Its third per-tick slot
    (σ(net)) is written only for output-integrating units, so its pages stay untouched
    under input integration.
    """
    # the blocks too: a slot's entries outside them are never zeroed again
    key = (n_tasks, n, n_late, width, np.dtype(dtype), None if blocks is None else blocks.tobytes())
    if getattr(_local, "key", None) != key:
        _local.key = key
        _local.arrays = (np.zeros(n_tasks), np.zeros((n_tasks, n, n)), np.zeros((n_tasks, n)),
                         np.empty((n_tasks, 2, n, n_late, width), dtype=dtype),
                         np.empty((n_tasks, 3, n_late, n, width), dtype=dtype))
    return _local.arrays


def loss_and_grad(W, b, x, targets, schedule, mask, dynamics, *, blocks, active=None):
    """Same interface and results as :func:`erpsim.training.reference.loss_and_grad`;
    ``blocks`` limits the sums to the projections that exist, inactive instances are
    not computed.

    The computation runs in the dtype of ``W`` (float64 or float32; anything else is
    taken as float64); the loss and gradients returned are float64 (see the module
    docstring for what float32 sums in float32).
    """
    target, weights, targets_at = _kernel_targets(targets)
    stim, reset, sem_slice = schedule.stim, schedule.reset, targets.sem_slice
    n_inst, n = b.shape
    real = np.float32 if np.asarray(W).dtype == np.float32 else np.float64
    n_tiles, width = tile_layout(n_inst, x.shape[0], dtype=real)
    active = np.ones(n_inst, dtype=np.bool_) if active is None else np.asarray(active, dtype=np.bool_)
    n_late = len(stim) - shared_prefix_length(stim)
    blocks = np.asarray(blocks, dtype=np.int64)
    loss_part, dW_part, db_part, by_unit, by_tick = _workspace(n_inst * n_tiles, n, n_late,
                                                               width, real, blocks)
    f64 = np.float64
    W = np.ascontiguousarray(W, dtype=real)
    d = dynamics
    grad_kernel(W, np.ascontiguousarray(np.swapaxes(W, 1, 2)),
                np.ascontiguousarray(b, dtype=real),
                np.ascontiguousarray(x, dtype=real), np.ascontiguousarray(target, dtype=f64),
                np.ascontiguousarray(weights, dtype=f64), np.asarray(stim, dtype=np.bool_),
                np.asarray(reset, dtype=np.bool_), targets_at,
                *unit_arrays(d, real), bool(d.hard_clamp),
                d.input_slice.start, sem_slice.start, sem_slice.stop, n_tiles, width,
                shared_prefix_length(stim), np.asarray(d.env_mask, dtype=np.bool_),
                np.asarray(d.env_table, dtype=real), real(d.theta), int(d.clock_start),
                int(d.recovery), blocks, active, loss_part,
                dW_part, db_part, by_unit, by_tick)
    loss = loss_part.reshape(n_inst, n_tiles).sum(axis=1)
    dW = np.empty((n_inst, n, n))
    _tile_sums(dW_part, n_tiles, np.asarray(mask, dtype=np.bool_), dW)
    db = db_part.reshape(n_inst, n_tiles, n).sum(axis=1)
    return loss, dW, db
