"""Backpropagation through time in plain NumPy: the oracle for the numba gradients.

Forward (docs/model.md §3, with the optional envelope cap of §5), with a_t = W y_{t-1}
+ b + ext_t the summed input and dt per unit; input-integrating units::

    net_t = (1 - dt) net_{t-1} + dt a_t,   s_t = σ(net_t)

output-integrating units (Lens ``OUT_INTEGR``)::

    net_t = a_t,   s_t = (1 - dt) y_{t-1} + dt σ(net_t)

and y_t = min(s_t, E(clock_t)) where a clock runs, else s_t.

Loss: cross-entropy between the semantic units and the item's pattern, summed over the
target ticks and units, weighted per item (``weights``, which sum to 1); on the zero-target
ticks (the blank, if chosen) the same with a target of 0 for every semantic unit.

Backward. g_t is dL/dnet_t for input-integrating units and dL/ds_t for
output-integrating ones; h_t = dL/da_t is dt g_t and dt σ'(net_t) g_t respectively (a dt
common to every unit is applied after the sums over units)::

    dL/dy_t = direct_t + Wᵀ h_{t+1} (+ (1 - dt) g_{t+1}, output-integrating units)
    g_t = dL/dy_t · (σ'(net_t), input-integrating units) · (not capped)
          (+ (1 - dt) g_{t+1}, input-integrating units)
    dL/dW += h_t y_{t-1}ᵀ,  dL/db += h_t

A reset before tick t cuts every chain (y_{t-1} and net_{t-1} become constants); a hard
clamped output passes no gradient back. A capped unit passes no gradient to its net
input; the clocks are treated as constants. For input-integrating semantic units at
target ticks the cross-entropy's gradient with respect to the net input is (s - target),
which avoids dividing by y(1 - y); for output-integrating ones it is taken with respect
to the output, (y - target) / (y (1 - y)).
"""
import numpy as np

from erpsim.engine.reference import initial_state, run_ticks

EPS = 1e-12


def forward(W, b, x, stim, reset, dynamics):
    """Run the network and keep what the backward pass needs.

    Parameters
    ----------
    W : ndarray (n_inst, n, n);  b : ndarray (n_inst, n);  x : ndarray (n_items, n_in)
    stim, reset : ndarray of bool (n_ticks,)
    dynamics : Dynamics
        The update's parameters (:class:`erpsim.engine.dynamics.Dynamics`).

    Returns
    -------
    dict with ``y`` (n_ticks + 1, n_inst, n_items, n) — outputs, index 0 the initial
    state and t + 1 tick t; ``s`` (n_ticks, ...) uncapped outputs; ``sig`` (n_ticks, ...)
    σ(net); ``capped`` (n_ticks, ...) bool; ``prev`` (n_ticks, ...) the outputs each
    tick's net input was computed from.
    """
    n_ticks = len(stim)
    shape = (b.shape[0], x.shape[0], b.shape[1])
    ys = np.empty((n_ticks + 1,) + shape)
    ss = np.empty((n_ticks,) + shape)
    sigs = np.empty((n_ticks,) + shape)
    prevs = np.empty((n_ticks,) + shape)
    capped = np.zeros((n_ticks,) + shape, dtype=bool)
    ys[0] = initial_state(dynamics, W.dtype, shape)[1]
    for t, (prev, s, y, sig) in enumerate(run_ticks(W, b, x, stim, reset, dynamics)):
        prevs[t], ss[t], ys[t + 1], sigs[t] = prev, s, y, sig
        capped[t] = (y < s) & dynamics.env_mask
    return {"y": ys, "s": ss, "sig": sigs, "capped": capped, "prev": prevs}


def loss_and_grad(W, b, x, targets, schedule, mask, dynamics, *, blocks, active=None):
    """Loss and its gradient with respect to W and b, per instance.

    The interface every training backend implements (see :mod:`erpsim.engine.registry`).

    Parameters
    ----------
    W : ndarray (n_inst, n, n);  b : ndarray (n_inst, n)
    x : ndarray (n_items, n_in)
        The items' letter patterns.
    targets : Targets
        Semantic patterns, per-item loss weights (the loss is Σ_items w_i · CE_i), the
        target ticks, the zero-target ticks and the semantic units
        (:class:`erpsim.training.targets.Targets`).
    schedule : Schedule
        Its ``stim`` and ``reset`` flags (n_ticks,).
    mask : ndarray of bool (n, n)
        Existing projections; the gradient is zero elsewhere.
    dynamics : Dynamics
        The update's parameters (:class:`erpsim.engine.dynamics.Dynamics`).
    blocks : ndarray of int (n_blocks, 4)
        The projections' unit ranges; not used here (``mask`` zeroes the rest).
    active : ndarray of bool (n_inst,) or None
        Instances to compute (default all); the others get zero loss and gradient.

    Returns
    -------
    loss : ndarray (n_inst,)
    dW : ndarray (n_inst, n, n);  db : ndarray (n_inst, n)
    """
    if active is not None and not np.all(active):
        active = np.asarray(active, dtype=bool)
        loss, dW, db = np.zeros(len(b)), np.zeros_like(W), np.zeros_like(b)
        if active.any():
            loss[active], dW[active], db[active] = loss_and_grad(
                W[active], b[active], x, targets, schedule, mask, dynamics, blocks=blocks)
        return loss, dW, db
    stim, reset, sem_slice = schedule.stim, schedule.reset, targets.sem_slice
    hard_clamp, input_slice = dynamics.hard_clamp, dynamics.input_slice
    dt, out = dynamics.dt_unit, dynamics.output_integration
    # h = dt_out · (dt_in · slope · g): a common dt is applied after the sums (as
    # before per-unit constants existed, which keeps those results bit for bit)
    uniform = bool(np.all(dt == dt[0]))
    dt_in, dt_out = (1.0, dt[0]) if uniform else (dt, 1.0)
    fw = forward(W, b, x, stim, reset, dynamics)
    n_ticks = len(stim)
    n_inst, n = b.shape
    w = targets.weights[None, :, None]
    loss = np.zeros(n_inst)
    dW = np.zeros_like(W)
    db = np.zeros_like(b)
    g_next = np.zeros((n_inst, x.shape[0], n))
    h_next = np.zeros_like(g_next)
    for t in range(n_ticks - 1, -1, -1):
        s, y, capped, sig = fw["s"][t], fw["y"][t + 1], fw["capped"][t], fw["sig"][t]
        chained = t + 1 < n_ticks and not reset[t + 1]
        g_y = dt_out * np.matmul(h_next, W) if chained else np.zeros_like(s)
        if chained:
            g_y += np.where(out, (1.0 - dt) * g_next, 0.0)
        if stim[t] and hard_clamp:
            g_y[..., input_slice] = 0.0
        g = np.where(capped, 0.0, np.where(out, g_y, g_y * s * (1.0 - s)))
        if chained:
            g += np.where(out, 0.0, (1.0 - dt) * g_next)
        if targets.at[t] or targets.zero_at[t]:
            target = targets.patterns if targets.at[t] else 0.0
            ys = np.clip(y[..., sem_slice], EPS, 1.0 - EPS)
            ce = -(target * np.log(ys) + (1.0 - target) * np.log(1.0 - ys))
            loss += (w * ce).sum(axis=(1, 2))
            d_ce = np.where(out[sem_slice], (ys - target) / (ys * (1.0 - ys)),
                            s[..., sem_slice] - target)
            g[..., sem_slice] += np.where(capped[..., sem_slice], 0.0, w * d_ce)
        h = dt_in * np.where(out, sig * (1.0 - sig), 1.0) * g
        dW += dt_out * np.matmul(np.swapaxes(h, 1, 2), fw["prev"][t])
        db += dt_out * h.sum(axis=1)
        g_next, h_next = g, h
    dW[:, ~mask] = 0.0
    return loss, dW, db
