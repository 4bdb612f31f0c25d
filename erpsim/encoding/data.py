"""fMRI data for the encoding model: a container, preprocessing and the loader for the
released per-participant MATLAB files of Mitchell et al. (2008).

Each released file ``data-science-P<k>.mat`` holds

* ``meta`` -- a struct with ``nvoxels``, the grid size ``dimx``, ``dimy``, ``dimz``
  (51 x 61 x 23), ``colToCoord`` (n_voxels x 3, 1-based grid coordinates of each
  data column) and ``coordToCol`` (the grid, 1-based column number or 0);
* ``info`` -- a 1 x n_trials struct array with per-trial ``cond`` (category name),
  ``cond_number``, ``word``, ``word_number`` and ``epoch`` (presentation 1-6);
* ``data`` -- an n_trials x 1 cell array, one 1 x n_voxels image per trial.
"""
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from erpsim.utils.atomic import atomic_write


#: Spellings in the released files that differ from the nouns of the paper.
WORD_ALIASES = {"refridgerator": "refrigerator"}


def average_and_centre(presentations):
    """The preprocessed images: presentations averaged per noun, minus the mean image.

    Parameters
    ----------
    presentations : array_like, shape (n_pres, n_nouns, n_voxels)

    Returns
    -------
    ndarray, shape (n_nouns, n_voxels), float64
        ``mean_p x[p]`` with the mean over nouns subtracted from every voxel.
    """
    X = np.asarray(presentations, dtype=np.float64)
    if X.ndim != 3:
        raise ValueError(f"presentations must be 3-D (n_pres, n_nouns, n_voxels), "
                         f"got shape {X.shape}")
    images = X.mean(axis=0)
    return images - images.mean(axis=0)


def nonfinite_voxels(presentations):
    """Indices of voxels with a NaN or infinite value in any presentation.

    Parameters
    ----------
    presentations : ndarray, shape (n_pres, n_nouns, n_voxels)

    Returns
    -------
    ndarray of int, shape (n_bad,)
    """
    X = np.asarray(presentations)
    return np.nonzero(~np.isfinite(X).all(axis=(0, 1)))[0]


@dataclass
class ParticipantData:
    """One participant's fMRI data, presentation by presentation.

    Attributes
    ----------
    presentations : ndarray, shape (n_pres, n_nouns, n_voxels)
        Image of each presentation (epoch) of each noun.
    words : tuple of str, length n_nouns
    categories : tuple of str, length n_nouns
    coords : ndarray of int, shape (n_voxels, 3), or None
        1-based grid coordinates of each voxel (``meta.colToCoord``).
    grid_shape : tuple of int or None
        ``(dimx, dimy, dimz)``.
    subject : str
    source : str
        Where the data came from (a file path or "synthetic").
    extra : dict
        Anything else (for synthetic data: the true signatures and settings).
    """

    presentations: np.ndarray
    words: tuple
    categories: tuple
    coords: np.ndarray = None
    grid_shape: tuple = None
    subject: str = ""
    source: str = ""
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        X = np.asarray(self.presentations, dtype=np.float64)
        if X.ndim != 3:
            raise ValueError(f"presentations must be 3-D (n_pres, n_nouns, n_voxels), "
                             f"got shape {X.shape}")
        self.presentations = X
        self.words = tuple(str(w) for w in self.words)
        self.categories = tuple(str(c) for c in self.categories)
        if len(self.words) != X.shape[1]:
            raise ValueError(f"{len(self.words)} words for {X.shape[1]} nouns in the data")
        if len(set(self.words)) != len(self.words):
            raise ValueError("words must be unique")
        if len(self.categories) != X.shape[1]:
            raise ValueError(f"{len(self.categories)} categories for {X.shape[1]} nouns")
        if self.coords is not None:
            self.coords = np.asarray(self.coords)
            if self.coords.shape != (X.shape[2], 3):
                raise ValueError(f"coords must have shape ({X.shape[2]}, 3), "
                                 f"got {self.coords.shape}")

    @property
    def n_presentations(self):
        """int: presentations per noun."""
        return self.presentations.shape[0]

    @property
    def n_nouns(self):
        """int: number of nouns."""
        return self.presentations.shape[1]

    @property
    def n_voxels(self):
        """int: number of voxels."""
        return self.presentations.shape[2]

    def __repr__(self):
        grid = f", grid {self.grid_shape}" if self.grid_shape is not None else ""
        return (f"ParticipantData(subject={self.subject!r}, {self.n_presentations} "
                f"presentations x {self.n_nouns} nouns x {self.n_voxels} voxels{grid}, "
                f"source={self.source!r})")

    def images(self):
        """Averaged, mean-centred images, shape (n_nouns, n_voxels)."""
        return average_and_centre(self.presentations)

    def reorder(self, words):
        """The same data with nouns in the order of ``words``.

        Raises
        ------
        KeyError
            If a word is not in the data.
        """
        index = {w: k for k, w in enumerate(self.words)}
        missing = [w for w in words if w not in index]
        if missing:
            raise KeyError(f"words not in the data of {self.subject or 'this participant'}:"
                           f" {missing}")
        rows = [index[w] for w in words]
        return replace(self, presentations=self.presentations[:, rows, :],
                       words=tuple(words),
                       categories=tuple(self.categories[r] for r in rows))

    def select_voxels(self, keep):
        """The same data restricted to voxels ``keep`` (boolean mask or indices)."""
        keep = np.asarray(keep)
        coords = None if self.coords is None else self.coords[keep]
        return replace(self, presentations=self.presentations[:, :, keep], coords=coords)

    def drop_nonfinite(self):
        """The same data without the voxels that hold NaN or infinite values."""
        bad = nonfinite_voxels(self.presentations)
        keep = np.ones(self.n_voxels, dtype=bool)
        keep[bad] = False
        return self.select_voxels(keep)


# --------------------------------------------------------------------------- MATLAB
def _field(obj, name):
    """A field of a MATLAB struct as loaded by scipy (either struct representation)."""
    if hasattr(obj, "_fieldnames"):          # scipy.io.matlab.mat_struct
        if name not in obj._fieldnames:
            raise KeyError(name)
        return getattr(obj, name)
    if isinstance(obj, np.ndarray) and obj.dtype.names is not None:
        if name not in obj.dtype.names:
            raise KeyError(name)
        value = obj[name]
        while isinstance(value, np.ndarray) and value.dtype == object and value.size == 1:
            value = value.item()
        return value
    if isinstance(obj, dict):
        return obj[name]
    raise KeyError(name)


def _scalar(value):
    arr = np.asarray(value)
    if arr.size != 1:
        raise ValueError(f"expected a scalar, got shape {arr.shape}")
    return arr.reshape(()).item()


def _string(value):
    if isinstance(value, str):
        return value
    arr = np.asarray(value)
    if arr.dtype.kind in "US":
        return str(arr.reshape(-1)[0]) if arr.size else ""
    if arr.dtype == object and arr.size == 1:
        return _string(arr.reshape(-1)[0])
    raise ValueError(f"expected a string, got {value!r}")


def _cond_number(rec):
    try:
        return int(_scalar(_field(rec, "cond_number")))
    except (KeyError, ValueError):
        return 0


def load_participant(path, drop_nonfinite=False, canonical_words=True):
    """Load one released participant file (``data-science-P*.mat``).

    Parameters
    ----------
    path : str or path-like
    drop_nonfinite : bool
        Drop voxels holding NaN or infinite values; otherwise such voxels raise.
    canonical_words : bool
        Replace known misspellings (:data:`WORD_ALIASES`, e.g. "refridgerator") by
        the paper's spelling; the file's spellings are kept in
        ``extra["file_words"]``.

    Returns
    -------
    ParticipantData
        Nouns ordered by ``word_number`` (by ``(cond_number, word_number)`` if the
        word numbers repeat across categories, else by first appearance),
        presentations by ``epoch``.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If a variable or field is missing, the shapes disagree, a word does not
        have the same set of epochs as the others, or (unless ``drop_nonfinite``)
        there are non-finite voxels.
    """
    path = Path(path)
    meta, info, data = _read_mat(path)
    n_vox, col_to_coord, grid, subject = _read_meta(meta, path)
    rows = _trial_images(info, data, n_vox, path)
    if col_to_coord.shape != (n_vox, 3):
        raise ValueError(f"{path.name}: meta.colToCoord has shape {col_to_coord.shape}, "
                         f"expected ({n_vox}, 3)")
    trials = _read_trials(np.atleast_1d(info).reshape(-1), path)
    words, epochs = _words_and_epochs(trials, path)
    order = _noun_order(words)
    noun_index = {w: k for k, w in enumerate(order)}
    epoch_index = {e: k for k, e in enumerate(epochs)}
    X = np.empty((len(epochs), len(order), n_vox))
    for (word, _, _, epoch, _), row in zip(trials, rows):
        X[epoch_index[epoch], noun_index[word]] = row
    names = [WORD_ALIASES.get(w, w) if canonical_words else w for w in order]
    if len(set(names)) != len(names):
        raise ValueError(f"{path.name}: words repeat after fixing their spelling")

    participant = ParticipantData(
        presentations=X, words=tuple(names),
        categories=tuple(words[w]["cond"] for w in order),
        coords=col_to_coord.astype(np.int64), grid_shape=grid, subject=subject,
        source=str(path), extra={"file_words": tuple(order)})
    bad = nonfinite_voxels(X)
    if bad.size:
        if not drop_nonfinite:
            raise ValueError(f"{path.name}: {bad.size} voxel(s) hold NaN or infinite "
                             f"values (columns {(bad[:10] + 1).tolist()}...); to drop them, "
                             "use --drop-nonfinite (erpsim encode, analyses/mitchell.py) or "
                             "drop_nonfinite=True (load_participant, run_mitchell)")
        participant = participant.drop_nonfinite()
    return participant


def _read_mat(path):
    """The ``meta``, ``info`` and ``data`` variables of a participant file."""
    from scipy.io import loadmat

    if not path.exists():
        raise FileNotFoundError(f"participant file not found: {path}")
    try:
        mat = loadmat(path, squeeze_me=True, struct_as_record=False)
    except Exception as err:  # scipy raises several types for corrupt files
        raise ValueError(f"{path} is not a readable MATLAB file: {err}") from err
    for var in ("meta", "info", "data"):
        if var not in mat:
            raise ValueError(f"{path.name}: variable {var!r} missing (expected meta, "
                             "info, data)")
    return mat["meta"], mat["info"], mat["data"]


def _read_meta(meta, path):
    """(number of voxels, voxel coordinates (n_vox, 3), grid shape, subject)."""
    try:
        n_vox = int(_scalar(_field(meta, "nvoxels")))
        col_to_coord = np.asarray(_field(meta, "colToCoord"))
        grid = tuple(int(_scalar(_field(meta, k))) for k in ("dimx", "dimy", "dimz"))
    except KeyError as err:
        raise ValueError(f"{path.name}: meta has no field {err.args[0]!r}") from None
    try:
        subject = str(_scalar(_field(meta, "subject")))
    except (KeyError, ValueError):
        subject = path.stem
    return n_vox, col_to_coord, grid, subject


def _trial_images(info, data, n_vox, path):
    """One float64 image (n_vox,) per trial of ``info``, checked against ``n_vox``."""
    n_trials = np.atleast_1d(info).reshape(-1).size
    if np.asarray(data).dtype == object:
        rows = [np.asarray(d, dtype=np.float64).reshape(-1)
                for d in np.atleast_1d(data).reshape(-1)]
    else:
        arr = np.asarray(data, dtype=np.float64)
        rows = list(arr.reshape(arr.shape[0], -1)) if arr.ndim == 2 else []
    if len(rows) != n_trials:
        raise ValueError(f"{path.name}: {n_trials} trials in info but {len(rows)} images "
                         "in data")
    for t, r in enumerate(rows):
        if r.size != n_vox:
            raise ValueError(f"{path.name}: trial {t + 1} image has {r.size} voxels, "
                             f"meta.nvoxels is {n_vox}")
    return rows


def _read_trials(info, path):
    """(word, word_number, cond, epoch, cond_number) of every trial."""
    try:
        return [(_string(_field(rec, "word")).strip(), int(_scalar(_field(rec, "word_number"))),
                 _string(_field(rec, "cond")).strip(), int(_scalar(_field(rec, "epoch"))),
                 _cond_number(rec)) for rec in info]
    except KeyError as err:
        raise ValueError(f"{path.name}: info has no field {err.args[0]!r}") from None


def _words_and_epochs(trials, path):
    """Per word its number, category, epochs and first trial; the shared sorted epochs."""
    words = {}
    for first, (word, number, cond, epoch, cond_number) in enumerate(trials):
        entry = words.setdefault(word, {"number": number, "cond": cond, "epochs": {},
                                        "cond_number": cond_number, "first": first})
        if entry["number"] != number or entry["cond"] != cond:
            raise ValueError(f"{path.name}: word {word!r} has inconsistent word_number or "
                             "cond across trials")
        if epoch in entry["epochs"]:
            raise ValueError(f"{path.name}: word {word!r} has epoch {epoch} twice")
        entry["epochs"][epoch] = len(entry["epochs"])
    epoch_sets = {tuple(sorted(e["epochs"])) for e in words.values()}
    if len(epoch_sets) != 1:
        raise ValueError(f"{path.name}: words differ in their epochs: {sorted(epoch_sets)}")
    return words, sorted(epoch_sets.pop())


def _noun_order(words):
    """Nouns by word_number, else by (cond_number, word_number), else by first trial."""
    keys = [lambda w: words[w]["number"],
            lambda w: (words[w]["cond_number"], words[w]["number"]),
            lambda w: words[w]["first"]]
    for key in keys:
        if len({key(w) for w in words}) == len(words):
            return sorted(words, key=key)
    return list(words)   # unreachable: first appearances are distinct


def save_participant(path, participant):
    """Write a participant in the released MATLAB layout (``meta``, ``info``, ``data``).

    Used to export synthetic data in the same format; the file is written atomically.

    Parameters
    ----------
    path : str or path-like
    participant : ParticipantData
    """

    from scipy.io import savemat

    X = participant.presentations
    n_pres, n_nouns, n_vox = X.shape
    grid = participant.grid_shape
    coords = participant.coords
    if coords is None:  # lay the voxels out on a line of a minimal grid
        grid = (n_vox, 1, 1)
        coords = np.column_stack([np.arange(1, n_vox + 1), np.ones(n_vox, int),
                                  np.ones(n_vox, int)])
    coord_to_col = np.zeros(grid, dtype=np.float64)
    coord_to_col[coords[:, 0] - 1, coords[:, 1] - 1, coords[:, 2] - 1] = np.arange(1, n_vox + 1)
    cats = list(dict.fromkeys(participant.categories))
    dtype = [("cond", object), ("cond_number", object), ("word", object),
             ("word_number", object), ("epoch", object)]
    info = np.empty((1, n_pres * n_nouns), dtype=dtype)
    data = np.empty((n_pres * n_nouns, 1), dtype=object)
    t = 0
    for p in range(n_pres):
        for k in range(n_nouns):
            info[0, t] = (participant.categories[k], float(cats.index(participant.categories[k]) + 1),
                          participant.words[k], float(k + 1), float(p + 1))
            data[t, 0] = X[p, k][None, :]
            t += 1
    meta = {"study": "synthetic" if not participant.source else participant.source,
            "subject": participant.subject or "synthetic", "ntrials": float(n_pres * n_nouns),
            "nvoxels": float(n_vox), "dimx": float(grid[0]), "dimy": float(grid[1]),
            "dimz": float(grid[2]), "colToCoord": coords.astype(np.float64),
            "coordToCol": coord_to_col}
    path = Path(path)
    atomic_write(path, lambda tmp: savemat(tmp, {"meta": meta, "info": info, "data": data}),
                 suffix=".mat")
