"""Export of model sERPs and of the human reference to MNE, FIF round trips, file reading."""
import json
import warnings

import matplotlib

matplotlib.use("Agg")

import mne  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import erpsim  # noqa: E402
from erpsim.io import datasets  # noqa: E402
from erpsim.eeg import bridge as mb  # noqa: E402

FIFF_UNIT_V = 107
FIFF_UNIT_NONE = -1


@pytest.fixture(scope="module")
def result():
    net = erpsim.Network.initialize(erpsim.ModelConfig(), n_instances=2, rng=0)
    return erpsim.simulate(net, erpsim.load_lexicon().subset(3, rng=0), presentations=2)


# --------------------------------------------------------------------------- time mapping
def test_default_ms_per_tick_is_derived_from_the_peaks():
    d = mb.derive_ms_per_tick()
    assert d["model_peak_tick"] == 28
    assert d["human_peak_ms"] == 388
    assert d["ms_per_tick"] == pytest.approx(48.5)
    assert mb.MS_PER_TICK == pytest.approx(d["ms_per_tick"])
    assert mb.ONSET_TICK == 20


def test_tick_to_ms_mapping():
    assert mb.tick_to_ms(20) == 0.0
    assert mb.tick_to_ms(28) == pytest.approx(388.0)
    assert mb.tick_to_ms(38) == pytest.approx(873.0)
    np.testing.assert_allclose(mb.tick_to_ms([18, 22], ms_per_tick=10, onset_tick=20),
                               [-20.0, 20.0])
    np.testing.assert_allclose(mb.ms_to_tick(mb.tick_to_ms(np.arange(40))), np.arange(40))
    with pytest.raises(ValueError, match="ms_per_tick"):
        mb.tick_to_ms(20, ms_per_tick=0)
    with pytest.raises(ValueError, match="ms_per_tick"):
        mb.tick_to_ms(20, ms_per_tick=-3)


def test_condition_names():
    assert mb.condition_name("word", 2) == "word/2"
    assert mb.parse_condition("illegal/1") == ("illegal", 1)
    assert len(mb.CONDITIONS) == 8
    for bad in ("word", "words/1", "word/0", "word-1"):
        with pytest.raises(ValueError, match="unknown model condition"):
            mb.parse_condition(bad)


# --------------------------------------------------------------------------- model export
def test_model_evokeds_fif_round_trip(result, tmp_path):
    evs = mb.model_to_evokeds(result)
    assert list(evs) == list(mb.CONDITIONS)
    expected = erpsim.serp_by_type(result).mean("instance")
    path = mb.save_evokeds(tmp_path / "model-ave.fif", evs)
    back = mb.load_evokeds(path)
    assert list(back) == list(evs)
    ticks = result["tick"].values
    for cond, ev in back.items():
        it, p = mb.parse_condition(cond)
        assert ev.comment == cond
        assert ev.get_channel_types() == ["misc"]
        assert ev.ch_names == [mb.MODEL_CHANNEL]
        assert ev.info["chs"][0]["unit"] == FIFF_UNIT_NONE
        assert ev.nave == 2
        assert ev.info["sfreq"] == pytest.approx(1000 / 48.5)
        np.testing.assert_allclose(ev.times, mb.tick_to_ms(ticks) / 1000, atol=1e-6)
        # activations unscaled (FIF stores float32)
        np.testing.assert_allclose(ev.data[0], expected.sel(item_type=it, presentation=p),
                                   rtol=1e-6)
        desc = json.loads(ev.info["description"])
        assert desc["ms_per_tick"] == 48.5 and desc["onset_tick"] == 20
        assert desc["scale_V_per_activation"] is None


def test_model_evokeds_scaled_to_eeg(result, tmp_path):
    evs = mb.model_to_evokeds(result, scale=-20e-6, ch_name="MiPa", ms_per_tick=40,
                              onset_tick=10)
    back = mb.load_evokeds(mb.save_evokeds(tmp_path / "scaled-ave.fif", evs))
    raw = mb.model_to_evokeds(result)
    for cond, ev in back.items():
        assert ev.get_channel_types() == ["eeg"]
        assert ev.info["chs"][0]["unit"] == FIFF_UNIT_V
        np.testing.assert_allclose(ev.data, -20e-6 * raw[cond].data, rtol=1e-6)
        assert np.all(ev.data < 0)  # activations are positive -> negative volts
        assert ev.times[0] == pytest.approx(-0.4, abs=1e-6)   # tick 0 = -10 ticks * 40 ms
    with pytest.warns(UserWarning, match="positive"):
        mb.model_to_evokeds(result, scale=1e-5)
    with pytest.raises(ValueError, match="scale"):
        mb.model_to_evokeds(result, scale=0)


def test_model_evokeds_per_instance(result):
    one = mb.model_to_evokeds(result, instance=1)
    each = mb.model_to_evokeds(result, instance="each")
    by_type = erpsim.serp_by_type(result)
    np.testing.assert_allclose(one["word/2"].data[0],
                               by_type.sel(instance=1, item_type="word", presentation=2))
    assert one["word/2"].nave == 1
    assert len(each["word/2"]) == 2
    np.testing.assert_allclose(each["word/2"][1].data, one["word/2"].data)
    assert json.loads(each["word/2"][0].info["description"])["instance"] == 0
    with pytest.raises(ValueError, match="instance 7 not found"):
        mb.model_to_evokeds(result, instance=7)


def test_model_epochs_events_and_metadata(result, tmp_path):
    ep = mb.model_to_epochs(result)
    n_inst, n_item = result.sizes["instance"], result.sizes["item"]
    assert len(ep) == n_inst * n_item * 2
    assert ep.event_id == {c: k + 1 for k, c in enumerate(mb.CONDITIONS)}
    assert len(ep["word"]) == n_inst * 3 * 2
    assert len(ep["word/2"]) == n_inst * 3
    md = ep.metadata
    assert list(md.columns) == ["condition", "item", "item_type", "presentation", "zipf",
                                "neighbours", "instance"]
    row = md.iloc[5]
    item = row["item"]
    assert row["zipf"] == pytest.approx(float(result["zipf"].sel(item=item)))
    assert row["neighbours"] == int(result["neighbours"].sel(item=item))
    assert row["item_type"] == str(result["item_type"].sel(item=item).values)
    np.testing.assert_allclose(
        ep.get_data(copy=True)[5, 0],
        result["serp"].sel(instance=row["instance"], item=item,
                           presentation=row["presentation"]))
    # round trip keeps events, metadata, times and data
    path = tmp_path / "model-epo.fif"
    ep.save(path, verbose="error")
    back = mne.read_epochs(path, verbose="error")
    assert back.event_id == ep.event_id
    assert back.metadata["item"].tolist() == md["item"].tolist()
    np.testing.assert_allclose(back.get_data(copy=True), ep.get_data(copy=True), rtol=1e-6)
    np.testing.assert_allclose(back.times, ep.times, atol=1e-6)
    # averaged over instances; metadata query works
    avg = mb.model_to_epochs(result, instance=None)
    assert len(avg) == n_item * 2 and set(avg.metadata["instance"]) == {-1}
    assert len(avg["zipf > 0"]) == int((result["zipf"] > 0).sum()) * 2
    # the average of the epochs of one condition is the exported evoked
    evs = mb.model_to_evokeds(result)
    np.testing.assert_allclose(ep["acronym/1"].average(picks="all").data,
                               evs["acronym/1"].data)


def test_model_export_rejects_bad_input(result):
    with pytest.raises(ValueError, match="lacks dim"):
        mb.model_to_evokeds(result["serp"].mean("item"))
    with pytest.raises(ValueError, match="simulation result"):
        mb.model_to_epochs(erpsim.serp_by_type(result))
    with pytest.raises(ValueError, match="model must be"):
        mb.model_to_evokeds([1, 2, 3])
    n = result.sizes["instance"]
    listed = str(list(range(n)))                     # plain integers, not np.int64(...)
    with pytest.raises(ValueError, match=r"instance 99 not found; instances are \[0, 1"):
        mb.model_to_evokeds(result, instance=99)
    with pytest.raises(ValueError) as err:
        mb.model_to_epochs(result, instance=99)
    assert listed in str(err.value)


# --------------------------------------------------------------------------- human data
def test_human_evokeds_fif_round_trip(tmp_path):
    evs = mb.human_evokeds()
    assert list(evs) == list(mb.CONDITIONS)
    erp = datasets.load_human_erp()
    path = mb.save_evokeds(tmp_path / "human-ave.fif", evs)
    back = mb.load_human_evokeds(path)
    assert list(back) == list(mb.CONDITIONS)
    pz = mne.channels.make_standard_montage(
        "colin27_1005" if "colin27_1005" in mne.channels.get_builtin_montages()
        else "standard_1005")
    ref = mne.create_info(["Pz"], 250.0, "eeg")
    ref.set_montage(pz)
    for cond, ev in back.items():
        it, p = mb.parse_condition(cond)
        assert ev.ch_names == ["MiPa"]
        assert ev.get_channel_types() == ["eeg"]
        assert ev.info["chs"][0]["unit"] == FIFF_UNIT_V
        assert ev.info["sfreq"] == 250.0
        assert ev.times.size == 251
        assert ev.times[0] == pytest.approx(-0.1) and ev.times[-1] == pytest.approx(0.9)
        np.testing.assert_allclose(ev.data[0] * 1e6,
                                   erp.sel(item_type=it, presentation=p).values, atol=1e-5)
        # MiPa sits where Pz sits (head coordinates, midline parietal)
        loc = ev.info["chs"][0]["loc"][:3]
        np.testing.assert_allclose(loc, ref["chs"][0]["loc"][:3], atol=1e-6)
        assert abs(loc[0]) < 0.005 and loc[1] < 0 and loc[2] > 0.05


def test_human_repetition_effect_positive_through_fif(tmp_path):
    path = mb.save_evokeds(tmp_path / "human-ave.fif", mb.human_evokeds())
    evs = mb.load_evokeds(path)
    for it in ("word", "acronym", "pseudoword", "illegal"):
        first = evs[f"{it}/1"].copy().crop(0.25, 0.45).data[0].mean()
        second = evs[f"{it}/2"].copy().crop(0.25, 0.45).data[0].mean()
        # smaller N400 on repetition: the second presentation is more positive
        assert second - first > 0.3e-6, it


def test_mipa_montage():
    mont = mb.mipa_montage()
    assert mont.ch_names == ["MiPa"]
    pos = mont.get_positions()
    assert pos["nasion"] is not None and pos["lpa"] is not None


def test_save_evokeds_needs_ave_name(tmp_path):
    with pytest.raises(ValueError, match="-ave.fif"):
        mb.save_evokeds(tmp_path / "human.fif", mb.human_evokeds())
    with pytest.raises(ValueError, match="no evokeds"):
        mb.save_evokeds(tmp_path / "x-ave.fif", {})


# --------------------------------------------------------------------------- reading EEG
def _write_brainvision(folder, name, data_uv, sfreq, ch_name, markers, kind="Stimulus"):
    """A minimal BrainVision file set (float32, multiplexed); markers: [(sample0, code)]
    of marker type ``kind`` (MNE reads them as ``"<kind>/<code>"``)."""
    vhdr, vmrk, eeg = (folder / f"{name}.{ext}" for ext in ("vhdr", "vmrk", "eeg"))
    np.asarray(data_uv, dtype="<f4").T.tofile(eeg)
    vhdr.write_text(
        "Brain Vision Data Exchange Header File Version 1.0\n\n[Common Infos]\n"
        f"Codepage=UTF-8\nDataFile={eeg.name}\nMarkerFile={vmrk.name}\n"
        "DataFormat=BINARY\nDataOrientation=MULTIPLEXED\nNumberOfChannels=1\n"
        f"SamplingInterval={1e6 / sfreq:g}\n\n[Binary Infos]\nBinaryFormat=IEEE_FLOAT_32\n\n"
        f"[Channel Infos]\nCh1={ch_name},,1,µV\n", encoding="utf-8")
    lines = ["Brain Vision Data Exchange Marker File, Version 1.0", "", "[Common Infos]",
             "Codepage=UTF-8", f"DataFile={eeg.name}", "", "[Marker Infos]",
             "Mk1=New Segment,,1,1,0"]
    for k, (sample, code) in enumerate(markers, start=2):
        lines.append(f"Mk{k}={kind},{code},{sample + 1},1,0")
    vmrk.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return vhdr


def test_read_brainvision_raw_and_epoch_it(tmp_path):
    sfreq, n_trial = 250.0, 250
    t = np.arange(n_trial) / sfreq
    wave = {"S  1": 5 * np.sin(2 * np.pi * 2 * t), "S  2": 3 * np.sin(2 * np.pi * 2 * t)}
    data, markers = [], []
    for k in range(6):
        code = "S  1" if k % 2 == 0 else "S  2"
        markers.append((k * 2 * n_trial + n_trial, code))
        data += [np.zeros(n_trial), wave[code]]
    vhdr = _write_brainvision(tmp_path, "sub", np.concatenate(data)[None, :], sfreq, "Pz",
                              markers)
    raw = mb.read_eeg(vhdr)
    assert isinstance(raw, mne.io.BaseRaw)
    evs = mb.eeg_condition_evokeds(raw, {"word/1": "Stimulus/S  1",
                                         "word/2": "Stimulus/S  2"}, "Pz",
                                   epoch=(-0.1, 0.9), baseline=None)
    assert evs["word/1"].nave == 3
    got = evs["word/1"].copy().crop(0, 0.9).data[0] * 1e6
    np.testing.assert_allclose(got, wave["S  1"][: got.size], atol=1e-4)
    with pytest.raises(ValueError, match="unknown EEG condition"):
        mb.eeg_condition_evokeds(raw, {"word/1": "Stimulus/S 99"}, "Pz")


def test_read_eeg_dispatch_and_errors(tmp_path, monkeypatch):
    evs = mb.human_evokeds()
    ave = mb.save_evokeds(tmp_path / "h-ave.fif", evs)
    assert isinstance(mb.read_eeg(ave), list)
    # generic .fif names are tried as evokeds, epochs, raw
    plain = tmp_path / "h.fif"
    mne.write_evokeds(plain, list(evs.values()), verbose="error", on_mismatch="ignore")
    assert len(mb.read_eeg(plain)) == 8
    raw = mne.io.RawArray(np.zeros((1, 500)), mne.create_info(["Pz"], 250.0, "eeg"),
                          verbose="error")
    for name in ("r.fif", "r_raw.fif"):
        raw.save(tmp_path / name, verbose="error")
        assert isinstance(mb.read_eeg(tmp_path / name), mne.io.BaseRaw), name
    ep = mne.EpochsArray(np.zeros((2, 1, 10)), raw.info, verbose="error")
    ep.save(tmp_path / "e-epo.fif", verbose="error")
    assert isinstance(mb.read_eeg(tmp_path / "e-epo.fif"), mne.BaseEpochs)
    with pytest.raises(FileNotFoundError, match="not found"):
        mb.read_eeg(tmp_path / "missing-ave.fif")
    for name in ("junk-ave.fif", "junk-epo.fif", "junk.fif", "junk.vhdr", "junk.edf",
                 "junk.set"):
        bad = tmp_path / name
        bad.write_bytes(b"this is not EEG data\x00\x01" * 10)
        with pytest.raises(ValueError, match="could not read") as err:
            mb.read_eeg(bad)
        assert name in str(err.value)
    def silent(*args, **kwargs):
        raise AssertionError                          # as MNE's BOXY reader does on text
    with monkeypatch.context() as patch:
        patch.setattr(mne.io, "read_raw", silent)
        (tmp_path / "notes.edf").write_text("not EEG")
        with pytest.raises(ValueError, match="AssertionError: the reader rejected the "
                                             "file's content without a message"):
            mb.read_eeg(tmp_path / "notes.edf")
    odd = tmp_path / "data.xyz"
    odd.write_text("1 2 3")
    with pytest.raises(ValueError, match="unsupported EEG file type"):
        mb.read_eeg(odd)


def test_eeg_condition_evokeds_errors():
    evs = mb.human_evokeds()
    with pytest.raises(ValueError, match="channel 'Cz' not found"):
        mb.eeg_condition_evokeds(evs, {"word/1": "word/1"}, "Cz")
    with pytest.raises(ValueError, match="unknown EEG condition"):
        mb.eeg_condition_evokeds(evs, {"word/1": "Word-first"}, "MiPa")
    with pytest.raises(ValueError, match="unknown model condition"):
        mb.eeg_condition_evokeds(evs, {"verb/1": "word/1"}, "MiPa")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = mb.eeg_condition_evokeds(list(evs.values()), {"word/2": "word/2"}, "MiPa")
    assert list(out) == ["word/2"]


def test_model_export_takes_the_onset_from_the_result(result):
    assert result["tick"].attrs["onset_tick"] == 20
    shifted = result.copy(deep=True)
    shifted["tick"].attrs["onset_tick"] = 18
    assert result["tick"].attrs["onset_tick"] == 20
    assert mb.result_onset_tick(shifted) == 18 and mb.result_onset_tick(shifted, 5) == 5
    assert mb.result_onset_tick(np.zeros(3)) == mb.ONSET_TICK
    a = mb.model_to_evokeds(result)["word/1"]
    b = mb.model_to_evokeds(shifted)["word/1"]
    assert b.times[0] == pytest.approx(a.times[0] + 2 * mb.MS_PER_TICK / 1000)
    ep = mb.model_to_epochs(shifted, instance=None)
    assert ep.times[0] == pytest.approx(b.times[0])
    assert json.loads(b.info["description"])["onset_tick"] == 18
