"""Benchmark: sweep throughput on a local Dask cluster, 1 vs 2 (or more) workers.

    python benchmarks/bench_sweep.py [--workers 1,2] [--seeds 8] [--epochs 200]

The grid: a small network (n_auto 10, n_hidden 20, n_sem 20, the default timing of 20
blank + 20 stimulus ticks), 5 items of each type, ``--epochs`` epochs of BPTT after 20 of
pretraining, two test-time envelopes (theta 0.1 and 0.2) x ``--seeds`` seeds: one
training per seed and two analysed points per training, as in a calibration sweep.

For each worker count: start a ``LocalCluster(n_workers, threads_per_worker=1,
processes=True)``, warm every worker up (import erpsim, load the numba cache, run a
tiny point), then time ``run_sweep`` of the whole grid into a fresh store (client-side
writing included). Printed: wall time, points per second, speed-up and parallel
efficiency against the first worker count, the CPU seconds the worker processes used
during the sweep, the cores they obtained (CPU / wall) and points per CPU second. The
machine's load average is printed too: on a shared machine other jobs take cores and
lower the speed-up (the "cores got" column shows by how much).
"""
import argparse
import os
import platform
import sys
import tempfile
import time

from _machine import cpu_model  # benchmarks/ is on sys.path when run as a script


def make_grid(seeds, epochs):
    return {"config": {"n_auto": 10, "n_hidden": 20, "n_sem": 20},
            "envelope": {"theta": [0.1, 0.2], "peak": 6.0},
            "training": {"max_epochs": epochs, "pretrain_epochs": 20, "check_every": 50},
            "seeds": list(range(seeds)), "n_per_type": 5}


def _warm_up():
    """Run on every worker: imports and numba's cached compilations, off the clock."""
    from erpsim.sweep import Grid, run_point
    g = Grid({"config": {"n_auto": 6, "n_hidden": 8, "n_sem": 8, "n_blank": 4, "n_stim": 8,
                         "n_targets": 2},
              "training": {"max_epochs": 2, "pretrain_epochs": 1, "check_every": 1, "n_active": 2},
              "seeds": [0], "n_per_type": 2})
    run_point(g.points()[0], g.load_lexicon())
    return os.getpid()


def _cpu_seconds():
    """CPU time (user + system) of this worker process so far."""
    return time.process_time()


def measure(n_workers, grid):
    from distributed import Client, LocalCluster

    from erpsim.sweep import SweepStore, run_sweep
    with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        client.run(_warm_up)
        with tempfile.TemporaryDirectory() as folder:
            cpu0 = client.run(_cpu_seconds)
            start = time.perf_counter()
            report = run_sweep(grid, folder, client=client, progress=False)
            wall = time.perf_counter() - start
            cpu1 = client.run(_cpu_seconds)
            worker_cpu = sum(cpu1[w] - cpu0[w] for w in cpu1 if w in cpu0)
            task_seconds = sum(e["seconds"] for e in SweepStore(folder).events()
                               if e.get("event") == "done")
    if not report.ok:
        raise RuntimeError(f"the sweep failed: {report}")
    return wall, report, task_seconds, worker_cpu


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=200)
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.workers.split(",")]
    grid = make_grid(args.seeds, args.epochs)
    import dask
    import distributed

    import erpsim
    n_points = 2 * args.seeds
    print(f"erpsim {erpsim.__version__}, dask {dask.__version__}, distributed "
          f"{distributed.__version__}, Python {platform.python_version()}")
    print(f"CPU: {cpu_model()}; usable cores: {len(os.sched_getaffinity(0))}; "
          f"load average before: {os.getloadavg()[0]:.2f}")
    print(f"grid: {n_points} points ({args.seeds} trainings of {args.epochs} epochs, 2 test-time "
          f"envelopes each), n_auto 10, n_hidden 20, n_sem 20, 20 items")
    print(f"{'workers':>7} {'wall s':>8} {'points/s':>9} {'speed-up':>9} {'efficiency':>10} "
          f"{'worker CPU s':>13} {'cores got':>10} {'points/CPU s':>13} {'load avg':>9}")
    base = None
    for n in counts:
        wall, report, task_seconds, cpu = measure(n, grid)
        rate = report.computed / wall
        base = base or (rate, n)
        speedup = rate / base[0]
        print(f"{n:>7} {wall:>8.2f} {rate:>9.3f} {speedup:>9.2f} "
              f"{speedup / (n / base[1]):>10.2f} {cpu:>13.2f} {cpu / wall:>10.2f} "
              f"{report.computed / cpu:>13.3f} {os.getloadavg()[0]:>9.2f}", flush=True)
    print("cores got = worker CPU seconds / wall seconds: the cores the workers actually "
          "obtained (other jobs on a shared machine take the rest); points/CPU s stays flat "
          "when the per-point cost does not grow with the number of workers.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
