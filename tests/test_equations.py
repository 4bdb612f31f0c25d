"""The scalar update of ``erpsim.engine.equations`` against the NumPy reference's array
form (the independent oracle), in Python and compiled as the CPU kernels compile it."""
import math

import numpy as np
import pytest
from numba import float32, int64, njit, boolean

import erpsim
from erpsim.engine import Dynamics, cpu, equations, make_schedule, reference
from erpsim.engine.logistic import logistic as cpu_logistic

V = np.concatenate([np.linspace(-40, 40, 801), [-745.0, -300.0, -1e-300, 0.0, 1e-300, 300.0, 745.0]])


def test_reference_is_independent_of_the_equations():
    """The oracle must not share the code it checks."""
    source = open(reference.__file__).read()
    assert "equations" not in vars(reference) and "import" in source
    assert "from erpsim.engine import equations" not in source
    assert "from erpsim.engine.equations" not in source


def test_logistic_matches_the_reference_sigmoid():
    with np.errstate(over="ignore"):  # exp(745) is inf: σ is then 0, as it should be
        expected = reference.sigmoid(V)
    scalar = np.array([equations.logistic(v, math.exp(-abs(v)), 1.0) for v in V])
    np.testing.assert_allclose(scalar, expected, rtol=4e-16, atol=3e-308)
    compiled = np.array([cpu_logistic(v) for v in V])   # the CPU's exp, same formula
    np.testing.assert_allclose(compiled, expected, rtol=0, atol=3e-16)
    assert math.isnan(equations.logistic(math.nan, math.exp(-abs(math.nan)), 1.0))


def first_tick(config):
    """Two instances of ``config`` with spread biases, one blank tick of the reference:
    (network, previous outputs, s, y, σ(net), summed input W·y + b)."""
    net = erpsim.Network.initialize(config, 2, rng=0)
    net.b += np.random.default_rng(1).normal(0, 2, net.b.shape)
    x = np.zeros((3, config.n_input))
    dynamics = Dynamics.from_network(net, None, 1)
    stim, reset = np.array([False]), np.array([False])
    prev, s, y, sig = next(reference.run_ticks(net.W, net.b, x, stim, reset, dynamics))
    inp = np.einsum("ids,iks->ikd", net.W, prev) + net.b[:, None, :]
    return net, prev, s, y, sig, inp


def test_one_tick_of_integration_and_logistic_matches_the_reference():
    config = erpsim.ModelConfig(n_auto=6, n_hidden=8, n_sem=8, dt=0.3, init_net=-1.0)
    net, prev, s, y, sig, inp = first_tick(config)
    np.testing.assert_array_equal(sig, s)
    for v_in, v_s in zip(inp.ravel(), s.ravel()):
        h = equations.integrate(config.init_net, v_in, config.dt, 1.0)
        assert equations.logistic(h, math.exp(-abs(h)), 1.0) == pytest.approx(v_s, rel=1e-14, abs=1e-15)
    np.testing.assert_array_equal(y, s)


def test_one_tick_of_output_integration_matches_the_reference():
    """Output integration (Lens OUT_INTEGR) per group, with per-group integration
    constants and initial outputs: the scalar equation against the reference."""
    config = erpsim.ModelConfig(n_auto=6, n_hidden=8, n_sem=8, dt=0.3, init_net=-1.0,
                                integration={"S": "output", "SI": "output"},
                                dt_groups={"SI": 0.1, "H": 0.6},
                                init_output={"S": 0.2, "SI": 0.05, "A": 0.7})
    net, prev, s, y, sig, inp = first_tick(config)
    for group in net.arch.groups:
        units = net.arch.slices[group]
        dt, start = config.dt_of(group), config.init_output_of(group)
        for v_in, v_prev, v_s in zip(inp[..., units].ravel(), prev[..., units].ravel(),
                                     s[..., units].ravel()):
            if config.integration_of(group) == "output":
                assert v_prev == start
                sg = equations.logistic(v_in, math.exp(-abs(v_in)), 1.0)
                expected = equations.integrate_output(v_prev, sg, dt, 1.0)
            else:
                net0 = config.init_net if start is None else math.log(start / (1 - start))
                h = equations.integrate(net0, v_in, dt, 1.0)
                expected = equations.logistic(h, math.exp(-abs(h)), 1.0)
                assert v_prev == pytest.approx(start or 1 / (1 + math.exp(1.0)), rel=1e-14)
            assert expected == pytest.approx(v_s, rel=1e-14, abs=1e-15)
    np.testing.assert_array_equal(y, s)
    assert np.any(sig != s)


def _random_outputs(n_ticks, n_units, seed):
    gen = np.random.default_rng(seed)
    # slow random walks around θ = 0.4 so that units cross both ways, and stay below
    return np.clip(0.4 + np.cumsum(gen.normal(0, 0.08, (n_ticks, n_units)), axis=0), 0, 1)


@pytest.mark.parametrize("clock_start,recovery", [(0, 0), (3, 2), (1, 1)])
def test_clock_step_and_cap_match_the_reference_envelope_step(clock_start, recovery):
    n_ticks, n_units, theta = 60, 40, 0.4
    s_all = _random_outputs(n_ticks, n_units, seed=clock_start + 10 * recovery)
    table = 0.4 + 0.6 * np.exp(-np.arange(n_ticks + clock_start + 1) / 6.0)
    mask = np.ones(n_units, dtype=bool)
    dynamics = Dynamics(dt=0.3, gain=4.0, init_net=0.0, hard_clamp=False,
                        input_slice=slice(0, 0), env_mask=mask, env_table=table, theta=theta,
                        clock_start=clock_start, recovery=recovery)
    # the reference's array form
    clock = np.full(n_units, -1, dtype=np.int64)
    below = np.ones(n_units, dtype=bool)
    run_below = np.zeros(n_units, dtype=np.int64)
    # the scalar form, in Python and compiled (the CPU kernel's row routine)
    py = [(-1, True, 0)] * n_units
    c_clock, c_below = clock.copy(), below.copy()
    c_run, c_y = run_below.copy(), np.empty(n_units)
    started = stopped = capped = 0
    for s in s_all:
        running_before = clock >= 0
        y_ref = reference.envelope_step(s, clock, below, run_below, dynamics)
        py = [equations.clock_step(c, b, r, sv, theta, clock_start, recovery)
              for (c, b, r), sv in zip(py, s)]
        y_py = [equations.envelope_cap(sv, c, table) for (c, _, _), sv in zip(py, s)]
        assert [p[0] for p in py] == clock.tolist()
        assert [p[1] for p in py] == below.tolist()
        assert [p[2] for p in py] == run_below.tolist()
        np.testing.assert_array_equal(y_py, y_ref)
        cpu._envelope_row(s, c_y, c_clock, c_below, c_run, table, theta, clock_start, recovery)
        np.testing.assert_array_equal(c_clock, clock)
        np.testing.assert_array_equal(c_below, below)
        np.testing.assert_array_equal(c_run, run_below)
        np.testing.assert_array_equal(c_y, y_ref)
        started += int(np.sum(clock == clock_start))
        capped += int(np.sum(y_ref < s))
        stopped += int(np.sum(running_before & (clock == -1)))
    # the case exercises every branch: clocks start, cap, and (with recovery) stop
    assert started > 0 and capped > 0
    assert (stopped > 0) == (recovery > 0)


def test_cap_past_the_table_uses_its_last_value():
    table = np.array([0.1, 0.5, 0.9])
    assert equations.envelope_cap(0.95, 7, table) == 0.9
    assert equations.envelope_cap(0.95, -1, table) == 0.95   # clock not running
    assert equations.envelope_cap(0.3, 1, table) == 0.3      # below the cap


def test_equations_keep_float32():
    """No float64 literal: compiled with float32 arguments they compute in float32 (the
    CUDA kernel's float32 mode must not promote)."""
    f32 = float32
    integrate = njit((f32, f32, f32, f32))(equations.integrate)
    integrate_output = njit((f32, f32, f32, f32))(equations.integrate_output)
    logistic = njit((f32, f32, f32))(equations.logistic)
    cap = njit((f32, int64, f32[:]))(equations.envelope_cap)
    step = njit((int64, boolean, int64, f32, f32, int64, int64))(equations.clock_step)
    for fn in (integrate, integrate_output, logistic, cap):
        assert fn.nopython_signatures[0].return_type == f32
    assert step.nopython_signatures[0].return_type.types == (int64, boolean, int64)
    one = np.float32(1)
    assert integrate(np.float32(2), np.float32(4), np.float32(0.25), one) == np.float32(2.5)
    assert integrate_output(np.float32(0.5), np.float32(0.9), np.float32(0.25),
                            one) == np.float32(0.6)


@pytest.mark.parametrize("module, sources", [
    ("erpsim.engine.cpu", ("engine/equations.py", "engine/logistic.py")),
    ("erpsim.training.cpu", ("engine/cpu.py", "engine/equations.py", "engine/logistic.py")),
])
def test_cached_kernels_know_the_sources_they_inline(module, sources):
    """numba's on-disk cache is keyed on the kernel's own file: after an edit of an
    inlined source, the kernel file must change too (its recorded digest), or numba
    would keep running the old equations."""
    import hashlib
    import importlib
    from pathlib import Path

    root = Path(importlib.import_module("erpsim").__file__).parent
    digest = hashlib.sha256(b"".join((root / s).read_bytes() for s in sources)).hexdigest()
    recorded = importlib.import_module(module).INLINED_SOURCES_SHA256
    assert recorded == digest, (f"{module}.INLINED_SOURCES_SHA256 must be updated to "
                                f"{digest!r} (an inlined source changed)")
