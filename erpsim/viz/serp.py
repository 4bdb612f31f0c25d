"""Plots of simulation results (matplotlib; safe with the non-interactive Agg backend).

Figures are built with :class:`matplotlib.figure.Figure` directly, not through
``pyplot``, so plotting never opens a window or touches pyplot's global state.
"""
import numpy as np

#: Line colour of each item type (the lexicon's four types; others cycle).
TYPE_COLOURS = {"word": "#1f77b4", "acronym": "#ff7f0e", "pseudoword": "#2ca02c",
                "illegal": "#d62728"}
#: Line style of each presentation of a repetition pair.
PRESENTATION_STYLES = {1: "-", 2: "--"}


def plot_serp_by_type(serp_by_type, ax=None, title=None):
    """Plot the sERP of each item type, first presentation solid, second dashed.

    Parameters
    ----------
    serp_by_type : xarray.DataArray
        Output of :func:`erpsim.serp_by_type`, dims ``(instance, item_type,
        presentation, tick)`` (``instance`` and ``presentation`` optional); values are
        mean semantic activations (0-1). Instances are averaged.
    ax : matplotlib.axes.Axes or None
        Axes to draw into; None makes a new figure (6.4 x 4.2 inches).
    title : str or None
        Axes title.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes (save it with ``fig.savefig(path)``).
    """
    da = serp_by_type
    if "item_type" not in da.dims or "tick" not in da.dims:
        raise ValueError(f"expected a DataArray with dims item_type and tick (from "
                         f"erpsim.serp_by_type), got dims {da.dims}")
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
    ax.set_xlabel("tick")
    ax.set_ylabel("mean semantic activation (sERP)")
    if title:
        ax.set_title(title)
    ax.legend(fontsize="small", ncols=2 if da.sizes["presentation"] > 1 else 1, frameon=False)
    return fig


def _ordinal(n):
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(n, f"{n}th")
