"""Lexical effects on the first-presentation sERP: neighbourhood size and frequency.

    python analyses/lexical_effects.py [--out out/lexical_effects]

For every lexicon item, the first-presentation sERP of the shipped alpha model is
summarised by its peak (maximum over ticks 20-38) and its mean in the model's shared
FWHM window, averaged over instances. Two regressions per measure:

- across items: measure ~ neighbours + zipf (+ item-type indicators), OLS with t-based
  95% intervals;
- across instances: the same regression fitted per instance; the coefficient's mean
  and t-based 95% interval over the instances (instances are the independent units).

Laszlo & Plaut (2012) report larger simulated N400s for items with more orthographic
neighbours: a positive neighbours coefficient. Writes ``coefficients.csv``,
``items.csv`` and ``lexical_effects.png``.
"""
import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import erpsim  # noqa: E402
from erpsim.analysis import model_window, window_mean  # noqa: E402
from erpsim.analysis.regression import ols  # noqa: E402
from erpsim.analysis.stats import mean_ci  # noqa: E402
from erpsim.model.lexicon import ITEM_TYPES  # noqa: E402


def item_measures(ds):
    """Per instance and item: peak and FWHM-window mean of the first presentation."""
    first = ds["serp"].sel(presentation=1, tick=slice(20, 38))
    window = model_window(ds["serp"].sel(tick=slice(20, 38)))
    return xr_to_frame(first.max("tick"), window_mean(first, window=window)), window


def xr_to_frame(peak, mean):
    frame = peak.rename("peak").to_dataframe().reset_index()
    frame["window_mean"] = mean.transpose(*peak.dims).values.ravel()
    return frame


def design(frame):
    types = pd.get_dummies(frame["item_type"]).reindex(columns=ITEM_TYPES, fill_value=False)
    X = pd.concat([frame[["neighbours", "zipf"]].astype(float),
                   types.iloc[:, 1:].astype(float)], axis=1)
    return X.loc[:, X.std() > 0]


def regressions(frame):
    rows = []
    items = frame.groupby("item", sort=False).agg(
        peak=("peak", "mean"), window_mean=("window_mean", "mean"), item_type=("item_type", "first"),
        neighbours=("neighbours", "first"), zipf=("zipf", "first")).reset_index()
    for measure in ("peak", "window_mean"):
        for scope, sub in (("all items", items), ("words", items[items["item_type"] == "word"])):
            fit = ols(sub[measure], design(sub))
            fit.insert(0, "analysis", "across items")
            fit.insert(0, "subset", scope)
            fit.insert(0, "measure", measure)
            rows.append(fit)
        per_instance = [ols(sub[measure], design(sub)).set_index("term")["estimate"]
                        for _, sub in frame.groupby("instance")]
        coefs = pd.DataFrame(per_instance)
        mean, low, high = mean_ci(coefs.values, dim=0)
        rows.append(pd.DataFrame({"measure": measure, "subset": "all items",
                                  "analysis": "across instances", "term": coefs.columns,
                                  "estimate": mean, "ci_low": low, "ci_high": high,
                                  "df": len(coefs) - 1}))
    return items, pd.concat(rows, ignore_index=True)


def plot(items, out):
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for ax, predictor in zip(axes, ("neighbours", "zipf")):
        for item_type in ITEM_TYPES:
            sub = items[items["item_type"] == item_type]
            jitter = np.random.default_rng(0).uniform(-0.15, 0.15, len(sub)) if predictor == "neighbours" else 0
            ax.scatter(sub[predictor] + jitter, sub["window_mean"], s=12, label=item_type, alpha=0.7)
        slope, intercept = np.polyfit(items[predictor], items["window_mean"], 1)
        xs = np.linspace(items[predictor].min(), items[predictor].max(), 2)
        ax.plot(xs, intercept + slope * xs, "k-", lw=1)
        ax.set_xlabel({"neighbours": "orthographic neighbours (N)", "zipf": "frequency (Zipf)"}[predictor])
    axes[0].set_ylabel("first-presentation sERP, FWHM-window mean")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="out/lexical_effects")
    parser.add_argument("--model", help="a saved network .npz (default: the shipped instances)")
    args = parser.parse_args(argv)
    network = erpsim.Network.load(args.model) if args.model else erpsim.load_pretrained()
    ds = erpsim.simulate(network, erpsim.load_lexicon(), presentations=1)
    frame, window = item_measures(ds)
    items, table = regressions(frame)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "coefficients.csv", index=False)
    items.to_csv(out / "items.csv", index=False)
    plot(items, out / "lexical_effects.png")
    print(f"FWHM window: ticks {window.start:g}-{window.end:g}")
    print(table.query("term in ['neighbours', 'zipf']").round(5).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
