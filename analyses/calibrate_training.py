"""Training-time calibration of the alpha model (docs/calibration.md, "Training-time
calibration"; issue #14).

    python analyses/calibrate_training.py screen   [--candidates A B ...] [--instances 3]
                                                   [--epochs 2000] [--workers N]
                                                   [--scheduler ADDRESS] [--out DIR]
    python analyses/calibrate_training.py confirm  [--top 3 | --candidates A B]
                                                   [--instances 10] [--epochs 6000]
    python analyses/calibrate_training.py envelope [--candidate NAME | --model FILE]
    python analyses/calibrate_training.py list

``screen`` trains a few instances of every candidate protocol for a capped number of
epochs and scores them (``OUT/screen/summary.csv``, ``targets.csv``, ``screen.png``);
``confirm`` trains the best screened candidates (those passing the 99%-reading gate) to
criterion with at least 10 instances (``OUT/confirm/``); ``envelope`` re-searches the
test-time envelope on the confirmed winner, or on a saved network with ``--model``
(``OUT/envelope/test_search.csv``). ``list``
prints the default candidates.

Every stage runs on the sweep machinery: one resumable store per candidate
(``OUT/STAGE/NAME.sweep``), all points on one Dask client (a local cluster of
``--workers`` processes by default, ``--scheduler tcp://host:8786`` for a cluster).
Interrupt and rerun the same command: finished instances are not trained again. Output
goes to ``./calibration_training`` by default, never into ``docs/`` unless ``--out``
says so.
"""
import argparse
import json
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402

import erpsim  # noqa: E402

from erpsim.io.datasets import load_published_words  # noqa: E402
from erpsim.model.timebase import FIGURE_WINDOW, window_of  # noqa: E402
from erpsim.paper.calibration import EnvelopeGrid, search_test_time, words_curves  # noqa: E402
from erpsim.paper.training_calibration import (default_candidates, run_candidates,  # noqa: E402
                                               score_candidates, select_candidates,
                                               stack_instances)
from erpsim.sweep.store import SweepStore  # noqa: E402
from erpsim.utils.atomic import atomic_write, atomic_write_bytes  # noqa: E402

#: Default output folder (relative to the working directory), outside the tracked docs/.
DEFAULT_OUT = "calibration_training"
#: Defaults per stage: instances (seeds 0..n-1) and the epoch limit.
STAGE_DEFAULTS = {"screen": (3, 2000), "confirm": (10, 6000)}


def say(text):
    """One line of progress, with the UTC time."""
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())}] {text}", flush=True)


def write_csv(table, path):
    """Write a table atomically (an interrupted run leaves the old file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, table.to_csv(index=False).encode())


def stacked(store):
    """A candidate's stacked instances and its grid's lexicon (None, None: no instance)."""
    network = stack_instances(store)
    if network is None:
        return None, None
    return network, SweepStore(store).read_grid().load_lexicon()


def plot_candidates(folder, summary, out, title, n=5):
    """The published words curves and the best ``n`` scored candidates' (PNG)."""
    import matplotlib.pyplot as plt
    published = load_published_words()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
    for ax, p in zip(axes, (1, 2)):
        ax.plot(published["tick"], published.sel(presentation=p), "k-", lw=2.5, label="published")
    for _, row in summary[summary["status"] == "scored"].head(n).iterrows():
        network, lexicon = stacked(Path(folder) / f"{row['candidate']}.sweep")
        curves = words_curves(network, lexicon, network.config.envelope)
        curves = curves.sel(tick=slice(*window_of(curves, FIGURE_WINDOW)))
        style = "-" if row["passes_gate"] else ":"
        for ax, p in zip(axes, (1, 2)):
            ax.plot(curves["tick"], curves.sel(presentation=p), style, lw=1,
                    label=f"{row['candidate']} ({row['accuracy']:.0%} read, "
                          f"score {row['score']:.3f})")
    for ax, p in zip(axes, (1, 2)):
        ax.set_title(f"words, presentation {p}")
        ax.set_xlabel("tick")
    axes[0].set_ylabel("mean semantic activation")
    axes[1].legend(fontsize=6)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    try:
        atomic_write(out, lambda tmp: fig.savefig(tmp, format="png", dpi=120), suffix=".png")
    finally:
        plt.close(fig)


def run_stage(args, stage, candidates):
    """Train (resumably) and score ``candidates``; write the stage's tables."""
    folder = Path(args.out) / stage
    instances, epochs = STAGE_DEFAULTS[stage]
    instances = args.instances or instances
    epochs = args.epochs or epochs
    extra = {} if args.n_hidden is None else {"n_hidden": args.n_hidden}
    grids = {}
    for cand in candidates:
        grid = cand.grid(range(instances), epochs, n_per_type=args.n_per_type,
                         **({"pretrain_epochs": args.pretrain_epochs}
                            if args.pretrain_epochs is not None else {}))
        grid["config"].update(extra)
        grids[cand.name] = grid
    say(f"{stage}: {len(candidates)} candidates x {instances} instances x <= {epochs} "
        f"epochs -> {folder}")

    def on_point(name, point, ds):
        say(f"  {name} seed {point.seed}: trained items {float(ds['train_accuracy']):.1%} "
            f"correct after {float(ds['train_epochs']):.0f} epochs")

    reports = run_candidates(grids, folder, scheduler=args.scheduler, n_workers=args.workers,
                             retries=args.retries, on_point=on_point)
    for name, report in reports.items():
        say(f"  {name}: {report}")
    say(f"{stage}: scoring")
    summary, targets = score_candidates(candidates, folder, reports=reports)
    write_csv(summary, folder / "summary.csv")
    write_csv(targets, folder / "targets.csv")
    plot_candidates(folder, summary, folder / f"{stage}.png",
                    f"training-time calibration, {stage}: best candidates "
                    "(dotted: fails the 99%-reading gate)")
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        say("\n" + summary.drop(columns=["description"]).to_string())
    return summary


def _previous_summary(args, stage, then):
    """``OUT/STAGE/summary.csv`` of an earlier stage, or an error saying to run it."""
    path = Path(args.out) / stage / "summary.csv"
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: run the {stage} stage first (same "
                                f"--out), or {then}")
    return pd.read_csv(path)


def stage_confirm(args):
    names = args.candidates
    if names is None:
        screen = _previous_summary(args, "screen", "name candidates with --candidates")
        names = list(screen[screen["passes_gate"].astype(bool)]["candidate"].head(args.top))
        if not names:
            raise ValueError("no screened candidate passes the 99%-reading gate; "
                             "name candidates with --candidates")
    return run_stage(args, "confirm", select_candidates(names))


def stage_envelope(args):
    if args.model is not None:
        return search_envelopes(args, erpsim.Network.load(args.model), erpsim.load_lexicon(),
                                Path(args.model).stem)
    name = args.candidate
    if name is None:
        confirm = _previous_summary(args, "confirm", "give --model FILE")
        passing = confirm[confirm["passes_gate"].astype(bool)]
        if passing.empty:
            raise ValueError("no confirmed candidate passes the 99%-reading gate")
        name = passing["candidate"].iloc[0]
    network, lexicon = stacked(Path(args.out) / "confirm" / f"{name}.sweep")
    if network is None:
        raise ValueError(f"candidate {name!r} has no confirmed instances")
    return search_envelopes(args, network, lexicon, name)


def search_envelopes(args, network, lexicon, name):
    """The test-time envelope grid on ``network``; writes OUT/envelope/test_search.csv."""
    config = network.config
    say(f"envelope: test-time envelope search on {name} ({network.n_instances} instances)")
    table = search_test_time(network, lexicon, grid=EnvelopeGrid(), progress=False,
                             bases=((config.n_blank, config.init_net, config.inh_gain),))
    write_csv(table.assign(candidate=name), Path(args.out) / "envelope" / "test_search.csv")
    say("\n" + table.head(15).to_string())


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stage", choices=("screen", "confirm", "envelope", "list"))
    parser.add_argument("--candidates", nargs="+", default=None,
                        help="candidate names (default: all for screen, the best for confirm)")
    parser.add_argument("--candidate", default=None, help="envelope: the candidate to search")
    parser.add_argument("--model", default=None,
                        help="envelope: search on a saved network (.npz) instead of a candidate")
    parser.add_argument("--top", type=int, default=3, help="confirm: best screened candidates")
    parser.add_argument("--instances", type=int, default=None,
                        help="instances per candidate (screen 3, confirm 10)")
    parser.add_argument("--epochs", type=int, default=None,
                        help="epoch limit (screen 2000, confirm 6000)")
    parser.add_argument("--workers", type=int, default=None,
                        help="local Dask workers (default one per core)")
    parser.add_argument("--scheduler", default=None, help="address of a running Dask scheduler")
    parser.add_argument("--retries", type=int, default=1)
    parser.add_argument("--out", default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    parser.add_argument("--n-per-type", type=int, default=None,
                        help="items per type (tests and trials; default all)")
    parser.add_argument("--n-hidden", type=int, default=None, help="hidden units (tests)")
    parser.add_argument("--pretrain-epochs", type=int, default=None,
                        help="orthographic pretraining epochs (tests)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse(argv)
    try:
        if args.stage == "list":
            for cand in default_candidates():
                print(f"{cand.name:22s} {cand.description}\n{'':22s} config "
                      f"{json.dumps(cand.config)} training {json.dumps(cand.training)}")
        elif args.stage == "screen":
            run_stage(args, "screen", select_candidates(args.candidates))
        elif args.stage == "confirm":
            stage_confirm(args)
        else:
            stage_envelope(args)
    except (ValueError, FileNotFoundError) as err:
        print(f"calibrate_training: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
