"""Training targets: the target window, zero targets on the blank, the Targets object and
the validation of TrainingSettings (issues #13 and #14)."""
import json

import numpy as np
import pytest
from backends import TRAINERS
from test_training import SMALL, problem, tiny_lexicon

import erpsim
from erpsim.engine import make_schedule, registry
from erpsim.training import TrainingSettings, train
from erpsim.training.targets import Targets, blank_ticks, stimulus_spans, target_ticks
from erpsim.training.trainer import CheckpointMismatch, prepare_problem, run_identity
from gradcheck import finite_difference_errors as shared_finite_difference_errors  # noqa: E402

TINY = erpsim.ModelConfig(n_auto=6, n_hidden=8, n_sem=8, n_blank=3, n_stim=6, n_targets=2)
TINY_SETTINGS = dict(check_every=10, n_active=2, pretrain_epochs=5)

#: (target window, zero targets on the blank): the cases of the gradient checks
TARGET_CASES = [((0, 1), False), ((2, 4), False), (None, True), ((1, 5), True)]
TARGET_IDS = ["window 0-1", "window 2-4", "blank zeros", "window 1-5 and blank zeros"]


def finite_difference_errors(module, net, args, params, n_weights=20):
    """Relative errors of ``module``'s dW and db against central differences of its loss."""
    loss_of = lambda W, b: module.loss_and_grad(W, b, *args, **params)[0]  # noqa: E731
    _, dW, db = module.loss_and_grad(net.W, net.b, *args, **params)
    return shared_finite_difference_errors(loss_of, net, dW, db, n_weights=n_weights)


@pytest.mark.parametrize("backend", TRAINERS)
@pytest.mark.parametrize("window,blank", TARGET_CASES, ids=TARGET_IDS)
def test_gradient_of_the_targets_matches_finite_differences(backend, window, blank):
    net, args, params = problem(erpsim.ModelConfig(**SMALL), window=window, blank=blank)
    module = registry.get(backend, trains=True).gradient_module()
    assert max(finite_difference_errors(module, net, args, params)) < 1e-5


@pytest.mark.parametrize("window,blank", TARGET_CASES, ids=TARGET_IDS)
def test_numba_gradient_of_the_targets_equals_numpy(window, blank):
    """The numba kernel runs the ticks before the first onset once, on the item sum: the
    zero targets there are the same for every item, so the sum stays exact."""
    from erpsim.training import cpu, reference
    config = erpsim.ModelConfig(**SMALL, init_net=-3.0)
    envelope = erpsim.Envelope(theta=0.3, peak=3.0, recovery=2)
    net, args, params = problem(config, envelope, n_items=11, window=window, blank=blank)
    expected = reference.loss_and_grad(net.W, net.b, *args, **params)
    got = cpu.loss_and_grad(net.W, net.b, *args, **params)
    for e, g in zip(expected, got):
        np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("backend", TRAINERS)
def test_blank_targets_add_the_zero_cross_entropy_of_the_blank(backend):
    """The loss with blank zeros is the default loss plus Σ_items w_i Σ_blank ticks, units
    -log(1 - y): computed here from a simulation."""
    config = erpsim.ModelConfig(**SMALL)
    net, args, params = problem(config, presentations=1)
    _, plus_args, _ = problem(config, presentations=1, blank=True)
    module = registry.get(backend, trains=True).gradient_module()
    base = module.loss_and_grad(net.W, net.b, *args, **params)[0]
    with_zeros = module.loss_and_grad(net.W, net.b, *plus_args, **params)[0]
    x, targets, schedule = args[0], args[1], args[2]
    _, units = erpsim.engine.run(net, x, schedule, backend="numpy", record_units=True)
    sem = units[:, :, ~schedule.stim][..., net.arch.semantic_slice]
    zero_ce = -(targets.weights[None, :, None, None] * np.log(1 - sem)).sum(axis=(1, 2, 3))
    np.testing.assert_allclose(with_zeros - base, zero_ce, rtol=1e-10)


def test_target_ticks_window_and_default():
    schedule = make_schedule(TINY, 2)
    default = target_ticks(schedule, TINY.n_targets)
    assert np.flatnonzero(default).tolist() == [7, 8, 16, 17]
    window = target_ticks(schedule, window=(0, 2))
    assert np.flatnonzero(window).tolist() == [3, 4, 5, 12, 13, 14]
    # the window (0, n_stim - 1) is the whole stimulus; the last n_targets the same
    assert (target_ticks(schedule, window=(4, 5)) == default).all()
    assert stimulus_spans(schedule.stim) == [(3, 8), (12, 17)]
    assert np.flatnonzero(blank_ticks(schedule)).tolist() == [0, 1, 2, 9, 10, 11]
    with pytest.raises(ValueError, match=r"target_window \(2, 6\).*<= 5"):
        target_ticks(schedule, window=(2, 6))
    with pytest.raises(ValueError, match="n_targets"):
        target_ticks(schedule, 7)


def test_targets_object_is_checked():
    sem = slice(10, 13)
    at, none = np.array([0, 1, 1], dtype=bool), np.zeros(3, dtype=bool)
    patterns = np.ones((2, 3))
    targets = Targets(patterns, [0.5, 0.5], at, none, sem)
    assert targets.patterns.dtype == np.float64 and not targets.patterns.flags.writeable
    assert patterns.flags.writeable                     # the caller's array is left alone
    with pytest.raises(ValueError, match="both pattern and zero"):
        Targets(np.ones((2, 3)), [0.5, 0.5], at, at, sem)
    with pytest.raises(ValueError, match="4 features but the network has 3"):
        Targets(np.ones((2, 4)), [0.5, 0.5], at, none, sem)
    with pytest.raises(ValueError, match="weights"):
        Targets(np.ones((2, 3)), [1.0], at, none, sem)
    with pytest.raises(ValueError, match="no tick"):
        Targets(np.ones((2, 3)), [0.5, 0.5], none, none, sem)


def test_problem_uses_the_window_and_the_blank():
    net = erpsim.Network.initialize(TINY, 1, rng=1)
    settings = TrainingSettings(max_epochs=1, target_window=(1, 3), blank_targets=True,
                                **TINY_SETTINGS)
    problem_ = prepare_problem(net, tiny_lexicon(), settings)
    assert np.flatnonzero(problem_.targets.at).tolist() == [4, 5, 6]
    assert np.flatnonzero(problem_.targets.zero_at).tolist() == [0, 1, 2]
    default = prepare_problem(net, tiny_lexicon(), TrainingSettings(**TINY_SETTINGS))
    assert np.flatnonzero(default.targets_at).tolist() == [7, 8]
    assert not default.targets.zero_at.any()
    too_late = TrainingSettings(target_window=(3, 6), **TINY_SETTINGS)
    with pytest.raises(ValueError, match="target_window"):
        prepare_problem(net, tiny_lexicon(), too_late)


@pytest.mark.parametrize("changes", [{"target_window": (0, 5)}, {"blank_targets": True},
                                     {"target_window": (5, 5), "blank_targets": True}],
                         ids=["window", "blank", "last tick and blank"])
def test_tiny_training_with_the_target_options_lowers_the_loss(changes):
    settings = TrainingSettings(max_epochs=60, **TINY_SETTINGS, **changes)
    net, history = train(erpsim.Network.initialize(TINY, 1, rng=1), tiny_lexicon(), settings,
                         progress=False)
    assert history["loss"].iloc[-1] < 0.9 * history["loss"].iloc[0]
    assert net.meta["training"].get("blank_targets", False) == changes.get("blank_targets",
                                                                           False)


def test_target_options_are_part_of_the_run_identity(tmp_path):
    ckpt = tmp_path / "run.ckpt.npz"
    settings = TrainingSettings(max_epochs=10, blank_targets=True, **TINY_SETTINGS)
    train(erpsim.Network.initialize(TINY, 1, rng=1), tiny_lexicon(), settings,
          checkpoint=ckpt, progress=False)
    before = ckpt.read_bytes()
    for other in (TrainingSettings(max_epochs=10, **TINY_SETTINGS),
                  TrainingSettings(max_epochs=10, blank_targets=True, target_window=(0, 5),
                                   **TINY_SETTINGS)):
        with pytest.raises(CheckpointMismatch, match="training settings"):
            train(erpsim.Network.initialize(TINY, 1, rng=1), tiny_lexicon(), other,
                  checkpoint=ckpt, progress=False)
    assert ckpt.read_bytes() == before


def test_resuming_with_blank_targets_follows_the_same_path(tmp_path):
    options = dict(blank_targets=True, target_window=(3, 5), **TINY_SETTINGS)
    whole, _ = train(erpsim.Network.initialize(TINY, 1, rng=1), tiny_lexicon(),
                     TrainingSettings(max_epochs=30, **options), progress=False)
    ckpt = tmp_path / "run.ckpt.npz"
    train(erpsim.Network.initialize(TINY, 1, rng=1), tiny_lexicon(),
          TrainingSettings(max_epochs=20, **options), checkpoint=ckpt, progress=False)
    resumed, _ = train(erpsim.Network.initialize(TINY, 1, rng=1), tiny_lexicon(),
                       TrainingSettings(max_epochs=30, **options), checkpoint=ckpt,
                       progress=False)
    np.testing.assert_array_equal(resumed.W, whole.W)


# -- TrainingSettings: validation, JSON, identity of the earlier runs ------------------------
#: The fields of TrainingSettings before the target and semantic options (erpsim 0.1).
FIELDS_0_1 = ["max_epochs", "lr", "grad_clip", "pretrain_epochs", "pretrain_lr",
              "check_every", "rollback", "n_active", "semantic_seed", "with_envelope",
              "backend"]


def test_default_settings_keep_their_identity():
    """Runs with the earlier settings keep their checkpoints' identity and sweep keys."""
    assert list(TrainingSettings().to_dict()) == FIELDS_0_1
    net = erpsim.Network.initialize(TINY, 1, rng=1)
    identity = run_identity(net, tiny_lexicon().trained, TrainingSettings(**TINY_SETTINGS))
    assert sorted(json.loads(identity["training settings"])) == sorted(FIELDS_0_1[1:])


def test_numpy_integers_are_accepted_and_bools_refused():
    """Issue #13: TrainingSettings refused numpy.int64 where ModelConfig accepts it."""
    settings = TrainingSettings(max_epochs=np.int64(10), check_every=np.int32(5),
                                n_active=np.int64(2), pretrain_epochs=np.int64(0),
                                semantic_seed=np.int64(3), lr=np.float32(0.5),
                                target_window=np.array([1, 2]))
    assert type(settings.max_epochs) is int and settings.max_epochs == 10
    assert type(settings.lr) is float and settings.target_window == (1, 2)
    json.dumps(settings.to_dict())                      # plain Python values
    with pytest.raises(ValueError, match="max_epochs must be an integer"):
        TrainingSettings(max_epochs=True)
    with pytest.raises(ValueError, match="n_active must be an integer"):
        TrainingSettings(n_active=2.0)
    with pytest.raises(TypeError, match="lr must be"):
        TrainingSettings(lr=True)
    with pytest.raises(TypeError, match="blank_targets must be"):
        TrainingSettings(blank_targets=1)
    with pytest.raises(TypeError, match="grad_clip must be"):
        TrainingSettings(grad_clip="1")


@pytest.mark.parametrize("window, message", [
    ((3, 2), "target_window end must be an integer >= 3"),
    ((-1, 2), "target_window start must be an integer >= 0"),
    ("ab", "target_window must be None or"), (3, "target_window must be None or"),
    ((1, 2, 3), "target_window must be None or"), ((0.0, 2), "start must be an integer"),
])
def test_bad_target_window(window, message):
    with pytest.raises(ValueError, match=message):
        TrainingSettings(target_window=window)


def test_settings_round_trip_through_json():
    settings = TrainingSettings(target_window=[1, 4], blank_targets=True, n_trained=5,
                                semantic_structure="categories", n_categories=2, n_shared=1)
    again = TrainingSettings(**json.loads(json.dumps(settings.to_dict())))
    assert again == settings and again.target_window == (1, 4)
    assert TrainingSettings(**TrainingSettings().to_dict()) == TrainingSettings()
