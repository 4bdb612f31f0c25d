"""Benchmark: simulating the default network on the whole lexicon, numba vs NumPy.

    python benchmarks/bench_simulate.py [--instances 10] [--repeats 5]

Times, on both CPU backends in the same run (warm-up and compilation excluded, median of
``--repeats`` runs):

- one presentation: 10 instances x all 200 lexicon items x 40 ticks (ERP model, no
  envelope);
- a repetition pair: the same x 2 presentations (80 ticks) with the default alpha
  envelope;
- ``erpsim.simulate`` end to end (encoding and the xarray result included) for the
  single presentation on numba.

It prints the speed-up of numba over the batched NumPy reference and the achieved
floating-point rate as a fraction of this machine's matrix-multiply rate in the same
dtype (``--dtype``, float64 by default; ``numpy.matmul`` of two 2000 x 2000 matrices,
all threads), measured in the same run.

The numba backend computes the ticks before stimulus onset once per tile instead of
once per item (they do not depend on the item). Its rate is therefore given twice:
``exec GFLOP/s`` counts only the flops it executes (the fraction of the matmul rate is
of this one), ``equiv GFLOP/s`` the flops of the whole computation, item by item, that
its result stands for (the NumPy reference executes all of them, and more).

Flop count (useful flops only): per item and tick, 2 flops (a multiply and an add) per
existing connection, ``2 * Architecture.mask.sum()``, plus 10 flops per unit for the
update (bias and input drive, the leaky integration's 3, the logistic's exp, add and
divide counted as 3, the group-mean accumulation). The envelope's comparisons and the
NumPy reference's multiplications by absent (zero) connections are not counted.
"""
import argparse
import datetime
import os
import platform
import statistics
import sys
import time

import numpy as np
from _machine import cpu_model  # benchmarks/ is on sys.path when run as a script


def usable_cpus():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count()


def median_time(fn, repeats, warmup=1):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times), max(times)


def matmul_rate(n=2000, repeats=5, dtype="float64"):
    """matmul rate of this machine in ``dtype``, flop/s (median over repeats, all threads)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(dtype)
    b = rng.standard_normal((n, n)).astype(dtype)
    med, best, _ = median_time(lambda: a @ b, repeats)
    return 2.0 * n ** 3 / med, 2.0 * n ** 3 / best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--instances", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--dtype", choices=("float64", "float32"), default="float64",
                        help="precision of the simulations and of the matmul baseline")
    args = parser.parse_args(argv)

    import numba

    import erpsim
    from erpsim import Envelope, ModelConfig, Network, load_lexicon
    from erpsim.engine import make_schedule, run

    config = ModelConfig()
    net = Network.initialize(config, args.instances, rng=0)
    lexicon = load_lexicon()
    x = lexicon.encode()
    arch = net.arch
    connections = int(arch.mask.sum())
    flops_item_tick = 2 * connections + 10 * arch.n_units

    print("erpsim simulation benchmark")
    print(f"date      {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"command   {' '.join([os.path.basename(sys.executable)] + sys.argv)}")
    print(f"machine   {cpu_model()}; {os.cpu_count()} logical CPUs, {usable_cpus()} usable; "
          f"numba threads {numba.get_num_threads()}")
    print(f"software  python {platform.python_version()}, numpy {np.__version__}, "
          f"numba {numba.__version__}, erpsim {erpsim.__version__}")
    print(f"network   default ModelConfig(): {arch.n_units} units "
          f"({', '.join(f'{g} {arch.sizes[g]}' for g in arch.groups)}), "
          f"{connections} connections; {args.instances} instances x {len(lexicon)} items")
    print(f"flops     2 x {connections} connections + 10 x {arch.n_units} units = "
          f"{flops_item_tick} per item-tick")

    peak, peak_best = matmul_rate(dtype=args.dtype)
    print(f"matmul    {args.dtype} 2000x2000: {peak / 1e9:.1f} GFLOP/s median "
          f"({peak_best / 1e9:.1f} best), all threads")
    print(f"repeats   median of {args.repeats} after a warm-up run\n")

    from erpsim.engine.cpu import shared_prefix_length, tile_layout

    cases = [("1 presentation, control", make_schedule(config, 1), None),
             ("repetition pair, alpha", make_schedule(config, 2), Envelope())]
    header = f"{'case':<27}{'backend':<8}{'ticks':>6}{'median s':>10}{'min s':>9}" \
             f"{'exec GFLOP/s':>14}{'of matmul':>11}{'equiv GFLOP/s':>15}"
    print(header)
    print("-" * len(header))
    for label, schedule, envelope in cases:
        n_item_ticks = args.instances * len(lexicon) * schedule.n_ticks
        flops = flops_item_tick * n_item_ticks
        n_prefix = shared_prefix_length(schedule.stim)
        n_tiles, _ = tile_layout(args.instances, len(lexicon))
        executed = {"numpy": flops,
                    "numba": flops_item_tick * args.instances * (
                        n_tiles * n_prefix + len(lexicon) * (schedule.n_ticks - n_prefix))}
        results = {}
        for backend in ("numpy", "numba"):
            def call(backend=backend):
                return run(net, x, schedule, envelope=envelope, backend=backend,
                           dtype=args.dtype)[0]
            results[backend] = call()  # also compiles numba (excluded from timings)
            med, best, _ = median_time(call, args.repeats, warmup=1)
            rate = executed[backend] / med
            print(f"{label:<27}{backend:<8}{schedule.n_ticks:>6}{med:>10.4f}{best:>9.4f}"
                  f"{rate / 1e9:>14.2f}{rate / peak:>10.1%}{flops / med / 1e9:>15.2f}")
            results[backend + "_time"] = med
        diff = np.abs(results["numpy"] - results["numba"]).max()
        print(f"{'':<27}speed-up numba / numpy: {results['numpy_time'] / results['numba_time']:.1f}x"
              f"   (max |numba - numpy| = {diff:.1e})")

    schedule = make_schedule(config, 1)
    med, best, _ = median_time(lambda: erpsim.simulate(net, lexicon, backend="numba",
                                                       dtype=args.dtype), args.repeats)
    n_prefix = shared_prefix_length(schedule.stim)
    n_tiles, _ = tile_layout(args.instances, len(lexicon))
    kernel = flops_item_tick * args.instances * (
        n_tiles * n_prefix + len(lexicon) * (schedule.n_ticks - n_prefix))
    print(f"\nerpsim.simulate end to end (1 presentation, numba): {med:.4f} s median "
          f"({kernel / med / 1e9:.2f} GFLOP/s executed, {kernel / med / peak:.1%} of matmul)")
    print(f"numba threading layer: {numba.threading_layer() if _ran_parallel() else 'n/a'}")
    return 0


def _ran_parallel():
    """True once a parallel numba function has run (threading_layer() needs one)."""
    try:
        import numba
        numba.threading_layer()
        return True
    except ValueError:
        return False


if __name__ == "__main__":
    sys.exit(main())
