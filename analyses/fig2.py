"""Regenerate Fig. 2 of Laszlo & Armstrong (2014) from the shipped trained instances.

    python analyses/fig2.py --out DIR [--quick]

Writes fig2_alpha.{png,pdf}, fig2_control.{png,pdf} and the numbers behind them
(serp.csv, windows.csv, spectra.csv, stats.csv) into DIR. The steps, with the public
API (the same as ``erpsim fig2``):

1. load the trained instances and the lexicon;
2. :func:`erpsim.paper.fig2.compute_fig2`: simulate repetition pairs with and without
   the alpha envelope, find the FWHM windows (ticks after onset), spectra and paired
   statistics (the pipeline every sweep point runs, :mod:`erpsim.paper.pipeline`);
3. write the tables and draw the figures (each file written atomically).
"""
import argparse

import matplotlib

matplotlib.use("Agg")

import erpsim  # noqa: E402
from erpsim.paper.fig2 import compute_fig2, write_tables  # noqa: E402
from erpsim.viz.fig2 import save_figures  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description="Regenerate Fig. 2 (alpha model and control).")
    parser.add_argument("--out", default="fig2", help="output folder (default: ./fig2)")
    parser.add_argument("--quick", action="store_true", help="use 3 instances (seconds)")
    args = parser.parse_args(argv)

    network = erpsim.load_pretrained()                  # 10 trained instances
    lexicon = erpsim.load_lexicon()                     # 4 item types x 50 items
    data = compute_fig2(network, lexicon, instances=3 if args.quick else None, progress=True)

    window = data.windows["model"]["alpha"]
    print(f"alpha model N400 window (FWHM): ticks {window.start:g}-{window.end:g}")
    effects = data.stats.query("measure == 'window_mean'")
    print(effects[["model", "item_type", "mean_diff", "p"]].to_string(index=False))

    paths = list(write_tables(data, args.out).values()) + save_figures(data, args.out)
    for path in paths:
        print(f"wrote {path}")
    return paths


if __name__ == "__main__":
    main()
