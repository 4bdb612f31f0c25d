"""Simulating trials and repetition pairs; the labelled results they return."""
from erpsim.simulation.trials import (load_result, save_result, serp, serp_by_type, simulate,
                                      simulate_repetition)

__all__ = ["load_result", "save_result", "serp", "serp_by_type", "simulate",
           "simulate_repetition"]
