"""Plot a model-vs-EEG comparison (one participant or a group).

Each item type gets one panel: the EEG (µV, left axis, negative up by default) in black,
first presentation thick and second thin (as in Laszlo & Armstrong 2014, Fig. 2); for
a group (:class:`erpsim.eeg.group.GroupComparison`) the mean over participants with its
Student-t 95% interval shaded. The model sERP is drawn in red on its **own** right
axis in activation units (oriented so that the hypothesis' sign makes it run with the
EEG), so it always stays inside the axes whatever the fit. The comparison window is
shaded and, for one participant, the grand-average FWHM windows of EEG and model are
marked along the bottom. An optional second row shows the relative power spectra used
by ``spectral_r``.
"""
from __future__ import annotations

import textwrap

import numpy as np

from erpsim.analysis import mean_ci

__all__ = ["plot_comparison"]

_STYLE = {"EEG": "k", "model": "C3"}
_WIDTH = {1: 2.5, 2: 1.0}


def _panel_types(curves, item_types):
    types = list(dict.fromkeys(str(t) for t in curves["item_type"].values))
    if item_types is not None:
        unknown = [t for t in item_types if t not in types]
        if unknown:
            raise ValueError(f"item type(s) {unknown} not in the comparison ({types})")
        types = list(item_types)
    if not types:
        raise ValueError("nothing to plot: the comparison has no conditions")
    return types


def _conditions_of(curves, item_type):
    return [(c, int(curves["presentation"].sel(condition=c).item()))
            for c in curves["condition"].values
            if str(curves["item_type"].sel(condition=c).item()) == item_type]


def _eeg_lines(ax, curves, item_type, times):
    """EEG per presentation; mean and 95% interval when there is a subject dim."""
    for cond, pres in _conditions_of(curves, item_type):
        eeg = curves["eeg"].sel(condition=cond).values
        if eeg.ndim == 2 and eeg.shape[0] > 1:      # (subject, time): mean and t interval
            _, low, high = mean_ci(eeg, dim=0)
            ax.fill_between(times, low, high,
                            color=_STYLE["EEG"], alpha=0.15 if pres == 1 else 0.08, lw=0,
                            label=f"_EEG {pres} 95% CI")
        if eeg.ndim == 2:
            eeg = eeg.mean(0)
        ax.plot(times, eeg, color=_STYLE["EEG"], lw=_WIDTH.get(pres, 1.5),
                label=f"EEG {pres}")


def _model_lines(ax, curves, item_type, times, flip):
    """The model activation on its own twin axis (returns the twin)."""
    tx = ax.twinx()
    inside = curves["in_window"].values
    values = []
    for cond, pres in _conditions_of(curves, item_type):
        m = curves["model"].sel(condition=cond).values
        m = m[0] if m.ndim == 2 else m
        values.append(m)
        tx.plot(times, m, color=_STYLE["model"], alpha=0.3, lw=_WIDTH.get(pres, 1.5),
                label=f"_model {pres} (outside window)")
        tx.plot(times[inside], m[inside], color=_STYLE["model"], lw=_WIDTH.get(pres, 1.5),
                label=f"model {pres}")
    finite = np.concatenate(values)[np.isfinite(np.concatenate(values))]
    lo, hi = float(finite.min()), float(finite.max())
    pad = 0.08 * (hi - lo) if hi > lo else 0.5 * max(abs(hi), 1e-6)
    tx.set_ylim(lo - pad, hi + pad)
    if flip:
        tx.invert_yaxis()
    tx.set_ylabel("Model sERP (activation, a.u.)", color=_STYLE["model"])
    tx.tick_params(axis="y", colors=_STYLE["model"])
    return tx


def _fwhm_bars(ax, windows):
    y0, y1 = ax.get_ylim()
    for k, (key, color) in enumerate((("eeg", "k"), ("model", _STYLE["model"]))):
        w = (windows or {}).get(key)
        if w is not None:
            yb = y0 + (0.03 + 0.03 * k) * (y1 - y0)
            ax.plot([w.start, w.end], [yb, yb], color=color, lw=3, solid_capstyle="butt")


def _spectrum_panel(ax, spectra, item_type):
    """Relative power spectra of one item type: the EEG's up to the panel's edge, the
    model's up to ``fmax`` (the frequencies ``spectral_r`` compares; above the model's
    Nyquist frequency its curve, resampled onto the EEG's times, has only interpolation
    artefacts)."""
    fmax = float(spectra.attrs.get("spectral_r_fmax_hz", spectra["freq"].values[-1]))
    freqs = spectra["freq"].values
    xmax = min(20.0, float(freqs[-1]))
    lowest = np.inf
    for cond, pres in _conditions_of(spectra, item_type):
        for source, var in (("EEG", "eeg"), ("model", "model")):
            p = spectra[var].sel(condition=cond).values
            p = p.mean(0) if p.ndim == 2 else p
            total = p[freqs > 0].sum()
            shown = (freqs > 0) & (freqs <= (fmax if var == "model" else xmax))
            if total > 0 and shown.any():
                rel = p[shown] / total
                ax.semilogy(freqs[shown], rel, color=_STYLE[source],
                            lw=_WIDTH.get(pres, 1.5), label=f"{source} {pres}")
                if np.any(rel > 0):
                    lowest = min(lowest, float(rel[rel > 0].min()))
    ax.axvline(fmax, color="0.6", ls=":", lw=1)
    ax.set_xlim(0, xmax)
    if np.isfinite(lowest):
        ax.set_ylim(bottom=lowest / 2)
    ax.set_xlabel("Frequency (Hz)")
    ax.set_ylabel("Relative power (fraction)")


def plot_comparison(comparison, *, item_types=None, spectra=False, invert_y=True,
                    title=None, show=False):
    """Model and EEG, first and second presentation, one panel per item type.

    Parameters
    ----------
    comparison : erpsim.eeg.compare.Comparison or erpsim.eeg.group.GroupComparison
    item_types : sequence of str, optional
        Panels to draw (default every item type in the comparison, in its order).
    spectra : bool
        Add a second row with the relative power spectra (mean-removed, tapered).
    invert_y : bool
        Negative up (default, as in ERP figures).
    title : str, optional
        Figure title (wrapped to the figure's width).
    show : bool
        Call ``plt.show()`` (default False; tests use the Agg backend).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    curves = comparison.curves
    types = _panel_types(curves, item_types)
    if not np.isfinite(curves["model"].values).any():
        raise ValueError("the model does not overlap the EEG epoch; nothing to plot")
    times = curves["time_ms"].values
    sign = int(curves.attrs.get("sign", -1))
    channel = curves.attrs.get("channel", "EEG")
    units = "µV" if curves["eeg"].attrs.get("units", "uV") == "uV" else "a.u."
    nrow = 2 if spectra else 1
    fig, axes = plt.subplots(nrow, len(types), figsize=(4.2 * len(types), 3.4 * nrow),
                             squeeze=False, layout="constrained")
    lo, hi = comparison.window
    for col, it in enumerate(types):
        ax = axes[0, col]
        ax.axvspan(lo, hi, color="0.92", zorder=0)
        _eeg_lines(ax, curves, it, times)
        if invert_y:
            ax.invert_yaxis()
        tx = _model_lines(ax, curves, it, times, flip=invert_y != (sign == -1))
        _fwhm_bars(ax, getattr(comparison, "windows", None))
        ax.axhline(0, color="0.5", lw=0.5)
        ax.set_title(it)
        ax.set_xlabel("Time (ms)")
        ax.set_ylabel(f"EEG {channel} ({units})")
        if col == 0:
            handles = [h for a in (ax, tx) for h in a.get_lines()
                       if h.get_label().startswith(("EEG", "model"))]
            ax.legend(handles=handles, loc="best", fontsize="small", framealpha=0.85)
        if spectra:
            _spectrum_panel(axes[1, col], comparison.spectra, it)
    if title:
        fig.suptitle(textwrap.fill(title, width=int(18 * len(types)) + 20),
                     fontsize="medium")
    if show:
        plt.show()
    return fig
