"""Figures for the encoding analysis (matplotlib is imported on use)."""
import numpy as np


def plot_summary(result, categories=None, title=None):
    """Accuracy against the permutation null, and accuracy by category pair.

    Parameters
    ----------
    result : PermutationResult or LeaveTwoOutResult
        A permutation result gives the null histogram; a plain leave-two-out
        result only the observed accuracy.
    categories : sequence of str, length n_nouns, optional
        Category of each noun; gives the category-pair panel.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib
    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    observed = getattr(result, "observed", None) or result
    null = getattr(result, "null", None)
    n_panels = 2 if categories is not None else 1
    fig = Figure(figsize=(5.2 * n_panels + (1.0 if n_panels == 2 else 0), 4.4),
                 layout="constrained")
    axes = fig.subplots(1, n_panels, squeeze=False)[0]
    ax = axes[0]
    if null is not None and null.size:
        bins = np.linspace(min(null.min(), 0.3), max(null.max(), 0.7), 31)
        ax.hist(null, bins=bins, color="0.7", edgecolor="0.4",
                label=f"permutation null (n={null.size})")
        ax.axvline(np.quantile(null, 0.95), color="0.3", ls=":", label="null 95th pct.")
        p_text = f", p = {result.p_value:.3g}"
    else:
        p_text = ""
    ax.axvline(0.5, color="0.5", ls="--", lw=1, label="chance")
    ax.axvline(observed.accuracy, color="C3", lw=2,
               label=f"observed {observed.accuracy:.3f}{p_text}")
    ax.set_xlabel("leave-two-out accuracy")
    ax.set_ylabel("permutations")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))     # counts
    ax.set_xlim(0.0, 1.0)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.set_title(f"{observed.n_folds} folds, {observed.n_select} voxels per fold",
                 fontsize=9)
    if categories is not None:
        labels, acc, _ = observed.category_accuracy(categories)
        ax2 = axes[1]
        im = ax2.imshow(acc, vmin=0, vmax=1, cmap="viridis")
        ax2.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=7)
        ax2.set_yticks(range(len(labels)), labels, fontsize=7)
        ax2.set_title("accuracy of folds by category pair", fontsize=9)
        fig.colorbar(im, ax=ax2, shrink=0.8, label="fraction correct")
    if title:
        fig.suptitle(title, fontsize=10)
    return fig
