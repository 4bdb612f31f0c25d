"""Benchmark: fast vs reference leave-two-out evaluation, and the permutation test.

Times, in one run and on the same data,

1. a small problem (60 nouns, ``--small-voxels`` voxels) evaluated completely by both
   paths -- measured ratio, decisions compared fold for fold;
2. the participant-sized problem (60 nouns x 6 presentations x 21,764 voxels, 1770
   folds, 500 voxels selected per fold): the fast path completely, the reference path
   on ``--ref-folds`` evenly spaced folds (its cost per fold is constant, so the full
   time is extrapolated; ``--ref-folds 1770`` runs it all, ~10 minutes), decisions
   compared on those folds;
3. a ``--permutations``-permutation test at participant size.

    python benchmarks/bench_encoding.py
    python benchmarks/bench_encoding.py --ref-folds 1770 --permutations 1000
"""
import argparse
import datetime
import json
import os
import platform
import time

import numpy as np

from _machine import cpu_model  # benchmarks/ is on sys.path when run as a script


def machine_info():
    cpu = cpu_model()
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import numba
    return {"cpu": cpu, "cores": os.cpu_count(), "numba_threads": numba.get_num_threads(),
            "load_average_1min": os.getloadavg()[0],
            "python": platform.python_version(), "numpy": np.__version__,
            "numba": numba.__version__, "platform": platform.platform()}


def _timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voxels", type=int, default=21764)
    parser.add_argument("--n-select", type=int, default=500)
    parser.add_argument("--small-voxels", type=int, default=2000)
    parser.add_argument("--small-select", type=int, default=100)
    parser.add_argument("--ref-folds", type=int, default=30,
                        help="reference-path folds timed at full size (1770: all)")
    parser.add_argument("--permutations", type=int, default=1000)
    parser.add_argument("--noise", type=float, default=6.5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", default=None, help="also write the figures here")
    args = parser.parse_args(argv)

    from erpsim.encoding import (NOUN_CATEGORIES, NOUNS, all_pairs, leave_two_out,
                                 make_synthetic, permutation_test, verb_features)

    report = {"date": datetime.datetime.now().isoformat(timespec="seconds"),
              "machine": machine_info(), "args": vars(args)}
    print(f"{report['date']}  {report['machine']['cpu']}, {report['machine']['cores']} "
          f"cores, numba threads {report['machine']['numba_threads']}, load average "
          f"{report['machine']['load_average_1min']:.1f}")
    feats = verb_features()
    pairs = all_pairs(60)

    # warm-up: compile or load the numba kernels
    warm = make_synthetic(feats, n_voxels=50, n_informative=10, rng=0)
    _, t_warm = _timed(leave_two_out, feats, warm, n_select=10)
    print(f"numba warm-up (compile or cache load): {t_warm:.2f} s")
    report["warmup_s"] = t_warm

    # 1. small problem, both paths completely
    small = make_synthetic(feats, words=NOUNS, categories=NOUN_CATEGORIES,
                           n_voxels=args.small_voxels,
                           n_informative=max(1, args.small_voxels * 2000 // 21764),
                           noise=args.noise, rng=args.seed)
    fast_s, t_fast_s = _timed(leave_two_out, feats, small, n_select=args.small_select)
    ref_s, t_ref_s = _timed(leave_two_out, feats, small, n_select=args.small_select,
                            method="reference")
    same_s = bool(np.array_equal(fast_s.correct, ref_s.correct))
    print(f"small ({args.small_voxels} voxels, {args.small_select} selected, 1770 folds): "
          f"fast {t_fast_s:.2f} s, reference {t_ref_s:.1f} s, ratio "
          f"{t_ref_s / t_fast_s:.0f}x, same decisions: {same_s} "
          f"(accuracy {fast_s.accuracy:.4f})")
    report["small"] = {"fast_s": t_fast_s, "reference_s": t_ref_s,
                       "ratio": t_ref_s / t_fast_s, "same_decisions": same_s,
                       "accuracy": fast_s.accuracy}

    # 2. participant size
    data = make_synthetic(feats, words=NOUNS, categories=NOUN_CATEGORIES,
                          n_voxels=args.voxels, n_informative=2000 * args.voxels // 21764,
                          noise=args.noise, rng=args.seed)
    runs = []
    for _ in range(2):
        fast, t = _timed(leave_two_out, feats, data, n_select=args.n_select)
        runs.append(t)
    t_fast = min(runs)
    n_ref = min(args.ref_folds, len(pairs))
    idx = np.unique(np.linspace(0, len(pairs) - 1, n_ref).round().astype(int))
    ref, t_ref_part = _timed(leave_two_out, feats, data, n_select=args.n_select,
                             pairs=pairs[idx], method="reference")
    t_ref = t_ref_part * len(pairs) / idx.size
    same = bool(np.array_equal(fast.correct[idx], ref.correct))
    near = int(np.sum(np.abs(fast.margin) < 1e-9))
    print(f"participant size ({args.voxels} voxels, {args.n_select} selected, 1770 folds): "
          f"fast {t_fast:.2f} s (runs: {', '.join(f'{r:.2f}' for r in runs)}), accuracy "
          f"{fast.accuracy:.4f}")
    print(f"  reference: {t_ref_part:.1f} s for {idx.size} folds -> "
          f"{'measured' if idx.size == len(pairs) else 'extrapolated'} {t_ref:.0f} s for "
          f"1770; ratio {t_ref / t_fast:.0f}x; same decisions on those folds: {same}; "
          f"folds with |margin| < 1e-9: {near}; max |margin difference| "
          f"{np.abs(fast.margin[idx] - ref.margin).max():.1e}")
    report["participant"] = {"fast_s": t_fast, "fast_runs_s": runs,
                             "reference_folds": int(idx.size),
                             "reference_part_s": t_ref_part, "reference_s": t_ref,
                             "ratio": t_ref / t_fast, "same_decisions": same,
                             "near_ties": near, "accuracy": fast.accuracy}

    # 3. permutation test
    if args.permutations > 0:
        perm, t_perm = _timed(permutation_test, feats, data, n_select=args.n_select,
                              n_permutations=args.permutations, rng=args.seed)
        print(f"permutation test ({args.permutations} permutations, participant size): "
              f"{t_perm:.1f} s; accuracy {perm.accuracy:.4f}, null {perm.null.mean():.3f} "
              f"+/- {perm.null.std(ddof=1):.3f}, p = {perm.p_value:.4g}")
        report["permutations"] = {"n": args.permutations, "seconds": t_perm,
                                  "accuracy": perm.accuracy, "p_value": perm.p_value,
                                  "null_mean": float(perm.null.mean()),
                                  "null_sd": float(perm.null.std(ddof=1))}
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(report, handle, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
