#!/usr/bin/python3
"""Write the goldens of internal/porter: NLTK's Porter stems of many words.

Command (from the repository root; deterministic, a few seconds):

    /usr/bin/python3 testdata/gen/porter_words.py

Versions the goldens were made with: Debian 12, Python 3.11.2 (/usr/bin/python3),
python3-nltk 3.8 (nltk/stem/porter.py). rouge-score 0.1.2 stems with
nltk.stem.porter.PorterStemmer() and its stem(word), so that is what is recorded:
mode NLTK_EXTENSIONS, to_lowercase=True.

Files written under internal/porter/testdata/:

words.tsv.gz   gzip (mtime 0) of one header line

                   # porter words v1: N words, NLTK 3.8 PorterStemmer().stem, Python 3.11.2

               then N lines "WORD<TAB>STEM", sorted, every WORD distinct and made of
               [a-z0-9] (the empty word included). The words, built below from fixed
               lists and a seeded random.Random:
                 - a vocabulary: a list of common English stems, each with PER_STEM
                   seeded suffixes of SUFFIXES (the suffixes of every Porter rule and
                   common endings), with seeded pairs of suffixes, and with its final
                   e dropped, y made i or consonant doubled before common endings;
                 - the examples of Porter's paper and of NLTK's doc strings;
                 - the irregular pool and words around it;
                 - every string of 1 to 4 letters over SHORT_ALPHABET;
                 - y-heavy words, words with digits, all-digit tokens, double
                   consonants;
                 - seeded random [a-z0-9] strings of length 1 to 15 drawn with English
                   letter frequencies, bare and with suffixes.
other.tsv.gz   gzip (mtime 0) of a header line "# porter other v1: N words" and N lines
               "WORD<TAB>STEM" for words outside [a-z0-9]*: uppercase, punctuation,
               non-ASCII letters (including ones whose lowercase changes length), and
               bytes that are not UTF-8. Both fields are the UTF-8 bytes (invalid ones
               through Python's surrogateescape handler, as the Go package treats them)
               with every byte outside 0x21-0x7e, and the backslash, written as \\xHH.
modes.tsv      "WORD<TAB>NLTK_EXTENSIONS<TAB>MARTIN_EXTENSIONS<TAB>ORIGINAL_ALGORITHM"
               for the words of MODE_WORDS: where NLTK's default mode differs from
               Martin Porter's frozen implementations and from the 1980 paper.
"""

import gzip
import itertools
import os
import random
import re
import string
import sys

import nltk
from nltk.stem.porter import PorterStemmer

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "internal", "porter", "testdata")
SEED = 20240611

# Suffixes for the stems: those of every rule of every step, and common English
# endings. Each stem gets PER_STEM of them, drawn without replacement.
SUFFIXES = """
s es ies ied ed ing ly ily ness ful fully fulness ational tional enci anci izer
bli abli alli entli eli ousli fulli ization ation ator alism iveness ousness aliti
iviti biliti logi logy logies icate ative alize iciti ical al ance ence er ers ic
able ible ably ibly ant ement ment ments ent ion ions sion tion ou ism ate ated
ating iti ity ities ous ive ize ized izing ise e ee eed ll y ally ingly edly
ationally est ier iest ist less lessness hood ward
""".split()
PER_STEM = 22
# Endings also tried after a stem's final e dropped, y turned into i, or final
# consonant doubled.
VARIANT_SUFFIXES = "s ed ing er y ly able ation ness ful e".split()

# Common English stems: verbs, nouns and adjectives of every shape (ending in
# e, y, a double consonant, cvc, vowels, digits of the measure 0 to 4).
STEMS = """
able accept access accord account achieve act adapt add address adjust admire
admit adopt advance advise affect afford agree aim alarm allow alter amaze
analog analyse analyze announce annoy answer apologize appear apply appoint
approve argue arrange arrive art ask assist assume attach attack attempt attend
attract avoid awake bake balance ban bang bar base bat bathe battle beam bear
beat beauty beg begin behave believe belong bend bet bid bind bite bleed bless
blind block blow boast boil bomb book bore borrow bounce bow box brake branch
breathe bribe brief bright bring broad brush bubble build bump burn bury buzz
calculate call calm camp cancel care carry carve cause cease celebrate chain
challenge change charge chase cheat check cheer chew child choke chop claim
clap class clean clear clip close coach coil collect colour comb combine come
comfort command commun compare compete complain complete compute concern
condition conduct confess conform confuse connect consider consist contain
continue control cook copy correct cough count cover crack crash crawl create
critic cross crowd crush cry cure curl curve cycle dam damage dance dare day
deal decay deceive decide decorate defend define delay delight deliver demand
depend describe deserve desire destroy detect develop die differ digit direct
disagree disappear disarm discover dislike divide double doubt drag drain draw
dream dress drip drive drop drown drum dry dust earn educate effect elect
electr embarrass employ empty encourage end enjoy enter entertain equal escape
examine excite excuse exercise exist expand expect explain explode extend face
fade fail fancy fasten fax fear feed feel fence fetch file fill film final find
fire fit fix flap flash flee float flood flow flower fly fold follow fool force
form formal found frame free friend frighten fry fuel function gain gather gaze
general generate gentle glow glue govern grab grate grease greet grin grip groan
grow guarantee guard guess guide hammer hand handle hang happen happy harm hate
haunt head heal heap hear heat help hesitate hide hire hit hold hook hop hope
hover hug hum hunt hurry hurt identify ignore imagine impress improve include
increase influence inform inject injure instruct intend interest interfere
interrupt introduce invent invite irritate itch jail jam jog join joke judge
juggle jump keep kick kill kiss kneel knit knock knot label land last laugh
launch lay lead learn level license lick lie lift light like limp list listen
live load lock long look love mail make man manage march mark marry match mate
matter measure meddle melt memorise mend milk mine miss mix moan modern moor
motor mourn move mug multiply murder nail name nation native nature near need
nest nod note notice number obey object observe obtain occur offend offer open
operate order organ organize own pack paddle paint park part pass pat pause peck
pedal peel peep perform permit person phone pick pinch pine place plan plant
plaster play plead please plug point poke polish pop possess post pour practise
pray preach precede prefer prepare present preserve press pretend prevent prick
print produce profession program promise protect provide pull pump punch
puncture punish push question queue quicken quiet race radiate radical rain
raise rate rational reach read realize receive recognize record reduce reflect
refuse regret reign reject rejoice relate relax release rely remain remember
remind remove repair repeat replace reply report represent request rescue
retire return revive rhyme rinse risk rob rock roll rot rub ruin rule run rush
sack sail satisfy save saw scare scatter scold scorch scrape scratch scream
screw scribble scrub seal search sense separate serve settle shade share shave
shelter shiver shock shop shrug sigh sign signal sin sing sip sit ski skip slap
sleep slip slow smash smell smile smoke snatch sneeze sniff snore snow soak
soothe sound spare spark sparkle speak spell spill spoil spot spray sprout
squash squeak squeal squeeze stain stamp stand stare start stay steer step stir
stitch stop store strap strengthen stretch strip stroke stuff subtract succeed
suck suffer suggest suit supply support suppose surprise surround suspect
suspend swim switch talk tame tap taste teach tease telephone tempt tend terrify
test thank thaw tick tickle tie time tip tire touch tour tow trace trade train
transport trap travel treat tremble trick trip trot trouble trust try tug tumble
turn twist type undress unfasten unite unlock unpack untidy use vanish visit
vote wail wait walk wander want warm warn wash waste watch water wave weigh
welcome whine whip whirl whisper whistle wink wipe wish wobble wonder work worry
wrap wreck wrestle wriggle yawn yell zip zoom
""".split()

# Examples from Porter's paper and from NLTK's doc strings, and words whose stem
# shows a rule at work.
EXAMPLES = """
caresses ponies ties caress cats feed agreed plastered bled motoring sing
conflated troubled sized hopping tanned falling hissing fizzed failing filing
happy sky relational conditional rational valenci hesitanci digitizer
conformabli radicalli differentli vileli analogousli vietnamization predication
operator feudalism decisiveness hopefulness callousness formaliti sensitiviti
sensibiliti triplicate formative formalize electriciti electrical hopeful
goodness revival allowance inference airliner gyroscopic adjustable defensible
irritant replacement adjustment dependent adoption homologou communism activate
angulariti homologous effective bowdlerize probate rate cease controll roll
generalizations oscillators trouble troubles private oaten orrery tree trees
ivy by tr ee toy syzygy falafel architecture flies dies spied died cried spy try
enjoy enjoyment days boys eyes nutritionally beautifully archaeology geology
theology philology apology analogously generously conditionally sensationally
emotionally traditionally occasionally additionally exceptionally rationally
originally finally really totally formally normally dying lying tying vying
skies sky news howe proceed proceeded proceeding exceed exceeded exceeding
succeed succeeded succeeding innings inning outings outing cannings canning
owed awed axed eyed ayed oped abed ated bowed rowed mixed boxed flayed played
stayed sayed yes yesterday yoyo yoyos buying paying saying crying drying flying
""".split()

# Words of 1 to 4 letters over this alphabet are all included.
SHORT_ALPHABET = "aeiysldtwng"

# The table of differences between the modes, recorded in modes.tsv.
MODE_WORDS = """
ties dies lies pies died cried spied tied lied days boys eyes keys toys plays
happy enjoy sky spy fly try flies tries cries nutritionally beautifully
carefully hopefully archaeology geology theology biology apology analogies
generously conditionally sensationally emotionally traditionally radically
dying lying tying innings outings cannings news howe proceed exceed succeed
owed ayed abed oped generalization conformabli conformably possibly feed agreed
""".split()

LETTERS = "etaoinshrdlcumwfgypbvkjxqz"
FREQ = [12.7, 9.1, 8.2, 7.5, 7.0, 6.7, 6.3, 6.1, 6.0, 4.3, 4.0, 2.8, 2.8, 2.4, 2.4,
        2.2, 2.0, 2.0, 2.0, 1.5, 1.0, 0.8, 0.15, 0.15, 0.1, 0.07]
DIGITS = "0123456789"


def check_versions():
    if nltk.__version__ != "3.8":
        sys.exit("NLTK %s, want 3.8" % nltk.__version__)
    if sys.version_info[:3] != (3, 11, 2):
        print("warning: Python %s, the goldens were made with 3.11.2" % sys.version.split()[0],
              file=sys.stderr)


def vocabulary(rng):
    words = set()
    for s in STEMS:
        words.add(s)
        for suf in rng.sample(SUFFIXES, PER_STEM):
            words.add(s + suf)
        variants = set()
        if s.endswith("e"):
            variants.add(s[:-1])
        if s.endswith("y"):
            variants.add(s[:-1] + "i")
        if len(s) >= 3 and s[-1] not in "aeiouywx" and s[-2] in "aeiou" and s[-3] not in "aeiou":
            variants.add(s + s[-1])
        for v in sorted(variants):
            for suf in VARIANT_SUFFIXES:
                words.add(v + suf)
        for _ in range(3):
            words.add(s + rng.choice(SUFFIXES) + rng.choice(SUFFIXES))
        words.add(rng.choice(["un", "re", "dis", "over"]) + s + rng.choice(SUFFIXES))
    return words


def short_strings():
    words = set()
    for n in range(1, 5):
        for t in itertools.product(SHORT_ALPHABET, repeat=n):
            words.add("".join(t))
    return words


def y_heavy(rng):
    words = set()
    for n in range(1, 7):
        for t in itertools.product("yab", repeat=n):
            words.add("".join(t))
    for n in range(1, 21):
        words.add("y" * n)
        for suf in ("s", "ed", "ing", "es", "ies", "y", "e", "ly", "ness", "ful"):
            words.add("y" * n + suf)
            words.add("a" + "y" * n + suf)
            words.add("b" + "y" * n + suf)
    for _ in range(1000):
        w = "".join(rng.choice("yyyyaeioubcdlnrst") for _ in range(rng.randint(2, 10)))
        words.add(w)
        words.add(w + rng.choice(SUFFIXES))
    return words


def with_digits(rng):
    words = set("""
        1990s 1980s 80s 90s 3rd 2nd 1st 4th 21st 100th mp3 mp3s mp4 covid19 covid 4x4
        b2b b2c 3d 2d h1n1 5g 4g 4k 8k 1080p 720p x86 x64 64bit 32bit u2 r2d2 c3po
        g7 g20 f16 b52 a380 747s 1a 2b 3c 1s 1ed 1ing 1y 1ies 1es 11s 100s 1000s
        2020s 12ing 3ed 4ly 5ness 6ful 7ation 8ational 9izer 10al 0ment 99ent 7ion
        t1on 5ion 4ies 4ied ab1ed ab1ing a11ing ab11ed 2ll 33ll ab33 abc1y ab1y a1y
        y2k y2ks 9y 99y a9y abba9y
    """.split())
    for n in range(1, 4):
        for t in itertools.product(DIGITS, repeat=n):
            words.add("".join(t))
    for year in range(1900, 2031):
        words.add(str(year))
        words.add(str(year) + "s")
    for _ in range(600):
        words.add("".join(rng.choice(DIGITS) for _ in range(rng.randint(4, 15))))
    for _ in range(1500):
        parts = []
        for _ in range(rng.randint(1, 4)):
            if rng.random() < 0.5:
                parts.append("".join(rng.choice(DIGITS) for _ in range(rng.randint(1, 3))))
            else:
                parts.append("".join(rng.choices(LETTERS, FREQ, k=rng.randint(1, 4))))
        w = "".join(parts)
        words.add(w)
        words.add(w + rng.choice(SUFFIXES))
    return words


def doubles(rng):
    words = set()
    for c in "bcdfghjklmnpqrstvwxz1":
        for v in "aeiou":
            for pre in ("h", "st", "", "contr"):
                base = pre + v + c + c
                for suf in ("", "ed", "ing", "er", "s", "e", "y", "ly", "able"):
                    words.add(base + suf)
    return words


def random_words(rng):
    words = set()
    for _ in range(4000):
        n = rng.randint(1, 15)
        w = "".join(rng.choice(DIGITS) if rng.random() < 0.03 else rng.choices(LETTERS, FREQ)[0]
                    for _ in range(n))
        words.add(w)
    for _ in range(1500):
        n = rng.randint(1, 10)
        w = "".join(rng.choices(LETTERS, FREQ, k=n))
        words.add(w + rng.choice(SUFFIXES))
    return words


def other_words(rng):
    """Words outside [a-z0-9]*, as Python strings (lone surrogates stand for bytes
    that are not UTF-8)."""
    words = set("""
        SKY Sky SKIES Dying NEWS Proceed INNINGS Running HOPPING Caresses TIES DIED
        ab*ded ab*ding x*d **ed a**ed ab*d ab*dd hop-ing hop_ed it's don't U.S.A.
        e-mail co-operation re-entered self-driving naïve café cafés résumé résumés
        über straße STRASSE İstanbul İİİ İa Kelvin \u212aelvin ΣΟΦΙΑ σοφία Σίσυφος
        naïvely façades jalapeños fiancée fiancées piñatas crêpes œuvres
        \u0130ying ab\u0130 aéed aééed aééing ééé éé é
    """.split())
    words.update(["", " ", "  ", "a b", "hop ped", "\x00\x00\x00", "ab\x00ed"])
    chars = (list("aeiouyAEIOUYsSlLdDzZtTwWxXngbcNG*'-._ 19")
             + ["é", "É", "İ", "ß", "Σ", "σ", "ς", "\u212a", "ÿ", "Ÿ", "\u0307", "\ufffd",
                "中", "😀", "ǅ", "ǈ", "Ⱥ", "ı", "\u00a0", "ё", "Ё"]
             + ["\udc80", "\udcff", "\udce9", "\udcc3", "\udcc0", "\udcf5"])
    sufs = ["s", "es", "ies", "ied", "ed", "ing", "ly", "ness", "ful", "fully", "ational",
            "ization", "ement", "ion", "ate", "ive", "e", "ll", "y", "ING", "ED", "S", "Y"]
    for _ in range(800):
        w = "".join(rng.choice(chars) for _ in range(rng.randint(0, 8)))
        words.add(w)
        words.add(w + rng.choice(sufs))
        words.add(rng.choice(["ab", "ho", "tr", "a", "con"]) + w + rng.choice(sufs))
    # Keep only strings that bytes decode back to (surrogateescape is not
    # injective: "\udcc3\udc80" encodes to the UTF-8 of "À"), and no line breaks.
    return {w for w in words
            if w.encode("utf-8", "surrogateescape").decode("utf-8", "surrogateescape") == w}


def escape(b):
    return "".join(chr(c) if 0x21 <= c <= 0x7E and c != 0x5C else "\\x%02x" % c for c in b)


def write_gz(path, lines):
    with open(path, "wb") as f:
        with gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0, compresslevel=9) as g:
            g.write("".join(line + "\n" for line in lines).encode("utf-8"))


def main():
    check_versions()
    rng = random.Random(SEED)
    nltk_stem = PorterStemmer().stem

    words = {""}
    words |= vocabulary(rng)
    words |= set(EXAMPLES) | set(MODE_WORDS)
    words |= short_strings()
    words |= y_heavy(rng)
    words |= with_digits(rng)
    words |= doubles(rng)
    words |= random_words(rng)
    assert all(re.fullmatch("[a-z0-9]*", w) for w in words)
    words = sorted(words)
    lines = ["# porter words v1: %d words, NLTK 3.8 PorterStemmer().stem, Python 3.11.2"
             % len(words)]
    lines += ["%s\t%s" % (w, nltk_stem(w)) for w in words]
    write_gz(os.path.join(OUT, "words.tsv.gz"), lines)

    others = sorted(other_words(rng) - set(words))
    olines = ["# porter other v1: %d words" % len(others)]
    for w in others:
        s = nltk_stem(w)
        olines.append("%s\t%s" % (escape(w.encode("utf-8", "surrogateescape")),
                                  escape(s.encode("utf-8", "surrogateescape"))))
    write_gz(os.path.join(OUT, "other.tsv.gz"), olines)

    modes = [PorterStemmer(m).stem for m in (PorterStemmer.NLTK_EXTENSIONS,
                                              PorterStemmer.MARTIN_EXTENSIONS,
                                              PorterStemmer.ORIGINAL_ALGORITHM)]
    with open(os.path.join(OUT, "modes.tsv"), "w") as f:
        f.write("# word\tNLTK_EXTENSIONS\tMARTIN_EXTENSIONS\tORIGINAL_ALGORITHM\n")
        for w in dict.fromkeys(MODE_WORDS):
            f.write("\t".join([w] + [m(w) for m in modes]) + "\n")

    for name in ("words.tsv.gz", "other.tsv.gz", "modes.tsv"):
        print("%-13s %7d bytes" % (name, os.path.getsize(os.path.join(OUT, name))))
    print("%d words, %d others, %d mode words" % (len(words), len(others), len(MODE_WORDS)))


if __name__ == "__main__":
    main()
