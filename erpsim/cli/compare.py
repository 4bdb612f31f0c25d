"""``erpsim compare``: compare the model with a user's EEG file through MNE-Python.

    erpsim compare EEGFILE [EEGFILE ...] --channel NAME [--conditions word/1=COND ...]
                   [--model PATH] [--free-sign] [--n-null N] [--seed S] --out DIR

Conditions named the MNE way (``Word/first``, ``Comment/Word/repeat``) are matched by
the vocabulary of :mod:`erpsim.eeg.conditions`; ``--conditions`` overrides it.
Writes ``DIR/comparison.csv`` (one row per condition, per participant for several
files), ``DIR/curves.csv`` (the aligned EEG and model curves), ``DIR/comparison.png``
and, for several participants, ``summary.csv`` (means with 95% CIs),
``repetition.csv`` (paired and cluster tests) and ``clusters.csv``. See
``docs/mne.md``.
"""
import sys
from pathlib import Path

from erpsim.cli._options import nonnegative_int, positive_float
from erpsim.utils.atomic import atomic_write as _atomic


def parse_conditions(pairs):
    """``["word/1=W1", ...]`` -> ``{"word/1": "W1", ...}``; None for no pairs."""
    if not pairs:
        return None
    out = {}
    for pair in pairs:
        model, sep, eeg = str(pair).partition("=")
        model, eeg = model.strip(), eeg.strip()
        if not sep or not model or not eeg:
            raise ValueError(f"bad condition mapping {pair!r}; write MODEL=EEG, e.g. "
                             "word/1=word_first")
        if model in out:
            raise ValueError(f"model condition {model!r} is mapped twice")
        out[model] = eeg
    return out


def curves_table(comparison):
    """The aligned curves of a Comparison (or GroupComparison) as a tidy DataFrame."""
    c = comparison.curves
    df = c[["eeg", "model", "model_scaled"]].to_dataframe().reset_index()
    units = c["eeg"].attrs.get("units", "uV")
    df = df.rename(columns={"eeg": f"eeg_{units}", "model": "model_activation",
                            "model_scaled": f"model_scaled_{units}"})
    first = ["subject"] if "subject" in df else []
    return df[first + ["condition", "eeg_condition", "item_type", "presentation", "time_ms",
                       "in_window", f"eeg_{units}", "model_activation",
                       f"model_scaled_{units}"]]


def _tables(comparison, stem):
    """``{kind: (file name, DataFrame)}`` of a Comparison or GroupComparison."""
    out = {"table": (f"{stem}.csv", comparison.table),
           "curves": ("curves.csv", curves_table(comparison))}
    for kind in ("summary", "repetition", "clusters"):
        if hasattr(comparison, kind):
            out[kind] = (f"{kind}.csv", getattr(comparison, kind))
    return out


def write_outputs(comparison, out_dir, stem="comparison", title=None):
    """Write ``<stem>.csv``, ``curves.csv`` (group: also ``summary.csv``,
    ``repetition.csv``, ``clusters.csv``) and ``<stem>.png`` into ``out_dir``.

    Every table and the figure are made before anything is written, so a failure
    leaves earlier outputs in ``out_dir`` untouched; each file is written atomically.

    Returns
    -------
    dict of pathlib.Path
    """
    import matplotlib
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from erpsim.viz.eeg import plot_comparison
    out_dir = Path(out_dir)
    tables = _tables(comparison, stem)
    fig = plot_comparison(comparison, spectra=True, title=title)
    try:
        paths = {kind: _atomic(out_dir / name,
                               lambda p, df=df: df.to_csv(p, index=False))
                 for kind, (name, df) in tables.items()}
        paths["figure"] = _atomic(out_dir / f"{stem}.png",
                                  lambda p: fig.savefig(p, dpi=120, format="png"))
    finally:
        plt.close(fig)
    return paths


def _print_summary(cmp, source):
    import pandas as pd
    cols = ["condition", "eeg_condition", "r", "r_null", "r_p", "wrong_sign", "rmse_uV",
            "peak_diff_ms", "rep_eeg_uV", "rep_model"]
    with pd.option_context("display.width", 200, "display.max_columns", 16,
                           "display.float_format", "{:.3g}".format):
        if hasattr(cmp, "repetition"):
            print(cmp.summary[cmp.summary["measure"].isin(["r", "r_null"])]
                  .to_string(index=False))
            print(cmp.repetition.to_string(index=False))
        else:
            print(cmp.table[cols].to_string(index=False))
    print(f"model: {source}")


def run(args):
    try:
        from erpsim.eeg.bridge import MS_PER_TICK, read_eeg
        from erpsim.eeg.compare import N400_WINDOW, compare, model_result
        from erpsim.eeg.group import compare_group, subject_column
    except ImportError as err:      # MNE-Python, the "eeg" extra, is missing
        print(f"erpsim compare: error: {err}", file=sys.stderr)
        return 1
    from erpsim.utils.writable import check_writable_dir

    conditions = parse_conditions(args.conditions)
    check_writable_dir(Path(args.out), "--out")                # before any work
    for f in args.eegfile:
        if not Path(f).exists():
            raise FileNotFoundError(f"EEG file not found: {f}")
    result, source = model_result(args.model)
    options = dict(channel=args.channel, conditions=conditions,
                   window="epoch" if args.whole_epoch else tuple(args.window or N400_WINDOW),
                   ms_per_tick=MS_PER_TICK if args.ms_per_tick is None else args.ms_per_tick,
                   onset_tick=args.onset_tick, sign=args.sign, fit=args.fit,
                   free_sign=args.free_sign, instance=args.instance,
                   epoch=tuple(args.epoch), n_null=args.n_null, rng=args.seed)
    if args.subjects is not None and len(args.subjects) != len(args.eegfile):
        raise ValueError(f"--subjects: {len(args.subjects)} id(s) for {len(args.eegfile)} "
                         "EEG file(s); give one id per file")
    if args.subjects is not None and len(set(args.subjects)) < len(args.subjects):
        raise ValueError(f"--subjects: repeated id(s) "
                         f"{sorted({s for s in args.subjects if args.subjects.count(s) > 1})}")
    eeg = args.eegfile if len(args.eegfile) > 1 else read_eeg(args.eegfile[0])
    if len(args.eegfile) > 1 or args.group or subject_column(eeg):
        cmp = compare_group(eeg, result, subjects=args.subjects,
                            n_permutations=args.n_permutations, **options)
        what = f"{len(cmp.comparisons)} participants"
    else:
        cmp = compare(eeg, result, **options)
        what = Path(args.eegfile[0]).name
    paths = write_outputs(cmp, args.out, title=f"{what} ({args.channel}) vs {source}")
    _print_summary(cmp, source)
    for kind, path in paths.items():
        print(f"wrote {kind}: {path}")
    return 0


def register(subparsers):
    p = subparsers.add_parser(
        "compare", help="compare model sERPs with an EEG file (FIF, BrainVision, EDF, ...)",
        description="Compare model sERPs with EEG evokeds/epochs/raw data read by MNE. "
                    "Writes comparison.csv, curves.csv and comparison.png to --out (several "
                    "participants: also summary.csv, repetition.csv and clusters.csv).")
    p.add_argument("eegfile", nargs="+",
                   help="EEG file(s): -ave.fif, -epo.fif, raw .fif, .vhdr, .edf, .bdf, "
                        ".set, ... (reader chosen by extension); several files = one "
                        "participant each (ids from sub-XX in the names)")
    p.add_argument("--channel", required=True, help="EEG channel to compare, e.g. Pz")
    p.add_argument("--conditions", nargs="+", metavar="MODEL=EEG",
                   help="condition mapping, e.g. word/1=W1 word/2=W2 (default: model "
                        "condition names the EEG file also has)")
    p.add_argument("--model", help="saved network (.npz) or simulation result (.nc); "
                                   "default the pretrained model")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--window", nargs=2, type=float, metavar=("START_MS", "END_MS"),
                   help="comparison window in ms (default 250 450)")
    p.add_argument("--whole-epoch", action="store_true",
                   help="compare over the whole EEG epoch instead of a window")
    p.add_argument("--ms-per-tick", type=positive_float, default=None,
                   help="ms per model tick (default 48.5)")
    p.add_argument("--onset-tick", type=float, default=None,
                   help="model tick at 0 ms (default 20)")
    p.add_argument("--sign", type=int, choices=(-1, 1), default=-1,
                   help="activation-to-voltage polarity (default -1: more activation = "
                        "more negative)")
    p.add_argument("--fit", choices=("per_condition", "shared"), default="per_condition",
                   help="affine fit per condition (default) or shared by all")
    p.add_argument("--instance", type=int, default=None,
                   help="one model instance (default the mean over instances)")
    p.add_argument("--epoch", nargs=2, type=float, default=(-0.1, 0.9),
                   metavar=("TMIN_S", "TMAX_S"),
                   help="epoch limits in s for raw files (default -0.1 0.9)")
    p.add_argument("--free-sign", action="store_true",
                   help="let the fitted gain take either sign (default: the hypothesis' "
                        "sign; a fit that wants the other is reported with gain 0 and "
                        "wrong_sign)")
    p.add_argument("--n-null", type=nonnegative_int, default=200,
                   help="surrogate model curves per condition for the chance levels "
                        "(default 200; 0: none)")
    p.add_argument("--seed", type=nonnegative_int, default=0,
                   help="seed of the nulls and tests (default 0)")
    p.add_argument("--group", action="store_true",
                   help="one epochs file holding several participants (metadata column "
                        "'subject' or 'participant'; detected without this flag too)")
    p.add_argument("--subjects", nargs="+", default=None,
                   help="participant ids, one per EEG file (default from the file names)")
    p.add_argument("--n-permutations", type=nonnegative_int, default=1000,
                   help="permutations of the cluster test (group input; default 1000)")
    p.set_defaults(func=run)
