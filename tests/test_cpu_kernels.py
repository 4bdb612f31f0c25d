"""What the numba kernels do that the NumPy reference does not: the vectorisable
logistic, wide item tiles, the shared pre-stimulus ticks, and results that do not depend
on the number of threads."""
import numba
import numpy as np
import pytest
from numba import njit

import erpsim
from erpsim.model.config import Envelope, ModelConfig
from erpsim.engine import make_schedule, run
from erpsim.engine.cpu import shared_prefix_length, tile_layout
from erpsim.engine.logistic import logistic
from erpsim.engine.schedule import Schedule
from erpsim.model.network import Network
from erpsim.training import cpu as grad_cpu
from erpsim.training import reference as grad_ref
from erpsim.training.targets import Targets, target_ticks
from erpsim.training.trainer import _grad_params


@njit(error_model="numpy")
def _logistic_all(v, out):
    for j in range(v.shape[0]):
        out[j] = logistic(v[j])


def test_logistic_matches_numpy_to_a_few_ulp():
    v = np.concatenate([np.linspace(-745.0, 745.0, 200_001),
                        np.random.default_rng(0).normal(0.0, 6.0, 100_000),
                        [0.0, -0.0, 1e-300, -1e-300, 36.7, -36.7]])
    out = np.empty_like(v)
    _logistic_all(v, out)
    with np.errstate(over="ignore"):
        expected = 1.0 / (1.0 + np.exp(-v))
    assert np.abs(out - expected).max() <= 2.5e-16
    normal = v > -700.0
    assert (np.abs(out - expected)[normal] / expected[normal]).max() < 1e-15
    assert (out[v == 0.0] == 0.5).all()


def test_logistic_extremes_and_nan():
    v = np.array([np.nan, np.inf, -np.inf, 800.0, -800.0, -708.0])
    out = np.empty_like(v)
    _logistic_all(v, out)
    assert np.isnan(out[0])
    assert out[1] == 1.0 and out[3] == 1.0
    # below exp(-708) the value stays at exp(-708) (documented) instead of a subnormal
    assert 0.0 < out[2] <= 3.4e-308 and 0.0 < out[4] <= 3.4e-308
    np.testing.assert_allclose(out[5], np.exp(-708.0), rtol=1e-15)


def test_logistic_accepts_float32():
    v = np.linspace(-20, 20, 101, dtype=np.float32)
    out = np.empty_like(v)
    _logistic_all(v, out)
    np.testing.assert_allclose(out, 1.0 / (1.0 + np.exp(-v.astype(np.float64))), rtol=1e-6)


@pytest.mark.parametrize("n_inst,n_items,expected", [
    (10, 200, (1, 200)),     # one tile per instance
    (1, 100, (2, 50)),       # a single instance still makes MIN_TASKS tasks
    (2, 600, (3, 200)),      # at most MAX_TILE items per tile
    (1, 1, (1, 1)),          # never more tiles than items
])
def test_tile_layout(n_inst, n_items, expected):
    n_tiles, width = tile_layout(n_inst, n_items)
    assert (n_tiles, width) == expected
    assert n_tiles * width >= n_items > (n_tiles - 1) * width


@pytest.mark.parametrize("n_inst,n_items,expected", [
    (1, 100, (2, 64)),       # 50 items a tile, padded to a multiple of 16 in float32
    (10, 200, (1, 208)),
    (1, 20, (2, 10)),        # narrow tiles are not padded
    (1, 34, (2, 32)),        # 17 items a tile
])
def test_float32_tiles_are_padded(n_inst, n_items, expected):
    """Padded columns carry no item: the float32 agreement tests (tests/test_float32.py,
    70 items: tiles of 35 padded to 48) hold the results to the reference."""
    assert tile_layout(n_inst, n_items, dtype=np.float32) == expected
    assert tile_layout(n_inst, n_items) == tile_layout(n_inst, n_items, dtype=np.float64)


def test_shared_prefix_length():
    assert shared_prefix_length([False, False, True, False]) == 2
    assert shared_prefix_length([True, False]) == 0
    assert shared_prefix_length([False, False]) == 2


TINY = ModelConfig(n_auto=6, n_hidden=8, n_sem=8, n_blank=5, n_stim=9, onset_tick=5,
                   init_net=-2.0)


def varied(config, n_instances, seed=1):
    net = Network.initialize(config, n_instances, rng=seed)
    gen = np.random.default_rng(seed + 100)
    return Network(config, net.W * gen.uniform(0.0, 4.0, net.W.shape),
                   gen.uniform(-3.0, 1.0, net.b.shape))


def letters(n_items, seed=0):
    return np.random.default_rng(seed).integers(0, 2, (n_items, 15)).astype(float)


def custom_schedule(stim, reset):
    stim, reset = np.array(stim, dtype=bool), np.array(reset, dtype=bool)
    return Schedule(stim=stim, reset=reset, starts=np.array([0]), ticks=np.arange(len(stim)))


SCHEDULES = {
    "repetition pair": lambda: make_schedule(TINY, 2),
    "no blank": lambda: make_schedule(TINY.replace(n_blank=0, onset_tick=0), 1),
    # a reset inside the shared ticks, then two stimulus stretches
    "reset in prefix": lambda: custom_schedule([0, 0, 0, 0, 1, 1, 0, 1, 1, 1],
                                               [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]),
    "no stimulus": lambda: custom_schedule([0] * 6, [0, 0, 0, 1, 0, 0]),
}
WIDE = {"wide tiles": (2, 300), "many tiles": (1, 150)}


@pytest.mark.parametrize("schedule", list(SCHEDULES))
@pytest.mark.parametrize("size", list(WIDE))
@pytest.mark.parametrize("envelope", [None, Envelope(family="alpha", theta=0.3, peak=3.0,
                                                      recovery=2)], ids=["erp", "alpha"])
@pytest.mark.parametrize("clamp", ["soft", "hard"])
def test_wide_tiles_match_reference(schedule, size, envelope, clamp):
    """Tiles wide enough for the vectorised loops (the other tests use a few items)."""
    n_inst, n_items = WIDE[size]
    config = TINY.replace(clamp=clamp)
    net = varied(config, n_inst)
    sched = SCHEDULES[schedule]()
    x = letters(n_items)
    ref_means, ref_units = run(net, x, sched, envelope=envelope, backend="numpy", record_units=True)
    got_means, got_units = run(net, x, sched, envelope=envelope, backend="numba", record_units=True)
    np.testing.assert_allclose(got_units, ref_units, rtol=0, atol=1e-10)
    np.testing.assert_allclose(got_means, ref_means, rtol=0, atol=1e-10)
    assert ref_units.std(axis=1).max() > 0.1 or not sched.stim.any()


@pytest.mark.parametrize("schedule", list(SCHEDULES))
def test_shared_ticks_are_the_same_for_every_item(schedule):
    net = varied(TINY, 2)
    sched = SCHEDULES[schedule]()
    _, units = run(net, letters(40), sched, backend="numba", record_units=True)
    n_prefix = shared_prefix_length(sched.stim)
    assert (units[:, :, :n_prefix] == units[:, :1, :n_prefix]).all()
    if n_prefix < sched.n_ticks:
        assert units[:, :, n_prefix:].std(axis=1).max() > 0.01


def _grad_problem(n_inst, n_items, envelope=None, schedule=None, seed=2, at=None):
    config = ModelConfig(n_auto=5, n_hidden=6, n_sem=7, n_blank=3, n_stim=6, n_targets=3,
                         init_net=-3.0 if envelope is not None else 0.0)
    net = varied(config, n_inst)
    gen = np.random.default_rng(seed)
    x = (gen.random((n_items, config.n_input)) < 0.5).astype(float)
    target = (gen.random((n_items, config.n_sem)) < 0.3).astype(float)
    weights = gen.random(n_items)
    sched = schedule or make_schedule(config, 2)
    params = _grad_params(net, envelope, sched)
    at = target_ticks(sched, config.n_targets) if at is None else at
    targets = Targets(target, weights, at, np.zeros_like(at), net.arch.semantic_slice)
    args = (x, targets, sched, net.arch.mask, params)
    # the arguments of every backend's loss_and_grad: (*args, **kw)
    return net, args, {"blocks": net.arch.blocks}


@pytest.mark.parametrize("n_inst,n_items", [(1, 70), (2, 130)])
@pytest.mark.parametrize("envelope", [None, Envelope(family="biexp", theta=0.2, tau_rise=1.0,
                                                      tau_decay=3.0, layers=("S",))],
                         ids=["erp", "biexp"])
def test_wide_tile_gradients_match_reference(n_inst, n_items, envelope):
    net, args, params = _grad_problem(n_inst, n_items, envelope)
    expected = grad_ref.loss_and_grad(net.W, net.b, *args, **params)
    got = grad_cpu.loss_and_grad(net.W, net.b, *args, **params)
    for e, g in zip(expected, got):
        np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-12)


def test_gradients_with_targets_in_the_shared_ticks():
    """Target ticks before the stimulus exercise the summed-over-items backward pass."""
    sched = custom_schedule([0, 0, 0, 0, 1, 1, 1], [0, 0, 1, 0, 0, 0, 0])
    net, args, params = _grad_problem(1, 20, schedule=sched,
                                      at=np.array([0, 1, 0, 1, 0, 1, 1], dtype=bool))
    expected = grad_ref.loss_and_grad(net.W, net.b, *args, **params)
    got = grad_cpu.loss_and_grad(net.W, net.b, *args, **params)
    for e, g in zip(expected, got):
        np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-12)


@pytest.fixture
def one_thread_then_restore():
    before = numba.get_num_threads()
    yield
    numba.set_num_threads(before)


def test_results_do_not_depend_on_the_number_of_threads(one_thread_then_restore):
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("needs numba to be allowed at least 2 threads")
    net, args, params = _grad_problem(1, 90)
    sim_net = varied(TINY, 3)
    x = letters(50)
    sched = make_schedule(TINY, 2)
    env = Envelope(family="alpha", theta=0.3, peak=3.0)
    numba.set_num_threads(2)
    grads_2 = grad_cpu.loss_and_grad(net.W, net.b, *args, **params)
    sim_2 = run(sim_net, x, sched, envelope=env, backend="numba")[0]
    numba.set_num_threads(1)
    grads_1 = grad_cpu.loss_and_grad(net.W, net.b, *args, **params)
    sim_1 = run(sim_net, x, sched, envelope=env, backend="numba")[0]
    for a, b in zip(grads_1, grads_2):
        assert np.array_equal(a, b)
    assert np.array_equal(sim_1, sim_2)


def test_training_workspace_is_reused_and_rezeroed():
    net, args, params = _grad_problem(1, 30)
    first = grad_cpu.loss_and_grad(net.W, net.b, *args, **params)
    again = grad_cpu.loss_and_grad(net.W, net.b, *args, **params)
    for a, b in zip(first, again):
        assert np.array_equal(a, b)
    assert erpsim.training.cpu._local.key is not None
