"""Drawing Fig. 2 (4 x 4: human ERP, model sERP, human spectra, model spectra).

Colours: first presentation blue (thick), second red (thin); the sERP's 95% bands
are shaded in the colour of their presentation and the FWHM windows are gold boxes,
so bands and windows cannot be confused. Spectra are drawn on a logarithmic power
axis: the 0 Hz bin (the curves' mean) is orders of magnitude above the others and
squashes them to a flat line on a linear axis.
"""
import matplotlib

from erpsim.analysis import mean_ci
from erpsim.model.lexicon import ITEM_TYPES
from erpsim.model.timebase import FIGURE_WINDOW, window_of
from erpsim.utils.atomic import atomic_write
from erpsim.utils.check import _check_option

TITLES = {"word": "Words", "acronym": "Acronyms", "pseudoword": "Pseudowords",
          "illegal": "Illegal Strings"}
THICK, THIN = 2.4, 0.9
#: Line (and band) colour and width of each presentation.
PRESENTATIONS = {1: ("#1f4e9c", THICK), 2: ("#c0392b", THIN)}
#: Colour of the FWHM window boxes.
WINDOW_COLOUR = "#e8c547"
MODEL_LABELS = {"alpha": "alpha model", "control": "control (ERP model, no envelope)"}


def _box(ax, window):
    ax.axvspan(window.start, window.end, color=WINDOW_COLOUR, alpha=0.35, zorder=0, lw=0)


def _human_row(axes, data):
    """Row 1: human ERPs at MiPa (negative up) with the human FWHM box."""
    for ax, item_type in zip(axes, ITEM_TYPES):
        _box(ax, data.windows["human"])
        for p, (colour, lw) in PRESENTATIONS.items():
            curve = data.human.sel(item_type=item_type, presentation=p)
            ax.plot(curve["time_ms"], curve, color=colour, lw=lw)
        ax.axhline(0, color="0.5", lw=0.5)
        ax.set_title(TITLES[item_type])
        ax.set_xticks(range(0, 901, 100))
        ax.tick_params(axis="x", labelsize=7)
        ax.set_xlabel("ms")
    axes[0].set_xlim(-100, 900)
    axes[0].invert_yaxis()                    # negative up
    axes[0].set_ylabel("MiPa (µV, negative up)")
    y0 = -2.0
    axes[0].plot([820, 820], [y0, y0 - 5.0], color="k", lw=2)
    axes[0].text(835, y0 - 2.5, "5 µV", va="center", fontsize=8)


def _serp_row(axes, serp, window):
    """Row 2: model sERP, mean over instances with 95% bands, on the figure window."""
    mean, low, high = mean_ci(serp, dim="instance")
    lo, hi = window_of(serp, FIGURE_WINDOW, clip=True)
    ticks = mean["tick"].sel(tick=slice(lo, hi))
    for ax, item_type in zip(axes, ITEM_TYPES):
        _box(ax, window)
        for p, (colour, lw) in PRESENTATIONS.items():
            sel = dict(item_type=item_type, presentation=p, tick=ticks)
            ax.fill_between(ticks, low.sel(**sel), high.sel(**sel), color=colour, alpha=0.2, lw=0)
            ax.plot(ticks, mean.sel(**sel), color=colour, lw=lw)
        ax.set_xlabel("tick")
    axes[0].set_xlim(lo, hi)
    axes[0].set_ylim(0, max(0.25, float(high.sel(tick=slice(lo, hi)).max()) * 1.05))
    axes[0].set_ylabel("model sERP\n(mean semantic activation)")


def _spectrum_row(axes, spectrum, xlabel, ylabel, xlim, marker=None):
    """Rows 3-4: power per presentation on a logarithmic axis."""
    for ax, item_type in zip(axes, ITEM_TYPES):
        for p, (colour, lw) in PRESENTATIONS.items():
            spec = spectrum.sel(item_type=item_type, presentation=p)
            ax.plot(spec["freq"], spec, color=colour, lw=lw, marker=marker, ms=2.5)
        ax.set_yscale("log")
        ax.set_xlabel(xlabel)
    axes[0].set_xlim(*xlim)
    axes[0].set_ylabel(ylabel)


def plot_fig2(data, model="alpha", title=None):
    """Draw the 4 x 4 figure for ``model`` ("alpha" or "control").

    Rows: human ERP at MiPa (negative up, 5 µV scale bar, FWHM box), model sERP (mean
    across instances with a 95% confidence band, FWHM box; ticks 0-18 after onset),
    human spectra (0-20 Hz), model spectra (Nyquist-normalised, 0-0.6), both on a
    logarithmic power axis. Blue thick: first presentation; red thin: second.

    Parameters
    ----------
    data : erpsim.paper.fig2.Fig2Data
    model : {"alpha", "control"}
    title : str or None
        Replaces the default title (which names the model and the instance count).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    _check_option("model", model, tuple(data.serp))
    fig, axes = plt.subplots(4, 4, figsize=(13, 10), sharex="row", sharey="row")
    serp = data.serp[model]
    _human_row(axes[0], data)
    _serp_row(axes[1], serp, data.windows["model"][model])
    _spectrum_row(axes[2], data.spectra["human"], "Hz", "human power (µV², log scale)",
                  (0, 20))
    _spectrum_row(axes[3], data.spectra["model"][model].mean("instance"),
                  "frequency (1 = Nyquist)", "model power\n(activation², log scale)",
                  (0, 0.6), marker="o")
    n = serp.sizes["instance"]
    fig.suptitle(title or f"Laszlo & Armstrong (2014) Fig. 2 regenerated: {MODEL_LABELS[model]}, "
                 f"{n} instance{'s' if n != 1 else ''}\nBlue thick: first presentation; "
                 "red thin: second; shading: 95% CI across instances; gold boxes: FWHM "
                 "windows; spectra on log axes", fontsize=10)
    fig.tight_layout()
    return fig


def save_figure(fig, path, **kwargs):
    """Save ``fig`` to ``path`` atomically (the format from the path's suffix); PDFs
    embed TrueType fonts (editable text) rather than Type 3."""
    suffix = "".join(path.suffixes[-1:]) or ".png"

    def write(tmp):
        with matplotlib.rc_context({"pdf.fonttype": 42}):
            fig.savefig(tmp, format=suffix[1:], **kwargs)
    return atomic_write(path, write, suffix=suffix)


def save_figures(data, out_dir):
    """Write fig2_alpha and fig2_control as PNG and PDF into ``out_dir`` (each file
    atomically); returns the paths."""
    import matplotlib.pyplot as plt
    from pathlib import Path
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for model in ("alpha", "control"):
        fig = plot_fig2(data, model)
        try:
            for ext in ("png", "pdf"):
                paths.append(save_figure(fig, out_dir / f"fig2_{model}.{ext}", dpi=130))
        finally:
            plt.close(fig)
    return paths

