"""``erpsim sweep``: train and analyse model instances over a parameter grid, on Dask."""
from erpsim.cli._options import nonnegative_int, positive_int


def register(subparsers):
    parser = subparsers.add_parser(
        "sweep", help="run a parameter grid x seeds on a Dask cluster (local by default)",
        description="Train (or reuse) one model instance per grid point and seed, run the "
                    "repetition protocol and the Fig. 2 analyses, and write each point to a "
                    "store folder as it finishes. Rerunning skips finished points. "
                    "See docs/sweep.md.")
    parser.add_argument("grid", help="grid file (.json, .yaml or .yml)")
    parser.add_argument("--store", help="store folder (default: GRID_STEM.sweep beside the grid)")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="a running Dask scheduler, e.g. tcp://host:8786 (default: start "
                             "a local cluster in this process)")
    parser.add_argument("--workers", type=positive_int, default=None,
                        help="local cluster workers (default: one per core)")
    parser.add_argument("--retries", type=nonnegative_int, default=1,
                        help="resubmissions of a failed point (default 1)")
    parser.add_argument("--dry-run", action="store_true",
                        help="validate the grid and count the points done, failed and "
                             "pending (--status lists them)")
    parser.add_argument("--status", action="store_true",
                        help="print every point's status (done, failed, pending) and exit")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def run(args):
    from pathlib import Path

    from erpsim.sweep import SweepStore, load_grid, run_sweep
    from erpsim.sweep.lock import SweepLockedError
    from erpsim.utils.writable import check_writable_dir
    grid = load_grid(args.grid)
    path = Path(args.grid)
    store_path = Path(args.store) if args.store else path.with_name(path.stem + ".sweep")
    if not (args.status or args.dry_run):
        check_writable_dir(store_path, "--store")                 # before any work
    if args.status or args.dry_run:
        store = SweepStore(store_path)
        table = store.status(grid)
        counts = table["status"].value_counts()
        print(f"{grid!r}; store {store_path}: " +
              ", ".join(f"{counts.get(s, 0)} {s}" for s in ("done", "failed", "pending")))
        if args.status:
            print(table.to_string(index=False))
        return 0
    try:
        report = run_sweep(grid, store_path, scheduler=args.scheduler, n_workers=args.workers,
                           retries=args.retries, progress=not args.no_progress)
    except SweepLockedError as err:
        import sys
        print(f"erpsim sweep: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        import sys
        print(f"erpsim sweep: interrupted; finished points are in {store_path}; run the same "
              "command again to compute the rest", file=sys.stderr)
        return 130
    print(report)
    return 0 if report.ok else 1
