"""Train the shipped default instances (10 seeds) and save them to data/pretrained/.

    python analyses/train_default.py [--instances 10] [--out data/pretrained/erp_default.npz]

The configuration is ``erpsim.training_config()`` and the learning settings the package
defaults (docs/model.md); the saved file carries ``erpsim.default_config()`` (the
calibrated test-time values and envelope). Progress is checkpointed next to the output;
rerunning resumes.
"""
import argparse
import time
from pathlib import Path

import erpsim
from erpsim.model.config import CALIBRATED_DYNAMICS
from erpsim.model.pretrained import write_checksum
from erpsim.training import TrainingSettings, train


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-epochs", type=int, default=TrainingSettings.max_epochs)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent.parent
                                             / "data" / "pretrained" / "erp_default.npz"))
    args = parser.parse_args(argv)
    out = Path(args.out)
    config = erpsim.training_config()
    net = erpsim.Network.initialize(config, args.instances, rng=args.seed)
    start = time.perf_counter()
    net, history = train(net, erpsim.load_lexicon(), TrainingSettings(max_epochs=args.max_epochs),
                         checkpoint=out.with_name(out.stem + ".ckpt.npz"))
    net.meta["training_seconds"] = time.perf_counter() - start
    net.meta["training_config"] = config.to_dict()
    net = net.with_config(envelope=erpsim.default_envelope(), **CALIBRATED_DYNAMICS)
    net.save(out)
    write_checksum(out)
    history.to_csv(out.with_name(out.stem + ".history.csv"), index=False)
    print(f"saved {out}: accuracy per instance {net.meta['accuracy']}, "
          f"{net.meta['training_seconds']:.0f} s")


if __name__ == "__main__":
    main()
