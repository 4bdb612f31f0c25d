"""Train the shipped default instances (20 seeds) and save them to data/pretrained/.

    python analyses/train_default.py [--instances 20] [--out data/pretrained/erp_default.npz]

The configuration is ``erpsim.training_config()`` and the learning settings the package
defaults (docs/model.md); the saved file carries ``erpsim.default_config()`` (the
calibrated test-time values and envelope). Progress is checkpointed next to the output;
rerunning resumes (a checkpoint of another run is refused; ``--restart`` discards it).
A run in which an instance does not converge is not saved (the output would replace
the shipped instances) unless ``--allow-unconverged``: resume it with a larger
``--max-epochs`` instead.
"""
import argparse
import sys
from pathlib import Path

import erpsim
from erpsim.cli import call
from erpsim.cli._options import nonnegative_int, positive_int
from erpsim.cli.train import checkpoint_path, interrupted_message, save_run, unconverged
from erpsim.model.pretrained import write_checksum
from erpsim.model.config import CALIBRATED_DYNAMICS
from erpsim.training import TrainingSettings, train
from erpsim.utils.writable import check_writable_file

PROG = "train_default.py"


def run(args):
    """Train, then save the network, its checksum and history; returns the exit code."""
    out = check_writable_file(Path(args.out), "--out")
    config = erpsim.training_config()
    net = erpsim.Network.initialize(config, args.instances, rng=args.seed)
    checkpoint = checkpoint_path(out)
    try:
        net, history = train(net, erpsim.load_lexicon(),
                             TrainingSettings(max_epochs=args.max_epochs),
                             checkpoint=checkpoint, restart=args.restart)
    except KeyboardInterrupt:
        print("\n" + interrupted_message(PROG, checkpoint), file=sys.stderr)
        return 130
    problem = unconverged(net)
    if problem and not args.allow_unconverged:
        print(f"{PROG}: error: {problem}; NOT saved ({out} is unchanged). Resume with a "
              "larger --max-epochs (the checkpoint continues the run), or pass "
              "--allow-unconverged to save it anyway.", file=sys.stderr)
        return 1
    net.meta["training_config"] = config.to_dict()
    net = net.with_config(envelope=erpsim.default_envelope(), **CALIBRATED_DYNAMICS)
    save_run(net, history, out)
    write_checksum(out)
    print(f"saved {out}: accuracy per instance {net.meta['accuracy']}, "
          f"{net.meta['training_seconds']:.0f} s")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=positive_int, default=20,
                        help="instances to train (default 20, as shipped)")
    parser.add_argument("--seed", type=nonnegative_int, default=0,
                        help="seed of the initial weights (default 0, as shipped)")
    parser.add_argument("--max-epochs", type=positive_int, default=TrainingSettings.max_epochs,
                        help=f"BPTT epochs at most (default {TrainingSettings.max_epochs})")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent.parent
                                             / "data" / "pretrained" / "erp_default.npz"),
                        help="output network file (default: the shipped "
                             "data/pretrained/erp_default.npz, which it replaces)")
    parser.add_argument("--restart", action="store_true",
                        help="discard the checkpoint of an earlier run instead of resuming it")
    parser.add_argument("--allow-unconverged", action="store_true",
                        help="save even if an instance does not reach 100%% accuracy")
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error")
    return call(run, parser.parse_args(argv), PROG)


if __name__ == "__main__":
    sys.exit(main())
