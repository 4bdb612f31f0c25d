"""Mitchell et al. (2008) encoding analysis, end to end.

Builds features of the 60 nouns from GloVe 6B 50-d (the 25-verb stand-in by default),
draws a synthetic participant with the released data's structure from them, and runs
the leave-two-out evaluation (1770 folds, 500 stable voxels chosen per fold on the
training nouns) with a permutation test; real participant files are analysed too when
given. Writes ``summary.json``, per-dataset fold and null tables, and figures.

    python analyses/mitchell.py --out results/mitchell
    python analyses/mitchell.py --data data-science-P1.mat data-science-P2.mat
"""
import argparse
import sys

from erpsim.cli import call
from erpsim.cli.encode import add_arguments, run


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error")
    parser.set_defaults(out="results/mitchell")
    return call(run, parser.parse_args(argv), "mitchell.py")


if __name__ == "__main__":
    sys.exit(main())
