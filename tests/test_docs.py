"""The API reference builds offline from the docstrings (Sphinx, the ``docs`` extra)."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_api_reference_builds(tmp_path):
    pytest.importorskip("sphinx")
    pytest.importorskip("numpydoc")
    out = tmp_path / "html"
    done = subprocess.run([sys.executable, "-m", "sphinx", "-q", "-b", "html",
                           "-d", str(tmp_path / "doctrees"), str(ROOT / "docs" / "api"),
                           str(out)], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "ERROR" not in done.stderr, done.stderr[-3000:]
    for page in ("index.html", "generated/erpsim.engine.registry.html",
                 "generated/erpsim.simulation.trials.html"):
        assert (out / page).is_file(), page
    text = (out / "generated" / "erpsim.simulation.trials.html").read_text()
    assert "simulate_repetition" in text and "Parameters" in text
