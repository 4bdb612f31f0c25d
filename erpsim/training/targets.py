"""What the semantic units are trained towards, and on which ticks (docs/model.md,
"Training targets and the semantic code").

:class:`Targets` is the one object the gradient modules receive for the loss: the items'
semantic patterns and loss weights, the ticks where the patterns apply, the ticks where
every semantic unit is trained towards 0 (the blank) and where the semantic units are.
"""
from dataclasses import dataclass

import numpy as np

from erpsim.utils.check import _check_integer


@dataclass(frozen=True, eq=False)
class Targets:
    """The training targets of one schedule.

    Attributes
    ----------
    patterns : ndarray (n_items, n_sem), float64
        Each item's semantic pattern (0/1), the target on the ticks ``at``.
    weights : ndarray (n_items,), float64
        Loss weight per item; the loss is Σ_items w_i · (cross-entropy of item i summed
        over the target ticks and the semantic units). The zero targets of ``zero_at``
        carry the same weights.
    at : ndarray of bool (n_ticks,)
        Ticks where the semantic units are trained towards ``patterns``.
    zero_at : ndarray of bool (n_ticks,)
        Ticks where every semantic unit is trained towards 0 (none: all False). Never
        a tick of ``at``.
    sem_slice : slice
        The semantic excitatory units among the network's units.

    Raises
    ------
    ValueError
        If the shapes disagree, a tick is in both ``at`` and ``zero_at``, or there is
        no target tick at all.
    """

    patterns: np.ndarray
    weights: np.ndarray
    at: np.ndarray
    zero_at: np.ndarray
    sem_slice: slice

    def __post_init__(self):
        # copies, made read-only below (the caller's arrays stay as they are)
        patterns = np.array(self.patterns, dtype=np.float64)
        weights = np.array(self.weights, dtype=np.float64)
        at = np.array(self.at, dtype=bool)
        zero_at = np.array(self.zero_at, dtype=bool)
        if patterns.ndim != 2 or weights.shape != (patterns.shape[0],):
            raise ValueError(f"patterns must be (n_items, n_sem) and weights (n_items,), got "
                             f"{patterns.shape} and {weights.shape}")
        width = self.sem_slice.stop - self.sem_slice.start
        if patterns.shape[1] != width:
            raise ValueError(f"patterns have {patterns.shape[1]} features but the network "
                             f"has {width} semantic units")
        if at.ndim != 1 or at.shape != zero_at.shape:
            raise ValueError(f"at and zero_at must be (n_ticks,) alike, got {at.shape} and "
                             f"{zero_at.shape}")
        if (at & zero_at).any():
            raise ValueError(f"ticks {np.flatnonzero(at & zero_at).tolist()} have both "
                             "pattern and zero targets")
        if not at.any():
            raise ValueError("no tick has a semantic target")
        for name, value in (("patterns", patterns), ("weights", weights), ("at", at),
                            ("zero_at", zero_at)):
            value.setflags(write=False)
            object.__setattr__(self, name, value)


def stimulus_spans(stim):
    """(first, last) tick index of every stimulus presentation of a schedule.

    Parameters
    ----------
    stim : ndarray of bool (n_ticks,)

    Returns
    -------
    list of (int, int)
    """
    stim = np.asarray(stim, dtype=bool)
    edges = np.diff(np.concatenate([[False], stim, [False]]).astype(np.int8))
    return list(zip(np.flatnonzero(edges == 1).tolist(),
                    (np.flatnonzero(edges == -1) - 1).tolist()))


def target_ticks(schedule, n_targets=None, window=None):
    """Where the semantic patterns are targets, in every presentation of ``schedule``.

    Parameters
    ----------
    schedule : Schedule
    n_targets : int or None
        The last ``n_targets`` stimulus ticks (used when ``window`` is None).
    window : (int, int) or None
        First and last target tick, counted from stimulus onset (0 = the first
        stimulus tick), inclusive.

    Returns
    -------
    ndarray of bool (n_ticks,)

    Raises
    ------
    ValueError
        If the window does not lie within the stimulus (``0 <= start <= end < n_stim``),
        or ``n_targets`` exceeds it.
    """
    at = np.zeros(schedule.n_ticks, dtype=bool)
    for first, last in stimulus_spans(schedule.stim):
        n_stim = last - first + 1
        if window is None:
            _check_integer(n_targets, "n_targets", 1)
            if n_targets > n_stim:
                raise ValueError(f"n_targets={n_targets} exceeds the {n_stim} stimulus ticks")
            at[last - n_targets + 1:last + 1] = True
        else:
            start, end = window
            if not 0 <= start <= end < n_stim:
                raise ValueError(f"target_window {tuple(window)} must lie within the "
                                 f"stimulus: 0 <= start <= end <= {n_stim - 1} (ticks after "
                                 "onset)")
            at[first + start:first + end + 1] = True
    return at


def blank_ticks(schedule):
    """The blank ticks (no stimulus) of ``schedule``: ndarray of bool (n_ticks,)."""
    return ~np.asarray(schedule.stim, dtype=bool)
