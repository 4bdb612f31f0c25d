"""The model's items: four item types, their frequencies and neighbourhoods.

(The semantic patterns moved to :mod:`erpsim.model.semantics`; ``random_semantics`` is
still importable from here, with a ``DeprecationWarning``, until the next release.)

The shipped default lexicon (``data/lexicon.csv``, built by ``data/build_lexicon.py``;
see ``docs/lexicon.md``) has 50 three-letter items of each type. Items are stored
lowercase (acronyms too).
"""
import io
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from erpsim.utils.atomic import atomic_write
from erpsim.utils.deprecation import warn_moved
from erpsim.utils.paths import data_file
from erpsim.model import semantics
from erpsim.model.coding import LetterCoding, get_coding

ITEM_TYPES = ("word", "acronym", "pseudoword", "illegal")
TRAINED_TYPES = ("word", "acronym")
COLUMNS = ("item", "type", "zipf", "neighbours")
_NA_STRINGS = ["", "NA", "N/A", "NaN", "nan", "-nan", "NULL", "null", "None", "#N/A"]


def _names(values, limit=10):
    """Short printable list of offending values for error messages."""
    values = [str(v) for v in values]
    more = f" ... ({len(values)} in all)" if len(values) > limit else ""
    return ", ".join(repr(v) for v in values[:limit]) + more


def _default_coding(items, coding):
    """The coding to use: ``coding``, with ``n_slots`` the commonest item length."""
    lengths = Counter(len(item) for item in items)
    n_slots = min(lengths, key=lambda n: (-lengths[n], n)) if lengths else 3
    return get_coding(coding, n_slots=n_slots)


def _located(table, rows, lines=None, limit=10):
    """Printable list of the items at positions ``rows``, each with its line or row.

    ``lines``: the file line number of each row (None: rows are named by position).
    """
    rows = list(rows)
    where = (lambda r: f"line {lines[r]}") if lines is not None else (lambda r: f"row {r}")
    named = [f"{table['item'].iat[r]!r} ({where(r)})" for r in rows[:limit]]
    more = f" ... ({len(rows)} in all)" if len(rows) > limit else ""
    return ", ".join(named) + more


def _check_lengths(table, lines):
    """Items of different lengths cannot share one letter coding: name them by length."""
    lengths = table["item"].str.len().to_numpy()
    if len(set(lengths)) < 2:
        return
    groups = "; ".join(f"{n} letters: {_located(table, np.flatnonzero(lengths == n), lines, 5)}"
                       for n in sorted(set(lengths)))
    raise ValueError(f"the letter coding cannot encode lexicon items of different lengths "
                     f"({groups}); make every item the same length")


def _check_items(table, lines):
    """Items must be non-empty strings, unique (case-insensitive); lowercases them."""
    bad = [r for r, v in enumerate(table["item"]) if not isinstance(v, str)]
    if bad:
        raise ValueError(f"lexicon items must be strings, got {_names(table['item'][bad])} "
                         f"at {_located(table, bad, lines)}")
    empty = np.flatnonzero(table["item"].str.strip() == "")
    if len(empty):
        where = ", ".join(str(lines[r] if lines is not None else r) for r in empty[:10])
        raise ValueError(f"empty item on {'line' if lines is not None else 'row'}(s) {where}; "
                         "every row needs an item")
    table["item"] = table["item"].str.lower()
    duplicated = np.flatnonzero(table["item"].duplicated(keep=False))
    if len(duplicated):
        raise ValueError(f"duplicate lexicon item(s) {_located(table, duplicated, lines)}")


def _check_numbers(table, lines):
    """``zipf`` must be numbers >= 0 and ``neighbours`` integers >= 0; converts them."""
    table["zipf"] = pd.to_numeric(table["zipf"], errors="coerce").astype(np.float64)
    bad = np.flatnonzero(~(table["zipf"] >= 0))
    if len(bad):
        raise ValueError("zipf is missing, NaN or negative for item(s) "
                         f"{_located(table, bad, lines)}")
    neighbours = pd.to_numeric(table["neighbours"], errors="coerce")
    bad = np.flatnonzero(~((neighbours >= 0) & (neighbours % 1 == 0)))
    if len(bad):
        raise ValueError("neighbours must be non-negative integers; bad for item(s) "
                         f"{_located(table, bad, lines)}")
    table["neighbours"] = neighbours.astype(np.int64)


def _checked_table(table, coding, lines=None):
    """Validated, normalised copy of a lexicon table (see :class:`Lexicon`).

    ``lines``: the file line number of each row, to name lines in messages (None:
    rows are named by position).
    """
    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"a lexicon needs a pandas DataFrame, got {type(table).__name__}")
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"lexicon table is missing column(s) {_names(missing)}; "
                         f"expected columns {', '.join(COLUMNS)}")
    table = table.reset_index(drop=True).copy()
    _check_items(table, lines)
    unknown = np.flatnonzero(~table["type"].astype(str).isin(ITEM_TYPES))
    if len(unknown):
        types = sorted(set(table["type"].astype(str).iloc[unknown]))
        raise ValueError(f"unknown item type(s) {_names(types)} for item(s) "
                         f"{_located(table, unknown, lines)}; "
                         f"expected one of {', '.join(ITEM_TYPES)}")
    table["type"] = table["type"].astype(str)
    _check_numbers(table, lines)
    fixed = isinstance(coding, LetterCoding)
    coding = _default_coding(table["item"], coding)
    if not fixed:
        _check_lengths(table, lines)
    bad = [r for r, item in enumerate(table["item"]) if not coding.can_encode(item)]
    if bad:
        raise ValueError(f"{coding!r} cannot encode lexicon item(s) "
                         f"{_located(table, bad, lines)}")
    return table, coding


class Lexicon:
    """A table of items with their type, frequency and neighbourhood size.

    Parameters
    ----------
    table : pandas.DataFrame
        Columns ``item`` (letter string), ``type`` (one of :data:`ITEM_TYPES`),
        ``zipf`` (Zipf frequency, 0 for unknown strings) and ``neighbours``
        (orthographic neighbourhood size, see :func:`neighbourhood_sizes`); extra
        columns are kept. Items are lowercased; the table is copied.
    coding : None, str or LetterCoding
        The letter coding every item must fit, and the default of :meth:`encode`.
        ``None``: binary coding with as many slots as the commonest item length.

    Raises
    ------
    ValueError
        For missing columns, unknown types, duplicate items, NaN or negative zipf,
        non-integer neighbours or items the coding cannot encode (all named).
    """

    def __init__(self, table, coding=None):
        self._table, self.coding = _checked_table(table, coding)

    @classmethod
    def _from_file(cls, table, coding, lines):
        """A lexicon read from a file: messages name ``lines`` (one per row)."""
        lexicon = cls.__new__(cls)
        lexicon._table, lexicon.coding = _checked_table(table, coding, lines)
        return lexicon

    @property
    def table(self):
        """pandas.DataFrame: a copy of the table (editing it leaves the lexicon as is)."""
        return self._table.copy()

    @property
    def items(self):
        """numpy.ndarray of str, shape (n,): the items, lowercase."""
        return self._table["item"].to_numpy(dtype=str)

    @property
    def types(self):
        """numpy.ndarray of str, shape (n,): each item's type."""
        return self._table["type"].to_numpy(dtype=str)

    @property
    def zipf(self):
        """numpy.ndarray of float64, shape (n,): Zipf frequency (log10 per billion words)."""
        return self._table["zipf"].to_numpy(dtype=np.float64)

    @property
    def neighbours(self):
        """numpy.ndarray of int64, shape (n,): orthographic neighbourhood sizes."""
        return self._table["neighbours"].to_numpy(dtype=np.int64)

    def __len__(self):
        return len(self._table)

    def __repr__(self):
        counts = self._table["type"].value_counts()
        parts = [f"{counts[t]} {t}" for t in ITEM_TYPES if t in counts]
        return f"Lexicon({len(self)} items: {', '.join(parts) or 'empty'})"

    def _rows(self, mask):
        return Lexicon(self._table[np.asarray(mask, dtype=bool)], self.coding)

    @property
    def trained(self):
        """Lexicon: the trained items (words and acronyms), table order kept."""
        return self._rows(self._table["type"].isin(TRAINED_TYPES))

    def of_type(self, item_type):
        """Return the items of one type (table order kept).

        Raises
        ------
        ValueError
            If ``item_type`` is not one of :data:`ITEM_TYPES`.
        """
        if item_type not in ITEM_TYPES:
            raise ValueError(f"unknown item type {item_type!r}; "
                             f"expected one of {', '.join(ITEM_TYPES)}")
        return self._rows(self._table["type"] == item_type)

    def subset(self, n_per_type, rng=None):
        """Draw ``n_per_type`` items of every type present (a small lexicon for tests).

        Parameters
        ----------
        n_per_type : int
            Items drawn (without replacement) from each type present.
        rng : None, int or numpy.random.Generator
            Seed or generator; the same seed gives the same subset.

        Returns
        -------
        Lexicon
            The drawn items in table order; ``neighbours`` keeps the values of the
            full lexicon.

        Raises
        ------
        ValueError
            If ``n_per_type`` is not a positive integer or exceeds a type's count.
        """
        if not isinstance(n_per_type, (int, np.integer)) or n_per_type < 1:
            raise ValueError(f"n_per_type must be a positive integer, got {n_per_type!r}")
        rng = np.random.default_rng(rng)
        keep = np.zeros(len(self), dtype=bool)
        for item_type in ITEM_TYPES:
            rows = np.flatnonzero(self.types == item_type)
            if len(rows) == 0:
                continue
            if n_per_type > len(rows):
                raise ValueError(f"cannot draw {n_per_type} items of type {item_type!r}:"
                                 f" the lexicon has {len(rows)}")
            keep[rng.choice(rows, size=n_per_type, replace=False)] = True
        return self._rows(keep)

    def encode(self, coding=None):
        """Letter patterns of the items.

        Parameters
        ----------
        coding : None, str or LetterCoding
            ``None``: the lexicon's own coding.

        Returns
        -------
        numpy.ndarray, shape (n, coding.n_units), float64
        """
        coding = self.coding if coding is None else _default_coding(self.items, coding)
        return coding.encode(self.items)

    def to_csv(self, path):
        """Write the table to ``path`` as CSV, atomically (temporary file, then rename).

        Parameters
        ----------
        path : str or os.PathLike
        """
        atomic_write(path, lambda tmp: self._table.to_csv(tmp, index=False, lineterminator="\n"))


def load_lexicon(path=None, coding=None):
    """Read a lexicon CSV (the shipped default or a user's file with the same columns).

    Parameters
    ----------
    path : None, str or os.PathLike
        CSV with columns ``item, type, zipf, neighbours`` (extra columns kept).
        ``None``: the shipped ``data/lexicon.csv``.
    coding : None, str or LetterCoding
        Coding every item must fit (see :class:`Lexicon`).

    Returns
    -------
    Lexicon

    Raises
    ------
    FileNotFoundError
        If the file does not exist (named).
    ValueError
        If the table fails the checks of :class:`Lexicon`.
    """
    path = data_file("lexicon.csv") if path is None else Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"lexicon file not found: {path}")
    text = _read_text(path)
    try:
        header = pd.read_csv(io.StringIO(text), nrows=0).columns
        # items such as "nan" or "null" are strings, not missing values
        na_values = {c: _NA_STRINGS for c in header if c not in ("item", "type")}
        table = pd.read_csv(io.StringIO(text), dtype={"item": str, "type": str},
                            keep_default_na=False, na_values=na_values)
    except pd.errors.ParserError as err:
        raise ValueError(f"{path}: not a readable CSV file: {err}") from None
    if len(table) == 0:
        raise ValueError(f"{path}: the lexicon has no items (only a header line)")
    try:
        return Lexicon._from_file(table, coding, _row_lines(text, len(table)))
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None


def _read_text(path):
    """The text of a lexicon file; ValueError naming the file and line if it is not
    UTF-8 or is empty."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        raise ValueError(f"{path}: line {line} is not UTF-8 text (byte "
                         f"0x{data[err.start]:02x}); save the file as UTF-8") from None
    if not text.strip():
        raise ValueError(f"{path}: the file is empty; expected a CSV with the header line "
                         f"{','.join(COLUMNS)}")
    return text


def _row_lines(text, n_rows):
    """File line numbers of the ``n_rows`` data rows of CSV ``text`` (blank lines are
    skipped), or None if they cannot be told (e.g. quoted line breaks)."""
    lines = [k + 1 for k, line in enumerate(text.splitlines()) if line.strip()]
    return lines[1:] if len(lines) == n_rows + 1 else None


def neighbourhood_sizes(items, reference):
    """Orthographic neighbourhood sizes (Coltheart's N) against a reference set.

    Parameters
    ----------
    items : str or sequence of str
        The strings to count neighbours for.
    reference : sequence of str
        The candidate neighbours (duplicates count once; case-insensitive).

    Returns
    -------
    numpy.ndarray of int64, shape (n_items,)
        For each item, the number of reference strings of the same length that
        differ from it in exactly one letter position (the item itself never counts).
    """
    if isinstance(items, str):
        items = [items]
    if isinstance(reference, str):
        raise ValueError(f"reference must be a sequence of strings, got {reference!r}")
    items, reference = list(items), list(reference)
    bad = [s for s in items + reference if not isinstance(s, str)]
    if bad:
        raise ValueError(f"neighbourhood_sizes needs strings, got {_names(bad)}")
    reference = {s.lower() for s in reference}
    wildcards = Counter(s[:i] + "\0" + s[i + 1:] for s in reference for i in range(len(s)))
    sizes = []
    for item in (s.lower() for s in items):
        # each neighbour shares exactly one wildcard key with the item; the item shares
        # all len(item) of its keys with itself
        shared = sum(wildcards[item[:i] + "\0" + item[i + 1:]] for i in range(len(item)))
        sizes.append(shared - len(item) * (item in reference))
    return np.array(sizes, dtype=np.int64)


def __getattr__(name):
    if name == "random_semantics":
        warn_moved("erpsim.model.lexicon.random_semantics",
                   "erpsim.model.semantics.random_semantics")
        return semantics.random_semantics
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
