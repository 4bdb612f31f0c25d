"""The ``erpsim info`` and ``erpsim simulate`` commands and the sERP plot."""
import io
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
                               envelope=Envelope())
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
    assert ModelConfig.from_json(ds.attrs["config"]) == ModelConfig()
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
    (["--instances", "0"], "--instances must be a positive integer"),
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
