"""float32 in the numba kernels (issue #15): the float32 logistic, BPTT gradients in
float32, and ``TrainingSettings(dtype="float32")``.

Tolerances (docs/model.md, "Precision"): the float32 logistic is within 1e-7 of the
float64 one (measured 9e-8, 1.5 ulps of 0.5); float32 gradients are within 2e-6 of the
float64 reference, relative to the largest gradient of the instance's W, b or loss
(measured at most 3.3e-7 over the cases below, 70 items: wide, vectorised tiles).
"""
import numba
import numpy as np
import pytest
from numba import njit
from test_dynamics_options import GRAD_CASES
from test_training import CASES, SMALL, problem, tiny_lexicon

import erpsim
from erpsim.engine.logistic import logistic
from erpsim.training import TrainingSettings, train
from erpsim.training import cpu as grad_cpu
from erpsim.training import reference as grad_ref
from erpsim.training.trainer import run_identity


@njit(error_model="numpy")
def _logistic_all(v, out):
    for j in range(v.shape[0]):
        out[j] = logistic(v[j])


@njit(error_model="numpy")
def _logistic_one(v):
    return logistic(v)


def test_float32_logistic_is_float32_and_accurate():
    v = np.concatenate([np.linspace(-100.0, 100.0, 400_001),
                        np.random.default_rng(0).normal(0.0, 6.0, 100_000)]).astype(np.float32)
    low = np.empty_like(v)
    _logistic_all(v, low)
    high = np.empty(v.shape)
    _logistic_all(v.astype(np.float64), high)
    diff = np.abs(low.astype(np.float64) - high)
    assert diff.max() <= 1e-7
    normal = high >= 1e-30
    assert (diff[normal] / high[normal]).max() <= 2.5e-7
    assert _logistic_one(np.float32(0.0)) == 0.5
    returns = {sig.args[0]: sig.return_type for sig in _logistic_one.nopython_signatures}
    assert returns[numba.float32] == numba.float32  # computed in float32, not float64


def test_float32_logistic_extremes_and_nan():
    v = np.array([np.nan, np.inf, -np.inf, 100.0, -100.0, -87.0], dtype=np.float32)
    out = np.empty_like(v)
    _logistic_all(v, out)
    assert np.isnan(out[0]) and out[1] == 1.0 and out[3] == 1.0
    # below exp(-87) the value stays at exp(-87) (documented), a normal float32
    floor = np.float32(np.exp(-87.0))
    np.testing.assert_allclose(out[[2, 4, 5]], floor, rtol=3e-7)
    assert (out[[2, 4, 5]] >= np.finfo(np.float32).tiny).all()


GRADIENT_CASES = {name: (changes, env) for name, changes, env in CASES}
GRADIENT_CASES.update(GRAD_CASES)
TARGETS = {"default": {}, "window": {"window": (1, 4)}, "blank zero targets": {"blank": True}}


@pytest.mark.parametrize("targets", list(TARGETS))
@pytest.mark.parametrize("case", list(GRADIENT_CASES))
def test_float32_gradients_agree_with_float64_reference(case, targets):
    changes, envelope = GRADIENT_CASES[case]
    config = erpsim.ModelConfig(**SMALL, **changes)
    net, args, params = problem(config, envelope, n_items=70, **TARGETS[targets])
    expected = grad_ref.loss_and_grad(net.W, net.b, *args, **params)
    got = grad_cpu.loss_and_grad(net.W.astype(np.float32), net.b.astype(np.float32), *args,
                                 **params)
    same_weights_f64 = grad_cpu.loss_and_grad(net.W.astype(np.float32).astype(np.float64),
                                              net.b.astype(np.float32).astype(np.float64),
                                              *args, **params)
    for e, g, g64 in zip(expected, got, same_weights_f64):
        assert g.dtype == np.float64
        scale = np.abs(e).max(axis=tuple(range(1, e.ndim)), keepdims=True)
        assert (np.abs(g - e) <= 2e-6 * scale).all()
    # computed in float32, not float32 numbers fed to a float64 computation
    assert np.abs(got[1] - same_weights_f64[1]).max() > 0


def test_float32_training_settings():
    assert TrainingSettings().dtype == "float64"
    assert "dtype" not in TrainingSettings().to_dict()  # old identities stay valid
    assert TrainingSettings(dtype="float32").to_dict()["dtype"] == "float32"
    with pytest.raises(ValueError, match="dtype"):
        TrainingSettings(dtype="float16")
    with pytest.raises(ValueError, match="float32.*numba.*numpy"):
        TrainingSettings(dtype="float32", backend="numpy")
    net = erpsim.Network.initialize(erpsim.ModelConfig(**SMALL), 1, rng=1)
    trained = tiny_lexicon().trained
    assert (run_identity(net, trained, TrainingSettings(dtype="float32"))["training settings"]
            != run_identity(net, trained, TrainingSettings())["training settings"])


def test_float32_training_converges_like_float64():
    """Two instances of a small network reach criterion in float32 as in float64; the
    weights stay float64 and the trained networks read alike."""
    config = erpsim.ModelConfig(n_auto=10, n_hidden=20, n_sem=20, n_blank=4, n_stim=10)
    nets = {}
    for dtype in ("float64", "float32"):
        settings = TrainingSettings(max_epochs=4000, check_every=20, n_active=3,
                                    pretrain_epochs=100, dtype=dtype)
        nets[dtype], _ = train(erpsim.Network.initialize(config, 2, rng=5), tiny_lexicon(),
                               settings, progress=False)
        assert list(nets[dtype].meta["accuracy"]) == [1.0, 1.0]
        assert nets[dtype].W.dtype == np.float64
    assert nets["float32"].meta["training"]["dtype"] == "float32"
    assert not np.array_equal(nets["float32"].W, nets["float64"].W)
