"""Synthetic fMRI data with the structure of the released files and a planted signal.

Each informative voxel ``v`` has a signature ``c_v`` (normal, random); its signal for
noun ``k`` is ``f_k . c_v``, centred over nouns and scaled to unit standard deviation
across nouns. Every presentation of every noun is ``baseline_v + signal + noise * e``
with independent standard-normal ``e``; the other voxels are baseline plus noise.
The noise level therefore sets the signal-to-noise ratio of the averaged images
(``sqrt(n_pres) / noise`` per informative voxel) and with it the expected
leave-two-out accuracy: ``noise = 0`` gives (nearly) perfect accuracy, large noise
or ``n_informative = 0`` gives chance (0.5). ``docs/encoding.md`` tabulates the
accuracy against the noise level for the real GloVe features.
"""
import numpy as np

from erpsim.encoding.data import ParticipantData


def make_synthetic(features, *, words=None, categories=None, n_voxels=2000,
                   n_informative=None, noise=1.0, n_presentations=6, baseline=1.0,
                   rng=None):
    """Draw a synthetic participant whose images are linear in ``features``.

    Parameters
    ----------
    features : array_like, shape (n_nouns, n_features)
        The features that generate the signal (e.g. :func:`verb_features`).
    words : sequence of str, length n_nouns, optional
        Noun names (default ``"w0", "w1", ...``).
    categories : sequence of str, length n_nouns, optional
        Category names (default all ``"none"``).
    n_voxels : int
        Total voxels.
    n_informative : int, optional
        Voxels carrying signal (the first ones; default ``n_voxels // 4``). 0 gives
        pure noise.
    noise : float
        Standard deviation of the per-presentation noise, in units of the
        across-noun standard deviation of an informative voxel's signal.
    n_presentations : int
        Presentations (epochs) per noun; 6 in the real data.
    baseline : float
        Standard deviation of the per-voxel constant offsets (removed by the
        preprocessing; they check that it is).
    rng : int or numpy.random.Generator, optional

    Returns
    -------
    ParticipantData
        ``presentations`` of shape (n_presentations, n_nouns, n_voxels);
        ``extra`` holds ``signatures`` (n_informative, n_features), ``signal``
        (n_nouns, n_informative), ``noise``, ``n_informative``.

    Raises
    ------
    ValueError
        On bad sizes, negative noise or non-finite features.
    """
    rng = np.random.default_rng(rng)
    F = np.asarray(features, dtype=np.float64)
    if F.ndim != 2:
        raise ValueError(f"features must be 2-D (n_nouns, n_features), got {F.shape}")
    if not np.all(np.isfinite(F)):
        raise ValueError("features have non-finite values")
    n_nouns, n_feat = F.shape
    n_voxels = int(n_voxels)
    if n_voxels < 1:
        raise ValueError(f"n_voxels must be >= 1, got {n_voxels}")
    n_informative = n_voxels // 4 if n_informative is None else int(n_informative)
    if not 0 <= n_informative <= n_voxels:
        raise ValueError(f"n_informative must be in [0, n_voxels], got {n_informative}")
    if n_presentations < 1:
        raise ValueError(f"n_presentations must be >= 1, got {n_presentations}")
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be finite and >= 0, got {noise}")
    words = tuple(f"w{k}" for k in range(n_nouns)) if words is None else tuple(words)
    categories = ("none",) * n_nouns if categories is None else tuple(categories)
    if len(words) != n_nouns or len(categories) != n_nouns:
        raise ValueError(f"need {n_nouns} words and categories (one per feature row)")

    signatures = rng.standard_normal((n_informative, n_feat))
    signal = F @ signatures.T                                   # (n_nouns, n_informative)
    signal -= signal.mean(axis=0)
    sd = signal.std(axis=0)
    signal = np.divide(signal, sd, out=np.zeros_like(signal), where=sd > 0)
    offsets = baseline * rng.standard_normal(n_voxels)
    X = noise * rng.standard_normal((n_presentations, n_nouns, n_voxels))
    X += offsets
    X[:, :, :n_informative] += signal[None]
    return ParticipantData(
        presentations=X, words=words, categories=categories, subject="synthetic",
        source="synthetic",
        extra={"signatures": signatures, "signal": signal, "noise": float(noise),
               "n_informative": n_informative})
