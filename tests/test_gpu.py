"""The CUDA backend without a GPU: host-side plan, clear errors, the kernel under numba's
CUDA simulator (in a subprocess, see ``tests/gpu_sim_cases.py``) and compiled to PTX for
real GPUs."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import erpsim
from erpsim.engine import Dynamics, gpu, make_schedule, run

HERE = Path(__file__).resolve().parent


def _cuda_or_none():
    try:
        from numba import cuda
    except Exception:
        return None
    return cuda


def _device_present():
    cuda = _cuda_or_none()
    if cuda is None:
        return False
    from numba.core import config
    if config.ENABLE_CUDASIM:
        return True
    try:
        return cuda.is_available()
    except Exception:
        return False


@pytest.mark.parametrize("separate_inhibition", [True, False])
def test_plan_covers_every_unit_and_packs_weights(separate_inhibition):
    net = erpsim.Network.initialize(erpsim.ModelConfig(separate_inhibition=separate_inhibition),
                                    n_instances=3, rng=0)
    arch = net.arch
    plan = gpu.make_plan(arch.blocks, arch.n_units)
    units = np.concatenate([np.arange(d0, d0 + nv) for d0, nv, _, _ in plan.chunks])
    np.testing.assert_array_equal(np.sort(units), np.arange(arch.n_units))
    assert plan.n_warps == gpu.MAX_WARPS
    per_warp = np.add.reduceat(plan.chunks[:, 1], plan.warp_start[:-1])
    assert per_warp.max() <= plan.max_units and per_warp.min() > 0
    assert plan.macs == int(arch.mask.sum())
    packed = gpu.pack_weights(net.W, plan)
    assert packed.shape == (3, plan.size) and plan.size < arch.n_units ** 2
    np.testing.assert_array_equal(gpu.unpack_weights(packed, plan), net.W)
    assert gpu.pack_weights(net.W.astype(np.float32), plan).dtype == np.float32


def test_large_networks_get_narrower_tiles():
    net = erpsim.Network.initialize(erpsim.ModelConfig(n_hidden=200), rng=0)
    arch = net.arch
    schedule = make_schedule(net.config, 1)
    keys = {}
    for dtype in ("float32", "float64"):
        _, keys[dtype], _ = gpu.kernel_arguments(
            net.W.astype(dtype), net.b.astype(dtype), np.zeros((2, 15)), schedule.stim,
            schedule.reset, Dynamics(dt=0.5, gain=4.0, init_net=0.0, hard_clamp=False,
                                     input_slice=arch.input_slice,
                                     env_mask=arch.envelope_mask(None), env_table=np.zeros(1),
                                     theta=0.0, clock_start=0, recovery=0),
            group_index=arch.group_index, n_groups=len(arch.groups), record_units=False,
            blocks=arch.blocks)
    assert keys["float32"][2] == gpu.TILE  # 342 units x 32 items x 4 bytes fit
    assert keys["float64"][2] == gpu.SHARED_BYTES // (arch.n_units * 8) < gpu.TILE


def test_plan_rejects_bad_blocks():
    with pytest.raises(ValueError, match="overlap"):
        gpu.make_plan([[0, 4, 4, 8], [2, 6, 6, 9]], 10)
    with pytest.raises(ValueError, match="outside"):
        gpu.make_plan([[0, 4, 4, 12]], 10)


def test_noncontiguous_groups_rejected():
    net = erpsim.Network.initialize(erpsim.ModelConfig(n_auto=6, n_hidden=8, n_sem=8), rng=0)
    arch = net.arch
    schedule = make_schedule(net.config, 1)
    group_index = arch.group_index.copy()
    group_index[[0, -1]] = group_index[[-1, 0]]
    with pytest.raises(ValueError, match="contiguous"):
        gpu.kernel_arguments(net.W, net.b, np.zeros((2, 15)), schedule.stim, schedule.reset,
                             Dynamics(dt=0.5, gain=4.0, init_net=0.0, hard_clamp=False,
                                      input_slice=arch.input_slice,
                                      env_mask=arch.envelope_mask(None), env_table=np.zeros(1),
                                      theta=0.0, clock_start=0, recovery=0),
                             group_index=group_index, n_groups=len(arch.groups),
                             record_units=False, blocks=arch.blocks)


@pytest.mark.skipif(_device_present(), reason="a CUDA device (or the simulator) is present")
def test_no_device_is_a_clear_error():
    net = erpsim.Network.initialize(erpsim.ModelConfig(n_auto=6, n_hidden=8, n_sem=8), rng=0)
    schedule = make_schedule(net.config, 1)
    with pytest.raises(RuntimeError, match="(GPU|CUDA)"):
        run(net, np.zeros((2, 15)), schedule, backend="cuda")
    # the CPU backends still work in the same process afterwards
    means, _ = run(net, np.zeros((2, 15)), schedule, backend="numba")
    assert np.all(np.isfinite(means))


@pytest.mark.slow
def test_kernel_under_cuda_simulator():
    """Runs tests/gpu_sim_cases.py in a fresh interpreter with NUMBA_ENABLE_CUDASIM=1."""
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1", PYTHONUNBUFFERED="1")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs",
         str(HERE / "gpu_sim_cases.py")],
        cwd=HERE.parent, env=env, capture_output=True, text=True, timeout=1800)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-6000:]
    assert " passed" in output and "failed" not in output, output[-3000:]


def _compile_ptx_or_skip():
    cuda = _cuda_or_none()
    if cuda is None:
        pytest.skip("numba.cuda cannot be imported; pip install 'erpsim[gpu]'")
    from numba.core import config
    if config.ENABLE_CUDASIM:
        pytest.skip("NUMBA_ENABLE_CUDASIM is set in this process: no PTX compiler")
    import numba

    def probe(a):
        a[0] = 1.0

    try:
        cuda.compile_ptx(probe, (numba.float64[::1],), cc=(9, 0))
    except Exception as err:  # no libNVVM, or a numba.cuda without it
        pytest.skip(f"the CUDA compiler libraries (NVVM) are not usable here ({err}); "
                    "pip install 'erpsim[gpu]' to run this check")
    return cuda


def _ptxas():
    """The PTX assembler of the nvidia-cuda-nvcc wheel (or on PATH), or None."""
    try:
        import nvidia.cuda_nvcc
        for folder in nvidia.cuda_nvcc.__path__:
            path = Path(folder) / "bin" / "ptxas"
            if path.exists():
                return str(path)
    except ImportError:
        pass
    return shutil.which("ptxas")


def _assemble(ptx, cc, tmp_path):
    """Assemble with ptxas when available: no register spills, shared memory <= 48 KB."""
    ptxas = _ptxas()
    if ptxas is None:
        return None
    src = tmp_path / f"kernel_sm{cc[0]}{cc[1]}.ptx"
    src.write_text(ptx)
    proc = subprocess.run([ptxas, f"-arch=sm_{cc[0]}{cc[1]}", "-v", "-o",
                           str(src.with_suffix(".cubin")), str(src)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    info = proc.stderr
    assert "0 bytes spill stores" in info, info[-2000:]
    registers = int(re.search(r"Used (\d+) registers", info).group(1))
    smem = int(re.search(r"(\d+) bytes smem", info).group(1))
    assert registers <= 128 and smem <= gpu.SHARED_BYTES
    return registers, smem


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_kernels_compile_to_ptx(dtype, tmp_path):
    """The kernels compile for real GPUs (Ampere sm_80, Hopper sm_90) without a driver,
    and, where the wheel's ptxas is present, assemble without register spills."""
    cuda = _compile_ptx_or_skip()
    from erpsim.engine.gpu_kernels import build_kernel
    cases = [(erpsim.ModelConfig(), erpsim.Envelope(), False, (9, 0)),
             (erpsim.ModelConfig(separate_inhibition=False), None, True, (8, 0))]
    for config, envelope, record, cc in cases:
        net = erpsim.Network.initialize(config, rng=0)
        arch = net.arch
        schedule = make_schedule(config, 2)
        _, key, args = gpu.kernel_arguments(
            net.W.astype(dtype), net.b.astype(dtype), np.zeros((40, arch.sizes["O"])),
            schedule.stim, schedule.reset,
            Dynamics(dt=config.dt, gain=config.gain, init_net=config.init_net,
                     hard_clamp=False, input_slice=arch.input_slice,
                     env_mask=arch.envelope_mask(envelope),
                     env_table=np.zeros(schedule.n_ticks + 2), theta=0.1, clock_start=0,
                     recovery=0),
            group_index=arch.group_index,
            n_groups=len(arch.groups), record_units=record, blocks=arch.blocks)
        kernel = build_kernel(*key)
        ptx, _ = cuda.compile_ptx(kernel.py_func, gpu.argument_types(args), cc=cc)
        assert f".target sm_{cc[0]}{cc[1]}" in ptx
        assert ptx.count("bar.sync") >= 3  # the barriers between the phases
        if dtype == "float32":  # no double-precision arithmetic crept in
            assert "fma.rn.f64" not in ptx and "cvt.f64.f32" not in ptx
            assert "fma.rn.f32" in ptx
        else:
            assert "fma.rn.f64" in ptx
        _assemble(ptx, cc, tmp_path)
