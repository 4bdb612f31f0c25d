"""Plot a model-vs-EEG :class:`erpsim.eeg.compare.Comparison` in the MNE style.

Each item type gets one panel drawn by :func:`mne.viz.plot_compare_evokeds`: EEG in
black, the affinely scaled model in red (solid inside the comparison window, where it
was fitted, faint outside), first presentation thick and second thin (as
in Laszlo & Armstrong 2014, Fig. 2), negative up (the ERP convention), the comparison
window shaded and the grand-average FWHM windows of EEG and model marked along the
bottom. An optional second row shows the window spectra.
"""
from __future__ import annotations

import numpy as np

__all__ = ["plot_comparison"]

_STYLE = {"EEG": "k", "model": "C3"}
_WIDTH = {1: 2.5, 2: 1.0}


def _evoked(values_uv, times_ms, channel, units):
    """A one-channel EvokedArray (V for µV data, misc otherwise)."""
    import mne
    sfreq = 1000.0 / float(np.median(np.diff(times_ms)))
    if units == "uV":
        info = mne.create_info([channel], sfreq, "eeg")
        data = np.asarray(values_uv, dtype=float)[None, :] * 1e-6
    else:
        info = mne.create_info([channel], sfreq, "misc")
        data = np.asarray(values_uv, dtype=float)[None, :]
    return mne.EvokedArray(data, info, tmin=times_ms[0] / 1000.0, verbose="error")


def plot_comparison(comparison, *, item_types=None, spectra=False, invert_y=True,
                    title=None, show=False):
    """Model and EEG, first and second presentation, one panel per item type.

    Parameters
    ----------
    comparison : erpsim.eeg.compare.Comparison
    item_types : sequence of str, optional
        Panels to draw (default every item type in the comparison, in its order).
    spectra : bool
        Add a second row with the window spectra (EEG and scaled model, log power).
    invert_y : bool
        Negative up (default, as in ERP figures).
    title : str, optional
        Figure title.
    show : bool
        Call ``plt.show()`` (default False; tests use the Agg backend).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    import mne

    curves = comparison.curves
    channel = curves.attrs.get("channel", "EEG")
    units = curves["eeg"].attrs.get("units", "uV")
    types = list(dict.fromkeys(str(t) for t in curves["item_type"].values))
    if item_types is not None:
        unknown = [t for t in item_types if t not in types]
        if unknown:
            raise ValueError(f"item type(s) {unknown} not in the comparison ({types})")
        types = list(item_types)
    if not types:
        raise ValueError("nothing to plot: the comparison has no conditions")
    times = curves["time_ms"].values
    if not np.isfinite(curves["model_scaled"].values).any():
        raise ValueError("the model does not overlap the EEG epoch; nothing to plot")
    nrow = 2 if spectra else 1
    fig, axes = plt.subplots(nrow, len(types), figsize=(3.6 * len(types), 3.2 * nrow),
                             squeeze=False, layout="constrained")
    lo, hi = comparison.window
    for col, it in enumerate(types):
        ax = axes[0, col]
        evokeds, colors, styles, model_lines = {}, {}, {}, []
        sel = [c for c in curves["condition"].values
               if str(curves["item_type"].sel(condition=c).item()) == it]
        for cond in sel:
            pres = int(curves["presentation"].sel(condition=cond).item())
            label = f"EEG {pres}"
            evokeds[label] = _evoked(curves["eeg"].sel(condition=cond).values, times,
                                     channel, units)
            colors[label] = _STYLE["EEG"]
            styles[label] = {"linewidth": _WIDTH.get(pres, 1.5)}
            model_lines.append((f"model {pres}", pres,
                                curves["model_scaled"].sel(condition=cond).values))
        # EEG through MNE (it rejects NaN, so the model, NaN outside its span, is overlaid)
        mne.viz.plot_compare_evokeds(
            evokeds, picks=[channel], colors=colors, styles=styles, axes=ax,
            title=it, show=False, show_sensors=False, invert_y=invert_y, legend=False,
            truncate_xaxis=False, truncate_yaxis=False, ci=None)
        inside = curves["in_window"].values
        for label, pres, values in model_lines:
            # the fit holds in the comparison window; outside it the line is faint
            ax.plot(times / 1000.0, values, color=_STYLE["model"], alpha=0.3,
                    lw=_WIDTH.get(pres, 1.5), label=f"_{label} (outside window)", zorder=3)
            ax.plot(times[inside] / 1000.0, values[inside], color=_STYLE["model"],
                    lw=_WIDTH.get(pres, 1.5), label=label, zorder=3)
        ax.relim()
        ax.autoscale_view(scalex=False)
        ax.axvspan(lo / 1000.0, hi / 1000.0, color="0.9", zorder=0)
        y0, y1 = ax.get_ylim()
        for k, (key, color) in enumerate((("eeg", "k"), ("model", _STYLE["model"]))):
            w = comparison.windows.get(key)
            if w is not None:
                yb = y0 + (0.03 + 0.03 * k) * (y1 - y0)
                ax.plot([w.start / 1000.0, w.end / 1000.0], [yb, yb], color=color, lw=3,
                        solid_capstyle="butt")
        if col == 0:
            handles = [h for h in ax.get_lines()
                       if h.get_label().startswith(("EEG", "model"))]
            ax.legend(handles=handles, loc="upper left", fontsize="small", frameon=False)
    if spectra:
        sp = comparison.spectra
        fmax = float(sp.attrs.get("spectral_r_fmax_hz", sp["freq"].values[-1]))
        for col, it in enumerate(types):
            ax = axes[1, col]
            for cond in sp["condition"].values:
                if str(sp["item_type"].sel(condition=cond).item()) != it:
                    continue
                pres = int(sp["presentation"].sel(condition=cond).item())
                for source, var in (("EEG", "eeg"), ("model", "model_scaled")):
                    ax.semilogy(sp["freq"].values, sp[var].sel(condition=cond).values,
                                color=_STYLE[source], lw=_WIDTH.get(pres, 1.5),
                                label=f"{source} {pres}")
            ax.axvline(fmax, color="0.6", ls=":", lw=1)
            ax.set_xlim(0, min(20.0, float(sp["freq"].values[-1])))
            ax.set_xlabel("Frequency (Hz)")
            if col == 0:
                ax.set_ylabel(f"Power ({sp['eeg'].attrs.get('units', '')})")
    if title:
        fig.suptitle(title)
    if show:
        plt.show()
    return fig
