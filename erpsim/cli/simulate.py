"""``erpsim simulate``: simulate the model on a lexicon and plot the sERP per item type.

    erpsim simulate [--model PATH] [--instances N] [--seed S] [--lexicon CSV]
                    [--presentations 1|2] [--alpha | --no-alpha] [--backend numba]
                    [--dtype float64] [--out DIR]

Writes ``DIR/serp.nc`` (the full result, :func:`erpsim.save_result`) and
``DIR/serp_by_type.png`` (mean over instances, one colour per item type, first
presentation solid, second dashed).

The network is ``--model`` (a ``.npz`` saved by :meth:`erpsim.Network.save`), else the
pretrained network (``erpsim.load_pretrained()``, where the package provides one), else
a freshly initialised, untrained network of the default configuration (with a warning:
its sERPs show the dynamics, not the published effects).
"""
import argparse
import sys

from erpsim.cli._options import nonnegative_int, positive_int

from erpsim.engine import registry

SERP_FILE = "serp.nc"
PLOT_FILE = "serp_by_type.png"


def register(subparsers):
    parser = subparsers.add_parser(
        "simulate", help="simulate the model and plot the sERP per item type",
        description="Simulate the ERP/alpha model on a lexicon; write serp.nc and a plot.")
    parser.add_argument("--model", metavar="PATH",
                        help="network file (.npz from Network.save); default: the pretrained "
                             "network, or an untrained default network")
    parser.add_argument("--instances", type=positive_int, metavar="N",
                        help="use the first N instances of the network (an untrained "
                             "network gets N instances; default 1 there, all otherwise)")
    parser.add_argument("--seed", type=nonnegative_int, default=0, metavar="S",
                        help="seed of an untrained network's weights (default 0; a "
                             "trained network's weights are its own)")
    parser.add_argument("--lexicon", metavar="CSV",
                        help="lexicon CSV (columns item, type, zipf, neighbours); "
                             "default: the shipped lexicon")
    parser.add_argument("--presentations", type=int, choices=(1, 2), default=2,
                        help="1: single trials; 2: repetition pairs (default)")
    parser.add_argument("--alpha", action=argparse.BooleanOptionalAction, default=None,
                        help="--alpha: apply the alpha envelope (the network's, or "
                             "erpsim.default_envelope() if its configuration has none); "
                             "--no-alpha: the ERP model (control); default: the "
                             "network's configuration")
    parser.add_argument("--backend", default="numba", choices=registry.names(),
                        help="simulation backend (default numba)")
    parser.add_argument("--dtype", choices=("float64", "float32"),
                        help="floating-point type (default: the network's configuration)")
    parser.add_argument("--out", default=".", metavar="DIR",
                        help="output folder (default: the current folder)")
    parser.set_defaults(func=run_simulate)
    return parser


def _warn(message):
    print(f"erpsim simulate: warning: {message}", file=sys.stderr)


def load_network(model=None, instances=None, seed=0):
    """The network to simulate and a one-line description of where it came from."""
    from erpsim import Network, load_pretrained

    if instances is not None and instances < 1:
        raise ValueError(f"--instances must be a positive integer, got {instances}")
    if model is not None:
        net, source = Network.load(model), f"network file {model}"
    else:
        net = None
        try:
            net, source = load_pretrained(), "the pretrained network"
        except FileNotFoundError as err:
            _warn(f"the pretrained network is not available ({err})")
        if net is None:
            n = 1 if instances is None else instances
            net = Network.initialize(None, n, rng=seed)
            source = f"an untrained default network (seed {seed})"
            _warn("no trained network given (--model) and none pretrained: simulating an "
                  "UNTRAINED network with the default configuration")
            return net, source
    if instances is not None:
        if instances > net.n_instances:
            raise ValueError(f"--instances {instances} exceeds the {net.n_instances} "
                             f"instance(s) of {source}")
        net = net.select(range(instances))
    return net, source


def run_simulate(args):
    import numpy as np
    from erpsim import default_envelope, load_lexicon, save_result, serp_by_type, simulate
    from erpsim.utils.atomic import atomic_write_bytes
    from erpsim.engine import get_backend
    from erpsim.model.coding import get_coding
    from erpsim.utils.writable import check_writable_dir
    from erpsim.viz.serp import plot_serp_by_type

    out = check_writable_dir(args.out, "--out")
    try:
        get_backend(args.backend)       # e.g. cuda without a GPU: refused before any work
    except RuntimeError as err:
        raise RuntimeError(f"--backend {args.backend}: {err}") from None
    net, source = load_network(args.model, args.instances, args.seed)
    config = net.config
    lexicon = load_lexicon(args.lexicon, coding=get_coding(config.coding, n_slots=config.n_slots))
    if args.alpha is None:
        envelope = config.envelope
    elif args.alpha:
        envelope = config.envelope or default_envelope()
    else:
        envelope = None
    ds = simulate(net, lexicon, presentations=args.presentations, envelope=envelope,
                  backend=args.backend, dtype=args.dtype)
    out.mkdir(parents=True, exist_ok=True)
    nc_path = save_result(ds, out / SERP_FILE)

    import io
    by_type = serp_by_type(ds)
    model = "alpha model" if envelope is not None else "ERP model (no envelope)"
    fig = plot_serp_by_type(by_type, title=f"{model}, {net.n_instances} instance(s)")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=120)
    png_path = out / PLOT_FILE
    atomic_write_bytes(png_path, buffer.getvalue())

    print(f"simulated {source}: {net.n_instances} instance(s) x {len(lexicon)} items x "
          f"{args.presentations} presentation(s), {ds.sizes['tick']} ticks, {model}, "
          f"backend {args.backend}")
    onset = net.config.onset_tick
    after_onset = by_type.mean("instance").sel(tick=slice(onset, None))
    peak = after_onset.max("tick")
    peak_tick = after_onset["tick"].values[after_onset.argmax("tick").values]
    print(f"peak sERP after onset (tick {onset}), per presentation:")
    for k, item_type in enumerate(by_type["item_type"].values):
        values = ", ".join(f"{float(v):.4f} at tick {int(t)}" for v, t in
                           zip(peak.sel(item_type=item_type).values, np.atleast_1d(peak_tick[k])))
        print(f"  {item_type:<10} {values}")
    print(f"wrote {nc_path}")
    print(f"wrote {png_path}")
    return 0
