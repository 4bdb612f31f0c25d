"""The whole Mitchell-style analysis: features, data, evaluation, permutation test, files.

Used by ``erpsim encode`` and ``analyses/mitchell.py``.
"""
import json
from pathlib import Path

import numpy as np

from erpsim.encoding.data import load_participant
from erpsim.encoding.evaluation import leave_two_out, permutation_test
from erpsim.encoding.features import NOUN_CATEGORIES, NOUNS, VERBS, check_nouns, make_features
from erpsim.encoding.synthetic import make_synthetic
from erpsim.encoding.vectors import GLOVE_NAME, load_word_vectors
from erpsim.utils.atomic import atomic_write as _atomic_write
from erpsim.utils.atomic import atomic_write_bytes

#: Voxels per participant in the released data (about; participant 1 has 21,764).
PARTICIPANT_VOXELS = 21764
#: Default synthetic settings (``docs/encoding.md`` gives the accuracy they yield).
SYNTHETIC_DEFAULTS = {"n_voxels": PARTICIPANT_VOXELS, "n_informative": 2000, "noise": 6.5}


def _write_text(path, text):
    atomic_write_bytes(path, text.encode("utf-8"))


def analyse(participant, features, name, out_dir, *, n_select=500, alpha=0.0,
            n_permutations=1000, rng=None, progress=False):
    """Evaluate one participant, write its files, return its summary.

    Parameters
    ----------
    participant : ParticipantData
    features : ndarray, shape (n_nouns, n_features)
        In the participant's noun order.
    name : str
        Used in the file names.
    out_dir : path-like
    n_select, alpha, n_permutations, rng, progress
        As in :func:`erpsim.encoding.permutation_test` (``n_permutations=0``: no
        permutation test).

    Returns
    -------
    dict
        ``accuracy``, ``p_value``, ``null_mean``, ``null_sd``, ``n_folds``,
        ``n_voxels`` and the names of the files written (``folds``, ``null``,
        ``figure``).

    Notes
    -----
    Files written: ``<name>_folds.csv`` (noun pair, margin, correct), ``<name>_null.csv`` (the null
    accuracies), ``<name>.png`` (accuracy vs the null; accuracy by category pair).
    """
    import pandas as pd

    from erpsim.viz.encoding import plot_summary

    out_dir = Path(out_dir)
    if n_permutations > 0:
        result = permutation_test(features, participant, n_permutations=n_permutations,
                                  n_select=n_select, alpha=alpha, rng=rng,
                                  progress=progress)
        observed = result.observed
    else:
        result = observed = leave_two_out(features, participant, n_select=n_select,
                                          alpha=alpha)
    words = participant.words
    folds = pd.DataFrame({"noun_1": [words[i] for i in observed.pairs[:, 0]],
                          "noun_2": [words[j] for j in observed.pairs[:, 1]],
                          "margin": observed.margin, "correct": observed.correct})
    files = {"folds": f"{name}_folds.csv", "figure": f"{name}.png"}
    _atomic_write(out_dir / files["folds"], lambda tmp: folds.to_csv(tmp, index=False))
    summary = {"name": name, "subject": participant.subject, "source": participant.source,
               "accuracy": observed.accuracy, "n_folds": observed.n_folds,
               "n_voxels": participant.n_voxels, "n_select": n_select, "alpha": alpha}
    if n_permutations > 0:
        files["null"] = f"{name}_null.csv"
        null = pd.DataFrame({"permutation": np.arange(result.null.size),
                             "accuracy": result.null})
        _atomic_write(out_dir / files["null"], lambda tmp: null.to_csv(tmp, index=False))
        summary.update(p_value=result.p_value, n_permutations=int(result.null.size),
                       null_mean=float(result.null.mean()),
                       null_sd=float(result.null.std(ddof=1)) if result.null.size > 1
                       else 0.0,
                       null_q95=float(np.quantile(result.null, 0.95)))
    fig = plot_summary(result, participant.categories,
                       title=f"{name}: leave-two-out accuracy {observed.accuracy:.3f}")
    _atomic_write(out_dir / files["figure"], lambda tmp: fig.savefig(tmp, dpi=120,
                                                                     format="png"))
    summary["files"] = files
    return summary


def run_mitchell(out_dir, *, data_files=(), synthetic=True, feature_set="verbs",
                 vectors=None, noise=SYNTHETIC_DEFAULTS["noise"],
                 n_voxels=SYNTHETIC_DEFAULTS["n_voxels"],
                 n_informative=None, n_select=500,
                 alpha=0.0, n_permutations=1000, drop_nonfinite=False, rng=0,
                 progress=False):
    """Run the analysis on synthetic data from the real features and on real files.

    Parameters
    ----------
    out_dir : path-like
        Receives ``summary.json`` and each dataset's files (see :func:`analyse`).
    data_files : sequence of path-like
        Released participant files (``data-science-P*.mat``).
    synthetic : bool
        Also analyse a synthetic participant built from the features of the 60 nouns.
    feature_set : {"verbs", "vectors"}
    vectors : path-like, optional
        A GloVe / word2vec text file to use instead of GloVe 6B 50-d.
    noise, n_voxels, n_informative
        Synthetic-data settings (:func:`erpsim.encoding.make_synthetic`);
        ``n_informative=None`` keeps the default fraction (2000 of 21,764 voxels).
    n_select, alpha, n_permutations
        Evaluation settings.
    drop_nonfinite : bool
        Drop voxels with NaN values from the real files instead of failing.
    rng : int or numpy.random.Generator
    progress : bool

    Returns
    -------
    dict
        The contents of ``summary.json``.
    """

    rng = np.random.default_rng(rng)
    out_dir = Path(out_dir)
    if n_informative is None:
        n_informative = int(round(n_voxels * SYNTHETIC_DEFAULTS["n_informative"]
                                  / SYNTHETIC_DEFAULTS["n_voxels"]))
    if not synthetic and not data_files:
        raise ValueError("nothing to analyse: give data files or allow synthetic data")
    participants = []
    for path in data_files:
        part = load_participant(path, drop_nonfinite=drop_nonfinite)
        check_nouns(part.words, Path(path).name)
        participants.append((Path(path).stem, part, "real"))
    word_vectors = None
    if vectors is not None:
        wanted = set(NOUNS) | set(VERBS)
        for _, part, _ in participants:
            wanted.update(part.words)
        word_vectors = load_word_vectors(vectors, words=wanted)
    if synthetic:
        feats = make_features(feature_set, NOUNS, word_vectors)
        participants.insert(0, ("synthetic", make_synthetic(
            feats, words=NOUNS, categories=NOUN_CATEGORIES, n_voxels=n_voxels,
            n_informative=n_informative, noise=noise, rng=rng), "synthetic"))
    results = []
    names = [name for name, _, _ in participants]
    if len(set(names)) != len(names):
        raise ValueError(f"data files must have different names, got {names}")
    for name, part, kind in participants:
        feats = make_features(feature_set, part.words, word_vectors)
        summary = analyse(part, feats, name, out_dir, n_select=n_select, alpha=alpha,
                          n_permutations=n_permutations, rng=rng, progress=progress)
        summary["data"] = kind
        results.append(summary)
    summary = {"features": feature_set,
               "vectors": str(vectors) if vectors is not None else GLOVE_NAME,
               "synthetic": {"noise": noise, "n_voxels": n_voxels,
                             "n_informative": n_informative} if synthetic else None,
               "datasets": results}
    real = [r["accuracy"] for r in results if r["data"] == "real"]
    if real:
        summary["mean_accuracy_real"] = float(np.mean(real))
    _write_text(out_dir / "summary.json", json.dumps(summary, indent=2) + "\n")
    return summary
