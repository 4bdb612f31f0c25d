"""Plot ``bench_jax.py`` results: cost against instances x items, erpsim and JAX.

    python benchmarks/plot_jax.py RESULTS.json OUT.png

Two log-log panels (simulation, one training epoch): wall-clock seconds (median) against
the number of instance-items (instances x items, 40 ticks each). Colour: engine; line
style: dtype (solid float64, dashed float32); marker: thread count. Results saved before
erpsim trained in float32 have float64 erpsim training lines only.
"""
import argparse
import json
import sys
from pathlib import Path

from erpsim.utils.atomic import atomic_write

COLOURS = {"erpsim": "tab:blue", "jax": "tab:orange"}
STYLES = {"float64": "-", "float32": "--"}
MARKERS = ["o", "s", "^", "D", "v"]


def series(records, memory):
    """Points per line: (panel, engine, dtype, threads) -> sorted [(instance-items, s)].

    Parameters
    ----------
    records : list of dict
        ``bench_jax.py`` timed records (``runs`` of its JSON).
    memory : list of dict
        Its memory-case records (``memory`` of its JSON; simulation points).

    Returns
    -------
    dict
    """
    lines = {}
    for r in records:
        panel = "simulation" if r["workload"] == "sim" else "training epoch"
        size = r["instances"] * r["items"]
        for engine in ("erpsim", "jax"):
            if engine == "erpsim" and r["erpsim_dtype"] != r["dtype"]:
                continue        # erpsim's float64 training beside JAX's float32: drawn once
            lines.setdefault((panel, engine, r["dtype"], r["threads"]), []).append(
                (size, r[f"{engine}_s"]))
    for m in memory:        # a size also timed alternated keeps that (better) time
        points = lines.setdefault(("simulation", m["engine"], m["dtype"], m["threads"]), [])
        if all(size != m["instances"] * m["items"] for size, _ in points):
            points.append((m["instances"] * m["items"], m["seconds"]))
    return {key: sorted(points) for key, points in lines.items()}


def plot_results(records, memory, path):
    """Draw the two panels and save them to ``path`` (PNG, written atomically).

    Uses matplotlib's object API (no pyplot state). Returns ``path``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import NullFormatter

    fig = Figure(figsize=(10, 4.2), layout="constrained")
    FigureCanvasAgg(fig)
    axes = dict(zip(("simulation", "training epoch"), fig.subplots(1, 2)))
    threads = sorted({key[3] for key in series(records, memory)})
    for (panel, engine, dtype, n), points in series(records, memory).items():
        sizes, seconds = zip(*points)
        axes[panel].plot(sizes, seconds, STYLES[dtype], color=COLOURS[engine],
                         marker=MARKERS[threads.index(n) % len(MARKERS)],
                         label=f"{engine} {dtype}, {n} thread{'s' if n > 1 else ''}")
    for panel, ax in axes.items():
        ax.set(xscale="log", yscale="log", title=panel, xlabel="instances x items (40 ticks each)",
               ylabel="seconds (median)")
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize="small")
    return atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=120), suffix=".png")


def main(argv=None):
    """Plot a saved ``bench_jax.py --json`` file; the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path, help="JSON written by bench_jax.py --json")
    parser.add_argument("out", type=Path, help="PNG to write")
    args = parser.parse_args(argv)
    try:
        data = json.loads(args.results.read_text())
        records, memory = data["runs"], data["memory"]
    except (OSError, ValueError, KeyError, TypeError) as err:
        parser.error(f"{args.results} is not a bench_jax.py --json file: {err}")
    plot_results(records, memory, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
