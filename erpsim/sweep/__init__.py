"""Sweeps at scale: many model instances over parameter grids, on Dask.

>>> from erpsim.sweep import run_sweep, open_sweep                    # doctest: +SKIP
>>> grid = {"config": {"dt": [0.3, 0.5]}, "envelope": {"theta": [0.05, 0.1]},
...         "training": {"max_epochs": 500}, "seeds": [0, 1, 2]}
>>> report = run_sweep(grid, "my_sweep")        # local Dask cluster, one worker per core
>>> ds = open_sweep("my_sweep")                 # dims (dt, theta, seed, model, item_type, ...)

- :mod:`~erpsim.sweep.grid` -- declaring and validating a grid (:class:`Grid`, :func:`load_grid`);
- :mod:`~erpsim.sweep.point` -- what one point computes (:func:`run_point`, pure);
- :mod:`~erpsim.sweep.store` -- the results folder (:class:`SweepStore`, :func:`open_sweep`);
- :mod:`~erpsim.sweep.runner` -- running on Dask (:func:`run_sweep`);
- :mod:`~erpsim.sweep.summary` -- repetition effects per parameter (tables).

See ``docs/sweep.md``. Dask is imported only when a sweep runs (``pip install
erpsim[sweep]``).
"""
from erpsim.sweep.grid import Grid, Point, load_grid
from erpsim.sweep.point import analyse_point, run_point, train_point
from erpsim.sweep.runner import SweepReport, run_sweep
from erpsim.sweep.store import SweepStore, open_sweep, sweep_status

__all__ = ["Grid", "Point", "load_grid", "run_point", "train_point", "analyse_point",
           "run_sweep", "SweepReport", "SweepStore", "open_sweep", "sweep_status"]
