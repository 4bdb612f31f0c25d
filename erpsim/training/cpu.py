"""numba backpropagation through time (same equations as :mod:`erpsim.training.reference`).

Each (instance, tile of items) task runs the forward pass with the simulation engine's
own tick function, keeps the tile's history, then walks back through it: the gradient
with respect to the previous outputs is the forward sum over the transposed weights
(``WT``, the same vectorised block routine), and the weight gradient an outer product
over the tile's 8 items. Every task accumulates its gradient into its own slot; the
slots are summed per instance after.
"""
import math

import numpy as np
from numba import njit, prange

from ..engine.cpu import TILE, _add_block, reset_tile, tick_tile, tile_drive

if TILE != 8:
    raise ImportError("erpsim.training.cpu._outer_block is written out for tiles of 8 items")

EPS = 1e-12


@njit(cache=True, fastmath={"contract"})
def _outer_block(dW, d0, d1, s0, s1, gd, prev):  # written out for TILE == 8
    """dW[d, s] += Σ_k gd[k, d] prev[k, s] over the tile's 8 items (one projection)."""
    p0, p1, p2, p3 = prev[0, s0:s1], prev[1, s0:s1], prev[2, s0:s1], prev[3, s0:s1]
    p4, p5, p6, p7 = prev[4, s0:s1], prev[5, s0:s1], prev[6, s0:s1], prev[7, s0:s1]
    n = s1 - s0
    for d in range(d0, d1):
        c0, c1, c2, c3 = gd[0, d], gd[1, d], gd[2, d], gd[3, d]
        c4, c5, c6, c7 = gd[4, d], gd[5, d], gd[6, d], gd[7, d]
        row = dW[d, s0:s1]
        for j in range(n):
            row[j] += (c0 * p0[j] + c1 * p1[j] + c2 * p2[j] + c3 * p3[j]
                       + c4 * p4[j] + c5 * p5[j] + c6 * p6[j] + c7 * p7[j])


@njit(parallel=True, cache=True)
def grad_kernel(W, WT, b, x, target, weights, stim, reset, targets_at, dt, gain, init_net,
                hard_clamp, in0, s0, s1, env_mask, env_table, theta, clock_start, recovery,
                blocks, active, loss_part, dW_part, db_part):
    n_inst, n_units = b.shape
    n_items = x.shape[0]
    n_ticks = stim.shape[0]
    n_tiles = (n_items + TILE - 1) // TILE
    n_in = x.shape[1]
    use_env = env_mask.any()
    for task in prange(n_inst * n_tiles):
        i = task // n_tiles
        if not active[i]:
            continue
        k0 = (task % n_tiles) * TILE
        nk = min(TILE, n_items - k0)
        net = np.empty((TILE, n_units))
        inp = np.empty((TILE, n_units))
        clock = np.full((TILE, n_units), -1, dtype=np.int64)
        below = np.zeros((TILE, n_units), dtype=np.bool_)
        run_below = np.zeros((TILE, n_units), dtype=np.int64)
        prev = np.empty((n_ticks, TILE, n_units))
        y_hist = np.empty((n_ticks, TILE, n_units))
        s_hist = np.empty((n_ticks, TILE, n_units))
        y = np.empty((TILE, n_units))
        drive = tile_drive(x, k0, hard_clamp, gain, W[0, 0, :1])
        for t in range(n_ticks):
            if t == 0 or reset[t]:
                reset_tile(net, y, below, init_net, theta)
            prev[t] = y
            tick_tile(W, b, i, blocks, drive, stim[t], hard_clamp, in0, dt, use_env,
                      env_mask, env_table, theta, clock_start, recovery, net, y, inp,
                      s_hist[t], clock, below, run_below)
            y_hist[t] = y
        # backward
        dW = dW_part[task]
        db = db_part[task]
        g = np.zeros((TILE, n_units))
        g_next = np.zeros((TILE, n_units))
        g_y = np.zeros((TILE, n_units))
        gd = np.zeros((TILE, n_units))
        loss = 0.0
        for t in range(n_ticks - 1, -1, -1):
            chained = t + 1 < n_ticks and not reset[t + 1]
            clamped = stim[t] and hard_clamp
            for k in range(TILE):
                for u in range(n_units):
                    gu = 0.0
                    if chained:
                        s = s_hist[t, k, u]
                        if not (y_hist[t, k, u] < s or (clamped and in0 <= u < in0 + n_in)):
                            gu = g_y[k, u] * s * (1.0 - s)
                        gu += (1.0 - dt) * g_next[k, u]
                    g[k, u] = gu
            if targets_at[t]:
                for k in range(nk):
                    w = weights[k0 + k]
                    for u in range(s0, s1):
                        yv = min(max(y_hist[t, k, u], EPS), 1.0 - EPS)
                        tv = target[k0 + k, u - s0]
                        loss -= w * (tv * math.log(yv) + (1.0 - tv) * math.log(1.0 - yv))
                        if not (y_hist[t, k, u] < s_hist[t, k, u]):
                            g[k, u] += w * (s_hist[t, k, u] - tv)
            for k in range(TILE):
                for u in range(n_units):
                    gd[k, u] = dt * g[k, u]
                    db[u] += gd[k, u]
            # g_y = dt Wᵀ g for the tick before (the transposed projections), and dW
            g_y[:] = 0.0
            for p in range(blocks.shape[0]):
                _add_block(WT, i, blocks[p, 2], blocks[p, 3], blocks[p, 0], blocks[p, 1], gd, g_y)
                _outer_block(dW, blocks[p, 0], blocks[p, 1], blocks[p, 2], blocks[p, 3], gd, prev[t])
            g_next[:] = g
        loss_part[task] = loss


def loss_and_grad(W, b, x, target, weights, stim, reset, targets_at, sem_slice, mask, *,
                  blocks, active=None, **params):
    """Same interface and results as :func:`erpsim.training.reference.loss_and_grad`
    (plus ``blocks`` and ``active``, a boolean per instance: inactive instances get a
    zero gradient and are not computed). float64 only."""
    n_inst, n = b.shape
    n_tiles = (x.shape[0] + TILE - 1) // TILE
    active = np.ones(n_inst, dtype=np.bool_) if active is None else np.asarray(active, dtype=np.bool_)
    loss_part = np.zeros(n_inst * n_tiles)
    dW_part = np.zeros((n_inst * n_tiles, n, n))
    db_part = np.zeros((n_inst * n_tiles, n))
    f64 = np.float64
    W = np.ascontiguousarray(W, dtype=f64)
    grad_kernel(W, np.ascontiguousarray(np.swapaxes(W, 1, 2)), np.ascontiguousarray(b, dtype=f64),
                np.ascontiguousarray(x, dtype=f64), np.ascontiguousarray(target, dtype=f64),
                np.ascontiguousarray(weights, dtype=f64), np.asarray(stim, dtype=np.bool_),
                np.asarray(reset, dtype=np.bool_), np.asarray(targets_at, dtype=np.bool_),
                f64(params["dt"]), f64(params["gain"]), f64(params["init_net"]),
                bool(params["hard_clamp"]), params["input_slice"].start, sem_slice.start,
                sem_slice.stop, np.asarray(params["env_mask"], dtype=np.bool_),
                np.asarray(params["env_table"], dtype=f64), f64(params["theta"]),
                int(params["clock_start"]), int(params["recovery"]),
                np.asarray(blocks, dtype=np.int64), active, loss_part, dW_part, db_part)
    loss = loss_part.reshape(n_inst, n_tiles).sum(axis=1)
    dW = dW_part.reshape(n_inst, n_tiles, n, n).sum(axis=1)
    db = db_part.reshape(n_inst, n_tiles, n).sum(axis=1)
    dW[:, ~mask] = 0.0
    return loss, dW, db
