"""Similarity measures of a model curve and an EEG curve, and their chance levels.

Fit under the hypothesis' sign
------------------------------
The regressor is ``x = sign * activation`` (``sign=-1``: more semantic activation =
more negative voltage). :func:`signed_fit` fits ``y ~ offset + gain * x`` by least
squares with ``gain >= 0`` by default: a fit that wants ``gain < 0`` (the model
upside down) gets ``gain = 0``, ``offset = mean(y)`` (so ``rmse`` is the EEG's own
spread) and ``wrong_sign = True``, while ``r`` stays the Pearson correlation of ``x``
and ``y`` (negative). ``free_sign=True`` returns the unconstrained fit.

Chance levels
-------------
:func:`phase_randomized` makes surrogate model curves with the model's amplitude
spectrum (so its smoothness and size) and random Fourier phases; every measure is
recomputed on them with the same fit, giving a null distribution per measure. The
table reports its mean (``*_null``) and a one-sided permutation p value
``(1 + #{null at least as good}) / (1 + n_null)``.

Spectral similarity
-------------------
:func:`spectral_similarity` correlates log power spectra of the mean-removed,
Hann-tapered curves over a whole span (the overlap of the EEG epoch and the model,
about 1 s: 1 Hz resolution), over ``0 < f <= fmax`` (default the model's Nyquist
frequency, 10.3 Hz at 48.5 ms per tick: about ten frequencies). A flat curve has no
power after mean removal and scores NaN.
"""
from __future__ import annotations

import numpy as np

from erpsim.analysis.spectra import power_spectrum

__all__ = ["affine_fit", "signed_fit", "pearson_rows", "phase_randomized", "spectral_similarity",
           "log_spectra", "null_summary"]


def affine_fit(x, y):
    """Least-squares ``y ~ offset + gain * x`` (unconstrained).

    Parameters
    ----------
    x, y : array_like, shape (n,)
        Regressor and data; non-finite pairs are dropped.

    Returns
    -------
    dict
        ``offset``, ``gain``, ``r`` (Pearson correlation of x and y; NaN if either is
        constant), ``rmse`` (root-mean-square residual, in y's units), ``n``.
    """
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if x.size < 3:
        raise ValueError(f"an affine fit needs at least 3 samples, got {x.size}")
    dx, dy = x - x.mean(), y - y.mean()
    sxx, syy = float(dx @ dx), float(dy @ dy)
    if sxx <= 1e-30 * max(1.0, float(x @ x)):
        gain, r = 0.0, np.nan
    else:
        gain = float(dx @ dy) / sxx
        r = float(dx @ dy) / np.sqrt(sxx * syy) if syy > 0 else np.nan
    offset = float(y.mean() - gain * x.mean())
    rmse = float(np.sqrt(np.mean((y - offset - gain * x) ** 2)))
    return {"offset": offset, "gain": gain, "r": r, "rmse": rmse, "n": int(x.size)}


def signed_fit(x, y, *, free_sign=False):
    """Least-squares ``y ~ offset + gain * x`` with ``gain >= 0`` unless ``free_sign``.

    Parameters
    ----------
    x, y : array_like, shape (n,)
        Regressor (``sign * activation``) and EEG (µV); non-finite pairs are dropped.
    free_sign : bool
        Return the unconstrained fit (default False: the hypothesis' sign).

    Returns
    -------
    dict
        ``offset`` (µV), ``gain`` (µV per activation unit), ``r``, ``rmse`` (µV),
        ``n``, ``wrong_sign`` (True when the unconstrained gain is negative).
    """
    fit = affine_fit(x, y)
    fit["wrong_sign"] = bool(fit["gain"] < 0)
    if fit["wrong_sign"] and not free_sign:
        x = np.asarray(x, dtype=float).ravel()
        y = np.asarray(y, dtype=float).ravel()
        ok = np.isfinite(x) & np.isfinite(y)
        fit.update(gain=0.0, offset=float(y[ok].mean()), rmse=float(y[ok].std()))
    return fit


def pearson_rows(x, y):
    """Pearson r of each row of ``x`` with ``y``.

    Parameters
    ----------
    x : ndarray, shape (m, n)
    y : ndarray, shape (n,)

    Returns
    -------
    ndarray, shape (m,)
        NaN for a constant row.
    """
    dx = x - x.mean(axis=-1, keepdims=True)
    dy = y - y.mean()
    den = np.sqrt((dx * dx).sum(-1) * float(dy @ dy))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (dx @ dy) / den, np.nan)


def phase_randomized(curve, n, rng):
    """Surrogates of a curve with its amplitude spectrum and random phases.

    Parameters
    ----------
    curve : array_like, shape (n_samples,)
        A model curve on its own (tick) grid.
    n : int
        Number of surrogates.
    rng : int or numpy.random.Generator
        Seed or generator.

    Returns
    -------
    ndarray, shape (n, n_samples)
        Same mean and amplitude spectrum as ``curve``; the DC (and, for an even length,
        the Nyquist) component keeps its phase.
    """
    rng = np.random.default_rng(rng)
    curve = np.asarray(curve, dtype=float)
    spec = np.fft.rfft(curve)
    phases = np.exp(2j * np.pi * rng.random((n, spec.size)))
    phases[:, 0] = 1.0
    if curve.size % 2 == 0:
        phases[:, -1] = 1.0
    return np.fft.irfft(spec * phases, n=curve.size)


def log_spectra(curves, sfreq, fmax):
    """log10 power of mean-removed, Hann-tapered curves over ``0 < f <= fmax``.

    Parameters
    ----------
    curves : array_like, shape (..., n_samples)
    sfreq : float
        Sampling rate in Hz.
    fmax : float
        Highest frequency kept, Hz.

    Returns
    -------
    freqs : ndarray, shape (n_freqs,)
    logp : ndarray, shape (..., n_freqs)
        NaN where the power is 0.
    """
    freqs, power = power_spectrum(np.asarray(curves, dtype=float), sfreq,
                                  detrend="constant", taper="hann")
    band = (freqs > 0) & (freqs <= fmax)
    with np.errstate(divide="ignore"):
        logp = np.where(power[..., band] > 0, np.log10(power[..., band]), np.nan)
    return freqs[band], logp


def spectral_similarity(model, eeg, sfreq, fmax):
    """Correlation of log power spectra (see the module docstring).

    Parameters
    ----------
    model : array_like, shape (..., n_samples)
        Model curve(s) on the EEG time base (no NaN).
    eeg : array_like, shape (n_samples,)
    sfreq, fmax : float
        Sampling rate and highest frequency, Hz.

    Returns
    -------
    float or ndarray, shape (...)
        NaN when fewer than 3 frequencies are resolved or a spectrum has zero power.
    """
    _, lm = log_spectra(model, sfreq, fmax)
    _, le = log_spectra(eeg, sfreq, fmax)
    if le.shape[-1] < 3 or not np.all(np.isfinite(le)):
        return np.full(np.shape(model)[:-1], np.nan)[()]
    out = pearson_rows(np.atleast_2d(lm), le)
    out = np.where(np.all(np.isfinite(np.atleast_2d(lm)), axis=-1), out, np.nan)
    return out.reshape(np.shape(model)[:-1])[()]


def null_summary(observed, null, better):
    """Mean of a null distribution and the one-sided permutation p value.

    Parameters
    ----------
    observed : float
    null : array_like, shape (n_null,)
        NaN entries are ignored.
    better : {"higher", "lower"}
        Which direction is a better match.

    Returns
    -------
    (float, float)
        ``(null_mean, p)``; ``(nan, nan)`` if the observation or every null value is
        NaN.
    """
    null = np.asarray(null, dtype=float)
    null = null[np.isfinite(null)]
    if not np.isfinite(observed) or null.size == 0:
        return np.nan, np.nan
    hits = null >= observed if better == "higher" else null <= observed
    return float(null.mean()), float((1 + hits.sum()) / (1 + null.size))
