"""CUDA backend of the simulation (numba's CUDA target; optional, ``pip install erpsim[gpu]``).

Same interface as the other backends (:mod:`erpsim.engine.registry`); the kernel is in
:mod:`erpsim.engine.gpu_kernels` and the design, memory use and when it pays are in
``docs/gpu.md``. This module imports ``numba.cuda`` only when it is used, so importing
it never needs a GPU. :func:`status` says, without raising, whether a usable device is
present (or numba's CUDA simulator is on: ``NUMBA_ENABLE_CUDASIM=1`` set before numba is
first imported, which runs the same kernel in Python threads; tests only);
:func:`check_available` turns its answer into the registry's ``RuntimeError``.

Host side: the weights that exist (``blocks``) are packed per instance into one compact
vector, padded so that destination units come in chunks of
:data:`~erpsim.engine.gpu_kernels.CHUNK`; the chunks are spread over the warps of a
block so that each warp has about the same number of multiply-adds; instances are
launched in batches that fit the device's free memory, and each batch's outputs are
copied into the result arrays.
"""
import time
from dataclasses import dataclass

import numpy as np

from erpsim.engine import registry
from erpsim.engine.reference import initial_state

#: Items per thread block (one per lane; 32 = one warp wide).
TILE = 32
#: Most warps per thread block (fewer when the network has fewer chunks).
MAX_WARPS = 8
#: Instances per launch; None: as many as fit in ~80% of the device's free memory.
MAX_BATCH = None
#: Static shared memory of a block (the CUDA limit without an opt-in): the tile's
#: outputs, ``n_units x tile`` values, must fit; larger networks get narrower tiles.
SHARED_BYTES = 48 * 1024
#: Estimated cost of the update phase of one unit, in multiply-adds (for balancing).
UPDATE_COST = 24

#: Timing of the last :func:`simulate` call on this process (seconds; for benchmarks):
#: ``host_prep_s`` (checks, weight packing, output allocation), ``to_device_s``,
#: ``kernel_s`` (includes compilation on a first call), ``to_host_s``, ``total_s``,
#: ``launches``, ...
last_run = {}


def simulator_enabled():
    """True when numba's CUDA simulator is on (``NUMBA_ENABLE_CUDASIM=1``)."""
    from numba.core import config
    return bool(config.ENABLE_CUDASIM)


def status():
    """``(available, reason)`` of the CUDA target on this machine; never raises.

    ``reason`` is the device's name when available, otherwise why not.
    """
    try:
        from numba import cuda
    except Exception as err:  # ImportError, or a broken CUDA Python installation
        return False, f"numba.cuda cannot be imported ({type(err).__name__}: {err})"
    if simulator_enabled():
        return True, "numba's CUDA simulator (NUMBA_ENABLE_CUDASIM=1; slow, for tests)"
    try:
        available = bool(cuda.is_available())
    except Exception as err:  # a driver that is present but broken
        return False, f"numba.cuda.is_available() failed ({type(err).__name__}: {err})"
    if not available:
        return False, "no CUDA device or driver (numba.cuda.is_available() is False)"
    try:
        name = cuda.get_current_device().name
        return True, name.decode() if isinstance(name, bytes) else str(name)
    except Exception:
        return True, "CUDA device"


def check_available():
    """Raise ``RuntimeError`` unless a CUDA device (or the simulator) can run the kernel
    (one sentence naming the reason and the ``gpu`` extra)."""
    registry.get("cuda").check()


@dataclass(frozen=True)
class Plan:
    """How the kernel covers a network: packed weights, chunks and their warps.

    Attributes
    ----------
    n_units : int
    size : int
        Length of one instance's packed weight vector (zero padding included).
    srcs : ndarray of uint32 (n_sources, 4)
        Per (segment, source block): ``s0, s1, offset, padded width``; block ``p`` holds
        ``W[d, s]`` at ``offset + (s - s0) * width + (d - segment start)``.
    src_start : ndarray of int32 (n_segments + 1,)
        Sources of segment ``g`` are rows ``src_start[g]:src_start[g + 1]`` of ``srcs``.
    segments : ndarray of int64 (n_segments, 2)
        Destination unit ranges that share one list of sources.
    chunks : ndarray of uint32 (n_chunks, 4)
        ``first unit, units (<= CHUNK), column in the segment, segment``; sorted by warp.
    warp_start : ndarray of int32 (n_warps + 1,)
        Chunks of warp ``w`` are rows ``warp_start[w]:warp_start[w + 1]``.
    max_units : int
        Most units any warp owns (length of the per-thread state arrays).
    macs : int
        Multiply-adds per item and tick that the weights need (without padding).
    """

    n_units: int
    size: int
    srcs: np.ndarray
    src_start: np.ndarray
    segments: np.ndarray
    chunks: np.ndarray
    warp_start: np.ndarray
    max_units: int
    macs: int

    @property
    def n_warps(self):
        return len(self.warp_start) - 1


def make_plan(blocks, n_units, max_warps=None):
    """Work plan of the kernel for the projections ``blocks`` (rows dst0, dst1, src0, src1).

    Raises ``ValueError`` for blocks outside ``[0, n_units)`` or overlapping blocks
    (which the reference would count once and a block sum twice).
    """
    from erpsim.engine.gpu_kernels import CHUNK
    max_warps = MAX_WARPS if max_warps is None else max_warps
    blocks = np.asarray(blocks, dtype=np.int64).reshape(-1, 4)
    for d0, d1, s0, s1 in blocks:
        if not (0 <= d0 < d1 <= n_units and 0 <= s0 < s1 <= n_units):
            raise ValueError(f"projection block {(d0, d1, s0, s1)} is empty or outside the "
                             f"network's {n_units} units")
    for p in range(len(blocks)):
        for q in range(p + 1, len(blocks)):
            a, c = blocks[p], blocks[q]
            if a[0] < c[1] and c[0] < a[1] and a[2] < c[3] and c[2] < a[3]:
                raise ValueError(f"projection blocks {tuple(a)} and {tuple(c)} overlap")
    cuts = np.unique(np.concatenate([[0, n_units], blocks[:, 0], blocks[:, 1]]))
    segments = np.stack([cuts[:-1], cuts[1:]], axis=1)
    srcs, src_start, chunk_rows, costs = [], [0], [], []
    offset = 0
    for g, (a, e) in enumerate(segments):
        width = -(-(e - a) // CHUNK) * CHUNK
        fan_in = 0
        for d0, d1, s0, s1 in blocks:
            if d0 <= a and e <= d1:
                srcs.append((s0, s1, offset, width))
                offset += (s1 - s0) * width
                fan_in += s1 - s0
        src_start.append(len(srcs))
        for col in range(0, e - a, CHUNK):
            nv = min(CHUNK, e - a - col)
            chunk_rows.append((a + col, nv, col, g))
            costs.append(CHUNK * fan_in + UPDATE_COST * nv)
    n_warps = max(1, min(max_warps, len(chunk_rows)))
    # longest-processing-time-first: each chunk to the least loaded warp
    load = np.zeros(n_warps)
    owner = np.empty(len(chunk_rows), dtype=np.int64)
    for c in sorted(range(len(chunk_rows)), key=lambda c: (-costs[c], c)):
        w = int(np.argmin(load))
        owner[c] = w
        load[w] += costs[c]
    order = sorted(range(len(chunk_rows)), key=lambda c: (owner[c], chunk_rows[c][0]))
    chunks = np.array([chunk_rows[c] for c in order], dtype=np.uint32).reshape(-1, 4)
    warp_start = np.searchsorted(owner[order], np.arange(n_warps + 1)).astype(np.int32)
    units_per_warp = np.add.reduceat(chunks[:, 1], warp_start[:-1]) if len(chunks) else [0]
    max_units = -(-int(np.max(units_per_warp)) // 4) * 4  # rounded: fewer recompilations
    macs = int(sum((d1 - d0) * (s1 - s0) for d0, d1, s0, s1 in blocks))
    return Plan(n_units=n_units, size=max(offset, CHUNK),
                srcs=np.array(srcs, dtype=np.uint32).reshape(-1, 4),
                src_start=np.array(src_start, dtype=np.int32), segments=segments,
                chunks=chunks, warp_start=warp_start, max_units=max(max_units, 4), macs=macs)


def pack_weights(W, plan):
    """Packed weights (n_instances, plan.size) of ``W[i, dst, src]`` (dtype kept)."""
    n_inst = W.shape[0]
    packed = np.zeros((n_inst, plan.size), dtype=W.dtype)
    for g, (a, e) in enumerate(plan.segments):
        for s0, s1, off, width in plan.srcs[plan.src_start[g]:plan.src_start[g + 1]]:
            block = packed[:, off:off + (s1 - s0) * width].reshape(n_inst, s1 - s0, width)
            block[:, :, :e - a] = np.swapaxes(W[:, a:e, s0:s1], 1, 2)
    return packed


def unpack_weights(packed, plan):
    """Inverse of :func:`pack_weights` (zeros outside the blocks); for tests."""
    n_inst = packed.shape[0]
    W = np.zeros((n_inst, plan.n_units, plan.n_units), dtype=packed.dtype)
    for g, (a, e) in enumerate(plan.segments):
        for s0, s1, off, width in plan.srcs[plan.src_start[g]:plan.src_start[g + 1]]:
            block = packed[:, off:off + (s1 - s0) * width].reshape(n_inst, s1 - s0, width)
            W[:, a:e, s0:s1] += np.swapaxes(block[:, :, :e - a], 1, 2)
    return W


def kernel_arguments(W, b, x, stim, reset, dynamics, *, group_index, n_groups,
                     record_units, blocks, tile=None, max_warps=None, record_groups=None):
    """Check the inputs and build (plan, kernel key, host arguments) of one run.

    ``dynamics`` (:class:`~erpsim.engine.dynamics.Dynamics`) is unpacked here, into the
    kernel's scalar and array arguments.

    The arguments are NumPy arrays and NumPy scalars in the order of the kernel's
    parameters, with ``Wc``, ``b``, ``means`` and ``units`` for all instances (the
    caller slices them per batch). The key is ``build_kernel``'s arguments.
    """
    dtype = np.dtype(W.dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"the cuda backend runs float32 or float64, got {dtype}")
    real = dtype.type
    d = dynamics
    hard_clamp, theta = d.hard_clamp, d.theta
    clock_start, env_mask = d.clock_start, d.env_mask
    n_inst, n_units = b.shape
    n_items, n_ticks = x.shape[0], len(stim)
    if W.shape != (n_inst, n_units, n_units):
        raise ValueError(f"weights have shape {W.shape}; expected {(n_inst, n_units, n_units)}")
    group_index = np.asarray(group_index)
    if group_index.shape != (n_units,) or not np.all(np.diff(group_index) >= 0):
        raise ValueError("the cuda backend needs the units of each group to be contiguous")
    group_start = np.searchsorted(group_index, np.arange(n_groups + 1)).astype(np.uint32)
    if np.any(np.diff(group_start) == 0):
        raise ValueError("every unit group needs at least one unit")
    record_groups = np.arange(n_groups) if record_groups is None else np.asarray(record_groups)
    group_lo, group_hi = group_start[record_groups], group_start[record_groups + 1]
    counts = group_hi - group_lo
    if int(clock_start) + n_ticks >= 2 ** 31 - 1:
        raise ValueError(f"envelope clock_start {clock_start} is too large for 32-bit clocks")
    tile = TILE if tile is None else int(tile)
    fit = SHARED_BYTES // (n_units * dtype.itemsize)  # the outputs of a tile in shared memory
    if fit < 1:
        raise ValueError(f"a network of {n_units} units is too large for the cuda backend "
                         f"(one item's outputs exceed {SHARED_BYTES} bytes of shared memory)")
    tile = max(1, min(tile, fit))
    plan = make_plan(blocks, n_units, max_warps)
    in0, in1 = d.input_slice.start, d.input_slice.stop
    x = np.ascontiguousarray(x, dtype=dtype)
    drive = x.copy() if hard_clamp else (d.gain * (2.0 * x - 1.0)).astype(dtype)
    init_net, y_init = initial_state(d, dtype)  # as the reference computes them
    theta_d = real(theta)
    env_mask = np.ascontiguousarray(env_mask, dtype=np.bool_)
    means = np.empty((n_inst, n_items, n_ticks, len(record_groups)), dtype=dtype)
    units = np.empty((n_inst, n_items, n_ticks, n_units) if record_units else (1, 1, 1, 1),
                     dtype=dtype)
    args = (pack_weights(W, plan), np.ascontiguousarray(b, dtype=dtype), drive,
            np.ascontiguousarray(stim, dtype=np.bool_),
            np.ascontiguousarray(reset, dtype=np.bool_),
            np.ascontiguousarray(d.dt_unit, dtype=dtype),
            np.ascontiguousarray(d.output_integration, dtype=np.bool_),
            np.ascontiguousarray(init_net), np.ascontiguousarray(y_init),
            np.bool_(hard_clamp), np.uint32(in0),
            np.uint32(in1), env_mask, np.ascontiguousarray(d.env_table, dtype=dtype), theta_d,
            np.int64(clock_start), np.int64(d.recovery), np.bool_(env_mask.any()),
            plan.chunks, plan.warp_start, plan.srcs, plan.src_start, group_lo, group_hi,
            counts.astype(dtype), np.bool_(record_units), means, units)
    key = (dtype.name, n_units, tile, plan.max_units)
    return plan, key, args


def argument_types(args):
    """numba types of the kernel arguments (for ``numba.cuda.compile_ptx``)."""
    from numba import typeof
    return tuple(typeof(a) for a in args)


def _batch_size(args, n_inst, tile):
    if MAX_BATCH is not None:
        return max(1, min(int(MAX_BATCH), n_inst, 65535))
    if simulator_enabled():
        return min(n_inst, 65535)
    from numba import cuda
    free, _total = cuda.current_context().get_memory_info()
    Wc, b, means, units = args[0], args[1], args[-2], args[-1]
    per_instance = (Wc[0].nbytes + b[0].nbytes + means[0].nbytes
                    + (units[0].nbytes if units.shape[0] == n_inst else 0))
    fixed = sum(a.nbytes for a in args[2:-2] if isinstance(a, np.ndarray))
    fit = int((0.8 * free - fixed) // per_instance)
    if fit < 1:
        raise MemoryError(f"one instance needs {per_instance + fixed} bytes of GPU memory; "
                          f"{free} are free")
    return min(fit, n_inst, 65535)


def simulate(W, b, x, stim, reset, dynamics, *, group_index, n_groups, record_units,
             blocks, record_groups=None, tile=None, max_warps=None):
    """Same interface as :func:`erpsim.engine.reference.simulate`, on a CUDA device.

    ``tile`` (items per thread block, default :data:`TILE`) and ``max_warps`` (default
    :data:`MAX_WARPS`) tune the launch; results do not depend on them. The kernel is
    compiled on the first call for each dtype and network size (about 2 s). Timings of
    the call are left in :data:`last_run`.
    """
    check_available()
    from numba import cuda

    from erpsim.engine.gpu_kernels import build_kernel
    clock = time.perf_counter
    start = clock()
    plan, key, args = kernel_arguments(
        W, b, x, stim, reset, dynamics, group_index=group_index, n_groups=n_groups,
        record_units=record_units, blocks=blocks, tile=tile, max_warps=max_warps,
        record_groups=record_groups)
    kernel = build_kernel(*key)
    tile = key[2]
    n_inst, n_items = b.shape[0], x.shape[0]
    Wc, b_all, means, units = args[0], args[1], args[-2], args[-1]
    prepared = clock()
    shared = [cuda.to_device(a) if isinstance(a, np.ndarray) else a for a in args[2:-2]]
    batch = _batch_size(args, n_inst, tile)
    n_tiles = -(-n_items // tile)
    timing = dict(host_prep_s=prepared - start, to_device_s=0.0, kernel_s=0.0,
                  to_host_s=0.0, launches=0, batch=batch,
                  tile=tile, warps=plan.n_warps, blocks_per_launch=0,
                  macs_per_item_tick=plan.macs)
    for i0 in range(0, n_inst, batch):
        i1 = min(i0 + batch, n_inst)
        t0 = clock()
        Wc_d, b_d = cuda.to_device(Wc[i0:i1]), cuda.to_device(b_all[i0:i1])
        means_d = cuda.device_array(means[i0:i1].shape, dtype=means.dtype)
        units_d = cuda.device_array(units[i0:i1].shape if record_units else (1, 1, 1, 1),
                                    dtype=units.dtype)
        cuda.synchronize()
        t1 = clock()
        kernel[(n_tiles, i1 - i0), (tile, plan.n_warps)](Wc_d, b_d, *shared, means_d, units_d)
        cuda.synchronize()
        t2 = clock()
        means_d.copy_to_host(means[i0:i1])
        if record_units:
            units_d.copy_to_host(units[i0:i1])
        t3 = clock()
        timing["to_device_s"] += t1 - t0
        timing["kernel_s"] += t2 - t1
        timing["to_host_s"] += t3 - t2
        timing["launches"] += 1
        timing["blocks_per_launch"] = max(timing["blocks_per_launch"], n_tiles * (i1 - i0))
    timing["total_s"] = clock() - start
    last_run.clear()
    last_run.update(timing)
    return means, (units if record_units else None)
