"""Fig. 2 computation, tables and calibration scoring on small networks (fast)."""
import matplotlib
import numpy as np
import pandas as pd
import pytest

import erpsim
from erpsim.paper.calibration import (EnvelopeGrid, envelope_of, score_words, search_base,
                                search_clock_and_protocol, search_test_time)
from erpsim.io.datasets import load_published_words
from erpsim.paper.fig2 import compute_fig2, serp_table, spectra_table, windows_table, write_tables

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def data():
    config = erpsim.ModelConfig(n_auto=8, n_hidden=10, n_sem=10)
    net = erpsim.Network.initialize(config, 3, rng=0)
    net.b += np.random.default_rng(0).normal(0, 1.0, net.b.shape)
    envelope = erpsim.Envelope(theta=0.2, peak=4.0, layers=("S",))
    return compute_fig2(net, erpsim.load_lexicon().subset(3, rng=0), envelope=envelope)


def test_serp_table_columns_and_bands(data):
    table = serp_table(data)
    assert list(table.columns) == ["model", "item_type", "presentation", "tick", "mean",
                                   "ci_low", "ci_high"]
    assert set(table["model"]) == {"alpha", "control"}
    assert set(table["item_type"]) == {"word", "acronym", "pseudoword", "illegal"}
    assert (table["ci_low"] <= table["mean"] + 1e-15).all()
    assert (table["mean"] <= table["ci_high"] + 1e-15).all()


def test_control_presentations_coincide_exactly(data):
    control = data.serp["control"]
    np.testing.assert_array_equal(control.sel(presentation=1), control.sel(presentation=2))
    stats = data.stats.query("model == 'control' and measure == 'window_mean'")
    assert (stats["mean_diff"] == 0).all()


def test_windows_and_spectra_tables(data):
    windows = windows_table(data)
    assert list(windows.columns) == ["source", "model", "item_type", "start", "end", "unit"]
    human = windows.query("source == 'human'")
    assert (human["unit"] == "ms").all() and (human["start"] >= 250).all() and (human["end"] <= 450).all()
    model = windows.query("source == 'model'")
    assert (model["start"] >= 20).all() and (model["end"] <= 38).all()
    spectra = spectra_table(data)
    assert list(spectra.columns) == ["source", "model", "item_type", "presentation", "freq", "power"]
    assert (spectra["power"] >= 0).all()
    assert spectra.query("source == 'model'")["freq"].max() == pytest.approx(1.0)


def test_write_tables_and_figures(data, tmp_path):
    from erpsim.viz.fig2 import save_figures
    paths = write_tables(data, tmp_path)
    for name in ("serp", "windows", "spectra", "stats"):
        assert pd.read_csv(paths[name]).shape[0] > 0
    figures = save_figures(data, tmp_path)
    assert {p.name for p in figures} == {"fig2_alpha.png", "fig2_alpha.pdf",
                                         "fig2_control.png", "fig2_control.pdf"}
    assert all(p.stat().st_size > 1000 for p in figures)


def test_compute_fig2_needs_an_envelope():
    net = erpsim.Network.initialize(erpsim.ModelConfig(n_auto=4, n_hidden=4, n_sem=4), 2, rng=0)
    with pytest.raises(ValueError, match="envelope"):
        compute_fig2(net, erpsim.load_lexicon().subset(1, rng=0))


def test_score_words_of_the_published_curves_is_perfect():
    published = load_published_words()
    scores = score_words(published, published)
    assert scores["r1"] == pytest.approx(1.0) and scores["r2"] == pytest.approx(1.0)
    assert scores["rmse1"] == 0 and scores["score"] == 0
    # the published words curves show the pattern the ranking asks for
    assert scores["pattern"] and scores["peak_tick1"] == 29 and scores["peak_tick2"] < 29
    flat = published.copy()
    flat.loc[dict(presentation=2)] = published.sel(presentation=1)
    assert not score_words(flat, published)["pattern"]
    shifted = published + 0.01
    assert score_words(shifted, published)["rmse2"] == pytest.approx(0.01)


def test_score_words_needs_the_scored_ticks():
    published = load_published_words()
    with pytest.raises(ValueError, match="lack ticks"):
        score_words(published.sel(tick=slice(20, 30)), published)


def test_envelope_grid_is_valid_and_complete():
    envelopes = list(EnvelopeGrid().envelopes())
    assert len(envelopes) == len({repr(e) for e in envelopes})
    assert {e.family for e in envelopes} == {"alpha", "biexp"}
    assert all(e.tau_rise < e.tau_decay for e in envelopes if e.family == "biexp")


def test_searches_rank_candidates_by_their_scores():
    config = erpsim.ModelConfig(n_auto=8, n_hidden=10, n_sem=10)
    net = erpsim.Network.initialize(config, 2, rng=0)
    lexicon = erpsim.load_lexicon().subset(2, rng=0)
    base = search_base(net, lexicon, blanks=(2, 20), init_nets=(-2.0, 0.0), inh_gains=(1.0, 1.5))
    assert len(base) == 8 and base["rmse1"].is_monotonic_increasing
    grid = EnvelopeGrid(families=("alpha",), thetas=(0.1,), peaks=(4.0,), layers=(("S",),),
                        clock_starts=(0,))
    table = search_test_time(net, lexicon, bases=[(20, 0.0, 1.0)], grid=grid, progress=False)
    assert set(table["family"]) == {"none", "alpha"}
    for _, group in table.groupby("pattern", sort=False):
        assert group["score"].is_monotonic_increasing
    assert not table["pattern"].iloc[1:].gt(table["pattern"].iloc[:-1].values).any()

    clock = search_clock_and_protocol(net, lexicon, table,
                                      recoveries=(None, 3), protocols=(("reset", 0), ("gap", 5)))
    assert len(clock) == 4 and set(clock["protocol"]) == {"reset", "gap"}
    assert set(clock["recovery"].fillna(0)) == {0, 3}
    env = envelope_of(clock.iloc[0])
    assert env.family == "alpha" and env.peak == 4.0 and env.layers == ("S",)


# -- one pipeline with the sweep; the figures ----------------------------------------------
def test_fig2_numbers_are_the_shared_pipeline(data):
    from erpsim.paper import pipeline
    again = pipeline.analyse_models(data.serp, all_windows=True, stats=True)
    assert again.windows == data.windows["model"]
    pd.testing.assert_frame_equal(again.stats, data.stats)
    for model in data.serp:
        xr_equal = data.spectra["model"][model].identical(again.spectra[model])
        assert xr_equal, model
    # the window means use the alpha model's window for both models
    control = again.window_mean["control"]
    assert control.attrs["window"] == f"{again.window.start:g}-{again.window.end:g}"


def test_compute_fig2_rejects_a_non_integer_instance_count(data):
    net = erpsim.Network.initialize(erpsim.ModelConfig(n_auto=4, n_hidden=4, n_sem=4), 2, rng=0)
    with pytest.raises(TypeError, match="instances must be an instance of int"):
        compute_fig2(net, envelope=erpsim.Envelope(theta=0.2), instances="2")


def test_figures_are_readable(data):
    """Spectra on log axes; bands and FWHM boxes in different colours; the instance
    count in the title (``--quick`` figures used to look like full ones)."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_rgb

    from erpsim.viz.fig2 import WINDOW_COLOUR, plot_fig2
    fig = plot_fig2(data, "alpha")
    try:
        assert "3 instances" in fig._suptitle.get_text()
        axes = np.array(fig.axes).reshape(4, 4)
        assert all(ax.get_yscale() == "log" for ax in axes[2:].ravel())
        assert "log" in axes[3, 0].get_ylabel() and "log" in axes[2, 0].get_ylabel()
        serp_ax = axes[1, 0]
        colours = {tuple(np.round(to_rgb(c.get_facecolor()[0][:3]), 3)) for c in serp_ax.collections}
        boxes = [p for p in serp_ax.patches]
        assert boxes and len(colours) == 2
        assert tuple(np.round(to_rgb(WINDOW_COLOUR), 3)) not in colours
        assert serp_ax.get_xlim() == (20, 38)
    finally:
        plt.close(fig)


def test_failing_figure_write_leaves_the_old_file(data, tmp_path, monkeypatch):
    """`erpsim fig2` could leave its output folder half-updated."""
    from matplotlib.figure import Figure

    from erpsim.viz.fig2 import save_figures
    old = tmp_path / "fig2_alpha.png"
    old.write_bytes(b"the previous figure")

    def broken_savefig(self, fname, *args, **kwargs):
        with open(fname, "wb") as handle:
            handle.write(b"half a fig")
        raise OSError("disk full")

    monkeypatch.setattr(Figure, "savefig", broken_savefig)
    with pytest.raises(OSError, match="disk full"):
        save_figures(data, tmp_path)
    assert old.read_bytes() == b"the previous figure"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig2_alpha.png"]


def test_score_words_aligns_curves_on_their_onsets():
    published = load_published_words()
    shifted = published.assign_coords(tick=published["tick"].values - 10)
    shifted["tick"].attrs["onset_tick"] = 10
    expected = score_words(published, published)
    expected.update(peak_tick1=expected["peak_tick1"] - 10,   # in the curves' own labels
                    peak_tick2=expected["peak_tick2"] - 10)
    assert score_words(shifted, published) == expected


def _script(name):
    import importlib.util
    from pathlib import Path
    path = Path(__file__).resolve().parents[1] / "analyses" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_calibration_script_writes_outside_docs_by_default(tmp_path, capsys, monkeypatch):
    """calibrate_alpha.py used to overwrite the tracked docs/calibration tables."""
    import argparse
    module = _script("calibrate_alpha")
    assert "docs" not in module.DEFAULT_OUT
    module.say(argparse.Namespace(quiet=False), "stage 1/3")
    module.say(argparse.Namespace(quiet=True), "hidden")
    assert capsys.readouterr().out == "stage 1/3\n"
    module.write_csv(pd.DataFrame({"a": [1]}), tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text() == "a\n1\n"


def test_fig2_script_regenerates_the_figure(tmp_path, capsys):
    paths = _script("fig2").main(["--quick", "--out", str(tmp_path)])
    assert {p.name for p in paths} == {"serp.csv", "windows.csv", "spectra.csv", "stats.csv",
                                       "fig2_alpha.png", "fig2_alpha.pdf", "fig2_control.png",
                                       "fig2_control.pdf"}
    assert "alpha model N400 window" in capsys.readouterr().out


def test_envelope_spellings_of_compute_fig2():
    config = erpsim.ModelConfig(n_auto=8, n_hidden=10, n_sem=10,
                                envelope=erpsim.Envelope(theta=0.2, peak=4.0, layers=("S",)))
    net = erpsim.Network.initialize(config, 2, rng=0)
    net.b += np.random.default_rng(0).normal(0, 1.0, net.b.shape)
    lexicon = erpsim.load_lexicon().subset(1, rng=0)
    configured = compute_fig2(net, lexicon)                          # "config", the default
    with pytest.warns(DeprecationWarning, match="compute_fig2\\(envelope=None\\)"):
        old = compute_fig2(net, lexicon, envelope=None)              # 0.1's spelling
    np.testing.assert_array_equal(old.serp["alpha"].values, configured.serp["alpha"].values)
    explicit = compute_fig2(net, lexicon, envelope=config.envelope)
    assert configured.envelope == explicit.envelope == old.envelope
    np.testing.assert_array_equal(explicit.serp["alpha"].values, configured.serp["alpha"].values)
    with pytest.raises(ValueError, match="no alpha envelope"):
        compute_fig2(net.with_config(envelope=None), lexicon)
