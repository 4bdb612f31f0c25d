"""Benchmark: the cost of a small call, and the memory of a large one.

    python benchmarks/bench_latency.py [--calls 200] [--memory] [--instances 1000]

**Latency** (1 shipped instance x 4 items, one presentation, the calibrated alpha
envelope, numba backend): the minimum and the median of ``--calls`` calls of each
stage, and each stage's minimum as a ratio to the kernel's alone (the numba backend's
``simulate`` on one thread, measured in the same run):

- the kernel on one thread and with numba's parallel region (2 threads here);
- ``erpsim.engine.run`` (network check, dynamics, kernel);
- ``erpsim.simulate`` end to end, and its parts outside the kernel: the network check,
  the configuration's JSON, building the result (``simulate`` with the engine's output
  given).

**Memory** (``--memory``): the peak resident set (``resource.getrusage``) of a fresh
process that simulates ``--instances`` instances (copies of the 10 shipped ones) x all
200 lexicon items, for one presentation and for a repetition pair, with every group's
mean (the default) and with ``groups=("S",)``; the peak before the simulation (Python,
the packages, the weights) is subtracted, and the size of the result's data (each
buffer once) printed beside it.
"""
import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

import numpy as np
from _machine import cpu_model  # benchmarks/ is on sys.path when run as a script

ITEMS = ["cat", "dog", "ink", "zqx"]


def timings(fn, calls):
    """(min, median) of ``calls`` calls of ``fn`` in ms, after one warm-up call."""
    fn()
    times = []
    for _ in range(calls):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * min(times), 1e3 * statistics.median(times)


def one_thread(fn):
    """``fn`` run with numba's thread count at 1 (restored after)."""
    import numba

    def wrapped():
        before = numba.get_num_threads()
        numba.set_num_threads(1)
        try:
            return fn()
        finally:
            numba.set_num_threads(before)
    return wrapped


def stages(network):
    """Name -> zero-argument callable for each stage of a small call."""
    import erpsim
    from erpsim import engine
    from erpsim.engine import cpu
    from erpsim.engine.dynamics import Dynamics
    from erpsim.model.coding import get_coding
    from erpsim.simulation import trials

    config, arch = network.config, network.arch
    x = get_coding(config.coding, n_slots=config.n_slots).encode(ITEMS)
    schedule = engine.make_schedule(config)
    dynamics = Dynamics.from_network(network, "config", schedule.n_ticks)

    def kernel():
        return cpu.simulate(network.W, network.b, x, schedule.stim, schedule.reset,
                            dynamics, group_index=arch.group_index,
                            n_groups=len(arch.groups), record_units=False,
                            blocks=arch.blocks)
    output = engine.run(network, x, schedule, envelope="config")

    def result_only():
        real, trials.run = trials.run, lambda *args, **kwargs: output
        try:
            return erpsim.simulate(network, ITEMS)
        finally:
            trials.run = real
    def parallel_kernel():
        serial_max = getattr(cpu, "SERIAL_MAX_ITEMS", None)
        cpu.SERIAL_MAX_ITEMS = 0          # no one-thread path for this row
        try:
            return kernel()
        finally:
            cpu.SERIAL_MAX_ITEMS = serial_max
    check = getattr(engine, "_check_network", lambda net: net.validate())
    return {"kernel, 1 thread": one_thread(kernel), "kernel, parallel region": parallel_kernel,
            "engine.run": lambda: engine.run(network, x, schedule, envelope="config"),
            "erpsim.simulate": lambda: erpsim.simulate(network, ITEMS),
            "  network check": lambda: check(network),
            "  config to JSON": config.to_json,
            "  building the result": result_only}


def latency(calls):
    import numba

    import erpsim
    from erpsim.engine import cpu

    network = erpsim.load_pretrained("erp_v0_2").select([0])   # 40 ticks, as in the README
    serial_max = getattr(cpu, "SERIAL_MAX_ITEMS", None)
    rows = {name: timings(fn, calls) for name, fn in stages(network).items()}
    base = rows["kernel, 1 thread"][0]
    print(f"1 instance x {len(ITEMS)} items, 40 ticks, alpha envelope; {calls} calls; "
          f"numba {numba.__version__}, {numba.config.NUMBA_NUM_THREADS} threads; "
          f"one-thread threshold: {serial_max} instance-items")
    print(f"{'stage':28s} {'min ms':>8s} {'median ms':>10s} {'min / kernel':>13s}")
    for name, (best, median) in rows.items():
        print(f"{name:28s} {best:8.3f} {median:10.3f} {best / base:12.2f}x")


def peak_rss_mb():
    """Peak resident set of this process so far, in MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory_case(instances, presentations, groups):
    """Run one large simulation in this process; print a JSON line of its memory."""
    import erpsim
    from erpsim import Network

    shipped = erpsim.load_pretrained("erp_v0_2")                # the README's workload
    network = Network.concatenate([shipped] * (instances // shipped.n_instances))
    lexicon = erpsim.load_lexicon()
    erpsim.simulate(network.select([0]), lexicon.items[:2])      # compile/load, small
    before = peak_rss_mb()
    t0 = time.perf_counter()
    ds = erpsim.simulate(network, lexicon, presentations=presentations, groups=groups)
    seconds = time.perf_counter() - t0
    means = ds["layer_mean"].values         # the sERP may be a view of it: count it once
    data = sum(v.nbytes for name, v in ds.data_vars.items()
               if name == "layer_mean" or not np.may_share_memory(v.values, means))
    print(json.dumps({"before_mb": before, "peak_mb": peak_rss_mb(), "seconds": seconds,
                      "result_mb": data / 2 ** 20, "n_ticks": ds.sizes["tick"],
                      "instance_items": ds.sizes["instance"] * ds.sizes["item"]}))


def memory(instances):
    print(f"\n{instances} instances x 200 items, fresh process per row "
          "(peak RSS above the peak before the call)")
    print(f"{'case':34s} {'result MB':>10s} {'peak extra MB':>14s} {'bytes/inst-item':>16s} "
          f"{'s':>6s}")
    for presentations in (1, 2):
        for groups in (None, "S"):
            out = subprocess.run([sys.executable, __file__, "--memory-case",
                                  f"{instances},{presentations},{groups or ''}"],
                                 capture_output=True, text=True, check=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            extra = r["peak_mb"] - r["before_mb"]
            kept = "all groups" if groups is None else "S only"
            name = f"{presentations} presentation(s), {kept}"
            print(f"{name:34s} {r['result_mb']:10.0f} {extra:14.0f} "
                  f"{extra * 2 ** 20 / r['instance_items']:16.0f} {r['seconds']:6.1f}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--memory", action="store_true", help="also measure a large call's memory")
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--memory-case", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_case:
        instances, presentations, groups = args.memory_case.split(",")
        memory_case(int(instances), int(presentations), (groups,) if groups else None)
        return
    print(f"CPU: {cpu_model()}; Python {sys.version.split()[0]}; numpy {np.__version__}")
    latency(args.calls)
    if args.memory:
        memory(args.instances)


if __name__ == "__main__":
    main()
