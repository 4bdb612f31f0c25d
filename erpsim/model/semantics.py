"""The semantic code: the meanings (binary feature patterns) the network is trained on.

Three constructions (docs/model.md, "Training targets and the semantic code"), each
from an explicit seed, every pattern with exactly ``n_active`` active features and no
two patterns equal:

- :func:`random_semantics`: features drawn at random (the 2012 model's code);
- :func:`neighbour_semantics`: orthographic neighbours share ``n_shared`` features
  (along a spanning tree of the neighbour graph);
- :func:`category_semantics`: items in ``n_categories`` groups share a core of
  ``n_shared`` features.

:func:`check_semantics` validates a user's own patterns; :func:`load_semantics` reads
them from a ``.npy`` or CSV file.
"""
from collections import deque
from itertools import combinations
from math import comb
from pathlib import Path

import numpy as np

from erpsim.utils.check import _check_integer, _check_option

#: The constructions :func:`make_semantics` knows.
STRUCTURES = ("random", "neighbours", "categories")
_MAX_DRAWS = 1000


def random_semantics(n_items, n_features=50, n_active=5, rng=None):
    """Random sparse binary semantic patterns, all distinct.

    Parameters
    ----------
    n_items : int
        Number of patterns (rows).
    n_features : int
        Semantic units (default 50).
    n_active : int
        Active features per pattern (default 5, i.e. 10%).
    rng : None, int or numpy.random.Generator
        Seed or generator; the same seed gives the same patterns.

    Returns
    -------
    numpy.ndarray, shape (n_items, n_features), float64
        Zeros and ones, exactly ``n_active`` ones per row, no two rows equal.

    Raises
    ------
    ValueError
        For negative sizes, ``n_active > n_features`` or more items than distinct
        patterns (``comb(n_features, n_active)``).
    """
    for name, value in (("n_items", n_items), ("n_features", n_features),
                        ("n_active", n_active)):
        if not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    if n_active > n_features:
        raise ValueError(f"n_active={n_active} exceeds n_features={n_features}")
    n_patterns = comb(n_features, n_active)
    if n_items > n_patterns:
        raise ValueError(f"cannot make {n_items} distinct patterns: only {n_patterns} "
                         f"have {n_active} of {n_features} features active")
    rng = np.random.default_rng(rng)
    if n_patterns <= max(2 * n_items, 10_000):
        # few possible patterns: draw without replacement from all of them
        every = np.array(list(combinations(range(n_features), n_active)), dtype=np.intp)
        chosen = every.reshape(n_patterns, n_active)[
            rng.choice(n_patterns, size=n_items, replace=False)]
    else:
        # many possible patterns: draw at random, redraw the rare repeats
        seen, rows = set(), []
        while len(rows) < n_items:
            draws = rng.random((n_items - len(rows), n_features)).argsort(axis=1)
            for active in np.sort(draws[:, :n_active], axis=1):
                key = active.tobytes()
                if key not in seen:
                    seen.add(key)
                    rows.append(active)
        chosen = np.array(rows, dtype=np.intp).reshape(n_items, n_active)
    patterns = np.zeros((n_items, n_features), dtype=np.float64)
    np.put_along_axis(patterns, chosen, 1.0, axis=1)
    return patterns


def _check_sizes(n_features, n_active, n_shared):
    """Integers with 0 <= n_shared < n_active <= n_features (ValueError naming them)."""
    _check_integer(n_features, "n_features", 1)
    _check_integer(n_active, "n_active", 1)
    _check_integer(n_shared, "n_shared", 0)
    if n_active > n_features:
        raise ValueError(f"n_active={n_active} exceeds n_features={n_features}")
    if n_shared >= n_active:
        raise ValueError(f"n_shared={n_shared} must be smaller than n_active={n_active} "
                         "(patterns sharing every feature would be equal)")


def _distinct_draw(rng, core, pool, n_free, seen, what):
    """``core`` plus ``n_free`` features drawn from ``pool``, a pattern not in ``seen``
    (a set of sorted index tuples, updated)."""
    for _ in range(_MAX_DRAWS):
        active = tuple(sorted(np.concatenate(
            [core, rng.choice(pool, size=n_free, replace=False)]).tolist()))
        if active not in seen:
            seen.add(active)
            return active
    raise ValueError(f"could not draw a distinct pattern for {what}; use more features, "
                     "more active features or fewer shared ones")


def _as_patterns(rows, n_features):
    patterns = np.zeros((len(rows), n_features), dtype=np.float64)
    for row, active in zip(patterns, rows):
        row[list(active)] = 1.0
    return patterns


def orthographic_neighbours(items):
    """Who is whose orthographic neighbour: same length, exactly one letter different.

    Parameters
    ----------
    items : sequence of str

    Returns
    -------
    list of list of int
        For each item, the indices of its neighbours among ``items`` (ascending).
    """
    items = [str(s).lower() for s in items]
    buckets = {}
    for k, item in enumerate(items):
        for i in range(len(item)):
            buckets.setdefault((len(item), i, item[:i] + item[i + 1:]), []).append(k)
    out = [set() for _ in items]
    for members in buckets.values():
        for k in members:
            out[k].update(m for m in members if m != k)
    return [sorted(s) for s in out]


def neighbour_semantics(items, n_features=50, n_active=5, n_shared=2, rng=None):
    """Patterns in which orthographic neighbours share features.

    Construction: the neighbour graph of ``items`` (:func:`orthographic_neighbours`) is
    walked breadth-first from roots taken in a seeded random order. A root gets a random
    pattern; every other item copies ``n_shared`` of the active features of the
    neighbour it was reached from (its parent, chosen at random among them) and draws
    its other ``n_active - n_shared`` features among those its parent lacks. So every
    item with a neighbour shares exactly ``n_shared`` features with at least one of them
    (its parent or a child); other pairs overlap as chance and the tree make them.

    Parameters
    ----------
    items : sequence of str
    n_features, n_active : int
    n_shared : int
        Features a child shares with its parent, ``0 <= n_shared < n_active``.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    ndarray (n_items, n_features), float64

    Raises
    ------
    ValueError
        For bad sizes, or if no distinct pattern can be drawn.
    """
    _check_sizes(n_features, n_active, n_shared)
    if n_features - n_active < n_active - n_shared:
        raise ValueError(f"a child draws {n_active - n_shared} features its parent lacks, "
                         f"but only {n_features - n_active} of {n_features} are left")
    rng = np.random.default_rng(rng)
    neighbours = orthographic_neighbours(items)
    rows, seen = [None] * len(neighbours), set()
    everything = np.arange(n_features)
    for root in rng.permutation(len(neighbours)):
        if rows[root] is not None:
            continue
        rows[root] = _distinct_draw(rng, everything[:0], everything, n_active, seen,
                                    f"item {root}")
        queue = deque([root])
        while queue:
            parent = queue.popleft()
            for child in rng.permutation(neighbours[parent]):
                if rows[child] is not None:
                    continue
                mine = np.array(rows[parent])
                core = rng.choice(mine, size=n_shared, replace=False)
                rows[child] = _distinct_draw(rng, core, np.setdiff1d(everything, mine),
                                             n_active - n_shared, seen, f"item {child}")
                queue.append(child)
    return _as_patterns(rows, n_features)


def category_semantics(n_items, n_features=50, n_active=5, n_categories=4, n_shared=2,
                       rng=None):
    """Patterns of items in ``n_categories`` groups that share a core of features.

    Construction: items are dealt to the categories in a seeded random order (sizes
    differ by at most one); each category gets a core of ``n_shared`` features, the
    cores disjoint; each item has its category's core plus ``n_active - n_shared``
    features drawn among those in no core. Two items of a category share at least
    ``n_shared`` features; items of different categories share only drawn ones.

    Parameters
    ----------
    n_items, n_features, n_active : int
    n_categories : int
        Number of groups, at least 1 (with more groups than items some stay empty).
    n_shared : int
        Core size, ``0 <= n_shared < n_active``.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    patterns : ndarray (n_items, n_features), float64
    category : ndarray of int (n_items,)
        Each item's category.

    Raises
    ------
    ValueError
        For bad sizes, cores and drawn features that do not fit in ``n_features``, or
        a category with more items than distinct patterns.
    """
    _check_sizes(n_features, n_active, n_shared)
    _check_integer(n_items, "n_items", 0)
    _check_integer(n_categories, "n_categories", 1)
    n_free_pool = n_features - n_categories * n_shared
    if n_free_pool < n_active - n_shared:
        raise ValueError(f"{n_categories} cores of {n_shared} features leave {n_free_pool} "
                         f"of {n_features} features, fewer than the "
                         f"{n_active - n_shared} each item draws")
    biggest = -(-n_items // n_categories)
    if biggest > comb(n_free_pool, n_active - n_shared):
        raise ValueError(f"a category of {biggest} items cannot have distinct patterns "
                         f"(only {comb(n_free_pool, n_active - n_shared)} exist)")
    rng = np.random.default_rng(rng)
    category = np.empty(n_items, dtype=np.int64)
    category[rng.permutation(n_items)] = np.arange(n_items) % n_categories
    order = rng.permutation(n_features)
    cores = order[:n_categories * n_shared].reshape(n_categories, n_shared)
    pool = np.sort(order[n_categories * n_shared:])
    seen, rows = set(), []
    for k in range(n_items):
        rows.append(_distinct_draw(rng, cores[category[k]], pool, n_active - n_shared, seen,
                                   f"item {k}"))
    return _as_patterns(rows, n_features), category


def make_semantics(structure, items, n_features, n_active, *, n_shared=None,
                   n_categories=None, rng=None):
    """The patterns of ``items`` under one of the :data:`STRUCTURES`.

    Parameters
    ----------
    structure : {"random", "neighbours", "categories"}
    items : sequence of str
        The trained items (their letters matter for ``"neighbours"``).
    n_features, n_active : int
    n_shared : int or None
        Shared features (``"neighbours"``, ``"categories"``); None: ``n_active // 2``.
    n_categories : int or None
        Number of categories (``"categories"`` only; None: 4).
    rng : None, int or numpy.random.Generator

    Returns
    -------
    ndarray (n_items, n_features), float64
    """
    _check_option("semantic structure", structure, STRUCTURES)
    if structure == "random":
        return random_semantics(len(items), n_features, n_active, rng=rng)
    n_shared = n_active // 2 if n_shared is None else n_shared
    if structure == "neighbours":
        return neighbour_semantics(items, n_features, n_active, n_shared, rng=rng)
    n_categories = 4 if n_categories is None else n_categories
    return category_semantics(len(items), n_features, n_active, n_categories, n_shared,
                              rng=rng)[0]


def check_semantics(patterns, name="semantics"):
    """A user's semantic patterns, validated.

    Parameters
    ----------
    patterns : array-like (n_items, n_features)
        0/1 values (``True``/``False`` too).
    name : str
        How to name them in messages.

    Returns
    -------
    ndarray (n_items, n_features), float64

    Raises
    ------
    ValueError
        If they are not 2-D, not all 0/1, a row is all zero or two rows are equal
        (the rows are named).
    """
    try:
        array = np.asarray(patterns, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a 2-D array of 0/1 values") from None
    if array.ndim != 2 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty 2-D array (items x features), got "
                         f"shape {array.shape}")
    if not np.isin(array, (0.0, 1.0)).all():
        raise ValueError(f"{name} must hold only 0 and 1 (binary features)")
    empty = np.flatnonzero(array.sum(axis=1) == 0)
    if len(empty):
        raise ValueError(f"{name} row(s) {empty[:10].tolist()} have no active feature")
    _, first, counts = np.unique(array, axis=0, return_index=True, return_counts=True)
    if (counts > 1).any():
        row = array[first[np.argmax(counts > 1)]]
        equal = np.flatnonzero((array == row).all(axis=1))
        raise ValueError(f"{name} rows {equal.tolist()} are equal; meanings must be distinct")
    return array


def load_semantics(path):
    """Read semantic patterns from a ``.npy`` file or a CSV of 0/1 without a header.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    ndarray (n_items, n_features), float64 (validated by :func:`check_semantics`)

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If it cannot be read or fails :func:`check_semantics`.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"semantics file not found: {path}")
    try:
        if path.suffix.lower() == ".npy":
            array = np.load(path, allow_pickle=False)
        else:
            array = np.loadtxt(path, delimiter=",", ndmin=2)
    except ValueError as err:
        raise ValueError(f"{path}: not readable as semantic patterns: {err}") from None
    try:
        return check_semantics(array)
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None
