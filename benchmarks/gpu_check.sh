#!/usr/bin/env bash
# Device check of the CUDA backend, for a machine with an NVIDIA GPU and no network.
#
#   bash benchmarks/gpu_check.sh            # from the repository root; under 5 minutes
#
# 1. Uses the numba CUDA target (numba-cuda) already installed on the machine; if there
#    is none (or ERPSIM_FORCE_WHEELS=1), installs the wheels carried in .whl/ (prepared
#    beforehand on a machine with network access, see benchmarks/GPU.md):
#      python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
#        --implementation cp --platform manylinux_2_28_x86_64 \
#        --platform manylinux_2_24_x86_64 --platform manylinux_2_17_x86_64 \
#        --platform manylinux2014_x86_64 -d .whl numba-cuda==0.30.4
#    (.whl/ is ignored by git; GPU.md lists the larger set for a machine without CUDA.)
# 2. Runs the CUDA tests on the real device (tests/gpu_sim_cases.py without the
#    simulator, and the PTX compilation test).
# 3. Times the default large workload against the numba CPU backend
#    (benchmarks/bench_gpu.py), writing $OUT/bench_gpu.json when $OUT is set.
set -u -o pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
OUTDIR=${OUT:-/tmp/erpsim-gpu-check}
mkdir -p "$OUTDIR"
start=$(date +%s)
export PYTHONUNBUFFERED=1

echo "== device"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem \
    --format=csv 2>&1 || echo "nvidia-smi not available"
nproc
$PY -c "import sys, numpy, numba; print(sys.version.split()[0], 'numpy', numpy.__version__, 'numba', numba.__version__)" || exit 1

cuda_ok() {
    $PY - <<'EOF'
from numba import cuda
impl = getattr(cuda, "implementation", "?")
print("numba.cuda implementation:", impl)
assert impl == "NVIDIA", "need the numba-cuda package, not numba's built-in CUDA target"
assert cuda.is_available(), "numba.cuda finds no device"
cuda.detect()
EOF
}

echo "== numba-cuda"
if [ "${ERPSIM_FORCE_WHEELS:-0}" = 1 ] || ! cuda_ok; then
    if ! ls .whl/*.whl >/dev/null 2>&1; then
        echo "numba-cuda is not usable here and no wheels were carried in .whl/ (see benchmarks/GPU.md)"
        exit 1
    fi
    echo "installing the carried wheels:"; ls .whl
    $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade .whl/*.whl || exit 1
    cuda_ok || exit 1
fi
$PY -m pip list 2>/dev/null | grep -i -E "^(numba|numba-cuda|cuda-bindings|cuda-core|cuda-pathfinder|nvidia-cuda|nvidia-nvjitlink|cuda-toolkit) " || true

echo "== erpsim (from this checkout)"
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
$PY -c "import erpsim, erpsim.engine.gpu as g; g.check_available(); print('erpsim', erpsim.__version__, 'cuda backend available')" || {
    echo "erpsim does not import: carry the missing pure-Python dependencies as wheels in .whl/"; exit 1; }

echo "== CUDA tests on the device"
timeout 120 $PY -m pytest -q -p no:cacheprovider -rs --durations=5 \
    tests/gpu_sim_cases.py tests/test_gpu.py -k "not simulator" 2>&1 | tee "$OUTDIR/gpu_tests.log"
tests_rc=${PIPESTATUS[0]}
echo "tests exit code: $tests_rc"

echo "== benchmark"
# what is left of 285 s; the GPU runs of each dtype get what remains after ~100 s of
# fixed costs (building 10,000 instances, compiling, the CPU slice)
left=$(( 285 - ($(date +%s) - start) ))
if [ "$left" -lt 60 ]; then left=60; fi
per_dtype=$(( (left - 100) / 2 ))
if [ "$per_dtype" -lt 20 ]; then per_dtype=20; fi
# BENCH_ARGS: extra options, e.g. BENCH_ARGS="--groups S" to copy back only the sERP
timeout "$left" $PY benchmarks/bench_gpu.py --budget "$per_dtype" ${BENCH_ARGS:-} \
    --json "$OUTDIR/bench_gpu.json" 2>&1 | tee "$OUTDIR/bench_gpu.log"
bench_rc=${PIPESTATUS[0]}
echo "benchmark exit code: $bench_rc; total $(( $(date +%s) - start )) s"
[ "$tests_rc" = 0 ] && [ "$bench_rc" = 0 ]
