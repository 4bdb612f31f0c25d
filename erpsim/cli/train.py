"""``erpsim train``: train model instances (autoencoder pretraining, then BPTT)."""
import sys
from pathlib import Path

from erpsim.cli._options import nonnegative_int, positive_int, unit_interval
from erpsim.engine import registry


def register(subparsers):
    parser = subparsers.add_parser(
        "train", help="train model instances and save them",
        description="Train instances of the ERP model on the trained items (words and "
                    "acronyms) of a lexicon; checkpoints allow stopping and resuming.")
    parser.add_argument("--out", required=True, help="output network file (.npz)")
    parser.add_argument("--instances", type=positive_int, default=10,
                        help="instances to train (default 10; the shipped default has 20, "
                             "analyses/train_default.py)")
    parser.add_argument("--seed", type=nonnegative_int, default=0,
                        help="seed of the initial weights (default 0; instance k of seed s "
                             "draws from default_rng(1000 s + k))")
    parser.add_argument("--lexicon", help="a lexicon CSV (default: the shipped lexicon)")
    parser.add_argument("--max-epochs", type=positive_int, default=None,
                        help="BPTT epochs at most (default 6000); a finished or stopped "
                             "run resumes from its checkpoint with a larger value")
    parser.add_argument("--dt", type=unit_interval, default=None,
                        help="the integration constant, in (0, 1] (default: the "
                             "configuration's, 0.3)")
    parser.add_argument("--pdp", action="store_true",
                        help="the 'standard PDP' ablation: no inhibitory pools, free-sign weights")
    parser.add_argument("--config", metavar="FILE",
                        help="a JSON file of options: {\"model\": {ModelConfig fields}, "
                             "\"training\": {TrainingSettings fields}}, e.g. "
                             "{\"model\": {\"integration\": \"output\", \"dt\": 0.5}, "
                             "\"training\": {\"n_active\": 3, \"blank_targets\": true}}; "
                             "the other options override it")
    parser.add_argument("--backend", default=None, choices=registry.names(trains=True),
                        help="gradient backend (default numba)")
    parser.add_argument("--restart", action="store_true",
                        help="discard the checkpoint OUT_STEM.ckpt.npz beside --out (for "
                             "--out run/net.npz: run/net.ckpt.npz) and start over (without "
                             "it the checkpoint is resumed, and refused if another run "
                             "(seed, lexicon, settings) wrote it)")
    parser.add_argument("--allow-unconverged", action="store_true",
                        help="exit 0 even if an instance does not reach 100%% accuracy "
                             "(the network is saved either way, with a warning)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def checkpoint_path(out):
    """The checkpoint file of output ``out``: ``OUT_STEM.ckpt.npz`` beside it."""
    return out.with_name(out.stem + ".ckpt.npz")


def read_options_file(path):
    """The ``model`` and ``training`` sections of a ``--config`` JSON file.

    Raises
    ------
    FileNotFoundError, ValueError
        A missing file, invalid JSON, or a section other than ``model``/``training``.
    """
    import json

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"--config {path}: no such file")
    try:
        options = json.loads(path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"--config {path}: not valid JSON ({err})") from None
    if not isinstance(options, dict) or set(options) - {"model", "training"}:
        raise ValueError(f"--config {path}: expected an object with the sections 'model' "
                         f"and/or 'training', got {sorted(options) if isinstance(options, dict) else type(options).__name__}")
    for section in ("model", "training"):
        if not isinstance(options.get(section, {}), dict):
            raise ValueError(f"--config {path}: section {section!r} must be an object")
    return options.get("model", {}), options.get("training", {})


def _settings_and_config(args):
    """The training configuration and :class:`TrainingSettings` the options ask for."""
    import dataclasses

    from erpsim import ModelConfig, training_config
    from erpsim.training import TrainingSettings, trainer

    model, training = read_options_file(args.config) if args.config else ({}, {})
    model = dict(model)
    if args.dt is not None:
        model["dt"] = args.dt
    if args.pdp:
        model["separate_inhibition"] = False
    fields = {f.name for f in dataclasses.fields(trainer.TrainingSettings)}
    unknown = sorted(set(training) - fields)
    if unknown:
        raise ValueError(f"--config: unknown training settings {unknown}; choose from "
                         f"{sorted(fields)}")
    try:
        config = (ModelConfig.from_dict({**training_config().to_dict(), **model}) if model
                  else training_config())
    except (ValueError, TypeError) as err:
        given = [f"--config {args.config}"] if args.config else []
        given += ["--dt"] if args.dt is not None else []
        given += ["--pdp"] if args.pdp else []
        raise ValueError(f"{', '.join(given)}: {err}") from None
    training = dict(training)
    if args.max_epochs is not None:
        training["max_epochs"] = args.max_epochs
    if args.backend is not None:
        training["backend"] = args.backend
    if isinstance(training.get("target_window"), list):
        training["target_window"] = tuple(training["target_window"])
    return config, TrainingSettings(**training)


def save_run(net, history, out):
    """Write the network and its history CSV beside it (each atomically)."""
    from erpsim.utils.atomic import atomic_write

    net.save(out)
    history_path = out.with_name(out.stem + ".history.csv")
    atomic_write(history_path, lambda tmp: history.to_csv(tmp, index=False))
    return history_path


def unconverged(net):
    """What is wrong with a trained network's convergence, or None if every instance
    reached 100% accuracy on its trained items (``net.meta["accuracy"]``)."""
    accuracy = net.meta["accuracy"]
    low = [(i, a) for i, a in enumerate(accuracy) if a < 1.0]
    if not low:
        return None
    listed = ", ".join(f"{i} ({a:.1%})" for i, a in low)
    return (f"NOT CONVERGED: {len(low)} of {len(accuracy)} instance(s) below 100% accuracy "
            f"at the last check (epoch {net.meta['epochs']}, counted from 0): instance {listed}")


def interrupted_message(prog, checkpoint):
    """The message after Ctrl-C during training: where the progress is, how to resume."""
    saved = (f"progress up to the last check is saved in {checkpoint}"
             if Path(checkpoint).exists() else "nothing was saved yet")
    return f"{prog}: interrupted; {saved}; run the same command again to resume"


def _report_convergence(net, out, allow):
    """Warn about instances below 100% accuracy; the exit code (1 unless ``allow``)."""
    problem = unconverged(net)
    if problem is None:
        return 0
    accept = ("accepted (--allow-unconverged)" if allow
              else "or pass --allow-unconverged to accept it")
    print(f"erpsim train: warning: {problem}; saved anyway to {out}. Resume with a larger "
          f"--max-epochs (the checkpoint continues the run), {accept}.", file=sys.stderr)
    return 0 if allow else 1


def run(args):
    from erpsim import load_lexicon
    from erpsim.model.coding import get_coding
    from erpsim.model.network import Network
    from erpsim.training import train
    from erpsim.utils.writable import check_writable_file

    out = check_writable_file(Path(args.out), "--out")
    config, settings = _settings_and_config(args)
    lexicon = load_lexicon(args.lexicon, coding=get_coding(config.coding, n_slots=config.n_slots))
    net = Network.initialize(config, args.instances, rng=args.seed)
    checkpoint = checkpoint_path(out)
    try:
        net, history = train(net, lexicon, settings, checkpoint=checkpoint,
                             restart=args.restart, progress=not args.no_progress)
    except KeyboardInterrupt:
        print("\n" + interrupted_message("erpsim train", checkpoint), file=sys.stderr)
        return 130
    history_path = save_run(net, history, out)
    print(f"saved {out} and {history_path} ({net.meta['training_seconds']:.0f} s); accuracy "
          f"per instance: {[round(a, 3) for a in net.meta['accuracy']]}")
    return _report_convergence(net, out, args.allow_unconverged)
