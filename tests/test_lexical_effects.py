"""The neighbourhood-size effect on the sN400 (erpsim.analysis.lexical): the method on
synthetic results with a planted effect and without one, and a golden value on the
shipped instances (tests/data/golden_lexical.json, made by
tests/data/make_golden_lexical.py)."""
import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import erpsim
from erpsim.analysis.lexical import design, item_sn400, neighbourhood_effect
from erpsim.model.lexicon import ITEM_TYPES

GOLDEN = Path(__file__).parent / "data" / "golden_lexical.json"
ONSET = 20


def synthetic_result(slopes, *, zipf_effect=0.0, item_noise=0.0, confound=False, rng=0,
                     n_items=200, onset=ONSET):
    """A result whose every item's sERP is a shared curve shifted by
    ``slope * neighbours + zipf_effect * zipf + type offset (+ noise)`` at every tick, so
    the window mean and the peak both carry the planted per-instance slopes exactly."""
    rng = np.random.default_rng(rng)
    slopes = np.asarray(slopes, dtype=float)
    item_type = np.array([ITEM_TYPES[i % 4] for i in range(n_items)])
    neighbours = rng.integers(0, 9, n_items)
    zipf = np.where(np.isin(item_type, ("word", "acronym")), rng.uniform(1, 6, n_items), 0.0)
    if confound:   # frequent items have more neighbours
        neighbours = np.round(zipf + rng.uniform(0, 2, n_items)).astype(int)
    offsets = np.array([ITEM_TYPES.index(t) * 0.02 for t in item_type])
    ticks = np.arange(onset + 20)
    curve = 0.05 + 0.15 * np.exp(-0.5 * ((ticks - onset - 9) / 3.0) ** 2)
    shift = (slopes[:, None] * neighbours + zipf_effect * zipf + offsets
             + item_noise * rng.standard_normal((len(slopes), n_items)))
    serp = curve[None, None, None, :] + shift[:, :, None, None]
    ds = xr.Dataset({"serp": (("instance", "item", "presentation", "tick"), serp)},
                    coords={"instance": np.arange(len(slopes)),
                            "item": [f"i{k}" for k in range(n_items)],
                            "item_type": ("item", item_type), "zipf": ("item", zipf),
                            "neighbours": ("item", neighbours), "presentation": [1],
                            "tick": ticks})
    ds["tick"].attrs["onset_tick"] = onset
    return ds


@pytest.mark.parametrize("measure", ["window_mean", "peak"])
def test_noise_free_planted_slopes_are_recovered_exactly(measure):
    slopes = np.linspace(0.001, 0.01, 6)
    effect = neighbourhood_effect(synthetic_result(slopes, zipf_effect=0.01), measure=measure)
    np.testing.assert_allclose(effect.coefficients.to_numpy(), slopes, rtol=0, atol=1e-12)
    assert effect.mean == pytest.approx(slopes.mean(), abs=1e-12)
    assert effect.covariates == ("zipf", "acronym", "pseudoword", "illegal")
    assert effect.df == 5 and effect.n_items == 200


def test_planted_effect_is_found_and_the_interval_covers_it():
    true = 0.004
    slopes = true + 0.001 * np.random.default_rng(1).standard_normal(10)
    effect = neighbourhood_effect(synthetic_result(slopes, zipf_effect=0.01, item_noise=0.01))
    assert effect.ci_low < true < effect.ci_high
    assert effect.positive and effect.p < 0.01 and effect.t > 0
    assert effect.mean == pytest.approx(true, abs=0.001)


def test_no_effect_gives_an_interval_around_zero():
    slopes = 0.001 * np.random.default_rng(2).standard_normal(10)
    effect = neighbourhood_effect(synthetic_result(slopes, zipf_effect=0.01, item_noise=0.01))
    assert effect.ci_low < 0 < effect.ci_high
    assert not effect.positive and effect.p > 0.05


def test_frequency_covariate_removes_a_confounded_effect():
    ds = synthetic_result(np.zeros(5), zipf_effect=0.02, item_noise=0.002, confound=True)
    adjusted = neighbourhood_effect(ds)
    naive = neighbourhood_effect(ds, covariates=("item_type",))
    assert adjusted.ci_low < 0 < adjusted.ci_high
    assert naive.positive                    # frequency's effect leaks into neighbours


def test_window_is_read_from_the_onset():
    ds = synthetic_result([0.001, 0.002, 0.004], onset=15)
    assert item_sn400(ds).attrs["ticks"] == (21, 26)
    assert item_sn400(ds, "peak").attrs["ticks"] == (15, 33)
    assert neighbourhood_effect(ds).ticks == (21, 26)


def test_design_drops_constant_covariates():
    ds = synthetic_result(np.full(3, 0.002)).isel(item=slice(0, None, 4))   # words only
    X = design(ds[["neighbours", "zipf", "item_type"]].to_dataframe().reset_index())
    assert list(X.columns) == ["neighbours", "zipf"]


def test_bad_input_is_refused_with_the_reason():
    ds = synthetic_result(np.full(3, 0.002))
    with pytest.raises(ValueError, match="neighbours"):
        neighbourhood_effect(ds.drop_vars("neighbours"))
    with pytest.raises(ValueError, match="at least 2 instances"):
        neighbourhood_effect(ds.isel(instance=[0]))
    with pytest.raises(ValueError, match="unknown measure"):
        neighbourhood_effect(ds, measure="median")
    with pytest.raises(ValueError, match="unknown covariate"):
        neighbourhood_effect(ds, covariates=("length",))
    with pytest.raises(ValueError, match="presentation 2 not found"):
        neighbourhood_effect(ds, presentation=2)
    with pytest.raises(ValueError, match="same for every item"):
        neighbourhood_effect(ds.assign_coords(neighbours=("item", np.ones(200, int))))
    with pytest.raises(ValueError, match="simulation result"):
        neighbourhood_effect(ds["serp"])


@pytest.fixture(scope="module")
def shipped_first(pretrained, full_lexicon):
    return erpsim.simulate(pretrained, full_lexicon, presentations=1)


@pytest.mark.parametrize("measure", ["window_mean", "peak"])
def test_shipped_neighbourhood_effect_matches_the_golden_value(shipped_first, measure):
    """Any change of the model, the weights or the defaults shows here; regenerate with
    tests/data/make_golden_lexical.py only for a deliberate change."""
    golden = json.loads(GOLDEN.read_text())[measure]
    effect = neighbourhood_effect(shipped_first, measure=measure)
    assert list(effect.ticks) == golden["ticks"]
    assert list(effect.covariates) == golden["covariates"]
    for key in ("mean", "ci_low", "ci_high", "t", "p"):
        assert getattr(effect, key) == pytest.approx(golden[key], rel=0, abs=1e-9), key
    np.testing.assert_allclose(effect.coefficients.to_numpy(), golden["coefficients"],
                               rtol=0, atol=1e-9)
