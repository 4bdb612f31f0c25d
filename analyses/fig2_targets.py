"""Every Fig. 2 target of issue #14: the measure, the published value, the target, met?

    python analyses/fig2_targets.py [--model NET.npz] [--out targets.csv] [--backend numba]

Simulates repetition pairs of the shipped lexicon with the default alpha model (the
network's configured envelope, the reset protocol) on the shipped instances, or on the
instances of ``--model``, and prints the table of
:func:`erpsim.paper.targets.fig2_targets`: Pearson r of the words curves against the
digitized published ones, the onset relaxation, the late level, the peak ticks and the
relative peak reduction, the share of instances with the published repetition pattern,
the paired repetition effect, the reading accuracy, the neighbourhood-size effect, and
per item type the repetition reduction and the peak ticks. ``--out`` writes the table as
CSV (atomically: an existing file is replaced only by a complete one). The exit status
is 0 whether or not the targets are met (the table says which are).
"""
import argparse
import sys

import pandas as pd

import erpsim
from erpsim.engine.registry import names as backend_names
from erpsim.paper.targets import fig2_targets
from erpsim.utils.atomic import atomic_write_bytes


def format_table(table):
    """The table as aligned text: text left-aligned, values to 4 significant digits,
    ``met`` as yes/NO."""
    text = {c: table[c].str.ljust(int(table[c].str.len().max()))
            for c in ("measure", "target", "detail")}
    shown = table.assign(**text, value=table["value"].map(lambda v: f"{v:.4g}"),
                         published=table["published"].map(
                             lambda v: "-" if pd.isna(v) else f"{v:.4g}"),
                         met=table["met"].map({True: "yes", False: "NO"}))
    return shown.to_string(index=False, justify="left")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a saved network .npz (default: the shipped instances)")
    parser.add_argument("--out", help="write the table to this CSV file")
    parser.add_argument("--backend", default="numba", choices=backend_names())
    args = parser.parse_args(argv)
    network = erpsim.Network.load(args.model) if args.model else erpsim.load_pretrained()
    table = fig2_targets(network, erpsim.load_lexicon(), backend=args.backend)
    print(format_table(table))
    print(f"\n{int(table['met'].sum())} of {len(table)} targets met")
    if args.out:
        atomic_write_bytes(args.out, table.to_csv(index=False).encode())
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
