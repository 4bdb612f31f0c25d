"""Simulate trials and repetition pairs; results as labelled xarray Datasets.

>>> net = erpsim.load_pretrained()                      # doctest: +SKIP
>>> ds = erpsim.simulate(net, presentations=2)           # doctest: +SKIP
>>> erpsim.serp_by_type(ds)                              # doctest: +SKIP
"""
import json

import numpy as np
import xarray as xr

from erpsim._version import __version__
from erpsim.model.coding import get_coding
from erpsim.engine import CONFIG, group_indices, make_schedule, resolve_envelope, run
from erpsim.model.lexicon import Lexicon, load_lexicon
from erpsim.simulation.results import (load_result, save_result, serp,  # noqa: F401 (re-exported)
                                       serp_by_type)


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
        Unit groups whose means are kept (default: all); ``("S",)`` keeps only the sERP.

    Returns
    -------
    xarray.Dataset
        ``layer_mean`` (instance, item, presentation, tick, group): mean output of each
        recorded unit group; ``serp`` (instance, item, presentation, tick): the semantic
        layer's excitatory mean (when ``"S"`` is recorded); with ``record_units``, ``activation`` (..., unit). Attributes
        hold the configuration (JSON), seeds, backend, dtype and package version.
    """
    config = network.config
    coding = get_coding(config.coding, n_slots=config.n_slots)
    strings, coords = _as_items(items)
    x = coding.encode(strings)
    envelope = resolve_envelope(network, envelope)
    schedule = make_schedule(config, presentations, protocol, gap)
    means, units = run(network, x, schedule, envelope=envelope, backend=backend,
                       record_units=record_units, dtype=dtype, groups=groups)
    recorded = [network.arch.groups[g] for g in group_indices(network.arch, groups)]
    n_rec = len(schedule.ticks)
    window = np.stack([np.arange(s, s + n_rec) for s in schedule.starts])
    means = means[:, :, window]            # (instance, item, presentation, tick, group)
    arch = network.arch
    coords.update(instance=np.arange(network.n_instances), item=np.array(strings, dtype=str),
                  presentation=np.arange(1, presentations + 1), tick=schedule.ticks,
                  group=np.array(recorded, dtype=str))
    dims = ("instance", "item", "presentation", "tick")
    data = {"layer_mean": (dims + ("group",), means)}
    if "S" in recorded:
        data["serp"] = (dims, means[..., recorded.index("S")])
    if record_units:
        data["activation"] = (dims + ("unit",), units[:, :, window])
        coords["unit"] = np.arange(arch.n_units)
        coords["unit_group"] = ("unit", np.array(arch.groups, dtype=str)[arch.group_index])
    ds = xr.Dataset(data, coords=coords)
    if "serp" in ds:
        ds["serp"].attrs.update(long_name="mean semantic activation (sERP)", units="activation")
    ds["tick"].attrs.update(long_name="tick", onset_tick=config.onset_tick)
    sim = {"presentations": presentations, "protocol": protocol or config.protocol,
           "gap": config.gap if gap is None else gap,
           "envelope": None if envelope is None else config.replace(envelope=envelope).to_dict()["envelope"]}
    ds.attrs.update(config=config.to_json(), simulation=json.dumps(sim),
                    seeds=json.dumps(network.seeds), backend=backend,
                    dtype=str(np.dtype(dtype or config.dtype)), erpsim_version=__version__,
                    model="alpha" if envelope is not None else "control")
    return ds


def simulate_repetition(network, items=None, **kwargs):
    """Repetition pairs: :func:`simulate` with ``presentations=2``."""
    return simulate(network, items, presentations=2, **kwargs)
