"""Training: gradients (finite differences, numba vs NumPy), convergence, signs, resume."""
import numpy as np
import pytest
from backends import TRAINERS

import erpsim
from erpsim.engine import make_schedule, registry
from erpsim.training import TrainingSettings, lexical_decision, semantic_stress, train
from erpsim.training import cpu as grad_cpu
from erpsim.training import reference as grad_ref
from erpsim.training.targets import Targets, target_ticks
from erpsim.training.trainer import _grad_params
from gradcheck import finite_difference_errors  # noqa: E402  (tests/ helper)

SMALL = dict(n_auto=5, n_hidden=6, n_sem=7, n_blank=3, n_stim=6, n_targets=3)


def busy_network(config, rng=1):
    """A small network whose units move through their whole range (so clocks start)."""
    net = erpsim.Network.initialize(config, 2, rng=0)
    gen = np.random.default_rng(rng)
    net.W += gen.uniform(0, 0.8, net.W.shape) * net.arch.mask
    net.project_signs()
    net.b += gen.normal(0, 2.0, net.b.shape)
    return net


def problem(config, envelope=None, presentations=2, n_items=9, seed=2, window=None,
            blank=False):
    net = busy_network(config)
    gen = np.random.default_rng(seed)
    x = (gen.random((n_items, config.n_input)) < 0.5).astype(float)
    target = (gen.random((n_items, config.n_sem)) < 0.3).astype(float)
    weights = gen.random(n_items)
    schedule = make_schedule(config, presentations)
    params = _grad_params(net, envelope, schedule)
    at = target_ticks(schedule, config.n_targets, window)
    targets = Targets(target, weights, at, ~schedule.stim if blank else np.zeros_like(at),
                      net.arch.semantic_slice)
    args = (x, targets, schedule, net.arch.mask, params)
    # the arguments of every backend's loss_and_grad: (*args, **kw)
    return net, args, {"blocks": net.arch.blocks}


CASES = [
    ("plain", {}, None),
    ("hard clamp", {"clamp": "hard"}, None),
    ("pdp ablation", {"separate_inhibition": False}, None),
    # starting below θ (init_net -3: outputs 0.05) makes the clocks start on the way up
    ("alpha envelope", {"init_net": -3.0}, erpsim.Envelope(theta=0.3, peak=3.0, recovery=2)),
    ("biexp envelope on S", {"init_net": -3.0},
     erpsim.Envelope(family="biexp", theta=0.2, tau_rise=1.0, tau_decay=3.0, layers=("S",))),
]


@pytest.mark.parametrize("name,changes,envelope", CASES, ids=[c[0] for c in CASES])
def test_gradient_matches_finite_differences(name, changes, envelope):
    config = erpsim.ModelConfig(**SMALL, **changes)
    net, args, params = problem(config, envelope)
    loss, dW, db = grad_ref.loss_and_grad(net.W, net.b, *args, **params)
    if envelope is not None:
        fw = grad_ref.forward(net.W, net.b, args[0], args[2].stim, args[2].reset, args[-1])
        assert fw["capped"].any(), "the envelope must cap some units for this test to mean anything"
    errors = finite_difference_errors(
        lambda W, b: grad_ref.loss_and_grad(W, b, *args, **params)[0], net, dW, db)
    assert max(errors) < 1e-5


@pytest.mark.parametrize("name,changes,envelope", CASES, ids=[c[0] for c in CASES])
def test_numba_gradient_equals_numpy(name, changes, envelope):
    config = erpsim.ModelConfig(**SMALL, **changes)
    net, args, params = problem(config, envelope, n_items=11)
    expected = grad_ref.loss_and_grad(net.W, net.b, *args, **params)
    got = grad_cpu.loss_and_grad(net.W, net.b, *args, **params)
    for e, g in zip(expected, got):
        np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("backend", TRAINERS)
def test_inactive_instances_get_no_gradient(backend):
    config = erpsim.ModelConfig(**SMALL)
    net, args, params = problem(config)
    module = registry.get(backend, trains=True).gradient_module()
    full = module.loss_and_grad(net.W, net.b, *args, **params)
    loss, dW, db = module.loss_and_grad(net.W, net.b, *args, active=np.array([True, False]),
                                        **params)
    assert np.abs(dW[0]).sum() > 0 and np.abs(dW[1]).sum() == 0 and loss[1] == 0
    assert np.abs(db[1]).sum() == 0
    # the active instance's values do not depend on the others being computed
    for part, whole in zip((loss, dW, db), full):
        np.testing.assert_array_equal(part[0], whole[0])


def tiny_lexicon():
    return erpsim.load_lexicon().subset(4, rng=3)


def test_small_network_converges_and_keeps_signs():
    config = erpsim.ModelConfig(n_auto=10, n_hidden=20, n_sem=20, n_blank=4, n_stim=10)
    net = erpsim.Network.initialize(config, 2, rng=5)
    net, history = train(net, tiny_lexicon(), TrainingSettings(max_epochs=4000, check_every=20,
                                                                n_active=3, pretrain_epochs=100),
                         progress=False)
    assert list(net.meta["accuracy"]) == [1.0, 1.0]
    assert history.groupby("instance")["loss"].apply(lambda l: l.iloc[-1] < l.iloc[0]).all()
    net.validate()                      # signs and absent projections
    assert (net.W[:, net.arch.sign > 0] >= 0).all() and (net.W[:, net.arch.sign < 0] <= 0).all()
    items, patterns = erpsim.training.semantics_of(net)
    acc = erpsim.training.semantic_accuracy(net, erpsim.model.coding.get_coding().encode(items), patterns)
    assert (acc == 1.0).all()


def test_pdp_ablation_trains_with_the_same_code():
    config = erpsim.ModelConfig(n_auto=10, n_hidden=20, n_sem=20, n_blank=4, n_stim=10,
                                separate_inhibition=False)
    net = erpsim.Network.initialize(config, 1, rng=5)
    net, history = train(net, tiny_lexicon(), TrainingSettings(max_epochs=300, check_every=20,
                                                                n_active=3, pretrain_epochs=20),
                         progress=False)
    assert "SI" not in net.arch.groups
    assert history["loss"].iloc[-1] < history["loss"].iloc[0]
    assert (net.W < 0).any()            # free signs are used


def test_training_is_deterministic_and_resumes(tmp_path):
    config = erpsim.ModelConfig(n_auto=6, n_hidden=8, n_sem=8, n_blank=3, n_stim=6, n_targets=2)
    settings = TrainingSettings(max_epochs=40, check_every=10, n_active=2, pretrain_epochs=5)
    a, _ = train(erpsim.Network.initialize(config, 1, rng=1), tiny_lexicon(), settings, progress=False)
    b, _ = train(erpsim.Network.initialize(config, 1, rng=1), tiny_lexicon(), settings, progress=False)
    np.testing.assert_array_equal(a.W, b.W)
    ckpt = tmp_path / "run.ckpt.npz"
    short = TrainingSettings(max_epochs=20, check_every=10, n_active=2, pretrain_epochs=5)
    train(erpsim.Network.initialize(config, 1, rng=1), tiny_lexicon(), short, checkpoint=ckpt,
          progress=False)
    assert ckpt.exists()
    with np.load(ckpt) as saved:
        before = float(saved["seconds"])            # the first run's time to its last save
    c, _ = train(erpsim.Network.initialize(config, 1, rng=1), tiny_lexicon(), settings,
                 checkpoint=ckpt, progress=False)
    np.testing.assert_allclose(c.W, a.W, rtol=1e-12, atol=1e-14)
    # the training time counts the earlier run up to the checkpoint it resumed
    assert 0 < before < c.meta["training_seconds"]
    assert a.meta["training_seconds"] > 0


def test_extending_a_finished_run_equals_running_longer(tmp_path):
    """The short run's check at its last epoch (19, not a multiple of 10) is not part of
    the longer run; resuming must not carry it (nor its effects) over."""
    config = erpsim.ModelConfig(n_auto=6, n_hidden=8, n_sem=8, n_blank=3, n_stim=6, n_targets=2)
    long = TrainingSettings(max_epochs=40, check_every=10, n_active=2, pretrain_epochs=5)
    short = TrainingSettings(max_epochs=20, check_every=10, n_active=2, pretrain_epochs=5)
    a, history_a = train(erpsim.Network.initialize(config, 1, rng=1), tiny_lexicon(), long,
                         progress=False)
    ckpt = tmp_path / "run.ckpt.npz"
    _, history_short = train(erpsim.Network.initialize(config, 1, rng=1), tiny_lexicon(), short,
                             checkpoint=ckpt, progress=False)
    assert 19 in set(history_short["epoch"])
    c, history_c = train(erpsim.Network.initialize(config, 1, rng=1), tiny_lexicon(), long,
                         checkpoint=ckpt, progress=False)
    assert list(history_c["epoch"]) == list(history_a["epoch"]) == [0, 10, 20, 30, 39]
    np.testing.assert_array_equal(history_c["loss"], history_a["loss"])
    np.testing.assert_array_equal(c.W, a.W)
    # resuming a finished run with the same limit redoes only its last check
    d, history_d = train(erpsim.Network.initialize(config, 1, rng=1), tiny_lexicon(), long,
                         checkpoint=ckpt, progress=False)
    np.testing.assert_array_equal(d.W, a.W)
    assert list(history_d["epoch"]) == [0, 10, 20, 30, 39]


def test_checkpoint_for_another_configuration_is_refused(tmp_path):
    config = erpsim.ModelConfig(n_auto=6, n_hidden=8, n_sem=8, n_blank=3, n_stim=6, n_targets=2)
    settings = TrainingSettings(max_epochs=10, check_every=5, n_active=2, pretrain_epochs=0)
    ckpt = tmp_path / "c.npz"
    train(erpsim.Network.initialize(config, 1, rng=1), tiny_lexicon(), settings, checkpoint=ckpt,
          progress=False)
    other = config.replace(dt=0.4)
    with pytest.raises(ValueError, match="another configuration"):
        train(erpsim.Network.initialize(other, 1, rng=1), tiny_lexicon(), settings,
              checkpoint=ckpt, progress=False)


def test_bad_settings():
    with pytest.raises(ValueError, match="backend"):
        TrainingSettings(backend="torch")
    with pytest.raises(ValueError, match="max_epochs"):
        TrainingSettings(max_epochs=0)


def test_semantic_stress():
    assert semantic_stress(np.array([0.5, 0.5])) == pytest.approx(0.0)
    assert semantic_stress(np.array([0.0, 1.0])) == pytest.approx(1.0, abs=1e-9)
    assert semantic_stress(np.array([0.9])) > semantic_stress(np.array([0.7]))


def test_roll_back_restores_best_weights_and_halves_the_rate():
    from erpsim.training.optim import Adam
    from erpsim.training.trainer import roll_back
    W, b = np.ones((3, 2, 2)), np.ones((3, 2))
    best = {"W": np.zeros((3, 2, 2)), "b": np.zeros((3, 2))}
    opt = Adam([W, b], lr=0.1)
    opt.step([np.ones_like(W), np.ones_like(b)])
    collapsed = np.array([False, True, False])
    roll_back(collapsed, W, b, best, opt)
    assert (W[1] == 0).all() and (b[1] == 0).all() and (W[0] != 0).all()
    np.testing.assert_allclose(opt.lr, [0.1, 0.05, 0.1])
    assert opt.t.tolist() == [1, 0, 1] and (opt.m[0][1] == 0).all() and (opt.m[0][0] != 0).all()


def fake_result(trained_value, untrained_value, n_inst=3, noise=0.02):
    """A result whose semantic units sit at given activations for trained/untrained items."""
    import xarray as xr
    types = ["word", "acronym", "pseudoword", "illegal"] * 3
    gen = np.random.default_rng(0)
    trained = np.isin(types, ["word", "acronym"])
    level = np.where(trained, trained_value, untrained_value)[None, :, None, None, None]
    act = level + noise * gen.standard_normal((n_inst, len(types), 1, 2, 6))
    return xr.Dataset({"activation": (("instance", "item", "presentation", "tick", "unit"), act)},
                      coords={"item_type": ("item", types), "presentation": [1], "tick": [38, 39],
                              "unit_group": ("unit", ["H"] * 2 + ["S"] * 4)})


def test_lexical_decision_separates_confident_from_uncertain_semantics():
    table = lexical_decision(fake_result(0.97, 0.5), measure="stress")
    assert len(table) == 3
    assert (table["accuracy"] == 1.0).all() and (table["d_prime"] > 5).all()
    assert (table["trained"] > table["untrained"]).all()
    chance = lexical_decision(fake_result(0.6, 0.6), measure="stress")
    assert chance["accuracy"].mean() < 0.8 and abs(chance["d_prime"].mean()) < 2


def test_semantic_familiarity_is_the_best_cosine_to_a_trained_meaning():
    from erpsim.training import semantic_familiarity
    patterns = np.array([[1.0, 0, 0, 1], [0, 1.0, 1, 0]])
    out = semantic_familiarity(np.array([[0.9, 0.1, 0.1, 0.9], [0.5, 0.5, 0.5, 0.5]]), patterns)
    assert out[0] > 0.98 and out[1] == pytest.approx(np.sqrt(0.5))


def test_lexical_decision_bad_input():
    ds = fake_result(0.9, 0.5)
    with pytest.raises(ValueError, match="record_units"):
        lexical_decision(ds.drop_vars("activation"), measure="stress")
    only_trained = ds.isel(item=np.isin(ds["item_type"].values, ["word", "acronym"]))
    with pytest.raises(ValueError, match="both trained and untrained"):
        lexical_decision(only_trained, measure="stress")
    with pytest.raises(ValueError, match="patterns"):
        lexical_decision(ds)
    with pytest.raises(ValueError, match="unknown lexical decision measure"):
        lexical_decision(ds, measure="speed")


def test_training_under_an_inhibition_gain():
    config = erpsim.ModelConfig(n_auto=6, n_hidden=8, n_sem=8, n_blank=3, n_stim=6, n_targets=2,
                                inh_gain=1.25)
    net, history = train(erpsim.Network.initialize(config, 1, rng=1), tiny_lexicon(),
                         TrainingSettings(max_epochs=60, check_every=10, n_active=2,
                                          pretrain_epochs=5), progress=False)
    assert history["loss"].iloc[-1] < history["loss"].iloc[0]
    net.validate()


def test_gradient_through_the_inhibition_gain():
    # d loss / d W = gain * (d loss / d W_eff) on inhibitory weights
    config = erpsim.ModelConfig(**SMALL)
    net, args, params = problem(config)
    gain = net.arch.weight_gain(1.3)
    _, dW_eff, _ = grad_ref.loss_and_grad(net.W * gain, net.b, *args, **params)
    d, s = np.argwhere(net.arch.sign < 0)[3]
    h = 1e-4
    Wp, Wm = net.W.copy(), net.W.copy()
    Wp[:, d, s] += h
    Wm[:, d, s] -= h
    numeric = (grad_ref.loss_and_grad(Wp * gain, net.b, *args, **params)[0]
               - grad_ref.loss_and_grad(Wm * gain, net.b, *args, **params)[0]) / (2 * h)
    np.testing.assert_allclose(numeric, 1.3 * dW_eff[:, d, s], rtol=1e-6)


def test_training_forward_is_the_simulation_with_a_late_clock_start():
    """Training and simulation share their dynamics' parameters: with clock_start 15 the
    envelope table must reach clock values past the trial's length (it once did not)."""
    config = erpsim.ModelConfig(**SMALL, init_net=-3.0)
    envelope = erpsim.Envelope(family="biexp", theta=0.2, tau_rise=1.0, tau_decay=3.0,
                               layers=("S",), clock_start=15)
    net, args, params = problem(config, envelope)
    x, stim, reset = args[0], args[2].stim, args[2].reset
    fw = grad_ref.forward(net.W, net.b, x, stim, reset, args[-1])
    assert fw["capped"].any()
    schedule = make_schedule(config, 2)
    _, units = erpsim.engine.run(net, x, schedule, envelope=envelope, backend="numpy",
                                 record_units=True)
    np.testing.assert_allclose(np.moveaxis(fw["y"][1:], 0, 2), units, rtol=0, atol=1e-12)


# -- checkpoint identity (issue #12, case 1) ------------------------------------------------
CKPT_CONFIG = erpsim.ModelConfig(n_auto=6, n_hidden=8, n_sem=8, n_blank=3, n_stim=6, n_targets=2)
CKPT_SETTINGS = TrainingSettings(max_epochs=10, check_every=5, n_active=2, pretrain_epochs=0)


@pytest.fixture
def finished_checkpoint(tmp_path):
    ckpt = tmp_path / "run.ckpt.npz"
    net, _ = train(erpsim.Network.initialize(CKPT_CONFIG, 1, rng=1), tiny_lexicon(),
                   CKPT_SETTINGS, checkpoint=ckpt, progress=False)
    return ckpt, net


@pytest.mark.parametrize("seed, lexicon, settings, reason", [
    (2, tiny_lexicon, CKPT_SETTINGS, "initial weights"),
    (1, lambda: erpsim.load_lexicon().subset(4, rng=4), CKPT_SETTINGS, "trained items"),
    (1, tiny_lexicon, TrainingSettings(max_epochs=10, check_every=5, n_active=2,
                                       pretrain_epochs=0, lr=0.01), "training settings"),
])
def test_checkpoint_of_another_run_is_refused(finished_checkpoint, seed, lexicon, settings,
                                              reason):
    ckpt, _ = finished_checkpoint
    before = ckpt.read_bytes()
    net = erpsim.Network.initialize(CKPT_CONFIG, 1, rng=seed)
    with pytest.raises(erpsim.training.trainer.CheckpointMismatch,
                       match=f"another run.*{reason.split()[0]}.*restart"):
        train(net, lexicon(), settings, checkpoint=ckpt, progress=False)
    assert ckpt.read_bytes() == before             # nothing overwritten


def test_restart_replaces_a_checkpoint_of_another_run(finished_checkpoint):
    ckpt, first = finished_checkpoint
    fresh, _ = train(erpsim.Network.initialize(CKPT_CONFIG, 1, rng=2), tiny_lexicon(),
                     CKPT_SETTINGS, progress=False)
    again, _ = train(erpsim.Network.initialize(CKPT_CONFIG, 1, rng=2), tiny_lexicon(),
                     CKPT_SETTINGS, checkpoint=ckpt, restart=True, progress=False)
    np.testing.assert_array_equal(again.W, fresh.W)
    assert not np.array_equal(again.W, first.W)
    # the checkpoint now belongs to the seed-2 run: it resumes to the same weights
    resumed, _ = train(erpsim.Network.initialize(CKPT_CONFIG, 1, rng=2), tiny_lexicon(),
                       CKPT_SETTINGS, checkpoint=ckpt, progress=False)
    np.testing.assert_array_equal(resumed.W, fresh.W)


def test_checkpoint_without_identity_is_refused(finished_checkpoint):
    ckpt, _ = finished_checkpoint
    with np.load(ckpt) as data:
        arrays = {k: data[k] for k in data.files if k != "identity"}
    np.savez(ckpt, **arrays)
    with pytest.raises(ValueError, match="no run identity"):
        train(erpsim.Network.initialize(CKPT_CONFIG, 1, rng=1), tiny_lexicon(), CKPT_SETTINGS,
              checkpoint=ckpt, progress=False)


def test_run_identity_ignores_only_the_epoch_limit():
    from erpsim.training.trainer import run_identity
    net = erpsim.Network.initialize(CKPT_CONFIG, 1, rng=1)
    trained = tiny_lexicon().trained
    base = run_identity(net, trained, CKPT_SETTINGS)
    longer = TrainingSettings(max_epochs=99, check_every=5, n_active=2, pretrain_epochs=0)
    assert run_identity(net, trained, longer) == base
    other_backend = TrainingSettings(max_epochs=10, check_every=5, n_active=2,
                                     pretrain_epochs=0, backend="numpy")
    assert run_identity(net, trained, other_backend)["training settings"] != \
        base["training settings"]


# -- the named steps of train (issue #13) ---------------------------------------------------
def test_prepare_problem_and_one_check_and_update():
    from erpsim.training.trainer import check, initial_state, prepare_problem, update
    net = erpsim.Network.initialize(CKPT_CONFIG, 2, rng=1)
    lexicon = tiny_lexicon()
    problem = prepare_problem(net, lexicon, CKPT_SETTINGS)
    n = len(lexicon.trained)
    assert problem.x.shape == (n, net.arch.input_slice.stop - net.arch.input_slice.start)
    assert problem.patterns.shape == (n, CKPT_CONFIG.n_sem)
    assert (problem.patterns.sum(axis=1) == CKPT_SETTINGS.n_active).all()
    assert problem.weights.sum() == pytest.approx(1.0)
    state = initial_state(net, problem, CKPT_SETTINGS)
    assert state.start == 0 and state.active.all() and (state.best["acc"] == -1).all()
    assert state.history == []
    grad, loss, acc = check(net, problem, state, CKPT_SETTINGS, epoch=0)
    assert [h["epoch"] for h in state.history] == [0, 0]
    np.testing.assert_array_equal(state.best["acc"], acc)
    np.testing.assert_array_equal(state.best["loss"], loss)
    before = net.W.copy()
    update(net, problem, state, CKPT_SETTINGS, grad)
    assert not np.array_equal(net.W, before)
    net.validate()                                  # signs kept after the step


def test_prepare_problem_bad_input():
    from erpsim.training.trainer import prepare_problem
    net = erpsim.Network.initialize(CKPT_CONFIG, 1, rng=1)
    with pytest.raises(TypeError, match="Lexicon"):
        prepare_problem(net, ["cat"], CKPT_SETTINGS)
    with pytest.raises(ValueError, match="no trained items"):
        prepare_problem(net, erpsim.load_lexicon().of_type("pseudoword"), CKPT_SETTINGS)


# -- analyses/train_default.py never replaces the output with an unconverged run -----------
def test_train_default_script_refuses_to_save_an_unconverged_run(tmp_path, monkeypatch, capsys):
    import dataclasses
    import runpy
    from pathlib import Path
    script = Path(__file__).resolve().parents[1] / "analyses" / "train_default.py"
    main = runpy.run_path(str(script))["main"]
    monkeypatch.setattr(erpsim, "training_config", lambda: CKPT_CONFIG)
    lexicon = tiny_lexicon()
    monkeypatch.setattr(erpsim, "load_lexicon", lambda: lexicon)
    def settings(max_epochs):
        return dataclasses.replace(CKPT_SETTINGS, max_epochs=max_epochs)

    settings.max_epochs = TrainingSettings.max_epochs
    monkeypatch.setitem(main.__globals__, "TrainingSettings", settings)
    out = tmp_path / "erp.npz"
    out.write_bytes(b"the shipped instances")
    argv = ["--instances", "1", "--max-epochs", "3", "--out", str(out)]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "train_default.py: error: NOT CONVERGED: 1 of 1 instance(s)" in err
    assert out.read_bytes() == b"the shipped instances"
    assert not (tmp_path / "SHA256SUMS.json").exists()
    assert (tmp_path / "erp.ckpt.npz").exists()              # the run can be resumed
    assert main(argv + ["--allow-unconverged"]) == 0
    assert erpsim.Network.load(out).meta["accuracy"][0] < 1.0
    assert (tmp_path / "SHA256SUMS.json").exists()


def _numpy_adam_step(opt, grads, active):
    """Adam's step as NumPy expressions (the fallback path), then project_signs."""
    opt.t[active] += 1
    t = np.maximum(opt.t, 1).astype(float)
    c1, c2 = 1.0 - opt.beta1 ** t, 1.0 - opt.beta2 ** t
    for p, g, m, v in zip(opt.params, grads, opt.m, opt.v):
        opt._step_numpy(p, g, m, v, active, c1, c2)


@pytest.mark.parametrize("ablation", [False, True])
def test_compiled_adam_step_equals_the_numpy_step_bit_for_bit(ablation):
    from erpsim.model.network import project_signs
    from erpsim.training.optim import Adam, sign_codes

    config = erpsim.training_config().replace(separate_inhibition=not ablation)
    net = erpsim.Network.initialize(config, 4, rng=0)
    rng = np.random.default_rng(3)
    fused, plain = (Adam([net.W.copy(), net.b.copy()]) for _ in range(2))
    fused.lr[:] = plain.lr[:] = [0.03, 0.01, 0.002, 0.05]    # per-instance rates
    signs = sign_codes(net.arch)
    for code in (0, 1, -1, 2):             # -0 and NaN at an absent, >= 0, <= 0, free weight
        where = np.flatnonzero(signs == code)
        if where.size:
            for p in (fused.params[0], plain.params[0]):
                p.reshape(4, -1)[0, where[:3]] = [-0.0, np.nan, -np.nan][:where.size]
    for step in range(40):
        active = rng.random(4) < 0.6 if step else np.ones(4, dtype=bool)
        scale = 10.0 ** rng.integers(-12, 2, size=(4, 1, 1))   # tiny gradients too
        grads = [rng.standard_normal(net.W.shape) * scale, rng.standard_normal(net.b.shape)]
        grads[0][:, ~net.arch.mask] = 0.0
        fused.step([g.copy() for g in grads], active, arch=net.arch)
        _numpy_adam_step(plain, grads, active)
        project_signs(plain.params[0], net.arch)
        for a, b in zip(fused.params + fused.m + fused.v, plain.params + plain.m + plain.v):
            assert np.array_equal(a.view(np.int64), b.view(np.int64)), step
        assert np.array_equal(fused.t, plain.t)


def test_the_numpy_fallback_projects_the_signs_as_the_compiled_step():
    from erpsim.training.optim import Adam

    net = erpsim.Network.initialize(erpsim.training_config(), 2, rng=0)
    g = np.random.default_rng(1).standard_normal(net.W.shape)
    compiled, fallback = Adam([net.W.copy()]), Adam([np.asfortranarray(net.W)])
    for _ in range(3):
        compiled.step([g], arch=net.arch)
        fallback.step([np.asfortranarray(g)], arch=net.arch)
    assert np.array_equal(compiled.params[0], fallback.params[0])
    assert (compiled.params[0][:, ~net.arch.mask] == 0).all()
    assert (compiled.params[0][:, net.arch.sign > 0] >= 0).all()


def test_adam_falls_back_to_numpy_for_other_layouts():
    from erpsim.training.optim import Adam

    rng = np.random.default_rng(0)
    p = rng.standard_normal((3, 8, 5))
    g = rng.standard_normal((3, 8, 5))
    a, b = Adam([p.copy()]), Adam([np.asfortranarray(p)])
    for active in (np.array([True, False, True]), None):
        a.step([g], active)
        b.step([np.asfortranarray(g)], active)
    assert np.array_equal(a.params[0], b.params[0]) and np.array_equal(a.m[0], b.m[0])
    c = Adam([p.astype(np.float32)])                        # float32: the NumPy step
    c.step([g.astype(np.float32)])
    assert c.params[0].dtype == np.float32 and np.isfinite(c.params[0]).all()
