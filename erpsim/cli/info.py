"""``erpsim info``: versions, available simulation backends and CPU threads.

    erpsim info

Never fails because an optional component (mne, numba-cuda, a GPU) is missing: each
line says what is there and, if not, why.
"""
import os
import platform


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
    try:
        from numba import cuda
    except Exception as err:
        return False, f"numba.cuda cannot be imported ({type(err).__name__}: {err})"
    try:
        available = bool(cuda.is_available())
    except Exception as err:
        return False, f"numba.cuda.is_available() failed ({type(err).__name__}: {err})"
    if not available:
        return False, "no CUDA device or driver (numba.cuda.is_available() is False)"
    try:
        name = cuda.get_current_device().name
        name = name.decode() if isinstance(name, bytes) else str(name)
    except Exception:
        name = "CUDA device"
    return True, name


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
    lines.append("  numpy  available (reference)")
    numba_version = _version("numba")
    numba_ok = not numba_version.startswith("not available")
    lines.append(f"  numba  {'available' if numba_ok else numba_version}")
    cuda_ok, cuda_text = cuda_status()
    lines.append(f"  cuda   {'available: ' + cuda_text if cuda_ok else 'not available: ' + cuda_text}")
    usable, threads = cpu_threads()
    lines.append(f"cpu      {usable} usable CPU thread(s) (os.cpu_count() = {os.cpu_count()}); "
                 f"numba threads: {threads if threads is not None else 'n/a'}")
    return lines


def run_info(args):
    for line in info_lines():
        print(line)
    return 0
