"""Tests for erpsim.analysis.spectra."""
import numpy as np
import pytest
import xarray as xr

from erpsim.io import datasets
from erpsim.analysis import human_spectrum, model_spectrum, power_spectrum

N, FS, F0, A, C = 64, 128.0, 16.0, 3.0, 1.0  # bin 8 of a 64-point FFT at 128 Hz


def signal(n=N, fs=FS, f0=F0, amp=A, dc=C):
    t = np.arange(n) / fs
    return dc + amp * np.cos(2 * np.pi * f0 * t + 0.3)


def test_sinusoid_power_peak_and_parseval():
    x = signal()
    f, p = power_spectrum(x, FS)
    assert f.shape == p.shape == (N // 2 + 1,)
    assert f[np.argmax(p[1:]) + 1] == F0
    assert p[8] == pytest.approx(A ** 2 / 2)  # mean square of the sinusoid
    assert p[0] == pytest.approx(C ** 2)
    assert p.sum() == pytest.approx(np.mean(x ** 2))  # Parseval, no taper / padding
    assert np.allclose(np.delete(p, [0, 8]), 0, atol=1e-20)


def test_odd_length_has_no_nyquist_bin_and_keeps_parseval():
    x = np.random.default_rng(0).normal(size=15)
    f, p = power_spectrum(x, freq_unit="cycles_per_tick")
    assert f.size == 8 and f[-1] == pytest.approx(7 / 15)
    assert p.sum() == pytest.approx(np.mean(x ** 2))
    xe = x[:14]  # even length: Nyquist bin not doubled
    assert power_spectrum(xe, freq_unit="nyquist")[1].sum() == pytest.approx(np.mean(xe ** 2))


def test_amplitude_and_magnitude_scalings():
    x = signal()
    _, amp = power_spectrum(x, FS, scaling="amplitude")
    assert amp[8] == pytest.approx(A) and amp[0] == pytest.approx(C)
    _, mag = power_spectrum(x, FS, scaling="magnitude")
    assert np.allclose(mag, np.abs(np.fft.rfft(x)))
    assert mag[8] == pytest.approx(A * N / 2)
    _, p = power_spectrum(x, FS)
    assert p[8] == pytest.approx(amp[8] ** 2 / 2) and p[0] == pytest.approx(amp[0] ** 2)


@pytest.mark.parametrize("n_fft", [None, 100, 256])
@pytest.mark.parametrize("freq_unit, fs_unit", [("hz", FS), ("nyquist", 2.0),
                                                ("cycles_per_tick", 1.0)])
def test_density_integrates_to_mean_square(n_fft, freq_unit, fs_unit):
    x = np.random.default_rng(1).normal(size=N)
    f, p = power_spectrum(x, FS, scaling="density", n_fft=n_fft, freq_unit=freq_unit)
    df = f[1] - f[0]
    assert df == pytest.approx(fs_unit / (n_fft or N))
    assert p.sum() * df == pytest.approx(np.mean(x ** 2))


def test_density_with_taper_normalises_by_window_energy():
    x = np.random.default_rng(2).normal(size=N)
    w = np.hanning(N)
    f, p = power_spectrum(x, FS, scaling="density", taper="hann")
    assert p.sum() * (f[1] - f[0]) == pytest.approx(np.sum((w * x) ** 2) / np.sum(w ** 2))


@pytest.mark.parametrize("taper", ["hann", "hamming"])
def test_taper_keeps_sinusoid_power_and_reduces_leakage(taper):
    x = signal(dc=0.0)
    _, p = power_spectrum(x, FS, taper=taper)
    assert p[8] == pytest.approx(A ** 2 / 2, rel=0.05)
    off = signal(f0=8.5 * FS / N, dc=0.0)  # halfway between bins 8 and 9: leaks
    _, p_plain = power_spectrum(off, FS)
    _, p_tap = power_spectrum(off, FS, taper=taper)
    assert p_tap[20:].sum() < 0.2 * p_plain[20:].sum()


def test_zero_padding_interpolates_without_changing_bins():
    x = signal()
    f1, p1 = power_spectrum(x, FS)
    f4, p4 = power_spectrum(x, FS, n_fft=4 * N)
    assert f4.size == 2 * N + 1 and f4[1] == pytest.approx(FS / (4 * N))
    assert np.allclose(f4[::4], f1) and np.allclose(p4[::4], p1)
    assert p4.sum() == pytest.approx(4 * np.mean(x ** 2))  # M/N times Parseval


def test_frequency_units():
    x = np.cos(2 * np.pi * 0.25 * np.arange(20))  # 0.25 cycles per tick
    f_hz, p = power_spectrum(x, 250.0)
    assert f_hz[1] == pytest.approx(12.5)
    f_c, _ = power_spectrum(x, freq_unit="cycles_per_tick")
    f_s, _ = power_spectrum(x, freq_unit="cycles_per_sample")
    f_n, _ = power_spectrum(x, freq_unit="nyquist")
    assert np.allclose(f_c, np.arange(11) / 20) and np.allclose(f_s, f_c)
    assert np.allclose(f_n, np.arange(11) / 10)
    assert f_c[np.argmax(p)] == pytest.approx(0.25) and f_n[np.argmax(p)] == pytest.approx(0.5)


def test_stacked_curves_match_single_curves():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 3, 20))
    f, p = power_spectrum(x, freq_unit="nyquist", n_fft=32, taper="hann")
    assert p.shape == (2, 3, 17)
    assert np.allclose(p[1, 2], power_spectrum(x[1, 2], freq_unit="nyquist", n_fft=32,
                                               taper="hann")[1])


def test_detrend_baseline_and_samples():
    t = np.arange(-10, 30.0)
    ramp = 0.5 * t + 2
    _, p_lin = power_spectrum(ramp, freq_unit="nyquist", detrend="linear")
    assert np.allclose(p_lin, 0, atol=1e-20)
    _, p_const = power_spectrum(signal(), FS, detrend="constant")
    assert p_const[0] == pytest.approx(0, abs=1e-20) and p_const[8] == pytest.approx(A ** 2 / 2)
    y = np.where(t < 0, 3.0, 3.0 + np.sin(t))
    _, p_base = power_spectrum(y, freq_unit="nyquist", times=t, baseline=(-10, -1))
    _, p_ref = power_spectrum(y - 3.0, freq_unit="nyquist")
    assert np.allclose(p_base, p_ref)
    _, p_sel = power_spectrum(y, freq_unit="nyquist", times=t, samples=(0, 19))
    _, p_slice = power_spectrum(y, freq_unit="nyquist", samples=slice(10, 30))
    _, p_idx = power_spectrum(y[10:30], freq_unit="nyquist")
    assert np.allclose(p_sel, p_idx) and np.allclose(p_slice, p_idx)


def serp_da():
    ticks = np.arange(0, 40)
    rng = np.random.default_rng(4)
    data = rng.random((3, 2, 2, ticks.size))
    return xr.DataArray(data, dims=("instance", "item_type", "presentation", "tick"),
                        coords={"instance": [0, 1, 2], "item_type": ["word", "acronym"],
                                "presentation": [1, 2], "tick": ticks},
                        attrs={"units": "activation"})


def test_model_spectrum_defaults_and_labels():
    serp = serp_da()
    s = model_spectrum(serp)
    assert s.dims == ("instance", "item_type", "presentation", "freq")
    assert np.allclose(s["freq"].values, np.arange(11) / 10)
    assert s.attrs["n_fft"] == 20 and s.attrs["n_samples"] == 20
    assert s.attrs["freq_unit"] == "nyquist" and s.attrs["scaling"] == "power"
    assert s.attrs["units"] == "(activation)^2"
    ref = power_spectrum(serp.sel(tick=slice(20, 39)).values[1, 0, 1], freq_unit="nyquist")[1]
    assert np.allclose(s.sel(instance=1, item_type="word", presentation=2).values, ref)
    # time not last in the input: still transformed along tick
    assert np.allclose(model_spectrum(serp.transpose("tick", ...)).transpose(*s.dims), s)
    c = model_spectrum(serp, freq_unit="cycles_per_tick", scaling="density")
    assert c["freq"].values[1] == pytest.approx(0.05) and c.attrs["units"].endswith("cycles/tick")


def test_model_spectrum_of_published_words():
    words = datasets.load_published_words()
    with pytest.raises(ValueError, match="outside the data"):
        model_spectrum(words)  # ticks stop at 38
    s = model_spectrum(words, samples=(20, 38))
    assert s.attrs["n_samples"] == 19 and s.sizes["freq"] == 11
    assert np.all(np.diff(s.sel(presentation=1).values[:4]) < 0)  # falls from 0


def test_human_spectrum_defaults():
    erp = datasets.load_human_erp()
    s = human_spectrum(erp)
    assert s.dims == ("item_type", "presentation", "freq")
    assert s.sizes["freq"] == 129
    assert s["freq"].values[1] == pytest.approx(250 / 256)
    assert s.attrs["n_fft"] == 256 and s.attrs["n_samples"] == 251
    assert s.attrs["sfreq"] == 250.0 and s["freq"].attrs["units"] == "Hz"
    # sfreq inferred from the time spacing when the attribute is missing
    bare = erp.copy()
    bare.attrs = {}
    assert np.allclose(human_spectrum(bare).values, s.values)


@pytest.mark.parametrize("kwargs, match", [
    ({"detrend": "quadratic"}, "unknown detrend"),
    ({"taper": "kaiser"}, "unknown taper"),
    ({"scaling": "dB"}, "unknown scaling"),
    ({"freq_unit": "rad"}, "unknown freq_unit"),
    ({"n_fft": 10}, "smaller than"),
    ({"n_fft": 40.5}, "integer"),
    ({"freq_unit": "hz", "sfreq": None}, "needs sfreq"),
    ({"sfreq": -1.0}, "positive"),
    ({"samples": slice(3, 4)}, "at least 2"),
    ({"samples": (2, 5)}, "pass times"),
    ({"samples": (2, 50), "times": np.arange(20)}, "outside the data"),
    ({"samples": np.array([1, 40])}, "outside the data"),
    ({"times": np.arange(19)}, "mismatched"),
])
def test_power_spectrum_bad_options(kwargs, match):
    kw = {"freq_unit": "nyquist"}
    kw.update(kwargs)
    sfreq = kw.pop("sfreq", None)
    with pytest.raises(ValueError, match=match):
        power_spectrum(np.arange(20.0), sfreq, **kw)


def test_power_spectrum_bad_curves():
    with pytest.raises(ValueError, match="empty"):
        power_spectrum([], freq_unit="nyquist")
    with pytest.raises(ValueError, match="all NaN"):
        power_spectrum([np.nan] * 8, freq_unit="nyquist")
    with pytest.raises(ValueError, match="contain NaN"):
        power_spectrum([0.0, 1.0, np.nan, 2.0], freq_unit="nyquist")
    with pytest.raises(ValueError, match="DataArray"):
        model_spectrum(np.zeros(20))
    with pytest.raises(ValueError, match="no rate in Hz"):
        model_spectrum(serp_da(), freq_unit="hz")
    with pytest.raises(ValueError, match="sampling rate"):
        human_spectrum(xr.DataArray(np.zeros(8), dims="t"), dim="t")
