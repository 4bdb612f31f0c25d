"""Model-to-EEG: sERPs as MNE-Python objects and comparisons with recorded EEG.

Needs the ``eeg`` extra (``pip install "erpsim[eeg]"``, which brings MNE-Python).
"""
