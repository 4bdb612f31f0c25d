"""``erpsim info``: versions, available simulation backends and CPU threads.

    erpsim info

Never fails because an optional component (mne, numba-cuda, a GPU) is missing: each
line says what is there and, if not, why.
"""
import os
import platform

from erpsim.engine import registry


def register(subparsers):
    parser = subparsers.add_parser(
        "info", help="show versions, simulation backends and CPU threads",
        description="Show package versions, the available simulation backends and the "
                    "number of CPU threads.")
    parser.set_defaults(func=run_info)
    return parser


def _version(module_name):
    from importlib import import_module
    from importlib.metadata import PackageNotFoundError, version
    try:
        module = import_module(module_name)
    except Exception as err:  # not installed, or broken
        return f"not available ({type(err).__name__}: {err})"
    found = getattr(module, "__version__", None)
    if found is None:
        try:
            found = version(module_name)
        except PackageNotFoundError:
            found = "unknown version"
    return str(found)


def cuda_status():
    """(available, description) of numba's CUDA target; never raises."""
    return registry.get("cuda").status()


def cpu_threads():
    """(usable CPUs, numba threads) for this process."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 1
    try:
        import numba
        threads = numba.get_num_threads()
    except Exception:
        threads = None
    return usable, threads


def info_lines():
    """The lines printed by ``erpsim info``."""
    lines = [f"python   {platform.python_version()} ({platform.machine()}, {platform.system()})"]
    for name in ("erpsim", "numpy", "numba", "xarray", "mne"):
        lines.append(f"{name:<8} {_version(name)}")
    lines.append("backends:")
    for name, (available, reason) in registry.status().items():
        lines.append(f"  {name:<6} {'available' if available else 'not available'}: {reason}")
    usable, threads = cpu_threads()
    lines.append(f"cpu      {usable} usable CPU thread(s) (os.cpu_count() = {os.cpu_count()}); "
                 f"numba threads: {threads if threads is not None else 'n/a'}")
    return lines


def run_info(args):
    for line in info_lines():
        print(line)
    return 0
