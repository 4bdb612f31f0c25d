"""``erpsim fig2``: regenerate Fig. 2 of Laszlo & Armstrong (2014)."""
from erpsim.engine import registry


def register(subparsers):
    parser = subparsers.add_parser(
        "fig2", help="regenerate Fig. 2 (alpha model and control) with its numbers",
        description="Simulate repetition pairs on the shipped trained instances and write "
                    "fig2_alpha/fig2_control (PNG, PDF) and serp.csv, windows.csv, "
                    "spectra.csv, stats.csv.")
    parser.add_argument("--out", default="fig2", help="output folder (default: ./fig2)")
    parser.add_argument("--quick", action="store_true", help="use 3 instances (seconds)")
    parser.add_argument("--model", help="a saved network .npz instead of the shipped instances")
    parser.add_argument("--backend", default="numba", choices=registry.names())
    parser.set_defaults(func=run)


def run(args):
    import matplotlib
    matplotlib.use("Agg")
    from pathlib import Path

    from erpsim.model.network import Network
    from erpsim.paper.fig2 import compute_fig2, write_tables
    from erpsim.utils.writable import check_writable_dir
    from erpsim.viz.fig2 import save_figures

    out = check_writable_dir(Path(args.out), "--out")      # before any work
    network = Network.load(args.model) if args.model else None
    data = compute_fig2(network, instances=3 if args.quick else None, backend=args.backend,
                        progress=True)
    tables = write_tables(data, out)
    figures = save_figures(data, out)
    w = data.windows
    print(f"model FWHM window (alpha): ticks {w['model']['alpha'].start:g}-{w['model']['alpha'].end:g}; "
          f"human: {w['human'].start:g}-{w['human'].end:g} ms")
    effects = data.stats.query("measure == 'window_mean'")[["model", "item_type", "mean_diff", "p"]]
    print("repetition effect (first - second window mean):")
    print(effects.to_string(index=False))
    for path in list(tables.values()) + figures:
        print(f"wrote {path}")
    return 0
