"""Small calls and memory: a light import, one thread for tiny problems (bit for bit the
parallel numbers), cached configuration text, a result built on the engine's output
without a copy, and the network check of every run. No timings are asserted."""
import json
import subprocess
import sys
from pathlib import Path

import numba
import numpy as np
import pytest

from erpsim import Envelope, ModelConfig, Network, simulate
from erpsim.engine import cpu, make_schedule, run
from erpsim.simulation import trials

CFG = ModelConfig(n_auto=6, n_hidden=8, n_sem=8, n_blank=6, n_stim=12, onset_tick=6,
                  init_net=-2.0)
ENV = Envelope(family="alpha", theta=0.3, peak=3.0)
HEAVY = ("pandas", "xarray", "numba", "mne", "matplotlib", "dask")
ITEMS = ["cat", "dog", "ink", "zqx", "bat", "oak", "elf", "sun"]


def varied_network(config=CFG, n_instances=2, seed=1):
    net = Network.initialize(config, n_instances, rng=seed)
    rng = np.random.default_rng(seed + 100)
    return Network(config, net.W * rng.uniform(0.0, 4.0, net.W.shape),
                   rng.uniform(-3.0, 1.0, net.b.shape), seeds=net.seeds)


def loaded_after(code):
    """The heavy packages (of HEAVY, and dask.array) in sys.modules after running
    ``code`` in a fresh interpreter."""
    probe = (f"{code}\nimport sys\nprint(sorted(m for m in {HEAVY + ('dask.array',)!r} "
             f"if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1].replace("'", '"'))


# -- a light import -----------------------------------------------------------------------
def test_import_erpsim_loads_no_heavy_package():
    assert loaded_after("import erpsim") == []


def test_configuration_and_network_need_no_pandas_xarray_or_numba():
    code = ("import erpsim\nconfig = erpsim.ModelConfig(envelope=erpsim.default_envelope())\n"
            "config.to_json()\nerpsim.Network.initialize(config, 2, rng=0)\n"
            "erpsim.load_pretrained()\nimport erpsim.model")
    assert loaded_after(code) == []


def test_lexicon_names_still_come_from_erpsim_model():
    import erpsim.model
    from erpsim.model import lexicon
    assert erpsim.model.ITEM_TYPES is lexicon.ITEM_TYPES
    assert erpsim.model.load_lexicon is lexicon.load_lexicon
    assert {"Lexicon", "TRAINED_TYPES"} <= set(dir(erpsim.model))
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        erpsim.model.nothing


def test_first_small_simulation_does_not_import_dask_array():
    code = "import erpsim\nerpsim.simulate(erpsim.load_pretrained().select([0]), ['cat'])"
    assert "dask.array" not in loaded_after(code)


# -- one thread for small problems --------------------------------------------------------
def test_small_problems_run_on_one_thread():
    assert cpu.threads_for(1, 4) == 1
    assert cpu.threads_for(2, cpu.SERIAL_MAX_ITEMS // 2) == 1
    assert cpu.threads_for(1, cpu.SERIAL_MAX_ITEMS + 1) is None
    assert cpu.threads_for(10, 200) is None


@pytest.mark.parametrize("small", [True, False])
def test_kernel_sees_the_thread_count_and_it_is_restored(monkeypatch, small):
    n_items = 4 if small else cpu.SERIAL_MAX_ITEMS + 1
    seen = []
    monkeypatch.setattr(cpu, "simulate_kernel", lambda *args: seen.append(numba.get_num_threads()))
    before = numba.get_num_threads()
    net = varied_network(n_instances=1)
    run(net, np.zeros((n_items, 15)), make_schedule(CFG))
    assert seen == [1 if small else before]
    assert numba.get_num_threads() == before


def kernel_outputs(net, n_items, presentations, envelope, record_units):
    x = (np.random.default_rng(3).random((n_items, 15)) < 0.5).astype(float)
    return run(net, x, make_schedule(CFG, presentations), envelope=envelope,
               record_units=record_units)


@pytest.mark.parametrize("n_inst, n_items", [(1, 1), (1, 4), (2, 7), (3, 30)])
@pytest.mark.parametrize("presentations, envelope, record_units",
                         [(1, None, True), (2, ENV, False)])
def test_one_thread_gives_the_parallel_numbers_bit_for_bit(monkeypatch, n_inst, n_items,
                                                           presentations, envelope,
                                                           record_units):
    net = varied_network(n_instances=n_inst)
    args = (net, n_items, presentations, envelope, record_units)
    monkeypatch.setattr(cpu, "SERIAL_MAX_ITEMS", 10 ** 9)         # always one thread
    one = kernel_outputs(*args)
    monkeypatch.setattr(cpu, "SERIAL_MAX_ITEMS", 0)               # always parallel
    parallel = kernel_outputs(*args)
    for a, b in zip(one, parallel):
        if a is not None:
            assert a.dtype == b.dtype and np.array_equal(a, b)


# -- the result: built on the engine's output, cached pieces not shared ------------------
def keep_engine_output(monkeypatch):
    outputs = []

    def recording_run(*args, **kwargs):
        outputs.append(run(*args, **kwargs))
        return outputs[-1]
    monkeypatch.setattr(trials, "run", recording_run)
    return outputs


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_result_is_the_engine_output_without_a_copy(monkeypatch, dtype):
    outputs = keep_engine_output(monkeypatch)
    ds = simulate(varied_network(), ITEMS, presentations=2, envelope=ENV, dtype=dtype,
                  record_units=True)
    means, units = outputs[0]
    assert ds["layer_mean"].dtype == ds["serp"].dtype == ds["activation"].dtype == dtype
    assert np.shares_memory(ds["layer_mean"].values, means)
    assert np.shares_memory(ds["serp"].values, means)
    assert np.shares_memory(ds["activation"].values, units)
    n_rec = ds.sizes["tick"]
    np.testing.assert_array_equal(ds["layer_mean"].sel(presentation=2), means[:, :, n_rec:])


def test_gap_protocol_windows_are_copied_where_they_overlap(monkeypatch):
    outputs = keep_engine_output(monkeypatch)
    ds = simulate(varied_network(), ITEMS, presentations=2, protocol="gap", gap=2)
    means = outputs[0][0]
    schedule = make_schedule(CFG, 2, "gap", 2)
    for p, start in enumerate(schedule.starts):
        np.testing.assert_array_equal(ds["layer_mean"].isel(presentation=p),
                                      means[:, :, start:start + ds.sizes["tick"]])


def test_results_do_not_share_their_coordinates_attributes():
    net = varied_network()
    first = simulate(net, ITEMS[:2])
    first["tick"].attrs["onset_tick"] = 99
    first["tick"].attrs["note"] = "edited"
    second = simulate(net, ITEMS[:2])
    assert second["tick"].attrs == {"long_name": "tick", "onset_tick": CFG.onset_tick}
    assert second.erp.onset_tick == CFG.onset_tick


def test_configuration_text_is_serialised_once_and_follows_replace():
    config = ModelConfig(envelope=ENV)
    assert config.to_json() is config.to_json()
    assert ModelConfig.from_json(config.to_json()) == config
    changed = config.replace(dt=0.2)
    assert json.loads(changed.to_json())["dt"] == 0.2
    assert json.loads(config.to_json())["dt"] == 0.3
    assert json.loads(ModelConfig(dt=1).to_json())["dt"] == 1


# -- the network check of every run -------------------------------------------------------
def edit_nan(net):
    net.W[0, net.arch.slices["S"].start, net.arch.slices["H"].start] = np.nan


def edit_inf_bias(net):
    net.b[1, 3] = np.inf


def edit_excitatory_negative(net):
    net.W[1, net.arch.slices["H"].start, net.arch.slices["A"].start] = -0.1


def edit_inhibitory_positive(net):
    net.W[0, net.arch.slices["S"].start, net.arch.slices["SI"].start] = 0.1


def edit_absent_projection(net):
    net.W[0, 0, 0] = 1e-12


def edit_bias_shape(net):
    net.b = net.b[:, :-1]


def edit_seeds(net):
    net.seeds = [1]


@pytest.mark.parametrize("edit, message", [
    (edit_nan, "NaN or infinite"), (edit_inf_bias, "biases contain NaN"),
    (edit_excitatory_negative, "sign constraints"), (edit_inhibitory_positive, "sign constraints"),
    (edit_absent_projection, "no projection"), (edit_bias_shape, "biases must have shape"),
    (edit_seeds, "1 seeds for 2 instances")])
def test_every_run_checks_weights_edited_in_place(edit, message):
    net = varied_network()
    simulate(net, ITEMS[:1])              # a first run passes the check ...
    edit(net)                             # ... which must not be remembered
    with pytest.raises(ValueError, match=message):
        simulate(net, ITEMS[:1])


def test_free_sign_weights_may_be_negative_but_not_infinite():
    pdp = ModelConfig(n_auto=6, n_hidden=8, n_sem=8, separate_inhibition=False)
    net = Network.initialize(pdp, 1, rng=0)
    assert (net.W < 0).any()
    run(net, np.zeros((1, 15)), make_schedule(pdp))
    net.W[0, pdp.n_input, 0] = -np.inf
    with pytest.raises(ValueError, match="NaN or infinite"):
        run(net, np.zeros((1, 15)), make_schedule(pdp))



def test_latency_benchmark_runs_and_prints_every_stage():
    bench = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_latency.py"
    out = subprocess.run([sys.executable, str(bench), "--calls", "2"], capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    rows = {line[:28].strip(): line.split()[-1] for line in out.stdout.splitlines()
            if line.endswith("x")}
    assert rows["kernel, 1 thread"] == "1.00x"
    assert {"engine.run", "erpsim.simulate", "network check", "config to JSON",
            "building the result"} <= set(rows)
