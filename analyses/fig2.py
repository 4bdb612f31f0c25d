"""Regenerate Fig. 2 of Laszlo & Armstrong (2014) from the shipped trained instances.

    python analyses/fig2.py --out fig2 [--quick]

Same as ``erpsim fig2``: writes fig2_alpha.{png,pdf}, fig2_control.{png,pdf} and the
numbers behind them (serp.csv, windows.csv, spectra.csv, stats.csv).
"""
import sys

from erpsim.cli import main

if __name__ == "__main__":
    sys.exit(main(["fig2"] + sys.argv[1:]))
