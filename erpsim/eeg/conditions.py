"""EEG condition names matched to model conditions through a documented vocabulary.

MNE names conditions with ``/``-separated tags (``"Word/first"``; after a BrainVision
round trip ``"Comment/Word/first"``). :func:`match_conditions` reads each tag,
case-insensitively, and recognises

- an **item type** through :data:`ITEM_TYPE_ALIASES` (``word``/``words``/``real``;
  ``acronym``/``acronyms``/``acr``; ``pseudoword``/``pseudo``/``pw``/``nonword-legal``;
  ``illegal``/``illegals``/``nonword-illegal``/``consonant-string``), and
- a **presentation** through :data:`PRESENTATION_ALIASES` (first presentation:
  ``first``/``1``/``1st``/``new``/``initial``; second: ``repeat``/``repeated``/
  ``repetition``/``second``/``2``/``2nd``/``old``).

Within a tag, ``_``, ``-`` and blanks are equivalent; a tag that is not a vocabulary
word as a whole is split at them and its parts are read (``"word_first"``). Tags
outside the vocabulary (``Comment``, ``Stimulus``, ``sub-01``, ...) are ignored, so
prefixes drop out. A name names a model condition when it yields exactly one item
type and exactly one presentation; two EEG names for one model condition are refused
with the candidates listed.
"""
from __future__ import annotations

import re

from erpsim.eeg.bridge import condition_name

__all__ = ["ITEM_TYPE_ALIASES", "PRESENTATION_ALIASES", "parse_eeg_condition",
           "match_conditions"]

#: Spellings (lower case, ``-`` for any separator) of each model item type.
ITEM_TYPE_ALIASES = {
    "word": ("word", "words", "real", "real-word", "realword"),
    "acronym": ("acronym", "acronyms", "acr", "acro"),
    "pseudoword": ("pseudoword", "pseudowords", "pseudo", "pseudo-word", "pw",
                   "nonword-legal", "legal-nonword"),
    "illegal": ("illegal", "illegals", "illegal-string", "nonword-illegal",
                "illegal-nonword", "consonant-string", "ill"),
}
#: Spellings of each presentation (1 = first, 2 = repeated).
PRESENTATION_ALIASES = {
    1: ("first", "1", "1st", "new", "initial", "first-presentation"),
    2: ("repeat", "repeated", "repetition", "second", "2", "2nd", "old",
        "second-presentation"),
}
_TYPE_OF = {a: t for t, names in ITEM_TYPE_ALIASES.items() for a in names}
_PRES_OF = {a: p for p, names in PRESENTATION_ALIASES.items() for a in names}


def _norm(tag):
    return re.sub(r"[\s_\-]+", "-", str(tag).strip().lower()).strip("-")


def _tag_words(tag):
    """The vocabulary words of one tag: the tag itself if known, else its parts. A digit
    counts as a presentation only in a tag of known words (``word-2``), not beside an
    unknown word (``sub-2``, ``run-1``: a participant or run label)."""
    tag = _norm(tag)
    if tag in _TYPE_OF or tag in _PRES_OF:
        return [tag]
    parts = tag.split("-")
    known = [part for part in parts if part in _TYPE_OF or part in _PRES_OF]
    if len(known) < len(parts):
        known = [part for part in known if not part.isdigit()]
    return known


def parse_eeg_condition(name):
    """The model condition an EEG condition name stands for.

    Parameters
    ----------
    name : str
        An EEG condition name, e.g. ``"Comment/Word/first"``.

    Returns
    -------
    str or None
        ``"word/1"``-style model condition, or None when the name does not yield
        exactly one item type and one presentation.

    Examples
    --------
    >>> parse_eeg_condition("Comment/Words/repeated")
    'word/2'
    >>> parse_eeg_condition("Stimulus/S  1") is None
    True
    """
    words = [w for tag in str(name).split("/") for w in _tag_words(tag)]
    types = {_TYPE_OF[w] for w in words if w in _TYPE_OF}
    press = {_PRES_OF[w] for w in words if w in _PRES_OF}
    if len(types) != 1 or len(press) != 1:
        return None
    return condition_name(types.pop(), press.pop())


def match_conditions(model_conditions, eeg_names):
    """Map model conditions to EEG condition names by the vocabulary.

    Parameters
    ----------
    model_conditions : iterable of str
        Model conditions (``"word/1"``, ...), in the order wanted.
    eeg_names : iterable of str
        Condition names the EEG offers (Evoked comments, Epochs event names, Raw
        annotation descriptions).

    Returns
    -------
    dict
        ``{model_condition: eeg_name}`` for every model condition with exactly one
        EEG name (conditions without one are left out).

    Raises
    ------
    ValueError
        If a model condition matches several EEG names (the candidates are listed).
    """
    found = {}
    for name in dict.fromkeys(str(n) for n in eeg_names):
        mc = parse_eeg_condition(name)
        if mc is not None:
            found.setdefault(mc, []).append(name)
    ambiguous = {mc: names for mc, names in found.items() if len(names) > 1}
    if ambiguous:
        listed = "; ".join(f"{mc}: {names}" for mc, names in ambiguous.items())
        raise ValueError(f"ambiguous EEG condition names ({listed}); pass an explicit "
                         "mapping, e.g. conditions={'word/1': 'Word/first', ...} or "
                         "--conditions word/1=Word/first ...")
    return {mc: found[mc][0] for mc in model_conditions if mc in found}
