"""The shipped trained model instances (data/pretrained/)."""
import hashlib
import json

from erpsim.utils.atomic import atomic_write_bytes
from erpsim.utils.paths import data_dir
from erpsim.model.network import Network

DEFAULT = "erp_default"


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_checksum(path):
    """Record ``path``'s SHA-256 in ``data/pretrained/SHA256SUMS.json``."""
    sums_path = path.parent / "SHA256SUMS.json"
    sums = json.loads(sums_path.read_text()) if sums_path.exists() else {}
    sums[path.name] = sha256(path)
    atomic_write_bytes(sums_path, (json.dumps(sums, indent=1, sort_keys=True) + "\n").encode())


def pretrained_path(name=DEFAULT, verify=True):
    """Path of a shipped model file, checked against its recorded SHA-256 (``verify``)."""
    folder = data_dir() / "pretrained"
    path = folder / f"{name}.npz"
    if not path.exists():
        available = sorted(p.stem for p in folder.glob("*.npz"))
        raise FileNotFoundError(f"no pretrained model {name!r} in {folder}; available: {available}")
    if verify:
        sums = json.loads((folder / "SHA256SUMS.json").read_text())
        if sums.get(path.name) != sha256(path):
            raise ValueError(f"{path} does not match its recorded checksum (corrupted or "
                             "modified; if you retrained it on purpose, record the new one "
                             "with erpsim.model.pretrained.write_checksum(path))")
    return path


def load_pretrained(name=DEFAULT, verify=True):
    """Load shipped trained instances: by default the 20 seeds of the default network
    (``"erp_v0_2"``: the 10 of erpsim 0.2).

    Parameters
    ----------
    name : str
        File stem in ``data/pretrained/``.
    verify : bool
        Check the file against its recorded SHA-256.

    Returns
    -------
    Network
    """
    return Network.load(pretrained_path(name, verify))
