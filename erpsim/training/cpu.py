"""numba backpropagation through time (same equations as :mod:`erpsim.training.reference`).

Each (instance, tile of items) task runs the forward pass with the simulation engine's
own tick function, keeps the tile's history, then walks back through it. Every task
accumulates its gradient into its own slot; the slots are summed per instance after.
"""
import math

import numpy as np
from numba import njit, prange

from ..engine.cpu import TILE, reset_tile, tick_tile, tile_drive

EPS = 1e-12


@njit(cache=True, fastmath={"contract"})
def _back_block(W, i, d0, d1, s0, s1, g, prev, g_y, dW, dt):
    """For one projection: g_y[k, s] += dt Σ_d W[d, s] g[k, d]; dW[d, s] += dt Σ_k g[k, d] prev[k, s]."""
    n = s1 - s0
    for d in range(d0, d1):
        w_row = W[i, d, s0:s1]
        dw_row = dW[d, s0:s1]
        for k in range(0, TILE, 4):
            c0, c1, c2, c3 = dt * g[k, d], dt * g[k + 1, d], dt * g[k + 2, d], dt * g[k + 3, d]
            p0, p1, p2, p3 = prev[k, s0:s1], prev[k + 1, s0:s1], prev[k + 2, s0:s1], prev[k + 3, s0:s1]
            q0, q1, q2, q3 = g_y[k, s0:s1], g_y[k + 1, s0:s1], g_y[k + 2, s0:s1], g_y[k + 3, s0:s1]
            for j in range(n):
                w = w_row[j]
                q0[j] += w * c0
                q1[j] += w * c1
                q2[j] += w * c2
                q3[j] += w * c3
                dw_row[j] += c0 * p0[j] + c1 * p1[j] + c2 * p2[j] + c3 * p3[j]


@njit(parallel=True, cache=True)
def grad_kernel(W, b, x, target, weights, stim, reset, targets_at, dt, gain, init_net,
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
                    db[u] += dt * g[k, u]
            g_y[:] = 0.0
            for p in range(blocks.shape[0]):
                _back_block(W, i, blocks[p, 0], blocks[p, 1], blocks[p, 2], blocks[p, 3],
                            g, prev[t], g_y, dW, dt)
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
    grad_kernel(np.ascontiguousarray(W, dtype=f64), np.ascontiguousarray(b, dtype=f64),
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
