"""Summarise a sweep: the repetition effect per item type as a function of each parameter.

    python analyses/sweep_summary.py STORE [--out DIR] [--model alpha]

STORE is a folder written by ``erpsim sweep`` (or ``erpsim.sweep.run_sweep``). Writes
into DIR (default ``STORE/summary``):

- ``repetition_effects.csv``: one row per point (grid coordinates, seed), model and item
  type: window means of the first and second presentation and their difference
  (``effect`` = first - second; positive = the N400 is reduced on repetition);
- ``effect_by_parameter.csv``: per swept parameter and value, the effect averaged over
  the other parameters within each seed, then mean and 95% CI across seeds;
- ``cell_stats.csv`` (2 seeds or more): paired first-vs-second statistics across seeds for
  every grid cell (``erpsim.analysis.repetition_stats``);
- ``repetition_by_parameter.png`` / ``.pdf``: one panel per parameter, the effect per
  item type against the parameter's values (mean across seeds, 95% CI bars).

Points not yet done are left out (their count is printed).
"""
import argparse
import sys
from pathlib import Path

from erpsim.sweep import open_sweep
from erpsim.sweep.summary import cell_stats, effect_by_parameter, repetition_table
from erpsim.utils.atomic import atomic_write_bytes
from erpsim.viz.fig2 import save_figure
from erpsim.viz.serp import TYPE_COLOURS


def plot_effect_by_parameter(by, model="alpha"):
    """Figure: one panel per swept parameter, one line per item type."""
    import matplotlib.pyplot as plt
    import numpy as np
    sub = by[by["model"] == model]
    params = list(dict.fromkeys(sub["parameter"]))
    fig, axes = plt.subplots(1, len(params), figsize=(max(4.8, 3.6 * len(params) + 0.6), 3.8),
                             squeeze=False, sharey=True)
    for ax, param in zip(axes[0], params):
        rows = sub[sub["parameter"] == param]
        values = list(dict.fromkeys(rows["value"]))
        numeric = all(isinstance(v, (int, float, np.integer, np.floating))
                      and not isinstance(v, bool) for v in values)
        position = {v: (float(v) if numeric else k) for k, v in enumerate(values)}
        n_types = rows["item_type"].nunique()
        spots = sorted(position.values())
        spacing = min(np.diff(spots)) if len(spots) > 1 else 1.0
        for k_type, (item_type, group) in enumerate(rows.groupby("item_type", sort=False)):
            x = np.array([position[v] for v in group["value"]])
            y = group["mean"].to_numpy()
            err = np.vstack([y - group["ci_low"].to_numpy(), group["ci_high"].to_numpy() - y])
            shift = 0.06 * (k_type - (n_types - 1) / 2) * spacing   # unhide overlaps
            ax.errorbar(x + shift, y, yerr=np.where(np.isnan(err), 0, err), marker="o",
                        capsize=3, color=TYPE_COLOURS.get(item_type), label=item_type)
        if not numeric:
            ax.set_xticks(range(len(values)), [str(v) for v in values])
        ax.axhline(0, color="0.6", linewidth=0.8, linestyle=":")
        ax.set_xlabel(param)
        ax.set_title(param)
    axes[0][0].set_ylabel("repetition effect (activation)\n(first - second window mean)")
    axes[0][-1].legend(fontsize="small", frameon=False)
    n_seeds = int(sub["n_seeds"].max()) if len(sub) else 0
    fig.suptitle(f"Repetition effect by parameter, {model} model\n"
                 f"(mean across {n_seeds} seeds (model instances), 95% CI)", fontsize="medium")
    fig.tight_layout()
    return fig


def main(argv=None):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", help="sweep store folder")
    parser.add_argument("--out", help="output folder (default: STORE/summary)")
    parser.add_argument("--model", default=None, choices=("alpha", "control"),
                        help="model plotted: alpha (default when present) or control")
    args = parser.parse_args(argv)
    if not (Path(args.store) / "points").is_dir():
        parser.error(f"{args.store} is not a sweep store (no points/ folder; run "
                     "erpsim sweep GRID first, or give its --store)")
    ds = open_sweep(args.store)
    out = Path(args.out) if args.out else Path(args.store) / "summary"
    print(f"{ds.attrs['n_done']} of {ds.attrs['n_points']} points done")
    if "repetition_effect" not in ds:
        raise SystemExit("no finished points to summarise")
    model = args.model or ("alpha" if "alpha" in ds["model"].values else "control")
    if model not in ds["model"].values:
        parser.error(f"--model {model}: this sweep has only {list(ds['model'].values)}")
    tables = {"repetition_effects": repetition_table(ds), "effect_by_parameter": effect_by_parameter(ds)}
    if ds.sizes["seed"] >= 2:
        tables["cell_stats"] = cell_stats(ds)
    written = []
    for name, table in tables.items():
        written.append(atomic_write_bytes(out / f"{name}.csv", table.to_csv(index=False).encode()))
    by = tables["effect_by_parameter"]
    print(by[by["model"] == model].to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    fig = plot_effect_by_parameter(by, model)
    try:
        for suffix in ("png", "pdf"):
            written.append(save_figure(fig, out / f"repetition_by_parameter.{suffix}", dpi=150))
    finally:
        plt.close(fig)
    for path in written:
        print(f"wrote {path}")
    return written


if __name__ == "__main__":
    main(sys.argv[1:])
    sys.exit(0)
