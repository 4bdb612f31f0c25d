"""Shared parameter documentation, filled into docstrings by :func:`fill_doc`.

A docstring names an entry as ``%(name)s`` on a line of its own (indented like the
other parameters); :func:`fill_doc` replaces it with the entry from :data:`docdict`,
re-indented. Only ``%(name)s`` placeholders whose name is in :data:`docdict` are
touched, so other ``%`` signs in a docstring are safe.
"""
import re

#: Parameter documentation shared by several functions, keyed by placeholder name.
docdict = {
    "serp_time": """\
serp : xarray.DataArray
    Mean semantic activation with a ``tick`` dimension (or ``dim``) whose coordinate
    carries ``attrs["onset_tick"]`` (results of :func:`erpsim.simulate` do), and
    optionally ``item_type``, ``presentation``, ``instance`` or other dims.""",
    "model_search": """\
search : (float, float) or None
    N400 search window in ticks, inclusive. Default (None): ticks 0-18 after the
    stimulus onset read from ``tick.attrs["onset_tick"]``
    (:data:`erpsim.model.timebase.N400_SEARCH`; ticks 20-38 for onset 20),
    clipped to the last tick of the data.""",
    "half_interpolate": """\
half, interpolate
    See :func:`erpsim.analysis.fwhm_window`.""",
    "first_second": """\
first, second
    Labels of the first and second presentation (default 1 and 2).""",
    "type_presentation_dims": """\
type_dim, presentation_dim : str
    Names of the item type and presentation dims.""",
    "backend": """\
backend : {"numba", "numpy", "cuda"}
    Simulation backend (see :func:`erpsim.simulate`).""",
    "low_bins": """\
low_bins : sequence of float
    Nyquist-normalised frequency bins whose power is compared between the
    presentations (nearest bins of the spectra).""",
}

_PLACEHOLDER = re.compile(r"^([ \t]*)%\((\w+)\)s[ \t]*$", re.MULTILINE)


def fill_doc(obj):
    """Fill the ``%(name)s`` placeholders of ``obj.__doc__`` from :data:`docdict`.

    Parameters
    ----------
    obj : function or class
        Its docstring may hold placeholders, each alone on a line; the entry is
        indented like the placeholder.

    Returns
    -------
    obj
        The same object, docstring filled (usable as a decorator).

    Raises
    ------
    KeyError
        A placeholder alone on a line that names no entry of :data:`docdict`.
    """
    doc = obj.__doc__
    if not doc:
        return obj

    def replace(match):
        indent, name = match.group(1), match.group(2)
        if name not in docdict:
            raise KeyError(f"{obj.__qualname__}: no shared docs named {name!r}")
        return "\n".join(indent + line if line else line
                         for line in docdict[name].splitlines())

    obj.__doc__ = _PLACEHOLDER.sub(replace, doc)
    return obj
