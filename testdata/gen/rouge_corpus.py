#!/usr/bin/env python3
# rouge_corpus.py -- writes the ROUGE conformance corpora under testdata/rouge/corpus/.
#
# What it produces (JSONL, UTF-8, one record per line, see testdata/rouge/README.md):
#   edge.jsonl      hand-written single-reference edge cases (empty and whitespace-only texts,
#                   punctuation only, 1-2 tokens, fewer tokens than n, identical and disjoint
#                   texts, repeated tokens, numbers, case, apostrophes/hyphens/underscores,
#                   non-ASCII: sharp s, accents, dotted capital I, KELVIN SIGN, ligatures,
#                   fullwidth digits, CJK, Devanagari, Thai, combining marks; CR, U+2028, U+0085
#                   inside texts; many newlines, empty and punctuation-only lines for rougeLsum;
#                   words that exercise the Porter stemmer)
#   news.jsonl      100 generated news-like summaries: 1-8 sentences joined with "\n" (sometimes
#                   other layouts), 20-300 tokens, prediction = a noisy copy of the target
#                   (inflections, synonyms, drops, reordering, merged/split lines, new sentences)
#   lsum.jsonl      150 small-vocabulary multi-line pairs (2-4 word types) where the rougeLsum
#                   backtrack tie-break is observable; about half are chosen so that moving in
#                   the candidate on ties (instead of in the reference) changes rougeLsum
#   multiref.jsonl  multi-reference items (2-4 references): hand-written ties in F (the first
#                   index must win), all-zero F, types choosing different references, F values
#                   that are equal in exact arithmetic but differ in the last bit, and generated
#                   news-like items
#   short.jsonl     1000 short pairs (0-25 tokens, some empty, some multi-line) for aggregates
#
# Record format (the input format of `sophia-eval rouge`, which reads "prediction" and "label"
# by default):  {"note": str (edge and multiref only), "prediction": str, "label": str | [str]}
# A string label is one target (rouge-score's score(label, prediction)); a list is several
# targets (score_multi(label, prediction)). Records are written with json.dumps(...,
# ensure_ascii=False), except that U+2028, U+2029 and U+0085 are written as \u escapes.
#
# Deterministic: a seeded random.Random, no network, no third-party text (every word list,
# template and sentence below was written for this file). rouge_crosscheck.py imports the same
# functions to make fresh corpora with other seeds.
#
# Run from the repository root:
#   /usr/bin/python3 testdata/gen/rouge_corpus.py              (writes testdata/rouge/corpus/)
#   /usr/bin/python3 testdata/gen/rouge_corpus.py --out DIR --seed N
# then regenerate the goldens with testdata/gen/rouge_golden.py.
# Versions: written and run with Python 3.11.2 (Debian 12); needs only the standard library.
# The goldens built on these corpora come from rouge-score 0.1.2 (the copy in the first commit of
# github.com/Qcompiler/MixQ_Tensorrt_LLM, folder rouge_score), nltk 3.8, numpy 1.24.2.

import argparse
import json
import os
import random
import re

DEFAULT_SEED = 20260301

# --------------------------------------------------------------------------------------------
# Hand-written single-reference edge cases: (note, prediction, target).
# Escapes are spelled out on purpose.
# --------------------------------------------------------------------------------------------
EDGE = [
    # empty and blank texts
    ("empty prediction", "", "the cat sat on the mat"),
    ("empty target", "the cat sat on the mat", ""),
    ("both empty", "", ""),
    ("whitespace-only prediction", "   \t  ", "only whitespace in the prediction"),
    ("whitespace-only target", "only whitespace in the target", " \t\n \n"),
    ("newlines only vs text", "\n\n\n", "a b c"),
    ("punctuation-only prediction", "...!!! ?? -- ;:", "punctuation only in the prediction"),
    ("punctuation-only target", "the cat", "... --- !!!"),
    ("punctuation-only both", "?!", "..."),
    # very short texts (fewer tokens than n)
    ("one token identical", "cat", "cat"),
    ("one token different", "cat", "dog"),
    ("one token vs two", "cat", "the cat"),
    ("two tokens identical", "big cat", "big cat"),
    ("two tokens swapped", "big cat", "cat big"),
    ("two tokens vs many", "big cat", "a big cat sat on a big mat"),
    ("three tokens vs two", "a big cat", "big cat"),
    ("eight tokens identical", "one two three four five six seven eight",
     "one two three four five six seven eight"),
    ("nine tokens identical", "one two three four five six seven eight nine",
     "one two three four five six seven eight nine"),
    ("ten tokens one change", "one two three four five six seven eight nine ten",
     "one two three four five six seven eight nine eleven"),
    ("nine tokens reversed", "nine eight seven six five four three two one",
     "one two three four five six seven eight nine"),
    # identical and disjoint
    ("identical sentence", "The quick brown fox jumps over the lazy dog.",
     "The quick brown fox jumps over the lazy dog."),
    ("identical multi-line", "First line of the summary.\nSecond line follows here.\nThird.",
     "First line of the summary.\nSecond line follows here.\nThird."),
    ("all different", "apples and oranges grow in warm places",
     "the committee postponed its vote until friday"),
    ("rouge-score docstring example", "The quick brown dog jumps on the log.",
     "The quick brown fox jumps over the lazy dog"),
    # repeated tokens (clipped counts; F last bit)
    ("repeated tokens", "the the the the", "the cat the dog the"),
    ("repeated tokens reversed", "the cat the dog the", "the the the the"),
    ("repeated pairs", "a a a b b", "a b a b a b"),
    ("one token repeated", "go go go go go go go", "go"),
    ("repeated bigrams", "new york new york new york", "new york is new"),
    ("repeated lines", "we win\nwe win\nwe win", "we win\nwe lose"),
    # numbers and digits
    ("numbers and money", "In 2023 revenue rose 3.5% to $12,400.",
     "Revenue in 2023 rose by 3.5 percent to 12400 dollars."),
    ("digit tokens", "covid19 b2b 1990s 3rd 100m 4x4 mp3",
     "covid 19 b2b 1990 third 100 m 4 x 4 mp3"),
    ("numbers only", "1 2 3 4 5 6 7 8 9 10", "10 9 8 7 6 5 4 3 2 1"),
    ("decimals and dates", "3.14159 on 2026-03-01 at 09:30", "3 14159 on 2026 03 01 at 9 30"),
    ("leading zeros", "007 0 00 000 0.0", "7 0 0 0 0 0"),
    # case
    ("case only", "THE CAT SAT ON THE MAT", "the cat sat on the mat"),
    ("mixed case", "iPhone IPHONE iphone IpHoNe", "iphone"),
    # apostrophes, hyphens, underscores, other ASCII punctuation
    ("apostrophes", "don't won't it's the company's rock'n'roll",
     "do not will not it is the companys rock n roll"),
    ("hyphens", "state-of-the-art well-known co-operate e-mail",
     "state of the art well known co operate email"),
    ("underscores", "snake_case_name __init__ a_b", "snake case name init a b"),
    ("urls and emails", "see https://example.org/a-b?x=1&y=2 or mail info@example.org",
     "see https example org a b x 1 y 2 or mail info example org"),
    ("markup markers", "first sentence<n>second sentence<q>third", "first sentence\nsecond sentence\nthird"),
    ("tabs and nbsp", "tab\tseparated\u00a0words\u2003here", "tab separated words here"),
    # non-ASCII (everything except U+0130 and U+212A is a separator)
    ("sharp s", "Die Größe der Straße", "die gr e der stra e"),
    ("capital sharp s", "GROẞE STRAẞE", "gro e stra e"),
    ("accents precomposed", "café naïve résumé Zoë", "caf na ve r sum zo"),
    ("accents vs plain", "café naïve résumé", "cafe naive resume"),
    ("decomposed accent", "cafe\u0301 nai\u0308ve", "cafe naive"),
    ("decomposed vs precomposed", "cafe\u0301", "caf\u00e9"),
    ("dotted capital I", "İstanbul", "i stanbul"),
    ("dotted capital I vs istanbul", "İstanbul", "istanbul"),
    ("dotted capital I inside", "DİYARBAKIR KİLO", "di yarbakir ki lo"),
    ("dotless i", "ıstanbul Istanbul", "stanbul istanbul"),
    ("kelvin sign", "300 \u212a and \u212aNOW", "300 k and know"),
    ("fi ligature", "\ufb01nance \ufb01le", "finance file"),
    ("fi ligature vs its remains", "\ufb01nance \ufb01le", "nance le"),
    ("fullwidth digits and letters", "\uff11\uff12\uff13 apples \uff21\uff22", "123 apples ab"),
    ("superscripts and roman numerals", "x\u00b2 chapter \u216b \u2460", "x 2 chapter xii 1"),
    ("cjk only", "北京欢迎你", "北京欢迎你"),
    ("cjk with ascii", "北京 2026 olympics 欢迎你", "beijing 2026 olympics"),
    ("devanagari", "नमस्ते दुनिया", "नमस्ते दुनिया"),
    ("devanagari with ascii", "मौसम report for दिल्ली today", "weather report for delhi today"),
    ("thai", "สวัสดีครับ ยินดีต้อนรับ", "สวัสดีครับ ยินดีต้อนรับ"),
    ("greek and cyrillic", "ΑΘΗΝΑ Москва athens", "athens moscow"),
    ("circled and math letters", "\u24b6\u24b7 \U0001d400\U0001d401 ab", "ab ab"),
    ("soft hyphen and zero-width space", "co\u00adoperate zero\u200bwidth \ufeffbom",
     "co operate zero width bom"),
    # CR, U+2028, U+0085: separators inside a line, never sentence boundaries
    ("carriage return inside", "line one\rline two", "line one line two"),
    ("CRLF lines vs LF lines", "first sentence here\r\nsecond sentence there\r\n",
     "first sentence here\nsecond sentence there\n"),
    ("lone CR is not a boundary", "w x\ry z", "y z w x"),
    ("U+2028 is not a boundary", "w x\u2028y z", "y z w x"),
    ("U+0085 is not a boundary", "w x\u0085y z", "y z w x"),
    ("U+2029 is not a boundary", "w x\u2029y z", "y z w x"),
    ("LF is a boundary", "w x\ny z", "y z w x"),
    ("vertical tab and form feed", "w x\x0by z\x0c", "y z w x"),
    # many newlines: empty lines, blank lines, punctuation-only lines
    ("empty lines around", "\n\nfirst line here\n\n\nsecond line there\n\n",
     "first line here\nsecond line there"),
    ("punctuation-only lines", "first line here\n...\n!!!\n-\nsecond line there",
     "second line there\n.\nfirst line here"),
    ("blank and whitespace lines", "alpha beta\n   \n\t\ngamma delta", "gamma delta\n \nalpha beta"),
    ("one token per line", "a\nb\nc\nd\ne", "e\nd\nc\nb\na"),
    ("lines reordered", "the minister resigned on monday\nprices fell sharply",
     "prices fell sharply\nthe minister resigned on monday"),
    ("one line vs many", "the minister resigned on monday and prices fell sharply",
     "prices fell sharply\nthe minister resigned\non monday"),
    ("sentence union", "a b c\nd e f", "a d b e c f"),
    ("reference repeats across lines", "x y z", "x y\nx y\nz z"),
    ("candidate repeats across lines", "x y\nx y\nz z", "x y z"),
    ("trailing newline only", "the end\n", "the end"),
    # the smallest pair where the backtrack's tie-break shows (moving in the candidate on ties
    # would give 2 hits instead of 1)
    ("rougeLsum backtrack tie-break (minimal)", "b a", "a\na b"),
    ("rougeLsum backtrack tie-break (words)", "dog cat\nthe end", "cat\ncat dog\nthe end"),
    # stemmer words (exercised with stem=true)
    ("stemmer plurals and -ing", "running happiness nationalization ties dies cries days skies",
     "run happy national tie die cry day sky"),
    ("stemmer irregular pool", "dying lying tying news sky skies innings outings cannings howe",
     "die lie tie news skies sky inning outing canning howe"),
    ("stemmer proceed exceed succeed", "proceed exceed succeed proceeds exceeded succeeding",
     "proceeding exceeding succeeded proceed exceed succeed"),
    ("stemmer NLTK extensions", "nutritionally beautifully logically generously digitizer",
     "nutrition beautiful logic generous digitize"),
    ("stemmer step 1b", "agreed feed plastered motoring conflated troubled sized hopping falling fizzed failing filing",
     "agree fee plaster motor conflate trouble size hop fall fizz fail file"),
    ("stemmer steps 2-4", "relational conditional valency hesitancy operator feudalism decisiveness "
     "hopefulness callousness formality sensitivity sensibility triplicate formative formalize "
     "electricity electrical goodness revival allowance inference airliner gyroscopic adjustable "
     "defensible irritant replacement adjustment dependent adoption communism activate angularity "
     "homologous effective bowdlerize probate rate cease controll roll",
     "relate condition valence hesitance operate feudal decisive hope callous formal sensitive "
     "sensible triplicate form formal electric electric good revive allow infer airline gyroscope "
     "adjust defend irritate replace adjust depend adopt commune active angular homologue effect "
     "bowdler probe rat ceas control rol"),
    ("stemmer short tokens untouched", "was has its does this ies sses", "wa ha it doe thi ie ss"),
    ("stemmer y rules", "happy sky enjoy days boys eyes cry crying cried", "happi sky enjoy day boy eye cri cry cri"),
    ("stemmer digits", "1990s 2000s 3rds 100ths abc123ing", "1990 2000 3rd 100th abc123"),
    # long texts
    ("long single line", " ".join(["word%d" % (i % 37) for i in range(300)]),
     " ".join(["word%d" % ((i * 7) % 41) for i in range(280)])),
    ("prediction much longer", "the vote " * 60, "the vote was delayed"),
]

# --------------------------------------------------------------------------------------------
# Hand-written multi-reference items: (note, prediction, [targets]).
# --------------------------------------------------------------------------------------------
MULTI_EDGE = [
    # equal F from swapped P and R: (2P)R/(P+R) is symmetric, so the first index must win
    ("tie: swapped P/R, short ref first", "a b c d", ["a b", "a b c d e f g h"]),
    ("tie: swapped P/R, long ref first", "a b c d", ["a b c d e f g h", "a b"]),
    ("tie: identical references", "the council approved the budget",
     ["the council passed the budget", "the council passed the budget"]),
    ("tie: equal references after tokenizing", "the council approved the budget",
     ["The council passed the budget.", "the council -- passed the budget"]),
    ("all-zero F", "x y z", ["a b", "c d", "e f"]),
    ("all-zero F, empty prediction", "", ["a b", "c d"]),
    ("all-zero F, empty references", "a b c", ["", "", ""]),
    ("empty first reference", "a b c", ["", "a b c"]),
    ("types choose different references", "a b c d", ["d c b a", "a x b x c"]),
    ("rougeLsum chooses by lines", "a b\nc d", ["c d a b", "a b\nc d\nx", "c d\na b"]),
    ("rouge2 F tie (first wins), rouge1 picks the second", "a b c d", ["a b c x y z", "a b"]),
    ("single reference in a list", "the cat sat on the mat", ["the cat lay on the mat"]),
    ("four references, last best", "the storm closed the bridge on monday",
     ["a storm hit", "the bridge", "monday was calm", "the storm closed the bridge on monday"]),
    ("four references, middle best", "prices rose sharply in march",
     ["prices fell", "prices rose sharply in march", "prices rose sharply in march", "rose"]),
    ("stem changes the choice", "the cities approved new policies",
     ["the city approves a new policy", "the cities approved new rules"]),
    ("non-ASCII reference", "café owners protested", ["caf owners protested", "café owners protested"]),
]

# --------------------------------------------------------------------------------------------
# News-like text: word lists and templates written for this file.
# --------------------------------------------------------------------------------------------
ORGS = ["the city council", "the regional water authority", "the transport ministry",
        "the national statistics office", "the central bank", "the harbour board",
        "a consumer group", "the teachers' union", "the health agency", "the energy regulator",
        "the port operator", "the football federation", "the university hospital",
        "the fire service", "the coast guard", "the rail company", "the farmers' association"]
PLACES = ["Norvik", "Estrella Bay", "Port Calder", "Maribel", "the Oster valley", "Kallen",
          "Dunmere", "the northern districts", "Velta", "Sorrel Heights", "Lindau-on-Sea",
          "Brückfeld", "São Tomás", "New Harlow", "the old town"]
PEOPLE = ["Mayor Ana Ribeiro", "Minister Tomas Varga", "spokeswoman Lena Okafor",
          "chief engineer Paul Meyer", "economist Ruth Adeyemi", "coach Ivan Petrov",
          "Dr Mei Tanaka", "union leader Sam O'Neill", "director Clara Jensen",
          "Inspector José Müller", "Professor Hana Novak", "councillor Dev Sharma"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
# verbs: base, 3rd singular, past, -ing
VERBS = [("increase", "increases", "increased", "increasing"), ("rise", "rises", "rose", "rising"),
         ("fall", "falls", "fell", "falling"), ("approve", "approves", "approved", "approving"),
         ("announce", "announces", "announced", "announcing"), ("report", "reports", "reported", "reporting"),
         ("plan", "plans", "planned", "planning"), ("delay", "delays", "delayed", "delaying"),
         ("study", "studies", "studied", "studying"), ("carry", "carries", "carried", "carrying"),
         ("close", "closes", "closed", "closing"), ("expand", "expands", "expanded", "expanding"),
         ("reduce", "reduces", "reduced", "reducing"), ("invest", "invests", "invested", "investing"),
         ("hire", "hires", "hired", "hiring"), ("warn", "warns", "warned", "warning"),
         ("build", "builds", "built", "building"), ("open", "opens", "opened", "opening"),
         ("cancel", "cancels", "cancelled", "cancelling"), ("apply", "applies", "applied", "applying"),
         ("stop", "stops", "stopped", "stopping"), ("hope", "hopes", "hoped", "hoping"),
         ("die", "dies", "died", "dying"), ("tie", "ties", "tied", "tying"),
         ("cry", "cries", "cried", "crying"), ("nationalize", "nationalizes", "nationalized", "nationalizing"),
         ("regulate", "regulates", "regulated", "regulating"), ("relate", "relates", "related", "relating"),
         ("decide", "decides", "decided", "deciding"), ("adjust", "adjusts", "adjusted", "adjusting"),
         ("depend", "depends", "depended", "depending"), ("control", "controls", "controlled", "controlling"),
         ("agree", "agrees", "agreed", "agreeing"), ("fizz", "fizzes", "fizzed", "fizzing"),
         ("file", "files", "filed", "filing"), ("hop", "hops", "hopped", "hopping")]
# nouns: singular, plural
NOUNS = [("policy", "policies"), ("city", "cities"), ("agency", "agencies"), ("family", "families"),
         ("company", "companies"), ("day", "days"), ("sky", "skies"), ("study", "studies"),
         ("vote", "votes"), ("election", "elections"), ("rate", "rates"), ("price", "prices"),
         ("worker", "workers"), ("resident", "residents"), ("project", "projects"),
         ("hospital", "hospitals"), ("bus", "buses"), ("ferry", "ferries"), ("match", "matches"),
         ("business", "businesses"), ("storm", "storms"), ("bridge", "bridges"), ("school", "schools"),
         ("budget", "budgets"), ("tax", "taxes"), ("library", "libraries"), ("inning", "innings"),
         ("outing", "outings"), ("regulation", "regulations"), ("adjustment", "adjustments"),
         ("relationship", "relationships"), ("nationalization", "nationalizations"),
         ("decision", "decisions"), ("electricity", "electricity"), ("news", "news"),
         ("flood", "floods"), ("harvest", "harvests"), ("tunnel", "tunnels"), ("reform", "reforms")]
# derivational families (stemming makes some of these match)
ADJS = [("national", "nationally"), ("happy", "happily"), ("generous", "generously"),
        ("effective", "effectively"), ("hopeful", "hopefully"), ("conditional", "conditionally"),
        ("electrical", "electrically"), ("sensitive", "sensitively"), ("decisive", "decisively"),
        ("formal", "formally"), ("logical", "logically"), ("beautiful", "beautifully"),
        ("nutritional", "nutritionally"), ("regional", "regionally"), ("rapid", "rapidly"),
        ("sharp", "sharply"), ("careful", "carefully"), ("temporary", "temporarily"),
        ("final", "finally"), ("heavy", "heavily")]
RELATED = {  # other forms of the same stem, or near synonyms
    "happy": ["happiness", "happier"], "national": ["nation", "nationalization"],
    "effective": ["effectiveness"], "decisive": ["decisiveness", "decision"],
    "hopeful": ["hopefulness", "hope"], "formal": ["formality", "formalize"],
    "electrical": ["electricity", "electric"], "sensitive": ["sensitivity"],
    "generous": ["generosity"], "regulation": ["regulator", "regulatory"],
    "said": ["stated", "told reporters", "says"], "rose": ["climbed", "increased", "went up"],
    "fell": ["dropped", "declined", "went down"], "officials": ["authorities", "officers"],
    "about": ["around", "roughly", "nearly"], "because": ["since", "as"],
    "new": ["fresh", "revised"], "city": ["town", "municipality"], "people": ["residents", "persons"],
    "monday": ["tuesday"], "million": ["billion"], "percent": ["per cent", "%"],
}
EVENTS = ["the storm", "the flood", "a long strike", "the election", "the budget vote",
          "a power cut", "the heatwave", "the bridge collapse", "the harvest festival",
          "a data breach", "the final match", "the tunnel fire"]
CAUSES = ["heavy rain", "rising costs", "a shortage of staff", "safety concerns", "low demand",
          "a legal challenge", "strong winds", "budget cuts", "a software fault"]
ITEMS = ["bread", "fuel", "electricity", "train tickets", "rent", "coffee", "school meals",
         "hospital parking", "fresh fish"]
RESOURCES = ["power", "running water", "heating", "internet access", "public transport"]
FILLERS = ["also", "reportedly", "the", "new", "however", "still", "now", "again", "very", "local"]

TEMPLATES = [
    "{Org} {said} on {Day} that {nounpl} in {Place} had {verbed} by {pct} in {Month}.",
    "{Person} told reporters that the {noun} would be {verbed} before {event}.",
    "\"We are {adv} {adj} that the {noun} will {verb} {time},\" said {Person}.",
    "The {noun} {verbs} {num} {nounpl} across {Place}, according to {org}.",
    "{Num} {nounpl} were {verbed} after {event} {time}.",
    "Prices for {item} {rosefell} {pct} to {money} in the {period}.",
    "In {Place}, {org} is {verbing} a {adj} {noun} that {verbs} {nounpl} and {nounpl}.",
    "Officials {said} the {adj} {noun} was {verbed} because of {cause}.",
    "{Org} {verbed} {money} for {nounpl}, the {ordinal} such {noun} this year.",
    "{Event} left {num} {nounpl} without {resource} for {small} days.",
    "Critics said the {noun} was {adv} {adj} and {verbed} {nounpl} in {Place}.",
    "It was not clear whether the {noun} would {verb} the {adj} {nounpl}.",
    "The decision follows {small} months of {verbing} between {org} and {org}.",
    "{Person}'s office did not respond to a request for comment.",
    "The {ordinal} {noun} is expected to {verb} on {Day}, {org} said.",
    "About {num} {nounpl} {verbed} the {noun} last {Day}, up from {num} a year earlier.",
    "{Person} {said} the {nounpl} {verbed} {adv} after {cause}.",
    "Residents of {Place} said {nounpl} had been {verbed} {small} times since {Month}.",
    "The {adj} {noun} costs {money} and will {verb} {num} {nounpl} by {year}.",
    "{Org} {verbs} {nounpl} in {Place} and {Place}.",
    "Under the plan, {nounpl} will be {verbed} {time} -- a {pct} change.",
    "{Num} people {verbed}; {num} others were {verbed} in {Place}.",
]
TIMES = ["next week", "by the end of the year", "within {small} months", "on {Day}", "in {Month}",
         "before {year}", "this summer", "as early as {Month} {year}", "later today"]
PERIODS = ["first quarter", "last month", "year to {Month}", "second half", "past {small} weeks"]
ORDINALS = ["first", "second", "third", "fourth", "fifth", "largest", "latest"]


def _cap(s):
    return s[:1].upper() + s[1:]


def _fill(rng, template):
    out = template
    while "{" in out:
        i = out.index("{")
        j = out.index("}", i)
        key = out[i + 1:j]
        k = key.lower()
        if k == "org":
            val = rng.choice(ORGS)
        elif k == "place":
            val = rng.choice(PLACES)
        elif k == "person":
            val = rng.choice(PEOPLE)
        elif k == "day":
            val = rng.choice(DAYS)
        elif k == "month":
            val = rng.choice(MONTHS)
        elif k == "said":
            val = rng.choice(["said", "announced", "confirmed", "reported", "warned"])
        elif k == "noun":
            val = rng.choice(NOUNS)[0]
        elif k == "nounpl":
            val = rng.choice(NOUNS)[1]
        elif k == "verb":
            val = rng.choice(VERBS)[0]
        elif k == "verbs":
            val = rng.choice(VERBS)[1]
        elif k == "verbed":
            val = rng.choice(VERBS)[2]
        elif k == "verbing":
            val = rng.choice(VERBS)[3]
        elif k == "adj":
            val = rng.choice(ADJS)[0]
        elif k == "adv":
            val = rng.choice(ADJS)[1]
        elif k == "pct":
            val = rng.choice(["3.5%", "12 percent", "0.8%", "45%", "2.5 per cent", "100%", "7%"])
        elif k == "num":
            val = rng.choice(["3", "17", "250", "1,000", "12,500", "two", "forty", "1.2 million"])
        elif k == "small":
            val = str(rng.randint(2, 9))
        elif k == "year":
            val = str(rng.choice([1999, 2008, 2019, 2024, 2025, 2026, 2030]))
        elif k == "money":
            val = rng.choice(["$5.5 million", "20 billion euros", "£300,000", "$12", "€4.99",
                              "1.5bn dollars", "$80m"])
        elif k == "event":
            val = rng.choice(EVENTS)
        elif k == "cause":
            val = rng.choice(CAUSES)
        elif k == "item":
            val = rng.choice(ITEMS)
        elif k == "resource":
            val = rng.choice(RESOURCES)
        elif k == "rosefell":
            val = rng.choice(["rose", "fell", "climbed", "dropped", "jumped"])
        elif k == "period":
            val = _fill(rng, rng.choice(PERIODS))
        elif k == "time":
            val = _fill(rng, rng.choice(TIMES))
        elif k == "ordinal":
            val = rng.choice(ORDINALS)
        else:
            raise KeyError(key)
        if key[0].isupper():
            val = _cap(val)
        out = out[:i] + val + out[j + 1:]
    return out


WORD_RE = re.compile(r"[a-z0-9]+")


def n_tokens(text):
    """Token count under rouge-score's default tokenizer (ASCII [a-z0-9]+ runs after lower())."""
    return len(WORD_RE.findall(text.lower()))


def make_sentence(rng):
    s = _fill(rng, rng.choice(TEMPLATES))
    r = rng.random()
    if r < 0.2:  # a compound sentence
        s2 = _fill(rng, rng.choice(TEMPLATES))
        s = s[:-1] + rng.choice([", and ", "; ", ", while ", " -- "]) + s2[0].lower() + s2[1:]
    elif r < 0.25:
        s = _cap(_fill(rng, rng.choice(TIMES))) + ", " + s[0].lower() + s[1:]
    return s


def make_summary(rng, lo=20, hi=300, max_sent=8):
    """A list of 1..max_sent sentences with lo..hi tokens in total (skewed to short)."""
    while True:
        want = lo + int((hi - lo) * rng.random() ** 1.7)
        sents = [make_sentence(rng)]
        while n_tokens(" ".join(sents)) < want:
            if len(sents) < max_sent:
                sents.append(make_sentence(rng))
            else:  # long summaries: lengthen a sentence with another clause
                i = rng.randrange(len(sents))
                s2 = make_sentence(rng)
                sents[i] = sents[i][:-1] + rng.choice([", and ", "; ", ", while "]) + s2[0].lower() + s2[1:]
        if lo <= n_tokens(" ".join(sents)) <= hi:
            return sents


_FORMS = {}
for _group in VERBS + NOUNS + ADJS:
    for _w in _group:
        _FORMS.setdefault(_w, set()).update(x for x in _group if x != _w)
for _w, _alts in RELATED.items():
    _FORMS.setdefault(_w, set()).update(_alts)
FORMS = {w: sorted(v) for w, v in _FORMS.items()}


def _match_case(src, dst):
    if src.isupper() and len(src) > 1:
        return dst.upper()
    if src[:1].isupper():
        return _cap(dst)
    return dst


def noisy_words(rng, sentence, level):
    """Word-level noise: other inflections and related words, synonyms, drops, inserts, swaps,
    duplicates, case and punctuation changes."""
    words = sentence.split()
    out = []
    for w in words:
        core = w.strip(".,;:\"'!?")
        pre = w[:len(w) - len(w.lstrip(".,;:\"'!?"))]
        post = w[len(pre) + len(core):]
        r = rng.random()
        alts = FORMS.get(core.lower())
        if alts and r < level * 0.8:
            out.append(pre + _match_case(core, rng.choice(alts)) + post)
        elif r < level * 0.3:
            continue  # dropped
        elif r < level * 0.45:
            out.append(w)
            out.append(rng.choice(FILLERS))
        elif r < level * 0.5:
            out.append(w)
            out.append(w)
        elif r < level * 0.55:
            out.append(w.upper())
        else:
            out.append(w)
    for _ in range(int(len(out) * level * 0.3)):
        if len(out) > 2:
            i = rng.randrange(len(out) - 1)
            out[i], out[i + 1] = out[i + 1], out[i]
    if out and rng.random() < level:
        last = out[-1]
        out[-1] = last.rstrip(".!?") + rng.choice(["", ".", "!", " .", "..."])
    if not out:
        return sentence
    return " ".join(out)


def noisy_summary(rng, sents, level):
    """Sentence-level noise on top of noisy_words: drops, reordering, new sentences, merged and
    split lines."""
    out = []
    for s in sents:
        r = rng.random()
        if r < level * 0.4 and len(sents) > 1:
            continue
        out.append(noisy_words(rng, s, level))
        if rng.random() < level * 0.3:
            out.append(make_sentence(rng))
    if not out:
        out = [noisy_words(rng, sents[0], level)]
    if len(out) > 1 and rng.random() < level:
        i = rng.randrange(len(out) - 1)
        out[i], out[i + 1] = out[i + 1], out[i]
    if len(out) > 1 and rng.random() < level * 0.5:
        rng.shuffle(out)
    # merge two lines, or split one line in two
    if len(out) > 1 and rng.random() < 0.25:
        i = rng.randrange(len(out) - 1)
        out[i:i + 2] = [out[i] + " " + out[i + 1]]
    if rng.random() < 0.25:
        i = rng.randrange(len(out))
        ws = out[i].split()
        if len(ws) > 4:
            k = rng.randrange(2, len(ws) - 1)
            out[i:i + 1] = [" ".join(ws[:k]), " ".join(ws[k:])]
    return out


def layout(rng, sents):
    """Joins sentences into one text, usually with "\n"; sometimes other layouts."""
    r = rng.random()
    if r < 0.70:
        return "\n".join(sents)
    if r < 0.78:
        return " ".join(sents)  # one line: rougeLsum == rougeL
    if r < 0.83:
        return "\n".join(sents) + "\n"
    if r < 0.87:
        return "\n\n".join(sents)  # empty lines between
    if r < 0.90:
        return "\r\n".join(sents)
    if r < 0.93:
        return "\n".join("- " + s for s in sents)
    if r < 0.96:
        return "\n".join(sents[:1] + ["..."] + sents[1:])  # a punctuation-only line
    return "<n>".join(sents)  # a marker that is not a boundary


def make_news_pair(rng, lo=20, hi=300, max_sent=8):
    """(prediction, target): a news-like target and a noisy prediction."""
    target = make_summary(rng, lo, hi, max_sent)
    r = rng.random()
    if r < 0.04:
        pred = list(target)  # identical content (layout may differ)
    elif r < 0.08:
        pred = make_summary(rng, lo, hi, max_sent)  # unrelated
    else:
        level = rng.choice([0.05, 0.1, 0.2, 0.3, 0.45])
        pred = noisy_summary(rng, target, level)
    return layout(rng, pred), layout(rng, target)


# --------------------------------------------------------------------------------------------
# Small-vocabulary multi-line pairs (rougeLsum tie-breaks).
# --------------------------------------------------------------------------------------------
SMALL_VOCABS = [["a", "b"], ["a", "b", "c"], ["a", "b", "c", "d"], ["x", "y", "z"],
                ["red", "blue", "green"], ["the", "cat", "sat"], ["go", "stop"],
                ["rain", "rains", "raining"], ["up", "down", "left", "right"]]


def _lcs_indices(ref, can, prefer_ref):
    """One LCS of (ref, can) as indices into ref: DP table, then backtrack from the end. On ties
    (not a match and table[i][j-1] == table[i-1][j]) it moves in ref if prefer_ref, else in can."""
    rows, cols = len(ref), len(can)
    t = [[0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(1, rows + 1):
        for j in range(1, cols + 1):
            t[i][j] = t[i - 1][j - 1] + 1 if ref[i - 1] == can[j - 1] else max(t[i - 1][j], t[i][j - 1])
    i, j, out = rows, cols, []
    while i > 0 and j > 0:
        if ref[i - 1] == can[j - 1]:
            out.append(i - 1)
            i -= 1
            j -= 1
        elif t[i][j - 1] > t[i - 1][j] or (not prefer_ref and t[i][j - 1] == t[i - 1][j]):
            j -= 1
        else:
            i -= 1
    return out


def lsum_hits(ref_sents, can_sents, prefer_ref=True):
    """Union-LCS hits of the summary-level LCS (spec section 1.5), for choosing tie-sensitive
    pairs. Sentences are lists of tokens."""
    cnt_r, cnt_c = {}, {}
    for s in ref_sents:
        for w in s:
            cnt_r[w] = cnt_r.get(w, 0) + 1
    for s in can_sents:
        for w in s:
            cnt_c[w] = cnt_c.get(w, 0) + 1
    hits = 0
    for r in ref_sents:
        union = set()
        for c in can_sents:
            union.update(_lcs_indices(r, c, prefer_ref))
        for k in sorted(union):
            w = r[k]
            if cnt_c.get(w, 0) > 0 and cnt_r.get(w, 0) > 0:
                hits += 1
                cnt_c[w] -= 1
                cnt_r[w] -= 1
    return hits


def _small_text(rng, vocab):
    return [[rng.choice(vocab) for _ in range(rng.randint(1, 7))] for _ in range(rng.randint(1, 5))]


def make_lsum_pair(rng, want_sensitive=None):
    """(prediction, target) over a tiny vocabulary, both multi-line. want_sensitive: True = the
    tie-break must matter, False = it must not, None = either."""
    while True:
        vocab = rng.choice(SMALL_VOCABS)
        tgt = _small_text(rng, vocab)
        if rng.random() < 0.5:
            pred = _small_text(rng, vocab)
        else:  # a perturbed copy: shuffle lines, drop/replace tokens
            pred = [list(s) for s in tgt]
            rng.shuffle(pred)
            for s in pred:
                for _ in range(rng.randint(0, 3)):
                    op = rng.random()
                    if op < 0.4 and len(s) > 1:
                        del s[rng.randrange(len(s))]
                    elif op < 0.8:
                        s[rng.randrange(len(s))] = rng.choice(vocab)
                    else:
                        s.insert(rng.randrange(len(s) + 1), rng.choice(vocab))
        sensitive = lsum_hits(tgt, pred, True) != lsum_hits(tgt, pred, False)
        if want_sensitive is None or sensitive == want_sensitive:
            def text(sents):
                lines = [" ".join(s) for s in sents]
                if rng.random() < 0.1:
                    lines = [(ln.upper() if rng.random() < 0.3 else ln) + rng.choice(["", ".", " ,"])
                             for ln in lines]
                return "\n".join(lines)
            return text(pred), text(tgt)


# --------------------------------------------------------------------------------------------
# Short pairs (aggregates over many items).
# --------------------------------------------------------------------------------------------
def make_short_pair(rng):
    r = rng.random()
    if r < 0.02:
        return "", _fill(rng, rng.choice(TEMPLATES))
    if r < 0.03:
        return _fill(rng, rng.choice(TEMPLATES)), ""
    if r < 0.04:
        return rng.choice(["...", "  ", "北京", "\n"]), _fill(rng, rng.choice(TEMPLATES))

    def clip(s, n):
        ws = s.split()
        return " ".join(ws[:n])

    tgt = [make_sentence(rng)]
    if rng.random() < 0.3:
        tgt.append(make_sentence(rng))
    n = rng.randint(1, 25)
    tgt = [clip(s, max(1, n // len(tgt))) for s in tgt]
    level = rng.choice([0.0, 0.1, 0.2, 0.4, 0.7])
    pred = noisy_summary(rng, tgt, level) if level else list(tgt)
    if rng.random() < 0.1:
        pred = [clip(make_sentence(rng), rng.randint(1, 25))]
    return "\n".join(pred), "\n".join(tgt)


# --------------------------------------------------------------------------------------------
# Multi-reference items.
# --------------------------------------------------------------------------------------------
def _fmeasure(p, r):
    # the F of spec section 1.3, used only to find items whose F values tie in exact arithmetic
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def float_tie_items(limit=6):
    """Items whose references give rouge1 F values that are equal in exact arithmetic
    (2*o/(n+m)) but differ in float64 (computed as ((2P)R)/(P+R)), so the reference chosen by
    argmax depends on the exact float expression. Token-level construction: the prediction has
    n distinct tokens; reference k has o_k of them plus (m_k - o_k) tokens of its own."""
    from fractions import Fraction
    found = []
    for n in range(2, 30):
        combos = {}
        for m in range(1, 30):
            for o in range(1, min(n, m) + 1):
                exact = Fraction(2 * o, n + m)
                f = _fmeasure(o / n, o / m)
                combos.setdefault(exact, {}).setdefault(f, (o, m))
        for exact, by_float in sorted(combos.items()):
            if len(by_float) > 1:
                floats = sorted(by_float)
                lo, hi = by_float[floats[0]], by_float[floats[-1]]
                found.append((n, lo, hi))
        if len(found) >= limit * 4:
            break
    items = []
    for idx, (n, lo, hi) in enumerate(found[::4][:limit]):
        pred = ["p%d" % i for i in range(n)]

        def ref(o, m, tag):
            return " ".join(pred[:o] + ["%s%d" % (tag, i) for i in range(m - o)])
        # the float-larger F second, so a port that computes F another way and sees a tie
        # (first index) picks the other reference
        refs = [ref(lo[0], lo[1], "q"), ref(hi[0], hi[1], "r")]
        if idx % 2:
            refs = refs + [ref(lo[0], lo[1], "s")]
        items.append(("float tie: n=%d (o,m)=%s vs %s" % (n, lo, hi), " ".join(pred), refs))
    return items


def make_multiref_item(rng):
    """(prediction, [targets]) with 2-4 news-like references."""
    base = make_summary(rng, 15, 90, 4)
    n_refs = rng.randint(2, 4)
    refs = []
    for _ in range(n_refs):
        r = rng.random()
        if r < 0.08:
            refs.append("")
        elif r < 0.2:
            refs.append(layout(rng, make_summary(rng, 10, 60, 3)))  # unrelated
        elif r < 0.3 and refs:
            refs.append(rng.choice(refs))  # a duplicate: exact ties
        else:
            refs.append(layout(rng, noisy_summary(rng, base, rng.choice([0.1, 0.2, 0.4]))))
    r = rng.random()
    if r < 0.05:
        pred = ""
    elif r < 0.12:
        pred = layout(rng, make_summary(rng, 10, 60, 3))  # unrelated: often all-zero F
    else:
        pred = layout(rng, noisy_summary(rng, base, rng.choice([0.05, 0.2, 0.4])))
    return pred, refs


# --------------------------------------------------------------------------------------------
# Writing.
# --------------------------------------------------------------------------------------------
def dumps(rec):
    s = json.dumps(rec, ensure_ascii=False)
    return s.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").replace("\u0085", "\\u0085")


def write_jsonl(path, records):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for rec in records:
            f.write(dumps(rec) + "\n")


def rec(pred, label, note=None):
    r = {"note": note} if note is not None else {}
    r["prediction"] = pred
    r["label"] = label
    return r


def make_all(seed=DEFAULT_SEED, n_news=100, n_lsum=150, n_multi=60, n_short=1000):
    """Returns {file name: [records]}."""
    out = {}
    out["edge.jsonl"] = [rec(p, t, n) for n, p, t in EDGE]
    rng = random.Random(seed)
    out["news.jsonl"] = [rec(*make_news_pair(rng)) for _ in range(n_news)]
    rng = random.Random(seed + 1)
    lsum = []
    for i in range(n_lsum):
        lsum.append(rec(*make_lsum_pair(rng, want_sensitive=(i % 2 == 0) if i % 5 else None)))
    out["lsum.jsonl"] = lsum
    rng = random.Random(seed + 2)
    multi = [rec(p, t, n) for n, p, t in MULTI_EDGE + float_tie_items()]
    multi += [rec(*make_multiref_item(rng), "generated") for _ in range(n_multi)]
    out["multiref.jsonl"] = multi
    rng = random.Random(seed + 3)
    out["short.jsonl"] = [rec(*make_short_pair(rng)) for _ in range(n_short)]
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description="Writes the ROUGE conformance corpora.")
    ap.add_argument("--out", default=os.path.join(here, "..", "rouge", "corpus"))
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    for name, records in make_all(a.seed).items():
        write_jsonl(os.path.join(a.out, name), records)
        print(f"{os.path.join(a.out, name)}: {len(records)} records")


if __name__ == "__main__":
    main()
