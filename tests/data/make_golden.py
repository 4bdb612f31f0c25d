"""Regenerate the golden sERP curves from shipped instances (run after a deliberate
change of the model, the shipped weights or the defaults, and say why in the commit).

    python tests/data/make_golden.py              # golden_serp.csv, the default instances
    python tests/data/make_golden.py erp_v0_2     # golden_serp_v0_2.csv, erpsim 0.2's

The mean sERP per item type, presentation and tick (20-38) of the alpha model (each
file's configured envelope) and of the control (no envelope), repetition protocol of the
file's configuration, simulated by the NumPy reference backend.
"""
import sys
from pathlib import Path

import erpsim

#: The golden file of each shipped model.
GOLDEN_FILES = {"erp_default": "golden_serp.csv", "erp_v0_2": "golden_serp_v0_2.csv"}


def golden_table(name="erp_default"):
    import pandas as pd

    net = erpsim.load_pretrained(name)
    lexicon = erpsim.load_lexicon()
    frames = []
    for model, envelope in (("alpha", "config"), ("control", None)):
        serp = erpsim.serp_by_type(erpsim.simulate_repetition(net, lexicon, backend="numpy",
                                                              envelope=envelope))
        frame = serp.mean("instance").sel(tick=slice(20, 38)).rename("mean").to_dataframe().reset_index()
        frame.insert(0, "model", model)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


if __name__ == "__main__":
    name = sys.argv[1] if len(sys.argv) > 1 else "erp_default"
    out = Path(__file__).with_name(GOLDEN_FILES[name])
    golden_table(name).to_csv(out, index=False, float_format="%.17g")
    print(f"wrote {out}")
