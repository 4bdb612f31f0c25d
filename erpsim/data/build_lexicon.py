"""Build erpsim's default lexicon, ``data/lexicon.csv``.

Run ``python data/build_lexicon.py`` (``--out PATH`` writes elsewhere). The output is
deterministic for a given wordfreq version and is written atomically. Built with
wordfreq 3.1.1 (``zipf_frequency(item, "en")``, the "large" English list); another
wordfreq version may shift frequencies and hence the sampled items.

The lexicon has 50 three-letter items of each of four types (lowercase), each with
its wordfreq Zipf frequency (0 for strings wordfreq does not know) and its
orthographic neighbourhood size against the trained set (words + acronyms of this
lexicon; strings differing in exactly one position). Letters are split into vowels
(a e i o u) and 20 consonants (all other letters but y; no item contains y).

word
    Consonant-vowel-consonant English words from the hand-checked list ``WORDS``
    (common nouns, verbs and adjectives; no names, abbreviations, foreign words,
    interjections, slang, taboo words or closed-class words such as *his*, *but*,
    *can*; no final *w*, since *-aw/-ew/-ow* spell vowels), kept if
    ``zipf >= WORD_ZIPF_FLOOR`` (3.0, one per million words). 10 words are drawn
    from each Zipf band in ``WORD_ZIPF_BANDS`` ([3, 3.5), [3.5, 4), [4, 4.5),
    [4.5, 5), [5, inf)) with seed ``SEEDS["word"]``, so frequency spans the range
    evenly; neighbourhood size varies with the draw.
acronym
    All-consonant initialisms read letter by letter, from the hand-checked list
    ``ACRONYMS`` (organisations, media, technology, units; no interjections such as
    *hmm*, *shh*, *brr*, *nth*, no chat abbreviations, no abbreviations read as
    words such as *mrs*, *ltd*). The 50 with the highest Zipf frequency are kept
    (ties broken alphabetically).
pseudoword
    Consonant-vowel-consonant strings that are not in ``WORDS``, whose onset+vowel
    and vowel+coda letter pairs both occur in ``WORDS`` (so they are spelled like
    English words), and whose Zipf frequency is below ``PSEUDOWORD_ZIPF_CEILING``
    (2.0, under 0.1 per million words). Zipf 0 cannot be required: wordfreq's large
    list knows 1,776 of the 2,000 CVC letter strings (names, abbreviations, typos),
    and of its 224 unknown ones only *jix* and *wox* pass the spelling check. All
    candidates with at least one trained neighbour are preferred; 50 are drawn with
    seed ``SEEDS["pseudoword"]`` (if fewer than 50 have a neighbour, all of them are
    kept and the rest drawn from those without).
illegal
    Three consonants with Zipf 0 (so neither a word nor an acronym wordfreq knows,
    and not in ``ACRONYMS``); 50 drawn with seed ``SEEDS["illegal"]``.

Frequencies come from wordfreq (Robyn Speer, 2022, doi:10.5281/zenodo.7199437), whose
data are licensed CC-BY-SA 4.0; see data/README.md and docs/lexicon.md.
"""
import argparse
import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
from wordfreq import zipf_frequency

try:
    from erpsim.model.lexicon import ITEM_TYPES, TRAINED_TYPES, Lexicon, neighbourhood_sizes
except ImportError:  # run from a source checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from erpsim.model.lexicon import ITEM_TYPES, TRAINED_TYPES, Lexicon, neighbourhood_sizes

VOWELS = "aeiou"
CONSONANTS = "bcdfghjklmnpqrstvwxz"  # no y
N_PER_TYPE = 50
WORD_ZIPF_FLOOR = 3.0
WORD_ZIPF_BANDS = (3.0, 3.5, 4.0, 4.5, 5.0, np.inf)
PSEUDOWORD_ZIPF_CEILING = 2.0
SEEDS = {"word": 2012, "pseudoword": 2013, "illegal": 2014}
BUILT_WITH_WORDFREQ = "3.1.1"

WORDS = """
bad bag ban bar bat bed beg bet bid big bin bit bop box bud bug bun bus cab cad cap
car cat cob cod cog con cop cot cub cup cut dab dad dam den dig dim din dip dog dot
dub dug fan far fat fax fed fig fin fir fit fix fob fog fox fun fur gag gap gas gel
gem get gig gin god got gum gun gut hat hem hen hex hid hip hit hog hop hot hub hug
hum hut jab jag jam jar jet jig job jog jug keg kid kin kit lab lad lag lap lax led
leg let lid lip lit log lot lug mad man map mat met men mid mix mob mom mop mud mug
nab nag nap net nib nil nip nit nix nod nun nut pad pal pan pat peg pen pep pet pig
pin pip pit pod pop pot pox pub pug pun pup pus put rag ram ran rap rat red rib rid
rig rim rip rob rod rot rub rug rum run rut sad sag sat sax set sin sip sir sit six
sob son sum sun tab tad tag tan tap tar tax ten tic tin tip tot tub tug van vat vet
wad wag wan war wax web wed wet wig win wit won zip
""".split()

ACRONYMS = """
bbc bmw bmx bpm cbd cbs cdc cnn cpr cvs ddt dmv dnc dnd dvd dvr fcc fdr fps ftc ftp
gdp gmc gmt gps hdd hpv jfk jpg kfc kgb lcd llc lsd mgm mlb mlk mms mpg mph msn mtv
mvp nbc nfl nhl npr pbs pdf phd pms pvc rgb rnc rpg rpm sms snl ssd std tbs thc tlc
tmz tnt vcr vhs vpn wsj www xml
""".split()


def zipf(item):
    """wordfreq Zipf frequency of ``item`` in English (0 if unknown)."""
    return zipf_frequency(item, "en")


def is_cvc(item):
    """True for consonant-vowel-consonant strings (consonants exclude y)."""
    return (len(item) == 3 and item[0] in CONSONANTS and item[1] in VOWELS
            and item[2] in CONSONANTS)


def is_consonants(item):
    """True for three consonants (no vowel, no y)."""
    return len(item) == 3 and all(c in CONSONANTS for c in item)


def pick_words(rng):
    """Stratified draw of ``N_PER_TYPE`` words over ``WORD_ZIPF_BANDS``."""
    pool = pd.DataFrame({"item": sorted(w for w in WORDS if is_cvc(w))})
    pool["zipf"] = pool["item"].map(zipf)
    pool = pool[pool["zipf"] >= WORD_ZIPF_FLOOR]
    bands = pd.cut(pool["zipf"], WORD_ZIPF_BANDS, right=False)
    per_band = N_PER_TYPE // (len(WORD_ZIPF_BANDS) - 1)
    chosen = []
    for _, band in pool.groupby(bands, observed=False):
        if len(band) < per_band:
            raise RuntimeError(f"only {len(band)} words in a Zipf band; need {per_band}")
        chosen += list(rng.choice(band["item"].to_numpy(), per_band, replace=False))
    return sorted(chosen)


def pick_acronyms():
    """The ``N_PER_TYPE`` most frequent all-consonant acronyms of ``ACRONYMS``."""
    pool = sorted((a for a in ACRONYMS if is_consonants(a)), key=lambda a: (-zipf(a), a))
    return sorted(pool[:N_PER_TYPE])


def pick_pseudowords(trained, rng):
    """Draw rare, word-like CVC strings, preferring ones with a trained neighbour."""
    onsets = {w[:2] for w in WORDS}
    rimes = {w[1:] for w in WORDS}
    pool = [c1 + v + c2 for c1 in CONSONANTS for v in VOWELS for c2 in CONSONANTS
            if c1 + v in onsets and v + c2 in rimes]
    pool = np.array([p for p in pool
                     if zipf(p) < PSEUDOWORD_ZIPF_CEILING and p not in trained])
    has_neighbour = neighbourhood_sizes(pool, trained) > 0
    preferred, others = pool[has_neighbour], pool[~has_neighbour]
    if len(preferred) >= N_PER_TYPE:
        return sorted(rng.choice(preferred, N_PER_TYPE, replace=False))
    fill = rng.choice(others, N_PER_TYPE - len(preferred), replace=False)
    return sorted([*preferred, *fill])


def pick_illegal(rng):
    """Draw consonant strings that are neither words nor acronyms."""
    pool = [a + b + c for a in CONSONANTS for b in CONSONANTS for c in CONSONANTS]
    pool = [s for s in pool if zipf(s) == 0 and s not in ACRONYMS]
    return sorted(rng.choice(pool, N_PER_TYPE, replace=False))


def build_lexicon():
    """Build the default lexicon in memory.

    Returns
    -------
    erpsim.lexicon.Lexicon
        200 items (50 per type, types in ``ITEM_TYPES`` order, items alphabetical
        within a type) with columns item, type, zipf, neighbours.
    """
    items = {"word": pick_words(np.random.default_rng(SEEDS["word"])),
             "acronym": pick_acronyms()}
    trained = [item for t in TRAINED_TYPES for item in items[t]]
    items["pseudoword"] = pick_pseudowords(trained,
                                           np.random.default_rng(SEEDS["pseudoword"]))
    items["illegal"] = pick_illegal(np.random.default_rng(SEEDS["illegal"]))
    table = pd.DataFrame([(str(item), t) for t in ITEM_TYPES for item in items[t]],
                         columns=["item", "type"])
    table["zipf"] = table["item"].map(zipf)
    table["neighbours"] = neighbourhood_sizes(table["item"], trained)
    return Lexicon(table)


def main(argv=None):
    """Build the lexicon and write it (default ``data/lexicon.csv``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path,
                        default=Path(__file__).resolve().parent / "lexicon.csv")
    args = parser.parse_args(argv)
    if version("wordfreq") != BUILT_WITH_WORDFREQ:
        print(f"warning: wordfreq {version('wordfreq')} is not {BUILT_WITH_WORDFREQ}; "
              "the items may differ from the shipped lexicon", file=sys.stderr)
    lexicon = build_lexicon()
    lexicon.to_csv(args.out)
    print(f"wrote {args.out}: {lexicon!r}")


if __name__ == "__main__":
    main()
