"""The simulation engine: schedule, NumPy reference (oracle) and the numba backend."""
import math

import numpy as np
import pytest
from backends import SIMULATORS

from erpsim.model.config import Envelope, ModelConfig
from erpsim.engine import get_backend, make_schedule, run
from erpsim.model.network import Network

# Tiny network, short trials. init_net = -2 starts every unit below the thresholds used
# below (sigmoid(-2) = 0.12 < 0.3), so alpha clocks start when units rise past theta.
CFG = ModelConfig(n_auto=6, n_hidden=8, n_sem=8, n_blank=6, n_stim=12, onset_tick=6,
                  init_net=-2.0)
ALPHA = Envelope(family="alpha", theta=0.3, peak=3.0)
BIEXP = Envelope(family="biexp", theta=0.3, tau_rise=1.0, tau_decay=5.0)
N_ITEMS = 5


def varied_network(config, n_instances=2, seed=1):
    """Random network with varied activity: weights rescaled within their signs by
    factors in [0, 4), biases spread over [-3, 1]."""
    net = Network.initialize(config, n_instances, rng=seed)
    rng = np.random.default_rng(seed + 100)
    W = net.W * rng.uniform(0.0, 4.0, net.W.shape)
    b = rng.uniform(-3.0, 1.0, net.b.shape)
    return Network(config, W, b)


def letters(n_items=N_ITEMS, n_input=15, seed=0):
    return np.random.default_rng(seed).integers(0, 2, (n_items, n_input)).astype(float)


def S(net):
    return net.arch.groups.index("S")


# -- an independent scalar implementation of the spec's equations -------------------------
def naive_initial_state(cfg, arch):
    """Per-unit integration mode, integration constant, initial net input and output,
    read group by group from the configuration (docs/model.md, Dynamics)."""
    sig = lambda v: 1.0 / (1.0 + math.exp(-v))
    mode, dt, net0, y0 = [], [], [], []
    for group in arch.groups:
        start = cfg.init_output_of(group)
        output = cfg.integration_of(group) == "output"
        h = cfg.init_net if start is None or output else math.log(start / (1 - start))
        for _ in range(arch.sizes[group]):
            mode.append(output)
            dt.append(cfg.dt_of(group))
            net0.append(h)
            y0.append(start if output and start is not None else sig(h))
    return mode, dt, net0, y0


def naive_simulate(net, x, schedule, envelope):
    """One unit at a time, straight from spec sections 3, 5, 6 (instance/item loops)."""
    cfg, arch = net.config, net.arch
    n = arch.n_units
    inp_units = range(arch.input_slice.start, arch.input_slice.stop)
    env_units = set(np.flatnonzero(arch.envelope_mask(envelope)))
    out = np.zeros((net.n_instances, len(x), schedule.n_ticks, n))
    sig = lambda v: 1.0 / (1.0 + math.exp(-v))
    output, dts, net0, y0 = naive_initial_state(cfg, arch)
    theta = envelope.theta if envelope else 0.0
    for i in range(net.n_instances):
        for k in range(len(x)):
            net_in = list(net0)
            y = list(y0)
            clock = [-1] * n
            below = [v < theta for v in y0]
            low_run = [0] * n
            for t in range(schedule.n_ticks):
                if schedule.reset[t]:
                    net_in = list(net0)
                    y = list(y0)
                    below = [v < theta for v in y0]
                new_y = [0.0] * n
                for u in range(n):
                    total = float(net.b[i, u])
                    for v in range(n):
                        total += net.W[i, u, v] * y[v]
                    if schedule.stim[t] and cfg.clamp == "soft" and u in inp_units:
                        total += cfg.gain * (2 * x[k, u - arch.input_slice.start] - 1)
                    if output[u]:  # Lens OUT_INTEGR
                        net_in[u] = total
                        s = (1 - dts[u]) * y[u] + dts[u] * sig(total)
                    else:
                        net_in[u] = (1 - dts[u]) * net_in[u] + dts[u] * total
                        s = sig(net_in[u])
                    if u in env_units:
                        th = envelope.theta
                        was_running = clock[u] >= 0
                        if was_running:
                            clock[u] += 1
                        elif below[u] and s >= th:
                            clock[u] = envelope.clock_start
                        if envelope.recovery:
                            low_run[u] = low_run[u] + 1 if (was_running and s < th) else 0
                            if was_running and low_run[u] >= envelope.recovery:
                                clock[u], low_run[u] = -1, 0
                        below[u] = s < th
                        if clock[u] >= 0:
                            s = min(s, float(envelope(clock[u])))
                    new_y[u] = s
                if schedule.stim[t] and cfg.clamp == "hard":
                    for u in inp_units:
                        new_y[u] = x[k, u - arch.input_slice.start]
                y = new_y
                out[i, k, t] = y
    return out


#: The dynamics options of docs/model.md (Dynamics), each on its own and combined.
OPTIONS = {
    "default": {},
    "output": dict(integration="output"),
    "output_init": dict(integration="output", init_output=0.1),
    "dt_groups": dict(dt_groups={"SI": 0.1, "HI": 0.15, "H": 0.6, "O": 1.0}),
    "init_output": dict(init_output={"SI": 0.05, "default": 0.1}),
    "mixed": dict(integration={"S": "output", "SI": "output", "O": "output",
                               "default": "input"},
                  dt_groups={"SI": 0.1, "A": 0.5}, init_output={"S": 0.1, "HI": 0.05}),
}


@pytest.mark.parametrize("envelope", [
    None, ALPHA, Envelope(family="biexp", theta=0.3, tau_rise=1.0, tau_decay=5.0, recovery=2)])
@pytest.mark.parametrize("clamp,protocol", [("soft", "reset"), ("hard", "gap")])
@pytest.mark.parametrize("options", ["default", "output_init", "mixed"])
def test_reference_matches_scalar_implementation(envelope, clamp, protocol, options):
    config = CFG.replace(clamp=clamp, n_blank=3, n_stim=6, **OPTIONS[options])
    net = varied_network(config, n_instances=1, seed=3)
    x = letters(2)
    schedule = make_schedule(config, 2, protocol, gap=2)
    expected = naive_simulate(net, x, schedule, envelope)
    means, units = run(net, x, schedule, envelope=envelope, backend="numpy", record_units=True)
    np.testing.assert_allclose(units, expected, rtol=0, atol=1e-12)
    if envelope is not None:
        plain = naive_simulate(net, x, schedule, None)
        assert np.abs(plain - expected).max() > 0.05


# -- numba vs the NumPy reference ----------------------------------------------------------
ENVELOPES = {
    "none": None,
    "alpha": ALPHA,
    "biexp": BIEXP,
    "alpha_recovery": Envelope(family="alpha", theta=0.3, peak=3.0, recovery=2),
    "biexp_recovery_S": Envelope(family="biexp", theta=0.3, tau_rise=1.0, tau_decay=5.0,
                                 recovery=1, layers=("S",), clock_start=1),
}
RUNS = {"1": (1, "reset"), "2reset": (2, "reset"), "2gap": (2, "gap")}


@pytest.mark.parametrize("envelope", list(ENVELOPES))
@pytest.mark.parametrize("clamp", ["soft", "hard"])
@pytest.mark.parametrize("runs", list(RUNS))
@pytest.mark.parametrize("separate_inhibition", [True, False])
def test_numba_matches_reference_float64(envelope, clamp, runs, separate_inhibition):
    config = CFG.replace(clamp=clamp, separate_inhibition=separate_inhibition)
    net = varied_network(config)
    x = letters()
    env = ENVELOPES[envelope]
    presentations, protocol = RUNS[runs]
    schedule = make_schedule(config, presentations, protocol, gap=3)
    ref_means, ref_units = run(net, x, schedule, envelope=env, backend="numpy", record_units=True)
    nb_means, nb_units = run(net, x, schedule, envelope=env, backend="numba", record_units=True)
    assert nb_means.dtype == np.float64 and nb_units.dtype == np.float64
    assert nb_means.shape == (2, N_ITEMS, schedule.n_ticks, len(net.arch.groups))
    assert nb_units.shape == (2, N_ITEMS, schedule.n_ticks, net.n_units)
    np.testing.assert_allclose(nb_units, ref_units, rtol=0, atol=1e-10)
    np.testing.assert_allclose(nb_means, ref_means, rtol=0, atol=1e-10)
    # the activity is varied (items and ticks differ), so the agreement means something
    serp = ref_means[..., S(net)]
    assert serp.std(axis=2).max() > 0.01
    assert ref_units.std(axis=1).max() > 0.1
    if env is not None:
        plain, _ = run(net, x, schedule, envelope=None, backend="numpy")
        assert np.abs(plain - ref_means).max() > 1e-3  # the clocks did start
    # without record_units the means are the same
    only_means, none = run(net, x, schedule, envelope=env, backend="numba")
    assert none is None
    np.testing.assert_array_equal(only_means, nb_means)


def test_recovery_changes_a_repetition_pair():
    net = varied_network(CFG)
    schedule = make_schedule(CFG, 2, "reset")
    x = letters()
    base = Envelope(family="alpha", theta=0.3, peak=3.0)
    with_recovery = Envelope(family="alpha", theta=0.3, peak=3.0, recovery=2)
    for backend in ("numpy", "numba"):
        a, _ = run(net, x, schedule, envelope=base, backend=backend)
        b, _ = run(net, x, schedule, envelope=with_recovery, backend=backend)
        assert np.abs(a - b).max() > 1e-3


@pytest.mark.parametrize("envelope", ["none", "alpha", "biexp_recovery_S"])
@pytest.mark.parametrize("backend", SIMULATORS)
def test_float32_agrees_with_float64(envelope, backend):
    """float32 vs the float64 reference within 1e-5.

    Outputs lie in [0, 1]; float32's unit roundoff is 6e-8, and each tick adds a few
    roundings (a fan-in of at most 24 products, the leaky integration, the sigmoid). The
    leak (1 - dt) and the sigmoid's slope (<= 1/4) damp propagated errors, so the error
    stays at a few ulps (measured: ~1.2e-7); 1e-5 leaves two orders of magnitude of room
    for error growth over the trial and is still far below every effect we test (> 1e-3).
    """
    net = varied_network(CFG)
    x = letters()
    env = ENVELOPES[envelope]
    schedule = make_schedule(CFG, 2, "reset")
    ref, ref_units = run(net, x, schedule, envelope=env, backend="numpy", record_units=True)
    low, low_units = run(net, x, schedule, envelope=env, backend=backend, record_units=True,
                         dtype="float32")
    assert low.dtype == np.float32 and low_units.dtype == np.float32
    np.testing.assert_allclose(low_units, ref_units, rtol=0, atol=1e-5)
    np.testing.assert_allclose(low, ref, rtol=0, atol=1e-5)
    assert np.abs(low_units.astype(np.float64) - ref_units).max() > 0  # really float32


def test_config_dtype_is_the_default():
    config = CFG.replace(dtype="float32")
    net = varied_network(config)
    for backend in ("numpy", "numba"):
        means, _ = run(net, letters(), make_schedule(config), backend=backend)
        assert means.dtype == np.float32


# -- batches -------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", SIMULATORS)
@pytest.mark.parametrize("env", [None, ALPHA])
def test_batch_of_items_equals_single_item_runs(backend, env):
    net = varied_network(CFG)
    x = letters(11)  # more than one numba tile of 8 items, the last one partial
    schedule = make_schedule(CFG, 2, "reset")
    batch, units = run(net, x, schedule, envelope=env, backend=backend, record_units=True)
    for k in range(len(x)):
        single, single_units = run(net, x[k:k + 1], schedule, envelope=env, backend=backend,
                                   record_units=True)
        np.testing.assert_allclose(batch[:, k:k + 1], single, rtol=0, atol=1e-12)
        np.testing.assert_allclose(units[:, k:k + 1], single_units, rtol=0, atol=1e-12)
    assert np.abs(batch[:, 0] - batch[:, 1]).max() > 1e-3


@pytest.mark.parametrize("backend", SIMULATORS)
def test_batch_of_instances_equals_single_instance_runs(backend):
    net = varied_network(CFG, n_instances=3)
    x = letters()
    schedule = make_schedule(CFG, 2, "gap", gap=2)
    batch, _ = run(net, x, schedule, envelope=BIEXP, backend=backend)
    for i in range(3):
        single, _ = run(net.select(i), x, schedule, envelope=BIEXP, backend=backend)
        np.testing.assert_allclose(batch[i:i + 1], single, rtol=0, atol=1e-12)
    assert np.abs(batch[0] - batch[1]).max() > 1e-3


def test_same_network_same_numbers():
    x = letters()
    schedule = make_schedule(CFG, 2)
    a, _ = run(varied_network(CFG, seed=5), x, schedule, envelope=ALPHA)
    b, _ = run(varied_network(CFG, seed=5), x, schedule, envelope=ALPHA)
    c, _ = run(varied_network(CFG, seed=6), x, schedule, envelope=ALPHA)
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - c).max() > 1e-3


# -- what the outputs mean -----------------------------------------------------------------
@pytest.mark.parametrize("backend", SIMULATORS)
def test_group_means_are_means_of_units(backend):
    net = varied_network(CFG)
    means, units = run(net, letters(), make_schedule(CFG), envelope=ALPHA, backend=backend,
                       record_units=True)
    for g, group in enumerate(net.arch.groups):
        np.testing.assert_allclose(means[..., g], units[..., net.arch.slices[group]].mean(-1),
                                   rtol=0, atol=1e-14)


@pytest.mark.parametrize("backend", SIMULATORS)
def test_hard_and_soft_clamp(backend):
    x = letters()
    schedule = make_schedule(CFG)
    stim = schedule.stim
    hard_net = varied_network(CFG.replace(clamp="hard"))
    _, hard = run(hard_net, x, schedule, backend=backend, record_units=True)
    inp = hard_net.arch.input_slice
    np.testing.assert_array_equal(hard[:, :, stim][..., inp],
                                  np.broadcast_to(x[None, :, None], hard[:, :, stim][..., inp].shape))
    assert not np.isin(hard[:, :, ~stim][..., inp], [0.0, 1.0]).any()
    soft_net = Network(CFG, hard_net.W, hard_net.b)
    _, soft = run(soft_net, x, schedule, backend=backend, record_units=True)
    last = soft[:, :, -1, inp]
    assert not np.isin(last, [0.0, 1.0]).any()
    # the soft clamp drives on-bits up and off-bits down
    assert (last[:, x == 1].min() > last[:, x == 0].max())


@pytest.mark.parametrize("backend", SIMULATORS)
def test_initial_relaxation_starts_no_clock(backend):
    # outputs start at 0.5 (init_net = 0), above theta, and strong positive biases keep
    # every unit above theta: no unit crosses theta from below, so the envelope is inert
    config = CFG.replace(init_net=0.0)
    net = varied_network(config)
    net = Network(config, net.W, np.full_like(net.b, 3.0))
    env = Envelope(theta=0.3, peak=2.0)
    x = letters()
    schedule = make_schedule(config, 2)
    plain, units = run(net, x, schedule, backend=backend, record_units=True)
    assert units[..., net.arch.envelope_mask(env)].min() > 0.3
    capped, _ = run(net, x, schedule, envelope=env, backend=backend)
    np.testing.assert_array_equal(capped, plain)


@pytest.mark.parametrize("backend", SIMULATORS)
def test_envelope_caps_only_its_layers(backend):
    net = varied_network(CFG)
    x = letters()
    schedule = make_schedule(CFG)
    _, plain = run(net, x, schedule, backend=backend, record_units=True)
    env = Envelope(theta=0.3, peak=3.0, layers=("S",))
    _, capped = run(net, x, schedule, envelope=env, backend=backend, record_units=True)
    s = net.arch.slices["S"]
    # the envelope only lowers outputs of S directly; the first tick nothing has changed
    first = int(np.argmax(np.abs(capped - plain).max(axis=(0, 1, 3)) > 0))
    diff = np.abs(capped[:, :, first] - plain[:, :, first])
    changed = np.flatnonzero(diff.max(axis=(0, 1)) > 0)
    assert len(changed) and set(changed) <= set(range(s.start, s.stop))
    assert (capped[:, :, first, s] <= plain[:, :, first, s]).all()


# -- repetition protocol -------------------------------------------------------------------
@pytest.mark.parametrize("backend", SIMULATORS)
def test_control_presentations_identical_under_reset(backend):
    net = varied_network(CFG)
    schedule = make_schedule(CFG, 2, "reset")
    means, _ = run(net, letters(), schedule, envelope=None, backend=backend)
    T = CFG.trial_length
    np.testing.assert_array_equal(means[:, :, :T], means[:, :, T:])
    single, _ = run(net, letters(), make_schedule(CFG, 1), backend=backend)
    np.testing.assert_array_equal(means[:, :, :T], single)


@pytest.mark.parametrize("backend", SIMULATORS)
@pytest.mark.parametrize("env", [ALPHA, BIEXP])
def test_envelope_clocks_carry_over_to_second_presentation(backend, env):
    net = varied_network(CFG)
    schedule = make_schedule(CFG, 2, "reset")
    means, _ = run(net, letters(), schedule, envelope=env, backend=backend)
    T = CFG.trial_length
    first, second = means[:, :, :T, S(net)], means[:, :, T:, S(net)]
    assert np.abs(first - second).max() > 1e-3
    # the first presentation is the same as a single trial (nothing from the future)
    single, _ = run(net, letters(), make_schedule(CFG, 1), envelope=env, backend=backend)
    np.testing.assert_array_equal(means[:, :, :T], single)


@pytest.mark.parametrize("backend", SIMULATORS)
def test_gap_protocol_carries_activations(backend):
    net = varied_network(CFG)
    schedule = make_schedule(CFG, 2, "gap", gap=2)
    means, _ = run(net, letters(), schedule, envelope=None, backend=backend)
    on = np.flatnonzero(schedule.stim)
    first_on, second_on = on[0], on[CFG.n_stim]
    n = CFG.n_stim
    assert np.abs(means[:, :, first_on:first_on + n] - means[:, :, second_on:second_on + n]).max() > 1e-3


# -- the schedule --------------------------------------------------------------------------
def test_schedule_single_trial():
    s = make_schedule(CFG)
    assert s.n_ticks == CFG.trial_length == 18
    assert s.stim.dtype == bool and s.reset.dtype == bool
    np.testing.assert_array_equal(s.stim, [False] * 6 + [True] * 12)
    assert not s.reset.any()
    np.testing.assert_array_equal(s.starts, [0])
    np.testing.assert_array_equal(s.ticks, np.arange(0, 18))
    assert s.ticks[CFG.n_blank] == CFG.onset_tick


def test_schedule_default_timing_labels_onset_20():
    config = ModelConfig()
    s = make_schedule(config, 2)
    assert s.n_ticks == 80
    np.testing.assert_array_equal(s.ticks, np.arange(0, 40))
    for start in s.starts:
        onset = start + config.n_blank
        assert s.ticks[onset - start] == 20
        assert s.stim[onset] and not s.stim[onset - 1]
    relabelled = make_schedule(config.replace(n_blank=5), 1)
    np.testing.assert_array_equal(relabelled.ticks, np.arange(15, 40))
    assert relabelled.ticks[5] == 20 and relabelled.stim[5] and not relabelled.stim[4]


def test_schedule_reset_protocol():
    s = make_schedule(CFG, 2, "reset")
    T = CFG.trial_length
    assert s.n_ticks == 2 * T
    np.testing.assert_array_equal(s.stim[:T], s.stim[T:])
    np.testing.assert_array_equal(np.flatnonzero(s.reset), [T])
    np.testing.assert_array_equal(s.starts, [0, T])
    three = make_schedule(CFG, 3, "reset")
    np.testing.assert_array_equal(np.flatnonzero(three.reset), [T, 2 * T])
    np.testing.assert_array_equal(three.starts, [0, T, 2 * T])


@pytest.mark.parametrize("gap", [0, 3, 10])
def test_schedule_gap_protocol(gap):
    s = make_schedule(CFG, 2, "gap", gap=gap)
    nb, ns = CFG.n_blank, CFG.n_stim
    assert s.n_ticks == nb + ns + gap + ns
    assert not s.reset.any()
    expected = [False] * nb + [True] * ns + [False] * gap + [True] * ns
    np.testing.assert_array_equal(s.stim, expected)
    np.testing.assert_array_equal(s.starts, [0, ns + gap])
    for start in s.starts:
        assert s.stim[start + nb]
    assert s.stim[nb] and not s.stim[nb - 1]
    assert s.stim[nb + ns + gap] and (gap == 0 or not s.stim[nb + ns + gap - 1])
    # gap and protocol default to the configuration's
    default = make_schedule(CFG.replace(protocol="gap", gap=gap), 2)
    np.testing.assert_array_equal(default.stim, s.stim)


@pytest.mark.parametrize("kwargs,match", [
    (dict(presentations=0), "presentations"),
    (dict(presentations=1.0), "presentations"),
    (dict(protocol="pause"), "protocol"),
    (dict(protocol="gap", gap=-1), "gap"),
    (dict(protocol="gap", gap=1.5), "gap"),
])
def test_schedule_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_schedule(CFG, **kwargs)


# -- input checks --------------------------------------------------------------------------
def test_run_rejects_bad_input():
    net = varied_network(CFG)
    schedule = make_schedule(CFG)
    with pytest.raises(ValueError, match="unknown backend 'fortran'"):
        run(net, letters(), schedule, backend="fortran")
    with pytest.raises(ValueError, match="network's input layer has 15"):
        run(net, letters(n_input=14), schedule)
    with pytest.raises(ValueError, match="non-empty"):
        run(net, np.zeros((0, 15)), schedule)
    with pytest.raises(ValueError, match="non-empty"):
        run(net, np.zeros(15), schedule)
    bad = letters()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        run(net, bad, schedule)
    with pytest.raises(ValueError, match="float64 or float32"):
        run(net, letters(), schedule, dtype="float16")


def test_get_backend():
    assert get_backend("numpy").__name__ == "erpsim.engine.reference"
    assert get_backend("numba").__name__ == "erpsim.engine.cpu"
    with pytest.raises(ValueError, match="unknown backend"):
        get_backend("gpu")


@pytest.mark.parametrize("backend", SIMULATORS)
def test_late_clock_values_use_the_envelope_not_the_table_end(backend):
    # With clock_start = c the clock reaches n_ticks - 1 + c, but run() tabulates E only up
    # to n_ticks + 1, so for c > 2 the last ticks are capped at E(n_ticks + 1) instead of
    # E(clock) (currently failing; see the report).
    config = CFG.replace(n_blank=2, n_stim=6)
    net = varied_network(config, n_instances=1, seed=3)
    env = Envelope(family="alpha", theta=0.3, peak=2.0, clock_start=6)
    x = letters(2)
    schedule = make_schedule(config)
    expected = naive_simulate(net, x, schedule, env)
    _, units = run(net, x, schedule, envelope=env, backend=backend, record_units=True)
    np.testing.assert_allclose(units, expected, rtol=0, atol=1e-10)


@pytest.mark.parametrize("backend", SIMULATORS)
def test_inhibition_gain_scales_only_the_inhibitory_weights(backend):
    config = ModelConfig(n_auto=6, n_hidden=8, n_sem=8, n_blank=3, n_stim=6)
    net = Network.initialize(config, 2, rng=0)
    x = (np.random.default_rng(1).random((5, config.n_input)) < 0.5).astype(float)
    schedule = make_schedule(config, 1)
    gained = net.with_config(inh_gain=1.5)
    W = net.W.copy()
    W[:, net.arch.sign < 0] *= 1.5
    by_hand = Network(config, W, net.b)
    np.testing.assert_allclose(run(gained, x, schedule, backend=backend)[0],
                               run(by_hand, x, schedule, backend=backend)[0], rtol=0, atol=1e-15)
    assert not np.allclose(run(gained, x, schedule, backend=backend)[0],
                           run(net, x, schedule, backend=backend)[0])
    with pytest.raises(ValueError, match="inh_gain"):
        config.replace(inh_gain=0.0)


# -- recording a subset of the unit groups --------------------------------------------------
@pytest.mark.parametrize("backend", SIMULATORS)
def test_recorded_groups_are_the_columns_of_a_full_run(backend):
    net = varied_network(CFG)
    x = letters()
    schedule = make_schedule(CFG, 2)
    full, _ = run(net, x, schedule, envelope=ALPHA, backend=backend)
    for groups in (("S",), ("H", "O", "SI")):
        some, _ = run(net, x, schedule, envelope=ALPHA, backend=backend, groups=groups)
        order = [net.arch.groups.index(g) for g in groups]
        assert some.shape == full.shape[:3] + (len(groups),)
        if backend == "numba":      # the same sums, only fewer of them
            np.testing.assert_array_equal(some, full[..., order])
        else:                       # a narrower matrix product: BLAS may round differently
            np.testing.assert_allclose(some, full[..., order], rtol=0, atol=1e-14)


@pytest.mark.parametrize("groups", [("X",), ("S", "S"), ()])
def test_bad_recorded_groups(groups):
    net = varied_network(CFG)
    with pytest.raises(ValueError, match="groups must be distinct names"):
        run(net, letters(), make_schedule(CFG, 1), backend="numpy", groups=groups)
