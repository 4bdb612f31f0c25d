"""Lexical effects on the first-presentation sN400: neighbourhood size and frequency.

    python analyses/lexical_effects.py [--model NET.npz] [--out docs/lexical_effects]

For every lexicon item, the first-presentation sERP of the default alpha model (the
shipped instances unless ``--model``) is summarised by its mean over the published
window (ticks 6-11 after onset, ticks 26-31) and its peak (ticks 0-18 after onset,
ticks 20-38) -- :func:`erpsim.analysis.lexical.item_sn400`. Two regressions per measure,
sN400 ~ neighbours + zipf + item-type indicators (OLS):

- across instances (the reported effect, :func:`erpsim.analysis.neighbourhood_effect`):
  the regression fitted per instance; the neighbours coefficient's mean, t-based 95%
  interval and one-sample t test over the instances;
- across items: the same regression on the item means over instances (all items, and
  words only), every coefficient with its t-based 95% interval.

Laszlo & Plaut (2012) report larger simulated N400s for items with more orthographic
neighbours: a positive neighbours coefficient. Writes ``effects.csv`` (across
instances), ``coefficients.csv`` (across items), ``items.csv`` and
``lexical_effects.png`` into ``--out``, each atomically.
"""
import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

import erpsim
from erpsim.analysis.lexical import (MEASURES, design, effects_table, item_sn400,
                                     neighbourhood_effect)
from erpsim.analysis.regression import ols
from erpsim.model.lexicon import ITEM_TYPES
from erpsim.utils.atomic import atomic_write, atomic_write_bytes


def item_means(ds):
    """Per item: the sN400 measures (mean over instances) and the item's properties."""
    items = pd.DataFrame({c: ds[c].values for c in ("item", "item_type", "zipf", "neighbours")})
    for measure in MEASURES:
        items[measure] = item_sn400(ds, measure).mean("instance").values
    return items


def across_items(items):
    """OLS on the item means, all items and words only: every term with its interval."""
    rows = []
    for measure in MEASURES:
        for subset, sub in (("all items", items), ("words", items[items["item_type"] == "word"])):
            fit = ols(sub[measure], design(sub))
            fit.insert(0, "subset", subset)
            fit.insert(0, "measure", measure)
            rows.append(fit)
    return pd.concat(rows, ignore_index=True)


def plot(items, path):
    """Window mean against neighbourhood size and frequency, one colour per item type."""
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    fig = Figure(figsize=(10, 4))
    axes = fig.subplots(1, 2, sharey=True)
    for ax, predictor in zip(axes, ("neighbours", "zipf")):
        for item_type in ITEM_TYPES:
            sub = items[items["item_type"] == item_type]
            jitter = (np.random.default_rng(0).uniform(-0.15, 0.15, len(sub))
                      if predictor == "neighbours" else 0)
            ax.scatter(sub[predictor] + jitter, sub["window_mean"], s=12, label=item_type,
                       alpha=0.7)
        slope, intercept = np.polyfit(items[predictor], items["window_mean"], 1)
        xs = np.linspace(items[predictor].min(), items[predictor].max(), 2)
        ax.plot(xs, intercept + slope * xs, "k-", lw=1)
        ax.set_xlabel({"neighbours": "orthographic neighbours (N)",
                       "zipf": "frequency (Zipf)"}[predictor])
    axes[0].set_ylabel("first-presentation sERP, mean of ticks 26-31")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=120, format="png"), suffix=".png")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="out/lexical_effects",
                        help="output folder (default out/lexical_effects)")
    parser.add_argument("--model", help="a saved network .npz with at least 2 instances "
                                        "(default: the shipped instances)")
    args = parser.parse_args(argv)
    network = erpsim.Network.load(args.model) if args.model else erpsim.load_pretrained()
    if network.n_instances < 2:
        parser.error(f"--model {args.model}: the effects are tested across instances; it "
                     f"has {network.n_instances}")
    ds = erpsim.simulate(network, erpsim.load_lexicon(), presentations=1)
    effects = effects_table([neighbourhood_effect(ds, measure=m) for m in MEASURES])
    items = item_means(ds)
    table = across_items(items)
    out = Path(args.out)
    for name, frame in (("effects", effects), ("coefficients", table), ("items", items)):
        atomic_write_bytes(out / f"{name}.csv", frame.to_csv(index=False).encode())
    plot(items, out / "lexical_effects.png")
    print("neighbourhood effect across instances (activation per neighbour):")
    print(effects[["measure", "ticks", "mean", "ci_low", "ci_high", "t", "p"]]
          .to_string(index=False))
    print("\nacross items:")
    print(table.query("term in ['neighbours', 'zipf']").round(5).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
