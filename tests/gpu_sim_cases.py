"""Checks of the CUDA kernel against the NumPy reference, in a process of their own.

Not collected by a plain ``pytest`` run (the name does not start with ``test_``):
``tests/test_gpu.py`` runs this file in a subprocess with ``NUMBA_ENABLE_CUDASIM=1``,
which numba reads once, at import, and which would turn every CUDA call of the test
process into the simulator. By hand:

    NUMBA_ENABLE_CUDASIM=1 python -m pytest -q tests/gpu_sim_cases.py   # simulator
    python -m pytest -q tests/gpu_sim_cases.py                         # a real GPU

Under the simulator the sizes are tiny (each thread is a Python thread); on a device
they are larger (more items than one tile, the default trial length).

Tolerances (outputs lie in [0, 1]):

- float64: ``atol=1e-9``. The kernel sums in another order, may fuse multiply-adds
  and uses CUDA's ``exp`` (within 1-2 ulp); these cases are contracting, so the
  rounding differences stay near 1e-15 (measured: 2e-16 under the simulator), while an
  error in the equations moves outputs by 1e-3 or more.
- float32: ``atol=1e-4``. Rounding is ~6e-8 per operation; the NumPy float32 and
  float64 references of these cases differ by at most 1e-7, and each test first checks
  that they agree within 1e-5, so that no θ crossing sits on a rounding edge (a clock
  starting one tick early or late would exceed the tolerance by far).
"""
import numpy as np
import pytest

cuda = pytest.importorskip("numba.cuda")
from numba.core import config  # noqa: E402

import erpsim  # noqa: E402
from erpsim.engine import gpu, make_schedule, run  # noqa: E402

SIM = bool(config.ENABLE_CUDASIM)
if not SIM and not cuda.is_available():
    pytest.skip("needs a CUDA device or NUMBA_ENABLE_CUDASIM=1", allow_module_level=True)

TOL = {"float64": 1e-9, "float32": 1e-4}
N_ITEMS = 5 if SIM else 70
N_INST = 2 if SIM else 3
# short trials under the simulator; the default timing on a device
TIMING = dict(n_blank=4, n_stim=8) if SIM else {}
ENVELOPE = erpsim.Envelope(theta=0.3, peak=3.0, layers=("A", "H", "S"), recovery=2)


@pytest.fixture(autouse=True)
def small_tiles(monkeypatch):
    """Under the simulator, 8 lanes per block instead of 32: a quarter of the threads."""
    if SIM:
        monkeypatch.setattr(gpu, "TILE", 8)


def make_case(seed=1, n_instances=N_INST, n_items=N_ITEMS, **changes):
    """A network whose units cross θ from below: outputs start at σ(-2) < θ, biases and
    weights (within their signs) are perturbed."""
    kw = dict(n_auto=6, n_hidden=8, n_sem=8, dt=0.5, init_net=-2.0, **TIMING)
    kw.update(changes)
    net = erpsim.Network.initialize(erpsim.ModelConfig(**kw), n_instances=n_instances, rng=0)
    rng = np.random.default_rng(seed)
    net.b += rng.normal(0, 2, net.b.shape)
    net.W *= rng.uniform(0.5, 6.0, net.W.shape)
    x = (rng.random((n_items, net.arch.sizes["O"])) < 0.5).astype(float)
    return net, x


def check(net, x, envelope, dtype, presentations=2):
    schedule = make_schedule(net.config, presentations)
    ref, ref_units = run(net, x, schedule, envelope=envelope, backend="numpy", dtype=dtype,
                         record_units=True)
    if dtype == "float32":  # the case is well conditioned: no θ crossing on a rounding edge
        ref64, _ = run(net, x, schedule, envelope=envelope, backend="numpy", dtype="float64")
        assert np.abs(ref - ref64).max() < 1e-5
    means, units = run(net, x, schedule, envelope=envelope, backend="cuda", dtype=dtype,
                       record_units=True)
    assert means.dtype == np.dtype(dtype) and means.shape == ref.shape
    assert units.shape == ref_units.shape
    np.testing.assert_allclose(means, ref, rtol=0, atol=TOL[dtype])
    np.testing.assert_allclose(units, ref_units, rtol=0, atol=TOL[dtype])
    return means


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("model", ["control", "alpha"])
def test_matches_reference(model, dtype):
    net, x = make_case()
    envelope = ENVELOPE if model == "alpha" else None
    means = check(net, x, envelope, dtype)
    schedule = make_schedule(net.config, 2)
    if model == "alpha":  # the envelope is exercised: clocks start and recover
        control, _ = run(net, x, schedule, backend="numpy", dtype=dtype)
        assert np.abs(means - control).max() > 0.05
        no_recovery = erpsim.Envelope(theta=0.3, peak=3.0, layers=("A", "H", "S"))
        other, _ = run(net, x, schedule, envelope=no_recovery, backend="numpy", dtype=dtype)
        assert np.abs(means - other).max() > 1e-3
    else:  # reset protocol without envelope: both presentations identical
        n = net.config.trial_length
        np.testing.assert_allclose(means[:, :, :n], means[:, :, n:], atol=TOL[dtype])


def test_gap_protocol_alpha():
    net, x = make_case(seed=2, protocol="gap", gap=3)
    check(net, x, ENVELOPE, "float64")


def test_hard_clamp_clock_start_no_record():
    net, x = make_case(seed=3, clamp="hard")
    envelope = erpsim.Envelope(theta=0.3, peak=3.0, layers=("H", "S"), clock_start=1)
    schedule = make_schedule(net.config, 2)
    check(net, x, envelope, "float64")
    means, units = run(net, x, schedule, envelope=envelope, backend="cuda")
    ref, _ = run(net, x, schedule, envelope=envelope, backend="numpy")
    assert units is None
    np.testing.assert_allclose(means, ref, rtol=0, atol=TOL["float64"])


def test_recorded_groups_subset():
    """Only the named groups' means come back, equal to those columns of a full run."""
    net, x = make_case(seed=6)
    schedule = make_schedule(net.config, 2)
    full, _ = run(net, x, schedule, envelope=ENVELOPE, backend="numpy")
    some, _ = run(net, x, schedule, envelope=ENVELOPE, backend="cuda", groups=("S", "A"))
    order = [net.arch.groups.index(g) for g in ("S", "A")]
    assert some.shape == full.shape[:3] + (2,)
    np.testing.assert_allclose(some, full[..., order], rtol=0, atol=TOL["float64"])


def test_pdp_ablation_float32():
    net, x = make_case(seed=4, separate_inhibition=False)
    check(net, x, ENVELOPE, "float32", presentations=1)


def test_tiles_batches_warps(monkeypatch):
    """Full-width (32-lane) and partial tiles, several tiles and launches, other warp
    counts: the same results."""
    net, x = make_case(seed=5, n_instances=2, n_items=7 if SIM else 100)
    schedule = make_schedule(net.config, 2)
    monkeypatch.setattr(gpu, "TILE", 32)
    monkeypatch.setattr(gpu, "MAX_WARPS", 2 if SIM else 8)
    first, _ = run(net, x, schedule, envelope=ENVELOPE, backend="cuda")
    monkeypatch.setattr(gpu, "TILE", 4 if SIM else 16)
    monkeypatch.setattr(gpu, "MAX_BATCH", 1)
    monkeypatch.setattr(gpu, "MAX_WARPS", 3)
    second = check(net, x, ENVELOPE, "float64")
    # each thread sums in the same order whatever the launch shape
    np.testing.assert_array_equal(first, second)


#: The dynamics options (docs/model.md, Dynamics): output integration everywhere with
#: Lens-like initial outputs, and a mix of modes, integration constants and initial
#: outputs per group.
OPTIONS = {
    "output": dict(integration="output", init_output=0.12),
    "mixed": dict(integration={"S": "output", "SI": "output", "default": "input"},
                  dt_groups={"SI": 0.2, "HI": 0.8, "A": 0.3}, init_output={"SI": 0.05}),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("options", sorted(OPTIONS))
def test_dynamics_options_match_reference(options, dtype):
    net, x = make_case(seed=7, **OPTIONS[options])
    means = check(net, x, ENVELOPE, dtype)
    control = check(net, x, None, dtype, presentations=1)
    assert np.abs(means[:, :, :control.shape[2]] - control).max() > 0.05  # clocks ran


@pytest.mark.skipif(SIM, reason="default network size: real device only")
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_default_network_on_device(dtype):
    net = erpsim.Network.initialize(erpsim.ModelConfig(), n_instances=2, rng=0)
    rng = np.random.default_rng(6)
    x = (rng.random((200, net.arch.sizes["O"])) < 0.5).astype(float)
    envelope = erpsim.Envelope(theta=0.1, peak=10.0)
    check(net, x, envelope, dtype)
