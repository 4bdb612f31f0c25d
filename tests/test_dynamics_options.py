"""The dynamics options (docs/model.md, Dynamics): output integration, integration
constants and initial outputs per group, in every backend and in the BPTT gradients.

The NumPy reference is checked against an independent scalar implementation of the
equations in ``tests/test_engine.py``; here every backend is held to the reference, and
every gradient backend to finite differences.
"""
import numpy as np
import pytest
from backends import SIMULATORS, TRAINERS
from test_engine import ALPHA, CFG, OPTIONS, letters, varied_network

import erpsim
from erpsim.engine import Dynamics, make_schedule, registry, run
from erpsim.model.config import GROUPS
from erpsim.training import reference as grad_ref
from erpsim.training.trainer import _grad_params, target_ticks
from erpsim.training.targets import Targets
from gradcheck import finite_difference_errors  # noqa: E402  (tests/ helper)

ENVELOPES = {
    "none": None,
    "alpha": ALPHA,
    "biexp_recovery_S": erpsim.Envelope(family="biexp", theta=0.3, tau_rise=1.0,
                                        tau_decay=5.0, recovery=1, layers=("S",),
                                        clock_start=1),
}
RUNS = {"2reset": (2, "reset"), "2gap": (2, "gap")}


def _runs(config, envelope, backend, runs="2reset", dtype=None, x=None):
    net = varied_network(config)
    presentations, protocol = RUNS[runs]
    schedule = make_schedule(config, presentations, protocol, gap=3)
    x = letters() if x is None else x
    return run(net, x, schedule, envelope=envelope, backend=backend, record_units=True,
               dtype=dtype)


@pytest.mark.parametrize("runs", list(RUNS))
@pytest.mark.parametrize("envelope", list(ENVELOPES))
@pytest.mark.parametrize("options", list(OPTIONS))
@pytest.mark.parametrize("backend", SIMULATORS)
def test_backends_match_reference_float64(backend, options, envelope, runs):
    config = CFG.replace(**OPTIONS[options])
    env = ENVELOPES[envelope]
    ref_means, ref_units = _runs(config, env, "numpy", runs)
    means, units = _runs(config, env, backend, runs)
    np.testing.assert_allclose(units, ref_units, rtol=0, atol=1e-10)
    np.testing.assert_allclose(means, ref_means, rtol=0, atol=1e-10)
    assert ref_units.std(axis=1).max() > 0.1  # varied activity: the agreement means something
    if options != "default":  # the option changes the dynamics
        plain, _ = _runs(CFG, env, "numpy", runs)
        assert np.abs(plain - ref_means).max() > 1e-3
    if env is not None:  # the clocks started
        control, _ = _runs(config, None, "numpy", runs)
        assert np.abs(control - ref_means).max() > 1e-3


@pytest.mark.parametrize("envelope", ["none", "alpha"])
@pytest.mark.parametrize("options", list(OPTIONS))
@pytest.mark.parametrize("backend", SIMULATORS)
def test_float32_agrees_with_float64(backend, options, envelope):
    """Within 1e-5, the tolerance of ``test_engine.test_float32_agrees_with_float64``."""
    config = CFG.replace(**OPTIONS[options])
    env = ENVELOPES[envelope]
    ref, ref_units = _runs(config, env, "numpy")
    low, low_units = _runs(config, env, backend, dtype="float32")
    assert low.dtype == np.float32
    np.testing.assert_allclose(low_units, ref_units, rtol=0, atol=1e-5)
    np.testing.assert_allclose(low, ref, rtol=0, atol=1e-5)


@pytest.mark.parametrize("backend", SIMULATORS)
def test_defaults_spelled_out_are_bit_identical(backend):
    """Input integration everywhere, every group's dt given as ``dt``, no initial
    outputs: the same numbers, bit for bit, as the defaults."""
    spelled = CFG.replace(integration={"default": "input"},
                          dt_groups={group: CFG.dt for group in GROUPS}, init_output=None)
    for env in (None, ALPHA):
        default, default_units = _runs(CFG, env, backend)
        same, same_units = _runs(spelled, env, backend)
        np.testing.assert_array_equal(same, default)
        np.testing.assert_array_equal(same_units, default_units)


def test_default_dynamics_are_todays():
    net = varied_network(CFG)
    d = Dynamics.from_network(net, None, 10)
    np.testing.assert_array_equal(d.dt_unit, np.full(net.n_units, CFG.dt))
    assert not d.output_integration.any() and not d.use_output_integration
    np.testing.assert_array_equal(d.init_net_unit, np.full(net.n_units, CFG.init_net))
    # a Dynamics built by hand (no per-unit arrays) gets the same ones
    manual = Dynamics(dt=d.dt, gain=d.gain, init_net=d.init_net, hard_clamp=d.hard_clamp,
                      input_slice=d.input_slice, env_mask=d.env_mask, env_table=d.env_table,
                      theta=d.theta, clock_start=d.clock_start, recovery=d.recovery)
    for name in ("dt_unit", "output_integration", "init_net_unit", "init_out_unit"):
        np.testing.assert_array_equal(getattr(manual, name), getattr(d, name))


def test_per_unit_arrays_follow_the_groups():
    config = CFG.replace(**OPTIONS["mixed"])
    net = varied_network(config)
    d = Dynamics.from_network(net, None, 10)
    sl = net.arch.slices
    assert d.output_integration[sl["S"]].all() and d.output_integration[sl["O"]].all()
    assert not d.output_integration[sl["H"]].any()
    assert (d.dt_unit[sl["SI"]] == 0.1).all() and (d.dt_unit[sl["A"]] == 0.5).all()
    assert (d.dt_unit[sl["H"]] == config.dt).all()
    assert (d.init_out_unit[sl["S"]] == 0.1).all()
    # input-integrating pools that start at an output p start at net input logit(p)
    np.testing.assert_allclose(d.init_net_unit[sl["HI"]], np.log(0.05 / 0.95))
    assert (d.init_net_unit[sl["A"]] == config.init_net).all()


@pytest.mark.parametrize("backend", SIMULATORS)
def test_output_integration_at_dt_one_is_input_integration(backend):
    """With dt = 1 both modes are y_t = σ(W y_{t-1} + b + ext_t): the same numbers."""
    for env in (None, ALPHA):
        inp, _ = _runs(CFG.replace(dt=1.0), env, backend)
        out, _ = _runs(CFG.replace(dt=1.0, integration="output"), env, backend)
        np.testing.assert_array_equal(out, inp)


@pytest.mark.parametrize("backend", SIMULATORS)
def test_output_integration_relaxes_at_a_constant_ratio(backend):
    """Lens OUT_INTEGR under a constant input: y_t - σ(b) = (1 - dt)^(t+1) (y_0 - σ(b)),
    with each group's own dt and initial output; input integration does not do that."""
    options = dict(integration="output", dt_groups={"S": 0.5, "SI": 0.1},
                   init_output={"default": 0.5, "S": 0.9, "HI": 0.02})
    config = CFG.replace(**options)
    net = varied_network(config)
    net.W[:] = 0.0
    schedule = make_schedule(config, 1)  # the first n_blank ticks have no input
    _, units = run(net, letters(), schedule, backend=backend, record_units=True)
    d = Dynamics.from_network(net, None, schedule.n_ticks)
    target = 1.0 / (1.0 + np.exp(-net.b))[:, None, None, :]
    ticks = np.arange(config.n_blank)[None, None, :, None]
    expected = target + (1.0 - d.dt_unit) ** (ticks + 1) * (d.init_out_unit - target)
    expected = np.broadcast_to(expected, units[:, :, :config.n_blank].shape)
    np.testing.assert_allclose(units[:, :, :config.n_blank], expected, rtol=0, atol=1e-12)
    _, inp_units = run(net.with_config(integration="input"), letters(), schedule,
                       backend=backend, record_units=True)
    assert np.abs(inp_units[:, :, :config.n_blank] - expected).max() > 1e-2


@pytest.mark.parametrize("backend", SIMULATORS)
@pytest.mark.parametrize("options", ["output_init", "mixed"])
def test_batch_of_items_equals_single_item_runs(backend, options):
    """The numba kernels compute the blank ticks once for all items: exact under the
    options too (each item alone gives the same numbers)."""
    config = CFG.replace(**OPTIONS[options])
    x = letters(11)
    batch, units = _runs(config, ALPHA, backend, x=x)
    for k in range(len(x)):
        single, single_units = _runs(config, ALPHA, backend, x=x[k:k + 1])
        np.testing.assert_allclose(batch[:, k:k + 1], single, rtol=0, atol=1e-12)
        np.testing.assert_allclose(units[:, k:k + 1], single_units, rtol=0, atol=1e-12)


# -- gradients ---------------------------------------------------------------------------
SMALL = dict(n_auto=5, n_hidden=6, n_sem=7, n_blank=3, n_stim=6, n_targets=3)
GRAD_CASES = {
    "output": (dict(integration="output"), None),
    "output hard clamp": (dict(integration="output", clamp="hard"), None),
    "output, initial outputs, alpha": (dict(integration="output", init_output=0.05),
                                       erpsim.Envelope(theta=0.3, peak=3.0, recovery=2)),
    "dt per group": (dict(dt_groups={"SI": 0.1, "H": 0.7, "AI": 0.2}), None),
    "initial outputs per group, biexp on S": (
        dict(init_output={"S": 0.05, "default": 0.3}, dt_groups={"OI": 0.2}),
        erpsim.Envelope(family="biexp", theta=0.2, tau_rise=1.0, tau_decay=3.0,
                        layers=("S",))),
    "mixed, alpha": (dict(integration={"S": "output", "SI": "output", "A": "output"},
                          dt_groups={"SI": 0.1, "S": 0.5}, init_output={"SI": 0.05},
                          init_net=-3.0),
                     erpsim.Envelope(theta=0.3, peak=3.0)),
}


def gradient_problem(config, envelope, n_items=9, seed=2):
    """A small network whose units move through their whole range, random items,
    targets and weights; the arguments of every backend's ``loss_and_grad``."""
    net = erpsim.Network.initialize(config, 2, rng=0)
    gen = np.random.default_rng(1)
    net.W += gen.uniform(0, 0.8, net.W.shape) * net.arch.mask
    net.project_signs()
    net.b += gen.normal(0, 2.0, net.b.shape)
    gen = np.random.default_rng(seed)
    x = (gen.random((n_items, config.n_input)) < 0.5).astype(float)
    target = (gen.random((n_items, config.n_sem)) < 0.3).astype(float)
    weights = gen.random(n_items)
    schedule = make_schedule(config, 2)
    at = target_ticks(schedule, config.n_targets)
    targets = Targets(target, weights, at, np.zeros_like(at), net.arch.semantic_slice)
    args = (x, targets, schedule, net.arch.mask, _grad_params(net, envelope, schedule))
    return net, args, {"blocks": net.arch.blocks}


@pytest.mark.parametrize("backend", TRAINERS)
@pytest.mark.parametrize("case", list(GRAD_CASES))
def test_gradient_matches_finite_differences(case, backend):
    changes, envelope = GRAD_CASES[case]
    config = erpsim.ModelConfig(**SMALL, **changes)
    net, args, kw = gradient_problem(config, envelope)
    loss_and_grad = registry.get(backend, trains=True).gradient_module().loss_and_grad
    loss, dW, db = loss_and_grad(net.W, net.b, *args, **kw)
    if envelope is not None:
        fw = grad_ref.forward(net.W, net.b, args[0], args[2].stim, args[2].reset, args[-1])
        assert fw["capped"].any(), "the envelope must cap some units for this test to mean anything"

    def numeric(W, b):
        return grad_ref.loss_and_grad(W, b, *args, **kw)[0]

    errors = finite_difference_errors(numeric, net, dW, db)
    assert max(errors) < 1e-5


@pytest.mark.parametrize("backend", TRAINERS)
@pytest.mark.parametrize("case", list(GRAD_CASES))
def test_gradient_backends_equal_the_reference(case, backend):
    changes, envelope = GRAD_CASES[case]
    config = erpsim.ModelConfig(**SMALL, **changes)
    net, args, kw = gradient_problem(config, envelope, n_items=11)
    expected = grad_ref.loss_and_grad(net.W, net.b, *args, **kw)
    loss_and_grad = registry.get(backend, trains=True).gradient_module().loss_and_grad
    got = loss_and_grad(net.W, net.b, *args, **kw)
    for e, g in zip(expected, got):
        np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("backend", TRAINERS)
def test_blank_zero_targets_under_output_integration(backend):
    """The two option sets together: zero targets on the blank ticks (shared by every
    item in the numba kernel) with output-integrating semantic units and pools."""
    changes, envelope = GRAD_CASES["mixed, alpha"]
    config = erpsim.ModelConfig(**SMALL, **changes)
    net, (x, targets, schedule, mask, dynamics), kw = gradient_problem(config, envelope)
    blank = ~np.asarray(schedule.stim, dtype=bool) & ~targets.at
    targets = Targets(targets.patterns, targets.weights, targets.at, blank, targets.sem_slice)
    args = (x, targets, schedule, mask, dynamics)
    expected = grad_ref.loss_and_grad(net.W, net.b, *args, **kw)
    got = registry.get(backend, trains=True).gradient_module().loss_and_grad(
        net.W, net.b, *args, **kw)
    for e, g in zip(expected, got):
        np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-12)
    h = 1e-4
    for u in range(0, net.n_units, 7):
        bp, bm = net.b.copy(), net.b.copy()
        bp[:, u] += h
        bm[:, u] -= h
        fd = (grad_ref.loss_and_grad(net.W, bp, *args, **kw)[0]
              - grad_ref.loss_and_grad(net.W, bm, *args, **kw)[0]) / (2 * h)
        assert np.abs(fd - got[2][:, u]).max() / max(np.abs(fd).max(), 1e-3) < 1e-5
