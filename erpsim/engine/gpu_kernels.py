"""numba CUDA kernel of the simulation (same equations as :mod:`erpsim.engine.reference`).

Imported only by :mod:`erpsim.engine.gpu` once the CUDA target (or its simulator) is
known to be usable. The host side (weight packing, work plan, batching) lives there; the
design is described in ``docs/gpu.md``.

One launch simulates a whole run. Thread block = (``tile`` lanes, ``n_warps`` warps):
block ``(tile_index, instance)`` owns ``tile`` items of one instance, lane ``k`` is one
item, and each warp owns a fixed set of destination units ("chunks" of up to
:data:`CHUNK` consecutive units with the same sources). Every tick:

1. (reset ticks only) the outputs in shared memory are set to the initial outputs
   (σ(init_net) per unit, or the initial outputs of output-integrating units);
2. input phase: each thread sums ``W[d, s] * y[s, k]`` for its chunks' units over the
   source projections, four destination units at a time (the weight of a source is
   the same for all lanes of a warp, a broadcast load; ``y[s, k]`` is a conflict-free
   shared-memory load), into a per-thread local array;
3. ``cuda.syncthreads()``; update phase: net input (or output) integration with the
   unit's own integration constant, logistic, alpha clock and cap (the scalar functions
   of :mod:`erpsim.engine.equations`, compiled as device functions), hard clamp; the new
   outputs overwrite the shared array (only the unit's own thread reads its previous
   output there, under output integration);
4. ``cuda.syncthreads()``; each warp writes the group means of some groups.

Per-unit state (net input, clock, below-θ flag, recovery count) stays in thread-local
memory for the whole run; only the outputs (shared, ``n_units × tile``) are exchanged.
"""
import math
from functools import lru_cache

import numba
import numpy as np
from numba import cuda

from erpsim.engine import equations

#: Destination units summed together in the input phase (weights are padded to it).
CHUNK = 4

# The model's update (erpsim.engine.equations) as device functions, inlined into the
# kernel's IR before typing ("always"): typed in the kernel's precision, and compiled
# with it, so that compile_ptx needs no device.
integrate = cuda.jit(device=True, inline="always")(equations.integrate)
integrate_output = cuda.jit(device=True, inline="always")(equations.integrate_output)
logistic = cuda.jit(device=True, inline="always")(equations.logistic)
clock_step = cuda.jit(device=True, inline="always")(equations.clock_step)
envelope_cap = cuda.jit(device=True, inline="always")(equations.envelope_cap)


@lru_cache(maxsize=None)
def build_kernel(dtype, n_units, tile, max_units):
    """Compile-time-specialised kernel for ``dtype`` (float32/float64) and these sizes.

    Parameters
    ----------
    dtype : str
        ``"float32"`` or ``"float64"``: the type of every floating-point value.
    n_units : int
        Units of the network (rows of the shared output array).
    tile : int
        Items per thread block (the block's x dimension).
    max_units : int
        Length of each thread's local state arrays (the most units a warp owns).
    """
    dtype = np.dtype(dtype)
    ftype = numba.from_dtype(dtype)
    real = dtype.type
    zero, one = real(0.0), real(1.0)
    int32 = numba.int32
    boolean = numba.boolean
    u32 = numba.uint32
    utile = np.uint32(tile)
    n_shared = n_units * tile
    one_u, two_u, three_u = np.uint32(1), np.uint32(2), np.uint32(3)

    def simulate_tiles(Wc, b, drive, stim, reset, dt_unit, out_mask, init_net, y_init,
                       hard_clamp, in0, in1, env_mask, env_table, theta, clock_start,
                       recovery, use_env, chunks, warp_start, srcs, src_start,
                       group_lo, group_hi, group_count, record_units, means, units):
        # Indices are unsigned 32-bit wherever they are computed per multiply-add:
        # numba adds a negative-index wrap-around test to every signed index.
        lane = u32(cuda.threadIdx.x)
        warp = cuda.threadIdx.y
        n_warps = cuda.blockDim.y
        i = cuda.blockIdx.y
        k = u32(cuda.blockIdx.x) * utile + lane
        n_items = drive.shape[0]
        valid = k < n_items
        n_ticks = stim.shape[0]
        n_groups = group_lo.shape[0]
        Wi = Wc[i]
        bi = b[i]

        ys = cuda.shared.array(n_shared, ftype)  # ys[u * tile + lane]: unit u, item lane
        net = cuda.local.array(max_units, ftype)
        inp = cuda.local.array(max_units, ftype)
        clock = cuda.local.array(max_units, int32)
        below = cuda.local.array(max_units, boolean)
        run_below = cuda.local.array(max_units, int32)
        c0 = warp_start[warp]
        c1 = warp_start[warp + 1]
        for j in range(max_units):  # net and below are set at t = 0 (a reset)
            net[j] = zero
            inp[j] = zero
            clock[j] = -1
            below[j] = False
            run_below[j] = 0

        for t in range(n_ticks):
            if t == 0 or reset[t]:
                # activations (not clocks) return to the initial state
                cuda.syncthreads()
                j = 0
                for c in range(c0, c1):
                    d = chunks[c, 0]
                    yb = d * utile + lane
                    for q in range(chunks[c, 1]):
                        ys[yb] = y_init[d]
                        net[j] = init_net[d]
                        below[j] = y_init[d] < theta
                        yb += utile
                        d += one_u
                        j += 1
                cuda.syncthreads()

            # input phase: inp = W y for the thread's units (reads ys only)
            j = 0
            for c in range(c0, c1):
                nv = chunks[c, 1]
                col = chunks[c, 2]
                seg = chunks[c, 3]
                a0 = zero
                a1 = zero
                a2 = zero
                a3 = zero
                for p in range(src_start[seg], src_start[seg + 1]):
                    s0 = srcs[p, 0]
                    ndp = srcs[p, 3]
                    wb = srcs[p, 2] + col
                    yb = s0 * utile + lane
                    for _ in range(srcs[p, 1] - s0):
                        yv = ys[yb]
                        a0 += Wi[wb] * yv
                        a1 += Wi[wb + one_u] * yv
                        a2 += Wi[wb + two_u] * yv
                        a3 += Wi[wb + three_u] * yv
                        wb += ndp
                        yb += utile
                inp[j] = a0
                if nv > 1:
                    inp[j + 1] = a1
                if nv > 2:
                    inp[j + 2] = a2
                if nv > 3:
                    inp[j + 3] = a3
                j += nv
            cuda.syncthreads()

            # update phase: net input, logistic, envelope, clamp (writes ys)
            soft = stim[t] and not hard_clamp
            clamp = stim[t] and hard_clamp
            j = 0
            for c in range(c0, c1):
                d = chunks[c, 0]
                for q in range(chunks[c, 1]):
                    v = inp[j] + bi[d]
                    is_input = d >= in0 and d < in1
                    xv = zero
                    if is_input and valid:
                        xv = drive[k, d - in0]
                    if soft and is_input:
                        v += xv
                    if out_mask[d]:
                        net[j] = v
                        sg = logistic(v, math.exp(-abs(v)), one)
                        sv = integrate_output(ys[d * utile + lane], sg, dt_unit[d], one)
                    else:
                        h = integrate(net[j], v, dt_unit[d], one)
                        net[j] = h
                        sv = logistic(h, math.exp(-abs(h)), one)
                    y = sv
                    if use_env and env_mask[d]:
                        cl, bl, rb = clock_step(clock[j], below[j], run_below[j], sv,
                                                theta, clock_start, recovery)
                        clock[j] = cl
                        below[j] = bl
                        run_below[j] = rb
                        y = envelope_cap(sv, cl, env_table)
                    if clamp and is_input:
                        y = xv
                    ys[d * utile + lane] = y
                    if record_units and valid:
                        units[i, k, t, d] = y
                    d += one_u
                    j += 1
            cuda.syncthreads()

            # group means of this tick (reads ys; the next write is after a barrier)
            if valid:
                for g in range(warp, n_groups, n_warps):
                    total = zero
                    yb = group_lo[g] * utile + lane
                    for _ in range(group_hi[g] - group_lo[g]):
                        total += ys[yb]
                        yb += utile
                    means[i, k, t, g] = total / group_count[g]

    simulate_tiles.__name__ = f"simulate_tiles_{dtype.name}_{n_units}u_{tile}x{max_units}"
    return cuda.jit(simulate_tiles)
