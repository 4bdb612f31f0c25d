"""``erpsim encode``: Mitchell-style encoding models, word vectors to voxel activity."""
from erpsim.cli._options import nonnegative_float, nonnegative_int, positive_int


def add_arguments(parser, out="results/encode"):
    """Add the ``encode`` options to an ``argparse`` parser."""
    parser.add_argument("--data", nargs="+", default=[], metavar="FILE",
                        help="released participant files (data-science-P*.mat) to analyse")
    parser.add_argument("--no-synthetic", action="store_true",
                        help="skip the synthetic participant built from the features")
    parser.add_argument("--features", choices=("verbs", "vectors"), default="verbs",
                        help="verb-similarity features (default) or raw word vectors")
    parser.add_argument("--vectors", metavar="FILE", default=None,
                        help="GloVe/word2vec text file (default: GloVe 6B 50-d)")
    parser.add_argument("--noise", type=nonnegative_float, default=None,
                        help="synthetic presentation noise (default 6.5)")
    parser.add_argument("--n-voxels", type=positive_int, default=None,
                        help="synthetic voxels (default 21764)")
    parser.add_argument("--n-informative", type=positive_int, default=None,
                        help="synthetic voxels carrying signal (default: 2000 per 21764 voxels)")
    parser.add_argument("--n-select", type=positive_int, default=500,
                        help="most stable voxels kept per fold (default 500)")
    parser.add_argument("--alpha", type=nonnegative_float, default=0.0,
                        help="ridge penalty (default 0: least squares)")
    parser.add_argument("--permutations", type=nonnegative_int, default=1000,
                        help="permutations of the noun-feature assignment (default 1000; "
                             "0 skips the test)")
    parser.add_argument("--drop-nonfinite", action="store_true",
                        help="drop voxels with NaN values from the data files")
    parser.add_argument("--seed", type=nonnegative_int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", default=out, metavar="DIR",
                        help=f"output folder (default {out})")
    parser.add_argument("--progress", action="store_true", help="show a progress bar")
    return parser


def run(args):
    """Run the analysis for parsed ``args``; prints one line per dataset."""
    from erpsim.encoding.pipeline import SYNTHETIC_DEFAULTS, run_mitchell
    from erpsim.utils.writable import check_writable_dir

    check_writable_dir(args.out, "--out")

    def pick(value, key):
        return SYNTHETIC_DEFAULTS[key] if value is None else value

    if args.no_synthetic and not args.data:
        raise ValueError("--no-synthetic without --data: nothing to analyse")
    n_voxels = pick(args.n_voxels, "n_voxels")
    if not args.no_synthetic and args.n_informative is not None and args.n_informative > n_voxels:
        raise ValueError(f"--n-informative {args.n_informative} exceeds the synthetic "
                         f"data's {n_voxels} voxels (--n-voxels)")
    if not args.no_synthetic and args.n_select > n_voxels:
        raise ValueError(f"--n-select {args.n_select} exceeds the synthetic data's "
                         f"{n_voxels} voxels (--n-voxels)")

    summary = run_mitchell(
        args.out, data_files=args.data, synthetic=not args.no_synthetic,
        feature_set=args.features, vectors=args.vectors,
        noise=pick(args.noise, "noise"), n_voxels=n_voxels,
        n_informative=args.n_informative, n_select=args.n_select,
        alpha=args.alpha, n_permutations=args.permutations,
        drop_nonfinite=args.drop_nonfinite, rng=args.seed, progress=args.progress)
    for res in summary["datasets"]:
        line = f"{res['name']}: accuracy {res['accuracy']:.3f} over {res['n_folds']} folds"
        if "p_value" in res:
            line += (f", permutation p = {res['p_value']:.4g} (null {res['null_mean']:.3f}"
                     f" +/- {res['null_sd']:.3f})")
        print(line)
    print(f"wrote {args.out}/summary.json")
    return 0


def register(subparsers):
    """Add the ``encode`` subcommand."""
    parser = subparsers.add_parser(
        "encode", help="linear encoding model: word vectors to voxel activity",
        description="Leave-two-out evaluation of a Mitchell et al. (2008) encoding model "
                    "with per-fold voxel selection and a permutation test, on synthetic "
                    "data built from real word vectors and on released data files.")
    add_arguments(parser)
    parser.set_defaults(func=run)
