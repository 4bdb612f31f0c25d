import string

import numpy as np
import pytest

from erpsim.model.coding import BinaryCoding, LetterCoding, OneHotCoding, get_coding


def test_binary_codes_of_a_and_z():
    coding = BinaryCoding()
    assert coding.n_slots == 3 and coding.units_per_slot == 5 and coding.n_units == 15
    codes = coding.encode(["aaa", "zzz"])
    assert codes[0, :5].tolist() == [0, 0, 0, 0, 1]
    assert codes[1, :5].tolist() == [1, 1, 0, 1, 0]


def test_binary_codes_are_the_letter_index_msb_first():
    coding = BinaryCoding(n_slots=1)
    bits = coding.encode(list(string.ascii_lowercase))
    values = bits @ (2 ** np.arange(4, -1, -1))
    assert values.tolist() == list(range(1, 27))


def test_slots_are_laid_out_in_order():
    codes = BinaryCoding().encode("abc")[0]
    assert codes.tolist() == [0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1]


@pytest.mark.parametrize("coding", [BinaryCoding(n_slots=1), OneHotCoding(n_slots=1)])
def test_all_letters_round_trip_and_are_distinct(coding):
    letters = list(string.ascii_lowercase)
    bits = coding.encode(letters)
    assert bits.dtype == np.float64 and set(np.unique(bits)) <= {0.0, 1.0}
    assert len({row.tobytes() for row in bits}) == 26
    assert coding.decode(bits) == letters


@pytest.mark.parametrize("coding", [BinaryCoding(n_slots=4), OneHotCoding(n_slots=4)])
def test_random_strings_round_trip(coding):
    rng = np.random.default_rng(0)
    strings = ["".join(rng.choice(list(string.ascii_lowercase), 4)) for _ in range(50)]
    bits = coding.encode(strings)
    assert bits.shape == (50, coding.n_units)
    assert coding.decode(bits) == strings


def test_encode_is_case_insensitive_and_accepts_one_string():
    coding = BinaryCoding()
    assert np.array_equal(coding.encode("FBI"), coding.encode(["fbi"]))
    assert coding.encode("cat").shape == (1, 15)
    assert coding.decode(coding.encode("DVD")[0]) == ["dvd"]


def test_decode_thresholds_at_one_half():
    coding = BinaryCoding()
    noisy = coding.encode("cat") * 0.8 + 0.1  # 1 -> 0.9, 0 -> 0.1
    assert coding.decode(noisy) == ["cat"]


def test_onehot_coding():
    coding = OneHotCoding("abc", n_slots=2)
    assert coding.units_per_slot == 3 and coding.n_units == 6
    assert coding.encode("cA")[0].tolist() == [0, 0, 1, 1, 0, 0]
    assert coding.decode([[0, 1, 0, 0, 0, 1]]) == ["bc"]
    with pytest.raises(ValueError, match="'d'"):
        coding.encode("ad")


def test_get_coding():
    assert isinstance(get_coding(), BinaryCoding)
    assert isinstance(get_coding("binary"), BinaryCoding)
    onehot = get_coding("onehot", n_slots=4)
    assert isinstance(onehot, OneHotCoding) and onehot.n_slots == 4
    custom = OneHotCoding("xyz")
    assert get_coding(custom) is custom
    assert isinstance(custom, LetterCoding)
    with pytest.raises(ValueError, match="'morse'.*binary.*onehot"):
        get_coding("morse")


@pytest.mark.parametrize("bad, match", [
    ("c4t", r"'c4t'.*letter '4'"),
    (["cat", "é"], r"'é'.*length 1.*expects 3"),
    ("caé", r"'caé'.*letter 'é'"),
    ("cats", r"'cats'.*length 4.*expects 3"),
    ([], "empty"),
    (123, "123"),
    (["cat", None], "None.*expected a string"),
    (b"cat", "b'cat'"),
])
def test_encode_errors(bad, match):
    with pytest.raises(ValueError, match=match):
        BinaryCoding().encode(bad)


def test_decode_errors():
    coding = BinaryCoding()
    with pytest.raises(ValueError, match=r"shape \(1, 14\).*15"):
        coding.decode(np.zeros((1, 14)))
    with pytest.raises(ValueError, match="slot 0.*no letter"):
        coding.decode(np.zeros(15))  # 00000 codes no letter
    with pytest.raises(ValueError, match="slot 1.*no letter"):
        coding.decode(np.r_[0, 0, 0, 0, 1, np.ones(5), 0, 0, 0, 0, 1])


def test_constructor_errors():
    with pytest.raises(ValueError, match="n_bits=4"):
        BinaryCoding(n_bits=4)
    with pytest.raises(ValueError, match="n_slots"):
        BinaryCoding(n_slots=0)
    with pytest.raises(ValueError, match="repeats.*'a'"):
        OneHotCoding("aba")
