"""One full-batch BPTT epoch: numba vs the NumPy reference vs the independent PyTorch peer.

    python benchmarks/bench_training.py [--repeats 20] [--threads 2]

An epoch is the forward pass over the whole trial, the backward pass, an Adam step and
the sign projection, for one model instance on every trained item of the shipped
lexicon (100 items, 40 ticks: 20 blank + 20 stimulus). The PyTorch peer
(``../shared/peers/torch_erp_peer.py``, float64) is run on the same number of items and
ticks in the same run when torch is installed (an optional benchmark dependency:
``pip install torch``); otherwise its column is skipped. Ratios are of medians measured
in this run.
"""
import argparse
import datetime
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import erpsim
from erpsim.engine import make_schedule
from erpsim.model.semantics import random_semantics
from erpsim.training import cpu, reference
from erpsim.training.optim import Adam
from erpsim.training.targets import Targets, target_ticks
from erpsim.training.trainer import _grad_params, item_weights

from _machine import cpu_model  # benchmarks/ is on sys.path when run as a script

PEER = Path(__file__).resolve().parents[2] / "shared" / "peers" / "torch_erp_peer.py"


def default_targets(net, patterns, weights, schedule):
    """The default training targets: ``patterns`` on the last ``n_targets`` stimulus ticks."""
    at = target_ticks(schedule, net.config.n_targets)
    return Targets(patterns, weights, at, np.zeros_like(at), net.arch.semantic_slice)


def epoch_timer(module, net, x, patterns, weights, schedule, dtype="float64"):
    """One training epoch of ``net`` as :func:`erpsim.training.train` runs it: gradients
    in ``dtype`` (float32: the weights cast for the gradient, as
    ``TrainingSettings(dtype="float32")`` does), Adam and the sign projection in float64
    (one fused pass, as :func:`erpsim.training.trainer.update` runs them)."""
    dynamics = _grad_params(net, None, schedule)
    targets = default_targets(net, patterns, weights, schedule)
    opt = Adam([net.W, net.b], lr=0.03)
    real = np.dtype(dtype)

    def epoch():
        loss, dW, db = module.loss_and_grad(net.W.astype(real, copy=False),
                                            net.b.astype(real, copy=False), x, targets,
                                            schedule, net.arch.mask, dynamics,
                                            blocks=net.arch.blocks)
        opt.step([dW, db], arch=net.arch)    # Adam and the sign projection, one pass
    return epoch


def median_seconds(fn, repeats):
    fn()                                       # warm-up (compilation)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def torch_seconds(items, ticks, epochs, threads):
    try:
        import torch  # noqa: F401
    except ImportError:
        return None, "torch not installed"
    if not PEER.exists():
        return None, f"peer not found at {PEER}"
    out = subprocess.run([sys.executable, str(PEER), "--items", str(items), "--ticks", str(ticks),
                          "--epochs", str(epochs), "--threads", str(threads)],
                         capture_output=True, text=True, check=True).stdout
    return float(re.search(r"median seconds per epoch ([0-9.]+)", out).group(1)), out.strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    import numba
    numba.set_num_threads(min(args.threads, numba.config.NUMBA_NUM_THREADS))
    config = erpsim.ModelConfig()       # erpsim 0.2's workload (40 ticks), as in the README
    lexicon = erpsim.load_lexicon().trained
    coding = erpsim.model.coding.get_coding(config.coding)
    x = coding.encode(list(lexicon.items))
    patterns = random_semantics(len(lexicon), config.n_sem, 5, rng=1)
    weights = item_weights(lexicon)
    schedule = make_schedule(config, 1)
    results = {}
    for name, module, dtype in (("numba", cpu, "float64"), ("numba32", cpu, "float32"),
                                ("numpy", reference, "float64")):
        net = erpsim.Network.initialize(config, 1, rng=0)
        results[name] = median_seconds(epoch_timer(module, net, x, patterns, weights, schedule,
                                                   dtype), args.repeats)
    t_torch, torch_note = torch_seconds(len(lexicon), schedule.n_ticks, args.repeats, args.threads)
    print(f"date {datetime.date.today()}  machine {cpu_model()}, "
          f"{os.cpu_count()} cores, numba threads {numba.get_num_threads()}")
    print(f"command: python benchmarks/bench_training.py --repeats {args.repeats} --threads {args.threads}")
    print(f"one epoch, {len(lexicon)} items x {schedule.n_ticks} ticks, float64:")
    print(f"  numba  {results['numba'] * 1e3:8.2f} ms")
    print(f"  numpy  {results['numpy'] * 1e3:8.2f} ms   numba speed-up {results['numpy'] / results['numba']:.1f}x")
    print(f"  numba, float32 gradients (TrainingSettings(dtype='float32')) "
          f"{results['numba32'] * 1e3:8.2f} ms   speed-up over float64 "
          f"{results['numba'] / results['numba32']:.2f}x")
    if t_torch is None:
        print(f"  torch  skipped ({torch_note})")
    else:
        print(f"  torch  {t_torch * 1e3:8.2f} ms   numba speed-up {t_torch / results['numba']:.1f}x  [{torch_note}]")


if __name__ == "__main__":
    main()
