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

One sweep at a time per store: :func:`run_sweep` holds the store's lock
(:mod:`erpsim.sweep.lock`) for the whole run, so a second sweep on the same store
refuses with a message naming the lock file and the process holding it.
"""
from __future__ import annotations

import os
import time
import traceback
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tqdm.auto import tqdm

from erpsim.sweep.grid import load_grid
from erpsim.sweep.lock import StoreLock, describe_owner
from erpsim.sweep.point import analyse_point, train_point
from erpsim.sweep.store import SweepStore
from erpsim.utils.check import _check_integer


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
    models_trained, models_read, models_loaded : int
        Distinct models trained on workers, read from the grid's network file (grids
        with a ``model``: nothing is trained), and loaded from the store.
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
    models_read: int = 0
    models_loaded: int = 0
    seconds: float = 0.0

    @property
    def ok(self):
        """True when every point of the grid is in the store."""
        return self.skipped + self.computed == self.n_points

    def __str__(self):
        points = "1 point" if self.n_points == 1 else f"{self.n_points} points"
        text = (f"{points}: {self.skipped} already done, {self.computed} computed, "
                f"{len(self.failed)} failed ({self.retried} retries; models: "
                f"{self.models_trained} trained, "
                + (f"{self.models_read} read from the model file, " if self.models_read else "")
                + f"{self.models_loaded} loaded) in "
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


# ----------------------------------------------------------------------- steps
def plan_sweep(grid, store):
    """Prepare ``store`` for ``grid`` and list the points still to compute.

    Creates the folder, removes temporary files of an interrupted run and records the
    grid (the caller holds the store's lock).

    Parameters
    ----------
    grid : Grid, dict or path
    store : SweepStore

    Returns
    -------
    points : list of Point
        Every point of the grid.
    todo : list of Point
        The points whose results are not in the store yet.
    """
    grid = load_grid(grid)
    points = grid.points()
    store.path.mkdir(parents=True, exist_ok=True)
    store.remove_temporary()
    store.write_grid(grid)
    done = store.done_keys()
    return points, [p for p in points if p.key not in done]


def default_workers(n_workers=None):
    """``n_workers``, checked; None: one per core this process may use."""
    if n_workers is None:
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
            else os.cpu_count()
    return _check_integer(n_workers, "n_workers", minimum=1)


@contextmanager
def dask_client(scheduler=None, client=None, n_workers=1):
    """The client to run on: ``client`` (left open), a client of ``scheduler``, or a
    new local cluster of ``n_workers`` single-threaded processes (both closed after)."""
    from distributed import Client, LocalCluster
    if client is not None:
        yield client
        return
    cluster = None
    if scheduler is not None:
        own = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                               dashboard_address=":0")
        own = Client(cluster)
    try:
        yield own
    finally:
        own.close()
        if cluster is not None:
            cluster.close()


class SweepRun:
    """The bookkeeping of one run: submits tasks and handles each finished future.

    Parameters
    ----------
    client : distributed.Client
    store : SweepStore
    lexicon : Lexicon
    todo : list of Point
    report : SweepReport
        Updated as futures finish.
    ac : distributed.as_completed
        Every submitted future is added to it.
    retries, point_function, backend, numba_threads, on_point
        See :func:`run_sweep`.
    bar : tqdm or None
    """

    def __init__(self, client, store, lexicon, todo, report, ac, *, retries=1,
                 point_function=None, backend="numba", numba_threads=1, on_point=None,
                 bar=None):
        self.client, self.store, self.lexicon, self.report, self.ac = (
            client, store, lexicon, report, ac)
        self.retries, self.point_function, self.backend = retries, point_function, backend
        self.numba_threads, self.on_point, self.bar = numba_threads, on_point, bar
        self.token = uuid.uuid4().hex[:8]
        self.model_futures, self.model_attempts, self.train_of = {}, {}, {}
        self.attempts, self.point_of, self.live = {}, {}, {}
        self.waiting = {}           # model key -> points not yet finished (to release it)
        self.from_file = set()      # model keys read from the grid's network file
        for p in todo:
            self.waiting[p.model_key] = self.waiting.get(p.model_key, 0) + 1

    def model_future(self, point):
        """The future of ``point``'s model: loaded from the store, trained, or resubmitted
        after its training failed (up to ``retries`` times)."""
        mk = point.model_key
        future = self.model_futures.get(mk)
        if future is not None and (future.status != "error"
                                   or self.model_attempts.get(mk, 0) > self.retries):
            return future
        if future is None and self.store.has_model(mk):
            future = self.client.submit(_given, self.store.load_model(mk),
                                        key=f"sweep-model-{mk}-{self.token}")
            self.report.models_loaded += 1
        else:
            self.model_attempts[mk] = self.model_attempts.get(mk, 0) + 1
            future = self.client.submit(_train_task, point, self.lexicon, self.numba_threads,
                                        key=f"sweep-train-{mk}-{self.token}-"
                                            f"{self.model_attempts[mk]}")
            self.train_of[future.key] = mk
            if point.model_file is not None:
                self.from_file.add(mk)
            self.ac.add(future)
        self.model_futures[mk] = future
        return future

    def submit(self, point):
        """Submit (or resubmit) ``point``'s analysis task."""
        self.attempts[point.key] = self.attempts.get(point.key, 0) + 1
        future = self.client.submit(_point_task, point, self.lexicon, self.model_future(point),
                                    self.point_function, self.numba_threads, self.backend,
                                    key=f"sweep-point-{point.key}-{self.token}-"
                                        f"{self.attempts[point.key]}")
        self.point_of[future.key] = point
        self.live[future.key] = future
        self.ac.add(future)

    def handle(self, future):
        """Record one finished future (a model's training or a point)."""
        if future.key in self.train_of:
            self.handle_model(future)
        else:
            self.handle_point(future)
            if self.bar is not None:
                self.bar.set_postfix(failed=len(self.report.failed), refresh=False)

    def handle_model(self, future):
        """Save a trained model (its points hold the future until they finish)."""
        mk = self.train_of.pop(future.key)
        if future.status == "finished":
            self.store.save_model(future.result(), mk)
            self.store.log(event="model", model_key=mk)
            if mk in self.from_file:
                self.report.models_read += 1
            else:
                self.report.models_trained += 1
        else:
            error, _ = _error_text(future)
            self.store.log(event="model_error", model_key=mk, error=error)

    def handle_point(self, future):
        """Write a finished point, or log its error and resubmit or give it up."""
        point = self.point_of.pop(future.key)
        self.live.pop(future.key, None)
        if future.status != "finished":
            error, tb = _error_text(future)
            future.release()
            self._log_error(point, error, tb)
            if self.attempts[point.key] <= self.retries:
                self.report.retried += 1
                self.submit(point)
            else:
                self._give_up(point, error)
            return
        ds, seconds, worker = future.result()
        future.release()
        ds.attrs["point_key"] = point.key
        try:
            self.store.write_point(ds)
        except Exception as err:      # e.g. a custom point's Dataset NetCDF refuses
            error = f"cannot write the point: {type(err).__name__}: {err}"
            self._log_error(point, error, traceback.format_exc())
            self._give_up(point, error)
            return
        self.store.log(event="done", key=point.key, coords=point.coords,
                       attempt=self.attempts[point.key], seconds=round(seconds, 3),
                       worker=worker)
        self.report.computed += 1
        self._finished(point)
        if self.on_point is not None:
            self.on_point(point, ds)

    def _log_error(self, point, error, tb):
        self.store.log(event="error", key=point.key, coords=point.coords,
                       attempt=self.attempts[point.key], error=error, traceback=tb)

    def _give_up(self, point, error):
        self.report.failed[point.key] = {"coords": point.coords, "error": error}
        self._finished(point)

    def _finished(self, point):
        if self.bar is not None:
            self.bar.update(1)
        self.waiting[point.model_key] -= 1
        if self.waiting[point.model_key] == 0:
            self.model_futures.pop(point.model_key, None)

    def cancel(self, err):
        """Cancel what is still running and log the interruption (never raises)."""
        try:
            pending = [f for f in list(self.live.values()) + list(self.model_futures.values())
                       if not f.done()]
            if pending:
                self.client.cancel(pending)
            self.store.log(event="interrupted", error=f"{type(err).__name__}: {err}",
                           computed=self.report.computed)
        except Exception:
            pass

    def close(self):
        """Drop the references to futures (so Dask can release them)."""
        self.model_futures.clear()
        self.live.clear()


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

    Raises
    ------
    erpsim.sweep.lock.SweepLockedError
        Another sweep is running on ``store`` (nothing is computed or written).
    """
    retries = _check_integer(retries, "retries", minimum=0)
    start = time.perf_counter()
    grid = load_grid(grid)
    store = SweepStore(store)
    with StoreLock(store.path) as lock:
        if lock.stale:
            store.log(event="stale_lock", previous=describe_owner(lock.stale))
        points, todo = plan_sweep(grid, store)
        report = SweepReport(store=store.path, n_points=len(points),
                             skipped=len(points) - len(todo))
        if todo:
            n_workers = default_workers(n_workers)
            _run(grid, store, todo, report, scheduler=scheduler, client=client,
                 n_workers=n_workers, retries=retries, progress=progress,
                 point_function=point_function, backend=backend,
                 numba_threads=numba_threads, on_point=on_point)
        report.seconds = time.perf_counter() - start
    return report


def _run(grid, store, todo, report, *, scheduler, client, n_workers, progress, **options):
    """Submit ``todo`` and handle every future as it finishes (see :func:`run_sweep`)."""
    from distributed import as_completed
    lexicon = grid.load_lexicon()
    bar = tqdm(total=report.n_points, initial=report.skipped, desc="sweep", unit="point",
               disable=not progress)
    run = None
    try:
        with dask_client(scheduler, client, n_workers) as active:
            run = SweepRun(active, store, lexicon, todo, report, as_completed(loop=active.loop),
                           bar=bar, **options)
            try:
                for p in todo:
                    run.submit(p)
                for future in run.ac:
                    run.handle(future)
            except BaseException as err:     # Ctrl-C included: stop, keep what is written
                run.cancel(err)
                raise
            finally:
                run.close()
    finally:
        bar.close()
