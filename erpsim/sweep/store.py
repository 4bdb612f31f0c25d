"""The sweep store: a folder of per-point NetCDF files, trained models and an index.

Layout (``FORMAT`` version 1)::

    STORE/
      sweep.json            the grid last run into this store (format, version, grid)
      points/KEY.nc         one finished point (see erpsim.sweep.point.analyse_point)
      models/MODEL_KEY.npz  trained instances, reused by points and reruns
      index.jsonl           append-only log: one JSON object per event

Every file is written to a temporary name in its folder and moved into place with
``os.replace``, so a file that exists is complete: a point is done exactly when its
``points/KEY.nc`` exists. An interrupted run leaves at most stray ``.*.tmp`` files,
removed by the next run. ``KEY`` is the point's identity (a hash of all its
parameters, see :class:`erpsim.sweep.Point`), so a rerun skips what is done and a
changed grid reuses every point it shares with an earlier one.

:func:`open_sweep` combines the points of a grid into one labelled Dataset.
"""
from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

import pandas as pd
import xarray as xr

from erpsim.model.network import Network
from erpsim.sweep.grid import Grid, load_grid
from erpsim.utils.atomic import atomic_write as _atomic_write

FORMAT = "erpsim-sweep"
FORMAT_VERSION = 1


class SweepStore:
    """A sweep's results folder (created on first write).

    Parameters
    ----------
    path : str or os.PathLike
    """

    def __init__(self, path):
        self.path = Path(path)
        if self.path.exists() and not self.path.is_dir():
            raise ValueError(f"sweep store {self.path} exists and is not a folder")
        if (self.path / "sweep.json").exists():
            self._read_header()          # refuses folders that are not sweep stores

    def __repr__(self):
        return f"SweepStore({str(self.path)!r}: {len(self.done_keys())} points done)"

    # ------------------------------------------------------------------ folders
    @property
    def points_dir(self):
        return self.path / "points"

    @property
    def models_dir(self):
        return self.path / "models"

    @property
    def index_path(self):
        return self.path / "index.jsonl"

    def point_path(self, key):
        return self.points_dir / f"{key}.nc"

    def model_path(self, model_key):
        return self.models_dir / f"{model_key}.npz"

    def remove_temporary(self):
        """Delete ``.*.tmp`` files left by an interrupted write; returns how many."""
        n = 0
        for folder in (self.path, self.points_dir, self.models_dir):
            if folder.is_dir():
                for tmp in folder.glob(".*.tmp"):
                    tmp.unlink(missing_ok=True)
                    n += 1
        return n

    # ------------------------------------------------------------------ grid
    def _read_header(self):
        path = self.path / "sweep.json"
        try:
            header = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as err:
            raise ValueError(f"{path} is not a sweep store header: {err}") from None
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise ValueError(f"{self.path} is not an erpsim sweep store")
        if header.get("version") != FORMAT_VERSION:
            raise ValueError(f"{self.path}: unsupported sweep store version {header.get('version')!r}")
        return header

    def write_grid(self, grid):
        """Record ``grid`` as this store's grid (what :func:`open_sweep` combines)."""
        header = {"format": FORMAT, "version": FORMAT_VERSION, "grid": grid.to_dict(),
                  "dims": list(grid.dims), "n_points": len(grid)}
        text = json.dumps(header, indent=1) + "\n"
        _atomic_write(self.path / "sweep.json", lambda tmp: Path(tmp).write_text(text))

    def read_grid(self):
        """The grid last run into this store."""
        if not (self.path / "sweep.json").exists():
            raise FileNotFoundError(f"no sweep store at {self.path} (sweep.json missing)")
        return Grid(self._read_header()["grid"])

    # ------------------------------------------------------------------ points
    def done_keys(self):
        """Keys of the finished points (their files exist)."""
        if not self.points_dir.is_dir():
            return set()
        return {p.stem for p in self.points_dir.glob("*.nc")}

    def has_point(self, key):
        return self.point_path(key).exists()

    def write_point(self, ds):
        """Write a point's Dataset (atomically) to ``points/KEY.nc``; KEY from its attrs."""
        key = ds.attrs["point_key"]
        return _atomic_write(self.point_path(key),
                             lambda tmp: ds.to_netcdf(tmp, engine="h5netcdf"))

    def read_point(self, key):
        """One finished point's Dataset."""
        path = self.point_path(key)
        if not path.exists():
            raise KeyError(f"point {key} is not in the store {self.path}")
        with xr.open_dataset(path, engine="h5netcdf") as ds:
            return ds.load()

    # ------------------------------------------------------------------ models
    def has_model(self, model_key):
        return self.model_path(model_key).exists()

    def save_model(self, network, model_key):
        """Save a trained network (atomically, :meth:`erpsim.Network.save`)."""
        return network.save(self.model_path(model_key))

    def load_model(self, model_key):
        return Network.load(self.model_path(model_key))

    # ------------------------------------------------------------------ index
    def log(self, **event):
        """Append one event to ``index.jsonl`` (flushed and synced)."""
        event = {"time": time.strftime("%Y-%m-%dT%H:%M:%S"), "host": socket.gethostname(),
                 **event}
        self.path.mkdir(parents=True, exist_ok=True)
        line = json.dumps(event, default=str) + "\n"
        with open(self.index_path, "a") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())

    def events(self):
        """Every event of the index, oldest first (a torn last line is skipped)."""
        if not self.index_path.exists():
            return []
        out = []
        for line in self.index_path.read_text().splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return out

    def status(self, grid=None):
        """One row per point of ``grid`` (default: the store's grid).

        Returns
        -------
        pandas.DataFrame
            The grid coordinates, ``key``, ``status`` ("done", "failed" or "pending"),
            ``attempts`` (computations that ended, in any run), ``seconds`` (of the
            finished computation) and ``error`` (the last one, if any).
        """
        grid = self.read_grid() if grid is None else load_grid(grid)
        done = self.done_keys()
        last, attempts = {}, {}
        for event in self.events():
            if event.get("event") in ("done", "error") and "key" in event:
                last[event["key"]] = event
                attempts[event["key"]] = attempts.get(event["key"], 0) + 1
        rows = []
        for p in grid.points():
            event = last.get(p.key, {})
            status = ("done" if p.key in done else
                      "failed" if event.get("event") == "error" else "pending")
            rows.append({**p.coords, "key": p.key, "status": status,
                         "attempts": attempts.get(p.key, 0),
                         "seconds": event.get("seconds") if status == "done" else None,
                         "error": event.get("error") if status != "done" else None})
        return pd.DataFrame(rows)


def open_sweep(path, grid=None):
    """The finished points of a sweep combined into one labelled Dataset.

    Parameters
    ----------
    path : str or os.PathLike
        The store folder.
    grid : Grid, dict, path or None
        Which points to combine (default: the grid last run into the store).

    Returns
    -------
    xarray.Dataset
        Dims: the grid's swept parameters and ``seed`` (in the grid's order, with its
        coordinate labels), then the point dims (``model``, ``item_type``,
        ``presentation``, ``tick``, ``freq``); the variables of
        :func:`erpsim.sweep.point.analyse_point`, NaN where a point is not done (or
        where points differ in ticks or frequencies). ``status`` (grid dims): "done",
        "failed" or "pending". Attributes: the grid (JSON) and its fixed parameters.
    """
    store = SweepStore(path)
    grid = store.read_grid() if grid is None else load_grid(grid)
    points = grid.points()
    dims = list(grid.dims)
    coords = grid.coords
    status = store.status(grid)["status"].to_numpy(dtype=str).reshape(grid.shape)
    done = [p for p, s in zip(points, status.ravel()) if s == "done"]
    status_da = xr.DataArray(status, dims=dims, coords={d: list(coords[d]) for d in dims})
    if not done:
        ds = xr.Dataset({"status": status_da})
    else:
        parts = []
        for p in done:
            part = store.read_point(p.key)
            part.attrs = {}
            parts.append(part)
        combined = xr.concat(parts, dim="point", join="outer", data_vars="all",
                             coords="minimal", compat="override", combine_attrs="drop")
        index = pd.MultiIndex.from_arrays([[p.coords[d] for p in done] for d in dims],
                                          names=dims)
        combined = combined.assign_coords(xr.Coordinates.from_pandas_multiindex(index, "point"))
        combined = combined.unstack("point")
        combined = combined.reindex({d: list(coords[d]) for d in dims})
        combined = combined.transpose(*dims, ...)
        combined["status"] = status_da
        ds = combined
    for d in dims:
        ds[d].attrs["parameter"] = next((f"{a.section}.{a.name}" for a in grid.axes
                                         if a.dim == d), "seed")
    ds.attrs.update(grid=json.dumps(grid.to_dict()),
                    fixed=json.dumps(grid.fixed, default=list),
                    n_done=len(done), n_points=len(points))
    return ds


def sweep_status(path, grid=None):
    """:meth:`SweepStore.status` of the store at ``path``."""
    return SweepStore(path).status(grid)

