"""Shared fixtures: the shipped trained instances and lexicon, loaded once per session.

The fixtures return shared objects: tests must not modify them (``Network.select`` and
``Lexicon.subset`` return new objects).
"""
import functools

import pytest

import erpsim


@pytest.fixture(scope="session")
def pretrained():
    """The 10 shipped trained instances (``erpsim.load_pretrained()``)."""
    return erpsim.load_pretrained()


@pytest.fixture(scope="session")
def full_lexicon():
    """The shipped lexicon: 200 items, 50 of each type."""
    return erpsim.load_lexicon()


@pytest.fixture(scope="session")
def lexicon_subset(full_lexicon):
    """``lexicon_subset(n, rng)``: n items of each type, the same object for the same
    arguments within a session."""
    return functools.lru_cache(maxsize=None)(
        lambda n_per_type, rng=0: full_lexicon.subset(n_per_type, rng=rng))
