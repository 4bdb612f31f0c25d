"""Where erpsim finds its shipped data files (package data, ``erpsim/data/``)."""
import os
from importlib.resources import files
from pathlib import Path


def data_dir():
    """Return the folder holding the shipped data.

    The files are package data of :mod:`erpsim` (``erpsim/data/``), found with
    :mod:`importlib.resources`, so an editable or a regular install both work.
    ``$ERPSIM_DATA`` overrides the folder.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    FileNotFoundError
        If the folder does not exist.
    """
    override = os.environ.get("ERPSIM_DATA")
    path = Path(override) if override else Path(str(files("erpsim") / "data"))
    if not path.is_dir():
        where = "$ERPSIM_DATA" if override else "the installed package"
        raise FileNotFoundError(f"erpsim data folder not found at {path} ({where}); "
                                "reinstall erpsim or unset ERPSIM_DATA")
    return path


def data_file(name):
    """Return the path of one shipped data file, with a clear error if missing."""
    path = data_dir() / name
    if not path.exists():
        raise FileNotFoundError(f"erpsim data file missing: {path}")
    return path
