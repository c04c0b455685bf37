#!/usr/bin/env python3
# bleu_corpus.py -- writes the BLEU conformance corpora under testdata/bleu/corpus/.
#
# What it produces (all UTF-8, lines split on "\n" only; see testdata/bleu/corpus/README.md):
#   edge/     hand-written edge cases: hyp.txt + ref.0.txt ref.1.txt ref.2.txt (ref.2.txt has no
#             final newline), plus hyp.crlf.txt (CRLF line ends)
#   short/    every hypothesis has 0-3 tokens (effective order, "all hyps shorter than 4");
#             hyp.txt ends in an empty line ("...\n\n"); hyp_b.txt (a copy); hyp.crlf.txt (CRLF line ends) and
#             hyp.cr.txt (a CR inside line 5) for stdin, which sacreBLEU reads with universal
#             newlines
#   news/     generated multilingual news-like text (en, de, el, tr, zh, ja mixed): ref.0-3.txt,
#             systems sys.A.txt sys.B.txt sys.C.txt (noisy copies of the references),
#             sys.A.short.txt (its first 100 lines: exit 1), refs.tsv (-nr 4),
#             refs.broken.tsv (a line whose last field is empty: exit 17); refs.tsv and
#             refs.broken.tsv double as several tab-separated systems on stdin
#   tokper/   hyp.txt with 104 hypotheses (of 110) ending in " ." (tokenized-period warning),
#             hyp99.txt with exactly 99, and ref.txt
#   README.md what each file is
#
# Deterministic: a seeded random.Random, no network, no third-party text (every word list and
# sentence template below is written for this file). The same functions are imported by
# bleu_crosscheck.py to make fresh corpora with other seeds.
#
# Run from the repository root:
#   /usr/bin/python3 testdata/gen/bleu_corpus.py            (writes testdata/bleu/corpus/)
#   /usr/bin/python3 testdata/gen/bleu_corpus.py --out DIR --seed N
# Versions: written and run with Python 3.11.2 (Debian 12); needs only the standard library.
# The goldens built on these corpora come from sacreBLEU 2.6.0 (commit f615c72) with numpy 1.24.2.

import argparse
import os
import random

DEFAULT_SEED = 20260112

# --------------------------------------------------------------------------------------------
# Hand-written edge cases: (hyp, ref.0, ref.1, ref.2). Escapes are spelled out on purpose.
# --------------------------------------------------------------------------------------------
EDGE = [
    # BOM on line 1 (U+FEFF is not whitespace: it sticks to the first token)
    ("\ufeffThe first line starts with a byte order mark.",
     "The first line starts with a byte order mark.",
     "\ufeffThe first line starts with a byte order mark .",
     "The first line begins with a BOM."),
    # empty hypothesis
    ("", "An empty hypothesis is still a segment.", "Empty hypothesis here.", "Nothing was produced."),
    # an empty reference among several
    ("The second reference is empty.", "The second reference is empty.", "", "The 2nd reference is empty."),
    # everything empty
    ("", "", "", ""),
    # whitespace-only hypothesis and references
    ("   \t  ", "Only whitespace in the hypothesis.", " ", "\t"),
    # trailing tab, U+001C-001F, U+00A0 (all Python whitespace; Go's unicode.IsSpace misses 1C-1F)
    ("trailing tab\t", "trailing tab", "trailing\ttab", "trailing tab "),
    ("unit separator\x1f", "unit separator", "unit\x1fseparator", "unit separator\x1c"),
    ("file\x1cgroup\x1drecord\x1eunit\x1fseparators", "file group record unit separators",
     "file\x1cgroup record unit separators", "separators"),
    ("no-break space\u00a0", "no-break\u00a0space", "no-break space", "no break space"),
    # leading spaces are kept
    ("   leading spaces stay here", "leading spaces stay here", "  leading spaces stay here .",
     "leading spaces here"),
    # carriage return inside a line, and at the end (CR is whitespace: stripped at the end)
    ("carriage\rreturn inside the line", "carriage return inside the line",
     "carriage\rreturn inside the line\r", "a carriage return"),
    # U+2028, U+2029, U+0085, VT, FF inside lines: not line ends for sacreBLEU
    ("line\u2028separator and next\u0085line", "line separator and next line",
     "line\u2029separator and next\x0bline", "line separator\x0cand next line"),
    # entities: &amp;lt; -> < (sequential replacements), &amp;quot; -> &quot;, &apos; untouched
    ("a &amp;lt; b and &quot;quoted&quot; &amp;quot; &apos;x&apos; &gt; c",
     "a < b and \"quoted\" &quot; 'x' > c", "a &lt; b and \"quoted\" \" 'x' &gt; c",
     "a &amp; b AT&T R&D &amp;amp;"),
    # <skipped> is deleted by 13a
    ("this <skipped> word was skipped", "this word was skipped", "this <skipped> word was skipped",
     "this<skipped>word was skipped"),
    # Greek capitals and final sigma (-lc: Σ -> ς at a word end after a cased letter)
    ("Η ΟΔΟΣ ΣΑΣ Α.Σ Σ ΤΗΣ ΕΛΛΑΔΑΣ", "η οδος σας α.ς σ της ελλαδας",
     "η οδός σας α.σ Σ της Ελλάδας", "Η ΟΔΟΣ ΤΗΣ ΕΛΛΑΔΑΣ"),
    ("ΟΔΥΣΣΕΑΣ' ΣΑΣ ΣΑ ΣΣΣ ΑΣ, ΑΣ. Σ1", "οδυσσεας' σας σα σσσ ας, ας. σ1",
     "Οδυσσέας σας", "ΟΔΥΣΣΕΑΣ ΣΑΣ"),
    # Turkish dotted capital I (Python: i + U+0307), dotless i
    ("İSTANBUL İzmir DİYARBAKIR ılık Iğdır", "istanbul izmir diyarbakır ılık ığdır",
     "i\u0307stanbul i\u0307zmir di\u0307yarbakir ılık ığdır", "İstanbul İzmir Diyarbakır"),
    # German sharp s
    ("Die Straße ist groß, die STRASSE ist GROSS.", "die straße ist groß, die strasse ist gross.",
     "Die Strasse ist gross , die Straße ist groß .", "Die Straße ist groß."),
    # Chinese with ASCII and full-width punctuation and numbers
    ("我们今天去北京，经济增长了5.2%。", "我们今天去北京，经济增长了5.2%。",
     "我们今天去了北京。经济增长5.2%", "今天我们去北京"),
    # zh quirk range U+2001-2A6D: quotes, dash, ellipsis, euro, trademark, arrow, math
    ("“引号” — 破折号… €20 ™ → ∑ • ‰", "“引号” — 破折号… €20 ™ → ∑ • ‰",
     "\"引号\" - 破折号... EUR20 TM -> sum", "引号 破折号"),
    # kana (not in the zh ranges), Extension B (not in the ranges), compatibility ideographs
    ("これはテストです。カタカナもあります。", "これはテストです。カタカナもあります",
     "これは試験です。", "テスト"),
    ("𠀀𠀁𪚥漢字 豈更 ㈠㈡ 〇", "𠀀𠀁 𪚥 漢字 豈 更 ㈠ ㈡ 〇", "漢字", "𪚥"),
    # full-width digits and letters
    ("２０２６年１２月 ＡＢＣ １２３", "2026年12月 ABC 123", "２０２６ 年 １２ 月 ＡＢＣ", "１２３"),
    # numbers
    ("It cost 3.14 or 1,000 dollars in 1999.", "It cost 3.14 or 1,000 dollars in 1999.",
     "It cost 3,14 or 1.000 dollars in 1999 .", "The cost was 1,000 dollars."),
    ("It was -5 degrees for 2-3 days, not 10-20.", "It was -5 degrees for 2 - 3 days , not 10-20.",
     "-5 degrees for 2-3 days", "It was minus 5 degrees for two or three days."),
    ("end 1999. .5 percent x..y a-b it's 5,5,5 1.2.3 a.b,c", "end 1999 . .5 percent x..y a-b it's",
     "end 1999. .5 percent x . . y a-b it 's", "5,5,5 1.2.3 a.b,c"),
    # ASCII and Unicode symbols and punctuation
    ("$5 + 3 = 8 % ^ ~ ` | © ® @home #tag [x] {y} (z) <a> a/b a\\b",
     "$5 + 3 = 8 % ^ ~ ` | © ® @home #tag [x] {y} (z) <a> a/b a\\b",
     "$ 5 + 3 = 8", "five plus three is eight"),
    ("„Anführung“ «guillemets» ‹single› 「括弧」 ¿Qué? ¡Sí! …", "„Anführung“ «guillemets» ‹single›",
     "\"Anführung\" \"guillemets\"", "¿Qué? ¡Sí!"),
    # combining marks, ZWJ sequences, flags, variation selectors, zero-width space
    ("cafe\u0301 caf\u00e9 👩\u200d👩\u200d👧 🇩🇪 ☃\ufe0f zero\u200bwidth", "café cafe\u0301 👩 🇩🇪 ☃",
     "cafe zero width", "café"),
    # BOM in the middle, ideographic space, en/em spaces, narrow no-break, Ogham space
    ("mid\ufeffbom ideographic\u3000space en\u2002em\u2003thin\u2009narrow\u202fogham\u1680mark\u205fend",
     "mid bom ideographic space en em thin narrow ogham mark end",
     "mid\ufeffbom ideographic space", "end"),
    # very short lines (1-3 tokens), identical and not
    ("Yes", "Yes", "yes", "No"),
    ("Thank you", "Thank you", "Thanks", "Thank you ."),
    ("Good morning everyone", "Good morning, everyone", "Good morning everyone", "Morning all"),
    ("a", "b", "c", "d"),
    # identical hypothesis and reference
    ("The quick brown fox jumps over the lazy dog.", "The quick brown fox jumps over the lazy dog.",
     "The quick brown fox jumps over the lazy dog.", "The quick brown fox jumps over the lazy dog."),
    # closest reference length tie: hyp 5 tokens, refs of 4 and 6 tokens (shorter wins)
    ("one two three four five", "one two three four", "one two three four five six",
     "one two three four"),
    # mixed case
    ("HELLO World hello WORLD", "hello world hello world", "Hello World Hello World",
     "HELLO WORLD"),
    # ampersand without entity, and tabs inside a line
    ("AT&T and R&D\tin\tthe middle", "AT&T and R&D in the middle", "AT & T and R & D",
     "at&t and r&d"),
    # apostrophes and hyphens
    ("The state-of-the-art model's rock'n'roll isn't well-known -- or is it?",
     "The state-of-the-art model's rock'n'roll isn't well known - or is it?",
     "The state of the art model 's rock 'n' roll is n't well-known -- or is it ?",
     "It isn't well-known."),
    # Hangul, Thai, Arabic, Hebrew (no tokenizer-specific handling)
    ("한국어 문장입니다. ภาษาไทย مرحبا بالعالم! שלום עולם.", "한국어 문장입니다. ภาษาไทย مرحبا بالعالم!",
     "한국어 문장 입니다 .", "שלום עולם"),
    # Devanagari with combining vowel signs; Latin ligatures and other special lowercase
    ("नमस्ते दुनिया। ﬁne ﬂow Ǆemal ǅ ΣΊΣΥΦΟΣ", "नमस्ते दुनिया। fine flow dže ǆ σίσυφος",
     "नमस्ते दुनिया", "ΣΊΣΥΦΟΣ"),
]

# A very long line (about 200 tokens) with a reference close to it.
def _long_line():
    words = ("the committee said that the report , which was published on Monday , shows "
             "that prices rose by 3.5 percent in 2025 and that 1,200 new jobs were created").split()
    hyp, ref = [], []
    for i in range(12):
        hyp.extend(words)
        ref.extend(words if i % 3 else words[:-3] + ["jobs", "were", "lost"])
    return " ".join(hyp) + ".", " ".join(ref) + ".", " ".join(ref[:50]), " ".join(hyp[:120])


EDGE.append(_long_line())

# The last line (the file ref.2.txt has no final newline after it).
EDGE.append(("The last line has no final newline in ref.2.", "The last line has no final newline.",
             "The last line has no final newline in ref.2 .",
             "The last line has no final newline in ref.2."))

# Every hypothesis has 0-3 tokens (after 13a tokenization too), so corpus BLEU has no 4-grams.
SHORT = [
    ("Yes", "Yes", "Yes ."),
    ("Thank you", "Thank you", "Thanks"),
    ("Good morning everyone", "Good morning everyone", "Good morning"),
    ("Hello", "Goodbye", "Hi"),
    ("a b", "a b c", "b a"),
    ("x y z", "x y z", "z y x"),
    ("Ja", "ja", "Nein"),
    ("ΝΑΙ", "ναι", "Ναι"),
    ("İyi", "iyi", "İYİ"),
    ("谢谢", "谢谢你", "谢谢"),
    ("ありがとう", "ありがとう", "どうも"),
    ("no", "no way", "no"),
    ("a a a", "a a", "a"),
    ("the the", "the", "the cat"),
    ("", "Empty", ""),
    ("1,000", "1,000", "1000"),
    ("3.14", "3.14", "pi"),
    ("ok", "OK", "okay"),
    ("Danke schön", "Danke schön", "danke"),
    ("", "", "x"),
]

# --------------------------------------------------------------------------------------------
# Generated multilingual news-like text. Sentences are lists of units (words with attached
# punctuation) plus a joiner ("" for Chinese and Japanese).
# --------------------------------------------------------------------------------------------

CITIES = {
    "en": ["London", "Boston", "Sydney", "Toronto", "Dublin", "Cape Town", "Auckland"],
    "de": ["München", "Köln", "Düsseldorf", "Zürich", "Graz", "Lübeck"],
    "el": ["Αθήνα", "Θεσσαλονίκη", "Πάτρα", "Ηράκλειο", "ΛΑΡΙΣΑ"],
    "tr": ["İstanbul", "İzmir", "Diyarbakır", "Iğdır", "Eskişehir", "Şanlıurfa"],
    "zh": ["北京", "上海", "广州", "深圳", "𪚥村", "武汉"],
    "ja": ["東京", "大阪", "京都", "札幌", "名古屋"],
}

EN = {
    "subj": ["The government", "The prime minister", "Officials in {city}", "The central bank",
             "A spokesman for the company", "Researchers at the university",
             "The mayor of {city}", "Police in {city}", "The football club", "Local residents",
             "The European Commission", "Health authorities", "The airline", "Scientists",
             "The opposition party", "The BBC", "NASA", "The U.S. embassy"],
    "verb": ["said", "announced", "reported", "confirmed", "denied", "warned", "estimated",
             "revealed", "claimed", "stated"],
    "clause": ["that prices would rise by {pct} percent {time}.",
               "that the new bridge had cost {money}.",
               "a new plan to cut emissions {time}.",
               "that {num} people were injured in {city} {time}.",
               "that it's \"too early\" to say whether the economy will recover.",
               "that the match was postponed because of heavy rain.",
               "that the state-of-the-art hospital will open in {year}.",
               "that unemployment fell to {pct}% {time}, the lowest level since {year}.",
               "that {num} flights were cancelled {time}; passengers were told to wait.",
               "that temperatures of -{small} degrees are expected for 2-3 days.",
               "that the company's profits doubled (to {money}) {time}.",
               "that the talks in {city} were \"constructive\" but no deal was reached.",
               "that the vote, originally planned for {year}, has been delayed again.",
               "that the museum will reopen on {date} after a {small}-year renovation."],
    "time": ["on Monday", "on Tuesday", "last week", "next year", "in March", "this summer",
             "by the end of the year", "yesterday", "in {year}"],
    "syn": {"said": ["stated", "explained"], "announced": ["declared", "unveiled"],
            "people": ["persons", "residents"], "percent": ["per cent", "%"],
            "new": ["novel", "fresh"], "cancelled": ["canceled", "scrapped"],
            "injured": ["hurt", "wounded"], "expected": ["forecast", "predicted"],
            "economy": ["Economy", "market"], "company's": ["firm's", "group's"],
            "cut": ["reduce", "lower"], "heavy": ["strong", "torrential"],
            "The": ["the", "This"], "government": ["Government", "cabinet"]},
    "vocab": ["however", "also", "very", "really", "new", "old", "big", "city", "report",
              "year", "said", "the", "a", "of", "and", "officials", "market", "rain"],
}

DE = {
    "subj": ["Die Bundesregierung", "Der Bürgermeister von {city}", "Die Polizei in {city}",
             "Ein Sprecher des Unternehmens", "Die Europäische Zentralbank",
             "Forscher der Universität {city}", "Der Außenminister", "Die Gewerkschaft",
             "Das Statistische Bundesamt", "Die Straßenbahngesellschaft"],
    "verb": ["teilte {time} mit,", "erklärte {time},", "kündigte {time} an,",
             "bestätigte {time},", "warnte {time},"],
    "clause": ["dass die Preise um {pct} Prozent gestiegen sind.",
               "dass die Straße bis {year} gesperrt bleibt.",
               "dass der Umsatz auf {money} wachsen soll.",
               "es sei „zu früh“ für eine Entscheidung.",
               "dass größere Investitionen nötig seien.",
               "dass die Maßnahmen im Frühjahr beginnen.",
               "dass {num} Menschen in {city} verletzt wurden.",
               "dass der Fußballverein einen neuen Trainer sucht.",
               "dass die Arbeitslosenquote auf {pct} Prozent gesunken ist."],
    "time": ["am Montag", "am Dienstag", "letzte Woche", "im März", "heute", "gestern"],
    "syn": {"Preise": ["Kosten", "Mieten"], "gestiegen": ["gewachsen", "geklettert"],
            "Straße": ["Strasse", "Autobahn"], "größere": ["grössere", "höhere"],
            "nötig": ["notwendig", "erforderlich"], "erklärte": ["sagte", "betonte"],
            "Menschen": ["Personen", "Leute"], "neuen": ["weiteren", "anderen"],
            "Die": ["die", "Diese"], "heute": ["Heute", "am heutigen Tag"]},
    "vocab": ["und", "aber", "sehr", "groß", "Straße", "die", "der", "das", "Jahr", "auch",
              "Maßnahme", "schön", "über", "Bürger"],
}

EL = {
    "subj": ["Η κυβέρνηση", "Ο πρωθυπουργός", "Ο δήμαρχος της πόλης {city}", "ΟΙ ΑΡΧΕΣ",
             "Η ΕΘΝΙΚΗ ΤΡΑΠΕΖΑ ΤΗΣ ΕΛΛΑΔΟΣ", "Ο ΟΡΓΑΝΙΣΜΟΣ ΣΙΔΗΡΟΔΡΟΜΩΝ", "Οι επιστήμονες",
             "Ο εκπρόσωπος της εταιρείας"],
    "verb": ["ανακοίνωσε", "δήλωσε", "επιβεβαίωσε", "προειδοποίησε", "ΑΝΑΚΟΙΝΩΣΕ"],
    "clause": ["ότι οι τιμές αυξήθηκαν κατά {pct}% {time}.",
               "ότι ΤΟ ΕΡΓΟ ΘΑ ΟΛΟΚΛΗΡΩΘΕΙ ΕΩΣ ΤΟ {year}.",
               "νέα μέτρα για τους ΣΕΙΣΜΟΥΣ {time}.",
               "ότι η οδός θα παραμείνει κλειστή για {small} ημέρες.",
               "ότι {num} άνθρωποι τραυματίστηκαν στην πόλη {city}.",
               "ότι η ΑΝΕΡΓΙΑ ΜΕΙΩΘΗΚΕ ΣΤΟ {pct}%· «είναι καλή αρχή».",
               "αν θα γίνουν εκλογές {time};"],
    "time": ["τη Δευτέρα", "την ΤΡΙΤΗ", "την περασμένη εβδομάδα", "φέτος", "ΧΘΕΣ"],
    "syn": {"τιμές": ["ΤΙΜΕΣ", "τιμές των ακινήτων"], "ανακοίνωσε": ["δήλωσε", "ΔΗΛΩΣΕ"],
            "άνθρωποι": ["ΑΝΘΡΩΠΟΙ", "πολίτες"], "νέα": ["ΝΕΑ", "καινούργια"],
            "ΣΕΙΣΜΟΥΣ": ["σεισμούς", "Σεισμούς"], "ΟΔΟΣ": ["οδός", "Οδός"]},
    "vocab": ["και", "ΚΑΙ", "ότι", "της", "ΤΗΣ", "ΟΔΟΣ", "νέος", "ΑΘΗΝΑΣ", "ΣΑΣ", "Σ"],
}

TR = {
    "subj": ["İstanbul Büyükşehir Belediyesi", "Türkiye Cumhuriyet Merkez Bankası",
             "İÇİŞLERİ BAKANLIĞI", "Diyarbakır Valiliği", "Iğdır'daki yetkililer",
             "Şirket sözcüsü", "Üniversitedeki araştırmacılar"],
    "verb": ["açıkladı.", "duyurdu.", "bildirdi.", "AÇIKLADI.", "belirtti."],
    "clause": ["enflasyonun yüzde {pct} olduğunu", "yeni bir ulaşım planını",
               "{city}'de {num} kişinin yaralandığını", "ılık havanın hafta sonuna kadar süreceğini",
               "köprünün {year} yılında açılacağını", "İKİ GÜN boyunca yağmur beklendiğini"],
    "time": ["pazartesi günü", "dün", "geçen hafta", "BUGÜN"],
    "syn": {"yeni": ["YENİ", "farklı"], "açıkladı.": ["duyurdu.", "AÇIKLADI."],
            "kişinin": ["insanın", "KİŞİNİN"], "ılık": ["Ilık", "ILIK"],
            "İstanbul": ["istanbul", "İSTANBUL"]},
    "vocab": ["ve", "ama", "çok", "İyi", "ılık", "şehir", "yıl", "İSTANBUL", "Iğdır"],
}

ZH = {
    "subj": ["国务院", "{city}市政府", "中国人民银行", "该公司发言人", "研究人员", "{city}警方", "教育部"],
    "verb": ["宣布", "表示", "证实", "报道", "指出"],
    "clause": ["今年经济增长{pct}%", "将在{year}年完成新的铁路", "有{num}人在事故中受伤",
               "“新计划”将于明年实施", "房价上涨了{pct}%", "《报告》显示失业率下降",
               "２０２６年的预算为{money}", "气温将降至-{small}度"],
    "syn": {"宣布": ["公布", "宣告"], "表示": ["称", "说"], "新的": ["一条新", "新"],
            "增长": ["增加", "上升"], "受伤": ["受了伤", "伤"]},
    "vocab": ["的", "了", "在", "是", "我们", "经济", "今天", "北京", "新"],
}

JA = {
    "subj": ["政府は", "東京都は", "日本銀行は", "研究者たちは", "会社の広報担当者は", "{city}府警は", "文部科学省は"],
    "clause": ["物価が{pct}％上昇したと", "新しい計画を{year}年に始めると", "{num}人がけがをしたと",
               "「経済は回復している」と", "カタカナの表記を変えると", "雨のため試合を中止すると"],
    "verb": ["発表しました。", "述べました。", "明らかにしました。", "伝えました。"],
    "syn": {"発表しました。": ["公表しました。", "発表した。"], "新しい": ["新たな", "あたらしい"],
            "上昇した": ["上がった", "上昇した"]},
    "vocab": ["の", "は", "を", "に", "新しい", "東京", "経済", "です", "ます"],
}

LANGS = ["en", "en", "en", "de", "de", "el", "tr", "zh", "ja"]


def _fill(rng, text, lang):
    out = text
    while "{" in out:
        i = out.index("{")
        j = out.index("}", i)
        key = out[i + 1:j]
        if key == "city":
            val = rng.choice(CITIES[lang])
        elif key == "pct":
            val = rng.choice(["3.5", "12", "0.8", "45", "2,5" if lang == "de" else "2.5", "100"])
        elif key == "num":
            val = rng.choice(["3", "17", "250", "1,000", "12,500", "1.000" if lang == "de" else "1,200"])
        elif key == "small":
            val = str(rng.randint(2, 9))
        elif key == "year":
            val = str(rng.choice([1999, 2008, 2019, 2024, 2025, 2026, 2030]))
        elif key == "money":
            val = rng.choice(["$5.5 million", "€20 billion", "£300,000", "1,5 Milliarden Euro",
                              "30億円", "50亿元", "$12"])
        elif key == "date":
            val = rng.choice(["1 May", "12/10/2026", "2026-03-01", "July 4th"])
        elif key == "time":
            val = _fill(rng, rng.choice(BANKS[lang]["time"]), lang)
        else:
            raise KeyError(key)
        out = out[:i] + val + out[j + 1:]
    return out


BANKS = {"en": EN, "de": DE, "el": EL, "tr": TR, "zh": ZH, "ja": JA}


def make_sentence(rng, lang):
    """Returns (units, joiner)."""
    b = BANKS[lang]
    if lang == "en":
        text = f"{rng.choice(b['subj'])} {rng.choice(b['verb'])} {rng.choice(b['clause'])}"
        if rng.random() < 0.15:
            text = f"{_fill(rng, rng.choice(b['time']), lang).capitalize()}, " + text[0].lower() + text[1:]
        return _fill(rng, text, lang).split(), " "
    if lang == "de":
        text = f"{rng.choice(b['subj'])} {rng.choice(b['verb'])} {rng.choice(b['clause'])}"
        return _fill(rng, text, lang).split(), " "
    if lang == "el":
        text = f"{rng.choice(b['subj'])} {rng.choice(b['verb'])} {rng.choice(b['clause'])}"
        return _fill(rng, text, lang).split(), " "
    if lang == "tr":
        time = _fill(rng, rng.choice(b["time"]), lang)
        text = f"{rng.choice(b['subj'])} {time} {rng.choice(b['clause'])} {rng.choice(b['verb'])}"
        return _fill(rng, text, lang).split(), " "
    if lang == "zh":
        units = [_fill(rng, rng.choice(b["subj"]), lang), rng.choice(b["verb"]), "，"]
        clause = _fill(rng, rng.choice(b["clause"]), lang)
        # cut the clause into 2-character "words" so noise works on sub-clause units
        units += [clause[i:i + 2] for i in range(0, len(clause), 2)]
        units.append("。")
        return units, ""
    if lang == "ja":
        units = [_fill(rng, rng.choice(b["subj"]), lang)]
        clause = _fill(rng, rng.choice(b["clause"]), lang)
        units += [clause[i:i + 3] for i in range(0, len(clause), 3)]
        units.append(rng.choice(b["verb"]))
        return units, ""
    raise ValueError(lang)


def paraphrase(rng, lang, units):
    """A reference variant: synonyms, a dropped word, a swap, other final punctuation."""
    syn = BANKS[lang]["syn"]
    out = []
    for u in units:
        if u in syn and rng.random() < 0.6:
            out.extend(rng.choice(syn[u]).split())
        else:
            out.append(u)
    if len(out) > 4 and rng.random() < 0.3:
        del out[rng.randrange(1, len(out) - 1)]
    if len(out) > 4 and rng.random() < 0.2:
        i = rng.randrange(1, len(out) - 2)
        out[i], out[i + 1] = out[i + 1], out[i]
    if out and rng.random() < 0.1 and lang not in ("zh", "ja"):
        last = out[-1]
        if last.endswith("."):
            out[-1] = last[:-1] + rng.choice(["!", "", " ."])
    return out


def _case_change(rng, u):
    r = rng.random()
    if r < 0.4:
        return u.lower()
    if r < 0.7:
        return u.upper()
    return u[:1].upper() + u[1:]


def noisy(rng, lang, units, level):
    """A hypothesis: word drops, swaps, substitutions, duplicates, casing and punctuation changes."""
    b = BANKS[lang]
    out = list(units)
    n_ops = sum(1 for _ in range(max(1, len(out))) if rng.random() < level)
    for _ in range(n_ops):
        if not out:
            break
        op = rng.random()
        i = rng.randrange(len(out))
        if op < 0.25 and len(out) > 1:
            del out[i]
        elif op < 0.45 and len(out) > 2:
            j = min(i + 1, len(out) - 1)
            out[i], out[j] = out[j], out[i]
        elif op < 0.65:
            syn = b["syn"].get(out[i])
            out[i] = rng.choice(syn) if syn and rng.random() < 0.6 else rng.choice(b["vocab"])
        elif op < 0.72:
            out.insert(i, out[i])
        elif op < 0.85 and lang not in ("zh", "ja"):
            out[i] = _case_change(rng, out[i])
        else:
            # punctuation change on the last unit
            last = out[-1]
            if lang in ("zh", "ja"):
                out[-1] = {"。": ".", ".": "。"}.get(last, last + "。")
            elif last.endswith((".", "!", "?", ";")):
                out[-1] = last[:-1] + rng.choice(["", " .", "!", ",", "..."])
            else:
                out[-1] = last + "."
    if lang not in ("zh", "ja") and rng.random() < level * 0.3:
        out = [u.upper() for u in out] if rng.random() < 0.3 else [u.lower() for u in out]
    return out


def render(units, joiner):
    return joiner.join(units).replace("\t", " ")


def make_news(rng, n_lines, n_refs=4, systems=("A", "B", "C"), empty_ref_stream=1):
    """Returns (refs: list of n_refs lists of lines, hyps: dict name -> list of lines)."""
    refs = [[] for _ in range(n_refs)]
    hyps = {name: [] for name in systems}
    for _ in range(n_lines):
        lang = rng.choice(LANGS)
        units, joiner = make_sentence(rng, lang)
        ref_units = [units] + [paraphrase(rng, lang, units) for _ in range(n_refs - 1)]
        for k in range(n_refs):
            line = render(ref_units[k], joiner)
            # an occasional empty reference (never in the last stream, so -nr files stay valid)
            if k == empty_ref_stream and n_refs > 1 and k < n_refs - 1 and rng.random() < 0.02:
                line = ""
            refs[k].append(line)
        base = ref_units[rng.randrange(n_refs)] if rng.random() < 0.3 else units
        a = noisy(rng, lang, base, 0.12)
        for name in systems:
            if name == "A":
                h = a
            elif name == "B":
                # close to A: small extra noise on a few lines
                h = noisy(rng, lang, a, 0.1) if rng.random() < 0.06 else a
            else:
                h = noisy(rng, lang, base, 0.35)
            r = rng.random()
            if r < 0.01:
                line = ""
            elif r < 0.08:
                line = render(units, joiner)      # identical to ref.0
            else:
                line = render(h, joiner)
                if rng.random() < 0.02:
                    line += rng.choice([" ", "\t", "  "])   # trailing whitespace (stripped)
            hyps[name].append(line)
    return refs, hyps


TOKPER_SUBJ = ["The mayor", "Police", "The club", "Officials", "The airline", "Scientists",
               "The bank", "Residents"]
TOKPER_VERB = ["said no", "agreed", "left early", "won again", "cut prices", "were late",
               "spoke on Monday", "paid 1,000 dollars"]


def make_tokper(rng, n_lines, n_period):
    """Short English hypotheses of which exactly n_period end in " ." (and none otherwise)."""
    hyps, refs = [], []
    for i in range(n_lines):
        units = f"{rng.choice(TOKPER_SUBJ)} {rng.choice(TOKPER_VERB)}.".split()
        joiner = " "
        ref = render(units, joiner)
        h = noisy(rng, "en", units, 0.1)
        line = render(h, joiner).rstrip(" .!?,;")
        if not line:
            line = "empty"
        if i < n_period:
            line += " ."
        else:
            line += rng.choice(["", ".", "!"])
        hyps.append(line)
        refs.append(ref)
    order = list(range(n_lines))
    rng.shuffle(order)
    return [hyps[i] for i in order], [refs[i] for i in order]


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------

def write_lines(path, lines, final_newline=True, eol="\n"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    text = eol.join(lines)
    if final_newline and lines:
        text += eol
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)


def write_news(outdir, rng, n_lines, n_refs=4, systems=("A", "B", "C")):
    refs, hyps = make_news(rng, n_lines, n_refs, systems)
    for k, r in enumerate(refs):
        write_lines(os.path.join(outdir, f"ref.{k}.txt"), r)
    for name, h in hyps.items():
        write_lines(os.path.join(outdir, f"sys.{name}.txt"), h)
    return refs, hyps


def write_all(out, seed=DEFAULT_SEED, news_lines=150):
    rng = random.Random(seed)

    # (a) edge cases
    d = os.path.join(out, "edge")
    cols = list(zip(*EDGE))
    write_lines(os.path.join(d, "hyp.txt"), list(cols[0]))
    write_lines(os.path.join(d, "ref.0.txt"), list(cols[1]))
    write_lines(os.path.join(d, "ref.1.txt"), list(cols[2]))
    write_lines(os.path.join(d, "ref.2.txt"), list(cols[3]), final_newline=False)
    write_lines(os.path.join(d, "hyp.crlf.txt"), list(cols[0]), eol="\r\n")

    d = os.path.join(out, "short")
    cols = list(zip(*SHORT))
    # hyp.txt ends in an empty line: "...\n\n"
    write_lines(os.path.join(d, "hyp.txt"), list(cols[0]) + [""])
    write_lines(os.path.join(d, "ref.0.txt"), list(cols[1]) + ["x"])
    write_lines(os.path.join(d, "ref.1.txt"), list(cols[2]) + [""])
    # for stdin (read with universal newlines there): CRLF line ends, and a CR inside line 5
    write_lines(os.path.join(d, "hyp.crlf.txt"), list(cols[0]) + [""], eol="\r\n")
    # a copy under a name with "_" (tabulate escapes it in LaTeX tables as "\_")
    write_lines(os.path.join(d, "hyp_b.txt"), list(cols[0]) + [""])
    cr = list(cols[0]) + [""]
    cr[4] = "a\rb"
    write_lines(os.path.join(d, "hyp.cr.txt"), cr)

    # (b) news
    d = os.path.join(out, "news")
    refs, hyps = write_news(d, rng, news_lines)
    write_lines(os.path.join(d, "sys.A.short.txt"), hyps["A"][:100])
    write_lines(os.path.join(d, "refs.tsv"), ["\t".join(x) for x in zip(*refs)])
    broken = ["\t".join(x) for x in zip(*refs)][:20]
    broken[13] = "\t".join([refs[0][13], refs[1][13], refs[2][13], ""])  # right-stripped: 3 fields
    write_lines(os.path.join(d, "refs.broken.tsv"), broken)

    # (c) tokenized periods
    d = os.path.join(out, "tokper")
    h, r = make_tokper(rng, 110, 104)
    write_lines(os.path.join(d, "hyp.txt"), h)
    write_lines(os.path.join(d, "ref.txt"), r)
    h99 = [x[:-2] + "." if x.endswith(" .") else x for x in h]
    n = 0
    for i, x in enumerate(h):
        if x.endswith(" .") and n < 99:
            h99[i] = x
            n += 1
    write_lines(os.path.join(d, "hyp99.txt"), h99)

    with open(os.path.join(out, "README.md"), "w", encoding="utf-8") as f:
        f.write(README)


README = """# BLEU conformance corpora

Written by `testdata/gen/bleu_corpus.py` (deterministic, seeded; no third-party text). Do not
edit by hand: change the generator and rerun it, then regenerate the goldens
(`testdata/gen/bleu_cli.py`, `testdata/gen/bleu_api.py`).

All files are UTF-8 and are split on `\\n` only (sacreBLEU's rule); several contain `\\r`,
U+2028, U+0085, U+001C-001F, U+00A0 and tabs inside lines on purpose.

| path | what |
|---|---|
| `edge/hyp.txt`, `edge/ref.{0,1,2}.txt` | hand-written edge cases, one per line (BOM on line 1, empty hyp/ref lines, whitespace-only lines, control separators, CR/U+2028/U+0085 inside lines, entities, `<skipped>`, Greek final sigma, Turkish İ, ß, CJK incl. the zh U+2001-2A6D quirk range, kana, Extension B, full-width digits, numbers, symbols, combining marks, a closest-length tie, a ~200-token line). `ref.2.txt` has no final newline. |
| `edge/hyp.crlf.txt` | `edge/hyp.txt` with CRLF line ends (the CR is trailing whitespace) |
| `short/hyp.txt`, `short/ref.{0,1}.txt` | every hypothesis has at most 3 tokens; `hyp.txt` ends with an empty line (`\\n\\n`) |
| `short/hyp_b.txt` | a copy of `hyp.txt` whose name has a `_` (escaped in LaTeX tables) |
| `short/hyp.crlf.txt`, `short/hyp.cr.txt` | `hyp.txt` with CRLF line ends / with a CR inside line 5 (for stdin, which sacreBLEU reads with universal newlines: the first is fine, the second has one line too many) |
| `news/ref.{0,1,2,3}.txt` | multilingual news-like references (en, de, el, tr, zh, ja); a few empty lines in `ref.1.txt` |
| `news/sys.{A,B,C}.txt` | three systems: A mild noise, B = A plus a little noise, C heavy noise |
| `news/sys.A.short.txt` | the first 100 lines of `sys.A.txt` (length mismatch, exit 1) |
| `news/refs.tsv` | refs 0-3 tab-separated (`-nr 4`; with `-nr 3` the third field keeps a tab); on stdin: four systems |
| `news/refs.broken.tsv` | 20 lines of `refs.tsv`; line 14 has an empty last field (`-nr 4`: exit 17) |
| `tokper/hyp.txt`, `tokper/ref.txt` | 110 lines; 104 hypotheses end in ` .` (tokenized-period warning) |
| `tokper/hyp99.txt` | exactly 99 hypotheses end in ` .` (no warning) |
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(here, "..", "bleu", "corpus"))
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--news-lines", type=int, default=150)
    args = ap.parse_args()
    write_all(os.path.normpath(args.out), args.seed, args.news_lines)


if __name__ == "__main__":
    main()
