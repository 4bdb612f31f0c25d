"""Model-vs-EEG comparison: resampling, affine fit, latencies, windows, errors, plot, CLI."""
import importlib.util
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import mne  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import xarray as xr  # noqa: E402

import erpsim  # noqa: E402
from erpsim.eeg import bridge as mb  # noqa: E402
from erpsim.cli import main as cli_main  # noqa: E402
from erpsim.eeg.compare import (COLUMNS, Comparison, affine_fit, compare,  # noqa: E402
                               resample_model)
from test_mne_bridge import _write_brainvision  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TICKS = np.arange(40)


def bump(peak, width=2.0, base=0.05, height=0.2):
    """A Gaussian sERP-like curve over ticks 0-39."""
    return base + height * np.exp(-0.5 * ((TICKS - peak) / width) ** 2)


def model_array(curves):
    """DataArray (item_type, presentation, tick) from {(type, pres): curve}."""
    types = list(dict.fromkeys(t for t, _ in curves))
    data = np.stack([np.stack([curves[(t, p)] for p in (1, 2)]) for t in types])
    return xr.DataArray(data, dims=("item_type", "presentation", "tick"),
                        coords={"item_type": types, "presentation": [1, 2], "tick": TICKS})


def eeg_from_model(curves, *, offset_uv, gain_uv, ms_per_tick, onset_tick, sfreq=1000.0,
                   tmin=-0.1, tmax=0.9, ch="Pz", names=None):
    """EEG evokeds: offset + gain * (-model), the model mapped with the given onset."""
    times_ms = np.arange(round(tmin * sfreq), round(tmax * sfreq) + 1) / sfreq * 1000
    model_ms = mb.tick_to_ms(TICKS, ms_per_tick, onset_tick)
    info = mne.create_info([ch], sfreq, "eeg")
    out = {}
    for (t, p), c in curves.items():
        y = offset_uv + gain_uv * -np.interp(times_ms, model_ms, c)
        name = (names or {}).get((t, p), f"{t}/{p}")
        out[name] = mne.EvokedArray(y[None, :] * 1e-6, info, tmin=tmin, comment=name,
                                    verbose="error")
    return out


@pytest.fixture(scope="module")
def result():
    net = erpsim.Network.initialize(erpsim.ModelConfig(), n_instances=2, rng=0)
    return erpsim.simulate(net, erpsim.load_lexicon().subset(3, rng=0), presentations=2)


# --------------------------------------------------------------------------- pieces
def test_resample_model_is_linear_interpolation():
    ms = np.array([0.0, 50.0, 100.0])
    v = np.array([1.0, 3.0, 2.0])
    out = resample_model(ms, v, [-10, 0, 25, 50, 75, 100, 110])
    np.testing.assert_allclose(out[1:6], [1.0, 2.0, 3.0, 2.5, 2.0])
    assert np.isnan(out[0]) and np.isnan(out[-1])
    with pytest.raises(ValueError, match="increasing"):
        resample_model([0, 0, 1], v, [0.5])


def test_affine_fit_known_answer():
    x = np.linspace(0, 1, 20)
    f = affine_fit(x, 3 - 2 * x)
    assert f["gain"] == pytest.approx(-2) and f["offset"] == pytest.approx(3)
    assert f["r"] == pytest.approx(-1) and f["rmse"] == pytest.approx(0, abs=1e-12)
    noise = np.where(np.arange(20) % 2, 0.1, -0.1)
    g = affine_fit(x, 1 + 4 * x + noise)
    assert g["rmse"] == pytest.approx(
        np.sqrt(np.mean((1 + 4 * x + noise - g["offset"] - g["gain"] * x) ** 2)))
    assert 0.9 < g["r"] < 1
    h = affine_fit(np.ones(5), np.arange(5.0))
    assert h["gain"] == 0 and np.isnan(h["r"]) and h["offset"] == pytest.approx(2)
    with pytest.raises(ValueError, match="at least 3"):
        affine_fit([1, 2], [1, 2])


# --------------------------------------------------------------------------- known answers
def test_scaled_shifted_copy_gives_r_1_and_recovers_the_fit():
    curves = {("word", 1): bump(28), ("word", 2): bump(27, height=0.15)}
    eeg = eeg_from_model(curves, offset_uv=4.0, gain_uv=25.0, ms_per_tick=48.5,
                         onset_tick=20, sfreq=250.0)
    cmp = compare(eeg, model_array(curves), channel="Pz")
    assert isinstance(cmp, Comparison)
    t = cmp.table.set_index("condition")
    assert list(cmp.table.columns) == list(COLUMNS)
    assert list(t.index) == ["word/1", "word/2"]
    np.testing.assert_allclose(t["r"], 1.0, atol=1e-9)
    np.testing.assert_allclose(t["gain_uV_per_activation"], 25.0, rtol=1e-6)
    np.testing.assert_allclose(t["offset_uV"], 4.0, atol=1e-6)
    np.testing.assert_allclose(t["rmse_uV"], 0.0, atol=1e-6)
    np.testing.assert_allclose(t["peak_diff_ms"], 0.0)
    assert t.loc["word/1", "peak_model_ms"] == 388       # tick 28 at 48.5 ms/tick
    assert t.loc["word/2", "peak_model_ms"] == 340       # tick 27 -> 339.5, nearest sample
    np.testing.assert_allclose(t["fwhm_eeg_start_ms"], t["fwhm_model_start_ms"])
    np.testing.assert_allclose(t["fwhm_eeg_end_ms"], t["fwhm_model_end_ms"])
    assert t.loc["word/1", "window_start_ms"] == 252 and t.loc["word/1", "window_end_ms"] == 448
    # repetition: the model's smaller second peak is a positive effect in both
    assert t.loc["word/1", "rep_model"] > 0 and t.loc["word/1", "rep_eeg_uV"] > 0
    assert t.loc["word/1", "rep_model_scaled_uV"] == pytest.approx(
        t.loc["word/1", "rep_eeg_uV"], rel=1e-6)
    np.testing.assert_allclose(t["spectral_r"], 1.0, atol=1e-9)
    np.testing.assert_allclose(cmp.curves["model_scaled"].values[:, cmp.curves["in_window"]],
                               cmp.curves["eeg"].values[:, cmp.curves["in_window"]],
                               atol=1e-6)
    assert cmp.curves["eeg"].attrs["units"] == "uV"


def test_latency_shift_is_reported():
    curves = {("word", 1): bump(28), ("word", 2): bump(28, height=0.1)}
    # the EEG is the model one tick (50 ms) later: it was mapped with onset tick 19
    eeg = eeg_from_model(curves, offset_uv=-1.0, gain_uv=10.0, ms_per_tick=50,
                         onset_tick=19)
    model = model_array(curves)
    cmp = compare(eeg, model, channel="Pz", ms_per_tick=50, onset_tick=20,
                  window=(200, 600))
    t = cmp.table.set_index("condition")
    assert t.loc["word/1", "peak_model_ms"] == 400
    assert t.loc["word/1", "peak_eeg_ms"] == 450
    np.testing.assert_allclose(t["peak_diff_ms"], -50.0)
    assert not t["peak_eeg_at_edge"].any() and not t["peak_model_at_edge"].any()
    # a window that stops before the EEG peak flags the peak as lying at its edge
    edge = compare(eeg, model, channel="Pz", ms_per_tick=50, onset_tick=20,
                   window=(200, 420)).table
    assert edge["peak_eeg_at_edge"].all() and not edge["peak_model_at_edge"].any()
    assert (edge["peak_eeg_ms"] == 420).all()
    assert (t["r"] < 0.999).all()
    # with the matching onset the copy is exact again
    same = compare(eeg, model, channel="Pz", ms_per_tick=50, onset_tick=19,
                   window=(200, 600)).table
    np.testing.assert_allclose(same["r"], 1.0, atol=1e-9)
    np.testing.assert_allclose(same["peak_diff_ms"], 0.0)


def test_sign_convention_and_shared_fit():
    curves = {("word", 1): bump(28), ("word", 2): bump(28, height=0.1),
              ("illegal", 1): bump(28, height=0.18), ("illegal", 2): bump(28, height=0.17)}
    eeg = eeg_from_model(curves, offset_uv=2.0, gain_uv=30.0, ms_per_tick=48.5,
                         onset_tick=20, sfreq=250.0)
    model = model_array(curves)
    neg = compare(eeg, model, channel="Pz").table
    assert (neg["r"] > 0.999).all() and (neg["gain_uV_per_activation"] > 0).all()
    assert not neg["wrong_sign"].any()
    pos = compare(eeg, model, channel="Pz", sign=+1, free_sign=True).table
    np.testing.assert_allclose(pos["r"], -neg["r"])
    np.testing.assert_allclose(pos["gain_uV_per_activation"], -neg["gain_uV_per_activation"])
    shared = compare(eeg, model, channel="Pz", fit="shared").table
    np.testing.assert_allclose(shared["gain_uV_per_activation"], 30.0, rtol=1e-6)
    np.testing.assert_allclose(shared["offset_uV"], 2.0, atol=1e-6)
    np.testing.assert_allclose(shared["rmse_uV"], 0.0, atol=1e-6)
    t = neg.set_index("condition")
    assert t.loc["word/1", "rep_eeg_uV"] > t.loc["illegal/1", "rep_eeg_uV"] > 0
    assert t.loc["word/1", "rep_model"] > t.loc["illegal/1", "rep_model"] > 0


def test_whole_epoch_window_and_condition_mapping():
    curves = {("acronym", 1): bump(28), ("acronym", 2): bump(29)}
    names = {("acronym", 1): "A-first", ("acronym", 2): "A-second"}
    eeg = eeg_from_model(curves, offset_uv=0.0, gain_uv=10.0, ms_per_tick=48.5,
                         onset_tick=20, sfreq=250.0, names=names)
    cmp = compare(eeg, model_array(curves), channel="Pz", window="epoch",
                  conditions={"acronym/1": "A-first", "acronym/2": "A-second"})
    t = cmp.table
    assert t["window_start_ms"].iloc[0] == -100 and t["window_end_ms"].iloc[0] == 900
    assert t["n_samples"].iloc[0] == 251
    assert t["eeg_condition"].tolist() == ["A-first", "A-second"]
    np.testing.assert_allclose(t["r"], 1.0, atol=1e-9)


# --------------------------------------------------------------------------- file paths
def test_human_repetition_positive_through_fif_and_compare(result, tmp_path):
    path = mb.save_evokeds(tmp_path / "human-ave.fif", mb.human_evokeds())
    cmp = compare(path, result, channel="MiPa")          # default: the 8 shared names
    t = cmp.table.set_index("condition")
    assert len(t) == 8
    assert (t["rep_eeg_uV"] > 0).all()
    assert t.loc["word/1", "rep_eeg_uV"] > t.loc["illegal/1", "rep_eeg_uV"]
    assert t.loc["word/1", "peak_eeg_ms"] == 376
    assert cmp.windows["eeg"].start == 304 and cmp.windows["eeg"].end == 448


def test_epochs_and_raw_inputs_match_evokeds(tmp_path):
    sfreq, tmin = 250.0, -0.1
    curves = {("word", 1): bump(28), ("word", 2): bump(28, height=0.12)}
    evs = eeg_from_model(curves, offset_uv=0.0, gain_uv=20.0, ms_per_tick=48.5,
                         onset_tick=20, sfreq=sfreq)
    model = model_array(curves)
    ref = compare(evs, model, channel="Pz").table
    n = evs["word/1"].data.shape[1]
    # epochs: three identical trials per condition, saved and read back
    data = np.concatenate([np.repeat(evs[c].data[None], 3, axis=0) for c in ("word/1", "word/2")])
    events = np.column_stack([np.arange(6) * n, np.zeros(6, int), [1, 1, 1, 2, 2, 2]])
    ep = mne.EpochsArray(data, evs["word/1"].info, events=events, tmin=tmin,
                         event_id={"W/1": 1, "W/2": 2}, baseline=None, verbose="error")
    epo = tmp_path / "sub-epo.fif"
    ep.save(epo, verbose="error")
    got = compare(epo, model, channel="Pz", conditions={"word/1": "W/1", "word/2": "W/2"})
    np.testing.assert_allclose(got.table["r"], ref["r"], atol=1e-6)
    np.testing.assert_allclose(got.table["rep_eeg_uV"], ref["rep_eeg_uV"], rtol=1e-5)
    # raw: the trials laid end to end with annotations, saved as raw FIF
    cont = np.concatenate([np.concatenate([np.zeros((1, n)), d], axis=1) for d in data], axis=1)
    raw = mne.io.RawArray(cont, evs["word/1"].info, verbose="error")
    onsets = [(2 * k + 1) * n / sfreq - tmin for k in range(6)]
    raw.set_annotations(mne.Annotations(onsets, 0, ["W1"] * 3 + ["W2"] * 3))
    rawf = tmp_path / "sub_raw.fif"
    raw.save(rawf, verbose="error")
    got = compare(rawf, model, channel="Pz", conditions={"word/1": "W1", "word/2": "W2"},
                  baseline=None)
    np.testing.assert_allclose(got.table["r"], ref["r"], atol=1e-6)
    np.testing.assert_allclose(got.table["rmse_uV"], ref["rmse_uV"], atol=1e-6)


def test_model_evokeds_as_model_input(result):
    human = mb.human_evokeds()
    a = compare(human, result, channel="MiPa").table
    b = compare(human, mb.model_to_evokeds(result, scale=-1e-5), channel="MiPa").table
    np.testing.assert_allclose(a["r"], b["r"], atol=1e-9)
    np.testing.assert_allclose(a["rmse_uV"], b["rmse_uV"], atol=1e-9)


# --------------------------------------------------------------------------- bad input
def test_bad_inputs_raise_clear_errors(result, tmp_path):
    human = mb.human_evokeds()
    with pytest.raises(ValueError, match="channel 'Oz' not found"):
        compare(human, result, channel="Oz")
    with pytest.raises(ValueError, match=r"unknown model condition\(s\) \['word/3'\]"):
        compare(human, result, channel="MiPa", conditions={"word/3": "word/1"})
    with pytest.raises(ValueError, match="unknown model condition 'noun/1'"):
        compare(human, result, channel="MiPa", conditions={"noun/1": "word/1"})
    with pytest.raises(ValueError, match=r"unknown EEG condition\(s\) \['WORD'\]"):
        compare(human, result, channel="MiPa", conditions={"word/1": "WORD"})
    short = {k: v.copy().crop(-0.1, 0.3) for k, v in human.items()}
    with pytest.raises(ValueError, match="does not cover the comparison window 250-450"):
        compare(short, result, channel="MiPa")
    with pytest.raises(ValueError, match="model .* does not cover"):
        compare(human, result, channel="MiPa", ms_per_tick=10)  # model ends at 190 ms
    with pytest.raises(FileNotFoundError, match="not found"):
        compare(tmp_path / "nope-ave.fif", result, channel="MiPa")
    bad = tmp_path / "broken.vhdr"
    bad.write_text("garbage")
    with pytest.raises(ValueError, match="could not read .*broken.vhdr"):
        compare(bad, result, channel="MiPa")
    with pytest.raises(ValueError, match="sign"):
        compare(human, result, channel="MiPa", sign=2)
    with pytest.raises(ValueError, match="unknown fit"):
        compare(human, result, channel="MiPa", fit="global")
    with pytest.raises(ValueError, match="window"):
        compare(human, result, channel="MiPa", window=(450, 250))
    with pytest.raises(ValueError, match="no condition names shared"):
        compare({"X": human["word/1"]}, result, channel="MiPa")
    with pytest.raises(ValueError, match="n_null"):
        compare(human, result, channel="MiPa", n_null=-1)


# --------------------------------------------------------------------------- plot, CLI, script
def test_plot_comparison(result):
    from erpsim.viz.eeg import plot_comparison
    cmp = compare(mb.human_evokeds(), result, channel="MiPa")
    fig = plot_comparison(cmp, spectra=True)
    try:
        assert len(fig.axes) == 12          # 4 EEG panels, their model axes, 4 spectra
        ax = fig.axes[0]
        assert ax.get_title() == "word"
        assert ax.yaxis_inverted()                     # negative up
        labels = [h.get_label() for h in ax.get_legend().legend_handles]
        assert labels == ["EEG 1", "EEG 2", "model 1", "model 2"]
    finally:
        plt.close(fig)
    fig = plot_comparison(cmp, item_types=["illegal"])
    try:
        assert len(fig.axes) == 2 and fig.axes[0].get_title() == "illegal"
    finally:
        plt.close(fig)
    with pytest.raises(ValueError, match="not in the comparison"):
        plot_comparison(cmp, item_types=["verb"])


def test_cli_compare(tmp_path, capsys):
    net = erpsim.Network.initialize(erpsim.ModelConfig(), n_instances=1, rng=3)
    netf = tmp_path / "net.npz"
    net.save(netf)
    human = mb.save_evokeds(tmp_path / "human-ave.fif", mb.human_evokeds())
    out = tmp_path / "out"
    rc = cli_main(["compare", str(human), "--channel", "MiPa", "--conditions",
                   "word/1=word/1", "word/2=word/2", "--model", str(netf), "--out", str(out)])
    assert rc == 0
    table = pd.read_csv(out / "comparison.csv")
    assert table["condition"].tolist() == ["word/1", "word/2"]
    assert (table["rep_eeg_uV"] > 0).all()
    curves = pd.read_csv(out / "curves.csv")
    assert len(curves) == 2 * 251 and "model_scaled_uV" in curves
    assert (out / "comparison.png").stat().st_size > 1000
    rc = cli_main(["compare", str(human), "--channel", "Cz", "--model", str(netf),
                   "--out", str(out)])
    assert rc == 1
    assert "channel 'Cz' not found" in capsys.readouterr().err
    rc = cli_main(["compare", str(human), "--channel", "MiPa", "--conditions", "word/1",
                   "--model", str(netf), "--out", str(out)])
    assert rc == 1
    assert "MODEL=EEG" in capsys.readouterr().err
    rc = cli_main(["compare", str(tmp_path / "none.edf"), "--channel", "MiPa",
                   "--model", str(netf), "--out", str(out)])
    assert rc == 1
    assert "not found" in capsys.readouterr().err


def test_analysis_script_runs(tmp_path):
    net = erpsim.Network.initialize(erpsim.ModelConfig(), n_instances=1, rng=4)
    netf = tmp_path / "net.npz"
    net.save(netf)
    spec = importlib.util.spec_from_file_location("compare_eeg",
                                                  ROOT / "analyses" / "compare_eeg.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    out = tmp_path / "ana"
    assert mod.main(["--model", str(netf), "--out", str(out)]) == 0
    for name in ("compare_eeg.csv", "compare_eeg.png", "curves.csv", "human-ave.fif",
                 "model-ave.fif"):
        assert (out / name).exists(), name
    assert len(pd.read_csv(out / "compare_eeg.csv")) == 8


# --------------------------------------------------------------------------- issue #16
def noisy_participants(curves, n, *, names=None, noise_uv=0.3, seed=0, rep_scale=None):
    """n participants' evokeds: the model scaled by a participant gain, plus noise."""
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n):
        evs = eeg_from_model(curves, offset_uv=0.5, gain_uv=20.0 + 3 * k, ms_per_tick=48.5,
                             onset_tick=20, sfreq=250.0, names=names)
        for ev in evs.values():
            ev.data += rng.normal(0, noise_uv * 1e-6, ev.data.shape)
        out.append(evs)
    return out


MNE_NAMES = {("word", 1): "Comment/Word/first", ("word", 2): "Comment/Word/repeat",
             ("illegal", 1): "Comment/Illegal/first", ("illegal", 2): "Comment/Illegal/repeat"}
REP_CURVES = {(t, p): bump(28 - (p == 2), height=0.2 - 0.06 * (p == 2))
              for t in ("word", "illegal") for p in (1, 2)}


def test_condition_vocabulary_matches_mne_style_names():
    from erpsim.eeg.conditions import match_conditions, parse_eeg_condition
    cases = {"Word/first": "word/1", "Comment/Word/first": "word/1", "words/2": "word/2",
             "WORD/Repeated": "word/2", "acronym/new": "acronym/1",
             "Stimulus/Pseudo/second": "pseudoword/2", "pseudoword_repeat": "pseudoword/2",
             "nonword-illegal/1": "illegal/1", "Illegal/repetition": "illegal/2",
             "word_first": "word/1", "Stimulus/S  1": None, "word": None,
             "word/pseudo/1": None, "sub-01": None}
    for name, want in cases.items():
        assert parse_eeg_condition(name) == want, name
    model = list(mb.CONDITIONS)
    assert match_conditions(model, ["Comment/Word/first", "Comment/Word/repeat", "x"]) == {
        "word/1": "Comment/Word/first", "word/2": "Comment/Word/repeat"}
    with pytest.raises(ValueError, match=r"ambiguous .*word/1: \['Word/first', 'words/new'\]"):
        match_conditions(model, ["Word/first", "words/new"])


def test_compare_without_a_mapping_on_mne_style_names():
    evs = noisy_participants(REP_CURVES, 1, names=MNE_NAMES, noise_uv=0.0)[0]
    cmp = compare(evs, model_array(REP_CURVES), channel="Pz")
    t = cmp.table.set_index("condition")
    assert list(t.index) == ["word/1", "word/2", "illegal/1", "illegal/2"]
    assert t.loc["word/2", "eeg_condition"] == "Comment/Word/repeat"
    np.testing.assert_allclose(t["r"], 1.0, atol=1e-9)
    # an explicit mapping still overrides the vocabulary
    one = compare(evs, model_array(REP_CURVES), channel="Pz",
                  conditions={"word/1": "Comment/Illegal/first"}).table
    assert one["eeg_condition"].tolist() == ["Comment/Illegal/first"]
    evs["Word/first"] = evs["Comment/Word/first"]
    with pytest.raises(ValueError, match="ambiguous"):
        compare(evs, model_array(REP_CURVES), channel="Pz")


def test_fit_keeps_the_hypothesis_sign():
    curves = {("word", 1): bump(28), ("word", 2): bump(27, height=0.15)}
    # the EEG follows the model upside down (positive-going with activation)
    eeg = eeg_from_model(curves, offset_uv=1.0, gain_uv=-25.0, ms_per_tick=48.5,
                         onset_tick=20, sfreq=250.0)
    with pytest.warns(RuntimeWarning, match="wrong sign"):
        t = compare(eeg, model_array(curves), channel="Pz", n_null=20).table
    assert t["wrong_sign"].all()
    np.testing.assert_allclose(t["r"], -1.0, atol=1e-9)             # reported negative
    np.testing.assert_allclose(t["gain_uV_per_activation"], 0.0)     # not fitted upside down
    for mc, y in zip(t["condition"], eeg.values()):
        w = (y.times * 1000 >= 250) & (y.times * 1000 <= 450)
        assert t.set_index("condition").loc[mc, "rmse_uV"] == pytest.approx(
            np.std(y.data[0, w] * 1e6))
    assert (t["r_p"] > 0.5).all()                                    # no better than chance
    with pytest.warns(RuntimeWarning, match="upside down"):
        free = compare(eeg, model_array(curves), channel="Pz", free_sign=True,
                       n_null=0).table
    np.testing.assert_allclose(free["gain_uV_per_activation"], -25.0, rtol=1e-6)


def test_every_measure_has_a_seeded_null():
    model = model_array(REP_CURVES)
    evs = noisy_participants(REP_CURVES, 1, noise_uv=0.1)[0]
    t = compare(evs, model, channel="Pz", n_null=99, rng=1).table
    assert (t["n_null"] == 99).all()
    assert (t["r_p"] <= 0.05).all() and (t["rmse_p"] <= 0.05).all()   # p >= 1/100
    assert (t["r"] > 0.9).all() and (t["r_null"].abs() < 0.2).all()
    assert (t["rmse_null_uV"] > t["rmse_uV"]).all()
    assert (t["peak_diff_null_ms"] > 40).all() and (t["spectral_r_null"] < t["spectral_r"]).all()
    again = compare(evs, model, channel="Pz", n_null=99, rng=1).table
    pd.testing.assert_frame_equal(t, again)
    other = compare(evs, model, channel="Pz", n_null=99, rng=2).table
    assert not np.allclose(t["r_null"], other["r_null"])
    # a time-shuffled model curve scores near its own null
    rng = np.random.default_rng(5)
    shuffled = model.copy(data=rng.permuted(model.values, axis=-1))
    s = compare(evs, shuffled, channel="Pz", n_null=199, rng=1).table
    assert (s["r_p"] > 0.05).all() and (s["spectral_r_p"] > 0.05).all()
    assert (s["rmse_p"] > 0.05).all()
    assert (s["spectral_r"] < t["spectral_r"]).all()


def test_spectral_r_of_a_flat_model_is_undefined():
    curves = {("word", 1): bump(28), ("word", 2): bump(27, height=0.15)}
    eeg = eeg_from_model(curves, offset_uv=0.0, gain_uv=20.0, ms_per_tick=48.5,
                         onset_tick=20, sfreq=250.0)
    flat = model_array({k: np.full(TICKS.size, 0.1) for k in curves})
    with pytest.warns(RuntimeWarning, match="constant"):
        t = compare(eeg, flat, channel="Pz", n_null=10).table
    assert t["spectral_r"].isna().all() and t["r"].isna().all()
    cmp = compare(eeg, model_array(curves), channel="Pz", n_null=0)
    assert cmp.spectra.attrs["n_samples"] == 251           # the whole epoch, not 200 ms
    assert (cmp.spectra["freq"] > 0).sum() >= 100
    assert cmp.spectra.attrs["preprocessing"].startswith("mean removed, Hann")


def test_onset_comes_from_the_result():
    curves = {("word", 1): bump(28), ("word", 2): bump(27, height=0.15)}
    eeg = eeg_from_model(curves, offset_uv=0.0, gain_uv=20.0, ms_per_tick=48.5,
                         onset_tick=19, sfreq=250.0)
    model = model_array(curves)
    assert compare(eeg, model, channel="Pz", n_null=0).table["r"].max() < 0.999
    model["tick"].attrs["onset_tick"] = 19
    t = compare(eeg, model, channel="Pz", n_null=0)
    np.testing.assert_allclose(t.table["r"], 1.0, atol=1e-9)
    assert t.settings["onset_tick"] == 19


def test_nan_and_implausible_volts_are_refused(tmp_path):
    curves = {("word", 1): bump(28), ("word", 2): bump(27, height=0.15)}
    model = model_array(curves)
    eeg = eeg_from_model(curves, offset_uv=0.0, gain_uv=20.0, ms_per_tick=48.5,
                         onset_tick=20, sfreq=250.0)
    eeg["word/2"].data[0, 3] = np.nan                      # outside the 250-450 ms window
    with pytest.raises(ValueError, match=r"'word/2' \(word/2\), channel 'Pz'.*1 NaN"):
        compare(eeg, model, channel="Pz")
    path = mb.save_evokeds(tmp_path / "nan-ave.fif", list(eeg.values()))
    out = tmp_path / "out"
    out.mkdir()
    (out / "comparison.csv").write_text("earlier results\n")
    rc = cli_main(["compare", str(path), "--channel", "Pz", "--out", str(out),
                   "--model", str(_net_file(tmp_path))])
    assert rc == 1
    assert sorted(p.name for p in out.iterdir()) == ["comparison.csv"]
    assert (out / "comparison.csv").read_text() == "earlier results\n"
    uv_as_v = eeg_from_model(curves, offset_uv=0.0, gain_uv=20.0, ms_per_tick=48.5,
                             onset_tick=20, sfreq=250.0)
    for ev in uv_as_v.values():
        ev.data *= 1e6                                      # µV numbers, labelled volts
    with pytest.raises(ValueError, match=r"implausible .*µV but labelled as V.*1e-6"):
        compare(uv_as_v, model, channel="Pz")


def _net_file(tmp_path):
    netf = tmp_path / "net.npz"
    if not netf.exists():
        erpsim.Network.initialize(erpsim.ModelConfig(), n_instances=2, rng=3).save(netf)
    return netf


def test_group_comparison_intervals_and_tests():
    from erpsim.eeg.group import compare_group
    model = model_array(REP_CURVES)
    with_instances = xr.concat([model, model * 0.9], dim="instance").assign_coords(
        instance=[0, 1])
    subs = noisy_participants(REP_CURVES, 6, names=MNE_NAMES, noise_uv=0.3)
    g = compare_group(subs, with_instances, channel="Pz", n_null=20, n_permutations=64)
    assert g.table["subject"].unique().tolist() == [f"S{k}" for k in range(1, 7)]
    assert len(g.table) == 6 * 4
    s = g.summary.set_index(["condition", "measure"])
    r = s.loc[("word/1", "r")]
    assert r["n"] == 6 and r["ci_low"] < r["mean"] < r["ci_high"]
    assert r["mean"] == pytest.approx(g.table.query("condition == 'word/1'")["r"].mean())
    rep = g.repetition.set_index("item_type")
    assert (rep["n_subjects"] == 6).all()
    assert (rep["eeg_effect_uV"] > 0).all() and (rep["eeg_ci_low_uV"] > 0).all()
    assert (rep["eeg_p"] < 0.01).all()
    assert (rep["cluster_p"] <= 2 / 64 + 1e-9).all()                  # exact: 2^6 flips
    assert (rep["cluster_start_ms"] < 450).all() and (rep["cluster_end_ms"] > 250).all()
    assert (rep["n_instances"] == 2).all() and (rep["model_effect"] > 0).all()
    assert g.curves["eeg"].dims == ("subject", "condition", "time_ms")


def test_group_from_files_and_from_epochs_metadata(tmp_path):
    from erpsim.eeg.group import compare_group, subject_from_path
    assert subject_from_path("sub-07_task-read-ave.fif") == "07"
    assert subject_from_path("p3-ave.fif") == "p3"
    model = model_array(REP_CURVES)
    subs = noisy_participants(REP_CURVES, 3, names=MNE_NAMES, seed=2)
    files = [mb.save_evokeds(tmp_path / f"sub-0{k + 1}-ave.fif", list(e.values()))
             for k, e in enumerate(subs)]
    g = compare_group(files, model, channel="Pz", n_null=0, n_permutations=8)
    assert g.table["subject"].unique().tolist() == ["01", "02", "03"]
    # one Epochs holding all participants, told apart by metadata
    conds = list(MNE_NAMES.values())
    data = np.stack([s[c].data for s in subs for c in conds])
    events = np.column_stack([np.arange(len(data)) * 300, np.zeros(len(data), int),
                              np.tile(np.arange(1, 5), 3)])
    ep = mne.EpochsArray(data, subs[0][conds[0]].info, events=events, tmin=-0.1,
                         event_id={c: k + 1 for k, c in enumerate(conds)}, baseline=None,
                         metadata=pd.DataFrame({"subject": np.repeat(["a", "b", "c"], 4)}),
                         verbose="error")
    e = compare_group(ep, model, channel="Pz", n_null=0, n_permutations=8)
    np.testing.assert_allclose(e.table["r"], g.table["r"], atol=1e-9)
    with pytest.warns(UserWarning, match="3 participants, averaged.*compare_group"):
        compare(ep, model, channel="Pz", n_null=0)
    # the CLI sees the subject column without being told
    epo = tmp_path / "group-epo.fif"
    ep.save(epo, verbose="error")
    out = tmp_path / "out"
    assert cli_main(["compare", str(epo), "--channel", "Pz", "--model",
                     str(_net_file(tmp_path)), "--out", str(out), "--n-null", "0",
                     "--n-permutations", "8"]) == 0
    assert set(pd.read_csv(out / "comparison.csv")["subject"]) == {"a", "b", "c"}
    assert (out / "repetition.csv").exists()
    with pytest.raises(ValueError, match="at least 2 participants"):
        compare_group(files[:1], model, channel="Pz")
    with pytest.raises(ValueError, match="'subject' or 'participant' column"):
        compare_group(ep.copy().drop_metadata() if hasattr(ep, "drop_metadata")
                      else mne.EpochsArray(data, ep.info, events, -0.1, ep.event_id,
                                           baseline=None, verbose="error"),
                      model, channel="Pz")


def test_cli_group_and_plot_with_intervals(tmp_path):
    from erpsim.viz.eeg import plot_comparison
    from erpsim.eeg.group import compare_group
    subs = noisy_participants(REP_CURVES, 3, names=MNE_NAMES, seed=4)
    files = [str(mb.save_evokeds(tmp_path / f"sub-{k}-ave.fif", list(e.values())))
             for k, e in enumerate(subs)]
    out = tmp_path / "out"
    rc = cli_main(["compare", *files, "--channel", "Pz", "--model", str(_net_file(tmp_path)),
                   "--out", str(out), "--n-null", "10", "--n-permutations", "8"])
    assert rc == 0
    for name in ("comparison.csv", "summary.csv", "repetition.csv", "clusters.csv",
                 "curves.csv", "comparison.png"):
        assert (out / name).exists(), name
    assert set(pd.read_csv(out / "comparison.csv")["subject"]) == {0, 1, 2}
    g = compare_group(subs, model_array(REP_CURVES), channel="Pz", n_null=0,
                      n_permutations=8)
    fig = plot_comparison(g, spectra=True, title="a title " * 30)
    try:
        ax = fig.axes[0]
        twin = next(a for a in fig.axes if "activation" in a.get_ylabel())
        assert twin.get_position().bounds == ax.get_position().bounds
        assert ax.collections, "the 95% interval across participants is drawn"
        assert "µV" in ax.get_ylabel() and "ms" in ax.get_xlabel()
        assert "activation" in twin.get_ylabel()
        lo, hi = sorted(twin.get_ylim())
        for line in twin.get_lines():
            y = np.asarray(line.get_ydata(), float)
            assert np.nanmin(y) >= lo and np.nanmax(y) <= hi
        assert "\n" in fig._suptitle.get_text()                 # wrapped to fit
        assert any(a.get_xlabel() == "Frequency (Hz)" for a in fig.axes)
    finally:
        plt.close(fig)


def test_missing_mne_gives_one_clear_error(monkeypatch, tmp_path):
    import sys
    for name in [m for m in sys.modules if m.startswith("erpsim.eeg")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "mne", None)
    with pytest.raises(ImportError, match=r'pip install "erpsim\[eeg\]"'):
        importlib.import_module("erpsim.eeg.bridge")
    rc = cli_main(["compare", "x-ave.fif", "--channel", "Pz", "--out", str(tmp_path)])
    assert rc == 1


def test_brainvision_comment_markers_at_500_hz_without_a_mapping(tmp_path):
    sfreq, n = 500.0, 500                     # 1 s trials, -0.1 to 0.9 s
    curves = {("word", 1): bump(28), ("word", 2): bump(27, height=0.12)}
    ms = (np.arange(n) - 50) / sfreq * 1000
    waves = {k: -20.0 * np.interp(ms, mb.tick_to_ms(TICKS), c) for k, c in curves.items()}
    codes = {("word", 1): "Word/first", ("word", 2): "Word/repeat"}
    data, markers = [], []
    for k in range(4):
        key = ("word", 1 + k % 2)
        markers.append((len(data) * n + 2 * n + 50, codes[key]))
        data += [np.zeros(n), np.zeros(n), waves[key]]
    vhdr = _write_brainvision(tmp_path, "sub-09", np.concatenate(data + [np.zeros(n)])[None],
                              sfreq, "Pz_ref", markers, kind="Comment")
    cmp = compare(vhdr, model_array(curves), channel="Pz_ref", baseline=None, n_null=0)
    t = cmp.table
    assert t["eeg_condition"].tolist() == ["Comment/Word/first", "Comment/Word/repeat"]
    np.testing.assert_allclose(t["r"], 1.0, atol=1e-5)
    np.testing.assert_allclose(t["gain_uV_per_activation"], 20.0, rtol=1e-4)


# --------------------------------------------------------------------------- named steps
def test_named_steps_of_compare():
    from erpsim.eeg.compare import comparison_window, eeg_curves, model_input, \
        resolve_conditions
    from erpsim.eeg.group import mean_ci
    from erpsim.eeg.metrics import (null_summary, phase_randomized, signed_fit,
                                    spectral_similarity)
    eeg_ms = np.arange(-100, 901, 4.0)
    lo, hi, mask = comparison_window((250, 450), eeg_ms, np.arange(-970, 900, 48.5))
    assert (lo, hi) == (250, 450) and eeg_ms[mask][[0, -1]].tolist() == [252, 448]
    lo, hi, _ = comparison_window("epoch", eeg_ms, np.arange(0, 500, 48.5))
    assert (lo, hi) == (0, 485)
    with pytest.raises(ValueError, match="does not cover"):
        comparison_window((250, 950), eeg_ms, np.arange(-970, 900, 48.5))
    ms, curves, note, onset = model_input(model_array(REP_CURVES), ms_per_tick=50)
    assert onset == 20 and ms[20] == 0 and "50" in note and set(curves) == {
        "word/1", "word/2", "illegal/1", "illegal/2"}
    evs = noisy_participants(REP_CURVES, 1, names=MNE_NAMES, noise_uv=0.0)[0]
    conds = resolve_conditions(list(evs.values()), curves)
    assert conds["illegal/2"] == "Comment/Illegal/repeat"
    picked = mb.eeg_condition_evokeds(evs, conds, "Pz")
    t, y, units = eeg_curves(picked, conds, "Pz")
    assert units == "uV" and t[0] == -100 and np.abs(y["word/1"]).max() < 10
    f = signed_fit([0, 1, 2, 3.0], [3, 2, 1, 0.0])
    assert f["wrong_sign"] and f["gain"] == 0 and f["r"] == pytest.approx(-1)
    curve = bump(28)
    sur = phase_randomized(curve, 5, rng=0)
    np.testing.assert_allclose(np.abs(np.fft.rfft(sur, axis=1)),
                               np.tile(np.abs(np.fft.rfft(curve)), (5, 1)), atol=1e-12)
    np.testing.assert_allclose(sur.mean(1), curve.mean())
    assert not np.allclose(sur[0], curve)
    x = np.sin(np.linspace(0, 6, 250)) + 0.1 * np.cos(np.linspace(0, 40, 250))
    assert spectral_similarity(x, 5 * x + 3, 250.0, 10.0) == pytest.approx(1.0)
    assert np.isnan(spectral_similarity(np.ones(250), x, 250.0, 10.0))
    assert null_summary(0.9, [0.1, 0.95, 0.2, np.nan], "higher") == (
        pytest.approx(0.4166666), 0.5)
    ci = mean_ci([1.0, 2.0, 3.0])
    assert ci["mean"] == 2 and ci["ci_low"] == pytest.approx(2 - 4.302653 / np.sqrt(3))


def test_n_fft_of_0_1_is_deprecated_not_broken(result):
    human = mb.human_evokeds()
    with pytest.warns(DeprecationWarning, match="n_fft"):
        cmp = compare(human, result, channel="MiPa", n_fft=256, n_null=0)
    assert len(cmp.table) == 8
    with pytest.raises(TypeError, match="nfft"):
        compare(human, result, channel="MiPa", nfft=256)


@pytest.mark.parametrize("name, expected", [
    ("sub-2/Word/first", "word/1"), ("run-1/Word/repeat", "word/2"),
    ("Comment/word-2", "word/2"), ("illegal-strings/1", "illegal/1")])
def test_participant_and_run_labels_are_not_presentations(name, expected):
    from erpsim.eeg.conditions import parse_eeg_condition
    assert parse_eeg_condition(name) == expected
