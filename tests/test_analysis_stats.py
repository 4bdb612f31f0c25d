"""Tests for erpsim.analysis.stats."""
import numpy as np
import pytest
import xarray as xr
from scipy import stats as st

from erpsim.analysis import mean_ci, model_spectrum, repetition_stats, window_mean

DIFFS = np.array([1.0, 2.0, 3.0, 4.0, 5.0])  # mean 3, sd sqrt(2.5)


def values_with_known_difference(extra=None):
    """5 instances x 2 types x 2 presentations; word: first - second = DIFFS."""
    first = np.array([10.0, 11.0, 9.0, 12.0, 10.5])
    word = np.stack([first, first - DIFFS], axis=-1)
    acro = np.stack([first, first + 0.5 * DIFFS], axis=-1)  # second larger
    data = np.stack([word, acro], axis=1)  # (instance, item_type, presentation)
    return xr.DataArray(data, dims=("instance", "item_type", "presentation"),
                        coords={"instance": np.arange(5), "item_type": ["word", "acronym"],
                                "presentation": [1, 2]})


def test_repetition_stats_known_difference():
    df = repetition_stats(values_with_known_difference())
    assert list(df["item_type"]) == ["word", "acronym"]
    w = df.set_index("item_type").loc["word"]
    sd = np.sqrt(2.5)
    assert w["n"] == 5 and w["df"] == 4
    assert w["mean_first"] == pytest.approx(10.5)
    assert w["mean_second"] == pytest.approx(7.5)
    assert w["mean_diff"] == pytest.approx(3.0)
    assert w["sd_diff"] == pytest.approx(sd)
    assert w["t"] == pytest.approx(3.0 / (sd / np.sqrt(5)))
    assert w["p"] == pytest.approx(2 * st.t.sf(3.0 / (sd / np.sqrt(5)), 4))
    assert w["cohen_dz"] == pytest.approx(3.0 / sd)
    half = st.t.ppf(0.975, 4) * sd / np.sqrt(5)
    assert (w["ci_low"], w["ci_high"]) == pytest.approx((3.0 - half, 3.0 + half))
    a = df.set_index("item_type").loc["acronym"]
    assert a["mean_diff"] == pytest.approx(-1.5) and a["t"] < 0 and a["cohen_dz"] < 0
    assert a["cohen_dz"] == pytest.approx(w["cohen_dz"] * -1)


def test_repetition_stats_level_and_swapped_labels():
    v = values_with_known_difference()
    narrow = repetition_stats(v, level=0.5).iloc[0]
    wide = repetition_stats(v).iloc[0]
    assert wide["ci_low"] < narrow["ci_low"] < 3.0 < narrow["ci_high"] < wide["ci_high"]
    swapped = repetition_stats(v, first=2, second=1).iloc[0]
    assert swapped["mean_diff"] == pytest.approx(-3.0)


def test_repetition_stats_per_frequency_bin():
    rng = np.random.default_rng(0)
    serp = xr.DataArray(rng.random((4, 2, 2, 40)),
                        dims=("instance", "item_type", "presentation", "tick"),
                        coords={"instance": np.arange(4), "item_type": ["word", "illegal"],
                                "presentation": [1, 2], "tick": np.arange(40)})
    spec = model_spectrum(serp)
    df = repetition_stats(spec)
    assert list(df.columns[:2]) == ["item_type", "freq"]
    assert len(df) == 2 * 11
    row = df[(df["item_type"] == "illegal") & np.isclose(df["freq"], 0.3)].iloc[0]
    a = spec.sel(item_type="illegal", presentation=1).isel(freq=3).values
    b = spec.sel(item_type="illegal", presentation=2).isel(freq=3).values
    assert row["t"] == pytest.approx(st.ttest_rel(a, b).statistic)
    assert row["mean_diff"] == pytest.approx(np.mean(a - b))
    # window means through the same path
    wm = window_mean(serp, window=(26, 31))
    assert len(repetition_stats(wm)) == 2


def test_bootstrap_ci_reproducible_and_sensible():
    v = values_with_known_difference()
    b1 = repetition_stats(v, ci="bootstrap", rng=7, n_boot=2000).iloc[0]
    b2 = repetition_stats(v, ci="bootstrap", rng=np.random.default_rng(7), n_boot=2000).iloc[0]
    assert (b1["ci_low"], b1["ci_high"]) == (b2["ci_low"], b2["ci_high"])
    # continuous data: another seed gives another interval, close to the t interval
    rng = np.random.default_rng(0)
    c = xr.DataArray(rng.normal(size=(30, 1, 2)) + [0.0, -1.0],
                     dims=("instance", "item_type", "presentation"),
                     coords={"item_type": ["word"], "presentation": [1, 2]})
    c7 = repetition_stats(c, ci="bootstrap", rng=7, n_boot=4000).iloc[0]
    c8 = repetition_stats(c, ci="bootstrap", rng=8, n_boot=4000).iloc[0]
    ct = repetition_stats(c).iloc[0]
    assert c7["ci_low"] != c8["ci_low"]
    assert c7["ci_low"] == pytest.approx(ct["ci_low"], abs=0.15)
    assert c7["ci_high"] == pytest.approx(ct["ci_high"], abs=0.15)
    # bootstrap means of 5 values from 1..5 lie in [1, 5] and bracket the mean
    assert 1.0 <= b1["ci_low"] < 3.0 < b1["ci_high"] <= 5.0
    assert b1["t"] == pytest.approx(repetition_stats(v).iloc[0]["t"])


def test_zero_and_constant_differences_and_nan_pairs():
    v = values_with_known_difference()
    same = v.copy()
    same.loc[dict(presentation=2)] = same.sel(presentation=1).values
    row = repetition_stats(same).iloc[0]  # control model: no effect at all
    assert row["mean_diff"] == 0 and np.isnan(row["t"]) and np.isnan(row["p"])
    const = v.copy()
    const.loc[dict(presentation=2)] = const.sel(presentation=1).values - 2.0
    row = repetition_stats(const).iloc[0]
    assert row["mean_diff"] == pytest.approx(2.0) and row["t"] == np.inf and row["p"] == 0
    holes = v.copy()
    holes[0, 0, 1] = np.nan
    row = repetition_stats(holes).iloc[0]
    assert row["n"] == 4 and row["mean_diff"] == pytest.approx(DIFFS[1:].mean())


def test_mean_ci_dataarray_and_numpy():
    x = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0], [4.0, 8.0]])  # instances x ticks
    da = xr.DataArray(x, dims=("instance", "tick"), coords={"tick": [20, 21]})
    m, lo, hi = mean_ci(da)
    sd = x.std(axis=0, ddof=1)
    half = st.t.ppf(0.975, 3) * sd / 2
    assert m.dims == ("tick",)
    assert np.allclose(m, [2.5, 5.0]) and np.allclose(hi - m, half) and np.allclose(m - lo, half)
    mn, lon, hin = mean_ci(x, dim=0, level=0.9)
    assert np.allclose(hin - mn, st.t.ppf(0.95, 3) * sd / 2)
    m1, lo1, hi1 = mean_ci(x.T, dim=1)
    assert np.allclose(m1, m) and np.allclose(lo1, lo)


@pytest.mark.parametrize("mutate, kwargs, match", [
    (lambda v: v.isel(instance=[0]), {}, "at least 2 instances"),
    (lambda v: v.rename(instance="model"), {}, "'instance' dimension"),
    (lambda v: v.isel(presentation=0, drop=True), {}, "'presentation' dimension"),
    (lambda v: v, {"ci": "jackknife"}, "unknown ci"),
    (lambda v: v, {"level": 1.5}, "between 0 and 1"),
    (lambda v: v, {"second": 3}, "presentation 3 not found"),
    (lambda v: v, {"n_boot": 0}, "n_boot"),
    (lambda v: v * np.nan, {}, "all NaN"),
    (lambda v: v.values, {}, "DataArray"),
])
def test_repetition_stats_bad_input(mutate, kwargs, match):
    with pytest.raises(ValueError, match=match):
        repetition_stats(mutate(values_with_known_difference()), **kwargs)


def test_mean_ci_bad_input():
    with pytest.raises(ValueError, match="at least 2"):
        mean_ci(xr.DataArray(np.ones((1, 3)), dims=("instance", "tick")))
    with pytest.raises(ValueError, match="not found"):
        mean_ci(xr.DataArray(np.ones((2, 3)), dims=("model", "tick")))
    with pytest.raises(ValueError, match="all NaN"):
        mean_ci(np.full((3, 2), np.nan))
    with pytest.raises(ValueError, match="at least 2"):
        mean_ci(np.ones((1, 4)))
    with pytest.raises(ValueError, match="level"):
        mean_ci(np.ones((3, 4)), level=0)


def test_sample_mean_ci_tolerates_small_samples_and_drops_nonfinite():
    from erpsim.analysis import mean_ci, sample_mean_ci
    values = np.array([1.0, 2.0, np.nan, 4.0, np.inf])
    mean, low, high, n = sample_mean_ci(values)
    expected = mean_ci(np.array([1.0, 2.0, 4.0]), dim=0)
    assert n == 3 and np.allclose((mean, low, high), [float(e) for e in expected])
    mean, low, high, n = sample_mean_ci([5.0, np.nan])
    assert (mean, n) == (5.0, 1) and np.isnan(low) and np.isnan(high)
    assert sample_mean_ci([])[3] == 0 and np.isnan(sample_mean_ci([])[0])
