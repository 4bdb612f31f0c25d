"""Mitchell et al. (2008) encoding analysis, end to end, through the Python API.

Builds features of the 60 nouns from GloVe 6B 50-d (the 25-verb stand-in by default),
draws a synthetic participant with the released data's structure from them, and runs
the leave-two-out evaluation (1770 folds, 500 stable voxels chosen per fold on the
training nouns) with a permutation test; real participant files are analysed too when
given. Writes ``summary.json``, per-dataset fold and null tables, and figures
(``erpsim encode`` does the same from the command line, with the same options;
this script writes to ``results/mitchell`` by default).

    python analyses/mitchell.py --out results/mitchell
    python analyses/mitchell.py --data data-science-P1.mat data-science-P2.mat
"""
import argparse
import sys

from erpsim.cli.encode import add_arguments, run


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_arguments(parser, out="results/mitchell")      # the options of erpsim encode
    args = parser.parse_args(argv)
    try:
        return run(args)
    except (OSError, ValueError, ImportError) as err:      # bad files, options, extras
        print(f"mitchell.py: error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
