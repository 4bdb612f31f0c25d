"""The time line of a run: which ticks show the stimulus, where activations reset, and
which ticks belong to each presentation (docs/model.md §3 and §6)."""
from dataclasses import dataclass

import numpy as np

from erpsim.model.config import PROTOCOLS


@dataclass(frozen=True)
class Schedule:
    """Per-tick flags of one run and the recorded window of each presentation.

    Attributes
    ----------
    stim : ndarray of bool, shape (n_ticks,)
        True on stimulus ticks.
    reset : ndarray of bool, shape (n_ticks,)
        True where activations return to the initial state before the tick is computed
        (the alpha clocks carry over).
    starts : ndarray of int, shape (n_presentations,)
        Index of each presentation's first recorded tick in the run.
    ticks : ndarray of int, shape (n_recorded,)
        Tick labels of a presentation's window (stimulus onset = ``onset_tick``).
    """

    stim: np.ndarray
    reset: np.ndarray
    starts: np.ndarray
    ticks: np.ndarray

    @property
    def n_ticks(self):
        return len(self.stim)


def make_schedule(config, presentations=1, protocol=None, gap=None):
    """Build the schedule of ``presentations`` trials of the same item.

    Parameters
    ----------
    config : ModelConfig
        Gives ``n_blank``, ``n_stim``, ``onset_tick`` and the default protocol and gap.
    presentations : int
        1 for a single trial, 2 for a repetition pair.
    protocol : {"reset", "gap"} or None
        ``"reset"``: every presentation is a full trial (blank then stimulus) that starts
        from the initial state. ``"gap"``: activations carry over; presentations after
        the first are preceded by ``gap`` blank ticks instead of the blank period.
    gap : int or None
        Blank ticks between presentations under ``"gap"`` (default ``config.gap``).
    """
    protocol = config.protocol if protocol is None else protocol
    gap = config.gap if gap is None else gap
    if not isinstance(presentations, (int, np.integer)) or presentations < 1:
        raise ValueError(f"presentations must be a positive integer, got {presentations!r}")
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; choose from {PROTOCOLS}")
    if not isinstance(gap, (int, np.integer)) or gap < 0:
        raise ValueError(f"gap must be an integer >= 0, got {gap!r}")
    stim, reset, onsets = [], [], []
    for p in range(presentations):
        blank = config.n_blank if (p == 0 or protocol == "reset") else gap
        reset += [p > 0 and protocol == "reset"] + [False] * (blank + config.n_stim - 1)
        stim += [False] * blank + [True] * config.n_stim
        onsets.append(len(stim) - config.n_stim)
    starts = np.array(onsets) - config.n_blank
    ticks = np.arange(config.onset_tick - config.n_blank, config.onset_tick + config.n_stim)
    return Schedule(np.array(stim), np.array(reset), starts, ticks)
