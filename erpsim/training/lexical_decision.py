"""Lexical decision from semantic stress (docs/model.md §4, "Lexical decision")."""
import numpy as np
import pandas as pd
from scipy.stats import norm

from erpsim.model.lexicon import TRAINED_TYPES


def semantic_stress(activation):
    """Semantic stress: mean over units of 1 - H(y) in bits, 1 for binary outputs, 0 at 0.5.

    Parameters
    ----------
    activation : ndarray (..., n_units)

    Returns
    -------
    ndarray (...)
    """
    y = np.clip(activation, 1e-12, 1 - 1e-12)
    return (1.0 + y * np.log2(y) + (1 - y) * np.log2(1 - y)).mean(axis=-1)


def semantic_familiarity(activation, patterns):
    """Largest cosine similarity between each semantic output and any trained pattern.

    Parameters
    ----------
    activation : ndarray (..., n_sem)
    patterns : ndarray (n_patterns, n_sem)

    Returns
    -------
    ndarray (...)
    """
    norm = np.linalg.norm(activation, axis=-1, keepdims=True) * np.linalg.norm(patterns, axis=-1)
    return (activation @ patterns.T / np.maximum(norm, 1e-300)).max(axis=-1)


def lexical_decision(ds, patterns=None, tick=None, measure="familiarity"):
    """Separate trained (words, acronyms) from untrained items by a semantic measure.

    Parameters
    ----------
    ds : xarray.Dataset
        A simulation with ``record_units=True`` of a Lexicon (first presentation used).
    patterns : ndarray (n_trained, n_sem) or None
        The trained semantic patterns (:func:`erpsim.training.semantics_of`); needed for
        ``measure="familiarity"``.
    tick : int or None
        Tick label at which the measure is read (default: the last tick).
    measure : {"familiarity", "stress"}
        ``"familiarity"`` (default): the largest cosine similarity between the semantic
        output and any trained meaning — does the string evoke a known meaning?
        ``"stress"``: semantic stress (:func:`semantic_stress`), how binary the output is.

    Returns
    -------
    pandas.DataFrame
        Per instance: mean measure for trained and untrained items, d′ (difference of
        the means over the pooled standard deviation), d′ from hit and false-alarm rates,
        and the accuracy (mean of hit and correct-rejection rates) of the threshold
        midway between the two means.
    """
    if measure not in ("familiarity", "stress"):
        raise ValueError(f"unknown lexical decision measure {measure!r}; choose 'familiarity' or 'stress'")
    if measure == "familiarity" and patterns is None:
        raise ValueError("measure='familiarity' needs the trained semantic patterns (patterns=)")
    if "activation" not in ds:
        raise ValueError("lexical decision needs unit activations: simulate with record_units=True")
    act = ds["activation"].sel(presentation=1)
    act = act.isel(tick=-1) if tick is None else act.sel(tick=tick)
    sem = act.where(act["unit_group"] == "S", drop=True)
    sem = sem.transpose("instance", "item", "unit").values
    stress = semantic_stress(sem) if measure == "stress" else semantic_familiarity(sem, patterns)
    trained = np.isin(ds["item_type"].values, TRAINED_TYPES)
    if trained.all() or not trained.any():
        raise ValueError("lexical decision needs both trained and untrained items")
    rows = []
    for i, inst in enumerate(ds["instance"].values):
        yes, no = stress[i, trained], stress[i, ~trained]
        pooled = np.sqrt(0.5 * (yes.var(ddof=1) + no.var(ddof=1)))
        threshold = 0.5 * (yes.mean() + no.mean())
        accuracy = 0.5 * ((yes > threshold).mean() + (no <= threshold).mean())
        hit = np.clip((yes > threshold).mean(), 0.5 / len(yes), 1 - 0.5 / len(yes))
        fa = np.clip((no > threshold).mean(), 0.5 / len(no), 1 - 0.5 / len(no))
        rows.append({"instance": int(inst), "measure": measure, "trained": yes.mean(),
                     "untrained": no.mean(),
                     "d_prime": (yes.mean() - no.mean()) / pooled if pooled > 0 else np.inf,
                     "d_prime_rates": norm.ppf(hit) - norm.ppf(fa),
                     "threshold": threshold, "accuracy": accuracy})
    return pd.DataFrame(rows)
