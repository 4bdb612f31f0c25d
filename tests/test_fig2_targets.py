"""The Fig. 2 targets of issue #14 (erpsim.paper.targets, analyses/fig2_targets.py):
the published column, agreement with the calibration's scoring and the other analyses
on the shipped instances, and the script's CSV."""
import json
import runpy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import erpsim
from erpsim.io.datasets import load_published_words
from erpsim.paper.calibration import score_words, trained_accuracy, words_curves
from erpsim.paper.targets import COLUMNS, fig2_targets, late_level, onset_relaxation
from erpsim.simulation.results import serp_by_type
from erpsim.simulation.trials import simulate_repetition

ROOT = Path(__file__).parent.parent
GOLDEN = Path(__file__).parent / "data" / "golden_lexical.json"


def test_onset_relaxation_and_late_level_of_the_published_curve():
    published = load_published_words()
    onset, minimum = onset_relaxation(published)
    assert float(onset.sel(presentation=1)) == pytest.approx(0.0875)
    assert float(minimum.sel(presentation=1)) == pytest.approx(0.0123)     # tick 24
    assert float(minimum.sel(presentation=2)) == pytest.approx(0.0138)     # tick 23
    assert float(late_level(published).sel(presentation=1)) == pytest.approx(0.058)


def test_a_high_onset_is_not_read_as_the_peak():
    """A curve still relaxing from a high initial state peaks in its transient, not at
    onset; the published curve's peaks are the same either way (29 and 27)."""
    from erpsim.paper.calibration import transient_peak
    published = load_published_words()
    assert [transient_peak(published.sel(presentation=p))[1] for p in (1, 2)] == [29, 27]
    first = published.sel(presentation=1)
    high = first.copy(data=first.values.copy())
    high.loc[dict(tick=20)] = 0.4                     # above the transient (0.196)
    peak, tick = transient_peak(high)
    assert (round(peak, 4), tick) == (round(float(first.max()), 4), 29)
    flat = first.copy(data=np.where(first["tick"] < 24, 0.07, first.values))
    assert transient_peak(flat)[1] == 29
    both = published.copy(data=published.values.copy())
    both.loc[dict(tick=20, presentation=2)] = 0.4     # only the second starts high
    score = score_words(both, published)
    assert (score["peak_tick1"], score["peak_tick2"], score["pattern"]) == (29, 27, True)


def test_windows_follow_the_onset():
    published = load_published_words()
    shifted = published.assign_coords(tick=published["tick"] - 5)
    shifted["tick"].attrs["onset_tick"] = 15
    np.testing.assert_array_equal(onset_relaxation(shifted)[1], onset_relaxation(published)[1])
    np.testing.assert_array_equal(late_level(shifted), late_level(published))


@pytest.fixture(scope="module")
def table(pretrained, full_lexicon):
    return fig2_targets(pretrained, full_lexicon).set_index("measure")


def _row(table, start):
    rows = table[table.index.str.startswith(start)]
    assert len(rows) == 1, (start, list(rows.index))
    return rows.iloc[0]


def test_table_columns_and_published_values(table):
    assert list(table.reset_index().columns) == list(COLUMNS)
    assert table["met"].map(type).eq(bool).all()
    assert _row(table, "words r, first")["published"] == pytest.approx(1.0)
    assert _row(table, "words onset value, first")["published"] == pytest.approx(0.0875)
    assert _row(table, "words onset minimum, first")["published"] == pytest.approx(0.0123)
    assert _row(table, "words late level, first")["published"] == pytest.approx(0.058)
    assert _row(table, "words peak tick, first")["published"] == 29
    assert _row(table, "words peak tick, second")["published"] == 27
    assert _row(table, "words relative peak reduction")["published"] == pytest.approx(
        1 - 0.1650 / 0.1955)
    for item_type in ("word", "acronym", "pseudoword", "illegal"):
        _row(table, f"{item_type} second peak tick - first peak tick")
    assert len(table) == 25


def test_words_measures_agree_with_the_calibration_score(table, pretrained, full_lexicon):
    curves = words_curves(pretrained, full_lexicon, pretrained.config.envelope,
                          protocol="reset")
    score = score_words(curves)
    for p, name in ((1, "first"), (2, "second")):
        row = _row(table, f"words r, {name}")
        assert row["value"] == pytest.approx(score[f"r{p}"], rel=0, abs=1e-12)
        assert row["met"] == (score[f"r{p}"] >= 0.95)
        assert _row(table, f"words peak tick, {name}")["value"] == score[f"peak_tick{p}"]
    reduction = _row(table, "words relative peak reduction")["value"]
    assert reduction == pytest.approx(1 - score["peak2"] / score["peak1"], abs=1e-12)
    onset = float(curves.sel(presentation=1, tick=20))
    assert _row(table, "words onset value, first")["value"] == pytest.approx(onset, abs=1e-12)
    late = float(curves.sel(presentation=1, tick=[36, 37, 38]).mean())
    assert _row(table, "words late level, first")["value"] == pytest.approx(late, abs=1e-12)


def test_repetition_reading_and_neighbourhood_agree_with_their_analyses(table, pretrained,
                                                                        full_lexicon):
    serp = serp_by_type(simulate_repetition(pretrained, full_lexicon)).sel(item_type="word")
    means = serp.sel(tick=slice(26, 31)).mean("tick")
    test = stats.ttest_rel(means.sel(presentation=1), means.sel(presentation=2))
    row = _row(table, "words repetition effect")
    assert row["value"] == pytest.approx(test.pvalue, rel=1e-9)
    assert row["met"] == bool(test.pvalue < 0.01 and test.statistic > 0)
    accuracy = trained_accuracy(pretrained, pretrained.config.envelope)
    assert _row(table, "trained items read correctly")["value"] == accuracy
    golden = json.loads(GOLDEN.read_text())["window_mean"]
    row = _row(table, "neighbourhood effect")
    assert row["value"] == pytest.approx(golden["mean"], rel=0, abs=1e-9)
    assert row["met"] == (golden["ci_low"] > 0)


def test_script_prints_and_writes_the_table(tmp_path, capsys, table):
    out = tmp_path / "targets.csv"
    ns = runpy.run_path(str(ROOT / "analyses" / "fig2_targets.py"))
    assert ns["main"](["--out", str(out)]) == 0
    written = pd.read_csv(out)
    assert list(written.columns) == list(COLUMNS)
    assert list(written["measure"]) == list(table.index)
    np.testing.assert_allclose(written["value"], table["value"], rtol=1e-12)
    printed = capsys.readouterr().out
    assert "neighbourhood effect" in printed and f"of {len(table)} targets met" in printed


def test_untrained_network_and_a_lexicon_without_words(full_lexicon):
    net = erpsim.Network.initialize(erpsim.ModelConfig(n_auto=8, n_hidden=10, n_sem=10), 3,
                                    rng=0)
    small = fig2_targets(net, full_lexicon.subset(5, rng=0), envelope=None)
    reading = _row(small.set_index("measure"), "trained items read correctly")
    assert np.isnan(reading["value"]) and not reading["met"]
    assert "no trained semantics" in reading["detail"]
    nonwords = full_lexicon.of_type("pseudoword")
    with pytest.raises(ValueError, match="no words"):
        fig2_targets(net, nonwords, envelope=None)
