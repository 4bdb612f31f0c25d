"""The ``erpsim info`` and ``erpsim simulate`` commands and the sERP plot."""
import io
import json
import sys

import numpy as np
import pytest
import xarray as xr

import erpsim
from erpsim import Envelope, ModelConfig, Network, load_lexicon, load_result, serp_by_type
from erpsim.cli import main

TINY = ModelConfig(n_auto=6, n_hidden=8, n_sem=8, init_net=-2.0)
ENV = Envelope(theta=0.3, peak=3.0)
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def model_path(tmp_path):
    net = Network.initialize(TINY, 3, rng=2)
    rng = np.random.default_rng(0)
    net = Network(TINY, net.W * rng.uniform(0, 4, net.W.shape), rng.uniform(-3, 1, net.b.shape),
                  seeds=net.seeds)
    return net.save(tmp_path / "net.npz")


@pytest.fixture
def lexicon_path(tmp_path):
    path = tmp_path / "lexicon.csv"
    load_lexicon().subset(2, rng=1).to_csv(path)
    return path


# -- info ----------------------------------------------------------------------------------
def test_info(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    import numba
    import numpy
    import xarray
    for name, version in [("erpsim", erpsim.__version__), ("numpy", numpy.__version__),
                          ("numba", numba.__version__), ("xarray", xarray.__version__)]:
        assert any(line.split()[:2] == [name, version] for line in out.splitlines()), name
    assert any(line.startswith("mne ") for line in out.splitlines())
    assert "numpy  available" in out and "numba  available" in out
    cuda_line = next(line for line in out.splitlines() if line.strip().startswith("cuda"))
    from numba import cuda
    if cuda.is_available():
        assert cuda_line.split()[:2] == ["cuda", "available:"]
    else:
        assert cuda_line.split()[:3] == ["cuda", "not", "available:"]
    threads_line = next(line for line in out.splitlines() if line.startswith("cpu"))
    assert f"numba threads: {numba.get_num_threads()}" in threads_line


def test_info_survives_broken_cuda(capsys, monkeypatch):
    from numba import cuda

    def broken():
        raise RuntimeError("driver exploded")

    monkeypatch.setattr(cuda, "is_available", broken)
    assert main(["info"]) == 0
    assert "driver exploded" in capsys.readouterr().out


def test_info_survives_missing_numba_cuda(capsys, monkeypatch):
    import numba
    monkeypatch.delattr(numba, "cuda", raising=False)
    monkeypatch.setitem(sys.modules, "numba.cuda", None)  # import raises ImportError
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "cuda   not available: numba.cuda cannot be imported" in out


# -- simulate ------------------------------------------------------------------------------
def _check_png(path):
    data = path.read_bytes()
    assert data.startswith(PNG) and len(data) > 5000


def test_simulate_saved_model(tmp_path, model_path, lexicon_path, capsys):
    out = tmp_path / "out"
    code = main(["simulate", "--model", str(model_path), "--instances", "2", "--lexicon",
                 str(lexicon_path), "--presentations", "2", "--alpha", "--out", str(out)])
    assert code == 0
    ds = load_result(out / "serp.nc")
    _check_png(out / "serp_by_type.png")
    assert ds.sizes == {"instance": 2, "item": 8, "presentation": 2, "tick": 40, "group": 8}
    assert ds.attrs["model"] == "alpha" and ds.attrs["backend"] == "numba"
    assert ModelConfig.from_json(ds.attrs["config"]) == TINY
    # the same numbers as the library call with the default envelope
    net = Network.load(model_path).select([0, 1])
    expected = erpsim.simulate(net, load_lexicon(lexicon_path), presentations=2,
                               envelope=erpsim.default_envelope())
    np.testing.assert_array_equal(ds["serp"].values, expected["serp"].values)
    values = ds["serp"].values
    assert np.all((values > 0) & (values < 1))
    stdout = capsys.readouterr().out
    assert "wrote" in stdout and "serp.nc" in stdout and "peak sERP after onset" in stdout
    assert "  word " in stdout and " at tick " in stdout


def test_simulate_no_alpha_and_one_presentation(tmp_path, model_path, lexicon_path):
    alpha_net = Network.load(model_path).with_config(envelope=ENV)
    path = alpha_net.save(tmp_path / "alpha.npz")
    out = tmp_path / "o"
    # default: the network's own envelope
    assert main(["simulate", "--model", str(path), "--lexicon", str(lexicon_path),
                 "--presentations", "1", "--out", str(out)]) == 0
    ds = load_result(out / "serp.nc")
    assert ds.sizes["presentation"] == 1 and ds.sizes["instance"] == 3
    assert ds.attrs["model"] == "alpha"
    assert main(["simulate", "--model", str(path), "--lexicon", str(lexicon_path),
                 "--no-alpha", "--backend", "numpy", "--out", str(out)]) == 0
    control = load_result(out / "serp.nc")
    assert control.attrs["model"] == "control" and control.attrs["backend"] == "numpy"
    xr.testing.assert_equal(control["serp"].sel(presentation=1, drop=True),
                            control["serp"].sel(presentation=2, drop=True))
    assert float(abs(control["serp"].sel(presentation=1) - ds["serp"].sel(presentation=1)).max()) > 1e-3
    _check_png(out / "serp_by_type.png")


def test_simulate_untrained_fallback(tmp_path, lexicon_path, monkeypatch, capsys):
    monkeypatch.setenv("ERPSIM_DATA", str(tmp_path))   # a data folder without trained instances
    runs = {}
    for name, seed in [("a", "5"), ("b", "5"), ("c", "6")]:
        out = tmp_path / name
        assert main(["simulate", "--instances", "2", "--seed", seed, "--lexicon",
                     str(lexicon_path), "--out", str(out)]) == 0
        runs[name] = load_result(out / "serp.nc")
        assert "UNTRAINED" in capsys.readouterr().err
    ds = runs["a"]
    assert ModelConfig.from_json(ds.attrs["config"]) == erpsim.training_config()
    assert ds.sizes["instance"] == 2 and ds.sizes["item"] == 8
    xr.testing.assert_identical(runs["a"], runs["b"])
    assert not np.array_equal(runs["a"]["layer_mean"].values, runs["c"]["layer_mean"].values)


def test_simulate_pretrained_is_used_when_present(tmp_path, model_path, lexicon_path,
                                                  monkeypatch, capsys):
    calls = []

    def fake_pretrained():
        calls.append(1)
        return Network.load(model_path)

    monkeypatch.setattr(erpsim, "load_pretrained", fake_pretrained)
    out = tmp_path / "p"
    assert main(["simulate", "--instances", "1", "--lexicon", str(lexicon_path), "--out",
                 str(out)]) == 0
    assert calls == [1]
    assert "UNTRAINED" not in capsys.readouterr().err
    assert load_result(out / "serp.nc").sizes["instance"] == 1


@pytest.mark.parametrize("args,message", [
    (["--model", "MISSING.npz"], "network file not found"),
    (["--instances", "9"], "exceeds the 3 instance"),
])
def test_simulate_errors(tmp_path, model_path, lexicon_path, capsys, args, message):
    argv = ["simulate", "--model", str(model_path), "--lexicon", str(lexicon_path),
            "--out", str(tmp_path / "e")]
    if args[0] == "--model":
        argv[2] = str(tmp_path / args[1])
    else:
        argv += args
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("erpsim simulate: error:") and message in err
    assert not (tmp_path / "e" / "serp.nc").exists()


def test_simulate_bad_lexicon(tmp_path, model_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("item,type,zipf,neighbours\ncat,word,5,3\ndog,noun,5,2\n")
    assert main(["simulate", "--model", str(model_path), "--lexicon", str(bad), "--out",
                 str(tmp_path)]) == 1
    assert "unknown item type" in capsys.readouterr().err


@pytest.mark.parametrize("args,message", [
    (["--instances", "0"], "argument --instances: must be a positive integer, got '0'"),
    (["--seed", "-1"], "argument --seed: must be an integer >= 0, got '-1'"),
    (["--seed", "x"], "argument --seed: must be an integer >= 0, got 'x'"),
])
def test_simulate_usage_errors_name_the_option(tmp_path, model_path, capsys, args, message):
    with pytest.raises(SystemExit) as exit_:
        main(["simulate", "--model", str(model_path), "--out", str(tmp_path / "e")] + args)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("erpsim simulate: error:") and message in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "e").exists()


def test_simulate_bad_presentations():
    with pytest.raises(SystemExit) as err:
        main(["simulate", "--presentations", "3"])
    assert err.value.code == 2


# -- the plot ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def by_type():
    net = Network.initialize(TINY, 2, rng=0)
    ds = erpsim.simulate(net, load_lexicon().subset(1, rng=0), presentations=2, envelope=ENV)
    return serp_by_type(ds)


def test_plot_serp_by_type(by_type):
    from erpsim.viz.serp import plot_serp_by_type
    fig = plot_serp_by_type(by_type)
    ax = fig.axes[0]
    lines = [l for l in ax.get_lines() if l.get_label().endswith(")")]
    assert len(lines) == 4 * 2
    styles = {l.get_label(): l.get_linestyle() for l in lines}
    assert styles["word (1st)"] == "-" and styles["word (2nd)"] == "--"
    word = next(l for l in lines if l.get_label() == "word (2nd)")
    np.testing.assert_allclose(word.get_ydata(),
                               by_type.sel(item_type="word", presentation=2).mean("instance"))
    np.testing.assert_array_equal(word.get_xdata(), by_type["tick"])
    colours = {l.get_label().split()[0]: l.get_color() for l in lines}
    assert len(set(colours.values())) == 4
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    assert buffer.getvalue().startswith(PNG)


def test_plot_into_given_axes_and_bad_input(by_type):
    from matplotlib.figure import Figure

    from erpsim.viz.serp import plot_serp_by_type
    fig = Figure()
    ax = fig.subplots()
    assert plot_serp_by_type(by_type.sel(presentation=1), ax=ax) is fig
    assert len(ax.get_lines()) >= 4
    with pytest.raises(ValueError, match="item_type"):
        plot_serp_by_type(by_type.isel(item_type=0))


# -- errors are one line, before any work (issue #12, case 4) -------------------------------
def test_simulate_blocked_output_folder_fails_before_work(tmp_path, model_path, lexicon_path,
                                                          capsys, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    ran = []
    monkeypatch.setattr(erpsim, "simulate", lambda *a, **k: ran.append(1))
    assert main(["simulate", "--model", str(model_path), "--lexicon", str(lexicon_path),
                 "--out", str(blocker / "sub")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("erpsim simulate: error: --out ") and "not a folder" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert ran == [] and blocker.read_text() == "not a folder"


def test_read_only_output_folder_is_named(tmp_path, model_path, capsys, monkeypatch):
    import tempfile

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    assert main(["simulate", "--model", str(model_path), "--out", str(tmp_path / "ro")]) == 1
    err = capsys.readouterr().err
    assert err.strip() == (f"erpsim simulate: error: --out {tmp_path / 'ro'}: cannot write to "
                           f"the folder {tmp_path / 'ro'} (its existing parent {tmp_path}): "
                           "Permission denied")


def test_cuda_without_a_gpu_is_one_line(tmp_path, model_path, capsys, monkeypatch):
    pytest.importorskip("numba.cuda")
    from numba import cuda
    monkeypatch.setattr(cuda, "is_available", lambda: False)
    assert main(["simulate", "--model", str(model_path), "--backend", "cuda",
                 "--out", str(tmp_path / "c")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("erpsim simulate: error: --backend cuda: ") and "CUDA" in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "c").exists()


def test_unexpected_errors_are_one_line_and_debug_shows_the_traceback(tmp_path, model_path,
                                                                     capsys, monkeypatch):
    def boom(*args, **kwargs):
        raise ZeroDivisionError("deep inside")

    monkeypatch.setattr(erpsim, "simulate", boom)
    argv = ["simulate", "--model", str(model_path), "--out", str(tmp_path / "d")]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.strip() == "erpsim simulate: error: ZeroDivisionError: deep inside"
    for debug in (["--debug"] + argv, argv + ["--debug"]):
        assert main(debug) == 1
        err = capsys.readouterr().err
        assert "Traceback" in err and err.strip().endswith("ZeroDivisionError: deep inside")


# -- first run: kernels compiled once (issue #12, case 10) ----------------------------------
def test_compile_message_when_the_numba_cache_is_empty(tmp_path, monkeypatch):
    from erpsim.cli import _compile
    (tmp_path / "probe_kernels_cli.py").write_text(
        "from numba import njit\n\n@njit(cache=True)\ndef add_one(x):\n    return x + 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import probe_kernels_cli
    assert _compile.kernels_need_compiling(["probe_kernels_cli"])
    assert probe_kernels_cli.add_one(1) == 2            # compiles and caches on disk
    assert not _compile.kernels_need_compiling(["probe_kernels_cli"])
    monkeypatch.setitem(_compile.KERNELS, "simulate", ("probe_kernels_cli",))
    stream = io.StringIO()
    args = type("Args", (), {"command": "simulate", "backend": "numba"})()
    assert not _compile.announce(args, stream)
    monkeypatch.setattr(_compile, "kernels_need_compiling", lambda modules, dtype: True)
    assert _compile.announce(args, stream)
    assert stream.getvalue() == ("erpsim simulate: compiling the numba kernels once (up to "
                                 "about a minute; later runs start in seconds)\n")
    args.backend = "numpy"
    assert not _compile.announce(args, stream)
    for listing in ("dry_run", "status"):          # erpsim sweep's listings compute nothing
        args = type("Args", (), {"command": "sweep", listing: True})()
        assert not _compile.announce(args, stream)


def test_compile_message_knows_the_precision(tmp_path, monkeypatch):
    import numpy as np

    from erpsim.cli import _compile
    (tmp_path / "probe_kernels_dtype.py").write_text(
        "from numba import njit\n\n@njit(cache=True)\ndef double(x):\n    return 2 * x\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import probe_kernels_dtype
    probe_kernels_dtype.double(np.ones(2))                       # float64 only
    assert not _compile.kernels_need_compiling(["probe_kernels_dtype"], "float64")
    assert _compile.kernels_need_compiling(["probe_kernels_dtype"], "float32")
    probe_kernels_dtype.double(np.ones(2, dtype=np.float32))
    assert not _compile.kernels_need_compiling(["probe_kernels_dtype"], "float32")
    config = tmp_path / "options.json"
    config.write_text('{"model": {}, "training": {"dtype": "float32"}}')
    args = type("Args", (), {"command": "train", "config": str(config)})()
    assert _compile.command_dtype(args) == "float32"
    args = type("Args", (), {"command": "simulate", "dtype": None})()
    assert _compile.command_dtype(args) == "float64"


def test_no_compile_message_after_one_simulation():
    """Every cached kernel of the simulation modules is compiled by a simulation (a
    kernel that only training calls would make the message appear on every run)."""
    from erpsim.cli import _compile
    erpsim.simulate(erpsim.load_pretrained().select([0]), ["cat", "dog"])
    assert not _compile.kernels_need_compiling(_compile.KERNELS["simulate"], "float64")


def test_the_shipped_kernels_are_inspectable():
    from numba.core.registry import CPUDispatcher

    from erpsim.cli import _compile
    from erpsim.engine import cpu
    kernels = [v for v in vars(cpu).values()
               if isinstance(v, CPUDispatcher) and v.__module__ == cpu.__name__]
    assert kernels and all(_compile._cached(k) is not None for k in kernels)


# -- train (issue #12, cases 1-4) -----------------------------------------------------------
TRAIN_CONFIG = ModelConfig(n_auto=6, n_hidden=8, n_sem=8, n_blank=3, n_stim=6, n_targets=2)


@pytest.fixture
def tiny_training(monkeypatch):
    """``erpsim train`` on a tiny configuration with short pretraining."""
    import dataclasses

    from erpsim import training
    monkeypatch.setattr(erpsim, "training_config", lambda: TRAIN_CONFIG)
    real = training.TrainingSettings
    monkeypatch.setattr(training, "TrainingSettings", lambda **kw: dataclasses.replace(
        real(**kw), pretrain_epochs=3, check_every=5, n_active=2))


def _train(tmp_path, *extra, out="net.npz"):
    return main(["train", "--out", str(tmp_path / out), "--instances", "1", "--max-epochs",
                 "6", "--no-progress", "--lexicon", str(tmp_path / "lex.csv"), *extra])


@pytest.fixture
def train_dir(tmp_path, tiny_training):
    load_lexicon().subset(3, rng=3).to_csv(tmp_path / "lex.csv")
    return tmp_path


def test_train_refuses_the_checkpoint_of_another_seed(train_dir, capsys):
    assert _train(train_dir, "--seed", "1", "--allow-unconverged") == 0
    saved = (train_dir / "net.npz").read_bytes()
    capsys.readouterr()
    assert _train(train_dir, "--seed", "2", "--allow-unconverged") == 1
    err = capsys.readouterr().err
    assert err.startswith("erpsim train: error: checkpoint ") and "other initial weights" in err
    assert "--restart" in err and len(err.strip().splitlines()) == 1
    assert (train_dir / "net.npz").read_bytes() == saved          # nothing overwritten
    assert _train(train_dir, "--seed", "2", "--allow-unconverged", "--restart") == 0
    net2 = Network.load(train_dir / "net.npz")
    assert _train(train_dir, "--seed", "2", "--allow-unconverged", out="fresh.npz") == 0
    np.testing.assert_array_equal(net2.W, Network.load(train_dir / "fresh.npz").W)
    assert (train_dir / "net.npz").read_bytes() != saved


def test_train_refuses_the_checkpoint_of_another_lexicon(train_dir, capsys):
    assert _train(train_dir, "--allow-unconverged") == 0
    load_lexicon().subset(3, rng=4).to_csv(train_dir / "lex.csv")
    capsys.readouterr()
    assert _train(train_dir, "--allow-unconverged") == 1
    assert "other trained items (lexicon)" in capsys.readouterr().err


def test_train_unconverged_warns_and_fails_unless_allowed(train_dir, capsys):
    assert _train(train_dir) == 1
    err = capsys.readouterr().err
    assert "erpsim train: warning: NOT CONVERGED: 1 of 1 instance(s)" in err
    assert "or pass --allow-unconverged to accept it" in err
    net = Network.load(train_dir / "net.npz")
    assert net.meta["accuracy"][0] < 1.0
    assert _train(train_dir, "--allow-unconverged") == 0      # resumes the same run
    err = capsys.readouterr().err
    assert "NOT CONVERGED" in err and "accepted (--allow-unconverged)" in err
    assert "pass --allow-unconverged" not in err


@pytest.mark.parametrize("option, value, message", [
    ("--max-epochs", "0", "argument --max-epochs: must be a positive integer, got '0'"),
    ("--seed", "-1", "argument --seed: must be an integer >= 0, got '-1'"),
    ("--instances", "0", "argument --instances: must be a positive integer, got '0'"),
    ("--dt", "0", "argument --dt: must be a number in (0, 1], got '0'"),
    ("--dt", "5", "argument --dt: must be a number in (0, 1], got '5'"),
])
def test_train_out_of_range_values_name_the_option(tmp_path, capsys, option, value, message):
    with pytest.raises(SystemExit) as exit_:
        main(["train", "--out", str(tmp_path / "n.npz"), option, value])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("erpsim train: error:") and message in err
    assert list(tmp_path.iterdir()) == []


def test_train_blocked_output_fails_before_training(tmp_path, capsys, monkeypatch):
    from erpsim import training
    monkeypatch.setattr(training, "train", lambda *a, **k: pytest.fail("trained"))
    (tmp_path / "file").write_text("x")
    assert main(["train", "--out", str(tmp_path / "file" / "net.npz")]) == 1
    err = capsys.readouterr().err
    assert err.strip() == (f"erpsim train: error: --out {tmp_path / 'file' / 'net.npz'}: "
                           f"{tmp_path / 'file'} is a file, not a folder")
    (tmp_path / "dir.npz").mkdir()
    assert main(["train", "--out", str(tmp_path / "dir.npz")]) == 1
    assert "is a folder" in capsys.readouterr().err


def test_train_interrupt_prints_the_resume_hint(tmp_path, capsys, monkeypatch):
    from erpsim import training

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(training, "train", interrupted)
    monkeypatch.setattr(erpsim, "training_config", lambda: TRAIN_CONFIG)
    assert main(["train", "--out", str(tmp_path / "net.npz"), "--instances", "1"]) == 130
    err = capsys.readouterr().err
    assert "erpsim train: interrupted" in err and "run the same command again to resume" in err
    assert not (tmp_path / "net.npz").exists()


def test_simulate_lexicon_of_another_length_blames_the_items_that_do_not_fit(
        tmp_path, model_path, capsys):
    path = tmp_path / "four.csv"
    path.write_text("item,type,zipf,neighbours\ncats,word,5,3\ndogs,word,4,2\ncat,word,4,1\n")
    assert main(["simulate", "--model", str(model_path), "--lexicon", str(path),
                 "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "cannot encode lexicon item(s) 'cats' (line 2), 'dogs' (line 3)" in err
    assert "'cat'" not in err


def test_check_writable_dir_leaves_nothing_behind(tmp_path):
    from erpsim.utils.writable import NotWritableError, check_writable_dir, check_writable_file
    assert check_writable_dir(tmp_path / "a" / "b", "--out") == tmp_path / "a" / "b"
    assert list(tmp_path.iterdir()) == []                   # probe removed, nothing made
    (tmp_path / "f").write_text("x")
    with pytest.raises(NotWritableError, match="is a file, not a folder"):
        check_writable_dir(tmp_path / "f", "--out")
    with pytest.raises(NotWritableError, match="is a folder, expected a file name"):
        check_writable_file(tmp_path, "--out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f"]


def test_a_missing_optional_package_names_its_extra(tmp_path, model_path, capsys, monkeypatch):
    def needs_mne(*args, **kwargs):
        import mne_is_not_here  # noqa: F401

    def needs_dask(*args, **kwargs):
        raise ModuleNotFoundError("No module named 'dask'", name="dask")

    argv = ["simulate", "--model", str(model_path), "--out", str(tmp_path / "m")]
    monkeypatch.setattr(erpsim, "simulate", needs_dask)
    assert main(argv) == 1
    assert capsys.readouterr().err.strip() == (
        "erpsim simulate: error: No module named 'dask'; install the sweep extra: "
        'pip install "erpsim[sweep]"')
    monkeypatch.setattr(erpsim, "simulate", needs_mne)
    assert main(argv) == 1
    assert capsys.readouterr().err.strip() == (
        "erpsim simulate: error: No module named 'mne_is_not_here'")


def test_python_dash_m_runs_the_command_line(tmp_path):
    import os
    import subprocess
    from pathlib import Path
    root = str(Path(__file__).resolve().parents[1])
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, "-m", "erpsim.cli", "train", "--max-epochs", "0",
                          "--out", str(tmp_path / "n.npz")], capture_output=True, text=True,
                         env=env, cwd=tmp_path)
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        "erpsim train: error: argument --max-epochs: must be a positive integer, got '0' "
        "(see 'erpsim train --help')"]
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def options_dir(tmp_path, monkeypatch):
    """A tiny training configuration; the learning settings come from the options file."""
    monkeypatch.setattr(erpsim, "training_config", lambda: TRAIN_CONFIG)
    load_lexicon().subset(3, rng=3).to_csv(tmp_path / "lex.csv")
    return tmp_path


def test_train_options_file_sets_dynamics_and_training_options(options_dir, capsys):
    train_dir = options_dir
    options = {"model": {"integration": {"S": "output", "default": "input"},
                         "dt_groups": {"SI": 0.1}, "init_output": 0.5},
               "training": {"n_active": 3, "blank_targets": True, "target_window": [3, 5],
                            "pretrain_epochs": 3, "check_every": 5}}
    (train_dir / "options.json").write_text(json.dumps(options))
    assert _train(train_dir, "--config", str(train_dir / "options.json"), "--dt", "0.4",
                  "--allow-unconverged") == 0
    net = Network.load(train_dir / "net.npz")
    assert net.config.dt == 0.4                                   # the option wins
    assert net.config.integration == options["model"]["integration"]
    assert net.config.dt_groups == {"SI": 0.1} and net.config.init_output == 0.5
    active = np.asarray(net.meta["semantics"])          # the active features of each item
    assert active.shape == (6, 3)                         # 6 trained items, 3 of 8 active


@pytest.mark.parametrize("content, message", [
    ("{not json", "not valid JSON"),
    ('{"modle": {}}', "sections 'model'"),
    ('{"training": {"n_actve": 3}}', "unknown training settings ['n_actve']"),
    ('{"model": {"integration": "sideways"}}', "integration"),
])
def test_train_bad_options_file_is_one_line(options_dir, capsys, content, message):
    train_dir = options_dir
    (train_dir / "options.json").write_text(content)
    assert _train(train_dir, "--config", str(train_dir / "options.json")) in (1, 2)
    err = capsys.readouterr().err
    assert err.startswith("erpsim train: error: ") and message in err
    assert len(err.strip().splitlines()) == 1
    assert not (train_dir / "net.npz").exists()


@pytest.mark.parametrize("command", [
    ["fig2", "--quick", "--out", "{blocked}/fig2"],
    ["sweep", "{grid}", "--store", "{blocked}/store"],
    ["compare", "{eeg}", "--channel", "MiPa", "--out", "{blocked}/cmp"],
])
def test_blocked_output_fails_before_any_work(tmp_path, capsys, monkeypatch, command):
    """A file where the output folder should go is refused at once, naming the option;
    the work (which would fail only when writing) is never started."""
    blocked = tmp_path / "blocked"
    blocked.write_text("a file, not a folder")
    grid = tmp_path / "grid.json"
    grid.write_text(json.dumps({"config": {"n_hidden": [8]}, "seeds": [0],
                                "training": {"max_epochs": 2}}))
    eeg = tmp_path / "eeg-ave.fif"
    eeg.write_text("never read")
    started = []
    monkeypatch.setattr("erpsim.paper.fig2.compute_fig2", lambda *a, **k: started.append(1))
    monkeypatch.setattr("erpsim.sweep.run_sweep", lambda *a, **k: started.append(1))
    args = [c.format(blocked=blocked, grid=grid, eeg=eeg) for c in command]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "error: --" in err and "not a folder" in err and len(err.strip().splitlines()) == 1
    assert not started


def test_fig2_on_a_trained_network_without_an_envelope(tmp_path, capsys, monkeypatch):
    """`erpsim train` saves no envelope: fig2 runs its alpha model with the default
    envelope (and says so); --quick takes at most the network's instances; a single
    instance is refused before any work (the bands and tests are across instances)."""
    net = erpsim.load_pretrained("erp_v0_2").select([0, 1])
    path = net.with_config(envelope=None).save(tmp_path / "trained.npz")
    seen = {}

    class Stop(Exception):
        pass

    def fake(network, instances=None, progress=True, **kwargs):
        seen.update(envelope=network.config.envelope, instances=instances,
                    progress=progress)
        raise Stop("stop here")

    monkeypatch.setattr("erpsim.paper.fig2.compute_fig2", fake)
    assert main(["fig2", "--model", str(path), "--quick", "--no-progress",
                 "--out", str(tmp_path / "f")]) == 1
    assert seen == {"envelope": erpsim.default_envelope(), "instances": 2, "progress": False}
    assert "has no envelope in its configuration" in capsys.readouterr().err
    one = net.select([0]).save(tmp_path / "one.npz")
    seen.clear()
    assert main(["fig2", "--model", str(one), "--out", str(tmp_path / "g")]) == 1
    err = capsys.readouterr().err
    assert "--model" in err and "at least 2 instances" in err and not seen


def test_cli_messages_unknown_options_warnings_and_broken_pipes(capsys):
    from erpsim.cli import call
    with pytest.raises(SystemExit) as exit_:
        main(["fig2", "--bogus"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.strip() == (
        "erpsim fig2: error: unrecognized arguments: --bogus (see 'erpsim fig2 --help')")

    def warns(args):
        import warnings
        warnings.warn("something odd", RuntimeWarning)

    assert call(warns, type("Args", (), {})(), "erpsim test") == 0
    assert capsys.readouterr().err == "erpsim test: warning: something odd\n"

    def reader_left(args):
        raise BrokenPipeError(32, "Broken pipe")

    assert call(reader_left, type("Args", (), {})(), "erpsim test") == 141
    assert capsys.readouterr().err == ""


def test_compare_subject_ids_must_match_the_files(tmp_path, capsys):
    pytest.importorskip("mne")
    eeg = tmp_path / "sub-01-ave.fif"
    eeg.write_text("never read")
    argv = ["compare", str(eeg), "--channel", "Pz", "--out", str(tmp_path / "o")]
    assert main(argv + ["--subjects", "a", "b"]) == 1
    assert "--subjects: 2 id(s) for 1 EEG file(s)" in capsys.readouterr().err
    two = ["compare", str(eeg), str(eeg)] + argv[2:]
    assert main(two + ["--subjects", "a", "a"]) == 1
    assert "--subjects: repeated id(s) ['a']" in capsys.readouterr().err
