"""The schema of a simulation result, and the functions and accessor that read it.

A result of :func:`erpsim.simulate` is an :class:`xarray.Dataset` with

- dims :data:`DIMS` ``(instance, item, presentation, tick)`` (+ ``group``, ``unit``);
- ``serp`` (instance, item, presentation, tick): the sERP, mean semantic activation;
- ``layer_mean`` (..., group): the mean output of each recorded unit group;
- optionally ``activation`` (..., unit) and the item coordinates ``item_type``,
  ``zipf``, ``neighbours``;
- ``tick.attrs["onset_tick"]``: the label of the first stimulus tick
  (:mod:`erpsim.model.timebase`).

Importing this module registers the ``.erp`` accessor on Datasets::

    ds.erp.onset_tick              # 20
    ds.erp.serp_by_type()          # (instance, item_type, presentation, tick)
    ds.erp.window()                # the figure window, ticks 20-38
"""
from pathlib import Path

import xarray as xr

from erpsim.model.lexicon import ITEM_TYPES
from erpsim.model.timebase import FIGURE_WINDOW, onset_of, window_of
from erpsim.utils.atomic import atomic_write

#: Dimensions of the sERP of a result.
DIMS = ("instance", "item", "presentation", "tick")
#: Name of the sERP variable.
SERP = "serp"
#: Name of the per-group mean variable.
LAYER_MEAN = "layer_mean"
#: Name of the per-unit output variable (``record_units=True``).
ACTIVATION = "activation"
#: Attribute of the ``tick`` coordinate giving the label of the first stimulus tick.
ONSET_ATTR = "onset_tick"


def check_result(ds, need=(SERP,)):
    """Raise ``ValueError`` unless ``ds`` is a simulation result holding ``need``.

    Parameters
    ----------
    ds : xarray.Dataset
    need : sequence of str
        Variables that must be present.

    Returns
    -------
    xarray.Dataset
        ``ds``, unchanged.
    """
    if not isinstance(ds, xr.Dataset):
        raise ValueError(f"expected a simulation result (xarray.Dataset from erpsim.simulate), "
                         f"got {type(ds).__name__}")
    missing = [name for name in need if name not in ds]
    if missing:
        raise ValueError(f"the result has no {', '.join(map(repr, missing))} "
                         f"(its variables: {', '.join(map(str, ds.data_vars))})")
    return ds


def serp(ds):
    """The sERP (mean semantic excitatory activation) of a simulation result.

    Returns
    -------
    xarray.DataArray, dims (instance, item, presentation, tick)
    """
    return check_result(ds)[SERP]


def serp_by_type(ds):
    """The sERP averaged over the items of each type.

    Returns
    -------
    xarray.DataArray, dims (instance, item_type, presentation, tick)
        Item types in :data:`erpsim.model.lexicon.ITEM_TYPES` order (those present).
    """
    check_result(ds)
    if "item_type" not in ds.coords:
        raise ValueError("this result has no item types (simulate a Lexicon, not bare strings)")
    grouped = ds[SERP].groupby("item_type").mean("item")
    present = [t for t in ITEM_TYPES if t in grouped["item_type"].values]
    return grouped.reindex(item_type=present).transpose("instance", "item_type", "presentation", "tick")


def save_result(ds, path):
    """Write a result to NetCDF (h5netcdf) atomically; returns the path."""
    return atomic_write(path, lambda tmp: ds.to_netcdf(tmp, engine="h5netcdf"))


def load_result(path):
    """Read a result written by :func:`save_result`."""
    if not Path(path).exists():
        raise FileNotFoundError(f"result file not found: {path}")
    with xr.open_dataset(path, engine="h5netcdf") as ds:
        return ds.load()


@xr.register_dataset_accessor("erp")
class ERPAccessor:
    """``ds.erp``: the simulation-result view of a Dataset (see the module docstring)."""

    def __init__(self, ds):
        self._ds = ds

    @property
    def onset_tick(self):
        """Label of the first stimulus tick (``tick.attrs["onset_tick"]``)."""
        return onset_of(self._ds, default=None)

    def serp(self):
        """:func:`serp` of this result."""
        return serp(self._ds)

    def serp_by_type(self):
        """:func:`serp_by_type` of this result."""
        return serp_by_type(self._ds)

    def window(self, window=FIGURE_WINDOW, *, clip=True):
        """An onset-relative window (default the figure's, ticks 0-18 after onset) as
        tick labels of this result, the end clipped to its last tick."""
        return window_of(self._ds, window, clip=clip)
