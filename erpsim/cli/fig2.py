"""``erpsim fig2``: regenerate Fig. 2 of Laszlo & Armstrong (2014)."""
import sys

from erpsim.engine import registry


def register(subparsers):
    parser = subparsers.add_parser(
        "fig2", help="regenerate Fig. 2 (alpha model and control) with its numbers",
        description="Simulate repetition pairs on the shipped trained instances and write "
                    "fig2_alpha/fig2_control (PNG, PDF) and serp.csv, windows.csv, "
                    "spectra.csv, stats.csv.")
    parser.add_argument("--out", default="fig2", help="output folder (default: ./fig2)")
    parser.add_argument("--quick", action="store_true",
                        help="use the first 3 instances (fewer if the network has fewer)")
    parser.add_argument("--model", help="a saved network .npz (at least 2 instances) instead "
                                        "of the shipped instances; without an envelope in "
                                        "its configuration, erpsim.default_envelope()")
    parser.add_argument("--backend", default="numba", choices=registry.names(),
                        help="simulation backend (default numba)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def run(args):
    import matplotlib
    matplotlib.use("Agg")
    from pathlib import Path

    from erpsim.model.network import Network
    from erpsim.paper.fig2 import compute_fig2, write_tables
    from erpsim.utils.writable import check_writable_dir
    from erpsim.viz.fig2 import save_figures

    from erpsim.engine import get_backend
    from erpsim.model.config import default_envelope
    from erpsim.model.pretrained import load_pretrained

    out = check_writable_dir(Path(args.out), "--out")      # before any work
    try:
        get_backend(args.backend)       # e.g. cuda without a GPU: refused before any work
    except RuntimeError as err:
        raise RuntimeError(f"--backend {args.backend}: {err}") from None
    network = Network.load(args.model) if args.model else load_pretrained()
    if network.config.envelope is None:
        print(f"erpsim fig2: note: {args.model} has no envelope in its configuration; the "
              "alpha model uses erpsim.default_envelope()", file=sys.stderr)
        network = network.with_config(envelope=default_envelope())
    if network.n_instances < 2:
        raise ValueError(f"--model {args.model}: Fig. 2 needs at least 2 instances (its "
                         f"bands and tests are across instances); it has {network.n_instances}")
    instances = min(3, network.n_instances) if args.quick else None
    data = compute_fig2(network, instances=instances, backend=args.backend,
                        progress=not args.no_progress)
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
