"""``argparse`` value types that refuse out-of-range values, naming the option.

argparse prefixes their messages with the option, e.g.
``erpsim train: error: argument --max-epochs: must be a positive integer, got '0'``.
"""
import argparse


def _number(kind, text, ok, requirement):
    """``kind(text)`` if it parses and satisfies ``ok``, else ``ArgumentTypeError``."""
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {requirement}, got {text!r}") from None
    if not ok(value):
        raise argparse.ArgumentTypeError(f"must be {requirement}, got {text!r}")
    return value


def positive_int(text):
    """An integer >= 1."""
    return _number(int, text, lambda v: v >= 1, "a positive integer")


def nonnegative_int(text):
    """An integer >= 0."""
    return _number(int, text, lambda v: v >= 0, "an integer >= 0")


def positive_float(text):
    """A finite number > 0."""
    return _number(float, text, lambda v: 0 < v < float("inf"), "a positive number")


def nonnegative_float(text):
    """A finite number >= 0."""
    return _number(float, text, lambda v: 0 <= v < float("inf"), "a number >= 0")


def unit_interval(text):
    """A number in (0, 1] (an integration constant)."""
    return _number(float, text, lambda v: 0 < v <= 1, "a number in (0, 1]")
