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

GOLDEN = Path(__file__).parent / "data" / "golden_serp.csv"
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


def test_ten_instances_with_every_trained_item_correct(net):
    assert net.n_instances == 10
    items, patterns = semantics_of(net)
    x = erpsim.model.coding.get_coding(net.config.coding).encode(items)
    np.testing.assert_array_equal(semantic_accuracy(net, x, patterns), np.ones(10))
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


def test_lexical_decision_above_90_percent(net, lexicon):
    ds = erpsim.simulate(net, lexicon, envelope=None, record_units=True)
    table = lexical_decision(ds, semantics_of(net)[1])
    assert table["accuracy"].mean() > 0.90
    assert (table["d_prime"] > 2.5).all()


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
    "illegal": "illegal strings: the first peak comes early (tick 26) and the second is not earlier (27)",
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


def test_golden_curves(alpha, control):
    """The mean sERPs of the shipped instances, alpha and control, ticks 20-38.

    Tolerance 1e-9 (activation units): the computation is float64 and the backends agree
    to ~1e-15; platform differences (BLAS, fused multiply-adds, summation order) grow
    through 80 ticks of recurrent dynamics to at most ~1e-12. Anything larger is a change
    of the model, the weights, the defaults or the protocol (regenerate with
    tests/data/make_golden.py only on purpose).
    """
    golden = pd.read_csv(GOLDEN)
    for model, serp in (("alpha", alpha), ("control", control)):
        current = serp.mean("instance").rename("current").to_dataframe().reset_index()
        merged = golden[golden["model"] == model].merge(
            current, on=["item_type", "presentation", "tick"], validate="one_to_one")
        assert len(merged) == 4 * 2 * 19
        np.testing.assert_allclose(merged["current"], merged["mean"], rtol=0, atol=1e-9)
