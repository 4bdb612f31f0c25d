"""Gradients against central finite differences, shared by the gradient tests."""
import numpy as np


def finite_difference_errors(loss_of, net, dW, db, *, n_weights=25, bias_step=3, h=1e-4):
    """Relative errors of ``dW`` and ``db`` against central differences of ``loss_of``.

    Parameters
    ----------
    loss_of : callable
        ``loss_of(W, b) -> (n_instances,)`` per-instance losses.
    net : Network
        Its weights and biases are the point of evaluation (not modified).
    dW, db : ndarray
        The gradients to check, shaped like ``net.W`` and ``net.b``.
    n_weights : int
        Existing connections checked, drawn with seed 0.
    bias_step : int
        Every ``bias_step``-th unit's bias is checked.
    h : float
        Step; truncation error O(h²), smaller steps are dominated by round-off.

    Returns
    -------
    list of float
        Per checked parameter: max over instances of |numeric − analytic| divided by
        max(|numeric|, 1e-3).
    """
    where = np.argwhere(net.arch.mask)
    picked = where[np.random.default_rng(0).choice(len(where), n_weights, replace=False)]
    errors = []
    for d, s in picked:
        Wp, Wm = net.W.copy(), net.W.copy()
        Wp[:, d, s] += h
        Wm[:, d, s] -= h
        numeric = (loss_of(Wp, net.b) - loss_of(Wm, net.b)) / (2 * h)
        errors.append(np.abs(numeric - dW[:, d, s]).max() / max(np.abs(numeric).max(), 1e-3))
    for u in range(0, net.n_units, bias_step):
        bp, bm = net.b.copy(), net.b.copy()
        bp[:, u] += h
        bm[:, u] -= h
        numeric = (loss_of(net.W, bp) - loss_of(net.W, bm)) / (2 * h)
        errors.append(np.abs(numeric - db[:, u]).max() / max(np.abs(numeric).max(), 1e-3))
    return errors
