"""The model's per-unit update, written once (docs/model.md §3 and §5).

These are plain scalar Python functions of one unit and one item. They are the single
source of the compiled backends' equations: :mod:`erpsim.engine.cpu` compiles them with
``numba.njit(inline="always")`` into its vectorised tile loops, and
:mod:`erpsim.engine.gpu_kernels` with ``numba.cuda.jit(device=True)`` into the CUDA
kernel. The NumPy reference (:mod:`erpsim.engine.reference`) is deliberately *not*
built from them: it is an independent, array-form transcription of the equations in docs/model.md, the oracle
the compiled backends are tested against (``tests/test_equations.py`` checks these
scalar functions against it).

One tick of a unit, from its summed input ``inp = Σ W y_{t-1} + b + ext``, under input
integration (the default)::

    net   = integrate(net, inp, dt, one)              # (1 - dt) net + dt inp
    s     = logistic(net, exp(-|net|), one)           # σ(net)

or under output integration (Lens ``OUT_INTEGR``; ``y_prev`` the unit's own output of
the previous tick)::

    net   = inp
    s     = integrate_output(y_prev, logistic(net, exp(-|net|), one), dt, one)

and then, in both modes, with ``s`` the uncapped output::

    clock, below, run_below = clock_step(clock, below, run_below, s, theta, clock_start,
                                         recovery)   # envelope units only
    y     = envelope_cap(s, clock, env_table)         # min(s, E(clock)) if the clock runs

Precision: the functions contain no floating-point literal (numba types a Python float
as float64, which would promote a float32 kernel). The constant 1 is passed as ``one``
in the caller's working precision, and the logistic takes ``exp(-|v|)`` from the caller,
so that each backend uses its own exponential (a vectorisable polynomial on the CPU,
:mod:`erpsim.engine.logistic`; the hardware ``exp`` on a GPU).

Editing this module: numba's on-disk cache (``cache=True`` in :mod:`erpsim.engine.cpu`
and :mod:`erpsim.training.cpu`) does not notice changes in inlined functions of other
files; delete the ``*.nbi``/``*.nbc`` files in ``erpsim/engine/__pycache__`` and
``erpsim/training/__pycache__`` after a change here (the CUDA kernel is compiled afresh
in every process).
"""


def integrate(net, inp, dt, one):
    """Leaky integration of the net input over one tick.

    Parameters
    ----------
    net : float
        Net input of the previous tick (dimensionless).
    inp : float
        This tick's summed input ``Σ_s W[d, s] y_{t-1}[s] + b[d] + ext[d]``.
    dt : float
        Integration constant (fraction of a tick's input that enters the net input).
    one : float
        The number 1 in the caller's working precision.

    Returns
    -------
    float
        ``(1 - dt) net + dt inp``.
    """
    return (one - dt) * net + dt * inp


def integrate_output(y, sig, dt, one):
    """Leaky integration of the output over one tick (Lens ``OUT_INTEGR``).

    Parameters
    ----------
    y : float
        The unit's output of the previous tick (after any envelope cap or clamp).
    sig : float
        σ(net) of this tick, ``net`` being this tick's summed input.
    dt : float
        Integration constant (fraction of a tick).
    one : float
        The number 1 in the caller's working precision.

    Returns
    -------
    float
        ``(1 - dt) y + dt sig``: the unit's uncapped output (docs/model.md §3).
    """
    return (one - dt) * y + dt * sig


def logistic(v, e, one):
    """The logistic σ(v) = 1 / (1 + exp(-v)) from ``e = exp(-|v|)``.

    Written through ``exp(-|v|) ≤ 1`` so that no exponential overflows:
    σ(v) = 1 / (1 + e) for v ≥ 0 and e / (1 + e) below 0.

    Parameters
    ----------
    v : float
        Net input.
    e : float
        ``exp(-|v|)``, computed by the caller's exponential.
    one : float
        The number 1 in the caller's working precision.

    Returns
    -------
    float
        σ(v), in [0, 1] (NaN for a NaN ``v``).
    """
    inv = one / (one + e)
    return inv if v >= 0 else e * inv


def clock_step(clock, below, run_below, s, theta, clock_start, recovery):
    """Advance one envelope unit's alpha clock by one tick (docs/model.md §5).

    A running clock (``clock ≥ 0``) counts ticks; a stopped one starts at
    ``clock_start`` when the uncapped output crosses θ from below. With ``recovery > 0``
    a running clock stops after ``recovery`` consecutive ticks below θ.

    Parameters
    ----------
    clock : int
        Ticks since the crossing of θ (plus ``clock_start``); -1: not running.
    below : bool
        Whether the uncapped output was below θ on the previous tick.
    run_below : int
        Consecutive ticks below θ while the clock runs.
    s : float
        This tick's uncapped output: σ(net), or the integrated output under output
        integration.
    theta : float
        Threshold θ (activation).
    clock_start : int
        Clock value on the tick of the crossing (ticks).
    recovery : int
        Ticks below θ that stop a running clock (0: never).

    Returns
    -------
    clock : int
    below : bool
        ``s < theta`` (the next tick's ``below``).
    run_below : int
    """
    running = clock >= 0
    if running:
        clock += 1
    elif below and s >= theta:
        clock = clock_start
    if recovery > 0:
        run_below = run_below + 1 if running and s < theta else 0
        if running and run_below >= recovery:
            clock = -1
            run_below = 0
    return clock, s < theta, run_below


def envelope_cap(s, clock, env_table):
    """The output of an envelope unit: ``min(s, E(clock))`` while its clock runs.

    Parameters
    ----------
    s : float
        Uncapped output: σ(net), or the integrated output under output integration.
    clock : int
        The unit's clock after :func:`clock_step` (-1: not running).
    env_table : ndarray (n_table,)
        E(0), E(1), ...; clocks past the end use the last value. Read at a valid index
        whatever the clock (no branch around the load, which lets loops vectorise).

    Returns
    -------
    float
    """
    cap = env_table[min(max(clock, 0), env_table.shape[0] - 1)]
    return cap if clock >= 0 and cap < s else s
