"""The benchmark scripts still run (tiny settings; their timings are not checked)."""
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


def test_training_benchmark_runs():
    out = run_script("bench_training.py", "--repeats", "1", "--threads", "1")
    assert "numba" in out and "numpy" in out and "speed-up" in out


@pytest.mark.parametrize("script", ["bench_encoding.py", "bench_sweep.py", "bench_gpu.py"])
def test_other_benchmarks_have_a_working_help(script):
    out = run_script(script, "--help")
    assert "usage" in out
