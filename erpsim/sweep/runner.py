"""Running a sweep on Dask: a local cluster by default, or any running Dask cluster.

The client (this process) owns the store: workers return each trained model and each
point's Dataset, and the client writes them as they finish. So workers need erpsim
installed but no shared file system, and a point is either written completely or not
at all. Tasks:

- one training task per distinct model (points that differ only in test-time
  parameters share it; a model already in the store is loaded instead);
- one analysis task per point, depending on its model's task.

A point whose task raises is logged with its error and resubmitted ``retries`` times
(default once); its model's training is resubmitted with it if that is what failed.
A worker that dies is replaced by its nanny and Dask reruns its tasks elsewhere.
Ctrl-C cancels what is running; everything written so far stays, and running the same
sweep again computes only the points that are missing.
"""
from __future__ import annotations

import os
import time
import traceback
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from erpsim.sweep.grid import load_grid
from erpsim.sweep.point import analyse_point, train_point
from erpsim.sweep.store import SweepStore


@dataclass
class SweepReport:
    """What :func:`run_sweep` did.

    Attributes
    ----------
    store : Path
    n_points : int
        Points in the grid.
    skipped : int
        Points already in the store before this run.
    computed : int
        Points computed and written in this run.
    failed : dict
        Point key -> {"coords", "error"} for points that failed every attempt.
    retried : int
        Resubmissions after an error.
    models_trained, models_loaded : int
        Distinct models trained on workers, and loaded from the store.
    seconds : float
        Wall time of the run.
    """

    store: Path
    n_points: int
    skipped: int = 0
    computed: int = 0
    failed: dict = field(default_factory=dict)
    retried: int = 0
    models_trained: int = 0
    models_loaded: int = 0
    seconds: float = 0.0

    @property
    def ok(self):
        """True when every point of the grid is in the store."""
        return self.skipped + self.computed == self.n_points

    def __str__(self):
        text = (f"{self.n_points} points: {self.skipped} already done, {self.computed} computed, "
                f"{len(self.failed)} failed ({self.retried} retries; models: "
                f"{self.models_trained} trained, {self.models_loaded} loaded) in "
                f"{self.seconds:.1f} s -> {self.store}")
        for info in self.failed.values():
            text += f"\n  FAILED {info['coords']}: {info['error']}"
        return text


# ----------------------------------------------------------------------- worker tasks
def _limit_threads(n):
    """Run numba's parallel loops on ``n`` threads in this task (points are the parallelism)."""
    if n is None:
        return
    import numba
    numba.set_num_threads(max(1, min(int(n), numba.config.NUMBA_NUM_THREADS)))


def _worker_name():
    try:
        from distributed import get_worker
        return get_worker().address
    except (ImportError, ValueError):
        return None


def _given(value):
    """A task that returns its argument (a model loaded from the store, kept recomputable)."""
    return value


def _train_task(point, lexicon, numba_threads):
    _limit_threads(numba_threads)
    return train_point(point, lexicon)


def _point_task(point, lexicon, network, function, numba_threads, backend):
    import xarray as xr
    _limit_threads(numba_threads)
    start = time.perf_counter()
    if function is None:
        ds = analyse_point(point, lexicon, network, backend=backend)
    else:
        ds = function(point, lexicon, network)
    if not isinstance(ds, xr.Dataset):
        raise TypeError(f"the point function returned {type(ds).__name__}, not an xarray.Dataset")
    return ds, time.perf_counter() - start, _worker_name()


def _error_text(future):
    if future.status == "cancelled":
        return "CancelledError: the task was cancelled", ""
    err = future.exception()
    tb = future.traceback()
    return f"{type(err).__name__}: {err}", "".join(traceback.format_tb(tb)) if tb else ""


# ----------------------------------------------------------------------- the runner
def run_sweep(grid, store, *, scheduler=None, client=None, n_workers=None, retries=1,
              progress=True, point_function=None, backend="numba", numba_threads=1,
              on_point=None):
    """Run every point of ``grid`` not yet in ``store``, in parallel on Dask.

    Parameters
    ----------
    grid : Grid, dict or path
        See :mod:`erpsim.sweep.grid`.
    store : path
        The store folder (created if needed; see :mod:`erpsim.sweep.store`).
    scheduler : str or None
        Address of a running Dask scheduler (``tcp://host:8786``). None (and no
        ``client``): start a ``distributed.LocalCluster`` in this process with
        ``n_workers`` single-threaded worker processes, closed at the end.
    client : distributed.Client or None
        Use this client (left open).
    n_workers : int or None
        Workers of the local cluster (default: one per usable core).
    retries : int
        Resubmissions of a point after an error (default 1).
    progress : bool
        Show a progress bar (tqdm) of the grid's points.
    point_function : callable or None
        ``f(point, lexicon, network) -> xarray.Dataset`` replacing
        :func:`erpsim.sweep.point.analyse_point` (it must be importable by the workers).
    backend : str
        Simulation backend of the default point function.
    numba_threads : int or None
        numba threads per task (default 1: the points are the parallelism). None leaves
        numba's setting alone.
    on_point : callable or None
        ``on_point(point, dataset)``, called in this process after each point is written.

    Returns
    -------
    SweepReport
        Failed points are reported there (and in the store's index), not raised.
    """
    from distributed import Client, LocalCluster, as_completed
    from tqdm.auto import tqdm

    if not isinstance(retries, int) or retries < 0:
        raise ValueError(f"retries must be an integer >= 0, got {retries!r}")
    start = time.perf_counter()
    grid = load_grid(grid)
    store = SweepStore(store)
    points = grid.points()
    store.path.mkdir(parents=True, exist_ok=True)
    store.remove_temporary()
    store.write_grid(grid)
    done = store.done_keys()
    todo = [p for p in points if p.key not in done]
    report = SweepReport(store=store.path, n_points=len(points), skipped=len(points) - len(todo))
    if not todo:
        report.seconds = time.perf_counter() - start
        return report

    if n_workers is None:
        n_workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
            else os.cpu_count()
    if not isinstance(n_workers, int) or n_workers < 1:
        raise ValueError(f"n_workers must be a positive integer, got {n_workers!r}")
    own_client = own_cluster = None
    token = uuid.uuid4().hex[:8]
    lexicon = grid.load_lexicon()
    ac = None           # as_completed, once there is a client
    model_futures, model_attempts, train_of = {}, {}, {}
    attempts, point_of = {}, {}
    live = {}           # key -> point future not yet processed (cancelled on interruption)
    waiting = {}        # model key -> points not yet finished (to release the model)
    for p in todo:
        waiting[p.model_key] = waiting.get(p.model_key, 0) + 1
    bar = tqdm(total=len(points), initial=report.skipped, desc="sweep", unit="point",
               disable=not progress)

    def model_future(point):
        mk = point.model_key
        future = model_futures.get(mk)
        if future is not None and (future.status != "error"
                                   or model_attempts.get(mk, 0) > retries):
            return future
        if future is None and store.has_model(mk):
            future = client.submit(_given, store.load_model(mk), key=f"sweep-model-{mk}-{token}")
            report.models_loaded += 1
        else:
            model_attempts[mk] = model_attempts.get(mk, 0) + 1
            future = client.submit(_train_task, point, lexicon, numba_threads,
                                   key=f"sweep-train-{mk}-{token}-{model_attempts[mk]}")
            train_of[future.key] = mk
            ac.add(future)
        model_futures[mk] = future
        return future

    def submit(point):
        attempts[point.key] = attempts.get(point.key, 0) + 1
        future = client.submit(_point_task, point, lexicon, model_future(point), point_function,
                               numba_threads, backend,
                               key=f"sweep-point-{point.key}-{token}-{attempts[point.key]}")
        point_of[future.key] = point
        live[future.key] = future
        ac.add(future)

    def finished(point):
        bar.update(1)
        waiting[point.model_key] -= 1
        if waiting[point.model_key] == 0:
            model_futures.pop(point.model_key, None)

    try:
        if client is None:
            if scheduler is not None:
                client = own_client = Client(scheduler)
            else:
                own_cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1,
                                           processes=True, dashboard_address=":0")
                client = own_client = Client(own_cluster)
        ac = as_completed(loop=client.loop)
        for p in todo:
            submit(p)
        for future in ac:
            if future.key in train_of:
                mk = train_of.pop(future.key)
                if future.status == "finished":
                    store.save_model(future.result(), mk)
                    store.log(event="model", model_key=mk)
                    report.models_trained += 1
                else:
                    error, _ = _error_text(future)
                    store.log(event="model_error", model_key=mk, error=error)
                continue        # its points hold the future until they finish
            point = point_of.pop(future.key)
            live.pop(future.key, None)
            if future.status == "finished":
                ds, seconds, worker = future.result()
                future.release()
                ds.attrs["point_key"] = point.key
                try:
                    store.write_point(ds)
                except Exception as err:      # e.g. a custom point's Dataset NetCDF refuses
                    error = f"cannot write the point: {type(err).__name__}: {err}"
                    store.log(event="error", key=point.key, coords=point.coords,
                              attempt=attempts[point.key], error=error,
                              traceback=traceback.format_exc())
                    report.failed[point.key] = {"coords": point.coords, "error": error}
                    finished(point)
                    continue
                store.log(event="done", key=point.key, coords=point.coords,
                          attempt=attempts[point.key], seconds=round(seconds, 3), worker=worker)
                report.computed += 1
                finished(point)
                if on_point is not None:
                    on_point(point, ds)
            else:
                error, tb = _error_text(future)
                future.release()
                store.log(event="error", key=point.key, coords=point.coords,
                          attempt=attempts[point.key], error=error, traceback=tb)
                if attempts[point.key] <= retries:
                    report.retried += 1
                    submit(point)
                else:
                    report.failed[point.key] = {"coords": point.coords, "error": error}
                    finished(point)
            bar.set_postfix(failed=len(report.failed), refresh=False)
    except BaseException as err:     # Ctrl-C included: stop the work, keep what is written
        try:
            pending = [f for f in list(live.values()) + list(model_futures.values())
                       if not f.done()]
            if pending and client is not None:
                client.cancel(pending)
            store.log(event="interrupted", error=f"{type(err).__name__}: {err}",
                      computed=report.computed)
        except Exception:
            pass
        raise
    finally:
        bar.close()
        model_futures.clear()
        live.clear()
        report.seconds = time.perf_counter() - start
        if own_client is not None:
            own_client.close()
        if own_cluster is not None:
            own_cluster.close()
    return report
