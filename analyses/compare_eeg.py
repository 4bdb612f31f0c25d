"""Compare the shipped model with the shipped human ERPs through MNE-Python.

Writes, into ``--out`` (default ``out/compare_eeg``):

- ``human-ave.fif``: the human grand averages (MiPa, volts) as MNE evokeds;
- ``model-ave.fif``: the model sERPs per condition (misc channel, activation);
- ``compare_eeg.csv``: one row per condition (correlation, RMSE after the affine fit,
  peak latencies, FWHM windows, repetition effects, spectral correlation);
- ``curves.csv``: the aligned EEG and model curves;
- ``compare_eeg.png``: the MNE-style figure.

The human data go through the MNE path (written to ``-ave.fif`` and read back) exactly
as a user's file would. Model: ``--model PATH`` (a saved network ``.npz`` or a
simulation result ``.nc``), else ``erpsim.load_pretrained()`` when it exists, else a
freshly initialised network with a loud warning (placeholder numbers).

    python analyses/compare_eeg.py [--model PATH] [--out DIR] [--whole-epoch]
"""
import argparse
import sys
from pathlib import Path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="saved network (.npz) or simulation result (.nc)")
    parser.add_argument("--out", default="out/compare_eeg", help="output folder")
    parser.add_argument("--whole-epoch", action="store_true",
                        help="compare over the whole epoch instead of 250-450 ms")
    parser.add_argument("--fit", choices=("per_condition", "shared"), default="per_condition")
    args = parser.parse_args(argv)

    import pandas as pd

    from erpsim.eeg import bridge as mb
    from erpsim.cli.compare import write_outputs
    from erpsim.eeg.compare import compare, model_result

    out = Path(args.out)
    human_file = mb.save_evokeds(out / "human-ave.fif", mb.human_evokeds())
    result, source = model_result(args.model)
    mb.save_evokeds(out / "model-ave.fif", mb.model_to_evokeds(result))
    derived = mb.derive_ms_per_tick()
    cmp = compare(human_file, result, channel=mb.HUMAN_CHANNEL,
                  window="epoch" if args.whole_epoch else (250.0, 450.0), fit=args.fit)
    paths = write_outputs(cmp, out, stem="compare_eeg",
                          title=f"Human MiPa (Laszlo & Armstrong 2014) vs {source}")
    print(f"time mapping: onset tick {mb.ONSET_TICK} -> 0 ms, {mb.MS_PER_TICK} ms/tick "
          f"(derived: model peak tick {derived['model_peak_tick']:g} -> human N400 peak "
          f"{derived['human_peak_ms']:g} ms = {derived['ms_per_tick']:g} ms/tick)")
    print(f"model: {source}; window {cmp.window[0]:g}-{cmp.window[1]:g} ms; fit {args.fit}")
    print(f"grand-average FWHM windows: EEG {cmp.windows.get('eeg')}, "
          f"model {cmp.windows.get('model')}")
    cols = ["condition", "r", "r_null", "r_p", "wrong_sign", "gain_uV_per_activation",
            "rmse_uV", "rmse_null_uV", "peak_eeg_ms",
            "peak_model_ms", "peak_diff_ms", "rep_eeg_uV", "rep_model",
            "rep_model_scaled_uV", "spectral_r", "spectral_r_null"]
    with pd.option_context("display.width", 220, "display.max_columns", 20,
                           "display.float_format", "{:.3g}".format):
        print(cmp.table[cols].to_string(index=False))
    for kind, path in paths.items():
        print(f"wrote {kind}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
