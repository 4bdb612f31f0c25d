"""Sweeps: grids, the per-point function, the store, Dask runs (failures, killed workers,
interruptions), the CLI and the summaries."""
import functools
import json
import os
import shutil

import numpy as np
import pytest
import xarray as xr

distributed = pytest.importorskip("distributed")

import erpsim  # noqa: E402
from erpsim.sweep import (Grid, SweepStore, load_grid, open_sweep, run_point, run_sweep,
                          train_point)
from erpsim.sweep.point import VARIABLES, analyse_point


TINY = dict(n_auto=6, n_hidden=8, n_sem=8, n_blank=4, n_stim=8, n_targets=2, init_net=-2.0)
TRAIN = dict(max_epochs=20, pretrain_epochs=5, check_every=10, n_active=2)
# the envelope section overrides fields of erpsim.default_envelope(): here the classic
# alpha function on A, H and S
ALPHA = {"family": "alpha", "layers": "AHS", "clock_start": 0}
GRID = {"config": {**TINY, "dt": [0.3, 0.5]},
        "envelope": {**ALPHA, "theta": [0.2, 0.4], "peak": 3.0},
        "training": TRAIN, "seeds": [0, 1], "n_per_type": 2}


def grid(**changes):
    return {**GRID, **changes}


def test_trained_points_start_from_the_training_protocol():
    """A trained point's configuration is erpsim train's (training_config), unless the
    grid sets the protocol's fields (as a grid of erpsim 0.2 has to)."""
    spec = {"config": {"n_hidden": [8, 10]}, "seeds": [0], "n_per_type": 2,
            "envelope": None, "training": TRAIN}
    config = Grid(spec).points()[1].model_config()
    assert config == erpsim.training_config(n_hidden=10)
    v0_2 = {"n_blank": 20, "init_net": 0.0, "dt_groups": None}
    spec["config"] = {**spec["config"], **v0_2}
    assert Grid(spec).points()[1].model_config() == erpsim.ModelConfig(n_hidden=10)


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def reference():
    """Every point of GRID computed one by one in this process, without Dask (each model
    trained once; test_point_is_pure_and_labelled checks that training again agrees)."""
    g = Grid(GRID)
    lexicon = g.load_lexicon()
    out, networks = {}, {}
    for p in g.points():
        if p.model_key not in networks:
            networks[p.model_key] = train_point(p, lexicon)
        out[p.key] = run_point(p, lexicon, networks[p.model_key])
    return out


@pytest.fixture(scope="module")
def finished(cluster, tmp_path_factory):
    """GRID run once on the cluster: (store path, report)."""
    path = tmp_path_factory.mktemp("sweep") / "store"
    report = run_sweep(GRID, path, scheduler=cluster.scheduler_address, progress=False)
    return path, report


def store_with_models(finished, tmp_path):
    """A new store holding only the trained models of the finished sweep (no points)."""
    path = tmp_path / "store"
    shutil.copytree(finished[0] / "models", path / "models")
    return path


def point_values(ds, point):
    return ds.sel({d: v for d, v in point.coords.items()})


def assert_point_equal(combined, point, ref):
    sel = point_values(combined, point)
    for name in VARIABLES:
        np.testing.assert_array_equal(sel[name].values, ref[name].values, err_msg=name)


# --------------------------------------------------------------------------- grids
def test_grid_points_dims_and_identity():
    g = Grid(GRID)
    assert g.dims == ("dt", "theta", "seed")
    assert g.shape == (2, 2, 2) and len(g) == 8
    assert g.coords == {"dt": (0.3, 0.5), "theta": (0.2, 0.4), "seed": (0, 1)}
    points = g.points()
    assert [p.coords for p in points[:3]] == [{"dt": 0.3, "theta": 0.2, "seed": 0},
                                             {"dt": 0.3, "theta": 0.2, "seed": 1},
                                             {"dt": 0.3, "theta": 0.4, "seed": 0}]
    p = points[3]
    cfg = p.model_config()
    assert (cfg.dt, cfg.n_hidden, cfg.envelope.theta, cfg.envelope.peak) == (0.3, 8, 0.4, 3.0)
    assert p.training_settings().max_epochs == 20 and p.seed == 1
    assert len({p.key for p in points}) == 8
    # test-time envelope: points that differ only in theta share a trained model
    assert len({p.model_key for p in points}) == 4
    trained_with = Grid(grid(training={**TRAIN, "with_envelope": True})).points()
    assert len({p.model_key for p in trained_with}) == 8
    # identity is the resolved parameters: a one-value list and a fixed value agree,
    # and the same grid gives the same keys
    one = Grid(grid(config={**TINY, "dt": [0.3]})).points()
    fixed = Grid(grid(config={**TINY, "dt": 0.3})).points()
    assert [p.key for p in one] == [p.key for p in fixed] == [p.key for p in points[:4]]
    assert Grid(grid(config={**TINY, "dt": [0.3]})).dims == ("dt", "theta", "seed")
    assert Grid(grid(config={**TINY, "dt": 0.3})).dims == ("theta", "seed")
    assert [p.key for p in Grid(GRID).points()] == [p.key for p in points]
    # a different lexicon is a different point
    other = Grid(grid(lexicon_seed=1)).points()
    assert not {p.key for p in other} & {p.key for p in points}


def test_grid_files_layers_and_no_envelope(tmp_path):
    lexicon = erpsim.load_lexicon().subset(2, rng=3)
    lexicon.to_csv(tmp_path / "lex.csv")
    spec = grid(lexicon="lex.csv", n_per_type=None,
                envelope={"layers": ["S", "AHS"], "theta": 0.3})
    (tmp_path / "g.json").write_text(json.dumps(spec))
    g = load_grid(tmp_path / "g.json")            # relative lexicon: beside the grid file
    assert g.lexicon_path == str((tmp_path / "lex.csv").resolve())
    assert list(g.load_lexicon().items) == list(lexicon.items)
    assert g.coords["layers"] == ("S", "A,H,S")
    assert [p.model_config().envelope.layers for p in g.points()[:3:2]] == [("S",), ("A", "H", "S")]
    yaml = pytest.importorskip("yaml")
    (tmp_path / "g.yaml").write_text(yaml.safe_dump(spec))
    assert [p.key for p in load_grid(tmp_path / "g.yaml").points()] == [p.key for p in g.points()]
    control = Grid(grid(envelope=None))
    assert control.dims == ("dt", "seed") and control.points()[0].model_config().envelope is None


@pytest.mark.parametrize("change, error, words", [
    ({"confg": {}}, ValueError, ["confg"]),
    ({"config": {**TINY, "n_hiden": [1, 2]}}, ValueError, ["n_hiden", "config"]),
    ({"config": {**TINY, "envelope": {"theta": 0.1}}}, ValueError, ["envelope"]),
    ({"envelope": {"theta": [], "peak": 3.0}}, ValueError, ["envelope.theta", "empty"]),
    ({"envelope": {"thetta": [0.1]}}, ValueError, ["thetta", "envelope"]),
    ({"training": {**TRAIN, "max_epoch": [10]}}, ValueError, ["max_epoch", "training"]),
    ({"training": {**TRAIN, "max_epochs": [10, 10]}}, ValueError, ["max_epochs", "repeats"]),
    ({"seeds": []}, ValueError, ["seeds"]),
    ({"seeds": [0, 0]}, ValueError, ["seeds", "repeats"]),
    ({"seeds": [0, 1.5]}, ValueError, ["seeds"]),
    ({"seeds": 3}, ValueError, ["seeds"]),
    ({"config": {**TINY, "dt": [0.3, 2.0]}}, ValueError, ["dt=2.0", "invalid grid point"]),
    ({"config": {**TINY, "n_hidden": [8, 0]}}, ValueError, ["n_hidden"]),
    ({"n_per_type": 0}, ValueError, ["n_per_type"]),
    ({"n_per_type": 500}, ValueError, ["500"]),
    ({"lexicon": "no/such/lexicon.csv"}, FileNotFoundError, ["no/such/lexicon.csv"]),
    ({"config": [0.3]}, ValueError, ["config"]),
])
def test_bad_grids_raise_clear_errors(change, error, words):
    with pytest.raises(error) as info:
        Grid(grid(**change))
    for word in words:
        assert word in str(info.value)


def test_bad_grid_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.json"):
        load_grid(tmp_path / "missing.json")
    (tmp_path / "g.txt").write_text("{}")
    with pytest.raises(ValueError, match=r"\.json, \.yaml"):
        load_grid(tmp_path / "g.txt")
    (tmp_path / "g.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        load_grid(tmp_path / "g.json")


# --------------------------------------------------------------------------- points and store
def test_point_is_pure_and_labelled(reference):
    g = Grid(GRID)
    p = g.points()[1]
    ds = reference[p.key]
    assert ds.sizes == {"model": 2, "item_type": 4, "presentation": 2, "tick": 12, "freq": 5}
    assert list(ds["model"].values) == ["alpha", "control"]
    # the control has no repetition effect (reset protocol); the alpha model has one here
    assert np.all(ds["repetition_effect"].sel(model="control").values == 0)
    assert np.any(ds["repetition_effect"].sel(model="alpha").values != 0)
    wm = ds["window_mean"]
    np.testing.assert_allclose(ds["repetition_effect"], wm.sel(presentation=1) - wm.sel(presentation=2))
    # the same point from scratch (trained again) agrees exactly
    xr.testing.assert_identical(run_point(p, g.load_lexicon()), ds)


# --------------------------------------------------------------------------- runs on Dask
def test_sweep_store_equals_points_run_one_by_one(finished, reference):
    path, report = finished
    assert report.ok and report.computed == 8 and report.skipped == 0 and not report.failed
    assert report.models_trained == 4           # 8 points, 4 distinct trained models
    ds = open_sweep(path)
    assert ds["serp"].dims == ("dt", "theta", "seed", "model", "item_type", "presentation", "tick")
    assert ds["repetition_effect"].dims == ("dt", "theta", "seed", "model", "item_type")
    assert list(ds["dt"].values) == [0.3, 0.5] and list(ds["theta"].values) == [0.2, 0.4]
    assert list(ds["seed"].values) == [0, 1]
    assert (ds["status"] == "done").all()
    g = Grid(GRID)
    for p in g.points():
        assert_point_equal(ds, p, reference[p.key])
    assert len(list((path / "points").glob("*.nc"))) == 8
    assert len(list((path / "models").glob("*.npz"))) == 4


def test_rerun_skips_finished_points(finished, cluster):
    path, _ = finished
    mtimes = {f: f.stat().st_mtime_ns for f in (path / "points").glob("*.nc")}
    report = run_sweep(GRID, path, scheduler=cluster.scheduler_address, progress=False)
    assert (report.skipped, report.computed, report.models_trained) == (8, 0, 0)
    assert {f: f.stat().st_mtime_ns for f in (path / "points").glob("*.nc")} == mtimes


def _flaky(point, lexicon, network, *, folder):
    """Fails always for (dt 0.5, theta 0.4, seed 1); once for (dt 0.3, theta 0.2, seed 0)."""
    c = point.coords
    if (c["dt"], c["theta"], c["seed"]) == (0.5, 0.4, 1):
        raise RuntimeError("boom: this point always fails")
    if (c["dt"], c["theta"], c["seed"]) == (0.3, 0.2, 0):
        marker = folder / "flaky_once"
        if not marker.exists():
            marker.touch()
            raise RuntimeError("transient failure")
    return analyse_point(point, lexicon, network)


def test_failing_point_is_retried_once_and_others_survive(finished, reference, cluster, tmp_path):
    path = store_with_models(finished, tmp_path)
    report = run_sweep(GRID, path, scheduler=cluster.scheduler_address, progress=False,
                       point_function=functools.partial(_flaky, folder=tmp_path))
    g = Grid(GRID)
    bad = next(p for p in g.points() if p.coords == {"dt": 0.5, "theta": 0.4, "seed": 1})
    assert report.computed == 7 and list(report.failed) == [bad.key] and not report.ok
    assert "boom" in report.failed[bad.key]["error"]
    assert report.retried == 2 and report.models_loaded == 4 and report.models_trained == 0
    errors = [e for e in SweepStore(path).events() if e["event"] == "error"]
    assert sorted((e["coords"]["dt"], e["attempt"]) for e in errors) == [(0.3, 1), (0.5, 1), (0.5, 2)]
    status = SweepStore(path).status()
    assert status.set_index("key").loc[bad.key, "status"] == "failed"
    assert "boom" in status.set_index("key").loc[bad.key, "error"]
    ds = open_sweep(path)
    assert int((ds["status"] == "done").sum()) == 7
    assert np.isnan(point_values(ds, bad)["serp"]).all()
    for p in g.points():
        if p.key != bad.key:
            assert_point_equal(ds, p, reference[p.key])


def test_interrupted_sweep_resumes_with_only_missing_points(finished, reference, cluster, tmp_path):
    path = store_with_models(finished, tmp_path)
    seen = []

    def interrupt_after_three(point, ds):
        seen.append(point.key)
        if len(seen) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(GRID, path, scheduler=cluster.scheduler_address, progress=False,
                  on_point=interrupt_after_three)
    store = SweepStore(path)
    assert store.done_keys() == set(seen)
    assert not list(path.rglob(".*.tmp"))
    assert any(e["event"] == "interrupted" for e in store.events())
    mtimes = {f: f.stat().st_mtime_ns for f in (path / "points").glob("*.nc")}
    ds = open_sweep(path)
    assert int((ds["status"] == "done").sum()) == 3 and int((ds["status"] == "pending").sum()) == 5
    report = run_sweep(GRID, path, scheduler=cluster.scheduler_address, progress=False)
    assert (report.skipped, report.computed) == (3, 5) and report.ok
    done_now = [e["key"] for e in store.events() if e["event"] == "done"]
    assert sorted(done_now[3:]) == sorted(set(p.key for p in Grid(GRID).points()) - set(seen))
    assert {f: f.stat().st_mtime_ns for f in mtimes} == mtimes
    ds = open_sweep(path)
    for p in Grid(GRID).points():
        assert_point_equal(ds, p, reference[p.key])


def test_cli_sweep_on_a_scheduler(finished, cluster, tmp_path, capsys):
    from erpsim.cli import main
    store = store_with_models(finished, tmp_path)
    spec = grid(config={**TINY, "dt": 0.5}, envelope={**ALPHA, "theta": [0.4], "peak": 3.0})
    (tmp_path / "g.json").write_text(json.dumps(spec))
    args = ["sweep", str(tmp_path / "g.json"), "--store", str(store)]
    assert main(args + ["--dry-run"]) == 0
    assert "0 done, 0 failed, 2 pending" in capsys.readouterr().out
    assert main(args + ["--scheduler", cluster.scheduler_address, "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "2 points: 0 already done, 2 computed, 0 failed" in out
    assert main(args + ["--status"]) == 0
    out = capsys.readouterr().out
    assert "2 done, 0 failed, 0 pending" in out and out.count(" done ") == 2
    ds = open_sweep(store)
    assert ds["serp"].dims[:2] == ("theta", "seed")
    assert main(["sweep", str(tmp_path / "missing.json")]) == 1
    assert "grid file not found" in capsys.readouterr().err


def _kill_worker_once(point, lexicon, network, *, folder):
    """Kill the worker process running the first point tried, once."""
    marker = folder / "killed"
    if not marker.exists():
        marker.touch()
        os._exit(1)
    return analyse_point(point, lexicon, network)


def test_killed_worker_loses_nothing(finished, reference, cluster, tmp_path):
    path = store_with_models(finished, tmp_path)
    report = run_sweep(GRID, path, scheduler=cluster.scheduler_address, progress=False,
                       point_function=functools.partial(_kill_worker_once, folder=tmp_path))
    assert (tmp_path / "killed").exists()
    assert report.ok and report.computed == 8 and not report.failed
    ds = open_sweep(path)
    for p in Grid(GRID).points():
        assert_point_equal(ds, p, reference[p.key])


def test_default_local_cluster(finished, reference, tmp_path):
    """No scheduler: run_sweep starts (and closes) its own LocalCluster."""
    path = store_with_models(finished, tmp_path)
    spec = grid(config={**TINY, "dt": 0.3}, envelope={**ALPHA, "theta": 0.2, "peak": 3.0}, seeds=[1])
    report = run_sweep(spec, path, n_workers=1, progress=False)
    assert report.ok and report.computed == 1
    p = Grid(spec).points()[0]
    ds = open_sweep(path)
    assert ds["serp"].dims[0] == "seed"
    assert_point_equal(ds, p, reference[p.key])


# --------------------------------------------------------------------------- one sweep per store
HOLD_LOCK = """
import sys
from erpsim.sweep.lock import StoreLock
lock = StoreLock(sys.argv[1]).acquire()
print("locked", flush=True)
sys.stdin.read()
"""


def _hold_lock_in_another_process(store):
    import subprocess
    import sys
    proc = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(store)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_second_sweep_on_a_store_refuses_with_one_line(tmp_path, capsys):
    """Two sweeps on one store used to both compute every point and log each twice."""
    from erpsim.cli import main
    store = tmp_path / "store"
    proc = _hold_lock_in_another_process(store)
    try:
        from erpsim.sweep.lock import SweepLockedError
        with pytest.raises(SweepLockedError) as err:
            run_sweep(GRID, store, progress=False)
        message = str(err.value)
        assert "\n" not in message and str(store / "sweep.lock") in message
        assert f"pid {proc.pid}" in message
        (tmp_path / "g.json").write_text(json.dumps(GRID))
        assert main(["sweep", str(tmp_path / "g.json"), "--store", str(store)]) == 1
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1 and "sweep.lock" in lines[0] and f"pid {proc.pid}" in lines[0]
    finally:
        proc.stdin.close()
        proc.wait()
    # nothing was computed, recorded or logged by the refused sweeps
    assert not (store / "sweep.json").exists() and not (store / "index.jsonl").exists()
    assert not (store / "points").exists()


def test_stale_lock_of_a_dead_sweep_is_taken_over(finished, tmp_path):
    import socket
    import subprocess
    import sys
    from erpsim.sweep.lock import StoreLock
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    path = tmp_path / "store"
    shutil.copytree(finished[0], path)
    record = {"pid": dead.pid, "host": socket.gethostname(), "started": "2026-01-01T00:00:00"}
    (path / "sweep.lock").write_text(json.dumps(record))
    report = run_sweep(GRID, path, progress=False)        # every point done: no cluster
    assert report.ok and report.computed == 0
    events = SweepStore(path).events()
    assert events[-1]["event"] == "stale_lock" and f"pid {dead.pid}" in events[-1]["previous"]
    assert (path / "sweep.lock").read_text() == ""       # released
    with StoreLock(path) as lock:                        # and free again, not stale
        assert lock.stale is None


def test_lock_in_this_process_is_exclusive(tmp_path):
    from erpsim.sweep.lock import StoreLock, SweepLockedError
    with StoreLock(tmp_path):
        with pytest.raises(SweepLockedError, match=f"pid {os.getpid()}"):
            StoreLock(tmp_path).acquire()
    StoreLock(tmp_path).acquire().release()


# --------------------------------------------------------------------------- runner steps
class _Future:
    """Stands in for a distributed.Future in the runner's bookkeeping."""

    def __init__(self, key, status="pending", result=None, error=None):
        self.key, self.status, self._result, self._error = key, status, result, error
        self.released = False

    def result(self):
        return self._result

    def exception(self):
        return self._error

    def traceback(self):
        return None

    def release(self):
        self.released = True

    def done(self):
        return self.status != "pending"


class _Client:
    def __init__(self):
        self.submitted, self.cancelled = [], []

    def submit(self, function, *args, key):
        future = _Future(key)
        self.submitted.append((function.__name__, key, future))
        return future

    def cancel(self, futures):
        self.cancelled += futures


class _Completed(list):
    add = list.append


def _sweep_run(tmp_path, points, **options):
    from erpsim.sweep.runner import SweepReport, SweepRun
    store = SweepStore(tmp_path / "store")
    report = SweepReport(store=store.path, n_points=len(points))
    run = SweepRun(_Client(), store, None, points, report, _Completed(), **options)
    return run, store, report


def test_plan_sweep_lists_missing_points_and_cleans_up(tmp_path):
    from erpsim.sweep.runner import plan_sweep
    store = SweepStore(tmp_path / "store")
    points = Grid(GRID).points()
    store.points_dir.mkdir(parents=True)
    store.point_path(points[0].key).write_bytes(b"done")
    (store.points_dir / ".half.nc.tmp").write_bytes(b"x")
    every, todo = plan_sweep(GRID, store)
    assert [p.key for p in every] == [p.key for p in points]
    assert [p.key for p in todo] == [p.key for p in points[1:]]
    assert not (store.points_dir / ".half.nc.tmp").exists()
    assert store.read_grid().to_dict() == Grid(GRID).to_dict()


def test_default_workers():
    from erpsim.sweep.runner import default_workers
    assert default_workers(3) == 3 and default_workers() >= 1
    assert default_workers(np.int64(2)) == 2          # NumPy integers are integers
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(ValueError, match="n_workers"):
            default_workers(bad)


def test_sweep_run_writes_a_finished_point_and_releases_its_model(tmp_path):
    points = Grid(GRID).points()[:1]
    seen = []
    run, store, report = _sweep_run(tmp_path, points, on_point=lambda p, ds: seen.append(p.key))
    run.submit(points[0])
    kinds = [name for name, _, _ in run.client.submitted]
    assert kinds == ["_train_task", "_point_task"] and len(run.ac) == 2
    point_key = run.client.submitted[1][1]
    ds = xr.Dataset({"x": ("a", [1.0, 2.0])})
    future = _Future(point_key, "finished", (ds, 0.5, "worker-1"))
    run.handle(future)
    assert future.released and report.computed == 1 and seen == [points[0].key]
    assert store.read_point(points[0].key)["x"].values.tolist() == [1.0, 2.0]
    assert store.events()[-1]["event"] == "done" and not run.model_futures


def test_sweep_run_retries_a_failed_point_then_gives_up(tmp_path):
    points = Grid(GRID).points()[:1]
    run, store, report = _sweep_run(tmp_path, points, retries=1)
    run.submit(points[0])
    for attempt in (1, 2):
        key = run.client.submitted[-1][1]
        run.handle(_Future(key, "error", error=RuntimeError(f"boom {attempt}")))
    assert report.retried == 1 and list(report.failed) == [points[0].key]
    assert "boom 2" in report.failed[points[0].key]["error"]
    errors = [e for e in store.events() if e["event"] == "error"]
    assert [e["attempt"] for e in errors] == [1, 2]
    run.cancel(KeyboardInterrupt())
    assert store.events()[-1]["event"] == "interrupted"


# --------------------------------------------------------------------------- summaries
def test_summaries(finished, tmp_path):
    from erpsim.sweep.summary import cell_stats, effect_by_parameter, repetition_table
    ds = open_sweep(finished[0])
    table = repetition_table(ds)
    assert len(table) == 8 * 2 * 4
    np.testing.assert_allclose(table["effect"], table["first"] - table["second"])
    by = effect_by_parameter(ds)
    assert set(by["parameter"]) == {"dt", "theta"} and len(by) == 2 * 2 * 2 * 4
    row = by.query("parameter == 'theta' and value == 0.4 and model == 'alpha' "
                   "and item_type == 'word'").iloc[0]
    per_seed = ds["repetition_effect"].sel(theta=0.4, model="alpha", item_type="word").mean("dt")
    assert row["n_seeds"] == 2
    np.testing.assert_allclose(row["mean"], float(per_seed.mean()))
    assert row["ci_low"] < row["mean"] < row["ci_high"]
    stats = cell_stats(ds)
    assert len(stats) == 2 * 2 * 2 * 4 and {"dt", "theta", "model", "item_type", "p"} <= set(stats)
    # the script: figures and tables
    import importlib.util
    from pathlib import Path
    script = Path(__file__).resolve().parents[1] / "analyses" / "sweep_summary.py"
    spec = importlib.util.spec_from_file_location("sweep_summary", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written = module.main([str(finished[0]), "--out", str(tmp_path / "summary")])
    names = {Path(p).name for p in written}
    assert {"repetition_effects.csv", "effect_by_parameter.csv", "cell_stats.csv",
            "repetition_by_parameter.png"} <= names
    assert (tmp_path / "summary" / "repetition_by_parameter.png").read_bytes()[:4] == b"\x89PNG"


# --------------------------------------------------------------------------- trained models
def small_trained_file(tmp_path, n_instances=3):
    """A file of trained-looking instances (random weights with a training summary)."""
    config = erpsim.ModelConfig(**TINY)
    net = erpsim.Network.initialize(config, n_instances, rng=4)
    net.meta.update(accuracy=[0.5, 0.75, 1.0][:n_instances], final_loss=[3.0, 2.0, 1.0][:n_instances])
    path = tmp_path / "trained.npz"
    net.save(path)
    return path, net


def test_model_grid_sweeps_test_time_parameters_of_given_instances(tmp_path):
    path, net = small_trained_file(tmp_path)
    spec = {"model": str(path), "config": {"init_net": [-2.0, -1.0], "n_blank": 3},
            "envelope": {**ALPHA, "theta": [0.2, 0.4], "peak": 3.0}, "seeds": [2, 0],
            "n_per_type": 2}
    g = Grid(spec)
    assert g.dims == ("init_net", "theta", "seed") and len(g) == 8
    points = g.points()
    # points that differ only in test-time parameters share the instance
    assert len({p.model_key for p in points}) == 2
    p = next(p for p in points if p.coords == {"init_net": -1.0, "theta": 0.4, "seed": 2})
    loaded = train_point(p, g.load_lexicon())
    np.testing.assert_array_equal(loaded.W[0], net.W[2])
    assert loaded.meta["accuracy"] == [1.0]
    assert p.model_config().init_net == -1.0 and p.model_config().n_blank == 3
    assert p.model_config().n_hidden == TINY["n_hidden"]      # from the file
    ds = run_point(p, g.load_lexicon())
    assert float(ds["train_accuracy"]) == 1.0 and float(ds["train_loss"]) == 1.0
    # the same parameters on a network built by hand give the same curves
    by_hand = net.select(2).with_config(init_net=-1.0, n_blank=3)
    expected = analyse_point(p, g.load_lexicon(), by_hand)
    np.testing.assert_array_equal(ds["serp"].values, expected["serp"].values)
    assert json.loads(ds.attrs["params"])["model_file"] == str(path.resolve())
    # a point's identity follows the file's content: other weights, other keys
    erpsim.Network.initialize(net.config, 3, rng=5).save(path)
    assert {q.key for q in Grid(spec).points()}.isdisjoint(q.key for q in points)


def test_model_grid_on_the_shipped_instances_runs_on_dask(cluster, tmp_path):
    spec = {"model": "pretrained", "envelope": {"theta": [0.05, 0.2]}, "seeds": [0, 1],
            "n_per_type": 2}
    report = run_sweep(spec, tmp_path / "store", scheduler=cluster.scheduler_address,
                       progress=False)
    assert report.ok and report.computed == 4
    assert (report.models_trained, report.models_read) == (0, 2)  # nothing trained
    assert "2 read from the model file" in str(report)
    ds = open_sweep(tmp_path / "store")
    assert ds["repetition_effect"].dims == ("theta", "seed", "model", "item_type")
    assert (ds["train_accuracy"] == 1.0).all()      # the shipped instances are trained
    # alpha differs between the two thetas; the control (same weights) does not
    alpha = ds["repetition_effect"].sel(model="alpha")
    assert not np.allclose(alpha.sel(theta=0.05), alpha.sel(theta=0.2))
    control = ds["serp"].sel(model="control")
    np.testing.assert_array_equal(control.sel(theta=0.05), control.sel(theta=0.2))


@pytest.mark.parametrize("changes,error,words", [
    ({"training": {"max_epochs": 5}}, ValueError, ["training"]),
    ({"config": {"n_hidden": 20}}, ValueError, ["n_hidden", "fixed by the trained model"]),
    ({"seeds": [3]}, ValueError, ["seeds", "[3]", "3 instances"]),
    ({"model": 5}, ValueError, ["model"]),
    ({"model": "missing.npz"}, FileNotFoundError, ["missing.npz"]),
])
def test_bad_model_grids(tmp_path, changes, error, words):
    path, _ = small_trained_file(tmp_path)
    spec = {"model": str(path), "seeds": [0], "n_per_type": 2, **changes}
    with pytest.raises(error) as info:
        Grid(spec, base_dir=tmp_path)
    for word in words:
        assert word in str(info.value)


def test_old_point_window_helpers_warn_and_agree():
    from erpsim.sweep.point import search_window, spectrum_samples
    config = erpsim.ModelConfig(**TINY)
    with pytest.warns(DeprecationWarning):
        assert search_window(config) == (20, 27)
    with pytest.warns(DeprecationWarning):
        assert spectrum_samples(config) == ((20, 27), 8)
    with pytest.warns(DeprecationWarning):
        assert search_window(erpsim.ModelConfig()) == (20, 38)


def test_test_time_grid_accepts_the_dynamics_options():
    """The 0.2 dynamics options can be swept on trained weights, like dt and init_net."""
    from erpsim.sweep.grid import Grid
    grid = Grid({"model": "pretrained", "seeds": [0],
                 "config": {"init_output": [0.3, 0.5], "dt_groups": {"SI": 0.1},
                            "integration": {"S": "output", "default": "input"}}})
    points = list(grid.points())
    assert [p.config["init_output"] for p in points] == [0.3, 0.5]
    assert all(p.config["dt_groups"] == {"SI": 0.1} for p in points)
    assert points[0].key != points[1].key


def test_stale_lock_whose_pid_was_reused_is_taken_over(tmp_path):
    """A dead sweep's pid now held by an unrelated live process (pids are reused): the
    recorded start time tells them apart, so the lock is taken over, not refused."""
    import socket
    import subprocess
    import sys
    from erpsim.sweep.lock import StoreLock, _start_time
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        if _start_time(other.pid) is None:
            pytest.skip("no /proc start times on this system")
        record = {"pid": other.pid, "host": socket.gethostname(), "started": "earlier",
                  "proc_start": _start_time(other.pid) - 1}     # another process, same pid
        (tmp_path / "sweep.lock").write_text(json.dumps(record))
        with StoreLock(tmp_path) as lock:
            assert lock.stale["pid"] == other.pid
        record["proc_start"] += 1                                  # the live process itself
        (tmp_path / "sweep.lock").write_text(json.dumps(record))
        with pytest.raises(Exception, match="still running"):
            StoreLock(tmp_path).acquire()
    finally:
        other.kill()
        other.wait()
