"""Plots of simulation results (matplotlib; safe with the non-interactive Agg backend).

Figures are built with :class:`matplotlib.figure.Figure` directly, not through
``pyplot``, so plotting never opens a window or touches pyplot's global state.
"""
import numpy as np

from erpsim.model.timebase import FIGURE_WINDOW, window_of

#: Line colour of each item type (the lexicon's four types; others cycle).
TYPE_COLOURS = {"word": "#1f77b4", "acronym": "#ff7f0e", "pseudoword": "#2ca02c",
                "illegal": "#d62728"}
#: Line style of each presentation of a repetition pair.
PRESENTATION_STYLES = {1: "-", 2: "--"}


def plot_serp_by_type(serp_by_type, ax=None, title=None, view=FIGURE_WINDOW):
    """Plot the sERP of each item type, first presentation solid, second dashed.

    The whole trial is drawn; the axes show the window of interest (``view``), scaled
    to the curves there rather than to the start-up transient before onset.

    Parameters
    ----------
    serp_by_type : xarray.DataArray
        Output of :func:`erpsim.serp_by_type`, dims ``(instance, item_type,
        presentation, tick)`` (``instance`` and ``presentation`` optional); values are
        mean semantic activations (0-1). Instances are averaged.
    ax : matplotlib.axes.Axes or None
        Axes to draw into; None makes a new figure (6.4 x 4.2 inches).
    title : str or None
        Axes title; default "sERP by item type" with the number of instances averaged.
    view : (int, int) or None
        Ticks after onset (read from ``tick.attrs["onset_tick"]``) shown on the x axis,
        inclusive; default :data:`erpsim.model.timebase.FIGURE_WINDOW` (ticks
        0-18 after onset). None shows the whole trial.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes (save it with ``fig.savefig(path)``).
    """
    da = serp_by_type
    if "item_type" not in da.dims or "tick" not in da.dims:
        raise ValueError(f"expected a DataArray with dims item_type and tick (from "
                         f"erpsim.serp_by_type), got dims {da.dims}")
    n_instances = da.sizes.get("instance", 1)
    if "instance" in da.dims:
        da = da.mean("instance")
    if "presentation" not in da.dims:
        da = da.expand_dims(presentation=[1])
    extra = set(da.dims) - {"item_type", "presentation", "tick"}
    if extra:
        raise ValueError(f"cannot plot dims {sorted(extra)}; select or average them first")
    if ax is None:
        from matplotlib.figure import Figure
        fig = Figure(figsize=(6.4, 4.2), layout="constrained")
        ax = fig.subplots()
    else:
        fig = ax.figure
    ticks = np.asarray(da["tick"].values)
    fallback = iter(["#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"] * 10)
    for item_type in da["item_type"].values:
        colour = TYPE_COLOURS.get(str(item_type)) or next(fallback)
        for p in da["presentation"].values:
            curve = da.sel(item_type=item_type, presentation=p).transpose("tick").values
            style = PRESENTATION_STYLES.get(int(p), ":")
            ax.plot(ticks, curve, color=colour, linestyle=style,
                    label=f"{item_type} ({_ordinal(int(p))})")
    onset = da["tick"].attrs.get("onset_tick")
    if onset is not None:
        ax.axvline(int(onset), color="0.6", linewidth=0.8, linestyle=":")
    if view is not None:
        _set_view(ax, da, view)
    ax.set_xlabel("tick")
    ax.set_ylabel("mean semantic activation (sERP)")
    if title is None:
        title = f"sERP by item type, {n_instances} instance{'s' if n_instances != 1 else ''}"
    ax.set_title(title)
    ax.legend(fontsize="small", ncols=2 if da.sizes["presentation"] > 1 else 1, frameon=False)
    return fig


def _set_view(ax, da, view):
    """Limit the x axis to the onset-relative ``view`` and the y axis to the curves there."""
    lo, hi = window_of(da, view, clip=True)
    shown = np.asarray(da.sel(tick=slice(lo, hi)).values, dtype=float)
    if shown.size == 0 or not np.isfinite(shown).any():
        return
    bottom, top = float(np.nanmin(shown)), float(np.nanmax(shown))
    pad = 0.05 * (top - bottom) if top > bottom else 0.05 * max(abs(top), 1e-3)
    ax.set_xlim(lo, hi)
    ax.set_ylim(bottom - pad, top + pad)


def _ordinal(n):
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(n, f"{n}th")
