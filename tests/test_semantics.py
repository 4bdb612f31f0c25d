"""The semantic code: constructions, a user's own patterns, the number of trained items
(issue #14)."""
import json

import numpy as np
import pytest
from test_targets import TINY, TINY_SETTINGS
from test_training import tiny_lexicon

import erpsim
from erpsim.model.semantics import (STRUCTURES, category_semantics, check_semantics,
                                    load_semantics, make_semantics, neighbour_semantics,
                                    orthographic_neighbours, random_semantics)
from erpsim.sweep.grid import Grid
from erpsim.training import TrainingSettings, semantics_of, train
from erpsim.training.trainer import CheckpointMismatch, prepare_problem, run_identity


@pytest.fixture(scope="module")
def trained_items():
    return list(erpsim.load_lexicon().trained.items)


def overlaps(patterns):
    """Shared active features of every pair of rows (n, n)."""
    return patterns @ patterns.T


def neighbour_matrix(items):
    adjacent = np.zeros((len(items), len(items)), dtype=bool)
    for i, others in enumerate(orthographic_neighbours(items)):
        adjacent[i, others] = True
    return adjacent


def assert_sparse_and_distinct(patterns, n_active):
    assert set(np.unique(patterns)) <= {0.0, 1.0}
    assert (patterns.sum(axis=1) == n_active).all()
    assert len(np.unique(patterns, axis=0)) == len(patterns)


def test_random_semantics_moved_with_a_deprecated_alias():
    patterns = random_semantics(100, rng=0)
    assert_sparse_and_distinct(patterns, 5)
    with pytest.warns(DeprecationWarning, match="erpsim.model.semantics.random_semantics"):
        from erpsim.model.lexicon import random_semantics as old
    np.testing.assert_array_equal(old(100, rng=0), patterns)


def test_orthographic_neighbours():
    assert orthographic_neighbours(["cat", "cot", "dog", "cog", "cats"]) == \
        [[1], [0, 3], [3], [1, 2], []]


@pytest.mark.parametrize("n_active,n_shared", [(5, 3), (3, 1), (4, 0)])
def test_neighbours_share_their_features(trained_items, n_active, n_shared):
    patterns = neighbour_semantics(trained_items, 50, n_active, n_shared, rng=0)
    assert_sparse_and_distinct(patterns, n_active)
    shared, adjacent = overlaps(patterns), neighbour_matrix(trained_items)
    # every item with a neighbour shares exactly n_shared features with one of them (its
    # parent or a child in the tree) and at most n_shared with the nearest otherwise
    has = adjacent.any(axis=1)
    assert has.sum() > 50
    nearest = np.where(adjacent, shared, -1).max(axis=1)[has]
    assert (nearest >= n_shared).all()
    other = ~adjacent & ~np.eye(len(trained_items), dtype=bool)
    if n_shared:
        # the realised overlap: neighbours share far more than other pairs
        assert shared[adjacent].mean() > n_shared * 0.7
        assert shared[adjacent].mean() > 3 * shared[other].mean()


def test_categories_share_a_core(trained_items):
    patterns, category = category_semantics(len(trained_items), 50, 5, 4, 2, rng=0)
    assert_sparse_and_distinct(patterns, 5)
    assert np.bincount(category).tolist() == [25] * 4
    shared = overlaps(patterns)
    same = (category[:, None] == category[None]) & ~np.eye(len(category), dtype=bool)
    assert shared[same].min() >= 2
    cores = [np.flatnonzero(patterns[category == k].min(axis=0)) for k in range(4)]
    assert all(len(c) >= 2 for c in cores)
    assert not set(cores[0][:2]) & set(np.concatenate(cores[1:]))     # cores are disjoint
    between = category[:, None] != category[None]
    assert shared[between].mean() < shared[same].mean() - 1.5


@pytest.mark.parametrize("structure", STRUCTURES)
def test_constructions_are_determined_by_the_seed(trained_items, structure):
    one = make_semantics(structure, trained_items, 50, 5, rng=7)
    assert_sparse_and_distinct(one, 5)
    np.testing.assert_array_equal(one, make_semantics(structure, trained_items, 50, 5, rng=7))
    assert not np.array_equal(one, make_semantics(structure, trained_items, 50, 5, rng=8))


@pytest.mark.parametrize("call, message", [
    (lambda: neighbour_semantics(["cat"], 50, 3, 3), "n_shared=3 must be smaller"),
    (lambda: neighbour_semantics(["cat"], 5, 3, 0), "only 2 of 5 are left"),
    (lambda: neighbour_semantics(["cat"], 50, 0, 0), "n_active must be an integer >= 1"),
    (lambda: category_semantics(10, 10, 5, 3, 3), "leave 1 of 10 features"),
    (lambda: category_semantics(40, 8, 3, 2, 2), "category of 20 items cannot"),
    (lambda: category_semantics(10, 50, 5, 0, 2), "n_categories must be an integer >= 1"),
    (lambda: make_semantics("tree", ["cat"], 50, 5), "unknown semantic structure 'tree'"),
])
def test_construction_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("patterns, message", [
    ([[1, 0], [0, 2]], "only 0 and 1"),
    ([[1, 0], [0, 0]], r"row\(s\) \[1\] have no active feature"),
    ([[1, 0], [0, 1], [1, 0]], r"rows \[0, 2\] are equal"),
    ([1, 0, 1], "2-D"),
    ([["a", "b"]], "2-D array of 0/1"),
])
def test_check_semantics_errors(patterns, message):
    with pytest.raises(ValueError, match=message):
        check_semantics(patterns)


def test_load_semantics_from_npy_and_csv(tmp_path):
    patterns = random_semantics(6, 8, 2, rng=0)
    np.save(tmp_path / "p.npy", patterns.astype(np.int8))
    np.savetxt(tmp_path / "p.csv", patterns, delimiter=",", fmt="%d")
    for name in ("p.npy", "p.csv"):
        np.testing.assert_array_equal(load_semantics(tmp_path / name), patterns)
    (tmp_path / "bad.csv").write_text("1,0\n1,0\n")
    with pytest.raises(ValueError, match="bad.csv: semantics rows"):
        load_semantics(tmp_path / "bad.csv")
    with pytest.raises(FileNotFoundError, match="semantics file not found"):
        load_semantics(tmp_path / "none.npy")


# -- the settings ----------------------------------------------------------------------------
@pytest.mark.parametrize("changes, message", [
    ({"semantic_structure": "tree"}, "unknown semantic_structure"),
    ({"n_shared": 1}, "n_shared applies to semantic_structure 'neighbours' or"),
    ({"semantic_structure": "neighbours", "n_categories": 2}, "n_categories applies"),
    ({"semantic_structure": "categories", "n_shared": 5}, "n_shared=5 must be smaller"),
    ({"n_trained": 0}, "n_trained must be an integer >= 1"),
    ({"semantics": [[1, 1], [1, 1]]}, "are equal"),
    ({"semantics": [[1, 0]], "semantic_structure": "categories"}, "exclude each other"),
])
def test_bad_semantic_settings(changes, message):
    with pytest.raises(ValueError, match=message):
        TrainingSettings(**changes)


def test_n_trained_draws_a_seeded_subset():
    net = erpsim.Network.initialize(TINY, 1, rng=1)
    lexicon = tiny_lexicon()                           # 4 words, 4 acronyms
    settings = TrainingSettings(n_trained=np.int64(5), **TINY_SETTINGS)
    problem = prepare_problem(net, lexicon, settings)
    items = list(problem.trained.items)
    assert len(items) == 5 and set(items) < set(lexicon.trained.items)
    assert items == [i for i in lexicon.trained.items if i in items]     # table order
    assert problem.patterns.shape == (5, TINY.n_sem)
    assert list(prepare_problem(net, lexicon, settings).trained.items) == items
    other = TrainingSettings(n_trained=5, **{**TINY_SETTINGS, "n_active": 3})
    assert list(prepare_problem(net, lexicon, other).trained.items) == items
    reseeded = TrainingSettings(n_trained=5, semantic_seed=1, **TINY_SETTINGS)
    assert list(prepare_problem(net, lexicon, reseeded).trained.items) != items
    # all of them: exactly the default problem
    every = prepare_problem(net, lexicon, TrainingSettings(n_trained=8, **TINY_SETTINGS))
    default = prepare_problem(net, lexicon, TrainingSettings(**TINY_SETTINGS))
    assert list(every.trained.items) == list(default.trained.items)
    with pytest.raises(ValueError, match="n_trained=9 exceeds the lexicon's 8 trained"):
        prepare_problem(net, lexicon, TrainingSettings(n_trained=9, **TINY_SETTINGS))


def test_users_semantics_are_trained_and_stored(tmp_path):
    patterns = random_semantics(8, TINY.n_sem, 3, rng=5)
    np.save(tmp_path / "meanings.npy", patterns)
    from_file = TrainingSettings(max_epochs=20, semantics=str(tmp_path / "meanings.npy"),
                                 **TINY_SETTINGS)
    from_array = TrainingSettings(max_epochs=20, semantics=patterns, **TINY_SETTINGS)
    assert from_file == from_array
    assert np.array_equal(from_array.semantics, patterns)
    net, _ = train(erpsim.Network.initialize(TINY, 1, rng=1), tiny_lexicon(), from_array,
                   progress=False)
    items, stored = semantics_of(net)
    np.testing.assert_array_equal(stored, patterns)
    assert TrainingSettings(**json.loads(json.dumps(net.meta["training"]))) == from_array
    small = erpsim.Network.initialize(TINY, 1, rng=1)
    with pytest.raises(ValueError, match=r"semantics has shape \(8, 8\).*\(5, 8\)"):
        prepare_problem(small, tiny_lexicon(),
                        TrainingSettings(semantics=patterns, n_trained=5, **TINY_SETTINGS))
    with pytest.raises(ValueError, match=r"n_active=9 exceeds the configuration's n_sem=8"):
        prepare_problem(small, tiny_lexicon(), TrainingSettings(n_active=9))


def test_the_semantic_code_is_part_of_the_run_identity(tmp_path):
    net = erpsim.Network.initialize(TINY, 1, rng=1)
    trained = tiny_lexicon().trained
    base = TrainingSettings(**TINY_SETTINGS)
    variants = [TrainingSettings(semantic_structure="neighbours", **TINY_SETTINGS),
                TrainingSettings(semantics=random_semantics(8, 8, 2, rng=0), **TINY_SETTINGS),
                TrainingSettings(semantics=random_semantics(8, 8, 2, rng=1), **TINY_SETTINGS)]
    identities = {run_identity(net, trained, s)["training settings"]
                  for s in [base] + variants}
    assert len(identities) == 4
    ckpt = tmp_path / "run.ckpt.npz"
    train(net, tiny_lexicon(), TrainingSettings(max_epochs=5, **TINY_SETTINGS),
          checkpoint=ckpt, progress=False)
    with pytest.raises(CheckpointMismatch, match="trained items"):
        train(erpsim.Network.initialize(TINY, 1, rng=1), tiny_lexicon(),
              TrainingSettings(max_epochs=5, n_trained=6, **TINY_SETTINGS), checkpoint=ckpt,
              progress=False)


@pytest.mark.parametrize("changes", [
    {"semantic_structure": "neighbours", "n_shared": 1},
    {"semantic_structure": "categories", "n_categories": 2, "n_shared": 1},
    {"n_trained": 6}, {"n_active": 1},
], ids=["neighbours", "categories", "n_trained", "one active"])
def test_tiny_training_with_each_semantic_code_lowers_the_loss(changes):
    settings = TrainingSettings(max_epochs=200, **{**TINY_SETTINGS, **changes})
    net, history = train(erpsim.Network.initialize(TINY, 1, rng=1), tiny_lexicon(), settings,
                         progress=False)
    assert history["loss"].iloc[-1] < 0.9 * history["loss"].iloc[0]
    items, patterns = semantics_of(net)
    assert len(items) == changes.get("n_trained", 8)
    assert (patterns.sum(axis=1) == settings.n_active).all()


def test_grids_set_the_new_training_fields(tmp_path):
    np.save(tmp_path / "m.npy", random_semantics(8, 8, 2, rng=0))
    grid = Grid({"config": {k: getattr(TINY, k) for k in ("n_auto", "n_hidden", "n_sem",
                                                          "n_blank", "n_stim", "n_targets")},
                 "envelope": None, "seeds": [0], "n_per_type": 4, "lexicon_seed": 3,
                 "training": {"target_window": [[0, 2], [3, 5]], "blank_targets": True,
                              "semantics": "m.npy", "max_epochs": 5}},
                base_dir=tmp_path)
    assert grid.coords["target_window"] == ("0,2", "3,5")
    settings = [p.training_settings() for p in grid.points()]
    assert [s.target_window for s in settings] == [(0, 2), (3, 5)]
    assert all(s.blank_targets and s.semantics is not None for s in settings)
    plain = Grid({"envelope": None, "seeds": [0], "training": {"max_epochs": 5}})
    assert "target_window" not in plain.points()[0].training       # earlier keys kept
    with pytest.raises(ValueError, match="target_window must be None or"):
        Grid({"envelope": None, "seeds": [0], "training": {"target_window": [0, 2]}})
