"""Adam (Kingma & Ba 2015) over a list of arrays, updated in place, per model instance."""
import numpy as np


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

    def step(self, grads, active=None):
        n_inst = self.params[0].shape[0]
        active = np.ones(n_inst, dtype=bool) if active is None else np.asarray(active, dtype=bool)
        self.t[active] += 1
        t = np.maximum(self.t, 1).astype(float)
        c1 = 1.0 - self.beta1 ** t
        c2 = 1.0 - self.beta2 ** t
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            shape = (n_inst,) + (1,) * (p.ndim - 1)
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
