"""erpsim.utils.check (shared validators) and erpsim.utils.docs (shared parameter docs)."""
import numpy as np
import pytest

from erpsim.utils.check import _check_integer, _check_option, _check_time_range, _check_times, _validate_type
from erpsim.utils.docs import docdict, fill_doc


def test_validate_type_accepts_numpy_integers_not_bools():
    assert _validate_type(np.int64(3), "int", "n") == 3
    assert _validate_type(None, ("int", None), "n") is None
    assert _validate_type(2.5, "numeric", "x") == 2.5
    with pytest.raises(TypeError, match="n must be an instance of int, got bool"):
        _validate_type(True, "int", "n")
    with pytest.raises(TypeError, match="x must be an instance of int or None, got str"):
        _validate_type("3", ("int", None), "x")
    with pytest.raises(TypeError, match="path must be an instance of path-like"):
        _validate_type(3, "path-like", "path")
    assert _validate_type(len, "callable", "f") is len


def test_check_option_names_the_choices():
    assert _check_option("taper", "hann", ("none", "hann")) == "hann"
    with pytest.raises(ValueError, match=r"unknown taper 'box'; choose one of 'none', 'hann'"):
        _check_option("taper", "box", ("none", "hann"))
    with pytest.raises(ValueError, match="unknown taper 1"):
        _check_option("taper", 1, ("none", "hann"))


def test_time_checks():
    times = _check_times([0, 1, 2], 3)
    assert times.dtype == float
    assert _check_time_range(0, 2 + 1e-12, times, "search window") > 0
    with pytest.raises(ValueError, match=r"search window \(-1, 2\) lies outside the data, "
                                         "which span 0 to 2"):
        _check_time_range(-1, 2, times, "search window")
    for bad, n, match in (([0, 0, 1], 3, "strictly increasing"), ([0, 1], 3, "mismatched"),
                          ([0, np.nan], 2, "NaN"), ([[0, 1]], 2, "1-D")):
        with pytest.raises(ValueError, match=match):
            _check_times(bad, n)


def test_fill_doc_fills_shared_entries_indented():
    def f():
        """Do it.

        Parameters
        ----------
        %(backend)s
        other : int
            100% literal percent signs survive.
        """
    fill_doc(f)
    assert "    backend : {\"numba\", \"numpy\", \"cuda\"}\n" in f.__doc__
    assert "        Simulation backend" in f.__doc__ and "100% literal" in f.__doc__

    def g():
        """%(nothing_like_this)s"""
    with pytest.raises(KeyError, match="nothing_like_this"):
        fill_doc(g)


def test_shared_docs_are_filled_in_the_package():
    from erpsim.analysis import model_window
    from erpsim.paper.fig2 import compute_fig2
    from erpsim.paper.pipeline import analyse_models, simulate_models
    for func in (model_window, compute_fig2, analyse_models, simulate_models):
        assert "%(" not in func.__doc__, func.__name__
    assert docdict["model_search"].splitlines()[0] in model_window.__doc__


def test_check_integer():
    assert _check_integer(np.int64(4), "n", minimum=1) == 4
    assert type(_check_integer(np.int32(0), "n")) is int
    for bad in (True, 2.0, "2", None):
        with pytest.raises(ValueError, match="n must be an integer, got"):
            _check_integer(bad, "n")
    with pytest.raises(ValueError, match="retries must be an integer >= 0, got -1"):
        _check_integer(-1, "retries", minimum=0)
