import importlib.util
import re
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from erpsim.model.coding import BinaryCoding, OneHotCoding
from erpsim.model.lexicon import (ITEM_TYPES, TRAINED_TYPES, Lexicon, load_lexicon,
                                  neighbourhood_sizes)
from erpsim.model.semantics import random_semantics

BUILD_SCRIPT = Path(__file__).resolve().parents[1] / "data" / "build_lexicon.py"
CVC = re.compile(r"[bcdfghjklmnpqrstvwxz][aeiou][bcdfghjklmnpqrstvwxz]")
CONSONANTS = re.compile(r"[bcdfghjklmnpqrstvwxz]{3}")


@pytest.fixture(scope="module")
def lexicon():
    return load_lexicon()


@pytest.fixture(scope="module")
def build():
    spec = importlib.util.spec_from_file_location("build_lexicon", BUILD_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def small_table():
    return pd.DataFrame({"item": ["cat", "dvd", "bup", "xqz"],
                         "type": ["word", "acronym", "pseudoword", "illegal"],
                         "zipf": [4.8, 4.25, 1.83, 0.0],
                         "neighbours": [0, 0, 0, 0]})


# --- the shipped lexicon -------------------------------------------------------------

def test_shipped_lexicon_has_four_types(lexicon):
    counts = pd.Series(lexicon.types).value_counts()
    assert set(counts.index) == set(ITEM_TYPES)
    assert (counts >= 40).all()
    assert len(lexicon) == counts.sum()


def test_shipped_items_are_unique_lowercase_three_letters(lexicon):
    items = lexicon.items
    assert all(re.fullmatch("[a-z]{3}", item) for item in items)
    assert len(set(items)) == len(items)
    assert lexicon.encode().shape == (len(items), 15)


def test_shipped_types_obey_their_letter_patterns(lexicon):
    for item_type, pattern in [("word", CVC), ("pseudoword", CVC),
                               ("acronym", CONSONANTS), ("illegal", CONSONANTS)]:
        items = lexicon.of_type(item_type).items
        assert all(pattern.fullmatch(item) for item in items), item_type


def test_shipped_frequencies(lexicon, build):
    assert (lexicon.of_type("illegal").zipf == 0).all()
    assert (lexicon.of_type("pseudoword").zipf < build.PSEUDOWORD_ZIPF_CEILING).all()
    assert (lexicon.of_type("word").zipf >= build.WORD_ZIPF_FLOOR).all()
    assert (lexicon.trained.zipf > 0).all()
    # frequencies and neighbourhoods vary, for the regressions
    words = lexicon.of_type("word")
    assert np.ptp(words.zipf) > 2 and np.ptp(words.neighbours) >= 3


def test_shipped_neighbourhoods_match_recomputed(lexicon):
    expected = neighbourhood_sizes(lexicon.items, lexicon.trained.items)
    assert np.array_equal(lexicon.neighbours, expected)


@pytest.fixture(scope="module")
def rebuilt(build):
    return build.build_lexicon()  # in memory; the shipped file is not touched


def test_build_is_deterministic(build, rebuilt):
    pd.testing.assert_frame_equal(build.build_lexicon().table, rebuilt.table)
    assert len(rebuilt) == 4 * build.N_PER_TYPE


def test_build_reproduces_the_shipped_file(build, rebuilt, lexicon):
    if version("wordfreq") != build.BUILT_WITH_WORDFREQ:
        pytest.skip(f"lexicon.csv was built with wordfreq {build.BUILT_WITH_WORDFREQ}")
    pd.testing.assert_frame_equal(rebuilt.table, lexicon.table)


# --- the Lexicon class ---------------------------------------------------------------

def test_trained_and_of_type_keep_table_order(lexicon):
    trained = lexicon.trained
    assert set(trained.types) == set(TRAINED_TYPES)
    mask = np.isin(lexicon.types, TRAINED_TYPES)
    assert trained.items.tolist() == lexicon.items[mask].tolist()
    words = lexicon.of_type("word")
    assert words.items.tolist() == lexicon.items[lexicon.types == "word"].tolist()
    with pytest.raises(ValueError, match="'nonword'"):
        lexicon.of_type("nonword")


def test_subset_is_deterministic_for_a_seed(lexicon):
    a, b = lexicon.subset(3, rng=7), lexicon.subset(3, rng=7)
    assert a.items.tolist() == b.items.tolist()
    assert (pd.Series(a.types).value_counts() == 3).all() and len(a) == 12
    assert lexicon.subset(3, rng=8).items.tolist() != a.items.tolist()
    order = {item: k for k, item in enumerate(lexicon.items)}
    assert [order[i] for i in a.items] == sorted(order[i] for i in a.items)
    with pytest.raises(ValueError, match="1000.*'word'"):
        lexicon.subset(1000, rng=0)


def test_table_is_a_copy_and_repr_counts_types(lexicon):
    table = lexicon.table
    table.loc[0, "item"] = "zzz"
    assert lexicon.items[0] != "zzz"
    assert "50 word" in repr(lexicon) and "50 illegal" in repr(lexicon)


def test_items_are_lowercased_and_extra_columns_kept():
    table = small_table().assign(item=["CAT", "DVD", "bup", "xqz"], note=list("abcd"))
    lex = Lexicon(table)
    assert lex.items.tolist() == ["cat", "dvd", "bup", "xqz"]
    assert lex.table["note"].tolist() == list("abcd")


def test_encode_with_another_coding():
    lex = Lexicon(small_table())
    assert np.array_equal(lex.encode(), BinaryCoding().encode(lex.items))
    assert lex.encode("onehot").shape == (4, 78)
    with pytest.raises(ValueError, match="'cat'"):
        lex.encode(OneHotCoding("bpuxqzdv"))


def test_user_csv_round_trip(tmp_path):
    table = small_table().assign(item=["cat", "nan", "bup", "xqz"], extra=[1, 2, 3, 4])
    path = tmp_path / "mine.csv"
    Lexicon(table).to_csv(path)
    assert not [p for p in tmp_path.iterdir() if p.name != "mine.csv"]  # no temp left
    back = load_lexicon(path)
    pd.testing.assert_frame_equal(back.table, Lexicon(table).table)
    assert back.items[1] == "nan"  # a string, not a missing value


def test_user_csv_with_longer_items(tmp_path):
    path = tmp_path / "four.csv"
    pd.DataFrame({"item": ["cats", "bups"], "type": ["word", "pseudoword"],
                  "zipf": [4.0, 0.0], "neighbours": [0, 0]}).to_csv(path, index=False)
    assert load_lexicon(path).encode().shape == (2, 20)


def test_load_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="absent.csv"):
        load_lexicon(tmp_path / "absent.csv")

    def write(table):
        path = tmp_path / "bad.csv"
        table.to_csv(path, index=False)
        return path

    with pytest.raises(ValueError, match="bad.csv.*missing column.*'neighbours'"):
        load_lexicon(write(small_table().drop(columns="neighbours")))
    with pytest.raises(ValueError, match="unknown item type.*'nonword'"):
        load_lexicon(write(small_table().replace({"illegal": "nonword"})))
    with pytest.raises(ValueError, match="cannot encode.*'c4t'"):
        load_lexicon(write(small_table().replace({"cat": "c4t"})))
    with pytest.raises(ValueError, match="cannot encode.*'cats'"):
        load_lexicon(write(small_table().replace({"dvd": "cats"})))
    with pytest.raises(ValueError, match="duplicate.*'cat'"):
        load_lexicon(write(small_table().replace({"dvd": "CAT"})))
    with pytest.raises(ValueError, match="zipf.*'bup'"):
        load_lexicon(write(small_table().replace({1.83: np.nan})))
    with pytest.raises(ValueError, match="neighbours.*'xqz'"):
        load_lexicon(write(small_table().assign(neighbours=[0, 0, 0, 1.5])))


# --- neighbourhoods and semantics ----------------------------------------------------

def test_neighbourhood_sizes():
    reference = ["cat", "cot", "cut", "bat", "cab", "cats", "dog", "cat"]
    sizes = neighbourhood_sizes(["cat", "CAT", "cit", "dig", "cats", "xyz"], reference)
    # cat: cot cut bat cab (itself and the 4-letter cats never count; duplicates once)
    assert sizes.tolist() == [4, 4, 3, 1, 0, 0]
    assert sizes.dtype == np.int64
    assert neighbourhood_sizes("dot", reference).tolist() == [2]
    with pytest.raises(ValueError, match="None"):
        neighbourhood_sizes(["cat", None], reference)


def test_random_semantics_properties():
    patterns = random_semantics(100, rng=0)
    assert patterns.shape == (100, 50) and patterns.dtype == np.float64
    assert set(np.unique(patterns)) == {0.0, 1.0}
    assert (patterns.sum(axis=1) == 5).all()
    assert len({row.tobytes() for row in patterns}) == 100
    assert patterns.sum(axis=0).min() < patterns.sum(axis=0).max()  # not one fixed set


def test_random_semantics_seeds():
    assert np.array_equal(random_semantics(20, rng=1), random_semantics(20, rng=1))
    assert not np.array_equal(random_semantics(20, rng=1), random_semantics(20, rng=2))
    generator = np.random.default_rng(3)
    assert np.array_equal(random_semantics(5, rng=generator),
                          random_semantics(5, rng=np.random.default_rng(3)))


def test_random_semantics_uses_every_pattern_when_it_must():
    patterns = random_semantics(6, n_features=4, n_active=2, rng=0)  # all C(4, 2)
    assert len({row.tobytes() for row in patterns}) == 6
    assert (patterns.sum(axis=1) == 2).all()


@pytest.mark.parametrize("args, match", [
    ((7, 4, 2), "7 distinct.*only 6"),
    ((3, 4, 5), "n_active=5 exceeds n_features=4"),
    ((-1, 50, 5), "n_items"),
    ((2.5, 50, 5), "n_items"),
])
def test_random_semantics_errors(args, match):
    with pytest.raises(ValueError, match=match):
        random_semantics(*args)


# --- messages that name the file, line and item (issue #12, case 5) ------------------

def _write_bytes(tmp_path, data, name="lex.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_an_empty_item_is_named_with_its_line(tmp_path):
    path = _write_bytes(tmp_path, b"item,type,zipf,neighbours\ncat,word,5,3\n,word,4,2\n")
    with pytest.raises(ValueError) as err:
        load_lexicon(path)
    assert str(err.value) == f"{path}: empty item on line(s) 3; every row needs an item"
    with pytest.raises(ValueError, match=r"empty item on row\(s\) 1"):
        Lexicon(small_table().replace({"dvd": "  "}))


def test_mixed_lengths_name_every_length_not_only_the_minority(tmp_path):
    path = _write_bytes(tmp_path, b"item,type,zipf,neighbours\ncats,word,5,3\ndogs,word,4,2\n"
                                  b"\nbird,word,4,2\ncat,word,4,1\n")
    with pytest.raises(ValueError) as err:
        load_lexicon(path)
    message = str(err.value)
    assert message.startswith(f"{path}: the letter coding cannot encode lexicon items of "
                              "different lengths (3 letters: 'cat' (line 6); 4 letters: "
                              "'cats' (line 2), 'dogs' (line 3), 'bird' (line 5))")
    # with a given coding, the items that do not fit it are the culprits
    with pytest.raises(ValueError, match=r"cannot encode lexicon item\(s\) 'cats' \(line 2\)"):
        load_lexicon(path, coding=BinaryCoding())


def test_bad_encoding_names_the_file_and_line(tmp_path):
    path = _write_bytes(tmp_path, b"item,type,zipf,neighbours\ncat,word,5,3\ncaf\xe9,word,4,2\n")
    with pytest.raises(ValueError) as err:
        load_lexicon(path)
    assert str(err.value) == (f"{path}: line 3 is not UTF-8 text (byte 0xe9); save the file "
                              "as UTF-8")


@pytest.mark.parametrize("data, message", [
    (b"", "the file is empty; expected a CSV with the header line item,type,zipf,neighbours"),
    (b"\n  \n", "the file is empty"),
    (b"item,type,zipf,neighbours\n", "the lexicon has no items (only a header line)"),
])
def test_empty_files_are_named(tmp_path, data, message):
    path = _write_bytes(tmp_path, data)
    with pytest.raises(ValueError) as err:
        load_lexicon(path)
    assert str(err.value).startswith(f"{path}: {message}")


def test_bad_values_name_their_lines(tmp_path):
    path = _write_bytes(tmp_path, b"item,type,zipf,neighbours\ncat,word,5,3\ndog,word,x,2\n"
                                  b"cat,word,1,1\n")
    with pytest.raises(ValueError, match=r"duplicate lexicon item\(s\) 'cat' \(line 2\), "
                                         r"'cat' \(line 4\)"):
        load_lexicon(path)
    path = _write_bytes(tmp_path, b"item,type,zipf,neighbours\ncat,word,5,3\ndog,noun,x,2\n")
    with pytest.raises(ValueError, match=r"unknown item type\(s\) 'noun' for item\(s\) 'dog' "
                                         r"\(line 3\)"):
        load_lexicon(path)
    path = _write_bytes(tmp_path, b"item,type,zipf,neighbours\ncat,word,5,3\ndog,word,x,2\n")
    with pytest.raises(ValueError, match=r"zipf .* 'dog' \(line 3\)"):
        load_lexicon(path)


def test_shipped_lexicon_still_loads_with_line_mapping():
    lexicon = load_lexicon()
    assert len(lexicon) == 200 and lexicon.coding == BinaryCoding()
