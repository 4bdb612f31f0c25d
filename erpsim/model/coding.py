"""Letter codings: map fixed-length letter strings to binary input vectors.

A coding has ``n_slots`` letter positions of ``units_per_slot`` units each; a string
of ``n_slots`` letters becomes one row of ``n_units = n_slots * units_per_slot``
zeros and ones, slot by slot (slot 0 first). The default is the model's
:class:`BinaryCoding` (3 slots x 5 bits, a = 00001 ... z = 11010).
"""
import numpy as np

ALPHABET = "abcdefghijklmnopqrstuvwxyz"


class LetterCoding:
    """Base class of the letter codings.

    Subclasses set ``alphabet``, ``n_slots`` and the letter table ``codes``
    (shape ``(len(alphabet), units_per_slot)``, row ``i`` the code of
    ``alphabet[i]``); encoding and decoding are shared.

    Attributes
    ----------
    alphabet : str
        The letters the coding accepts (lowercase; input is case-insensitive).
    n_slots : int
        Letters per string.
    units_per_slot : int
        Units coding one letter.
    n_units : int
        ``n_slots * units_per_slot``, the width of an encoded string.
    codes : numpy.ndarray, shape (len(alphabet), units_per_slot)
        The 0/1 code of each letter.
    """

    def __init__(self, alphabet, n_slots, codes):
        if not isinstance(n_slots, (int, np.integer)) or n_slots < 1:
            raise ValueError(f"n_slots must be a positive integer, got {n_slots!r}")
        self.alphabet = alphabet
        self.n_slots = int(n_slots)
        self.codes = np.asarray(codes, dtype=np.float64)
        self.codes.setflags(write=False)
        self.units_per_slot = self.codes.shape[1]
        self.n_units = self.n_slots * self.units_per_slot
        self._index = {letter: i for i, letter in enumerate(alphabet)}
        self._lookup = {tuple(row): letter for letter, row in zip(alphabet, self.codes)}

    def __repr__(self):
        return (f"{type(self).__name__}(n_slots={self.n_slots}, "
                f"units_per_slot={self.units_per_slot}, alphabet={self.alphabet!r})")

    def __eq__(self, other):
        return (type(self) is type(other) and self.alphabet == other.alphabet
                and self.n_slots == other.n_slots
                and np.array_equal(self.codes, other.codes))

    def _letter_indices(self, string):
        """Alphabet indices of one string's letters; ValueError if it cannot be coded."""
        if not isinstance(string, str):
            raise ValueError(f"cannot encode {string!r}: expected a string, "
                             f"got {type(string).__name__}")
        if len(string) != self.n_slots:
            raise ValueError(f"cannot encode {string!r}: it has length {len(string)}, "
                             f"the coding expects {self.n_slots} letters")
        lowered = string.lower()
        for letter in lowered:
            if letter not in self._index:
                raise ValueError(f"cannot encode {string!r}: letter {letter!r} is not "
                                 f"in the alphabet {self.alphabet!r}")
        return [self._index[letter] for letter in lowered]

    def can_encode(self, string):
        """Return True if ``string`` is a string this coding can encode."""
        try:
            self._letter_indices(string)
        except ValueError:
            return False
        return True

    def encode(self, strings):
        """Encode letter strings as binary unit patterns.

        Parameters
        ----------
        strings : str or sequence of str
            One string or a non-empty sequence of strings, each ``n_slots`` letters
            of the alphabet (case-insensitive).

        Returns
        -------
        numpy.ndarray, shape (n_strings, n_units), float64
            Zeros and ones; row ``k`` is ``strings[k]``, slot 0 first.

        Raises
        ------
        ValueError
            For an empty batch, a non-string, a string of the wrong length or a letter
            outside the alphabet (the message names the string and the letter).
        """
        if isinstance(strings, str):
            strings = [strings]
        elif isinstance(strings, (bytes, dict)) or not hasattr(strings, "__iter__"):
            raise ValueError(f"cannot encode {strings!r}: expected a string or a "
                             "sequence of strings")
        strings = list(strings)
        if not strings:
            raise ValueError("cannot encode an empty batch of strings")
        indices = np.array([self._letter_indices(s) for s in strings], dtype=np.intp)
        return self.codes[indices].reshape(len(strings), self.n_units)

    def decode(self, bits):
        """Decode unit patterns back to strings (inverse of :meth:`encode`).

        Parameters
        ----------
        bits : array_like, shape (n_units,) or (n_strings, n_units)
            Unit activations; values above 0.5 count as on.

        Returns
        -------
        list of str
            One lowercase string per row.

        Raises
        ------
        ValueError
            If the width is not ``n_units`` or a slot's pattern is no letter's code.
        """
        bits = np.asarray(bits, dtype=np.float64)
        if bits.ndim == 1:
            bits = bits[np.newaxis, :]
        if bits.ndim != 2 or bits.shape[1] != self.n_units:
            raise ValueError(f"cannot decode bits of shape {bits.shape}: expected "
                             f"(n_strings, {self.n_units}) for {self!r}")
        on = (bits > 0.5).astype(np.float64)
        slots = on.reshape(len(on), self.n_slots, self.units_per_slot)
        strings = []
        for row, pattern in enumerate(slots):
            letters = []
            for slot, code in enumerate(pattern):
                letter = self._lookup.get(tuple(code))
                if letter is None:
                    raise ValueError(f"cannot decode row {row}, slot {slot}: pattern "
                                     f"{code.astype(int).tolist()} is no letter's code")
                letters.append(letter)
            strings.append("".join(letters))
        return strings


class BinaryCoding(LetterCoding):
    """Each letter is its 1-based alphabet index in binary (a = 00001 ... z = 11010).

    The model's default input coding (docs/model.md §2): most significant bit first, so
    all 26 letters are distinct and no letter is all zeros.

    Parameters
    ----------
    n_slots : int
        Letters per string (default 3, giving 15 input units).
    n_bits : int
        Units per letter (default 5, the fewest that code 26 letters).
    """

    def __init__(self, n_slots=3, n_bits=5):
        if not isinstance(n_bits, (int, np.integer)) or 2 ** n_bits <= len(ALPHABET):
            raise ValueError(f"n_bits={n_bits!r} cannot code {len(ALPHABET)} letters "
                             "(need an integer >= 5)")
        self.n_bits = int(n_bits)
        powers = 2 ** np.arange(self.n_bits - 1, -1, -1)
        index = np.arange(1, len(ALPHABET) + 1)
        codes = (index[:, np.newaxis] // powers) % 2
        super().__init__(ALPHABET, n_slots, codes)

    def __repr__(self):
        return f"BinaryCoding(n_slots={self.n_slots}, n_bits={self.n_bits})"


class OneHotCoding(LetterCoding):
    """Each letter switches on one unit of its slot (one unit per alphabet letter).

    Parameters
    ----------
    alphabet : str
        The distinct letters coded (lowercase after normalising); a reduced alphabet
        gives a smaller input layer.
    n_slots : int
        Letters per string (default 3).
    """

    def __init__(self, alphabet=ALPHABET, n_slots=3):
        if not isinstance(alphabet, str) or not alphabet:
            raise ValueError(f"alphabet must be a non-empty string, got {alphabet!r}")
        alphabet = alphabet.lower()
        repeated = sorted({c for c in alphabet if alphabet.count(c) > 1})
        if repeated:
            raise ValueError(f"alphabet {alphabet!r} repeats letters {repeated}")
        super().__init__(alphabet, n_slots, np.eye(len(alphabet)))

    def __repr__(self):
        return f"OneHotCoding(alphabet={self.alphabet!r}, n_slots={self.n_slots})"


CODINGS = {"binary": BinaryCoding, "onehot": OneHotCoding}


def get_coding(spec=None, n_slots=3):
    """Return a letter coding from a name, or pass a coding through.

    Parameters
    ----------
    spec : None, str or LetterCoding
        ``None`` or ``"binary"``: :class:`BinaryCoding`; ``"onehot"``:
        :class:`OneHotCoding` over a-z; a :class:`LetterCoding` is returned unchanged.
    n_slots : int
        Letters per string for a named coding (default 3).

    Returns
    -------
    LetterCoding

    Raises
    ------
    ValueError
        For any other ``spec`` (the message lists the choices).
    """
    if isinstance(spec, LetterCoding):
        return spec
    if spec is None:
        spec = "binary"
    if isinstance(spec, str) and spec.lower() in CODINGS:
        return CODINGS[spec.lower()](n_slots=n_slots)
    raise ValueError(f"unknown letter coding {spec!r}; choose one of "
                     f"{sorted(CODINGS)} or pass a LetterCoding")
