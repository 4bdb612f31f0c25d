"""Time the CUDA backend on the default large workload against the numba CPU backend.

Workload: ``--instances`` (default 10,000) instances of the default network × every
lexicon item × a repetition pair (two trials, the alpha model unless ``--control``),
in float64 and float32. The CPU backend runs on the same machine on a slice of
``--cpu-instances`` instances and its time is scaled linearly to the full count (the
work is independent per instance; the slice is large enough to fill every core).

Printed per dtype: the GPU ``run()`` time (host-side checks, conversion and weight
packing, weights up, kernel, results back) and its parts; the scaled CPU ``run()`` time
(same host-side checks) and the ratios; the useful arithmetic rate (2 × the
multiply-adds of the weights that exist, per item and tick) and its fraction of the
device's peak (computed from the multiprocessor count, the clock and the FP32/FP64
lanes per multiprocessor of the compute capability: stated, not measured); the
bandwidth of the result writes and its fraction of the DRAM peak; and the largest
difference between the GPU and CPU results on the CPU slice.

    python benchmarks/bench_gpu.py                    # on a machine with a GPU
    NUMBA_ENABLE_CUDASIM=1 python benchmarks/bench_gpu.py --instances 2 --items 6 \\
        --cpu-instances 2 --dtypes float64            # dry run of the script, no GPU

See benchmarks/GPU.md.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

# (FP32, FP64) fused multiply-add lanes per multiprocessor, by compute capability
LANES = {(6, 0): (64, 32), (7, 0): (64, 32), (8, 0): (64, 32), (9, 0): (128, 64),
         (10, 0): (128, 64)}
LANES_DEFAULT = (128, 2)  # consumer parts (sm_61, 75, 86, 89, 120): FP64 at 1/64


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--instances", type=int, default=10_000)
    p.add_argument("--items", type=int, default=None, help="first N lexicon items (default all)")
    p.add_argument("--cpu-instances", type=int, default=None,
                   help="instances timed on the CPU (default 2 per core, at least 8)")
    p.add_argument("--dtypes", default="float64,float32")
    p.add_argument("--control", action="store_true", help="ERP model (no envelope)")
    p.add_argument("--budget", type=float, default=150.0,
                   help="seconds for the GPU run of each dtype; fewer instances if a probe "
                        "says that it would not fit")
    p.add_argument("--groups", default=None,
                   help="comma-separated unit groups to record (default all 8; 'S' keeps "
                        "only the sERP: an eighth of the result to copy back)")
    p.add_argument("--json", default=None, help="also write the results to this file")
    return p.parse_args(argv)


def device_info():
    from numba import cuda
    from numba.core import config
    info = {"simulator": bool(config.ENABLE_CUDASIM)}
    if info["simulator"]:
        return info
    dev = cuda.get_current_device()
    info["name"] = dev.name.decode() if isinstance(dev.name, bytes) else str(dev.name)
    info["cc"] = tuple(dev.compute_capability)
    info["sms"] = int(dev.MULTIPROCESSOR_COUNT)

    def attribute(name):
        try:
            return int(getattr(dev, name))
        except Exception:
            return None

    clock_khz = attribute("CLOCK_RATE")
    mem_khz = attribute("MEMORY_CLOCK_RATE")
    bus_bits = attribute("GLOBAL_MEMORY_BUS_WIDTH")
    if clock_khz is None or mem_khz is None:  # attributes dropped from newer CUDA
        try:
            out = subprocess.run(["nvidia-smi", "--query-gpu=clocks.max.sm,clocks.max.mem",
                                  "--format=csv,noheader,nounits"], capture_output=True,
                                 text=True, timeout=30).stdout.split("\n")[0].split(",")
            clock_khz = clock_khz or int(float(out[0]) * 1000)
            mem_khz = mem_khz or int(float(out[1]) * 1000)
        except Exception:
            pass
    info["sm_clock_mhz"] = clock_khz / 1000 if clock_khz else None
    lanes32, lanes64 = LANES.get(info["cc"], LANES_DEFAULT)
    if clock_khz:
        info["peak_flops"] = {"float32": 2 * lanes32 * info["sms"] * clock_khz * 1e3,
                              "float64": 2 * lanes64 * info["sms"] * clock_khz * 1e3}
    if mem_khz and bus_bits:
        info["peak_bandwidth"] = 2 * mem_khz * 1e3 * bus_bits / 8  # double data rate
    free, total = cuda.current_context().get_memory_info()
    info["memory_gib"] = total / 2 ** 30
    return info


def main(argv=None):
    args = parse_args(argv)
    import numba

    import erpsim
    from erpsim.model.coding import get_coding
    from erpsim.engine import gpu, make_schedule, run

    gpu.check_available()
    info = device_info()
    print("device:", json.dumps(info, default=str))
    if info["simulator"]:  # a dry run of this script: few Python threads per block
        gpu.TILE, gpu.MAX_WARPS = 4, 2
    print(f"numba {numba.__version__}, numba.cuda {getattr(numba.cuda, 'implementation', '?')}, "
          f"CPU threads {numba.get_num_threads()}")
    config = erpsim.ModelConfig()
    lexicon = erpsim.load_lexicon()
    strings = list(lexicon.items)[:args.items] if args.items else list(lexicon.items)
    x = get_coding(config.coding, n_slots=config.n_slots).encode(strings)
    schedule = make_schedule(config, 2)
    envelope = None if args.control else (config.envelope or erpsim.Envelope())
    n_base = min(args.instances, 64)
    base = erpsim.Network.initialize(config, n_instances=n_base, rng=0)
    n_items, n_ticks = len(strings), schedule.n_ticks
    macs = int(base.arch.mask.sum())
    cpu_n = args.cpu_instances or max(8, 2 * numba.get_num_threads())
    cpu_n = min(cpu_n, args.instances)
    print(f"workload: {args.instances} instances x {n_items} items x {n_ticks} ticks "
          f"(repetition pair), {base.n_units} units, {macs} weights, "
          f"{'control' if envelope is None else 'alpha'} model; CPU slice {cpu_n} instances")

    def network(n):
        reps = -(-n // n_base)
        W = np.tile(base.W, (reps, 1, 1))[:n]
        b = np.tile(base.b, (reps, 1))[:n]
        return erpsim.Network(config, W, b)

    t0 = time.perf_counter()
    full = network(args.instances)
    print(f"built {args.instances} instances in {time.perf_counter() - t0:.1f} s")
    results = []
    for dtype in args.dtypes.split(","):
        kw = dict(envelope=envelope, dtype=dtype,
                  groups=None if args.groups is None else tuple(args.groups.split(",")))
        # compile both backends on small inputs first
        run(base.select([0]), x[:4], schedule, backend="cuda", **kw)
        run(base.select([0]), x[:4], schedule, backend="numba", **kw)
        n = args.instances
        probe_n = min(n, 200)
        t0 = time.perf_counter()
        run(full.select(range(probe_n)), x, schedule, backend="cuda", **kw)
        probe_s = time.perf_counter() - t0
        if probe_s * n / probe_n > args.budget:
            n = max(probe_n, int(args.budget / probe_s * probe_n * 0.8))
            print(f"{dtype}: {args.instances} instances would exceed the budget; timing {n}")
        net = full if n == args.instances else full.select(range(n))
        t0 = time.perf_counter()
        means, _ = run(net, x, schedule, backend="cuda", **kw)
        gpu_s = time.perf_counter() - t0
        timing = dict(gpu.last_run)
        cpu_net = net.select(range(cpu_n))
        t0 = time.perf_counter()
        cpu_means, _ = run(cpu_net, x, schedule, backend="numba", **kw)
        cpu_slice_s = time.perf_counter() - t0
        cpu_s = cpu_slice_s * n / cpu_n
        diff = float(np.abs(means[:cpu_n] - cpu_means).max())
        flop = 2.0 * macs * n * n_items * n_ticks
        out_bytes = means.nbytes
        row = dict(dtype=dtype, instances=n, groups=args.groups or "all",
                   gpu_end_to_end_s=gpu_s,
                   gpu_kernel_s=timing["kernel_s"],
                   gpu_to_device_s=timing["to_device_s"], gpu_to_host_s=timing["to_host_s"],
                   gpu_host_prep_s=timing["host_prep_s"],
                   launches=timing["launches"], cpu_slice_s=cpu_slice_s, cpu_scaled_s=cpu_s,
                   ratio_end_to_end=cpu_s / gpu_s, ratio_kernel=cpu_s / timing["kernel_s"],
                   useful_gflops=flop / timing["kernel_s"] / 1e9,
                   cpu_gflops=flop / cpu_s / 1e9, write_gbs=out_bytes / timing["kernel_s"] / 1e9,
                   max_abs_diff_vs_cpu=diff)
        peak = info.get("peak_flops", {}).get(dtype)
        row["fraction_of_peak_flops"] = flop / timing["kernel_s"] / peak if peak else None
        bw = info.get("peak_bandwidth")
        row["fraction_of_peak_bandwidth"] = out_bytes / timing["kernel_s"] / bw if bw else None
        results.append(row)
        print(f"\n[{dtype}] {n} instances:")
        device_s = timing["to_device_s"] + timing["kernel_s"] + timing["to_host_s"]
        print(f"  GPU run()      {gpu_s:8.3f} s  (host checks and packing "
              f"{gpu_s - device_s:.3f}; to device {timing['to_device_s']:.3f}, kernel "
              f"{timing['kernel_s']:.3f}, to host {timing['to_host_s']:.3f}; "
              f"{timing['launches']} launch(es) of {timing['blocks_per_launch']} blocks)")
        print(f"  CPU numba      {cpu_s:8.3f} s  (measured {cpu_slice_s:.3f} s on {cpu_n} "
              f"instances, scaled x{n / cpu_n:.0f})")
        print(f"  speed-up       {cpu_s / gpu_s:8.1f} x run() to run(), "
              f"{cpu_s / device_s:.1f} x against the device part, "
              f"{cpu_s / timing['kernel_s']:.1f} x against the kernel")
        frac = f"{row['fraction_of_peak_flops']:.1%}" if peak else "n/a"
        print(f"  arithmetic     {row['useful_gflops']:8.1f} GFLOP/s useful "
              f"({frac} of the {dtype} peak); CPU {row['cpu_gflops']:.1f} GFLOP/s")
        frac = f"{row['fraction_of_peak_bandwidth']:.2%}" if bw else "n/a"
        print(f"  result writes  {row['write_gbs']:8.1f} GB/s ({frac} of the DRAM peak)")
        print(f"  max |GPU - CPU| on the slice: {diff:.3g}")
        del means, net
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"device": info, "results": results}, handle, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    sys.exit(main())
