"""Adam (Kingma & Ba 2015) over a list of arrays, updated in place, per model instance.

The step runs as one compiled loop per parameter (:func:`_adam_rows`) when the
parameter, its moments and its gradient are C-contiguous float64 arrays (the trainer's
case), else as NumPy expressions (:meth:`Adam._step_numpy`). Both do the same
arithmetic in the same order, so they give the same numbers bit for bit
(``tests/test_training.py``); the compiled loop makes no temporaries (the NumPy step
cost a fixed ~0.2 ms per epoch for one instance, the sign projection another ~0.3 ms).
"""
import weakref

import numpy as np
from numba import njit

from erpsim.model.network import project_signs

_CODES = weakref.WeakKeyDictionary()     # Architecture -> its sign_codes


@njit(cache=True, error_model="numpy")
def _adam_rows(p, g, m, v, active, scale, coef, signs):
    """Adam's step on ``p`` (n_instances, size), in place, for the active instances,
    then the sign projection of every instance if ``signs`` is not empty.

    ``scale``: per instance the learning rate and the bias corrections 1 - β₁ᵗ and
    1 - β₂ᵗ (3, n_instances); ``coef``: β₁, 1 - β₁, β₂, 1 - β₂, ε. ``signs`` (size,)
    or (0,): 0 absent connection (set to +0), 1 at least 0, -1 at most 0, 2 free (the
    results of :func:`erpsim.model.network.project_signs`: -0 becomes +0, NaN stays).
    The order of operations is the NumPy step's (no fused multiply-adds).
    """
    b1, c_b1, b2, c_b2, eps = coef[0], coef[1], coef[2], coef[3], coef[4]
    for i in range(p.shape[0]):
        if active[i]:
            lr, c1, c2 = scale[0, i], scale[1, i], scale[2, i]
            p_i, g_i, m_i, v_i = p[i], g[i], m[i], v[i]
            for j in range(p_i.shape[0]):
                gj = g_i[j]
                mj = b1 * m_i[j] + c_b1 * gj
                vj = b2 * v_i[j] + c_b2 * gj * gj
                m_i[j] = mj
                v_i[j] = vj
                p_i[j] = p_i[j] - lr * (mj / c1) / (np.sqrt(vj / c2) + eps)
        p_i = p[i]
        for j in range(signs.shape[0]):
            w, code = p_i[j], signs[j]
            keep = code == 2 or (code != 0 and w != w) or (code == 1 and w > 0.0) or (
                code == -1 and w < 0.0)
            p_i[j] = w if keep else 0.0


def sign_codes(arch):
    """The sign constraints of ``arch`` (an :class:`~erpsim.model.network.Architecture`)
    as :meth:`Adam.step`'s ``signs``: per connection, flattened, 0 absent, 1 at least 0,
    -1 at most 0, 2 free. Computed once per architecture (whose mask and signs are
    fixed when it is made); do not modify the array returned."""
    codes = _CODES.get(arch)
    if codes is None:
        sign = np.where(arch.sign > 0, 1, np.where(arch.sign < 0, -1, 2))
        codes = _CODES[arch] = np.where(arch.mask, sign, 0).astype(np.int8).ravel()
    return codes


def _compiled(p, g, m, v):
    return all(a.dtype == np.float64 and a.flags.c_contiguous for a in (p, g, m, v))


class Adam:
    """Adam with bias correction; the first axis of every parameter is the instance.

    ``step(grads, active)`` updates only the instances where ``active`` is True, each
    with its own step count and learning rate (``lr``, an array per instance).
    """

    def __init__(self, params, lr=0.03, beta1=0.9, beta2=0.999, eps=1e-8):
        self.params = params
        self.lr = np.full(params[0].shape[0], float(lr))      # per instance
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.t = np.zeros(params[0].shape[0], dtype=np.int64)

    def step(self, grads, active=None, arch=None):
        """One step of the ``active`` instances (default all).

        ``arch`` (an :class:`~erpsim.model.network.Architecture`): then project the first
        parameter (the weights, every instance) onto its sign constraints with
        :func:`erpsim.model.network.project_signs`'s results — in the compiled pass over
        the weights (:func:`sign_codes`), or by ``project_signs`` itself after the NumPy
        step.
        """
        n_inst = self.params[0].shape[0]
        active = np.ones(n_inst, dtype=bool) if active is None else np.asarray(active, dtype=bool)
        self.t[active] += 1
        t = np.maximum(self.t, 1).astype(float)
        c1 = 1.0 - self.beta1 ** t
        c2 = 1.0 - self.beta2 ** t
        scale = np.stack([self.lr, c1, c2])
        coef = np.array([self.beta1, 1 - self.beta1, self.beta2, 1 - self.beta2, self.eps])
        none = np.zeros(0, dtype=np.int8)
        for n, (p, g, m, v) in enumerate(zip(self.params, grads, self.m, self.v)):
            project = arch is not None and n == 0
            if _compiled(p, g, m, v):
                _adam_rows(p.reshape(n_inst, -1), g.reshape(n_inst, -1),
                           m.reshape(n_inst, -1), v.reshape(n_inst, -1), active, scale, coef,
                           sign_codes(arch) if project else none)
                continue
            self._step_numpy(p, g, m, v, active, c1, c2)
            if project:
                project_signs(p, arch)

    def _step_numpy(self, p, g, m, v, active, c1, c2):
        """The step of one parameter in NumPy (any dtype or memory layout)."""
        shape = (p.shape[0],) + (1,) * (p.ndim - 1)
        sel = active.reshape(shape)
        m[...] = np.where(sel, self.beta1 * m + (1 - self.beta1) * g, m)
        v[...] = np.where(sel, self.beta2 * v + (1 - self.beta2) * g * g, v)
        lr = self.lr.reshape(shape)
        update = lr * (m / c1.reshape(shape)) / (np.sqrt(v / c2.reshape(shape)) + self.eps)
        p -= np.where(sel, update, 0.0)

    def restart(self, instances):
        """Forget the moments and step count of the given instances (after a rollback)."""
        for m, v in zip(self.m, self.v):
            m[instances] = 0.0
            v[instances] = 0.0
        self.t[instances] = 0

    def state(self):
        return {"m": [m.copy() for m in self.m], "v": [v.copy() for v in self.v],
                "t": self.t.copy(), "lr": self.lr.copy()}

    def load_state(self, state):
        for dst, src in zip(self.m, state["m"]):
            dst[...] = src
        for dst, src in zip(self.v, state["v"]):
            dst[...] = src
        self.t[...] = state["t"]
        if "lr" in state:
            self.lr[...] = state["lr"]
