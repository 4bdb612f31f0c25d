"""Calibrate the alpha model against the published words curves (docs/model.md §5).

    python analyses/calibrate_alpha.py test  [--model PATH] [--out calibration]
    python analyses/calibrate_alpha.py train [--instances 3] [--epochs 1500] [--out ...]

Output goes to ``./calibration`` by default; the tables tracked in the repository are
regenerated only when asked for explicitly, with ``--out docs/calibration``. Each
stage prints a line when it starts and shows a progress bar (``--quiet``: neither).

``test``: the choices that act at test time on trained weights, scored on the shipped
instances in two stages. (1) The base dynamics of the first presentation without the
envelope: the pre-stimulus blank length (1-24 ticks), the initial net input of every
unit (-4 to 1) and the inhibition gain (0.5-2, multiplying the inhibitory weights),
scored on the first presentation (``base_search.csv``). (2) For the
best five bases, every envelope of the grid (family, θ, time constants, layers, clock
start), scored on both presentations (``test_search.csv``, every candidate, sorted;
``best_test.json``). (2b) For the candidates that keep the trained items correct: the
clocks' recovery rule (none, 3 or 10 ticks below θ) and the repetition protocol's
timing (reset, or activations carried over through 0, 10 or 20 blank ticks;
``clock_protocol_search.csv``); the default protocol stays "reset", so only reset
candidates compete for the default.

``train``: screens the choices that need retraining — ``dt``, training with the
envelope on or off, and the blank length during training — on a few instances with a
capped number of epochs; each trained screen is then scored with a reduced test-time
grid. Writes ``train_search.csv``.

Both stages write ``calibration.png``: the published words curves and the best
candidate's. The score is the mean over the two presentations of the RMSE between the
model's and the published words curves at ticks 0-18 after onset (ticks 20-38;
correlations are reported too).
"""
import argparse
import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402

import erpsim  # noqa: E402
from erpsim.paper.calibration import (EnvelopeGrid, envelope_of, rank,  # noqa: E402
                                      search_base, search_clock_and_protocol,
                                      search_test_time, words_curves)
from erpsim.model.timebase import FIGURE_WINDOW, window_of  # noqa: E402
from erpsim.training import TrainingSettings, train  # noqa: E402
from erpsim.utils.atomic import atomic_write, atomic_write_bytes  # noqa: E402

#: Default output folder (relative to the working directory), outside the tracked docs/.
DEFAULT_OUT = "calibration"
BLANKS = tuple(range(1, 25))
INIT_NETS = (-4.0, -3.0, -2.0, -1.0, 0.0, 1.0)
INH_GAINS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
N_BASES = 5


def say(args, text):
    """One line of progress (unless ``--quiet``)."""
    if not args.quiet:
        print(text, flush=True)


def write_csv(table, path):
    """Write a table atomically (an interrupted run leaves the old file)."""
    atomic_write_bytes(path, table.to_csv(index=False).encode())


def plot_best(network, lexicon, rows, out, title):
    import matplotlib.pyplot as plt
    published = erpsim.io.datasets.load_published_words()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
    for ax, p in zip(axes, (1, 2)):
        ax.plot(published["tick"], published.sel(presentation=p), "k-", lw=2.5, label="published")
    for place, (_, row) in enumerate(rows.head(3).iterrows()):
        net = network.with_config(n_blank=int(row["n_blank"]), init_net=float(row["init_net"]),
                                  inh_gain=float(row.get("inh_gain", 1.0)))
        curves = words_curves(net, lexicon, envelope_of(row), protocol=row.get("protocol", "reset"),
                              gap=int(row.get("gap", 0)))
        curves = curves.sel(tick=slice(*window_of(curves, FIGURE_WINDOW)))
        for ax, p in zip(axes, (1, 2)):
            ax.plot(curves["tick"], curves.sel(presentation=p), lw=1.5 if place == 0 else 0.8,
                    label=f"#{place + 1}: score {row['score']:.4f}")
    for ax, p in zip(axes, (1, 2)):
        ax.set_title(f"words, presentation {p}")
        ax.set_xlabel("tick")
    axes[0].set_ylabel("mean semantic activation")
    axes[1].legend(fontsize=7)
    fig.suptitle(f"{title} ({network.n_instances} instances)", fontsize=9)
    fig.tight_layout()
    try:
        atomic_write(out, lambda tmp: fig.savefig(tmp, format="png", dpi=120), suffix=".png")
    finally:
        plt.close(fig)


def stage_test(args):
    network = erpsim.Network.load(args.model) if args.model else erpsim.load_pretrained()
    lexicon = erpsim.load_lexicon()
    out = Path(args.out)
    progress = not args.quiet
    say(args, f"stage 1/3: base dynamics ({len(BLANKS) * len(INIT_NETS) * len(INH_GAINS)} "
              f"combinations) on {network.n_instances} instances -> {out}")
    base = search_base(network, lexicon, blanks=BLANKS, init_nets=INIT_NETS, inh_gains=INH_GAINS,
                       progress=progress)
    write_csv(base, out / "base_search.csv")
    say(args, base.head(10).to_string())
    bases = list(base[["n_blank", "init_net", "inh_gain"]].head(N_BASES).itertuples(index=False))
    say(args, f"stage 2/3: envelope grid on the best {len(bases)} bases")
    table = search_test_time(network, lexicon, bases=bases, progress=progress)
    write_csv(table, out / "test_search.csv")
    # stage 2b: recovery and protocol timing for the candidates that keep the model reading
    say(args, "stage 3/3: clock recovery and repetition protocol")
    clock = search_clock_and_protocol(network, lexicon, table[table["accurate"]].head(12),
                                      progress=progress)
    write_csv(clock, out / "clock_protocol_search.csv")
    say(args, clock.head(10).to_string())
    # the default protocol stays "reset" (the control's presentations must coincide)
    table = rank(pd.concat([table.assign(protocol="reset", gap=0),
                            clock[clock["protocol"] == "reset"]], ignore_index=True)
                 .drop(columns="accurate"))
    best = table.iloc[0].to_dict()
    atomic_write_bytes(out / "best_test.json",
                       (json.dumps(best, indent=1, default=float) + "\n").encode())
    plot_best(network, lexicon, table, out / "calibration.png",
              "test-time search on the shipped instances: best three candidates")
    say(args, table.head(15).to_string())
    say(args, f"wrote {out}")


def stage_train(args):
    lexicon = erpsim.load_lexicon()
    small_grid = EnvelopeGrid(thetas=(0.05, 0.1), peaks=(4.0, 10.0), decays=(30.0,),
                              rises=(1.0,), clock_starts=(0,))
    rows = []
    best_env = erpsim.default_envelope()        # the envelope chosen by the test stage
    n_screens = len(args.dts) * len(args.train_blanks) * 2
    screen = 0
    for dt in args.dts:
        for blank in args.train_blanks:
            for with_env in (False, True):
                screen += 1
                say(args, f"screen {screen}/{n_screens}: dt {dt}, training blank {blank}, "
                          f"envelope {'on' if with_env else 'off'} during training")
                config = erpsim.ModelConfig(dt=dt, n_blank=blank,
                                            envelope=best_env if with_env else None)
                net = erpsim.Network.initialize(config, args.instances, rng=100)
                net, history = train(net, lexicon, TrainingSettings(
                    max_epochs=args.epochs, with_envelope=with_env), progress=False)
                base = search_base(net, lexicon, blanks=BLANKS, init_nets=INIT_NETS)
                bases = list(base[["n_blank", "init_net", "inh_gain"]].head(2).itertuples(index=False))
                table = search_test_time(net, lexicon, bases=bases, grid=small_grid,
                                         progress=False)
                top = table.iloc[0].to_dict()
                rows.append({"dt": dt, "train_blank": blank, "train_with_envelope": with_env,
                             "train_accuracy": sum(net.meta["accuracy"]) / args.instances,
                             "epochs": net.meta["epochs"], **top})
                say(args, str(rows[-1]))
    out = Path(args.out)
    write_csv(pd.DataFrame(rows).sort_values("score"), out / "train_search.csv")
    say(args, f"wrote {out / 'train_search.csv'}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage", choices=["test", "train"])
    parser.add_argument("--model", help="a saved network .npz (default: the shipped instances)")
    parser.add_argument("--out", default=DEFAULT_OUT,
                        help=f"output folder (default: ./{DEFAULT_OUT}; the tracked tables "
                             "are in docs/calibration, written only when named here)")
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    parser.add_argument("--instances", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=1500)
    parser.add_argument("--dts", type=float, nargs="+", default=[0.3, 0.5])
    parser.add_argument("--train-blanks", type=int, nargs="+", default=[20, 4])
    args = parser.parse_args(argv)
    {"test": stage_test, "train": stage_train}[args.stage](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
