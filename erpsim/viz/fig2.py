"""Drawing Fig. 2 (4 x 4: human ERP, model sERP, human spectra, model spectra)."""
import matplotlib

from erpsim.paper.fig2 import FIGURE_TICKS
from erpsim.model.lexicon import ITEM_TYPES

TITLES = {"word": "Words", "acronym": "Acronyms", "pseudoword": "Pseudowords",
          "illegal": "Illegal Strings"}
THICK, THIN = 2.4, 0.9


def _box(ax, window, color="0.85"):
    ax.axvspan(window.start, window.end, color=color, zorder=0, lw=0)


def plot_fig2(data, model="alpha", title=None):
    """Draw the 4 x 4 figure for ``model`` ("alpha" or "control").

    Rows: human ERP at MiPa (negative up, 5 µV scale bar, FWHM box), model sERP (mean
    across instances with a 95% confidence band, FWHM box), human spectra (0-20 Hz),
    model spectra (Nyquist-normalised, 0-0.6). Thick: first presentation; thin: second.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from erpsim.analysis import mean_ci
    if model not in data.serp:
        raise ValueError(f"unknown model {model!r}; choose from {tuple(data.serp)}")
    fig, axes = plt.subplots(4, 4, figsize=(13, 10), sharex="row", sharey="row")
    serp = data.serp[model]
    mean, low, high = mean_ci(serp, dim="instance")
    model_spec = data.spectra["model"][model].mean("instance")
    human_spec = data.spectra["human"]
    for col, item_type in enumerate(ITEM_TYPES):
        ax = axes[0, col]
        _box(ax, data.windows["human"])
        for p, lw in ((1, THICK), (2, THIN)):
            curve = data.human.sel(item_type=item_type, presentation=p)
            ax.plot(curve["time_ms"], curve, color="k", lw=lw)
        ax.axhline(0, color="0.5", lw=0.5)
        ax.set_title(TITLES[item_type])
        ax = axes[1, col]
        _box(ax, data.windows["model"][model])
        for p, lw in ((1, THICK), (2, THIN)):
            sel = dict(item_type=item_type, presentation=p)
            ticks = mean["tick"].sel(tick=slice(*FIGURE_TICKS))
            ax.fill_between(ticks, low.sel(**sel, tick=ticks), high.sel(**sel, tick=ticks),
                            color="0.6", alpha=0.35, lw=0)
            ax.plot(ticks, mean.sel(**sel, tick=ticks), color="k", lw=lw)
        ax = axes[2, col]
        for p, lw in ((1, THICK), (2, THIN)):
            spec = human_spec.sel(item_type=item_type, presentation=p)
            ax.plot(spec["freq"], spec, color="k", lw=lw)
        ax = axes[3, col]
        for p, lw in ((1, THICK), (2, THIN)):
            spec = model_spec.sel(item_type=item_type, presentation=p)
            ax.plot(spec["freq"], spec, color="k", lw=lw, marker="o", ms=2.5)
    axes[0, 0].set_xlim(-100, 900)
    axes[0, 0].invert_yaxis()                    # negative up
    axes[0, 0].set_ylabel("MiPa (µV, negative up)")
    bar = axes[0, 0]
    y0 = -2.0
    bar.plot([820, 820], [y0, y0 - 5.0], color="k", lw=2)
    bar.text(835, y0 - 2.5, "5 µV", va="center", fontsize=8)
    for ax in axes[0]:
        ax.set_xticks(range(0, 901, 100))
        ax.tick_params(axis="x", labelsize=7)
        ax.set_xlabel("ms")
    axes[1, 0].set_xlim(*FIGURE_TICKS)
    axes[1, 0].set_ylim(0, max(0.25, float(high.sel(tick=slice(*FIGURE_TICKS)).max()) * 1.05))
    axes[1, 0].set_ylabel("model sERP\n(mean semantic activation)")
    for ax in axes[1]:
        ax.set_xlabel("tick")
    axes[2, 0].set_xlim(0, 20)
    axes[2, 0].set_ylabel("human power (µV²)")
    for ax in axes[2]:
        ax.set_xlabel("Hz")
    axes[3, 0].set_xlim(0, 0.6)
    axes[3, 0].set_ylabel("model power")
    for ax in axes[3]:
        ax.set_xlabel("frequency (1 = Nyquist)")
    label = {"alpha": "alpha model", "control": "control (ERP model, no envelope)"}[model]
    fig.suptitle(title or f"Laszlo & Armstrong (2014) Fig. 2 regenerated: {label}. "
                 "Thick: first presentation; thin: second; boxes: FWHM windows", fontsize=10)
    fig.tight_layout()
    return fig


def save_figures(data, out_dir):
    """Write fig2_alpha and fig2_control as PNG and PDF into ``out_dir``; returns the paths."""
    import matplotlib.pyplot as plt
    from pathlib import Path
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for model in ("alpha", "control"):
        fig = plot_fig2(data, model)
        for ext in ("png", "pdf"):
            path = out_dir / f"fig2_{model}.{ext}"
            fig.savefig(path, dpi=130)
            paths.append(path)
        plt.close(fig)
    return paths


matplotlib.rcParams.setdefault("pdf.fonttype", 42)
