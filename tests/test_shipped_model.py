"""Regression tests on the shipped trained instances: training criteria, curve shapes,
the repetition effect of the alpha model and golden curves.

Where a type does not show what ``fig2.md`` describes, the test is an expected failure
that names the mismatch (docs/calibration.md); the calibration was not tuned to it.
"""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import erpsim
from erpsim.analysis import model_window, window_mean
from erpsim.io.datasets import load_published_words
from erpsim.model.lexicon import ITEM_TYPES
from erpsim.training import lexical_decision, semantic_accuracy, semantics_of

DATA = Path(__file__).parent / "data"
GOLDEN = DATA / "golden_serp.csv"
GOLDEN_V0_2 = DATA / "golden_serp_v0_2.csv"
TICKS = slice(20, 38)


@pytest.fixture(scope="module")
def net():
    return erpsim.load_pretrained()


@pytest.fixture(scope="module")
def lexicon():
    return erpsim.load_lexicon()


@pytest.fixture(scope="module")
def alpha(net, lexicon):
    return erpsim.serp_by_type(erpsim.simulate_repetition(net, lexicon)).sel(tick=TICKS)


@pytest.fixture(scope="module")
def control(net, lexicon):
    return erpsim.serp_by_type(erpsim.simulate_repetition(net, lexicon, envelope=None)).sel(tick=TICKS)


def test_twenty_instances_with_every_trained_item_correct(net):
    assert net.n_instances == 20
    items, patterns = semantics_of(net)
    x = erpsim.model.coding.get_coding(net.config.coding).encode(items)
    np.testing.assert_array_equal(semantic_accuracy(net, x, patterns), np.ones(20))
    net.validate()                                           # sign constraints hold


def test_checksum_is_verified(tmp_path, monkeypatch):
    import shutil
    folder = tmp_path / "pretrained"
    shutil.copytree(erpsim.utils.paths.data_dir() / "pretrained", folder,
                    ignore=shutil.ignore_patterns("*.ckpt.npz"))
    with open(folder / "erp_default.npz", "r+b") as handle:
        handle.seek(-1, 2)
        last = handle.read(1)
        handle.seek(-1, 2)
        handle.write(bytes([last[0] ^ 1]))
    monkeypatch.setenv("ERPSIM_DATA", str(tmp_path))
    with pytest.raises(ValueError, match="checksum"):
        erpsim.load_pretrained()
    with pytest.raises(FileNotFoundError, match="no pretrained model"):
        erpsim.load_pretrained("missing")


@pytest.mark.parametrize("name,min_accuracy,min_d_prime", [("erp_default", 0.85, 1.5),
                                                          ("erp_v0_2", 0.90, 2.5)])
def test_lexical_decision_separates_trained_from_untrained(lexicon, name, min_accuracy,
                                                           min_d_prime):
    """Semantic familiarity at the last tick, ERP model. Measured: the default 0.905 on
    average (d' 2.0-2.9), erpsim 0.2's 0.95 (d' 3.3-4.8); the calibrated protocol's
    sparser meanings (3 of 50 features) cost lexical decision accuracy (docs/model.md)."""
    net = erpsim.load_pretrained(name)
    ds = erpsim.simulate(net, lexicon, envelope=None, record_units=True)
    table = lexical_decision(ds, semantics_of(net)[1])
    assert table["accuracy"].mean() > min_accuracy
    assert (table["d_prime"] > min_d_prime).all()


@pytest.mark.parametrize("item_type", ITEM_TYPES)
def test_first_presentation_is_a_single_transient(control, item_type):
    """The ERP model: flat at onset, a rise from tick 23-24, one peak 6-9 ticks after
    onset (ticks 26-29), then a decline as inhibition catches up."""
    curve = control.mean("instance").sel(item_type=item_type, presentation=1)
    values, ticks = curve.values, curve["tick"].values
    peak = values.max()
    peak_tick = ticks[values.argmax()]
    assert 26 <= peak_tick <= 29
    assert values[ticks == 22][0] < 0.5 * peak                    # before the rise
    assert curve.sel(tick=35).item() < 0.7 * peak                 # the decline
    rising = np.diff(values[(ticks >= 22) & (ticks <= peak_tick)])
    assert (rising > -0.01).all()                                 # one rise, no early peak


def test_control_presentations_coincide(control):
    np.testing.assert_array_equal(control.sel(presentation=1), control.sel(presentation=2))


@pytest.mark.parametrize("item_type", ITEM_TYPES)
def test_onset_relaxation_then_identical_presentations_until_the_rise(alpha, item_type):
    """fig2.md: at onset the semantic layer is still relaxing from the trial's initial
    state (about 0.09, roughly halving each tick to about 0.01 at ticks 23-24), the same
    for both presentations, which coincide until the rise (measured within 0.4%: the
    envelope's clocks carried over touch the second presentation's dip only slightly)."""
    curves = alpha.mean("instance").sel(item_type=item_type)
    first = curves.sel(presentation=1)
    onset, dip = first.sel(tick=20).item(), first.sel(tick=slice(21, 25)).min().item()
    assert 0.05 < onset < 0.15
    assert dip < onset / 4
    np.testing.assert_allclose(curves.sel(presentation=2, tick=slice(20, 24)),
                               first.sel(tick=slice(20, 24)), rtol=0.01, atol=0)


@pytest.mark.parametrize("item_type", ITEM_TYPES)
def test_every_instance_shows_the_repetition_reduction(alpha, item_type):
    """The published window (ticks 26-31): the second presentation's mean is lower in
    every instance, not only on average."""
    means = window_mean(alpha.sel(item_type=item_type), window=(26, 31))
    assert (means.sel(presentation=1) > means.sel(presentation=2)).all()


def test_shared_window_within_ticks_25_to_32(alpha):
    window = model_window(alpha)
    assert 25 <= window.start < window.end <= 32


def test_published_words_give_the_published_window():
    published = load_published_words()
    window = model_window(published)
    assert (window.start, window.end) == (26, 31)


@pytest.mark.parametrize("item_type", ITEM_TYPES)
def test_second_presentation_window_mean_is_lower(alpha, item_type):
    window = model_window(alpha)
    means = window_mean(alpha.sel(item_type=item_type), window=window)
    diff = means.sel(presentation=1) - means.sel(presentation=2)
    assert diff.mean("instance") > 0


PEAK_MISMATCH = {}
EARLIER_MISMATCH = {
    item_type: f"{item_type}: the second peak is not earlier (the default protocol's first and "
               "second peaks share their tick; docs/calibration.md)" for item_type in ITEM_TYPES
}


def _expect(mismatches, item_type):
    if item_type in mismatches:
        return pytest.param(item_type, marks=pytest.mark.xfail(reason=mismatches[item_type], strict=True))
    return item_type


@pytest.mark.parametrize("item_type", [_expect(PEAK_MISMATCH, t) for t in ITEM_TYPES])
def test_second_peak_is_lower(alpha, item_type):
    curves = alpha.mean("instance").sel(item_type=item_type)
    peaks = curves.max("tick")
    assert peaks.sel(presentation=2) < peaks.sel(presentation=1)


@pytest.mark.parametrize("item_type", [_expect(EARLIER_MISMATCH, t) for t in ITEM_TYPES])
def test_second_peak_is_earlier(alpha, item_type):
    curves = alpha.mean("instance").sel(item_type=item_type)
    ticks = curves["tick"].values[curves.argmax("tick").values]
    assert ticks[1] < ticks[0]


def assert_golden(path, alpha, control):
    """The mean sERPs, alpha and control, ticks 20-38, against a golden file.

    Tolerance 1e-9 (activation units): the computation is float64 and the backends agree
    to ~1e-15; platform differences (BLAS, fused multiply-adds, summation order) grow
    through the ticks of recurrent dynamics to at most ~1e-12. Anything larger is a change
    of the model, the weights, the defaults or the protocol (regenerate with
    tests/data/make_golden.py only on purpose).
    """
    golden = pd.read_csv(path)
    for model, serp in (("alpha", alpha), ("control", control)):
        current = serp.mean("instance").rename("current").to_dataframe().reset_index()
        merged = golden[golden["model"] == model].merge(
            current, on=["item_type", "presentation", "tick"], validate="one_to_one")
        assert len(merged) == 4 * 2 * 19
        np.testing.assert_allclose(merged["current"], merged["mean"], rtol=0, atol=1e-9)


def test_golden_curves(alpha, control):
    assert_golden(GOLDEN, alpha, control)


def test_the_instances_of_erpsim_0_2_keep_their_curves(lexicon):
    """erpsim 0.2's shipped instances and protocol (20 blank ticks, initial net input 0,
    one dt) still give the curves they gave in 0.2."""
    old = erpsim.load_pretrained("erp_v0_2")
    assert old.n_instances == 10
    assert (old.config.n_blank, old.config.init_net, old.config.dt_groups) == (20, 0.0, None)
    serp = erpsim.serp_by_type(erpsim.simulate_repetition(old, lexicon)).sel(tick=TICKS)
    control = erpsim.serp_by_type(erpsim.simulate_repetition(old, lexicon, envelope=None))
    assert_golden(GOLDEN_V0_2, serp, control.sel(tick=TICKS))
