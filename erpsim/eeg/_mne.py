"""MNE-Python, the ``eeg`` extra, imported once with a clear error when it is missing."""
try:
    import mne
except ImportError as err:  # pragma: no cover - exercised with mne hidden
    raise ImportError('erpsim.eeg needs MNE-Python, the "eeg" extra: '
                      'pip install "erpsim[eeg]"') from err

__all__ = ["mne"]
