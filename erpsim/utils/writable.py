"""Checks that an output location can be written, made before any work is done."""
import os
import tempfile
from pathlib import Path


class NotWritableError(OSError):
    """An output folder that does not exist and cannot be made, or cannot be written."""


def _existing_ancestor(path):
    """The nearest of ``path`` and its parents that exists."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path(path.anchor)


def check_writable_dir(path, option_name="output folder", _shown=None):
    """Raise unless files can be created in folder ``path`` (made later if missing).

    A probe file is created and removed in ``path`` or, when ``path`` does not exist
    yet, in its nearest existing parent (nothing else is created).

    Parameters
    ----------
    path : str or os.PathLike
        The output folder.
    option_name : str
        How the user gave it (e.g. ``"--out"``), for the message.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    NotWritableError
        Naming ``option_name``, the folder and the reason: a file in the way, no write
        permission, a read-only file system...
    """
    path = Path(path)
    label = f"{option_name} {path if _shown is None else _shown}"
    base = _existing_ancestor(path.absolute())
    if not base.is_dir():
        raise NotWritableError(f"{label}: {base} is a file, not a folder")
    try:
        fd, probe = tempfile.mkstemp(dir=base, prefix=".erpsim-write-check.")
    except OSError as err:
        where = "" if base == path.absolute() else f" (its existing parent {base})"
        reason = err.strerror or str(err)
        raise NotWritableError(f"{label}: cannot write to the folder {path}{where}: "
                               f"{reason}") from None
    os.close(fd)
    os.unlink(probe)
    return path


def check_writable_file(path, option_name="output file"):
    """Raise unless file ``path`` can be written: its folder writable, not a folder itself.

    Parameters
    ----------
    path : str or os.PathLike
    option_name : str
        How the user gave it, for the message.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    NotWritableError
    """
    path = Path(path)
    if path.is_dir():
        raise NotWritableError(f"{option_name} {path}: is a folder, expected a file name")
    check_writable_dir(path.parent, option_name, _shown=path)
    return path
