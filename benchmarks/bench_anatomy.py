"""Where a training epoch's or a simulation's time goes on one thread, and what that bounds.

    python benchmarks/bench_anatomy.py [--kind train|sim] [--instances N] [--items K]
                                       [--repeats 20] [--dtypes float32 float64]
                                       [--peers DIR] [--no-jax]

Issue #15 asks for a float32 epoch of 1 instance x 100 items at least 1.5x faster than
the JAX peer's. This script splits erpsim's epoch (the workload of ``bench_jax.py``:
``ModelConfig()``, 40 ticks, one thread) into

- the **projection work**: the net-input sums Σ W y of the forward pass, the sums Σ Wᵀ g
  of the backward pass and the weight gradient's dot products, i.e. everything that
  scales with the connections;
- **the rest**: integration and logistic, the backward pass's elementwise steps, the
  loss, the history, Adam and the sign projection, the Python wrapper. Measured as the
  same epoch with no projections (``blocks`` empty: the same units, ticks and items,
  every per-unit step still computed);

and compares the projection work's rate (executed flops: 2 per connection and column,
the padding columns included) with this machine's matmul rate on one thread in the same
dtype. With ``jax`` and the peer (``--peers``, default ``../shared/peers``) it also times
the peer's epoch, alternated with erpsim's, and prints the rate the projection work
would need for erpsim to be 1.5x faster than JAX if the rest kept its measured cost.

``--kind sim`` does the same for one presentation of ``--items`` lexicon items to
``--instances`` trained instances of erpsim 0.2 (default 10 x 200: ``bench_jax.py``'s
``sim 10x200``), through the numba backend's ``simulate`` (the kernel and its wrapper;
no result object). There the rest is the integration, the logistic and the group
means; the script prints the fraction of the matmul rate of all executed flops (as
``bench_simulate.py`` counts them: 2 per connection and 10 per unit, per item-tick) and
the rate the projection sums would need for that fraction to reach 50% (issue #15)
with the rest as measured.

Ratios and rates are of medians measured in this run.
"""
import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"          # the matmul baseline on one thread (before numpy loads)

import argparse  # noqa: E402
import datetime  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import bench_jax  # noqa: E402  (benchmarks/ is on sys.path when run as a script)
import numpy as np  # noqa: E402

import erpsim  # noqa: E402
from _machine import cpu_model  # noqa: E402
from bench_training import default_targets, epoch_timer  # noqa: E402
from erpsim.engine import Dynamics, make_schedule  # noqa: E402
from erpsim.engine import cpu as engine_cpu  # noqa: E402
from erpsim.engine.cpu import shared_prefix_length, tile_layout  # noqa: E402
from erpsim.training import cpu  # noqa: E402
from erpsim.training.optim import Adam  # noqa: E402
from erpsim.training.trainer import _grad_params  # noqa: E402

TARGET = 1.5            # issue #15: erpsim at least this much faster than JAX
FRACTION = 0.5          # issue #15: of the machine's matmul rate
DEFAULT_SIZE = {"train": (1, 100), "sim": (10, 200)}


def matmul_rate(dtype, n=1500, repeats=5):
    """Best matmul rate of this process (flop/s; BLAS on one thread) in ``dtype``."""
    a = np.random.default_rng(0).standard_normal((n, n)).astype(dtype)
    a @ a
    best = min(_seconds(lambda: a @ a) for _ in range(repeats))
    return 2.0 * n ** 3 / best


def _seconds(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def projection_flops(n_inst, n_items, schedule, blocks, dtype):
    """Executed flops of one epoch's projection work (forward sums, backward Wᵀ sums,
    weight-gradient dot products), the tiles' padding columns included."""
    n_tiles, width = tile_layout(n_inst, n_items, dtype=dtype)
    n_prefix = shared_prefix_length(schedule.stim)
    n_late = schedule.n_ticks - n_prefix
    tiles = n_inst * n_tiles
    columns = tiles * (width * n_late + n_prefix)      # blank ticks: one column per tile
    backward = columns - tiles                         # no Wᵀ sum at tick 0
    return 2 * connections(blocks) * (2 * columns + backward)


def connections(blocks):
    """Connections of the projections ``blocks`` (rows: d0, d1, s0, s1)."""
    blocks = np.asarray(blocks)
    return int(((blocks[:, 1] - blocks[:, 0]) * (blocks[:, 3] - blocks[:, 2])).sum())


def epoch_without_projections(net, x, patterns, weights, schedule, dtype):
    """The epoch of :func:`bench_training.epoch_timer` with no projections (``blocks``
    empty): every per-unit step, no sums over connections."""
    dynamics = _grad_params(net, None, schedule)
    targets = default_targets(net, patterns, weights, schedule)
    opt = Adam([net.W, net.b], lr=0.03)
    none = np.zeros((0, 4), dtype=np.int64)
    real = np.dtype(dtype)

    def epoch():
        loss, dW, db = cpu.loss_and_grad(net.W.astype(real, copy=False),
                                         net.b.astype(real, copy=False), x, targets,
                                         schedule, net.arch.mask, dynamics, blocks=none)
        opt.step([dW, db], arch=net.arch)
    return epoch


def measure(args, dtype, peer):
    """Medians (s) of the epoch, the epoch without projections and (with ``peer``) JAX's
    epoch, alternated ``args.repeats`` rounds; and the projection work's flops."""
    config = erpsim.ModelConfig()
    data = bench_jax.training_data(config, args.items)
    schedule = make_schedule(config, 1)
    def fresh():
        return erpsim.Network.initialize(config, args.instances, rng=0)

    calls = {"epoch": epoch_timer(cpu, fresh(), *data, schedule, dtype),
             "rest": epoch_without_projections(fresh(), *data, schedule, dtype)}
    if peer is not None:
        calls["jax"] = bench_jax.jax_epoch_call(peer, fresh(), data, dtype)[0]
    for call in calls.values():
        call()                                         # compilation
    times = bench_jax.alternate(calls, args.repeats)
    medians = {name: statistics.median(t) for name, t in times.items()}
    flops = projection_flops(args.instances, args.items, schedule, fresh().arch.blocks, dtype)
    return medians, flops


def projection_time(dtype, label, whole, rest, flops):
    """Print the dtype's heading; the projections' time (s), or None (saying so) when a
    tiny problem's projections are below the timing noise."""
    print(f"{dtype}:")
    if whole > rest:
        return whole - rest
    print(f"  {label} {whole * 1e3:.3f} ms, without projections (rest) {rest * 1e3:.3f} ms: "
          f"the projection work ({flops / 1e6:.1f} Mflop executed) is below the timing "
          "noise at this size")
    return None


def report(dtype, medians, flops, rate):
    """Print one dtype's anatomy and, with a JAX time, the bound it implies."""
    epoch, rest = medians["epoch"], medians["rest"]
    work = projection_time(dtype, "epoch", epoch, rest, flops)
    if work is None:
        return
    print(f"  epoch                       {epoch * 1e3:8.2f} ms")
    print(f"  without projections (rest)  {rest * 1e3:8.2f} ms  ({rest / epoch:.0%} of the epoch)")
    print(f"  projection work             {work * 1e3:8.2f} ms  {flops / 1e6:.1f} Mflop executed, "
          f"{flops / work / 1e9:.1f} GFLOP/s = {flops / work / rate:.0%} of matmul "
          f"({rate / 1e9:.1f} GFLOP/s, one thread)")
    if "jax" not in medians:
        return
    jax = medians["jax"]
    goal = jax / TARGET
    print(f"  JAX epoch                   {jax * 1e3:8.2f} ms  (JAX/erpsim {jax / epoch:.2f})")
    print(f"  {TARGET}x faster than JAX needs  {goal * 1e3:8.2f} ms per epoch")
    budget = goal - rest
    if budget <= 0:
        print("  bound: the rest alone takes longer; no speed of the projections reaches it")
    else:
        need = flops / budget
        print(f"  with the rest as measured, the projections would have to run at "
              f"{need / 1e9:.1f} GFLOP/s = {need / rate:.0%} of matmul "
              f"({work / budget:.2f}x their rate now)")


def simulation_call(net, x, schedule, dtype, blocks):
    """The numba backend's ``simulate`` of ``x`` on ``net`` with these ``blocks``."""
    dynamics = Dynamics.from_network(net, None, schedule.n_ticks, dtype)
    W, b, xs = (a.astype(dtype) for a in (net.effective_weights(), net.b, x))
    arch = net.arch
    return lambda: engine_cpu.simulate(W, b, xs, schedule.stim, schedule.reset, dynamics,
                                       group_index=arch.group_index, n_groups=len(arch.groups),
                                       record_units=False, blocks=blocks)


def measure_sim(args, dtype):
    """Medians (s) of the simulation and of the same without projections; the executed
    flops of the projection sums and of the whole (``bench_simulate.py``'s count)."""
    net = bench_jax.shipped_instances(args.instances)
    x = bench_jax.letter_patterns(net.config, erpsim.load_lexicon().items[:args.items])
    schedule = make_schedule(net.config, 1)
    blocks = np.asarray(net.arch.blocks, dtype=np.int64)
    calls = {"whole": simulation_call(net, x, schedule, dtype, blocks),
             "rest": simulation_call(net, x, schedule, dtype, np.zeros((0, 4), np.int64))}
    for call in calls.values():
        call()
    times = bench_jax.alternate(calls, args.repeats)
    medians = {name: statistics.median(t) for name, t in times.items()}
    n_tiles, width = tile_layout(args.instances, args.items, dtype=dtype)
    n_prefix = shared_prefix_length(schedule.stim)
    n_late = schedule.n_ticks - n_prefix
    padded = args.instances * n_tiles * (width * n_late + n_prefix)
    items = args.instances * (args.items * n_late + n_tiles * n_prefix)
    whole = (2 * connections(blocks) + 10 * net.arch.n_units) * items
    return medians, 2 * connections(blocks) * padded, whole


def report_sim(dtype, medians, flops, whole_flops, rate):
    """Print one dtype's simulation anatomy and the bound for the matmul fraction."""
    whole, rest = medians["whole"], medians["rest"]
    work = projection_time(dtype, "simulation", whole, rest, flops)
    if work is None:
        return
    print(f"  simulation                  {whole * 1e3:8.2f} ms  {whole_flops / whole / 1e9:.1f} "
          f"GFLOP/s executed = {whole_flops / whole / rate:.0%} of matmul "
          f"({rate / 1e9:.1f} GFLOP/s, one thread)")
    print(f"  without projections (rest)  {rest * 1e3:8.2f} ms  ({rest / whole:.0%})")
    print(f"  projection sums             {work * 1e3:8.2f} ms  {flops / 1e6:.1f} Mflop executed, "
          f"{flops / work / 1e9:.1f} GFLOP/s = {flops / work / rate:.0%} of matmul")
    goal = whole_flops / (FRACTION * rate)
    budget = goal - rest
    print(f"  {FRACTION:.0%} of matmul needs       {goal * 1e3:8.2f} ms")
    if budget <= 0:
        print("  bound: the rest alone takes longer; no speed of the projections reaches it")
    else:
        need = flops / budget
        print(f"  with the rest as measured, the projection sums would have to run at "
              f"{need / 1e9:.1f} GFLOP/s = {need / rate:.0%} of matmul "
              f"({work / budget:.2f}x their rate now)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=("train", "sim"), default="train")
    parser.add_argument("--instances", type=int, help="default 1 (train), 10 (sim)")
    parser.add_argument("--items", type=int, help="default 100 (train), 200 (sim)")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--dtypes", nargs="+", choices=("float32", "float64"),
                        default=["float32", "float64"])
    parser.add_argument("--peers", type=bench_jax.Path, default=bench_jax.PEERS)
    parser.add_argument("--no-jax", action="store_true", help="skip the JAX peer")
    args = parser.parse_args(argv)
    default = DEFAULT_SIZE[args.kind]
    args.instances = default[0] if args.instances is None else args.instances
    args.items = default[1] if args.items is None else args.items
    if min(args.instances, args.items, args.repeats) < 1:
        parser.error("--instances, --items and --repeats must be >= 1")
    cpus = bench_jax.pin_threads(1)
    peer = None
    problem = "--no-jax" if args.no_jax or args.kind == "sim" else bench_jax.peer_problem(args.peers)
    if problem is None:
        peer = bench_jax.load_peer(args.peers)
    print(f"date {datetime.date.today()}  machine {cpu_model()}  one thread ({cpus} CPU)")
    print("command: python benchmarks/bench_anatomy.py " + " ".join(sys.argv[1:] if argv is None else argv))
    what = "one epoch" if args.kind == "train" else "one presentation (simulation)"
    print(f"{what} of {args.instances} instance(s) x {args.items} items, 40 ticks; "
          f"medians of {args.repeats}, alternated"
          + ("" if peer or args.kind == "sim" else f"; JAX skipped ({problem})"))
    for dtype in args.dtypes:
        if args.kind == "sim":
            report_sim(dtype, *measure_sim(args, dtype), matmul_rate(dtype))
            continue
        medians, flops = measure(args, dtype, peer)
        report(dtype, medians, flops, matmul_rate(dtype))
    return 0


if __name__ == "__main__":
    sys.exit(main())
