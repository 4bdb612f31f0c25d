"""Simulating trials and repetition pairs; the labelled results they return.

- :mod:`erpsim.simulation.trials` -- :func:`simulate`, :func:`simulate_repetition`;
- :mod:`erpsim.simulation.results` -- the result schema, :func:`serp_by_type`,
  save/load and the ``ds.erp`` accessor;
- :mod:`erpsim.model.timebase` -- windows in ticks after stimulus onset.
"""
from erpsim.simulation.results import load_result, save_result, serp, serp_by_type
from erpsim.simulation.trials import simulate, simulate_repetition

__all__ = ["load_result", "save_result", "serp", "serp_by_type", "simulate",
           "simulate_repetition"]
