"""Where erpsim finds its shipped data files."""
import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir():
    """Return the folder holding the shipped data (``data/`` of the source tree).

    ``$ERPSIM_DATA`` overrides it.

    Raises
    ------
    FileNotFoundError
        If the folder does not exist (for example a non-editable install).
    """
    path = Path(os.environ.get("ERPSIM_DATA", PACKAGE_DIR.parent / "data"))
    if not path.is_dir():
        raise FileNotFoundError(
            f"erpsim data folder not found at {path}; install erpsim from a source "
            "checkout with `pip install -e .` or set ERPSIM_DATA")
    return path


def data_file(name):
    """Return the path of one shipped data file, with a clear error if missing."""
    path = data_dir() / name
    if not path.exists():
        raise FileNotFoundError(f"erpsim data file missing: {path}")
    return path
