"""``erpsim compare``: compare the model with a user's EEG file through MNE-Python.

    erpsim compare EEGFILE --channel NAME --conditions word/1=COND word/2=COND ...
                   [--model PATH] --out DIR

Writes ``DIR/comparison.csv`` (one row per condition), ``DIR/curves.csv`` (the aligned
EEG and model curves) and ``DIR/comparison.png`` (MNE-style plot). See ``docs/mne.md``.
"""
from pathlib import Path
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
    """The aligned curves of a Comparison as a tidy DataFrame."""
    c = comparison.curves
    df = c[["eeg", "model", "model_scaled"]].to_dataframe().reset_index()
    units = c["eeg"].attrs.get("units", "uV")
    df = df.rename(columns={"eeg": f"eeg_{units}", "model": "model_activation",
                            "model_scaled": f"model_scaled_{units}"})
    return df[["condition", "eeg_condition", "item_type", "presentation", "time_ms",
               "in_window", f"eeg_{units}", "model_activation", f"model_scaled_{units}"]]


def write_outputs(comparison, out_dir, stem="comparison", title=None):
    """Write ``<stem>.csv``, ``curves.csv`` and ``<stem>.png`` into ``out_dir``.

    Returns
    -------
    dict of pathlib.Path
    """
    import matplotlib
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from erpsim.viz.eeg import plot_comparison
    out_dir = Path(out_dir)
    paths = {"table": comparison.to_csv(out_dir / f"{stem}.csv"),
             "curves": _atomic(out_dir / "curves.csv",
                               lambda p: curves_table(comparison).to_csv(p, index=False))}
    fig = plot_comparison(comparison, spectra=True, title=title)
    try:
        paths["figure"] = _atomic(out_dir / f"{stem}.png",
                                  lambda p: fig.savefig(p, dpi=120, format="png"))
    finally:
        plt.close(fig)
    return paths


def run(args):
    import pandas as pd

    from erpsim.eeg.compare import N400_WINDOW, compare, model_result
    from erpsim.eeg.bridge import MS_PER_TICK, ONSET_TICK
    conditions = parse_conditions(args.conditions)
    if not Path(args.eegfile).exists():
        raise FileNotFoundError(f"EEG file not found: {args.eegfile}")
    result, source = model_result(args.model)
    window = "epoch" if args.whole_epoch else tuple(args.window or N400_WINDOW)
    cmp = compare(args.eegfile, result, channel=args.channel, conditions=conditions,
                  window=window,
                  ms_per_tick=MS_PER_TICK if args.ms_per_tick is None else args.ms_per_tick,
                  onset_tick=args.onset_tick,
                  sign=args.sign, fit=args.fit, instance=args.instance,
                  epoch=tuple(args.epoch))
    paths = write_outputs(cmp, args.out,
                          title=f"{Path(args.eegfile).name} ({args.channel}) vs {source}")
    with pd.option_context("display.width", 200, "display.max_columns", 12):
        print(cmp.table[["condition", "eeg_condition", "r", "rmse_uV", "peak_diff_ms",
                         "rep_eeg_uV", "rep_model"]].to_string(index=False))
    print(f"model: {source}")
    for kind, path in paths.items():
        print(f"wrote {kind}: {path}")
    return 0


def register(subparsers):
    p = subparsers.add_parser(
        "compare", help="compare model sERPs with an EEG file (FIF, BrainVision, EDF, ...)",
        description="Compare model sERPs with EEG evokeds/epochs/raw data read by MNE. "
                    "Writes comparison.csv, curves.csv and comparison.png to --out.")
    p.add_argument("eegfile", help="EEG file: -ave.fif, -epo.fif, raw .fif, .vhdr, .edf, "
                                   ".bdf, .set, ... (reader chosen by extension)")
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
    p.add_argument("--ms-per-tick", type=float, default=None,
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
    p.set_defaults(func=run)
