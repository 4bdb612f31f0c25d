"""Tell the user when the numba kernels are about to be compiled for the first time.

The kernels use ``cache=True``: numba compiles them once per environment and precision
(on the 2-core CI machine about 15 s for a simulation, 30 s more for training) and
stores them on disk; later runs load them in seconds. Without a message the first run
looks frozen.
"""
import importlib
import sys

MESSAGE = ("compiling the numba kernels once (up to about a minute; later runs start in "
           "seconds)")

# the modules holding the numba kernels each command runs (with the numba backend)
_SIMULATION = ("erpsim.engine.cpu",)
_TRAINING = ("erpsim.engine.cpu", "erpsim.training.cpu")
KERNELS = {"simulate": _SIMULATION, "fig2": _SIMULATION, "compare": _SIMULATION,
           "train": _TRAINING, "sweep": _TRAINING, "encode": ("erpsim.encoding._kernels",)}


def _cached(dispatcher, dtype="float64"):
    """Whether numba's on-disk cache holds a version of ``dispatcher`` for ``dtype``.

    A float32 run's signatures mention float32 (some arguments, the targets and the
    gradient slots, stay float64); a float64 run's never do. Uses numba's cache index (a
    private interface): None when it cannot be read.
    """
    try:
        signatures = [str(key[0]) for key in dispatcher._cache._cache_file._load_index()]
    except Exception:
        return None
    if dtype == "float32":
        return any("float32" in sig for sig in signatures)
    return any("float32" not in sig for sig in signatures)


def kernels_need_compiling(modules, dtype="float64"):
    """Whether some ``cache=True`` numba kernel of ``modules`` has no on-disk cache for
    ``dtype``.

    Parameters
    ----------
    modules : sequence of str
        Module names; each is imported (importing compiles nothing).
    dtype : {"float64", "float32"}
        The precision the command computes in.

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
                    and _cached(value, dtype) is False):
                return True
    return False


def command_dtype(args):
    """The precision ``args.command`` will compute in: ``--dtype`` where the command has
    it, the ``dtype`` of a ``train --config`` file's sections, else float64."""
    if getattr(args, "dtype", None):
        return args.dtype
    if getattr(args, "config", None) and args.command == "train":
        from erpsim.cli.train import read_options_file

        model, training = read_options_file(args.config)
        return training.get("dtype") or model.get("dtype") or "float64"
    return "float64"


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
    if getattr(args, "dry_run", False) or getattr(args, "status", False):
        return False        # erpsim sweep --dry-run / --status compute nothing
    try:
        needed = kernels_need_compiling(modules, command_dtype(args))
    except Exception:       # never let the hint itself fail a command
        return False
    if needed:
        print(f"erpsim {args.command}: {MESSAGE}", file=stream or sys.stderr, flush=True)
    return needed
