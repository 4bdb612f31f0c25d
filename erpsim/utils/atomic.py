"""Atomic file writes: a file is either its old self or completely new, never half-written."""
import os
import tempfile
from pathlib import Path


def set_default_permissions(path):
    """Give a file made by ``mkstemp`` (mode 0600) the permissions of an ordinary new file."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def atomic_write(path, write, suffix=".tmp"):
    """Call ``write(tmp_path)`` on a temporary file beside ``path``, then move it into place.

    Parameters
    ----------
    path : path-like
        Destination; its folder is created if needed.
    write : callable
        Writes the whole file to the temporary path it is given.
    suffix : str
        Ending of the temporary file's name, for writers that infer the format from it
        (e.g. ``"-ave.fif"`` for MNE, ``".png"`` for matplotlib).

    Returns
    -------
    pathlib.Path
        ``path``. If ``write`` fails, the temporary file is removed and an existing file
        at ``path`` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    try:
        write(tmp)
        set_default_permissions(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def atomic_write_bytes(path, data):
    """Write ``data`` (bytes) to ``path`` atomically; returns the path."""
    def write(tmp):
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    return atomic_write(path, write)
