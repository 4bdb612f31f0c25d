"""Regenerate tests/data/golden_serp.csv from the shipped instances (run after a deliberate
change of the model, the shipped weights or the defaults, and say why in the commit).

    python tests/data/make_golden.py
"""
from pathlib import Path

import erpsim


def golden_table():
    net = erpsim.load_pretrained()
    lexicon = erpsim.load_lexicon()
    frames = []
    for model, envelope in (("alpha", None), ("control", False)):
        kwargs = {} if envelope is None else {"envelope": envelope}
        serp = erpsim.serp_by_type(erpsim.simulate_repetition(net, lexicon, backend="numpy", **kwargs))
        frame = serp.mean("instance").sel(tick=slice(20, 38)).rename("mean").to_dataframe().reset_index()
        frame.insert(0, "model", model)
        frames.append(frame)
    import pandas as pd
    return pd.concat(frames, ignore_index=True)


if __name__ == "__main__":
    out = Path(__file__).with_name("golden_serp.csv")
    golden_table().to_csv(out, index=False, float_format="%.17g")
    print(f"wrote {out}")
