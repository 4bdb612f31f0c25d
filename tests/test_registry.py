"""The backend registry: one list behind dispatch, training, the CLI and ``erpsim info``;
the envelope's one spelling; the deprecated names."""
import argparse
import importlib
import inspect
import sys

import numpy as np
import pytest

import erpsim
from erpsim import engine
from erpsim.cli import build_parser, main
from erpsim.engine import CONFIG, Dynamics, gpu, make_schedule, registry, resolve_envelope, run
from erpsim.training import TrainingSettings

TINY = erpsim.ModelConfig(n_auto=6, n_hidden=8, n_sem=8, n_blank=2, n_stim=6)


def tiny_network(config=TINY):
    return erpsim.Network.initialize(config, rng=0)


# -- the registry ----------------------------------------------------------------------------
def test_registry_lists_every_backend_once():
    assert registry.names() == ("numba", "numpy", "cuda")
    assert registry.names(trains=True) == ("numba", "numpy")
    assert all(isinstance(b, registry.Backend) for b in registry.BACKENDS)
    with pytest.raises(Exception):          # frozen
        registry.BACKENDS[0].name = "other"


def test_unknown_backend_names_the_choices():
    with pytest.raises(ValueError, match=r"unknown backend 'gpu'; choose from \('numba', 'numpy', 'cuda'\)"):
        registry.get("gpu")
    net = tiny_network()
    with pytest.raises(ValueError, match="unknown backend 'gpu'"):
        run(net, np.zeros((2, TINY.n_input)), make_schedule(TINY), backend="gpu")
    with pytest.raises(ValueError, match=r"unknown training backend 'cuda'; choose from \('numba', 'numpy'\)"):
        registry.get("cuda", trains=True)
    with pytest.raises(ValueError, match="unknown training backend 'cuda'"):
        TrainingSettings(backend="cuda")
    with pytest.raises(ValueError, match="does not train"):
        registry.get("cuda").gradient_module()


def test_status_never_raises(monkeypatch):
    status = registry.status()
    assert set(status) == set(registry.names())
    assert status["numpy"][0] and status["numba"][0]
    assert all(isinstance(ok, bool) and isinstance(why, str) and why for ok, why in status.values())

    def broken():
        raise RuntimeError("driver exploded")

    monkeypatch.setattr(gpu, "status", broken)
    ok, why = registry.get("cuda").status()
    assert not ok and "driver exploded" in why
    missing = registry.Backend("ghost", "erpsim.engine.no_such_module", needs="nothing")
    ok, why = missing.status()
    assert not ok and "cannot be imported" in why and "it needs nothing" in why


def test_status_without_numba_cuda(monkeypatch):
    import numba
    monkeypatch.delattr(numba, "cuda", raising=False)
    monkeypatch.setitem(sys.modules, "numba.cuda", None)  # import raises ImportError
    ok, why = registry.get("cuda").status()
    assert not ok and why.startswith("numba.cuda cannot be imported")


def test_unavailable_cuda_is_one_sentence_naming_the_extra(monkeypatch):
    monkeypatch.setattr(gpu, "status", lambda: (False, "no CUDA device or driver"))
    net = tiny_network()
    for call in (lambda: engine.get_backend("cuda"), gpu.check_available,
                 lambda: run(net, np.zeros((2, TINY.n_input)), make_schedule(TINY),
                             backend="cuda")):
        with pytest.raises(RuntimeError) as err:
            call()
        message = str(err.value)
        assert message.startswith("the 'cuda' backend cannot run on this machine: no CUDA device")
        assert "pip install 'erpsim[gpu]'" in message and "\n" not in message
        assert message.count(". ") == 0
    # the CPU backends are unaffected
    assert engine.get_backend("numba").__name__ == "erpsim.engine.cpu"


def _common_signature(functions):
    """The signatures of ``functions`` with the optional keyword-only extras removed."""
    out = []
    for fn in functions:
        params = [p for p in inspect.signature(fn).parameters.values()
                  if not (p.kind is p.KEYWORD_ONLY and p.default is not p.empty
                          and p.name not in ("record_groups", "active"))]
        out.append([(p.name, p.kind, p.default) for p in params])
    return out


def test_every_backend_exposes_the_same_functions():
    sims = [importlib.import_module(b.module).simulate for b in registry.BACKENDS]
    first, *others = _common_signature(sims)
    assert [p[0] for p in first][:6] == ["W", "b", "x", "stim", "reset", "dynamics"]
    assert all(sig == first for sig in others)
    # extras (the GPU's launch tuning) are keyword-only with defaults
    for fn in sims:
        for p in inspect.signature(fn).parameters.values():
            assert p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    grads = [importlib.import_module(b.gradients).loss_and_grad
             for b in registry.BACKENDS if b.trains]
    assert len({str(inspect.signature(fn)) for fn in grads}) == 1
    assert "dynamics" in inspect.signature(grads[0]).parameters


def test_cli_choices_and_info_come_from_the_registry(capsys):
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for command, expected in (("simulate", registry.names()), ("fig2", registry.names()),
                              ("train", registry.names(trains=True))):
        option = next(a for a in sub.choices[command]._actions if a.dest == "backend")
        assert tuple(option.choices) == expected
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    for name in registry.names():
        assert any(line.split()[:1] == [name] for line in out.splitlines()), name


def test_deprecated_names_still_work():
    with pytest.warns(DeprecationWarning, match="BACKENDS"):
        backends = engine.BACKENDS
    assert backends == {"numba": "erpsim.engine.cpu", "numpy": "erpsim.engine.reference",
                        "cuda": "erpsim.engine.gpu"}
    from erpsim.training import trainer
    with pytest.warns(DeprecationWarning, match="GRADIENTS"):
        gradients = trainer.GRADIENTS
    assert gradients == {"numba": "erpsim.training.cpu", "numpy": "erpsim.training.reference"}
    net = tiny_network()
    env = erpsim.Envelope(theta=0.3)
    with pytest.warns(DeprecationWarning, match="dynamics_params"):
        params = engine.dynamics_params(net, env, 10)
    expected = Dynamics.from_network(net, env, 10)
    assert set(params) == set(expected.as_dict())
    np.testing.assert_array_equal(params["env_table"], expected.env_table)
    assert params["theta"] == 0.3 and params["input_slice"] == net.arch.input_slice


# -- the envelope's spellings ------------------------------------------------------------------
def test_resolve_envelope():
    env = erpsim.Envelope(theta=0.3)
    plain, alpha = tiny_network(), tiny_network(TINY.replace(envelope=env))
    assert resolve_envelope(alpha, CONFIG) == env and CONFIG == "config"
    assert resolve_envelope(plain, CONFIG) is None
    assert resolve_envelope(alpha, None) is None
    other = erpsim.Envelope(theta=0.2)
    assert resolve_envelope(alpha, other) is other
    with pytest.warns(DeprecationWarning, match="envelope=False"):
        assert resolve_envelope(alpha, False) is None
    for bad in ("alpha", True, 0.3):
        with pytest.raises(TypeError, match="envelope must be an Envelope, None"):
            resolve_envelope(alpha, bad)


def test_dynamics_from_the_configured_envelope():
    env = erpsim.Envelope(theta=0.3, clock_start=2, recovery=3, layers=("S",))
    net = tiny_network(TINY.replace(envelope=env))
    configured = Dynamics.from_network(net, "config", 12, np.float32)
    assert configured.use_envelope and configured.theta == 0.3 and configured.recovery == 3
    assert configured.env_table.dtype == np.float32 and len(configured.env_table) == 12 + 1 + 2
    np.testing.assert_array_equal(configured.env_mask, net.arch.envelope_mask(env))
    none = Dynamics.from_network(net, None, 12)
    assert not none.use_envelope and none.recovery == 0 and none.theta == 0.0
    # run() takes the same spellings: "config" is the network's envelope
    x = (np.random.default_rng(0).random((3, TINY.n_input)) < 0.5).astype(float)
    schedule = make_schedule(TINY, 2)
    by_name = run(net, x, schedule, envelope="config", backend="numpy")[0]
    explicit = run(net, x, schedule, envelope=env, backend="numpy")[0]
    np.testing.assert_array_equal(by_name, explicit)
