"""``erpsim train``: train model instances (autoencoder pretraining, then BPTT)."""
from erpsim.engine import registry



def register(subparsers):
    parser = subparsers.add_parser(
        "train", help="train model instances and save them",
        description="Train instances of the ERP model on the trained items (words and "
                    "acronyms) of a lexicon; checkpoints allow stopping and resuming.")
    parser.add_argument("--out", required=True, help="output network file (.npz)")
    parser.add_argument("--instances", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lexicon", help="a lexicon CSV (default: the shipped lexicon)")
    parser.add_argument("--max-epochs", type=int, default=None)
    parser.add_argument("--dt", type=float, default=None, help="override the integration constant")
    parser.add_argument("--pdp", action="store_true",
                        help="the 'standard PDP' ablation: no inhibitory pools, free-sign weights")
    parser.add_argument("--backend", default="numba", choices=registry.names(trains=True))
    parser.add_argument("--no-progress", action="store_true")
    parser.set_defaults(func=run)


def run(args):
    import time
    from pathlib import Path

    from erpsim import load_lexicon, training_config
    from erpsim.model.network import Network
    from erpsim.training import TrainingSettings, train
    config = training_config()
    changes = {}
    if args.dt is not None:
        changes["dt"] = args.dt
    if args.pdp:
        changes["separate_inhibition"] = False
    config = config.replace(**changes) if changes else config
    settings = TrainingSettings(backend=args.backend,
                                **({"max_epochs": args.max_epochs} if args.max_epochs else {}))
    out = Path(args.out)
    net = Network.initialize(config, args.instances, rng=args.seed)
    start = time.perf_counter()
    net, history = train(net, load_lexicon(args.lexicon), settings,
                         checkpoint=out.with_name(out.stem + ".ckpt.npz"),
                         progress=not args.no_progress)
    net.meta["training_seconds"] = time.perf_counter() - start
    net.save(out)
    history.to_csv(out.with_name(out.stem + ".history.csv"), index=False)
    print(f"saved {out} ({net.meta['training_seconds']:.0f} s); accuracy per instance: "
          f"{[round(a, 3) for a in net.meta['accuracy']]}")
    return 0
