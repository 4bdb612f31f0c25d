"""The benchmark scripts still run (tiny settings; their timings are not checked)."""
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def run_script(name, *args):
    result = subprocess.run([sys.executable, str(BENCH / name), *args], capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_simulation_benchmark_runs_and_backends_agree():
    out = run_script("bench_simulate.py", "--instances", "1", "--repeats", "1")
    lines = [line for line in out.splitlines() if "speed-up numba / numpy" in line]
    assert len(lines) == 2
    for line in lines:       # the printed agreement of the two backends
        assert float(line.split("=")[-1].strip(" )")) < 1e-10


@pytest.mark.slow
def test_training_benchmark_runs():
    out = run_script("bench_training.py", "--repeats", "1", "--threads", "1")
    assert "numba" in out and "numpy" in out and "speed-up" in out


@pytest.mark.parametrize("script", ["bench_encoding.py", "bench_sweep.py", "bench_gpu.py"])
def test_other_benchmarks_have_a_working_help(script):
    out = run_script(script, "--help")
    assert "usage" in out


PEERS = Path(__file__).resolve().parents[2] / "shared" / "peers"    # bench_jax.py's default
#: bench_jax.py's agreement tolerances, (quantity words, dtype) -> the largest allowed.
JAX_TOLERANCE = {("loss", "float64"): 1e-12, ("weights", "float64"): 1e-9,
                 ("means", "float64"): 1e-12, ("loss", "float32"): 1e-5,
                 ("means", "float32"): 1e-5}


def test_jax_benchmark_skips_without_the_peer(tmp_path):
    out = run_script("bench_jax.py", "--peers", str(tmp_path), "--quick")
    assert out.startswith("skipped: ")
    assert str(tmp_path) in out or "jax is not installed" in out


@pytest.mark.slow
def test_jax_benchmark_quick_runs_and_engines_agree(tmp_path):
    pytest.importorskip("jax")
    if not (PEERS / "jax_erp_peer.py").is_file():
        pytest.skip(f"the JAX peer is not in {PEERS}")
    plot = importlib.util.find_spec("matplotlib") is not None
    out = run_script("bench_jax.py", "--quick", "--repeats", "1", "--memory-repeats", "1",
                     "--json", str(tmp_path / "r.json"),
                     *(["--plot", str(tmp_path / "r.png")] if plot else []))
    lines = [line for line in out.splitlines() if line.startswith("agreement")]
    # per thread count (1, 2): 2 training sizes x (loss and weights in float64, loss in
    # float32) + 2 simulation sizes x 2 dtypes
    assert len(lines) == 2 * (2 * 3 + 2 * 2)
    for line in lines:
        dtype = line.split()[3]
        quantity = next(q for q in ("loss", "weights", "means") if q in line)
        value, tol = re.search(r": (\S+) \(tolerance (\S+)\) (ok|FAIL)$", line).group(1, 2)
        assert float(value) <= JAX_TOLERANCE[(quantity, dtype)], line
        assert float(tol) <= JAX_TOLERANCE[(quantity, dtype)], line
    assert "FAIL" not in out and "JAX/erpsim" in out
    results = json.loads((tmp_path / "r.json").read_text())
    assert len(results["runs"]) == 2 * (2 + 2) * 2 and len(results["memory"]) == 4
    assert all(r["erpsim_s"] > 0 and r["jax_s"] > 0 for r in results["runs"])
    assert all(m["peak_mib"] > 0 for m in results["memory"])
    if plot:
        assert (tmp_path / "r.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_anatomy_benchmark_runs_and_counts_the_executed_flops():
    out = run_script("bench_anatomy.py", "--items", "8", "--repeats", "1", "--no-jax",
                     "--dtypes", "float64")
    assert "without projections (rest)" in out and "JAX skipped (--no-jax)" in out
    # (the timings are not checked; the counts are printed whatever they are)
    # 1 instance x 8 items: two tiles of 4 columns; 20 stimulus ticks of 4 columns and
    # 20 blank ticks of one column per tile; 9,850 connections; forward and weight
    # gradient over every column-tick, the backward Wᵀ sums over all but tick 0
    columns = 2 * (4 * 20 + 20)
    flops = 2 * 9850 * (2 * columns + columns - 2)
    assert f"{flops / 1e6:.1f} Mflop executed" in out
    out = run_script("bench_anatomy.py", "--kind", "sim", "--instances", "1", "--items", "8",
                     "--repeats", "1", "--dtypes", "float32")
    # 1 instance x 8 items in float32: the same tiles; 20 blank ticks of one column
    assert f"{2 * 9850 * columns / 1e6:.1f} Mflop executed" in out
