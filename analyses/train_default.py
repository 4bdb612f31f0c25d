"""Train the shipped default instances (10 seeds) and save them to data/pretrained/.

    python analyses/train_default.py [--instances 10] [--out data/pretrained/erp_default.npz]

The configuration and learning settings are the package defaults (docs/model.md).
Progress is checkpointed next to the output; rerunning resumes.
"""
import argparse
import time
from pathlib import Path

import erpsim
from erpsim.pretrained import write_checksum
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
    config = erpsim.default_config()
    net = erpsim.Network.initialize(config, args.instances, rng=args.seed)
    start = time.perf_counter()
    net, history = train(net, erpsim.load_lexicon(), TrainingSettings(max_epochs=args.max_epochs),
                         checkpoint=out.with_name(out.stem + ".ckpt.npz"))
    net.meta["training_seconds"] = time.perf_counter() - start
    net.save(out)
    write_checksum(out)
    history.to_csv(out.with_name(out.stem + ".history.csv"), index=False)
    print(f"saved {out}: accuracy per instance {net.meta['accuracy']}, "
          f"{net.meta['training_seconds']:.0f} s")


if __name__ == "__main__":
    main()
