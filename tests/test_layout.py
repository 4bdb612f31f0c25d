"""The package layout: a light ``import erpsim``, old module paths kept for a release."""
import importlib
import subprocess
import sys

import pytest

import erpsim

MOVED = {"erpsim.config": "erpsim.model.config", "erpsim.network": "erpsim.model.network",
         "erpsim.coding": "erpsim.model.coding", "erpsim.lexicon": "erpsim.model.lexicon",
         "erpsim.datasets": "erpsim.io.datasets", "erpsim.pretrained": "erpsim.io.pretrained",
         "erpsim.fig2": "erpsim.paper.fig2", "erpsim.calibration": "erpsim.paper.calibration",
         "erpsim.compare": "erpsim.eeg.compare", "erpsim.mne_bridge": "erpsim.eeg.bridge",
         "erpsim.plotting": "erpsim.viz.serp", "erpsim.fig2_plot": "erpsim.viz.fig2",
         "erpsim.plotting_mne": "erpsim.viz.eeg", "erpsim.encoding.plots": "erpsim.viz.encoding"}


def _fresh_import(old):
    code = ("import warnings, importlib; warnings.simplefilter('error', DeprecationWarning)\n"
            f"try:\n    importlib.import_module({old!r})\n"
            "except DeprecationWarning as w:\n    print('WARNED', w)\n")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout


@pytest.mark.parametrize("old, new", sorted(MOVED.items()))
def test_moved_module_warns_and_is_the_new_module(old, new):
    assert "WARNED" in _fresh_import(old) and new in _fresh_import(old)
    with pytest.warns(DeprecationWarning) if old not in sys.modules else _nullcontext():
        module = importlib.import_module(old)
    assert module is importlib.import_module(new)


class _nullcontext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_old_simulate_module_keeps_the_function_callable():
    code = ("import warnings; warnings.simplefilter('ignore')\n"
            "import erpsim, erpsim.simulate\n"
            "from erpsim.simulate import serp_by_type, simulate\n"
            "assert callable(erpsim.simulate) and simulate is erpsim.simulation.simulate\n"
            "net = erpsim.Network.initialize(erpsim.ModelConfig(), 1, rng=0)\n"
            "ds = erpsim.simulate(net, ['cat'])\n"
            "print(ds['serp'].shape)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "(1, 1, 1, 40)" in out.stdout   # (instance, item, presentation, tick)


def test_import_erpsim_is_light():
    code = ("import sys, erpsim\n"
            "print(sorted(m for m in ('numba', 'xarray', 'pandas', 'mne', 'scipy', 'matplotlib')"
            " if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_public_names_resolve():
    for name in erpsim.__all__:
        assert getattr(erpsim, name) is not None
    assert set(erpsim.__all__) <= set(dir(erpsim))
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        erpsim.nonsense  # noqa: B018


def test_shipped_data_are_package_data():
    from importlib.resources import files
    folder = files("erpsim") / "data"
    for name in ("lexicon.csv", "fig2_human_erp.csv", "fig2_model_words.csv", "README.md",
                 "pretrained/erp_default.npz", "pretrained/SHA256SUMS.json"):
        assert (folder / name).is_file(), name
