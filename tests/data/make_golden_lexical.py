"""Regenerate tests/data/golden_lexical.json: the neighbourhood-size effect on the sN400
of the shipped instances (run after a deliberate change of the model, the shipped
weights or the defaults, and say why in the commit).

    python tests/data/make_golden_lexical.py

The shipped lexicon, one presentation, the default alpha model (the configured
envelope), simulated by the NumPy reference backend; the effect of
:func:`erpsim.analysis.lexical.neighbourhood_effect` for the window mean (ticks 26-31)
and the peak (ticks 20-38), in activation per neighbour.
"""
import json
from pathlib import Path

import erpsim
from erpsim.analysis.lexical import MEASURES, neighbourhood_effect


def golden():
    ds = erpsim.simulate(erpsim.load_pretrained(), erpsim.load_lexicon(), presentations=1,
                         backend="numpy")
    out = {}
    for measure in MEASURES:
        effect = neighbourhood_effect(ds, measure=measure)
        out[measure] = {**effect.summary(),
                        "coefficients": [float(c) for c in effect.coefficients]}
    return out


if __name__ == "__main__":
    path = Path(__file__).with_name("golden_lexical.json")
    path.write_text(json.dumps(golden(), indent=2) + "\n")
    print(f"wrote {path}")
