"""One sweep at a time per store: an exclusive lock on ``STORE/sweep.lock``.

The lock is an advisory ``flock`` on the lock file, so the operating system releases it
when the holding process dies. The file also records who holds it (JSON: ``pid``,
``host``, ``started``), for the message a second sweep gets, and is emptied on release.
A lock file naming a process that is no longer alive (a sweep that was killed) is
*stale*: the next sweep takes it over and says so (:attr:`StoreLock.stale`).

``flock`` locks are reliable on local file systems; on network file systems shared by
several hosts, run each store's sweep from one host.
"""
from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from pathlib import Path

#: Name of the lock file inside a store.
LOCK_NAME = "sweep.lock"


class SweepLockedError(RuntimeError):
    """Another sweep holds the store's lock."""


def _alive(pid):
    """Whether process ``pid`` exists on this host."""
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:          # exists, owned by someone else
        return True
    return True


def _start_time(pid):
    """The start time of process ``pid`` in clock ticks since boot (``/proc``), or None
    where ``/proc`` does not say (other systems)."""
    try:
        with open(f"/proc/{int(pid)}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return int(fields[19])          # field 22 of stat(5), counted after the name
    except (OSError, ValueError, IndexError):
        return None


def _same_process_alive(owner):
    """Whether the process recorded in ``owner`` still runs: its pid exists and, where
    its start time was recorded, the process with that pid started then (pids are
    reused, often soon in containers)."""
    pid = owner.get("pid", -1)
    if not _alive(pid):
        return False
    recorded = owner.get("proc_start")
    return recorded is None or _start_time(pid) in (None, recorded)


def _read_owner(fd):
    """The holder recorded in the open lock file (dict, empty if none or unreadable)."""
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, 4096).decode("utf-8", "replace").strip()
        owner = json.loads(text) if text else {}
        return owner if isinstance(owner, dict) else {}
    except (OSError, ValueError):
        return {}


def describe_owner(owner):
    """``"pid 123 on host since 2026-01-01T10:00:00"`` for a lock file's record."""
    if not owner:
        return "an unknown process"
    return (f"pid {owner.get('pid', '?')} on {owner.get('host', '?')} since "
            f"{owner.get('started', '?')}")


class StoreLock:
    """The exclusive lock of one sweep store (usable as a context manager).

    Parameters
    ----------
    store_path : path-like
        The store folder (created if needed).

    Attributes
    ----------
    path : pathlib.Path
        The lock file, ``STORE/sweep.lock``.
    stale : dict or None
        After :meth:`acquire`: the record of a dead process whose lock was taken over.
    """

    def __init__(self, store_path):
        self.path = Path(store_path) / LOCK_NAME
        self.stale = None
        self._fd = None

    def acquire(self):
        """Take the lock or raise :class:`SweepLockedError` naming its holder.

        Returns
        -------
        StoreLock
            ``self``.
        """
        if self._fd is not None:
            raise RuntimeError(f"{self.path} is already held by this StoreLock")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = _read_owner(fd)
            os.close(fd)
            raise SweepLockedError(
                f"sweep store {self.path.parent} is in use by another sweep "
                f"({describe_owner(owner)}); lock file {self.path}") from None
        previous = _read_owner(fd)
        if previous and previous.get("host") == socket.gethostname() \
                and previous.get("pid") != os.getpid() and _same_process_alive(previous):
            # the file system ignored the flock (some network file systems do)
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
            raise SweepLockedError(
                f"sweep store {self.path.parent} is in use by another sweep "
                f"({describe_owner(previous)}, still running); lock file {self.path} "
                "(delete it if that process is not a sweep)")
        self.stale = previous or None       # a holder that died without releasing
        record = {"pid": os.getpid(), "host": socket.gethostname(),
                  "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
                  "proc_start": _start_time(os.getpid())}
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, (json.dumps(record) + "\n").encode())
        os.fsync(fd)
        self._fd = fd
        return self

    def release(self):
        """Empty the lock file and release the lock (a no-op if not held)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()
