"""Mitchell et al. (2008) encoding analysis, end to end, through the Python API.

Builds features of the 60 nouns from GloVe 6B 50-d (the 25-verb stand-in by default),
draws a synthetic participant with the released data's structure from them, and runs
the leave-two-out evaluation (1770 folds, 500 stable voxels chosen per fold on the
training nouns) with a permutation test; real participant files are analysed too when
given. Writes ``summary.json``, per-dataset fold and null tables, and figures
(``erpsim encode`` does the same from the command line).

    python analyses/mitchell.py --out results/mitchell
    python analyses/mitchell.py --data data-science-P1.mat data-science-P2.mat
"""
import argparse
import sys

from erpsim.encoding import run_mitchell


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", nargs="+", default=[], metavar="FILE",
                        help="released participant files (data-science-P*.mat)")
    parser.add_argument("--no-synthetic", action="store_true",
                        help="analyse only the given files")
    parser.add_argument("--features", choices=("verbs", "vectors"), default="verbs")
    parser.add_argument("--n-select", type=int, default=500, help="stable voxels per fold")
    parser.add_argument("--permutations", type=int, default=1000)
    parser.add_argument("--drop-nonfinite", action="store_true",
                        help="drop voxels holding NaN instead of refusing the file")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="results/mitchell", metavar="DIR")
    args = parser.parse_args(argv)

    try:
        summary = run_mitchell(args.out, data_files=args.data,
                               synthetic=not args.no_synthetic, feature_set=args.features,
                               n_select=args.n_select, n_permutations=args.permutations,
                               drop_nonfinite=args.drop_nonfinite, rng=args.seed)
    except (OSError, ValueError, ImportError) as err:      # bad files, options, extras
        print(f"mitchell.py: error: {err}", file=sys.stderr)
        return 1
    for result in summary["datasets"]:
        p_value = result.get("p_value")
        print(f"{result['name']}: accuracy {result['accuracy']:.3f} over "
              f"{result['n_folds']} folds" + ("" if p_value is None else f", p = {p_value:.4f}"))
    print(f"wrote {args.out}/summary.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
