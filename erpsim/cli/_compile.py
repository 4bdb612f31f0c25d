"""Tell the user when the numba kernels are about to be compiled for the first time.

The kernels use ``cache=True``: numba compiles them once per environment (about 1-2
minutes) and stores them on disk; later runs load them in seconds. Without a message
the first run looks frozen.
"""
import importlib
import sys

MESSAGE = ("compiling the numba kernels once (about 1-2 minutes; later runs start in "
           "seconds)")

# the modules holding the numba kernels each command runs (with the numba backend)
_SIMULATION = ("erpsim.engine.cpu",)
_TRAINING = ("erpsim.engine.cpu", "erpsim.training.cpu")
KERNELS = {"simulate": _SIMULATION, "fig2": _SIMULATION, "compare": _SIMULATION,
           "train": _TRAINING, "sweep": _TRAINING, "encode": ("erpsim.encoding._kernels",)}


def _cached(dispatcher):
    """Whether numba's on-disk cache holds a compiled version of ``dispatcher``.

    Uses numba's cache index (a private interface): None when it cannot be read.
    """
    try:
        return len(dispatcher._cache._cache_file._load_index()) > 0
    except Exception:
        return None


def kernels_need_compiling(modules):
    """Whether some ``cache=True`` numba kernel of ``modules`` has no on-disk cache.

    Parameters
    ----------
    modules : sequence of str
        Module names; each is imported (importing compiles nothing).

    Returns
    -------
    bool
        True if at least one kernel is not cached (its first call compiles it);
        False if all are cached or the cache cannot be inspected.
    """
    from numba.core.registry import CPUDispatcher

    for name in modules:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if (isinstance(value, CPUDispatcher) and value.__module__ == name
                    and value._cache.__class__.__name__ != "NullCache"
                    and _cached(value) is False):
                return True
    return False


def announce(args, stream=None):
    """Print :data:`MESSAGE` to stderr if ``args.command`` is about to compile kernels.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``erpsim`` arguments (``command`` and, where the command has one,
        ``backend``).
    stream : file or None
        Default ``sys.stderr``.

    Returns
    -------
    bool
        Whether the message was printed.
    """
    modules = KERNELS.get(args.command)
    if not modules or (getattr(args, "backend", None) or "numba") != "numba":
        return False
    try:
        needed = kernels_need_compiling(modules)
    except Exception:       # never let the hint itself fail a command
        return False
    if needed:
        print(f"erpsim {args.command}: {MESSAGE}", file=stream or sys.stderr, flush=True)
    return needed
