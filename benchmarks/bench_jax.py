"""Benchmark: erpsim (numba, CPU) against the JAX peer, simulation and training.

    python benchmarks/bench_jax.py [--threads 1 2] [--repeats 5] [--json OUT.json]
                                   [--plot OUT.png] [--peers DIR] [--quick]
                                   [--kinds train sim] [--dtypes float64 float32]

The peer is ``jax_erp_peer.py`` from ``--peers`` (default ``../shared/peers`` beside the
repository): an independent JAX implementation of the same model (one ``jax.jit`` per
call, ``lax.scan`` over ticks, batched matmuls, ``jax.value_and_grad`` for BPTT). The
benchmark is skipped, with a message and exit status 0, when the peer or jax is missing.

Workloads (instances x items; 40 ticks: 20 blank, then 20 stimulus ticks):

- ``train IxK``: one full-batch BPTT epoch (forward, backward, Adam step, sign
  projection) on the first K trained items, I instances from
  ``Network.initialize(ModelConfig(), I, rng=0)``: erpsim's numba gradient with
  its Adam as ``bench_training.py`` runs it, against the peer's ``make_epoch``. The
  JAX state stays on the device between epochs (as a JAX training loop keeps it); the
  per-instance loss is brought to the host. In the float32 rows erpsim computes the
  gradient in float32 (``TrainingSettings(dtype="float32")``: forward and backward
  passes in float32, the weights and Adam in float64), JAX everything in float32.
- ``sim IxK``: one presentation of the first K lexicon items, the ERP model (no
  envelope), I instances tiled from the 10 instances of erpsim 0.2 (``erp_v0_2``), end to end: float64
  host arrays in, every group's mean per tick as a NumPy array out, ``(I, K, 40, 8)``
  (``erpsim.engine.run(..., dtype=...)`` against the peer's ``make_simulate``; the
  casts and the copy to the host are timed).
- ``sim 1000x200`` (``--memory-instances``): the same, each engine and dtype in a fresh
  process, for the peak memory: the process's resident-set high-water mark
  (``getrusage(RUSAGE_SELF).ru_maxrss``) at the end, and its increase over the mark
  after imports, inputs and a tiny warm-up run (what the workload itself needed: the
  output array, the engines' work arrays, and for JAX the compilation at full size).

float32 in JAX: the peer turns ``jax_enable_x64`` on when imported; its float32 runs get
float32 weights, biases and inputs (and the state and targets in training), and all its
arithmetic stays in float32 (the results' dtype is checked).

Threads: one worker process per ``--threads`` count N, pinned to N of the usable CPUs
(``sched_setaffinity``) before numba or XLA start threads; numba runs N threads
(``numba.set_num_threads``), XLA gets ``--xla_force_host_platform_device_count=1``, and
for N = 1 also ``--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1``
(XLA's CPU thread pools are sized once per process, hence a process per count).

Agreement is checked before timing, on the same inputs, and printed (``agreement``
lines): group means, max |JAX - erpsim| (tolerance 1e-12 in float64, 1e-5 in float32,
both engines in that dtype); training, the loss of the first epoch, max relative
difference (1e-12 in float64; 1e-5 in float32, both engines in float32) and in
float64 the weights after that epoch, max |JAX - erpsim| (1e-9: Adam's first step is
g / (|g| + 1e-8), which magnifies a gradient's rounding where |g| is near 1e-8). The
exit status is 1 if any check fails.

Timing: in each worker and workload, erpsim and JAX alternate (erpsim, JAX, erpsim,
JAX, ...: drift hits both) after a warm-up call of each (compilation excluded); the
table gives medians of ``--repeats`` and the ratio of medians JAX / erpsim (above 1:
erpsim is faster). ``--json`` writes every time measured; ``--plot`` draws cost against
instances x items (``plot_jax.py``, also usable on a saved JSON file).
"""
import argparse
import datetime
import importlib.util
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

import numba
import numpy as np

import erpsim
from erpsim.engine import Dynamics, make_schedule, run
from erpsim.model.coding import get_coding
from erpsim.model.semantics import random_semantics
from erpsim.training import cpu
from erpsim.training.trainer import item_weights
from erpsim.utils.atomic import atomic_write

from _machine import cpu_model  # benchmarks/ is on sys.path when run as a script
from bench_simulate import usable_cpus
from bench_training import default_targets, epoch_timer

PEERS = Path(__file__).resolve().parents[1].parent / "shared" / "peers"
PEER_FILE = "jax_erp_peer.py"
JSON_MARK = "BENCH_JAX_JSON "

#: (instances, items) per workload; "memory" is the instance count of the memory case.
SIZES = {"full": {"train": [(1, 100), (10, 100)], "sim": [(10, 200), (100, 200)],
                  "memory": (1000, 200)},
         "quick": {"train": [(1, 10), (2, 10)], "sim": [(2, 20), (4, 20)],
                   "memory": (8, 20)}}
DTYPES = ("float64", "float32")
#: Agreement tolerances: (quantity, dtype) -> largest accepted value.
TOLERANCE = {("means", "float64"): 1e-12, ("means", "float32"): 1e-5,
             ("loss", "float64"): 1e-12, ("loss", "float32"): 1e-5,
             ("weights", "float64"): 1e-9}
QUANTITY = {"means": "max |JAX - erpsim| group means",
            "loss": "max relative |JAX - erpsim| loss",
            "weights": "max |JAX - erpsim| weights after the epoch"}


# -- what is there -----------------------------------------------------------------------
def peer_problem(peers):
    """Why the benchmark cannot run (None when it can).

    Parameters
    ----------
    peers : pathlib.Path
        Folder expected to hold ``jax_erp_peer.py``.

    Returns
    -------
    str or None
    """
    if importlib.util.find_spec("jax") is None:
        return "jax is not installed (pip install jax)"
    if not (Path(peers) / PEER_FILE).is_file():
        return f"the JAX peer {PEER_FILE} is not in {peers} (give its folder with --peers DIR)"
    return None


def load_peer(peers):
    """Import the peer module from the folder ``peers`` (it enables jax's float64)."""
    spec = importlib.util.spec_from_file_location("jax_erp_peer", Path(peers) / PEER_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pin_threads(n):
    """Restrict this process to ``n`` CPUs and ``n`` numba threads, and set XLA's flags.

    Must run before jax is imported. Returns the number of CPUs the process may use
    (fewer than ``n`` when fewer are usable).
    """
    if hasattr(os, "sched_setaffinity"):
        cpus = sorted(os.sched_getaffinity(0))[:n]
        os.sched_setaffinity(0, cpus)
    else:                                   # not Linux: thread counts only
        cpus = range(min(n, os.cpu_count() or 1))
    flags = ["--xla_force_host_platform_device_count=1"]
    if n == 1:
        flags += ["--xla_cpu_multi_thread_eigen=false", "intra_op_parallelism_threads=1"]
    os.environ["XLA_FLAGS"] = " ".join([os.environ.get("XLA_FLAGS", "")] + flags).strip()
    numba.set_num_threads(max(1, min(n, numba.config.NUMBA_NUM_THREADS)))
    return len(cpus)


# -- inputs ------------------------------------------------------------------------------
#: The workload's network: erpsim 0.2's shipped instances and dynamics (the ModelConfig
#: field defaults: 20 blank ticks, one dt for every group), which the peer implements
#: (it has no per-group dt) and every table in benchmarks/README.md measured.
BENCH_MODEL = "erp_v0_2"


def shipped_instances(n):
    """``n`` instances tiled from the 10 trained ones of :data:`BENCH_MODEL` (a Network)."""
    shipped = erpsim.load_pretrained(BENCH_MODEL)
    reps = -(-n // shipped.n_instances)
    return erpsim.Network.concatenate([shipped] * reps).select(np.arange(n))


def letter_patterns(config, items):
    """Letter bits (len(items), n_input) of ``items`` in the configuration's coding."""
    return get_coding(config.coding, n_slots=config.n_slots).encode([str(s) for s in items])


def training_data(config, n_items):
    """Letter bits, semantic targets and loss weights of the first ``n_items`` trained
    items (as ``bench_training.py``; the weights renormalised to sum to 1)."""
    trained = erpsim.load_lexicon().trained
    x = letter_patterns(config, trained.items)[:n_items]
    patterns = random_semantics(len(trained), config.n_sem, 5, rng=1)[:n_items]
    weights = item_weights(trained)[:n_items]
    return x, patterns, weights / weights.sum()


# -- timing ------------------------------------------------------------------------------
def alternate(calls, repeats):
    """Time ``calls`` (name -> function) in turn, ``repeats`` rounds.

    Returns
    -------
    dict
        name -> list of ``repeats`` wall-clock times (s).
    """
    times = {name: [] for name in calls}
    for _ in range(repeats):
        for name, call in calls.items():
            start = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - start)
    return times


def check(quantity, dtype, value):
    """An agreement record: the value, its tolerance and whether it is within it."""
    tol = TOLERANCE[(quantity, dtype)]
    return {"quantity": quantity, "value": float(value), "tol": tol,
            "ok": bool(np.isfinite(value) and value <= tol)}


def computed_in(dtype, *results):
    """Raise unless every array in ``results`` is of ``dtype`` (no silent promotion)."""
    wrong = [str(r.dtype) for r in results if r.dtype != np.dtype(dtype)]
    if wrong:
        raise RuntimeError(f"asked for {dtype}, got results in {', '.join(wrong)}")


# -- simulation --------------------------------------------------------------------------
def erpsim_sim_call(net, x, dtype):
    """erpsim end to end: group means (I, K, n_ticks, n_groups) in ``dtype``."""
    schedule = make_schedule(net.config, 1)
    return lambda: run(net, x, schedule, dtype=dtype)[0]


def jax_sim_call(peer, net, x, dtype):
    """The peer end to end: float64 host arrays in, group means as a NumPy array out."""
    import jax.numpy as jnp

    simulate = peer.make_simulate(peer.Spec.from_erpsim(net, None))
    W = net.effective_weights()
    return lambda: np.asarray(simulate(jnp.asarray(W, dtype), jnp.asarray(net.b, dtype),
                                       jnp.asarray(x, dtype)))


def sim_case(peer, n_inst, n_items, dtype, repeats):
    """Check then time the simulation of ``n_inst`` x ``n_items`` in ``dtype``."""
    net = shipped_instances(n_inst)
    x = letter_patterns(net.config, erpsim.load_lexicon().items[:n_items])
    calls = {"erpsim": erpsim_sim_call(net, x, dtype), "jax": jax_sim_call(peer, net, x, dtype)}
    ours, theirs = calls["erpsim"](), calls["jax"]()     # warm-up and compilation
    computed_in(dtype, ours, theirs)
    agreement = [check("means", dtype, np.abs(theirs.astype(np.float64) - ours).max())]
    del ours, theirs
    return agreement, alternate(calls, repeats)


# -- training ----------------------------------------------------------------------------
def erpsim_loss(net, x, patterns, weights, schedule, dtype="float64"):
    """erpsim's per-instance training loss (n_instances,) at the current weights, its
    gradient computed in ``dtype``."""
    targets = default_targets(net, patterns, weights, schedule)
    loss, _, _ = cpu.loss_and_grad(net.W.astype(dtype), net.b.astype(dtype), x, targets,
                                   schedule, net.arch.mask,
                                   Dynamics.from_network(net, None, schedule.n_ticks),
                                   blocks=net.arch.blocks)
    return loss


def jax_epoch_call(peer, net, data, dtype):
    """The peer's epoch from ``net``'s current weights.

    Returns
    -------
    call : callable
        Runs one more epoch (the state stays on the device, the loss comes to the host).
    W : ndarray (n_instances, n_units, n_units)
        The weights after the first epoch, run here (it compiles).
    loss : ndarray (n_instances,)
        The loss of the first epoch.
    """
    import jax.numpy as jnp

    epoch = peer.make_epoch(peer.Spec.from_erpsim(net, None), lr=0.03)
    x, target, weights = (jnp.asarray(a, dtype) for a in data)
    state, loss = epoch(peer.init_state(net.W, net.b, dtype), x, target, weights)
    current = [state]
    W, loss = np.asarray(state[0]), np.asarray(loss)   # before the state is donated

    def call():
        current[0], per = epoch(current[0], x, target, weights)
        return np.asarray(per)
    return call, W, loss


def train_case(peer, n_inst, n_items, dtype, repeats):
    """Check then time one training epoch of ``n_inst`` x ``n_items`` in ``dtype`` (erpsim:
    the gradient; its weights and Adam stay float64)."""
    config = erpsim.ModelConfig()                      # the peer's dynamics (BENCH_MODEL)
    net = erpsim.Network.initialize(config, n_inst, rng=0)
    data = training_data(config, n_items)
    schedule = make_schedule(config, 1)
    jax_call, jax_W, jax_loss = jax_epoch_call(peer, net, data, dtype)
    loss = erpsim_loss(net, *data, schedule, dtype)
    ours = epoch_timer(cpu, net, *data, schedule, dtype)
    ours()                                               # the same first epoch
    computed_in(dtype, jax_W, jax_loss)
    agreement = [check("loss", dtype, np.max(np.abs(jax_loss - loss) / np.abs(loss)))]
    if dtype == "float64":
        agreement.append(check("weights", dtype, np.abs(jax_W - net.W).max()))
    return agreement, alternate({"erpsim": ours, "jax": jax_call}, repeats)


# -- worker processes --------------------------------------------------------------------
def worker(args):
    """Run every timed workload at ``args.threads[0]`` threads; print one JSON line."""
    threads = args.threads[0]
    cpus = pin_threads(threads)
    peer = load_peer(args.peers)
    sizes = SIZES["quick" if args.quick else "full"]
    records = []
    for kind, case in (("train", train_case), ("sim", sim_case)):
        for n_inst, n_items in sizes[kind] if kind in args.kinds else []:
            for dtype in args.dtypes:
                agreement, times = case(peer, n_inst, n_items, dtype, args.repeats)
                records.append(dict(
                    workload=kind, instances=n_inst, items=n_items, dtype=dtype,
                    erpsim_dtype=dtype, threads=threads,
                    cpus=cpus, numba_threads=numba.get_num_threads(), agreement=agreement,
                    erpsim_s=statistics.median(times["erpsim"]),
                    jax_s=statistics.median(times["jax"]), times=times))
    print(JSON_MARK + json.dumps(records))
    return 0


def memory_worker(args):
    """The memory case for one engine and dtype in this (fresh) process; one JSON line."""
    engine, dtype = args.memory_case
    threads = args.threads[0]
    cpus = pin_threads(threads)
    n_inst, n_items = args.memory_instances, SIZES["quick" if args.quick else "full"]["memory"][1]
    items = erpsim.load_lexicon().items
    peer = load_peer(args.peers) if engine == "jax" else None

    def make(n, k):
        net = shipped_instances(n)
        x = letter_patterns(net.config, items[:k])
        return erpsim_sim_call(net, x, dtype) if peer is None else jax_sim_call(peer, net, x, dtype)

    make(2, 2)()                                         # tiny warm-up: imports, numba
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    call = make(n_inst, n_items)
    call()                                               # full-size warm-up (JAX compiles)
    times = alternate({engine: call}, args.memory_repeats)[engine]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(JSON_MARK + json.dumps(dict(
        workload="memory", engine=engine, instances=n_inst, items=n_items, dtype=dtype,
        threads=threads, cpus=cpus, seconds=statistics.median(times), times=times,
        peak_mib=peak / 1024, increase_mib=(peak - baseline) / 1024)))
    return 0


def spawn(args, *extra):
    """Run this script as a worker with ``extra`` options; its JSON result."""
    command = [sys.executable, str(Path(__file__).resolve()), "--peers", str(args.peers),
               "--repeats", str(args.repeats), "--memory-repeats", str(args.memory_repeats),
               "--memory-instances", str(args.memory_instances), "--kinds", *args.kinds,
               "--dtypes", *args.dtypes, *extra]
    if args.quick:
        command.append("--quick")
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"worker {' '.join(extra)} failed:\n{done.stderr[-3000:]}")
    line = [ln for ln in done.stdout.splitlines() if ln.startswith(JSON_MARK)][-1]
    return json.loads(line[len(JSON_MARK):])


# -- report ------------------------------------------------------------------------------
def print_header(args):
    """Print what ran where: date, command, machine, software, peer, workloads."""
    sizes = SIZES["quick" if args.quick else "full"]
    quick = "  (--quick: tiny sizes, timings meaningless)" if args.quick else ""
    print("erpsim vs the JAX peer" + quick)
    print(f"date      {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"command   {' '.join([os.path.basename(sys.executable)] + sys.argv)}")
    print(f"machine   {cpu_model()}; {os.cpu_count()} logical CPUs, {usable_cpus()} usable")
    print(f"software  python {platform.python_version()}, numpy {np.__version__}, "
          f"numba {numba.__version__}, jax {version('jax')}, erpsim {erpsim.__version__}")
    print(f"peer      {Path(args.peers) / PEER_FILE}")
    print(f"workloads train {sizes['train']}, sim {sizes['sim']} (instances, items), 40 ticks;"
          f" threads {args.threads}; median of {args.repeats}, erpsim and JAX alternated")
    print("note      erpsim float32 training = float32 gradients, float64 weights and Adam;"
          "\n          JAX float32 = float32 inputs and state "
          "under jax_enable_x64 (set by the peer), result dtypes checked\n")


def label(record):
    """``sim IxK`` / ``train IxK`` (the memory case is a simulation)."""
    kind = "train" if record["workload"] == "train" else "sim"
    return f"{kind} {record['instances']}x{record['items']}"


def print_agreement(records):
    """Print one ``agreement`` line per check and thread count; True if all pass."""
    ok = True
    for r in records:
        for a in r["agreement"]:
            ok &= a["ok"]
            print(f"agreement  {label(r):<14}{r['dtype']:<9}{r['threads']} thr  "
                  f"{QUANTITY[a['quantity']]}: {a['value']:.1e} (tolerance {a['tol']:.0e}) "
                  f"{'ok' if a['ok'] else 'FAIL'}")
    return ok


def print_table(records, memory):
    """The timing table (and the memory case's, when it was run)."""
    head = (f"{'workload':<16}{'dtype':<14}{'threads':>7}{'erpsim s':>11}{'JAX s':>11}"
            f"{'JAX/erpsim':>12}")
    print("\n" + head + "\n" + "-" * len(head))
    for r in records:
        dtype = r["dtype"] + ("/f64*" if r["erpsim_dtype"] != r["dtype"] else "")
        print(f"{label(r):<16}{dtype:<14}{r['threads']:>7}{r['erpsim_s']:>11.4f}"
              f"{r['jax_s']:>11.4f}{r['jax_s'] / r['erpsim_s']:>12.2f}")
    if not memory:
        return
    head += f"{'erpsim peak MiB (+run)':>24}{'JAX peak MiB (+run)':>22}"
    print("\nfresh process per engine and dtype; peak = ru_maxrss, +run = its increase "
          "over the mark before the workload\n" + head + "\n" + "-" * len(head))
    for dtype in DTYPES:
        ours, theirs = (next(m for m in memory if m["engine"] == e and m["dtype"] == dtype)
                        for e in ("erpsim", "jax"))
        print(f"{label(ours):<16}{dtype:<14}{ours['threads']:>7}{ours['seconds']:>11.4f}"
              f"{theirs['seconds']:>11.4f}{theirs['seconds'] / ours['seconds']:>12.2f}"
              f"{memory_cell(ours):>24}{memory_cell(theirs):>22}")


def memory_cell(record):
    """``peak (+increase)`` in MiB."""
    return f"{record['peak_mib']:.0f} (+{record['increase_mib']:.0f})"


def write_json(path, args, records, memory):
    """Write the raw numbers to ``path`` (atomically)."""
    payload = {"machine": cpu_model(), "cpus": usable_cpus(), "command": sys.argv,
               "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
               "quick": args.quick, "runs": records, "memory": memory}

    def write(tmp):
        with open(tmp, "w") as handle:
            json.dump(payload, handle, indent=1)
    atomic_write(path, write)


# -- command line ------------------------------------------------------------------------
def parse(argv):
    """The command line's options (argparse.Namespace); exits with a message if invalid."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2],
                        help="thread counts, one worker process each (default: 1 2)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per workload")
    parser.add_argument("--memory-instances", type=int, default=None,
                        help="instances of the memory case (default 1000; 0 skips it)")
    parser.add_argument("--memory-repeats", type=int, default=3)
    parser.add_argument("--peers", type=Path, default=PEERS,
                        help=f"folder of {PEER_FILE} (default: {PEERS})")
    parser.add_argument("--json", type=Path, help="write the raw numbers here")
    parser.add_argument("--plot", type=Path, help="draw cost against instances x items here (PNG)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes (the smoke test)")
    parser.add_argument("--kinds", nargs="+", choices=("train", "sim"), default=["train", "sim"],
                        help="workloads to run (default: both)")
    parser.add_argument("--dtypes", nargs="+", choices=DTYPES, default=list(DTYPES),
                        help="precisions to run (default: both)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--memory-case", nargs=2, metavar=("ENGINE", "DTYPE"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_instances is None:
        args.memory_instances = SIZES["quick" if args.quick else "full"]["memory"][0]
    if args.plot and importlib.util.find_spec("matplotlib") is None:
        parser.error("--plot needs matplotlib (pip install matplotlib)")
    if min(args.threads, default=0) < 1 or min(args.repeats, args.memory_repeats) < 1 \
            or args.memory_instances < 0:
        parser.error("--threads, --repeats and --memory-repeats must be >= 1, "
                     "--memory-instances >= 0")
    return args


def main(argv=None):
    """Run the benchmark (or, with the hidden options, one worker); the exit status."""
    args = parse(argv)
    if args.worker:
        return worker(args)
    if args.memory_case:
        return memory_worker(args)
    problem = peer_problem(args.peers)
    if problem is not None:
        print(f"skipped: {problem}")
        return 0
    print_header(args)
    records = sum((spawn(args, "--worker", "--threads", str(n)) for n in args.threads), [])
    memory = [spawn(args, "--memory-case", engine, dtype, "--threads", str(max(args.threads)))
              for dtype in args.dtypes for engine in ("erpsim", "jax")] if args.memory_instances else []
    for threads, cpus in sorted({(r["threads"], r["cpus"]) for r in records}):
        if cpus < threads:
            print(f"warning    {threads} threads asked, only {cpus} CPUs usable")
    ok = print_agreement(records)
    print_table(records, memory)
    if args.json:
        write_json(args.json, args, records, memory)
    if args.plot:
        from plot_jax import plot_results
        plot_results(records, memory, args.plot)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
