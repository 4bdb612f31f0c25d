"""The package layout: a light ``import erpsim``, old module paths kept for a release."""
import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import erpsim

MOVED = {"erpsim.config": "erpsim.model.config", "erpsim.network": "erpsim.model.network",
         "erpsim.coding": "erpsim.model.coding", "erpsim.lexicon": "erpsim.model.lexicon",
         "erpsim.datasets": "erpsim.io.datasets", "erpsim.pretrained": "erpsim.model.pretrained",
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


#: the layers of docs/architecture.md: a folder may import only folders of lower or equal rank
LAYER_RANK = {"_version": 0, "utils": 0, "model": 1, "io": 2, "engine": 3, "simulation": 4,
              "training": 5, "analysis": 6, "viz": 7, "paper": 8, "sweep": 8, "eeg": 8,
              "encoding": 8, "cli": 9}


def _erpsim_imports(tree):
    """(line, imported erpsim module) for every absolute import of an erpsim module."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "erpsim":   # from erpsim import engine, Network, ...
                for alias in node.names:
                    yield node.lineno, f"erpsim.{alias.name}"
            else:
                yield node.lineno, node.module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name


def test_no_upward_imports():
    root = Path(erpsim.__file__).parent
    upward = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        if len(parts) < 2 or parts[0] not in LAYER_RANK:
            continue
        rank = LAYER_RANK[parts[0]]
        for line, module in _erpsim_imports(ast.parse(path.read_text())):
            names = module.split(".")
            if names[0] != "erpsim" or len(names) < 2:
                continue
            target = LAYER_RANK.get(names[1], LAYER_RANK["cli"] if parts[0] == "cli" else 99)
            if target > rank:
                upward.append(f"{'/'.join(parts)}:{line} imports {module}")
    assert not upward, "imports against the layers of docs/architecture.md:\n" + "\n".join(upward)


#: compiled kernels and their factories, exempt from the size rule (numba needs flat
#: argument lists; their Python wrappers are held to it)
KERNEL_MODULES = ("engine/cpu.py", "engine/gpu_kernels.py", "engine/logistic.py",
                  "engine/equations.py", "training/cpu.py", "encoding/_kernels.py")


def _body_lines(node):
    body = node.body
    docstring = (isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                 and isinstance(body[0].value.value, str))
    first = body[1] if docstring and len(body) > 1 else body[0]
    return node.end_lineno - first.lineno + 1


def _is_compiled(node):
    names = {getattr(getattr(d, "func", d), "attr", getattr(getattr(d, "func", d), "id", ""))
             for d in node.decorator_list}
    return bool(names & {"njit", "jit", "vectorize", "guvectorize"})


def test_functions_stay_small():
    """Outside the compiled kernels: bodies of at most ~80 lines, at most 8 positional
    and 17 parameters in all (the docstring not counted)."""
    root = Path(erpsim.__file__).parent
    large = []
    for path in sorted(root.rglob("*.py")):
        rel = "/".join(path.relative_to(root).parts)
        if rel.startswith("data/"):
            continue
        functions = [node for node in ast.walk(ast.parse(path.read_text()))
                     if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
        factories = [(f.lineno, f.end_lineno) for f in functions
                     if rel in KERNEL_MODULES and f.name.startswith("build")]
        for node in functions:
            in_factory = any(lo <= node.lineno <= hi for lo, hi in factories)
            if rel in KERNEL_MODULES and (_is_compiled(node) or in_factory):
                continue
            args = node.args
            positional = len(args.posonlyargs) + len(args.args)
            total = positional + len(args.kwonlyargs) + bool(args.vararg) + bool(args.kwarg)
            if _body_lines(node) > 80 or positional > 8 or total > 17:
                large.append(f"{rel}:{node.lineno} {node.name}: {_body_lines(node)} lines, "
                             f"{positional} positional, {total} parameters")
    assert not large, "functions over the size rule of docs/architecture.md:\n" + "\n".join(large)
