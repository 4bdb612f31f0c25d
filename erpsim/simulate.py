"""Deprecated alias of :mod:`erpsim.simulation` (moved in 0.2; removed in the next release).

``erpsim.simulate`` is also the package's function; this module stays callable so that
importing it does not break ``erpsim.simulate(network)``.
"""
from erpsim.utils.deprecation import moved_callable_module

moved_callable_module(__name__, "erpsim.simulation", "simulate")
