"""Sphinx configuration of erpsim's API reference (builds offline).

    python -m pip install -e ".[docs]"
    python -m sphinx -b html docs/api docs/_build/api
"""
import erpsim

project = "erpsim"
release = version = erpsim.__version__
extensions = ["sphinx.ext.autodoc", "sphinx.ext.autosummary", "numpydoc"]
autosummary_generate = True
autodoc_default_options = {"members": True, "undoc-members": False}
numpydoc_show_class_members = False
numpydoc_validation_checks = set()
nitpicky = False
html_theme = "alabaster"
exclude_patterns = ["_build"]
