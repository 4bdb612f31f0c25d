"""Old spellings that keep working for a release, with a ``DeprecationWarning``."""
import importlib
import sys
import types
import warnings


def warn_moved(old, new, stacklevel=3):
    """Warn that ``old`` is deprecated in favour of ``new``."""
    warnings.warn(f"{old} is deprecated and will be removed in the next release; use {new}",
                  DeprecationWarning, stacklevel=stacklevel)


def moved_module(old, new):
    """Make module ``old`` an alias of module ``new`` (call it from ``old``'s body).

    Importing ``old`` warns once and then yields the very same module object as ``new``,
    so both names see the same state.
    """
    warn_moved(old, new, stacklevel=4)
    module = importlib.import_module(new)
    sys.modules[old] = module
    return module


class _CallableModule(types.ModuleType):
    """A module that also calls one function: for an old module path whose name the
    package's namespace uses for a function (``erpsim.simulate``)."""

    def __call__(self, *args, **kwargs):
        return self.__wrapped__(*args, **kwargs)


def moved_callable_module(old, new, function):
    """Like :func:`moved_module` for a module whose name is also a public function.

    Importing the old module path re-binds the parent package's attribute to the
    module; making that module callable keeps ``erpsim.simulate(...)`` working.
    """
    warn_moved(old, new, stacklevel=4)
    target = importlib.import_module(new)
    shim = sys.modules[old]
    shim.__dict__.update({k: v for k, v in vars(target).items() if not k.startswith("__")})
    shim.__wrapped__ = getattr(target, function)
    shim.__class__ = _CallableModule
    return shim
