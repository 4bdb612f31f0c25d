"""Orthographic autoencoder pretraining: O -> A -> O with excitatory weights (docs/model.md §4).

The A<-O weights are the encoder and the O<-A feedback weights the decoder; both stay
>= 0 (or free in the PDP ablation). Trained full-batch with Adam on the cross-entropy of
the reconstructed letter bits, vectorised over model instances.
"""
import numpy as np

from erpsim.engine.reference import sigmoid
from erpsim.training.optim import Adam


def pretrain_autoencoder(network, x, *, epochs=500, lr=0.03):
    """Pretrain the O<->A projections and the O and A biases of every instance (in place).

    Parameters
    ----------
    network : Network
    x : ndarray (n_items, n_input)
        Letter bits of the trained strings.
    epochs : int
    lr : float
        Adam learning rate.

    Returns
    -------
    ndarray (n_instances,)
        Final mean reconstruction cross-entropy per letter bit.
    """
    arch = network.arch
    o, a = arch.slices["O"], arch.slices["A"]
    constrained = network.config.separate_inhibition
    enc = network.W[:, a, o].copy()          # (inst, nA, nO)
    dec = network.W[:, o, a].copy()          # (inst, nO, nA)
    b_a = network.b[:, a].copy()
    b_o = network.b[:, o].copy()
    params = [enc, dec, b_a, b_o]
    opt = Adam(params, lr=lr)
    n = x.shape[0] * x.shape[1]
    loss = np.zeros(network.n_instances)
    for _ in range(epochs):
        h = sigmoid(np.einsum("iao,no->ina", enc, x) + b_a[:, None])
        r = sigmoid(np.einsum("ioa,ina->ino", dec, h) + b_o[:, None])
        rc = np.clip(r, 1e-12, 1 - 1e-12)
        loss = -(x * np.log(rc) + (1 - x) * np.log(1 - rc)).sum(axis=(1, 2)) / n
        g_r = (r - x) / n                                    # d loss / d net_O
        g_dec = np.einsum("ino,ina->ioa", g_r, h)
        g_h = np.einsum("ino,ioa->ina", g_r, dec) * h * (1 - h)
        g_enc = np.einsum("ina,no->iao", g_h, x)
        opt.step([g_enc, g_dec, g_h.sum(axis=1), g_r.sum(axis=1)])
        if constrained:
            np.maximum(enc, 0.0, out=enc)
            np.maximum(dec, 0.0, out=dec)
    network.W[:, a, o] = enc
    network.W[:, o, a] = dec
    network.b[:, a] = b_a
    network.b[:, o] = b_o
    network.validate()
    return loss
