"""Simulate trials and repetition pairs; results as labelled xarray Datasets.

>>> net = erpsim.load_pretrained()                      # doctest: +SKIP
>>> ds = erpsim.simulate(net, presentations=2)           # doctest: +SKIP
>>> erpsim.serp_by_type(ds)                              # doctest: +SKIP
"""
import dataclasses
import functools
import json

import numpy as np
import xarray as xr

from erpsim._version import __version__
from erpsim.model.coding import get_coding
from erpsim.engine import CONFIG, group_indices, make_schedule, resolve_envelope, run
from erpsim.model.lexicon import Lexicon, load_lexicon
from erpsim.simulation.results import (ACTIVATION, DIMS, LAYER_MEAN, ONSET_ATTR, SERP,
                                       load_result, save_result, serp,  # noqa: F401 (re-exported)
                                       serp_by_type)


@functools.lru_cache(maxsize=16)
def _named_coding(name, n_slots):
    """The letter coding called ``name`` for ``n_slots`` letters, built once (a coding
    does not change)."""
    return get_coding(name, n_slots=n_slots)


def _coding(config):
    """The letter coding of ``config`` (a named one from the cache)."""
    if isinstance(config.coding, str):
        return _named_coding(config.coding, config.n_slots)
    return get_coding(config.coding, n_slots=config.n_slots)


def _as_items(items):
    """Return (strings, extra item coordinates) for a Lexicon, a list of str, a str or None."""
    if items is None:
        items = load_lexicon()
    if isinstance(items, Lexicon):
        coords = {"item_type": ("item", np.asarray(items.types, dtype=str)),
                  "zipf": ("item", np.asarray(items.zipf, dtype=float)),
                  "neighbours": ("item", np.asarray(items.neighbours, dtype=int))}
        return [str(s) for s in items.items], coords
    if isinstance(items, str):
        items = [items]
    items = list(items)
    if not items:
        raise ValueError("no items to simulate (empty batch)")
    return items, {}


def simulate(network, items=None, *, presentations=1, envelope=CONFIG, protocol=None,
             gap=None, backend="numba", record_units=False, dtype=None, groups=None):
    """Simulate every instance of ``network`` on ``items``.

    Parameters
    ----------
    network : Network
    items : Lexicon, sequence of str, str or None
        The strings to present (default: the shipped lexicon). With a Lexicon the
        result carries the item type, frequency and neighbourhood size.
    presentations : int
        1 for single trials, 2 for repetition pairs (docs/model.md §6).
    envelope : Envelope, None or "config"
        Alpha envelope. ``"config"`` (default, :data:`erpsim.engine.CONFIG`): the
        network's configured one, ``network.config.envelope``; None: no envelope (the
        ERP model, the control). ``False`` is a deprecated spelling of None.
    protocol, gap
        Repetition protocol (default from the configuration), see
        :func:`erpsim.engine.make_schedule`.
    backend : str
        A backend of :func:`erpsim.engine.registry.names` (default ``"numba"``).
    record_units : bool
        Also keep every unit's output (memory: instances x items x presentations x
        ticks x units values).
    dtype : {"float64", "float32"} or None
    groups : sequence of str or None
        Unit groups whose means are kept (default: every group, 8 values per
        instance-item-tick with inhibitory pools); ``("S",)`` keeps only the sERP's, an
        eighth of the memory (docs/model.md, "Memory and small calls").

    Returns
    -------
    xarray.Dataset
        ``layer_mean`` (instance, item, presentation, tick, group): mean output of each
        recorded unit group; ``serp`` (instance, item, presentation, tick): the semantic
        layer's excitatory mean (when ``"S"`` is recorded; a view of ``layer_mean``, no
        extra memory); with ``record_units``, ``activation`` (..., unit). Values are in
        the run's dtype. Attributes hold the configuration (JSON), seeds, backend, dtype
        and package version.
    """
    config = network.config
    strings, item_coords = _as_items(items)
    x = _coding(config).encode(strings)
    envelope = resolve_envelope(network, envelope)
    schedule = make_schedule(config, presentations, protocol, gap)
    means, units = run(network, x, schedule, envelope=envelope, backend=backend,
                       record_units=record_units, dtype=dtype, groups=groups)
    recorded = tuple(network.arch.groups[g] for g in group_indices(network.arch, groups))
    data = {LAYER_MEAN: _variable(DIMS + ("group",), _by_presentation(means, schedule))}
    if "S" in recorded:
        data[SERP] = _variable(DIMS, data[LAYER_MEAN].data[..., recorded.index("S")],
                               {"long_name": "mean semantic activation (sERP)",
                                "units": "activation"})
    if record_units:
        data[ACTIVATION] = _variable(DIMS + ("unit",), _by_presentation(units, schedule))
    coords = _coordinates(network, schedule, strings, item_coords, recorded, record_units)
    ds = xr.Dataset(data, coords=coords)
    sim = {"presentations": presentations, "protocol": protocol or config.protocol,
           "gap": config.gap if gap is None else gap,
           "envelope": None if envelope is None else dataclasses.asdict(envelope)}
    ds.attrs.update(config=config.to_json(), simulation=json.dumps(sim),
                    seeds=json.dumps(network.seeds), backend=backend,
                    dtype=str(np.dtype(dtype or config.dtype)), erpsim_version=__version__,
                    model="alpha" if envelope is not None else "control")
    return ds


def _by_presentation(values, schedule):
    """Cut a run's ticks into its presentations' recorded windows.

    Parameters
    ----------
    values : ndarray (n_instances, n_items, n_run_ticks, ...)
        An engine output (group means or unit outputs) over the whole run.
    schedule : Schedule
        Gives each presentation's first recorded tick and the window's length.

    Returns
    -------
    ndarray (n_instances, n_items, n_presentations, n_recorded_ticks, ...)
        A view of ``values`` (no copy) when the windows tile the run, as under the
        ``"reset"`` protocol; a copy otherwise (under ``"gap"`` they overlap).
    """
    n_rec, starts = len(schedule.ticks), np.asarray(schedule.starts)
    tiled = np.arange(len(starts)) * n_rec
    if values.shape[2] == len(starts) * n_rec and np.array_equal(starts, tiled):
        return values.reshape(values.shape[:2] + (len(starts), n_rec) + values.shape[3:])
    window = starts[:, None] + np.arange(n_rec)
    return values[:, :, window]


def _coordinates(network, schedule, strings, item_coords, recorded, record_units):
    """The coordinates of a result, with their indexes.

    Parameters
    ----------
    network : Network
    schedule : Schedule
    strings : list of str
        The items.
    item_coords : dict
        Name -> ("item", values): the Lexicon's item coordinates (may be empty).
    recorded : tuple of str
        The recorded unit groups.
    record_units : bool
        Add ``unit`` and ``unit_group``.

    Returns
    -------
    xarray.Coordinates
        item_type, zipf, neighbours (with a Lexicon), instance, item, presentation,
        tick, group (and unit, unit_group), in this order; those that depend only on
        the problem's shape come from :func:`_fixed_coordinates`.
    """
    fixed = _fixed_coordinates(network.n_instances, len(schedule.starts),
                               int(schedule.ticks[0]), len(schedule.ticks),
                               network.config.onset_tick, recorded)
    items = xr.Coordinates({"item": _variable("item", np.array(strings, dtype=str)),
                            **{name: _variable(*spec) for name, spec in item_coords.items()}})
    variables = {**fixed.variables, **items.variables}
    indexes = {**fixed.xindexes, **items.xindexes}
    order = [*item_coords, "instance", "item", "presentation", "tick", "group"]
    variables = {name: variables[name] for name in order}
    if record_units:
        arch = network.arch
        units = xr.Coordinates({"unit": _variable("unit", np.arange(arch.n_units)),
                                "unit_group": _variable("unit", np.array(
                                    arch.groups, dtype=str)[arch.group_index])})
        variables.update(units.variables)
        indexes.update(units.xindexes)
    return xr.Coordinates(variables, indexes=indexes)


@functools.lru_cache(maxsize=64)
def _fixed_coordinates(n_instances, presentations, first_tick, n_ticks, onset_tick, groups):
    """The coordinates that depend only on the problem's shape, built once per shape.

    Parameters
    ----------
    n_instances, presentations : int
    first_tick, n_ticks : int
        Label of a window's first tick and its length (ticks).
    onset_tick : int
        Label of the first stimulus tick (the ``tick`` attribute ``onset_tick``).
    groups : tuple of str
        The recorded unit groups.

    Returns
    -------
    xarray.Coordinates
        ``instance``, ``presentation``, ``tick`` and ``group`` with their indexes. A
        result gets shallow copies of them (their own attributes), so editing a
        result's coordinates leaves these alone.
    """
    ticks = _variable("tick", np.arange(first_tick, first_tick + n_ticks),
                      {"long_name": "tick", ONSET_ATTR: onset_tick})
    return xr.Coordinates({"instance": _variable("instance", np.arange(n_instances)),
                           "presentation": _variable("presentation",
                                                     np.arange(1, presentations + 1)),
                           "tick": ticks,
                           "group": _variable("group", np.array(groups, dtype=str))})


def _variable(dims, values, attrs=None):
    """An :class:`xarray.Variable` of dims ``dims`` around the NumPy array ``values`` as
    it is: no copy, no conversion (xarray's checks for other array types, which import
    Dask on first use, are skipped; ``values`` must already be a NumPy array)."""
    return xr.Variable(dims, values, attrs, fastpath=True)


def simulate_repetition(network, items=None, **kwargs):
    """Repetition pairs: :func:`simulate` with ``presentations=2``."""
    return simulate(network, items, presentations=2, **kwargs)
